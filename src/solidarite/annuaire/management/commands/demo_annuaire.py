"""`python -m solidarite demo_annuaire`: seeded demonstration lieux and volunteers on the real geography."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from solidarite.annuaire.generation import lieux_places, volunteer_homes
from solidarite.annuaire.models import LieuSolidaire, MedecinVolontaire, TransitionStatut
from solidarite.annuaire.validation import rpps_with_key
from solidarite.planning.models import Disponibilite, Mission
from solidarite.territoire.models import Commune, Departement, Epci
from solidarite.territoire.sources import read_territoire
from solidarite.zonage import services as zonage
from solidarite.zonage import sources as zonage_sources
from solidarite.zonage.calcul import current_code_map

# Frequent French given names and surnames (INSEE's most common): the demo people are not real.
PRENOMS = [
    "Marie",
    "Jean",
    "Camille",
    "Nicolas",
    "Julie",
    "Thomas",
    "Sophie",
    "Pierre",
    "Claire",
    "Antoine",
    "Laura",
    "Julien",
    "Élodie",
    "Mathieu",
    "Sarah",
    "Alexandre",
    "Emma",
    "Hugo",
    "Léa",
    "Louis",
]
NOMS = [
    "Martin",
    "Bernard",
    "Thomas",
    "Petit",
    "Robert",
    "Richard",
    "Durand",
    "Dubois",
    "Moreau",
    "Laurent",
    "Simon",
    "Michel",
    "Lefebvre",
    "Leroy",
    "Roux",
    "David",
    "Bertrand",
    "Morel",
    "Fournier",
    "Girard",
    "Bonnet",
    "Dupont",
    "Lambert",
    "Fontaine",
]
TYPES = [
    LieuSolidaire.Type.MSP,
    LieuSolidaire.Type.CENTRE,
    LieuSolidaire.Type.CABINET,
    LieuSolidaire.Type.HOPITAL,
    LieuSolidaire.Type.LOCAL,
]
TYPE_NOMS = {
    "msp": "Maison de santé",
    "centre_sante": "Centre de santé",
    "cabinet": "Cabinet médical",
    "hopital_ehpad": "Hôpital de proximité",
    "local_communal": "Cabinet communal",
}


class Command(BaseCommand):
    help = "Crée des lieux solidaires et des médecins volontaires de démonstration (générateur déterministe, étiqueté)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--volontaires", type=int, default=250)
        parser.add_argument(
            "--reset", action="store_true", help="Supprime d'abord les données de démonstration existantes."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        campagne = zonage.active_campaign()
        if campagne is None:
            raise CommandError(
                "Aucune zone active : lancez d'abord python -m solidarite zonage --out var/zonage --save --activer."
            )
        if MedecinVolontaire.objects.filter(demonstration=True).exists() and not options["reset"]:
            self.stdout.write(
                "Des données de démonstration existent déjà : rien n'a changé (--reset pour les recréer)."
            )
            return
        rng = np.random.default_rng(options["seed"])
        territoire = read_territoire(settings.SOLIDARITE_DATA_DIR)
        mapping = current_code_map(
            territoire, zonage_sources.read_renamed_codes(settings.SOLIDARITE_DATA_DIR)
        )
        apl = {
            mapping[r.code]: r.apl
            for r in zonage_sources.read_apl(settings.SOLIDARITE_DATA_DIR)
            if r.code in mapping
        }
        final = zonage.final_sirens(campagne)
        ranked = [
            (r.epci.siren, r.score or 0.0)
            for r in campagne.resultats.select_related("epci").order_by("rang")
            if r.epci.siren in final
        ]
        population = dict(Epci.objects.filter(siren__in=final).values_list("siren", "population_municipale"))
        places = lieux_places(territoire, ranked, 10**6, population)
        homes = volunteer_homes(
            territoire, apl, options["volontaires"], rng, near=[(p.lat, p.lon) for p in places]
        )
        communes = {
            c.code_insee: c
            for c in Commune.objects.filter(
                code_insee__in={p.commune for p in places} | {h.commune for h in homes}
            ).select_related("departement")
        }
        epcis = {e.siren: e for e in Epci.objects.filter(siren__in={p.epci for p in places})}
        departements = {d.code: d for d in Departement.objects.all()}
        first = (timezone.localdate().replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        with transaction.atomic():
            if options["reset"]:  # everything the generator made, missions on demo people or places included
                Mission.objects.filter(Q(medecin__demonstration=True) | Q(lieu__demonstration=True)).delete()
                MedecinVolontaire.objects.filter(demonstration=True).delete()
                LieuSolidaire.objects.filter(demonstration=True).delete()
            lieux = []
            for k, p in enumerate(places):
                kind = TYPES[int(rng.integers(len(TYPES)))]
                lieux.append(
                    LieuSolidaire(
                        nom=f"{TYPE_NOMS[kind]} de {p.nom}",
                        epci=epcis[p.epci],
                        commune=communes[p.commune],
                        adresse=f"{int(rng.integers(1, 40))} place de la Mairie",
                        latitude=p.lat,
                        longitude=p.lon,
                        type=kind,
                        salles=p.capacity,
                        equipements="Table d'examen, ECG, matériel de suture",
                        logiciel_metier="Weda" if k % 2 else "MédiStory",
                        compatible_dmp=bool(k % 3),
                        secretariat=bool(k % 2),
                        hebergement=bool(k % 4 == 0),
                        referent_nom=f"{PRENOMS[k % len(PRENOMS)]} {NOMS[(k * 7) % len(NOMS)]}",
                        referent_telephone="+33555000000",
                        jours_ouverture=[0, 1, 2, 3, 4],
                        accessibilite="Accès de plain-pied, place de stationnement réservée",
                        demonstration=True,
                    )
                )
            LieuSolidaire.objects.bulk_create(lieux)
            medecins = []
            for k, home in enumerate(homes):
                commune = communes[home.commune]
                prenom, nom = PRENOMS[int(rng.integers(len(PRENOMS)))], NOMS[int(rng.integers(len(NOMS)))]
                medecins.append(
                    MedecinVolontaire(
                        rpps=rpps_with_key(f"19{options['seed'] % 100:02d}{k:06d}"),
                        nom=nom,
                        prenom=prenom,
                        email=f"{prenom.lower()}.{nom.lower()}.{k}@demo.invalid".replace("é", "e"),
                        telephone=f"+3361{int(rng.integers(10**6, 10**7 - 1)):07d}",
                        commune=commune,
                        mode_exercice=str(rng.choice(MedecinVolontaire.ModeExercice.values)),
                        cdom=departements[commune.departement.code],
                        numero_am_mission=f"{int(rng.integers(10**8, 10**9))}",
                        cps_statut=MedecinVolontaire.Cps.RECUE,
                        jours_max_par_mois=2,
                        rotation=MedecinVolontaire.Rotation.JOUR,
                        trajet_max_minutes=int(rng.choice([45, 60, 90, 120])),
                        statut=MedecinVolontaire.Statut.ACTIF,
                        demonstration=True,
                    )
                )
            MedecinVolontaire.objects.bulk_create(medecins)
            saved = list(MedecinVolontaire.objects.filter(demonstration=True))
            TransitionStatut.objects.bulk_create(
                [
                    TransitionStatut(
                        medecin=m,
                        de="",
                        vers=MedecinVolontaire.Statut.ACTIF,
                        commentaire="Données de démonstration",
                    )
                    for m in saved
                ]
            )
            days = [
                first + dt.timedelta(days=d)
                for d in range(31)
                if (first + dt.timedelta(days=d)).month == first.month
            ]
            workdays = [d for d in days if d.weekday() < 5]
            Disponibilite.objects.bulk_create(
                [
                    Disponibilite(medecin=m, date=d)
                    for m in saved
                    for d in sorted(
                        rng.choice(workdays, size=int(rng.integers(2, 6)), replace=False).tolist()
                    )
                ]
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Données de démonstration : {len(lieux)} lieux solidaires dans {len(ranked)} zones, {len(saved)} médecins volontaires "
                f"(actifs), disponibilités pour {first:%m/%Y}."
            )
        )
