"""Shape engine results for templates (templates hold no logic)."""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from .summary import PendingItem


def submit_url(result) -> str:
    """Submit evidence, prefilled with the kind and category a requirement counts."""
    query = {"kind": result.evidence_kind or "exam"}
    if result.category:
        query["category"] = result.category
    return f"{reverse('assessments:evidence_create')}?{urlencode(query)}"


def pending_items(waiting, *, own: bool) -> list[PendingItem]:
    """Evidence waiting for review as the summary counts it; the link goes to the item for
    the person, and to the review queue (filtered to them) for their manager."""
    items = []
    for item in waiting:
        if item.kind == "exam" and item.outcome == "failed":
            continue  # approving a failed exam would not meet the bar
        if own:
            url = reverse("assessments:evidence_detail", args=[item.pk])
        else:
            url = f"{reverse('assessments:review_queue')}?{urlencode({'person': item.employee_id})}"
        submitted_on = timezone.localdate(item.submitted_at) if item.submitted_at else None
        items.append(PendingItem(item.kind, item.category, submitted_on or item.occurred_on, url))
    return items


def has_perk_kind(status, kind: str) -> bool:
    """Whether the person's level or a next level has a perk of this kind."""
    return any(e.entitlement.kind == kind for e in status.entitlements) or any(
        ent.kind == kind for r in status.next_levels for ent in r.level.entitlements.all()
    )


def ratings_chart(competencies, latest: dict, proficiency_count: int) -> list[dict]:
    """One row per competency: self and manager proficiency as a share of the top level."""
    rows = []
    for competency in competencies:
        ratings = latest.get(competency.pk, {})
        row = {"competency": competency}
        for source in ("self", "manager"):
            rating = ratings.get(source)
            row[source] = rating
            row[f"{source}_percent"] = (
                round(100 * rating.proficiency.rank / proficiency_count) if rating else 0
            )
        rows.append(row)
    return rows


TEAM_SORTS = {
    "name": lambda row: row.status.employee.name.lower(),
    "level": lambda row: (row.status.level.rank, row.status.level.code),
    "tenure": lambda row: -row.status.tenure_months,
    "readiness": lambda row: (  # eligible first, then the largest share of bars met
        not (row.best and row.best.eligible),
        -(row.best.met_count / max(len(row.best.results), 1)) if row.best else 0,
    ),
    "waiting": lambda row: -row.waiting,
}


def team_rows(rows, *, level: str, eligible: bool, direct: bool, sort: str) -> list:
    """The team table filtered and sorted as asked; unknown values are ignored."""
    if level in {row.status.level.code for row in rows}:
        rows = [row for row in rows if row.status.level.code == level]
    if eligible:
        rows = [row for row in rows if row.best and row.best.eligible]
    if direct:
        rows = [row for row in rows if row.is_direct]
    return sorted(rows, key=TEAM_SORTS.get(sort, TEAM_SORTS["readiness"]))
