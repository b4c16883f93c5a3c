"""The pure helpers of the dashboard: periods, quarters and the statistical secret (no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from solidarite.pilotage import agregation
from solidarite.pilotage.agregation import InvalidPeriodError, mask_row, month_range, parse_quarter

# No database, in this process or in a command it runs: once, in the SQLite pass (.ci/run).
pytestmark = pytest.mark.sans_base

TODAY = dt.date(2026, 12, 4)


def test_no_range_means_the_six_months_ending_this_month() -> None:
    assert month_range(None, "", TODAY) == (dt.date(2026, 7, 1), dt.date(2026, 12, 1))


@pytest.mark.parametrize(
    ("du", "au", "message"),
    [
        ("2026-01", "", "Période ouverte"),
        ("", "2026-03", "Période ouverte"),
        ("2026-06", "2026-01", "Période inversée"),
        ("2026-13", "2026-14", "n'est pas un mois valide"),
        ("janvier", "2026-02", "n'est pas un mois valide"),
        ("2020-01", "2026-01", "Période trop longue"),
    ],
)
def test_a_bad_range_is_refused_in_french(du: str, au: str, message: str) -> None:
    with pytest.raises(InvalidPeriodError, match=message):
        month_range(du, au, TODAY)


def test_quarters_and_when_they_close() -> None:
    q = parse_quarter("2026t3")
    assert (q.code, q.first, q.last_month, q.end) == (
        "2026T3",
        dt.date(2026, 7, 1),
        dt.date(2026, 9, 1),
        dt.date(2026, 9, 30),
    )
    assert not q.closed(dt.date(2026, 9, 30)) and q.closed(dt.date(2026, 10, 1))
    with pytest.raises(InvalidPeriodError, match="AAAAT1 à AAAAT4"):
        parse_quarter("2026T5")


def test_a_cell_under_the_threshold_is_masked_and_so_is_the_rate_that_would_give_it_back() -> None:
    row = {
        "rdv_reserves": 9,
        "rdv_absents": 0,
        "volontaires_actifs": 10,
        "taux_remplissage": 4.5,
        "creneaux_offerts": 200,
    }
    masked = mask_row(
        row, ["rdv_reserves", "rdv_absents", "volontaires_actifs"], {"taux_remplissage": "rdv_reserves"}, 10
    )
    assert masked["rdv_reserves"] is None and masked["taux_remplissage"] is None
    assert (
        masked["rdv_absents"] == 0
        and masked["volontaires_actifs"] == 10
        and masked["creneaux_offerts"] == 200
    )
    assert masked[agregation.MASKED] == ["rdv_reserves", "taux_remplissage"]
    assert row["rdv_reserves"] == 9  # the unmasked row is left as it was


def test_rates_and_medians() -> None:
    assert agregation.rate(1, 3) == 33.3 and agregation.rate(5, 0) is None
    assert agregation.median([3, 1, 90]) == 3.0 and agregation.median([]) is None


@pytest.mark.parametrize("per_year", [250, 251, 252, 218, 12, 1, 0])
def test_the_needed_days_of_the_months_are_whole_and_add_up_to_the_year(per_year: int) -> None:
    """250 / 12 a month, rounded row by row, made a quarter 62.5 days a zone: one zone's département said 62 (and
    three said 186) beside a region of three zones at 188, and the three months said 63. Whole days a month, the
    running total rounded: every sum of months is the figure of their range, whatever the level."""
    months = [agregation.needed_in_month(per_year, m) for m in range(1, 13)]
    assert sum(months) == per_year
    assert max(months) - min(months) <= 1
    for first in range(12):
        for last in range(first, 12):
            assert abs(sum(months[first : last + 1]) - per_year * (last + 1 - first) / 12) <= 1


def test_250_days_are_21_a_month_but_in_april_and_october() -> None:
    months = [agregation.needed_in_month(250, m) for m in range(1, 13)]
    assert months == [21, 21, 21, 20, 21, 21, 21, 21, 21, 20, 21, 21]
    assert sum(months[9:]) == 62 and sum(months[6:]) == 125  # Q4; July to December, the default range
    with pytest.raises(ValueError, match="not a calendar month"):
        agregation.needed_in_month(250, 13)


@pytest.mark.parametrize(
    ("first", "last", "said"),
    [
        (dt.date(2026, 7, 1), dt.date(2026, 12, 1), "De juillet 2026 à décembre 2026"),  # was « Du juillet »
        (dt.date(2026, 4, 1), dt.date(2026, 6, 1), "D'avril 2026 à juin 2026"),
        (dt.date(2026, 8, 1), dt.date(2026, 9, 1), "D'août 2026 à septembre 2026"),
        (dt.date(2026, 10, 1), dt.date(2027, 3, 1), "D'octobre 2026 à mars 2027"),
        (dt.date(2026, 1, 1), dt.date(2026, 8, 1), "De janvier 2026 à août 2026"),  # « à » is never elided
        (dt.date(2026, 2, 1), dt.date(2026, 2, 1), "En février 2026"),
        (dt.date(2026, 8, 1), dt.date(2026, 8, 1), "En août 2026"),
    ],
)
def test_a_period_reads_as_french(first: dt.date, last: dt.date, said: str) -> None:
    assert agregation.period(first, last) == said


def test_every_month_s_de_is_elided_before_a_vowel_only() -> None:
    for month in range(1, 12):
        said = agregation.period(dt.date(2026, month, 1), dt.date(2026, 12, 1))
        expected = "D'" if month in (4, 8, 10) else "De "
        assert said.startswith(expected), said
