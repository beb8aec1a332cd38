from assessments.history_importers import level_history_import

from ._base import ImportCommand


class Command(ImportCommand):
    help = (
        "Record past level changes from a CSV with the columns email, from_level (empty: the "
        "level they started at), to_level and changed_on; nobody's current level or level "
        "since changes. All rows or nothing: any bad row is reported and nothing changes."
    )
    importer = staticmethod(level_history_import)
