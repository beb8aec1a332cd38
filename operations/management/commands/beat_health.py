import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Max
from django.utils import timezone
from django_celery_beat.models import PeriodicTask


class Command(BaseCommand):
    help = (
        "The beat container's healthcheck: exits 1 when Celery beat has sent no scheduled "
        "task for --max-age-minutes (the outbox relay is due every minute). Reads only."
    )

    def add_arguments(self, parser):
        parser.add_argument("--max-age-minutes", type=int, default=10)

    def handle(self, *args, max_age_minutes, **options):
        last = PeriodicTask.objects.filter(enabled=True).aggregate(last=Max("last_run_at"))
        last = last["last"]
        limit = timezone.now() - datetime.timedelta(minutes=max_age_minutes)
        if last is None or last < limit:
            raise CommandError(f"beat has sent nothing since {last or 'ever'}")
        self.stdout.write(f"beat: last sent a task at {last.isoformat()}")
