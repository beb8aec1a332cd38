import datetime

import pytest

from frameworks.months import add_months, full_months_between

D = datetime.date


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (D(2024, 1, 15), D(2026, 1, 15), 24),  # exactly two years
        (D(2024, 1, 15), D(2026, 1, 14), 23),  # a day before
        (D(2024, 1, 31), D(2024, 2, 29), 1),  # month end clamps to the shorter month
        (D(2024, 1, 31), D(2024, 2, 28), 0),
        (D(2026, 5, 1), D(2026, 4, 1), 0),  # not yet started
        (D(2025, 11, 23), D(2026, 11, 23), 12),
    ],
)
def test_full_months_between(start, end, months):
    assert full_months_between(start, end) == months


@pytest.mark.parametrize(
    ("start", "months", "result"),
    [
        (D(2024, 1, 15), 24, D(2026, 1, 15)),
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2023, 1, 31), 1, D(2023, 2, 28)),
        (D(2026, 3, 10), -3, D(2025, 12, 10)),
    ],
)
def test_add_months(start, months, result):
    assert add_months(start, months) == result


@pytest.mark.parametrize("months", [0, 1, 11, 12, 24, 36, 61])
def test_add_months_and_full_months_agree(months):
    start = D(2023, 8, 31)
    assert full_months_between(start, add_months(start, months)) == months
