"""The same waitlist entry is made once: sent twice at once, or again, it is the first one (probe of 6 December)."""

from __future__ import annotations

import datetime as dt
import html
import re
import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.utils import timezone

from solidarite.rdv import attente
from solidarite.rdv.models import InscriptionAttente
from tests.conftest import restore_reference_data
from tests.factories import mission as _mission

LOUIS = {"nom": "Durand", "prenom": "Louis", "telephone": "06 11 22 33 44"}


def _period(days: int = 30) -> dict[str, dt.date]:
    today = timezone.localdate()
    return {"du": today, "au": today + dt.timedelta(days=days)}


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.content.decode())


@pytest.mark.django_db
def test_the_same_entry_sent_again_is_the_first_one_and_counts_once_toward_the_cap() -> None:
    here = _mission(days_ahead=10).lieu
    first = attente.register(here, {**LOUIS, **_period()})
    for sent in ({**LOUIS, **_period()}, {**LOUIS, "telephone": "+33611223344", **_period()}):  # as stored
        with pytest.raises(attente.AlreadyRegisteredError) as again:
            attente.register(here, sent)
        assert again.value.inscription == first and not again.value.same_sender
    assert InscriptionAttente.objects.count() == 1
    # Five more entries of this number (other periods): the cap of six is reached with them, not before.
    for k in range(1, 6):
        attente.register(here, {**LOUIS, **_period(30 + k)})
    with pytest.raises(attente.AlreadyRegisteredError):  # at the cap, the same entry is still the same entry
        attente.register(here, {**LOUIS, **_period()})
    assert InscriptionAttente.objects.filter(statut="active").count() == 6
    # withdrawn, it may be made again
    attente.withdraw(attente.jeton_for(first))
    assert attente.register(here, {**LOUIS, **_period(30)}).pk != first.pk


@pytest.mark.django_db
def test_the_database_keeps_one_identical_active_entry() -> None:
    here = _mission(days_ahead=10).lieu
    row = {"lieu": here, **_period(), "nom": "Durand", "prenom": "Louis", "telephone": "+33611223344"}
    InscriptionAttente.objects.create(**row)
    with pytest.raises(IntegrityError), transaction.atomic():
        InscriptionAttente.objects.create(**row)
    InscriptionAttente.objects.create(**row, statut="retiree")  # only the active entries are kept unique
    InscriptionAttente.objects.create(
        **{**row, "prenom": "Lucie"}
    )  # another name at the same number: another


@pytest.mark.django_db
def test_the_form_sent_again_answers_as_the_first_time_and_gives_the_link_to_its_browser_only(
    client: Client,
) -> None:
    here = _mission(days_ahead=10).lieu
    today = timezone.localdate()
    form = {
        **LOUIS,
        "du": today.strftime("%d/%m/%Y"),
        "au": (today + dt.timedelta(days=30)).strftime("%d/%m/%Y"),
    }
    url = f"/rendez-vous/lieu/{here.pk}/attente/"
    client.get(f"/rendez-vous/lieu/{here.pk}/")  # the form's page: its CSRF cookie, as a browser has it
    first = client.post(url, form)
    link = re.search(r'/rendez-vous/attente/([^/"]+)/"', first.content.decode())
    assert first.status_code == 200 and link is not None
    again = client.post(url, form)  # a double click, the page sent again
    text = _text(again)
    assert again.status_code == 200 and "Vous êtes inscrit pour" in text and "déjà faite" in text
    # this browser made the entry: its link, as the first time (signed anew: compared by the entry it opens, the
    # signature's time may have changed by a second)
    given = re.search(r'/rendez-vous/attente/([^/"]+)/"', again.content.decode())
    assert given is not None and attente.from_jeton(given.group(1)) == attente.from_jeton(link.group(1))
    other = Client()  # someone else typing the same name, number, lieu and period
    other.get(f"/rendez-vous/lieu/{here.pk}/")
    stranger = other.post(url, form)
    text = _text(stranger)
    assert stranger.status_code == 200 and "Vous êtes inscrit pour" in text
    assert link.group(1) not in text and "/rendez-vous/attente/" not in text  # no withdrawal link handed out
    assert InscriptionAttente.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_entry_from_two_threads_at_once_is_made_once() -> None:
    restore_reference_data()  # a transactional test starts from an emptied database
    here = _mission(days_ahead=10).lieu
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def attempt() -> None:
        barrier.wait()
        try:
            attente.register(here, {**LOUIS, **_period()})
            outcomes.append("inscrit")
        except attente.AlreadyRegisteredError:
            outcomes.append("déjà")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["déjà"] * 3 + ["inscrit"]
    assert InscriptionAttente.objects.count() == 1
