"""What the patient's path costs on a slow line (bench/pages_patient.py measures it): the map of the lieux asks only
for the tiles it shows, once the page is loaded, and the search fields load no italic font (43 KB for a placeholder)."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest

from solidarite.annuaire.models import LieuSolidaire
from tests.factories import mission_a_mauriac

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A 1×1 PNG in place of the IGN's tiles: no request leaves the machine.
TILE = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
# The bench's poor rural line (bench/pages_patient.py), bytes per second: a tile dropped still had its request sent.
SLOW_LINE = {"offline": False, "latency": 400, "downloadThroughput": 50_000, "uploadThroughput": 18_750}
TILES = "https://data.geopf.fr/wmts?SERVICE=WMTS&REQUEST=GetTile&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}"


def _context_with_local_tiles(browser: Any, settings: Any, **options: Any) -> tuple[Any, list[str]]:
    """A browser context whose map tiles are answered here (a 1×1 PNG), and the list of the tiles it asked for."""
    settings.SOLIDARITE_TUILES_URL = TILES
    context = browser.new_context(locale="fr-FR", **options)
    asked: list[str] = []

    def serve(route: Any) -> None:
        asked.append(route.request.url)
        route.fulfill(body=TILE, content_type="image/png")

    context.route("https://data.geopf.fr/**", serve)
    return context, asked


def test_the_map_of_the_lieux_asks_for_the_tiles_of_its_final_view_once_the_page_is_loaded(
    territoire: None, live_server: Any, browser: Any, settings: Any
) -> None:
    """Framed before its background is added: no tile of a first view, asked then dropped (on a line of 400 ms
    of latency, each one held a connection of the six the browser opens per host). The background comes after
    the page's load event: its tiles no longer keep the page « loading » for seconds, the list and markers first."""
    mission = mission_a_mauriac()
    # The lieu 15 km north of its commune: a frame a few zoom levels from the first view, which Leaflet animates,
    # fetching the first view's tiles for the animation (at the commune itself, it jumps without fetching them).
    LieuSolidaire.objects.filter(pk=mission.lieu.pk).update(latitude=mission.lieu.latitude + 0.135)
    context, asked = _context_with_local_tiles(browser, settings)
    page = context.new_page()
    sent: list[str] = []  # every request the page started, those it dropped before an answer included
    cdp = context.new_cdp_session(page)
    cdp.on("Network.requestWillBeSent", lambda event: sent.append(event["request"]["url"]))
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_LINE)
    page.goto(f"{live_server.url}/rendez-vous/?commune={mission.lieu.commune.code_insee}")
    page.locator("#carte-lieux img.leaflet-tile-loaded").first.wait_for(timeout=15_000)
    page.wait_for_load_state("networkidle")
    shown = page.locator("#carte-lieux img.leaflet-tile").count()
    early = page.evaluate(
        """() => {
          const loaded = performance.getEntriesByType('navigation')[0].loadEventStart;
          return performance.getEntriesByType('resource')
            .filter(r => r.name.startsWith('https://data.geopf.fr/') && r.startTime < loaded).length;
        }"""
    )
    context.close()
    tiles = [url for url in sent if url.startswith("https://data.geopf.fr/")]
    zooms = {re.search(r"TILEMATRIX=(\d+)", url).group(1) for url in tiles}  # type: ignore[union-attr]
    assert early == 0, f"{early} tuile(s) demandée(s) avant la fin du chargement de la page"
    assert len(zooms) == 1, f"tuiles demandées à plusieurs niveaux de zoom : {sorted(zooms)}"
    assert len(tiles) == len(asked) == shown


@pytest.mark.parametrize("address", ["/", "/rendez-vous/"])
def test_the_search_fields_load_no_italic_font(
    territoire: None, live_server: Any, browser: Any, address: str
) -> None:
    """DSFR sets placeholders in italics, a font file of its own: the example is a hint shown under the field (which
    stays while the patient types) instead; the page keeps its look, and the search still names its example."""
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.goto(live_server.url + address)
    page.wait_for_load_state("networkidle")
    fonts = page.evaluate(
        "document.fonts.ready.then(() => Array.from(document.fonts).filter(f => f.status === 'loaded')"
        ".map(f => f.family + ' ' + f.weight + ' ' + f.style))"
    )
    hint = page.locator("#q").get_attribute("aria-describedby")
    described = page.locator(f"#{hint}").inner_text() if hint else ""
    placeholder = page.locator("#q").get_attribute("placeholder")
    context.close()
    assert fonts and not [font for font in fonts if font.endswith("italic")], fonts
    assert placeholder is None
    assert "Mauriac" in described and "15200" in described


def test_with_the_browsers_data_saver_the_maps_background_comes_on_request_only(
    territoire: None, live_server: Any, browser: Any, settings: Any
) -> None:
    """« Save-Data: on » (the data saver of a phone on a rural line): the tiles were three quarters of the results
    page (bench/pages_patient.py), loaded whatever the patient wanted. The list and the markers come; the background
    only when asked for, by a button that says what it costs."""
    mission = mission_a_mauriac()
    context, asked = _context_with_local_tiles(browser, settings, extra_http_headers={"Save-Data": "on"})
    page = context.new_page()
    response = page.goto(f"{live_server.url}/rendez-vous/?commune={mission.lieu.commune.code_insee}")
    assert response is not None and "Save-Data" in response.headers.get("vary", "")
    page.locator("#carte-lieux .leaflet-marker-icon").first.wait_for(timeout=15_000)
    page.wait_for_load_state("networkidle")
    assert asked == []
    button = page.get_by_role("button", name="Afficher le fond de la carte (environ 400 Ko)")
    button.click()
    page.locator("#carte-lieux img.leaflet-tile-loaded").first.wait_for(timeout=15_000)
    assert asked and button.count() == 0
    context.close()
