"""Professionals' sessions: opened at login (new session key), refused once expired, idle, revoked or when the
account lost the role it was opened for. Sessions opened by a password (the back office's form at `/admin/`) keep
the same two time limits: a maximum duration and an idle timeout."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils import timezone

from .models import SessionPro

KEY = "connexion"
# Any other login() (the password form of /admin/, the tests' force_login): when it began, when it was last used.
MOT_DE_PASSE = "connexion_mot_de_passe"


def open_session(request: HttpRequest, user: User, fournisseur: str, role: str, id_token: str = "") -> None:
    """Django's login (which gives the session a new key) and the record that lets it be revoked."""
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    record = SessionPro.objects.create(compte=user, fournisseur=fournisseur)
    now = int(time.time())
    request.session[KEY] = {
        "sp": record.pk,
        "fournisseur": fournisseur,
        "role": role,
        "debut": now,
        "activite": now,
        # Sent back to the provider as id_token_hint at logout; never logged.
        "id_token": id_token,
    }


def close_all(user: User, motif: str) -> int:
    """Every open session of the person ends: the next request of any of them is refused."""
    return SessionPro.objects.filter(compte=user, fin__isnull=True).update(
        fin=timezone.now(), motif_fin=motif
    )


def stamp_login(sender: object, request: HttpRequest | None, user: User, **kwargs: object) -> None:
    """`user_logged_in`: every login starts the clock, so that a password session expires like the others."""
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[MOT_DE_PASSE] = {"debut": now, "activite": now}


def _expiry(data: dict[str, object], now: int) -> tuple[str, str]:
    """(why the record ends, what the person reads) once the session is too old or idle; ("", "") otherwise."""
    if now - int(str(data.get("debut", 0))) > settings.SOLIDARITE_SESSION_PRO_HEURES * 3600:
        heures = settings.SOLIDARITE_SESSION_PRO_HEURES
        return "durée maximale", f"Votre session a expiré ({heures} heures au plus) : reconnectez-vous."
    if now - int(str(data.get("activite", 0))) > settings.SOLIDARITE_SESSION_PRO_INACTIVITE_MINUTES * 60:
        return "inactivité", "Votre session a expiré après une période d'inactivité : reconnectez-vous."
    return "", ""


def _touch(request: HttpRequest, data: dict[str, object], now: int) -> None:
    if now - int(str(data.get("activite", 0))) >= 60:  # written at most once a minute
        data["activite"] = now
        request.session.modified = True


def is_professional(request: HttpRequest) -> bool:
    """Whether the session was opened by an identity provider (or the development login), not by a password."""
    return isinstance(request.session.get(KEY), dict)


def refusal(request: HttpRequest) -> str:
    """Why this session may no longer be used (French), or "" when it may."""
    from .comptes import still_entitled  # the models of annuaire, loaded once Django is ready

    now = int(time.time())
    data = request.session.get(KEY)
    if not isinstance(data, dict):
        stamps = request.session.get(MOT_DE_PASSE)
        if not isinstance(stamps, dict):  # opened before sessions by password had limits
            return "Votre session a expiré : reconnectez-vous."
        message = _expiry(stamps, now)[1]
        if not message:
            _touch(request, stamps, now)
        return message
    motif, message = _expiry(data, now)
    if message:
        _close(data, motif)
        return message
    record = SessionPro.objects.filter(pk=data.get("sp"), compte_id=request.user.pk).values("fin").first()
    if record is None or record["fin"] is not None:
        return "Votre session a été fermée (déconnexion depuis un autre appareil, ou par l'ARS) : reconnectez-vous."
    user = request.user
    assert isinstance(user, User)
    if not still_entitled(user, str(data.get("role", ""))):
        close_all(user, "droits retirés")
        return "Vos droits sur la plateforme ont changé : votre session est fermée."
    _touch(request, data, now)
    return ""


def _close(data: dict[str, object], motif: str) -> None:
    """An expired session's record says so (its end and why), like one closed by a logout."""
    SessionPro.objects.filter(pk=data.get("sp"), fin__isnull=True).update(fin=timezone.now(), motif_fin=motif)


def end(request: HttpRequest, reason: str) -> None:
    logout(request)  # flushes the session
    messages.warning(request, reason)
