"""The team and review pages: 50 rows a page (?page=N) and search by name, issue 14."""

import datetime

import pytest
from django.urls import reverse

from assessments.models import Evidence
from people.tests.factories import EmployeeFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def big_team(seeded):
    """A manager with 55 reports, one named Zebedee Quartz, each with two items waiting."""
    manager = EmployeeFactory(level_code="senior-superhero")
    reports = [
        EmployeeFactory(manager=manager, user=UserFactory(first_name=f"Person{n:02d}"))
        for n in range(54)
    ]
    reports.append(
        EmployeeFactory(manager=manager, user=UserFactory(first_name="Zebedee", last_name="Quartz"))
    )
    Evidence.objects.bulk_create(
        Evidence(
            employee=person, kind="ticket", category="api", title=f"{person.name} {n}",
            occurred_on=datetime.date(2026, 3, 1), status="submitted",
        )
        for person in reports
        for n in range(2)
    )  # fmt: skip
    return {"manager": manager, "reports": reports}


def get(client, user, url, **params):
    client.force_login(user)
    response = client.get(url, params)
    assert response.status_code == 200
    return response


def test_the_team_page_shows_50_a_page_and_the_rest_on_the_next(client, big_team):
    url = reverse("promotions:team")
    first = get(client, big_team["manager"].user, url, sort="name")
    assert len(first.context["rows"]) == 50
    assert first.context["page_obj"].paginator.count == 55
    html = first.content.decode()
    assert 'data-testid="pager"' in html and "page=2" in html and "sort=name" in html
    second = get(client, big_team["manager"].user, url, sort="name", page=2)
    assert len(second.context["rows"]) == 5
    seen = [r.status.employee.pk for r in first.context["rows"]]
    seen += [r.status.employee.pk for r in second.context["rows"]]
    assert sorted(seen) == sorted(p.pk for p in big_team["reports"])
    for bad in ("0", "99", "x", "-1"):  # never an error: the first or the last page
        assert len(get(client, big_team["manager"].user, url, page=bad).context["rows"]) in (
            50,
            5,
        )


def test_the_team_page_searches_by_name(client, big_team):
    url = reverse("promotions:team")
    found = get(client, big_team["manager"].user, url, q="zebedee QUA").context["rows"]
    assert [r.status.employee.name for r in found] == ["Zebedee Quartz"]
    none = get(client, big_team["manager"].user, url, q="nobody-like-this")
    assert list(none.context["rows"]) == [] and (
        "None of the 55 people in your team has a name matching “nobody-like-this”."
        in none.content.decode()
    )
    outsider = EmployeeFactory(user=UserFactory(first_name="Zebedee"))  # not in the team
    found = get(client, big_team["manager"].user, url, q="Zebedee").context["rows"]
    assert outsider.pk not in [r.status.employee.pk for r in found]


def test_the_review_queue_shows_50_a_page_with_counts_for_everything(client, big_team):
    url = reverse("assessments:review_queue")
    first = get(client, big_team["manager"].user, url, kind="ticket")
    assert len(first.context["items"]) == 50
    assert first.context["total"] == 110 and dict(first.context["by_kind"]) == {"ticket": 110}
    last = get(client, big_team["manager"].user, url, kind="ticket", page=3)
    assert len(last.context["items"]) == 10
    assert "kind=ticket" in last.content.decode()  # the pager keeps the filter
    pages = [get(client, big_team["manager"].user, url, page=n) for n in (1, 2, 3)]
    ids = [item.pk for response in pages for item in response.context["items"]]
    assert len(ids) == len(set(ids)) == 110


def test_the_review_queue_searches_by_name(client, big_team):
    url = reverse("assessments:review_queue")
    response = get(client, big_team["manager"].user, url, q="quartz")
    assert {item.name for item in response.context["items"]} == {"Zebedee Quartz"}
    assert len(response.context["items"]) == 2
    assert response.context["total"] == 110  # the counts stay those of the whole queue
    assert (
        "Nothing waiting matches"
        in get(client, big_team["manager"].user, url, q="nobody-like-this").content.decode()
    )
