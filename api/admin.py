"""HR issues and revokes API tokens here; a new key is shown once, never stored."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse

from people.roles import user_is_hr

from .models import ApiToken
from .services import token_issue, token_revoke


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "name", "user", "created_at", "created_by", "last_used_at",
                    "revoked_at")  # fmt: skip
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("name", "prefix", "user__email", "user__username")
    autocomplete_fields = ("user",)
    actions = ("revoke",)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("user", "name")
        return ("user", "name", "prefix", "created_at", "created_by", "last_used_at",
                "revoked_at", "revoked_by")  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return self.get_fields(request, obj)

    def has_change_permission(self, request, obj=None):
        # Nothing of an issued token changes but its revocation (the action below).
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False  # revoked tokens stay on record

    def has_revoke_permission(self, request):
        return user_is_hr(request.user)

    def save_model(self, request, obj, form, change):
        try:
            token, key = token_issue(user=obj.user, name=obj.name, actor=request.user)
        except (PermissionDenied, ValidationError) as exc:
            raise PermissionDenied(" ".join(getattr(exc, "messages", [str(exc)]))) from exc
        obj.pk = token.pk
        obj.__dict__.update(token.__dict__)
        request._api_key_issued = (token, key)

    def response_add(self, request, obj, post_url_continue=None):
        """The key, on this response only: never in a message, a redirect or the session."""
        token, key = request._api_key_issued
        response = TemplateResponse(
            request,
            "admin/api/apitoken/key_shown.html",
            {**self.admin_site.each_context(request), "token": token, "key": key,
             "title": "API token issued"},
        )  # fmt: skip
        return response  # the admin marks it never-cache (no-store)

    @admin.action(description="Revoke the selected tokens", permissions=["revoke"])
    def revoke(self, request, queryset):
        for token in queryset:
            token_revoke(token=token, actor=request.user)
        self.message_user(request, f"{queryset.count()} token(s) revoked.")
