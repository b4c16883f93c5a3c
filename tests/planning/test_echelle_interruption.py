"""planning_echelle interrupted (Ctrl+C) while it waits for the regions: the tasks no worker took are
withdrawn from the queue, and the command says so in French (exit code 130)."""

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
