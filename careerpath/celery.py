import logging
import os

from celery import Celery

logger = logging.getLogger(__name__)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "careerpath.settings")

app = Celery("careerpath")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def enqueue_on_commit(task_name: str, *args) -> None:
    """Send a task by name once the current transaction commits.

    By name, so that an app can ask for work done by an app it may not import.
    A broker that is down must not break the page that asked: the failure is
    logged, and the nightly sweep derives the same result from the database.
    """
    from django.db import transaction

    def send():
        try:
            app.send_task(task_name, args=args, retry=False)
        except Exception:  # any broker or connection error: the sweep catches up
            logger.warning("Could not enqueue %s%r; the nightly sweep will catch up.",
                           task_name, args, exc_info=True)  # fmt: skip

    transaction.on_commit(send)
