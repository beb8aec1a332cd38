from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from .models import Employee, LevelHistory
from .services import employee_leave, employee_return


class LevelHistoryInline(admin.TabularInline):
    model = LevelHistory
    fk_name = "employee"
    extra = 0
    fields = ("changed_on", "from_level", "to_level", "changed_by", "reason")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # level changes go through promotions, which record them


@admin.register(Employee)
class EmployeeAdmin(SimpleHistoryAdmin):
    list_display = ("name", "email", "framework", "level", "manager", "hire_date", "team", "region")
    list_filter = ("framework", "level__code", "team", "region", "is_active")
    list_select_related = ("user", "framework", "level", "manager__user")
    search_fields = ("user__first_name", "user__last_name", "user__email", "team", "region")
    autocomplete_fields = ("user", "manager")
    fields = (
        "user",
        "manager",
        ("framework", "level"),
        ("hire_date", "level_since"),
        ("team", "region"),
        ("is_active", "left_on"),
    )
    # Leaving and returning end or restore access and move reporting lines, so they go
    # through the services (the actions below), never a tick box.
    readonly_fields = ("is_active", "left_on")
    inlines = [LevelHistoryInline]
    actions = ["mark_left", "mark_returned"]

    @admin.action(description="Mark as left today (ends their access at once)")
    def mark_left(self, request, queryset):
        today = timezone.localdate()
        for employee in queryset.select_related("user"):
            try:
                changed = employee_leave(employee=employee, actor=request.user, left_on=today)
            except (ValidationError, PermissionDenied) as exc:
                self._refused(request, employee, exc)
                continue
            if changed:
                self.message_user(request, f"{employee} has left: their login no longer works.")

    @admin.action(description="Mark as returned (restores their access)")
    def mark_returned(self, request, queryset):
        for employee in queryset.select_related("user"):
            try:
                changed = employee_return(employee=employee, actor=request.user)
            except (ValidationError, PermissionDenied) as exc:
                self._refused(request, employee, exc)
                continue
            if changed:
                self.message_user(request, f"{employee} is back: their login works again.")

    def _refused(self, request, employee, exc) -> None:
        why = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        self.message_user(request, f"{employee}: {why}", messages.ERROR)

    @admin.display(ordering="user__email")
    def email(self, obj):
        return obj.user.email

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "framework":
            field.queryset = field.queryset.filter(status="published")
        if db_field.name == "level":
            field.queryset = field.queryset.filter(framework__status="published").select_related(
                "framework"
            )
        return field

    def has_delete_permission(self, request, obj=None):
        return False  # people leave (is_active), their career record stays


@admin.register(LevelHistory)
class LevelHistoryAdmin(admin.ModelAdmin):
    list_display = ("employee", "from_level", "to_level", "changed_on", "changed_by")
    list_filter = ("changed_on", "to_level__framework")
    list_select_related = ("employee__user", "from_level", "to_level", "changed_by")
    search_fields = ("employee__user__email", "employee__user__first_name", "reason")
    date_hierarchy = "changed_on"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class CareerPathUserAdmin(UserAdmin):
    """HR manages accounts, but cannot grant superuser powers or touch a superuser's account."""

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if request.user.is_superuser:
            return fields
        return (*fields, "is_superuser", "user_permissions")

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)
