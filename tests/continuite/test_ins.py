"""The INS rules (pure): the matricule's key with Corsica's rule, and what is a near match."""

import datetime as dt
import re

import pytest

from solidarite.continuite import ins


def with_key(thirteen: str) -> str:
    return thirteen + f"{ins.cle_ins(thirteen):02d}"


def test_key_is_97_minus_the_number_mod_97() -> None:
    assert ins.cle_ins("1480515120001") == 97 - 1480515120001 % 97
    assert ins.normalise_matricule("2 48 05 15 120 001 " + f"{ins.cle_ins('2480515120001'):02d}")


def test_corsica_2a_and_2b_read_as_19_and_18() -> None:
    assert ins.cle_ins("180052A123456") == 97 - 1800519123456 % 97
    assert ins.cle_ins("180052B123456") == 97 - 1800518123456 % 97
    assert ins.normalise_matricule(with_key("180052B123456")).startswith("180052B")


def test_a_bad_key_or_format_is_refused_in_french() -> None:
    good = with_key("1480515120001")
    bad = good[:13] + f"{(int(good[13:]) % 97) + 1:02d}"
    with pytest.raises(ins.InsError, match="clé du matricule INS est fausse"):
        ins.normalise_matricule(bad)
    with pytest.raises(ins.InsError, match="15 caractères"):
        ins.normalise_matricule("12345")


@pytest.mark.parametrize("zero", ["٠", "０"], ids=["arabic-indic", "fullwidth"])
def test_a_matricule_in_other_digits_is_refused(zero: str) -> None:
    """« \\d » and int() read them: the matricule was kept in those digits, and the same person's record,
    written in 0 to 9, was never found again by its INS."""
    good = with_key("1480515120001")
    other = good[0] + "".join(chr(ord(zero) + int(c)) for c in good[1:])  # the sex digit is [12378] already
    with pytest.raises(ins.InsError, match="15 caractères"):
        ins.normalise_matricule(other)


def traits(**kw: object) -> ins.Traits:
    base: dict[str, object] = {
        "nom_naissance": "Martin",
        "prenoms": "Jeanne",
        "date_naissance": dt.date(1948, 5, 17),
        "sexe": "F",
        "lieu_naissance": "15120",
    }
    return ins.Traits(**{**base, **kw})  # type: ignore[arg-type]


def test_same_traits_written_differently_are_the_same_record() -> None:
    assert traits().cle() == traits(nom_naissance="MARTIN ", prenoms="jeanne").cle()
    assert ins.rapprochement(traits(), traits(nom_naissance="martin")) == ""


@pytest.mark.parametrize(
    ("other", "motif"),
    [
        ({"prenoms": "Jeane"}, "prénom presque identique"),
        ({"prenoms": "Jaenne"}, "prénom presque identique"),
        ({"nom_naissance": "Martinn"}, "nom de naissance presque identique"),
        ({"date_naissance": dt.date(1948, 12, 5)}, "jour et mois de naissance inversés"),
        ({"lieu_naissance": "15014"}, "mêmes nom, prénom et date de naissance, autres traits différents"),
    ],
)
def test_near_matches_are_flagged_with_their_reason(other: dict[str, object], motif: str) -> None:
    a = traits(date_naissance=dt.date(1948, 5, 12)) if "date_naissance" in other else traits()
    other = {**other, "date_naissance": dt.date(1948, 12, 5)} if "date_naissance" in other else other
    assert ins.rapprochement(a, traits(**other)) == motif


def test_different_people_are_not_flagged() -> None:
    assert ins.rapprochement(traits(), traits(prenoms="Paul", sexe="M")) == ""
    assert ins.rapprochement(traits(), traits(date_naissance=dt.date(1950, 1, 1))) == ""


@pytest.mark.parametrize(
    ("thirteen", "born", "sexe", "message"),
    [
        ("1480515120001", dt.date(1948, 5, 17), "F", "commence par 1 \\(homme\\)"),
        ("2490515120001", dt.date(1948, 5, 17), "F", "naissance en « 49 », pas en 1948"),
        ("2480615120001", dt.date(1948, 5, 17), "F", "au mois 06, pas au mois 05"),
    ],
)
def test_a_matricule_of_another_sex_or_birth_is_refused(thirteen, born, sexe, message) -> None:  # type: ignore[no-untyped-def]
    """A right key is not enough: the NIR writes the sex, the birth year and month (another person's number,
    typed or read off the wrong card, was kept as this patient's INS)."""
    assert re.search(message, ins.incoherence(with_key(thirteen), born, sexe))


def test_a_coherent_matricule_a_month_not_known_and_a_nia_pass() -> None:
    born = dt.date(1948, 5, 17)
    assert ins.incoherence(with_key("2480515120001"), born, "F") == ""
    assert ins.incoherence(with_key("2489915120001"), born, "F") == ""  # month not known
    assert ins.incoherence(with_key("2480515120001"), born, "I") == ""  # sex indeterminate
    assert ins.incoherence(with_key("7010515120001"), born, "M") == ""  # a NIA is not checked
