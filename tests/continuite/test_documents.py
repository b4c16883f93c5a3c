"""The letter PDF and the FHIR document Bundle of a consultation: every bundle produced is validated (R4 models,
document rules: Composition first, every reference resolved inside the bundle, INS only when qualified)."""

from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class

from solidarite.continuite import documents, ins, services
from tests.continuite.validation_document import document_problems
from tests.factories import consultation_du_jour, transmission

pytestmark = pytest.mark.django_db


def test_bundle_of_a_consultation_validates_with_its_exams_and_results(lundi) -> None:  # type: ignore[no-untyped-def]
    t = transmission(examens=2)
    first = t.resultats.order_by("pk").first()
    services.clore(first.pk, None, "Dr Lecteur", "Hb 13 g/dL", "Rien à faire")
    data: dict[str, Any] = documents.bundle(t)
    assert document_problems(data) == []
    kinds = [e["resource"]["resourceType"] for e in data["entry"]]
    assert kinds[0] == "Composition"
    assert kinds.count("ServiceRequest") == 2 and kinds.count("Observation") == 1
    practitioner = next(
        e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "Practitioner"
    )
    assert practitioner["identifier"][0]["value"] == f"8{t.medecin.rpps}"
    patient = next(e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "Patient")
    assert "identifier" not in patient  # provisional identity: no INS
    assert patient["extension"][0]["extension"][0]["valueCoding"]["code"] == "PROV"


def test_a_qualified_identity_carries_the_ins_nir(lundi) -> None:  # type: ignore[no-untyped-def]
    matricule = "2480515120001" + f"{ins.cle_ins('2480515120001'):02d}"
    t = transmission(consultation_du_jour(), examens=0)
    services.Patient.objects.filter(pk=t.patient_id).update(
        statut_identite="qualifiee", matricule_ins=matricule
    )
    t.patient.refresh_from_db()
    data = documents.bundle(t)
    assert document_problems(data) == []
    patient = next(e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "Patient")
    assert patient["identifier"][0] == {
        "use": "official",
        "type": {
            "coding": [
                {"system": "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203", "code": "INS-NIR"}
            ]
        },
        "system": "urn:oid:1.2.250.1.213.1.4.8",
        "value": matricule,
    }
    assert patient["meta"]["profile"] == [
        "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient-ins"
    ]


def test_the_validator_refuses_a_dangling_reference() -> None:
    broken = {
        "resourceType": "Bundle",
        "type": "document",
        "identifier": {"value": "x"},
        "timestamp": "2026-12-07T09:00:00+01:00",
        "entry": [
            {
                "fullUrl": "urn:uuid:1",
                "resource": {
                    "resourceType": "Composition",
                    "status": "final",
                    "type": {"text": "x"},
                    "date": "2026-12-07",
                    "author": [{"reference": "urn:uuid:2"}],
                    "title": "x",
                },
            }
        ],
    }
    assert get_fhir_model_class("Bundle").model_validate(broken)
    assert document_problems(broken) == ["référence non résolue dans le document : 'urn:uuid:2'"]


def test_the_letter_names_the_doctor_rpps_the_lieu_and_the_exams(lundi) -> None:  # type: ignore[no-untyped-def]
    t = transmission(examens=1)
    services.declarer_medecin_traitant(t.patient, "Durand, Mauriac", "10003456786", "", None)
    html = documents.lettre_html(t)
    for text in (
        f"RPPS {t.medecin.rpps}",
        t.lieu.nom,
        "Bilan sanguin 1",
        "Dr Durand, Mauriac",
        "MARTIN Jeanne Marie",
    ):
        assert text in html


def test_the_letter_as_pdf(lundi) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("weasyprint", reason="weasyprint n'est pas installé dans cet environnement")
    assert documents.lettre_pdf(transmission(examens=1)).startswith(b"%PDF")
