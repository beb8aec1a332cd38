"""Ratings and confirmations through the API: the services' rules (self rating by the person,
manager rating and confirmations by a manager above them, never by HR or a peer)."""

import pytest

from assessments.models import Attestation, CompetencyRating
from people.tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def whatfix(org):
    """A report on the Whatfix framework (which has competencies) under the manager."""
    return EmployeeFactory(
        framework_slug="whatfix-support", level_code="S0", manager=org["manager"],
        user__username="wf@example.com",
    )  # fmt: skip


RATE = {"competency": "customer-centricity", "proficiency": "intermediate", "period": "2026-H2"}


def test_rating_rules(as_, org, whatfix):
    url = f"/api/people/{whatfix.pk}/ratings/"
    as_wf = as_()
    as_wf.force_login(whatfix.user)
    mine = as_wf.post(url, RATE, format="json")
    assert mine.status_code == 201 and mine.json()["source"] == "self"
    by_manager = as_("manager").post(url, RATE, format="json")
    assert by_manager.status_code == 201 and by_manager.json()["source"] == "manager"
    assert as_("skip").post(url, RATE, format="json").status_code == 201
    assert CompetencyRating.objects.filter(employee=whatfix).count() == 2  # replaced
    for persona, code in [("peer", 404), ("unrelated", 404), ("hr", 403), ("root", 403),
                          ("leaver", 401), ("employee", 404)]:  # fmt: skip
        assert as_(persona).post(url, RATE, format="json").status_code == code, persona
    assert as_("hr").get(url).json()["count"] == 2
    assert as_("manager").get(url, {"source": "self"}).json()["count"] == 1
    assert as_("peer").get(url).status_code == 404
    wrong = as_("manager").post(url, {**RATE, "competency": "juggling"}, format="json")
    assert wrong.status_code == 400 and "competency" in wrong.json()["errors"]
    bad_period = as_("manager").post(url, {**RATE, "period": "2026-H3"}, format="json")
    assert bad_period.status_code == 400


def test_confirmation_rules(as_, org):
    employee = org["employee"]
    url = f"/api/people/{employee.pk}/confirmations/"
    data = {"level": "superhero", "code": "integration-talk-through", "comment": "Seen it."}
    for persona, code in [("employee", 403), ("peer", 404), ("unrelated", 404), ("hr", 403),
                          ("root", 403), ("leaver", 401), ("anonymous", 401)]:  # fmt: skip
        client = as_(None if persona == "anonymous" else persona)
        assert client.post(url, data, format="json").status_code == code, persona
    assert not Attestation.objects.exists()
    made = as_("manager").post(url, data, format="json")
    assert made.status_code == 201, made.json()
    assert made.json()["level"] == "superhero" and made.json()["attested_by"] == (
        "manager@example.com")  # fmt: skip
    unknown = as_("manager").post(url, {**data, "code": "juggles"}, format="json")
    assert unknown.status_code == 400
    assert as_("employee").get(url).json()["count"] == 1
    assert as_("peer").get(url).status_code == 404
