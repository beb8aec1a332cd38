"""The relay: a periodic task that sends work that waited for the broker."""

from celery import shared_task

from .services import outbox_relay


@shared_task(name="outbox.tasks.relay", ignore_result=True)
def relay():
    return outbox_relay()
