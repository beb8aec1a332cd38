"""Existing manager steps keep working as before: the manager who nominated confirms.

Until now anyone allowed could take any step, the nominator included. The
manager steps stay open to the nominating manager (they confirm their own
nomination, as the seed frameworks' first step says); every other step now
needs someone else. HR can change either in the admin.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    ApprovalStep = apps.get_model("promotions", "ApprovalStep")
    ApprovalStep.objects.filter(role="manager").update(nominator_may_decide=True)


class Migration(migrations.Migration):
    dependencies = [("promotions", "0004_approval_step_nominator_may_decide")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
