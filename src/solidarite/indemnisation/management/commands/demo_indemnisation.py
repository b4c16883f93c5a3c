"""`python -m solidarite demo_indemnisation`: seeded realised days and statements for the demonstration volunteers
(after `demo`, and `demo_continuite` if run). The demo missions are in the coming weeks; their past counterparts
(same volunteer, same lieu, eight or twelve weeks earlier, on a day the lieu opens, within the volunteer's two days a
month) are declared, confirmed, and with every other past demo mission (demo_continuite's) confirmed as realised by
their doctor: a fifth are half-days, a few volunteers have a third day (over the monthly cap, flagged), a few days
of last month are left unconfirmed (still « confirmée », flagged to the ARS). The statements of the closed months
up to the month before last are validated, transmitted and paid; last month's are drafts for the ARS to validate.
Once."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from solidarite.annuaire.models import LieuSolidaire
from solidarite.indemnisation import services
from solidarite.indemnisation.models import EtapeReleve, JourRealise, Releve
from solidarite.mois import add_months
from solidarite.planning.models import Disponibilite, Mission, MissionTransition
from solidarite.planning.services import besoins
from solidarite.web.commandes import CONTROLES_SANS_URLS
from solidarite.web.entrees import count_argument

LABEL = "Données de démonstration"


class _Opening:
    """Whether a lieu opens on a day (planning.services.besoins: its opening days, public holidays excluded), each
    lieu's month read once."""

    def __init__(self) -> None:
        self.days: dict[tuple[int, dt.date], set[dt.date]] = {}

    def __call__(self, lieu: LieuSolidaire, day: dt.date) -> bool:
        month = day.replace(day=1)
        if (lieu.pk, month) not in self.days:
            self.days[(lieu.pk, month)] = set(besoins(lieu, month))
        return day in self.days[(lieu.pk, month)]


class Command(BaseCommand):
    requires_system_checks = CONTROLES_SANS_URLS  # no page served: web/commandes.py
    help = "Journées réalisées et relevés d'indemnités de démonstration (après demo), une fois."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--graine", type=count_argument, default=21, help="graine du tirage (21)")

    def handle(self, *args: Any, **options: Any) -> None:
        if JourRealise.objects.filter(mission__medecin__demonstration=True).exists():
            self.stdout.write("Indemnisation de démonstration déjà en place.")
            self._figures()
            return
        today = timezone.localdate()
        future = list(
            Mission.objects.filter(
                medecin__demonstration=True, statut=Mission.Statut.CONFIRMEE, date__gt=today
            )
            .select_related("medecin", "lieu__commune__departement")
            .order_by("date", "pk")
        )
        if not future:
            raise CommandError(
                "Aucune mission de démonstration : lancez d'abord « python -m solidarite demo ».",
                returncode=2,  # the wrong order is a refusal, as demo_continuite's (exit 1 means a fault)
            )
        rng = random.Random(options["graine"])
        this_month = today.replace(day=1)
        last = (this_month - dt.timedelta(days=1)).replace(day=1)
        before = (last - dt.timedelta(days=1)).replace(day=1)
        now = timezone.now()
        with transaction.atomic():
            created: list[Mission] = []
            # the days the volunteers already work (demo_continuite's), counted toward their two days a month
            taken: set[tuple[int, dt.date]] = set(
                Mission.objects.filter(medecin__demonstration=True)
                .exclude(statut=Mission.Statut.ANNULEE)
                .values_list("medecin_id", "date")
            )
            per_month: dict[tuple[int, dt.date], int] = defaultdict(int)
            for medecin_id, day in taken:
                per_month[(medecin_id, day.replace(day=1))] += 1
            opening = _Opening()
            for m in future:
                for weeks in (8, 12):
                    day = m.date - dt.timedelta(weeks=weeks)
                    month = day.replace(day=1)
                    if month not in (before, last) or (m.medecin_id, day) in taken:
                        continue
                    if per_month[(m.medecin_id, month)] >= m.medecin.jours_max_par_mois:
                        continue
                    if not opening(m.lieu, day):
                        continue
                    taken.add((m.medecin_id, day))
                    per_month[(m.medecin_id, month)] += 1
                    created.append(Mission(medecin=m.medecin, lieu=m.lieu, date=day, statut="confirmee"))
            # three volunteers get a day over the cap last month: the cap anomaly, flagged to the ARS
            extra = 0
            over: set[int] = set()
            for m in list(created):
                if len(over) >= 3 or m.date.replace(day=1) != last or m.medecin_id in over:
                    continue
                # the days the lieu opens nearest this one, in the same month, the volunteer free, up to one over
                # the cap: a counterpart may have fallen on a closed day (6 January less 8 weeks is 11 November),
                # which left every volunteer one day short of the cap and the demo without its anomaly
                need = m.medecin.jours_max_par_mois + 1 - per_month[(m.medecin_id, last)]
                nearest = sorted(range(-14, 15), key=lambda k: (abs(k), -k))
                days = [
                    d
                    for d in (m.date + dt.timedelta(days=k) for k in nearest if k)
                    if d.replace(day=1) == last and (m.medecin_id, d) not in taken and opening(m.lieu, d)
                ][:need]
                if len(days) < need:
                    continue
                over.add(m.medecin_id)
                for day in days:
                    taken.add((m.medecin_id, day))
                    per_month[(m.medecin_id, last)] += 1
                    created.append(Mission(medecin=m.medecin, lieu=m.lieu, date=day, statut="confirmee"))
                    extra += 1
            Mission.objects.bulk_create(created)
            # declared available, as the planning that gave them needed (a volunteer may declare more days than
            # the two a month they work: the third day is over the cap of the missions, not of the declarations)
            Disponibilite.objects.bulk_create(
                [Disponibilite(medecin_id=m.medecin_id, date=m.date) for m in created], ignore_conflicts=True
            )
            MissionTransition.objects.bulk_create(
                [MissionTransition(mission=m, vers="confirmee", commentaire=LABEL) for m in created]
            )
            # Every demo mission whose day is over is confirmed as realised by its doctor (confirmer_jour: the
            # mission « réalisée », its realised day written), these counterparts and demo_continuite's days alike,
            # except a few of last month's, left unconfirmed: still « confirmée », as the real flow leaves a day
            # nobody confirmed, and shown to the ARS after the delay. A past mission was « réalisée » without a
            # realised day, or the other way round, when each command wrote its own.
            extras = {m.pk for m in created[len(created) - extra :]}
            past = list(
                Mission.objects.filter(
                    medecin__demonstration=True, statut=Mission.Statut.CONFIRMEE, date__lt=today
                )
                .annotate(
                    vus=Count(
                        "rendez_vous",
                        filter=~Q(rendez_vous__statut__in=services.NOT_SEEN),
                    )
                )
                .order_by("date", "pk")
            )
            unconfirmed = {
                m.pk
                for m in past
                if m.date.replace(day=1) == last and m.pk not in extras and rng.random() < 0.04
            }
            done = [m for m in past if m.pk not in unconfirmed]
            Mission.objects.filter(pk__in=[m.pk for m in done]).update(statut=Mission.Statut.REALISEE)
            MissionTransition.objects.bulk_create(
                [
                    MissionTransition(mission=m, de="confirmee", vers="realisee", commentaire=LABEL)
                    for m in done
                ]
            )
            # the third days' volunteers worked full days that month: two half-days would keep the three within
            # the cap (a half-day counts 0.5), and the anomaly the third day is there to show would not be
            third = {(m.medecin_id, last) for m in created if m.pk in extras}
            JourRealise.objects.bulk_create(
                [
                    JourRealise(
                        mission=m,
                        nature="journee"
                        if (m.medecin_id, m.date.replace(day=1)) in third or rng.random() >= 0.2
                        else "demi_journee",
                        # the day's appointments, as the confirmation prefills them (services.consultations_du_jour)
                        consultations=m.vus or rng.randint(6, 22),  # type: ignore[attr-defined]
                        confirme_le=now,
                    )
                    for m in done
                ]
            )
            # The statements of every closed month with realised days: paid up to the month before last (those
            # without an anomaly), a draft for last month.
            months = sorted({m.date.replace(day=1) for m in done if m.date < this_month})
            month = max(months[0] if months else last, services.premier_mois())
            while month < last:
                services.construire_mois(month, today=today)
                paid = list(Releve.objects.filter(mois=month, anomalies=[]))
                for r in paid:
                    for de, vers in (("brouillon", "valide"), ("valide", "transmis"), ("transmis", "paye")):
                        EtapeReleve.objects.create(releve=r, de=de, vers=vers, commentaire=LABEL)
                Releve.objects.filter(pk__in=[r.pk for r in paid]).update(
                    statut=Releve.Statut.PAYE, valide_le=now, transmis_le=now, paye_le=now
                )
                month = add_months(month, 1)
            services.construire_mois(last, today=today)
        self.stdout.write(
            f"{LABEL} : {len(done)} journées réalisées ({len(unconfirmed)} non confirmées), relevés "
            f"jusqu'à {before:%m/%Y} (payés) et de {last:%m/%Y} (brouillons)."
        )
        self._figures()

    def _figures(self) -> None:
        # By status: a draft's amount is never added to a paid one's (decision 0026).
        rows = (
            Releve.objects.filter(medecin__demonstration=True)
            .values("region__nom", "mois", "statut")
            .annotate(n=Count("pk"), montant=Sum("total"))
            .order_by("mois", "region__nom", "statut")
        )
        labels = dict(Releve.Statut.choices)
        for r in rows:
            self.stdout.write(
                f"  {r['mois']:%m/%Y}  {r['region__nom']:<28} {r['n']:>4} relevés  {r['montant']:>10} €  "
                f"({labels[r['statut']].lower()})"
            )
