"""The sweep is watched: HR sees when it last ran and how it ended; a failed, stalled or
missed sweep shows HR a banner and e-mails the admins once; a missed night is caught up."""

import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from outbox.models import OutboxTask
from people.tests.factories import EmployeeFactory
from promotions import services
from promotions.models import Sweep
from promotions.tasks import periodic_checks_chunk
from tests.real_services import FakeSMTP

pytestmark = pytest.mark.django_db
ADMINS = [("Ops", "ops@example.com")]


def hours_ago(hours: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(hours=hours)


def test_hr_sees_when_the_last_sweep_ran_and_how_it_ended(client, hr, seeded):
    EmployeeFactory.create_batch(3)
    call_command("run_periodic_checks", stdout=None)
    sweep = Sweep.objects.get()
    assert (sweep.finished_at is not None, sweep.people, sweep.trigger) == (True, 3, "command")
    client.force_login(hr)
    page = client.get(reverse("promotions:reports")).content.decode()
    assert "Last eligibility check" in page and "finished" in page and "(3 people)" in page
    assert 'data-testid="sweep-alert"' not in page


@override_settings(ADMINS=ADMINS)
def test_a_chunk_that_fails_for_good_fails_the_sweep_tells_hr_and_the_admins_once(
    client, hr, seeded, monkeypatch, celery_eager
):
    person = EmployeeFactory()
    services.sweep_start(as_of=timezone.localdate(), chunks=[(person.pk, person.pk)],
                         trigger="schedule")  # fmt: skip

    def broken(**kwargs):
        raise RuntimeError("database is on fire")

    monkeypatch.setattr(services, "periodic_checks_chunk", broken)
    periodic_checks_chunk.apply(args=[timezone.localdate().isoformat(), person.pk, person.pk])
    sweep = Sweep.objects.get()
    assert sweep.failed_at is not None and "database is on fire" in sweep.error
    assert [m.to for m in mail.outbox] == [["ops@example.com"]]
    assert "failed: RuntimeError: database is on fire" in mail.outbox[0].body

    client.force_login(hr)
    for url in (reverse("home"), reverse("admin:index")):
        page = client.get(url).content.decode()
        assert 'data-testid="sweep-alert"' in page and "database is on fire" in page
    services.sweep_watchdog()  # later rounds tell nobody again
    assert len(mail.outbox) == 1


def test_nobody_but_hr_sees_the_banner(client, seeded):
    person = EmployeeFactory()
    Sweep.objects.create(as_of=timezone.localdate(), started_at=hours_ago(5))  # stalled
    client.force_login(person.user)
    assert 'data-testid="sweep-alert"' not in client.get(reverse("home")).content.decode()


@override_settings(ADMINS=ADMINS)
def test_a_missed_night_is_caught_up_once_and_the_admins_are_told(seeded, hr, client):
    EmployeeFactory.create_batch(2)
    yesterday = timezone.localdate() - datetime.timedelta(days=2)
    Sweep.objects.create(as_of=yesterday, started_at=hours_ago(50), finished_at=hours_ago(50))
    client.force_login(hr)
    assert "has not run since" in client.get(reverse("home")).content.decode()

    state = services.sweep_watchdog()
    assert state.kind == "missed"
    today = Sweep.objects.get(as_of=timezone.localdate())
    assert today.trigger == "catch-up"
    catch_up = OutboxTask.objects.get(task_name="promotions.tasks.run_periodic_checks")
    assert catch_up.args == [
        timezone.localdate().isoformat(),
        services.DEFAULT_CHUNK_SIZE,
        "catch-up",
    ]
    assert len(mail.outbox) == 1 and "A catch-up run" in mail.outbox[0].body

    assert services.sweep_watchdog().kind == "running"  # no second catch-up, no second mail
    assert OutboxTask.objects.filter(task_name="promotions.tasks.run_periodic_checks").count() == 1
    assert len(mail.outbox) == 1


def test_a_sweep_that_never_ran_is_started_when_there_are_people(seeded):
    assert services.sweep_watchdog().kind == "never"
    assert not Sweep.objects.exists()  # nobody to judge yet: nothing to catch up
    EmployeeFactory()
    services.sweep_watchdog()
    assert Sweep.objects.get().trigger == "catch-up"


@override_settings(ADMINS=ADMINS)
def test_a_stalled_sweep_is_reported_and_a_refusing_mail_server_leaves_it_for_later(seeded):
    EmployeeFactory()
    sweep = Sweep.objects.create(
        as_of=timezone.localdate(), started_at=hours_ago(4), chunk_keys=["x:1-2", "x:3-4"]
    )
    server = FakeSMTP()  # refuses every message
    smtp = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": server.port,
        "EMAIL_USE_TLS": False,
    }
    try:
        with override_settings(**smtp):
            state = services.sweep_watchdog()
    finally:
        server.close()
    assert state.kind == "stalled" and "0 of 2 parts done" in state.message
    sweep.refresh_from_db()
    assert sweep.alerted_at is None  # not told yet: the next round tries again
    services.sweep_watchdog()
    sweep.refresh_from_db()
    assert sweep.alerted_at is not None and len(mail.outbox) == 1


def test_a_leavers_reports_are_announced_to_the_next_active_manager(seeded, hr):
    from assessments.models import Evidence
    from assessments.tests.factories import EvidenceFactory
    from people.services import employee_leave
    from promotions.models import Notification

    boss = EmployeeFactory(level_code="senior-superhero")
    lead = EmployeeFactory(level_code="senior-superhero", manager=boss)
    report = EmployeeFactory(manager=lead)
    item = EvidenceFactory(employee=report, status=Evidence.Status.SUBMITTED)
    Evidence.objects.filter(pk=item.pk).update(submitted_at=hours_ago(24 * 10))
    employee_leave(employee=lead, actor=hr, left_on=timezone.localdate())
    call_command("run_periodic_checks", stdout=None)
    reminders = Notification.objects.filter(kind="review_reminder")
    assert list(reminders.values_list("recipient", flat=True)) == [boss.user_id]


def test_undelivered_notifications_are_sent_again_after_the_task_gave_up(seeded):
    from promotions.models import NotificationDelivery
    from promotions.services import NotificationDraft, notifications_create

    person = EmployeeFactory()
    notifications_create([NotificationDraft(recipient_id=person.user_id, kind="milestone",
                                            key="k", subject="s")])  # fmt: skip
    delivery = NotificationDelivery.objects.get()
    OutboxTask.objects.all().delete()
    NotificationDelivery.objects.filter(pk=delivery.pk).update(
        attempts=21, last_attempt_at=hours_ago(1), created_at=hours_ago(2)
    )
    services.sweep_watchdog()
    again = OutboxTask.objects.get(task_name="promotions.tasks.deliver_notification")
    assert again.args == [delivery.pk]
    # Three days on, it stays undelivered in the admin for someone to look at.
    OutboxTask.objects.all().delete()
    NotificationDelivery.objects.filter(pk=delivery.pk).update(created_at=hours_ago(24 * 4))
    services.sweep_watchdog()
    assert not OutboxTask.objects.filter(task_name="promotions.tasks.deliver_notification")
