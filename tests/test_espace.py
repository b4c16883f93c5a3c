"""The main menu holds a signed-in person's own pages: a doctor or an ARS coordinator gets back to them from any page."""

from __future__ import annotations

import re
import time

import pytest
from django.contrib.auth.models import User
from django.test import Client, override_settings

from solidarite.annuaire.models import MedecinVolontaire
from solidarite.connexion.models import SessionPro
from solidarite.connexion.sessions import KEY
from tests.factories import agent_ars, compte, lieu, medecin, referent_lieu

pytestmark = pytest.mark.django_db


def menu(client: Client) -> dict[str, str]:
    """The main menu's links (label → address) on the home page."""
    page = client.get("/").content.decode()
    nav = page[page.index('id="menu-principal"') : page.index("</nav>", page.index('id="menu-principal"'))]
    return {
        label: href
        for href, label in re.findall(r'<a class="fr-nav__link" href="([^"]+)"[^>]*>([^<]+)</a>', nav)
    }


def reachable(client: Client, links: dict[str, str], labels: list[str]) -> None:
    for label in labels:
        assert client.get(links[label]).status_code == 200, label


def test_an_anonymous_visitor_sees_the_public_menu_only(
    client: Client, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    links = menu(client)
    assert list(links) == [
        "Accueil",
        "Prendre rendez-vous",
        "Les zones prioritaires",
        "Devenir médecin volontaire",
        "Trouver ma commune",
    ]


def test_a_doctor_finds_missions_availabilities_and_indemnities(client: Client) -> None:
    doctor = medecin(statut=MedecinVolontaire.Statut.VALIDE)
    client.force_login(compte(doctor))
    links = menu(client)
    assert {"Mes missions", "Mes disponibilités", "Mes indemnités"} <= set(links)
    assert "Planning ARS" not in links and "Mon lieu" not in links
    reachable(client, links, ["Mes missions", "Mes disponibilités", "Mes indemnités"])
    page = client.get(links["Mes missions"]).content.decode()
    assert re.search(r'href="/planning/medecin/missions/" aria-current="page">Mes missions<', page)


def test_a_referent_finds_the_lieu(client: Client) -> None:
    user = User.objects.create_user("referente", "referente@exemple.fr")
    referent_lieu(lieu(), "10000000009", compte=user)
    client.force_login(user)
    links = menu(client)
    assert "Mon lieu" in links and "Mes missions" not in links
    reachable(client, links, ["Mon lieu"])


def test_an_ars_coordinator_finds_every_page_of_the_region(client: Client) -> None:
    client.force_login(agent_ars("75"))
    links = menu(client)
    pages = ["Planning ARS", "Pilotage", "Indemnités", "Continuité des soins", "Simulations", "Back-office"]
    assert [label for label in links if label in pages] == pages
    assert "Absences répétées" not in links  # off by default (ADR 0006): no link to a page saying so
    reachable(client, links, pages)
    with override_settings(SOLIDARITE_LISTE_ABSENCES=True):
        assert "Absences répétées" in menu(client)


def test_a_patient_finds_the_appointments(client: Client) -> None:
    user = User.objects.create_user("patient-fc")
    client.force_login(user)
    session = client.session
    record = SessionPro.objects.create(compte=user, fournisseur="franceconnect")
    now = int(time.time())
    session[KEY] = {
        "sp": record.pk,
        "fournisseur": "franceconnect",
        "role": "patient",
        "debut": now,
        "activite": now,
    }
    session.save()
    links = menu(client)
    assert "Mes rendez-vous" in links and "Mes missions" not in links
    reachable(client, links, ["Mes rendez-vous"])


ARS_PAGES = [
    "/planning/ars/",
    "/indemnisation/ars/",
    "/indemnisation/national/",
    "/pilotage/gestion/",
    "/continuite/ars/",
    "/zonage/gestion/campagnes/1/1/",
]


@pytest.mark.parametrize("path", ARS_PAGES)
def test_an_ars_page_tells_a_doctor_it_is_the_agents_and_sends_a_visitor_to_sign_in(
    client: Client, path: str
) -> None:
    """A doctor signed in who opens an ARS page (a link kept, a colleague's) reads a French 403 that sends him back
    to his menu, not the back office's password form; an anonymous visitor goes to the sign-in page, with ProConnect."""
    anonymous = client.get(path)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/connexion/?next=")
    client.force_login(compte(medecin(statut=MedecinVolontaire.Statut.VALIDE)))
    refused = client.get(path)
    text = refused.content.decode()
    assert refused.status_code == 403 and "réservée aux agents des ARS" in text
    assert "Mes missions" in text  # the menu of his own pages, on the error page itself
