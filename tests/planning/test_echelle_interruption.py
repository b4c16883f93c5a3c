"""planning_echelle interrupted (Ctrl+C, SIGTERM) while it waits for the regions: the tasks no worker took are
withdrawn from the queue, and the command says so in French (exit code 130 for Ctrl+C, 143 for SIGTERM)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.planning.test_echelle import _family_file


@pytest.mark.django_db(transaction=True)
def test_an_interrupted_wait_withdraws_the_untaken_tasks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An outside probe (6 December): Ctrl+C during the wait ended in a KeyboardInterrupt traceback and left
    the regions' tasks in the queue, for a worker to solve later into a folder already deleted."""
    from django_tasks_db.models import DBTaskResult

    from solidarite.planning import echelle

    instance, _ = _family_file(tmp_path)
    lot = echelle.mettre_en_file(instance, tmp_path)

    def ctrl_c(seconds: float) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(echelle.time, "sleep", ctrl_c)
    with pytest.raises(echelle.Interruption, match=r"Interrompu : [1-9][0-9]* tâche\(s\) jamais prise"):
        echelle.attendre(lot, attente_s=60, sondage_s=0.05)
    assert not DBTaskResult.objects.filter(id__in=list(lot.taches.values())).exists()  # withdrawn


@pytest.mark.django_db(transaction=True)
def test_a_sigterm_during_the_wait_withdraws_the_untaken_tasks_exit_143(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An outside probe (6 December): SIGTERM (`kill`, a service or container stopped) ended the command at once
    and left the regions' tasks in the queue. It now stops as Ctrl+C does: the untaken tasks withdrawn, a French
    message, exit code 143 (128 + SIGTERM), and the former SIGTERM handler back in place. A real signal, sent to
    this process: the test's own handler stands for the default action (the process killed), which it would run
    were the signal not caught during the wait."""
    import json
    import os
    import signal

    from django.core.management import CommandError, call_command
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from solidarite.planning import echelle
    from solidarite.planning.optimizer import instance_as_dict
    from tests.planning.test_echelle import _two_regions

    path = tmp_path / "instance.json"
    path.write_text(json.dumps(instance_as_dict(_two_regions())), encoding="utf-8")
    queued: list[int] = []

    def sigterm(seconds: float) -> None:
        queued.append(DBTaskResult.objects.filter(status=TaskResultStatus.READY).count())
        os.kill(os.getpid(), signal.SIGTERM)

    def default_action(signum: int, frame: object) -> None:
        raise AssertionError("SIGTERM non intercepté pendant l'attente : le processus aurait été tué")

    monkeypatch.setattr(echelle.time, "sleep", sigterm)
    previous = signal.signal(signal.SIGTERM, default_action)
    try:
        with pytest.raises(CommandError) as caught:
            call_command("planning_echelle", "--instance", str(path), "--dossier", str(tmp_path / "travail"))
        assert signal.getsignal(signal.SIGTERM) is default_action  # put back after the wait
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert caught.value.returncode == 143
    assert str(caught.value) == (
        "Arrêté (signal SIGTERM) : 1 tâche(s) jamais prise(s) retirée(s) de la file ; celles déjà prises par un "
        "worker s'achèvent sans suite."
    )
    assert queued == [1] and not DBTaskResult.objects.exists()  # region A's task queued, then withdrawn
