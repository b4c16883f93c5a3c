"""Commune search by name (accents, case and "St" ignored), postcode or INSEE code."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.db.models import Q

from solidarite.territoire.models import Commune, CommuneDeleguee, normalise_nom

MIN_LENGTH = 2
MAX_LENGTH = 80
LIMIT = 20
RE_POSTCODE_PREFIX = re.compile(r"^\d{2,5}$")
RE_SPACED_POSTCODE = re.compile(r"^\d{2} \d{3}$")
RE_CORSICA_INSEE = re.compile(r"^2[ab]\d{3}$", re.IGNORECASE)
# A name with its postcode or its département, as people write an address (« Mauriac, 15200 », « 15200 Mauriac »,
# « Mauriac (15) »): the code standing apart from the name's words.
RE_NAME_WITH_CODE = re.compile(r"(?<![\w])(\d{5}|\d{2,3}|2[ab])(?![\w])", re.IGNORECASE)


@dataclass(frozen=True)
class Match:
    commune: Commune
    via: str = ""  # why it matched when the name does not show it ("code postal 15300", "commune déléguée …")


@dataclass
class SearchOutcome:
    query: str
    matches: list[Match] = field(default_factory=list)
    message: str = ""
    invalid: bool = False  # the request itself is wrong (answered with a 400)


def _with_relations(queryset):  # type: ignore[no-untyped-def]
    return queryset.select_related("departement__region", "epci")


def _by_postcode(query: str) -> list[Match]:
    filters = Q(codes_postaux__code=query) if len(query) == 5 else Q(codes_postaux__code__startswith=query)
    communes = (
        _with_relations(Commune.objects.filter(filters)).distinct().order_by("-population", "nom")[:LIMIT]
    )
    matches = []
    for commune in communes:
        postcodes = [cp.code for cp in commune.codes_postaux.all() if cp.code.startswith(query)]
        matches.append(Match(commune, via=f"code postal {', '.join(sorted(postcodes))}"))
    return matches


def _by_name(norm: str) -> list[Match]:
    words = Q(nom_normalise__startswith=norm) | Q(nom_normalise__contains=" " + norm)
    candidates = list(
        _with_relations(Commune.objects.filter(words)).order_by("-population", "nom")[: LIMIT * 10]
    )

    def rank(commune: Commune) -> tuple[int, int]:
        exact = commune.nom_normalise == norm
        prefix = commune.nom_normalise.startswith(norm)
        return (0 if exact else 1 if prefix else 2, -(commune.population or 0))

    matches = [Match(c) for c in sorted(candidates, key=rank)[:LIMIT]]
    seen = {m.commune.pk for m in matches}
    if len(matches) < LIMIT:
        deleguees = CommuneDeleguee.objects.filter(words).select_related(
            "commune__departement__region", "commune__epci"
        )[:LIMIT]
        for deleguee in deleguees:
            if deleguee.commune_id not in seen and len(matches) < LIMIT:
                seen.add(deleguee.commune_id)
                kind = deleguee.get_type_display().lower()
                matches.append(Match(deleguee.commune, via=f"{kind} {deleguee.nom}"))
    return matches


def _by_name_and_code(query: str) -> list[Match]:
    """The communes of a name with its postcode (5 digits) or its département (2 or 3 characters) beside it."""
    found = RE_NAME_WITH_CODE.search(query)
    if found is None:
        return []
    norm = normalise_nom(query[: found.start()] + " " + query[found.end() :])
    if len(norm) < MIN_LENGTH:
        return []
    code = found.group(1).upper()
    where = Q(codes_postaux__code=code) if len(code) == 5 else Q(departement__code=code)
    words = Q(nom_normalise__startswith=norm) | Q(nom_normalise__contains=" " + norm)
    communes = _with_relations(Commune.objects.filter(where, words)).distinct().order_by("-population", "nom")
    via = f"code postal {code}" if len(code) == 5 else ""
    return [Match(commune, via=via) for commune in communes[:LIMIT]]


def search_communes(raw: str) -> SearchOutcome:
    query = " ".join(raw.split())
    if RE_SPACED_POSTCODE.match(query):  # « 15 200 », as a postcode is often written
        query = query.replace(" ", "")
    outcome = SearchOutcome(query=query)
    if not query:
        outcome.message = "Saisissez le nom d'une commune ou un code postal."
        return outcome
    if len(query) > MAX_LENGTH:
        outcome.invalid = True
        outcome.message = f"Recherche trop longue : {MAX_LENGTH} caractères au maximum."
        return outcome
    if RE_POSTCODE_PREFIX.match(query):
        outcome.matches = _by_postcode(query)
        if not outcome.matches:
            exact = Commune.objects.filter(code_insee=query).first() if len(query) == 5 else None
            if exact is not None:
                outcome.matches = [Match(exact, via=f"code INSEE {query}")]
            elif len(query) == 5:
                outcome.message = f"Aucune commune ne correspond au code postal {query}. Vérifiez le code, ou cherchez par nom."
            else:
                outcome.message = (
                    f"Aucun code postal ne commence par {query}. Saisissez les 5 chiffres, ou un nom."
                )
        return outcome
    if RE_CORSICA_INSEE.match(query):
        commune = _with_relations(Commune.objects.filter(code_insee=query.upper())).first()
        if commune:
            outcome.matches = [Match(commune, via=f"code INSEE {commune.code_insee}")]
            return outcome
    norm = normalise_nom(query)
    if len(norm) < MIN_LENGTH:
        outcome.message = f"Saisissez au moins {MIN_LENGTH} lettres du nom de la commune."
        return outcome
    outcome.matches = _by_name(norm) or _by_name_and_code(query)
    if not outcome.matches:
        outcome.message = (
            f"Aucune commune ne correspond à « {query} ». Vérifiez l'orthographe ou essayez le code postal."
        )
    return outcome


Position = tuple[float | None, float | None]


@dataclass
class _Positions:
    read_at: float = -float("inf")
    by_code: dict[str, Position] = field(default_factory=dict)  # code INSEE -> position, every commune


_positions = _Positions()


def position(code_insee: str) -> Position | None:
    """(latitude, longitude) of a commune by INSEE code, None if unknown: the first step of every search by
    the API, so plain SQL rather than the ORM's (a third of the search's processor time).

    The positions of every commune of France are read in one query the first time, then kept 10 minutes in
    the process (`SOLIDARITE_COMMUNES_TTL_S`; 0: one query per call): the territory changes once a year, by
    `load_territoire`. Then a search from a commune that this process has not seen yet costs no query (right
    after a start, most of them), nor does an unknown code, however many are asked (decision 0013, point 4;
    measured: bench/RESULTS.md)."""
    ttl = float(settings.SOLIDARITE_COMMUNES_TTL_S)
    table = Commune._meta.db_table
    if ttl <= 0:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT latitude, longitude FROM {table} WHERE code_insee = %s", [code_insee])
            row = cursor.fetchone()
        return None if row is None else (row[0], row[1])
    now = time.monotonic()
    if now - _positions.read_at >= ttl:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT code_insee, latitude, longitude FROM {table}")
            _positions.by_code = {code: (lat, lon) for code, lat, lon in cursor.fetchall()}
        if _positions.by_code:  # a territory not loaded yet is not kept: it is asked again
            _positions.read_at = now
    return _positions.by_code.get(code_insee)
