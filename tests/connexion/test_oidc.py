"""Each provider's round trip through Django's test client against the real test provider over HTTP."""

from __future__ import annotations

import html
import logging
import re
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session

from solidarite.annuaire.models import MedecinVolontaire
from solidarite.connexion.models import IdentiteExterne, SessionPro
from tests.factories import agent_ars_sans_droits, lieu, medecin, referent_lieu

from .conftest import consent, login
from .provider import TAMPERS, Provider

pytestmark = pytest.mark.django_db


def psc_person(rpps: str, sub: str = "psc-sub-1") -> dict[str, Any]:
    # Pro Santé Connect's userinfo: the national identifier "8" + RPPS in SubjectNameID and preferred_username.
    return {
        "sub": sub,
        "SubjectNameID": f"8{rpps}",
        "preferred_username": f"8{rpps}",
        "given_name": "Camille",
    }


def logged_in(client: Any) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("signed_userinfo", [False, True], ids=["userinfo-json", "userinfo-jwt"])
def test_psc_opens_the_validated_doctor_and_referent_account(
    client, provider: Provider, signed_userinfo
) -> None:  # type: ignore[no-untyped-def]
    doctor = medecin(statut=MedecinVolontaire.Statut.VALIDE)
    role = referent_lieu(lieu(), doctor.rpps)
    provider.person = psc_person(doctor.rpps)
    provider.userinfo_jwt = signed_userinfo
    client.get("/connexion/")
    response = login(client, "psc")
    # A doctor (also référent here) lands on their missions (connexion.comptes.landing_url).
    assert response.status_code == 302 and response["Location"] == "/planning/medecin/missions/"
    doctor.refresh_from_db()
    role.refresh_from_db()
    assert doctor.compte is not None and role.compte == doctor.compte
    assert logged_in(client) and int(client.session["_auth_user_id"]) == doctor.compte.pk
    identity = IdentiteExterne.objects.get(fournisseur="psc", sub="psc-sub-1")
    assert identity.compte == doctor.compte and identity.acr == "eidas1" and identity.amr == ["pwd", "otp"]
    assert provider.token_errors == []  # the code, the secret and the PKCE verifier were right
    asked = provider.authorizations[0]
    assert asked["code_challenge_method"] == "S256" and asked["acr_values"] == "eidas1"
    # The next login matches by sub: same account, no second one.
    client.post("/connexion/deconnexion/")
    assert login(client, "psc").status_code == 302
    assert User.objects.filter(username__startswith="rpps-").count() == 1


def test_login_gives_the_session_a_new_key(client, provider: Provider) -> None:  # type: ignore[no-untyped-def]
    doctor = medecin()
    provider.person = psc_person(doctor.rpps)
    start = client.get("/connexion/psc/")
    before = client.session.session_key
    callback = urlparse(consent(start["Location"]))
    client.get(f"{callback.path}?{callback.query}")
    assert before and client.session.session_key != before
    assert not Session.objects.filter(session_key=before).exists()


@pytest.mark.parametrize(
    "statut", ["unknown", MedecinVolontaire.Statut.INSCRIT, MedecinVolontaire.Statut.SUSPENDU]
)
def test_psc_refuses_unknown_or_unvalidated_rpps_and_creates_nothing(
    client, provider: Provider, statut
) -> None:  # type: ignore[no-untyped-def]
    rpps = "10000000009" if statut == "unknown" else medecin(statut=statut).rpps
    provider.person = psc_person(rpps)
    users = User.objects.count()
    response = login(client, "psc")
    assert response.status_code == 403
    text = response.content.decode()
    if statut == MedecinVolontaire.Statut.INSCRIT:
        assert "attend la validation de l'ARS" in text
    elif statut == MedecinVolontaire.Statut.SUSPENDU:
        assert "Votre participation est suspendue" in text
    else:
        assert "inscrivez-vous" in text and "/medecins/inscription/" in text
    assert User.objects.count() == users and not IdentiteExterne.objects.exists()
    assert not SessionPro.objects.exists() and not logged_in(client)


def test_proconnect_matches_the_ars_agent_by_email_then_by_sub(client, provider: Provider) -> None:  # type: ignore[no-untyped-def]
    agent = agent_ars_sans_droits()
    # A claim naming a region is ignored: the region is the AgentArs record's.
    provider.person = {"sub": "pc-1", "email": agent.email.upper(), "region": "Corse"}
    provider.userinfo_jwt = True  # as ProConnect answers
    response = login(client, "proconnect")
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == agent.pk
    assert IdentiteExterne.objects.get(fournisseur="proconnect").sub == "pc-1"
    agent.refresh_from_db()
    assert agent.agent_ars.region.nom != "Corse"


def test_proconnect_refuses_an_unknown_person(client, provider: Provider) -> None:  # type: ignore[no-untyped-def]
    User.objects.create_user(
        username="sans-role", email="quelquun@ars.sante.fr"
    )  # no AgentArs, not superuser
    provider.person = {"sub": "pc-2", "email": "quelquun@ars.sante.fr"}
    users = User.objects.count()
    response = login(client, "proconnect")
    assert response.status_code == 403
    assert "n'est pas ouvert sur la plateforme" in response.content.decode()
    assert User.objects.count() == users and not IdentiteExterne.objects.exists() and not logged_in(client)


def test_franceconnect_keeps_only_the_sub(client, provider: Provider) -> None:  # type: ignore[no-untyped-def]
    provider.person = {
        "sub": "fc-123",
        "given_name": "Jeanne",
        "family_name": "Durand",
        "birthdate": "1950-01-01",
    }
    assert login(client, "franceconnect").status_code == 302
    user = User.objects.get(identites__fournisseur="franceconnect", identites__sub="fc-123")
    assert (user.first_name, user.last_name, user.email) == ("", "", "")
    assert "Durand" not in user.username and "fc-123" not in user.username


@pytest.mark.parametrize("tamper", TAMPERS)
def test_a_tampered_id_token_is_refused_with_no_session(client, provider: Provider, tamper, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    doctor = medecin()
    provider.person = psc_person(doctor.rpps)
    provider.tamper = tamper
    users = User.objects.count()
    response = login(client, "psc")
    assert response.status_code == 400
    assert "n'a pas pu être vérifiée" in response.content.decode()
    assert not logged_in(client) and not SessionPro.objects.exists()
    assert User.objects.count() == users and not IdentiteExterne.objects.exists()
    assert not any("_auth_user_id" in s.get_decoded() for s in Session.objects.all())
    assert client.get("/connexion/").content.decode().count("Se connecter avec Pro Santé Connect") == 1
    for secret in provider.issued + list(provider.clients.values()):
        assert secret not in caplog.text


def test_refused_consent_opens_nothing(client, provider: Provider) -> None:  # type: ignore[no-untyped-def]
    provider.person = psc_person(medecin().rpps)
    response = login(client, "psc", accept=False)
    assert response.status_code == 403 and "Connexion annulée" in response.content.decode()
    assert not logged_in(client) and not SessionPro.objects.exists()


def test_a_forged_state_or_a_replayed_code_is_refused(client, provider: Provider) -> None:  # type: ignore[no-untyped-def]
    provider.person = psc_person(medecin().rpps)
    start = client.get("/connexion/psc/")
    callback = urlparse(consent(start["Location"]))
    query = parse_qs(callback.query)
    forged = client.get(callback.path, {"code": query["code"][0], "state": "etat-forge"})
    assert forged.status_code == 400 and not logged_in(client)
    # The real state was not consumed by the forgery; the code works once.
    assert client.get(f"{callback.path}?{callback.query}").status_code == 302
    client.post("/connexion/deconnexion/")
    assert client.get(f"{callback.path}?{callback.query}").status_code == 400
    assert not logged_in(client)


def test_the_token_endpoint_rejects_a_wrong_pkce_verifier(provider: Provider) -> None:
    """The provider really checks PKCE (so the happy paths prove the client sends the right verifier)."""
    import requests

    conf = provider.settings_for("psc")
    provider.codes["c"] = {
        "client_id": conf["client_id"],
        "redirect_uri": "http://x/",
        "code_challenge": "abc",
    }
    answer = requests.post(
        f"{provider.issuer}/token",
        data={
            "grant_type": "authorization_code",
            "code": "c",
            "redirect_uri": "http://x/",
            "client_id": conf["client_id"],
            "client_secret": conf["client_secret"],
            "code_verifier": "faux",
        },
        timeout=10,
    )
    assert answer.status_code == 400 and provider.token_errors == ["vérificateur PKCE incorrect"]


def test_logout_ends_every_session_and_the_providers(client, provider: Provider) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client

    doctor = medecin()
    provider.person = psc_person(doctor.rpps)
    other_device = Client()
    assert login(other_device, "psc").status_code == 302
    assert login(client, "psc").status_code == 302
    response = client.post("/connexion/deconnexion/")
    # A page of ours, then the provider: the CSP's form-action 'self' would stop a form's cross-site redirect.
    assert response.status_code == 303 and response["Location"] == "/connexion/deconnexion/fournisseur/"
    assert not logged_in(client)
    page = client.get(response["Location"])
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    found = re.search(r'<meta http-equiv="refresh" content="0;url=([^"]+)">', page.content.decode())
    assert found
    target = urlparse(html.unescape(found.group(1)))
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{provider.issuer}/logout"
    params = parse_qs(target.query)
    assert params["id_token_hint"][0] in provider.issued
    assert params["post_logout_redirect_uri"] == ["http://testserver/connexion/"]
    assert not logged_in(client)
    # The other device's next request is refused.
    refused = other_device.get("/")
    assert refused.status_code == 302 and refused["Location"] == "/connexion/"
    assert "déconnexion depuis un autre appareil" in other_device.get("/connexion/").content.decode()
    assert not logged_in(other_device)
    assert SessionPro.objects.filter(fin__isnull=True).count() == 0


def test_a_suspended_doctor_loses_the_session(client, provider: Provider) -> None:  # type: ignore[no-untyped-def]
    doctor = medecin()
    provider.person = psc_person(doctor.rpps)
    login(client, "psc")
    assert client.get("/").status_code == 200
    MedecinVolontaire.objects.filter(pk=doctor.pk).update(statut=MedecinVolontaire.Statut.SUSPENDU)
    assert client.get("/")["Location"] == "/connexion/"
    assert "Vos droits sur la plateforme ont changé" in client.get("/connexion/").content.decode()
    assert not logged_in(client)


def test_a_removed_ars_agent_loses_the_session(client, provider: Provider) -> None:  # type: ignore[no-untyped-def]
    agent = agent_ars_sans_droits()
    provider.person = {"sub": "pc-9", "email": agent.email}
    login(client, "proconnect")
    assert logged_in(client)
    agent.agent_ars.delete()
    assert client.get("/")["Location"] == "/connexion/" and not logged_in(client)


@pytest.mark.parametrize(("hours", "refused"), [(11.9, False), (12.1, True)])
def test_absolute_session_lifetime(client, provider: Provider, time_machine, hours, refused) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    time_machine.move_to(dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC), tick=False)
    provider.person = psc_person(medecin().rpps)
    login(client, "psc")
    minutes = 0.0
    while minutes < hours * 60 - 50:  # stay active: one request every 50 minutes
        minutes += 50
        time_machine.move_to(dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC) + dt.timedelta(minutes=minutes))
        assert client.get("/").status_code == 200
    time_machine.move_to(dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC) + dt.timedelta(hours=hours))
    assert (client.get("/").status_code == 302) is refused
    assert logged_in(client) is not refused


@pytest.mark.parametrize(("minutes", "refused"), [(59, False), (61, True)])
def test_idle_timeout(client, provider: Provider, time_machine, minutes, refused) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    start = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)
    time_machine.move_to(start, tick=False)
    provider.person = psc_person(medecin().rpps)
    login(client, "psc")
    time_machine.move_to(start + dt.timedelta(minutes=minutes))
    response = client.get("/")
    assert (response.status_code == 302) is refused
    if refused:
        assert "inactivité" in client.get("/connexion/").content.decode()


def test_nothing_secret_reaches_the_logs(client, provider: Provider, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    doctor = medecin()
    provider.person = psc_person(doctor.rpps)
    provider.userinfo_jwt = True
    login(client, "psc")
    client.post("/connexion/deconnexion/")
    assert provider.issued
    for secret in provider.issued + list(provider.clients.values()) + [doctor.rpps]:
        assert secret not in caplog.text


def test_login_returns_to_the_page_that_asked_for_it(client, provider: Provider) -> None:  # type: ignore[no-untyped-def]
    provider.person = psc_person(medecin().rpps)
    client.get("/connexion/", {"next": "/rendez-vous/"})
    assert login(client, "psc")["Location"] == "/rendez-vous/"
    client.post("/connexion/deconnexion/")
    client.get("/connexion/", {"next": "https://ailleurs.invalid/piege"})
    assert (
        login(client, "psc")["Location"] == "/planning/medecin/missions/"
    )  # their page, not the outside one


def test_an_account_left_without_its_doctor_is_found_again(client, provider: Provider) -> None:  # type: ignore[no-untyped-def]
    doctor = medecin()
    provider.person = psc_person(doctor.rpps)
    login(client, "psc")
    doctor.refresh_from_db()
    first = doctor.compte
    MedecinVolontaire.objects.filter(pk=doctor.pk).update(compte=None)
    IdentiteExterne.objects.all().delete()
    client.post("/connexion/deconnexion/")
    assert login(client, "psc").status_code == 302
    doctor.refresh_from_db()
    assert doctor.compte == first


def test_psc_without_an_rpps_claim_opens_nothing(client, provider: Provider) -> None:  # type: ignore[no-untyped-def]
    medecin()
    provider.person = {"sub": "psc-sans-rpps", "SubjectNameID": "not-an-rpps"}
    response = login(client, "psc")
    assert response.status_code == 403 and "pas transmis de numéro RPPS valide" in response.content.decode()
    assert not logged_in(client) and not IdentiteExterne.objects.exists()
