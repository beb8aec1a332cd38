from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from careerpath.input import parse_id
from frameworks.services import framework_publish

from .models import (
    ApprovalStep,
    CaseApproval,
    EligibilityStatus,
    FrameworkImpact,
    Notification,
    NotificationDelivery,
    PromotionCase,
    SlackWebhook,
    Sweep,
    SweepRun,
)
from .selectors import framework_impact_preview
from .services import slack_webhook_save, slack_webhook_url_validate


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(EligibilityStatus)
class EligibilityStatusAdmin(ReadOnlyAdmin):
    list_display = ("employee", "target_level", "eligible", "met_count", "total_count",
                    "earliest_date", "best", "changed_on", "framework")  # fmt: skip
    list_filter = ("eligible", "best", "target_level__framework", "target_level__code",
                   "employee__team")  # fmt: skip
    list_select_related = ("employee__user", "target_level__framework")
    search_fields = ("employee__user__email", "employee__user__last_name")

    @admin.display(description="framework", ordering="target_level__framework")
    def framework(self, status):
        return status.target_level.framework


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("subject", "recipient", "kind", "created_at", "read_at", "emailed_at")
    list_filter = ("kind", "created_at")
    list_select_related = ("recipient",)
    search_fields = ("subject", "recipient__email", "key")


@admin.register(NotificationDelivery)
class NotificationDeliveryAdmin(ReadOnlyAdmin):
    """Each notification through each channel: delivered, or still being retried and why."""

    list_display = ("notification", "channel", "created_at", "delivered_at", "failed_at",
                    "attempts", "last_error")  # fmt: skip
    list_filter = ("channel", ("delivered_at", admin.EmptyFieldListFilter),
                   ("failed_at", admin.EmptyFieldListFilter))  # fmt: skip
    list_select_related = ("notification",)
    search_fields = ("notification__subject", "notification__recipient__email")


@admin.register(Sweep)
class SweepAdmin(ReadOnlyAdmin):
    """Each day's sweep: when it ran, how many people, and how it ended."""

    list_display = ("as_of", "trigger", "people", "started_at", "finished_at", "failed_at",
                    "outcome")  # fmt: skip
    list_filter = ("trigger",)
    date_hierarchy = "as_of"

    @admin.display(description="outcome")
    def outcome(self, obj):
        if obj.finished_at:
            return f"finished in {(obj.finished_at - obj.started_at).total_seconds():.0f} s"
        if obj.failed_at:
            return f"failed: {obj.error[:120]}"
        return "not finished"


@admin.register(SweepRun)
class SweepRunAdmin(ReadOnlyAdmin):
    list_display = ("key", "as_of", "evaluated", "notifications_created", "finished_at")
    date_hierarchy = "as_of"


@admin.register(ApprovalStep)
class ApprovalStepAdmin(SimpleHistoryAdmin):
    """A framework's approval steps. Steps are added, and renamed; who takes a step and for
    which framework never changes once it exists (moving HR's step away would let a single
    approval promote), so open cases keep the steps they were nominated under."""

    list_display = ("framework_slug", "order", "role", "name", "nominator_may_decide")
    list_filter = ("framework_slug", "role")
    ordering = ("framework_slug", "order")

    def get_readonly_fields(self, request, obj=None):
        return ("framework_slug", "order", "role") if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        return False  # decisions name their step; the audit trail keeps every change


class CaseApprovalInline(admin.TabularInline):
    model = CaseApproval
    extra = 0
    fields = ("step", "approver", "approved", "comment", "created_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # decisions are taken on the promotions pages, which check roles


@admin.register(PromotionCase)
class PromotionCaseAdmin(ReadOnlyAdmin):
    list_display = ("employee", "from_level", "to_level", "status", "nominated_by", "created_at",
                    "decided_at")  # fmt: skip
    list_filter = ("status", "framework", "to_level__code")
    list_select_related = ("employee__user", "from_level", "to_level", "nominated_by")
    search_fields = ("employee__user__email", "employee__user__last_name")
    inlines = [CaseApprovalInline]


@admin.register(FrameworkImpact)
class FrameworkImpactAdmin(ReadOnlyAdmin):
    """Drafts only; opening one shows who publishing it would affect."""

    list_display = ("name", "slug", "version", "created_at")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(status="draft")

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("frameworks.view_framework")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        pk = parse_id(unquote(object_id))
        draft = get_object_or_404(self.get_queryset(request), pk=pk) if pk else None
        if draft is None:
            raise Http404("No such draft.")
        may_publish = request.user.has_perm("frameworks.change_framework")
        if request.method == "POST":
            if not may_publish:
                raise PermissionDenied("Only HR may publish a framework.")
            if request.POST.get("confirm") == "publish":
                try:
                    framework_publish(framework=draft, actor=request.user)
                except ValidationError as exc:
                    self.message_user(request, " ".join(exc.messages), messages.ERROR)
                else:
                    self.message_user(
                        request,
                        f"{draft.name} version {draft.version} is published; everyone on the "
                        "framework is judged against it from now on.",
                        messages.SUCCESS,
                    )
                    return redirect("admin:frameworks_framework_change", draft.pk)
        preview = framework_impact_preview(draft=draft, as_of=timezone.localdate())
        return TemplateResponse(
            request,
            "admin/promotions/impact_preview.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": f"Impact of publishing {draft.name} v{draft.version}",
                "preview": preview,
                "draft": draft,
                "may_publish": may_publish,
            },
        )


class SlackWebhookForm(forms.ModelForm):
    """The URL is write-only: the form never shows it, only that one is set and its last
    characters; a blank URL keeps the stored one, "clear" forgets it."""

    url = forms.CharField(
        label="Webhook URL",
        required=False,
        max_length=2000,  # the service says what is too long, in words
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )
    clear = forms.BooleanField(label="Forget the stored URL", required=False)

    class Meta:
        model = SlackWebhook
        fields = ("scope", "team", "framework_slug")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        hook = self.instance
        if hook.pk and hook.is_set:
            self.fields["url"].help_text = (
                f"A URL is set (ends in …{hook.url_hint}). Leave blank to keep it; paste a "
                "new one to replace it. It is never shown again."
            )
        else:
            self.fields["url"].help_text = (
                "In Slack: an app with Incoming Webhooks, “Add New Webhook to Workspace”, "
                "pick the channel, copy the URL (https://hooks.slack.com/services/…)."
            )

    def clean_url(self):
        url = self.cleaned_data["url"]
        return slack_webhook_url_validate(url) if url.strip() else ""

    def clean(self):
        data = super().clean()
        scope = data.get("scope")
        if scope == SlackWebhook.Scope.TEAM:
            data["framework_slug"] = ""
            if not data.get("team"):
                self.add_error("team", "Name the team (as on people's profiles).")
        elif scope == SlackWebhook.Scope.FRAMEWORK:
            data["team"] = ""
            if not data.get("framework_slug"):
                self.add_error("framework_slug", "Name the framework's slug.")
        if not self.instance.pk and not data.get("url"):
            self.add_error("url", "Paste the incoming webhook's address from Slack.")
        return data


@admin.register(SlackWebhook)
class SlackWebhookAdmin(SimpleHistoryAdmin):
    """Where Slack messages go: one webhook per team, or per framework for people whose team
    has none. Broken ones (Slack refused them for good) say why until a new URL is saved."""

    form = SlackWebhookForm
    list_display = ("__str__", "scope", "team", "framework_slug", "url_set", "broken_at",
                    "broken_reason")  # fmt: skip
    list_filter = ("scope", ("broken_at", admin.EmptyFieldListFilter))
    search_fields = ("team", "framework_slug")
    readonly_fields = ("url_hint", "broken_at", "broken_reason")
    history_list_display = ("url_hint", "broken_at", "broken_reason")

    def has_delete_permission(self, request, obj=None):
        return False  # audited, so never deleted: HR clears the URL instead

    @admin.display(boolean=True, description="URL set")
    def url_set(self, obj):
        return obj.is_set

    def save_model(self, request, obj, form, change):
        try:
            slack_webhook_save(
                webhook=obj,
                url=form.cleaned_data.get("url", ""),
                clear=form.cleaned_data.get("clear", False),
                actor=request.user,
            )
        except ValidationError as error:
            raise PermissionDenied(" ".join(error.messages)) from None
