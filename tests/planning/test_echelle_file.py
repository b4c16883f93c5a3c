"""The region tasks of `planning_echelle` through the test database's own queue (SQLite or PostgreSQL): the tests of
tests/planning/test_echelle.py that use the database, apart so that the others run once (sans_base)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.planning.test_echelle import _assert_decomposed_plan, _family_file
from tests.planning.test_optimizer import EXAMPLE


@pytest.mark.django_db(transaction=True)
def test_region_tasks_through_the_worker_on_the_configured_database(tmp_path: Path) -> None:
    """The same path on the test database (SQLite or PostgreSQL): queued, run by the project's worker
    (`Worker.once`, django_tasks_db's own claim and run), collected from the task table."""
    from solidarite.config.planification import Worker
    from solidarite.planning import echelle

    instance, _ = _family_file(tmp_path)
    lot = echelle.mettre_en_file(instance, tmp_path)
    Worker(0.05, lambda line: None).once()
    regions = echelle.attendre(lot, attente_s=5, sondage_s=0.05)
    resultat = echelle.terminer(lot, regions, 0.0)
    assert resultat.violations == []
    assert {r.pid for r in regions} == {os.getpid()}  # `once` ran them in this process
    _assert_decomposed_plan(instance, resultat.solution.assignments, resultat.solution.priority_total)


@pytest.mark.django_db(transaction=True)
def test_a_failed_region_is_named_and_an_untaken_one_withdrawn(tmp_path: Path) -> None:
    from django_tasks_db.models import DBTaskResult

    from solidarite.config.planification import Worker
    from solidarite.planning import echelle, tasks

    instance, path = _family_file(tmp_path)
    unknown = echelle.Lot(
        instance,
        tmp_path,
        {"ZZ": str(tasks.resoudre_region.enqueue(str(path), "ZZ", str(tmp_path)).id)},
        0,
        0,
    )
    Worker(0.05, lambda line: None).once()
    with pytest.raises(echelle.EchelleError, match=r"Région ZZ en échec : Région inconnue 'ZZ' : l'instance"):
        echelle.attendre(unknown, attente_s=5, sondage_s=0.05)
    lot = echelle.mettre_en_file(instance, tmp_path)  # no worker runs: the deadline passes
    with pytest.raises(
        echelle.EchelleError,
        match=r"non résolue\(s\) après 0.2 s .* retirée\(s\) de la file.*`python -m solidarite worker`",
    ):
        echelle.attendre(lot, attente_s=0.2, sondage_s=0.05)
    assert not DBTaskResult.objects.filter(id__in=list(lot.taches.values())).exists()  # withdrawn


@pytest.mark.django_db
@pytest.mark.parametrize("attente", ["nan", "inf", "0"])
def test_planning_echelle_refuses_an_endless_wait_before_queueing(tmp_path: Path, attente: str) -> None:
    """Revue du 5 décembre: --attente nan never reached its deadline (the command hung) and left its region task
    in the queue. Refused at once, exit 2, nothing queued."""
    from django.core.management import CommandError, call_command
    from django_tasks_db.models import DBTaskResult

    path = tmp_path / "in.json"
    path.write_text(json.dumps(EXAMPLE), encoding="utf-8")
    with pytest.raises(CommandError, match="--attente doit être un nombre positif fini") as refused:
        call_command("planning_echelle", "--instance", str(path), "--attente", attente)
    assert refused.value.returncode == 2 and not DBTaskResult.objects.exists()
    assert not (tmp_path / "regions").exists()
