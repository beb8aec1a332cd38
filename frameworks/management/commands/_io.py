import sys

from django.core.management.base import CommandError


def read_text(path: str) -> str:
    """Read a UTF-8 file, or standard input for "-", with a clear error on failure."""
    data = b""
    try:
        if path == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(path, "rb") as handle:
                data = handle.read()
        return data.decode("utf-8")
    except FileNotFoundError:
        raise CommandError(f"{path}: no such file.") from None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CommandError(
            f"{path}: line {line}: not UTF-8 text ({exc.reason} at byte {exc.start})."
        ) from None
    except OSError as exc:
        raise CommandError(f"{path}: cannot read ({exc.strerror}).") from None
