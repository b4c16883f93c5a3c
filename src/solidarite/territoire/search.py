"""Commune search by name (accents, case and "St" ignored), postcode or INSEE code.

It runs at each keystroke of the search boxes (htmx, 250 ms after the last one): two queries a search (three when
it shows a commune found by a former name, or by the start of a postcode), however many communes match; two more
for a name borne by more communes than the list holds, as none is in the COG 2025. A list longer than its limit
is cut, and says so with how to narrow it (`SearchOutcome.cut`).

What names no commune gets the nearest names (« mauriak » → Mauriac) or postcodes (« 15020 » → 15200) instead
of an empty list (`suggestions`: one query more, for the communes proposed); a list without the very name typed
gets the communes whose name sounds as it (« lion » → Lyon, beside Lion-sur-Mer), unless what was typed may be a
name still being typed (« mauri » of Mauriac: not Maury; decision 0029, revised)."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.db.models import Case, Count, F, Q, QuerySet, Value, When, Window, prefetch_related_objects

from solidarite.territoire.models import CodePostal, Commune, CommuneDeleguee, normalise_nom
from solidarite.territoire.orthographe import MIN_LETTERS, letters
from solidarite.territoire.suggestions import (
    PostcodeSuggestion,
    Suggestion,
    sounding_as,
    suggest_communes,
    suggest_postcodes,
)

MIN_LENGTH = 2
MAX_LENGTH = 80
LIMIT = 20  # the communes of a name, or of the start of a postcode; the page says how many there are beyond
POSTCODE_LIMIT = 60  # a whole postcode lists all its communes: 46 at most (51300) in the COG 2025
RE_POSTCODE_PREFIX = re.compile(r"^\d{2,5}$")
RE_SPACED_POSTCODE = re.compile(r"^\d{2} \d{3}$")
RE_CORSICA_INSEE = re.compile(r"^2[ab]\d{3}$", re.IGNORECASE)
# A name with its postcode or its département, as people write an address (« Mauriac, 15200 », « 15200 Mauriac »,
# « Mauriac (15) »): the code standing apart from the name's words.
RE_NAME_WITH_CODE = re.compile(r"(?<![\w])(\d{5}|\d{2,3}|2[ab])(?![\w])", re.IGNORECASE)
# The order of a name search: the name itself, whatever the population (Saint-Martin in Meurthe-et-Moselle, 53
# inhabitants, before Saint-Martin-d'Hères), a former commune of that name, a name that begins with it, a word of
# the name that does, a former commune's name that does; then by population.
EXACT, FORMER_EXACT, PREFIX, WORD, FORMER = range(5)


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
    total: int = 0  # the communes that answer the query: more than the matches when the list is cut
    cut: str = ""  # when the list is cut: how many communes it shows and holds, and how to narrow the search
    # « Vouliez-vous dire » : the communes of the nearest names when none answers the name typed, or those whose
    # name sounds as it when the list lacks that very name; the postcodes near a 5-digit one that is none.
    suggestions: list[Suggestion] = field(default_factory=list)
    postcode_suggestions: list[PostcodeSuggestion] = field(default_factory=list)


@dataclass(frozen=True)
class _Found:
    matches: list[Match]
    total: int = 0
    next_one: Commune | None = None  # the first commune left out of a cut list
    very_name: bool = False  # a commune of the very name typed (or a former commune of it) is among them


@dataclass(frozen=True)
class _Page:
    communes: list[Commune]
    ranks: dict[int, int]  # pk -> rank, when the queryset is annotated with one (`rang`)
    total: int
    next_one: Commune | None


def _with_relations(queryset):  # type: ignore[no-untyped-def]
    return queryset.select_related("departement__region", "epci")


def _first(queryset: QuerySet[Commune], limit: int, ranked: bool = False) -> _Page:
    """The first `limit` communes of an ordered queryset, how many it holds and the first one left out.

    Two queries: the keys in order with the count (a window over every row that the filter keeps, taken before
    the limit), then the communes with their relations. In one query, the window and the sort carried every column
    of every match, joined: a search of two letters (5,600 communes for « sa ») took twice as long on SQLite."""
    columns = ("pk", "total", "rang") if ranked else ("pk", "total")
    keys = list(queryset.annotate(total=Window(Count("pk"))).values_list(*columns)[: limit + 1])
    by_pk = _with_relations(Commune.objects.all()).in_bulk([key[0] for key in keys])
    communes = [by_pk[key[0]] for key in keys]
    return _Page(
        communes[:limit],
        {key[0]: key[2] for key in keys} if ranked else {},
        keys[0][1] if keys else 0,
        communes[limit] if len(communes) > limit else None,
    )


def _by_postcode(query: str) -> _Found:
    """All the communes of a postcode; the LIMIT most populous of the start of a postcode."""
    whole = len(query) == 5
    codes = (
        CodePostal.objects.filter(code=query) if whole else CodePostal.objects.filter(code__startswith=query)
    )
    communes = Commune.objects.filter(pk__in=codes.values("commune_id")).order_by(
        F("population").desc(nulls_last=True), "nom"
    )
    page = _first(communes, POSTCODE_LIMIT if whole else LIMIT)
    if not whole:  # which of its codes begin so
        prefetch_related_objects(page.communes, "codes_postaux")
    matches = []
    for commune in page.communes:
        postcodes = (
            [query] if whole else [cp.code for cp in commune.codes_postaux.all() if cp.code.startswith(query)]
        )
        matches.append(Match(commune, via=f"code postal {', '.join(sorted(postcodes))}"))
    return _Found(matches, page.total, page.next_one)


def _words(norm: str) -> Q:
    return Q(nom_normalise__startswith=norm) | Q(nom_normalise__contains=" " + norm)


def _by_name(norm: str, where: Q | None = None, via: str = "") -> _Found:
    """The communes whose name, or the name of one of their former communes (déléguées, associées), has a word
    that begins with `norm`, in the order above; those of `where` only, when given."""
    rank = Case(
        When(nom_normalise=norm, then=Value(EXACT)),
        When(
            pk__in=CommuneDeleguee.objects.filter(nom_normalise=norm).values("commune_id"),
            then=Value(FORMER_EXACT),
        ),
        When(nom_normalise__startswith=norm, then=Value(PREFIX)),
        When(nom_normalise__contains=" " + norm, then=Value(WORD)),
        default=Value(FORMER),
    )
    former = CommuneDeleguee.objects.filter(_words(norm)).values("commune_id")
    communes = (
        Commune.objects.filter(_words(norm) | Q(pk__in=former))
        .filter(where or Q())
        .annotate(rang=rank)
        .order_by("rang", F("population").desc(nulls_last=True), "nom")
    )
    page = _first(communes, LIMIT, ranked=True)
    if page.next_one is not None and page.ranks[page.next_one.pk] <= FORMER_EXACT:
        # More communes of that very name than the list holds (13 at most in the COG 2025): all of them.
        same_name = _first(communes.filter(rang__lte=FORMER_EXACT), page.total, ranked=True)
        page = _Page(same_name.communes, same_name.ranks, page.total, None)
    vias: dict[int, str] = {}
    found_by_former = [pk for pk, rank in page.ranks.items() if rank in (FORMER_EXACT, FORMER)]
    if found_by_former:
        deleguees = CommuneDeleguee.objects.filter(_words(norm), commune_id__in=found_by_former).order_by(
            Case(When(nom_normalise=norm, then=Value(0)), default=Value(1)), "nom"
        )
        for deleguee in deleguees:
            vias.setdefault(deleguee.commune_id, f"{deleguee.get_type_display().lower()} {deleguee.nom}")
    very_name = bool(page.communes) and page.ranks[page.communes[0].pk] <= FORMER_EXACT
    matches = [Match(c, via=vias.get(c.pk, via)) for c in page.communes]
    return _Found(matches, page.total, page.next_one, very_name)


def _name_and_code(query: str) -> tuple[str, str] | None:
    """A name with its postcode (5 digits) or its département (2 or 3 characters) beside it: (the normalised name,
    the code), or None."""
    found = RE_NAME_WITH_CODE.search(query)
    if found is None:
        return None
    return normalise_nom(query[: found.start()] + " " + query[found.end() :]), found.group(1).upper()


def _by_name_and_code(query: str) -> _Found:
    """The communes of a name with its postcode (5 digits) or its département (2 or 3 characters) beside it."""
    name_and_code = _name_and_code(query)
    if name_and_code is None:
        return _Found([])
    norm, code = name_and_code
    if len(norm) < MIN_LENGTH:
        return _Found([])
    if len(code) == 5:
        where = Q(pk__in=CodePostal.objects.filter(code=code).values("commune_id"))
        return _by_name(norm, where, via=f"code postal {code}")
    return _by_name(norm, Q(departement__code=code))


def _number(n: int) -> str:
    return f"{n:,}".replace(",", "\u202f")


def _cut(found: _Found, narrow: str) -> str:
    """Said when the list is cut, so that no one takes it for all there is."""
    if found.total <= len(found.matches):
        return ""
    return f"{_number(len(found.matches))} premières communes sur {_number(found.total)} : {narrow}"


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
        found = _by_postcode(query)
        outcome.matches, outcome.total = found.matches, found.total
        if len(query) == 5:
            outcome.cut = _cut(found, "ajoutez le nom de la commune au code postal.")
        else:
            outcome.cut = _cut(found, "saisissez les 5 chiffres du code postal, ou le nom de la commune.")
        if not outcome.matches:
            exact = Commune.objects.filter(code_insee=query).first() if len(query) == 5 else None
            if len(query) == 5:  # a postcode that is none: the ones a slip of the finger away
                outcome.postcode_suggestions = suggest_postcodes(query)
            if exact is not None:
                outcome.matches, outcome.total = [Match(exact, via=f"code INSEE {query}")], 1
                if outcome.postcode_suggestions:  # an INSEE code typed for a postcode (15020 for 15200)?
                    outcome.message = (
                        f"Aucune commune n'a le code postal {query} ; c'est le code INSEE (le numéro officiel) "
                        f"de {exact.nom}."
                    )
            elif outcome.postcode_suggestions:
                outcome.message = f"Aucune commune ne correspond au code postal {query}."
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
            outcome.matches, outcome.total = [Match(commune, via=f"code INSEE {commune.code_insee}")], 1
            return outcome
    norm = normalise_nom(query)
    if len(norm) < MIN_LENGTH:
        outcome.message = f"Saisissez au moins {MIN_LENGTH} lettres du nom de la commune."
        return outcome
    found = _by_name(norm)
    if found.matches:
        example = found.next_one or found.matches[-1].commune
        narrow = f"précisez le nom ou le département (ex. {query} {example.departement.code})."
        if not found.very_name and letters(norm) >= MIN_LETTERS:  # « lion »: Lion-sur-Mer…, and Lyon?
            outcome.suggestions = sounding_as(norm, frozenset(m.commune.pk for m in found.matches))
    else:
        found = _by_name_and_code(query)
        narrow = "précisez le nom de la commune."
    outcome.matches, outcome.total, outcome.cut = found.matches, found.total, _cut(found, narrow)
    if not outcome.matches:
        name, code = _name_and_code(query) or (norm, "")
        if letters(name) >= MIN_LETTERS:
            outcome.suggestions = suggest_communes(name, code)
        outcome.message = f"Aucune commune ne correspond à « {query} »." + (
            ""
            if outcome.suggestions
            else " Vérifiez l'orthographe du nom de la commune, ou saisissez son code postal (5 chiffres, "
            "par exemple 15200)."
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
