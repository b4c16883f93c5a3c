"""Revue des permissions (décembre 2026) : les trous trouvés en lisant chaque contexte en agent d'ARS de la région
A, en médecin volontaire et en anonyme (décision 0006), et l'audit des lectures de données de patient (0010)."""

from __future__ import annotations

import pytest
from django.test import Client

from solidarite.rdv.models import AccesDonnees
from tests.factories import consultation_du_jour

pytestmark = pytest.mark.django_db


def as_user(user) -> Client:  # type: ignore[no-untyped-def]
    c = Client()
    c.force_login(user)
    return c


def test_opening_a_consultation_before_the_identity_is_audited(lundi) -> None:  # type: ignore[no-untyped-def]
    """La page de consultation montre le nom, le prénom, la date de naissance et le motif du rendez-vous avant
    même que l'identité soit confirmée : cette lecture est dans le journal des accès."""
    rdv = consultation_du_jour()
    doctor = rdv.mission.medecin.compte
    page = as_user(doctor).get(f"/continuite/consultation/{rdv.pk}/")
    assert page.status_code == 200 and rdv.nom.upper() in page.content.decode()
    assert AccesDonnees.objects.filter(rendez_vous=rdv, par_id=doctor.pk).exists()
