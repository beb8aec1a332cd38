"""The eligibility engine's runner: pure functions over facts and frozen rule specs.

No ORM, no clock. The kinds themselves (parameters, evaluators, labels) are
the registry in `frameworks.kinds`; this module runs a level's specs over
one person's facts, never stopping at the first unmet bar, and sums up a
level's readiness and a person's perks. `Facts`, `Result` and `RuleSpec` are
re-exported for callers and tests.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from frameworks.kinds import KINDS, Facts, Result, RuleSpec, evaluate_spec
from frameworks.selectors import EntitlementSpec, LevelRules

__all__ = [
    "KINDS",
    "EntitlementStatus",
    "Facts",
    "LevelReadiness",
    "Result",
    "RuleSpec",
    "entitlement_values",
    "entitlements",
    "evaluate",
    "readiness",
]

WFH_DAYS_PER_MONTH = "wfh_days_per_month"


def evaluate(facts: Facts, specs: Iterable[RuleSpec], as_of: datetime.date) -> list[Result]:
    """Every requirement's result, never stopping at the first unmet one.

    A group's result carries its members' results in `members`.
    """
    return [evaluate_spec(facts, spec, as_of) for spec in specs]


def _earliest(results: list[Result]) -> datetime.date | None:
    """When every result is met if only time is missing; None otherwise or if all met."""
    unmet = [r for r in results if not r.met]
    if not unmet or any(r.earliest_date is None for r in unmet):
        return None
    return max(r.earliest_date for r in unmet)


@dataclass(frozen=True)
class LevelReadiness:
    level: object  # the Level, for pages (its code, title, perks)
    results: list[Result]  # top-level results; a group's members are inside it

    @property
    def eligible(self) -> bool:
        return all(r.met for r in self.results)

    @property
    def met_count(self) -> int:
        return sum(r.met for r in self.results)

    @property
    def earliest_date(self) -> datetime.date | None:
        return _earliest(self.results)

    def flat_results(self) -> list[Result]:
        """Results in reading order, each group followed by its members (the JSON's order)."""
        flat = []
        for result in self.results:
            flat.append(result)
            flat.extend(result.members)
        return flat


def readiness(facts: Facts, level, rules: LevelRules, as_of: datetime.date) -> LevelReadiness:
    return LevelReadiness(level=level, results=evaluate(facts, rules.requirements, as_of))


@dataclass(frozen=True)
class EntitlementStatus:
    entitlement: EntitlementSpec
    results: list[Result]

    @property
    def unlocked(self) -> bool:
        return all(r.met for r in self.results)

    @property
    def unlocks_on(self) -> datetime.date | None:
        return _earliest(self.results)


def entitlements(facts: Facts, rules: LevelRules, as_of: datetime.date) -> list[EntitlementStatus]:
    return [
        EntitlementStatus(entitlement=e, results=evaluate(facts, e.conditions, as_of))
        for e in rules.entitlements
    ]


def entitlement_values(statuses: list[EntitlementStatus]) -> dict[str, EntitlementSpec]:
    """Per perk kind, the best unlocked entitlement (the highest value) of the level."""
    best: dict[str, EntitlementSpec] = {}
    for status in statuses:
        ent = status.entitlement
        if status.unlocked and (ent.kind not in best or ent.value > best[ent.kind].value):
            best[ent.kind] = ent
    return best
