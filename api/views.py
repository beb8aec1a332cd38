"""The REST API: thin callers of the same selectors and services as the pages.

Who may see or do what is decided there: a person, an item or a case the caller may not
see answers 404; an action the caller may see but not take answers 403 (as the pages).
"""

from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments.models import Attestation, CompetencyRating, Evidence, review_period
from assessments.selectors import (
    attestation_expectations,
    evidence_for_employee,
    evidence_of_reports,
    evidence_visible_to,
    evidence_waiting_for,
)
from assessments.services import (
    attestation_record,
    evidence_review,
    evidence_submit,
    rating_record,
)
from careerpath.input import MAX_ID
from frameworks.models import Competency, Framework, Level, ProficiencyLevel
from frameworks.selectors import framework_as_dict, published_frameworks_list
from people.models import Employee
from people.selectors import employee_for_user, employee_visible_to, team_member_get
from promotions.selectors import (
    TeamChoices,
    career_status,
    promotion_case_list,
    team_members,
    team_rows_judged,
)
from promotions.services import approval_steps, promotion_decide, promotion_nominate

from . import serializers as s

# The largest value each URL id may take: a database id, a framework version (an integer
# column). Larger numbers match the URL's <int:...> but no row: 404, not an overflow.
ID_LIMITS = {"pk": MAX_ID, "version": 2**31 - 1}


class BoundedIds:
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication and permissions first
        for name, limit in ID_LIMITS.items():
            if name in kwargs and not 0 < kwargs[name] <= limit:
                raise Http404("No such record.")


def _me(request) -> Employee | None:
    if not hasattr(request, "_cp_profile"):
        request._cp_profile = employee_for_user(request.user)
    return request._cp_profile


def _as_of(request):
    query = s.AsOfSerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data.get("as_of") or timezone.localdate()


AS_OF = OpenApiParameter("as_of", OpenApiTypes.DATE, description="YYYY-MM-DD; today by default.")


# --- careers ------------------------------------------------------------------------------


class MyCareerView(BoundedIds, APIView):
    """Where I stand: the same JSON as `manage.py eligibility EMAIL --json`."""

    @extend_schema(parameters=[AS_OF], responses=s.CareerSerializer, operation_id="my_career")
    def get(self, request):
        me = _me(request)
        if me is None:
            raise Http404("You are not on a career framework.")
        return Response(career_status(employee=me, as_of=_as_of(request)).as_json())


class PersonCareerView(BoundedIds, APIView):
    """A person's career, for them, the managers above them and HR."""

    @extend_schema(parameters=[AS_OF], responses=s.CareerSerializer, operation_id="person_career")
    def get(self, request, pk):
        employee = Employee.objects.select_related("user").filter(pk=pk).first()
        if employee is None or not employee_visible_to(user=request.user, employee=employee):
            raise Http404("No such person.")
        return Response(career_status(employee=employee, as_of=_as_of(request)).as_json())


class TeamView(BoundedIds, generics.GenericAPIView):
    """My direct and indirect reports with readiness for each of their next levels."""

    serializer_class = s.TeamMemberSerializer

    @extend_schema(
        parameters=[s.TeamFilterSerializer],
        responses=s.TeamMemberSerializer(many=True),
        operation_id="team_list",
    )
    def get(self, request):
        me = _me(request)
        if me is None:
            raise PermissionDenied("You are not on a career framework.")
        query = s.TeamFilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        wanted = query.validated_data
        # The team page's selector: the database searches, filters and orders; only the
        # page returned is judged now (eligible-only reads the last check's verdicts).
        people = team_members(
            manager=me,
            choices=TeamChoices(
                q=wanted.get("q", "").strip()[:100],
                level=wanted.get("level", ""),
                eligible=wanted.get("eligible", False),
                direct=wanted.get("direct", False),
                sort="name",
            ),
        )
        page = team_rows_judged(
            people=list(self.paginate_queryset(people)), manager=me, as_of=timezone.localdate()
        )
        return self.get_paginated_response([_team_row(row) for row in page])


def _team_row(row) -> dict:
    person = row.status.employee
    return {
        "id": person.pk,
        "email": person.user.email,
        "name": person.name,
        "framework": row.status.level.framework.slug,
        "level": row.status.level.code,
        "manager_id": person.manager_id,
        "is_direct": row.is_direct,
        "tenure_months": row.status.tenure_months,
        "months_in_level": row.status.months_in_level,
        "evidence_waiting": row.waiting,
        "next": [
            {
                "level": r.level.code,
                "eligible": r.eligible,
                "met": r.met_count,
                "total": len(r.results),
                "earliest_date": r.earliest_date,
            }
            for r in row.status.next_levels
        ],
    }


# --- evidence -----------------------------------------------------------------------------


class EvidenceListView(BoundedIds, generics.GenericAPIView):
    """Evidence: mine, or (managers) of the people I may review; submit mine."""

    serializer_class = s.EvidenceSerializer

    @extend_schema(
        parameters=[s.EvidenceFilterSerializer],
        responses=s.EvidenceSerializer(many=True),
        operation_id="evidence_list",
    )
    def get(self, request):
        query = s.EvidenceFilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        wanted = query.validated_data
        me = _me(request)
        if me is None:
            items = Evidence.objects.none()
        elif wanted["scope"] == "mine":
            items = evidence_for_employee(employee=me)
        elif wanted["scope"] == "waiting":
            items = evidence_waiting_for(reviewer=me)
        else:
            items = evidence_of_reports(reviewer=me)
        for field in ("status", "kind", "category"):
            if field in wanted:
                items = items.filter(**{field: wanted[field]})
        if "employee" in wanted:
            items = items.filter(employee_id=wanted["employee"])
        items = (
            items.select_related("employee__user", "reviewed_by")
            .prefetch_related("competencies")
            .order_by("-submitted_at", "-id")
        )
        page = self.paginate_queryset(items)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        request=s.EvidenceSubmitSerializer,
        responses={201: s.EvidenceSerializer},
        operation_id="evidence_submit",
    )
    def post(self, request):
        me = _me(request)
        if me is None:
            raise PermissionDenied("You are not on a career framework.")
        data = s.EvidenceSubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        slugs = fields.pop("competencies")
        competencies = list(Competency.objects.filter(framework_id=me.framework_id, slug__in=slugs))
        unknown = sorted(set(slugs) - {c.slug for c in competencies})
        if unknown:
            raise s.serializers.ValidationError(
                {"competencies": [f"Not a competency of your framework: {', '.join(unknown)}."]}
            )
        if fields["score"] is None:
            fields.pop("score")
        evidence = evidence_submit(
            employee=me, actor=request.user, competencies=competencies, **fields
        )
        evidence = Evidence.objects.select_related("employee__user").get(pk=evidence.pk)
        return Response(self.get_serializer(evidence).data, status=status.HTTP_201_CREATED)


def _visible_evidence(request, pk) -> Evidence:
    evidence = (
        Evidence.objects.select_related("employee__user", "reviewed_by")
        .prefetch_related("competencies")
        .filter(pk=pk)
        .first()
    )
    if evidence is None or not evidence_visible_to(user=request.user, evidence=evidence):
        raise Http404("No such evidence.")
    return evidence


class EvidenceDetailView(BoundedIds, generics.GenericAPIView):
    serializer_class = s.EvidenceSerializer

    @extend_schema(operation_id="evidence_get")
    def get(self, request, pk):
        return Response(self.get_serializer(_visible_evidence(request, pk)).data)


class EvidenceReviewView(BoundedIds, generics.GenericAPIView):
    """Approve or reject an item waiting for review (a manager above its owner)."""

    serializer_class = s.EvidenceSerializer

    @extend_schema(
        request=s.EvidenceReviewSerializer,
        responses=s.EvidenceSerializer,
        operation_id="evidence_review",
    )
    def post(self, request, pk):
        evidence = _visible_evidence(request, pk)
        data = s.EvidenceReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        evidence_review(evidence=evidence, actor=request.user, **data.validated_data)
        return Response(self.get_serializer(_visible_evidence(request, pk)).data)


# --- promotion cases ----------------------------------------------------------------------


def _cases(request):
    return promotion_case_list(user=request.user).prefetch_related("approvals__approver")


def _steps_context(cases) -> dict:
    return {"steps": {slug: approval_steps(slug) for slug in {c.framework.slug for c in cases}}}


class CaseListView(BoundedIds, generics.GenericAPIView):
    """Promotion cases I may see (mine, my reports', all for HR); nominate a report."""

    serializer_class = s.PromotionCaseSerializer

    @extend_schema(
        parameters=[s.CaseFilterSerializer],
        responses=s.PromotionCaseSerializer(many=True),
        operation_id="promotion_case_list",
    )
    def get(self, request):
        query = s.CaseFilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        cases = _cases(request)
        if "status" in query.validated_data:
            cases = cases.filter(status=query.validated_data["status"])
        if "employee" in query.validated_data:
            cases = cases.filter(employee_id=query.validated_data["employee"])
        page = self.paginate_queryset(cases.order_by("-created_at", "-id"))
        context = {**self.get_serializer_context(), **_steps_context(page)}
        return self.get_paginated_response(
            s.PromotionCaseSerializer(page, many=True, context=context).data
        )

    @extend_schema(
        request=s.NominateSerializer,
        responses={201: s.PromotionCaseSerializer},
        operation_id="promotion_nominate",
    )
    def post(self, request):
        data = s.NominateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        wanted = data.validated_data
        employee = team_member_get(user=request.user, pk=wanted["employee"], acting=True)
        if employee is None:
            raise Http404("No such person in your team.")
        level = Level.objects.filter(framework_id=employee.framework_id, code=wanted["to_level"])
        to_level = level.first()
        if to_level is None:
            raise s.serializers.ValidationError(
                {"to_level": [f"{employee.name}'s framework has no level “{wanted['to_level']}”."]}
            )
        case = promotion_nominate(
            employee=employee,
            to_level=to_level,
            actor=request.user,
            justification=wanted["justification"],
            as_of=timezone.localdate(),
        )
        case = _cases(request).get(pk=case.pk)
        context = {**self.get_serializer_context(), **_steps_context([case])}
        return Response(
            s.PromotionCaseSerializer(case, context=context).data, status=status.HTTP_201_CREATED
        )


def _visible_case(request, pk):
    case = _cases(request).filter(pk=pk).first()
    if case is None:
        raise Http404("No such promotion case.")
    return case


class CaseDetailView(BoundedIds, generics.GenericAPIView):
    serializer_class = s.PromotionCaseSerializer

    @extend_schema(operation_id="promotion_case_get")
    def get(self, request, pk):
        case = _visible_case(request, pk)
        context = {**self.get_serializer_context(), **_steps_context([case])}
        return Response(s.PromotionCaseSerializer(case, context=context).data)


class CaseDecideView(BoundedIds, generics.GenericAPIView):
    """Decide the case's next approval step (a manager, then HR, as the framework says)."""

    serializer_class = s.PromotionCaseSerializer

    @extend_schema(
        request=s.DecideSerializer,
        responses=s.PromotionCaseSerializer,
        operation_id="promotion_decide",
    )
    def post(self, request, pk):
        case = _visible_case(request, pk)
        data = s.DecideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        promotion_decide(
            case=case,
            actor=request.user,
            approve=data.validated_data["decision"] == "approve",
            comment=data.validated_data["comment"],
            on=timezone.localdate(),
        )
        case = _visible_case(request, pk)
        context = {**self.get_serializer_context(), **_steps_context([case])}
        return Response(s.PromotionCaseSerializer(case, context=context).data)


# --- ratings and confirmations ----------------------------------------------------------


def _visible_person(request, pk) -> Employee:
    employee = Employee.objects.select_related("user").filter(pk=pk).first()
    if employee is None or not employee_visible_to(user=request.user, employee=employee):
        raise Http404("No such person.")
    return employee


class RatingsView(BoundedIds, generics.GenericAPIView):
    """A person's competency ratings (self and manager); rate: the person rates themselves,
    a manager above them gives the manager rating (same period again: replaced)."""

    serializer_class = s.RatingSerializer

    @extend_schema(
        parameters=[s.RatingFilterSerializer],
        responses=s.RatingSerializer(many=True),
        operation_id="rating_list",
    )
    def get(self, request, pk):
        employee = _visible_person(request, pk)
        query = s.RatingFilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        ratings = CompetencyRating.objects.filter(employee=employee, **query.validated_data)
        ratings = ratings.select_related("competency", "proficiency", "rated_by").order_by(
            "-rated_on", "-id"
        )
        page = self.paginate_queryset(ratings)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        request=s.RateSerializer, responses={201: s.RatingSerializer}, operation_id="rating_record"
    )
    def post(self, request, pk):
        employee = _visible_person(request, pk)
        data = s.RateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        wanted = data.validated_data
        competency = Competency.objects.filter(
            framework_id=employee.framework_id, slug=wanted["competency"]
        ).first()
        proficiency = ProficiencyLevel.objects.filter(
            framework_id=employee.framework_id, slug=wanted["proficiency"]
        ).first()
        problems = {}
        if competency is None:
            problems["competency"] = [f"Not a competency of {employee.name}'s framework."]
        if proficiency is None:
            problems["proficiency"] = [f"Not a proficiency of {employee.name}'s framework."]
        if problems:
            raise s.serializers.ValidationError(problems)
        today = timezone.localdate()
        rating = rating_record(
            employee=employee,
            actor=request.user,
            competency=competency,
            proficiency=proficiency,
            period=wanted.get("period") or review_period(today),
            comment=wanted["comment"],
            rated_on=today,
        )
        return Response(self.get_serializer(rating).data, status=status.HTTP_201_CREATED)


class ConfirmationsView(BoundedIds, generics.GenericAPIView):
    """A person's confirmations (a manager confirmed a qualitative expectation for one of
    their next levels); confirm one (a manager above them, never themselves)."""

    serializer_class = s.ConfirmationSerializer

    @extend_schema(responses=s.ConfirmationSerializer(many=True), operation_id="confirmation_list")
    def get(self, request, pk):
        employee = _visible_person(request, pk)
        items = (
            Attestation.objects.filter(employee=employee)
            .select_related("level", "attested_by")
            .order_by("-attested_on", "-id")
        )
        page = self.paginate_queryset(items)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        request=s.ConfirmSerializer,
        responses={201: s.ConfirmationSerializer},
        operation_id="confirmation_record",
    )
    def post(self, request, pk):
        employee = _visible_person(request, pk)
        data = s.ConfirmSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        wanted = data.validated_data
        expected = attestation_expectations(employee=employee)
        item = next(
            (
                e
                for e in expected.values()
                if e.level.code == wanted["level"] and e.code == wanted["code"]
            ),
            None,
        )
        if item is None:
            # Not something to confirm for this person: the service says so (and who may).
            level = Level.objects.filter(
                framework_id=employee.framework_id, code=wanted["level"]
            ).first()
            if level is None:
                raise s.serializers.ValidationError(
                    {"level": [f"{employee.name}'s framework has no level “{wanted['level']}”."]}
                )
            statement = wanted["code"]
        else:
            level, statement = item.level, item.label
        attestation = attestation_record(
            employee=employee,
            actor=request.user,
            code=wanted["code"],
            level=level,
            statement=statement,
            attested_on=timezone.localdate(),
            comment=wanted["comment"],
        )
        return Response(self.get_serializer(attestation).data, status=status.HTTP_201_CREATED)


# --- frameworks ---------------------------------------------------------------------------


class FrameworkListView(BoundedIds, generics.GenericAPIView):
    """The published frameworks."""

    serializer_class = s.FrameworkSummarySerializer

    @extend_schema(responses=s.FrameworkSummarySerializer(many=True), operation_id="framework_list")
    def get(self, request):
        page = self.paginate_queryset(published_frameworks_list().order_by("slug"))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


FRAMEWORK = {
    "type": "object",
    "description": "The whole framework in the import/export format's shape "
    "(docs/framework-format.md): levels with their requirements, entitlements, competencies.",
    "properties": {
        "slug": {"type": "string"},
        "name": {"type": "string"},
        "version": {"type": "integer"},
        "status": {"type": "string"},
        "levels": {"type": "array", "items": {"type": "object"}},
    },
    "required": ["slug", "name", "version", "status", "levels"],
}


class FrameworkDetailView(BoundedIds, APIView):
    """The published version of a framework, with levels and requirements."""

    @extend_schema(responses={200: FRAMEWORK}, operation_id="framework_get")
    def get(self, request, slug):
        framework = Framework.objects.filter(slug=slug, status=Framework.Status.PUBLISHED).first()
        if framework is None:
            raise Http404("No such framework.")
        return Response(framework_as_dict(framework=framework))


class FrameworkVersionView(BoundedIds, APIView):
    """One version of a framework: the published one for everyone; any version for staff
    (as the framework page's ?version=)."""

    @extend_schema(responses={200: FRAMEWORK}, operation_id="framework_version_get")
    def get(self, request, slug, version):
        framework = Framework.objects.filter(slug=slug, version=version).first()
        if framework is None or (
            framework.status != Framework.Status.PUBLISHED and not request.user.is_staff
        ):
            raise Http404("No such framework version.")
        return Response(framework_as_dict(framework=framework))
