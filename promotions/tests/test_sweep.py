"""The periodic sweep: statuses, notifications, idempotency, constant queries."""

import datetime
import io
import json

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.models import Attestation, Evidence, MonthlyMetric
from people.models import Employee
from people.tests.factories import EmployeeFactory
from promotions.models import EligibilityStatus, Notification
from promotions.services import periodic_checks_chunk, periodic_checks_run

pytestmark = pytest.mark.django_db
AS_OF = datetime.date(2026, 11, 23)


def make_ready_hero(manager=None, hire=datetime.date(2024, 1, 10)) -> Employee:
    """A hero who meets every Superhero bar."""
    hero = EmployeeFactory(level_code="hero", hire_date=hire, manager=manager)
    items = [
        ("ticket", "integration", 3), ("ticket", "scripting", 3), ("ticket", "api", 3),
        ("demonstration", "css", 1), ("demonstration", "api", 1), ("document", "", 3),
        ("initiative", "participant", 1),
    ]  # fmt: skip
    Evidence.objects.bulk_create(
        Evidence(employee=hero, kind=kind, category=category, title=f"{kind} {category} {n}",
                 reference=f"{hero.pk}-{kind}-{category}-{n}",
                 occurred_on=datetime.date(2026, 1, 5),
                 status="approved")
        for kind, category, count in items
        for n in range(count)
    )  # fmt: skip
    Evidence.objects.create(
        employee=hero, kind="exam", category="six-month", title="Exam", outcome="passed",
        occurred_on=datetime.date(2024, 7, 1), status="approved",
    )  # fmt: skip
    figures = {"volume_pct": 101, "unplanned_absence_pct": 1, "csat_pct": 95}
    MonthlyMetric.objects.bulk_create(
        MonthlyMetric(employee=hero, metric=metric, period=datetime.date(2026, month, 1),
                      value=value)
        for month in (8, 9, 10)
        for metric, value in figures.items()
    )  # fmt: skip
    superhero = hero.level.next_levels.get(code="superhero")
    for code in ("workaround-solutions", "integration-talk-through", "suggests-http-connect"):
        Attestation.objects.create(
            employee=hero, code=code, level=superhero, statement=code,
            attested_by=(manager or hero).user, attested_on=datetime.date(2026, 10, 1),
        )  # fmt: skip
    return hero


def sweep_json(as_of=AS_OF) -> dict:
    out = io.StringIO()
    call_command("run_periodic_checks", "--as-of", as_of.isoformat(), "--json", stdout=out)
    return json.loads(out.getvalue())


def test_newly_eligible_person_and_their_manager_are_notified_once(
    seeded, django_capture_on_commit_callbacks, celery_eager
):
    lead = EmployeeFactory(level_code="senior-superhero")
    hero = make_ready_hero(manager=lead)
    with django_capture_on_commit_callbacks(execute=True):  # e-mail goes out after commit
        first = sweep_json()
    assert first["newly_eligible"] == [hero.user.email]
    assert first["evaluated"] == Employee.objects.count()
    subjects = set(Notification.objects.values_list("recipient__email", "subject"))
    assert (hero.user.email, "You meet every requirement for Superhero") in subjects
    assert any(r == lead.user.email and "meets every requirement" in s for r, s in subjects)
    assert {m.to[0] for m in mail.outbox} >= {hero.user.email, lead.user.email}

    second = sweep_json()
    assert second == {
        "evaluated": first["evaluated"],
        "newly_eligible": [],
        "notifications_created": 0,
    }
    status = EligibilityStatus.objects.get(employee=hero)
    assert (status.eligible, status.met_count, status.total_count) == (True, 15, 15)
    assert status.target_level.framework == hero.framework  # the version it was judged against
    assert status.best  # the only next level: the verdict HR's pipeline counts


def test_losing_eligibility_is_stored_and_not_announced(seeded):
    hero = make_ready_hero()
    sweep_json()
    Evidence.objects.filter(employee=hero, category="integration").first().delete()
    sweep_json()
    status = EligibilityStatus.objects.get(employee=hero)
    assert (status.eligible, status.met_count) == (False, 14)
    assert Notification.objects.filter(recipient=hero.user, kind="newly_eligible").count() == 1


@pytest.mark.parametrize(
    ("hire", "subject"),
    [
        (datetime.date(2026, 5, 23), "Six months in: your competency exam is due"),
        (datetime.date(2025, 11, 20), "One year in"),
        (datetime.date(2024, 11, 17), "24 months: Superhero's time bar is reached"),
        (datetime.date(2023, 11, 23), "36 months: Senior Superhero's time bar is reached"),
    ],
)
def test_milestones_are_announced_within_a_week_of_the_date(seeded, hire, subject):
    person = EmployeeFactory(level_code="hero", hire_date=hire)
    if subject == "One year in":
        Evidence.objects.create(
            employee=person, kind="exam", category="six-month", title="Exam", outcome="passed",
            occurred_on=datetime.date(2026, 1, 1), status="approved",
        )  # fmt: skip
    sweep_json()
    notes = list(Notification.objects.filter(recipient=person.user, kind="milestone"))
    assert len(notes) == 1
    assert notes[0].subject.startswith(subject)
    if subject == "One year in":  # the perk the milestone unlocked is named
        assert "Your perks now: 2 work-from-home days a month." in notes[0].body


def test_a_framework_without_an_exam_sends_no_exam_reminder(seeded):
    """Milestones are the framework's data: Whatfix has no exam and no tenure milestones."""
    intern = EmployeeFactory(framework_slug="whatfix-support", level_code="S0",
                             hire_date=datetime.date(2026, 5, 23))  # fmt: skip
    hero = EmployeeFactory(level_code="hero", hire_date=datetime.date(2026, 5, 23))
    sweep_json()
    reminders = Notification.objects.filter(kind="milestone", subject__contains="exam")
    assert set(reminders.values_list("recipient", flat=True)) == {hero.user_id}
    assert not Notification.objects.filter(recipient=intern.user).exists()


def test_an_old_milestone_is_not_announced(seeded):
    person = EmployeeFactory(level_code="hero", hire_date=datetime.date(2025, 5, 1))
    sweep_json()
    assert not Notification.objects.filter(recipient=person.user, kind="milestone").exists()


def test_evidence_waiting_over_a_week_reminds_the_manager_once_a_week(seeded):
    lead = EmployeeFactory(level_code="senior-superhero")
    report = EmployeeFactory(manager=lead)
    old = Evidence.objects.create(
        employee=report, kind="document", title="Guide", occurred_on=AS_OF, status="submitted"
    )
    Evidence.objects.filter(pk=old.pk).update(
        submitted_at=datetime.datetime(2026, 11, 10, tzinfo=datetime.UTC)
    )
    sweep_json()
    sweep_json(AS_OF + datetime.timedelta(days=1))  # same ISO week
    reminders = Notification.objects.filter(recipient=lead.user, kind="review_reminder")
    assert [n.subject for n in reminders.all()] == [
        "1 evidence item(s) waiting for your review for over a week"
    ]
    sweep_json(AS_OF + datetime.timedelta(days=7))  # next week
    assert reminders.count() == 2


def test_chunks_cover_everyone_and_a_redelivered_chunk_changes_nothing(seeded):
    people = [make_ready_hero() for _ in range(3)]
    summary = periodic_checks_run(as_of=AS_OF, chunk_size=2)
    assert sorted(summary.newly_eligible) == sorted(p.user.email for p in people)
    again = periodic_checks_chunk(as_of=AS_OF, first_id=people[0].pk, last_id=people[-1].pk)
    assert (again.newly_eligible, again.notifications_created) == ([], 0)


def _company(size: int) -> None:
    lead = EmployeeFactory(level_code="senior-superhero")
    for _ in range(size // 2):
        make_ready_hero(manager=lead)
    EmployeeFactory.create_batch(size - size // 2, manager=lead, framework_slug="whatfix-support",
                                 level_code="S1")  # fmt: skip


@pytest.mark.postgres  # SQLite splits a 1,000-row insert into batches of 999 parameters
def test_the_sweep_runs_the_same_number_of_queries_for_10_or_1000_people(seeded):
    def queries(size):
        Employee.objects.all().delete() if False else None
        _company(size)
        first, last = (
            Employee.objects.order_by("id").values_list("id", flat=True)[::1][0],
            (Employee.objects.order_by("-id").values_list("id", flat=True).first()),
        )
        with CaptureQueriesContext(connection) as ctx:
            summary = periodic_checks_chunk(as_of=AS_OF, first_id=first, last_id=last)
        return len(ctx.captured_queries), summary

    small, small_summary = queries(10)
    EligibilityStatus.objects.all().delete()
    Notification.objects.all().delete()
    large, large_summary = queries(990)
    assert (small_summary.evaluated, large_summary.evaluated) == (11, 1002)
    assert len(large_summary.newly_eligible) == 500  # the 5 of the small run, notified again
    # only because the test cleared their statuses and notifications
    assert large == small


def test_the_nightly_schedule_is_data_that_hr_can_edit_in_the_admin(client, hr):
    from django_celery_beat.models import PeriodicTask

    from careerpath.celery import app

    app.loader.import_default_modules()  # what a worker does at start: autodiscover tasks
    task = PeriodicTask.objects.get(name="Nightly tenure and eligibility sweep")
    assert task.task in app.tasks
    assert (task.crontab.hour, task.crontab.minute) == ("2", "30")
    client.force_login(hr)
    response = client.get(f"/admin/django_celery_beat/periodictask/{task.pk}/change/")
    assert response.status_code == 200


def test_regaining_eligibility_on_a_later_day_is_announced_again(seeded):
    hero = make_ready_hero()
    sweep_json()
    removed = Evidence.objects.filter(employee=hero, category="integration").first()
    removed.status = "rejected"
    removed.save()
    sweep_json(AS_OF + datetime.timedelta(days=1))
    removed.status = "approved"
    removed.save()
    assert sweep_json(AS_OF + datetime.timedelta(days=2))["newly_eligible"] == [hero.user.email]
    assert Notification.objects.filter(recipient=hero.user, kind="newly_eligible").count() == 2


@pytest.mark.parametrize("as_of", ["0001-01-01", "2026-13-01", "tomorrow"])
def test_a_bad_as_of_date_is_a_clear_error(seeded, as_of):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="--as-of must be"):
        call_command("run_periodic_checks", "--as-of", as_of, stdout=io.StringIO())
