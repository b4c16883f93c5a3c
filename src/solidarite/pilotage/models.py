"""The pilotage context's own records."""

# Publications of quarterly indicators (docs/decisions/0018) ------------------------------------------------

from typing import Any

from django.conf import settings
from django.db import DatabaseError, models
from django.db.models import Q

NEVER_REWRITTEN = "Un trimestre publié n'est jamais réécrit : publiez une nouvelle version avec son motif."


class PublicationQuerySet(models.QuerySet["PublicationTrimestre"]):
    def delete(self) -> Any:
        raise DatabaseError(NEVER_REWRITTEN)

    def update(self, **kwargs: Any) -> int:
        raise DatabaseError(NEVER_REWRITTEN)


class PublicationTrimestre(models.Model):
    """One published version of a quarter's indicators per département (open data, Licence Ouverte 2.0).

    Never rewritten: the ORM refuses to save an existing row or delete one, and the database refuses UPDATE and
    DELETE (PostgreSQL triggers; UPDATE only on SQLite, see migration 0001_initial); a correction is a new version
    of the same quarter, with its reason. `contenu` is the CSV exactly as published
    (its SHA-256 beside it), so a download today gives the bytes of the day it was published."""

    trimestre = models.CharField("trimestre (AAAAT1 à AAAAT4)", max_length=6)
    version = models.PositiveSmallIntegerField("version")
    motif = models.TextField("motif de la correction", blank=True)
    publie_le = models.DateTimeField("publié le", auto_now_add=True)
    publie_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    schema_version = models.CharField("version du schéma", max_length=10)
    lignes = models.PositiveIntegerField("lignes (départements)")
    contenu = models.TextField("CSV publié")
    empreinte = models.CharField("empreinte SHA-256 du CSV", max_length=64)

    objects = PublicationQuerySet.as_manager()

    class Meta:
        verbose_name = "publication trimestrielle"
        verbose_name_plural = "publications trimestrielles"
        ordering = ["-trimestre", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["trimestre", "version"], name="une_version_par_trimestre"),
            models.CheckConstraint(condition=Q(version=1) | ~Q(motif=""), name="correction_avec_motif"),
        ]

    def __str__(self) -> str:
        return f"Indicateurs {self.trimestre}, version {self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise DatabaseError(NEVER_REWRITTEN)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise DatabaseError(NEVER_REWRITTEN)


# Simulations ---------------------------------------------------------------------------------------------


class Simulation(models.Model):
    """One run of the impact simulator (docs/decisions/0019): its parameters, its progress while the worker
    computes it, then its result (aggregate figures only, no personal data). Cancelling deletes the row: a
    cancelled simulation leaves nothing behind; the result is written once, at the end, in one transaction."""

    class Etat(models.TextChoices):
        EN_FILE = "en_file", "En file d'attente"
        EN_COURS = "en_cours", "En cours"
        TERMINEE = "terminee", "Terminée"
        ECHEC = "echec", "Échec"

    cree_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="demandée par",
    )
    cree_le = models.DateTimeField("demandée le", auto_now_add=True)
    volontaires = models.PositiveIntegerField("volontaires simulés")
    seeds = models.PositiveSmallIntegerField("tirages")
    mois = models.PositiveSmallIntegerField("mois échantillonnés")
    couverture = models.FloatField("couverture visée (part de la cible)")
    etat = models.CharField("état", max_length=10, choices=Etat.choices, default=Etat.EN_FILE)
    progression = models.PositiveSmallIntegerField("progression (%)", default=0)
    etape = models.CharField("étape", max_length=200, blank=True)
    commencee_le = models.DateTimeField("commencée le", null=True, blank=True)
    terminee_le = models.DateTimeField("terminée le", null=True, blank=True)
    resultat = models.JSONField("résultat", null=True, blank=True)
    erreur = models.TextField("erreur", blank=True)

    class Meta:
        verbose_name = "simulation d'impact"
        verbose_name_plural = "simulations d'impact"
        ordering = ["-cree_le"]

    def __str__(self) -> str:
        return f"Simulation {self.pk} — {self.volontaires} volontaires ({self.get_etat_display().lower()})"
