"""Every query of every page, explained (issue 14, "no sequential scan of a large table in
any page query"): the pages of bench/scale.py's personas are requested once through Django's
test client, each SELECT they ran is run again under EXPLAIN (ANALYZE, FORMAT JSON), and a
table lists per page its queries, their total time, and any sequential scan of a table of
more than --large rows (default 5,000) that read more than --read of them (default 1,000:
a LIMIT 1 probe that stops at the first match is not listed). `--plans` prints each plan
in text as well.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/careerpath_bench \\
        .venv/bin/python bench/explain.py [--plans]

Runs on the company bench/scale.py built (and the statuses its sweep stored); read-only.
"""

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "careerpath.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

import scale  # noqa: E402  (bench/scale.py: the personas and the company)
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def table_rows() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, reltuples::bigint FROM pg_class WHERE relkind = 'r'")
        return dict(cursor.fetchall())


def scans(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from scans(child)


def explain(sql: str, params) -> dict:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
        return cursor.fetchone()[0][0]


def explain_text(sql: str, params) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--large", type=int, default=5000, help="rows that make a table large")
    parser.add_argument("--read", type=int, default=1000,
                        help="rows a sequential scan may read before it is listed")  # fmt: skip
    parser.add_argument("--plans", action="store_true", help="print every plan as text")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("EXPLAIN plans are read on PostgreSQL: set DATABASE_URL.")
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    sizes = table_rows()
    people = sizes.get("people_employee", 0)
    print(f"{connection.settings_dict['NAME']}: about {people:,} people; large = more than "
          f"{args.large:,} rows\n")  # fmt: skip
    print("| page | queries | their time (EXPLAIN ANALYZE) | slowest | seq scans of large tables |")
    print("| --- | --- | --- | --- | --- |")
    found_any = False
    for _, label, user, url in scale.personas(people):
        client = Client()
        client.force_login(user)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200, url
        total, slowest, bad = 0.0, (0.0, ""), []
        for number, query in enumerate(ctx.captured_queries, 1):
            sql = query["sql"]
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            # The captured SQL has its parameters inlined (Django's last_executed_query).
            plan = explain(sql.replace("%", "%%"), ())
            took = plan["Execution Time"] + plan["Planning Time"]
            total += took
            slowest = max(slowest, (took, f"#{number}"))
            for node in scans(plan["Plan"]):
                table = node.get("Relation Name")
                if node["Node Type"] != "Seq Scan" or sizes.get(table, 0) <= args.large:
                    continue
                # Rows the scan read, not the table's size: a LIMIT 1 probe that stops at
                # the first match reads a handful.
                read = (node["Actual Rows"] + node.get("Rows Removed by Filter", 0)) * node[
                    "Actual Loops"
                ]
                if read > args.read:
                    bad.append(f"#{number} {table} (read {read:,} of {sizes[table]:,} rows)")
            if args.plans:
                print(f"\n{label} #{number}:\n{sql}\n{explain_text(sql.replace('%', '%%'), ())}")
        found_any = found_any or bool(bad)
        print(f"| {label} | {len(ctx.captured_queries)} | {total:.1f} ms | {slowest[1]} "
              f"{slowest[0]:.1f} ms | {', '.join(bad) or 'none'} |")  # fmt: skip
    sys.exit(1 if found_any else 0)


if __name__ == "__main__":
    main()
