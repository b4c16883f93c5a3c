"""Reading the zonage files of `../shared/data`: APL and its parameters (DREES), bassin-de-vie
indicators (CartoSanté, INSEE), structures des urgences (DREES SAE 2022); and the dated TOML file of the
composite index's parameters (`parametres/zonage_2025.toml`, checked by `score.parse_params`). Pure Python,
no Django.

"Secret statistique" and "résultat non disponible" cells are kept as missing values with their
reason; what to do with them is decided where the criteria are aggregated (`calcul.py`).
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from solidarite.systeme import lire_octets, raison, raison_toml
from solidarite.territoire.sources import RE_CODE_INSEE, DataError, DataFileError, read_csv, read_csv_rows
from solidarite.zonage.apl import ActivityBand, AplParameters, DistanceBand
from solidarite.zonage.faits import Faits, FaitsError, parse_faits
from solidarite.zonage.score import ParamError, ScoreParams, parse_params

PARAMS_2025_HISTORIQUE = Path(__file__).resolve().parent / "parametres" / "zonage_2025.toml"
PARAMS_2025_CALIBRE = Path(__file__).resolve().parent / "parametres" / "zonage_2025_calibre.toml"
DEFAULT_PARAMS_FILE = PARAMS_2025_CALIBRE  # the 2025 campaign since ADR 0016; the old set is kept

APL_FILE = "apl_mg_2022_2023.csv"
APL_PARAMETERS_FILE = "apl_mg_parametres_drees.csv"
CARTOSANTE_FILE = "cartosante_sante_bassins_vie_2024.csv"
INSEE_BV_FILE = "insee_determinants_sociaux_bassins_vie.csv"
BASSINS_FILE = "communes_bassins_vie_2022.csv"
URGENCES_FILE = "urgences.csv"
URGENCES_DEPARTEMENTS_CITES = 5  # a refusal names this many départements without a general site, then counts
ZONAGE_FILES = (APL_FILE, APL_PARAMETERS_FILE, CARTOSANTE_FILE, INSEE_BV_FILE, BASSINS_FILE, URGENCES_FILE)

COL_ALD = "Part des bénéf. en ALD dans la pop 2024"
COL_DENSITE_MG = "Densité de généralistes lib. 2024"
COL_NIVEAU_VIE = "Médiane du niveau de vie 2021"


@dataclass(frozen=True)
class Indicator:
    """A value, or None with the reason given by the file (e.g. "secret statistique")."""

    value: float | None
    missing: str = ""


@dataclass(frozen=True)
class AplRow:
    line: int
    code: str
    nom: str
    apl: float
    apl_moins_65: float
    population_standardisee: float
    population_totale: int


@dataclass(frozen=True)
class UrgenceSite:
    finess: str
    nom: str
    commune: str
    latitude: float
    longitude: float


def check_zonage_files(data_dir: Path) -> None:
    missing = [name for name in ZONAGE_FILES if not (data_dir / name).is_file()]
    if missing:
        raise DataError(f"Fichier(s) manquant(s) dans {data_dir} : {', '.join(missing)}.")


def _number(path: Path, line: int, text: str, what: str) -> float:
    try:
        try:
            value = float(text)  # the usual case, three times quicker than cleaning first
        except ValueError:
            value = float(text.replace(",", ".").replace("\u202f", "").replace(" ", ""))
    except ValueError:
        raise DataFileError(path, line, f"{what} n'est pas un nombre : {text!r}.") from None
    if not math.isfinite(value):
        raise DataFileError(path, line, f"{what} n'est pas un nombre fini : {text!r}.")
    return value


def indicator(path: Path, line: int, text: str, what: str) -> Indicator:
    cleaned = text.strip()
    if not cleaned:
        return Indicator(None, "valeur absente")
    if cleaned.upper().startswith("N/A"):
        reason = cleaned.split("-", 1)[1].strip() if "-" in cleaned else "non disponible"
        return Indicator(None, reason)
    return Indicator(_number(path, line, cleaned, what))


def _numbers_in(text: str) -> list[float]:
    return [
        float(token.replace(" ", "").replace("\u202f", ""))
        for token in re.findall(r"\d[\d  \u202f]*(?:[.,]\d+)?", text)
    ]


def read_apl_parameters(data_dir: Path, vintage: int = 2023) -> AplParameters:
    """The DREES "Paramètres" sheet: distance bands, activity bounds, age weights of the vintage."""
    path = data_dir / APL_PARAMETERS_FILE
    rows = read_csv_rows(path)  # a file not in UTF-8 was a traceback in the what-if and the bench
    bands: list[DistanceBand] = []
    activity: list[ActivityBand] = []
    ages: list[tuple[str, float]] = []
    section = ""
    age_column = None
    for line, row in rows:
        if not row or not row[0].strip():
            continue
        label = row[0].strip()
        if label.startswith("Temps de trajet"):
            section = "bands"
            continue
        if label.startswith("Nombre de consultations"):
            section = "activity"
            continue
        if label.startswith("Tranche d'âge"):
            section = "ages"
            headers = [cell.strip() for cell in row]
            matches = [i for i, h in enumerate(headers) if h.endswith(str(vintage))]
            if not matches:
                raise DataFileError(path, line, f"pas de poids d'âge pour le millésime {vintage}.")
            age_column = matches[0]
            continue
        if section == "bands" and len(row) >= 2 and "minute" in label:
            bounds = _numbers_in(label)
            weight = _number(path, line, row[1], "poids de décroissance")
            upper = math.inf if label.lower().startswith("plus de") else bounds[-1]
            bands.append(DistanceBand(upper, weight))
            if math.isinf(upper):
                section = ""
        elif section == "activity" and len(row) >= 2 and re.match(r"(Moins|Entre|Plus)", label):
            bounds = _numbers_in(label)
            counted = row[1].strip()
            fixed = (
                _number(path, line, counted, "activité retenue")
                if re.fullmatch(r"[\d.\s]+", counted)
                else None
            )
            if label.startswith("Moins"):
                activity.append(ActivityBand(0, bounds[0], fixed))
            elif label.startswith("Plus"):
                activity.append(ActivityBand(bounds[0] + 1e-9, math.inf, fixed))
            else:
                activity.append(ActivityBand(bounds[0], bounds[1], fixed))
        elif section == "ages" and age_column is not None and len(row) > age_column:
            if not re.search(r"\d", row[age_column]):
                section = ""
                continue
            ages.append((label, _number(path, line, row[age_column], "poids de la tranche d'âge")))
    if len(bands) < 2 or len(activity) < 2 or len(ages) < 10:
        raise DataFileError(
            path,
            None,
            "structure inattendue : tranches de temps, bornes d'activité ou poids d'âge introuvables.",
        )
    return AplParameters(
        vintage=vintage,
        bands=tuple(bands),
        activity=tuple(activity),
        age_weights=tuple(ages),
        source=f"DREES, indicateur d'APL aux médecins généralistes {vintage}, feuille « Paramètres » ({APL_PARAMETERS_FILE})",
    )


def read_apl(data_dir: Path, vintage: int = 2023) -> list[AplRow]:
    path = data_dir / APL_FILE
    columns = (
        "annee",
        "code_commune_insee",
        "commune",
        "apl_mg",
        "apl_mg_moins_65ans",
        "population_standardisee",
        "population_totale",
    )
    rows = []
    for line, row in read_csv(path, columns, only=("annee", str(vintage))):
        code = row["code_commune_insee"].strip()
        if not RE_CODE_INSEE.match(code):
            raise DataFileError(path, line, f"code INSEE invalide : {code!r}.")
        values = [_number(path, line, row[name], name) for name in columns[3:]]
        if negative := [name for name, value in zip(columns[3:], values, strict=True) if value < 0]:
            raise DataFileError(path, line, f"{negative[0]} négatif : {row[negative[0]]!r}.")
        rows.append(AplRow(line, code, row["commune"], values[0], values[1], values[2], int(values[3])))
    if not rows:
        raise DataFileError(path, None, f"aucune ligne pour l'année {vintage}.")
    if not any(row.apl > 0 for row in rows):
        # Every APL at 0: no offer anywhere, no scale to impute a missing bassin's APL from, no share of old GPs.
        raise DataFileError(path, None, f"aucune commune n'a une APL positive pour l'année {vintage}.")
    return rows


def read_bassins_et_codes(data_dir: Path) -> tuple[dict[str, str], dict[str, str]]:
    """One pass over the bassins-de-vie file: commune (COG 2025) → bassin de vie 2022, and the former codes
    (COG 2024) of communes whose code changed on 2025-01-01 → current code."""
    path = data_dir / BASSINS_FILE
    bassins, renamed = {}, {}
    for _, row in read_csv(path, ("code_commune", "bassin_vie", "code_commune_cog2024", "methode")):
        bassins[row["code_commune"]] = row["bassin_vie"]
        if row["methode"] == "insee_cog2024_changement_code_2025":
            renamed[row["code_commune_cog2024"]] = row["code_commune"]
    return bassins, renamed


def read_bassins(data_dir: Path) -> dict[str, str]:
    """Commune (COG 2025) → bassin de vie 2022."""
    return read_bassins_et_codes(data_dir)[0]


def read_renamed_codes(data_dir: Path) -> dict[str, str]:
    """Former codes (COG 2024) of communes whose code changed on 2025-01-01 → current code."""
    return read_bassins_et_codes(data_dir)[1]


def read_cartosante(data_dir: Path) -> dict[str, dict[str, Indicator]]:
    path = data_dir / CARTOSANTE_FILE
    result = {}
    for line, row in read_csv(path, ("Code", COL_ALD, COL_DENSITE_MG)):
        result[row["Code"]] = {
            "part_ald": indicator(path, line, row[COL_ALD], COL_ALD),
            "densite_mg": indicator(path, line, row[COL_DENSITE_MG], COL_DENSITE_MG),
        }
    return _au_moins_un_bassin(path, result)


def read_niveau_vie(data_dir: Path) -> dict[str, Indicator]:
    path = data_dir / INSEE_BV_FILE
    return _au_moins_un_bassin(
        path,
        {
            row["Code"]: indicator(path, line, row[COL_NIVEAU_VIE], COL_NIVEAU_VIE)
            for line, row in read_csv(path, ("Code", COL_NIVEAU_VIE))
        },
    )


def _au_moins_un_bassin(path: Path, rows: dict[str, Any]) -> dict[str, Any]:
    """A bassin-de-vie file with its header only left a criterion empty for every EPCI, without a word."""
    if not rows:
        raise DataFileError(path, None, "aucune ligne de bassin de vie sous l'en-tête.")
    return rows


def read_urgences(data_dir: Path) -> list[UrgenceSite]:
    """Sites authorised for a general structure des urgences (GEN or GEN+PED; paediatric-only excluded)."""
    path = data_dir / URGENCES_FILE
    sites = []
    for line, row in read_csv(path, ("finess", "nom", "commune", "lat", "lon", "aut_su_generale")):
        if row["aut_su_generale"].strip() != "1":
            continue
        lat = _number(path, line, row["lat"], "lat")
        lon = _number(path, line, row["lon"], "lon")
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise DataFileError(path, line, f"coordonnées hors limites : {lat}, {lon}.")
        sites.append(UrgenceSite(row["finess"], row["nom"], row["commune"], lat, lon))
    if not sites:
        raise DataFileError(path, None, "aucun site d'urgences générales.")
    return sites


def departement_de_commune(code: str) -> str:
    """The département of a commune code (COG): its first 2 characters (01 to 95, 2A, 2B), 3 overseas (971…)."""
    return code[:3] if code[:2] in {"97", "98"} else code[:2]


def verifier_urgences_departements(path: Path, sites: list[UrgenceSite], attendus: set[str]) -> None:
    """DataFileError when one of the `attendus` départements has no general site in `path`. Each département of
    metropolitan France and of the DROM has at least one (SAE 2022: from 1 in Lozère, the Territoire de Belfort
    and Mayotte to 19 in the Nord), and no other file lists the sites to compare with. The file, sorted by
    FINESS and so by département, loses whole ones when it is cut at a line's end (at 90 % of its lines, the 9
    from the Hauts-de-Seine to Mayotte); in another order, a cut near the end may leave one site in each, and
    only a larger one shows. The commune code gives the département: the FINESS does not for Mayotte (980…)."""
    manquants = sorted(attendus - {departement_de_commune(site.commune) for site in sites})
    if not manquants:
        return
    cites = ", ".join(manquants[:URGENCES_DEPARTEMENTS_CITES])
    if (reste := len(manquants) - URGENCES_DEPARTEMENTS_CITES) > 0:
        cites += f" et {reste} autre{'s' if reste > 1 else ''}"
    pluriel = "s" if len(manquants) > 1 else ""
    raise DataFileError(
        path,
        None,
        f"{len(manquants)} département{pluriel} sans aucun site d'urgences générales (aut_su_generale = 1) : "
        f"{cites} ; le fichier semble tronqué ou incomplet (chaque département de métropole et d'outre-mer en "
        "a au moins un).",
    )


TOML_MAX_BYTES = 1_000_000  # a parameter or facts file is a few kB; beyond, not one (a device never ends)


def _read_toml(source: Path, what: str, error: type[Exception]) -> dict[str, Any]:
    """The TOML table of a parameter or facts file, or `error` with a French message: not a plain file, too
    large (`lire_octets`), not UTF-8 (a byte-order mark, as Windows' Notepad writes, is allowed), malformed."""
    content = lire_octets(source, what, error, TOML_MAX_BYTES)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise error(f"{source.name} : le fichier n'est pas en UTF-8 ; enregistrez-le en UTF-8.") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{source.name} : TOML mal formé ({raison_toml(exc)}).") from exc
    except ValueError:  # an integer of thousands of digits (Python's conversion limit)
        raise error(f"{source.name} : un nombre du fichier est démesuré.") from None


def load_params(path: Path | None = None) -> ScoreParams:
    """The dated zonage parameters of a TOML file (the 2025 one by default), checked by `score.parse_params`."""
    source = path or DEFAULT_PARAMS_FILE
    return parse_params(_read_toml(source, "Fichier de paramètres", ParamError), source.name)


DEFAULT_FAITS_FILE = Path(__file__).resolve().parent / "faits" / "faits_2025.toml"
RAYON_TERRE_KM = 6371.0088


def load_faits(
    regions: dict[str, str], path: Path | None = None, departement_region: dict[str, str] | None = None
) -> Faits:
    """The published facts (the 2025 file by default), checked by `faits.parse_faits` against the regions
    and, when given, the départements (code → region code)."""
    source = path or DEFAULT_FAITS_FILE
    return parse_faits(
        _read_toml(source, "Fichier de faits", FaitsError), regions, source.name, departement_region
    )


def _ring_area_km2(ring: list[list[float]]) -> float:
    """Area of a lon/lat ring on a sinusoidal (equal-area) projection centred on the ring; < 0.5 % off
    at the size of an EPCI."""
    if len(ring) < 4:
        return 0.0
    lon0 = sum(p[0] for p in ring) / len(ring)
    xs = [math.radians(p[0] - lon0) * math.cos(math.radians(p[1])) for p in ring]
    ys = [math.radians(p[1]) for p in ring]
    twice = sum(xs[i] * ys[i + 1] - xs[i + 1] * ys[i] for i in range(len(ring) - 1))
    return abs(twice) / 2.0 * RAYON_TERRE_KM**2


CONTOURS_FILE = "epci_contours.geojson"


def read_contours(data_dir: Path) -> dict[str, Any]:
    """The EPCI contours (a GeoJSON FeatureCollection), checked: each feature has a SIREN and a polygon."""
    path = data_dir / CONTOURS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DataFileError(path, None, f"contours illisibles ({raison(exc)}).") from exc
    except UnicodeDecodeError:
        raise DataFileError(path, None, "contours illisibles (le fichier n'est pas en UTF-8).") from None
    except json.JSONDecodeError as exc:
        raise DataFileError(path, exc.lineno, f"GeoJSON mal formé (colonne {exc.colno}).") from None
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        raise DataFileError(
            path, None, "ce n'est pas une FeatureCollection GeoJSON (liste « features » absente)."
        )
    for k, feature in enumerate(features, start=1):
        properties = feature.get("properties") if isinstance(feature, dict) else None
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        siren = properties.get("siren") if isinstance(properties, dict) else None
        if not isinstance(siren, str) or not re.fullmatch(r"\d{9}", siren):
            raise DataFileError(
                path, None, f"entité n° {k} : propriété « siren » absente ou invalide ({siren!r})."
            )
        if (
            not isinstance(geometry, dict)
            or geometry.get("type") not in ("Polygon", "MultiPolygon")
            or not isinstance(geometry.get("coordinates"), list)
        ):
            raise DataFileError(
                path, None, f"entité n° {k} (EPCI {siren}) : géométrie absente ou non polygonale."
            )
        if not _anneaux_lisibles(geometry):
            raise DataFileError(
                path,
                None,
                f"entité n° {k} (EPCI {siren}) : coordonnées illisibles (chaque point : longitude et "
                "latitude en nombres).",
            )
    return data


def _anneaux_lisibles(geometry: dict[str, Any]) -> bool:
    """Every ring of a Polygon or MultiPolygon is a list of points of 2 finite numbers (a text, a missing
    latitude, a NaN stopped the map's drawing after the computation)."""
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            return False
        for ring in polygon:
            if not isinstance(ring, list) or not ring:
                return False
            try:
                points = np.asarray(ring)  # a text among the numbers makes an array of texts, not numbers
            except (TypeError, ValueError):  # points of uneven lengths
                return False
            if points.dtype.kind not in "fi" or points.ndim != 2 or points.shape[1] < 2:
                return False
            if not np.isfinite(points).all():
                return False
    return True


def read_epci_surfaces(data_dir: Path) -> dict[str, float]:
    """EPCI area in km² from the simplified contours (holes subtracted): for the density of the zones."""
    return epci_surfaces(read_contours(data_dir), data_dir)


def epci_surfaces(contours: dict[str, Any], data_dir: Path) -> dict[str, float]:
    """EPCI area in km² of contours already read from `data_dir` (`read_contours`); coordinates that cannot be
    read → DataFileError naming the file."""
    try:
        return {str(f["properties"]["siren"]): surface_km2(f["geometry"]) for f in contours["features"]}
    except (IndexError, KeyError, TypeError, ValueError) as exc:
        raise DataFileError(data_dir / CONTOURS_FILE, None, f"coordonnées illisibles ({exc}).") from None


def surface_km2(geometry: dict[str, Any]) -> float:
    """Area of a GeoJSON Polygon or MultiPolygon in lon/lat, holes subtracted."""
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    area = 0.0
    for polygon in polygons:
        area += _ring_area_km2(polygon[0]) - sum(_ring_area_km2(hole) for hole in polygon[1:])
    return area
