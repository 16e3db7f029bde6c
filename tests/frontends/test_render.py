"""Text rendering helpers: one size convention shared with the widgets."""

from __future__ import annotations

import pytest

from ipyartifacts.frontends.render import format_size

#: The same table as SIZE_CASES in js/test/format.test.ts (formatBytes): text and widgets agree.
SIZE_CASES = [
    (0, "0 B"),
    (999, "999 B"),
    (1000, "1.0 kB"),
    (1250, "1.3 kB"),
    (1536, "1.5 kB"),
    (9_949, "9.9 kB"),
    (9_960, "10 kB"),
    (999_499, "999 kB"),
    (999_999, "1.0 MB"),
    (25_000_000, "25 MB"),
    (5 * 1024**3, "5.4 GB"),
    (-2_500_000, "-2.5 MB"),
    (3 * 10**18, "3000 PB"),
]


@pytest.mark.parametrize(("size", "text"), SIZE_CASES)
def test_format_size_uses_decimal_units_like_the_widgets(size: int, text: str) -> None:
    assert format_size(size) == text


def test_format_size_of_nothing_is_a_dash() -> None:
    assert format_size(None) == "-"
