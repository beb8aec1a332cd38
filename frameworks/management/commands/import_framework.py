from django.core.management.base import BaseCommand, CommandError

from careerpath.audit import audited, command_reason
from frameworks.services import framework_import_yaml
from frameworks.yaml_format import FrameworkFormatError

from ._io import read_text


class Command(BaseCommand):
    help = (
        "Import a framework from YAML (docs/framework-format.md) as a new draft version. "
        "FILE may be - for standard input. Nothing changes if the file has any problem."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE")

    def handle(self, *args, file, **options):
        try:
            with audited(reason=command_reason(self)):
                framework = framework_import_yaml(text=read_text(file), actor=None)
        except FrameworkFormatError as exc:
            lines = "\n".join(f"  - {e}" for e in exc.errors)
            raise CommandError(
                f"{file}: not imported, {len(exc.errors)} problem(s):\n{lines}"
            ) from None
        self.stdout.write(
            f"Imported {framework.slug} as draft version {framework.version} "
            f"({framework.levels.count()} levels). Publish it in the admin."
        )
