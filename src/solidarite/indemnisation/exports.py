"""Exports for the paying body and for pilotage: the month per CPAM (CSV with a versioned Table Schema, and XLSX
written with openpyxl), the contested statements held apart, the amounts by state per region and month (CSV). No bank details: there are none. The volunteer's
statement as a PDF is `indemnisation/pdf.py` (weasyprint).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, NamedStyle
from openpyxl.utils import get_column_letter

from solidarite.indemnisation.models import Releve
from solidarite.web.tableurs import csv_cell, xlsx_cell

SCHEMA_VERSION = "1.0.0"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The CSV of the CPAM, one row per statement line (Table Schema, https://specs.frictionlessdata.io/table-schema/).
SCHEMA: dict[str, Any] = {
    "$schema": "https://specs.frictionlessdata.io/schemas/table-schema.json",
    "name": "indemnites-solidarite-territoriale",
    "title": "Indemnités des médecins volontaires de la mission de solidarité territoriale, par CPAM et par mois",
    "description": "Une ligne par journée réalisée ou par ajustement d'un relevé validé par l'ARS. "
    "Aucune coordonnée bancaire : la CPAM verse l'indemnité comme elle règle les consultations du médecin.",
    "version": SCHEMA_VERSION,
    "encoding": "utf-8",
    "missingValues": [""],
    "fields": [
        {
            "name": "cpam",
            "title": "CPAM (code du département du médecin)",
            "type": "string",
            "constraints": {"required": True, "pattern": "^(\\d{2}|2A|2B|97\\d)$"},
        },
        {"name": "mois", "title": "Mois du relevé", "type": "yearmonth", "constraints": {"required": True}},
        {
            "name": "releve",
            "title": "Identifiant du relevé",
            "type": "integer",
            "constraints": {"required": True},
        },
        {
            "name": "statut",
            "title": "Statut du relevé",
            "type": "string",
            "constraints": {"required": True, "enum": ["valide", "transmis", "paye", "conteste"]},
        },
        {
            "name": "rpps",
            "title": "Numéro RPPS du médecin",
            "type": "string",
            "constraints": {"required": True, "pattern": "^\\d{11}$"},
        },
        {"name": "nom", "title": "Nom du médecin", "type": "string", "constraints": {"required": True}},
        {"name": "prenom", "title": "Prénom du médecin", "type": "string", "constraints": {"required": True}},
        {
            "name": "region",
            "title": "Code de la région du lieu (ARS)",
            "type": "string",
            "constraints": {"required": True},
        },
        {
            "name": "genre",
            "title": "Journée ou ajustement",
            "type": "string",
            "constraints": {"required": True, "enum": ["jour", "ajustement"]},
        },
        {
            "name": "mission",
            "title": "Identifiant de la mission",
            "type": "integer",
            "constraints": {"required": True},
        },
        {"name": "date", "title": "Date de la journée", "type": "date", "constraints": {"required": True}},
        {
            "name": "nature",
            "title": "Journée ou demi-journée (vide : journée retirée)",
            "type": "string",
            "constraints": {"enum": ["journee", "demi_journee"]},
        },
        {
            "name": "taux",
            "title": "Montant en vigueur ce jour-là (€)",
            "type": "number",
            "constraints": {"required": True, "minimum": 0},
        },
        {
            "name": "montant",
            "title": "Montant de la ligne (€, négatif pour un ajustement à la baisse)",
            "type": "number",
            "constraints": {"required": True},
        },
        {
            "name": "consultations",
            "title": "Consultations du jour (pour information)",
            "type": "integer",
            "constraints": {"required": True, "minimum": 0},
        },
        {"name": "motif", "title": "Motif de l'ajustement", "type": "string"},
    ],
    "primaryKey": ["releve", "genre", "mission"],
}
COLUMNS = [f["name"] for f in SCHEMA["fields"]]
# The paying body's file: the statements validated by the ARS and not contested (decision 0026). A contested one is
# held until the ARS answers: it goes to a file (CSV `?contestes=1`) or sheet of its own, never silently dropped.
A_LA_CPAM = (Releve.Statut.VALIDE, Releve.Statut.TRANSMIS, Releve.Statut.PAYE)
FEUILLE_CPAM = "Indemnités"
FEUILLE_CONTESTES = "Contestés (suspendus)"
# The amounts the pages and files show, each apart and never added together: a draft is no amount owed, a
# contested statement is held (decision 0026). `valide`: validated or transmitted, not paid yet.
ETATS: dict[str, tuple[str, ...]] = {
    "brouillon": (Releve.Statut.BROUILLON,),
    "valide": (Releve.Statut.VALIDE, Releve.Statut.TRANSMIS),
    "paye": (Releve.Statut.PAYE,),
    "conteste": (Releve.Statut.CONTESTE,),
}
TOTAUX_COLUMNS = ["region", "nom_region", "mois", "releves", *(f"montant_{etat}" for etat in ETATS)]


def montants(releves: Iterable[Releve]) -> dict[str, Decimal]:
    """The statements' amounts by state (`ETATS`)."""
    out = dict.fromkeys(ETATS, Decimal(0))
    for r in releves:
        for etat, statuts in ETATS.items():
            if r.statut in statuts:
                out[etat] += r.total
    return out


def totaux_par_region(first: dt.date | None = None) -> list[dict[str, Any]]:
    """Statements and their amounts by state (`montant_brouillon`, `montant_valide`, …), per region and month: one
    query."""
    rows = Releve.objects.all()
    if first is not None:
        rows = rows.filter(mois=first)
    sums = {
        f"montant_{etat}": Sum("total", filter=Q(statut__in=statuts), default=Decimal(0))
        for etat, statuts in ETATS.items()
    }
    return list(
        rows.values("region__code", "region__nom", "mois")
        .annotate(releves=Count("pk"), **sums)
        .order_by("mois", "region__nom")
    )


def rows(releves: Iterable[Releve]) -> list[dict[str, Any]]:
    """One row per line of the statements (with prefetched `lignes`), in CSV order, with typed values (dates as
    `date`, the month as its first day, amounts as `Decimal`): `csv_text` and `xlsx` write them each their way."""
    out: list[dict[str, Any]] = []
    for r in releves:
        for ligne in r.lignes.all():
            out.append(
                {
                    "cpam": r.cpam,
                    "mois": r.mois,
                    "releve": r.pk,
                    "statut": r.statut,
                    "rpps": r.medecin.rpps,
                    "nom": r.medecin.nom,
                    "prenom": r.medecin.prenom,
                    "region": r.region.code,
                    "genre": ligne.genre,
                    "mission": ligne.mission_id,
                    "date": ligne.date,
                    "nature": ligne.nature,
                    "taux": ligne.taux,
                    "montant": ligne.montant,
                    "consultations": ligne.consultations,
                    "motif": ligne.motif,
                }
            )
    out.sort(key=lambda row: (row["cpam"], row["nom"], row["releve"], row["date"], row["genre"]))
    return out


def _csv_value(name: str, value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if name == "mois":  # Table Schema `yearmonth`
        return f"{value:%Y-%m}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return csv_cell(value)  # a name or a reason typed by a person: never a formula (the probe of 6 December)


def csv_text(data: Sequence[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in data:
        writer.writerow({k: _csv_value(k, v) for k, v in row.items()})
    return buffer.getvalue()


def totaux_csv(data: Sequence[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(TOTAUX_COLUMNS)
    for r in data:
        writer.writerow(
            [
                csv_cell(r["region__code"]),
                csv_cell(r["region__nom"]),
                f"{r['mois']:%Y-%m}",
                r["releves"],
                *(f"{r[f'montant_{etat}'] or 0:.2f}" for etat in ETATS),
            ]
        )
    return buffer.getvalue()


# --- XLSX (openpyxl, write-only: rows streamed to the file, memory flat in the number of rows) ----------------

EURO_FORMAT = '#,##0.00\\ "€";-#,##0.00\\ "€"'
DATE_FORMAT = "dd/mm/yyyy"
MONTH_FORMAT = "mm/yyyy"
# The format of each typed column (the others are text or integers, written as they are).
FORMATS = {"mois": MONTH_FORMAT, "date": DATE_FORMAT, "taux": EURO_FORMAT, "montant": EURO_FORMAT}
# Column widths (in characters): wide enough for the values; the header wraps.
WIDTHS = {"nom": 22, "prenom": 18, "motif": 40, "rpps": 14, "taux": 14, "montant": 14, "date": 12, "mois": 10}


def xlsx(
    data: Sequence[dict[str, Any]],
    sheet: str = FEUILLE_CPAM,
    autres: Sequence[tuple[str, Sequence[dict[str, Any]]]] = (),
) -> bytes:
    """The rows as a workbook (a sheet, then one per `autres`): the schema's titles as a bold header (frozen,
    filterable), numbers as numbers, amounts in euros, dates as dates. Written in openpyxl's write-only mode, with
    one named style per format (a style per cell would be registered thousands of times)."""
    book = Workbook(write_only=True)
    header = NamedStyle(
        name="entete", font=Font(bold=True), alignment=Alignment(wrap_text=True, vertical="top")
    )
    styles = {
        name: NamedStyle(name=f"format_{name}", number_format=number_format)
        for name, number_format in FORMATS.items()
    }
    for style in (header, *styles.values()):
        book.add_named_style(style)
    for title, rows_ in ((sheet, data), *autres):
        _sheet(book.create_sheet(title), rows_, {name: style.name for name, style in styles.items()})
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet(ws: Any, data: Sequence[dict[str, Any]], styles: dict[str, str]) -> None:
    """One sheet: widths, frozen and filterable header, then the rows (`styles`: a column's named style)."""
    for index, name in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = WIDTHS.get(name, 12)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{len(data) + 1}"
    titles = []
    for field in SCHEMA["fields"]:
        cell = WriteOnlyCell(ws, value=field["title"])
        cell.style = "entete"
        titles.append(cell)
    ws.append(titles)
    for row in data:
        line: list[Any] = []
        for name in COLUMNS:
            value = row[name]
            if value == "":
                value = None  # an empty cell, not an empty string
            if name in styles:
                cell = WriteOnlyCell(ws, value=value)
                cell.style = styles[name]
                line.append(cell)
            else:
                line.append(xlsx_cell(ws, value))  # a text is a text cell, never a formula
        ws.append(line)
