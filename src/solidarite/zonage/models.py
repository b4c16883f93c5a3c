"""Campaigns of zonage: the computed proposal, ARS adjustments, the final list; official lists."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from solidarite.territoire.models import Epci, Region


class Campagne(models.Model):
    version = models.PositiveIntegerField("version", unique=True)
    nom = models.CharField("nom", max_length=200)
    cree_le = models.DateTimeField("créée le", auto_now_add=True)
    cree_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="créée par",
    )
    parametres = models.JSONField("paramètres")
    millesimes = models.JSONField("millésimes des données")
    diagnostics = models.JSONField("diagnostics", default=dict)
    resume = models.JSONField("résumé", default=dict)
    empreinte = models.CharField("empreinte du résultat", max_length=64, db_index=True)
    active = models.BooleanField("zones actives", default=False)

    class Meta:
        verbose_name = "campagne de zonage"
        verbose_name_plural = "campagnes de zonage"
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["active"], condition=Q(active=True), name="une_seule_campagne_active"
            )
        ]

    def __str__(self) -> str:
        return f"v{self.version} — {self.nom}"


class ResultatEpci(models.Model):
    campagne = models.ForeignKey(Campagne, on_delete=models.CASCADE, related_name="resultats")
    epci = models.ForeignKey(
        Epci, on_delete=models.PROTECT, related_name="resultats_zonage", verbose_name="EPCI"
    )
    rang = models.PositiveIntegerField("rang")
    score = models.FloatField("score", null=True, blank=True)
    nb_fragilites = models.PositiveSmallIntegerField("fragilités")
    selectionnee_calcul = models.BooleanField("retenue par le calcul")
    criteres = models.JSONField("critères")
    explication = models.TextField("explication")
    rang_region = models.PositiveIntegerField("rang dans sa région", default=0)
    # In points of `score`: of the composite, or of the share of the vote's methods (ADR 0021).
    ecart_seuil = models.FloatField("écart au seuil (points du score)", null=True, blank=True)
    critere_decisif = models.CharField("critère décisif", max_length=40, blank=True)
    # The fragility itself (composite of the principal method, 0–100): `score` without a vote (ADR 0021).
    score_fragilite = models.FloatField("score des fragilités", null=True, blank=True)

    class Meta:
        verbose_name = "résultat par EPCI"
        verbose_name_plural = "résultats par EPCI"
        ordering = ["campagne", "rang"]
        constraints = [
            models.UniqueConstraint(fields=["campagne", "epci"], name="resultat_unique_par_campagne")
        ]
        indexes = [models.Index(fields=["campagne", "rang"])]

    def __str__(self) -> str:
        # The EPCI's name when it was read with the result, else no query: the back office's confirmation of a
        # campaign's deletion names its 1,255 results, and read each one's EPCI in its own query (seconds; over 30 s
        # on a loaded machine, where CI's CSP crawl timed out).
        if ResultatEpci.epci.is_cached(self):
            return f"{self.epci} — rang {self.rang}"
        return f"Résultat n° {self.pk} — rang {self.rang}"


class Ajustement(models.Model):
    class Action(models.TextChoices):
        AJOUT = "ajout", "Ajout à la liste"
        RETRAIT = "retrait", "Retrait de la liste"

    campagne = models.ForeignKey(Campagne, on_delete=models.CASCADE, related_name="ajustements")
    epci = models.ForeignKey(
        Epci, on_delete=models.PROTECT, related_name="ajustements_zonage", verbose_name="EPCI"
    )
    action = models.CharField("action", max_length=8, choices=Action.choices)
    motif = models.TextField("motif")
    auteur = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="auteur"
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name="ARS")
    cree_le = models.DateTimeField("le", auto_now_add=True)

    class Meta:
        verbose_name = "ajustement de l'ARS"
        verbose_name_plural = "ajustements des ARS"
        ordering = ["-cree_le"]
        constraints = [models.UniqueConstraint(fields=["campagne", "epci"], name="un_ajustement_par_epci")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} : {self.epci}"


class ListeOfficielle(models.Model):
    nom = models.CharField("nom", max_length=200)
    date = models.DateField("date de la liste")
    source = models.CharField("source", max_length=500)
    importee_le = models.DateTimeField("importée le", auto_now_add=True)
    importee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="importée par",
    )
    epcis = models.ManyToManyField(Epci, through="ListeOfficielleEpci", related_name="+")

    class Meta:
        verbose_name = "liste officielle"
        verbose_name_plural = "listes officielles"
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.nom} ({self.date:%d/%m/%Y})"


class ListeOfficielleEpci(models.Model):
    liste = models.ForeignKey(ListeOfficielle, on_delete=models.CASCADE, related_name="lignes")
    epci = models.ForeignKey(Epci, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["liste", "epci"], name="epci_unique_par_liste")]

    def __str__(self) -> str:
        return f"{self.epci} ({self.liste})"
