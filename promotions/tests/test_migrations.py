"""The upgrade that marks each person's best stored verdict: HR's readiness pipeline shows
the statuses already stored without waiting for the next sweep."""

import datetime

import pytest

from tests.migrating import migrate

BEFORE = [("promotions", "0012_eligibility_status_one_employee_index")]
AFTER = [("promotions", "0013_eligibility_status_best_verdict_no_framework_copy")]


@pytest.mark.django_db(transaction=True)
def test_the_statuses_already_stored_get_their_best_verdict_marked(seeded):
    from people.tests.factories import EmployeeFactory

    both = EmployeeFactory(framework_slug="whatfix-support", level_code="S3")  # SL1 and SL2
    hero = EmployeeFactory(level_code="hero")
    sl1, sl2 = both.level.next_levels.order_by("rank")
    old_apps = migrate(BEFORE)
    try:
        Status = old_apps.get_model("promotions", "EligibilityStatus")
        today = datetime.date.today()

        def stored(person, level, met, total, earliest=None):
            return Status.objects.create(
                employee_id=person.pk, target_level_id=level.pk, framework_id=level.framework_id,
                eligible=met == total, met_count=met, total_count=total, earliest_date=earliest,
                evaluated_on=today, changed_on=today,
            ).pk  # fmt: skip

        far = stored(both, sl1, 1, 10)
        close = stored(both, sl2, 10, 11)  # one requirement away: the better verdict
        only = stored(hero, hero.level.next_levels.get(), 14, 15, today + datetime.timedelta(40))
    finally:
        new_apps = migrate(AFTER)
    Status = new_apps.get_model("promotions", "EligibilityStatus")
    assert dict(Status.objects.values_list("pk", "best")) == {far: False, close: True, only: True}
    # Going back forgets the statuses (the next sweep writes them again) rather than failing
    # on a framework column with nothing to put in it.
    migrate(BEFORE)
    try:
        assert not migrate(BEFORE).get_model("promotions", "EligibilityStatus").objects.exists()
    finally:
        migrate(AFTER)
