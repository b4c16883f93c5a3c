"""`python -m solidarite demo_continuite`: three months of synthetic consultations at the demonstration lieux,
with their patients, transmissions and résultats attendus (open, closed, some overdue), labelled « données de
démonstration » and seeded. Run after `python -m solidarite demo` (the Makefile does); once: a second run says
so and changes nothing. Bulk writes in one transaction: a few seconds on SQLite."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

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
from solidarite.planning.models import Mission
from solidarite.rdv.models import RendezVous
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
            MedecinVolontaire.objects.filter(demonstration=True, statut__in=services.VALIDATED).order_by("pk")
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


def seed(
    lieux: list[LieuSolidaire],
    doctors: list[MedecinVolontaire],
    rng: random.Random,
    today: dt.date,
    days: int,
    per_day: int,
    demonstration: bool,
) -> dict[str, int]:
    """Missions realised over `days` days before today at each lieu (working days), `per_day` consultations each,
    patients coming back, a transmission per consultation and exams for about a third. Bulk writes."""
    now = timezone.now()
    missions: list[Mission] = []
    busy: set[tuple[int, dt.date]] = set(
        Mission.objects.filter(date__gte=today - dt.timedelta(days=days), date__lt=today).values_list(
            "medecin_id", "date"
        )
    )
    for lieu in lieux:
        for back in range(days, 0, -1):
            day = today - dt.timedelta(days=back)
            if day.weekday() >= 5:
                continue
            free = [d for d in doctors if (d.pk, day) not in busy]
            if not free:
                continue
            doctor = rng.choice(free)
            busy.add((doctor.pk, day))
            missions.append(Mission(medecin=doctor, lieu=lieu, date=day, statut=Mission.Statut.REALISEE))
    Mission.objects.bulk_create(missions)
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
