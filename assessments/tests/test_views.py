"""Evidence pages: submit, follow, review; attachments only for those allowed to see them."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import Evidence
from assessments.tests.factories import EvidenceFactory
from people.models import Employee
from people.tests.factories import EmployeeFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def login(client, employee):
    client.force_login(employee.user)
    return client


def test_submitting_evidence_puts_it_in_my_list_waiting_for_review(client, team):
    login(client, team["report"])
    response = client.post(
        reverse("assessments:evidence_create"),
        {
            "kind": "ticket",
            "category": "integration",
            "title": "Salesforce sync fixed",
            "reference": "ZD-1234",
            "occurred_on": "2026-10-02",
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("assessments:evidence_list")).content.decode()
    assert "Salesforce sync fixed" in page
    assert "Waiting for review" in page
    evidence = Evidence.objects.get(title="Salesforce sync fixed")
    assert (evidence.employee, evidence.submitted_by) == (team["report"], team["report"].user)


def test_a_bad_form_keeps_the_input_and_says_what_is_wrong(client, team):
    login(client, team["report"])
    response = client.post(
        reverse("assessments:evidence_create"),
        {"kind": "ticket", "title": "Kept title", "occurred_on": "2099-01-01", "outcome": "passed"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "The date cannot be in the future." in page
    assert "Only exams have an outcome and a score." in page
    assert 'value="Kept title"' in page
    assert not Evidence.objects.exists()


def test_the_submit_form_is_prefilled_from_a_missing_requirement_link(client, team):
    login(client, team["report"])
    response = client.get(reverse("assessments:evidence_create") + "?kind=ticket&category=api")
    assert response.context["form"].initial == {"kind": "ticket", "category": "api"}


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.exe", b"MZ", "“.exe” files are not accepted"),
        ("big.pdf", b"x" * (5 * 1024 * 1024 + 1), "the limit is 5.0"),
    ],
)
def test_attachments_are_limited_in_type_and_size(client, team, media, name, content, message):
    login(client, team["report"])
    response = client.post(
        reverse("assessments:evidence_create"),
        {
            "kind": "document",
            "title": "Guide",
            "occurred_on": "2026-10-02",
            "attachment": SimpleUploadedFile(name, content),
        },
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Evidence.objects.exists()


def test_an_attachment_is_served_to_the_owner_and_the_manager_only(client, team, media):
    evidence = EvidenceFactory(
        employee=team["report"], attachment=SimpleUploadedFile("guide.pdf", b"%PDF-1.4 guide")
    )
    url = reverse("assessments:evidence_attachment", args=[evidence.pk])
    for who in ("report", "manager", "skip_level"):
        response = login(client, team[who]).get(url)
        assert response.status_code == 200, who
        assert b"".join(response.streaming_content) == b"%PDF-1.4 guide"
    for who in ("peer", "outsider"):
        assert login(client, team[who]).get(url).status_code == 404, who
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


@pytest.mark.parametrize("who", ["peer", "outsider"])
def test_someone_elses_evidence_is_not_found(client, team, who):
    evidence = EvidenceFactory(employee=team["report"])
    login(client, team[who])
    assert client.get(reverse("assessments:evidence_detail", args=[evidence.pk])).status_code == 404
    assert (
        client.post(
            reverse("assessments:evidence_review", args=[evidence.pk]), {"decision": "approved"}
        ).status_code
        == 404
    )
    evidence.refresh_from_db()
    assert evidence.status == "submitted"


def test_i_see_only_my_own_evidence(client, team):
    EvidenceFactory(employee=team["report"], title="Mine")
    EvidenceFactory(employee=team["peer"], title="Peer's")
    page = login(client, team["report"]).get(reverse("assessments:evidence_list")).content.decode()
    assert "Mine" in page and "Peer&#x27;s" not in page and "Peer's" not in page


def test_evidence_pages_use_the_one_date_format(client, team):
    item = EvidenceFactory(employee=team["report"], occurred_on=datetime.date(2026, 11, 6))
    client = login(client, team["report"])
    for url in (
        reverse("assessments:evidence_list"),
        reverse("assessments:evidence_detail", args=[item.pk]),
    ):
        page = client.get(url).content.decode()
        assert "6 Nov 2026" in page and "Nov. 6, 2026" not in page and "2026-11-06" not in page


def test_the_manager_reviews_from_the_queue(client, team):
    evidence = EvidenceFactory(employee=team["report"], title="Needs a look")
    login(client, team["manager"])
    queue = client.get(reverse("assessments:review_queue"))
    assert queue.context["total"] == 1
    assert "Needs a look" in queue.content.decode()
    response = client.post(
        reverse("assessments:evidence_review", args=[evidence.pk]),
        {"decision": "rejected", "comment": "Add the ticket link"},
    )
    assert response.status_code == 302
    evidence.refresh_from_db()
    assert (evidence.status, evidence.review_comment) == ("rejected", "Add the ticket link")
    assert client.get(reverse("assessments:review_queue")).context["total"] == 0


def test_a_rejection_without_a_comment_is_refused_with_a_message(client, team):
    evidence = EvidenceFactory(employee=team["report"])
    login(client, team["manager"])
    response = client.post(
        reverse("assessments:evidence_review", args=[evidence.pk]),
        {"decision": "rejected"},
        follow=True,
    )
    assert "Say why you reject it" in response.content.decode()
    evidence.refresh_from_db()
    assert evidence.status == "submitted"


def test_the_owner_cannot_approve_their_own_evidence_through_the_page(client, team):
    evidence = EvidenceFactory(employee=team["report"])
    login(client, team["report"])
    response = client.post(
        reverse("assessments:evidence_review", args=[evidence.pk]), {"decision": "approved"}
    )
    assert response.status_code == 403
    evidence.refresh_from_db()
    assert evidence.status == "submitted"


def test_bulk_approval_from_the_queue(client, team):
    items = EvidenceFactory.create_batch(3, employee=team["report"])
    login(client, team["manager"])
    response = client.post(
        reverse("assessments:evidence_review_bulk"),
        {"evidence": [e.pk for e in items[:2]], "decision": "approved"},
        follow=True,
    )
    assert "2 items approved." in response.content.decode()
    assert Evidence.objects.filter(status="approved").count() == 2


def test_bulk_review_of_someone_elses_item_changes_nothing(client, team):
    mine = EvidenceFactory(employee=team["report"])
    theirs = EvidenceFactory(employee=team["outsider"])
    login(client, team["manager"])
    response = client.post(
        reverse("assessments:evidence_review_bulk"),
        {"evidence": [mine.pk, theirs.pk], "decision": "approved"},
        follow=True,
    )
    assert "not waiting for your review" in response.content.decode()
    assert not Evidence.objects.filter(status="approved").exists()


def test_queue_filters_by_kind_category_and_person(client, team):
    EvidenceFactory(employee=team["report"], kind="document", category="", title="Doc")
    EvidenceFactory(employee=team["peer"], category="api", title="Api ticket")
    login(client, team["manager"])
    url = reverse("assessments:review_queue")
    assert [e.title for e in client.get(url + "?kind=document").context["items"]] == ["Doc"]
    assert [e.title for e in client.get(url + "?category=api").context["items"]] == ["Api ticket"]
    by_person = client.get(url + f"?person={team['peer'].pk}").context["items"]
    assert [e.title for e in by_person] == ["Api ticket"]
    assert client.get(url + "?person=abc").status_code == 200


def test_a_person_without_a_profile_gets_a_clear_refusal(client, seeded):
    client.force_login(UserFactory())
    response = client.get(reverse("assessments:evidence_list"))
    assert response.status_code == 403


def _grow_team(manager: Employee, size: int) -> None:
    """`size` reports of `manager`, each with two waiting items and one approved."""
    from people.tests.factories import EmployeeFactory

    reports = EmployeeFactory.create_batch(size, manager=manager)
    Evidence.objects.bulk_create(
        Evidence(
            employee=person,
            kind="ticket",
            category="api" if n else "integration",
            title=f"{person.pk}-{n}",
            reference=f"{person.pk}-{n}",
            occurred_on=datetime.date(2026, 10, 1),
            status="approved" if n == 2 else "submitted",
        )
        for person in reports
        for n in range(3)
    )


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url", [reverse("assessments:review_queue"), reverse("assessments:evidence_list")]
)
def test_pages_run_the_same_number_of_queries_for_5_or_500_people(client, team, url):
    manager = team["manager"]
    login(client, manager)
    _grow_team(manager, 5)
    EvidenceFactory.create_batch(2, employee=manager)
    small = count_queries(client, url)
    _grow_team(manager, 495)
    EvidenceFactory.create_batch(40, employee=manager)  # the manager's own list grows too
    assert count_queries(client, url) == small
    if "review" in url:
        assert client.get(url).context["total"] == 2 * 500


def test_a_manager_rates_a_report_with_the_indicators_beside_each_competency(client, seeded):
    from people.tests.factories import EmployeeFactory

    manager = EmployeeFactory(framework_slug="whatfix-support", level_code="SL1")
    report = EmployeeFactory(framework_slug="whatfix-support", level_code="S1", manager=manager)
    framework = report.framework
    intermediate = framework.proficiency_levels.get(slug="intermediate")
    problem_solving = framework.competencies.get(slug="problem-solving")
    url = reverse("assessments:rate_report", args=[report.pk])
    login(client, manager)
    page = client.get(url).content.decode()
    assert "Problem Solving" in page
    assert problem_solving.indicators.first().text in page
    response = client.post(
        url, {"period": "2026-H2", f"competency_{problem_solving.pk}": intermediate.pk}
    )
    assert response.status_code == 302
    rating = report.competency_ratings.get()
    assert (rating.source, rating.proficiency, rating.rated_by) == (
        "manager",
        intermediate,
        manager.user,
    )


def test_a_bad_period_is_explained_and_nothing_is_saved(client, seeded):
    from people.tests.factories import EmployeeFactory

    person = EmployeeFactory(framework_slug="whatfix-support", level_code="S1")
    competency = person.framework.competencies.first()
    login(client, person)
    response = client.post(
        reverse("assessments:rate_self"),
        {"period": "autumn", f"competency_{competency.pk}": "999999"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Write a review period as YYYY-H1" in page
    assert "Select a valid choice" in page
    assert not person.competency_ratings.exists()


@pytest.mark.parametrize("who", ["peer", "outsider", "report"])
def test_only_managers_of_a_person_open_their_rating_and_attestation_pages(client, team, who):
    login(client, team[who])
    for name in ("assessments:rate_report", "assessments:attest_report"):
        assert client.get(reverse(name, args=[team["report"].pk])).status_code == 404


def test_a_manager_attests_an_expectation_of_the_framework(client, team):
    login(client, team["manager"])
    url = reverse("assessments:attest_report", args=[team["report"].pk])
    superhero = team["report"].level.next_levels.get(code="superhero")  # the report is a hero
    key = f"{superhero.pk}:workaround-solutions"
    choices = dict(client.get(url).context["form"].fields["code"].choices)
    assert (
        choices[key] == "For superhero: Creates workaround solutions when standard solutions fail"
    )
    assert not any("qa-minimal-assistance" in k for k in choices)  # a Senior Superhero bar
    assert client.post(url, {"code": key}).status_code == 302
    attestation = team["report"].attestations.get()
    assert (attestation.code, attestation.level) == ("workaround-solutions", superhero)
    response = client.post(url, {"code": "made-up"})
    assert "Select a valid choice" in response.content.decode()


@pytest.mark.parametrize("person", ["²", "99999999999999999999999", "-1", "abc"])
def test_a_bad_person_filter_shows_the_whole_queue(client, team, person):
    EvidenceFactory(employee=team["report"])
    login(client, team["manager"])
    response = client.get(reverse("assessments:review_queue"), {"person": person})
    assert response.status_code == 200
    assert response.context["total"] == 1


def test_huge_ids_in_a_bulk_review_are_refused_with_a_message(client, team):
    login(client, team["manager"])
    response = client.post(
        reverse("assessments:evidence_review_bulk"),
        {"evidence": ["9" * 30], "decision": "approved"},
        follow=True,
    )
    assert response.status_code == 200
    assert "not waiting for your review" in response.content.decode()


def test_huge_competency_ids_on_the_evidence_form_are_a_form_error(client, seeded):
    from people.tests.factories import EmployeeFactory

    person = EmployeeFactory(framework_slug="whatfix-support", level_code="S1")
    login(client, person)
    response = client.post(
        reverse("assessments:evidence_create"),
        {"kind": "document", "title": "Guide", "occurred_on": "2026-10-02",
         "competencies": ["9" * 30]},
    )  # fmt: skip
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Evidence.objects.exists()


@pytest.mark.parametrize("next_url", ["https://evil.example/phish", "foo", "//evil.example"])
def test_after_a_review_only_a_local_next_page_is_followed(client, team, next_url):
    evidence = EvidenceFactory(employee=team["report"])
    login(client, team["manager"])
    response = client.post(
        reverse("assessments:evidence_review", args=[evidence.pk]),
        {"decision": "approved", "next": next_url},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("assessments:review_queue")


def test_after_a_review_a_local_next_page_is_followed(client, team):
    evidence = EvidenceFactory(employee=team["report"])
    login(client, team["manager"])
    response = client.post(
        reverse("assessments:evidence_review", args=[evidence.pk]),
        {"decision": "approved", "next": "/team/"},
    )
    assert response["Location"] == "/team/"


def test_hr_records_a_monthly_figure_only_for_a_defined_metric(client, team, hr):
    client.force_login(hr)
    url = reverse("admin:assessments_monthlymetric_add")
    form = {"employee": team["report"].pk, "period": "2026-10-01", "value": "97"}
    response = client.post(url, {**form, "metric": "nps"})
    assert "Select a valid choice. nps is not one of the available choices." in (
        response.content.decode()
    )
    assert client.post(url, {**form, "metric": "csat_pct"}).status_code == 302
    assert team["report"].metrics.get().metric == "csat_pct"


def test_a_manager_confirms_for_each_next_level_separately(client, seeded):
    lead = EmployeeFactory(framework_slug="whatfix-support", level_code="SL2")
    engineer = EmployeeFactory(framework_slug="whatfix-support", level_code="S2", manager=lead)
    login(client, lead)
    url = reverse("assessments:attest_report", args=[engineer.pk])
    labels = [label for _, label in client.get(url).context["form"].fields["code"].choices]
    assert "For S3: Exhibits the traits, skills and behaviours of this level" in labels
    assert "For SL1: Supervises, mentors and guides team members on the job" in labels
    assert not any(label.startswith("For S2:") for label in labels)  # already there
    s3 = engineer.level.next_levels.get(code="S3")
    assert client.post(url, {"code": f"{s3.pk}:next-level-behaviours"}).status_code == 302
    assert [(a.code, a.level.code) for a in engineer.attestations.all()] == [
        ("next-level-behaviours", "S3")
    ]  # ready for Principal, not yet for Lead


def test_evidence_takes_only_a_category_of_its_kind_in_the_persons_framework(client, seeded):
    hero = EmployeeFactory(level_code="hero")
    login(client, hero)
    url = reverse("assessments:evidence_create")
    form = {"kind": "ticket", "title": "Sync", "occurred_on": "2026-10-01"}
    response = client.post(url, {**form, "category": "Integrations"})
    assert "Select a valid choice. Integrations is not one of the available choices." in (
        response.content.decode()
    )
    response = client.post(url, {**form, "category": "six-month"})  # an exam's category
    assert "“six-month” is not a category of this kind; choose one of: integration" in (
        response.content.decode()
    )
    assert not hero.evidence.exists()
    assert client.post(url, {**form, "category": "integration"}).status_code == 302
    engineer = EmployeeFactory(framework_slug="whatfix-support", level_code="S1")
    login(client, engineer)
    choices = client.get(url).context["form"].fields["category"].choices
    assert choices == [("", "— none —")]  # Whatfix has no evidence categories


def test_the_form_opened_from_the_checklist_names_the_bar_it_counts_toward(client, seeded):
    hero = EmployeeFactory(level_code="hero")
    login(client, hero)
    response = client.get(reverse("assessments:evidence_create"),
                          {"kind": "ticket", "category": "integration"})  # fmt: skip
    assert response.context["counts_toward"] == [
        "superhero: At least 3 solved integration tickets (SF/ET/HTTP Connect) they can talk "
        "through"
    ]


def test_hr_finds_evidence_whose_category_counts_toward_nothing(client, seeded, hr):
    hero = EmployeeFactory(level_code="hero")
    good = EvidenceFactory(employee=hero, kind="ticket", category="integration")
    bad = EvidenceFactory(employee=hero, kind="ticket", category="integrations")
    client.force_login(hr)
    response = client.get(
        reverse("admin:assessments_evidence_changelist"), {"category_check": "unknown"}
    )
    shown = list(response.context["cl"].result_list)
    assert bad in shown and good not in shown


@pytest.mark.parametrize("category", ["\x00", "integration\x00", "x" * 5000])
def test_a_hostile_category_is_a_form_error_not_a_500(client, seeded, category):
    hero = EmployeeFactory(level_code="hero")
    login(client, hero)
    url = reverse("assessments:evidence_create")
    # A control character is a bad request before any view (careerpath.middleware).
    expected = 400 if "\x00" in category else 200
    assert client.get(url, {"kind": "ticket", "category": category}).status_code == expected
    response = client.post(
        url, {"kind": "ticket", "category": category, "title": "T", "occurred_on": "2026-10-01"}
    )
    assert response.status_code == expected
    if expected == 200:
        assert response.context["form"].errors["category"]
    assert not hero.evidence.exists()
