"""Single sign-on in Chromium, against the real provider of tests/test_sso_provider.py.

What an HTTP client cannot show: the browser itself enforces the Content-Security-Policy.
Logging out is a form posted to CareerPath whose answer redirects to the provider's
end-session page, and Chromium holds a form's redirects to `form-action`: the policy
must name the provider (careerpath/settings.py adds its origin when
OIDC_OP_LOGOUT_ENDPOINT is set), or the logout stops at CareerPath's page.
"""

import copy
import re

import pytest
from playwright.sync_api import expect

from tests.test_sso_provider import Provider

pytestmark = [pytest.mark.browser, pytest.mark.sso, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def provider(live_server):
    provider = Provider(live_server.url)
    provider.start()
    yield provider
    provider.stop()


@pytest.fixture
def sso(provider, settings):
    for name, value in provider.settings().items():
        setattr(settings, name, value)
    # As careerpath/settings.py does with these settings in the environment.
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["form-action"].append(provider.url)
    settings.CONTENT_SECURITY_POLICY = policy
    return provider


@pytest.fixture
def erin(seeded):
    from people.tests.factories import EmployeeFactory

    return EmployeeFactory(
        user__username="erin@example.com", user__first_name="Erin", user__last_name="Ng"
    )


def sign_in(page, live_server, login: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name="Sign in with Test Provider").click()
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("anything")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()


def test_sign_in_and_out_through_the_provider_in_a_browser(page, live_server, sso, erin):
    sign_in(page, live_server, "erin@example.com")
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="My career Erin Ng")).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(sso.url)}/session/end"))
    page.get_by_role("button", name="Yes, sign me out").click()

    expect(page).to_have_url(re.compile(rf"^{re.escape(live_server.url)}/accounts/login/"))
    ours = [v for v in page.csp_violations if "form-action" in v]
    assert ours == [], ours


def test_a_stranger_sees_the_refusal_page_in_a_browser(page, live_server, sso, erin):
    sign_in(page, live_server, "stranger@example.com")
    expect(
        page.get_by_role("heading", name="There is no CareerPath account for you")
    ).to_be_visible()
    expect(page.get_by_role("link", name="Back to the login page")).to_be_visible()
