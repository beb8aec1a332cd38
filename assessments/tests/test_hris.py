"""HRIS exports (issue 13, item 1): built-in and saved profiles read a vendor's employee
export as it is; a re-import without level_since changes nobody's time at level; an
inactive row makes a leaver; every problem of a file comes in one pass."""

import datetime
import io
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.urls import reverse

from assessments import hris
from assessments.importers import ImportProblems, people_import
from assessments.models import ImportProfile, ImportProfileTitle
from frameworks.models import Level
from people.models import Employee, LevelHistory
from people.tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures" / "hris"
BAMBOO = FIXTURES / "bamboohr_employees.csv"
BAMBOO_TITLES = FIXTURES / "bamboohr_titles.csv"
PASSWORD = "a long enough passphrase 42"
TODAY = datetime.datetime(2026, 11, 26, 12, tzinfo=datetime.UTC)


def run(*args) -> str:
    out = io.StringIO()
    call_command("import_people", *map(str, args), stdout=out)
    return out.getvalue().strip()


def refused(*args) -> str:
    with pytest.raises(CommandError) as caught:
        call_command("import_people", *map(str, args), stdout=io.StringIO())
    return str(caught.value)


def people() -> dict[str, Employee]:
    return {
        e.user.email: e
        for e in Employee.objects.select_related("user", "level", "manager__user").all()
    }


def time_at_level() -> dict:
    """What a re-import must leave alone: everyone's level, level_since and history."""
    return {
        "employees": list(Employee.objects.order_by("pk").values("pk", "level_id", "level_since")),
        "history": list(LevelHistory.objects.order_by("pk").values()),
        "employee_history": Employee.history.count(),
    }


def log_in(client, user) -> bool:
    """Log in through the real form; True when it let the person in."""
    user.refresh_from_db()
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    return client.get(reverse("home")).status_code == 200


# Done when: the BambooHR export --------------------------------------------------------


@time_machine.travel(TODAY)
def test_a_bamboohr_export_imports_with_its_profile_and_a_title_table(seeded):
    assert run(BAMBOO, "--profile", "bamboohr", "--titles", BAMBOO_TITLES) == (
        "import_people: 6 created, 0 updated, 0 unchanged"
    )

    found = people()
    lea, chen, jose = (found[f"{n}@example.com"] for n in ("lea.lead", "chen.wei", "jose.nunez"))
    assert (lea.employee_id, lea.manager, lea.level.code) == ("1001", None, "senior-superhero")
    assert (lea.hire_date, lea.level_since) == (datetime.date(2018, 3, 15),) * 2
    assert (lea.team, lea.region) == ("Customer Support", "London, UK")
    # Supervisor EID 1006 is listed after Chen; a title with a comma is in the table.
    assert (chen.manager.email, chen.level.code) == ("mia.manager@example.com", "hero")
    assert (jose.name, jose.level.code, jose.manager) == ("José Núñez", "superhero", lea)
    assert found["ray.report@example.com"].level.code == "hero"  # "Support Hero " trimmed
    assert found["mia.manager@example.com"].team == 'Customer Support "Tier 2"'
    assert not LevelHistory.objects.exists()


@time_machine.travel(TODAY)
def test_an_inactive_row_of_the_export_makes_a_leaver_who_cannot_log_in(seeded, client):
    run(BAMBOO, "--profile", "bamboohr", "--titles", BAMBOO_TITLES)

    ann = Employee.objects.select_related("user").get(user__email="ann.oneil@example.com")
    assert (ann.is_active, ann.user.is_active, ann.left_on) == (False, False, TODAY.date())
    assert not log_in(client, ann.user)
    assert log_in(client, Employee.objects.get(employee_id="1002").user)  # Ray is active


@time_machine.travel(TODAY)
def test_reimporting_the_export_without_level_since_changes_nobodys_time_at_level(seeded):
    run(BAMBOO, "--profile", "bamboohr", "--titles", BAMBOO_TITLES)
    # Since the first import, Lea and José reached their level later than their hire date
    # (the bug: the HRIS file, which has no level_since, reset it to the hire date).
    Employee.objects.filter(employee_id="1001").update(level_since=datetime.date(2021, 4, 1))
    Employee.objects.filter(employee_id="1003").update(level_since=datetime.date(2024, 9, 1))
    before = time_at_level()

    assert run(BAMBOO, "--profile", "bamboohr", "--titles", BAMBOO_TITLES) == (
        "import_people: 0 created, 0 updated, 6 unchanged"
    )
    assert time_at_level() == before
    assert Employee.objects.get(employee_id="1001").level_since == datetime.date(2021, 4, 1)


@time_machine.travel(TODAY)
def test_a_new_title_in_the_export_is_a_level_change_in_the_level_history(seeded, tmp_path):
    run(BAMBOO, "--profile", "bamboohr", "--titles", BAMBOO_TITLES)
    promoted = tmp_path / "promoted.csv"
    promoted.write_bytes(
        BAMBOO.read_bytes().replace(
            b'"ray.report@example.com","Support Hero "',
            b'"ray.report@example.com","Support Superhero"',
        )
    )

    assert run(promoted, "--profile", "bamboohr", "--titles", BAMBOO_TITLES) == (
        "import_people: 0 created, 1 updated, 5 unchanged"
    )
    ray = Employee.objects.get(employee_id="1002")
    assert (ray.level.code, ray.level_since) == ("superhero", TODAY.date())
    entry = LevelHistory.objects.get(employee=ray)
    assert (entry.from_level.code, entry.to_level.code, entry.changed_on, entry.reason) == (
        "hero", "superhero", TODAY.date(), "Imported",
    )  # fmt: skip


def test_an_absent_level_since_keeps_an_existing_persons_in_our_own_columns_too(seeded):
    ann = EmployeeFactory(
        user__username="ann@example.com",
        user__first_name="Ann",
        user__last_name="Lee",
        hire_date=datetime.date(2020, 1, 1),
        level_since=datetime.date(2023, 5, 1),
    )
    text = (
        "email,name,manager_email,framework,level,hire_date,level_since\n"
        "ann@example.com,Ann Lee,,support-formula,hero,2020-01-01,\n"
    )
    assert people_import(text=text).unchanged == 1
    ann.refresh_from_db()
    assert ann.level_since == datetime.date(2023, 5, 1)


# Other vendors and saved profiles --------------------------------------------------------


@pytest.mark.parametrize(
    ("profile", "file", "expected"),
    [
        ("personio", "personio_employees.csv", {
            "lena.vogel@example.com": ("SL1", None, True, "Berlin", "2019-04-01"),
            "jonas.mueller@example.com": ("S1", "lena.vogel@example.com", True, "Munich",
                                          "2024-08-15"),
            "aylin.kaya@example.com": ("S1", "lena.vogel@example.com", True, "Berlin",
                                       "2026-12-02"),
            "tom.becker@example.com": ("S2", "lena.vogel@example.com", False, "Berlin",
                                       "2021-03-01"),
        }),
        ("workday", "workday_workers.csv", {
            "dana.cole@example.com": ("SL2", None, True, "New York", "2017-02-01"),
            "sam.rivera@example.com": ("S0", "dana.cole@example.com", True, "Austin",
                                       "2023-07-10"),
            "kim.lee@example.com": ("S2", "dana.cole@example.com", False, "Austin",
                                    "2020-11-16"),
        }),
    ],
)  # fmt: skip
@time_machine.travel(TODAY)
def test_personio_and_workday_exports_import_with_their_profiles(seeded, profile, file, expected):
    titles = FIXTURES / f"{profile}_titles.csv"
    run(FIXTURES / file, "--profile", profile, "--titles", titles)

    found = {
        email: (e.level.code, e.manager and e.manager.email, e.is_active, e.region,
                e.hire_date.isoformat())
        for email, e in people().items()
    }  # fmt: skip
    assert found == expected
    assert run(FIXTURES / file, "--profile", profile, "--titles", titles).endswith(
        f"0 updated, {len(expected)} unchanged"
    )


def test_a_profile_hr_saves_in_the_admin_is_used_by_the_command(seeded, hr, client):
    client.force_login(hr)
    hero = Level.objects.get(framework__slug="support-formula", framework__status="published",
                             code="hero")  # fmt: skip
    levels = {
        lv.code: lv.pk
        for lv in Level.objects.filter(framework__slug="support-formula",
                                       framework__status="published")
    }  # fmt: skip
    titles = [
        ("Head of Support", "senior-superhero"), ("Support Superhero", "superhero"),
        ("support hero", "hero"), ("Support Engineer, Tier 2", "hero"),
    ]  # fmt: skip
    form = {
        "name": "bamboohr", "based_on": "bamboohr", "date_format": "", "active_values": "",
        "inactive_values": "",
        "titles-TOTAL_FORMS": str(len(titles)), "titles-INITIAL_FORMS": "0",
        "titles-MIN_NUM_FORMS": "0", "titles-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    for i, (title, code) in enumerate(titles):
        form |= {f"titles-{i}-title": title, f"titles-{i}-level": str(levels[code])}
    response = client.post(reverse("admin:assessments_importprofile_add"), form)
    assert response.status_code == 302, response.context["errors"]
    saved = ImportProfile.objects.get(name="bamboohr")
    assert saved.titles.count() == 4 and saved.history.get().history_user == hr
    assert saved.titles.get(title="support hero").level == hero

    with time_machine.travel(TODAY):
        assert run(BAMBOO, "--profile", "bamboohr") == (
            "import_people: 6 created, 0 updated, 0 unchanged"
        )
    assert Employee.objects.get(employee_id="1002").level == hero


def test_the_admin_refuses_a_title_twice_and_a_profile_that_cannot_read_a_file(seeded, hr, client):
    client.force_login(hr)
    hero = Level.objects.filter(framework__status="published", code="hero").get()
    form = {
        "name": "acme", "based_on": "", "email_column": "Mail", "date_format": "",
        "active_values": "", "inactive_values": "",
        "titles-TOTAL_FORMS": "2", "titles-INITIAL_FORMS": "0", "titles-MIN_NUM_FORMS": "0",
        "titles-MAX_NUM_FORMS": "1000",
        "titles-0-title": "Agent", "titles-0-level": hero.pk,
        "titles-1-title": " AGENT", "titles-1-level": hero.pk,
    }  # fmt: skip
    response = client.post(reverse("admin:assessments_importprofile_add"), form)

    assert response.status_code == 200
    page = response.content.decode()
    assert "This title is in the table already." in page
    assert (
        "This profile cannot read a people file: no column named for name (or first_name and "
        "last_name), hire_date, level (or job_title, with a title table)."
    ) in page
    assert not ImportProfile.objects.exists()


def test_hr_adds_and_changes_profiles_but_deletes_none_and_employees_see_no_admin(
    seeded, hr, client, rf
):
    from django.contrib import admin

    rights = ("add", "change", "view", "delete")
    assert [r for r in rights if hr.has_perm(f"assessments.{r}_importprofile")] == [
        "add", "change", "view",
    ]  # fmt: skip
    request = rf.get("/")
    request.user = hr
    assert admin.site._registry[ImportProfile].has_delete_permission(request) is False
    client.force_login(EmployeeFactory().user)
    response = client.get(reverse("admin:assessments_importprofile_changelist"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_profile_file_reads_a_custom_layout(seeded, tmp_path):
    EmployeeFactory(user__username="boss@example.com", user__email="boss@example.com")
    profile = tmp_path / "acme.yaml"
    profile.write_text(
        "name: acme\n"
        "columns:\n"
        "  email: E-mail\n  name: Full name\n  manager_email: Reports to\n"
        "  job_title: Role\n  hire_date: Start\n  level_since: In role since\n"
        "  status: State\n  team: Squad\n  region: Country\n  employee_id: Staff no\n"
        "date_format: '%d/%m/%Y'\n"
        "active: [Employed]\ninactive: [Left, Terminated]\n"
        "titles:\n  Agent: {framework: support-formula, level: hero}\n"
    )
    data = tmp_path / "acme.csv"
    data.write_text(
        "Staff no,Full name,E-mail,Reports to,Role,Start,In role since,State,Squad,Country\n"
        "A-7,Zoe Quinn,zoe@example.com,BOSS@example.com,agent,03/02/2024,01/06/2024,Employed,"
        "Tier 1,Portugal\n"
    )

    assert run(data, "--profile", profile) == "import_people: 1 created, 0 updated, 0 unchanged"
    zoe = Employee.objects.get(user__email="zoe@example.com")
    assert (zoe.employee_id, zoe.manager.email, zoe.level.code, zoe.team, zoe.region) == (
        "A-7", "boss@example.com", "hero", "Tier 1", "Portugal",
    )  # fmt: skip
    assert (zoe.hire_date, zoe.level_since) == (
        datetime.date(2024, 2, 3),
        datetime.date(2024, 6, 1),
    )


def test_people_import_takes_a_profile_by_name_object_or_saved_row(seeded):
    """The browser upload page calls people_import(text=..., profile=...) directly."""
    text = BAMBOO.read_text(encoding="utf-8-sig")
    table = hris.titles_from_csv(BAMBOO_TITLES.read_text())
    with time_machine.travel(TODAY):
        result = people_import(text=text, profile=hris.BUILT_IN["bamboohr"].with_titles(table))
    assert result.created == 6
    saved = ImportProfile.objects.create(name="hris-2", based_on="bamboohr")
    for title, (framework, code) in table.items():
        ImportProfileTitle.objects.create(
            profile=saved, title=title,
            level=Level.objects.get(framework__slug=framework, framework__status="published",
                                    code=code),
        )  # fmt: skip
    assert people_import(text=text, profile=saved).unchanged == 6
    assert people_import(text=text, profile="hris-2").unchanged == 6
    with pytest.raises(ImportProblems) as caught:
        people_import(text=text, profile="nope")
    assert caught.value.problems == [
        'no import profile named "nope" (one of: bamboohr, hris-2, personio, workday)'
    ]


# Every problem in one pass ---------------------------------------------------------------

HEADER = (
    '"Employee #","First Name","Last Name","Work Email","Job Title","Hire Date",'
    '"Supervisor EID","Status"'
)


@time_machine.travel(TODAY)
def test_every_problem_of_an_export_is_reported_in_one_pass_by_line(seeded, tmp_path):
    EmployeeFactory(user__username="taken@example.com", employee_id="900")
    path = tmp_path / "export.csv"
    path.write_text(
        "\n".join([
            HEADER,
            '"1","Lea","Lead","lea@example.com","Head of Support","03/15/2018","","Active"',
            '"2","Ray","Report","ray@example.com","Support Wizard","13/01/2024","77","Gone"',
            '"3","Cat","Loop","cat@example.com","Support Hero","01/01/2024","4","Active"',
            '"4","Dan","Loop","dan@example.com","Support Hero","01/01/2024","3","Active"',
            '"1","Eve","Twin","eve@example.com","Support Hero","01/01/2024","1","Active"',
            '"900","Fay","Taken","fay@example.com","Support Hero","01/01/2024","1","Active"',
            '"7","","","not-an-email","","","1","Active"',
        ]) + "\n"
    )  # fmt: skip

    message = refused(path, "--profile", "bamboohr", "--titles", BAMBOO_TITLES)

    assert message.splitlines()[1:] == [
        '  line 3: Job Title "Support Wizard" is not in the title table of profile bamboohr '
        "(add it to the profile in the admin, or use --titles FILE)",
        '  line 3: Hire Date "13/01/2024" is not a date (MM/DD/YYYY or YYYY-MM-DD)',
        '  line 3: unknown Status "Gone" (one of: Active, Inactive)',
        '  line 3: unknown Supervisor EID "77" (no employee has it and it is not in this file)',
        "  line 4: manager loop: cat@example.com → dan@example.com → cat@example.com",
        "  line 6: Employee # 1 already appears on line 2",
        "  line 7: Employee # 900 belongs to taken@example.com",
        '  line 8: Work Email "not-an-email" is not a valid e-mail address',
        "  line 8: First Name is missing",
        "  line 8: Job Title is missing",
        "  line 8: Hire Date is missing",
    ]
    assert not Employee.objects.exclude(user__email="taken@example.com").exists()


def test_the_first_problem_of_our_own_columns_no_longer_hides_the_others(seeded):
    text = (
        "email,name,manager_email,framework,level,hire_date,employee_id,manager_employee_id\n"
        "bob@example.com,,zed@example.com,support-formula,hero,2024-01-15,,\n"
        "cat@example.com,Cat,,support-formula,hero,2024-01-15,,E404\n"
    )
    with pytest.raises(ImportProblems) as caught:
        people_import(text=text)
    assert caught.value.problems == [
        "line 2: name is missing",
        'line 2: unknown manager_email "zed@example.com" (not an employee and not in this file)',
        'line 3: unknown manager_employee_id "E404" '
        "(no employee has it and it is not in this file)",
    ]


def test_an_unknown_profile_and_titles_without_a_profile_are_refused(seeded):
    assert 'no import profile named "bamboo"' in refused(BAMBOO, "--profile", "bamboo")
    assert refused(BAMBOO, "--titles", BAMBOO_TITLES) == (
        "--titles needs --profile: our own columns carry the level."
    )


def test_a_title_twice_in_the_title_table_is_refused(seeded, tmp_path):
    titles = tmp_path / "titles.csv"
    titles.write_text(BAMBOO_TITLES.read_text() + "support  HERO,support-formula,superhero\n")
    message = refused(BAMBOO, "--profile", "bamboohr", "--titles", titles)
    assert message == (
        f"{titles}: nothing imported, 1 problem(s):\n"
        '  titles line 6: "support  HERO" already appears on line 4'
    )
    assert not Employee.objects.exists()


def test_a_title_table_naming_a_missing_level_is_reported_on_the_lines_using_it(seeded, tmp_path):
    titles = tmp_path / "titles.csv"
    titles.write_text(BAMBOO_TITLES.read_text().replace(",superhero\n", ",ultrahero\n", 1))
    message = refused(BAMBOO, "--profile", "bamboohr", "--titles", titles)
    assert message.splitlines()[1:] == [
        f'  line {n}: Job Title "Support Superhero" maps to framework support-formula level '
        '"ultrahero", which no published framework has'
        for n in (5, 7)
    ]


# Employee ids ------------------------------------------------------------------------------


def test_an_employee_id_is_unique_when_set_and_many_may_have_none(seeded):
    EmployeeFactory(employee_id="1001")
    EmployeeFactory(employee_id="")
    EmployeeFactory(employee_id="")
    with pytest.raises(IntegrityError), transaction.atomic():
        EmployeeFactory(employee_id="1001")
    clash = EmployeeFactory.build(employee_id="1001")
    with pytest.raises(Exception, match="Another person already has this employee ID"):
        clash.validate_constraints()


def test_hr_finds_a_person_by_employee_id_in_the_admin(seeded, hr, client):
    EmployeeFactory(employee_id="E-4711", user__first_name="Findme")
    EmployeeFactory(employee_id="E-9", user__first_name="Other")
    client.force_login(hr)
    page = client.get(reverse("admin:people_employee_changelist"), {"q": "E-4711"}).content.decode()
    assert "Findme" in page and "Other" not in page


def test_a_bamboohr_reimport_costs_the_same_queries_for_any_number_of_rows(
    seeded, django_assert_num_queries
):
    profile = hris.BUILT_IN["bamboohr"].with_titles({"agent": ("support-formula", "hero")})
    for size in (1, 10):
        rows = [
            f'"{size}-{i}","A","B","p{size}-{i}@example.com","Agent","01/02/2024","","Active"'
            for i in range(size)
        ]
        text = "\n".join([HEADER, *rows]) + "\n"
        people_import(text=text, profile=profile)
        # published frameworks; their levels; all reporting lines and employee ids;
        # employees; users; savepoint; release
        with django_assert_num_queries(7):
            assert people_import(text=text, profile=profile).unchanged == size


def test_a_profile_based_on_a_built_in_one_names_only_the_columns_that_differ(seeded, tmp_path):
    profile = tmp_path / "ours.json"
    profile.write_text(
        '{"based_on": "bamboohr", "columns": {"name": "Display Name", "email": "Email"},'
        ' "inactive": ["Inactive", "Terminated"]}'
    )
    path = tmp_path / "export.csv"
    path.write_text(
        '"Employee #","Display Name","Email","Job Title","Hire Date","Supervisor EID","Status"\n'
        '"1","Lea Lead","lea@example.com","Head of Support","2018-03-15","","Active"\n'
        '"2","Ray Report","ray@example.com","Support Hero","01/05/2025","1","Terminated"\n'
    )
    with time_machine.travel(TODAY):
        assert run(path, "--profile", profile, "--titles", BAMBOO_TITLES) == (
            "import_people: 2 created, 0 updated, 0 unchanged"
        )
    ray = Employee.objects.get(employee_id="2")
    assert (ray.name, ray.manager.employee_id, ray.is_active) == ("Ray Report", "1", False)


def test_our_own_columns_may_name_managers_by_employee_id_alone(seeded):
    text = (
        "email,name,framework,level,hire_date,employee_id,manager_employee_id,team,region\n"
        "ray@example.com,Ray Report,support-formula,hero,2025-03-01,E2,E1,Tier 1,EMEA\n"
        "lea@example.com,Lea Lead,support-formula,senior-superhero,2020-05-04,E1,,,\n"
    )
    assert people_import(text=text).created == 2
    ray = Employee.objects.select_related("manager__user").get(employee_id="E2")
    assert (ray.manager.email, ray.team, ray.region) == ("lea@example.com", "Tier 1", "EMEA")
    # Without manager_employee_id, manager_email stays a required column.
    with pytest.raises(ImportProblems) as caught:
        people_import(text=text.replace(",manager_employee_id", ",boss_id"))
    assert caught.value.problems == ["missing column(s): manager_email"]


def test_empty_optional_values_change_nothing_for_someone_already_imported(seeded):
    ann = EmployeeFactory(
        user__username="ann@example.com", user__first_name="Ann", user__last_name="Lee",
        employee_id="A1", team="Support", region="EMEA", level_since=datetime.date(2025, 1, 1),
    )  # fmt: skip
    header = "email,name,manager_email,framework,level,hire_date,level_since,status,team,region"
    text = f"{header},employee_id\nann@example.com,Ann Lee,,support-formula,hero,2024-01-15,,,,,\n"
    before = time_at_level()

    assert people_import(text=text).unchanged == 1

    ann.refresh_from_db()
    assert (ann.employee_id, ann.team, ann.region, ann.is_active) == ("A1", "Support", "EMEA", True)
    assert time_at_level() == before
    people_import(text=text.replace(",,,,,\n", ",,,Tier 2,APAC,A2\n"))
    ann.refresh_from_db()
    assert (ann.employee_id, ann.team, ann.region) == ("A2", "Tier 2", "APAC")
