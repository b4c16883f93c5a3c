"""The development login: a single-use link on the console, the providers' matching rules, never in production."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import override_settings

from solidarite.annuaire.models import MedecinVolontaire
from solidarite.connexion.models import LienDeConnexion, SessionPro
from tests.factories import agent_ars_sans_droits, lieu, medecin, referent_lieu

pytestmark = pytest.mark.django_db
LINK = re.compile(r"http://testserver(/connexion/dev/[^/\s]+/)")


def ask_link(client, capsys, email: str) -> str:  # type: ignore[no-untyped-def]
    response = client.post("/connexion/dev/", {"email": email})
    assert response.status_code == 200
    found = LINK.search(capsys.readouterr().out)
    assert found, "le lien doit s'afficher sur la console"
    return found.group(1)


@override_settings(SOLIDARITE_CONNEXION_DEV=True)
@pytest.mark.parametrize("who", ["medecin", "referent", "agent"])
def test_dev_link_signs_in_once(client, capsys, caplog, who) -> None:  # type: ignore[no-untyped-def]
    if who == "medecin":
        email = medecin().email
    elif who == "referent":
        email = referent_lieu(lieu(), "10000000017").email
    else:
        email = agent_ars_sans_droits().email
    link = ask_link(client, capsys, email)
    assert link.split("/")[3] not in caplog.text  # on the console only, never in the logs
    # a HEAD (a mail client's preview) neither spends the link nor signs in
    assert client.head(link).status_code == 405 and "_auth_user_id" not in client.session
    response = client.get(link)
    assert response.status_code == 302 and "_auth_user_id" in client.session
    assert SessionPro.objects.filter(fournisseur="dev").count() == 1
    client.post("/connexion/deconnexion/")
    again = client.get(link)
    assert again.status_code == 400 and "n'est plus valable" in again.content.decode()
    assert "_auth_user_id" not in client.session


@override_settings(SOLIDARITE_CONNEXION_DEV=True)
def test_dev_link_expires_after_ten_minutes(client, capsys, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC), tick=False)
    link = ask_link(client, capsys, medecin().email)
    time_machine.move_to(dt.datetime(2026, 12, 1, 8, 11, tzinfo=dt.UTC), tick=False)
    assert client.get(link).status_code == 400 and "_auth_user_id" not in client.session


@override_settings(SOLIDARITE_CONNEXION_DEV=True)
def test_dev_link_forged_or_for_someone_unvalidated(client, capsys) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/connexion/dev/abc:def/").status_code == 400
    users = User.objects.count()
    link = ask_link(client, capsys, medecin(statut=MedecinVolontaire.Statut.INSCRIT).email)
    response = client.get(link)
    assert response.status_code == 403 and "attend la validation" in response.content.decode()
    link = ask_link(client, capsys, "personne@exemple.fr")
    assert client.get(link).status_code == 403
    assert User.objects.count() == users and "_auth_user_id" not in client.session
    assert client.post("/connexion/dev/", {"email": "pas-une-adresse"}).status_code == 400


@override_settings(SOLIDARITE_CONNEXION_DEV=False)
def test_dev_login_is_404_when_off(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/connexion/dev/").status_code == 404
    assert client.post("/connexion/dev/", {"email": "a@b.fr"}).status_code == 404
    assert not LienDeConnexion.objects.exists()
    assert "Connexion de développement" not in client.get("/connexion/").content.decode()


@override_settings(SOLIDARITE_CONNEXION_DEV=True, SOLIDARITE_ENV="production")
def test_dev_login_is_404_in_production_even_if_set(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/connexion/dev/").status_code == 404


def test_dev_login_cannot_be_enabled_in_production() -> None:
    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "PYTHONPATH": str(root / "src"),
        "SOLIDARITE_ENV": "production",
        "DJANGO_SECRET_KEY": "x" * 60,
        "SOLIDARITE_CONNEXION_DEV": "1",
        "DJANGO_SETTINGS_MODULE": "solidarite.config.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import solidarite.config.settings"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "SOLIDARITE_CONNEXION_DEV ne peut pas être activée en production" in result.stderr


def test_an_http_issuer_is_refused_in_production() -> None:
    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "PYTHONPATH": str(root / "src"),
        "SOLIDARITE_ENV": "production",
        "DJANGO_SECRET_KEY": "x" * 60,
        "SOLIDARITE_PSC_ISSUER": "http://127.0.0.1:9999",
        "SOLIDARITE_PSC_CLIENT_ID": "a",
        "SOLIDARITE_PSC_CLIENT_SECRET": "b",
    }
    env.pop("SOLIDARITE_CONNEXION_DEV", None)
    result = subprocess.run(
        [sys.executable, "-c", "import solidarite.config.settings"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0 and "SOLIDARITE_PSC_ISSUER doit commencer par https://" in result.stderr


@override_settings(SOLIDARITE_CONNEXION_DEV=True)
def test_dev_link_stays_out_of_the_logs_even_when_refused(client, capsys, caplog, time_machine) -> None:  # type: ignore[no-untyped-def]
    import logging

    caplog.set_level(logging.DEBUG)
    time_machine.move_to(dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC), tick=False)
    link = ask_link(client, capsys, medecin().email)
    time_machine.move_to(dt.datetime(2026, 12, 1, 8, 11, tzinfo=dt.UTC), tick=False)
    assert client.get(link).status_code == 400  # expired: django.request writes the path of a 400
    assert client.get(link.replace(":", "x", 1)).status_code == 400  # forged
    assert caplog.records and link.split("/")[3] not in caplog.text


@override_settings(SOLIDARITE_CONNEXION_DEV=True)
def test_dev_form_from_another_site_is_refused(capsys) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    response = browser.post("/connexion/dev/", {"email": medecin().email})
    assert response.status_code == 403 and not LienDeConnexion.objects.exists()
    assert "/connexion/dev/" not in capsys.readouterr().out


@override_settings(SOLIDARITE_CONNEXION_DEV=True)
@pytest.mark.parametrize(
    "email",
    [
        "a@demo.invalid\nLien de connexion pour b@demo.invalid :\nhttp://piege.invalid/",
        "@",
        "a@",
    ],
    ids=["saut-de-ligne", "arobase", "sans-domaine"],
)
def test_dev_form_refuses_what_is_not_an_address(client, capsys, email) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/connexion/dev/", {"email": email})
    assert (
        response.status_code == 400
        and "Saisissez une adresse électronique valide" in response.content.decode()
    )
    assert not LienDeConnexion.objects.exists() and "Lien de connexion" not in capsys.readouterr().out
