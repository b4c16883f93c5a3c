"""Campaigns and official lists are national: an ARS agent reads them, only the ministry imports, deletes or
activates (decision 0006), whatever permissions a group gives."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from solidarite.zonage.models import Campagne, ListeOfficielle
from tests.factories import agent_ars

pytestmark = pytest.mark.django_db


def test_an_ars_agent_with_every_permission_cannot_import_delete_or_activate(
    client: Client, admin_user
) -> None:  # type: ignore[no-untyped-def]
    """The probe of 6 December: Occitanie's agent, given every permission of zonage by a group, deleted the list
    Auvergne-Rhône-Alpes had imported, and was offered the deletion and the activation of campaigns."""
    liste = ListeOfficielle.objects.create(
        nom="Liste du ministère", date=dt.date(2025, 6, 27), source="Ministère", importee_par=admin_user
    )
    campagne = Campagne.objects.get(active=True)
    agent = agent_ars("76", "ars-occitanie")
    agent.user_permissions.add(*Permission.objects.filter(content_type__app_label="zonage"))
    client.force_login(agent)
    assert client.get("/admin/zonage/listeofficielle/").status_code == 200  # reading stays open
    assert client.get("/admin/zonage/listeofficielle/add/").status_code == 403
    assert (
        client.post(f"/admin/zonage/listeofficielle/{liste.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert client.post(f"/admin/zonage/campagne/{campagne.pk}/delete/", {"post": "yes"}).status_code == 403
    listing = client.get("/admin/zonage/campagne/").content.decode()
    assert "activer" not in listing and "delete_selected" not in listing
    activated = client.post(
        "/admin/zonage/campagne/", {"action": "activer", "_selected_action": [campagne.pk], "index": 0}
    )
    assert activated.status_code in (200, 302)
    assert (
        ListeOfficielle.objects.filter(pk=liste.pk).exists() and Campagne.objects.filter(active=True).exists()
    )
    client.force_login(admin_user)  # the ministry: everything offered
    assert client.get("/admin/zonage/listeofficielle/add/").status_code == 200
    assert "activer" in client.get("/admin/zonage/campagne/").content.decode()
