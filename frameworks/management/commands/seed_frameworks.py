from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from frameworks.services import framework_seed
from frameworks.yaml_format import FrameworkFormatError

SEED_DIR = Path(settings.BASE_DIR) / "fixtures" / "frameworks"


class Command(BaseCommand):
    help = (
        "Install the seed frameworks from fixtures/frameworks/*.yaml. Idempotent: a framework "
        "whose newest version has the same content is left alone; changed content becomes a draft."
    )

    def handle(self, *args, **options):
        for path in sorted(SEED_DIR.glob("*.yaml")):
            try:
                framework, outcome = framework_seed(text=path.read_text(encoding="utf-8"))
            except FrameworkFormatError as exc:
                raise CommandError(
                    f"{path.name}:\n" + "\n".join(f"  - {e}" for e in exc.errors)
                ) from None
            self.stdout.write(f"{framework.slug} v{framework.version}: {outcome}")
