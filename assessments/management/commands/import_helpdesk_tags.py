from ._base import ImportCommand


class Command(ImportCommand):
    kind = "helpdesk-tags"
