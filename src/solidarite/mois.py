"""Month arithmetic shared by planning (its horizon) and pilotage (its periods): a month is the date of its
first day. Pure, below every context."""

from __future__ import annotations

import datetime as dt

MOIS = (
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre",
    "décembre",
)  # fmt: skip


def add_months(first: dt.date, months: int) -> dt.date:
    """The first day of the month `months` months after (or before, if negative) `first`'s month."""
    index = first.year * 12 + first.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)
