"""Reading the territory files of `../shared/data` (see its SOURCES.md) into plain rows.

Pure Python (no Django), so the loader, the benchmarks and the zonage command share it. Every
problem is a `DataFileError` naming the file, the line and what to do, in French; nothing is
written anywhere here.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from solidarite.systeme import raison_csv, raison_encodage, raison_json
from solidarite.web.entrees import INVISIBLE

COG_FILES = {2025: "communes_cog2025.csv", 2026: "communes_cog2026.csv"}
REGIONS_FILE = "regions.json"
DEPARTEMENTS_FILE = "departements.json"
EPCI_FILE = "epci.csv"
EPCI_MEMBRES_FILE = "epci_membres.csv"
COORDONNEES_FILE = "communes_coordonnees.csv"
BASSINS_VIE_FILE = "communes_bassins_vie_2022.csv"

RE_CODE_INSEE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
RE_SIREN = re.compile(r"^\d{9}$")
RE_DEPARTEMENT = re.compile(r"^(\d{2}|2[AB]|\d{3})$")
RE_REGION = re.compile(r"^\d{2,3}$")
RE_CODE_POSTAL = re.compile(r"^\d{5}$")

EPCI_TYPES = ("CC", "CA", "CU", "METRO", "MET69")
ZONES = ("metro", "drom", "com")
# The 4 Cantal communes re-created on 2025-01-01 have no polygon; INSEE's BV table names the
# commune they were split from (SOURCES.md §3 and §7). They take its centroid, flagged as imputed.
METHODE_SCISSION = "insee_cog2024_commune_parente_scission_2025"


class DataError(Exception):
    """A problem with the data folder or one of its files, explained in French."""


class DataFileError(DataError):
    def __init__(self, path: Path, line: int | None, message: str) -> None:
        self.path, self.line, self.message = path, line, message
        where = f"{path.name}, ligne {line}" if line is not None else path.name
        super().__init__(f"{where} : {message}")


# At most this share of the rows a file should cover may be missing from it: the real files miss 0.3 % at most
# (94 communes without coordinates, 92 without a bassin de vie, 124 without an APL, 2 bassins without a living
# standard), and a file cut at a line's end reads as well-formed: only what it lacks shows it is short.
COUVERTURE_MANQUANTS_MAX = 0.01


def verifier_couverture(path: Path, manquants: int, total: int, quoi: str) -> None:
    """DataFileError when more than COUVERTURE_MANQUANTS_MAX of the `total` `quoi` are missing from `path`."""
    if total and manquants > COUVERTURE_MANQUANTS_MAX * total:
        raise DataFileError(
            path,
            None,
            f"{manquants} {quoi} sur {total} n'y figurent pas ({manquants / total:.0%}) : le fichier semble "
            f"tronqué ou incomplet (au plus {COUVERTURE_MANQUANTS_MAX:.0%} de manquants admis).",
        )


@dataclass(frozen=True)
class RegionRow:
    code: str
    nom: str
    zone: str
    chef_lieu: str


@dataclass(frozen=True)
class DepartementRow:
    code: str
    nom: str
    region: str
    zone: str
    chef_lieu: str


@dataclass(frozen=True)
class EpciRow:
    siren: str
    nom: str
    type: str
    mode_financement: str
    population_totale: int
    population_municipale: int
    nb_membres: int


@dataclass(frozen=True)
class CommuneRow:
    code: str
    nom: str
    type: str  # "commune" or "arrondissement_municipal"
    departement: str
    zone: str
    population: int | None
    epci: str | None
    commune_parente: str | None  # the city of a municipal arrondissement
    codes_postaux: tuple[str, ...]


@dataclass(frozen=True)
class CommuneDelegueeRow:
    code: str
    nom: str
    type: str  # "deleguee" or "associee"
    commune: str


@dataclass(frozen=True)
class Coordonnees:
    latitude: float
    longitude: float
    source: str


@dataclass
class TerritoireData:
    cog: int
    regions: list[RegionRow]
    departements: list[DepartementRow]
    epcis: list[EpciRow]
    communes: list[CommuneRow]
    deleguees: list[CommuneDelegueeRow]
    coordonnees: dict[str, Coordonnees]
    sans_coordonnees: list[str] = field(default_factory=list)

    def file_counts(self) -> dict[str, int]:
        return {
            "regions": len(self.regions),
            "departements": len(self.departements),
            "epci": len(self.epcis),
            "communes": sum(1 for c in self.communes if c.type == "commune"),
            "arrondissements_municipaux": sum(
                1 for c in self.communes if c.type == "arrondissement_municipal"
            ),
            "communes_deleguees_associees": len(self.deleguees),
            "codes_postaux": sum(len(c.codes_postaux) for c in self.communes),
        }


def check_data_dir(data_dir: Path, cog: int = 2025) -> Path:
    """The data folder, or a DataError saying what is missing and how to fix it."""
    if cog not in COG_FILES:
        raise DataError(
            f"Millésime du COG {cog} inconnu : millésimes disponibles {', '.join(map(str, COG_FILES))}."
        )
    if not data_dir.is_dir():
        raise DataError(
            f"Dossier de données introuvable : {data_dir}. Placez les fichiers de shared/data à côté du dépôt "
            "ou indiquez leur dossier dans la variable SOLIDARITE_DATA_DIR."
        )
    needed = [
        REGIONS_FILE,
        DEPARTEMENTS_FILE,
        EPCI_FILE,
        EPCI_MEMBRES_FILE,
        COORDONNEES_FILE,
        BASSINS_VIE_FILE,
    ]
    missing = [name for name in [COG_FILES[cog], *needed] if not (data_dir / name).is_file()]
    if missing:
        raise DataError(f"Fichier(s) manquant(s) dans {data_dir} : {', '.join(missing)}.")
    return data_dir


def read_csv(
    path: Path, required: tuple[str, ...], only: tuple[str, str] | None = None
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yields (line number, row) and refuses short, long or headerless rows; with `only` = (column, value),
    yields only the rows having that value there (every row is still checked)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:  # a byte-order mark is not a column's
            reader = csv.reader(handle)
            header = next(reader, None)
            if not header:
                raise DataFileError(path, 1, "fichier vide (ligne d'en-tête absente).")
            absent = [name for name in required if name not in header]
            if absent:
                raise DataFileError(path, 1, f"colonne(s) absente(s) de l'en-tête : {', '.join(absent)}.")
            if only is not None and only[0] not in header:  # a filter on nothing would keep every row
                raise DataFileError(path, 1, f"colonne {only[0]!r} absente de l'en-tête.")
            keep = (header.index(only[0]), only[1]) if only is not None else None
            for values in reader:
                line = reader.line_num
                if not values:
                    continue
                if len(values) != len(header):
                    raise DataFileError(
                        path,
                        line,
                        f"{len(values)} champ(s) au lieu de {len(header)} (fichier tronqué ou mal formé ?).",
                    )
                if keep is not None and values[keep[0]] != keep[1]:
                    continue
                yield line, dict(zip(header, values, strict=False))  # lengths checked just above
    except (UnicodeDecodeError, csv.Error) as exc:
        raise _erreur_csv(path, exc) from exc


def read_csv_rows(path: Path) -> list[tuple[int, list[str]]]:
    """Every row of a CSV file without a header of columns (the DREES' sheets), numbered; DataFileError for a
    file that is not UTF-8 or not CSV."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return list(enumerate(csv.reader(handle), start=1))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise _erreur_csv(path, exc) from exc


def _erreur_csv(path: Path, exc: UnicodeDecodeError | csv.Error) -> DataFileError:
    if isinstance(exc, UnicodeDecodeError):
        return DataFileError(
            path, None, f"encodage invalide ({raison_encodage(exc)}) : le fichier doit être en UTF-8."
        )
    return DataFileError(path, None, f"CSV mal formé : {raison_csv(exc)}.")


def read_json_list(path: Path) -> list[dict[str, object]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise DataFileError(
            path, exc.lineno, f"JSON mal formé ({raison_json(exc)}, colonne {exc.colno})."
        ) from exc
    except UnicodeDecodeError as exc:
        raise DataFileError(path, None, "encodage invalide : le fichier doit être en UTF-8.") from exc
    except RecursionError:  # thousands of nested lists: the parser's stack (a traceback, 6 December)
        raise DataFileError(
            path, None, "JSON trop imbriqué : une liste d'objets JSON est attendue."
        ) from None
    except ValueError:  # an integer of thousands of digits (Python's conversion limit)
        raise DataFileError(path, None, "un nombre du fichier est démesuré.") from None
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise DataFileError(path, None, "une liste d'objets JSON est attendue.")
    return data


def _match(path: Path, line: int | None, pattern: re.Pattern[str], value: object, what: str) -> str:
    text = str(value if value is not None else "").strip()
    if not pattern.match(text):
        raise DataFileError(path, line, f"{what} invalide : {text!r}.")
    return text


def _integer(path: Path, line: int, value: str, what: str, *, optional: bool = False) -> int | None:
    text = value.strip()
    if not text and optional:
        return None
    try:
        number = int(text)
    except ValueError:
        raise DataFileError(path, line, f"{what} n'est pas un nombre entier : {text!r}.") from None
    if number < 0:
        raise DataFileError(path, line, f"{what} négatif : {number}.")
    return number


def _text(path: Path, line: int | None, value: object, what: str) -> str:
    text = str(value if value is not None else "").strip()
    if not text:
        raise DataFileError(path, line, f"{what} vide.")
    if found := INVISIBLE.search(text):  # a NUL was stored by SQLite, and refused by PostgreSQL mid-load
        raise DataFileError(
            path,
            line,
            f"{what} : caractère invisible ou de contrôle (U+{ord(found.group()):04X}) dans {text!r}.",
        )
    return text


def read_regions(data_dir: Path) -> list[RegionRow]:
    path = data_dir / REGIONS_FILE
    rows = []
    for index, item in enumerate(read_json_list(path), start=1):
        where = f"élément {index}"
        zone = str(item.get("zone", ""))
        if zone not in ZONES:
            raise DataFileError(path, None, f"{where} : zone inconnue {zone!r}.")
        rows.append(
            RegionRow(
                code=_match(path, None, RE_REGION, item.get("code"), f"{where} : code de région"),
                nom=_text(path, None, item.get("nom"), f"{where} : nom"),
                zone=zone,
                chef_lieu=str(item.get("chefLieu", "")),
            )
        )
    return rows


def read_departements(data_dir: Path, regions: set[str]) -> list[DepartementRow]:
    path = data_dir / DEPARTEMENTS_FILE
    rows = []
    for index, item in enumerate(read_json_list(path), start=1):
        where = f"élément {index}"
        region = str(item.get("region", ""))
        if region not in regions:
            raise DataFileError(path, None, f"{where} : région {region!r} absente de {REGIONS_FILE}.")
        rows.append(
            DepartementRow(
                code=_match(path, None, RE_DEPARTEMENT, item.get("code"), f"{where} : code de département"),
                nom=_text(path, None, item.get("nom"), f"{where} : nom"),
                region=region,
                zone=str(item.get("zone", "")),
                chef_lieu=str(item.get("chefLieu", "")),
            )
        )
    return rows


def read_epcis(data_dir: Path) -> list[EpciRow]:
    path = data_dir / EPCI_FILE
    columns = (
        "siren",
        "nom",
        "type",
        "modeFinancement",
        "populationTotale",
        "populationMunicipale",
        "nb_membres",
    )
    rows = []
    first: dict[str, int] = {}  # a SIREN's first line: a second one was loaded over it, silently (6 December)
    for line, row in read_csv(path, columns):
        if (siren := row["siren"].strip()) in first:
            raise DataFileError(path, line, f"SIREN {siren} en double (déjà en ligne {first[siren]}).")
        first[siren] = line
        if row["type"] not in EPCI_TYPES:
            raise DataFileError(
                path, line, f"type d'EPCI inconnu {row['type']!r} (attendu : {', '.join(EPCI_TYPES)})."
            )
        rows.append(
            EpciRow(
                siren=_match(path, line, RE_SIREN, row["siren"], "SIREN"),
                nom=_text(path, line, row["nom"], "nom"),
                type=row["type"],
                mode_financement=row["modeFinancement"].strip(),
                population_totale=_integer(path, line, row["populationTotale"], "populationTotale") or 0,
                population_municipale=_integer(
                    path, line, row["populationMunicipale"], "populationMunicipale"
                )
                or 0,
                nb_membres=_integer(path, line, row["nb_membres"], "nb_membres") or 0,
            )
        )
    return rows


COMMUNE_TYPES = {
    "commune-actuelle": "commune",
    "arrondissement-municipal": "arrondissement_municipal",
    "commune-deleguee": "deleguee",
    "commune-associee": "associee",
}


def read_communes(
    data_dir: Path, cog: int, departements: set[str], epcis: set[str]
) -> tuple[list[CommuneRow], list[CommuneDelegueeRow]]:
    path = data_dir / COG_FILES[cog]
    columns = (
        "code",
        "nom",
        "type",
        "departement",
        "population",
        "codesPostaux",
        "zone",
        "chefLieu",
        "commune",
        "epci",
    )
    communes: list[CommuneRow] = []
    deleguees: list[tuple[int, CommuneDelegueeRow]] = []
    for line, row in read_csv(path, columns):
        kind = COMMUNE_TYPES.get(row["type"])
        if kind is None:
            raise DataFileError(path, line, f"type de commune inconnu {row['type']!r}.")
        code = _match(path, line, RE_CODE_INSEE, row["code"], "code INSEE")
        nom = _text(path, line, row["nom"], "nom de commune")
        if kind in {"deleguee", "associee"}:
            parent = _match(path, line, RE_CODE_INSEE, row["chefLieu"], "chef-lieu de la commune déléguée")
            deleguees.append((line, CommuneDelegueeRow(code=code, nom=nom, type=kind, commune=parent)))
            continue
        departement = row["departement"].strip()
        if departement not in departements:
            raise DataFileError(path, line, f"département {departement!r} absent de {DEPARTEMENTS_FILE}.")
        epci = row["epci"].strip() or None
        if epci is not None:
            _match(path, line, RE_SIREN, epci, "SIREN d'EPCI")
            if epci not in epcis:
                raise DataFileError(
                    path,
                    line,
                    f"la commune {code} ({nom}) appartient à l'EPCI {epci}, absent de {EPCI_FILE}.",
                )
        postcodes = tuple(row["codesPostaux"].split())
        for postcode in postcodes:
            _match(path, line, RE_CODE_POSTAL, postcode, "code postal")
        parent = None
        if kind == "arrondissement_municipal":
            parent = _match(path, line, RE_CODE_INSEE, row["commune"], "commune de l'arrondissement")
        if row["zone"] not in ZONES:
            raise DataFileError(path, line, f"zone inconnue {row['zone']!r}.")
        communes.append(
            CommuneRow(
                code=code,
                nom=nom,
                type=kind,
                departement=departement,
                zone=row["zone"],
                population=_integer(path, line, row["population"], "population", optional=True),
                epci=epci,
                commune_parente=parent,
                codes_postaux=postcodes,
            )
        )
    seen = Counter(c.code for c in communes)
    duplicated = sorted(code for code, count in seen.items() if count > 1)
    if duplicated:
        raise DataFileError(path, None, f"code(s) INSEE en double : {', '.join(duplicated[:5])}.")
    actuelles = {c.code for c in communes if c.type == "commune"}
    for commune in communes:
        if commune.commune_parente and commune.commune_parente not in actuelles:
            raise DataFileError(
                path, None, f"arrondissement {commune.code} : commune {commune.commune_parente} inconnue."
            )
    for line, deleguee in deleguees:
        if deleguee.commune not in actuelles:
            raise DataFileError(
                path, line, f"commune déléguée {deleguee.code} : chef-lieu {deleguee.commune} inconnu."
            )
    return communes, [d for _, d in deleguees]


def check_epci_membres(data_dir: Path, communes: list[CommuneRow], epcis: list[EpciRow]) -> None:
    """The membership file must say exactly what the communes file says (catches truncated files)."""
    path = data_dir / EPCI_MEMBRES_FILE
    expected = {c.code: c.epci for c in communes if c.epci}
    seen: set[str] = set()
    for line, row in read_csv(path, ("siren_epci", "code_commune")):
        code, siren = row["code_commune"].strip(), row["siren_epci"].strip()
        if expected.get(code) != siren:
            where = f"l'EPCI {expected[code]}" if code in expected else "aucun EPCI"
            raise DataFileError(
                path,
                line,
                f"la commune {code} est rattachée à {siren} ici, mais à {where} dans le fichier des communes.",
            )
        seen.add(code)
    missing = sorted(set(expected) - seen)
    if missing:
        raise DataFileError(
            path,
            None,
            f"{len(missing)} commune(s) membre(s) d'un EPCI absente(s) (fichier tronqué ?), ex. {missing[0]}.",
        )
    members = Counter(expected.values())
    for epci in epcis:
        if members[epci.siren] != epci.nb_membres:
            raise DataFileError(
                data_dir / EPCI_FILE,
                None,
                f"l'EPCI {epci.siren} annonce {epci.nb_membres} membres, les communes en donnent {members[epci.siren]}.",
            )


def read_coordonnees(data_dir: Path, codes: set[str]) -> dict[str, Coordonnees]:
    path = data_dir / COORDONNEES_FILE
    result: dict[str, Coordonnees] = {}
    for line, row in read_csv(path, ("code_insee", "latitude", "longitude", "centroide_source")):
        code = _match(path, line, RE_CODE_INSEE, row["code_insee"], "code INSEE")
        if not row["latitude"].strip() and not row["longitude"].strip():
            continue  # no polygon for this commune: reported by the loader, imputed below when the data allows
        try:
            lat, lon = float(row["latitude"]), float(row["longitude"])
        except ValueError:
            raise DataFileError(
                path, line, f"coordonnées illisibles : {row['latitude']!r}, {row['longitude']!r}."
            ) from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise DataFileError(path, line, f"coordonnées hors limites : {lat}, {lon}.")
        if code in codes:
            result[code] = Coordonnees(lat, lon, row["centroide_source"].strip() or "polygone_commune")
    return result


def impute_split_communes(data_dir: Path, coordonnees: dict[str, Coordonnees]) -> None:
    """Communes split from another on 2025-01-01 take the parent's centroid (flagged as imputed)."""
    path = data_dir / BASSINS_VIE_FILE
    for _line, row in read_csv(path, ("code_commune", "code_commune_cog2024", "methode")):
        code, parent = row["code_commune"], row["code_commune_cog2024"]
        if row["methode"] == METHODE_SCISSION and code not in coordonnees and parent in coordonnees:
            source = coordonnees[parent]
            coordonnees[code] = Coordonnees(source.latitude, source.longitude, "imputee_commune_parente")


def read_territoire(data_dir: Path, cog: int = 2025) -> TerritoireData:
    """Reads and cross-checks every territory file; raises DataError on the first problem."""
    check_data_dir(data_dir, cog)
    regions = read_regions(data_dir)
    departements = read_departements(data_dir, {r.code for r in regions})
    epcis = read_epcis(data_dir)
    communes, deleguees = read_communes(
        data_dir, cog, {d.code for d in departements}, {e.siren for e in epcis}
    )
    check_epci_membres(data_dir, communes, epcis)
    codes = {c.code for c in communes}
    coordonnees = read_coordonnees(data_dir, codes)
    impute_split_communes(data_dir, coordonnees)
    sans = sorted(codes - set(coordonnees))
    verifier_couverture(data_dir / COORDONNEES_FILE, len(sans), len(codes), "communes du COG")
    return TerritoireData(cog, regions, departements, epcis, communes, deleguees, coordonnees, sans)
