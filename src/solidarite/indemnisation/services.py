"""Realised days, the month's statements and their workflow. Every write spanning rows is one transaction.

The month's run (`construire_mois`) reads everything it needs in a fixed number of queries and writes with
bulk inserts: its query count does not depend on the number of volunteers (bench/indemnisation.py).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from solidarite import parametres
from solidarite.indemnisation import acces, calcul, construction, ecriture
from solidarite.indemnisation.models import (
    CalculMois,
    EtapeReleve,
    JourRealise,
    JourRetire,
    LigneReleve,
    Releve,
)
from solidarite.mois import add_months
from solidarite.planning import lifecycle
from solidarite.planning import services as planning
from solidarite.planning.models import Mission
from solidarite.rdv import audit
from solidarite.rdv.models import RendezVous
from solidarite.territoire.models import Region
from solidarite.web.entrees import COUNT_EXPECTED, parse_count, too_long

logger = logging.getLogger(__name__)
CANAL = "indemnisation"
Progress = Callable[[str, int], None]
# The longest free texts, in characters, as stored; the pages' fields carry them as `maxlength`.
MOTIF_RETRAIT_MAX = JourRetire._meta.get_field("motif").max_length  # its column's
MOTIF_CONTESTATION_MAX = 1000  # a few sentences for the ARS, kept with the statement (a TextField)
COMMENTAIRE_MAX = 1000  # the ARS's comment on a step of the workflow (a TextField)


RUN_PARAMETRES = ("indemnite_journaliere", "indemnite_demi_journee", "jours_max_par_mois")  # read by the run


def premier_mois(table: tuple[parametres.Parametre, ...] = parametres.PARAMETRES) -> dt.date:
    """The first month with statements: the first whole month under every dated parameter the run reads."""
    debut = max(min(p.depuis for p in table if p.nom == nom) for nom in RUN_PARAMETRES)
    return debut if debut.day == 1 else add_months(debut.replace(day=1), 1)


def parse_month(text: str | None, today: dt.date | None = None) -> dt.date:
    """AAAA-MM → the first day of the month; a month in the future is refused (its days are not done), and so is
    one before the indemnity existed (« 0001-01 » queued a run that failed on a missing parameter)."""
    today = today or timezone.localdate()
    if not text:
        return today.replace(day=1)
    first = planning.parse_month(text)
    if first < (debut := premier_mois()):
        raise ValidationError(
            f"Le mois {first.month:02d}/{first.year:04d} précède l'indemnité des médecins volontaires, versée "
            f"depuis {debut:%m/%Y} : aucun relevé ne porte sur lui."
        )
    if first > today.replace(day=1):
        raise ValidationError(
            f"Le mois {first:%m/%Y} n'est pas encore commencé : un relevé ne porte que sur des journées faites."
        )
    return first


# --- Realised days ---------------------------------------------------------------------------------------


# The appointments that are no consultation: cancelled, or missed (excused or not).
NOT_SEEN = (RendezVous.Statut.ANNULE, RendezVous.Statut.ABSENT, RendezVous.Statut.EXCUSE)


def consultations_du_jour(mission: Mission) -> int:
    """The prefilled count: the day's appointments neither cancelled nor missed."""
    return RendezVous.objects.filter(mission=mission).exclude(statut__in=NOT_SEEN).count()


def confirmer_jour(
    mission: Mission,
    user: Any,
    nature: str,
    consultations: int | str | None = None,
    today: dt.date | None = None,
) -> JourRealise:
    """The doctor or a référent confirms the day (full or half), after it: the mission becomes « réalisée »
    (planning.lifecycle.realise_mission) and its realised day is written, or corrected if it exists."""
    today = today or timezone.localdate()
    if nature not in calcul.NATURES:
        raise ValidationError("Indiquez s'il s'agit d'une journée ou d'une demi-journée.")
    if consultations in (None, ""):
        count = consultations_du_jour(mission)
    else:
        # In its one form (web.entrees): int() took « ␣5 », « +5 », « 1_0 » and « ٥ » as well.
        count = consultations if isinstance(consultations, int) else parse_count(consultations)
        if count is None:
            raise ValidationError(f"Le nombre de consultations doit être {COUNT_EXPECTED}.")
        if count < 0 or count > 200:
            raise ValidationError("Le nombre de consultations doit être compris entre 0 et 200.")
    with transaction.atomic():
        if mission.date > today:
            raise ValidationError("Cette mission n'a pas encore eu lieu : confirmez-la après la journée.")
        # The doctor's drafts first, then the mission, as a withdrawal: what the drafts are built from changes here,
        # and a withdrawal of this very day under way is waited for, then seen (decision 0015)
        _verrouiller_brouillons(mission.medecin_id)
        _verrouiller_mission(mission.pk)
        retrait = JourRetire.objects.filter(mission=mission).first()
        if retrait is not None:
            raise ValidationError(
                f"Cette journée a été retirée par l'ARS le {timezone.localtime(retrait.le):%d/%m/%Y} "
                f"(« {retrait.motif} ») : elle ne peut plus être confirmée. Contactez votre ARS si c'est une erreur."
            )
        same_day = JourRealise.objects.filter(
            mission__medecin_id=mission.medecin_id, mission__date=mission.date
        ).exclude(mission=mission)
        if any(j.nature != nature or nature == calcul.JOURNEE for j in same_day):
            raise ValidationError(
                f"Une autre mission de ce médecin est déjà réalisée le {mission.date:%d/%m/%Y} : "
                "une demi-journée et une journée, ou deux journées, ne peuvent pas être payées le même jour."
            )
        lifecycle.realise_mission(mission, user, today)
        jour, _created = JourRealise.objects.update_or_create(
            mission=mission,
            defaults={
                "nature": nature,
                "consultations": count,
                "confirme_par": user if getattr(user, "is_authenticated", False) else None,
                "confirme_le": timezone.now(),
            },
        )
    return jour


def retirer_jour(jour: JourRealise, user: Any, motif: str) -> None:
    """The ARS withdraws a realised day (the doctor did not come, a duplicate): if it was paid, the next
    statement carries a negative adjustment; never an edit of a validated statement."""
    acces.check_region(user, jour.mission.lieu.commune.departement.region)
    motif = " ".join(motif.split())
    if not motif:
        raise ValidationError("Indiquez la raison du retrait de cette journée.")
    if refusal := too_long(motif, MOTIF_RETRAIT_MAX, "Raison du retrait"):
        raise ValidationError(refusal)
    try:
        with transaction.atomic():
            _verrouiller_brouillons(jour.mission.medecin_id)
            _verrouiller_mission(jour.mission_id)
            # The day itself next, in the same order as the month's run: a second withdrawal of it at the same
            # moment (two tabs, a double click) waits for the first, then finds it gone (a list: exists() would
            # drop the FOR UPDATE)
            if not list(
                JourRealise.objects.select_for_update().filter(pk=jour.pk).values_list("pk", flat=True)
            ):
                raise ValidationError(DEJA_RETIREE)
            JourRetire.objects.create(
                mission=jour.mission,
                motif=motif,
                par=user if getattr(user, "is_authenticated", False) else None,
            )
            audit.record(jour.mission, "journée retirée", CANAL, par=user)
            jour.delete()
    except IntegrityError as exc:  # SQLite, which has no row lock: the other withdrawal wrote first
        raise ValidationError(DEJA_RETIREE) from exc


DEJA_RETIREE = "Cette journée vient d'être retirée (par vous ou par un autre agent) : rien n'a été changé."


def _verrouiller_brouillons(medecin_id: int) -> None:
    """Locks every draft of the doctor, by id, as the validation (`avancer`) and the month's run lock theirs: a day
    withdrawn or confirmed then waits for a validation under way (the day goes to, or is regularised in, a later
    statement), or the validation waits for it and its replay (`construction.perimes`) sees the day gone, added or
    changed, and refuses. Every draft, not only the day's: the cap is the doctor's across regions, and a paid day's
    regularisation goes to a later month."""
    list(
        Releve.objects.select_for_update()
        .filter(medecin_id=medecin_id, statut=Releve.Statut.BROUILLON)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _verrouiller_mission(mission_id: int) -> None:
    """Locks the mission, after the drafts and before its day: a confirmation (or a correction) of the day and its
    withdrawal at the same moment go one after the other, and the second sees what the first did. Locking the day
    alone let a confirmation that found no withdrawal yet wait on the day's row, then write a new one beside the
    withdrawal (or deadlock with it)."""
    list(Mission.objects.select_for_update().filter(pk=mission_id).values_list("pk", flat=True))


def jours_non_confirmes(region: Region | None, today: dt.date | None = None) -> list[Mission]:
    """Confirmed missions past by more than the dated delay and still not confirmed as realised."""
    today = today or timezone.localdate()
    delai = parametres.entier("indemnite_confirmation_delai_jours", today)
    missions = Mission.objects.filter(
        statut=Mission.Statut.CONFIRMEE, date__lt=today - dt.timedelta(days=delai), jour_realise__isnull=True
    ).select_related("medecin", "lieu")
    if region is not None:
        missions = missions.filter(lieu__commune__departement__region=region)
    return list(missions.order_by("date")[:500])


# --- The month's statements ------------------------------------------------------------------------------


def _nothing(etape: str, pct: int) -> None:
    pass


def construire_mois(
    first: dt.date,
    region: Region | None = None,
    table: calcul.Table = parametres.PARAMETRES,
    today: dt.date | None = None,
    progress: Progress = _nothing,
) -> dict[str, Any]:
    """Builds the draft statements of `first`'s month (one region, or all): re-runnable, the month's drafts are
    replaced and validated statements left alone. One transaction; a fixed number of queries."""
    today = today or timezone.localdate()
    first = first.replace(day=1)
    if first > today.replace(day=1):
        raise ValidationError(f"Le mois {first:%m/%Y} n'est pas encore commencé.")
    parametres.verifier(table)
    cap = construction.plafonds(table)
    cap(first)  # a bad table is refused before anything is written
    with transaction.atomic():
        progress("Lecture des journées réalisées", 10)
        ecriture.one_run_at_a_time()
        drafts = Releve.objects.filter(mois=first, statut=Releve.Statut.BROUILLON)
        if region is not None:
            drafts = drafts.filter(region=region)
        # The drafts replaced are locked first: one validated meanwhile (`avancer`) keeps its lines, or waits and is
        # then told it no longer exists; its lines were deleted under it, and its days paid again the next month.
        list(drafts.select_for_update().order_by("pk").values_list("pk", flat=True))
        LigneReleve.objects.filter(releve__in=drafts).delete()
        # A draft has no journal (its first step is the validation) and no line left: one DELETE, not the
        # collector's per-batch lookups, so that the run's query count does not grow with the drafts.
        drafts._raw_delete(drafts.db)
        plan = construction.calculer(first, region, table, cap, progress=progress)
        releves = plan.releves
        progress("Écriture des relevés", 70)
        ecriture.reprendre(plan.repris)
        _set_cpam(releves)
        now = str(connection.ops.adapt_datetimefield_value(timezone.now()))
        ecriture.insert_json(
            Releve,
            [
                {
                    "medecin_id": r.medecin_id,
                    "region_id": r.region_id,
                    "mois": first.isoformat(),
                    "statut": Releve.Statut.BROUILLON.value,
                    "total": str(r.total),
                    "anomalies": r.anomalies,
                    "cpam": r.cpam,
                    "cree_le": now,
                    "motif_contestation": "",
                }
                for r in releves
            ],
        )
        ids = {
            (medecin_id, region_id): pk
            for pk, medecin_id, region_id in Releve.objects.filter(
                mois=first, statut=Releve.Statut.BROUILLON
            ).values_list("pk", "medecin_id", "region_id")
        }
        ecriture.insert_json(
            LigneReleve,
            [
                {
                    "releve_id": ids[(r.medecin_id, r.region_id)],
                    "genre": i.genre,
                    "mission_id": i.mission_id,
                    "date": i.date.isoformat(),
                    "nature": i.nature,
                    "taux": str(i.taux),
                    "montant": str(i.montant),
                    "consultations": i.consultations,
                    "motif": i.motif[:200],
                }
                for r in releves
                for i in r.lignes
            ],
        )
    progress("Terminé", 100)
    return {
        "releves": len(releves),
        "lignes": sum(len(r.lignes) for r in releves),
        "total": str(sum((r.total for r in releves), Decimal(0))),
        "anomalies": sum(1 for r in releves if r.anomalies),
    }


def _set_cpam(releves: list[construction.Brouillon]) -> None:
    """The paying CPAM: that of the doctor's département (one query for all)."""
    from solidarite.annuaire.models import MedecinVolontaire

    ids = {r.medecin_id for r in releves}
    codes = dict(
        MedecinVolontaire.objects.filter(pk__in=ids).values_list("pk", "commune__departement__code")
        if len(ids) < 900
        else MedecinVolontaire.objects.values_list("pk", "commune__departement__code")
    )
    for r in releves:
        r.cpam = codes.get(r.medecin_id) or ""


def queue_mois(first: dt.date, region: Region | None, user: Any) -> CalculMois:
    """Queues the month's run for the worker (tasks.py); refused while one of that month is pending."""
    from solidarite.indemnisation.tasks import construire_releves

    if region is None and not acces.is_national_admin(user):
        raise PermissionDenied("Seule l'administration nationale calcule les relevés de toutes les régions.")
    if region is not None:
        acces.check_region(user, region)
    with transaction.atomic():
        pending = CalculMois.objects.select_for_update().filter(
            mois=first, region=region, etat__in=CalculMois.EN_ATTENTE
        )
        if any(c.cree_le > timezone.now() - dt.timedelta(minutes=10) for c in pending):
            raise ValidationError("Le calcul de ce mois est déjà en file ou en cours : il s'affiche ici.")
        run = CalculMois.objects.create(mois=first, region=region, cree_par=user)
        construire_releves.enqueue(run.pk)
    return run


# A run that failed on a fault (a missing dated parameter once listed all 22 of them on the page): the worker's log
# holds the traceback, the page says what to do.
CALCUL_EN_ECHEC = (
    "erreur interne du calcul, consignée dans le journal du worker ; relancez-le, et si l'échec se répète, "
    "signalez-le à l'équipe de la plateforme."
)


def executer_calcul(run_id: int) -> dict[str, Any]:
    """The worker's side: the run's progress written on its row, then its result or its error."""
    claimed = CalculMois.objects.filter(pk=run_id, etat=CalculMois.Etat.EN_FILE).update(
        etat=CalculMois.Etat.EN_COURS
    )
    if not claimed:
        return {"calcul": "ignoré : déjà pris ou supprimé"}
    run = CalculMois.objects.select_related("region").get(pk=run_id)

    def progress(etape: str, pct: int) -> None:
        CalculMois.objects.filter(pk=run_id).update(etape=etape, avancement=pct)

    try:
        result = construire_mois(run.mois, run.region, progress=progress)
    except Exception as exc:  # the ARS page shows `erreur`: a refusal's French words, never a fault's inside
        message = " ".join(exc.messages) if isinstance(exc, ValidationError) else CALCUL_EN_ECHEC
        CalculMois.objects.filter(pk=run_id).update(etat=CalculMois.Etat.ECHEC, erreur=message[:500])
        raise
    CalculMois.objects.filter(pk=run_id).update(etat=CalculMois.Etat.TERMINE, resultat=result)
    return result


# --- Workflow ---------------------------------------------------------------------------------------------

ACTIONS = {
    "valider": ((Releve.Statut.BROUILLON, Releve.Statut.CONTESTE), Releve.Statut.VALIDE, "relevé validé"),
    "transmettre": ((Releve.Statut.VALIDE,), Releve.Statut.TRANSMIS, "relevé transmis à la CPAM"),
    "payer": ((Releve.Statut.TRANSMIS,), Releve.Statut.PAYE, "relevé payé"),
}


def _step(releve: Releve, de: str, vers: str, user: Any, commentaire: str = "") -> None:
    authenticated = getattr(user, "is_authenticated", False)
    EtapeReleve.objects.create(
        releve=releve,
        de=de,
        vers=vers,
        par_id=user.pk if authenticated else None,
        par_nom=user.get_username() if authenticated else "",
        commentaire=commentaire,
    )
    audit.record(releve, f"relevé {vers}", CANAL, par=user)


def avancer(ids: Iterable[int | str], action: str, user: Any, commentaire: str = "") -> list[Releve]:
    """Moves every statement of `ids` one step (valider, transmettre, payer), all or none: a statement of
    another region, or one not at the step before, refuses the whole batch (nothing saved)."""
    if action not in ACTIONS:
        raise ValidationError("Action inconnue.")
    if refusal := too_long(commentaire, COMMENTAIRE_MAX, "Commentaire"):
        raise ValidationError(refusal)
    avant, vers, _label = ACTIONS[action]
    try:
        keys = sorted({int(i) for i in ids})
    except (TypeError, ValueError):
        raise ValidationError("Sélection de relevés invalide.") from None
    if any(not 0 < k < 2**63 for k in keys):  # beyond the database's integers: OverflowError, a 500
        raise ValidationError("Sélection de relevés invalide.")
    if not keys:
        raise ValidationError("Cochez au moins un relevé.")
    now = timezone.now()
    with transaction.atomic():
        # The statements' rows only (not their region's nor doctor's), by id: the order of the run and of a withdrawal
        found = list(
            Releve.objects.select_for_update(of=("self",))
            .filter(pk__in=keys)
            .select_related("region", "medecin")
            .order_by("pk")
        )
        if len(found) != len(keys):
            raise ValidationError("Un des relevés cochés n'existe pas.")
        for r in found:
            acces.check_region(user, r.region)
            if r.statut not in avant:
                raise ValidationError(
                    f"Le relevé de {r.medecin} ({r.mois:%m/%Y}) est « {r.get_statut_display().lower()} » : "
                    "cette étape ne s'applique pas."
                )
        if action == "valider":  # a draft validated is what the run would write now, under the same locks
            _refuse_perimes([r for r in found if r.statut == Releve.Statut.BROUILLON], user)
        for r in found:
            de = r.statut
            r.statut = _reprise(r) if de == Releve.Statut.CONTESTE else vers  # only « valider » takes one
            fields = ["statut"]
            if r.statut == vers:  # a transmitted or paid statement back where it was keeps its dates
                fields += _date_etape(r, action, now, user)
            r.save(update_fields=fields)
            _step(r, de, r.statut, user, commentaire)
    return found


PERIME_CONSEIL = "Recalculez les relevés du mois, puis validez-les de nouveau."
PERIMES_NOMMES = 5  # the stale drafts named in one refusal; the others counted


def _refuse_perimes(drafts: list[Releve], user: Any) -> None:
    """Refuses (nothing written) the validation of drafts the month's run would now write otherwise: a day
    withdrawn, added or changed since they were built would be paid as the draft says, then regularised."""
    stale = construction.perimes(drafts)
    if not stale:
        return
    logger.warning(  # ids only: the doctors' names stay out of the log
        "Validation refusée, relevés à recalculer %s (compte %s)",
        sorted(stale),
        getattr(user, "pk", None),
    )
    shown = [stale[pk] for pk in sorted(stale)[:PERIMES_NOMMES]]
    if len(stale) > len(shown):
        shown.append(f"Et {len(stale) - len(shown)} autre(s) relevé(s) coché(s) à recalculer.")
    raise ValidationError(" ".join([*shown, PERIME_CONSEIL]))


def _date_etape(releve: Releve, action: str, now: dt.datetime, user: Any) -> list[str]:
    """Dates (and, for « valider », attributes) the step `action` on `releve`; the fields to save."""
    if action == "valider":
        releve.valide_le, releve.valide_par = now, user
        return ["valide_le", "valide_par"]
    if action == "transmettre":
        releve.transmis_le = now
        return ["transmis_le"]
    releve.paye_le = now
    return ["paye_le"]


def _reprise(releve: Releve) -> str:
    """The step a contested statement takes back once the ARS has answered: the furthest it had reached. A paid one
    revalidated went through « transmettre » and « payer » again: sent to the CPAM and paid twice, its payment date
    overwritten. What the contest corrects comes as an adjustment in a later statement (decision 0015)."""
    if releve.paye_le is not None:
        return Releve.Statut.PAYE
    if releve.transmis_le is not None:
        return Releve.Statut.TRANSMIS
    return Releve.Statut.VALIDE


def contester(releve: Releve, user: Any, motif: str) -> Releve:
    """The volunteer contests a validated (or transmitted, or paid) statement: back to the ARS, with the reason.
    The statement is not edited: a correction comes as an adjustment in a later statement."""
    motif = " ".join(motif.split())
    if len(motif) < 10:
        raise ValidationError("Expliquez en quelques mots ce qui ne va pas (10 caractères au moins).")
    if refusal := too_long(motif, MOTIF_CONTESTATION_MAX, "Motif de la contestation"):
        raise ValidationError(refusal)
    with transaction.atomic():
        locked = Releve.objects.select_for_update().get(pk=releve.pk)
        if locked.statut not in (Releve.Statut.VALIDE, Releve.Statut.TRANSMIS, Releve.Statut.PAYE):
            raise ValidationError(
                f"Ce relevé est « {locked.get_statut_display().lower()} » : il ne peut pas être contesté."
            )
        de = locked.statut
        locked.statut = Releve.Statut.CONTESTE
        locked.motif_contestation = motif
        locked.save(update_fields=["statut", "motif_contestation"])
        _step(locked, de, Releve.Statut.CONTESTE, user, motif)
    return locked
