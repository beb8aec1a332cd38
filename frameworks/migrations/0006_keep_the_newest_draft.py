"""One draft per framework at a time (the constraint follows in 0007).

Installs where "Clone as draft" was run again and again have parallel
drafts. The newest stays the draft HR works on; the older ones become
archived (nothing is deleted, and an archived version is read-only).
"""

from django.db import migrations


def keep_the_newest_draft(apps, schema_editor):
    Framework = apps.get_model("frameworks", "Framework")
    newest = {}
    for draft in Framework.objects.filter(status="draft").order_by("slug", "-version"):
        if draft.slug in newest:
            draft.status = "archived"
            draft.save(update_fields=["status"])
        else:
            newest[draft.slug] = draft


class Migration(migrations.Migration):
    dependencies = [("frameworks", "0005_evidence_categories")]

    operations = [
        migrations.RunPython(keep_the_newest_draft, migrations.RunPython.noop),
    ]
