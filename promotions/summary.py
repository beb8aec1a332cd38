"""My career's answer first: per next level, where the person stands and what to do next.

Pure functions over what the page already computed (a `CareerStatus`'s readiness per
next level) and the person's evidence waiting for review; no ORM, no clock. The page
leads with one `LevelSummary` per next level:

- state `ready` (every bar met): "Ready: nominate";
- state `time` (only time is missing): "Earliest: 26 Jun 2028 (24 months since joining)";
- state `steps`: "1 step away: 1 more approved integration ticket", or "5 steps away",
  with the earliest date any time bar allows ("Not before ...") when there is one.

Each unmet requirement becomes a `Step` with a plain next action; steps are ordered so
that what the person can do themselves comes first, then what waits for a review or a
manager, then figures, then time. Evidence in review is counted against the bar it
would meet ("1 in review since 6 Nov 2026") and the page offers no second submission
for what the items in review would already cover.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace

from frameworks.kinds import COMPARISONS, KINDS, POINTS_SOURCES, Result

# The nouns people read for evidence kinds ("1 more approved integration ticket").
EVIDENCE_NOUNS = {
    "ticket": ("ticket", "tickets"),
    "document": ("document", "documents"),
    "exam": ("exam", "exams"),
    "demonstration": ("demonstration", "demonstrations"),
    "escalation": ("escalation", "escalations"),
    "workaround": ("workaround", "workarounds"),
    "initiative": ("initiative", "initiatives"),
    "qa": ("QA review", "QA reviews"),
    "liaison": ("liaison", "liaisons"),
    "feedback": ("piece of customer feedback", "pieces of customer feedback"),
}
# Categories people write in capitals.
ACRONYMS = {"api": "API", "css": "CSS", "qa": "QA", "sla": "SLA", "sf": "SF", "et": "ET"}
NUMBER_WORDS = {2: "Two", 3: "Three", 4: "Four", 5: "Five"}

# The order steps are shown in: what the person can do now first, time last.
DO_NOW, IN_REVIEW, MANAGER, FIGURES, TIME = range(5)


def day(date: datetime.date | None) -> str:
    """The one date format of the career pages: 6 Nov 2026."""
    return f"{date.day} {date:%b %Y}" if date else ""


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """`1 step`, `2 steps`; `plural_form` for irregular nouns."""
    return f"{count} {singular if count == 1 else (plural_form or singular + 's')}"


@dataclass(frozen=True)
class PendingItem:
    """A piece of evidence waiting for review, as the summary needs it."""

    kind: str
    category: str
    submitted_on: datetime.date
    url: str


@dataclass(frozen=True)
class InReview:
    count: int
    since: datetime.date
    url: str  # the oldest item waiting

    @property
    def text(self) -> str:
        return f"{self.count} in review since {day(self.since)}"


@dataclass(frozen=True)
class Step:
    """One unmet requirement with what to do next."""

    result: Result
    action: str  # "1 more approved integration ticket"
    detail: str = ""  # current against target: "78.3% now; at least 100% needed"
    in_review: InReview | None = None
    offers_submit: bool = False  # submitting more would help (not already in review)
    priority: int = DO_NOW
    members: tuple[Step, ...] = ()
    submit_url: str = ""  # where to submit it, when `offers_submit` and the caller said
    short: str = ""  # the action on its own, under the requirement's label, when it differs

    @property
    def action_under_label(self) -> str:
        return self.short or self.action

    @property
    def waits_for_time(self) -> bool:
        return self.priority == TIME

    @property
    def percent(self) -> int | None:
        """How far along, 0-99, for a progress bar; None where a share means nothing (no
        figure yet, a bar that must stay low)."""
        have, need = self.result.have, self.result.need
        if not isinstance(have, int | float) or not isinstance(need, int | float) or need <= 0:
            return None
        if self.result.kind == "metric" and self.result.params.get("comparison") != "gte":
            return None
        return max(0, min(99, round(100 * have / need)))

    @property
    def waits_for_review(self) -> bool:
        """What is missing is already submitted: the next move is the reviewer's."""
        return self.priority == IN_REVIEW


@dataclass(frozen=True)
class Met:
    """A met requirement and how it is met: current against target for figures and
    ratings ("104.3% now; at least 100% needed"), the engine's explanation otherwise."""

    result: Result
    detail: str


def _met(result: Result, names: Mapping[int, str]) -> Met:
    if result.kind == "metric" and result.have is not None:
        comparison = COMPARISONS.get(result.params.get("comparison"), "")
        target = f"{comparison} {_figure(result.need, result.unit)}".strip()
        return Met(result, f"{_figure(result.have, result.unit)} now; {target} needed")
    if result.kind == "competency" and result.have in names and result.need in names:
        return Met(result, f"Rated {names[result.have]}; {names[result.need]} needed")
    return Met(result, result.explanation)


@dataclass(frozen=True)
class LevelSummary:
    level: object  # the Level
    state: str  # "ready", "time" or "steps"
    headline: str
    steps: list[Step]  # unmet, to do first
    met: list[Met]  # met requirements, for the collapsed list
    earliest: datetime.date | None = None  # the earliest date the time bars allow
    earliest_rule: str = ""  # which bar decides it: "24 months since joining"
    in_review: int = 0  # evidence items in review counted towards this level
    total: int = 0

    @property
    def steps_away(self) -> int:
        return sum(not step.waits_for_time for step in self.steps)

    @property
    def earliest_text(self) -> str:
        if self.earliest is None:
            return ""
        return f"Earliest: {day(self.earliest)} ({self.earliest_rule})"


@dataclass(frozen=True)
class CareerSummary:
    levels: list[LevelSummary]
    choice: str = ""  # "Two tracks to choose from: ..." when there is more than one next level
    tracks: dict = field(default_factory=dict)  # level code -> track name, when tracks differ


# --- one requirement --------------------------------------------------------------------------


def _matches(item: PendingItem, result: Result) -> bool:
    kind = "exam" if result.kind == "exam" else result.evidence_kind
    return item.kind == kind and (not result.category or item.category == result.category)


def _in_review(result: Result, pending: Iterable[PendingItem]) -> InReview | None:
    items = sorted((i for i in pending if _matches(i, result)), key=lambda i: i.submitted_on)
    if not items:
        return None
    return InReview(count=len(items), since=items[0].submitted_on, url=items[0].url)


def _words(slug: str) -> str:
    return "-".join(ACRONYMS.get(word, word) for word in slug.split("-"))


def _figure(value, unit: str) -> str:
    if value is None:
        return ""
    return f"{value}{unit}" if unit in ("", "%") else f"{value} {unit}"


def _evidence_step(result: Result, pending, own: bool) -> Step:
    missing = max(int(result.need or 0) - int(result.have or 0), 0)
    singular, plural_form = EVIDENCE_NOUNS.get(result.evidence_kind, ("item", "items"))
    category = f"{_words(result.category)} " if result.category else ""
    window = ""
    if result.params.get("window") == "level":
        window = " since the start of the current level"
    elif result.params.get("window") == "trailing":
        window = f" since {day(datetime.date.fromisoformat(result.params['counted_from']))}"
    noun = singular if missing == 1 else plural_form
    action = f"{missing} more approved {category}{noun}{window}"
    review = _in_review(result, pending)
    if review is None:
        return Step(result, action, f"{result.have} of {result.need} approved", None, True)
    covered = review.count >= missing
    detail = f"{result.have} of {result.need} approved"
    return Step(result, action, detail, review, not covered, IN_REVIEW if covered else DO_NOW)


def _exam_step(result: Result, pending, own: bool) -> Step:
    exam = f"the {_words(result.category)} exam" if result.category else "the exam"
    again = " again" if result.reason == "outside_window" else ""
    due = result.params.get("due_on")
    action = f"Pass {exam}{again}"
    detail = f"Due {day(datetime.date.fromisoformat(due))}" if due else ""
    review = _in_review(result, pending)
    if review is None:
        return Step(result, action, detail, None, True)
    return Step(result, action, detail, review, False, IN_REVIEW)


def _metric_step(result: Result, own: bool) -> Step:
    unit = result.unit
    subject = result.subject or "the figure"
    target = f"{COMPARISONS.get(result.params.get('comparison'), '')} {_figure(result.need, unit)}"
    if result.reason == "no_figures":
        ask = "ask your manager" if own else "add them"
        return Step(result, f"No {subject} figures yet: {ask}", f"{target.strip()} needed",
                    priority=FIGURES)  # fmt: skip
    now = _figure(result.have, unit)
    detail = f"{now} now; {target.strip()} needed"
    if result.reason == "missing_months":
        months = ", ".join(
            f"{datetime.date.fromisoformat(f'{m}-01'):%b %Y}" for m in result.params["missing"]
        )
        return Step(result, f"{subject} figures missing for {months}", detail, priority=FIGURES)
    verb = "Raise" if result.params.get("comparison") == "gte" else "Bring down"
    action = f"{verb} {subject} to {target.strip()} (now {now})"
    return Step(result, action, detail, priority=FIGURES)


def _competency_step(result: Result, own: bool, names: Mapping[int, str]) -> Step:
    need = names.get(result.need, "the level asked")
    subject = result.subject or "this competency"
    if result.have is None:
        action = (
            f"Ask your manager to rate {subject} ({need} needed)"
            if own
            else f"Rate {subject} ({need} needed)"
        )
        return Step(result, action, f"Not rated yet; {need} needed", priority=MANAGER)
    have = names.get(result.have, str(result.have))
    return Step(
        result, f"Reach {need} in {subject} (rated {have} now)", f"{have} now; {need} needed",
        priority=MANAGER,
    )  # fmt: skip


def _attestation_step(result: Result, own: bool) -> Step:
    again = " again" if result.reason == "expired" else ""
    who = "Ask your manager to confirm" if own else "Confirm"
    return Step(result, f"{who}{again}: {result.label}", result.explanation, priority=MANAGER,
                short=f"{who} this{again}")  # fmt: skip


def _time_step(result: Result) -> Step:
    return Step(result, f"Reached on {day(result.earliest_date)}", _time_rule(result), None, False,
                TIME)  # fmt: skip


def _time_rule(result: Result) -> str:
    if result.kind == "tenure":
        return f"{plural(int(result.need), 'month')} since joining"
    if result.kind == "time_in_level":
        return f"{plural(int(result.need), 'month')} in the current level"
    return result.label


def step_for(
    result: Result,
    *,
    pending: Iterable[PendingItem] = (),
    own: bool = True,
    proficiency_names: Mapping[int, str] | None = None,
    submit_url: Callable[[Result], str] | None = None,
) -> Step:
    """The next action for one unmet result (`own`: the person reads it, not their manager;
    `submit_url` gives the address to submit evidence for a result, when offered)."""
    step = _step_for(result, list(pending), own, proficiency_names, submit_url)
    if step.offers_submit and submit_url is not None and KINDS[result.kind].submit_evidence:
        step = replace(step, submit_url=submit_url(result))
    return step


def _step_for(result, pending, own, proficiency_names, submit_url) -> Step:
    if result.kind in ("tenure", "time_in_level"):
        return _time_step(result)
    if result.kind == "evidence":
        return _evidence_step(result, pending, own)
    if result.kind == "exam":
        return _exam_step(result, pending, own)
    if result.kind == "metric":
        return _metric_step(result, own)
    if result.kind == "competency":
        return _competency_step(result, own, proficiency_names or {})
    if result.kind == "attestation":
        return _attestation_step(result, own)
    if result.kind == "group":
        members = tuple(
            step_for(
                m,
                pending=pending,
                own=own,
                proficiency_names=proficiency_names,
                submit_url=submit_url,
            )
            for m in result.members
            if not m.met
        )
        more = int(result.need) - int(result.have)
        if result.earliest_date is not None:
            return Step(result, f"Reached on {day(result.earliest_date)}", result.label,
                        priority=TIME, members=members)  # fmt: skip
        priority = min((m.priority for m in members), default=DO_NOW)
        action = f"{more} more of these {plural(len(result.members), 'option')}"
        return Step(result, action, result.explanation, priority=priority, members=members)
    if result.kind == "points":
        more = result.need - (result.have or 0)
        source = POINTS_SOURCES.get(result.params.get("source"), "points")
        return Step(result, f"{more:g} more points from {source}", result.explanation)
    return Step(result, result.explanation)  # a kind added later: its own words


# --- one level, and the page ----------------------------------------------------------------


def level_summary(
    readiness,
    *,
    pending: Iterable[PendingItem] = (),
    own: bool = True,
    proficiency_names: Mapping[int, str] | None = None,
    submit_url: Callable[[Result], str] | None = None,
) -> LevelSummary:
    """Where the person stands for one next level (`readiness`: a `rules.LevelReadiness`)."""
    pending = list(pending)
    unmet = [r for r in readiness.results if not r.met]
    met = [_met(r, proficiency_names or {}) for r in readiness.results if r.met]
    steps = [
        step_for(r, pending=pending, own=own, proficiency_names=proficiency_names,
                 submit_url=submit_url)
        for r in unmet
    ]  # fmt: skip
    order = {id(s): n for n, s in enumerate(steps)}
    steps.sort(key=lambda s: (s.priority, order[id(s)]))
    timed = [s for s in steps if s.waits_for_time]
    deciding = max(timed, key=lambda s: s.result.earliest_date, default=None)
    earliest = deciding.result.earliest_date if deciding else None
    rule = ""
    if deciding is not None:
        rule = _time_rule(deciding.result) if deciding.result.kind != "group" else "time"
    in_review = sum(s.in_review.count for s in steps if s.in_review)
    common = {
        "level": readiness.level,
        "steps": steps,
        "met": met,
        "earliest": earliest,
        "earliest_rule": rule,
        "in_review": in_review,
        "total": len(readiness.results),
    }
    if not unmet:
        headline = "Ready: your manager can nominate you" if own else "Ready: nominate"
        return LevelSummary(state="ready", headline=headline, **common)
    actionable = [s for s in steps if not s.waits_for_time]
    if not actionable:
        return LevelSummary(state="time", headline=f"Earliest: {day(earliest)} ({rule})", **common)
    if len(actionable) == 1:
        (step,) = actionable
        action = step.action[0].lower() + step.action[1:]
        review = f" ({step.in_review.text})" if step.in_review else ""
        headline = f"1 step away: {action}{review}"
    else:
        headline = f"{len(actionable)} steps away"
    return LevelSummary(state="steps", headline=headline, **common)


def career_summary(
    status,
    *,
    pending: Iterable[PendingItem] = (),
    own: bool = True,
    proficiency_names: Mapping[int, str] | None = None,
    submit_url: Callable[[Result], str] | None = None,
) -> CareerSummary:
    """A `LevelSummary` per next level of `status` (a `CareerStatus`), and, when there are
    several next levels, the choice between them in words."""
    pending = list(pending)
    levels = [
        level_summary(
            r, pending=pending, own=own, proficiency_names=proficiency_names, submit_url=submit_url
        )
        for r in status.next_levels
    ]
    choice, tracks = "", {}
    if len(levels) > 1:
        names = [s.level.track.name for s in levels]
        count = NUMBER_WORDS.get(len(levels), str(len(levels)))
        if len(set(names)) == len(names):
            tracks = {s.level.code: s.level.track.name for s in levels}
            options = " or ".join(f"{s.level.title} ({s.level.track.name})" for s in levels)
            choice = f"{count} tracks to choose from: {options}"
        else:
            options = " or ".join(s.level.title for s in levels)
            choice = f"{count} next levels to choose from: {options}"
    return CareerSummary(levels=levels, choice=choice, tracks=tracks)
