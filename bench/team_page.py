"""A quick measure of My team for a manager of 200 reports (issue 14): median and p95 time and
the query count of a few pages through Django's test client, on a throwaway SQLite test
database (never yours). Not a load benchmark; numbers move with the machine's load, so compare
branches back to back.

    DEBUG=1 .venv/bin/python bench/team_page.py
"""

import datetime
import os
import statistics
import sys
import time

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "careerpath.settings")
os.environ.pop("DATABASE_URL", None)  # always the throwaway SQLite test database

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

URLS = ["/team/", "/team/?sort=name&page=3", "/notifications/", "/review/"]
REPETITIONS = 30


def build():
    from django.utils import timezone

    from assessments.models import Evidence
    from people.tests.factories import EmployeeFactory
    from promotions.services import periodic_checks_run
    from tests.conftest_helpers import install_seed_data

    install_seed_data()
    manager = EmployeeFactory(level_code="senior-superhero")
    leads = [EmployeeFactory(manager=manager, level_code="superhero") for _ in range(4)]
    reports = list(leads)
    for n in range(196):  # half direct, half through the leads
        lead = leads[n % 4] if n % 2 else manager
        reports.append(EmployeeFactory(manager=lead, level_code="hero"))
    Evidence.objects.bulk_create(
        Evidence(employee=p, kind="ticket", category="api", title=f"t{n}",
                 occurred_on=datetime.date(2026, 3, 1),
                 status="approved" if n else "submitted")
        for p in reports
        for n in range(3)
    )  # fmt: skip
    EmployeeFactory.create_batch(50, level_code="hero")  # people outside the team
    periodic_checks_run(as_of=timezone.localdate())
    return manager


def main():
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    connection.creation.create_test_db(verbosity=0, keepdb=False)
    from django.test import Client

    client = Client()
    client.force_login(build().user)
    for url in URLS:
        for _ in range(3):  # warm up: templates, URL resolvers, the first queries
            client.get(url)
        times = []
        for _ in range(REPETITIONS):
            start = time.perf_counter()
            assert client.get(url).status_code == 200
            times.append(time.perf_counter() - start)
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        times.sort()
        p95 = times[int(len(times) * 0.95) - 1]
        print(
            f"{url:28s} median {statistics.median(times) * 1000:6.1f} ms  "
            f"p95 {p95 * 1000:6.1f} ms  queries {len(ctx.captured_queries)}"
        )


if __name__ == "__main__":
    main()
