"""The patients' pages: search, booking without an account, the signed link, and the page weight."""

from __future__ import annotations

import datetime as dt
import gzip
import html
import io
import re

import pytest
from django.contrib.staticfiles import finders
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from solidarite.rdv import services, sms
from solidarite.rdv.models import AccesDonnees, InscriptionAttente, RendezVous
from tests.factories import mission as _mission
from tests.rdv.canaux import CHANNELS, FORM, sender

pytestmark = pytest.mark.django_db


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.content.decode())


def test_search_lists_the_lieux_in_reach_with_their_next_slots(client: Client) -> None:
    mission = _mission()
    page = _text(client.get("/rendez-vous/", {"commune": mission.lieu.commune.code_insee}))
    assert mission.lieu.nom in page and "Prochains créneaux" in page and "/rendez-vous/creneau/" in page
    assert "lieux-data" in page  # the map's data; the list above is readable without JavaScript
    page = _text(client.get("/rendez-vous/", {"q": "99999"}))
    assert "Aucune commune ne correspond au code postal 99999" in page


def test_booking_confirmation_signed_link_and_cancellation(
    client: Client, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    mission = _mission()
    slot = services.slots(mission.lieu, mission.date, mission.date)[0]
    url = f"/rendez-vous/creneau/{slot.id}/"
    form = _text(client.get(url))
    assert "Tarif conventionnel secteur 1, 30 €, sans dépassement d'honoraires" in form
    bad = client.post(url, {**FORM, "date_naissance": "31/02/1948"})
    assert bad.status_code == 400 and not RendezVous.objects.exists()
    done = client.post(url, FORM)
    assert done.status_code == 200 and "Votre rendez-vous est confirmé" in _text(done)
    assert not mail.outbox  # messages leave through the worker, not the request
    call_command("worker", "--once", stdout=io.StringIO())
    assert len(mail.outbox) == 1 and "/rendez-vous/gerer/" in mail.outbox[0].body
    assert len(sms.outbox) == 1 and "/rendez-vous/gerer/" in sms.outbox[0].texte
    assert sms.outbox[0].numero == "+33612345678"
    taken = client.post(url, {**FORM, "prenom": "Paul", "email": ""})
    assert taken.status_code == 409 and "vient d'être réservé" in _text(taken)
    token = re.search(r'/rendez-vous/gerer/([^/"]+)/', done.content.decode()).group(1)  # type: ignore[union-attr]
    manage = client.get(f"/rendez-vous/gerer/{token}/")
    assert manage.status_code == 200 and "Annuler ce rendez-vous" in _text(manage)
    assert AccesDonnees.objects.filter(action="consultation", canal="lien signé").count() == 1
    cancelled = client.post(f"/rendez-vous/gerer/{token}/")
    assert "Votre rendez-vous est annulé" in _text(cancelled) and RendezVous.objects.get().statut == "annule"
    again = client.post(f"/rendez-vous/gerer/{token}/")  # a conflict, as the API's DELETE answers (was a 200)
    assert again.status_code == 409 and "Ce rendez-vous est déjà annulé ou passé." in _text(again)
    other = services.slots(mission.lieu, mission.date, mission.date)[1].id
    moved = client.post(f"/rendez-vous/gerer/{token}/deplacer/{other}/")  # was a 400
    assert moved.status_code == 409 and "il ne peut plus être déplacé" in _text(moved)
    assert RendezVous.objects.get().statut == "annule"
    forged = client.get(f"/rendez-vous/gerer/{token[:-2]}xx/")
    assert forged.status_code == 403 and "Lien invalide" in _text(forged)


def test_a_slot_not_on_offer_has_neither_booking_nor_moving_page(client: Client) -> None:
    """The pages check a slot as the booking does (services.offered_mission): one the schedule does not offer has
    no form, a 404 « Créneau introuvable » as the API's 404. Sent (its form shown earlier, the slot gone since),
    a 409 that says so and why, with nothing booked; an identifier that cannot be a slot's stays a 404."""
    mission = _mission()
    slots = services.slots(mission.lieu, mission.date, mission.date)
    token = services.jeton_for(services.book(slots[0].id, {**FORM, "date_naissance": "1948-05-17"}))
    past = _mission(days_ahead=-1)
    not_offered = {
        f"{mission.pk}-999912312359": "n'existe pas",  # another day than the mission's: 31 December 9999
        f"{mission.pk}-{mission.date:%Y%m%d}0831": "n'existe pas",  # its day, not a start its hours give
        f"{mission.pk}-{mission.date:%Y%m%d}2300": "n'existe pas",  # after its hours
        f"999999-{slots[1].debut:%Y%m%d%H%M}": "n'existe pas",  # no such mission
        f"{past.pk}-{past.date:%Y%m%d}0830": "passé",
        "1-2": "invalide",
    }
    for creneau, reason in not_offered.items():
        for url in (f"/rendez-vous/creneau/{creneau}/", f"/rendez-vous/gerer/{token}/deplacer/{creneau}/"):
            shown = client.get(url)
            text = _text(shown)
            assert shown.status_code == 404 and "Créneau introuvable" in text and reason in text, url
            sent = client.post(url, FORM)
            text = _text(sent)
            if reason == "invalide":
                assert sent.status_code == 404 and "Créneau introuvable" in text, url
            else:
                assert sent.status_code == 409 and "Ce créneau n'est plus disponible" in text, url
                assert ("passée" if reason == "passé" else "n'est plus proposé") in text, url
    assert RendezVous.objects.count() == 1
    assert client.get(f"/rendez-vous/creneau/{slots[1].id}/").status_code == 200
    assert client.get(f"/rendez-vous/gerer/{token}/deplacer/{slots[1].id}/").status_code == 200


def test_search_page_stays_under_300_kb_transferred(client: Client) -> None:
    """HTML and every asset it loads in a current browser, gzipped (map tiles excluded)."""
    mission = _mission()
    page = client.get("/rendez-vous/", {"commune": mission.lieu.commune.code_insee}).content
    total = len(gzip.compress(page))
    for asset in re.findall(r'(?:href|src)="/static/([^"]+)"', page.decode()):
        if "nomodule" in asset:  # only for browsers without ES modules
            continue
        path = finders.find(asset)
        assert path, asset
        with open(path, "rb") as handle:
            total += len(gzip.compress(handle.read()))
    assert total < 300 * 1024, f"{total / 1024:.0f} Ko"


def test_commune_autocomplete_through_htmx(client: Client) -> None:
    partial = client.get("/rendez-vous/", {"q": "mauri"}, headers={"HX-Request": "true"})
    text = _text(partial)
    assert partial.status_code == 200 and "<html" not in text
    assert "/rendez-vous/?commune=15120" in text


def test_the_commune_suggestions_show_every_homonym_and_say_when_they_are_cut(client: Client) -> None:
    """Saint-Martin (54), 53 inhabitants, was not offered, and 10 of the 30 communes of 54450 neither."""
    for headers in ({"HX-Request": "true"}, {}):  # as typed, and the page sent without JavaScript
        text = _text(client.get("/rendez-vous/", {"q": "st martin"}, headers=headers))
        assert "/rendez-vous/?commune=54480" in text
        assert "20 premières communes sur " in text and "précisez le nom ou le département" in text
        text = _text(client.get("/rendez-vous/", {"q": "54450"}, headers=headers))
        assert len(re.findall(r"/rendez-vous/\?commune=\d{5}", text)) == 30
        assert "premières communes" not in text


def test_hours_with_a_lunch_break_that_overlaps_are_refused_in_the_back_office(client: Client) -> None:
    from django.contrib.auth.models import User

    mission = _mission()
    client.force_login(User.objects.create_superuser("ministere", password="mot-de-passe-solide-123"))
    form = {
        "lieu": mission.lieu.pk,
        "matin_debut": "08:30",
        "matin_fin": "14:30",
        "apres_midi_debut": "14:00",
        "apres_midi_fin": "18:00",
        "duree_minutes": 15,
        "battement_minutes": 5,
    }
    refused = client.post("/admin/rdv/horairesconsultation/add/", form)
    assert refused.status_code == 200 and "La pause de midi" in _text(refused)
    client.post("/admin/rdv/horairesconsultation/add/", {**form, "matin_fin": "12:00"})
    slots = services.slots(mission.lieu, mission.date, mission.date)
    assert len(slots) == 10 + 12  # 8 h 30 – 12 h and 14 h – 18 h: 15 minutes, then a 5-minute buffer


def test_the_kept_lieux_follow_a_new_lieu(settings) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import lieu

    settings.SOLIDARITE_LIEUX_TTL_S = 30.0
    mission = _mission()
    here = mission.lieu.commune
    assert [p.lieu.pk for p in services.lieux_proches(here.latitude, here.longitude)] == [mission.lieu.pk]
    other = lieu(here)  # saved: the lieux kept by this process are read again
    assert {p.lieu.pk for p in services.lieux_proches(here.latitude, here.longitude)} == {
        mission.lieu.pk,
        other.pk,
    }


def test_an_expired_link_is_refused_in_french(client: Client) -> None:
    from django.core import signing

    mission = _mission()
    rdv = services.book(
        services.slots(mission.lieu, mission.date, mission.date)[0].id,
        {**FORM, "date_naissance": "1948-05-17"},
    )
    expired = signing.dumps({"r": rdv.pk, "e": 1_000_000_000}, salt=services.JETON_SALT, compress=True)
    page = client.get(f"/rendez-vous/gerer/{expired}/")
    assert page.status_code == 403 and "Ce lien a expiré" in _text(page)
    assert client.delete(f"/api/v1/rendez-vous/{expired}").status_code == 403
    rdv.refresh_from_db()
    assert rdv.statut == "reserve"


def test_the_booking_form_sent_twice_books_once_and_says_so(client: Client) -> None:
    """A double click, or the page sent again on a slow line: the second answer is not « réservé par quelqu'un
    d'autre » (the patient would think they have no appointment and book another), but « déjà confirmé », with
    the link (the first answer may never have arrived): the key is bound to this browser. Another browser, or the
    same form sent again with other details, finds the slot taken."""
    mission = _mission()
    slot = services.slots(mission.lieu, mission.date, mission.date)[0]
    url = f"/rendez-vous/creneau/{slot.id}/"
    page = client.get(url).content.decode()
    cle = re.search(r'name="cle" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    bad = client.post(url, {**FORM, "telephone": "12", "cle": cle})
    assert bad.status_code == 400 and f'name="cle" value="{cle}"' in bad.content.decode()  # kept on error
    # A mobile with a digit missing is refused, not read as a number of Saint-Pierre-et-Miquelon (+508) that the
    # SMS with the cancel link would then reach.
    short = client.post(url, {**FORM, "telephone": "06 12 34 5", "cle": cle})
    assert short.status_code == 400 and "Ce numéro de téléphone n&#x27;existe pas" in short.content.decode()
    assert not RendezVous.objects.exists()
    first = client.post(url, {**FORM, "cle": cle})
    assert first.status_code == 200 and "Votre rendez-vous est confirmé" in _text(first)
    again = client.post(url, {**FORM, "cle": cle})
    text = _text(again)
    assert again.status_code == 200 and "Votre rendez-vous est déjà confirmé" in text, text
    assert "quelqu'un d'autre" not in text and "/rendez-vous/gerer/" in text
    assert RendezVous.objects.count() == 1
    stranger = Client()  # the same fields and key from another browser (its own CSRF cookie): nothing learnt
    stranger.get(url)
    refused = stranger.post(url, {**FORM, "cle": cle})
    assert refused.status_code == 409 and "/rendez-vous/gerer/" not in refused.content.decode()
    other = client.post(url, {**FORM, "prenom": "Paul", "cle": cle})
    assert other.status_code == 409 and "vient d'être réservé" in _text(other)
    forged = client.post(url, {**FORM, "prenom": "Paul", "cle": "x" * 500})  # not a key of ours: none
    assert forged.status_code == 409 and RendezVous.objects.count() == 1
    services.cancel(services.jeton_for(RendezVous.objects.get()))
    anew = client.post(url, {**FORM, "cle": cle})  # cancelled, then the form sent again from the history
    assert anew.status_code == 200 and "Votre rendez-vous est confirmé" in _text(anew)
    assert RendezVous.objects.filter(statut="reserve").count() == 1


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("17/05/25", "année en 4 chiffres"),  # was booked as born on 17 May 2025
        ("17/05/48", "année en 4 chiffres"),  # was told « format AAAA-MM-JJ »
        ("17/05/2048", "entre le 01/01/1900 et aujourd'hui"),
        ("31/12/1899", "entre le 01/01/1900 et aujourd'hui"),
        ("31/02/1948", "année en 4 chiffres"),
    ],
)
def test_a_birth_date_is_refused_in_the_form_s_own_words(client: Client, typed: str, expected: str) -> None:
    mission = _mission()
    slot = services.slots(mission.lieu, mission.date, mission.date)[0]
    response = client.post(f"/rendez-vous/creneau/{slot.id}/", {**FORM, "date_naissance": typed})
    text = _text(response)
    assert response.status_code == 400 and expected in text and "AAAA-MM-JJ" not in text
    assert f'value="{typed}"' in text  # what was typed is kept
    assert not RendezVous.objects.exists()


@pytest.mark.parametrize(
    "typed", ["17/05/1925", "17-05-1925", "17.05.1925", "17 05 1925", "1925-05-17", "17/5/1925"]
)
def test_a_birth_date_in_full_is_read_whatever_the_separator(client: Client, typed: str) -> None:
    mission = _mission()
    slot = services.slots(mission.lieu, mission.date, mission.date)[0]
    assert (
        client.post(f"/rendez-vous/creneau/{slot.id}/", {**FORM, "date_naissance": typed}).status_code == 200
    )
    assert str(RendezVous.objects.get().date_naissance) == "1925-05-17"


def test_a_commune_the_search_cannot_place_or_find_is_said(client: Client) -> None:
    """Saint-Pierre (Saint-Pierre-et-Miquelon) is a commune without coordinates, and « abc » none: the page
    showed neither a lieu nor a word."""
    _mission()
    far = client.get("/rendez-vous/", {"commune": "97502"})
    assert far.status_code == 200 and "Aucun lieu de consultation n'est proposé pour Saint-Pierre" in _text(
        far
    )
    by_postcode = client.get("/rendez-vous/", {"q": "97500"})  # two communes: the choice, as usual
    assert by_postcode.status_code == 200 and "Précisez votre commune" in _text(by_postcode)
    unknown = client.get("/rendez-vous/", {"commune": "abc"})
    assert unknown.status_code == 404 and "Commune introuvable" in _text(unknown)
    too_long = client.get("/rendez-vous/", {"q": "x" * 81})  # as the suggestions answer it
    assert too_long.status_code == 400 and "Recherche trop longue" in _text(too_long)


def test_a_slot_just_taken_offers_the_next_ones_with_what_was_typed(client: Client) -> None:
    """The slot went to someone else while the patient typed: the next slots are offered, and what they typed
    is carried to the one they choose, to confirm (it was lost: a bare link to an empty form)."""
    mission = _mission()
    slots = services.slots(mission.lieu, mission.date, mission.date)
    services.book(slots[0].id, {**FORM, "prenom": "Paul", "date_naissance": "1950-01-02"})
    typed = {**FORM, "motif": "Renouvellement d'ordonnance"}
    taken = client.post(f"/rendez-vous/creneau/{slots[0].id}/", typed)
    page = taken.content.decode()
    assert taken.status_code == 409 and f'action="/rendez-vous/creneau/{slots[1].id}/"' in page
    found = re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', page)
    carried = {name: html.unescape(value) for name, value in found}  # as a browser reads them
    assert {k: v for k, v in carried.items() if k in typed} == typed
    _opens_filled_in(client, slots[1].id, carried)
    assert RendezVous.objects.count() == 1  # nothing booked before the patient confirms


def test_all_the_slots_from_moving_an_appointment_move_it(client: Client) -> None:
    """« Tous les créneaux de ce lieu », under « Déplacer ce rendez-vous », led to the lieu's plain list, whose
    slots book: the patient believed it moved, and held two appointments."""
    mission = _mission()
    slots = services.slots(mission.lieu, mission.date, mission.date)
    token = services.jeton_for(services.book(slots[0].id, {**FORM, "date_naissance": "1948-05-17"}))
    manage = client.get(f"/rendez-vous/gerer/{token}/").content.decode()
    link = html.unescape(re.search(r'href="([^"]+)">Tous les créneaux de ce lieu', manage).group(1))  # type: ignore[union-attr]
    listed = client.get(link).content.decode()
    assert f"/rendez-vous/gerer/{token}/deplacer/{slots[1].id}/" in listed
    assert f"/rendez-vous/creneau/{slots[1].id}/" not in listed
    forged = client.get(f"/rendez-vous/lieu/{mission.lieu.pk}/", {"deplacer": token[:-2] + "xx"})
    assert forged.status_code == 403 and "Lien invalide" in _text(forged)
    services.cancel(token)
    plain = client.get(link).content.decode()  # nothing left to move: the slots book again
    assert f"/rendez-vous/creneau/{slots[1].id}/" in plain and "/deplacer/" not in plain


def test_a_landline_gets_no_sms_and_is_told_so(client: Client) -> None:
    """An SMS to a landline (04 71…, 09…) never arrives: it was queued, and the page promised it. Now none is
    queued, the page says to note the appointment, and a waitlist entry needs a mobile or an address."""
    sms.outbox.clear()
    mission = _mission()
    slot = services.slots(mission.lieu, mission.date, mission.date)[0]
    done = client.post(
        f"/rendez-vous/creneau/{slot.id}/", {**FORM, "telephone": "04 71 00 00 00", "email": ""}
    )
    text = _text(done)
    assert done.status_code == 200 and "téléphone fixe : vous ne recevrez ni SMS" in text
    assert "/rendez-vous/gerer/" in text and "aussi envoyé par courriel ou SMS" not in text
    rdv = RendezVous.objects.get()
    assert rdv.telephone == "+33471000000" and not rdv.messages.exists()
    call_command("worker", "--once", stdout=io.StringIO())
    assert not sms.outbox
    both = services.book(  # another patient (born a day later): one appointment a day per person at a lieu
        services.slots(mission.lieu, mission.date, mission.date)[1].id,
        {**FORM, "date_naissance": "1948-05-18", "telephone": "09 12 34 56 78", "email": "j@exemple.fr"},
    )
    assert set(both.messages.values_list("canal", flat=True)) == {"email"}
    waitlist = {"prenom": "Louis", "nom": "Durand", "telephone": "04 71 00 00 00", "email": ""}
    today = timezone.localdate()
    period = {"du": today.strftime("%d/%m/%Y"), "au": (today + dt.timedelta(days=30)).strftime("%d/%m/%Y")}
    refused = client.post(f"/rendez-vous/lieu/{mission.lieu.pk}/attente/", {**waitlist, **period})
    assert refused.status_code == 400 and "ne reçoit pas de SMS" in _text(refused)
    assert 'value="04 71 00 00 00"' in _text(refused) and not InscriptionAttente.objects.exists()
    mobile = client.post(
        f"/rendez-vous/lieu/{mission.lieu.pk}/attente/", {**waitlist, **period, "telephone": "0612345678"}
    )
    assert mobile.status_code == 200 and InscriptionAttente.objects.count() == 1


def test_each_slot_of_a_lieu_names_its_day_to_a_screen_reader(client: Client) -> None:
    """Tabbing from link to link, a screen reader read « 08:30, 08:50… » without the day (only in the heading)."""
    mission = _mission()
    page = _text(client.get(f"/rendez-vous/lieu/{mission.lieu.pk}/"))
    day = re.search(r'<h3 class="fr-h6 fr-mb-1v">([^<]+)</h3>', page).group(1)  # type: ignore[union-attr]
    assert re.search(rf'<a [^>]+><span class="fr-sr-only">{day} à </span>08:30</a>', page)


def test_the_patient_s_fields_give_their_purpose(client: Client) -> None:
    """RGAA 11.13 (WCAG 1.3.5): the browser may fill them in; a phone keypad for the phone number."""
    mission = _mission()
    slot = services.slots(mission.lieu, mission.date, mission.date)[0]
    for url in (f"/rendez-vous/creneau/{slot.id}/", f"/rendez-vous/lieu/{mission.lieu.pk}/"):
        page = client.get(url).content.decode()
        for name, purpose in [("prenom", "given-name"), ("nom", "family-name"), ("email", "email")]:
            assert re.search(rf'<input type="[a-z]+" name="{name}"[^>]* autocomplete="{purpose}"', page), (
                url,
                name,
            )
        assert re.search(r'<input type="tel" name="telephone"[^>]* autocomplete="tel"', page)
    page = client.get(f"/rendez-vous/creneau/{slot.id}/").content.decode()
    assert re.search(r'name="date_naissance"[^>]* autocomplete="bday"', page)


GONE = {
    "mission annulée": "Le médecin a dû annuler sa venue ce jour-là",
    "pris": "vient d'être réservé par quelqu'un d'autre",
    "passé": "L'heure de ce créneau est passée",
    "lieu fermé": "Ce lieu de consultation ne reçoit plus de patients",
}


def _opens_filled_in(client: Client, creneau: str, carried: dict[str, str]):  # type: ignore[no-untyped-def]
    """What a slot's button sends (the typed fields, carried): that slot's form, filled in, still to confirm."""
    chosen = client.post(f"/rendez-vous/creneau/{creneau}/", carried)
    text = _text(chosen)
    assert (
        chosen.status_code == 200
        and "Confirmer le rendez-vous" in text
        and "contient des erreurs" not in text
    )
    assert 'value="Jeanne"' in text and 'value="17/05/1948"' in text and "Renouvellement d'ordonnance" in text
    return chosen


def _cle(client: Client, url: str) -> str:
    return re.search(r'name="cle" value="([^"]+)"', client.get(url).content.decode()).group(1)  # type: ignore[union-attr]


def _make_gone(case: str, mission, slot, freeze_clock) -> None:  # type: ignore[no-untyped-def]
    from solidarite.planning import lifecycle

    if case == "mission annulée":
        lifecycle.cancel_mission(mission, None, "Médecin malade")
    elif case == "pris":
        services.book(slot.id, {**FORM, "prenom": "Paul", "email": "", "date_naissance": "1950-01-02"})
    elif case == "passé":
        freeze_clock(slot.debut + dt.timedelta(minutes=5))
    else:
        mission.lieu.actif = False
        mission.lieu.save()


def test_a_lieu_closed_while_the_form_was_typed_offers_the_nearest_lieux_with_what_was_typed(
    client: Client,
) -> None:
    """Nothing left at the lieu (closed, or no other free slot): the page offered only a search, where the patient
    typed everything again. The nearest other lieux' next slots now carry what was typed, as the lieu's own do."""
    from solidarite.planning.models import Mission
    from tests.factories import lieu, medecin

    mission = _mission()
    near = lieu(mission.lieu.commune)
    Mission.objects.create(medecin=medecin(near.commune), lieu=near, date=mission.date, statut="confirmee")
    slot = services.slots(mission.lieu, mission.date, mission.date)[0]
    url = f"/rendez-vous/creneau/{slot.id}/"
    typed = {**FORM, "cle": _cle(client, url)}
    mission.lieu.actif = False
    mission.lieu.save()
    sent = client.post(url, typed)
    page, text = sent.content.decode(), _text(sent)
    assert sent.status_code == 409 and "Aucun autre créneau libre dans ce lieu" in text
    assert "Dans les lieux les plus proches" in text and near.nom in text
    targets = re.findall(r'<form method="post" action="/rendez-vous/creneau/([0-9-]+)/">', page)
    assert targets and all(services.offered_mission(t)[0].lieu_id == near.pk for t in targets)
    first = page[page.index(f'action="/rendez-vous/creneau/{targets[0]}/"') :]
    carried = dict(
        re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', first[: first.index("</form>")])
    )
    assert html.unescape(carried["nom"]) == FORM["nom"] and carried["reprendre"] == "1"


@pytest.mark.parametrize("case", list(GONE))
def test_a_slot_gone_while_the_form_was_typed_keeps_what_was_typed(
    client: Client, case: str, freeze_clock
) -> None:  # type: ignore[no-untyped-def]
    """The mission cancelled, the slot taken or passed, the lieu closed while the patient typed: the send was a
    404 « Créneau introuvable » and everything typed was lost. Now a 409 that says the slot is no longer
    available and why, nothing booked, and what was typed carried to the next free slots of the lieu (one
    click: that slot's form, filled in, to confirm), or, when there are none, the search around the lieu."""
    from solidarite.planning.models import Mission
    from tests.factories import medecin

    mission = _mission()
    backup = Mission.objects.create(  # another doctor, the next day: where the next free slots are
        medecin=medecin(mission.lieu.commune), lieu=mission.lieu, date=mission.date + dt.timedelta(days=1)
    )
    backup.statut = "confirmee"
    backup.save()
    slot = services.slots(mission.lieu, mission.date, mission.date)[0]
    url = f"/rendez-vous/creneau/{slot.id}/"
    typed = {**FORM, "motif": "Renouvellement d'ordonnance", "cle": _cle(client, url)}
    _make_gone(case, mission, slot, freeze_clock)
    sent = client.post(url, typed)
    page, text = sent.content.decode(), _text(sent)
    assert sent.status_code == 409 and "Ce créneau n'est plus disponible" in text and GONE[case] in text, text
    assert "Créneau introuvable" not in text and "Aucun rendez-vous n'a été réservé" in text
    assert "(Jeanne Martin, né(e) le 17/05/1948) n'est pas perdu" in text  # seen kept, not only carried
    assert not RendezVous.objects.filter(prenom="Jeanne").exists()
    near = f'href="/rendez-vous/?commune={mission.lieu.commune.code_insee}"'
    assert near in page  # the search around the lieu, always offered
    if case == "lieu fermé":  # nothing left in this lieu
        assert "Aucun autre créneau libre dans ce lieu" in text and "reprendre" not in page
        return
    targets = re.findall(r'<form method="post" action="/rendez-vous/creneau/([0-9-]+)/">', page)
    expected = services.next_free(mission.lieu, timezone.now())
    assert targets == [c.id for c in expected] and slot.id not in targets
    if case == "mission annulée":
        assert all(t.startswith(f"{backup.pk}-") for t in targets)
    first = page[page.index(f'action="/rendez-vous/creneau/{targets[0]}/"') :]
    first = first[: first.index("</form>")]
    carried = {
        name: html.unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', first)
    }
    assert {k: v for k, v in carried.items() if k in typed and k != "cle"} == {
        k: v for k, v in typed.items() if k != "cle"
    }
    chosen = _opens_filled_in(client, targets[0], carried)
    assert not RendezVous.objects.filter(prenom="Jeanne").exists()  # booked only once confirmed
    cle = re.search(r'name="cle" value="([^"]+)"', chosen.content.decode()).group(1)  # type: ignore[union-attr]
    form = {k: v for k, v in carried.items() if k != "reprendre"}  # what the form shown sends
    confirmed = client.post(f"/rendez-vous/creneau/{targets[0]}/", {**form, "cle": cle})
    assert confirmed.status_code == 200 and "Votre rendez-vous est confirmé" in _text(confirmed)
    assert RendezVous.objects.get(prenom="Jeanne").motif == "Renouvellement d'ordonnance"


def test_a_form_that_booked_is_still_confirmed_once_its_slot_has_gone(client: Client, freeze_clock) -> None:  # type: ignore[no-untyped-def]
    """Booked, the answer lost on a slow line, sent again once the slot has passed: « déjà confirmé » with the
    link, not « plus disponible » (the patient would book a second slot)."""
    mission = _mission()
    slot = services.slots(mission.lieu, mission.date, mission.date)[0]
    url = f"/rendez-vous/creneau/{slot.id}/"
    typed = {**FORM, "cle": _cle(client, url)}
    assert client.post(url, typed).status_code == 200
    freeze_clock(slot.debut + dt.timedelta(minutes=1))
    again = client.post(url, typed)
    text = _text(again)
    assert again.status_code == 200 and "Votre rendez-vous est déjà confirmé" in text
    assert "/rendez-vous/gerer/" in text and RendezVous.objects.count() == 1


@pytest.mark.parametrize("case", ["mission annulée", "pris", "passé"])
def test_a_slot_gone_before_the_move_is_confirmed_keeps_the_appointment(
    client: Client, case: str, freeze_clock
) -> None:  # type: ignore[no-untyped-def]
    """The same on « Déplacer mon rendez-vous »: a 409 that says why, the appointment kept, the next free slots
    of the lieu leading to moving it (was a 404)."""
    from solidarite.planning.models import Mission
    from tests.factories import medecin

    mission = _mission()
    later = Mission.objects.create(
        medecin=medecin(mission.lieu.commune), lieu=mission.lieu, date=mission.date + dt.timedelta(days=1)
    )
    later.statut = "confirmee"
    later.save()
    mine = services.book(
        services.slots(mission.lieu, mission.date, mission.date)[-1].id,
        {**FORM, "date_naissance": "1948-05-17"},
    )
    token = services.jeton_for(mine)
    target = services.slots(later.lieu, later.date, later.date)[0]
    url = f"/rendez-vous/gerer/{token}/deplacer/{target.id}/"
    assert client.get(url).status_code == 200
    if case == "passé":  # the appointment itself is still ahead: a move to a past slot of an earlier day
        target = services.slots(mission.lieu, mission.date, mission.date)[0]
        url = f"/rendez-vous/gerer/{token}/deplacer/{target.id}/"
        assert client.get(url).status_code == 200
    _make_gone(case, later if case != "passé" else mission, target, freeze_clock)
    sent = client.post(url)
    text = _text(sent)
    assert sent.status_code == 409 and "Ce créneau n'est plus disponible" in text and GONE[case] in text, text
    assert "Votre rendez-vous actuel est conservé" in text and "Créneau introuvable" not in text
    mine.refresh_from_db()
    assert mine.statut == "reserve" and mine.remplace_par is None
    assert re.search(
        rf'href="/rendez-vous/gerer/{re.escape(token)}/deplacer/\d+-\d+/"', sent.content.decode()
    )


# Found by probing the site: nom=%E2%80%AE%E2%80%8B (a right-to-left override and a zero-width space) was booked.
INVISIBLE_NAMES = [
    "\u202e\u200b",  # right-to-left override, zero-width space: nothing to read on the day's list
    "Mar\u202etin",  # an override inside a name reverses what follows it
    "Jean\u200dPierre",  # a zero-width joiner: no French name has one
    "\ufeffMartin",  # a byte-order mark pasted from a file
    "-'.",  # no letter at all
]


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_name_needs_a_letter_and_no_invisible_character_on_every_channel(
    client: Client, channel: str
) -> None:
    """One cleaning (rdv.patients) serves the booking page, the waitlist and the API: each refuses a name or first
    name without a letter or with an invisible or control character (400, or 422 for the API), in French, nothing
    written; French names with accents, hyphens, both apostrophes, dots and spaces are taken as typed."""
    send = sender(client, channel, FORM)

    for k, bad in enumerate(INVISIBLE_NAMES):
        field = "nom" if k % 2 == 0 else "prenom"
        response = send(k, **{field: bad})
        text = str(response.json()) if channel == "api" else _text(response)
        said = "caractère invisible ou de contrôle" if k < 4 else "au moins une lettre"
        assert response.status_code == (422 if channel == "api" else 400) and said in text, (bad, text[-600:])
    assert not RendezVous.objects.exists() and not InscriptionAttente.objects.exists()
    response = send(9, nom="N’Diaye-d'Ornano St. Éloi", prenom="Zoé Anaïs")
    assert response.status_code in (200, 201), _text(response)[-600:]
    kept = (RendezVous if channel != "attente" else InscriptionAttente).objects.get()
    assert (kept.nom, kept.prenom) == ("N’Diaye-d'Ornano St. Éloi", "Zoé Anaïs")


@pytest.mark.parametrize(
    ("minutes", "read"),
    [
        (0.0, "moins de 5 min"),
        (4.4, "moins de 5 min"),
        (25.2, "environ 25 min"),
        (59.6, "environ 1 h 00"),
        (138.0, "environ 2 h 18"),
    ],
)
def test_the_road_time_reads_as_a_patient_says_it(minutes: float, read: str) -> None:
    assert services.LieuProche(None, minutes, []).trajet == read  # type: ignore[arg-type]


def test_the_search_page_gives_the_road_time_in_hours_and_minutes(client: Client) -> None:
    mission = _mission()
    page = _text(client.get(f"/rendez-vous/?commune={mission.lieu.commune.code_insee}"))
    assert "à moins de 5 min de route" in page and "0 min" not in page
