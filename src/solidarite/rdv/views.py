"""Patients: find a lieu and a slot, book without an account, manage the appointment from a signed link."""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
from itertools import groupby
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_http_methods, require_safe

from solidarite.annuaire.models import LieuSolidaire
from solidarite.parametres import parametre
from solidarite.planning.models import Mission
from solidarite.rdv import attente, idempotence, outbox, services
from solidarite.rdv.creneaux import RE_SLOT_ID
from solidarite.rdv.forms import AttenteForm, ReservationForm, refuse
from solidarite.rdv.models import AccesDonnees, MotifAnnulation, RendezVous
from solidarite.rdv.signals import rendez_vous_pris
from solidarite.territoire.models import Commune
from solidarite.territoire.search import search_communes
from solidarite.web.entrees import parse_decimal, read_date
from solidarite.web.pages import error_page
from solidarite.web.ratelimit import limited

logger = logging.getLogger(__name__)
LIEU_DAYS = 28


def _coordinate(text: str | None, bound: float) -> float | None:
    """Degrees as position.js writes them (« -3.1234 »): a minus sign, then a quantity of web.entrees; float()
    took « ٤٥ », « 4_5 », « 4.5e1 » or « ␣45 » too, and showed that position."""
    value = parse_decimal(text.removeprefix("-")) if text else None
    if value is None or text is None:
        return None
    value = -value if text.startswith("-") else value
    return value if -bound <= value <= bound else None


@require_safe
@limited("recherche")
def recherche(request: HttpRequest) -> HttpResponse:
    """By commune (name or postcode; `commune=<code INSEE>` once chosen) or « autour de moi » (lat, lon)."""
    if request.htmx and "q" in request.GET:  # autocomplete: just the communes matching what is typed
        outcome = search_communes(request.GET["q"])
        return render(
            request, "rdv/_communes.html", {"outcome": outcome}, status=400 if outcome.invalid else 200
        )
    code = request.GET.get("commune", "")
    commune = Commune.objects.filter(code_insee=code).select_related("departement").first() if code else None
    outcome = None
    if commune is None and request.GET.get("q"):
        outcome = search_communes(request.GET["q"])
        # One commune found is the one meant, but when the search proposes others: « 15020 », the INSEE code of
        # Beaulieu, is more likely 15200 mistyped (the patient chooses).
        if len(outcome.matches) == 1 and not (outcome.suggestions or outcome.postcode_suggestions):
            commune = outcome.matches[0].commune
    lat, lon = _coordinate(request.GET.get("lat"), 90), _coordinate(request.GET.get("lon"), 180)
    position = None
    if commune is not None and commune.latitude is not None and commune.longitude is not None:
        position = {"nom": commune.nom, "lat": commune.latitude, "lon": commune.longitude}
    elif commune is None and lat is not None and lon is not None:
        position = {"nom": "Votre position", "lat": lat, "lon": lon}
    position_erreur = "lat" in request.GET and commune is None and position is None
    # A commune code that is none (a link cut short, typed by hand), or a commune that cannot be placed (the
    # overseas collectivities outside the centroid file): said, where the page showed nothing at all.
    commune_inconnue = bool(code) and commune is None and position is None and not request.GET.get("q")
    commune_non_situee = commune is not None and position is None
    proches = services.lieux_proches(position["lat"], position["lon"]) if position else []
    carte = None
    if proches and position:
        carte = {
            "commune": position,
            "lieux": [{"nom": p.lieu.nom, "lat": p.lieu.latitude, "lon": p.lieu.longitude} for p in proches],
            "tuiles": settings.SOLIDARITE_TUILES_URL,
            # The browser's data saver (« Save-Data: on »): the background's ~400 KB of tiles only on request.
            "economie": request.headers.get("Save-Data", "").strip().lower() == "on",
        }
    context = {
        "commune": commune,
        "position": position,
        "position_erreur": position_erreur,
        "commune_inconnue": commune_inconnue,
        "commune_non_situee": commune_non_situee,
        "outcome": outcome,
        "proches": proches,
        "q": request.GET.get("q", ""),
        "carte": carte,
    }
    status = 404 if commune_inconnue else 400 if outcome is not None and outcome.invalid else 200
    response = render(request, "rdv/recherche.html", context, status=status)
    patch_vary_headers(response, ["Save-Data"])
    return response


@require_safe
@limited("recherche")
def lieu(request: HttpRequest, pk: int) -> HttpResponse:
    """A lieu's free slots over four weeks (or the period asked), day by day, and its waitlist form."""
    found = LieuSolidaire.objects.select_related("commune").filter(pk=pk, actif=True).first()
    if found is None:
        return error_page(
            request, 404, "Lieu introuvable", "Ce lieu de consultation n'existe pas ou ne reçoit plus."
        )
    # From « Déplacer ce rendez-vous » (rdv:gerer): the slots lead to moving it, not to a second booking.
    deplacer = request.GET.get("deplacer", "")
    if deplacer:
        moving, refused = _from_jeton(request, deplacer)
        if refused:
            return refused
        if moving.statut != RendezVous.Statut.RESERVE or moving.debut <= timezone.now():
            # nothing left to move (cancelled, started): the lieu's plain list
            deplacer = ""
    today = timezone.localdate()
    try:
        # Exactly AAAA-MM-JJ, given once (web.entrees): « 20261210 » or « 2026-W50-1 » is a 400, as « demain »
        du = read_date(request.GET, "du", today) or today
        au = read_date(request.GET, "au") or services.shifted(du, LIEU_DAYS)
        free = [c for c in services.slots(found, max(du, today), max(au, today)) if c.libre]
    except (ValueError, ValidationError) as exc:
        message = (
            " ".join(exc.messages) if isinstance(exc, ValidationError) else "Dates au format AAAA-MM-JJ."
        )
        return error_page(request, 400, "Période invalide", message)
    days = [(day, list(items)) for day, items in groupby(free, key=lambda c: c.debut.date())]
    form = AttenteForm(initial={"du": max(du, today), "au": max(au, today)})
    return render(
        request,
        "rdv/lieu.html",
        {"lieu": found, "jours": days, "du": du, "au": au, "form": form, "deplacer": deplacer},
    )


@require_http_methods(["GET", "HEAD", "POST"])
@limited("reservation", methods=("POST",))
def attente_inscription(request: HttpRequest, pk: int) -> HttpResponse:
    # as its page (rdv:lieu): a lieu that no longer receives patients takes no waitlist entry either
    found = LieuSolidaire.objects.select_related("commune").filter(pk=pk, actif=True).first()
    if found is None:
        return error_page(
            request, 404, "Lieu introuvable", "Ce lieu de consultation n'existe pas ou ne reçoit plus."
        )
    if request.method != "POST":  # GET or HEAD: the address the form's answer is shown at, opened again (tab
        # restored, link kept): the lieu's page and its form, where an empty 405 was shown
        return redirect(f"{reverse('rdv:lieu', args=[found.pk])}#attente")
    form = AttenteForm(request.POST)
    if form.is_valid():
        try:
            inscription = attente.register(found, form.cleaned_data, appelant=_form_sender(request))
        except attente.AlreadyRegisteredError as deja:
            return _already_registered(request, deja)
        except ValidationError as exc:
            refuse(form, exc)
        else:
            return render(
                request,
                "rdv/attente.html",
                {
                    "inscription": inscription,
                    "jeton": attente.jeton_for(inscription),
                    "max": attente.max_messages(),
                },
            )
    return render(
        request,
        "rdv/lieu.html",
        {"lieu": found, "jours": [], "form": form, "erreur_attente": True},
        status=400,
    )


def _form_sender(request: HttpRequest) -> str:
    """The browser that sent a form, as a keyed hash of its CSRF secret ("" without one), as for the booking
    form's own key (`_form_idempotence`)."""
    secret = request.META.get("CSRF_COOKIE")
    return idempotence.caller_hash(f"formulaire:{secret}") if secret else ""


def _already_registered(request: HttpRequest, deja: attente.AlreadyRegisteredError) -> HttpResponse:
    """The same entry sent again (a double click, the page sent again, two requests at once): one entry, answered
    as the first time. Its withdrawal link only to the browser that made it: to anyone else, who merely typed the
    same name, number, lieu and period, it would hand the power to withdraw someone's entry (decision 0004, 4)."""
    inscription = deja.inscription
    context = {
        "inscription": inscription,
        "deja": True,
        "jeton": attente.jeton_for(inscription) if deja.same_sender else "",
        "max": attente.max_messages(),
    }
    return render(request, "rdv/attente.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
def attente_retrait(request: HttpRequest, jeton: str) -> HttpResponse:
    try:  # a forged link is refused before the confirmation page too (the authorisation matrix)
        if request.method == "POST":
            attente.withdraw(jeton)
            return render(request, "rdv/attente.html", {"retiree": True, "jeton": jeton})
        attente.from_jeton(jeton)
    except ValidationError:
        return error_page(request, 403, "Lien invalide", "Ce lien de liste d'attente n'est pas valide.")
    return render(request, "rdv/attente.html", {"confirmer_retrait": True, "jeton": jeton})


LINK_ASKED = (
    "Un lien vous est envoyé dans les minutes qui viennent, par SMS au téléphone ou par courriel à l'adresse "
    "donnés pour cette inscription : il montre toutes vos inscriptions sur la liste d'attente et permet de les retirer d'un coup. "
    "Un seul lien par jour est envoyé : si vous ne le recevez pas, réessayez demain, ou retirez chaque "
    "inscription par son propre lien."
)


@require_http_methods(["POST"])
@limited("reservation", methods=("POST",))
def attente_lien_tout(request: HttpRequest, jeton: str) -> HttpResponse:
    """« Recevoir un lien pour retirer toutes mes inscriptions »: the link goes to the entry's own contact, never
    shown here; the answer is the same whether it went, was already sent today, or covers one entry or ten."""
    try:
        inscription = attente.from_jeton(jeton)
    except ValidationError:
        return error_page(request, 403, "Lien invalide", "Ce lien de liste d'attente n'est pas valide.")
    attente.request_withdraw_all(inscription)
    return render(request, "rdv/attente.html", {"lien_demande": True, "message": LINK_ASKED})


@require_http_methods(["GET", "HEAD", "POST"])
@limited("reservation", methods=("POST",))
def attente_retrait_tout(request: HttpRequest, jeton: str) -> HttpResponse:
    """The link sent to a contact: the active entries made with it (name, lieu, period), withdrawn in one go."""
    try:
        if request.method == "POST":
            done = attente.withdraw_all(jeton)
            return render(request, "rdv/attente.html", {"retiree": True, "retirees": done})
        entries = attente.from_jeton_tout(jeton)
    except ValidationError:
        return error_page(
            request,
            403,
            "Lien invalide ou expiré",
            f"Ce lien n'est pas valide ou a expiré (il vaut {attente.link_days()} jours). Vous pouvez en "
            "demander un autre depuis le lien « me retirer de la liste d'attente » d'une de vos inscriptions.",
        )
    AccesDonnees.objects.bulk_create(  # the page shows them: an access to the patient's data, one row each
        AccesDonnees(inscription=entry, action="consultation (toutes)", canal="lien signé")
        for entry in entries
    )
    return render(
        request, "rdv/attente.html", {"confirmer_tout": True, "inscriptions": entries, "jeton": jeton}
    )


@require_http_methods(["GET", "HEAD", "POST"])
@limited("reservation", methods=("POST",))
def reserver(request: HttpRequest, creneau: str) -> HttpResponse:
    try:
        mission, start = services.offered_mission(creneau)
    except ValidationError as exc:
        if request.method == "POST" and RE_SLOT_ID.match(creneau):  # gone while the patient typed
            return _slot_gone(request, creneau, services.unavailable(creneau))
        return _slot_not_found(request, exc)
    if request.method == "POST" and request.POST.get("reprendre"):
        # from a slot just taken, the patient chose another: the form again, filled with what they typed
        form = ReservationForm(
            initial={name: request.POST.get(name, "") for name in ReservationForm.base_fields}
        )
    else:
        form = ReservationForm(request.POST or None)
    posted_key = request.POST.get("cle", "") if request.method == "POST" else ""
    cle = posted_key if RE_FORM_KEY.match(posted_key) else None
    context = {
        "mission": mission,
        "debut": start,
        "creneau": creneau,
        "form": form,
        "cle": cle or secrets.token_urlsafe(18),
        "tarif": parametre("tarif_consultation_g"),
        "suivants": [],
    }
    if form.is_bound and form.is_valid():
        try:
            rdv = services.book(
                creneau, form.cleaned_data, idempotence=_form_idempotence(request, cle, creneau), canal="site"
            )
        except idempotence.Replay as replay:  # the same form sent twice (double click, page sent again)
            return _confirmation(request, replay.rdv, deja=True, jeton=services.jeton_for(replay.rdv))
        except services.CreneauTakenError as exc:
            return _slot_gone(request, creneau, _taken(mission, start, exc.next_free))
        except services.SameDayError as exc:
            # this person's other appointment that day here: the form, filled in, with the refusal, in 409
            form.add_error(None, str(exc))
            return render(request, "rdv/reserver.html", context, status=409)
        except ValidationError as exc:
            if _slot_refused(exc):  # no longer on offer since the check above
                return _slot_gone(request, creneau, services.unavailable(creneau))
            if hasattr(exc, "error_dict") and "Idempotency-Key" in exc.error_dict:
                # this form already booked the slot, for other details (page sent again, changed): taken
                suivants = services.next_free(mission.lieu_id, start)
                return _slot_gone(request, creneau, _taken(mission, start, suivants))
            refuse(form, exc)
        else:
            rendez_vous_pris.send(sender=None, request=request, rendez_vous=rdv)
            return _confirmation(request, rdv, jeton=services.jeton_for(rdv))
    return render(request, "rdv/reserver.html", context, status=400 if form.is_bound else 200)


def _taken(mission: Mission, start: dt.datetime, suivants: list[services.Creneau]) -> services.Indisponible:
    return services.Indisponible(services.indisponible.PRIS, mission.lieu, start, suivants)


def _search_near(lieu: LieuSolidaire | None) -> str:
    """The search around a lieu (its commune), or the search page."""
    url = reverse("rdv:recherche")
    return f"{url}?commune={lieu.commune.code_insee}" if lieu is not None else url


def _nearby_instead(gone: services.Indisponible) -> list[services.LieuProche]:
    """No other free slot at the lieu: the next slots of the nearest other lieux (three at most), so that what the
    patient typed is carried there too, instead of a search to start again."""
    lieu = gone.lieu
    if gone.suivants or lieu is None or lieu.latitude is None or lieu.longitude is None:
        return []
    others = services.lieux_proches(lieu.latitude, lieu.longitude)
    return [p for p in others if p.lieu.pk != lieu.pk and p.prochains][:3]


def _slot_gone(request: HttpRequest, creneau: str, gone: services.Indisponible) -> HttpResponse:
    """The slot went while the patient filled in its form: said, with why, in 409; what they typed is carried
    to the next free slots of the same lieu (one click: that slot's form, filled in, to confirm), and the search
    around it is offered. Nothing is booked, nothing of what they typed is stored.

    The same form sent again after it booked (its first answer lost on a slow line) is still « déjà confirmé »,
    even if the slot has since gone (passed, for instance)."""
    posted_key = request.POST.get("cle", "")
    try:
        idempotence.check(
            _form_idempotence(request, posted_key if RE_FORM_KEY.match(posted_key) else None, creneau)
        )
    except idempotence.Replay as replay:
        return _confirmation(request, replay.rdv, deja=True, jeton=services.jeton_for(replay.rdv))
    except ValidationError:
        pass  # this form's key with other details: the slot is gone all the same
    context = {
        "raison": gone.raison,
        "lieu": gone.lieu,
        "debut": gone.debut,
        "suivants": gone.suivants,
        "saisie": [(name, request.POST.get(name, "")) for name in ReservationForm.base_fields],
        "identite": {name: request.POST.get(name, "") for name in ("prenom", "nom", "date_naissance")},
        "recherche": _search_near(gone.lieu),
        "proches": _nearby_instead(gone),
        "fuseau": gone.lieu.fuseau if gone.lieu is not None else timezone.get_default_timezone(),
    }
    return render(request, "rdv/indisponible.html", context, status=409)


def _confirmation(request: HttpRequest, rdv: RendezVous, **extra: object) -> HttpResponse:
    """The appointment booked or moved, and the channels its confirmation and reminders leave by (none for a
    landline alone: said, so that the patient notes it)."""
    context = {
        "rdv": rdv,
        "tarif": parametre("tarif_consultation_g"),
        "canaux": outbox.channels(rdv),
        **extra,
    }
    return render(request, "rdv/confirmation.html", context)


# The booking form's own key (a hidden field, drawn when the form is shown, kept when it is shown again with
# errors): the same form sent twice, a double click or a page sent again on a slow line, is the same booking
# (rdv.idempotence), not « taken by someone else ». Bound to this browser (its CSRF secret): the patient whose
# first answer never arrived gets the confirmation, link included; another browser sending the same fields is
# another caller, and finds the slot taken.
RE_FORM_KEY = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def _form_idempotence(request: HttpRequest, cle: str | None, creneau: str) -> idempotence.Idempotence | None:
    secret = request.META.get("CSRF_COOKIE")
    if cle is None or not secret:
        return None
    fields = {name: request.POST.get(name, "") for name in ReservationForm.base_fields}
    key = idempotence.of(f"site:{cle}", f"formulaire:{secret}", {"creneau": creneau, **fields})
    used = RendezVous.objects.filter(appelant_idempotence__in=key.appelants(), cle_idempotence=key.cle)
    if used.filter(statut=RendezVous.Statut.ANNULE).exists():
        # what this form booked was cancelled since: sent again (from the history), it books anew
        return None
    return key


def _slot_refused(exc: ValidationError) -> bool:
    """The booking refused the slot itself (services.offered_mission, book, move), not the patient's fields."""
    return hasattr(exc, "error_dict") and "creneau" in exc.error_dict


def _slot_not_found(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """A slot the schedule does not offer (none of an open mission's starts, passed): 404, as the API says."""
    return error_page(
        request, 404, "Créneau introuvable", f"{' '.join(exc.messages)} Revenez à la recherche des créneaux."
    )


def _from_jeton(request: HttpRequest, jeton: str):  # type: ignore[no-untyped-def]
    try:
        return services.from_jeton(jeton), None
    except services.InvalidJetonError as exc:
        return None, error_page(
            request,
            403,
            "Lien invalide ou expiré",
            f"{exc} Pour toute question, contactez le lieu de consultation.",
        )


@require_http_methods(["GET", "HEAD", "POST"])
@limited("reservation", methods=("POST",))
def gerer(request: HttpRequest, jeton: str) -> HttpResponse:
    rdv, refused = _from_jeton(request, jeton)
    if refused:
        return refused
    message, status = "", 200
    if request.method == "POST":
        try:
            rdv = services.cancel(jeton, canal="site")
            message = "Votre rendez-vous est annulé. Le créneau est libéré pour un autre patient."
        except ValidationError as exc:  # already cancelled or passed: 409, as the API answers
            message, status = " ".join(exc.messages), 409
    else:
        AccesDonnees.objects.create(rendez_vous=rdv, action="consultation", canal="lien signé")
    now = timezone.now()
    # An appointment that has started can no longer be cancelled nor moved (services.cancel and move refuse it):
    # the page says so and offers neither, where it showed « réservé » and both actions until the POST's 409.
    commence = rdv.statut == RendezVous.Statut.RESERVE and rdv.debut <= now
    modifiable = rdv.statut == RendezVous.Statut.RESERVE and not commence
    # « Annuler ce rendez-vous » asks first (WCAG 3.3.4: a cancellation cannot be undone); the POST cancels.
    confirmer = request.method != "POST" and "annuler" in request.GET and modifiable
    autres = services.next_free(rdv.lieu, now, 6) if modifiable and not confirmer else []
    context = {
        "rdv": rdv,
        "message": message,
        "jeton": jeton,
        "autres": autres,
        "confirmer_annulation": confirmer,
        "modifiable": modifiable,
        "commence": commence,
        "termine": commence and rdv.fin <= now,
    }
    return render(request, "rdv/gerer.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@limited("reservation", methods=("POST",))
def deplacer(request: HttpRequest, jeton: str, creneau: str) -> HttpResponse:
    rdv, refused = _from_jeton(request, jeton)
    if refused:
        return refused
    try:
        mission, start = services.offered_mission(creneau)
    except ValidationError as exc:
        if request.method == "POST" and RE_SLOT_ID.match(creneau):  # gone since the page was shown
            gone = services.unavailable(creneau)
            return _move_refused(request, rdv, jeton, gone.raison, gone.suivants)
        return _slot_not_found(request, exc)
    context = {"rdv": rdv, "jeton": jeton, "mission": mission, "debut": start, "creneau": creneau}
    if rdv.statut != RendezVous.Statut.RESERVE or rdv.debut <= timezone.now():
        return _not_movable(request, rdv, context)
    if request.method == "POST":
        try:
            new = services.move(jeton, creneau, canal="site")
        except services.CreneauTakenError as exc:
            return _move_refused(request, rdv, jeton, services.indisponible.PRIS, exc.next_free)
        except services.SameDayError as exc:  # another appointment of this person on that day at that lieu
            context["erreur"] = str(exc)
            return render(request, "rdv/deplacer.html", context, status=409)
        except ValidationError as exc:
            if _slot_refused(exc):  # no longer on offer since the check above
                gone = services.unavailable(creneau)
                return _move_refused(request, rdv, jeton, gone.raison, gone.suivants)
            # cancelled, passed, or moved by another request since the check above (the same link sent several
            # times at once): read again, to say which
            rdv.refresh_from_db()
            return _not_movable(request, rdv, context)
        rendez_vous_pris.send(sender=None, request=request, rendez_vous=new)
        return _confirmation(request, new, jeton=services.jeton_for(new), deplace=True)
    return render(request, "rdv/deplacer.html", context)


JUST_MOVED = dt.timedelta(minutes=10)


def _moved_to(rdv: RendezVous) -> RendezVous | None:
    """The appointment `rdv` was moved to, through any later moves: the one now booked; None if it was not moved,
    or if what it was moved to is no longer booked."""
    current = rdv
    for _ in range(50):  # each move is a patient's click: a chain is short
        if current.motif_annulation != MotifAnnulation.DEPLACE or current.remplace_par_id is None:
            break
        current = RendezVous.objects.select_related("lieu__commune").get(pk=current.remplace_par_id)
    return current if current.pk != rdv.pk and current.statut == RendezVous.Statut.RESERVE else None


def _not_movable(request: HttpRequest, rdv: RendezVous, context: dict[str, Any]) -> HttpResponse:
    """This appointment can no longer be moved. Moved already to this very slot (the confirmation's page sent
    again, a double click, or the link reopened): « déjà confirmé ». Moved elsewhere (by this link a moment ago:
    the same page sent several times at once, each to another slot): 409, where it now is, with the link to its
    page; it said « déjà annulé ou passé », and the patient believed the appointment lost. Else that, in 409."""
    current = _moved_to(rdv)
    if current is not None and (current.mission_id, current.debut) == (
        context["mission"].pk,
        context["debut"],
    ):
        return _confirmation(request, current, deja=True, deplace=True)
    if current is None:
        context["erreur"] = "Ce rendez-vous est déjà annulé ou passé : il ne peut plus être déplacé."
    else:
        context["deplace_vers"] = current
        context["vient_d_etre_deplace"] = (
            rdv.annule_le is not None and timezone.now() - rdv.annule_le < JUST_MOVED
        )
        context["canaux"] = outbox.channels(current)
    return render(request, "rdv/deplacer.html", context, status=409)


def _move_refused(
    request: HttpRequest, rdv: RendezVous, jeton: str, raison: str, suivants: list[services.Creneau]
) -> HttpResponse:
    """The new slot went since the page was shown: said, with why, in 409; the appointment is kept, and the next
    free slots of the same lieu lead to moving it there."""
    if rdv.statut != RendezVous.Statut.RESERVE or rdv.debut <= timezone.now():
        erreur = "Ce rendez-vous est déjà annulé ou passé : il ne peut plus être déplacé."
        return render(
            request, "rdv/deplacer.html", {"rdv": rdv, "jeton": jeton, "erreur": erreur}, status=409
        )
    context = {"rdv": rdv, "jeton": jeton, "indisponible": raison, "suivants": suivants}
    return render(request, "rdv/deplacer.html", context, status=409)
