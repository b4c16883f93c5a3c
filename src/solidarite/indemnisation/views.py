"""Pages: the volunteer's statements (and contest), the confirmation of realised days (doctor or référent), the
ARS bulk validation of its region's statements, the national totals, and the exports for the CPAM."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Sum
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from solidarite import parametres
from solidarite.annuaire import acces as annuaire_acces
from solidarite.indemnisation import acces, exports, pdf, services
from solidarite.indemnisation.models import CalculMois, JourRealise, JourRetire, Releve
from solidarite.planning.models import Mission
from solidarite.territoire import acces as territoire_acces
from solidarite.territoire.models import Region
from solidarite.web.entrees import EntreeInvalide, parse_id, read_id
from solidarite.web.pages import agents_seulement, error_page

NO_BANK_DETAILS = (
    "La plateforme ne conserve aucune coordonnée bancaire : la CPAM verse l'indemnité sur le compte où elle "
    "règle déjà vos consultations."
)


def _errors(exc: ValidationError | PermissionDenied) -> str:
    return " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)


# The CPAM of a statement is its doctor's département, in ASCII digits (« \d » took « ٧٥ »: an empty export).
RE_CPAM = re.compile(r"[0-9]{2}|2A|2B|97[0-9]")
EXPORT_FORMATS = ("csv", "xlsx")


def _int(params: QueryDict, name: str, what: str) -> int:
    """A posted number, once and in its one form (web.entrees: not « ␣1 », « +1 », « 01 » nor « ١ »)."""
    try:
        return read_id(params, name)
    except EntreeInvalide:
        raise ValidationError(f"{what} invalide.") from None


# --- The volunteer -----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def medecin(request: HttpRequest) -> HttpResponse:
    """The volunteer's statements and their status; a validated one can be contested (with a reason)."""
    doc = annuaire_acces.medecin_or_404(request.user)
    status, refused = 200, {"releve": None, "motif": ""}  # the contest refused, if any: its form reopened
    if request.method == "POST":
        try:
            releve = acces.releve_du_medecin(request.user, _int(request.POST, "releve", "Numéro de relevé"))
        except (ValueError, ValidationError):
            raise territoire_acces.OutOfScopeError(acces.NOT_YOURS) from None
        motif = request.POST.get("motif", "")
        try:
            services.contester(releve, request.user, motif)
        except ValidationError as exc:
            # The page again with the reason, a 400, the text typed kept in its open form; nothing written.
            messages.error(request, _errors(exc))
            status, refused = 400, {"releve": releve.pk, "motif": motif}
        else:
            messages.success(
                request, "Contestation enregistrée : l'ARS reprend votre relevé et vous répondra."
            )
            return redirect("indemnisation:medecin")
    releves = list(doc.releves.select_related("region").prefetch_related("lignes", "etapes"))
    context = {
        "medecin": doc,
        "releves": releves,
        "sans_banque": NO_BANK_DETAILS,
        "contestation": refused,
        "motif_max": services.MOTIF_CONTESTATION_MAX,
    }
    return render(request, "indemnisation/medecin.html", context, status=status)


@login_required
@require_safe
def releve_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The volunteer's statement as a PDF (their own only)."""
    releve = acces.releve_du_medecin(request.user, pk)
    response = HttpResponse(pdf.releve_pdf(releve), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="releve-{releve.mois:%Y-%m}-{releve.pk}.pdf"'
    return response


@login_required
@require_safe
def jours(request: HttpRequest) -> HttpResponse:
    """The days this account confirms: its own missions (doctor) and those of its lieux (référent)."""
    doc = annuaire_acces.validated_medecin(request.user)
    lieux = annuaire_acces.referent_lieu_ids(request.user)
    if doc is None and not lieux:
        raise territoire_acces.OutOfScopeError(
            "Cette page est réservée aux médecins volontaires et aux référents des lieux solidaires."
        )
    today = timezone.localdate()
    missions = Mission.objects.none()
    if doc is not None:
        missions = missions | Mission.objects.filter(medecin=doc)
    if lieux:
        missions = missions | Mission.objects.filter(lieu_id__in=lieux)
    items = list(
        missions.filter(
            statut__in=[Mission.Statut.CONFIRMEE, Mission.Statut.REALISEE],
            date__lte=today,
            date__gte=today - dt.timedelta(days=90),
        )
        .select_related("lieu__commune", "medecin", "jour_realise", "jour_retire")
        .order_by("-date")
    )
    for m in items:  # a missing reverse one-to-one raises: each row gets its day and its withdrawal, or None
        m.jour = getattr(m, "jour_realise", None)  # type: ignore[attr-defined]
        m.retrait = getattr(m, "jour_retire", None)  # type: ignore[attr-defined]
    return render(request, "indemnisation/jours.html", {"missions": items, "aujourdhui": today})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def confirmer(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm a realised day, full or half, prefilled with the day's consultations."""
    mission = acces.mission_a_confirmer(request.user, pk)
    today = timezone.localdate()
    status = 200
    if request.method == "POST":
        try:
            services.confirmer_jour(
                mission,
                request.user,
                request.POST.get("nature", ""),
                request.POST.get("consultations"),
                today,
            )
        except ValidationError as exc:
            messages.error(request, _errors(exc))
            status = 400
        else:
            messages.success(
                request, f"Journée du {mission.date:%d/%m/%Y} confirmée : elle figurera au relevé."
            )
            return redirect("indemnisation:jours")
    jour = JourRealise.objects.filter(mission=mission).first()
    context = {
        "mission": mission,
        "jour": jour,
        "a_venir": mission.date > today,
        "retrait": JourRetire.objects.filter(mission=mission).first(),
        "consultations": jour.consultations if jour else services.consultations_du_jour(mission),
        "nature": jour.nature if jour else "journee",
    }
    if status == 400:  # a refused form gives back what was typed: a half-day must not come back as a full day
        context["consultations"] = request.POST.get("consultations", "")[:20]
        context["nature"] = request.POST.get("nature", "")
    return render(request, "indemnisation/confirmer.html", context, status=status)


# --- The ARS -----------------------------------------------------------------------------------------------


def _regions_for(user: Any) -> list[Region]:
    region = territoire_acces.region_of(user)
    return [region] if region else list(Region.objects.order_by("nom"))


def _region_and_month(request: HttpRequest) -> tuple[list[Region], Region, dt.date] | HttpResponse:
    try:
        regions = _regions_for(request.user)
        first = services.parse_month(request.GET.get("mois") or request.POST.get("mois"))
    except PermissionDenied as exc:
        return error_page(request, 403, "Accès refusé", str(exc))
    except ValidationError as exc:
        return error_page(request, 400, "Mois invalide", _errors(exc))
    code = request.GET.get("region") or request.POST.get("region") or (regions[0].code if regions else "")
    region = next((r for r in regions if r.code == code), None)
    if region is None:
        raise territoire_acces.OutOfScopeError()
    return regions, region, first


NOT_ON_PAGE = "Un des relevés cochés n'existe pas parmi ceux de cette région et de ce mois."


def _ticked(ids: list[str]) -> list[int]:
    """The statements ticked, each in its one form (web.entrees: « ² », « ١ » or « ␣1 » is none)."""
    keys = [parse_id(i) for i in ids]
    if not all(keys):
        raise ValidationError("Sélection de relevés invalide.")
    return [k for k in keys if k]


def _check_page_region(user: Any, region: Region, first: dt.date, keys: list[int]) -> None:
    """The statements ticked on the page of a region and a month are among that page's: one of another region
    looks like no statement at all (decision 0006), its region is not named."""
    shown = acces.releves_de_la_region(user).filter(region=region, mois=first, pk__in=keys)
    if shown.count() != len(set(keys)):
        raise ValidationError(NOT_ON_PAGE)


@agents_seulement
@require_http_methods(["GET", "HEAD", "POST"])
def ars(request: HttpRequest) -> HttpResponse:
    scope = _region_and_month(request)
    if isinstance(scope, HttpResponse):
        return scope
    regions, region, first = scope
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "calculer":
                services.queue_mois(first, region, request.user)
                messages.success(request, "Calcul des relevés lancé : sa progression s'affiche ici.")
            elif action == "retirer":
                jour = (
                    JourRealise.objects.select_related("mission__lieu__commune__departement__region")
                    .filter(
                        mission_id=_int(request.POST, "mission", "Numéro de mission"),
                        mission__lieu__commune__departement__region=region,
                    )
                    .first()
                )
                if jour is None:
                    raise ValidationError("Aucune journée réalisée de ce numéro de mission dans la région.")
                services.retirer_jour(jour, request.user, request.POST.get("commentaire", ""))
                messages.success(request, "Journée retirée : recalculez les relevés du mois.")
            else:
                ids = _ticked(request.POST.getlist("releves"))
                _check_page_region(request.user, region, first, ids)
                done = services.avancer(ids, action, request.user, request.POST.get("commentaire", ""))
                messages.success(request, f"{len(done)} relevé(s) : {services.ACTIONS[action][2]}.")
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _errors(exc))
            status = 400
        if status == 200:
            return redirect(f"{request.path}?region={region.code}&mois={first:%Y-%m}")
    releves = list(
        acces.releves_de_la_region(request.user)
        .filter(region=region, mois=first)
        .select_related("medecin")
        .annotate(nb_lignes=Count("lignes"))
        .order_by("medecin__nom", "medecin__prenom")
    )
    run = CalculMois.objects.filter(mois=first, region=region).first()
    context = {
        "regions": regions,
        "region": region,
        "mois": first,
        "releves": releves,
        "avec_anomalies": [r for r in releves if r.anomalies],
        "contestes": [r for r in releves if r.statut == Releve.Statut.CONTESTE],
        "non_confirmes": services.jours_non_confirmes(region),
        "delai": parametres.entier("indemnite_confirmation_delai_jours"),
        "montants": exports.montants(releves),
        "run": run,
        "en_attente": run is not None and run.etat in CalculMois.EN_ATTENTE,
        "sans_banque": NO_BANK_DETAILS,
        "motif_retrait_max": services.MOTIF_RETRAIT_MAX,
        "commentaire_max": services.COMMENTAIRE_MAX,
    }
    return render(request, "indemnisation/ars.html", context, status=status)


@agents_seulement
@require_safe
def ars_calcul(request: HttpRequest) -> HttpResponse:
    """The month's run progress, polled by the ARS page (htmx) until it ends, then the page reloads."""
    scope = _region_and_month(request)
    if isinstance(scope, HttpResponse):
        return scope
    _regions, region, first = scope
    run = CalculMois.objects.filter(mois=first, region=region).first()
    pending = run is not None and run.etat in CalculMois.EN_ATTENTE
    response = render(
        request,
        "indemnisation/_calcul.html",
        {"run": run, "region": region, "mois": first, "en_attente": pending},
    )
    if run is not None and not pending and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@agents_seulement
@require_safe
def export(request: HttpRequest) -> HttpResponse:
    """The region's month for the CPAM: CSV (schema exports.SCHEMA, versioned) or XLSX; ?cpam= keeps one CPAM.
    Only statements validated and not contested; the contested ones, held, in a file (?contestes=1) or sheet of
    their own (decision 0026)."""
    scope = _region_and_month(request)
    if isinstance(scope, HttpResponse):
        return scope
    _regions, region, first = scope
    fmt = request.GET.get("format") or "csv"
    if fmt not in EXPORT_FORMATS:  # « pdf » got a CSV named .csv, as if the format had been read
        return error_page(
            request,
            400,
            "Format inconnu",
            f"« {fmt[:20]} » : l'export est au format {' ou '.join(EXPORT_FORMATS)}.",
        )
    contestes = request.GET.get("contestes", "")
    if contestes not in ("", "1"):
        return error_page(
            request,
            400,
            "Paramètre invalide",
            f"« {contestes[:20]} » : ajoutez contestes=1 pour le fichier des relevés contestés, ou rien.",
        )
    releves = (
        acces.releves_de_la_region(request.user)
        .filter(region=region, mois=first)
        .select_related("medecin", "region")
        .prefetch_related("lignes")
    )
    cpam = request.GET.get("cpam", "").strip().upper()
    if cpam and not RE_CPAM.fullmatch(cpam):  # a département code; it goes into the file's name (a header)
        return error_page(
            request,
            400,
            "CPAM invalide",
            f"« {cpam[:20]} » n'est pas un code de CPAM (numéro du département : 01 à 976).",
        )
    if cpam:
        releves = releves.filter(cpam=cpam)
    payables = exports.rows(releves.filter(statut__in=exports.A_LA_CPAM))
    held = exports.rows(releves.filter(statut=Releve.Statut.CONTESTE))
    name = f"indemnites-{region.code}-{first:%Y-%m}{'-cpam-' + cpam if cpam else ''}"
    if fmt == "xlsx":
        book = exports.xlsx(payables, autres=[(exports.FEUILLE_CONTESTES, held)])
        response = HttpResponse(book, content_type=exports.XLSX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    text = exports.csv_text(held if contestes else payables)
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}{"-contestes" if contestes else ""}.csv"'
    return response


@require_safe
def schema(request: HttpRequest) -> HttpResponse:
    """The Table Schema of the CPAM export (public documentation of the format, versioned)."""
    return JsonResponse(exports.SCHEMA, json_dumps_params={"ensure_ascii": False, "indent": 2})


@agents_seulement
@require_safe
def national(request: HttpRequest) -> HttpResponse:
    """The national admin's totals: statements and amounts by state per region and month (CSV with
    ?format=csv); drafts apart, never added into validated or paid amounts (decision 0026)."""
    if not acces.is_national_admin(request.user):
        raise territoire_acces.OutOfScopeError()
    rows = exports.totaux_par_region()
    if request.GET.get("format") == "csv":
        response = HttpResponse(exports.totaux_csv(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="indemnites-par-region-et-mois.csv"'
        return response
    par_statut = (
        Releve.objects.values("statut").annotate(n=Count("pk"), montant=Sum("total")).order_by("statut")
    )
    labels = dict(Releve.Statut.choices)
    return render(
        request,
        "indemnisation/national.html",
        {
            "lignes": rows,
            "par_statut": [{**s, "libelle": labels.get(s["statut"], s["statut"])} for s in par_statut],
            "montants": {
                etat: sum((r[f"montant_{etat}"] for r in rows), Decimal(0)) for etat in exports.ETATS
            },
            "sans_banque": NO_BANK_DETAILS,
        },
    )
