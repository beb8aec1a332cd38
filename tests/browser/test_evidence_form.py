"""The evidence form offers the categories of the chosen kind and names the bar it counts for."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_categories_follow_the_kind_and_the_bar_is_named(page, live_server, demo_organisation):
    login(page, live_server, "hero.ready@example.com")
    page.goto(f"{live_server.url}/evidence/new/?kind=ticket&category=integration")
    expect(page.get_by_test_id("counts-toward")).to_contain_text(
        "superhero: At least 3 solved integration tickets"
    )
    category = page.get_by_label("Category")
    expect(category).to_have_value("integration")
    ticket_group = category.locator("optgroup[label=Ticket]")
    initiative_group = category.locator("optgroup[label=Initiative]")
    expect(ticket_group).not_to_have_attribute("hidden", "")
    page.get_by_label("Kind").select_option(label="Initiative")
    expect(category).to_have_value("")  # an integration initiative does not exist
    expect(initiative_group).not_to_have_attribute("hidden", "")
    assert ticket_group.evaluate("g => g.hidden") is True
    category.select_option(label="Leads")
    expect(category).to_have_value("lead")
    assert not page.js_errors, page.js_errors


def test_limits_are_stated_up_front_and_exam_fields_show_for_exams_only(
    page, live_server, demo_organisation
):
    login(page, live_server, "hero.ready@example.com")
    page.goto(f"{live_server.url}/evidence/new/?kind=ticket")
    # Before any upload fails: the size limit and the accepted types.
    expect(page.locator("#div_id_attachment")).to_contain_text("Up to 5.0 MB")
    expect(page.locator("#div_id_attachment")).to_contain_text("PDF")
    outcome, score = page.locator("#div_id_outcome"), page.locator("#div_id_score")
    expect(outcome).to_be_hidden()
    expect(score).to_be_hidden()
    page.get_by_label("Kind").select_option(label="Exam")
    expect(outcome).to_be_visible()
    expect(score).to_be_visible()
    page.get_by_label("Kind").select_option(label="Document")
    expect(outcome).to_be_hidden()
    assert not page.js_errors, page.js_errors
