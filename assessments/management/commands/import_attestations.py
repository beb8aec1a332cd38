from assessments.history_importers import attestations_import

from ._base import ImportCommand


class Command(ImportCommand):
    help = (
        "Create or update managers' confirmations from a CSV with the columns email, code, "
        "level (the level the confirmation is for), confirmed_on and manager_email (DESIGN.md, "
        "More importers). All rows or nothing: any bad row is reported and nothing changes."
    )
    importer = staticmethod(attestations_import)
