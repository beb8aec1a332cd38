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


def _planner_options(env: dict) -> str:
    result = subprocess.run(
        [sys.executable, "-c", "from careerpath import settings; "
         "print(settings.DATABASES['default'].get('OPTIONS', {}).get('options', ''))"],
        env={**os.environ, "DEBUG": "1", "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/x",
             **env},
        cwd=settings.BASE_DIR, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0 or env, result.stderr
    return result.stdout.strip() if result.returncode == 0 else result.stderr


def test_the_apps_postgresql_connections_plan_for_short_queries_on_fast_storage():
    assert _planner_options({}) == "-c jit=off -c random_page_cost=1.1"
    assert _planner_options({"DATABASE_JIT": "1", "DATABASE_RANDOM_PAGE_COST": "2"}) == (
        "-c random_page_cost=2.0"
    )
    assert _planner_options({"DATABASE_RANDOM_PAGE_COST": ""}) == "-c jit=off"
    assert "DATABASE_RANDOM_PAGE_COST must be a positive number; got 'fast'" in (
        _planner_options({"DATABASE_RANDOM_PAGE_COST": "fast"})
    )
