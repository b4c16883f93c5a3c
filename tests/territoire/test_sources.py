"""Reading the real files, and refusing broken ones with the file and line named."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from solidarite.territoire.sources import DataError, DataFileError, read_territoire
from tests.conftest import DATA_DIR, replace_file

# No database, in this process or in a command it runs: once, in the SQLite pass (.ci/run).
pytestmark = pytest.mark.sans_base


def _rows_by_type() -> dict[str, int]:
    counts: dict[str, int] = {}
    with (DATA_DIR / "communes_cog2025.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            counts[row["type"]] = counts.get(row["type"], 0) + 1
    return counts


def test_real_files_are_read_whole() -> None:
    data = read_territoire(DATA_DIR)
    by_type = _rows_by_type()
    counts = data.file_counts()
    assert counts["communes"] == by_type["commune-actuelle"] == 34969
    assert counts["arrondissements_municipaux"] == by_type["arrondissement-municipal"] == 45
    assert counts["communes_deleguees_associees"] == by_type["commune-deleguee"] + by_type["commune-associee"]
    assert counts["epci"] == len((DATA_DIR / "epci.csv").read_text(encoding="utf-8").splitlines()) - 1 == 1255
    assert counts["departements"] == len(json.loads((DATA_DIR / "departements.json").read_text())) == 109
    assert counts["regions"] == len(json.loads((DATA_DIR / "regions.json").read_text())) == 26


def test_communes_without_polygon_are_imputed_or_reported() -> None:
    data = read_territoire(DATA_DIR)
    imputed = sorted(code for code, c in data.coordonnees.items() if c.source == "imputee_commune_parente")
    assert imputed == ["15031", "15035", "15047", "15171"]
    assert data.coordonnees["15031"].latitude == data.coordonnees["15141"].latitude
    # Only overseas collectivities (COM) are left without coordinates, and they are listed.
    assert data.sans_coordonnees and all(
        code[:3] in {"975", "977", "978", "984", "986", "987", "988", "989"} for code in data.sans_coordonnees
    )
    assert len(data.sans_coordonnees) == 94


def test_missing_folder_is_explained(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"Dossier de données introuvable .*SOLIDARITE_DATA_DIR"):
        read_territoire(tmp_path / "absent")


def test_missing_file_is_named(data_copy: Path) -> None:
    (data_copy / "epci.csv").unlink()
    with pytest.raises(DataError, match=r"Fichier\(s\) manquant\(s\) .*epci\.csv"):
        read_territoire(data_copy)


def test_truncated_communes_file_names_the_line(data_copy: Path, copy_file) -> None:  # type: ignore[no-untyped-def]
    # Cut the file in the middle of its 1001st line, as an interrupted copy would.
    copy_file(data_copy, "communes_cog2025.csv", lambda lines: [*lines[:1000], lines[1000][:20]])
    with pytest.raises(DataFileError) as error:
        read_territoire(data_copy)
    assert error.value.path.name == "communes_cog2025.csv"
    assert error.value.line == 1001
    assert "fichier tronqué" in str(error.value)


def test_truncation_at_a_line_boundary_is_caught_by_cross_checks(data_copy: Path, copy_file) -> None:  # type: ignore[no-untyped-def]
    copy_file(data_copy, "epci_membres.csv", lambda lines: lines[:20000])
    with pytest.raises(
        DataFileError, match=r"epci_membres\.csv : 14872 commune\(s\) membre\(s\) d'un EPCI absente\(s\)"
    ):
        read_territoire(data_copy)
    copy_file(data_copy, "communes_cog2025.csv", lambda lines: lines[:20000])
    with pytest.raises(DataFileError, match=r"communes_cog2025\.csv"):
        read_territoire(data_copy)


def test_commune_with_unknown_epci(data_copy: Path, copy_file) -> None:  # type: ignore[no-untyped-def]
    def break_line_3(lines: list[str]) -> list[str]:
        fields = lines[2].rstrip("\n").split(",")
        fields[-1] = "999999999"
        return [*lines[:2], ",".join(fields) + "\n", *lines[3:]]

    copy_file(data_copy, "communes_cog2025.csv", break_line_3)
    with pytest.raises(
        DataFileError, match=r"communes_cog2025\.csv, ligne 3 : .*EPCI 999999999, absent de epci\.csv"
    ):
        read_territoire(data_copy)


def test_bad_population_and_bad_json(data_copy: Path, copy_file) -> None:  # type: ignore[no-untyped-def]
    copy_file(
        data_copy,
        "epci.csv",
        lambda lines: [lines[0], lines[1].replace(",CC,FPU,29204,", ",CC,FPU,beaucoup,")],
    )
    with pytest.raises(
        DataFileError, match=r"epci\.csv, ligne 2 : populationTotale n'est pas un nombre entier"
    ):
        read_territoire(data_copy)
    replace_file(data_copy, "regions.json", '[{"code": "84", "nom": "Auvergne"')
    with pytest.raises(DataFileError, match=r"regions\.json, ligne 1 : JSON mal formé"):
        read_territoire(data_copy)


def test_a_duplicated_epci_is_refused_naming_both_lines(data_copy: Path, copy_file) -> None:  # type: ignore[no-untyped-def]
    """An outside probe (6 December): an EPCI line repeated at the end was loaded over the first, exit 0."""
    copy_file(data_copy, "epci.csv", lambda lines: [*lines, lines[1]])
    with pytest.raises(
        DataFileError, match=r"epci\.csv, ligne 1257 : SIREN \d{9} en double \(déjà en ligne 2\)"
    ):
        read_territoire(data_copy)


def test_empty_file(data_copy: Path) -> None:
    replace_file(data_copy, "epci.csv", "")
    with pytest.raises(DataFileError, match="fichier vide"):
        read_territoire(data_copy)


def test_apl_file_keeps_one_year_but_checks_every_line(data_copy: Path, copy_file) -> None:  # type: ignore[no-untyped-def]
    from solidarite.zonage.sources import read_apl

    rows = read_apl(data_copy)
    with (DATA_DIR / "apl_mg_2022_2023.csv").open(encoding="utf-8") as handle:
        expected = sum(1 for row in csv.DictReader(handle) if row["annee"] == "2023")
    assert len(rows) == expected > 30000
    # A truncated line of the year that is not read must still stop the reading (an interrupted copy).
    lines = (DATA_DIR / "apl_mg_2022_2023.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    other = next(i for i, line in enumerate(lines) if line.startswith("2022,") and i > 10)
    copy_file(
        data_copy, "apl_mg_2022_2023.csv", lambda ls: [*ls[:other], ls[other][:12] + "\n", *ls[other + 1 :]]
    )
    with pytest.raises(DataFileError) as error:
        read_apl(data_copy)
    assert error.value.line == other + 1
    assert "fichier tronqué" in str(error.value)


def test_a_filter_on_a_missing_column_is_refused(data_copy: Path) -> None:
    from solidarite.territoire.sources import read_csv

    with pytest.raises(DataFileError, match="colonne 'annee' absente"):
        list(read_csv(data_copy / "epci.csv", ("siren",), only=("annee", "2023")))


def test_an_apl_file_without_any_offer_or_with_a_negative_value_is_refused(data_copy: Path) -> None:
    """Every APL at 0 gave a NaN share of old GPs, then « cannot convert float NaN to integer » (exit 1, in
    English) deep in the ranking; a negative APL or population was read as is."""
    from solidarite.zonage.sources import read_apl

    header = "annee,code_commune_insee,commune,apl_mg,apl_mg_moins_65ans,population_standardisee,population_totale,annee_population\n"
    replace_file(
        data_copy,
        "apl_mg_2022_2023.csv",
        header + "2023,01001,A,0,0,810.8,806,2020\n2023,01002,B,0.0,0,250,262,2020\n",
    )
    with pytest.raises(DataFileError, match="aucune commune n'a une APL positive pour l'année 2023"):
        read_apl(data_copy)
    replace_file(
        data_copy,
        "apl_mg_2022_2023.csv",
        header + "2023,01001,A,1.2,1,810.8,806,2020\n2023,01002,B,-0.5,0,250,262,2020\n",
    )
    with pytest.raises(DataFileError, match=r"ligne 3 : apl_mg négatif : '-0\.5'"):
        read_apl(data_copy)
    replace_file(data_copy, "apl_mg_2022_2023.csv", header + "2023,01001,A,1.2,1,810.8,-806,2020\n")
    with pytest.raises(DataFileError, match="population_totale négatif"):
        read_apl(data_copy)


def test_a_byte_order_mark_is_not_read_as_part_of_the_first_column(data_copy: Path, copy_file) -> None:  # type: ignore[no-untyped-def]
    """An outside probe (6 December): epci.csv saved by a spreadsheet with a byte-order mark was refused with
    « colonne(s) absente(s) de l'en-tête : siren », a column the file plainly has."""
    copy_file(data_copy, "epci.csv", lambda lines: ["\ufeff" + lines[0], *lines[1:]])
    copy_file(data_copy, "regions.json", lambda lines: ["\ufeff" + lines[0], *lines[1:]])
    data = read_territoire(data_copy)
    assert len(data.epcis) == len(read_territoire(DATA_DIR).epcis)


@pytest.mark.parametrize("character", ["\x00", "\u202e", "\u200b"])
def test_a_name_holding_a_control_or_invisible_character_is_refused(  # type: ignore[no-untyped-def]
    data_copy: Path, copy_file, character: str
) -> None:
    """An outside probe (6 December): a NUL in a commune's name was loaded on SQLite (PostgreSQL refuses it
    mid-load); a bidi override reversed the name on every page."""

    def break_name(lines: list[str]) -> list[str]:
        fields = next(csv.reader([lines[2]]))
        fields[1] += character + "x"  # the column « nom »
        return [*lines[:2], ",".join(f'"{f}"' for f in fields) + "\n", *lines[3:]]

    copy_file(data_copy, "communes_cog2025.csv", break_name)
    with pytest.raises(
        DataFileError,
        match=rf"communes_cog2025\.csv, ligne 3 : .*caractère invisible ou de contrôle \(U\+{ord(character):04X}\)",
    ):
        read_territoire(data_copy)
