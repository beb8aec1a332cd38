"""The sweep's fast path says what the evaluators say.

The nightly sweep stores, per person and next level, whether each bar is met and when one that
only waits for time will be; it reads that from each kind's `verdict`, which skips the figures
and words the checklist shows. If a verdict ever disagreed with its evaluator, My career would
say one thing and the stored status (the team page, the reports, the "you are eligible"
notification) another. These tests generate facts and bars of every kind and compare.
"""

import datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frameworks import kinds
from frameworks.kinds import Facts, MetricSpec, RuleSpec, evaluate_spec
from frameworks.months import add_months
from promotions import rules

AS_OF = datetime.date(2026, 11, 23)
KINDS_OF_EVIDENCE = ("ticket", "document", "exam")
CATEGORIES = ("", "integration", "api")
CODES = ("talk-through", "behaviours")
LEVELS = ("S1", "S2")
COMPETENCIES = ("customer-centricity", "collaboration")
METRIC = MetricSpec(slug="csat", name="CSAT", unit="%", aggregation="average")

# Days anywhere, and days on and around the boundaries the bars have (N months before the
# check, give or take a day), where a verdict and an evaluator could disagree.
boundary_days = st.builds(
    lambda months, offset: add_months(AS_OF, -months) + datetime.timedelta(days=offset),
    st.sampled_from([0, 1, 6, 12, 24]),
    st.sampled_from([0, 0, -1, 1]),
)
days = st.one_of(
    boundary_days,
    st.dates(min_value=datetime.date(2018, 1, 1), max_value=datetime.date(2027, 6, 30)),
)


@st.composite
def facts(draw):
    hire = draw(days.filter(lambda d: d <= AS_OF))
    level_since = max(hire, draw(days))
    evidence = {}
    for kind in KINDS_OF_EVIDENCE:
        for category in CATEGORIES[1:]:
            dated = draw(st.lists(days.filter(lambda d: d <= AS_OF), max_size=5))
            if dated:
                evidence[(kind, category)] = tuple(sorted(dated))
    months = kinds.metric_window(AS_OF, 6)
    figures = {
        month: Decimal(draw(st.integers(min_value=60, max_value=100)))
        for month in months
        if draw(st.booleans()) or draw(st.booleans())
    }
    return Facts(
        employee_id=1,
        hire_date=hire,
        level_since=level_since,
        evidence=evidence,
        metrics={METRIC.slug: figures} if figures else {},
        ratings={c: r for c in COMPETENCIES if (r := draw(st.integers(0, 4)))},
        attestations={
            (code, level): draw(days) for code in CODES for level in LEVELS if draw(st.booleans())
        },
    )


windows = st.sampled_from([("", None), ("hire", None), ("level", None), ("trailing", 6)])


SIMPLE_KINDS = ["tenure", "time_in_level", "exam", "evidence", "metric", "competency",
                "attestation", "points"]  # fmt: skip


@st.composite
def simple_specs(draw, kind=None):
    kind = kind or draw(st.sampled_from(SIMPLE_KINDS))
    window, window_months = draw(windows)
    if kind in ("tenure", "time_in_level"):
        return RuleSpec(kind=kind, label="", months=draw(st.sampled_from([0, 1, 6, 12, 24, 36])))
    if kind == "exam":
        return RuleSpec(kind=kind, label="", category=draw(st.sampled_from(CATEGORIES)),
                        months=draw(st.sampled_from([None, 6])), window=window,
                        window_months=window_months)  # fmt: skip
    if kind == "evidence":
        return RuleSpec(kind=kind, label="", evidence_kind=draw(st.sampled_from(KINDS_OF_EVIDENCE)),
                        category=draw(st.sampled_from(CATEGORIES)), count=draw(st.integers(1, 6)),
                        window=window, window_months=window_months)  # fmt: skip
    if kind == "metric":
        return RuleSpec(kind=kind, label="", metric=METRIC, window_months=draw(st.integers(1, 6)),
                        threshold=Decimal(draw(st.integers(60, 100))),
                        comparison=draw(st.sampled_from(["", "gte", "lte"])))  # fmt: skip
    if kind == "competency":
        return RuleSpec(
            kind=kind,
            label="",
            competency=draw(st.sampled_from(COMPETENCIES)),
            proficiency_rank=draw(st.integers(1, 4)),
            proficiency_name="Level",
        )
    if kind == "attestation":
        return RuleSpec(kind=kind, label="", code=draw(st.sampled_from(CODES)),
                        level_code=draw(st.sampled_from(LEVELS)),
                        valid_months=draw(st.sampled_from([None, 6, 12, 24])))  # fmt: skip
    source = draw(st.sampled_from(["ratings", "evidence"]))
    if source == "ratings":
        weights = draw(st.sampled_from([(), (("collaboration", Decimal("1.5")),)]))
    else:
        # 1.98: two items make 3.96 points, which people read as 4.0 but is not 4
        weights = (("document", Decimal("1.98")), ("ticket/integration", Decimal("2.5")))
    return RuleSpec(kind="points", label="", points_source=source, weights=weights,
                    count=draw(st.integers(1, 12)), window=window if source == "evidence" else "",
                    window_months=window_months if source == "evidence" else None)  # fmt: skip


@st.composite
def specs(draw, kind=None):
    if kind != "group" and (kind or draw(st.integers(0, 4))):
        return draw(simple_specs(kind))
    members = tuple(draw(st.lists(simple_specs(), min_size=1, max_size=4)))
    return RuleSpec(kind="group", label="", code="g", members=members,
                    count=draw(st.integers(1, len(members))))  # fmt: skip


@pytest.mark.parametrize("kind", [*SIMPLE_KINDS, "group"])
def test_each_kinds_verdict_is_its_evaluators_met_and_earliest_date(kind):
    @settings(max_examples=60, deadline=None)
    @given(facts(), specs(kind))
    def check(person, spec):
        result = evaluate_spec(person, spec, AS_OF)
        assert kinds.KINDS[spec.kind].verdict(person, spec, AS_OF) == (
            result.met,
            result.earliest_date,
        )

    check()


@settings(max_examples=60, deadline=None)
@given(facts(), st.lists(specs(), max_size=6))
def test_a_levels_verdicts_are_its_readiness(person, level_specs):
    readiness = rules.LevelReadiness(level=None, results=rules.evaluate(person, level_specs, AS_OF))
    assert kinds.verdicts(person, level_specs, AS_OF) == (
        readiness.met_count,
        len(readiness.results),
        readiness.earliest_date,
    )


def test_every_kind_has_a_verdict():
    assert [slug for slug, kind in kinds.KINDS.items() if kind.verdict is None] == []


def test_verdicts_agree_on_the_day_a_bar_is_reached_and_the_days_around_it():
    """Every date bar on its boundary: the day before, the day itself and the day after the
    months are complete (or a confirmation expires), exhaustively rather than by chance."""
    bars = [
        RuleSpec(kind="tenure", label="", months=6),
        RuleSpec(kind="time_in_level", label="", months=6),
        RuleSpec(kind="attestation", label="", code="behaviours", level_code="S1", valid_months=6),
        RuleSpec(kind="evidence", label="", evidence_kind="ticket", count=1, window="trailing",
                 window_months=6),
        RuleSpec(kind="exam", label="", category="integration", window="level"),
    ]  # fmt: skip
    for offset in (-1, 0, 1):
        day = add_months(AS_OF, -6) + datetime.timedelta(days=offset)
        person = Facts(
            employee_id=1, hire_date=day, level_since=day,
            evidence={("ticket", "integration"): (day,), ("exam", "integration"): (day,)},
            attestations={("behaviours", "S1"): day},
        )  # fmt: skip
        for spec in bars:
            result = evaluate_spec(person, spec, AS_OF)
            assert kinds.KINDS[spec.kind].verdict(person, spec, AS_OF) == (
                result.met,
                result.earliest_date,
            ), (spec.kind, day)
