"""Importers refuse hostile files with "line N: reason" and write nothing (issue 11, item 2):
far and impossible dates, control characters, absurd numbers, non-UTF-8 bytes, and YAML
that is deeply nested, huge or an alias bomb. Before, each of these was a traceback (and
NUL a database error on PostgreSQL)."""

import io
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from assessments.models import HelpdeskTagCategory
from people.tests.factories import EmployeeFactory, UserFactory

pytestmark = pytest.mark.django_db

PEOPLE = "email,name,manager_email,framework,level,hire_date"
EVIDENCE = "email,kind,category,title,reference,occurred_on,status"
METRICS = "email,metric,period,value"
TICKETS = "id,subject,tags,solved at,assignee email"
RATINGS = "email,competency,proficiency,rated_on,rater_email"
ATTESTATIONS = "email,code,level,confirmed_on,manager_email"
HISTORY = "email,from_level,to_level,changed_on"
SEED = Path(__file__).resolve().parent.parent / "fixtures" / "frameworks" / "support-formula.yaml"


def row_counts() -> dict[str, int]:
    """Rows of every model of ours and of users: a refused import leaves all as they were."""
    labels = ("frameworks", "people", "assessments", "promotions", "auth")
    return {
        m._meta.label: m.objects.count()
        for label in labels
        for m in apps.get_app_config(label).get_models()
    }


def refused(command: str, data: bytes, tmp_path) -> str:
    """The command's message for a file it refuses, after checking that nothing changed."""
    path = tmp_path / "input"
    path.write_bytes(data)
    before = row_counts()
    with pytest.raises(CommandError) as caught:
        call_command(command, str(path), stdout=io.StringIO())
    assert row_counts() == before
    return str(caught.value)


@pytest.fixture
def ann(seeded):
    HelpdeskTagCategory.objects.create(tag="api", category="api")
    return EmployeeFactory(user=UserFactory(username="ann@example.com"))


CSV_CASES = [
    ("import_people", PEOPLE, "x@example.com,X,,support-formula,hero,9999-12-31",
     "line 2: hire_date 9999-12-31 is not between 1900-01-01 and 2100-12-31"),
    ("import_people", PEOPLE, "x@example.com,X,,support-formula,hero,1899-12-31",
     "line 2: hire_date 1899-12-31 is not between"),
    ("import_people", PEOPLE, "x@example.com,X\x00,,support-formula,hero,2020-01-01",
     "line 2: column name contains a control character (NUL)"),
    ("import_evidence", EVIDENCE, "ann@example.com,document,,T\x1b[31m,,2020-01-01,approved",
     "line 2: column title contains a control character (U+001B)"),
    ("import_evidence", EVIDENCE, "ann@example.com,document,,T,,0001-01-01,approved",
     "line 2: occurred_on 0001-01-01 is not between"),
    ("import_metrics", METRICS, "ann@example.com,volume_pct,0000-01,5",
     "line 2: period 0000-01 is not between 1900-01 and 2100-12"),
    ("import_metrics", METRICS, "ann@example.com,volume_pct,9999-12,5",
     "line 2: period 9999-12 is not between"),
    ("import_metrics", METRICS, "ann@example.com,volume_pct,2026-01," + "9" * 5000,
     "line 2: value 999999999999999999999999999999999999999999999999999999999999… "
     "(5000 characters) is not between 0 and 10000"),
    ("import_helpdesk_tickets", TICKETS, "1,S,api,9999-12-31T23:00:00-05:00,ann@example.com",
     "line 2: solved date 9999-12-31 is not between"),
    ("import_helpdesk_tickets", TICKETS, "1,S,api,0001-01-01T00:00:00+05:00,ann@example.com",
     "line 2: solved date 0001-01-01 is not between"),
    ("import_helpdesk_tickets", TICKETS, "1\x00,S,api,2026-01-01,ann@example.com",
     "line 2: column id contains a control character (NUL)"),
    ("import_ratings", RATINGS, "ann@example.com,collaboration\x00,beginner,2020-01-01,"
     "ann@example.com", "line 2: column competency contains a control character (NUL)"),
    ("import_ratings", RATINGS, "ann@example.com,collaboration,beginner,9999-12-31,"
     "ann@example.com", "line 2: rated_on 9999-12-31 is not between 1900-01-01 and 2100-12-31"),
    ("import_attestations", ATTESTATIONS, "ann@example.com,qa\x1b[31m,superhero,2020-01-01,"
     "ann@example.com", "line 2: column code contains a control character (U+001B)"),
    ("import_attestations", ATTESTATIONS, "ann@example.com,qa,superhero,0001-01-01,"
     "ann@example.com", "line 2: confirmed_on 0001-01-01 is not between"),
    ("import_level_history", HISTORY, "ann@example.com,,hero,99999-01-01",
     'line 2: changed_on "99999-01-01" is not a date (YYYY-MM-DD)'),
    ("import_level_history", HISTORY, "ann@example.com,,hero,1899-12-31",
     "line 2: changed_on 1899-12-31 is not between"),
    ("import_level_history", HISTORY, "ann@example.com,," + "h" * 5000 + ",2020-01-01",
     'line 2: unknown to_level "hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh… '
     '(5000 characters)" in support-formula'),
    ("import_level_history", HISTORY, "ann@example.com,,=HYPERLINK(\"http://x\"),2020-01-01",
     'line 2: unknown to_level "=HYPERLINK("http://x")" in support-formula'),
]  # fmt: skip


@pytest.mark.parametrize("command,header,row,message", CSV_CASES)
def test_a_hostile_csv_row_is_refused_with_its_line(ann, tmp_path, command, header, row, message):
    text = f"{header}\n{row}\n"
    assert message in refused(command, text.encode(), tmp_path)


def framework_yaml(**replace) -> str:
    text = SEED.read_text(encoding="utf-8").replace("slug: support-formula", "slug: hostile", 1)
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new, 1)
    return text


def _bomb() -> str:
    """ "Billion laughs": nine anchors, each a list of nine aliases of the one before."""
    lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]")
    return "\n".join(lines) + "\n"


BOMB = _bomb()

YAML_CASES = {
    "far date": (
        framework_yaml(**{"name: ": "effective_date: 9999-12-31\nname: "}),
        "effective_date: 9999-12-31 is not between 1900-01-01 and 2100-12-31",
    ),
    "year zero": (
        framework_yaml(**{"name: ": "effective_date: 0000-01-01\nname: "}),
        "line 3, column 17: '0000-01-01' is not a date",
    ),
    "escaped NUL": (
        framework_yaml(**{"name: Sample": 'name: "\\0Sample'}).replace(
            "Formula\n", 'Formula"\n', 1
        ),
        "line 3, column 7: the text contains a control character (NUL)",
    ),
    "raw NUL": (framework_yaml(**{"name: ": "name: \x00"}), "line 3: a character YAML does"),
    "huge number": (
        framework_yaml(**{"rank: 1\n": "rank: 99999999999999999999999\n"}),
        "rank: must be a whole number of at most 2147483647",
    ),
    "deep nesting": ("a: " + "[" * 5000 + "]" * 5000, "nested more than 40 levels deep"),
    "alias bomb": (BOMB, "its aliases expand to more than 100,000 values"),
    "alias bomb in a valid file": (
        framework_yaml() + BOMB.replace("i: ", "notes: "),
        "its aliases expand to more than 100,000 values",
    ),
    "huge file": ("a: " + "x" * 2_000_001, "The file is too large"),
}


@pytest.mark.parametrize("case", YAML_CASES)
def test_a_hostile_framework_file_is_refused_with_its_place(seeded, tmp_path, case):
    text, message = YAML_CASES[case]
    assert message in refused("import_framework", text.encode(), tmp_path)


def test_a_framework_file_that_is_not_utf8_is_refused_with_its_line(seeded, tmp_path):
    data = framework_yaml().encode().replace(b"Sample", b"Sample\xff", 1)
    assert "line 3: not UTF-8 text" in refused("import_framework", data, tmp_path)


def test_a_seed_framework_file_that_is_not_utf8_is_refused_with_its_line(
    seeded, tmp_path, monkeypatch
):
    (tmp_path / "broken.yaml").write_bytes(framework_yaml().encode().replace(b"Sample", b"\xff"))
    monkeypatch.setattr("frameworks.management.commands.seed_frameworks.SEED_DIR", tmp_path)
    before = row_counts()
    with pytest.raises(CommandError, match="line 3: not UTF-8 text"):
        call_command("seed_frameworks", stdout=io.StringIO())
    assert row_counts() == before


# HRIS exports and their profiles (issue 13, item 1) ----------------------------------------

BAMBOO = (
    '"Employee #","First Name","Last Name","Work Email","Job Title","Hire Date","Supervisor EID"'
)
TITLES = "title,framework,level\nAgent,support-formula,hero\n"

HRIS_CASES = [
    ('"1","X","Y","x@example.com","Agent","12/31/9999",""',
     "line 2: Hire Date 9999-12-31 is not between 1900-01-01 and 2100-12-31"),
    ('"1","X","Y","x@example.com","Agent","02/30/2024",""',
     'line 2: Hire Date "02/30/2024" is not a date (MM/DD/YYYY or YYYY-MM-DD)'),
    ('"1","X","Y","x@example.com","Agent","1/2/99999999999999999999",""',
     'line 2: Hire Date "1/2/99999999999999999999" is not a date'),
    ('"1","X","Y","x@example.com","Ag\x00ent","01/02/2024",""',
     "line 2: column job title contains a control character (NUL)"),
    ('"1","X","Y","x@example.com","' + "A" * 5000 + '","01/02/2024",""',
     'line 2: Job Title "' + "A" * 60 + '… (5000 characters)" is not in the title table'),
    ('"' + "9" * 51 + '","X","Y","x@example.com","Agent","01/02/2024",""',
     "line 2: employee_id: Ensure this value has at most 50 characters (it has 51)."),
    ('"1","X","Y","x@example.com","Agent","01/02/2024","' + "7" * 5000 + '"',
     'line 2: unknown Supervisor EID "' + "7" * 60 + '… (5000 characters)"'),
]  # fmt: skip


@pytest.mark.parametrize("row,message", HRIS_CASES)
def test_a_hostile_hris_row_is_refused_with_its_line(ann, tmp_path, row, message):
    titles = tmp_path / "titles.csv"
    titles.write_text(TITLES)
    path = tmp_path / "export.csv"
    path.write_bytes(f"{BAMBOO}\n{row}\n".encode())
    before = row_counts()
    with pytest.raises(CommandError) as caught:
        call_command(
            "import_people", str(path), "--profile", "bamboohr", "--titles", str(titles),
            stdout=io.StringIO(),
        )  # fmt: skip
    assert row_counts() == before
    assert message in str(caught.value)


PROFILE_CASES = {
    "not a mapping": ("- a\n- b\n", "profile: the file must hold a mapping"),
    "unknown key": ("name: x\nbased_on: bamboohr\nscript: rm\n", 'unknown key "script"'),
    "free date format": (
        "based_on: bamboohr\ndate_format: '%s%s%s'\n",
        'date_format "%s%s%s" is not one of: %Y-%m-%d',
    ),
    "unknown field": ("based_on: bamboohr\ncolumns: {password: P}\n", 'unknown field "password"'),
    "too few columns": ("columns: {email: Mail}\n", "profile: no column named for name"),
    "escaped NUL": ('based_on: bamboohr\ncolumns: {email: "Ma\\0il"}\n', "control character"),
    "alias bomb": (BOMB, "its aliases expand to more than 100,000 values"),
    "deep nesting": ("a: " + "[" * 5000 + "]" * 5000, "nested more than 40 levels deep"),
    "huge file": ("a: " + "x" * 2_000_001, "The file is too large"),
    "bad titles": ("based_on: bamboohr\ntitles: {Agent: hero}\n", "must map to {framework"),
}


@pytest.mark.parametrize("case", PROFILE_CASES)
def test_a_hostile_profile_file_is_refused(ann, tmp_path, case):
    text, message = PROFILE_CASES[case]
    profile = tmp_path / "profile.yaml"
    profile.write_text(text)
    path = tmp_path / "export.csv"
    path.write_text(f'{BAMBOO}\n"1","X","Y","x@example.com","Agent","01/02/2024",""\n')
    before = row_counts()
    with pytest.raises(CommandError) as caught:
        call_command("import_people", str(path), "--profile", str(profile), stdout=io.StringIO())
    assert row_counts() == before
    assert message in str(caught.value)
