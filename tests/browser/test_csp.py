"""Under the Content-Security-Policy every page still works and Chromium refuses nothing.

The policy allows no inline script or style: a leftover `style=` or `onsubmit=`
would show up as a violation in the console, and a script that stopped working
as a missing behaviour (the admin's requirement kinds, the nested inlines).
"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import _new_page, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ENGINEER = "hero.ready@example.com"
MANAGER = "maya.lead@example.com"
HR = "hr@example.com"


def _visit(page, live_server, path: str, status: int = 200) -> None:
    response = page.goto(f"{live_server.url}{path}")
    assert response.status == status, f"{path} answered {response.status}"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    page.wait_for_load_state("load")


def _clean(page) -> None:
    assert page.csp_violations == [], "\n".join(page.csp_violations)
    assert page.js_errors == [], page.js_errors


def test_the_main_pages_break_no_rule(browser, request, live_server, demo_organisation):
    engineer = _new_page(browser, request, viewport={"width": 1280, "height": 900})
    _visit(engineer, live_server, "/accounts/login/")
    login(engineer, live_server, ENGINEER)
    _visit(engineer, live_server, "/")
    # The progress bars keep their widths from classes (no style= attribute to block).
    widths = engineer.locator("li .progress-bar").evaluate_all(
        "bars => bars.map(bar => bar.getBoundingClientRect().width)"
    )
    assert widths and max(widths) > 0, widths
    for path in ("/evidence/", "/frameworks/", "/frameworks/support-formula/",
                 "/notifications/", "/promotions/"):  # fmt: skip
        _visit(engineer, live_server, path)
    # The evidence form's script offers the categories of the chosen kind.
    _visit(engineer, live_server, "/evidence/new/?kind=ticket&category=integration")
    expect(engineer.locator("select[name=category]")).to_have_value("integration")
    _visit(engineer, live_server, "/no-such-page/", status=404)
    expect(engineer.get_by_test_id("way-back")).to_be_visible()
    _visit(engineer, live_server, "/reports/", status=403)
    # Bootstrap's menu button still opens the menu at phone width.
    engineer.set_viewport_size({"width": 390, "height": 844})
    _visit(engineer, live_server, "/")
    engineer.get_by_role("button", name="Toggle navigation").click()
    expect(engineer.locator("#nav").get_by_role("link", name="My evidence")).to_be_visible()
    _clean(engineer)

    manager = _new_page(browser, request, viewport={"width": 1280, "height": 900})
    login(manager, live_server, MANAGER)
    for path in ("/team/", "/review/", "/promotions/"):
        _visit(manager, live_server, path)
    _clean(manager)

    from people.models import Employee

    someone = Employee.objects.get(user__username=ENGINEER)
    hr = _new_page(browser, request, viewport={"width": 1280, "height": 900})
    login(hr, live_server, HR)
    for path in ("/reports/", "/admin/", "/admin/people/employee/",
                 f"/admin/people/employee/{someone.pk}/change/",
                 f"/admin/people/employee/{someone.pk}/history/",
                 "/admin/assessments/evidence/", "/admin/frameworks/framework/"):  # fmt: skip
        _visit(hr, live_server, path)
    _clean(hr)


def test_the_admin_framework_editor_works_under_the_policy(
    browser, request, live_server, demo_organisation
):
    from frameworks.models import Framework

    hr = _new_page(browser, request, viewport={"width": 1366, "height": 900})
    login(hr, live_server, HR)
    published = Framework.objects.get(slug="support-formula", status="published")
    _visit(hr, live_server, f"/admin/frameworks/framework/{published.pk}/change/")
    with hr.expect_navigation():
        hr.get_by_role("button", name="Open a draft to edit").click()
    banner = hr.get_by_test_id("version-banner")
    expect(banner).to_contain_text("draft")
    expect(banner).to_have_css("clear", "both")  # admin.css is applied

    # Throwing the draft away asks first (a static script, not an inline onsubmit).
    questions = []

    def dismiss(dialog):
        questions.append(dialog.message)
        dialog.dismiss()

    hr.once("dialog", dismiss)
    hr.get_by_role("button", name="Throw this draft away").click()
    assert questions and "Throw draft version" in questions[0]
    expect(banner).to_contain_text("draft")

    # A level's own page: nested inlines and the requirement kinds' script.
    with hr.expect_navigation():
        hr.get_by_role("link", name="superhero", exact=True).click()
    kinds = hr.locator("select[data-kind-fields]:not([name*='__prefix__'])")
    names = set(kinds.evaluate_all("selects => selects.map(s => s.name)"))
    assert names
    time_in_level = hr.locator(".djn-inline-form").filter(
        has=hr.locator("select[name$='-kind'] option[selected][value=time_in_level]")
    )
    expect(time_in_level.first.locator(".field-category").first).to_be_hidden()

    # Add another requirement (django-nested-admin) and choose its kind.
    hr.locator(".djn-add-handler:visible").filter(has_text="requirement").first.click()
    expect(kinds).to_have_count(len(names) + 1)
    (new_name,) = set(kinds.evaluate_all("selects => selects.map(s => s.name)")) - names
    added = hr.locator(".djn-inline-form").filter(has=hr.locator(f"select[name='{new_name}']"))
    added.last.locator(f"select[name='{new_name}']").select_option("evidence")
    expect(added.last.locator(".field-evidence_kind").first).to_be_visible()
    expect(added.last.locator(".field-metric").first).to_be_hidden()
    _clean(hr)

    # The impact preview and its publish form.
    with hr.expect_navigation():
        hr.get_by_role("link", name="Impact preview and publish").first.click()
    # admin.css gives it room (2em), as the style= attribute did.
    expect(hr.get_by_test_id("publish-form")).to_have_css("margin-top", re.compile(r"^[1-9]"))
    _clean(hr)
