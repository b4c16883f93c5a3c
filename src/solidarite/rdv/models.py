"""Consultation hours, appointments (the minimum of patient data), and the log of every access to them."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q

from solidarite.annuaire.models import LieuSolidaire
from solidarite.planning.models import Mission
from solidarite.rdv.creneaux import Hours


class HorairesConsultation(models.Model):
    lieu = models.OneToOneField(LieuSolidaire, on_delete=models.CASCADE, related_name="horaires_consultation")
    matin_debut = models.TimeField("début du matin", default=dt.time(8, 30), null=True, blank=True)
    matin_fin = models.TimeField("fin du matin", default=dt.time(12, 30), null=True, blank=True)
    apres_midi_debut = models.TimeField(
        "début de l'après-midi", default=dt.time(14, 0), null=True, blank=True
    )
    apres_midi_fin = models.TimeField("fin de l'après-midi", default=dt.time(18, 0), null=True, blank=True)
    duree_minutes = models.PositiveSmallIntegerField("durée d'un créneau (minutes)", default=20)
    battement_minutes = models.PositiveSmallIntegerField("battement entre deux créneaux (minutes)", default=0)

    class Meta:
        verbose_name = "horaires de consultation"
        verbose_name_plural = "horaires de consultation"

    def __str__(self) -> str:
        return f"Horaires — {self.lieu}"

    def hours(self) -> Hours:
        morning = (self.matin_debut, self.matin_fin) if self.matin_debut and self.matin_fin else None
        afternoon = (
            (self.apres_midi_debut, self.apres_midi_fin)
            if self.apres_midi_debut and self.apres_midi_fin
            else None
        )
        return Hours(morning, afternoon, self.duree_minutes, self.battement_minutes)


class RendezVous(models.Model):
    class Statut(models.TextChoices):
        RESERVE = "reserve", "Réservé"
        ANNULE = "annule", "Annulé"
        VU = "vu", "Vu"
        ABSENT = "absent", "Absent (non excusé)"
        EXCUSE = "excuse", "Excusé"

    mission = models.ForeignKey(Mission, on_delete=models.PROTECT, related_name="rendez_vous")
    lieu = models.ForeignKey(LieuSolidaire, on_delete=models.PROTECT, related_name="rendez_vous")
    debut = models.DateTimeField("début")
    fin = models.DateTimeField("fin")
    statut = models.CharField("statut", max_length=8, choices=Statut.choices, default=Statut.RESERVE)
    nom = models.CharField("nom", max_length=100)
    prenom = models.CharField("prénom", max_length=100)
    date_naissance = models.DateField("date de naissance")
    telephone = models.CharField("téléphone", max_length=20, blank=True)
    email = models.EmailField("adresse électronique", blank=True)
    medecin_traitant = models.CharField("médecin traitant", max_length=200, blank=True)
    motif = models.CharField("motif", max_length=300, blank=True)
    cle_idempotence = models.CharField(
        "clé d'idempotence", max_length=100, unique=True, null=True, blank=True
    )
    cree_le = models.DateTimeField("réservé le", auto_now_add=True)
    annule_le = models.DateTimeField("annulé le", null=True, blank=True)

    class Meta:
        verbose_name = "rendez-vous"
        verbose_name_plural = "rendez-vous"
        ordering = ["debut"]
        constraints = [
            # The guarantee: one slot (a mission and a start time), at most one active appointment.
            models.UniqueConstraint(
                fields=["mission", "debut"],
                condition=~Q(statut="annule"),
                name="un_rendez_vous_actif_par_creneau",
            ),
            models.CheckConstraint(
                condition=Q(telephone__gt="") | Q(email__gt=""), name="rendez_vous_joignable"
            ),
        ]
        indexes = [models.Index(fields=["lieu", "debut"])]

    def __str__(self) -> str:
        return f"Rendez-vous n° {self.pk} le {self.debut:%d/%m/%Y %H:%M}"  # no patient data in a string that may be logged


class AccesDonnees(models.Model):
    """Every read or change of an appointment's patient data: who, what, when (never the data itself)."""

    rendez_vous = models.ForeignKey(RendezVous, on_delete=models.CASCADE, related_name="acces")
    action = models.CharField("action", max_length=40)
    par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    canal = models.CharField("canal", max_length=40, help_text="back-office, lien signé, API…")
    le = models.DateTimeField("le", auto_now_add=True)

    class Meta:
        verbose_name = "accès aux données d'un patient"
        verbose_name_plural = "accès aux données des patients"
        ordering = ["-le"]

    def __str__(self) -> str:
        return f"{self.action} — rendez-vous {self.rendez_vous_id}"
