"""The career framework as data.

A Framework is one version of one document (slug + version). Everything
below it (tracks, levels, role profiles, competencies, requirements and
entitlements) belongs to exactly that version, so publishing a new version
never rewrites what an earlier decision was judged against.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q


class Framework(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        ARCHIVED = "archived", "Archived"

    slug = models.SlugField(max_length=80, help_text="Stable identifier shared by all versions.")
    name = models.CharField(max_length=200)
    version = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    effective_date = models.DateField(null=True, blank=True)
    source_note = models.TextField(blank=True, help_text="Where the framework text comes from.")
    direct_manager_review_only = models.BooleanField(
        default=False,
        help_text="Only a person's direct manager reviews their evidence and rates them; "
        "when off, managers higher up the reporting line may too.",
    )
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["slug", "version"], name="framework_unique_version"),
            models.UniqueConstraint(
                fields=["slug"],
                condition=Q(status="published"),
                name="framework_one_published_version",
            ),
        ]

    def __str__(self):
        return f"{self.name} v{self.version} ({self.get_status_display().lower()})"

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT


class FrameworkNote(models.Model):
    """A principle, objective or FAQ answer of the framework document."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="notes")
    section = models.SlugField(max_length=60)
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    assumed = models.BooleanField(default=False, help_text="Not in the source document.")
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["framework", "order", "id"]

    def __str__(self):
        return self.title


class Track(models.Model):
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="tracks")
    slug = models.SlugField(max_length=60)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["framework", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "slug"], name="track_unique_slug"),
        ]

    def __str__(self):
        return self.name


class Level(models.Model):
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="levels")
    track = models.ForeignKey(Track, on_delete=models.PROTECT, related_name="levels")
    code = models.CharField(max_length=40, help_text="Stable code shared by all versions, e.g. S2.")
    title = models.CharField(max_length=200)
    subtitle = models.CharField(max_length=200, blank=True)
    rank = models.PositiveIntegerField(help_text="Higher is more senior.")
    summary = models.TextField(blank=True)
    summary_assumed = models.BooleanField(
        default=False, help_text="The source document gives no summary for this level."
    )
    is_entry = models.BooleanField(default=False, help_text="Where everyone starts.")
    perk_note = models.CharField(max_length=200, blank=True)
    builds_on = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="built_upon_by",
        help_text="The level whose expectations this one includes.",
    )
    next_levels = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="previous_levels"
    )
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["framework", "order", "rank", "id"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="level_unique_code"),
        ]

    def __str__(self):
        return f"{self.code} · {self.title}"

    def clean(self):
        if self.track_id and self.framework_id and self.track.framework_id != self.framework_id:
            raise ValidationError({"track": "The track belongs to another framework."})
        if self.builds_on_id:
            if self.builds_on_id == self.pk:
                raise ValidationError({"builds_on": "A level cannot build on itself."})
            if self.builds_on.framework_id != self.framework_id:
                raise ValidationError({"builds_on": "That level belongs to another framework."})


class ResponsibilityArea(models.Model):
    """A numbered area of a role profile, such as "01 Ticket Resolution"."""

    level = models.ForeignKey(Level, on_delete=models.CASCADE, related_name="areas")
    number = models.CharField(max_length=10, blank=True)
    title = models.CharField(max_length=200)
    assumed = models.BooleanField(default=False, help_text="Not in the source document.")
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["level", "order", "id"]

    def __str__(self):
        return f"{self.number} {self.title}".strip()


class Responsibility(models.Model):
    area = models.ForeignKey(
        ResponsibilityArea, on_delete=models.CASCADE, related_name="responsibilities"
    )
    text = models.TextField()
    assumed = models.BooleanField(default=False, help_text="Not in the source document.")
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["area", "order", "id"]
        verbose_name_plural = "responsibilities"

    def __str__(self):
        return self.text[:80]


class ProficiencyLevel(models.Model):
    framework = models.ForeignKey(
        Framework, on_delete=models.CASCADE, related_name="proficiency_levels"
    )
    slug = models.SlugField(max_length=40)
    name = models.CharField(max_length=80)
    description = models.TextField(blank=True)
    rank = models.PositiveIntegerField(help_text="Higher is more proficient.")
    assumed = models.BooleanField(default=False, help_text="Not in the source document.")

    class Meta:
        ordering = ["framework", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "slug"], name="proficiency_unique_slug"),
        ]

    def __str__(self):
        return self.name


class Competency(models.Model):
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="competencies")
    slug = models.SlugField(max_length=60)
    name = models.CharField(max_length=120)
    definition = models.TextField(blank=True)
    assumed = models.BooleanField(default=False, help_text="Not in the source document.")
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["framework", "order", "id"]
        verbose_name_plural = "competencies"
        constraints = [
            models.UniqueConstraint(fields=["framework", "slug"], name="competency_unique_slug"),
        ]

    def __str__(self):
        return self.name


class BehaviouralIndicator(models.Model):
    """How one recognises a competency at a proficiency level."""

    competency = models.ForeignKey(Competency, on_delete=models.CASCADE, related_name="indicators")
    proficiency = models.ForeignKey(
        ProficiencyLevel, on_delete=models.CASCADE, related_name="indicators"
    )
    text = models.TextField()
    assumed = models.BooleanField(default=False, help_text="Not in the source document.")
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["competency", "proficiency__rank", "order", "id"]

    def __str__(self):
        return self.text[:80]

    def clean(self):
        if (
            self.competency_id
            and self.proficiency_id
            and self.competency.framework_id != self.proficiency.framework_id
        ):
            raise ValidationError(
                "The competency and the proficiency belong to different frameworks."
            )


class RequiredProficiency(models.Model):
    """The proficiency a competency needs at a level (the competency matrix)."""

    level = models.ForeignKey(
        Level, on_delete=models.CASCADE, related_name="required_proficiencies"
    )
    competency = models.ForeignKey(Competency, on_delete=models.CASCADE, related_name="+")
    proficiency = models.ForeignKey(ProficiencyLevel, on_delete=models.PROTECT, related_name="+")
    assumed = models.BooleanField(default=False, help_text="Not in the source document.")

    class Meta:
        ordering = ["level", "competency__order", "competency_id"]
        verbose_name_plural = "required proficiencies"
        constraints = [
            models.UniqueConstraint(
                fields=["level", "competency"], name="required_proficiency_unique"
            ),
        ]

    def __str__(self):
        return f"{self.competency}: {self.proficiency}"

    def clean(self):
        framework_ids = set()
        if self.level_id:
            framework_ids.add(self.level.framework_id)
        if self.competency_id:
            framework_ids.add(self.competency.framework_id)
        if self.proficiency_id:
            framework_ids.add(self.proficiency.framework_id)
        if len(framework_ids) > 1:
            raise ValidationError(
                "Level, competency and proficiency must be of the same framework."
            )


class Entitlement(models.Model):
    """A perk of a level, unlocked when all its conditions (requirements) are met."""

    class Kind(models.TextChoices):
        WFH_DAYS_PER_MONTH = "wfh_days_per_month", "Work-from-home days per month"

    level = models.ForeignKey(Level, on_delete=models.CASCADE, related_name="entitlements")
    kind = models.CharField(max_length=40, choices=Kind.choices)
    value = models.PositiveIntegerField()
    label = models.CharField(max_length=200, blank=True)
    source_text = models.TextField(blank=True, help_text="The words of the source document.")
    assumed = models.BooleanField(default=False, help_text="Not in the source document.")
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["level", "order", "id"]

    def __str__(self):
        return self.label or f"{self.value} {self.get_kind_display().lower()}"


class Requirement(models.Model):
    """One bar: a promotion criterion into a level, or a condition of an entitlement.

    `kind` decides which parameters are used; `clean()` checks that exactly
    those are given, so HR can add any kind in the admin and get a plain-words
    message when something is missing.
    """

    class Kind(models.TextChoices):
        TENURE = "tenure", "Tenure (months since hire)"
        TIME_IN_LEVEL = "time_in_level", "Time in current level"
        EXAM = "exam", "Exam passed"
        EVIDENCE = "evidence", "Approved evidence"
        METRIC = "metric", "Monthly metric"
        COMPETENCY = "competency", "Competency rating"
        ATTESTATION = "attestation", "Manager attestation"

    class EvidenceKind(models.TextChoices):
        TICKET = "ticket", "Ticket"
        DOCUMENT = "document", "Document"
        EXAM = "exam", "Exam"
        DEMONSTRATION = "demonstration", "Demonstration"
        ESCALATION = "escalation", "Escalation"
        WORKAROUND = "workaround", "Workaround"
        INITIATIVE = "initiative", "Initiative"
        QA = "qa", "QA"
        LIAISON = "liaison", "Liaison"
        FEEDBACK = "feedback", "Customer feedback"

    class Metric(models.TextChoices):
        VOLUME_PCT = "volume_pct", "Ticket/call/chat volume, % of expected"
        UNPLANNED_ABSENCE_PCT = "unplanned_absence_pct", "Unplanned absence, %"
        CSAT_PCT = "csat_pct", "Customer satisfaction (CSAT), %"

    class Comparison(models.TextChoices):
        GTE = "gte", "at least"
        LTE = "lte", "at most"

    level = models.ForeignKey(
        Level,
        on_delete=models.CASCADE,
        related_name="requirements",
        null=True,
        blank=True,
        help_text="The level this requirement is a promotion criterion into.",
    )
    entitlement = models.ForeignKey(
        Entitlement,
        on_delete=models.CASCADE,
        related_name="conditions",
        null=True,
        blank=True,
        help_text="The entitlement this requirement is a condition of.",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    label = models.CharField(
        max_length=300, blank=True, help_text="Plain words shown to people; generated if empty."
    )
    months = models.PositiveIntegerField("months", null=True, blank=True)
    count = models.PositiveIntegerField(null=True, blank=True, validators=[MinValueValidator(1)])
    evidence_kind = models.CharField(max_length=20, choices=EvidenceKind.choices, blank=True)
    category = models.SlugField(max_length=60, blank=True)
    metric = models.CharField(max_length=30, choices=Metric.choices, blank=True)
    comparison = models.CharField(max_length=3, choices=Comparison.choices, blank=True)
    threshold = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    window_months = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)]
    )
    competency = models.ForeignKey(
        Competency, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    proficiency = models.ForeignKey(
        ProficiencyLevel, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    code = models.SlugField(
        max_length=80,
        blank=True,
        help_text="Attestations: a slug that stays the same across versions.",
    )
    source_text = models.TextField(blank=True, help_text="The words of the source document.")
    assumed = models.BooleanField(default=False, help_text="Not in the source document.")
    order = models.PositiveIntegerField(default=0)

    # Parameters each kind needs; every other parameter must stay empty.
    PARAMETERS = {
        Kind.TENURE: {"months"},
        Kind.TIME_IN_LEVEL: {"months"},
        Kind.EXAM: {"category"},
        Kind.EVIDENCE: {"evidence_kind", "count"},
        Kind.METRIC: {"metric", "comparison", "threshold", "window_months"},
        Kind.COMPETENCY: {"competency", "proficiency"},
        Kind.ATTESTATION: {"code", "label"},
    }
    OPTIONAL_PARAMETERS = {Kind.EVIDENCE: {"category"}}
    ALL_PARAMETERS = (
        "months", "count", "evidence_kind", "category", "metric", "comparison",
        "threshold", "window_months", "competency", "proficiency", "code",
    )  # fmt: skip

    class Meta:
        ordering = ["level", "entitlement", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(level__isnull=False, entitlement__isnull=True)
                    | Q(level__isnull=True, entitlement__isnull=False)
                ),
                name="requirement_belongs_to_level_or_entitlement",
                violation_error_message=(
                    "A requirement belongs either to a level (a promotion bar) or to an "
                    "entitlement (a condition), not both and not neither."
                ),
            ),
        ]

    def __str__(self):
        return self.display_label

    def _param_is_set(self, name: str) -> bool:
        if name in ("competency", "proficiency"):
            return getattr(self, f"{name}_id") is not None
        value = getattr(self, name)
        return value not in (None, "")

    def clean(self):
        errors = {}
        needed = self.PARAMETERS.get(self.kind)
        if needed is None:
            raise ValidationError({"kind": f"Unknown requirement kind “{self.kind}”."})
        allowed = needed | self.OPTIONAL_PARAMETERS.get(self.kind, set()) | {"label"}
        kind_name = self.get_kind_display().lower()
        for name in sorted(needed):
            if not self._param_is_set(name):
                errors[name] = f"Required for a “{kind_name}” requirement."
        for name in self.ALL_PARAMETERS:
            if name not in allowed and self._param_is_set(name):
                errors[name] = f"Not used by a “{kind_name}” requirement; leave it empty."
        framework_id = self._framework_id()
        for name in ("competency", "proficiency"):
            related = getattr(self, name) if self._param_is_set(name) else None
            if related is not None and framework_id and related.framework_id != framework_id:
                errors[name] = f"That {name} belongs to another framework."
        if errors:
            raise ValidationError(errors)

    def _framework_id(self):
        # The owner may be an unsaved parent of an admin inline, so read objects, not ids.
        level = self.level
        if level is None and self.entitlement is not None:
            level = self.entitlement.level
        return level.framework_id if level is not None else None

    @property
    def display_label(self) -> str:
        return self.label or describe_requirement(self)


def describe_requirement(req: Requirement) -> str:
    """A plain-words label generated from a requirement's parameters."""
    kind = Requirement.Kind
    if req.kind == kind.TENURE:
        return f"At least {req.months} months since joining"
    if req.kind == kind.TIME_IN_LEVEL:
        return f"At least {req.months} months in the current level"
    if req.kind == kind.EXAM:
        return f"Passed the {req.category.replace('-', ' ')} exam"
    if req.kind == kind.EVIDENCE:
        noun = (
            Requirement.EvidenceKind(req.evidence_kind).label.lower()
            if req.evidence_kind
            else "item"
        )
        category = f"{req.category.replace('-', ' ')} " if req.category else ""
        plural = "" if req.count == 1 else "s"
        return f"{req.count} approved {category}{noun}{plural}"
    if req.kind == kind.METRIC:
        metric = Requirement.Metric(req.metric).label if req.metric else "metric"
        comparison = Requirement.Comparison(req.comparison).label if req.comparison else ""
        threshold = (
            format(Decimal(req.threshold).normalize(), "f") if req.threshold is not None else "?"
        )
        return (
            f"{metric} {comparison} {threshold} on average over the last {req.window_months} months"
        )
    if req.kind == kind.COMPETENCY:
        return f"{req.competency} rated {req.proficiency} or above by a manager"
    return req.label or "Confirmed by a manager"
