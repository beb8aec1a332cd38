"""Roles: employee, manager and HR.

Every person is an employee. A manager is anyone with reports (derived from
the reporting lines, never stored twice). HR are members of the "HR" group,
which carries the admin permissions to edit frameworks and people.
"""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

HR_GROUP = "HR"
MANAGERS_GROUP = "Managers"
EMPLOYEES_GROUP = "Employees"

HR_APPS = ("frameworks", "people", "assessments", "promotions", "django_celery_beat", "api")


def roles_ensure() -> Group:
    """Create the role groups and give HR its permissions; safe to run any number of times."""
    hr, _ = Group.objects.get_or_create(name=HR_GROUP)
    Group.objects.get_or_create(name=MANAGERS_GROUP)
    Group.objects.get_or_create(name=EMPLOYEES_GROUP)
    # HR may add, change and view everything in these apps; deletion stays with
    # superusers, because nothing in a framework or a career record is hard-deleted.
    permissions = Permission.objects.filter(
        Q(content_type__app_label__in=HR_APPS)
        | Q(content_type__app_label="auth", content_type__model="user")
    ).exclude(codename__startswith="delete_")
    hr.permissions.add(*permissions)
    return hr


def roles_ensure_on_migrate(sender, **kwargs):
    roles_ensure()


def user_is_hr_for_request(request) -> bool:
    """`user_is_hr` for the request's user, asked once per request (page and navigation)."""
    if not hasattr(request, "_cp_is_hr"):
        request._cp_is_hr = user_is_hr(request.user)
    return request._cp_is_hr


def user_is_hr(user) -> bool:
    """HR powers: members of the HR group and superusers, while their login is active."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.groups.filter(name=HR_GROUP).exists()
