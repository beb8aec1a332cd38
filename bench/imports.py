"""Benchmark: importing 50,000 evidence rows against a bare bulk insert of the same rows.

Target (issue 12): `import_evidence` of a good 50,000-row file within 5x the time of a
bare `bulk_create` of the same rows on the same machine; a file whose last row is bad
is reported in a few seconds (and writes nothing).

    createdb -h 127.0.0.1 -U postgres careerpath_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/careerpath_bench \\
        .venv/bin/python bench/imports.py --rows 50000

Each case runs in a process of its own, so that its peak memory (`ru_maxrss`) is its
own; the evidence is deleted before each case. Cases: `bare` (Evidence.objects.bulk_create
of the rows, batches of 1,000, no validation, no history), `good` (evidence_import of the
file), `again` (the same file once more: nothing changes), `changed` (every title
changed: 50,000 updates), `bad` (the file with its last
row bad), `tickets` (a Zendesk CSV export of as many solved tickets, agents by name).
"""

import argparse
import datetime
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "careerpath.settings")
os.environ.setdefault("DEBUG", "1")

PEOPLE = 500
CATEGORIES = ["integration", "scripting", "api", "css"]


def setup_django():
    import django

    django.setup()


def populate() -> None:
    """The seed frameworks and PEOPLE people (once; re-runs reuse them)."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from assessments.models import HelpdeskTagCategory
    from frameworks.models import Framework
    from people.models import Employee

    call_command("migrate", verbosity=0)
    call_command("seed_frameworks", verbosity=0)
    if Employee.objects.filter(user__username__startswith="bench-imp-").count() >= PEOPLE:
        return
    framework = Framework.objects.get(slug="support-formula", status="published")
    hero = framework.levels.get(code="hero")
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"bench-imp-{n}@example.com",
                         email=f"bench-imp-{n}@example.com",
                         first_name="Bench", last_name=f"Agent{n}")
        for n in range(PEOPLE)
    )  # fmt: skip
    Employee.objects.bulk_create(
        Employee(user=u, framework=framework, level=hero, hire_date=datetime.date(2024, 1, 1),
                 level_since=datetime.date(2024, 1, 1))
        for u in users
    )  # fmt: skip
    for category in CATEGORIES:
        HelpdeskTagCategory.objects.get_or_create(tag=category, defaults={"category": category})


def evidence_csv(rows: int, *, bad_last: bool = False) -> str:
    lines = ["email,kind,category,title,reference,occurred_on,status"]
    for i in range(rows):
        kind = "tiket" if bad_last and i == rows - 1 else "ticket"
        lines.append(
            f"bench-imp-{i % PEOPLE}@example.com,{kind},{CATEGORIES[i % 4]},Ticket {i},"
            f"ZD-{i},2026-{1 + i % 9:02d}-{1 + i % 28:02d},approved"
        )
    return "\n".join(lines) + "\n"


def zendesk_csv(rows: int) -> str:
    lines = ["Id,Requester,Assignee,Group,Subject,Tags,Status,Created at,Updated at,Solved at"]
    for i in range(rows):
        when = f"2026-{1 + i % 9:02d}-{1 + i % 28:02d} 13:17"
        lines.append(
            f'{100000 + i},Customer {i},Bench Agent{i % PEOPLE},Support,"Ticket {i}, again",'
            f"{CATEGORIES[i % 4]} vip,Solved,{when},{when},{when}"
        )
    return "\n".join(lines) + "\n"


def clear() -> None:
    """Every evidence row and its history, and the helpdesk agents (the bench's database)."""
    from django.db import connection

    if "bench" not in connection.settings_dict["NAME"]:
        raise SystemExit(
            "bench/imports.py empties the evidence tables: point DATABASE_URL at a database "
            "whose name contains 'bench' (e.g. careerpath_bench)."
        )

    from assessments.models import Evidence, HelpdeskAgent

    tables = [m._meta.db_table for m in (Evidence, Evidence.history.model, HelpdeskAgent,
                                         HelpdeskAgent.history.model)]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")


def run_case(case: str, rows: int) -> dict:
    """One case in this process: its wall time, peak RSS and outcome."""
    setup_django()
    from assessments.importers import (
        ImportProblems,
        evidence_import,
        helpdesk_tickets_import,
    )
    from assessments.models import Evidence
    from careerpath.audit import audited
    from people.models import Employee

    clear()
    if case in ("again", "changed"):  # the file imported once before (not timed)
        evidence_import(text=evidence_csv(rows))
    text = {
        "bare": evidence_csv(rows),
        "good": evidence_csv(rows),
        "again": evidence_csv(rows),
        "changed": evidence_csv(rows).replace(",Ticket ", ",Ticket no. "),
        "bad": evidence_csv(rows, bad_last=True),
        "tickets": zendesk_csv(rows),
    }[case]
    before_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    outcome = ""
    if case == "bare":
        people = {
            e.user.email: e
            for e in Employee.objects.filter(user__username__startswith="bench-imp-")
            .select_related("user")
        }  # fmt: skip
        items = []
        for line in text.splitlines()[1:]:
            email, kind, category, title, reference, occurred_on, status = line.split(",")
            day = datetime.date.fromisoformat(occurred_on)
            items.append(Evidence(employee=people[email], kind=kind, category=category,
                                  title=title, reference=reference, status=status,
                                  occurred_on=day))  # fmt: skip
        Evidence.objects.bulk_create(items, batch_size=1000)
        outcome = f"{len(items)} inserted"
    else:
        importer = helpdesk_tickets_import if case == "tickets" else evidence_import
        try:
            with audited(reason="bench/imports.py"):
                outcome = str(importer(text=text))
        except ImportProblems as exc:
            outcome = f"refused: {exc.problems[0]}"
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "case": case,
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(peak / 1024),
        "rss_before_mb": round(before_rss / 1024),
        "evidence_rows": Evidence.objects.count(),
        "outcome": outcome,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--cases", default="bare,good,again,changed,bad,tickets")
    parser.add_argument("--json", action="store_true", help="each case's result as JSON")
    parser.add_argument("--case", help=argparse.SUPPRESS)  # one case, in a child process
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.rows)))
        return
    setup_django()
    populate()
    if not args.json:
        print(f"{args.rows:,} rows, {PEOPLE} people")
        print(f"{'case':<8} {'seconds':>8} {'peak RSS':>9}  outcome")
    for case in args.cases.split(","):
        child = subprocess.run(
            [sys.executable, __file__, "--rows", str(args.rows), "--case", case],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        result = json.loads(child.stdout.strip().splitlines()[-1])
        if args.json:
            print(json.dumps(result), flush=True)
            continue
        print(
            f"{result['case']:<8} {result['seconds']:>8.2f} {result['peak_rss_mb']:>6} MB"
            f"  {result['outcome'][:150]}"
        )


if __name__ == "__main__":
    main()
