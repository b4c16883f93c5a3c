"""Every test's rows, in one place: factory_boy factories, and the short helpers the tests call them through.

Lieux and volunteers are placed in the real zones of the session's campaign (tests/conftest.py loads the
territory and saves the zonage); the back office's users are the ministry's ARS agents and the lieux' référents.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import factory
from django.contrib.auth.models import Permission, User
from django.utils import timezone
from factory.django import DjangoModelFactory

from solidarite.annuaire.models import LieuSolidaire, MedecinVolontaire, ReferentLieu, TransitionStatut
from solidarite.annuaire.validation import rpps_with_key
from solidarite.planning.models import Mission
from solidarite.rdv.models import RendezVous
from solidarite.territoire.models import AgentArs, Commune, Region
from solidarite.zonage import services as zonage
from solidarite.zonage.models import ResultatEpci

__all__ = [
    "ARS_PERMISSIONS",
    "PATIENT",
    "AgentArsFactory",
    "LieuSolidaireFactory",
    "MedecinVolontaireFactory",
    "MissionFactory",
    "ReferentLieuFactory",
    "UserFactory",
    "agent_ars",
    "agent_ars_sans_droits",
    "compte",
    "lettres",
    "lieu",
    "medecin",
    "mission",
    "mission_a_mauriac",
    "patient",
    "referent",
    "referent_lieu",
    "rendez_vous",
    "rpps_with_key",
    "working_days",
    "zone_commune",
]


def lettres(n: int) -> str:
    """A sequence number as a name may hold it (letters only, as the annuaire's names are checked): 1 → « A »,
    26 → « Z », 27 → « AA »."""
    written = ""
    while n > 0:
        n, rest = divmod(n - 1, 26)
        written = chr(ord("A") + rest) + written
    return written


# The patient of the booking tests (a valid booking form).
PATIENT = {"nom": "Martin", "prenom": "Jeanne", "date_naissance": "1948-05-17", "telephone": "06 12 34 56 78"}


def patient(k: int) -> dict[str, str]:
    """PATIENT's form for another person, the k-th (born k days after her; PATIENT herself for 0): a person has at
    most one active appointment a day at a lieu (decision 0004, 6 December 2026), so a test that books several
    slots of one day gives each its own patient."""
    born = dt.date(1948, 5, 17) + dt.timedelta(days=k)
    return {**PATIENT, "date_naissance": born.isoformat()}


# What an ARS agent may do in the back office.
ARS_PERMISSIONS = [
    "add_ajustement",
    "view_ajustement",
    "delete_ajustement",
    "view_campagne",
    "view_resultatepci",
    "view_epci",
]


@functools.lru_cache(maxsize=4)
def _metropolitan_ranking(campagne_pk: int, empreinte: str) -> list[int]:
    """The EPCI of a campaign (its pk and fingerprint: its content) in rank order, overseas ones left out: read
    once, since tests call `zone_commune` thousands of times (a join over the communes with DISTINCT took 0.28 s
    a call on PostgreSQL). The territory and the active campaign are the reference data every test starts from."""
    overseas = set(Commune.objects.exclude(zone="metro").values_list("epci_id", flat=True))
    ranked = (
        ResultatEpci.objects.filter(campagne_id=campagne_pk)
        .order_by("rang")
        .values_list("epci_id", flat=True)
    )
    return [e for e in ranked if e not in overseas]


def zone_commune(rank: int = 1) -> Commune:
    """The most populous commune of the EPCI ranked `rank` among metropolitan France's in the active campaign.
    The tests' hours and clock are Paris's; the 2025 set ranks an EPCI of Guyane first (ADR 0028), and the tests
    of overseas hours name their communes."""
    campagne = zonage.active_campaign()
    assert campagne is not None
    epci_id = _metropolitan_ranking(campagne.pk, campagne.empreinte)[rank - 1]
    commune = (
        Commune.objects.filter(epci_id=epci_id)
        .select_related("departement__region", "epci")
        .order_by("-population")
        .first()
    )
    assert commune is not None
    return commune


def working_days(first: dt.date, count: int) -> list[dt.date]:
    """The first `count` working days (Monday to Friday) of `first`'s month from `first` on."""
    days = [
        first + dt.timedelta(days=d) for d in range(31) if (first + dt.timedelta(days=d)).month == first.month
    ]
    return [d for d in days if d.weekday() < 5][:count]


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"utilisateur-{n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):  # type: ignore[no-untyped-def]
        return model_class.objects.create_user(*args, **kwargs)


class AgentArsFactory(DjangoModelFactory):
    """An ARS agent's link to their region (the user made alongside, staff)."""

    class Meta:
        model = AgentArs

    user = factory.SubFactory(UserFactory, is_staff=True)
    region = factory.LazyFunction(lambda: Region.objects.order_by("code").first())


class LieuSolidaireFactory(DjangoModelFactory):
    class Meta:
        model = LieuSolidaire

    commune = factory.LazyFunction(zone_commune)
    nom = factory.LazyAttributeSequence(lambda o, n: f"Maison de santé de {o.commune.nom} {n + 1}")
    epci = factory.SelfAttribute("commune.epci")
    adresse = "1 place de la Mairie"
    latitude = factory.SelfAttribute("commune.latitude")
    longitude = factory.SelfAttribute("commune.longitude")
    type = LieuSolidaire.Type.MSP
    salles = 1
    referent_nom = "Référent local"
    referent_telephone = "+33555000000"
    jours_ouverture = factory.LazyFunction(lambda: [0, 1, 2, 3, 4])


class MedecinVolontaireFactory(DjangoModelFactory):
    """An active volunteer with the status history the registration writes (one transition to its status)."""

    class Meta:
        model = MedecinVolontaire
        skip_postgeneration_save = True

    rpps = factory.Sequence(lambda n: rpps_with_key(f"10{n + 1:08d}"))
    nom = factory.Sequence(lambda n: f"Nom-{lettres(n + 1)}")
    prenom = "Camille"
    email = factory.Sequence(lambda n: f"medecin{n + 1}@exemple.fr")
    telephone = "+33612345678"
    commune = factory.LazyFunction(zone_commune)
    mode_exercice = MedecinVolontaire.ModeExercice.RETRAITE
    cdom = factory.SelfAttribute("commune.departement")
    numero_am_mission = "123456789"
    cps_statut = MedecinVolontaire.Cps.RECUE
    statut = MedecinVolontaire.Statut.ACTIF
    trajet_max_minutes = 60

    @factory.post_generation
    def transition(obj: MedecinVolontaire, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            TransitionStatut.objects.create(medecin=obj, vers=obj.statut)


class ReferentLieuFactory(DjangoModelFactory):
    class Meta:
        model = ReferentLieu

    lieu = factory.SubFactory(LieuSolidaireFactory)
    rpps = factory.Sequence(lambda n: rpps_with_key(f"20{n + 1:08d}"))
    nom = "Martin"
    prenom = "Claude"
    email = factory.Sequence(lambda n: f"ref{n + 1}@exemple.fr")


class MissionFactory(DjangoModelFactory):
    """A confirmed mission a week ahead, in a new lieu, by a new volunteer of the lieu's commune."""

    class Meta:
        model = Mission

    lieu = factory.SubFactory(LieuSolidaireFactory)
    medecin = factory.SubFactory(MedecinVolontaireFactory, commune=factory.SelfAttribute("..lieu.commune"))
    date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=7))
    statut = Mission.Statut.CONFIRMEE


# --- The helpers the tests call (their signatures are those of the former per-package helpers) ---------------


def lieu(commune: Commune | None = None, salles: int = 1, **fields: object) -> LieuSolidaire:
    commune = commune or zone_commune()
    assert commune.epci is not None and commune.latitude is not None and commune.longitude is not None
    created: LieuSolidaire = LieuSolidaireFactory(commune=commune, salles=salles, **fields)
    return created


def medecin(
    commune: Commune | None = None, statut: str = MedecinVolontaire.Statut.ACTIF, **fields: object
) -> MedecinVolontaire:
    created: MedecinVolontaire = MedecinVolontaireFactory(
        commune=commune or zone_commune(), statut=statut, **fields
    )
    return created


def mission(statut: str = Mission.Statut.CONFIRMEE, days_ahead: int = 7) -> Mission:
    """A mission `days_ahead` days from today, in a new lieu of the first zone."""
    created: Mission = MissionFactory(
        statut=statut, date=timezone.localdate() + dt.timedelta(days=days_ahead)
    )
    return created


def mission_a_mauriac() -> Mission:
    """A confirmed mission in three days at the Maison de santé de Mauriac (Cantal, 15120), the browser tests'
    lieu: a patient « autour de moi » at Mauriac finds it first."""
    commune = Commune.objects.select_related("epci", "departement").get(code_insee="15120")
    lieu_obj = LieuSolidaireFactory(
        commune=commune,
        nom="Maison de santé de Mauriac",
        referent_nom="Claire Martin",
        referent_telephone="+33471000000",
        accessibilite="Accès de plain-pied",
    )
    created: Mission = MissionFactory(
        lieu=lieu_obj, medecin=medecin(commune), date=timezone.localdate() + dt.timedelta(days=3)
    )
    return created


def rendez_vous(days_ahead: int = 7, email: str = "jeanne@exemple.fr") -> RendezVous:
    """PATIENT's appointment, booked through the platform on the first slot of a new mission."""
    from solidarite.rdv import services

    booked = mission(days_ahead=days_ahead)
    slot = services.slots(booked.lieu, booked.date, booked.date)[0]
    return services.book(slot.id, {**PATIENT, "email": email})


def compte(medecin_obj: MedecinVolontaire, username: str | None = None) -> User:
    """The volunteer's account (as the Pro Santé Connect login attaches it): returns the user."""
    user: User = UserFactory(username=username or f"medecin-{medecin_obj.pk}")
    medecin_obj.compte = user
    medecin_obj.save(update_fields=["compte"])
    return user


def referent(lieu_obj: LieuSolidaire, username: str | None = None) -> User:
    """An active référent of the lieu with their account: returns the user."""
    user: User = UserFactory(username=username or f"referent-{lieu_obj.pk}-{_next()}")
    ReferentLieuFactory(lieu=lieu_obj, nom="Référente", prenom="Alice", email="", compte=user)
    return user


def referent_lieu(lieu_obj: LieuSolidaire, rpps: str, **fields: object) -> ReferentLieu:
    """A référent of the lieu, without an account (as the directory lists them before their first login)."""
    created: ReferentLieu = ReferentLieuFactory(lieu=lieu_obj, rpps=rpps, **fields)
    return created


def agent_ars(region_code: str, username: str | None = None) -> User:
    """An ARS agent of the region with the back office's permissions (password login)."""
    user: User = UserFactory(
        username=username or f"ars-{region_code}", password="mot-de-passe-solide-123", is_staff=True
    )
    user.user_permissions.set(Permission.objects.filter(codename__in=ARS_PERMISSIONS))
    AgentArsFactory(user=user, region=Region.objects.get(code=region_code))
    return user


def agent_ars_sans_droits(region: Region | None = None, **fields: object) -> User:
    """An ARS agent who signs in (ProConnect), without back-office permissions: staff unless told otherwise."""
    n = _next()
    values: dict[str, object] = {"is_staff": True, **fields}
    agent: AgentArs = AgentArsFactory(
        user__username=f"agent{n}",
        user__email=f"agent{n}@ars.sante.fr",
        **{f"user__{key}": value for key, value in values.items()},
        **({"region": region} if region is not None else {}),
    )
    return agent.user


_counter = iter(range(1, 1 << 30))


def _next() -> int:
    return next(_counter)


# --- indemnisation (issue 21) ----------------------------------------------------------------------------


def jour_realise(
    medecin_obj: MedecinVolontaire,
    lieu_obj: LieuSolidaire,
    date: dt.date,
    nature: str = "journee",
    consultations: int = 0,
) -> Mission:
    """A realised mission of `medecin_obj` at `lieu_obj` on `date` (past), with its realised day (written directly,
    as the month's run reads it: the confirmation's own path is tested in tests/indemnisation)."""
    from solidarite.indemnisation.models import JourRealise

    created: Mission = MissionFactory(medecin=medecin_obj, lieu=lieu_obj, date=date, statut="realisee")
    JourRealise.objects.create(
        mission=created, nature=nature, consultations=consultations, confirme_le=timezone.now()
    )
    return created


# --- continuite (issue 20): a consultation seen today, its patient record, its transmission --------------------

IDENTITE_JEANNE = {
    "nom_naissance": "Martin",
    "prenoms": "Jeanne Marie",
    "date_naissance": dt.date(1948, 5, 17),
    "sexe": "F",
    "lieu_naissance": "15120",
}


# The identity as the consultation page's form posts it (continuite.saisie): Jeanne Martin, born 17 May 1948 in
# Saint-Flour, identity validated.
IDENTITE_FORMULAIRE = {
    "nom_naissance": "Martin",
    "prenoms": "Jeanne",
    "date_naissance": "1948-05-17",
    "sexe": "F",
    "lieu_naissance": "15120",
    "statut_identite": "validee",
}


# The handover as the consultation page's form posts it: one blood test expected (the date suits a consultation of
# the week of Monday 7 December 2026, the continuite tests' day).
TRANSMISSION_FORMULAIRE = {
    "motif": "Toux",
    "synthese": "Bronchite",
    "suivi": "volontaire",
    "examen_1_nature": "biologie",
    "examen_1_libelle": "NFS",
    "examen_1_date": "2026-12-10",
}


def consultation_du_jour(
    lieu_obj: LieuSolidaire | None = None, days_ahead: int = 0, form: dict[str, str] | None = None
) -> RendezVous:
    """PATIENT (or the booking `form`: another patient, for a second consultation of the same day at the same
    lieu, which PATIENT cannot book twice) booked on a new confirmed mission `days_ahead` days from today (today
    by default), with a référent at the lieu; the doctor has an account. The identity confirmed at the visit is
    `visite`'s, whoever booked."""
    from solidarite.rdv import services

    lieu_obj = lieu_obj or lieu()
    if not lieu_obj.referents.exists():
        referent(lieu_obj)
    doc = medecin(lieu_obj.commune)
    compte(doc)
    day = timezone.localdate() + dt.timedelta(days=days_ahead)
    MissionFactory(lieu=lieu_obj, medecin=doc, date=day)
    slot = next(s for s in services.slots(lieu_obj, day, day) if s.libre)
    return services.book(slot.id, {**(form or PATIENT), "email": "jeanne@exemple.fr"})


def le_jour_de(rdv: RendezVous) -> Any:
    """The clock at noon of `rdv`'s mission day, at its lieu, for a `with` block (time-machine): the identity is
    confirmed and the handover written on the day of the visit, never before (continuite.services). For a booking
    made ahead, on a later day; the test goes on at its own clock after the block."""
    import time_machine

    return time_machine.travel(
        dt.datetime.combine(rdv.mission.date, dt.time(12), tzinfo=rdv.lieu.fuseau), tick=False
    )


def visite(rdv: RendezVous | None = None, **traits: object) -> Any:
    """The identity confirmed at the visit by the mission's doctor: returns the continuite.Visite."""
    from solidarite.continuite import services as continuite

    rdv = rdv or consultation_du_jour()
    data = continuite.Identite(**{**IDENTITE_JEANNE, **traits})  # type: ignore[arg-type]
    return continuite.confirmer_identite(rdv, rdv.mission.medecin, data, rdv.mission.medecin.compte)


def transmission(rdv: RendezVous | None = None, examens: int = 1, **fields: object) -> Any:
    """A transmission with `examens` results expected in a week."""
    from solidarite.continuite import services as continuite

    v = visite(rdv)
    rdv = v.rendez_vous
    exams = tuple(
        continuite.Examen("biologie", f"Bilan sanguin {n}", rdv.mission.date + dt.timedelta(days=7))
        for n in range(1, examens + 1)
    )
    saisie = continuite.Saisie(
        **{
            "motif": "Toux",
            "synthese": "Bronchite probable",
            "suivi": "volontaire",
            "examens": exams,
            **fields,
        }  # type: ignore[arg-type]
    )
    return continuite.ecrire_transmission(rdv, rdv.mission.medecin, saisie, rdv.mission.medecin.compte)


def inscription_form(**changes: object) -> dict[str, object]:
    """The volunteers' sign-up form (/medecins/inscription/) as a browser sends it, filled in validly, with
    `changes`; `cdom` is left empty (the form asks for it: give a département's pk)."""
    data: dict[str, object] = {
        "rpps": rpps_with_key("1000000001"),
        "prenom": "Claire",
        "nom": "Durand",
        "email": "claire.durand@exemple.fr",
        "telephone": "06 12 34 56 78",
        "commune": "15200 Mauriac",
        "mode_exercice": "retraite",
        "cdom": "",
        "jours_max_par_mois": 2,
        "rotation": "jour",
        "trajet_max_minutes": 60,
        "consentement": "on",
    }
    data.update(changes)
    return data
