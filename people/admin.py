import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from careerpath.input import BoundedDateField, parse_id
from frameworks.models import Level

from .models import Employee, LevelHistory
from .selectors import manager_ids_above
from .services import employee_leave, employee_level_change, employee_return, employees_invite


def _managers_above(request) -> set[int]:
    """Ids of everyone above the acting user in the reporting lines (cached per request)."""
    if not hasattr(request, "_cp_managers_above"):
        request._cp_managers_above = manager_ids_above(user=request.user)
    return request._cp_managers_above


class EmployeeAdminForm(forms.ModelForm):
    """Placing someone on a framework; nobody places themselves (another HR person does)."""

    acting_user = None  # set per request by EmployeeAdmin.get_form

    class Meta:
        model = Employee
        fields = "__all__"  # noqa: DJ007  (the admin's fields decide what is shown)

    def clean(self):
        cleaned = super().clean()
        user = cleaned.get("user") or getattr(self.instance, "user", None)
        if self.acting_user is not None and user is not None and user.pk == self.acting_user.pk:
            raise ValidationError(
                "Nobody sets their own framework, level or manager: another HR person does."
            )
        return cleaned


class LevelChangeForm(forms.Form):
    level = forms.ModelChoiceField(queryset=Level.objects.none(), empty_label=None)
    changed_on = BoundedDateField(
        label="Changed on", widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="Kept in the level history with your name, e.g. “Correction: hired as "
        "Superhero” or “Promotion approved outside CareerPath on 3 March”.",
    )

    def __init__(self, *args, employee: Employee, **kwargs):
        super().__init__(*args, **kwargs)
        self.employee = employee
        self.fields["level"].queryset = Level.objects.filter(
            framework_id=employee.framework_id
        ).order_by("rank", "code")
        self.fields["level"].initial = employee.level_id
        self.fields["changed_on"].initial = timezone.localdate()

    def clean_changed_on(self):
        changed_on = self.cleaned_data["changed_on"]
        if changed_on < self.employee.hire_date:
            raise ValidationError("A level cannot change before the hire date.")
        if changed_on > timezone.localdate() + datetime.timedelta(days=366):
            raise ValidationError("Record a change at most a year ahead.")
        return changed_on


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
    """People on the frameworks. A level changes through "Change level" (recorded in the
    level history with who and why, like a promotion); nobody changes their own record."""

    form = EmployeeAdminForm
    list_display = (
        "name", "email", "employee_id", "framework", "level", "manager", "hire_date", "team",
        "region",
    )  # fmt: skip
    list_filter = (
        "framework", "level__code", "team", "region", "is_active",
        ("invited_at", admin.EmptyFieldListFilter),
    )  # fmt: skip
    list_select_related = ("user", "framework", "level", "manager__user")
    search_fields = (
        "user__first_name", "user__last_name", "user__email", "employee_id", "team", "region",
    )  # fmt: skip
    autocomplete_fields = ("user", "manager")
    fields = (
        ("user", "employee_id"),
        "manager",
        ("framework", "level"),
        ("hire_date", "level_since"),
        ("team", "region"),
        ("is_active", "left_on"),
        "invited_at",
    )
    # Leaving and returning end or restore access and move reporting lines, so they go
    # through the services (the actions below), never a tick box; a level changes through
    # the "Change level" page, which records it like a promotion.
    readonly_fields = ("is_active", "left_on", "invited_at")
    readonly_on_change = ("user", "framework", "level", "level_since", "change_level")
    inlines = [LevelHistoryInline]
    actions = ["invite", "mark_left", "mark_returned"]

    @admin.action(description="Send an invitation to set their password")
    def invite(self, request, queryset):
        try:
            invited, problems = employees_invite(employees=queryset, actor=request.user)
        except PermissionDenied as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        if invited:
            self.message_user(
                request,
                f"{invited} invitation{'s' if invited != 1 else ''} on the way: each person "
                "gets a link to set their password.",
                messages.SUCCESS,
            )
        for problem in problems:
            self.message_user(request, problem, messages.WARNING)

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

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"acting_user": request.user})

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return (*fields, *self.readonly_on_change) if obj is not None else fields

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return (*fields, "change_level") if obj is not None else fields

    def has_change_permission(self, request, obj=None):
        if obj is not None and (
            obj.user_id == request.user.pk or obj.pk in _managers_above(request)
        ):
            # Your own record, and those of the people above you, are read-only to you, HR
            # included: changing them would change who reviews and approves you.
            return False
        return super().has_change_permission(request, obj)

    @admin.display(description="level change")
    def change_level(self, obj):
        url = reverse("admin:people_employee_level", args=[obj.pk])
        return format_html('<a class="button" href="{}">Change level…</a>', url)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/level/",
                self.admin_site.admin_view(self.level_view),
                name="people_employee_level",
            ),
            *super().get_urls(),
        ]

    def level_view(self, request, object_id):
        """Change a person's level: the same service as an approved promotion, so the level
        history says from, to, when, who and why."""
        pk = parse_id(unquote(object_id))
        employee = get_object_or_404(Employee.objects.select_related("user", "level"), pk=pk or 0)
        if not self.has_change_permission(request, employee):
            raise PermissionDenied("You cannot change this person's level.")
        if not employee.is_active:
            raise Http404("This person has left.")
        form = LevelChangeForm(request.POST or None, employee=employee)
        if request.method == "POST" and form.is_valid():
            try:
                entry = employee_level_change(
                    employee=employee,
                    level=form.cleaned_data["level"],
                    changed_on=form.cleaned_data["changed_on"],
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if entry is None:
                    self.message_user(request, f"{employee} is already at that level.")
                else:
                    self.message_user(request, f"{employee}: {entry} recorded.", messages.SUCCESS)
                return HttpResponseRedirect(
                    reverse("admin:people_employee_change", args=[employee.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": f"Change the level of {employee}",
            "opts": self.opts,
            "original": employee,
            "form": form,
            "history": employee.level_history.select_related("from_level", "to_level")[:10],
        }
        return TemplateResponse(request, "admin/people/employee_level.html", context)

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
        if db_field.name == "user":
            # Nobody places themselves on a framework (the form says so too).
            field.queryset = field.queryset.exclude(pk=request.user.pk)
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


class InviteUserForm(forms.ModelForm):
    """An account HR adds: no password (the person sets theirs with "Forgot your password?"),
    so nobody else ever knows it."""

    class Meta:
        model = User
        fields = ("username", "email", "first_name", "last_name")

    def save(self, commit=True):
        user = super().save(commit=False)
        user.set_unusable_password()
        if commit:
            user.save()
        return user


# What HR may not change on accounts: powers, and what a login or a password reset goes by
# (HR who could would take over a manager's account and act as them).
HR_READ_ONLY_ACCOUNT_FIELDS = (
    "is_superuser", "user_permissions", "groups", "is_staff", "is_active", "username", "email",
)  # fmt: skip


@admin.register(User)
class CareerPathUserAdmin(UserAdmin):
    """HR adds accounts (without a password) and corrects names; powers, logins and e-mail
    addresses are a superuser's to change, and a superuser's account is theirs alone."""

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if request.user.is_superuser or obj is None:
            return fields
        return (*fields, *HR_READ_ONLY_ACCOUNT_FIELDS)

    def get_fieldsets(self, request, obj=None):
        if obj is None and not request.user.is_superuser:
            return ((None, {"fields": InviteUserForm.Meta.fields}),)
        return super().get_fieldsets(request, obj)

    def get_form(self, request, obj=None, **kwargs):
        if obj is None and not request.user.is_superuser:
            kwargs["form"] = InviteUserForm
            return admin.ModelAdmin.get_form(self, request, obj, **kwargs)
        return super().get_form(request, obj, **kwargs)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def user_change_password(self, request, id, form_url=""):
        """Only a superuser sets someone else's password: HR who could would log in as a
        manager and take both steps of a promotion. People reset their own by e-mail."""
        if not request.user.is_superuser:
            raise PermissionDenied(
                "Only a superuser sets another person's password; they can reset their own "
                "from the login page."
            )
        return super().user_change_password(request, id, form_url)
