"""API tokens: HR issues them per person (the key shown once, only its hash stored), revokes
them; a leaver's token stops working; throttling counts per token."""

import re

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.test import Client
from rest_framework.test import APIClient

from api.models import ApiToken, key_hash
from api.services import token_issue, token_revoke
from api.throttling import TokenRateThrottle
from people.services import employee_leave

from .conftest import TODAY

pytestmark = pytest.mark.django_db


def _call(key, url="/api/me/career/"):
    return APIClient().get(url, HTTP_AUTHORIZATION=f"Token {key}")


def test_a_token_authenticates_its_person_and_records_its_use(org):
    token, key = token_issue(user=org["employee"].user, name="my script", actor=org["hr"].user)
    assert token.key_hash == key_hash(key) and key not in token.key_hash
    assert not ApiToken.objects.filter(key_hash=key).exists()  # the key itself is not stored
    response = _call(key)
    assert response.status_code == 200
    assert response.json()["email"] == "employee@example.com"
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert APIClient().get("/api/team/", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200


def test_bad_tokens_get_401(org):
    for header in ("Token nope", "Token", "Token a b", "Token \u00e9"):
        response = APIClient().get("/api/me/career/", HTTP_AUTHORIZATION=header)
        assert response.status_code == 401, header
        assert response.json()["code"] == "authentication_failed"


def test_only_hr_issues_and_revokes(org):
    for persona in ("employee", "manager"):
        with pytest.raises(PermissionDenied):
            token_issue(user=org[persona].user, name="x", actor=org[persona].user)
    token, key = token_issue(user=org["employee"].user, name="x", actor=org["hr"].user)
    with pytest.raises(PermissionDenied):
        token_revoke(token=token, actor=org["manager"].user)


def test_a_revoked_token_stops_working(org):
    token, key = token_issue(user=org["manager"].user, name="x", actor=org["hr"].user)
    assert _call(key).status_code == 200
    token_revoke(token=token, actor=org["hr"].user)
    assert _call(key).status_code == 401
    assert ApiToken.objects.filter(pk=token.pk, revoked_by=org["hr"].user).exists()


def test_a_leavers_token_stops_working(org):
    token, key = token_issue(user=org["peer"].user, name="x", actor=org["hr"].user)
    assert _call(key).status_code == 200
    employee_leave(employee=org["peer"], actor=org["hr"].user, left_on=TODAY)
    assert _call(key).status_code == 401


def test_a_token_acts_with_its_persons_rights_only(org):
    _, key = token_issue(user=org["peer"].user, name="x", actor=org["hr"].user)
    assert _call(key, f"/api/people/{org['employee'].pk}/career/").status_code == 404
    response = APIClient().post(
        f"/api/evidence/{org['waiting'].pk}/review/",
        {"decision": "approved"},
        format="json",
        HTTP_AUTHORIZATION=f"Token {key}",
    )
    assert response.status_code == 404


def test_throttling_counts_per_token(org, monkeypatch):
    cache.clear()
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "3/minute"})
    _, first = token_issue(user=org["employee"].user, name="a", actor=org["hr"].user)
    _, second = token_issue(user=org["employee"].user, name="b", actor=org["hr"].user)
    assert [_call(first).status_code for _ in range(4)] == [200, 200, 200, 429]
    throttled = _call(first)
    assert throttled.json()["code"] == "throttled" and "Retry-After" in throttled
    assert _call(second).status_code == 200  # another token has its own budget
    session = APIClient()
    session.force_login(org["employee"].user)
    assert session.get("/api/me/career/").status_code == 200
    cache.clear()


def test_hr_issues_a_token_in_the_admin_and_sees_the_key_once(org):
    client = Client()
    client.force_login(org["hr"].user)
    response = client.post(
        "/admin/api/apitoken/add/",
        {"user": org["employee"].user.pk, "name": "nightly export"},
    )
    assert response.status_code == 200  # the key on this page, not after a redirect
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get(name="nightly export")
    assert token.created_by == org["hr"].user
    shown = re.search(r"(cp_[A-Za-z0-9_-]{20,})", response.content.decode())
    assert shown and key_hash(shown[1]) == token.key_hash
    assert _call(shown[1]).status_code == 200
    page = client.get(f"/admin/api/apitoken/{token.pk}/change/").content.decode()
    assert shown[1] not in page  # never shown again
    assert shown[1] not in client.get("/admin/api/apitoken/").content.decode()
    client.post(
        "/admin/api/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert _call(shown[1]).status_code == 401


def test_a_manager_cannot_reach_the_token_admin(org):
    client = Client()
    client.force_login(org["manager"].user)
    response = client.get("/admin/api/apitoken/")
    assert response.status_code == 302
