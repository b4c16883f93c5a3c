"""The keys of an instance's JSON objects, and those a file gives beyond them (ADR 0003, révision du
7 décembre 2026).

`parse_instance` reads the keys it knows and ignored the others without a word: `"blocks_days": 5` left the
volunteer with single days. Other tools may add their own fields, so an unknown key is not refused: it is
reported (`UnknownKey`, one per key name and kind of object), with the known key it resembles. It is refused
only when it is one keystroke (a letter added, missing, replaced, two letters swapped; case aside) from a
known key that its object does not give: then the value written is certainly lost, and the default (or a
« champ obligatoire absent ») takes its place.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from solidarite.web.textes import une_frappe

KNOWN_KEYS: dict[str, frozenset[str]] = {
    "instance": frozenset({"month", "volunteers", "sites", "history", "excluded"}),
    "volunteers": frozenset({"id", "lat", "lon", "max_days", "max_km", "available", "block_days", "region"}),
    "sites": frozenset({"id", "lat", "lon", "priority", "capacity", "needed", "reduced", "region"}),
    "history": frozenset({"volunteer", "site"}),
    "excluded": frozenset({"volunteer", "site", "date"}),
    "reduced": frozenset({"date", "places"}),
}


@dataclass(frozen=True)
class UnknownKey:
    """An unknown `key` of the objects of one `kind`: `first` is where it is first met (« volunteers[3] »),
    `count` in how many objects; `like` the known key it resembles; `refused` when one keystroke from a known
    key its object does not give (`first` is then that object)."""

    kind: str
    key: str
    first: str
    count: int
    like: str | None
    refused: bool

    def message(self) -> str:
        """The warning, in French (the file's name is the caller's to add)."""
        others = f", et {self.count - 1} autre(s)" if self.count > 1 else ""
        like = f" ; vouliez-vous dire {self.like} ?" if self.like else "."
        return f"clé inconnue ignorée : {_shown(self.key)} ({self.first}{others}){like}"

    def refusal(self) -> str:
        """Why the instance is refused, in French."""
        return (
            f"clé inconnue {_shown(self.key)} ({self.first}), à une frappe de {self.like}, absente de cet objet : "
            f"vouliez-vous dire {self.like} ? Sa valeur serait perdue ; corrigez la clé (le champ d'un autre outil "
            "doit différer d'une clé de l'instance par plus d'une frappe)."
        )


def unknown_keys(data: Any) -> list[UnknownKey]:
    """The unknown keys of an instance as `json.loads` gives it, in the order first met; objects of the wrong
    type are skipped (`parse_instance` refuses them)."""
    found: dict[tuple[str, str], UnknownKey] = {}
    for kind, where, item in _objects(data):
        known = KNOWN_KEYS[kind]
        for key in item:
            if key in known:
                continue
            lowered = key.lower() if isinstance(key, str) else ""
            close = [k for k in sorted(known) if k not in item and une_frappe(lowered, k)]
            seen = found.get((kind, key))
            if seen is None:
                like = close[0] if close else _resembling(lowered, known)
                found[(kind, key)] = UnknownKey(kind, key, where, 1, like, bool(close))
            elif close and not seen.refused:  # refused from the first object that lacks the known key
                found[(kind, key)] = UnknownKey(kind, key, where, seen.count + 1, close[0], True)
            else:
                found[(kind, key)] = UnknownKey(
                    kind, key, seen.first, seen.count + 1, seen.like, seen.refused
                )
    return list(found.values())


def _objects(data: Any) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    if not isinstance(data, dict):
        return
    yield "instance", "instance", data
    for kind in ("volunteers", "sites", "history", "excluded"):
        items = data.get(kind)
        for i, item in enumerate(items if isinstance(items, list) else []):
            if isinstance(item, dict):
                yield kind, f"{kind}[{i}]", item
                reduced = item.get("reduced") if kind == "sites" else None
                for k, entry in enumerate(reduced if isinstance(reduced, list) else []):
                    if isinstance(entry, dict):
                        yield "reduced", f"{kind}[{i}].reduced[{k}]", entry


def _resembling(key: str, known: frozenset[str]) -> str | None:
    matches = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.8)
    return matches[0] if matches else None


def _shown(key: str) -> str:
    """The key as written, shortened; quoted when it holds a character that does not print."""
    text = key if key.isprintable() else repr(key)
    return text if len(text) <= 40 else f"{text[:30]}…"
