"""FHIR R4 read endpoints: /fhir/Location, /fhir/Schedule, /fhir/Slot (free/busy), /fhir/Appointment, each
searched or read by id, and /fhir/metadata (the CapabilityStatement).

Location, Schedule and Slot are public (the same facts as the search pages). Appointment needs an
authorised user: an ARS agent (session of the back office) sees the appointments of their region only,
and every appointment returned is recorded in the access log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from solidarite.annuaire.models import LieuSolidaire
from solidarite.interop import entrees, fhir
from solidarite.rdv import acces as rdv_acces
from solidarite.rdv import services
from solidarite.rdv.creneaux import horizon, slot_id
from solidarite.rdv.models import AccesDonnees, RendezVous
from solidarite.territoire import acces
from solidarite.web.ratelimit import MESSAGE as TOO_MANY
from solidarite.web.ratelimit import exceeded

CONTENT_TYPE = "application/fhir+json; charset=utf-8"
DEFAULT_DAYS = 14
PAGING = ("_count", "_offset")  # every search's result parameters (FHIR R4 search.html#count)
# `_format` values meaning JSON (FHIR R4 http.html#mime-type); « + » unencoded in a query string reads as a space.
JSON_FORMATS = frozenset({"json", "application/json", "application/fhir+json", "application/fhir json"})


class FhirError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code = status, code


def respond(resource: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(resource.model_dump_json(exclude_none=True), status=status, content_type=CONTENT_TYPE)


def endpoint(view: Callable[..., Any]) -> Callable[..., HttpResponse]:
    """FHIR errors as OperationOutcome with a French diagnostic; 429 when one address floods."""

    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):  # read-only: an OperationOutcome, not Django's empty 405
            refused = respond(
                fhir.outcome(
                    "not-supported",
                    f"Méthode {request.method} non acceptée : ce serveur FHIR est en lecture seule (GET).",
                ),
                405,
            )
            refused["Allow"] = "GET, HEAD"
            return refused
        fmt = request.GET.get("_format")
        if (
            fmt is not None and fmt.strip().lower() not in JSON_FORMATS
        ):  # « xml » was answered in JSON, with a 200
            return respond(
                fhir.outcome(
                    "not-supported",
                    f"Format {fmt[:40]!r} non pris en charge : ce serveur FHIR répond en JSON seulement "
                    "(_format=json ou application/fhir+json).",
                ),
                406,
            )
        if fmt is None and not _accepts_json(request.headers.get("Accept", "")):
            return respond(
                fhir.outcome(
                    "not-supported",
                    f"Format {request.headers.get('Accept', '')[:40]!r} demandé (en-tête Accept) non pris en "
                    "charge : ce serveur FHIR répond en JSON seulement (application/fhir+json).",
                ),
                406,
            )
        if exceeded(request, "recherche"):
            response = respond(fhir.outcome("throttled", TOO_MANY), 429)
            response["Retry-After"] = "60"
            return response
        try:
            return respond(view(request, *args, **kwargs))
        except FhirError as exc:
            return respond(fhir.outcome(exc.code, str(exc)), exc.status)

    wrapper.__name__ = view.__name__
    # Read-only (GET and HEAD do not check CSRF anyway): another method gets its OperationOutcome above rather
    # than the HTML page of a refused CSRF check.
    return csrf_exempt(wrapper)


# What an Accept header may ask for and get JSON (« application/json+fhir » is the DSTU2 spelling).
JSON_MEDIA = frozenset(
    {"*/*", "application/*", "application/json", "application/fhir+json", "application/json+fhir"}
)


def _accepts_json(accept: str) -> bool:
    """Whether the Accept header (absent: anything) admits JSON; « application/fhir+xml » alone was answered in
    JSON with a 200, as if read (FHIR R4 http.html#mime-type: 406 when the format cannot be given)."""
    if not accept.strip():
        return True
    for part in accept.split(","):
        media, *params = (p.strip().lower() for p in part.split(";"))
        if media in JSON_MEDIA and "q=0" not in params and "q=0.0" not in params:
            return True
    return False


def _number(raw: str, name: str) -> int:
    """A resource number in the one form the answers write it (interop.entrees), else a 400 naming the
    parameter (« ² », « ١ », « 01 », « +1 », « 1.0 » were read as a number, or as no resource)."""
    number = entrees.parse_id(raw)
    if number is None:
        raise FhirError(400, "invalid", f"Paramètre {name} invalide : {raw[:40]!r}. {entrees.ID_EXPECTED}")
    return number


def _reference(raw: str, name: str, kind: str) -> int:
    """A reference search parameter: « <kind>/<numéro> » or « <numéro> », nothing else (any prefix was taken)."""
    number = entrees.parse_id(raw.removeprefix(f"{kind}/"))
    if number is None:
        raise FhirError(
            400,
            "invalid",
            f"Paramètre {name} invalide : {raw[:40]!r}. Attendu : {kind}/<numéro> ou <numéro>, "
            "le numéro de 1 à 999999999 en chiffres de 0 à 9, sans signe, espace ni zéro en tête.",
        )
    return number


def _lieu(number: int, raw: str) -> LieuSolidaire:
    lieu = LieuSolidaire.objects.select_related("commune").filter(pk=number).first()
    if lieu is None:
        raise FhirError(404, "not-found", f"Ressource inconnue : {raw[:40]!r}.")
    return lieu


def _single(request: HttpRequest, name: str) -> str | None:
    """The one value of a parameter that takes one (a repeated one: 400, rather than the last one read)."""
    values = request.GET.getlist(name)
    if len(values) > 1:
        raise FhirError(
            400, "invalid", f"Paramètre {name} donné {len(values)} fois : une seule valeur attendue."
        )
    return values[0] if values and values[0] != "" else None


def _known(request: HttpRequest, kind: str) -> str:
    """The search's self link: `kind` searched with the parameters the CapabilityStatement lists for it and
    applied (FHIR R4 search.html#errors). A parameter not served was ignored, so « Appointment?actor=Location/2 »
    or « ?_id=600 » answered every appointment of the region as if they matched: it is a 400, unless the client
    asked to go on without it (« Prefer: handling=lenient »), when the self link shows what was applied."""
    served = fhir.SERVED[kind]
    unknown = [name for name in request.GET if name not in ("_format", *PAGING) and name not in served]
    if unknown and not _lenient(request):
        raise FhirError(
            400,
            "not-supported",
            f"Paramètre de recherche {unknown[0][:40]!r} non pris en charge pour {kind} : "
            f"{', '.join(served)} seulement (voir /fhir/metadata), ou « Prefer: handling=lenient » pour "
            "l'ignorer.",
        )
    applied = [(name, value) for name in served for value in request.GET.getlist(name)]
    return f"{_base()}/fhir/{kind}" + (f"?{urlencode(applied)}" if applied else "")


class Page:
    """One page of a search: `_count` entries from rank `_offset` (0 to PAGE_MAX, PAGE_MAX when not given or
    more; 0 gives the total alone). Searches answered every match in one Bundle, and Appointment cut at 500
    silently, its total saying 500; `_count` was refused as not served."""

    def __init__(self, request: HttpRequest, search: str) -> None:
        self.search = search  # the self link without its paging
        self.count = min(self._read(request, "_count", fhir.PAGE_MAX), fhir.PAGE_MAX)
        self.offset = self._read(request, "_offset", 0)
        self.given = any(name in request.GET for name in PAGING)  # then the self link shows what was applied

    @staticmethod
    def _read(request: HttpRequest, name: str, default: int) -> int:
        raw = _single(request, name)
        if raw is None:
            return default
        number = entrees.parse_count(raw)
        if number is None:
            raise FhirError(
                400,
                "invalid",
                f"Paramètre {name} invalide : {raw[:40]!r}. Attendu : {entrees.COUNT_EXPECTED}"
                + (f" ({fhir.PAGE_MAX} résultats par page au plus)." if name == "_count" else "."),
            )
        return number

    def window(self) -> slice:
        return slice(self.offset, self.offset + self.count)

    def _link(self, offset: int) -> str:
        sep = "&" if "?" in self.search else "?"
        return f"{self.search}{sep}{urlencode({'_count': self.count, '_offset': offset})}"

    def bundle(self, resources: list[Any], total: int) -> Any:
        pages = {}
        if self.count and self.offset + self.count < total:
            pages["next"] = self._link(self.offset + self.count)
        if self.count and self.offset > 0:
            pages["previous"] = self._link(max(0, min(self.offset, total) - self.count))
        self_link = self._link(self.offset) if self.given else self.search
        return fhir.searchset(_base(), resources, self_link, total, pages)


def _lenient(request: HttpRequest) -> bool:
    """Whether the Prefer header asks for lenient handling (RFC 7240; FHIR R4 http.html#prefer)."""
    return any(
        part.strip().lower() == "handling=lenient" for part in request.headers.get("Prefer", "").split(",")
    )


def _postcode(lieu: LieuSolidaire) -> str | None:
    code = lieu.commune.codes_postaux.order_by("code").values_list("code", flat=True).first()
    return str(code) if code else None


def _dates(request: HttpRequest, name: str) -> tuple[dt.date, dt.date]:
    """`name=geYYYY-MM-DD` and/or `name=leYYYY-MM-DD` (or a bare date for one day)."""
    today = timezone.localdate()
    low, high = today, None
    try:
        for value in request.GET.getlist(name):
            prefix, text = (
                (value[:2], value[2:]) if value[:2] in {"ge", "gt", "le", "lt", "eq"} else ("eq", value)
            )
            day = entrees.parse_date(text)
            if day is None:
                raise FhirError(
                    400,
                    "invalid",
                    f"Paramètre {name} invalide : {value[:40]!r}. Attendu : une date AAAA-MM-JJ exactement "
                    "(sans heure), précédée ou non d'un préfixe ge, gt, le, lt ou eq.",
                )
            if prefix in {"ge", "gt"}:
                low = services.shifted(day, 1 if prefix == "gt" else 0)
            elif prefix in {"le", "lt"}:
                high = services.shifted(day, -1 if prefix == "lt" else 0)
            else:
                low = high = day
        high = high or services.shifted(low, DEFAULT_DAYS)
    except ValidationError as exc:  # a day at an end of the calendar (gt9999-12-31, lt0001-01-01)
        raise FhirError(400, "invalid", f"Paramètre {name} invalide. {exc.messages[0]}") from None
    if high < low or (high - low).days > services.MAX_RANGE_DAYS:
        raise FhirError(
            400, "invalid", f"Période invalide : {services.MAX_RANGE_DAYS} jours au plus, fin après début."
        )
    return low, high


def _base() -> str:
    return settings.SOLIDARITE_BASE_URL


CITY_MAX = 100  # Commune.nom


@endpoint
def location_search(request: HttpRequest) -> Any:
    self_link = _known(request, "Location")
    lieux = LieuSolidaire.objects.filter(actif=True).select_related("commune").order_by("pk")
    if (raw := _single(request, "_id")) is not None:
        lieux = lieux.filter(pk=_lieu(_number(raw, "_id"), raw).pk)
    if (city := _single(request, "address-city")) is not None:
        if len(city) > CITY_MAX or not city.isprintable():
            raise FhirError(
                400,
                "invalid",
                f"Paramètre address-city invalide : attendu le nom d'une commune, {CITY_MAX} caractères au "
                "plus, sans caractère de contrôle.",
            )
        lieux = lieux.filter(commune__nom__iexact=city)
    page = Page(request, self_link)
    return page.bundle([fhir.location(lieu, _postcode(lieu)) for lieu in lieux[page.window()]], lieux.count())


@endpoint
def location_read(request: HttpRequest, pk: str) -> Any:
    lieu = _lieu(_number(pk, "id"), pk)
    return fhir.location(lieu, _postcode(lieu))


@endpoint
def schedule_search(request: HttpRequest) -> Any:
    self_link = _known(request, "Schedule")
    lieux = LieuSolidaire.objects.filter(actif=True).select_related("commune").order_by("pk")
    if (raw := _single(request, "actor")) is not None:
        lieux = lieux.filter(pk=_lieu(_reference(raw, "actor", "Location"), raw).pk)
    if (raw := _single(request, "_id")) is not None:
        lieux = lieux.filter(pk=_lieu(_number(raw, "_id"), raw).pk)
    planned = horizon(timezone.localdate())
    page = Page(request, self_link)
    return page.bundle([fhir.schedule(lieu, planned) for lieu in lieux[page.window()]], lieux.count())


@endpoint
def schedule_read(request: HttpRequest, pk: str) -> Any:
    return fhir.schedule(_lieu(_number(pk, "id"), pk), horizon(timezone.localdate()))


@endpoint
def slot_search(request: HttpRequest) -> Any:
    self_link = _known(request, "Slot")
    raw = _single(request, "schedule")
    if raw is None:
        raise FhirError(
            400, "required", "Paramètre schedule obligatoire (Schedule/<id>, l'agenda d'un lieu)."
        )
    lieu = _lieu(_reference(raw, "schedule", "Schedule"), raw)
    low, high = _dates(request, "start")
    status = _single(request, "status")
    if status not in (None, "free", "busy"):
        raise FhirError(400, "invalid", "Paramètre status invalide : attendu free ou busy, exactement.")
    found = services.slots(lieu, low, high)
    if status:
        found = [c for c in found if c.libre == (status == "free")]
    page = Page(request, self_link)
    return page.bundle([fhir.slot(c) for c in found[page.window()]], len(found))


def _slot(raw: str) -> services.Creneau:
    """A slot of an open mission by its identifier, past ones included (an appointment's slot stays readable);
    the identifier as the lists write it, nothing else."""
    if not entrees.is_slot_id(raw):
        raise FhirError(
            400,
            "invalid",
            f"Paramètre id invalide : {raw[:40]!r}. Attendu : <mission>-<AAAAMMJJhhmm>, "
            "tel que les listes de créneaux l'écrivent.",
        )
    found = services.creneau_by_id(raw)
    if found is None or found.id != raw:
        raise FhirError(404, "not-found", f"Ressource inconnue : {raw!r}.")
    return found


@endpoint
def slot_read(request: HttpRequest, pk: str) -> Any:
    return fhir.slot(_slot(pk), timezone.now())


def _authorised(request: HttpRequest) -> Any:
    """The ARS agent asking for appointments: 401 without a back-office session, 403 without a region."""
    user = request.user
    if not user.is_authenticated or not user.is_staff:
        raise FhirError(401, "login", "Accès réservé aux agents habilités : connectez-vous au back-office.")
    try:
        acces.region_of(user)
    except PermissionDenied as exc:
        raise FhirError(403, "forbidden", str(exc)) from None
    return user


EVER = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)  # "now" for listing past slots too


def _appointments(user: Any, found: list[RendezVous]) -> list[Any]:
    """The appointments as FHIR resources, each reading recorded in the access log. Appointment.slot only for
    a slot still offered (Slot/<id> answers): not when the mission was cancelled or the lieu's hours changed."""
    AccesDonnees.objects.bulk_create(
        [AccesDonnees(rendez_vous=r, action="lecture FHIR", par=user, canal="API FHIR") for r in found]
    )
    starts = [timezone.localtime(r.debut, services.lieu_fuseau(r.lieu_id)) for r in found]  # ids: local times
    days = [start.date() for start in starts]
    offered = (
        {
            c.id
            for lieu_slots in services.slots_by_lieu(
                sorted({r.lieu_id for r in found}), min(days), max(days), EVER
            ).values()
            for c in lieu_slots
        }
        if found
        else set()
    )
    ids = [slot_id(r.mission_id, start) for r, start in zip(found, starts, strict=True)]
    return [fhir.appointment(r, i if i in offered else None) for r, i in zip(found, ids, strict=True)]


@endpoint
def appointment_read(request: HttpRequest, pk: str) -> Any:
    """One appointment, for an ARS agent of its region (another region's: 404, as if none)."""
    user = _authorised(request)
    rows = rdv_acces.rendez_vous_for(
        user,
        RendezVous.objects.filter(pk=_number(pk, "id")).select_related("mission__medecin", "lieu"),
    )
    found = list(rows[:1])
    if not found:
        raise FhirError(404, "not-found", f"Ressource inconnue : {pk!r}.")
    return _appointments(user, found)[0]


@endpoint
def appointment_search(request: HttpRequest) -> Any:
    user = _authorised(request)
    self_link = _known(request, "Appointment")
    low, high = _dates(request, "date")
    rows = rdv_acces.rendez_vous_for(
        user,
        RendezVous.objects.filter(debut__date__range=(low, high)).select_related("mission__medecin", "lieu"),
    )
    if (raw := _single(request, "location")) is not None:
        lieu = _lieu(_reference(raw, "location", "Location"), raw)
        if not acces.scope(user, LieuSolidaire.objects.filter(pk=lieu.pk), "commune__departement__region"):
            raise FhirError(404, "not-found", f"Ressource inconnue : {raw!r}.")  # another region: as if none
        rows = rows.filter(lieu=lieu)
    page = Page(request, self_link)
    found = list(rows.order_by("debut", "pk")[page.window()])  # only this page is read, and logged
    return page.bundle(_appointments(user, found), rows.count())


@endpoint
def metadata(request: HttpRequest) -> Any:
    """The CapabilityStatement (FHIR R4): what this server answers."""
    return fhir.capability_statement(_base(), timezone.localdate())


def not_found(request: HttpRequest, rest: str) -> HttpResponse:
    return respond(fhir.outcome("not-supported", f"Ressource ou opération non proposée : {rest!r}."), 404)
