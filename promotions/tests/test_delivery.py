"""Notifications through the channel registry: retried deliveries, marked delivered only
when the mail server took them, never sent twice, with links that open from a mailbox."""

import pytest
from django.test import override_settings

from people.tests.factories import EmployeeFactory
from promotions.models import Notification, NotificationDelivery
from promotions.services import (
    DeliveryFailed,
    NotificationDraft,
    notification_deliver,
    notifications_create,
)
from promotions.tasks import deliver_notification
from tests.real_services import FakeSMTP

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp():
    server = FakeSMTP()
    smtp_settings = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": server.port,
        "EMAIL_USE_TLS": False,
        "EMAIL_TIMEOUT": 5,
        "SITE_URL": "https://careerpath.example.com",
    }
    with override_settings(**smtp_settings):
        yield server
    server.close()


def notify(employee, key="event-1") -> NotificationDelivery:
    notifications_create(
        [
            NotificationDraft(
                recipient_id=employee.user_id,
                kind=Notification.Kind.MILESTONE,
                key=key,
                subject="You reached 12 months",
                body="Two WFH days a month unlock.",
                url="/",
            )  # fmt: skip
        ]
    )
    return NotificationDelivery.objects.get(notification__key=key, channel="email")


def test_a_refusing_mail_server_loses_nothing_and_sends_once_when_back(seeded, smtp):
    person = EmployeeFactory()
    delivery = notify(person)
    with pytest.raises(DeliveryFailed, match="554"):
        notification_deliver(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.delivered_at, delivery.attempts) == (None, 1)
    assert "Service unavailable" in delivery.last_error
    assert Notification.objects.get(pk=delivery.notification_id).emailed_at is None

    smtp.accepting = True
    assert notification_deliver(delivery_id=delivery.pk) is True
    assert notification_deliver(delivery_id=delivery.pk) is False  # a redelivered task
    delivery.refresh_from_db()
    assert delivery.delivered_at is not None and delivery.attempts == 2
    assert len(smtp.received) == 1
    message = smtp.received[0]
    assert person.user.email in message and "You reached 12 months" in message
    assert "https://careerpath.example.com/" in message  # a link that opens from a mailbox


def test_the_delivery_task_retries_while_the_server_refuses(seeded, smtp, celery_eager):
    delivery = notify(EmployeeFactory())
    deliver_notification.apply(args=[delivery.pk])
    delivery.refresh_from_db()
    assert delivery.delivered_at is None
    assert delivery.attempts > 1  # retried, each attempt recorded
    assert smtp.received == []


def test_each_channel_that_wants_a_notification_gets_one_delivery(seeded):
    with_mail = EmployeeFactory()
    without_mail = EmployeeFactory()
    without_mail.user.email = ""
    without_mail.user.save(update_fields=["email"])
    notify(with_mail, key="a")
    notifications_create(
        [
            NotificationDraft(
                recipient_id=without_mail.user_id, kind="milestone", key="b", subject="s"
            ),
            NotificationDraft(
                recipient_id=with_mail.user_id, kind="milestone", key="a", subject="again"
            ),
        ]  # fmt: skip
    )
    assert list(NotificationDelivery.objects.values_list("notification__key", "channel")) == [
        ("a", "email")
    ]


def test_production_without_site_url_is_warned_about():
    from promotions.checks import site_url_check

    with override_settings(DEBUG=False, SITE_URL=""):
        assert [w.id for w in site_url_check()] == ["careerpath.W001"]
    with override_settings(DEBUG=False, SITE_URL="https://careerpath.example.com"):
        assert site_url_check() == []


def test_notifications_created_together_go_out_in_one_task_each_delivered(seeded, smtp):
    """A night's sweep tells hundreds at once: one outbox task per 100 deliveries, not one
    broker message each; every person still gets exactly their own mail."""
    from outbox.models import OutboxTask
    from promotions.tasks import deliver_notifications

    smtp.accepting = True
    people = EmployeeFactory.create_batch(3)
    notifications_create(
        [
            NotificationDraft(
                recipient_id=p.user_id,
                kind="milestone",
                key=f"batch-{p.pk}",
                subject=f"Milestone for {p.user.email}",
            )
            for p in people
        ]  # fmt: skip
    )
    task = OutboxTask.objects.get(task_name="promotions.tasks.deliver_notifications")
    (ids,) = task.args
    assert sorted(ids) == sorted(NotificationDelivery.objects.values_list("id", flat=True))
    assert deliver_notifications.apply(args=[ids]).get() == 3
    assert sorted(m.split("To: ")[1].split()[0] for m in smtp.received) == sorted(
        p.user.email for p in people
    )
    assert deliver_notifications.apply(args=[ids]).get() == 0  # a redelivered task: no repeat


def test_a_failing_delivery_in_a_batch_is_retried_on_its_own(seeded, smtp, monkeypatch):
    from promotions import tasks

    handed = []
    monkeypatch.setattr(
        tasks.deliver_notification, "apply_async", lambda args, countdown: handed.append(args)
    )
    first, second = notify(EmployeeFactory(), key="x"), notify(EmployeeFactory(), key="y")
    # The server refuses: neither is delivered, each is handed to its own retrying task.
    assert tasks.deliver_notifications.apply(args=[[first.pk, second.pk]]).get() == 0
    assert handed == [[first.pk], [second.pk]]
    smtp.accepting = True
    assert tasks.deliver_notifications.apply(args=[[first.pk, second.pk]]).get() == 2
