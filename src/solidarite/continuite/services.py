"""Every write of the context, each in one transaction, each applying the ownership rule (continuite.propriete)
and writing the access log (rdv.audit). What the doctor types is checked by continuite.saisie before any
transaction opens. Errors are ValidationError with a French message: the views turn them into a 400 page, the
commands into exit code 2."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from solidarite.annuaire.acces import VALIDATED
from solidarite.annuaire.models import LieuSolidaire, MedecinVolontaire, ReferentLieu
from solidarite.continuite import ins
from solidarite.continuite.models import (
    ChangementProprietaire,
    MedecinTraitant,
    Patient,
    RapprochementIdentite,
    ResultatAttendu,
    StatutIdentite,
    Suivi,
    Transmission,
    Visite,
)
from solidarite.continuite.propriete import Kind, Owner, Situation, owner_after
from solidarite.continuite.saisie import Examen as Examen  # the services' input, where callers take it
from solidarite.continuite.saisie import Identite as Identite
from solidarite.continuite.saisie import Saisie as Saisie
from solidarite.continuite.saisie import check_cloture, check_identite, check_medecin_traitant, check_saisie
from solidarite.parametres import entier
from solidarite.planning.models import Mission
from solidarite.rdv.audit import record
from solidarite.rdv.models import RendezVous

OPEN = ResultatAttendu.Statut.OUVERT
WORKED = (Mission.Statut.CONFIRMEE, Mission.Statut.REALISEE)


# --- Ownership ----------------------------------------------------------------------------------------------


def owner_of(r: ResultatAttendu) -> Owner:
    if r.proprietaire_medecin_id is not None:
        return Owner(Kind.MEDECIN, r.proprietaire_medecin_id, r.proprietaire_jusqu_au)
    if r.proprietaire_referent_id is not None:
        return Owner(Kind.REFERENT, r.proprietaire_referent_id)
    if r.proprietaire_medecin_traitant_id is not None:
        return Owner(Kind.MEDECIN_TRAITANT, r.proprietaire_medecin_traitant_id)
    return Owner(Kind.ARS, int(r.proprietaire_ars_id or 0))


def label(owner: Owner) -> str:
    return f"{owner.kind.value}:{owner.id}"


def _set_owner(r: ResultatAttendu, owner: Owner) -> None:
    r.proprietaire_medecin_id = owner.id if owner.kind is Kind.MEDECIN else None
    r.proprietaire_jusqu_au = owner.jusqu_au if owner.kind is Kind.MEDECIN else None
    r.proprietaire_referent_id = owner.id if owner.kind is Kind.REFERENT else None
    r.proprietaire_medecin_traitant_id = owner.id if owner.kind is Kind.MEDECIN_TRAITANT else None
    r.proprietaire_ars_id = owner.id if owner.kind is Kind.ARS else None
    r.proprietaire_depuis = timezone.now()


@dataclass
class World:
    """What the rule reads, for a set of results, in four queries whatever their number."""

    today: dt.date
    valid_doctors: frozenset[int]
    referents: dict[int, tuple[int, ...]]  # lieu -> active référents, oldest first
    traitants: dict[int, int]  # patient -> accepted médecin traitant
    lieux: dict[int, tuple[int, bool]]  # lieu -> (region, actif)

    def situation(self, r: ResultatAttendu) -> Situation:
        region, actif = self.lieux[r.lieu_id]
        return Situation(
            self.today,
            self.valid_doctors,
            self.referents.get(r.lieu_id, ()),
            self.traitants.get(r.patient_id),
            region,
            actif,
        )


def _world(rows: list[ResultatAttendu], today: dt.date, exclude_referent: int | None = None) -> World:
    lieu_ids = {r.lieu_id for r in rows}
    patient_ids = {r.patient_id for r in rows}
    doctors = {r.proprietaire_medecin_id for r in rows if r.proprietaire_medecin_id}
    referents: dict[int, list[int]] = {}
    for lieu_id, pk in (
        ReferentLieu.objects.filter(lieu_id__in=lieu_ids, actif=True)
        .exclude(pk=exclude_referent)
        .order_by("cree_le", "pk")
        .values_list("lieu_id", "pk")
    ):
        referents.setdefault(lieu_id, []).append(pk)
    return World(
        today,
        frozenset(
            MedecinVolontaire.objects.filter(pk__in=doctors, statut__in=VALIDATED).values_list(
                "pk", flat=True
            )
        ),
        {k: tuple(v) for k, v in referents.items()},
        dict(
            MedecinTraitant.objects.filter(patient_id__in=patient_ids, accepte_le__isnull=False).values_list(
                "patient_id", "pk"
            )
        ),
        {
            pk: (region, actif)
            for pk, region, actif in LieuSolidaire.objects.filter(pk__in=lieu_ids).values_list(
                "pk", "commune__departement__region_id", "actif"
            )
        },
    )


def reassign(rows: QuerySet[ResultatAttendu], motif: str, exclude_referent: int | None = None) -> int:
    """Applies the ownership rule to the open results of `rows`, locked; returns how many changed owner."""
    changed = 0
    with transaction.atomic():
        locked = list(rows.filter(statut=OPEN).select_for_update().order_by("pk"))
        if not locked:
            return 0
        world = _world(locked, timezone.localdate(), exclude_referent)
        for r in locked:
            before = owner_of(r)
            after = owner_after(before, world.situation(r))
            if after != before:
                _set_owner(r, after)
                r.save(update_fields=[*OWNER_FIELDS, "proprietaire_depuis"])
                ChangementProprietaire.objects.create(
                    resultat=r, de=label(before), vers=label(after), motif=motif
                )
                changed += 1
    return changed


OWNER_FIELDS = (
    "proprietaire_medecin",
    "proprietaire_jusqu_au",
    "proprietaire_referent",
    "proprietaire_medecin_traitant",
    "proprietaire_ars",
)


def reassign_stale(lieu_id: int | None = None) -> int:
    """The end of mission days: results whose doctor's day is over go on (the periodic task, and the day view
    before it reads)."""
    rows = ResultatAttendu.objects.filter(statut=OPEN, proprietaire_jusqu_au__lt=timezone.localdate())
    if lieu_id is not None:
        rows = rows.filter(lieu_id=lieu_id)
    if not rows.exists():
        return 0
    return reassign(rows, "fin de la mission")


# --- Identity at the visit -----------------------------------------------------------------------------------


def jour_de_la_visite(rdv: RendezVous) -> dt.date | None:
    """None when the identity and the handover of `rdv` may be written now: on the day of its mission, or after
    it (a late handover). Before, the day they open. « Today » is the lieu's (decision 0023): in metropolitan
    France, Paris's; in Guyane, the evening before is still the day before, even past midnight in Paris."""
    day = rdv.mission.date
    return day if day > timezone.localdate(timezone=rdv.lieu.fuseau) else None


def _refuse_before_the_day(rdv: RendezVous, what: str) -> None:
    """ValidationError (French) when the day of the visit has not come: a doctor reads ahead, writes on the day."""
    if (day := jour_de_la_visite(rdv)) is not None:
        raise ValidationError(
            f"La consultation a lieu le {day:%d/%m/%Y} : {what} le jour de la visite, pas avant."
        )


def _traits(data: Identite | Patient) -> ins.Traits:
    return ins.Traits(data.nom_naissance, data.prenoms, data.date_naissance, data.sexe, data.lieu_naissance)


def confirmer_identite(rdv: RendezVous, medecin: MedecinVolontaire, data: Identite, par: Any) -> Visite:
    """At the visit: the doctor of the booking's mission confirms the identity; the booking is linked to the
    patient record of the lieu (the same traits: the same record; a near match: flagged, never merged). Not
    before the day of the visit: the identity is checked on a document, with the patient there."""
    if rdv.mission.medecin_id != medecin.pk:
        raise ValidationError(
            "Ce rendez-vous n'est pas l'un des vôtres : vous ne pouvez pas confirmer l'identité."
        )
    if rdv.statut in (RendezVous.Statut.ANNULE, RendezVous.Statut.ABSENT, RendezVous.Statut.EXCUSE):
        raise ValidationError("Ce rendez-vous n'a pas eu lieu : il n'y a pas de patient vu à identifier.")
    _refuse_before_the_day(rdv, "l'identité du patient se confirme")
    matricule = check_identite(data, timezone.localdate())
    key = "|".join(str(x) for x in _traits(data).cle())
    with transaction.atomic():
        # One identity at a time per lieu: the same form sent twice at once, or the same person confirmed at two
        # bookings at once, both passed the checks below and one failed on a unique constraint (a 500 on
        # PostgreSQL). The second now waits, then sees the first's rows.
        LieuSolidaire.objects.select_for_update().filter(pk=rdv.lieu_id).first()
        if Visite.objects.filter(rendez_vous=rdv).exists():
            raise ValidationError("L'identité de ce patient est déjà confirmée pour ce rendez-vous.")
        patient = Patient.objects.filter(
            lieu_id=rdv.lieu_id, cle_traits=key, fusionne_dans__isnull=True
        ).first()
        if patient is None:
            patient = Patient.objects.create(
                lieu_id=rdv.lieu_id,
                nom_naissance=data.nom_naissance.strip(),
                prenoms=data.prenoms.strip(),
                date_naissance=data.date_naissance,
                sexe=data.sexe,
                lieu_naissance=data.lieu_naissance.strip().upper(),
                cle_traits=key,
                statut_identite=data.statut_identite,
                matricule_ins=matricule,
                telephone=data.telephone or rdv.telephone,
                email=data.email or rdv.email,
            )
            _flag_near_matches(patient)
            record(patient, "dossier créé", "continuité", par=par)
        elif _rank(data.statut_identite) > _rank(patient.statut_identite):
            patient.statut_identite, patient.matricule_ins = data.statut_identite, matricule
            patient.save(update_fields=["statut_identite", "matricule_ins"])
        visite = Visite.objects.create(rendez_vous=rdv, patient=patient, confirme_par=medecin)
        record(patient, "identité confirmée", "continuité", par=par)
        record(rdv, "identité confirmée", "continuité", par=par)
    return visite


def _rank(statut: str) -> int:
    return list(StatutIdentite.values).index(statut)


def _flag_near_matches(patient: Patient) -> int:
    traits = _traits(patient)
    candidates = Patient.objects.filter(lieu_id=patient.lieu_id, fusionne_dans__isnull=True).exclude(
        pk=patient.pk
    )
    year = patient.date_naissance.year
    flagged = 0
    for other in candidates.filter(date_naissance__year=year):
        motif = ins.rapprochement(traits, _traits(other))
        if motif:
            RapprochementIdentite.objects.create(patient=patient, autre=other, motif=motif)
            flagged += 1
    return flagged


def fusionner(rapprochement: RapprochementIdentite, garde: Patient, par: Any) -> Patient:
    """A human's decision: `garde` is kept, the other record points to it; both histories stay (their
    transmissions and results keep their own rows, read together through `dossier_ids`)."""
    with transaction.atomic():
        r = RapprochementIdentite.objects.select_for_update().get(pk=rapprochement.pk)
        if r.decision != RapprochementIdentite.Decision.A_EXAMINER:
            raise ValidationError("Ce rapprochement a déjà été tranché.")
        if garde.pk not in (r.patient_id, r.autre_id):
            raise ValidationError("Le dossier gardé doit être l'un des deux dossiers rapprochés.")
        absorbe_id = r.autre_id if garde.pk == r.patient_id else r.patient_id
        Patient.objects.filter(pk=absorbe_id).update(fusionne_dans=garde)
        r.decision, r.decide_par, r.decide_le = r.Decision.FUSIONNES, par, timezone.now()
        r.save()
        record(garde, "fusion de dossiers", "continuité", par=par)
        record(Patient(pk=absorbe_id), "fusion de dossiers (dossier rattaché)", "continuité", par=par)
    return garde


def distinguer(rapprochement: RapprochementIdentite, par: Any) -> RapprochementIdentite:
    """A human's decision: two different people; both records stay as they are, the flag is closed."""
    with transaction.atomic():
        r = RapprochementIdentite.objects.select_for_update().get(pk=rapprochement.pk)
        if r.decision != RapprochementIdentite.Decision.A_EXAMINER:
            raise ValidationError("Ce rapprochement a déjà été tranché.")
        r.decision, r.decide_par, r.decide_le = r.Decision.DISTINCTS, par, timezone.now()
        r.save()
        for patient_id in (r.patient_id, r.autre_id):
            record(Patient(pk=patient_id), "rapprochement : personnes distinctes", "continuité", par=par)
    return r


def dossier_ids(patient: Patient) -> list[int]:
    """The record and the records merged into it."""
    return [patient.pk, *Patient.objects.filter(fusionne_dans=patient).values_list("pk", flat=True)]


# --- Transmissions and results ---------------------------------------------------------------------------------


def ecrire_transmission(
    rdv: RendezVous, medecin: MedecinVolontaire, saisie: Saisie, par: Any
) -> Transmission:
    """The handover of the consultation of `rdv`, by the doctor who saw the patient; each exam ordered becomes
    a résultat attendu owned by the doctor until the end of their mission day, expected between the consultation
    and `resultat_attendu_horizon_jours` after it. Every field is checked before anything is written; nothing is
    written before the day of the consultation."""
    if rdv.mission.medecin_id != medecin.pk:
        seen = Visite.objects.filter(rendez_vous=rdv).values_list("patient_id", flat=True).first()
        # the refused attempt is in the access log too (about the record if there is one, else the booking)
        record(
            Patient(pk=seen) if seen else rdv, "transmission refusée (patient non vu)", "continuité", par=par
        )
        raise ValidationError(
            "Vous n'avez pas vu ce patient : une transmission s'écrit par le médecin de la consultation."
        )
    _refuse_before_the_day(rdv, "la transmission s'écrit")
    visite = Visite.objects.filter(rendez_vous=rdv).select_related("patient").first()
    if visite is None:
        raise ValidationError(
            "Confirmez d'abord l'identité du patient : la transmission s'attache à son dossier au lieu."
        )
    day = rdv.mission.date
    check_saisie(saisie, day, entier("resultat_attendu_horizon_jours", day))
    with transaction.atomic():
        Visite.objects.select_for_update().filter(pk=visite.pk).first()  # the form sent twice: one at a time
        if Transmission.objects.filter(visite=visite).exists():
            raise ValidationError("La transmission de cette consultation est déjà écrite.")
        t = Transmission.objects.create(
            visite=visite,
            patient=visite.patient,
            lieu_id=rdv.lieu_id,
            mission=rdv.mission,
            medecin=medecin,
            motif=saisie.motif.strip(),
            synthese=saisie.synthese.strip(),
            prescriptions=saisie.prescriptions.strip(),
            suivi=saisie.suivi,
            texte_libre=saisie.texte_libre.strip(),
            ouverte=saisie.suivi != Suivi.AUCUN,
        )
        rows = [
            ResultatAttendu(
                transmission=t,
                patient=visite.patient,
                lieu_id=rdv.lieu_id,
                nature=e.nature,
                libelle=e.libelle.strip(),
                date_prevue=e.date_prevue,
                proprietaire_medecin=medecin,
                proprietaire_jusqu_au=rdv.mission.date,
                proprietaire_depuis=timezone.now(),
            )
            for e in saisie.examens
        ]
        ResultatAttendu.objects.bulk_create(rows)
        # The rule at once: a médecin traitant who accepted, or a day already over (a late handover).
        reassign(ResultatAttendu.objects.filter(transmission=t), "prescription")
        record(visite.patient, "transmission écrite", "continuité", par=par)
    return t


def _mission_at(medecin: MedecinVolontaire, lieu_id: int, today: dt.date) -> Mission | None:
    return (
        Mission.objects.filter(medecin=medecin, lieu_id=lieu_id, statut__in=WORKED, date__gte=today)
        .order_by("date")
        .first()
    )


def peut_reprendre(medecin: MedecinVolontaire | None, lieu_id: int) -> bool:
    """Whether this doctor may take over the lieu's follow-ups: validated, with a mission there today or later (the
    rule `prendre_en_charge` applies). The day page shows its buttons only then."""
    return (
        medecin is not None
        and medecin.statut in VALIDATED
        and _mission_at(medecin, lieu_id, timezone.localdate()) is not None
    )


TAKE_OVER_REFUSED = (
    "Ce résultat ne peut être confié qu'à un médecin volontaire validé ayant une mission confirmée à ce lieu."
)


OWNER_CHANGED = (
    "Ce résultat a changé de propriétaire depuis l'affichage de votre page : rechargez-la, puis reprenez-le "
    "si c'est toujours utile."
)


def prendre_en_charge(
    resultat_id: int, medecin: MedecinVolontaire | None, par: Any, vu: str | None = None
) -> ResultatAttendu:
    """A doctor of the lieu (a mission there today or later) takes over an open result until the end of that
    mission day. Anyone else is refused: the owner must be someone of that lieu. Whether the row exists, and
    whether it is closed, is said to a doctor of its lieu only: to anyone else, one refusal (decision 0006).
    `vu`: the owner the doctor's page showed (`label`); another one now (a colleague took it over meanwhile)
    is refused rather than silently taken from them. Sent twice, the take-over changes nothing the second time."""
    today = timezone.localdate()
    with transaction.atomic():
        r = ResultatAttendu.objects.select_for_update().filter(pk=resultat_id).first()
        mission = None
        if r is not None and medecin is not None and medecin.statut in VALIDATED:
            mission = _mission_at(medecin, r.lieu_id, today)
        if r is not None and medecin is not None and mission is not None:
            if r.statut != OPEN:
                raise ValidationError("Ce résultat est déjà clos : il n'y a plus rien à reprendre.")
            before = owner_of(r)
            after = Owner(Kind.MEDECIN, medecin.pk, mission.date)
            if before == after:  # the same take-over sent twice
                return r
            if vu is None or label(before) == vu:
                _set_owner(r, after)
                r.save(update_fields=[*OWNER_FIELDS, "proprietaire_depuis"])
                ChangementProprietaire.objects.create(
                    resultat=r, de=label(before), vers=label(after), motif="reprise"
                )
                record(r.patient, "résultat repris", "continuité", par=par)
                return r
    # refused: nothing changed; the attempt goes to the access log (outside the rolled-back transaction)
    if r is not None and mission is not None:
        record(Patient(pk=r.patient_id), "reprise refusée (propriétaire changé)", "continuité", par=par)
        raise ValidationError(OWNER_CHANGED)
    if r is not None:
        record(Patient(pk=r.patient_id), "reprise refusée (pas un médecin du lieu)", "continuité", par=par)
    raise ValidationError(TAKE_OVER_REFUSED)


def reprendre_transmission(transmission_id: int, medecin: MedecinVolontaire, par: Any) -> Transmission:
    with transaction.atomic():
        t = Transmission.objects.select_for_update().filter(pk=transmission_id).first()
        if t is None or _mission_at(medecin, t.lieu_id, timezone.localdate()) is None:
            raise ValidationError(
                "Seul un médecin ayant une mission confirmée à ce lieu reprend ses transmissions."
            )
        if not t.ouverte:
            raise ValidationError("Cette transmission a déjà été reprise.")
        t.ouverte, t.reprise_par = False, medecin
        t.save(update_fields=["ouverte", "reprise_par"])
        record(t.patient, "transmission reprise", "continuité", par=par)
    return t


ALREADY_CLOSED = "Ce résultat est déjà clos : une seule clôture est enregistrée, la première."


def clore(resultat_id: int, par: Any, lu_par_nom: str, resultat: str, conduite: str) -> ResultatAttendu:
    """Closes an open result, saying who read it and what was done. A second close, or two at once, is refused:
    the UPDATE only matches an open row, so exactly one wins on SQLite and PostgreSQL alike."""
    check_cloture(lu_par_nom, resultat, conduite)
    with transaction.atomic():
        done = ResultatAttendu.objects.filter(pk=resultat_id, statut=OPEN).update(
            statut=ResultatAttendu.Statut.CLOS,
            clos_le=timezone.now(),
            lu_par=par if getattr(par, "is_authenticated", False) else None,
            lu_par_nom=lu_par_nom.strip(),
            resultat=resultat.strip(),
            conduite=conduite.strip(),
        )
        r = ResultatAttendu.objects.select_related("patient").filter(pk=resultat_id).first()
        if r is None:
            raise ValidationError("Résultat attendu inconnu.")
        if not done:
            refused = ValidationError(ALREADY_CLOSED)
        else:
            record(r.patient, "résultat clos", "continuité", par=par)
            return r
    record(r.patient, "clôture refusée (déjà clos)", "continuité", par=par)
    raise refused


# --- The médecin traitant ------------------------------------------------------------------------------------


def declarer_medecin_traitant(patient: Patient, nom: str, rpps: str, email: str, par: Any) -> MedecinTraitant:
    """The médecin traitant declared at the visit (name, RPPS if known, secure e-mail address), every field
    checked before anything is written: the reminders (continuite.relances) go to that address."""
    rpps, email = rpps.strip(), email.strip()
    check_medecin_traitant(nom, rpps, email)
    with transaction.atomic():
        known = MedecinTraitant.objects.select_for_update().filter(patient=patient).first()
        if known is not None and known.accepte_le is not None and _same_doctor(known, nom, rpps):
            # the form sent again (a double click): the GP who accepted keeps the follow-up and its results
            MedecinTraitant.objects.filter(pk=known.pk).update(email=email or known.email)
            record(patient, "médecin traitant déclaré (déjà accepté)", "continuité", par=par)
            return known
        mt, _ = MedecinTraitant.objects.update_or_create(
            patient=patient,
            defaults={
                "nom": nom.strip(),
                "rpps": rpps,
                "email": email,
                "accepte_le": None,
                "refuse_le": None,
                "compte": None,
            },
        )
        reassign(ResultatAttendu.objects.filter(patient=patient), "médecin traitant déclaré")
        record(patient, "médecin traitant déclaré", "continuité", par=par)
    return mt


def _same_doctor(known: MedecinTraitant, nom: str, rpps: str) -> bool:
    """The same GP declared again: the same RPPS, or without one on either side the same name."""
    if rpps or known.rpps:
        return rpps == known.rpps
    return ins.normalise(nom) == ins.normalise(known.nom)


def accepter_medecin_traitant(mt: MedecinTraitant, par: Any) -> int:
    """The médecin traitant accepts the follow-up: the patient's open results are theirs (the doctor on duty
    keeps those they hold until the end of their day); their account (Pro Santé Connect) is attached."""
    with transaction.atomic():
        locked = MedecinTraitant.objects.select_for_update().get(pk=mt.pk)
        if locked.accepte_le is not None or locked.refuse_le is not None:
            raise ValidationError("Cette déclaration a déjà reçu une réponse.")
        compte = par if getattr(par, "is_authenticated", False) else None
        MedecinTraitant.objects.filter(pk=mt.pk).update(accepte_le=timezone.now(), compte=compte)
        changed = reassign(
            ResultatAttendu.objects.filter(patient_id=mt.patient_id), "médecin traitant accepté"
        )
        record(mt.patient, "suivi accepté (médecin traitant)", "continuité", par=par)
    return changed


def refuser_medecin_traitant(mt: MedecinTraitant, par: Any) -> None:
    """The declared doctor declines: nothing moves, the results keep their owner (doctor, référent or ARS)."""
    with transaction.atomic():
        locked = MedecinTraitant.objects.select_for_update().get(pk=mt.pk)
        if locked.accepte_le is not None or locked.refuse_le is not None:
            raise ValidationError("Cette déclaration a déjà reçu une réponse.")
        MedecinTraitant.objects.filter(pk=mt.pk).update(refuse_le=timezone.now())
        record(mt.patient, "suivi refusé (médecin traitant)", "continuité", par=par)


def retirer_medecin_traitant(mt: MedecinTraitant, par: Any) -> int:
    """The médecin traitant declines or stops: their results go on by the rule (référent, else ARS)."""
    with transaction.atomic():
        MedecinTraitant.objects.filter(pk=mt.pk).update(accepte_le=None)
        changed = reassign(
            ResultatAttendu.objects.filter(patient_id=mt.patient_id), "médecin traitant retiré"
        )
        record(mt.patient, "médecin traitant retiré", "continuité", par=par)
    return changed


# --- Overdue ---------------------------------------------------------------------------------------------------


def echeance_limite(today: dt.date | None = None) -> dt.date:
    """A result expected before this date and still open is overdue today."""
    day = today or timezone.localdate()
    return day - dt.timedelta(days=entier("resultat_attendu_delai_grace", day))


def en_retard(rows: QuerySet[ResultatAttendu], today: dt.date | None = None) -> QuerySet[ResultatAttendu]:
    return rows.filter(statut=OPEN, date_prevue__lt=echeance_limite(today))
