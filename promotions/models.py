from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from frameworks.models import Framework


class EligibilityStatus(models.Model):
    """The latest sweep's verdict for one person and one next level.

    Its target level belongs to the framework version it was judged against, so a later
    edit of the framework never rewrites what was decided.
    """

    # No index of its own: the unique (employee, target_level) constraint below leads with
    # it, and the sweep writes every row of a first night through both otherwise.
    employee = models.ForeignKey(
        "people.Employee", on_delete=models.CASCADE, related_name="eligibility", db_index=False
    )
    target_level = models.ForeignKey("frameworks.Level", on_delete=models.PROTECT, related_name="+")
    eligible = models.BooleanField()
    met_count = models.PositiveIntegerField()
    total_count = models.PositiveIntegerField()
    earliest_date = models.DateField(null=True, blank=True)
    best = models.BooleanField(
        default=False,
        help_text="The person's best verdict among their next levels at that check (the one "
        "HR's readiness pipeline counts).",
    )
    evaluated_on = models.DateField()
    changed_on = models.DateField(help_text="When `eligible` last changed.")

    class Meta:
        verbose_name_plural = "eligibility statuses"
        constraints = [
            models.UniqueConstraint(
                fields=["employee", "target_level"], name="eligibility_once_per_level"
            ),
        ]

    def __str__(self):
        verdict = "eligible" if self.eligible else f"{self.met_count}/{self.total_count}"
        return f"{self.employee} → {self.target_level.code}: {verdict}"


class Sweep(models.Model):
    """One day's sweep as a whole: its chunks, when it started and ended, or why it failed.
    HR sees the latest; a failed, stalled or missed sweep shows HR a banner and e-mails the
    admins (promotions.services.sweep_watchdog)."""

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Nightly schedule"
        CATCH_UP = "catch-up", "Caught up after a missed night"
        COMMAND = "command", "run_periodic_checks"

    as_of = models.DateField(unique=True)
    trigger = models.CharField(max_length=20, choices=Trigger.choices, default=Trigger.SCHEDULE)
    chunk_keys = models.JSONField(default=list, blank=True)
    people = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    alerted_at = models.DateTimeField(
        null=True, blank=True, help_text="When the admins were told it failed or stalled."
    )

    class Meta:
        ordering = ["-started_at"]
        get_latest_by = "started_at"

    def __str__(self):
        return f"Sweep of {self.as_of}"


class SweepRun(models.Model):
    """One chunk of one day's sweep. The key makes a redelivered task change nothing."""

    key = models.CharField(max_length=100, unique=True)
    as_of = models.DateField()
    evaluated = models.PositiveIntegerField(default=0)
    notifications_created = models.PositiveIntegerField(default=0)
    newly_eligible = models.JSONField(default=list)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(auto_now=True, help_text="When the chunk last ran.")

    class Meta:
        ordering = ["-started_at"]

    def __str__(self):
        return self.key


class Notification(models.Model):
    class Kind(models.TextChoices):
        NEWLY_ELIGIBLE = "newly_eligible", "Newly eligible"
        MILESTONE = "milestone", "Milestone"
        REVIEW_REMINDER = "review_reminder", "Evidence waiting for review"
        PROMOTION_DECIDED = "promotion_decided", "Promotion decided"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    key = models.CharField(max_length=200, unique=True, help_text="One notification per event.")
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    private = models.BooleanField(
        default=False,
        help_text="About someone other than the recipient (a report's eligibility): never "
        "posted to a shared channel such as Slack, whatever the recipient chose.",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self):
        return self.subject


class NotificationDelivery(models.Model):
    """One notification through one channel: sent by a retried task, marked delivered only
    once the channel's backend accepted it, never sent again after that."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(max_length=30)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    failed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the channel refused for good (a Slack webhook removed or its channel "
        "archived): never tried again.",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "notification deliveries"
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(delivered_at__isnull=True),
                name="delivery_undelivered",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="one_delivery_per_channel"
            )
        ]

    def __str__(self):
        return f"{self.notification} via {self.channel}"


class ApprovalStep(models.Model):
    """One step of a framework's promotion approval, as data (e.g. manager, then HR)."""

    class Role(models.TextChoices):
        MANAGER = "manager", "A manager of the person"
        HR = "hr", "HR"

    framework_slug = models.SlugField(max_length=80, help_text="Applies to every version.")
    order = models.PositiveIntegerField()
    role = models.CharField(max_length=10, choices=Role.choices)
    name = models.CharField(max_length=200)
    nominator_may_decide = models.BooleanField(
        default=False,
        help_text="Whether the person who nominated may take this step (a manager confirming "
        "their own nomination, say). Off: someone else must.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["framework_slug", "order"]
        constraints = [
            models.UniqueConstraint(fields=["framework_slug", "order"], name="step_order_unique"),
        ]

    def __str__(self):
        return f"{self.framework_slug} {self.order}: {self.name}"


class PromotionCase(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "In progress"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    employee = models.ForeignKey(
        "people.Employee", on_delete=models.PROTECT, related_name="promotion_cases"
    )
    framework = models.ForeignKey(
        "frameworks.Framework", on_delete=models.PROTECT, related_name="+"
    )
    from_level = models.ForeignKey("frameworks.Level", on_delete=models.PROTECT, related_name="+")
    to_level = models.ForeignKey("frameworks.Level", on_delete=models.PROTECT, related_name="+")
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    justification = models.TextField(blank=True)
    snapshot = models.JSONField(help_text="The eligibility report when nominated.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    decision_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["employee", "to_level"],
                condition=Q(status="open"),
                name="one_open_case_per_person_and_level",
                violation_error_message="This person already has an open case for that level.",
            ),
        ]

    def __str__(self):
        return f"{self.employee}: {self.from_level.code} → {self.to_level.code}"


class CaseApproval(models.Model):
    case = models.ForeignKey(PromotionCase, on_delete=models.CASCADE, related_name="approvals")
    step = models.ForeignKey(ApprovalStep, on_delete=models.PROTECT, related_name="+")
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved = models.BooleanField()
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "step__order"]
        constraints = [
            models.UniqueConstraint(fields=["case", "step"], name="one_decision_per_step"),
        ]

    def __str__(self):
        return f"{self.step.name}: {'approved' if self.approved else 'rejected'}"


class FrameworkImpact(Framework):
    """The admin's "impact preview" of a draft version (a proxy: no table of its own)."""

    class Meta:
        proxy = True
        verbose_name = "impact preview of a draft"
        verbose_name_plural = "impact previews of drafts"


class ChannelPreference(models.Model):
    """One person's choice for one kind of notification on one channel. Without a row the
    channel's default applies: e-mail on, Slack off (a Slack channel is shared, so posting
    there is opted into)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="channel_preferences"
    )
    channel = models.CharField(max_length=30)
    kind = models.CharField(max_length=20, choices=Notification.Kind.choices)
    enabled = models.BooleanField()

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "channel", "kind"], name="one_preference_per_channel_kind"
            )
        ]

    def __str__(self):
        return f"{self.user} {self.channel} {self.kind}: {'on' if self.enabled else 'off'}"


class SlackWebhook(models.Model):
    """A Slack incoming webhook HR set for a team or for a framework's people. The URL is a
    secret (whoever has it may post to the channel): stored encrypted, never shown again;
    the admin shows only its last characters. A webhook Slack refused for good (removed,
    channel archived) is marked broken and skipped until HR saves a new URL."""

    class Scope(models.TextChoices):
        TEAM = "team", "A team"
        FRAMEWORK = "framework", "Everyone on a framework"

    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.TEAM)
    team = models.CharField(
        max_length=100, blank=True, help_text="The team's name as on people's profiles."
    )
    framework_slug = models.SlugField(max_length=80, blank=True)
    url_encrypted = models.TextField(blank=True, editable=False)
    url_hint = models.CharField(max_length=8, blank=True, editable=False)
    broken_at = models.DateTimeField(null=True, blank=True, editable=False)
    broken_reason = models.CharField(max_length=300, blank=True, editable=False)

    # The ciphertext stays out of the trail: the trail records that the URL changed
    # (url_hint), and a copy of the secret in every past version would outlive a rotation.
    history = HistoricalRecords(excluded_fields=["url_encrypted"])

    class Meta:
        ordering = ["scope", "team", "framework_slug"]
        constraints = [
            models.UniqueConstraint(
                fields=["team"], condition=Q(scope="team"), name="one_slack_webhook_per_team"
            ),
            models.UniqueConstraint(
                fields=["framework_slug"],
                condition=Q(scope="framework"),
                name="one_slack_webhook_per_framework",
            ),
            models.CheckConstraint(
                condition=(Q(scope="team") & ~Q(team="") & Q(framework_slug=""))
                | (Q(scope="framework") & ~Q(framework_slug="") & Q(team="")),
                name="slack_webhook_names_its_scope",
            ),
        ]

    def __str__(self):
        target = self.team if self.scope == self.Scope.TEAM else self.framework_slug
        return f"Slack for {self.get_scope_display().lower()}: {target}"

    @property
    def is_set(self) -> bool:
        return bool(self.url_encrypted)
