"""Benchmark for issue 14, "fast at the size of a real company": one command, one table.

    createdb -h 127.0.0.1 -U postgres careerpath_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/careerpath_bench \\
        .venv/bin/python bench/scale.py --people 20000 --repeats 3

The database's name must contain "bench": the script empties the eligibility statuses table
and deletes the newly-eligible notifications of its as-of date before each first night.

It builds the synthetic company once (re-runs reuse it): N people on both seed frameworks
(80 % `support-formula`, 20 % `whatfix-support`), 100 managers of about 199 reports each,
12 evidence items a person (a quarter of them waiting for review) and three months of
metrics. A second, additive step (run when the company has no exam evidence yet, so a
company built before it gets these facts without a rebuild) adds what the bars read:
manager ratings of the five competencies over three periods and `next-level-behaviours`
confirmations for `whatfix-support` people; the six-month exam for about half of the
Heroes and some of Superhero's confirmations; unplanned absence and SLA figures; and,
for about 2 % of people, everything their next level asks for, so that the first night's
sweep finds them newly eligible and notifies them and their managers.

Then, `--repeats K` times (each figure a ratio to something measured in the same repeat;
the table gives the min and the median of the ratios):

- the floor (the aggregate queries that read the same facts as the sweep) and the sweep
  (`periodic_checks_run`), first night (the statuses table emptied first) and next night, each
  as wall time and CPU of the process plus its PostgreSQL backend, with the peak memory of
  the sweeping process; each repeat runs in a fresh process of its own;
- the sweep's chunks on 1 and on 2 worker processes (each with its own connection): the
  speed-up and each worker's wall and CPU;
- the pages, after a VACUUM ANALYZE of the tables the sweeps wrote (what autovacuum, on by
  default, does after a sweep; this machine's server has it off), served by gunicorn
  (2 workers, DEBUG=0, plain http, its gunicorn.conf.py) and loaded by
  `wrk -t2 -c4 -d<N>s` one page after the other: p50 and p95, and each p95 against the
  trivial logged-in page's (the password-change form) of the same round; the number of
  queries of each page comes from one request through Django's test client; the static
  files are collected first with the production (manifest) storage, as the image does;
- `bench/imports.py --rows 50000` (cases bare, good, bad) on a database of its own
  (`<name>_imports`, created when missing: its cases empty the evidence tables).

CPU of the backend is read from /proc/<backend pid>/stat: the database must run on this
machine. The markdown table at the end is the one to paste into the README.
"""

import argparse
import datetime
import json
import multiprocessing
import os
import random
import re
import resource
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "careerpath.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.dummy.EmailBackend")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "0")
# One secret for this process, its children and gunicorn: the sessions made here log the
# personas in there.
os.environ.setdefault("SECRET_KEY", "bench-scale-" + secrets.token_urlsafe(40))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from assessments.models import Attestation, CompetencyRating, Evidence, MonthlyMetric  # noqa: E402
from frameworks.models import Framework, Requirement  # noqa: E402
from people.models import Employee  # noqa: E402
from people.roles import roles_ensure  # noqa: E402

AS_OF = datetime.date(2026, 11, 23)
MANAGERS = 100
FIRST_DAY = datetime.date(2025, 6, 1)  # evidence is spread over the 500 days from here
SUPPORT = [("ticket", "integration"), ("ticket", "scripting"), ("ticket", "api"),
           ("document", ""), ("demonstration", "css"), ("demonstration", "api")]  # fmt: skip
WHATFIX = [("ticket", "integration"), ("escalation", "api"), ("workaround", ""),
           ("qa", ""), ("liaison", ""), ("document", "")]  # fmt: skip
METRIC_MONTHS = [datetime.date(2026, m, 1) for m in (8, 9, 10)]  # the last 3 before AS_OF
# Manager ratings: three review periods, the latest one counts.
RATING_PERIODS = [("2025-H2", datetime.date(2025, 12, 15)), ("2026-H1", datetime.date(2026, 6, 20)),
                  ("2026-Q3", datetime.date(2026, 10, 5))]  # fmt: skip
# About 3 % of those who can be (2 % of everyone) get everything their next level needs.
READY_SHARE = 0.03
# What a Hero needs for Superhero besides tenure, metrics, exam and confirmations.
SUPERHERO_EVIDENCE = [("ticket", "integration", 3), ("ticket", "scripting", 3),
                      ("ticket", "api", 3), ("document", "", 3), ("demonstration", "css", 1),
                      ("demonstration", "api", 1), ("initiative", "participant", 1)]  # fmt: skip
# Superhero's confirmations: code -> the share of Heroes who have it.
SUPERHERO_CONFIRMATIONS = {"integration-talk-through": 0.3, "suggests-http-connect": 0.25,
                           "workaround-solutions": 0.2}  # fmt: skip
WHATFIX_NEXT = {"S0": "S1", "S1": "S2", "S2": "S3"}


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


def facts_missing() -> bool:
    """A company built before the facts step has no exams: it gets them (and the rest)."""
    return not Evidence.objects.filter(
        kind="exam", employee__user__username__startswith="scale-"
    ).exists()


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def _competency_ranks(framework) -> dict[str, dict[str, int]]:
    """level code -> {competency slug: proficiency rank its bars ask for}."""
    ranks: dict[str, dict[str, int]] = {}
    for code, slug, rank in Requirement.objects.filter(
        level__framework=framework, kind="competency"
    ).values_list("level__code", "competency__slug", "proficiency__rank"):
        ranks.setdefault(code, {})[slug] = rank
    return ranks


@transaction.atomic
def facts_add() -> int:
    """Ratings, confirmations, exams, the missing metrics and ~2 % of people ready for their
    next level, for the company `populate` built (bulk inserts; one transaction). Returns
    how many people were made ready."""
    support = Framework.objects.get(slug="support-formula", status="published")
    whatfix = Framework.objects.get(slug="whatfix-support", status="published")
    superhero = support.levels.get(code="superhero")
    whatfix_levels = {level.code: level for level in whatfix.levels.all()}
    competencies = {c.slug: c for c in whatfix.competencies.all()}
    proficiency = {p.rank: p for p in whatfix.proficiency_levels.all()}
    needs = _competency_ranks(whatfix)  # the bars into S1, S2, S3
    people = list(
        Employee.objects.filter(user__username__startswith="scale-", manager__isnull=False)
        .order_by("id")
        .values_list("id", "framework_id", "level__code", "hire_date", "manager__user_id")
    )
    ratings, confirmations, evidence, metrics, ready = [], [], [], [], []
    ready_support = []
    tenure_by = datetime.date(AS_OF.year - 2, AS_OF.month, AS_OF.day)  # Superhero: 24 months
    for pk, framework_id, code, hired, rater in people:
        draw = random.Random(pk)  # the same company on every build, no pattern in the ids
        is_ready = draw.random() < READY_SHARE
        if framework_id == whatfix.pk:
            target = WHATFIX_NEXT.get(code)
            if target is None:
                continue
            confirmed = is_ready or draw.random() < 1 / 3
            # Rated as the current level asks (S0 has no bars: as S1 asks, one rank lower),
            # one competency a rank higher for some who lack the confirmation anyway.
            current = needs.get(code) or {s: max(1, r - 1) for s, r in needs[target].items()}
            latest = dict(needs[target]) if is_ready else dict(current)
            if not is_ready and not confirmed and draw.random() < 0.5:
                slug = draw.choice(sorted(latest))
                latest[slug] = min(3, latest[slug] + 1)
            for i, (period, rated_on) in enumerate(RATING_PERIODS):
                last = i == len(RATING_PERIODS) - 1
                for slug, rank in latest.items():
                    rank = rank if last else max(1, min(rank, current.get(slug, rank)) - 1 + i)
                    ratings.append(CompetencyRating(
                        employee_id=pk, competency=competencies[slug],
                        proficiency=proficiency[rank], source="manager", period=period,
                        rated_on=rated_on, rated_by_id=rater))  # fmt: skip
            if confirmed:
                confirmations.append(Attestation(
                    employee_id=pk, code="next-level-behaviours", level=whatfix_levels[target],
                    statement="Exhibits the behaviours of the next level", attested_by_id=rater,
                    attested_on=datetime.date(2026, 6, 1) + days(pk % 150)))  # fmt: skip
            metrics.extend(
                MonthlyMetric(employee_id=pk, metric="sla_adherence_pct", period=month,
                              value=92 + draw.randrange(9))
                for month in METRIC_MONTHS
            )  # fmt: skip
        else:
            is_ready = is_ready and code == "hero" and hired <= tenure_by
            absence = 1 if is_ready else draw.randint(1, 5)
            metrics.extend(
                MonthlyMetric(employee_id=pk, metric="unplanned_absence_pct", period=month,
                              value=absence)
                for month in METRIC_MONTHS
            )  # fmt: skip
            if code != "hero":
                continue
            if is_ready or draw.random() < 0.5:
                exam_day = min(hired + days(190), AS_OF)
                evidence.append(Evidence(
                    employee_id=pk, kind="exam", category="six-month", outcome="passed",
                    title="6 month competency exam", reference=f"{pk}-exam",
                    occurred_on=exam_day, status="approved", reviewed_by_id=rater))  # fmt: skip
            for code_, share in SUPERHERO_CONFIRMATIONS.items():
                if is_ready or draw.random() < share:
                    confirmations.append(Attestation(
                        employee_id=pk, code=code_, level=superhero, statement=code_,
                        attested_by_id=rater,
                        attested_on=datetime.date(2026, 5, 1) + days(pk % 150)))  # fmt: skip
            if is_ready:
                ready_support.append(pk)
                evidence.extend(
                    Evidence(employee_id=pk, kind=kind, category=category,
                             title=f"bench ready {i}", reference=f"{pk}-{kind}-{category}-{i}",
                             occurred_on=datetime.date(2026, 2, 1) + days(9 * i),
                             status="approved", reviewed_by_id=rater)
                    for kind, category, count in SUPERHERO_EVIDENCE
                    for i in range(count)
                )  # fmt: skip
        if is_ready:
            ready.append(pk)
    for model, rows in ((CompetencyRating, ratings), (Attestation, confirmations),
                        (Evidence, evidence), (MonthlyMetric, metrics)):  # fmt: skip
        model.objects.bulk_create(rows, batch_size=5000)
        print(f"  added {len(rows)} {model._meta.verbose_name_plural}", file=sys.stderr)
    # The ready Heroes' volume and CSAT on target over the same three months.
    for metric, value in (("volume_pct", 105), ("csat_pct", 95)):
        MonthlyMetric.objects.filter(
            employee_id__in=ready_support, metric=metric, period__in=METRIC_MONTHS
        ).update(value=value)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return len(ready)


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


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def sweep_round(workers: bool) -> dict:
    """One repeat, in a fresh process: floor, first night, floor, next night (each sweep
    beside a floor measured just before it), then the chunks on 1 and on 2 workers."""
    from promotions.models import EligibilityStatus, Notification

    out = {"rss_before_mb": peak_mb()}
    floor1 = measured(floor_queries)[1:]
    # A first night's table holds no statuses: emptied as a new install's is (a DELETE of
    # every row would leave them dead in the table, repeat after repeat, for the writes to
    # step over and the pages to scan; nothing references a status).
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {EligibilityStatus._meta.db_table}")
    # Told again on a first night of the same date: its notifications are created anew.
    Notification.objects.filter(
        kind=Notification.Kind.NEWLY_ELIGIBLE, key__startswith="eligible:",
        key__contains=f":{AS_OF.isoformat()}",
    ).delete()  # fmt: skip
    summary, wall, cpu = measured(sweep_once)
    out["first"] = {"floor": floor1, "wall": wall, "cpu": cpu, "peak_mb": peak_mb(),
                    "evaluated": summary.evaluated,
                    "newly_eligible": len(summary.newly_eligible),
                    "notifications": summary.notifications_created}  # fmt: skip
    floor2 = measured(floor_queries)[1:]
    summary, wall, cpu = measured(sweep_once)
    out["next"] = {"floor": floor2, "wall": wall, "cpu": cpu, "peak_mb": peak_mb(),
                   "evaluated": summary.evaluated,
                   "newly_eligible": len(summary.newly_eligible),
                   "notifications": summary.notifications_created}  # fmt: skip
    if workers:
        # Both on the next night's work (same date, statuses in place): a fair comparison.
        one, split_one = sweep_on_workers(1, AS_OF)
        two, split_two = sweep_on_workers(2, AS_OF)
        out["workers"] = {"one": one, "two": two, "split_one": split_one, "split_two": split_two}
    return out


def sweeps_measure(args) -> list[dict]:
    """`--repeats` sweep rounds, each in a process of its own (its peak memory its own)."""
    rounds = []
    for k in range(args.repeats):
        command = [sys.executable, __file__, "--part", "sweep"]
        if args.skip_workers:
            command.append("--skip-workers")
        child = subprocess.run(command, capture_output=True, text=True)
        if child.returncode:
            sys.stderr.write(child.stderr)
            raise SystemExit(f"sweep round {k + 1} failed")
        result = json.loads(child.stdout.strip().splitlines()[-1])
        rounds.append(result)
        first, nxt = result["first"], result["next"]
        line = (
            f"  sweep round {k + 1}: floor {first['floor'][0]:.2f} s / {first['floor'][1]:.2f} s"
            f" CPU; first night {first['wall']:.2f} s / {first['cpu']:.2f} s CPU"
            f" ({first['newly_eligible']} newly eligible, {first['notifications']}"
            f" notifications); next night {nxt['wall']:.2f} s / {nxt['cpu']:.2f} s CPU;"
            f" peak {nxt['peak_mb']:.0f} MB"
        )
        if "workers" in result:
            w = result["workers"]
            line += f"; 1 worker {w['one']:.2f} s, 2 workers {w['two']:.2f} s"
        print(line, flush=True)
    return rounds


WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH p50_us=%d p95_us=%d requests=%d errors=%d\\n",
    latency:percentile(50), latency:percentile(95), summary.requests,
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def http_status(url: str, cookie: str = "") -> int:
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with opener.open(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def gunicorn_start(static_root: str) -> tuple[subprocess.Popen, str, Path]:
    """gunicorn with 2 workers on a free port, as in production but over plain http."""
    env = dict(os.environ, DEBUG="0", HTTPS="0", ALLOWED_HOSTS="127.0.0.1",
               STATIC_ROOT=static_root, LOG_LEVEL="WARNING")  # fmt: skip
    collected = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    if collected.returncode:
        raise SystemExit(f"collectstatic failed:\n{collected.stderr[-2000:]}")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = Path(static_root) / "gunicorn.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "careerpath.wsgi:application",
         "--config", "gunicorn.conf.py", "--workers", "2",
         "--bind", f"127.0.0.1:{port}", "--timeout", "120", "--log-level", "warning"],
        cwd=ROOT, env=dict(env, SITE_URL=base), stdout=log.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while True:
        try:
            if http_status(f"{base}/accounts/login/") == 200:
                return server, base, log
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            raise SystemExit(f"gunicorn did not start; its log:\n{log.read_text()}")
        time.sleep(0.5)


def wrk(url: str, cookie: str, seconds: int, script: Path) -> tuple[float, float, int]:
    """(p50 s, p95 s, requests) of `wrk -t2 -c4` on one page."""
    run = subprocess.run(
        ["wrk", "-t2", "-c4", f"-d{seconds}s", "--latency", "--timeout", "30s",
         "-s", str(script), "-H", f"Cookie: {cookie}", url],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    found = re.search(r"BENCH p50_us=(\d+) p95_us=(\d+) requests=(\d+) errors=(\d+)", run.stdout)
    if not found:
        raise SystemExit(f"wrk printed no figures for {url}:\n{run.stdout}\n{run.stderr}")
    p50, p95, requests, errors = (int(g) for g in found.groups())
    if errors or "Non-2xx" in run.stdout:
        raise SystemExit(f"{url}: {errors} errors or non-2xx answers under wrk:\n{run.stdout}")
    return p50 / 1e6, p95 / 1e6, requests


def personas(people: int):
    """The manager of the most reports (My career, review queue, My team) and an HR user."""
    manager = (
        Employee.objects.filter(is_active=True)
        .annotate(n=Count("reports"))
        .order_by("-n", "id")
        .select_related("user")
        .first()
    )
    hr = get_user_model().objects.filter(username="scale-hr@example.com").first()
    if hr is None:
        hr = get_user_model().objects.create(username="scale-hr@example.com",
                                             email="scale-hr@example.com")  # fmt: skip
        hr.groups.add(roles_ensure())
    reports = manager.reports.filter(is_active=True).count()
    waiting = Evidence.objects.filter(employee__manager=manager, status="submitted").count()
    return [
        ("trivial", "trivial: password-change form", manager.user, "/accounts/password_change/"),
        ("career", "My career", manager.user, "/"),
        ("review", f"review queue ({reports} reports, {waiting} waiting)", manager.user,
         "/review/"),
        ("team", f"My team ({reports} reports)", manager.user, "/team/"),
        ("reports", f"HR reports ({people} people)", hr, "/reports/"),
    ]  # fmt: skip


# What the sweeps wrote and deleted. PostgreSQL's autovacuum (on by default, so in the
# compose file's postgres:15) would vacuum and analyze them soon after a sweep; this
# machine's server has it off, and its planner would read stale statistics.
SWEPT_TABLES = (
    "promotions_eligibilitystatus",
    "promotions_notification",
    "promotions_notificationdelivery",
    "promotions_sweeprun",
    "outbox_outboxtask",
)


def pages_measure(args, people: int) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {', '.join(SWEPT_TABLES)}")
    pages = personas(people)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    cookies, queries = {}, {}
    for key, _, user, url in pages:
        client = Client()
        client.force_login(user)  # a session in the database, valid for gunicorn too
        assert client.get(url).status_code == 200, (url, "in-process")
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        queries[key] = len(ctx.captured_queries)
        cookie = settings.SESSION_COOKIE_NAME
        cookies[key] = f"{cookie}={client.cookies[cookie].value}"
    connections.close_all()
    rounds = []
    with tempfile.TemporaryDirectory(prefix="careerpath-bench-") as tmp:
        script = Path(tmp) / "percentiles.lua"
        script.write_text(WRK_SCRIPT)
        server, base, log = gunicorn_start(tmp)
        try:
            for key, _, _, url in pages:
                status = http_status(base + url, cookies[key])
                if status != 200:
                    raise SystemExit(
                        f"{url} answered {status} under gunicorn, not 200 (a redirect to "
                        f"the login?); its log:\n{log.read_text()}"
                    )
                wrk(base + url, cookies[key], 2, script)  # warm both workers
            for k in range(args.repeats):
                figures = {key: wrk(base + url, cookies[key], args.seconds, script)
                           for key, _, _, url in pages}  # fmt: skip
                rounds.append(figures)
                print(f"  page round {k + 1}: " + ", ".join(
                    f"{key} {1000 * p50:.1f}/{1000 * p95:.1f} ms ({n} requests)"
                    for key, (p50, p95, n) in figures.items()), flush=True)  # fmt: skip
        finally:
            server.terminate()
            server.wait(timeout=30)
    return {"pages": [(key, label) for key, label, _, _ in pages], "queries": queries,
            "rounds": rounds}  # fmt: skip


def import_measure(args) -> list[dict]:
    """bench/imports.py (bare, good, bad) on `<database>_imports`, `--repeats` times: its
    cases empty the evidence tables, which must not be the company's."""
    name = connection.settings_dict["NAME"] + "_imports"
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    url = urlsplit(os.environ["DATABASE_URL"])
    env = dict(os.environ, DATABASE_URL=urlunsplit(url._replace(path="/" + name)))
    runs = []
    for k in range(args.repeats):
        child = subprocess.run(
            [sys.executable, str(ROOT / "bench" / "imports.py"), "--rows", str(args.rows),
             "--cases", "bare,good,bad", "--json"],
            capture_output=True, text=True, env=env,
        )  # fmt: skip
        if child.returncode:
            sys.stderr.write(child.stderr)
            raise SystemExit("bench/imports.py failed")
        cases = {}
        for line in child.stdout.splitlines():
            if line.startswith("{"):
                result = json.loads(line)
                cases[result["case"]] = result
        runs.append(cases)
        print(f"  import round {k + 1}: " + ", ".join(
            f"{c} {r['seconds']:.2f} s ({r['peak_rss_mb']} MB)" for c, r in cases.items()),
            flush=True)  # fmt: skip
    return runs


def _ratios(values) -> str:
    return f"{min(values):.1f}x / {statistics.median(values):.1f}x"


def _met(values, ok) -> str:
    """Judged on the median; "best repeat only" when only the best repeat meets the goal."""
    if ok(statistics.median(values)):
        return "yes"
    return "best repeat only" if any(ok(v) for v in values) else "no"


def table(people: int, sweeps, pages, imports, rows_imported: int) -> list[str]:
    med = statistics.median
    rows = []  # (what, figure, ratio min / median, goal, met?)
    if sweeps:
        floor_wall = med(r["first"]["floor"][0] for r in sweeps)
        floor_cpu = med(r["first"]["floor"][1] for r in sweeps)
        rows.append(("floor: aggregates of the sweep's facts, wall / CPU",
                     f"{floor_wall:.2f} s / {floor_cpu:.2f} s", "", "", ""))  # fmt: skip
        for night, label in (("first", "first night (every status written)"),
                             ("next", "next night (nothing new)")):  # fmt: skip
            for i, measure in ((0, "wall"), (1, "CPU")):
                field = "wall" if i == 0 else "cpu"
                ratios = [r[night][field] / r[night]["floor"][i] for r in sweeps]
                rows.append((f"sweep, {label}: {measure} vs floor",
                             f"{med(r[night][field] for r in sweeps):.2f} s",
                             _ratios(ratios), "<= 3x", _met(ratios, lambda v: v <= 3)))  # fmt: skip
        first = sweeps[0]["first"]
        rows.append(("peak memory of the sweeping process (Django alone)",
                     f"{med(r['next']['peak_mb'] for r in sweeps):.0f} MB "
                     f"({med(r['rss_before_mb'] for r in sweeps):.0f} MB)",
                     "", "", ""))  # fmt: skip
        rows.append(("first night: newly eligible, notifications created",
                     f"{first['newly_eligible']} people, {first['notifications']} notifications",
                     "", "some", "yes" if first["newly_eligible"] else "no"))  # fmt: skip
        if "workers" in sweeps[0]:
            speedups = [r["workers"]["one"] / r["workers"]["two"] for r in sweeps]
            last = sweeps[-1]["workers"]

            def split(workers):
                return "; ".join(f"{w:.2f} s, {c:.2f} s CPU" for w, c in workers)

            rows.append((
                "sweep on 2 worker processes vs 1: speed-up (each worker's wall, CPU of "
                "process + DB, last repeat)",
                f"{med(r['workers']['one'] for r in sweeps):.2f} s vs "
                f"{med(r['workers']['two'] for r in sweeps):.2f} s (1 worker: "
                f"{split(last['split_one'])}; 2 workers: {split(last['split_two'])})",
                _ratios(speedups), ">= 1.6x", _met(speedups, lambda v: v >= 1.6),
            ))  # fmt: skip
    if pages:
        goals = {"career": 4, "review": 4, "team": 8, "reports": 8}
        for key, label in pages["pages"]:
            p50 = med(r[key][0] for r in pages["rounds"])
            p95 = med(r[key][1] for r in pages["rounds"])
            figure = f"{1000 * p50:.1f} / {1000 * p95:.1f} ms, {pages['queries'][key]} queries"
            if key == "trivial":
                rows.append((f"page {label}: p50 / p95, queries", figure, "1x", "", ""))
                continue
            ratios = [r[key][1] / r["trivial"][1] for r in pages["rounds"]]
            goal = goals[key]
            rows.append((f"page {label}: p50 / p95, queries; p95 vs trivial", figure,
                         _ratios(ratios), f"<= {goal}x",
                         _met(ratios, lambda v, goal=goal: v <= goal)))  # fmt: skip
        p95s = [r["reports"][1] for r in pages["rounds"]]
        rows.append(("HR reports p95 (min / median)",
                     f"{1000 * min(p95s):.0f} / {1000 * med(p95s):.0f} ms", "",
                     "< 0.5 s at 15,000+ people",
                     _met(p95s, lambda v: v < 0.5) if people >= 15000
                     else f"n/a ({people} people)"))  # fmt: skip
    if imports:
        ratios = [run["good"]["seconds"] / run["bare"]["seconds"] for run in imports]
        rows.append((f"import {rows_imported:,} evidence rows: good file vs bare bulk_create",
                     f"{med(run['good']['seconds'] for run in imports):.2f} s vs "
                     f"{med(run['bare']['seconds'] for run in imports):.2f} s "
                     f"({med(run['good']['peak_rss_mb'] for run in imports):.0f} MB)",
                     _ratios(ratios), "<= 5x", _met(ratios, lambda v: v <= 5)))  # fmt: skip
        rows.append(("import: the same file, last row bad (refused, nothing written)",
                     f"{med(run['bad']['seconds'] for run in imports):.2f} s", "",
                     "a few seconds", ""))  # fmt: skip
    lines = ["| what | figure (median) | ratio min / median | goal | met? |",
             "| --- | --- | --- | --- | --- |"]  # fmt: skip
    lines += [f"| {' | '.join(row)} |" for row in rows]
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=20000)
    parser.add_argument("--repeats", type=int, default=3, help="rounds of every measurement")
    parser.add_argument("--seconds", type=int, default=10, help="wrk's duration per page")
    parser.add_argument("--rows", type=int, default=50000, help="rows of the import")
    parser.add_argument("--skip-sweep", action="store_true")
    parser.add_argument("--skip-workers", action="store_true", help="no 1 vs 2 workers")
    parser.add_argument("--skip-pages", action="store_true")
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--part", help=argparse.SUPPRESS)  # one sweep round, in a child
    args = parser.parse_args()
    name = connection.settings_dict["NAME"]
    if connection.vendor != "postgresql" or "bench" not in name:
        raise SystemExit(
            "bench/scale.py deletes eligibility statuses and notifications and reads the "
            "database's CPU from /proc: point DATABASE_URL at a PostgreSQL database on this "
            "machine whose name contains 'bench' (e.g. careerpath_bench)."
        )
    if args.part == "sweep":
        print(json.dumps(sweep_round(workers=not args.skip_workers)))
        return
    call_command("migrate", verbosity=0)
    call_command("seed_frameworks", verbosity=0)
    populate(args.people)
    if facts_missing():
        print("adding ratings, confirmations, exams and people ready for their next level",
              flush=True)  # fmt: skip
        print(f"  {facts_add()} people made ready for their next level", flush=True)
    people = Employee.objects.filter(is_active=True).count()
    evidence = Evidence.objects.count()
    head = (
        f"{name}: {people:,} people, {evidence:,} evidence rows, "
        f"{CompetencyRating.objects.count():,} ratings, {Attestation.objects.count():,} "
        f"confirmations; {args.repeats} repeats; pages by gunicorn (2 workers) and "
        f"wrk -t2 -c4 -d{args.seconds}s; load average {os.getloadavg()[0]:.1f}"
    )
    print(head, flush=True)
    sweeps = None if args.skip_sweep else sweeps_measure(args)
    pages = None if args.skip_pages else pages_measure(args, people)
    imports = None if args.skip_import else import_measure(args)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()  # fmt: skip
    print(f"\n{datetime.date.today()}, commit {commit}, {head}, "
          f"load average at the end {os.getloadavg()[0]:.1f}\n")  # fmt: skip
    print("\n".join(table(people, sweeps, pages, imports, args.rows)))


if __name__ == "__main__":
    main()
