"""Cells of the exported CSV and XLSX files that a spreadsheet reads as data, never as a formula (CSV or formula
injection, OWASP): pure Python and openpyxl, no Django. Every CSV and XLSX writer of the contexts goes through it.

A text that came from a person or a data file (a volunteer's name, an adjustment's reason, a zone's name) may begin
with « = », « + », « - », « @ », a tab or a carriage return: Excel and LibreOffice take such a cell for a formula
(`=HYPERLINK(…)` sending the neighbouring cells to a server, `@SUM(1+1)*cmd|' /C calc'!A0`).

- CSV: the text gets a leading apostrophe (OWASP's advice), which the spreadsheet shows as a text marker. The
  reader of the file sees « '-Dupont » for a name that would begin with a hyphen: the usual trade-off. A carriage
  return inside a text becomes a line feed: Python's writer (rows ended by a line feed) quotes a text holding a
  line feed but left a lone carriage return bare, which a spreadsheet reads as the end of the row, so a name
  « x », carriage return, « =HYPERLINK(…) » began a new row with a formula; quoted, the break stays in the cell.
- CSV, the pieces: the files are comma-separated (Table Schema, data tools), and a « ; » inside a name is data to
  every reader that takes the file's separator. French Excel, opening a CSV by a double click, splits it on « ; »
  (its list separator) and ends a row at any line break, quotes or not: each piece is then a cell of its own, and
  « Dupont;=HYPERLINK(…) » or « Dupont », line break, « =HYPERLINK(…) » put a formula in it. A piece beginning like
  a formula after a « ; » or a line break gets its apostrophe too (`csv_cell`); the « ; » and the line
  break stay.
- XLSX: the text is written as a text cell (`t="inlineStr"`, never `<f>`) with the « quotePrefix » style, so that
  editing the cell in Excel keeps it a text; its value is unchanged. The control characters XML 1.0 cannot hold
  (openpyxl raised IllegalCharacterError, a 500) are dropped.

Numbers, dates and amounts are never touched: a negative adjustment stays a number.
"""

from __future__ import annotations

import re
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A formula start at the beginning of a piece a spreadsheet splitting on « ; » or on line breaks makes a cell of
# (spaces before it included: the spreadsheet may trim them).
PIECE_FORMULA = re.compile(r"(?<=[;\n])(?=[ ]*[=+\-@\t])")
# The characters openpyxl refuses in a cell (openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE): not allowed in XML 1.0.
XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def csv_cell(value: Any) -> Any:
    """The value to give the CSV writer: a text beginning like a formula behind an apostrophe, its carriage returns
    as line feeds, and each piece after a « ; » or a line break that begins like a formula behind an apostrophe
    too (French Excel makes a cell of it); anything else as it is (numbers are formatted by the caller after this,
    so « -100.00 » stays a number)."""
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_STARTS):
        value = "'" + value
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    if ";" in value or "\n" in value:
        value = PIECE_FORMULA.sub("'", value)
    return value


def xlsx_cell(sheet: Any, value: Any) -> Any:
    """The value to append to a write-only `sheet`: a text that could be read as a formula (or that holds a
    character XML refuses) as a text cell, anything else as it is."""
    if not isinstance(value, str):
        return value
    formula_like = value.startswith(FORMULA_STARTS)
    if not formula_like and XML_ILLEGAL.search(value) is None:
        return value  # openpyxl writes any other text as a text cell
    # Here, not at the top: openpyxl is 0.13 s of the start of every command that may write a CSV (zonage, pilotage)
    from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]

    cell = WriteOnlyCell(sheet, value=XML_ILLEGAL.sub("", value))
    cell.data_type = "s"  # openpyxl made a text beginning with « = » a formula
    if formula_like:
        cell.quotePrefix = True
    return cell
