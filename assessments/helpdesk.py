"""Helpdesk ticket exports as the vendors write them, turned into ticket evidence.

Layouts, detected from the file (README, "Helpdesk tickets", lists the columns read):

- `careerpath`: our own CSV (`id, subject, tags, solved at, assignee email`, optional
  `status`), the contract since the first version;
- `zendesk-csv`: Zendesk's ticket CSV export (Admin Center > Account > Tools > Reports >
  Export; https://support.zendesk.com/hc/en-us/articles/4408886165402): `Id, Subject,
  Status, Tags, Assignee, Solved at, Updated at, ...`, tags separated by spaces;
- `zendesk-json`: Zendesk's full JSON export, one ticket object per line, or a page of
  the Incremental Ticket Export API (`{"tickets": [...], "users": [...]}`;
  https://developer.zendesk.com/api-reference/ticketing/ticket-management/incremental_exports/):
  `id, subject, status, tags` (an array), `assignee_id`, `updated_at`, and
  `metric_set.solved_at` where the export has it;
- `freshdesk-csv`: Freshdesk's ticket export (Tickets > Export): `Ticket ID, Subject,
  Status, Agent, Tags, Created time, Resolved time, Closed time, Last update time, ...`,
  tags separated by commas and holding spaces.

A ticket counts once, whoever has it now: its id is one evidence item of kind ticket. Rows
that cannot count are skipped and counted by reason; only malformed rows fail the file.
"""

import csv
import datetime
import io
import json
import re
import zoneinfo
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from careerpath.input import control_problem, date_bounds_problem
from frameworks.models import Requirement
from people.models import Employee

from .models import Evidence, EvidenceKind, HelpdeskAgent, HelpdeskTagCategory

SKIP_REASONS = ("not solved or closed", "unassigned", "unknown agent", "no mapped tag")
SOLVED_STATUSES = {"solved", "closed", "resolved", "4", "5"}  # Freshdesk's API: 4, 5


@dataclass
class Ticket:
    """One row of an export, in the words every layout shares."""

    line: int
    id: str
    subject: str = ""
    status: str | None = None  # None: the layout has none (solved when dated)
    tags: list[str] = field(default_factory=list)
    agent_email: str = ""
    agent: str = ""  # a name, or an id where the export gives only that
    solved: str = ""  # the raw solved (resolved, closed) time
    updated: str = ""  # the raw last update, for solved tickets that carry no solved time


# Dates -----------------------------------------------------------------------------------

_TIME = r"(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?"
_AMPM = r"(?:\s*([AaPp])\.?[Mm]\.?)?"
_OFFSET = r"\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2})?"
DATE_FORMATS = [
    # ISO 8601 and "YYYY-MM-DD HH:MM[:SS] [offset]" (Zendesk, Freshdesk, our own)
    ("ymd", re.compile(rf"(\d{{4}})-(\d{{2}})-(\d{{2}}){_TIME}{_OFFSET}")),
    # US, month first, as exports in English (US) write them: 09/01/2025 1:17 PM
    ("mdy", re.compile(rf"(\d{{1,2}})/(\d{{1,2}})/(\d{{4}}){_TIME}{_AMPM}{_OFFSET}")),
    # day first with dots, as German and other European locales write them: 01.09.2025 13:17
    ("dmy", re.compile(rf"(\d{{1,2}})\.(\d{{1,2}})\.(\d{{4}}){_TIME}{_OFFSET}")),
]
DATE_HELP = "YYYY-MM-DD[ HH:MM[:SS]][offset], MM/DD/YYYY[ h:mm AM/PM] or DD.MM.YYYY[ HH:MM]"


def helpdesk_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.HELPDESK_TIME_ZONE)


def _shown(raw: str) -> str:
    return raw if len(raw) <= 60 else f"{raw[:60]}… ({len(raw)} characters)"


def solved_on(raw: str, zone: datetime.tzinfo) -> tuple[datetime.date | None, str | None]:
    """The day a ticket was solved, in the organisation's time zone, or why not.

    A time without an offset is the helpdesk account's (`zone`); a bare date is that day.
    """
    for order, pattern in DATE_FORMATS:
        if not (match := pattern.fullmatch(raw.strip())):
            continue
        parts = match.groups()
        a, b, c = (int(p) for p in parts[:3])
        year, month, day = {"ymd": (a, b, c), "mdy": (c, a, b), "dmy": (c, b, a)}[order]
        hour, minute, second = (int(p) if p else 0 for p in parts[3:6])
        ampm = parts[6] if order == "mdy" else None
        offset = parts[-1]
        if ampm:
            if not 1 <= hour <= 12:
                break
            hour = hour % 12 + (12 if ampm.lower() == "p" else 0)
        try:
            day_only = datetime.date(year, month, day)
            if problem := date_bounds_problem(day_only):
                return None, f"solved date {problem}"
            if parts[3] is None and not offset:
                return day_only, None
            moment = datetime.datetime(year, month, day, hour, minute, second)
        except ValueError:
            break
        if offset in (None, ""):
            moment = moment.replace(tzinfo=zone)
        elif offset in ("Z", "UTC", "GMT"):
            moment = moment.replace(tzinfo=datetime.UTC)
        else:
            sign = -1 if offset[0] == "-" else 1
            digits = offset[1:].replace(":", "")
            delta = datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
            if delta >= datetime.timedelta(hours=24):
                break
            moment = moment.replace(tzinfo=datetime.timezone(sign * delta))
        return timezone.localtime(moment).date(), None
    return None, f'solved date "{_shown(raw)}" is not a date ({DATE_HELP})'


# Reading the layouts -----------------------------------------------------------------------


def _key(text: str) -> str:
    return " ".join(text.replace("_", " ").split()).lower()


CSV_LAYOUTS = {
    # name: (required {column: aliases}, optional {column: aliases}, how its tags are split)
    "careerpath": (
        {
            "ticket id": ("id", "ticket id", "ticket_id"),
            "subject": ("subject",),
            "tags": ("tags",),
            "solved date": ("solved at", "solved_at", "resolved at", "resolved_time", "closed at"),
            "assignee email": ("assignee email", "assignee_email", "agent email", "agent_email"),
        },
        {"status": ("status",)},
        "commas-or-spaces",
    ),
    "zendesk-csv": (
        {
            "id": ("id",),
            "subject": ("subject",),
            "status": ("status",),
            "tags": ("tags",),
            "assignee": ("assignee",),
            "solved at": ("solved at",),
        },
        {"updated at": ("updated at",)},
        "spaces",
    ),
    "freshdesk-csv": (
        {
            "ticket id": ("ticket id",),
            "subject": ("subject",),
            "status": ("status",),
            "agent": ("agent",),
            "tags": ("tags",),
            "resolved time": ("resolved time",),
        },
        {"closed time": ("closed time",), "last update time": ("last update time",)},
        "commas",
    ),
}


def csv_layout(header: list[str]) -> str:
    """Which CSV layout a header row is: our own wherever an e-mail column is present."""
    keys = {_key(h) for h in header}
    if keys & {"assignee email", "agent email"}:
        return "careerpath"
    if {"ticket id", "agent"} <= keys:
        return "freshdesk-csv"
    if {"id", "assignee"} <= keys:
        return "zendesk-csv"
    return "careerpath"  # its missing columns are named


def split_tags(raw: str, how: str) -> list[str]:
    if how == "spaces" or (how == "commas-or-spaces" and "," not in raw):
        parts = raw.split()
    else:
        parts = raw.split(",")
    return [" ".join(p.split()) for p in parts if p.strip()]


def tickets_from_csv(text: str, read_csv) -> tuple[str, list[Ticket], list[str]]:
    """The layout, the tickets and the rows' problems of a CSV export."""
    first = next(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")), [])
    layout = csv_layout(first)
    required, optional, how = CSV_LAYOUTS[layout]
    rows, problems = read_csv(text, required, optional)
    tickets = []
    for line, row in rows:
        if layout == "careerpath":
            ticket = Ticket(line, row["ticket id"], row["subject"], row["status"] or None,
                            split_tags(row["tags"], how), agent_email=row["assignee email"],
                            solved=row["solved date"])  # fmt: skip
        elif layout == "zendesk-csv":
            ticket = Ticket(line, row["id"], row["subject"], row["status"],
                            split_tags(row["tags"], how), agent=row["assignee"],
                            solved=row["solved at"], updated=row["updated at"])  # fmt: skip
        else:
            ticket = Ticket(line, row["ticket id"], row["subject"], row["status"],
                            split_tags(row["tags"], how), agent=row["agent"],
                            solved=row["resolved time"] or row["closed time"],
                            updated=row["last update time"])  # fmt: skip
        tickets.append(ticket)
    return layout, tickets, problems


def _json_text(value, name: str, errors: list) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        errors.append(f"{name} is not text")
        return ""
    text = str(value)
    if problem := control_problem(text):
        errors.append(f"{name} {problem}")
        return ""
    return text


def _json_ticket(line: int, obj, users: dict, problems: list) -> Ticket | None:
    errors = []
    if not isinstance(obj, dict):
        problems.append(f"line {line}: not a ticket object")
        return None
    ticket_id = _json_text(obj.get("id"), "id", errors)
    subject = _json_text(obj.get("subject") or obj.get("raw_subject"), "subject", errors)
    status = _json_text(obj.get("status"), "status", errors)
    tags = obj.get("tags") or []
    if not isinstance(tags, list):
        errors.append("tags is not a list")
        tags = []
    tags = [" ".join(_json_text(t, "tag", errors).split()) for t in tags]
    assignee = _json_text(obj.get("assignee_id"), "assignee_id", errors)
    metric_set = obj.get("metric_set")
    solved = metric_set.get("solved_at") if isinstance(metric_set, dict) else None
    solved = _json_text(solved or obj.get("solved_at"), "solved_at", errors)
    updated = _json_text(obj.get("updated_at"), "updated_at", errors)
    user = users.get(assignee, {}) if assignee else {}
    email = _json_text(user.get("email"), "the assignee's email", errors)
    name = _json_text(user.get("name"), "the assignee's name", errors)
    if errors:
        problems += [f"line {line}: {error}" for error in errors]
        return None
    return Ticket(line, ticket_id, subject, status or "", [t for t in tags if t],
                  agent_email=email, agent=name or assignee, solved=solved,
                  updated=updated)  # fmt: skip


def tickets_from_json(text: str) -> tuple[list[Ticket], list[str]]:
    """Tickets of Zendesk's newline-delimited JSON, or of one incremental-export page."""
    tickets, problems = [], []
    try:
        page = json.loads(text)
    except (ValueError, RecursionError):
        page = None
    if isinstance(page, dict) and isinstance(page.get("tickets"), list):
        users = {
            str(u.get("id")): u
            for u in (page.get("users") if isinstance(page.get("users"), list) else [])
            if isinstance(u, dict) and isinstance(u.get("id"), int | str)
        }
        for index, obj in enumerate(page["tickets"], start=1):
            if ticket := _json_ticket(index, obj, users, problems):
                tickets.append(ticket)
        return tickets, problems  # "line N" there is the N-th ticket of the page
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            problems.append(f"line {line}: not valid JSON ({str(exc)[:80]})")
            continue
        if ticket := _json_ticket(line, obj, {}, problems):
            tickets.append(ticket)
    return tickets, problems


# Agents and tags ---------------------------------------------------------------------------


def agent_key(name: str) -> str:
    """How an agent's name or id is matched: lower case, single spaces."""
    return " ".join(name.split()).lower()


def agents_resolve(tickets: list[Ticket], by_email: dict) -> tuple[dict, list[HelpdeskAgent]]:
    """agent key -> employee (or None) for the tickets' agents without an e-mail, and the
    mapping rows to create or change: new agents are matched to the one employee whose full
    name is theirs (or to nobody); rows HR set are kept as they are.

    Three queries: the mapping rows, everyone's names (compared in Python), the employees
    with those names.
    """
    names = {}
    for t in tickets:
        if t.agent and not (t.agent_email and t.agent_email.lower() in by_email):
            names.setdefault(agent_key(t.agent), t.agent)
    if not names:
        return {}, []
    rows = {a.key: a for a in HelpdeskAgent.objects.filter(key__in=names)}
    wanted = [k for k in names if k not in rows or rows[k].source != HelpdeskAgent.Source.HR]
    matches = Counter()
    employee_of = {}
    if wanted:
        # Names compared in Python: SQLite's lower() folds only ASCII ("Émile" ≠ "émile").
        wanted_keys = set(wanted)
        names_of = Employee.objects.order_by().values_list(
            "pk", "user__first_name", "user__last_name"
        )
        ids = {}
        for pk, first, last in names_of.iterator(chunk_size=5000):
            key = agent_key(f"{first} {last}")
            if key in wanted_keys:
                matches[key] += 1
                ids[key] = pk
        found = Employee.objects.filter(pk__in=ids.values()).select_related("user", "framework")
        by_pk = {employee.pk: employee for employee in found}
        employee_of = {key: by_pk[pk] for key, pk in ids.items()}
    result, changes = {}, []
    for key, name in names.items():
        if len(key) > 200:  # longer than any name the table holds: nobody's
            result[key] = None
            continue
        row = rows.get(key)
        if row is not None and row.source == HelpdeskAgent.Source.HR:
            result[key] = row.employee
            continue
        employee = employee_of[key] if matches[key] == 1 else None
        if row is None:
            row = HelpdeskAgent(name=name[:200], key=key, employee=employee)
            changes.append(row)
        elif row.employee_id != (employee.pk if employee else None):
            row.employee = employee
            changes.append(row)
        result[key] = employee
    return result, changes


def tag_categories() -> dict[str, str]:
    """tag (lower case, single spaces) -> category; the first mapping of a tag wins."""
    table = {}
    for mapping in HelpdeskTagCategory.objects.order_by("pk"):
        table.setdefault(" ".join(mapping.tag.split()).lower(), mapping.category)
    return table


def tag_mapping_warnings() -> dict[int, list[str]]:
    """mapping id -> why it may never count: no requirement asks for its category, or no
    export can write its tag. Warnings, not refusals (HR may be preparing a framework)."""
    used = set(
        Requirement.objects.filter(evidence_kind=EvidenceKind.TICKET)
        .exclude(category="")
        .values_list("category", flat=True)
    )
    for weights in Requirement.objects.filter(kind="points").values_list("weights", flat=True):
        for key in weights or {}:
            kind, _, category = str(key).partition("/")
            if kind == EvidenceKind.TICKET and category:
                used.add(category)
    warnings, first = {}, {}
    for mapping in HelpdeskTagCategory.objects.order_by("pk"):
        notes = []
        key = " ".join(mapping.tag.split()).lower()
        if mapping.category not in used:
            notes.append(f"no requirement counts {mapping.category} tickets")
        if not key or "," in mapping.tag:
            notes.append("no export can write this tag (commas separate tags)")
        elif key in first:
            notes.append(f"the same tag as “{first[key]}”, which wins")
        first.setdefault(key, mapping.tag)
        if notes:
            warnings[mapping.pk] = notes
    return warnings


# The import --------------------------------------------------------------------------------


@dataclass
class Decision:
    """What one ticket does: count for `employee`, be withdrawn, or be skipped."""

    ticket: Ticket
    outcome: str  # "count", "withdraw" or a skip reason
    employee: Employee | None = None
    category: str = ""


def ticket_decide(ticket: Ticket, *, by_email, by_agent, categories, existing) -> Decision:
    """Whether a ticket counts, for whom and in which category; the first reason it cannot
    count wins, in the order of SKIP_REASONS."""
    if ticket.status is None:
        solved = bool(ticket.solved)
    else:
        solved = ticket.status.strip().lower() in SOLVED_STATUSES
    if not solved:
        current = existing.get(ticket.id)
        if current is not None and current.status != Evidence.Status.WITHDRAWN:
            return Decision(ticket, "withdraw")
        return Decision(ticket, "not solved or closed")
    if not (ticket.agent_email or ticket.agent):
        return Decision(ticket, "unassigned")
    employee = by_email.get(ticket.agent_email.lower()) if ticket.agent_email else None
    if employee is None and ticket.agent:
        employee = by_agent.get(agent_key(ticket.agent))
    if employee is None:
        return Decision(ticket, "unknown agent")
    category = next((categories[t.lower()] for t in ticket.tags if t.lower() in categories), None)
    if category is None:
        return Decision(ticket, "no mapped tag")
    return Decision(ticket, "count", employee, category)


def ticket_evidence(ids: list[str]) -> dict[str, list[Evidence]]:
    """Ticket evidence by reference, oldest first: one query per 10,000 ids (SQLite refuses
    more variables than that in one statement)."""
    found: dict[str, list[Evidence]] = {}
    unique = sorted(set(ids))
    for start in range(0, len(unique), 10_000):
        chunk = unique[start : start + 10_000]
        items = Evidence.objects.filter(kind=EvidenceKind.TICKET, reference__in=chunk)
        for item in items.order_by("pk"):
            found.setdefault(item.reference, []).append(item)
    for items in found.values():
        items.sort(key=lambda e: e.pk)
    return found
