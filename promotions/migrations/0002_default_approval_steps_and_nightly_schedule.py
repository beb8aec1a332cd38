"""Data: the seed frameworks' approval steps, and the nightly sweep's schedule (editable in the admin)."""

from django.db import migrations

STEPS = {
    "support-formula": [
        (1, "manager", "Team lead confirms the person performs at the next level"),
        (2, "hr", "HR confirms"),
    ],
    "whatfix-support": [
        (1, "manager", "Manager confirms the person exhibits the next level's behaviours"),
        (2, "hr", "HR confirms position vacancy and business need"),
    ],
}


def forwards(apps, schema_editor):
    ApprovalStep = apps.get_model("promotions", "ApprovalStep")
    for slug, steps in STEPS.items():
        for order, role, name in steps:
            ApprovalStep.objects.get_or_create(
                framework_slug=slug, order=order, defaults={"role": role, "name": name}
            )
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    nightly, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="2", day_of_week="*", day_of_month="*", month_of_year="*"
    )
    PeriodicTask.objects.get_or_create(
        name="Nightly tenure and eligibility sweep",
        defaults={"task": "promotions.tasks.run_periodic_checks", "crontab": nightly},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("promotions", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
