"""The demonstration statements: seeded, labelled, from past counterparts of the demo missions, once."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from solidarite.indemnisation import services
from solidarite.indemnisation.calcul import PLAFOND
from solidarite.indemnisation.models import JourRealise, LigneReleve, Releve
from solidarite.planning.models import Mission
from tests.demonstration import incoherences, past_unconfirmed

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


PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    "anchor",
    [
        None,  # today, as `make demo` runs
        dt.datetime(
            2026, 12, 28, 9, tzinfo=PARIS
        ),  # the six weeks ahead over three months, Christmas, New Year
        dt.datetime(2027, 3, 1, 9, tzinfo=PARIS),  # the first of a month: nothing of it is past yet
        # 6 January less 8 weeks is 11 November, a holiday: every volunteer one day short of November's cap, and
        # the demo had no day over it (found on 8 December 2026, when the test above failed)
        dt.datetime(2026, 12, 8, 9, tzinfo=PARIS),
    ],
    ids=["today", "28-december", "1-march", "8-december"],
)
def test_the_whole_demonstration_is_what_the_real_flow_could_have_made(freeze_clock, anchor) -> None:  # type: ignore[no-untyped-def]
    """`make demo`'s three generators in its order, anchored on the day they run: every doctor and every mission
    as the real flow could have left them. Missions on declared days only, within the doctor's reach, the lieu's
    opening days and the monthly caps (the few third days held by the statements); each mission's transitions
    leading to its state; a past mission réalisée with its realised day, except a few days left unconfirmed,
    still « confirmée » as the real flow leaves a day nobody confirmed, which the ARS is shown."""
    if anchor is not None:
        freeze_clock(anchor)
    call_command("demo", stdout=StringIO())
    call_command("demo_continuite", stdout=StringIO())
    call_command("demo_indemnisation", stdout=StringIO())
    today = timezone.localdate()
    assert incoherences() == []
    past = Mission.objects.filter(medecin__demonstration=True, date__lt=today)
    assert past.filter(statut="realisee").count() > 100
    left = past_unconfirmed()
    assert 0 < len(left) <= past.count() // 20  # a few, as the command says
    delai = dt.timedelta(days=7)  # indemnite_confirmation_delai_jours
    flagged = {m.pk for m in services.jours_non_confirmes(None)}
    assert all(m.pk in flagged for m in left if m.date < today - delai)
    # every realised day of a closed month is on its statement, or held by an anomaly
    closed = today.replace(day=1)
    realised = set(
        JourRealise.objects.filter(
            mission__date__lt=closed, mission__medecin__demonstration=True
        ).values_list("mission_id", flat=True)
    )
    stated = set(LigneReleve.objects.filter(genre="jour").values_list("mission_id", flat=True))
    held = {m for r in Releve.objects.all() for a in r.anomalies for m in a["missions"]}
    assert realised <= stated | held
    assert any(a["code"] == PLAFOND for r in Releve.objects.all() for a in r.anomalies), (
        "aucun jour au-delà du plafond"
    )
