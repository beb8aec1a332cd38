"""No 500 on a hostile upload (issue 13, item 5): HR's import page answers a clear message
and a 4xx, or a dry run that refuses the lines, and stores nothing it cannot read. Run on
PostgreSQL too, where NUL cannot be stored in text."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments.import_runs import MAX_UPLOAD_BYTES
from assessments.models import ImportRun
from people.models import Employee

pytestmark = pytest.mark.django_db

PEOPLE = "email,name,manager_email,framework,level,hire_date\n"


@pytest.fixture
def hr_client(client, hr):
    client.force_login(hr)
    return client


def upload(client, data: bytes, kind="people", name="people.csv"):
    return client.post(
        reverse("assessments:import_new"),
        {"kind": kind, "file": SimpleUploadedFile(name, data, "text/csv")},
    )


def refused_upload(client, data: bytes, **kwargs) -> str:
    response = upload(client, data, **kwargs)
    assert response.status_code == 400
    assert not ImportRun.objects.exists()
    return response.content.decode()


def dry_run_page(client, data: bytes, **kwargs) -> tuple[ImportRun, str]:
    response = upload(client, data, **kwargs)
    assert response.status_code == 302
    run = ImportRun.objects.get()
    page = client.get(response.url)
    assert page.status_code == 200
    return run, page.content.decode()


def test_a_file_over_the_limit_is_refused_before_it_is_read(hr_client):
    html = refused_upload(hr_client, PEOPLE.encode() + b"x" * MAX_UPLOAD_BYTES)
    assert f"the limit is {MAX_UPLOAD_BYTES:,}" in html


def test_a_file_that_is_not_utf8_names_its_line(hr_client):
    latin1 = (PEOPLE + "jose@example.com,José,,support-formula,hero,2024-01-15\n").encode("latin-1")
    html = refused_upload(hr_client, latin1)
    assert "line 2: not UTF-8 text" in html and "save the file as CSV UTF-8" in html


def test_an_empty_file_is_refused(hr_client):
    assert "The file is empty" in refused_upload(hr_client, b"\n\n")


def test_an_unknown_kind_is_refused(hr_client):
    html = refused_upload(hr_client, PEOPLE.encode(), kind="passwords")
    assert "Select a valid choice" in html


def test_a_control_character_in_the_kind_is_a_bad_request(hr_client):
    response = upload(hr_client, PEOPLE.encode(), kind="people\x00")
    assert response.status_code == 400 and "control character" in response.content.decode()


def test_nul_in_a_column_read_is_refused_by_line_and_nothing_is_imported(hr_client):
    data = (PEOPLE + "x@example.com,X\x00,,support-formula,hero,2020-01-01\n").encode()
    run, html = dry_run_page(hr_client, data)
    assert run.state == ImportRun.State.REFUSED
    assert "line 2: column name contains a control character (NUL)" in html
    assert not Employee.objects.filter(user__email="x@example.com").exists()


def test_nul_in_a_column_not_read_is_kept_and_ignored(hr_client):
    """A vendor export's description may hold anything: the upload is kept as bytes."""
    data = b"id,subject,tags,solved at,assignee email,description\n1,S,api,,a@example.com,x\x00y\n"
    run, html = dry_run_page(hr_client, data, kind="helpdesk-tickets")
    assert run.state == ImportRun.State.CHECKED and bytes(run.data) == data
    assert "not solved or closed" in html


def test_a_formula_is_shown_as_text_never_run(hr_client):
    data = PEOPLE + 'x@example.com,X,,=HYPERLINK("http://evil.example"),hero,2020-01-01\n'
    run, html = dry_run_page(hr_client, data.encode())
    assert run.state == ImportRun.State.REFUSED
    assert "=HYPERLINK(&quot;http://evil.example&quot;)" in html
    assert '<a href="http://evil.example"' not in html


def test_a_control_character_in_the_file_name_is_dropped(hr_client):
    data = (PEOPLE + "x@example.com,X,,support-formula,hero,2020-01-01\n").encode()
    run, html = dry_run_page(hr_client, data, name="peo\x1bple.csv")
    assert run.file_name == "people.csv"


def test_a_huge_value_is_quoted_short(hr_client):
    data = (PEOPLE + f"x@example.com,X,,{'f' * 100_000},hero,2020-01-01\n").encode()
    run, html = dry_run_page(hr_client, data)
    assert run.state == ImportRun.State.REFUSED and "(100000 characters)" in html


@pytest.mark.parametrize("query", ["?page=99999", "?page=-1", "?show=<script>", "?page=x"])
def test_odd_parameters_on_a_run_page_show_a_page(hr_client, query):
    data = (PEOPLE + "x@example.com,X,,support-formula,hero,2020-01-01\n").encode()
    run, _html = dry_run_page(hr_client, data)
    page = hr_client.get(reverse("assessments:import_detail", args=[run.pk]) + query)
    assert page.status_code == 200 and "<script>" not in page.content.decode()
