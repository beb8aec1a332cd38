"""Notifications where people look: an unread count in the navigation, the latest on My
career, and "Mark all as read" only when something is unread (issue 15 item 5)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from people.tests.factories import EmployeeFactory, UserFactory
from promotions.models import Notification

pytestmark = pytest.mark.django_db


def notify(user, key, *, read=False, subject=None):
    return Notification.objects.create(
        recipient=user, kind="milestone", key=key, subject=subject or f"Subject {key}",
        read_at=timezone.now() if read else None,
    )  # fmt: skip


def get(client, user, name):
    client.force_login(user)
    return client.get(reverse(name)).content.decode()


def test_the_navigation_counts_my_unread_notifications(client, seeded):
    person = EmployeeFactory()
    notify(person.user, "a")
    notify(person.user, "b")
    notify(person.user, "c", read=True)
    notify(EmployeeFactory().user, "someone-else")  # never counted for me
    html = get(client, person.user, "frameworks:list")
    assert 'data-testid="unread-count">2<span class="visually-hidden"> unread</span>' in html


def test_no_badge_when_everything_is_read(client, seeded):
    person = EmployeeFactory()
    notify(person.user, "a", read=True)
    assert 'data-testid="unread-count"' not in get(client, person.user, "frameworks:list")


def test_no_badge_for_someone_without_a_career_profile(client, seeded):
    user = UserFactory()
    notify(user, "a")
    assert 'data-testid="unread-count"' not in get(client, user, "frameworks:list")


def test_my_career_shows_the_latest_notifications_and_the_unread_count(client, seeded):
    person = EmployeeFactory()
    notify(person.user, "old", read=True, subject="Already read")
    for n in range(7):
        notify(person.user, f"n{n}", subject=f"Milestone number {n}")
    html = get(client, person.user, "home")
    assert "7 unread" in html
    # The latest five, newest first; the rest are on the notifications page.
    assert "Milestone number 6" in html and "Milestone number 2" in html
    assert "Milestone number 1" not in html and "Already read" not in html
    assert "Mark all as read" in html


def test_mark_all_as_read_is_offered_only_when_something_is_unread(client, seeded):
    person = EmployeeFactory()
    notify(person.user, "a", read=True)
    assert "Mark all as read" not in get(client, person.user, "promotions:notifications")
    assert "Mark all as read" not in get(client, person.user, "home")
    notify(person.user, "b")
    assert "Mark all as read" in get(client, person.user, "promotions:notifications")
    client.post(reverse("promotions:notifications_read"))
    html = get(client, person.user, "promotions:notifications")
    assert "Mark all as read" not in html and 'data-testid="unread-count"' not in html
