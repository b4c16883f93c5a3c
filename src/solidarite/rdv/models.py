"""Consultation hours, appointments (the minimum of patient data), the waitlist and the messages; the log of
every access to them is `rdv.audit.AccesDonnees`."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from solidarite.annuaire.models import LieuSolidaire
from solidarite.planning.models import Mission
from solidarite.rdv.audit import AccesDonnees  # noqa: F401  (the access log, re-exported for its callers)
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
        # A period has both its times or neither (clean() says it in French; the database holds it against any
        # other write). Rows saved half-filled before the rule lost their lone time in migration 0016.
        constraints = [
            models.CheckConstraint(
                condition=Q(**{f"{start}__isnull": True, f"{end}__isnull": True})
                | Q(**{f"{start}__isnull": False, f"{end}__isnull": False}),
                name=f"horaires_{start.removesuffix('_debut')}_plage_entiere",
                violation_error_message="Une plage de consultation a ses deux heures ou aucune.",
            )
            for start, end in (("matin_debut", "matin_fin"), ("apres_midi_debut", "apres_midi_fin"))
        ]

    def __str__(self) -> str:
        return f"Horaires — {self.lieu}"

    # Each period: its two fields, and its words in the messages (« la fin du matin », « consultation le matin »).
    PERIODS = (
        ("matin_debut", "matin_fin", "du matin", "le matin"),
        ("apres_midi_debut", "apres_midi_fin", "de l'après-midi", "l'après-midi"),
    )

    def clean(self) -> None:
        """Each period has both its times or neither, at least one period is given, and the rules of Hours
        (periods in order, a lunch break between them, lengths within bounds), in French, wherever the hours are
        edited (back office or any model form). hours() leaves out a period that lacks a time: a half-filled
        morning took the morning's slots away without a word, four empty times every slot of the lieu."""
        errors: dict[str, str] = {}
        for start, end, of_period, when in self.PERIODS:
            missing = [f for f in (start, end) if getattr(self, f) is None]
            if len(missing) == 1:
                absent, given = ("début", "la fin") if missing[0] == start else ("fin", "le début")
                article = "le" if absent == "début" else "la"
                errors[missing[0]] = (
                    f"Indiquez aussi {article} {absent} {of_period}, ou effacez {given} s'il n'y a pas de "
                    f"consultation {when} : une plage a ses deux heures ou aucune."
                )
        if errors:
            raise ValidationError(errors)
        if all(getattr(self, f) is None for period in self.PERIODS for f in period[:2]):
            raise ValidationError(
                "Indiquez au moins une plage de consultation : le début et la fin du matin, de l'après-midi, "
                "ou des deux. Sans plage, le lieu ne propose aucun créneau."
            )
        if self.duree_minutes is None or self.battement_minutes is None:
            return  # the field itself is reported missing
        try:
            self.hours()
        except ValueError as exc:
            raise ValidationError(str(exc)) from None

    def hours(self) -> Hours:
        morning = (self.matin_debut, self.matin_fin) if self.matin_debut and self.matin_fin else None
        afternoon = (
            (self.apres_midi_debut, self.apres_midi_fin)
            if self.apres_midi_debut and self.apres_midi_fin
            else None
        )
        return Hours(morning, afternoon, self.duree_minutes, self.battement_minutes)


class MotifAnnulation(models.TextChoices):
    PATIENT = "patient", "Annulé par le patient"
    DEPLACE = "deplace", "Déplacé par le patient"
    MISSION = "mission", "Mission du médecin annulée"


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
    # The API's Idempotency-Key, unique per caller (rdv.idempotence): the caller and the body as keyed hashes.
    # NULL without a key: such rows stay outside the unique constraint on (caller, key).
    cle_idempotence = models.CharField("clé d'idempotence", max_length=100, null=True, blank=True)  # noqa: DJ001
    appelant_idempotence = models.CharField(  # noqa: DJ001
        "appelant (empreinte)", max_length=64, null=True, blank=True, editable=False
    )
    empreinte_idempotence = models.CharField(
        "empreinte de la demande", max_length=64, blank=True, editable=False
    )
    cree_le = models.DateTimeField("réservé le", auto_now_add=True)
    annule_le = models.DateTimeField("annulé le", null=True, blank=True)
    motif_annulation = models.CharField(
        "motif d'annulation", max_length=12, choices=MotifAnnulation.choices, blank=True
    )
    remplace_par = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="remplace",
        verbose_name="déplacé vers",
    )
    statut_le = models.DateTimeField("présence notée le", null=True, blank=True)
    # One person, one appointment a day at a lieu (decision 0004, 6 December 2026): the day (the mission's, the
    # lieu's local date) and the person (rdv.patients.identity_key: a keyed hash of the normalised name, first
    # name and birth date), written by the booking and the move. NULL for rows written otherwise (demonstration,
    # before the rule), which the constraint leaves out.
    jour = models.DateField("jour", null=True, blank=True, editable=False)
    identite = models.CharField(  # noqa: DJ001
        "patient (empreinte)", max_length=64, null=True, blank=True, editable=False
    )

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
            # In a zone rouge slots are scarce: one person, at most one active appointment a day at a lieu.
            models.UniqueConstraint(
                fields=["lieu", "jour", "identite"],
                condition=~Q(statut="annule"),
                name="un_rendez_vous_actif_par_patient_lieu_jour",
            ),
            models.CheckConstraint(
                condition=Q(telephone__gt="") | Q(email__gt=""), name="rendez_vous_joignable"
            ),
            # An Idempotency-Key is its caller's: another caller's same key is another key (its unique index
            # is the one lookup a booking with a key costs).
            models.UniqueConstraint(
                fields=["appelant_idempotence", "cle_idempotence"], name="une_cle_idempotence_par_appelant"
            ),
        ]
        indexes = [models.Index(fields=["lieu", "debut"])]

    def __str__(self) -> str:
        return f"Rendez-vous n° {self.pk} le {self.debut:%d/%m/%Y %H:%M}"  # no patient data in a string that may be logged


class InscriptionAttente(models.Model):
    """A patient who found no slot that suits them: told when one frees up at the lieu, within a period.

    At most `liste_attente_messages_max` messages per person, one a day at most, none in the last
    `liste_attente_arret_jours` days of the period (dated parameters).
    """

    class Statut(models.TextChoices):
        ACTIVE = "active", "Active"
        RETIREE = "retiree", "Retirée par le patient"
        TERMINEE = "terminee", "Terminée"

    lieu = models.ForeignKey(LieuSolidaire, on_delete=models.CASCADE, related_name="inscriptions_attente")
    du = models.DateField("à partir du")
    au = models.DateField("jusqu'au")
    nom = models.CharField("nom", max_length=100)
    prenom = models.CharField("prénom", max_length=100)
    telephone = models.CharField("téléphone", max_length=20, blank=True)
    email = models.EmailField("adresse électronique", blank=True)
    statut = models.CharField("statut", max_length=8, choices=Statut.choices, default=Statut.ACTIVE)
    messages_envoyes = models.PositiveSmallIntegerField("messages envoyés", default=0)
    dernier_message_le = models.DateField("dernier message le", null=True, blank=True)
    cree_le = models.DateTimeField("inscrit le", auto_now_add=True)
    # The browser whose form made the entry, as a keyed hash of its CSRF secret (rdv.attente.register): the same
    # form sent again from it is answered with the entry's withdrawal link, any other sender without it.
    appelant = models.CharField("formulaire (empreinte)", max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = "inscription en liste d'attente"
        verbose_name_plural = "liste d'attente"
        ordering = ["cree_le", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(au__gte=models.F("du")), name="attente_periode_ordonnee"),
            models.CheckConstraint(condition=Q(telephone__gt="") | Q(email__gt=""), name="attente_joignable"),
            # The same entry (lieu, period, name and contact as stored, normalised) is active once: a form sent
            # twice at once, or again, is the same entry (rdv.attente.register), not another one toward the cap.
            models.UniqueConstraint(
                fields=["lieu", "du", "au", "nom", "prenom", "telephone", "email"],
                condition=Q(statut="active"),
                name="une_inscription_active_identique",
            ),
        ]
        indexes = [models.Index(fields=["lieu", "statut", "au"])]

    def __str__(self) -> str:
        return f"Liste d'attente n° {self.pk} — {self.lieu}"


class Message(models.Model):
    """A message to a patient: queued with the time it is due, sent by the worker, and kept as the record.

    `cle` is unique: the same reminder, on the same channel, for the same appointment can be queued only
    once, whatever the number of workers or retries. The text is written at sending time from the
    appointment, so no patient data is copied here.
    """

    class Nature(models.TextChoices):
        CONFIRMATION = "confirmation", "Confirmation"
        RAPPEL = "rappel", "Rappel"
        ANNULATION = "annulation", "Annulation par le patient"
        MISSION_ANNULEE = "mission_annulee", "Annulation de la mission"
        ATTENTE = "attente", "Créneau libéré (liste d'attente)"
        RETRAIT = "retrait_attente", "Lien pour quitter la liste d'attente"

    class Canal(models.TextChoices):
        EMAIL = "email", "Courriel"
        SMS = "sms", "SMS"

    class Statut(models.TextChoices):
        A_ENVOYER = "a_envoyer", "À envoyer"
        EN_COURS = "en_cours", "En cours d'envoi"
        ENVOYE = "envoye", "Envoyé"
        ECHEC = "echec", "Échec"
        SANS_OBJET = "sans_objet", "Sans objet"

    rendez_vous = models.ForeignKey(
        RendezVous, on_delete=models.CASCADE, null=True, blank=True, related_name="messages"
    )
    inscription = models.ForeignKey(
        InscriptionAttente, on_delete=models.CASCADE, null=True, blank=True, related_name="messages"
    )
    nature = models.CharField("nature", max_length=16, choices=Nature.choices)
    canal = models.CharField("canal", max_length=5, choices=Canal.choices)
    cle = models.CharField("clé", max_length=80, unique=True)
    prevu_le = models.DateTimeField("prévu le")
    statut = models.CharField("statut", max_length=10, choices=Statut.choices, default=Statut.A_ENVOYER)
    tentatives = models.PositiveSmallIntegerField("tentatives", default=0)
    # When a worker claimed it (à envoyer → en cours): a message is "interrupted" only if claimed long ago.
    reclame_le = models.DateTimeField("pris en charge le", null=True, blank=True)
    envoye_le = models.DateTimeField("envoyé le", null=True, blank=True)
    erreur = models.CharField("erreur", max_length=200, blank=True)
    cree_le = models.DateTimeField("créé le", auto_now_add=True)

    class Meta:
        verbose_name = "message"
        ordering = ["prevu_le", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rendez_vous__isnull=False) | Q(inscription__isnull=False),
                name="message_destinataire",
            )
        ]
        indexes = [models.Index(fields=["statut", "prevu_le"])]

    def __str__(self) -> str:
        return f"{self.get_nature_display()} ({self.get_canal_display()}) — {self.get_statut_display()}"


class ComptageMensuel(models.Model):
    """What pilotage keeps of deleted rows: how many appointments, waitlist entries or messages a lieu had in a
    month, by status. Written by the purge in the transaction that deletes the rows (rdv/conservation.py)."""

    class Objet(models.TextChoices):
        RENDEZ_VOUS = "rendez_vous", "Rendez-vous"
        ATTENTE = "attente", "Inscription en liste d'attente"
        MESSAGE = "message", "Message"

    lieu = models.ForeignKey(LieuSolidaire, on_delete=models.PROTECT, related_name="+")
    mois = models.DateField("mois", help_text="le premier jour du mois")
    objet = models.CharField("objet", max_length=12, choices=Objet.choices)
    statut = models.CharField(
        "statut", max_length=24, help_text="statut, et canal pour un message (sms:envoye)"
    )
    nombre = models.PositiveIntegerField("nombre", default=0)

    class Meta:
        verbose_name = "comptage mensuel (données purgées)"
        verbose_name_plural = "comptages mensuels (données purgées)"
        ordering = ["mois", "lieu", "objet", "statut"]
        constraints = [
            models.UniqueConstraint(fields=["lieu", "mois", "objet", "statut"], name="un_comptage_par_case"),
            models.CheckConstraint(condition=Q(mois__day=1), name="comptage_premier_du_mois"),
        ]

    def __str__(self) -> str:
        return f"{self.get_objet_display()} {self.statut} — lieu {self.lieu_id} — {self.mois:%m/%Y} : {self.nombre}"
