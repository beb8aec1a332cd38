"""Writes of people: level changes and moving everyone to a newly published framework."""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from careerpath.audit import current_reason
from careerpath.celery import enqueue_on_commit
from careerpath.links import absolute_url
from frameworks.models import Framework, Level

from .models import Employee, LevelHistory
from .roles import user_is_hr


def employee_level_change(
    *, employee: Employee, level: Level, changed_on: datetime.date, actor, reason: str
) -> LevelHistory | None:
    """Move a person to another level of their framework and record it, with who did it and
    why; a no-op when unchanged. Nobody changes their own level. `actor` is None only for the
    command line (imports), whose reason says so."""
    if actor is not None and actor.pk == employee.user_id:
        raise PermissionDenied("Nobody changes their own level.")
    if not reason.strip():
        raise ValidationError("Say why the level changes.")
    if level.framework_id != employee.framework_id:
        raise ValidationError("That level belongs to another framework than the person's.")
    if level.pk == employee.level_id:
        return None
    with transaction.atomic():
        entry = LevelHistory(
            employee=employee,
            from_level_id=employee.level_id,
            to_level=level,
            changed_on=changed_on,
            changed_by=actor,
            reason=reason,
        )
        entry.full_clean()
        entry.save()
        if entry.changed_by is not None:  # else the request's user (simple_history's middleware)
            employee._history_user = entry.changed_by
        employee._change_reason = entry.reason[:100]
        employee.level = level
        employee.level_since = changed_on
        employee.full_clean()
        employee.save(update_fields=["level", "level_since"])
    return entry


def employees_move_to_published_framework(
    sender, *, framework: Framework, previous: Framework | None, level_map: dict, **kwargs
):
    """Re-point everyone on `previous` to the level with the same code in `framework`.

    Runs inside the publishing transaction (frameworks.signals). Refuses, and so
    aborts the publish, when someone sits at a level the new version lacks.
    One query to check, one to read, one update per level and one insert of their
    history per 500 people, however many people.
    """
    if previous is None:
        return
    stranded = (
        Employee.objects.filter(framework=previous)
        .exclude(level_id__in=level_map.keys())
        .select_related("level")
    )
    missing = sorted({e.level.code for e in stranded})
    if missing:
        raise ValidationError(
            f"Cannot publish version {framework.version}: people are at level(s) "
            f"{', '.join(missing)}, which this version does not have. Add the level(s) back "
            "or move those people first."
        )
    moved = list(Employee.objects.filter(framework=previous))
    for old_level_id, new_level in level_map.items():
        Employee.objects.filter(framework=previous, level_id=old_level_id).update(
            framework=framework, level=new_level
        )
    # update() sends no signal: the history of everyone moved is written here, in bulk
    # (its user is the request's, from simple_history's middleware).
    for employee in moved:
        employee.framework, employee.level = framework, level_map[employee.level_id]
    Employee.history.bulk_history_create(
        moved,
        update=True,
        batch_size=500,
        default_change_reason=current_reason(f"{framework.slug} v{framework.version} published"),
    )


# --- leavers ----------------------------------------------------------------------------


def employee_leave(*, employee: Employee, actor, left_on: datetime.date) -> bool:
    """A person leaves: their login stops at once, they leave the reporting
    lines (their reports' reviews and approvals go to the next active manager up) and
    their career pages; the history records who marked it and when. False when already
    gone (nothing changes)."""
    if actor is not None and actor.pk == employee.user_id:
        raise PermissionDenied("Nobody marks themselves as left.")
    with transaction.atomic():
        employee = Employee.objects.select_for_update().select_related("user").get(pk=employee.pk)
        if not employee.is_active:
            return False
        if left_on < employee.hire_date:
            raise ValidationError("A person cannot leave before they were hired.")
        employee.is_active = False
        employee.left_on = left_on
        employee._history_user = actor
        employee.full_clean()
        employee.save(update_fields=["is_active", "left_on"])
        # An inactive user no longer authenticates, and Django's ModelBackend turns any
        # session of theirs into an anonymous one on its next request: every open session
        # ends at once without reading the whole session table (an import of many
        # leavers would otherwise read it once per person).
        user = employee.user
        user.is_active = False
        user.save(update_fields=["is_active"])
    return True


def employee_return(*, employee: Employee, actor) -> bool:
    """A leaver comes back: their login and their place in the reporting lines return.
    False when they never left. An anonymised leaver cannot return (their identity is gone)."""
    if actor is not None and actor.pk == employee.user_id:
        raise PermissionDenied("Nobody brings themselves back.")
    with transaction.atomic():
        employee = Employee.objects.select_for_update().select_related("user").get(pk=employee.pk)
        if employee.is_active:
            return False
        if employee.user.username.startswith(ANONYMOUS_PREFIX):
            raise ValidationError("This person's data was anonymised: create a new account.")
        employee.is_active = True
        employee.left_on = None
        employee._history_user = actor
        employee.save(update_fields=["is_active", "left_on"])
        employee.user.is_active = True
        employee.user.save(update_fields=["is_active"])
    return True


ANONYMOUS_PREFIX = "former-"


def employee_identity_erase(*, employee: Employee) -> None:
    """Replace a leaver's name, e-mail and login by a placeholder (the person's record, level
    history and decisions stay). Called by `assessments.services.person_anonymise`, which
    also erases the words and files of their evidence; not undone."""
    if employee.is_active:
        raise ValidationError("Only a leaver's data can be anonymised.")
    user = employee.user
    user.username = f"{ANONYMOUS_PREFIX}{employee.pk}"
    user.email = ""
    user.first_name = "Former"
    user.last_name = f"employee #{employee.pk}"
    user.set_unusable_password()
    user.save(update_fields=["username", "email", "first_name", "last_name", "password"])


# --- invitations -------------------------------------------------------------------------


def employees_invite(*, employees, actor) -> tuple[int, list[str]]:
    """HR sends people a link to set their password (imported people have none): one e-mail
    each, sent by a retried task after commit; inviting again sends a fresh link. Returns
    (how many invited, why the others were not)."""
    if not user_is_hr(actor):
        raise PermissionDenied("Only HR invites people.")
    if not settings.PASSWORD_LOGIN:
        # Passwords are off (single sign-on): a set-password link would set one nobody can
        # log in with.
        return 0, [
            f"Passwords are turned off: people sign in with {settings.OIDC_PROVIDER_NAME}, "
            "so nobody was invited to set one."
        ]
    invited, problems = 0, []
    with transaction.atomic():
        for employee in employees.select_related("user"):
            if not employee.is_active:
                problems.append(f"{employee}: has left; not invited.")
                continue
            if not employee.user.email:
                problems.append(f"{employee}: has no e-mail address; not invited.")
                continue
            if employee.user_id == actor.pk:
                problems.append(f"{employee}: that is you; use “Change password”.")
                continue
            employee.invited_at = timezone.now()
            employee._history_user = actor
            employee.save(update_fields=["invited_at"])
            enqueue_on_commit("people.tasks.send_invitation", employee.user_id)
            invited += 1
    return invited, problems


def invitation_send(*, user_id: int) -> bool:
    """E-mail one invitation: a set-password link from Django's token generator (valid for
    PASSWORD_RESET_TIMEOUT). Raises on a mail server's refusal (the task retries); False
    when the person has left or has no address any more."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return False
    link = absolute_url(
        reverse(
            "password_reset_confirm",
            args=[
                urlsafe_base64_encode(force_bytes(user.pk)),
                default_token_generator.make_token(user),
            ],
        )
    )
    days = max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)
    body = (
        f"Hello {user.get_full_name() or user.email},\n\n"
        "CareerPath shows where you are in your career framework, what is missing for your "
        "next level and when you can be ready. Set your password here to log in with your "
        f"e-mail address {user.email}:\n\n{link}\n\n"
        f"The link works once and for {days} day{'s' if days != 1 else ''}. Afterwards, use "
        "“Forgot your password?” on the login page."
    )
    message = EmailMessage(
        subject="You are invited to CareerPath",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )
    if message.send(fail_silently=False) != 1:
        raise RuntimeError("The mail server accepted no message.")
    return True
