"""The queue of messages to patients, written in the same transaction as the change that causes them.

Each message has a unique key (nature, appointment or waitlist entry, channel, and for reminders the
delay): queuing twice is refused by the database, so a retried request or a second worker never
produces a second message. `messaging.send_due` sends them.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from solidarite.rdv.models import InscriptionAttente, Message, RendezVous


def channels(contact: RendezVous | InscriptionAttente) -> list[str]:
    found = []
    if contact.email:
        found.append(Message.Canal.EMAIL)
    if contact.telephone:
        found.append(Message.Canal.SMS)
    return found


def queue_for_booking(rdv: RendezVous, now: dt.datetime) -> list[Message]:
    """Confirmation now, and each reminder (setting) that is still ahead."""
    messages = []
    for canal in channels(rdv):
        messages.append(
            Message(
                rendez_vous=rdv,
                nature=Message.Nature.CONFIRMATION,
                canal=canal,
                cle=f"confirmation:{rdv.pk}:{canal}",
                prevu_le=now,
            )
        )
        for hours in settings.SOLIDARITE_RAPPELS_HEURES:
            due = rdv.debut - dt.timedelta(hours=hours)
            if due > now:
                messages.append(
                    Message(
                        rendez_vous=rdv,
                        nature=Message.Nature.RAPPEL,
                        canal=canal,
                        cle=f"rappel{hours}h:{rdv.pk}:{canal}",
                        prevu_le=due,
                    )
                )
    return Message.objects.bulk_create(messages)


def queue_once(rdv: RendezVous, nature: str, now: dt.datetime) -> list[Message]:
    """One message of a nature (cancellation, mission cancelled) on every channel of the appointment."""
    return Message.objects.bulk_create(
        [
            Message(
                rendez_vous=rdv, nature=nature, canal=canal, cle=f"{nature}:{rdv.pk}:{canal}", prevu_le=now
            )
            for canal in channels(rdv)
        ]
    )


def drop_pending(rdv: RendezVous) -> int:
    """Reminders not yet sent of an appointment that no longer holds: never sent."""
    return Message.objects.filter(
        rendez_vous=rdv, statut=Message.Statut.A_ENVOYER, nature__in=[Message.Nature.RAPPEL]
    ).update(statut=Message.Statut.SANS_OBJET, erreur="rendez-vous annulé ou déplacé")


def queue_waitlist(inscription: InscriptionAttente, day: dt.date, now: dt.datetime) -> list[Message]:
    return Message.objects.bulk_create(
        [
            Message(
                inscription=inscription,
                nature=Message.Nature.ATTENTE,
                canal=canal,
                cle=f"attente:{inscription.pk}:{day:%Y%m%d}:{canal}",
                prevu_le=now,
            )
            for canal in channels(inscription)
        ]
    )
