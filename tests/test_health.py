"""/healthz for the web container's healthcheck, and beat_health for beat's."""

import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.utils import OperationalError
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_healthz_answers_a_probe_from_inside_the_container_in_production(client, settings):
    # Production: HTTPS redirects and a host list the probe's "localhost" is not on.
    settings.DEBUG = False
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["careerpath.example.com"]
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/healthz", HTTP_HOST="127.0.0.1:8000")
    assert (response.status_code, response.content) == (200, b"ok\n")
    assert "Set-Cookie" not in response.headers and not response.cookies  # no session
    assert [q["sql"] for q in queries] == ["SELECT 1"]  # one cheap read, no writes
    assert "no-cache" in response["Cache-Control"]


def test_healthz_says_503_when_the_database_does_not_answer(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/healthz")
    assert (response.status_code, response.content) == (503, b"database unavailable\n")


def test_healthz_only_reads(client):
    assert client.post("/healthz").status_code == 405


def test_beat_health_fails_until_beat_has_sent_something_recently(db):
    from django_celery_beat.models import PeriodicTask

    PeriodicTask.objects.update(last_run_at=None)
    with pytest.raises(CommandError, match="beat has sent nothing since ever"):
        call_command("beat_health")
    task = PeriodicTask.objects.filter(enabled=True).first()
    PeriodicTask.objects.filter(pk=task.pk).update(
        last_run_at=timezone.now() - datetime.timedelta(minutes=30)
    )
    with pytest.raises(CommandError, match="beat has sent nothing since"):
        call_command("beat_health", "--max-age-minutes", "10")
    PeriodicTask.objects.filter(pk=task.pk).update(last_run_at=timezone.now())
    call_command("beat_health", "--max-age-minutes", "10")
