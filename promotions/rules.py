"""The eligibility engine: pure functions over facts. No ORM, no clock.

`facts` are what `promotions.selectors.facts_for` loads in bulk for many
people; a requirement is a `frameworks.models.Requirement` already in memory
(with its competency and proficiency loaded). Each evaluator returns a
`Result` that explains itself: met or not, progress (have / need), a plain
words label, and, when only time is missing, the date it will be met.
"""

import datetime
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property

from people.tenure import add_months, full_months_between

APPROVED_EXAM = "exam"


@dataclass(frozen=True)
class Facts:
    """What the rules know about one person as of a date."""

    employee_id: int
    hire_date: datetime.date
    level_since: datetime.date
    # (evidence kind, category) -> approved items dated on or before as_of; exams only if passed
    evidence: Mapping[tuple[str, str], int] = field(default_factory=dict)
    # metric -> {first day of month: value}
    metrics: Mapping[str, Mapping[datetime.date, Decimal]] = field(default_factory=dict)
    # competency id -> rank of the latest manager rating
    ratings: Mapping[int, int] = field(default_factory=dict)
    # attestation codes confirmed by a manager
    attestations: frozenset[str] = frozenset()

    @cached_property
    def evidence_by_kind(self) -> dict[str, dict[str, int]]:
        """evidence kind -> {category: count}, for rules asking for any category."""
        index: dict[str, dict[str, int]] = {}
        for (kind, category), n in self.evidence.items():
            index.setdefault(kind, {})[category] = n
        return index


@dataclass(slots=True)  # built 11 times per person per sweep: slots keep it cheap
class Result:
    kind: str
    label: str
    met: bool
    have: float | int | None
    need: float | int | None
    explanation: str
    earliest_date: datetime.date | None = None  # set when only time is missing
    evidence_kind: str | None = None
    category: str | None = None
    code: str = ""

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "label": self.label,
            "met": self.met,
            "have": self.have,
            "need": self.need,
            "evidence_kind": self.evidence_kind,
            "category": self.category,
        }


def _number(value: Decimal) -> float | int:
    value = value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return int(value) if value == value.to_integral_value() else float(value)


def _months_rule(start: datetime.date, req, as_of: datetime.date, since: str) -> Result:
    have = full_months_between(start, as_of)
    met = have >= req.months
    ready_on = add_months(start, req.months)
    explanation = (
        f"{have} of {req.months} months {since}."
        if met
        else f"{have} of {req.months} months {since}; reached on {ready_on:%d %b %Y}."
    )
    return Result(
        kind=req.kind,
        label=req.display_label,
        met=met,
        have=have,
        need=req.months,
        explanation=explanation,
        earliest_date=None if met else ready_on,
    )


def evaluate_tenure(facts: Facts, req, as_of: datetime.date) -> Result:
    return _months_rule(facts.hire_date, req, as_of, "since joining")


def evaluate_time_in_level(facts: Facts, req, as_of: datetime.date) -> Result:
    return _months_rule(facts.level_since, req, as_of, "in the current level")


def evaluate_exam(facts: Facts, req, as_of: datetime.date) -> Result:
    have = facts.evidence.get((APPROVED_EXAM, req.category), 0)
    met = have >= 1
    return Result(
        kind=req.kind,
        label=req.display_label,
        met=met,
        have=min(have, 1),
        need=1,
        explanation="Passed and approved." if met else "No approved, passed exam yet.",
        evidence_kind="exam",
        category=req.category,
    )


def evaluate_evidence(facts: Facts, req, as_of: datetime.date) -> Result:
    by_category = facts.evidence_by_kind.get(req.evidence_kind, {})
    have = by_category.get(req.category, 0) if req.category else sum(by_category.values())
    met = have >= req.count
    missing = req.count - have
    return Result(
        kind=req.kind,
        label=req.display_label,
        met=met,
        have=have,
        need=req.count,
        explanation=f"{have} of {req.count} approved."
        + ("" if met else f" {missing} more needed; only approved items count."),
        evidence_kind=req.evidence_kind,
        category=req.category or None,
    )


def metric_window(as_of: datetime.date, months: int) -> list[datetime.date]:
    """The last `months` complete calendar months before `as_of`, oldest first."""
    this_month = as_of.replace(day=1)
    return [add_months(this_month, -back) for back in range(months, 0, -1)]


def evaluate_metric(facts: Facts, req, as_of: datetime.date) -> Result:
    figures = facts.metrics.get(req.metric, {})
    window = metric_window(as_of, req.window_months)
    values = [figures[month] for month in window if month in figures]
    missing = [month for month in window if month not in figures]
    threshold = Decimal(req.threshold)
    if not values:
        return Result(
            kind=req.kind, label=req.display_label, met=False, have=None,
            need=_number(threshold),
            explanation=f"No figures yet for {', '.join(f'{m:%b %Y}' for m in window)}.",
        )  # fmt: skip
    average = sum(values, Decimal(0)) / len(values)
    compares = average >= threshold if req.comparison == "gte" else average <= threshold
    met = compares and not missing
    explanation = f"Average {_number(average)} over {len(values)} month(s)."
    if missing:
        explanation += f" Missing figures for {', '.join(f'{m:%b %Y}' for m in missing)}."
    return Result(
        kind=req.kind,
        label=req.display_label,
        met=met,
        have=_number(average),
        need=_number(threshold),
        explanation=explanation,
    )


def evaluate_competency(facts: Facts, req, as_of: datetime.date) -> Result:
    have = facts.ratings.get(req.competency_id)
    need = req.proficiency.rank
    met = have is not None and have >= need
    if have is None:
        explanation = "Not rated by a manager yet."
    elif met:
        explanation = f"A manager rated it {req.proficiency.name} or above."
    else:
        explanation = f"The latest manager rating is below {req.proficiency.name}."
    return Result(
        kind=req.kind,
        label=req.display_label,
        met=met,
        have=have,
        need=need,
        explanation=explanation,
    )


def evaluate_attestation(facts: Facts, req, as_of: datetime.date) -> Result:
    met = req.code in facts.attestations
    return Result(
        kind=req.kind,
        label=req.display_label,
        met=met,
        have=1 if met else 0,
        need=1,
        explanation="Confirmed by a manager." if met else "Not confirmed by a manager yet.",
        code=req.code,
    )


EVALUATORS: dict[str, Callable[[Facts, object, datetime.date], Result]] = {
    "tenure": evaluate_tenure,
    "time_in_level": evaluate_time_in_level,
    "exam": evaluate_exam,
    "evidence": evaluate_evidence,
    "metric": evaluate_metric,
    "competency": evaluate_competency,
    "attestation": evaluate_attestation,
}


def evaluate(facts: Facts, requirements: Iterable, as_of: datetime.date, evaluators=None) -> list:
    """Every requirement's result, never stopping at the first unmet one."""
    table = evaluators or EVALUATORS
    return [table[req.kind](facts, req, as_of) for req in requirements]


@dataclass(frozen=True)
class LevelReadiness:
    level: object
    results: list[Result]

    @property
    def eligible(self) -> bool:
        return all(r.met for r in self.results)

    @property
    def met_count(self) -> int:
        return sum(r.met for r in self.results)

    @property
    def earliest_date(self) -> datetime.date | None:
        """When every requirement is met if only time is missing; None otherwise or if met."""
        unmet = [r for r in self.results if not r.met]
        if not unmet or any(r.earliest_date is None for r in unmet):
            return None
        return max(r.earliest_date for r in unmet)


def _cached(obj, name: str, load):
    """A level's requirements (etc.) as a list, built once per object.

    The sweep evaluates thousands of people against the same few level objects;
    building a queryset from the prefetch cache for each of them was a third of
    its time. Levels are loaded per sweep chunk or page, so the cache never
    outlives an edit.
    """
    attribute = f"_rules_{name}"
    if not hasattr(obj, attribute):
        setattr(obj, attribute, load())
    return getattr(obj, attribute)


def level_requirements(level) -> list:
    return _cached(level, "requirements", lambda: list(level.requirements.all()))


def level_entitlements(level) -> list:
    return _cached(
        level,
        "entitlements",
        lambda: [(e, list(e.conditions.all())) for e in level.entitlements.all()],
    )


def readiness(facts: Facts, level, as_of: datetime.date) -> LevelReadiness:
    return LevelReadiness(level=level, results=evaluate(facts, level_requirements(level), as_of))


@dataclass(frozen=True)
class EntitlementStatus:
    entitlement: object
    results: list[Result]

    @property
    def unlocked(self) -> bool:
        return all(r.met for r in self.results)

    @property
    def unlocks_on(self) -> datetime.date | None:
        return LevelReadiness(level=None, results=self.results).earliest_date


def entitlements(facts: Facts, level, as_of: datetime.date) -> list[EntitlementStatus]:
    return [
        EntitlementStatus(entitlement=e, results=evaluate(facts, conditions, as_of))
        for e, conditions in level_entitlements(level)
    ]


def wfh_days(statuses: list[EntitlementStatus]) -> int:
    """Work-from-home days a month granted today: the best unlocked entitlement, else 0."""
    return max(
        (
            s.entitlement.value
            for s in statuses
            if s.unlocked and s.entitlement.kind == "wfh_days_per_month"
        ),
        default=0,
    )
