"""Médecins volontaires (with their dated, attributed states) and lieux solidaires."""

from __future__ import annotations

import secrets
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from solidarite.annuaire import validateurs
from solidarite.annuaire.validateurs import NomDePersonne, Visible, rpps_11_chiffres, telephone_e164
from solidarite.parametres import entier
from solidarite.territoire.fuseaux import fuseau
from solidarite.territoire.models import Commune, Departement, Epci


def jours_max_en_vigueur() -> int:
    """The default cap of a new volunteer: the national cap in force the day the row is created."""
    return entier("jours_max_par_mois", timezone.localdate())


def new_token() -> str:
    return secrets.token_urlsafe(24)


class MedecinVolontaire(models.Model):
    class Statut(models.TextChoices):
        INSCRIT = "inscrit", "Inscrit"
        DOSSIER_COMPLET = "dossier_complet", "Dossier complet"
        VALIDE = "valide_ars", "Validé par l'ARS"
        ACTIF = "actif", "Actif"
        SUSPENDU = "suspendu", "Suspendu"

    class ModeExercice(models.TextChoices):
        INSTALLE = "installe", "Installé"
        REMPLACANT = "remplacant", "Remplaçant"
        RETRAITE = "retraite", "Retraité"
        SALARIE = "salarie", "Salarié"

    class Rotation(models.TextChoices):
        JOUR = "jour", "Des journées isolées"
        DEUX_JOURS = "deux_jours", "Deux jours consécutifs"
        SEMAINE = "semaine", "Une semaine (comme Médecins solidaires)"

    class Cps(models.TextChoices):
        A_DEMANDER = "a_demander", "À demander"
        DEMANDEE = "demandee", "Demandée"
        RECUE = "recue", "Reçue"

    rpps = models.CharField("numéro RPPS", max_length=11, unique=True, validators=[rpps_11_chiffres])
    nom = models.CharField("nom", max_length=100, validators=[NomDePersonne("nom")])
    prenom = models.CharField("prénom", max_length=100, validators=[NomDePersonne("prenom")])
    email = models.EmailField("adresse électronique", unique=True, validators=[Visible("email")])
    telephone = models.CharField("téléphone", max_length=20, validators=[telephone_e164])
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="+", verbose_name="commune de résidence"
    )
    mode_exercice = models.CharField("mode d'exercice", max_length=12, choices=ModeExercice.choices)
    cdom = models.ForeignKey(
        Departement,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="conseil départemental de l'Ordre (CDOM)",
    )
    numero_am_mission = models.CharField(
        "numéro Assurance Maladie de la mission",
        max_length=20,
        blank=True,
        validators=[Visible("numero_am_mission")],
    )
    cps_statut = models.CharField(
        "carte CPS de la mission", max_length=12, choices=Cps.choices, default=Cps.A_DEMANDER
    )
    cps_date = models.DateField("date (demande ou réception de la CPS)", null=True, blank=True)
    jours_max_par_mois = models.PositiveSmallIntegerField(
        "jours de mission par mois au plus", default=jours_max_en_vigueur
    )
    rotation = models.CharField(
        "rythme souhaité", max_length=12, choices=Rotation.choices, default=Rotation.JOUR
    )
    trajet_max_minutes = models.PositiveSmallIntegerField("temps de trajet maximal (minutes)", default=60)
    lieux_preferes = models.ManyToManyField(
        "LieuSolidaire", blank=True, related_name="+", verbose_name="lieux préférés"
    )
    statut = models.CharField("statut", max_length=16, choices=Statut.choices, default=Statut.INSCRIT)
    compte = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="medecin",
        verbose_name="compte",
    )
    # Opens only the read-only iCal feed of the volunteer's missions (no patient data): pasted into calendar
    # apps, so it leaks by design. Rotated by the volunteer; revoked by the ARS (a new unknown value, and no
    # feed at all until the volunteer issues a new one). Decision 0006.
    jeton_calendrier = models.CharField(
        "jeton du flux d'agenda", max_length=64, unique=True, default=new_token, editable=False
    )
    jeton_calendrier_emis_le = models.DateTimeField(
        "flux d'agenda émis le", default=timezone.now, editable=False
    )
    jeton_calendrier_revoque_le = models.DateTimeField(
        "flux d'agenda révoqué par l'ARS le", null=True, blank=True, editable=False
    )
    demonstration = models.BooleanField("données de démonstration", default=False)
    cree_le = models.DateTimeField("inscrit le", auto_now_add=True)

    class Meta:
        verbose_name = "médecin volontaire"
        verbose_name_plural = "médecins volontaires"
        ordering = ["nom", "prenom"]
        indexes = [models.Index(fields=["statut"])]

    def __str__(self) -> str:
        return f"Dr {self.prenom} {self.nom}"

    def clean(self) -> None:
        """As at sign-up (annuaire.services.check_days_and_rotation), for the back-office form: never above the
        national cap in force; a rhythm that fits in the days given."""
        from solidarite.annuaire.services import check_days_and_rotation  # services imports this module

        if self.jours_max_par_mois is not None and self.rotation:
            check_days_and_rotation(self.jours_max_par_mois, self.rotation)

    @property
    def block_days(self) -> int:
        return {self.Rotation.JOUR: 1, self.Rotation.DEUX_JOURS: 2, self.Rotation.SEMAINE: 5}[
            self.Rotation(self.rotation)
        ]


class TransitionStatut(models.Model):
    """Every change of a volunteer's state: from, to, when, by whom, why."""

    medecin = models.ForeignKey(MedecinVolontaire, on_delete=models.CASCADE, related_name="transitions")
    de = models.CharField("de", max_length=16, choices=MedecinVolontaire.Statut.choices, blank=True)
    vers = models.CharField("vers", max_length=16, choices=MedecinVolontaire.Statut.choices)
    le = models.DateTimeField("le", auto_now_add=True)
    par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="par",
    )
    commentaire = models.TextField("commentaire", blank=True)

    class Meta:
        verbose_name = "changement de statut"
        verbose_name_plural = "changements de statut"
        ordering = ["le", "pk"]

    def __str__(self) -> str:
        return f"{self.medecin} : {self.de or '—'} → {self.vers}"


class LieuSolidaire(models.Model):
    class Type(models.TextChoices):
        MSP = "msp", "Maison de santé pluriprofessionnelle"
        CENTRE = "centre_sante", "Centre de santé"
        CABINET = "cabinet", "Cabinet médical"
        HOPITAL = "hopital_ehpad", "Hôpital de proximité ou EHPAD"
        LOCAL = "local_communal", "Local équipé par la commune"

    nom = models.CharField("nom", max_length=200, validators=[Visible("nom_lieu")])
    epci = models.ForeignKey(
        Epci, on_delete=models.PROTECT, related_name="lieux_solidaires", verbose_name="zone desservie (EPCI)"
    )
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="lieux_solidaires", verbose_name="commune"
    )
    adresse = models.CharField("adresse", max_length=300, validators=[Visible("adresse")])
    latitude = models.FloatField("latitude", validators=[validateurs.latitude])
    longitude = models.FloatField("longitude", validators=[validateurs.longitude])
    type = models.CharField("type de lieu", max_length=16, choices=Type.choices)
    salles = models.PositiveSmallIntegerField(
        "médecins accueillis par jour", default=1, validators=[validateurs.salles]
    )
    equipements = models.TextField("équipements", blank=True, validators=[Visible("equipements")])
    logiciel_metier = models.CharField(
        "logiciel métier", max_length=100, blank=True, validators=[Visible("logiciel_metier")]
    )
    compatible_dmp = models.BooleanField("compatible DMP", default=False)
    secretariat = models.BooleanField("secrétariat ou assistant médical", default=False)
    hebergement = models.BooleanField("hébergement proposé", default=False)
    referent_nom = models.CharField("référent local", max_length=200, validators=[Visible("referent_nom")])
    referent_telephone = models.CharField("téléphone du référent", max_length=20, validators=[telephone_e164])
    referent_email = models.EmailField("adresse du référent", blank=True, validators=[Visible("email")])
    jours_ouverture = models.JSONField(
        "jours d'ouverture (0 = lundi)", default=list, validators=[validateurs.jours_de_semaine]
    )
    horaires = models.CharField(
        "horaires de consultation",
        max_length=200,
        default="8 h 30 – 12 h 30, 14 h – 18 h",
        validators=[Visible("horaires")],
    )
    accessibilite = models.TextField("accessibilité", blank=True, validators=[Visible("accessibilite")])
    actif = models.BooleanField("actif", default=True)
    demonstration = models.BooleanField("données de démonstration", default=False)

    class Meta:
        verbose_name = "lieu solidaire"
        verbose_name_plural = "lieux solidaires"
        ordering = ["nom"]

    def __str__(self) -> str:
        return f"{self.nom} ({self.commune.nom})"

    def clean(self) -> None:
        """The lieu stands near its commune (annuaire.validateurs.loin_de_sa_commune), when both are known and
        its coordinates are possible (their own validators refuse them otherwise)."""
        lat, lon = self.latitude, self.longitude
        if (
            self.commune_id is None
            or lat is None
            or lon is None
            or not (-90 <= lat <= 90 and -180 <= lon <= 180)
        ):
            return
        commune = self.commune
        if commune.latitude is None or commune.longitude is None:
            return
        if refusal := validateurs.loin_de_sa_commune(
            lat, lon, commune.latitude, commune.longitude, commune.code_insee, commune.nom
        ):
            raise ValidationError(refusal)

    @property
    def fuseau(self) -> ZoneInfo:
        """The time zone its hours are in: that of its commune (Paris, or its overseas territory's)."""
        return fuseau(self.commune.code_insee)


class ReferentLieu(models.Model):
    """The person who answers for a lieu between missions (follow-ups, exam results, the day's list).

    Signs in with Pro Santé Connect: the national identifier (RPPS) from the provider's claims is matched to
    these rows, and the account is attached to every active row with that identifier (one person may answer for
    several lieux). Created by the ARS of the lieu's region in the back office.
    """

    lieu = models.ForeignKey(
        LieuSolidaire, on_delete=models.CASCADE, related_name="referents", verbose_name="lieu solidaire"
    )
    rpps = models.CharField("numéro RPPS", max_length=11, validators=[rpps_11_chiffres])
    nom = models.CharField("nom", max_length=100, validators=[NomDePersonne("nom")])
    prenom = models.CharField("prénom", max_length=100, validators=[NomDePersonne("prenom")])
    email = models.EmailField("adresse électronique", blank=True, validators=[Visible("email")])
    compte = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referents",
        verbose_name="compte",
    )
    actif = models.BooleanField("actif", default=True)
    cree_le = models.DateTimeField("créé le", auto_now_add=True)

    class Meta:
        verbose_name = "référent de lieu"
        verbose_name_plural = "référents de lieu"
        ordering = ["lieu__nom", "nom", "prenom"]
        constraints = [models.UniqueConstraint(fields=["lieu", "rpps"], name="referent_unique_par_lieu")]
        indexes = [models.Index(fields=["rpps"])]

    def __str__(self) -> str:
        return f"{self.prenom} {self.nom} (référent de {self.lieu.nom})"
