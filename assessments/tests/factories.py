import datetime

import factory

from assessments.models import Evidence
from people.tests.factories import EmployeeFactory


class EvidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Evidence

    employee = factory.SubFactory(EmployeeFactory)
    kind = "ticket"
    category = "integration"
    title = factory.Sequence(lambda n: f"Ticket {n}")
    reference = factory.Sequence(lambda n: f"T-{n}")
    occurred_on = datetime.date(2026, 10, 1)
    status = Evidence.Status.SUBMITTED
