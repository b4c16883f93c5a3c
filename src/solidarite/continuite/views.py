"""Pages of the continuity of care: the consultation (identity then handover, two minutes), the next doctor's day,
a result to close, the lieu's follow-ups, the ARS counts, the documents, and the patient's view of who read."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from solidarite.annuaire import acces as annuaire_acces
from solidarite.continuite import acces, documents, services
from solidarite.continuite.models import (
    NatureExamen,
    RapprochementIdentite,
    ResultatAttendu,
    StatutIdentite,
    Suivi,
    Transmission,
    Visite,
)
from solidarite.planning import acces as planning_acces
from solidarite.rdv.audit import RENDEZ_VOUS, AccesDonnees, record
from solidarite.rdv.models import RendezVous
from solidarite.rdv.services.jetons import InvalidJetonError, from_jeton
from solidarite.web.entrees import DATE_EXPECTED, EntreeInvalide, parse_id, read_date, read_id
from solidarite.web.pages import agents_seulement, error_page

CANAL = "continuité"
FIELDS = (
    "nom_naissance",
    "prenoms",
    "date_naissance",
    "lieu_naissance",
    "matricule_ins",
    "motif",
    "synthese",
    "prescriptions",
    "texte_libre",
)
CHOICES = ("sexe", "statut_identite", "suivi")
MT_FIELDS = ("mt_nom", "mt_rpps", "mt_email")  # the médecin traitant declared from the same page
EXAM_ROWS = 3
EXAM_FIELDS = ("nature", "libelle", "date")


def _errors(exc: ValidationError) -> list[str]:
    return list(exc.messages)


def _int(params: QueryDict, name: str) -> int:
    """A posted identifier, once and in its one form (web.entrees); anything else is 0 (no row has it: the
    access check answers 404)."""
    try:
        return read_id(params, name)
    except EntreeInvalide:
        return 0


def _date(params: QueryDict, name: str, what: str) -> dt.date:
    """A posted day, exactly AAAA-MM-JJ (web.entrees: « 20261210 » or « 2026-W50-1 » is none). Missing, or given
    but not a day (« 1948-02-30 », « 17/05/1948 »): two refusals, the second not « obligatoire »."""
    try:
        day = read_date(params, name)
    except EntreeInvalide:
        raise ValidationError(
            f"{what} : « {params.get(name, '')[:20]} » n'est pas une date valide. {DATE_EXPECTED}"
        ) from None
    if day is None:
        raise ValidationError(f"{what} : ce champ est obligatoire (jj/mm/aaaa).")
    return day


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def consultation(request: HttpRequest, rendez_vous: int) -> HttpResponse:
    """The doctor of the booking: identity confirmed (linking the booking to the patient record), then the
    handover with its exams. Both forms on one page, usable in two minutes; before the day of the visit, the page
    is read (to prepare) and says when they open (the services refuse to write)."""
    rdv, medecin = acces.consultation_or_404(request.user, rendez_vous)
    visite = Visite.objects.select_related("patient").filter(rendez_vous=rdv).first()
    errors: list[str] = []
    if request.method == "POST":
        try:
            if visite is None:
                born = _date(request.POST, "date_naissance", "Date de naissance")
                services.confirmer_identite(
                    rdv,
                    medecin,
                    services.Identite(
                        nom_naissance=request.POST.get("nom_naissance", ""),
                        prenoms=request.POST.get("prenoms", ""),
                        date_naissance=born,
                        sexe=request.POST.get("sexe", ""),
                        lieu_naissance=request.POST.get("lieu_naissance", ""),
                        statut_identite=request.POST.get("statut_identite", StatutIdentite.PROVISOIRE),
                        matricule_ins=request.POST.get("matricule_ins", ""),
                    ),
                    request.user,
                )
            else:
                exams = []
                for n in range(1, EXAM_ROWS + 1):
                    libelle = request.POST.get(f"examen_{n}_libelle", "").strip()
                    if not libelle:
                        continue
                    expected = _date(
                        request.POST, f"examen_{n}_date", f"Examen {n}, date de résultat attendue"
                    )
                    exams.append(
                        services.Examen(request.POST.get(f"examen_{n}_nature", ""), libelle, expected)
                    )
                services.ecrire_transmission(
                    rdv,
                    medecin,
                    services.Saisie(
                        motif=request.POST.get("motif", ""),
                        synthese=request.POST.get("synthese", ""),
                        prescriptions=request.POST.get("prescriptions", ""),
                        suivi=request.POST.get("suivi", ""),
                        texte_libre=request.POST.get("texte_libre", ""),
                        examens=tuple(exams),
                    ),
                    request.user,
                )
            return redirect(request.get_full_path())
        except ValidationError as exc:
            errors = _errors(exc)
    return _consultation_page(request, rdv, visite, errors)


def _consultation_page(request: HttpRequest, rdv: RendezVous, visite: Any, errors: list[str]) -> HttpResponse:
    """The consultation page; after a refused form, with its messages and everything typed given back."""
    transmission = Transmission.objects.filter(visite=visite).first() if visite else None
    # The page shows the booking's name, birth date and reason even before the identity is confirmed: that
    # read is logged on the appointment, then on the patient's record once there is one.
    record(visite.patient if visite is not None else rdv, "consultation ouverte", CANAL, par=request.user)
    context = {
        "rdv": rdv,
        "visite": visite,
        "transmission": transmission,
        "erreurs": errors,
        "ouvre_le": services.jour_de_la_visite(rdv),  # before the day: read to prepare, nothing to write
        "statuts": StatutIdentite.choices,
        "suivis": Suivi.choices,
        "natures": NatureExamen.choices,
        # a refused form gives back everything typed: fields, choices and exam rows
        "lignes": [
            {
                "n": n,
                **{k: request.POST.get(f"examen_{n}_{k}", "") if errors else "" for k in EXAM_FIELDS},
            }
            for n in range(1, EXAM_ROWS + 1)
        ],
        "post": {k: request.POST.get(k, "") if errors else "" for k in FIELDS + CHOICES + MT_FIELDS},
    }
    return render(request, "continuite/consultation.html", context, status=400 if errors else 200)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def journee(request: HttpRequest, mission: int) -> HttpResponse:
    """The day of a doctor (or the lieu's référent): open transmissions and results of the day's patients and of
    the lieu, newest first, each to take over. A constant number of queries, whatever the history."""
    found = planning_acces.day_list_mission(request.user, mission)
    errors: list[str] = []
    if request.method == "POST":
        medecin = annuaire_acces.validated_medecin(request.user)  # only a take-over needs it
        try:
            if medecin is None:
                raise ValidationError("Seul un médecin volontaire reprend un suivi.")
            if request.POST.get("transmission"):
                services.reprendre_transmission(read_id(request.POST, "transmission"), medecin, request.user)
            else:
                services.prendre_en_charge(
                    read_id(request.POST, "resultat"), medecin, request.user, request.POST.get("vu")
                )
            return redirect(request.get_full_path())
        except ValidationError as exc:
            errors = _errors(exc)
        except ValueError:
            errors = ["Suivi inconnu."]
    context = day_context(found, request.user, _page(request.GET.get("page", "")))
    context["erreurs"] = errors
    return render(request, "continuite/journee.html", context, status=400 if errors else 200)


LIEU_ROWS = 20  # per page, the lieu's newest open items beside the day's patients (all of theirs are shown)


def _page(value: str) -> int:
    """The page of the lieu's older items ("Voir plus"); anything odd is the first page (« 02 » too: web.entrees)."""
    number = parse_id(value)
    return number if number is not None and number < 10_000 else 1


def _owner(r: Any) -> str:
    if r.proprietaire_medecin_id:
        return f"Dr {r.proprietaire_medecin.nom} (jusqu'au {r.proprietaire_jusqu_au:%d/%m})"
    if r.proprietaire_referent_id:
        return f"Référent : {r.proprietaire_referent.prenom} {r.proprietaire_referent.nom}"
    if r.proprietaire_medecin_traitant_id:
        return "Médecin traitant"
    return "ARS (aucun référent)"


def day_context(mission: Any, user: Any, page: int = 1) -> dict[str, Any]:
    """The day view's data, read in a fixed number of queries whatever the history (bench/continuite.py): the
    day's bookings, then the open results and transmissions of the day's patients (all) and of the lieu (the
    newest LIEU_ROWS, page by page), one insert into the access log for the patients shown. Only the columns
    shown are read and every cell is prepared here, so the template stays a plain loop (issue 20: < 50 ms)."""
    services.reassign_stale(mission.lieu_id)  # the owner of a finished day moves on before anyone reads
    rdvs = RendezVous.objects.filter(mission=mission).exclude(statut="annule")
    day_patients = sorted(
        set(Visite.objects.filter(rendez_vous__in=rdvs).values_list("patient_id", flat=True))
    )
    limit = services.echeance_limite()
    results = (
        ResultatAttendu.objects.filter(lieu_id=mission.lieu_id, statut=services.OPEN)
        .select_related("patient", "proprietaire_medecin", "proprietaire_referent")
        .only(
            "cree_le",
            "demonstration",
            "libelle",
            "date_prevue",
            "proprietaire_jusqu_au",
            "proprietaire_medecin_traitant_id",
            "proprietaire_ars_id",
            "patient__nom_naissance",
            "patient__prenoms",
            "proprietaire_medecin__nom",
            "proprietaire_referent__prenom",
            "proprietaire_referent__nom",
        )
    )
    handovers = (
        Transmission.objects.filter(lieu_id=mission.lieu_id, ouverte=True)
        .select_related("patient", "medecin")
        .only(
            "cree_le",
            "demonstration",
            "motif",
            "synthese",
            "suivi",
            "patient__nom_naissance",
            "patient__prenoms",
            "medecin__nom",
        )
    )
    newest = ("-cree_le", "-pk")
    window = slice((page - 1) * LIEU_ROWS, page * LIEU_ROWS + 1)  # one more row tells whether there is more
    du_jour = list(results.filter(patient_id__in=day_patients).order_by(*newest))
    lieu_rows = list(results.exclude(patient_id__in=day_patients).order_by(*newest)[window])
    t_du_jour = list(handovers.filter(patient_id__in=day_patients).order_by(*newest))
    t_lieu = list(handovers.exclude(patient_id__in=day_patients).order_by(*newest)[window])
    plus = len(lieu_rows) > LIEU_ROWS or len(t_lieu) > LIEU_ROWS
    lieu_rows, t_lieu = lieu_rows[:LIEU_ROWS], t_lieu[:LIEU_ROWS]
    patients = {r.patient for r in du_jour + lieu_rows} | {t.patient for t in t_du_jour + t_lieu}
    AccesDonnees.objects.bulk_create(
        [AccesDonnees(objet=p, action="journée de suivi", canal=CANAL, par=user) for p in patients]
    )
    prefix = reverse("continuite:resultat", args=[1])[: -len("1/")]

    def result_row(r: Any) -> dict[str, Any]:
        return {
            "pk": r.pk,
            "le": f"{r.cree_le:%d/%m/%Y}",
            "demo": r.demonstration,
            "patient": f"{r.patient.nom_naissance.upper()} {r.patient.prenoms}",
            "url": f"{prefix}{r.pk}/",
            "libelle": r.libelle,
            "prevue": f"{r.date_prevue:%d/%m/%Y}",
            "retard": r.date_prevue < limit,
            "proprietaire": _owner(r),
            "vu": services.label(services.owner_of(r)),  # a take-over refused if it changed meanwhile
        }

    def handover_row(t: Any) -> dict[str, Any]:
        return {
            "pk": t.pk,
            "le": f"{t.cree_le:%d/%m/%Y}",
            "demo": t.demonstration,
            "patient": f"{t.patient.nom_naissance.upper()} {t.patient.prenoms}",
            "medecin": t.medecin.nom,
            "motif": t.motif,
            "synthese": t.synthese,
            "suivi": t.get_suivi_display(),
        }

    return {
        "mission": mission,
        "du_jour": [result_row(r) for r in du_jour],
        "resultats": [result_row(r) for r in lieu_rows],
        "transmissions_du_jour": [handover_row(t) for t in t_du_jour],
        "transmissions": [handover_row(t) for t in t_lieu],
        "page": page,
        "page_suivante": page + 1 if plus else None,
        "page_precedente": page - 1 if page > 1 else None,
        # no button that can only fail: a take-over needs a mission at this lieu today or later
        "reprise": services.peut_reprendre(annuaire_acces.validated_medecin(user), mission.lieu_id),
    }


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def resultat(request: HttpRequest, pk: int) -> HttpResponse:
    found = acces.resultat_or_404(request.user, pk)
    errors: list[str] = []
    if request.method == "POST":
        try:
            services.clore(
                found.pk,
                request.user,
                request.POST.get("lu_par_nom", ""),
                request.POST.get("resultat", ""),
                request.POST.get("conduite", ""),
            )
            return redirect(request.get_full_path())
        except ValidationError as exc:
            errors = _errors(exc)
        found.refresh_from_db()
    record(found.patient, "résultat lu", CANAL, par=request.user)
    context = {
        "r": found,
        "erreurs": errors,
        "en_retard": found.date_prevue < services.echeance_limite(),
        # a refused close gives back what was typed
        "saisie": {k: request.POST.get(k, "") for k in ("lu_par_nom", "resultat", "conduite")}
        if errors
        else {},
    }
    return render(request, "continuite/resultat.html", context, status=400 if errors else 200)


@login_required
@require_safe
def lieu(request: HttpRequest, pk: int) -> HttpResponse:
    """The lieu's open results (overdue in red) for its référent and doctors."""
    found = acces.lieu_or_404(request.user, pk)
    limit = services.echeance_limite()
    rows = list(
        ResultatAttendu.objects.filter(lieu=found, statut=services.OPEN)
        .select_related("patient", "proprietaire_medecin", "proprietaire_referent")
        .order_by("date_prevue", "pk")[:500]
    )
    AccesDonnees.objects.bulk_create(
        [
            AccesDonnees(objet=p, action="suivis du lieu", canal=CANAL, par=request.user)
            for p in {r.patient for r in rows}
        ]
    )
    for r in rows:
        r.en_retard = r.date_prevue < limit  # type: ignore[attr-defined]
    return render(request, "continuite/lieu.html", {"lieu": found, "resultats": rows})


@agents_seulement
@require_safe
def ars(request: HttpRequest) -> HttpResponse:
    """The ARS of a region: counts per lieu (no patient), overdue in red."""
    limit = services.echeance_limite()
    rows = (
        acces.ars_lieux(request.user)
        .annotate(
            ouverts=Count("resultats_attendus", filter=Q(resultats_attendus__statut="ouvert")),
            en_retard=Count(
                "resultats_attendus",
                filter=Q(resultats_attendus__statut="ouvert", resultats_attendus__date_prevue__lt=limit),
            ),
            sans_referent=Count(
                "resultats_attendus",
                filter=Q(
                    resultats_attendus__statut="ouvert", resultats_attendus__proprietaire_ars__isnull=False
                ),
            ),
        )
        .filter(ouverts__gt=0)
        .select_related("commune")
        .order_by("-en_retard", "nom")
    )
    return render(request, "continuite/ars.html", {"lieux": list(rows)})


@login_required
@require_safe
def fhir(request: HttpRequest, pk: int) -> HttpResponse:
    """The consultation's FHIR document; a refusal is an OperationOutcome in French, as the host software reads
    it (it was the HTML page of a 404)."""
    try:
        t = acces.transmission_or_404(request.user, pk)
    except Http404 as exc:
        return HttpResponse(
            json.dumps(documents.outcome("not-found", str(exc)), ensure_ascii=False),
            status=404,
            content_type="application/fhir+json",
        )
    record(t.patient, "document FHIR produit", CANAL, par=request.user)
    return HttpResponse(
        json.dumps(documents.bundle(t), ensure_ascii=False), content_type="application/fhir+json"
    )


@login_required
@require_safe
def lettre(request: HttpRequest, pk: int) -> HttpResponse:
    t = acces.transmission_or_404(request.user, pk)
    fmt = request.GET.get("format") or "html"
    if fmt not in ("html", "pdf"):  # « docx » or « PDF » got the HTML page, as if the format had been read
        return error_page(
            request, 400, "Format inconnu", f"« {fmt[:20]} » : la lettre est en HTML ou en PDF (pdf)."
        )
    record(t.patient, "lettre au médecin traitant", CANAL, par=request.user)
    if fmt == "pdf":
        response = HttpResponse(documents.lettre_pdf(t), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="lettre-{t.pk}.pdf"'
        return response
    return HttpResponse(documents.lettre_html(t))


def _acces_rows(patients: list[Any], rendez_vous: list[int]) -> list[AccesDonnees]:
    """The reads by professionals of the patients' records and of the appointments (the day's list, the
    consultation page, FHIR, the back office): what the audit holds about this person, newest first."""
    ids = [pk for p in patients for pk in services.dossier_ids(p)]
    rendez_vous = [
        *rendez_vous,
        *Visite.objects.filter(patient_id__in=ids).values_list("rendez_vous_id", flat=True),
    ]
    rows = list(
        AccesDonnees.objects.filter(
            Q(objet_type="continuite.patient", objet_id__in=ids)
            | Q(objet_type=RENDEZ_VOUS, objet_id__in=rendez_vous)
        )
        .exclude(par_id__isnull=True)
        .order_by("-le")[:200]
    )
    # The person, as the patient knows them (« Alice Durand »), not their account's identifier (« rpps-1000… »);
    # an account deleted since keeps the identifier the log holds.
    names = {
        u.pk: u.get_full_name()
        for u in get_user_model()
        .objects.filter(pk__in={r.par_id for r in rows})
        .only("first_name", "last_name")
    }
    for r in rows:
        r.qui = names.get(r.par_id) or r.par_nom  # type: ignore[attr-defined]
    return rows


@require_safe
def mes_acces(request: HttpRequest, jeton: str) -> HttpResponse:
    """The patient, through their appointment's signed link: which professionals read their record, and when."""
    try:
        rdv = from_jeton(jeton)
    except InvalidJetonError as exc:
        return error_page(request, 404, "Lien invalide", str(exc))
    visite = Visite.objects.filter(rendez_vous=rdv).select_related("patient").first()
    rows = _acces_rows([visite.patient] if visite is not None else [], [rdv.pk])
    record(visite.patient if visite is not None else rdv, "accès consultés par le patient", "lien signé")
    return render(
        request, "continuite/mes_acces.html", {"acces": rows, "visite": visite, "now": timezone.now()}
    )


@login_required
@require_safe
def mes_acces_franceconnect(request: HttpRequest) -> HttpResponse:
    """The same list for a patient signed in with FranceConnect: every record linked to their appointments."""
    patients = acces.dossiers_du_patient(request)
    rows = _acces_rows(
        patients,
        list(RendezVous.objects.filter(compte_patient__compte=request.user).values_list("pk", flat=True)),
    )
    for patient in patients:
        record(patient, "accès consultés par le patient", "FranceConnect", par=request.user)
    return render(
        request,
        "continuite/mes_acces.html",
        {"acces": rows, "visite": patients[0] if patients else None, "franceconnect": True},
    )


# --- Médecin traitant: declared at the visit, accepted or refused by that doctor (Pro Santé Connect) -----------


@login_required
@require_http_methods(["POST"])
def declarer_medecin_traitant(request: HttpRequest, rendez_vous: int) -> HttpResponse:
    """The doctor of the booking declares the patient's médecin traitant (RPPS or free text) after the identity."""
    rdv, _ = acces.consultation_or_404(request.user, rendez_vous)
    visite = Visite.objects.select_related("patient").filter(rendez_vous=rdv).first()
    if visite is None:
        return error_page(request, 400, "Identité à confirmer", "Confirmez d'abord l'identité du patient.")
    try:
        services.declarer_medecin_traitant(
            visite.patient,
            request.POST.get("mt_nom", ""),
            request.POST.get("mt_rpps", "").strip(),
            request.POST.get("mt_email", "").strip(),
            request.user,
        )
    except ValidationError as exc:  # the consultation page again, with the message and what was typed
        return _consultation_page(request, rdv, visite, _errors(exc))
    return redirect(reverse("continuite:consultation", args=[rdv.pk]))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def medecin_traitant(request: HttpRequest) -> HttpResponse:
    """The GP signed in with Pro Santé Connect: the patients who declared them, to accept or refuse the follow-up.
    Accepting moves the patient's open results to them (the ownership rule); refusing moves nothing."""
    declarations = acces.declarations_or_404(request.user)
    errors: list[str] = []
    if request.method == "POST":
        mt = acces.declaration_or_404(request.user, _int(request.POST, "declaration"))
        try:
            if request.POST.get("reponse") == "accepter":
                services.accepter_medecin_traitant(mt, request.user)
            elif request.POST.get("reponse") == "refuser":
                services.refuser_medecin_traitant(mt, request.user)
            else:
                raise ValidationError("Choisissez d'accepter ou de refuser le suivi.")
            return redirect(reverse("continuite:medecin_traitant"))
        except ValidationError as exc:
            errors = _errors(exc)
    rows = list(declarations.select_related("patient__lieu").order_by("-pk")[:100])
    for mt in rows:
        record(mt.patient, "déclaration de médecin traitant lue", CANAL, par=request.user)
    return render(
        request,
        "continuite/medecin_traitant.html",
        {"declarations": rows, "erreurs": errors},
        status=400 if errors else 200,
    )


# --- Near matches of identities at a lieu: a human decides ----------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def rapprochements(request: HttpRequest, pk: int) -> HttpResponse:
    """The flagged near matches at a lieu: « même personne » (merge, both histories kept) or « personnes
    distinctes ». Never merged without this decision."""
    lieu_obj, rows = acces.rapprochements_for(request.user, pk)
    errors: list[str] = []
    if request.method == "POST":
        r = acces.rapprochement_or_404(request.user, pk, _int(request.POST, "rapprochement"))
        try:
            decision = request.POST.get("decision")
            if decision == "meme":
                garde = r.patient if request.POST.get("garde") == str(r.patient_id) else None
                garde = garde or (r.autre if request.POST.get("garde") == str(r.autre_id) else None)
                if garde is None:
                    raise ValidationError("Choisissez le dossier à garder.")
                services.fusionner(r, garde, request.user)
            elif decision == "distincts":
                services.distinguer(r, request.user)
            else:
                raise ValidationError("Choisissez « même personne » ou « personnes distinctes ».")
            return redirect(reverse("continuite:rapprochements", args=[pk]))
        except ValidationError as exc:
            errors = _errors(exc)
    pending = list(
        rows.filter(decision=RapprochementIdentite.Decision.A_EXAMINER)
        .select_related("patient", "autre")
        .order_by("cree_le")[:50]
    )
    for r in pending:
        record(r.patient, "rapprochement d'identités lu", CANAL, par=request.user)
        record(r.autre, "rapprochement d'identités lu", CANAL, par=request.user)
    decided = list(
        rows.exclude(decision=RapprochementIdentite.Decision.A_EXAMINER)
        .select_related("decide_par")
        .order_by("-decide_le")[:20]
    )
    return render(
        request,
        "continuite/rapprochements.html",
        {"lieu": lieu_obj, "a_examiner": pending, "decides": decided, "erreurs": errors},
        status=400 if errors else 200,
    )
