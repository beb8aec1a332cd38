from assessments.importers import metrics_import

from ._base import ImportCommand


class Command(ImportCommand):
    help = (
        "Create or update monthly metrics from a CSV with the columns email, metric, period "
        "(YYYY-MM) and value (DESIGN.md, Contracts). "
        "All rows or nothing: any bad row is reported and nothing changes."
    )
    importer = staticmethod(metrics_import)
