"""The patient search page as a real Chromium loads it from the production server (issue 18, point 8): every file
it asks for is served (no 404 for the styles and scripts), and the whole page stays under 300 KB transferred."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.cli import database_url, production_server
from tests.factories import mission_a_mauriac

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BUDGET = 300 * 1024  # bytes over the wire: HTML, CSS, JS, images and the fonts the page uses (no map tiles)


def test_the_search_page_weighs_under_300_kb_from_the_production_server(
    territoire: None, browser: Any, collected_static: Path
) -> None:
    mission = mission_a_mauriac()
    with production_server(
        database_url(),
        SOLIDARITE_STATIC_DIR=str(collected_static),
        SOLIDARITE_TUILES_URL="",  # map tiles aside: no request leaves the machine
    ) as (port, output):
        context = browser.new_context(locale="fr-FR")
        page = context.new_page()
        fetched: list[tuple[str, int, int]] = []  # (path, status, bytes over the wire)

        def finished(request: Any) -> None:
            sizes = request.sizes()
            response = request.response()
            path = request.url.split(f":{port}", 1)[-1]
            fetched.append((path, response.status, sizes["responseHeadersSize"] + sizes["responseBodySize"]))

        page.on("requestfinished", finished)
        page.on("requestfailed", lambda request: fetched.append((request.url, 0, 0)))
        page.goto(f"http://127.0.0.1:{port}/rendez-vous/?commune={mission.lieu.commune.code_insee}")
        page.wait_for_load_state("networkidle")
        assert "Maison de santé de Mauriac" in page.locator("main").inner_text()
        fonts = page.evaluate(
            "Array.from(document.fonts).filter(f => f.status === 'loaded').map(f => f.family + ' ' + f.weight)"
        )
        context.close()
    total = sum(size for _, _, size in fetched)
    print(
        f"\nPage de recherche : {total / 1024:.1f} Ko transférés en {len(fetched)} fichiers ; polices : {fonts}"
    )
    for path, status, size in sorted(fetched, key=lambda item: -item[2]):
        print(f"  {size / 1024:7.1f} Ko  {status}  {path}")
    assert [item for item in fetched if item[1] != 200] == []  # every style, script and font is served
    assert any(path.endswith(".css") for path, _, _ in fetched) and any(".woff2" in p for p, _, _ in fetched)
    assert total < BUDGET, f"{total} octets transférés, au-delà de {BUDGET}"
    assert "Traceback" not in output[0]
