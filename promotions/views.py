"""The career pages: my career, my team, a person, promotions, notifications, HR reports.

Views check input, call a selector or one service and render; who may see or
do what is decided by selectors and services, and refusals are 403/404.
"""

import dataclasses

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from assessments.selectors import evidence_recent_and_waiting, latest_ratings
from careerpath.input import csv_writer
from careerpath.paging import page_of
from frameworks.models import Competency
from people.models import Employee
from people.roles import user_is_hr_for_request
from people.selectors import (
    employee_for_request,
    employee_reviewable_by,
    report_ids,
    team_member_get,
)

from . import presenters, reports, services, summary
from .context_processors import sweep_state_for_request, unread_notifications_for_request
from .forms import ChannelChoicesForm, DecisionForm, NominationForm, ReportFilterForm
from .models import Notification
from .rules import WFH_DAYS_PER_MONTH
from .selectors import (
    TeamChoices,
    career_status,
    career_status_of,
    milestone_months,
    next_milestone,
    promotion_case_list,
    team_levels,
    team_members,
    team_rows_judged,
)


def _me(request) -> Employee | None:
    return employee_for_request(request)


def _career_context(employee: Employee, as_of, *, own: bool) -> dict:
    """Everything the career view shows; `own`: the person reads it (not their manager)."""
    status = career_status_of(employee=employee, as_of=as_of)
    competencies = list(Competency.objects.filter(framework_id=employee.framework_id))
    proficiencies = list(employee.framework.proficiency_levels.all()) if competencies else []
    recent, waiting = evidence_recent_and_waiting(employee=employee)
    return {
        "employee": employee,
        "status": status,
        "summary": summary.career_summary(
            status,
            pending=presenters.pending_items(waiting, own=own),
            own=own,
            proficiency_names={p.rank: p.name for p in proficiencies},
            submit_url=presenters.submit_url if own else None,
        ),
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
        "evidence": recent,
        "ratings": presenters.ratings_chart(
            competencies, latest_ratings(employee=employee), len(proficiencies)
        ),
        "history": employee.level_history.select_related("from_level", "to_level", "changed_by"),
    }


def home(request):
    """My career: where I am, what is missing, when I can be ready."""
    employee = _me(request)
    if employee is None:
        return render(request, "promotions/no_profile.html")
    context = _career_context(employee, timezone.localdate(), own=True)
    context["notifications"] = Notification.objects.filter(recipient=request.user)[:5]
    context["unread"] = unread_notifications_for_request(request)
    return render(request, "promotions/my_career.html", context)


TEAM_CSV_HEADER = [
    "name", "email", "level", "manager", "direct report", "tenure months", "readiness",
    "requirements met", "requirements", "for level", "earliest date", "waiting evidence",
]  # fmt: skip


def _team_csv(rows: list) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="careerpath-team.csv"'
    writer = csv_writer(response)  # a BOM first; formula cells neutralised
    writer.writerow(TEAM_CSV_HEADER)
    for row in rows:
        person, best = row.status.employee, row.best
        readiness = "top of track" if best is None else "eligible" if best.eligible else "not yet"
        writer.writerow(
            [
                person.name,
                person.user.email,
                presenters.level_name(row.status.level),
                person.manager.name if person.manager else "",
                "yes" if row.is_direct else "no",
                row.status.tenure_months,
                readiness,
                best.met_count if best else "",
                len(best.results) if best else "",
                presenters.level_name(best.level) if best else "",
                best.earliest_date.isoformat() if best and best.earliest_date else "",
                row.waiting,
            ]  # fmt: skip
        )
    return response


def team(request):
    """My team: filtered, sorted and paged by the database from the last check's stored
    verdicts; only the rows shown (or exported) are judged now, so they never show a stale
    readiness. The CSV is the whole current view (every page), judged now."""
    manager = _me(request)
    if manager is None:
        raise PermissionDenied("You are not on a career framework.")
    team_ids = report_ids(manager=manager)
    levels = team_levels(team_ids=team_ids)
    level_labels = {
        row["level__code"]: presenters.level_label(row["level__code"], row["level__title"])
        for row in levels
    }
    choices = TeamChoices.from_query(request.GET)
    if choices.level and choices.level not in level_labels:
        choices = dataclasses.replace(choices, level="")  # a level nobody holds: all levels
    members = team_members(manager=manager, choices=choices, team_ids=team_ids)
    today = timezone.localdate()
    if request.GET.get("export") == "csv":
        return _team_csv(team_rows_judged(people=list(members), manager=manager, as_of=today))
    paged = page_of(members, request)
    page_obj = paged["page_obj"]
    rows = team_rows_judged(people=list(page_obj.object_list), manager=manager, as_of=today)
    table = presenters.team_table(rows)
    return render(
        request,
        "promotions/team.html",
        {
            "choices": choices,
            "q": choices.q,
            "rows": rows,
            "table": table,
            "body": presenters.team_body(table),
            **paged,
            "headers": presenters.team_headers(choices, page_obj.number),
            "levels": [
                (row["level__code"], level_labels[row["level__code"]], row["n"]) for row in levels
            ],
            "team_size": len(team_ids),
            "empty_message": presenters.team_empty_message(
                choices, len(team_ids), level_labels.get(choices.level, "")
            ),
            "csv_query": presenters.team_query(choices, export="csv"),
        },
    )


def person(request, pk):
    """A report's career view with the manager's actions."""
    employee = team_member_get(user=request.user, pk=pk)
    if employee is None:
        raise Http404("No such person in your team.")
    context = _career_context(employee, timezone.localdate(), own=False)
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
    messages.success(
        request, f"{employee.name} is nominated for {presenters.level_name(case.to_level)}."
    )
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
        {
            "notifications": Notification.objects.filter(recipient=request.user)[:100],
            "unread": unread_notifications_for_request(request),
        },
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
    for table in data["tables"].values():
        table["body"] = presenters.report_body(table)
    return render(
        request,
        "promotions/reports.html",
        {**data, "form": form, "charts": charts, "sweep": sweep_state_for_request(request)},
    )
