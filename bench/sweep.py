"""Benchmark: the nightly sweep over N people against the raw aggregate it is built on.

Target (issue "eligibility engine"): for 20,000 people the sweep runs within a
few times the time PostgreSQL needs to aggregate their evidence rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/careerpath_bench \\
        .venv/bin/python bench/sweep.py --people 20000

It creates the database's tables if needed (migrate), loads the seed frameworks,
bulk-creates N people with ~12 evidence items and 3 monthly metrics each (once;
re-runs reuse them), then times (1) the raw GROUP BY over their evidence and
(2) the sweep (`periodic_checks_run`, chunks of 500), twice: the first run
writes every status, the second finds nothing new.
"""

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "careerpath.settings")
os.environ.setdefault("DEBUG", "1")
# Milestone e-mails of thousands of fake people are not what is measured.
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.dummy.EmailBackend")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402

from assessments.models import Evidence, MonthlyMetric  # noqa: E402
from frameworks.models import Framework  # noqa: E402
from people.models import Employee  # noqa: E402
from promotions.services import periodic_checks_run  # noqa: E402

AS_OF = datetime.date(2026, 11, 23)
KINDS = [("ticket", "integration"), ("ticket", "scripting"), ("ticket", "api"),
         ("document", ""), ("demonstration", "css")]  # fmt: skip


def populate(people: int) -> None:
    existing = Employee.objects.filter(user__username__startswith="bench-").count()
    if existing >= people:
        return
    framework = Framework.objects.get(slug="support-formula", status="published")
    hero = framework.levels.get(code="hero")
    User = get_user_model()
    start = existing
    batch = 2000
    for first in range(start, people, batch):
        last = min(first + batch, people)
        users = User.objects.bulk_create(
            User(username=f"bench-{n}@example.com", email=f"bench-{n}@example.com")
            for n in range(first, last)
        )
        employees = Employee.objects.bulk_create(
            Employee(user=u, framework=framework, level=hero, team=f"team-{n % 40}",
                     hire_date=datetime.date(2023, 1, 1) + datetime.timedelta(days=n % 900),
                     level_since=datetime.date(2023, 1, 1) + datetime.timedelta(days=n % 900))
            for n, u in enumerate(users, start=first)
        )  # fmt: skip
        Evidence.objects.bulk_create(
            Evidence(employee=e, kind=kind, category=category, title="bench",
                     reference=f"{e.pk}-{i}", occurred_on=datetime.date(2026, 1, 1),
                     status="approved" if (e.pk + i) % 4 else "submitted")
            for e in employees
            for i, (kind, category) in enumerate(KINDS * 2 + KINDS[:2])
        )  # fmt: skip
        MonthlyMetric.objects.bulk_create(
            MonthlyMetric(employee=e, metric="volume_pct", period=datetime.date(2026, m, 1),
                          value=90 + (e.pk % 20))
            for e in employees
            for m in (8, 9, 10)
        )  # fmt: skip
        print(f"  created people {first}..{last - 1}", flush=True)


def timed(label, fn):
    started = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - started
    print(f"{label}: {elapsed:.2f} s", flush=True)
    return elapsed, result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=20000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    call_command("seed_frameworks", verbosity=0)
    populate(args.people)
    people = Employee.objects.filter(is_active=True).count()
    evidence = Evidence.objects.count()
    print(f"{connection.vendor}: {people} people, {evidence} evidence rows")
    aggregate, _ = timed(
        "raw aggregate (evidence per person, kind, category)",
        lambda: list(
            Evidence.objects.filter(status="approved")
            .values("employee_id", "kind", "category")
            .annotate(n=Count("id"))
            .order_by()
        ),
    )
    first, summary = timed("sweep, first run (writes every status)",
                           lambda: periodic_checks_run(as_of=AS_OF))  # fmt: skip
    print(f"  evaluated {summary.evaluated}, newly eligible {len(summary.newly_eligible)}, "
          f"notifications {summary.notifications_created}")  # fmt: skip
    second, summary = timed("sweep, second run (nothing new)",
                            lambda: periodic_checks_run(as_of=AS_OF))  # fmt: skip
    print(f"  notifications {summary.notifications_created}")
    print(f"ratio second sweep / raw aggregate: {second / aggregate:.1f}x; "
          f"per person: {1000 * second / people:.2f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
