"""The career pages: who sees what, what they show, and constant query counts."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.models import Evidence
from assessments.selectors import evidence_for_employee
from people.roles import roles_ensure
from people.selectors import employee_reviewable_by
from people.tests.factories import EmployeeFactory, UserFactory
from promotions.models import Notification, PromotionCase
from promotions.services import periodic_checks_run, promotion_nominate
from promotions.tests.test_sweep import make_ready_hero

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(seeded):
    skip_level = EmployeeFactory(level_code="senior-superhero")
    lead = EmployeeFactory(level_code="senior-superhero", manager=skip_level)
    hero = make_ready_hero(manager=lead)
    hr = UserFactory(is_staff=True)
    hr.groups.add(roles_ensure())
    return {"skip_level": skip_level, "lead": lead, "hero": hero, "hr": hr,
            "outsider": EmployeeFactory()}  # fmt: skip


def page(client, user, url):
    client.force_login(user)
    return client.get(url)


def test_my_career_shows_the_checklist_the_wfh_days_and_links_to_submit(client, seeded):
    person = EmployeeFactory(level_code="hero", hire_date=datetime.date(2025, 12, 1))
    Evidence.objects.create(
        employee=person, kind="ticket", category="integration", title="One",
        occurred_on=datetime.date(2026, 3, 1), status="approved",
    )  # fmt: skip
    html = page(client, person.user, "/").content.decode()
    assert "0 days a month" in html
    assert "2 work-from-home days a month once: at least 12 months since hire" in html
    assert "As Superhero: 4 work-from-home days a month" in html
    assert "2 more approved integration tickets" in html
    assert "1 of 3 approved" in html
    assert "1 of 3 · 1 of 3" not in html  # the progress is said once
    assert "/evidence/new/?kind=ticket&amp;category=integration" in html
    assert "15 to do · 0 met" in html  # one ticket is progress, not a met requirement
    # Fourteen things to do; the fifteenth, 24 months since joining, only waits for time.
    assert "14 steps away" in html
    assert "Earliest: 1 Dec 2027 (24 months since joining)" in html


def test_a_framework_without_work_from_home_days_does_not_show_zero_days(client, seeded):
    engineer = EmployeeFactory(framework_slug="whatfix-support", level_code="S2")
    html = page(client, engineer.user, "/").content.decode()
    assert "Work from home" not in html and 'data-testid="wfh"' not in html
    assert "Not confirmed for SL1 by a manager yet. A confirmation is valid for 12 months." in (
        html
    )


def test_the_top_level_says_so(client, seeded):
    person = EmployeeFactory(level_code="senior-superhero")
    html = page(client, person.user, "/").content.decode()
    assert "Senior Superhero is the top of the Support track." in html
    assert "6 days a month" in html


def test_a_manager_sees_direct_and_indirect_reports_with_readiness(client, org):
    html = page(client, org["skip_level"].user, reverse("promotions:team")).content.decode()
    assert org["lead"].name in html and org["hero"].name in html
    assert "Eligible for Superhero" in html
    assert f"via {org['lead'].name}" in html
    direct = page(client, org["skip_level"].user, reverse("promotions:team") + "?direct=1")
    assert [r.status.employee for r in direct.context["rows"]] == [org["lead"]]
    # "Eligible only" reads the last check's verdicts: none before the first check.
    eligible = page(client, org["skip_level"].user, reverse("promotions:team") + "?eligible=1")
    assert list(eligible.context["rows"]) == []
    assert "was eligible for a next level at the last check" in eligible.content.decode()
    periodic_checks_run(as_of=timezone.localdate())
    eligible = page(client, org["skip_level"].user, reverse("promotions:team") + "?eligible=1")
    assert [r.status.employee for r in eligible.context["rows"]] == [org["hero"]]


@pytest.mark.parametrize("who", ["outsider", "hero"])
def test_someone_elses_person_page_is_not_found(client, org, who):
    url = reverse("promotions:person", args=[org["lead"].pk])
    assert page(client, org[who].user, url).status_code == 404


def test_the_manager_nominates_from_the_person_page_and_hr_confirms(client, org):
    hero, lead = org["hero"], org["lead"]
    superhero = hero.framework.levels.get(code="superhero")
    client.force_login(lead.user)
    response = client.post(
        reverse("promotions:nominate", args=[hero.pk]), {"to_level": superhero.pk}
    )
    case = PromotionCase.objects.get()
    assert response["Location"] == reverse("promotions:case", args=[case.pk])
    client.post(reverse("promotions:case", args=[case.pk]), {"decision": "approve"})
    client.force_login(org["hr"])
    client.post(reverse("promotions:case", args=[case.pk]), {"decision": "approve"})
    hero.refresh_from_db()
    assert hero.level.code == "superhero"
    html = page(client, hero.user, "/").content.decode()
    assert "4 days a month" in html


def test_a_nomination_for_a_level_that_is_not_next_is_refused(client, org):
    top = org["hero"].framework.levels.get(code="senior-superhero")
    client.force_login(org["lead"].user)
    response = client.post(
        reverse("promotions:nominate", args=[org["hero"].pk]), {"to_level": top.pk}, follow=True
    )
    assert "Select a valid choice" in response.content.decode()
    assert not PromotionCase.objects.exists()


def test_an_outsider_can_neither_nominate_nor_see_a_case(client, org):
    client.force_login(org["outsider"].user)
    superhero = org["hero"].framework.levels.get(code="superhero")
    url = reverse("promotions:nominate", args=[org["hero"].pk])
    assert client.post(url, {"to_level": superhero.pk}).status_code == 404
    case = promotion_nominate(
        employee=org["hero"], to_level=superhero, actor=org["lead"].user,
        as_of=datetime.date(2026, 11, 23),
    )  # fmt: skip
    assert client.get(reverse("promotions:case", args=[case.pk])).status_code == 404
    assert (
        client.post(reverse("promotions:case", args=[case.pk]), {"decision": "approve"}).status_code
        == 404
    )


def test_the_subject_sees_their_case_but_gets_no_decision_form(client, org):
    superhero = org["hero"].framework.levels.get(code="superhero")
    case = promotion_nominate(
        employee=org["hero"], to_level=superhero, actor=org["lead"].user,
        as_of=datetime.date(2026, 11, 23),
    )  # fmt: skip
    response = page(client, org["hero"].user, reverse("promotions:case", args=[case.pk]))
    assert response.status_code == 200
    assert "Your decision" not in response.content.decode()
    client.post(reverse("promotions:case", args=[case.pk]), {"decision": "approve"})
    assert not case.approvals.exists()


def test_hr_reports_are_for_hr_and_export_csv(client, org):
    assert page(client, org["lead"].user, reverse("promotions:reports")).status_code == 403
    periodic_checks_run(as_of=timezone.localdate())  # the pipeline reads the stored verdicts
    response = page(client, org["hr"], reverse("promotions:reports"))
    assert "Readiness pipeline" in response.content.decode()
    csv = client.get(reverse("promotions:reports") + "?export=pipeline")
    assert csv["Content-Type"] == "text/csv; charset=utf-8"
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "readiness,Sample Support Career Advancement Formula"
    assert lines[1] == "Ready now,1"
    assert lines[-1] == "Total,4"
    assert client.get(reverse("promotions:reports") + "?export=nope").status_code == 404


def test_notifications_are_mine_only_and_can_be_marked_read(client, org):
    Notification.objects.create(
        recipient=org["hero"].user, kind="milestone", key="a", subject="Mine"
    )
    Notification.objects.create(
        recipient=org["lead"].user, kind="milestone", key="b", subject="Theirs"
    )
    html = page(client, org["hero"].user, reverse("promotions:notifications")).content.decode()
    assert "Mine" in html and "Theirs" not in html
    client.post(reverse("promotions:notifications_read"))
    assert Notification.objects.get(key="a").read_at is not None
    assert Notification.objects.get(key="b").read_at is None


def grow(lead, size):
    for n in range(size):
        report = EmployeeFactory(manager=lead, level_code="hero")
        Evidence.objects.create(
            employee=report, kind="ticket", category="api", title=f"t{n}",
            occurred_on=datetime.date(2026, 3, 1), status="submitted",
        )  # fmt: skip
    EmployeeFactory.create_batch(size, framework_slug="whatfix-support", level_code="S1")


def count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url_name",
    ["home", "promotions:team", "promotions:cases", "promotions:notifications",
     "promotions:reports", "assessments:review_queue", "assessments:evidence_list",
     "frameworks:list"],
)  # fmt: skip
def test_pages_run_the_same_number_of_queries_for_small_and_large_teams(client, org, url_name):
    lead = org["lead"]
    lead.user.groups.add(roles_ensure())  # the lead also sees HR reports
    client.force_login(lead.user)
    url = reverse(url_name)
    grow(lead, 3)
    small = count(client, url)
    grow(lead, 60)
    assert count(client, url) == small


def test_the_person_page_runs_the_same_number_of_queries_for_small_and_large_teams(client, org):
    client.force_login(org["lead"].user)
    url = reverse("promotions:person", args=[org["hero"].pk])
    grow(org["lead"], 3)
    small = count(client, url)
    grow(org["lead"], 60)
    assert count(client, url) == small


def test_the_team_filters_by_level_ignores_an_unknown_one_and_sorts_by_name(client, org):
    url = reverse("promotions:team")
    rows = page(client, org["skip_level"].user, url + "?level=hero").context["rows"]
    assert [r.status.employee for r in rows] == [org["hero"]]
    everyone = page(client, org["skip_level"].user, url + "?level=nope&sort=name").context["rows"]
    names = [r.status.employee.name.lower() for r in everyone]
    assert names == sorted(names) and len(names) == 2


def test_hr_reports_read_the_last_checks_verdicts_and_never_evaluate_anyone(
    client, org, monkeypatch
):
    """The pipeline counts the sweep's stored statuses: someone ready since the last check
    is counted at the next one, and a status for a level that is no longer next is not."""
    from promotions import rules, selectors
    from promotions.models import EligibilityStatus

    def csv_rows():
        """(ready now, not checked yet or top level, people)"""
        response = client.get(reverse("promotions:reports"), {"export": "pipeline"})
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))[1:]
        return int(rows[0][1]), int(rows[-2][1]), int(rows[-1][1])

    client.force_login(org["hr"])
    assert csv_rows() == (0, 4, 4)  # no check yet: nobody counted ready
    periodic_checks_run(as_of=timezone.localdate())
    assert csv_rows() == (1, 2, 4)  # the two senior superheroes have no next level
    make_ready_hero(manager=org["lead"])  # ready, but not checked yet
    assert csv_rows() == (1, 3, 5)
    periodic_checks_run(as_of=timezone.localdate())
    assert csv_rows() == (2, 2, 5)
    hero = org["hero"]
    EligibilityStatus.objects.filter(employee=hero).update(  # as if promoted since the check
        target_level=hero.level
    )
    assert csv_rows() == (1, 3, 5)

    def refuse(*args, **kwargs):
        raise AssertionError("the reports page evaluated someone")

    monkeypatch.setattr(rules, "evaluate", refuse)
    monkeypatch.setattr(selectors, "facts_for", refuse)
    assert client.get(reverse("promotions:reports")).status_code == 200


def test_the_managers_view_of_a_report_leads_with_the_answer_for_the_manager(client, org):
    hero = org["hero"]
    Evidence.objects.create(
        employee=hero, kind="ticket", category="integration", title="Fourth one",
        occurred_on=datetime.date(2026, 3, 1), status="submitted",
    )  # fmt: skip
    html = page(client, org["lead"].user, reverse("promotions:person", args=[hero.pk]))
    html = html.content.decode()
    assert "Ready: nominate" in html
    assert "Superhero" in html and "superhero · Superhero" not in html
    assert "Submit evidence" not in html  # the manager does not submit for the person


def test_the_manager_opens_a_reports_evidence_from_the_person_page(client, org):
    hero, lead = org["hero"], org["lead"]
    item = evidence_for_employee(employee=hero).first()  # as the page lists them
    html = page(client, lead.user, reverse("promotions:person", args=[hero.pk])).content.decode()
    link = reverse("assessments:evidence_detail", args=[item.pk])
    assert f'href="{link}"' in html
    assert client.get(link).status_code == 200
    # A manager further up sees a link exactly when they may open it (the framework says
    # whether managers above the direct one review).
    skip = org["skip_level"]
    html = page(client, skip.user, reverse("promotions:person", args=[hero.pk])).content.decode()
    may_open = client.get(link).status_code == 200
    assert (f'href="{link}"' in html) == may_open
    assert may_open == employee_reviewable_by(reviewer=skip, employee=hero)


def test_cases_read_level_titles_and_one_date_format(client, org):
    hero, lead = org["hero"], org["lead"]
    superhero = hero.framework.levels.get(code="superhero")
    case = promotion_nominate(
        employee=hero,
        to_level=superhero,
        actor=lead.user,
        justification="",
        as_of=timezone.localdate(),
    )
    for url in (reverse("promotions:cases"), reverse("promotions:case", args=[case.pk])):
        html = page(client, lead.user, url).content.decode()
        assert f"{hero.level.title} → {superhero.title}" in html
        assert "hero → superhero" not in html
    html = page(client, lead.user, reverse("promotions:cases")).content.decode()
    assert "0 steps decided" in html and "step(s)" not in html
