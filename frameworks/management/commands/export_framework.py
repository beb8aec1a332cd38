from django.core.management.base import BaseCommand, CommandError

from frameworks.models import Framework
from frameworks.selectors import framework_as_dict, published_framework_get
from frameworks.yaml_format import dump_framework_yaml


class Command(BaseCommand):
    help = (
        "Write a framework as YAML to standard output "
        "(the published version unless --framework-version)."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", metavar="SLUG")
        parser.add_argument(
            "--framework-version",
            type=int,
            default=None,
            help="A version number (default: the published one).",
        )

    def handle(self, *args, slug, framework_version, **options):
        if framework_version is None:
            framework = published_framework_get(slug=slug) or (
                Framework.objects.filter(slug=slug).order_by("-version").first()
            )
        else:
            framework = Framework.objects.filter(slug=slug, version=framework_version).first()
        if framework is None:
            known = ", ".join(sorted(set(Framework.objects.values_list("slug", flat=True))))
            wanted = slug if framework_version is None else f"{slug} version {framework_version}"
            raise CommandError(f"No framework {wanted}. Known slugs: {known or 'none'}.")
        self.stdout.write(dump_framework_yaml(framework_as_dict(framework=framework)), ending="")
