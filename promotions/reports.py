"""HR reports across the organisation, each also a CSV table and a chart. Constant queries.

Readiness comes from the statuses the nightly sweep stored, aggregated by the database: the
page never evaluates anyone's requirements. Every report honours the same filters
(framework, team, region, manager with everyone below them), applied in SQL, so a filter
adds no query and no query grows with the company.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

from assessments.models import EvidenceKind, EvidenceReview
from frameworks.months import add_months, full_months_between
from people.selectors import subtree_ids_sql


@dataclass(frozen=True)
class ReportFilters:
    """Whom the reports count: empty strings and None mean everyone."""

    framework: str = ""  # a framework's slug (all its versions)
    team: str = ""
    region: str = ""
    manager: int | None = None  # an Employee id: everyone below them, directly or not

    @property
    def any(self) -> bool:
        return bool(self.framework or self.team or self.region or self.manager)


EVERYONE = ReportFilters()


def _people_sql(filters: ReportFilters, alias: str) -> tuple[str, list]:
    """A WHERE fragment (starting with AND, or empty) limiting the employee `alias` to
    `filters`, and its parameters. One subquery at most (the manager's subtree)."""
    sql, params = [], []
    if filters.framework:
        sql.append(f"{alias}.framework_id IN (SELECT id FROM frameworks_framework WHERE slug = %s)")
        params.append(filters.framework)
    if filters.team:
        sql.append(f"{alias}.team = %s")
        params.append(filters.team)
    if filters.region:
        sql.append(f"{alias}.region = %s")
        params.append(filters.region)
    if filters.manager is not None:
        subtree, subtree_params = subtree_ids_sql(manager_id=filters.manager)
        sql.append(f"{alias}.id IN ({subtree})")
        params.extend(subtree_params)
    return "".join(f" AND {part}" for part in sql), params


def _people_q(filters: ReportFilters, prefix: str = "") -> Q:
    """The same limits as `_people_sql`, for the ORM (`prefix` reaches the employee)."""
    q = Q()
    if filters.framework:
        q &= Q(**{f"{prefix}framework__slug": filters.framework})
    if filters.team:
        q &= Q(**{f"{prefix}team": filters.team})
    if filters.region:
        q &= Q(**{f"{prefix}region": filters.region})
    if filters.manager is not None:
        subtree, params = subtree_ids_sql(manager_id=filters.manager)
        q &= Q(**{f"{prefix}pk__in": RawSQL(subtree, params)})
    return q


# --- the filters' choices: one query ---------------------------------------------------

# One pass over the active people: their distinct (framework, team, region, manager), a few
# hundred rows in a company of thousands, joined with the framework's name and the manager's;
# each filter's values are picked out of those rows (four scans, one per filter, took about
# four times as long).
_CHOICES_SQL = """
SELECT f.slug, f.name, d.team, d.region, m.id, u.first_name, u.last_name, u.email
FROM (
    SELECT DISTINCT e.framework_id, e.team, e.region, e.manager_id
    FROM people_employee e WHERE e.is_active
) d
JOIN frameworks_framework f ON f.id = d.framework_id
LEFT JOIN people_employee m ON m.id = d.manager_id AND m.is_active
LEFT JOIN {users} u ON u.id = m.user_id
"""


def filter_choices() -> dict[str, list[tuple[str, str]]]:
    """(value, label) pairs for each filter, from the active people, in one query: framework
    slugs with their names, teams, regions, and managers (active people with an active
    report) by name."""
    found = {"framework": {}, "team": {}, "region": {}, "manager": {}}
    with connection.cursor() as cursor:
        cursor.execute(_CHOICES_SQL.format(users=get_user_model()._meta.db_table))
        for slug, name, team, region, manager_id, first, last, email in cursor.fetchall():
            # One label per slug: the greatest name when versions differ (as MAX(name) did).
            found["framework"][slug] = max(found["framework"].get(slug, ""), name or "")
            if team:
                found["team"][team] = team
            if region:
                found["region"][region] = region
            if manager_id is not None:
                label = " ".join(f"{first or ''} {last or ''}".split()) or email
                label = f"{label} ({email})" if email and label != email else label
                found["manager"][str(manager_id)] = label
    found["framework"] = {slug: name or slug for slug, name in found["framework"].items()}
    choices = {kind: list(pairs.items()) for kind, pairs in found.items()}
    for pairs in choices.values():
        pairs.sort(key=lambda pair: (pair[1].casefold(), pair[0]))
    return choices


# --- people per level ----------------------------------------------------------------------

# Counted per framework version, level and team first (the people table alone), then named:
# joining every person to their framework and level before grouping took twice as long.
# Versions of a framework with the same level (code, title, rank) count as one row.
DISTRIBUTION_SQL = """
SELECT f.slug, l.code, l.title, l.rank, d.team, SUM(d.n)
FROM (
    SELECT e.framework_id, e.level_id, e.team, COUNT(*) AS n
    FROM people_employee e
    WHERE e.is_active{people}
    GROUP BY e.framework_id, e.level_id, e.team
) d
JOIN frameworks_framework f ON f.id = d.framework_id
JOIN frameworks_level l ON l.id = d.level_id
GROUP BY f.slug, l.code, l.title, l.rank, d.team
ORDER BY f.slug, l.rank, l.code, d.team
"""


def _distribution(filters: ReportFilters) -> list[dict]:
    """People per framework slug, level and team, in one query: [{"framework__slug",
    "level__code", "level__title", "level__rank", "team", "n"}] by slug, rank, code, team."""
    people_sql, params = _people_sql(filters, "e")
    with connection.cursor() as cursor:
        cursor.execute(DISTRIBUTION_SQL.format(people=people_sql), params)
        return [
            {"framework__slug": slug, "level__code": code, "level__title": title,
             "level__rank": rank, "team": team, "n": int(n)}
            for slug, code, title, rank, team, n in cursor.fetchall()
        ]  # fmt: skip


# --- the readiness pipeline --------------------------------------------------------------

# Each person is counted once, in the best category any of their next levels reaches. The
# sweep stores, per person and next level, `eligible`, `met_count` of `total_count` top-level
# requirements, and `earliest_date`, which the rules set only when every unmet requirement
# is one that time alone will meet (tenure, time in level): so a status with an earliest
# date is "time only", and one without is short of something a person must do or show
# (evidence, an exam, a rating, a confirmation, a metric). A time-only date already passed
# since the last check counts as "within 3 months" (the next check will say ready).
# "Requirements away" counts top-level requirements (a group, "any 2 of", is one).
PIPELINE_CATEGORIES = [  # (key, label in the table and CSV, label on the chart)
    ("ready_now", "Ready now", "Ready now"),
    ("time_3", "Only time missing, ready within 3 months", "Time only, 3 months"),
    ("time_6", "Only time missing, ready in 3 to 6 months", "Time only, 6 months"),
    ("one_away", "One requirement away", "1 away"),
    ("two_three_away", "Two or three requirements away", "2 or 3 away"),
    ("further", "Further away (more than three, or only time beyond 6 months)", "Further"),
    ("unchecked", "Top level, or not checked yet", "Top or unchecked"),
]
_UNCHECKED = len(PIPELINE_CATEGORIES) - 1


def pipeline_category(
    eligible: bool, met: int, total: int, earliest: datetime.date | None, *, soon, later
) -> int:
    """The index in PIPELINE_CATEGORIES of one stored verdict, `soon` and `later` being the
    dates 3 and 6 months after the day it is judged for: PIPELINE_SQL's CASE, in Python, for
    the sweep to mark each person's best verdict (`EligibilityStatus.best`)."""
    if eligible:
        return 0
    if earliest is not None:
        return 1 if earliest <= soon else 2 if earliest <= later else 5
    missing = total - met
    return 3 if missing == 1 else 4 if missing <= 3 else 5


def best_verdict(verdicts, *, soon, later) -> int:
    """Which of a person's verdicts, (eligible, met, total, earliest date) in next-level
    order, is their best: the first of the best category. The sweep marks it `best`."""
    if len(verdicts) == 1:
        return 0
    categories = [pipeline_category(*verdict, soon=soon, later=later) for verdict in verdicts]
    return categories.index(min(categories))


# Each person's best category: the sweep marks the best of each person's verdicts (`best`,
# by `pipeline_category` as of its day), so the report joins the people on their current
# level with those marked verdicts, one row each, and counts per framework and category (a
# verdict left from an earlier level or version does not count; a person with none is
# unchecked). Each category is read with today's windows. (Reducing every verdict to the
# best per person here, a hash aggregate of the whole company on each request, was two
# thirds of the page's database time at 20,000 people.)
PIPELINE_SQL = """
SELECT f.slug, CASE
           WHEN st.id IS NULL THEN {unchecked}
           WHEN st.eligible THEN 0
           WHEN st.earliest_date IS NOT NULL AND st.earliest_date <= %s THEN 1
           WHEN st.earliest_date IS NOT NULL AND st.earliest_date <= %s THEN 2
           WHEN st.earliest_date IS NULL AND st.total_count - st.met_count = 1 THEN 3
           WHEN st.earliest_date IS NULL AND st.total_count - st.met_count <= 3 THEN 4
           ELSE 5
       END, COUNT(*)
FROM people_employee e
LEFT JOIN (
    promotions_eligibilitystatus st
    JOIN frameworks_level_next_levels n ON n.to_level_id = st.target_level_id
) ON st.employee_id = e.id AND st.best AND n.from_level_id = e.level_id
JOIN frameworks_framework f ON f.id = e.framework_id
WHERE e.is_active{people}
GROUP BY 1, 2
"""


def _pipeline(filters: ReportFilters, as_of: datetime.date) -> dict[str, list[int]]:
    """framework slug -> people per category (PIPELINE_CATEGORIES' order), in one query.
    Only the statuses for levels that are next from the person's current level count (a
    status left from an earlier level or framework version does not)."""
    people_sql, people_params = _people_sql(filters, "e")
    sql = PIPELINE_SQL.format(unchecked=_UNCHECKED, people=people_sql)
    counts: dict[str, list[int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [add_months(as_of, 3), add_months(as_of, 6), *people_params])
        for slug, category, n in cursor.fetchall():
            counts.setdefault(slug, [0] * len(PIPELINE_CATEGORIES))[int(category)] += n
    return counts


# --- time to promotion -------------------------------------------------------------------

# For each promotion (a history row with a level it came from), when the person entered that
# previous level: the previous history row's date when there is one (a start row, from no
# level, counts); else the last `level_since` their own record held at that level (the
# employee's audit history: an imported person's "at SL1 since March"); else, as far as
# any record says, they were at that level since they were hired.
TIME_TO_PROMOTION_SQL = """
SELECT f.slug, l.code, l.title, l.rank, h.changed_on,
       COALESCE(
           (SELECT MAX(p.changed_on) FROM people_levelhistory p
            WHERE p.employee_id = h.employee_id
              AND (p.changed_on < h.changed_on OR (p.changed_on = h.changed_on AND p.id < h.id))),
           (SELECT MAX(he.level_since) FROM people_historicalemployee he
            WHERE he.id = h.employee_id AND he.level_id = h.from_level_id
              AND he.level_since <= h.changed_on),
           e.hire_date)
FROM people_levelhistory h
JOIN people_employee e ON e.id = h.employee_id
JOIN frameworks_level l ON l.id = h.to_level_id
JOIN frameworks_level fl ON fl.id = h.from_level_id
JOIN frameworks_framework f ON f.id = l.framework_id
WHERE l.rank > fl.rank{people}
"""


def _as_date(value) -> datetime.date:
    # SQLite hands back a raw subquery's dates as text.
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)


def _time_to_promotion(filters: ReportFilters) -> list[dict]:
    """Per level promoted into (by framework slug and level code, all versions together, in
    rank order): the number of promotions and the average whole months spent in the level
    before. Only a move up in rank is a promotion (an imported or admin demotion is not),
    though any change of level starts the time in the next one. People who have left since
    still count (their promotions happened)."""
    people_sql, params = _people_sql(filters, "e")
    months: dict[tuple, list[int]] = defaultdict(list)
    titles: dict[tuple, tuple[int, str]] = {}
    with connection.cursor() as cursor:
        cursor.execute(TIME_TO_PROMOTION_SQL.format(people=people_sql), params)
        for slug, code, title, rank, changed_on, start in cursor.fetchall():
            key = (slug, code)
            months[key].append(full_months_between(_as_date(start), _as_date(changed_on)))
            titles.setdefault(key, (rank, title))
    return [
        {"framework": slug, "code": code, "title": titles[slug, code][1],
         "promotions": len(values), "average": round(sum(values) / len(values), 1)}
        for (slug, code), values in sorted(months.items(), key=lambda kv: (kv[0][0],
                                                                           titles[kv[0]][0]))
    ]  # fmt: skip


# --- everything together -----------------------------------------------------------------


def _chart(key: str, kind: str, labels: list[str], datasets: list[dict], axis: str) -> dict:
    return {"id": f"chart-{key}", "type": kind, "labels": labels, "datasets": datasets,
            "axis": axis}  # fmt: skip


def org_reports(
    *, as_of: datetime.date, filters: ReportFilters = EVERYONE, framework_names=None
) -> dict:
    """The four reports for `filters`: each a table (title, header, rows, also the CSV) and a
    chart (labels and datasets for Chart.js, the same figures as the table). Four queries
    whatever the size of the company. `framework_names` maps slugs to names for display
    (None: read them too, one more query)."""
    if framework_names is None:  # the page passes the names its filter choices read
        framework_names = dict(filter_choices()["framework"])
    names = dict(framework_names)
    distribution = _distribution(filters)
    by_level: dict[tuple, int] = {}  # (slug, rank, code) in rank order -> people
    level_titles: dict[tuple, str] = {}  # one title per code, across framework versions
    for row in distribution:
        key = (row["framework__slug"], row["level__rank"], row["level__code"])
        by_level[key] = by_level.get(key, 0) + row["n"]
        level_titles.setdefault(key, row["level__title"])
    several = len({slug for slug, _, _ in by_level}) > 1

    def level_label(slug: str, title: str) -> str:
        return f"{title} ({names.get(slug, slug)})" if several else title

    pipeline = _pipeline(filters, as_of)
    slugs = sorted(pipeline)
    totals = [sum(pipeline[s][i] for s in slugs) for i in range(len(PIPELINE_CATEGORIES))]

    promotions = _time_to_promotion(filters)

    since = as_of - datetime.timedelta(days=365)
    turnaround = defaultdict(list)
    for kind, reviewed_at, submitted_at in EvidenceReview.objects.filter(
        Q(created_at__date__gte=since) & _people_q(filters, "evidence__employee__")
    ).values_list("evidence__kind", "created_at", "evidence__submitted_at"):
        turnaround[kind].append((reviewed_at - submitted_at).total_seconds() / 86400)
    kind_labels = dict(EvidenceKind.choices)
    reviews = sorted(
        [kind_labels.get(kind, kind), len(days), round(sum(days) / len(days), 1)]
        for kind, days in turnaround.items()
    )

    tables = {
        "levels": {
            "title": "People per level",
            "header": ["framework", "level", "team", "people"],
            "key_column": 1,
            "phone_hidden": [0],  # level titles tell the frameworks apart
            "rows": [
                [
                    names.get(r["framework__slug"], r["framework__slug"]),
                    r["level__title"],
                    r["team"],
                    r["n"],
                ]
                for r in distribution
            ],  # fmt: skip
            "chart": _chart(
                "levels",
                "bar",
                [level_label(key[0], level_titles[key]) for key in by_level],
                [{"label": "people", "data": list(by_level.values())}],
                "people",
            ),  # fmt: skip
        },
        "pipeline": {
            "title": "Readiness pipeline, as of the last check",
            "key_column": 0,
            "phone_hidden": [],
            "header": ["readiness", *[names.get(s, s) for s in slugs]]
            + (["all frameworks"] if len(slugs) > 1 else []),
            "rows": [
                [label, *[pipeline[s][i] for s in slugs]] + ([totals[i]] if len(slugs) > 1 else [])
                for i, (_, label, _) in enumerate(PIPELINE_CATEGORIES)
            ]
            + [
                ["Total", *[sum(pipeline[s]) for s in slugs]]
                + ([sum(totals)] if len(slugs) > 1 else [])
            ],  # fmt: skip
            "chart": _chart(
                "pipeline",
                "bar",
                [short for _, _, short in PIPELINE_CATEGORIES],
                [{"label": names.get(s, s), "data": pipeline[s]} for s in slugs],
                "people",
            ),  # fmt: skip
        },
        "promotions": {
            "title": "Time to promotion",
            "key_column": 1,
            "phone_hidden": [0],
            "header": ["framework", "to level", "promotions", "average months in previous level"],
            "rows": [
                [
                    names.get(p["framework"], p["framework"]),
                    p["title"],
                    p["promotions"],
                    p["average"],
                ]
                for p in promotions
            ],  # fmt: skip
            "chart": _chart(
                "promotions",
                "bar",
                [level_label(p["framework"], p["title"]) for p in promotions],
                [
                    {
                        "label": "average months in the previous level",
                        "data": [p["average"] for p in promotions],
                    }
                ],
                "months",
            ),  # fmt: skip
        },
        "reviews": {
            "title": "Evidence review turnaround (last 12 months)",
            "key_column": 0,
            "phone_hidden": [],
            "header": ["evidence kind", "reviews", "average days to review"],
            "rows": reviews,
            "chart": _chart(
                "reviews",
                "bar",
                [row[0] for row in reviews],
                [{"label": "average days to review", "data": [row[2] for row in reviews]}],
                "days",
            ),  # fmt: skip
        },
    }
    return {"tables": tables, "as_of": as_of, "filters": filters}
