"""The pilotage context's own records."""

# Publications of quarterly indicators (docs/decisions/0018) ------------------------------------------------

from django.conf import settings
from django.db import models
from django.db.models import Q


class PublicationTrimestre(models.Model):
    """One published version of a quarter's indicators per département (open data, Licence Ouverte 2.0).

    Never rewritten: the database refuses UPDATE and DELETE of a row (triggers, migration 0001_initial); a
    correction is a new version of the same quarter, with its reason. `contenu` is the CSV exactly as published
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
