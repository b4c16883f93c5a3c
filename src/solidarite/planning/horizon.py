"""The months of the planning and its horizon (the dated parameter `planning_horizon_mois`): which months a
volunteer may fill and an ARS may plan, read and written as AAAA-MM; every refusal a French ValidationError."""

from __future__ import annotations

import calendar
import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone

from solidarite.mois import add_months
from solidarite.parametres import entier


def parse_month(text: str) -> dt.date:
    try:
        first = dt.date.fromisoformat(f"{text}-01")
    except (TypeError, ValueError):
        raise ValidationError(f"Mois invalide « {text[:20]} » : format AAAA-MM attendu.") from None
    return first


def month_text(first: dt.date) -> str:
    """The month as AAAA-MM (the form of `parse_month`; `%Y` writes year 1 as « 1 »)."""
    return f"{first.year:04d}-{first.month:02d}"


def planning_horizon(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The first days of the first and last months that may be planned: the current month, and the month
    `planning_horizon_mois` (a dated parameter) after it. Past months are not planned any more."""
    today = today or timezone.localdate()
    first = today.replace(day=1)
    return first, add_months(first, entier("planning_horizon_mois", today))


def last_plannable_day(today: dt.date | None = None) -> dt.date:
    """The last day of the planning horizon: the last date a volunteer may declare."""
    last = planning_horizon(today)[1]
    return last.replace(day=calendar.monthrange(last.year, last.month)[1])


def check_plannable(first: dt.date, today: dt.date | None = None) -> None:
    """Refuses (ValidationError, in French) a month outside the planning horizon."""
    start, end = planning_horizon(today)
    if not start <= first <= end:
        raise ValidationError(
            f"Mois {first.month:02d}/{first.year:04d} hors de l'horizon du planning : de "
            f"{start.month:02d}/{start.year} à {end.month:02d}/{end.year}."
        )


def calendar_months(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The months a volunteer's calendar shows: as many months back (read only: their days are past) as the
    horizon goes ahead, to the last month of the horizon."""
    start, end = planning_horizon(today)
    span = (end.year - start.year) * 12 + end.month - start.month
    return add_months(start, -span), end
