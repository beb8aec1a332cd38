"""The upgrade of confirmations that had no level: nothing a person had is taken away."""

import datetime

import pytest

from tests.migrating import migrate

BEFORE = [("assessments", "0002_attestation_for_level_metric_slug")]
AFTER = [("assessments", "0004_attestation_level_required")]


@pytest.mark.django_db(transaction=True)
def test_a_legacy_confirmation_is_kept_for_every_level_it_counted_for(seeded):
    from people.tests.factories import EmployeeFactory

    manager = EmployeeFactory(framework_slug="whatfix-support", level_code="SL2")
    engineer = EmployeeFactory(framework_slug="whatfix-support", level_code="S2", manager=manager)
    hero = EmployeeFactory(level_code="hero", manager=None)
    top = EmployeeFactory(level_code="senior-superhero")
    old_apps = migrate(BEFORE)
    try:
        Attestation = old_apps.get_model("assessments", "Attestation")
        Requirement = old_apps.get_model("frameworks", "Requirement")
        Entitlement = old_apps.get_model("frameworks", "Entitlement")
        # HR had made a confirmation a condition of Hero's work-from-home days.
        wfh = Entitlement.objects.get(level_id=hero.level_id)
        Requirement.objects.create(entitlement=wfh, kind="attestation", code="remote-ready",
                                   label="Ready to work remotely")  # fmt: skip
        legacy = [
            (engineer, "next-level-behaviours"),  # a bar of both S3 and SL1
            (hero, "remote-ready"),  # a condition of a perk of the current level
            (hero, "made-up-code"),  # a bar of nothing
            (top, "qa-minimal-assistance"),  # at the top of the track
        ]
        for person, code in legacy:
            Attestation.objects.create(
                employee_id=person.pk, code=code, statement=code, attested_by_id=manager.user_id,
                attested_on=datetime.date(2026, 10, 1), level=None,
            )  # fmt: skip
    finally:
        new_apps = migrate(AFTER)
    Attestation = new_apps.get_model("assessments", "Attestation")
    kept = sorted(
        (a.employee_id, a.code, a.level.code) for a in Attestation.objects.select_related("level")
    )
    assert kept == sorted([
        (engineer.pk, "next-level-behaviours", "S3"),
        (engineer.pk, "next-level-behaviours", "SL1"),
        (hero.pk, "remote-ready", "hero"),
        (hero.pk, "made-up-code", "superhero"),
        (top.pk, "qa-minimal-assistance", "senior-superhero"),
    ])  # fmt: skip
