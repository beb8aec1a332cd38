"""Celery tasks: thin callers of promotions.services, safe to run twice."""

import datetime

from celery import shared_task
from django.utils import timezone

from . import services


def _as_of(value: str | None) -> datetime.date:
    return datetime.date.fromisoformat(value) if value else timezone.localdate()


@shared_task(name="promotions.tasks.run_periodic_checks")
def run_periodic_checks(as_of: str | None = None, chunk_size: int = services.DEFAULT_CHUNK_SIZE):
    """The nightly sweep: one chunk task per range of employees, for workers to share."""
    day = _as_of(as_of).isoformat()
    chunks = services.sweep_chunks(chunk_size=chunk_size)
    for first_id, last_id in chunks:
        periodic_checks_chunk.delay(day, first_id, last_id)
    return len(chunks)


@shared_task(
    name="promotions.tasks.periodic_checks_chunk",
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
)
def periodic_checks_chunk(as_of: str, first_id: int, last_id: int):
    summary = services.periodic_checks_chunk(
        as_of=_as_of(as_of), first_id=first_id, last_id=last_id
    )
    return summary.as_json()


@shared_task(
    name="promotions.tasks.deliver_notification",
    autoretry_for=(services.DeliveryFailed,),
    retry_backoff=True,
    retry_backoff_max=240,  # below the broker's visibility timeout (5 minutes)
    max_retries=10,
    ignore_result=True,
)
def deliver_notification(delivery_id: int):
    """One notification through one channel; retried with backoff until the backend takes
    it (about an hour of attempts), never sent twice."""
    return services.notification_deliver(delivery_id=delivery_id)
