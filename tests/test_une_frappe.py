"""`web.textes.une_frappe`, shared by the INS's near-identities (continuite.ins) and the planning instance's typed
keys (planning.optimizer.keys): against the optimal string alignment distance computed in full."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from solidarite.web.textes import une_frappe

pytestmark = pytest.mark.sans_base


def _distance(a: str, b: str) -> int:
    """Optimal string alignment (Damerau with adjacent swaps), by the full table."""
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("block_days", "blocks_days", True),  # a letter added
        ("block_days", "block_day", True),  # missing
        ("block_days", "black_days", True),  # replaced
        ("block_days", "bolck_days", True),  # two neighbours swapped
        ("block_days", "blcok_dyas", False),  # two swaps
        ("MARTIN", "MARTIN", True),
        ("MARTIN", "MRATIN", True),
        ("MARTIN", "MARTINEZ", False),
        ("", "a", True),
        ("ab", "ba", True),
        ("abc", "cba", False),
    ],
)
def test_one_keystroke(a: str, b: str, expected: bool) -> None:
    assert une_frappe(a, b) is expected
    assert une_frappe(b, a) is expected


@given(st.text(alphabet="abc_", max_size=7), st.text(alphabet="abc_", max_size=7))
def test_one_keystroke_is_a_distance_of_at_most_one(a: str, b: str) -> None:
    assert une_frappe(a, b) is (_distance(a, b) <= 1)
