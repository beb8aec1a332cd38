"""A real Celery worker on Redis runs the nightly sweep against the test database."""

import datetime
import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection

from careerpath.celery import app
from people.tests.factories import EmployeeFactory
from promotions.models import Notification, SweepRun
from promotions.tasks import run_periodic_checks
from promotions.tests.test_sweep import make_ready_hero
from tests.conftest_helpers import IN_CI

REDIS_URL = os.environ.get("CELERY_TEST_BROKER_URL", "redis://127.0.0.1:6379/15")


def _redis_available() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def worker(seeded):
    if not _redis_available():
        message = f"needs Redis at {REDIS_URL}"
        pytest.fail(message) if IN_CI else pytest.skip(message)
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "careerpath.test_settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": REDIS_URL,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "careerpath", "worker", "--pool=solo",
         "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        # A message published before the worker has declared its queue would be dropped.
        client = redis.Redis.from_url(REDIS_URL)
        wait_for(lambda: client.exists("_kombu.binding.celery"), timeout=60, process=process)
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def send(task, *args):
    """Publish to the worker's Redis, whatever broker this test process was configured with."""
    with app.connection_for_write(REDIS_URL) as connection:
        task.apply_async(args=args, connection=connection)


def wait_for(condition, timeout=60, process=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if process is not None and process.poll() is not None:
            raise AssertionError(process.stdout.read().decode()[-3000:])
        time.sleep(0.3)
    if process is not None:
        process.kill()
        raise AssertionError("timed out; worker log:\n" + process.stdout.read().decode()[-3000:])
    raise AssertionError("timed out waiting for the worker")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_the_sweep_and_a_second_run_creates_nothing(worker):
    lead = EmployeeFactory(level_code="senior-superhero")
    hero = make_ready_hero(manager=lead)
    as_of = datetime.date(2026, 11, 23).isoformat()

    send(run_periodic_checks, as_of)
    wait_for(
        lambda: Notification.objects.filter(kind="newly_eligible").count() == 2, process=worker
    )
    assert set(Notification.objects.values_list("recipient_id", flat=True)) >= {
        hero.user_id,
        lead.user_id,
    }
    first_run = SweepRun.objects.get()
    before = Notification.objects.count()

    send(run_periodic_checks, as_of)
    wait_for(lambda: SweepRun.objects.get().finished_at > first_run.finished_at, process=worker)
    assert Notification.objects.count() == before
    assert SweepRun.objects.get().notifications_created == 0
