"""In the real browser, what axe-core does not see on the patient's path (RGAA): the error summary takes the focus
and names the page, the fields say what they ask for (autocomplete), the commune search keeps one live region,
the results page has its own title."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_rendez_vous import _axe_faults
from tests.factories import mission_a_mauriac

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("javascript", [True, False])
def test_a_refused_booking_focuses_the_error_summary_and_keeps_what_was_typed(
    territoire, live_server, browser, javascript
) -> None:  # type: ignore[no-untyped-def]
    mission = mission_a_mauriac()
    context = browser.new_context(locale="fr-FR", java_script_enabled=javascript)  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(f"{live_server.url}/rendez-vous/creneau/{mission.pk}-{mission.date:%Y%m%d}0830/")
    page.get_by_label("Prénom").fill("Jeanne")
    page.get_by_label("Date de naissance").fill("32/13/1948")
    page.get_by_role("button", name="Confirmer le rendez-vous").click()
    page.wait_for_load_state()
    assert page.title().startswith("Erreur")  # the first thing a screen reader says of the new page
    summary = page.locator("#resume-erreurs")
    # Read at once, no need to hunt for it.
    assert page.evaluate("document.activeElement.id") == "resume-erreurs"
    assert summary.get_attribute("role") == "alert"
    links = {a.get_attribute("href"): a.inner_text() for a in summary.locator("a").all()}
    # every error on this first submit, the missing contact too (it came only on the second)
    assert set(links) == {"#id_nom", "#id_date_naissance", "#id_telephone"}, links
    assert "Indiquez un téléphone ou une adresse électronique" in links["#id_telephone"]
    assert "Ce champ est obligatoire" in links["#id_nom"] and "Nom" in links["#id_nom"]
    summary.get_by_role("link", name="Date de naissance").click()  # from the summary to the field
    assert page.evaluate("document.activeElement.id") == "id_date_naissance"
    assert page.get_by_label("Prénom").input_value() == "Jeanne"
    assert page.get_by_label("Date de naissance").input_value() == "32/13/1948"
    if javascript:
        assert _axe_faults(page) == []  # the page with its error summary
    context.close()


def test_the_waitlist_form_focuses_its_error_summary(territoire, live_server, browser) -> None:  # type: ignore[no-untyped-def]
    mission = mission_a_mauriac()
    page = browser.new_page(locale="fr-FR")  # type: ignore[attr-defined]
    page.goto(f"{live_server.url}/rendez-vous/lieu/{mission.lieu.pk}/")
    page.get_by_role("button", name="M'inscrire sur la liste d'attente").click()
    page.wait_for_load_state()
    assert page.title().startswith("Erreur")
    assert page.evaluate("document.activeElement.id") == "resume-erreurs"
    assert page.locator("#resume-erreurs a[href='#id_prenom']").count() == 1
    page.close()


def test_the_patient_fields_say_what_they_ask_for(territoire, live_server, browser) -> None:  # type: ignore[no-untyped-def]
    """RGAA 11.13 (WCAG 1.3.5): the browser can fill them in, an assistive tool can name them."""
    mission = mission_a_mauriac()
    page = browser.new_page(locale="fr-FR")  # type: ignore[attr-defined]
    expected = {
        "prenom": "given-name",
        "nom": "family-name",
        "date_naissance": "bday",
        "telephone": "tel",
        "email": "email",
    }
    for address in (
        f"/rendez-vous/creneau/{mission.pk}-{mission.date:%Y%m%d}0830/",
        f"/rendez-vous/lieu/{mission.lieu.pk}/",
        "/medecins/inscription/",
    ):
        page.goto(live_server.url + address)
        found = {
            name: page.locator(f"main input[name='{name}']").get_attribute("autocomplete")
            for name in expected
            if page.locator(f"main input[name='{name}']").count()
        }
        assert found == {name: expected[name] for name in found} and len(found) >= 4, (address, found)
        assert page.locator("main input[name='telephone']").get_attribute("type") == "tel", address
    page.close()


def test_the_commune_suggestions_keep_a_single_live_region(territoire, live_server, browser) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(locale="fr-FR")  # type: ignore[attr-defined]
    for address in ("/", "/communes/"):
        page.goto(live_server.url + address)
        box = page.get_by_label("Nom de la commune ou code postal")
        box.press_sequentially("Mauria", delay=30)
        page.locator("#resultats a", has_text="Mauriac").first.wait_for(timeout=10_000)
        box.press_sequentially("c", delay=30)
        page.wait_for_timeout(600)
        # The answer went inside the live region: not a second #resultats, itself live, nested in the first.
        assert page.locator("[id='resultats']").count() == 1, address
        assert page.locator("main [aria-live]").count() == 1, address
    page.close()


def test_the_results_page_has_a_title_of_its_own(territoire, live_server, browser) -> None:  # type: ignore[no-untyped-def]
    mission_a_mauriac()
    page = browser.new_page(locale="fr-FR")  # type: ignore[attr-defined]
    page.goto(live_server.url + "/rendez-vous/")
    search_title = page.title()
    page.goto(live_server.url + "/rendez-vous/?commune=15120")
    assert page.title() != search_title and "Mauriac" in page.title()
    page.close()


def _tab_to(page, name: str, limit: int = 60) -> None:  # type: ignore[no-untyped-def]
    """Tab until the focus is on the link or button whose text ends with `name`: every stop visibly focused,
    none in a map."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        text, in_map, outline = page.evaluate(
            "(() => { const e = document.activeElement, s = getComputedStyle(e);"
            " return [(e.innerText || '').trim(), !!e.closest('.leaflet-container'),"
            " s.outlineStyle !== 'none' && s.outlineWidth !== '0px']; })()"
        )
        assert not in_map, "le focus est entré dans la carte"
        if text.endswith(name):
            assert outline, text  # the focus can be seen
            return
    raise AssertionError(f"« {name} » introuvable au clavier")


def test_with_the_keyboard_alone_a_patient_books_then_cancels_after_confirming(
    territoire, live_server, browser
) -> None:  # type: ignore[no-untyped-def]
    from solidarite.rdv.models import RendezVous

    mission_a_mauriac()
    page = browser.new_page(locale="fr-FR")  # type: ignore[attr-defined]
    page.goto(live_server.url + "/rendez-vous/?commune=15120")
    page.locator("#carte-lieux .leaflet-marker-icon").first.wait_for()  # the map is drawn, and skipped below
    _tab_to(page, "à 08:30")
    page.keyboard.press("Enter")
    page.wait_for_url("**/rendez-vous/creneau/**")
    _tab_to_field(page, "id_prenom")
    page.keyboard.type("Jeanne")
    for value in (
        "Martin",
        "17/05/1948",
        "06 12 34 56 78",
    ):  # Nom, date de naissance, téléphone: in this order
        page.keyboard.press("Tab")
        page.keyboard.type(value)
    page.keyboard.press("Enter")  # submits the form
    page.get_by_text("Votre rendez-vous est confirmé").wait_for()
    _tab_to(page, "gérer mon rendez-vous")
    page.keyboard.press("Enter")
    page.wait_for_url("**/rendez-vous/gerer/**")
    _tab_to(page, "Annuler ce rendez-vous")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    # A cancellation cannot be undone: the page asks first, and saying no keeps the appointment (WCAG 3.3.4).
    assert page.locator("h1").inner_text() == "Annuler mon rendez-vous ?"
    assert RendezVous.objects.get().statut == "reserve"
    assert _axe_faults(page) == []
    _tab_to(page, "Oui, annuler ce rendez-vous")
    page.keyboard.press("Enter")
    page.get_by_text("Votre rendez-vous est annulé").wait_for()
    assert RendezVous.objects.get().statut != "reserve"
    page.close()


def _tab_to_field(page, field_id: str, limit: int = 60) -> None:  # type: ignore[no-untyped-def]
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == field_id:
            return
    raise AssertionError(f"champ {field_id} introuvable au clavier")


@pytest.mark.parametrize(
    ("case", "said"), [("pris", "vient d'être réservé"), ("mission annulée", "annuler sa venue")]
)
def test_a_slot_taken_meanwhile_is_announced_and_focused(
    territoire, live_server, browser, case, said
) -> None:  # type: ignore[no-untyped-def]
    from solidarite.planning import lifecycle
    from solidarite.rdv import services
    from tests.factories import PATIENT

    mission = mission_a_mauriac()
    slot = f"{mission.pk}-{mission.date:%Y%m%d}0830"
    page = browser.new_page(locale="fr-FR")  # type: ignore[attr-defined]
    page.goto(f"{live_server.url}/rendez-vous/creneau/{slot}/")
    page.get_by_label("Prénom").fill("Paul")
    page.locator("#id_nom").fill("Durand")
    page.get_by_label("Date de naissance").fill("02/03/1940")
    page.locator("#id_telephone").fill("06 98 76 54 32")
    if case == "pris":
        services.book(slot, {**PATIENT, "email": "autre@exemple.fr"})  # someone else, while Paul was typing
    else:
        lifecycle.cancel_mission(mission, None, "Médecin malade")  # was a 404, what Paul typed lost
    page.get_by_role("button", name="Confirmer le rendez-vous").click()
    page.wait_for_load_state()
    assert page.title().startswith("Créneau plus disponible")
    assert page.evaluate("document.activeElement.id") == "creneau-pris"  # read at once: where to go next
    assert said in page.locator("#creneau-pris").inner_text()
    assert _axe_faults(page) == []
    page.close()


def test_a_refused_position_is_announced_and_the_button_keeps_its_name(
    territoire, live_server, browser
) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="fr-FR")  # type: ignore[attr-defined]  # position not allowed
    page = context.new_page()
    page.goto(live_server.url + "/rendez-vous/")
    button = page.get_by_role("button", name="Autour de moi")
    button.focus()
    page.keyboard.press("Enter")
    status = page.get_by_role("status").filter(has_text="Position indisponible")
    status.wait_for(timeout=15_000)  # said by the screen reader, not only drawn on the button
    assert "cherchez votre commune" in status.inner_text()
    assert button.is_enabled() and page.evaluate("document.activeElement.id") == "autour-de-moi"
    context.close()


def test_the_same_booking_sent_twice_shows_the_confirmation_again(territoire, live_server, browser) -> None:  # type: ignore[no-untyped-def]
    """A slow line: the patient clicks « Confirmer » again, or reloads the confirmation and the browser sends the
    form once more. The second answer used to say the slot had just been taken « par quelqu'un d'autre »: the
    patient's own booking, whose link they then never saw."""
    from solidarite.rdv.models import RendezVous

    mission = mission_a_mauriac()
    address = f"{live_server.url}/rendez-vous/creneau/{mission.pk}-{mission.date:%Y%m%d}0830/"
    page = browser.new_page(locale="fr-FR")  # type: ignore[attr-defined]
    page.goto(address)
    page.get_by_label("Prénom").fill("Jeanne")
    page.locator("#id_nom").fill("Martin")
    page.get_by_label("Date de naissance").fill("17/05/1948")
    page.locator("#id_telephone").fill("06 12 34 56 78")
    body = page.evaluate("new URLSearchParams(new FormData(document.querySelector('main form'))).toString()")
    page.get_by_role("button", name="Confirmer le rendez-vous").click()
    page.get_by_text("Votre rendez-vous est confirmé").wait_for()
    link = page.get_by_role("link", name="gérer mon rendez-vous").get_attribute("href")
    again = page.request.post(
        address,
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Referer": address},
    )  # the same browser, the same form
    text = again.text()
    assert again.status == 200 and "Votre rendez-vous est déjà confirmé" in text, text[:2000]
    assert "quelqu'un d'autre" not in text
    # The same appointment's link (signed anew: its time stamp and signature may differ by a second on a slow run).
    again_link = re.search(r'href="(/rendez-vous/gerer/[^"]+)"', text)
    assert link and again_link and again_link.group(1).split(":")[0] == link.split(":")[0]
    assert RendezVous.objects.count() == 1
    # Another browser sending that form (its fields are not secret) books nothing and learns no link.
    other = browser.new_context(locale="fr-FR")  # type: ignore[attr-defined]
    stranger = other.new_page()
    stranger.goto(address)
    token = stranger.locator("input[name=csrfmiddlewaretoken]").get_attribute("value")
    forged = "&".join(
        p if not p.startswith("csrfmiddlewaretoken=") else f"csrfmiddlewaretoken={token}"
        for p in body.split("&")
    )
    refused = stranger.request.post(
        address,
        data=forged,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Referer": address},
    )
    assert refused.status == 409 and link not in refused.text()
    other.close()
    page.close()


@pytest.mark.parametrize("javascript", [True, False])
def test_the_menu_skip_link_leads_somewhere_on_a_small_screen(
    territoire, live_server, browser, javascript
) -> None:  # type: ignore[no-untyped-def]
    """320 px wide, or 200 % zoom: the main menu is in the DSFR's closed modal, so the « Menu » skip link (RGAA
    12.7) used to leave the focus at the top of the page."""
    context = browser.new_context(  # type: ignore[attr-defined]
        locale="fr-FR", viewport={"width": 320, "height": 640}, java_script_enabled=javascript
    )
    page = context.new_page()
    page.goto(live_server.url + "/rendez-vous/")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.innerText") == "Menu"
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    if javascript:  # on the button that opens the menu: Enter opens it
        assert page.evaluate("document.activeElement.id") == "bouton-menu-mobile"
        page.keyboard.press("Enter")
    nav = page.locator("#menu-principal").get_by_role("link", name="Trouver ma commune")
    nav.wait_for(state="visible", timeout=5_000)
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1]
    context.close()
