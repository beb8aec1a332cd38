"""HR reads the reports in real Chromium, at desktop and phone widths (issue 15 items 4, 6, 7).

The demo organisation after a nightly check: Zoe (Hero, 14 of 15) and one Whatfix engineer
are one requirement away; Leo has just been promoted from SL1 after 10 months in it (hired
40 months ago: the old report said 40). Chart.js draws each chart under the strict CSP, every
chart has its table, and the filters narrow every report and its CSV.
"""

import csv
import io
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HR = "hr@example.com"


@pytest.fixture
def checked_organisation(demo_organisation):
    from frameworks.models import Level
    from people.models import Employee
    from people.services import employee_level_change
    from promotions.services import periodic_checks_run

    today = timezone.localdate()
    leo = Employee.objects.get(user__email="leo.lead@example.com")
    employee_level_change(
        employee=leo,
        level=Level.objects.get(framework=leo.framework, code="SL2"),
        changed_on=today,
        actor=None,
        reason="Promoted",
    )
    periodic_checks_run(as_of=today)
    return demo_organisation


def row(page, report, header):
    return (
        page.get_by_test_id(f"table-{report}")
        .locator("tbody tr")
        .filter(has=page.get_by_role("rowheader", name=header, exact=True))
    )


def open_reports(page, live_server):
    login(page, live_server, HR)
    page.goto(f"{live_server.url}/reports/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("HR reports")


def test_hr_reads_true_reports_with_charts_and_filters_them(
    page, live_server, checked_organisation
):
    open_reports(page, live_server)

    # What the reports say: two people one requirement away (the old report said nobody),
    # counted once each; Leo's 10 months in SL1; levels by title in rank order.
    one_away = row(page, "pipeline", "One requirement away")
    expect(one_away.locator("td")).to_have_text(["1", "1", "2"])
    expect(row(page, "pipeline", "Total").locator("td")).to_have_text(["7", "6", "13"])
    expect(row(page, "promotions", "Manager - Technical Support").locator("td")).to_contain_text(
        ["1", "10.0"]
    )
    levels = page.get_by_test_id("table-levels").locator("tbody th")
    expect(levels.first).to_have_text("Hero")
    expect(levels.nth(1)).to_have_text("Superhero")
    expect(page.get_by_text("SL2", exact=True)).to_have_count(0)  # titles, not codes

    # Four charts drawn by Chart.js, nothing refused by the Content-Security-Policy.
    expect(page.locator("canvas[data-drawn=true]")).to_have_count(4)
    assert page.js_errors == []
    assert page.csp_violations == []
    assert_accessible(page)
    screenshot(page, "reports-desktop")

    # Filter by manager: Sam's whole subtree (Leo, his three engineers, Kabir), Whatfix only.
    page.get_by_label("Manager").select_option(label="Sam Iyer (sam.manager@example.com)")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"[?&]manager=\d+"))
    expect(row(page, "pipeline", "Total").locator("td")).to_have_text(["5"])
    header = page.get_by_test_id("table-pipeline").locator("thead th")
    expect(header).to_have_text(["Readiness", "Customer Support Career & Competency Framework"])
    expect(page.locator("canvas[data-drawn=true]")).to_have_count(4)
    # The CSV says the same as the page.
    href = page.get_by_role("link", name="Download CSV of people per level").get_attribute("href")
    assert "manager=" in href and "export=levels" in href
    response = page.request.get(f"{live_server.url}/reports/{href}")
    rows = list(csv.reader(io.StringIO(response.text().lstrip("\ufeff"))))
    assert sum(int(r[3]) for r in rows[1:]) == 5
    assert {r[2] for r in rows[1:]} == {"DAP Support"}

    # Then by team and region together.
    page.get_by_role("link", name="Everyone").click()
    page.get_by_label("Team").select_option("Survey Support")
    page.get_by_label("Region").select_option("AMER")
    page.get_by_role("button", name="Show").click()
    expect(row(page, "pipeline", "Total").locator("td")).to_have_text(["2"])  # Omar, Ines
    expect(page.get_by_test_id("table-levels").locator("tbody th")).to_have_text(["Superhero"])
    assert_accessible(page)
    assert page.csp_violations == []


def test_hr_reads_the_reports_on_a_phone(phone_page, live_server, checked_organisation):
    page = phone_page
    open_reports(page, live_server)
    expect(page.locator("canvas[data-drawn=true]")).to_have_count(4)
    # Key columns stay on screen: the level and its count, not the framework's long name.
    table = page.get_by_test_id("table-levels")
    expect(table.get_by_role("columnheader", name="Level")).to_be_visible()
    expect(table.get_by_role("columnheader", name="Framework")).to_be_hidden()
    people = table.get_by_role("columnheader", name="People")
    box = people.bounding_box()  # without scrolling the table sideways
    assert box["x"] + box["width"] <= page.viewport_size["width"]
    expect(row(page, "pipeline", "One requirement away").locator("td").last).to_have_text("2")
    # Filters work on a phone too.
    page.get_by_label("Framework").select_option(label="Sample Support Career Advancement Formula")
    page.get_by_role("button", name="Show").click()
    expect(row(page, "pipeline", "Total").locator("td")).to_have_text(["7"])
    assert page.js_errors == []
    assert page.csp_violations == []
    assert_accessible(page)
    screenshot(page, "reports-phone")
