"""The month's run twice at once, or beside a validation, each in its own thread and connection (SQLite and
PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from decimal import Decimal

import pytest
from django.db import transaction

from solidarite.indemnisation import services
from solidarite.indemnisation.models import LigneReleve, Releve
from tests.concurrence import en_meme_temps, ensemble
from tests.factories import agent_ars, jour_realise, lieu, medecin

OCT = dt.date(2026, 10, 1)
TODAY = dt.date(2026, 11, 20)


@pytest.mark.django_db(transaction=True)
def test_two_runs_of_the_month_at_once_write_one_set_of_statements(territoire) -> None:  # type: ignore[no-untyped-def]
    docs = [medecin() for _ in range(20)]
    place = lieu(docs[0].commune)
    for doc in docs:
        jour_realise(doc, place, dt.date(2026, 10, 6))
        jour_realise(doc, place, dt.date(2026, 10, 7), "demi_journee")
    outcomes = en_meme_temps(lambda: services.construire_mois(OCT, today=TODAY))
    assert outcomes == ["ok", "ok"], outcomes
    assert Releve.objects.count() == 20 and LigneReleve.objects.count() == 40
    assert sum(Releve.objects.values_list("total", flat=True), Decimal(0)) == Decimal(6000)


@pytest.mark.django_db(transaction=True)
def test_a_draft_validated_while_the_month_is_rebuilt_keeps_its_lines(territoire) -> None:  # type: ignore[no-untyped-def]
    """The run deleted the lines of the month's drafts before it locked them: a draft validated meanwhile was left
    « validé » with its total and no line, and its days, in no statement, were paid again the next month."""
    doc = medecin()
    place = lieu(doc.commune)
    jour_realise(doc, place, dt.date(2026, 10, 6))
    agent = agent_ars(place.commune.departement.region.code)
    services.construire_mois(OCT, today=TODAY)
    releve = Releve.objects.get()
    locked, run_started = threading.Event(), threading.Event()
    outcomes: list[str] = []

    def validate() -> None:  # `avancer`, caught between its lock and its commit
        with transaction.atomic():
            Releve.objects.select_for_update().get(pk=releve.pk)
            locked.set()
            run_started.wait(timeout=30)
            time.sleep(1.0)  # the run is now waiting on the draft's lock
            services.avancer([releve.pk], "valider", agent)
        outcomes.append("validé")

    def rebuild() -> None:
        try:
            locked.wait(timeout=30)
            run_started.set()
            services.construire_mois(OCT, today=TODAY)
            outcomes.append("recalculé")
        except Exception as exc:
            outcomes.append(f"{type(exc).__name__}: {exc}")

    ensemble(validate, rebuild)
    assert "validé" in outcomes, outcomes
    releve = Releve.objects.get(pk=releve.pk)
    assert releve.statut == "valide" and releve.lignes.count() == 1 and releve.total == Decimal(200)
    services.construire_mois(dt.date(2026, 11, 1), today=TODAY)
    assert sum(Releve.objects.values_list("total", flat=True), Decimal(0)) == Decimal(200)
