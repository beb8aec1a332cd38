import json

from django.core.management.base import BaseCommand

from promotions.management.commands.eligibility import parse_as_of
from promotions.services import DEFAULT_CHUNK_SIZE, periodic_checks_run


class Command(BaseCommand):
    help = "Run exactly what the nightly Celery sweep runs: evaluate everyone, store, notify."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", metavar="YYYY-MM-DD")
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK_SIZE)

    def handle(self, *args, as_of, json, chunk_size, **options):
        summary = periodic_checks_run(as_of=parse_as_of(as_of), chunk_size=max(chunk_size, 1))
        if json:
            self.stdout.write(_dumps(summary.as_json()))
        else:
            self.stdout.write(
                f"Evaluated {summary.evaluated} people; {len(summary.newly_eligible)} newly "
                f"eligible; {summary.notifications_created} notifications created."
            )


def _dumps(data) -> str:
    return json.dumps(data)
