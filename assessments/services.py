"""Writes of evidence, ratings and attestations. Each checks who may do it."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from careerpath.celery import enqueue_on_commit
from people.models import Employee
from people.roles import user_is_hr
from people.selectors import employee_for_user, employee_reviewable_by, reviewable_report_ids
from people.services import employee_identity_erase

from .models import Attestation, CompetencyRating, Evidence, EvidenceReview
from .selectors import attestation_expectations, evidence_category_check

EDITABLE_FIELDS = (
    "kind", "category", "title", "reference", "occurred_on", "description", "attachment",
    "outcome", "score",
)  # fmt: skip


def _reviewer_of(actor, employee: Employee, action: str, reviewable: set[int] | None = None):
    """Refuses unless the acting user may review, rate or confirm for `employee`: an active
    manager above them, never the person themselves. `reviewable` is the ids the actor may
    review, when the caller read them once for many items."""
    if actor is None or actor.pk == employee.user_id:
        raise PermissionDenied(f"You cannot {action} your own evidence or ratings.")
    if reviewable is not None:
        allowed = employee.pk in reviewable
    else:
        allowed = employee_reviewable_by(reviewer=employee_for_user(actor), employee=employee)
    if not allowed:
        raise PermissionDenied(f"You can {action} only for people who report to you.")


def evidence_submit(*, employee: Employee, actor, competencies=(), **fields) -> Evidence:
    """Record a new item, waiting for review. Only the person themselves submits."""
    if employee.user_id != actor.pk or not employee.is_active:
        raise PermissionDenied("You can submit evidence only for yourself.")
    evidence = Evidence(employee=employee, submitted_by=actor, **fields)
    evidence.full_clean()
    evidence_category_check(employee=employee, kind=evidence.kind, category=evidence.category)
    evidence._history_user = evidence.submitted_by  # the actor, also outside a request
    with transaction.atomic():
        evidence.save()
        evidence.competencies.set(competencies)
    return evidence


def evidence_withdraw(*, evidence: Evidence, actor) -> Evidence:
    """The owner takes back an item nobody has reviewed yet; it is kept, marked withdrawn."""
    if evidence.employee.user_id != actor.pk:
        raise PermissionDenied("You can withdraw only your own evidence.")
    with transaction.atomic():
        locked = Evidence.objects.select_for_update().get(pk=evidence.pk)
        if locked.status != Evidence.Status.SUBMITTED:
            raise ValidationError(
                "Only evidence that is still waiting for review can be withdrawn."
            )
        locked.status = Evidence.Status.WITHDRAWN
        locked._history_user = actor
        locked.save(update_fields=["status", "updated_at"])  # saved, so history records it
    return locked


def evidence_resubmit(*, evidence: Evidence, actor, competencies=None, **changes) -> Evidence:
    """The owner changes a rejected item and sends it for review again."""
    if evidence.employee.user_id != actor.pk:
        raise PermissionDenied("You can resubmit only your own evidence.")
    if evidence.status != Evidence.Status.REJECTED:
        raise ValidationError("Only rejected evidence can be changed and resubmitted.")
    for name, value in changes.items():
        if name not in EDITABLE_FIELDS:
            raise ValueError(f"{name} cannot be changed on resubmission")
        setattr(evidence, name, value)
    evidence.status = Evidence.Status.SUBMITTED
    evidence.reviewed_by = None
    evidence.reviewed_at = None
    evidence.review_comment = ""
    evidence.full_clean()
    evidence_category_check(
        employee=evidence.employee, kind=evidence.kind, category=evidence.category
    )
    evidence._history_user = actor
    with transaction.atomic():
        evidence.save()
        if competencies is not None:
            evidence.competencies.set(competencies)
    return evidence


def evidence_review(
    *, evidence: Evidence, actor, decision: str, comment: str = ""
) -> EvidenceReview:
    """Approve or reject one item waiting for review; recorded as an EvidenceReview.

    Only a manager allowed to review the owner may decide, never the owner. A
    rejection needs a comment. Two reviewers racing decide once: the status
    changes only while the item is still waiting.
    """
    return _evidence_review(evidence, actor, decision, comment, reviewable=None)


def _evidence_review(evidence, actor, decision, comment, *, reviewable) -> EvidenceReview:
    _reviewer_of(actor, evidence.employee, "review evidence", reviewable)
    if decision not in EvidenceReview.Decision.values:
        raise ValidationError(f"Unknown decision “{decision}”; approve or reject.")
    if decision == EvidenceReview.Decision.REJECTED and not comment.strip():
        raise ValidationError("Say why you reject it, so that it can be improved.")
    with transaction.atomic():
        # The row lock makes a second, concurrent decision see the first one.
        locked = Evidence.objects.select_for_update().get(pk=evidence.pk)
        if locked.status != Evidence.Status.SUBMITTED:
            raise ValidationError("This evidence is no longer waiting for review.")
        locked.status = decision
        locked.reviewed_by = actor
        locked.reviewed_at = timezone.now()
        locked.review_comment = comment
        locked._history_user = locked.reviewed_by  # the actor, also outside a request
        locked.save(
            update_fields=["status", "reviewed_by", "reviewed_at", "review_comment", "updated_at"]
        )
        review = EvidenceReview.objects.create(
            evidence=locked, reviewer=actor, decision=decision, comment=comment
        )
        if decision == EvidenceReview.Decision.APPROVED:
            # Re-judge the owner now rather than at night: a newly met bar is news.
            today = timezone.localdate().isoformat()
            enqueue_on_commit(
                "promotions.tasks.periodic_checks_chunk", today, locked.employee_id,
                locked.employee_id,
            )  # fmt: skip
    evidence.refresh_from_db()
    return review


def evidence_review_bulk(
    *, evidence_ids, actor, decision: str, comment: str = ""
) -> tuple[int, list[str]]:
    """Decide several items at once; returns (how many decided, why the others were not)."""
    decided, problems = 0, []
    reviewer = employee_for_user(actor) if actor is not None else None
    # Whom the actor may review, read once for all the items (a manager of 200 picks 50).
    reviewable = reviewable_report_ids(manager=reviewer) if reviewer is not None else set()
    items = Evidence.objects.filter(pk__in=evidence_ids).select_related("employee__user")
    for evidence in items:
        try:
            _evidence_review(evidence, actor, decision, comment, reviewable=reviewable)
        except (PermissionDenied, ValidationError) as exc:
            problems.append(f"{evidence.title}: {' '.join(getattr(exc, 'messages', [str(exc)]))}")
        else:
            decided += 1
    return decided, problems


def rating_record(
    *,
    employee: Employee,
    actor,
    competency,
    proficiency,
    period: str,
    comment: str = "",
    rated_on: datetime.date,
) -> CompetencyRating:
    """A self rating (by the person) or a manager rating (by someone they report to).

    Rating the same competency again in the same period replaces the earlier rating.
    """
    if actor.pk == employee.user_id:
        if not employee.is_active:
            raise PermissionDenied("Someone who has left rates nothing.")
        source = CompetencyRating.Source.SELF
    else:
        _reviewer_of(actor, employee, "rate")
        source = CompetencyRating.Source.MANAGER
    if competency.framework_id != employee.framework_id:
        raise ValidationError("That competency is not part of this person's framework.")
    if proficiency.framework_id != employee.framework_id:
        raise ValidationError("That proficiency is not part of this person's framework.")
    rating = CompetencyRating.objects.filter(
        employee=employee, competency=competency, source=source, period=period
    ).first() or CompetencyRating(
        employee=employee, competency=competency, source=source, period=period
    )
    rating.proficiency = proficiency
    rating.rated_by = actor
    rating.rated_on = rated_on
    rating.comment = comment
    rating.full_clean()
    rating._history_user = rating.rated_by  # the actor, also outside a request
    rating.save()
    return rating


def attestation_record(
    *,
    employee: Employee,
    actor,
    code: str,
    level,
    statement: str,
    attested_on: datetime.date,
    comment: str = "",
) -> Attestation:
    """A manager confirms a qualitative expectation for one target level; confirming it
    again for that level updates the date (the history keeps the earlier one)."""
    _reviewer_of(actor, employee, "attest")
    expected = attestation_expectations(employee=employee)
    if f"{level.pk}:{code}" not in expected:
        raise ValidationError(
            f"“{code}” is not something to confirm for {employee.name} for {level.code}: only "
            "the confirmations of their next levels (and of their perks) can be given."
        )
    attestation = Attestation.objects.filter(
        employee=employee, code=code, level=level
    ).first() or Attestation(employee=employee, code=code, level=level)
    attestation.statement = statement
    attestation.attested_by = actor
    attestation.attested_on = attested_on
    attestation.comment = comment
    attestation.full_clean()
    attestation._history_user = attestation.attested_by  # the actor, also outside a request
    attestation.save()
    return attestation


def person_anonymise(*, employee: Employee, actor) -> None:
    """HR erases a leaver's personal data on request (data protection): name, e-mail and
    login, the titles, descriptions, references and files of their evidence and the
    comments on their ratings and confirmations, also in their history. Kinds, categories,
    dates, statuses, levels and decisions stay, so counts and time-to-promotion reports keep
    their history."""
    if not user_is_hr(actor):
        raise PermissionDenied("Only HR anonymises a person's data.")
    with transaction.atomic():
        employee = Employee.objects.select_for_update().select_related("user").get(pk=employee.pk)
        employee_identity_erase(employee=employee)
        items = Evidence.objects.filter(employee=employee)
        for item in items.exclude(attachment=""):
            item.attachment.delete(save=False)
        erased = {"title": "(anonymised)", "description": "", "reference": "", "attachment": ""}
        items.update(**erased)
        Evidence.history.filter(employee_id=employee.pk).update(**erased)
        # The one sanctioned rewrite of the past: the words go from the records and their
        # history alike; the erasure itself is audited on the person's record.
        for model in (Attestation, CompetencyRating):
            model.objects.filter(employee=employee).update(comment="")
            model.history.filter(employee_id=employee.pk).update(comment="")
        employee._history_user = actor
        employee._change_reason = "Personal data anonymised on request"
        employee.save()
