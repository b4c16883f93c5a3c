"""The demonstration statements: seeded, labelled, from past counterparts of the demo missions, once."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from solidarite.indemnisation.models import JourRealise, LigneReleve, Releve

pytestmark = pytest.mark.django_db


def test_demo_indemnisation_needs_demo_then_builds_statements_once() -> None:
    with pytest.raises(CommandError, match="lancez d'abord") as refus:
        call_command("demo_indemnisation", stdout=StringIO())
    assert refus.value.returncode == 2  # the wrong order is a refusal, as demo_continuite's (it was exit 1)
    call_command("demo", stdout=StringIO())
    out = StringIO()
    call_command("demo_indemnisation", stdout=out)
    print(out.getvalue())  # the figures per region (bench/RESULTS.md)
    assert "Données de démonstration" in out.getvalue()
    days = JourRealise.objects.count()
    assert days > 100 and Releve.objects.filter(statut="paye").exists()
    assert Releve.objects.filter(statut="brouillon").exists()
    assert any(r.anomalies for r in Releve.objects.all())  # a few third days: the cap, flagged
    # every realised day is in exactly one statement, or held by an anomaly
    held = {m for r in Releve.objects.all() for a in r.anomalies for m in a["missions"]}
    lines = LigneReleve.objects.filter(genre="jour").count()
    assert lines + len(held) >= days - len(held) and lines <= days
    again = StringIO()
    call_command("demo_indemnisation", stdout=again)
    assert "déjà en place" in again.getvalue() and JourRealise.objects.count() == days
    # `demo --reset` with statements in place (their links to missions and doctors are PROTECT): all or nothing
    call_command("demo", "--reset", stdout=StringIO())
    assert (
        not JourRealise.objects.exists() and not Releve.objects.exists() and not LigneReleve.objects.exists()
    )
    call_command("demo_indemnisation", stdout=StringIO())
    assert JourRealise.objects.exists()
