"""`python -m solidarite audit_accessibilite --out docs/accessibilite/axe.json`: axe-core over the public pages.

Serves the platform on loopback from the configured database (or audits `--url`), opens each public page in
Chromium, runs axe-core (axe-playwright-python, as tests/browser do) and writes a dated JSON file, which the
page « Déclaration d'accessibilité » shows. Needs the development tools (`pip install -e .[dev]`) and Chromium.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.management.base import BaseCommand, CommandParser
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.core.wsgi import get_wsgi_application
from django.urls import reverse
from django.utils import timezone


def public_pages() -> list[tuple[str, str]]:
    """(title, path) of the public pages audited; those that need data only when the database has it."""
    from solidarite.annuaire.models import LieuSolidaire
    from solidarite.territoire.models import Commune

    pages = [
        ("Accueil", reverse("home")),
        ("Prendre rendez-vous", reverse("rdv:recherche")),
        ("Les zones prioritaires", reverse("zonage:carte")),
        ("Trouver ma commune", reverse("territoire:recherche")),
        ("Devenir médecin volontaire", reverse("annuaire:inscription")),
        ("Données personnelles", reverse("donnees_personnelles")),
        ("Mentions légales", reverse("mentions_legales")),
        ("Déclaration d'accessibilité", reverse("accessibilite")),
    ]
    lieu = LieuSolidaire.objects.select_related("commune").order_by("pk").first()
    if lieu is not None:
        pages.insert(
            2, ("Résultats de la recherche", f"{reverse('rdv:recherche')}?commune={lieu.commune.code_insee}")
        )
        pages.insert(3, ("Un lieu solidaire", reverse("rdv:lieu", args=[lieu.pk])))
    if Commune.objects.filter(code_insee="15120").exists():
        pages.append(("Une commune", reverse("territoire:commune", args=["15120"])))
    return pages


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def _serve() -> Iterator[str]:
    server = ThreadedWSGIServer(("127.0.0.1", 0), _QuietHandler)
    server.set_app(StaticFilesHandler(get_wsgi_application()))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def audit_with(browser: Any, base_url: str, pages: list[tuple[str, str]]) -> dict[str, Any]:
    """axe-core's verdict on each page, in an open Playwright browser, summed up (the JSON file's content)."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    results = []
    axe_version = ""
    page = browser.new_page(locale="fr-FR")
    for title, path in pages:
        page.goto(base_url + path, wait_until="networkidle")
        response = axe.run(page).response
        axe_version = response["testEngine"]["version"]
        results.append(
            {
                "titre": title,
                "chemin": path,
                "regles_sans_defaut": len(response["passes"]),
                "a_verifier": len(response["incomplete"]),
                "defauts": [
                    {"regle": v["id"], "impact": v["impact"], "elements": len(v["nodes"]), "aide": v["help"]}
                    for v in response["violations"]
                ],
            }
        )
    page.close()
    return {
        "date": timezone.localtime().isoformat(timespec="seconds"),
        "outil": f"axe-core {axe_version}",
        "navigateur": f"Chromium {browser.version}",
        "pages": results,
        "totaux": {
            "pages": len(results),
            "pages_sans_defaut": sum(1 for r in results if not r["defauts"]),
            "defauts": sum(len(r["defauts"]) for r in results),
            "elements": sum(d["elements"] for r in results for d in r["defauts"]),
        },
    }


def audit(base_url: str, pages: list[tuple[str, str]]) -> dict[str, Any]:
    """audit_with in a Chromium started here."""
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=settings.SOLIDARITE_CHROMIUM, args=["--headless=new", "--no-sandbox"]
        )
        try:
            return audit_with(browser, base_url, pages)
        finally:
            browser.close()


class Command(BaseCommand):
    help = (
        "Passe axe-core sur les pages publiques dans Chromium et écrit le résultat daté (JSON) que montre la "
        "déclaration d'accessibilité."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--out", default=str(settings.SOLIDARITE_AUDIT_ACCESSIBILITE), help="Fichier JSON à écrire."
        )
        parser.add_argument(
            "--url",
            default="",
            help="Adresse d'une plateforme qui tourne déjà (sinon servie ici, sur la base configurée).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        if not out.parent.is_dir():
            self.stderr.write(f"--out {out} : le dossier {out.parent} n'existe pas.")
            raise SystemExit(2)
        if options["url"] and not options["url"].startswith(("http://", "https://")):
            self.stderr.write(f"--url {options['url']!r} : une adresse http:// ou https:// est attendue.")
            raise SystemExit(2)
        try:
            import axe_playwright_python  # noqa: F401
            import playwright  # noqa: F401
        except ImportError:
            self.stderr.write(
                "axe-playwright-python manque : installez les outils de développement (pip install -e .[dev])."
            )
            raise SystemExit(2) from None
        if not Path(settings.SOLIDARITE_CHROMIUM).exists():
            self.stderr.write(
                f"Chromium introuvable ({settings.SOLIDARITE_CHROMIUM}) : SOLIDARITE_CHROMIUM=… pour en indiquer un."
            )
            raise SystemExit(2)
        pages = public_pages()
        if options["url"]:
            result = audit(options["url"].rstrip("/"), pages)
        else:
            with _serve() as base_url:
                result = audit(base_url, pages)
        out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        totals = result["totaux"]
        self.stdout.write(
            f"{totals['pages']} pages auditées, {totals['pages_sans_defaut']} sans défaut, "
            f"{totals['defauts']} défaut(s) ({totals['elements']} élément(s)) : {out}"
        )
