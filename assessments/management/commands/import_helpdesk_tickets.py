from assessments.importers import helpdesk_tickets_import

from ._base import ImportCommand


class Command(ImportCommand):
    help = (
        "Turn a helpdesk export into ticket evidence waiting for review: a Zendesk CSV or "
        "JSON export, a Freshdesk CSV export (as the vendor writes it, detected from the "
        "file) or our own CSV (id, subject, tags, solved at, assignee email). Tickets that "
        "cannot count (not solved or closed, unassigned, unknown agent, no mapped tag) are "
        "skipped and counted; a malformed row fails the whole file and nothing changes."
    )
    importer = staticmethod(helpdesk_tickets_import)
