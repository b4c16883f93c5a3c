"""Lieux solidaires and volunteers for tests, placed in the real zones of the session's campaign."""

from __future__ import annotations

import datetime as dt
import itertools

from solidarite.annuaire.models import LieuSolidaire, MedecinVolontaire, TransitionStatut
from solidarite.annuaire.validation import rpps_with_key
from solidarite.territoire.models import Commune
from solidarite.zonage import services as zonage

_counter = itertools.count(1)


def zone_commune(rank: int = 1) -> Commune:
    """The most populous commune of the zone ranked `rank` in the active campaign."""
    campagne = zonage.active_campaign()
    assert campagne is not None
    resultat = campagne.resultats.select_related("epci").get(rang=rank)
    commune = (
        Commune.objects.filter(epci=resultat.epci)
        .select_related("departement__region", "epci")
        .order_by("-population")
        .first()
    )
    assert commune is not None
    return commune


def lieu(commune: Commune | None = None, salles: int = 1, **fields: object) -> LieuSolidaire:
    commune = commune or zone_commune()
    assert commune.epci is not None and commune.latitude is not None and commune.longitude is not None
    return LieuSolidaire.objects.create(
        nom=f"Maison de santé de {commune.nom} {next(_counter)}",
        epci=commune.epci,
        commune=commune,
        adresse="1 place de la Mairie",
        latitude=commune.latitude,
        longitude=commune.longitude,
        type=LieuSolidaire.Type.MSP,
        salles=salles,
        referent_nom="Référent local",
        referent_telephone="+33555000000",
        jours_ouverture=[0, 1, 2, 3, 4],
        **fields,
    )


def medecin(
    commune: Commune | None = None, statut: str = MedecinVolontaire.Statut.ACTIF, **fields: object
) -> MedecinVolontaire:
    commune = commune or zone_commune()
    k = next(_counter)
    values: dict[str, object] = {
        "rpps": rpps_with_key(f"10{k:08d}"),
        "nom": f"Nom{k}",
        "prenom": "Camille",
        "email": f"medecin{k}@exemple.fr",
        "telephone": "+33612345678",
        "commune": commune,
        "mode_exercice": MedecinVolontaire.ModeExercice.RETRAITE,
        "cdom": commune.departement,
        "numero_am_mission": "123456789",
        "cps_statut": MedecinVolontaire.Cps.RECUE,
        "statut": statut,
        "trajet_max_minutes": 60,
    }
    values.update(fields)
    created = MedecinVolontaire.objects.create(**values)
    TransitionStatut.objects.create(medecin=created, vers=statut)
    return created


def working_days(first: dt.date, count: int) -> list[dt.date]:
    days = [
        first + dt.timedelta(days=d) for d in range(31) if (first + dt.timedelta(days=d)).month == first.month
    ]
    return [d for d in days if d.weekday() < 5][:count]


def compte(medecin_obj: MedecinVolontaire, username: str | None = None):  # type: ignore[no-untyped-def]
    """The volunteer's account (as the Pro Santé Connect login attaches it): returns the user."""
    from django.contrib.auth.models import User

    user = User.objects.create_user(username or f"medecin-{medecin_obj.pk}")
    medecin_obj.compte = user
    medecin_obj.save(update_fields=["compte"])
    return user


def referent(lieu_obj: LieuSolidaire, username: str | None = None):  # type: ignore[no-untyped-def]
    """An active référent of the lieu with their account: returns the user."""
    from django.contrib.auth.models import User

    from solidarite.annuaire.models import ReferentLieu

    user = User.objects.create_user(username or f"referent-{lieu_obj.pk}-{next(_counter)}")
    ReferentLieu.objects.create(
        lieu=lieu_obj,
        rpps=rpps_with_key(f"20{next(_counter):08d}"),
        nom="Référente",
        prenom="Alice",
        compte=user,
    )
    return user
