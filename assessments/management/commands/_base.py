from django.core.management.base import BaseCommand, CommandError

from assessments.import_kinds import KINDS
from assessments.importers import ImportProblems, read_source
from careerpath.audit import audited, command_reason


class ImportCommand(BaseCommand):
    """A CSV import: read FILE (or - for stdin), apply it all or nothing, print the counts.

    Each command names its entry of the import registry (assessments.import_kinds), which
    gives its importer and help, the same that the upload pages use.
    """

    kind = ""  # a slug of assessments.import_kinds.KINDS, set by each command

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.kind:
            cls.help = KINDS[cls.kind].command_help

    @property
    def importer(self):
        return KINDS[self.kind].importer

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
