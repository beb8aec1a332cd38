from django.shortcuts import render
from django.utils import timezone

from frameworks.selectors import published_frameworks_list

from .selectors import employee_for_user
from .tenure import full_months_between


def home(request):
    employee = employee_for_user(request.user)
    today = timezone.localdate()
    context = {"employee": employee, "frameworks": published_frameworks_list()}
    if employee is not None:
        context.update(
            tenure_months=full_months_between(employee.hire_date, today),
            months_in_level=full_months_between(employee.level_since, today),
        )
    return render(request, "people/home.html", context)
