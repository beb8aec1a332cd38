import json

from django.core.management.base import BaseCommand, CommandError

from frameworks.models import Framework
from promotions.management.commands.eligibility import parse_as_of
from promotions.selectors import framework_impact_preview


class Command(BaseCommand):
    help = (
        "Who would become or stop being eligible, whose perks would change, and which levels ask "
        "no more than the level below, if a draft "
        "version were published. Nothing is saved."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", metavar="SLUG")
        parser.add_argument("framework_version", metavar="VERSION", type=int)
        parser.add_argument("--as-of", metavar="YYYY-MM-DD")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, slug, framework_version, as_of, json: bool, **options):
        draft = Framework.objects.filter(slug=slug, version=framework_version).first()
        if draft is None:
            raise CommandError(f"No framework {slug} version {framework_version}.")
        preview = framework_impact_preview(draft=draft, as_of=parse_as_of(as_of))
        if json:
            self.stdout.write(_dumps(preview.as_json()))
            return
        for warning in preview.warnings:
            self.stdout.write(f"Warning: {warning}")
        if preview.published is None:
            self.stdout.write(f"{slug} has no published version: nobody is affected.")
            return
        self.stdout.write(
            f"Publishing {slug} v{draft.version} instead of v{preview.published.version}, "
            f"as of {preview.as_of}:"
        )

        def who(e):
            return f"{e.name} <{e.user.email}>"

        sections = (
            ("Would become eligible", [f"{who(e)} for {c}" for e, c in preview.gains]),
            ("Would stop being eligible", [f"{who(e)} for {c}" for e, c in preview.losses]),
            ("WFH days would change", [f"{who(e)}: {a} -> {b}" for e, a, b in preview.wfh_changes]),
            (
                "Would lose a perk",
                [
                    f"{who(c.employee)}: {c.kind} {c.before} -> {c.after} {c.unit}"
                    for c in preview.perk_losses
                ],
            ),
            ("At a level the draft does not have", [who(e) for e in preview.stranded]),
        )
        for title, rows in sections:
            self.stdout.write(f"{title}: {len(rows)}")
            for row in rows:
                self.stdout.write(f"  {row}")


def _dumps(data) -> str:
    return json.dumps(data)
