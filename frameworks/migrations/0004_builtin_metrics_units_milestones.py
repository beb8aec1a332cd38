"""Data for the second-wave model, keeping what existing installs already do.

- The three metrics that were built in become definitions with the same slugs.
- Existing work-from-home entitlements get their unit.
- Every existing framework version gets the 6/12/24/36-month milestones that
  were hard-coded until now, so nothing changes for its people until HR
  publishes a version with its own milestones (the re-read seeds arrive as a
  draft through `seed_frameworks`; a migration never publishes one).
"""

from django.db import migrations

METRICS = [
    ("volume_pct", "Ticket/call/chat volume", "%", "higher", "average",
     "Volume as a percentage of the expected volume for the role; 100 is on par."),
    ("unplanned_absence_pct", "Unplanned absence", "%", "lower", "average",
     "Unplanned absence as a percentage of working days."),
    ("csat_pct", "Customer satisfaction (CSAT)", "%", "higher", "average",
     "The share of positive customer-satisfaction answers."),
]  # fmt: skip

MILESTONES = [
    (6, "Six months in: your competency exam is due"),
    (12, "One year with the team"),
    (24, "24 months with the team"),
    (36, "36 months with the team"),
]


def forwards(apps, schema_editor):
    MetricDefinition = apps.get_model("frameworks", "MetricDefinition")
    Entitlement = apps.get_model("frameworks", "Entitlement")
    Framework = apps.get_model("frameworks", "Framework")
    FrameworkMilestone = apps.get_model("frameworks", "FrameworkMilestone")
    for slug, name, unit, direction, aggregation, description in METRICS:
        MetricDefinition.objects.get_or_create(
            slug=slug,
            defaults={"name": name, "unit": unit, "direction": direction,
                      "aggregation": aggregation, "description": description},
        )  # fmt: skip
    Entitlement.objects.filter(kind="wfh_days_per_month", unit="").update(unit="days a month")
    for framework in Framework.objects.all():
        for months, subject in MILESTONES:
            FrameworkMilestone.objects.get_or_create(
                framework=framework, months=months, defaults={"subject": subject}
            )


class Migration(migrations.Migration):
    dependencies = [("frameworks", "0003_requirement_semantics_metrics_milestones")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
