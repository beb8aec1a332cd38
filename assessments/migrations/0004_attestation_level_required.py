import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0003_attestations_get_a_level"),
        ("frameworks", "0004_builtin_metrics_units_milestones"),
    ]

    operations = [
        migrations.AlterField(
            model_name="attestation",
            name="level",
            field=models.ForeignKey(
                help_text="The level this confirmation is for (and so the framework version).",
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="frameworks.level",
            ),
        ),
    ]
