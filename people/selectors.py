"""Reads of people and reporting lines."""

from collections import defaultdict

from .models import Employee


def report_ids(*, manager: Employee, direct_only: bool = False) -> set[int]:
    """Ids of everyone reporting to `manager`, directly or (by default) through others.

    One query for any depth: the reporting lines are small integers, walked in memory.
    """
    if direct_only:
        return set(Employee.objects.filter(manager=manager).values_list("id", flat=True))
    children = defaultdict(list)
    for pk, manager_id in Employee.objects.filter(manager__isnull=False).values_list(
        "id", "manager_id"
    ):
        children[manager_id].append(pk)
    found, stack = set(), [manager.pk]
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def reports_list(*, manager: Employee, direct_only: bool = False):
    """The reports of a manager with what a team page shows, in a constant number of queries."""
    return (
        Employee.objects.filter(pk__in=report_ids(manager=manager, direct_only=direct_only))
        .select_related("user", "level", "level__track", "framework", "manager__user")
        .order_by("user__first_name", "user__last_name", "id")
    )


def employee_for_user(user) -> Employee | None:
    if not user.is_authenticated:
        return None
    return (
        Employee.objects.select_related(
            "user", "framework", "level", "level__track", "manager__user"
        )
        .filter(user=user)
        .first()
    )


def is_manager_of(*, manager: Employee, employee: Employee) -> bool:
    return employee.pk in report_ids(manager=manager)
