"""A data, parameter or instance file that its parser refuses is explained in French, with the place: the
commands that read them (load_territoire, zonage, zonage calibrer --liste, plan) quoted json's, tomllib's,
csv's and the codec's English words (« Expecting value », « Expected newline or end of document after a
statement (at line 1, column 7) », « field larger than field limit », « invalid continuation byte »)."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from solidarite.planning.echelle import EchelleError, lire_instance
from solidarite.territoire.sources import DataFileError, read_csv, read_json_list
from solidarite.zonage.listes import ListeError, lire_liste
from solidarite.zonage.score import ParamError
from solidarite.zonage.sources import load_params

# No database, in this process or in a command it runs: once, in the SQLite pass (.ci/run).
pytestmark = pytest.mark.sans_base

ENGLISH = re.compile(r"\b(Expect\w*|Invalid|Unterminated|Extra data|field|line \d|at end|invalid|byte)\b")


@pytest.fixture(autouse=True)
def _csv_default_field_limit() -> Iterator[None]:
    """csv's own limit (131 072 characters): frictionless, once imported by another test, raises it for the
    whole process, and the refusal these tests read would not come."""
    before = csv.field_size_limit(131_072)
    yield
    csv.field_size_limit(before)


def _read_csv(path: Path) -> object:
    return list(read_csv(path, ("code",)))


@pytest.mark.parametrize(
    ("name", "content", "read", "error", "french"),
    [
        ("regions.json", b"", read_json_list, DataFileError, "valeur attendue"),
        ("regions.json", b'[{"code": "01",}]', read_json_list, DataFileError, "nom de propriété"),
        # a RecursionError and a ValueError, tracebacks of load_territoire (an outside probe, 6 December)
        (
            "regions.json",
            b"[" * 100_000 + b"]" * 100_000,
            read_json_list,
            DataFileError,
            "JSON trop imbriqué",
        ),
        ("regions.json", b'[{"code": ' + b"9" * 5000 + b"}]", read_json_list, DataFileError, "démesuré"),
        ("i.json", b"[" * 100_000 + b"]" * 100_000, lire_instance, EchelleError, "JSON trop imbriqué"),
        ("epci.csv", "code\nMontréal\n".encode("cp1252"), _read_csv, DataFileError, "octet invalide"),
        ("epci.csv", b'code\n"' + b"x" * 200_000 + b'"\n', _read_csv, DataFileError, "un champ dépasse"),
        ("p.toml", b"a = 1 b\n", load_params, ParamError, "ligne 1, colonne 7"),
        (
            "p.toml",
            b'a = "x',
            load_params,
            ParamError,
            "texte entre guillemets non refermé, en fin de fichier",
        ),
        ("p.toml", b'a = "x\n', load_params, ParamError, "caractère interdit, ligne 1, colonne 7"),
        ("i.json", b'{"month": "2026-03", "volunteers": [', lire_instance, EchelleError, "valeur attendue"),
        ("i.json", b'{"month": "2026-03"} {}', lire_instance, EchelleError, "données en trop"),
    ],
)
def test_a_file_its_parser_refuses_is_explained_in_french(
    tmp_path: Path, name: str, content: bytes, read: Callable[[Path], object], error: type, french: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(error) as refused:
        read(path)
    message = str(refused.value)
    assert french in message and not ENGLISH.search(message), message


def test_a_list_with_a_field_over_the_csv_limit_is_explained_in_french() -> None:
    with pytest.raises(ListeError) as refused:
        lire_liste('siren;nom\n"' + "x" * 200_000 + '";y\n', [])
    message = "\n".join(refused.value.messages)
    assert "un champ dépasse 131 072 caractères" in message and not ENGLISH.search(message), message
