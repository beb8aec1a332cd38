from django.core.management.base import BaseCommand, CommandError

from assessments.importers import ImportProblems, read_source
from careerpath.audit import audited, command_reason


class ImportCommand(BaseCommand):
    """A CSV import: read FILE (or - for stdin), apply it all or nothing, print the counts."""

    importer = None  # a function(text=...) -> ImportResult, set by each command

    def add_arguments(self, parser):
        parser.add_argument(
            "file", metavar="FILE", help="A UTF-8 CSV file, or - for standard input."
        )

    def handle(self, *args, file, **options):
        try:
            with audited(reason=command_reason(self)):  # no user: the history names the command
                result = self.importer(text=read_source(file))
        except ImportProblems as exc:
            raise CommandError(exc.report(file)) from None
        self.stdout.write(str(result))
