import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "careerpath.settings")

app = Celery("careerpath")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def enqueue_on_commit(task_name: str, *args) -> None:
    """Ask for a task by name, sent once the current transaction commits.

    By name, so that an app can ask for work done by an app it may not import. The
    request is written to the outbox in the caller's transaction: a broker that is down
    neither slows the page nor loses the work (the relay sends it when the broker is back).
    """
    from outbox.services import enqueue

    enqueue(task_name, *args)
