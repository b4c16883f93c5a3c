"""Many lieux and volunteers at once (the demonstration generator): the one-by-one checks, normalisation,
transitions, signals and welcome e-mails, all or nothing."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from solidarite.annuaire import services
from solidarite.annuaire.models import LieuSolidaire, MedecinVolontaire, TransitionStatut
from solidarite.annuaire.validation import rpps_with_key
from solidarite.rdv.services import caches as rdv
from solidarite.territoire.models import Commune
from solidarite.zonage import services as zonage
from tests.factories import LieuSolidaireFactory, MedecinVolontaireFactory, agent_ars, lettres, zone_commune

pytestmark = pytest.mark.django_db


def _lieu(commune: Commune, nom: str) -> LieuSolidaire:
    return LieuSolidaireFactory.build(commune=commune, nom=nom)


def _medecin(k: int, **fields: object) -> MedecinVolontaire:
    """A volunteer not yet saved, as the sign-up form leaves it (status « inscrit »)."""
    values: dict[str, object] = {
        "rpps": rpps_with_key(f"30{k:08d}"),
        "nom": f"Nom-{lettres(k)}",
        "email": f"medecin{k}@exemple.fr",
        "statut": MedecinVolontaire.Statut.INSCRIT,
    }
    return MedecinVolontaireFactory.build(**(values | fields))


def test_lieux_recorded_at_once_with_the_save_signals() -> None:
    first, second = zone_commune(1), zone_commune(2)
    forgotten = rdv._forgotten
    created = services.enregistrer_lieux([_lieu(first, "MSP un"), _lieu(second, "MSP deux")])
    assert [lieu.pk is not None for lieu in created] == [True, True]
    assert sorted(LieuSolidaire.objects.values_list("nom", flat=True)) == ["MSP deux", "MSP un"]
    assert rdv._forgotten == forgotten + 2  # post_save reached the search, which forgets its lieux


def test_one_lieu_refused_records_none() -> None:
    inside = zone_commune()
    outside = (
        Commune.objects.exclude(epci__siren__in=zonage.final_sirens(zonage.active_campaign()))
        .filter(epci__isnull=False, latitude__isnull=False)
        .select_related("epci")
        .first()
    )
    assert outside is not None
    with pytest.raises(ValidationError) as refused:
        services.enregistrer_lieux([_lieu(inside, "MSP bonne"), _lieu(outside, "MSP hors zone")])
    assert refused.value.messages[0] == "Lieu « MSP hors zone » :"
    assert "n'est pas une zone prioritaire active" in refused.value.messages[1]
    bad_days = _lieu(inside, "MSP sans salle")
    bad_days.salles = None  # type: ignore[assignment]
    with pytest.raises(ValidationError, match="MSP sans salle"):
        services.enregistrer_lieux([bad_days])
    assert not LieuSolidaire.objects.exists()


def test_lieux_of_another_region_refused_to_an_ars_agent() -> None:
    inside = zone_commune()
    other = "53" if inside.departement.region.code != "53" else "24"
    with pytest.raises(ValidationError, match="seule l'ARS de cette région le gère"):
        services.enregistrer_lieux([_lieu(inside, "MSP")], agent_ars(other, "ars-ailleurs"))
    assert services.enregistrer_lieux([_lieu(inside, "MSP")], agent_ars(inside.departement.region.code))


def test_volunteers_registered_normalised_with_transitions_and_welcome(
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    spaced = rpps_with_key("3000000001")
    with django_capture_on_commit_callbacks(execute=True):
        created = services.inscrire_medecins(
            [
                _medecin(1, rpps=f" {spaced[:5]} {spaced[5:]} ", telephone="06 12 34 56 78"),
                _medecin(2, email="  Medecin2@Exemple.FR"),
            ]
        )
    assert [(m.rpps, m.telephone, m.email) for m in created] == [
        (spaced, "+33612345678", "medecin1@exemple.fr"),
        (rpps_with_key("3000000002"), "+33612345678", "medecin2@exemple.fr"),
    ]
    assert (
        list(TransitionStatut.objects.values_list("de", "vers", "commentaire"))
        == [("", "inscrit", "Inscription en ligne")] * 2
    )
    assert sorted(m.to[0] for m in mail.outbox) == ["medecin1@exemple.fr", "medecin2@exemple.fr"]
    assert "/planning/medecin/" in mail.outbox[0].body
    with django_capture_on_commit_callbacks(execute=True):
        services.inscrire_medecins(
            [_medecin(3, statut=MedecinVolontaire.Statut.ACTIF)], commentaire="Démo", bienvenue=False
        )
    assert len(mail.outbox) == 2
    assert TransitionStatut.objects.filter(medecin__nom="Nom-C").get().vers == "actif"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"rpps": "10000000000"}, "clé de contrôle"),
        ({"telephone": "06 12"}, "numéro de téléphone"),
        ({"jours_max_par_mois": 99}, "plafond national"),
        (
            {"rotation": MedecinVolontaire.Rotation.SEMAINE, "jours_max_par_mois": 2},
            "Ce rythme demande 5 jours",
        ),
        ({"email": "pas-une-adresse"}, "adresse de courriel valide"),
        ({"rpps": rpps_with_key("3000000001")}, "déjà inscrit"),  # the same as the first volunteer
        ({"email": "MEDECIN1@exemple.fr"}, "déjà utilisée"),
    ],
)
def test_one_volunteer_refused_registers_none(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        services.inscrire_medecins([_medecin(1), _medecin(2, **changes)])
    assert message in " ".join(refused.value.messages)
    assert not MedecinVolontaire.objects.exists() and not TransitionStatut.objects.exists()


def test_already_registered_volunteer_refused() -> None:
    services.inscrire_medecins([_medecin(1)], bienvenue=False)
    with pytest.raises(ValidationError, match="déjà inscrit"):
        services.inscrire_medecins([_medecin(2), _medecin(3, rpps=rpps_with_key("3000000001"))])
    assert MedecinVolontaire.objects.count() == 1
