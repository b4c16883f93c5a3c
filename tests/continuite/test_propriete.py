"""The ownership rule (pure): closed-form cases of each step."""

import datetime as dt

import pytest

from solidarite.continuite.propriete import Kind, Owner, Situation, en_retard, owner_after, owner_at_order

D = dt.date(2026, 12, 7)


def s(**kw: object) -> Situation:
    base: dict[str, object] = {
        "today": D,
        "medecins_valides": frozenset({1, 2}),
        "referents_actifs": (10, 11),
        "medecin_traitant": None,
        "region": 84,
    }
    return Situation(**{**base, **kw})  # type: ignore[arg-type]


def test_the_ordering_doctor_owns_it_until_the_end_of_their_day() -> None:
    assert owner_at_order(1, D, s()) == Owner(Kind.MEDECIN, 1, D)
    assert owner_after(Owner(Kind.MEDECIN, 1, D), s(today=D + dt.timedelta(days=1))) == Owner(
        Kind.REFERENT, 10
    )


def test_a_withdrawn_doctor_or_a_closed_lieu_hands_over_at_once() -> None:
    assert owner_after(Owner(Kind.MEDECIN, 1, D), s(medecins_valides=frozenset({2}))) == Owner(
        Kind.REFERENT, 10
    )
    assert owner_after(Owner(Kind.MEDECIN, 1, D), s(lieu_actif=False)) == Owner(Kind.REFERENT, 10)


def test_a_referent_keeps_it_while_active_else_the_next_one_else_the_ars() -> None:
    assert owner_after(Owner(Kind.REFERENT, 11), s()) == Owner(Kind.REFERENT, 11)
    assert owner_after(Owner(Kind.REFERENT, 11), s(referents_actifs=(12,))) == Owner(Kind.REFERENT, 12)
    assert owner_after(Owner(Kind.REFERENT, 11), s(referents_actifs=())) == Owner(Kind.ARS, 84)
    assert owner_after(Owner(Kind.ARS, 84), s(referents_actifs=(12,))) == Owner(Kind.REFERENT, 12)


def test_an_accepted_medecin_traitant_takes_it_once_the_doctor_on_duty_is_gone() -> None:
    assert owner_after(Owner(Kind.REFERENT, 10), s(medecin_traitant=7)) == Owner(Kind.MEDECIN_TRAITANT, 7)
    assert owner_after(Owner(Kind.MEDECIN, 1, D), s(medecin_traitant=7)) == Owner(Kind.MEDECIN, 1, D)
    assert owner_after(Owner(Kind.MEDECIN_TRAITANT, 7), s()) == Owner(Kind.REFERENT, 10)


def test_only_a_doctor_has_an_end_date() -> None:
    with pytest.raises(ValueError, match="fin de sa mission"):
        Owner(Kind.REFERENT, 1, D)
    with pytest.raises(ValueError, match="fin de sa mission"):
        Owner(Kind.MEDECIN, 1)


def test_overdue_after_the_expected_date_plus_the_grace_period() -> None:
    assert not en_retard(D, 7, D + dt.timedelta(days=7))
    assert en_retard(D, 7, D + dt.timedelta(days=8))
