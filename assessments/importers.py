"""Bulk CSV imports of people, evidence, monthly metrics and helpdesk tickets.

The contract is DESIGN.md, "Contracts", bulk import. Each importer takes the
file's text and returns an ImportResult, or raises ImportProblems listing every
problem as "line N: reason" (the header is line 1) and changes nothing: rows
are checked first, then written in one transaction that any late problem rolls
back. Lookups are loaded in bulk, so a file costs a constant number of reads
plus the writes of the rows that create or change something; re-importing the
same file writes nothing.
"""

import csv
import datetime
import io
import re
import sys
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import validate_email
from django.db import connections, router, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from careerpath.audit import current_reason, current_user
from careerpath.input import MAX_DATE, MIN_DATE, control_problem, date_bounds_problem
from frameworks.models import Framework, Level, MetricDefinition
from frameworks.selectors import category_problem, evidence_categories
from people.models import Employee
from people.services import employee_leave, employee_level_change, employee_return

from . import helpdesk, hris
from .models import Evidence, EvidenceKind, HelpdeskTagCategory, MonthlyMetric

DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
PERIOD_RE = re.compile(r"(\d{4})-(\d{2})")
IMPORT_STATUSES = ("submitted", "approved", "rejected")
# The longest value quoted back in a message; the rest is elided.
SHOWN_CHARS = 60


def _shown(raw: str) -> str:
    """A file's value as quoted in a message: at most SHOWN_CHARS characters."""
    return raw if len(raw) <= SHOWN_CHARS else f"{raw[:SHOWN_CHARS]}… ({len(raw)} characters)"


class ImportProblems(Exception):
    """Nothing was imported; `problems` lists every reason, in file order."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))

    def report(self, source: str) -> str:
        """The message for a command's user: where, and every problem on its own line."""
        source = "standard input" if source == "-" else source
        lines = "\n".join(f"  {problem}" for problem in self.problems)
        return f"{source}: nothing imported, {len(self.problems)} problem(s):\n{lines}"


@dataclass
class ImportResult:
    command: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    withdrawn: int | None = None  # helpdesk tickets reopened since they were imported
    skips: dict[str, int] | None = None  # helpdesk tickets that cannot count, by reason
    # What happened to each line (sort by line for file order): (line, outcome, detail), being
    # created, updated, unchanged, withdrawn or skipped (detail: the reason). A dry run
    # in the browser shows these.
    lines: list[tuple[int, str, str]] = field(default_factory=list)

    def count(self, outcome: str, *, line: int | None = None, detail: str = "") -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)
        if line is not None:
            self.lines.append((line, outcome, detail))

    def skip(self, reason: str, *, line: int) -> None:
        self.skips[reason] += 1
        self.lines.append((line, "skipped", reason))

    def withdraw(self, *, line: int, detail: str = "") -> None:
        self.withdrawn += 1
        self.lines.append((line, "withdrawn", detail))

    @property
    def skipped(self) -> int | None:
        return None if self.skips is None else sum(self.skips.values())

    def __str__(self):
        text = (
            f"{self.command}: {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged"
        )
        if self.withdrawn is not None:
            text += f", {self.withdrawn} withdrawn"
        if self.skips is not None:
            reasons = ", ".join(f"{reason} {n}" for reason, n in self.skips.items())
            text += f"; skipped {self.skipped} ({reasons})"
        return text


# Reading ---------------------------------------------------------------------------------


def read_source(path: str) -> str:
    """The text of the file at `path`, or of standard input for "-"."""
    try:
        if path == "-":
            data = getattr(sys.stdin, "buffer", sys.stdin).read()  # bytes, unless replaced
            return decode(data) if isinstance(data, bytes) else data
        with open(path, "rb") as handle:
            return decode(handle.read())
    except FileNotFoundError:
        raise ImportProblems(["no such file"]) from None
    except OSError as exc:
        raise ImportProblems([f"cannot read it ({exc.strerror})"]) from None


def decode(data: bytes) -> str:
    """UTF-8 text without its BOM, or ImportProblems naming the line of the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportProblems(
            [f"line {line}: not UTF-8 text ({exc.reason}); save the file as CSV UTF-8"]
        ) from None


def _columns(*names: str) -> dict[str, tuple[str, ...]]:
    return {name: (name,) for name in names}


def _header_key(header: str) -> str:
    return " ".join(header.replace("_", " ").split()).lower()


def read_csv(text: str, required: dict, optional: dict | None = None):
    """Rows of a CSV as (line number, {column: stripped value}), and the rows' problems.

    `required` and `optional` map a column's name to the headers it accepts;
    headers match case-insensitively, "_" matching a space, and other columns
    are ignored. Blank rows are skipped; a missing optional column reads as "".
    The line number is where a row starts, so quoted multi-line values count.
    """
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise ImportProblems(["the file is empty"])
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows, problems = [], []
    try:
        header = [_header_key(name) for name in next(reader)]
        wanted = {**required, **(optional or {})}
        index = {  # the first alias present wins
            name: header.index(alias)
            for name, aliases in wanted.items()
            for alias in map(_header_key, reversed(aliases))
            if alias in header
        }
        missing = [
            name if aliases == (name,) else f"{name} ({', '.join(aliases)})"
            for name, aliases in required.items()
            if name not in index
        ]
        if missing:
            raise ImportProblems([f"missing column(s): {', '.join(missing)}"])
        line = reader.line_num
        for record in reader:
            start, line = line + 1, reader.line_num
            if not any(value.strip() for value in record):
                continue
            if len(record) != len(header):
                problems.append(
                    f"line {start}: {len(record)} values, but the header has {len(header)}"
                )
                continue
            # PostgreSQL cannot store NUL; no column of ours wants any control character. A
            # column we do not read (a vendor export's requester, description...) is never
            # stored, so what it holds refuses nothing.
            bad = [
                f"column {header[i] or i + 1} {reason}"
                for i in sorted(set(index.values()))
                if (reason := control_problem(record[i]))
            ]
            if bad:
                problems += [f"line {start}: {reason}" for reason in bad]
                continue
            values = {name: record[i].strip() for name, i in index.items()}
            rows.append((start, {**dict.fromkeys(wanted, ""), **values}))
    except csv.Error as exc:
        raise ImportProblems(
            [*problems, f"line {reader.line_num}: not valid CSV ({exc})"]
        ) from None
    if not rows and not problems:
        raise ImportProblems(["the file has a header but no rows"])
    return rows, problems


def _raise_if(problems: list[str]) -> None:
    """Raise ImportProblems sorted by line (stable, so a row's reasons keep their order)."""
    if problems:
        line = re.compile(r"line (\d+):")
        raise ImportProblems(
            sorted(problems, key=lambda p: int(m[1]) if (m := line.match(p)) else 0)
        )


def _messages(error: ValidationError) -> list[str]:
    """full_clean() errors as row reasons: "field: message", or the message alone."""
    if not hasattr(error, "error_dict"):
        return error.messages
    return [
        message if field == NON_FIELD_ERRORS else f"{field}: {message}"
        for field, messages in error.message_dict.items()
        for message in messages
    ]


def _date(row: dict, column: str, errors: list, *, required=True) -> datetime.date | None:
    raw = row[column]
    if not raw:
        if required:
            errors.append(f"{column} is missing")
        return None
    if DATE_RE.fullmatch(raw):
        try:
            value = datetime.date.fromisoformat(raw)
        except ValueError:
            pass
        else:
            if not (problem := date_bounds_problem(value)):
                return value
            errors.append(f"{column} {problem}")
            return None
    errors.append(f'{column} "{_shown(raw)}" is not a date (YYYY-MM-DD)')
    return None


def _choice(row: dict, column: str, choices, errors: list, *, required=True) -> str:
    value = row[column]
    if not value and required:
        errors.append(f"{column} is missing")
    elif value and value not in choices:
        errors.append(f'unknown {column} "{_shown(value)}" (one of: {", ".join(choices)})')
    return value


def _employees_by_email(emails) -> dict[str, Employee]:
    keys = {email.lower() for email in emails if email}
    employees = Employee.objects.select_related("user", "framework").annotate(
        key=Lower("user__email")
    )
    return {e.key: e for e in employees.filter(key__in=keys).order_by("-pk")}


def _employee(email: str, employees: dict, errors: list, column="email") -> Employee | None:
    if not email:
        errors.append(f"{column} is missing")
    elif email.lower() not in employees:
        errors.append(f'unknown {column} "{_shown(email)}" (no employee has it)')
    return employees.get(email.lower())


def _apply_rows(result: "ImportResult", rows, problems: list, what: str, read_row):
    """The shared loop of the evidence and metric imports.

    `read_row(row, errors)` notes the row's problems in `errors`, or returns None to
    skip the row, or (match key, new or existing instance, the names of the fields that
    changed: empty when nothing did).
    A key seen before is a problem. Nothing is saved unless every row and every
    full_clean() is fine; then the new and changed instances are saved together.
    """
    seen, items = {}, []
    for line, row in rows:
        errors = []
        read = read_row(row, errors)
        if errors:
            problems += [f"line {line}: {error}" for error in errors]
        elif read and read[0] in seen:
            problems.append(f"line {line}: same {what} as line {seen[read[0]]}")
        elif read:
            key, instance, changed = read
            seen[key] = line
            if changed or instance.pk is None:
                items.append((line, instance, set(changed)))
            else:
                result.count("unchanged", line=line)
    return _save_items(result, items, problems)


# Rows are written in batches of this many: one INSERT or UPDATE (and one history INSERT)
# per batch instead of one per row.
BATCH_SIZE = 1000
# An UPDATE of bulk_update matches each row against a CASE of every row in its batch, so
# its cost grows with the square of the batch: smaller batches are faster.
UPDATE_BATCH_SIZE = 100


def _save_items(result: "ImportResult", items: list, problems: list, *, also=()):
    """Check `items` ((line, new or changed instance, changed field names)) with
    full_clean(), raise every
    problem, else write them all in one transaction, in bulk, with their history.

    Uniqueness and foreign keys are not checked row by row (a query each): the importers
    match rows to existing ones by the same keys the constraints use, refuse a key seen
    twice, and take related rows from their own lookups.
    `also` are more lists of (instance, changed field names), each list of one model,
    saved in the same transaction.
    """
    # Related rows were read by the importer itself: checking that each still exists
    # would cost a query per row.
    related = {
        f.name for _line, instance, _fields in items[:1] for f in instance._meta.concrete_fields
        if f.is_relation
    }  # fmt: skip
    for line, instance, _fields in items:
        try:
            instance.full_clean(exclude=related, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            problems += [f"line {line}: {message}" for message in _messages(exc)]
    _raise_if(problems)
    for line, instance, _fields in items:
        result.count("created" if instance.pk is None else "updated", line=line)
    with transaction.atomic():
        _bulk_save([(instance, fields) for _line, instance, fields in items])
        for pairs in also:
            _bulk_save(list(pairs))
    return result


def _bulk_save(pairs: list) -> None:
    """Insert the new instances and update the others' changed fields (all of one model),
    in batches, and write their history rows in bulk (bulk writes send no signals); the
    history's reason is the command's (careerpath.audit). `pairs` are (instance, names of
    its changed fields); updates are grouped by those names, so that each UPDATE sets only
    what changed (Django's bulk_update writes a CASE per field and row)."""
    if not pairs:
        return
    model = type(pairs[0][0])
    new = [instance for instance, _fields in pairs if instance.pk is None]
    changed = [(instance, fields) for instance, fields in pairs if instance.pk and fields]
    now, reason, user = timezone.now(), current_reason(), current_user()
    if new:
        model.objects.bulk_create(new, batch_size=BATCH_SIZE)
        model.history.bulk_history_create(
            new, batch_size=BATCH_SIZE, default_change_reason=reason, default_user=user
        )
    auto_now = [f for f in model._meta.concrete_fields if getattr(f, "auto_now", False)]
    groups: dict[frozenset, list] = {}
    for instance, fields in changed:
        for f in auto_now:
            setattr(instance, f.attname, now)
        groups.setdefault(frozenset(fields) | {f.name for f in auto_now}, []).append(instance)
    for fields, instances in groups.items():
        _bulk_update(model, instances, sorted(fields))
    if old := [instance for group in groups.values() for instance in group]:
        model.history.bulk_history_create(
            old, batch_size=BATCH_SIZE, update=True, default_change_reason=reason,
            default_user=user,
        )  # fmt: skip


def _bulk_update(model, instances: list, names: list[str]) -> None:
    """Write `names` of `instances` to the database. On PostgreSQL, one UPDATE ... FROM
    unnest(arrays) per 5,000 rows; elsewhere Django's bulk_update, whose CASE expressions
    cost about 0.5 ms a row in Python (27 s for 50,000 rows here)."""
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        model.objects.bulk_update(instances, names, batch_size=UPDATE_BATCH_SIZE)
        return
    meta, qn = model._meta, connection.ops.quote_name
    fields = [meta.get_field(name) for name in names]
    pk = meta.pk
    columns = [pk, *fields]
    assignments = ", ".join(f"{qn(f.column)} = v.{qn(f.column)}" for f in fields)
    arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in columns)
    aliases = ", ".join(qn(f.column) for f in columns)
    sql = (
        f"UPDATE {qn(meta.db_table)} SET {assignments} "
        f"FROM unnest({arrays}) AS v({aliases}) "
        f"WHERE {qn(meta.db_table)}.{qn(pk.column)} = v.{qn(pk.column)}"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(instances), 5000):
            chunk = instances[start : start + 5000]
            values = [
                [f.get_db_prep_save(getattr(i, f.attname), connection) for i in chunk]
                for f in columns
            ]
            cursor.execute(sql, values)


# People ----------------------------------------------------------------------------------


@dataclass
class _Person:
    line: int
    email: str
    name: str
    manager_key: str
    level: Level
    hire_date: datetime.date
    level_since: datetime.date | None  # None: keep an existing person's (a new one: hire_date)
    status: str = ""  # "active", "inactive" (a leaver) or "" (leave as it is)
    # None: absent or empty in the file, so an existing person's stays as it is.
    employee_id: str | None = None
    team: str | None = None
    region: str | None = None


def people_import(*, text: str, profile=None) -> ImportResult:
    """Create or update users and employees, matched by e-mail; managers may be listed
    after their reports.

    `profile` says how to read the file: None for our own columns (DESIGN.md,
    Contracts: email, name, manager_email, framework, level, hire_date and optional
    level_since, status, team, region, employee_id, manager_employee_id), else an HRIS
    layout: an assessments.hris.Profile, a saved assessments.ImportProfile, or the name of
    either (a saved profile wins over the built-in bamboohr, personio or workday). An
    unknown name raises ImportProblems.

    An absent or empty level_since, status, employee_id, team or region never changes an
    existing person's (a new person's level_since is their hire date). A level change is
    recorded in LevelHistory (on level_since, or today). Every problem of the file is
    reported at once, sorted by line; nothing is written unless there are none.
    """
    profile = hris.profile_get(profile)
    required, optional = hris.csv_columns(profile)
    if profile is None and "manager employee id" in _header_keys(text):
        # Managers named by employee id: the manager_email column may be left out.
        optional["manager_email"] = required.pop("manager_email")
    rows, problems = read_csv(text, required, optional)
    published = Framework.objects.filter(status="published").prefetch_related("levels")
    frameworks = {f.slug: {lv.code: lv for lv in f.levels.all()} for f in published}
    # Everyone's reporting line and employee id (one query), to find unknown managers,
    # loops and employee ids taken by someone else.
    known = Employee.objects.values_list(
        Lower("user__email"), Lower("manager__user__email"), "employee_id"
    )
    graph, email_of_id = {}, {}
    for email, boss, employee_id in known:
        graph[email] = boss
        if employee_id:
            email_of_id[employee_id] = email
    # The file's own employee ids first: a manager may be listed after their reports.
    file_ids: dict[str, tuple[str, int]] = {}
    for line, row in rows:
        if (eid := row.get("employee_id", "")) and eid not in file_ids:
            file_ids[eid] = (row["email"].lower(), line)
    people, first_line, manager_of = {}, {}, {}
    for line, row in rows:
        errors: list[str] = []
        person = _person_read(line, row, profile, frameworks, errors)
        key = row["email"].lower()
        if row["email"]:
            if key in first_line:
                errors.append(f"{_label(profile, 'email')} {row['email']} already appears on "
                              f"line {first_line[key]}")  # fmt: skip
            first_line.setdefault(key, line)
        if person is not None and person.employee_id:
            owner_key, owner_line = file_ids[person.employee_id]
            if owner_line != line:
                errors.append(
                    f"{_label(profile, 'employee_id')} {person.employee_id} already appears "
                    f"on line {owner_line}"
                )
            elif email_of_id.get(person.employee_id, key) != key:
                errors.append(
                    f"{_label(profile, 'employee_id')} {person.employee_id} belongs to "
                    f"{email_of_id[person.employee_id]}"
                )
        manager_of[line] = _manager_key(row, profile, file_ids, email_of_id, errors)
        if errors or person is None:
            problems += [f"line {line}: {error}" for error in errors]
            continue
        person.manager_key = manager_of[line]
        people[key] = person
    for line, boss in manager_of.items():  # unknown managers, also on rows with other problems
        if boss and boss not in first_line and boss not in graph:
            problems.append(
                f'line {line}: unknown {_label(profile, "manager_email")} "{_shown(boss)}" '
                "(not an employee and not in this file)"
            )
    problems += _manager_loops(people, graph)
    result = ImportResult("import_people")
    keys = set(people) | {p.manager_key for p in people.values()}
    employees = _employees_by_email(keys)
    problems += _kept_level_since_problems(people, employees, profile)
    _raise_if(problems)

    users = get_user_model().objects.annotate(key=Lower("email")).filter(key__in=set(people))
    users = {user.key: user for user in users.order_by("-pk")}
    with transaction.atomic():
        for key in _managers_first(people):
            person = people[key]
            employee = employees.get(key)
            user = employee.user if employee else users.get(key)
            manager = employees.get(person.manager_key)
            try:
                employee, outcome = _person_save(person, employee, user, manager)
            except ValidationError as exc:
                problems += [f"line {person.line}: {message}" for message in _messages(exc)]
                continue
            employees[key] = employee
            result.count(outcome, line=person.line)
        _raise_if(problems)
    return result


def _header_keys(text: str) -> list[str]:
    """The file's header row as read_csv matches it ([] when it cannot be read: read_csv
    then says why)."""
    try:
        header = next(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")), [])
    except csv.Error:
        return []
    return [_header_key(name) for name in header]


def _label(profile, field: str) -> str:
    """A field as the file names it: our column name, or the profile's header."""
    return field if profile is None else profile.label(field)


def _person_read(line: int, row: dict, profile, frameworks: dict, errors: list) -> "_Person | None":
    """One row as a _Person, its problems noted in `errors` (then None). The manager is
    resolved by the caller."""
    value = row.get
    email = value("email", "")
    if not email:
        errors.append(f"{_label(profile, 'email')} is missing")
    else:
        try:
            validate_email(email)
        except ValidationError:
            errors.append(f'{_label(profile, "email")} "{_shown(email)}" is not a valid e-mail '
                          "address")  # fmt: skip
    name = " ".join(value("name", "").split())
    if not name:
        name = " ".join(f"{value('first_name', '')} {value('last_name', '')}".split())
    if not name:
        column = "name" if "name" in row else "first_name"
        errors.append(f"{_label(profile, column)} is missing")
    level = _row_level(row, profile, frameworks, errors)
    date_format = profile.date_format if profile else hris.ISO
    hire_date = _hris_date(row, "hire_date", profile, date_format, errors)
    level_since = _hris_date(row, "level_since", profile, date_format, errors, required=False)
    if hire_date and level_since and level_since < hire_date:
        errors.append(
            f"{_label(profile, 'level_since')} {level_since} is before "
            f"{_label(profile, 'hire_date')} {hire_date}"
        )
    status = _row_status(value("status", ""), profile, errors)
    texts = {name: value(name, "") or None for name in ("employee_id", "team", "region")}
    # Field lengths and the like, checked here so they come with the file's other problems.
    first, _, last = name.partition(" ")
    probe_user = get_user_model()(
        username=email[:150], email=email, first_name=first, last_name=last
    )
    probe = Employee(**{n: v or "" for n, v in texts.items()})
    for instance, fields in (
        (probe_user, ("first_name", "last_name")),
        (probe, ("employee_id", "team", "region")),
    ):
        try:
            instance.clean_fields(
                exclude=[f.name for f in instance._meta.fields if f.name not in fields]
            )
        except ValidationError as exc:
            errors += _messages(exc)
    if errors:
        return None
    return _Person(line, email, name, "", level, hire_date, level_since, status, **texts)


def _row_level(row: dict, profile, frameworks: dict, errors: list) -> Level | None:
    """The row's level: from its framework and level code, else from its job title through
    the profile's title table."""
    framework, code = row.get("framework", ""), row.get("level", "")
    title = row.get("job_title", "")
    if not code and title:
        if (target := profile.titles.get(hris.title_key(title)) if profile else None) is None:
            errors.append(
                f'{_label(profile, "job_title")} "{_shown(title)}" is not in the title table '
                f"of profile {profile.name} (add it to the profile in the admin, or use "
                "--titles FILE)"
            )
            return None
        framework, code = target
        if not (level := frameworks.get(framework, {}).get(code)):
            errors.append(
                f'{_label(profile, "job_title")} "{_shown(title)}" maps to framework '
                f'{_shown(framework)} level "{_shown(code)}", which no published framework has'
            )
        return level
    if not framework:
        if "level" not in row and "job_title" in row:
            errors.append(f"{_label(profile, 'job_title')} is missing")
        else:
            errors.append(f"{_label(profile, 'framework')} is missing")
        return None
    if framework not in frameworks:
        errors.append(
            f'unknown {_label(profile, "framework")} "{_shown(framework)}" (no published version)'
        )
        return None
    if not code:
        errors.append(f"{_label(profile, 'level')} is missing")
        return None
    if not (level := frameworks[framework].get(code)):
        errors.append(f'framework {framework} has no level "{_shown(code)}"')
    return level


def _hris_date(row, field, profile, date_format, errors, *, required=True):
    """A date of the row in the profile's format (or ISO); None when empty or bad."""
    raw, label = row.get(field, ""), _label(profile, field)
    if not raw:
        if required:
            errors.append(f"{label} is missing")
        return None
    value = hris.date_parse(raw, date_format)
    if value is None:
        errors.append(f'{label} "{_shown(raw)}" is not a date ({hris.date_hint(date_format)})')
    elif problem := date_bounds_problem(value):
        errors.append(f"{label} {problem}")
        value = None
    return value


def _row_status(raw: str, profile, errors: list) -> str:
    """active, inactive or "" (unchanged) from the status column, through the profile's
    values (case ignored)."""
    if not raw:
        return ""
    active = profile.active if profile else PEOPLE_STATUSES[:1]
    inactive = profile.inactive if profile else PEOPLE_STATUSES[1:]
    folded = raw.casefold()
    if folded in {v.casefold() for v in active}:
        return "active"
    if folded in {v.casefold() for v in inactive}:
        return "inactive"
    errors.append(
        f'unknown {_label(profile, "status")} "{_shown(raw)}" '
        f"(one of: {', '.join([*active, *inactive])})"
    )
    return ""


def _manager_key(row, profile, file_ids, email_of_id, errors) -> str:
    """The row's manager as a lower-case e-mail ("" for none): its manager e-mail, else its
    manager's employee id, looked up in the file and then among everyone."""
    if email := row.get("manager_email", ""):
        return email.lower()
    if manager_id := row.get("manager_employee_id", ""):
        if manager_id in file_ids:
            return file_ids[manager_id][0]
        if manager_id in email_of_id:
            return email_of_id[manager_id]
        errors.append(
            f'unknown {_label(profile, "manager_employee_id")} "{_shown(manager_id)}" '
            "(no employee has it and it is not in this file)"
        )
    return ""


def _kept_level_since_problems(people: dict, employees: dict, profile) -> list[str]:
    """Rows that keep an existing person's level_since (none given) but move their hire date
    after it: say so now rather than fail while writing."""
    problems = []
    for key, person in people.items():
        employee = employees.get(key)
        if employee and person.level_since is None and employee.level_since < person.hire_date:
            problems.append(
                f"line {person.line}: {_label(profile, 'hire_date')} {person.hire_date} is "
                f"after their time at level began ({employee.level_since}); give "
                f"{_label(profile, 'level_since')} too"
            )
    return problems


def _manager_loops(people: dict[str, _Person], graph: dict[str, str | None]) -> list[str]:
    """One problem per reporting loop, on the first line of the file that is part of it."""

    def boss(key):
        return people[key].manager_key if key in people else graph.get(key) or ""

    problems = []
    for key, person in people.items():
        chain, up = [key], boss(key)
        while up and up not in chain:
            chain.append(up)
            up = boss(up)
        if up == key and person.line == min(people[k].line for k in chain if k in people):
            problems.append(f"line {person.line}: manager loop: {' → '.join([*chain, key])}")
    return problems


def _managers_first(people: dict[str, _Person]) -> list[str]:
    """The file's people ordered so that each one's manager in the file comes before them."""
    order, done = [], set()
    for key in people:
        chain = []
        while key in people and key not in done:
            chain.append(key)
            done.add(key)
            key = people[key].manager_key
        order += reversed(chain)
    return order


def _person_save(person: _Person, employee, user, manager) -> tuple[Employee, str]:
    """Create or update one person; returns the employee and created/updated/unchanged."""
    if user is None:
        user = get_user_model()(username=person.email, email=person.email)
        user.set_unusable_password()
    names_changed = " ".join(user.get_full_name().split()) != person.name
    if names_changed:
        user.first_name, _, user.last_name = person.name.partition(" ")
        user.full_clean(exclude=["password"])  # ours is unusable; an existing one is not ours
        user.save()
    fields = {
        "manager_id": manager.pk if manager else None,
        "framework_id": person.level.framework_id,
        "hire_date": person.hire_date,
    }
    # Absent or empty in the file: an existing person's stays as it is.
    for name in ("level_since", "employee_id", "team", "region"):
        if getattr(person, name) is not None:
            fields[name] = getattr(person, name)
    if employee is None:
        fields.setdefault("level_since", person.hire_date)
        employee = Employee(user=user, level=person.level, **fields)
        employee.full_clean()
        employee.save()
        _status_apply(employee, person.status)
        return employee, "created"
    changed = [name for name, value in fields.items() if getattr(employee, name) != value]
    level_changed = employee.level_id != person.level.pk
    status_changed = _status_apply(employee, person.status)
    if not (changed or level_changed or names_changed or status_changed):
        return employee, "unchanged"
    for name in changed:
        setattr(employee, name, fields[name])
    if level_changed:  # recorded in LevelHistory, like any other change of level
        # Without level_since the HR system says only that the level is new: as of today.
        changed_on = person.level_since or max(timezone.localdate(), person.hire_date)
        employee_level_change(
            employee=employee,
            level=person.level,
            changed_on=changed_on,
            actor=current_user(),  # HR who applied it in the browser; None from a command
            reason="Imported",
        )
        changed = [name for name in changed if name != "level_since"]
    if changed:
        employee.full_clean()
        employee.save(update_fields=[Employee._meta.get_field(name).name for name in changed])
    return employee, "updated"


PEOPLE_STATUSES = ("active", "inactive")


def _status_apply(employee: Employee, status: str) -> bool:
    """An `inactive` row is a leaver (access ends, as when HR marks it); `active` brings a
    leaver back; an empty status changes nothing. True when something changed."""
    if status == "inactive" and employee.is_active:
        return employee_leave(employee=employee, actor=current_user(), left_on=timezone.localdate())
    if status == "active" and not employee.is_active:
        return employee_return(employee=employee, actor=current_user())
    return False


# Evidence --------------------------------------------------------------------------------


def _evidence_key(employee_id, kind, reference, category="", title="", occurred_on=None):
    if reference:
        return (employee_id, kind, reference)
    return (employee_id, kind, category, title, occurred_on)


def _existing_evidence(employees: dict[str, Employee]) -> dict[tuple, Evidence]:
    """These people's evidence by its match key; the oldest item wins a tie."""
    items = Evidence.objects.filter(employee__in=list(employees.values())).order_by("-pk")
    return {
        _evidence_key(e.employee_id, e.kind, e.reference, e.category, e.title, e.occurred_on): e
        for e in items
    }


def _evidence_set(evidence: Evidence, fields: dict, now: datetime.datetime) -> set[str]:
    """Apply the fields that differ and return their names (empty: none did). An imported
    decision has no reviewer."""
    changed = {name: value for name, value in fields.items() if getattr(evidence, name) != value}
    for name, value in changed.items():
        setattr(evidence, name, value)
    if "status" in changed:
        decided = evidence.status != Evidence.Status.SUBMITTED
        evidence.reviewed_by = None
        evidence.reviewed_at = now if decided else None
        evidence.review_comment = "Imported" if decided else ""
    if "status" in changed:
        return {*changed, "reviewed_by", "reviewed_at", "review_comment"}
    return set(changed)


def evidence_import(*, text: str) -> ImportResult:
    """Create or update evidence, matched by (person, kind, reference) or, without a
    reference, by (person, kind, category, title, date)."""
    rows, problems = read_csv(
        text,
        _columns("email", "kind", "category", "title", "reference", "occurred_on", "status"),
        _columns("outcome"),
    )
    employees = _employees_by_email(row["email"] for _, row in rows)
    existing, now = _existing_evidence(employees), timezone.now()
    categories = {}  # framework id -> {kind: {category slugs}}, read once per framework

    def row_category_problem(employee, kind, category):
        if not category or employee is None or kind not in EvidenceKind.values:
            return None
        if employee.framework_id not in categories:
            table = evidence_categories(framework_id=employee.framework_id)
            categories[employee.framework_id] = {k: dict(v) for k, v in table.items()}
        allowed = categories[employee.framework_id].get(kind, {})
        if category_problem(categories[employee.framework_id], evidence_kind=kind,
                            category=category):  # fmt: skip
            known = ", ".join(allowed) or "none: leave it empty"
            framework = employee.framework.slug
            return (
                f'category "{category}" is not one of the {kind} categories of {framework} '
                f"({known})"
            )
        return None

    def read_row(row, errors):
        employee = _employee(row["email"], employees, errors)
        kind = _choice(row, "kind", EvidenceKind.values, errors)
        problem = row_category_problem(employee, kind, row["category"])
        if problem:
            errors.append(problem)
        status = _choice(row, "status", IMPORT_STATUSES, errors)
        outcome = _choice(row, "outcome", Evidence.Outcome.values, errors, required=False)
        if outcome and kind != EvidenceKind.EXAM:
            errors.append("only exams have an outcome")
        occurred_on = _date(row, "occurred_on", errors)
        if occurred_on and occurred_on > timezone.localdate():
            errors.append(f"occurred_on {occurred_on} is in the future")
        if not row["title"]:
            errors.append("title is missing")
        if errors:
            return None
        category, title, reference = row["category"], row["title"], row["reference"]
        key = _evidence_key(employee.pk, kind, reference, category, title, occurred_on)
        evidence = existing.get(key) or Evidence(employee=employee, kind=kind, reference=reference)
        fields = {"category": category, "title": title, "occurred_on": occurred_on}
        changed = _evidence_set(evidence, {**fields, "status": status, "outcome": outcome}, now)
        return key, evidence, changed

    return _apply_rows(ImportResult("import_evidence"), rows, problems, "evidence", read_row)


def helpdesk_tickets_import(*, text: str) -> ImportResult:
    """Solved and closed tickets of a helpdesk export become ticket evidence waiting for
    review (assessments/helpdesk.py names the layouts). One ticket id is one item: a
    ticket reassigned moves to its new agent (waiting for review again), a ticket
    reopened is withdrawn until it is solved again. Tickets that cannot count are skipped
    and counted by reason; only malformed rows (no id, a bad date on a ticket that counts)
    fail the file. Re-importing changes nothing and never touches a review decision."""
    if text.lstrip("\ufeff \t\r\n").startswith("{"):
        tickets, problems = helpdesk.tickets_from_json(text)
        if not tickets and not problems:
            raise ImportProblems(["the file has no tickets"])
    else:
        _layout, tickets, problems = helpdesk.tickets_from_csv(text, read_csv)
    by_email = _employees_by_email(t.agent_email for t in tickets)
    by_agent, agent_rows = helpdesk.agents_resolve(tickets, by_email)
    categories = helpdesk.tag_categories()
    ids = [t.id for t in tickets if t.id]
    found = helpdesk.ticket_evidence(ids)
    # Only items this importer made are its to move, withdraw or restore; an item a person
    # submitted themselves (submitted_by set) is theirs and their manager's, never touched.
    imported_of = {
        ref: [e for e in items if e.submitted_by_id is None] for ref, items in found.items()
    }
    submitted_by_person = {
        ref: {e.employee_id for e in items if e.submitted_by_id is not None}
        for ref, items in found.items()
    }
    live_of = {
        ref: next((e for e in items if e.status != Evidence.Status.WITHDRAWN), items[0])
        for ref, items in imported_of.items()
        if items
    }
    zone, now = helpdesk.helpdesk_zone(), timezone.now()
    result = ImportResult(
        "import_helpdesk_tickets", withdrawn=0, skips=dict.fromkeys(helpdesk.SKIP_REASONS, 0)
    )
    seen, items, withdrawn = {}, [], []

    def withdraw(evidence: Evidence, why: str) -> None:
        evidence.status = Evidence.Status.WITHDRAWN
        evidence.review_comment = why
        withdrawn.append((evidence, {"status", "review_comment"}))
        result.withdraw(line=line, detail=why)

    for ticket in tickets:
        line = ticket.line
        if not ticket.id:
            problems.append(f"line {line}: ticket id is missing")
            continue
        if len(ticket.id) > 300:
            problems.append(f'line {line}: ticket id "{_shown(ticket.id)}" is too long')
            continue
        if ticket.id in seen:
            problems.append(f"line {line}: same ticket id as line {seen[ticket.id]}")
            continue
        seen[ticket.id] = line
        decision = helpdesk.ticket_decide(
            ticket, by_email=by_email, by_agent=by_agent, categories=categories,
            existing=live_of,
        )  # fmt: skip
        candidates = imported_of.get(ticket.id, [])
        if decision.outcome == "withdraw":
            for evidence in candidates:
                # A rejected item counts for nothing already; its decision stays.
                if evidence.status in (Evidence.Status.SUBMITTED, Evidence.Status.APPROVED):
                    was = "approved" if evidence.status == Evidence.Status.APPROVED else "waiting"
                    withdraw(evidence, f"{REOPENED} (was {was})")
            continue
        if decision.outcome != "count":
            result.skip(decision.outcome, line=line)
            continue
        raw = ticket.solved or (ticket.updated if ticket.status is not None else "")
        if not raw:
            problems.append(f"line {line}: solved date is missing")
            continue
        solved_on, problem = helpdesk.solved_on(raw, zone)
        if problem:
            problems.append(f"line {line}: {problem}")
            continue
        employee = decision.employee
        mine = next((e for e in candidates if e.employee_id == employee.pk), None)
        if employee.pk in submitted_by_person.get(ticket.id, set()):
            evidence = None  # they submitted this ticket themselves: their item stands
            result.count("unchanged", line=line)
        else:
            evidence = mine or (candidates[0] if candidates else None)
        # One ticket counts for one person: other people's items for it stop counting.
        for other in candidates:
            if other is not evidence and other.employee_id != employee.pk and other.status in (
                Evidence.Status.SUBMITTED, Evidence.Status.APPROVED,
            ):  # fmt: skip
                withdraw(other, f"Reassigned in the helpdesk to {employee.name}")
        if evidence is None and employee.pk in submitted_by_person.get(ticket.id, set()):
            continue
        if evidence is None:
            evidence = Evidence(employee=employee, kind=EvidenceKind.TICKET, reference=ticket.id)
        title = (ticket.subject or f"Ticket {ticket.id}")[:300]
        fields = {"title": title, "category": decision.category, "occurred_on": solved_on}
        restored = None
        if evidence.pk is not None and evidence.employee_id != employee.pk:
            # Reassigned: the new agent's item, for their manager to review.
            fields |= {"employee": employee, "status": Evidence.Status.SUBMITTED}
        elif evidence.status == Evidence.Status.WITHDRAWN and evidence.review_comment.startswith(
            REOPENED
        ):
            # Solved again after reopening: the decision it had before comes back (a person's
            # own withdrawal is theirs and stays).
            restored = _decision_before_reopening(evidence)
        if restored is not None:
            evidence.status, evidence.review_comment = restored
            changed = {"status", "review_comment"}
            changed |= _evidence_set(evidence, fields, now)
            items.append((line, evidence, changed))
        elif changed := _evidence_set(evidence, fields, now):
            items.append((line, evidence, changed))
        elif evidence.pk is None:
            items.append((line, evidence, set()))
        else:
            result.count("unchanged", line=line)
    agents = [(row, {"employee"}) for row in agent_rows]
    _save_items(result, items, problems, also=[withdrawn, agents])
    return result


REOPENED = "Reopened in the helpdesk"


def _decision_before_reopening(evidence: Evidence) -> tuple[str, str]:
    """(status, review comment) a ticket's item had before the helpdesk reopened it: an
    approval stands (with its reviewer's words), otherwise it waits for review again."""
    if evidence.review_comment.endswith("(was approved)"):
        review = evidence.reviews.filter(decision="approved").order_by("-created_at").first()
        return Evidence.Status.APPROVED, (review.comment if review else "Imported")
    return Evidence.Status.SUBMITTED, ""


def tag_mappings_import(*, text: str) -> ImportResult:
    """Create or update helpdesk tag mappings from `tag, category` rows; a tag matches an
    existing mapping ignoring case and spacing (which keeps its spelling)."""
    rows, problems = read_csv(text, _columns("tag", "category"))
    existing = {
        " ".join(m.tag.split()).lower(): m for m in HelpdeskTagCategory.objects.order_by("-pk")
    }  # the oldest mapping of a tag wins, as in the ticket import

    def read_row(row, errors):
        tag, category = " ".join(row["tag"].split()), row["category"]
        if not tag:
            errors.append("tag is missing")
        if not category:
            errors.append("category is missing")
        if errors:
            return None
        mapping = existing.get(tag.lower()) or HelpdeskTagCategory(tag=tag)
        changed = {"category"} if mapping.category != category else set()
        mapping.category = category
        return tag.lower(), mapping, changed

    return _apply_rows(ImportResult("import_helpdesk_tags"), rows, problems, "tag", read_row)


# Metrics ---------------------------------------------------------------------------------


def _period(raw: str, errors: list) -> datetime.date | None:
    """A YYYY-MM month as its first day."""
    match = PERIOD_RE.fullmatch(raw)
    if match and 1 <= int(match[2]) <= 12:
        if MIN_DATE.year <= int(match[1]) <= MAX_DATE.year:
            return datetime.date(int(match[1]), int(match[2]), 1)
        errors.append(f"period {raw} is not between {MIN_DATE:%Y-%m} and {MAX_DATE:%Y-%m}")
        return None
    errors.append(
        f'period "{_shown(raw)}" is not a month (YYYY-MM)' if raw else "period is missing"
    )
    return None


def _value(raw: str, errors: list) -> Decimal | None:
    try:
        value = Decimal(raw)
    except InvalidOperation:
        errors.append(f'value "{_shown(raw)}" is not a number' if raw else "value is missing")
        return None
    if value.is_finite() and 0 <= value <= 10000:
        return value
    errors.append(f"value {_shown(raw)} is not between 0 and 10000")
    return None


def metrics_import(*, text: str) -> ImportResult:
    """Create or update one value per (person, metric, month)."""
    rows, problems = read_csv(text, _columns("email", "metric", "period", "value"))
    employees = _employees_by_email(row["email"] for _, row in rows)
    defined = list(MetricDefinition.objects.order_by("slug").values_list("slug", flat=True))
    existing = {
        (m.employee_id, m.metric, m.period): m
        for m in MonthlyMetric.objects.filter(employee__in=list(employees.values()))
    }

    def read_row(row, errors):
        employee = _employee(row["email"], employees, errors)
        metric = _choice(row, "metric", defined, errors)
        period, value = _period(row["period"], errors), _value(row["value"], errors)
        if errors:
            return None
        key = (employee.pk, metric, period)
        item = existing.get(key) or MonthlyMetric(employee=employee, metric=metric, period=period)
        changed = {"value"} if item.value != value else set()
        item.value = value
        return key, item, changed

    return _apply_rows(
        ImportResult("import_metrics"), rows, problems, "person, metric and month", read_row
    )
