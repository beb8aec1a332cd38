from django.core.management.base import BaseCommand, CommandError

from assessments.importers import ImportProblems, metrics_import, read_source


class Command(BaseCommand):
    help = (
        "Create or update monthly metrics from a CSV with the columns email, metric, period "
        "(YYYY-MM) and value (DESIGN.md, Contracts). "
        "All rows or nothing: any bad row is reported and nothing changes."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file", metavar="FILE", help="A UTF-8 CSV file, or - for standard input."
        )

    def handle(self, *args, file, **options):
        try:
            result = metrics_import(text=read_source(file))
        except ImportProblems as exc:
            raise CommandError(exc.report(file)) from None
        self.stdout.write(str(result))
