"""Un médecin traitant dont le suivi est retiré ne lit plus le dossier : seul un suivi accepté ouvre les résultats,
les transmissions, la lettre et le document FHIR (continuite.acces, « once accepted, the record »)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from solidarite.continuite import services
from tests.factories import consultation_du_jour, transmission

pytestmark = pytest.mark.django_db


def test_a_withdrawn_medecin_traitant_no_longer_reads_the_record(lundi) -> None:  # type: ignore[no-untyped-def]
    t = transmission(consultation_du_jour(), examens=1)
    mt = services.declarer_medecin_traitant(t.patient, "Dr Claire Durand", "10101010105", "", None)
    gp = User.objects.create_user("rpps-10101010105")
    services.accepter_medecin_traitant(mt, gp)
    client = Client()
    client.force_login(gp)
    pages = [
        f"/continuite/resultat/{t.resultats.get().pk}/",
        f"/continuite/transmission/{t.pk}/lettre/",
        f"/continuite/transmission/{t.pk}/fhir/",
    ]
    assert [client.get(p).status_code for p in pages] == [200, 200, 200]
    mt.refresh_from_db()
    services.retirer_medecin_traitant(mt, None)
    assert [client.get(p).status_code for p in pages] == [404, 404, 404]
