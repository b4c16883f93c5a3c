"""The three ways a patient's details reach the platform (the booking page, the waitlist, the API), for the tests
that send the same details through each and expect the same answer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.test import Client
from django.utils import timezone

from solidarite.rdv import services
from tests.factories import mission

CHANNELS = ("site", "attente", "api")
# A patient's details as the booking page's form sends them.
FORM = {
    "prenom": "Jeanne",
    "nom": "Martin",
    "date_naissance": "17/05/1948",
    "telephone": "06 12 34 56 78",
    "email": "jeanne@exemple.fr",
}


def sender(client: Client, channel: str, form: dict[str, str]) -> Callable[..., Any]:
    """`send(k, **fields)`: `form` with `fields` over it, sent by `channel` for the `k`-th slot of a mission in ten
    days (the page's form, the lieu's waitlist over the next 30 days, or the API's JSON)."""
    booked = mission(days_ahead=10)
    slots = services.slots(booked.lieu, booked.date, booked.date)
    du, au = timezone.localdate(), timezone.localdate() + dt.timedelta(days=30)

    def send(k: int, **fields: str) -> Any:
        if channel == "site":
            return client.post(f"/rendez-vous/creneau/{slots[k].id}/", {**form, **fields})
        if channel == "attente":
            period = {"du": f"{du:%d/%m/%Y}", "au": f"{au:%d/%m/%Y}"}
            return client.post(f"/rendez-vous/lieu/{booked.lieu.pk}/attente/", {**form, **period, **fields})
        body = {**form, "date_naissance": "1948-05-17", "creneau": slots[k].id, **fields}
        return client.post("/api/v1/rendez-vous", body, content_type="application/json")

    return send
