"""Single sign-on and the password switch, without a provider (careerpath/sso.py).

What a real provider does is in tests/test_sso_provider.py; here are the rules that need
none: the default (off) changes nothing, the backend's matching and refusals for claims
the provider's userinfo endpoint would send (the one place the provider is stood in for),
the refusal page, passwords off, and the settings' own checks.
"""

import os
import subprocess
import sys
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import RequestFactory

from careerpath.sso import EmployeeOIDCBackend
from tests.test_settings import _import_settings

PASSWORD = "a-long-enough-password"
PROVIDER = "https://sso.example.com"


@pytest.fixture
def sso_on(settings):
    settings.OIDC_ENABLED = True
    settings.OIDC_PROVIDER_NAME = "Acme SSO"
    settings.OIDC_RP_CLIENT_ID = "careerpath"
    settings.OIDC_RP_CLIENT_SECRET = "secret"
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{PROVIDER}/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{PROVIDER}/token"
    settings.OIDC_OP_USER_ENDPOINT = f"{PROVIDER}/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{PROVIDER}/jwks"
    settings.OIDC_OP_LOGOUT_ENDPOINT = f"{PROVIDER}/logout"
    return settings


@pytest.fixture
def employee(seeded):
    from people.tests.factories import EmployeeFactory

    employee = EmployeeFactory(user__username="erin@example.com")
    employee.user.set_password(PASSWORD)
    employee.user.save()
    return employee


def sign_on(claims: dict):
    """(the account the backend signs in or None, the refusal code it left) for these
    userinfo claims."""
    request = RequestFactory().get("/oidc/callback/")
    backend = EmployeeOIDCBackend()
    backend.request = request
    with mock.patch.object(EmployeeOIDCBackend, "get_userinfo", return_value=claims):
        try:
            user = backend.get_or_create_user("access", "id", {})
        except Exception as error:  # what mozilla-django-oidc's authenticate() catches
            assert type(error).__name__ == "SuspiciousOperation", error
            user = None
    return user, getattr(request, "sso_refusal", None)


# --- off, the default ---------------------------------------------------------------


@pytest.mark.django_db
def test_off_the_login_page_offers_only_the_password(client):
    page = client.get("/accounts/login/")
    assert "Sign in with" not in page.text
    assert 'name="password"' in page.text


# --- matching -------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_verified_address_signs_in_its_account_whatever_its_case(sso_on, employee):
    user, refusal = sign_on({"email": "ERIN@Example.com", "email_verified": True})
    assert (user, refusal) == (employee.user, None)


@pytest.mark.django_db
@pytest.mark.parametrize("verified", [False, "true", None])
def test_only_an_address_the_provider_verified_counts(sso_on, employee, verified):
    claims = {"email": "erin@example.com"}
    if verified is not None:
        claims["email_verified"] = verified
    assert sign_on(claims) == (None, "unverified")


@pytest.mark.django_db
def test_a_stranger_is_refused_and_no_account_is_made(sso_on, employee):
    users = get_user_model().objects.count()
    assert sign_on({"email": "new@example.com", "email_verified": True}) == (None, "unknown")
    assert get_user_model().objects.count() == users


@pytest.mark.django_db
def test_two_accounts_with_one_address_are_refused_rather_than_guessed(sso_on, employee):
    from people.tests.factories import UserFactory

    UserFactory(username="erin.old", email="Erin@example.com")
    assert sign_on({"email": "erin@example.com", "email_verified": True}) == (
        None,
        "ambiguous",
    )


@pytest.mark.django_db
def test_a_leaver_is_refused(sso_on, employee):
    from people.services import employee_leave

    employee_leave(employee=employee, actor=None, left_on=employee.hire_date)
    assert sign_on({"email": "erin@example.com", "email_verified": True}) == (None, "inactive")


@pytest.mark.django_db
def test_an_inactive_profile_is_refused_even_with_an_active_account(sso_on, employee):
    type(employee).objects.filter(pk=employee.pk).update(is_active=False)
    assert sign_on({"email": "erin@example.com", "email_verified": True}) == (None, "inactive")


@pytest.mark.django_db
def test_no_address_at_all_is_refused(sso_on, employee):
    assert sign_on({"sub": "42"}) == (None, "no_email")


@pytest.mark.django_db
def test_a_signed_on_session_ends_when_the_person_leaves(sso_on, employee, client):
    from people.services import employee_leave

    client.force_login(employee.user, backend="careerpath.sso.EmployeeOIDCBackend")
    assert client.get("/").status_code == 200
    employee_leave(employee=employee, actor=None, left_on=employee.hire_date)
    assert client.get("/")["Location"].startswith("/accounts/login/")


# --- the pages ------------------------------------------------------------------------


@pytest.mark.django_db
def test_on_the_login_page_offers_the_provider(sso_on, client):
    page = client.get("/accounts/login/?next=/team/")
    assert "Sign in with Acme SSO" in page.text
    assert 'href="/oidc/authenticate/?next=/team/"' in page.text


@pytest.mark.django_db
def test_signing_on_starts_at_the_provider_with_pkce_state_and_nonce(sso_on, client):
    response = client.get("/oidc/authenticate/?next=/team/")
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{PROVIDER}/authorize"
    query = {key: values[0] for key, values in parse_qs(location.query).items()}
    assert query["client_id"] == "careerpath"
    assert query["redirect_uri"] == "http://testserver/oidc/callback/"
    assert query["scope"] == "openid email"
    assert query["code_challenge_method"] == "S256"
    assert query["state"] and query["nonce"]
    assert client.session["oidc_login_next"] == "/team/"


@pytest.mark.django_db
def test_signing_on_refuses_a_next_address_elsewhere(sso_on, client):
    client.get("/oidc/authenticate/?next=https://evil.example.com/")
    assert client.session["oidc_login_next"] is None


@pytest.mark.django_db
def test_a_cancelled_sign_in_is_a_page_not_a_loop(sso_on, client):
    page = client.get("/oidc/callback/?error=access_denied&state=whatever")
    assert page.status_code == 403
    assert "The sign-in service did not sign you in" in page.text
    assert "Back to the login page" in page.text


@pytest.mark.django_db
def test_a_callback_without_a_code_is_refused(sso_on, client):
    page = client.get("/oidc/callback/")
    assert page.status_code == 403


@pytest.mark.django_db
def test_logout_of_a_password_session_stays_here(sso_on, employee, client):
    client.force_login(employee.user)
    response = client.post("/accounts/logout/")
    assert response["Location"] == "/accounts/login/"


@pytest.mark.django_db
def test_logout_of_a_signed_on_session_goes_to_the_provider(sso_on, employee, client):
    client.force_login(employee.user, backend="careerpath.sso.EmployeeOIDCBackend")
    session = client.session
    session["oidc_id_token"] = "the.id.token"
    session.save()

    response = client.post("/accounts/logout/")

    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{PROVIDER}/logout"
    assert parse_qs(location.query) == {
        "id_token_hint": ["the.id.token"],
        "client_id": ["careerpath"],
        "post_logout_redirect_uri": ["http://testserver/accounts/login/"],
    }
    assert "_auth_user_id" not in client.session


# --- passwords off --------------------------------------------------------------------


@pytest.fixture
def passwords_off(sso_on):
    sso_on.PASSWORD_LOGIN = False
    return sso_on


@pytest.fixture
def root(db):
    from people.tests.factories import UserFactory

    user = UserFactory(username="root@example.com", is_staff=True, is_superuser=True)
    user.set_password(PASSWORD)
    user.save()
    return user


def _login(client, username, path="/accounts/login/"):
    return client.post(path, {"username": username, "password": PASSWORD})


@pytest.mark.django_db
def test_passwords_off_refuses_an_employees_right_password_with_a_clear_message(
    passwords_off, employee, client
):
    page = _login(client, "erin@example.com")
    assert page.status_code == 200
    assert "Passwords are turned off: please sign in with Acme SSO" in page.text
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_passwords_off_admits_the_break_glass_superuser(passwords_off, root, client):
    assert _login(client, "root@example.com")["Location"] == "/"


@pytest.mark.django_db
def test_break_glass_users_narrows_the_superusers_who_keep_a_password(passwords_off, root, client):
    passwords_off.BREAK_GLASS_USERS = ["someone.else@example.com"]
    assert _login(client, "root@example.com").status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_passwords_off_also_closes_the_admin_login_to_hr(passwords_off, hr, client):
    hr.set_password(PASSWORD)
    hr.save()
    page = _login(client, "hr@example.com", path="/admin/login/")
    assert page.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_passwords_off_sends_reset_links_only_to_break_glass_accounts(
    passwords_off, employee, root, client
):
    page = client.get("/accounts/password_reset/")
    assert "Passwords are turned off" in page.text

    client.post("/accounts/password_reset/", {"email": "erin@example.com"})
    assert mail.outbox == []
    client.post("/accounts/password_reset/", {"email": "root@example.com"})
    assert [message.to for message in mail.outbox] == [["root@example.com"]]


@pytest.mark.django_db
def test_passwords_on_the_reset_is_as_before(sso_on, employee, client):
    client.post("/accounts/password_reset/", {"email": "erin@example.com"})
    assert [message.to for message in mail.outbox] == [["erin@example.com"]]


# --- settings -------------------------------------------------------------------------


def test_sign_on_without_its_endpoints_is_a_clear_configuration_error():
    result = _import_settings({"DEBUG": "1", "OIDC_ENABLED": "1", "OIDC_RP_CLIENT_ID": "x"})
    assert result.returncode != 0
    assert "OIDC_ENABLED is on but OIDC_RP_CLIENT_SECRET, OIDC_OP_AUTHORIZATION" in result.stderr


def test_passwords_off_without_sign_on_is_a_clear_configuration_error():
    result = _import_settings({"DEBUG": "1", "PASSWORD_LOGIN": "0"})
    assert result.returncode != 0
    assert "PASSWORD_LOGIN is off but OIDC_ENABLED is not on" in result.stderr


def test_the_logout_redirect_to_the_provider_is_allowed_by_the_csp():
    endpoints = (
        "OIDC_RP_CLIENT_ID",
        "OIDC_RP_CLIENT_SECRET",
        "OIDC_OP_AUTHORIZATION_ENDPOINT",
        "OIDC_OP_TOKEN_ENDPOINT",
        "OIDC_OP_USER_ENDPOINT",
        "OIDC_OP_JWKS_ENDPOINT",
        "OIDC_OP_LOGOUT_ENDPOINT",
    )
    env = {"DEBUG": "1", "OIDC_ENABLED": "1", **dict.fromkeys(endpoints, f"{PROVIDER}/x")}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from careerpath import settings as s; "
            "print(s.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action'])",
        ],
        env={**os.environ, **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
    )
    assert result.stdout.strip() == f"[\"'self'\", '{PROVIDER}']", result.stderr


@pytest.mark.django_db
def test_passwords_off_sends_no_invitations_to_set_one(passwords_off, employee, hr):
    from people.models import Employee
    from people.services import employees_invite

    invited, problems = employees_invite(
        employees=Employee.objects.filter(pk=employee.pk), actor=hr
    )
    assert invited == 0
    assert problems == [
        "Passwords are turned off: people sign in with Acme SSO, so nobody was invited to set one."
    ]
    employee.refresh_from_db()
    assert employee.invited_at is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query", ["code=%00&state=x", "state=a%01b&code=c", "error=%00", "co%00de=x&state=y"]
)
def test_control_characters_in_the_callback_are_a_bad_request(sso_on, client, query):
    response = client.get(f"/oidc/callback/?{query}")
    assert response.status_code == 400
    assert "control character" in response.text
