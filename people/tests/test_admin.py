"""HR manages accounts in the admin without being able to become superuser."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from people.tests.factories import UserFactory


@pytest.mark.django_db
def test_hr_cannot_make_itself_superuser(client, hr):
    client.force_login(hr)
    url = reverse("admin:auth_user_change", args=[hr.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="is_superuser"' not in page.content.decode()
    client.post(url, {"username": hr.username, "is_superuser": "on", "is_staff": "on",
                      "is_active": "on", "date_joined_0": "2026-01-01",
                      "date_joined_1": "00:00:00"})  # fmt: skip
    hr.refresh_from_db()
    assert hr.is_superuser is False


@pytest.mark.django_db
def test_hr_cannot_change_a_superuser(client, hr):
    root = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(hr)
    response = client.get(reverse("admin:auth_user_password_change", args=[root.pk]))
    assert response.status_code == 403
    assert get_user_model().objects.get(pk=root.pk).is_superuser
