"""External identities, professionals' sessions and development links."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Fournisseur(models.TextChoices):
    PSC = "psc", "Pro Santé Connect"
    PROCONNECT = "proconnect", "ProConnect"
    FRANCECONNECT = "franceconnect", "FranceConnect"
    DEV = "dev", "Connexion de développement"


class IdentiteExterne(models.Model):
    """A provider's `sub` bound to an account: the next login matches by it. Only the `sub` is kept, never the
    identity traits the provider sent."""

    fournisseur = models.CharField("fournisseur", max_length=16, choices=Fournisseur.choices)
    sub = models.CharField("identifiant chez le fournisseur (sub)", max_length=255)
    compte = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="identites", verbose_name="compte"
    )
    cree_le = models.DateTimeField("créée le", auto_now_add=True)
    derniere_connexion = models.DateTimeField("dernière connexion")
    acr = models.CharField("niveau d'authentification (acr)", max_length=100, blank=True)
    amr = models.JSONField("méthodes d'authentification (amr)", default=list, blank=True)

    class Meta:
        verbose_name = "identité externe"
        verbose_name_plural = "identités externes"
        constraints = [models.UniqueConstraint(fields=["fournisseur", "sub"], name="identite_unique")]

    def __str__(self) -> str:
        return f"{self.get_fournisseur_display()} → {self.compte_id}"


class SessionPro(models.Model):
    """One login of a person: the session refers to it; once `fin` is set, the session is refused."""

    compte = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sessions_pro", verbose_name="compte"
    )
    fournisseur = models.CharField("fournisseur", max_length=16, choices=Fournisseur.choices)
    debut = models.DateTimeField("ouverte le", auto_now_add=True)
    fin = models.DateTimeField("fermée le", null=True, blank=True)
    motif_fin = models.CharField("motif de fermeture", max_length=100, blank=True)

    class Meta:
        verbose_name = "session d'un professionnel"
        verbose_name_plural = "sessions des professionnels"
        indexes = [models.Index(fields=["compte", "fin"])]

    def __str__(self) -> str:
        return f"Session {self.pk} ({self.get_fournisseur_display()})"


class LienDeConnexion(models.Model):
    """A development login link: only the SHA-256 of its secret is kept; used once, within ten minutes."""

    empreinte = models.CharField("empreinte du secret", max_length=64, unique=True)
    email = models.EmailField("adresse")
    cree_le = models.DateTimeField("créé le", auto_now_add=True)
    utilise_le = models.DateTimeField("utilisé le", null=True, blank=True)

    class Meta:
        verbose_name = "lien de connexion (développement)"
        verbose_name_plural = "liens de connexion (développement)"

    def __str__(self) -> str:
        return f"Lien {self.pk}"


class RendezVousDuCompte(models.Model):
    """An appointment booked (or moved) by a patient signed in with FranceConnect: listed on « Mes rendez-vous ».
    The signed link keeps working without the account."""

    compte = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="rendez_vous_lies",
        verbose_name="compte",
    )
    rendez_vous = models.OneToOneField(
        "rdv.RendezVous", on_delete=models.CASCADE, related_name="compte_patient", verbose_name="rendez-vous"
    )
    lie_le = models.DateTimeField("rattaché le", auto_now_add=True)

    class Meta:
        verbose_name = "rendez-vous d'un compte patient"
        verbose_name_plural = "rendez-vous des comptes patients"

    def __str__(self) -> str:
        return f"Rendez-vous {self.rendez_vous_id} du compte {self.compte_id}"
