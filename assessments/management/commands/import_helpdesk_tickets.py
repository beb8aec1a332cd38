from django.core.management.base import BaseCommand, CommandError

from assessments.importers import ImportProblems, helpdesk_tickets_import, read_source


class Command(BaseCommand):
    help = (
        "Turn a Zendesk or Freshdesk ticket export (CSV) into ticket evidence waiting for "
        "review, categorised by the helpdesk tag mappings; tickets with no mapped tag are "
        "skipped. All rows or nothing: any bad row is reported and nothing changes."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file", metavar="FILE", help="A UTF-8 CSV file, or - for standard input."
        )

    def handle(self, *args, file, **options):
        try:
            result = helpdesk_tickets_import(text=read_source(file))
        except ImportProblems as exc:
            raise CommandError(exc.report(file)) from None
        self.stdout.write(str(result))
