"""Every dashboard table as CSV (UTF-8, comma, header of column names) and as XLSX (openpyxl, write-only; the
columns' French titles and units as the header). A masked cell (statistical secret) is empty in both."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from solidarite.pilotage.colonnes import Colonne
from solidarite.web.tableurs import csv_cell, xlsx_cell

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _text(column: Colonne, value: Any) -> str:
    if value is None:
        return ""
    if column.type == "yearmonth" and isinstance(value, dt.date):
        return f"{value:%Y-%m}"
    if isinstance(value, float):
        return f"{value:.2f}" if column.unit == "€" else f"{value:g}"
    if isinstance(value, str):
        return str(csv_cell(value))  # a zone's or a department's name: never a formula
    return str(value)


def csv_text(columns: Sequence[Colonne], rows: Sequence[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([c.name for c in columns])
    for row in rows:
        writer.writerow([_text(c, row.get(c.name)) for c in columns])
    return buffer.getvalue()


def title(column: Colonne) -> str:
    return f"{column.title} ({column.unit})" if column.unit else column.title


def xlsx(columns: Sequence[Colonne], rows: Sequence[dict[str, Any]], sheet: str) -> bytes:
    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet[:31])
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(ws, value=title(column))
        cell.font = bold
        header.append(cell)
    ws.append(header)
    for row in rows:
        values = []
        for column in columns:
            value = row.get(column.name)
            if column.type == "yearmonth" and isinstance(value, dt.date):
                value = f"{value:%Y-%m}"
            values.append(xlsx_cell(ws, value))  # a text is a text cell, never a formula
        ws.append(values)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
