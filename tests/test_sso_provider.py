"""Single sign-on against a real OpenID Connect provider (issue 16, item 2).

The provider is panva's `oidc-provider` (the certified Node.js implementation), run by
tests/oidc_provider/provider.mjs in its own process on a free port: its own login and
consent pages, authorisation codes, RS256 id tokens, userinfo, JWKS and end-session
endpoint. CareerPath runs in `live_server`; an HTTP client (requests) follows every
redirect between the two and fills in the provider's forms as a person would.

Why this provider rather than django-oauth-toolkit in a second Django project: it starts
in about half a second with nothing to migrate and no users to create (its development
login page accepts any login, and the test names each login's claims), and it is the
provider most relying parties are certified against. `npm ci` in tests/oidc_provider
installs it (.ci/run does); without it these tests skip locally and fail in CI.
"""

import json
import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

from tests.conftest_helpers import IN_CI
from tests.real_services import free_port, wait_for

pytestmark = [pytest.mark.sso, pytest.mark.django_db(transaction=True)]

PROVIDER_DIR = Path(__file__).resolve().parent / "oidc_provider"
CLIENT_ID = "careerpath"
CLIENT_SECRET = "tests-only-client-secret"
PASSWORD = "a-long-enough-password"

#: The claims the provider gives for these logins; any other login is a person whose
#: verified e-mail is the login itself.
ACCOUNTS = {
    "employee": {"email": "Employee@Example.COM", "email_verified": True},
    "unverified": {"email": "employee@example.com", "email_verified": False},
}


class Forms(HTMLParser):
    """The forms of a page: action, method and the named inputs and buttons (with values)."""

    def __init__(self, html: str):
        super().__init__()
        self.forms: list[dict] = []
        self.by_id: dict[str, dict] = {}
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            form = {"action": attrs.get("action", ""), "fields": {}}
            self.forms.append(form)
            if attrs.get("id"):
                self.by_id[attrs["id"]] = form
        elif tag in ("input", "button") and attrs.get("name"):
            # A button outside its form names it (the provider's logout page does that).
            form = self.by_id.get(attrs.get("form")) or (self.forms[-1] if self.forms else None)
            if form is not None:
                form["fields"].setdefault(attrs["name"], attrs.get("value") or "")


class Provider:
    """The oidc-provider process and what CareerPath's settings need to know of it."""

    def __init__(self, app_url: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.app_url = app_url
        self.log = Path(os.environ.get("TMPDIR", "/tmp")) / f"oidc-provider-{self.port}.log"
        self.process = None

    def start(self):
        node = shutil.which("node")
        if node is None or not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
            message = "needs node and `npm ci` in tests/oidc_provider"
            pytest.fail(message) if IN_CI else pytest.skip(message)
        env = {
            **os.environ,
            "PORT": str(self.port),
            "CLIENT_ID": CLIENT_ID,
            "CLIENT_SECRET": CLIENT_SECRET,
            "REDIRECT_URI": f"{self.app_url}/oidc/callback/",
            "POST_LOGOUT_REDIRECT_URI": f"{self.app_url}/accounts/login/",
            "ACCOUNTS": json.dumps(ACCOUNTS),
        }
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [node, "provider.mjs"], cwd=PROVIDER_DIR, env=env, stdout=log, stderr=log
            )
        self.started_in = wait_for(
            self._answers, timeout=30, what="the OpenID provider", log=self.log.read_text
        )

    def _answers(self) -> bool:
        assert self.process.poll() is None, self.log.read_text()
        try:
            return requests.get(self.discovery_url, timeout=1).ok
        except requests.ConnectionError:
            return False

    @property
    def discovery_url(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def settings(self) -> dict:
        """CareerPath's settings for this provider, from its discovery document."""
        discovery = requests.get(self.discovery_url, timeout=5).json()
        return {
            "OIDC_ENABLED": True,
            "OIDC_PROVIDER_NAME": "Test Provider",
            "OIDC_RP_CLIENT_ID": CLIENT_ID,
            "OIDC_RP_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": discovery["authorization_endpoint"],
            "OIDC_OP_TOKEN_ENDPOINT": discovery["token_endpoint"],
            "OIDC_OP_USER_ENDPOINT": discovery["userinfo_endpoint"],
            "OIDC_OP_JWKS_ENDPOINT": discovery["jwks_uri"],
            "OIDC_OP_LOGOUT_ENDPOINT": discovery["end_session_endpoint"],
        }


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
    return provider


@pytest.fixture
def people(seeded):
    """The employee; a leaver; the break-glass superuser."""
    from people.services import employee_leave
    from people.tests.factories import EmployeeFactory, UserFactory

    employee = EmployeeFactory(
        user__username="employee@example.com", user__first_name="Erin", user__last_name="Ng"
    )
    leaver = EmployeeFactory(user__username="leaver@example.com")
    employee_leave(employee=leaver, actor=None, left_on=leaver.hire_date)
    root = UserFactory(username="root@example.com", is_staff=True, is_superuser=True)
    for user in (employee.user, root):
        user.set_password(PASSWORD)
        user.save()
    return {"employee": employee, "leaver": leaver, "root": root}


class Browser:
    """An HTTP client that follows redirects and submits the provider's pages like a person:
    its login form (with `login` and any password), then its consent form."""

    def __init__(self, app_url: str, provider_url: str):
        self.session = requests.Session()
        self.app_url = app_url
        self.provider_url = provider_url
        self.visited: list[str] = []

    def _send(self, method, url, **kwargs):
        response = self.session.request(method, url, timeout=15, **kwargs)
        self.visited += [r.url for r in response.history] + [response.url]
        return response

    def at_provider(self, response) -> bool:
        return response.url.startswith(self.provider_url)

    def through_provider(self, response, login: str | None, *, confirm_logout=False):
        """Submit the provider's pages until the browser is back at CareerPath."""
        for _ in range(5):
            if not self.at_provider(response):
                return response
            assert response.status_code == 200, response.text
            forms = Forms(response.text).forms
            assert forms, f"no form on the provider's page:\n{response.text}"
            form = forms[0]
            fields = dict(form["fields"])
            if "login" in response.text and "password" in response.text and "login" in fields:
                assert login is not None, "the provider asks for a login"
                fields.update(login=login, password="anything")
            if confirm_logout:
                fields["logout"] = "yes"
            response = self._send("POST", urljoin(response.url, form["action"]), data=fields)
        raise AssertionError(f"stuck at the provider: {response.url}")

    def sign_in(self, login: str | None):
        response = self._send("GET", f"{self.app_url}/oidc/authenticate/")
        assert self.at_provider(response), response.url
        return self.through_provider(response, login)

    def post_form(self, page: str, path: str, data: dict):
        """POST to CareerPath from a form on `page`, with that page's CSRF token."""
        html = self._send("GET", f"{self.app_url}{page}").text
        token = next(
            form["fields"]["csrfmiddlewaretoken"]
            for form in Forms(html).forms
            if "csrfmiddlewaretoken" in form["fields"]
        )
        return self._send(
            "POST", f"{self.app_url}{path}", data={"csrfmiddlewaretoken": token, **data}
        )


@pytest.fixture
def browser(sso, live_server):
    return Browser(live_server.url, sso.url)


def test_the_login_page_offers_the_provider(browser):
    page = browser._send("GET", f"{browser.app_url}/accounts/login/")
    assert "Sign in with Test Provider" in page.text


def test_an_employee_signs_in_and_lands_on_their_career(browser, people):
    # The provider's address differs in case from the account's; it is verified.
    page = browser.sign_in("employee")

    assert page.status_code == 200
    assert page.url == f"{browser.app_url}/"
    assert "Erin Ng" in page.text  # the navigation bar names who is logged in
    assert "My career" in page.text
    assert any(url.startswith(f"{browser.app_url}/oidc/callback/?code=") for url in browser.visited)
    # The session's idle clock started with the sign-on, as with a password.
    from django.contrib.sessions.backends.db import SessionStore

    from careerpath.security import IdleSessionMiddleware

    session = SessionStore(session_key=browser.session.cookies.get("sessionid"))
    assert IdleSessionMiddleware.KEY in session
    assert session["oidc_id_token"]  # the hint for the provider's end-session endpoint


def test_a_stranger_is_refused_with_a_page(browser, people):
    page = browser.sign_in("stranger@example.com")

    assert page.status_code == 403
    assert "There is no CareerPath account for you" in page.text
    assert not browser.at_provider(page)
    home = browser._send("GET", f"{browser.app_url}/")
    assert home.url.startswith(f"{browser.app_url}/accounts/login/")  # not logged in
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(email__iexact="stranger@example.com").exists()


def test_a_leaver_is_refused_with_a_page(browser, people):
    page = browser.sign_in("leaver@example.com")

    assert page.status_code == 403
    assert "Your CareerPath account is closed" in page.text
    assert browser._send("GET", f"{browser.app_url}/").url.startswith(
        f"{browser.app_url}/accounts/login/"
    )


def test_an_unverified_email_is_refused_even_when_it_is_an_employees(browser, people):
    page = browser.sign_in("unverified")

    assert page.status_code == 403
    assert "Your e-mail address is not verified" in page.text


def test_logout_ends_the_provider_session_too(browser, people):
    browser.sign_in("employee")
    browser.visited.clear()

    response = browser.post_form("/", "/accounts/logout/", {})
    assert browser.at_provider(response)  # the provider's "sign out?" page
    assert any(url.startswith(f"{browser.provider_url}/session/end") for url in browser.visited)
    assert "id_token_hint=" in next(u for u in browser.visited if "/session/end" in u)
    page = browser.through_provider(response, None, confirm_logout=True)

    assert page.url.startswith(f"{browser.app_url}/accounts/login/")
    assert browser._send("GET", f"{browser.app_url}/").url.startswith(
        f"{browser.app_url}/accounts/login/"
    )
    # The provider forgot the person too: signing in again asks for a login.
    again = browser._send("GET", f"{browser.app_url}/oidc/authenticate/")
    assert browser.at_provider(again)
    assert 'name="login"' in again.text


def test_with_passwords_off_only_the_break_glass_superuser_logs_in_with_one(
    browser, people, settings
):
    settings.PASSWORD_LOGIN = False

    refused = browser.post_form(
        "/accounts/login/",
        "/accounts/login/",
        {"username": "employee@example.com", "password": PASSWORD},
    )
    assert refused.status_code == 200
    assert "Passwords are turned off: please sign in with Test Provider" in refused.text
    assert refused.url.startswith(f"{browser.app_url}/accounts/login/")

    admitted = browser.post_form(
        "/accounts/login/",
        "/accounts/login/",
        {"username": "root@example.com", "password": PASSWORD},
    )
    assert admitted.url == f"{browser.app_url}/"
    assert admitted.status_code == 200


def test_a_locked_out_address_cannot_sign_on_either(browser, people, settings):
    """django-axes stands first among the backends: an address locked for too many failed
    logins gets the lockout page from sign-on too, whatever the provider says."""
    from axes.models import AccessAttempt

    for address in ("127.0.0.1", "::1"):
        AccessAttempt.objects.create(
            username="someone@example.com",
            ip_address=address,
            user_agent="test",
            failures_since_start=settings.LOGIN_LOCKOUT_ADDRESS_FAILURES,
        )

    page = browser.sign_in("employee")

    assert page.status_code == 429
    assert "Too many failed log-ins" in page.text
    assert browser._send("GET", f"{browser.app_url}/").url.startswith(
        f"{browser.app_url}/accounts/login/"
    )


def test_a_refused_sign_on_counts_as_a_failed_login(browser, people):
    from axes.models import AccessAttempt

    browser.sign_in("stranger@example.com")

    assert sum(a.failures_since_start for a in AccessAttempt.objects.all()) == 1
