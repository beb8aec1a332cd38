"""Untrusted input: ids from query strings, dates within bounds, control characters, and
CSV cells that a spreadsheet must not run."""

import csv
import datetime
import decimal
import re

from django import forms
from django.core.exceptions import ValidationError

# The largest id any supported database stores (PostgreSQL bigint, SQLite integer).
MAX_ID = 2**63 - 1


def parse_id(value) -> int | None:
    """A positive database id from a query-string value, or None when it cannot be one.

    `str.isdigit()` accepts "²" and unbounded numbers overflow SQLite, so both are refused.
    """
    if not isinstance(value, str) or not value.isascii() or not value.isdecimal():
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


class SafeModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Refuses ids no database can hold, with the field's usual message instead of a 500."""

    def _check_values(self, value):
        for item in value:
            if parse_id(str(item)) is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": item},
                )
        return super()._check_values(value)


# Dates -----------------------------------------------------------------------------------

# Every date a person or a file gives us lies in these bounds: wide enough for any hire date,
# exam or month of a working life, narrow enough that month arithmetic and time zones never
# leave the calendar (Python's dates end at 9999-12-31; PostgreSQL's do not).
MIN_DATE = datetime.date(1900, 1, 1)
MAX_DATE = datetime.date(2100, 12, 31)


def date_bounds_problem(value) -> str | None:
    """Why `value` is not a date we accept, or None."""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date) and not MIN_DATE <= value <= MAX_DATE:
        return f"{value.isoformat()} is not between {MIN_DATE} and {MAX_DATE}"
    return None


def validate_date_bounds(value) -> None:
    """Model and form validator: dates between MIN_DATE and MAX_DATE."""
    if problem := date_bounds_problem(value):
        raise ValidationError(f"{problem[0].upper()}{problem[1:]}.", code="date_bounds")


class BoundedDateField(forms.DateField):
    """A date between MIN_DATE and MAX_DATE; the browser's date picker is told so too."""

    default_validators = [validate_date_bounds]

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if isinstance(widget, forms.DateInput):
            attrs.setdefault("min", MIN_DATE.isoformat())
            attrs.setdefault("max", MAX_DATE.isoformat())
        return attrs


# Control characters ----------------------------------------------------------------------

# C0 control characters and DEL, except tab, line feed and carriage return, which ordinary
# text (a textarea, a CSV cell) may hold. PostgreSQL refuses NUL in text outright; the rest
# are never typed by a person and only hide text from whoever reads it next.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def control_problem(value: str) -> str | None:
    """Why `value` holds a character we refuse (named, e.g. NUL), or None."""
    if match := CONTROL_RE.search(value):
        code = ord(match[0])
        name = "NUL" if code == 0 else f"U+{code:04X}"
        return f"contains a control character ({name})"
    return None


# CSV exports ------------------------------------------------------------------------------

# A spreadsheet runs a cell that starts with one of these as a formula (OWASP, CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER_RE = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def csv_cell(value):
    """A cell that a spreadsheet shows as text and never runs.

    Numbers stay numbers (-3 and "-3.5" are read back as numbers, which run nothing); any
    other text that starts with a formula character gets a leading apostrophe, which
    Excel, LibreOffice and Google Sheets all hide and treat as "this is text".
    """
    if value is None or isinstance(value, bool | int | float | decimal.Decimal):
        return value
    text = str(value)
    if text.startswith(FORMULA_START) and not NUMBER_RE.fullmatch(text):
        return "'" + text
    return text


def csv_writer(stream):
    """A csv.writer on `stream` that writes a UTF-8 BOM first (so Excel reads UTF-8) and
    neutralises formula cells in every row."""
    stream.write("\ufeff")
    return _SafeWriter(csv.writer(stream))


class _SafeWriter:
    def __init__(self, writer):
        self._writer = writer

    def writerow(self, row):
        return self._writer.writerow([csv_cell(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)
