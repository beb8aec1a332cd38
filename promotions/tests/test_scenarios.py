"""The seeds read the way the documents mean them: people judged by the real selectors."""

import datetime

import pytest

from assessments.models import Attestation, CompetencyRating, Evidence, MonthlyMetric
from frameworks.models import Level, RequiredProficiency
from frameworks.services import framework_clone
from people.services import employee_level_change
from people.tests.factories import EmployeeFactory
from promotions.selectors import career_status, framework_impact_preview

pytestmark = pytest.mark.django_db
D = datetime.date
AS_OF = D(2026, 11, 23)


def next_level(status, code):
    return next(r for r in status.next_levels if r.level.code == code)


CONFIRMED_ON = D(2026, 10, 1)


def confirm(person, manager, code, level_code, on=CONFIRMED_ON):
    level = Level.objects.get(framework=person.framework, code=level_code)
    Attestation.objects.create(
        employee=person, code=code, level=level, statement=code,
        attested_by=manager.user, attested_on=on,
    )  # fmt: skip


def rate_all(person, manager, proficiency="advanced", on=CONFIRMED_ON):
    framework = person.framework
    advanced = framework.proficiency_levels.get(slug=proficiency)
    for competency in framework.competencies.all():
        CompetencyRating.objects.create(
            employee=person, competency=competency, proficiency=advanced, source="manager",
            period="2026-H2", rated_on=on, rated_by=manager.user,
        )  # fmt: skip


def figures(person, metric, value):
    for month in (8, 9, 10):
        MonthlyMetric.objects.create(
            employee=person, metric=metric, period=D(2026, month, 1), value=value
        )


SL2_CONFIRMATIONS = ("next-level-behaviours", "ticket-management-processes",
                     "drives-career-conversations", "owns-product-triage")  # fmt: skip


def test_a_manager_promoted_to_sl2_today_is_not_told_they_meet_sl3(seeded):
    boss = EmployeeFactory(framework_slug="whatfix-support", level_code="SL4")
    lead = EmployeeFactory(framework_slug="whatfix-support", level_code="SL1", manager=boss,
                           hire_date=D(2020, 1, 1))  # fmt: skip
    rate_all(lead, boss)
    for code in SL2_CONFIRMATIONS:
        confirm(lead, boss, code, "SL2")
    figures(lead, "sla_adherence_pct", 100)
    figures(lead, "csat_pct", 90)
    assert next_level(career_status(employee=lead, as_of=AS_OF), "SL2").eligible

    sl2 = Level.objects.get(framework=lead.framework, code="SL2")
    employee_level_change(employee=lead, level=sl2, changed_on=AS_OF, actor=boss.user,
                          reason="Promoted")  # fmt: skip
    sl3 = next_level(career_status(employee=lead, as_of=AS_OF), "SL3")
    assert not sl3.eligible
    missing = {r.code for r in sl3.results if not r.met}
    assert missing == {"next-level-behaviours", "sets-ticket-review-strategy",
                       "decides-functional-strategy", "mentors-people-managers"}  # fmt: skip
    behaviours = next(r for r in sl3.results if r.code == "next-level-behaviours")
    assert behaviours.reason == "confirmed_for_other_level"
    assert behaviours.params["confirmed_for"] == ["SL2"]


def test_a_confirmation_given_for_s3_does_not_count_for_sl1(seeded):
    manager = EmployeeFactory(framework_slug="whatfix-support", level_code="SL2")
    engineer = EmployeeFactory(framework_slug="whatfix-support", level_code="S2",
                               manager=manager)  # fmt: skip
    confirm(engineer, manager, "next-level-behaviours", "S3")
    status = career_status(employee=engineer, as_of=AS_OF)
    assert [r.level.code for r in status.next_levels] == ["S3", "SL1"]  # sideways too
    s3, sl1 = next_level(status, "S3"), next_level(status, "SL1")
    assert next(r for r in s3.results if r.code == "next-level-behaviours").met
    sl1_behaviours = next(r for r in sl1.results if r.code == "next-level-behaviours")
    assert not sl1_behaviours.met
    assert "counts only for that level" in sl1_behaviours.explanation


def test_an_expired_confirmation_leaves_no_earliest_date(seeded):
    manager = EmployeeFactory(framework_slug="whatfix-support", level_code="SL2")
    engineer = EmployeeFactory(framework_slug="whatfix-support", level_code="S1",
                               manager=manager)  # fmt: skip
    rate_all(engineer, manager)
    confirm(engineer, manager, "next-level-behaviours", "S2", on=D(2025, 10, 1))
    s2 = next_level(career_status(employee=engineer, as_of=AS_OF), "S2")
    (unmet,) = [r for r in s2.results if not r.met]
    assert (unmet.code, unmet.reason) == ("next-level-behaviours", "expired")
    assert "expired on 1 Oct 2026" in unmet.explanation
    assert s2.earliest_date is None  # time will not bring a confirmation back
    data = career_status(employee=engineer, as_of=AS_OF).as_json()
    entry = next(r for r in data["next"][0]["requirements"] if r["kind"] == "attestation")
    assert (entry["attestation_code"], entry["reason"]) == ("next-level-behaviours", "expired")


def test_an_initiative_done_as_a_hero_does_not_count_for_senior_superhero(seeded):
    superhero = EmployeeFactory(level_code="superhero", hire_date=D(2020, 1, 1),
                                level_since=D(2026, 3, 1))  # fmt: skip
    Evidence.objects.create(employee=superhero, kind="initiative", category="lead",
                            title="Macro clean-up", occurred_on=D(2025, 6, 1),
                            status="approved")  # fmt: skip
    senior = next_level(career_status(employee=superhero, as_of=AS_OF), "senior-superhero")
    initiative = next(r for r in senior.results if r.evidence_kind == "initiative")
    assert (initiative.met, initiative.have, initiative.params["older"]) == (False, 0, 1)
    assert "since the start of the current level (1 Mar 2026)" in initiative.explanation
    Evidence.objects.create(employee=superhero, kind="initiative", category="lead",
                            title="Knowledge-base revamp", occurred_on=D(2026, 5, 1),
                            status="approved")  # fmt: skip
    senior = next_level(career_status(employee=superhero, as_of=AS_OF), "senior-superhero")
    assert next(r for r in senior.results if r.evidence_kind == "initiative").met


def test_sl1_requires_no_less_than_s3(seeded):
    required = {
        (rp.level.code, rp.competency.slug): rp.proficiency.rank
        for rp in RequiredProficiency.objects.filter(
            level__framework=seeded["whatfix-support"], level__code__in=["S3", "SL1"]
        ).select_related("level", "competency", "proficiency")
    }
    sl1 = {slug: rank for (code, slug), rank in required.items() if code == "SL1"}
    assert len(sl1) == 5
    assert all(rank >= required[("S3", slug)] for slug, rank in sl1.items())


def test_the_preview_warns_of_a_level_no_harder_than_the_one_below_and_lists_perk_losses(
    seeded,
):
    hero = EmployeeFactory(level_code="hero", hire_date=D(2024, 1, 1))
    Evidence.objects.create(employee=hero, kind="exam", category="six-month", title="Exam",
                            outcome="passed", occurred_on=D(2024, 7, 1),
                            status="approved")  # fmt: skip
    draft = framework_clone(framework=seeded["whatfix-support"], actor=None)
    sl3 = Level.objects.get(framework=draft, code="SL3")
    sl3.requirements.exclude(code="next-level-behaviours").filter(kind="attestation").delete()
    preview = framework_impact_preview(draft=draft, as_of=AS_OF)
    assert preview.warnings == [
        "SL3 asks nothing that SL2 did not: someone just promoted to SL2 would already meet "
        "every requirement for SL3."
    ]
    formula = framework_clone(framework=seeded["support-formula"], actor=None)
    Level.objects.get(framework=formula, code="hero").entitlements.update(value=1)
    preview = framework_impact_preview(draft=formula, as_of=AS_OF)
    assert preview.warnings == []
    assert [(c.employee.pk, c.kind, c.before, c.after, c.unit) for c in preview.perk_losses] == [
        (hero.pk, "wfh_days_per_month", 2, 1, "days a month")
    ]
