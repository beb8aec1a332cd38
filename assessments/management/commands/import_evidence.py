from assessments.importers import evidence_import

from ._base import ImportCommand


class Command(ImportCommand):
    help = (
        "Create or update evidence from a CSV with the columns email, kind, category, title, "
        "reference, occurred_on, status and optionally outcome (DESIGN.md, Contracts). "
        "All rows or nothing: any bad row is reported and nothing changes."
    )
    importer = staticmethod(evidence_import)
