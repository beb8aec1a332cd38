"""Imports of the past: competency ratings, confirmations (attestations) and level history.

The same contract as `assessments.importers` (DESIGN.md, "More importers"): UTF-8 CSV with a
header, the whole file or nothing, every problem as "line N: reason" in one pass, and a
re-import changes nothing. Rows are matched to what is already stored by their natural key:

- a rating by (person, competency, self or manager, review period of `rated_on`), the
  database's own uniqueness;
- a confirmation by (person, code, level code): it counts for that level in every version
  of the framework, so a confirmation given under an earlier version is the same one;
- a level change by (person, level code reached, date); its `from_level` is updated.

Levels are looked up by code in the person's framework: their own version first, then the
newest earlier or later version that has the code, so history can name a level a framework
has since dropped. Competencies and proficiencies are looked up by slug or name (ignoring
case) in the person's own version: a rating counts only against their current framework.

Who may rate or confirm is decided as the rating and confirmation services decide it
(`people.selectors.reviewable_report_ids`): the person themselves for a self rating, else an
active manager above them (only the direct manager when their framework says so); never a
leaver, and nobody rates or confirms for someone who has left. That costs one query per
distinct rater or manager in the file, never one per row.

The level history import writes LevelHistory only: it never changes anyone's current level
or `level_since`, which belong to the people import and to promotions (a row reaching the
person's current level on another day than `level_since` is kept as it is written).
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from careerpath.audit import current_reason
from frameworks.models import Competency, Level, ProficiencyLevel, Requirement
from people.models import Employee, LevelHistory
from people.selectors import reviewable_report_ids

from .importers import (
    ImportResult,
    _apply_rows,
    _bulk_update,
    _columns,
    _date,
    _employee,
    _employees_by_email,
    _messages,
    _raise_if,
    _shown,
    read_csv,
)
from .models import Attestation, CompetencyRating, review_period

# What a history row's reason says (the command's name is added inside `audited`).
IMPORTED = "Imported"


def _past_date(row: dict, column: str, errors: list) -> datetime.date | None:
    """A required date within the bounds that is not in the future."""
    value = _date(row, column, errors)
    if value and value > timezone.localdate():
        errors.append(f"{column} {value} is in the future")
        return None
    return value


def _levels_by_framework(employees) -> dict[int, dict[str, Level]]:
    """framework version id -> {level code in lower case: Level} for the people's framework
    versions: that version's own levels, then the codes only other versions of the same
    framework have (the newest version wins). One query."""
    versions = {e.framework_id: e.framework.slug for e in employees}
    levels = (
        Level.objects.filter(framework__slug__in=set(versions.values()))
        .select_related("framework")
        .order_by("-framework__version", "pk")
    )
    by_slug: dict[str, list[Level]] = {}
    for level in levels:
        by_slug.setdefault(level.framework.slug, []).append(level)
    table = {}
    for framework_id, slug in versions.items():
        found = by_slug.get(slug, [])
        own = [level for level in found if level.framework_id == framework_id]
        codes: dict[str, Level] = {}
        for level in own + [level for level in found if level.framework_id != framework_id]:
            codes.setdefault(level.code.lower(), level)
        table[framework_id] = codes
    return table


def _level(raw: str, employee: Employee, levels: dict, column: str, errors: list):
    codes = levels[employee.framework_id]
    level = codes.get(raw.lower())
    if level is None:
        own = ", ".join(
            lv.code
            for lv in sorted(codes.values(), key=lambda lv: (lv.rank, lv.code))
            if lv.framework_id == employee.framework_id
        )
        errors.append(
            f'unknown {column} "{_shown(raw)}" in {employee.framework.slug} (one of: {own})'
        )
    return level


class _Authority:
    """Who may rate or confirm for whom, as the services decide it: one query per distinct
    rater (`reviewable_report_ids`), remembered for the rest of the file."""

    def __init__(self):
        self._reviewable: dict[int, set[int]] = {}

    def may(self, rater: Employee, employee: Employee) -> bool:
        if rater.pk not in self._reviewable:
            self._reviewable[rater.pk] = reviewable_report_ids(manager=rater)
        return employee.pk in self._reviewable[rater.pk]


def _manager_problem(column: str, rater: Employee, employee: Employee, authority) -> str | None:
    """Why `rater` may not rate or confirm for `employee`, or None."""
    if not employee.is_active:
        return f"{employee.name} has left: nothing is recorded for them"
    if authority.may(rater, employee):
        return None
    gone = "" if rater.is_active else " (they have left)"
    return f'{column} "{_shown(rater.email)}" is not {employee.name}\'s manager{gone}'


# Ratings ---------------------------------------------------------------------------------


def _by_slug_or_name(items) -> dict[int, dict[str, object]]:
    """framework id -> {slug or name in lower case: item}."""
    table: dict[int, dict[str, object]] = {}
    for item in items:
        names = table.setdefault(item.framework_id, {})
        names.setdefault(item.slug.lower(), item)
        names.setdefault(" ".join(item.name.split()).lower(), item)
    return table


def _named(raw: str, employee: Employee, table: dict, column: str, errors: list):
    names = table.get(employee.framework_id, {})
    item = names.get(" ".join(raw.split()).lower())
    if item is None and raw:
        slugs = sorted({i.slug for i in names.values()})
        known = ", ".join(slugs) or "none"
        errors.append(
            f'unknown {column} "{_shown(raw)}" in {employee.framework.slug} (one of: {known})'
        )
    elif not raw:
        errors.append(f"{column} is missing")
    return item


def ratings_import(*, text: str) -> ImportResult:
    """Create or update competency ratings from `email, competency, proficiency, rated_on,
    rater_email` rows. A rater who is the person gives a self rating, anyone else a manager
    rating (and must be allowed to rate them); the review period is the half-year of
    `rated_on`, as the rating page fills it. A comment written in the app is kept."""
    rows, problems = read_csv(
        text, _columns("email", "competency", "proficiency", "rated_on", "rater_email")
    )
    people = _employees_by_email(
        email for _, row in rows for email in (row["email"], row["rater_email"])
    )
    framework_ids = {e.framework_id for e in people.values()}
    competencies = _by_slug_or_name(Competency.objects.filter(framework_id__in=framework_ids))
    proficiencies = _by_slug_or_name(
        ProficiencyLevel.objects.filter(framework_id__in=framework_ids)
    )
    existing = {
        (r.employee_id, r.competency_id, r.source, r.period): r
        for r in CompetencyRating.objects.filter(employee__in=list(people.values()))
    }
    authority = _Authority()

    def read_row(row, errors):
        employee = _employee(row["email"], people, errors)
        rater = _employee(row["rater_email"], people, errors, column="rater_email")
        rated_on = _past_date(row, "rated_on", errors)
        competency = proficiency = None
        if employee is not None:
            competency = _named(row["competency"], employee, competencies, "competency", errors)
            proficiency = _named(row["proficiency"], employee, proficiencies, "proficiency", errors)
        if employee is not None and rater is not None:
            if rater.pk == employee.pk:
                source = CompetencyRating.Source.SELF
                if not employee.is_active:
                    errors.append(f"{employee.name} has left: nothing is recorded for them")
            else:
                source = CompetencyRating.Source.MANAGER
                if problem := _manager_problem("rater_email", rater, employee, authority):
                    errors.append(problem)
        if errors:
            return None
        period = review_period(rated_on)
        key = (employee.pk, competency.pk, source, period)
        rating = existing.get(key) or CompetencyRating(
            employee=employee, competency=competency, source=source, period=period
        )
        changed = set()
        if rating.proficiency_id != proficiency.pk:
            rating.proficiency, changed = proficiency, changed | {"proficiency"}
        if rating.rated_on != rated_on:
            rating.rated_on, changed = rated_on, changed | {"rated_on"}
        if rating.rated_by_id != rater.user_id:
            rating.rated_by_id, changed = rater.user_id, changed | {"rated_by"}
        return key, rating, changed

    return _apply_rows(
        ImportResult("import_ratings"),
        rows,
        problems,
        "person, competency, rater (self or manager) and half-year",
        read_row,
    )


# Confirmations ---------------------------------------------------------------------------


def _confirmations(levels) -> dict[int, dict[str, str]]:
    """level id -> {confirmation code: its statement} for `levels`: the confirmations among
    the requirements into each level (group members too) and its perks' conditions, as the
    confirmation page offers them. One query."""
    ids = {level.pk for level in levels}
    rows = (
        Requirement.objects.filter(kind=Requirement.Kind.ATTESTATION)
        .filter(Q(level__in=ids) | Q(entitlement__level__in=ids))
        .select_related("entitlement")
        .order_by("order", "id")
    )
    found: dict[int, dict[str, str]] = {}
    for req in rows:
        level_id = req.level_id or req.entitlement.level_id
        found.setdefault(level_id, {}).setdefault(req.code, req.display_label)
    return found


def attestations_import(*, text: str) -> ImportResult:
    """Create or update confirmations from `email, code, level, confirmed_on, manager_email`
    rows: the manager confirmed the expectation `code` for `level` (the level it is for,
    which may be one the person has since reached). The statement is the framework's label
    for that confirmation; an existing confirmation keeps its statement and comment."""
    rows, problems = read_csv(
        text, _columns("email", "code", "level", "confirmed_on", "manager_email")
    )
    people = _employees_by_email(
        email for _, row in rows for email in (row["email"], row["manager_email"])
    )
    levels = _levels_by_framework(people.values())
    statements = _confirmations({level for codes in levels.values() for level in codes.values()})
    existing = {}
    stored = (
        Attestation.objects.filter(employee__in=list(people.values()))
        .select_related("level__framework")
        .order_by("-level__framework__version", "pk")
    )
    for item in stored:
        existing.setdefault((item.employee_id, item.code, item.level.code.lower()), item)
    authority = _Authority()

    def read_row(row, errors):
        employee = _employee(row["email"], people, errors)
        manager = _employee(row["manager_email"], people, errors, column="manager_email")
        confirmed_on = _past_date(row, "confirmed_on", errors)
        code, level = row["code"], None
        if not code:
            errors.append("code is missing")
        if employee is not None:
            if not row["level"]:
                errors.append("level is missing")
            else:
                level = _level(row["level"], employee, levels, "level", errors)
        if level is not None and code and code not in statements.get(level.pk, {}):
            known = ", ".join(statements.get(level.pk, {})) or "none"
            errors.append(
                f"{level.code} of {employee.framework.slug} asks for no confirmation "
                f'"{_shown(code)}" (its confirmations: {known})'
            )
        if employee is not None and manager is not None:
            if manager.pk == employee.pk:
                errors.append("nobody confirms their own expectations")
            elif problem := _manager_problem("manager_email", manager, employee, authority):
                errors.append(problem)
        if errors:
            return None
        key = (employee.pk, code, level.code.lower())
        attestation = existing.get(key)
        changed = set()
        if attestation is None:
            attestation = Attestation(
                employee=employee, code=code, level=level, statement=statements[level.pk][code]
            )
        else:
            attestation.employee = employee  # read already: clean() needs its framework
        if attestation.attested_on != confirmed_on:
            attestation.attested_on, changed = confirmed_on, changed | {"attested_on"}
        if attestation.attested_by_id != manager.user_id:
            attestation.attested_by_id, changed = manager.user_id, changed | {"attested_by"}
        return key, attestation, changed

    return _apply_rows(
        ImportResult("import_attestations"), rows, problems, "person, code and level", read_row
    )


# Level history ---------------------------------------------------------------------------


def level_history_import(*, text: str) -> ImportResult:
    """Record past changes of level from `email, from_level, to_level, changed_on` rows (an
    empty `from_level`: the level they started at). Rows match stored history by (person,
    level reached, date), whoever wrote it; a different `from_level` updates it. Nobody's
    current level or `level_since` changes."""
    rows, problems = read_csv(text, _columns("email", "from_level", "to_level", "changed_on"))
    people = _employees_by_email(row["email"] for _, row in rows)
    levels = _levels_by_framework(people.values())
    existing = {}
    history = (
        LevelHistory.objects.filter(employee__in=list(people.values()))
        .select_related("from_level", "to_level")
        .order_by("pk")
    )
    for entry in history:
        existing.setdefault(
            (entry.employee_id, entry.to_level.code.lower(), entry.changed_on), entry
        )
    reason = current_reason(IMPORTED)

    def read_row(row, errors):
        employee = _employee(row["email"], people, errors)
        changed_on = _past_date(row, "changed_on", errors)
        from_level = to_level = None
        if employee is not None:
            if row["from_level"]:
                from_level = _level(row["from_level"], employee, levels, "from_level", errors)
            if not row["to_level"]:
                errors.append("to_level is missing")
            else:
                to_level = _level(row["to_level"], employee, levels, "to_level", errors)
            if changed_on and changed_on < employee.hire_date:
                errors.append(
                    f"changed_on {changed_on} is before {employee.name}'s hire date "
                    f"{employee.hire_date}"
                )
        if from_level is not None and to_level is not None and from_level.code == to_level.code:
            errors.append(f"from_level and to_level are both {to_level.code}")
        if errors:
            return None
        key = (employee.pk, to_level.code.lower(), changed_on)
        entry = existing.get(key)
        if entry is None:
            entry = LevelHistory(
                employee=employee, from_level=from_level, to_level=to_level,
                changed_on=changed_on, reason=reason,
            )  # fmt: skip
            return key, entry, set()
        was = entry.from_level.code if entry.from_level_id else None
        if was == (from_level.code if from_level else None):
            return key, entry, set()
        entry.from_level = from_level
        return key, entry, {"from_level"}

    result = ImportResult("import_level_history")
    seen, items = {}, []
    for line, row in rows:
        errors = []
        read = read_row(row, errors)
        if errors:
            problems += [f"line {line}: {error}" for error in errors]
        elif read[0] in seen:
            problems.append(f"line {line}: same person, to_level and date as line {seen[read[0]]}")
        else:
            key, entry, changed = read
            seen[key] = line
            if entry.pk is None or changed:
                items.append((line, entry))
            else:
                result.count("unchanged", line=line)
    return _save_history(result, items, problems)


def _save_history(result: ImportResult, items: list, problems: list) -> ImportResult:
    """Check and write level history in bulk, as `_save_items` does for audited models
    (LevelHistory is itself the record of a change: it keeps no history rows)."""
    related = ["employee", "from_level", "to_level", "changed_by"]
    for line, entry in items:
        try:
            entry.full_clean(exclude=related, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            problems += [f"line {line}: {message}" for message in _messages(exc)]
    _raise_if(problems)
    for line, entry in items:
        result.count("created" if entry.pk is None else "updated", line=line)
    with transaction.atomic():
        new = [entry for _line, entry in items if entry.pk is None]
        LevelHistory.objects.bulk_create(new, batch_size=1000)
        if old := [entry for _line, entry in items if entry.pk is not None]:
            _bulk_update(LevelHistory, old, ["from_level"])
    return result
