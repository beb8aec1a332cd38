import io

import pytest
from django.core.management import call_command

from assessments.models import Evidence
from assessments.selectors import review_queue
from people.models import Employee


@pytest.mark.django_db
def test_demo_has_evidence_in_every_state_and_a_populated_review_queue(seeded, settings):
    settings.DEBUG = True  # the embedded mode
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())  # idempotent
    statuses = set(Evidence.objects.values_list("status", flat=True))
    assert statuses == {"submitted", "approved", "rejected"}
    maya = Employee.objects.get(user__email="maya.lead@example.com")
    assert review_queue(reviewer=maya)["total"] >= 5
    assert Evidence.objects.filter(kind="exam", outcome="passed", status="approved").exists()
