"""The pilotage context's own records."""

# Simulations ---------------------------------------------------------------------------------------------

from django.conf import settings
from django.db import models


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
