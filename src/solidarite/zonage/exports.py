"""Files written by `python -m solidarite zonage`: zones.csv, zones.geojson, carte.png, rapport.html."""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from solidarite.web.tableurs import csv_cell
from solidarite.zonage import sources
from solidarite.zonage.calcul import ZonageResult
from solidarite.zonage.faits import Faits
from solidarite.zonage.score import CRITERES, LIBELLES, UNITES, EpciScore

CSV_COLUMNS = (
    "siren",
    "nom",
    "departements",
    "region",
    "population",
    "apl",
    "apl_moins_65",
    "part_ald",
    "temps_urgences_min",
    "niveau_vie_median",
    "vieillissement_mg_pct",
    "nb_fragilites",
    "score",
    "score_fragilite",
    "rang",
    "selectionnee",
    "ajout_ars_modelise",
    "rang_region",
    "ecart_seuil",
    "critere_decisif",
    "explication",
)
# The columns of text read from the data files or written by the scoring (the others are numbers as text).
TEXT_COLUMNS = ("siren", "nom", "departements", "region", "critere_decisif", "explication")
DECIMALS = {
    "apl": 3,
    "apl_moins_65": 3,
    "part_ald": 2,
    "temps_urgences": 1,
    "niveau_vie": 0,
    "vieillissement_mg": 1,
}
CONTOURS_FILE = sources.CONTOURS_FILE
# Overseas departments drawn as insets on the map image: code, name, (lon_min, lon_max, lat_min, lat_max).
INSETS = (
    ("971", "Guadeloupe", (-61.9, -60.9, 15.8, 16.55)),
    ("972", "Martinique", (-61.25, -60.78, 14.38, 14.9)),
    ("973", "Guyane", (-54.7, -51.5, 2.1, 5.8)),
    ("974", "La Réunion", (55.2, 55.85, -21.4, -20.85)),
    ("976", "Mayotte", (44.98, 45.32, -13.02, -12.62)),
)


def _round(value: float | None, decimals: int) -> str:
    if value is None or not math.isfinite(value):
        return ""
    return f"{value:.{decimals}f}"


def explication(score: EpciScore, ajouts: Mapping[str, str] | None) -> str:
    """The EPCI's explanation, followed by the motif of its modelled ARS addition when it is one."""
    motif = (ajouts or {}).get(score.siren)
    return f"{score.explication} {motif}" if motif else score.explication


def csv_row(
    result: ZonageResult, score: EpciScore, ajouts: Mapping[str, str] | None = None
) -> dict[str, str]:
    """`ajouts`: the modelled ARS additions (SIREN → motif, `ajouts.ajouts_modeles`), proposals only: an
    EPCI they name stays `selectionnee = 0`."""
    info = result.epcis[score.siren]
    values = {c: score.criteres[c].valeur for c in CRITERES}
    return {
        "siren": score.siren,
        "nom": info.nom,
        "departements": " ".join(info.departements),
        "region": info.region,
        "population": str(info.population),
        "apl": _round(values["apl"], DECIMALS["apl"]),
        "apl_moins_65": _round(values["apl_moins_65"], DECIMALS["apl_moins_65"]),
        "part_ald": _round(values["part_ald"], DECIMALS["part_ald"]),
        "temps_urgences_min": _round(values["temps_urgences"], DECIMALS["temps_urgences"]),
        "niveau_vie_median": _round(values["niveau_vie"], DECIMALS["niveau_vie"]),
        "vieillissement_mg_pct": _round(values["vieillissement_mg"], DECIMALS["vieillissement_mg"]),
        "nb_fragilites": str(score.nb_fragilites),
        "score": _round(score.score, 2),
        "score_fragilite": _round(score.score_fragilite, 2),
        "rang": str(score.rang),
        "selectionnee": "1" if score.selectionnee else "0",
        "ajout_ars_modelise": "1" if score.siren in (ajouts or {}) else "0",
        "rang_region": str(score.rang_region),
        "ecart_seuil": _round(score.ecart_seuil, 2),
        "critere_decisif": score.critere_decisif,
        "explication": explication(score, ajouts),
    }


def write_csv(result: ZonageResult, path: Path, ajouts: Mapping[str, str] | None = None) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for score in sorted(result.scores, key=lambda s: s.siren):
            row = csv_row(result, score, ajouts)
            # A name from a data file is never a formula in a spreadsheet (the probe of 6 December); the
            # numbers, « -1.25 » included, stay as they are.
            writer.writerow({k: csv_cell(v) if k in TEXT_COLUMNS else v for k, v in row.items()})


def feature_properties(
    result: ZonageResult, score: EpciScore, ajouts: Mapping[str, str] | None = None
) -> dict[str, Any]:
    info = result.epcis[score.siren]
    properties: dict[str, Any] = {
        "siren": score.siren,
        "nom": info.nom,
        "region": info.region,
        "population": info.population,
        "rang": score.rang,
        "score": round(score.score, 2) if score.score is not None else None,
        "score_fragilite": round(score.score_fragilite, 2) if score.score_fragilite is not None else None,
        "nb_fragilites": score.nb_fragilites,
        "selectionnee": score.selectionnee,
        "ajout_ars_modelise": score.siren in (ajouts or {}),
        "rang_region": score.rang_region,
        "ecart_seuil": round(score.ecart_seuil, 2) if score.ecart_seuil is not None else None,
        "critere_decisif": score.critere_decisif,
        "explication": explication(score, ajouts),
    }
    for critere in CRITERES:
        value = score.criteres[critere]
        properties[critere] = round(value.valeur, DECIMALS[critere]) if value.valeur is not None else None
        properties[f"{critere}_percentile"] = (
            round(value.percentile, 1) if value.percentile is not None else None
        )
    return properties


def read_contours(data_dir: Path) -> dict[str, Any]:
    """The EPCI contours, checked (`sources.read_contours`: a missing SIREN or polygon → DataError)."""
    return sources.read_contours(data_dir)


def write_geojson(
    result: ZonageResult, contours: dict[str, Any], path: Path, ajouts: Mapping[str, str] | None = None
) -> None:
    by_siren = {s.siren: s for s in result.scores}
    features = []
    for feature in contours["features"]:
        score = by_siren.get(feature["properties"]["siren"])
        if score is not None:
            features.append(
                {
                    "type": "Feature",
                    "geometry": feature["geometry"],
                    "properties": feature_properties(result, score, ajouts),
                }
            )
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":")))


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"][0]]
    if geometry["type"] == "MultiPolygon":
        return [polygon[0] for polygon in geometry["coordinates"]]
    return []


def write_map(
    result: ZonageResult, contours: dict[str, Any], path: Path, ajouts: Mapping[str, str] | None = None
) -> None:
    """A choropleth a person can read: score by EPCI, selected zones outlined, the modelled ARS additions
    outlined in dashes, overseas insets."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.collections import PolyCollection
    from matplotlib.colors import Normalize
    from matplotlib.patches import Patch

    by_siren = {s.siren: s for s in result.scores}
    cmap = plt.get_cmap("YlOrRd")
    norm = Normalize(vmin=0, vmax=100)
    fills, colors, outlines, dashed = [], [], [], []
    for feature in contours["features"]:
        score = by_siren.get(feature["properties"]["siren"])
        for ring in _rings(feature["geometry"]):
            fills.append(ring)
            colors.append(
                cmap(norm(score.score_fragilite))
                if score and score.score_fragilite is not None
                else (0.8, 0.8, 0.8, 1)
            )
            if score and score.selectionnee:
                outlines.append(ring)
            elif score and score.siren in (ajouts or {}):
                dashed.append(ring)

    figure = plt.figure(figsize=(11, 11), dpi=110)
    main = figure.add_axes((0.02, 0.2, 0.8, 0.72))
    insets = [figure.add_axes((0.02 + i * 0.16, 0.02, 0.15, 0.16)) for i in range(len(INSETS))]
    limits = [((-5.3, 9.7), (41.2, 51.2))] + [((b[0], b[1]), (b[2], b[3])) for _, _, b in INSETS]
    for axes, (xlim, ylim) in zip([main, *insets], limits, strict=True):
        axes.add_collection(
            PolyCollection(fills, facecolors=colors, edgecolors=(1, 1, 1, 0.6), linewidths=0.2)
        )
        axes.add_collection(PolyCollection(outlines, facecolors="none", edgecolors="#000091", linewidths=1.1))
        axes.add_collection(
            PolyCollection(dashed, facecolors="none", edgecolors="#000091", linewidths=1.1, linestyles="--")
        )
        axes.set_xlim(*xlim)
        axes.set_ylim(*ylim)
        axes.set_aspect(1 / math.cos(math.radians(sum(ylim) / 2)))
        axes.set_xticks([])
        axes.set_yticks([])
    for axes, (_, name, _) in zip(insets, INSETS, strict=True):
        axes.set_title(name, fontsize=8)
    summary = result.summary()
    main.set_title(
        f"{result.params.nom}\n{summary['zones']} EPCI retenus (contour bleu), "
        f"{summary['population'] / 1e6:.2f} M d'habitants ; couleur : score des fragilités".replace(".", ","),
        fontsize=12,
    )
    bar_axes = figure.add_axes((0.85, 0.3, 0.025, 0.5))
    figure.colorbar(
        plt.cm.ScalarMappable(norm=norm, cmap=cmap),
        cax=bar_axes,
        label="score des fragilités (0 = favorable, 100 = défavorable)",
    )
    main.legend(
        handles=[
            Patch(facecolor="none", edgecolor="#000091", linewidth=1.5, label="zone retenue"),
            *(
                [
                    Patch(
                        facecolor="none",
                        edgecolor="#000091",
                        linewidth=1.5,
                        linestyle="--",
                        label="ajout des ARS modélisé (proposition)",
                    )
                ]
                if dashed
                else []
            ),
            Patch(facecolor=(0.8, 0.8, 0.8), label="score non calculable"),
        ],
        loc="lower left",
        fontsize=9,
    )
    figure.text(
        0.02,
        0.005,
        "Sources : DREES (APL 2023, SAE 2022), CartoSanté 2024, INSEE, IGN — Solidarité territoriale",
        fontsize=7,
    )
    figure.savefig(path)
    plt.close(figure)


def report_context(result: ZonageResult, ajouts: Mapping[str, str] | None = None) -> dict[str, Any]:
    summary = result.summary()
    ajouts = ajouts or {}
    rank = {s.siren: s for s in result.scores}
    membres = result.params.membres
    total_votes = sum(m.vote for m in membres)
    selected = [
        {"row": csv_row(result, s), "score": s, "info": result.epcis[s.siren]}
        for s in result.scores
        if s.selectionnee
    ]
    return {
        "result": result,
        "summary": summary,
        "part_france": f"{summary['part_population_france'] * 100:.1f}".replace(".", ","),
        "selected": selected,
        "criteres": [
            {
                "code": c,
                "libelle": LIBELLES[c],
                "unite": UNITES[c],
                "poids": result.params.poids[c],
                "poids_vote": round(sum(m.vote * m.poids[c] for m in membres) / total_votes, 2)
                if total_votes
                else None,
            }
            for c in CRITERES
        ],
        "genere_le": dt.datetime.now().strftime("%d/%m/%Y %H:%M"),
        "diagnostics": result.diagnostics,
        "ajouts": [
            {"row": csv_row(result, rank[siren]), "motif": motif}
            for siren, motif in sorted(ajouts.items(), key=lambda item: rank[item[0]].rang)
        ],
        "zones_finales": summary["zones"] + len(ajouts),
        "population_finale": summary["population"] + sum(result.epcis[s].population for s in ajouts),
    }


def fidelity_context(
    result: ZonageResult,
    faits: Faits | None,
    noms: dict[str, str],
    contours: dict[str, Any],
    ajouts: Mapping[str, str],
    data_dir: Path,
    sans_faits: str = "",
    noms_departements: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The fidelity report of this zonage (fidelite.html): each published fact against the computed list and
    against the modelled final list (the computed list plus the modelled ARS additions), the loss of each, the
    additions and the regions still off. `faits` None: the report says why there is nothing to compare."""
    from solidarite.zonage import calibrage, ecarts
    from solidarite.zonage.fidelite import fidelite
    from solidarite.zonage.perte import perte

    context: dict[str, Any] = {
        "result": result,
        "summary": result.summary(),
        "faits": faits,
        "sans_faits": sans_faits,
        "genere_le": dt.datetime.now().strftime("%d/%m/%Y %H:%M"),
    }
    if faits is None:
        return context
    surfaces = sources.epci_surfaces(contours, data_dir)
    calculee = calibrage.observation_of(result, surfaces)
    finale = calibrage.observation_of(result, surfaces, frozenset(ajouts))
    rank = {s.siren: s.rang for s in result.scores}
    context.update(
        lignes=list(
            zip(
                fidelite(faits, calculee, noms, noms_departements),
                fidelite(faits, finale, noms, noms_departements),
                strict=True,
            )
        ),
        perte_calculee=perte(faits, calculee),
        perte_finale=perte(faits, finale),
        zones_finales=len(result.selected) + len(ajouts),
        ajouts=[
            {"siren": siren, "nom": result.epcis[siren].nom, "motif": motif}
            for siren, motif in sorted(ajouts.items(), key=lambda item: rank[item[0]])
        ],
        desaccords=[
            {
                "region": noms.get(d.code, d.code),
                "texte": d.explication.replace(d.critere, LIBELLES[d.critere]),
            }
            for d in ecarts.desaccords(result, faits)
        ],
    )
    return context
