"""The rule book that My career and My team reuse between requests never serves stale rules:
an edit to a published framework made without a signal or an audit row (a shell's
`update()`, another process) shows on the next request."""

import datetime

import pytest

from assessments.models import Evidence
from frameworks.models import MetricDefinition, Requirement
from frameworks.selectors import rules_fingerprint
from people.tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db


def integration_bar():
    return Requirement.objects.filter(
        level__framework__slug="support-formula",
        level__framework__status="published",
        level__code="superhero",
        kind="evidence",
        evidence_kind="ticket",
        category="integration",
    )


def hero_with_one_ticket(manager=None):
    hero = EmployeeFactory(level_code="hero", hire_date=datetime.date(2025, 12, 1), manager=manager)
    Evidence.objects.create(
        employee=hero, kind="ticket", category="integration", title="One",
        occurred_on=datetime.date(2026, 3, 1), status="approved",
    )  # fmt: skip
    return hero


def test_my_career_shows_a_published_bar_changed_by_update_on_the_next_request(client, seeded):
    hero = hero_with_one_ticket()
    client.force_login(hero.user)
    assert "1 of 3 approved" in client.get("/").content.decode()
    assert integration_bar().update(count=5) == 1  # no save(), no signal, no history row
    html = client.get("/").content.decode()
    assert "1 of 5 approved" in html and "1 of 3 approved" not in html


def test_my_team_shows_a_published_bar_reworded_by_update_on_the_next_request(client, seeded):
    lead = EmployeeFactory(level_code="senior-superhero")
    hero_with_one_ticket(manager=lead)
    client.force_login(lead.user)
    assert (
        "Ten integration tickets, as HR now words it" not in client.get("/team/").content.decode()
    )
    integration_bar().update(label="Ten integration tickets, as HR now words it")
    assert "Ten integration tickets, as HR now words it" in client.get("/team/").content.decode()


def test_the_fingerprint_follows_shared_metrics_and_ignores_other_versions(seeded):
    published = set(
        Requirement.objects.filter(level__framework__status="published").values_list(
            "level__framework_id", flat=True
        )
    )
    support = set(integration_bar().values_list("level__framework_id", flat=True))
    before = rules_fingerprint(framework_ids=support)
    assert rules_fingerprint(framework_ids=support) == before
    # Another framework's bar: not part of these rules.
    Requirement.objects.filter(level__framework_id__in=published - support).update(label="x")
    assert rules_fingerprint(framework_ids=support) == before
    # A metric's name is in every framework's labels.
    MetricDefinition.objects.filter(slug="volume_pct").update(name="Tickets handled")
    assert rules_fingerprint(framework_ids=support) != before
