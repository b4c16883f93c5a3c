"""Le back-office d'une ARS n'écrit que dans sa région (décision 0006) : ouvrir une ligne de sa région ne suffit
pas, la ligne enregistrée doit y rester. Sinon un agent de la région A pousse un médecin (ou se rattache
lui-même) dans la région B par le formulaire de modification."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from solidarite.annuaire.models import MedecinVolontaire
from solidarite.territoire.models import AgentArs, Departement
from tests.factories import agent_ars, medecin, zone_commune

pytestmark = pytest.mark.django_db


def _posted(page: Any, **changes: Any) -> dict[str, Any]:
    """The change form as the browser would send it back, with `changes`."""
    form = page.context["adminform"].form
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form.initial.get(name, field.initial)
        if value is None:
            value = ""
        if isinstance(value, list | tuple):
            value = [getattr(v, "pk", v) for v in value]
        data[name] = getattr(value, "pk", value)
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management.initial.get(name, 0)
    data.update(changes)
    data["_save"] = "Enregistrer"
    return {k: v for k, v in data.items() if v is not None}


def _agent(*codenames: str) -> tuple[Client, Any]:
    commune = zone_commune(1)
    user = agent_ars(commune.departement.region.code, username="ars-a")
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    client = Client()
    client.force_login(user)
    return client, commune


def _other_region_departement(commune: Any) -> Departement:
    return Departement.objects.exclude(region=commune.departement.region).order_by("code").first()


def test_an_ars_agent_cannot_move_a_volunteer_to_another_region() -> None:
    client, commune = _agent("view_medecinvolontaire", "change_medecinvolontaire")
    doc = medecin(commune, cdom=commune.departement)
    url = f"/admin/annuaire/medecinvolontaire/{doc.pk}/change/"
    elsewhere = _other_region_departement(commune)
    page = client.get(url)
    assert page.status_code == 200
    answer = client.post(url, _posted(page, cdom=elsewhere.pk))
    assert answer.status_code == 200, "le formulaire revient avec une erreur"
    assert "hors de votre région" in answer.content.decode()
    assert MedecinVolontaire.objects.get(pk=doc.pk).cdom_id == commune.departement_id


def test_a_volunteer_changed_inside_the_region_is_saved() -> None:
    client, commune = _agent("view_medecinvolontaire", "change_medecinvolontaire")
    doc = medecin(commune, cdom=commune.departement)
    url = f"/admin/annuaire/medecinvolontaire/{doc.pk}/change/"
    answer = client.post(url, _posted(client.get(url), jours_max_par_mois=1))
    assert answer.status_code == 302
    assert MedecinVolontaire.objects.get(pk=doc.pk).jours_max_par_mois == 1


def test_the_days_a_month_are_never_set_above_the_national_cap() -> None:
    """3 days a month was saved for a volunteer while the scheme pays 2: the planner proposed the third."""
    client, commune = _agent("view_medecinvolontaire", "change_medecinvolontaire")
    doc = medecin(commune, cdom=commune.departement)
    url = f"/admin/annuaire/medecinvolontaire/{doc.pk}/change/"
    answer = client.post(url, _posted(client.get(url), jours_max_par_mois=3))
    assert answer.status_code == 200 and "Entre 1 et 2 jours par mois" in answer.content.decode()
    assert MedecinVolontaire.objects.get(pk=doc.pk).jours_max_par_mois == 2


@pytest.mark.parametrize("typed", ["+1", " 1", "01", "1.0", "1_0", "\u0661", "\uff11", "1e0", "-1"])
def test_a_count_typed_in_another_writing_is_refused_and_nothing_changes(typed: str) -> None:
    """Django's IntegerField read « +1 », « 1.0 » or « ١ » as 1 and saved it (decision 0004, point 11)."""
    client, commune = _agent("view_medecinvolontaire", "change_medecinvolontaire")
    doc = medecin(commune, cdom=commune.departement)
    url = f"/admin/annuaire/medecinvolontaire/{doc.pk}/change/"
    answer = client.post(url, _posted(client.get(url), jours_max_par_mois=typed))
    assert (
        answer.status_code == 200
        and "Saisissez un nombre entier en chiffres de 0 à 9" in answer.content.decode()
    )
    assert MedecinVolontaire.objects.get(pk=doc.pk).jours_max_par_mois == 2


def test_an_ars_agent_cannot_attach_themselves_to_another_region() -> None:
    client, commune = _agent("view_agentars", "change_agentars")
    agent = AgentArs.objects.get(user__username="ars-a")
    url = f"/admin/territoire/agentars/{agent.pk}/change/"
    elsewhere = _other_region_departement(commune).region
    answer = client.post(url, _posted(client.get(url), region=elsewhere.pk))
    assert answer.status_code == 200 and "hors de votre région" in answer.content.decode()
    assert AgentArs.objects.get(pk=agent.pk).region_id == commune.departement.region_id


def test_a_staff_account_without_ars_cannot_attach_itself_to_a_region() -> None:
    """Un compte du back-office rattaché à aucune ARS ne voit aucune ligne ; il ne s'en crée pas une non plus."""
    from django.contrib.auth.models import User

    from tests.factories import UserFactory

    user: User = UserFactory(username="sans-ars", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=["view_agentars", "add_agentars"]))
    client = Client()
    client.force_login(user)
    region = zone_commune(1).departement.region
    answer = client.post(
        "/admin/territoire/agentars/add/", {"user": user.pk, "region": region.pk, "_save": "Enregistrer"}
    )
    assert answer.status_code == 403 and not AgentArs.objects.filter(user=user).exists()
