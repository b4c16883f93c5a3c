"""The optional texts a patient types (médecin traitant, motif, e-mail, phone) hold no invisible character, as the
names do: one cleaning (rdv.patients.invisible_error) behind the booking page, the waitlist and the API, and the
API's document says the same with a pattern built from the same class."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from solidarite.rdv.models import InscriptionAttente, RendezVous
from solidarite.rdv.patients import invisible_error
from solidarite.web.entrees import INVISIBLE
from tests.rdv.canaux import CHANNELS, FORM, sender

# Found by probing the site: a motif and a médecin traitant of bidi overrides were booked, and shown reversed on
# the day's list; an e-mail's domain took one too (Django's validate_email reads it as a letter).
INVISIBLE_TEXTS = {
    "motif": "Renouvellement \u202ed'ordonnance",  # a right-to-left override: « ecnannodro'd » shown
    "medecin_traitant": "Dr\u2066 Dupont",  # a left-to-right isolate
    "email": "jeanne@exemple\u202e.fr",
    "telephone": "06 12\u200b 34 56 78",  # a zero-width space
}
LABELS = {
    "motif": "Le motif",
    "medecin_traitant": "Le champ « Médecin traitant »",
    "email": "L'adresse électronique",
    "telephone": "Le téléphone",
}
# What each channel takes: the waitlist asks for neither a médecin traitant nor a motif.
CHANNEL_FIELDS = {
    "site": ["motif", "medecin_traitant", "email", "telephone"],
    "attente": ["email", "telephone"],
    "api": ["motif", "medecin_traitant", "email", "telephone"],
}


def _page(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.content.decode())


@pytest.mark.django_db
@pytest.mark.parametrize("channel", CHANNELS)
def test_an_optional_text_with_an_invisible_character_is_refused_on_every_channel(
    client: Client, channel: str
) -> None:
    """Each channel refuses the optional text with an invisible character (400, or 422 for the API), in French,
    naming the field and the character, nothing written; the same texts without it are taken."""
    send = sender(client, channel, FORM)

    for k, field in enumerate(CHANNEL_FIELDS[channel]):
        bad = INVISIBLE_TEXTS[field]
        response = send(k, **{field: bad})
        said = response.json()["detail"][field][0] if channel == "api" else _page(response)
        code = f"U+{ord(INVISIBLE.search(bad).group()):04X}"  # type: ignore[union-attr]
        assert response.status_code == (422 if channel == "api" else 400), (field, said[-600:])
        assert f"{LABELS[field]} contient un caractère invisible ou de contrôle ({code})" in said, said[-600:]
    assert not RendezVous.objects.exists() and not InscriptionAttente.objects.exists()
    fine = {field: INVISIBLE.sub("", INVISIBLE_TEXTS[field]) for field in CHANNEL_FIELDS[channel]}
    response = send(9, **fine)
    assert response.status_code in (200, 201), _page(response)[-600:]
    kept = (RendezVous if channel != "attente" else InscriptionAttente).objects.get()
    assert kept.email == "jeanne@exemple.fr" and kept.telephone == "+33612345678"
    if channel != "attente":
        assert (kept.motif, kept.medecin_traitant) == ("Renouvellement d'ordonnance", "Dr Dupont")


@pytest.mark.django_db
def test_the_api_documents_the_optional_texts_with_the_class_the_booking_applies(client: Client) -> None:
    """For every character of the Basic Multilingual Plane (lone surrogates aside, which JSON cannot carry in UTF-8),
    the document's pattern of the médecin traitant and the motif refuses it exactly when the booking does
    (whitespace aside: the booking turns a tab or a line break into a space, the document asks for none)."""
    fields = client.get("/api/v1/openapi.json").json()["components"]["schemas"]["RendezVousIn"]["properties"]
    for field in ("medecin_traitant", "motif"):
        pattern = re.compile(fields[field]["pattern"])
        for point in [*range(0xD800), *range(0xE000, 0x10000)]:
            text = f"toux {chr(point)} fièvre"
            if chr(point).isspace():
                continue
            documented = pattern.search(text) is not None
            assert documented == (invisible_error(field, text) is None), (field, f"U+{point:04X}")


@given(
    before=st.text(st.characters(codec="utf-8"), max_size=20),
    after=st.text(st.characters(codec="utf-8"), max_size=20),
    hidden=st.sampled_from([chr(point) for point in range(0x10000) if INVISIBLE.match(chr(point))]),
    field=st.sampled_from(["medecin_traitant", "motif", "email", "telephone"]),
)
def test_an_invisible_character_anywhere_in_an_optional_text_is_refused(
    before: str, after: str, hidden: str, field: str
) -> None:
    """Any character of the class (controls, soft hyphen, bidi marks, overrides and isolates, zero-width ones,
    private use, BOM…), wherever it stands, is refused with the field's name."""
    refusal = invisible_error(field, before + hidden + after)
    assert refusal is not None and refusal.startswith(LABELS[field])


# Found by the probe of 7 December: the API booked an e-mail of 305 characters (Django's validate_email allows 320)
# into a column of 254, the length the API's document announces; PostgreSQL refuses such a value (a 500).
TOO_LONG_EMAIL = f"{'j' * 68}@{'exemple.' * 23}fr"  # 255 characters, of an e-mail's form


@pytest.mark.django_db
@pytest.mark.parametrize("channel", CHANNELS)
def test_an_email_longer_than_its_column_is_refused_on_every_channel(client: Client, channel: str) -> None:
    """An e-mail longer than the column that keeps it (254 characters) is refused in French (400, or 422 for the
    API), nothing written, the same on every channel; at 254 characters, it is taken."""
    assert len(TOO_LONG_EMAIL) == RendezVous._meta.get_field("email").max_length + 1
    send = sender(client, channel, FORM)

    response = send(0, email=TOO_LONG_EMAIL)

    assert response.status_code == (422 if channel == "api" else 400), _page(response)[-600:]
    said = response.json()["detail"]["email"][0] if channel == "api" else _page(response)
    limit = 254 if channel == "api" else 200  # the pages' forms keep to 200 characters
    assert re.search(rf"{limit} caractères au plus|au plus {limit} caractères", said), said[-600:]
    assert not RendezVous.objects.exists() and not InscriptionAttente.objects.exists()
    if channel == "api":
        response = send(1, email=TOO_LONG_EMAIL[1:])
        assert response.status_code == 201, response.json()
        assert RendezVous.objects.get().email == TOO_LONG_EMAIL[1:]
