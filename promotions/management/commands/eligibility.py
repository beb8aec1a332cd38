import datetime
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from people.models import Employee
from promotions.rules import WFH_DAYS_PER_MONTH
from promotions.selectors import career_status


def parse_as_of(value: str | None) -> datetime.date:
    if value is None:
        return timezone.localdate()
    try:
        as_of = datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--as-of must be a date written YYYY-MM-DD, got {value!r}.") from None
    if not 1900 <= as_of.year <= 9000:  # the rules look a year back and decades ahead
        raise CommandError(f"--as-of must be between 1900 and 9000, got {value!r}.")
    return as_of


class Command(BaseCommand):
    help = "Where a person stands: entitlements and, for each next level, every requirement."

    def add_arguments(self, parser):
        parser.add_argument("email", metavar="EMAIL")
        parser.add_argument("--as-of", metavar="YYYY-MM-DD")
        parser.add_argument("--json", action="store_true", help="Print the JSON contract.")

    def handle(self, *args, email, as_of, json: bool, **options):
        as_of_date = parse_as_of(as_of)
        employee = Employee.objects.filter(user__email__iexact=email).first()
        if employee is None:
            raise CommandError(f"No employee with e-mail {email}.")
        status = career_status(employee=employee, as_of=as_of_date)
        if json:
            self.stdout.write(_dumps(status.as_json()))
            return
        self._print_report(status)

    def _print_report(self, status):
        level = status.level
        self.stdout.write(
            f"{status.employee.name} <{status.employee.user.email}>: {level.framework.name}, "
            f"{level.code} {level.title}, as of {status.as_of:%d %b %Y}"
        )
        self.stdout.write(
            f"Tenure {status.tenure_months} months; {status.months_in_level} months in level; "
            f"WFH {status.wfh_days_per_month} days a month."
        )
        for perk in status.perks.values():
            if perk.kind != WFH_DAYS_PER_MONTH:
                self.stdout.write(f"Perk: {perk.label}.")
        for ent in status.entitlements:
            if not ent.unlocked:
                when = f" (unlocks {ent.unlocks_on:%d %b %Y})" if ent.unlocks_on else ""
                self.stdout.write(f"  Not yet: {ent.entitlement}{when}")
                for r in ent.results:
                    self.stdout.write(f"    [{'x' if r.met else ' '}] {r.label}: {r.explanation}")
        if not status.next_levels:
            self.stdout.write("Top of the track: no next level.")
        for readiness in status.next_levels:
            verdict = "ELIGIBLE" if readiness.eligible else (
                f"{readiness.met_count} of {len(readiness.results)} met"
            )  # fmt: skip
            when = (
                f", ready on {readiness.earliest_date:%d %b %Y}" if readiness.earliest_date else ""
            )
            self.stdout.write(
                f"Next: {readiness.level.code} {readiness.level.title}: {verdict}{when}"
            )
            for r in readiness.flat_results():
                indent = "      " if r.group else "  "
                assumed = " (assumed)" if r.assumed else ""
                self.stdout.write(
                    f"{indent}[{'x' if r.met else ' '}] {r.label}{assumed}: {r.explanation}"
                )


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False)
