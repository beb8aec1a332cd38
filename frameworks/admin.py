"""HR's admin for frameworks.

A published or archived version is read-only: decisions were judged against
it, and it is never deleted. HR edits a framework in its one draft ("Open a
draft to edit"), level by level, and publishes it from its impact preview
after a confirmation; a draft nobody was judged against may be thrown away.
"""

import json

import nested_admin
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q
from django.forms import Select, Textarea
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from simple_history.admin import SimpleHistoryAdmin

from careerpath.input import parse_id

from .kinds import ALL_PARAMETERS, KINDS
from .models import (
    BehaviouralIndicator,
    Competency,
    Entitlement,
    EvidenceCategory,
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
from .services import framework_draft_discard, framework_draft_open
from .yaml_format import FrameworkFormatError

COMPACT_TEXT = {models.TextField: {"widget": Textarea(attrs={"rows": 2, "cols": 80})}}


def _framework_of(obj) -> Framework | None:
    if obj is None:
        return None
    if isinstance(obj, Framework):
        return obj
    if isinstance(obj, Level | Competency | ProficiencyLevel):
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
    return mark_safe('<strong class="cp-assumed">assumed</strong>') if obj.assumed else ""


# --- inlines -----------------------------------------------------------------


class KindSelect(Select):
    """The kind select carries each kind's fields (from the registry), so that
    `frameworks/admin/requirement_kinds.js` shows only the parameters of the chosen kind;
    without the script every field shows and the model's checks still apply."""

    def __init__(self, attrs=None, choices=()):
        fields = {slug: list(entry.fields) for slug, entry in KINDS.items()}
        attrs = {**(attrs or {}), "data-kind-fields": json.dumps(fields)}
        super().__init__(attrs, choices)


class RequirementForm(forms.ModelForm):
    class Meta:
        model = Requirement
        fields = "__all__"  # noqa: DJ007  (the inline's `fields` decide what is shown)
        widgets = {"kind": KindSelect, "weights": Textarea(attrs={"rows": 2, "cols": 40})}


class RequirementInline(DraftOnlyMixin, nested_admin.NestedStackedInline):
    """A level's bars, one block each: kind first, then only the parameters of its kind."""

    model = Requirement
    form = RequirementForm
    fk_name = "level"
    extra = 0
    sortable_field_name = "order"
    formfield_overrides = COMPACT_TEXT
    fields = ("kind", "label", *ALL_PARAMETERS, "parent", "source_text", "assumed", "order")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = _limit_to_framework(
            super().formfield_for_foreignkey(db_field, request, **kwargs), db_field.name, request
        )
        if db_field.name == "parent" and field is not None:
            # An option of an "any N of" group of this same level (or perk).
            level_id = getattr(request, "_level_admin_object_id", None)
            groups = Requirement.objects.filter(kind="group")
            field.queryset = (
                groups.filter(Q(level_id=level_id) | Q(entitlement__level_id=level_id))
                if level_id
                else groups.none()
            )
            field.help_text = (
                "Leave empty for a bar of its own; choose a group to make it one of its options."
            )
        return field

    class Media:
        js = ("frameworks/admin/requirement_kinds.js",)


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

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "kind" and field is not None:
            kinds_in_use = sorted(set(Entitlement.objects.values_list("kind", flat=True)))
            field.help_text = (
                "Any slug naming the perk; in use: " + ", ".join(kinds_in_use)
                if kinds_in_use
                else "Any slug naming the perk, e.g. wfh_days_per_month."
            )
        return field


class ResponsibilityInline(DraftOnlyMixin, nested_admin.NestedTabularInline):
    model = Responsibility
    extra = 0
    sortable_field_name = "order"
    formfield_overrides = COMPACT_TEXT
    fields = ("order", "text", "assumed")


class ResponsibilityAreaInline(DraftOnlyMixin, nested_admin.NestedStackedInline):
    model = ResponsibilityArea
    extra = 0
    classes = ("collapse",)  # the role profile's words: open it to edit them
    sortable_field_name = "order"
    fields = ("order", ("number", "title", "assumed"))
    inlines = [ResponsibilityInline]


class RequiredProficiencyInline(DraftOnlyMixin, nested_admin.NestedTabularInline):
    model = RequiredProficiency
    extra = 0
    fields = ("competency", "proficiency", "assumed")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        return _limit_to_framework(field, db_field.name, request)


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


FRAMEWORK_PARTS = ("track", "builds_on", "next_levels", "competency", "proficiency")


def _limit_to_framework(field, name, request):
    """Offer only the tracks, levels, competencies and proficiencies of the framework being
    edited (a few each: plain selects, not searches across every version)."""
    framework_id = getattr(request, "_framework_admin_object_id", None)
    if field is not None and name in FRAMEWORK_PARTS and framework_id:
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


def version_subtitle(framework: Framework) -> str:
    """What every page of a framework's parts says first: which version, in what state."""
    return (
        f"{framework.name} · version {framework.version} · {framework.get_status_display().lower()}"
    )


def framework_links(framework: Framework) -> dict:
    """The links a framework's pages offer: to the framework, and for a draft, to the impact
    preview (where it is published after a confirmation)."""
    links = {
        "framework_url": reverse("admin:frameworks_framework_change", args=[framework.pk]),
        "framework": framework,
    }
    if framework.is_editable:
        links["preview_url"] = reverse(
            "admin:promotions_frameworkimpact_change", args=[framework.pk]
        )
        links["discard_url"] = reverse("admin:frameworks_framework_discard", args=[framework.pk])
    else:
        links["draft_url"] = reverse("admin:frameworks_framework_draft", args=[framework.pk])
    return links


class EvidenceCategoryInline(DraftOnlyMixin, nested_admin.NestedTabularInline):
    model = EvidenceCategory
    extra = 0
    sortable_field_name = "order"
    fields = ("order", "evidence_kind", "slug", "name")


@admin.register(Framework)
class FrameworkAdmin(DraftOnlyMixin, SimpleHistoryAdmin, nested_admin.NestedModelAdmin):
    """A framework version's own settings and shared parts; each level has a page of its own,
    so no page comes near Django's limit on the number of fields."""

    change_form_template = "admin/frameworks/framework_change_form.html"
    list_display = ("name", "slug", "version", "status", "effective_date", "published_at")
    list_filter = ("status", "slug")
    search_fields = ("name", "slug")
    ordering = ("slug", "-version")
    readonly_fields = ("status", "published_at", "created_at", "levels_table")
    fields = (
        ("name", "slug"),
        ("version", "status"),
        ("effective_date", "published_at", "created_at"),
        "source_note",
        "direct_manager_review_only",
        "levels_table",
    )
    formfield_overrides = COMPACT_TEXT
    inlines = [
        NoteInline,
        MilestoneInline,
        TrackInline,
        ProficiencyLevelInline,
        CompetencyInline,
        EvidenceCategoryInline,
    ]
    actions = ["clone_as_draft", "publish"]

    def get_readonly_fields(self, request, obj=None):
        # A published or archived version opens read-only (no change permission, see
        # DraftOnlyMixin); in a draft, slug and version stay as cloned.
        if obj is not None:
            return (*self.readonly_fields, "slug", "version")
        return self.readonly_fields

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return fields if obj is not None else [f for f in fields if f != "levels_table"]

    def get_form(self, request, obj=None, **kwargs):
        request._framework_admin_object_id = obj.pk if obj else None
        return super().get_form(request, obj, **kwargs)

    def get_inline_instances(self, request, obj=None):
        if obj is None:  # Add the framework first, then its parts.
            return []
        return super().get_inline_instances(request, obj)

    @admin.display(description="levels")
    def levels_table(self, obj):
        levels = (
            obj.levels.select_related("track")
            .annotate(
                bars=Count(
                    "requirements", filter=Q(requirements__parent__isnull=True), distinct=True
                ),
                perks=Count("entitlements", distinct=True),
            )
            .order_by("order", "rank", "id")
        )
        rows = format_html_join(
            "",
            '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>'
            "<td>{}</td></tr>",
            (
                (
                    reverse("admin:frameworks_level_change", args=[level.pk]),
                    level.code, level.title, level.track.name, level.rank, level.bars,
                    level.perks,
                )
                for level in levels
            ),
        )  # fmt: skip
        add = (
            format_html(
                '<p><a class="addlink" href="{}?framework={}">Add a level</a></p>',
                reverse("admin:frameworks_level_add"),
                obj.pk,
            )
            if obj.is_editable
            else ""
        )
        return format_html(
            '<table><thead><tr><th scope="col">Level</th><th scope="col">Title</th>'
            '<th scope="col">Track</th><th scope="col">Rank</th>'
            '<th scope="col">Requirements</th><th scope="col">Perks</th></tr></thead>'
            '<tbody>{}</tbody></table>{}<p class="help">Each level, with its role profile, '
            "requirements, perks and required proficiencies, is edited on its own page.</p>",
            rows,
            add,
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        framework = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if framework is not None:
            extra.update(subtitle=version_subtitle(framework), **framework_links(framework))
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/draft/",
                self.admin_site.admin_view(self.draft_view),
                name="frameworks_framework_draft",
            ),
            path(
                "<path:object_id>/discard/",
                self.admin_site.admin_view(self.discard_view),
                name="frameworks_framework_discard",
            ),
            *super().get_urls(),
        ]

    def discard_view(self, request, object_id):
        """POST: throw a draft away (its banner's button)."""
        framework = get_object_or_404(Framework, pk=parse_id(object_id) or 0)
        if request.method == "POST" and not framework.is_editable:
            self.message_user(
                request,
                f"Version {framework.version} is {framework.get_status_display().lower()}: "
                "only a draft can be thrown away.",
                messages.ERROR,
            )
        elif request.method == "POST" and self.has_change_permission(request, framework):
            try:
                framework_draft_discard(framework=framework, actor=request.user)
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"{framework.name}: draft version {framework.version} thrown away.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:frameworks_framework_changelist"))
        return HttpResponseRedirect(
            reverse("admin:frameworks_framework_change", args=[framework.pk])
        )

    def draft_view(self, request, object_id):
        """POST: open the framework's draft, making it from this version when there is none."""
        framework = get_object_or_404(Framework, pk=parse_id(object_id) or 0)
        if request.method != "POST" or not self.has_add_permission(request):
            return HttpResponseRedirect(
                reverse("admin:frameworks_framework_change", args=[framework.pk])
            )
        draft = self._open_draft(request, framework)
        target = draft or framework
        return HttpResponseRedirect(reverse("admin:frameworks_framework_change", args=[target.pk]))

    def _open_draft(self, request, framework) -> Framework | None:
        try:
            draft, created = framework_draft_open(framework=framework, actor=request.user)
        except FrameworkFormatError as exc:  # a version saved before a check existed
            self.message_user(
                request, f"{framework}: not cloned: {' '.join(exc.errors)}", messages.ERROR
            )
            return None
        if created:
            self.message_user(
                request,
                f"{framework.name}: draft version {draft.version} created. Edit it, then "
                "publish it from its impact preview.",
                messages.SUCCESS,
            )
        else:
            self.message_user(
                request,
                f"{framework.name} already has a draft (version {draft.version}): it is "
                "opened here. HR works on one draft at a time.",
                messages.WARNING,
            )
        return draft

    @admin.action(description="Open a draft to edit (one per framework)", permissions=["add"])
    def clone_as_draft(self, request, queryset):
        opened = [d for d in (self._open_draft(request, f) for f in queryset) if d]
        if len(opened) == 1:
            return HttpResponseRedirect(
                reverse("admin:frameworks_framework_change", args=[opened[0].pk])
            )
        return None

    @admin.action(
        description="Publish… (shows who is affected, then asks to confirm)",
        permissions=["change"],
    )
    def publish(self, request, queryset):
        drafts = [f for f in queryset if f.is_editable]
        if len(drafts) != 1 or len(queryset) != 1:
            self.message_user(
                request, "Choose one draft to publish: its impact preview asks to confirm.",
                messages.ERROR,
            )  # fmt: skip
            return None
        return HttpResponseRedirect(
            reverse("admin:promotions_frameworkimpact_change", args=[drafts[0].pk])
        )


class LevelForm(forms.ModelForm):
    class Meta:
        model = Level
        fields = "__all__"  # noqa: DJ007  (the admin's `fields` decide what is shown)


@admin.register(Level)
class LevelAdmin(DraftOnlyMixin, SimpleHistoryAdmin, nested_admin.NestedModelAdmin):
    """One level of one framework version: its profile, bars, perks and proficiencies."""

    change_form_template = "admin/frameworks/framework_change_form.html"
    list_display = ("code", "title", "framework", "track", "rank", "is_entry", "summary_assumed")
    list_filter = ("framework", "track__name", "summary_assumed")
    list_select_related = ("framework", "track")
    search_fields = ("code", "title", "summary")
    formfield_overrides = COMPACT_TEXT
    fields = ("framework", *LevelInline.fields)
    inlines = LevelInline.inlines

    def get_readonly_fields(self, request, obj=None):
        return ("framework",) if obj is not None else ()

    def get_form(self, request, obj=None, **kwargs):
        framework_id = obj.framework_id if obj else parse_id(request.GET.get("framework", ""))
        request._framework_admin_object_id = framework_id
        request._level_admin_object_id = obj.pk if obj else None
        return super().get_form(request, obj, **kwargs)

    def get_changeform_initial_data(self, request):
        return {"framework": parse_id(request.GET.get("framework", ""))}

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "framework":
            kwargs["queryset"] = Framework.objects.filter(status=Framework.Status.DRAFT)
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        return _limit_to_framework(field, db_field.name, request)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        return _limit_to_framework(field, db_field.name, request)

    def get_inline_instances(self, request, obj=None):
        if obj is None:  # Add the level first, then its bars.
            return []
        return super().get_inline_instances(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        level = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if level is not None:
            extra.update(
                subtitle=f"{level.code} · {version_subtitle(level.framework)}",
                **framework_links(level.framework),
            )
        return super().change_view(request, object_id, form_url, extra_context=extra)


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
class ProficiencyLevelAdmin(DraftOnlyMixin, admin.ModelAdmin):
    """Edited inside a draft framework; a published version's scale is read-only here too
    (renaming or re-ranking it would change what people were judged against)."""

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
        if obj is None:
            return ()
        published = Requirement.objects.filter(metric=obj.slug).exclude(
            Q(level__framework__status=Framework.Status.DRAFT)
            | Q(entitlement__level__framework__status=Framework.Status.DRAFT)
        )
        if published.exists():
            # A published version's bars read it: changing how months combine or which way
            # is better would re-judge people without a new version.
            return ("slug", "unit", "direction", "aggregation")
        return ("slug",)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Requirement)
class RequirementAdmin(SimpleHistoryAdmin):
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
