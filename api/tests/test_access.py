"""Every authorisation rule of the API, as each persona (the same rules as the pages)."""

import pytest

from assessments.models import Evidence
from promotions.models import PromotionCase

from .conftest import TODAY

pytestmark = pytest.mark.django_db


def _statuses(as_, method, url, personas, data=None):
    found = {}
    for persona in personas:
        client = as_(None if persona == "anonymous" else persona)
        response = getattr(client, method)(url, data or {}, format="json")
        found[persona] = response.status_code
    return found


ALL = ("anonymous", "employee", "peer", "manager", "skip", "unrelated", "hr", "root", "leaver")


def test_my_career_is_the_eligibility_json(as_, org):
    from promotions.selectors import career_status

    response = as_("employee").get("/api/me/career/", {"as_of": "2026-11-23"})
    assert response.status_code == 200
    expected = career_status(employee=org["employee"], as_of=TODAY.replace(day=23)).as_json()
    assert response.json() == expected
    assert set(response.json()) >= {"email", "framework", "level", "as_of", "tenure_months",
                                    "wfh_days_per_month", "next"}  # fmt: skip


def test_my_career_refuses_strangers_and_bad_dates(as_):
    assert _statuses(as_, "get", "/api/me/career/", ALL) == {
        "anonymous": 401, "employee": 200, "peer": 200, "manager": 200, "skip": 200,
        "unrelated": 200, "hr": 200, "root": 404, "leaver": 401,
    }  # fmt: skip
    bad = as_("employee").get("/api/me/career/", {"as_of": "2026-02-30"})
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid" and "as_of" in bad.json()["errors"]


def test_a_persons_career_for_those_who_may_see_it(as_, org):
    url = f"/api/people/{org['employee'].pk}/career/"
    assert _statuses(as_, "get", url, ALL) == {
        "anonymous": 401, "employee": 200, "peer": 404, "manager": 200, "skip": 200,
        "unrelated": 404, "hr": 200, "root": 200, "leaver": 401,
    }  # fmt: skip
    missing = as_("hr").get("/api/people/999999/career/")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_team_lists_reports_with_readiness(as_, org):
    rows = as_("manager").get("/api/team/").json()
    emails = {row["email"] for row in rows["results"]}
    assert emails == {"employee@example.com", "peer@example.com"}  # not the leaver
    assert rows["results"][0]["next"][0]["level"] == "superhero"
    skip = as_("skip").get("/api/team/").json()
    assert {r["email"] for r in skip["results"]} == {
        "manager@example.com", "employee@example.com", "peer@example.com"}  # fmt: skip
    assert {r["is_direct"] for r in skip["results"] if r["email"] != "manager@example.com"} == {
        False}  # fmt: skip
    direct = as_("skip").get("/api/team/", {"direct": "true"}).json()
    assert [r["email"] for r in direct["results"]] == ["manager@example.com"]
    assert as_("employee").get("/api/team/").json()["count"] == 0
    assert as_("unrelated").get("/api/team/").json()["count"] == 1
    assert _statuses(as_, "get", "/api/team/", ("anonymous", "root", "leaver")) == {
        "anonymous": 401, "root": 403, "leaver": 401}  # fmt: skip


def test_evidence_lists_mine_and_my_reports(as_, org):
    mine = as_("employee").get("/api/evidence/").json()
    assert [e["title"] for e in mine["results"]] == ["Waiting ticket"]
    reports = as_("manager").get("/api/evidence/", {"scope": "reports"}).json()
    assert {e["title"] for e in reports["results"]} == {"Waiting ticket", "Peer's ticket"}
    waiting = as_("skip").get("/api/evidence/", {"scope": "waiting"}).json()
    assert {e["title"] for e in waiting["results"]} == {"Waiting ticket", "Peer's ticket"}
    for persona in ("employee", "peer", "unrelated"):
        seen = as_(persona).get("/api/evidence/", {"scope": "reports"}).json()["results"]
        assert "Waiting ticket" not in {e["title"] for e in seen}, persona
    filtered = (
        as_("manager")
        .get("/api/evidence/", {"scope": "reports", "employee": org["peer"].pk})
        .json()
    )
    assert [e["title"] for e in filtered["results"]] == ["Peer's ticket"]
    assert as_("manager").get("/api/evidence/", {"scope": "everything"}).status_code == 400


def test_evidence_item_is_visible_as_on_the_pages(as_, org):
    url = f"/api/evidence/{org['waiting'].pk}/"
    assert _statuses(as_, "get", url, ALL) == {
        "anonymous": 401, "employee": 200, "peer": 404, "manager": 200, "skip": 200,
        "unrelated": 404, "hr": 200, "root": 200, "leaver": 401,
    }  # fmt: skip


def test_submit_evidence_for_myself_only(as_, org):
    data = {"kind": "ticket", "category": "integration", "title": "Salesforce sync",
            "reference": "T-1", "occurred_on": "2026-11-02"}  # fmt: skip
    response = as_("employee").post("/api/evidence/", data, format="json")
    assert response.status_code == 201, response.json()
    item = Evidence.objects.get(pk=response.json()["id"])
    assert item.employee == org["employee"] and item.status == "submitted"
    assert item.submitted_by == org["employee"].user
    assert as_("root").post("/api/evidence/", data, format="json").status_code == 403
    assert as_("leaver").post("/api/evidence/", data, format="json").status_code == 401
    wrong = {**data, "category": "nonsense", "reference": "T-2"}
    wrong = as_("employee").post("/api/evidence/", wrong, format="json")
    assert wrong.status_code == 400 and "category" in wrong.json()["errors"]
    empty = as_("employee").post("/api/evidence/", {}, format="json")
    assert empty.status_code == 400 and {"kind", "title", "occurred_on"} <= set(
        empty.json()["errors"])  # fmt: skip


def test_review_follows_separation_of_duties(as_, org):
    url = f"/api/evidence/{org['waiting'].pk}/review/"
    refused = _statuses(
        as_,
        "post",
        url,
        ("anonymous", "employee", "peer", "unrelated", "hr", "root", "leaver"),
        {"decision": "approved"},
    )
    assert refused == {"anonymous": 401, "employee": 403, "peer": 404, "unrelated": 404,
                       "hr": 403, "root": 403, "leaver": 401}  # fmt: skip
    org["waiting"].refresh_from_db()
    assert org["waiting"].status == "submitted"
    no_reason = as_("manager").post(url, {"decision": "rejected"}, format="json")
    assert no_reason.status_code == 400
    done = as_("skip").post(url, {"decision": "approved"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "approved"
    again = as_("manager").post(url, {"decision": "approved"}, format="json")
    assert again.status_code == 400


def test_promotion_cases_nominate_and_decide(as_, org):
    data = {"employee": org["employee"].pk, "to_level": "superhero", "justification": "Ready"}
    refused = _statuses(
        as_, "post", "/api/promotion-cases/",
        ("anonymous", "employee", "peer", "unrelated", "hr", "root", "leaver"), data,
    )  # fmt: skip
    assert refused == {"anonymous": 401, "employee": 404, "peer": 404, "unrelated": 404,
                       "hr": 404, "root": 404, "leaver": 401}  # fmt: skip
    assert not PromotionCase.objects.exists()
    bad = as_("manager").post("/api/promotion-cases/", {**data, "to_level": "hero"}, format="json")
    assert bad.status_code == 400
    made = as_("manager").post("/api/promotion-cases/", data, format="json")
    assert made.status_code == 201, made.json()
    case = made.json()
    assert case["status"] == "open" and case["steps"][0]["decided"] is False
    url = f"/api/promotion-cases/{case['id']}/"
    assert _statuses(as_, "get", url, ALL) == {
        "anonymous": 401, "employee": 200, "peer": 404, "manager": 200, "skip": 200,
        "unrelated": 404, "hr": 200, "root": 200, "leaver": 401,
    }  # fmt: skip
    listed = {p: as_(p).get("/api/promotion-cases/").json()["count"] for p in
              ("employee", "peer", "manager", "unrelated", "hr")}  # fmt: skip
    assert listed == {"employee": 1, "peer": 0, "manager": 1, "unrelated": 0, "hr": 1}
    decide = url + "decide/"
    approve = {"decision": "approve"}
    assert as_("employee").post(decide, approve, format="json").status_code == 403  # own case
    assert as_("peer").post(decide, approve, format="json").status_code == 404
    assert as_("hr").post(decide, approve, format="json").status_code == 403  # a manager's step
    step = as_("skip").post(decide, approve, format="json")
    assert step.status_code == 200, step.json()
    assert step.json()["steps"][0]["decided"] is True


def test_frameworks_published_and_versions(as_, org):
    listed = as_("employee").get("/api/frameworks/").json()
    assert {f["slug"] for f in listed["results"]} == {"support-formula", "whatfix-support"}
    one = as_("employee").get("/api/frameworks/support-formula/").json()
    assert [level["code"] for level in one["levels"]][:1] == ["hero"]
    assert one["levels"][1]["requirements"]
    version = one["version"]
    url = f"/api/frameworks/support-formula/versions/{version}/"
    assert as_("employee").get(url).status_code == 200
    assert as_("employee").get("/api/frameworks/nope/").status_code == 404
    assert as_(None).get("/api/frameworks/").status_code == 401


def test_drafts_only_for_staff(as_, org):
    from frameworks.models import Framework
    from frameworks.services import framework_draft_open

    draft, _ = framework_draft_open(
        framework=Framework.objects.get(slug="support-formula", status="published"), actor=None
    )
    url = f"/api/frameworks/support-formula/versions/{draft.version}/"
    assert as_("employee").get(url).status_code == 404
    assert as_("hr").get(url).status_code == 200


def test_errors_have_a_stable_body(as_):
    response = as_().get("/api/team/")
    assert response.status_code == 401
    assert response.json() == {
        "detail": "Authentication credentials were not provided.",
        "code": "not_authenticated",
    }
    assert response["WWW-Authenticate"] == "Token"
    response = as_("employee").post("/api/team/", {}, format="json")
    assert response.status_code == 405 and response.json()["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    "url",
    [
        "/api/people/99999999999999999999999/career/",
        "/api/evidence/9223372036854775808/",
        "/api/promotion-cases/0/",
        "/api/frameworks/support-formula/versions/4294967296/",
        "/api/frameworks/caf\u00e9/",
        "/api/no/such/thing/",
    ],
)
def test_impossible_ids_and_addresses_are_json_404s(as_, url):
    response = as_("hr").get(url)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_control_characters_are_refused_in_json_and_forms(as_):
    body = {"kind": "ticket", "title": "a\x13b", "occurred_on": "2026-11-02"}
    response = as_("employee").post("/api/evidence/", body, format="json")
    assert response.status_code == 400 and response.json()["code"] == "parse_error"
    response = as_("employee").post("/api/evidence/", body)  # a form
    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    assert response.json()["code"] == "invalid"


def test_a_post_to_an_unknown_address_is_a_json_404():
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/api/people/-1/ratings/", {})
    assert response.status_code == 404 and response.json()["code"] == "not_found"
