"""The demo organisation of the embedded mode: an HR admin, two managers, a dozen people.

Dates are relative to `today`, so tenure bars (12, 24, 36 months) show a mix of
people just before and just after them whenever the demo is installed.
Idempotent: people who exist (by e-mail) are left as they are.
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from frameworks.models import Framework
from frameworks.months import add_months

from .models import Employee
from .roles import roles_ensure

DEMO_PASSWORD = "careerpath-demo"


@dataclass(frozen=True)
class DemoPerson:
    email: str
    first_name: str
    last_name: str
    framework: str
    level: str
    months_employed: int
    months_in_level: int
    manager: str | None
    team: str
    region: str


PEOPLE = [
    # Support formula: one team lead and six support engineers at varied tenures.
    DemoPerson("maya.lead@example.com", "Maya", "Okafor", "support-formula", "senior-superhero",
               52, 14, None, "Survey Support", "EMEA"),
    DemoPerson("hero.new@example.com", "Noah", "Fischer", "support-formula", "hero",
               5, 5, "maya.lead@example.com", "Survey Support", "EMEA"),
    DemoPerson("hero.eleven@example.com", "Ava", "Rossi", "support-formula", "hero",
               11, 11, "maya.lead@example.com", "Survey Support", "EMEA"),
    DemoPerson("hero.wfh@example.com", "Liam", "Novak", "support-formula", "hero",
               14, 14, "maya.lead@example.com", "Survey Support", "EMEA"),
    DemoPerson("hero.ready@example.com", "Zoe", "Martin", "support-formula", "hero",
               27, 27, "maya.lead@example.com", "Survey Support", "EMEA"),
    DemoPerson("superhero@example.com", "Omar", "Haddad", "support-formula", "superhero",
               31, 6, "maya.lead@example.com", "Survey Support", "AMER"),
    DemoPerson("superhero.senior@example.com", "Ines", "Duarte", "support-formula", "superhero",
               38, 13, "maya.lead@example.com", "Survey Support", "AMER"),
    # Whatfix: a manager with a lead under them (indirect reports) and engineers S0-S3.
    DemoPerson("sam.manager@example.com", "Sam", "Iyer", "whatfix-support", "SL2",
               60, 20, None, "DAP Support", "APAC"),
    DemoPerson("leo.lead@example.com", "Leo", "Mehta", "whatfix-support", "SL1",
               40, 10, "sam.manager@example.com", "DAP Support", "APAC"),
    DemoPerson("intern@example.com", "Riya", "Shah", "whatfix-support", "S0",
               3, 3, "leo.lead@example.com", "DAP Support", "APAC"),
    DemoPerson("tse@example.com", "Arjun", "Rao", "whatfix-support", "S1",
               16, 16, "leo.lead@example.com", "DAP Support", "APAC"),
    DemoPerson("senior.tse@example.com", "Meera", "Nair", "whatfix-support", "S2",
               30, 12, "leo.lead@example.com", "DAP Support", "NA"),
    DemoPerson("principal.tse@example.com", "Kabir", "Singh", "whatfix-support", "S3",
               48, 18, "sam.manager@example.com", "DAP Support", "NA"),
]  # fmt: skip

HR_EMAIL = "hr@example.com"


def demo_organisation_create(*, today: datetime.date) -> list[tuple[str, str]]:
    """Create the demo people; return (email, role) for every demo login."""
    User = get_user_model()
    with transaction.atomic():
        hr_group = roles_ensure()
        hr_user, created = User.objects.get_or_create(
            username=HR_EMAIL,
            defaults={"email": HR_EMAIL, "first_name": "Hana", "last_name": "Reyes",
                      "is_staff": True},
        )  # fmt: skip
        if created:
            hr_user.set_password(DEMO_PASSWORD)
            hr_user.save()
        hr_user.groups.add(hr_group)

        frameworks = {
            f.slug: f for f in Framework.objects.filter(status=Framework.Status.PUBLISHED)
        }
        levels = {
            (f.slug, level.code): level for f in frameworks.values() for level in f.levels.all()
        }
        employees = {e.user.email: e for e in Employee.objects.select_related("user")}
        for person in PEOPLE:
            if person.email in employees or person.framework not in frameworks:
                continue
            user = User.objects.create_user(
                username=person.email,
                email=person.email,
                password=DEMO_PASSWORD,
                first_name=person.first_name,
                last_name=person.last_name,
            )
            hire_date = add_months(today, -person.months_employed)
            employee = Employee(
                user=user,
                manager=employees.get(person.manager),
                framework=frameworks[person.framework],
                level=levels[(person.framework, person.level)],
                hire_date=hire_date,
                level_since=add_months(today, -person.months_in_level),
                team=person.team,
                region=person.region,
            )
            employee.full_clean()
            employee.save()
            employees[person.email] = employee
        managers = {p.manager for p in PEOPLE if p.manager}
        Group.objects.get(name="Managers").user_set.add(
            *[employees[m].user for m in managers if m in employees]
        )
        Group.objects.get(name="Employees").user_set.add(*[e.user for e in employees.values()])
    logins = [(HR_EMAIL, "HR admin (Django admin, reports)")]
    for person in PEOPLE:
        role = "manager" if person.email in managers else "employee"
        logins.append((person.email, f"{role}, {person.framework} {person.level}"))
    return logins
