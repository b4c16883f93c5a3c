"""What a commune search proposes when what was typed names no commune: the communes whose name is nearest in
spelling or in sound (« mauriak » → Mauriac, Cantal and Gironde), the postcodes one slip of a finger away
(« 15020 » → 15200), « Vouliez-vous dire… ».

The names are read from the database once, into a spelling index (`orthographe.SpellingIndex`) with the postcodes
of every commune, kept `SOLIDARITE_ORTHOGRAPHE_TTL_S` seconds by the process (600 by default: the territory
changes once a year, by `load_territoire`, which forgets it in its own process). A search asks nothing more of the
database for them than its suggested communes, in one query; the build (three queries; its time and memory are
measured by bench/orthographe.py) is paid by one search in ten minutes, by one thread while the others keep to
the index they had (decision 0029)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from django.conf import settings

from solidarite.territoire.models import CodePostal, Commune, CommuneDeleguee
from solidarite.territoire.orthographe import SpellingIndex, postcode_slips

SUGGESTIONS = 6  # communes proposed at most
POSTCODE_SUGGESTIONS = 5


@dataclass(frozen=True)
class Suggestion:
    """A commune proposed for a misspelled name, with what tells it from its homonyms."""

    commune: Commune
    postcodes: tuple[str, ...]
    via: str = ""  # « commune déléguée Bâgé-la-Ville », when found by that name

    @property
    def postcode(self) -> str:
        """The commune's postcode, the first one and « … » when it has several (Marseille, 13001…)."""
        if not self.postcodes:
            return ""
        return self.postcodes[0] + ("…" if len(self.postcodes) > 1 else "")


@dataclass(frozen=True)
class PostcodeSuggestion:
    code: str
    communes: int
    largest: str  # the name of its most populous commune
    population: int  # of all its communes

    @property
    def others(self) -> int:
        return self.communes - 1


@dataclass(frozen=True)
class _Territory:
    """The commune names of the territory, as one process read them."""

    read_at: float = -float("inf")
    index: SpellingIndex | None = None
    pks: tuple[int, ...] = ()  # owner (the index's number for a commune) → primary key
    departements: tuple[str, ...] = ()  # owner → code of its département
    postcodes: tuple[tuple[str, ...], ...] = ()  # owner → its postcodes, sorted
    # a former commune's name (its number in the index) → how it is said: « commune déléguée Bâgé-la-Ville »
    former: dict[int, str] = field(default_factory=dict)
    by_postcode: dict[str, PostcodeSuggestion] = field(default_factory=dict)


_territory = _Territory()
_building = threading.Lock()


def _read() -> _Territory:
    rows = list(
        Commune.objects.order_by("pk").values_list(
            "pk", "nom", "nom_normalise", "population", "departement__code"
        )
    )
    owner = {row[0]: number for number, row in enumerate(rows)}
    names = [row[2] for row in rows]
    owners = list(range(len(rows)))
    weights = [row[3] or 0 for row in rows]
    former: dict[int, str] = {}
    labels = dict(CommuneDeleguee.Type.choices)
    deleguees = CommuneDeleguee.objects.order_by("pk").values_list(
        "commune_id", "nom", "nom_normalise", "type"
    )
    for commune_id, nom, nom_normalise, kind in deleguees:
        if commune_id not in owner:  # its commune came after the communes were read (load_territoire)
            continue
        former[len(names)] = f"{labels[kind].lower()} {nom}"
        names.append(nom_normalise)
        owners.append(owner[commune_id])
        weights.append(weights[owner[commune_id]])
    postcodes: list[list[str]] = [[] for _ in rows]
    by_code: dict[str, list[int]] = {}
    for code, commune_id in CodePostal.objects.order_by("code").values_list("code", "commune_id"):
        if commune_id not in owner:
            continue
        postcodes[owner[commune_id]].append(code)
        by_code.setdefault(code, []).append(owner[commune_id])
    by_postcode = {}
    for code, numbers in by_code.items():
        largest = min(numbers, key=lambda n: (-weights[n], rows[n][1]))
        population = sum(weights[n] for n in numbers)
        by_postcode[code] = PostcodeSuggestion(code, len(numbers), rows[largest][1], population)
    return _Territory(
        time.monotonic(),
        SpellingIndex.build(names, owners, weights),
        tuple(row[0] for row in rows),
        tuple(row[4] for row in rows),
        tuple(tuple(codes) for codes in postcodes),
        former,
        by_postcode,
    )


def _kept() -> _Territory:
    """The names of the territory, read again once they are older than the setting says; by one thread, while
    the others keep to the names they had (none had any: they wait for them)."""
    global _territory
    ttl = float(settings.SOLIDARITE_ORTHOGRAPHE_TTL_S)
    kept = _territory
    if kept.index is not None and time.monotonic() - kept.read_at < ttl:
        return kept
    if not _building.acquire(blocking=kept.index is None):
        return kept
    try:
        if _territory is not kept and _territory.index is not None and ttl > 0:
            return _territory  # read by another thread while this one waited
        fresh = _read()
        if fresh.pks:  # a territory not loaded yet is not kept: it is asked again
            _territory = fresh
        return fresh
    finally:
        _building.release()


def forget(**kwargs: object) -> None:
    """The territory was loaded again in this process: its names are read again at the next search."""
    global _territory
    _territory = _Territory()


def _fits(territory: _Territory, owner: int, code: str) -> bool:
    """The commune has this postcode (5 digits) or is in this département (2 or 3 characters)."""
    if len(code) == 5:
        return code in territory.postcodes[owner]
    return territory.departements[owner] == code


def suggest_communes(norm: str, code: str = "", listed: frozenset[int] = frozenset()) -> list[Suggestion]:
    """The communes whose name is nearest to a normalised one that names none; those of the postcode or the
    département typed beside it first. One query, for the communes proposed (none when none is)."""
    territory = _kept()
    if territory.index is None:
        return []
    near = territory.index.near(norm, limit=SUGGESTIONS * 3 if code else SUGGESTIONS)
    if code:
        near = sorted(near, key=lambda n: not _fits(territory, n.owner, code))
    return _suggestions(territory, [(n.owner, n.name) for n in near], listed)


def sounding_as(norm: str, listed: frozenset[int]) -> list[Suggestion]:
    """The communes whose whole name sounds exactly as the query, spelled otherwise (« lion » → Lyon), beyond the
    communes already listed (pks): the most populous first. None, and no query, while what was typed may be a
    name still being typed (`SpellingIndex.unfinished`: « mauri » begins Mauriac; Maury would be noise)."""
    territory = _kept()
    if territory.index is None or territory.index.unfinished(norm):
        return []
    index = territory.index
    entries = sorted(index.sounding_as(norm), key=lambda e: (-int(index.weights[e]), index.texts[e]))
    return _suggestions(territory, [(int(index.owners[e]), int(index.names[e])) for e in entries], listed)


def _suggestions(
    territory: _Territory, found: list[tuple[int, int]], listed: frozenset[int]
) -> list[Suggestion]:
    chosen: dict[int, int] = {}  # owner → the name it was found by, in order
    for owner, name in found:
        if territory.pks[owner] not in listed and len(chosen) < SUGGESTIONS:
            chosen.setdefault(owner, name)
    if not chosen:
        return []
    communes = Commune.objects.select_related("departement__region", "epci").in_bulk(
        [territory.pks[owner] for owner in chosen]
    )
    return [
        Suggestion(communes[pk], territory.postcodes[owner], territory.former.get(name, ""))
        for owner, name in chosen.items()
        if (pk := territory.pks[owner]) in communes  # gone since the names were read: not proposed
    ]


def suggest_postcodes(code: str) -> list[PostcodeSuggestion]:
    """The postcodes one slip of a finger away from a 5-digit code that is none: the likeliest slip first
    (`orthographe.postcode_slips`: « 15020 » → 15200 before 15000), then the most populous."""
    territory = _kept()
    slips = postcode_slips(code)
    found = [territory.by_postcode[c] for c in slips if c in territory.by_postcode]
    found.sort(key=lambda p: (slips[p.code], -p.population, p.code))
    return found[:POSTCODE_SUGGESTIONS]
