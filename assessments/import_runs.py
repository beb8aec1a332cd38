"""Imports in the browser: HR uploads a file, sees a dry run by line, then applies it once.

The importers are the commands' own (assessments.import_kinds); this module adds the
upload (kept as uploaded, so Apply reads the very bytes the dry run read), the dry run (the
importer in a transaction that is rolled back), the one Apply, and background work for
large files. HR only: `import_run_*` check the actor themselves.

States (ImportRun.State): queued -> checking -> checked or refused; checked -> applying ->
applied, or apply_refused when the data changed since the dry run and the importer now
refuses the file (nothing changed). An unexpected error leaves `failed` (nothing changed).

Progress, honestly: a run shows its stage (waiting for a worker, checking, applying), the
number of lines and how long the stage has run; the importer itself reports nothing while
it works, and a whole file is one transaction, so there is no row counter to show.
"""

import hashlib
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from careerpath.audit import audited
from careerpath.celery import enqueue_on_commit
from people.roles import user_is_hr

from .import_kinds import KINDS, ImportKind
from .importers import ImportProblems, ImportResult, decode
from .models import ImportRun

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # 10 MB: about 100,000 people rows
# Larger files are checked and applied by a worker while the page shows the stage; smaller
# ones (a few thousand rows, a second or two) in the request itself.
INLINE_MAX_BYTES = 256 * 1024

State = ImportRun.State


class _RolledBack(Exception):
    """Leaves a dry run's transaction, undoing everything the importer wrote."""

    def __init__(self, result):
        self.result = result


def _require_hr(actor) -> None:
    if actor is None or not user_is_hr(actor):
        raise PermissionDenied("Imports are for HR.")


# Reading -----------------------------------------------------------------------------------


def import_run_list(*, actor):
    """Every import, newest first, with who uploaded and applied it (HR only)."""
    _require_hr(actor)
    return ImportRun.objects.select_related("created_by", "applied_by").defer(
        "data", "dry_run", "result"
    )


def import_run_get(*, actor, pk: int) -> ImportRun:
    """One import (HR only); ImportRun.DoesNotExist when there is none."""
    _require_hr(actor)
    return ImportRun.objects.select_related("created_by", "applied_by").defer("data").get(pk=pk)


def result_json(result: ImportResult) -> dict:
    """What a dry run or an apply said, as stored and shown: counts and each line."""
    return {
        "summary": str(result),
        "counts": {
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "withdrawn": result.withdrawn,
            "skipped": result.skipped,
        },
        "skips": result.skips,
        "lines": [list(line) for line in sorted(result.lines)],
    }


def _problems_json(problems: ImportProblems) -> dict:
    return {"problems": problems.problems}


# Writing -----------------------------------------------------------------------------------


def upload_problem(*, data: bytes) -> str | None:
    """Why an uploaded file cannot be imported at all, or None."""
    if len(data) > MAX_UPLOAD_BYTES:
        return f"The file is {len(data):,} bytes; the limit is {MAX_UPLOAD_BYTES:,} (10 MB)."
    if not data.strip():
        return "The file is empty."
    try:
        decode(data)
    except ImportProblems as exc:
        return f"{exc.problems[0]}."
    return None


def option_values(kind: ImportKind, values: dict) -> dict:
    """The options to pass to the importer: the chosen ones that are not the default.

    ValidationError for a value that is not one of the option's choices."""
    chosen = {}
    for option in kind.options:
        choices = [value for value, _label in option.choices()]
        value = values.get(option.name) or choices[0]
        if value not in choices:
            raise ValidationError(
                f"{option.label}: “{value[:60]}” is not one of the choices.", code="invalid_option"
            )
        if value != choices[0]:
            chosen[option.name] = value
    return chosen


def import_run_create(
    *, actor, kind: str, file_name: str, data: bytes, options: dict | None = None
) -> ImportRun:
    """Keep an uploaded file and start its dry run: at once for a small file, else by a
    worker (the run is `queued` until then). ValidationError for a file or an option that
    cannot be imported at all (too big, empty, not UTF-8, an unknown kind)."""
    _require_hr(actor)
    if kind not in KINDS:
        raise ValidationError("Choose what the file holds.", code="unknown_kind")
    chosen = option_values(KINDS[kind], options or {})
    if problem := upload_problem(data=data):
        raise ValidationError(problem, code="unreadable_file")
    now = timezone.now()
    with transaction.atomic():
        run = ImportRun(
            kind=kind,
            options=chosen,
            file_name=(file_name or "upload")[:255],
            data=data,
            sha256=hashlib.sha256(data).hexdigest(),
            size=len(data),
            rows=data.count(b"\n") + (0 if data.endswith(b"\n") else 1),
            created_by=actor,
            state=State.QUEUED,
            state_changed_at=now,
        )
        run._history_user = actor
        run.save()
        if len(data) > INLINE_MAX_BYTES:
            enqueue_on_commit("assessments.tasks.import_run_check", run.pk)
    if len(data) <= INLINE_MAX_BYTES:
        import_run_check(run_id=run.pk)
        run.refresh_from_db()
    return run


def _reason(run: ImportRun, what: str) -> str:
    """The history's reason, in the commands' style: which command's importer, from where."""
    return f"{KINDS[run.kind].command} {what} in the browser (import #{run.pk})"


def _claim(run_id: int, *, states, to: str, **fields) -> bool:
    """Move a run from one of `states` to `to`; False when another request or worker did
    (a conditional UPDATE: two at once move it once, on SQLite too)."""
    return bool(
        ImportRun.objects.filter(pk=run_id, state__in=states).update(
            state=to, state_changed_at=timezone.now(), **fields
        )
    )


def import_run_check(*, run_id: int) -> None:
    """The dry run: the importer on the stored file in a transaction that is rolled back.

    Safe to repeat: only a queued run (or one whose worker died while checking) is checked.
    """
    if not _claim(run_id, states=[State.QUEUED, State.CHECKING], to=State.CHECKING):
        return
    run = ImportRun.objects.get(pk=run_id)
    kind = KINDS[run.kind]
    try:
        with audited(reason=_reason(run, "dry run"), user=run.created_by):
            try:
                with transaction.atomic():
                    raise _RolledBack(kind.importer(text=decode(bytes(run.data)), **run.options))
            except _RolledBack as done:
                run.dry_run, run.state = result_json(done.result), State.CHECKED
            except ImportProblems as exc:
                run.dry_run, run.state = _problems_json(exc), State.REFUSED
    except Exception as exc:  # a fault of ours: the run says so instead of checking forever
        logger.exception("The dry run of import #%s failed.", run_id)
        run.state, run.error = State.FAILED, f"{type(exc).__name__}: {exc}"[:2000]
    run.checked_at = run.state_changed_at = timezone.now()
    run._history_user = run.created_by
    run.save()


def import_run_apply(*, run: ImportRun, actor) -> bool:
    """Apply the file that was dry-run, once: False when it was already applied or is
    being applied (a second click, a re-submitted form) and nothing more happens.

    The importer checks the file again against today's data: when that changed since the
    dry run and the file is now refused, the run is `apply_refused` with every problem and
    nothing changed. A small file is applied in this transaction, a large one by a worker.
    """
    _require_hr(actor)
    if run.state != State.CHECKED:
        return False
    background = run.size > INLINE_MAX_BYTES
    with transaction.atomic():
        if not _claim(run.pk, states=[State.CHECKED], to=State.APPLYING, applied_by=actor):
            return False
        if background:
            enqueue_on_commit("assessments.tasks.import_run_apply", run.pk)
        else:
            _apply(run.pk)
    return True


def import_run_apply_claimed(*, run_id: int) -> None:
    """A worker's part of `import_run_apply`; safe to repeat (only an `applying` run is
    applied, and its state changes in the same transaction as the data)."""
    try:
        with transaction.atomic():
            _apply(run_id)
    except Exception as exc:
        logger.exception("Applying import #%s failed.", run_id)
        ImportRun.objects.filter(pk=run_id, state=State.APPLYING).update(
            state=State.FAILED,
            state_changed_at=timezone.now(),
            error=f"{type(exc).__name__}: {exc}"[:2000],
        )


def _apply(run_id: int) -> None:
    run = (
        ImportRun.objects.select_for_update(of=("self",))
        .select_related("applied_by")
        .get(pk=run_id)
    )
    if run.state != State.APPLYING:
        return
    kind = KINDS[run.kind]
    with audited(reason=_reason(run, "applied"), user=run.applied_by):
        try:
            result = kind.importer(text=decode(bytes(run.data)), **run.options)
        except ImportProblems as exc:
            run.result, run.state = _problems_json(exc), State.APPLY_REFUSED
        else:
            run.result, run.state = result_json(result), State.APPLIED
    run.applied_at = run.state_changed_at = timezone.now()
    run._history_user = run.applied_by
    run.save()
