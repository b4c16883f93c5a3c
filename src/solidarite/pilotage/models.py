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
    DELETE (PostgreSQL triggers; UPDATE only on SQLite, see migration 0001_initial); a correction is a new version of the same quarter, with its reason. `contenu` is the CSV exactly as published
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
