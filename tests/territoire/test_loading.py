"""load_territoire on the real files: counts, idempotence, updates, and all-or-nothing on errors."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from solidarite.territoire import suggestions
from solidarite.territoire.models import CodePostal, Commune, CommuneDeleguee, Departement, Epci, Region
from solidarite.territoire.sources import read_territoire
from tests.conftest import DATA_DIR

pytestmark = pytest.mark.django_db


def _load(*args: str) -> str:
    out = StringIO()
    call_command("load_territoire", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def _snapshot() -> dict[str, int]:
    return {
        "regions": Region.objects.count(),
        "departements": Departement.objects.count(),
        "epci": Epci.objects.count(),
        "communes": Commune.objects.count(),
        "codes_postaux": CodePostal.objects.count(),
        "deleguees": CommuneDeleguee.objects.count(),
    }


def test_database_holds_exactly_the_files() -> None:
    counts = read_territoire(DATA_DIR).file_counts()
    assert _snapshot() == {
        "regions": counts["regions"],
        "departements": counts["departements"],
        "epci": counts["epci"],
        "communes": counts["communes"] + counts["arrondissements_municipaux"],
        "codes_postaux": counts["codes_postaux"],
        "deleguees": counts["communes_deleguees_associees"],
    }
    mauriac = Commune.objects.select_related("epci", "departement__region").get(code_insee="15120")
    assert (mauriac.nom, mauriac.departement.code, mauriac.region.nom) == (
        "Mauriac",
        "15",
        "Auvergne-Rhône-Alpes",
    )
    assert mauriac.epci is not None and mauriac.epci.siren == "241500271"
    assert Commune.objects.get(code_insee="75115").commune_parente.code_insee == "75056"  # type: ignore[union-attr]
    assert Commune.objects.get(code_insee="29155").epci is None  # Ouessant belongs to no EPCI


def test_second_run_changes_nothing() -> None:
    output = _load()
    assert "rien n'a changé" in output
    assert "34969" in output


def test_changed_file_updates_only_what_changed_and_dry_run_writes_nothing(
    data_copy: Path, copy_file, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    copy_file(
        data_copy,
        "communes_cog2025.csv",
        lambda lines: [line.replace("15120,Mauriac,", "15120,Mauriac-en-Auvergne,") for line in lines],
    )
    with django_capture_on_commit_callbacks() as callbacks:
        preview = _load("--data-dir", str(data_copy), "--dry-run")
    assert "simulation" in preview
    assert Commune.objects.get(code_insee="15120").nom == "Mauriac"
    assert suggestions.forget not in callbacks
    with django_capture_on_commit_callbacks() as callbacks:  # not run: the test's transaction is rolled back
        _load("--data-dir", str(data_copy))
    assert suggestions.forget in callbacks  # the names this process keeps to propose the nearest: read again
    renamed = Commune.objects.get(code_insee="15120")
    assert (renamed.nom, renamed.nom_normalise) == ("Mauriac-en-Auvergne", "mauriac en auvergne")
    assert "rien n'a changé" in _load("--data-dir", str(data_copy))


def test_cog_2026_update_renames_and_removes_delegated_communes() -> None:
    before = _snapshot()
    output = _load("--cog", "2026")
    after = _snapshot()
    assert after["communes"] == before["communes"]  # no merger in 2026
    assert after["deleguees"] < before["deleguees"]
    assert "Territoire COG 2026" in output
    _load()  # back to the 2025 geography of the 2025 zones
    assert _snapshot() == before


def test_broken_file_leaves_the_database_as_it_was(data_copy: Path, copy_file) -> None:  # type: ignore[no-untyped-def]
    # A valid change early in the file, then a malformed row later: nothing of either may be written.
    def rename_then_break(lines: list[str]) -> list[str]:
        lines = [line.replace("15120,Mauriac,", "15120,Mauriac-modifiée,") for line in lines]
        return [*lines[:30000], "99999,Nulle-part\n", *lines[30000:]]

    copy_file(data_copy, "communes_cog2025.csv", rename_then_break)
    before = _snapshot()
    with pytest.raises(CommandError) as error:
        _load("--data-dir", str(data_copy))
    assert "communes_cog2025.csv, ligne 30001" in str(error.value)
    assert "La base n'a pas été modifiée" in str(error.value)
    assert _snapshot() == before
    assert Commune.objects.get(code_insee="15120").nom == "Mauriac"


def test_missing_data_folder_is_a_clear_command_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Dossier de données introuvable"):
        _load("--data-dir", str(tmp_path / "nulle-part"))
