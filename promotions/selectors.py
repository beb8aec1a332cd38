"""Facts for the rules, loaded in bulk: a constant number of queries for any number of people."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from typing import NamedTuple

from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, NullIf

from assessments.models import Attestation, CompetencyRating, Evidence, MonthlyMetric
from frameworks.models import Framework, Level
from frameworks.months import add_months, full_months_between
from frameworks.selectors import (
    EntitlementSpec,
    framework_guard_warnings,
    level_rules,
    level_rules_prefetches,
    milestones_by_framework,
    rules_fingerprint,
)
from people.models import Employee
from people.roles import user_is_hr
from people.selectors import employee_for_user, name_search, report_ids

from . import rules
from .models import EligibilityStatus, PromotionCase

_DAY, _ITEMS = itemgetter(3), itemgetter(4)  # of an evidence row: its day, its items that day
# Metrics further back than this are never needed by a window (HR may set up to 12).
MAX_METRIC_WINDOW_MONTHS = 12


def facts_for(
    *,
    employees: QuerySet | None = None,
    as_of: datetime.date,
    id_range: tuple[int, int] | None = None,
    people: list[Employee] | None = None,
    rows: list[tuple[int, datetime.date, datetime.date]] | None = None,
) -> dict[int, rules.Facts]:
    """Facts for every employee in the queryset, in four aggregate queries (plus the people).

    `people` (Employee instances already read, e.g. one page of the team) replaces the
    queryset: no query for the people, and the fact tables are filtered by their ids.

    `id_range` (the sweep's chunk, which holds every employee of the queryset) filters the
    fact tables by `employee_id BETWEEN first AND last` on their own index instead of a
    subquery over people, which the planner joined with whole-table hashes; the facts of
    the range's other people (leavers) are read and not used.

    `rows` (the sweep's plain `(id, hire_date, level_since)` rows, with their `id_range`)
    replaces both: no model instances, no query for the people.
    """
    if rows is not None:
        people = [{"id": pk, "hire_date": hired, "level_since": since} for pk, hired, since in rows]
        whose = {"employee_id__gte": id_range[0], "employee_id__lte": id_range[1]}
    elif people is not None:
        whose = {"employee_id__in": [p.pk for p in people]}
        people = [
            {"id": p.pk, "hire_date": p.hire_date, "level_since": p.level_since} for p in people
        ]
    else:
        # No order: Employee.Meta.ordering would join and sort auth_user for nothing.
        people = list(employees.order_by().values("id", "hire_date", "level_since"))
        if id_range is not None:
            whose = {"employee_id__gte": id_range[0], "employee_id__lte": id_range[1]}
        else:
            whose = {"employee_id__in": employees.order_by().values("id")}
    # Each query's rows are read as plain tuples (`plain_rows`), in one pass each.
    evidence: dict[int, dict[tuple[str, str], tuple]] = {}
    # Dated, not just counted: a requirement may count only items since the current
    # level or over trailing months. Grouped by day, so a busy day is one row.
    counted = (
        Evidence.objects.filter(
            **whose,
            status=Evidence.Status.APPROVED,
            occurred_on__lte=as_of,
        )
        .filter(~Q(kind="exam") | Q(outcome=Evidence.Outcome.PASSED))
        .values_list("employee_id", "kind", "category", "occurred_on")
        .annotate(n=Count("id"))
        .order_by("employee_id", "kind", "category", "occurred_on")
    )
    for (employee_id, kind, category), group in groupby(
        plain_rows(counted), key=itemgetter(0, 1, 2)
    ):
        group = list(group)
        days = tuple(map(_DAY, group))
        if len(days) != sum(map(_ITEMS, group)):  # a day with several items
            days = tuple(row[3] for row in group for _ in range(row[4]))
        evidence.setdefault(employee_id, {})[(kind, category)] = days

    metrics: dict[int, dict[str, dict]] = {}
    first_month = add_months(as_of.replace(day=1), -MAX_METRIC_WINDOW_MONTHS)
    figures = (
        MonthlyMetric.objects.filter(
            **whose, period__gte=first_month, period__lt=as_of.replace(day=1)
        )
        .values_list("employee_id", "metric", "period", "value")
        .order_by()  # Meta.ordering joins people
    )
    for employee_id, metric, period, value in plain_rows(figures):
        metrics.setdefault(employee_id, {}).setdefault(metric, {})[period] = value

    # By competency slug, which stays the same across framework versions.
    ratings: dict[int, dict[str, int]] = {}
    latest_first = (
        CompetencyRating.objects.filter(
            **whose,
            source=CompetencyRating.Source.MANAGER,
            rated_on__lte=as_of,
        )
        .order_by("employee_id", "competency__slug", "-rated_on", "-id")
        .values_list("employee_id", "competency__slug", "proficiency__rank")
    )
    for employee_id, slug, rank in plain_rows(latest_first):
        ratings.setdefault(employee_id, {}).setdefault(slug, rank)

    # By (code, level code): a confirmation counts for the level it was given for.
    attestations: dict[int, dict[tuple[str, str], datetime.date]] = {}
    confirmed = (
        Attestation.objects.filter(**whose, attested_on__lte=as_of)
        .values_list("employee_id", "code", "level__code", "attested_on")
        .order_by()
    )
    for employee_id, code, level_code, day in plain_rows(confirmed):
        theirs = attestations.setdefault(employee_id, {})
        if day > theirs.get((code, level_code), datetime.date.min):
            theirs[(code, level_code)] = day

    nothing: dict = {}
    return {
        p["id"]: rules.Facts(
            employee_id=p["id"],
            hire_date=p["hire_date"],
            level_since=p["level_since"],
            evidence=evidence.get(p["id"], nothing),  # its dates are tuples already
            metrics=metrics.get(p["id"], nothing),
            ratings=ratings.get(p["id"], nothing),
            attestations=attestations.get(p["id"], nothing),
        )
        for p in people
    }


def plain_rows(queryset: QuerySet) -> list[tuple]:
    """The rows of a `values_list` queryset as tuples. On PostgreSQL straight from the
    cursor: its driver already returns dates, decimals and integers, and Django's per-row
    iterator and converters were a sixth of the sweep's time. Elsewhere (SQLite returns
    dates as text) through the queryset, converters and all."""
    if connection.vendor != "postgresql":
        return list(queryset)
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def levels_with_rules(*, framework_ids) -> dict[int, Level]:
    """Every level of these framework versions with requirements, next levels and
    entitlements (and their conditions) in memory: six queries whatever the size."""
    levels = (
        Level.objects.filter(framework_id__in=framework_ids)
        .select_related("framework", "track")
        .prefetch_related(
            Prefetch("next_levels", queryset=Level.objects.order_by("rank", "order", "id")),
            *level_rules_prefetches(),
        )
    )
    return {level.pk: level for level in levels}


@dataclass(frozen=True)
class CareerStatus:
    """Where one person stands as of a date: perks and readiness for each next level."""

    employee: Employee
    level: Level
    as_of: datetime.date
    tenure_months: int
    months_in_level: int
    entitlements: list[rules.EntitlementStatus]
    next_levels: list[rules.LevelReadiness]

    @property
    def perks(self) -> dict[str, EntitlementSpec]:
        """Per perk kind, what the person has today."""
        return rules.entitlement_values(self.entitlements)

    @property
    def wfh_days_per_month(self) -> int:
        wfh = self.perks.get(rules.WFH_DAYS_PER_MONTH)
        return wfh.value if wfh else 0

    def as_json(self) -> dict:
        """The contract of `manage.py eligibility --json` (DESIGN.md)."""
        return {
            "email": self.employee.user.email,
            "framework": self.level.framework.slug,
            "level": self.level.code,
            "as_of": self.as_of.isoformat(),
            "tenure_months": self.tenure_months,
            "wfh_days_per_month": self.wfh_days_per_month,
            "entitlements": [
                {"kind": p.kind, "value": p.value, "unit": p.unit, "label": p.label}
                for p in self.perks.values()
            ],
            "next": [
                {
                    "level": r.level.code,
                    "eligible": r.eligible,
                    "earliest_date": r.earliest_date.isoformat() if r.earliest_date else None,
                    "requirements": [result.as_dict() for result in r.flat_results()],
                }
                for r in self.next_levels
            ],
        }


@dataclass(frozen=True)
class RuleBook:
    """Levels with their frozen rule specs and next levels: what judging people needs of the
    frameworks, built once (per request, or once per sweep: `promotions.services`)."""

    levels: dict[int, Level]
    specs: dict
    next_levels: dict[int, list[Level]]

    @classmethod
    def build(cls, levels: dict[int, Level]) -> "RuleBook":
        # Frozen specs once per level, not per person.
        specs = level_rules({level.pk: level for level in levels.values()}.values())
        next_levels = {
            level_id: [levels[nxt.pk] for nxt in level.next_levels.all()]
            for level_id, level in levels.items()
        }
        return cls(levels=levels, specs=specs, next_levels=next_levels)

    def covers(self, level_ids) -> bool:
        return all(level_id in self.levels for level_id in level_ids)


def rule_book(*, framework_ids) -> RuleBook:
    return RuleBook.build(levels_with_rules(framework_ids=framework_ids))


# framework ids -> (rules_fingerprint when built, RuleBook). Process-local: each web process
# keeps its own and asks the database on every use whether the rules are still the same.
_RULE_BOOKS: dict[frozenset, tuple[tuple, RuleBook]] = {}
_RULE_BOOKS_MAX = 16  # sets of framework versions people are on: a handful


def rule_book_current(*, framework_ids) -> RuleBook:
    """The RuleBook of these framework versions, built once per process and reused while
    `frameworks.selectors.rules_fingerprint` (one query, every time) says that nothing it is
    built from has changed: an edit in any process, by any means, is seen by the next call.

    For pages that judge a few people per request (My career, My team): building a book is
    six queries and some 30 ms of Python. The fingerprint is read before the book is built,
    so an edit racing with the build costs at most a rebuild, never a stale book. The book's
    levels are shared between requests: read them, never change them."""
    key = frozenset(framework_ids)
    fingerprint = rules_fingerprint(framework_ids=key)
    cached = _RULE_BOOKS.get(key)
    if cached is not None and cached[0] == fingerprint:
        return cached[1]
    book = rule_book(framework_ids=key)
    if len(_RULE_BOOKS) >= _RULE_BOOKS_MAX:
        _RULE_BOOKS.clear()
    _RULE_BOOKS[key] = (fingerprint, book)
    return book


def career_statuses(
    *,
    employees: QuerySet | None = None,
    as_of: datetime.date,
    levels: dict[int, Level] | None = None,
    book: RuleBook | None = None,
    id_range: tuple[int, int] | None = None,
    people: list[Employee] | None = None,
) -> list[CareerStatus]:
    """CareerStatus for every employee of the queryset, with a constant number of queries.

    `levels` lets a caller evaluate against other framework versions (the impact
    preview passes a draft's levels, keyed by the published level ids). `book` is a
    `RuleBook` already built (the sweep builds one per sweep); `id_range` see `facts_for`.
    `people` (instances already read, with their user) replaces `employees` and is judged in
    its own order: one query fewer, and the facts are filtered by their ids.
    """
    if people is not None:
        facts = facts_for(people=people, as_of=as_of)
    else:
        people = list(employees.select_related("user").order_by("id"))
        facts = facts_for(employees=employees, as_of=as_of, id_range=id_range)
    if book is None or not book.covers({p.level_id for p in people}):
        if levels is None:
            levels = levels_with_rules(framework_ids={p.framework_id for p in people})
        book = RuleBook.build(levels)
    levels, specs, next_levels = book.levels, book.specs, book.next_levels
    statuses = []
    for person in people:
        level = levels[person.level_id]
        person_facts = facts[person.pk]
        statuses.append(
            CareerStatus(
                employee=person,
                level=level,
                as_of=as_of,
                tenure_months=full_months_between(person.hire_date, as_of),
                months_in_level=full_months_between(person.level_since, as_of),
                entitlements=rules.entitlements(person_facts, specs[level.pk], as_of),
                next_levels=[
                    rules.readiness(person_facts, nxt, specs[nxt.pk], as_of)
                    for nxt in next_levels[level.pk]
                ],
            )
        )
    return statuses


def career_status(*, employee: Employee, as_of: datetime.date) -> CareerStatus:
    """Where `employee` stands, read again from the database first (the caller's instance
    may predate a change of level or framework)."""
    fresh = Employee.objects.select_related("user").get(pk=employee.pk)
    return career_status_of(employee=fresh, as_of=as_of)


def career_status_of(*, employee: Employee, as_of: datetime.date) -> CareerStatus:
    """`career_status` judged from an Employee the caller has just read with its user (a
    page's own profile or report): no query for the person, the process's rule book."""
    return career_statuses(
        people=[employee],
        as_of=as_of,
        book=rule_book_current(framework_ids={employee.framework_id}),
    )[0]


def published_framework_ids() -> set[int]:
    return set(
        Framework.objects.filter(status=Framework.Status.PUBLISHED).values_list("id", flat=True)
    )


class PerkChange(NamedTuple):
    employee: Employee
    kind: str
    before: int
    after: int
    unit: str

    @property
    def is_loss(self) -> bool:
        return self.after < self.before


@dataclass(frozen=True)
class ImpactPreview:
    """What publishing a draft would change, judged by the same engine; nothing is saved."""

    draft: Framework
    published: Framework | None
    as_of: datetime.date
    gains: list[tuple[Employee, str]]  # (person, level code) who would become eligible
    losses: list[tuple[Employee, str]]  # who would stop being eligible
    perk_changes: list[PerkChange]  # every perk whose value would change, per person
    stranded: list[Employee]  # at a level code the draft does not have
    warnings: list[str] = ()  # levels no harder than the level below them

    @property
    def wfh_changes(self) -> list[tuple[Employee, int, int]]:
        return [
            (c.employee, c.before, c.after)
            for c in self.perk_changes
            if c.kind == rules.WFH_DAYS_PER_MONTH
        ]

    @property
    def perk_losses(self) -> list[PerkChange]:
        """Who would lose (part of) a perk they have today: HR must see these before publishing."""
        return [c for c in self.perk_changes if c.is_loss]

    def as_json(self) -> dict:
        return {
            "framework": self.draft.slug,
            "draft_version": self.draft.version,
            "published_version": self.published.version if self.published else None,
            "as_of": self.as_of.isoformat(),
            "become_eligible": [{"email": e.user.email, "level": c} for e, c in self.gains],
            "stop_being_eligible": [{"email": e.user.email, "level": c} for e, c in self.losses],
            "wfh_changes": [
                {"email": e.user.email, "from": before, "to": after}
                for e, before, after in self.wfh_changes
            ],
            "perk_changes": [
                {
                    "email": c.employee.user.email,
                    "kind": c.kind,
                    "from": c.before,
                    "to": c.after,
                    "unit": c.unit,
                }
                for c in self.perk_changes
            ],  # fmt: skip
            "level_missing_in_draft": [e.user.email for e in self.stranded],
            "warnings": list(self.warnings),
        }


def _perk_values(status: CareerStatus) -> dict[str, tuple[int, str]]:
    return {kind: (ent.value, ent.unit) for kind, ent in status.perks.items()}


def framework_impact_preview(*, draft: Framework, as_of: datetime.date) -> ImpactPreview:
    """Everyone on the published version, evaluated against it and against `draft`."""
    warnings = framework_guard_warnings(framework=draft)
    published = Framework.objects.filter(slug=draft.slug, status=Framework.Status.PUBLISHED).first()
    if published is None:
        return ImpactPreview(draft, None, as_of, [], [], [], [], warnings)
    employees = Employee.objects.filter(framework=published, is_active=True)
    now = {s.employee.pk: s for s in career_statuses(employees=employees, as_of=as_of)}
    draft_levels = levels_with_rules(framework_ids={draft.pk})
    by_code = {level.code: level for level in draft_levels.values()}
    mapped = dict(draft_levels)
    stranded_ids = set()
    for level in Level.objects.filter(framework=published):
        if level.code in by_code:
            mapped[level.pk] = by_code[level.code]
    for status in now.values():
        if status.employee.level_id not in mapped:
            stranded_ids.add(status.employee.pk)
    after = {
        s.employee.pk: s
        for s in career_statuses(
            employees=employees.exclude(pk__in=stranded_ids), as_of=as_of, levels=mapped
        )
    }
    gains, losses, perk_changes = [], [], []
    for pk, before_status in sorted(now.items(), key=lambda item: item[1].employee.user.email):
        if pk in stranded_ids:
            continue
        after_status = after[pk]
        before_eligible = {r.level.code: r.eligible for r in before_status.next_levels}
        after_eligible = {r.level.code: r.eligible for r in after_status.next_levels}
        for code in sorted(set(before_eligible) | set(after_eligible)):
            was, will = before_eligible.get(code, False), after_eligible.get(code, False)
            if will and not was:
                gains.append((before_status.employee, code))
            elif was and not will:
                losses.append((before_status.employee, code))
        perks_now, perks_after = _perk_values(before_status), _perk_values(after_status)
        for kind in sorted(set(perks_now) | set(perks_after)):
            (now_value, unit), (after_value, after_unit) = (
                perks_now.get(kind, (0, "")), perks_after.get(kind, (0, ""))
            )  # fmt: skip
            if now_value != after_value:
                perk_changes.append(
                    PerkChange(before_status.employee, kind, now_value, after_value,
                               unit or after_unit)
                )  # fmt: skip
    stranded = [now[pk].employee for pk in sorted(stranded_ids)]
    return ImpactPreview(draft, published, as_of, gains, losses, perk_changes, stranded, warnings)


def next_milestone(
    *, hire_date: datetime.date, as_of: datetime.date, months: Iterable[int]
) -> tuple[int, datetime.date] | None:
    """The next of the framework's tenure milestones and its date, if any is ahead."""
    for month in sorted(months):
        reached_on = add_months(hire_date, month)
        if reached_on > as_of:
            return month, reached_on
    return None


def milestone_months(*, framework_id: int) -> list[int]:
    return [m.months for m in milestones_by_framework(framework_ids=[framework_id])[framework_id]]


@dataclass(frozen=True)
class TeamRow:
    status: CareerStatus
    waiting: int
    milestone: tuple[int, datetime.date] | None
    is_direct: bool

    @property
    def best(self) -> "rules.LevelReadiness | None":
        """The next level closest to being met (eligible first, then most requirements met)."""
        return max(
            self.status.next_levels,
            key=lambda r: (r.eligible, r.met_count / max(len(r.results), 1)),
            default=None,
        )


# The team page's sorts, done by the database: each is the order of its first click
# (field, descending); `-key` reverses every part. Ties always go by name, then id.
TEAM_SORTS = {
    "name": [("user__first_name", False), ("user__last_name", False)],
    "level": [("level__rank", False), ("level__code", False)],
    "tenure": [("hire_date", False)],  # longest first
    "readiness": [("stored_readiness", True)],  # eligible first, then the largest share met
    "waiting": [("waiting", True)],
}
TEAM_TIE_BREAK = ["user__first_name", "user__last_name", "id"]


def _stored_readiness() -> Subquery:
    """The best verdict the last check stored among the person's next levels (those next
    from their current level: a verdict left from an earlier level does not count): 2 when
    eligible for one, else the largest share of requirements met (0 to 1); null when nothing
    is stored (top of the track, or not checked since they joined or moved)."""
    next_from_current = Level.next_levels.through.objects.filter(
        from_level_id=OuterRef("employee__level_id"), to_level_id=OuterRef("target_level_id")
    )
    score = Case(
        When(eligible=True, then=Value(2.0)),
        default=Cast("met_count", FloatField()) / NullIf(Cast("total_count", FloatField()), 0.0),
        output_field=FloatField(),
    )
    best = (
        EligibilityStatus.objects.filter(employee_id=OuterRef("pk"))
        .filter(Exists(next_from_current))
        .annotate(score=score)
        .order_by("-score")
        .values("score")[:1]
    )
    return Subquery(best, output_field=FloatField())


def _waiting_count() -> Coalesce:
    waiting = (
        Evidence.objects.filter(employee_id=OuterRef("pk"), status=Evidence.Status.SUBMITTED)
        .order_by()
        .values("employee_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(waiting, output_field=IntegerField()), 0)


@dataclass(frozen=True)
class TeamChoices:
    """What the team page was asked for; unknown values fall back to the defaults."""

    q: str = ""
    level: str = ""
    eligible: bool = False
    direct: bool = False
    sort: str = "readiness"
    descending: bool = False  # reversed from the sort's first-click order

    @classmethod
    def from_query(cls, params) -> "TeamChoices":
        sort = params.get("sort", "readiness")
        reverse = sort.startswith("-")
        sort = sort.removeprefix("-")
        if sort not in TEAM_SORTS:
            sort, reverse = "readiness", False
        return cls(
            q=params.get("q", "").strip()[:100],
            level=params.get("level", "")[:50],
            eligible=params.get("eligible") == "1",
            direct=params.get("direct") == "1",
            sort=sort,
            descending=reverse,
        )

    @property
    def sort_param(self) -> str:
        return f"-{self.sort}" if self.descending else self.sort

    @property
    def filtered(self) -> bool:
        return bool(self.q or self.level or self.eligible or self.direct)


def team_members(*, manager: Employee, choices: TeamChoices, team_ids=None) -> QuerySet:
    """The manager's direct and indirect reports as the team page asked: searched, filtered
    and sorted by the database, with `stored_readiness` (see `_stored_readiness`) and
    `waiting` (submitted evidence) annotated. Nobody is evaluated: the page judges only the
    rows it shows (`team_rows_judged`). `team_ids` is `report_ids(manager=...)` if the
    caller has it."""
    ids = report_ids(manager=manager) if team_ids is None else team_ids
    people = name_search(Employee.objects.filter(pk__in=ids), choices.q)
    if choices.level:
        people = people.filter(level__code=choices.level)
    if choices.direct:
        people = people.filter(manager_id=manager.pk)
    people = people.annotate(stored_readiness=_stored_readiness(), waiting=_waiting_count())
    if choices.eligible:
        people = people.filter(stored_readiness__gte=2.0)
    order = []
    for field, descending in TEAM_SORTS[choices.sort]:
        descending = descending != choices.descending
        expression = F(field)
        # A person with nothing stored sorts last whichever the direction.
        order.append(
            expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)
        )
    return people.select_related("user", "manager__user", "level").order_by(*order, *TEAM_TIE_BREAK)


def team_levels(*, team_ids) -> list[dict]:
    """The levels held in the team, with how many hold each (for the level filter), in
    one query: [{"code", "title", "n"}] in rank order."""
    return list(
        Employee.objects.filter(pk__in=team_ids)
        .values("level__code", "level__title", "level__rank")
        .annotate(n=Count("id"))
        .order_by("level__rank", "level__code", "level__title")
    )


def team_rows_judged(
    *, people: list[Employee], manager: Employee, as_of: datetime.date
) -> list[TeamRow]:
    """TeamRows for one page of `team_members`, judged now (not as of the last check): a
    just-approved item shows on the row at once. Constant queries: the facts, the levels and
    the milestones; the people and their waiting counts are already read."""
    if not people:
        return []
    framework_ids = {p.framework_id for p in people}
    statuses = career_statuses(
        people=people, as_of=as_of, book=rule_book_current(framework_ids=framework_ids)
    )
    milestones = milestones_by_framework(framework_ids=framework_ids)
    return [
        TeamRow(
            status=s,
            waiting=s.employee.waiting,
            milestone=next_milestone(
                hire_date=s.employee.hire_date,
                as_of=as_of,
                months=[m.months for m in milestones[s.employee.framework_id]],
            ),
            is_direct=s.employee.manager_id == manager.pk,
        )
        for s in statuses
    ]


def promotion_case_list(*, user) -> QuerySet:
    """The promotion cases `user` may see: their own, their reports' (anyone below them in the
    reporting lines) and, for HR, all of them. Nothing for a leaver or an outsider."""
    cases = PromotionCase.objects.select_related(
        "employee__user", "from_level", "to_level", "nominated_by", "framework"
    )
    if user_is_hr(user):
        return cases
    me = employee_for_user(user)
    if me is None:
        return cases.none()
    return cases.filter(Q(employee=me) | Q(employee_id__in=report_ids(manager=me)))
