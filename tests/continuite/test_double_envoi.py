"""The same form sent twice at once (a double click, two tabs): each request in its own thread and connection.
One is recorded, the other gets the French refusal — never an IntegrityError (a 500 on PostgreSQL)."""

import pytest

from solidarite.continuite import services
from solidarite.continuite.models import Patient, ResultatAttendu, Transmission, Visite
from tests.concurrence import en_meme_temps
from tests.factories import IDENTITE_JEANNE, consultation_du_jour, visite


@pytest.mark.django_db(transaction=True)
def test_the_identity_confirmed_twice_at_once(territoire, lundi) -> None:  # type: ignore[no-untyped-def]
    rdv = consultation_du_jour()
    data = services.Identite(**IDENTITE_JEANNE)  # type: ignore[arg-type]
    outcomes = en_meme_temps(lambda: services.confirmer_identite(rdv, rdv.mission.medecin, data, None))
    assert outcomes == sorted(["ok", "L'identité de ce patient est déjà confirmée pour ce rendez-vous."])
    assert Visite.objects.count() == 1 and Patient.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_handover_sent_twice_at_once(territoire, lundi) -> None:  # type: ignore[no-untyped-def]
    v = visite()
    exams = (services.Examen("biologie", "NFS", v.rendez_vous.mission.date),)
    saisie = services.Saisie("Toux", "Bronchite", suivi="volontaire", examens=exams)
    outcomes = en_meme_temps(
        lambda: services.ecrire_transmission(v.rendez_vous, v.confirme_par, saisie, None)
    )
    assert outcomes == sorted(["ok", "La transmission de cette consultation est déjà écrite."])
    assert Transmission.objects.count() == 1 and ResultatAttendu.objects.count() == 1
