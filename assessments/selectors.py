"""Reads of evidence, for the people allowed to see it."""

from collections import Counter
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet

from frameworks.models import Framework, Level, Requirement
from frameworks.selectors import evidence_categories, evidence_category_problem
from people.models import Employee
from people.roles import user_is_hr
from people.selectors import (
    employee_for_user,
    employee_reviewable_by,
    name_search,
    reviewable_report_ids,
)

from .models import Evidence, EvidenceKind


def evidence_visible_to(*, user, evidence: Evidence) -> bool:
    """The owner, a manager who may review it, and HR may see an item and its attachment."""
    if not user.is_authenticated or not user.is_active:
        return False
    if evidence.employee.user_id == user.pk or user_is_hr(user):
        return True
    return employee_reviewable_by(reviewer=employee_for_user(user), employee=evidence.employee)


def evidence_for_employee(*, employee: Employee, status: str | None = None) -> QuerySet:
    qs = (
        Evidence.objects.filter(employee=employee)
        .select_related("reviewed_by")
        .prefetch_related("competencies")
    )
    if status:
        qs = qs.filter(status=status)
    return qs


def evidence_recent_and_waiting(
    *, employee: Employee, recent: int = 10
) -> tuple[list[Evidence], list[Evidence]]:
    """The person's latest `recent` items and every item waiting for review, in one query
    (the career page lists the first and counts the second against the bars)."""
    latest_ids = Evidence.objects.filter(employee=employee).values("pk")[:recent]
    items = list(
        Evidence.objects.filter(employee=employee)
        .filter(Q(pk__in=latest_ids) | Q(status=Evidence.Status.SUBMITTED))
        .select_related("reviewed_by")
    )
    # Both in Meta.ordering (latest first): the latest `recent` items come first, and any
    # older item waiting for review after them.
    waiting = [item for item in items if item.status == Evidence.Status.SUBMITTED]
    return items[:recent], waiting


def evidence_waiting_for(*, reviewer: Employee):
    """Evidence waiting for a decision that `reviewer` may take (see
    `people.selectors.employee_reviewable_by`)."""
    return Evidence.objects.filter(
        employee_id__in=reviewable_report_ids(manager=reviewer), status=Evidence.Status.SUBMITTED
    )


def evidence_of_reports(*, reviewer: Employee) -> QuerySet:
    """Every item (any status) of the people `reviewer` may review: what a manager sees of
    their reports' evidence (see `people.selectors.employee_reviewable_by`)."""
    return Evidence.objects.filter(employee_id__in=reviewable_report_ids(manager=reviewer))


def review_queue(
    *,
    reviewer: Employee,
    kind: str = "",
    category: str = "",
    employee_id: int | None = None,
    search: str = "",
) -> dict:
    """Evidence waiting for `reviewer`, filtered, with counts for the filters.

    A constant number of queries however big the team: one for the reporting
    lines, one for the counts (by kind, category and person, grouped by the database), and
    the items: the view pages them (one page of 50; `matching` says how many the filters keep,
    from the counts, or is None after a name search, when the view counts them). `search`
    keeps the items of people whose name contains every word of it.
    """
    waiting = evidence_waiting_for(reviewer=reviewer)
    counts = list(
        waiting.values_list("kind", "category", "employee_id", "employee__user__first_name",
                            "employee__user__last_name")
        .annotate(n=Count("id"))
        .order_by()
    )  # fmt: skip
    items = waiting
    if kind:
        items = items.filter(kind=kind)
    if category:
        items = items.filter(category=category)
    if employee_id:
        items = items.filter(employee_id=employee_id)
    if search:
        items = name_search(items, search, prefix="employee__")
    by_kind, by_category, by_person, names = Counter(), Counter(), Counter(), {}
    for row_kind, row_category, person, first, last, n in counts:
        by_kind[row_kind] += n
        if row_category:
            by_category[row_category] += n
        by_person[person] += n
        names[person] = f"{first} {last}".strip()
    # How many items the filters keep, from the counts already read (no COUNT query), unless
    # a name search narrows them further.
    matching = None
    if not search:
        matching = sum(
            n
            for row_kind, row_category, person, _, _, n in counts
            if (not kind or row_kind == kind)
            and (not category or row_category == category)
            and (not employee_id or person == employee_id)
        )
    return {
        # Not the items' competencies: the queue does not show them (one query fewer).
        "items": items.select_related("employee__user", "employee__level").order_by(
            "submitted_at", "id"
        ),
        "matching": matching,
        "total": sum(by_kind.values()),
        "by_kind": sorted(by_kind.items()),
        "by_category": sorted(by_category.items()),
        "by_person": sorted(
            ((pk, names[pk], n) for pk, n in by_person.items()), key=lambda r: r[1]
        ),
    }


@dataclass(frozen=True)
class Expectation:
    """A statement a manager may confirm for one of the person's next levels."""

    level: Level
    code: str
    label: str

    @property
    def key(self) -> str:
        return f"{self.level.pk}:{self.code}"


def attestation_expectations(*, employee: Employee) -> dict[str, Expectation]:
    """What a manager may confirm for the person, per next level ("ready for Lead, not yet
    for Principal"): the confirmations among each next level's requirements (group members
    too) and its perks' conditions, keyed for a form. Two queries."""
    next_levels = list(employee.level.next_levels.order_by("rank", "order", "id"))
    levels = [*next_levels, employee.level]  # the current level: confirmations unlocking a perk
    rows = (
        Requirement.objects.filter(kind=Requirement.Kind.ATTESTATION)
        .filter(Q(level__in=next_levels) | Q(entitlement__level__in=levels))
        .select_related("level", "entitlement__level")
        .order_by("order", "id")
    )
    by_level = {level.pk: level for level in levels}
    found = {}
    for req in rows:
        level = by_level[req.level_id or req.entitlement.level_id]
        item = Expectation(level=level, code=req.code, label=req.display_label)
        found.setdefault(item.key, item)
    order = {level.pk: i for i, level in enumerate(levels)}
    return dict(sorted(found.items(), key=lambda kv: (order[kv[1].level.pk], kv[1].label)))


def latest_ratings(*, employee: Employee) -> dict[int, dict[str, "object"]]:
    """competency id -> {"self": rating, "manager": rating}, the latest of each, one query."""
    from .models import CompetencyRating

    latest: dict[int, dict] = {}
    rows = (
        CompetencyRating.objects.filter(employee=employee)
        .select_related("proficiency", "rated_by")
        .order_by("competency_id", "source", "-rated_on", "-id")
    )
    for rating in rows:
        latest.setdefault(rating.competency_id, {}).setdefault(rating.source, rating)
    return latest


def evidence_category_check(*, employee: Employee, kind: str, category: str) -> None:
    """Raise ValidationError on `category` when the person's framework has no such category
    for evidence of this kind (one that would never count)."""
    problem = evidence_category_problem(
        framework_id=employee.framework_id, evidence_kind=kind, category=category
    )
    if problem:
        raise ValidationError({"category": problem})


def evidence_category_choices(*, categories: dict[str, dict[str, str]]) -> list:
    """The category select of the evidence form, from `evidence_categories` (kind -> {slug:
    name}): no category, then one group per kind, labelled as the kind select says it."""
    labels = dict(Evidence.kind.field.choices)
    return [("", "— none —")] + [
        (labels.get(kind, kind), list(pairs.items())) for kind, pairs in sorted(categories.items())
    ]


def evidence_category_choices_all(*, current: tuple[str, str] | None = None) -> list:
    """The admin's category select: every category of any framework in use, by kind (each
    save is still checked against the person's own framework). `current` (kind, category)
    is the edited item's own value, kept visible when no framework has it, so HR sees it
    and can fix it; the list filter "category check" finds all such items."""
    labels = dict(Evidence.kind.field.choices)
    table: dict[str, dict[str, str]] = {}
    for framework_id in Framework.objects.exclude(status="archived").values_list("id", flat=True):
        for kind, categories in evidence_categories(framework_id=framework_id).items():
            table.setdefault(kind, {}).update(categories)
    if current and current[1]:
        kind, category = current
        table.setdefault(kind, {}).setdefault(category, f"{category} (not in any framework)")
    groups = sorted(table.items())
    return [("", "— none —")] + [
        (labels.get(kind, kind), sorted(categories.items())) for kind, categories in groups
    ]


def requirements_counting(
    *, employee: Employee, kind: str, category: str, categories: dict | None = None
) -> list[str]:
    """The bars of the person's next levels (and of their perks) that evidence of this kind
    and category counts toward, as people read them (one query)."""
    if kind not in EvidenceKind.values:
        return []
    if categories is None:  # kind -> {slug: name}, as the evidence form has already read it
        table = evidence_categories(framework_id=employee.framework_id)
        categories = {k: dict(v) for k, v in table.items()}
    if category and category not in categories.get(kind, {}):  # typed into the address bar
        return []
    next_levels = list(employee.level.next_levels.all())
    counts = Q(kind="exam") if kind == "exam" else Q(kind="evidence", evidence_kind=kind)
    rows = (
        Requirement.objects.filter(Q(level__in=next_levels) | Q(entitlement__level=employee.level))
        .filter(counts, Q(category=category) | Q(category=""))
        .select_related("level", "entitlement__level", "competency", "proficiency")
        .order_by("order", "id")
    )
    return [f"{r.level.code if r.level_id else r.entitlement}: {r.display_label}" for r in rows]


def known_evidence_categories() -> Q:
    """A filter matching evidence whose category its owner's framework has for its kind
    (two queries per framework version in use)."""
    match = Q(pk__in=[])
    for framework_id in (
        Framework.objects.filter(employees__isnull=False).values_list("id", flat=True).distinct()
    ):
        for kind, categories in evidence_categories(framework_id=framework_id).items():
            match |= Q(
                employee__framework_id=framework_id,
                kind=kind,
                category__in=[slug for slug, _ in categories],
            )
    return match
