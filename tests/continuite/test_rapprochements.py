"""Near matches decided by a human on the lieu's page: « même personne » merges (both histories kept),
« personnes distinctes » closes the flag; both audited; a doctor of another lieu sees nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from solidarite.continuite.models import Patient, RapprochementIdentite
from solidarite.rdv.models import AccesDonnees
from tests.factories import consultation_du_jour, lieu, patient, referent, transmission, visite

pytestmark = pytest.mark.django_db


def test_a_human_merges_or_separates_near_matches(lundi) -> None:  # type: ignore[no-untyped-def]
    place = lieu()
    ref = referent(place)
    first = transmission(consultation_du_jour(place))
    # the same day, two more consultations (booked under other names) whose identities are near Jeanne's
    visite(consultation_du_jour(place, form=patient(1)), prenoms="Jeane Marie")  # a typo in the first name
    visite(consultation_du_jour(place, form=patient(2)), nom_naissance="Martn")  # a typo in the birth name
    pending = list(RapprochementIdentite.objects.order_by("pk"))
    assert (
        len(pending) == 2 and Patient.objects.filter(fusionne_dans__isnull=False).count() == 0
    )  # never silent
    c = Client()
    c.force_login(ref)
    url = f"/continuite/lieu/{place.pk}/rapprochements/"
    page = c.get(url).content.decode()
    assert "prénom presque identique" in page and "Jeane Marie" in page
    typo = next(r for r in pending if r.motif == "prénom presque identique")
    other = next(r for r in pending if r.pk != typo.pk)
    keep = first.patient_id if first.patient_id in (typo.patient_id, typo.autre_id) else typo.patient_id
    bad = c.post(url, {"rapprochement": typo.pk, "decision": "meme", "garde": "999999"})
    assert bad.status_code == 400 and "dossier à garder" in bad.content.decode()
    assert c.post(url, {"rapprochement": typo.pk, "decision": "meme", "garde": keep}).status_code == 302
    assert c.post(url, {"rapprochement": other.pk, "decision": "distincts"}).status_code == 302
    typo.refresh_from_db()
    other.refresh_from_db()
    assert typo.decision == "fusionnes" and other.decision == "distincts" and other.decide_par == ref
    absorbed = typo.autre_id if keep == typo.patient_id else typo.patient_id
    assert (
        Patient.objects.get(pk=absorbed).fusionne_dans_id == keep
    )  # both records kept, one points to the other
    actions = set(AccesDonnees.objects.filter(par_id=ref.pk).values_list("action", flat=True))
    assert {
        "fusion de dossiers",
        "rapprochement : personnes distinctes",
        "rapprochement d'identités lu",
    } <= actions
    twice = c.post(url, {"rapprochement": other.pk, "decision": "meme", "garde": other.patient_id})
    assert twice.status_code == 400 and "déjà été tranché" in twice.content.decode()
    # A doctor of another lieu: 404 on the page and on a decision.
    stranger = Client()
    stranger.force_login(transmission().medecin.compte)
    assert stranger.get(url).status_code == 404
    assert stranger.post(url, {"rapprochement": other.pk, "decision": "distincts"}).status_code == 404
