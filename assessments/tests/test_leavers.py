"""Leavers: access ends at once, reporting lines close over them, HR can anonymise them."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from assessments import services
from assessments.models import Evidence
from assessments.tests.factories import EvidenceFactory
from people.selectors import report_ids, reviewable_report_ids
from people.services import employee_leave, employee_return
from people.tests.factories import EmployeeFactory
from promotions.selectors import career_status

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 26)
PASSWORD = "a long unusual passphrase 42"


@pytest.fixture
def line(seeded):
    """skip_level -> manager -> report, and the HR user who marks people as left."""
    from people.roles import roles_ensure
    from people.tests.factories import UserFactory

    skip_level = EmployeeFactory(level_code="senior-superhero")
    manager = EmployeeFactory(level_code="senior-superhero", manager=skip_level)
    report = EmployeeFactory(manager=manager)
    hr = UserFactory(is_staff=True)
    hr.groups.add(roles_ensure())
    return {"skip_level": skip_level, "manager": manager, "report": report, "hr": hr}


def log_in(client, user) -> bool:
    """Log in through the real form; True when it let the person in."""
    user.refresh_from_db()
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    return client.get(reverse("home")).status_code == 200


def test_a_leaver_cannot_log_in_through_the_form(client, line):
    report = line["report"]
    assert log_in(client, report.user)
    client.logout()
    assert employee_leave(employee=report, actor=line["hr"], left_on=TODAY)
    assert not log_in(client, report.user)


def test_a_logged_in_leaver_is_logged_out_at_once(client, line):
    manager = line["manager"]
    assert log_in(client, manager.user)
    assert client.get(reverse("promotions:team")).status_code == 200
    employee_leave(employee=manager, actor=line["hr"], left_on=TODAY)
    response = client.get(reverse("promotions:team"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_departed_managers_reports_go_to_the_next_active_manager_up(line):
    manager, report, skip_level = line["manager"], line["report"], line["skip_level"]
    evidence = EvidenceFactory(employee=report)
    employee_leave(employee=manager, actor=line["hr"], left_on=TODAY)
    manager.refresh_from_db()
    assert report_ids(manager=manager) == set()
    assert reviewable_report_ids(manager=manager) == set()
    assert report_ids(manager=skip_level, direct_only=True) == {report.pk}
    with pytest.raises(PermissionDenied):
        services.evidence_review(evidence=evidence, actor=manager.user, decision="approved")
    services.evidence_review(evidence=evidence, actor=skip_level.user, decision="approved")
    assert Evidence.objects.get(pk=evidence.pk).status == "approved"


def test_the_history_shows_who_marked_the_leaver_and_a_return_restores_access(client, line):
    report = line["report"]
    employee_leave(employee=report, actor=line["hr"], left_on=TODAY)
    report.refresh_from_db()
    assert (report.is_active, report.left_on, report.user.is_active) == (False, TODAY, False)
    last = report.history.first()
    assert (last.is_active, last.history_user) == (False, line["hr"])
    assert not employee_leave(employee=report, actor=line["hr"], left_on=TODAY)  # a no-op
    assert employee_return(employee=report, actor=line["hr"])
    assert report.pk in reviewable_report_ids(manager=line["manager"])
    assert log_in(client, report.user)


def test_nobody_marks_themselves_as_left_or_leaves_before_being_hired(line):
    manager = line["manager"]
    with pytest.raises(PermissionDenied):
        employee_leave(employee=manager, actor=manager.user, left_on=TODAY)
    with pytest.raises(ValidationError):
        employee_leave(employee=manager, actor=line["hr"], left_on=datetime.date(1990, 1, 1))


def test_hr_marks_a_leaver_in_the_admin_and_cannot_tick_the_box(client, line):
    client.force_login(line["hr"])
    report = line["report"]
    page = client.get(reverse("admin:people_employee_change", args=[report.pk]))
    assert 'name="is_active"' not in page.content.decode()  # read-only: the action decides
    client.post(
        reverse("admin:people_employee_changelist"),
        {"action": "mark_left", "_selected_action": [report.pk]},
    )
    report.refresh_from_db()
    assert not report.is_active and not report.user.is_active


def test_hr_anonymises_a_leaver_and_the_counts_stay(line):
    report = line["report"]
    EvidenceFactory(
        employee=report, kind="ticket", category="integration", status="approved",
        title="Fixed ACME Corp's sync for Jane Roe", description="Call with Jane",
    )  # fmt: skip
    before = career_status(employee=report, as_of=TODAY)
    with pytest.raises(ValidationError):
        services.person_anonymise(employee=report, actor=line["hr"])  # still here
    employee_leave(employee=report, actor=line["hr"], left_on=TODAY)
    with pytest.raises(PermissionDenied):
        services.person_anonymise(employee=report, actor=line["manager"].user)
    services.person_anonymise(employee=report, actor=line["hr"])
    report.refresh_from_db()
    assert (report.user.email, report.name) == ("", f"Former employee #{report.pk}")
    assert not report.user.has_usable_password()
    item = report.evidence.get()
    assert (item.title, item.description) == ("(anonymised)", "")
    assert all("Jane" not in (h.title + h.description) for h in item.history.all())
    after = career_status(employee=report, as_of=TODAY)
    have = [r.have for r in before.next_levels[0].results]
    assert [r.have for r in after.next_levels[0].results] == have
    with pytest.raises(ValidationError):
        employee_return(employee=report, actor=line["hr"])


def test_hr_finds_leavers_in_the_admin_and_anonymises_one(client, line):
    report = line["report"]
    employee_leave(employee=report, actor=line["hr"], left_on=TODAY)
    client.force_login(line["hr"])
    changelist = reverse("admin:assessments_leaver_changelist")
    listed = client.get(changelist).context["cl"].result_list
    assert [p.pk for p in listed] == [report.pk]  # leavers only
    client.post(changelist, {"action": "anonymise", "_selected_action": [report.pk]})
    report.refresh_from_db()
    assert report.name == f"Former employee #{report.pk}"


def test_an_hr_leaver_approves_no_promotion_step(line):
    from people.services import employee_leave as leave
    from promotions.models import PromotionCase
    from promotions.services import promotion_decide, promotion_nominate

    report, manager = line["report"], line["manager"]
    hr_person = EmployeeFactory(level_code="senior-superhero", user=line["hr"])
    case = promotion_nominate(
        employee=report, to_level=report.level.next_levels.get(), actor=manager.user,
        justification="Ready", as_of=TODAY,
    )  # fmt: skip
    promotion_decide(case=case, actor=manager.user, approve=True, on=TODAY)
    other_hr = EmployeeFactory(level_code="senior-superhero")
    leave(employee=hr_person, actor=other_hr.user, left_on=TODAY)
    line["hr"].refresh_from_db()
    with pytest.raises(PermissionDenied, match="Someone who has left decides nothing."):
        promotion_decide(case=case, actor=line["hr"], approve=True, on=TODAY)
    assert PromotionCase.objects.get(pk=case.pk).status == "open"


# --- separation of duties (issue 10, item 2, in part) -------------------------------------


def _case(line):
    from promotions.services import promotion_nominate

    report = line["report"]
    return promotion_nominate(
        employee=report, to_level=report.level.next_levels.get(),
        actor=line["manager"].user, justification="Ready", as_of=TODAY,
    )  # fmt: skip


def test_a_manager_who_is_also_hr_takes_one_step_of_a_case_not_both(line):
    from people.roles import roles_ensure
    from promotions.services import promotion_decide

    manager = line["manager"]
    manager.user.groups.add(roles_ensure())  # in both roles
    case = _case(line)
    promotion_decide(case=case, actor=manager.user, approve=True, on=TODAY)
    with pytest.raises(PermissionDenied, match="already taken a step of this case"):
        promotion_decide(case=case, actor=manager.user, approve=True, on=TODAY)
    promotion_decide(case=case, actor=line["hr"], approve=True, on=TODAY)
    case.refresh_from_db()
    assert case.status == "approved"


def test_a_nominator_takes_a_step_only_where_the_step_allows_it(line):
    from promotions.models import ApprovalStep
    from promotions.services import promotion_decide

    ApprovalStep.objects.filter(framework_slug="support-formula", role="manager").update(
        nominator_may_decide=False
    )
    case = _case(line)
    with pytest.raises(PermissionDenied, match="You nominated this case"):
        promotion_decide(case=case, actor=line["manager"].user, approve=True, on=TODAY)
    promotion_decide(case=case, actor=line["skip_level"].user, approve=True, on=TODAY)
    assert case.approvals.count() == 1


def test_a_published_proficiency_scale_is_read_only_in_the_admin(client, line, seeded):
    client.force_login(line["hr"])
    level = seeded["whatfix-support"].proficiency_levels.get(slug="advanced")
    url = reverse("admin:frameworks_proficiencylevel_change", args=[level.pk])
    client.post(url, {"framework": level.framework_id, "slug": "expert", "name": "Expert",
                      "rank": 9, "description": ""})  # fmt: skip
    level.refresh_from_db()
    assert (level.slug, level.rank) == ("advanced", 3)
