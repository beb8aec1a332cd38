"""Writes of people: level changes and moving everyone to a newly published framework."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from frameworks.models import Framework, Level

from .models import Employee, LevelHistory


def employee_level_change(
    *, employee: Employee, level: Level, changed_on: datetime.date, changed_by=None, reason=""
) -> LevelHistory | None:
    """Move a person to another level of their framework and record it; a no-op when unchanged."""
    if level.framework_id != employee.framework_id:
        raise ValidationError("That level belongs to another framework than the person's.")
    if level.pk == employee.level_id:
        return None
    with transaction.atomic():
        entry = LevelHistory(
            employee=employee,
            from_level_id=employee.level_id,
            to_level=level,
            changed_on=changed_on,
            changed_by=changed_by,
            reason=reason,
        )
        entry.full_clean()
        entry.save()
        employee.level = level
        employee.level_since = changed_on
        employee.full_clean()
        employee.save(update_fields=["level", "level_since"])
    return entry


def employees_move_to_published_framework(
    sender, *, framework: Framework, previous: Framework | None, level_map: dict, **kwargs
):
    """Re-point everyone on `previous` to the level with the same code in `framework`.

    Runs inside the publishing transaction (frameworks.signals). Refuses, and so
    aborts the publish, when someone sits at a level the new version lacks.
    One query to check and one update per level, however many people.
    """
    if previous is None:
        return
    stranded = (
        Employee.objects.filter(framework=previous)
        .exclude(level_id__in=level_map.keys())
        .select_related("level")
    )
    missing = sorted({e.level.code for e in stranded})
    if missing:
        raise ValidationError(
            f"Cannot publish version {framework.version}: people are at level(s) "
            f"{', '.join(missing)}, which this version does not have. Add the level(s) back "
            "or move those people first."
        )
    for old_level_id, new_level in level_map.items():
        Employee.objects.filter(framework=previous, level_id=old_level_id).update(
            framework=framework, level=new_level
        )
