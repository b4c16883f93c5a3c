"""Sending the queued messages: `send_due` is what the task `envoyer_messages_dus` runs (rdv/tasks.py, queued by
the worker `python -m solidarite worker` whenever messages are due; docs/decisions/0011-taches-de-fond.md).

At most once: a message is claimed by a conditional UPDATE (à envoyer → en cours, with the claim time) before it
is sent, so two workers never send the same one; one left « en cours » by a worker that died mid-send, claimed
more than STALE_AFTER ago, is marked failed, never sent again (a patient may miss a reminder; nobody gets two).
A refused send is tried again after the delays of the dated parameter `messages_delais_nouvel_essai`
(solidarite/parametres.py), then marked failed.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import F, Q
from django.utils import formats, timezone

from solidarite.annuaire.models import LieuSolidaire
from solidarite.parametres import entiers
from solidarite.rdv import attente, services, sms
from solidarite.rdv.models import AccesDonnees, InscriptionAttente, Message, RendezVous

logger = logging.getLogger(__name__)
# A send takes seconds: a message claimed longer ago than this was left by a worker that died.
STALE_AFTER = dt.timedelta(minutes=15)


def retry_delays(day: dt.date) -> tuple[dt.timedelta, ...]:
    """The waits before each new try of a refused message, in force on `day`."""
    return tuple(dt.timedelta(minutes=m) for m in entiers("messages_delais_nouvel_essai", day))


def max_attempts(day: dt.date) -> int:
    """Tries of a message before it is failed: the first, then one after each delay."""
    return len(retry_delays(day)) + 1


@dataclass(frozen=True)
class Text:
    subject: str
    body: str  # the e-mail
    short: str  # the SMS


class NothingToSend(Exception):
    """The message no longer has an object (appointment cancelled, slot taken again, list left)."""


def _when(moment: dt.datetime, lieu: LieuSolidaire) -> str:
    """A time as the patient reads it: the lieu's local time (Mayotte, Guyane… territoire.fuseaux)."""
    local = timezone.localtime(moment, lieu.fuseau)
    return f"{formats.date_format(local, 'l j F Y')} à {local:%H:%M}"


def _url(path: str) -> str:
    return f"{settings.SOLIDARITE_BASE_URL}{path}"


def compose(message: Message, now: dt.datetime) -> Text:
    if message.rendez_vous_id is not None:
        return _compose_rdv(message, message.rendez_vous, now)  # type: ignore[arg-type]
    if message.nature == Message.Nature.RETRAIT:
        return _compose_withdraw_all(message, message.inscription)
    return _compose_waitlist(message.inscription, now)  # type: ignore[arg-type]


def _compose_rdv(message: Message, rdv: RendezVous, now: dt.datetime) -> Text:
    lieu = rdv.lieu
    where = f"{lieu.nom}, {lieu.adresse}, {lieu.commune.nom}"
    when = _when(rdv.debut, lieu)
    if message.nature in (Message.Nature.CONFIRMATION, Message.Nature.RAPPEL):
        if rdv.statut != RendezVous.Statut.RESERVE or rdv.debut <= now:
            raise NothingToSend("rendez-vous annulé ou passé")
        link = _url(f"/rendez-vous/gerer/{services.jeton_for(rdv)}/")
        head = "Rendez-vous confirmé" if message.nature == Message.Nature.CONFIRMATION else "Rappel"
        price = "Tarif conventionnel secteur 1, sans dépassement d'honoraires. Apportez votre carte Vitale."
        return Text(
            f"{head} : consultation le {when}",
            f"{head} : consultation de médecine générale le {when}, {where}.\n"
            f"{('Accès : ' + lieu.accessibilite + chr(10)) if lieu.accessibilite else ''}{price}\n\n"
            f"Pour annuler ou déplacer ce rendez-vous, et libérer la place pour un autre patient : {link}\n\n"
            "Solidarité territoriale — Un médecin près de chez vous",
            f"{head} : médecin le {when}, {lieu.nom} ({lieu.commune.nom}). Annuler/déplacer : {link}",
        )
    search = _url(f"/rendez-vous/lieu/{lieu.pk}/")
    if message.nature == Message.Nature.ANNULATION:
        return Text(
            "Rendez-vous annulé",
            f"Votre rendez-vous du {when} ({where}) est annulé, comme vous l'avez demandé.\n"
            f"Pour en prendre un autre : {search}\n\nSolidarité territoriale",
            f"RDV du {when} annulé. Autre créneau : {search}",
        )
    # Mission cancelled: the next free slots of the same lieu, as they are when the message leaves.
    following = services.next_free(lieu, now, 3)
    offer = "\n".join(f"- {_when(c.debut, lieu)}" for c in following) or "- aucun pour l'instant"
    return Text(
        "Votre rendez-vous médical est annulé",
        f"Le médecin ne peut pas assurer les consultations du {formats.date_format(timezone.localtime(rdv.debut, lieu.fuseau), 'l j F')} "
        f"à {where}. Votre rendez-vous du {when} est annulé ; nous vous prions de nous en excuser.\n\n"
        f"Prochains créneaux libres à ce lieu :\n{offer}\n\nPour réserver : {search}\n"
        "En cas d'urgence, appelez le 15.\n\nSolidarité territoriale",
        f"Médecin indisponible : RDV du {when} annulé. Autres créneaux : {search}",
    )


def _compose_waitlist(inscription: InscriptionAttente, now: dt.datetime) -> Text:
    if inscription.statut != InscriptionAttente.Statut.ACTIVE:
        raise NothingToSend("inscription retirée")
    lieu = inscription.lieu
    free = [
        c
        for c in services.slots(lieu, max(inscription.du, timezone.localdate(now)), inscription.au, now)
        if c.libre
    ]
    if not free:
        raise NothingToSend("créneau déjà repris")
    link = _url(f"/rendez-vous/lieu/{lieu.pk}/?du={inscription.du:%Y-%m-%d}&au={inscription.au:%Y-%m-%d}")
    stop = _url(f"/rendez-vous/attente/{attente.jeton_for(inscription)}/")
    return Text(
        f"Un créneau s'est libéré : {lieu.nom}",
        f"Un créneau de consultation s'est libéré à {lieu.nom} ({lieu.commune.nom}), par exemple le "
        f"{_when(free[0].debut, lieu)}. Premier arrivé, premier servi : {link}\n\n"
        f"Vous recevrez au plus {attente.max_messages()} messages de ce type. "
        f"Pour ne plus en recevoir : {stop}\n\nSolidarité territoriale",
        f"Créneau libre à {lieu.nom} le {_when(free[0].debut, lieu)} : {link} (stop : {stop})",
    )


def _compose_withdraw_all(message: Message, inscription: InscriptionAttente) -> Text:
    """The link that withdraws all the entries made with a contact, to that contact only (attente.same_contact)."""
    if not attente.same_contact(inscription, message.canal):
        raise NothingToSend("plus aucune inscription")
    link = _url(f"/rendez-vous/attente/tout/{attente.jeton_tout_for(inscription, message.canal)}/")
    days = attente.link_days()
    return Text(
        "Vos inscriptions sur la liste d'attente",
        "Une demande a été faite sur le site de Solidarité territoriale pour voir les inscriptions sur la liste "
        "d'attente faites avec cette adresse.\n\n"
        f"Ce lien les montre et permet de les retirer d'un coup (valable {days} jours) : {link}\n\n"
        "Si vous n'avez rien demandé, ne faites rien : aucune inscription ne sera retirée.\n\nSolidarité territoriale",
        f"Liste d'attente : voir et retirer les inscriptions faites avec ce numéro (lien valable {days} jours) : "
        f"{link} Rien demandé ? Ignorez ce SMS.",
    )


def deliver(message: Message, text: Text) -> None:
    contact = message.rendez_vous or message.inscription
    assert contact is not None
    if message.canal == Message.Canal.EMAIL:
        send_mail(text.subject, text.body, None, [contact.email])
    else:
        sms.backend().send(contact.telephone, text.short)


def recover_stale(now: dt.datetime) -> int:
    """Messages a dead worker left « en cours »: failed, not sent again (at most once).

    Keyed on the claim time, not the due time: a message due long ago that another worker claimed a moment
    ago is being sent, and is left alone. (Claimed before the claim time was recorded: stale too.)
    """
    claimed_long_ago = Q(reclame_le__lt=now - STALE_AFTER) | Q(reclame_le__isnull=True)
    return Message.objects.filter(claimed_long_ago, statut=Message.Statut.EN_COURS).update(
        statut=Message.Statut.ECHEC, erreur="envoi interrompu : non renvoyé"
    )


def due_ids(now: dt.datetime, limit: int = 200) -> list[int]:
    return list(
        Message.objects.filter(statut=Message.Statut.A_ENVOYER, prevu_le__lte=now)
        .order_by("prevu_le", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def claim(pk: int) -> bool:
    """À envoyer → en cours, by one conditional UPDATE: of two workers, exactly one gets the message.

    The claim time is the clock's, whatever `now` a caller sends with: it measures how long a send has been
    under way (recover_stale)."""
    return bool(
        Message.objects.filter(pk=pk, statut=Message.Statut.A_ENVOYER).update(
            statut=Message.Statut.EN_COURS, tentatives=F("tentatives") + 1, reclame_le=timezone.now()
        )
    )


def count_due(now: dt.datetime) -> int:
    """Messages due and not yet claimed: what a stopped worker leaves for the next start."""
    return Message.objects.filter(statut=Message.Statut.A_ENVOYER, prevu_le__lte=now).count()


def send_due(now: dt.datetime | None = None, limit: int = 200, stop: threading.Event | None = None) -> int:
    """Sends the messages due; returns how many were handled (sent, failed or without object).

    Once `stop` is set (the worker was asked to stop), the message in hand is finished and no other is claimed:
    the rest stays « à envoyer », for the next pass or the next start."""
    now = now or timezone.now()
    handled = 0
    for pk in due_ids(now, limit):
        if stop is not None and stop.is_set():
            break
        if not claim(pk):
            continue  # another worker took it
        handled += 1
        message = Message.objects.select_related(
            "rendez_vous__lieu__commune", "inscription__lieu__commune"
        ).get(pk=pk)
        _send_one(message, now)
    return handled


def _send_one(message: Message, now: dt.datetime) -> None:
    try:
        text = compose(message, now)
    except NothingToSend as exc:
        message.statut, message.erreur = Message.Statut.SANS_OBJET, str(exc)
        message.save(update_fields=["statut", "erreur"])
        if message.nature == Message.Nature.ATTENTE:  # a message not sent is not counted against the person
            InscriptionAttente.objects.filter(pk=message.inscription_id, messages_envoyes__gt=0).update(
                messages_envoyes=F("messages_envoyes") - 1
            )
        return
    AccesDonnees.objects.create(
        rendez_vous_id=message.rendez_vous_id,
        inscription_id=message.inscription_id,
        action=f"envoi {message.nature} ({message.canal})",  # at most 40 characters
        canal="messagerie",
    )
    try:
        deliver(message, text)
    except (OSError, sms.SmsError) as exc:
        delays = retry_delays(timezone.localdate(now))
        failed = message.tentatives > len(delays)
        message.statut = Message.Statut.ECHEC if failed else Message.Statut.A_ENVOYER
        if not failed:
            message.prevu_le = now + delays[message.tentatives - 1]
        # An operator's refusal says why, in its own words (never a number or a text: SmsError); any other
        # error, by its kind only.
        message.erreur = str(exc)[:200] if isinstance(exc, sms.SmsError) else type(exc).__name__
        message.save(update_fields=["statut", "prevu_le", "erreur"])
        logger.warning(
            "message %s non envoyé (tentative %d) : %s", message.pk, message.tentatives, message.erreur
        )
        return
    message.statut, message.envoye_le, message.erreur = Message.Statut.ENVOYE, now, ""
    message.save(update_fields=["statut", "envoye_le", "erreur"])
    logger.info("message %s envoyé (%s, %s)", message.pk, message.nature, message.canal)
