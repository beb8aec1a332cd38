"""Give each existing confirmation the level it is most plausibly for.

Until now a confirmation had no level and counted for every level. It is
kept for the first next level of the person's current level (the lowest
rank), which is the step a manager confirming today had in mind; when the
person is at the top of a track it is kept for their current level. HR can
move or add confirmations in the admin.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    Attestation = apps.get_model("assessments", "Attestation")
    Level = apps.get_model("frameworks", "Level")
    for attestation in Attestation.objects.filter(level__isnull=True).select_related(
        "employee__level"
    ):
        current = attestation.employee.level
        nxt = (
            Level.objects.filter(previous_levels=current).order_by("rank", "order", "id").first()
        )
        attestation.level = nxt or current
        attestation.save(update_fields=["level"])


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0002_attestation_for_level_metric_slug"),
        ("people", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
