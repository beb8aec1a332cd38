"""Our own error pages: a plain explanation, the site's navigation and a way back.

And no menu entry leads to a refusal for the person who sees it.
"""

import re

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views import defaults

from people.tests.factories import EmployeeFactory, UserFactory

pytestmark = pytest.mark.django_db


def _way_back(html: str) -> str:
    match = re.search(r'<a [^>]*href="([^"]+)"[^>]*data-testid="way-back"', html)
    assert match, "the page offers no way back"
    return match.group(1)


def test_404_explains_and_leads_back_with_the_menu(client, seeded):
    employee = EmployeeFactory()
    client.force_login(employee.user)
    response = client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "We could not find that page" in html
    assert _way_back(html) == reverse("home")
    assert 'aria-label="Main navigation"' in html and "My evidence" in html


def test_403_says_why_and_leads_back(client, seeded):
    employee = EmployeeFactory()
    client.force_login(employee.user)
    response = client.get(reverse("promotions:reports"))
    html = response.content.decode()
    assert response.status_code == 403
    assert "This page is not open to you" in html
    assert "HR reports are for HR." in html
    assert _way_back(html) == reverse("home")
    assert "Log out" in html


def test_400_explains_and_leads_back(client):
    response = client.get("/", HTTP_HOST="not-our-host.example")
    html = response.content.decode()
    assert response.status_code == 400
    assert "We could not understand that request" in html
    assert _way_back(html) == reverse("home")


def test_csrf_failure_explains_and_leads_back(seeded):
    employee = EmployeeFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(employee.user)
    response = client.post(reverse("assessments:evidence_create"), {"title": "x"})
    html = response.content.decode()
    assert response.status_code == 403
    assert "That form had expired" in html and "Nothing was saved" in html
    assert _way_back(html) == reverse("home")
    assert "My evidence" in html  # the menu is there


def test_csrf_failure_on_the_login_form_leads_to_log_in():
    response = Client(enforce_csrf_checks=True).post(
        reverse("login"), {"username": "a@example.com", "password": "x"}
    )
    assert response.status_code == 403
    assert _way_back(response.content.decode()) == reverse("login")


@pytest.mark.django_db(databases=[])
def test_500_renders_without_the_database():
    """No database access is allowed in this test: the 500 page must not need one."""
    request = RequestFactory().get("/")
    response = defaults.server_error(request)
    html = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in html
    assert _way_back(html) == reverse("home")


# --- no menu entry answers 403 --------------------------------------------------------


def _menu_links(html: str) -> list[str]:
    nav = html.split('aria-label="Main navigation"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'class="nav-link" href="([^"]+)"', nav)


@pytest.fixture
def people(seeded, hr):
    boss = EmployeeFactory(level_code="senior-superhero")
    report = EmployeeFactory(manager=boss)
    hr_on_framework = EmployeeFactory(user=UserFactory(username="hr2@example.com", is_staff=True))
    hr_on_framework.user.groups.add(*hr.groups.all())
    return {
        "employee": report.user,
        "manager": boss.user,
        "hr without a career profile": hr,
        "hr with a career profile": hr_on_framework.user,
        "someone not on a framework": UserFactory(),
    }


@pytest.mark.parametrize(
    "who",
    [
        "employee",
        "manager",
        "hr without a career profile",
        "hr with a career profile",
        "someone not on a framework",
    ],
)
def test_every_menu_entry_opens_for_the_person_who_sees_it(client, people, who):
    client.force_login(people[who])
    links = _menu_links(client.get(reverse("home")).content.decode())
    assert reverse("home") in links
    refused = {link: client.get(link).status_code for link in links}
    assert {link: status for link, status in refused.items() if status >= 400} == {}


def test_the_menu_shows_each_role_its_pages(client, people):
    def menu(who):
        client.force_login(people[who])
        return set(_menu_links(client.get(reverse("home")).content.decode()))

    team, reports = reverse("promotions:team"), reverse("promotions:reports")
    evidence = reverse("assessments:evidence_list")
    assert team in menu("manager") and reports not in menu("manager")
    assert team not in menu("employee") and reports not in menu("employee")
    assert reports in menu("hr without a career profile")
    assert evidence not in menu("hr without a career profile")
    assert evidence not in menu("someone not on a framework")
