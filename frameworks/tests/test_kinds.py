"""The requirement kinds as pure rules: specs built in memory, no database, dates pinned."""

import datetime
from dataclasses import replace
from decimal import Decimal

import pytest

from frameworks import kinds
from frameworks.kinds import Facts, MetricSpec, RuleSpec, evaluate_spec
from frameworks.models import Requirement

D = datetime.date
AS_OF = D(2026, 11, 23)
HIRED = D(2023, 1, 10)
PROMOTED = D(2026, 3, 1)  # start of the current level


def facts(evidence=None, metrics=None, ratings=None, attestations=None):
    return Facts(
        employee_id=1, hire_date=HIRED, level_since=PROMOTED,
        evidence=evidence or {}, metrics=metrics or {}, ratings=ratings or {},
        attestations=attestations or {},
    )  # fmt: skip


def test_the_registry_covers_every_kind_of_the_model_field():
    assert set(kinds.KINDS) == set(Requirement.Kind.values)
    for slug, entry in kinds.KINDS.items():
        assert entry.evaluate and entry.describe, slug
        assert entry.fields[0] == "kind"
        assert set(entry.parameters) <= set(kinds.ALL_PARAMETERS) | {"label"}, slug


# --- evidence windows ---------------------------------------------------------------

INITIATIVES = {("initiative", "lead"): (D(2025, 6, 1), D(2026, 4, 2))}  # one as a Hero


@pytest.mark.parametrize(
    ("window", "window_months", "have", "older", "reason"),
    [
        ("", None, 2, 0, "met"),  # since joining: both count
        ("hire", None, 2, 0, "met"),
        ("level", None, 1, 1, "too_few"),  # the one before the promotion does not count
        ("trailing", 6, 0, 2, "too_few"),  # only since 24 May 2026
        ("trailing", 12, 1, 1, "too_few"),
    ],
)
def test_an_evidence_window_decides_which_items_count(window, window_months, have, older, reason):
    spec = RuleSpec(kind="evidence", label="2 initiatives", evidence_kind="initiative",
                    count=2, window=window, window_months=window_months)  # fmt: skip
    result = evaluate_spec(facts(evidence=INITIATIVES), spec, AS_OF)
    assert (result.have, result.params["older"], result.reason) == (have, older, reason)
    if older:
        assert f"{older} older item" in result.explanation
        assert ("do not count" if older > 1 else "does not count") in result.explanation


def test_the_checklist_says_since_when_items_count():
    spec = RuleSpec(kind="evidence", label="x", evidence_kind="initiative", count=1,
                    window="level")  # fmt: skip
    result = evaluate_spec(facts(evidence=INITIATIVES), spec, AS_OF)
    assert result.met
    assert result.explanation.startswith(
        "1 of 1 approved since the start of the current level (1 Mar 2026)."
    )
    assert "1 older item does not count (dated before 1 Mar 2026)" in result.explanation


def test_an_exam_passed_before_the_window_does_not_count():
    spec = RuleSpec(kind="exam", label="exam", category="recert", window="trailing",
                    window_months=12)  # fmt: skip
    result = evaluate_spec(facts(evidence={("exam", "recert"): (D(2025, 1, 5),)}), spec, AS_OF)
    assert (result.met, result.reason) == (False, "outside_window")


def test_an_exam_due_at_six_months_says_when():
    spec = RuleSpec(kind="exam", label="exam", category="six-month", months=6)
    result = evaluate_spec(facts(), spec, AS_OF)
    assert result.params["due_on"] == "2023-07-10"
    assert "Due 6 months after joining (10 Jul 2023)." in result.explanation


# --- scoped confirmations with expiry --------------------------------------------------------

CONFIRM_SL1 = RuleSpec(kind="attestation", label="Ready", code="next-level-behaviours",
                       level_code="SL1")  # fmt: skip


def test_a_confirmation_counts_only_for_the_level_it_was_given_for():
    given = {("next-level-behaviours", "S3"): D(2026, 1, 1)}
    result = evaluate_spec(facts(attestations=given), CONFIRM_SL1, AS_OF)
    assert (result.met, result.reason) == (False, "confirmed_for_other_level")
    assert result.params["confirmed_for"] == ["S3"]
    assert "counts only for that level" in result.explanation
    given[("next-level-behaviours", "SL1")] = D(2026, 2, 1)
    assert evaluate_spec(facts(attestations=given), CONFIRM_SL1, AS_OF).met


@pytest.mark.parametrize(
    ("confirmed_on", "met", "reason"),
    [
        (D(2026, 5, 24), True, "met"),  # valid until 24 Nov 2026
        (D(2026, 5, 23), False, "expired"),  # expired on 23 Nov 2026, the as-of day
        (D(2025, 1, 1), False, "expired"),
    ],
)
def test_a_confirmation_with_a_validity_expires(confirmed_on, met, reason):
    spec = RuleSpec(kind="attestation", label="QA", code="qa", level_code="SL1", valid_months=6)
    result = evaluate_spec(facts(attestations={("qa", "SL1"): confirmed_on}), spec, AS_OF)
    assert (result.met, result.reason, result.earliest_date) == (met, reason, None)


# --- metrics as data -------------------------------------------------------------------------

MONTHS = [D(2026, 8, 1), D(2026, 9, 1), D(2026, 10, 1)]
QA = MetricSpec(slug="qa_score_pct", name="QA score", unit="%", aggregation="average")
QA_MIN = MetricSpec(slug="qa_score_pct", name="QA score", unit="%", aggregation="minimum")
OPEN_TIME = MetricSpec(slug="median_open_hours", name="Median open time", unit="hours",
                       higher_is_better=False, aggregation="average")  # fmt: skip
OPEN_TIME_MAX = MetricSpec(slug="median_open_hours", name="Median open time", unit="hours",
                           higher_is_better=False, aggregation="maximum")  # fmt: skip


@pytest.mark.parametrize(
    ("metric", "values", "threshold", "met", "have"),
    [
        (QA, (90, 95, 100), 95, True, 95),  # higher is better, average
        (QA, (90, 92, 96), 95, False, 92.7),
        (QA_MIN, (96, 99, 94), 95, False, 94),  # minimum: every month must reach it
        (QA_MIN, (96, 99, 95), 95, True, 95),
        (OPEN_TIME, (18, 22, 20), 20, True, 20),  # lower is better: at most 20 hours
        (OPEN_TIME, (18, 25, 20), 20, False, 21),
        (OPEN_TIME_MAX, (18, 21, 12), 20, False, 21),  # worst month counts
    ],
)
def test_a_defined_metric_compares_by_its_direction_and_combines_months_its_way(
    metric, values, threshold, met, have
):
    spec = RuleSpec(kind="metric", label="m", metric=metric, threshold=Decimal(threshold),
                    window_months=3)  # fmt: skip
    figures = {metric.slug: {m: Decimal(v) for m, v in zip(MONTHS, values, strict=True)}}
    result = evaluate_spec(facts(metrics=figures), spec, AS_OF)
    assert (result.met, result.have) == (met, have)
    assert result.params["comparison"] == ("gte" if metric.higher_is_better else "lte")
    assert (
        kinds.KINDS["metric"]
        .describe(spec)
        .startswith(
            f"{metric.name} {'at least' if metric.higher_is_better else 'at most'} {threshold}"
        )
    )


def test_a_month_without_figures_is_not_met_even_on_target():
    spec = RuleSpec(kind="metric", label="m", metric=QA, threshold=Decimal(90), window_months=3)
    figures = {"qa_score_pct": {MONTHS[0]: Decimal(99), MONTHS[1]: Decimal(99)}}
    result = evaluate_spec(facts(metrics=figures), spec, AS_OF)
    assert (result.met, result.reason, result.params["missing"]) == (
        False, "missing_months", ["2026-10"],
    )  # fmt: skip


# --- any N of ---------------------------------------------------------------------------------

ADVANCED = RuleSpec(kind="evidence", label="3 advanced tasks", evidence_kind="demonstration",
                    category="advanced", count=3)  # fmt: skip
BADGES = RuleSpec(kind="evidence", label="2 badges", evidence_kind="qa", category="badge",
                  count=2)  # fmt: skip
TWO_YEARS = RuleSpec(kind="tenure", label="2 years", months=48)


def group(*members, count=1):
    return RuleSpec(kind="group", label="Any", code="skills", count=count, members=members)


def test_any_n_of_is_met_when_enough_members_are():
    evidence = {("qa", "badge"): (D(2026, 1, 1), D(2026, 2, 1))}
    result = evaluate_spec(facts(evidence=evidence), group(ADVANCED, BADGES), AS_OF)
    assert (result.met, result.have, result.need) == (True, 1, 1)
    assert [m.group for m in result.members] == ["skills", "skills"]
    assert [m.met for m in result.members] == [False, True]
    both = evaluate_spec(facts(evidence=evidence), group(ADVANCED, BADGES, count=2), AS_OF)
    assert (both.met, both.reason) == (False, "too_few_met")


def test_a_group_waiting_only_for_time_has_an_earliest_date():
    result = evaluate_spec(facts(), group(ADVANCED, TWO_YEARS), AS_OF)
    assert (result.met, result.earliest_date) == (False, D(2027, 1, 10))
    assert evaluate_spec(facts(), group(ADVANCED, BADGES), AS_OF).earliest_date is None


def test_a_group_and_its_members_reach_the_json():
    result = evaluate_spec(facts(), group(ADVANCED, BADGES), AS_OF)
    data = result.as_dict()
    assert (data["kind"], data["code"], data["reason"]) == ("group", "skills", "too_few_met")
    assert result.members[0].as_dict()["group"] == "skills"


# --- points ---------------------------------------------------------------------------------


def test_points_from_ratings_sum_the_ranks_with_weights():
    weights = (("collaboration", Decimal(1)), ("problem-solving", Decimal(2)))
    spec = RuleSpec(kind="points", label="p", count=10, points_source="ratings", weights=weights)
    ratings = {"problem-solving": 3, "collaboration": 2, "drive-for-results": 3}
    result = evaluate_spec(facts(ratings=ratings), spec, AS_OF)
    assert (result.met, result.have) == (False, 8)  # 3x2 + 2x1; unweighted ones do not count
    assert result.params["parts"] == {"collaboration": 2, "problem-solving": 6}
    unweighted = RuleSpec(kind="points", label="p", count=8, points_source="ratings")
    assert evaluate_spec(facts(ratings=ratings), unweighted, AS_OF).have == 8  # 3 + 2 + 3


def test_points_from_evidence_count_items_in_the_window():
    spec = RuleSpec(kind="points", label="p", count=5, points_source="evidence",
                    weights=(("document", Decimal(1)), ("ticket/integration", Decimal(2))),
                    window="level")  # fmt: skip
    evidence = {
        ("ticket", "integration"): (D(2025, 1, 1), D(2026, 5, 1), D(2026, 6, 1)),
        ("ticket", "api"): (D(2026, 5, 1),),
        ("document", ""): (D(2026, 7, 1),),
    }
    result = evaluate_spec(facts(evidence=evidence), spec, AS_OF)
    assert (result.met, result.have) == (True, 5)  # 2 integration tickets x2 + 1 document


# --- the publishing guard ------------------------------------------------------------------------


def test_a_level_is_no_harder_when_every_bar_is_implied_by_the_level_below():
    competency = RuleSpec(kind="competency", label="c", competency="collaboration",
                          proficiency_rank=3)  # fmt: skip
    confirm = RuleSpec(kind="attestation", label="a", code="next-level-behaviours")
    lower = [competency, confirm]
    assert kinds.level_is_no_harder([competency, confirm], lower)
    own = RuleSpec(kind="attestation", label="b", code="mentors-people-managers")
    assert not kinds.level_is_no_harder([competency, confirm, own], lower)
    since_level = RuleSpec(kind="evidence", label="e", evidence_kind="initiative", count=1,
                           window="level")  # fmt: skip
    assert not kinds.level_is_no_harder([since_level], [since_level])
    assert kinds.level_is_no_harder([], lower)  # a level without bars is met by everyone


def test_the_same_group_on_two_levels_is_implied():
    def at(level_code):
        members = (replace(CONFIRM_SL1, level_code=level_code), TWO_YEARS)
        return RuleSpec(kind="group", label="g", code="skills", count=1, level_code=level_code,
                        members=members)  # fmt: skip

    assert kinds.level_is_no_harder([at("SL2")], [at("SL1")])


@pytest.mark.parametrize("weight", ["NaN", "Infinity", "-Infinity", 0, -2, True, "lots"])
def test_a_weight_must_be_a_finite_positive_number(weight):
    errors = kinds.validate_parameters(
        "points", {"count": 3, "points_source": "evidence", "weights": {"ticket": weight}}
    )
    assert errors == {"weights": "Write weights as a mapping of names to positive numbers."}


def test_a_confirmation_says_its_last_valid_day():
    spec = RuleSpec(kind="attestation", label="QA", code="qa", level_code="SL1", valid_months=1)
    given = facts(attestations={("qa", "SL1"): D(2025, 1, 31)})
    assert evaluate_spec(given, spec, D(2025, 2, 27)).explanation.endswith(
        "Valid until 27 Feb 2025."
    )
    expired = evaluate_spec(given, spec, D(2025, 2, 28))
    assert (expired.met, expired.params["expires_on"]) == (False, "2025-02-28")
