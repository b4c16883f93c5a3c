"""The e-mail that proposes the published missions to each volunteer, with the calendar file (planning.publish)."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

from django.core.mail import EmailMessage
from django.utils import dateformat, translation

from solidarite.annuaire.services import personal_links
from solidarite.planning.calendar import missions_ics
from solidarite.planning.models import Mission

logger = logging.getLogger(__name__)


def jour_fr(day: dt.date) -> str:
    """« lundi 07/12/2026 »: strftime's %A names the day in English (the C locale), whatever the language."""
    with translation.override("fr"):
        return dateformat.format(day, "l d/m/Y")


def send_invitations(missions: list[Mission]) -> None:
    """One e-mail per volunteer for the missions just proposed to them, with their calendar file; a failure to
    send is logged, the missions stand (the volunteer also sees them on their page)."""
    by_medecin: dict[int, list[Mission]] = defaultdict(list)
    for mission in missions:
        by_medecin[mission.medecin_id].append(mission)
    for items in by_medecin.values():
        medecin = items[0].medecin
        lines = "\n".join(
            f"- {jour_fr(m.date)} : {m.lieu.nom}, {m.lieu.adresse} ({m.lieu.commune.nom})" for m in items
        )
        message = EmailMessage(
            subject=f"Missions proposées — {len(items)} jour(s)",
            body=(
                f"Bonjour {medecin},\n\nL'ARS vous propose les missions suivantes :\n{lines}\n\n"
                f"Confirmez-les ou déclinez-les ici : {personal_links(medecin)['missions']}\n"
                "Le fichier joint les ajoute à votre agenda.\n\nSolidarité territoriale"
            ),
            to=[medecin.email],
        )
        message.attach("missions.ics", missions_ics(items, "Missions proposées"), "text/calendar")
        try:
            message.send(fail_silently=False)
        except OSError:  # the missions exist; the volunteer also sees them on their page
            logger.exception("invitation non envoyée au médecin %s (%d missions)", medecin.pk, len(items))
            continue
        logger.info("invitation envoyée au médecin %s (%d missions)", medecin.pk, len(items))
