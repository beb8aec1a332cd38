"""Smoke tests in real Chromium: log in, see my career, read a framework, on desktop and phone."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A demo engineer on the Whatfix framework (people/demo.py).
ENGINEER = "tse@example.com"
WHATFIX_LEVEL_CODES = ["S0", "S1", "S2", "S3", "SL1", "SL2", "SL3", "SL4"]


def test_login_page_shows_the_form(page, live_server):
    response = page.goto(f"{live_server.url}/accounts/login/")

    assert response.status == 200
    expect(page).to_have_title(re.compile("Log in"))
    expect(page.get_by_role("heading", name="Log in to CareerPath")).to_be_visible()
    expect(page.get_by_label("E-mail")).to_have_attribute("name", "username")
    expect(page.locator("input[name=password]")).to_have_attribute("type", "password")
    expect(page.get_by_role("button", name="Log in")).to_be_enabled()
    assert page.js_errors == []
    assert screenshot(page, "login").stat().st_size > 0


def test_login_page_is_accessible(page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")

    assert_accessible(page)


def test_home_shows_the_engineers_name_and_level(page, live_server, demo_organisation):
    login(page, live_server, ENGINEER)

    assert page.url == f"{live_server.url}/"
    expect(page).to_have_title(re.compile("My career"))
    main = page.locator("main")
    expect(main).to_contain_text("Arjun Rao")
    # The level's title, not its code (issue 15 item 6).
    expect(page.get_by_test_id("current-level")).to_have_text("Technical Support Engineer")
    assert page.js_errors == []
    assert screenshot(page, "home").stat().st_size > 0


def test_home_is_accessible(page, live_server, demo_organisation):
    login(page, live_server, ENGINEER)

    assert_accessible(page)


def test_home_has_no_horizontal_scroll_at_phone_width(phone_page, live_server, demo_organisation):
    login(phone_page, live_server, ENGINEER)

    widths = phone_page.evaluate(
        "() => ({page: document.documentElement.scrollWidth, window: window.innerWidth})"
    )
    screenshot(phone_page, "home-phone")
    assert widths["page"] <= widths["window"], widths


def test_framework_page_shows_all_eight_levels(page, live_server, demo_organisation):
    login(page, live_server, ENGINEER)
    response = page.goto(f"{live_server.url}/frameworks/whatfix-support/")

    assert response.status == 200
    headings = page.locator("section.level-card h3")
    expect(headings).to_have_count(len(WHATFIX_LEVEL_CODES))
    codes = [text.split(" · ")[0].strip() for text in headings.all_inner_texts()]
    assert codes == WHATFIX_LEVEL_CODES
    for code in WHATFIX_LEVEL_CODES:
        expect(page.locator(f"#level-{code}")).to_be_visible()
    assert page.js_errors == []
    assert screenshot(page, "framework").stat().st_size > 0


def test_framework_page_is_accessible(page, live_server, demo_organisation):
    login(page, live_server, ENGINEER)
    page.goto(f"{live_server.url}/frameworks/whatfix-support/")

    assert_accessible(page)
