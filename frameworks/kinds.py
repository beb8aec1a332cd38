"""Requirement kinds: one registry entry per kind, and the pure rules that judge them.

A requirement is data (`frameworks.models.Requirement`): a `kind` and a few
typed parameters. Everything that varies by kind lives in one entry of
`KINDS` here: the parameters it needs or accepts (which are also its form
fields, in order), extra validation, the plain-words label it gets when HR
leaves the label empty, the evaluator that judges it, and whether a lower
level's bar already implies it (the publishing guard). Adding a kind means
one entry here plus a migration for the `kind` field's choices;
`frameworks/tests/test_kind_registry.py` fails until both exist.

Nothing below touches the ORM or reads the clock. `spec_from_requirement`
turns a requirement already in memory into a frozen `RuleSpec` (once per
level, by `frameworks.selectors.level_rules`); evaluators take
`(facts, spec, as_of)` and return a `Result` that explains itself in words
and carries a machine-readable `reason` and `params`, as Django's password
validators carry `code` and `params`.
"""

from __future__ import annotations

import bisect
import datetime
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from .months import add_months, full_months_between

# Evidence windows: which approved items count towards an evidence, exam or points bar.
WINDOW_HIRE = "hire"  # everything since joining (the default)
WINDOW_LEVEL = "level"  # only what was done since the start of the current level
WINDOW_TRAILING = "trailing"  # only the last `window_months` months
WINDOWS = {
    WINDOW_HIRE: "since joining",
    WINDOW_LEVEL: "since the start of the current level",
    WINDOW_TRAILING: "in the trailing months",
}

AGGREGATIONS: dict[str, Callable[[list[Decimal]], Decimal]] = {
    "average": lambda values: sum(values, Decimal(0)) / len(values),
    "minimum": min,
    "maximum": max,
    "sum": lambda values: sum(values, Decimal(0)),
}
POINTS_SOURCES = {"ratings": "manager ratings", "evidence": "approved evidence"}
COMPARISONS = {"gte": "at least", "lte": "at most"}


# --- what the rules read ------------------------------------------------------------


@dataclass(frozen=True)
class MetricSpec:
    """A metric definition as the rules see it (`frameworks.models.MetricDefinition`)."""

    slug: str
    name: str
    unit: str = ""
    higher_is_better: bool = True
    aggregation: str = "average"


@dataclass(frozen=True)
class Facts:
    """What the rules know about one person as of a date."""

    employee_id: int
    hire_date: datetime.date
    level_since: datetime.date
    # (evidence kind, category) -> sorted dates of approved items on or before as_of
    # (exams only if passed)
    evidence: Mapping[tuple[str, str], tuple[datetime.date, ...]] = field(default_factory=dict)
    # metric slug -> {first day of month: value}
    metrics: Mapping[str, Mapping[datetime.date, Decimal]] = field(default_factory=dict)
    # competency slug -> rank of the latest manager rating
    ratings: Mapping[str, int] = field(default_factory=dict)
    # (attestation code, level code it was given for) -> date of the latest confirmation
    attestations: Mapping[tuple[str, str], datetime.date] = field(default_factory=dict)

    def dates(self, kind: str, category: str) -> tuple[datetime.date, ...]:
        """Approved items of a kind (and of a category, if given), oldest first."""
        if category:
            return self.evidence.get((kind, category), ())
        found = [dates for (k, _), dates in self.evidence.items() if k == kind]
        if len(found) <= 1:
            return found[0] if found else ()
        return tuple(sorted(d for dates in found for d in dates))


@dataclass(frozen=True)
class RuleSpec:
    """One requirement, frozen: plain values only, built once per level."""

    kind: str
    label: str
    months: int | None = None
    count: int | None = None
    evidence_kind: str = ""
    evidence_noun: str = "item"
    category: str = ""
    window: str = ""
    window_months: int | None = None
    metric: MetricSpec | None = None
    comparison: str = ""
    threshold: Decimal | None = None
    competency: str = ""  # slug
    competency_name: str = ""
    proficiency_rank: int | None = None
    proficiency_name: str = ""
    code: str = ""
    level_code: str = ""  # the level a confirmation must have been given for
    valid_months: int | None = None
    points_source: str = ""
    weights: tuple[tuple[str, Decimal], ...] = ()
    members: tuple[RuleSpec, ...] = ()
    assumed: bool = False


@dataclass(slots=True)  # built for every rule and person in the sweep: slots keep it cheap
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
    reason: str = ""
    params: dict = field(default_factory=dict)
    group: str = ""  # the code of the "any N of" group this result belongs to
    members: list[Result] = field(default_factory=list)
    assumed: bool = False
    # For pages, not part of the JSON: a metric's unit ("%", "hours") and what a metric or
    # competency bar is about ("Ticket volume", "Customer Centricity").
    unit: str = ""
    subject: str = ""

    def as_dict(self) -> dict:
        """The JSON of one requirement (DESIGN.md); a group is followed by its members."""
        data = {
            "kind": self.kind,
            "label": self.label,
            "met": self.met,
            "have": self.have,
            "need": self.need,
            "evidence_kind": self.evidence_kind,
            "category": self.category,
            "reason": self.reason,
            "params": self.params,
        }
        if self.group:
            data["group"] = self.group
        if self.kind == "group":
            data["code"] = self.code
        if self.kind == "attestation":
            data["attestation_code"] = self.code
        return data


# --- helpers --------------------------------------------------------------------------

# Numbers a label written by HR may name as {count}, {months}...: the label then follows
# the parameters ("At least {count} solved integration tickets").
LABEL_NUMBERS = ("count", "months", "threshold", "window_months", "valid_months")
LABEL_NAMES = ("competency", "proficiency")  # their names: "{competency} at {proficiency}"
LABEL_PLACEHOLDERS = LABEL_NUMBERS + LABEL_NAMES
_PLACEHOLDER = re.compile(r"\{(" + "|".join(LABEL_PLACEHOLDERS) + r")\}")


def plain(value) -> str:
    """A parameter as a label writes it: 100 not 100.00, 92.5 not 92.50."""
    if isinstance(value, Decimal):
        value = value.normalize()
        return format(value, "f")
    return str(value)


def fill_label(label: str, values: Mapping[str, object]) -> str:
    """A label with its {placeholders} replaced by the parameters' values."""
    if "{" not in label:
        return label

    def value_of(match):
        value = values.get(match[1])
        return match[0] if value is None else plain(value)

    return _PLACEHOLDER.sub(value_of, label)


def stale_numbers(label: str, before: Mapping[str, object], after: Mapping[str, object]):
    """The parameters whose old value a written label still states after they changed
    (numbers, and the names of a competency or proficiency)."""
    text = _PLACEHOLDER.sub("", label)
    stale = []
    for name in LABEL_PLACEHOLDERS:
        old, new = before.get(name), after.get(name)
        if old is None or old == new:
            continue
        if name in LABEL_NAMES:
            said = re.search(rf"\b{re.escape(str(old))}\b", text, flags=re.IGNORECASE)
        else:
            said = re.search(rf"(?<![\d.]){re.escape(plain(old))}(?![\d]|\.\d)", text)
        if said:
            stale.append(name)
    return stale


def label_placeholder_problem(label: str, values: Mapping[str, object]) -> str | None:
    """Why a written label's {placeholders} cannot be filled in, or None when they can."""
    if "{{" in label or "}}" in label:
        return "Write a placeholder with single braces, e.g. {count}."
    for name in re.findall(r"\{([^{}]*)\}", label):
        if name not in LABEL_PLACEHOLDERS:
            known = ", ".join(f"{{{p}}}" for p in LABEL_PLACEHOLDERS)
            return f"{{{name}}} is not a placeholder; a label may use {known}."
        if values.get(name) is None:
            return f"This requirement has no {name.replace('_', ' ')} for {{{name}}} to show."
    return None


def label_values(req) -> dict[str, object]:
    """What a requirement's label placeholders stand for (names for competency and
    proficiency, which must be in memory)."""
    values = {name: getattr(req, name) for name in LABEL_NUMBERS}
    values["competency"] = req.competency.name if req.competency_id else None
    values["proficiency"] = req.proficiency.name if req.proficiency_id else None
    return values


@lru_cache(maxsize=65536)  # the sweep rounds the same thresholds and figures again and again
def number(value: Decimal) -> float | int:
    """A figure for people and JSON: one decimal, whole numbers without one."""
    value = Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return int(value) if value == value.to_integral_value() else float(value)


def _day(date: datetime.date) -> str:
    """The one date format people read: 6 Nov 2026 (no leading zero)."""
    return f"{date.day} {date:%b %Y}"


def window_start(spec: RuleSpec, facts: Facts, as_of: datetime.date) -> datetime.date | None:
    """The first day an item counts from, or None when everything since joining counts."""
    if spec.window == WINDOW_LEVEL:
        return facts.level_since
    if spec.window == WINDOW_TRAILING:
        return add_months(as_of, -spec.window_months) + datetime.timedelta(days=1)
    return None


def _window_words(spec: RuleSpec, start: datetime.date | None) -> str:
    if spec.window == WINDOW_LEVEL:
        return f" since the start of the current level ({_day(start)})"
    if spec.window == WINDOW_TRAILING:
        return f" in the last {spec.window_months} months (since {_day(start)})"
    return ""


def _counted(dates: tuple[datetime.date, ...], start: datetime.date | None) -> int:
    return len(dates) if start is None else len(dates) - bisect.bisect_left(dates, start)


@lru_cache(maxsize=1024)  # one as-of date per sweep: the same few windows for everyone
def metric_window(as_of: datetime.date, months: int) -> tuple[datetime.date, ...]:
    """The last `months` complete calendar months before `as_of`, oldest first."""
    this_month = as_of.replace(day=1)
    return tuple(add_months(this_month, -back) for back in range(months, 0, -1))


@lru_cache(maxsize=4096)
def _month_words(months: tuple[datetime.date, ...]) -> str:
    return ", ".join(f"{m:%b %Y}" for m in months)


@lru_cache(maxsize=4096)
def _month_keys(months: tuple[datetime.date, ...]) -> tuple[str, ...]:
    return tuple(f"{m:%Y-%m}" for m in months)


def effective_comparison(spec: RuleSpec) -> str:
    """A metric bar compares as written, or as the metric's direction says when left blank."""
    if spec.comparison:
        return spec.comparison
    return "gte" if spec.metric is None or spec.metric.higher_is_better else "lte"


# --- evaluators -------------------------------------------------------------------------


def _months_rule(spec: RuleSpec, start: datetime.date, as_of: datetime.date, since: str):
    have = full_months_between(start, as_of)
    met = have >= spec.months
    ready_on = add_months(start, spec.months)
    explanation = (
        f"{have} of {spec.months} months {since}."
        if met
        else f"{have} of {spec.months} months {since}; reached on {_day(ready_on)}."
    )
    return Result(
        kind=spec.kind, label=spec.label, met=met, have=have, need=spec.months,
        explanation=explanation, earliest_date=None if met else ready_on,
        reason="met" if met else "time_missing",
        params={"months": have, "need": spec.months, "since": start.isoformat(),
                "reached_on": ready_on.isoformat()},
    )  # fmt: skip


def evaluate_tenure(facts: Facts, spec: RuleSpec, as_of: datetime.date) -> Result:
    return _months_rule(spec, facts.hire_date, as_of, "since joining")


def evaluate_time_in_level(facts: Facts, spec: RuleSpec, as_of: datetime.date) -> Result:
    return _months_rule(spec, facts.level_since, as_of, "in the current level")


def evaluate_exam(facts: Facts, spec: RuleSpec, as_of: datetime.date) -> Result:
    dates = facts.dates("exam", spec.category)
    start = window_start(spec, facts, as_of)
    have = _counted(dates, start)
    older = len(dates) - have
    met = have >= 1
    if met:
        explanation, reason = f"Passed and approved{_window_words(spec, start)}.", "met"
    elif older:
        explanation = f"An earlier pass does not count: it must be{_window_words(spec, start)}."
        reason = "outside_window"
    else:
        explanation, reason = "No approved, passed exam yet.", "not_passed"
    params = {"have": min(have, 1), "older": older}
    if spec.months and not met:
        due_on = add_months(facts.hire_date, spec.months)
        explanation += f" Due {spec.months} months after joining ({_day(due_on)})."
        params["due_on"] = due_on.isoformat()
    return Result(
        kind=spec.kind, label=spec.label, met=met, have=min(have, 1), need=1,
        explanation=explanation, evidence_kind="exam", category=spec.category,
        reason=reason, params=params,
    )  # fmt: skip


def evaluate_evidence(facts: Facts, spec: RuleSpec, as_of: datetime.date) -> Result:
    dates = facts.dates(spec.evidence_kind, spec.category)
    start = window_start(spec, facts, as_of)
    have = _counted(dates, start)
    older = len(dates) - have
    met = have >= spec.count
    explanation = f"{have} of {spec.count} approved{_window_words(spec, start)}."
    if not met:
        explanation += f" {spec.count - have} more needed; only approved items count."
    if older:
        explanation += (
            f" {older} older item{'s do' if older > 1 else ' does'} not count"
            f" (dated before {_day(start)})."
        )
    return Result(
        kind=spec.kind, label=spec.label, met=met, have=have, need=spec.count,
        explanation=explanation, evidence_kind=spec.evidence_kind,
        category=spec.category or None, reason="met" if met else "too_few",
        params={"have": have, "need": spec.count, "older": older,
                "window": spec.window or WINDOW_HIRE,
                "counted_from": start.isoformat() if start else None},
    )  # fmt: skip


def evaluate_metric(facts: Facts, spec: RuleSpec, as_of: datetime.date) -> Result:
    metric = spec.metric
    figures = facts.metrics.get(metric.slug, {})
    window = metric_window(as_of, spec.window_months)
    values = [figures[month] for month in window if month in figures]
    missing = tuple(month for month in window if month not in figures)
    threshold = spec.threshold
    params = {"metric": metric.slug, "aggregation": metric.aggregation,
              "comparison": effective_comparison(spec), "threshold": number(threshold),
              "missing": list(_month_keys(missing))}  # fmt: skip
    if not values:
        return Result(
            kind=spec.kind, label=spec.label, met=False, have=None, need=params["threshold"],
            explanation=f"No figures yet for {_month_words(window)}.",
            reason="no_figures", params=params, unit=metric.unit, subject=metric.name,
        )  # fmt: skip
    combined = AGGREGATIONS[metric.aggregation](values)
    gte = params["comparison"] == "gte"
    on_target = combined >= threshold if gte else combined <= threshold
    met = on_target and not missing
    unit = metric.unit if metric.unit in ("", "%") else f" {metric.unit}"
    months = "month" if len(values) == 1 else "months"
    explanation = (
        f"{metric.aggregation.capitalize()} {number(combined)}{unit} over {len(values)} {months}."
    )
    if missing:
        explanation += f" Missing figures for {_month_words(missing)}."
    reason = "met" if met else ("off_target" if not on_target else "missing_months")
    params["value"] = number(combined)
    return Result(
        kind=spec.kind, label=spec.label, met=met, have=number(combined),
        need=params["threshold"], explanation=explanation, reason=reason, params=params,
        unit=metric.unit, subject=metric.name,
    )  # fmt: skip


def evaluate_competency(facts: Facts, spec: RuleSpec, as_of: datetime.date) -> Result:
    have = facts.ratings.get(spec.competency)
    need = spec.proficiency_rank
    met = have is not None and have >= need
    if have is None:
        explanation, reason = "Not rated by a manager yet.", "not_rated"
    elif met:
        explanation, reason = f"A manager rated it {spec.proficiency_name} or above.", "met"
    else:
        explanation = f"The latest manager rating is below {spec.proficiency_name}."
        reason = "rated_below"
    return Result(
        kind=spec.kind, label=spec.label, met=met, have=have, need=need,
        explanation=explanation, reason=reason, subject=spec.competency_name,
        params={"competency": spec.competency, "have": have, "need": need},
    )  # fmt: skip


def evaluate_attestation(facts: Facts, spec: RuleSpec, as_of: datetime.date) -> Result:
    confirmed_on = facts.attestations.get((spec.code, spec.level_code))
    params = {"code": spec.code, "level": spec.level_code}
    met, expires_on = False, None
    if confirmed_on is None:
        elsewhere = sorted(lvl for code, lvl in facts.attestations if code == spec.code)
        explanation, reason = f"Not confirmed for {spec.level_code} by a manager yet.", "missing"
        if elsewhere:
            explanation += (
                f" The confirmation given for {', '.join(elsewhere)} counts only for that level."
            )
            reason = "confirmed_for_other_level"
            params["confirmed_for"] = elsewhere
        if spec.valid_months:
            explanation += f" A confirmation is valid for {spec.valid_months} months."
    else:
        params["confirmed_on"] = confirmed_on.isoformat()
        if spec.valid_months:
            expires_on = add_months(confirmed_on, spec.valid_months)
            params["expires_on"] = expires_on.isoformat()
        if expires_on is not None and expires_on <= as_of:
            explanation = (
                f"Confirmed on {_day(confirmed_on)}, but a confirmation is valid for "
                f"{spec.valid_months} months and expired on {_day(expires_on)}."
            )
            reason = "expired"
        else:
            met, reason = True, "met"
            explanation = f"Confirmed for {spec.level_code} by a manager on {_day(confirmed_on)}."
            if expires_on is not None:  # the day it expires is no longer valid
                explanation += f" Valid until {_day(expires_on - datetime.timedelta(days=1))}."
    return Result(
        kind=spec.kind, label=spec.label, met=met, have=int(met), need=1,
        explanation=explanation, code=spec.code, reason=reason, params=params,
    )  # fmt: skip


def evaluate_group(facts: Facts, spec: RuleSpec, as_of: datetime.date) -> Result:
    members = [replace_group(evaluate_spec(facts, m, as_of), spec.code) for m in spec.members]
    have = sum(r.met for r in members)
    need = spec.count
    met = have >= need
    earliest = None
    if not met:
        # Ready when enough of the unmet members that only wait for time are reached.
        dated = sorted(r.earliest_date for r in members if not r.met and r.earliest_date)
        if have + len(dated) >= need:
            earliest = dated[need - have - 1]
    return Result(
        kind=spec.kind, label=spec.label, met=met, have=have, need=need,
        explanation=f"{have} of the {len(members)} options met; {need} needed.",
        earliest_date=earliest, code=spec.code, reason="met" if met else "too_few_met",
        params={"have": have, "need": need, "of": len(members)}, members=members,
    )  # fmt: skip


def replace_group(result: Result, group: str) -> Result:
    result.group = group
    return result


def evaluate_points(facts: Facts, spec: RuleSpec, as_of: datetime.date) -> Result:
    weights = dict(spec.weights)
    parts: list[tuple[str, Decimal]] = []
    if spec.points_source == "ratings":
        rated = weights or {slug: Decimal(1) for slug in facts.ratings}
        for slug, weight in rated.items():
            rank = facts.ratings.get(slug)
            if rank:
                parts.append((slug, rank * weight))
    else:
        start = window_start(spec, facts, as_of)
        for key, each in weights.items():
            kind, _, category = key.partition("/")
            n = _counted(facts.dates(kind, category), start)
            if n:
                parts.append((key, n * each))
    total = sum((points for _, points in parts), Decimal(0))
    met = total >= spec.count
    breakdown = ", ".join(f"{key} {number(points)}" for key, points in parts) or "none yet"
    return Result(
        kind=spec.kind, label=spec.label, met=met, have=number(total), need=spec.count,
        explanation=f"{number(total)} of {spec.count} points from "
        f"{POINTS_SOURCES[spec.points_source]} ({breakdown}).",
        reason="met" if met else "too_few_points",
        params={"have": number(total), "need": spec.count, "source": spec.points_source,
                "parts": {key: number(points) for key, points in parts}},
    )  # fmt: skip


# --- verdicts: the sweep's fast path ------------------------------------------------------
#
# What the nightly sweep stores of a bar is only whether it is met and, when only time is
# missing, the day it will be: (met, earliest date). Each kind's verdict computes exactly that
# from the same facts, without the figures, words and params its evaluator builds for pages;
# `frameworks/tests/test_verdicts.py` checks verdict == (evaluate().met, .earliest_date) over
# generated facts for every kind.

Verdict = tuple[bool, "datetime.date | None"]
MET: Verdict = (True, None)
UNMET: Verdict = (False, None)


def _months_verdict(start: datetime.date, months: int, as_of: datetime.date) -> Verdict:
    if full_months_between(start, as_of) >= months:
        return MET
    return (False, add_months(start, months))


def verdict_tenure(facts: Facts, spec: RuleSpec, as_of: datetime.date) -> Verdict:
    return _months_verdict(facts.hire_date, spec.months, as_of)


def verdict_time_in_level(facts: Facts, spec: RuleSpec, as_of: datetime.date) -> Verdict:
    return _months_verdict(facts.level_since, spec.months, as_of)


def verdict_exam(facts: Facts, spec: RuleSpec, as_of: datetime.date) -> Verdict:
    dates = facts.dates("exam", spec.category)
    start = window_start(spec, facts, as_of) if spec.window else None
    return MET if _counted(dates, start) >= 1 else UNMET


def verdict_evidence(facts: Facts, spec: RuleSpec, as_of: datetime.date) -> Verdict:
    dates = facts.dates(spec.evidence_kind, spec.category)
    if len(dates) < spec.count:
        return UNMET
    start = window_start(spec, facts, as_of) if spec.window else None
    return MET if _counted(dates, start) >= spec.count else UNMET


def verdict_metric(facts: Facts, spec: RuleSpec, as_of: datetime.date) -> Verdict:
    figures = facts.metrics.get(spec.metric.slug)
    if not figures:
        return UNMET
    window = metric_window(as_of, spec.window_months)
    values = []
    for month in window:
        value = figures.get(month)
        if value is None:
            return UNMET  # a missing month is never met
        values.append(value)
    combined = AGGREGATIONS[spec.metric.aggregation](values)
    if effective_comparison(spec) == "gte":
        return MET if combined >= spec.threshold else UNMET
    return MET if combined <= spec.threshold else UNMET


def verdict_competency(facts: Facts, spec: RuleSpec, as_of: datetime.date) -> Verdict:
    have = facts.ratings.get(spec.competency)
    return MET if have is not None and have >= spec.proficiency_rank else UNMET


def verdict_attestation(facts: Facts, spec: RuleSpec, as_of: datetime.date) -> Verdict:
    confirmed_on = facts.attestations.get((spec.code, spec.level_code))
    if confirmed_on is None:
        return UNMET
    if spec.valid_months and add_months(confirmed_on, spec.valid_months) <= as_of:
        return UNMET
    return MET


def verdict_group(facts: Facts, spec: RuleSpec, as_of: datetime.date) -> Verdict:
    have, dated = 0, []
    for member in spec.members:
        met, earliest = KINDS[member.kind].verdict(facts, member, as_of)
        if met:
            have += 1
        elif earliest is not None:
            dated.append(earliest)
    need = spec.count
    if have >= need:
        return MET
    if have + len(dated) >= need:
        dated.sort()
        return (False, dated[need - have - 1])
    return UNMET


def verdict_points(facts: Facts, spec: RuleSpec, as_of: datetime.date) -> Verdict:
    total = Decimal(0)
    if spec.points_source == "ratings":
        rated = spec.weights or tuple((slug, Decimal(1)) for slug in facts.ratings)
        for slug, weight in rated:
            rank = facts.ratings.get(slug)
            if rank:
                total += rank * weight
    else:
        start = window_start(spec, facts, as_of) if spec.window else None
        for key, each in spec.weights:
            kind, _, category = key.partition("/")
            total += _counted(facts.dates(kind, category), start) * each
    return MET if total >= spec.count else UNMET


def verdicts(facts: Facts, specs, as_of: datetime.date) -> tuple[int, int, datetime.date | None]:
    """(bars met, bars in all, the day every unmet bar is met if only time is missing) of a
    level's top-level specs: what `LevelReadiness` says of them, without the explanations."""
    met_count, latest, undated = 0, None, False
    for spec in specs:
        met, earliest = KINDS[spec.kind].verdict(facts, spec, as_of)
        if met:
            met_count += 1
        elif earliest is None:
            undated = True
        elif latest is None or earliest > latest:
            latest = earliest
    return met_count, len(specs), None if undated else latest


# --- labels ---------------------------------------------------------------------------------


def _threshold_words(spec: RuleSpec) -> str:
    threshold = "?" if spec.threshold is None else format(Decimal(spec.threshold).normalize(), "f")
    unit = ""
    if spec.metric is not None and spec.metric.unit:
        unit = spec.metric.unit if spec.metric.unit == "%" else f" {spec.metric.unit}"
    return f"{COMPARISONS.get(effective_comparison(spec), '')} {threshold}{unit}"


def describe_evidence(spec: RuleSpec) -> str:
    category = f"{spec.category.replace('-', ' ')} " if spec.category else ""
    plural = "" if spec.count == 1 else "s"
    return f"{spec.count} approved {category}{spec.evidence_noun}{plural}{_window_label(spec)}"


def _window_label(spec: RuleSpec) -> str:
    if spec.window == WINDOW_LEVEL:
        return " since the start of the current level"
    if spec.window == WINDOW_TRAILING:
        return f" in the last {spec.window_months} months"
    return ""


def describe_metric(spec: RuleSpec) -> str:
    name = spec.metric.name if spec.metric else "metric"
    how = spec.metric.aggregation if spec.metric else "average"
    return f"{name} {_threshold_words(spec)} ({how} over the last {spec.window_months} months)"


def describe_exam(spec: RuleSpec) -> str:
    due = f" (due {spec.months} months after joining)" if spec.months else ""
    return f"Passed the {spec.category.replace('-', ' ')} exam{due}{_window_label(spec)}"


# --- the publishing guard: is a bar already met by meeting a lower level's bar? -------------


def _same(*names: str) -> Callable[[RuleSpec, RuleSpec], bool]:
    return lambda spec, lower: all(getattr(spec, n) == getattr(lower, n) for n in names)


def _counts_carry_over(spec: RuleSpec) -> bool:
    # Items since joining carry over a promotion; items since the level start do not,
    # and a trailing window moves with time, so neither is implied by the level below.
    return spec.window in ("", WINDOW_HIRE)


def implied_tenure(spec, lower):
    return lower.months >= spec.months


def implied_exam(spec, lower):
    return spec.category == lower.category and _counts_carry_over(spec)


def implied_evidence(spec, lower):
    return (
        _counts_carry_over(spec)
        and spec.evidence_kind == lower.evidence_kind
        and spec.category in ("", lower.category)
        and lower.count >= spec.count
    )


def implied_metric(spec, lower):
    if not _same("metric", "window_months")(spec, lower):
        return False
    if effective_comparison(spec) != effective_comparison(lower):
        return False
    if effective_comparison(spec) == "gte":
        return lower.threshold >= spec.threshold
    return lower.threshold <= spec.threshold


def implied_competency(spec, lower):
    return spec.competency == lower.competency and lower.proficiency_rank >= spec.proficiency_rank


def implied_attestation(spec, lower):
    # The same statement confirmed again for the next level asks nothing new of the person:
    # a level whose only new bar is that confirmation is flagged.
    return spec.code == lower.code


def _unscoped(spec: RuleSpec) -> RuleSpec:
    return replace(spec, level_code="", members=tuple(_unscoped(m) for m in spec.members))


def implied_group(spec, lower):
    return _unscoped(spec) == _unscoped(lower)


def implied_points(spec, lower):
    return (
        _same("points_source", "weights")(spec, lower)
        and _counts_carry_over(spec)
        and lower.count >= spec.count
    )


def never_implied(spec, lower):
    return False


# --- the registry ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RequirementKind:
    slug: str
    name: str
    required: tuple[str, ...]  # parameters in form order
    optional: tuple[str, ...] = ()
    evaluate: Callable[[Facts, RuleSpec, datetime.date], Result] = None
    describe: Callable[[RuleSpec], str] = None
    implied_by: Callable[[RuleSpec, RuleSpec], bool] = never_implied
    # (met, earliest date) without explanations: the sweep's fast path (see "verdicts").
    verdict: Callable[[Facts, RuleSpec, datetime.date], Verdict] = None
    submit_evidence: bool = False  # the checklist offers "Submit evidence"

    @property
    def fields(self) -> tuple[str, ...]:
        """The form fields of this kind, kind first (the admin shows only these)."""
        return ("kind", *self.required, *(f for f in self.optional if f not in self.required))

    @property
    def parameters(self) -> frozenset[str]:
        return frozenset(self.required) | frozenset(self.optional)


KINDS: dict[str, RequirementKind] = {
    kind.slug: kind
    for kind in (
        RequirementKind(
            "tenure", "Tenure (months since hire)", ("months",),
            evaluate=evaluate_tenure, verdict=verdict_tenure,
            describe=lambda s: f"At least {s.months} months since joining",
            implied_by=implied_tenure,
        ),
        RequirementKind(
            "time_in_level", "Time in current level", ("months",),
            evaluate=evaluate_time_in_level, verdict=verdict_time_in_level,
            describe=lambda s: f"At least {s.months} months in the current level",
        ),
        RequirementKind(
            "exam", "Exam passed", ("category",), ("months", "window", "window_months"),
            evaluate=evaluate_exam, verdict=verdict_exam, describe=describe_exam,
            implied_by=implied_exam,
            submit_evidence=True,
        ),
        RequirementKind(
            "evidence", "Approved evidence", ("evidence_kind", "count"),
            ("category", "window", "window_months"),
            evaluate=evaluate_evidence, verdict=verdict_evidence, describe=describe_evidence,
            implied_by=implied_evidence, submit_evidence=True,
        ),
        RequirementKind(
            "metric", "Monthly metric", ("metric", "threshold", "window_months"),
            ("comparison",),
            evaluate=evaluate_metric, verdict=verdict_metric, describe=describe_metric,
            implied_by=implied_metric,
        ),
        RequirementKind(
            "competency", "Competency rating", ("competency", "proficiency"),
            evaluate=evaluate_competency, verdict=verdict_competency,
            describe=lambda s: f"{s.competency_name} rated {s.proficiency_name} or above by a "
            "manager",
            implied_by=implied_competency,
        ),
        RequirementKind(
            "attestation", "Manager confirmation", ("code", "label"), ("valid_months",),
            evaluate=evaluate_attestation, verdict=verdict_attestation,
            describe=lambda s: s.label or "Confirmed by a manager",
            implied_by=implied_attestation,
        ),
        RequirementKind(
            "group", "Any N of a group", ("code", "count"),
            evaluate=evaluate_group, verdict=verdict_group,
            describe=lambda s: f"Any {s.count} of the following",
            implied_by=implied_group,
        ),
        RequirementKind(
            "points", "Points", ("count", "points_source"), ("weights", "window", "window_months"),
            evaluate=evaluate_points, verdict=verdict_points,
            describe=lambda s: f"At least {s.count} points from "
            f"{POINTS_SOURCES.get(s.points_source, 'points')}{_window_label(s)}",
            implied_by=implied_points,
        ),
    )
}  # fmt: skip

ALL_PARAMETERS = (
    "months", "count", "evidence_kind", "category", "metric", "comparison", "threshold",
    "window", "window_months", "competency", "proficiency", "code", "valid_months",
    "points_source", "weights",
)  # fmt: skip


def evaluate_spec(facts: Facts, spec: RuleSpec, as_of: datetime.date) -> Result:
    result = KINDS[spec.kind].evaluate(facts, spec, as_of)
    result.assumed = spec.assumed
    return result


def validate_parameters(kind: str, values: Mapping[str, object]) -> dict[str, str]:
    """Plain-words problems with a requirement's parameters, by field; empty when fine.

    `values` maps each name of ALL_PARAMETERS (and "label") to its value, with
    None or "" (or an empty dict) for an unset one. What needs the database
    (does the metric exist? is the competency of this framework?) is checked
    by the model.
    """
    entry = KINDS.get(kind)
    if entry is None:
        return {"kind": f"Unknown requirement kind “{kind}”."}
    errors: dict[str, str] = {}
    name = entry.name.lower()

    def is_set(param):
        return values.get(param) not in (None, "", {}, [])

    for param in entry.required:
        if not is_set(param):
            errors[param] = f"Required for a “{name}” requirement."
    for param in ALL_PARAMETERS:
        if param not in entry.parameters and is_set(param):
            errors[param] = f"Not used by a “{name}” requirement; leave it empty."
    window = values.get("window") or ""
    if "window" in entry.parameters:
        if window and window not in WINDOWS:
            errors["window"] = f"Choose one of: {', '.join(WINDOWS)}."
        if window == WINDOW_TRAILING and not is_set("window_months"):
            errors["window_months"] = "Say how many trailing months count."
        if window != WINDOW_TRAILING and is_set("window_months"):
            errors["window_months"] = "Only a trailing window has a number of months."
    comparison = values.get("comparison") or ""
    if comparison and comparison not in COMPARISONS:
        errors["comparison"] = f"Choose one of: {', '.join(COMPARISONS)}."
    source = values.get("points_source") or ""
    if kind == "points" and source:
        weights = values.get("weights") or {}
        if source not in POINTS_SOURCES:
            errors["points_source"] = f"Choose one of: {', '.join(POINTS_SOURCES)}."
        elif not isinstance(weights, dict) or not all(
            isinstance(k, str) and _is_positive_number(v) for k, v in weights.items()
        ):
            errors["weights"] = "Write weights as a mapping of names to positive numbers."
        elif source == "evidence" and not weights:
            errors["weights"] = (
                "Say how many points each evidence kind (or kind/category) is worth, "
                "e.g. {“ticket/integration”: 2}."
            )
    return errors


def _is_positive_number(value) -> bool:
    """A finite number above zero (NaN and infinities are not weights)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        return False
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return False
    return number.is_finite() and number > 0


def spec_from_requirement(
    req, *, level_code: str, metrics: Mapping[str, MetricSpec], members=()
) -> RuleSpec:
    """A requirement already in memory (competency and proficiency loaded) as a RuleSpec.

    `level_code` is the level the requirement belongs to (for an entitlement's
    condition, the entitlement's level): a confirmation must have been given
    for it. `members` are the specs of a group's members.
    """
    competency = req.competency if req.competency_id else None
    proficiency = req.proficiency if req.proficiency_id else None
    metric = metrics.get(req.metric) if req.metric else None
    if req.metric and metric is None:  # deleted since; judged as never met, named plainly
        metric = MetricSpec(slug=req.metric, name=req.metric)
    spec = RuleSpec(
        kind=req.kind,
        label=fill_label(req.label, label_values(req)),
        months=req.months,
        count=req.count,
        evidence_kind=req.evidence_kind,
        evidence_noun=req.get_evidence_kind_display().lower() if req.evidence_kind else "item",
        category=req.category,
        window=req.window,
        window_months=req.window_months,
        metric=metric,
        comparison=req.comparison,
        threshold=None if req.threshold is None else Decimal(str(req.threshold)),
        competency=competency.slug if competency else "",
        competency_name=competency.name if competency else "",
        proficiency_rank=proficiency.rank if proficiency else None,
        proficiency_name=proficiency.name if proficiency else "",
        code=req.code,
        level_code=level_code,
        valid_months=req.valid_months,
        points_source=req.points_source,
        weights=tuple(sorted((str(k), Decimal(str(v))) for k, v in (req.weights or {}).items())),
        members=tuple(members),
        assumed=req.assumed,
    )
    if not spec.label:
        spec = replace(spec, label=KINDS[spec.kind].describe(spec))
    return spec


def level_is_no_harder(specs: list[RuleSpec], lower: list[RuleSpec]) -> bool:
    """Whether someone meeting every bar of `lower` already meets every bar of `specs`
    (a level without any bar is met by everyone)."""
    return all(
        any(lower_spec.kind == spec.kind and KINDS[spec.kind].implied_by(spec, lower_spec)
            for lower_spec in lower)
        for spec in specs
    )  # fmt: skip
