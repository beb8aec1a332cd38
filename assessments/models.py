"""The facts promotions are judged on: evidence, reviews, ratings, attestations, metrics."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from careerpath.input import validate_date_bounds
from frameworks.models import Requirement
from people.models import Employee

from .hris import BUILT_IN, DATE_FORMATS, profile_from_model, profile_problem
from .validators import validate_attachment

EvidenceKind = Requirement.EvidenceKind

PERIOD_VALIDATOR = RegexValidator(
    r"^\d{4}-(H[12]|Q[1-4])$", "Write a review period as YYYY-H1, YYYY-H2 or YYYY-Q1..Q4."
)


def review_period(day) -> str:
    """The half-year review period a day falls in, e.g. 2026-H2."""
    return f"{day.year}-H{1 if day.month <= 6 else 2}"


class Evidence(models.Model):
    """Something a person did that counts towards a level: a ticket, a document, an exam..."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Waiting for review"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class Outcome(models.TextChoices):
        PASSED = "passed", "Passed"
        FAILED = "failed", "Failed"

    employee = models.ForeignKey(
        "people.Employee", on_delete=models.PROTECT, related_name="evidence"
    )
    kind = models.CharField(max_length=20, choices=EvidenceKind.choices)
    category = models.SlugField(
        max_length=60,
        blank=True,
        help_text="e.g. integration, scripting, css, api; six-month for the exam; "
        "participant or lead for initiatives.",
    )
    title = models.CharField(max_length=300)
    reference = models.CharField(max_length=300, blank=True, help_text="A ticket number or a link.")
    occurred_on = models.DateField("date", validators=[validate_date_bounds])
    description = models.TextField(blank=True)
    attachment = models.FileField(
        upload_to="evidence/%Y/%m/", blank=True, validators=[validate_attachment]
    )
    competencies = models.ManyToManyField(
        "frameworks.Competency", blank=True, related_name="evidence"
    )
    outcome = models.CharField(
        max_length=10, choices=Outcome.choices, blank=True, help_text="Exams only."
    )
    score = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, help_text="Exams only."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    submitted_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(m2m_fields=[competencies])

    class Meta:
        ordering = ["-occurred_on", "-id"]
        verbose_name_plural = "evidence"
        indexes = [
            models.Index(fields=["employee", "status", "kind", "category"]),
            models.Index(fields=["status", "submitted_at"]),
        ]
        constraints = [
            # Re-importing a helpdesk export or a CSV must not duplicate a ticket.
            models.UniqueConstraint(
                fields=["employee", "kind", "reference"],
                condition=~Q(reference=""),
                name="evidence_unique_reference",
                violation_error_message="This person already has evidence of this kind "
                "with this reference.",
            ),
            models.CheckConstraint(
                condition=Q(kind="exam") | (Q(outcome="") & Q(score__isnull=True)),
                name="evidence_outcome_only_for_exams",
                violation_error_message="Only exams have an outcome and a score.",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.title}"

    @property
    def counts(self) -> bool:
        """Whether promotion rules count it: approved, and for an exam, passed."""
        if self.status != self.Status.APPROVED:
            return False
        return self.kind != EvidenceKind.EXAM or self.outcome == self.Outcome.PASSED

    @property
    def is_reviewable(self) -> bool:
        return self.status == self.Status.SUBMITTED


class EvidenceReview(models.Model):
    """One decision on one evidence item, kept even when the item is resubmitted."""

    class Decision(models.TextChoices):
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(max_length=10, choices=Decision.choices)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_decision_display()} by {self.reviewer}"


class CompetencyRating(models.Model):
    """A self or manager rating of one competency for one review period."""

    class Source(models.TextChoices):
        SELF = "self", "Self"
        MANAGER = "manager", "Manager"

    employee = models.ForeignKey(
        "people.Employee", on_delete=models.PROTECT, related_name="competency_ratings"
    )
    competency = models.ForeignKey(
        "frameworks.Competency", on_delete=models.PROTECT, related_name="+"
    )
    proficiency = models.ForeignKey(
        "frameworks.ProficiencyLevel", on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(max_length=10, choices=Source.choices)
    period = models.CharField(max_length=7, validators=[PERIOD_VALIDATOR])
    rated_on = models.DateField(validators=[validate_date_bounds])
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    comment = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["employee", "competency", "-rated_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["employee", "competency", "source", "period"],
                name="rating_once_per_period",
            ),
        ]

    def __str__(self):
        return f"{self.competency} {self.proficiency} ({self.get_source_display()}, {self.period})"


class Attestation(models.Model):
    """A manager confirms a qualitative expectation ("Can QA with minimal assistance").

    A confirmation is given for one target level, under the framework version
    that level belongs to: confirming "exhibits the traits of this level" for
    S3 says nothing about SL1. It counts for requirements with the same code
    into a level with the same code, in any later version too; a
    requirement's `valid_months` may make it expire.
    """

    employee = models.ForeignKey(
        "people.Employee", on_delete=models.PROTECT, related_name="attestations"
    )
    code = models.SlugField(max_length=80, help_text="The requirement's attestation code.")
    level = models.ForeignKey(
        "frameworks.Level",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The level this confirmation is for (and so the framework version).",
    )
    statement = models.CharField(max_length=300)
    attested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    attested_on = models.DateField(validators=[validate_date_bounds])
    comment = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["employee", "-attested_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["employee", "code", "level"], name="attestation_once_per_level"
            ),
        ]

    def __str__(self):
        return f"{self.statement} for {self.level.code} ({self.attested_on})"

    def clean(self):
        both = self.level_id and self.employee_id
        if both and self.level.framework.slug != self.employee.framework.slug:
            raise ValidationError({"level": "That level is of another framework."})


class MonthlyMetric(models.Model):
    """One month's figure for one person.

    `volume_pct` is the person's ticket/call/chat volume as a percentage of the
    expected volume for their role that month (the "How to succeed in support"
    baseline); 100 means exactly on par. `unplanned_absence_pct` is unplanned
    absence as a percentage of working days; `csat_pct` the share of positive
    customer-satisfaction answers.
    """

    employee = models.ForeignKey(
        "people.Employee", on_delete=models.PROTECT, related_name="metrics"
    )
    # A slug, not a foreign key, so scripts and CSVs keep naming metrics as before;
    # importers and forms check it against the metric definitions.
    metric = models.SlugField(max_length=30, help_text="A metric definition's slug.")
    period = models.DateField(
        help_text="The first day of the month.", validators=[validate_date_bounds]
    )
    value = models.DecimalField(
        max_digits=7,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(10000)],
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["employee", "metric", "-period"]
        constraints = [
            models.UniqueConstraint(
                fields=["employee", "metric", "period"], name="metric_once_per_month"
            ),
            models.CheckConstraint(
                condition=Q(period__day=1), name="metric_period_is_first_of_month"
            ),
        ]

    def __str__(self):
        return f"{self.metric} {self.period:%Y-%m}: {self.value}"


class HelpdeskTagCategory(models.Model):
    """Maps a helpdesk ticket tag (Zendesk/Freshdesk) to an evidence category; tags match
    ignoring case, as the export writes them (Freshdesk's may hold spaces)."""

    tag = models.CharField(max_length=100, unique=True)
    category = models.SlugField(max_length=60)

    history = HistoricalRecords()

    class Meta:
        ordering = ["tag"]
        verbose_name = "helpdesk tag mapping"

    def __str__(self):
        return f"{self.tag} → {self.category}"


class HelpdeskAgent(models.Model):
    """Who a helpdesk agent is here, for exports that name the agent (or give an id) but
    no e-mail. The ticket importer adds a row for every agent it meets: matched to the one
    employee whose full name is the agent's name, or to nobody (their tickets are skipped
    as "unknown agent"). HR reviews the rows and sets the employee; a row HR set is never
    matched again automatically."""

    class Source(models.TextChoices):
        AUTO = "auto", "Matched by the importer"
        HR = "hr", "Set by HR"

    name = models.CharField(
        max_length=200, help_text="The agent's name or id as the helpdesk export writes it."
    )
    key = models.CharField(
        max_length=200, unique=True, editable=False,
        help_text="The name in lower case with single spaces: what the importer matches.",
    )  # fmt: skip
    employee = models.ForeignKey(
        "people.Employee", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="Empty: this agent's tickets are skipped as an unknown agent.",
    )  # fmt: skip
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.AUTO)

    history = HistoricalRecords()

    class Meta:
        ordering = ["key"]
        verbose_name = "helpdesk agent"

    def __str__(self):
        return self.name


class Leaver(Employee):
    """People who have left, for HR to find and, on request, anonymise (an admin list)."""

    class Meta:
        proxy = True
        verbose_name = "leaver"


class ImportRun(models.Model):
    """A file HR uploaded in the browser to import: its dry run, then (once) its apply.

    The file is kept exactly as uploaded (`data`, with its SHA-256), so Apply imports the
    very bytes the dry run read. The importer is the command's (assessments.import_kinds).
    `dry_run` and `result` hold what the importer said: counts and each line's outcome, or
    every problem ("line N: reason") when it refused the file.
    """

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting for a worker to check it"
        CHECKING = "checking", "Checking (dry run)"
        CHECKED = "checked", "Checked: ready to apply"
        REFUSED = "refused", "Refused: nothing can be imported"
        APPLYING = "applying", "Applying"
        APPLIED = "applied", "Applied"
        APPLY_REFUSED = "apply_refused", "Refused on apply: nothing changed"
        FAILED = "failed", "Failed: nothing changed"

    kind = models.CharField(max_length=40, help_text="A kind of assessments.import_kinds.")
    options = models.JSONField(default=dict, blank=True, help_text="e.g. the column profile.")
    file_name = models.CharField(max_length=255)
    data = models.BinaryField(editable=False, help_text="The file as uploaded.")
    sha256 = models.CharField(max_length=64, editable=False)
    size = models.PositiveIntegerField(help_text="Bytes.")
    rows = models.PositiveIntegerField(help_text="Lines of the file (a CSV value may span some).")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.QUEUED)
    state_changed_at = models.DateTimeField(help_text="When the current state began.")
    dry_run = models.JSONField(null=True, blank=True, editable=False)
    checked_at = models.DateTimeField(null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    applied_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True, editable=False)
    error = models.TextField(blank=True, help_text="An unexpected failure, for the admins.")

    # The file and the line tables can be megabytes: the history keeps who did what when.
    history = HistoricalRecords(excluded_fields=["data", "dry_run", "result"])

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "import"
        indexes = [models.Index(fields=["-created_at", "-id"], name="importrun_recent")]

    def __str__(self):
        return f"{self.file_name} ({self.kind}, {self.get_state_display()})"

    @property
    def is_running(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.CHECKING, self.State.APPLYING)


def _column(field: str, example: str):
    return models.CharField(
        f"{field.replace('_', ' ')} column",
        max_length=100,
        blank=True,
        help_text=f"The export's header for this field, e.g. “{example}”.",
    )


class ImportProfile(models.Model):
    """How to read an HR system's employee export (`import_people --profile NAME`): the
    file's column for each field, its date format, its status values and a job-title
    table. Columns left empty are the base profile's (a built-in one), if any; a column
    named here must be in the file. assessments.hris reads it."""

    name = models.SlugField(
        max_length=50,
        unique=True,
        help_text="What `import_people --profile NAME` takes. Name it like a built-in "
        "profile (bamboohr, personio, workday) to give that layout this title table.",
    )
    based_on = models.CharField(
        max_length=20,
        blank=True,
        choices=[("bamboohr", "BambooHR"), ("personio", "Personio"), ("workday", "Workday")],
        help_text="A built-in layout whose columns, date format and status values this "
        "profile takes where its own are empty. Empty: name every column here.",
    )
    email_column = _column("email", "Work Email")
    name_column = _column("name", "Full Name")
    first_name_column = _column("first_name", "First Name")
    last_name_column = _column("last_name", "Last Name")
    employee_id_column = _column("employee_id", "Employee #")
    manager_email_column = _column("manager_email", "Supervisor Email")
    manager_employee_id_column = _column("manager_employee_id", "Supervisor EID")
    framework_column = _column("framework", "Career Framework")
    level_column = _column("level", "Level Code")
    job_title_column = _column("job_title", "Job Title")
    hire_date_column = _column("hire_date", "Hire Date")
    level_since_column = _column("level_since", "Job Start Date")
    status_column = _column("status", "Status")
    team_column = _column("team", "Department")
    region_column = _column("region", "Location")
    date_format = models.CharField(
        max_length=20,
        blank=True,
        choices=[(fmt, label) for fmt, label in DATE_FORMATS.items()],
        help_text="How the export writes dates (ISO dates, YYYY-MM-DD, are read too). Empty: "
        "the base profile's, else YYYY-MM-DD.",
    )
    active_values = models.CharField(
        max_length=200,
        blank=True,
        help_text="The status column's values for people who work here, separated by "
        "commas, e.g. “Active, On leave” (case is ignored). Empty: the base profile's, "
        "else “active”.",
    )
    inactive_values = models.CharField(
        max_length=200,
        blank=True,
        help_text="The values for leavers (they lose access), e.g. “Inactive, Terminated”. "
        "Empty: the base profile's, else “inactive”.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = "people import profile"

    def __str__(self):
        return self.name

    def clean(self):
        if self.based_on and self.based_on not in BUILT_IN:  # pragma: no cover (a choice)
            raise ValidationError({"based_on": "Not a built-in profile."})
        active = {v.strip().casefold() for v in self.active_values.split(",") if v.strip()}
        inactive = {v.strip().casefold() for v in self.inactive_values.split(",") if v.strip()}
        if both := active & inactive:
            raise ValidationError(
                {"inactive_values": f"Both active and inactive: {', '.join(sorted(both))}."}
            )
        # The columns are what matters here (an unsaved profile has no titles yet).
        if problem := profile_problem(profile_from_model(self, with_titles=False)):
            raise ValidationError(f"This profile cannot read a people file: {problem}.")


class ImportProfileTitle(models.Model):
    """One row of a profile's job-title table: the export's job title and the level it is.
    The level's code in the framework's published version is what counts, so the table
    survives publishing a new version."""

    profile = models.ForeignKey(ImportProfile, on_delete=models.CASCADE, related_name="titles")
    title = models.CharField(
        max_length=200, help_text="As the export writes it; case and spacing are ignored."
    )
    level = models.ForeignKey(
        "frameworks.Level",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"framework__status": "published"},
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["profile", "title"]
        verbose_name = "job title"

    def __str__(self):
        return f"{self.title} → {self.level.code}"
