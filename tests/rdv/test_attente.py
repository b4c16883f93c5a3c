"""Waitlist (never flood one person), moving an appointment, and a cancelled mission's patients."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import formats, timezone

from solidarite.planning import lifecycle
from solidarite.planning.models import Mission
from solidarite.rdv import attente, messaging, services, sms
from solidarite.rdv.models import AccesDonnees, InscriptionAttente, Message, RendezVous
from tests.factories import PATIENT, compte, lieu, medecin, patient
from tests.factories import mission as _mission

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_outboxes():  # type: ignore[no-untyped-def]
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def _register(lieu, du: dt.date, au: dt.date, **contact: str) -> InscriptionAttente:  # type: ignore[no-untyped-def]
    data = {"nom": "Durand", "prenom": "Louis", "telephone": "06 11 22 33 44", "du": du, "au": au, **contact}
    return attente.register(lieu, data)


def test_waitlist_refuses_what_cannot_be_served() -> None:
    site = _mission().lieu
    today = timezone.localdate()
    with pytest.raises(ValidationError) as past:
        _register(site, today - dt.timedelta(days=1), today + dt.timedelta(days=20))
    assert "passé" in str(past.value)
    with pytest.raises(ValidationError) as soon:
        _register(site, today, today + dt.timedelta(days=3))
    assert "116 117" in str(soon.value)
    with pytest.raises(ValidationError) as reversed_period:
        _register(site, today + dt.timedelta(days=20), today + dt.timedelta(days=10))
    assert "précède" in str(reversed_period.value)
    with pytest.raises(ValidationError) as no_contact:
        _register(site, today, today + dt.timedelta(days=20), telephone="")
    assert "téléphone" in str(no_contact.value)
    last = today + dt.timedelta(days=services.MAX_RANGE_DAYS)  # the schedule's horizon (rdv.creneaux.horizon)
    with pytest.raises(ValidationError) as beyond:
        _register(site, last + dt.timedelta(days=1), last + dt.timedelta(days=20))
    assert f"le {last:%d/%m/%Y} au plus tard" in str(beyond.value)
    assert not InscriptionAttente.objects.exists()
    assert _register(site, last, last + dt.timedelta(days=20)).du == last  # its last day still opens one


def _cancel_one(mission: Mission, k: int) -> None:
    slot = services.slots(mission.lieu, mission.date, mission.date)[k]
    rdv = services.book(slot.id, {**PATIENT, "prenom": f"P{k}"})
    services.cancel(services.jeton_for(rdv))


def test_a_freed_slot_tells_the_first_person_only_and_never_more_than_three_times() -> None:
    mission = _mission(days_ahead=10)
    today = timezone.localdate()
    first = _register(mission.lieu, today, today + dt.timedelta(days=30), email="")  # SMS only
    second = _register(mission.lieu, today, today + dt.timedelta(days=30), nom="Petit")
    _cancel_one(mission, 0)
    assert Message.objects.filter(nature="attente", inscription=first).count() == 1
    assert not Message.objects.filter(nature="attente", inscription=second).exists()
    messaging.send_due()
    assert any("Créneau libre" in m.texte and "stop" in m.texte for m in sms.outbox)
    # The same day, another freed slot goes to the next person, not again to the first.
    _cancel_one(mission, 1)
    assert Message.objects.filter(nature="attente", inscription=second).count() == 1
    # Over the following days, the first person is told at most three times in all (SMS only: the
    # anchor's bug counted e-mails only).
    for day in range(1, 6):
        later = timezone.now() + dt.timedelta(days=day)
        rdv = services.book(services.slots(mission.lieu, mission.date, mission.date)[2 + day].id, PATIENT)
        RendezVous.objects.filter(pk=rdv.pk).update(statut="annule")
        attente.notify_freed(mission.lieu_id, [rdv.debut], now=later)
    first.refresh_from_db()
    assert first.messages_envoyes == 3
    assert Message.objects.filter(inscription=first).count() == 3


def test_a_person_registered_twice_is_told_once_a_day_and_three_times_in_all() -> None:
    mission = _mission(days_ahead=10)
    today = timezone.localdate()
    first = _register(mission.lieu, today, today + dt.timedelta(days=30), email="")
    again = _register(
        mission.lieu, today, today + dt.timedelta(days=30), telephone="+33611223344", email="", nom=" DURAND"
    )
    other = _register(mission.lieu, today, today + dt.timedelta(days=30), nom="Petit", telephone="0622334455")
    # Each registration keeps its own row and withdrawal link: nothing tells a typist the number was listed.
    assert first.pk != again.pk and attente.jeton_for(first) != attente.jeton_for(again)
    _cancel_one(mission, 0)
    _cancel_one(mission, 1)  # the same day: the second freed slot goes to another person, not again to Louis
    assert Message.objects.filter(nature="attente", inscription__in=[first, again]).count() == 1
    assert Message.objects.filter(nature="attente", inscription=other).count() == 1
    for day in range(1, 6):
        later = timezone.now() + dt.timedelta(days=day)
        rdv = services.book(services.slots(mission.lieu, mission.date, mission.date)[2 + day].id, PATIENT)
        RendezVous.objects.filter(pk=rdv.pk).update(statut="annule")
        attente.notify_freed(mission.lieu_id, [rdv.debut], now=later)
    # Three messages in all to the number, whichever of its entries they went through.
    assert Message.objects.filter(nature="attente", inscription__in=[first, again]).count() == 3


def test_a_person_s_other_entries_do_not_hold_the_freed_slot_back_from_the_next_person() -> None:
    """The candidates were cut at three a freed slot before the entries of a person already told today were
    skipped: a person with four entries, told once, kept the next slot of the day from anyone else."""
    mission = _mission(days_ahead=10)
    today = timezone.localdate()
    # four entries of one person (four periods: the same entry twice is one, rdv.attente.register)
    mine = [_register(mission.lieu, today, today + dt.timedelta(days=30 + k), email="") for k in range(4)]
    other = _register(mission.lieu, today, today + dt.timedelta(days=30), nom="Petit", telephone="0622334455")
    _cancel_one(mission, 0)
    assert Message.objects.filter(nature="attente", inscription__in=mine).count() == 1
    _cancel_one(mission, 1)  # the same day: for the next person in line
    assert Message.objects.filter(nature="attente", inscription__in=mine).count() == 1
    assert Message.objects.filter(nature="attente", inscription=other).count() == 1


def test_no_message_in_the_last_seven_days_of_the_period() -> None:
    mission = _mission(days_ahead=9)
    today = timezone.localdate()
    entry = _register(mission.lieu, today, today + dt.timedelta(days=10))
    now = timezone.now() + dt.timedelta(days=4)  # 6 days before the end of the period
    assert attente.notify_freed(mission.lieu_id, [timezone.now() + dt.timedelta(days=9)], now=now) == 0
    assert not entry.messages.exists()


def test_withdrawing_and_a_slot_taken_again_before_sending() -> None:
    mission = _mission(days_ahead=10)
    entry = _register(mission.lieu, mission.date, mission.date + dt.timedelta(days=10))
    rdv = services.book(services.slots(mission.lieu, mission.date, mission.date)[0].id, PATIENT)
    services.cancel(services.jeton_for(rdv))
    # Every slot is booked again (by as many patients) before the worker runs: the message has no object and is
    # not counted.
    for k, creneau in enumerate(services.slots(mission.lieu, mission.date, mission.date), start=1):
        if creneau.libre:
            services.book(creneau.id, patient(k))
    messaging.send_due()
    entry.refresh_from_db()
    assert entry.messages_envoyes == 0 and entry.messages.get(nature="attente").statut == "sans_objet"
    attente.withdraw(attente.jeton_for(entry))
    entry.refresh_from_db()
    assert entry.statut == "retiree"
    assert attente.notify_freed(mission.lieu_id, [timezone.now() + dt.timedelta(days=10)]) == 0
    with pytest.raises(ValidationError):
        attente.withdraw("faux-jeton")


def test_waitlist_pages(client: Client) -> None:
    mission = _mission(days_ahead=10)
    page = client.get(f"/rendez-vous/lieu/{mission.lieu.pk}/")
    assert page.status_code == 200 and "Liste d'attente" in html.unescape(page.content.decode())
    today = timezone.localdate()
    data = {"prenom": "Louis", "nom": "Durand", "telephone": "06 11 22 33 44", "email": ""}
    bad = client.post(
        f"/rendez-vous/lieu/{mission.lieu.pk}/attente/",
        {**data, "du": today.strftime("%d/%m/%Y"), "au": today.strftime("%d/%m/%Y")},
    )
    assert bad.status_code == 400 and "116 117" in html.unescape(bad.content.decode())
    au = (today + dt.timedelta(days=30)).strftime("%d/%m/%Y")
    done = client.post(
        f"/rendez-vous/lieu/{mission.lieu.pk}/attente/", {**data, "du": today.strftime("%d/%m/%Y"), "au": au}
    )
    assert done.status_code == 200 and InscriptionAttente.objects.count() == 1
    token = re.search(r'/rendez-vous/attente/([^/"]+)/', done.content.decode()).group(1)  # type: ignore[union-attr]
    client.post(f"/rendez-vous/attente/{token}/")
    assert InscriptionAttente.objects.get().statut == "retiree"
    assert client.get(f"/rendez-vous/lieu/{mission.lieu.pk}/", {"du": "2026-13-01"}).status_code == 400
    far = client.post(  # year 9999: beyond the schedule's horizon (was accepted)
        f"/rendez-vous/lieu/{mission.lieu.pk}/attente/", {**data, "du": "25/12/9999", "au": "31/12/9999"}
    )
    assert far.status_code == 400 and "au plus tard" in html.unescape(far.content.decode())
    impossible = client.post(  # 31 February: said as the booking form says it, not Django's « date valide »
        f"/rendez-vous/lieu/{mission.lieu.pk}/attente/", {**data, "du": "31/02/2027", "au": "28/02/2027"}
    )
    text = html.unescape(impossible.content.decode())
    assert impossible.status_code == 400 and "Date de début illisible ou impossible" in text
    assert "Saisissez une date valide" not in text
    assert InscriptionAttente.objects.count() == 1
    edge = client.get(f"/rendez-vous/lieu/{mission.lieu.pk}/", {"du": "9999-12-31"})  # was an OverflowError
    assert edge.status_code == 400 and "limites du calendrier" in html.unescape(edge.content.decode())
    assert client.get("/rendez-vous/lieu/999999/").status_code == 404
    # the address of the form's answer opened again (a tab restored): the lieu's page, not an empty 405
    again = client.get(f"/rendez-vous/lieu/{mission.lieu.pk}/attente/")
    assert again.status_code == 302 and again["Location"] == f"/rendez-vous/lieu/{mission.lieu.pk}/#attente"
    assert client.get("/rendez-vous/lieu/999999/attente/").status_code == 404


def test_moving_an_appointment_in_one_transaction(client: Client) -> None:
    mission = _mission(days_ahead=10)
    slots = services.slots(mission.lieu, mission.date, mission.date)
    rdv = services.book(slots[0].id, {**PATIENT, "email": "jeanne@exemple.fr"})
    token = services.jeton_for(rdv)
    other = services.book(slots[1].id, {**PATIENT, "prenom": "Paul"})
    taken = client.post(f"/rendez-vous/gerer/{token}/deplacer/{slots[1].id}/")
    assert taken.status_code == 409 and "vient d'être réservé" in html.unescape(taken.content.decode())
    rdv.refresh_from_db()
    assert rdv.statut == "reserve" and RendezVous.objects.filter(statut="reserve").count() == 2
    page = html.unescape(client.get(f"/rendez-vous/gerer/{token}/").content.decode())
    assert "Déplacer ce rendez-vous" in page and slots[2].id in page
    moved = client.post(f"/rendez-vous/gerer/{token}/deplacer/{slots[2].id}/")
    assert moved.status_code == 200 and "Votre rendez-vous est déplacé" in html.unescape(
        moved.content.decode()
    )
    rdv.refresh_from_db()
    assert rdv.statut == "annule" and rdv.motif_annulation == "deplace" and rdv.remplace_par is not None
    assert rdv.remplace_par.debut == slots[2].debut and rdv.remplace_par.nom == rdv.nom
    assert set(Message.objects.filter(rendez_vous=rdv, nature="rappel").values_list("statut", flat=True)) == {
        "sans_objet"
    }
    assert Message.objects.filter(rendez_vous=rdv.remplace_par, nature="confirmation").exists()
    assert other.pk != rdv.remplace_par.pk
    assert client.post(f"/rendez-vous/gerer/{token}x/deplacer/{slots[3].id}/").status_code == 403
    # the confirmation sent again (a reload on a slow line): « déjà », not « il ne peut plus être déplacé »
    again = client.post(f"/rendez-vous/gerer/{token}/deplacer/{slots[2].id}/")
    text = html.unescape(again.content.decode())
    assert again.status_code == 200 and "déjà confirmé" in text and "ne peut plus" not in text
    assert RendezVous.objects.filter(statut="reserve").count() == 2
    # the old link towards another slot: said at once, with where the appointment now is, without a button that
    # can only fail
    elsewhere = client.get(f"/rendez-vous/gerer/{token}/deplacer/{slots[3].id}/")
    text = html.unescape(elsewhere.content.decode())
    assert (
        elsewhere.status_code == 409
        and "Ce rendez-vous vient d'être déplacé" in text
        and "Déplacer mon rendez-vous à" not in text
    )


def test_a_cancelled_mission_cancels_its_appointments_and_tells_each_patient(client: Client) -> None:
    mission = _mission(days_ahead=10)
    backup = Mission.objects.create(
        medecin=medecin(mission.lieu.commune),
        lieu=mission.lieu,
        date=mission.date + dt.timedelta(days=1),
        statut="confirmee",
    )
    slots = services.slots(mission.lieu, mission.date, mission.date)
    for k in range(3):
        services.book(slots[k].id, {**PATIENT, "prenom": f"P{k}", "email": f"p{k}@exemple.fr"})
    with pytest.raises(ValidationError):
        lifecycle.cancel_mission(mission, None, "  ")
    lifecycle.cancel_mission(mission, None, "Médecin malade")
    assert (
        RendezVous.objects.filter(mission=mission, statut="annule", motif_annulation="mission").count() == 3
    )
    assert services.slots(mission.lieu, mission.date, mission.date) == []  # the slots are gone
    mail.outbox.clear()
    messaging.send_due()
    letters = [m for m in mail.outbox if "annulé" in m.subject]
    assert len(letters) == 3
    assert "Prochains créneaux libres" in letters[0].body and f"{backup.date:%-d}" in letters[0].body
    with pytest.raises(ValidationError):
        lifecycle.cancel_mission(mission, None, "encore")


def test_a_volunteer_withdraws_from_their_missions_page(client: Client) -> None:
    mission = _mission(days_ahead=10)
    services.book(services.slots(mission.lieu, mission.date, mission.date)[0].id, PATIENT)
    client.force_login(compte(mission.medecin))
    page = html.unescape(client.get("/planning/medecin/missions/").content.decode())
    assert "Me désister" in page and f"/rendez-vous/journee/{mission.pk}/" in page
    client.post(
        "/planning/medecin/missions/",
        {"mission": mission.pk, "reponse": "desister", "disponible": "non", "commentaire": ""},
    )
    mission.refresh_from_db()
    assert mission.statut == "confirmee"  # a reason is required
    refused = client.post(  # the view reads the comment itself: a NUL in it was a 500 on PostgreSQL
        "/planning/medecin/missions/",
        {"mission": mission.pk, "reponse": "desister", "disponible": "non", "commentaire": "Urgence\x00"},
    )
    mission.refresh_from_db()
    assert refused.status_code == 400 and "caractère nul" in refused.content.decode()
    assert mission.statut == "confirmee"
    client.post(
        "/planning/medecin/missions/",
        {
            "mission": mission.pk,
            "reponse": "desister",
            "disponible": "non",
            "commentaire": "Urgence familiale",
        },
    )
    mission.refresh_from_db()
    assert mission.statut == "annulee" and mission.transitions.last().commentaire.startswith(
        "Désistement du médecin"
    )
    assert RendezVous.objects.get().motif_annulation == "mission"


def test_a_confirmed_mission_tells_the_waitlist() -> None:
    site = _mission(days_ahead=10).lieu
    today = timezone.localdate()
    entry = _register(site, today, today + dt.timedelta(days=30))
    proposed = Mission.objects.create(
        medecin=medecin(site.commune), lieu=site, date=today + dt.timedelta(days=12), statut="proposee"
    )
    lifecycle.answer_mission(proposed, proposed.medecin, accept=True)
    assert entry.messages.filter(nature="attente").count() == 1


def test_wider_hours_tell_the_waitlist_of_the_slots_they_open() -> None:
    from solidarite.rdv.models import HorairesConsultation

    mission = _mission(days_ahead=10)
    entry = _register(
        mission.lieu, mission.date, mission.date + dt.timedelta(days=10)
    )  # after the confirmation
    hours = HorairesConsultation.objects.create(lieu=mission.lieu, apres_midi_fin=dt.time(17, 0))  # narrower
    assert not Message.objects.filter(inscription=entry).exists()
    hours.apres_midi_fin = dt.time(19, 0)  # 17 h – 19 h: six slots open
    hours.save()
    entry.refresh_from_db()
    assert (
        entry.messages_envoyes == 1
        and Message.objects.filter(inscription=entry, nature="attente").count() == 1
    )
    assert [f"{c.debut:%H:%M}" for c in services.slots(mission.lieu, mission.date, mission.date)][
        -1
    ] == "18:40"


# One person, several entries: leaving in one go, the cap that survives a new registration, at most five entries.


def _token_in(text: str) -> str:
    found = re.search(r"/rendez-vous/attente/tout/([^/\s]+)/", text)
    assert found, text
    return found.group(1)


def test_a_link_sent_to_the_phone_itself_withdraws_every_entry_made_with_it(client: Client) -> None:
    """Registered twice (or more), a person had to open each withdrawal link. The link to leave in one go goes
    to the contact itself, never to the page, and covers every entry made with it, whatever the name (the
    phone's owner already receives all their messages): typing someone's number removes nothing of theirs."""
    here, there = _mission(days_ahead=10).lieu, lieu()
    today = timezone.localdate()
    mine = [
        _register(here, today, today + dt.timedelta(days=20), email=""),
        _register(here, today + dt.timedelta(days=10), today + dt.timedelta(days=40), email=""),
        _register(
            there, today, today + dt.timedelta(days=30), nom="DURAND ", telephone="+33611223344", email=""
        ),
    ]
    partner = _register(
        here, today, today + dt.timedelta(days=20), prenom="Marie", email=""
    )  # a shared mobile
    page = client.get(f"/rendez-vous/attente/{attente.jeton_for(mine[0])}/")
    assert "Recevoir un lien pour retirer toutes mes inscriptions" in html.unescape(page.content.decode())
    asked = client.post(f"/rendez-vous/attente/{attente.jeton_for(mine[0])}/lien/")
    answer = html.unescape(asked.content.decode())
    assert asked.status_code == 200 and "lien vous est envoyé" in answer and "/attente/tout/" not in answer
    # Withdrawing the entry the link was asked from does not drop the link on its way.
    client.post(f"/rendez-vous/attente/{attente.jeton_for(mine[0])}/")
    mail.outbox.clear()
    messaging.send_due()
    assert [m.numero for m in sms.outbox] == ["+33611223344"] and not mail.outbox
    token = _token_in(sms.outbox[0].texte)
    listing = client.get(f"/rendez-vous/attente/tout/{token}/")
    shown = html.unescape(listing.content.decode())
    assert listing.status_code == 200 and there.nom in shown and here.nom in shown
    assert formats.date_format(mine[1].au, "j F Y") in shown and "Retirer toutes ces inscriptions" in shown
    assert "Marie Durand" in shown  # the names typed with the number are shown: the link covers them all
    done = client.post(f"/rendez-vous/attente/tout/{token}/")
    assert done.status_code == 200 and "Vos 3 inscriptions sont retirées" in html.unescape(
        done.content.decode()
    )
    statuses = dict(InscriptionAttente.objects.values_list("pk", "statut"))
    assert [statuses[e.pk] for e in mine] == ["retiree"] * 3 and statuses[partner.pk] == "retiree"
    # Every entry shown and withdrawn is in the access log.
    assert AccesDonnees.objects.filter(inscription=mine[2], action="consultation (toutes)").count() == 1
    assert AccesDonnees.objects.filter(inscription=mine[2], action="désinscription (toutes)").count() == 1
    # Forged or expired: refused.
    assert client.get(f"/rendez-vous/attente/tout/{token[:-3]}xyz/").status_code == 403
    with time_machine.travel(timezone.now() + dt.timedelta(days=attente.link_days(), hours=1)):
        assert client.post(f"/rendez-vous/attente/tout/{token}/").status_code == 403


def test_a_link_asked_with_a_typed_address_covers_that_address_only(client: Client) -> None:
    """Someone types Louis's name and number with their own address: the e-mail link reaches that address and
    covers the entries made with it; Louis's own entries stay (the SMS link goes to Louis)."""
    here, there = _mission(days_ahead=10).lieu, lieu()
    today = timezone.localdate()
    louis = _register(here, today, today + dt.timedelta(days=20), email="")
    typed = _register(there, today, today + dt.timedelta(days=20), email="curieux@exemple.fr")
    mail.outbox.clear()
    client.post(f"/rendez-vous/attente/{attente.jeton_for(typed)}/lien/")
    messaging.send_due()
    assert [m.to for m in mail.outbox] == [["curieux@exemple.fr"]]
    assert [m.numero for m in sms.outbox] == ["+33611223344"]  # the phone's owner is told too
    token = _token_in(mail.outbox[0].body)
    shown = html.unescape(client.get(f"/rendez-vous/attente/tout/{token}/").content.decode())
    assert there.nom in shown and here.nom not in shown
    client.post(f"/rendez-vous/attente/tout/{token}/")
    assert InscriptionAttente.objects.get(pk=louis.pk).statut == "active"
    assert InscriptionAttente.objects.get(pk=typed.pk).statut == "retiree"


def test_one_link_a_day_per_contact_and_the_same_answer_whatever_is_listed(client: Client) -> None:
    here = _mission(days_ahead=10).lieu
    today = timezone.localdate()
    twice = [
        _register(here, today, today + dt.timedelta(days=20 + k), email="") for k in range(2)
    ]  # two periods
    alone = _register(
        here, today, today + dt.timedelta(days=20), nom="Petit", telephone="0622334455", email=""
    )
    answers = [
        client.post(f"/rendez-vous/attente/{attente.jeton_for(entry)}/lien/")
        for entry in (twice[0], alone, twice[1], twice[0])
    ]
    assert {a.status_code for a in answers} == {200}
    assert len({re.search(r'fr-alert--info"><p>([^<]*)', a.content.decode()).group(1) for a in answers}) == 1  # type: ignore[union-attr]
    messaging.send_due()
    # Louis asked three times, from two entries: one SMS; Petit, one.
    assert sorted(m.numero for m in sms.outbox) == ["+33611223344", "+33622334455"]
    assert Message.objects.filter(nature="retrait_attente").count() == 2
    # The next day, one more.
    with time_machine.travel(timezone.now() + dt.timedelta(days=1)):
        client.post(f"/rendez-vous/attente/{attente.jeton_for(twice[1])}/lien/")
    assert Message.objects.filter(nature="retrait_attente").count() == 3
    assert client.post("/rendez-vous/attente/faux-jeton/lien/").status_code == 403
    assert client.get(f"/rendez-vous/attente/{attente.jeton_for(alone)}/lien/").status_code == 405


def test_asking_for_links_from_one_address_is_limited(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SOLIDARITE_LIMITE_RESERVATIONS = 2
    cache.clear()
    here = _mission(days_ahead=10).lieu
    today = timezone.localdate()
    entries = [
        _register(
            here, today, today + dt.timedelta(days=20), nom=f"N{k}", telephone=f"06223344{k:02d}", email=""
        )
        for k in range(3)
    ]
    answers = [client.post(f"/rendez-vous/attente/{attente.jeton_for(e)}/lien/").status_code for e in entries]
    cache.clear()
    assert answers == [200, 200, 429]
    assert Message.objects.filter(nature="retrait_attente").count() == 2


def test_a_link_that_finds_nothing_left_does_not_give_a_waitlist_message_back() -> None:
    mission = _mission(days_ahead=10)
    today = timezone.localdate()
    entry = _register(mission.lieu, today, today + dt.timedelta(days=30), email="")
    _cancel_one(mission, 0)
    messaging.send_due()
    attente.request_withdraw_all(entry)
    attente.withdraw(attente.jeton_for(entry))
    messaging.send_due()
    entry.refresh_from_db()
    assert entry.messages.get(nature="retrait_attente").statut == "sans_objet"
    assert entry.messages_envoyes == 1  # the link not sent is no « slot freed » message to give back


def test_withdrawing_and_registering_again_does_not_start_the_cap_afresh() -> None:
    mission = _mission(days_ahead=10)
    today = timezone.localdate()
    first = _register(mission.lieu, today, today + dt.timedelta(days=30), email="")
    slots = iter(services.slots(mission.lieu, mission.date, mission.date))

    def free_one(days_later: int) -> int:
        rdv = services.book(next(slots).id, PATIENT)
        RendezVous.objects.filter(pk=rdv.pk).update(statut="annule")
        later = timezone.now() + dt.timedelta(days=days_later)
        return attente.notify_freed(mission.lieu_id, [rdv.debut], now=later)

    assert [free_one(day) for day in range(3)] == [1, 1, 1]
    attente.withdraw(attente.jeton_for(first))
    again = _register(mission.lieu, today, today + dt.timedelta(days=30), email="", nom="durand")
    assert free_one(3) == 0  # three messages in all: the new entry does not start again from zero
    assert not again.messages.exists()
    # Another person at the same number is another person.
    partner = _register(mission.lieu, today, today + dt.timedelta(days=30), prenom="Marie", email="")
    assert free_one(4) == 1 and partner.messages.count() == 1


def test_a_phone_holds_six_entries_in_progress_and_its_owner_is_sent_the_way_out(client: Client) -> None:
    """A cap per name capped nothing (a name is free to type), and a refusal that only said « retirez-en une »
    locked out a person whose number a third party had filled: the cap is per phone or e-mail, whatever the
    name, and the refusal sends the withdraw-all link to the contact typed, never to the page."""
    here, there = _mission(days_ahead=10).lieu, lieu()
    today = timezone.localdate()
    cap = attente.max_entries()
    assert cap == 6
    filled = [  # a third party, under other first names, with Louis's mobile
        _register(
            here if k % 2 else there,
            today + dt.timedelta(days=k),
            today + dt.timedelta(days=30),
            prenom=f"Intrus{k}",
            email="",
        )
        for k in range(cap)
    ]
    page = client.post(
        f"/rendez-vous/lieu/{here.pk}/attente/",
        {
            "prenom": "Louis",
            "nom": "Durand",
            "telephone": "06 11 22 33 44",
            "email": "louis@exemple.fr",
            "du": today.strftime("%d/%m/%Y"),
            "au": (today + dt.timedelta(days=20)).strftime("%d/%m/%Y"),
        },
    )
    text = html.unescape(page.content.decode())
    assert (
        page.status_code == 400
        and "c'est le maximum" in text
        and "Un lien pour les voir et les retirer" in text
    )
    assert "/attente/tout/" not in text and "Intrus" not in text
    assert InscriptionAttente.objects.count() == cap
    # The link goes to Louis's phone (the address typed has no entry: nothing to send there).
    messaging.send_due()
    assert [m.numero for m in sms.outbox] == ["+33611223344"] and not mail.outbox
    token = _token_in(sms.outbox[0].texte)
    assert "Intrus0 Durand" in html.unescape(
        client.get(f"/rendez-vous/attente/tout/{token}/").content.decode()
    )
    client.post(f"/rendez-vous/attente/tout/{token}/")
    assert not InscriptionAttente.objects.filter(statut="active").exists()
    louis = _register(here, today, today + dt.timedelta(days=20))  # Louis is no longer locked out
    # A second refusal the same day sends nothing more to the phone (one link a day per contact).
    for k in range(cap - 1):
        _register(there, today, today + dt.timedelta(days=20 + k), prenom=f"Autre{k}", email="")
    for _ in range(2):
        with pytest.raises(ValidationError, match="c'est le maximum"):
            _register(there, today, today + dt.timedelta(days=25))
    assert Message.objects.filter(nature="retrait_attente", canal="sms").count() == 1
    # Another number is another contact; an entry whose period is over no longer counts.
    _register(here, today, today + dt.timedelta(days=20), telephone="0622334455", email="")
    InscriptionAttente.objects.filter(pk=louis.pk).update(
        du=today - dt.timedelta(days=10), au=today - dt.timedelta(days=1)
    )
    _register(there, today, today + dt.timedelta(days=20))
    assert filled[0].pk < louis.pk


def test_a_lieu_that_no_longer_receives_takes_no_waitlist_entry(client: Client) -> None:
    """As its page: a 404 that says so, and nothing written (the form was accepted and its error had no field)."""
    mission = _mission(days_ahead=10)
    mission.lieu.actif = False
    mission.lieu.save(update_fields=["actif"])
    today = timezone.localdate()
    data = {"prenom": "Louis", "nom": "Durand", "telephone": "06 11 22 33 44", "email": ""}
    au = (today + dt.timedelta(days=30)).strftime("%d/%m/%Y")
    refused = client.post(
        f"/rendez-vous/lieu/{mission.lieu.pk}/attente/", {**data, "du": today.strftime("%d/%m/%Y"), "au": au}
    )
    assert refused.status_code == 404 and "ne reçoit plus" in html.unescape(refused.content.decode())
    assert not InscriptionAttente.objects.exists()
