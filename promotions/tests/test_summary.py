"""My career's summary: what it says per next level, judged on the seed frameworks' own
requirements (both frameworks, every kind they use) and, for the kinds the seeds do not
use (groups, points, time in level), on plain results."""

import datetime
from types import SimpleNamespace

import pytest

from assessments.models import Attestation, CompetencyRating, Evidence, MonthlyMetric
from frameworks.kinds import Result
from frameworks.models import Level
from people.tests.factories import EmployeeFactory
from promotions.rules import LevelReadiness
from promotions.selectors import career_status
from promotions.summary import (
    DO_NOW,
    FIGURES,
    IN_REVIEW,
    MANAGER,
    TIME,
    PendingItem,
    career_summary,
    day,
    level_summary,
    step_for,
)
from promotions.tests.test_sweep import make_ready_hero

D = datetime.date
AS_OF = D(2026, 11, 23)
NAMES = {1: "Beginner", 2: "Intermediate", 3: "Advanced"}


def submit_url(result):
    return f"/submit/{result.evidence_kind or 'exam'}/{result.category or ''}"


def superhero_summary(person, pending=(), own=True):
    status = career_status(employee=person, as_of=AS_OF)
    (summary,) = career_summary(
        status, pending=pending, own=own, proficiency_names=NAMES, submit_url=submit_url
    ).levels
    return summary


NOV_6 = D(2026, 11, 6)


def pending(kind, category, on=NOV_6, url="/evidence/1/"):
    return PendingItem(kind=kind, category=category, submitted_on=on, url=url)


# --- the seeds, read through the real selectors -------------------------------------------

pytestmark_db = pytest.mark.django_db  # the seed-based tests; the plain ones need none


@pytestmark_db
def test_everything_met_reads_ready_to_nominate(seeded):
    summary = superhero_summary(make_ready_hero())
    assert summary.state == "ready"
    assert summary.headline == "Ready: your manager can nominate you"
    assert summary.steps == [] and len(summary.met) == 15


@pytestmark_db
def test_the_managers_view_of_a_ready_person_says_nominate(seeded):
    summary = superhero_summary(make_ready_hero(), own=False)
    assert summary.headline == "Ready: nominate"


@pytestmark_db
def test_one_missing_ticket_is_one_step_named_in_the_headline(seeded):
    hero = make_ready_hero()
    Evidence.objects.filter(employee=hero, category="integration").first().delete()
    summary = superhero_summary(hero)
    assert summary.state == "steps"
    assert summary.headline == "1 step away: 1 more approved integration ticket"
    (step,) = summary.steps
    assert step.detail == "2 of 3 approved" and step.percent == 67
    assert step.submit_url == "/submit/ticket/integration"
    assert summary.earliest is None  # no time bar left: no date to show
    assert len(summary.met) == 14
    # Met figures say current against target too, with the unit.
    details = {m.result.params.get("metric"): m.detail for m in summary.met}
    assert details["volume_pct"] == "101% now; at least 100% needed"
    assert details["unplanned_absence_pct"] == "1% now; at most 3% needed"


@pytestmark_db
def test_a_ticket_in_review_is_shown_as_such_and_not_offered_again(seeded):
    hero = make_ready_hero()
    Evidence.objects.filter(employee=hero, category="integration").first().delete()
    summary = superhero_summary(hero, pending=[pending("ticket", "integration")])
    (step,) = summary.steps
    assert step.in_review.text == "1 in review since 6 Nov 2026"
    assert step.in_review.url == "/evidence/1/"
    assert step.submit_url == "" and step.priority == IN_REVIEW
    assert summary.in_review == 1
    assert step.waits_for_review
    assert summary.headline == (
        "1 step away: 1 more approved integration ticket (1 in review since 6 Nov 2026)"
    )


@pytestmark_db
def test_review_of_fewer_items_than_missing_still_offers_submit(seeded):
    hero = EmployeeFactory(level_code="hero", hire_date=D(2024, 1, 10))
    summary = superhero_summary(
        hero, pending=[pending("ticket", "integration", D(2026, 11, 9)), pending("ticket", "api")]
    )
    integration = next(s for s in summary.steps if s.result.category == "integration")
    assert integration.action == "3 more approved integration tickets"
    assert integration.in_review.count == 1 and integration.submit_url
    # An API ticket in review is not an integration ticket, and the oldest sets "since".
    api = next(s for s in summary.steps if s.result.category == "api" and "ticket" in s.action)
    assert api.in_review.text == "1 in review since 6 Nov 2026"


@pytestmark_db
def test_an_exam_in_review_says_so_instead_of_no_exam_yet(seeded):
    hero = EmployeeFactory(level_code="hero", hire_date=D(2026, 6, 26))
    summary = superhero_summary(hero, pending=[pending("exam", "six-month", D(2026, 11, 17))])
    exam = next(s for s in summary.steps if s.result.kind == "exam")
    assert exam.action == "Pass the six-month exam" and exam.waits_for_review
    assert exam.detail == "Due 26 Dec 2026"
    assert exam.in_review.text == "1 in review since 17 Nov 2026"
    assert exam.submit_url == ""


@pytestmark_db
def test_far_away_shows_the_earliest_date_the_24_month_rule_allows(seeded):
    hero = EmployeeFactory(level_code="hero", hire_date=D(2026, 6, 26))
    MonthlyMetric.objects.bulk_create(
        MonthlyMetric(employee=hero, metric="volume_pct", period=D(2026, m, 1), value=v)
        for m, v in ((8, 70), (9, 80), (10, 85))
    )
    summary = superhero_summary(hero)
    assert summary.state == "steps"
    assert summary.headline == "14 steps away"
    assert summary.earliest_text == "Earliest: 26 Jun 2028 (24 months since joining)"
    # The person's own work first, then confirmations, then figures, time last.
    priorities = [s.priority for s in summary.steps]
    assert priorities == sorted(priorities)
    assert summary.steps[0].action == "3 more approved integration tickets"
    assert summary.steps[-1].waits_for_time
    volume = next(s for s in summary.steps if s.result.params.get("metric") == "volume_pct")
    assert volume.action == "Raise Ticket/call/chat volume to at least 100% (now 78.3%)"
    assert volume.detail == "78.3% now; at least 100% needed"
    csat = next(s for s in summary.steps if s.result.params.get("metric") == "csat_pct")
    assert csat.action == "No Customer satisfaction (CSAT) figures yet: ask your manager"
    confirm = next(s for s in summary.steps if s.result.kind == "attestation")
    assert confirm.priority == MANAGER
    assert confirm.action_under_label == "Ask your manager to confirm this"
    assert confirm.action.startswith("Ask your manager to confirm: ")


@pytestmark_db
def test_only_time_missing_reads_as_the_earliest_date(seeded):
    summary = superhero_summary(make_ready_hero(hire=D(2025, 6, 1)))
    assert summary.state == "time"
    assert summary.headline == "Earliest: 1 Jun 2027 (24 months since joining)"
    assert [s.priority for s in summary.steps] == [TIME]


@pytestmark_db
def test_a_whatfix_s2_engineer_is_offered_two_tracks(seeded):
    engineer = EmployeeFactory(framework_slug="whatfix-support", level_code="S2")
    lead = EmployeeFactory(framework_slug="whatfix-support", level_code="SL2")
    intermediate = engineer.framework.proficiency_levels.get(slug="intermediate")
    for competency in engineer.framework.competencies.all():
        CompetencyRating.objects.create(
            employee=engineer, competency=competency, proficiency=intermediate,
            source="manager", period="2026-H2", rated_on=D(2026, 10, 1), rated_by=lead.user,
        )  # fmt: skip
    summary = career_summary(career_status(employee=engineer, as_of=AS_OF), proficiency_names=NAMES)
    assert summary.choice == (
        "Two tracks to choose from: Principal Technical Support Engineer (Individual "
        "Contributor) or Lead - Technical Support (People Manager)"
    )
    s3, sl1 = summary.levels
    assert (s3.level.code, sl1.level.code) == ("S3", "SL1")
    assert s3.headline == "4 steps away"
    customer = next(s for s in s3.steps if s.result.kind == "competency")
    assert customer.action == "Reach Advanced in Customer Centricity (rated Intermediate now)"
    assert customer.detail == "Intermediate now; Advanced needed"
    assert [m.detail for m in s3.met] == ["Rated Intermediate; Intermediate needed"] * 2
    sla = next(s for s in sl1.steps if s.result.kind == "metric")
    assert sla.action == "No SLA adherence figures yet: ask your manager"
    assert sla.priority == FIGURES


@pytestmark_db
def test_an_unrated_competency_asks_for_a_rating(seeded):
    engineer = EmployeeFactory(framework_slug="whatfix-support", level_code="S2")
    status = career_status(employee=engineer, as_of=AS_OF)
    s3 = level_summary(status.next_levels[0], proficiency_names=NAMES)
    step = next(s for s in s3.steps if s.result.kind == "competency")
    assert step.action == "Ask your manager to rate Customer Centricity (Advanced needed)"
    manager_view = level_summary(status.next_levels[0], own=False, proficiency_names=NAMES)
    assert next(s for s in manager_view.steps if s.result.kind == "competency").action == (
        "Rate Customer Centricity (Advanced needed)"
    )


@pytestmark_db
def test_an_expired_confirmation_asks_for_it_again(seeded):
    engineer = EmployeeFactory(framework_slug="whatfix-support", level_code="S2")
    lead = EmployeeFactory(framework_slug="whatfix-support", level_code="SL2")
    Attestation.objects.create(
        employee=engineer, code="next-level-behaviours", statement="x",
        level=Level.objects.get(framework=engineer.framework, code="S3"),
        attested_by=lead.user, attested_on=D(2025, 1, 1),
    )  # fmt: skip
    s3 = level_summary(career_status(employee=engineer, as_of=AS_OF).next_levels[0])
    step = next(s for s in s3.steps if s.result.kind == "attestation")
    assert step.result.reason == "expired", step.result.explanation
    assert step.action_under_label == "Ask your manager to confirm this again"


@pytestmark_db
def test_a_top_level_has_no_summary(seeded):
    status = career_status(employee=EmployeeFactory(level_code="senior-superhero"), as_of=AS_OF)
    assert career_summary(status).levels == [] and career_summary(status).choice == ""


# --- kinds the seeds do not use, on plain results ------------------------------------------


def result(kind, met=False, have=None, need=None, **extra):
    return Result(kind=kind, label=extra.pop("label", kind), met=met, have=have, need=need,
                  explanation=extra.pop("explanation", ""), **extra)  # fmt: skip


def readiness(*results):
    level = SimpleNamespace(code="next", title="Next", track=SimpleNamespace(name="T"))
    return LevelReadiness(level=level, results=list(results))


def test_time_in_level_waits_for_its_date():
    step = step_for(result("time_in_level", have=4, need=6, earliest_date=D(2027, 1, 5)))
    assert step.waits_for_time and step.action == "Reached on 5 Jan 2027"
    assert step.detail == "6 months in the current level"


def test_the_latest_time_bar_decides_the_earliest_date():
    summary = level_summary(
        readiness(
            result("tenure", have=20, need=24, earliest_date=D(2027, 6, 1)),
            result("time_in_level", have=10, need=12, earliest_date=D(2027, 1, 1)),
        )
    )
    assert summary.state == "time"
    assert summary.headline == "Earliest: 1 Jun 2027 (24 months since joining)"


def test_a_group_names_how_many_options_are_still_needed_and_each_open_option():
    members = [
        result("evidence", have=0, need=1, evidence_kind="escalation", category="css",
               params={"window": "hire"}, group="g"),
        result("evidence", met=True, have=1, need=1, evidence_kind="escalation",
               category="api", group="g"),
        result("attestation", have=0, need=1, label="Mentors others", group="g"),
    ]  # fmt: skip
    group = result("group", have=1, need=2, members=members, code="g", label="Any 2 of")
    step = step_for(group, submit_url=submit_url)
    assert step.action == "1 more of these 3 options"
    assert [m.action for m in step.members] == [
        "1 more approved CSS escalation",
        "Ask your manager to confirm: Mentors others",
    ]
    assert step.members[0].submit_url == "/submit/escalation/css"
    assert step.priority == DO_NOW


def test_a_group_waiting_only_for_time_is_dated():
    member = result("tenure", have=10, need=12, earliest_date=D(2027, 3, 1), group="g")
    group = result("group", have=0, need=1, members=[member], earliest_date=D(2027, 3, 1))
    summary = level_summary(readiness(group))
    assert summary.state == "time"
    assert summary.earliest == D(2027, 3, 1)


def test_points_say_how_many_more_points_from_where():
    step = step_for(result("points", have=7.5, need=10, params={"source": "evidence"}))
    assert step.action == "2.5 more points from approved evidence"


def test_a_metric_that_must_stay_low_asks_to_bring_it_down_with_its_unit():
    step = step_for(
        result("metric", have=4.5, need=3, unit="%", subject="Unplanned absence",
               reason="off_target", params={"comparison": "lte"})
    )  # fmt: skip
    assert step.action == "Bring down Unplanned absence to at most 3% (now 4.5%)"
    assert step.percent is None  # a share of a ceiling says nothing


def test_a_metric_with_a_month_missing_names_the_month():
    step = step_for(
        result("metric", have=97, need=95, unit="%", subject="SLA adherence",
               reason="missing_months", params={"comparison": "gte", "missing": ["2026-09"]})
    )  # fmt: skip
    assert step.action == "SLA adherence figures missing for Sep 2026"
    assert step.detail == "97% now; at least 95% needed"


def test_a_unit_that_is_a_word_is_spaced():
    step = step_for(
        result("metric", have=30, need=24, unit="hours", subject="First reply",
               reason="off_target", params={"comparison": "lte"})
    )  # fmt: skip
    assert step.action == "Bring down First reply to at most 24 hours (now 30 hours)"


def test_a_kind_added_later_falls_back_to_its_explanation():
    assert step_for(result("new-kind", explanation="Do the new thing.")).action == (
        "Do the new thing."
    )


def test_plural_steps_and_no_leading_zero_in_dates():
    summary = level_summary(
        readiness(result("attestation", label="A"), result("attestation", label="B"))
    )
    assert summary.headline == "2 steps away"
    assert day(D(2026, 11, 6)) == "6 Nov 2026"
