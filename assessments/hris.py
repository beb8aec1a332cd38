"""HRIS import profiles: how to read an HR system's employee export as people.

A profile names the file's column for each field `people_import` knows, the date
format of its dates, the values of its status column that mean active or
inactive (a leaver), and a job-title table (a title -> a framework's level) for
exports that carry a job title instead of our level code.

Profiles come from three places, looked up by `profile_get`:

- built in (BUILT_IN below, Python data): `bamboohr`, `personio`, `workday`;
- saved by HR in the admin (assessments.ImportProfile, with its title table),
  optionally based on a built-in profile whose columns it inherits;
- a YAML or JSON file with the same fields (`profile_from_file`).

A saved profile wins over a built-in one of the same name: that is how HR gives
the BambooHR layout a title table (save a profile named `bamboohr` based on
BambooHR, with the titles). `titles_from_csv` reads a `title, framework, level`
CSV for `import_people --titles FILE`, which adds to (and overrides) a profile's
table.

This module holds no model code beyond reading saved profiles; matching rows to
people is importers.people_import's.
"""

import dataclasses
import datetime
import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

# Every field a people import reads (importers.people_import), in file order for messages.
FIELDS = (
    "email", "name", "first_name", "last_name", "employee_id", "manager_email",
    "manager_employee_id", "framework", "level", "job_title", "hire_date", "level_since",
    "status", "team", "region",
)  # fmt: skip

# Our own layout (DESIGN.md, Contracts): these columns are required, the others optional.
PLAIN_REQUIRED = ("email", "name", "manager_email", "framework", "level", "hire_date")
PLAIN_OPTIONAL = (
    "level_since", "status", "team", "region", "employee_id", "manager_employee_id",
)  # fmt: skip

# The date formats a profile may choose (a choice, not free text: a format string from a
# file is never handed to strptime unchecked). ISO dates are read whatever the choice.
DATE_FORMATS = {
    "%Y-%m-%d": "YYYY-MM-DD",
    "%m/%d/%Y": "MM/DD/YYYY",
    "%d/%m/%Y": "DD/MM/YYYY",
    "%d.%m.%Y": "DD.MM.YYYY",
    "%Y/%m/%d": "YYYY/MM/DD",
    "%d-%m-%Y": "DD-MM-YYYY",
}
ISO = "%Y-%m-%d"


def title_key(title: str) -> str:
    """A job title as the table matches it: case and spacing ignored."""
    return " ".join(title.split()).casefold()


@dataclasses.dataclass(frozen=True)
class Profile:
    """How to read one HRIS export. `columns` maps our field (FIELDS) to the file's header;
    fields in `optional` may be missing from the file (their values then change nothing),
    the others must be there. `titles` maps title_key(job title) to (framework slug, level
    code): the published version's level with that code is the one used."""

    name: str
    columns: Mapping[str, str]
    optional: frozenset = frozenset()
    date_format: str = ISO
    active: tuple[str, ...] = ("active",)
    inactive: tuple[str, ...] = ("inactive",)
    titles: Mapping[str, tuple[str, str]] = dataclasses.field(
        default_factory=lambda: MappingProxyType({})
    )
    source: str = "built-in"

    def with_titles(self, titles: Mapping[str, tuple[str, str]]) -> "Profile":
        """This profile with `titles` added to its table (replacing the same titles)."""
        return dataclasses.replace(self, titles=MappingProxyType({**self.titles, **titles}))

    def label(self, field: str) -> str:
        """The field as the file names it, for messages."""
        return self.columns.get(field, field)

    @property
    def status_values(self) -> str:
        return ", ".join([*self.active, *self.inactive])


def _built_in(name, columns, *, required, date_format, active, inactive) -> Profile:
    return Profile(
        name=name,
        columns=MappingProxyType(columns),
        optional=frozenset(columns) - set(required),
        date_format=date_format,
        active=active,
        inactive=inactive,
    )


# Built-in layouts. The column names are the vendors' own labels for their standard
# fields; where each comes from, and what was and was not checked against documentation,
# is in assessments/tests/fixtures/hris/README.md. Every built-in reads the job title
# through a title table (a saved profile of the same name, or --titles FILE) and names
# managers by employee id; the columns in `required` must be in the file.
BUILT_IN = {
    # BambooHR's employee report (Reports > New report, or the "Employee" custom report
    # exported as CSV): its field labels "Employee #" (the employee number your company
    # gives), "Supervisor EID" (the supervisor's employee number), "Status" (Active or
    # Inactive), dates as MM/DD/YYYY in a US account.
    "bamboohr": _built_in(
        "bamboohr",
        {
            "employee_id": "Employee #",
            "first_name": "First Name",
            "last_name": "Last Name",
            "email": "Work Email",
            "job_title": "Job Title",
            "hire_date": "Hire Date",
            "manager_employee_id": "Supervisor EID",
            "status": "Status",
            "team": "Department",
            "region": "Location",
        },
        required=(
            "employee_id",
            "first_name",
            "last_name",
            "email",
            "job_title",
            "hire_date",
            "manager_employee_id",
        ),  # fmt: skip
        date_format="%m/%d/%Y",
        active=("Active",),
        inactive=("Inactive",),
    ),
    # Personio's employee list export (People > Export, CSV) with its standard attributes
    # "ID", "First name", "Last name", "Email", "Position", "Hire date", "Status"
    # (active, onboarding, leave, inactive), "Department", "Office"; the supervisor's
    # Personio id as "Supervisor ID". Dates as a German-locale account writes them.
    "personio": _built_in(
        "personio",
        {
            "employee_id": "ID",
            "first_name": "First name",
            "last_name": "Last name",
            "email": "Email",
            "job_title": "Position",
            "hire_date": "Hire date",
            "manager_employee_id": "Supervisor ID",
            "status": "Status",
            "team": "Department",
            "region": "Office",
        },
        required=(
            "employee_id",
            "first_name",
            "last_name",
            "email",
            "job_title",
            "hire_date",
            "manager_employee_id",
        ),  # fmt: skip
        date_format="%d.%m.%Y",
        active=("active", "onboarding", "leave"),
        inactive=("inactive",),
    ),
    # A Workday custom report of workers (Report Writer, data source "All Active and
    # Terminated Workers", exported as CSV): "Employee ID", "Legal First Name",
    # "Legal Last Name", "Primary Work Email", "Business Title", "Hire Date",
    # "Manager Employee ID", "Active Status" (Yes/No, 1/0), "Supervisory Organization",
    # "Location"; dates as ISO 8601 (the report's CSV format).
    "workday": _built_in(
        "workday",
        {
            "employee_id": "Employee ID",
            "first_name": "Legal First Name",
            "last_name": "Legal Last Name",
            "email": "Primary Work Email",
            "job_title": "Business Title",
            "hire_date": "Hire Date",
            "manager_employee_id": "Manager Employee ID",
            "status": "Active Status",
            "team": "Supervisory Organization",
            "region": "Location",
        },
        required=(
            "employee_id",
            "first_name",
            "last_name",
            "email",
            "job_title",
            "hire_date",
            "manager_employee_id",
        ),  # fmt: skip
        date_format=ISO,
        active=("Yes", "1", "Active"),
        inactive=("No", "0", "Inactive", "Terminated"),
    ),
}


def csv_columns(profile: Profile | None) -> tuple[dict, dict]:
    """(required, optional) columns for importers.read_csv: field -> (header,)."""
    if profile is None:
        return (
            {name: (name,) for name in PLAIN_REQUIRED},
            {name: (name,) for name in PLAIN_OPTIONAL},
        )
    required = {f: (h,) for f, h in profile.columns.items() if f not in profile.optional}
    optional = {f: (h,) for f, h in profile.columns.items() if f in profile.optional}
    return required, optional


def date_parse(raw: str, date_format: str) -> datetime.date | None:
    """A date in `date_format` (or ISO), or None when it is not one. Day and month may
    lack their leading zero, as spreadsheets write them."""
    for fmt in dict.fromkeys((ISO, date_format)):
        pattern = DATE_RE_FOR.get(fmt)
        if pattern is not None and pattern.fullmatch(raw):
            try:
                return datetime.datetime.strptime(raw, fmt).date()  # noqa: DTZ007 (a date)
            except ValueError:
                continue
    return None


# Each format's shape, checked before strptime, which is lenient about what else it takes.
DATE_RE_FOR = {
    "%Y-%m-%d": re.compile(r"\d{4}-\d{2}-\d{2}"),
    "%m/%d/%Y": re.compile(r"\d{1,2}/\d{1,2}/\d{4}"),
    "%d/%m/%Y": re.compile(r"\d{1,2}/\d{1,2}/\d{4}"),
    "%d.%m.%Y": re.compile(r"\d{1,2}\.\d{1,2}\.\d{4}"),
    "%Y/%m/%d": re.compile(r"\d{4}/\d{1,2}/\d{1,2}"),
    "%d-%m-%Y": re.compile(r"\d{1,2}-\d{1,2}-\d{4}"),
}


def date_hint(date_format: str) -> str:
    """The accepted shapes in words, e.g. "MM/DD/YYYY or YYYY-MM-DD"."""
    if date_format == ISO:
        return "YYYY-MM-DD"
    return f"{DATE_FORMATS[date_format]} or YYYY-MM-DD"


# Finding a profile -------------------------------------------------------------------------


def profile_get(spec) -> Profile | None:
    """The profile `spec` names: None (our own columns), a Profile, a saved ImportProfile,
    or a name (a saved profile, else a built-in one). Raises ImportProblems for an unknown
    name."""
    from .importers import ImportProblems
    from .models import ImportProfile

    if spec is None or isinstance(spec, Profile):
        return spec
    if isinstance(spec, ImportProfile):
        return profile_from_model(spec)
    saved = ImportProfile.objects.filter(name=spec).first()
    if saved is not None:
        return profile_from_model(saved)
    if spec in BUILT_IN:
        return BUILT_IN[spec]
    names = sorted({*ImportProfile.objects.values_list("name", flat=True), *BUILT_IN})
    raise ImportProblems([f'no import profile named "{spec}" (one of: {", ".join(names)})'])


def profile_from_model(saved, *, with_titles=True) -> Profile:
    """A profile saved in the admin, on top of the built-in one it is based on."""
    base = BUILT_IN.get(saved.based_on)
    named = {f: getattr(saved, f"{f}_column").strip() for f in FIELDS}
    named = {f: header for f, header in named.items() if header}
    columns = merge_columns(base, named)
    optional = (base.optional if base else frozenset()) - set(named)
    titles = {}
    if with_titles:
        titles = {
            title_key(row.title): (row.level.framework.slug, row.level.code)
            for row in saved.titles.select_related("level__framework")
        }
    return Profile(
        name=saved.name,
        columns=MappingProxyType(columns),
        optional=frozenset(optional),
        date_format=saved.date_format or (base.date_format if base else ISO),
        active=_values(saved.active_values) or (base.active if base else ("active",)),
        inactive=_values(saved.inactive_values) or (base.inactive if base else ("inactive",)),
        titles=MappingProxyType(titles),
        source="saved in the admin",
    )


# A field a profile names replaces its alternatives in the base profile: a profile with
# one name column needs no first and last name columns, one with manager e-mails no
# manager ids.
ALTERNATIVES = {
    "name": ("first_name", "last_name"),
    "first_name": ("name",),
    "last_name": ("name",),
    "manager_email": ("manager_employee_id",),
    "manager_employee_id": ("manager_email",),
}


def merge_columns(base: Profile | None, named: dict[str, str]) -> dict[str, str]:
    """The base profile's columns overridden by `named`, less the alternatives of what
    `named` names."""
    columns = dict(base.columns) if base else {}
    for field in named:
        for other in ALTERNATIVES.get(field, ()):
            if other not in named:
                columns.pop(other, None)
    return {**columns, **named}


def _values(text: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in text.split(",") if v.strip())


def is_profile_file(spec: str) -> bool:
    """Whether `--profile SPEC` names a file rather than a profile."""
    return spec == "-" or "/" in spec or Path(spec).suffix.lower() in (".yaml", ".yml", ".json")


PROFILE_KEYS = ("name", "based_on", "columns", "date_format", "active", "inactive", "titles")


def profile_from_file(text: str, *, source: str) -> Profile:
    """A profile from YAML or JSON text with the keys PROFILE_KEYS (README, "HRIS
    profiles"); ImportProblems lists everything wrong with it."""
    from frameworks.yaml_format import FrameworkFormatError, yaml_load_bounded

    from .importers import ImportProblems

    try:
        data = yaml_load_bounded(text)
    except FrameworkFormatError as exc:
        raise ImportProblems([f"profile: {e}" for e in exc.errors]) from None
    if not isinstance(data, dict):
        raise ImportProblems(["profile: the file must hold a mapping (name, columns, ...)"])
    problems = [
        f'profile: unknown key "{_short(key)}" (one of: {", ".join(PROFILE_KEYS)})'
        for key in data
        if key not in PROFILE_KEYS
    ]
    based_on = data.get("based_on") or ""
    if based_on not in ("", *BUILT_IN):
        problems.append(
            f'profile: based_on "{_short(based_on)}" is not a built-in profile '
            f"(one of: {', '.join(BUILT_IN)})"
        )
        based_on = ""
    base = BUILT_IN.get(based_on)
    columns = _mapping(data.get("columns"), "columns", problems)
    for field, header in columns.items():
        if field not in FIELDS:
            problems.append(
                f'profile: columns: unknown field "{_short(field)}" (one of: {", ".join(FIELDS)})'
            )
        elif not isinstance(header, str) or not header.strip() or len(header) > 100:
            problems.append(f"profile: columns: {field} must name a column (1-100 characters)")
    date_format = data.get("date_format") or (base.date_format if base else ISO)
    if date_format not in DATE_FORMATS:
        problems.append(
            f'profile: date_format "{_short(date_format)}" is not one of: '
            + ", ".join(DATE_FORMATS)
        )
    statuses = {}
    for key in ("active", "inactive"):
        value = data.get(key)
        if value is None:
            statuses[key] = getattr(base, key) if base else (key,)
        elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            statuses[key] = tuple(value)
        else:
            problems.append(f"profile: {key} must be a list of the status column's values")
    titles = {}
    for title, target in _mapping(data.get("titles"), "titles", problems).items():
        if (
            isinstance(title, str)
            and isinstance(target, dict)
            and set(target) == {"framework", "level"}
            and all(isinstance(v, str) for v in target.values())
        ):
            titles[title_key(title)] = (target["framework"], target["level"])
        else:
            problems.append(
                f'profile: titles: "{_short(title)}" must map to {{framework: SLUG, level: CODE}}'
            )
    if problems:
        raise ImportProblems(problems)
    merged = merge_columns(base, {f: h.strip() for f, h in columns.items()})
    profile = Profile(
        name=str(data.get("name") or Path(source).stem)[:100],
        columns=MappingProxyType(merged),
        optional=frozenset((base.optional if base else frozenset()) - set(columns)),
        date_format=date_format,
        active=statuses["active"],
        inactive=statuses["inactive"],
        titles=MappingProxyType(titles),
        source=source,
    )
    if problem := profile_problem(profile):
        raise ImportProblems([f"profile: {problem}"])
    return profile


def profile_problem(profile: Profile) -> str | None:
    """Why `profile` cannot read a people file (a field with no column), or None."""
    columns = profile.columns
    missing = []
    if "email" not in columns:
        missing.append("email")
    if "name" not in columns and not {"first_name", "last_name"} <= set(columns):
        missing.append("name (or first_name and last_name)")
    if "hire_date" not in columns:
        missing.append("hire_date")
    if "level" not in columns and "job_title" not in columns:
        missing.append("level (or job_title, with a title table)")
    if "level" in columns and "framework" not in columns and "job_title" not in columns:
        missing.append("framework (the level's)")
    if missing:
        return f"no column named for {', '.join(missing)}"
    return None


def _mapping(value, key: str, problems: list) -> dict:
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    problems.append(f"profile: {key} must be a mapping")
    return {}


def _short(value) -> str:
    text = str(value)
    return text if len(text) <= 60 else f"{text[:60]}…"


def titles_from_csv(text: str) -> dict[str, tuple[str, str]]:
    """A job-title table from a `title, framework, level` CSV (`--titles FILE`); a title
    twice is a problem. Whether each level exists is checked by the import, on the lines
    that use the title."""
    from .importers import ImportProblems, read_csv

    rows, problems = read_csv(text, {name: (name,) for name in ("title", "framework", "level")})
    table, first = {}, {}
    for line, row in rows:
        missing = [name for name in ("title", "framework", "level") if not row[name]]
        if missing:
            problems.append(f"titles line {line}: {', '.join(missing)} missing")
            continue
        key = title_key(row["title"])
        if key in first:
            problems.append(
                f'titles line {line}: "{_short(row["title"])}" already appears on line {first[key]}'
            )
            continue
        first[key] = line
        table[key] = (row["framework"], row["level"])
    if problems:
        raise ImportProblems([p if p.startswith("titles") else f"titles {p}" for p in problems])
    return table
