"""Benchmark: HR opens a draft of a framework (a clone) and publishes it, round after round.

What the audit history (issue 10, "Audit") adds to these two writes: every
framework, level, requirement and entitlement row saved by the clone also
writes its history row, and publishing writes the history of the versions and
of everyone it moves to the new version.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/careerpath_bench_fv \\
        .venv/bin/python bench/framework_versions.py --people 2000 --rounds 5

It creates the database's tables if needed (migrate), loads the seed frameworks,
bulk-creates N people on `whatfix-support` (once; re-runs reuse them), then per
round times `framework_draft_open` (the clone) and `framework_publish` of the
larger seed framework, and prints the median and the range of each.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "careerpath.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.dummy.EmailBackend")

import datetime  # noqa: E402

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from frameworks.models import Framework, Requirement  # noqa: E402
from frameworks.services import framework_draft_open, framework_publish  # noqa: E402
from people.models import Employee  # noqa: E402

SLUG = "whatfix-support"


def populate(people: int) -> None:
    existing = Employee.objects.filter(user__username__startswith="bench-fv-").count()
    if existing >= people:
        return
    framework = Framework.objects.get(slug=SLUG, status="published")
    levels = list(framework.levels.filter(track__slug="ic"))
    User = get_user_model()
    users = User.objects.bulk_create(
        User(username=f"bench-fv-{n}@example.com", email=f"bench-fv-{n}@example.com")
        for n in range(existing, people)
    )
    Employee.objects.bulk_create(
        Employee(
            user=user,
            framework=framework,
            level=levels[n % len(levels)],
            hire_date=datetime.date(2024, 1, 15),
            level_since=datetime.date(2024, 1, 15),
        )  # fmt: skip
        for n, user in enumerate(users)
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    call_command("seed_frameworks", verbosity=0)
    populate(args.people)
    published = Framework.objects.get(slug=SLUG, status="published")
    rows = published.levels.count(), Requirement.objects.filter(level__framework=published).count()
    people = Employee.objects.filter(framework=published).count()
    print(f"{connection.vendor}: {SLUG}, {rows[0]} levels, {rows[1]} level bars, {people} people")
    clones, publishes, queries = [], [], {}
    for _ in range(args.rounds):
        published = Framework.objects.get(slug=SLUG, status="published")
        start = time.perf_counter()
        with CaptureQueriesContext(connection) as clone_queries:
            draft, created = framework_draft_open(framework=published)
        clones.append(time.perf_counter() - start)
        assert created
        start = time.perf_counter()
        with CaptureQueriesContext(connection) as publish_queries:
            framework_publish(framework=draft)
        publishes.append(time.perf_counter() - start)
        queries = {"clone (open a draft)": len(clone_queries), "publish": len(publish_queries)}
    for name, times in (("clone (open a draft)", clones), ("publish", publishes)):
        print(
            f"{name:>22}: median {statistics.median(times) * 1000:.0f} ms "
            f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}, {len(times)} rounds), "
            f"{queries[name]} queries"
        )


if __name__ == "__main__":
    main()
