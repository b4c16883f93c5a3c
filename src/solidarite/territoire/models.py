"""The territory of France: régions, départements, EPCI, communes (COG 2025 by default).

Reference data, written only by `load_territoire` (see `loading.py`); the rest of the platform
reads it. Natural keys (code INSEE, SIREN) are unique and indexed.
"""

from __future__ import annotations

import re
import unicodedata

from django.db import models

ZONE_CHOICES = [
    ("metro", "France métropolitaine"),
    ("drom", "Outre-mer (DROM)"),
    ("com", "Collectivité d'outre-mer"),
]


def normalise_nom(text: str) -> str:
    """Lower case, no accents, hyphens and apostrophes as spaces, "st"/"ste" spelled out.

    "Saint-Étienne", "saint etienne" and "St Etienne" all give "saint etienne".
    """
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    plain = plain.replace("œ", "oe").replace("æ", "ae")
    words = re.sub(r"[^a-z0-9]+", " ", plain).split()
    spelled = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
    return " ".join(spelled.get(word, word) for word in words)


class Region(models.Model):
    code = models.CharField("code", max_length=3, unique=True)
    nom = models.CharField("nom", max_length=100)
    zone = models.CharField("zone", max_length=5, choices=ZONE_CHOICES)
    chef_lieu = models.CharField("chef-lieu (code INSEE)", max_length=5, blank=True)

    class Meta:
        verbose_name = "région"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.nom


class Departement(models.Model):
    code = models.CharField("code", max_length=3, unique=True)
    nom = models.CharField("nom", max_length=100)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="departements", verbose_name="région"
    )
    zone = models.CharField("zone", max_length=5, choices=ZONE_CHOICES)
    chef_lieu = models.CharField("chef-lieu (code INSEE)", max_length=5, blank=True)

    class Meta:
        verbose_name = "département"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.nom} ({self.code})"


class Epci(models.Model):
    class Type(models.TextChoices):
        CC = "CC", "Communauté de communes"
        CA = "CA", "Communauté d'agglomération"
        CU = "CU", "Communauté urbaine"
        METRO = "METRO", "Métropole"
        MET69 = "MET69", "Métropole de Lyon"

    siren = models.CharField("SIREN", max_length=9, unique=True)
    nom = models.CharField("nom", max_length=200)
    type = models.CharField("type", max_length=5, choices=Type.choices)
    mode_financement = models.CharField("mode de financement", max_length=10, blank=True)
    population_totale = models.PositiveIntegerField("population totale")
    population_municipale = models.PositiveIntegerField("population municipale")

    class Meta:
        verbose_name = "EPCI"
        verbose_name_plural = "EPCI"
        ordering = ["nom"]

    def __str__(self) -> str:
        return self.nom


class Commune(models.Model):
    """A current commune, or a municipal arrondissement of Paris, Lyon or Marseille."""

    class Type(models.TextChoices):
        COMMUNE = "commune", "Commune"
        ARRONDISSEMENT = "arrondissement_municipal", "Arrondissement municipal"

    code_insee = models.CharField("code INSEE", max_length=5, unique=True)
    nom = models.CharField("nom", max_length=200)
    nom_normalise = models.CharField(
        "nom normalisé (recherche)", max_length=200, db_index=True, editable=False
    )
    type = models.CharField("type", max_length=24, choices=Type.choices, default=Type.COMMUNE)
    departement = models.ForeignKey(
        Departement, on_delete=models.PROTECT, related_name="communes", verbose_name="département"
    )
    epci = models.ForeignKey(
        Epci, on_delete=models.PROTECT, related_name="communes", null=True, blank=True, verbose_name="EPCI"
    )
    commune_parente = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        related_name="arrondissements",
        null=True,
        blank=True,
        verbose_name="commune (des arrondissements municipaux)",
    )
    zone = models.CharField("zone", max_length=5, choices=ZONE_CHOICES)
    population = models.PositiveIntegerField("population (INSEE)", null=True, blank=True)
    latitude = models.FloatField("latitude", null=True, blank=True)
    longitude = models.FloatField("longitude", null=True, blank=True)
    coordonnees_source = models.CharField("origine des coordonnées", max_length=32, blank=True)

    class Meta:
        verbose_name = "commune"
        ordering = ["nom"]
        indexes = [models.Index(fields=["departement", "nom"]), models.Index(fields=["epci", "nom"])]

    def __str__(self) -> str:
        return f"{self.nom} ({self.code_insee})"

    @property
    def region(self) -> Region:
        return self.departement.region

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class CodePostal(models.Model):
    code = models.CharField("code postal", max_length=5, db_index=True)
    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="codes_postaux")

    class Meta:
        verbose_name = "code postal"
        verbose_name_plural = "codes postaux"
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["code", "commune"], name="code_postal_commune_unique")]

    def __str__(self) -> str:
        return self.code


class CommuneDeleguee(models.Model):
    """A former commune kept as commune déléguée or associée: people still search for it by name."""

    class Type(models.TextChoices):
        DELEGUEE = "deleguee", "Commune déléguée"
        ASSOCIEE = "associee", "Commune associée"

    code_insee = models.CharField("code INSEE", max_length=5)
    nom = models.CharField("nom", max_length=200)
    nom_normalise = models.CharField(
        "nom normalisé (recherche)", max_length=200, db_index=True, editable=False
    )
    type = models.CharField("type", max_length=8, choices=Type.choices)
    commune = models.ForeignKey(
        Commune,
        on_delete=models.CASCADE,
        related_name="communes_deleguees",
        verbose_name="commune de rattachement",
    )

    class Meta:
        verbose_name = "commune déléguée ou associée"
        verbose_name_plural = "communes déléguées ou associées"
        ordering = ["nom"]
        constraints = [models.UniqueConstraint(fields=["code_insee", "type"], name="commune_deleguee_unique")]

    def __str__(self) -> str:
        return f"{self.nom} ({self.get_type_display().lower()} de {self.commune.nom})"


class AgentArs(models.Model):
    """A user who works for the ARS of one region: they see and adjust only that region.

    Kept in `territoire` (not `annuaire`) because the zonage, upstream of the annuaire, must check it
    (docs/decisions/0002).
    """

    user = models.OneToOneField(
        "auth.User", on_delete=models.CASCADE, related_name="agent_ars", verbose_name="compte"
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="agents_ars", verbose_name="région de l'ARS"
    )

    class Meta:
        verbose_name = "agent d'ARS"
        verbose_name_plural = "agents d'ARS"

    def __str__(self) -> str:
        return f"{self.user.get_username()} (ARS {self.region.nom})"
