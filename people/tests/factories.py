import datetime

import factory
from django.contrib.auth import get_user_model

from frameworks.models import Framework
from people.models import Employee


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"person{n}@example.com")
    email = factory.LazyAttribute(lambda u: u.username)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")


def _published_level(framework_slug: str, code: str):
    framework = Framework.objects.get(slug=framework_slug, status="published")
    return framework.levels.get(code=code)


class EmployeeFactory(factory.django.DjangoModelFactory):
    """A person on a published seed framework (needs the `seeded` fixture)."""

    class Meta:
        model = Employee

    class Params:
        framework_slug = "support-formula"
        level_code = "hero"

    user = factory.SubFactory(UserFactory)
    level = factory.LazyAttribute(lambda o: _published_level(o.framework_slug, o.level_code))
    framework = factory.LazyAttribute(lambda o: o.level.framework)
    hire_date = datetime.date(2024, 1, 15)
    level_since = factory.LazyAttribute(lambda o: o.hire_date)
    team = "Support"
