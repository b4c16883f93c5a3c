"""In the real browser: the volunteer, signed in, renews the address of their calendar feed (decision 0006)."""

from __future__ import annotations

import pytest

from solidarite.annuaire.models import MedecinVolontaire
from tests.browser.session import login_cookie
from tests.factories import compte, mission_a_mauriac

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_volunteer_renews_their_feed_and_the_old_address_stops_at_once(
    territoire, live_server, browser
) -> None:  # type: ignore[no-untyped-def]
    mission = mission_a_mauriac()
    doc = mission.medecin
    old = f"{live_server.url}/planning/medecin/{doc.jeton_calendrier}/missions.ics"
    page = browser.new_page(locale="fr-FR")  # type: ignore[attr-defined]
    assert page.request.get(old).status == 200
    page.goto(f"{live_server.url}/planning/medecin/missions/")
    assert "?next=/planning/medecin/missions/" in page.url  # not signed in: sent to the login (LOGIN_URL)
    login_cookie(page, live_server.url, compte(doc))
    page.goto(f"{live_server.url}/planning/medecin/missions/")
    assert "Maison de santé de Mauriac" in page.locator("table").inner_text()
    page.get_by_role("button", name="Créer une nouvelle adresse d'agenda").click()
    page.wait_for_load_state()
    assert "Nouvelle adresse d'agenda créée" in page.content()
    assert page.request.get(old).status == 404
    new = page.get_by_role("link", name="missions.ics").get_attribute("href")
    assert new and new != old.removeprefix(live_server.url)
    assert page.request.get(f"{live_server.url}{new}").status == 200
    assert MedecinVolontaire.objects.get(pk=doc.pk).jeton_calendrier in new
    page.close()
