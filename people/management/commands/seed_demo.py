from django.core.management.base import BaseCommand
from django.utils import timezone

from people.demo import DEMO_PASSWORD, demo_organisation_create


class Command(BaseCommand):
    help = (
        "Create the demo organisation (idempotent) and print its logins. Run seed_frameworks first."
    )

    def handle(self, *args, **options):
        logins = demo_organisation_create(today=timezone.localdate())
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, role in logins:
            self.stdout.write(f"  {email:<32} {role}")
