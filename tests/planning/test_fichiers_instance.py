"""The files of `plan` and `planning_echelle` (revue du 6 décembre, an outside probe of the command line): an
instance that is not a plain file, too large or too deeply nested is refused in French (exit 2) before it is
read whole; the result never takes the place of the instance or of a device, and is written whole. The commands run
through their entry point in the test's process (`run_main`): the files are read and written by the same code; a
pipe the code would wait on is opened from the other end after a while, so that a regression fails, never hangs."""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from solidarite.planning import echelle
from tests.cli import Sortie, run_main
from tests.planning.test_optimizer import EXAMPLE

# No database, in this process or in a command it runs: once, in the SQLite pass (.ci/run).
pytestmark = pytest.mark.sans_base


def _plan(*args: str) -> Sortie:
    """`python -m solidarite plan …` in the test's process (`run_main`): the test may not reach the database."""
    return run_main("plan", *args)


@contextlib.contextmanager
def _fifo(path: Path, seconds: float = 10) -> Iterator[Path]:
    """A named pipe at `path`. A command run in the test's process that opened it would wait for the other end
    forever: after `seconds`, both ends are opened and closed here, which ends that wait (the reader sees an empty
    file, the writer a closed pipe), so that the test fails instead of hanging."""
    os.mkfifo(path)
    done = threading.Event()

    def open_the_other_end() -> None:
        if done.wait(seconds):
            return
        reader = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # frees a writer waiting in open
        with contextlib.suppress(OSError):
            os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))  # frees a reader waiting in open
        os.close(reader)

    watchdog = threading.Thread(target=open_the_other_end, daemon=True)
    watchdog.start()
    try:
        yield path
    finally:
        done.set()
        watchdog.join()


def test_a_pipe_a_device_and_a_deep_nesting_are_refused_exit_2(tmp_path: Path) -> None:
    """A pipe hung `plan` (read whole, waiting for a writer), /dev/zero filled the memory (a MemoryError), and
    100 000 nested lists ended in a RecursionError: tracebacks, exit 1."""
    deep, out = tmp_path / "profond.json", tmp_path / "out.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with _fifo(tmp_path / "tube.json") as fifo:
        for source, message in (
            (fifo, f"Instance illisible : {fifo} (ce n'est pas un fichier ordinaire)"),
            (Path("/dev/zero"), "Instance illisible : /dev/zero (ce n'est pas un fichier ordinaire)"),
            (deep, "profond.json : JSON trop imbriqué"),
        ):
            result = _plan("--instance", str(source), "--out", str(out))
            assert result.returncode == 2 and message in result.stderr, result.stderr
            assert "Traceback" not in result.stderr and not out.exists()


def test_an_instance_over_the_size_limit_is_refused_before_it_is_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "grande.json"
    source.write_text(json.dumps(EXAMPLE), encoding="utf-8")
    monkeypatch.setattr(echelle, "INSTANCE_MAX_BYTES", 100)
    with pytest.raises(echelle.EchelleError, match=re.escape("grande.json : le fichier dépasse 0.0001 Mo")):
        echelle.lire_instance(source)


def test_a_byte_order_mark_is_allowed(tmp_path: Path) -> None:
    """Windows' Notepad writes one: it was « JSON mal formé (ligne 1, colonne 1 : syntaxe invalide) »."""
    source = tmp_path / "bom.json"
    source.write_bytes(b"\xef\xbb\xbf" + json.dumps(EXAMPLE).encode("utf-8"))
    assert len(echelle.lire_instance(source).volunteers) == 2


@pytest.mark.parametrize("command", ["plan", "planning_echelle"])
def test_the_result_never_replaces_the_instance(tmp_path: Path, command: str) -> None:
    """`--out` equal to `--instance` (here through another spelling of the path) replaced the instance by the
    result, exit 0."""
    source = tmp_path / "in.json"
    source.write_text(json.dumps(EXAMPLE), encoding="utf-8")
    result = run_main(command, "--instance", str(source), "--out", str(tmp_path / "." / "in.json"))
    assert result.returncode == 2, result.stderr
    assert "est le fichier de l'instance ; le résultat l'effacerait" in result.stderr, result.stderr
    assert json.loads(source.read_text(encoding="utf-8")) == EXAMPLE


def test_the_result_never_replaces_a_pipe_or_a_device(tmp_path: Path) -> None:
    """`--out /dev/full` (as root) put the result in the device's place, exit 0: a pipe stands for it here."""
    source = tmp_path / "in.json"
    source.write_text(json.dumps(EXAMPLE), encoding="utf-8")
    with _fifo(tmp_path / "tube") as fifo:
        result = _plan("--instance", str(source), "--out", str(fifo))
    assert result.returncode == 2 and "--out : " in result.stderr, result.stderr
    assert "n'est pas un fichier ordinaire" in result.stderr and fifo.is_fifo()


def test_a_lone_surrogate_in_an_id_is_written_back_escaped(tmp_path: Path) -> None:
    """« \\ud800 » is valid JSON but no UTF-8: the result's writing ended in a UnicodeEncodeError (exit 1, after
    the solve) and left an empty temporary file beside the result."""
    source, out = tmp_path / "in.json", tmp_path / "out.json"
    source.write_text(json.dumps(EXAMPLE).replace('"v2"', '"\\ud800"'), encoding="utf-8")
    result = _plan("--instance", str(source), "--out", str(out))
    assert result.returncode == 0, result.stderr
    ids = {a["volunteer"] for a in json.loads(out.read_text(encoding="utf-8"))["assignments"]}
    assert "\ud800" in ids and sorted(tmp_path.iterdir()) == [source, out]


def test_the_gain_over_a_reference_of_priority_zero_is_not_infinite(tmp_path: Path) -> None:
    """`--compare` on lieux all of priority 0 printed « gain de l'optimisation : +inf % »."""
    source, out = tmp_path / "in.json", tmp_path / "out.json"
    nulle = json.loads(json.dumps(EXAMPLE))
    for site in nulle["sites"]:
        site["priority"] = 0
    source.write_text(json.dumps(nulle), encoding="utf-8")
    result = _plan("--instance", str(source), "--out", str(out), "--compare")
    assert result.returncode == 0, result.stderr
    assert "gain de l'optimisation : sans objet (priorité de la référence nulle)." in result.stdout, (
        result.stdout
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '{"month": "2026-03", "month": "2026-04"}',
            "instance.json : la clé 'month' figure deux fois dans un même objet ;",
        ),
        (
            '{"volunteers": [{"id": "a", "lat": 46.8, "id": "b"}]}',
            "instance.json : la clé 'id' figure deux fois dans un même objet ;",
        ),
        (
            '{"sites": [{"id": "s1", "capacity": 1, "capacity": 3}]}',
            "instance.json : la clé 'capacity' figure deux fois dans un même objet (l'objet d'identifiant 's1') ;",
        ),
        ('{"history": [{"volunteer": "v1", "site": "s1", "site": "s2"}]}', "la clé 'site' figure deux fois"),
    ],
    ids=["instance", "id", "lieu", "entree"],
)
def test_a_key_twice_in_an_object_is_refused(tmp_path: Path, text: str, message: str) -> None:
    """An outside probe (6 December): `{"id": "a", "id": "b"}` was read as "b", the first silently lost."""
    path = tmp_path / "instance.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(echelle.EchelleError) as refused:
        echelle.lire_instance(path)
    assert message in str(refused.value)
    assert str(refused.value).endswith(
        "une seule valeur est permise, supprimez l'autre (seule la dernière aurait été lue)."
    )


def test_plan_refuses_a_key_twice_exit_2(tmp_path: Path) -> None:
    from django.core.management import CommandError, call_command

    source, out = tmp_path / "instance.json", tmp_path / "out.json"
    text = json.dumps(EXAMPLE).replace('"id": "v1"', '"id": "v1", "id": "v3"', 1)
    source.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        call_command("plan", "--instance", str(source), "--out", str(out))
    assert refused.value.returncode == 2 and not out.exists()
    assert str(refused.value).startswith("instance.json : la clé 'id' figure deux fois dans un même objet ;")


def _write(tmp_path: Path, change) -> Path:  # type: ignore[no-untyped-def]
    data = json.loads(json.dumps(EXAMPLE))
    change(data)
    source = tmp_path / "cles.json"
    source.write_text(json.dumps(data), encoding="utf-8")
    return source


def test_an_unknown_key_is_read_past_and_said_once_per_name(tmp_path: Path) -> None:
    """Another tool's fields (a name, a commune) were ignored without a word, as was a typo: each is now said on
    stderr, once per key name and kind of object, with the known key it resembles; the instance is read."""

    def change(data):  # type: ignore[no-untyped-def]
        for v in data["volunteers"]:
            v["nom"] = "Dr ; Martin"
        data["sites"][1]["x_region"] = "84"
        data["volunteers"][0]["blocks_days"] = 3  # block_days is given: another tool's field, not a typo
        data["outil"] = {"version": 2}

    warnings: list[str] = []
    instance = echelle.lire_instance(_write(tmp_path, change), avertir=warnings.append)
    assert len(instance.volunteers) == 2 and instance.volunteers[0].block_days == 1
    assert warnings == [
        "cles.json : clé inconnue ignorée : outil (instance).",
        "cles.json : clé inconnue ignorée : nom (volunteers[0], et 1 autre(s)).",
        "cles.json : clé inconnue ignorée : blocks_days (volunteers[0]) ; vouliez-vous dire block_days ?",
        "cles.json : clé inconnue ignorée : x_region (sites[1]) ; vouliez-vous dire region ?",
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["volunteers"][1].update(blocks_days=2),
            "clé inconnue blocks_days (volunteers[1]), à une frappe de block_days, absente de cet objet : "
            "vouliez-vous dire block_days ?",
        ),
        (
            lambda d: d["sites"][0].update(Region="84"),
            "clé inconnue Region (sites[0]), à une frappe de region",
        ),
        (
            lambda d: d.update(histroy=d.pop("history")),
            "clé inconnue histroy (instance), à une frappe de history",
        ),
        (
            lambda d: d["sites"][0].update(capacty=d["sites"][0].pop("capacity")),
            "clé inconnue capacty (sites[0]), à une frappe de capacity",
        ),
    ],
)
def test_a_key_one_keystroke_from_a_missing_known_key_is_refused(
    tmp_path: Path, change, message: str
) -> None:  # type: ignore[no-untyped-def]
    """`"blocks_days": 2` left the volunteer with single days, without a word: the value written is lost."""
    with pytest.raises(echelle.EchelleError, match=re.escape(f"cles.json : {message}")):
        echelle.lire_instance(_write(tmp_path, change), avertir=pytest.fail)


def test_plan_says_an_unknown_key_on_stderr_and_refuses_a_typo_exit_2(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    ignored = _write(tmp_path, lambda d: d["volunteers"][0].update(nom="Dr Martin"))
    result = _plan("--instance", str(ignored), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "cles.json : clé inconnue ignorée : nom (volunteers[0])." in result.stderr and out.exists()
    out.unlink()
    typo = _write(tmp_path, lambda d: d["volunteers"][1].update(blocks_days=2))
    result = _plan("--instance", str(typo), "--out", str(out))
    assert result.returncode == 2 and "vouliez-vous dire block_days ?" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and not out.exists()
