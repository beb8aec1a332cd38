"""Input validation and the documented shapes of the API's answers."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assessments.models import Evidence, EvidenceKind, EvidenceReview
from promotions.models import PromotionCase

# --- a career: the contract of `manage.py eligibility --json` (DESIGN.md) ---------------


class RequirementResultSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    met = serializers.BooleanField()
    have = serializers.FloatField(allow_null=True)
    need = serializers.FloatField(allow_null=True)
    evidence_kind = serializers.CharField(allow_null=True)
    category = serializers.CharField(allow_null=True)
    reason = serializers.CharField(allow_null=True, required=False)
    params = serializers.DictField(required=False)
    group = serializers.CharField(required=False)
    code = serializers.CharField(required=False)
    attestation_code = serializers.CharField(required=False)


class NextLevelSerializer(serializers.Serializer):
    level = serializers.CharField()
    eligible = serializers.BooleanField()
    earliest_date = serializers.DateField(allow_null=True)
    requirements = RequirementResultSerializer(many=True)


class PerkSerializer(serializers.Serializer):
    kind = serializers.CharField()
    value = serializers.IntegerField()
    unit = serializers.CharField()
    label = serializers.CharField()


class CareerSerializer(serializers.Serializer):
    email = serializers.CharField()
    framework = serializers.CharField()
    level = serializers.CharField()
    as_of = serializers.DateField()
    tenure_months = serializers.IntegerField()
    wfh_days_per_month = serializers.IntegerField()
    entitlements = PerkSerializer(many=True)
    next = NextLevelSerializer(many=True)


class AsOfSerializer(serializers.Serializer):
    as_of = serializers.DateField(required=False, help_text="YYYY-MM-DD; today by default.")

    def validate_as_of(self, value):
        if not 1900 <= value.year <= 2200:
            raise serializers.ValidationError("Give a date between 1900 and 2200.")
        return value


# --- the team -----------------------------------------------------------------------------


class ReadinessSerializer(serializers.Serializer):
    level = serializers.CharField()
    eligible = serializers.BooleanField()
    met = serializers.IntegerField()
    total = serializers.IntegerField()
    earliest_date = serializers.DateField(allow_null=True)


class TeamMemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.CharField()
    name = serializers.CharField()
    framework = serializers.CharField()
    level = serializers.CharField()
    manager_id = serializers.IntegerField(allow_null=True)
    is_direct = serializers.BooleanField()
    tenure_months = serializers.IntegerField()
    months_in_level = serializers.IntegerField()
    evidence_waiting = serializers.IntegerField()
    next = ReadinessSerializer(many=True)


class TeamFilterSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, max_length=100, help_text="Name or e-mail words.")
    level = serializers.CharField(required=False, max_length=80)
    eligible = serializers.BooleanField(
        required=False, help_text="Only the ready, as of the last nightly check."
    )
    direct = serializers.BooleanField(required=False, help_text="Only direct reports.")


# --- evidence -----------------------------------------------------------------------------


class EvidenceSerializer(serializers.ModelSerializer):
    employee_id = serializers.IntegerField(read_only=True)
    employee_email = serializers.CharField(source="employee.user.email", read_only=True)
    competencies = serializers.SerializerMethodField()
    reviewed_by = serializers.SerializerMethodField()
    score = serializers.DecimalField(
        max_digits=6, decimal_places=2, coerce_to_string=False, allow_null=True, read_only=True
    )
    category = serializers.CharField(read_only=True, help_text="A category slug, or empty.")
    outcome = serializers.ChoiceField(
        choices=Evidence.Outcome.choices, allow_blank=True, read_only=True,
        help_text="Exams only: passed or failed; empty for other kinds.",
    )  # fmt: skip

    class Meta:
        model = Evidence
        fields = [
            "id", "employee_id", "employee_email", "kind", "category", "title", "reference",
            "occurred_on", "description", "outcome", "score", "competencies", "status",
            "submitted_at", "reviewed_by", "reviewed_at", "review_comment",
        ]  # fmt: skip
        read_only_fields = fields

    def get_competencies(self, obj) -> list[str]:
        return [c.slug for c in obj.competencies.all()]

    def get_reviewed_by(self, obj) -> str | None:
        return obj.reviewed_by.email if obj.reviewed_by_id else None


class EvidenceSubmitSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=EvidenceKind.choices)
    category = serializers.SlugField(max_length=60, required=False, allow_blank=True, default="")
    title = serializers.CharField(max_length=300)
    reference = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    occurred_on = serializers.DateField()
    description = serializers.CharField(
        max_length=10000, required=False, allow_blank=True, default=""
    )
    outcome = serializers.ChoiceField(
        choices=Evidence.Outcome.choices, required=False, allow_blank=True, default=""
    )
    score = serializers.DecimalField(
        max_digits=6, decimal_places=2, required=False, allow_null=True, default=None
    )
    competencies = serializers.ListField(
        child=serializers.SlugField(max_length=80),
        required=False,
        default=list,
        max_length=20,
        help_text="Competency slugs of your framework.",
    )


class EvidenceFilterSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(
        choices=[("mine", "mine"), ("reports", "reports"), ("waiting", "waiting")],
        required=False,
        default="mine",
        help_text="mine (default); reports: of the people you may review; waiting: theirs "
        "that wait for your review.",
    )
    status = serializers.ChoiceField(choices=Evidence.Status.choices, required=False)
    kind = serializers.ChoiceField(choices=EvidenceKind.choices, required=False)
    category = serializers.SlugField(max_length=60, required=False)
    employee = serializers.IntegerField(required=False, min_value=1, max_value=2**62)


class EvidenceReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=EvidenceReview.Decision.choices)
    comment = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


# --- promotion cases ----------------------------------------------------------------------


class CaseStepSerializer(serializers.Serializer):
    order = serializers.IntegerField()
    name = serializers.CharField()
    role = serializers.CharField()
    decided = serializers.BooleanField()
    approved = serializers.BooleanField(allow_null=True)
    approver = serializers.CharField(allow_null=True)
    comment = serializers.CharField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)


class PromotionCaseSerializer(serializers.ModelSerializer):
    employee_id = serializers.IntegerField()
    employee_email = serializers.CharField(source="employee.user.email")
    framework = serializers.CharField(source="framework.slug")
    from_level = serializers.CharField(source="from_level.code")
    to_level = serializers.CharField(source="to_level.code")
    nominated_by = serializers.CharField(source="nominated_by.email")
    steps = serializers.SerializerMethodField()

    class Meta:
        model = PromotionCase
        fields = [
            "id", "employee_id", "employee_email", "framework", "from_level", "to_level",
            "nominated_by", "justification", "status", "decision_reason", "created_at",
            "decided_at", "steps",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(CaseStepSerializer(many=True))
    def get_steps(self, obj):
        steps = self.context.get("steps", {}).get(obj.framework.slug, [])
        decided = {a.step_id: a for a in obj.approvals.all()}
        rows = []
        for step in steps:
            approval = decided.get(step.pk)
            rows.append(
                {
                    "order": step.order,
                    "name": step.name,
                    "role": step.role,
                    "decided": approval is not None,
                    "approved": approval.approved if approval else None,
                    "approver": approval.approver.email if approval else None,
                    "comment": approval.comment if approval else None,
                    "decided_at": approval.created_at if approval else None,
                }
            )
        return CaseStepSerializer(rows, many=True).data


class CaseFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=PromotionCase.Status.choices, required=False)
    employee = serializers.IntegerField(required=False, min_value=1, max_value=2**62)


class NominateSerializer(serializers.Serializer):
    employee = serializers.IntegerField(min_value=1, max_value=2**62, help_text="A person's id.")
    to_level = serializers.SlugField(max_length=80, help_text="A next level's code.")
    justification = serializers.CharField(
        max_length=10000, required=False, allow_blank=True, default=""
    )


class DecideSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[("approve", "approve"), ("reject", "reject")])
    comment = serializers.CharField(max_length=10000, required=False, allow_blank=True, default="")


# --- frameworks ---------------------------------------------------------------------------


class FrameworkSummarySerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    version = serializers.IntegerField()
    status = serializers.CharField()
    effective_date = serializers.DateField(allow_null=True)


# --- ratings and confirmations ------------------------------------------------------------


class RatingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    competency = serializers.CharField(source="competency.slug")
    proficiency = serializers.CharField(source="proficiency.slug")
    source = serializers.ChoiceField(choices=[("self", "self"), ("manager", "manager")])
    period = serializers.CharField()
    rated_on = serializers.DateField()
    rated_by = serializers.CharField(source="rated_by.email", allow_null=True)
    comment = serializers.CharField()


class RatingFilterSerializer(serializers.Serializer):
    source = serializers.ChoiceField(choices=[("self", "self"), ("manager", "manager")],
                                     required=False)  # fmt: skip
    period = serializers.RegexField(r"^\d{4}-(H[12]|Q[1-4])$", max_length=7, required=False)


class RateSerializer(serializers.Serializer):
    competency = serializers.SlugField(max_length=80, help_text="A competency's slug.")
    proficiency = serializers.SlugField(max_length=80, help_text="A proficiency level's slug.")
    period = serializers.CharField(
        max_length=7, required=False, help_text="e.g. 2026-H2; the current half by default."
    )
    comment = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class ConfirmationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    level = serializers.CharField(source="level.code")
    statement = serializers.CharField()
    attested_on = serializers.DateField()
    attested_by = serializers.CharField(source="attested_by.email", allow_null=True)
    comment = serializers.CharField()


class ConfirmSerializer(serializers.Serializer):
    level = serializers.SlugField(max_length=80, help_text="The next level it is confirmed for.")
    code = serializers.SlugField(max_length=80, help_text="The expectation's code.")
    comment = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
