"""SMS backends: the platform calls `backend().send(numero, texte)`; the setting names the class.

`ConsoleBackend` prints in development (like Django's console e-mail backend), `LocmemBackend` keeps
messages in `outbox` for the tests, `UnconfiguredBackend` (the production default) sends nothing and fails.
A production operator's backend is a class with the same method that raises `SmsError` when the operator
refuses the message; the worker then retries, then gives up.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class SmsError(Exception):
    pass


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
