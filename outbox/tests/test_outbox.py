"""The outbox: work asked for in a transaction is sent after it commits, waits when the
broker is down, and a failure to send never turns work that was done into an error page."""

import pytest
from django.db import OperationalError, transaction
from django.urls import reverse

from assessments.models import Evidence
from assessments.tests.factories import EvidenceFactory
from outbox import services
from outbox.models import OutboxTask
from people.tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker(monkeypatch):
    """What reached the broker, and a switch to make it refuse."""
    from careerpath.celery import app

    state = {"sent": [], "down": False}

    def send_task(name, args, **kwargs):
        if state["down"]:
            raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        state["sent"].append((name, args))

    monkeypatch.setattr(app, "send_task", send_task)
    return state


def test_work_is_sent_only_when_the_transaction_commits(broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        services.enqueue("x.task", 1)
        assert broker["sent"] == []
    assert broker["sent"] == [("x.task", [1])]
    assert OutboxTask.objects.get().sent_at is not None


def test_rolled_back_work_is_never_sent(broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                services.enqueue("x.task", 1)
                raise RuntimeError("the change failed")
        except RuntimeError:
            pass
    assert broker["sent"] == [] and not OutboxTask.objects.exists()


def test_with_the_broker_down_work_waits_and_the_relay_sends_it_once(
    broker, django_capture_on_commit_callbacks
):
    broker["down"] = True
    with django_capture_on_commit_callbacks(execute=True):
        services.enqueue("x.task", 1)
        services.enqueue("x.task", 2)  # the breaker is open: not even tried
    row = OutboxTask.objects.get(args=[1])
    assert (row.sent_at, row.attempts) == (None, 1) and "Connection refused" in row.last_error
    assert OutboxTask.objects.get(args=[2]).attempts == 0
    broker["down"] = False
    OutboxTask.objects.update(created_at=row.created_at - services.RELAY_AFTER)
    assert services.outbox_relay() == {"sent": 2, "waiting": 0}
    assert services.outbox_relay() == {"sent": 0, "waiting": 0}
    assert broker["sent"] == [("x.task", [1]), ("x.task", [2])]


def test_a_failure_after_commit_is_not_an_error_page(
    client, seeded, monkeypatch, django_capture_on_commit_callbacks
):
    manager = EmployeeFactory(level_code="senior-superhero")
    item = EvidenceFactory(employee=EmployeeFactory(manager=manager), status="submitted")

    def locked(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(services, "outbox_send", locked)
    client.force_login(manager.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("assessments:evidence_review", args=[item.pk]), {"decision": "approved"}
        )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == Evidence.Status.APPROVED
    assert OutboxTask.objects.filter(sent_at__isnull=True).count() == 1  # for the relay
