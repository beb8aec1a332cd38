"""Issue 13's "Done when", in real Chromium: HR uploads a people file and a Zendesk export,
sees each dry run, applies them; invites the new person from the admin; the person sets a
password from the e-mail's link and logs in, landing on their own page."""

import re
from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.browser.conftest import _new_page, assert_accessible, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HR = "imports.hr@example.com"
HR_PASSWORD = "a long HR passphrase 1"
NEW_PASSWORD = "my own long passphrase 42"
ZENDESK = (
    Path(__file__).resolve().parents[2]
    / "assessments" / "tests" / "fixtures" / "helpdesk" / "zendesk_tickets.csv"
)  # fmt: skip
PEOPLE = (
    "email,name,manager_email,framework,level,hire_date,level_since\n"
    "zoe@example.com,Zoë Müller,,support-formula,hero,2025-04-01,\n"
)


@pytest.fixture
def hr_user(seeded):
    from django.contrib.auth import get_user_model

    from assessments.models import HelpdeskTagCategory
    from people.roles import roles_ensure

    user = get_user_model().objects.create_user(
        username=HR, email=HR, password=HR_PASSWORD, is_staff=True, first_name="Hana"
    )
    user.groups.add(roles_ensure())
    HelpdeskTagCategory.objects.create(tag="integration", category="integration")
    return user


def upload_and_check(page, live_server, *, kind: str, name: str, data: bytes, shot: str):
    page.goto(f"{live_server.url}/imports/")
    page.get_by_role("link", name="New import").click()
    page.get_by_label(kind, exact=True).check()
    page.locator("input#id_file").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": data}]
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Upload and check (dry run)").click()
    expect(page.get_by_role("heading", name="Dry run: what applying would do")).to_be_visible()
    assert_accessible(page)
    screenshot(page, f"{shot}-dry-run")


def apply(page, shot: str):
    with page.expect_navigation():
        page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("heading", name="Applied", exact=True)).to_be_visible()
    expect(page.get_by_test_id("import-state")).to_have_text("Applied")
    assert_accessible(page)
    screenshot(page, f"{shot}-applied")


def test_hr_imports_people_and_tickets_and_invites_the_new_person(
    browser, request, live_server, hr_user, celery_eager
):
    from assessments.models import Evidence
    from people.models import Employee

    hr = _new_page(browser, request, viewport={"width": 1280, "height": 900})
    login(hr, live_server, HR, HR_PASSWORD)
    hr.get_by_role("link", name="Imports").click()
    expect(hr.get_by_role("heading", name="Imports")).to_be_visible()
    assert_accessible(hr)

    # 0. A file with a mistake: the dry run lists every refused line, and offers no Apply.
    hr.goto(f"{live_server.url}/imports/new/")
    assert_accessible(hr)
    hr.get_by_label("People", exact=True).check()
    hr.locator("input#id_file").set_input_files(
        files=[{"name": "typo.csv", "mimeType": "text/csv",
                "buffer": PEOPLE.replace(",hero,", ",heroine,").encode()}]
    )  # fmt: skip
    with hr.expect_navigation():
        hr.get_by_role("button", name="Upload and check (dry run)").click()
    expect(hr.get_by_test_id("import-problems")).to_contain_text(
        'line 2: framework support-formula has no level "heroine"'
    )
    expect(hr.get_by_role("button", name="Apply")).to_have_count(0)
    assert_accessible(hr)
    screenshot(hr, "imports-0-refused")

    # 1. The people file: a dry run that would create Zoë, then Apply.
    upload_and_check(hr, live_server, kind="People", name="people.csv",
                     data=PEOPLE.encode(), shot="imports-1-people")  # fmt: skip
    expect(hr.get_by_test_id("import-counts")).to_contain_text("1 created")
    expect(hr.get_by_test_id("import-lines").locator("tbody tr")).to_have_text(
        re.compile(r"2\s*created")
    )
    assert not Employee.objects.filter(user__email="zoe@example.com").exists()
    apply(hr, "imports-1-people")
    expect(hr.locator(".alert-success")).to_contain_text("Applied: import_people: 1 created")
    zoe = Employee.objects.get(user__email="zoe@example.com")

    # 2. The Zendesk export: Zoë's solved integration ticket counts, the rest skipped by reason.
    upload_and_check(hr, live_server, kind="Helpdesk tickets", name="zendesk.csv",
                     data=ZENDESK.read_bytes(), shot="imports-2-zendesk")  # fmt: skip
    counts = hr.get_by_test_id("import-counts")
    expect(counts).to_contain_text("1 created")
    expect(counts).to_contain_text("8 skipped")
    expect(hr.get_by_test_id("import-lines")).to_contain_text("unknown agent")
    assert not Evidence.objects.exists()
    apply(hr, "imports-2-zendesk")
    assert list(Evidence.objects.values_list("employee", "reference")) == [(zoe.pk, "1001")]

    # A second click on Apply changes nothing more.
    hr.go_back()
    hr.reload()
    expect(hr.get_by_role("button", name="Apply")).to_have_count(0)

    # 3. HR invites Zoë from the admin's people list.
    hr.goto(f"{live_server.url}/admin/people/employee/?q=zoe%40example.com")
    hr.locator(f"input[name=_selected_action][value='{zoe.pk}']").check()
    hr.locator("select[name=action]").select_option("invite")
    with hr.expect_navigation():
        hr.get_by_role("button", name="Go").click()
    expect(hr.locator(".messagelist")).to_contain_text("1 invitation on the way")

    # The live server runs in this process: the locmem mailbox is shared.
    [invitation] = [m for m in mail.outbox if m.to == ["zoe@example.com"]]
    path = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", invitation.body).group(1)

    # 4. Zoë opens the link, sets a password and logs in to her own page.
    person = _new_page(browser, request, viewport={"width": 1280, "height": 900})
    person.goto(f"{live_server.url}{path}")
    person.locator("input[name=new_password1]").fill(NEW_PASSWORD)
    person.locator("input[name=new_password2]").fill(NEW_PASSWORD)
    with person.expect_navigation():
        person.locator("[type=submit]").last.click()
    expect(person.locator("body")).to_contain_text(re.compile("password has been set", re.I))
    screenshot(person, "imports-3-password-set")
    login(person, live_server, "zoe@example.com", NEW_PASSWORD)
    expect(person.locator("main")).to_contain_text("Zoë Müller")
    expect(person.locator("main")).to_contain_text("Hero")
    screenshot(person, "imports-4-zoe-logged-in")
    assert not hr.js_errors and not hr.csp_violations
