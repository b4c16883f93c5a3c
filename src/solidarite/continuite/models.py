"""Patients at a lieu (INS traits and identity status), transmissions, résultats attendus and their one owner.

The guarantees are the database's (issue 20): an INS matricule exists exactly when the status is « qualifiée »;
a résultat attendu has exactly one owner (a CheckConstraint over the four owner columns, on SQLite and
PostgreSQL); a closed result says who read it and what was done; a booking is linked to at most one patient.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from solidarite.annuaire.models import LieuSolidaire, MedecinVolontaire, ReferentLieu
from solidarite.planning.models import Mission
from solidarite.rdv.models import RendezVous
from solidarite.territoire.models import Region


class StatutIdentite(models.TextChoices):
    PROVISOIRE = "provisoire", "Identité provisoire"
    RECUPEREE = "recuperee", "Identité récupérée"
    VALIDEE = "validee", "Identité validée"
    QUALIFIEE = "qualifiee", "Identité qualifiée"


class Sexe(models.TextChoices):
    FEMININ = "F", "Féminin"
    MASCULIN = "M", "Masculin"
    INDETERMINE = "I", "Indéterminé"


class Patient(models.Model):
    """A patient at one lieu, with the INS traits. A returning patient with the same traits is the same row;
    a near match is flagged (RapprochementIdentite), never merged silently."""

    lieu = models.ForeignKey(LieuSolidaire, on_delete=models.PROTECT, related_name="patients_suivis")
    nom_naissance = models.CharField("nom de naissance", max_length=100)
    prenoms = models.CharField("prénom(s) de naissance", max_length=200)
    date_naissance = models.DateField("date de naissance")
    sexe = models.CharField("sexe", max_length=1, choices=Sexe.choices)
    lieu_naissance = models.CharField(
        "code INSEE du lieu de naissance", max_length=5, help_text="99XXX pour une naissance à l'étranger"
    )
    cle_traits = models.CharField("traits normalisés", max_length=340, editable=False)
    statut_identite = models.CharField(
        "statut de l'identité",
        max_length=10,
        choices=StatutIdentite.choices,
        default=StatutIdentite.PROVISOIRE,
    )
    matricule_ins = models.CharField("matricule INS", max_length=15, blank=True)
    telephone = models.CharField("téléphone", max_length=20, blank=True)
    email = models.EmailField("adresse électronique", blank=True)
    fusionne_dans = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fusionnes",
        verbose_name="fusionné dans",
    )
    demonstration = models.BooleanField("données de démonstration", default=False)
    cree_le = models.DateTimeField("créé le", auto_now_add=True)

    class Meta:
        verbose_name = "patient suivi"
        verbose_name_plural = "patients suivis"
        constraints = [
            models.CheckConstraint(
                condition=(Q(statut_identite="qualifiee") & ~Q(matricule_ins=""))
                | (~Q(statut_identite="qualifiee") & Q(matricule_ins="")),
                name="continuite_ins_seulement_qualifiee",
            ),
            models.UniqueConstraint(
                fields=["lieu", "cle_traits"],
                condition=Q(fusionne_dans__isnull=True),
                name="continuite_un_patient_par_traits",
            ),
        ]

    def __str__(self) -> str:
        return f"Patient n° {self.pk}"  # no identity in a string that may be logged


class MedecinTraitant(models.Model):
    """The patient's médecin traitant, declared at the visit (RPPS or free text); owns the patient's open
    results once `accepte_le` is set (the médecin traitant accepted the follow-up)."""

    patient = models.OneToOneField(Patient, on_delete=models.CASCADE, related_name="medecin_traitant")
    rpps = models.CharField("numéro RPPS", max_length=11, blank=True)
    nom = models.CharField("nom et adresse", max_length=200)
    email = models.EmailField("adresse électronique (messagerie sécurisée)", blank=True)
    compte = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    accepte_le = models.DateTimeField("suivi accepté le", null=True, blank=True)
    refuse_le = models.DateTimeField("suivi refusé le", null=True, blank=True)

    class Meta:
        verbose_name = "médecin traitant"

    def __str__(self) -> str:
        return f"Médecin traitant du patient n° {self.patient_id}"


class RapprochementIdentite(models.Model):
    """Two records that may be the same person: a human decides (merge or distinct)."""

    class Decision(models.TextChoices):
        A_EXAMINER = "a_examiner", "À examiner"
        FUSIONNES = "fusionnes", "Fusionnés"
        DISTINCTS = "distincts", "Personnes distinctes"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    autre = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    motif = models.CharField("motif", max_length=100)
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.A_EXAMINER)
    decide_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decide_le = models.DateTimeField(null=True, blank=True)
    cree_le = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "rapprochement d'identités"
        constraints = [
            models.UniqueConstraint(fields=["patient", "autre"], name="continuite_un_rapprochement")
        ]

    def __str__(self) -> str:
        return f"Rapprochement n° {self.pk} ({self.motif})"


class Visite(models.Model):
    """The booking (rdv.RendezVous) linked to the patient record when the doctor confirmed the identity."""

    rendez_vous = models.OneToOneField(RendezVous, on_delete=models.PROTECT, related_name="visite")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="visites")
    confirme_par = models.ForeignKey(MedecinVolontaire, on_delete=models.PROTECT, related_name="+")
    confirme_le = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "visite (identité confirmée)"

    def __str__(self) -> str:
        return f"Visite du rendez-vous n° {self.rendez_vous_id}"


class Suivi(models.TextChoices):
    AUCUN = "aucun", "Aucun"
    VOLONTAIRE = "volontaire", "Par le prochain médecin volontaire du lieu"
    MEDECIN_TRAITANT = "medecin_traitant", "Par le médecin traitant"
    URGENT = "urgent", "Urgent"


# A free text of the handover or of a close: a few paragraphs, not a whole record pasted in (a 2 MB synthesis was
# taken, and every next doctor's day page then weighed 2 MB, its letter took 12 s of weasyprint).
TEXTE_MAX = 10_000


class Transmission(models.Model):
    """The doctor's handover after a consultation."""

    visite = models.OneToOneField(Visite, on_delete=models.PROTECT, related_name="transmission")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="transmissions")
    lieu = models.ForeignKey(LieuSolidaire, on_delete=models.PROTECT, related_name="transmissions")
    mission = models.ForeignKey(Mission, on_delete=models.PROTECT, related_name="transmissions")
    medecin = models.ForeignKey(MedecinVolontaire, on_delete=models.PROTECT, related_name="transmissions")
    motif = models.CharField("motif de consultation", max_length=300)
    synthese = models.TextField("synthèse", max_length=TEXTE_MAX)
    prescriptions = models.TextField("prescriptions faites", max_length=TEXTE_MAX, blank=True)
    suivi = models.CharField("suivi nécessaire", max_length=16, choices=Suivi.choices, default=Suivi.AUCUN)
    texte_libre = models.TextField("note libre", max_length=TEXTE_MAX, blank=True)
    ouverte = models.BooleanField("à reprendre", default=True)
    reprise_par = models.ForeignKey(
        MedecinVolontaire, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    demonstration = models.BooleanField("données de démonstration", default=False)
    cree_le = models.DateTimeField("écrite le", auto_now_add=True)

    class Meta:
        verbose_name = "transmission"
        indexes = [
            # the day view's order (newest first, then id): read from the index, no sort of the lieu's history
            models.Index(fields=["lieu", "ouverte", "-cree_le", "-id"], name="transmission_lieu_recentes"),
            models.Index(fields=["patient", "-cree_le"], name="transmission_patient"),
        ]

    def __str__(self) -> str:
        return f"Transmission n° {self.pk}"


class NatureExamen(models.TextChoices):
    BIOLOGIE = "biologie", "Biologie"
    IMAGERIE = "imagerie", "Imagerie"
    SPECIALISTE = "specialiste", "Avis d'un spécialiste (lettre d'adressage)"
    AUTRE = "autre", "Autre examen"


OWNER_COLUMNS = (
    "proprietaire_medecin",
    "proprietaire_referent",
    "proprietaire_medecin_traitant",
    "proprietaire_ars",
)


def _exactly_one_owner() -> Q:
    condition = Q(pk__in=[])
    for column in OWNER_COLUMNS:
        others = [c for c in OWNER_COLUMNS if c != column]
        term = Q(**{f"{column}__isnull": False})
        for other in others:
            term &= Q(**{f"{other}__isnull": True})
        condition |= term
    return condition


class ResultatAttendu(models.Model):
    """An exam ordered, whose result someone must read: always exactly one owner (database constraint)."""

    class Statut(models.TextChoices):
        OUVERT = "ouvert", "Ouvert"
        CLOS = "clos", "Clos"

    transmission = models.ForeignKey(Transmission, on_delete=models.PROTECT, related_name="resultats")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="resultats")
    lieu = models.ForeignKey(LieuSolidaire, on_delete=models.PROTECT, related_name="resultats_attendus")
    nature = models.CharField("nature", max_length=12, choices=NatureExamen.choices)
    libelle = models.CharField("examen", max_length=200)
    date_prevue = models.DateField("résultat attendu le")
    statut = models.CharField("statut", max_length=6, choices=Statut.choices, default=Statut.OUVERT)
    proprietaire_medecin = models.ForeignKey(
        MedecinVolontaire, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    proprietaire_jusqu_au = models.DateField("propriétaire jusqu'au", null=True, blank=True)
    proprietaire_referent = models.ForeignKey(
        ReferentLieu, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    proprietaire_medecin_traitant = models.ForeignKey(
        MedecinTraitant, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    proprietaire_ars = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    proprietaire_depuis = models.DateTimeField("propriétaire depuis")
    # Closing: who read it and what was done.
    resultat = models.TextField("résultat reçu", max_length=TEXTE_MAX, blank=True)
    conduite = models.TextField("conduite tenue", max_length=TEXTE_MAX, blank=True)
    lu_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lu_par_nom = models.CharField("lu par", max_length=200, blank=True)
    clos_le = models.DateTimeField("clos le", null=True, blank=True)
    derniere_relance = models.DateField("dernière relance", null=True, blank=True)
    demonstration = models.BooleanField("données de démonstration", default=False)
    cree_le = models.DateTimeField("prescrit le", auto_now_add=True)

    class Meta:
        verbose_name = "résultat attendu"
        verbose_name_plural = "résultats attendus"
        constraints = [
            models.CheckConstraint(condition=_exactly_one_owner(), name="continuite_un_seul_proprietaire"),
            models.CheckConstraint(
                condition=Q(proprietaire_medecin__isnull=True, proprietaire_jusqu_au__isnull=True)
                | Q(proprietaire_medecin__isnull=False, proprietaire_jusqu_au__isnull=False),
                name="continuite_medecin_jusqu_a_fin_mission",
            ),
            models.CheckConstraint(
                condition=Q(statut="ouvert", clos_le__isnull=True)
                | (Q(statut="clos", clos_le__isnull=False) & ~Q(lu_par_nom="") & ~Q(conduite="")),
                name="continuite_cloture_complete",
            ),
        ]
        indexes = [
            models.Index(fields=["lieu", "statut", "-cree_le", "-id"], name="resultat_lieu_recents"),
            models.Index(fields=["patient", "statut"], name="resultat_patient"),
            models.Index(fields=["statut", "date_prevue"], name="resultat_echeance"),
        ]

    def __str__(self) -> str:
        return f"Résultat attendu n° {self.pk}"


class ChangementProprietaire(models.Model):
    """Every change of owner of a result: from, to, why, when (the history the ARS and the référent read)."""

    resultat = models.ForeignKey(ResultatAttendu, on_delete=models.CASCADE, related_name="changements")
    de = models.CharField("de", max_length=40, blank=True)
    vers = models.CharField("vers", max_length=40)
    motif = models.CharField("motif", max_length=100)
    le = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["le", "pk"]

    def __str__(self) -> str:
        return f"{self.de or '—'} → {self.vers} ({self.motif})"


class Relance(models.Model):
    """An overdue result escalated to its owner, at most once a day (unique): the small outbox of this context."""

    resultat = models.ForeignKey(ResultatAttendu, on_delete=models.CASCADE, related_name="relances")
    jour = models.DateField("jour")
    destinataire = models.CharField("propriétaire relancé", max_length=40)
    envoye = models.BooleanField("courriel envoyé", default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["resultat", "jour"], name="continuite_une_relance_par_jour")
        ]

    def __str__(self) -> str:
        return f"Relance du résultat n° {self.resultat_id} le {self.jour:%d/%m/%Y}"
