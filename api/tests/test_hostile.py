"""Hostile input to the API (issue 16, item 3): a 4xx with the stable error body
({"detail": str, "code": str}, "errors" for invalid fields), never a 500, and nothing
changed. The pages' rules (tests/test_hostile_pages.py) hold here too: control characters,
far dates, huge fields, impossible ids; and the API's own: bad JSON, JSON that is not an
object, deep nesting, a body too large, an unknown content type, a bad token."""

import json

import pytest

from assessments.models import Evidence

pytestmark = pytest.mark.django_db

EVIDENCE = {
    "kind": "ticket",
    "category": "integration",
    "title": "Salesforce sync fixed",
    "reference": "ZD-1234",
    "occurred_on": "2026-11-02",
}


def error_body(response, status: int, code: str | None = None) -> dict:
    """The response's JSON error body, after checking its status, type and shape."""
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["code"], str) and body["code"]
    if code is not None:
        assert body["code"] == code, body
    return body


def post_json(api, url, raw: str | bytes, content_type="application/json"):
    return api.generic("POST", url, raw, content_type=content_type)


@pytest.fixture
def employee_api(as_):
    return as_("employee")


@pytest.fixture
def unchanged(org):
    """Asserts after the test that no evidence was added or changed."""
    before = list(Evidence.objects.order_by("pk").values())
    yield
    assert list(Evidence.objects.order_by("pk").values()) == before


@pytest.mark.parametrize(
    "url",
    [
        "/api/team/?q=%00",
        "/api/evidence/?kind=ti%01cket",
        "/api/me/career/?as_of=2026-01-01%00",
        "/api/promotion-cases/?st%00atus=open",
        "/api/frameworks/support%00formula/",
    ],
)
def test_control_characters_in_the_address_are_a_json_400(as_, url):
    body = error_body(as_("manager").get(url), 400)
    assert "control character" in body["detail"]


@pytest.mark.parametrize(
    "field, value",
    [("title", "Runbook\x00"), ("reference", "ZD\x1b[31m"), ("title\x00", "x")],
)
def test_control_characters_in_a_json_body_are_refused(employee_api, unchanged, field, value):
    body = error_body(
        post_json(employee_api, "/api/evidence/", json.dumps({**EVIDENCE, field: value})), 400
    )
    assert "control character" in body["detail"]


@pytest.mark.parametrize(
    "raw",
    ['{"kind": "ticket",', "not json at all", "\xff\xfe{}"],
)
def test_bad_json_is_a_400_parse_error(employee_api, unchanged, raw):
    error_body(post_json(employee_api, "/api/evidence/", raw), 400, "parse_error")


@pytest.mark.parametrize("raw", ["[]", '"a string"', "null", "42", "[{}]", '{"title": "\\ud800"}'])
def test_json_that_is_not_an_evidence_object_is_refused(employee_api, unchanged, raw):
    error_body(post_json(employee_api, "/api/evidence/", raw), 400)


def test_deeply_nested_json_is_refused(employee_api, unchanged):
    raw = '{"title": ' + "[" * 5000 + "]" * 5000 + "}"
    error_body(post_json(employee_api, "/api/evidence/", raw), 400, "parse_error")


@pytest.mark.parametrize(
    "occurred_on", ["9999-12-31", "10000-01-01", "0001-01-01", "2026-02-30", "", "yesterday"]
)
def test_an_impossible_or_far_date_is_a_field_error(employee_api, unchanged, occurred_on):
    body = error_body(
        post_json(
            employee_api, "/api/evidence/", json.dumps({**EVIDENCE, "occurred_on": occurred_on})
        ),
        400,
        "invalid",
    )
    assert "occurred_on" in body["errors"]


@pytest.mark.parametrize("as_of", ["9999-12-31", "0001-01-01", "99999-01-01", "2026-13-01"])
def test_a_far_as_of_date_is_answered_not_a_500(employee_api, as_of):
    response = employee_api.get(f"/api/me/career/?as_of={as_of}")
    if response.status_code == 200:
        assert response.json()["as_of"] == as_of
    else:
        error_body(response, 400, "invalid")


@pytest.mark.parametrize("field", ["title", "reference", "category"])
def test_a_huge_field_is_a_field_error(employee_api, unchanged, field):
    body = error_body(
        post_json(employee_api, "/api/evidence/", json.dumps({**EVIDENCE, field: "x" * 100_000})),
        400,
        "invalid",
    )
    assert field in body["errors"]


def test_a_body_over_the_size_limit_is_refused(employee_api, unchanged, settings):
    raw = json.dumps({**EVIDENCE, "description": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    body = error_body(post_json(employee_api, "/api/evidence/", raw), 413, "too_large")
    assert str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE) in body["detail"]


def test_an_unknown_content_type_is_a_415(employee_api, unchanged):
    error_body(
        post_json(employee_api, "/api/evidence/", "<xml/>", content_type="application/xml"),
        415,
        "unsupported_media_type",
    )


@pytest.mark.parametrize(
    "url",
    [
        "/api/people/99999999999999999999999/career/",
        "/api/evidence/-1/",
        "/api/promotion-cases/0/",
        "/api/frameworks/support-formula/versions/99999999999999999999/",
    ],
)
def test_an_impossible_id_is_a_json_404(as_, url):
    error_body(as_("hr").get(url), 404, "not_found")


@pytest.mark.parametrize(
    "header",
    ["Token ", "Token " + "x" * 10_000, "Token a b", "Bearer abc", "Token \u00e9\u00e9"],
)
def test_a_bad_token_is_a_401(org, header):
    from rest_framework.test import APIClient

    response = APIClient().get("/api/me/career/", HTTP_AUTHORIZATION=header)
    error_body(response, 401)


@pytest.mark.parametrize(
    "payload",
    [
        {"decision": "approved\x00"},
        {"decision": "x" * 100_000},
        {"decision": ["approved"]},
        {"decision": {"$ne": None}},
        {"decision": "rejected", "comment": "x" * 100_000},
    ],
)
def test_a_review_with_a_hostile_decision_changes_nothing(as_, org, unchanged, payload):
    response = post_json(
        as_("manager"), f"/api/evidence/{org['waiting'].pk}/review/", json.dumps(payload)
    )
    error_body(response, 400)


@pytest.mark.parametrize(
    "payload",
    [
        {"employee": 10**30, "to_level": "superhero", "justification": "Ready."},
        {"employee": "1; DROP TABLE", "to_level": "superhero", "justification": "Ready."},
        {"employee": None, "to_level": "x" * 10_000, "justification": "Ready."},
        {"employee": 1.5, "to_level": "superhero", "justification": "x" * 100_000},
    ],
)
def test_a_hostile_nomination_is_a_4xx(as_, org, payload):
    from promotions.models import PromotionCase

    before = PromotionCase.objects.count()
    response = post_json(as_("manager"), "/api/promotion-cases/", json.dumps(payload))
    assert response.status_code in (400, 404), response.content[:500]
    error_body(response, response.status_code)
    assert PromotionCase.objects.count() == before
