from assessments.importers import tag_mappings_import

from ._base import ImportCommand


class Command(ImportCommand):
    help = (
        "Create or update helpdesk tag mappings from a CSV with the columns tag and category "
        "(a tag matches ignoring case, as the export writes it). "
        "All rows or nothing: any bad row is reported and nothing changes."
    )
    importer = staticmethod(tag_mappings_import)
