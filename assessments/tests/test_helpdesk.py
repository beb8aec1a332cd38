"""Helpdesk exports as the vendors write them (issue 12): every layout imports unmodified,
tickets that cannot count are skipped by reason, one ticket id is one evidence item."""

import datetime
import io
import zoneinfo
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from assessments.helpdesk import solved_on, split_tags, tag_mapping_warnings
from assessments.importers import ImportProblems, helpdesk_tickets_import, tag_mappings_import
from assessments.models import Evidence, HelpdeskAgent, HelpdeskTagCategory
from people.models import Employee
from people.tests.factories import EmployeeFactory, UserFactory

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "helpdesk"
SKIPS = "not solved or closed {}, unassigned {}, unknown agent {}, no mapped tag {}"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_bytes().decode("utf-8-sig")


def person(first: str, last: str, email: str) -> Employee:
    user = UserFactory(username=email, email=email, first_name=first, last_name=last)
    return EmployeeFactory(user=user)


@pytest.fixture
def team(seeded):
    """Two agents who are employees, and the tag mappings of the fixtures."""
    for tag, category in [
        ("integration", "integration"), ("API_Issue", "api"), ("css", "css"),
        ("API Integration", "integration"), ("api", "api"),
    ]:  # fmt: skip
        HelpdeskTagCategory.objects.create(tag=tag, category=category)
    return {
        "zoe": person("Zoë", "Müller", "zoe@example.com"),
        "ravi": person("Ravi", "Kumar", "ravi@example.com"),
    }


def evidence_rows():
    return sorted(
        Evidence.objects.values_list(
            "reference", "employee__user__email", "category", "occurred_on", "status", "title"
        )
    )


def snapshot():
    models = [Evidence, Evidence.history.model, HelpdeskAgent, HelpdeskAgent.history.model]
    return {m.__name__: list(m.objects.order_by("pk").values()) for m in models}


# Each vendor's layout, unmodified ----------------------------------------------------------


def test_a_zendesk_csv_export_imports_unmodified(team):
    result = helpdesk_tickets_import(text=fixture("zendesk_tickets.csv"))

    assert str(result) == (
        "import_helpdesk_tickets: 2 created, 0 updated, 0 unchanged, 0 withdrawn; "
        "skipped 7 (" + SKIPS.format(4, 1, 1, 1) + ")"
    )
    assert evidence_rows() == [
        ("1001", "zoe@example.com", "integration", datetime.date(2025, 9, 1), "submitted",
         "SSO fails\nafter the upgrade to 4.2"),
        ("1002", "ravi@example.com", "api", datetime.date(2025, 9, 1), "submitted",
         'Rate limits: "429" on /v2/users, again'),
    ]  # fmt: skip
    # Matched by their full names; the agent who left is kept for HR to map or leave.
    agents = HelpdeskAgent.objects.values_list("name", "employee__user__email", "source")
    assert sorted(agents) == [
        ("Former Agent", None, "auto"),
        ("Ravi Kumar", "ravi@example.com", "auto"),
        ("Zoë Müller", "zoe@example.com", "auto"),
    ]


def test_a_freshdesk_csv_export_imports_unmodified_with_tags_holding_spaces(team):
    result = helpdesk_tickets_import(text=fixture("freshdesk_tickets.csv"))

    assert str(result) == (
        "import_helpdesk_tickets: 2 created, 0 updated, 0 unchanged, 0 withdrawn; "
        "skipped 6 (" + SKIPS.format(3, 1, 1, 1) + ")"
    )
    # "API Integration,sync" is the tag "API Integration" (not "api" + "integration").
    assert evidence_rows() == [
        ("5001", "zoe@example.com", "integration", datetime.date(2025, 9, 1), "submitted",
         "Sync of contacts stops\nafter 1,000 rows"),
        ("5002", "ravi@example.com", "api", datetime.date(2025, 9, 1), "submitted",
         'API key "rotated" by mistake'),
    ]  # fmt: skip


def test_a_zendesk_json_export_imports_with_agent_ids_mapped_by_hr(team):
    for agent_id, who in [("361001", "zoe"), ("361002", "ravi")]:
        HelpdeskAgent.objects.create(
            name=agent_id, key=agent_id, employee=team[who], source=HelpdeskAgent.Source.HR
        )

    result = helpdesk_tickets_import(text=fixture("zendesk_tickets.json"))

    assert str(result) == (
        "import_helpdesk_tickets: 2 created, 0 updated, 0 unchanged, 0 withdrawn; "
        "skipped 7 (" + SKIPS.format(4, 1, 1, 1) + ")"
    )
    assert [r[:4] for r in evidence_rows()] == [
        ("2001", "zoe@example.com", "integration", datetime.date(2025, 9, 1)),
        ("2002", "ravi@example.com", "api", datetime.date(2025, 9, 1)),
    ]
    # The unknown id waits in the mapping table for HR.
    assert HelpdeskAgent.objects.get(key="369999").employee is None


def test_a_zendesk_incremental_export_page_uses_its_side_loaded_users(team):
    result = helpdesk_tickets_import(text=fixture("zendesk_incremental_page.json"))

    assert (result.created, result.skips["unassigned"]) == (2, 1)
    assert [r[:2] for r in evidence_rows()] == [
        ("2001", "zoe@example.com"),
        ("2002", "ravi@example.com"),
    ]
    assert not HelpdeskAgent.objects.exists()  # matched by e-mail: nothing to map


@pytest.mark.parametrize(
    "name",
    ["zendesk_tickets.csv", "freshdesk_tickets.csv", "zendesk_tickets.json"],
)
def test_reimporting_an_export_changes_nothing(team, name):
    HelpdeskAgent.objects.create(name="361001", key="361001", employee=team["zoe"], source="hr")
    text = fixture(name)
    first = helpdesk_tickets_import(text=text)
    Evidence.objects.filter(reference__endswith="01").update(status="approved")
    before = snapshot()

    again = helpdesk_tickets_import(text=text)

    assert (again.created, again.updated, again.withdrawn) == (0, 0, 0)
    assert again.unchanged == first.created
    assert snapshot() == before


def test_the_command_reads_a_vendor_file_with_a_bom(team, tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes((FIXTURES / "zendesk_tickets.csv").read_bytes())
    out = io.StringIO()

    call_command("import_helpdesk_tickets", str(path), stdout=out)

    assert out.getvalue().startswith("import_helpdesk_tickets: 2 created, 0 updated")
    latest = Evidence.history.order_by("-history_id").first()
    assert latest.history_change_reason == "manage.py import_helpdesk_tickets"


# One ticket, one item ----------------------------------------------------------------------

HEADER = "Id,Subject,Tags,Status,Assignee,Solved at,Updated at"


def zendesk(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


def test_a_reassigned_ticket_moves_to_its_new_agent_with_history(team):
    helpdesk_tickets_import(text=zendesk("7,SSO,integration,Solved,Zoë Müller,2025-09-01 10:00,"))
    item = Evidence.objects.get()
    Evidence.objects.filter(pk=item.pk).update(status="approved")

    result = helpdesk_tickets_import(
        text=zendesk("7,SSO,integration,Solved,Ravi Kumar,2025-09-02 10:00,")
    )

    assert (result.created, result.updated) == (0, 1)
    moved = Evidence.objects.get()  # still one item
    assert (moved.pk, moved.employee, moved.status, moved.occurred_on) == (
        item.pk, team["ravi"], "submitted", datetime.date(2025, 9, 2),
    )  # fmt: skip
    owners = [h.employee_id for h in moved.history.order_by("history_id")]
    assert owners == [team["zoe"].pk, team["ravi"].pk]


def test_a_reopened_ticket_is_withdrawn_until_solved_again(team):
    solved = "7,SSO,integration,Solved,Zoë Müller,2025-09-01 10:00,"
    helpdesk_tickets_import(text=zendesk(solved))

    reopened = helpdesk_tickets_import(
        text=zendesk("7,SSO,integration,Open,Zoë Müller,2025-09-01 10:00,")
    )
    assert (reopened.withdrawn, Evidence.objects.get().status) == (1, "withdrawn")
    assert (
        helpdesk_tickets_import(
            text=zendesk("7,SSO,integration,Open,Zoë Müller,2025-09-01 10:00,")
        ).withdrawn
        == 0
    )  # withdrawn once

    again = helpdesk_tickets_import(text=zendesk(solved.replace("09-01", "09-05")))
    item = Evidence.objects.get()
    assert (again.updated, item.status, item.occurred_on) == (
        1, "submitted", datetime.date(2025, 9, 5),
    )  # fmt: skip


def test_an_approval_survives_a_reopen_and_a_person_s_withdrawal_survives_a_reimport(team):
    from assessments.services import evidence_review, evidence_withdraw

    manager = EmployeeFactory(level_code="senior-superhero")
    Employee.objects.filter(pk=team["zoe"].pk).update(manager=manager)
    solved = "7,SSO,integration,Solved,Zoë Müller,2025-09-01 10:00,"
    helpdesk_tickets_import(text=zendesk(solved))
    item = Evidence.objects.get()
    evidence_review(evidence=item, actor=manager.user, decision="approved", comment="Nice fix")
    helpdesk_tickets_import(text=zendesk("7,SSO,integration,Open,Zoë Müller,,"))
    assert Evidence.objects.get().status == "withdrawn"  # counts for nothing while reopened
    helpdesk_tickets_import(text=zendesk(solved))
    item.refresh_from_db()
    assert (item.status, item.review_comment, item.reviewed_by) == (
        "approved", "Nice fix", manager.user,
    )  # fmt: skip

    # The person takes it back themselves: the same file again leaves it withdrawn.
    second = Evidence.objects.create(
        employee=team["zoe"], kind="ticket", reference="8", category="integration",
        title="Old", occurred_on=datetime.date(2025, 9, 1), status="submitted",
    )  # fmt: skip
    evidence_withdraw(evidence=second, actor=team["zoe"].user)
    rows = zendesk("8,Old,integration,Solved,Zoë Müller,2025-09-01 10:00,")
    helpdesk_tickets_import(text=rows)
    second.refresh_from_db()
    assert second.status == "withdrawn"


def test_evidence_a_person_submitted_is_never_moved_or_rewritten(team):
    from assessments.services import evidence_submit

    theirs = evidence_submit(
        employee=team["zoe"], actor=team["zoe"].user, kind="ticket", category="scripting",
        title="My scripting ticket", reference="7", occurred_on=datetime.date(2025, 8, 1),
        description="How I fixed it",
    )  # fmt: skip
    Evidence.objects.filter(pk=theirs.pk).update(status="approved")
    before = evidence_rows()
    # The export says Ravi, or Zoë with another category: her item stays as she wrote it.
    helpdesk_tickets_import(text=zendesk("7,SSO,integration,Solved,Zoë Müller,2025-09-01 10:00,"))
    assert evidence_rows() == before
    helpdesk_tickets_import(text=zendesk("7,SSO,integration,Solved,Ravi Kumar,2025-09-01 10:00,"))
    theirs.refresh_from_db()
    assert (theirs.employee, theirs.category, theirs.status) == (
        team["zoe"], "scripting", "approved",
    )  # fmt: skip
    ravi = Evidence.objects.get(employee=team["ravi"])
    assert (ravi.reference, ravi.status) == ("7", "submitted")


def test_one_ticket_never_counts_for_two_people(team):
    # What the old importer left after a reassignment: an approved item for each agent.
    for agent in ("zoe", "ravi"):
        Evidence.objects.create(
            employee=team[agent], kind="ticket", reference="7", category="integration",
            title="SSO", occurred_on=datetime.date(2025, 9, 1), status="approved",
        )  # fmt: skip
    helpdesk_tickets_import(text=zendesk("7,SSO,integration,Solved,Ravi Kumar,2025-09-01 10:00,"))
    counting = Evidence.objects.filter(reference="7").exclude(status="withdrawn")
    assert [e.employee for e in counting] == [team["ravi"]]


def test_a_control_character_in_a_column_not_read_refuses_nothing(team):
    text = "Id,Subject,Requester,Tags,Status,Assignee,Solved at\n"
    text += "7,SSO,Acme\x1b Corp,integration,Solved,Zoë Müller,2025-09-01 10:00\n"
    assert helpdesk_tickets_import(text=text).created == 1
    with pytest.raises(ImportProblems, match="line 2: column subject contains a control"):
        helpdesk_tickets_import(text=text.replace("SSO", "S\x00SO"))


def test_a_solved_ticket_without_a_solved_time_counts_on_its_last_update(team):
    helpdesk_tickets_import(text=zendesk("7,SSO,integration,Closed,Zoë Müller,,2025-09-03 10:00"))
    assert Evidence.objects.get().occurred_on == datetime.date(2025, 9, 3)


def test_only_a_malformed_row_fails_the_file(team):
    before = snapshot()
    with pytest.raises(ImportProblems) as caught:
        helpdesk_tickets_import(
            text=zendesk(
                "7,SSO,integration,Solved,Zoë Müller,2025-09-01 10:00,",
                "8,Open,integration,Open,,,",
                "9,Bad,integration,Solved,Zoë Müller,someday,",
            )
        )
    assert caught.value.problems == [
        'line 4: solved date "someday" is not a date (YYYY-MM-DD[ HH:MM[:SS]][offset], '
        "MM/DD/YYYY[ h:mm AM/PM] or DD.MM.YYYY[ HH:MM])"
    ]
    assert snapshot() == before


# Agents ------------------------------------------------------------------------------------


def test_hr_overrides_a_match_and_the_importer_keeps_it(team):
    helpdesk_tickets_import(text=zendesk("7,SSO,integration,Solved,Zoë Müller,2025-09-01,"))
    HelpdeskAgent.objects.filter(key="zoë müller").update(employee=team["ravi"], source="hr")

    helpdesk_tickets_import(text=zendesk("7,SSO,integration,Solved,zoë  MÜLLER,2025-09-01,"))

    assert Evidence.objects.get().employee == team["ravi"]


def test_an_agent_with_accented_capitals_is_matched_on_every_database(team):
    emile = person("Émile", "Östberg", "emile@example.com")
    helpdesk_tickets_import(
        text=zendesk("9,SSO,integration,Solved,émile östberg,2025-09-01 10:00,")
    )
    assert Evidence.objects.get(reference="9").employee == emile


def test_a_name_two_employees_share_is_an_unknown_agent(team):
    person("Zoë", "Müller", "zoe2@example.com")

    result = helpdesk_tickets_import(
        text=zendesk("7,SSO,integration,Solved,Zoë Müller,2025-09-01,")
    )

    assert (result.created, result.skips["unknown agent"]) == (0, 1)
    assert HelpdeskAgent.objects.get().employee is None


def test_an_agent_matched_later_counts_from_the_next_import(team):
    text = zendesk("7,SSO,integration,Solved,Lee Park,2025-09-01,")
    assert helpdesk_tickets_import(text=text).skips["unknown agent"] == 1
    lee = person("Lee", "Park", "lee@example.com")

    assert helpdesk_tickets_import(text=text).created == 1
    assert Evidence.objects.get().employee == lee


def test_agent_lookups_cost_the_same_queries_for_any_number_of_agents(
    team, django_assert_num_queries
):
    for size in (1, 10):
        rows = [f"{size}-{i},S,css,Solved,Agent {size} {i},2025-09-01," for i in range(size)]
        helpdesk_tickets_import(text=zendesk(*rows))
        # employees by e-mail (none: no e-mails); mapping rows; tag mappings; ticket
        # evidence; savepoint; release
        with django_assert_num_queries(6):
            assert helpdesk_tickets_import(text=zendesk(*rows)).skips["unknown agent"] == size


# Tags --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "how", "tags"),
    [
        ("API Integration,sync", "commas", ["API Integration", "sync"]),
        (" API  Integration , sync ,", "commas", ["API Integration", "sync"]),
        ("integration vip", "spaces", ["integration", "vip"]),
        ("api_issue, urgent", "commas-or-spaces", ["api_issue", "urgent"]),
        ("vip integration", "commas-or-spaces", ["vip", "integration"]),
    ],
)
def test_tags_are_split_as_each_export_writes_them(raw, how, tags):
    assert split_tags(raw, how) == tags


def test_a_mapping_no_requirement_uses_or_no_export_writes_is_flagged(seeded):
    fine = HelpdeskTagCategory.objects.create(tag="integration", category="integration")
    unused = HelpdeskTagCategory.objects.create(tag="billing", category="billing")
    comma = HelpdeskTagCategory.objects.create(tag="a,b", category="api")
    twin = HelpdeskTagCategory.objects.create(tag="INTEGRATION", category="integration")

    warnings = tag_mapping_warnings()

    assert fine.pk not in warnings
    assert warnings[unused.pk] == ["no requirement counts billing tickets"]
    assert warnings[comma.pk] == ["no export can write this tag (commas separate tags)"]
    assert warnings[twin.pk] == ["the same tag as “integration”, which wins"]


def test_import_helpdesk_tags_loads_tag_category_rows(seeded, tmp_path):
    HelpdeskTagCategory.objects.create(tag="API", category="integration")
    path = tmp_path / "tags.csv"
    path.write_text("tag,category\napi,api\nAPI Integration,integration\n", encoding="utf-8")
    out = io.StringIO()

    call_command("import_helpdesk_tags", str(path), stdout=out)
    call_command("import_helpdesk_tags", str(path), stdout=out)

    assert out.getvalue().splitlines() == [
        "import_helpdesk_tags: 1 created, 1 updated, 0 unchanged",
        "import_helpdesk_tags: 0 created, 0 updated, 2 unchanged",
    ]
    assert sorted(HelpdeskTagCategory.objects.values_list("tag", "category")) == [
        ("API", "api"),  # matched ignoring case: the existing row keeps its spelling
        ("API Integration", "integration"),
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("tag,category\napi,api\nAPI,css\n", "line 3: same tag as line 2"),
        ("tag,category\napi,Not A Slug\n", "line 2: category"),
        ("tag,category\n,api\n", "line 2: tag is missing"),
        ("tag,category\na\x00,api\n", "line 2: column tag contains a control character (NUL)"),
    ],
)
def test_a_bad_tag_row_fails_the_file(seeded, text, problem):
    with pytest.raises(ImportProblems) as caught:
        tag_mappings_import(text=text)
    assert caught.value.problems[0].startswith(problem)
    assert not HelpdeskTagCategory.objects.exists()


def test_a_missing_tags_file_is_a_command_error(seeded):
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_helpdesk_tags", "/nonexistent.csv")


# Dates -------------------------------------------------------------------------------------

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("raw", "day"),
    [
        ("2025-09-01", datetime.date(2025, 9, 1)),
        ("2025-09-01 13:17", datetime.date(2025, 9, 1)),
        ("2025-09-01 00:30:00", datetime.date(2025, 8, 31)),  # Berlin 00:30 = UTC 22:30
        ("2025-09-01T00:30:00Z", datetime.date(2025, 9, 1)),
        ("2025-09-01T01:30:00+05:00", datetime.date(2025, 8, 31)),
        ("2025-09-01 01:30:00 +0500", datetime.date(2025, 8, 31)),
        ("09/01/2025 1:17 PM", datetime.date(2025, 9, 1)),
        ("09/01/2025 12:10 AM", datetime.date(2025, 8, 31)),
        ("9/1/2025", datetime.date(2025, 9, 1)),
        ("01.09.2025 13:17", datetime.date(2025, 9, 1)),
        ("01.09.2025", datetime.date(2025, 9, 1)),
    ],
)
def test_dates_are_read_as_exports_write_them_in_the_helpdesk_zone(settings, raw, day):
    settings.TIME_ZONE = "UTC"
    assert solved_on(raw, BERLIN) == (day, None)


@pytest.mark.parametrize(
    "raw",
    ["13/01/2025", "2025-02-30", "09/01/2025 13:17 PM", "yesterday", "2025-09-01T10:00+24:00"],
)
def test_impossible_dates_are_refused(raw):
    day, problem = solved_on(raw, BERLIN)
    assert day is None and problem.startswith(f'solved date "{raw}" is not a date')


def test_the_helpdesk_time_zone_setting_is_used(team, settings):
    settings.HELPDESK_TIME_ZONE = "America/New_York"
    helpdesk_tickets_import(text=zendesk("7,SSO,integration,Solved,Zoë Müller,2025-09-01 21:30,"))
    assert Evidence.objects.get().occurred_on == datetime.date(2025, 9, 2)  # 01:30 UTC


# The admin ---------------------------------------------------------------------------------


@pytest.fixture
def hr_client(client, seeded):
    from people.roles import roles_ensure

    hr = UserFactory(username="hr-helpdesk@example.com", is_staff=True)
    hr.groups.add(roles_ensure())
    client.force_login(hr)
    return client


def test_the_tag_mappings_list_warns_about_a_mapping_that_never_counts(hr_client):
    from django.urls import reverse

    HelpdeskTagCategory.objects.create(tag="integration", category="integration")
    HelpdeskTagCategory.objects.create(tag="billing", category="billing")

    response = hr_client.get(reverse("admin:assessments_helpdesktagcategory_changelist"))

    shown = [str(m) for m in response.context["messages"]]
    assert shown == ["“billing”: no requirement counts billing tickets."]


def test_hr_maps_an_agent_in_the_admin_and_the_row_is_theirs(hr_client, team):
    from django.urls import reverse

    agent = HelpdeskAgent.objects.create(name="361001", key="361001")
    url = reverse("admin:assessments_helpdeskagent_change", args=[agent.pk])

    response = hr_client.post(url, {"name": "361001", "employee": team["zoe"].pk})

    assert response.status_code == 302
    agent.refresh_from_db()
    assert (agent.employee, agent.source) == (team["zoe"], "hr")
    add = reverse("admin:assessments_helpdeskagent_add")
    clash = hr_client.post(add, {"name": " 361001 ", "employee": team["ravi"].pk})
    assert clash.context["adminform"].form.errors == {
        "name": ["Another row already maps this agent."]
    }


@pytest.mark.parametrize("users", ["true", "{}", '"x"', "[1, null, {}]", "null"])
def test_a_page_whose_users_are_not_a_list_of_users_is_read_without_them(team, users):
    text = (
        '{"tickets": [{"id": 7, "subject": "S", "status": "solved", "tags": ["css"], '
        '"assignee_id": 361001, "updated_at": "2025-01-05T10:00:00Z"}], "users": ' + users + "}"
    )
    assert helpdesk_tickets_import(text=text).skips["unknown agent"] == 1
