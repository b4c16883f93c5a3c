"""The pure core of the statements: dated amounts, adjustments, anomalies, and the property of issue 21."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solidarite.indemnisation import calcul
from solidarite.indemnisation.calcul import DEMI_JOURNEE, JOURNEE, Jour, Paye
from solidarite.parametres import PARAMETRES, InvalidParametresError, Parametre, verifier

SEPT = dt.date(2026, 9, 1)


def _table(*changes: tuple[str, str, dt.date]) -> tuple[Parametre, ...]:
    extra = tuple(
        Parametre(nom, Decimal(v), "€/jour", depuis, "Arrêté de test", "test") for nom, v, depuis in changes
    )
    return PARAMETRES + extra


def test_a_change_of_amount_on_the_15th_gives_two_rates_in_one_month() -> None:
    table = _table(("indemnite_journaliere", "250", dt.date(2026, 9, 15)))
    days = [Jour(1, dt.date(2026, 9, 10), JOURNEE), Jour(2, dt.date(2026, 9, 20), JOURNEE)]
    releve = calcul.construire(SEPT, days, {}, {d.mission_id: d for d in days}, cap=2, table=table)
    assert [(ligne.taux, ligne.montant) for ligne in releve.lignes] == [
        (Decimal("200"), Decimal("200")),
        (Decimal("250"), Decimal("250")),
    ]
    assert releve.total == Decimal("450") and releve.anomalies == ()


def test_half_days_at_their_own_amount_and_consultations_carried() -> None:
    days = [Jour(1, dt.date(2026, 9, 10), DEMI_JOURNEE, consultations=9)]
    releve = calcul.construire(SEPT, days, {}, {1: days[0]}, cap=2)
    assert releve.total == Decimal("100") and releve.lignes[0].consultations == 9


def test_over_the_cap_the_extra_days_are_held_and_flagged() -> None:
    days = [Jour(i, dt.date(2026, 9, i), JOURNEE) for i in (3, 4, 5)]
    releve = calcul.construire(SEPT, days, {}, {d.mission_id: d for d in days}, cap=2)
    assert releve.total == Decimal("400")
    assert [a.code for a in releve.anomalies] == [calcul.PLAFOND]
    assert releve.retenus == {5}


def test_half_and_full_day_on_one_date_are_both_held() -> None:
    day = dt.date(2026, 9, 8)
    days = [Jour(1, day, JOURNEE), Jour(2, day, DEMI_JOURNEE)]
    releve = calcul.construire(SEPT, days, {}, {d.mission_id: d for d in days}, cap=2)
    assert releve.lignes == () and releve.total == 0
    assert releve.anomalies[0].code == calcul.DEMI_ET_JOURNEE and "08/09/2026" in releve.anomalies[0].message


def test_two_full_days_on_one_date_overlap() -> None:
    day = dt.date(2026, 9, 8)
    days = [Jour(1, day, JOURNEE), Jour(2, day, JOURNEE)]
    found = calcul.anomalies(days, cap=2)
    assert [a.code for a in found] == [calcul.CHEVAUCHEMENT] and found[0].mission_ids == (1, 2)


def test_a_paid_day_withdrawn_or_changed_gives_an_adjustment_never_a_new_day_line() -> None:
    paid = {
        1: Paye(1, dt.date(2026, 8, 10), Decimal("200")),
        2: Paye(2, dt.date(2026, 8, 11), Decimal("200")),
    }
    now = {2: Jour(2, dt.date(2026, 8, 11), DEMI_JOURNEE)}
    releve = calcul.construire(SEPT, [], paid, now, cap=2)
    assert [(ligne.genre, ligne.mission_id, ligne.montant) for ligne in releve.lignes] == [
        ("ajustement", 1, Decimal("-200")),
        ("ajustement", 2, Decimal("-100")),
    ]


def test_a_paid_half_day_corrected_into_a_full_day_past_the_cap_is_held_not_paid() -> None:
    """A full day and two half-days paid (2 days); one half-day corrected into a full day makes 2.5 days: the
    100 € difference was paid in silence beyond the monthly cap."""
    paid = {
        1: Paye(1, dt.date(2026, 8, 10), Decimal("200")),
        2: Paye(2, dt.date(2026, 8, 11), Decimal("100")),
        3: Paye(3, dt.date(2026, 8, 12), Decimal("100")),
    }
    now = {
        1: Jour(1, dt.date(2026, 8, 10), JOURNEE),
        2: Jour(2, dt.date(2026, 8, 11), JOURNEE),
        3: Jour(3, dt.date(2026, 8, 12), DEMI_JOURNEE),
    }
    releve = calcul.construire(SEPT, [], paid, now, cap=2)
    assert releve.total == 0 and releve.lignes == ()
    assert [a.code for a in releve.anomalies] == [calcul.PLAFOND] and releve.retenus == {2}
    # The ARS withdraws the other half-day: the month is back to 2 days, the difference is paid.
    del now[3]
    releve = calcul.construire(SEPT, [], paid, now, cap=2)
    assert releve.total == 0 and releve.anomalies == ()
    assert {(ligne.mission_id, ligne.montant) for ligne in releve.lignes} == {
        (2, Decimal("100")),
        (3, Decimal("-100")),
    }


@pytest.mark.parametrize("bad", [Decimal("-200"), Decimal("NaN"), "deux cents"])
def test_negative_or_non_numeric_amounts_are_refused(bad: object) -> None:
    entry = Parametre("indemnite_journaliere", bad, "€/jour", dt.date(2026, 9, 15), "Arrêté", "test")  # type: ignore[arg-type]
    with pytest.raises(InvalidParametresError, match="montant positif"):
        verifier((*PARAMETRES, entry))
    with pytest.raises(calcul.CalculError, match="montant positif"):
        calcul.taux(JOURNEE, dt.date(2026, 9, 20), (*PARAMETRES, entry))


# --- The property: any history ⇒ paid = Σ realised days × amount in force that day, no day paid twice -------

DAYS = [dt.date(2026, 9, 1) + dt.timedelta(days=i) for i in range(75)]  # September to mid-November
events = st.lists(
    st.one_of(
        st.tuples(st.just("realiser"), st.integers(0, 11), st.sampled_from([JOURNEE, DEMI_JOURNEE])),
        st.tuples(st.just("annuler"), st.integers(0, 11)),
        st.tuples(st.just("corriger"), st.integers(0, 11), st.sampled_from([JOURNEE, DEMI_JOURNEE])),
        st.tuples(
            st.just("montant"),
            st.sampled_from(sorted(calcul.NATURES)),
            st.sampled_from(DAYS),
            st.integers(0, 400),
        ),
        st.tuples(
            st.just("releve"),
            st.sampled_from([dt.date(2026, 9, 1), dt.date(2026, 10, 1), dt.date(2026, 11, 1)]),
        ),
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(DAYS), min_size=12, max_size=12), events)
def test_total_paid_is_the_sum_of_realised_days_at_their_dated_amount(
    dates: list[dt.date],
    history: list[tuple],  # type: ignore[type-arg]
) -> None:
    """Twelve missions of one volunteer, each on its own date (two may share one: an overlap)."""
    table: tuple[Parametre, ...] = PARAMETRES
    realised: dict[int, Jour] = {}  # mission -> its realised day (missions 0..11 of one volunteer)
    paid: dict[int, Paye] = {}
    day_lines: list[int] = []
    dated: set[tuple[str, dt.date]] = set()
    held_ids: frozenset[int] = frozenset()
    for event in [*history, ("releve", dt.date(2026, 11, 1))]:
        kind = event[0]
        if kind == "realiser":
            realised[event[1]] = Jour(event[1], dates[event[1]], event[2])
        elif kind == "annuler":
            realised.pop(event[1], None)
        elif kind == "corriger" and event[1] in realised:
            realised[event[1]] = Jour(event[1], realised[event[1]].date, event[2])
        elif kind == "montant" and (calcul.NATURES[event[1]], event[2]) not in dated:
            dated.add((calcul.NATURES[event[1]], event[2]))
            table = (
                *table,
                Parametre(calcul.NATURES[event[1]], Decimal(event[3]), "€", event[2], "test", "t"),
            )
        elif kind == "releve":
            nouveaux = [j for m, j in realised.items() if m not in paid and j.date < _next(event[1])]
            releve = calcul.construire(event[1], nouveaux, paid, realised, cap=99, table=table)
            held_ids = releve.retenus  # the last statement's: days held for an anomaly, not yet paid
            for ligne in releve.lignes:
                if ligne.genre == "jour":
                    day_lines.append(ligne.mission_id)
                before = paid.get(ligne.mission_id)
                paid[ligne.mission_id] = Paye(
                    ligne.mission_id, ligne.date, (before.montant if before else Decimal(0)) + ligne.montant
                )
    assert len(day_lines) == len(set(day_lines)), "un jour payé deux fois"
    expected = {m: calcul.taux(j.nature, j.date, table) for m, j in realised.items() if m not in held_ids}
    got = {m: p.montant for m, p in paid.items() if p.montant}
    assert got == {m: v for m, v in expected.items() if v}, history


def _next(first: dt.date) -> dt.date:
    return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


# --- Where each line goes (calcul.placer): the rule whatever the order months are built in -------------------

OCT, NOV, DEC = dt.date(2026, 10, 1), dt.date(2026, 11, 1), dt.date(2026, 12, 1)


def _line(mission: int, day: dt.date, montant: int, mois: dt.date, fige: bool, genre: str = "jour"):  # type: ignore[no-untyped-def]
    return calcul.Existante(
        mission, day, Decimal(montant), genre, mois, fige, "r", ref=mission * 100 + mois.month
    )


def test_a_draft_pays_nothing_and_its_day_stays_in_its_month() -> None:
    """Day 1 (October) in October's draft, withdrawn: November neither regularises it nor takes it over."""
    place = calcul.placer(NOV, {}, [_line(1, dt.date(2026, 10, 6), 200, OCT, fige=False)])
    assert (place.nouveaux, dict(place.payes), place.tenus, place.repris) == ((), {}, frozenset({1}), ())


def test_a_day_held_by_a_later_draft_is_taken_back_by_its_own_month() -> None:
    jour = Jour(1, dt.date(2026, 10, 6), JOURNEE, groupe="r")
    held = _line(1, jour.date, 200, DEC, fige=False)
    place = calcul.placer(OCT, {1: jour}, [held])
    assert (place.nouveaux, place.repris) == ((jour,), (held,))
    # unless October's statement of its region is validated: it stays in December's draft
    assert calcul.placer(OCT, {1: jour}, [held], fermes=["r"]).tenus == {1}


def test_a_paid_day_is_regularised_in_the_first_month_after_its_payment_only() -> None:
    paid = _line(1, dt.date(2026, 10, 6), 100, OCT, fige=True)
    later = _line(1, paid.date, -100, DEC, fige=False, genre="ajustement")
    november = calcul.placer(NOV, {}, [paid, later])
    assert dict(november.payes) == {1: Paye(1, paid.date, Decimal(100), "r")} and november.repris == (later,)
    releve = calcul.construire(NOV, (), november.payes, {}, cap=2)
    assert [(x.genre, x.date, x.montant, x.motif) for x in releve.lignes] == [
        ("ajustement", paid.date, Decimal(-100), "Journée du 06/10/2026 retirée après validation")
    ]
    assert calcul.placer(DEC, {}, [paid, _line(1, paid.date, -100, NOV, False, "ajustement")]).tenus == {1}
    assert calcul.placer(OCT, {}, [paid]).tenus == {1}  # never in the paid month or before it
