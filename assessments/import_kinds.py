"""The kinds of bulk import: one entry each, read by the upload pages and the commands.

A kind names its importer (a function `(*, text, **options) -> ImportResult`, raising
ImportProblems), the management command that runs it, its title and its columns for the
help text, and any extra choice the importer takes (an `ImportOption`, e.g. the people
file's HRIS profile). Adding a kind is one entry in `KINDS`; a test checks that every
entry has its command and every import command has its entry.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from . import history_importers, importers


@dataclass(frozen=True)
class ImportOption:
    """An extra choice passed to the importer as a keyword argument, shown as a select.

    `choices()` is called for each form, so it may read the database (HR-saved profiles).
    The first choice is the default; the default is not passed to the importer at all, so
    an importer without the option keeps working while it is offered nothing else.
    """

    name: str  # the importer's keyword argument
    label: str
    choices: Callable[[], list[tuple[str, str]]]
    help_text: str = ""


@dataclass(frozen=True)
class ImportKind:
    slug: str
    title: str  # what HR picks, e.g. "People"
    importer: Callable
    command: str  # the management command that runs the same importer
    columns: str  # the help text's description of the file
    summary: str  # one sentence: what the import does
    options: tuple[ImportOption, ...] = field(default=())

    @property
    def command_help(self) -> str:
        return (
            f"{self.summary} {self.columns} "
            "All rows or nothing: any bad row is reported and nothing changes."
        )


def people_profiles() -> list[tuple[str, str]]:
    """The column profiles a people file may be read with; the first (our own columns) is
    the default: the built-in HRIS layouts and the profiles HR saved in the admin. A saved
    profile with a built-in's name holds that built-in's job-title table, so it is offered
    once, by that name."""
    from .hris import BUILT_IN
    from .models import ImportProfile

    vendors = {"bamboohr": "BambooHR", "personio": "Personio", "workday": "Workday"}
    saved = ImportProfile.objects.order_by("name").values_list("name", flat=True)
    return [
        ("", "CareerPath's own columns"),
        *((name, f"{vendors.get(name, name)} export (built in)") for name in BUILT_IN),
        *((name, f"{name} (saved in the admin)") for name in saved if name not in BUILT_IN),
    ]


KINDS: dict[str, ImportKind] = {
    kind.slug: kind
    for kind in (
        ImportKind(
            slug="people",
            title="People",
            importer=importers.people_import,
            command="import_people",
            summary="Create or update people and their reporting lines.",
            columns=(
                "Columns: email, name, manager_email (or manager_employee_id), framework, "
                "level, hire_date, and optionally level_since (a new person's defaults to "
                "hire_date; left empty, an existing person's is kept), status (active, or "
                "inactive for a leaver), team, region, employee_id. Managers may appear after "
                "their reports. Or an HR system's export read through a column profile "
                "(bamboohr, personio, workday, or one saved in the admin)."
            ),
            options=(
                ImportOption(
                    name="profile",
                    label="Column profile",
                    choices=people_profiles,
                    help_text="How the file names its columns (an HRIS export's own layout).",
                ),
            ),
        ),
        ImportKind(
            slug="evidence",
            title="Evidence",
            importer=importers.evidence_import,
            command="import_evidence",
            summary="Create or update evidence items.",
            columns=(
                "Columns: email, kind, category, title, reference, occurred_on (YYYY-MM-DD), "
                "status (submitted, approved or rejected) and optionally outcome (passed or "
                "failed, for exams)."
            ),
        ),
        ImportKind(
            slug="metrics",
            title="Monthly metrics",
            importer=importers.metrics_import,
            command="import_metrics",
            summary="Create or update monthly metrics.",
            columns="Columns: email, metric (a defined metric), period (YYYY-MM), value.",
        ),
        ImportKind(
            slug="ratings",
            title="Competency ratings",
            importer=history_importers.ratings_import,
            command="import_ratings",
            summary="Create or update competency ratings (past assessments included).",
            columns=(
                "Columns: email, competency, proficiency, rated_on (YYYY-MM-DD), rater_email "
                "(a rater who is the person gives a self rating; anyone else must be allowed "
                "to rate them)."
            ),
        ),
        ImportKind(
            slug="attestations",
            title="Confirmations",
            importer=history_importers.attestations_import,
            command="import_attestations",
            summary="Create or update managers' confirmations of expectations.",
            columns=(
                "Columns: email, code (the expectation's code), level (the level the "
                "confirmation is for), confirmed_on (YYYY-MM-DD), manager_email."
            ),
        ),
        ImportKind(
            slug="level-history",
            title="Level history",
            importer=history_importers.level_history_import,
            command="import_level_history",
            summary=(
                "Record past changes of level (history only: nobody's current level changes)."
            ),
            columns=(
                "Columns: email, from_level (empty: the level they started at), to_level, "
                "changed_on (YYYY-MM-DD)."
            ),
        ),
        ImportKind(
            slug="helpdesk-tickets",
            title="Helpdesk tickets",
            importer=importers.helpdesk_tickets_import,
            command="import_helpdesk_tickets",
            summary=(
                "Turn a helpdesk export into ticket evidence waiting for review; tickets "
                "that cannot count (not solved or closed, unassigned, unknown agent, no "
                "mapped tag) are skipped and counted."
            ),
            columns=(
                "A Zendesk CSV or JSON export or a Freshdesk CSV export exactly as the "
                "vendor writes it (detected from the file), or our own CSV: id, subject, "
                "tags, solved at, assignee email."
            ),
        ),
        ImportKind(
            slug="helpdesk-tags",
            title="Helpdesk tag mapping",
            importer=importers.tag_mappings_import,
            command="import_helpdesk_tags",
            summary="Create or update the mapping of helpdesk tags to evidence categories.",
            columns=(
                "Columns: tag, category (a tag matches ignoring case, as the export writes it)."
            ),
        ),
    )
}


def kind_choices() -> list[tuple[str, str]]:
    return [(kind.slug, kind.title) for kind in KINDS.values()]
