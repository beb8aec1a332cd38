"""HR reports that tell the truth (issue 15 item 4): the readiness pipeline counts everyone once
in their best category, time to promotion is time in the previous level, levels come in rank
order with titles, and every report and CSV honours the framework, team, region and manager
filters."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import Attestation
from frameworks.models import Level
from frameworks.months import add_months
from people.models import LevelHistory
from people.services import employee_level_change
from people.tests.factories import EmployeeFactory
from promotions import reports, services
from promotions.models import EligibilityStatus
from promotions.reports import EVERYONE, PIPELINE_CATEGORIES, ReportFilters
from promotions.services import periodic_checks_run
from promotions.tests.test_sweep import AS_OF, make_ready_hero

pytestmark = pytest.mark.django_db

CATEGORY = {key: label for key, label, _ in PIPELINE_CATEGORIES}


def status(person, *, eligible=False, met=3, total=5, earliest=None, target=None):
    """A stored verdict, as the sweep writes it, for one of `person`'s next levels: the
    person's verdicts marked `best` as the sweep marks them (the first, in next-level order,
    of the best category as of AS_OF)."""
    level = target or person.level.next_levels.order_by("rank").first()
    made = EligibilityStatus.objects.create(
        employee=person, target_level=level, eligible=eligible, met_count=met,
        total_count=total, earliest_date=earliest, evaluated_on=AS_OF, changed_on=AS_OF,
    )  # fmt: skip
    theirs = stored_in_next_level_order(person)
    best = theirs[reports.best_verdict([verdict(s) for s in theirs], soon=SOON, later=LATER)]
    EligibilityStatus.objects.filter(employee=person).update(best=False)
    EligibilityStatus.objects.filter(pk=best.pk).update(best=True)
    return made


SOON, LATER = add_months(AS_OF, 3), add_months(AS_OF, 6)


def stored_in_next_level_order(person) -> list[EligibilityStatus]:
    return list(
        EligibilityStatus.objects.filter(employee=person).order_by(
            "target_level__rank", "target_level__order", "target_level_id"
        )
    )


def verdict(status) -> tuple:
    return (status.eligible, status.met_count, status.total_count, status.earliest_date)


def pipeline(filters=EVERYONE, as_of=AS_OF) -> dict[str, int]:
    """Category label -> people, over every framework."""
    table = reports.org_reports(as_of=as_of, filters=filters)["tables"]["pipeline"]
    return {row[0]: row[-1] for row in table["rows"]}


def test_each_person_counts_once_in_the_best_category_any_next_level_reaches(seeded):
    in_2_months = AS_OF + datetime.timedelta(days=60)
    in_5_months = AS_OF + datetime.timedelta(days=150)
    status(EmployeeFactory(), eligible=True, met=5, total=5)
    status(EmployeeFactory(), met=4, total=5, earliest=in_2_months)  # time only, soon
    status(EmployeeFactory(), met=4, total=5, earliest=AS_OF - datetime.timedelta(days=3))
    status(EmployeeFactory(), met=4, total=5, earliest=in_5_months)
    status(EmployeeFactory(), met=4, total=5, earliest=AS_OF + datetime.timedelta(days=400))
    for _ in range(3):
        status(EmployeeFactory(), met=4, total=5)  # one thing to do or show
    status(EmployeeFactory(), met=3, total=5)
    status(EmployeeFactory(), met=2, total=5)
    status(EmployeeFactory(), met=1, total=5)
    # Whatfix S3 has two next levels: the better verdict decides, the person counts once.
    both = EmployeeFactory(framework_slug="whatfix-support", level_code="S3")
    targets = list(both.level.next_levels.order_by("rank"))
    assert len(targets) == 2
    status(both, met=1, total=6, target=targets[0])
    status(both, met=5, total=6, target=targets[1])
    # A verdict for a level that is not next from where the person is now does not count.
    moved = EmployeeFactory()
    status(moved, eligible=True, met=5, total=5, target=moved.level)
    EmployeeFactory(level_code="senior-superhero")  # top of the track: no next level

    assert pipeline() == {
        CATEGORY["ready_now"]: 1,
        CATEGORY["time_3"]: 2,  # a date passed since the last check is ready at the next one
        CATEGORY["time_6"]: 1,
        CATEGORY["one_away"]: 4,
        CATEGORY["two_three_away"]: 2,
        CATEGORY["further"]: 2,  # four away, and time only in 13 months
        CATEGORY["unchecked"]: 2,
        "Total": 14,
    }


def test_the_sweeps_choice_of_best_and_the_reports_count_read_a_verdict_alike(seeded):
    """The sweep marks a person's best verdict by `pipeline_category` (Python), the report
    counts it by PIPELINE_SQL's CASE: for every shape of verdict (eligible, time only
    before, at and after each window's edge, one to five requirements away) both say the
    same category."""
    day = datetime.timedelta(days=1)
    shapes = [(True, 5, 5, None)]
    shapes += [(False, 4, 5, d) for d in (AS_OF - day, SOON, SOON + day, LATER, LATER + day)]
    shapes += [(False, 5 - away, 5, None) for away in range(1, 6)]
    expected = {}
    for eligible, met, total, earliest in shapes:
        category = reports.pipeline_category(eligible, met, total, earliest, soon=SOON,
                                             later=LATER)  # fmt: skip
        status(EmployeeFactory(), eligible=eligible, met=met, total=total, earliest=earliest)
        label = PIPELINE_CATEGORIES[category][1]
        expected[label] = expected.get(label, 0) + 1
    counts = pipeline()
    assert {label: n for label, n in counts.items() if n and label != "Total"} == expected
    assert counts["Total"] == len(shapes)


@pytest.mark.parametrize("second_closer", [True, False])
def test_the_sweep_marks_one_best_verdict_for_someone_with_two_next_levels(
    seeded, monkeypatch, second_closer
):
    """Whatfix S3 leads to two levels (SL1, then SL2): the sweep stores a verdict for each
    and marks the best one (the first of the best category), which the pipeline counts,
    once. The rules' verdicts for that person are set here so that either level is the
    closer one."""
    both = EmployeeFactory(framework_slug="whatfix-support", level_code="S3")
    single = EmployeeFactory(framework_slug="whatfix-support", level_code="S1")
    far, one_away = (0, 10, None), (10, 11, None)
    planned = iter([far, one_away] if second_closer else [one_away, far])
    real = services.verdicts
    monkeypatch.setattr(
        services,
        "verdicts",
        lambda facts, *args: next(planned) if facts.employee_id == both.pk else real(facts, *args),
    )
    periodic_checks_run(as_of=AS_OF)
    theirs = stored_in_next_level_order(both)
    assert len(theirs) == 2
    assert [s.best for s in theirs].count(True) == 1
    categories = [reports.pipeline_category(*verdict(s), soon=SOON, later=LATER) for s in theirs]
    assert categories == ([5, 3] if second_closer else [3, 5])
    assert [s.best for s in theirs] == ([False, True] if second_closer else [True, False])
    assert EligibilityStatus.objects.get(employee=single).best
    counts = pipeline(ReportFilters(framework="whatfix-support"))
    assert counts["Total"] == 2  # each person once
    assert counts[CATEGORY["one_away"]] == 1  # S3, by their closer level


def test_someone_one_item_away_after_the_nightly_check_is_counted_as_such(seeded):
    """The issue's bug: three people one item away showed as 0 ready, 0 within 3 and 6."""
    heroes = [make_ready_hero() for _ in range(3)]
    for hero in heroes:
        Attestation.objects.filter(employee=hero, code="suggests-http-connect").delete()
    periodic_checks_run(as_of=AS_OF)
    counts = pipeline()
    assert counts[CATEGORY["one_away"]] == 3
    assert counts[CATEGORY["ready_now"]] == 0


def test_someone_only_waiting_for_time_is_counted_by_when(seeded):
    """Superhero needs 24 months since hire: heroes with everything else met."""
    soon = make_ready_hero(hire=datetime.date(2025, 1, 25))  # ready 25 Jan 2027
    later = make_ready_hero(hire=datetime.date(2025, 4, 25))  # ready 25 Apr 2027
    years_away = make_ready_hero(hire=datetime.date(2026, 1, 10))
    periodic_checks_run(as_of=AS_OF)
    stored = dict(EligibilityStatus.objects.values_list("employee_id", "earliest_date"))
    assert stored == {
        soon.pk: datetime.date(2027, 1, 25),
        later.pk: datetime.date(2027, 4, 25),
        years_away.pk: datetime.date(2028, 1, 10),
    }  # the sweep's own verdicts: only time missing
    counts = pipeline()
    assert counts[CATEGORY["time_3"]] == 1
    assert counts[CATEGORY["time_6"]] == 1
    assert counts[CATEGORY["further"]] == 1  # not "one requirement away": nothing to do
    assert counts[CATEGORY["one_away"]] == 0


def promotions_table(filters=EVERYONE) -> list[list]:
    return reports.org_reports(as_of=AS_OF, filters=filters)["tables"]["promotions"]["rows"]


def test_time_to_promotion_is_the_time_in_the_previous_level_not_since_hire(seeded):
    """SL1 to SL2 after 10 months in SL1 says 10, however long ago the person was hired."""
    person = EmployeeFactory(
        framework_slug="whatfix-support", level_code="SL1",
        hire_date=datetime.date(2023, 5, 1), level_since=datetime.date(2025, 9, 1),
    )  # fmt: skip
    sl2 = Level.objects.get(framework=person.framework, code="SL2")
    employee_level_change(
        employee=person, level=sl2, changed_on=datetime.date(2026, 7, 1), actor=None,
        reason="Promoted",
    )  # fmt: skip
    assert promotions_table() == [[person.framework.name, sl2.title, 1, 10.0]]


def test_time_to_promotion_counts_from_the_start_row_or_the_previous_promotion(seeded):
    hero_level = Level.objects.get(framework__slug="support-formula", framework__status="published",
                                   code="hero")  # fmt: skip
    superhero = hero_level.next_levels.get(code="superhero")
    senior = superhero.next_levels.get(code="senior-superhero")
    person = EmployeeFactory(hire_date=datetime.date(2020, 1, 1), level_code="senior-superhero")
    LevelHistory.objects.bulk_create([
        LevelHistory(employee=person, from_level=None, to_level=hero_level,
                     changed_on=datetime.date(2023, 1, 1)),
        LevelHistory(employee=person, from_level=hero_level, to_level=superhero,
                     changed_on=datetime.date(2024, 7, 1)),  # 18 months after the start row
        LevelHistory(employee=person, from_level=superhero, to_level=senior,
                     changed_on=datetime.date(2025, 7, 1)),  # 12 months in Superhero
    ])  # fmt: skip
    # Hired at Hero with no record of a start: counted from the hire date.
    other = EmployeeFactory(hire_date=datetime.date(2024, 1, 1), level_code="superhero")
    LevelHistory.objects.create(employee=other, from_level=hero_level, to_level=superhero,
                                changed_on=datetime.date(2025, 1, 1))  # fmt: skip
    rows = promotions_table()
    assert [row[1:] for row in rows] == [
        [superhero.title, 2, 15.0],  # 18 and 12
        [senior.title, 1, 12.0],
    ]


def test_levels_come_in_rank_order_with_their_titles(seeded):
    for code in ("senior-superhero", "hero", "superhero"):
        EmployeeFactory(level_code=code)
    data = reports.org_reports(as_of=AS_OF, filters=ReportFilters(framework="support-formula"))
    titles = list(
        Level.objects.filter(framework__slug="support-formula", framework__status="published")
        .order_by("rank")
        .values_list("title", flat=True)
    )
    assert data["tables"]["levels"]["chart"]["labels"] == titles
    assert [row[1] for row in data["tables"]["levels"]["rows"]] == titles


@pytest.fixture
def lines(seeded):
    """Two reporting lines: Ana over Bo over Cy (leaver Di in between for Ed), and Fay's
    team elsewhere; teams and regions differ."""
    ana = EmployeeFactory(level_code="senior-superhero", team="Support", region="EMEA")
    bo = EmployeeFactory(manager=ana, level_code="superhero", team="Support", region="EMEA")
    cy = EmployeeFactory(manager=bo, team="Tier 2", region="APAC")
    di = EmployeeFactory(manager=bo, team="Tier 2", region="EMEA", is_active=False,
                         left_on=datetime.date(2026, 1, 1))  # fmt: skip
    ed = EmployeeFactory(manager=di, team="Tier 2", region="EMEA")
    fay = EmployeeFactory(level_code="superhero", team="Billing", region="APAC")
    gus = EmployeeFactory(manager=fay, team="Billing", region="APAC")
    hal = EmployeeFactory(framework_slug="whatfix-support", level_code="S1", team="Billing",
                          region="AMER")  # fmt: skip
    return locals()


def people_counted(filters) -> int:
    rows = reports.org_reports(as_of=AS_OF, filters=filters)["tables"]["levels"]["rows"]
    return sum(row[-1] for row in rows)


@pytest.mark.parametrize(
    "filters,expected",
    [
        (ReportFilters(), 7),
        (ReportFilters(framework="whatfix-support"), 1),
        (ReportFilters(team="Tier 2"), 2),
        (ReportFilters(region="APAC"), 3),
        (ReportFilters(team="Billing", region="APAC"), 2),
    ],
)
def test_the_filters_count_only_the_people_they_name(lines, filters, expected):
    assert people_counted(filters) == expected
    assert pipeline(filters)["Total"] == expected


def test_the_manager_filter_covers_their_whole_subtree_through_leavers(lines):
    ana = ReportFilters(manager=lines["ana"].pk)
    assert people_counted(ana) == 3  # Bo, Cy and Ed (below the leaver Di), not Ana herself
    assert people_counted(ReportFilters(manager=lines["fay"].pk)) == 1
    assert people_counted(ReportFilters(manager=lines["cy"].pk)) == 0


def csv_rows(client, **params) -> list[list[str]]:
    response = client.get(reverse("promotions:reports"), params)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_page_and_each_csv_honour_the_filters(client, hr, lines):
    client.force_login(hr)
    response = client.get(reverse("promotions:reports"), {"manager": lines["ana"].pk})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<option value="{lines["ana"].pk}" selected>' in html
    assert f"?manager={lines['ana'].pk}&amp;export=levels" in html  # the CSV links keep them
    rows = csv_rows(client, manager=lines["ana"].pk, export="levels")
    assert rows[0] == ["framework", "level", "team", "people"]
    assert sum(int(row[3]) for row in rows[1:]) == 3
    pipeline_rows = csv_rows(client, team="Billing", export="pipeline")
    assert pipeline_rows[0] == ["readiness", "Sample Support Career Advancement Formula",
                                "Customer Support Career & Competency Framework",
                                "all frameworks"]  # fmt: skip
    assert pipeline_rows[-1][0] == "Total" and pipeline_rows[-1][-1] == "3"
    for key in ("promotions", "reviews"):
        assert csv_rows(client, region="APAC", export=key)[0][0]


@pytest.mark.parametrize(
    "params",
    [
        {"team": "Nobody's team"},
        {"manager": "abc"},
        {"manager": "999999"},
        {"manager": "9" * 5000},
        {"framework": "x"},
        {"region": "=HYPERLINK(1)"},
    ],
)
def test_a_filter_value_that_is_not_offered_is_a_clear_400(client, hr, lines, params):
    client.force_login(hr)
    response = client.get(reverse("promotions:reports"), params)
    assert response.status_code == 400
    assert "These filters cannot be used" in response.content.decode()
    export = client.get(reverse("promotions:reports"), {**params, "export": "levels"})
    assert export.status_code == 400


def test_only_managers_with_active_reports_are_offered(client, hr, lines):
    offered = {value for value, _ in reports.filter_choices()["manager"]}
    assert offered == {str(lines["ana"].pk), str(lines["bo"].pk), str(lines["fay"].pk)}


def test_the_page_says_when_the_check_ran_in_one_date_format(client, hr, seeded):
    periodic_checks_run(as_of=timezone.localdate())
    client.force_login(hr)
    html = client.get(reverse("promotions:reports")).content.decode()
    today = timezone.localdate()
    assert f"as of {today.day} {today:%b %Y}" in html
    assert timezone.localdate().isoformat() not in html


def test_report_cells_dash_an_empty_figure_but_not_an_empty_row_heading():
    from promotions.presenters import report_cells

    table = {
        "key_column": 1,
        "phone_hidden": [0],
        "rows": [["Support", "", 3, ""], ["", "S1", 2.5, 7]],
    }
    assert report_cells(table) == [
        [("td-wide", "Support"), ("th", ""), ("td", "3"), ("td", "—")],
        [("td-wide", "—"), ("th", "S1"), ("td", "2.5"), ("td", "7")],
    ]


def test_a_report_table_body_escapes_what_people_typed_and_says_when_it_is_empty():
    """Team names come from HR's files: the rows built in Python escape them as the
    template would."""
    from promotions.presenters import report_body, report_cells

    table = {
        "key_column": 1,
        "phone_hidden": [0],
        "header": ["Framework", "Team", "People"],
        "rows": [["Support", '<script>alert("x")</script>', 3]],
    }
    table["cells"] = report_cells(table)
    assert str(report_body(table)) == (
        '<tr><td class="d-none d-sm-table-cell">Support</td>'
        '<th scope="row">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</th><td>3</td></tr>'
    )
    empty = {**table, "rows": [], "cells": []}
    assert str(report_body(empty)) == '<tr><td colspan="3">No data yet.</td></tr>'
