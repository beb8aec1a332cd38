"""HR's admin: read the frameworks, clone into a draft, publish; published versions stay frozen."""

import pytest
from django.urls import reverse

from frameworks.models import Framework, Level
from people.tests.factories import EmployeeFactory


@pytest.fixture
def hr_client(client, hr):
    client.force_login(hr)
    return client


@pytest.mark.django_db
def test_an_employee_cannot_open_the_admin(client, seeded):
    client.force_login(EmployeeFactory().user)
    response = client.get(reverse("admin:frameworks_framework_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.django_db
def test_hr_sees_every_framework_version(hr_client, seeded):
    page = hr_client.get(reverse("admin:frameworks_framework_changelist")).content.decode()
    assert "Sample Support Career Advancement Formula" in page
    assert "Customer Support Career &amp; Competency Framework" in page


@pytest.mark.django_db
def test_a_published_version_opens_read_only(hr_client, seeded):
    framework = seeded["whatfix-support"]
    url = reverse("admin:frameworks_framework_change", args=[framework.pk])
    response = hr_client.get(url)
    assert response.status_code == 200
    assert b'name="_save"' not in response.content
    assert hr_client.post(url, {"name": "Renamed"}).status_code == 403
    framework.refresh_from_db()
    assert framework.name == "Customer Support Career & Competency Framework"


@pytest.mark.django_db
def test_clone_action_creates_a_draft_that_hr_can_edit(hr_client, seeded):
    framework = seeded["support-formula"]
    response = hr_client.post(
        reverse("admin:frameworks_framework_changelist"),
        {"action": "clone_as_draft", "_selected_action": [framework.pk]},
        follow=True,
    )
    assert "draft version 2 created" in response.content.decode()
    draft = Framework.objects.get(slug="support-formula", version=2)
    change = hr_client.get(reverse("admin:frameworks_framework_change", args=[draft.pk]))
    assert b'name="_save"' in change.content
    level = draft.levels.get(code="superhero")
    level_page = hr_client.get(reverse("admin:frameworks_level_change", args=[level.pk]))
    assert level_page.status_code == 200
    assert b"Participates in strategic initiatives" in level_page.content


@pytest.mark.django_db
def test_publish_asks_to_confirm_on_the_impact_preview_then_moves_people(hr_client, seeded):
    person = EmployeeFactory(level_code="superhero")
    changelist = reverse("admin:frameworks_framework_changelist")
    opened = hr_client.post(
        changelist,
        {"action": "clone_as_draft", "_selected_action": [seeded["support-formula"].pk]},
        follow=True,
    )
    draft = Framework.objects.get(slug="support-formula", version=2)
    assert "draft version 2 created" in opened.content.decode()
    # Again: the same draft opens, no parallel one is made.
    again = hr_client.post(
        changelist,
        {"action": "clone_as_draft", "_selected_action": [seeded["support-formula"].pk]},
        follow=True,
    )
    assert "already has a draft (version 2): it is opened here" in again.content.decode()
    assert Framework.objects.filter(slug="support-formula", status="draft").count() == 1
    asked = hr_client.post(
        changelist, {"action": "publish", "_selected_action": [draft.pk]}, follow=True
    )
    page = asked.content.decode()
    assert "Publish version 2?" in page and "Yes, publish version 2" in page
    draft.refresh_from_db()
    assert draft.status == "draft"  # nothing happens before the confirmation
    preview = reverse("admin:promotions_frameworkimpact_change", args=[draft.pk])
    done = hr_client.post(preview, {"confirm": "publish"}, follow=True)
    assert "version 2 is published" in done.content.decode()
    person.refresh_from_db()
    assert person.level.framework_id == draft.pk


@pytest.mark.django_db
def test_publishing_a_published_version_explains_why_not(hr_client, seeded):
    response = hr_client.post(
        reverse("admin:frameworks_framework_changelist"),
        {"action": "publish", "_selected_action": [seeded["support-formula"].pk]},
        follow=True,
    )
    assert "Choose one draft to publish: its impact preview asks to confirm." in (
        response.content.decode()
    )


@pytest.mark.django_db
def test_an_employee_cannot_publish_from_the_preview(client, seeded):
    from frameworks.services import framework_clone

    draft = framework_clone(framework=seeded["support-formula"], actor=None)
    client.force_login(EmployeeFactory().user)
    url = reverse("admin:promotions_frameworkimpact_change", args=[draft.pk])
    response = client.post(url, {"confirm": "publish"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    draft.refresh_from_db()
    assert draft.status == "draft"


@pytest.mark.django_db
def test_every_page_of_a_draft_says_its_version_and_links_to_the_preview(hr_client, seeded):
    from frameworks.services import framework_clone

    draft = framework_clone(framework=seeded["whatfix-support"], actor=None)
    preview = reverse("admin:promotions_frameworkimpact_change", args=[draft.pk])
    pages = [reverse("admin:frameworks_framework_change", args=[draft.pk])] + [
        reverse("admin:frameworks_level_change", args=[level.pk]) for level in draft.levels.all()
    ]
    for url in pages:
        html = hr_client.get(url).content.decode()
        assert "Customer Support Career &amp; Competency Framework · version 2 · draft" in html
        assert preview in html
    published = hr_client.get(
        reverse("admin:frameworks_framework_change", args=[seeded["whatfix-support"].pk])
    ).content.decode()
    assert "version 1 · published" in published and "Open a draft to edit" in published


@pytest.mark.django_db
def test_a_published_version_cannot_be_deleted_but_a_draft_can(hr_client, seeded):
    from frameworks.services import framework_clone

    framework = seeded["support-formula"]
    response = hr_client.post(reverse("admin:frameworks_framework_delete", args=[framework.pk]))
    assert response.status_code == 403
    assert Framework.objects.filter(pk=framework.pk).exists()
    draft = framework_clone(framework=framework, actor=None)
    response = hr_client.post(reverse("admin:frameworks_framework_discard", args=[draft.pk]))
    assert response.status_code == 302
    assert not Framework.objects.filter(pk=draft.pk).exists()
    hr_client.post(reverse("admin:frameworks_framework_discard", args=[framework.pk]))
    assert Framework.objects.filter(pk=framework.pk, status="published").exists()


@pytest.mark.django_db
def test_assumed_defaults_are_marked_in_the_admin(hr_client, seeded):
    page = hr_client.get(
        reverse("admin:frameworks_requirement_changelist") + "?assumed__exact=1"
    ).content.decode()
    assert "assumed</strong>" in page
    competencies = hr_client.get(reverse("admin:frameworks_competency_changelist"))
    assert b"assumed</strong>" not in competencies.content  # definitions are the document's


@pytest.mark.django_db
def test_level_admin_offers_only_levels_of_the_same_framework(hr_client, seeded):
    level = Level.objects.get(framework=seeded["whatfix-support"], code="S2")
    response = hr_client.get(reverse("admin:frameworks_level_change", args=[level.pk]))
    assert response.status_code == 200  # read-only: published
    form = response.context["adminform"].form
    builds_on = form.fields.get("builds_on")
    if builds_on is not None:
        assert set(builds_on.queryset.values_list("framework_id", flat=True)) == {
            seeded["whatfix-support"].pk
        }


@pytest.mark.django_db
def test_hr_adds_a_level_to_a_draft_only(hr_client, seeded):
    from frameworks.services import framework_clone

    draft = framework_clone(framework=seeded["whatfix-support"], actor=None)
    url = reverse("admin:frameworks_level_add")
    page = hr_client.get(url, {"framework": draft.pk})
    assert page.status_code == 200
    offered = {f.pk for f in page.context["adminform"].form.fields["framework"].queryset}
    assert offered == {draft.pk}  # never a published version
    track = draft.tracks.get(slug="manager")
    response = hr_client.post(
        f"{url}?framework={draft.pk}",
        {"framework": draft.pk, "order": 9, "code": "SL5", "title": "Director", "track": track.pk,
         "rank": 8, "builds_on": draft.levels.get(code="SL4").pk},
    )  # fmt: skip
    assert response.status_code == 302
    assert draft.levels.filter(code="SL5").exists()
    published = hr_client.post(
        url, {"framework": seeded["whatfix-support"].pk, "order": 9, "code": "X", "title": "X",
              "track": track.pk, "rank": 9},
    )  # fmt: skip
    assert "Select a valid choice" in published.content.decode()
    assert not seeded["whatfix-support"].levels.filter(code="X").exists()
