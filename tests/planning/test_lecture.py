"""planning.lecture: what an open mission is (confirmed, in an active lieu), the same as a queryset and as the
SQL relation that rdv's slot lists and bookings read."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from solidarite.planning import lecture
from solidarite.planning.models import Mission
from solidarite.rdv import services
from tests.factories import lieu, medecin

pytestmark = pytest.mark.django_db


def _missions() -> dict[str, Mission]:
    open_site, closed_site = lieu(), lieu(actif=False)
    day = timezone.localdate() + dt.timedelta(days=3)
    made = {}
    for name, site, statut, offset in (
        ("ouverte", open_site, Mission.Statut.CONFIRMEE, 0),
        ("ouverte plus tard", open_site, Mission.Statut.CONFIRMEE, 2),
        ("proposée", open_site, Mission.Statut.PROPOSEE, 1),
        ("annulée", open_site, Mission.Statut.ANNULEE, 3),
        ("lieu fermé", closed_site, Mission.Statut.CONFIRMEE, 0),
    ):
        made[name] = Mission.objects.create(
            medecin=medecin(site.commune), lieu=site, date=day + dt.timedelta(days=offset), statut=statut
        )
    return made


def test_an_open_mission_is_confirmed_in_an_active_lieu() -> None:
    made = _missions()
    expected = {made["ouverte"].pk, made["ouverte plus tard"].pk}
    assert set(lecture.missions_ouvertes().values_list("pk", flat=True)) == expected
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT m.id, m.lieu_id, m.date FROM {lecture.MISSIONS_OUVERTES_SQL} m ORDER BY m.id")
        rows = cursor.fetchall()
    assert [(pk, lieu_id) for pk, lieu_id, _ in rows] == sorted(
        (made[name].pk, made[name].lieu_id) for name in ("ouverte", "ouverte plus tard")
    )
    assert {str(day)[:10] for *_, day in rows} == {
        str(made[name].date) for name in ("ouverte", "ouverte plus tard")
    }


def test_the_open_days_of_a_lieu_from_a_day_on() -> None:
    made = _missions()
    site = made["ouverte"].lieu_id
    assert lecture.jours_ouverts(site, made["ouverte"].date) == [
        lecture.JourOuvert(made["ouverte"].pk, made["ouverte"].date),
        lecture.JourOuvert(made["ouverte plus tard"].pk, made["ouverte plus tard"].date),
    ]
    assert lecture.jours_ouverts(site, made["ouverte plus tard"].date + dt.timedelta(days=1)) == []


def test_rdv_lists_the_slots_of_open_missions_only() -> None:
    """A lieu closed in the directory offers no slot: its slots could not be booked either."""
    made = _missions()
    closed = made["lieu fermé"]
    assert services.slots(closed.lieu, closed.date, closed.date) == []
    open_site = made["ouverte"].lieu
    listed = services.slots(open_site, closed.date, closed.date + dt.timedelta(days=5))
    assert {c.id.split("-")[0] for c in listed} == {
        str(made["ouverte"].pk),
        str(made["ouverte plus tard"].pk),
    }
