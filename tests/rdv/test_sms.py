"""The Brevo SMS backend, against a real HTTP server on this machine that answers as Brevo's API does."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from solidarite.rdv import messaging, sms
from solidarite.rdv.models import Message
from tests.factories import rendez_vous as _book

KEY = "xkeysib-test-0123456789"


class FakeBrevo(ThreadingHTTPServer):
    """Brevo's `POST /v3/transactionalSMS/send`: 401 without the right key, 400 `invalid_parameter` for a
    number that is not international, 201 with a message id otherwise. Records what it received."""

    received: list[dict[str, Any]]
    answer: tuple[int, dict[str, Any]] | None  # forced answer, if any


class Handler(BaseHTTPRequestHandler):
    server: FakeBrevo

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.received.append(
            {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
        )
        if self.server.answer is not None:
            status, payload = self.server.answer
        elif self.headers.get("api-key") != KEY:
            status, payload = 401, {"code": "unauthorized", "message": "Key not found"}
        elif not body["recipient"].isdigit() or not 6 <= len(body["recipient"]) <= 15:
            status, payload = 400, {"code": "invalid_parameter", "message": f"Invalid {body['recipient']}"}
        else:
            status, payload = 201, {"messageId": 1511882900176220}
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def brevo(settings) -> Iterator[FakeBrevo]:  # type: ignore[no-untyped-def]
    server = FakeBrevo(("127.0.0.1", 0), Handler)
    server.received, server.answer = [], None
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    settings.SOLIDARITE_SMS_BACKEND = "solidarite.rdv.sms.BrevoBackend"
    settings.SOLIDARITE_SMS_BREVO_CLE = KEY
    settings.SOLIDARITE_SMS_EXPEDITEUR = "MEDECIN"
    settings.SOLIDARITE_SMS_BREVO_URL = f"http://127.0.0.1:{server.server_port}/v3/transactionalSMS/send"
    yield server
    server.shutdown()
    server.server_close()


def test_a_message_in_the_gsm_alphabet_goes_as_is_and_one_with_other_letters_as_unicode(brevo) -> None:  # type: ignore[no-untyped-def]
    sms.BrevoBackend().send("+33612345678", "Rendez-vous confirmé mardi à 9 h 30, Riom-ès-Montagnes.")
    sms.BrevoBackend().send("+262692123456", "Rappel : votre médecin vous reçoit à Saint-Benoît.")
    first, second = (r["body"] for r in brevo.received)
    assert brevo.received[0]["path"] == "/v3/transactionalSMS/send"
    assert brevo.received[0]["headers"]["api-key"] == KEY
    assert first == {
        "sender": "MEDECIN",
        "recipient": "33612345678",
        "content": "Rendez-vous confirmé mardi à 9 h 30, Riom-ès-Montagnes.",
        "type": "transactional",
        "unicodeEnabled": False,
    }
    assert second["recipient"] == "262692123456" and second["unicodeEnabled"] is True  # « î »


def test_a_refusal_names_the_status_and_brevo_code_but_never_the_number(brevo, settings) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(sms.SmsError) as refused:
        sms.BrevoBackend().send("06 12 34 56 78", "Texte")
    assert str(refused.value) == "Brevo a refusé le SMS : HTTP 400 invalid_parameter"
    settings.SOLIDARITE_SMS_BREVO_CLE = "mauvaise-cle"
    with pytest.raises(sms.SmsError, match="HTTP 401 unauthorized"):
        sms.BrevoBackend().send("+33612345678", "Texte")
    brevo.answer = (402, {"code": "not_enough_credits", "message": "+33612345678 : plus de crédit"})
    with pytest.raises(sms.SmsError) as no_credit:
        sms.BrevoBackend().send("+33612345678", "Texte")
    assert "not_enough_credits" in str(no_credit.value) and "612345678" not in str(no_credit.value)


def test_an_unreachable_operator_is_an_sms_error(settings) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.SOLIDARITE_SMS_BREVO_CLE = KEY
    settings.SOLIDARITE_SMS_BREVO_URL = f"http://127.0.0.1:{port}/v3/transactionalSMS/send"
    with pytest.raises(sms.SmsError, match="Brevo injoignable : URLError"):
        sms.BrevoBackend().send("+33612345678", "Texte")


@pytest.mark.django_db
def test_the_worker_sends_through_brevo_and_records_a_refusal_in_brevo_words(brevo) -> None:  # type: ignore[no-untyped-def]
    rdv = _book()
    assert messaging.send_due() == 2  # the confirmation, by e-mail and by SMS
    assert len(mail.outbox) == 1 and len(brevo.received) == 1
    sent = brevo.received[0]["body"]
    assert sent["recipient"] == "33612345678" and "Rendez-vous confirmé" in sent["content"]
    assert Message.objects.get(rendez_vous=rdv, nature="confirmation", canal="sms").statut == "envoye"
    brevo.answer = (402, {"code": "not_enough_credits", "message": "Not enough credits"})
    reminder = (
        Message.objects.filter(rendez_vous=rdv, nature="rappel", canal="sms").order_by("prevu_le").first()
    )
    assert messaging.send_due(now=reminder.prevu_le) >= 1
    reminder.refresh_from_db()
    assert reminder.statut == "a_envoyer" and reminder.tentatives == 1  # tried again later
    assert reminder.erreur == "Brevo a refusé le SMS : HTTP 402 not_enough_credits"
    assert timezone.now() < reminder.prevu_le
