"""In the real browser: a 429 while typing in the commune search (rdv) keeps the search box and what was typed."""

from __future__ import annotations

import pytest
from django.core.cache import cache

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_rate_limit_while_typing_keeps_the_search_box(territoire, live_server, browser, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SOLIDARITE_LIMITE_RECHERCHES = 3  # the page itself counts: two suggestions, then 429
    cache.clear()
    page = browser.new_page(locale="fr-FR")  # type: ignore[attr-defined]
    statuses: list[int] = []
    page.on("response", lambda r: statuses.append(r.status) if "q=" in r.url else None)
    page.goto(f"{live_server.url}/rendez-vous/")
    box = page.locator("#q")
    for letter in "Mauriac":
        # Stop at the refusal: the limiter's window is a fixed minute, and a new one starting while typing (a
        # loaded machine) would answer the next letters again.
        if box.count() == 0 or 429 in statuses:
            break
        box.press_sequentially(letter, timeout=2_000)
        page.wait_for_timeout(450)  # past the 250 ms of hx-trigger: one request per letter
    page.wait_for_timeout(500)
    assert 429 in statuses, statuses
    text = page.locator("main").inner_text()
    # The full 429 page used to replace the whole main content, the search box and what was typed with it: the
    # message goes where the suggestions go, the box stays.
    assert page.locator("#q").count() == 1, text
    assert "Trop de demandes" in page.locator("#suggestions").inner_text()
    page.close()
