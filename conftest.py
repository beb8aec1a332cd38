"""Shared fixtures: seeded frameworks, named personas, and the PostgreSQL-only marker."""

import os

import pytest
from django.core.management import call_command
from django.db import connection

IN_CI = bool(os.environ.get("CI"))


@pytest.fixture(autouse=True)
def _postgres_only(request):
    """`@pytest.mark.postgres` tests need PostgreSQL: they fail in CI without it, else skip."""
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        message = "needs PostgreSQL (set DATABASE_URL=postgres://...)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def seeded(db):
    """Both seed frameworks, installed exactly as `manage.py seed_frameworks` does."""
    call_command("seed_frameworks", verbosity=0, stdout=open(os.devnull, "w"))
    from frameworks.models import Framework

    return {f.slug: f for f in Framework.objects.filter(status="published")}
