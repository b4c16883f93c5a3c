"""The request-state middlewares of the pages, which the JSON API goes around.

Sessions, CSRF, authentication, flash messages and htmx details are for the pages: an answer of `/api/v1/`
reads no session, sets no cookie, has no user and no form (django-ninja checks no CSRF token for an API
without cookie authentication); going around them saves processor time on every booking (measured in
docs/decisions/0013-architecture-performance.md, point 5). Each class is Django's, or django-htmx's, with one change:
under `API_PREFIX`, it hands the request on untouched. They stay in `MIDDLEWARE` in Django's order, so the test
client and the production server run the same chain, and Django's checks still find them (subclasses).
The response middlewares (security headers, compression, X-Frame-Options) apply to every answer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from csp import middleware as csp_middleware
from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.utils import build_policy
from django.conf import settings
from django.contrib.auth import middleware as auth
from django.contrib.messages import middleware as messages
from django.contrib.sessions import middleware as sessions
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent, ValidationError
from django.http import HttpRequest, HttpResponseBase, HttpResponseNotAllowed, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.middleware import csrf
from django.utils.deprecation import MiddlewareMixin
from django_htmx import middleware as htmx
from django_htmx.http import HttpResponseClientRedirect
from whitenoise.middleware import WhiteNoiseMiddleware

API_PREFIX = "/api/v1/"
logger = logging.getLogger(__name__)


class PagesOnly:
    """A middleware that `/api/v1/` requests go around (synchronous: the platform runs under WSGI)."""

    sync_capable = True
    async_capable = False
    get_response: Callable[[HttpRequest], Any]

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.path_info.startswith(API_PREFIX):
            response: HttpResponseBase = self.get_response(request)
            return response
        return super().__call__(request)  # type: ignore[misc]


class SessionMiddleware(PagesOnly, sessions.SessionMiddleware):
    pass


class CsrfViewMiddleware(PagesOnly, csrf.CsrfViewMiddleware):
    """Django's check runs in `process_view`, which Django's handler calls apart from `__call__`: under
    `API_PREFIX` it is skipped there too. The API reads no session, so no cookie speaks for its caller; its
    operations were exempt already (django-ninja), but its documentation's addresses were not, and a POST there
    without a CSRF cookie got the pages' French CSRF page, in HTML, where the API answers in JSON."""

    def process_view(
        self, request: HttpRequest, callback: Any, callback_args: Any, callback_kwargs: Any
    ) -> HttpResponseBase | None:
        if request.path_info.startswith(API_PREFIX):
            return None
        return super().process_view(request, callback, callback_args, callback_kwargs)


class AuthenticationMiddleware(PagesOnly, auth.AuthenticationMiddleware):
    pass


class MessageMiddleware(PagesOnly, messages.MessageMiddleware):
    pass


class HtmxMiddleware(PagesOnly, htmx.HtmxMiddleware):
    """django-htmx's, plus the two answers htmx cannot place by itself (base.html swaps 4xx answers, whose
    fragment carries the French message: a refused date on the volunteer's calendar):

    - a redirect (the session expired: `login_required` sends to /connexion/) would be followed inside the
      XMLHttpRequest and the login page drawn inside the calendar: the browser is sent there instead
      (`HX-Redirect`);
    - a full error page (403, 404, the French CSRF page, a refused month…) would be nested in the fragment's
      target: it replaces the page's main content instead (`HX-Retarget`/`HX-Reselect` `#contenu`)."""

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = super().__call__(request)
        if not getattr(request, "htmx", False):
            return response
        if response.status_code in REDIRECTS and response.has_header("Location"):
            redirect = HttpResponseClientRedirect(_back_to_the_page(request, response["Location"]))
            redirect.cookies = response.cookies
            return redirect
        if (
            response.status_code >= 400
            and not response.streaming
            and not response.has_header("HX-Retarget")
            and MAIN in response.content  # type: ignore[attr-defined]
        ):
            response["HX-Retarget"] = "#contenu"
            response["HX-Reselect"] = "#contenu"
            response["HX-Reswap"] = "outerHTML show:window:top"  # the message where the eye starts
        return response


def _back_to_the_page(request: HttpRequest, location: str) -> str:
    """A login redirect's `next` names the fragment htmx asked for (a progress poll, a calendar's POST): after
    signing in, the browser would land on a bare fragment. It names the page htmx was on instead."""
    page = _current_page(request)
    parts = urlsplit(location)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if not page or not any(k == "next" and v == request.get_full_path() for k, v in query):
        return location
    query = [(k, page if k == "next" else v) for k, v in query]
    return urlunsplit(parts._replace(query=urlencode(query, safe="/")))


def _current_page(request: HttpRequest) -> str | None:
    """The path of the page htmx was on (`HX-Current-URL`), or None. The header is the client's to write:
    django-htmx splits it unguarded, and a malformed one (« http://[abc/x ») raised ValueError, a 500 on every
    login-protected page; it is read as absent, as a header naming another site is."""
    details = getattr(request, "htmx", None)
    if not details:
        return None
    try:
        page: str | None = details.current_url_abs_path
    except ValueError:
        return None
    return page


REDIRECTS = (301, 302, 303, 307, 308)
MAIN = b'<main id="contenu"'  # base.html's main element: the mark of a full page


NUL_MESSAGE = (
    "La demande contient un caractère nul, qu'aucun champ n'accepte : vérifiez l'adresse ou le formulaire."
)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class RejectNulCharacters:
    """A request whose address, query or form carries a NUL character gets a French 400 before any view.

    PostgreSQL cannot hold NUL in text, so such a value reached the database as a 500 wherever a view reads a
    parameter itself rather than through a Django form (whose fields refuse it): `/rendez-vous/?commune=%00`,
    FHIR's `address-city`, a comment. Refused here once for every view, as JSON under `/api/`, as a FHIR
    OperationOutcome under `/fhir/`, as the French error page elsewhere. A JSON body (the API's booking) is
    checked field by field by the booking itself (rdv.patients)."""

    sync_capable = True
    async_capable = False

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if "\x00" in request.path or _nul_in_query(request) or _nul_in_form(request):
            return _refusal(request)
        response: HttpResponseBase = self.get_response(request)
        return response


def _nul_in_query(request: HttpRequest) -> bool:
    raw = request.META.get("QUERY_STRING", "")
    return "%00" in raw or "\x00" in raw


def _nul_in_form(request: HttpRequest) -> bool:
    form = _form(request)
    if form is None:
        return False
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in form.lists())


def _refusal(request: HttpRequest, message: str = NUL_MESSAGE) -> HttpResponseBase:
    if request.path_info.startswith(API_PREFIX):
        return JsonResponse({"detail": message}, status=400, json_dumps_params={"ensure_ascii": False})
    if request.path_info.startswith("/fhir/"):
        from solidarite.interop import fhir, fhir_views  # the composition root may reach the contexts

        return fhir_views.respond(fhir.outcome("invalid", message), 400)
    from solidarite.web.pages import error_page

    return error_page(request, 400, "Requête invalide", message)


REPEATED_MESSAGE = "Le champ « {name} » est donné {count} fois, une seule valeur est attendue : vérifiez l'adresse ou le formulaire."
# The fields a page of the platform sends several times on purpose: the statements an ARS ticks
# (indemnisation/ars.html). Any other field of a page is read once.
MULTI_VALUED = frozenset({"releves"})
# The addresses with their own rules: the API and FHIR name the repeated parameter in their own shape (422, an
# OperationOutcome; FHIR repeats `date=ge…&date=le…` by design), Django's admin repeats its ticked rows.
OWN_RULES = (API_PREFIX, "/fhir/", "/admin/")


class RefuseRepeatedFields:
    """A page's query or form giving one field twice gets a French 400 before any view.

    Django reads the last copy of a repeated field (`QueryDict.get`, a form's widget): « ?mois=2026-12&mois=1999-01 »
    or a form posted with two `consultations` was read as its last value, while the page and its message spoke of
    the first. No page of the platform writes a field twice but `MULTI_VALUED`; a request that does was not written
    by one, so it is refused once here for every view, as `RejectNulCharacters` refuses NUL."""

    sync_capable = True
    async_capable = False

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not request.path_info.startswith(OWN_RULES):
            form = _form(request)
            repeated = _repeated_field(request.GET) or (_repeated_field(form) if form is not None else None)
            if repeated:
                name, count = repeated
                return _refusal(request, REPEATED_MESSAGE.format(name=name[:40], count=count))
        response: HttpResponseBase = self.get_response(request)
        return response


def _form(request: HttpRequest) -> Any:
    """The POSTed form, or None (another method or type, or a body that cannot be read as its type says)."""
    if request.method != "POST" or request.content_type not in FORM_TYPES:
        return None
    try:
        return request.POST
    except MultiPartParserError:  # the view answers it (400/415)
        return None
    except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent):
        # A page: Django's French 400 (handler400). The API reads no form: it refuses this body by its type
        # (415) or its size (413) in its own JSON, where this raise gave the HTML page.
        if request.path_info.startswith(API_PREFIX):
            return None
        raise


def _repeated_field(params: Any) -> tuple[str, int] | None:
    for name, values in params.lists():
        if len(values) > 1 and name not in MULTI_VALUED:
            return name, len(values)
    return None


DEMESURE_MESSAGE = "La demande contient un nombre ou une date hors des limites acceptées : vérifiez l'adresse ou le formulaire."


class RefuseOutOfRangeNumbers(MiddlewareMixin):
    """A number the database cannot hold (SQLite binds integers of 64 bits: `?campagne__id__in=1,10**30` in a
    back-office list) or a date pushed past year 9999 raises OverflowError wherever a view or Django's admin
    reads a parameter without a form: a French 400 here, once for every view, rather than a 500. Logged as a
    warning with its traceback (the path, no value of the request)."""

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponseBase | None:
        if not isinstance(exception, OverflowError):
            return None
        # With its traceback: were it a defect of the code rather than of the request, the log shows where.
        logger.warning("nombre démesuré refusé : %s", request.path_info, exc_info=exception)
        return _refusal(request, DEMESURE_MESSAGE)


SELECTION_MESSAGE = (
    "Sélection invalide : les lignes cochées sont désignées par leur numéro, « {value} » n'en est pas un. "
    "Revenez à la liste et cochez les lignes à traiter."
)


class RefuseMalformedAdminSelection(MiddlewareMixin):
    """The rows ticked for a back-office action (`_selected_action`) are read by Django as the model's primary
    keys without a form: « abc » for an integer key raised ValueError in `response_action`, a 500 (the probe of
    6 December, on every changelist with an action). Each value is checked here with the key's own `to_python`,
    for every ModelAdmin at once: a French 400 naming the value."""

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponseBase | None:
        model_admin = getattr(view_func, "model_admin", None)
        if request.method != "POST" or model_admin is None or "_selected_action" not in request.POST:
            return None
        from django.contrib.admin import helpers

        key = model_admin.model._meta.pk
        for value in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME):
            try:
                key.to_python(value)
            except ValidationError:
                return _refusal(request, SELECTION_MESSAGE.format(value=value[:20]))
        return None


API_NOT_FOUND = "Adresse inconnue de l'API : les opérations sont décrites dans /api/v1/docs (OpenAPI : /api/v1/openapi.json)."


class ApiRefusalsInJson(MiddlewareMixin):
    """Under `API_PREFIX`, the refusals that no operation writes: an address the API does not have (Django's 404,
    an HTML page) and a method an address does not take (django-ninja's 405, « Method not allowed » in English,
    text/html). Answered in the API's shape, `{"detail": "…"}` in French, the `Allow` header kept."""

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if response.status_code not in (404, 405) or not request.path_info.startswith(API_PREFIX):
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response  # an operation's own answer (« Lieu inconnu. »)
        if response.status_code == 404:
            return JsonResponse(
                {"detail": API_NOT_FOUND}, status=404, json_dumps_params={"ensure_ascii": False}
            )
        allowed = response.get("Allow", "")
        refused = JsonResponse(
            {
                "detail": f"Méthode {request.method} non acceptée à cette adresse"
                + (f" : {allowed} seulement." if allowed else ".")
            },
            status=405,
            json_dumps_params={"ensure_ascii": False},
        )
        if allowed:
            refused["Allow"] = allowed
        return refused


METHOD_REFUSED = (
    "Cette adresse n'accepte pas la méthode {method} ({allowed} seulement). Si vous avez suivi un lien ou "
    "rechargé une page après l'envoi d'un formulaire, revenez à la page précédente."
)


# Set by StaticFiles on a request for one of its files with a method it does not take: the methods it takes.
STATIC_ALLOW = "_solidarite_static_allow"


class StaticFiles(WhiteNoiseMiddleware):
    """WhiteNoise's, which answers GET and HEAD of its files before any other middleware. Another method on one of
    them was its own empty 405, which went round the pages' middlewares: the request goes on through them instead,
    marked with WhiteNoise's `Allow`, and PageMethodRefusals (last) answers the 405 before any view or CSRF check,
    drawn as every page's. GET and HEAD, and an address WhiteNoise does not have, are answered as before."""

    def serve(self, static_file: Any, request: HttpRequest) -> HttpResponseBase:
        response: HttpResponseBase = super().serve(static_file, request)
        if response.status_code != 405:
            return response
        response.close()
        setattr(request, STATIC_ALLOW, response.get("Allow", ""))
        handed_on: HttpResponseBase = self.get_response(request)
        return handed_on


class PageMethodRefusals(MiddlewareMixin):
    """A page's refusal of a method (Django's `require_http_methods`, a class-based view's 405: `GET` on the
    sign-out, a form page sent PUT or DELETE) was an empty answer, nothing in French for whoever followed a link
    there: it is the platform's French error page, its `Allow` header kept. Once here for every page and static
    file (StaticFiles hands its refusals on, answered here before any view); the API answers its own in JSON
    (`ApiRefusalsInJson`), FHIR in an OperationOutcome (interop.fhir_views). Last in `MIDDLEWARE`, so that the page
    is drawn before the htmx middleware looks at it (and puts it in `#contenu`)."""

    def process_request(self, request: HttpRequest) -> HttpResponseBase | None:
        allowed = getattr(request, STATIC_ALLOW, None)
        if allowed is None:
            return None
        return HttpResponseNotAllowed([method.strip() for method in allowed.split(",") if method.strip()])

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if not isinstance(response, HttpResponseNotAllowed) or request.path_info.startswith(API_PREFIX):
            return response
        from solidarite.web.pages import error_page

        allowed = response.get("Allow", "")
        refused = error_page(
            request,
            405,
            "Méthode non acceptée",
            METHOD_REFUSED.format(method=request.method, allowed=allowed or "aucune"),
        )
        if allowed:
            refused["Allow"] = allowed
        return refused


class ApiHeadAsGet:
    """HEAD under `API_PREFIX` answered as GET. django-ninja routes a method only to the operations declared with
    it, and `api.get` declares GET alone: `HEAD /api/v1/lieux` was a 405 where HTTP (RFC 9110, 9.3.2) has it
    answered as GET, without the body. The request goes through as a GET, its method given back for the
    middlewares around (a refusal names HEAD); the server leaves the body out, as for the pages' HEAD."""

    sync_capable = True
    async_capable = False

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.method != "HEAD" or not request.path_info.startswith(API_PREFIX):
            response: HttpResponseBase = self.get_response(request)
            return response
        request.method = "GET"
        try:
            response = self.get_response(request)
        finally:
            request.method = "HEAD"
        return response


# Per-view changes of the policy (django-csp's decorators): with one of them, django-csp builds the header itself.
_PER_VIEW = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)


class CSPMiddleware(csp_middleware.CSPMiddleware):
    """django-csp's middleware, with the policy written once rather than rebuilt for every answer.

    The policy is the same for every answer of the platform: no nonce, no per-view change. django-csp rebuilds it
    from the settings for each one (both headers, about 30 µs, a few per cent of an API request); this class builds
    the two strings when the server starts and hands any answer with a nonce or a per-view change on to django-csp.
    `EXCLUDE_URL_PREFIXES` is not supported (the platform excludes no prefix)."""

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        super().__init__(get_response)
        self.policy = build_policy()
        self.policy_report_only = build_policy(report_only=True)

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if getattr(request, "_csp_nonce", None) is not None or any(hasattr(response, a) for a in _PER_VIEW):
            return super().process_response(request, response)
        if settings.DEBUG and response.status_code in (500, 404):  # Django's debug pages, as django-csp
            return response
        if self.policy and HEADER not in response and not getattr(response, "_csp_exempt", False):
            response[HEADER] = self.policy
        if (
            self.policy_report_only
            and HEADER_REPORT_ONLY not in response
            and not getattr(response, "_csp_exempt_ro", False)
        ):
            response[HEADER_REPORT_ONLY] = self.policy_report_only
        # As django-csp: a nonce asked for after the header is written is an error, not a silent nonce.
        request.csp_nonce = csp_middleware.CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response
