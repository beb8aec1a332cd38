"""The brakes a person notices: login lockout, password-reset throttling, the idle timeout.

Logins go through the real form (`client.post`), because django-axes needs the
request; elsewhere tests use `client.force_login`.
"""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from people.tests.factories import EmployeeFactory, UserFactory

PASSWORD = "a-long-correct-horse-password"
OFFICE = "203.0.113.7"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def _person(email: str):
    user = UserFactory(username=email, email=email)
    user.set_password(PASSWORD)
    user.save()
    return user


def _log_in(client, email: str, password: str, address: str = OFFICE):
    return client.post(
        reverse("login"), {"username": email, "password": password}, REMOTE_ADDR=address
    )


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- login lockout -------------------------------------------------------------


def test_the_login_form_asks_for_the_e_mail(client):
    page = client.get(reverse("login")).content.decode()
    # The field keeps its form name (password managers, axes and scripts post `username`)...
    assert re.search(r'<input [^>]*name="username"[^>]*id="id_username"', page)
    assert 'name="password"' in page
    # ...and its label says what to type.
    label = re.search(r'<label\s+for="id_username"[^>]*>\s*([^<*]+?)\s*<', page)
    assert label and label[1] == "E-mail"
    assert 'inputmode="email"' in page


def test_a_wrong_password_asks_again_for_the_e_mail_not_a_username(client):
    _person("ann@example.com")
    page = _log_in(client, "ann@example.com", "wrong").content.decode()
    assert "Please enter a correct e-mail and password." in page
    assert "correct username" not in page
    assert _log_in(client, "ann@example.com", PASSWORD).status_code == 302  # then logs in


def test_the_eleventh_attempt_is_refused_even_with_the_right_password(client, settings):
    settings.LOGIN_LOCKOUT_ADDRESS_FAILURES = 100
    _person("ann@example.com")
    _person("bob@example.com")
    for _ in range(9):
        assert _log_in(client, "ann@example.com", "wrong").status_code == 200
    tenth = _log_in(client, "ann@example.com", "wrong")
    assert tenth.status_code == 429
    assert "Too many failed log-ins" in tenth.content.decode()

    eleventh = _log_in(client, "ann@example.com", PASSWORD)
    assert eleventh.status_code == 429
    assert not _logged_in(client)

    # Another person in the same office logs in as usual.
    other = _log_in(client, "bob@example.com", PASSWORD)
    assert other.status_code == 302
    assert _logged_in(client)


def test_the_same_person_from_another_address_is_not_locked(client):
    _person("ann@example.com")
    for _ in range(10):
        _log_in(client, "ann@example.com", "wrong")
    assert _log_in(client, "ann@example.com", PASSWORD, address="198.51.100.2").status_code == 302


def test_the_e_mail_is_compared_without_case(client):
    _person("ann@example.com")
    for attempt in range(10):
        _log_in(client, "Ann@Example.com" if attempt % 2 else "ann@example.com", "wrong")
    assert _log_in(client, "ann@example.com", PASSWORD).status_code == 429


def test_an_address_alone_locks_only_after_many_people_fail(client, settings):
    settings.LOGIN_LOCKOUT_ADDRESS_FAILURES = 12
    for n in range(4):
        _person(f"p{n}@example.com")
    statuses = [
        _log_in(client, f"p{n}@example.com", "wrong").status_code
        for n in range(3)
        for _ in range(4)  # nobody reaches their own limit of 10
    ]
    assert statuses == [200] * 11 + [429]
    # Twelve failures from the office: the address is locked for everyone.
    assert _log_in(client, "p3@example.com", PASSWORD).status_code == 429


def test_the_lock_lifts_after_the_cool_off(client, settings):
    _person("ann@example.com")
    start = datetime.datetime(2026, 11, 26, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(10):
            _log_in(client, "ann@example.com", "wrong")
        clock.shift(settings.AXES_COOLOFF_TIME - datetime.timedelta(minutes=1))
        assert _log_in(client, "ann@example.com", PASSWORD).status_code == 429
        clock.shift(datetime.timedelta(minutes=2))
        assert _log_in(client, "ann@example.com", PASSWORD).status_code == 302
        assert _logged_in(client)


def test_a_successful_login_forgets_earlier_typos(client):
    _person("ann@example.com")
    for _ in range(9):
        _log_in(client, "ann@example.com", "wrong")
    assert _log_in(client, "ann@example.com", PASSWORD).status_code == 302
    client.logout()
    for _ in range(9):
        assert _log_in(client, "ann@example.com", "wrong").status_code == 200
    assert _log_in(client, "ann@example.com", PASSWORD).status_code == 302


def test_behind_the_proxy_the_forwarded_address_counts(client, settings):
    settings.PROXY_COUNT = 1
    _person("ann@example.com")
    for _ in range(10):
        client.post(
            reverse("login"),
            {"username": "ann@example.com", "password": "wrong"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"1.2.3.4, {OFFICE}",
        )
    # Same proxy, another person's address: not locked.
    response = client.post(
        reverse("login"),
        {"username": "ann@example.com", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.2",
    )
    assert response.status_code == 302


# --- password reset --------------------------------------------------------------


def _ask_reset(client, email: str, address: str = OFFICE):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=address)


def test_reset_requests_beyond_the_limit_are_refused_politely(client, settings):
    settings.PASSWORD_RESET_LIMIT_PER_EMAIL = 3
    _person("ann@example.com")
    for _ in range(3):
        assert _ask_reset(client, "ann@example.com").status_code == 302
    assert len(mail.outbox) == 3

    refused = _ask_reset(client, "ann@example.com")
    assert refused.status_code == 429
    assert "check your inbox" in refused.content.decode()
    assert len(mail.outbox) == 3


def test_a_refusal_does_not_tell_whether_an_account_exists(client, settings):
    settings.PASSWORD_RESET_LIMIT_PER_EMAIL = 2
    _person("ann@example.com")
    answers = {}
    for email in ("ann@example.com", "nobody@example.com"):
        below = [_ask_reset(client, email).status_code for _ in range(2)]
        above = _ask_reset(client, email)
        answers[email] = (below, above.status_code, above.content.decode().count("inbox"))
    assert answers["ann@example.com"] == answers["nobody@example.com"] == ([302, 302], 429, 1)
    assert len(mail.outbox) == 2  # Ann's two; nobody has no account


def test_one_address_cannot_ask_for_many_people(client, settings):
    settings.PASSWORD_RESET_LIMIT_PER_ADDRESS = 5
    for n in range(5):
        assert _ask_reset(client, f"p{n}@example.com").status_code == 302
    assert _ask_reset(client, "p5@example.com").status_code == 429
    assert _ask_reset(client, "p5@example.com", address="198.51.100.2").status_code == 302


def test_the_reset_limit_lifts_after_the_window(client, settings):
    settings.PASSWORD_RESET_LIMIT_PER_EMAIL = 1
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    start = datetime.datetime(2026, 11, 26, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False) as clock:
        assert _ask_reset(client, "ann@example.com").status_code == 302
        assert _ask_reset(client, "ann@example.com").status_code == 429
        clock.shift(datetime.timedelta(minutes=settings.PASSWORD_RESET_WINDOW_MINUTES + 1))
        assert _ask_reset(client, "ann@example.com").status_code == 302


# --- idle timeout ------------------------------------------------------------------


def test_an_idle_session_is_logged_out(client, seeded, settings):
    employee = EmployeeFactory()
    start = datetime.datetime(2026, 11, 26, 9, 0, tzinfo=datetime.UTC)
    idle = datetime.timedelta(minutes=settings.SESSION_IDLE_TIMEOUT_MINUTES)
    with time_machine.travel(start, tick=False) as clock:
        client.force_login(employee.user)
        assert client.get(reverse("home")).status_code == 200
        clock.shift(idle + datetime.timedelta(minutes=1))
        response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_session_in_use_stays_open(client, seeded, settings):
    employee = EmployeeFactory()
    start = datetime.datetime(2026, 11, 26, 9, 0, tzinfo=datetime.UTC)
    idle = datetime.timedelta(minutes=settings.SESSION_IDLE_TIMEOUT_MINUTES)
    with time_machine.travel(start, tick=False) as clock:
        client.force_login(employee.user)
        for _ in range(3):  # a working day and more, never idle for long
            clock.shift(idle - datetime.timedelta(minutes=5))
            assert client.get(reverse("home")).status_code == 200
