from assessments.importers import helpdesk_tickets_import

from ._base import ImportCommand


class Command(ImportCommand):
    help = (
        "Turn a Zendesk or Freshdesk ticket export (CSV) into ticket evidence waiting for "
        "review, categorised by the helpdesk tag mappings; tickets with no mapped tag are "
        "skipped. All rows or nothing: any bad row is reported and nothing changes."
    )
    importer = staticmethod(helpdesk_tickets_import)
