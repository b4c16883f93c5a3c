"""The Content-Security-Policy in a real Chromium (issue 18, point 5): every page of the URL configuration (derived by
tests/pages.py, which fails on a route that is neither visited nor excluded with a reason), as the role that reaches
it, loaded with its scripts, then used where it runs JavaScript (autocompletion, maps, print button, htmx calendar,
Swagger UI, forms). Any violation the browser reports fails the test: the `securitypolicyviolation` events, stored on
`window` by an init script, and the console messages about the Content Security Policy.

SOLIDARITE_CAPTURES=<dossier> also saves a screenshot of each page where an action ran (to look at them)."""

from __future__ import annotations

import base64
import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from tests.pages import ROLES, Samples, Visit, make_samples, missing_message, plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class Watch:
    """A page and the violations it has reported so far."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.found: list[str] = []

    def read(self) -> None:
        """Moves what the page's listener stored into `found`: before a navigation replaces the document."""
        self.found += self.page.evaluate("(window.__csp || []).splice(0)")


LISTENER = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " : " + (e.blockedURI || "en ligne") + " (" + e.sourceFile + ":" +
    e.lineNumber + ") " + (e.sample || ""));
  document.documentElement.setAttribute("data-violations-csp", String(window.__csp.length));  // to wait on
}, true);
// The print dialog would block a headless browser: count the calls instead (the button's script calls it).
window.print = function () { window.__impressions = (window.__impressions || 0) + 1; };
"""
CAPTURES = os.environ.get("SOLIDARITE_CAPTURES")


def _autocompletion_commune(w: Watch, s: Samples) -> None:
    page = w.page
    page.get_by_label("Nom de la commune ou code postal").press_sequentially("Mauria", delay=20)
    page.locator("#resultats a", has_text="Mauriac").first.wait_for(timeout=10_000)


def _autocompletion_rdv(w: Watch, s: Samples) -> None:
    page = w.page
    page.locator("#q").press_sequentially("Mauria", delay=20)
    page.locator("#suggestions a", has_text="Mauriac").first.wait_for(timeout=10_000)


def _carte_lieux(w: Watch, s: Samples) -> None:
    page = w.page
    marker = page.locator("#carte-lieux .leaflet-marker-icon").first
    marker.wait_for(timeout=10_000)
    marker.click(force=True)  # the map is aria-hidden, out of the keyboard's path, but the mouse uses it
    page.locator("#carte-lieux .leaflet-popup").wait_for(timeout=10_000)


def _carte_zones(w: Watch, s: Samples) -> None:
    page = w.page
    # Waits through selectors: wait_for_function would evaluate a string, which this very policy forbids.
    page.locator("#carte-zones[data-chargee]").wait_for(state="attached", timeout=60_000)
    page.locator("#carte-zones .leaflet-control-zoom-in").click(force=True)
    page.locator("#carte-zones").click(force=True)  # an EPCI's popup, or the sea


def _carte_dessinee(w: Watch, s: Samples) -> None:
    """A map of zones drawn by solidarite/cartes.js (SolidariteCartes.zones): its GeoJSON fetched and drawn, a zone
    clicked (drawn on a canvas: a zone's popup, or the sea)."""
    page = w.page
    page.locator(".leaflet-container[data-chargee]").wait_for(state="attached", timeout=60_000)
    assert int(page.locator(".leaflet-container[data-chargee]").get_attribute("data-chargee") or 0) > 0
    page.locator(".leaflet-container .leaflet-control-zoom-in").click(force=True)
    page.locator(".leaflet-container").first.click(force=True)


def _imprimer(w: Watch, s: Samples) -> None:
    page = w.page
    page.get_by_role("button", name="Imprimer").click()
    assert page.evaluate("window.__impressions") == 1  # bound by rdv/journee.js, no onclick


def _calendrier_htmx(w: Watch, s: Samples) -> None:
    page = w.page
    declared = page.locator("#calendrier button[aria-pressed=true]")
    before = declared.count()
    page.locator("#calendrier button[aria-pressed=false]").first.click()
    declared.nth(before).wait_for(timeout=10_000)  # one more declared day: swapped by htmx, same page
    assert page.url.endswith("/disponibilites/")


def _swagger(w: Watch, s: Samples) -> None:
    page = w.page
    page.locator(".opblock-summary").first.wait_for(timeout=30_000)
    page.locator(".opblock-summary").first.click()
    page.locator(".opblock-body").first.wait_for(timeout=10_000)


def _reserver(w: Watch, s: Samples) -> None:
    page = w.page
    w.read()  # the form's own violations, before the confirmation replaces the document
    page.get_by_label("Prénom").fill("Paul")
    page.locator("input[name=nom]").fill("Durand")
    page.get_by_label("Date de naissance").fill("02/03/1950")
    page.locator("input[name=telephone]").fill("06 12 34 56 79")
    page.get_by_role("button", name="Confirmer le rendez-vous").click()
    page.get_by_text("Votre rendez-vous est confirmé").wait_for(timeout=10_000)


def _liste_attente(w: Watch, s: Samples) -> None:
    page = w.page
    form = page.locator("form[action*='attente']")
    today = timezone.localdate()
    form.locator("[name=prenom]").fill("Paul")
    form.locator("[name=nom]").fill("Durand")
    form.locator("[name=telephone]").fill("06 12 34 56 79")
    form.locator("[name=du]").fill(f"{today:%d/%m/%Y}")
    form.locator("[name=au]").fill(f"{today + dt.timedelta(days=30):%d/%m/%Y}")
    w.read()
    form.get_by_role("button").click()
    page.wait_for_load_state("load")
    assert "/attente/" in page.url


def _planning_calcul(w: Watch, s: Samples) -> None:
    """The solve is queued (the page polls its progress); the test then plays the worker for that task only,
    with django_tasks_db's own run, and the page reloads itself on the result."""
    from django_tasks_db.management.commands.db_worker import Worker as TaskWorker
    from django_tasks_db.models import DBTaskResult

    page = w.page
    page.get_by_role("button", name="Calculer la proposition optimale").click()
    page.get_by_text("Calcul en cours…").wait_for(timeout=10_000)
    worker = TaskWorker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="navigateur",
        excluded_queue_names=[],
    )
    solve = DBTaskResult.objects.ready().get(task_path="solidarite.planning.tasks.calculer_planning")
    solve.claim(worker.worker_id)
    worker.run_task(solve)
    page.get_by_role("button", name="Recalculer la proposition optimale").wait_for(timeout=60_000)
    grey = page.locator("td.sans-besoin").first
    if grey.count():  # a day without need: greyed by planning/ars.css, no style attribute
        assert grey.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(238, 238, 238)"


ACTIONS = {
    "autocompletion_commune": _autocompletion_commune,
    "autocompletion_rdv": _autocompletion_rdv,
    "carte_lieux": _carte_lieux,
    "carte_zones": _carte_zones,
    "carte_dessinee": _carte_dessinee,
    "imprimer": _imprimer,
    "calendrier_htmx": _calendrier_htmx,
    "swagger": _swagger,
    "reserver": _reserver,
    "liste_attente": _liste_attente,
    "planning_calcul": _planning_calcul,
}


class Tab:
    """One role's browser context and the one tab its pages are visited in, one after the other. A new tab for each
    page cost a fresh renderer (about 0.5 s a page against 0.15 s here); each navigation still starts a new document,
    where the init script's listener starts again from nothing."""

    def __init__(self, browser: Any, live_server: Any, samples: Samples, role: str) -> None:
        self.context = browser.new_context(locale="fr-FR")
        self.context.add_init_script(LISTENER)
        user = ROLES[role](samples)
        if user is not None:
            client = Client()
            client.force_login(user)
            name = settings.SESSION_COOKIE_NAME
            self.context.add_cookies(
                [{"name": name, "value": client.cookies[name].value, "url": live_server.url}]
            )
        self.page = self.context.new_page()
        self.console: list[str] = []  # what the console and uncaught errors said since the last visit began
        self.page.on(
            "console",
            lambda m: self.console.append(m.text) if "content security policy" in m.text.lower() else None,
        )
        self.page.on("pageerror", lambda e: self.console.append(f"erreur JavaScript : {e}"))

    def close(self) -> None:
        self.context.close()


def _visit(tab: Tab, live_server: Any, samples: Samples, route: str, visit: Visit) -> list[str]:
    page = tab.page
    tab.console.clear()
    page.goto(live_server.url + visit.url, wait_until="load")
    watch = Watch(page)
    watch.read()
    for name in visit.actions:
        ACTIONS[name](watch, samples)
    watch.read()
    if CAPTURES and visit.actions:
        name = f"{route.replace(':', '_')}_{'_'.join(visit.actions)}"
        Path(CAPTURES).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(CAPTURES) / f"{name}.png"), full_page=True)
        if "imprimer" in visit.actions:
            page.emulate_media(media="print")
            page.screenshot(path=str(Path(CAPTURES) / f"{name}_impression.png"), full_page=True)
            page.emulate_media(media="screen")  # the tab goes on to the next page
    found = [*watch.found, *tab.console]
    return [f"{route} ({visit.url}, {visit.role}) : {item}" for item in found]


@pytest.mark.filterwarnings(
    "ignore:The default scheme will be changed:django.utils.deprecation.RemovedInDjango60Warning"
)  # django-dsfr's DsfrConfig form in the back office (URL fields without assume_scheme)
def test_no_page_violates_the_content_security_policy(territoire, live_server, browser) -> None:  # type: ignore[no-untyped-def]
    samples = make_samples()
    visits, missing = plan(samples)
    assert not missing, missing_message(missing)
    tabs: dict[str, Tab] = {}
    violations: list[str] = []
    pages = 0
    for route, visit in visits:
        if visit.role not in tabs:
            tabs[visit.role] = Tab(browser, live_server, samples, visit.role)
        if visit.html:
            violations += _visit(tabs[visit.role], live_server, samples, route, visit)
            pages += 1
        else:  # JSON, GeoJSON, iCalendar, FHIR: the header is there all the same
            response = tabs[visit.role].context.request.get(live_server.url + visit.url)
            if "default-src 'self'" not in response.headers.get("content-security-policy", ""):
                violations.append(f"{route} ({visit.url}) : pas d'en-tête Content-Security-Policy")
    for tab in tabs.values():
        tab.close()
    print(
        f"\nCSP (Chromium) : {pages} pages visitées, {len(visits) - pages} réponses non HTML vérifiées, "
        f"{len(violations)} violation(s)"
    )
    assert violations == []


# A 1×1 PNG, served in place of the tile servers: no request leaves the machine.
TILE = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
IGN = (
    "https://data.geopf.fr/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2"
    "&STYLE=normal&TILEMATRIXSET=PM&FORMAT=image/png&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}"
)


def test_map_tiles_load_from_the_configured_host_only(territoire, live_server, browser, settings) -> None:  # type: ignore[no-untyped-def]
    """The policy's img-src holds the origin of SOLIDARITE_TUILES_URL (the IGN's by default): its tiles are drawn; a
    tile server the policy does not name is blocked, and the listener sees it (this test's own check can fail)."""
    samples = make_samples()
    address = f"{live_server.url}/rendez-vous/?commune={samples.commune.code_insee}"
    context = browser.new_context(locale="fr-FR")
    context.add_init_script(LISTENER)
    served: list[str] = []

    def serve(route: Any) -> None:
        served.append(route.request.url)
        route.fulfill(body=TILE, content_type="image/png")

    context.route("https://data.geopf.fr/**", serve)
    context.route("https://tuiles.exemple.invalid/**", serve)
    page = context.new_page()
    settings.SOLIDARITE_TUILES_URL = (
        IGN  # what the page asks Leaflet to draw; the header comes from settings.py
    )
    page.goto(address)
    page.locator("#carte-lieux img.leaflet-tile-loaded").first.wait_for(timeout=15_000)
    watch = Watch(page)
    watch.read()
    assert served and watch.found == []

    settings.SOLIDARITE_TUILES_URL = "https://tuiles.exemple.invalid/{z}/{x}/{y}.png"  # not in the policy
    served.clear()
    page.goto(address)
    page.locator("#carte-lieux .leaflet-marker-icon").first.wait_for(timeout=15_000)
    page.locator("html[data-violations-csp]").wait_for(state="attached", timeout=15_000)
    watch = Watch(page)
    watch.read()
    assert served == []  # blocked by the browser before any request
    assert watch.found and all(v.startswith("img-src") for v in watch.found)
    context.close()
