"""iCalendar (RFC 5545) for missions: e-mail attachments and each volunteer's personal feed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from icalendar import Calendar, Event


def missions_ics(missions: Iterable[Any], name: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Solidarité territoriale//Missions//FR")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    stamp = dt.datetime.now(dt.UTC)
    for mission in missions:
        lieu = mission.lieu
        event = Event()
        event.add("uid", f"mission-{mission.pk}@solidarite-territoriale")
        event.add("dtstamp", stamp)
        event.add("dtstart", mission.date)  # a whole day: the lieu's hours are in the description
        if mission.date < dt.date.max:
            event.add("dtend", mission.date + dt.timedelta(days=1))
        else:  # the last date Python knows has no next day: the same whole day, as a duration
            event.add("duration", dt.timedelta(days=1))
        event.add("summary", f"Mission — {lieu.nom}")
        event.add("location", f"{lieu.adresse}, {lieu.commune.nom}")
        # No patient data and no secret: the day's list opens only after signing in (decision 0006).
        event.add(
            "description",
            f"Horaires : {lieu.horaires}. Référent : {lieu.referent_nom}, {lieu.referent_telephone}. "
            f"Rendez-vous de la journée, après connexion : {settings.SOLIDARITE_BASE_URL}/rendez-vous/journee/{mission.pk}/",
        )
        event.add(
            "status",
            "CANCELLED"
            if mission.statut == "annulee"
            else ("CONFIRMED" if mission.statut in ("confirmee", "realisee") else "TENTATIVE"),
        )
        calendar.add_component(event)
    return calendar.to_ical()
