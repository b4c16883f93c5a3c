"""Every FHIR answer a test receives through django.test.Client is checked as an FHIR R4 validator would: parsed
with fhir.resources (R4B models, R4 on the wire for these resources), then the rules pydantic does not check:
a searchset entry's fullUrl names its resource's type and id, and every relative reference (`Type/id`) of a
successful answer resolves (read back with the same client: 200, the resource named)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from fhir.resources.R4B import get_fhir_model_class

FHIR_JSON = "application/fhir+json"
RELATIVE = re.compile(r"^([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})$")


def references(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                yield value
            else:
                yield from references(value)
    elif isinstance(node, list):
        for item in node:
            yield from references(item)


def problems(data: dict[str, Any], base_url: str, read: Any | None) -> list[str]:
    """What an FHIR validator would refuse in this answer (empty: none); `read(path)` reads a reference back
    (None: an error answer, whose references are not read)."""
    kind = data.get("resourceType")
    if (
        kind == "Bundle" and data.get("type") == "document"
    ):  # a document (continuite): urn:uuid, resolved inside
        from tests.continuite.validation_document import document_problems

        return document_problems(data)
    try:
        get_fhir_model_class(str(kind)).model_validate(data)
    except Exception as exc:  # KeyError for an unknown type, pydantic's ValidationError otherwise
        return [f"{kind}: {exc}"]
    found = []
    for entry in data.get("entry", []) if kind == "Bundle" else []:
        resource = entry.get("resource", {})
        expected = f"{base_url}/fhir/{resource.get('resourceType')}/{resource.get('id')}"
        if entry.get("fullUrl") != expected:
            found.append(f"fullUrl {entry.get('fullUrl')!r} ≠ {expected!r}")
    for reference in sorted(set(references(data))) if read else []:
        match = RELATIVE.match(reference)
        if not match:
            found.append(f"référence illisible : {reference!r}")
            continue
        answer = read(f"/fhir/{reference}")
        if answer.status_code != 200:
            found.append(f"référence {reference!r} : {answer.status_code}")
        elif (answer.json().get("resourceType"), answer.json().get("id")) != match.groups():
            found.append(f"référence {reference!r} : une autre ressource")
    return found


@pytest.fixture(autouse=True)
def fhir_answers_valid(monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    """Wraps Client.request: an FHIR answer that a validator would refuse fails the test that received it."""
    request = Client.request

    def checked(self: Client, **kwargs: Any) -> Any:
        response = request(self, **kwargs)
        if getattr(self, "_reading_fhir_reference", False):
            return response
        if not response.get("Content-Type", "").startswith(FHIR_JSON) or response.streaming:
            return response
        data = json.loads(response.content)
        self._reading_fhir_reference = True  # type: ignore[attr-defined]
        try:
            read = self.get if response.status_code == 200 else None
            found = problems(data, settings.SOLIDARITE_BASE_URL, read)
        finally:
            self._reading_fhir_reference = False  # type: ignore[attr-defined]
        assert not found, (kwargs.get("PATH_INFO"), found)
        return response

    monkeypatch.setattr(Client, "request", checked)
