"""No 500 on any input (issue 11, item 2): far dates already stored, control characters in
parameters, odd ids in admin URLs. Run on PostgreSQL too, where NUL is refused by the
database itself."""

import datetime

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from frameworks.months import add_months, full_months_between
from people.tests.factories import EmployeeFactory, UserFactory

pytestmark = pytest.mark.django_db

FAR = datetime.date(9999, 12, 31)


@pytest.fixture
def superuser(db):
    return UserFactory(username="root@example.com", is_staff=True, is_superuser=True)


def test_month_arithmetic_stays_in_the_calendar():
    assert add_months(FAR, 1) == datetime.date.max
    assert add_months(datetime.date(1, 1, 1), -1) == datetime.date.min
    assert full_months_between(datetime.date(2024, 1, 1), FAR) > 0
    assert add_months(datetime.date(2024, 1, 31), 1) == datetime.date(2024, 2, 29)


def test_a_person_stored_with_a_far_hire_date_breaks_no_page(seeded, hr):
    """Stored before dates were bounded: their page, every manager's team page above them
    and the HR reports still answer."""
    top = EmployeeFactory(user=UserFactory(username="top@example.com"))
    boss = EmployeeFactory(manager=top, user=UserFactory(username="boss@example.com"))
    far = EmployeeFactory(manager=boss, hire_date=FAR, level_since=FAR)
    client = Client()
    for user in (boss.user, top.user):
        client.force_login(user)
        assert client.get(reverse("promotions:team")).status_code == 200
        page = client.get(reverse("promotions:person", args=[far.pk]))
        assert page.status_code == 200
        assert far.name in page.content.decode()
    client.force_login(far.user)
    assert client.get(reverse("home")).status_code == 200
    client.force_login(hr)
    assert client.get(reverse("promotions:reports")).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/review/?kind=%00",
        "/team/?q=%00",
        "/evidence/?status=a%01b",
        "/reports/?export=%00",
        "/admin/people/employee/?team=%00",
        "/admin/people/employee/?q=x%00",
        "/admin/people/employee/?te%00am=x",
        "/frameworks/support%00formula/",
    ],
)
def test_control_characters_in_a_url_are_a_bad_request(seeded, superuser, url):
    client = Client()
    client.force_login(superuser)
    response = client.get(url)
    assert response.status_code == 400
    assert "control character" in response.content.decode()


def test_control_characters_in_a_form_are_a_bad_request_and_change_nothing(seeded):
    person = EmployeeFactory()
    client = Client()
    client.force_login(person.user)
    before = person.evidence.count()
    response = client.post(
        reverse("assessments:evidence_create"),
        {"kind": "document", "title": "Runbook\x00", "occurred_on": "2026-01-05"},
    )
    assert response.status_code == 400
    assert person.evidence.count() == before


def test_tab_and_newlines_in_a_form_are_ordinary_text(seeded):
    person = EmployeeFactory()
    client = Client()
    client.force_login(person.user)
    response = client.post(
        reverse("assessments:evidence_create"),
        {
            "kind": "document",
            "title": "Runbook\tv2",
            "description": "line 1\r\nline 2",
            "occurred_on": "2026-01-05",
        },  # fmt: skip
    )
    assert response.status_code != 400


def test_an_absurd_year_in_an_admin_date_drill_down_is_a_bad_request(seeded, superuser):
    client = Client()
    client.force_login(superuser)
    url = reverse("admin:assessments_evidence_changelist")
    assert client.get(url, {"occurred_on__year": "99999999999"}).status_code == 400
    assert client.get(url, {"occurred_on__year": "2026"}).status_code == 200


ODD_IDS = ["abc", "0", "-1", "99999999999999999999", "%00", "1%00", "1.5", "%C2%B2"]


def _admin_object_urls():
    """Every registered ModelAdmin's URLs that take an object id, with a placeholder id."""
    urls = []
    for model, model_admin in admin.site._registry.items():
        for pattern in model_admin.urls:
            route = str(pattern.pattern)
            prefix = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
            for kwarg in ("<path:object_id>", "<id>"):
                if kwarg in route:
                    urls.append(prefix + route.replace(kwarg, "{id}"))
            if "([^/]+)" in route:  # django-simple-history's record page, ids positional
                urls.append(prefix + route.strip("^$").replace("([^/]+)", "{id}"))
    return urls


@pytest.mark.parametrize("url", _admin_object_urls())
def test_admin_pages_with_an_odd_id_answer_not_found(seeded, hr, superuser, url):
    client = Client()
    for user in (hr, superuser):
        client.force_login(user)
        for odd in ODD_IDS:
            response = client.get(url.format(id=odd))
            assert response.status_code in (400, 404), (url.format(id=odd), response.status_code)


def test_a_history_record_page_with_an_odd_record_id_answers_not_found(seeded, superuser):
    person = EmployeeFactory()
    client = Client()
    client.force_login(superuser)
    for odd in ODD_IDS:
        url = f"/admin/people/employee/{person.pk}/history/{odd}/"
        assert client.get(url).status_code in (400, 404), url


def test_admin_object_urls_cover_history_and_custom_views():
    urls = _admin_object_urls()
    assert "/admin/people/employee/{id}/history/{id}/" in urls
    assert "/admin/people/employee/{id}/history/" in urls
    assert "/admin/people/employee/{id}/level/" in urls
    assert "/admin/frameworks/framework/{id}/draft/" in urls
    assert "/admin/frameworks/framework/{id}/discard/" in urls


def test_the_admin_refuses_a_hire_date_outside_the_bounds(seeded, superuser):
    """Saved before, it was the 9999-12-31 that broke every manager's team page."""
    from frameworks.tests.test_admin_pages import form_data

    person = EmployeeFactory()
    client = Client()
    client.force_login(superuser)
    url = reverse("admin:people_employee_change", args=[person.pk])
    data = form_data(client.get(url).content.decode())
    data.update(hire_date=["9999-12-31"], level_since=["9999-12-31"])
    response = client.post(url, data)
    assert response.status_code == 200
    assert "9999-12-31 is not between 1900-01-01 and 2100-12-31" in response.content.decode()
    person.refresh_from_db()
    assert person.hire_date == datetime.date(2024, 1, 15)


def test_the_evidence_form_refuses_a_date_before_1900(seeded):
    person = EmployeeFactory()
    client = Client()
    client.force_login(person.user)
    page = client.get(reverse("assessments:evidence_create")).content.decode()
    assert 'min="1900-01-01"' in page
    response = client.post(
        reverse("assessments:evidence_create"),
        {"kind": "document", "title": "Runbook", "occurred_on": "1899-12-31"},
    )
    assert response.status_code == 200
    assert "1899-12-31 is not between 1900-01-01 and 2100-12-31" in response.content.decode()
    assert not person.evidence.exists()
