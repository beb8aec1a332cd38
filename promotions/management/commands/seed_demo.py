from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from assessments.demo import demo_assessments_create
from careerpath.audit import audited, command_reason
from people.demo import DEMO_PASSWORD, demo_organisation_create

OVERRIDE = "--i-know-this-is-not-production"


class Command(BaseCommand):
    help = (
        "Create the demo organisation with its evidence, ratings and metrics (idempotent) "
        "and print its logins. Run seed_frameworks first. The demo accounts share a known "
        "password (HR and managers among them), so with DEBUG off it refuses unless given "
        f"{OVERRIDE}."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            OVERRIDE,
            action="store_true",
            dest="not_production",
            help="Create the demo accounts although DEBUG is off (a staging copy, say).",
        )

    def handle(self, *args, not_production: bool, **options):
        if not settings.DEBUG and not not_production:
            raise CommandError(
                "DEBUG is off: this looks like production, and the demo creates HR and manager "
                f"accounts with the known password {DEMO_PASSWORD!r}. Nothing was created. "
                f"Run with {OVERRIDE} on a copy that is not production."
            )
        today = timezone.localdate()
        with audited(reason=command_reason(self)):
            logins = demo_organisation_create(today=today)
            created = demo_assessments_create(today=today)
        if created:
            self.stdout.write(f"Demo evidence: {created} items in every review state.")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, role in logins:
            self.stdout.write(f"  {email:<32} {role}")
