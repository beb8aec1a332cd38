"""The three journeys of the product, end to end in real Chromium.

Zoe (a Hero, demo data) is one integration ticket short of Superhero. She
submits it from her checklist; Maya, her team lead, approves it; Zoe's
checklist shows the bar met and her eligible; Maya nominates and approves; HR
confirms vacancy and business need; Zoe is a Superhero with 4 WFH days.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import _new_page, assert_accessible, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMPLOYEE = "hero.ready@example.com"  # Zoe Martin, hero, 27 months
MANAGER = "maya.lead@example.com"  # Maya Okafor, her team lead
HR = "hr@example.com"


def superhero_section(page):
    return page.get_by_test_id("next-superhero")


def summary_headline(page):
    return page.get_by_test_id("summary-superhero").get_by_test_id("headline")


def integration_row(page):
    return superhero_section(page).locator("li", has_text="integration tickets")


def test_from_a_missing_ticket_to_a_promotion(browser, request, live_server, demo_organisation):
    employee = _new_page(browser, request, viewport={"width": 1280, "height": 900})
    manager = _new_page(browser, request, viewport={"width": 1280, "height": 900})
    hr = _new_page(browser, request, viewport={"width": 1280, "height": 900})

    # 1. The employee sees what is missing and submits the third integration ticket.
    login(employee, live_server, EMPLOYEE)
    expect(summary_headline(employee)).to_have_text(
        "1 step away: 1 more approved integration ticket"
    )
    expect(superhero_section(employee)).to_contain_text("1 to do · 14 met")
    expect(integration_row(employee)).to_have_attribute("data-met", "false")
    expect(integration_row(employee)).to_contain_text("2 of 3 approved")
    expect(employee.get_by_test_id("wfh")).to_contain_text("2 days a month")
    screenshot(employee, "journey-1-employee-checklist")
    assert_accessible(employee)
    integration_row(employee).get_by_role("link", name="Submit evidence").click()
    expect(employee.get_by_label("Kind")).to_have_value("ticket")
    expect(employee.get_by_label("Category")).to_have_value("integration")
    employee.get_by_label("Title").fill("HTTP Connect webhook to a customer's CRM")
    employee.get_by_label("Reference").fill("ZD-48213")
    employee.get_by_label("Date").fill("2026-11-02")
    employee.get_by_label("Description").fill("Mapped the fields and fixed the auth header.")
    assert_accessible(employee)
    screenshot(employee, "journey-1-submit-evidence")
    employee.get_by_role("button", name="Submit for review").click()
    expect(employee.get_by_role("alert")).to_contain_text("is waiting for your manager's review")
    submitted = employee.locator("tbody tr", has_text="HTTP Connect webhook to a customer's CRM")
    expect(submitted).to_contain_text("Waiting for review")
    screenshot(employee, "journey-1-my-evidence")
    # My career says the ticket is in review and offers no second submission.
    employee.get_by_role("link", name="My career").click()
    expect(summary_headline(employee)).to_have_text(
        re.compile(r"^1 step away: 1 more approved integration ticket \(1 in review since .+\)$")
    )
    expect(integration_row(employee).get_by_test_id("in-review-link")).to_be_visible()
    expect(integration_row(employee).get_by_role("link", name="Submit evidence")).to_have_count(0)

    # 2. The manager finds it in the review queue and approves it.
    login(manager, live_server, MANAGER)
    manager.get_by_role("link", name="Review").first.click()
    expect(manager.get_by_role("heading", level=1)).to_contain_text("waiting for your review")
    assert_accessible(manager)
    screenshot(manager, "journey-2-review-queue")
    manager.get_by_role("link", name="HTTP Connect webhook to a customer's CRM").click()
    manager.get_by_label("Decision").select_option("approved")
    manager.get_by_label("Comment").fill("Clear write-up, thanks.")
    manager.get_by_role("button", name="Save decision").click()
    expect(manager.get_by_role("alert")).to_contain_text("approved")

    # 3. The employee's checklist shows the bar met, and her eligible.
    employee.goto(f"{live_server.url}/")
    expect(integration_row(employee)).to_have_attribute("data-met", "true")
    expect(superhero_section(employee).get_by_test_id("eligible")).to_have_text("Eligible")
    expect(summary_headline(employee)).to_have_text("Ready: your manager can nominate you")
    screenshot(employee, "journey-3-eligible")

    # 4. The manager nominates her from the team page and approves the first step.
    manager.get_by_role("link", name="My team").click()
    row = manager.get_by_test_id("team-row").filter(has_text="Zoe Martin")
    expect(row).to_contain_text("Eligible for Superhero")
    assert_accessible(manager)
    screenshot(manager, "journey-4-my-team")
    row.get_by_role("link", name="Zoe Martin").click()
    manager.get_by_label("Nominate for").select_option(label="Superhero")
    manager.get_by_role("button", name="Nominate").click()
    expect(manager.get_by_role("alert")).to_contain_text("is nominated for Superhero")
    manager.get_by_label("Decision").select_option("approve")
    manager.get_by_role("button", name="Record decision").click()
    expect(manager.get_by_test_id("step").first).to_contain_text("approved by Maya Okafor")
    screenshot(manager, "journey-4-case")

    # 5. HR confirms vacancy and business need.
    login(hr, live_server, HR)
    hr.get_by_role("link", name="Promotions").click()
    hr.get_by_role("link", name=re.compile("Zoe Martin: Hero → Superhero")).click()
    hr.get_by_label("Decision").select_option("approve")
    hr.get_by_label("Comment").fill("Vacancy confirmed for Q1.")
    hr.get_by_role("button", name="Record decision").click()
    expect(hr.locator("main")).to_contain_text("Approved")
    assert_accessible(hr)
    screenshot(hr, "journey-5-hr-confirms")

    # 6. The employee is a Superhero now, with 4 WFH days a month.
    employee.goto(f"{live_server.url}/")
    expect(employee.get_by_test_id("current-level")).to_contain_text("Superhero")
    expect(employee.locator("main")).not_to_contain_text("superhero · Superhero")
    expect(employee.get_by_test_id("wfh")).to_contain_text("4 days a month")
    expect(employee.get_by_test_id("next-senior-superhero")).to_be_visible()
    screenshot(employee, "journey-6-promoted")
    assert employee.js_errors == manager.js_errors == hr.js_errors == []


def test_a_form_error_keeps_the_input_and_says_what_is_wrong(page, live_server, demo_organisation):
    login(page, live_server, EMPLOYEE)
    page.goto(f"{live_server.url}/evidence/new/")
    page.get_by_label("Title").fill("Kept title")
    page.get_by_label("Date").fill("2099-01-01")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_label("Title")).to_have_value("Kept title")
    expect(page.locator("main")).to_contain_text("The date cannot be in the future.")
    assert_accessible(page)


@pytest.mark.parametrize(
    ("email", "path", "name"),
    [
        (MANAGER, "/team/", "team"),
        (MANAGER, "/review/", "review"),
        (HR, "/reports/", "reports"),
        (EMPLOYEE, "/evidence/", "evidence"),
        (EMPLOYEE, "/frameworks/support-formula/", "framework-support"),
        (EMPLOYEE, "/frameworks/whatfix-support/compare/?a=S1&b=S2", "compare-levels"),
        (MANAGER, "/promotions/", "promotions"),
        (EMPLOYEE, "/notifications/", "notifications"),
    ],
)
def test_every_page_works_at_phone_width_and_is_accessible(
    phone_page, live_server, demo_organisation, email, path, name
):
    login(phone_page, live_server, email)
    response = phone_page.goto(f"{live_server.url}{path}")
    assert response.ok
    overflow = phone_page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    assert_accessible(phone_page)
    screenshot(phone_page, f"phone-{name}")
