"""Overdue results escalated to their owner: at most one reminder a day per result (a unique row, the small
outbox of this context), every `resultat_attendu_relance_jours` days until the result is closed. The e-mail
names no patient (the result's number and the lieu only): the owner reads it on the platform, signed in."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import threading

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from solidarite.continuite import services
from solidarite.continuite.models import Relance, ResultatAttendu
from solidarite.continuite.propriete import Kind
from solidarite.parametres import entier

logger = logging.getLogger(__name__)


def _email(r: ResultatAttendu) -> str:
    owner = services.owner_of(r)
    if owner.kind is Kind.MEDECIN and r.proprietaire_medecin is not None:
        return r.proprietaire_medecin.email
    if owner.kind is Kind.REFERENT and r.proprietaire_referent is not None:
        return r.proprietaire_referent.email
    if owner.kind is Kind.MEDECIN_TRAITANT and r.proprietaire_medecin_traitant is not None:
        return r.proprietaire_medecin_traitant.email
    return ""  # the ARS: red on its page, no e-mail address kept here


def a_relancer(day: dt.date) -> QuerySet[ResultatAttendu]:
    """The overdue results due for a reminder on `day`: never reminded, or not for `resultat_attendu_relance_jours`."""
    every = entier("resultat_attendu_relance_jours", day)
    return services.en_retard(ResultatAttendu.objects.all(), day).filter(
        Q(derniere_relance__isnull=True) | Q(derniere_relance__lte=day - dt.timedelta(days=every))
    )


def relancer(today: dt.date | None = None, stop: threading.Event | None = None) -> int:
    """Escalates today's overdue results; returns how many reminders were written. Once `stop` is set (the worker
    was asked to stop, rdv.tasks.ARRET), the reminder in hand is finished and no other is started."""
    day = today or timezone.localdate()
    rows = (
        a_relancer(day)
        .select_related(
            "proprietaire_medecin", "proprietaire_referent", "proprietaire_medecin_traitant", "lieu"
        )
        .order_by("pk")
    )
    count = 0
    for r in rows:
        if stop is not None and stop.is_set():
            break
        email = _email(r)
        try:
            with transaction.atomic():
                relance = Relance.objects.create(
                    resultat=r, jour=day, destinataire=services.label(services.owner_of(r))
                )
                ResultatAttendu.objects.filter(pk=r.pk).update(derniere_relance=day)
        except IntegrityError:  # another worker wrote today's reminder
            continue
        if email:
            try:
                send_mail(
                    "Résultat attendu en retard — Solidarité territoriale",
                    f"Le résultat attendu n° {r.pk} ({r.lieu.nom}) était attendu le {r.date_prevue:%d/%m/%Y} et "
                    "n'est pas clos. Connectez-vous à la plateforme pour le lire et dire ce qui a été fait.",
                    None,
                    [email],
                )
            except (smtplib.SMTPException, OSError) as error:
                # The mail server refused or was down: the others are still sent (the task stopped here),
                # and this one is not counted as sent, so the next run tries it again.
                logger.warning("relance du résultat %s non envoyée (%s)", r.pk, type(error).__name__)
                with transaction.atomic():
                    Relance.objects.filter(pk=relance.pk).delete()
                    ResultatAttendu.objects.filter(pk=r.pk).update(derniere_relance=r.derniere_relance)
                continue
            Relance.objects.filter(pk=relance.pk).update(envoye=True)
        count += 1
    logger.info("Relances des résultats en retard : %s", count)
    return count
