"""The pages the DSFR footer must link to: données personnelles, mentions légales, déclaration d'accessibilité.

Every figure they show comes from the settings the code applies (retention periods, publisher, DPO) or from the
file the accessibility audit wrote (docs/accessibilite/axe.json): the pages cannot disagree with the platform.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

# RGAA: without a complete audit of the sample of pages, the state to declare is « non conforme ». The automatic
# checks of axe-core find about a third of the criteria's failures: they are shown, but they are not an audit.
ETAT_CONFORMITE = "non conforme"


def durees() -> list[dict[str, Any]]:
    """The retention periods, as the purge (rdv/conservation.py) applies them."""
    return [
        {
            "donnees": "Rendez-vous (identité, date de naissance, coordonnées, médecin traitant, motif)",
            "jours": settings.SOLIDARITE_CONSERVATION_RDV_JOURS,
            "depart": "après la date du rendez-vous",
        },
        {
            "donnees": "Inscriptions en liste d'attente (identité, coordonnées, lieu et période)",
            "jours": settings.SOLIDARITE_CONSERVATION_ATTENTE_JOURS,
            "depart": "après la fin de la période demandée",
        },
        {
            "donnees": "Messages envoyés (nature, canal, date, statut d'envoi ; jamais leur texte)",
            "jours": settings.SOLIDARITE_CONSERVATION_MESSAGES_JOURS,
            "depart": "après la date d'envoi prévue, et au plus tard avec le rendez-vous",
        },
        {
            "donnees": "Journal des accès aux données (qui a consulté ou modifié quoi, et quand)",
            "jours": settings.SOLIDARITE_CONSERVATION_ACCES_JOURS,
            "depart": "après l'accès",
        },
    ]


def editeur() -> dict[str, str]:
    """Who publishes the platform, hosts it and answers for its data (settings; defaults say « à compléter »)."""
    return {
        "editeur_nom": settings.SOLIDARITE_EDITEUR_NOM,
        "editeur_adresse": settings.SOLIDARITE_EDITEUR_ADRESSE,
        "directeur_publication": settings.SOLIDARITE_DIRECTEUR_PUBLICATION,
        "hebergeur": settings.SOLIDARITE_HEBERGEUR,
        "hebergeur_adresse": settings.SOLIDARITE_HEBERGEUR_ADRESSE,
        "dpo_adresse": settings.SOLIDARITE_DPO_ADRESSE,
        "dpo_courriel": settings.SOLIDARITE_DPO_COURRIEL,
    }


@require_safe
def donnees_personnelles(request: HttpRequest) -> HttpResponse:
    context = {
        **editeur(),
        "durees": durees(),
        "cookie_session": settings.SESSION_COOKIE_NAME,
        "cookie_csrf": settings.CSRF_COOKIE_NAME,
    }
    return render(request, "legal/donnees_personnelles.html", context)


@require_safe
def mentions_legales(request: HttpRequest) -> HttpResponse:
    return render(request, "legal/mentions_legales.html", editeur())


def lire_audit(path: Path) -> dict[str, Any] | None:
    """The axe-core result written by `audit_accessibilite`, or None when there is none (or it is unreadable)."""
    try:
        audit: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        audit["date_affichee"] = dt.datetime.fromisoformat(audit["date"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return audit


@require_safe
def accessibilite(request: HttpRequest) -> HttpResponse:
    context = {
        **editeur(),
        "etat": ETAT_CONFORMITE,
        "audit": lire_audit(Path(settings.SOLIDARITE_AUDIT_ACCESSIBILITE)),
    }
    return render(request, "legal/accessibilite.html", context)
