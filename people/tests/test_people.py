"""Employees, reporting lines and the demo organisation."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from people.models import Employee
from people.selectors import report_ids, reports_list
from people.services import employee_level_change
from people.tests.factories import EmployeeFactory


@pytest.fixture
def org(seeded):
    """boss -> manager -> report; outsider elsewhere."""
    boss = EmployeeFactory(level_code="senior-superhero")
    manager = EmployeeFactory(level_code="superhero", manager=boss)
    report = EmployeeFactory(manager=manager)
    outsider = EmployeeFactory()
    return {"boss": boss, "manager": manager, "report": report, "outsider": outsider}


@pytest.mark.django_db
def test_reports_include_indirect_ones_unless_asked_for_direct_only(org):
    boss, manager, report = org["boss"], org["manager"], org["report"]
    assert report_ids(manager=boss) == {manager.pk, report.pk}
    assert report_ids(manager=boss, direct_only=True) == {manager.pk}
    assert report_ids(manager=report) == set()
    assert org["outsider"].pk not in report_ids(manager=boss)


def _build_chain(length: int, top: Employee) -> None:
    boss = top
    for _ in range(length):
        boss = EmployeeFactory(manager=boss)


@pytest.mark.django_db
@pytest.mark.parametrize("size", [3, 30])
def test_reports_list_runs_a_constant_number_of_queries(seeded, size, django_assert_num_queries):
    top = EmployeeFactory(level_code="senior-superhero")
    _build_chain(size, top)
    # 1: the reporting lines (id, manager_id); 2: the reports with user, level, track, framework.
    with django_assert_num_queries(2):
        people = list(reports_list(manager=top))
        [(p.name, p.level.track.name, p.framework.slug, p.manager.name) for p in people]
    assert len(people) == size


@pytest.mark.django_db
def test_a_manager_loop_is_refused(org):
    boss = org["boss"]
    boss.manager = org["report"]
    with pytest.raises(ValidationError) as info:
        boss.full_clean()
    assert info.value.message_dict["manager"] == [
        "This manager reports to this person: that makes a loop."
    ]


@pytest.mark.django_db
def test_a_level_of_another_framework_is_refused(seeded):
    person = EmployeeFactory.build(
        user=EmployeeFactory().user,
        level=seeded["whatfix-support"].levels.get(code="S1"),
        framework=seeded["support-formula"],
    )
    with pytest.raises(ValidationError) as info:
        person.full_clean()
    assert "another framework" in info.value.message_dict["level"][0]


@pytest.mark.django_db
def test_level_since_before_hire_date_is_refused(seeded):
    person = EmployeeFactory.build(
        user=EmployeeFactory().user,
        level=seeded["support-formula"].levels.get(code="hero"),
        framework=seeded["support-formula"],
        hire_date=datetime.date(2025, 1, 1),
        level_since=datetime.date(2024, 1, 1),
    )
    with pytest.raises(ValidationError, match="cannot be before the hire date"):
        person.full_clean()


@pytest.mark.django_db
def test_level_change_is_recorded_and_a_repeat_is_a_no_op(org):
    report = org["report"]
    superhero = report.framework.levels.get(code="superhero")
    entry = employee_level_change(
        employee=report,
        level=superhero,
        changed_on=datetime.date(2026, 11, 1),
        actor=org["manager"].user,
        reason="Promoted",
    )
    report.refresh_from_db()
    assert (report.level, report.level_since) == (superhero, datetime.date(2026, 11, 1))
    assert (entry.from_level.code, entry.to_level.code, entry.reason) == (
        "hero",
        "superhero",
        "Promoted",
    )
    assert (
        employee_level_change(
            employee=report,
            level=superhero,
            changed_on=datetime.date(2026, 11, 2),
            actor=org["manager"].user,
            reason="Promoted again",
        )
        is None
    )
    assert report.level_history.count() == 1


@pytest.mark.django_db
def test_demo_organisation_has_hr_two_managers_and_a_dozen_people_and_is_idempotent(
    seeded, settings
):
    settings.DEBUG = True  # the embedded mode, where `make run` seeds the demo
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=io.StringIO())
    assert Employee.objects.count() == 13
    assert set(Employee.objects.values_list("framework__slug", flat=True)) == {
        "support-formula",
        "whatfix-support",
    }
    managers = Employee.objects.filter(reports__isnull=False).distinct()
    assert {m.email for m in managers} >= {"maya.lead@example.com", "sam.manager@example.com"}
    printed = out.getvalue()
    assert "hr@example.com" in printed and "careerpath-demo" in printed
    assert "intern@example.com" in printed


@pytest.mark.django_db
def test_the_demo_refuses_to_create_known_passwords_with_debug_off(seeded, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError) as info:
        call_command("seed_demo", stdout=io.StringIO())
    assert "DEBUG is off: this looks like production" in str(info.value)
    assert not Employee.objects.exists()
    call_command("seed_demo", "--i-know-this-is-not-production", stdout=io.StringIO())
    assert Employee.objects.filter(user__email="maya.lead@example.com").exists()


@pytest.mark.django_db
def test_the_first_hr_account_is_made_with_a_command(seeded, monkeypatch):
    from django.contrib.auth import get_user_model

    from people.roles import user_is_hr

    monkeypatch.setattr("sys.stdin", io.StringIO("a long unusual passphrase 42\n"))
    out = io.StringIO()
    call_command("create_hr_account", "Hana@Example.com", "--password-stdin", stdout=out)
    user = get_user_model().objects.get(username="hana@example.com")
    assert user.is_staff and not user.is_superuser and user_is_hr(user)
    assert user.check_password("a long unusual passphrase 42")
    monkeypatch.setattr("sys.stdin", io.StringIO("123\n"))
    with pytest.raises(CommandError, match="too short"):
        call_command("create_hr_account", "x@example.com", "--password-stdin")
    assert not get_user_model().objects.filter(username="x@example.com").exists()


@pytest.mark.django_db
def test_the_subtree_query_rolls_up_over_leavers_keeps_direct_only_and_ends_on_a_loop(seeded):
    """report_ids / reviewable_report_ids read one manager's subtree with a recursive query:
    two leavers in a row are walked through (their reports report directly to the next
    active manager up), a direct-only framework keeps indirect reports out of review, and a
    loop in the lines (written past the model's checks) does not hang."""
    from frameworks.models import Framework
    from people.selectors import reviewable_report_ids

    top = EmployeeFactory(level_code="senior-superhero")
    gone_1 = EmployeeFactory(level_code="superhero", manager=top, is_active=False)
    gone_2 = EmployeeFactory(level_code="superhero", manager=gone_1, is_active=False)
    lead = EmployeeFactory(level_code="superhero", manager=gone_2)
    member = EmployeeFactory(manager=lead)
    assert report_ids(manager=top) == {lead.pk, member.pk}
    assert report_ids(manager=top, direct_only=True) == {lead.pk}
    assert reviewable_report_ids(manager=top) == {lead.pk, member.pk}
    framework = Framework.objects.get(pk=member.framework_id)
    framework.direct_manager_review_only = True
    framework.save(update_fields=["direct_manager_review_only"])
    assert reviewable_report_ids(manager=top) == {lead.pk}
    assert reviewable_report_ids(manager=lead) == {member.pk}
    Employee.objects.filter(pk=top.pk).update(manager=member)  # a loop
    # The walk ends, and nobody is their own report: top is not below top.
    assert report_ids(manager=top) == {lead.pk, member.pk}
    assert reviewable_report_ids(manager=top) == {lead.pk}
    assert report_ids(manager=member) == {top.pk, lead.pk}  # member -> top -> (leavers) -> lead
    assert report_ids(manager=member, direct_only=True) == {top.pk}
    from promotions.reports import ReportFilters, _people_q

    below_member = Employee.objects.filter(_people_q(ReportFilters(manager=member.pk)))
    assert set(below_member.values_list("pk", flat=True)) == {top.pk, gone_1.pk, gone_2.pk, lead.pk}
