"""The queue of messages to patients, written in the same transaction as the change that causes them.

Each message has a unique key (nature, appointment or waitlist entry, channel, and for reminders the
delay): queuing twice is refused by the database, so a retried request or a second worker never
produces a second message. `messaging.send_due` sends them.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from solidarite.annuaire.validation import receives_sms
from solidarite.rdv.models import InscriptionAttente, Message, RendezVous


def channels(contact: RendezVous | InscriptionAttente) -> list[str]:
    """E-mail if there is an address, SMS if the phone can receive one (a landline cannot: no message)."""
    found = []
    if contact.email:
        found.append(Message.Canal.EMAIL)
    if contact.telephone and receives_sms(contact.telephone):
        found.append(Message.Canal.SMS)
    return found


def _message(
    contact: RendezVous | InscriptionAttente, nature: str, canal: str, key: str, due: dt.datetime
) -> Message:
    owner = {"rendez_vous": contact} if isinstance(contact, RendezVous) else {"inscription": contact}
    return Message(nature=nature, canal=canal, cle=f"{key}:{contact.pk}:{canal}", prevu_le=due, **owner)


def for_booking(rdv: RendezVous, now: dt.datetime) -> list[tuple[str, str, str, dt.datetime]]:
    """(nature, channel, key, when due) of a new appointment's messages: the confirmation now, and each
    reminder (setting) that is still ahead. The message's unique key is `<key>:<appointment>:<channel>`."""
    messages = []
    for canal in channels(rdv):
        messages.append((Message.Nature.CONFIRMATION.value, canal, "confirmation", now))
        for hours in settings.SOLIDARITE_RAPPELS_HEURES:
            due = rdv.debut - dt.timedelta(hours=hours)
            if due > now:
                messages.append((Message.Nature.RAPPEL.value, canal, f"rappel{hours}h", due))
    return messages


def queue_for_booking(rdv: RendezVous, now: dt.datetime) -> list[Message]:
    """The messages of a new appointment (for_booking), queued."""
    return Message.objects.bulk_create(
        [_message(rdv, nature, canal, key, due) for nature, canal, key, due in for_booking(rdv, now)]
    )


def queue_once(rdv: RendezVous, nature: str, now: dt.datetime) -> list[Message]:
    """One message of a nature (cancellation, mission cancelled) on every channel of the appointment."""
    return Message.objects.bulk_create([_message(rdv, nature, canal, nature, now) for canal in channels(rdv)])


def drop_pending(rdv: RendezVous) -> int:
    """Reminders not yet sent of an appointment that no longer holds: never sent."""
    return Message.objects.filter(
        rendez_vous=rdv, statut=Message.Statut.A_ENVOYER, nature__in=[Message.Nature.RAPPEL]
    ).update(statut=Message.Statut.SANS_OBJET, erreur="rendez-vous annulé ou déplacé")


def queue_waitlist(inscription: InscriptionAttente, day: dt.date, now: dt.datetime) -> list[Message]:
    """One « a slot freed up » message a day at most: the day is part of the key."""
    return Message.objects.bulk_create(
        [
            _message(inscription, Message.Nature.ATTENTE, canal, f"attente{day:%Y%m%d}", now)
            for canal in channels(inscription)
        ]
    )
