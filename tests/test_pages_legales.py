"""The pages the DSFR footer must link to: they say what the settings and the axe-core file say."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from solidarite.config.management.commands.audit_accessibilite import public_pages
from solidarite.rdv import conservation
from tests.factories import lieu

pytestmark = pytest.mark.django_db

FOOTER_LINKS = {
    "/accessibilite/": "Accessibilité : non conforme",
    "/mentions-legales/": "Mentions légales",
    "/donnees-personnelles/": "Données personnelles",
}


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def test_the_privacy_page_shows_the_durations_the_purge_applies(settings) -> None:  # type: ignore[no-untyped-def]
    settings.SOLIDARITE_CONSERVATION_RDV_JOURS = 400
    settings.SOLIDARITE_CONSERVATION_ATTENTE_JOURS = 45
    settings.SOLIDARITE_CONSERVATION_MESSAGES_JOURS = 200
    settings.SOLIDARITE_CONSERVATION_ACCES_JOURS = 1500
    settings.SOLIDARITE_DPO_ADRESSE = "DPO, 14 avenue Duquesne, 75007 Paris"
    settings.SOLIDARITE_DPO_COURRIEL = "dpo@example.org"
    text = _text(Client().get("/donnees-personnelles/"))
    for label, days in (
        ("Rendez-vous", 400),
        ("Inscriptions en liste", 45),
        ("Messages envoyés", 200),
        ("Journal des accès", 1500),
    ):
        assert re.search(rf"{label}[^|]*? {days} jours", text), (label, days)
    # The purge reads the same settings: an appointment of 399 days stays, one of 401 days goes.
    now = timezone.now()
    limites = conservation.Limites.at(now)
    assert now - dt.timedelta(days=401) < limites.rendez_vous < now - dt.timedelta(days=399)
    assert limites.acces == now - dt.timedelta(days=1500)
    for expected in (
        "article 6, paragraphe 1, point e",
        "article 9, paragraphe 2, points h et i",
        "DPO, 14 avenue Duquesne, 75007 Paris",
        "dpo@example.org",
        "CNIL",
        "rectification",
        "vous opposer",
        django_settings.SESSION_COOKIE_NAME,
        django_settings.CSRF_COOKIE_NAME,
        "aucun bandeau",
    ):
        assert expected in text, expected


def test_the_legal_notice_names_the_publisher_host_and_licences(settings) -> None:  # type: ignore[no-untyped-def]
    text = _text(Client().get("/mentions-legales/"))
    assert "Éditeur de la plateforme (à compléter)" in text  # the default says it must be completed
    settings.SOLIDARITE_EDITEUR_NOM = "Ministère chargé de la santé"
    settings.SOLIDARITE_HEBERGEUR = "Hébergeur HDS Exemple"
    text = _text(Client().get("/mentions-legales/"))
    for expected in (
        "Ministère chargé de la santé",
        "Hébergeur HDS Exemple",
        "EUPL 1.2",
        "Licence Ouverte 2.0",
        "ODbL",
    ):
        assert expected in text, expected


def _audit(pages: list[tuple[str, int, list[tuple[str, int]]]]) -> dict[str, object]:
    return {
        "date": "2026-11-30T10:15:00+01:00",
        "outil": "axe-core 4.99.0",
        "navigateur": "Chromium 1",
        "pages": [
            {
                "titre": title,
                "chemin": f"/page-{k}/",
                "regles_sans_defaut": passes,
                "a_verifier": 0,
                "defauts": [{"regle": r, "impact": "serious", "elements": n, "aide": ""} for r, n in faults],
            }
            for k, (title, passes, faults) in enumerate(pages)
        ],
        "totaux": {
            "pages": len(pages),
            "pages_sans_defaut": sum(1 for _, _, faults in pages if not faults),
            "defauts": sum(len(faults) for _, _, faults in pages),
            "elements": sum(n for _, _, faults in pages for _, n in faults),
        },
    }


def test_the_accessibility_statement_shows_what_the_axe_file_says(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "axe.json"
    path.write_text(
        json.dumps(_audit([("Accueil", 41, []), ("Carte", 37, [("color-contrast", 3), ("region", 2)])])),
        "utf-8",
    )
    settings.SOLIDARITE_AUDIT_ACCESSIBILITE = path
    text = _text(Client().get("/accessibilite/"))
    assert (
        "Contrôle automatique par axe-core 4.99.0 le 30 novembre 2026 sur 2 pages publiques : 1 sans aucun défaut "
        "détecté, 2 défauts détectés (5 éléments en cause)" in text
    )
    assert "color-contrast (serious, 3 éléments) ; region (serious, 2 éléments)" in text
    for expected in (
        "non conforme",
        "RGAA",
        "Contenus non accessibles",
        "Défenseur des droits",
        "Voies de recours",
    ):
        assert expected in text, expected
    settings.SOLIDARITE_AUDIT_ACCESSIBILITE = tmp_path / "absent.json"
    assert "Aucun résultat de contrôle automatique" in _text(Client().get("/accessibilite/"))


def test_the_committed_axe_file_is_the_one_shown() -> None:
    audit = json.loads(Path(django_settings.SOLIDARITE_AUDIT_ACCESSIBILITE).read_text("utf-8"))
    text = _text(Client().get("/accessibilite/"))
    totals = audit["totaux"]
    assert f"sur {totals['pages']} pages publiques : {totals['pages_sans_defaut']} sans aucun défaut" in text
    assert totals["pages"] == len(audit["pages"]) >= 10
    for page in audit["pages"]:
        assert page["chemin"] in text


def test_every_page_links_to_the_mandatory_footer_pages() -> None:
    lieu()  # the search results and the lieu's page are audited too
    paths = [path for _, path in public_pages()] + [
        "/page-qui-n-existe-pas/",
        reverse("rdv:gerer", args=["faux"]),
    ]
    assert len(paths) == 13
    for path in paths:
        response = Client().get(path)
        assert response.status_code in {200, 403, 404}, path  # the error pages too
        footer = response.content.decode().split('id="pied-de-page"')[1]
        for href, label in FOOTER_LINKS.items():
            assert f'href="{href}">{label}</a>' in footer, (path, href)


def test_the_audit_command_refuses_bad_arguments_in_french(tmp_path: Path) -> None:
    import io

    from django.core.management import call_command

    for arguments, message in (
        (["--out", str(tmp_path / "absent" / "axe.json")], "n'existe pas"),
        (["--out", str(tmp_path / "axe.json"), "--url", "localhost:8000"], "http:// ou https://"),
    ):
        err = io.StringIO()
        with pytest.raises(SystemExit) as exit_code:
            call_command("audit_accessibilite", *arguments, stdout=io.StringIO(), stderr=err)
        assert exit_code.value.code == 2 and message in err.getvalue()
    assert list(tmp_path.iterdir()) == []
