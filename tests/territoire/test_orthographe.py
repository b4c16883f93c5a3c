"""The spelling core, alone: distances against a plain dynamic programme, sound keys, the slips of a postcode, and
the order of the names proposed, on names whose answer is known (no database)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solidarite.territoire.orthographe import (
    SpellingIndex,
    _matrix,
    alignment_distances,
    postcode_slips,
    sound_key,
)


def _osa(a: str, b: str) -> int:
    """Optimal string alignment distance, the textbook way."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


def _distances(query: str, names: list[str], reach: int = 2) -> tuple[list[int], list[int]]:
    matrix, lengths = _matrix(names)
    whole, start = alignment_distances(query, matrix, lengths, reach)
    return whole.tolist(), start.tolist()


def test_distances_of_the_slips_people_make() -> None:
    names = ["mauriac", "aurillac", "chateauroux", "saint flour", "bourg en bresse"]
    whole, _ = _distances("mauirac", names)
    assert whole[0] == 1  # two neighbouring letters swapped: one edit
    assert _distances("mauriak", names)[0][0] == 1  # one letter replaced
    assert _distances("aurillacc", names)[0][1] == 1  # one letter doubled
    assert _distances("saint flourr", names)[0][3] == 1
    whole, start = _distances("chatauro", names)
    assert whole[2] > 2 and start[2] == 1  # still typing: one edit from the start of Châteauroux
    whole, start = _distances("bourg en bresse", names)
    assert whole[4] == 0 and start[4] == 0


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet="abcs ", min_size=1, max_size=9),
    st.lists(st.text(alphabet="abcs ", min_size=1, max_size=12), min_size=1, max_size=8),
)
def test_distances_are_those_of_the_plain_programme_up_to_their_reach(query: str, names: list[str]) -> None:
    whole, start = _distances(query, names)
    for name, got_whole, got_start in zip(names, whole, start, strict=True):
        expected = _osa(query, name)
        assert min(got_whole, 3) == min(expected, 3), (query, name)
        nearest_start = min(_osa(query, name[:j]) for j in range(len(name) + 1))
        assert min(got_start, 3) == min(nearest_start, 3), (query, name)


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("mauriak", "mauriac"),
        ("moriac", "mauriac"),
        ("aurillacc", "aurillac"),
        ("orillac", "aurillac"),
        ("chatoroux", "chateauroux"),
        ("bordo", "bordeaux"),
        ("lion", "lyon"),
        ("marseile", "marseille"),
        ("bourg en bress", "bourg en bresse"),
    ],
)
def test_names_that_sound_alike_share_a_key(typed: str, name: str) -> None:
    assert sound_key(typed) == sound_key(name)


@pytest.mark.parametrize(("one", "other"), [("mauriac", "mauriat"), ("lyon", "lille"), ("paris", "pau")])
def test_names_that_do_not_sound_alike_do_not(one: str, other: str) -> None:
    assert sound_key(one) != sound_key(other)


def test_the_slips_of_a_postcode() -> None:
    slips = postcode_slips("15020")
    assert slips["15200"] == 0 and slips["15002"] == 0 and slips["51020"] == 0  # swapped
    assert slips["15000"] == 1 and slips["15120"] == 1  # a digit of the last three
    assert slips["25020"] == 2 and slips["16020"] == 2  # a digit of the département
    assert "15020" not in slips and "12345" not in slips
    assert len(slips) == 4 + 5 * 9  # four swaps, 45 changed digits, all different
    assert list(postcode_slips("11000"))[:2] == ["10100", "01000"]  # 1 and 1, 0 and 0: no swap
    assert len(postcode_slips("11000")) == 1 + 45


# A small territory: (name, population); homonyms 0 and 1, a name with later words, a former name.
NAMES = [
    ("mauriac", 3449),
    ("mauriac", 230),
    ("madirac", 307),
    ("sadirac", 4769),
    ("saint flour", 6391),
    ("anglards de saint flour", 412),
    ("floure", 405),
    ("lyon", 519127),
    ("chateauroux", 42963),
    ("chateauroux les alpes", 1234),
]


@pytest.fixture(scope="module")
def index() -> SpellingIndex:
    return SpellingIndex.build(
        [name for name, _ in NAMES] + ["bage la ville"],
        [*range(len(NAMES)), 9],  # the former commune « bage la ville » belongs to owner 9
        [population for _, population in NAMES] + [1234],
    )


def _owners(index: SpellingIndex, typed: str) -> list[int]:
    return [near.owner for near in index.near(typed)]


def test_homonyms_come_together_the_most_populous_first(index: SpellingIndex) -> None:
    assert _owners(index, "mauriak") == [0, 1]  # both sound as it; Madirac and Sadirac are not proposed


def test_one_edit_before_two_then_the_population(index: SpellingIndex) -> None:
    assert _owners(index, "mauirac") == [0, 2, 1]  # Mauriac ×2 and Madirac, one edit; not Sadirac, two


def test_a_later_word_of_a_name_is_found(index: SpellingIndex) -> None:
    assert _owners(index, "flourr") == [6, 4, 5]  # Floure sounds as it; Saint-Flour's « flour » is one edit


def test_the_start_of_a_name_when_no_whole_name_is_near(index: SpellingIndex) -> None:
    near = index.near("chatauro")
    assert [n.owner for n in near] == [8, 9] and not any(n.whole for n in near)


def test_a_former_name_leads_to_its_commune(index: SpellingIndex) -> None:
    near = index.near("bage la vile")
    assert [(n.owner, n.name) for n in near] == [(9, len(NAMES))]


@pytest.mark.parametrize("typed", ["", "m", "ma", "zzzzzz", "qwxz", "15200"])
def test_nothing_for_too_short_nonsense_or_digits(index: SpellingIndex, typed: str) -> None:
    assert index.near(typed) == []


def test_an_empty_index_proposes_nothing() -> None:
    assert SpellingIndex.build([], [], []).near("mauriak") == []
    assert np.asarray(SpellingIndex.build(["lyon"], [0], [1]).same_text).tolist() == [0]


def test_a_query_is_unfinished_while_a_name_goes_on_in_the_same_word() -> None:
    """The patient still typing « Mauriac » has typed « mauri »: what sounds as it (Maury) is no proposal then."""
    names = [
        "mauriac",
        "maury",
        "lion sur mer",
        "montreuil aux lions",
        "saint flour",
        "saintes",
        "marcy saint alexandre",
    ]
    index = SpellingIndex.build(names, list(range(len(names))), [1] * len(names))
    assert index.unfinished("mauri") and index.unfinished("mau") and index.unfinished("saint")  # Saintes
    assert index.unfinished("saint fl") and index.unfinished(
        "alexand"
    )  # a later word, when no name begins so
    assert not index.unfinished("mauriac") and not index.unfinished("maury")  # whole names
    assert not index.unfinished("lion")  # Lion-sur-Mer ends a word there: Lyon may be meant
    assert not index.unfinished("flour") and not index.unfinished("saint alexandre")  # later words, whole
    assert not index.unfinished("zzz")  # no name holds it: a misspelling, or nonsense
    assert index.unfinished("")  # nothing typed yet
    for name in names:  # every start of a name cut inside a word
        for cut in range(1, len(name)):
            if name[cut] != " " and name[cut - 1] != " ":
                assert index.unfinished(name[:cut]), name[:cut]
