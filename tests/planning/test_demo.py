"""The demonstration data: labelled, seeded, within every cap, and idempotent."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from solidarite.annuaire.models import LieuSolidaire, MedecinVolontaire
from solidarite.planning.models import Mission
from solidarite.rdv import services as rdv
from solidarite.territoire.models import Commune
from solidarite.zonage import services as zonage
from tests.demonstration import incoherences

pytestmark = pytest.mark.django_db


def test_demo_before_zonage_is_a_refusal_exit_2(monkeypatch: pytest.MonkeyPatch) -> None:
    """An outside probe (6 December): `demo` before any active zonage said so with exit code 1, a fault's."""
    from django.core.management.base import CommandError

    from solidarite.planning.management.commands import demo

    monkeypatch.setattr(demo.zonage, "active_campaign", lambda: None)
    with pytest.raises(CommandError, match="Aucune zone active : lancez d'abord") as refus:
        call_command("demo", stdout=StringIO())
    assert refus.value.returncode == 2 and not MedecinVolontaire.objects.exists()


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
    assert {m.lieu_id for m in missions} == set(LieuSolidaire.objects.values_list("pk", flat=True))
    campagne = zonage.active_campaign()
    assert campagne is not None
    zones = len(zonage.final_sirens(campagne))  # 140 with the calibrated 2025 set (ADR 0028)
    assert len({m.lieu.epci_id for m in missions}) == zones  # every zone has doctors in the coming weeks
    seen = re.search(r"moins d'une heure : (\d+) / (\d+)", out.getvalue())
    guyane = Commune.objects.filter(
        epci__siren__in=zonage.final_sirens(campagne), departement__code="973"
    ).count()  # 22 with the 2025 set of ADR 0016 (4 zones in Guyane): only there is a lieu over an hour away
    assert seen and int(seen.group(2)) - int(seen.group(1)) <= guyane
    # Searching any commune of a zone finds free slots, within an hour or, failing that, the nearest.
    final = zonage.final_sirens(zonage.active_campaign())
    communes = list(
        Commune.objects.filter(epci__siren__in=final, latitude__isnull=False).order_by("code_insee")
    )
    for commune in communes[::97]:  # 40 communes spread over the zones
        assert any(p.prochains for p in rdv.lieux_proches(commune.latitude, commune.longitude)), commune.nom
    far = Commune.objects.get(nom="Maripasoula")
    nearest = rdv.lieux_proches(far.latitude, far.longitude)
    assert nearest and nearest[0].minutes > 60 and any(p.prochains for p in nearest)
    first = missions[0]
    assert rdv.slots(first.lieu, first.date, first.date)
    # The development login opens a doctor, a lieu référent and an ARS agent of the demo.
    from solidarite.connexion.comptes import AGENT, SANTE, dev_identite, open_account

    for email, role in [
        (MedecinVolontaire.objects.order_by("pk").first().email, SANTE),  # type: ignore[union-attr]
        ("referent.lieu@demo.invalid", SANTE),
        ("agent.ars@demo.invalid", AGENT),
    ]:
        assert email in out.getvalue()
        assert open_account(dev_identite(email))[1] == role
    # The demo agent has the back office a coordinator would: its region's lieux, hours and zone adjustments.
    from django.contrib.auth.models import User

    agent = User.objects.get(email="agent.ars@demo.invalid")
    for permission in (
        "annuaire.change_lieusolidaire",
        "rdv.change_horairesconsultation",
        "zonage.add_ajustement",
    ):
        assert agent.has_perm(permission), permission
    assert not agent.has_perm("auth.change_user")
    again = StringIO()
    call_command("demo", stdout=again)
    assert "rien n'a changé" in again.getvalue()


def test_every_demo_mission_is_on_a_day_its_doctor_declared() -> None:
    """A demo doctor had missions on days she had not declared: the generator gave missions over six weeks and
    declared a few random days of the next month only. Every mission's day is declared (as a real planning gives
    missions on declared days only), on a day a lieu opens, within the monthly caps; each doctor also declares a
    few days that no mission took."""
    call_command("demo", stdout=StringIO())
    assert incoherences() == []
    from solidarite.planning.models import Disponibilite

    missions = set(Mission.objects.values_list("medecin_id", "date"))
    declared = set(Disponibilite.objects.values_list("medecin_id", "date"))
    assert missions < declared  # more days declared than given
    today = timezone.localdate()
    assert all(d > today for _, d in declared)  # declared from tomorrow, as a volunteer may
