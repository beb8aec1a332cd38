from assessments.importers import people_import

from ._base import ImportCommand


class Command(ImportCommand):
    help = (
        "Create or update people from a CSV with the columns email, name, manager_email, "
        "framework, level, hire_date and optionally level_since (DESIGN.md, Contracts). "
        "All rows or nothing: any bad row is reported and nothing changes."
    )
    importer = staticmethod(people_import)
