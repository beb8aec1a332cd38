"""The sweep removes stored statuses for levels that are no longer next (issue 14)."""

import datetime

import pytest

from frameworks.models import Level
from people.models import Employee
from people.tests.factories import EmployeeFactory
from promotions.models import EligibilityStatus
from promotions.services import periodic_checks_run
from promotions.tests.test_sweep import make_ready_hero

pytestmark = pytest.mark.django_db
AS_OF = datetime.date(2026, 11, 23)


def targets(person) -> set[str]:
    return set(
        EligibilityStatus.objects.filter(employee=person).values_list(
            "target_level__code", flat=True
        )
    )


def test_a_status_for_a_level_that_is_no_longer_next_is_removed(seeded):
    hero = make_ready_hero()
    other = EmployeeFactory(level_code="hero")
    periodic_checks_run(as_of=AS_OF)
    assert targets(hero) == {"superhero"} and targets(other) == {"superhero"}
    superhero = Level.objects.get(framework_id=hero.framework_id, code="superhero")
    Employee.objects.filter(pk=hero.pk).update(level=superhero)  # promoted since
    periodic_checks_run(as_of=AS_OF + datetime.timedelta(days=1))
    assert targets(hero) == {"senior-superhero"}
    assert targets(other) == {"superhero"}  # untouched


def test_a_leavers_statuses_stay_and_the_top_level_has_none(seeded):
    leaver = make_ready_hero()
    top = EmployeeFactory(level_code="senior-superhero")
    periodic_checks_run(as_of=AS_OF)
    Employee.objects.filter(pk=leaver.pk).update(is_active=False)
    periodic_checks_run(as_of=AS_OF + datetime.timedelta(days=1))
    assert targets(leaver) == {"superhero"}
    assert targets(top) == set()
    # A status left behind on the top level (say, by an older version) goes at the next sweep.
    EligibilityStatus.objects.create(
        employee=top, target_level=top.level, eligible=False,
        met_count=0, total_count=1, evaluated_on=AS_OF, changed_on=AS_OF,
    )  # fmt: skip
    periodic_checks_run(as_of=AS_OF + datetime.timedelta(days=2))
    assert targets(top) == set()
