"""Clone a published framework into a draft, publish it, move everyone across atomically."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from frameworks.models import Framework, RequiredProficiency, Requirement
from frameworks.services import framework_clone, framework_draft_discard, framework_publish
from people.models import Employee
from people.tests.factories import EmployeeFactory


@pytest.mark.django_db
def test_clone_creates_a_draft_with_the_same_content(seeded):
    published = seeded["whatfix-support"]
    draft = framework_clone(framework=published, actor=None)
    assert (draft.slug, draft.version, draft.status) == ("whatfix-support", 2, "draft")
    assert draft.levels.count() == published.levels.count() == 8
    assert Requirement.objects.filter(level__framework=draft).count() == (
        Requirement.objects.filter(level__framework=published).count()
    )
    assert published.status == "published"


@pytest.mark.django_db
def test_publish_archives_the_previous_version_and_moves_everyone_to_the_same_code(seeded):
    v1 = seeded["support-formula"]
    hero = EmployeeFactory(level_code="hero")
    superhero = EmployeeFactory(level_code="superhero")
    draft = framework_clone(framework=v1, actor=None)

    framework_publish(framework=draft, actor=None)

    v1.refresh_from_db()
    draft.refresh_from_db()
    assert (v1.status, draft.status) == ("archived", "published")
    assert draft.published_at is not None
    for employee, code in ((hero, "hero"), (superhero, "superhero")):
        employee.refresh_from_db()
        assert employee.framework == draft
        assert (employee.level.framework, employee.level.code) == (draft, code)


@pytest.mark.django_db
def test_publish_keeps_the_level_since_date(seeded):
    person = EmployeeFactory(level_code="superhero", level_since=datetime.date(2025, 3, 1))
    draft = framework_clone(framework=seeded["support-formula"], actor=None)
    framework_publish(framework=draft, actor=None)
    person.refresh_from_db()
    assert person.level_since == datetime.date(2025, 3, 1)


@pytest.mark.django_db
def test_publish_refuses_when_someone_sits_at_a_level_the_draft_lacks(seeded):
    v1 = seeded["support-formula"]
    person = EmployeeFactory(level_code="senior-superhero")
    draft = framework_clone(framework=v1, actor=None)
    draft.levels.filter(code="senior-superhero").delete()

    with pytest.raises(ValidationError, match="level\\(s\\) senior-superhero, which this version"):
        framework_publish(framework=draft, actor=None)

    v1.refresh_from_db()
    draft.refresh_from_db()
    person.refresh_from_db()
    assert (v1.status, draft.status) == ("published", "draft")
    assert person.framework == v1


@pytest.mark.django_db
def test_only_a_draft_can_be_published(seeded):
    with pytest.raises(
        ValidationError, match="Only a draft can be published; version 1 is published"
    ):
        framework_publish(framework=seeded["support-formula"], actor=None)


@pytest.mark.django_db
def test_archived_versions_are_kept_with_their_rules(seeded):
    v1 = seeded["support-formula"]
    draft = framework_clone(framework=v1, actor=None)
    draft_bar = Requirement.objects.get(
        level__framework=draft, level__code="superhero", kind="tenure"
    )
    draft_bar.months = 30
    draft_bar.save()
    framework_publish(framework=draft, actor=None)

    assert Framework.objects.filter(slug="support-formula").count() == 2
    old_bar = Requirement.objects.get(level__framework=v1, level__code="superhero", kind="tenure")
    assert old_bar.months == 24
    assert Employee.objects.filter(framework=v1).count() == 0


@pytest.mark.django_db
def test_publishing_refuses_a_proficiency_that_falls_along_builds_on(seeded):
    draft = framework_clone(framework=seeded["whatfix-support"], actor=None)
    intermediate = draft.proficiency_levels.get(slug="intermediate")
    RequiredProficiency.objects.filter(
        level__framework=draft, level__code="SL1", competency__slug="drive-for-results"
    ).update(proficiency=intermediate)
    with pytest.raises(ValidationError) as info:
        framework_publish(framework=draft, actor=None)
    assert info.value.messages == [
        "levels[SL1].required_proficiencies[drive-for-results]: Intermediate is below the "
        "Advanced that S3, which it builds on, requires; required proficiency never falls "
        "along builds_on."
    ]
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert Framework.objects.get(slug="whatfix-support", status="published").version == 1


@pytest.mark.django_db
def test_publishing_refuses_a_group_with_fewer_options_than_it_asks_for(seeded, hr, client):
    draft = framework_clone(framework=seeded["whatfix-support"], actor=None)
    s1 = draft.levels.get(code="S1")
    Requirement.objects.create(level=s1, kind="group", code="skills", count=2)
    with pytest.raises(ValidationError) as info:
        framework_publish(framework=draft, actor=None)
    assert info.value.messages == [
        "levels[S1]: the group “skills” asks for any 2 of 0 option(s); a group needs at least "
        "as many options as it asks for."
    ]
    # A version published before this check existed: opening a draft says why it cannot.
    published = seeded["whatfix-support"]
    Requirement.objects.create(
        level=published.levels.get(code="S1"), kind="group", code="old", count=2
    )
    framework_draft_discard(framework=draft, actor=None)
    client.force_login(hr)
    response = client.post(
        "/admin/frameworks/framework/",
        {"action": "clone_as_draft", "_selected_action": [published.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "not cloned" in response.content.decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_hr_clicks_at_once_open_one_draft(seeded):
    import threading

    from django.db import connection

    from frameworks.services import framework_draft_open

    published = seeded["whatfix-support"]
    barrier = threading.Barrier(2)
    outcomes = []

    def open_draft():
        try:
            barrier.wait()
            draft, created = framework_draft_open(framework=published, actor=None)
            outcomes.append((draft.version, created))
        finally:
            connection.close()

    threads = [threading.Thread(target=open_draft) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == [(2, False), (2, True)]
    assert Framework.objects.filter(slug="whatfix-support", status="draft").count() == 1


@pytest.mark.django_db
def test_a_draft_from_an_archived_version_starts_from_the_published_one(seeded):
    from frameworks.services import framework_draft_open

    draft = framework_clone(framework=seeded["support-formula"], actor=None)
    Requirement.objects.filter(level__framework=draft, months=24).update(months=30)
    framework_publish(framework=draft, actor=None)
    archived = Framework.objects.get(slug="support-formula", version=1)
    assert archived.status == "archived"
    new_draft, created = framework_draft_open(framework=archived, actor=None)
    assert (new_draft.version, created) == (3, True)
    assert Requirement.objects.filter(level__framework=new_draft, months=30).exists()


@pytest.mark.django_db
def test_a_draft_someones_data_refers_to_is_not_thrown_away(seeded):
    from assessments.models import CompetencyRating
    from frameworks.services import framework_draft_discard

    draft = framework_clone(framework=seeded["whatfix-support"], actor=None)
    person = EmployeeFactory(framework_slug="whatfix-support", level_code="S1")
    CompetencyRating.objects.create(
        employee=person, competency=draft.competencies.first(), source="manager",
        proficiency=draft.proficiency_levels.first(), period="2026-H2",
        rated_on=datetime.date(2026, 10, 1), rated_by=person.user,
    )  # fmt: skip
    with pytest.raises(ValidationError) as info:
        framework_draft_discard(framework=draft, actor=None)
    assert info.value.messages[0].startswith("Draft version 2 cannot be thrown away: ")
    assert Framework.objects.filter(pk=draft.pk).exists()
