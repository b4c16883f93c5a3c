"""The back office's password sessions keep the professionals' time limits (12 hours at most, 60 minutes idle)."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from solidarite.connexion.sessions import MOT_DE_PASSE

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)
PASSWORD = "mot-de-passe-solide-123"


def admin_login(client: Client) -> None:
    User.objects.create_superuser("coordination", "coordination@exemple.fr", PASSWORD)
    response = client.post("/admin/login/?next=/admin/", {"username": "coordination", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/admin/"


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize(("minutes", "refused"), [(59, False), (61, True)])
def test_an_idle_password_session_expires(client, time_machine, minutes, refused) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(START, tick=False)
    admin_login(client)
    assert client.get("/admin/").status_code == 200
    time_machine.move_to(START + dt.timedelta(minutes=minutes), tick=False)
    response = client.get("/admin/zonage/")
    if not refused:
        assert response.status_code == 200 and logged_in(client)
        return
    # Back to the form it was opened with, which says why and returns to the page asked for.
    assert response.status_code == 302 and response["Location"] == "/admin/login/?next=%2Fadmin%2Fzonage%2F"
    assert not logged_in(client)
    page = html.unescape(client.get(response["Location"]).content.decode())
    assert "Votre session a expiré après une période d'inactivité : reconnectez-vous." in page


@pytest.mark.parametrize(("hours", "refused"), [(11.9, False), (12.1, True)])
def test_an_active_password_session_ends_after_twelve_hours(client, time_machine, hours, refused) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(START, tick=False)
    admin_login(client)
    minutes = 0
    while minutes < hours * 60 - 50:  # one request every 50 minutes keeps it active
        minutes += 50
        time_machine.move_to(START + dt.timedelta(minutes=minutes), tick=False)
        assert client.get("/admin/").status_code == 200
    time_machine.move_to(START + dt.timedelta(hours=hours), tick=False)
    response = client.get("/admin/")
    assert (response.status_code == 302) is refused
    assert logged_in(client) is not refused
    if refused:
        page = html.unescape(client.get(response["Location"]).content.decode())
        assert "Votre session a expiré (12 heures au plus) : reconnectez-vous." in page


def test_a_password_session_on_a_public_page_goes_to_the_sign_in_page(client, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(START, tick=False)
    admin_login(client)
    time_machine.move_to(START + dt.timedelta(minutes=61), tick=False)
    assert client.get("/")["Location"] == "/connexion/" and not logged_in(client)


def test_a_session_opened_before_the_limits_is_refused(client) -> None:  # type: ignore[no-untyped-def]
    admin_login(client)
    store = SessionStore(session_key=client.session.session_key)
    del store[MOT_DE_PASSE]  # as a session written by the previous version
    store.save()
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert not logged_in(client)
