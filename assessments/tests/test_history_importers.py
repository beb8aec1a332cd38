"""Importing the past (issue 13): ratings, confirmations and level history. Every row or none,
every bad row named with its line, and a re-import changes nothing."""

import datetime
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command

from assessments.history_importers import (
    attestations_import,
    level_history_import,
    ratings_import,
)
from assessments.importers import ImportProblems
from assessments.models import Attestation, CompetencyRating
from frameworks.models import Framework, Level, Track
from people.models import Employee, LevelHistory
from people.tests.factories import EmployeeFactory
from promotions.reports import org_reports

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 20)
RATINGS = "email,competency,proficiency,rated_on,rater_email"
ATTESTATIONS = "email,code,level,confirmed_on,manager_email"
HISTORY = "email,from_level,to_level,changed_on"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2026, 11, 20, 12, tzinfo=datetime.UTC)):
        yield


def csv_text(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def snapshot() -> dict:
    models = [
        CompetencyRating, CompetencyRating.history.model, Attestation, Attestation.history.model,
        LevelHistory, Employee,
    ]  # fmt: skip
    return {m.__name__: list(m.objects.order_by("pk").values()) for m in models}


def rejected(importer, text: str) -> list[str]:
    """The problems `importer` reports for `text`, after checking that nothing changed."""
    before = snapshot()
    with pytest.raises(ImportProblems) as caught:
        importer(text=text)
    assert snapshot() == before
    return caught.value.problems


def person(email: str, first_name: str, **kwargs) -> Employee:
    return EmployeeFactory(
        user__username=email, user__first_name=first_name, user__last_name="", **kwargs
    )


@pytest.fixture
def org(seeded):
    """whatfix-support (the seed framework with competencies): Bo leads Mia, Mia manages Ann;
    Oz is in nobody's line. support-formula: Hal (hero since 2024-01-15)."""
    whatfix = {"framework_slug": "whatfix-support"}
    bo = person("bo@example.com", "Bo", level_code="SL2", **whatfix)
    mia = person("mia@example.com", "Mia", level_code="SL1", manager=bo, **whatfix)
    ann = person("ann@example.com", "Ann", level_code="S1", manager=mia, **whatfix)
    oz = person("oz@example.com", "Oz", level_code="S2", **whatfix)
    hal = person("hal@example.com", "Hal", hire_date=datetime.date(2022, 3, 1), manager=mia)
    return {"bo": bo, "mia": mia, "ann": ann, "oz": oz, "hal": hal}


# import_ratings --------------------------------------------------------------------------


def test_ratings_are_imported_as_self_or_manager_ratings_for_the_half_year(org):
    result = ratings_import(
        text=csv_text(
            RATINGS,
            "ann@example.com,customer-centricity,intermediate,2026-03-10,ann@example.com",
            "ANN@example.com,Problem Solving,Beginner,2026-08-01,mia@example.com",
            "ann@example.com,collaboration,advanced,2025-12-31,bo@example.com",
        )
    )

    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    rows = CompetencyRating.objects.order_by("rated_on").values_list(
        "competency__slug", "proficiency__slug", "source", "period", "rated_by__email"
    )
    assert list(rows) == [
        ("collaboration", "advanced", "manager", "2025-H2", "bo@example.com"),
        ("customer-centricity", "intermediate", "self", "2026-H1", "ann@example.com"),
        ("problem-solving", "beginner", "manager", "2026-H2", "mia@example.com"),
    ]
    # The audit trail has a row for each, as for any other import.
    assert CompetencyRating.history.filter(history_type="+").count() == 3


def test_reimporting_ratings_changes_nothing_and_a_new_proficiency_updates(org):
    text = csv_text(
        RATINGS,
        "ann@example.com,customer-centricity,intermediate,2026-03-10,mia@example.com",
        "ann@example.com,problem-solving,beginner,2026-03-10,ann@example.com",
    )
    ratings_import(text=text)
    again = ratings_import(text=text)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)

    changed = ratings_import(text=text.replace("intermediate", "advanced"))
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 1)
    rating = CompetencyRating.objects.get(source="manager")
    assert (rating.proficiency.slug, rating.period) == ("advanced", "2026-H1")


def test_an_imported_rating_replaces_the_one_given_in_the_app_for_that_period(org):
    """The same key as the rating page's: one rating per competency, source and half-year."""
    from assessments.services import rating_record
    from frameworks.models import Competency, ProficiencyLevel

    framework = org["ann"].framework
    rating_record(
        employee=org["ann"], actor=org["mia"].user, period="2026-H1",
        competency=Competency.objects.get(framework=framework, slug="collaboration"),
        proficiency=ProficiencyLevel.objects.get(framework=framework, slug="beginner"),
        rated_on=datetime.date(2026, 2, 1), comment="Good start",
    )  # fmt: skip

    result = ratings_import(
        text=csv_text(RATINGS, "ann@example.com,collaboration,advanced,2026-05-01,bo@example.com")
    )

    assert (result.created, result.updated) == (0, 1)
    rating = CompetencyRating.objects.get()
    assert (rating.proficiency.slug, rating.rated_by, rating.comment) == (
        "advanced", org["bo"].user, "Good start",
    )  # fmt: skip


def test_every_bad_rating_row_is_reported_in_one_pass_and_nothing_is_imported(org):
    org["oz"].is_active = False
    org["oz"].save()
    text = csv_text(
        RATINGS,
        "ann@example.com,customer-centricity,intermediate,2026-03-10,ann@example.com",
        "ann@example.com,customer-centricity,advanced,2026-03-10,oz@example.com",
        "ann@example.com,empathy,great,2026-13-01,",
        "zed@example.com,collaboration,advanced,2026-01-01,mia@example.com",
        "mia@example.com,collaboration,advanced,2026-01-01,ann@example.com",
        "ann@example.com,collaboration,advanced,2027-01-01,mia@example.com",
        "ann@example.com,customer-centricity,advanced,2026-05-30,ann@example.com",
        "hal@example.com,collaboration,advanced,2026-01-01,mia@example.com",
        "oz@example.com,collaboration,advanced,2026-01-01,oz@example.com",
    )

    assert rejected(ratings_import, text) == [
        'line 3: rater_email "oz@example.com" is not Ann\'s manager (they have left)',
        "line 4: rater_email is missing",
        'line 4: rated_on "2026-13-01" is not a date (YYYY-MM-DD)',
        'line 4: unknown competency "empathy" in whatfix-support (one of: collaboration, '
        "customer-centricity, drive-for-results, problem-solving, strategic-communication)",
        'line 4: unknown proficiency "great" in whatfix-support (one of: advanced, beginner, '
        "intermediate)",
        'line 5: unknown email "zed@example.com" (no employee has it)',
        'line 6: rater_email "ann@example.com" is not Mia\'s manager',
        "line 7: rated_on 2027-01-01 is in the future",
        "line 8: same person, competency, rater (self or manager) and half-year as line 2",
        'line 9: unknown competency "collaboration" in support-formula (one of: none)',
        'line 9: unknown proficiency "advanced" in support-formula (one of: none)',
        "line 10: Oz has left: nothing is recorded for them",
    ]


def test_a_skip_level_manager_may_not_rate_where_the_framework_allows_only_the_direct_one(org):
    Framework.objects.filter(slug="whatfix-support").update(direct_manager_review_only=True)
    text = csv_text(RATINGS, "ann@example.com,collaboration,advanced,2026-01-01,bo@example.com")

    assert rejected(ratings_import, text) == [
        'line 2: rater_email "bo@example.com" is not Ann\'s manager'
    ]


def test_a_reimport_of_ratings_costs_the_same_queries_for_any_number_of_rows(
    org, django_assert_num_queries
):
    for size in (1, 10):
        rows = [
            f"ann@example.com,collaboration,advanced,{2000 + i}-01-01,mia@example.com"
            for i in range(size)
        ]
        text = csv_text(RATINGS, *rows)
        ratings_import(text=text)
        # people; competencies; proficiencies; their ratings; whom Mia may rate (once per
        # rater); savepoint; release
        with django_assert_num_queries(7):
            assert ratings_import(text=text).unchanged == size


# import_attestations ---------------------------------------------------------------------


def test_confirmations_are_imported_with_the_frameworks_statement(org):
    result = attestations_import(
        text=csv_text(
            ATTESTATIONS,
            "ann@example.com,next-level-behaviours,S2,2026-10-01,mia@example.com",
            # A past confirmation, for the level Ann is at now.
            "ann@example.com,next-level-behaviours,s1,2025-06-01,bo@example.com",
            "hal@example.com,workaround-solutions,superhero,2026-09-15,mia@example.com",
        )
    )

    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    rows = Attestation.objects.order_by("attested_on").values_list(
        "employee__user__email", "code", "level__code", "statement", "attested_on",
        "attested_by__email",
    )  # fmt: skip
    assert list(rows) == [
        ("ann@example.com", "next-level-behaviours", "S1",
         "Exhibits the traits, skills and behaviours of this level", datetime.date(2025, 6, 1),
         "bo@example.com"),
        ("hal@example.com", "workaround-solutions", "superhero",
         "Creates workaround solutions when standard solutions fail",
         datetime.date(2026, 9, 15), "mia@example.com"),
        ("ann@example.com", "next-level-behaviours", "S2",
         "Exhibits the traits, skills and behaviours of this level", datetime.date(2026, 10, 1),
         "mia@example.com"),
    ]  # fmt: skip


def test_reimporting_confirmations_changes_nothing_and_a_new_date_updates(org):
    text = csv_text(
        ATTESTATIONS, "ann@example.com,next-level-behaviours,S2,2026-10-01,mia@example.com"
    )
    attestations_import(text=text)
    again = attestations_import(text=text)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)

    later = attestations_import(text=text.replace("2026-10-01", "2026-11-01"))
    assert (later.created, later.updated) == (0, 1)
    assert Attestation.objects.get().attested_on == datetime.date(2026, 11, 1)
    assert Attestation.history.filter(history_type="~").count() == 1


def test_an_imported_confirmation_counts_towards_the_next_level(org):
    from promotions.selectors import career_status

    def confirmed() -> bool:
        status = career_status(employee=org["ann"], as_of=TODAY).as_json()
        s2 = next(n for n in status["next"] if n["level"] == "S2")
        return next(r for r in s2["requirements"] if r["kind"] == "attestation")["met"]

    assert not confirmed()
    attestations_import(
        text=csv_text(
            ATTESTATIONS, "ann@example.com,next-level-behaviours,S2,2026-10-01,mia@example.com"
        )
    )
    assert confirmed()


def test_every_bad_confirmation_row_is_reported_and_nothing_is_imported(org):
    text = csv_text(
        ATTESTATIONS,
        "ann@example.com,next-level-behaviours,S9,2026-10-01,mia@example.com",
        "ann@example.com,qa-minimal-assistance,S2,2026-10-01,mia@example.com",
        "ann@example.com,next-level-behaviours,S2,2026-10-01,ann@example.com",
        "ann@example.com,next-level-behaviours,S3,2026-10-01,oz@example.com",
        "ann@example.com,,,1899-01-01,",
        "ann@example.com,next-level-behaviours,S2,2026-10-01,mia@example.com",
        "ann@example.com,next-level-behaviours,s2,2026-10-02,mia@example.com",
    )

    assert rejected(attestations_import, text) == [
        'line 2: unknown level "S9" in whatfix-support (one of: S0, S1, S2, S3, SL1, SL2, SL3, '
        "SL4)",
        'line 3: S2 of whatfix-support asks for no confirmation "qa-minimal-assistance" (its '
        "confirmations: next-level-behaviours)",
        "line 4: nobody confirms their own expectations",
        'line 5: manager_email "oz@example.com" is not Ann\'s manager',
        "line 6: manager_email is missing",
        "line 6: confirmed_on 1899-01-01 is not between 1900-01-01 and 2100-12-31",
        "line 6: code is missing",
        "line 6: level is missing",
        "line 8: same person, code and level as line 7",
    ]


# import_level_history --------------------------------------------------------------------


def test_level_history_is_recorded_and_current_levels_stay(org):
    hal = org["hal"]
    result = level_history_import(
        text=csv_text(
            HISTORY,
            "hal@example.com,,hero,2022-03-01",
            "hal@example.com,hero,superhero,2024-09-01",
            "hal@example.com,superhero,hero,2025-02-01",
        )
    )

    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    rows = LevelHistory.objects.filter(employee=hal).order_by("changed_on")
    assert [(str(e), e.changed_by, e.reason) for e in rows] == [
        ("start → hero on 2022-03-01", None, "Imported"),
        ("hero → superhero on 2024-09-01", None, "Imported"),
        ("superhero → hero on 2025-02-01", None, "Imported"),
    ]
    # The last row reaches Hal's current level on another day than his record's "level
    # since" (2022-03-01): the record is left alone.
    hal.refresh_from_db()
    assert (hal.level.code, hal.level_since) == ("hero", datetime.date(2022, 3, 1))


def test_imported_history_is_in_the_time_to_promotion_report(org):
    level_history_import(
        text=csv_text(
            HISTORY,
            "hal@example.com,,hero,2022-03-01",
            "hal@example.com,hero,superhero,2024-09-01",
            "hal@example.com,superhero,hero,2025-02-01",  # back down: not a promotion
            "hal@example.com,hero,superhero,2025-06-01",
            "ann@example.com,S0,S1,2024-07-15",  # hired 2024-01-15: six months
        )
    )

    table = org_reports(as_of=TODAY)["tables"]["promotions"]
    # Hal: hero from 2022-03-01 to 2024-09-01 (30 months), then from 2025-02-01 to
    # 2025-06-01 (4 months).
    assert sorted(table["rows"]) == [
        ["Customer Support Career & Competency Framework", "Technical Support Engineer", 1, 6.0],
        ["Sample Support Career Advancement Formula", "Superhero", 2, 17.0],
    ]


def test_reimporting_history_changes_nothing_and_matches_the_apps_own_rows(org):
    from people.services import employee_level_change

    hal = org["hal"]
    superhero = Level.objects.get(framework=hal.framework, code="superhero")
    employee_level_change(
        employee=hal, level=superhero, changed_on=datetime.date(2026, 1, 5), actor=None,
        reason="Promoted",
    )  # fmt: skip
    text = csv_text(
        HISTORY,
        "hal@example.com,hero,superhero,2026-01-05",  # the app's own row
        "hal@example.com,,hero,2022-03-01",
    )

    first = level_history_import(text=text)
    assert (first.created, first.updated, first.unchanged) == (1, 0, 1)
    assert sorted((line, outcome) for line, outcome, _ in first.lines) == [
        (2, "unchanged"),
        (3, "created"),
    ]
    again = level_history_import(text=text)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    fixed = level_history_import(text=text.replace(",,hero", ",superhero,hero"))
    assert (fixed.created, fixed.updated, fixed.unchanged) == (0, 1, 1)
    assert LevelHistory.objects.filter(employee=hal).count() == 2


def test_history_may_name_a_level_only_an_earlier_version_had(org):
    old = Framework.objects.create(
        slug="support-formula", name="Old formula", version=0, status="archived"
    )
    track = Track.objects.create(framework=old, slug="support", name="Support")
    Level.objects.create(framework=old, track=track, code="apprentice", title="Apprentice", rank=0)

    level_history_import(
        text=csv_text(
            HISTORY,
            "hal@example.com,,apprentice,2022-03-01",
            "hal@example.com,apprentice,hero,2023-03-01",
        )
    )

    entry = LevelHistory.objects.get(to_level__code="hero")
    assert (entry.from_level.framework, entry.to_level.framework) == (old, org["hal"].framework)


def test_every_bad_history_row_is_reported_and_nothing_is_imported(org):
    text = csv_text(
        HISTORY,
        "hal@example.com,hero,hero,2024-01-01",
        "hal@example.com,hero,S1,2024-01-01",
        "hal@example.com,hero,,2021-01-01",
        "hal@example.com,hero,superhero,2030-01-01",
        "hal@example.com,hero,superhero,2024-01-01",
        "hal@example.com,,superhero,2024-01-01",
    )

    assert rejected(level_history_import, text) == [
        "line 2: from_level and to_level are both hero",
        'line 3: unknown to_level "S1" in support-formula (one of: hero, superhero, '
        "senior-superhero)",
        "line 4: to_level is missing",
        "line 4: changed_on 2021-01-01 is before Hal's hire date 2022-03-01",
        "line 5: changed_on 2030-01-01 is in the future",
        "line 7: same person, to_level and date as line 6",
    ]


def test_a_reimport_of_confirmations_or_history_costs_the_same_queries_for_any_number_of_rows(
    org, django_assert_num_queries
):
    codes = ["S1", "S2", "S3", "SL1", "SL2"]
    for size in (1, 5):
        rows = [
            f"ann@example.com,next-level-behaviours,{code},2026-10-01,mia@example.com"
            for code in codes[:size]
        ]
        text = csv_text(ATTESTATIONS, *rows)
        attestations_import(text=text)
        # people; their frameworks' levels; those levels' confirmations; their confirmations;
        # whom Mia may confirm for (once per manager); savepoint; release
        with django_assert_num_queries(7):
            assert attestations_import(text=text).unchanged == size

        rows = [f"hal@example.com,hero,superhero,2023-01-{day + 1:02}" for day in range(size)]
        text = csv_text(HISTORY, *rows)
        level_history_import(text=text)
        # people; their frameworks' levels; their history; savepoint; release
        with django_assert_num_queries(5):
            assert level_history_import(text=text).unchanged == size


# The commands ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "text", "summary"),
    [
        (
            "import_ratings",
            csv_text(RATINGS, "ann@example.com,collaboration,advanced,2026-01-01,mia@example.com"),
            "import_ratings: 1 created, 0 updated, 0 unchanged\n",
        ),
        (
            "import_attestations",
            csv_text(
                ATTESTATIONS, "ann@example.com,next-level-behaviours,S2,2026-10-01,mia@example.com"
            ),
            "import_attestations: 1 created, 0 updated, 0 unchanged\n",
        ),
        (
            "import_level_history",
            csv_text(HISTORY, "hal@example.com,hero,superhero,2024-09-01"),
            "import_level_history: 1 created, 0 updated, 0 unchanged\n",
        ),
    ],
)
def test_each_command_prints_its_counts_and_names_itself_in_the_audit(
    org, tmp_path, command, text, summary
):
    path = tmp_path / "past.csv"
    path.write_text(text, encoding="utf-8")
    out = io.StringIO()

    call_command(command, str(path), stdout=out)

    assert out.getvalue() == summary
    if command == "import_level_history":
        assert LevelHistory.objects.get().reason == "Imported (manage.py import_level_history)"
    else:
        model = CompetencyRating if command == "import_ratings" else Attestation
        assert model.history.get().history_change_reason == f"manage.py {command}"


def test_a_command_lists_every_problem_and_exits_non_zero(org, tmp_path):
    path = tmp_path / "ratings.csv"
    path.write_text(
        csv_text(
            RATINGS,
            "ann@example.com,collaboration,advanced,2026-01-01,oz@example.com",
            "ann@example.com,collaboration,advanced,2026-01-01,mia@example.com",
            "ann@example.com,drive-for-results,advanced,2026-01-01,",
        )
    )
    with pytest.raises(CommandError) as caught:
        call_command("import_ratings", str(path))

    assert caught.value.returncode == 1
    assert str(caught.value) == (
        f"{path}: nothing imported, 2 problem(s):\n"
        '  line 2: rater_email "oz@example.com" is not Ann\'s manager\n'
        "  line 4: rater_email is missing"
    )
    assert not CompetencyRating.objects.exists()
