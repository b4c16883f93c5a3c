"""The demonstration data: labelled, seeded, within every cap, and idempotent."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from solidarite.annuaire.models import LieuSolidaire, MedecinVolontaire
from solidarite.planning.models import Mission
from solidarite.rdv import services as rdv

pytestmark = pytest.mark.django_db


def test_demo_data_respects_every_cap_and_opens_slots() -> None:
    out = StringIO()
    call_command("demo", stdout=out)
    assert "missions confirmées sur les six prochaines semaines" in out.getvalue()
    assert LieuSolidaire.objects.filter(demonstration=False).count() == 0
    assert MedecinVolontaire.objects.filter(demonstration=False).count() == 0
    missions = list(Mission.objects.select_related("medecin", "lieu"))
    assert missions and all(m.statut == "confirmee" for m in missions)
    today = timezone.localdate()
    assert all(today < m.date <= today + dt.timedelta(days=42) for m in missions)
    per_month = Counter((m.medecin_id, m.date.year, m.date.month) for m in missions)
    assert max(per_month.values()) <= 2
    assert len({(m.medecin_id, m.date) for m in missions}) == len(missions)  # one mission a day per volunteer
    zones = {m.lieu.epci_id for m in missions}
    assert len(zones) >= 140  # nearly every zone shows free slots in the coming weeks
    first = missions[0]
    assert rdv.slots(first.lieu, first.date, first.date)
    again = StringIO()
    call_command("demo", stdout=again)
    assert "rien n'a changé" in again.getvalue()
