"""HR reports across the organisation, each also a CSV table. Constant queries.

Readiness comes from the statuses the nightly sweep stored, aggregated by the database: the
page never evaluates anyone's requirements.
"""

import datetime
from collections import Counter, defaultdict

from django.db import connection
from django.db.models import Count

from assessments.models import EvidenceReview
from frameworks.months import add_months, full_months_between
from people.models import Employee, LevelHistory

PIPELINE_SQL = """
SELECT f.slug,
       COUNT(*),
       COALESCE(SUM(CASE WHEN s.ready = 1 THEN 1 ELSE 0 END), 0),
       COALESCE(SUM(CASE WHEN COALESCE(s.ready, 0) = 0 AND s.soonest <= %s
                    THEN 1 ELSE 0 END), 0),
       COALESCE(SUM(CASE WHEN COALESCE(s.ready, 0) = 0 AND s.soonest > %s AND s.soonest <= %s
                    THEN 1 ELSE 0 END), 0)
FROM people_employee e
JOIN frameworks_framework f ON f.id = e.framework_id
LEFT JOIN (
    SELECT st.employee_id,
           MAX(CASE WHEN st.eligible THEN 1 ELSE 0 END) AS ready,
           MIN(st.earliest_date) AS soonest
    FROM promotions_eligibilitystatus st
    JOIN people_employee p ON p.id = st.employee_id
    JOIN frameworks_level_next_levels n
      ON n.from_level_id = p.level_id AND n.to_level_id = st.target_level_id
    GROUP BY st.employee_id
) s ON s.employee_id = e.id
WHERE e.is_active
GROUP BY f.slug
ORDER BY f.slug
"""


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

    # The readiness pipeline from the sweep's stored verdicts ("as of the last check"), counted
    # by the database in one pass (a join, no per-person subquery): nobody is evaluated per
    # request. Only the verdicts for levels that are next from the person's current level
    # count (a status left from an earlier level or framework version does not).
    soon, later = add_months(as_of, 3), add_months(as_of, 6)
    with connection.cursor() as cursor:
        cursor.execute(PIPELINE_SQL, [soon, soon, later])
        pipeline = {
            slug: {"people": people, "ready_now": ready, "within_3": within_3,
                   "within_6": within_6}
            for slug, people, ready, within_3, within_6 in cursor.fetchall()
        }  # fmt: skip

    previous_date = {}
    promotions = defaultdict(list)
    # Every change of level, made here or imported (import_level_history); only a move up in
    # rank is a promotion, while any change starts the time in the next level.
    history = LevelHistory.objects.select_related("employee", "from_level", "to_level").order_by(
        "employee_id", "changed_on", "id"
    )
    for entry in history:
        start = previous_date.get(entry.employee_id, entry.employee.hire_date)
        if entry.from_level_id and entry.to_level.rank > entry.from_level.rank:
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
            "title": "Readiness pipeline, as of the last check",
            "header": ["framework", "people", "ready now", "within 3 months", "within 6 months"],
            "rows": [
                [slug, c["people"], c["ready_now"], c["within_3"], c["within_6"]]
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
