"""A patient books in a real Chromium: « autour de moi », the map, the form, the confirmation; axe-core finds no
accessibility fault on the pages of that path."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from solidarite.rdv.models import RendezVous
from tests.browser.session import login_cookie
from tests.factories import compte, mission_a_mauriac

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_patient_finds_a_slot_around_them_and_books_it(territoire, live_server, browser) -> None:  # type: ignore[no-untyped-def]
    mission = mission_a_mauriac()
    context = browser.new_context(  # type: ignore[attr-defined]
        locale="fr-FR", geolocation={"latitude": 45.2186, "longitude": 2.3322}, permissions=["geolocation"]
    )
    page = context.new_page()
    page.goto(live_server.url + "/rendez-vous/")
    page.get_by_role("button", name="Autour de moi").click()
    page.wait_for_url("**/rendez-vous/?lat=*")
    assert "Maison de santé de Mauriac" in page.locator("main").inner_text()
    assert page.locator("#carte-lieux .leaflet-marker-icon").count() == 1  # the lieu on the map
    page.locator("main a.fr-btn", has_text="à").first.click()
    page.wait_for_url("**/rendez-vous/creneau/**")
    assert "sans dépassement d'honoraires" in page.locator("main").inner_text()
    page.get_by_label("Prénom").fill("Jeanne")
    page.get_by_label(re.compile(r"^\s*Nom\b")).fill("Martin")
    page.get_by_label("Date de naissance").fill("17/05/1948")
    page.get_by_role("textbox", name=re.compile(r"^Téléphone")).fill("06 12 34 56 78")
    page.get_by_role("button", name="Confirmer le rendez-vous").click()
    page.get_by_text("Votre rendez-vous est confirmé").wait_for(timeout=10_000)
    assert _axe_faults(page) == []  # the confirmation
    rdv = RendezVous.objects.get()
    assert rdv.mission_id == mission.pk and rdv.telephone == "+33612345678"
    page.get_by_role("link", name="gérer mon rendez-vous").click()
    assert "Déplacer ce rendez-vous" in page.locator("main").inner_text()
    assert _axe_faults(page) == []  # the page to move or cancel it
    context.close()


def test_one_submit_tells_the_patient_everything_that_is_wrong(territoire, live_server, browser) -> None:  # type: ignore[no-untyped-def]
    """A patient who forgets her name and her contact, and types an impossible date, is told all three on the
    first submit, each under its field (the contact: on the group of the phone and the e-mail) and in the summary
    that takes the focus; what she typed stays. She corrects them, and the second submit books (the contact was
    asked only on a second submit)."""
    mission = mission_a_mauriac()
    page = browser.new_page(locale="fr-FR")  # type: ignore[attr-defined]
    page.goto(live_server.url + f"/rendez-vous/creneau/{mission.pk}-{mission.date:%Y%m%d}0830/")
    page.get_by_label("Prénom").fill("Jeanne")
    page.get_by_label("Date de naissance").fill("31/02/1948")
    page.get_by_role("button", name="Confirmer le rendez-vous").click()
    summary = page.locator("#resume-erreurs")
    summary.wait_for(timeout=10_000)
    assert "3 erreurs" in summary.inner_text()
    assert page.evaluate("document.activeElement.id") == "resume-erreurs"
    for name in ("nom", "date_naissance", "telephone", "email"):  # the phone and the e-mail: both of them
        field = page.locator(f"input[name='{name}']")
        assert field.get_attribute("aria-invalid") == "true", name
    for name in ("nom", "date_naissance", "telephone"):  # the contact's link leads to the first of its fields
        assert summary.locator(f"a[href='#id_{name}']").count() == 1, name
    # Neither given: the refusal of the group « Comment vous prévenir ? », part of its accessible name (DSFR),
    # said once, under neither field: she may give the e-mail alone.
    group = page.get_by_role(
        "group", name=re.compile(r"Comment vous prévenir \?.*Indiquez un téléphone ou une")
    )
    assert "fr-fieldset--error" in (group.get_attribute("class") or "")
    assert group.get_by_role("textbox", name=re.compile(r"^Adresse électronique")).count() == 1
    assert page.locator("main").inner_text().count("Indiquez un téléphone ou une adresse électronique") == 2
    assert page.get_by_label("Prénom").input_value() == "Jeanne"
    assert page.get_by_label("Date de naissance").input_value() == "31/02/1948"
    assert _axe_faults(page) == []  # the page with its errors
    page.get_by_label(re.compile(r"^\s*Nom\b")).fill("Martin")
    page.get_by_label("Date de naissance").fill("17/05/1948")
    page.get_by_role("textbox", name=re.compile(r"^Téléphone")).fill("06 12 34 56 78")
    page.get_by_role("button", name="Confirmer le rendez-vous").click()
    page.get_by_text("Votre rendez-vous est confirmé").wait_for(timeout=10_000)
    assert RendezVous.objects.get().nom == "Martin"
    page.close()


def test_without_javascript_the_search_still_lists_the_slots(territoire, live_server, browser) -> None:  # type: ignore[no-untyped-def]
    mission_a_mauriac()
    context = browser.new_context(  # type: ignore[attr-defined]
        java_script_enabled=False,
        locale="fr-FR",
        viewport={"width": 360, "height": 740},  # a small phone
    )
    page = context.new_page()
    page.goto(live_server.url + "/rendez-vous/")
    assert not page.get_by_role("button", name="Autour de moi").is_visible()  # needs the browser's position
    page.get_by_label("Votre commune ou son code postal").fill("15200")
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_url("**/rendez-vous/?q=15200")
    page.get_by_role("link", name="Mauriac (15)").click()  # several communes share this postcode
    page.wait_for_url("**/rendez-vous/?commune=15120")
    assert page.locator("main a.fr-btn[href^='/rendez-vous/creneau/']").count() == 3
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1]  # nothing wider than the phone's screen
    context.close()


def test_the_doctors_day_prints_without_the_site_around_it(territoire, live_server, browser) -> None:  # type: ignore[no-untyped-def]
    mission = mission_a_mauriac()
    start = timezone.make_aware(dt.datetime.combine(mission.date, dt.time(9, 30)))
    RendezVous.objects.create(
        mission=mission,
        lieu=mission.lieu,
        debut=start,
        fin=start + dt.timedelta(minutes=20),
        nom="Martin",
        prenom="Jeanne",
        date_naissance=dt.date(1948, 5, 17),
        telephone="+33612345678",
    )
    page = browser.new_page(locale="fr-FR")  # type: ignore[attr-defined]
    login_cookie(page, live_server.url, compte(mission.medecin))  # as after the Pro Santé Connect login
    page.goto(f"{live_server.url}/rendez-vous/journee/{mission.pk}/")
    assert page.locator("header.fr-header").is_visible()
    page.emulate_media(media="print")
    assert not page.locator("header.fr-header").is_visible()
    assert not page.get_by_role("button", name="Imprimer").is_visible()
    assert "MARTIN Jeanne" in page.locator("table").inner_text()
    page.close()


def _axe_faults(page) -> list[str]:  # type: ignore[no-untyped-def]
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    return [f"{v['id']} ({v['impact']}) : {[n['target'] for n in v['nodes'][:3]]}" for v in violations]


def test_the_patient_pages_pass_axe_and_the_api_docs_call_no_third_party(
    territoire, live_server, browser
) -> None:  # type: ignore[no-untyped-def]
    mission = mission_a_mauriac()
    slot = f"{mission.pk}-{mission.date:%Y%m%d}0830"
    page = browser.new_page(locale="fr-FR")  # type: ignore[attr-defined]
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(live_server.url) else outside.append(r.url))
    for address in (
        "/rendez-vous/",
        "/rendez-vous/?commune=15120",  # the results, with the map
        f"/rendez-vous/lieu/{mission.lieu.pk}/",
        f"/rendez-vous/creneau/{slot}/",  # the booking form
        "/rendez-vous/?commune=%00",  # a refused address: the French error page
    ):
        page.goto(live_server.url + address, wait_until="networkidle")
        assert _axe_faults(page) == [], address
    page.goto(live_server.url + "/api/v1/docs", wait_until="networkidle")
    page.locator(".opblock").first.wait_for(timeout=15_000)  # Swagger UI drawn from the platform's own files
    assert page.locator("html").get_attribute("lang") == "fr" and page.locator("main h1").count() == 1
    # The map's tiles are the only third party the patient pages call (OpenStreetMap, on the results page).
    assert [url for url in outside if "tile.openstreetmap.org" not in url] == []
    page.close()


def test_the_zones_map_passes_axe_once_drawn(territoire, live_server, browser) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(locale="fr-FR")  # type: ignore[attr-defined]
    page.goto(live_server.url + "/zonage/")
    source = page.locator("#carte-zones").get_attribute("data-geojson")
    features = page.request.get(live_server.url + source).json()["features"]
    drawn = len(features)
    assert drawn > 0
    # Every EPCI the page loads is drawn (a selector: the page's CSP forbids wait_for_function's string evaluation).
    page.locator(f"#carte-zones[data-chargee='{drawn}']").wait_for(state="attached", timeout=30_000)
    # The modelled ARS additions, outlined in dashes on the map (drawn on a canvas), are named in its legend.
    assert (
        sum(f["properties"]["ajout_ars_modelise"] for f in features) == 11
    )  # 151 published, 140 computed (ADR 0028)
    assert "ajout des ARS modélisé" in page.locator(".legende").inner_text()
    assert _axe_faults(page) == []  # the map is aria-hidden, and nothing in it takes the keyboard's focus
    page.close()
