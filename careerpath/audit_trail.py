"""The audit trail: every recorded change of the audited models, newest first, for HR.

The rows are django-simple-history's, one table per audited model, and the
insert-only records that are their own audit (a nomination, a decision on a
promotion step: each names who and when). A page is
read with a bounded number of queries whatever its size: the count and the
page's (date, id, model) from one UNION ALL of the tables, then per model on
the page its rows with their earlier versions and the names their changed
foreign keys point to. It lives in the project package because it reads every
app's history (apps import only to their right; nothing imports this but urls).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import models
from django.db.models import F, OuterRef, Subquery, Value
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse

from assessments.models import (
    Attestation,
    CompetencyRating,
    Evidence,
    HelpdeskAgent,
    HelpdeskTagCategory,
    ImportProfile,
    ImportProfileTitle,
    ImportRun,
    MonthlyMetric,
)
from frameworks import kinds
from frameworks.models import Entitlement, Framework, Level, Requirement
from people.models import Employee, person_name
from people.roles import user_is_hr
from promotions.models import (
    ApprovalStep,
    CaseApproval,
    ChannelPreference,
    PromotionCase,
    SlackWebhook,
)

PAGE_SIZE = 50
CHANGE_TYPES = {"+": "created", "~": "changed", "-": "deleted"}
VALUE_MAX_LENGTH = 120


def _person(employee) -> str:
    return _user_name(employee.user) if employee is not None else "?"


def _user_name(user) -> str:
    if user is None:
        return ""
    return person_name(user.first_name, user.last_name, user.email, user.username)


def _version(framework) -> str:
    return f"{framework.slug} v{framework.version}" if framework is not None else "?"


def _level(level) -> str:
    return f"{level.code} ({_version(level.framework)})" if level is not None else "?"


def _requirement(row) -> str:
    owner = row.level or (row.entitlement.level if row.entitlement else None)
    text = row.get_kind_display()
    if row.label:
        try:
            text = kinds.fill_label(row.label, kinds.label_values(row))
        except AttributeError:  # the competency or proficiency it names is gone
            text = row.label
    return f"{text} · {_level(owner)}"


@dataclass(frozen=True)
class Audited:
    """One audited model: the joins its history needs and its rows' names, read from the
    historical row itself (the object may be gone) without a query of its own.

    An insert-only record (a decision on a promotion step) is its own audit row: `made`
    names its date and author fields, `details` what it says, `link` the object whose
    admin page shows it."""

    model: type[models.Model]
    related: tuple[str, ...]
    label: object  # historical row (or record) -> str
    excluded: tuple[str, ...] = ()  # fields left out of the diff (many-to-many: not per row)
    made: tuple[str, str] | None = None  # (date field, user field) of an insert-only record
    details: object = None  # record -> [(field, value)]
    link: object = None  # record -> (model, pk) of the admin page that shows it

    @property
    def key(self) -> str:
        return self.model._meta.label_lower

    def rows(self):
        """The history rows (or records) as (history_date, history_id, user id) columns."""
        if self.made is None:
            return self.model.history.all()
        date_field, user_field = self.made
        return self.model._default_manager.annotate(
            history_date=F(date_field), history_id=F("pk"), history_user_id=F(f"{user_field}_id")
        )


def _case(case) -> str:
    return f"{_person(case.employee)}: {case.from_level.code} → {case.to_level.code}"


AUDITED = [
    Audited(Employee, ("user",), lambda r: _user_name(r.user)),
    Audited(
        Evidence,
        ("employee__user",),
        lambda r: f"{r.title} · {_person(r.employee)}",
        excluded=("competencies",),
    ),
    Audited(
        CompetencyRating,
        ("employee__user", "competency", "proficiency"),
        lambda r: f"{_person(r.employee)}: {r.competency} {r.period} ({r.source})",
    ),
    Audited(
        Attestation,
        ("employee__user", "level__framework"),
        lambda r: f"{_person(r.employee)}: {r.statement} · {_level(r.level)}",
    ),
    Audited(
        MonthlyMetric,
        ("employee__user",),
        lambda r: f"{_person(r.employee)}: {r.metric} {r.period:%Y-%m}",
    ),
    Audited(HelpdeskTagCategory, (), lambda r: r.tag),
    Audited(HelpdeskAgent, (), lambda r: f"helpdesk agent {r.name}"),
    Audited(ImportRun, (), lambda r: f"import #{r.id} {r.file_name} ({r.kind})"),
    Audited(ImportProfile, (), lambda r: f"people import profile {r.name}"),
    Audited(
        ImportProfileTitle,
        ("profile", "level"),
        lambda r: (
            f"job title {r.title} → {r.level.code if r.level else '?'} "
            f"({r.profile.name if r.profile else '?'})"
        ),
    ),
    Audited(ApprovalStep, (), lambda r: f"{r.framework_slug} step {r.order}: {r.name}"),
    Audited(SlackWebhook, (), lambda r: f"Slack webhook for {r.team or r.framework_slug}"),
    Audited(
        ChannelPreference,
        ("user",),
        lambda r: f"{_user_name(r.user)}: {r.kind} by {r.channel}",
    ),
    Audited(Framework, (), lambda r: f"{r.name} v{r.version}"),
    Audited(Level, ("framework",), lambda r: f"{r.code} · {r.title} ({_version(r.framework)})"),
    Audited(
        Requirement,
        ("level__framework", "entitlement__level__framework", "competency", "proficiency"),
        _requirement,
    ),
    Audited(
        Entitlement,
        ("level__framework",),
        lambda r: f"{r.label or r.kind} · {_level(r.level)}",
    ),
    Audited(
        PromotionCase,
        ("employee__user", "from_level", "to_level"),
        _case,
        made=("created_at", "nominated_by"),
        details=lambda r: [("justification", r.justification)],
        link=lambda r: (PromotionCase, r.pk),
    ),
    Audited(
        CaseApproval,
        ("case__employee__user", "case__from_level", "case__to_level", "step"),
        lambda r: f"{_case(r.case)} · step {r.step.order}: {r.step.name}",
        made=("created_at", "approver"),
        details=lambda r: [
            ("decision", "approved" if r.approved else "rejected"),
            ("comment", r.comment),
        ],
        link=lambda r: (PromotionCase, r.case_id),
    ),
]
BY_KEY = {entry.key: entry for entry in AUDITED}

# How a foreign key's value is named, per target model; read in bulk per page.
FK_RELATED = {Employee: ("user",), Level: ("framework",)}
FK_LABELS = {
    Employee: _person,
    Level: _level,
    Requirement: lambda r: r.label or r.get_kind_display(),
    get_user_model(): _user_name,
}


class AuditFilterForm(forms.Form):
    model = forms.ChoiceField(required=False, label="Record")
    user = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="By")
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, users=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = [("", "All records")] + [
            (entry.key, entry.model._meta.verbose_name.capitalize()) for entry in AUDITED
        ]
        self.fields["user"].choices = [("", "Anyone")] + [
            (user.pk, _user_name(user)) for user in users
        ]

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            raise forms.ValidationError("“Since” is after “until”.")
        return cleaned


@dataclass
class Change:
    field: str
    old: str
    new: str


@dataclass
class AuditEntry:
    when: datetime.datetime
    who: str
    reason: str
    record: str  # the model's name
    label: str
    url: str
    change: str  # created, changed or deleted
    changes: list[Change] = field(default_factory=list)
    no_earlier_record: bool = False


def _histories(entries, *, user_id=None, since=None, until=None):
    """One UNION ALL of the chosen history tables: (date, history id, index in AUDITED)."""
    parts = []
    for entry in entries:
        rows = entry.rows()
        if user_id is not None:
            rows = rows.filter(history_user_id=user_id)
        if since is not None:
            rows = rows.filter(history_date__date__gte=since)
        if until is not None:
            rows = rows.filter(history_date__date__lte=until)
        index = Value(AUDITED.index(entry), output_field=models.IntegerField())
        parts.append(
            rows.annotate(audited_index=index).values_list(
                "history_date", "history_id", "audited_index"
            )
        )
    first, *rest = [part.order_by() for part in parts]
    return first.union(*rest, all=True).order_by("-history_date", "-history_id")


def audit_authors() -> list:
    """Everyone who has made a recorded change (two queries), by name."""
    first, *rest = [
        e.rows().filter(history_user_id__isnull=False).values_list("history_user_id").order_by()
        for e in AUDITED
    ]
    ids = first.union(*rest)
    users = get_user_model().objects.filter(pk__in=[pk for (pk,) in ids])
    return sorted(users, key=lambda u: _user_name(u).lower())


def _display(model_field, value, names) -> str:
    if value is None or value == "":
        return "—"
    if model_field.is_relation:
        return names.get((model_field.related_model, value), f"#{value}")
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    return _short(str(value))


def _short(text: str) -> str:
    return text if len(text) <= VALUE_MAX_LENGTH else text[: VALUE_MAX_LENGTH - 1] + "…"


def _admin_url(model, pk, alive) -> str:
    if pk not in alive or not admin.site.is_registered(model):
        return ""
    opts = model._meta
    try:
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[pk])
    except NoReverseMatch:
        return ""


def _record_entry(audited: Audited, record) -> AuditEntry:
    date_field, user_field = audited.made
    model, pk = audited.link(record)
    return AuditEntry(
        when=getattr(record, date_field),
        who=_user_name(getattr(record, user_field)),
        reason="",
        record=str(audited.model._meta.verbose_name),
        label=audited.label(record),
        url=_admin_url(model, pk, {pk}),
        change="created",
        changes=[
            Change(field=name, old="—", new=_short(str(value)))
            for name, value in audited.details(record)
            if value
        ],
    )


def audit_entries(page_rows) -> list[AuditEntry]:
    """The page's entries, in its order. Per model on the page: its history rows (with the
    user and the joins its name needs), their earlier versions, and which objects still
    exist, or its records; then one query per model that changed foreign keys point to."""
    wanted = defaultdict(list)
    for _when, history_id, source in page_rows:
        wanted[source].append(history_id)
    rows, previous, alive, records = {}, {}, {}, {}
    for source, ids in wanted.items():
        entry = AUDITED[source]
        if entry.made is not None:
            found = entry.model._default_manager.filter(pk__in=ids)
            for record in found.select_related(entry.made[1], *entry.related):
                records[(source, record.pk)] = record
            continue
        history = entry.model.history
        earlier = history.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id")).order_by(
            "-history_id"
        )
        found = history.filter(history_id__in=ids).select_related(
            "history_user", *entry.related
        ).annotate(previous_id=Subquery(earlier.values("history_id")[:1]))  # fmt: skip
        for row in found:
            rows[(source, row.history_id)] = row
        before_ids = [r.previous_id for r in found if r.history_type == "~" and r.previous_id]
        if before_ids:
            for row in history.filter(history_id__in=before_ids):
                previous[(source, row.history_id)] = row
        object_ids = {r.id for r in found}
        alive[source] = set(
            entry.model._default_manager.filter(pk__in=object_ids).values_list("pk", flat=True)
        )

    deltas, wanted_names = {}, defaultdict(set)
    for (source, history_id), row in rows.items():
        before = previous.get((source, row.previous_id)) if row.history_type == "~" else None
        if before is None:
            continue
        delta = row.diff_against(before, excluded_fields=AUDITED[source].excluded)
        deltas[(source, history_id)] = delta
        for change in delta.changes:
            model_field = row._meta.get_field(change.field)
            if model_field.is_relation:
                for value in (change.old, change.new):
                    if value is not None:
                        wanted_names[model_field.related_model].add(value)
    names = {}
    for model, pks in wanted_names.items():
        objects = model._default_manager.select_related(*FK_RELATED.get(model, ()))
        label = FK_LABELS.get(model, str)
        for obj in objects.filter(pk__in=pks):
            names[(model, obj.pk)] = label(obj)

    entries = []
    for _when, history_id, source in page_rows:
        audited = AUDITED[source]
        if (source, history_id) in records:
            entries.append(_record_entry(audited, records[(source, history_id)]))
            continue
        row = rows.get((source, history_id))
        if row is None:  # removed between the two reads (anonymisation rewrites, not removes)
            continue
        delta = deltas.get((source, history_id))
        changes = [
            Change(
                field=str(row._meta.get_field(c.field).verbose_name),
                old=_display(row._meta.get_field(c.field), c.old, names),
                new=_display(row._meta.get_field(c.field), c.new, names),
            )
            for c in (delta.changes if delta else [])
        ]
        entries.append(
            AuditEntry(
                when=row.history_date,
                who=_user_name(row.history_user),
                reason=row.history_change_reason or "",
                record=str(audited.model._meta.verbose_name),
                label=audited.label(row),
                url=_admin_url(audited.model, row.id, alive[source]),
                change=CHANGE_TYPES.get(row.history_type, row.history_type),
                changes=changes,
                no_earlier_record=row.history_type == "~" and delta is None,
            )
        )
    return entries


def audit_trail_view(request):
    """HR's audit trail (admin): filters by record, author and dates; 50 changes a page."""
    if not user_is_hr(request.user):
        raise PermissionDenied("The audit trail is for HR.")
    form = AuditFilterForm(request.GET or None, users=audit_authors())
    status, page, entries = 200, None, []
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        filters = form.cleaned_data if form.is_bound else {}
        chosen = [BY_KEY[filters["model"]]] if filters.get("model") else AUDITED
        histories = _histories(
            chosen,
            user_id=filters.get("user"),
            since=filters.get("since"),
            until=filters.get("until"),
        )
        page = Paginator(histories, PAGE_SIZE).get_page(request.GET.get("page"))
        entries = audit_entries(list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    return TemplateResponse(
        request,
        "admin/audit_trail.html",
        {
            **admin.site.each_context(request),
            "title": "Audit trail",
            "form": form,
            "page": page,
            "entries": entries,
            "query": query.urlencode(),
        },
        status=status,
    )
