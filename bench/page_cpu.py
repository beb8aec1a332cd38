"""CPU per request of the four issue-14 pages, for comparing branches on a shared machine.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/careerpath_bench_pages \\
        .venv/bin/python bench/page_cpu.py --rounds 30 [--profile /team/]

Against a company built by `scale.py` (the manager is the first manager, ~199 reports; HR is
`scale-hr@example.com`). Each page is requested through Django's test client in this process
with DEBUG off (no query log, no template debug info), `rounds` times after two warm-ups; it
prints the median CPU ms of this process per request, the PostgreSQL backend's CPU ms per
request (its /proc clock ticks summed over the rounds, divided by them), the median wall ms
and the number of queries. Wall time moves with the machine's load; CPU much less.
`--profile URL` prints cProfile's top functions for that page instead (by cumulative time;
SORT=tottime or TOP=30 in the environment change the order or the number).
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "careerpath.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.dummy.EmailBackend")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

settings.DEBUG = False  # before the template engine is built: no debug info, no query log

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from people.models import Employee  # noqa: E402
from people.roles import roles_ensure  # noqa: E402

PAGES = ["/accounts/password_change/", "/", "/review/", "/team/", "/reports/"]


def backend_ticks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--profile", default="")
    parser.add_argument("pages", nargs="*", default=PAGES)
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    manager = Employee.objects.filter(reports__isnull=False).order_by("id").first()
    hr = get_user_model().objects.filter(username="scale-hr@example.com").first()
    if hr is None:
        hr = get_user_model().objects.create(
            username="scale-hr@example.com", email="scale-hr@example.com"
        )
        hr.groups.add(roles_ensure())
    as_manager, as_hr = Client(), Client()
    as_manager.force_login(manager.user)
    as_hr.force_login(hr)

    def client_for(url):
        return as_hr if url.startswith("/reports/") else as_manager

    if args.profile:
        client = client_for(args.profile)
        for _ in range(2):
            assert client.get(args.profile).status_code == 200
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.rounds):
            client.get(args.profile)
        profile.disable()
        pstats.Stats(profile).sort_stats(os.environ.get("SORT", "cumulative")).print_stats(
            int(os.environ.get("TOP", "60"))
        )
        return
    tick = os.sysconf("SC_CLK_TCK")
    print("| page | CPU ms (process) | CPU ms (backend) | wall ms p50 | queries | bytes |")
    print("| --- | --- | --- | --- | --- | --- |")
    for url in args.pages:
        client = client_for(url)
        for _ in range(2):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        cpu, wall = [], []
        ticks0 = backend_ticks()
        for _ in range(args.rounds):
            c0, w0 = time.process_time(), time.perf_counter()
            client.get(url)
            cpu.append(time.process_time() - c0)
            wall.append(time.perf_counter() - w0)
        backend = (backend_ticks() - ticks0) / tick / args.rounds
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        print(
            f"| {url} | {1000 * statistics.median(cpu):.1f} | {1000 * backend:.1f} | "
            f"{1000 * statistics.median(wall):.1f} | {len(ctx.captured_queries)} | "
            f"{len(response.content)} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
