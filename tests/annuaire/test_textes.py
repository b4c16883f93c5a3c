"""The texts of the annuaire are checked as the patient's are (the probe of 6 December): the volunteers' sign-up and
the back office refuse a name or a text with an invisible or control character, a name that no register holds
(digits, a spreadsheet formula), an e-mail longer than its column or with a zero-width space, a phone that is
not one; each with a French message naming the field, nothing saved."""

from __future__ import annotations

import html
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from solidarite.annuaire.models import LieuSolidaire, MedecinVolontaire, ReferentLieu
from solidarite.territoire.models import Departement
from solidarite.web.textes import letter_refusal, name_refusal
from tests.annuaire.test_admin_region import _agent, _posted
from tests.factories import ReferentLieuFactory, inscription_form, lieu, medecin

pytestmark = pytest.mark.django_db

LONG_EMAIL = "a" * 64 + "@" + ".".join(["b" * 57] * 3 + ["c" * 55, "fr"])
NAMES_REFUSED = {
    "zero-width space": ("Du\u200bpont", "Le nom contient un caractère invisible ou de contrôle (U+200B)"),
    "right-to-left override": (
        "Dupont\u202eevil",
        "Le nom contient un caractère invisible ou de contrôle (U+202E)",
    ),
    "bell": ("Du\u0007pont", "Le nom contient un caractère invisible ou de contrôle (U+0007)"),
    "formula": (
        '=HYPERLINK("http://x.example";"Dupont")',
        "Le nom contient « = », qu'un nom ne contient pas",
    ),
    "digits only": ("12345", "Le nom contient « 1 », qu'un nom ne contient pas"),
    "marks only": ("-'.", "Le nom doit contenir au moins une lettre"),
}


def _page(response: Any) -> str:
    return html.unescape(response.content.decode())


def _lieu_posted(page: Any, **changes: object) -> dict[str, Any]:
    """The lieu's change form sent back, its opening days written as the form shows them (JSON)."""
    return _posted(page, **{"jours_ouverture": "[0, 1, 2, 3, 4]", **changes})


def _sign_up(client: Client, **changes: object) -> Any:
    return client.post(
        "/medecins/inscription/", inscription_form(cdom=Departement.objects.get(code="15").pk, **changes)
    )


@pytest.mark.parametrize(("value", "expected"), NAMES_REFUSED.values(), ids=NAMES_REFUSED.keys())
def test_a_professional_name_is_letters_spaces_hyphens_apostrophes_and_dots(
    value: str, expected: str
) -> None:
    assert (name_refusal("Le nom", value) or "").startswith(expected)


@pytest.mark.parametrize(
    "value", ["Durand", "Le Goff-Hénaff", "D'Arc", "O’Brien", "St. Clair", "Łukasz", "Œdipe"]
)
def test_real_names_pass(value: str) -> None:
    assert name_refusal("Le nom", value) is None


def test_a_patient_name_keeps_its_rule() -> None:
    """rdv.patients asks a patient's name for one letter only (unchanged by moving the rule to web.textes)."""
    assert letter_refusal("Le nom", "12345") == (
        "Le nom doit contenir au moins une lettre (alphabet latin, accents compris)."
    )
    assert letter_refusal("Le nom", "Martin 2") is None


@pytest.mark.parametrize("field", ["nom", "prenom"])
@pytest.mark.parametrize(("value", "expected"), NAMES_REFUSED.values(), ids=NAMES_REFUSED.keys())
def test_the_sign_up_refuses_a_name_no_register_holds(
    client: Client, field: str, value: str, expected: str
) -> None:
    response = _sign_up(client, **{field: value})
    label = "Le prénom" if field == "prenom" else "Le nom"
    assert response.status_code == 400
    assert expected.replace("Le nom", label) in _page(response)
    assert not MedecinVolontaire.objects.exists() and not mail.outbox


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        (LONG_EMAIL, "L'adresse électronique compte 297 caractères, 254 au plus"),
        (
            "x@exa\u200bmple.fr",
            "L'adresse électronique contient un caractère invisible ou de contrôle (U+200B)",
        ),
        (
            "x\u202e@example.fr",
            "L'adresse électronique contient un caractère invisible ou de contrôle (U+202E)",
        ),
    ],
)
def test_the_sign_up_refuses_an_email_too_long_or_with_an_invisible_character(
    client: Client, email: str, expected: str
) -> None:
    assert len(LONG_EMAIL) == 297
    response = _sign_up(client, email=email)
    assert response.status_code == 400 and expected in _page(response)
    assert not MedecinVolontaire.objects.exists() and not mail.outbox


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"telephone": "06 12\u200b 34 56 78"},
            "Le téléphone contient un caractère invisible ou de contrôle",
        ),
        ({"commune": "15200 Mau\u202eriac"}, "La commune contient un caractère invisible ou de contrôle"),
    ],
)
def test_the_sign_up_refuses_other_texts_with_an_invisible_character(
    client: Client, changes: dict[str, str], expected: str
) -> None:
    response = _sign_up(client, **changes)
    assert response.status_code == 400 and expected in _page(response)
    assert not MedecinVolontaire.objects.exists()


def test_the_sign_up_keeps_a_name_typed_with_spaces_and_decomposed_accents(client: Client) -> None:
    response = _sign_up(
        client, nom="  Le\tGoff-He\u0301naff ", prenom="Anne-Mari\u0308e", email="Anne@Exemple.FR"
    )
    assert response.status_code == 200, _page(response)[-800:]
    saved = MedecinVolontaire.objects.get()
    assert (saved.nom, saved.prenom, saved.email) == ("Le Goff-Hénaff", "Anne-Marïe", "anne@exemple.fr")


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"telephone": "=cmd|' /C calc'!A0"}, "Numéro de téléphone illisible"),
        ({"nom": "Dupont\u202eevil"}, "Le nom contient un caractère invisible ou de contrôle (U+202E)"),
        ({"prenom": "=1+1"}, "Le prénom contient « = »"),
        ({"email": "x@exa\u200bmple.fr"}, "L'adresse électronique contient un caractère invisible"),
        ({"email": LONG_EMAIL}, "L'adresse électronique compte 297 caractères, 254 au plus"),
        (
            {"numero_am_mission": "12\u200b3"},
            "Le numéro Assurance Maladie de la mission contient un caractère",
        ),
    ],
)
def test_the_back_office_refuses_what_the_sign_up_refuses(changes: dict[str, str], expected: str) -> None:
    client, commune = _agent("view_medecinvolontaire", "change_medecinvolontaire")
    doc = medecin(commune, cdom=commune.departement)
    url = f"/admin/annuaire/medecinvolontaire/{doc.pk}/change/"
    answer = client.post(url, _posted(client.get(url), **changes))
    assert answer.status_code == 200 and expected in _page(answer)
    kept = MedecinVolontaire.objects.get(pk=doc.pk)
    assert (kept.nom, kept.prenom, kept.email, kept.telephone) == (
        doc.nom,
        doc.prenom,
        doc.email,
        doc.telephone,
    )


def test_the_back_office_writes_a_volunteers_phone_as_the_sign_up_does() -> None:
    client, commune = _agent("view_medecinvolontaire", "change_medecinvolontaire")
    doc = medecin(commune, cdom=commune.departement)
    url = f"/admin/annuaire/medecinvolontaire/{doc.pk}/change/"
    answer = client.post(url, _posted(client.get(url), telephone="05 55 12 34 56", email="Dr@Exemple.FR"))
    assert answer.status_code == 302, _page(answer)[-800:]
    kept = MedecinVolontaire.objects.get(pk=doc.pk)
    assert (kept.telephone, kept.email) == ("+33555123456", "dr@exemple.fr")


LIEU_TEXTS = {
    "nom": "Le nom du lieu",
    "adresse": "L'adresse",
    "equipements": "Le champ « Équipements »",
    "logiciel_metier": "Le logiciel métier",
    "referent_nom": "Le nom du référent local",
    "referent_email": "L'adresse électronique",
    "horaires": "Le champ « Horaires de consultation »",
    "accessibilite": "Le champ « Accessibilité »",
}


@pytest.mark.parametrize(("field", "label"), LIEU_TEXTS.items())
def test_every_text_of_a_lieu_refuses_an_invisible_character(field: str, label: str) -> None:
    client, commune = _agent("view_lieusolidaire", "change_lieusolidaire")
    place = lieu(commune)
    url = f"/admin/annuaire/lieusolidaire/{place.pk}/change/"
    value = "ref@exa\u202emple.fr" if field == "referent_email" else "Texte \u202eretourné"
    answer = client.post(url, _lieu_posted(client.get(url), **{field: value}))
    assert answer.status_code == 200
    assert f"{label} contient un caractère invisible ou de contrôle (U+202E)" in _page(answer)
    assert getattr(LieuSolidaire.objects.get(pk=place.pk), field) == getattr(place, field)


def test_a_lieu_keeps_line_breaks_in_its_long_texts_and_writes_its_phone_in_e164() -> None:
    client, commune = _agent("view_lieusolidaire", "change_lieusolidaire")
    place = lieu(commune)
    url = f"/admin/annuaire/lieusolidaire/{place.pk}/change/"
    answer = client.post(
        url,
        _lieu_posted(
            client.get(url),
            equipements="ECG\r\nTable d'examen",
            referent_telephone="05 55 12 34 56",
            referent_nom="  Claire\tMartin ",
        ),
    )
    assert answer.status_code == 302, _page(answer)[-800:]
    kept = LieuSolidaire.objects.get(pk=place.pk)
    assert (kept.equipements, kept.referent_telephone, kept.referent_nom) == (
        "ECG\r\nTable d'examen",
        "+33555123456",
        "Claire Martin",
    )
    answer = client.post(url, _lieu_posted(client.get(url), referent_telephone="=cmd|' /C calc'!A0"))
    assert answer.status_code == 200 and "Numéro de téléphone illisible" in _page(answer)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"nom": "Martin2"}, "Le nom contient « 2 »"),
        ({"prenom": "Clau\u200bde"}, "Le prénom contient un caractère invisible ou de contrôle (U+200B)"),
        ({"email": "ref@exa\u200bmple.fr"}, "L'adresse électronique contient un caractère invisible"),
    ],
)
def test_a_referent_is_checked_as_a_volunteer(changes: dict[str, str], expected: str) -> None:
    client, commune = _agent("view_referentlieu", "change_referentlieu", "view_lieusolidaire")
    referent = ReferentLieuFactory(lieu=lieu(commune))
    url = f"/admin/annuaire/referentlieu/{referent.pk}/change/"
    answer = client.post(url, _posted(client.get(url), **changes))
    assert answer.status_code == 200 and expected in _page(answer)
    kept = ReferentLieu.objects.get(pk=referent.pk)
    assert (kept.nom, kept.prenom, kept.email) == (referent.nom, referent.prenom, referent.email)
