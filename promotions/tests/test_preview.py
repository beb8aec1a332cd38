"""Impact preview: the same engine judges a draft against the published version; nothing saved."""

import datetime
import io
import json

import pytest
from django.core.management import call_command

from assessments.models import Evidence
from frameworks.models import Requirement
from frameworks.services import framework_clone
from people.tests.factories import EmployeeFactory
from promotions.models import EligibilityStatus
from promotions.tests.test_sweep import make_ready_hero

pytestmark = pytest.mark.django_db
AS_OF = "2026-11-23"


def preview(slug, version) -> dict:
    out = io.StringIO()
    call_command("preview_framework", slug, str(version), "--as-of", AS_OF, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_raising_the_integration_ticket_bar_lists_exactly_who_loses_eligibility(seeded):
    exactly_three = make_ready_hero()
    four = make_ready_hero()
    Evidence.objects.create(
        employee=four, kind="ticket", category="integration", title="Fourth", reference="4th",
        occurred_on=datetime.date(2026, 2, 1), status="approved",
    )  # fmt: skip
    EmployeeFactory()  # not eligible before or after
    draft = framework_clone(framework=seeded["support-formula"], actor=None)
    Requirement.objects.filter(
        level__framework=draft, level__code="superhero", category="integration"
    ).update(count=4)

    result = preview("support-formula", draft.version)

    assert result["stop_being_eligible"] == [
        {"email": exactly_three.user.email, "level": "superhero"}
    ]
    assert result["become_eligible"] == []
    assert result["wfh_changes"] == []
    assert not EligibilityStatus.objects.exists()  # nothing saved


def test_a_changed_wfh_entitlement_is_listed(seeded):
    person = EmployeeFactory(level_code="superhero")
    draft = framework_clone(framework=seeded["support-formula"], actor=None)
    draft.levels.get(code="superhero").entitlements.update(value=5)
    assert preview("support-formula", draft.version)["wfh_changes"] == [
        {"email": person.user.email, "from": 4, "to": 5}
    ]


def test_people_at_a_level_the_draft_lacks_are_listed(seeded):
    person = EmployeeFactory(level_code="senior-superhero")
    draft = framework_clone(framework=seeded["support-formula"], actor=None)
    draft.levels.filter(code="senior-superhero").delete()
    assert preview("support-formula", draft.version)["level_missing_in_draft"] == [
        person.user.email
    ]


def test_readable_output_names_the_people(seeded):
    hero = make_ready_hero()
    draft = framework_clone(framework=seeded["support-formula"], actor=None)
    Requirement.objects.filter(
        level__framework=draft, level__code="superhero", kind="tenure"
    ).update(months=60)
    out = io.StringIO()
    call_command("preview_framework", "support-formula", str(draft.version), "--as-of", AS_OF,
                 stdout=out)  # fmt: skip
    assert f"Would stop being eligible: 1\n  {hero.name} <{hero.user.email}> for superhero" in (
        out.getvalue()
    )


def test_hr_sees_the_preview_in_the_admin_and_an_employee_does_not(client, hr, seeded):
    hero = make_ready_hero()
    draft = framework_clone(framework=seeded["support-formula"], actor=None)
    Requirement.objects.filter(
        level__framework=draft, level__code="superhero", category="integration"
    ).update(count=4)
    url = f"/admin/promotions/frameworkimpact/{draft.pk}/change/"
    client.force_login(hero.user)
    assert client.get(url).status_code == 302  # to the admin login
    client.force_login(hr)
    page = client.get(url).content.decode()
    assert "Would stop being eligible (1)" in page
    assert hero.user.email in page
    published = seeded["support-formula"]
    assert (
        client.get(f"/admin/promotions/frameworkimpact/{published.pk}/change/").status_code == 404
    )


def test_a_bad_id_in_the_preview_url_is_404(client, hr):
    client.force_login(hr)
    assert client.get("/admin/promotions/frameworkimpact/abc/change/").status_code == 404
