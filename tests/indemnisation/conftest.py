"""The world of the indemnisation pages and exports: one volunteer, a full day and a half-day in October 2026,
the month's statement built (a draft), the volunteer's account."""

from __future__ import annotations

import datetime as dt

import pytest

from solidarite.indemnisation import services
from solidarite.indemnisation.models import Releve
from tests.factories import compte, jour_realise, lieu, medecin

OCT = dt.date(2026, 10, 1)


@pytest.fixture
def world(freeze_clock):  # type: ignore[no-untyped-def]
    freeze_clock(dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC))
    doc = medecin(nom="Durand", prenom="Alice", rpps="10000000015")
    place = lieu(doc.commune)
    jour_realise(doc, place, dt.date(2026, 10, 6), consultations=14)
    jour_realise(doc, place, dt.date(2026, 10, 20), "demi_journee", consultations=5)
    services.construire_mois(OCT, today=dt.date(2026, 11, 20))
    region = place.commune.departement.region
    return {"doc": doc, "lieu": place, "region": region, "releve": Releve.objects.get(), "user": compte(doc)}
