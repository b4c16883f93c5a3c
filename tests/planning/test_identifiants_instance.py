"""The ids of an instance (an outside probe of the command line, 6 December): a volunteer's or a lieu's
`"id": null` was read as the text "None", planned and written back as such. An id, and the one an entry of
`history` or `excluded` names, is a non-empty text, as `instance_as_dict` writes it, or a whole number read as
its digits; anything else is refused naming the entry (exit 2 on the command line)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from solidarite.planning.optimizer import InstanceError, parse_instance
from tests.planning.test_optimizer import EXAMPLE

# No database, in this process or in a command it runs: once, in the SQLite pass (.ci/run).
pytestmark = pytest.mark.sans_base

NOT_AN_ID = [None, "", "   ", 1.5, True, ["v1"], {"id": "v1"}]


@pytest.mark.parametrize("value", NOT_AN_ID, ids=repr)
@pytest.mark.parametrize(
    ("kind", "index", "key"),
    [("volunteers", 1, "id"), ("sites", 0, "id"), ("history", 0, "volunteer"), ("history", 0, "site")],
)
def test_an_id_is_a_non_empty_text(kind: str, index: int, key: str, value: Any) -> None:
    data: dict[str, Any] = json.loads(json.dumps(EXAMPLE))
    data[kind][index][key] = value
    written = json.dumps(value, ensure_ascii=False)
    with pytest.raises(InstanceError) as refused:
        parse_instance(data)
    assert str(refused.value) == (
        f"{kind}[{index}].{key} : identifiant attendu, un texte non vide entre guillemets ou un nombre entier (reçu : {written})."
    )


def test_a_null_id_is_not_named_none_in_another_refusal() -> None:
    """A lieu without latitude and with a null id was named « (lieu 'None') »."""
    data: dict[str, Any] = json.loads(json.dumps(EXAMPLE))
    data["sites"][1].update(id=None)
    data["sites"][1].pop("lat")
    with pytest.raises(InstanceError, match=r"^sites\[1\]\.lat : champ obligatoire absent\.$"):
        parse_instance(data)


def test_plan_refuses_a_null_id_exit_2(tmp_path: Path) -> None:
    source, out = tmp_path / "instance.json", tmp_path / "out.json"
    data: dict[str, Any] = json.loads(json.dumps(EXAMPLE))
    data["volunteers"][0]["id"] = None
    source.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        call_command("plan", "--instance", str(source), "--out", str(out))
    assert refused.value.returncode == 2 and not out.exists()
    assert str(refused.value) == (
        "instance.json : volunteers[0].id : identifiant attendu, un texte non vide entre guillemets ou un nombre entier (reçu : null)."
    )


def test_a_whole_number_id_is_read_as_its_digits() -> None:
    """Numbers were always taken (12 and "12" name the same lieu): a file of database ids still plans."""
    data: dict[str, Any] = json.loads(json.dumps(EXAMPLE))
    old = data["sites"][0]["id"]
    data["sites"][0]["id"] = 12
    for entry in data.get("history", []):
        if entry["site"] == old:
            entry["site"] = 12
    assert parse_instance(data).sites[0].id == "12"
