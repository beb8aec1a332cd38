"""Give each existing confirmation the level(s) it counted for, so a migration takes nothing away.

Until now a confirmation had no level and counted for every level. Each one
is kept for every level where its code is a bar from where the person stands
today: a requirement of one of their next levels, or a condition of a perk of
their current level (an S2's "next-level-behaviours" is kept for both S3 and
SL1; a Hero's confirmation that unlocks work-from-home days stays with Hero).
Where the code is no such bar it is kept for the first next level (the lowest
rank), or the current level at the top of a track. New confirmations are
given for one level; HR can move or remove these in the admin.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    Attestation = apps.get_model("assessments", "Attestation")
    Level = apps.get_model("frameworks", "Level")
    Requirement = apps.get_model("frameworks", "Requirement")
    legacy = Attestation.objects.filter(level__isnull=True).select_related("employee__level")
    for attestation in legacy:
        current = attestation.employee.level
        next_levels = list(
            Level.objects.filter(previous_levels=current).order_by("rank", "order", "id")
        )
        bars = Requirement.objects.filter(kind="attestation", code=attestation.code)
        targets = [level for level in next_levels if bars.filter(level=level).exists()]
        if bars.filter(entitlement__level=current).exists():
            targets.append(current)
        first, *others = targets or next_levels[:1] or [current]
        attestation.level = first
        attestation.save(update_fields=["level"])
        for level in others:
            Attestation.objects.create(
                employee_id=attestation.employee_id, code=attestation.code, level=level,
                statement=attestation.statement, attested_by_id=attestation.attested_by_id,
                attested_on=attestation.attested_on, comment=attestation.comment,
            )  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0002_attestation_for_level_metric_slug"),
        ("people", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
