"""HR's admin for frameworks.

A published or archived version is read-only: decisions were judged against
it. HR edits a framework by cloning it into a draft ("Clone as draft"),
editing the draft, and publishing it ("Publish"). Nothing is deleted.
"""

import nested_admin
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.forms import Textarea
from django.utils.safestring import mark_safe

from .kinds import ALL_PARAMETERS
from .models import (
    BehaviouralIndicator,
    Competency,
    Entitlement,
    Framework,
    FrameworkMilestone,
    FrameworkNote,
    Level,
    MetricDefinition,
    ProficiencyLevel,
    RequiredProficiency,
    Requirement,
    Responsibility,
    ResponsibilityArea,
    Track,
)
from .services import framework_clone, framework_publish
from .yaml_format import FrameworkFormatError

COMPACT_TEXT = {models.TextField: {"widget": Textarea(attrs={"rows": 2, "cols": 80})}}


def _framework_of(obj) -> Framework | None:
    if obj is None:
        return None
    if isinstance(obj, Framework):
        return obj
    if isinstance(obj, Level | Competency):
        return obj.framework
    if isinstance(obj, ResponsibilityArea | Entitlement):
        return obj.level.framework
    if isinstance(obj, Requirement):
        return (obj.level or obj.entitlement.level).framework
    return None


class DraftOnlyMixin:
    """Rows of a published or archived version cannot be changed, added or deleted."""

    def _editable(self, obj) -> bool:
        framework = _framework_of(obj)
        return framework is None or framework.is_editable

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._editable(obj)

    def has_add_permission(self, request, obj=None):
        args = (request, obj) if isinstance(self, admin.options.InlineModelAdmin) else (request,)
        return super().has_add_permission(*args) and self._editable(obj)

    def has_delete_permission(self, request, obj=None):
        # Parts of a draft may be removed while it is being edited; versions never are.
        return (
            super().has_delete_permission(request, obj)
            and obj is not None
            and not isinstance(obj, Framework)
            and self._editable(obj)
        )


def assumed_marker(obj) -> str:
    return mark_safe('<strong style="color:#b35900">assumed</strong>') if obj.assumed else ""


# --- inlines -----------------------------------------------------------------


class RequirementInline(DraftOnlyMixin, nested_admin.NestedTabularInline):
    model = Requirement
    fk_name = "level"
    extra = 0
    sortable_field_name = "order"
    formfield_overrides = COMPACT_TEXT
    autocomplete_fields = ("competency", "proficiency")
    raw_id_fields = ("parent",)
    # Every parameter of the registry; a row uses those of its kind (issue 9 shows only those).
    fields = ("order", "kind", "label", *ALL_PARAMETERS, "parent", "assumed")


class ConditionInline(RequirementInline):
    fk_name = "entitlement"
    verbose_name = "condition"
    verbose_name_plural = "conditions (all must be met)"


class EntitlementInline(DraftOnlyMixin, nested_admin.NestedStackedInline):
    model = Entitlement
    extra = 0
    sortable_field_name = "order"
    formfield_overrides = COMPACT_TEXT
    fields = ("order", ("kind", "value", "unit", "assumed"), "label", "source_text")
    inlines = [ConditionInline]


class ResponsibilityInline(DraftOnlyMixin, nested_admin.NestedTabularInline):
    model = Responsibility
    extra = 0
    sortable_field_name = "order"
    formfield_overrides = COMPACT_TEXT
    fields = ("order", "text", "assumed")


class ResponsibilityAreaInline(DraftOnlyMixin, nested_admin.NestedStackedInline):
    model = ResponsibilityArea
    extra = 0
    sortable_field_name = "order"
    fields = ("order", ("number", "title", "assumed"))
    inlines = [ResponsibilityInline]


class RequiredProficiencyInline(DraftOnlyMixin, nested_admin.NestedTabularInline):
    model = RequiredProficiency
    extra = 0
    autocomplete_fields = ("competency", "proficiency")
    fields = ("competency", "proficiency", "assumed")


class LevelInline(DraftOnlyMixin, nested_admin.NestedStackedInline):
    model = Level
    extra = 0
    sortable_field_name = "order"
    show_change_link = True
    formfield_overrides = COMPACT_TEXT
    fields = (
        "order",
        ("code", "title", "subtitle"),
        ("track", "rank", "is_entry"),
        ("summary", "summary_assumed"),
        "perk_note",
        "builds_on",
        "next_levels",
    )
    inlines = [
        ResponsibilityAreaInline,
        RequirementInline,
        EntitlementInline,
        RequiredProficiencyInline,
    ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        return _limit_to_framework(field, db_field.name, request)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        return _limit_to_framework(field, db_field.name, request)


def _limit_to_framework(field, name, request):
    """Offer only tracks and levels of the framework being edited."""
    framework_id = getattr(request, "_framework_admin_object_id", None)
    if field is not None and name in ("track", "builds_on", "next_levels") and framework_id:
        field.queryset = field.queryset.filter(framework_id=framework_id)
    return field


class TrackInline(DraftOnlyMixin, nested_admin.NestedTabularInline):
    model = Track
    extra = 0
    sortable_field_name = "order"
    fields = ("order", "slug", "name", "description")
    formfield_overrides = COMPACT_TEXT


class MilestoneInline(DraftOnlyMixin, nested_admin.NestedTabularInline):
    model = FrameworkMilestone
    extra = 0
    fields = ("months", "subject", "body", "assumed")
    formfield_overrides = COMPACT_TEXT


class NoteInline(DraftOnlyMixin, nested_admin.NestedTabularInline):
    model = FrameworkNote
    extra = 0
    sortable_field_name = "order"
    fields = ("order", "section", "title", "body", "assumed")
    formfield_overrides = COMPACT_TEXT


class ProficiencyLevelInline(DraftOnlyMixin, nested_admin.NestedTabularInline):
    model = ProficiencyLevel
    extra = 0
    fields = ("rank", "slug", "name", "description", "assumed")
    formfield_overrides = COMPACT_TEXT


class IndicatorInline(DraftOnlyMixin, nested_admin.NestedTabularInline):
    model = BehaviouralIndicator
    extra = 0
    sortable_field_name = "order"
    fields = ("order", "proficiency", "text", "assumed")
    formfield_overrides = COMPACT_TEXT


class CompetencyInline(DraftOnlyMixin, nested_admin.NestedStackedInline):
    model = Competency
    extra = 0
    sortable_field_name = "order"
    show_change_link = True
    fields = ("order", ("slug", "name", "assumed"), "definition")
    formfield_overrides = COMPACT_TEXT


# --- model admins ------------------------------------------------------------


@admin.register(Framework)
class FrameworkAdmin(DraftOnlyMixin, nested_admin.NestedModelAdmin):
    list_display = ("name", "slug", "version", "status", "effective_date", "published_at")
    list_filter = ("status", "slug")
    search_fields = ("name", "slug")
    ordering = ("slug", "-version")
    readonly_fields = ("status", "published_at", "created_at")
    fields = (
        ("name", "slug"),
        ("version", "status"),
        ("effective_date", "published_at", "created_at"),
        "source_note",
        "direct_manager_review_only",
    )
    formfield_overrides = COMPACT_TEXT
    inlines = [
        NoteInline,
        MilestoneInline,
        TrackInline,
        ProficiencyLevelInline,
        CompetencyInline,
        LevelInline,
    ]
    actions = ["clone_as_draft", "publish"]

    def get_readonly_fields(self, request, obj=None):
        # A published or archived version opens read-only (no change permission, see
        # DraftOnlyMixin); in a draft, slug and version stay as cloned.
        if obj is not None:
            return (*self.readonly_fields, "slug", "version")
        return self.readonly_fields

    def get_form(self, request, obj=None, **kwargs):
        request._framework_admin_object_id = obj.pk if obj else None
        return super().get_form(request, obj, **kwargs)

    def get_inline_instances(self, request, obj=None):
        if obj is None:  # Add the framework first, then its parts.
            return []
        return super().get_inline_instances(request, obj)

    @admin.action(description="Clone as a new draft version", permissions=["add"])
    def clone_as_draft(self, request, queryset):
        for framework in queryset:
            try:
                draft = framework_clone(framework=framework)
            except FrameworkFormatError as exc:  # a version saved before a check existed
                self.message_user(
                    request, f"{framework}: not cloned: {' '.join(exc.errors)}", messages.ERROR
                )
                continue
            self.message_user(
                request,
                f"{framework.name}: draft version {draft.version} created. Edit it, then publish.",
                messages.SUCCESS,
            )

    @admin.action(
        description="Publish (archives the current version, moves everyone across)",
        permissions=["change"],
    )
    def publish(self, request, queryset):
        for framework in queryset:
            try:
                framework_publish(framework=framework)
            except ValidationError as exc:
                self.message_user(request, f"{framework}: {' '.join(exc.messages)}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"{framework.name} version {framework.version} is published.",
                    messages.SUCCESS,
                )


@admin.register(Level)
class LevelAdmin(DraftOnlyMixin, nested_admin.NestedModelAdmin):
    list_display = ("code", "title", "framework", "track", "rank", "is_entry", "summary_assumed")
    list_filter = ("framework", "track__name", "summary_assumed")
    list_select_related = ("framework", "track")
    search_fields = ("code", "title", "summary")
    formfield_overrides = COMPACT_TEXT
    fields = LevelInline.fields
    inlines = LevelInline.inlines

    def get_form(self, request, obj=None, **kwargs):
        request._framework_admin_object_id = obj.framework_id if obj else None
        return super().get_form(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        return _limit_to_framework(field, db_field.name, request)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        return _limit_to_framework(field, db_field.name, request)

    def has_add_permission(self, request):
        return False  # levels are added inside their framework


@admin.register(Competency)
class CompetencyAdmin(DraftOnlyMixin, nested_admin.NestedModelAdmin):
    list_display = ("name", "slug", "framework", "marked_assumed")
    list_filter = ("framework", "assumed")
    search_fields = ("name", "slug", "definition")
    fields = ("framework", ("slug", "name", "assumed"), "definition")
    readonly_fields = ("framework",)
    inlines = [IndicatorInline]

    @admin.display(description="assumed")
    def marked_assumed(self, obj):
        return assumed_marker(obj)

    def has_add_permission(self, request):
        return False  # competencies are added inside their framework


@admin.register(ProficiencyLevel)
class ProficiencyLevelAdmin(admin.ModelAdmin):
    """Registered for the autocomplete of requirements; edited inside the framework."""

    list_display = ("name", "framework", "rank")
    search_fields = ("name", "slug")

    def has_module_permission(self, request):
        return False


@admin.register(MetricDefinition)
class MetricDefinitionAdmin(admin.ModelAdmin):
    """Metrics HR tracks per person and month; requirements and `import_metrics` use them.

    Shared by every framework and version, so a slug is never changed or deleted once in
    use: monthly figures and published requirements name it.
    """

    list_display = ("slug", "name", "unit", "direction", "aggregation")
    search_fields = ("slug", "name")

    def get_readonly_fields(self, request, obj=None):
        return ("slug",) if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Requirement)
class RequirementAdmin(admin.ModelAdmin):
    """All bars across frameworks, to search and filter; edit them under their level."""

    list_display = ("__str__", "kind", "level", "entitlement", "marked_assumed")
    list_filter = ("kind", "assumed", "level__framework", "evidence_kind")
    list_select_related = ("level__framework", "entitlement__level", "competency", "proficiency")
    search_fields = ("label", "source_text", "category", "code")

    @admin.display(description="assumed")
    def marked_assumed(self, obj):
        return assumed_marker(obj)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
