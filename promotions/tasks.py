"""Celery tasks: thin callers of promotions.services, safe to run twice."""

import datetime
import logging

from celery import Task, shared_task
from django.utils import timezone

from . import services
from .models import Sweep

logger = logging.getLogger(__name__)


def _as_of(value: str | None) -> datetime.date:
    return datetime.date.fromisoformat(value) if value else timezone.localdate()


@shared_task(name="promotions.tasks.run_periodic_checks")
def run_periodic_checks(
    as_of: str | None = None,
    chunk_size: int = services.DEFAULT_CHUNK_SIZE,
    trigger: str = Sweep.Trigger.SCHEDULE,
):
    """The nightly sweep: one chunk task per range of employees, for workers to share. The
    sweep is recorded first, so HR sees whether all its chunks finished."""
    day = _as_of(as_of)
    chunks = services.sweep_chunks(chunk_size=chunk_size)
    services.sweep_start(as_of=day, chunks=chunks, trigger=trigger)
    for first_id, last_id in chunks:
        periodic_checks_chunk.delay(day.isoformat(), first_id, last_id)
    return len(chunks)


class ChunkTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        """Called once the retries are exhausted: the day's sweep failed."""
        as_of, first_id, last_id = args
        services.sweep_chunk_failed(
            as_of=_as_of(as_of), first_id=first_id, last_id=last_id,
            error=f"{type(exc).__name__}: {exc}",
        )  # fmt: skip


@shared_task(
    base=ChunkTask,
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


RETRY_AFTER_MAX = 240  # below the broker's visibility timeout (5 minutes)


@shared_task(
    bind=True,
    name="promotions.tasks.deliver_notification",
    autoretry_for=(services.DeliveryFailed,),
    retry_backoff=True,
    retry_backoff_max=RETRY_AFTER_MAX,
    max_retries=20,
    ignore_result=True,
)
def deliver_notification(self, delivery_id: int):
    """One notification through one channel; retried with backoff (20 times, up to 4
    minutes apart), then every 15 minutes by the watchdog for three days; never sent twice.
    When the service said when to come back (Slack's 429 Retry-After), the retry waits
    that long (up to 4 minutes; the watchdog picks up anything longer)."""
    try:
        return services.notification_deliver(delivery_id=delivery_id)
    except services.DeliveryRetryLater as error:
        countdown = min(max(error.seconds, 1), RETRY_AFTER_MAX)
        raise self.retry(countdown=countdown, exc=error) from error


@shared_task(name="promotions.tasks.deliver_notifications", ignore_result=True)
def deliver_notifications(delivery_ids: list[int]):
    """Many deliveries in one task (a night's sweep tells hundreds of people at once; one
    broker message per delivery was a third of that sweep's time). Each is delivered in
    turn; one that fails is handed to its own `deliver_notification` task, with that task's
    retries and backoff (and the watchdog's redrive behind it if even that cannot be sent).
    Returns how many were delivered now."""
    delivered = 0
    for delivery_id in delivery_ids:
        try:
            delivered += bool(services.notification_deliver(delivery_id=delivery_id))
        except Exception as error:  # one bad delivery never holds up the others
            countdown = error.seconds if isinstance(error, services.DeliveryRetryLater) else 1
            logger.warning("Delivery %s failed (%s); retried on its own.", delivery_id, error)
            try:
                deliver_notification.apply_async(
                    args=[delivery_id], countdown=min(max(countdown, 1), RETRY_AFTER_MAX)
                )
            except Exception:  # the broker went away: the watchdog's redrive sends it
                logger.exception("Could not hand delivery %s to its own task.", delivery_id)
    return delivered


@shared_task(name="promotions.tasks.sweep_watchdog", ignore_result=True)
def sweep_watchdog():
    """Every 15 minutes: catch up a missed sweep, tell the admins about a failed one."""
    return services.sweep_watchdog().kind


def sweep_watchdog_on_worker_start(sender=None, **kwargs):
    try:
        services.sweep_watchdog()
    except Exception:  # the worker must start; the periodic watchdog tries again
        logger.exception("The sweep watchdog failed at worker start.")
