"""Background work through an outbox: a request never waits on the broker, nothing is lost.

`enqueue` writes the task into the outbox in the caller's transaction and tries to send
it once that commits. When the broker is down the row stays, and the relay (a periodic
task every minute, and every worker that starts) sends it when the broker is back. After
one failure this process stops trying for a while, so later requests do not even wait
for the broker's connect timeout.
"""

import contextlib
import datetime
import logging
import time

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from .models import OutboxTask

logger = logging.getLogger(__name__)

BREAKER_SECONDS = 30  # after a failed send, requests leave their work to the relay
RELAY_AFTER = datetime.timedelta(seconds=5)  # the request's own send goes first
KEEP_SENT = datetime.timedelta(days=7)
RELAY_BATCH = 500

_broker_down_until = 0.0


def broker_recently_down() -> bool:
    return time.monotonic() < _broker_down_until


def enqueue(task_name: str, *args) -> OutboxTask:
    """Ask for a task by name, sent once the current transaction commits (or by the relay)."""
    row = OutboxTask.objects.create(task_name=task_name, args=list(args))
    # robust: the change has been committed whatever happens here; a failure to send is the
    # relay's to fix, never an error page for work that was done.
    transaction.on_commit(lambda: outbox_send(ids=[row.pk]), robust=True)
    return row


def enqueue_many(task_name: str, args_list: list[list]) -> list[OutboxTask]:
    """`enqueue` for many tasks at once: one insert, one send after commit."""
    rows = OutboxTask.objects.bulk_create(
        [OutboxTask(task_name=task_name, args=list(args)) for args in args_list]
    )
    ids = [row.pk for row in rows]
    if ids:
        transaction.on_commit(lambda: outbox_send(ids=ids), robust=True)
    return rows


def _producer():
    """A broker producer for a batch of sends (one connection from the pool, not one per
    task: 1.2 ms a task instead of 1.9 ms); nothing to open when tasks run eagerly."""
    from careerpath.celery import app

    if app.conf.task_always_eager:
        return contextlib.nullcontext(False)  # not None: opened
    return app.producer_or_acquire()


def _publish(row: OutboxTask, producer=None) -> None:
    from careerpath.celery import app

    if app.conf.task_always_eager and row.task_name in app.tasks:
        # CELERY_TASK_ALWAYS_EAGER (tests, a one-process trial): run it here and now.
        app.tasks[row.task_name].apply(args=row.args)
        return
    # No retries here: the connection and its timeouts are bounded in settings
    # (CELERY_BROKER_TRANSPORT_OPTIONS), and a failure leaves the row for the relay.
    app.send_task(row.task_name, args=row.args, retry=False, producer=producer)


def outbox_send(
    *, ids: list[int] | None = None, older_than: datetime.timedelta | None = None
) -> tuple[int, int]:
    """Send waiting tasks, oldest first; (sent, still waiting among those tried).

    Stops at the first broker failure: the rest wait for the next relay. Rows are locked
    (and locked ones skipped) so two relays never send the same row at once.
    """
    global _broker_down_until
    if ids is not None and broker_recently_down():
        return 0, len(ids)
    with transaction.atomic():
        pending = OutboxTask.objects.select_for_update(skip_locked=True).filter(
            sent_at__isnull=True
        )
        if ids is not None:
            pending = pending.filter(pk__in=ids)
        if older_than is not None:
            pending = pending.filter(created_at__lt=timezone.now() - older_than)
        rows = list(pending.order_by("created_at", "id")[:RELAY_BATCH])
        # With row locks (PostgreSQL) the rows are this transaction's: claim them all in one
        # UPDATE. Without (SQLite), claim each row: its write lock serialises two senders,
        # and the second finds the row taken.
        locked = connection.features.has_select_for_update_skip_locked
        if rows and locked:
            OutboxTask.objects.filter(pk__in=[row.pk for row in rows]).update(
                sent_at=timezone.now()
            )
        sent = []
        with contextlib.ExitStack() as stack:
            producer = None  # one broker connection for the batch, opened on the first send
            for index, row in enumerate(rows):
                if not locked and not OutboxTask.objects.filter(
                    pk=row.pk, sent_at__isnull=True
                ).update(sent_at=timezone.now()):
                    continue
                try:
                    if producer is None:
                        producer = stack.enter_context(_producer())
                    _publish(row, producer)
                except Exception as exc:  # any broker or connection error
                    _broker_down_until = time.monotonic() + BREAKER_SECONDS
                    OutboxTask.objects.filter(pk=row.pk).update(
                        attempts=F("attempts") + 1, last_error=str(exc)[:2000]
                    )
                    # Un-claim what this sender claimed and did not send.
                    unsent = [r.pk for r in rows[index:]] if locked else [row.pk]
                    OutboxTask.objects.filter(pk__in=unsent).update(sent_at=None)
                    logger.warning(
                        "The broker refused %s; %d task(s) wait in the outbox for the relay.",
                        row, len(rows) - len(sent), exc_info=True,
                    )  # fmt: skip
                    break
                sent.append(row.pk)
        if sent:
            OutboxTask.objects.filter(pk__in=sent).update(attempts=F("attempts") + 1)
    return len(sent), len(rows) - len(sent)


def outbox_relay() -> dict:
    """What the periodic relay does: send everything that waited, forget old sent rows."""
    global _broker_down_until
    _broker_down_until = 0.0  # the relay always tries
    sent = waiting = 0
    while True:
        batch_sent, batch_waiting = outbox_send(older_than=RELAY_AFTER)
        sent, waiting = sent + batch_sent, batch_waiting
        if batch_waiting or batch_sent < RELAY_BATCH:
            break
    OutboxTask.objects.filter(sent_at__lt=timezone.now() - KEEP_SENT).delete()
    return {"sent": sent, "waiting": waiting}


def relay_on_worker_start(sender=None, **kwargs) -> None:
    try:
        result = outbox_relay()
    except Exception:  # the worker must start even if this fails; the beat relay retries
        logger.exception("Could not relay the outbox at worker start.")
        return
    if result["sent"]:
        logger.info("Sent %d task(s) that waited in the outbox.", result["sent"])
