"""In the real browser: the volunteer's calendar of availabilities (htmx) shows what the server refuses, and an
expired session leads to the login page rather than drawing it inside the calendar."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import timezone

from solidarite.planning import services
from solidarite.territoire.models import Commune
from tests.browser.session import login_cookie
from tests.factories import compte, medecin

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_refused_date_shows_its_message_and_an_expired_session_goes_to_the_login(
    territoire, live_server, browser
) -> None:  # type: ignore[no-untyped-def]
    doc = medecin(commune=Commune.objects.get(code_insee="15120"))  # 2 days a month: at most 6 dates
    month = services.add_months(timezone.localdate().replace(day=1), 1)
    every = services.month_days(month)
    closed = services.closed_days(every)  # public holidays and Sundays cannot be declared
    days = [d for d in every if d not in closed]
    services.declare(doc, days[:6])
    page = browser.new_page(locale="fr-FR")  # type: ignore[attr-defined]
    account = compte(doc)
    login_cookie(page, live_server.url, account)
    page.goto(f"{live_server.url}/planning/medecin/disponibilites/?mois={services.month_text(month)}")
    assert "6 dates déclarées" in page.locator("#calendrier").inner_text()
    seventh = days[6]
    page.get_by_title(f"Me déclarer disponible le {services.jour_mois(seventh)}", exact=True).click()
    # htmx's default leaves a 400 unswapped: the click did nothing visible. base.html swaps 4xx answers.
    page.locator("#calendrier .fr-alert--error, #calendrier [role=alert]").first.wait_for(timeout=10_000)
    text = page.locator("#calendrier").inner_text()
    assert "Au plus 6 dates par mois" in text and "la 7e en" in text and "6 dates déclarées" in text
    assert doc.disponibilites.count() == 6
    page.context.clear_cookies(name=settings.SESSION_COOKIE_NAME)  # the session has ended (expiry, sign-out)
    page.get_by_title(f"Me déclarer disponible le {services.jour_mois(days[7])}", exact=True).click()
    page.wait_for_url(lambda url: "/connexion/?next=/planning/medecin/disponibilites/" in url, timeout=10_000)
    assert page.locator("#calendrier").count() == 0 and page.locator("main h1").count() == 1
    # Every cookie gone (blocked, cleared): the form is refused, the French page replaces the calendar.
    login_cookie(page, live_server.url, account)
    page.goto(f"{live_server.url}/planning/medecin/disponibilites/?mois={services.month_text(month)}")
    page.context.clear_cookies()
    page.get_by_title(f"Me déclarer disponible le {services.jour_mois(days[7])}", exact=True).click()
    page.get_by_role("heading", name="Formulaire refusé").wait_for(timeout=10_000)
    assert page.locator("#calendrier").count() == 0 and page.locator("main").count() == 1
    assert "Rechargez la page" in page.get_by_role("alert").inner_text()
    assert page.evaluate("window.scrollY") == 0
    assert doc.disponibilites.count() == 6
    page.close()
