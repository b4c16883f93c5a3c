"""Idempotency-Key of a booking: bound to its caller and to its whole body (issue 18, point 1).

A key is the caller's: the same key from another caller is another key (slot identifiers are public: a key must
never let a stranger reach someone's appointment). The caller is kept as a keyed hash (HMAC with SECRET_KEY) of
their address and account, never the address itself; the body as a keyed hash too (it holds a name and a date of
birth). A replay (same caller, key and body) is told the appointment's public fields only, never its link: the
patient has it from the first answer and from the confirmation message. The same key with another body is
refused. Uniqueness of (caller, key) is the database's (RendezVous, `une_cle_idempotence_par_appelant`).
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.crypto import salted_hmac

from solidarite.rdv.models import RendezVous

CALLER_SALT = "solidarite.rdv.idempotence.appelant"
BODY_SALT = "solidarite.rdv.idempotence.corps"
MAX_KEY_LENGTH = 100
OTHER_BODY = (
    "Cette clé d'idempotence a déjà servi pour une demande d'un autre contenu : "
    "utilisez une nouvelle clé pour une nouvelle demande."
)


class Idempotence(NamedTuple):
    cle: str
    appelant: str  # HMAC of the caller (address, account)
    empreinte: str  # HMAC of the whole body
    # The same two under each former SECRET_KEY (SECRET_KEY_FALLBACKS): a request sent again across a change of
    # the key is still the same request.
    anciens: tuple[tuple[str, str], ...] = ()

    def appelants(self) -> list[str]:
        return [self.appelant, *(appelant for appelant, _ in self.anciens)]


def of(cle: str, caller: str, body: Any, user_id: object = None) -> Idempotence:
    """The key, bound to its caller (`caller`: an address, a browser's secret; and the account) and to the whole
    body, under the current SECRET_KEY and each former one."""
    return Idempotence(
        cle,
        caller_hash(caller, user_id),
        body_hash(body),
        tuple(
            (caller_hash(caller, user_id, secret=old), body_hash(body, secret=old))
            for old in settings.SECRET_KEY_FALLBACKS
        ),
    )


class Replay(Exception):
    """The same caller sent the same body with the same key: the appointment it booked then."""

    def __init__(self, rdv: RendezVous) -> None:
        super().__init__("Demande déjà traitée.")
        self.rdv = rdv


def caller_hash(address: str, user_id: object = None, secret: str | None = None) -> str:
    return salted_hmac(
        CALLER_SALT, f"{address}|{user_id or ''}", secret=secret, algorithm="sha256"
    ).hexdigest()


def body_hash(body: Any, secret: str | None = None) -> str:
    """The body as parsed JSON, written canonically (key order and spacing do not count)."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))  # ASCII: a lone surrogate is escaped
    return salted_hmac(BODY_SALT, canonical, secret=secret, algorithm="sha256").hexdigest()


def check(idempotence: Idempotence | None) -> None:
    """Replay if this caller already used this key with this body, ValidationError if with another; nothing if
    the key is new to them (or there is none). One lookup through the unique index (caller, key). Called before
    a booking, and again when the database refused it: the same request sent twice at once is then a replay."""
    if idempotence is None:
        return
    bodies = {idempotence.appelant: idempotence.empreinte, **dict(idempotence.anciens)}
    existing = (
        RendezVous.objects.filter(appelant_idempotence__in=list(bodies), cle_idempotence=idempotence.cle)
        .order_by()
        .first()
    )
    if existing is None:
        return
    if existing.empreinte_idempotence != bodies[existing.appelant_idempotence or ""]:
        raise ValidationError({"Idempotency-Key": OTHER_BODY})
    raise Replay(existing)
