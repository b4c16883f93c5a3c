"""Le formulaire des agents d'ARS ne montre pas les comptes de France : l'agent d'une ARS nomme un compte du
back-office par son adresse, l'administrateur national le cherche parmi les comptes encore libres, et la recherche
de comptes de l'administration (/admin/autocomplete/) n'en donne aucun à une ARS, quelles que soient ses
permissions."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from solidarite.territoire.models import AgentArs
from tests.factories import UserFactory, agent_ars, compte, medecin, zone_commune

pytestmark = pytest.mark.django_db
AUTOCOMPLETE = "/admin/autocomplete/?app_label=territoire&model_name=agentars&field_name=user&term="


def _world() -> dict[str, Any]:
    """An ARS agent of region A allowed to manage the agents of its region, and to read the accounts (as a
    group could hand out), with accounts of every kind around them."""
    region = zone_commune(1).departement.region
    ars = agent_ars(region.code, username="ars-a")
    ars.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_agentars", "add_agentars", "change_agentars", "view_user", "change_user"]
        )
    )
    doc = medecin()
    accounts = {
        "medecin": compte(doc, username="medecin-secret"),
        "patient": UserFactory(username="patient-4f2a9c", email="patiente@exemple.fr"),
        "collegue": UserFactory(username="collegue-ars", email="collegue@ars.sante.fr", is_staff=True),
        "autre_agent": agent_ars("11" if region.code != "11" else "84", username="agent-ailleurs"),
        "national": User.objects.create_superuser("ministere", "ministere@sante.gouv.fr", "x" * 20),
    }
    for name, address in (
        ("medecin", "dr.secret@exemple.fr"),
        ("autre_agent", "agent@ars-ailleurs.sante.fr"),
    ):
        accounts[name].email = address
        accounts[name].save()
    client = Client()
    client.force_login(ars)
    return {"region": region, "ars": ars, "client": client, **accounts}


def test_the_form_of_an_ars_agent_lists_no_account() -> None:
    w = _world()
    page = w["client"].get("/admin/territoire/agentars/add/")
    assert page.status_code == 200
    html = page.content.decode()
    for name in ("medecin", "patient", "collegue", "autre_agent", "national"):
        account = w[name]
        assert account.username not in html and account.email not in html, name
    assert 'type="email"' in html and "Adresse électronique du compte" in html


def test_the_accounts_are_not_searchable_nor_readable_by_an_ars_agent() -> None:
    """With view_user (a group may hand it out), the autocomplete of the admin gave every account of France."""
    w = _world()
    client = w["client"]
    for url in (
        AUTOCOMPLETE,
        AUTOCOMPLETE + "medecin",
        "/admin/autocomplete/?app_label=zonage&model_name=ajustement&field_name=auteur&term=",
        "/admin/auth/user/",
        f"/admin/auth/user/{w['patient'].pk}/change/",
    ):
        answer = client.get(url)
        assert answer.status_code == 403, (url, answer.status_code)
        assert b"medecin-secret" not in answer.content and b"patient-4f2a9c" not in answer.content


@pytest.mark.parametrize("other", ["medecin", "patient", "autre_agent", "national", "inconnue"])
def test_an_ars_agent_attaches_only_a_free_back_office_account_and_learns_nothing_else(other: str) -> None:
    w = _world()
    client = w["client"]
    address = w[other].email if other != "inconnue" else "personne@exemple.fr"
    before = set(AgentArs.objects.values_list("pk", "user_id", "region_id"))
    refused = client.post(
        "/admin/territoire/agentars/add/",
        {"user": address, "region": w["region"].pk, "_save": "Enregistrer"},
    )
    assert refused.status_code == 200
    html = refused.content.decode()
    assert "Aucun compte du back-office à rattacher n&#x27;a cette adresse" in html  # the same for all
    assert set(AgentArs.objects.values_list("pk", "user_id", "region_id")) == before
    added = client.post(
        "/admin/territoire/agentars/add/",
        {"user": " Collegue@ars.sante.fr ", "region": w["region"].pk, "_save": "Enregistrer"},
    )
    assert added.status_code == 302
    assert AgentArs.objects.get(user=w["collegue"]).region == w["region"]


def test_the_national_admin_searches_only_the_accounts_still_free() -> None:
    w = _world()
    client = Client()
    client.force_login(w["national"])
    found = client.get(AUTOCOMPLETE)
    assert found.status_code == 200
    names = {row["text"] for row in found.json()["results"]}
    assert {"medecin-secret", "patient-4f2a9c", "collegue-ars"} <= names
    assert not names & {"ars-a", "agent-ailleurs"}  # already agents
    page = client.get("/admin/territoire/agentars/add/")
    html = page.content.decode()
    assert page.status_code == 200 and "medecin-secret" not in html  # searched, not listed
    assert 'data-ajax--url="/admin/autocomplete/"' in html and 'data-model-name="agentars"' in html
    refused = client.post(
        "/admin/territoire/agentars/add/",
        {"user": w["autre_agent"].pk, "region": w["region"].pk, "_save": "Enregistrer"},
    )
    assert refused.status_code == 200 and AgentArs.objects.get(user=w["autre_agent"]).region != w["region"]
    own = AgentArs.objects.get(user=w["ars"])
    kept = client.get(f"/admin/territoire/agentars/{own.pk}/change/")  # the row's own account stays chosen
    assert kept.status_code == 200 and "ars-a" in kept.content.decode()
