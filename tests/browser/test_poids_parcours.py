"""What the patient's path costs on a slow line (bench/pages_patient.py measures it): the search fields load no italic
font (43 KB for a placeholder)."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
