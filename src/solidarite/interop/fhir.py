"""FHIR R4 resources of the booking tool, built and validated with fhir.resources.

fhir.resources 8 models R5 by default and R4B (4.3) as a subpackage; for Location, Schedule, Slot,
Appointment, Bundle and OperationOutcome, R4B is R4 on the wire (the elements used here are the
same), and the R4 branch of fhir.resources needs pydantic 1, which django-ninja cannot share.

Conventions of the ANS (CI-SIS, « Gestion d'agendas partagés » and the SAS guide) followed where they
apply: each resource names its profile in meta.profile (GAP 3.0.0 GAP-FrSchedule, GAP-FrSlot and
GAP-FrAppointment, themselves FR Core profiles with no further constraint; FR Core Location, since GAP
has no Location profile), the doctor's national identifier (IDNPS: « 8 » + RPPS, system urn:oid:1.2.250.1.71.4.2.1),
specialty from the TRE-R38 nomenclature (SM54, médecine générale), a Schedule per lieu whose Slots are
free or busy, times with their offset. Patients appear only by name in Appointment.participant (the
minimum), and only to authorised users.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fhir.resources.R4B.appointment import Appointment
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.location import Location
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.resource import Resource
from fhir.resources.R4B.schedule import Schedule
from fhir.resources.R4B.slot import Slot

IDNPS = "urn:oid:1.2.250.1.71.4.2.1"
GAP = "https://interop.esante.gouv.fr/ig/fhir/gap/StructureDefinition/"
PROFILE = {
    "Location": "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-location",
    "Schedule": GAP + "gap-fr-schedule",
    "Slot": GAP + "gap-fr-slot",
    "Appointment": GAP + "gap-fr-appointment",
}
SPECIALITE = {
    "system": "https://mos.esante.gouv.fr/NOS/TRE_R38-SpecialiteOrdinale/FHIR/TRE-R38-SpecialiteOrdinale",
    "code": "SM54",
    "display": "Médecine générale",
}
APPOINTMENT_STATUS = {
    "reserve": "booked",
    "annule": "cancelled",
    "vu": "fulfilled",
    "absent": "noshow",
    "excuse": "cancelled",
}


def _instant(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds")


def location(lieu: Any, postcode: str | None) -> Location:
    address: dict[str, Any] = {
        "use": "work",
        "line": [lieu.adresse],
        "city": lieu.commune.nom,
        "country": "FR",
    }
    if postcode:
        address["postalCode"] = postcode
    data: dict[str, Any] = {
        "resourceType": "Location",
        "meta": {"profile": [PROFILE["Location"]]},
        "id": str(lieu.pk),
        "status": "active" if lieu.actif else "inactive",
        "name": lieu.nom,
        "description": lieu.get_type_display(),
        "mode": "instance",
        "address": address,
        "position": {"latitude": lieu.latitude, "longitude": lieu.longitude},
        "telecom": [{"system": "phone", "value": lieu.referent_telephone, "use": "work"}],
    }
    if lieu.accessibilite:
        data["description"] = f"{lieu.get_type_display()}. Accès : {lieu.accessibilite}"
    return Location.model_validate(data)


def schedule(lieu: Any, horizon: tuple[dt.date, dt.date]) -> Schedule:
    return Schedule.model_validate(
        {
            "resourceType": "Schedule",
            "meta": {"profile": [PROFILE["Schedule"]]},
            "id": str(lieu.pk),
            "active": lieu.actif,
            "specialty": [{"coding": [SPECIALITE]}],
            "actor": [{"reference": f"Location/{lieu.pk}", "display": lieu.nom}],
            "planningHorizon": {"start": horizon[0].isoformat(), "end": horizon[1].isoformat()},
            "comment": "Consultations des médecins volontaires de la mission de solidarité territoriale",
        }
    )


def slot(creneau: Any, now: dt.datetime | None = None) -> Slot:
    """A slot, free or busy; a past slot left free is busy-unavailable (it can no longer be booked)."""
    status = "free" if creneau.libre else "busy"
    if status == "free" and now is not None and creneau.debut <= now:
        status = "busy-unavailable"
    return Slot.model_validate(
        {
            "resourceType": "Slot",
            "meta": {"profile": [PROFILE["Slot"]]},
            "id": creneau.id,
            "schedule": {"reference": f"Schedule/{creneau.lieu_id}"},
            "status": status,
            "start": _instant(creneau.debut),
            "end": _instant(creneau.fin),
            "specialty": [{"coding": [SPECIALITE]}],
        }
    )


def appointment(rdv: Any, slot_id: str | None) -> Appointment:
    """An appointment; `slot_id` None when its slot is no longer offered (a cancelled mission): no reference
    that would answer 404. Cancelled, the patient is a participant who declined (FHIR R4, Appointment:
    participant.status of the one who cancelled), the doctor and the lieu stay as they accepted."""
    medecin = rdv.mission.medecin
    status = APPOINTMENT_STATUS[rdv.statut]
    return Appointment.model_validate(
        {
            "resourceType": "Appointment",
            "meta": {"profile": [PROFILE["Appointment"]]},
            "id": str(rdv.pk),
            "status": status,
            "start": _instant(rdv.debut),
            "end": _instant(rdv.fin),
            "created": rdv.cree_le.date().isoformat(),
            "slot": [{"reference": f"Slot/{slot_id}"}] if slot_id else None,
            "specialty": [{"coding": [SPECIALITE]}],
            "participant": [
                {
                    "actor": {"display": f"{rdv.nom.upper()} {rdv.prenom}"},
                    "status": "declined" if status == "cancelled" else "accepted",
                    "required": "required",
                },
                {
                    "actor": {
                        "identifier": {"system": IDNPS, "value": f"8{medecin.rpps}"},
                        "display": f"Dr {medecin.prenom} {medecin.nom}",
                    },
                    "status": "accepted",
                },
                {
                    "actor": {"reference": f"Location/{rdv.lieu_id}", "display": rdv.lieu.nom},
                    "status": "accepted",
                },
            ],
        }
    )


def searchset(
    base_url: str,
    resources: list[Resource],
    self_link: str,
    total: int | None = None,
    pages: dict[str, str] | None = None,
) -> Bundle:
    """A search's Bundle; `self_link` is the search as the server applied it (its served parameters), `total`
    the number of matches of every page (`resources` is one page of them), `pages` the links to the other pages
    (« next », « previous »)."""
    return Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": len(resources) if total is None else total,
            "link": [
                {"relation": "self", "url": self_link},
                *({"relation": rel, "url": url} for rel, url in (pages or {}).items()),
            ],
            "entry": [
                {
                    "fullUrl": f"{base_url}/fhir/{r.get_resource_type()}/{r.id}",
                    "resource": r,
                    "search": {"mode": "match"},
                }
                for r in resources
            ],
        }
    )


# The most entries of one page of a search (FHIR R4 search.html#count: « _count » asks fewer, never more).
PAGE_MAX = 500

# What /fhir serves, for the CapabilityStatement: resource, its read and search, its search parameters.
SERVED = {
    "Location": ["_id", "address-city"],
    "Schedule": ["_id", "actor"],
    "Slot": ["schedule", "start", "status"],
    "Appointment": ["date", "location"],
}
SEARCH_TYPES = {
    "_id": "token",
    "address-city": "string",
    "actor": "reference",
    "schedule": "reference",
    "start": "date",
    "status": "token",
    "date": "date",
    "location": "reference",
}


_NUMBER = "un numéro de 1 à 999999999 en chiffres de 0 à 9, sans signe, espace ni zéro en tête"
# The one form each parameter is read in (interop.entrees); anything else is a 400 OperationOutcome `invalid`.
SEARCH_DOCS = {
    "_id": f"Exactement {_NUMBER}.",
    "address-city": "Le nom exact de la commune (sans casse), 100 caractères au plus.",
    "actor": f"Location/<numéro> ou <numéro>, {_NUMBER}.",
    "schedule": f"Obligatoire : Schedule/<numéro> ou <numéro>, {_NUMBER}.",
    "start": "Une date AAAA-MM-JJ exactement (sans heure), précédée ou non de ge, gt, le, lt ou eq.",
    "status": "free ou busy, exactement.",
    "date": "Une date AAAA-MM-JJ exactement (sans heure), précédée ou non de ge, gt, le, lt ou eq.",
    "location": f"Location/<numéro> ou <numéro>, {_NUMBER}.",
}


def capability_statement(base_url: str, date: dt.date) -> CapabilityStatement:
    return CapabilityStatement.model_validate(
        {
            "resourceType": "CapabilityStatement",
            "status": "active",
            "date": date.isoformat(),
            "publisher": "Solidarité territoriale",
            "kind": "instance",
            "software": {"name": "Solidarité territoriale"},
            "implementation": {
                "description": "Lieux solidaires, agendas, créneaux et rendez-vous (lecture seule)",
                "url": f"{base_url}/fhir",
            },
            "fhirVersion": "4.0.1",
            "format": ["json"],
            "rest": [
                {
                    "mode": "server",
                    "documentation": (
                        "Location, Schedule et Slot sont publics ; Appointment est réservé aux agents de l'ARS "
                        "connectés au back-office, pour leur région, et chaque lecture est journalisée. "
                        f"Toute recherche se lit par pages : _count (de 0 à {PAGE_MAX} résultats par page, "
                        f"{PAGE_MAX} par défaut ; au-delà, {PAGE_MAX}) et _offset (le rang du premier résultat, "
                        "0 par défaut) ; le Bundle donne le total et les liens next et previous."
                    ),
                    "resource": [
                        {
                            "type": kind,
                            "profile": PROFILE[kind],
                            "interaction": [{"code": "read"}, {"code": "search-type"}],
                            "searchParam": [
                                {"name": n, "type": SEARCH_TYPES[n], "documentation": SEARCH_DOCS[n]}
                                for n in params
                            ],
                        }
                        for kind, params in SERVED.items()
                    ],
                }
            ],
        }
    )


def outcome(code: str, diagnostics: str) -> OperationOutcome:
    return OperationOutcome.model_validate(
        {
            "resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": code, "diagnostics": diagnostics}],
        }
    )
