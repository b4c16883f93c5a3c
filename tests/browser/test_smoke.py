"""A real Chromium, driven by Playwright, against the platform served on localhost."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_renders_with_dsfr_and_commune_search_answers(territoire, live_server, browser) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(locale="fr-FR")  # type: ignore[attr-defined]
    page.goto(live_server.url + "/")
    title = page.locator(".fr-header__service-title")
    assert title.inner_text().strip() == "Un médecin près de chez vous — Solidarité territoriale"
    # The DSFR stylesheet is applied: the header has the DSFR layout, not the browser's default.
    assert page.evaluate("getComputedStyle(document.querySelector('.fr-header')).position") == "relative"
    assert page.evaluate("typeof window.htmx") == "object"

    # Autocomplete through htmx: typing fills the result list without leaving the page.
    page.get_by_label("Nom de la commune ou code postal").fill("Maur")
    page.get_by_label("Nom de la commune ou code postal").press_sequentially("iac", delay=30)
    result = page.locator("#resultats a", has_text="Mauriac").first
    result.wait_for(timeout=10_000)
    assert page.url == live_server.url + "/"
    result.click()
    page.wait_for_url("**/communes/15120/")
    assert "CC du Pays de Mauriac" in page.locator("main").inner_text()
    page.close()


def test_commune_search_works_without_javascript(territoire, live_server, browser) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(java_script_enabled=False, locale="fr-FR")  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(live_server.url + "/communes/")
    page.get_by_label("Nom de la commune ou code postal").fill("15200")
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_url("**/communes/?q=15200")
    assert page.locator("#resultats a", has_text="Mauriac").count() == 1
    context.close()
