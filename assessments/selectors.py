"""Reads of evidence, for the people allowed to see it."""

from collections import Counter

from django.db.models import Count, Q, QuerySet

from frameworks.models import Requirement
from people.models import Employee
from people.roles import user_is_hr
from people.selectors import reviewable_report_ids

from .models import Evidence


def evidence_visible_to(*, user, evidence: Evidence) -> bool:
    """The owner, a manager who may review it, and HR may see an item and its attachment."""
    if not user.is_authenticated:
        return False
    if evidence.employee.user_id == user.pk or user_is_hr(user):
        return True
    reviewer = Employee.objects.filter(user=user).first()
    return reviewer is not None and evidence.employee_id in reviewable_report_ids(manager=reviewer)


def evidence_for_employee(*, employee: Employee, status: str | None = None) -> QuerySet:
    qs = (
        Evidence.objects.filter(employee=employee)
        .select_related("reviewed_by")
        .prefetch_related("competencies")
    )
    if status:
        qs = qs.filter(status=status)
    return qs


def review_queue(
    *,
    reviewer: Employee,
    kind: str = "",
    category: str = "",
    employee_id: int | None = None,
) -> dict:
    """Evidence waiting for `reviewer`, filtered, with counts for the filters.

    A constant number of queries however big the team: one for the reporting
    lines, one for the counts, one for the page of items (with their people).
    """
    report_ids = reviewable_report_ids(manager=reviewer)
    waiting = Evidence.objects.filter(employee_id__in=report_ids, status=Evidence.Status.SUBMITTED)
    counts = list(
        waiting.values("kind", "category", "employee_id", "employee__user__first_name",
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
    by_kind, by_category, by_person, names = Counter(), Counter(), Counter(), {}
    for row in counts:
        by_kind[row["kind"]] += row["n"]
        if row["category"]:
            by_category[row["category"]] += row["n"]
        by_person[row["employee_id"]] += row["n"]
        names[row["employee_id"]] = (
            f"{row['employee__user__first_name']} {row['employee__user__last_name']}".strip()
        )
    return {
        "items": items.select_related("employee__user", "employee__level")
        .prefetch_related("competencies")
        .order_by("submitted_at", "id"),
        "total": sum(by_kind.values()),
        "by_kind": sorted(by_kind.items()),
        "by_category": sorted(by_category.items()),
        "by_person": sorted(
            ((pk, names[pk], n) for pk, n in by_person.items()), key=lambda r: r[1]
        ),
    }


def evidence_waiting_counts(*, employee_ids) -> dict[int, int]:
    """Submitted evidence per person, in one query."""
    rows = (
        Evidence.objects.filter(employee_id__in=employee_ids)
        .values("employee_id")
        .annotate(n=Count("id", filter=Q(status=Evidence.Status.SUBMITTED)))
    )
    return {row["employee_id"]: row["n"] for row in rows}


def attestation_expectations(*, employee: Employee) -> dict[str, str]:
    """The qualitative expectations (attestation code -> label) of the person's framework."""
    rows = Requirement.objects.filter(kind=Requirement.Kind.ATTESTATION).filter(
        Q(level__framework_id=employee.framework_id)
        | Q(entitlement__level__framework_id=employee.framework_id)
    )
    return {r.code: r.display_label for r in rows.order_by("level__rank", "order")}


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
