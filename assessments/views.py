"""Evidence pages: submit and follow my evidence; review my reports'; rate and attest;
HR's imports in the browser.

Views check input, call one service and respond; permissions live in the services
and selectors, and a refusal is a 403 or 404, never a 500.
"""

import datetime
from html import escape
from typing import NamedTuple

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import timesince_filter
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from careerpath.input import CONTROL_RE, parse_id
from careerpath.paging import page_of
from frameworks.models import Competency, ProficiencyLevel
from people.models import Employee, person_name
from people.selectors import (
    employee_for_request,
    employee_for_user,
    employee_reviewable_by,
    team_member_get,
)

from . import import_runs, selectors, services
from .forms import (
    AttestationForm,
    BulkReviewForm,
    EvidenceForm,
    ImportUploadForm,
    RatingForm,
    ReviewForm,
)
from .import_kinds import KINDS
from .models import Evidence, EvidenceKind, ImportRun, review_period


def _me(request) -> Employee:
    employee = employee_for_request(request)
    if employee is None:
        raise PermissionDenied("You are not on a career framework; ask HR to add you.")
    return employee


def _visible_evidence(request, pk) -> Evidence:
    evidence = get_object_or_404(Evidence.objects.select_related("employee__user"), pk=pk)
    if not selectors.evidence_visible_to(user=request.user, evidence=evidence):
        raise Http404("No such evidence.")  # do not reveal that it exists
    return evidence


def _reviewable_report(request, employee_pk) -> Employee:
    _me(request)  # 403 for someone who is not on a framework
    employee = team_member_get(user=request.user, pk=employee_pk, acting=True)
    if employee is None:
        raise Http404("No such person in your team.")
    return employee


def evidence_list(request):
    employee = _me(request)
    status = request.GET.get("status", "")
    if status and status not in Evidence.Status.values:
        status = ""
    return render(
        request,
        "assessments/evidence_list.html",
        {
            "employee": employee,
            "items": selectors.evidence_for_employee(employee=employee, status=status or None),
            "status": status,
            "statuses": Evidence.Status.choices,
        },
    )


def evidence_create(request):
    employee = _me(request)
    initial = {k: request.GET[k] for k in ("kind", "category") if k in request.GET}
    form = EvidenceForm(
        request.POST or None, request.FILES or None, employee=employee, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        competencies = data.pop("competencies", [])
        try:
            evidence = services.evidence_submit(
                employee=employee, actor=request.user, competencies=competencies, **data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"“{evidence.title}” is waiting for your manager's review.")
            return redirect("assessments:evidence_list")
    counts_toward = selectors.requirements_counting(
        employee=employee, kind=form["kind"].value() or "",
        category=form["category"].value() or "", categories=form.categories,
    )  # fmt: skip
    return render(
        request,
        "assessments/evidence_form.html",
        {"form": form, "resubmit": False, "counts_toward": counts_toward},
    )


def evidence_detail(request, pk):
    evidence = _visible_evidence(request, pk)
    can_review = evidence.is_reviewable and employee_reviewable_by(
        reviewer=employee_for_user(request.user), employee=evidence.employee
    )
    return render(
        request,
        "assessments/evidence_detail.html",
        {
            "evidence": evidence,
            "reviews": evidence.reviews.select_related("reviewer"),
            "is_owner": evidence.employee.user_id == request.user.pk,
            "can_review": can_review,
            "review_form": ReviewForm() if can_review else None,
        },
    )


def evidence_resubmit(request, pk):
    evidence = _visible_evidence(request, pk)
    if evidence.employee.user_id != request.user.pk:
        raise PermissionDenied("You can change only your own evidence.")
    if evidence.status != Evidence.Status.REJECTED:
        messages.error(request, "Only rejected evidence can be changed and resubmitted.")
        return redirect("assessments:evidence_detail", pk=pk)
    form = EvidenceForm(
        request.POST or None, request.FILES or None, instance=evidence, employee=evidence.employee
    )
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.changed_data}
        competencies = data.pop("competencies", None)
        try:
            services.evidence_resubmit(
                evidence=Evidence.objects.get(pk=pk),
                actor=request.user,
                competencies=competencies,
                **data,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Resubmitted: it is waiting for review again.")
            return redirect("assessments:evidence_detail", pk=pk)
    return render(
        request,
        "assessments/evidence_form.html",
        {"form": form, "resubmit": True, "evidence": evidence},
    )


@require_POST
def evidence_withdraw(request, pk):
    evidence = _visible_evidence(request, pk)
    try:
        services.evidence_withdraw(evidence=evidence, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"“{evidence.title}” was withdrawn.")
    return redirect("assessments:evidence_detail", pk=pk)


def evidence_attachment(request, pk):
    evidence = _visible_evidence(request, pk)
    if not evidence.attachment:
        raise Http404("This evidence has no attachment.")
    try:
        handle = evidence.attachment.open("rb")
    except FileNotFoundError:
        raise Http404("The attachment file is missing.") from None
    response = FileResponse(
        handle, as_attachment=True, filename=evidence.attachment.name.split("/")[-1]
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# "All matching" decides at most this many at once: the confirmation lists each item (and
# posts each id back, under Django's DATA_UPLOAD_MAX_NUMBER_FIELDS).
MAX_ALL_MATCHING = 500


def _queue(request, reviewer: Employee) -> dict:
    """The review queue as the query string asks (filters, search, page)."""
    params = request.GET
    search = params.get("q", "").strip()[:100]
    queue = selectors.review_queue(
        reviewer=reviewer,
        kind=params.get("kind", ""),
        category=params.get("category", ""),
        employee_id=parse_id(params.get("person", "")),
        search=search,
    )
    return {
        **queue,
        "q": search,
        "kind": params.get("kind", ""),
        "category": params.get("category", ""),
        "person": params.get("person", ""),
    }


def _options(counts, chosen: str) -> SafeString:
    """A filter's <option>s as HTML (each text escaped), from (value, label, n) rows: built
    here, as the template's loop would otherwise format and compare each of ~200 people."""
    return mark_safe(  # noqa: S308 - every value is escaped
        "".join(
            f'<option value="{escape(str(value))}"{" selected" if str(value) == chosen else ""}>'
            f"{escape(str(label))} ({n})</option>"
            for value, label, n in counts
        )
    )


# One row of the queue, as the template wrote it; _queue_rows escapes every value.
_ROW_HTML = (
    '\n    <tr data-testid="review-row">\n'
    '      <td class="select-cell"><input class="form-check-input" type="checkbox" '
    'name="evidence" value="{pk}" id="sel-{pk}"{checked} aria-label="Select {title} by {name}">'
    "</td>\n"
    '      <td data-label="Person">{name} <small class="text-muted">{level}</small></td>\n'
    '      <td data-label="Kind">{kind}{category}</td>\n'
    '      <td data-label="Title"><a href="{url}">{title}</a>{reference}</td>\n'
    '      <td data-label="Date">{date}</td>\n'
    '      <td data-label="Waiting">{waiting}</td>\n'
    "    </tr>\n  "
).format
_SMALL = ' <small class="text-muted">{}</small>'.format


class QueueRow(NamedTuple):
    """What a row of the queue shows, read as plain values (no model instances for the 50
    items, their people, users and levels)."""

    pk: int
    title: str
    first_name: str
    last_name: str
    email: str
    username: str
    level: str
    kind: str
    category: str
    reference: str
    occurred_on: datetime.date
    submitted_at: datetime.datetime

    @property
    def name(self) -> str:
        return person_name(self.first_name, self.last_name, self.email, self.username)


ROW_FIELDS = ("pk", "title", "employee__user__first_name", "employee__user__last_name",
              "employee__user__email", "employee__user__username", "employee__level__title",
              "kind", "category", "reference", "occurred_on", "submitted_at")  # fmt: skip


def _queue_rows(rows: list[QueueRow], selected: set[str]) -> SafeString:
    """The queue's rows as HTML: each cell shaped once with the filters the template used
    (the detail URL from one `reverse`, "6 Nov 2026", "3 days") and every value escaped
    (stdlib `html.escape`, which Django's `escape` wraps, without its lazy-string wrapper):
    the template's loop over 50 rows of a dozen lookups each was a fifth of the page."""
    detail = reverse("assessments:evidence_detail", args=[987654321]).replace("987654321", "{}")
    kinds = dict(EvidenceKind.choices)
    html = []
    for row in rows:
        html.append(
            _ROW_HTML(
                pk=row.pk,
                checked=" checked" if str(row.pk) in selected else "",
                title=escape(row.title),
                name=escape(row.name),
                level=escape(row.level),
                kind=escape(str(kinds.get(row.kind, row.kind))),
                category=_SMALL(escape(row.category)) if row.category else "",
                url=detail.format(row.pk),
                reference=_SMALL(escape(row.reference)) if row.reference else "",
                date=date_filter(row.occurred_on, "j M Y"),
                waiting=escape(timesince_filter(row.submitted_at)),
            )
        )
    return mark_safe("".join(html))  # noqa: S308 - every value is escaped


def _queue_page(request, reviewer, *, bulk_form=None, selected=(), status=200):
    """The review queue page; after a refused decision, the form with its errors and the
    items that were selected still selected."""
    queue = _queue(request, reviewer)
    paged = page_of(queue["items"], request, count=queue["matching"])
    rows = list(map(QueueRow._make, paged["page_obj"].object_list.values_list(*ROW_FIELDS)))
    selected = {str(pk) for pk in selected}
    return render(
        request,
        "assessments/review_queue.html",
        {
            **queue,
            **paged,
            "items": rows,
            "matching": paged["page_obj"].paginator.count,
            "max_all_matching": MAX_ALL_MATCHING,
            "bulk_form": bulk_form or ReviewForm(),
            "selected": selected,
            "rows": _queue_rows(rows, selected),
            "all_matching": request.POST.get("scope") == "all",
            "queue_url": reverse("assessments:review_queue"),
            "kind_options": _options(((v, v, n) for v, n in queue["by_kind"]), queue["kind"]),
            "category_options": _options(
                ((v, v, n) for v, n in queue["by_category"]), queue["category"]
            ),
            "person_options": _options(queue["by_person"], queue["person"]),
        },
        status=status,
    )


def review_queue(request):
    return _queue_page(request, _me(request))


@require_POST
def evidence_review(request, pk):
    _me(request)
    evidence = _visible_evidence(request, pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("assessments:evidence_detail", pk=pk)
    try:
        services.evidence_review(
            evidence=evidence,
            actor=request.user,
            decision=form.cleaned_data["decision"],
            comment=form.cleaned_data["comment"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("assessments:evidence_detail", pk=pk)
    messages.success(request, f"“{evidence.title}”: {form.cleaned_data['decision']}.")
    next_url = request.POST.get("next", "")
    if not next_url.startswith("/") or not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("assessments:review_queue")
    return HttpResponseRedirect(next_url)


@require_POST
def evidence_review_bulk(request):
    """Decide the selected items, or (scope=all) every item matching the queue's filters
    after a confirmation that lists each of them: the confirmation posts those ids back, so
    what is decided is exactly what the manager saw, never items that arrived since. The
    filters and page travel in the query string, so a refused form shows the same page with
    the selection kept."""
    reviewer = _me(request)
    selected = request.POST.getlist("evidence")
    if request.POST.get("scope") == "all":
        form = ReviewForm(request.POST)
        if not form.is_valid():
            return _queue_page(request, reviewer, bulk_form=form, selected=selected)
        queue = _queue(request, reviewer)
        matching = queue["items"].count()
        if matching > MAX_ALL_MATCHING:
            form.add_error(
                None,
                f"{matching} items match: narrow the filter to at most {MAX_ALL_MATCHING} "
                "to decide them at once.",
            )
            return _queue_page(request, reviewer, bulk_form=form, selected=selected)
        return render(
            request,
            "assessments/review_confirm.html",
            {
                "items": list(queue["items"]),
                "decision": form.cleaned_data["decision"],
                "comment": form.cleaned_data["comment"],
                "back_query": request.GET.urlencode(),
            },
        )
    waiting = selectors.evidence_waiting_for(reviewer=reviewer)
    form = BulkReviewForm(request.POST, queryset=waiting)
    if not form.is_valid():
        return _queue_page(request, reviewer, bulk_form=form, selected=selected)
    decided, problems = services.evidence_review_bulk(
        evidence_ids=[e.pk for e in form.cleaned_data["evidence"]],
        actor=request.user,
        decision=form.cleaned_data["decision"],
        comment=form.cleaned_data["comment"],
    )
    messages.success(
        request, f"{decided} item{'s' if decided != 1 else ''} {form.cleaned_data['decision']}."
    )
    for problem in problems:
        messages.error(request, problem)
    back = reverse("assessments:review_queue")
    return HttpResponseRedirect(f"{back}?{request.GET.urlencode()}" if request.GET else back)


def _rate(request, employee: Employee, rater_is_manager: bool):
    competencies = Competency.objects.filter(framework_id=employee.framework_id).prefetch_related(
        "indicators__proficiency"
    )
    proficiencies = ProficiencyLevel.objects.filter(framework_id=employee.framework_id)
    latest = selectors.latest_ratings(employee=employee)
    source = "manager" if rater_is_manager else "self"
    form = RatingForm(
        request.POST or None,
        competencies=competencies,
        proficiencies=proficiencies,
        initial={"period": review_period(timezone.localdate())},
        initial_ratings={cid: r[source].proficiency_id for cid, r in latest.items() if source in r},
    )
    if request.method == "POST" and form.is_valid():
        try:
            for competency, proficiency in form.ratings():
                services.rating_record(
                    employee=employee,
                    actor=request.user,
                    competency=competency,
                    proficiency=proficiency,
                    period=form.cleaned_data["period"],
                    comment=form.cleaned_data["comment"],
                    rated_on=timezone.localdate(),
                )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Ratings saved for {form.cleaned_data['period']}.")
            return redirect(request.path)
    rows = [
        {
            "field": form[f"competency_{c.pk}"],
            "competency": c,
            "latest": latest.get(c.pk, {}),
            "indicators": c.indicators.all(),
        }
        for c in form.competencies
    ]
    return render(
        request,
        "assessments/rating_form.html",
        {"form": form, "rows": rows, "employee": employee, "source": source},
    )


def rate_self(request):
    return _rate(request, _me(request), rater_is_manager=False)


def rate_report(request, employee_pk):
    employee = _reviewable_report(request, employee_pk)
    return _rate(request, employee, rater_is_manager=True)


def attest_report(request, employee_pk):
    employee = _reviewable_report(request, employee_pk)
    expectations = selectors.attestation_expectations(employee=employee)
    form = AttestationForm(request.POST or None, expectations=expectations)
    if request.method == "POST" and form.is_valid():
        item = expectations[form.cleaned_data["code"]]
        services.attestation_record(
            employee=employee,
            actor=request.user,
            code=item.code,
            level=item.level,
            statement=item.label,
            attested_on=timezone.localdate(),
            comment=form.cleaned_data["comment"],
        )
        messages.success(
            request, f"Confirmed for {employee.name}, for {item.level.code}: {item.label}."
        )
        return redirect(request.path)
    return render(
        request,
        "assessments/attestation_form.html",
        {
            "form": form,
            "employee": employee,
            "attestations": employee.attestations.select_related("attested_by", "level"),
        },
    )


# Imports in the browser (HR) ---------------------------------------------------------------

# Line tables are long (a line per row of the file): shown a page at a time.
IMPORT_LINES_PAGE = 200
# How often the page of a run a worker is busy with reloads itself (a <meta> refresh: no
# script, so nothing for the Content-Security-Policy to refuse).
IMPORT_REFRESH_SECONDS = 2


def import_list(request):
    runs = import_runs.import_run_list(actor=request.user)
    return render(request, "assessments/import_list.html", page_of(runs, request))


def import_new(request):
    if not import_runs.user_is_hr(request.user):
        raise PermissionDenied("Imports are for HR.")
    form = ImportUploadForm(
        request.POST or None, request.FILES or None,
        kinds=KINDS, max_bytes=import_runs.MAX_UPLOAD_BYTES,
    )  # fmt: skip
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                run = import_runs.import_run_create(
                    actor=request.user,
                    kind=form.cleaned_data["kind"],
                    file_name=CONTROL_RE.sub("", upload.name or ""),
                    data=upload.read(),
                    options=form.options(),
                )
            except ValidationError as exc:
                form.add_error("file" if exc.code == "unreadable_file" else None, exc)
            else:
                return redirect("assessments:import_detail", pk=run.pk)
        status = 400  # the form again, with what to mend
    return render(
        request,
        "assessments/import_new.html",
        {"form": form, "kinds": KINDS.values(), "max_mb": import_runs.MAX_UPLOAD_BYTES // 2**20},
        status=status,
    )


def _import_run(request, pk) -> ImportRun:
    try:
        return import_runs.import_run_get(actor=request.user, pk=pk)
    except ImportRun.DoesNotExist:
        raise Http404("No such import.") from None


LINE_FILTERS = ("created", "updated", "unchanged", "skipped", "withdrawn")


def import_detail(request, pk):
    run = _import_run(request, pk)
    shown = run.result if run.result is not None else run.dry_run
    show = request.GET.get("show", "")
    context = {
        "run": run,
        "kind": KINDS.get(run.kind),
        "shown": shown,
        "show": show if show in LINE_FILTERS else "",
        "line_filters": LINE_FILTERS,
        "refresh_seconds": IMPORT_REFRESH_SECONDS if run.is_running else None,
        "elapsed_seconds": int((timezone.now() - run.state_changed_at).total_seconds()),
    }
    if shown and "lines" in shown:
        lines = shown["lines"]
        if context["show"]:
            lines = [line for line in lines if line[1] == context["show"]]
        context.update(page_of(lines, request, size=IMPORT_LINES_PAGE))
    elif shown and "problems" in shown:
        context.update(page_of(shown["problems"], request, size=IMPORT_LINES_PAGE))
    if run.result and run.dry_run and "counts" in run.result and "counts" in run.dry_run:
        context["differs"] = run.result["counts"] != run.dry_run["counts"]
    return render(request, "assessments/import_detail.html", context)


@require_POST
def import_apply(request, pk):
    run = _import_run(request, pk)
    if import_runs.import_run_apply(run=run, actor=request.user):
        run.refresh_from_db()
        if run.state == ImportRun.State.APPLIED:
            messages.success(request, f"Applied: {run.result['summary']}")
        elif run.state == ImportRun.State.APPLYING:
            messages.info(request, "Applying in the background: this page shows when it is done.")
        elif run.state == ImportRun.State.APPLY_REFUSED:
            messages.error(
                request,
                "Nothing was imported: the data changed since the dry run and the file is "
                "now refused. Every problem is listed below.",
            )
    elif run.state in (ImportRun.State.APPLIED, ImportRun.State.APPLYING):
        messages.info(request, "This file was already applied: nothing more was changed.")
    else:
        messages.error(request, f"This import cannot be applied: {run.get_state_display()}.")
    return redirect("assessments:import_detail", pk=run.pk)
