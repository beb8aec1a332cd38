"""My team for a large team (issue 15 item 2, issue 14): filtered, sorted and paged by the
database from the last check's verdicts, each shown row judged now, and a CSV of the view."""

import csv
import datetime
import io
from urllib.parse import parse_qs

import pytest
from django.utils import timezone

from assessments.models import Evidence
from people.tests.factories import EmployeeFactory, UserFactory
from promotions.services import periodic_checks_run
from promotions.tests.test_sweep import make_ready_hero

pytestmark = pytest.mark.django_db
URL = "/team/"


@pytest.fixture
def team(seeded):
    """A lead with a ready hero, a hero one integration ticket short (waiting for review),
    a new hero, and a top-level report who has a report of her own."""
    lead = EmployeeFactory(level_code="senior-superhero")
    ready = make_ready_hero(manager=lead)
    almost = make_ready_hero(manager=lead)
    Evidence.objects.filter(employee=almost, category="integration").first().delete()
    waiting = Evidence.objects.create(
        employee=almost, kind="ticket", category="integration", title="The third one",
        occurred_on=datetime.date(2026, 3, 1), status="submitted",
    )  # fmt: skip
    new = EmployeeFactory(manager=lead, level_code="hero", hire_date=timezone.localdate())
    top = EmployeeFactory(manager=lead, level_code="senior-superhero")
    below = EmployeeFactory(manager=top, level_code="hero")
    periodic_checks_run(as_of=timezone.localdate())
    return {"lead": lead, "ready": ready, "almost": almost, "new": new, "top": top,
            "below": below, "waiting": waiting}  # fmt: skip


def get(client, user, **params):
    client.force_login(user)
    response = client.get(URL, params)
    assert response.status_code == 200
    return response


def names(response) -> list:
    return [row.status.employee for row in response.context["rows"]]


def test_readiness_sorts_the_eligible_first_and_reverses_with_the_top_of_track_last(client, team):
    order = names(get(client, team["lead"].user))
    assert order[:2] == [team["ready"], team["almost"]]
    assert order[-1] == team["top"]  # nothing to be ready for: last
    reversed_order = names(get(client, team["lead"].user, sort="-readiness"))
    assert reversed_order.index(team["ready"]) > reversed_order.index(team["almost"])
    assert reversed_order[-1] == team["top"]  # last whichever the direction


def test_waiting_and_name_sorts_reverse(client, team):
    assert names(get(client, team["lead"].user, sort="waiting"))[0] == team["almost"]
    by_name = names(get(client, team["lead"].user, sort="name"))
    assert names(get(client, team["lead"].user, sort="-name")) == by_name[::-1]


def test_the_sort_links_keep_every_filter_and_the_page_and_reverse_the_active_one(client, team):
    response = get(
        client, team["lead"].user, q="a", level="hero", eligible="1", direct="1", sort="name"
    )
    headers = {h["label"]: h for h in response.context["headers"]}
    person = parse_qs(headers["Person"]["href"].lstrip("?"))
    assert person == {"q": ["a"], "level": ["hero"], "eligible": ["1"], "direct": ["1"],
                      "sort": ["-name"], "page": ["1"]}  # fmt: skip
    assert headers["Person"]["aria_sort"] == "ascending"
    assert parse_qs(headers["Tenure"]["href"].lstrip("?"))["sort"] == ["tenure"]
    html = response.content.decode()
    assert 'aria-sort="ascending"' in html and "(sorted ascending)" in html


def test_a_row_shows_a_bar_and_what_is_missing(client, team):
    html = get(client, team["lead"].user, q=team["almost"].user.last_name).content.decode()
    row = next(r for r in html.split('data-testid="team-row"')[1:] if team["almost"].name in r)
    assert 'role="progressbar"' in row and 'aria-valuemax="' in row
    assert "for Superhero" in row
    assert "integration" in row.split("<details")[1]  # the missing ticket, on expand


def test_a_just_approved_item_shows_on_the_row_before_the_next_check(client, team):
    Evidence.objects.filter(pk=team["waiting"].pk).update(status="approved")  # no re-check ran
    html = get(client, team["lead"].user, q=team["almost"].user.last_name).content.decode()
    assert "Eligible for Superhero" in html


def test_levels_are_shown_with_their_titles(client, team):
    response = get(client, team["lead"].user)
    assert ("hero", "Hero", 4) in response.context["levels"]
    html = response.content.decode()
    assert "Senior Superhero" in html
    assert "senior-superhero · " not in html and "hero · Hero" not in html  # no code beside


def test_the_empty_state_says_what_the_filters_found(client, team):
    html = get(client, team["lead"].user, direct="1", q="nobody-like-this").content.decode()
    assert (
        "None of the 5 people in your team has a name matching “nobody-like-this” and reports "
        "to you directly." in html
    )
    loner = EmployeeFactory(level_code="hero")
    assert "Nobody reports to you." in get(client, loner.user).content.decode()


def test_eligible_only_keeps_the_direct_filter_and_the_sort(client, team):
    response = get(client, team["top"].user, eligible="1")
    assert names(response) == []
    response = get(client, team["lead"].user, eligible="1", direct="1", sort="-name")
    assert names(response) == [team["ready"]]


def test_the_csv_is_the_whole_current_view_with_formulas_as_text(client, seeded):
    lead = EmployeeFactory(level_code="senior-superhero")
    for n in range(54):
        EmployeeFactory(manager=lead, level_code="hero", user=UserFactory(first_name=f"P{n:02d}"))
    EmployeeFactory(manager=lead, level_code="hero", user=UserFactory(first_name="=cmd|'/C calc'"))
    EmployeeFactory(manager=EmployeeFactory(manager=lead), level_code="hero")  # indirect
    outsider = EmployeeFactory(level_code="hero")
    response = get(client, lead.user, direct="1", sort="name", export="csv")
    assert response["Content-Disposition"] == 'attachment; filename="careerpath-team.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["name", "email", "level"]
    body = rows[1:]
    assert len(body) == 56  # every page: 55 heroes and the direct report who manages
    assert all(row[4] == "yes" for row in body)  # direct reports only, as filtered
    assert outsider.user.email not in {row[1] for row in body}
    assert any(row[0].startswith("'=cmd") for row in body)
    assert {row[2] for row in body} >= {"Hero"}


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "--name"},
        {"sort": "-"},
        {"sort": "x" * 5000},
        {"level": "no-such-level"},
        {"page": "99999999999999999999"},
        {"eligible": "yes", "direct": "2"},
        {"export": "xlsx"},
    ],
)
def test_odd_choices_show_the_page_with_the_defaults(client, team, params):
    response = get(client, team["lead"].user, **params)
    assert len(response.context["rows"]) == 5
    assert response["Content-Type"].startswith("text/html")


def test_what_people_typed_is_escaped_in_the_team_rows(client, team):
    """The rows are built as HTML in Python: a name with markup, and a manager's name shown
    as "via ...", show as text."""
    for person, first in ((team["below"], '<img src=x onerror="alert(1)">'), (team["top"], "<b>T")):
        person.user.first_name = first
        person.user.save(update_fields=["first_name"])
    html = get(client, team["lead"].user, sort="name").content.decode()
    assert "<img src=x" not in html and "<b>T" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert "via &lt;b&gt;T" in html
    assert html.count('data-testid="team-row"') == 5
