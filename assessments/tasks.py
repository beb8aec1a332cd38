"""Celery tasks of assessments: thin callers of the import runs' services."""

from celery import shared_task

from . import import_runs


@shared_task(name="assessments.tasks.import_run_check", ignore_result=True)
def import_run_check(run_id: int):
    """The dry run of a large upload (safe to run twice: a checked run is left alone)."""
    import_runs.import_run_check(run_id=run_id)


@shared_task(name="assessments.tasks.import_run_apply", ignore_result=True)
def import_run_apply(run_id: int):
    """Applying a large upload HR asked for (safe to run twice: applied once)."""
    import_runs.import_run_apply_claimed(run_id=run_id)
