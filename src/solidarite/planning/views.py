"""Pages: the volunteer's disponibilités and missions (behind their login), their read-only calendar feed (the
only secret link), the ARS planning."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from solidarite.annuaire import acces as annuaire_acces
from solidarite.annuaire.models import LieuSolidaire, MedecinVolontaire
from solidarite.annuaire.services import rotate_feed_token
from solidarite.planning import acces as planning_acces
from solidarite.planning import lifecycle, services
from solidarite.planning.calendar import missions_ics
from solidarite.planning.models import Mission, PlanningRun, Proposition
from solidarite.territoire import acces
from solidarite.territoire.models import Region
from solidarite.web.entrees import EntreeInvalide, read_date, read_id
from solidarite.web.pages import agents_seulement, error_page

LINK_GONE = (
    "Ce lien personnel n'est plus valable : vos disponibilités, vos missions et la liste de vos patients "
    "s'ouvrent désormais en vous connectant (Pro Santé Connect). Seul votre agenda garde une adresse secrète."
)


def old_token_link(request: HttpRequest, token: str, mission: int | None = None) -> HttpResponse:
    """The former token addresses of the volunteer's pages (e-mails, bookmarks): 404, and where to go now."""
    return error_page(request, 404, "Lien plus valable", LINK_GONE)


def _month(request: HttpRequest) -> dt.date:
    text = request.GET.get("mois") or request.POST.get("mois")
    if not text:
        today = timezone.localdate()
        return (today.replace(day=28) + dt.timedelta(days=4)).replace(day=1)  # next month
    return services.parse_month(text)


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _with_motif(missions: Iterable[Mission]) -> list[Mission]:
    """The missions, each cancelled one with `motif`, who ended it (lifecycle.how_cancelled: declined, désistement
    or the ARS's cancellation; prefetch `transitions`): the pages name it, a désistement is not a decline."""
    listed = list(missions)
    for m in listed:
        m.motif = lifecycle.how_cancelled(m) if m.statut == Mission.Statut.ANNULEE else ""
    return listed


REPONSES = ("confirmer", "decliner", "desister")  # the buttons of planning/missions.html
ACTIONS_CALENDRIER = ("declarer", "retirer")  # the buttons of planning/_calendrier.html
# Declining, the question « Restez-vous disponible ce jour-là pour un autre lieu ? » (its radio buttons).
RESTE_DISPONIBLE = {"non": False, "oui": True}


def _pk(params: QueryDict, field: str) -> int | None:
    """A primary key sent by a form, once and in its one form (web.entrees: « ␣1 », « 01 » or « ١ » is none);
    otherwise None."""
    try:
        return read_id(params, field)
    except EntreeInvalide:
        return None


def _posted_date(request: HttpRequest) -> dt.date | None:
    """The posted `date`, once and exactly AAAA-MM-JJ (web.entrees: « 20261215 » or « 2026-W51-2 » is none);
    otherwise None (absent too)."""
    try:
        return read_date(request.POST, "date")
    except EntreeInvalide:
        return None


def _form_pk(request: HttpRequest, field: str, what: str) -> int:
    """The primary key in the POSTed `field`, or a ValidationError naming what it should designate (→ 400)."""
    pk = _pk(request.POST, field)
    if pk is None:
        raise ValidationError(f"{what} invalide : la page a peut-être changé, rechargez-la et recommencez.")
    return pk


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def disponibilites(request: HttpRequest) -> HttpResponse:
    medecin = annuaire_acces.medecin_or_404(request.user)
    lowest, highest = services.calendar_months()
    try:
        first = _month(request)
        # Shown: as far back as the horizon goes ahead (read only), to its end; changed: the horizon's months only.
        if request.method == "POST":
            services.check_plannable(first)
        elif not lowest <= first <= highest:
            raise ValidationError(
                f"Le calendrier va de {lowest.month:02d}/{lowest.year} à {highest.month:02d}/{highest.year}."
            )
    except ValidationError as exc:
        return error_page(request, 400, "Mois invalide", _errors(exc))
    status = 200
    if request.method == "POST":
        day, action = _posted_date(request), request.POST.get("action")
        if day is None:
            messages.error(request, "Date invalide : format AAAA-MM-JJ attendu.")
            status = 400
        elif action not in ACTIONS_CALENDRIER:  # anything but « retirer » used to declare the day
            messages.error(
                request,
                "Action inconnue : déclarez ou retirez une date avec les boutons du calendrier de vos "
                "disponibilités.",
            )
            status = 400
        else:
            try:
                if action == "retirer":
                    services.withdraw(medecin, day)
                    messages.success(request, f"Le {day:%d/%m/%Y} n'est plus déclaré.")
                else:
                    services.declare(medecin, [day])
                    messages.success(request, f"Disponibilité du {day:%d/%m/%Y} enregistrée.")
            except ValidationError as exc:
                messages.error(request, _errors(exc))
                status = 400
    declared = set(
        medecin.disponibilites.filter(date__year=first.year, date__month=first.month).values_list(
            "date", flat=True
        )
    )
    # A declined (or cancelled) mission no longer holds its day: the day shows as declared or not, the decline
    # beside it (ADR 0003, révision du 5 décembre 2026).
    missions: dict[dt.date, Mission] = {}
    declinees: dict[dt.date, Mission] = {}
    month = medecin.missions.filter(date__year=first.year, date__month=first.month).select_related("lieu")
    for m in _with_motif(month.prefetch_related("transitions")):
        (declinees if m.statut == Mission.Statut.ANNULEE else missions)[m.date] = m
    today = timezone.localdate()
    days = services.month_days(first)
    closed = services.closed_days([d for d in days if d > today and d not in declared and d not in missions])
    weeks: list[list[dict[str, Any] | None]] = []
    for day in days:
        if not weeks or day.weekday() == 0:
            weeks.append([None] * 7)
        weeks[-1][day.weekday()] = {
            "date": day,
            "libelle": services.jour_mois(day),
            "ferme": closed.get(day, ""),
            "declaree": day in declared,
            "passe": day <= today,
            "mission": missions.get(day),
            # a confirmed mission whose day is over stays « confirmée » until its day is confirmed as realised
            "a_confirmer": day < today
            and day in missions
            and missions[day].statut == Mission.Statut.CONFIRMEE,
            "declinee": declinees.get(day),
        }
    context = {
        "medecin": medecin,
        "mois": first,
        "semaines": weeks,
        "nombre": len(declared),
        "plafond": services.availability_cap(medecin),
        "precedent": services.add_months(first, -1) if first > lowest else None,
        "suivant": services.add_months(first, 1) if first < highest else None,
    }
    template = "planning/_calendrier.html" if request.htmx else "planning/disponibilites.html"
    return render(request, template, context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def missions(request: HttpRequest) -> HttpResponse:
    medecin = annuaire_acces.medecin_or_404(request.user)
    refused: dict[str, Any] = {"mission": None, "commentaire": ""}  # the withdrawal refused, if any
    if request.method == "POST" and request.POST.get("action") == "nouveau_flux":
        rotate_feed_token(medecin)
        messages.success(
            request,
            "Nouvelle adresse d'agenda créée : l'ancienne ne répond plus. Remplacez-la dans votre application de calendrier.",
        )
        return redirect("planning:missions")
    if request.method == "POST":
        pk = _pk(request.POST, "mission")
        if pk is None:
            return error_page(
                request,
                400,
                "Mission invalide",
                "La mission désignée n'est pas valable : rouvrez la page de vos missions et recommencez.",
            )
        reponse = request.POST.get("reponse")
        if reponse not in REPONSES:  # anything but « confirmer » used to decline the mission
            return error_page(
                request,
                400,
                "Réponse invalide",
                "Répondez avec les boutons de la page de vos missions : confirmer, décliner ou se désister.",
            )
        reste_disponible = RESTE_DISPONIBLE.get(request.POST.get("disponible", ""))
        if reponse in ("decliner", "desister") and reste_disponible is None:
            return error_page(
                request,
                400,
                "Réponse invalide",
                f"Pour {'décliner' if reponse == 'decliner' else 'vous désister'}, dites si vous restez "
                "disponible ce jour-là pour un autre lieu avec les choix de la page de vos missions.",
            )
        mission = get_object_or_404(Mission, pk=pk, medecin=medecin)
        try:
            if reponse == "desister":
                lifecycle.cancel_mission(
                    mission,
                    medecin.compte,
                    request.POST.get("commentaire", ""),
                    reste_disponible=bool(reste_disponible),
                    prefixe="Désistement du médecin : ",
                )
                messages.success(
                    request,
                    "Désistement enregistré : les patients ayant rendez-vous sont prévenus, et la journée apparaît à pourvoir dans le planning de l'ARS.",
                )
            elif reponse == "decliner":
                lifecycle.answer_mission(mission, medecin, False, reste_disponible=bool(reste_disponible))
                messages.success(
                    request,
                    f"Mission du {mission.date:%d/%m/%Y} déclinée : vous restez disponible ce jour-là pour un "
                    "autre lieu (celui-ci ne vous sera plus proposé ce jour-là)."
                    if reste_disponible
                    else f"Mission du {mission.date:%d/%m/%Y} déclinée : ce jour est retiré de vos "
                    "disponibilités, il ne vous sera plus proposé.",
                )
            else:
                lifecycle.answer_mission(mission, medecin, True)
                messages.success(request, "Réponse enregistrée.")
        except (ValidationError, PermissionDenied) as exc:
            # Refused (already answered, past, …): the page again with the reason, a 400; nothing written. A
            # refused withdrawal reopens its form with the reason typed.
            messages.error(request, _errors(exc) if isinstance(exc, ValidationError) else str(exc))
            status = 400
            if reponse == "desister":
                refused = {"mission": mission.pk, "commentaire": request.POST.get("commentaire", "")}
        else:
            return redirect("planning:missions")
    else:
        status = 200
    items = _with_motif(
        medecin.missions.select_related("lieu__commune").prefetch_related("transitions").order_by("date")
    )
    return render(
        request,
        "planning/missions.html",
        {
            "medecin": medecin,
            "missions": items,
            "aujourdhui": timezone.localdate(),
            "commentaire_max": lifecycle.COMMENTAIRE_MAX,
            "desistement": refused,
        },
        status=status,
    )


@login_required
@require_safe
def referent(request: HttpRequest) -> HttpResponse:
    """The lieu référent's page: the consultation days of their lieux, each with its patient list."""
    today = timezone.localdate()
    items = planning_acces.referent_missions(request.user, today)
    return render(request, "planning/referent.html", {"missions": items, "aujourdhui": today})


@require_safe
def missions_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The read-only feed: date, lieu, address and hours of each mission, no patient data."""
    medecin = get_object_or_404(
        MedecinVolontaire, jeton_calendrier=token, jeton_calendrier_revoque_le__isnull=True
    )
    items = _with_motif(
        medecin.missions.select_related("lieu__commune").prefetch_related("transitions").order_by("date")
    )
    response = HttpResponse(
        missions_ics(items, f"Missions — {medecin}"), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="missions.ics"'
    return response


def _regions_for(user: Any) -> list[Region]:
    region = acces.region_of(user)
    return (
        [region]
        if region
        else list(
            Region.objects.filter(departements__communes__lieux_solidaires__isnull=False)
            .distinct()
            .order_by("nom")
        )
    )


def _region_and_month(request: HttpRequest) -> tuple[list[Region], Region, dt.date] | HttpResponse:
    """The regions the user may plan, the one asked for and the month; or the French error page (403, 400)."""
    try:
        regions = _regions_for(request.user)
        first = _month(request)
    except PermissionDenied as exc:
        return error_page(request, 403, "Accès refusé", str(exc))
    except ValidationError as exc:
        return error_page(request, 400, "Mois invalide", _errors(exc))
    code = request.GET.get("region") or request.POST.get("region") or (regions[0].code if regions else "")
    region = next((r for r in regions if r.code == code), None)
    if region is None:  # another ARS's region looks like no region at all (territoire.acces)
        raise acces.OutOfScopeError()
    return regions, region, first


@agents_seulement
@require_safe
def ars_calcul(request: HttpRequest) -> HttpResponse:
    """The progress of the month's solve, polled by the ARS page (htmx) while it is queued or computing;
    once it is done, htmx reloads the page (`HX-Refresh`) to show the result."""
    scope = _region_and_month(request)
    if isinstance(scope, HttpResponse):
        return scope
    _regions, region, first = scope
    month = PlanningRun.objects.filter(region=region, mois=first).order_by("-cree_le", "-pk")
    run = month.filter(calcul__in=PlanningRun.EN_ATTENTE).first() or month.first()
    pending = run is not None and run.calcul in PlanningRun.EN_ATTENTE
    context = {"run": run, "region": region, "mois": first, "en_attente": pending}
    response = render(request, "planning/_calcul.html", context)
    if not pending:
        response["HX-Refresh"] = "true"
    return response


@agents_seulement
@require_http_methods(["GET", "HEAD", "POST"])
def ars(request: HttpRequest) -> HttpResponse:
    scope = _region_and_month(request)
    if isinstance(scope, HttpResponse):
        return scope
    regions, region, first = scope
    status = 200
    if request.method == "POST":
        try:
            _handle_ars_action(request, region, first)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _errors(exc) if isinstance(exc, ValidationError) else str(exc))
            status = 400
        if status == 200:
            return redirect(f"{request.path}?region={region.code}&mois={services.month_text(first)}")
    # The solve under way (if any) is shown beside the month's last finished plan, which stays (published or
    # draft) until the new one replaces it: cancelling the solve leaves it as it was.
    month = (
        PlanningRun.objects.filter(region=region, mois=first)
        .select_related("cree_par")
        .order_by("-cree_le", "-pk")
    )
    pending = month.filter(calcul__in=PlanningRun.EN_ATTENTE).first()
    run = month.exclude(calcul__in=PlanningRun.EN_ATTENTE).first()
    lieux = list(
        LieuSolidaire.objects.filter(actif=True, commune__departement__region=region).select_related(
            "commune"
        )
    )
    days = services.month_days(first)
    grid = []
    if run is not None and run.calcul == PlanningRun.Calcul.TERMINE:
        cells: dict[tuple[int, dt.date], list[Any]] = {}
        if run.statut == PlanningRun.Statut.BROUILLON:
            for p in run.propositions.select_related("medecin"):
                cells.setdefault((p.lieu_id, p.date), []).append(p)
        else:
            for m in _with_motif(run.missions.select_related("medecin").prefetch_related("transitions")):
                cells.setdefault((m.lieu_id, m.date), []).append(m)
        today = timezone.localdate()
        # A past day (or today) is no longer a place to fill: greyed, as a day without need.
        for lieu in lieux:
            needed = {d for d in services.besoins(lieu, first) if d > today}
            grid.append(
                {
                    "lieu": lieu,
                    "jours": [
                        {"date": d, "besoin": d in needed, "items": cells.get((lieu.pk, d), [])} for d in days
                    ],
                }
            )
    # The month's cancelled missions, each with who ended it: a decline is not a désistement nor the ARS's doing.
    declined = [
        (m, lifecycle.how_cancelled(m))
        for m in Mission.objects.filter(
            lieu__commune__departement__region=region,
            date__year=first.year,
            date__month=first.month,
            statut=Mission.Statut.ANNULEE,
        )
        .select_related("medecin", "lieu")
        .prefetch_related("transitions")
        .order_by("date", "pk")
    ]
    start, end = services.planning_horizon()
    plannable = start <= first <= end  # a past month (or one beyond the horizon) is shown, not planned
    context = {
        "regions": regions,
        "region": region,
        "mois": first,
        "planifiable": plannable,
        "horizon_fin": end,
        "run": run,
        "grid": grid,
        "jours": days,
        "lieux": lieux,
        "declinees": declined,
        "aujourdhui": timezone.localdate(),
        "brouillon": run is not None
        and pending is None
        and run.statut == PlanningRun.Statut.BROUILLON
        and run.calcul == PlanningRun.Calcul.TERMINE,
        "en_attente": pending is not None,
        "calcul_run": pending or run,
    }
    return render(request, "planning/ars.html", context, status=status)


def _handle_ars_action(request: HttpRequest, region: Region, first: dt.date) -> None:
    action = request.POST.get("action")
    if action == "calculer":
        services.queue_planning(region, first, request.user)
        messages.success(
            request, "Calcul de la proposition lancé : le résultat s'affichera ici dans un instant."
        )
        return
    run = get_object_or_404(PlanningRun, pk=_form_pk(request, "run", "Planning"), region=region)
    if action == "annuler":
        services.cancel_planning(run, request.user)
        messages.success(
            request, "Calcul annulé : le planning publié du mois, s'il y en a un, reste en place."
        )
        return
    if action == "publier":
        created = services.publish(run, request.user)
        messages.success(
            request,
            f"Planning publié : {len(created)} mission(s) proposée(s) aux médecins, qui reçoivent un courriel.",
        )
        return
    proposition = get_object_or_404(Proposition, pk=_form_pk(request, "proposition", "Affectation"), run=run)
    if action == "retirer":
        services.remove_proposition(proposition, request.user)
        messages.success(request, "Affectation retirée.")
    elif action == "deplacer":
        lieu = acces.get_in_scope(  # a lieu of the plan's region: another looks like none (decision 0006)
            request.user,
            LieuSolidaire.objects.filter(commune__departement__region=region),
            "commune__departement__region",
            pk=_form_pk(request, "lieu", "Lieu"),
        )
        day = _posted_date(request)
        if day is None:
            raise ValidationError("Date invalide : format AAAA-MM-JJ attendu.")
        if (day.year, day.month) != (run.mois.year, run.mois.month):
            raise ValidationError(
                f"Date invalide : une affectation se déplace dans le mois du planning "
                f"({run.mois.month:02d}/{run.mois.year})."
            )
        services.move_proposition(proposition, lieu, day, request.user)
        messages.success(request, "Affectation déplacée.")
    else:
        raise ValidationError("Action inconnue.")
