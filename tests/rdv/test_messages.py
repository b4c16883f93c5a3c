"""Confirmations and reminders: queued with the booking, sent once by the worker, recorded."""

from __future__ import annotations

import datetime as dt
import io
import threading

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError, connections, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from solidarite.rdv import messaging, services, sms
from solidarite.rdv.models import AccesDonnees, Message
from tests.factories import rendez_vous as _book

pytestmark = pytest.mark.django_db


class RefusingSms:
    def send(self, numero: str, texte: str) -> None:
        raise sms.SmsError("opérateur indisponible")


@pytest.fixture(autouse=True)
def _empty_outboxes():  # type: ignore[no-untyped-def]
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def test_booking_queues_confirmation_and_both_reminders_on_each_channel() -> None:
    rdv = _book()
    queued = set(Message.objects.values_list("nature", "canal", "cle"))
    assert {(n, c) for n, c, _ in queued} == {
        ("confirmation", "email"),
        ("confirmation", "sms"),
        ("rappel", "email"),
        ("rappel", "sms"),
    }
    reminders = Message.objects.filter(nature="rappel", canal="sms").order_by("prevu_le")
    assert [rdv.debut - m.prevu_le for m in reminders] == [dt.timedelta(hours=48), dt.timedelta(hours=2)]
    with pytest.raises(IntegrityError), transaction.atomic():  # the same reminder cannot be queued twice
        Message.objects.create(
            rendez_vous=rdv, nature="rappel", canal="sms", cle=reminders[0].cle, prevu_le=rdv.debut
        )


def test_a_reminder_already_past_is_not_queued() -> None:
    rdv = _book(days_ahead=1)  # tomorrow 8 h 30: less than 48 h, more than 2 h
    hours = sorted(
        round((rdv.debut - m.prevu_le).total_seconds() / 3600)
        for m in Message.objects.filter(nature="rappel")
    )
    assert hours == [2, 2]


def test_worker_sends_each_message_once_at_its_time() -> None:
    rdv = _book()
    out = io.StringIO()
    call_command("worker", "--once", stdout=out)
    assert "2 message(s) traité(s)" in out.getvalue()
    # ... through the task queue: one sending task, run by the worker, which handled both.
    sending = DBTaskResult.objects.filter(task_path="solidarite.rdv.tasks.envoyer_messages_dus")
    task = sending.get()
    assert (task.queue_name, task.status, task.return_value) == ("messages", "SUCCESSFUL", 2)
    assert len(mail.outbox) == 1 and len(sms.outbox) == 1
    assert "Rendez-vous confirmé" in mail.outbox[0].subject and sms.outbox[0].numero == "+33612345678"
    call_command("worker", "--once", stdout=io.StringIO())
    assert len(mail.outbox) == 1 and len(sms.outbox) == 1  # nothing twice
    assert sending.count() == 1  # nothing due: no sending task queued
    # 48 h before: the first reminder, on both channels; 2 h before: the second.
    assert messaging.send_due(now=rdv.debut - dt.timedelta(hours=47)) == 2
    assert "Rappel" in sms.outbox[-1].texte and "/rendez-vous/gerer/" in sms.outbox[-1].texte
    assert messaging.send_due(now=rdv.debut - dt.timedelta(hours=1)) == 2
    assert messaging.send_due(now=rdv.debut - dt.timedelta(minutes=30)) == 0
    sent = Message.objects.filter(statut="envoye")
    assert sent.count() == 6 and all(m.envoye_le and m.tentatives == 1 for m in sent)
    assert AccesDonnees.objects.filter(canal="messagerie").count() == 6
    assert len(mail.outbox) == 3 and len(sms.outbox) == 3


def test_a_message_claimed_by_another_worker_is_skipped() -> None:
    _book()
    due = messaging.due_ids(timezone.now())
    assert len(due) == 2
    assert messaging.claim(due[0]) and not messaging.claim(due[0])  # the second worker loses the race
    assert messaging.send_due() == 1  # only the unclaimed one
    assert len(mail.outbox) + len(sms.outbox) == 1


def test_a_cancelled_appointment_gets_no_reminder(settings) -> None:  # type: ignore[no-untyped-def]
    rdv = _book()
    messaging.send_due()
    services.cancel(services.jeton_for(rdv))
    messaging.send_due()
    assert "annulé" in mail.outbox[-1].subject.lower()
    assert messaging.send_due(now=rdv.debut - dt.timedelta(hours=1)) == 0
    assert set(Message.objects.filter(nature="rappel").values_list("statut", flat=True)) == {"sans_objet"}


def test_a_refused_sms_is_retried_then_marked_failed(settings) -> None:  # type: ignore[no-untyped-def]
    settings.SOLIDARITE_SMS_BACKEND = "tests.rdv.test_messages.RefusingSms"
    _book(email="")
    now = timezone.now()
    waits = []
    assert messaging.max_attempts(timezone.localdate(now)) == 3  # the dated parameter: 5 then 25 minutes
    for attempt in range(messaging.max_attempts(timezone.localdate(now))):
        assert messaging.send_due(now=now) == 1
        message = Message.objects.get(nature="confirmation")
        assert message.tentatives == attempt + 1
        waits.append(message.prevu_le - now)
        now = message.prevu_le
    assert waits[:2] == [dt.timedelta(minutes=5), dt.timedelta(minutes=25)]
    assert message.statut == "echec" and message.erreur == "opérateur indisponible"
    assert messaging.send_due(now=now + dt.timedelta(days=1)) == 0


def test_a_message_left_in_progress_by_a_dead_worker_is_never_sent_again() -> None:
    _book()
    now = timezone.now()
    # Both due an hour ago; the e-mail claimed 16 minutes ago (its worker died), the SMS a minute ago (being sent).
    Message.objects.filter(nature="confirmation").update(
        statut="en_cours", prevu_le=now - dt.timedelta(hours=1)
    )
    Message.objects.filter(nature="confirmation", canal="email").update(
        reclame_le=now - dt.timedelta(minutes=16)
    )
    Message.objects.filter(nature="confirmation", canal="sms").update(
        reclame_le=now - dt.timedelta(minutes=1)
    )
    out, err = io.StringIO(), io.StringIO()
    call_command("worker", "--once", stdout=out, stderr=err)
    assert "1 message(s) interrompu(s)" in err.getvalue()
    assert not mail.outbox and not sms.outbox
    statuses = dict(Message.objects.filter(nature="confirmation").values_list("canal", "statut"))
    assert statuses == {"email": "echec", "sms": "en_cours"}
    # A quarter of an hour later, nobody has finished the SMS: its worker died too.
    with time_machine.travel(now + dt.timedelta(minutes=15), tick=False):
        call_command("worker", "--once", stdout=out, stderr=err)
    assert "1 message(s) interrompu(s)" in err.getvalue().splitlines()[-1]
    assert set(Message.objects.filter(nature="confirmation").values_list("statut", flat=True)) == {"echec"}
    assert not mail.outbox and not sms.outbox


SENDING = threading.Event()
RELEASE = threading.Event()


class SlowSms:
    """An operator that takes its time: the send goes on until the test lets it go."""

    def send(self, numero: str, texte: str) -> None:
        SENDING.set()
        assert RELEASE.wait(timeout=60), "jamais relâché"
        sms.outbox.append(sms.Sms(numero, texte))


@pytest.mark.django_db(transaction=True)
def test_a_starting_worker_leaves_alone_what_another_is_sending(territoire, settings) -> None:  # type: ignore[no-untyped-def]
    """Two workers in two threads, each with its own connection: the second starts while the first is sending a
    message due an hour ago; it neither fails it (recover_stale keys on the claim) nor sends it."""
    settings.SOLIDARITE_SMS_BACKEND = "tests.rdv.test_messages.SlowSms"
    SENDING.clear()
    RELEASE.clear()
    rdv = _book(email="")
    Message.objects.filter(rendez_vous=rdv, nature="confirmation").update(
        prevu_le=timezone.now() - dt.timedelta(hours=1)
    )
    first_out = io.StringIO()

    def first_worker() -> None:
        try:
            call_command("worker", "--once", stdout=first_out, stderr=io.StringIO())
        finally:
            connections.close_all()

    first = threading.Thread(target=first_worker)
    first.start()
    try:
        assert SENDING.wait(timeout=60), "le premier worker n'a pas commencé l'envoi"
        second_out, second_err = io.StringIO(), io.StringIO()
        second = threading.Thread(
            target=lambda: (
                call_command("worker", "--once", stdout=second_out, stderr=second_err),
                connections.close_all(),
            )
        )
        second.start()
        second.join()
        assert "interrompu" not in second_err.getvalue()
        assert "Worker arrêté : 0 message(s) traité(s)." in second_out.getvalue()
        in_flight = Message.objects.get(rendez_vous=rdv, nature="confirmation")
        assert in_flight.statut == "en_cours" and in_flight.reclame_le is not None
    finally:
        RELEASE.set()
        first.join()
    assert "Worker arrêté : 1 message(s) traité(s)." in first_out.getvalue()
    assert Message.objects.get(rendez_vous=rdv, nature="confirmation").statut == "envoye"
    assert len(sms.outbox) == 1  # sent once


def test_the_message_record_in_the_back_office(client) -> None:  # type: ignore[no-untyped-def]
    from django.contrib.auth.models import User

    _book()
    messaging.send_due()
    client.force_login(User.objects.create_superuser("ministere", password="mot-de-passe-solide-123"))
    listing = client.get("/admin/rdv/message/")
    assert listing.status_code == 200 and "Envoyé" in listing.content.decode()
    detail = client.get(f"/admin/rdv/message/{Message.objects.first().pk}/change/")
    assert detail.status_code == 200 and "jeanne@exemple.fr" not in detail.content.decode()


def test_production_without_an_sms_operator_records_failures_and_prints_nothing(settings, capsys) -> None:  # type: ignore[no-untyped-def]
    settings.SOLIDARITE_SMS_BACKEND = "solidarite.rdv.sms.UnconfiguredBackend"
    _book()
    now = timezone.now()
    for _ in range(messaging.max_attempts(timezone.localdate(now))):
        messaging.send_due(now=now)
        now += dt.timedelta(hours=1)
    assert Message.objects.get(nature="confirmation", canal="sms").statut == "echec"
    assert Message.objects.get(nature="confirmation", canal="email").statut == "envoye"
    assert "06 12" not in capsys.readouterr().out and not sms.outbox
