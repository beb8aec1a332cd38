"""Separation of duties in the admin and one place that decides who may see or do what.

HR in these tests is also an employee (on a framework, with a manager), as in a real
support organisation: nobody changes their own level, manager or evidence status.
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from assessments.models import CompetencyRating, Evidence, MonthlyMetric
from assessments.selectors import evidence_visible_to
from assessments.services import evidence_review, rating_record
from assessments.tests.factories import EvidenceFactory
from frameworks.models import MetricDefinition, Requirement
from frameworks.services import framework_clone, framework_draft_open, framework_publish
from people.models import Employee, LevelHistory
from people.roles import roles_ensure, user_is_hr
from people.selectors import employee_reviewable_by, employee_visible_to
from people.services import employee_leave, employee_level_change
from people.tests.factories import EmployeeFactory, UserFactory
from promotions.selectors import promotion_case_list
from promotions.services import promotion_nominate

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def org(seeded):
    """boss -> lead -> {hero, peer}; hr_person is HR and an employee under boss; an
    unrelated manager with a report of their own."""
    boss = EmployeeFactory(level_code="senior-superhero")
    lead = EmployeeFactory(level_code="senior-superhero", manager=boss)
    hero = EmployeeFactory(manager=lead, hire_date=datetime.date(2023, 1, 1),
                           level_since=datetime.date(2023, 1, 1))  # fmt: skip
    peer = EmployeeFactory(manager=lead)
    other_manager = EmployeeFactory(level_code="senior-superhero")
    EmployeeFactory(manager=other_manager)
    hr_user = UserFactory(is_staff=True)
    hr_user.groups.add(roles_ensure())
    hr_person = EmployeeFactory(user=hr_user, manager=boss, level_code="superhero")
    return {
        "boss": boss, "lead": lead, "hero": hero, "peer": peer, "other": other_manager,
        "hr": hr_person,
    }  # fmt: skip


def change_form_data(employee: Employee, **overrides) -> dict:
    data = {
        "user": employee.user_id,
        "manager": employee.manager_id or "",
        "framework": employee.framework_id,
        "level": employee.level_id,
        "hire_date": employee.hire_date.isoformat(),
        "level_since": employee.level_since.isoformat(),
        "team": employee.team,
        "region": employee.region,
        "level_history-TOTAL_FORMS": "0",
        "level_history-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


# --- the admin: nobody changes their own record ---------------------------------------


def test_hr_cannot_change_their_own_level_or_manager_in_the_admin(client, org):
    me = org["hr"]
    client.force_login(me.user)
    url = reverse("admin:people_employee_change", args=[me.pk])
    page = client.get(url)
    assert page.status_code == 200  # they may see it ...
    assert 'name="_save"' not in page.content.decode()  # ... but not save it
    top = me.framework.levels.get(code="senior-superhero")
    response = client.post(url, change_form_data(me, level=top.pk, manager=""))
    assert response.status_code == 403
    me.refresh_from_db()
    assert (me.level.code, me.manager) == ("superhero", org["boss"])
    assert not LevelHistory.objects.filter(employee=me).exists()
    level_page = client.get(reverse("admin:people_employee_level", args=[me.pk]))
    assert level_page.status_code == 403


def test_hr_cannot_place_themselves_on_a_framework(client, seeded):
    hr_user = UserFactory(is_staff=True)
    hr_user.groups.add(roles_ensure())
    client.force_login(hr_user)
    framework = seeded["support-formula"]
    top = framework.levels.get(code="senior-superhero")
    response = client.post(
        reverse("admin:people_employee_add"),
        {"user": hr_user.pk, "framework": framework.pk, "level": top.pk,
         "hire_date": "2020-01-01", "level_since": "2020-01-01",
         "level_history-TOTAL_FORMS": "0", "level_history-INITIAL_FORMS": "0"},
    )  # fmt: skip
    assert response.status_code == 200  # the form again, with the refusal
    assert not Employee.objects.filter(user=hr_user).exists()


def test_a_level_change_in_the_admin_is_recorded_with_who_and_why(client, org):
    hero = org["hero"]
    client.force_login(org["hr"].user)
    change_url = reverse("admin:people_employee_change", args=[hero.pk])
    # The edit form does not change the level: the field is read-only there.
    superhero = hero.framework.levels.get(code="superhero")
    client.post(change_url, change_form_data(hero, level=superhero.pk, team="Payments"))
    hero.refresh_from_db()
    assert (hero.level.code, hero.team) == ("hero", "Payments")

    url = reverse("admin:people_employee_level", args=[hero.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Record the level change" in page.content.decode()
    refused = client.post(url, {"level": superhero.pk, "changed_on": TODAY.isoformat()})
    assert refused.status_code == 200 and "This field is required" in refused.content.decode()
    hero.refresh_from_db()
    assert hero.level.code == "hero"

    response = client.post(
        url,
        {"level": superhero.pk, "changed_on": TODAY.isoformat(),
         "reason": "Correction: promoted before CareerPath"},
    )  # fmt: skip
    assert response.status_code == 302
    hero.refresh_from_db()
    assert (hero.level.code, hero.level_since) == ("superhero", TODAY)
    entry = LevelHistory.objects.get(employee=hero)
    assert (entry.from_level.code, entry.to_level.code, entry.changed_by, entry.reason) == (
        "hero", "superhero", org["hr"].user, "Correction: promoted before CareerPath",
    )  # fmt: skip


def test_nobody_changes_their_own_level_through_the_service(org):
    me = org["hr"]
    with pytest.raises(PermissionDenied):
        employee_level_change(
            employee=me, level=me.framework.levels.get(code="senior-superhero"),
            changed_on=TODAY, actor=me.user, reason="I deserve it",
        )  # fmt: skip
    me.refresh_from_db()
    assert me.level.code == "superhero"


def test_hr_cannot_approve_their_own_evidence_in_the_admin(client, org):
    mine = EvidenceFactory(employee=org["hr"], status=Evidence.Status.SUBMITTED)
    theirs = EvidenceFactory(employee=org["hero"], status=Evidence.Status.SUBMITTED)
    client.force_login(org["hr"].user)
    own = client.get(reverse("admin:assessments_evidence_change", args=[mine.pk]))
    assert own.status_code == 200 and 'name="_save"' not in own.content.decode()
    assert (
        client.post(
            reverse("admin:assessments_evidence_change", args=[mine.pk]), {"status": "approved"}
        ).status_code
        == 403
    )
    # On someone else's item the status is not a field: only a review decides it.
    page = client.get(reverse("admin:assessments_evidence_change", args=[theirs.pk]))
    assert 'name="status"' not in page.content.decode()
    mine.refresh_from_db()
    assert mine.status == Evidence.Status.SUBMITTED
    assert not mine.reviews.exists()


def test_ratings_and_confirmations_are_read_only_in_the_admin(client, org):
    lead = EmployeeFactory(framework_slug="whatfix-support", level_code="SL1")
    engineer = EmployeeFactory(framework_slug="whatfix-support", level_code="S1", manager=lead)
    competency = engineer.framework.competencies.first()
    proficiency = engineer.framework.proficiency_levels.order_by("-rank").first()
    rating = rating_record(
        employee=engineer, actor=lead.user, competency=competency,
        proficiency=proficiency, period="2026-H2", rated_on=TODAY,
    )  # fmt: skip
    client.force_login(org["hr"].user)
    assert client.get(reverse("admin:assessments_competencyrating_add")).status_code == 403
    url = reverse("admin:assessments_competencyrating_change", args=[rating.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"proficiency": proficiency.pk}).status_code == 403
    assert client.get(reverse("admin:assessments_attestation_add")).status_code == 403
    assert CompetencyRating.objects.get(pk=rating.pk).rated_by == lead.user


def test_hr_cannot_record_their_own_metric_figures(client, org):
    slug = MetricDefinition.objects.values_list("slug", flat=True).first()
    client.force_login(org["hr"].user)
    response = client.post(
        reverse("admin:assessments_monthlymetric_add"),
        {"employee": org["hr"].pk, "metric": slug, "period": "2026-10-01", "value": "150"},
    )
    assert response.status_code == 200  # the form again
    assert not MonthlyMetric.objects.filter(employee=org["hr"]).exists()
    client.post(
        reverse("admin:assessments_monthlymetric_add"),
        {"employee": org["hero"].pk, "metric": slug, "period": "2026-10-01", "value": "150"},
    )
    assert MonthlyMetric.objects.filter(employee=org["hero"]).exists()


def test_a_metric_that_published_bars_read_keeps_its_meaning(client, org):
    used = Requirement.objects.filter(
        metric__gt="", level__framework__status="published"
    ).values_list("metric", flat=True)
    metric = MetricDefinition.objects.get(slug=used[0])
    client.force_login(org["hr"].user)
    page = client.get(reverse("admin:frameworks_metricdefinition_change", args=[metric.pk]))
    html = page.content.decode()
    assert 'name="name"' in html  # the wording may improve
    assert 'name="direction"' not in html and 'name="aggregation"' not in html


# --- services take the acting user and refuse those who may not ------------------------


def test_only_hr_changes_frameworks(org, seeded):
    manager = org["lead"].user
    with pytest.raises(PermissionDenied):
        framework_draft_open(framework=seeded["support-formula"], actor=manager)
    draft = framework_clone(framework=seeded["support-formula"], actor=org["hr"].user)
    with pytest.raises(PermissionDenied):
        framework_publish(framework=draft, actor=manager)
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert framework_publish(framework=draft, actor=org["hr"].user).status == "published"


def test_hr_powers_end_when_hr_leaves(org):
    hr_user, hero = org["hr"].user, org["hero"]
    promotion_nominate(
        employee=hero, to_level=hero.level.next_levels.get(), actor=org["lead"].user,
        justification="Ready", as_of=TODAY,
    )  # fmt: skip
    assert user_is_hr(hr_user) and promotion_case_list(user=hr_user).count() == 1
    employee_leave(employee=org["hr"], actor=org["boss"].user, left_on=TODAY)
    hr_user.refresh_from_db()
    assert not user_is_hr(hr_user)
    assert not employee_visible_to(user=hr_user, employee=hero)
    assert promotion_case_list(user=hr_user).count() == 0


# --- one place decides: the same answers for pages, admin and API ----------------------


@pytest.mark.parametrize(
    ("viewer", "sees", "acts"),
    [
        ("hero", True, False),  # themselves: see, never review
        ("peer", False, False),
        ("lead", True, True),
        ("boss", True, True),  # a skip-level manager reviews unless the framework says not
        ("other", False, False),
        ("hr", True, False),  # HR sees everyone, reviews only their own reports
    ],
)
def test_who_sees_and_who_acts_on_a_person(org, viewer, sees, acts):
    hero = org["hero"]
    assert employee_visible_to(user=org[viewer].user, employee=hero) is sees
    assert employee_reviewable_by(reviewer=org[viewer], employee=hero) is acts
    item = EvidenceFactory(employee=hero, status=Evidence.Status.SUBMITTED)
    assert evidence_visible_to(user=org[viewer].user, evidence=item) is sees


def test_a_case_is_listed_for_the_person_their_managers_and_hr_only(org):
    hero = org["hero"]
    case = promotion_nominate(
        employee=hero, to_level=hero.level.next_levels.get(), actor=org["lead"].user,
        justification="Ready", as_of=TODAY,
    )  # fmt: skip
    for viewer, listed in [("hero", True), ("lead", True), ("boss", True), ("hr", True),
                           ("peer", False), ("other", False)]:  # fmt: skip
        assert promotion_case_list(user=org[viewer].user).filter(pk=case.pk).exists() is listed


def test_a_manager_who_left_reviews_nothing_even_through_the_service(org):
    item = EvidenceFactory(employee=org["hero"], status=Evidence.Status.SUBMITTED)
    employee_leave(employee=org["lead"], actor=org["hr"].user, left_on=TODAY)
    org["lead"].user.refresh_from_db()
    with pytest.raises(PermissionDenied):
        evidence_review(evidence=item, actor=org["lead"].user, decision="approved")
    item.refresh_from_db()
    assert item.status == Evidence.Status.SUBMITTED


def test_hr_cannot_set_a_managers_password_to_act_as_them(client, org):
    lead = org["lead"].user
    before = lead.password
    client.force_login(org["hr"].user)
    url = reverse("admin:auth_user_password_change", args=[lead.pk])
    assert client.get(url).status_code == 403
    response = client.post(url, {"password1": "Another long passphrase 42",
                                 "password2": "Another long passphrase 42"})  # fmt: skip
    assert response.status_code == 403
    lead.refresh_from_db()
    assert lead.password == before


def test_hr_cannot_take_over_an_account_or_hand_out_powers(client, org):
    lead = org["lead"].user
    client.force_login(org["hr"].user)
    url = reverse("admin:auth_user_change", args=[lead.pk])
    html = client.get(url).content.decode()
    for field in ("email", "username", "groups", "is_staff", "is_active"):
        assert f'name="{field}"' not in html, field
    client.post(url, {"username": "hr-inbox@example.com", "email": "hr-inbox@example.com",
                      "first_name": "Lee", "last_name": "Lead", "is_staff": "on",
                      "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00"})  # fmt: skip
    lead.refresh_from_db()
    assert lead.email != "hr-inbox@example.com" and not lead.is_staff
    assert lead.first_name == "Lee"  # names HR may correct


def test_an_account_hr_adds_has_no_password_anyone_knows(client, org):
    client.force_login(org["hr"].user)
    page = client.get(reverse("admin:auth_user_add")).content.decode()
    assert 'name="password1"' not in page
    response = client.post(
        reverse("admin:auth_user_add"),
        {"username": "new@example.com", "email": "new@example.com", "first_name": "New",
         "last_name": "Hire", "password1": "known passphrase 42",
         "password2": "known passphrase 42"},
    )  # fmt: skip
    assert response.status_code == 302
    from django.contrib.auth import get_user_model

    new = get_user_model().objects.get(username="new@example.com")
    assert not new.has_usable_password()  # they set one with "Forgot your password?"


def test_nobody_changes_the_records_of_those_above_them(client, org):
    boss = org["boss"]  # HR's manager
    client.force_login(org["hr"].user)
    url = reverse("admin:people_employee_change", args=[boss.pk])
    puppet = org["other"]
    response = client.post(url, change_form_data(boss, manager=puppet.pk))
    assert response.status_code == 403
    boss.refresh_from_db()
    assert boss.manager is None
    assert client.get(reverse("admin:people_employee_level", args=[boss.pk])).status_code == 403
    # Someone outside their line is HR's to change.
    peer = org["peer"]
    assert client.post(reverse("admin:people_employee_change", args=[peer.pk]),
                       change_form_data(peer, team="Payments")).status_code == 302  # fmt: skip
