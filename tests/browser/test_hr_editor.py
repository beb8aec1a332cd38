"""HR edits a framework in the admin without help, in real Chromium.

HR opens a draft of the Whatfix framework, raises S2's Problem Solving bar
(the requirement and the competency matrix) and shortens the validity of its
confirmation from 12 to 6 months on S2's own page, lowers SL1's SLA bar on
SL1's, saves each, opens the impact preview from the draft,
publishes after confirming, and the engineers see the new bars.
"""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import _new_page, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HR = "hr@example.com"
ENGINEER = "tse@example.com"  # S1: S2 is next
PRINCIPAL = "principal.tse@example.com"  # S3: SL1 is next


def save_and_continue(page):
    with page.expect_navigation():
        page.locator("input[name=_continue]").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")


def test_hr_edits_two_levels_previews_and_publishes(
    browser, request, live_server, demo_organisation
):
    from frameworks.models import Framework

    hr = _new_page(browser, request, viewport={"width": 1366, "height": 900})
    login(hr, live_server, HR)
    published = Framework.objects.get(slug="whatfix-support", status="published")
    hr.goto(f"{live_server.url}/admin/frameworks/framework/{published.pk}/change/")
    expect(hr.get_by_test_id("version-banner")).to_contain_text("version 1 · published")
    with hr.expect_navigation():
        hr.get_by_role("button", name="Open a draft to edit").click()
    banner = hr.get_by_test_id("version-banner")
    expect(banner).to_contain_text("version 2 · draft")
    screenshot(hr, "hr-1-draft")

    # S2, on its own page: Problem Solving rises to Advanced (the bar and the matrix).
    with hr.expect_navigation():
        hr.get_by_role("link", name="S2", exact=True).click()
    expect(hr.get_by_test_id("version-banner")).to_contain_text("version 2 · draft")
    bar = (
        hr.locator(".djn-inline-form")
        .filter(
            has=hr.locator(
                "select[name$='-competency'] option[selected]", has_text="Problem Solving"
            )
        )
        .filter(has=hr.locator("select[name$='-kind'] option[selected][value=competency]"))
    )
    expect(bar).to_have_count(1)
    # Only the fields of a competency bar show: no count, no metric.
    expect(bar.locator(".field-count")).to_be_hidden()
    expect(bar.locator(".field-metric")).to_be_hidden()
    bar.locator("select[name$='-proficiency']").select_option(label="Advanced")
    # A count on the same page: the confirmation stays valid 6 months instead of 12.
    confirmation = hr.locator(".djn-inline-form").filter(
        has=hr.locator("input[name$='-code'][value=next-level-behaviours]")
    )
    expect(confirmation.locator(".field-threshold")).to_be_hidden()
    confirmation.locator("input[name$='-valid_months']").fill("6")
    matrix = (
        hr.locator("tr")
        .filter(
            has=hr.locator(
                "select[name$='-competency'] option[selected]", has_text="Problem Solving"
            )
        )
        .filter(has=hr.locator("select[name^='required_proficiencies']"))
    )
    matrix.locator("select[name$='-proficiency']").select_option(label="Advanced")
    save_and_continue(hr)
    screenshot(hr, "hr-2-level-s2")

    # SL1, on its own page: the SLA bar falls from 95 to 90 %.
    hr.goto(f"{live_server.url}/admin/frameworks/framework/")
    draft = Framework.objects.get(slug="whatfix-support", status="draft")
    hr.goto(f"{live_server.url}/admin/frameworks/framework/{draft.pk}/change/")
    with hr.expect_navigation():
        hr.get_by_role("link", name="SL1", exact=True).click()
    sla = hr.locator(".djn-inline-form").filter(
        has=hr.locator("input[name$='-metric'][value=sla_adherence_pct]")
    )
    expect(sla.locator(".field-evidence_kind")).to_be_hidden()
    sla.locator("input[name$='-threshold']").fill("90")
    save_and_continue(hr)

    # The impact preview, from the draft; publishing asks to confirm.
    with hr.expect_navigation():
        hr.get_by_role("link", name="Impact preview and publish").first.click()
    expect(hr.get_by_test_id("publish-form")).to_contain_text("Publish version 2?")
    screenshot(hr, "hr-3-preview")
    with hr.expect_navigation():
        hr.get_by_role("button", name="Yes, publish version 2").click()
    expect(hr.locator(".messagelist")).to_contain_text("version 2 is published")
    assert not hr.js_errors, hr.js_errors

    engineer = _new_page(browser, request, viewport={"width": 1280, "height": 900})
    login(engineer, live_server, ENGINEER)
    s2 = engineer.get_by_test_id("next-S2")
    expect(s2).to_contain_text("Problem Solving at Advanced level or above")
    expect(s2).not_to_contain_text("Problem Solving at Intermediate level or above")
    expect(s2).to_contain_text("A confirmation is valid for 6 months.")
    screenshot(engineer, "hr-4-engineer-checklist")
    principal = _new_page(browser, request, viewport={"width": 1280, "height": 900})
    login(principal, live_server, PRINCIPAL)
    expect(principal.get_by_test_id("next-SL1")).to_contain_text("SLA adherence at least 90%")
