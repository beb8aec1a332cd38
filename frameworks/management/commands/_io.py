import sys

from django.core.management.base import CommandError


def read_text(path: str) -> str:
    """Read a UTF-8 file, or standard input for "-", with a clear error on failure."""
    try:
        if path == "-":
            return sys.stdin.buffer.read().decode("utf-8")
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        raise CommandError(f"{path}: no such file.") from None
    except UnicodeDecodeError as exc:
        raise CommandError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}).") from None
    except OSError as exc:
        raise CommandError(f"{path}: cannot read ({exc.strerror}).") from None
