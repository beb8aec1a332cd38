import datetime

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from assessments.tests.factories import EvidenceFactory
from people.roles import HR_GROUP, roles_ensure
from people.services import employee_leave
from people.tests.factories import EmployeeFactory, UserFactory

TODAY = datetime.date(2026, 11, 26)


@pytest.fixture
def org(seeded):
    """skip_level -> manager -> employee, peer (and the leaver); an unrelated manager with a
    report of their own; HR (on a framework too); a superuser without a career profile."""
    roles_ensure()
    skip = EmployeeFactory(level_code="senior-superhero", user__username="skip@example.com")
    manager = EmployeeFactory(
        level_code="senior-superhero", manager=skip, user__username="manager@example.com"
    )
    employee = EmployeeFactory(manager=manager, user__username="employee@example.com")
    peer = EmployeeFactory(manager=manager, user__username="peer@example.com")
    leaver = EmployeeFactory(manager=manager, user__username="leaver@example.com")
    unrelated = EmployeeFactory(level_code="senior-superhero", user__username="unrel@example.com")
    other = EmployeeFactory(manager=unrelated, user__username="other@example.com")
    hr = EmployeeFactory(
        level_code="senior-superhero", user__username="hr@example.com", user__is_staff=True
    )
    hr.user.groups.add(Group.objects.get(name=HR_GROUP))
    root = UserFactory(username="root@example.com", is_staff=True, is_superuser=True)
    waiting = EvidenceFactory(employee=employee, title="Waiting ticket")
    peer_item = EvidenceFactory(employee=peer, title="Peer's ticket")
    other_item = EvidenceFactory(employee=other, title="Other's ticket")
    employee_leave(employee=leaver, actor=hr.user, left_on=TODAY)
    return {
        "skip": skip, "manager": manager, "employee": employee, "peer": peer,
        "leaver": leaver, "unrelated": unrelated, "other": other, "hr": hr, "root": root,
        "waiting": waiting, "peer_item": peer_item, "other_item": other_item,
    }  # fmt: skip


PERSONAS = ("employee", "peer", "manager", "skip", "unrelated", "hr", "leaver")


def user_of(org, persona):
    person = org[persona]
    return person if persona == "root" else person.user


@pytest.fixture
def as_(org):
    """as_("manager") -> an APIClient logged in (session) as that persona; None: anonymous."""

    def client(persona=None):
        api = APIClient()
        if persona is not None:
            api.force_login(user_of(org, persona))
        return api

    return client
