"""The published Table Schema of the quarterly indicators (frictionless, https://specs.frictionlessdata.io/)."""

from __future__ import annotations

from typing import Any

from solidarite.pilotage.colonnes import Colonne, columns

# 2.0.0 (7 December 2026): the indemnities of a row are those of the days worked at the département's lieux, no
# longer those its CPAM pays (ADR 0018, revision); the names and types of the columns did not change.
SCHEMA_VERSION = "2.0.0"
LICENCE = {
    "name": "etalab-2.0",
    "title": "Licence Ouverte / Open Licence version 2.0",
    "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
}
# Figures that describe the day of publication rather than the quarter are left out (the first free slot); the
# résultats attendus are counted as they stand the day the quarter is published.
EXCLUDED = {"delai_premier_creneau"}
HEADER = [
    Colonne("trimestre", "Trimestre (AAAAT1 à AAAAT4)", "", "string"),
    Colonne("version", "Version de la publication du trimestre", "", "integer"),
]


def open_columns() -> list[Colonne]:
    return HEADER + [c for c in columns("departements") if c.name not in EXCLUDED]


def _field(column: Colonne) -> dict[str, Any]:
    description = f"{column.definition} " if column.definition else ""
    description += f"Unité : {column.unit}." if column.unit else ""
    if column.people:
        description += " Vide quand la case compte moins de personnes que le seuil du secret statistique."
    field: dict[str, Any] = {"name": column.name, "title": column.title, "type": column.type}
    if description:
        field["description"] = description.strip()
    constraints: dict[str, Any] = {}
    if column.name in ("trimestre", "version", "departement", "nom", "region"):
        constraints["required"] = True
    if column.name == "trimestre":
        constraints["pattern"] = "^\\d{4}T[1-4]$"
    if column.type in ("integer", "number") and column.name != "trimestre":
        constraints["minimum"] = 1 if column.name == "version" else 0
    if constraints:
        field["constraints"] = constraints
    return field


def schema() -> dict[str, Any]:
    return {
        "$schema": "https://specs.frictionlessdata.io/schemas/table-schema.json",
        "name": "indicateurs-trimestriels-solidarite-territoriale",
        "title": "Mission de solidarité territoriale : indicateurs trimestriels par département",
        "description": (
            "Une ligne par département et par trimestre publié. Millésime : le trimestre (colonne trimestre) ; "
            "une correction est publiée comme une nouvelle version (colonne version), l'ancienne reste en ligne. "
            "Zonage : campagne active le jour de la publication. Secret statistique : une case qui compte moins "
            "de 10 personnes est laissée vide. Lieux, missions, rendez-vous, résultats attendus et indemnités sont "
            "comptés dans le département du lieu de mission ; une zone dans celui où vit l'essentiel de sa "
            "population ; les médecins inscrits et validés dans celui où ils habitent. Avant la version 2.0.0 du "
            "schéma, les indemnités d'une ligne étaient celles que payait la CPAM du département. "
            "Licence Ouverte 2.0 (Etalab)."
        ),
        "version": SCHEMA_VERSION,
        "licenses": [LICENCE],
        "encoding": "utf-8",
        "missingValues": [""],
        "fields": [_field(c) for c in open_columns()],
        "primaryKey": ["trimestre", "departement"],
    }
