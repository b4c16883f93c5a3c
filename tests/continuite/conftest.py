import datetime as dt
from zoneinfo import ZoneInfo

import pytest

LUNDI = dt.datetime(2026, 12, 7, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))


@pytest.fixture
def lundi(freeze_clock):  # type: ignore[no-untyped-def]
    """A Monday morning: the day's slots are all ahead."""
    freeze_clock(LUNDI)
    return LUNDI
