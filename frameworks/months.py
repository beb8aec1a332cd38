"""Calendar arithmetic for tenure and windows: whole months between dates, and dates N months on."""

import calendar
import datetime
from functools import lru_cache


# Pure and called for every person and rule in the nightly sweep; hire dates repeat.
@lru_cache(maxsize=8192)
def add_months(start: datetime.date, months: int) -> datetime.date:
    """The same day N months later, clamped to the month's last day (31 Jan + 1 = 28/29 Feb).

    Never raises: a date beyond the calendar's ends is its first or last day, so a date
    stored before dates were bounded (a hire date of 9999-12-31) still shows a page.
    """
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    if year > datetime.MAXYEAR:
        return datetime.date.max
    if year < datetime.MINYEAR:
        return datetime.date.min
    day = min(start.day, calendar.monthrange(year, month)[1])
    return datetime.date(year, month, day)


@lru_cache(maxsize=8192)
def full_months_between(start: datetime.date, end: datetime.date) -> int:
    """Whole months from `start` to `end` (0 when end is before start).

    A month is complete on the same day of a later month, so 2024-01-15 to
    2026-01-15 is exactly 24 months and 2026-01-14 is 23.
    """
    if end < start:
        return 0
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if add_months(start, months) > end:
        months -= 1
    return months
