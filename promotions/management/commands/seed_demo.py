from django.core.management.base import BaseCommand
from django.utils import timezone

from assessments.demo import demo_assessments_create
from people.demo import DEMO_PASSWORD, demo_organisation_create


class Command(BaseCommand):
    help = (
        "Create the demo organisation with its evidence, ratings and metrics (idempotent) "
        "and print its logins. Run seed_frameworks first."
    )

    def handle(self, *args, **options):
        today = timezone.localdate()
        logins = demo_organisation_create(today=today)
        created = demo_assessments_create(today=today)
        if created:
            self.stdout.write(f"Demo evidence: {created} items in every review state.")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, role in logins:
            self.stdout.write(f"  {email:<32} {role}")
