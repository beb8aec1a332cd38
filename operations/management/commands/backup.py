from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from operations.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump --format=custom, or SQLite's backup API) and the "
        "uploaded files (MEDIA_ROOT) into DIR, a new directory, with a manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", help="a new (or empty) directory")

    def handle(self, *args, directory, **options):
        try:
            manifest = backup_create(
                Path(directory), database=settings.DATABASES["default"],
                media_root=Path(settings.MEDIA_ROOT),
            )  # fmt: skip
        except BackupError as error:
            raise CommandError(str(error)) from None
        counts = ", ".join(f"{t} {n}" for t, n in manifest["counts"].items())
        self.stdout.write(
            f"backup: {directory}: {manifest['engine']} database ({counts}), "
            f"{manifest['media_files']} media files"
        )
