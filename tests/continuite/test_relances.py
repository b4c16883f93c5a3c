"""Overdue reminders when the mail server fails: the others are still sent, and the one that failed is tried
again at the next run rather than counted as sent."""

import datetime as dt
import smtplib

import pytest

from solidarite.continuite import relances, services
from solidarite.continuite.models import Relance, ResultatAttendu
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
