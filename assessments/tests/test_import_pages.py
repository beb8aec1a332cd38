"""Imports in the browser (issue 13, item 3): HR uploads a file, sees a dry run by line, then
applies exactly that file, once; the importers are the commands' own."""

import datetime
import io
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from assessments import import_kinds, import_runs
from assessments.models import Evidence, HelpdeskTagCategory, ImportRun, MonthlyMetric
from outbox.models import OutboxTask
from outbox.services import outbox_send
from people.models import Employee, LevelHistory
from people.tests.factories import EmployeeFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADER = "email,name,manager_email,framework,level,hire_date,level_since"
NEW_PEOPLE = (
    f"{HEADER}\n"
    "boss@example.com,Bea Boss,,support-formula,senior-superhero,2020-01-06,\n"
    "ann@example.com,Ann Lee,boss@example.com,support-formula,hero,2025-04-01,\n"
)
HELPDESK = Path(__file__).resolve().parent / "fixtures" / "helpdesk"


def upload(client, text, kind="people", name="people.csv", **extra):
    data = text if isinstance(text, bytes) else text.encode()
    return client.post(
        reverse("assessments:import_new"),
        {"kind": kind, "file": SimpleUploadedFile(name, data, "text/csv"), **extra},
    )


def snapshot():
    """Everything an import can write, history included."""
    models = [
        get_user_model(), Employee, Employee.history.model, LevelHistory, Evidence,
        Evidence.history.model, MonthlyMetric, HelpdeskTagCategory, OutboxTask,
    ]  # fmt: skip
    return {m.__name__: list(m.objects.order_by("pk").values()) for m in models}


@pytest.fixture
def hr_client(client, hr):
    client.force_login(hr)
    return client


def run_of(response) -> ImportRun:
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportRun.objects.get(pk=response.url.rstrip("/").rsplit("/", 1)[-1])


# The dry run ------------------------------------------------------------------------------


def test_a_dry_run_shows_each_line_and_changes_nothing(hr_client):
    ann = EmployeeFactory(
        user__username="ann@example.com",
        user__email="ann@example.com",
        # in time at level since her hire date (the file's; the file keeps it)
        hire_date=datetime.date(2025, 4, 1),
        level_since=datetime.date(2025, 4, 1),
    )
    before = snapshot()

    run = run_of(upload(hr_client, NEW_PEOPLE))

    assert run.state == ImportRun.State.CHECKED
    after = snapshot()
    assert after == before  # nothing but the run itself was written
    page = hr_client.get(reverse("assessments:import_detail", args=[run.pk]))
    html = page.content.decode()
    assert "Dry run: what applying would do" in html
    assert run.dry_run["counts"]["created"] == 1 and run.dry_run["counts"]["updated"] == 1
    assert run.dry_run["lines"] == [[2, "created", ""], [3, "updated", ""]]
    assert ">Apply</button>" in html
    assert Employee.objects.get(pk=ann.pk).manager is None


def test_a_refused_file_shows_every_problem_and_cannot_be_applied(hr_client):
    text = (
        f"{HEADER}\n"
        "a@example.com,A,,support-formula,nope,2025-01-01,\n"
        "b@example.com,B,,support-formula,hero,someday,\n"
    )
    before = snapshot()
    run = run_of(upload(hr_client, text))

    assert run.state == ImportRun.State.REFUSED
    html = hr_client.get(reverse("assessments:import_detail", args=[run.pk])).content.decode()
    for problem in run.dry_run["problems"]:
        assert problem.replace('"', "&quot;") in html
    assert any(p.startswith("line 2:") for p in run.dry_run["problems"])
    assert any(p.startswith("line 3:") for p in run.dry_run["problems"])
    assert ">Apply</button>" not in html
    response = hr_client.post(reverse("assessments:import_apply", args=[run.pk]), follow=True)
    assert "cannot be applied" in response.content.decode()
    assert snapshot() == before


# Apply ------------------------------------------------------------------------------------


def test_apply_does_what_the_command_does_and_names_hr(hr_client, hr, tmp_path):
    run = run_of(upload(hr_client, NEW_PEOPLE))
    response = hr_client.post(reverse("assessments:import_apply", args=[run.pk]), follow=True)

    assert "Applied: import_people: 2 created, 0 updated, 0 unchanged" in response.content.decode()
    run.refresh_from_db()
    assert run.state == ImportRun.State.APPLIED and run.applied_by == hr
    ann = Employee.objects.get(user__email="ann@example.com")
    assert ann.manager.user.email == "boss@example.com"
    record = ann.history.first()
    assert record.history_user == hr
    reason = f"import_people applied in the browser (import #{run.pk})"
    assert record.history_change_reason == reason
    # The command on the same file finds nothing left to do: the same importer, applied.
    path = tmp_path / "people.csv"
    path.write_text(NEW_PEOPLE)
    out = io.StringIO()
    call_command("import_people", str(path), stdout=out)
    assert out.getvalue().strip() == "import_people: 0 created, 0 updated, 2 unchanged"


def test_apply_gives_the_same_rows_as_the_command(client, hr, tmp_path, django_db_blocker):
    """The browser's apply and `manage.py import_people` write the same people."""
    path = tmp_path / "people.csv"
    path.write_text(NEW_PEOPLE)
    call_command("import_people", str(path), stdout=io.StringIO())
    by_command = sorted(
        Employee.objects.values_list("user__email", "manager__user__email", "level__code")
    )
    Employee.objects.all().delete()
    get_user_model().objects.exclude(pk=hr.pk).delete()

    client.force_login(hr)
    run = run_of(upload(client, NEW_PEOPLE))
    client.post(reverse("assessments:import_apply", args=[run.pk]))
    by_browser = sorted(
        Employee.objects.values_list("user__email", "manager__user__email", "level__code")
    )
    assert by_browser == by_command and len(by_browser) == 2


def test_a_second_apply_changes_nothing_and_says_so(hr_client):
    run = run_of(upload(hr_client, NEW_PEOPLE))
    hr_client.post(reverse("assessments:import_apply", args=[run.pk]))
    after_first = snapshot()

    response = hr_client.post(reverse("assessments:import_apply", args=[run.pk]), follow=True)

    assert "already applied: nothing more was changed" in response.content.decode()
    assert snapshot() == after_first


def test_a_stale_dry_run_is_checked_again_on_apply(hr_client, seeded):
    """The framework lost the level between the dry run and Apply: refused, nothing changed."""
    run = run_of(upload(hr_client, NEW_PEOPLE))
    framework = seeded["support-formula"]
    framework.status = "archived"
    framework.save(update_fields=["status"])
    before = snapshot()

    response = hr_client.post(reverse("assessments:import_apply", args=[run.pk]), follow=True)

    run.refresh_from_db()
    assert run.state == ImportRun.State.APPLY_REFUSED
    html = response.content.decode()
    assert "the data changed since the dry run" in html
    assert all(p.replace('"', "&quot;") in html for p in run.result["problems"])
    assert snapshot() == before


def test_apply_reports_counts_that_changed_since_the_dry_run(hr_client):
    run = run_of(upload(hr_client, NEW_PEOPLE))
    EmployeeFactory(
        user__username="ann@example.com",
        user__email="ann@example.com",
        # in time at level since her hire date (the file's; the file keeps it)
        hire_date=datetime.date(2025, 4, 1),
        level_since=datetime.date(2025, 4, 1),
    )

    response = hr_client.post(reverse("assessments:import_apply", args=[run.pk]), follow=True)

    assert "The data changed between the dry run and applying" in response.content.decode()


def test_a_helpdesk_export_dry_run_shows_skips_by_line(hr_client):
    HelpdeskTagCategory.objects.create(tag="integration", category="integration")
    EmployeeFactory(user__first_name="Zoë", user__last_name="Müller")
    data = (HELPDESK / "zendesk_tickets.csv").read_bytes()
    run = run_of(upload(hr_client, data, kind="helpdesk-tickets", name="zendesk.csv"))

    assert run.state == ImportRun.State.CHECKED
    lines = {line: (outcome, detail) for line, outcome, detail in run.dry_run["lines"]}
    assert lines[2] == ("created", "")  # 1001, Zoë's, integration (a subject on two lines)
    assert ("skipped", "unassigned") in lines.values()
    assert not Evidence.objects.exists()


# Large files: a worker, with the stage shown ----------------------------------------------


def test_a_large_file_is_checked_and_applied_by_a_worker(
    hr_client, monkeypatch, celery_eager, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(import_runs, "INLINE_MAX_BYTES", 10)
    with django_capture_on_commit_callbacks(execute=False):
        run = run_of(upload(hr_client, NEW_PEOPLE))
    assert run.state == ImportRun.State.QUEUED
    page = hr_client.get(reverse("assessments:import_detail", args=[run.pk])).content.decode()
    assert "waiting for a worker to check the 3 lines" in page
    assert '<meta http-equiv="refresh" content="2">' in page

    outbox_send()  # what the relay does once a worker is free: the dry run, by the task
    run.refresh_from_db()
    assert run.state == ImportRun.State.CHECKED

    with django_capture_on_commit_callbacks(execute=True):
        hr_client.post(reverse("assessments:import_apply", args=[run.pk]))
    run.refresh_from_db()
    assert run.state == ImportRun.State.APPLIED
    assert Employee.objects.filter(user__email="ann@example.com").exists()
    page = hr_client.get(reverse("assessments:import_detail", args=[run.pk])).content.decode()
    assert "http-equiv" not in page


# Who may ----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["import_list", "import_new"])
def test_people_who_are_not_hr_are_refused(client, seeded, url):
    manager = EmployeeFactory()
    EmployeeFactory(manager=manager)
    client.force_login(manager.user)
    assert client.get(reverse(f"assessments:{url}")).status_code == 403


def test_an_import_is_refused_to_people_who_are_not_hr(client, hr):
    client.force_login(hr)
    run = run_of(upload(client, NEW_PEOPLE))
    staff = UserFactory(is_staff=True)  # staff but not HR: no imports
    client.force_login(staff)
    assert client.get(reverse("assessments:import_detail", args=[run.pk])).status_code == 403
    assert client.post(reverse("assessments:import_apply", args=[run.pk])).status_code == 403
    assert upload(client, NEW_PEOPLE).status_code == 403
    run.refresh_from_db()
    assert run.state == ImportRun.State.CHECKED


def test_hr_who_lost_the_role_can_no_longer_apply(client, hr):
    client.force_login(hr)
    run = run_of(upload(client, NEW_PEOPLE))
    hr.groups.clear()
    assert client.post(reverse("assessments:import_apply", args=[run.pk])).status_code == 403
    assert not Employee.objects.filter(user__email="ann@example.com").exists()


def test_anonymous_people_are_sent_to_log_in(client, seeded):
    response = client.get(reverse("assessments:import_list"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_an_unknown_import_is_not_found(hr_client):
    assert hr_client.get(reverse("assessments:import_detail", args=[999999])).status_code == 404


def test_the_list_shows_past_imports_to_hr(hr_client):
    run = run_of(upload(hr_client, NEW_PEOPLE, name="november.csv"))
    html = hr_client.get(reverse("assessments:import_list")).content.decode()
    assert "november.csv" in html and f"#{run.pk}" in html and "Checked: ready to apply" in html


# The registry -----------------------------------------------------------------------------


def test_every_import_command_has_a_kind_and_every_kind_a_command():
    folder = Path(__file__).resolve().parents[1] / "management" / "commands"
    commands = sorted(p.stem for p in folder.glob("import_*.py"))
    assert sorted(kind.command for kind in import_kinds.KINDS.values()) == commands


def test_a_kind_option_reaches_the_importer_when_it_offers_a_choice(hr_client, monkeypatch):
    """The people file's column profile (or any kind's option) is passed to the importer."""
    seen = {}

    def importer(*, text, profile=None):
        seen["profile"] = profile
        return import_kinds.importers.ImportResult(command="fake")

    option = import_kinds.ImportOption(
        name="profile", label="Column profile",
        choices=lambda: [("", "Ours"), ("bamboohr", "BambooHR")],
    )  # fmt: skip
    fake = import_kinds.ImportKind(
        slug="fake", title="Fake", importer=importer, command="import_fake",
        columns="", summary="", options=(option,),
    )  # fmt: skip
    monkeypatch.setitem(import_kinds.KINDS, "fake", fake)

    form = hr_client.get(reverse("assessments:import_new")).content.decode()
    assert 'name="fake-profile"' in form and "BambooHR" in form
    run = run_of(upload(hr_client, "a,b\n1,2\n", kind="fake", **{"fake-profile": "bamboohr"}))
    assert seen == {"profile": "bamboohr"} and run.options == {"profile": "bamboohr"}
    refused = upload(hr_client, "a,b\n1,2\n", kind="fake", **{"fake-profile": "nope"})
    assert refused.status_code == 400


def test_the_audit_trail_shows_who_uploaded_and_applied_an_import(hr_client, hr):
    run = run_of(upload(hr_client, NEW_PEOPLE, name="november.csv"))
    hr_client.post(reverse("assessments:import_apply", args=[run.pk]))

    page = hr_client.get(reverse("audit_trail"), {"model": "assessments.importrun"})

    html = page.content.decode()
    assert page.status_code == 200
    assert html.count(f"import #{run.pk} november.csv (people)") == 3  # uploaded, checked, applied
    employees = hr_client.get(reverse("audit_trail"), {"model": "people.employee", "user": hr.pk})
    assert "import_people applied in the browser" in employees.content.decode()
