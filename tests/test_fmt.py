"""The report's number formats (reports/fmt.py): a ratio keeps the digits that tell it
from its neighbours, and a missing one says so."""

from __future__ import annotations

import pytest

from reports import fmt

TIMES = "\N{MULTIPLICATION SIGN}"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.0042, f"0.0042{TIMES}"),  # Basic's load throughput over none's: never 0.00
        (0.042, f"0.042{TIMES}"),
        (0.5, f"0.50{TIMES}"),
        (1.342, f"1.34{TIMES}"),
        (17.66, f"17.7{TIMES}"),
        (1447.2, f"1,447{TIMES}"),
        (0.0, f"0.00{TIMES}"),
    ],
)
def test_a_ratio_keeps_its_significant_digits(value, text):
    assert fmt.ratio(value) == text


def test_a_missing_ratio_says_not_measured():
    assert fmt.ratio(None) == fmt.NOT_MEASURED
