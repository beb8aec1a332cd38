"""The career pages: my career, my team, a person, promotions, notifications, HR reports.

Views check input, call a selector or one service and render; who may see or
do what is decided by selectors and services, and refusals are 403/404.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from assessments.selectors import evidence_for_employee, latest_ratings
from careerpath.input import csv_writer
from careerpath.paging import page_of
from frameworks.models import Competency
from people.models import Employee
from people.roles import user_is_hr_for_request
from people.selectors import employee_for_request, employee_reviewable_by, team_member_get

from . import presenters, reports, services
from .context_processors import sweep_state_for_request
from .forms import ChannelChoicesForm, DecisionForm, NominationForm, ReportFilterForm
from .models import Notification
from .rules import WFH_DAYS_PER_MONTH
from .selectors import (
    career_status,
    milestone_months,
    next_milestone,
    promotion_case_list,
    team_readiness_list,
)


def _me(request) -> Employee | None:
    return employee_for_request(request)


def _career_context(employee: Employee, as_of) -> dict:
    status = career_status(employee=employee, as_of=as_of)
    competencies = list(Competency.objects.filter(framework_id=employee.framework_id))
    proficiency_count = employee.framework.proficiency_levels.count() if competencies else 0
    return {
        "employee": employee,
        "status": status,
        "next_levels": presenters.next_levels(status),
        "locked_entitlements": [e for e in status.entitlements if not e.unlocked],
        "other_perks": [p for kind, p in status.perks.items() if kind != WFH_DAYS_PER_MONTH],
        # A framework without work-from-home days (Whatfix) does not say "0 days a month".
        "shows_wfh": presenters.has_perk_kind(status, WFH_DAYS_PER_MONTH),
        "next_perks": [
            (r.level, e) for r in status.next_levels for e in r.level.entitlements.all()
        ],
        "milestone": next_milestone(
            hire_date=employee.hire_date,
            as_of=as_of,
            months=milestone_months(framework_id=employee.framework_id),
        ),
        "evidence": evidence_for_employee(employee=employee)[:10],
        "ratings": presenters.ratings_chart(
            competencies, latest_ratings(employee=employee), proficiency_count
        ),
        "history": employee.level_history.select_related("from_level", "to_level", "changed_by"),
    }


def home(request):
    """My career: where I am, what is missing, when I can be ready."""
    employee = _me(request)
    if employee is None:
        return render(request, "promotions/no_profile.html")
    context = _career_context(employee, timezone.localdate())
    context["notifications"] = Notification.objects.filter(recipient=request.user)[:8]
    return render(request, "promotions/my_career.html", context)


def team(request):
    manager = _me(request)
    if manager is None:
        raise PermissionDenied("You are not on a career framework.")
    search = request.GET.get("q", "").strip()[:100]
    rows = team_readiness_list(manager=manager, as_of=timezone.localdate(), search=search)
    choices = {
        "level": request.GET.get("level", ""),
        "eligible": request.GET.get("eligible") == "1",
        "direct": request.GET.get("direct") == "1",
        "sort": request.GET.get("sort", "readiness"),
    }
    paged = page_of(presenters.team_rows(rows, **choices), request)
    return render(
        request,
        "promotions/team.html",
        {
            **choices,
            "q": search,
            "rows": paged["page_obj"].object_list,
            **paged,
            "levels": sorted({row.status.level.code for row in rows}),
        },
    )


def person(request, pk):
    """A report's career view with the manager's actions."""
    employee = team_member_get(user=request.user, pk=pk)
    if employee is None:
        raise Http404("No such person in your team.")
    context = _career_context(employee, timezone.localdate())
    context["can_act"] = employee_reviewable_by(reviewer=_me(request), employee=employee)
    context["nomination_form"] = NominationForm(
        levels=[r.level for r in context["status"].next_levels]
    )
    context["open_cases"] = employee.promotion_cases.filter(status="open").select_related(
        "to_level"
    )
    return render(request, "promotions/person.html", context)


@require_POST
def nominate(request, pk):
    employee = team_member_get(user=request.user, pk=pk, acting=True)
    if employee is None:
        raise Http404("No such person in your team.")
    status = career_status(employee=employee, as_of=timezone.localdate())
    form = NominationForm(request.POST, levels=[r.level for r in status.next_levels])
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("promotions:person", pk=pk)
    try:
        case = services.promotion_nominate(
            employee=employee,
            to_level=form.cleaned_data["to_level"],
            actor=request.user,
            justification=form.cleaned_data["justification"],
            as_of=timezone.localdate(),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("promotions:person", pk=pk)
    messages.success(request, f"{employee.name} is nominated for {case.to_level.code}.")
    return redirect("promotions:case", pk=case.pk)


def cases(request):
    visible = promotion_case_list(user=request.user).prefetch_related("approvals__step")
    return render(
        request,
        "promotions/cases.html",
        {
            "open_cases": [c for c in visible if c.status == "open"],
            "closed_cases": [c for c in visible if c.status != "open"][:50],
        },
    )


def case(request, pk):
    promotion = get_object_or_404(promotion_case_list(user=request.user), pk=pk)
    steps = services.approval_steps(promotion.framework.slug)
    decided = {a.step_id: a for a in promotion.approvals.select_related("approver")}
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.promotion_decide(
                case=promotion,
                actor=request.user,
                approve=form.cleaned_data["decision"] == "approve",
                comment=form.cleaned_data["comment"],
                on=timezone.localdate(),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Decision recorded.")
            return redirect("promotions:case", pk=pk)
    return render(
        request,
        "promotions/case.html",
        {
            "case": promotion,
            "steps": [(step, decided.get(step.pk)) for step in steps],
            "form": form,
            "is_subject": promotion.employee.user_id == request.user.pk,
        },
    )


def notifications(request):
    return render(
        request,
        "promotions/notifications.html",
        {"notifications": Notification.objects.filter(recipient=request.user)[:100]},
    )


def notification_settings(request):
    """Which notifications reach the person by which channel (e-mail, Slack)."""
    status = 200
    if request.method == "POST":
        form = ChannelChoicesForm(request.POST)
        if form.is_valid():
            changed = services.channel_preferences_set(
                user=request.user, chosen=form.chosen(), actor=request.user
            )
            messages.success(request, f"Saved ({changed} changed).")
            return redirect("promotions:notification_settings")
        messages.error(request, "That choice is not one this page offers; nothing was saved.")
        status = 400
    return render(
        request,
        "promotions/notification_settings.html",
        {"rows": services.channel_choices(user=request.user)},
        status=status,
    )


@require_POST
def notifications_read(request):
    Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    return redirect("promotions:notifications")


def hr_reports(request):
    """HR's reports, filtered by the query string; `?export=KEY` answers one table as CSV with
    the same filters. Ten queries whatever the company's size or the filters."""
    if not user_is_hr_for_request(request):
        raise PermissionDenied("HR reports are for HR.")
    choices = reports.filter_choices()
    form = ReportFilterForm(request.GET, choices=choices)
    if not form.is_valid():
        return render(
            request,
            "promotions/reports.html",
            {"form": form, "sweep": sweep_state_for_request(request)},
            status=400,
        )
    data = reports.org_reports(
        as_of=timezone.localdate(),
        filters=form.filters(),
        framework_names=dict(choices["framework"]),
    )
    export = request.GET.get("export")
    if export:
        if export not in data["tables"]:
            raise Http404("No such report.")
        table = data["tables"][export]
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="careerpath-{export}.csv"'
        writer = csv_writer(response)  # a BOM first; formula cells neutralised
        writer.writerow(table["header"])
        writer.writerows(table["rows"])
        return response
    charts = [table["chart"] for table in data["tables"].values()]
    return render(
        request,
        "promotions/reports.html",
        {**data, "form": form, "charts": charts, "sweep": sweep_state_for_request(request)},
    )
