"""`python -m solidarite demo_indemnisation`: seeded realised days and statements for the demonstration volunteers
(after `demo`). The demo missions are in the coming weeks; their past counterparts (same volunteer, same lieu,
eight weeks earlier) are the realised days of the two previous months: a fifth are half-days, a few volunteers
have a third day (over the monthly cap, flagged), a few days are left unconfirmed (flagged to the ARS). The month
before last is validated, transmitted and paid; last month is a draft for the ARS to validate. Once."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from solidarite.indemnisation import services
from solidarite.indemnisation.models import EtapeReleve, JourRealise, Releve
from solidarite.planning.models import Mission, MissionTransition
from solidarite.web.commandes import CONTROLES_SANS_URLS
from solidarite.web.entrees import count_argument

LABEL = "Données de démonstration"


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
        future = list(
            Mission.objects.filter(medecin__demonstration=True, statut=Mission.Statut.CONFIRMEE)
            .select_related("medecin")
            .order_by("date", "pk")
        )
        if not future:
            raise CommandError(
                "Aucune mission de démonstration : lancez d'abord « python -m solidarite demo ».",
                returncode=2,  # the wrong order is a refusal, as demo_continuite's (exit 1 means a fault)
            )
        rng = random.Random(options["graine"])
        today = timezone.localdate()
        this_month = today.replace(day=1)
        last = (this_month - dt.timedelta(days=1)).replace(day=1)
        before = (last - dt.timedelta(days=1)).replace(day=1)
        now = timezone.now()
        with transaction.atomic():
            created: list[Mission] = []
            taken: set[tuple[int, dt.date]] = set()
            per_month: dict[tuple[int, dt.date], int] = defaultdict(int)
            for m in future:
                for weeks in (8, 12):
                    day = m.date - dt.timedelta(weeks=weeks)
                    month = day.replace(day=1)
                    if month not in (before, last) or (m.medecin_id, day) in taken:
                        continue
                    if per_month[(m.medecin_id, month)] >= 2:
                        continue
                    taken.add((m.medecin_id, day))
                    per_month[(m.medecin_id, month)] += 1
                    created.append(
                        Mission(medecin=m.medecin, lieu_id=m.lieu_id, date=day, statut="confirmee")
                    )
            extra = 0  # three volunteers get a third day last month: the cap anomaly, flagged to the ARS
            for m in list(created):
                day = m.date + dt.timedelta(days=1)
                full = per_month[(m.medecin_id, last)] == 2
                if extra < 3 and full and day.replace(day=1) == last and (m.medecin_id, day) not in taken:
                    taken.add((m.medecin_id, day))
                    per_month[(m.medecin_id, last)] += 1
                    created.append(
                        Mission(medecin=m.medecin, lieu_id=m.lieu_id, date=day, statut="confirmee")
                    )
                    extra += 1
            Mission.objects.bulk_create(created)
            unconfirmed = {
                m.pk
                for m in created[: -extra or None]
                if m.date.replace(day=1) == last and rng.random() < 0.04
            }
            done = [m for m in created if m.pk not in unconfirmed]
            Mission.objects.filter(pk__in=[m.pk for m in done]).update(statut=Mission.Statut.REALISEE)
            MissionTransition.objects.bulk_create(
                [MissionTransition(mission=m, vers="confirmee", commentaire=LABEL) for m in created]
                + [
                    MissionTransition(mission=m, de="confirmee", vers="realisee", commentaire=LABEL)
                    for m in done
                ]
            )
            JourRealise.objects.bulk_create(
                [
                    JourRealise(
                        mission=m,
                        nature="demi_journee" if rng.random() < 0.2 else "journee",
                        consultations=rng.randint(6, 22),
                        confirme_le=now,
                    )
                    for m in done
                ]
            )
            services.construire_mois(before, today=today)
            paid = list(Releve.objects.filter(mois=before, anomalies=[]))
            for r in paid:
                for de, vers in (("brouillon", "valide"), ("valide", "transmis"), ("transmis", "paye")):
                    EtapeReleve.objects.create(releve=r, de=de, vers=vers, commentaire=LABEL)
            Releve.objects.filter(pk__in=[r.pk for r in paid]).update(
                statut=Releve.Statut.PAYE, valide_le=now, transmis_le=now, paye_le=now
            )
            services.construire_mois(last, today=today)
        self.stdout.write(
            f"{LABEL} : {len(done)} journées réalisées ({len(unconfirmed)} non confirmées), relevés de "
            f"{before:%m/%Y} (payés) et {last:%m/%Y} (brouillons)."
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
