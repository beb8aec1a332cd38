"""Demo evidence, ratings, attestations and metrics for the demo organisation.

Every review state appears, so a new user sees a populated review queue and
people at different distances from their next level. Idempotent: it does
nothing for a person who already has evidence.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from frameworks.models import Competency, ProficiencyLevel
from frameworks.months import add_months
from people.models import Employee

from .models import Attestation, CompetencyRating, Evidence, MonthlyMetric, review_period

A, S, R = "approved", "submitted", "rejected"

# email -> [(kind, category, title, status, outcome)]
EVIDENCE = {
    "hero.ready@example.com": [
        ("ticket", "integration", "Salesforce sync dropped responses", A, ""),
        ("ticket", "integration", "HTTP Connect timeout on survey submit", A, ""),
        ("ticket", "integration", "ExactTarget contact list mapping", R, ""),
        ("ticket", "scripting", "Custom JavaScript to pipe answers", A, ""),
        ("ticket", "scripting", "Script for conditional display", A, ""),
        ("ticket", "scripting", "Randomising blocks with JavaScript", A, ""),
        ("ticket", "api", "Pulling the survey list via the API", A, ""),
        ("ticket", "api", "Authenticating API calls with tokens", A, ""),
        ("ticket", "api", "Deleting a question through the API", A, ""),
        ("demonstration", "css", "Theme with a second header logo", A, ""),
        ("demonstration", "api", "Live demo: authenticate and list surveys", A, ""),
        ("document", "", "Guide: HTTP Connect troubleshooting", A, ""),
        ("document", "", "FAQ: custom CSS in themes", A, ""),
        ("document", "", "Checklist: API onboarding", A, ""),
        ("exam", "six-month", "Six-month competency exam", A, "passed"),
        ("initiative", "participant", "Macro clean-up project", A, ""),
    ],
    "hero.wfh@example.com": [
        ("exam", "six-month", "Six-month competency exam", A, "passed"),
        ("ticket", "integration", "Salesforce field mapping error", S, ""),
        ("ticket", "api", "Rate limit questions from a customer", S, ""),
        ("document", "", "How-to: exporting responses", R, ""),
    ],
    "hero.eleven@example.com": [
        ("exam", "six-month", "Six-month competency exam", A, "passed"),
        ("ticket", "scripting", "JavaScript validation for a phone field", S, ""),
    ],
    "hero.new@example.com": [
        ("exam", "six-month", "Six-month competency exam", S, "passed"),
        ("ticket", "css", "Scrolling terms and conditions box", S, ""),
    ],
    "superhero@example.com": [
        ("escalation", "integration", "Helped a colleague through an SF escalation", S, ""),
        ("workaround", "confessions", "Added the CSV encoding workaround to confessions", A, ""),
    ],
    "superhero.senior@example.com": [
        ("escalation", "integration", "Led the ET outage escalation", A, ""),
        ("escalation", "css", "Broken theme escalation for an enterprise account", A, ""),
        ("escalation", "api", "API pagination escalation", S, ""),
        ("workaround", "confessions", "Workaround: legacy embed codes", A, ""),
        ("initiative", "lead", "Led the knowledge-base revamp", A, ""),
    ],
    "tse@example.com": [
        ("document", "", "Documented a custom implementation for an HCM account", S, ""),
        ("ticket", "", "Resolved a P1 for a CSM within SLA", A, ""),
    ],
    "senior.tse@example.com": [
        ("document", "", "Reviewed custom implementation for a CRM rollout", S, ""),
    ],
    "intern@example.com": [
        ("ticket", "", "First solved ticket: flow not triggering", S, ""),
    ],
}
METRICS = {  # email -> metric -> last three months, oldest first
    "hero.ready@example.com": {
        "volume_pct": (104, 110, 99), "unplanned_absence_pct": (1.5, 0, 2),
        "csat_pct": (94, 96, 92),
    },
    "hero.wfh@example.com": {
        "volume_pct": (92, 95, 97), "unplanned_absence_pct": (4, 2.5, 3),
        "csat_pct": (90, 88, 91),
    },
    "hero.eleven@example.com": {"volume_pct": (88, 90, 101)},
    "hero.new@example.com": {"volume_pct": (70, 80, 85)},
    "superhero@example.com": {
        "volume_pct": (100, 103, 101), "unplanned_absence_pct": (1, 1, 0),
        "csat_pct": (93, 95, 97),
    },
    "superhero.senior@example.com": {
        "volume_pct": (112, 108, 115), "unplanned_absence_pct": (0, 2, 1),
        "csat_pct": (97, 96, 98),
    },
}  # fmt: skip
ATTESTATIONS = {  # email -> [(manager email, code, statement)], for their next level
    "hero.ready@example.com": [
        (
            "maya.lead@example.com",
            "workaround-solutions",
            "Creates workaround solutions when standard solutions fail",
        ),
        (
            "maya.lead@example.com",
            "integration-talk-through",
            "Can talk through what the problem was, and how they fixed it, "
            "for their integration work",
        ),
        (
            "maya.lead@example.com",
            "suggests-http-connect",
            "Knows when to suggest HTTP Connect as an option",
        ),
    ],
    "superhero.senior@example.com": [
        ("maya.lead@example.com", "qa-minimal-assistance", "Can QA with minimal assistance"),
    ],
}
RATINGS = {  # email -> (rater email, proficiency slug for every competency)
    "tse@example.com": ("leo.lead@example.com", "intermediate"),
    "senior.tse@example.com": ("leo.lead@example.com", "intermediate"),
    "principal.tse@example.com": ("sam.manager@example.com", "advanced"),
}


def demo_assessments_create(*, today: datetime.date) -> int:
    """Create the demo facts; return how many evidence items were created."""
    people = {e.user.email: e for e in Employee.objects.select_related("user", "manager__user")}
    created = 0
    now = timezone.now()
    with transaction.atomic():
        has_evidence = set(Evidence.objects.values_list("employee__user__email", flat=True))
        for email, items in EVIDENCE.items():
            person = people.get(email)
            if person is None or email in has_evidence:
                continue
            reviewer = person.manager.user if person.manager else None
            for age, (kind, category, title, status, outcome) in enumerate(items):
                occurred_on = max(person.hire_date, today - datetime.timedelta(days=20 + 9 * age))
                evidence = Evidence(
                    employee=person, kind=kind, category=category, title=title,
                    occurred_on=occurred_on, status=status, outcome=outcome,
                    reference=f"DEMO-{person.pk}-{age + 1}", submitted_by=person.user,
                    description="Demo evidence.",
                )  # fmt: skip
                if status != S:
                    evidence.reviewed_by = reviewer
                    evidence.reviewed_at = now
                    evidence.review_comment = (
                        "Good write-up." if status == A else "Add the ticket link and the fix."
                    )
                evidence.full_clean()
                evidence.save()
                if status != S and reviewer is not None:
                    evidence.reviews.create(
                        reviewer=reviewer, decision=status, comment=evidence.review_comment
                    )
                created += 1
            # Older submitted items show up as waiting for more than a week.
            Evidence.objects.filter(employee=person, status=S).update(
                submitted_at=now - datetime.timedelta(days=9)
            )
        first_of_month = today.replace(day=1)
        for email, figures in METRICS.items():
            if email not in people:
                continue
            for metric, values in figures.items():
                for back, value in enumerate(reversed(values), start=1):
                    MonthlyMetric.objects.get_or_create(
                        employee=people[email], metric=metric,
                        period=add_months(first_of_month, -back), defaults={"value": value},
                    )  # fmt: skip
        for email, confirmations in ATTESTATIONS.items():
            if email not in people:
                continue
            # Given for the person's next level: a confirmation belongs to one level.
            target = people[email].level.next_levels.order_by("rank", "order", "id").first()
            for manager_email, code, statement in confirmations:
                if target is None or manager_email not in people:
                    continue
                Attestation.objects.get_or_create(
                    employee=people[email], code=code, level=target,
                    defaults={"statement": statement, "attested_on": today,
                              "attested_by": people[manager_email].user},
                )  # fmt: skip
        period = review_period(today)
        for email, (rater_email, slug) in RATINGS.items():
            if email not in people or rater_email not in people:
                continue
            person = people[email]
            proficiency = ProficiencyLevel.objects.get(framework=person.framework, slug=slug)
            for competency in Competency.objects.filter(framework=person.framework):
                for source, rater in (("manager", people[rater_email].user), ("self", person.user)):
                    CompetencyRating.objects.get_or_create(
                        employee=person, competency=competency, source=source, period=period,
                        defaults={"proficiency": proficiency, "rated_on": today,
                                  "rated_by": rater},
                    )  # fmt: skip
    return created
