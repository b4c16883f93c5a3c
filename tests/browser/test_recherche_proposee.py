"""In the real browser: a patient who types « mauriak » is offered Mauriac as she types (htmx), or once she presses
« Rechercher » (no JavaScript), and reaches the lieux near it in one click; the page with the proposals passes axe.
Halfway (« mauri »), the list holds the communes that begin so, and no « Vouliez-vous dire »."""

from __future__ import annotations

import pytest

from tests.browser.test_rendez_vous import _axe_faults

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("javascript", [True, False])
def test_a_misspelled_commune_leads_to_the_lieux_near_the_one_meant(
    territoire, live_server, browser, javascript
) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="fr-FR", java_script_enabled=javascript)  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(f"{live_server.url}/rendez-vous/")
    box = page.get_by_label("Votre commune ou son code postal")
    proposals = page.locator("#suggestions")
    if javascript:
        box.press_sequentially(
            "mauri", delay=60
        )  # halfway: the communes that begin so, nothing that sounds alike
        proposals.get_by_role("link", name="Maurines (15)").wait_for(timeout=10_000)
        assert "Vouliez-vous dire" not in proposals.inner_text() and "Maury" not in proposals.inner_text()
        box.press_sequentially("ak", delay=60)  # the list follows the typing, no button pressed
    else:
        box.fill("mauriak")
        page.get_by_role("button", name="Rechercher").click()
        page.wait_for_load_state()
    proposals.get_by_text("Vouliez-vous dire :").wait_for(timeout=10_000)
    text = proposals.inner_text()
    assert "Mauriac (15200) — Cantal (15), 3 449 habitants" in text.replace("\u202f", " ").replace(
        "\xa0", " "
    )
    assert "Mauriac (33540) — Gironde (33)" in text
    assert page.locator("#q").input_value() == "mauriak"  # what she typed stays
    if javascript:
        assert _axe_faults(page) == []
    proposals.get_by_role("link", name="Mauriac (15200)").click()
    page.wait_for_load_state()
    assert "Près de Mauriac (15)" in page.locator("main").inner_text()
    context.close()
