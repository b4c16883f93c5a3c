"""Pure helpers of the dashboard: months and quarters (and how a period reads in French), medians, rates, and the
statistical secret. No Django.

The figures are gathered by `indicateurs.py` (a constant number of GROUP BY queries); what is here decides how
they are shown: a cell that counts fewer people than the threshold is masked on public pages and in open data.
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from solidarite.mois import MOIS, add_months

# ASCII digits only, nothing after: « \d » took « ٢٠٢٦-١٠ » (Arabic-Indic digits) as 2026-10.
RE_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
RE_QUARTER = re.compile(r"([0-9]{4})T([1-4])")
MAX_MONTHS = 36
MASKED = "_masquees"  # the key of a masked row that lists its masked columns
VOWELS = "aâàeéèêëiîïoôuûùy"


class InvalidPeriodError(ValueError):
    """A month range or a quarter that cannot be read: the message is for the user, in French."""


def parse_month(text: str, name: str) -> dt.date:
    match = RE_MONTH.fullmatch(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 9998:
        raise InvalidPeriodError(
            f"Le mois « {text} » ({name}) n'est pas un mois valide : écrivez AAAA-MM, par exemple 2026-03."
        )
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def months(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every first-of-month from `first` to `last`, both included."""
    out = []
    current = first
    while current <= last:
        out.append(current)
        current = add_months(current, 1)
    return out


def month_range(
    du: str | None,
    au: str | None,
    default_last: dt.date,
    default_count: int = 6,
    premier: dt.date | None = None,
    mois_apres: int = 12,
) -> tuple[dt.date, dt.date]:
    """The range asked for (both ends, or neither: the `default_count` months ending at `default_last`). A range
    asked for lies between `premier` (the first month the figures exist, when given) and `mois_apres` months
    after `default_last`'s: beyond, no figure can exist (and the calendar ends in 9999)."""
    du, au = (du or "").strip(), (au or "").strip()
    if not du and not au:
        last = default_last.replace(day=1)
        return add_months(last, 1 - default_count), last
    if not du or not au:
        raise InvalidPeriodError(
            "Période ouverte : indiquez à la fois le mois de début (du) et le mois de fin (au), ou aucun des deux."
        )
    first, last = parse_month(du, "du"), parse_month(au, "au")
    if first > last:
        raise InvalidPeriodError(
            f"Période inversée : le mois de début ({du}) est après le mois de fin ({au})."
        )
    if premier is not None and first < premier:
        raise InvalidPeriodError(
            f"Les indicateurs commencent en {premier.month:02d}/{premier.year}, au début de la mission : "
            f"choisissez un mois de début ({du}) à partir de {premier:%Y-%m}."
        )
    horizon = add_months(default_last.replace(day=1), mois_apres)
    if last > horizon:
        raise InvalidPeriodError(
            f"Le mois de fin ({au}) est trop lointain : {horizon:%Y-%m} au plus tard, aucun chiffre n'existe au-delà."
        )
    if len(months(first, last)) > MAX_MONTHS:
        raise InvalidPeriodError(f"Période trop longue : {MAX_MONTHS} mois au plus.")
    return first, last


def month_name(month: dt.date) -> str:
    """« juillet 2026 »."""
    return f"{MOIS[month.month - 1]} {month.year}"


def period(first: dt.date, last: dt.date) -> str:
    """The months of a range as a sentence begins with them: « De juillet 2026 à décembre 2026 », « D'avril 2026 à
    juin 2026 » (de elided before a vowel: avril, août, octobre), « En août 2026 » for one month."""
    start = month_name(first)
    if first == last:
        return f"En {start}"
    de = "D'" if start[0] in VOWELS else "De "
    return f"{de}{start} à {month_name(last)}"


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @property
    def code(self) -> str:
        return f"{self.year}T{self.number}"

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, 3 * self.number - 2, 1)

    @property
    def last_month(self) -> dt.date:
        return add_months(self.first, 2)

    @property
    def end(self) -> dt.date:
        """The last day of the quarter."""
        return add_months(self.first, 3) - dt.timedelta(days=1)

    @property
    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)

    def closed(self, today: dt.date) -> bool:
        return today > self.end


def parse_quarter(text: str) -> Quarter:
    match = RE_QUARTER.fullmatch((text or "").strip().upper())
    if not match:
        raise InvalidPeriodError(
            f"Le trimestre « {text} » n'est pas valide : écrivez AAAAT1 à AAAAT4, par exemple 2026T3."
        )
    if not 2000 <= int(match.group(1)) <= 9998:
        raise InvalidPeriodError(f"Le trimestre « {text} » est hors du calendrier des indicateurs.")
    return Quarter(int(match.group(1)), int(match.group(2)))


def needed_in_month(per_year: int, month: int) -> int:
    """The site-days one zone needs in calendar month `month` (1 to 12): the year's `per_year` spread in whole days,
    the running total rounded half up (250: 21 or 20 a month, 62 or 63 a quarter, 125 a half-year), so that any
    months, summed over any zones, add up to the same figure at every level."""

    def up_to(m: int) -> int:  # round(per_year × m / 12), half up, in integers
        return (2 * per_year * m + 12) // 24

    if not 1 <= month <= 12:
        raise ValueError(f"month {month} is not a calendar month (1 to 12)")
    return up_to(month) - up_to(month - 1)


def median(values: Iterable[float]) -> float | None:
    data = list(values)
    return float(statistics.median(data)) if data else None


def rate(part: float | None, whole: float | None) -> float | None:
    """part / whole in percent (one decimal), None when there is no whole."""
    if part is None or not whole:
        return None
    return round(100.0 * part / whole, 1)


def secret(value: int | None, threshold: int) -> int | None:
    """The value, or None when it counts between 1 and threshold - 1 people (statistical secret)."""
    if value is None or value == 0 or value >= threshold:
        return value
    return None


def mask_row(
    row: dict[str, object], people: Sequence[str], linked: dict[str, str], threshold: int
) -> dict[str, object]:
    """A copy of `row` with the people counts under the threshold masked (None), and with each column of
    `linked` (a rate or an amount) masked when the count it depends on is: a rate times a known total would
    give the masked count back."""
    out = dict(row)
    masked: list[str] = []
    for name in people:
        value = out.get(name)
        if isinstance(value, int) and secret(value, threshold) is None:
            out[name] = None
            masked.append(name)
    for name, depends_on in linked.items():
        base = row.get(depends_on)
        if isinstance(base, int) and secret(base, threshold) is None and out.get(name) is not None:
            out[name] = None
            masked.append(name)
    out[MASKED] = masked
    return out
