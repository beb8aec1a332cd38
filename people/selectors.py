"""Reads of people and reporting lines."""

from collections import defaultdict

from .models import Employee
from .roles import user_is_hr


def _reporting_lines() -> tuple[dict[int, list[int]], set[int]]:
    """(manager id -> report ids, ids of people whose framework limits review to the direct
    manager), in one query: the reporting lines are small integers, walked in memory.

    Only active people are in the lines. A leaver's reports report, for reviews,
    ratings and approvals, to the next active manager up their line.
    """
    rows = list(
        Employee.objects.values_list(
            "id", "manager_id", "is_active", "framework__direct_manager_review_only"
        )
    )
    manager_of = {pk: manager_id for pk, manager_id, _, _ in rows}
    active = {pk for pk, _, is_active, _ in rows if is_active}
    children = defaultdict(list)
    direct_only_people = set()
    for pk, manager_id, is_active, direct_only in rows:
        if not is_active:
            continue
        seen = {pk}
        while manager_id is not None and manager_id not in active and manager_id not in seen:
            seen.add(manager_id)
            manager_id = manager_of.get(manager_id)
        if manager_id is None or manager_id in seen:
            continue
        children[manager_id].append(pk)
        if direct_only:
            direct_only_people.add(pk)
    return children, direct_only_people


def _below(children: dict[int, list[int]], start) -> set[int]:
    """Everyone under the given people in the reporting lines (not the people themselves)."""
    found, stack = set(), list(start)
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def report_ids(*, manager: Employee, direct_only: bool = False) -> set[int]:
    """Ids of everyone reporting to `manager`, directly or (by default) through others."""
    if not manager.is_active:
        return set()
    children, _ = _reporting_lines()
    if direct_only:
        return set(children.get(manager.pk, ()))
    return _below(children, [manager.pk])


def reviewable_report_ids(*, manager: Employee) -> set[int]:
    """Whose evidence `manager` may review and whom they may rate or attest.

    Direct reports always; indirect reports too unless the report's framework
    says only the direct manager reviews. Never the manager themselves.
    """
    if not manager.is_active:
        return set()  # a leaver reviews, rates and approves nothing
    children, direct_only_people = _reporting_lines()
    direct = set(children.get(manager.pk, ())) - {manager.pk}
    indirect = _below(children, direct) - direct - {manager.pk}
    return direct | (indirect - direct_only_people)


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
        .filter(user=user, is_active=True)  # a leaver has no career pages
        .first()
    )


def is_manager_of(*, manager: Employee, employee: Employee) -> bool:
    return employee.pk in report_ids(manager=manager)


# --- who may see or act on whom: every page, the admin, the commands and the API ask here --


def employee_reviewable_by(*, reviewer: Employee | None, employee: Employee) -> bool:
    """May `reviewer` review this person's evidence, rate them, confirm their expectations and
    nominate them? An active manager above them (only the direct one where their framework
    says so); never the person themselves; never for someone who has left."""
    if reviewer is None or not employee.is_active:
        return False
    return employee.pk in reviewable_report_ids(manager=reviewer)


def employee_visible_to(*, user, employee: Employee) -> bool:
    """May `user` see this person's career record? The person themselves, any active manager
    above them in the reporting lines, and HR. A leaver sees nothing (their login is off)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if employee.user_id == user.pk or user_is_hr(user):
        return True
    viewer = employee_for_user(user)
    return viewer is not None and employee.pk in report_ids(manager=viewer)


def team_member_get(*, user, pk: int, acting: bool = False) -> Employee | None:
    """A report of `user`'s, for the team pages: anyone below them, or with `acting` only
    those they may review and nominate. None for everyone else (pages answer 404)."""
    manager = employee_for_user(user)
    if manager is None:
        return None
    allowed = reviewable_report_ids(manager=manager) if acting else report_ids(manager=manager)
    if pk not in allowed:
        return None
    return (
        Employee.objects.select_related("user", "framework", "level__track", "manager__user")
        .filter(pk=pk)
        .first()
    )


def acting_manager_users(*, employee_ids) -> dict[int, int]:
    """For each person, the user id of the next *active* manager above them: who reviews
    and approves for them, and so who is told (a leaver's reports go to the manager above
    the leaver). One query for the people, one per level of leavers climbed."""
    managers = {
        pk: manager_id
        for pk, manager_id in Employee.objects.filter(pk__in=employee_ids)
        .order_by()
        .values_list("pk", "manager_id")
        if manager_id is not None
    }
    info: dict[int, tuple[int | None, bool, int]] = {}
    pending = set(managers.values())
    while pending:
        rows = Employee.objects.filter(pk__in=pending).order_by()
        for pk, manager_id, is_active, user_id in rows.values_list(
            "pk", "manager_id", "is_active", "user_id"
        ):
            info[pk] = (manager_id, is_active, user_id)
        pending = {
            info[pk][0]
            for pk in pending
            if pk in info and not info[pk][1] and info[pk][0] is not None
        } - info.keys()
    result = {}
    for pk, manager_id in managers.items():
        climbed = set()
        while manager_id in info and not info[manager_id][1] and manager_id not in climbed:
            climbed.add(manager_id)
            manager_id = info[manager_id][0]
        if manager_id in info and info[manager_id][1]:
            result[pk] = info[manager_id][2]
    return result
