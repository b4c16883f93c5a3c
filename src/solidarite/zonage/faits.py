"""Published facts about the zones rouges (the loss that measures a zonage against them is `perte.py`). Pure,
typed.

The official list of the 151 EPCI is not in the project: the calibration (`calibrage.py`) uses only the
aggregates published by the ministry, the ARS and the press, kept with their sources in a versioned TOML
file (`faits/faits_2025.toml`), read by `sources.load_faits` and checked here (`parse_faits`); the report
that sets each fact beside the computed value is `fidelite.py`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from solidarite.parametres import parametre
from solidarite.zonage.methode import OUTRE_MER, montre

IDF = "11"
DENSITE_MESURES = ("ensemble", "moyenne_epci")

ENTIER_MAX = 1_000_000_000  # a count or a population beyond this is a typing error
# A density outside these bounds is a typing error: a French EPCI holds from about 0.2 (in Guyane) to some
# 9,000 inhabitants per km² (the Métropole du Grand Paris), Paris itself about 20,000. A density of 1e-300 made
# its term of the loss swamp every other and chose the set on density alone.
DENSITE_MIN, DENSITE_MAX = 0.1, 25_000.0
RE_DEPARTEMENT = re.compile(r"^(\d{2}|2A|2B|97\d)$")


class FaitsError(ValueError):
    """A facts file that cannot be used, explained in French."""


@dataclass(frozen=True)
class FaitDepartement:
    """A département's published count of zones (`[[region.departement]]`, nested in its region's table, or
    `[[groupe.departement]]` where its region has no count of its own)."""

    code: str
    zones: int
    source: str
    pre_liste: bool = False  # counted on the May 2025 pre-list (the computed selection)


@dataclass(frozen=True)
class FaitRegion:
    code: str
    nom: str
    zones: int
    source: str
    population: int | None = None
    part_population: float | None = None
    departements_sans_zone: tuple[str, ...] = ()
    pre_liste: bool = False  # a count of the computed pre-list (May 2025): no ARS addition explains a gap
    departements: tuple[FaitDepartement, ...] = ()


@dataclass(frozen=True)
class FaitGroupe:
    nom: str
    regions: tuple[str, ...]
    zones: int
    source: str
    approximatif: bool = True
    # a group's regions have no count of their own, but the press gives some of their départements' (the Cher's)
    departements_sans_zone: tuple[str, ...] = ()
    departements: tuple[FaitDepartement, ...] = ()


@dataclass(frozen=True)
class Faits:
    version: int
    date: dt.date
    zones: int
    population: int
    densite: float
    metropole: int
    outre_mer: int
    zones_calculees: int
    source: str
    regions: tuple[FaitRegion, ...]
    groupes: tuple[FaitGroupe, ...]
    # "ensemble": population of the zones / their surface; "moyenne_epci": mean of the EPCI's densities
    densite_mesure: str = "ensemble"
    # overseas territory (region code) → published count (`[[outre_mer]]`, approximate)
    outre_mer_territoires: dict[str, int] = field(default_factory=dict)
    outre_mer_sources: dict[str, str] = field(default_factory=dict)

    def region(self, code: str) -> FaitRegion | None:
        return next((r for r in self.regions if r.code == code), None)

    def perimetres(self) -> tuple[FaitRegion | FaitGroupe, ...]:
        """The regions and the groups: each may hold published département counts and départements without a
        zone (`departements`, `departements_sans_zone`)."""
        return (*self.regions, *self.groupes)


def _int(value: object, what: str, origin: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise FaitsError(f"{origin} : {what} doit être un nombre entier (reçu : {montre(value)}).")
    if value < 0:
        raise FaitsError(f"{origin} : {what} est négatif ({value}) ; un compte vaut 0 ou plus.")
    if value > ENTIER_MAX:
        raise FaitsError(f"{origin} : {what} est hors limites (au plus {ENTIER_MAX}).")
    return value


# The keys each table of a facts file may hold: a misspelt one (« zone_calculees ») was ignored, its default used.
CLES = {
    "": frozenset({"faits", "national", "region", "groupe", "outre_mer"}),
    "[faits]": frozenset({"version", "date", "description"}),
    "[national]": frozenset(
        {
            "zones",
            "population",
            "densite",
            "densite_mesure",
            "metropole",
            "outre_mer",
            "zones_calculees",
            "source",
        }
    ),
    "[[region]]": frozenset(
        {
            "code",
            "nom",
            "zones",
            "source",
            "population",
            "part_population",
            "departements_sans_zone",
            "pre_liste",
            "departement",
        }
    ),
    "[[region.departement]]": frozenset({"code", "zones", "source", "pre_liste"}),
    "[[groupe]]": frozenset(
        {"nom", "regions", "zones", "source", "approximatif", "departements_sans_zone", "departement"}
    ),
    "[[groupe.departement]]": frozenset({"code", "zones", "source", "pre_liste"}),
    "[[outre_mer]]": frozenset({"code", "zones", "source"}),
}


def _cles(table: dict[str, Any], kind: str, where: str, origin: str) -> None:
    if unknown := sorted(set(table) - CLES[kind]):
        raise FaitsError(
            f"{origin} : {where} : clé {unknown[0]!r} inconnue (clés possibles : {', '.join(sorted(CLES[kind]))})."
        )


def _tables(data: dict[str, Any], name: str, origin: str, label: str = "") -> list[dict[str, Any]]:
    """A list of tables (`[[region]]`): a single `[region]` table, or plain values, are refused."""
    raws = data.get(name, [])
    label = label or name
    if not isinstance(raws, list) or not all(isinstance(r, dict) for r in raws):
        raise FaitsError(
            f"{origin} : [[{label}]] doit être une liste de tables (chacune écrite [[{label}]])."
        )
    for k, raw in enumerate(raws, start=1):
        _cles(raw, f"[[{label}]]", f"[[{label}]] n° {k}", origin)
    return raws


def _departements(
    value: object,
    regions: tuple[str, ...],
    departement_region: dict[str, str] | None,
    where: str,
    origin: str,
) -> tuple[str, ...]:
    """A region's (or a group's) départements published without a zone: codes of its regions (when the
    départements are known), each once."""
    if not isinstance(value, list) or not all(isinstance(d, str) and RE_DEPARTEMENT.match(d) for d in value):
        raise FaitsError(
            f"{origin} : {where} departements_sans_zone doit être une liste de codes de département "
            f'entre guillemets, comme ["17", "33"] (reçu : {montre(value)}).'
        )
    for k, code in enumerate(value):
        if code in value[:k]:
            raise FaitsError(
                f"{origin} : {where} departements_sans_zone : le département {code} figure deux fois."
            )
        _dans_la_region(code, regions, departement_region, f"{where} departements_sans_zone", origin)
    return tuple(value)


def _dans_la_region(
    code: str, regions: tuple[str, ...], departement_region: dict[str, str] | None, where: str, origin: str
) -> None:
    """A département code of one of `regions` (a region's own, or a group's), when the départements are
    known; never an overseas one, whose zones are counted once, in `[[outre_mer]]`."""
    if code.startswith("97") or (departement_region or {}).get(code) in OUTRE_MER:
        raise FaitsError(
            f"{origin} : {where} : le département {code} est d'outre-mer ; ses zones se comptent dans "
            "[[outre_mer]] (par territoire)."
        )
    if departement_region is not None and departement_region.get(code) not in regions:
        ailleurs = (
            f"n'est pas dans la région {regions[0]}."
            if len(regions) == 1
            else f"n'est dans aucune des régions du groupe ({', '.join(regions)})."
        )
        raise FaitsError(
            f"{origin} : {where} : le département {code} "
            + ("est inconnu." if code not in departement_region else ailleurs)
        )


def _code_region(
    value: object, where: str, regions_connues: dict[str, str], origin: str, exemples: str
) -> str:
    """A region's INSEE code, written as text (« 75 », « 01 »): a number loses the leading zero of « 01 »."""
    if not isinstance(value, str):
        raise FaitsError(
            f'{origin} : {where} : un code de région s\'écrit entre guillemets, comme un texte (« "75" », '
            f'« "01" ») ; reçu : {montre(value)}.'
        )
    if value not in regions_connues:
        raise FaitsError(f"{origin} : {where} : code de région inconnu {value!r} ({exemples}).")
    return value


def _text(value: object, what: str, origin: str) -> str:
    if not isinstance(value, str) or not value.strip():
        exigee = " (la source de chaque fait est exigée)" if what.endswith("source") else ""
        raise FaitsError(f"{origin} : {what} doit être un texte non vide{exigee}.")
    return value


def _departements_publies(
    raw: dict[str, Any],
    regions: tuple[str, ...],
    zones_region: int,
    sans_zone: tuple[str, ...],
    departement_region: dict[str, str] | None,
    where: str,
    origin: str,
    table: str = "region",
) -> tuple[FaitDepartement, ...]:
    """A region's (or, `table="groupe"`, a group's) published département counts (`[[region.departement]]`):
    a département code of its regions (when the départements are known), once, not also published without a
    zone, counts adding up to at most the region's (the group's)."""
    result: list[FaitDepartement] = []
    for k, item in enumerate(_tables(raw, "departement", origin, f"{table}.departement"), start=1):
        ici = f"{where}, [[{table}.departement]] n° {k}"
        code = item.get("code")
        if not isinstance(code, str) or not RE_DEPARTEMENT.match(code):
            raise FaitsError(
                f"{origin} : {ici} : code de département {code!r} invalide "
                '(un code entre guillemets, comme "24", "2A" ou "974").'
            )
        _dans_la_region(code, regions, departement_region, ici, origin)
        if any(d.code == code for d in result):
            raise FaitsError(f"{origin} : {ici} : le département {code} figure deux fois.")
        if code in sans_zone:
            raise FaitsError(
                f"{origin} : {ici} : le département {code} est aussi dans departements_sans_zone ; "
                "donnez son compte à un seul endroit."
            )
        result.append(
            FaitDepartement(
                code=code,
                zones=_int(item.get("zones"), f"{ici} zones", origin),
                source=_text(item.get("source"), f"{ici} source", origin),
                pre_liste=_bool(item.get("pre_liste", False), f"{ici} pre_liste", origin),
            )
        )
    somme = sum(d.zones for d in result)
    if somme > zones_region:
        raise FaitsError(
            f"{origin} : {where} : ses départements totalisent {somme} zones, "
            f"plus que le compte {'de la région' if table == 'region' else 'du groupe'} ({zones_region})."
        )
    return tuple(result)


def parse_faits(
    data: dict[str, Any],
    regions_connues: dict[str, str],
    origin: str = "faits",
    departement_region: dict[str, str] | None = None,
    aujourd_hui: dt.date | None = None,
) -> Faits:
    """Checks a parsed facts file against the known region codes (code → name) and, when given, the known
    départements (code → region code); a date after `aujourd_hui` (today by default), or before the scheme's
    announcement (the dated parameter `annonce_dispositif`), is refused."""
    head = data.get("faits")
    if head is None:
        raise FaitsError(f"{origin} : section [faits] absente (version, date).")
    if not isinstance(head, dict):
        raise FaitsError(f"{origin} : [faits] doit être une section (version, date).")
    _cles(data, "", "premier niveau", origin)
    _cles(head, "[faits]", "[faits]", origin)
    national = data.get("national")
    if national is None:
        raise FaitsError(f"{origin} : section [national] absente (zones, population, densite, outre_mer).")
    if not isinstance(national, dict):
        raise FaitsError(
            f"{origin} : [national] doit être une section écrite [national] (reçu : {montre(national)})."
        )
    _cles(national, "[national]", "[national]", origin)
    version = _int(head.get("version"), "[faits] version", origin)
    if version == 0:
        raise FaitsError(f"{origin} : [faits] version vaut 0 ; les versions se comptent à partir de 1.")
    date = head.get("date")
    if not isinstance(date, dt.date) or isinstance(date, dt.datetime):  # a day, not an instant
        raise FaitsError(f"{origin} : [faits] date doit être une date (AAAA-MM-JJ).")
    if date > (aujourd_hui or dt.date.today()):
        raise FaitsError(
            f"{origin} : [faits] date {date:%d/%m/%Y} est dans le futur ; un fait publié est passé."
        )
    annonce = parametre("annonce_dispositif", dt.date.max)  # a fact about the zones follows the scheme
    if date < annonce.depuis:  # written as in the file: strftime gives year 1 as « 1 »
        raise FaitsError(
            f"{origin} : [faits] date {date.isoformat()} précède l'annonce du dispositif ({annonce.valeur}, "
            f"{annonce.depuis:%d/%m/%Y}) ; un fait publié sur ses zones lui est postérieur."
        )
    zones = _int(national.get("zones"), "[national] zones", origin)
    if zones == 0:
        raise FaitsError(f"{origin} : [national] zones vaut 0 ; il faut au moins une zone.")
    densite = national.get("densite")
    if (
        isinstance(densite, bool)
        or not isinstance(densite, int | float)
        or not DENSITE_MIN <= densite <= DENSITE_MAX  # false for nan; before any float(): 10**400 has none
    ):
        raise FaitsError(
            f"{origin} : [national] densite doit être un nombre d'habitants par km², de {DENSITE_MIN:g} à "
            f"{DENSITE_MAX:g} (reçu : {montre(densite)})."
        )
    regions: list[FaitRegion] = []
    seen: set[str] = set()
    for k, raw in enumerate(_tables(data, "region", origin), start=1):
        where = f"[[region]] n° {k}"
        code = _code_region(raw.get("code"), where, regions_connues, origin, "codes INSEE : 11, 75, 76…")
        if code in seen:
            raise FaitsError(f"{origin} : {where} : la région {code} figure deux fois.")
        if code in OUTRE_MER:  # the method gives them their own competition (`outre_mer`), never a quota
            raise FaitsError(
                f"{origin} : {where} : la région {code} est d'outre-mer ; ses zones se comptent dans "
                "[[outre_mer]] (par territoire) ou dans le [[groupe]] de l'outre-mer."
            )
        seen.add(code)
        population = raw.get("population")
        zones_region = _int(raw.get("zones"), f"{where} zones", origin)
        if population is not None and (
            _int(population, f"{where} population", origin) == 0 or zones_region == 0
        ):
            raise FaitsError(
                f"{origin} : {where} : une population des zones se donne pour une région qui en a (zones > 0), "
                "et vaut plus de 0."
            )
        part = raw.get("part_population")
        if part is not None and (
            isinstance(part, bool) or not isinstance(part, int | float) or not 0 < part <= 100
        ):
            raise FaitsError(
                f"{origin} : {where} part_population est un pourcentage, de 0 à 100 (reçu : {montre(part)})."
            )
        sans_zone = _departements(
            raw.get("departements_sans_zone", []), (code,), departement_region, where, origin
        )
        regions.append(
            FaitRegion(
                code=code,
                nom=_text(raw.get("nom", regions_connues[code]), f"{where} nom", origin),
                zones=zones_region,
                source=_text(raw.get("source"), f"{where} source", origin),
                population=population,
                part_population=part,
                departements_sans_zone=sans_zone,
                pre_liste=_bool(raw.get("pre_liste", False), f"{where} pre_liste", origin),
                departements=_departements_publies(
                    raw, (code,), zones_region, sans_zone, departement_region, where, origin
                ),
            )
        )
    groupes: list[FaitGroupe] = []
    for k, raw in enumerate(_tables(data, "groupe", origin), start=1):
        where = f"[[groupe]] n° {k}"
        listed = raw.get("regions", [])
        if not isinstance(listed, list):
            raise FaitsError(f"{origin} : {where} : « regions » doit être une liste de codes de région.")
        codes = tuple(
            _code_region(c, where, regions_connues, origin, "codes INSEE : 11, 75, 76…") for c in listed
        )
        if not codes:
            raise FaitsError(f"{origin} : {where} : liste « regions » vide.")
        for code in codes:
            if code in seen:
                raise FaitsError(f"{origin} : {where} : la région {code} a déjà un compte.")
            seen.add(code)
        zones_groupe = _int(raw.get("zones"), f"{where} zones", origin)
        sans_zone = _departements(
            raw.get("departements_sans_zone", []), codes, departement_region, where, origin
        )
        groupes.append(
            FaitGroupe(
                nom=_text(raw.get("nom"), f"{where} nom", origin),
                regions=codes,
                zones=zones_groupe,
                source=_text(raw.get("source"), f"{where} source", origin),
                approximatif=_bool(raw.get("approximatif", True), f"{where} approximatif", origin),
                departements_sans_zone=sans_zone,
                departements=_departements_publies(
                    raw, codes, zones_groupe, sans_zone, departement_region, where, origin, "groupe"
                ),
            )
        )
    _une_seule_fois(regions, groupes, origin)
    somme = sum(r.zones for r in regions) + sum(g.zones for g in groupes)
    if somme > zones:
        raise FaitsError(
            f"{origin} : les comptes régionaux et de groupes totalisent {somme} zones, "
            f"plus que le total national ({zones})."
        )
    metropole = _int(national.get("metropole"), "[national] metropole", origin)
    outre_mer = _int(national.get("outre_mer"), "[national] outre_mer", origin)
    if metropole + outre_mer > zones:
        raise FaitsError(
            f"{origin} : métropole ({metropole}) + outre-mer ({outre_mer}) dépassent le total national ({zones})."
        )
    for nom, plafond, comptes in (
        ("la métropole", metropole, _comptes(regions, groupes, outre_mer=False)),
        ("l'outre-mer", outre_mer, _comptes(regions, groupes, outre_mer=True)),
    ):
        if comptes > plafond:
            raise FaitsError(
                f"{origin} : les comptes de régions et de groupes de {nom} totalisent {comptes} zones, plus "
                f"que les {plafond} publiées pour {nom} ([national])."
            )
    territoires, sources_om = _outre_mer(data.get("outre_mer", []), regions_connues, outre_mer, origin)
    for code in territoires:
        if any(r.code == code for r in regions):
            raise FaitsError(
                f"{origin} : [[outre_mer]] : le territoire {code} a déjà un compte dans [[region]]."
            )
    mesure = national.get("densite_mesure", "ensemble")
    if mesure not in DENSITE_MESURES:
        raise FaitsError(
            f"{origin} : [national] densite_mesure {montre(mesure)} inconnue (« ensemble » ou « moyenne_epci »)."
        )
    calculees = _int(national.get("zones_calculees", zones), "[national] zones_calculees", origin)
    population_nationale = _int(national.get("population"), "[national] population", origin)
    if population_nationale == 0:
        raise FaitsError(f"{origin} : [national] population vaut 0 ; les zones publiées ont des habitants.")
    if calculees > zones or calculees == 0:
        raise FaitsError(f"{origin} : [national] zones_calculees doit être compris entre 1 et {zones}.")
    if not regions:
        raise FaitsError(
            f"{origin} : aucune [[region]] : le calibrage juge ses choix en laissant de côté une région au "
            "compte publié ; il en faut au moins une."
        )
    habitants = sum(r.population for r in regions if r.population is not None)
    if habitants > population_nationale:
        raise FaitsError(
            f"{origin} : les populations régionales des zones totalisent {habitants} habitants, plus que la "
            f"population nationale ({population_nationale})."
        )
    return Faits(
        version=version,
        date=date,
        zones=zones,
        population=population_nationale,
        densite=float(densite),
        metropole=metropole,
        outre_mer=outre_mer,
        zones_calculees=calculees,
        source=_text(national.get("source"), "[national] source", origin),
        regions=tuple(regions),
        groupes=tuple(groupes),
        densite_mesure=mesure,
        outre_mer_territoires=territoires,
        outre_mer_sources=sources_om,
    )


def _une_seule_fois(regions: list[FaitRegion], groupes: list[FaitGroupe], origin: str) -> None:
    """A département's count (or its absence of zone) is given in one region or group only: twice, the loss
    would count it twice (checked even when the départements' regions are not known)."""
    vus: dict[str, str] = {}
    lieux: list[tuple[str, FaitRegion | FaitGroupe]] = [
        (f"[[region]] n° {k}", r) for k, r in enumerate(regions, start=1)
    ]
    lieux += [(f"[[groupe]] n° {k}", g) for k, g in enumerate(groupes, start=1)]
    for ici, p in lieux:
        for code in dict.fromkeys([*(d.code for d in p.departements), *p.departements_sans_zone]):
            if code in vus:
                raise FaitsError(
                    f"{origin} : le département {code} figure sous {vus[code]} et sous {ici} ; "
                    "donnez son compte à un seul endroit."
                )
            vus[code] = ici


def _bool(value: object, what: str, origin: str) -> bool:
    if not isinstance(value, bool):
        raise FaitsError(f"{origin} : {what} doit valoir true ou false (reçu : {montre(value)}).")
    return value


def _comptes(regions: list[FaitRegion], groupes: list[FaitGroupe], outre_mer: bool) -> int:
    """The zones counted in the regions and the groups wholly overseas (`outre_mer`) or wholly metropolitan."""
    return sum(r.zones for r in regions if (r.code in OUTRE_MER) == outre_mer) + sum(
        g.zones for g in groupes if all((c in OUTRE_MER) == outre_mer for c in g.regions)
    )


def _outre_mer(
    raws: object, regions_connues: dict[str, str], total: int, origin: str
) -> tuple[dict[str, int], dict[str, str]]:
    """The published count of each overseas territory (`[[outre_mer]]`): a known overseas region code,
    once, counts adding up to at most the national overseas count."""
    if not isinstance(raws, list):
        raise FaitsError(f"{origin} : [[outre_mer]] doit être une liste de territoires.")
    counts: dict[str, int] = {}
    sources: dict[str, str] = {}
    for k, raw in enumerate(raws, start=1):
        where = f"[[outre_mer]] n° {k}"
        if not isinstance(raw, dict):
            raise FaitsError(f"{origin} : {where} doit être une table (code, zones, source).")
        _cles(raw, "[[outre_mer]]", where, origin)
        code = _code_region(raw.get("code"), where, regions_connues, origin, "01, 02, 03, 04, 06")
        if code not in OUTRE_MER:
            raise FaitsError(f"{origin} : {where} : la région {code} n'est pas une région d'outre-mer.")
        if code in counts:
            raise FaitsError(f"{origin} : {where} : le territoire {code} figure deux fois.")
        counts[code] = _int(raw.get("zones"), f"{where} zones", origin)
        sources[code] = _text(raw.get("source"), f"{where} source", origin)
    if sum(counts.values()) > total:
        raise FaitsError(
            f"{origin} : les territoires d'outre-mer totalisent {sum(counts.values())} zones, "
            f"plus que l'outre-mer national ({total})."
        )
    return counts, sources
