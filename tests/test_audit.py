"""The audit trail (issue 10, "Audit"): who changed what and when, visible to HR only,
and nothing hard-deleted from the admin."""

import datetime

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.models import (
    Attestation,
    CompetencyRating,
    Evidence,
    HelpdeskTagCategory,
    MonthlyMetric,
)
from assessments.services import person_anonymise
from assessments.tests.factories import EvidenceFactory
from careerpath.audit_trail import AUDITED
from frameworks.models import Entitlement, Framework, Level, Requirement
from frameworks.services import framework_draft_open, framework_publish
from people.models import Employee
from people.services import employee_leave
from people.tests.factories import EmployeeFactory, UserFactory
from promotions.models import ApprovalStep

pytestmark = pytest.mark.django_db

AUDIT_URL = "/admin/audit/"


@pytest.fixture
def team(seeded):
    """skip_level -> manager -> report; an outsider."""
    skip_level = EmployeeFactory(level_code="senior-superhero")
    manager = EmployeeFactory(level_code="senior-superhero", manager=skip_level)
    report = EmployeeFactory(manager=manager)
    return {"skip_level": skip_level, "manager": manager, "report": report}


def name(user) -> str:
    return user.get_full_name()


def entries(client, **params):
    response = client.get(AUDIT_URL, params)
    assert response.status_code == 200
    return response.context["entries"]


# Who sees it -----------------------------------------------------------------------------


def test_hr_finds_the_audit_trail_on_the_admin_index(client, hr):
    client.force_login(hr)
    page = client.get(reverse("admin:index")).content.decode()
    assert f'href="{AUDIT_URL}"' in page


def test_a_manager_with_staff_access_but_not_hr_is_refused(client, team):
    manager = team["manager"].user
    manager.is_staff = True
    manager.save()
    client.force_login(manager)
    assert client.get(AUDIT_URL).status_code == 403
    assert f'href="{AUDIT_URL}"' not in client.get(reverse("admin:index")).content.decode()


def test_an_ordinary_user_and_a_visitor_are_sent_to_the_login(client, team):
    assert client.get(AUDIT_URL)["Location"].startswith("/accounts/login/")
    client.force_login(team["report"].user)
    response = client.get(AUDIT_URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_a_superuser_sees_it(client, seeded):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(AUDIT_URL).status_code == 200


def test_bad_filters_get_a_message_and_a_400(client, hr):
    client.force_login(hr)
    response = client.get(AUDIT_URL, {"model": "auth.user", "since": "yesterday"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"model", "since"}


# What it shows ---------------------------------------------------------------------------


def test_hr_changes_a_tag_mapping_in_the_admin_and_the_trail_names_hr_and_both_categories(
    client, hr
):
    mapping = HelpdeskTagCategory.objects.create(tag="zd_api", category="api")
    client.force_login(hr)
    url = reverse("admin:assessments_helpdesktagcategory_change", args=[mapping.pk])
    response = client.post(url, {"tag": "zd_api", "category": "integration"})
    assert response.status_code == 302
    newest = entries(client)[0]
    assert (newest.who, newest.change, newest.label) == (name(hr), "changed", "zd_api")
    assert [(c.field, c.old, c.new) for c in newest.changes] == [("category", "api", "integration")]
    assert newest.url == url
    page = client.get(AUDIT_URL).content.decode()
    assert "category: api → integration" in page


def test_a_manager_approves_evidence_on_the_review_page_and_the_trail_shows_it(client, hr, team):
    evidence = EvidenceFactory(employee=team["report"], title="Fixed the SSO sync")
    client.force_login(team["manager"].user)
    response = client.post(
        reverse("assessments:evidence_review", args=[evidence.pk]), {"decision": "approved"}
    )
    assert response.status_code == 302
    client.force_login(hr)
    [entry] = entries(client, model="assessments.evidence", user=team["manager"].user.pk)
    assert (entry.who, entry.change) == (name(team["manager"].user), "changed")
    assert entry.label == f"Fixed the SSO sync · {name(team['report'].user)}"
    changes = {c.field: (c.old, c.new) for c in entry.changes}
    assert changes["status"] == ("Waiting for review", "Approved")
    assert changes["reviewed by"] == ("—", name(team["manager"].user))


def test_a_metric_import_by_command_shows_the_command_as_the_reason(client, hr, team, tmp_path):
    csv = tmp_path / "metrics.csv"
    email = team["report"].user.email
    csv.write_text(f"email,metric,period,value\n{email},csat_pct,2026-10,91\n")
    call_command("import_metrics", str(csv), stdout=open("/dev/null", "w"))  # noqa: SIM115
    csv.write_text(f"email,metric,period,value\n{email},csat_pct,2026-10,95\n")
    call_command("import_metrics", str(csv), stdout=open("/dev/null", "w"))  # noqa: SIM115
    client.force_login(hr)
    changed, created = entries(client, model="assessments.monthlymetric")
    assert (created.change, created.who, created.reason) == (
        "created", "", "manage.py import_metrics",
    )  # fmt: skip
    assert changed.reason == "manage.py import_metrics"
    assert [(c.field, c.old, c.new) for c in changed.changes] == [("value", "91.00", "95.00")]


def test_a_promotion_shows_each_step_its_approver_and_the_level_change(client, team):
    from promotions.services import promotion_decide, promotion_nominate

    report, manager = team["report"], team["manager"]
    superhero = Level.objects.get(framework=report.framework, code="superhero")
    case = promotion_nominate(
        employee=report, to_level=superhero, actor=manager.user,
        justification="Ready", as_of=datetime.date(2026, 11, 1),
    )  # fmt: skip
    hr_user = UserFactory(is_staff=True)
    from people.roles import roles_ensure

    hr_user.groups.add(roles_ensure())
    on = datetime.date(2026, 11, 2)
    promotion_decide(case=case, actor=manager.user, approve=True, on=on)
    promotion_decide(case=case, actor=hr_user, approve=True, on=on)
    latest = Employee.history.filter(id=report.pk).first()
    assert (latest.level_id, latest.history_user) == (superhero.pk, hr_user)
    assert latest.history_change_reason == f"Promotion case {case.pk} approved"
    client.force_login(hr_user)
    shown = [
        (e.record, e.who, e.change, [(c.field, c.new) for c in e.changes])
        for e in entries(client)[:4]
    ]
    assert shown == [
        ("employee", name(hr_user), "changed",
         [("level", "superhero (support-formula v1)"), ("level since", "2026-11-02")]),
        ("case approval", name(hr_user), "created", [("decision", "approved")]),
        ("case approval", name(manager.user), "created", [("decision", "approved")]),
        ("promotion case", name(manager.user), "created", [("justification", "Ready")]),
    ]  # fmt: skip
    case_url = reverse("admin:promotions_promotioncase_change", args=[case.pk])
    assert entries(client)[1].url == case_url


def test_publishing_records_everyone_it_moves_in_their_history(hr, team):
    framework = team["report"].framework
    draft, _ = framework_draft_open(framework=framework, actor=hr)
    before = Employee.history.count()
    framework_publish(framework=draft, actor=hr)
    moved = Employee.history.filter(history_id__gt=0).order_by("-history_id")[:3]
    assert Employee.history.count() - before == Employee.objects.filter(framework=draft).count()
    assert {row.framework_id for row in moved} == {draft.pk}
    assert {row.history_change_reason for row in moved} == {
        f"support-formula v{draft.version} published"
    }
    assert list(
        Framework.history.filter(id__in=[framework.pk, draft.pk]).values_list("id", "status")[:2]
    ) == [(draft.pk, "published"), (framework.pk, "archived")]


def test_a_discarded_draft_shows_in_the_trail_with_its_levels_bars_and_perks(client, hr):
    published = Framework.objects.get(slug="support-formula", status="published")
    draft, _ = framework_draft_open(framework=published, actor=hr)
    client.force_login(hr)
    response = client.post(reverse("admin:frameworks_framework_discard", args=[draft.pk]))
    assert response.status_code == 302
    assert not Framework.objects.filter(pk=draft.pk).exists()
    for key in ("frameworks.framework", "frameworks.level", "frameworks.requirement",
                "frameworks.entitlement"):  # fmt: skip
        found = entries(client, user=hr.pk, model=key)
        assert found
        assert {(e.change, e.who) for e in found} == {("deleted", name(hr))}
    row = Framework.history.get(id=draft.pk, history_type="-")
    assert (row.history_user, row.version) == (hr, draft.version)


def test_the_audit_page_reads_a_bounded_number_of_queries_whatever_its_size(client, hr, team):
    """A page of 10 or of 40 rounds of changes of three kinds reads the same queries."""
    client.force_login(hr)
    counts = []
    for size in (10, 40):
        for i in range(size):
            mapping = HelpdeskTagCategory.objects.create(tag=f"t{size}-{i}", category="api")
            mapping.category = "css"
            mapping.save()
            MonthlyMetric.objects.create(
                employee=team["report"], metric="csat_pct",
                period=datetime.date(2000 + i, 1 + size % 12, 1), value=90,
            )  # fmt: skip
            step = ApprovalStep.objects.create(
                framework_slug=f"x{size}", order=i, role="hr", name="HR"
            )
            step.name = "HR confirms"
            step.save()
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(AUDIT_URL)
        assert response.status_code == 200
        assert len(response.context["entries"]) == 50
        counts.append(len(ctx))
    # session, user, HR check; who made changes (one UNION; their users only when
    # someone did); the count and the page (one UNION ALL each); per model on the page
    # (three): its rows with their users, their earlier versions (none for metrics, only
    # ever created) and which objects still exist; the admin's permissions (two); the
    # sweep banner for HR (its HR check and the latest sweep)
    assert counts == [18, 18]


# Nothing hard-deleted --------------------------------------------------------------------


AUDITED_ADMINS = [
    Employee, Evidence, CompetencyRating, Attestation, MonthlyMetric, HelpdeskTagCategory,
    ApprovalStep, Framework, Requirement,
]  # fmt: skip


@pytest.mark.parametrize("model", AUDITED_ADMINS, ids=lambda m: m._meta.model_name)
def test_nobody_deletes_an_audited_record_in_the_admin_not_even_a_superuser(rf, seeded, model):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    request = rf.get("/admin/")
    request.user = superuser
    model_admin = admin.site._registry[model]
    obj = model.objects.first()
    assert model_admin.has_delete_permission(request) is False
    assert model_admin.has_delete_permission(request, obj) is False
    assert "delete_selected" not in model_admin.get_actions(request)


def test_the_delete_page_of_a_tag_mapping_is_refused(client, seeded):
    mapping = HelpdeskTagCategory.objects.create(tag="zd_css", category="css")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse("admin:assessments_helpdesktagcategory_delete", args=[mapping.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert HelpdeskTagCategory.objects.filter(pk=mapping.pk).exists()


@pytest.mark.parametrize(
    "model",
    [MonthlyMetric, HelpdeskTagCategory, ApprovalStep, Framework, Level, Requirement],
    ids=lambda m: m._meta.model_name,
)
def test_every_audited_model_with_an_admin_has_its_history_page(client, hr, model):
    HelpdeskTagCategory.objects.create(tag="zd_api", category="api")
    MonthlyMetric.objects.create(
        employee=EmployeeFactory(), metric="csat_pct", period=datetime.date(2026, 1, 1), value=1
    )
    obj = model.objects.first()
    opts = obj._meta
    client.force_login(hr)
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[obj.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert "simple_history/object_history.html" in [t.name for t in response.templates]


def test_anonymising_erases_comments_from_ratings_history_and_is_itself_audited(hr, team):
    from frameworks.models import Competency, ProficiencyLevel

    report = team["report"]
    competency = Competency.objects.first()  # the seeds' competencies are whatfix-support's
    proficiency = ProficiencyLevel.objects.filter(framework=competency.framework).first()
    CompetencyRating.objects.create(
        employee=report, competency=competency, proficiency=proficiency, source="manager",
        period="2026-H2", rated_on=datetime.date(2026, 10, 1), rated_by=team["manager"].user,
        comment="Struggled after the divorce",
    )  # fmt: skip
    employee_leave(employee=report, actor=hr, left_on=datetime.date(2026, 11, 1))
    person_anonymise(employee=report, actor=hr)
    assert not CompetencyRating.history.filter(comment__contains="divorce").exists()
    assert not Attestation.history.filter(employee_id=report.pk).exclude(comment="").exists()
    latest = Employee.history.filter(id=report.pk).first()
    assert (latest.history_user, latest.history_change_reason) == (
        hr, "Personal data anonymised on request",
    )  # fmt: skip


def test_an_entitlement_edit_is_in_its_history(seeded):
    entitlement = Entitlement.objects.first()
    entitlement.value += 1
    entitlement.save()
    assert entitlement.history.first().value == entitlement.value


def test_the_trail_covers_every_model_with_history():
    from django.apps import apps

    with_history = {
        model
        for model in apps.get_models()
        if getattr(model._meta, "simple_history_manager_attribute", None) and not model._meta.proxy
    }
    assert with_history == {entry.model for entry in AUDITED if entry.made is None}


def test_services_called_outside_a_request_record_their_actor(team):
    """A shell, a task or a script has no request: the service names who acted."""
    from assessments.services import evidence_review, rating_record
    from frameworks.models import Competency, ProficiencyLevel

    manager, report = team["manager"], team["report"]
    evidence = EvidenceFactory(employee=report)
    evidence_review(evidence=evidence, actor=manager.user, decision="approved")
    assert Evidence.history.filter(id=evidence.pk).first().history_user == manager.user
    report.framework = Framework.objects.get(slug="whatfix-support", status="published")
    report.level = report.framework.levels.get(code="S1")
    report.save()
    manager.framework, manager.level = report.framework, report.framework.levels.get(code="SL2")
    manager.save()
    rating = rating_record(
        employee=report, actor=manager.user,
        competency=Competency.objects.get(framework=report.framework, slug="collaboration"),
        proficiency=ProficiencyLevel.objects.get(framework=report.framework, slug="advanced"),
        period="2026-H2", rated_on=datetime.date(2026, 11, 1),
    )  # fmt: skip
    assert rating.history.first().history_user == manager.user


def test_filters_by_record_author_and_dates(client, hr, team):
    HelpdeskTagCategory.objects.create(tag="zd_css", category="css")
    client.force_login(hr)
    client.post(
        reverse("admin:assessments_helpdesktagcategory_change",
                args=[HelpdeskTagCategory.objects.get().pk]),
        {"tag": "zd_css", "category": "integration"},
    )  # fmt: skip
    today = timezone.localdate()
    tomorrow = today + datetime.timedelta(days=1)
    key = "assessments.helpdesktagcategory"
    assert [e.change for e in entries(client, model=key)] == ["changed", "created"]
    assert [e.change for e in entries(client, model=key, user=hr.pk)] == ["changed"]
    assert entries(client, model=key, since=tomorrow) == []
    assert len(entries(client, model=key, since=today, until=today)) == 2
    assert entries(client, model="promotions.caseapproval", since=today, user=hr.pk) == []
    assert client.get(AUDIT_URL, {"since": tomorrow, "until": today}).status_code == 400


def test_a_level_change_by_import_names_the_import_and_the_command(team, tmp_path):
    report = team["report"]
    csv = tmp_path / "people.csv"
    csv.write_text(
        "email,name,manager_email,framework,level,hire_date,level_since\n"
        f"{report.user.email},{report.name},{team['manager'].user.email},support-formula,"
        "superhero,2024-01-15,2026-10-01\n"
    )
    call_command("import_people", str(csv), stdout=open("/dev/null", "w"))  # noqa: SIM115
    latest = Employee.history.filter(id=report.pk).first()
    assert latest.level.code == "superhero"
    assert (latest.history_user, latest.history_change_reason) == (
        None, "Imported (manage.py import_people)",
    )  # fmt: skip
