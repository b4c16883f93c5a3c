"""A confirmed mission whose day is over stays « confirmée » until its doctor (or a référent) confirms the day as
realised (indemnisation.confirmer_jour): the volunteer's pages say so and lead to the confirmation, where they
said « Confirmée » as of a day ahead (a reviewer read a November mission « Confirmée » as left behind)."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.test import Client

from solidarite.indemnisation import services as indemnisation
from tests.factories import MissionFactory, compte

pytestmark = pytest.mark.django_db
TODAY = dt.datetime(2026, 12, 7, 10, tzinfo=dt.timezone(dt.timedelta(hours=1)))


def _row(page: str, day: dt.date) -> str:
    """The text of the missions table's row of `day`."""
    label = f"{day.day} {['novembre', 'décembre'][day.month - 11]} {day.year}"
    for row in re.findall(r"<tr>(.*?)</tr>", page, re.S):
        text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", row)).split())
        if label in text:
            return text
    raise AssertionError(f"aucune ligne du {label}")


def test_a_past_confirmed_day_reads_to_be_confirmed_and_leads_to_its_confirmation(
    client: Client, freeze_clock
) -> None:  # type: ignore[no-untyped-def]
    freeze_clock(TODAY)
    today = TODAY.date()
    left = MissionFactory(date=dt.date(2026, 11, 24))  # a Tuesday of last month, not confirmed since
    medecin, lieu = left.medecin, left.lieu
    done = MissionFactory(medecin=medecin, lieu=lieu, date=dt.date(2026, 11, 10))
    ahead = MissionFactory(medecin=medecin, lieu=lieu, date=today + dt.timedelta(days=8))
    user = compte(medecin)
    indemnisation.confirmer_jour(done, user, "journee", 12, today=today)
    client.force_login(user)
    page = client.get("/planning/medecin/missions/").content.decode()
    row = _row(page, left.date)
    assert "Journée passée, à confirmer" in row and "Confirmée" not in row
    assert f'href="/indemnisation/jours/{left.pk}/"' in page
    assert "Réalisée" in _row(page, done.date) and f'href="/indemnisation/jours/{done.pk}/"' not in page
    assert "Confirmée" in _row(page, ahead.date) and "à confirmer" not in _row(page, ahead.date)
    assert client.get(f"/indemnisation/jours/{left.pk}/").status_code == 200  # where the link leads
    calendar = html.unescape(
        client.get("/planning/medecin/disponibilites/", {"mois": "2026-11"}).content.decode()
    )
    assert calendar.count("Journée à confirmer") == 1 and "Réalisée" in calendar
