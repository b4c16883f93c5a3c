"""The region of a volunteer or a lieu in an instance (an outside probe of the command line, 6 December): a JSON
`"region": null` was read as the region "None" (one more region for the decomposition, its volunteers cut off
from their lieux), a list or true as their Python spelling, and « ../x » or « a/b » named the files of
`planning_echelle` outside its work folder or nowhere. A region is optional: absent or null, it is unknown (""); a
text (spaces around dropped) or a whole number read as its digits; anything else is refused naming the field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from solidarite.planning.echelle import ecrire_regions, nom_de_fichier
from solidarite.planning.optimizer import InstanceError, parse_instance, split_by_region
from tests.planning.test_optimizer import EXAMPLE

# No database, in this process or in a command it runs: once, in the SQLite pass (.ci/run).
pytestmark = pytest.mark.sans_base


def _with(kind: str, value: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(json.dumps(EXAMPLE))
    data[kind][0]["region"] = value
    return data


@pytest.mark.parametrize("kind", ["volunteers", "sites"])
@pytest.mark.parametrize(
    ("value", "read"), [(None, ""), ("  84 ", "84"), (84, "84"), ("Île-de-France", "Île-de-France"), ("", "")]
)
def test_a_region_is_a_text_a_whole_number_or_null(kind: str, value: Any, read: str) -> None:
    instance = parse_instance(_with(kind, value))
    assert getattr(instance, kind)[0].region == read
    assert "None" not in split_by_region(instance)


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (True, "true"),
        (["84"], "['84']"),
        ({"code": "84"}, "{'code': '84'}"),
        (8.4, "8.4"),
        ("8\n4", "'8\\n4'"),
        ("x" * 101, "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxx… (103 caractères)"),
    ],
    ids=repr,
)
def test_anything_else_is_refused_naming_the_field(value: Any, written: str) -> None:
    with pytest.raises(InstanceError) as refused:
        parse_instance(_with("sites", value))
    assert str(refused.value) == (
        "sites[0].region : code de région attendu, un texte d'au plus 100 caractères imprimables ou un nombre "
        f"entier, ou null si elle est inconnue (reçu : {written}) (lieu 's1')."
    )


def test_a_null_is_named_null_in_a_refusal() -> None:
    """« reçu : None » named a JSON null with Python's word."""
    data: dict[str, Any] = json.loads(json.dumps(EXAMPLE))
    data["volunteers"][0]["block_days"] = None
    with pytest.raises(InstanceError, match=r"block_days : nombre attendu \(reçu : null\)"):
        parse_instance(data)


@pytest.mark.parametrize("region", ["../../dehors", "a/b", "sans-region", "Île-de-France", "84"])
def test_every_region_has_its_files_inside_the_work_folder(tmp_path: Path, region: str) -> None:
    data: dict[str, Any] = json.loads(json.dumps(EXAMPLE))
    for record in data["volunteers"] + data["sites"]:
        record["region"] = region
    folder = tmp_path / "regions"
    files = ecrire_regions(parse_instance(data), folder)
    assert [path.parent for path, _ in files.values()] == [folder]
    assert files[region][0].name == f"region-{nom_de_fichier(region)}.json"
    assert nom_de_fichier(region) != nom_de_fichier("")  # « sans-region » is the file of no region
    assert list(tmp_path.iterdir()) == [folder]
