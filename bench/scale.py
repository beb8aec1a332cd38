"""Benchmark for issue 14, "fast at the size of a real company": one command, one table.

    createdb -h 127.0.0.1 -U postgres careerpath_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/careerpath_bench \\
        .venv/bin/python bench/scale.py --people 20000

It builds the synthetic company once (re-runs reuse it): N people on both seed frameworks
(80 % `support-formula`, 20 % `whatfix-support`), 100 managers of about 199 reports each,
12 evidence items a person (a quarter of them waiting for review) and three months of
metrics. Then it prints, each figure next to what it is compared with:

- the floor: the aggregate queries that read the same facts as the sweep (evidence per
  person, kind, category and day; metrics; ratings; confirmations), timed as wall and as
  CPU of this process plus the PostgreSQL backend serving it;
- the sweep (`periodic_checks_run`): the first night (every status written) and the next
  night (nothing new), wall, CPU (process + backend) and peak memory, and its ratio to the
  floor;
- the sweep's chunks on 1 and on 2 worker processes (each with its own connection);
- each page's p50 / p95 over R requests through Django's test client in this process (no
  web server, no network), its ratio to a trivial logged-in page (the password-change
  form) and its number of queries.

CPU of the backend is read from /proc/<backend pid>/stat: the database must run on this
machine. The pages are timed in-process, one request at a time: the ratios compare pages
with each other, not with gunicorn under load.
"""

import argparse
import datetime
import multiprocessing
import os
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "careerpath.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.dummy.EmailBackend")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "0")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections, reset_queries  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from assessments.models import Attestation, CompetencyRating, Evidence, MonthlyMetric  # noqa: E402
from frameworks.models import Framework  # noqa: E402
from people.models import Employee  # noqa: E402
from people.roles import roles_ensure  # noqa: E402

AS_OF = datetime.date(2026, 11, 23)
MANAGERS = 100
FIRST_DAY = datetime.date(2025, 6, 1)  # evidence is spread over the 500 days from here
SUPPORT = [("ticket", "integration"), ("ticket", "scripting"), ("ticket", "api"),
           ("document", ""), ("demonstration", "css"), ("demonstration", "api")]  # fmt: skip
WHATFIX = [("ticket", "integration"), ("escalation", "api"), ("workaround", ""),
           ("qa", ""), ("liaison", ""), ("document", "")]  # fmt: skip


def populate(people: int) -> None:
    existing = Employee.objects.filter(user__username__startswith="scale-").count()
    if existing >= people:
        return
    assert existing == 0, "a partly built company: drop the database and run again"
    support = Framework.objects.get(slug="support-formula", status="published")
    whatfix = Framework.objects.get(slug="whatfix-support", status="published")
    levels = {
        "support": [support.levels.get(code=c) for c in ("hero", "hero", "hero", "superhero")],
        "whatfix": [whatfix.levels.get(code=c) for c in ("S0", "S1", "S2")],
        "boss": support.levels.get(code="senior-superhero"),
    }
    User = get_user_model()
    users = User.objects.bulk_create(
        User(username=f"scale-{n}@example.com", email=f"scale-{n}@example.com",
             first_name=f"First{n % 997}", last_name=f"Last{n}")
        for n in range(people)
    )  # fmt: skip
    managers = Employee.objects.bulk_create(
        Employee(user=users[n], framework=support, level=levels["boss"], team=f"team-{n}",
                 hire_date=datetime.date(2018, 1, 1), level_since=datetime.date(2020, 1, 1))
        for n in range(MANAGERS)
    )  # fmt: skip
    batch = 2000
    for first in range(MANAGERS, people, batch):
        last = min(first + batch, people)
        rows = []
        for n in range(first, last):
            whatfix_person = n % 5 == 0
            pool = levels["whatfix"] if whatfix_person else levels["support"]
            hired = datetime.date(2022, 1, 1) + datetime.timedelta(days=n % 1400)
            rows.append(
                Employee(user=users[n], framework=whatfix if whatfix_person else support,
                         level=pool[n % len(pool)], manager=managers[n % MANAGERS],
                         team=f"team-{n % MANAGERS}", hire_date=hired, level_since=hired)
            )  # fmt: skip
        employees = Employee.objects.bulk_create(rows)
        Evidence.objects.bulk_create(
            Evidence(employee=e, kind=kind, category=category, title=f"bench {i}",
                     reference=f"{e.pk}-{i}",
                     occurred_on=FIRST_DAY + datetime.timedelta(days=(e.pk * 7 + i * 31) % 500),
                     status="submitted" if (e.pk + i) % 4 == 0 else "approved")
            for e in employees
            for i, (kind, category) in enumerate(
                (WHATFIX if e.framework_id == whatfix.pk else SUPPORT) * 2)
        )  # fmt: skip
        MonthlyMetric.objects.bulk_create(
            MonthlyMetric(employee=e, metric=metric, period=datetime.date(2026, m, 1),
                          value=base + (e.pk % 20))
            for e in employees
            for m in (8, 9, 10)
            for metric, base in (("volume_pct", 90), ("csat_pct", 80))
        )  # fmt: skip
        print(f"  created people {first}..{last - 1}", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE") if connection.vendor == "postgresql" else None


def backend_cpu() -> float:
    """CPU seconds (user + system) of the PostgreSQL backend serving this connection."""
    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measured(fn):
    """(result, wall s, CPU s of this process + its backend)."""
    connection.ensure_connection()
    cpu0 = time.process_time() + backend_cpu()
    wall0 = time.perf_counter()
    result = fn()
    wall = time.perf_counter() - wall0
    cpu = time.process_time() + backend_cpu() - cpu0
    return result, wall, cpu


def floor_queries() -> None:
    """The few aggregate queries that read the same facts as the sweep."""
    list(Evidence.objects.filter(status="approved", occurred_on__lte=AS_OF)
         .values_list("employee_id", "kind", "category", "occurred_on")
         .annotate(n=Count("id")).order_by())  # fmt: skip
    list(MonthlyMetric.objects.filter(period__gte=datetime.date(2025, 11, 1))
         .values_list("employee_id", "metric", "period", "value").order_by())  # fmt: skip
    list(CompetencyRating.objects.values_list("employee_id", "competency_id", "proficiency_id")
         .order_by())  # fmt: skip
    list(Attestation.objects.values_list("employee_id", "code", "attested_on").order_by())
    list(Employee.objects.filter(is_active=True)
         .values_list("id", "hire_date", "level_since", "level_id").order_by())  # fmt: skip


def sweep_once():
    from promotions.services import periodic_checks_run

    return periodic_checks_run(as_of=AS_OF)


def _run_chunks(args) -> tuple[float, float]:
    """In a worker process: run these chunks; (wall, CPU of process + backend)."""
    chunks, as_of = args
    connections.close_all()
    from promotions.services import periodic_checks_chunk

    def run():
        for first, last in chunks:
            periodic_checks_chunk(as_of=as_of, first_id=first, last_id=last)

    _, wall, cpu = measured(run)
    return wall, cpu


def sweep_on_workers(workers: int, as_of: datetime.date) -> tuple[float, list]:
    """The sweep's chunks shared by `workers` processes (as Celery workers share them)."""
    from promotions.models import Sweep
    from promotions.services import sweep_chunks, sweep_start

    chunks = sweep_chunks()
    sweep_start(as_of=as_of, chunks=chunks, trigger=Sweep.Trigger.COMMAND)
    connections.close_all()
    shares = [chunks[i::workers] for i in range(workers)]
    started = time.perf_counter()
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(workers) as pool:
        per_worker = pool.map(_run_chunks, [(share, as_of) for share in shares])
    return time.perf_counter() - started, per_worker


def time_page(client, url: str, rounds: int) -> tuple[float, float, int]:
    response = client.get(url)  # warm
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        client.get(url)
        times.append(time.perf_counter() - started)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * len(times)) - 1)]
    return statistics.median(times), p95, len(ctx.captured_queries)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=40, help="requests per page")
    parser.add_argument("--skip-sweep", action="store_true")
    parser.add_argument("--skip-pages", action="store_true")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    call_command("seed_frameworks", verbosity=0)
    populate(args.people)
    people = Employee.objects.filter(is_active=True).count()
    evidence = Evidence.objects.count()
    print(f"{connection.vendor}: {people} people, {evidence} evidence rows, "
          f"{MANAGERS} managers", flush=True)  # fmt: skip
    rows = []
    if not args.skip_sweep:
        from promotions.models import EligibilityStatus

        floors = [measured(floor_queries)[1:] for _ in range(3)]
        floor_wall = statistics.median(w for w, _ in floors)
        floor_cpu = statistics.median(c for _, c in floors)
        rows.append(("floor (aggregates of the same facts)", floor_wall, floor_cpu, "", ""))
        EligibilityStatus.objects.all().delete()
        for label in ("sweep, first night (writes every status)", "sweep, next night"):
            summary, wall, cpu = measured(sweep_once)
            rows.append((label, wall, cpu, f"{wall / floor_wall:.1f}x / {cpu / floor_cpu:.1f}x",
                         f"{summary.evaluated} people"))  # fmt: skip
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        one, _ = sweep_on_workers(1, AS_OF + datetime.timedelta(days=1))
        two, split = sweep_on_workers(2, AS_OF + datetime.timedelta(days=2))
        print("\n| what | wall s | CPU s (process + DB) | vs floor (wall / CPU) | note |")
        print("| --- | --- | --- | --- | --- |")
        for label, wall, cpu, ratio, note in rows:
            print(f"| {label} | {wall:.2f} | {cpu:.2f} | {ratio} | {note} |")
        print(f"\npeak memory of the sweeping process: {peak:.0f} MB")
        print(f"sweep on 1 worker process: {one:.2f} s; on 2: {two:.2f} s; "
              f"speed-up {one / two:.2f}x; per worker (wall, CPU): "
              + ", ".join(f"({w:.2f} s, {c:.2f} s)" for w, c in split), flush=True)  # fmt: skip
    if not args.skip_pages:
        connections.close_all()
        manager = Employee.objects.filter(reports__isnull=False).order_by("id").first()
        hr = get_user_model().objects.filter(username="scale-hr@example.com").first()
        if hr is None:
            hr = get_user_model().objects.create(username="scale-hr@example.com",
                                                 email="scale-hr@example.com")  # fmt: skip
            hr.groups.add(roles_ensure())
        reports = manager.reports.count()
        waiting = Evidence.objects.filter(employee__manager=manager, status="submitted").count()
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        as_manager, as_hr = Client(), Client()
        as_manager.force_login(manager.user)
        as_hr.force_login(hr)
        pages = [
            ("trivial: password-change form", as_manager, "/accounts/password_change/"),
            ("My career", as_manager, "/"),
            (f"review queue ({reports} reports, {waiting} waiting)", as_manager, "/review/"),
            (f"My team ({reports})", as_manager, "/team/"),
            (f"HR reports ({people} people)", as_hr, "/reports/"),
        ]
        print("\n| page | p50 ms | p95 ms | p95 vs trivial | queries |")
        print("| --- | --- | --- | --- | --- |")
        base = None
        for label, client, url in pages:
            reset_queries()
            p50, p95, queries = time_page(client, url, args.rounds)
            base = base or p95
            print(f"| {label} | {1000 * p50:.1f} | {1000 * p95:.1f} | {p95 / base:.1f}x | "
                  f"{queries} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
