"""A multipart/form-data body that cannot be read (no boundary in its Content-Type, as a client that sets the
header by hand sends it) is refused like any body that is not JSON: the API's French JSON 415, nothing written,
and no traceback in the log. It was a 400 HTML page with a MultiPartParserError traceback: the middleware that
looks for NUL characters in forms (config.middleware.RejectNulCharacters) read `request.POST` first."""

from __future__ import annotations

import pytest
from django.test import Client

from solidarite.rdv.models import RendezVous

pytestmark = pytest.mark.django_db
BODY = b'--zz\r\nContent-Disposition: form-data; name="nom"\r\n\r\nMartin\r\n--zz--\r\n'


@pytest.mark.parametrize("content_type", ["multipart/form-data", "multipart/form-data; boundary="])
def test_an_unreadable_multipart_body_gets_the_json_415_and_no_traceback(
    caplog: pytest.LogCaptureFixture, content_type: str
) -> None:
    response = Client().post("/api/v1/rendez-vous", BODY, content_type=content_type)
    assert response.status_code == 415 and response["Content-Type"].startswith("application/json")
    assert response.json()["detail"].startswith("Type de contenu non pris en charge")
    assert not RendezVous.objects.exists()
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= 40], caplog.records


def test_a_readable_form_with_a_nul_character_is_still_refused_before_any_view() -> None:
    body = b'--zz\r\nContent-Disposition: form-data; name="nom"\r\n\r\nMar\x00tin\r\n--zz--\r\n'
    response = Client().post("/api/v1/rendez-vous", body, content_type="multipart/form-data; boundary=zz")
    assert response.status_code == 400 and "caractère nul" in response.json()["detail"]
