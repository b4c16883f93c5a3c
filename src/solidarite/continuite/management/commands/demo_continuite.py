"""`python -m solidarite demo_continuite`: three months of synthetic consultations at the demonstration lieux,
with their patients, transmissions and résultats attendus (open, closed, some overdue), labelled « données de
démonstration » and seeded. Run after `python -m solidarite demo` (the Makefile does); once: a second run says
so and changes nothing. Bulk writes in one transaction: a few seconds on SQLite."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from solidarite.annuaire.models import LieuSolidaire, MedecinVolontaire
from solidarite.continuite import services
from solidarite.continuite.ins import Traits
from solidarite.continuite.models import (
    NatureExamen,
    Patient,
    ResultatAttendu,
    Suivi,
    Transmission,
    Visite,
)
from solidarite.planning.models import Disponibilite, Mission, MissionTransition
from solidarite.planning.services import besoins, km_for_minutes
from solidarite.rdv.models import RendezVous
from solidarite.territoire.travel import haversine_km
from solidarite.web.commandes import CONTROLES_SANS_URLS
from solidarite.web.entrees import count_argument

NOMS = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
]
PRENOMS_F = [
    "Marie",
    "Jeanne",
    "Françoise",
    "Monique",
    "Catherine",
    "Nathalie",
    "Isabelle",
    "Sylvie",
    "Julie",
]
PRENOMS_M = ["Jean", "Pierre", "Michel", "André", "Philippe", "Alain", "Bernard", "Jacques", "Nicolas"]
MOTIFS = [
    ("Toux depuis dix jours", "Bronchite aiguë probable, pas de signe de gravité."),
    ("Renouvellement de traitement", "Hypertension équilibrée ; bilan annuel à faire."),
    ("Douleur lombaire", "Lombalgie commune, pas de drapeau rouge."),
    ("Fatigue", "Asthénie depuis un mois ; bilan biologique demandé."),
    ("Suivi diabète", "Diabète de type 2, HbA1c à contrôler."),
    ("Douleur thoracique atypique", "ECG normal ; avis cardiologique demandé."),
]
EXAMENS = [
    (NatureExamen.BIOLOGIE, "NFS, ionogramme, créatinine", 5),
    (NatureExamen.BIOLOGIE, "HbA1c", 5),
    (NatureExamen.IMAGERIE, "Radiographie thoracique", 10),
    (NatureExamen.SPECIALISTE, "Avis cardiologique", 30),
]
PER_DAY = 8
DAYS = 91
LABEL = "Données de démonstration"
WORKING = (Mission.Statut.PROPOSEE, Mission.Statut.CONFIRMEE, Mission.Statut.REALISEE)


class Command(BaseCommand):
    requires_system_checks = CONTROLES_SANS_URLS  # no page served: web/commandes.py
    help = "Trois mois de consultations, transmissions et résultats attendus de démonstration (graine fixe)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--graine", type=count_argument, default=20)
        parser.add_argument(
            "--lieux", type=count_argument, default=3, help="nombre de lieux de démonstration suivis"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if Transmission.objects.filter(demonstration=True).exists():
            self.stdout.write(
                "Les données de démonstration de la continuité existent déjà : rien n'est changé."
            )
            return
        lieux = list(
            LieuSolidaire.objects.filter(demonstration=True, actif=True)
            .select_related("commune")
            .order_by("pk")[: options["lieux"]]
        )
        doctors = list(
            MedecinVolontaire.objects.filter(demonstration=True, statut__in=services.VALIDATED)
            .select_related("commune")
            .order_by("pk")
        )
        if not lieux or not doctors:
            raise CommandError(
                "Lancez d'abord « python -m solidarite demo » : aucun lieu ni médecin de démonstration.",
                returncode=2,
            )
        rng = random.Random(options["graine"])
        with transaction.atomic():
            counts = seed(lieux, doctors, rng, timezone.localdate(), DAYS, PER_DAY, demonstration=True)
        self.stdout.write(
            "Continuité (données de démonstration) : {consultations} consultations, {transmissions} transmissions, "
            "{resultats} résultats attendus.".format(**counts)
        )
        self.stdout.write(figures())


def figures() -> str:
    rows = ResultatAttendu.objects.all()
    ouverts = rows.filter(statut="ouvert")
    no_owner = ouverts.filter(
        proprietaire_medecin__isnull=True,
        proprietaire_referent__isnull=True,
        proprietaire_medecin_traitant__isnull=True,
        proprietaire_ars__isnull=True,
    ).count()
    return (
        f"consultations={Visite.objects.count()} transmissions={Transmission.objects.count()} "
        f"ouverts={ouverts.count()} clos={rows.filter(statut='clos').count()} "
        f"en_retard={services.en_retard(rows).count()} sans_proprietaire={no_owner}"
    )


def _missions(
    lieux: list[LieuSolidaire],
    doctors: list[MedecinVolontaire],
    rng: random.Random,
    today: dt.date,
    days: int,
) -> list[Mission]:
    """Each opening day of the `days` before today at each lieu, given to a volunteer drawn among those who could
    have been planned there: within their travel limit, free that day, under their days a month (the missions they
    already have counted). A day nobody could take has no mission (a remote lieu shares few volunteers). Declared
    available that day and confirmed, with its transition, as the planning leaves a mission whose day has come:
    the doctor confirms the day afterwards, and it becomes « réalisée » with its realised day (demo_indemnisation).

    Each day went to any demo volunteer: a doctor of the Cantal worked in Guyane, four days a month, on days she
    had not declared, and the missions were « réalisées » without a realised day nor a transition."""
    start = today - dt.timedelta(days=days)
    existing = Mission.objects.filter(medecin__in=doctors, statut__in=WORKING).values_list(
        "medecin_id", "date"
    )
    busy: set[tuple[int, dt.date]] = set(existing)
    per_month: dict[tuple[int, dt.date], int] = defaultdict(int)
    for medecin_id, day in busy:
        per_month[(medecin_id, day.replace(day=1))] += 1
    reach = {d.pk: km_for_minutes(d.trajet_max_minutes) for d in doctors}
    missions: list[Mission] = []
    for lieu in lieux:
        km = haversine_km(
            np.array([d.commune.latitude for d in doctors]),
            np.array([d.commune.longitude for d in doctors]),
            lieu.latitude,
            lieu.longitude,
        )
        near = [d for d, far in zip(doctors, km, strict=True) if far <= reach[d.pk]]
        months = sorted({(start + dt.timedelta(days=k)).replace(day=1) for k in range(days)})
        opening = [d for month in months for d in besoins(lieu, month) if start <= d < today]
        for day in opening:
            month = day.replace(day=1)
            free = [
                d for d in near if (d.pk, day) not in busy and per_month[(d.pk, month)] < d.jours_max_par_mois
            ]
            if not free:
                continue
            doctor = rng.choice(free)
            busy.add((doctor.pk, day))
            per_month[(doctor.pk, month)] += 1
            missions.append(Mission(medecin=doctor, lieu=lieu, date=day, statut=Mission.Statut.CONFIRMEE))
    Mission.objects.bulk_create(missions)
    Disponibilite.objects.bulk_create(
        [Disponibilite(medecin_id=m.medecin_id, date=m.date) for m in missions], ignore_conflicts=True
    )
    MissionTransition.objects.bulk_create(
        [MissionTransition(mission=m, vers=Mission.Statut.CONFIRMEE, commentaire=LABEL) for m in missions]
    )
    return missions


def seed(
    lieux: list[LieuSolidaire],
    doctors: list[MedecinVolontaire],
    rng: random.Random,
    today: dt.date,
    days: int,
    per_day: int,
    demonstration: bool,
) -> dict[str, int]:
    """Missions on the `days` days before today at each lieu (its opening days, public holidays excluded),
    `per_day` consultations each, patients coming back, a transmission per consultation and exams for about a
    third. Bulk writes."""
    now = timezone.now()
    missions = _missions(lieux, doctors, rng, today, days)
    pool: dict[int, list[Patient]] = {lieu.pk: [] for lieu in lieux}
    new_patients: list[Patient] = []
    rdvs: list[RendezVous] = []
    chosen: list[Patient] = []
    for m in missions:
        for k in range(per_day):
            known = pool[m.lieu_id]
            if known and rng.random() < 0.35:
                patient = rng.choice(known)
            else:
                female = rng.random() < 0.55
                born = dt.date(rng.randint(1935, 2015), rng.randint(1, 12), rng.randint(1, 28))
                nom = rng.choice(NOMS)
                prenom = rng.choice(PRENOMS_F if female else PRENOMS_M)
                code = m.lieu.commune.code_insee if rng.random() < 0.6 else "99100"
                traits = Traits(nom, prenom, born, "F" if female else "M", code)
                key = "|".join(str(x) for x in traits.cle())
                if any(p.cle_traits == key for p in known):
                    patient = next(p for p in known if p.cle_traits == key)
                else:
                    patient = Patient(
                        lieu_id=m.lieu_id,
                        nom_naissance=nom,
                        prenoms=prenom,
                        date_naissance=born,
                        sexe=traits.sexe,
                        lieu_naissance=code,
                        cle_traits=key,
                        statut_identite=rng.choice(["provisoire", "validee", "validee", "recuperee"]),
                        telephone="0600000000",
                        demonstration=demonstration,
                    )
                    known.append(patient)
                    new_patients.append(patient)
            start = dt.datetime.combine(m.date, dt.time(8, 30), tzinfo=m.lieu.fuseau) + dt.timedelta(
                minutes=20 * k
            )
            rdvs.append(
                RendezVous(
                    mission=m,
                    lieu_id=m.lieu_id,
                    debut=start,
                    fin=start + dt.timedelta(minutes=20),
                    statut=RendezVous.Statut.VU,
                    nom=patient.nom_naissance,
                    prenom=patient.prenoms,
                    date_naissance=patient.date_naissance,
                    telephone="0600000000",
                )
            )
            chosen.append(patient)
    Patient.objects.bulk_create(new_patients)
    RendezVous.objects.bulk_create(rdvs)
    visites = Visite.objects.bulk_create(
        [
            Visite(rendez_vous=r, patient=p, confirme_par_id=r.mission.medecin_id)
            for r, p in zip(rdvs, chosen, strict=True)
        ]
    )
    transmissions = []
    for v, r in zip(visites, rdvs, strict=True):
        motif, synthese = rng.choice(MOTIFS)
        suivi = rng.choice([Suivi.AUCUN, Suivi.AUCUN, Suivi.VOLONTAIRE, Suivi.MEDECIN_TRAITANT, Suivi.URGENT])
        transmissions.append(
            Transmission(
                visite=v,
                patient=v.patient,
                lieu_id=r.lieu_id,
                mission=r.mission,
                medecin_id=r.mission.medecin_id,
                motif=motif,
                synthese=synthese,
                suivi=suivi,
                ouverte=suivi != Suivi.AUCUN and rng.random() < 0.3,
                demonstration=demonstration,
            )
        )
    Transmission.objects.bulk_create(transmissions)
    grace = dt.timedelta(days=7)
    results = []
    for t in transmissions:
        if rng.random() > 0.38:
            continue
        for nature, libelle, delay in rng.sample(EXAMENS, rng.choice([1, 1, 2])):
            expected = t.mission.date + dt.timedelta(days=delay)
            done = (expected + grace < today and rng.random() < 0.9) or (
                expected < today and rng.random() < 0.5
            )
            results.append(
                ResultatAttendu(
                    transmission=t,
                    patient=t.patient,
                    lieu_id=t.lieu_id,
                    nature=nature,
                    libelle=libelle,
                    date_prevue=expected,
                    proprietaire_medecin_id=t.medecin_id,
                    proprietaire_jusqu_au=t.mission.date,
                    proprietaire_depuis=now,
                    statut="clos" if done else "ouvert",
                    clos_le=now if done else None,
                    lu_par_nom="Référent du lieu" if done else "",
                    resultat="Dans les normes" if done else "",
                    conduite="Patient informé par téléphone" if done else "",
                    demonstration=demonstration,
                )
            )
    ResultatAttendu.objects.bulk_create(results, batch_size=500)
    services.reassign(
        ResultatAttendu.objects.filter(lieu__in=lieux, statut="ouvert"), "données de démonstration"
    )
    for m in missions:  # written on the mission day (auto_now_add stamped them now)
        noon = dt.datetime.combine(m.date, dt.time(12, 0), tzinfo=m.lieu.fuseau)
        Transmission.objects.filter(mission=m).update(cree_le=noon)
        ResultatAttendu.objects.filter(transmission__mission=m).update(cree_le=noon)
    return {"consultations": len(rdvs), "transmissions": len(transmissions), "resultats": len(results)}
