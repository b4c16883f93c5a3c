"""What an FHIR validator would refuse in a document Bundle (empty: none): the R4 models (fhir.resources R4B,
R4 on the wire for these resources), then the document rules pydantic does not check."""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B import get_fhir_model_class

from tests.interop.validation_fhir import references


def document_problems(data: dict[str, Any]) -> list[str]:
    try:
        get_fhir_model_class("Bundle").model_validate(data)
    except Exception as exc:
        return [f"Bundle : {exc}"]
    found = []
    entries = data.get("entry", [])
    if data.get("type") != "document":
        found.append("le Bundle n'est pas de type document")
    if not data.get("identifier") or not data.get("timestamp"):
        found.append("un document a un identifiant et un horodatage")
    if not entries or entries[0].get("resource", {}).get("resourceType") != "Composition":
        found.append("la première entrée d'un document est sa Composition")
    urls = {e.get("fullUrl") for e in entries}
    if None in urls or len(urls) != len(entries):
        found.append("chaque entrée a un fullUrl unique")
    for reference in sorted(set(references(data))):
        if reference not in urls:
            found.append(f"référence non résolue dans le document : {reference!r}")
    return found
