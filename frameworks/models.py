"""The career framework as data.

A Framework is one version of one document (slug + version). Everything
below it (tracks, levels, role profiles, competencies, requirements and
entitlements) belongs to exactly that version, so publishing a new version
never rewrites what an earlier decision was judged against.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from careerpath.input import validate_date_bounds

from . import kinds


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


EVIDENCE_KINDS = EvidenceKind.choices


class Framework(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        ARCHIVED = "archived", "Archived"

    slug = models.SlugField(max_length=80, help_text="Stable identifier shared by all versions.")
    name = models.CharField(max_length=200)
    version = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    effective_date = models.DateField(null=True, blank=True, validators=[validate_date_bounds])
    source_note = models.TextField(blank=True, help_text="Where the framework text comes from.")
    direct_manager_review_only = models.BooleanField(
        default=False,
        help_text="Only a person's direct manager reviews their evidence and rates them; "
        "when off, managers higher up the reporting line may too.",
    )
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    # Drafts opened, edited, published, archived and thrown away: who and when (the audit).
    history = HistoricalRecords()

    class Meta:
        ordering = ["slug", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["slug", "version"], name="framework_unique_version"),
            models.UniqueConstraint(
                fields=["slug"],
                condition=Q(status="published"),
                name="framework_one_published_version",
            ),
            # HR works on one draft at a time: cloning again opens it (frameworks.services).
            models.UniqueConstraint(
                fields=["slug"],
                condition=Q(status="draft"),
                name="framework_one_draft",
                violation_error_message="This framework already has a draft: open it instead.",
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

    history = HistoricalRecords()

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


class EvidenceCategory(models.Model):
    """A category people may give evidence of one kind (integration tickets, lead initiatives).

    A framework's categories for a kind are these and the ones its requirements
    name; evidence of that kind takes one of them or none.
    """

    framework = models.ForeignKey(
        Framework, on_delete=models.CASCADE, related_name="evidence_categories"
    )
    evidence_kind = models.CharField(max_length=20, choices=EVIDENCE_KINDS)
    slug = models.SlugField(max_length=60)
    name = models.CharField(max_length=120)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["framework", "order", "id"]
        verbose_name_plural = "evidence categories"
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "evidence_kind", "slug"], name="evidence_category_unique"
            ),
        ]

    def __str__(self):
        return f"{self.get_evidence_kind_display()}: {self.name}"


class MetricDefinition(models.Model):
    """A monthly figure HR tracks per person, e.g. QA score or median open time.

    Not versioned with a framework: `MonthlyMetric.metric` and metric
    requirements of any framework name it by slug. `volume_pct`,
    `unplanned_absence_pct` and `csat_pct` are the built-in ones.
    """

    class Direction(models.TextChoices):
        HIGHER = "higher", "Higher is better"
        LOWER = "lower", "Lower is better"

    class Aggregation(models.TextChoices):
        AVERAGE = "average", "Average of the months"
        MINIMUM = "minimum", "Lowest month"
        MAXIMUM = "maximum", "Highest month"
        SUM = "sum", "Sum of the months"

    slug = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=120)
    unit = models.CharField(max_length=20, blank=True, help_text="e.g. %, hours, per hour.")
    direction = models.CharField(max_length=6, choices=Direction.choices, default=Direction.HIGHER)
    aggregation = models.CharField(
        max_length=7,
        choices=Aggregation.choices,
        default=Aggregation.AVERAGE,
        help_text="How the months of a requirement's window combine into one figure.",
    )
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self):
        return self.name

    def as_spec(self) -> kinds.MetricSpec:
        return kinds.MetricSpec(
            slug=self.slug,
            name=self.name,
            unit=self.unit,
            higher_is_better=self.direction == self.Direction.HIGHER,
            aggregation=self.aggregation,
        )


class FrameworkMilestone(models.Model):
    """A tenure milestone people of this framework are told about (exam due at 6 months...)."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="milestones")
    months = models.PositiveIntegerField(validators=[MinValueValidator(1), MaxValueValidator(600)])
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    assumed = models.BooleanField(default=False, help_text="Not in the source document.")

    class Meta:
        ordering = ["framework", "months"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "months"], name="milestone_unique_month"),
        ]

    def __str__(self):
        return f"{self.months} months: {self.subject}"


class Entitlement(models.Model):
    """A perk of a level, unlocked when all its conditions (requirements) are met.

    Generic: `kind` names the perk (`wfh_days_per_month`, `learning_budget_per_year`...),
    `value` and `unit` say how much. A person gets, per kind, the best value
    unlocked at their level.
    """

    level = models.ForeignKey(Level, on_delete=models.CASCADE, related_name="entitlements")
    kind = models.SlugField(
        max_length=40, help_text="e.g. wfh_days_per_month or learning_budget_per_year."
    )
    value = models.PositiveIntegerField()
    unit = models.CharField(max_length=40, blank=True, help_text="e.g. days a month, EUR a year.")
    label = models.CharField(max_length=200, blank=True)
    source_text = models.TextField(blank=True, help_text="The words of the source document.")
    assumed = models.BooleanField(default=False, help_text="Not in the source document.")
    order = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["level", "order", "id"]

    def __str__(self):
        return self.label or f"{self.value} {self.unit or self.kind.replace('_', ' ')}"


class Requirement(models.Model):
    """One bar: a promotion criterion into a level, or a condition of an entitlement.

    `kind` decides which parameters are used (`frameworks.kinds.KINDS`);
    `clean()` checks that exactly those are given, so HR can add any kind in
    the admin and get a plain-words message when something is missing. A
    requirement with a `parent` is a member of that "any N of" group.
    """

    Kind = models.TextChoices(
        "Kind", [(slug.upper(), (slug, entry.name)) for slug, entry in kinds.KINDS.items()]
    )

    EvidenceKind = EvidenceKind

    class Comparison(models.TextChoices):
        GTE = "gte", "at least"
        LTE = "lte", "at most"

    class Window(models.TextChoices):
        HIRE = kinds.WINDOW_HIRE, "Since joining"
        LEVEL = kinds.WINDOW_LEVEL, "Since the start of the current level"
        TRAILING = kinds.WINDOW_TRAILING, "Over the trailing months"

    class PointsSource(models.TextChoices):
        RATINGS = "ratings", "Manager ratings (proficiency rank x weight)"
        EVIDENCE = "evidence", "Approved evidence (points per item)"

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
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="members",
        help_text="The “any N of” group this requirement is an option of.",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    label = models.CharField(
        max_length=300,
        blank=True,
        help_text="Plain words shown to people; written from the parameters when empty. Write "
        "{count}, {months}, {threshold}, {window_months}, {valid_months}, {competency} or "
        "{proficiency} to keep your words in step with the parameters.",
    )
    months = models.PositiveIntegerField(
        "months", null=True, blank=True, validators=[MaxValueValidator(600)]
    )
    count = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(100000)]
    )
    evidence_kind = models.CharField(max_length=20, choices=EvidenceKind.choices, blank=True)
    category = models.SlugField(max_length=60, blank=True)
    window = models.CharField(
        max_length=10,
        choices=Window.choices,
        blank=True,
        help_text="Which evidence counts; empty means everything since joining.",
    )
    metric = models.SlugField(max_length=30, blank=True, help_text="A metric definition's slug.")
    comparison = models.CharField(
        max_length=3,
        choices=Comparison.choices,
        blank=True,
        help_text="Empty: as the metric's direction says.",
    )
    threshold = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    window_months = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(120)]
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
        help_text="Confirmations and groups: a slug that stays the same across versions.",
    )
    valid_months = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text="Confirmations: how long one stays valid; empty means it does not expire.",
    )
    points_source = models.CharField(max_length=10, choices=PointsSource.choices, blank=True)
    weights = models.JSONField(
        default=dict,
        blank=True,
        help_text="Points: competency slug -> weight (ratings), or evidence kind or "
        "kind/category -> points per item (evidence).",
    )
    source_text = models.TextField(blank=True, help_text="The words of the source document.")
    assumed = models.BooleanField(default=False, help_text="Not in the source document.")
    order = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

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

    def parameter_values(self) -> dict:
        values = {name: getattr(self, name) for name in kinds.ALL_PARAMETERS}
        values["competency"] = self.competency_id
        values["proficiency"] = self.proficiency_id
        values["label"] = self.label
        return values

    def clean(self):
        errors = kinds.validate_parameters(self.kind, self.parameter_values())
        if "kind" in errors:
            raise ValidationError(errors)
        framework_id = self._framework_id()
        for name in ("competency", "proficiency"):
            related = getattr(self, name) if getattr(self, f"{name}_id") else None
            if related is not None and framework_id and related.framework_id != framework_id:
                errors[name] = f"That {name} belongs to another framework."
        metric_unknown = self.metric and "metric" not in errors
        if metric_unknown and not MetricDefinition.objects.filter(slug=self.metric).exists():
            errors["metric"] = (
                f"“{self.metric}” is not a defined metric; add it under Metric definitions."
            )
        rating_weights = self.kind == "points" and self.points_source == "ratings"
        if rating_weights and framework_id and isinstance(self.weights, dict) and self.weights:
            known = set(
                Competency.objects.filter(framework_id=framework_id).values_list("slug", flat=True)
            )
            unknown = sorted(set(self.weights) - known)
            if unknown:
                errors["weights"] = f"Not competencies of this framework: {', '.join(unknown)}."
        placeholder_problem = kinds.label_placeholder_problem(self.label, kinds.label_values(self))
        if placeholder_problem:
            errors["label"] = placeholder_problem
        if self.label and self.pk and not errors:
            row = (
                Requirement.objects.filter(pk=self.pk)
                .values(*kinds.LABEL_NUMBERS, "competency__name", "proficiency__name")
                .first()
            ) or {}
            before = {**row, "competency": row.get("competency__name"),
                      "proficiency": row.get("proficiency__name")}  # fmt: skip
            after = kinds.label_values(self)
            stale = kinds.stale_numbers(self.label, before, after)
            if stale:
                name = stale[0]
                errors["label"] = (
                    f"The label still says {kinds.plain(before[name])} but the "
                    f"{name.replace('_', ' ')} is now {kinds.plain(after[name])}: write "
                    f"{{{name}}} in its place to keep the label in step, or clear the label to "
                    "have it written for you."
                )
        if self.parent is not None:
            same_owner = (self.parent.level_id, self.parent.entitlement_id) == (
                self.level_id, self.entitlement_id,
            )  # fmt: skip
            if not same_owner:
                errors["parent"] = "A group's option belongs to the same level (or perk)."
            elif self.parent.kind != "group":
                errors["parent"] = "Only an “any N of” group has members."
            elif self.parent.parent_id is not None:
                errors["parent"] = "Groups nest one level deep: this group is itself a member."
            if self.kind == "group":
                errors["kind"] = "A member of a group cannot itself be a group."
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
        if self.label:
            return kinds.fill_label(self.label, kinds.label_values(self))
        return describe_requirement(self)


def describe_requirement(req: Requirement) -> str:
    """A plain-words label generated from a requirement's parameters (the registry's)."""
    if req.kind not in kinds.KINDS:
        return req.label or req.kind
    metrics = {}
    if req.metric:  # only for an unlabelled metric bar: its definition names it
        metrics = {m.slug: m.as_spec() for m in MetricDefinition.objects.filter(slug=req.metric)}
    spec = kinds.spec_from_requirement(req, level_code="", metrics=metrics)
    return kinds.KINDS[req.kind].describe(spec)
