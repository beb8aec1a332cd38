from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from operations.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into this installation's database and "
        "MEDIA_ROOT. Refuses a database with tables (or media with files) unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", help="a directory written by `manage.py backup`")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace the database's tables and the media files that are there now",
        )

    def handle(self, *args, directory, force, **options):
        connections.close_all()  # the restore works on connections of its own
        try:
            summary = backup_restore(
                Path(directory), database=settings.DATABASES["default"],
                media_root=Path(settings.MEDIA_ROOT), force=force,
            )  # fmt: skip
        except BackupError as error:
            raise CommandError(str(error)) from None
        counts = ", ".join(f"{t} {n}" for t, n in summary["counts"].items())
        self.stdout.write(f"restore: {directory}: {counts}")
