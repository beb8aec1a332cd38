from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("frameworks", "0006_keep_the_newest_draft")]

    operations = [
        migrations.AddConstraint(
            model_name="framework",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "draft")),
                fields=("slug",),
                name="framework_one_draft",
                violation_error_message="This framework already has a draft: open it instead.",
            ),
        ),
    ]
