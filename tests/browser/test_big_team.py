"""A manager of 200 reports in real Chromium (issue 15 items 2 and 3): My team pages, searches
and sorts keeping its filters; the review queue selects a page and every matching item
across pages; both at desktop and phone widths, checked with axe."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD, assert_accessible, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
MANAGER = "manager.of.200@example.com"


@pytest.fixture
def big_team(seeded):
    """Mia manages 200 people: 100 directly and 100 through two leads; two direct reports
    are ready for Superhero. Each report has a ticket waiting; the first 60 a document too."""
    from assessments.models import Evidence
    from people.tests.factories import EmployeeFactory, UserFactory
    from promotions.services import periodic_checks_run
    from promotions.tests.test_sweep import make_ready_hero

    user = UserFactory(username=MANAGER, email=MANAGER, first_name="Mia", last_name="Manager")
    user.set_password(DEMO_PASSWORD)
    user.save()
    manager = EmployeeFactory(user=user, level_code="senior-superhero")
    leads = [EmployeeFactory(manager=manager, level_code="superhero") for _ in range(2)]
    ready = [make_ready_hero(manager=manager) for _ in range(2)]
    reports = leads + ready
    reports += [EmployeeFactory(manager=manager, level_code="hero") for _ in range(96)]
    reports += [EmployeeFactory(manager=leads[n % 2], level_code="hero") for n in range(100)]
    Evidence.objects.bulk_create(
        [Evidence(employee=p, kind="ticket", category="api", title=f"Ticket of {p.name}",
                  occurred_on=datetime.date(2026, 3, 1), status="submitted") for p in reports]
        + [Evidence(employee=p, kind="document", title=f"Document of {p.name}",
                    occurred_on=datetime.date(2026, 3, 2), status="submitted")
           for p in reports[:60]]
    )  # fmt: skip
    periodic_checks_run(as_of=timezone.localdate())
    return {"manager": manager, "ready": ready, "reports": reports}


def rows(page):
    return page.get_by_test_id("team-row")


def test_my_team_of_200_pages_searches_and_sorts_keeping_the_filters(page, live_server, big_team):
    login(page, live_server, MANAGER)
    page.goto(f"{live_server.url}/team/")
    expect(page.get_by_test_id("pager")).to_contain_text("Page 1 of 4 (200)")
    expect(rows(page)).to_have_count(50)
    # The two ready people come first (readiness, the default sort), with their badge.
    expect(rows(page).first).to_contain_text(re.compile("Eligible for Superhero"))
    assert_accessible(page)
    screenshot(page, "team-200-desktop")

    page.get_by_test_id("pager").get_by_role("link", name="Next").click()
    expect(page.get_by_test_id("pager")).to_contain_text("Page 2 of 4 (200)")

    # Sorting by name keeps the page; a second click reverses.
    page.get_by_role("link", name=re.compile("^Person")).click()
    assert "page=2" in page.url and "sort=name" in page.url
    first_ascending = rows(page).first.locator("td").first.inner_text()
    page.get_by_role("link", name=re.compile("^Person")).click()
    assert "sort=-name" in page.url
    expect(page.locator("th[aria-sort=descending]")).to_contain_text("Person")
    assert rows(page).first.locator("td").first.inner_text() != first_ascending

    # Filters, then a sort: every filter stays.
    page.goto(f"{live_server.url}/team/")
    page.get_by_label("Eligible only").check()
    page.get_by_label("Direct reports only").check()
    page.get_by_role("button", name="Filter").click()
    expect(rows(page)).to_have_count(2)
    page.get_by_role("link", name=re.compile("^Tenure")).click()
    assert "eligible=1" in page.url and "direct=1" in page.url and "sort=tenure" in page.url
    expect(rows(page)).to_have_count(2)
    expect(page.get_by_label("Eligible only")).to_be_checked()

    # A search that finds nobody says what it looked for.
    page.get_by_label("Name").fill("nobody-like-this")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_test_id("team-empty")).to_contain_text(
        "None of the 200 people in your team has a name matching “nobody-like-this”"
    )
    # A search by name.
    someone = big_team["reports"][150]
    page.goto(f"{live_server.url}/team/")
    page.get_by_label("Name").fill(someone.name)
    page.get_by_role("button", name="Filter").click()
    expect(rows(page).filter(has_text=someone.name)).to_have_count(1)
    assert page.js_errors == [] and page.csp_violations == []


def test_the_review_queue_selects_a_page_and_every_matching_item(page, live_server, big_team):
    login(page, live_server, MANAGER)
    page.goto(f"{live_server.url}/review/")
    expect(page.get_by_test_id("pager")).to_contain_text("Page 1 of 6 (260)")
    page.get_by_label("Select every item on this page").check()
    expect(page.get_by_test_id("selected-count")).to_contain_text("50 selected on this page")
    expect(page.get_by_test_id("action-bar")).to_be_in_viewport()  # sticky at the bottom
    assert_accessible(page)
    screenshot(page, "review-200-desktop")

    # Reject without a comment: refused, and the 50 stay selected.
    page.get_by_role("button", name="Reject").click()
    expect(page.get_by_test_id("bulk-errors")).to_contain_text("Say why you reject it")
    expect(page.locator("input[name=evidence]:checked")).to_have_count(50)

    # Every document, across both pages, after a confirmation listing each of them.
    page.goto(f"{live_server.url}/review/?kind=document")
    expect(page.get_by_test_id("pager")).to_contain_text("Page 1 of 2 (60)")
    page.get_by_label(re.compile("Every matching item")).check()
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Approve these 60 items?")
    expect(page.get_by_test_id("confirm-items").locator("tbody tr")).to_have_count(60)
    assert_accessible(page)
    page.get_by_role("button", name="Approve all 60").click()
    expect(page.get_by_role("alert").first).to_contain_text("60 items approved.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("200")
    assert page.js_errors == [] and page.csp_violations == []


def test_both_pages_keep_their_key_columns_on_a_phone(phone_page, live_server, big_team):
    page = phone_page
    login(page, live_server, MANAGER)
    page.goto(f"{live_server.url}/team/")
    first = rows(page).first
    expect(first.locator("td[data-label=Readiness]")).to_be_visible()
    expect(first.get_by_role("link").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1  # no sideways scroll
    page.get_by_test_id("pager").get_by_role("link", name="Next").click()
    expect(page.get_by_test_id("pager")).to_contain_text("Page 2 of 4")
    page.get_by_role("link", name=re.compile("^Level")).click()
    assert "page=2" in page.url and "sort=level" in page.url
    assert_accessible(page)
    page.goto(f"{live_server.url}/team/?level=superhero")  # a short page to show
    screenshot(page, "team-200-phone")

    page.goto(f"{live_server.url}/review/")
    page.get_by_label("Select every item on this page").check()
    expect(page.get_by_test_id("selected-count")).to_contain_text("50 selected")
    expect(page.get_by_test_id("action-bar")).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    assert_accessible(page)
    page.goto(f"{live_server.url}/review/?kind=document&page=2")  # a short page to show
    page.get_by_label("Select every item on this page").check()
    screenshot(page, "review-200-phone")
    assert page.js_errors == [] and page.csp_violations == []
