"""Writes of promotions: the periodic sweep, notifications and promotion cases."""

import datetime
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import mail_admins
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone

from assessments.models import Evidence
from careerpath.celery import enqueue_on_commit
from careerpath.crypto import secret_encrypt
from careerpath.links import absolute_url
from frameworks.kinds import verdicts
from frameworks.models import Level
from frameworks.months import add_months, full_months_between
from frameworks.selectors import milestones_by_framework
from outbox.services import enqueue_many
from people.models import Employee
from people.roles import user_is_hr
from people.selectors import acting_manager_users, employee_for_user, employee_reviewable_by
from people.services import employee_level_change

from . import rules
from .channels import CHANNELS, PermanentFailure, RetryAfter, audience_for, deliveries_planned
from .models import (
    ApprovalStep,
    CaseApproval,
    ChannelPreference,
    EligibilityStatus,
    Notification,
    NotificationDelivery,
    PromotionCase,
    SlackWebhook,
    Sweep,
    SweepRun,
)
from .presenters import level_name
from .reports import best_verdict
from .selectors import (
    RuleBook,
    career_status,
    facts_for,
    published_framework_ids,
    rule_book,
)

logger = logging.getLogger(__name__)

MILESTONE_GRACE_DAYS = 7  # a sweep that missed a night still announces the milestone
REVIEW_REMINDER_DAYS = 7
DELIVERIES_PER_TASK = 100  # notifications created together are delivered by one task per 100
# People a chunk: 10 chunks at 20,000 people for the workers to share; larger chunks pay the
# per-chunk queries and commit less often (docs/scaling.md).
DEFAULT_CHUNK_SIZE = 2000


# --- notifications -------------------------------------------------------------


@dataclass(frozen=True)
class NotificationDraft:
    recipient_id: int
    kind: str
    key: str
    subject: str
    body: str = ""
    url: str = ""
    private: bool = False  # about someone else: never to a shared channel


def notifications_create(drafts: list[NotificationDraft]) -> list[Notification]:
    """Store the notifications whose key is new, with one delivery per channel that wants
    them; each delivery is sent by a task once this transaction commits.

    A constant number of queries; a concurrent run inserting the same key is ignored by
    the unique constraint, so nothing is stored or sent twice.
    """
    if not drafts:
        return []
    unique = {d.key: d for d in drafts}
    existing = set(Notification.objects.filter(key__in=unique).values_list("key", flat=True))
    new = [
        Notification(
            recipient_id=d.recipient_id,
            kind=d.kind,
            key=d.key,
            subject=d.subject,
            body=d.body,
            url=d.url,
            private=d.private,
        )  # fmt: skip
        for key, d in unique.items()
        if key not in existing
    ]
    Notification.objects.bulk_create(new, ignore_conflicts=True)
    stored = Notification.objects.filter(
        key__in=[n.key for n in new], deliveries__isnull=True
    ).select_related("recipient")
    deliveries = [
        NotificationDelivery(notification=n, channel=slug)
        for n, slug in deliveries_planned(list(stored))
    ]
    NotificationDelivery.objects.bulk_create(deliveries, ignore_conflicts=True)
    waiting = NotificationDelivery.objects.filter(
        notification__key__in=[n.key for n in new], delivered_at__isnull=True
    ).values_list("id", flat=True)
    waiting, per = list(waiting), DELIVERIES_PER_TASK
    enqueue_many(
        "promotions.tasks.deliver_notifications",
        [[waiting[i : i + per]] for i in range(0, len(waiting), per)],
    )
    return new


class DeliveryFailed(Exception):
    """The channel's backend did not accept the message; the task retries."""


class DeliveryRetryLater(DeliveryFailed):
    """The backend asked to be called again after `seconds` (Slack's 429 Retry-After)."""

    def __init__(self, message: str, seconds: int):
        super().__init__(message)
        self.seconds = seconds


def notification_deliver(*, delivery_id: int) -> bool:
    """Send one delivery through its channel; True when sent now, False when it had already
    been delivered, or another worker is sending it (a redelivered task sends nothing
    twice). Raises DeliveryFailed, with the attempt recorded, when the backend refuses
    (DeliveryRetryLater when it said when to come back). A permanent refusal (a removed
    Slack webhook) is recorded as failed and returns False: it is never tried again."""
    error = None
    with transaction.atomic():
        # Claim the row first: a row lock on PostgreSQL (skipped when another worker holds
        # it), the database's write lock on SQLite, which has no row locks.
        claimed = NotificationDelivery.objects.filter(
            pk=delivery_id, delivered_at__isnull=True
        ).update(attempts=F("attempts") + 1, last_attempt_at=timezone.now())
        if not claimed:
            return False
        delivery = (
            NotificationDelivery.objects.select_related("notification__recipient")
            .filter(pk=delivery_id)
            .first()
        )
        channel = CHANNELS.get(delivery.channel)
        try:
            if channel is None:
                raise DeliveryFailed(f"No channel “{delivery.channel}” is configured.")
            channel.send(delivery.notification)
        except PermanentFailure as exc:
            delivery.failed_at = timezone.now()
            delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            delivery.save(update_fields=["last_error", "failed_at"])
            logger.warning("Delivery %s failed for good: %s", delivery.pk, exc)
            return False
        except Exception as exc:  # the backend's own errors (SMTP, HTTP...): retried
            error = exc
            delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            delivery.save(update_fields=["last_error"])
        else:
            delivery.delivered_at = timezone.now()
            delivery.last_error = ""
            delivery.save(update_fields=["last_error", "delivered_at"])
            if delivery.channel == "email":
                Notification.objects.filter(pk=delivery.notification_id).update(
                    emailed_at=delivery.delivered_at
                )
    if isinstance(error, RetryAfter):
        raise DeliveryRetryLater(delivery.last_error, error.seconds) from error
    if error is not None:
        raise DeliveryFailed(delivery.last_error) from error
    return True


REDRIVE_AFTER = datetime.timedelta(minutes=15)
GIVE_UP_AFTER = datetime.timedelta(days=3)


def deliveries_redrive(*, now: datetime.datetime | None = None) -> int:
    """Send again what is still undelivered after its task gave up (a mail server down for
    longer than the task's retries): every 15 minutes, for three days. Returns how many."""
    now = now or timezone.now()
    stale = now - REDRIVE_AFTER
    waiting = list(
        NotificationDelivery.objects.filter(
            delivered_at__isnull=True, failed_at__isnull=True, created_at__gte=now - GIVE_UP_AFTER
        )
        .filter(
            Q(last_attempt_at__lt=stale) | Q(last_attempt_at__isnull=True, created_at__lt=stale)
        )
        .values_list("pk", flat=True)
    )
    enqueue_many("promotions.tasks.deliver_notification", [[pk] for pk in waiting])
    return len(waiting)


SLACK_URL_MAX_LENGTH = 500


def slack_webhook_url_validate(url: str) -> str:
    """A Slack incoming-webhook address, stripped; ValidationError (code) otherwise. Only
    addresses starting with one of SLACK_WEBHOOK_PREFIXES (Slack's own by default)."""
    url = url.strip()
    if len(url) > SLACK_URL_MAX_LENGTH:
        raise ValidationError(
            f"A webhook address is at most {SLACK_URL_MAX_LENGTH} characters.", code="too_long"
        )
    if any(ord(c) < 32 or ord(c) == 127 or c.isspace() for c in url):
        raise ValidationError("A webhook address has no spaces or control characters.",
                              code="control")  # fmt: skip
    prefixes = settings.SLACK_WEBHOOK_PREFIXES
    if not any(url.startswith(prefix) and len(url) > len(prefix) for prefix in prefixes):
        raise ValidationError(
            "Paste the incoming webhook's address from Slack; it starts with "
            + " or ".join(prefixes)
            + ".",
            code="not_slack",
        )
    return url


def slack_webhook_save(*, webhook: SlackWebhook, url: str = "", clear: bool = False, actor):
    """HR saves a webhook: its team or framework, and a new URL (encrypted; blank keeps the
    stored one; `clear` forgets it). A new URL mends a webhook marked broken. Atomic and
    audited; saving nothing new writes nothing."""
    if not user_is_hr(actor):
        raise PermissionDenied("Only HR sets Slack webhooks.")
    if webhook.scope == SlackWebhook.Scope.TEAM:
        webhook.framework_slug = ""
    else:
        webhook.team = ""
    changed_url = False
    if clear:
        changed_url = bool(webhook.url_encrypted)
        webhook.url_encrypted, webhook.url_hint = "", ""
    elif url:
        url = slack_webhook_url_validate(url)
        webhook.url_encrypted = secret_encrypt(url)
        webhook.url_hint = url[-4:]
        changed_url = True
    if changed_url:
        webhook.broken_at, webhook.broken_reason = None, ""
    if webhook.pk is None and not webhook.url_encrypted:
        raise ValidationError({"url": "Paste the incoming webhook's address from Slack."})
    webhook.full_clean()
    if webhook.pk is not None and not changed_url:
        stored = SlackWebhook.objects.get(pk=webhook.pk)
        if (stored.scope, stored.team, stored.framework_slug) == (
            webhook.scope, webhook.team, webhook.framework_slug,
        ):  # fmt: skip
            return webhook
    webhook._history_user = actor
    with transaction.atomic():
        webhook.save()
    return webhook


def channel_choices(*, user) -> list[dict]:
    """The settings page: for each kind of notification, each channel's state for `user`
    ({"kind", "label", "channels": [{"slug", "name", "enabled", "available"}]})."""
    audience = audience_for([user.pk])
    rows = []
    for kind, label in Notification.Kind.choices:
        rows.append({
            "kind": kind,
            "label": label,
            "channels": [
                {
                    "slug": channel.slug,
                    "name": channel.name,
                    "enabled": audience.chose(user.pk, channel.slug, kind, channel.default),
                    "available": channel.available_to(user, audience),
                }
                for channel in CHANNELS.values()
            ],
        })  # fmt: skip
    return rows


def channel_preferences_set(*, user, chosen: set[tuple[str, str]], actor) -> int:
    """Store `user`'s choices: `chosen` holds the (channel, kind) pairs switched on, every
    other pair is off. Only the person themselves may. Returns how many choices changed;
    unchanged ones write nothing. Atomic and audited."""
    if actor is None or actor.pk != user.pk or not actor.is_active:
        raise PermissionDenied("People choose their own channels.")
    kinds = set(Notification.Kind.values)
    unknown = {(c, k) for c, k in chosen if c not in CHANNELS or k not in kinds}
    if unknown:
        raise ValidationError("Unknown channel or kind.", code="unknown")
    audience = audience_for([user.pk])
    changed = 0
    with transaction.atomic():
        for channel in CHANNELS.values():
            for kind in kinds:
                wanted = (channel.slug, kind) in chosen
                if audience.chose(user.pk, channel.slug, kind, channel.default) == wanted:
                    continue
                preference, _ = ChannelPreference.objects.get_or_create(
                    user=user, channel=channel.slug, kind=kind, defaults={"enabled": wanted}
                )
                if preference.enabled != wanted:
                    preference.enabled = wanted
                    preference.save(update_fields=["enabled"])
                changed += 1
    return changed


def _milestone_drafts(
    employee_id: int, user_id: int, hire_date: datetime.date, reached, perks
) -> list[NotificationDraft]:
    """One notification per framework milestone (data, per framework) the person reached in
    the last week, with the perks they have now."""
    drafts = []
    for milestone in reached:
        reached_on = add_months(hire_date, milestone.months)
        body = milestone.body or f"Reached on {reached_on:%d %b %Y}."
        labels = "; ".join(p.label for p in perks.values())
        if labels:
            body += f" Your perks now: {labels}."
        drafts.append(
            NotificationDraft(
                recipient_id=user_id,
                kind=Notification.Kind.MILESTONE,
                key=f"milestone:{milestone.months}:{employee_id}",
                subject=milestone.subject,
                url="/",
                body=f"{body} See where you stand in CareerPath.",
            )  # fmt: skip
        )
    return drafts


# --- the periodic sweep --------------------------------------------------------


@dataclass
class SweepSummary:
    evaluated: int = 0
    newly_eligible: list[str] = field(default_factory=list)
    notifications_created: int = 0

    def add(self, other: "SweepSummary") -> None:
        self.evaluated += other.evaluated
        self.newly_eligible.extend(other.newly_eligible)
        self.notifications_created += other.notifications_created

    def as_json(self) -> dict:
        return {
            "evaluated": self.evaluated,
            "newly_eligible": sorted(self.newly_eligible),
            "notifications_created": self.notifications_created,
        }


def sweep_chunks(*, chunk_size: int = DEFAULT_CHUNK_SIZE) -> list[tuple[int, int]]:
    """(first id, last id) ranges of active employees, for workers to share."""
    ids = list(Employee.objects.filter(is_active=True).order_by("id").values_list("id", flat=True))
    return [
        (ids[i], ids[min(i + chunk_size, len(ids)) - 1]) for i in range(0, len(ids), chunk_size)
    ]


def periodic_checks_chunk(*, as_of: datetime.date, first_id: int, last_id: int) -> SweepSummary:
    """Judge everyone active with an id in [first_id, last_id], store what changed, notify.

    Set-based: the people and their facts are read as plain rows by id range (the fact
    tables' own index), the rules judge each next level through the kinds' verdicts (met and
    earliest date, no explanations), and the statuses are written by one statement that
    changes only the rows whose values differ and returns them, so nothing is read back.
    Idempotent: a second run changes no status and every notification has a unique key.
    A constant number of queries whatever the chunk's size.
    """
    with transaction.atomic():
        people = list(
            Employee.objects.filter(is_active=True, id__gte=first_id, id__lte=last_id)
            .order_by()
            .values_list("id", "user_id", "level_id", "framework_id", "hire_date", "level_since")
        )
        book = _sweep_rule_book(as_of)
        if book is None or not book.covers({p[2] for p in people}):
            book = rule_book(framework_ids={p[3] for p in people})
        facts = facts_for(
            rows=[(pk, hired, since) for pk, _, _, _, hired, since in people],
            as_of=as_of,
            id_range=(first_id, last_id),
        )
        rows = []
        soon, later = add_months(as_of, 3), add_months(as_of, 6)
        for pk, _, level_id, _, _, _ in people:
            person_facts = facts[pk]
            judged = []
            for nxt in book.next_levels[level_id]:
                met, total, earliest = verdicts(
                    person_facts, book.specs[nxt.pk].requirements, as_of
                )
                judged.append((pk, nxt.pk, met == total, met, total, earliest))
            if judged:  # the best verdict, which HR's pipeline counts
                best = best_verdict([row[2:] for row in judged], soon=soon, later=later)
                rows.extend((*row, i == best) for i, row in enumerate(judged))
        _stale_statuses_delete(first_id, last_id)
        newly = eligibility_statuses_write(rows, as_of)
        summary = SweepSummary(evaluated=len(people))
        drafts = _milestones_reached_drafts(people, facts, book, as_of)
        if newly:
            persons = Employee.objects.select_related("user").in_bulk({e for e, _ in newly})
            manager_users = acting_manager_users(employee_ids=list(persons))
            for employee_id, level_id in sorted(newly):
                person = persons[employee_id]
                summary.newly_eligible.append(person.user.email)
                drafts.extend(
                    _eligible_drafts(
                        person, book.levels[level_id], manager_users.get(employee_id), as_of
                    )
                )
        drafts.extend(_review_reminder_drafts(first_id, last_id, as_of))
        created = notifications_create(drafts)
        summary.notifications_created = len(created)
        SweepRun.objects.update_or_create(
            key=chunk_key(as_of, first_id, last_id),
            defaults={
                "as_of": as_of,
                "evaluated": summary.evaluated,
                "notifications_created": summary.notifications_created,
                "newly_eligible": summary.newly_eligible,
            },
        )
        _sweep_finish_if_complete(as_of)
    return summary


STATUS_COLUMNS = ("employee_id", "target_level_id", "eligible", "met_count", "total_count",
                  "earliest_date", "best")  # fmt: skip
# The values whose change is worth a write (evaluated_on and changed_on follow them).
STATUS_VALUES = STATUS_COLUMNS[2:]
STATUS_ROWS_PER_STATEMENT = 1000  # on SQLite: 9 parameters a row, well under its 32,766


def eligibility_statuses_write(rows, as_of: datetime.date) -> list[tuple[int, int]]:
    """Store verdicts, rows of STATUS_COLUMNS, in one INSERT ... ON CONFLICT DO UPDATE that
    inserts new ones and updates only those whose values differ (unchanged ones keep their
    evaluated_on and are not rewritten). `changed_on` moves to `as_of` only when `eligible`
    flips. Returns (employee_id, target_level_id) of each verdict that became eligible on
    `as_of` (inserted or flipped). PostgreSQL takes the rows as one array per column
    (`unnest`), which it parses and plans far faster than a VALUES list of thousands of
    parameters, and keeps only those verdicts of what it wrote (a first night writes every
    row: handing them all back cost more than the filter); SQLite takes VALUES, 1,000 rows a
    statement, spells IS DISTINCT FROM as `IS NOT`, and has no INSERT inside WITH, so Python
    keeps them. (Each array travels as one text parameter: `_pg_array_text`.)"""
    if not rows:
        return []
    table = connection.ops.quote_name(EligibilityStatus._meta.db_table)
    columns = (*STATUS_COLUMNS, "evaluated_on", "changed_on")
    postgres = connection.vendor == "postgresql"
    distinct = "IS DISTINCT FROM" if postgres else "IS NOT"
    updates = ", ".join(f"{c} = excluded.{c}" for c in (*STATUS_VALUES, "evaluated_on"))
    differs = " OR ".join(f"{table}.{c} {distinct} excluded.{c}" for c in STATUS_VALUES)
    upsert = (
        f"ON CONFLICT (employee_id, target_level_id) DO UPDATE SET {updates}, "
        f"changed_on = CASE WHEN {table}.eligible = excluded.eligible "
        f"THEN {table}.changed_on ELSE excluded.changed_on END "
        f"WHERE {differs} "
        "RETURNING employee_id, target_level_id, eligible, changed_on"
    )
    if postgres:
        types = ("int[]", "int[]", "bool[]", "int[]", "int[]", "date[]", "bool[]")
        arrays = ", ".join(f"%s::{t}" for t in types)
        columns_as_text = [_pg_array_text(column) for column in zip(*rows, strict=True)]
        statements = [
            (
                f"WITH written AS (INSERT INTO {table} ({', '.join(columns)}) "
                f"SELECT *, %s::date, %s::date FROM unnest({arrays}) {upsert}) "
                "SELECT employee_id, target_level_id, eligible, changed_on FROM written "
                "WHERE eligible AND changed_on = %s",
                [as_of, as_of, *columns_as_text, as_of],
            )
        ]
    else:
        statements = [
            (
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                + ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s)"] * len(batch))
                + f" {upsert}",
                [value for row in batch for value in (*row, as_of, as_of)],
            )
            for batch in (
                rows[first : first + STATUS_ROWS_PER_STATEMENT]
                for first in range(0, len(rows), STATUS_ROWS_PER_STATEMENT)
            )
        ]
    newly = []
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
            newly.extend(
                (employee_id, level_id)
                for employee_id, level_id, eligible, changed_on in cursor.fetchall()
                if eligible and _as_date(changed_on) == as_of
            )
    return newly


def _pg_array_text(values) -> str:
    """A column of integers, booleans, dates and None as PostgreSQL's array text
    (`{1,t,2026-11-23,NULL}`), one parameter cast with `::int[]` and the like: the server
    parses it in one pass, where psycopg2's adaptation of a list, `ARRAY[1, 2, ...]`, is an
    expression of 2,000 constants for the server to parse and plan (15 ms of a chunk's
    upsert against 3 ms). Only these types: nothing in them can close or split the array."""
    parts = []
    for value in values:
        if value is None:
            parts.append("NULL")
        elif value is True or value is False:
            parts.append("t" if value else "f")
        elif type(value) is int or type(value) is datetime.date:
            parts.append(str(value))
        else:
            raise TypeError(f"{value!r} does not belong in a status column")
    return "{" + ",".join(parts) + "}"


def _as_date(value) -> datetime.date:
    """A date column as returned by a raw cursor (SQLite returns text)."""
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)


def _milestones_reached_drafts(people, facts, book: RuleBook, as_of) -> list[NotificationDraft]:
    """Milestone notifications for the people of a chunk who reached one in the last week;
    their perks (for the message) are judged only for them."""
    milestones = milestones_by_framework(framework_ids={p[3] for p in people})
    drafts = []
    for pk, user_id, level_id, framework_id, hired, _ in people:
        # Reached in the last week means the tenure is exactly that many whole months.
        tenure = full_months_between(hired, as_of)
        reached = [
            milestone
            for milestone in milestones[framework_id]
            if milestone.months == tenure
            and 0 <= (as_of - add_months(hired, tenure)).days < MILESTONE_GRACE_DAYS
        ]
        if not reached:
            continue
        perks = rules.entitlement_values(rules.entitlements(facts[pk], book.specs[level_id], as_of))
        drafts.extend(_milestone_drafts(pk, user_id, hired, reached, perks))
    return drafts


# The levels and rule specs of one sweep, built by its first chunk in this process and used
# by the next ones: (as_of, when the sweep started) -> RuleBook. A sweep started again, or
# a person on a level the book lacks (a version published during the sweep), builds anew;
# HR's edits to a published version made while a sweep runs count from the next sweep.
_SWEEP_BOOK: dict = {}


def _sweep_rule_book(as_of: datetime.date) -> RuleBook | None:
    started = Sweep.objects.filter(as_of=as_of).values_list("started_at", flat=True).first()
    if started is None:
        return None  # a chunk run outside a recorded sweep reads the frameworks itself
    key = (as_of, started)
    if key not in _SWEEP_BOOK:
        _SWEEP_BOOK.clear()
        _SWEEP_BOOK[key] = rule_book(framework_ids=published_framework_ids())
    return _SWEEP_BOOK[key]


def _stale_statuses_delete(first_id: int, last_id: int) -> int:
    """Remove the stored statuses of the chunk's active people for levels that are no longer
    next from their current level (after a promotion, a level change or a new framework
    version). One DELETE on the statuses' own employee range; the person's EXISTS repeats
    the range, or the planner hashes the whole people table (21 ms a chunk at 20,000 people,
    4 ms with it). A leaver's statuses stay until they return or are anonymised."""
    person = Employee.objects.filter(
        pk=OuterRef("employee_id"), pk__gte=first_id, pk__lte=last_id, is_active=True
    )
    deleted, _ = (
        EligibilityStatus.objects.filter(employee_id__gte=first_id, employee_id__lte=last_id)
        .filter(Exists(person))
        .filter(~Exists(person.filter(level__next_levels=OuterRef("target_level_id"))))
        .delete()
    )
    return deleted


def _eligible_drafts(
    person: Employee, level: Level, manager_user_id: int | None, as_of: datetime.date
) -> list[NotificationDraft]:
    # Dated: someone who drops below a bar and meets it again is told again.
    key = f"eligible:{person.pk}:{level.framework.slug}:{level.code}:{as_of.isoformat()}"
    drafts = [
        NotificationDraft(
            recipient_id=person.user_id,
            kind=Notification.Kind.NEWLY_ELIGIBLE,
            key=key,
            subject=f"You meet every requirement for {level_name(level)}",
            body="Talk to your manager about a nomination.",
            url="/",
        )  # fmt: skip
    ]
    if manager_user_id:
        drafts.append(
            NotificationDraft(
                recipient_id=manager_user_id,
                kind=Notification.Kind.NEWLY_ELIGIBLE,
                key=f"{key}:manager",
                url="/",
                private=True,
                subject=f"{person.name} meets every requirement for {level_name(level)}",
                body="You can nominate them for promotion.",
            )  # fmt: skip
        )
    return drafts


def _review_reminder_drafts(
    first_id: int, last_id: int, as_of: datetime.date
) -> list[NotificationDraft]:
    """One reminder a week to each manager who reviews evidence waiting over a week: the
    person's next active manager up (a leaver's reports' evidence goes to the one above).
    Two queries and one per level of leavers climbed."""
    cutoff = timezone.make_aware(
        datetime.datetime.combine(
            as_of - datetime.timedelta(days=REVIEW_REMINDER_DAYS), datetime.time()
        )
    )
    waiting = dict(
        Evidence.objects.filter(
            employee_id__gte=first_id,
            employee_id__lte=last_id,
            employee__is_active=True,
            employee__manager__isnull=False,
            status=Evidence.Status.SUBMITTED,
            submitted_at__lt=cutoff,
        )
        .values_list("employee_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    reviewers = acting_manager_users(employee_ids=list(waiting))
    per_reviewer: dict[int, int] = {}
    for employee_id, count in waiting.items():
        if employee_id in reviewers:
            per_reviewer[reviewers[employee_id]] = (
                per_reviewer.get(reviewers[employee_id], 0) + count
            )
    year, week, _ = as_of.isocalendar()
    return [
        NotificationDraft(
            recipient_id=user_id,
            kind=Notification.Kind.REVIEW_REMINDER,
            key=f"review-reminder:{user_id}:{year}-W{week:02d}",
            subject=f"{count} evidence item(s) waiting for your review for over a week",
            url="/review/",
        )  # fmt: skip
        for user_id, count in sorted(per_reviewer.items())
    ]


def periodic_checks_run(
    *, as_of: datetime.date, chunk_size: int = DEFAULT_CHUNK_SIZE
) -> SweepSummary:
    """Everything the nightly task does, chunk after chunk, in this process."""
    summary = SweepSummary()
    chunks = sweep_chunks(chunk_size=chunk_size)
    sweep_start(as_of=as_of, chunks=chunks, trigger=Sweep.Trigger.COMMAND)
    for first_id, last_id in chunks:
        summary.add(periodic_checks_chunk(as_of=as_of, first_id=first_id, last_id=last_id))
    return summary


# --- the sweep as a whole: when it ran and how it ended; failed, stalled or missed ------

STALLED_AFTER = datetime.timedelta(hours=3)
MISSED_AFTER = datetime.timedelta(hours=26)  # a daily sweep, with two hours' grace


def chunk_key(as_of: datetime.date, first_id: int, last_id: int) -> str:
    return f"{as_of.isoformat()}:{first_id}-{last_id}"


def sweep_start(*, as_of: datetime.date, chunks, trigger: str) -> Sweep:
    """Record that the sweep of `as_of` starts with these chunks (again, when run twice)."""
    keys = [chunk_key(as_of, first, last) for first, last in chunks]
    now = timezone.now()
    sweep, _ = Sweep.objects.update_or_create(
        as_of=as_of,
        defaults={
            "trigger": trigger, "chunk_keys": keys, "started_at": now,
            "people": Employee.objects.filter(is_active=True).count(),
            "finished_at": None if keys else now, "failed_at": None, "error": "",
            "alerted_at": None,
        },
    )  # fmt: skip
    return sweep


def _sweep_finish_if_complete(as_of: datetime.date) -> None:
    """Inside a chunk's transaction: the sweep is finished when its last chunk is. The row
    lock makes the last two chunks finishing at once see each other."""
    sweep = Sweep.objects.select_for_update().filter(as_of=as_of, finished_at__isnull=True).first()
    if sweep is None or not sweep.chunk_keys:
        return
    done = SweepRun.objects.filter(
        key__in=sweep.chunk_keys, finished_at__gte=sweep.started_at
    ).count()
    if done >= len(sweep.chunk_keys):
        sweep.finished_at = timezone.now()
        sweep.save(update_fields=["finished_at"])


def sweep_chunk_failed(*, as_of: datetime.date, first_id: int, last_id: int, error: str) -> None:
    """A chunk failed for good (its retries exhausted): the sweep failed; the admins are told."""
    sweep = Sweep.objects.filter(as_of=as_of).first()
    if sweep is None or chunk_key(as_of, first_id, last_id) not in sweep.chunk_keys:
        logger.error("Re-judging people %s-%s failed: %s", first_id, last_id, error)
        return
    sweep.failed_at = timezone.now()
    sweep.error = error[:5000]
    sweep.save(update_fields=["failed_at", "error"])
    _sweep_alert(sweep, sweep_state().message)


@dataclass(frozen=True)
class SweepState:
    kind: str  # ok, running, failed, stalled, missed, never
    sweep: Sweep | None
    message: str

    @property
    def needs_attention(self) -> bool:
        return self.kind in ("failed", "stalled", "missed", "never")


def sweep_state(*, now: datetime.datetime | None = None) -> SweepState:
    """How the latest sweep went, in words HR and the admins can act on. One query."""
    now = now or timezone.now()
    sweep = Sweep.objects.order_by("-started_at").first()
    if sweep is None:
        return SweepState("never", None, "The nightly eligibility check has never run: nobody "
                          "is told when they become eligible. Are the Celery worker and beat "
                          "running?")  # fmt: skip
    started = timezone.localtime(sweep.started_at).strftime("%d %b %Y %H:%M")
    if now - sweep.started_at > MISSED_AFTER:
        return SweepState("missed", sweep, f"The nightly eligibility check has not run since "
                          f"{started}: are the Celery worker and beat running?")  # fmt: skip
    if sweep.finished_at is not None:
        return SweepState("ok", sweep, f"The nightly eligibility check of {sweep.as_of} "
                          f"finished: {sweep.people} people.")  # fmt: skip
    if sweep.failed_at is not None:
        reason = (sweep.error.strip().splitlines() or ["unknown error"])[-1][:200]
        return SweepState("failed", sweep, f"The nightly eligibility check of {sweep.as_of} "
                          f"(started {started}) failed: {reason}")  # fmt: skip
    if now - sweep.started_at > STALLED_AFTER:
        done = SweepRun.objects.filter(
            key__in=sweep.chunk_keys, finished_at__gte=sweep.started_at
        ).count()
        return SweepState("stalled", sweep, f"The nightly eligibility check started {started} "
                          f"has not finished ({done} of {len(sweep.chunk_keys)} parts done): "
                          "is a worker running?")  # fmt: skip
    return SweepState("running", sweep, f"The eligibility check of {sweep.as_of} is running.")


def _sweep_alert(sweep: Sweep, message: str) -> None:
    """E-mail the admins once per sweep: claimed first, so two watchdogs at once send one; a
    mail server that refuses un-claims it for the next watchdog (HR sees the banner)."""
    claimed = Sweep.objects.filter(pk=sweep.pk, alerted_at__isnull=True).update(
        alerted_at=timezone.now()
    )
    if not claimed:
        return
    try:
        mail_admins(
            "The nightly eligibility check needs attention",
            f"{message}\n\nSweeps: {absolute_url('/admin/promotions/sweep/')}",
            fail_silently=False,
        )
    except Exception:
        logger.exception("Could not e-mail the admins about the sweep of %s.", sweep.as_of)
        Sweep.objects.filter(pk=sweep.pk).update(alerted_at=None)


def sweep_watchdog(*, now: datetime.datetime | None = None) -> SweepState:
    """Every 15 minutes and when a worker starts: send again deliveries whose retries ran
    out, catch up a missed sweep (today's runs now) and tell the admins once about a failed,
    stalled or missed one."""
    now = now or timezone.now()
    deliveries_redrive(now=now)
    state = sweep_state(now=now)
    if state.kind in ("never", "missed"):
        if not Employee.objects.filter(is_active=True).exists():
            return state
        today = timezone.localdate(now)
        sweep, created = Sweep.objects.get_or_create(
            as_of=today, defaults={"trigger": Sweep.Trigger.CATCH_UP, "started_at": now}
        )
        if created:
            enqueue_on_commit(
                "promotions.tasks.run_periodic_checks", today.isoformat(), DEFAULT_CHUNK_SIZE,
                Sweep.Trigger.CATCH_UP,
            )  # fmt: skip
            if state.kind == "missed":
                _sweep_alert(sweep, f"{state.message} A catch-up run for {today} has started.")
    elif state.kind in ("failed", "stalled"):
        _sweep_alert(state.sweep, state.message)
    return state


# --- promotion cases -------------------------------------------------------------


# The seed frameworks' steps, installed by migration 0002 (which keeps its own frozen copy).
DEFAULT_APPROVAL_STEPS = {
    "support-formula": [
        (1, "manager", "Team lead confirms the person performs at the next level"),
        (2, "hr", "HR confirms"),
    ],
    "whatfix-support": [
        (1, "manager", "Manager confirms the person exhibits the next level's behaviours"),
        (2, "hr", "HR confirms position vacancy and business need"),
    ],
}


def approval_steps_ensure_defaults() -> None:
    for slug, steps in DEFAULT_APPROVAL_STEPS.items():
        for order, role, name in steps:
            ApprovalStep.objects.get_or_create(
                framework_slug=slug, order=order,
                defaults={"role": role, "name": name,
                          "nominator_may_decide": role == ApprovalStep.Role.MANAGER},
            )  # fmt: skip


def approval_steps(framework_slug: str) -> list[ApprovalStep]:
    """The framework's steps in order. A framework without configured steps gets one,
    its manager's approval: returned unsaved here (reading writes nothing), saved by
    `promotion_decide` when someone takes it."""
    steps = list(ApprovalStep.objects.filter(framework_slug=framework_slug))
    return steps or [
        ApprovalStep(
            framework_slug=framework_slug,
            order=1,
            role=ApprovalStep.Role.MANAGER,
            name="Manager approves",
            nominator_may_decide=True,
        )  # fmt: skip
    ]


def promotion_nominate(
    *, employee: Employee, to_level: Level, actor, justification: str = "", as_of
) -> PromotionCase:
    """A manager opens a case; the eligibility report is attached as it stood."""
    if actor.pk == employee.user_id:
        raise PermissionDenied("You cannot nominate yourself.")
    if not employee_reviewable_by(reviewer=employee_for_user(actor), employee=employee):
        raise PermissionDenied("You can nominate only people who report to you.")
    status = career_status(employee=employee, as_of=as_of)
    readiness = next((r for r in status.next_levels if r.level.pk == to_level.pk), None)
    if readiness is None:
        raise ValidationError(f"{to_level.code} is not a next level for {employee.name}.")
    if not readiness.eligible and not justification.strip():
        raise ValidationError(
            "Some requirements are not met yet: add a justification for the nomination."
        )
    case = PromotionCase(
        employee=employee, framework_id=employee.framework_id, from_level_id=employee.level_id,
        to_level=to_level, nominated_by=actor, justification=justification,
        snapshot=status.as_json(),
    )  # fmt: skip
    case.full_clean()
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError:
        raise ValidationError("This person already has an open case for that level.") from None
    return case


def promotion_decide(*, case: PromotionCase, actor, approve: bool, comment: str = "", on):
    """Decide the case's next approval step. The last approval changes the level.

    The case row is locked, so two approvals racing promote once; the level
    change, its history and the decision are one transaction.
    """
    approver = actor
    with transaction.atomic():
        # Lock the case row alone: joined rows (the employee, whose level the first of two
        # racing approvals changes) would make PostgreSQL's re-check drop the row.
        PromotionCase.objects.select_for_update().filter(pk=case.pk).values_list("pk").get()
        case = PromotionCase.objects.select_related(
            "employee__user", "employee__level", "from_level", "to_level", "framework"
        ).get(pk=case.pk)
        if case.status != PromotionCase.Status.OPEN:
            raise ValidationError(f"This case is already {case.get_status_display().lower()}.")
        if case.employee.user_id == approver.pk:
            raise PermissionDenied("Nobody approves their own promotion.")
        employee = case.employee
        if not employee.is_active:
            raise ValidationError(f"{employee.name} has left: this case cannot be decided.")
        # By code: a framework published since the nomination has new level rows.
        if approve and employee.level.code != case.from_level.code:
            raise ValidationError(
                f"{employee.name} is no longer at {case.from_level.code}: this case is out of "
                "date. Reject it and nominate again."
            )
        done = set(case.approvals.values_list("step_id", flat=True))
        steps = approval_steps(case.framework.slug)
        pending = [s for s in steps if s.pk is None or s.pk not in done]
        if not pending:  # HR removed the remaining steps while the case was open
            raise ValidationError(
                "Every approval step of this framework is decided but the case is still open: "
                "HR must add the missing step under Approval steps in the admin."
            )
        step, remaining = pending[0], pending[1:]
        _ensure_may_decide(step, employee, approver)
        # Separation of duties: one person takes one step of a case, and takes none of a
        # case they nominated unless the step says a nominator may.
        if case.approvals.filter(approver=approver).exists():
            raise PermissionDenied(
                "You have already taken a step of this case: someone else decides."
            )
        if case.nominated_by_id == approver.pk and not step.nominator_may_decide:
            raise PermissionDenied(f"You nominated this case: “{step.name}” is for someone else.")
        if not approve and not comment.strip():
            raise ValidationError("Say why the promotion is rejected.")
        if step.pk is None:
            step.save()  # the default step of a framework without configured steps
        CaseApproval.objects.create(
            case=case, step=step, approver=approver, approved=approve, comment=comment
        )
        if not approve:
            case.status = PromotionCase.Status.REJECTED
            case.decision_reason = comment
        elif not remaining:
            case.status = PromotionCase.Status.APPROVED
            target = Level.objects.filter(
                framework_id=employee.framework_id, code=case.to_level.code
            ).first()
            if target is None:
                raise ValidationError(
                    f"{case.to_level.code} is not a level of the published framework any more."
                )
            employee_level_change(
                employee=employee, level=target, changed_on=on, actor=approver,
                reason=f"Promotion case {case.pk} approved",
            )  # fmt: skip
            # Other open cases started from the level the person has just left.
            others = PromotionCase.objects.filter(
                employee=employee, status=PromotionCase.Status.OPEN
            ).exclude(pk=case.pk)
            others.update(
                status=PromotionCase.Status.REJECTED, decided_at=timezone.now(),
                decision_reason=f"Closed: promoted to {target.code} by case {case.pk}.",
            )  # fmt: skip
        if case.status != PromotionCase.Status.OPEN:
            case.decided_at = timezone.now()
            case.save(update_fields=["status", "decision_reason", "decided_at"])
            notifications_create(
                [
                    NotificationDraft(
                        recipient_id=case.employee.user_id,
                        kind=Notification.Kind.PROMOTION_DECIDED,
                        key=f"case-decided:{case.pk}",
                        subject=f"Promotion to {case.to_level.code}: {case.get_status_display()}",
                        body=comment,
                        url="/",
                    )  # fmt: skip
                ]
            )
    return case


def _ensure_may_decide(step: ApprovalStep, employee: Employee, approver) -> None:
    if not approver.is_active:
        raise PermissionDenied("Someone who has left decides nothing.")
    if step.role == ApprovalStep.Role.HR:
        if not user_is_hr(approver):
            raise PermissionDenied(f"“{step.name}” is for HR.")
        return
    if not employee_reviewable_by(reviewer=employee_for_user(approver), employee=employee):
        raise PermissionDenied(f"“{step.name}” is for a manager of {employee.name}.")
