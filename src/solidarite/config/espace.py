"""The links of a signed-in person's own pages, in the main menu: a doctor between two consultations, or an ARS
coordinator, gets back to their pages from any page, without typing an address."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from solidarite.annuaire import acces as annuaire_acces
from solidarite.connexion.patients import patient_connecte
from solidarite.territoire import acces


@dataclass(frozen=True)
class Lien:
    libelle: str
    url: str


def liens(request: HttpRequest) -> list[Lien]:
    """One person's pages by role; no query for an anonymous visitor."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    if patient_connecte(request) is not None:  # the one reading of a patient's session
        return [Lien("Mes rendez-vous", reverse("connexion:mes_rendez_vous"))]
    found: list[Lien] = []
    if user.is_staff and (acces.is_national_admin(user) or acces.ars_agent(user) is not None):
        found += [
            Lien("Planning ARS", reverse("planning:ars")),
            Lien("Pilotage", reverse("pilotage:gestion")),
            Lien("Indemnités", reverse("indemnisation:ars")),
            Lien("Continuité des soins", reverse("continuite:ars")),
            Lien("Simulations", reverse("pilotage:simulations")),
        ]
        if settings.SOLIDARITE_LISTE_ABSENCES:  # off by default (ADR 0006): no link to a page that says so
            found.append(Lien("Absences répétées", reverse("rdv:absences")))
        found.append(Lien("Back-office", reverse("admin:index")))
        return found
    if annuaire_acces.validated_medecin(user) is not None:
        found += [
            Lien("Mes missions", reverse("planning:missions")),
            Lien("Mes disponibilités", reverse("planning:disponibilites")),
            Lien("Mes indemnités", reverse("indemnisation:medecin")),
        ]
    if annuaire_acces.referent_lieu_ids(user):
        found.append(Lien("Mon lieu", reverse("planning:referent")))
    return found


def espace(request: HttpRequest) -> dict[str, Any]:
    """Context processor: `espace`, the links above (computed once, when a template reads them)."""
    computed: list[Lien] | None = None

    def lazy() -> list[Lien]:
        nonlocal computed
        if computed is None:
            computed = liens(request)
        return computed

    return {"espace": lazy}
