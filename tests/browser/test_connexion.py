"""Signing in through OpenID Connect in the real browser, against the test provider on loopback
(tests/connexion/provider.py): each provider's happy path, refused consent, every tampered id_token, expired and
revoked sessions."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session

from solidarite.annuaire.models import MedecinVolontaire
from solidarite.connexion.models import IdentiteExterne, SessionPro
from solidarite.territoire.models import Commune
from tests.connexion.provider import TAMPERS, Provider
from tests.factories import agent_ars_sans_droits, lieu, medecin, referent_lieu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BUTTONS = {
    "psc": "Se connecter avec Pro Santé Connect",
    "proconnect": "S'identifier avec ProConnect",
    "franceconnect": "S’identifier avec FranceConnect",
}


@pytest.fixture
def provider(settings: Any) -> Iterator[Provider]:
    started = Provider().start()
    settings.SOLIDARITE_OIDC = {name: started.settings_for(name) for name in BUTTONS}
    yield started
    started.stop()


def mauriac() -> Commune:
    return Commune.objects.select_related("epci", "departement").get(code_insee="15120")


def sign_in(page: Any, base: str, name: str, accept: bool = True) -> None:
    page.goto(base + "/connexion/")
    page.get_by_role("link", name=BUTTONS[name]).click()
    page.get_by_role("button", name="Accepter" if accept else "Refuser").click()
    page.wait_for_url(f"{base}/**")


def with_strict_form_action(page: Any, base: str) -> list[str]:
    """The platform serves its pages under its own CSP (form-action 'self', decision 0008): Chrome then refuses a
    form's redirect to another site. Collects the violations the browser reports (to stay empty)."""
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('Content Security Policy: ' + e.violatedDirective + ' ' + e.blockedURI));"
    )
    violations: list[str] = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security" in message.text else None,
    )
    return violations


def open_sessions() -> int:
    return sum("_auth_user_id" in s.get_decoded() for s in Session.objects.all())


def test_psc_then_logout_at_the_provider(territoire, live_server, browser, provider) -> None:  # type: ignore[no-untyped-def]
    doctor = medecin(mauriac())
    referent_lieu(lieu(mauriac()), doctor.rpps)
    provider.person = {"sub": "psc-1", "SubjectNameID": f"8{doctor.rpps}"}
    provider.userinfo_jwt = True
    page = browser.new_page(locale="fr-FR")
    violations = with_strict_form_action(page, live_server.url)
    sign_in(page, live_server.url, "psc")
    assert (
        page.url == live_server.url + "/planning/medecin/missions/"
    )  # the doctor's own page, behind the login
    assert page.get_by_role("button", name="Se déconnecter").count() == 1
    doctor.refresh_from_db()
    assert doctor.compte is not None and open_sessions() == 1
    # Loaded directly, so that the page carries the CSP (Playwright routes only the first hop of a redirect).
    page.goto(live_server.url + "/")
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(live_server.url + "/connexion/")
    assert "Vous êtes déconnecté·e." in page.locator("main").inner_text()
    assert provider.logouts and provider.logouts[0]["id_token_hint"] in provider.issued
    assert open_sessions() == 0 and violations == []
    page.close()


def test_proconnect_and_franceconnect(territoire, live_server, browser, provider) -> None:  # type: ignore[no-untyped-def]
    agent = agent_ars_sans_droits(is_staff=False)
    provider.person = {"sub": "pc-1", "email": agent.email}
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    sign_in(page, live_server.url, "proconnect")
    assert page.url == live_server.url + "/" and open_sessions() == 1
    context.close()
    provider.person = {"sub": "fc-1", "family_name": "Durand"}
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    sign_in(page, live_server.url, "franceconnect")
    assert page.url == live_server.url + "/connexion/mes-rendez-vous/" and open_sessions() == 2
    assert "Aucun rendez-vous pour le moment" in page.locator("main").inner_text()
    patient = IdentiteExterne.objects.get(fournisseur="franceconnect").compte
    assert patient.last_name == "" and not hasattr(patient, "agent_ars")
    context.close()


def test_refused_consent_and_every_tampered_id_token(
    territoire, live_server, browser, provider, caplog
) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    doctor = medecin(mauriac())
    provider.person = {"sub": "psc-2", "SubjectNameID": f"8{doctor.rpps}"}
    users = User.objects.count()
    page = browser.new_page(locale="fr-FR")
    sign_in(page, live_server.url, "psc", accept=False)
    assert "Connexion annulée" in page.locator("main").inner_text()
    refused = 1
    for tamper in TAMPERS:
        provider.tamper = tamper
        sign_in(page, live_server.url, "psc")
        assert "n'a pas pu être vérifiée" in page.locator("main").inner_text(), tamper
        # No session: not in the table, and the next page offers to sign in.
        assert open_sessions() == 0 and not SessionPro.objects.exists(), tamper
        page.goto(live_server.url + "/")
        assert page.get_by_role("link", name="Se connecter").count() == 1, tamper
        refused += 1
    assert User.objects.count() == users and not IdentiteExterne.objects.exists()
    for secret in provider.issued + list(provider.clients.values()):
        assert secret not in caplog.text
    print(f"\nscénarios refusés dans le navigateur : {refused} / {1 + len(TAMPERS)}")
    page.close()


def test_expired_then_revoked_sessions(territoire, live_server, browser, provider, time_machine) -> None:  # type: ignore[no-untyped-def]
    doctor = medecin(mauriac())
    provider.person = {"sub": "psc-3", "SubjectNameID": f"8{doctor.rpps}"}
    page = browser.new_page(locale="fr-FR")
    sign_in(page, live_server.url, "psc")
    assert open_sessions() == 1
    time_machine.move_to(dt.datetime.now(tz=dt.UTC) + dt.timedelta(hours=13))
    page.goto(live_server.url + "/")
    page.wait_for_url(live_server.url + "/connexion/")
    assert "Votre session a expiré" in page.locator("main").inner_text()
    assert open_sessions() == 0
    sign_in(page, live_server.url, "psc")
    assert page.get_by_role("button", name="Se déconnecter").count() == 1
    MedecinVolontaire.objects.filter(pk=doctor.pk).update(statut=MedecinVolontaire.Statut.SUSPENDU)
    page.goto(live_server.url + "/rendez-vous/")
    page.wait_for_url(live_server.url + "/connexion/")
    assert "Vos droits sur la plateforme ont changé" in page.locator("main").inner_text()
    assert open_sessions() == 0
    page.close()
