"""The documents of a consultation: the letter to the médecin traitant (PDF, weasyprint) and a FHIR R4 document
Bundle (fhir.resources, R4B models: R4 on the wire for these resources), ready for the host software to deposit
in the DMP. The deposit is out of scope (docs/decisions/0014-continuite.md lists the ANS profiles targeted)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome

from solidarite.continuite.models import (
    MedecinTraitant,
    Patient,
    ResultatAttendu,
    StatutIdentite,
    Transmission,
)
from solidarite.web.pdf import html_to_pdf

STATIC = Path(__file__).resolve().parent / "static"  # the only files a letter's layout may load
OID_INS_NIR = "urn:oid:1.2.250.1.213.1.4.8"  # INS-NIR (the NIR as INS matricule)
OID_IDNPS = "urn:oid:1.2.250.1.71.4.2.1"  # national identifier of health professionals: "8" + RPPS
FR_CORE = "https://hl7.fr/ig/fhir/core/StructureDefinition"
IDENTITY_RELIABILITY = f"{FR_CORE}/fr-core-identity-reliability"
MODALITE_IDENTITE = "https://mos.esante.gouv.fr/NOS/TRE_R338-ModaliteIdentite/FHIR/TRE-R338-ModaliteIdentite"
STATUT_CODES = {
    StatutIdentite.PROVISOIRE: ("PROV", "Identité provisoire"),
    StatutIdentite.RECUPEREE: ("RECUP", "Identité récupérée"),
    StatutIdentite.VALIDEE: ("VALI", "Identité validée"),
    StatutIdentite.QUALIFIEE: ("QUAL", "Identité qualifiée"),
}
LOINC = "http://loinc.org"
SNOMED_CATEGORY = {
    "biologie": "108252007",
    "imagerie": "363679005",
    "specialiste": "3457005",
    "autre": "386053000",
}


def _urn() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def patient_resource(p: Patient) -> dict[str, Any]:
    code, display = STATUT_CODES[StatutIdentite(p.statut_identite)]
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "meta": {
            "profile": [f"{FR_CORE}/fr-core-patient-ins" if p.matricule_ins else f"{FR_CORE}/fr-core-patient"]
        },
        "extension": [
            {
                "url": IDENTITY_RELIABILITY,
                "extension": [
                    {
                        "url": "identityStatus",
                        "valueCoding": {"system": MODALITE_IDENTITE, "code": code, "display": display},
                    }
                ],
            }
        ],
        "name": [
            {"use": "official", "family": p.nom_naissance, "given": p.prenoms.split()},
        ],
        "gender": {"F": "female", "M": "male"}.get(p.sexe, "unknown"),
        "birthDate": p.date_naissance.isoformat(),
    }
    if p.matricule_ins:  # only a qualified identity carries the INS (the database guarantees it)
        resource["identifier"] = [
            {
                "use": "official",
                "type": {
                    "coding": [
                        {
                            "system": "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203",
                            "code": "INS-NIR",
                        }
                    ]
                },
                "system": OID_INS_NIR,
                "value": p.matricule_ins,
            }
        ]
    return resource


def bundle(t: Transmission) -> dict[str, Any]:
    """The consultation as a FHIR document: Composition first, then every resource it names (urn:uuid)."""
    medecin, lieu, patient = t.medecin, t.lieu, t.patient
    ids = {"patient": _urn(), "practitioner": _urn(), "encounter": _urn(), "organization": _urn()}
    resultats: list[ResultatAttendu] = list(t.resultats.all())
    requests = {r.pk: _urn() for r in resultats}
    observations = {r.pk: _urn() for r in resultats if r.statut == ResultatAttendu.Statut.CLOS and r.resultat}
    subject = {"reference": ids["patient"]}
    author = {"reference": ids["practitioner"]}
    day = t.mission.date.isoformat()
    entries: list[tuple[str, dict[str, Any]]] = [
        (ids["patient"], patient_resource(patient)),
        (
            ids["practitioner"],
            {
                "resourceType": "Practitioner",
                "meta": {"profile": [f"{FR_CORE}/fr-core-practitioner"]},
                "identifier": [{"system": OID_IDNPS, "value": f"8{medecin.rpps}"}],
                "name": [{"family": medecin.nom, "given": [medecin.prenom], "prefix": ["Dr"]}],
            },
        ),
        (
            ids["organization"],
            {
                "resourceType": "Organization",
                "name": lieu.nom,
                "address": [{"line": [lieu.adresse], "city": lieu.commune.nom}],
            },
        ),
        (
            ids["encounter"],
            {
                "resourceType": "Encounter",
                "status": "finished",
                "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
                "subject": subject,
                "participant": [{"individual": author}],
                "period": {"start": day, "end": day},
                "reasonCode": [{"text": t.motif}],
                "serviceProvider": {"reference": ids["organization"]},
            },
        ),
    ]
    for r in resultats:
        entries.append(
            (
                requests[r.pk],
                {
                    "resourceType": "ServiceRequest",
                    "status": "completed" if r.statut == ResultatAttendu.Statut.CLOS else "active",
                    "intent": "order",
                    "category": [
                        {
                            "coding": [
                                {"system": "http://snomed.info/sct", "code": SNOMED_CATEGORY[r.nature]}
                            ],
                            "text": r.get_nature_display(),
                        }
                    ],
                    "code": {"text": r.libelle},
                    "subject": subject,
                    "encounter": {"reference": ids["encounter"]},
                    "requester": author,
                    "occurrenceDateTime": r.date_prevue.isoformat(),
                },
            )
        )
        if r.pk in observations:
            entries.append(
                (
                    observations[r.pk],
                    {
                        "resourceType": "Observation",
                        "status": "final",
                        "code": {"text": r.libelle},
                        "subject": subject,
                        "basedOn": [{"reference": requests[r.pk]}],
                        "issued": r.clos_le.isoformat() if r.clos_le else None,
                        "valueString": r.resultat,
                        "note": [{"text": f"Lu par {r.lu_par_nom} : {r.conduite}"}],
                    },
                )
            )
    sections = [
        {"title": "Motif", "text": _div(t.motif)},
        {"title": "Synthèse", "text": _div(t.synthese)},
        {"title": "Prescriptions", "text": _div(t.prescriptions or "Aucune")},
        {"title": "Suivi", "text": _div(t.get_suivi_display())},
    ]
    if resultats:
        sections.append(
            {
                "title": "Examens prescrits",
                "text": _div("; ".join(r.libelle for r in resultats)),
                "entry": [{"reference": requests[r.pk]} for r in resultats],
            }
        )
    if observations:
        sections.append(
            {
                "title": "Résultats reçus",
                "text": _div("; ".join(r.libelle for r in resultats if r.pk in observations)),
                "entry": [{"reference": ref} for ref in observations.values()],
            }
        )
    composition_id = _urn()
    composition = {
        "resourceType": "Composition",
        "status": "final",
        "type": {"coding": [{"system": LOINC, "code": "11488-4", "display": "Consult note"}]},
        "subject": subject,
        "encounter": {"reference": ids["encounter"]},
        "date": timezone.localtime(t.cree_le).isoformat(),
        "author": [author],
        "custodian": {"reference": ids["organization"]},
        "title": f"Transmission de consultation — {lieu.nom}",
        "section": sections,
    }
    document = {
        "resourceType": "Bundle",
        "type": "document",
        "identifier": {"system": "urn:ietf:rfc:3986", "value": _urn()},
        "timestamp": timezone.now().isoformat(),
        "entry": [{"fullUrl": composition_id, "resource": composition}]
        + [{"fullUrl": url, "resource": _clean(res)} for url, res in entries],
    }
    return Bundle.model_validate(document).model_dump(mode="json", exclude_none=True)


def outcome(code: str, diagnostics: str) -> dict[str, Any]:
    """An OperationOutcome (FHIR R4) with its French diagnostic: a refused document."""
    issue = {"severity": "error", "code": code, "diagnostics": diagnostics}
    return OperationOutcome.model_validate({"resourceType": "OperationOutcome", "issue": [issue]}).model_dump(
        mode="json", exclude_none=True
    )


def _div(text: str) -> dict[str, str]:
    from django.utils.html import escape

    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{escape(text)}</div>'}


def _clean(resource: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in resource.items() if v is not None}


def lettre_html(t: Transmission, pdf: bool = False) -> str:
    """The letter to the médecin traitant: the doctor's RPPS and the lieu, the consultation, the exams."""
    return render_to_string(
        "continuite/lettre.html",
        {
            "t": t,
            "resultats": list(t.resultats.all()),
            "medecin_traitant": MedecinTraitant.objects.filter(patient_id=t.patient_id).first(),
            "aujourdhui": timezone.localdate(),
            "pdf": pdf,  # weasyprint gets the style sheet itself, not a link to /static/
        },
    )


def lettre_pdf(t: Transmission) -> bytes:
    """The letter as PDF (weasyprint through the shared no-network helper, with the letter's own style sheet)."""
    return html_to_pdf(lettre_html(t, pdf=True), STATIC, stylesheets=["continuite/lettre.css"])
