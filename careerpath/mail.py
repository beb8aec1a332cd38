import sys

from django.core.mail.backends.console import EmailBackend as ConsoleBackend


class StderrEmailBackend(ConsoleBackend):
    """The embedded mode's e-mail: printed to standard error, so command output stays clean
    (`run_periodic_checks --json` prints only its JSON on standard output)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("stream", sys.stderr)
        super().__init__(*args, **kwargs)
