"""Property: whatever the sequence of events (a mission day ending, a doctor's withdrawal and return, a lieu
closing and reopening, référents named and deactivated, a médecin traitant accepting and stopping, a take-over,
a close), after EACH event every open résultat attendu has exactly one owner, and a live one: a validated doctor
whose mission day is not over at an open lieu, an active référent of the lieu, an accepted médecin traitant of
the patient, or the ARS of the region when the lieu has no active référent. On the real database."""

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solidarite.annuaire.acces import VALIDATED
from solidarite.annuaire.models import MedecinVolontaire, ReferentLieu
from solidarite.annuaire.validation import rpps_with_key
from solidarite.continuite import services
from solidarite.continuite.models import MedecinTraitant, ResultatAttendu
from tests.continuite.conftest import LUNDI
from tests.factories import consultation_du_jour, patient, transmission

pytestmark = pytest.mark.django_db

EVENTS = (
    "fin_de_journee",
    "retrait_medecin",
    "retour_medecin",
    "fermeture_lieu",
    "reouverture_lieu",
    "nouveau_referent",
    "referent_desactive",
    "medecin_traitant_accepte",
    "medecin_traitant_retire",
    "reprise",
    "cloture",
    "nouvelle_transmission",
)


def check_invariant() -> None:
    today = timezone.localdate()
    for r in ResultatAttendu.objects.filter(statut="ouvert").select_related("lieu__commune__departement"):
        owners = [
            r.proprietaire_medecin_id,
            r.proprietaire_referent_id,
            r.proprietaire_medecin_traitant_id,
            r.proprietaire_ars_id,
        ]
        assert sum(o is not None for o in owners) == 1, owners
        active_refs = ReferentLieu.objects.filter(lieu=r.lieu, actif=True)
        if r.proprietaire_medecin_id:
            doctor = MedecinVolontaire.objects.get(pk=r.proprietaire_medecin_id)
            assert doctor.statut in VALIDATED and r.lieu.actif and r.proprietaire_jusqu_au >= today
        elif r.proprietaire_referent_id:
            assert active_refs.filter(pk=r.proprietaire_referent_id).exists()
        elif r.proprietaire_medecin_traitant_id:
            assert MedecinTraitant.objects.get(pk=r.proprietaire_medecin_traitant_id).accepte_le is not None
        else:
            assert not active_refs.exists()
            assert r.proprietaire_ars_id == r.lieu.commune.departement.region_id


def _another(state: dict[str, object]) -> dict[str, str]:
    """A new patient for each consultation an event adds (one appointment a day per person at a lieu)."""
    made = int(state.get("patients", 0)) + 1  # type: ignore[call-overload]
    state["patients"] = made
    return patient(made)


def apply(event: str, state: dict[str, object], traveller: Any) -> None:
    first: ResultatAttendu = state["first"]  # type: ignore[assignment]
    lieu = first.lieu
    lieu.refresh_from_db()
    doctor = MedecinVolontaire.objects.get(pk=state["doctor"])
    if event == "fin_de_journee":
        traveller.shift(dt.timedelta(days=1))
        services.reassign_stale()  # the daily task (config/planification.py)
    elif event == "retrait_medecin":
        doctor.statut = MedecinVolontaire.Statut.SUSPENDU
        doctor.save()
    elif event == "retour_medecin":
        doctor.statut = MedecinVolontaire.Statut.ACTIF
        doctor.save()
    elif event in ("fermeture_lieu", "reouverture_lieu"):
        lieu.actif = event == "reouverture_lieu"
        lieu.save()
    elif event == "nouveau_referent":
        n = ReferentLieu.objects.count() + 1
        ReferentLieu.objects.create(lieu=lieu, rpps=rpps_with_key(f"30{n:08d}"), nom="Réf", prenom=str(n))
    elif event == "referent_desactive":
        ref = ReferentLieu.objects.filter(lieu=lieu, actif=True).first()
        if ref is not None:
            ref.actif = False
            ref.save()
    elif event == "medecin_traitant_accepte":
        mt = services.declarer_medecin_traitant(first.patient, "Dr Durand", "", "", None)
        if mt.accepte_le is None:  # declared again once accepted: still accepted (test_saisie_hostile)
            services.accepter_medecin_traitant(mt, None)
    elif event == "medecin_traitant_retire":
        mt = MedecinTraitant.objects.filter(patient=first.patient).first()
        if mt is not None:
            services.retirer_medecin_traitant(mt, None)
    elif event == "reprise":
        open_row = ResultatAttendu.objects.filter(lieu=lieu, statut="ouvert").first()
        if open_row is not None and lieu.actif:
            nxt = (
                consultation_du_jour(lieu, days_ahead=1, form=_another(state))
                if timezone.localdate().weekday() < 4
                else None
            )
            if nxt is not None:
                services.prendre_en_charge(open_row.pk, nxt.mission.medecin, None)
    elif event == "cloture":
        open_row = ResultatAttendu.objects.filter(lieu=lieu, statut="ouvert").first()
        if open_row is not None:
            services.clore(open_row.pk, None, "Dr Lecteur", "Normal", "Rien à faire")
    elif event == "nouvelle_transmission" and lieu.actif and timezone.localdate().weekday() < 5:
        hour = timezone.localtime().replace(hour=8, minute=0)
        if timezone.localtime() <= hour:
            transmission(consultation_du_jour(lieu, form=_another(state)), examens=1)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=st.lists(st.sampled_from(EVENTS), min_size=1, max_size=10))
def test_no_open_result_is_ever_without_a_live_owner(events: list[str]) -> None:
    with time_machine.travel(LUNDI.replace(hour=7), tick=False) as traveller, transaction.atomic():
        first = transmission(examens=2).resultats.order_by("pk").first()
        assert first is not None
        state: dict[str, object] = {"first": first, "doctor": first.proprietaire_medecin_id}
        check_invariant()
        for event in events:
            apply(event, state, traveller)
            check_invariant()
        transaction.set_rollback(True)
