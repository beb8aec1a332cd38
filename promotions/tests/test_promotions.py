"""Nominate, approve in steps, change the level once; nobody approves their own promotion."""

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse

from people.models import LevelHistory
from people.roles import roles_ensure
from people.tests.factories import EmployeeFactory, UserFactory
from promotions.models import Notification, PromotionCase
from promotions.selectors import career_status
from promotions.services import promotion_decide, promotion_nominate
from promotions.tests.test_sweep import make_ready_hero

AS_OF = datetime.date(2026, 11, 23)


@pytest.fixture
def people(seeded):
    lead = EmployeeFactory(level_code="senior-superhero")
    hero = make_ready_hero(manager=lead)
    hr = UserFactory(is_staff=True)
    hr.groups.add(roles_ensure())
    return {"lead": lead, "hero": hero, "hr": hr, "outsider": EmployeeFactory()}


def superhero_of(hero):
    return hero.framework.levels.get(code="superhero")


def nominate(people, **kwargs):
    return promotion_nominate(
        employee=people["hero"],
        to_level=superhero_of(people["hero"]),
        actor=people["lead"].user,
        as_of=AS_OF,
        **kwargs,
    )


@pytest.mark.django_db
def test_manager_then_hr_approve_and_the_level_and_wfh_change(people):
    hero = people["hero"]
    case = nominate(people)
    assert case.snapshot["next"][0]["eligible"] is True
    assert case.framework == hero.framework  # the version it was judged against
    promotion_decide(case=case, actor=people["lead"].user, approve=True, on=AS_OF)
    hero.refresh_from_db()
    assert hero.level.code == "hero"  # HR has not confirmed yet
    promotion_decide(case=case, actor=people["hr"], approve=True, comment="Vacancy ok", on=AS_OF)
    case.refresh_from_db()
    hero.refresh_from_db()
    assert case.status == "approved"
    assert (hero.level.code, hero.level_since) == ("superhero", AS_OF)
    history = LevelHistory.objects.get(employee=hero)
    assert (history.from_level.code, history.to_level.code, history.changed_by) == (
        "hero",
        "superhero",
        people["hr"],
    )
    assert career_status(employee=hero, as_of=AS_OF).wfh_days_per_month == 4
    assert Notification.objects.filter(recipient=hero.user, kind="promotion_decided").exists()


@pytest.mark.django_db
def test_the_steps_are_taken_in_order_by_the_right_role(people):
    case = nominate(people)
    with pytest.raises(PermissionDenied, match="is for a manager of"):
        promotion_decide(case=case, actor=people["hr"], approve=True, on=AS_OF)
    promotion_decide(case=case, actor=people["lead"].user, approve=True, on=AS_OF)
    with pytest.raises(PermissionDenied, match="is for HR"):
        promotion_decide(case=case, actor=people["lead"].user, approve=True, on=AS_OF)


@pytest.mark.django_db
def test_nobody_approves_their_own_promotion(people):
    people["hero"].user.groups.add(roles_ensure())  # even an HR member
    case = nominate(people)
    with pytest.raises(PermissionDenied, match="Nobody approves their own promotion"):
        promotion_decide(case=case, actor=people["hero"].user, approve=True, on=AS_OF)


@pytest.mark.django_db
def test_a_rejection_keeps_the_case_with_its_reason(people):
    case = nominate(people)
    with pytest.raises(ValidationError, match="Say why"):
        promotion_decide(case=case, actor=people["lead"].user, approve=False, on=AS_OF)
    promotion_decide(
        case=case, actor=people["lead"].user, approve=False, comment="Not yet", on=AS_OF
    )
    case.refresh_from_db()
    people["hero"].refresh_from_db()
    assert (case.status, case.decision_reason) == ("rejected", "Not yet")
    assert people["hero"].level.code == "hero"


@pytest.mark.django_db
def test_an_outsider_cannot_nominate_and_one_open_case_per_level(people):
    with pytest.raises(PermissionDenied):
        promotion_nominate(
            employee=people["hero"], to_level=superhero_of(people["hero"]),
            actor=people["outsider"].user, as_of=AS_OF,
        )  # fmt: skip
    nominate(people)
    with pytest.raises(ValidationError, match="already has an open case"):
        nominate(people)


@pytest.mark.django_db
def test_an_unmet_requirement_needs_a_justification(seeded):
    lead = EmployeeFactory(level_code="senior-superhero")
    hero = EmployeeFactory(manager=lead)
    kwargs = {"employee": hero, "to_level": superhero_of(hero), "actor": lead.user,
              "as_of": AS_OF}  # fmt: skip
    with pytest.raises(ValidationError, match="add a justification"):
        promotion_nominate(**kwargs)
    case = promotion_nominate(justification="Covers for the lead every week", **kwargs)
    assert case.snapshot["next"][0]["eligible"] is False


@pytest.mark.django_db
def test_only_a_next_level_can_be_nominated(people):
    top = people["hero"].framework.levels.get(code="senior-superhero")
    with pytest.raises(ValidationError, match="is not a next level"):
        promotion_nominate(
            employee=people["hero"], to_level=top, actor=people["lead"].user, as_of=AS_OF
        )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_racing_approvals_promote_once(seeded):
    lead = EmployeeFactory(level_code="senior-superhero")
    hero = make_ready_hero(manager=lead)
    hr_group = roles_ensure()
    hr_one, hr_two = UserFactory(), UserFactory()
    hr_group.user_set.add(hr_one, hr_two)
    case = promotion_nominate(
        employee=hero, to_level=superhero_of(hero), actor=lead.user, as_of=AS_OF
    )
    promotion_decide(case=case, actor=lead.user, approve=True, on=AS_OF)

    barrier = threading.Barrier(2)
    outcomes = []

    def approve(user):
        try:
            barrier.wait()
            promotion_decide(case=case, actor=user, approve=True, on=AS_OF)
            outcomes.append("approved")
        except ValidationError as exc:
            outcomes.append(exc.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(u,)) for u in (hr_one, hr_two)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["This case is already approved.", "approved"]
    assert LevelHistory.objects.filter(employee=hero).count() == 1
    assert PromotionCase.objects.get(pk=case.pk).approvals.count() == 2


@pytest.mark.django_db
def test_approving_one_next_level_closes_the_other_open_case(seeded):
    lead = EmployeeFactory(framework_slug="whatfix-support", level_code="SL2")
    person = EmployeeFactory(framework_slug="whatfix-support", level_code="S2", manager=lead)
    hr = UserFactory()
    hr.groups.add(roles_ensure())
    levels = {lvl.code: lvl for lvl in person.framework.levels.all()}
    cases = {
        code: promotion_nominate(
            employee=person,
            to_level=levels[code],
            actor=lead.user,
            justification="Acting lead for a quarter",
            as_of=AS_OF,
        )  # fmt: skip
        for code in ("S3", "SL1")
    }
    for approver in (lead.user, hr):
        promotion_decide(case=cases["SL1"], actor=approver, approve=True, on=AS_OF)
    other = PromotionCase.objects.get(pk=cases["S3"].pk)
    assert other.status == "rejected"
    assert "promoted to SL1" in other.decision_reason
    person.refresh_from_db()
    assert person.level.code == "SL1"


@pytest.mark.django_db
def test_an_out_of_date_case_cannot_be_approved_but_can_be_rejected(people):
    case = nominate(people)
    hero = people["hero"]
    hero.level = hero.framework.levels.get(code="superhero")
    hero.save()  # moved by HR in the admin meanwhile
    with pytest.raises(ValidationError, match="no longer at hero"):
        promotion_decide(case=case, actor=people["lead"].user, approve=True, on=AS_OF)
    promotion_decide(
        case=case, actor=people["lead"].user, approve=False, comment="Moved already", on=AS_OF
    )
    assert PromotionCase.objects.get(pk=case.pk).status == "rejected"


@pytest.mark.django_db
def test_a_case_opened_before_a_new_framework_version_is_approved_into_it(people):
    from frameworks.services import framework_clone, framework_publish

    case = nominate(people)
    new_version = framework_clone(framework=people["hero"].framework, actor=None)
    framework_publish(framework=new_version, actor=None)
    for approver in (people["lead"].user, people["hr"]):
        promotion_decide(case=case, actor=approver, approve=True, on=AS_OF)
    hero = people["hero"]
    hero.refresh_from_db()
    assert (hero.level.code, hero.level.framework_id) == ("superhero", new_version.pk)


@pytest.mark.django_db
def test_a_framework_without_steps_is_decided_by_the_manager_alone(client, people):
    from promotions.models import ApprovalStep

    ApprovalStep.objects.filter(framework_slug="support-formula").delete()
    case = nominate(people)
    client.force_login(people["lead"].user)
    page = client.get(f"/promotions/{case.pk}/").content.decode()
    assert "Manager approves: waiting" in page
    # Reading the case wrote nothing.
    assert not ApprovalStep.objects.filter(framework_slug="support-formula").exists()
    promotion_decide(case=case, actor=people["lead"].user, approve=True, on=AS_OF)
    people["hero"].refresh_from_db()
    assert people["hero"].level.code == "superhero"


def test_a_case_of_someone_who_left_is_not_decided(people):
    from people.services import employee_leave

    case = nominate(people)
    employee_leave(employee=people["hero"], actor=people["hr"], left_on=AS_OF)
    with pytest.raises(ValidationError, match="has left"):
        promotion_decide(case=case, actor=people["lead"].user, approve=True, on=AS_OF)


def test_an_approval_step_keeps_its_role_and_framework(client, people):
    from promotions.models import ApprovalStep

    step = ApprovalStep.objects.get(framework_slug="support-formula", role="hr")
    client.force_login(people["hr"])
    url = reverse("admin:promotions_approvalstep_change", args=[step.pk])
    client.post(url, {"framework_slug": "elsewhere", "order": 9, "role": "manager",
                      "name": "HR confirms vacancy"})  # fmt: skip
    step.refresh_from_db()
    assert (step.framework_slug, step.role, step.order) == ("support-formula", "hr", 2)
    assert step.name == "HR confirms vacancy"
