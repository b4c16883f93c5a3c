"""Realised mission days, monthly statements (relevés mensuels), their lines and their journal (issue 21).

The guarantees are the database's: one realised day per mission; one statement per volunteer, month and region;
a mission's day in exactly one statement (`un_jour_dans_un_seul_releve`: a partial unique constraint on the
day lines); a journal that is never changed or deleted. No bank details anywhere: the CPAM pays the doctor
where it already pays their consultations (docs/decisions/0015-indemnisation.md).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from solidarite.annuaire.models import MedecinVolontaire
from solidarite.indemnisation import calcul
from solidarite.planning.models import Mission
from solidarite.territoire.models import Region

REFUSED = "Le journal des relevés ne se modifie pas et ne s'efface pas."


class JourRealise(models.Model):
    """A mission confirmed as done, full or half day, by its doctor or a référent of its lieu, after the day."""

    class Nature(models.TextChoices):
        JOURNEE = calcul.JOURNEE, "Journée"
        DEMI_JOURNEE = calcul.DEMI_JOURNEE, "Demi-journée"

    mission = models.OneToOneField(Mission, on_delete=models.PROTECT, related_name="jour_realise")
    nature = models.CharField("nature", max_length=12, choices=Nature.choices, default=Nature.JOURNEE)
    consultations = models.PositiveIntegerField("consultations du jour (pour information)", default=0)
    confirme_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirme_le = models.DateTimeField("confirmée le")

    class Meta:
        verbose_name = "journée réalisée"
        verbose_name_plural = "journées réalisées"

    def __str__(self) -> str:
        return f"{self.mission} ({self.get_nature_display().lower()})"


class JourRetire(models.Model):
    """A realised day withdrawn by the ARS (the doctor did not come, a duplicate, a day over the cap): its reason
    kept, and the day never confirmed again by the doctor or a référent (the mission stays « réalisée »)."""

    mission = models.OneToOneField(Mission, on_delete=models.PROTECT, related_name="jour_retire")
    motif = models.CharField("motif du retrait", max_length=1000)
    par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    le = models.DateTimeField("retirée le", auto_now_add=True)

    class Meta:
        verbose_name = "journée retirée"
        verbose_name_plural = "journées retirées"

    def __str__(self) -> str:
        return f"{self.mission} (retirée)"


class Releve(models.Model):
    """The monthly statement of one volunteer for the missions of one region."""

    class Statut(models.TextChoices):
        BROUILLON = "brouillon", "Brouillon"
        VALIDE = "valide", "Validé par l'ARS"
        TRANSMIS = "transmis", "Transmis à la CPAM"
        PAYE = "paye", "Payé"
        CONTESTE = "conteste", "Contesté"

    FIGES = (Statut.VALIDE, Statut.TRANSMIS, Statut.PAYE, Statut.CONTESTE)  # never rebuilt nor edited

    medecin = models.ForeignKey(MedecinVolontaire, on_delete=models.PROTECT, related_name="releves")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name="région")
    mois = models.DateField("mois (premier jour)")
    statut = models.CharField("statut", max_length=10, choices=Statut.choices, default=Statut.BROUILLON)
    total = models.DecimalField("total (€)", max_digits=10, decimal_places=2, default=0)
    anomalies = models.JSONField("anomalies", default=list, blank=True)
    cpam = models.CharField("CPAM (département du médecin)", max_length=3)
    cree_le = models.DateTimeField("calculé le", auto_now_add=True)
    valide_le = models.DateTimeField("validé le", null=True, blank=True)
    valide_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    transmis_le = models.DateTimeField("transmis le", null=True, blank=True)
    paye_le = models.DateTimeField("payé le", null=True, blank=True)
    motif_contestation = models.TextField("motif de la contestation", blank=True)

    class Meta:
        verbose_name = "relevé mensuel"
        verbose_name_plural = "relevés mensuels"
        ordering = ["-mois", "medecin__nom"]
        constraints = [
            models.UniqueConstraint(
                fields=["medecin", "mois", "region"], name="un_releve_par_mois_et_region"
            ),
            models.CheckConstraint(condition=Q(mois__day=1), name="releve_mois_premier_jour"),
        ]
        indexes = [models.Index(fields=["region", "mois"])]

    def __str__(self) -> str:
        return f"Relevé de {self.medecin} — {self.mois:%m/%Y}"


class LigneReleve(models.Model):
    """A line: a realised day at the amount in force on its date, or an adjustment of a day paid before."""

    class Genre(models.TextChoices):
        JOUR = calcul.LIGNE_JOUR, "Journée"
        AJUSTEMENT = calcul.LIGNE_AJUSTEMENT, "Ajustement"

    releve = models.ForeignKey(Releve, on_delete=models.CASCADE, related_name="lignes")
    genre = models.CharField("genre", max_length=10, choices=Genre.choices)
    mission = models.ForeignKey(Mission, on_delete=models.PROTECT, related_name="+")
    date = models.DateField("date")
    nature = models.CharField("nature", max_length=12, blank=True)
    taux = models.DecimalField("montant en vigueur ce jour (€)", max_digits=8, decimal_places=2)
    montant = models.DecimalField("montant (€)", max_digits=8, decimal_places=2)
    consultations = models.PositiveIntegerField("consultations", default=0)
    motif = models.CharField("motif", max_length=200, blank=True)

    class Meta:
        verbose_name = "ligne de relevé"
        ordering = ["date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["mission"], condition=Q(genre="jour"), name="un_jour_dans_un_seul_releve"
            ),
            models.CheckConstraint(
                condition=Q(genre="ajustement") | Q(montant__gte=0), name="ligne_jour_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_genre_display()} du {self.date:%d/%m/%Y} : {self.montant} €"


class CalculMois(models.Model):
    """The month's run (national, or one region's): its progress, shown on the ARS page while the worker runs."""

    class Etat(models.TextChoices):
        EN_FILE = "en_file", "En file"
        EN_COURS = "en_cours", "En cours"
        TERMINE = "termine", "Terminé"
        ECHEC = "echec", "Échec"

    EN_ATTENTE = (Etat.EN_FILE, Etat.EN_COURS)

    mois = models.DateField("mois (premier jour)")
    region = models.ForeignKey(Region, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    etat = models.CharField("état", max_length=10, choices=Etat.choices, default=Etat.EN_FILE)
    etape = models.CharField("étape", max_length=100, blank=True)
    avancement = models.PositiveSmallIntegerField("avancement (%)", default=0)
    resultat = models.JSONField("résultat", default=dict, blank=True)
    erreur = models.TextField("erreur", blank=True)
    cree_le = models.DateTimeField("demandé le", auto_now_add=True)
    cree_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-cree_le"]

    def __str__(self) -> str:
        return f"Calcul des relevés de {self.mois:%m/%Y} ({self.get_etat_display().lower()})"


class EtapeReleve(models.Model):
    """The statement's journal: each step, dated and attributed (append-only, like rdv's audit log)."""

    releve = models.ForeignKey(Releve, on_delete=models.PROTECT, related_name="etapes")
    de = models.CharField("de", max_length=10, blank=True)
    vers = models.CharField("vers", max_length=10)
    le = models.DateTimeField("le", auto_now_add=True)
    par_id = models.IntegerField("compte (identifiant)", null=True, blank=True)
    par_nom = models.CharField("compte (nom d'utilisateur à ce moment)", max_length=150, blank=True)
    commentaire = models.TextField("commentaire", blank=True)

    class Meta:
        ordering = ["le", "pk"]

    def __str__(self) -> str:
        return f"{self.releve} : {self.de or '—'} → {self.vers}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError(REFUSED)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError(REFUSED)

    @property
    def libelle(self) -> str:
        """The step in words (« Payé », « Validé par l'ARS »), not its code."""
        return str(dict(Releve.Statut.choices).get(self.vers, self.vers))
