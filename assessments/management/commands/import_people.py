from django.core.management.base import CommandError

from assessments import hris
from assessments.importers import ImportProblems, read_source
from careerpath.audit import audited, command_reason

from ._base import ImportCommand


class Command(ImportCommand):
    kind = "people"  # its help and columns: assessments.import_kinds

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--profile",
            metavar="NAME|FILE",
            help="Read an HRIS export: a profile saved in the admin or a built-in one "
            f"({', '.join(hris.BUILT_IN)}), or a YAML/JSON profile file.",
        )
        parser.add_argument(
            "--titles",
            metavar="FILE",
            help="A CSV with the columns title, framework, level: job titles of the export "
            "and the level each one is (added to the profile's own table).",
        )

    def handle(self, *args, file, profile=None, titles=None, **options):
        if "-" in (profile, titles) and file == "-":
            raise CommandError("Only one of FILE, --profile and --titles can be standard input.")
        try:
            with audited(reason=command_reason(self)):  # no user: the history names the command
                chosen = self._profile(profile, titles)
                result = self.importer(text=read_source(file), profile=chosen)
        except ImportProblems as exc:
            raise CommandError(exc.report(file)) from None
        self.stdout.write(str(result))

    def _profile(self, spec, titles):
        if spec is None:
            if titles is not None:
                raise CommandError("--titles needs --profile: our own columns carry the level.")
            return None
        if hris.is_profile_file(spec):
            try:
                chosen = hris.profile_from_file(read_source(spec), source=spec)
            except ImportProblems as exc:
                raise CommandError(exc.report(spec)) from None
        else:
            chosen = hris.profile_get(spec)
        if titles is not None:
            try:
                chosen = chosen.with_titles(hris.titles_from_csv(read_source(titles)))
            except ImportProblems as exc:
                raise CommandError(exc.report(titles)) from None
        return chosen
