"""SMS backends: the platform calls `backend().send(numero, texte)`; the setting names the class.

`FichierBackend` (the development default) writes each SMS to a file of the outbox folder, never to the
console, as e-mails go to files (Django's file backend); `ConsoleBackend` prints, for whoever asks for it;
`LocmemBackend` keeps messages in `outbox` for the tests, `UnconfiguredBackend` (the production default) sends nothing and fails,
`BrevoBackend` sends through the transactional SMS API of Brevo (ex-Sendinblue), an operator French public
services use. Another operator's backend is a class with the same method that raises `SmsError` when the
operator refuses the message; the worker then retries, then gives up.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsError(Exception):
    """The operator did not take the message. Its text is recorded with the message: never a number, never
    the message's text."""


class SmsBackend(Protocol):
    def send(self, numero: str, texte: str) -> None: ...


@dataclass(frozen=True)
class Sms:
    numero: str
    texte: str


class ConsoleBackend:
    def send(self, numero: str, texte: str) -> None:
        sys.stdout.write(f"--- SMS à {numero} ---\n{texte}\n")
        sys.stdout.flush()


class FichierBackend:
    """One file per SMS in `SOLIDARITE_BOITE_ENVOI/sms`, readable by its owner only; the log says where, not to whom."""

    def send(self, numero: str, texte: str) -> None:
        dossier = Path(settings.SOLIDARITE_BOITE_ENVOI) / "sms"
        dossier.mkdir(parents=True, exist_ok=True)
        chemin = dossier / f"{datetime.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}.txt"
        descripteur = os.open(chemin, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descripteur, "w", encoding="utf-8") as fichier:
            fichier.write(f"À : {numero}\n\n{texte}\n")
        logger.info("SMS écrit dans %s", chemin)


class UnconfiguredBackend:
    """Production without an operator: nothing leaves, each SMS is recorded as failed (the e-mail still goes)."""

    def send(self, numero: str, texte: str) -> None:
        raise SmsError("aucun opérateur SMS configuré (SOLIDARITE_SMS_BACKEND)")


outbox: list[Sms] = []


class LocmemBackend:
    def send(self, numero: str, texte: str) -> None:
        outbox.append(Sms(numero, texte))


def backend() -> SmsBackend:
    cls = import_string(settings.SOLIDARITE_SMS_BACKEND)
    instance: SmsBackend = cls()
    return instance


# The GSM 7-bit default alphabet: a message written with it alone fits 160 characters per SMS; any other
# character (ê, ô, â, ç, œ, the typographic apostrophe…) makes the whole message Unicode, 70 per SMS.
GSM_7 = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
BREVO_TIMEOUT_S = 10


class BrevoBackend:
    """Brevo's transactional SMS API: `POST /v3/transactionalSMS/send` with the account's key
    (`SOLIDARITE_SMS_BREVO_CLE`), the sender name (`SOLIDARITE_SMS_EXPEDITEUR`) and the number in
    international form. Any answer but 2xx, or no answer within 10 s, is an `SmsError` naming the HTTP status
    and Brevo's error code only."""

    def send(self, numero: str, texte: str) -> None:
        body = {
            "sender": settings.SOLIDARITE_SMS_EXPEDITEUR,
            "recipient": numero.lstrip("+"),
            "content": texte,
            "type": "transactional",
            "unicodeEnabled": not set(texte) <= GSM_7,
        }
        request = urllib.request.Request(
            settings.SOLIDARITE_SMS_BREVO_URL,
            data=json.dumps(body, ensure_ascii=False).encode(),
            headers={
                "api-key": settings.SOLIDARITE_SMS_BREVO_CLE,
                "accept": "application/json",
                "content-type": "application/json",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=BREVO_TIMEOUT_S) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            raise SmsError(f"Brevo a refusé le SMS : HTTP {exc.code} {_brevo_code(exc)}".rstrip()) from None
        except (OSError, ValueError) as exc:  # refused, unreachable, timed out, or an invalid answer
            raise SmsError(f"Brevo injoignable : {type(exc).__name__}") from None


def _brevo_code(error: urllib.error.HTTPError) -> str:
    """Brevo's error code (`invalid_parameter`, `unauthorized`, `not_enough_credits`…): a word, never the
    message, which may quote the number."""
    try:
        code = json.loads(error.read(2000)).get("code", "")
    except (OSError, ValueError, AttributeError):
        return ""
    return code if isinstance(code, str) and code.replace("_", "").isalnum() and len(code) <= 40 else ""
