from ._base import ImportCommand


class Command(ImportCommand):
    kind = "metrics"
