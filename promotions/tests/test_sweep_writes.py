"""What the set-based sweep writes (issue 14): one upsert per chunk that changes only the
statuses whose verdict differs. CI runs these on PostgreSQL (its `unnest` statement), a
local run on SQLite (its VALUES statement)."""

import datetime

import pytest

from assessments.models import Evidence
from people.tests.factories import EmployeeFactory
from promotions.models import EligibilityStatus, Notification
from promotions.services import eligibility_statuses_write, periodic_checks_run
from promotions.tests.test_sweep import make_ready_hero

pytestmark = pytest.mark.django_db
AS_OF = datetime.date(2026, 11, 23)
NEXT_DAY = AS_OF + datetime.timedelta(days=1)


def status_of(person) -> EligibilityStatus:
    return EligibilityStatus.objects.get(employee=person)


def test_an_unchanged_verdict_is_not_rewritten_and_nobody_is_told_twice(seeded):
    hero = make_ready_hero()
    first = periodic_checks_run(as_of=AS_OF)
    assert first.newly_eligible == [hero.user.email]
    again = periodic_checks_run(as_of=NEXT_DAY)
    assert again.newly_eligible == [] and again.notifications_created == 0
    status = status_of(hero)
    # Still the first night's row: the statement's WHERE left it alone.
    assert (status.eligible, status.evaluated_on, status.changed_on) == (True, AS_OF, AS_OF)


def test_a_new_count_is_written_but_eligible_since_stays(seeded):
    person = EmployeeFactory(level_code="hero")
    periodic_checks_run(as_of=AS_OF)
    before = status_of(person)
    assert not before.eligible
    Evidence.objects.create(
        employee=person, kind="document", category="", title="Runbook", status="approved",
        occurred_on=AS_OF - datetime.timedelta(days=3),
    )  # fmt: skip
    Evidence.objects.bulk_create(
        Evidence(employee=person, kind="document", category="", title=f"Doc {n}",
                 status="approved", occurred_on=AS_OF - datetime.timedelta(days=3))
        for n in range(2)
    )  # fmt: skip
    periodic_checks_run(as_of=NEXT_DAY)
    after = status_of(person)
    assert after.met_count == before.met_count + 1  # three documents: one more bar met
    assert after.evaluated_on == NEXT_DAY  # rewritten, because a value changed
    assert after.changed_on == before.changed_on  # still not eligible: since unchanged


def test_eligibility_lost_and_regained_moves_changed_on_and_tells_again(seeded):
    hero = make_ready_hero()
    periodic_checks_run(as_of=AS_OF)
    Evidence.objects.filter(employee=hero, kind="document").update(status="rejected")
    periodic_checks_run(as_of=NEXT_DAY)
    lost = status_of(hero)
    assert (lost.eligible, lost.changed_on) == (False, NEXT_DAY)
    Evidence.objects.filter(employee=hero, kind="document").update(status="approved")
    later = NEXT_DAY + datetime.timedelta(days=1)
    summary = periodic_checks_run(as_of=later)
    regained = status_of(hero)
    assert (regained.eligible, regained.changed_on) == (True, later)
    assert summary.newly_eligible == [hero.user.email]
    told = Notification.objects.filter(recipient=hero.user, kind=Notification.Kind.NEWLY_ELIGIBLE)
    assert told.count() == 2  # once a day they became eligible, dated keys


def test_the_write_stores_every_verdict_and_returns_those_newly_eligible(seeded):
    person = EmployeeFactory(level_code="hero")
    level = person.level.next_levels.get()
    row = (person.pk, level.pk, False, 3, 15, None, True)
    assert eligibility_statuses_write([row], AS_OF) == []  # stored, not eligible
    assert (status_of(person).met_count, status_of(person).changed_on) == (3, AS_OF)
    changed = (person.pk, level.pk, False, 4, 15, datetime.date(2027, 1, 1), True)
    assert eligibility_statuses_write([changed], NEXT_DAY) == []
    stored = status_of(person)
    assert stored.earliest_date == datetime.date(2027, 1, 1)
    assert (stored.changed_on, stored.evaluated_on) == (AS_OF, NEXT_DAY)  # eligible did not flip
    later = NEXT_DAY + datetime.timedelta(days=1)
    ready = (person.pk, level.pk, True, 15, 15, None, True)
    assert eligibility_statuses_write([ready], later) == [(person.pk, level.pk)]
    assert status_of(person).changed_on == later
    # The same verdict again, that day or the next: nothing new to announce, nothing written.
    assert eligibility_statuses_write([ready], later) == []
    assert eligibility_statuses_write([ready], later + datetime.timedelta(days=1)) == []
    assert status_of(person).evaluated_on == later
    assert eligibility_statuses_write([], NEXT_DAY) == []


def test_the_stored_verdicts_are_what_each_persons_checklist_says(seeded):
    """The sweep judges through the kinds' verdicts (no explanations), My career through the
    evaluators: on the demo organisation, people on both frameworks at every level with
    evidence, metrics, ratings, confirmations and exams, both say the same of every next
    level (met, bars in all, earliest date, eligible)."""
    from assessments.demo import demo_assessments_create
    from people.demo import demo_organisation_create
    from people.models import Employee
    from promotions.selectors import career_statuses

    demo_organisation_create(today=AS_OF)
    demo_assessments_create(today=AS_OF)
    periodic_checks_run(as_of=AS_OF)
    stored = {
        (s.employee_id, s.target_level_id): (s.eligible, s.met_count, s.total_count,
                                             s.earliest_date)
        for s in EligibilityStatus.objects.all()
    }  # fmt: skip
    judged = {
        (status.employee.pk, r.level.pk): (r.eligible, r.met_count, len(r.results),
                                           r.earliest_date)
        for status in career_statuses(employees=Employee.objects.filter(is_active=True),
                                      as_of=AS_OF)
        for r in status.next_levels
    }  # fmt: skip
    assert len(judged) > 10
    assert len(set(judged.values())) > 3  # people at different distances from their next level
    assert stored == judged


def test_a_status_column_travels_to_postgresql_as_one_array_text():
    from promotions.services import _pg_array_text

    column = [7, True, False, None, datetime.date(2026, 11, 23)]
    assert _pg_array_text(column) == "{7,t,f,NULL,2026-11-23}"
    with pytest.raises(TypeError):
        _pg_array_text(["1},{2"])  # a text could split the array: never accepted
