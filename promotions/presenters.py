"""Shape engine results for templates (templates hold no logic)."""

from html import escape
from urllib.parse import urlencode

from django.template.defaultfilters import unordered_list
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify

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


# The team page's columns: (sort key, heading, whether the first click shows the largest
# first). Tenure sorts by hire date, earliest first: the longest tenure first.
TEAM_COLUMNS = [
    ("name", "Person", False),
    ("level", "Level", False),
    ("tenure", "Tenure", True),
    ("readiness", "Readiness", True),
    ("waiting", "Waiting evidence", True),
]


def team_query(choices, **changes) -> str:
    """The team page's query string for `choices` with `changes` (sort, page, export)."""
    params = {
        "q": choices.q,
        "level": choices.level,
        "eligible": "1" if choices.eligible else "",
        "direct": "1" if choices.direct else "",
        "sort": choices.sort_param,
    }
    params.update(changes)
    return urlencode([(key, value) for key, value in params.items() if value not in ("", None)])


def team_headers(choices, page_number: int) -> list[dict]:
    """One header per sortable column: the link that sorts by it (a second click reverses),
    keeping every filter and the page, and its aria-sort state."""
    headers = []
    for key, label, largest_first in TEAM_COLUMNS:
        active = choices.sort == key
        next_sort = f"-{key}" if active and not choices.descending else key
        shows_descending = largest_first != (active and choices.descending)
        headers.append(
            {
                "label": label,
                "href": "?" + team_query(choices, sort=next_sort, page=page_number),
                "aria_sort": ("descending" if shows_descending else "ascending")
                if active
                else "none",
                "arrow": ("▼" if shows_descending else "▲") if active else "",
                "active": active,
            }
        )
    return headers


def level_label(code: str, title: str) -> str:
    """How people read a level: its title ("Superhero", never "superhero · Superhero"), with
    the code the document itself uses when it says something the title does not
    ("Senior Technical Support Engineer (S2)"); the code alone when there is no title."""
    if not title:
        return code
    if slugify(title) == slugify(code):
        return title
    return f"{title} ({code})"


def level_name(level) -> str:
    return level_label(level.code, level.title)


def team_readiness(row) -> dict:
    """The readiness cell: eligible, top of track, or a bar of requirements met for the
    closest next level with the ones still missing."""
    best = row.best
    if best is None:
        return {"state": "top"}
    total = len(best.results)
    if best.eligible:
        return {"state": "eligible", "level": level_name(best.level)}
    return {
        "state": "progress",
        "level": level_name(best.level),
        "met": best.met_count,
        "total": total,
        "percent": round(100 * best.met_count / total) if total else 0,
        "missing": [r.label for r in best.results if not r.met],
        "earliest_date": best.earliest_date,
    }


def _url_maker(name: str):
    """A function pk -> the URL `name` takes with that one pk, reversed once: a page of 50
    rows asks for 100 URLs, and Django's `reverse` (or `{% url %}`) per row cost more than
    the rest of the row."""
    sentinel = 987654321
    pattern = reverse(name, args=[sentinel]).replace(str(sentinel), "{}", 1)
    return pattern.format


def team_table(rows) -> list[dict]:
    """Every cell of the team table, shaped once per row: numbers as text (the template
    would localize each), URLs built from one `reverse`, the readiness cell
    (`team_readiness`) and the level's name. Renders exactly as the former per-row template
    work did."""
    person_url = _url_maker("promotions:person")
    queue_url = reverse("assessments:review_queue")
    table = []
    for row in rows:
        employee = row.status.employee
        readiness = team_readiness(row)
        for key in ("met", "total", "percent"):
            if key in readiness:
                readiness[key] = str(readiness[key])
        table.append(
            {
                "url": person_url(employee.pk),
                "name": employee.name,
                "is_direct": row.is_direct,
                "via": "" if row.is_direct else employee.manager.name,
                "level": level_name(row.status.level),
                "tenure": str(row.status.tenure_months),
                "readiness": readiness,
                "waiting": str(row.waiting),
                "waiting_url": f"{queue_url}?person={employee.pk}" if row.waiting else "",
                "milestone": (str(row.milestone[0]), row.milestone[1]) if row.milestone else None,
            }
        )
    return table


# One row of the team table, as the template's loop wrote it; team_body escapes every value.
_TEAM_ROW = (
    '\n    <tr data-testid="team-row">\n'
    '      <td data-label="Person"><a href="{url}">{name}</a>{via}</td>\n'
    '      <td data-label="Level" class="text-nowrap">{level}</td>\n'
    '      <td data-label="Tenure">{tenure} mo</td>\n'
    '      <td data-label="Readiness" class="team-readiness">\n'
    "        {readiness}\n"
    "      </td>\n"
    '      <td data-label="Waiting evidence">{waiting}</td>\n'
    '      <td data-label="Next milestone">{milestone}</td>\n'
    "    </tr>\n  "
).format
_TEAM_PROGRESS = (
    '<div class="flex-grow-1">\n'
    '        <div class="progress progress-thin mb-1" role="progressbar" aria-label="{met} of '
    '{total} requirements met for {level}" aria-valuenow="{met}" aria-valuemin="0" '
    'aria-valuemax="{total}"><div class="progress-bar w-pct-{percent}"></div></div>\n'
    '        <details data-testid="readiness"><summary>{met}/{total} for {level}{earliest}'
    "</summary>\n"
    '          <ul class="small mb-0 ps-3">{missing}</ul></details></div>\n'
    "        "
).format


def team_body(table: list[dict]) -> SafeString:
    """The team table's rows (`team_table`'s) as HTML, every value escaped (stdlib
    `html.escape`, which Django's `escape` wraps), dates localized and the missing
    requirements listed as `unordered_list` does: the template's loop of some forty lookups
    and tests per row was a fifth of the page. Empty when there are no rows (the template
    says why)."""
    html = []
    for row in table:
        readiness = row["readiness"]
        if readiness["state"] == "top":
            cell = "Top of track\n        "
        elif readiness["state"] == "eligible":
            cell = (
                '<span class="badge text-bg-success">Eligible for '
                f"{escape(readiness['level'])}</span>\n        "
            )
        else:
            earliest = readiness["earliest_date"]
            cell = _TEAM_PROGRESS(
                met=escape(readiness["met"]),
                total=escape(readiness["total"]),
                level=escape(readiness["level"]),
                percent=escape(readiness["percent"]),
                earliest=f" · {escape(localize(earliest))}" if earliest else "",
                missing=unordered_list(readiness["missing"], autoescape=True),
            )
        milestone = row["milestone"]
        html.append(
            _TEAM_ROW(
                url=escape(row["url"]),
                name=escape(row["name"]),
                via=""
                if row["is_direct"]
                else f' <small class="text-muted">via {escape(row["via"])}</small>',
                level=escape(row["level"]),
                tenure=escape(row["tenure"]),
                readiness=cell,
                waiting=f'<a href="{escape(row["waiting_url"])}">{escape(row["waiting"])}</a>'
                if row["waiting_url"]
                else "0",
                milestone=f"{escape(milestone[0])} mo on {escape(localize(milestone[1]))}"
                if milestone
                else "—",
            )
        )
    return mark_safe("".join(html))  # noqa: S308 - every value is escaped


def team_empty_message(choices, team_size: int, level_label: str = "") -> str:
    """What an empty team table says: nobody reports to you, or what the filters found."""
    if team_size == 0:
        return "Nobody reports to you."
    asked = []
    if choices.q:
        asked.append(f"has a name matching “{choices.q}”")
    if choices.level:
        asked.append(f"is at level {level_label or choices.level}")
    if choices.direct:
        asked.append("reports to you directly")
    if choices.eligible:
        asked.append("was eligible for a next level at the last check")
    people = "person" if team_size == 1 else "people"
    return f"None of the {team_size} {people} in your team " + " and ".join(asked) + "."


def report_cells(table: dict) -> list[list[tuple[str, str]]]:
    """The rows of an HR report's table as (tag, text) cells: "th" for the row's key column,
    "td-wide" for a column hidden on phones, else "td"; the text formatted as the template
    would ({{ cell }} localized; an empty data cell "—"). A company's level table has hundreds of
    rows: deciding this per cell in the template was most of the page's rendering."""
    key, hidden = table["key_column"], set(table["phone_hidden"])
    return [
        [
            ("th", _text(cell))
            if i == key
            else ("td-wide" if i in hidden else "td", "—" if cell == "" else _text(cell))
            for i, cell in enumerate(row)
        ]
        for row in table["rows"]
    ]


def _text(cell) -> str:
    """{{ cell }}'s text: a string as it is (what `localize` returns of one, without its
    calls), a number localized."""
    return cell if type(cell) is str else localize(cell)


_CELL_HTML = {
    "th": '<th scope="row">{}</th>',
    "td": "<td>{}</td>",
    "td-wide": '<td class="d-none d-sm-table-cell">{}</td>',
}


def report_body(table: dict) -> SafeString:
    """The `<tbody>` rows of an HR report's table as HTML, each text escaped (stdlib
    `html.escape`, which Django's `escape` wraps): the company's level table has a row per
    level and team (hundreds); the template's loop and three-way test per cell were most of
    the page's time. An empty table says "No data yet."."""
    cells = report_cells(table)
    if not cells:
        return format_html('<tr><td colspan="{}">No data yet.</td></tr>', len(table["header"]))
    return mark_safe(  # noqa: S308 - every text below is escaped
        "".join(
            "<tr>"
            + "".join(
                _CELL_HTML[tag].format(
                    escape(text) if type(text) is str else conditional_escape(text)
                )
                for tag, text in row
            )
            + "</tr>"
            for row in cells
        )
    )
