from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from careerpath.input import validate_date_bounds


def person_name(first_name: str, last_name: str, email: str, username: str) -> str:
    """How a person is named on every page: their full name, else their e-mail, else their
    username. `Employee.name`, and rows read as plain values, say it the same way."""
    return f"{first_name} {last_name}".strip() or email or username


class Employee(models.Model):
    """A person on a career framework: where they are and since when."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="employee"
    )
    manager = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="reports"
    )
    framework = models.ForeignKey(
        "frameworks.Framework", on_delete=models.PROTECT, related_name="employees"
    )
    level = models.ForeignKey(
        "frameworks.Level", on_delete=models.PROTECT, related_name="employees"
    )
    hire_date = models.DateField(validators=[validate_date_bounds])
    level_since = models.DateField(
        help_text="When the person reached their current level.",
        validators=[validate_date_bounds],
    )
    employee_id = models.CharField(
        "employee ID",
        max_length=50,
        blank=True,
        help_text="The person's number in the HR system (e.g. BambooHR's “Employee #”), "
        "which HR exports use to name managers. Unique when set.",
    )
    team = models.CharField(max_length=100, blank=True)
    region = models.CharField(max_length=100, blank=True)
    is_active = models.BooleanField(
        default=True,
        help_text="Off for a leaver: set by “Mark as left” (people.services.employee_leave).",
    )
    left_on = models.DateField(
        null=True, blank=True, help_text="When the person left.", validators=[validate_date_bounds]
    )
    invited_at = models.DateTimeField(
        null=True, blank=True, help_text="When HR last sent them a link to set their password."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["user__first_name", "user__last_name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level_since__gte=F("hire_date")),
                name="employee_level_since_after_hire",
                violation_error_message="“Level since” cannot be before the hire date.",
            ),
            models.UniqueConstraint(
                fields=["employee_id"],
                condition=~Q(employee_id=""),
                name="employee_id_unique_when_set",
                violation_error_message="Another person already has this employee ID.",
            ),
            models.CheckConstraint(
                condition=Q(manager__isnull=True) | ~Q(manager=F("id")),
                name="employee_not_own_manager",
                violation_error_message="A person cannot be their own manager.",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        user = self.user
        return person_name(user.first_name, user.last_name, user.email, user.username)

    @property
    def email(self) -> str:
        return self.user.email

    def clean(self):
        errors = {}
        if self.level_id and self.framework_id and self.level.framework_id != self.framework_id:
            errors["level"] = "This level belongs to another framework (or another version of it)."
        if self.manager_id and self.pk:
            seen, boss = {self.pk}, self.manager
            while boss is not None:
                if boss.pk in seen:
                    errors["manager"] = "This manager reports to this person: that makes a loop."
                    break
                seen.add(boss.pk)
                boss = boss.manager
        if errors:
            raise ValidationError(errors)


class LevelHistory(models.Model):
    """One change of level: from, to, when, by whom and why."""

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="level_history")
    from_level = models.ForeignKey(
        "frameworks.Level", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_level = models.ForeignKey("frameworks.Level", on_delete=models.PROTECT, related_name="+")
    changed_on = models.DateField(validators=[validate_date_bounds])
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["employee", "-changed_on", "-id"]
        verbose_name_plural = "level history"

    def __str__(self):
        start = self.from_level.code if self.from_level_id else "start"
        return f"{start} → {self.to_level.code} on {self.changed_on}"
