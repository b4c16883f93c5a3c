"""Overdue reminders when the mail server fails: the others are still sent, and the one that failed is tried
again at the next run rather than counted as sent; when the worker stops, the rest is left for its next start."""

import datetime as dt
import smtplib
import threading

import pytest
from django_tasks_db.models import DBTaskResult

from solidarite.continuite import relances, services
from solidarite.continuite.models import Relance, ResultatAttendu
from solidarite.continuite.tasks import suivi_quotidien
from solidarite.rdv.tasks import ARRET
from tests.factories import consultation_du_jour, patient, transmission

pytestmark = pytest.mark.django_db


def test_a_failing_mail_server_does_not_stop_the_others_and_is_tried_again(
    lundi, freeze_clock, mailoutbox, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    first = transmission().resultats.get()
    second = transmission(consultation_du_jour(first.lieu, form=patient(1))).resultats.get()
    first.lieu.referents.update(email="referente@exemple.fr")
    freeze_clock(lundi + dt.timedelta(days=15))
    services.reassign_stale()
    sent = relances.send_mail
    calls: list[int] = []

    def down_once(subject, body, sender, to):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 1:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return sent(subject, body, sender, to)

    monkeypatch.setattr(relances, "send_mail", down_once)
    assert relances.relancer() == 1  # the task went on after the failure (it stopped with a traceback)
    assert len(mailoutbox) == 1
    failed = ResultatAttendu.objects.get(pk=min(first.pk, second.pk))
    assert failed.derniere_relance is None and not Relance.objects.filter(resultat=failed).exists()
    assert relances.relancer() == 1  # tried again, now sent
    assert len(mailoutbox) == 2 and Relance.objects.filter(envoye=True).count() == 2


def test_a_stopped_worker_ends_the_reminders_after_the_one_in_hand_and_queues_the_rest(
    lundi, freeze_clock, mailoutbox, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    first = transmission().resultats.get()
    transmission(consultation_du_jour(first.lieu, form=patient(1))).resultats.get()
    first.lieu.referents.update(email="referente@exemple.fr")
    freeze_clock(lundi + dt.timedelta(days=15))
    stop = threading.Event()
    sent = relances.send_mail

    def stop_asked_while_sending(subject, body, sender, to):  # type: ignore[no-untyped-def]
        stop.set()  # SIGTERM reaches the worker while the first e-mail leaves
        return sent(subject, body, sender, to)

    monkeypatch.setattr(relances, "send_mail", stop_asked_while_sending)
    token = ARRET.set(stop)
    try:
        outcome = suivi_quotidien.call()
    finally:
        ARRET.reset(token)
    assert outcome["relances"] == 1 and outcome["interrompue"] == 1 and outcome["reste"] == 1
    assert (
        len(mailoutbox) == 1 and Relance.objects.filter(envoye=True).count() == 1
    )  # the one in hand, finished
    queued = DBTaskResult.objects.ready().get()
    assert queued.task_path == suivi_quotidien.module_path  # the rest, for the next start
    assert relances.relancer() == 1 and len(mailoutbox) == 2
