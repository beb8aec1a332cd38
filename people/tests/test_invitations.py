"""Imported people can log in: HR invites them (a set-password link), and "Forgot your
password?" reaches them too."""

import re

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from outbox.models import OutboxTask
from people.models import Employee
from people.services import employee_leave
from people.tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db
PASSWORD = "my own long passphrase 42"


def imported(**kwargs) -> Employee:
    person = EmployeeFactory(**kwargs)
    person.user.set_unusable_password()  # as import_people creates them
    person.user.save(update_fields=["password"])
    return person


def set_password_from(client, body: str) -> None:
    link = re.search(r"https?://\S+/accounts/reset/\S+/", body).group(0)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    form = client.get(path, follow=True)  # Django swaps the token for a session
    assert form.status_code == 200 and 'name="new_password1"' in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": PASSWORD, "new_password2": PASSWORD}
    )
    assert done.status_code == 302


def logs_in(client, person) -> bool:
    client.post(reverse("login"), {"username": person.user.username, "password": PASSWORD})
    return client.get(reverse("home")).status_code == 200


@override_settings(SITE_URL="https://careerpath.example.com")
def test_hr_invites_an_imported_person_who_sets_a_password_and_logs_in(
    client, hr, seeded, celery_eager, django_capture_on_commit_callbacks
):
    person = imported()
    client.force_login(hr)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:people_employee_changelist"),
            {"action": "invite", "_selected_action": [person.pk]},
            follow=True,
        )
    assert "1 invitation on the way" in response.content.decode()
    person.refresh_from_db()
    assert person.invited_at is not None
    assert person.history.first().history_user == hr
    [message] = mail.outbox
    assert message.to == [person.user.email] and "https://careerpath.example.com/" in message.body

    client.logout()
    set_password_from(client, message.body)
    client.logout()
    assert logs_in(client, person)


def test_forgot_password_reaches_someone_who_never_had_one(client, seeded):
    person = imported()
    client.post(reverse("password_reset"), {"email": person.user.email.upper()})
    [message] = mail.outbox
    set_password_from(client, message.body)
    client.logout()
    assert logs_in(client, person)


def test_leavers_and_people_without_an_address_are_not_invited(client, hr, seeded):
    gone = imported()
    employee_leave(employee=gone, actor=hr, left_on=gone.hire_date)
    silent = imported()
    silent.user.email = ""
    silent.user.save(update_fields=["email"])
    client.force_login(hr)
    response = client.post(
        reverse("admin:people_employee_changelist"),
        {"action": "invite", "_selected_action": [gone.pk, silent.pk]},
        follow=True,
    )
    page = response.content.decode()
    assert "has left; not invited" in page and "has no e-mail address" in page
    assert not OutboxTask.objects.filter(task_name="people.tasks.send_invitation").exists()
    # A leaver's "Forgot your password?" sends nothing either.
    client.logout()
    client.post(reverse("password_reset"), {"email": gone.user.email})
    assert mail.outbox == []


def test_only_hr_invites(seeded):
    from django.core.exceptions import PermissionDenied

    from people.services import employees_invite

    manager = EmployeeFactory(level_code="senior-superhero")
    report = imported(manager=manager)
    with pytest.raises(PermissionDenied):
        employees_invite(employees=Employee.objects.filter(pk=report.pk), actor=manager.user)
