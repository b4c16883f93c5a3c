"""A lieu's référent is named by an RPPS number checked as a volunteer's (11 digits, Luhn key): the Pro Santé
Connect login grants the référent's role, the lieu's daily lists, by matching that number alone. The probe of
6 December saved « abcdefghijk », « 12345 » and « 12345678901 » (a wrong key)."""

from __future__ import annotations

import html

import pytest
from django.core.exceptions import ValidationError

from solidarite.annuaire.models import ReferentLieu
from solidarite.annuaire.validation import rpps_with_key
from tests.annuaire.test_admin_region import _agent
from tests.factories import ReferentLieuFactory, lieu

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("rpps", "expected"),
    [
        ("abcdefghijk", "Le numéro RPPS compte 11 chiffres"),
        ("12345", "Le numéro RPPS compte 11 chiffres"),
        ("12345678901", "Ce numéro RPPS n'est pas valide : sa clé de contrôle ne correspond pas"),
        ("1234567890123456", "Le numéro RPPS compte 11 chiffres"),
    ],
)
def test_the_back_office_refuses_a_referent_rpps_that_cannot_be_one(rpps: str, expected: str) -> None:
    client, commune = _agent("view_referentlieu", "add_referentlieu", "view_lieusolidaire")
    place = lieu(commune)
    answer = client.post(
        "/admin/annuaire/referentlieu/add/",
        {
            "lieu": place.pk,
            "rpps": rpps,
            "nom": "Martin",
            "prenom": "Claude",
            "actif": "on",
            "_save": "Enregistrer",
        },
    )
    assert answer.status_code == 200 and expected in html.unescape(answer.content.decode())
    assert not ReferentLieu.objects.exists()


def test_a_referent_rpps_typed_with_spaces_is_stored_as_its_11_digits() -> None:
    client, commune = _agent("view_referentlieu", "add_referentlieu", "view_lieusolidaire")
    place = lieu(commune)
    rpps = rpps_with_key("1000000017")
    answer = client.post(
        "/admin/annuaire/referentlieu/add/",
        {
            "lieu": place.pk,
            "rpps": f" {rpps[:3]} {rpps[3:7]} {rpps[7:]} ",
            "nom": "Martin",
            "prenom": "Claude",
            "actif": "on",
            "_save": "Enregistrer",
        },
    )
    assert answer.status_code == 302, html.unescape(answer.content.decode())[-800:]
    assert ReferentLieu.objects.get().rpps == rpps


def test_the_model_refuses_a_referent_rpps_without_its_key() -> None:
    """full_clean (every form of the back office, the bulk recording) applies the same rule."""
    referent = ReferentLieuFactory.build(lieu=lieu(), rpps="12345678901")
    with pytest.raises(ValidationError, match="clé de contrôle"):
        referent.full_clean()
