"""Login, logout, password reset and the home page."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from people.tests.factories import EmployeeFactory, UserFactory


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/frameworks/", "/frameworks/support-formula/", "/admin/"])
def test_pages_need_a_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "login" in response["Location"]


@pytest.mark.django_db
def test_login_page_is_public_and_logging_in_with_email_works(client, seeded):
    person = EmployeeFactory()
    person.user.set_password("a-long-password-1")
    person.user.save()
    assert client.get(reverse("login")).status_code == 200
    response = client.post(
        reverse("login"), {"username": person.user.username, "password": "a-long-password-1"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


@pytest.mark.django_db
def test_wrong_password_keeps_the_username_and_says_why(client):
    response = client.post(reverse("login"), {"username": "nobody@example.com", "password": "x"})
    assert response.status_code == 200
    assert b"Please enter a correct e-mail and password" in response.content
    assert b'value="nobody@example.com"' in response.content


@pytest.mark.django_db
def test_people_log_in_with_their_address_in_any_case(client):
    user = UserFactory(username="Ann.Lee@Example.com", email="Ann.Lee@Example.com")
    user.set_password("a long passphrase")
    user.save()
    response = client.post(
        reverse("login"), {"username": "ann.lee@example.COM", "password": "a long passphrase"}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.django_db
def test_a_case_that_matches_two_accounts_logs_nobody_in(client):
    for name in ("sam@example.com", "Sam@example.com"):
        user = UserFactory(username=name, email=name)
        user.set_password("a long passphrase")
        user.save()
    response = client.post(
        reverse("login"), {"username": "SAM@EXAMPLE.COM", "password": "a long passphrase"}
    )
    assert response.status_code == 200
    assert b"Please enter a correct e-mail and password" in response.content
    # An exact spelling still reaches its own account.
    response = client.post(
        reverse("login"), {"username": "Sam@example.com", "password": "a long passphrase"}
    )
    assert response.status_code == 302


@pytest.mark.django_db
def test_logout_ends_the_session(client, seeded):
    client.force_login(EmployeeFactory().user)
    assert client.post(reverse("logout")).status_code == 302
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_password_reset_sends_a_link_by_email(client, seeded):
    person = EmployeeFactory()
    response = client.post(reverse("password_reset"), {"email": person.user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert person.user.email in mail.outbox[0].to
    assert "/accounts/reset/" in mail.outbox[0].body


@pytest.mark.django_db
@time_machine.travel(datetime.date(2026, 11, 23))
def test_home_shows_my_level_tenure_and_time_at_level(client, seeded):
    person = EmployeeFactory(
        level_code="superhero",
        hire_date=datetime.date(2023, 11, 23),
        level_since=datetime.date(2025, 11, 24),
    )
    client.force_login(person.user)
    response = client.get("/")
    page = response.content.decode()
    # The level's title, not its code (issue 15 item 6), and one date format.
    assert 'data-testid="current-level">Superhero <small' in page
    assert "superhero · Superhero" not in page
    assert "36 months (since 23 Nov 2023)" in page
    assert "11 months (since 24 Nov 2025)" in page
    assert "assumed" in page  # the Superhero summary is not in the source document


@pytest.mark.django_db
def test_home_for_someone_not_on_a_framework_says_what_to_do(client, seeded):
    client.force_login(UserFactory())
    response = client.get("/")
    assert b"You are not on a career framework yet" in response.content
    assert b"Ask HR to add you" in response.content
