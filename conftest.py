"""Shared fixtures: seeded frameworks, named personas, and the PostgreSQL-only marker."""

import pytest
from django.db import connection

from tests.conftest_helpers import IN_CI, install_seed_data


@pytest.fixture(autouse=True)
def _postgres_only(request):
    """`@pytest.mark.postgres` tests need PostgreSQL: they fail in CI without it, else skip."""
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        message = "needs PostgreSQL (set DATABASE_URL=postgres://...)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(autouse=True)
def _broker_breaker_closed():
    """Each test starts with a broker this process believes is up (see outbox.services)."""
    from outbox import services

    services._broker_down_until = 0.0
    yield
    services._broker_down_until = 0.0


@pytest.fixture
def celery_eager():
    """Tasks sent after commit run here and now, as CELERY_TASK_ALWAYS_EAGER does."""
    from careerpath.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Install the seed frameworks once per test database; each test's rollback keeps them."""
    with django_db_blocker.unblock():
        install_seed_data()


@pytest.fixture
def seeded(db):
    """Both published seed frameworks, installed exactly as `manage.py seed_frameworks` does.

    Seeded once per session (above); seeded again when a transactional test
    has flushed the database.
    """
    from frameworks.models import Framework
    from promotions.models import ApprovalStep

    published = {f.slug: f for f in Framework.objects.filter(status="published")}
    if len(published) < 2 or not ApprovalStep.objects.exists():
        install_seed_data()
        published = {f.slug: f for f in Framework.objects.filter(status="published")}
    return published


@pytest.fixture
def hr(seeded):
    """An HR admin: staff, in the HR group, not a superuser."""
    from people.roles import roles_ensure
    from people.tests.factories import UserFactory

    user = UserFactory(username="hr@example.com", is_staff=True)
    user.groups.add(roles_ensure())
    return user
