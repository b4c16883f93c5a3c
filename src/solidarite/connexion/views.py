"""The login page, each provider's round trip, logout, and the development login."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import sys

from authlib.common.errors import AuthlibBaseError
from django.conf import settings
from django.contrib.auth.models import User
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe
from joserfc.errors import JoseError
from requests import RequestException

from . import oidc, sessions
from .comptes import RefusedError, dev_identite, landing_url, open_account
from .models import Fournisseur, LienDeConnexion

logger = logging.getLogger(__name__)

DEV_LINK_MINUTES = 10
DEV_SALT = "solidarite.connexion.dev"
NOMS = dict(Fournisseur.choices)


def _provider(name: str) -> dict[str, str]:
    providers = oidc.enabled()
    if name not in providers:
        raise Http404("Ce fournisseur d'identité n'est pas activé.")
    return providers[name]


def dev_enabled() -> bool:
    return bool(settings.SOLIDARITE_CONNEXION_DEV) and settings.SOLIDARITE_ENV != "production"


NEXT = "connexion_suivant"


def _safe_next(request: HttpRequest, target: str) -> str:
    allowed = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False)
    return target if target.startswith("/") and allowed else ""


def _after_login(request: HttpRequest, user: User, role: str) -> HttpResponse:
    """The page that asked for a login (`?next=` of /connexion/, kept in the session), or the role's landing."""
    target = _safe_next(request, str(request.session.pop(NEXT, "")))
    return HttpResponseRedirect(target or landing_url(user, role))


@require_safe
def page(request: HttpRequest) -> HttpResponse:
    target = _safe_next(request, request.GET.get("next", ""))
    if target and not request.user.is_authenticated:
        request.session[NEXT] = target  # survives login(), which keeps an anonymous session's data
    return render(
        request,
        "connexion/page.html",
        {"fournisseurs": list(oidc.enabled()), "dev": dev_enabled()},
    )


@require_GET  # not HEAD: it spends what it reads (one-time link, state, session)
def start(request: HttpRequest, name: str) -> HttpResponse:
    """A plain link (GET) starts the round trip: the strict CSP's form-action would stop a form's redirect."""
    conf = _provider(name)
    redirect_uri = request.build_absolute_uri(reverse("connexion:retour", args=[name]))
    extra = {"acr_values": conf["acr_values"]} if conf.get("acr_values") else {}
    try:
        oidc.metadata(name)
        response: HttpResponse = oidc.client(name).authorize_redirect(request, redirect_uri, **extra)
    except (RequestException, AuthlibBaseError, ValueError, oidc.UnusableDiscoveryError) as error:
        logger.warning("connexion %s : fournisseur injoignable (%s)", name, type(error).__name__)
        return _refus(request, "injoignable", name, status=502)
    return response


def _refus(request: HttpRequest, raison: str, name: str, status: int) -> HttpResponse:
    return render(
        request,
        "connexion/refus.html",
        {"raison": raison, "fournisseur": NOMS.get(name, name)},
        status=status,
    )


@require_GET  # not HEAD: it spends what it reads (one-time link, state, session)
def retour(request: HttpRequest, name: str) -> HttpResponse:
    _provider(name)
    if request.GET.get("error"):
        # Refused consent (access_denied) or any error the provider sends back: nothing opened.
        logger.info("connexion %s : refusée chez le fournisseur", name)
        return _refus(request, "annulee", name, status=403)
    try:
        oidc.metadata(name)
        token = oidc.fetch_token(name, request)
        identite = oidc.identite(name, token)
    except (AuthlibBaseError, JoseError, oidc.InvalidResponseError, ValueError, KeyError, TypeError) as error:
        # The error's class only: its text may carry a token or a code.
        logger.warning("connexion %s : réponse refusée (%s)", name, type(error).__name__)
        return _refus(request, "invalide", name, status=400)
    except (RequestException, oidc.UnusableDiscoveryError) as error:
        logger.warning("connexion %s : fournisseur injoignable (%s)", name, type(error).__name__)
        return _refus(request, "injoignable", name, status=502)
    try:
        user, role = open_account(identite)
    except RefusedError as refus:
        logger.info("connexion %s : personne non reconnue (%s)", name, refus.raison)
        return _refus(request, refus.raison, name, status=403)
    sessions.open_session(request, user, name, role, id_token=str(token.get("id_token", "")))
    _logged_in(name, user, role)
    return _after_login(request, user, role)


def _logged_in(name: str, user: User, role: str) -> None:
    """The audit of a sign-in: the account's id, the role and the session record, never a name, sub or token."""
    logger.info("connexion %s : compte %s ouvert (rôle %s)", name, user.pk, role)


FIN = "connexion_fin_fournisseur"


@require_POST
def deconnexion(request: HttpRequest) -> HttpResponse:
    """Ends every session of the person (this device and the others), then the provider's session if it can."""
    data = request.session.get(sessions.KEY) or {}
    name = str(data.get("fournisseur", ""))
    id_token = str(data.get("id_token", ""))
    if request.user.is_authenticated:
        assert isinstance(request.user, User)
        sessions.close_all(request.user, "déconnexion")
    sessions.end(request, "Vous êtes déconnecté·e.")
    target = _provider_logout_url(request, name, id_token)
    if target:
        # Not a redirect from this POST: Chrome applies the CSP's form-action 'self' to a form's redirects.
        request.session[FIN] = target
        return HttpResponseRedirect(reverse("connexion:fin_fournisseur"), status=303)
    return HttpResponseRedirect(reverse("connexion:page"), status=303)


def _provider_logout_url(request: HttpRequest, name: str, id_token: str) -> str:
    if name not in oidc.enabled() or not id_token:
        return ""
    try:
        metadata = oidc.metadata(name)
    except (RequestException, AuthlibBaseError, ValueError, oidc.UnusableDiscoveryError):
        return ""  # the session here is closed all the same
    endpoint = metadata.get("end_session_endpoint")
    if not (isinstance(endpoint, str) and endpoint.startswith(("https://", "http://"))):
        return ""  # none, or not an address a page of ours may send the browser to
    result = oidc.client(name).create_logout_url(
        post_logout_redirect_uri=request.build_absolute_uri(reverse("connexion:page")),
        id_token_hint=id_token,
    )
    return str(result["url"])


@require_GET  # not HEAD: it spends what it reads (one-time link, state, session)
def fin_fournisseur(request: HttpRequest) -> HttpResponse:
    """A page of our own that sends the browser on to the provider's end of session (immediately, and by a link)."""
    target = str(request.session.pop(FIN, ""))
    if not target:
        return HttpResponseRedirect(reverse("connexion:page"))
    response = render(request, "connexion/fin_fournisseur.html", {"cible": target})
    response["Cache-Control"] = "no-store"
    return response


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@require_http_methods(["GET", "HEAD", "POST"])
def dev(request: HttpRequest) -> HttpResponse:
    """Development only: the e-mail of a demo doctor, référent or ARS agent; the link goes to the console."""
    if not dev_enabled():
        raise Http404("La connexion de développement n'existe pas ici.")
    if request.method != "POST":  # GET, or HEAD (the same answer without its body)
        return render(request, "connexion/dev.html", {"email": "", "erreur": ""})
    email = request.POST.get("email", "").strip()[:254]
    try:
        # Not just an "@": with a line break, the address wrote a fake link of its own on the console.
        validate_email(email)
    except ValidationError:
        return render(
            request,
            "connexion/dev.html",
            {
                "email": email,
                "erreur": "Saisissez une adresse électronique valide, par exemple nom@demo.invalid.",
            },
            status=400,
        )
    secret = secrets.token_urlsafe(32)
    LienDeConnexion.objects.create(empreinte=_digest(secret), email=email.lower())
    link = request.build_absolute_uri(
        reverse("connexion:dev_lien", args=[signing.dumps(secret, salt=DEV_SALT)])
    )
    # On the console (stdout), never in the logs: whoever reads the console may sign in, in development only.
    sys.stdout.write(
        f"\nLien de connexion pour {email} (valable {DEV_LINK_MINUTES} minutes, une fois) :\n{link}\n\n"
    )
    sys.stdout.flush()
    return render(request, "connexion/dev_envoye.html", {"minutes": DEV_LINK_MINUTES})


@require_GET  # not HEAD: it spends what it reads (one-time link, state, session)
def dev_lien(request: HttpRequest, jeton: str) -> HttpResponse:
    if not dev_enabled():
        raise Http404("La connexion de développement n'existe pas ici.")
    try:
        secret = signing.loads(jeton, salt=DEV_SALT, max_age=DEV_LINK_MINUTES * 60)
    except signing.BadSignature:
        return _refus(request, "lien", "dev", status=400)
    since = timezone.now() - dt.timedelta(minutes=DEV_LINK_MINUTES)
    lien = LienDeConnexion.objects.filter(empreinte=_digest(str(secret))).first()
    used = LienDeConnexion.objects.filter(
        empreinte=_digest(str(secret)), utilise_le__isnull=True, cree_le__gte=since
    ).update(utilise_le=timezone.now())
    if lien is None or used != 1:
        return _refus(request, "lien", "dev", status=400)
    try:
        user, role = open_account(dev_identite(lien.email))
    except RefusedError as refus:
        logger.info("connexion dev : personne non reconnue (%s)", refus.raison)
        return _refus(request, refus.raison, "dev", status=403)
    sessions.open_session(request, user, Fournisseur.DEV, role)
    _logged_in(Fournisseur.DEV, user, role)
    return _after_login(request, user, role)
