"""The names nearest to a misspelled one (« mauriak » → Mauriac, « Aurillacc » → Aurillac, « Mauirac » → Mauriac,
« chatoroux » → Châteauroux, « lion » → Lyon), and the postcodes one slip of a finger away from a wrong one.

Pure and typed: no Django, no database. The names come in normalised by `territoire.models.normalise_nom` (lower
case, no accents, hyphens and apostrophes as spaces, « st » spelled « saint »), which the caller applies to the
query too; this module adds only a key of French sounds (`sound_keys`), to compare names, never shown.

A `SpellingIndex` is built once from every name (35,000 communes and 2,600 former ones), then answers a
keystroke without a loop over the names in Python (time and memory: bench/orthographe.py):

1. candidates: the few hundred entries that share the most trigrams with the query, each trigram counted for how
   rare it is, by numpy over an inverted index; and the names that sound exactly as the query (a dictionary);
2. distances: the optimal string alignment distance (Levenshtein, where two neighbouring letters swapped are one
   edit) of the query to each candidate, to the whole of it and to its nearest start (the patient is still
   typing), for all candidates at once by numpy, one row of the dynamic programme per letter of the query;
3. order (`SpellingIndex.near`): a name that sounds as the query counts as distance 0; then the distance as
   written, a whole name before a later word of one before a start, the larger population, the name.

Each name is also entered from each of its later words (« flour » of « Saint-Flour »), as the search by name finds
a word of a name; small words (« de », « la », « sur »…) start no entry."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

IntArray = NDArray[np.int64]
ByteArray = NDArray[np.uint8]

# How far a query may be from a name, by its number of letters: nothing under 3 (« ma » begins 900 names; it is
# no misspelling), one edit up to 5 letters, two beyond; from the start of a longer name (the patient is still
# typing), none up to 4 letters (an exact start is what the search by name finds), one up to 8, two beyond.
MIN_LETTERS = 3
SHORT = 4  # up to this many letters, a query is compared to whole names only (« abc » is no later word)
# The entries whose distance is computed, those that share the most trigrams with the query: with 300, the name
# meant was among the first 5 for 95 % of two swapped letters, with 600 for 98 % (bench/orthographe.py).
CANDIDATES = 600
SMALL_WORDS = frozenset(
    {"a", "au", "aux", "d", "de", "des", "du", "en", "es", "et", "l", "la", "le", "les", "lez"}
)
SMALL_WORDS |= {"sous", "sur"}  # a later word of a name that starts no entry of its own


def max_edits(letters: int) -> int:
    return 0 if letters < MIN_LETTERS else 1 if letters <= 5 else 2


def max_start_edits(letters: int) -> int:
    return 0 if letters <= SHORT else 1 if letters <= 8 else 2


def letters(norm: str) -> int:
    return sum(ch.isalpha() for ch in norm)


# French spellings of one sound, to one letter, replaced in this order in each word (« sch » before « ch » before
# « c »). Upper case marks a sound of its own: S for « ch », G for a hard « g » before e, i or y.
_SOUNDS = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"sch|ch|sh", "S"),
        (r"ph", "f"),
        (r"gu(?=[eiy])", "G"),
        (r"ge(?=[aou])", "j"),
        (r"g(?=[eiy])", "j"),
        (r"qu|ck|q", "k"),
        (r"c(?=[eiy])", "s"),
        (r"c", "k"),
        (r"eau|au", "o"),
        (r"ai|ei", "e"),
        (r"y", "i"),
        (r"w", "v"),
        (r"z", "s"),
        (r"h", ""),
        (r"e[nm](?![aeiounm])|am(?![aeioum])", "an"),  # nasal « en », « em », « am » as « an »
        (
            r"(?<=[^\n])[dgpstx](?=\n)|(?<=[^aeiou\n])e(?=\n)",
            "",
        ),  # silent at the end: « Châteauroux », « Bresse »
        (r"([a-zS])\1+", r"\1"),  # double letters: « Aurillac », « Bresse » (and « bress »)
        (r"G", "g"),
    )
)


def sound_keys(names: Sequence[str]) -> list[str]:
    """How normalised names sound in French, roughly: « mauriak » and « mauriac » give « moriak », « chatoroux »
    and « chateauroux » « Satorou », « lion » and « lyon » « lion ». All the names at once: each rule is one pass
    of the regular expression engine over their distinct words, one a line (0.07 s for every commune of France,
    where a call a word took 0.5 s)."""
    words = sorted({word for name in names for word in name.split()})
    text = "\n".join(words) + "\n"
    for pattern, replacement in _SOUNDS:
        text = pattern.sub(replacement, text)
    sounds = dict(zip(words, text.split("\n"), strict=False))
    return [" ".join(sounds[word] for word in name.split()) for name in names]


def sound_key(norm: str) -> str:
    return sound_keys([norm])[0]


def postcode_slips(code: str) -> dict[str, int]:
    """The codes one slip of a finger away from a 5-digit code, each with how likely a slip it is (0 the most):
    0, two neighbouring digits swapped (« 15020 » for 15200: the right digits); 1, a digit of the last three
    changed; 2, a digit of the département's two changed (people know the number of theirs). Whether they
    exist is for the caller to say."""
    slips: dict[str, int] = {}
    for i in range(len(code) - 1):
        if code[i] != code[i + 1]:
            slips.setdefault(code[:i] + code[i + 1] + code[i] + code[i + 2 :], 0)
    for i in range(len(code)):
        for digit in "0123456789":
            if digit != code[i]:
                slips.setdefault(code[:i] + digit + code[i + 1 :], 1 if i >= 2 else 2)
    return slips


def _matrix(texts: Sequence[str]) -> tuple[ByteArray, IntArray]:
    """The texts as rows of bytes (ASCII once normalised; 0 after the end), and their lengths."""
    width = max((len(t) for t in texts), default=0) + 1
    joined = "".join(t.ljust(width, "\0") for t in texts).encode("ascii", "replace")
    matrix = np.frombuffer(joined, dtype=np.uint8).reshape(len(texts), width)
    return matrix, np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))


def _gram_codes(matrix: ByteArray) -> NDArray[np.int32]:
    """The trigrams of each row of bytes, two spaces before its start, as integers (0 past its end)."""
    padded = np.zeros((matrix.shape[0], matrix.shape[1] + 2), dtype=np.int32)
    padded[:, :2] = ord(" ")
    padded[:, 2:] = matrix
    codes = (padded[:, :-2] << 16) | (padded[:, 1:-1] << 8) | padded[:, 2:]
    codes[padded[:, 2:] == 0] = 0  # a trigram that ends past the text
    return codes


@dataclass(frozen=True)
class _Grams:
    """An inverted index: the trigram codes of every entry, sorted, beside the entry (row) of each."""

    codes: NDArray[np.int32]
    rows: NDArray[np.int32]

    @classmethod
    def build(cls, matrix: ByteArray) -> _Grams:
        codes = _gram_codes(matrix)
        rows = np.broadcast_to(np.arange(matrix.shape[0], dtype=np.int32)[:, None], codes.shape)
        kept = codes != 0
        codes, rows = codes[kept], rows[kept]
        order = np.argsort(codes, kind="stable")
        return cls(codes[order], rows[order])

    def shared(self, text: str, size: int) -> NDArray[np.float64]:
        """For each entry, the trigrams of the text it holds, each counted for how rare it is: log(size / the
        entries that hold it). « sai » and « int » are in 8,000 entries; the « rna » of « traorn » in 150."""
        query = _gram_codes(_matrix([text])[0])[0]
        query = np.unique(query[query != 0])
        lows = np.searchsorted(self.codes, query, side="left")
        highs = np.searchsorted(self.codes, query, side="right")
        held = highs > lows
        if not held.any():
            return np.zeros(size, dtype=np.float64)
        lows, highs = lows[held], highs[held]
        rows = np.concatenate([self.rows[a:b] for a, b in zip(lows, highs, strict=True)])
        rarity = np.repeat(np.log(size / (highs - lows)), highs - lows)
        return np.bincount(rows, weights=rarity, minlength=size).astype(np.float64, copy=False)


def _begins(texts: tuple[str, ...], norm: str, going_on: bool = False) -> bool:
    """Whether a text of the sorted `texts` begins with `norm`; with `going_on`, and goes on in the same word
    (a letter or a digit after it: the texts are normalised, so all but a space sorts after « ! »)."""
    low = bisect_left(texts, norm + "!" if going_on else norm)
    return low < len(texts) and texts[low].startswith(norm)


def alignment_distances(
    query: str, names: ByteArray, lengths: IntArray, reach: int = 2
) -> tuple[IntArray, IntArray]:
    """The optimal string alignment distance of `query` to each name (rows of bytes, 0 after the end), and to
    the nearest start of each name, both as arrays; exact up to `reach` (beyond, only known to be more).

    The dynamic programme runs one row per letter of the query, for every name at once, on the first
    `len(query) + reach` letters of the names (a name longer than that is more than `reach` from the query,
    though its start may not be); the insertions of a row, which depend on each other along it, are a running
    minimum: d[j] = min over k ≤ j of (t[k] + j − k)."""
    q = np.frombuffer(query.encode("ascii", "replace"), dtype=np.uint8)
    m, count = len(q), names.shape[0]
    width = min(names.shape[1], m + reach + 1)
    cols = np.ascontiguousarray(
        names[:, :width].T
    )  # (width, count): row j − 1 holds the j-th letter of each name
    steps = np.arange(width + 1, dtype=np.int16)[:, None]
    before = np.repeat(steps, count, axis=1)  # row i − 1 of the programme, a column per name
    earlier = before  # row i − 2
    for i in range(1, m + 1):
        row = np.empty_like(before)
        row[0] = i
        np.add(before[1:], 1, out=row[1:])  # the query's letter left out
        np.minimum(row[1:], before[:-1] + (cols != q[i - 1]), out=row[1:])  # kept, or replaced
        if i > 1:  # two neighbouring letters swapped
            swapped = (cols[1:] == q[i - 2]) & (cols[:-1] == q[i - 1])
            np.minimum(row[2:], np.where(swapped, earlier[:-2] + 1, row[2:]), out=row[2:])
        row -= steps
        np.minimum.accumulate(row, axis=0, out=row)  # letters of the name put in
        row += steps
        earlier, before = before, row
    within = np.minimum(lengths, width)
    whole = np.where(lengths <= width, before[within, np.arange(count)], m + width).astype(np.int64)
    start = (
        np.where(steps > within, m + width, before).min(axis=0).astype(np.int64)
    )  # past a name's end: none
    return whole, start


@dataclass(frozen=True)
class Near:
    """A name near the query: `name` is its place in the names given to `SpellingIndex.build`."""

    name: int
    owner: int
    distance: int  # 0: sounds as the query; else the edits as written
    whole: bool  # the whole name (or a later word of it) is near the query; else only its start


@dataclass(frozen=True)
class SpellingIndex:
    texts: tuple[str, ...]  # every entry: each name, and each name from each of its later words
    same_text: IntArray  # entry → a number shared by the entries of the same text (homonyms: 5 Saint-Martin)
    owners: IntArray  # entry → what the name designates (the caller's number)
    names: IntArray  # entry → the name it comes from (its place in the names given)
    later_word: NDArray[np.bool_]  # the entry starts at a later word of its name
    weights: IntArray  # entry → its owner's weight (the population): the larger first
    grams: _Grams
    matrix: ByteArray
    lengths: IntArray
    by_sound: dict[str, list[int]]  # sound key → the entries of whole names that sound so
    starts: tuple[str, ...]  # the texts of the entries of whole names, sorted (`unfinished`)
    later_words: tuple[str, ...]  # the texts of the entries from a later word, sorted

    @classmethod
    def build(cls, names: Sequence[str], owners: Sequence[int], weights: Sequence[int]) -> SpellingIndex:
        """`names` normalised; `owners[i]` is what names[i] designates, `weights[i]` its population (or 0)."""
        texts: list[str] = []
        entry_owner: list[int] = []
        entry_name: list[int] = []
        entry_later: list[bool] = []
        entry_weight: list[int] = []
        for number, (name, owner, weight) in enumerate(zip(names, owners, weights, strict=True)):
            words = name.split()
            for first, word in enumerate(words):
                if first and (word in SMALL_WORDS or len(word) < MIN_LETTERS):
                    continue
                texts.append(" ".join(words[first:]))
                entry_owner.append(owner)
                entry_name.append(number)
                entry_later.append(first > 0)
                entry_weight.append(weight)
        by_sound: dict[str, list[int]] = {}
        for row, sound in enumerate(sound_keys(texts)):
            if not entry_later[
                row
            ]:  # whole names only: « marseile » sounds as Marseille, not as Saint-Marcel
                by_sound.setdefault(sound, []).append(row)
        matrix, lengths = _matrix(texts)
        return cls(
            tuple(texts),
            np.unique(np.asarray(texts), return_inverse=True)[1].astype(np.int64),
            np.asarray(entry_owner, dtype=np.int64),
            np.asarray(entry_name, dtype=np.int64),
            np.asarray(entry_later, dtype=np.bool_),
            np.asarray(entry_weight, dtype=np.int64),
            _Grams.build(matrix),
            matrix,
            lengths,
            by_sound,
            tuple(sorted({t for t, later in zip(texts, entry_later, strict=True) if not later})),
            tuple(sorted({t for t, later in zip(texts, entry_later, strict=True) if later})),
        )

    def unfinished(self, norm: str) -> bool:
        """Whether a normalised query may be a name still being typed: a name begins with it and goes on in the
        same word (« mauri » of Mauriac, « saint » of Saintes, « san » of Sannois), or, when no name begins
        with it, a later word of a name does (« alexand » of Saint-Alexandre). Not when every name that begins
        with it ends a word there (« lion » of Lion-sur-Mer: the patient may have meant Lyon), nor when no name
        holds it at the start of a word."""
        for texts in (self.starts, self.later_words):
            if _begins(texts, norm):
                return _begins(texts, norm, going_on=True)
        return False

    def sounding_as(self, norm: str) -> list[int]:
        """The entries of the whole names that sound exactly as the query (none if it has under 3 letters)."""
        sound = sound_key(norm)
        return self.by_sound.get(sound, []) if letters(sound) >= MIN_LETTERS else []

    def near(self, norm: str, limit: int = 6) -> list[Near]:
        """The names nearest to a normalised query, one per owner, at most `limit`, in the order of the module's
        docstring; the surest only: when a name sounds as the query or is one edit from it (« mauirac »: Mauriac,
        Madirac), not those two edits away (Sadirac) nor the longer names it may be the start of."""
        count = letters(norm)
        edits, start_edits = max_edits(count), max_start_edits(count)
        size = len(self.texts)
        if edits == 0 or size == 0:
            return []
        score = self.grams.shared(norm, size)
        score[self.lengths < len(norm) - edits] = 0  # too short to be the query, or to start with it
        if count <= SHORT:
            score[self.later_word] = 0
        rows = np.flatnonzero(score)
        if len(rows) > CANDIDATES:  # the best, with their homonyms (of one score, they may fall either side)
            rows = rows[np.argpartition(score[rows], -CANDIDATES)[-CANDIDATES:]]
            rows = np.flatnonzero(np.isin(self.same_text, self.same_text[rows]))
        same_sound = self.sounding_as(norm)
        rows = np.concatenate(
            [rows, np.asarray(same_sound, dtype=np.int64)]
        )  # an owner twice is kept once, below
        whole, start = alignment_distances(norm, self.matrix[rows], self.lengths[rows], edits)
        far = edits + 1
        whole = np.where(whole <= edits, whole, far)
        start = np.where(start <= start_edits, start, far)
        spelled = np.minimum(whole, start)
        is_whole = whole <= start
        distance = spelled.copy()
        sounding = slice(len(rows) - len(same_sound), len(rows))
        distance[sounding], is_whole[sounding] = 0, True
        keep = distance <= edits
        if not keep.any():
            return []
        # How sure: 0, the very name (typed beside a code it does not have); 1, a whole name that sounds as the
        # query or is one edit from it; 2, two edits, or the start of a name. Only the surest are proposed.
        sure = np.where(spelled == 0, 0, np.where((distance == 0) | ((spelled == 1) & is_whole), 1, 2))
        keep &= sure == sure[keep].min()
        rows, distance, spelled, is_whole = rows[keep], distance[keep], spelled[keep], is_whole[keep]
        kind = np.where(is_whole, self.later_word[rows].astype(np.int64), 2)  # whole name, later word, start
        order = np.lexsort((self.names[rows], -self.weights[rows], kind, spelled, distance))
        found: list[Near] = []
        seen: set[int] = set()
        for k in order:
            row = int(rows[k])
            owner = int(self.owners[row])
            if owner not in seen:
                seen.add(owner)
                found.append(Near(int(self.names[row]), owner, int(distance[k]), bool(is_whole[k])))
                if len(found) == limit:
                    break
        return found
