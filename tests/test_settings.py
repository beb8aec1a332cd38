"""Production settings refuse unsafe defaults; CI really runs on PostgreSQL."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from tests.conftest_helpers import IN_CI


def _import_settings(env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    return subprocess.run(
        [sys.executable, "-c", "import careerpath.settings"],
        env={**clean, **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _import_settings({"DEBUG": "0"})
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_starts_with_a_secret_key():
    result = _import_settings({"DEBUG": "0", "SECRET_KEY": "x" * 50})
    assert result.returncode == 0, result.stderr


def test_a_bad_boolean_is_a_clear_configuration_error():
    result = _import_settings({"DEBUG": "maybe"})
    assert "DEBUG must be one of 1/0, true/false" in result.stderr


@pytest.mark.skipif(not IN_CI, reason="CI runs the suite on PostgreSQL")
@pytest.mark.django_db
def test_ci_runs_on_postgresql():
    assert connection.vendor == "postgresql"
