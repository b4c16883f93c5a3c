"""One submit tells everything that is wrong: the booking and the waitlist forms report every error of the details
typed on the first submit, each next to its field (DSFR's error pattern) and in the summary, the values kept.

The forms checked their own fields first and the booking's rules (a phone or an e-mail, a phone that reads as
one, a period the waitlist can serve) only once those passed: a patient with no contact and a date typed wrong was
told of the date, corrected it, and only then learned that a phone or an e-mail was needed."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.test import Client
from django.utils import timezone

from solidarite.rdv import services
from solidarite.rdv.models import InscriptionAttente, RendezVous
from solidarite.rdv.patients import CONTACT_FIELDS
from tests.factories import mission as _mission

pytestmark = pytest.mark.django_db

CONTACT_MISSING = "Indiquez un téléphone ou une adresse électronique, pour vous prévenir."


def _field_errors(page: str) -> dict[str, str]:
    """Each field shown in DSFR's error state, by name: its input `aria-invalid` and described by its error text,
    inside a group `fr-input-group--error`; the error text shown under it. The refusal of the phone and the e-mail
    together (neither given) is their fieldset's, under the key `contact` (`_contact_error`)."""
    found: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", page):
        if 'aria-invalid="true"' not in tag:
            continue
        name = re.search(r'name="([^"]+)"', tag).group(1)  # type: ignore[union-attr]
        described = re.search(r'aria-describedby="([^"]*)"', tag)
        if name in CONTACT_FIELDS and (described is None or "-desc-error" not in described.group(1)):
            found["contact"] = _contact_error(page)
            continue
        assert described is not None, tag
        error_id = next(i for i in described.group(1).split() if i.endswith("-desc-error"))
        before = page[: page.index(tag)]
        assert before.rfind("fr-input-group--error") > before.rfind('class="fr-input-group'), name
        block = re.search(rf'<div id="{error_id}">(.*?)</div>', page, re.S)
        assert block is not None and 'class="fr-error-text"' in block.group(1), name
        found[name] = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", block.group(1))).split())
    return found


def _contact_error(page: str) -> str:
    """The refusal of the phone and the e-mail together, as DSFR shows a fieldset in error: the fieldset
    `fr-fieldset--error`, named by its legend and its messages (role="group", aria-labelledby), the message in
    them once, and nowhere under either field; both inputs inside it, `aria-invalid`, neither described by an
    error of its own; the summary's link to the group leads to an input of it."""
    fieldset = re.search(r'<fieldset[^>]*id="groupe-contact"[^>]*>(.*?)</fieldset>', page, re.S)
    assert fieldset is not None
    tag, inside = fieldset.group(0).split(">", 1)[0], fieldset.group(1)
    assert 'class="fr-fieldset fr-fieldset--error"' in tag and 'role="group"' in tag, tag
    labelled = re.search(r'aria-labelledby="([^"]*)"', tag).group(1).split()  # type: ignore[union-attr]
    assert labelled == ["groupe-contact-legende", "groupe-contact-messages"], labelled
    legend = re.search(r'<legend[^>]*id="groupe-contact-legende"[^>]*>(.*?)</legend>', inside, re.S)
    assert legend is not None and "Comment vous prévenir ?" in legend.group(1)
    assert "au moins l'un des deux" in html.unescape(legend.group(1))
    messages = re.search(
        r'<div class="fr-messages-group" id="groupe-contact-messages"[^>]*>(.*?)</div>', inside, re.S
    )
    assert messages is not None
    errors = re.findall(r'<p class="fr-message fr-message--error">(.*?)</p>', messages.group(1), re.S)
    assert len(errors) == 1, errors
    message = html.unescape(errors[0]).strip()
    assert html.unescape(page).count(message) == 2  # in the summary, and once in the form: in the group
    for name in CONTACT_FIELDS:
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', inside)
        assert tag is not None and 'aria-invalid="true"' in tag.group(0), name
        assert "-desc-error" not in tag.group(0) and "fr-input-group--error" not in inside, name
    summary = page.split('id="resume-erreurs"')[1].split("</div>")[0]
    links = re.findall(r'<a href="#([^"]+)">([^<]*)</a>', summary)
    targets = [target for target, text in links if html.unescape(text).startswith("Comment vous prévenir ?")]
    assert len(targets) == 1 and f'id="{targets[0]}"' in inside, links  # the link's target is in the group
    assert message in html.unescape(summary)
    return message


def _value(page: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert match is not None, name
    value = re.search(r'value="([^"]*)"', match.group(0))
    return html.unescape(value.group(1)) if value else ""


def _booking_url() -> str:
    mission = _mission(days_ahead=10)
    slot = services.slots(mission.lieu, mission.date, mission.date)[0]
    return f"/rendez-vous/creneau/{slot.id}/"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        pytest.param(  # the reviewer's case: no contact, and another field wrong
            {"prenom": "Jeanne", "nom": "", "date_naissance": "17/05/1948", "telephone": "", "email": ""},
            {"nom": "obligatoire", "contact": CONTACT_MISSING},
            id="no-name-no-contact",
        ),
        pytest.param(
            {
                "prenom": "Jeanne",
                "nom": "Martin",
                "date_naissance": "31/02/1948",
                "telephone": "",
                "email": "",
            },
            {"date_naissance": "Date de naissance illisible", "contact": CONTACT_MISSING},
            id="bad-date-no-contact",
        ),
        pytest.param(
            {"prenom": "", "nom": "Martin", "date_naissance": "", "telephone": "12", "email": "jeanne@"},
            {
                "prenom": "obligatoire",
                "date_naissance": "obligatoire",
                "telephone": "téléphone",
                "email": "Adresse électronique invalide.",
            },
            id="everything-wrong",
        ),
        pytest.param(  # the form's fields all valid: the contact's error on the first submit as before
            {
                "prenom": "Jeanne",
                "nom": "Martin",
                "date_naissance": "17/05/1948",
                "telephone": "",
                "email": "",
            },
            {"contact": CONTACT_MISSING},
            id="no-contact-only",
        ),
        pytest.param(  # a phone longer than its field: refused there, not taken for no contact at all
            {
                "prenom": "Jeanne",
                "nom": "Martin",
                "date_naissance": "17/05/1948",
                "telephone": "0" * 25,
                "email": "",
            },
            {"telephone": "au plus 20 caractères"},
            id="phone-too-long",
        ),
    ],
)
def test_the_booking_form_reports_every_error_on_the_first_submit(
    client: Client, typed: dict[str, str], expected: dict[str, str]
) -> None:
    url = _booking_url()
    response = client.post(url, {**typed, "medecin_traitant": "Dr Roux", "motif": "Renouvellement"})
    page = response.content.decode()
    assert response.status_code == 400 and not RendezVous.objects.exists()
    errors = _field_errors(page)
    assert set(errors) == set(expected), errors
    for field, text in expected.items():
        assert text.casefold() in errors[field].casefold(), (field, errors[field])
    summary = html.unescape(page.split('id="resume-erreurs"')[1].split("</div>")[0])
    assert f"{len(expected)} erreur" in summary
    for field in expected:
        assert f'href="#id_{"telephone" if field == "contact" else field}"' in summary
    for field, value in typed.items():  # what was typed, kept
        assert _value(page, field) == value
    assert _value(page, "medecin_traitant") == "Dr Roux" and _value(page, "motif") == "Renouvellement"
    assert ("fr-fieldset--error" in page) == ("contact" in expected)  # a field's own error: under it only


def test_the_booking_form_corrected_once_books(client: Client) -> None:
    """The patient corrects what the first answer listed, and the second submit books: nothing was held back."""
    url = _booking_url()
    first = client.post(url, {"prenom": "Jeanne", "nom": "", "date_naissance": "17/05/1948"})
    assert set(_field_errors(first.content.decode())) == {"nom", "contact"}
    cle = re.search(r'name="cle" value="([^"]+)"', first.content.decode()).group(1)  # type: ignore[union-attr]
    fixed = {
        "prenom": "Jeanne",
        "nom": "Martin",
        "date_naissance": "17/05/1948",
        "telephone": "06 12 34 56 78",
    }
    second = client.post(url, {**fixed, "cle": cle})
    assert second.status_code == 200 and RendezVous.objects.count() == 1


def _waitlist(client: Client, typed: dict[str, str]):  # type: ignore[no-untyped-def]
    mission = _mission(days_ahead=10)
    return client.post(f"/rendez-vous/lieu/{mission.lieu.pk}/attente/", typed)


def _day(days: int) -> str:
    return f"{timezone.localdate() + dt.timedelta(days=days):%d/%m/%Y}"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        pytest.param(
            {"prenom": "Louis", "nom": "", "telephone": "", "email": "", "du": _day(0), "au": _day(30)},
            {"nom": "obligatoire", "contact": CONTACT_MISSING},
            id="no-name-no-contact",
        ),
        pytest.param(
            {
                "prenom": "Louis",
                "nom": "Durand",
                "telephone": "",
                "email": "",
                "du": "31/02/2027",
                "au": _day(30),
            },
            {"du": "Date de début illisible", "contact": CONTACT_MISSING},
            id="bad-date-no-contact",
        ),
        pytest.param(
            {
                "prenom": "",
                "nom": "Durand",
                "telephone": "04 71 00 00 00",
                "email": "",
                "du": _day(-3),
                "au": "",
            },
            {
                "prenom": "obligatoire",
                "telephone": "ne reçoit pas de SMS",
                "du": "dans le passé",
                "au": "obligatoire",
            },
            id="landline-no-end",
        ),
        pytest.param(
            {
                "prenom": "",
                "nom": "Durand",
                "telephone": "06 11 22 33 44",
                "email": "",
                "du": _day(-3),
                "au": _day(30),
            },
            {"prenom": "obligatoire", "du": "ne peut pas commencer dans le passé"},
            id="past-start-no-first-name",
        ),
        pytest.param(  # an e-mail alone is a contact: nothing asks for a phone
            {
                "prenom": "Louis",
                "nom": "",
                "telephone": "",
                "email": "louis@exemple.fr",
                "du": _day(0),
                "au": _day(30),
            },
            {"nom": "obligatoire"},
            id="email-only-no-name",
        ),
    ],
)
def test_the_waitlist_form_reports_every_error_on_the_first_submit(
    client: Client, typed: dict[str, str], expected: dict[str, str]
) -> None:
    response = _waitlist(client, typed)
    page = response.content.decode()
    assert response.status_code == 400 and not InscriptionAttente.objects.exists()
    errors = _field_errors(page)
    assert set(errors) == set(expected), errors
    for field, text in expected.items():
        assert text.casefold() in errors[field].casefold(), (field, errors[field])
    summary = html.unescape(page.split('id="resume-erreurs"')[1].split("</div>")[0])
    assert f"{len(expected)} erreur" in summary
    for field, value in typed.items():
        assert _value(page, field) == value
    assert ("fr-fieldset--error" in page) == ("contact" in expected)
