"""A new account's names, from an identity provider or a register: readable text, cut to their columns without
parting a letter from its accents (connexion.noms.fit_name)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from hypothesis import example, given
from hypothesis import strategies as st

from solidarite.connexion.comptes import Identite, open_account, professionnel_connu
from solidarite.connexion.models import Fournisseur
from solidarite.connexion.noms import DROPPED, ELLIPSIS, clean_text, fit_name
from tests.factories import medecin

from .conftest import login
from .provider import Provider
from .test_oidc import psc_person

# Letters with their accents, as a provider may send them decomposed (NFD), and what it should not send.
DECOMPOSED_E = "e\u0301"  # é as e + combining acute accent
NAMES = st.text(
    st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(["\u0301", "\u0327", "\u0308", "\u202e", "\u200b", "\u2066", "\n", "\t", "\x00"]),
    ),
    max_size=200,
)


def _attached(char: str) -> bool:
    return unicodedata.category(char) in {"Mn", "Mc", "Me"}


@given(raw=NAMES, limit=st.integers(min_value=1, max_value=160))
@example(raw="Anne-" + DECOMPOSED_E * 200, limit=150)
@example(raw="x" * 149 + DECOMPOSED_E, limit=150)
@example(raw="x" * 148 + "q\u0323\u0307", limit=150)  # q and two marks, which NFC does not compose
def test_a_provider_name_is_cleaned_and_cut_to_its_column(raw: str, limit: int) -> None:
    fitted = fit_name(raw, limit)
    cleaned = clean_text(raw)
    assert len(fitted) <= limit
    assert not any(unicodedata.category(c) in DROPPED for c in fitted)
    assert unicodedata.is_normalized("NFC", fitted)
    assert fitted == " ".join(fitted.split())  # no space at either end, none doubled, no tab or line break
    assert fit_name(fitted, limit) == fitted  # cleaning again changes nothing
    if len(cleaned) <= limit:
        assert fitted == cleaned
    else:
        kept = fitted.removesuffix(ELLIPSIS)
        assert fitted.endswith(ELLIPSIS) and cleaned.startswith(kept)
        # the cut falls before a character that stands on its own: no accent parted from its letter
        assert not kept or not _attached(cleaned[len(kept)])


@pytest.mark.parametrize(
    ("raw", "limit", "fitted"),
    [
        ("Jean\u202e-Pierre", 150, "Jean-Pierre"),  # a right-to-left override dropped
        ("  Marie\n\tClaire\u200b  ", 150, "Marie Claire"),  # spaces collapsed, zero-width space dropped
        ("Z" + "o" * 3 + DECOMPOSED_E, 150, "Zooo\u00e9"),  # composed (NFC)
        ("Zo" + DECOMPOSED_E * 3, 4, "Zo\u00e9" + ELLIPSIS),  # composed first: 5 characters, not 8
        ("Ab" + "q\u0323\u0307" + "d", 5, "Ab" + ELLIPSIS),  # q̣̇ (no precomposed form): whole or not
        ("Jean Pierre", 6, "Jean" + ELLIPSIS),  # no space before the ellipsis
        (None, 150, ""),
    ],
)
def test_fit_name_examples(raw: Any, limit: int, fitted: str) -> None:
    assert fit_name(raw, limit) == fitted


@pytest.fixture
def declared_professional() -> Iterator[str]:
    """An RPPS that a context above knows (as continuite does of a declared médecin traitant)."""
    rpps = "10101010105"

    def known(sender: Any, rpps: str, **kwargs: Any) -> bool:
        return rpps == "10101010105"

    professionnel_connu.connect(known, dispatch_uid="test_noms")
    yield rpps
    professionnel_connu.disconnect(dispatch_uid="test_noms")


@pytest.mark.django_db
def test_a_professional_account_gets_the_provider_names_cleaned_and_cut(declared_professional: str) -> None:
    """Pro Santé Connect opens the account of a professional known elsewhere with the identity's names: an
    over-long one, in decomposed letters with an override and a line break, fits its column, readable."""
    limit = User._meta.get_field("last_name").max_length
    assert limit is not None
    long_name = "\u202eDurand-" + "L" + DECOMPOSED_E * 200
    identite = Identite(
        fournisseur=Fournisseur.PSC,
        sub="psc-long",
        rpps=declared_professional,
        email="claire.durand@exemple.fr",
        nom=long_name,
        prenom="Claire\nAnne\x00",
    )
    user, _ = open_account(identite)  # saved: a value longer than its column would fail on PostgreSQL
    user.refresh_from_db()
    assert (user.first_name, len(user.last_name)) == ("Claire Anne", limit)
    assert user.last_name == "Durand-L" + "\u00e9" * (limit - len("Durand-L") - 1) + ELLIPSIS


@pytest.mark.django_db
def test_signing_in_with_psc_keeps_the_register_names_readable(client: Any, provider: Provider) -> None:
    """Through the test provider: the account opened for a validated doctor takes the register's names, without
    the invisible characters or decomposed accents they were typed with."""
    doctor = medecin(prenom="Ren" + DECOMPOSED_E + "\u200b", nom="Le\u202e Gall")
    # The provider's own names are not read (connexion.oidc keeps what matching needs): the register's are taken.
    provider.person = {**psc_person(doctor.rpps), "family_name": "X" * 400}
    assert login(client, "psc").status_code == 302
    doctor.refresh_from_db()
    assert doctor.compte is not None
    assert (doctor.compte.first_name, doctor.compte.last_name) == ("Ren\u00e9", "Le Gall")
