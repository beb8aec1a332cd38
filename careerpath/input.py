"""Parsing of untrusted input that Django's forms do not cover (query strings, ids)."""

from django import forms

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
