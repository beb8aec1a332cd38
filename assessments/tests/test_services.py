"""Who may submit, withdraw, review, rate and attest; every decision is recorded."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assessments import services
from assessments.models import Evidence, EvidenceReview
from assessments.tests.factories import EvidenceFactory
from people.tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db


def test_the_direct_manager_approves_and_the_review_is_recorded(team):
    evidence = EvidenceFactory(employee=team["report"])
    services.evidence_review(
        evidence=evidence, actor=team["manager"].user, decision="approved", comment="Nice"
    )
    evidence.refresh_from_db()
    assert evidence.status == "approved"
    assert evidence.reviewed_by == team["manager"].user
    assert evidence.reviewed_at is not None
    review = EvidenceReview.objects.get(evidence=evidence)
    assert (review.reviewer, review.decision, review.comment) == (
        team["manager"].user,
        "approved",
        "Nice",
    )
    assert evidence.history.first().status == "approved"  # who changed what, when


def test_a_skip_level_manager_may_review_when_the_framework_allows_it(team):
    evidence = EvidenceFactory(employee=team["report"])
    services.evidence_review(evidence=evidence, actor=team["skip_level"].user, decision="approved")
    evidence.refresh_from_db()
    assert evidence.status == "approved"


def test_a_skip_level_manager_may_not_when_the_framework_says_direct_only(team):
    framework = team["report"].framework
    framework.direct_manager_review_only = True
    framework.save()
    evidence = EvidenceFactory(employee=team["report"])
    with pytest.raises(PermissionDenied, match="only for people who report to you"):
        services.evidence_review(
            evidence=evidence, actor=team["skip_level"].user, decision="approved"
        )
    services.evidence_review(evidence=evidence, actor=team["manager"].user, decision="approved")


@pytest.mark.parametrize("who", ["peer", "outsider", "report"])
def test_nobody_else_reviews_and_nobody_reviews_their_own(team, who):
    evidence = EvidenceFactory(employee=team["report"])
    with pytest.raises(PermissionDenied):
        services.evidence_review(evidence=evidence, actor=team[who].user, decision="approved")
    evidence.refresh_from_db()
    assert evidence.status == "submitted"
    assert not evidence.reviews.exists()


def test_a_manager_cannot_review_their_own_evidence(team):
    evidence = EvidenceFactory(employee=team["manager"])
    with pytest.raises(PermissionDenied, match="your own"):
        services.evidence_review(evidence=evidence, actor=team["manager"].user, decision="approved")


def test_a_rejection_needs_a_comment(team):
    evidence = EvidenceFactory(employee=team["report"])
    with pytest.raises(ValidationError, match="Say why you reject it"):
        services.evidence_review(evidence=evidence, actor=team["manager"].user, decision="rejected")


def test_an_item_is_decided_only_once(team):
    evidence = EvidenceFactory(employee=team["report"])
    services.evidence_review(evidence=evidence, actor=team["manager"].user, decision="approved")
    with pytest.raises(ValidationError, match="no longer waiting for review"):
        services.evidence_review(
            evidence=evidence, actor=team["skip_level"].user, decision="rejected", comment="No"
        )
    assert evidence.reviews.count() == 1


def test_bulk_review_decides_what_it_may_and_explains_the_rest(team):
    mine = EvidenceFactory.create_batch(3, employee=team["report"])
    not_mine = EvidenceFactory(employee=team["outsider"])
    decided, problems = services.evidence_review_bulk(
        evidence_ids=[e.pk for e in [*mine, not_mine]],
        actor=team["manager"].user,
        decision="approved",
    )
    assert decided == 3
    assert problems == [
        f"{not_mine.title}: You can review evidence only for people who report to you."
    ]
    assert Evidence.objects.filter(status="approved").count() == 3


def test_bulk_review_reads_the_reporting_lines_once_however_many_items(team):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    items = EvidenceFactory.create_batch(6, employee=team["report"])
    items += EvidenceFactory.create_batch(6, employee=team["peer"])
    with CaptureQueriesContext(connection) as ctx:
        decided, problems = services.evidence_review_bulk(
            evidence_ids=[e.pk for e in items], actor=team["manager"].user, decision="approved"
        )
    assert (decided, problems) == (12, [])
    assert sum("RECURSIVE" in q["sql"] for q in ctx.captured_queries) == 1


def test_the_owner_withdraws_an_unreviewed_item_which_is_kept(team):
    evidence = EvidenceFactory(employee=team["report"])
    services.evidence_withdraw(evidence=evidence, actor=team["report"].user)
    evidence.refresh_from_db()
    assert evidence.status == "withdrawn"


def test_a_reviewed_item_cannot_be_withdrawn(team):
    evidence = EvidenceFactory(employee=team["report"], status="approved")
    with pytest.raises(ValidationError, match="still waiting for review"):
        services.evidence_withdraw(evidence=evidence, actor=team["report"].user)


def test_only_the_owner_withdraws(team):
    evidence = EvidenceFactory(employee=team["report"])
    with pytest.raises(PermissionDenied):
        services.evidence_withdraw(evidence=evidence, actor=team["manager"].user)


def test_a_rejected_item_is_changed_and_resubmitted_keeping_the_old_review(team):
    evidence = EvidenceFactory(employee=team["report"])
    services.evidence_review(
        evidence=evidence, actor=team["manager"].user, decision="rejected", comment="Add the link"
    )
    services.evidence_resubmit(
        evidence=Evidence.objects.get(pk=evidence.pk),
        actor=team["report"].user,
        reference="https://support.example.com/t/1",
    )
    evidence.refresh_from_db()
    assert evidence.status == "submitted"
    assert evidence.reference == "https://support.example.com/t/1"
    assert evidence.review_comment == ""
    assert [r.decision for r in evidence.reviews.all()] == ["rejected"]


def test_someone_submits_evidence_only_for_themselves(team):
    with pytest.raises(PermissionDenied):
        services.evidence_submit(
            employee=team["report"],
            actor=team["manager"].user,
            kind="document",
            title="x",
            occurred_on=datetime.date(2026, 1, 1),
        )


def test_only_exams_have_an_outcome(team):
    with pytest.raises(ValidationError, match="Only exams have an outcome and a score"):
        services.evidence_submit(
            employee=team["report"],
            actor=team["report"].user,
            kind="ticket",
            title="x",
            outcome="passed",
            occurred_on=datetime.date(2026, 1, 1),
        )


@pytest.mark.parametrize(
    ("status", "outcome", "counts"),
    [("approved", "passed", True), ("approved", "failed", False), ("submitted", "passed", False)],
)
def test_an_exam_counts_only_when_approved_and_passed(team, status, outcome, counts):
    exam = EvidenceFactory.build(kind="exam", category="six-month", status=status, outcome=outcome)
    assert exam.counts is counts


def whatfix_team():
    manager = EmployeeFactory(framework_slug="whatfix-support", level_code="SL1")
    report = EmployeeFactory(framework_slug="whatfix-support", level_code="S1", manager=manager)
    return manager, report


def test_manager_and_self_ratings_are_kept_apart_and_replaced_within_a_period(seeded):
    manager, report = whatfix_team()
    framework = report.framework
    competency = framework.competencies.get(slug="problem-solving")
    beginner = framework.proficiency_levels.get(slug="beginner")
    advanced = framework.proficiency_levels.get(slug="advanced")
    today = datetime.date(2026, 11, 23)
    kwargs = {"employee": report, "competency": competency, "period": "2026-H2", "rated_on": today}
    services.rating_record(actor=report.user, proficiency=advanced, **kwargs)
    services.rating_record(actor=manager.user, proficiency=beginner, **kwargs)
    services.rating_record(actor=manager.user, proficiency=advanced, **kwargs)
    ratings = {r.source: r.proficiency.slug for r in report.competency_ratings.all()}
    assert ratings == {"self": "advanced", "manager": "advanced"}
    assert report.competency_ratings.count() == 2


def test_an_outsider_cannot_rate(seeded):
    _, report = whatfix_team()
    outsider = EmployeeFactory(framework_slug="whatfix-support", level_code="SL2")
    with pytest.raises(PermissionDenied):
        services.rating_record(
            employee=report,
            actor=outsider.user,
            competency=report.framework.competencies.first(),
            proficiency=report.framework.proficiency_levels.first(),
            period="2026-H2",
            rated_on=datetime.date(2026, 11, 23),
        )


def test_a_manager_attests_and_a_report_cannot_attest_for_a_peer(team):
    attestation = services.attestation_record(
        employee=team["report"],
        actor=team["manager"].user,
        code="workaround-solutions",
        level=team["report"].level.next_levels.get(),
        statement="Creates workaround solutions when standard solutions fail",
        attested_on=datetime.date(2026, 11, 23),
    )
    assert attestation.attested_by == team["manager"].user
    assert attestation.level.code == "superhero"  # the report is a hero
    with pytest.raises(PermissionDenied):
        services.attestation_record(
            employee=team["peer"],
            actor=team["report"].user,
            code="qa-minimal-assistance",
            level=team["peer"].level.next_levels.get(),
            statement="Can QA with minimal assistance",
            attested_on=datetime.date(2026, 11, 23),
        )


def test_a_confirmation_is_only_given_for_a_next_level_bar(team):
    report = team["report"]  # a hero: superhero is next, senior-superhero is not
    senior = report.level.next_levels.get().next_levels.get()
    with pytest.raises(ValidationError) as info:
        services.attestation_record(
            employee=report, actor=team["manager"].user, code="qa-minimal-assistance",
            level=senior, statement="QA", attested_on=datetime.date(2026, 11, 23),
        )  # fmt: skip
    assert "only the confirmations of their next levels" in info.value.messages[0]
    assert not report.attestations.exists()


def test_an_approval_asks_for_the_owner_to_be_rejudged_after_commit(
    team, django_capture_on_commit_callbacks, monkeypatch
):
    from django.utils import timezone

    from careerpath.celery import app

    sent = []
    monkeypatch.setattr(app, "send_task", lambda name, args, **kw: sent.append((name, args)))
    evidence = EvidenceFactory(employee=team["report"])
    with django_capture_on_commit_callbacks(execute=True):
        services.evidence_review(evidence=evidence, actor=team["manager"].user, decision="approved")
    today = timezone.localdate().isoformat()
    assert sent == [
        ("promotions.tasks.periodic_checks_chunk", [today, team["report"].pk, team["report"].pk])
    ]


def test_a_review_still_works_when_the_broker_is_down(
    team, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    from kombu.exceptions import OperationalError

    from careerpath.celery import app

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(app, "send_task", broker_down)  # the edge of the world: the broker
    evidence = EvidenceFactory(employee=team["report"])
    with django_capture_on_commit_callbacks(execute=True):
        services.evidence_review(evidence=evidence, actor=team["manager"].user, decision="approved")
    evidence.refresh_from_db()
    assert evidence.status == "approved"
    assert "wait in the outbox" in caplog.text
    from outbox.models import OutboxTask

    waiting = OutboxTask.objects.get(sent_at__isnull=True)  # sent by the relay when back
    assert waiting.task_name == "promotions.tasks.periodic_checks_chunk"
