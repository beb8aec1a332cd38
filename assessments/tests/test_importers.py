"""The bulk CSV imports: every row or none, every bad row named, and a re-import changes nothing."""

import datetime
import io
import sys
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from assessments.importers import (
    ImportProblems,
    evidence_import,
    helpdesk_tickets_import,
    metrics_import,
    people_import,
)
from assessments.models import Evidence, HelpdeskTagCategory, MonthlyMetric
from assessments.tests.factories import EvidenceFactory
from people.models import Employee, LevelHistory
from people.tests.factories import EmployeeFactory, UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()
NOW = datetime.datetime(2026, 11, 2, 9, 30, tzinfo=datetime.UTC)

PEOPLE_HEADER = "email,name,manager_email,framework,level,hire_date,level_since"
EVIDENCE_HEADER = "email,kind,category,title,reference,occurred_on,status,outcome"
METRICS_HEADER = "email,metric,period,value"


def csv_text(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def snapshot() -> dict:
    """Every row an importer could write, to prove that a rejected file changed nothing."""
    models = [User, Employee, Employee.history.model, LevelHistory, Evidence, MonthlyMetric]
    return {m.__name__: list(m.objects.order_by("pk").values()) for m in models}


def rejected(importer, text: str) -> list[str]:
    """The problems `importer` reports for `text`, after checking that nothing changed."""
    before = snapshot()
    with pytest.raises(ImportProblems) as caught:
        importer(text=text)
    assert snapshot() == before
    return caught.value.problems


@pytest.fixture
def ann(seeded):
    return EmployeeFactory(user__username="ann@example.com", user__first_name="Ann")


@pytest.fixture
def stdin(monkeypatch):
    """Feed bytes to a command's standard input."""

    def feed(data: bytes):
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))

    return feed


# import_people ---------------------------------------------------------------------------


def test_people_are_created_with_managers_listed_after_their_reports(seeded):
    result = people_import(
        text=csv_text(
            PEOPLE_HEADER,
            "ray@example.com,Ray Report,lea@example.com,support-formula,hero,2025-03-01,",
            "lea@example.com,Lea Mary Lead,,whatfix-support,SL1,2020-05-04,2023-01-01",
        )
    )

    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    assert str(result) == "import_people: 2 created, 0 updated, 0 unchanged"
    ray = Employee.objects.get(user__username="ray@example.com")
    lea = Employee.objects.get(user__username="lea@example.com")
    assert ray.manager == lea and lea.manager is None
    assert (ray.framework, ray.level.code) == (seeded["support-formula"], "hero")
    assert (lea.framework, lea.level.code) == (seeded["whatfix-support"], "SL1")
    assert (lea.user.email, lea.user.first_name, lea.user.last_name) == (
        "lea@example.com",
        "Lea",
        "Mary Lead",
    )
    assert not lea.user.has_usable_password()
    assert (lea.hire_date, lea.level_since) == (
        datetime.date(2020, 5, 4),
        datetime.date(2023, 1, 1),
    )
    assert not LevelHistory.objects.exists()


def test_level_since_defaults_to_the_hire_date(seeded):
    people_import(
        text=csv_text(
            "email,name,manager_email,framework,level,hire_date",  # no level_since column
            "ray@example.com,Ray Report,,support-formula,hero,2025-03-01",
        )
    )
    people_import(
        text=csv_text(PEOPLE_HEADER, "zoe@example.com,Zoe,,support-formula,hero,2025-04-01,")
    )

    assert dict(Employee.objects.values_list("user__username", "level_since")) == {
        "ray@example.com": datetime.date(2025, 3, 1),
        "zoe@example.com": datetime.date(2025, 4, 1),
    }


def test_reimporting_people_changes_nothing(seeded):
    text = csv_text(
        PEOPLE_HEADER,
        "ray@example.com,Ray Report,LEA@example.com,support-formula,hero,2025-03-01,",
        "lea@example.com,Lea Lead,,support-formula,senior-superhero,2020-05-04,2023-01-01",
    )
    people_import(text=text)
    before = snapshot()

    result = people_import(text=text)

    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert snapshot() == before


def test_an_existing_person_is_updated_and_a_level_change_is_recorded(ann):
    boss = EmployeeFactory(level_code="senior-superhero")
    result = people_import(
        text=csv_text(
            PEOPLE_HEADER,
            f"Ann@example.com,Ann Other,{boss.email},support-formula,superhero,"
            "2024-01-15,2026-03-01",
        )
    )

    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
    ann.refresh_from_db()
    assert (ann.name, ann.manager, ann.level.code) == ("Ann Other", boss, "superhero")
    assert ann.level_since == datetime.date(2026, 3, 1)
    entry = LevelHistory.objects.get(employee=ann)
    assert (entry.from_level.code, entry.to_level.code) == ("hero", "superhero")
    assert (entry.changed_on, entry.reason, entry.changed_by) == (
        datetime.date(2026, 3, 1),
        "Imported",
        None,
    )
    assert User.objects.filter(username__iexact="ann@example.com").count() == 1


def test_a_person_can_move_to_another_framework(ann, seeded):
    people_import(
        text=csv_text(
            PEOPLE_HEADER, "ann@example.com,Ann,,whatfix-support,S1,2024-01-15,2026-04-01"
        )
    )

    ann.refresh_from_db()
    assert (ann.framework, ann.level.code) == (seeded["whatfix-support"], "S1")
    entry = LevelHistory.objects.get(employee=ann)
    assert (entry.from_level.code, entry.to_level.code) == ("hero", "S1")


def test_an_existing_user_without_a_profile_gets_one(seeded):
    user = UserFactory(username="ray@example.com")
    people_import(
        text=csv_text(PEOPLE_HEADER, "ray@example.com,Ray Report,,support-formula,hero,2025-03-01,")
    )
    assert Employee.objects.get().user == user


GOOD_PERSON = "ann@example.com,Ann Lee,,support-formula,hero,2024-01-15,"


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        (
            "bob@example.com,Bob,,nope,hero,2024-01-15,",
            'unknown framework "nope" (no published version)',
        ),
        (
            "bob@example.com,Bob,,support-formula,S2,2024-01-15,",
            'framework support-formula has no level "S2"',
        ),
        (
            "bob@example.com,Bob,,support-formula,hero,2024/01/15,",
            'hire_date "2024/01/15" is not a date (YYYY-MM-DD)',
        ),
        (
            "bob@example.com,Bob,,support-formula,hero,2024-02-30,",
            'hire_date "2024-02-30" is not a date (YYYY-MM-DD)',
        ),
        (
            "bob@example.com,Bob,,support-formula,hero,2024-01-15,15.01.2024",
            'level_since "15.01.2024" is not a date (YYYY-MM-DD)',
        ),
        (
            "bob@example.com,Bob,,support-formula,hero,2024-01-15,2024-01-14",
            "level_since 2024-01-14 is before hire_date 2024-01-15",
        ),
        (
            "ANN@example.com,Ann Again,,support-formula,hero,2024-01-15,",
            "email ANN@example.com already appears on line 2",
        ),
        (
            "bob@example.com,Bob,nobody@example.com,support-formula,hero,2024-01-15,",
            'unknown manager_email "nobody@example.com" (not an employee and not in this file)',
        ),
        (
            "bob-at-example.com,Bob,,support-formula,hero,2024-01-15,",
            'email "bob-at-example.com" is not a valid e-mail address',
        ),
        (",Bob,,support-formula,hero,2024-01-15,", "email is missing"),
        ("bob@example.com,,,support-formula,hero,2024-01-15,", "name is missing"),
        ("bob@example.com,Bob,,,hero,2024-01-15,", "framework is missing"),
        ("bob@example.com,Bob,,support-formula,,2024-01-15,", "level is missing"),
        ("bob@example.com,Bob,,support-formula,hero,,", "hire_date is missing"),
    ],
)
def test_a_bad_person_row_is_reported_and_nothing_is_imported(ann, row, problem):
    text = csv_text(PEOPLE_HEADER, GOOD_PERSON.replace("Ann Lee", "Ann Renamed"), row)
    assert rejected(people_import, text) == [f"line 3: {problem}"]


def test_a_manager_loop_in_the_file_is_reported_once(seeded):
    text = csv_text(
        PEOPLE_HEADER,
        GOOD_PERSON,
        "bob@example.com,Bob,cat@example.com,support-formula,hero,2024-01-15,",
        "cat@example.com,Cat,bob@example.com,support-formula,hero,2024-01-15,",
        "dan@example.com,Dan,dan@example.com,support-formula,hero,2024-01-15,",
    )
    assert rejected(people_import, text) == [
        "line 3: manager loop: bob@example.com → cat@example.com → bob@example.com",
        "line 5: manager loop: dan@example.com → dan@example.com",
    ]


def test_a_manager_loop_through_people_already_in_the_database_is_reported(seeded):
    lead = EmployeeFactory(user__username="lead@example.com")
    EmployeeFactory(user__username="team@example.com", manager=lead)
    text = csv_text(
        PEOPLE_HEADER,
        "lead@example.com,Lead,team@example.com,support-formula,hero,2024-01-15,",
    )
    assert rejected(people_import, text) == [
        "line 2: manager loop: lead@example.com → team@example.com → lead@example.com"
    ]


def test_a_problem_found_while_writing_undoes_the_rows_written_before_it(ann):
    text = csv_text(
        PEOPLE_HEADER,
        "bob@example.com,Bob Builder,,support-formula,hero,2024-01-15,",
        f"cat@example.com,{'C' * 151} Cat,,support-formula,hero,2024-01-15,",
    )
    assert rejected(people_import, text) == [
        "line 3: first_name: Ensure this value has at most 150 characters (it has 151)."
    ]


# import_evidence -------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_evidence_is_created_and_imported_decisions_have_no_reviewer(ann):
    result = evidence_import(
        text=csv_text(
            EVIDENCE_HEADER,
            "ann@example.com,ticket,integration,SSO for Acme,ZD-1,2026-09-01,approved,",
            "ann@example.com,exam,six-month,Six-month exam,,2026-07-15,approved,passed",
            "ann@example.com,document,,Runbook,,2026-08-01,submitted,",
            "ann@example.com,initiative,lead,Onboarding revamp,,2026-06-01,rejected,",
        )
    )

    assert str(result) == "import_evidence: 4 created, 0 updated, 0 unchanged"
    rows = Evidence.objects.order_by("occurred_on").values_list(
        "kind", "category", "reference", "status", "outcome", "reviewed_at", "review_comment"
    )
    assert list(rows) == [
        ("initiative", "lead", "", "rejected", "", NOW, "Imported"),
        ("exam", "six-month", "", "approved", "passed", NOW, "Imported"),
        ("document", "", "", "submitted", "", None, ""),
        ("ticket", "integration", "ZD-1", "approved", "", NOW, "Imported"),
    ]
    assert set(Evidence.objects.values_list("employee", "submitted_by", "reviewed_by")) == {
        (ann.pk, None, None)
    }


def test_reimporting_evidence_changes_nothing(ann):
    text = csv_text(
        EVIDENCE_HEADER,
        "ann@example.com,ticket,integration,SSO for Acme,ZD-1,2026-09-01,approved,",
        "ann@example.com,document,,Runbook,,2026-08-01,submitted,",
    )
    evidence_import(text=text)
    before = snapshot()

    result = evidence_import(text=text)

    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert snapshot() == before


@time_machine.travel(NOW, tick=False)
def test_evidence_matched_by_reference_is_updated(ann):
    evidence = EvidenceFactory(employee=ann, reference="ZD-1", title="Old", category="css")
    result = evidence_import(
        text=csv_text(
            EVIDENCE_HEADER,
            "ann@example.com,ticket,api,New title,ZD-1,2026-09-02,approved,",
        )
    )

    assert (result.created, result.updated) == (0, 1)
    evidence.refresh_from_db()
    assert (evidence.title, evidence.category, evidence.occurred_on) == (
        "New title",
        "api",
        datetime.date(2026, 9, 2),
    )
    assert (evidence.status, evidence.reviewed_at, evidence.review_comment) == (
        "approved",
        NOW,
        "Imported",
    )


def test_evidence_without_a_reference_is_matched_by_kind_category_title_and_date(ann):
    row = "ann@example.com,document,,Runbook,,2026-08-01,{status},"
    evidence_import(text=csv_text(EVIDENCE_HEADER, row.format(status="submitted")))

    result = evidence_import(text=csv_text(EVIDENCE_HEADER, row.format(status="approved")))

    assert (result.created, result.updated) == (0, 1)
    assert list(Evidence.objects.values_list("title", "status")) == [("Runbook", "approved")]


def test_an_exam_counts_only_when_passed_and_its_outcome_is_optional(ann):
    evidence_import(
        text=csv_text(
            EVIDENCE_HEADER,
            "ann@example.com,exam,six-month,Exam 1,E-1,2026-07-15,approved,failed",
            "ann@example.com,exam,six-month,Exam 2,E-2,2026-08-15,approved,passed",
            "ann@example.com,exam,six-month,Exam 3,E-3,2026-09-15,submitted,",
        )
    )
    counts = {e.reference: (e.outcome, e.counts) for e in Evidence.objects.all()}
    assert counts == {"E-1": ("failed", False), "E-2": ("passed", True), "E-3": ("", False)}


GOOD_EVIDENCE = "ann@example.com,ticket,integration,SSO for Acme,ZD-1,2026-09-01,approved,"


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        (
            "zed@example.com,ticket,api,Limits,ZD-2,2026-09-01,approved,",
            'unknown email "zed@example.com" (no employee has it)',
        ),
        (
            "ann@example.com,tiket,api,Limits,ZD-2,2026-09-01,approved,",
            'unknown kind "tiket" (one of: ticket, document, exam, demonstration, escalation, '
            "workaround, initiative, qa, liaison, feedback)",
        ),
        (
            "ann@example.com,ticket,api,Limits,ZD-2,2026-09-01,withdrawn,",
            'unknown status "withdrawn" (one of: submitted, approved, rejected)',
        ),
        (
            "ann@example.com,ticket,api,Limits,ZD-2,01/09/2026,approved,",
            'occurred_on "01/09/2026" is not a date (YYYY-MM-DD)',
        ),
        (
            "ann@example.com,exam,six-month,Exam,,2026-09-01,approved,pass",
            'unknown outcome "pass" (one of: passed, failed)',
        ),
        (
            "ann@example.com,ticket,api,Limits,ZD-2,2026-09-01,approved,passed",
            "only exams have an outcome",
        ),
        (
            "ann@example.com,ticket,css,Another title,ZD-1,2026-09-03,approved,",
            "same evidence as line 2",
        ),
        ("ann@example.com,ticket,api,,ZD-2,2026-09-01,approved,", "title is missing"),
        (
            "ann@example.com,ticket,api,Limits,ZD-2,2099-01-01,approved,",
            "occurred_on 2099-01-01 is in the future",
        ),
        ("ann@example.com,,api,Limits,ZD-2,2026-09-01,approved,", "kind is missing"),
        ("ann@example.com,ticket,api,Limits,ZD-2,2026-09-01,,", "status is missing"),
        (
            "ann@example.com,ticket,a p i,Limits,ZD-2,2026-09-01,approved,",
            'category "a p i" is not one of the ticket categories of support-formula '
            "(integration, scripting, css, api)",
        ),
        (  # counted toward nothing: refused instead of approved and ignored
            "ann@example.com,ticket,Integrations,Limits,ZD-2,2026-09-01,approved,",
            'category "Integrations" is not one of the ticket categories of support-formula '
            "(integration, scripting, css, api)",
        ),
    ],
)
def test_a_bad_evidence_row_is_reported_and_nothing_is_imported(ann, row, problem):
    EvidenceFactory(employee=ann, reference="ZD-9", status="submitted")
    text = csv_text(EVIDENCE_HEADER, GOOD_EVIDENCE, row)
    assert rejected(evidence_import, text) == [f"line 3: {problem}"]


def test_the_same_unreferenced_evidence_twice_is_reported(ann):
    row = "ann@example.com,document,,Runbook,,2026-08-01,submitted,"
    assert rejected(evidence_import, csv_text(EVIDENCE_HEADER, row, row)) == [
        "line 3: same evidence as line 2"
    ]


# import_metrics --------------------------------------------------------------------------


def test_metrics_are_created_for_the_first_day_of_the_month_and_upserted(ann):
    MonthlyMetric.objects.create(
        employee=ann, metric="csat_pct", period=datetime.date(2026, 9, 1), value=90
    )
    result = metrics_import(
        text=csv_text(
            METRICS_HEADER,
            "ann@example.com,volume_pct,2026-09,104.5",
            "ann@example.com,csat_pct,2026-09,97",
            "ann@example.com,unplanned_absence_pct,2026-10,0",
        )
    )

    assert str(result) == "import_metrics: 2 created, 1 updated, 0 unchanged"
    assert set(MonthlyMetric.objects.values_list("metric", "period", "value")) == {
        ("volume_pct", datetime.date(2026, 9, 1), Decimal("104.5")),
        ("csat_pct", datetime.date(2026, 9, 1), Decimal("97")),
        ("unplanned_absence_pct", datetime.date(2026, 10, 1), Decimal("0")),
    }


def test_reimporting_metrics_changes_nothing(ann):
    text = csv_text(METRICS_HEADER, "ann@example.com,volume_pct,2026-09,104.50")
    metrics_import(text=text)
    before = snapshot()

    result = metrics_import(text=text)

    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        (
            "zed@example.com,csat_pct,2026-09,90",
            'unknown email "zed@example.com" (no employee has it)',
        ),
        (
            "ann@example.com,nps,2026-09,90",
            'unknown metric "nps" (one of: csat_pct, sla_adherence_pct, unplanned_absence_pct, '
            "volume_pct)",
        ),
        ("ann@example.com,csat_pct,2026-13,90", 'period "2026-13" is not a month (YYYY-MM)'),
        ("ann@example.com,csat_pct,2026-09-01,90", 'period "2026-09-01" is not a month (YYYY-MM)'),
        ("ann@example.com,csat_pct,2026-09,lots", 'value "lots" is not a number'),
        ("ann@example.com,csat_pct,2026-09,", "value is missing"),
        ("ann@example.com,csat_pct,,90", "period is missing"),
        ("ann@example.com,,2026-09,90", "metric is missing"),
        ("ann@example.com,csat_pct,2026-09,-1", "value -1 is not between 0 and 10000"),
        ("ann@example.com,csat_pct,2026-09,10000.5", "value 10000.5 is not between 0 and 10000"),
        ("ann@example.com,csat_pct,2026-09,NaN", "value NaN is not between 0 and 10000"),
        (
            "ann@example.com,csat_pct,2026-09,90.125",
            "value: Ensure that there are no more than 2 decimal places.",
        ),
        ("ANN@example.com,volume_pct,2026-09,100", "same person, metric and month as line 2"),
    ],
)
def test_a_bad_metric_row_is_reported_and_nothing_is_imported(ann, row, problem):
    text = csv_text(METRICS_HEADER, "ann@example.com,volume_pct,2026-09,104", row)
    assert rejected(metrics_import, text) == [f"line 3: {problem}"]


# import_helpdesk_tickets -----------------------------------------------------------------


@pytest.fixture
def tag_mappings(db):
    for tag, category in [("integration", "integration"), ("API_Issue", "api"), ("css", "css")]:
        HelpdeskTagCategory.objects.create(tag=tag, category=category)


ZENDESK = csv_text(
    "Id,Subject,Tags,Solved at,Assignee email,Requester",
    "101,SSO for Acme,vip integration css,2026-10-01 14:03,ann@example.com,Acme",
    "102,Invoice copy,billing,2026-10-02,ann@example.com,Acme",
    '103,Rate limits,"api_issue, urgent",2026-10-03T23:30:00-05:00,ann@example.com,Beta',
)


def test_zendesk_tickets_become_evidence_in_the_first_mapped_tags_category(ann, tag_mappings):
    result = helpdesk_tickets_import(text=ZENDESK)

    assert str(result) == (
        "import_helpdesk_tickets: 2 created, 0 updated, 0 unchanged, 0 withdrawn; "
        "skipped 1 (not solved or closed 0, unassigned 0, unknown agent 0, no mapped tag 1)"
    )
    rows = Evidence.objects.order_by("reference").values_list(
        "employee", "kind", "reference", "title", "category", "occurred_on", "status"
    )
    assert list(rows) == [
        (
            ann.pk,
            "ticket",
            "101",
            "SSO for Acme",
            "integration",
            datetime.date(2026, 10, 1),
            "submitted",
        ),
        # 23:30 at UTC-5 is the next day in the site's time zone (UTC).
        (ann.pk, "ticket", "103", "Rate limits", "api", datetime.date(2026, 10, 4), "submitted"),
    ]


def test_freshdesk_column_names_are_recognised(ann, tag_mappings):
    result = helpdesk_tickets_import(
        text=csv_text(
            '"Ticket ID","Subject","Tags","Resolved time","Agent Email","Agent"',
            '"7","Broken CSS","css,theme","2026-10-05 09:00:00","ann@example.com","Ann"',
        )
    )
    assert result.created == 1
    evidence = Evidence.objects.get()
    assert (evidence.reference, evidence.category, evidence.occurred_on) == (
        "7",
        "css",
        datetime.date(2026, 10, 5),
    )


def test_reimporting_tickets_changes_nothing_and_keeps_decisions(ann, tag_mappings):
    helpdesk_tickets_import(text=ZENDESK)
    Evidence.objects.filter(reference="101").update(status="approved")
    before = snapshot()

    result = helpdesk_tickets_import(text=ZENDESK)

    assert (result.created, result.updated, result.unchanged, result.skipped) == (0, 0, 2, 1)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        (
            "201,Limits,api_issue,yesterday,ann@example.com",
            'solved date "yesterday" is not a date (YYYY-MM-DD[ HH:MM[:SS]][offset], '
            "MM/DD/YYYY[ h:mm AM/PM] or DD.MM.YYYY[ HH:MM])",
        ),
        ("101,Limits,api_issue,2026-10-01,ann@example.com", "same ticket id as line 2"),
        (",Limits,api_issue,2026-10-01,ann@example.com", "ticket id is missing"),
        (
            "201,Limits,api_issue,2026-02-30,ann@example.com",
            'solved date "2026-02-30" is not a date (YYYY-MM-DD[ HH:MM[:SS]][offset], '
            "MM/DD/YYYY[ h:mm AM/PM] or DD.MM.YYYY[ HH:MM])",
        ),
    ],
)
def test_a_bad_ticket_row_is_reported_and_nothing_is_imported(ann, tag_mappings, row, problem):
    text = csv_text(
        "id,subject,tags,solved_at,assignee_email",
        "101,SSO for Acme,integration,2026-10-01,ann@example.com",
        row,
        "301,Unmapped tickets are not checked,billing,someday,nobody@example.com",
    )
    assert rejected(helpdesk_tickets_import, text) == [f"line 3: {problem}"]


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("201,Limits,api_issue,2026-10-01,zed@example.com", "unknown agent"),
        ("201,Limits,api_issue,,ann@example.com", "not solved or closed"),
        ("201,Limits,api_issue,2026-10-01,", "unassigned"),
        ("201,Limits,billing,2026-10-01,ann@example.com", "no mapped tag"),
    ],
)
def test_a_ticket_that_cannot_count_is_skipped_by_reason(ann, tag_mappings, row, reason):
    text = csv_text(
        "id,subject,tags,solved_at,assignee_email",
        "101,SSO for Acme,integration,2026-10-01,ann@example.com",
        row,
    )
    result = helpdesk_tickets_import(text=text)
    assert (result.created, result.skipped, result.skips[reason]) == (1, 1, 1)


def test_missing_helpdesk_columns_are_named_with_the_headers_they_accept(ann):
    assert rejected(helpdesk_tickets_import, csv_text("Id,Subject,Tags", "1,A,b")) == [
        "missing column(s): solved date (solved at, solved_at, resolved at, resolved_time, "
        "closed at), assignee email (assignee email, assignee_email, agent email, agent_email)"
    ]


def people_rows(n: int) -> list[str]:
    return [f"p{n}-{i}@example.com,P {i},,support-formula,hero,2024-01-15," for i in range(n)]


def evidence_rows(n: int) -> list[str]:
    return [f"ann@example.com,ticket,api,T {i},ZD-{n}-{i},2026-09-01,submitted," for i in range(n)]


def metric_rows(n: int) -> list[str]:
    return [f"ann@example.com,csat_pct,{2000 + i}-01,90" for i in range(n)]


def ticket_rows(n: int) -> list[str]:
    return [f"{n}-{i},Subject,css,2026-10-01,ann@example.com" for i in range(n)]


@pytest.mark.parametrize(
    ("importer", "header", "make_rows", "queries"),
    [
        # published frameworks; their levels; all reporting lines; employees; users;
        # savepoint; release
        (people_import, PEOPLE_HEADER, people_rows, 7),
        # employees; their evidence; the framework's declared and used categories (once per
        # framework); savepoint; release
        (evidence_import, EVIDENCE_HEADER, evidence_rows, 6),
        # employees; metric definitions; their metrics; savepoint; release
        (metrics_import, METRICS_HEADER, metric_rows, 5),
        # tag mappings; employees; their evidence; savepoint; release
        (helpdesk_tickets_import, "id,subject,tags,solved_at,assignee_email", ticket_rows, 5),
    ],
)
def test_a_reimport_costs_the_same_queries_for_any_number_of_rows(
    ann, tag_mappings, django_assert_num_queries, importer, header, make_rows, queries
):
    for size in (1, 10):
        text = csv_text(header, *make_rows(size))
        importer(text=text)
        with django_assert_num_queries(queries):
            assert importer(text=text).unchanged == size


# The file as a whole, and the commands ---------------------------------------------------


def test_missing_columns_are_named_in_one_message(seeded):
    assert rejected(
        people_import, csv_text("Email,Name,Hire_Date", "a@example.com,A,2024-01-01")
    ) == ["missing column(s): manager_email, framework, level"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "the file is empty"),
        ("\ufeff \n\n", "the file is empty"),
        (METRICS_HEADER + "\n\n,,,\n", "the file has a header but no rows"),
    ],
)
def test_an_empty_file_is_refused(seeded, text, problem):
    assert rejected(metrics_import, text) == [problem]


def test_a_row_with_the_wrong_number_of_values_is_reported(ann):
    text = csv_text(
        METRICS_HEADER,
        '"ann@example.com","csat_pct","2026-09","90"',
        "ann@example.com,csat_pct,2026-10,9,5",
        "ann@example.com,csat_pct,2026-11",
    )
    assert rejected(metrics_import, text) == [
        "line 3: 5 values, but the header has 4",
        "line 4: 3 values, but the header has 4",
    ]


def test_line_numbers_count_blank_lines_and_multi_line_values(ann):
    text = csv_text(
        EVIDENCE_HEADER,
        "",
        'ann@example.com,document,,"Runbook',
        'part two",,2026-08-01,submitted,',
        "zed@example.com,document,,Other,,2026-08-01,submitted,",
    )
    assert rejected(evidence_import, text) == [
        'line 5: unknown email "zed@example.com" (no employee has it)'
    ]


def test_every_bad_row_is_reported_in_line_order(seeded):
    text = csv_text(
        PEOPLE_HEADER,
        "bob@example.com,Bob,zed@example.com,support-formula,hero,2024-01-15,",
        "cat@example.com,,,support-formula,hero,2024-13-01,",
    )
    assert rejected(people_import, text) == [
        'line 2: unknown manager_email "zed@example.com" (not an employee and not in this file)',
        "line 3: name is missing",
        'line 3: hire_date "2024-13-01" is not a date (YYYY-MM-DD)',
    ]


def test_a_command_prints_a_summary_and_accepts_a_utf8_bom(ann, tmp_path):
    path = tmp_path / "metrics.csv"
    text = csv_text(METRICS_HEADER, "ann@example.com,csat_pct,2026-09,91")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    out = io.StringIO()

    call_command("import_metrics", str(path), stdout=out)

    assert out.getvalue() == "import_metrics: 1 created, 0 updated, 0 unchanged\n"


def test_a_command_lists_every_problem_and_exits_non_zero(ann, tmp_path):
    path = tmp_path / "evidence.csv"
    path.write_text(
        csv_text(
            EVIDENCE_HEADER,
            GOOD_EVIDENCE,
            "ann@example.com,tiket,api,Limits,ZD-2,2026-09-01,approved,",
            "ann@example.com,ticket,api,,ZD-3,2026-09-01,approved,",
        )
    )
    with pytest.raises(CommandError) as caught:
        call_command("import_evidence", str(path))

    assert caught.value.returncode == 1
    assert str(caught.value) == (
        f"{path}: nothing imported, 2 problem(s):\n"
        '  line 3: unknown kind "tiket" (one of: ticket, document, exam, demonstration, '
        "escalation, workaround, initiative, qa, liaison, feedback)\n"
        "  line 4: title is missing"
    )
    assert not Evidence.objects.exists()


def test_a_file_that_is_not_utf8_is_refused_clearly(ann, tmp_path):
    path = tmp_path / "people.csv"
    text = csv_text(PEOPLE_HEADER, "jose@example.com,José,,support-formula,hero,2024-01-15,")
    path.write_bytes(text.encode("latin-1"))
    before = snapshot()

    with pytest.raises(CommandError) as caught:
        call_command("import_people", str(path))

    assert str(caught.value) == (
        f"{path}: nothing imported, 1 problem(s):\n"
        "  line 2: not UTF-8 text (invalid continuation byte); save the file as CSV UTF-8"
    )
    assert snapshot() == before


def test_a_missing_file_is_named(seeded):
    with pytest.raises(CommandError, match="nothing imported, 1 problem"):
        call_command("import_metrics", "/nonexistent/metrics.csv")


@pytest.mark.parametrize(
    ("command", "text", "model"),
    [
        ("import_people", csv_text(PEOPLE_HEADER, GOOD_PERSON.replace("ann@", "new@")), Employee),
        ("import_evidence", csv_text(EVIDENCE_HEADER, GOOD_EVIDENCE), Evidence),
        (
            "import_metrics",
            csv_text(METRICS_HEADER, "ann@example.com,csat_pct,2026-09,91"),
            MonthlyMetric,
        ),
        ("import_helpdesk_tickets", ZENDESK, Evidence),
    ],
)
def test_every_command_reads_standard_input_for_a_dash(
    ann, tag_mappings, stdin, command, text, model
):
    before = model.objects.count()
    stdin(("\ufeff" + text).encode())
    out = io.StringIO()

    call_command(command, "-", stdout=out)

    assert out.getvalue().startswith(f"{command}: ")
    assert model.objects.count() > before


def test_an_inactive_row_is_a_leaver_and_an_active_one_brings_them_back(seeded, client):
    header = PEOPLE_HEADER + ",status"
    lead = "lead@example.com,Lee Lead,,support-formula,senior-superhero,2020-01-01,,active"
    text = csv_text(header, lead, "ann@example.com,Ann Able,lead@example.com,support-formula,"
                    "hero,2024-01-01,,inactive")  # fmt: skip
    people_import(text=text)
    ann = Employee.objects.get(user__email="ann@example.com")
    assert (ann.is_active, ann.user.is_active, ann.left_on is not None) == (False, False, True)
    assert people_import(text=text).unchanged == 2  # the same file again changes nothing
    people_import(text=text.replace(",inactive", ",active"))
    ann.refresh_from_db()
    assert ann.is_active and ann.user.is_active and ann.left_on is None
    assert rejected(people_import, text.replace(",inactive", ",gone")) == [
        'line 3: unknown status "gone" (one of: active, inactive)'
    ]


def test_bulk_writes_leave_one_history_row_per_change_with_the_reason(ann):
    from careerpath.audit import audited

    rows = evidence_rows(3)
    with audited(reason="manage.py import_evidence"):
        evidence_import(text=csv_text(EVIDENCE_HEADER, *rows))
        evidence_import(text=csv_text(EVIDENCE_HEADER, rows[0].replace("T 0", "T zero"), *rows[1:]))

    history = Evidence.history.order_by("history_id").values_list(
        "reference", "title", "history_type", "history_change_reason"
    )
    assert list(history) == [
        ("ZD-3-0", "T 0", "+", "manage.py import_evidence"),
        ("ZD-3-1", "T 1", "+", "manage.py import_evidence"),
        ("ZD-3-2", "T 2", "+", "manage.py import_evidence"),
        ("ZD-3-0", "T zero", "~", "manage.py import_evidence"),
    ]


@pytest.mark.parametrize("change", [False, True])
def test_an_import_costs_the_same_queries_for_any_number_of_new_or_changed_rows(
    ann, django_assert_num_queries, change
):
    for size in (1, 10):
        text = csv_text(EVIDENCE_HEADER, *evidence_rows(size))
        if change:
            evidence_import(text=text)
            text = text.replace(",T ", ",Title ")
        # employees; their evidence; the framework's declared and used categories;
        # savepoint; one insert or update (a batch holds 1,000 rows) and one history
        # insert; release
        with django_assert_num_queries(8):
            result = evidence_import(text=text)
        assert (result.created, result.updated) == ((0, size) if change else (size, 0))


def test_every_line_has_an_outcome(ann):
    """The browser's dry run lists what happens to each line: the result keeps it."""
    MonthlyMetric.objects.create(
        employee=ann, metric="csat_pct", period=datetime.date(2026, 9, 1), value=90
    )
    text = csv_text(
        METRICS_HEADER,
        "ann@example.com,volume_pct,2026-09,104.5",
        "ann@example.com,csat_pct,2026-09,97",
    )
    first = metrics_import(text=text)
    assert [(line, outcome) for line, outcome, _ in first.lines] == [(2, "created"), (3, "updated")]
    again = metrics_import(text=text)
    assert [(line, outcome) for line, outcome, _ in again.lines] == [
        (2, "unchanged"),
        (3, "unchanged"),
    ]
