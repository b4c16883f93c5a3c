"""Disponibilités, planning runs (editable proposals) and missions with their dated transitions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from solidarite.annuaire.models import LieuSolidaire, MedecinVolontaire
from solidarite.territoire.models import Region


class Disponibilite(models.Model):
    medecin = models.ForeignKey(MedecinVolontaire, on_delete=models.CASCADE, related_name="disponibilites")
    date = models.DateField("date")
    cree_le = models.DateTimeField("déclarée le", auto_now_add=True)

    class Meta:
        verbose_name = "disponibilité"
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["medecin", "date"], name="une_disponibilite_par_jour")]

    def __str__(self) -> str:
        return f"{self.medecin} — {self.date:%d/%m/%Y}"


class PlanningRun(models.Model):
    """A solve of one region's month: queued by the ARS page, computed by the worker (planning/tasks.py),
    then an editable draft until published. `calcul` is the solve's progress, shown in the page."""

    class Statut(models.TextChoices):
        BROUILLON = "brouillon", "Brouillon"
        PUBLIE = "publie", "Publié"

    class Calcul(models.TextChoices):
        EN_FILE = "en_file", "En file d'attente"
        EN_COURS = "en_cours", "En cours"
        TERMINE = "termine", "Terminé"
        ECHEC = "echec", "Échec"

    class Etape(models.TextChoices):
        """The stages a solve reports while it runs (the optimiser's `progress` callback)."""

        ARCS = "arcs", "arcs"
        RESOLUTION = "resolution", "résolution"
        TRAJETS = "trajets", "trajets"

    EN_ATTENTE = (Calcul.EN_FILE, Calcul.EN_COURS)

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name="région")
    mois = models.DateField("mois (premier jour)")
    statut = models.CharField("statut", max_length=10, choices=Statut.choices, default=Statut.BROUILLON)
    resultat = models.JSONField("résultat de l'optimiseur", default=dict)
    cree_le = models.DateTimeField("calculé le", auto_now_add=True)
    cree_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="par"
    )
    publie_le = models.DateTimeField("publié le", null=True, blank=True)
    # Runs made before solves left the request were computed at once: "terminé" by default.
    calcul = models.CharField("calcul", max_length=10, choices=Calcul.choices, default=Calcul.TERMINE)
    calcul_commence_le = models.DateTimeField("calcul commencé le", null=True, blank=True)
    calcul_erreur = models.TextField("erreur du calcul", blank=True)
    # Written by the worker during the solve, read by the ARS page as it polls.
    calcul_etape = models.CharField("étape du calcul", max_length=10, choices=Etape.choices, blank=True)
    calcul_borne = models.FloatField(
        "meilleure borne connue",
        null=True,
        blank=True,
        help_text="Majorant prouvé de la priorité pondérée couverte, le meilleur connu à ce point du calcul.",
    )

    class Meta:
        verbose_name = "planning calculé"
        verbose_name_plural = "plannings calculés"
        ordering = ["-cree_le"]

    def __str__(self) -> str:
        return f"{self.region.nom} — {self.mois:%m/%Y} ({self.get_statut_display().lower()})"


class Proposition(models.Model):
    """One assignment of a planning run, which the ARS may move or remove before publishing."""

    run = models.ForeignKey(PlanningRun, on_delete=models.CASCADE, related_name="propositions")
    medecin = models.ForeignKey(MedecinVolontaire, on_delete=models.CASCADE, related_name="+")
    lieu = models.ForeignKey(LieuSolidaire, on_delete=models.CASCADE, related_name="+")
    date = models.DateField("date")

    class Meta:
        ordering = ["date", "lieu"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "medecin", "date"], name="une_proposition_par_medecin_et_jour"
            )
        ]

    def __str__(self) -> str:
        return f"{self.medecin} → {self.lieu} le {self.date:%d/%m/%Y}"


class Mission(models.Model):
    class Statut(models.TextChoices):
        PROPOSEE = "proposee", "Proposée"
        CONFIRMEE = "confirmee", "Confirmée"
        REALISEE = "realisee", "Réalisée"
        ANNULEE = "annulee", "Annulée"

    ACTIVES = (Statut.PROPOSEE, Statut.CONFIRMEE)

    medecin = models.ForeignKey(MedecinVolontaire, on_delete=models.PROTECT, related_name="missions")
    lieu = models.ForeignKey(LieuSolidaire, on_delete=models.PROTECT, related_name="missions")
    date = models.DateField("date")
    statut = models.CharField("statut", max_length=10, choices=Statut.choices, default=Statut.PROPOSEE)
    run = models.ForeignKey(
        PlanningRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="missions"
    )
    cree_le = models.DateTimeField("créée le", auto_now_add=True)
    # Set when the volunteer declines the proposed mission (ADR 0003, révision du 5 décembre 2026): False, the
    # day left their disponibilités with the decline; True, they stay available that day for another lieu
    # (never this one again that day). None: not declined, or declined before the question was asked.
    reste_disponible = models.BooleanField(
        "reste disponible ce jour-là après son refus", null=True, blank=True, default=None
    )

    class Meta:
        verbose_name = "mission"
        ordering = ["date", "lieu"]
        constraints = [
            models.UniqueConstraint(
                fields=["medecin", "date"],
                condition=Q(statut__in=["proposee", "confirmee"]),
                name="une_mission_active_par_jour",
            )
        ]
        indexes = [models.Index(fields=["lieu", "date"])]

    def __str__(self) -> str:
        return f"{self.medecin} à {self.lieu.nom} le {self.date:%d/%m/%Y}"


class MissionTransition(models.Model):
    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="transitions")
    de = models.CharField("de", max_length=10, choices=Mission.Statut.choices, blank=True)
    vers = models.CharField("vers", max_length=10, choices=Mission.Statut.choices)
    le = models.DateTimeField("le", auto_now_add=True)
    par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    commentaire = models.TextField("commentaire", blank=True)

    class Meta:
        ordering = ["le", "pk"]

    def __str__(self) -> str:
        return f"{self.mission} : {self.de or '—'} → {self.vers}"
