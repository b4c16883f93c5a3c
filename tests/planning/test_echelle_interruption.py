"""planning_echelle interrupted (Ctrl+C, SIGTERM) while it waits for the regions: the tasks no worker took are
withdrawn from the queue, and the command says so in French (exit code 130 for Ctrl+C, 143 for SIGTERM)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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


class _DefaultAction:
    """Stands for SIGTERM's default action (the process killed) while the test runs: called, the signal was not
    caught by the command."""

    def __call__(self, signum: int, frame: object) -> None:
        raise AssertionError("SIGTERM non intercepté : le processus aurait été tué")


def _planning_echelle_under_sigterm(tmp_path: Path) -> Any:
    """Runs the real command on a several-region instance with the test's stand-in for SIGTERM's default action,
    and returns the CommandError it ended with (the handler is checked to be put back)."""
    import signal

    from django.core.management import CommandError, call_command

    from tests.planning.test_echelle import _family_file

    _, path = _family_file(tmp_path)
    default_action = _DefaultAction()
    previous = signal.signal(signal.SIGTERM, default_action)
    try:
        with pytest.raises(CommandError) as caught:
            call_command(
                "planning_echelle",
                "--instance",
                str(path),
                "--dossier",
                str(tmp_path / "travail"),
                "--out",
                str(tmp_path / "plan.json"),
            )
        assert signal.getsignal(signal.SIGTERM) is default_action  # put back
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert not (tmp_path / "plan.json").exists()
    return caught.value


@pytest.mark.django_db(transaction=True)
def test_a_sigterm_while_queueing_withdraws_the_tasks_already_queued_exit_143(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """An outside probe (6 December): SIGTERM while the command queued the regions' tasks (before the wait)
    killed it, the tasks already queued left for a worker to solve into a deleted folder. The signal, sent
    from inside the first queueing, is held until that task is recorded, then stops the command: that task
    withdrawn, no other queued, exit 143."""
    import os
    import signal

    from django.db.models.signals import post_save
    from django_tasks_db.models import DBTaskResult

    queued: list[str] = []

    def killing(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
        if created:  # the first task's row written: the signal comes before its id is back in the command
            queued.append(str(instance.id))
            os.kill(os.getpid(), signal.SIGTERM)

    post_save.connect(killing, sender=DBTaskResult)
    request.addfinalizer(lambda: post_save.disconnect(killing, sender=DBTaskResult))
    refused = _planning_echelle_under_sigterm(tmp_path)
    assert refused.returncode == 143
    assert str(refused) == (
        "Arrêté (signal SIGTERM) : 1 tâche(s) jamais prise(s) retirée(s) de la file ; celles déjà prises par un "
        "worker s'achèvent sans suite."
    )
    assert len(queued) == 1 and not DBTaskResult.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_sigterm_during_the_boundary_pass_exits_143_without_a_plan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An outside probe (6 December): SIGTERM during pass 2 (after every region was solved) killed the command
    with no message. It now stops as during the wait: exit 143, in French, no result file, its temporary
    files removed."""
    import os
    import signal

    from solidarite.config.planification import Worker
    from solidarite.planning import echelle

    monkeypatch.setattr(echelle.time, "sleep", lambda seconds: Worker(0.05, lambda line: None).once())
    real = echelle.residual

    def killing(*args: Any) -> Any:
        os.kill(os.getpid(), signal.SIGTERM)
        return real(*args)

    monkeypatch.setattr(echelle, "residual", killing)
    refused = _planning_echelle_under_sigterm(tmp_path)
    assert refused.returncode == 143
    assert str(refused) == (
        "Arrêté (signal SIGTERM) : 0 tâche(s) jamais prise(s) retirée(s) de la file ; celles déjà prises par un "
        "worker s'achèvent sans suite."
    )
