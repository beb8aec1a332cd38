from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from simple_history.admin import SimpleHistoryAdmin

from frameworks.models import MetricDefinition

from .helpdesk import agent_key, tag_mapping_warnings
from .hris import FIELDS, title_key
from .models import (
    Attestation,
    CompetencyRating,
    Evidence,
    EvidenceReview,
    HelpdeskAgent,
    HelpdeskTagCategory,
    ImportProfile,
    ImportProfileTitle,
    Leaver,
    MonthlyMetric,
)
from .selectors import (
    evidence_category_check,
    evidence_category_choices_all,
    known_evidence_categories,
)
from .services import person_anonymise


class EvidenceReviewInline(admin.TabularInline):
    model = EvidenceReview
    extra = 0
    fields = ("created_at", "reviewer", "decision", "comment")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # reviews are made on the review pages, which check who may review


class EvidenceAdminForm(forms.ModelForm):
    category = forms.ChoiceField(
        required=False, help_text="Checked against the person's framework when saved."
    )

    class Meta:
        model = Evidence
        fields = "__all__"  # noqa: DJ007  (the admin's fieldsets decide what is shown)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = (self.instance.kind, self.instance.category) if self.instance.pk else None
        self.fields["category"].choices = evidence_category_choices_all(current=current)
        self.fields["category"].widget.attrs["data-filter-by"] = "kind"

    class Media:
        js = ("assessments/category_by_kind.js",)

    def clean(self):
        cleaned = super().clean()
        employee, kind = cleaned.get("employee"), cleaned.get("kind")
        if employee is not None and kind:
            try:
                evidence_category_check(
                    employee=employee, kind=kind, category=cleaned.get("category") or ""
                )
            except forms.ValidationError as exc:
                self.add_error(None, exc)
        return cleaned


class NotOwnRecordsMixin:
    """Nobody changes their own career records in the admin, HR included: they see them."""

    owner_field = "employee"

    def has_change_permission(self, request, obj=None):
        if obj is not None and getattr(obj, self.owner_field).user_id == request.user.pk:
            return False
        return super().has_change_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == self.owner_field and field is not None:
            field.queryset = field.queryset.exclude(user=request.user)
        return field


class CategoryCheckFilter(admin.SimpleListFilter):
    """Evidence whose category its owner's framework does not have: it counts toward nothing."""

    title = "category check"
    parameter_name = "category_check"

    def lookups(self, request, model_admin):
        return [("unknown", "Not a category of the framework")]

    def queryset(self, request, queryset):
        if self.value() != "unknown":
            return queryset
        return queryset.exclude(category="").exclude(known_evidence_categories())


@admin.register(Evidence)
class EvidenceAdmin(NotOwnRecordsMixin, SimpleHistoryAdmin):
    """HR corrects an item's kind, category or words; its status changes only by a review on
    the review pages (by a manager of the person, recorded as a review)."""

    form = EvidenceAdminForm
    list_display = ("title", "employee", "kind", "category", "occurred_on", "status", "outcome")
    list_filter = (
        CategoryCheckFilter, "status", "kind", "category", "outcome", "employee__team",
        "employee__framework",
    )  # fmt: skip
    list_select_related = ("employee__user",)
    search_fields = ("title", "reference", "employee__user__email", "employee__user__last_name")
    date_hierarchy = "occurred_on"
    autocomplete_fields = ("employee",)
    readonly_fields = (
        "status", "submitted_by", "submitted_at", "reviewed_by", "reviewed_at", "review_comment",
        "updated_at",
    )  # fmt: skip
    filter_horizontal = ("competencies",)
    inlines = [EvidenceReviewInline]

    def has_add_permission(self, request):
        # Evidence is submitted by the person (or imported); an item added here would have
        # no submitter and, with its status read-only, could never be reviewed.
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # evidence is withdrawn or rejected, never deleted


class ManagersRecordAdmin(SimpleHistoryAdmin):
    """Ratings and confirmations are given by the person and their managers on the career
    pages, which check who may; here they are shown with their history, never edited."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CompetencyRating)
class CompetencyRatingAdmin(ManagersRecordAdmin):
    list_display = ("employee", "competency", "proficiency", "source", "period", "rated_on")
    list_filter = ("source", "period", "competency__name", "employee__team")
    list_select_related = ("employee__user", "competency", "proficiency")
    search_fields = ("employee__user__email", "employee__user__last_name")
    autocomplete_fields = ("employee",)

    def has_delete_permission(self, request, obj=None):
        return False  # nothing is hard-deleted: the audit trail keeps every change


@admin.register(Attestation)
class AttestationAdmin(ManagersRecordAdmin):
    list_display = ("employee", "statement", "for_level", "attested_by", "attested_on")
    list_filter = ("code", "level__code", "employee__team")
    list_select_related = ("employee__user", "attested_by", "level__framework")
    search_fields = ("employee__user__email", "statement")
    autocomplete_fields = ("employee",)

    @admin.display(description="for level", ordering="level__code")
    def for_level(self, obj):
        return f"{obj.level.code} (v{obj.level.framework.version})"

    def has_delete_permission(self, request, obj=None):
        return False  # nothing is hard-deleted: the audit trail keeps every change


class MonthlyMetricForm(forms.ModelForm):
    """The metric is a slug (scripts and CSVs name it); here it is chosen from the definitions."""

    metric = forms.ChoiceField(choices=())

    class Meta:
        model = MonthlyMetric
        fields = ("employee", "metric", "period", "value")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["metric"].choices = MetricDefinition.objects.values_list("slug", "name")


@admin.register(MonthlyMetric)
class MonthlyMetricAdmin(NotOwnRecordsMixin, SimpleHistoryAdmin):
    form = MonthlyMetricForm
    list_display = ("employee", "metric", "period", "value")
    list_filter = ("metric", "period", "employee__team")
    list_select_related = ("employee__user",)
    search_fields = ("employee__user__email", "employee__user__last_name")
    autocomplete_fields = ("employee",)
    date_hierarchy = "period"

    def has_delete_permission(self, request, obj=None):
        return False  # nothing is hard-deleted: the audit trail keeps every change


@admin.register(HelpdeskTagCategory)
class HelpdeskTagCategoryAdmin(SimpleHistoryAdmin):
    """Tags match ignoring case, as the export writes them. A mapping that can never count
    (no requirement asks for its category, no export can write its tag, another mapping of
    the same tag wins) is flagged with a warning, never refused: HR may be preparing a
    framework that will count it."""

    list_display = ("tag", "category")
    search_fields = ("tag", "category")

    def changelist_view(self, request, extra_context=None):
        if request.method == "GET" and (warnings := tag_mapping_warnings()):
            tags = dict(
                HelpdeskTagCategory.objects.filter(pk__in=warnings).values_list("pk", "tag")
            )
            shown = list(warnings.items())[:5]  # messages travel in a cookie: keep it small
            for pk, notes in shown:
                self.message_user(request, f"“{tags[pk]}”: {'; '.join(notes)}.", messages.WARNING)
            if len(warnings) > len(shown):
                self.message_user(
                    request,
                    f"{len(warnings) - len(shown)} more mapping(s) may never count.",
                    messages.WARNING,
                )
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if notes := tag_mapping_warnings().get(obj.pk):
            self.message_user(request, f"“{obj.tag}” may never count: {'; '.join(notes)}.",
                              messages.WARNING)  # fmt: skip

    def has_delete_permission(self, request, obj=None):
        return False  # nothing is hard-deleted: the audit trail keeps every change


class HelpdeskAgentForm(forms.ModelForm):
    class Meta:
        model = HelpdeskAgent
        fields = ("name", "employee")

    def clean(self):
        cleaned = super().clean()
        if name := cleaned.get("name"):
            key = agent_key(name)
            if HelpdeskAgent.objects.filter(key=key).exclude(pk=self.instance.pk).exists():
                self.add_error("name", "Another row already maps this agent.")
            self.instance.key = key
        return cleaned


@admin.register(HelpdeskAgent)
class HelpdeskAgentAdmin(SimpleHistoryAdmin):
    """Who each helpdesk agent is. The ticket importer adds the agents it meets, matched to
    the one employee with their full name or to nobody; HR reviews and sets them here. A
    row HR saved is never matched again by the importer. No employee: the agent's tickets
    are skipped as an unknown agent."""

    form = HelpdeskAgentForm
    list_display = ("name", "employee", "source")
    list_filter = ("source", ("employee", admin.EmptyFieldListFilter))
    list_select_related = ("employee__user",)
    search_fields = ("name", "employee__user__email", "employee__user__last_name")
    autocomplete_fields = ("employee",)
    readonly_fields = ("source",)

    def save_model(self, request, obj, form, change):
        obj.source = HelpdeskAgent.Source.HR
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        return False  # nothing is hard-deleted: the audit trail keeps every change


@admin.register(Leaver)
class LeaverAdmin(admin.ModelAdmin):
    """People who have left. Their records stay; on a person's request HR erases their
    personal data here (name, e-mail, login, the words and files of their evidence)."""

    list_display = ("name", "left_on", "framework", "level")
    list_select_related = ("user", "framework", "level")
    search_fields = ("user__first_name", "user__last_name", "user__email")
    actions = ["anonymise"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(is_active=False)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(
        description="Anonymise their personal data (on their request; cannot be undone)",
        permissions=["view"],
    )
    def anonymise(self, request, queryset):
        for leaver in queryset:
            try:
                person_anonymise(employee=leaver, actor=request.user)
            except (PermissionDenied, ValidationError) as exc:
                self.message_user(request, f"{leaver}: {exc}", messages.ERROR)
            else:
                self.message_user(request, f"Leaver #{leaver.pk}: personal data erased.")


class ImportProfileTitleFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            title = form.cleaned_data.get("title") if hasattr(form, "cleaned_data") else None
            if not title or form.cleaned_data.get("DELETE"):
                continue
            if title_key(title) in seen:
                form.add_error("title", "This title is in the table already.")
            seen.add(title_key(title))


class ImportProfileTitleInline(admin.TabularInline):
    model = ImportProfileTitle
    formset = ImportProfileTitleFormSet
    extra = 3
    fields = ("title", "level")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("level__framework")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "level":
            field.queryset = field.queryset.select_related("framework").order_by(
                "framework__slug", "rank"
            )
            field.label_from_instance = lambda lv: f"{lv.framework.slug}: {lv.code} ({lv.title})"
        return field


@admin.register(ImportProfile)
class ImportProfileAdmin(SimpleHistoryAdmin):
    """How HR's own HRIS export is read by `import_people --profile NAME`: the file's
    column for each field (empty: the base profile's), its date format, the status values
    that make a leaver, and the job-title table."""

    list_display = ("name", "based_on", "date_format")
    search_fields = ("name",)
    inlines = [ImportProfileTitleInline]
    fieldsets = (
        (None, {"fields": ("name", "based_on")}),
        (
            "Columns (the export's header for each field)",
            {
                "fields": tuple(f"{f}_column" for f in FIELDS),
                "description": "Give either a name column or first and last name columns; "
                "either a level (with a framework) column or a job title column with the "
                "table below; the manager by e-mail or by employee ID.",
            },
        ),
        ("Values", {"fields": ("date_format", "active_values", "inactive_values")}),
    )

    def has_delete_permission(self, request, obj=None):
        return False  # nothing is hard-deleted: the audit trail keeps every change
