"""Sign-in read as an attacker would, against the real test provider: forged tokens, a misbehaving provider,
callbacks out of their flow, open redirects, cross-site logout, replayed cookies, roles lost on the way."""

from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import urlparse

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.test import Client

from solidarite.annuaire.models import MedecinVolontaire
from solidarite.connexion import oidc
from solidarite.connexion.comptes import professionnel_connu
from solidarite.connexion.models import IdentiteExterne, SessionPro
from tests.factories import agent_ars_sans_droits, medecin

from .conftest import consent, login
from .provider import FORGERIES, Provider
from .test_oidc import logged_in, psc_person

pytestmark = pytest.mark.django_db


def nothing_opened(client: Any, users: int) -> None:
    assert not logged_in(client) and not SessionPro.objects.exists()
    assert User.objects.count() == users and not IdentiteExterne.objects.exists()
    assert not any("_auth_user_id" in s.get_decoded() for s in Session.objects.all())


@pytest.mark.parametrize("forgery", FORGERIES)
def test_an_id_token_forged_without_the_providers_key_is_refused(client, provider: Provider, forgery) -> None:  # type: ignore[no-untyped-def]
    # alg none, HS256 keyed with the public key, signature removed, nbf an hour ahead.
    provider.person = psc_person(medecin().rpps)
    provider.tamper = forgery
    users = User.objects.count()
    response = login(client, "psc")
    assert response.status_code == 400 and "n'a pas pu être vérifiée" in response.content.decode()
    nothing_opened(client, users)


@pytest.mark.parametrize("fault", ["500", "json", "vide", "liste", "emetteur"])
def test_a_broken_discovery_document_is_a_french_page_and_is_asked_again(
    client, provider: Provider, fault
) -> None:  # type: ignore[no-untyped-def]
    provider.person = psc_person(medecin().rpps)
    provider.faults["/.well-known/openid-configuration"] = fault
    users = User.objects.count()
    response = client.get("/connexion/psc/")
    assert response.status_code == 502 and "Pro Santé Connect ne répond pas" in response.content.decode()
    nothing_opened(client, users)
    # Once the provider is right again, the next login works: the bad document was not kept.
    del provider.faults["/.well-known/openid-configuration"]
    assert login(client, "psc").status_code == 302 and logged_in(client)


@pytest.mark.parametrize("fault", ["500", "vide", "liste", "emetteur"])
def test_a_discovery_document_broken_before_the_callback_opens_nothing(
    client, provider: Provider, fault
) -> None:  # type: ignore[no-untyped-def]
    provider.person = psc_person(medecin().rpps)
    start = client.get("/connexion/psc/")
    callback = urlparse(consent(start["Location"]))
    provider.faults["/.well-known/openid-configuration"] = fault
    oidc._clients.clear()  # another worker process, or this one restarted, reads the document again
    users = User.objects.count()
    response = client.get(f"{callback.path}?{callback.query}")
    assert response.status_code == 502 and "ne répond pas" in response.content.decode()
    nothing_opened(client, users)


@pytest.mark.parametrize("path", ["/jwks", "/token", "/userinfo"])
@pytest.mark.parametrize("fault", ["500", "json", "vide", "liste"])
def test_a_broken_provider_answer_at_the_callback_opens_nothing(
    client, provider: Provider, path, fault
) -> None:  # type: ignore[no-untyped-def]
    provider.person = psc_person(medecin().rpps)
    provider.faults[path] = fault
    users = User.objects.count()
    response = login(client, "psc")
    assert response.status_code in (400, 502), response.status_code
    text = response.content.decode()
    assert "ne répond pas" in text or "n'a pas pu être vérifiée" in text
    nothing_opened(client, users)


@pytest.mark.parametrize("path", ["/.well-known/openid-configuration", "/token", "/userinfo"])
def test_a_provider_that_hangs_is_cut_off(client, provider: Provider, monkeypatch, path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(oidc, "TIMEOUT", 1)
    provider.person = psc_person(medecin().rpps)
    provider.faults[path], provider.delay = "lent", 4
    users = User.objects.count()
    began = time.monotonic()
    discovery = path.startswith("/.well-known")
    response = client.get("/connexion/psc/") if discovery else login(client, "psc")
    assert time.monotonic() - began < 3.5, "the provider's slowness was waited out"
    assert response.status_code == 502 and "ne répond pas" in response.content.decode()
    nothing_opened(client, users)


@pytest.mark.parametrize("signed", [False, True], ids=["json", "jwt"])
@pytest.mark.parametrize("sub", [None, "quelquun-dautre"], ids=["sans-sub", "autre-sub"])
def test_a_userinfo_without_the_id_tokens_sub_is_not_used(client, provider: Provider, signed, sub) -> None:  # type: ignore[no-untyped-def]
    provider.person = psc_person(medecin().rpps)
    provider.userinfo_jwt = signed
    provider.userinfo_changes = {"sub": sub}
    users = User.objects.count()
    response = login(client, "psc")
    assert response.status_code == 400 and "n'a pas pu être vérifiée" in response.content.decode()
    nothing_opened(client, users)


@pytest.mark.parametrize(
    ("acr", "accepted"), [("eidas1", True), ("eidas2", True), ("eidas0", False), ("", False)]
)
def test_the_authentication_level_asked_for_is_the_one_reached(
    client, provider: Provider, acr, accepted
) -> None:  # type: ignore[no-untyped-def]
    provider.person = psc_person(medecin().rpps)
    provider.acr = acr
    response = login(client, "psc")
    assert (response.status_code == 302) is accepted and logged_in(client) is accepted
    if not accepted:
        assert response.status_code == 400 and not SessionPro.objects.exists()


def test_proconnect_asks_no_level_and_checks_none(client, provider: Provider) -> None:  # type: ignore[no-untyped-def]
    agent = agent_ars_sans_droits()
    provider.person, provider.acr = {"sub": "pc-acr", "email": agent.email}, "eidas0"
    assert login(client, "proconnect").status_code == 302 and logged_in(client)


@pytest.mark.parametrize(
    "claim",
    ["10000000011", "8", "81000000001²", "abcdefghijk", ""],
    ids=["cle", "court", "exposant", "lettres", "vide"],
)
def test_psc_without_a_valid_rpps_says_so_and_opens_nothing(client, provider: Provider, claim) -> None:  # type: ignore[no-untyped-def]
    provider.person = {"sub": "psc-x", "SubjectNameID": claim, "preferred_username": claim}
    users = User.objects.count()
    response = login(client, "psc")
    assert response.status_code == 403
    assert "pas transmis de numéro RPPS valide" in response.content.decode()
    nothing_opened(client, users)


def test_a_callback_without_state_or_from_another_browser_opens_nothing(client, provider: Provider) -> None:  # type: ignore[no-untyped-def]
    provider.person = psc_person(medecin().rpps)
    start = client.get("/connexion/psc/")
    callback = urlparse(consent(start["Location"]))
    code = dict(p.split("=", 1) for p in callback.query.split("&"))["code"]
    users = User.objects.count()
    assert client.get(callback.path, {"code": code}).status_code == 400
    assert client.get(callback.path).status_code == 400
    victim = Client()  # a callback URL sent to someone else: the state is not in their session
    assert victim.get(f"{callback.path}?{callback.query}").status_code == 400
    nothing_opened(victim, users)
    nothing_opened(client, users)


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "/\\evil.example",
        "https:evil.example",
        "https://evil.example/",
        "/\t/evil.example",
        "http://testserver@evil.example/",
        "///evil.example",
        "\\\\evil.example",
        " //evil.example",
    ],
)
def test_next_never_leads_off_site(client, provider: Provider, target) -> None:  # type: ignore[no-untyped-def]
    provider.person = psc_person(medecin().rpps)
    client.get("/connexion/", {"next": target})
    assert login(client, "psc")["Location"] == "/planning/medecin/missions/"


def test_next_encoded_stays_a_path_on_this_site(client, provider: Provider) -> None:  # type: ignore[no-untyped-def]
    provider.person = psc_person(medecin().rpps)
    client.get("/connexion/", {"next": "/%2F%2Fevil.example"})
    location = login(client, "psc")["Location"]
    assert location.startswith("/") and not location.startswith("//") and not urlparse(location).netloc


def test_logout_from_another_site_is_refused(provider: Provider) -> None:
    browser = Client(enforce_csrf_checks=True)
    provider.person = psc_person(medecin().rpps)
    login(browser, "psc")
    response = browser.post("/connexion/deconnexion/")
    assert response.status_code == 403 and logged_in(browser)
    assert SessionPro.objects.filter(fin__isnull=True).count() == 1


def test_a_signed_out_session_cookie_opens_nothing(client, provider: Provider) -> None:  # type: ignore[no-untyped-def]
    provider.person = psc_person(medecin().rpps)
    login(client, "psc")
    cookie = client.cookies["sessionid"].value
    client.post("/connexion/deconnexion/")
    thief = Client()
    thief.cookies["sessionid"] = cookie
    assert "Vous êtes connecté" not in thief.get("/connexion/").content.decode()
    assert thief.get("/planning/medecin/missions/")["Location"].startswith("/connexion/")


@pytest.mark.parametrize("statut", [MedecinVolontaire.Statut.SUSPENDU, MedecinVolontaire.Statut.INSCRIT])
def test_a_doctor_also_known_elsewhere_loses_the_session_when_the_ars_withdraws_them(
    client, provider: Provider, statut
) -> None:  # type: ignore[no-untyped-def]
    doctor = medecin()

    def known(sender: Any, rpps: str, **kwargs: Any) -> bool:  # a context above knows this RPPS too
        return rpps == doctor.rpps

    professionnel_connu.connect(known, dispatch_uid="test_connu_ailleurs")
    try:
        provider.person = psc_person(doctor.rpps)
        login(client, "psc")
        assert client.get("/").status_code == 200
        MedecinVolontaire.objects.filter(pk=doctor.pk).update(statut=statut)
        assert client.get("/")["Location"] == "/connexion/" and not logged_in(client)
        # The login says the same.
        assert login(client, "psc").status_code == 403 and not logged_in(client)
    finally:
        professionnel_connu.disconnect(dispatch_uid="test_connu_ailleurs")


def test_an_expired_session_is_recorded_as_ended(client, provider: Provider, time_machine) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    start = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)
    time_machine.move_to(start, tick=False)
    provider.person = psc_person(medecin().rpps)
    login(client, "psc")
    time_machine.move_to(start + dt.timedelta(minutes=61))
    assert client.get("/").status_code == 302
    record = SessionPro.objects.get()
    assert record.fin is not None and record.motif_fin == "inactivité"


def test_sign_ins_and_refusals_are_logged_without_secrets(client, provider: Provider, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    doctor = medecin()
    provider.person = psc_person(doctor.rpps)
    login(client, "psc")
    doctor.refresh_from_db()
    assert f"connexion psc : compte {doctor.compte_id} ouvert (rôle sante)" in caplog.text
    client.post("/connexion/deconnexion/")
    provider.tamper = "alg-none"
    login(client, "psc")
    provider.tamper = ""
    provider.person = psc_person("10000000009", sub="psc-inconnu")
    login(client, "psc")
    assert "réponse refusée (UnsupportedAlgorithmError)" in caplog.text
    assert "personne non reconnue (rpps_inconnu)" in caplog.text
    for secret in (
        provider.issued + list(provider.clients.values()) + [doctor.rpps, "psc-sub-1", "psc-inconnu"]
    ):
        assert secret not in caplog.text


@pytest.mark.parametrize("who", ["medecin", "patient"])
def test_a_deactivated_account_opens_no_session(client, provider: Provider, who) -> None:  # type: ignore[no-untyped-def]
    if who == "medecin":
        doctor = medecin()
        provider.person, name = psc_person(doctor.rpps), "psc"
    else:
        provider.person, name = {"sub": "fc-desactive"}, "franceconnect"
    assert login(client, name).status_code == 302
    client.post("/connexion/deconnexion/")
    User.objects.filter(identites__sub=provider.person["sub"]).update(is_active=False)
    sessions, links = SessionPro.objects.count(), IdentiteExterne.objects.count()
    response = login(client, name)
    assert response.status_code == 403 and "Votre compte est désactivé" in response.content.decode()
    assert not logged_in(client) and SessionPro.objects.count() == sessions
    assert IdentiteExterne.objects.count() == links


@pytest.mark.parametrize("sub", ["x" * 256, "é" * 10, 12345], ids=["256-caracteres", "non-ascii", "nombre"])
def test_a_sub_outside_the_standard_is_refused(client, provider: Provider, sub) -> None:  # type: ignore[no-untyped-def]
    # OIDC Core 2: a sub is a string of at most 255 ASCII characters; 256 did not fit IdentiteExterne.sub.
    provider.person = {"sub": sub}
    users = User.objects.count()
    response = login(client, "franceconnect")
    assert response.status_code == 400 and "n'a pas pu être vérifiée" in response.content.decode()
    nothing_opened(client, users)
