"""Signed links (jetons): the patient manages their appointment through a link, valid until its end."""

from __future__ import annotations

from django.core import signing
from django.utils import timezone

from solidarite.rdv.models import RendezVous

JETON_SALT = "solidarite.rdv.jeton"  # the links already sent stay valid: never change it


class InvalidJetonError(Exception):
    """The link is not one of ours, or it has expired, or its appointment is gone (a French message)."""


def jeton_for(rdv: RendezVous) -> str:
    """A signed link jeton, valid until the end of the appointment."""
    return signing.dumps({"r": rdv.pk, "e": int(rdv.fin.timestamp())}, salt=JETON_SALT, compress=True)


def from_jeton(jeton: str) -> RendezVous:
    try:
        payload = signing.loads(jeton, salt=JETON_SALT)
    except signing.BadSignature:
        raise InvalidJetonError("Lien invalide.") from None
    if not isinstance(payload, dict) or int(payload.get("e", 0)) < int(timezone.now().timestamp()):
        raise InvalidJetonError("Ce lien a expiré.")
    rdv = RendezVous.objects.filter(pk=payload.get("r")).first()
    if rdv is None:
        raise InvalidJetonError("Lien invalide.")
    return rdv
