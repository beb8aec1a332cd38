"""Schemathesis against the live schema, as an employee, a manager and HR (issue 16).

Each persona loads /api/schema/ with their own token through the WSGI application (the
schema they are served), then every operation gets EXAMPLES generated requests. Every
response must be no 5xx, have a documented status code and content type, and conform to
the schema. Bounded so that CI time stays small; the database is PostgreSQL in CI.
"""

import time

import pytest
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.openapi import from_wsgi

from api.services import token_issue
from api.throttling import TokenRateThrottle

pytestmark = pytest.mark.django_db

EXAMPLES = 25  # per operation and persona
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def wsgi_app():
    """Django's WSGI application, in the test's transaction: like the test client, it must
    not close the database connection at the start and end of each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.parametrize("persona", ["employee", "manager", "hr"])
def test_the_api_conforms_to_its_schema(org, persona, settings, monkeypatch, wsgi_app):
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "100000/hour"})
    cache.clear()
    _, key = token_issue(user=org[persona].user, name="schemathesis", actor=org["hr"].user)
    headers = {"Authorization": f"Token {key}"}
    schema = from_wsgi("/api/schema/?format=json", wsgi_app, headers=headers)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 14
    started, calls = time.monotonic(), 0

    for operation in operations:

        @hypothesis_settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case):
            nonlocal calls
            calls += 1
            response = case.call(headers=headers)
            case.validate_response(response, checks=CHECKS)

        check()
    elapsed = time.monotonic() - started
    print(f"schemathesis as {persona}: {calls} requests, {len(operations)} operations, "
          f"{elapsed:.1f} s")  # fmt: skip
