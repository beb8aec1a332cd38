from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from careerpath.audit import audited, command_reason
from frameworks.services import framework_seed
from frameworks.yaml_format import FrameworkFormatError

from ._io import read_text

SEED_DIR = Path(settings.BASE_DIR) / "fixtures" / "frameworks"


class Command(BaseCommand):
    help = (
        "Install the seed frameworks from fixtures/frameworks/*.yaml where their slug is not "
        "installed yet; an installed framework is HR's and is left alone. With --update, a seed "
        "whose content differs from the newest version is offered as a new draft for HR to "
        "review and publish, never over an open draft. Running it again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--update",
            action="store_true",
            help="Offer each changed seed as a new draft beside HR's published version.",
        )

    def handle(self, *args, update: bool, **options):
        for path in sorted(SEED_DIR.glob("*.yaml")):
            try:
                with audited(reason=command_reason(self)):
                    framework, outcome = framework_seed(
                        text=read_text(str(path)), update=update, actor=None
                    )
            except FrameworkFormatError as exc:
                raise CommandError(
                    f"{path.name}:\n" + "\n".join(f"  - {e}" for e in exc.errors)
                ) from None
            self.stdout.write(f"{framework.slug} v{framework.version}: {outcome}")
