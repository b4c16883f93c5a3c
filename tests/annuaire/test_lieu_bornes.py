"""A lieu's coordinates, rooms and opening days are possible ones (the probe of 6 December): a latitude of -95 was
saved, and the lieu vanished from the searches around its commune while FHIR published it; 0 and 99,999,999
rooms were saved, and [true, false] as opening days (`True in range(7)` is true in Python)."""

from __future__ import annotations

import html
from typing import Any

import pytest

from solidarite.annuaire.models import LieuSolidaire
from solidarite.annuaire.validateurs import RAYON_KM, loin_de_sa_commune
from tests.annuaire.test_admin_region import _agent, _posted
from tests.factories import lieu

pytestmark = pytest.mark.django_db


def _change(**changes: object) -> tuple[Any, LieuSolidaire]:
    """Posts the change form of a lieu of the agent's region with `changes`; the answer and the lieu before."""
    client, commune = _agent("view_lieusolidaire", "change_lieusolidaire")
    place = lieu(commune)
    url = f"/admin/annuaire/lieusolidaire/{place.pk}/change/"
    data = _posted(client.get(url), jours_ouverture="[0, 1, 2, 3, 4]")
    data.update({k: v(place) if callable(v) else v for k, v in changes.items()})
    return client.post(url, data), place


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"latitude": -95}, "Latitude impossible : entre -90 et 90 degrés"),
        ({"latitude": 95}, "Latitude impossible"),
        ({"longitude": 200}, "Longitude impossible : entre -180 et 180 degrés"),
        ({"latitude": lambda p: p.commune.latitude + 1}, "km de "),
        ({"longitude": lambda p: -p.commune.longitude}, "km de "),
        ({"salles": 0}, "Entre 1 et 20 médecins accueillis par jour"),
        ({"salles": 99_999_999}, "Entre 1 et 20 médecins accueillis par jour"),
        (
            {"jours_ouverture": "[true, false]"},
            "Une liste de jours de 0 (lundi) à 6 (dimanche), chacun une fois",
        ),
        ({"jours_ouverture": "[0, 0, 1]"}, "Une liste de jours de 0 (lundi) à 6 (dimanche), chacun une fois"),
        ({"jours_ouverture": "[7]"}, "Une liste de jours de 0 (lundi) à 6 (dimanche), chacun une fois"),
        ({"jours_ouverture": "[1.0]"}, "Une liste de jours de 0 (lundi) à 6 (dimanche), chacun une fois"),
        ({"jours_ouverture": '"lundi"'}, "Une liste de jours de 0 (lundi) à 6 (dimanche), chacun une fois"),
    ],
)
def test_the_back_office_refuses_an_impossible_lieu(changes: dict[str, object], expected: str) -> None:
    answer, place = _change(**changes)
    assert answer.status_code == 200 and expected in html.unescape(answer.content.decode())
    kept = LieuSolidaire.objects.get(pk=place.pk)
    assert (kept.latitude, kept.longitude, kept.salles, kept.jours_ouverture) == (
        place.latitude,
        place.longitude,
        place.salles,
        place.jours_ouverture,
    )


def test_a_lieu_a_few_kilometres_from_its_communes_point_is_saved() -> None:
    answer, place = _change(
        latitude=lambda p: p.commune.latitude + 0.1, salles=3, jours_ouverture="[5, 0, 2]"
    )  # about 11 km north
    assert answer.status_code == 302, html.unescape(answer.content.decode())[-800:]
    kept = LieuSolidaire.objects.get(pk=place.pk)
    assert (kept.salles, kept.jours_ouverture) == (3, [5, 0, 2])


def test_the_distance_allowed_is_wider_in_french_guiana() -> None:
    """Maripasoula's town stands 81 km from its commune's centroid (../shared/data/communes_coordonnees.csv);
    the same distance in mainland France is refused."""
    town, centroid = (3.6444, -54.0338), (2.96741, -53.75826)
    assert loin_de_sa_commune(*town, *centroid, "97353", "Maripasoula") is None
    refusal = loin_de_sa_commune(*town, *centroid, "15120", "Mauriac")
    assert refusal is not None and f"à moins de {RAYON_KM} km de sa commune" in refusal
