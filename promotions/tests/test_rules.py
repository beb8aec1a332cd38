"""The bars of both seed documents, table-driven. Facts are built in memory; the
requirements are the seeded data itself, so these tests read the documents' bars."""

import datetime
from decimal import Decimal

import pytest

from frameworks.kinds import metric_window
from frameworks.models import Level
from frameworks.selectors import level_rules, level_rules_prefetches
from promotions import rules

D = datetime.date
AS_OF = D(2026, 11, 23)

# Everything Superhero asks for except tenure, so each case varies one bar.
ALL_SUPERHERO_EVIDENCE = {
    ("ticket", "integration"): 3,
    ("ticket", "scripting"): 3,
    ("ticket", "api"): 3,
    ("demonstration", "css"): 1,
    ("demonstration", "api"): 1,
    ("document", ""): 3,
    ("exam", "six-month"): 1,
    ("initiative", "participant"): 1,
}
MONTHS = [D(2026, 8, 1), D(2026, 9, 1), D(2026, 10, 1)]
ON_PAR = {
    "volume_pct": dict.fromkeys(MONTHS, Decimal(100)),
    "unplanned_absence_pct": dict.fromkeys(MONTHS, Decimal(1)),
    "csat_pct": dict.fromkeys(MONTHS, Decimal(95)),
}
SUPERHERO_CONFIRMATIONS = (
    "workaround-solutions",
    "integration-talk-through",
    "suggests-http-connect",
)
LEVEL_CODES = ("superhero", "senior-superhero", "S1", "S2", "S3", "SL1", "SL2", "SL3", "SL4")


LONG_AGO = D(2024, 1, 1)
DONE_ON = D(2026, 6, 1)  # when the evidence of these facts was done


def facts(hire=LONG_AGO, evidence=None, metrics=None, attestations=SUPERHERO_CONFIRMATIONS,
          ratings=None, level_since=None, confirmed_for=LEVEL_CODES):  # fmt: skip
    """Facts in memory; `evidence` as counts, each item done on DONE_ON; every confirmation
    given for each level of `confirmed_for`."""
    counts = ALL_SUPERHERO_EVIDENCE if evidence is None else evidence
    return rules.Facts(
        employee_id=1,
        hire_date=hire,
        level_since=level_since or hire,
        evidence={key: (DONE_ON,) * n for key, n in counts.items() if n},
        metrics=ON_PAR if metrics is None else metrics,
        ratings=ratings or {},
        attestations={(code, lvl): DONE_ON for code in attestations for lvl in confirmed_for},
    )


def level(seeded, slug, code) -> Level:
    return (
        Level.objects.prefetch_related(*level_rules_prefetches())
        .select_related("framework")
        .get(framework=seeded[slug], code=code)
    )


def ready(person, lvl, as_of=AS_OF):
    return rules.readiness(person, lvl, level_rules([lvl])[lvl.pk], as_of)


def perks(person, lvl, as_of=AS_OF):
    return rules.entitlements(person, level_rules([lvl])[lvl.pk], as_of)


def wfh_days(statuses):
    wfh = rules.entitlement_values(statuses).get("wfh_days_per_month")
    return wfh.value if wfh else 0


def result_of(readiness, kind, category=None):
    return next(
        r
        for r in readiness.results
        if r.kind == kind and (category is None or r.category == category)
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "hire", "eligible"),
    [
        ("superhero", D(2024, 11, 23), True),  # exactly 24 months
        ("superhero", D(2024, 11, 24), False),  # a day short
        ("senior-superhero", D(2023, 11, 23), True),  # exactly 36 months
        ("senior-superhero", D(2023, 11, 24), False),
    ],
)
def test_tenure_bars_at_24_and_36_months(seeded, code, hire, eligible):
    senior_evidence = {
        ("escalation", "integration"): 1, ("escalation", "css"): 1, ("escalation", "api"): 1,
        ("workaround", "confessions"): 1, ("initiative", "lead"): 1,
    }  # fmt: skip
    attestations = ("advanced-customization", "qa-minimal-assistance",
                    "liaison-other-departments", "helps-others-integrations")  # fmt: skip
    person = (
        facts(hire=hire)
        if code == "superhero"
        else facts(hire=hire, evidence=senior_evidence, attestations=attestations)
    )
    readiness = ready(person, level(seeded, "support-formula", code))
    assert readiness.eligible is eligible
    tenure = result_of(readiness, "tenure")
    assert tenure.need == (24 if code == "superhero" else 36)
    if eligible:
        assert readiness.earliest_date is None
    else:
        # Only time is missing: ready on the anniversary, a day after as_of.
        assert readiness.earliest_date == D(2026, 11, 24) == tenure.earliest_date


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("exam_count", "met"), [(1, True), (0, False)]
)  # a failed or unapproved exam never reaches the facts (see test_selectors)
def test_six_month_exam(seeded, exam_count, met):
    evidence = {**ALL_SUPERHERO_EVIDENCE, ("exam", "six-month"): exam_count}
    readiness = ready(facts(evidence=evidence), level(seeded, "support-formula", "superhero"))
    assert result_of(readiness, "exam").met is met
    assert readiness.eligible is met
    assert readiness.earliest_date is None  # time alone will not fix a missing exam


@pytest.mark.django_db
@pytest.mark.parametrize(("tickets", "met"), [(2, False), (3, True), (4, True)])
def test_three_integration_tickets(seeded, tickets, met):
    evidence = {**ALL_SUPERHERO_EVIDENCE, ("ticket", "integration"): tickets}
    readiness = ready(facts(evidence=evidence), level(seeded, "support-formula", "superhero"))
    result = result_of(readiness, "evidence", "integration")
    assert (result.met, result.have, result.need) == (met, tickets, 3)
    assert result.evidence_kind == "ticket"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("values", "met", "have"),
    [
        ((100, 100, 100), True, 100),
        ((120, 90, 90), True, 100),
        ((99, 100, 100), False, 99.7),
        ((150, 150, None), False, 150),  # a month without figures is not on par
    ],
)
def test_volume_on_par_with_expected(seeded, values, met, have):
    volume = {m: Decimal(v) for m, v in zip(MONTHS, values, strict=True) if v}
    metrics = {**ON_PAR, "volume_pct": volume}
    readiness = ready(facts(metrics=metrics), level(seeded, "support-formula", "superhero"))
    result = next(r for r in readiness.results if r.params.get("metric") == "volume_pct")
    assert (result.met, result.have, result.need) == (met, have, 100)


def test_metric_window_is_the_last_complete_months():
    assert metric_window(D(2026, 11, 23), 3) == (D(2026, 8, 1), D(2026, 9, 1), D(2026, 10, 1))
    assert metric_window(D(2026, 1, 1), 2) == (D(2025, 11, 1), D(2025, 12, 1))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("hire", "exam", "days", "unlocks_on"),
    [
        (D(2025, 12, 23), True, 0, D(2026, 12, 23)),  # 11 months, exam passed
        (D(2025, 11, 23), True, 2, None),  # 12 months, exam passed
        (D(2025, 11, 23), False, 0, None),  # 12 months, no exam: time will not help
        (D(2025, 12, 23), False, 0, None),
    ],
)
def test_hero_wfh_after_12_months_with_the_exam(seeded, hire, exam, days, unlocks_on):
    evidence = {("exam", "six-month"): 1} if exam else {}
    statuses = perks(facts(hire=hire, evidence=evidence), level(seeded, "support-formula", "hero"))
    assert wfh_days(statuses) == days
    (status,) = statuses
    assert status.unlocks_on == unlocks_on


@pytest.mark.django_db
@pytest.mark.parametrize(("code", "days"), [("superhero", 4), ("senior-superhero", 6)])
def test_superheroes_have_their_wfh_days_unconditionally(seeded, code, days):
    statuses = perks(facts(evidence={}), level(seeded, "support-formula", code))
    assert wfh_days(statuses) == days


@pytest.mark.django_db
def test_the_top_level_has_no_next_level(seeded):
    assert list(level(seeded, "support-formula", "senior-superhero").next_levels.all()) == []
    assert list(level(seeded, "whatfix-support", "SL4").next_levels.all()) == []


@pytest.mark.django_db
def test_a_whatfix_level_has_no_tenure_rule_and_is_met_by_ratings_and_attestation(seeded):
    s2 = level(seeded, "whatfix-support", "S2")
    assert {r.kind for r in s2.requirements.all()} == {"competency", "attestation"}
    intermediate = seeded["whatfix-support"].proficiency_levels.get(slug="intermediate").rank
    ratings = {r.competency.slug: intermediate for r in s2.requirements.all() if r.competency_id}
    newcomer = facts(hire=D(2026, 11, 1), evidence={}, metrics={}, ratings=ratings,
                     attestations=("next-level-behaviours",))  # fmt: skip
    readiness = ready(newcomer, s2)
    assert readiness.eligible  # three weeks in: movement is not tenure based
    one_short = {**ratings, next(iter(ratings)): intermediate - 1}
    readiness = ready(
        facts(evidence={}, ratings=one_short, attestations=("next-level-behaviours",)), s2
    )
    assert readiness.met_count == len(readiness.results) - 1
    assert readiness.earliest_date is None


@pytest.mark.django_db
def test_changing_a_count_in_the_data_changes_eligibility_without_code(seeded):
    superhero = level(seeded, "support-formula", "superhero")
    assert ready(facts(), superhero).eligible
    superhero.requirements.filter(category="integration").update(count=4)
    superhero = level(seeded, "support-formula", "superhero")
    readiness = ready(facts(), superhero)
    assert not readiness.eligible
    assert result_of(readiness, "evidence", "integration").need == 4


def test_every_result_explains_itself():
    from frameworks.kinds import RuleSpec, evaluate_spec

    spec = RuleSpec(kind="evidence", label="3 approved api tickets", evidence_kind="ticket",
                    evidence_noun="ticket", category="api", count=3)  # fmt: skip
    result = evaluate_spec(facts(evidence={("ticket", "api"): 1}), spec, AS_OF)
    assert result.label == "3 approved api tickets"
    assert result.explanation == "1 of 3 approved. 2 more needed; only approved items count."
    assert (result.reason, result.params["have"], result.params["need"]) == ("too_few", 1, 3)
