"""HR reports across the organisation, each also a CSV table. Constant queries."""

import datetime
from collections import Counter, defaultdict

from django.db.models import Count

from assessments.models import EvidenceReview
from frameworks.months import add_months, full_months_between
from people.models import Employee, LevelHistory

from .selectors import career_statuses


def _bars(rows: list[tuple[str, int]]) -> list[dict]:
    top = max((n for _, n in rows), default=0) or 1
    return [{"label": label, "value": n, "percent": round(100 * n / top)} for label, n in rows]


def org_reports(*, as_of: datetime.date) -> dict:
    active = Employee.objects.filter(is_active=True)

    distribution = list(
        active.values("framework__slug", "level__code", "level__rank", "team")
        .annotate(n=Count("id"))
        .order_by("framework__slug", "level__rank", "level__code", "team")
    )
    by_level = Counter()
    for row in distribution:
        by_level[f"{row['framework__slug']} {row['level__code']}"] += row["n"]

    pipeline = defaultdict(Counter)
    soon, later = add_months(as_of, 3), add_months(as_of, 6)
    for status in career_statuses(employees=active, as_of=as_of):
        slug = status.level.framework.slug
        pipeline[slug]["people"] += 1
        if any(r.eligible for r in status.next_levels):
            pipeline[slug]["ready now"] += 1
            continue
        dates = [r.earliest_date for r in status.next_levels if r.earliest_date]
        if dates and min(dates) <= soon:
            pipeline[slug]["within 3 months"] += 1
        elif dates and min(dates) <= later:
            pipeline[slug]["within 6 months"] += 1

    previous_date = {}
    promotions = defaultdict(list)
    history = LevelHistory.objects.select_related("employee", "to_level").order_by(
        "employee_id", "changed_on", "id"
    )
    for entry in history:
        start = previous_date.get(entry.employee_id, entry.employee.hire_date)
        if entry.from_level_id:
            promotions[entry.to_level.code].append(full_months_between(start, entry.changed_on))
        previous_date[entry.employee_id] = entry.changed_on

    since = as_of - datetime.timedelta(days=365)
    turnaround = defaultdict(list)
    for kind, reviewed_at, submitted_at in EvidenceReview.objects.filter(
        created_at__date__gte=since
    ).values_list("evidence__kind", "created_at", "evidence__submitted_at"):
        turnaround[kind].append((reviewed_at - submitted_at).total_seconds() / 86400)

    tables = {
        "levels": {
            "title": "Level distribution",
            "header": ["framework", "level", "team", "people"],
            "rows": [
                [r["framework__slug"], r["level__code"], r["team"], r["n"]] for r in distribution
            ],
        },
        "pipeline": {
            "title": "Readiness pipeline",
            "header": ["framework", "people", "ready now", "within 3 months", "within 6 months"],
            "rows": [
                [slug, c["people"], c["ready now"], c["within 3 months"], c["within 6 months"]]
                for slug, c in sorted(pipeline.items())
            ],
        },
        "promotions": {
            "title": "Time to promotion",
            "header": ["to level", "promotions", "average months in previous level"],
            "rows": [
                [code, len(months), round(sum(months) / len(months), 1)]
                for code, months in sorted(promotions.items())
            ],
        },
        "reviews": {
            "title": "Evidence review turnaround (last 12 months)",
            "header": ["evidence kind", "reviews", "average days to review"],
            "rows": [
                [kind, len(days), round(sum(days) / len(days), 1)]
                for kind, days in sorted(turnaround.items())
            ],
        },
    }
    return {"tables": tables, "level_chart": _bars(sorted(by_level.items())), "as_of": as_of}
