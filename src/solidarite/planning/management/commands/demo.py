"""`python -m solidarite demo`: seeded demonstration lieux, volunteers, disponibilités and confirmed
missions on the real geography, so that every zone has free consultation slots in the coming weeks."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from typing import Any

import numpy as np
from django.conf import settings
from django.contrib.auth.models import Group, Permission, User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from solidarite.annuaire import services as annuaire
from solidarite.annuaire.generation import homes_for_lieux, lieux_places
from solidarite.annuaire.models import LieuSolidaire, MedecinVolontaire, ReferentLieu
from solidarite.annuaire.validation import rpps_with_key
from solidarite.mois import add_months
from solidarite.planning.models import Disponibilite, Mission, MissionTransition
from solidarite.planning.signals import demo_reset
from solidarite.territoire.models import AgentArs, Commune, Departement, Epci
from solidarite.territoire.providers import provider_with_fallback, straight_line_kmh
from solidarite.territoire.sources import read_territoire
from solidarite.web.commandes import CONTROLES_SANS_URLS
from solidarite.web.entrees import count_argument
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
    requires_system_checks = CONTROLES_SANS_URLS  # no page served: web/commandes.py
    help = (
        "Crée les données de démonstration (étiquetées) : lieux solidaires, médecins volontaires, disponibilités "
        "et missions confirmées des six prochaines semaines."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=count_argument, default=2026)
        parser.add_argument(
            "--per-lieu",
            type=count_argument,
            default=2,
            help="Médecins volontaires tirés pour chaque lieu (défaut : 2).",
        )
        parser.add_argument(
            "--reset", action="store_true", help="Supprime d'abord les données de démonstration existantes."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        campagne = zonage.active_campaign()
        if campagne is None:
            raise CommandError(
                "Aucune zone active : lancez d'abord python -m solidarite zonage --out var/zonage --save --activate.",
                returncode=2,  # the wrong order is a refusal, as demo_continuite's (exit 1 means a fault)
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
            # the fragility, not a vote's share (ADR 0021); the share only stands in for a vote campaign
            # saved before migration 0003 and not recomputed since (planning.services.build_instance)
            (r.epci.siren, (r.score_fragilite if r.score_fragilite is not None else r.score) or 0.0)
            for r in campagne.resultats.select_related("epci").order_by("rang")
            if r.epci.siren in final
        ]
        population = dict(Epci.objects.filter(siren__in=final).values_list("siren", "population_municipale"))
        places = lieux_places(territoire, ranked, 10**6, population)
        homes = homes_for_lieux(territoire, apl, places, options["per_lieu"], rng)
        communes = {
            c.code_insee: c
            for c in Commune.objects.filter(
                code_insee__in={p.commune for p in places} | {h.home.commune for h in homes}
            ).select_related("departement")
        }
        epcis = {e.siren: e for e in Epci.objects.filter(siren__in={p.epci for p in places})}
        departements = {d.code: d for d in Departement.objects.all()}
        first = (timezone.localdate().replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        with transaction.atomic():
            if options["reset"]:  # everything the generator made, missions on demo people or places included
                demo_reset.send(
                    sender=None
                )  # the contexts above first: their rows point at missions and lieux
                Mission.objects.filter(Q(medecin__demonstration=True) | Q(lieu__demonstration=True)).delete()
                MedecinVolontaire.objects.filter(demonstration=True).delete()
                LieuSolidaire.objects.filter(demonstration=True).delete()  # and their référents
                User.objects.filter(username=DEMO_AGENT_USERNAME).delete()  # and its AgentArs
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
            annuaire.enregistrer_lieux(lieux)  # checked and signalled as the back office records one
            medecins = []
            speed = straight_line_kmh()  # the planning's own conversion of minutes to km
            for k, volunteering in enumerate(homes):
                commune = communes[volunteering.home.commune]
                needed = (
                    math.ceil(volunteering.km / speed * 60 / 15) * 15
                )  # reach their lieu, in quarter hours
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
                        rotation=MedecinVolontaire.Rotation.JOUR,
                        trajet_max_minutes=max(needed, int(rng.choice([45, 60, 90, 120]))),
                        statut=MedecinVolontaire.Statut.ACTIF,
                        demonstration=True,
                    )
                )
            # Checked and normalised as a sign-up; no welcome e-mail: the demo addresses do not exist.
            annuaire.inscrire_medecins(medecins, commentaire="Données de démonstration", bienvenue=False)
            saved = list(MedecinVolontaire.objects.filter(demonstration=True))
            missions = _seed_missions(saved, rng)
            months = _declare_days(saved, first, rng)
            referent, agent = _seed_people(options["seed"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Données de démonstration : {len(lieux)} lieux solidaires dans {len(ranked)} zones, {len(saved)} médecins volontaires "
                f"(actifs), disponibilités déclarées de {months[0]:%m/%Y} à {months[-1]:%m/%Y}, {missions} missions "
                "confirmées sur les six prochaines semaines."
            )
        )
        self.stdout.write(
            "Connexion de démonstration (/connexion/dev/, lien sur la console) : médecin "
            f"{min(saved, key=lambda m: m.pk).email}, référent de lieu {referent.email} ({referent.lieu.nom}), agent d'ARS "
            f"{agent.user.email} ({agent.region.nom})."
        )
        seen, total, zones_seen = zone_communes_with_slots(final)
        self.stdout.write(
            f"Communes des zones qui voient des créneaux à moins d'une heure : {seen} / {total} "
            f"({zones_seen} / {len(final)} zones entièrement couvertes) ; les autres voient les lieux les plus proches."
        )


# The people the development login opens in the demo (docs/decisions/0005-identites.md; README).
DEMO_REFERENT_EMAIL = "referent.lieu@demo.invalid"
DEMO_AGENT_EMAIL = "agent.ars@demo.invalid"
DEMO_AGENT_USERNAME = "demonstration-agent-ars"


def _seed_people(seed: int) -> tuple[ReferentLieu, AgentArs]:
    """A référent for the first demo lieu and an ARS agent of its region (demonstration data, seeded)."""
    lieux = LieuSolidaire.objects.filter(demonstration=True).select_related("commune__departement__region")
    first = lieux.order_by("pk").first()
    assert first is not None
    referent = ReferentLieu.objects.create(
        lieu=first,
        rpps=rpps_with_key(f"29{seed % 100:02d}000000"),
        nom=first.referent_nom.split(" ", 1)[-1],
        prenom=first.referent_nom.split(" ", 1)[0],
        email=DEMO_REFERENT_EMAIL,
    )
    user = User(
        username=DEMO_AGENT_USERNAME,
        email=DEMO_AGENT_EMAIL,
        first_name="Agent",
        last_name="de démonstration",
        is_staff=True,
    )
    user.set_unusable_password()
    user.save()
    user.groups.add(_demo_agents_group())
    agent = AgentArs.objects.create(user=user, region=first.commune.departement.region)
    return referent, agent


# What the ministry would grant an ARS coordinator in the back office (ADR 0006: permissions come from groups);
# every one of these admins is kept to the agent's region.
DEMO_AGENT_PERMISSIONS = {
    "annuaire": (
        "view_medecinvolontaire",
        "change_medecinvolontaire",
        "view_lieusolidaire",
        "add_lieusolidaire",
        "change_lieusolidaire",
        "view_referentlieu",
        "add_referentlieu",
        "change_referentlieu",
    ),
    "rdv": (
        "view_horairesconsultation",
        "add_horairesconsultation",
        "change_horairesconsultation",
        "view_message",
    ),
    "zonage": (
        "view_campagne",
        "view_resultatepci",
        "view_ajustement",
        "add_ajustement",
        "delete_ajustement",
    ),
    "territoire": ("view_epci", "view_agentars"),
}


def _demo_agents_group() -> Group:
    """The demonstration agent's group: without one, the back office shows it nothing."""
    group, _ = Group.objects.get_or_create(name="Agents ARS (démonstration)")
    group.permissions.set(
        Permission.objects.filter(
            Q(
                *[
                    Q(content_type__app_label=app, codename__in=codes)
                    for app, codes in DEMO_AGENT_PERMISSIONS.items()
                ],
                _connector=Q.OR,
            )
        )
    )
    return group


MISSION_DAYS_PER_LIEU = 4
# The days each volunteer declares in a month, missions included: drawn between the two, inclusive.
DECLARED_PER_MONTH = (2, 4)
HORIZON_DAYS = 42
REACH_MINUTES = 60.0  # the patients' search shows the lieux within an hour


def zone_communes_with_slots(sirens: set[str]) -> tuple[int, int, int]:
    """(communes of the zones that see a lieu with a confirmed future mission within an hour, communes, zones
    whose every commune does): what a patient of a zone finds when searching their commune."""
    today = timezone.localdate()
    lieux = list(
        LieuSolidaire.objects.filter(
            actif=True, missions__statut=Mission.Statut.CONFIRMEE, missions__date__gt=today
        )
        .distinct()
        .values_list("latitude", "longitude")
    )
    communes = list(
        Commune.objects.filter(epci__siren__in=sirens, latitude__isnull=False).values_list(
            "epci__siren", "latitude", "longitude"
        )
    )
    if not lieux or not communes:
        return 0, len(communes), 0
    minutes = provider_with_fallback().matrix_minutes(
        np.array([c[1] for c in communes]),
        np.array([c[2] for c in communes]),
        np.array([p[0] for p in lieux]),
        np.array([p[1] for p in lieux]),
    )
    covered = minutes.min(axis=1) <= REACH_MINUTES
    uncovered_zones = {c[0] for c, ok in zip(communes, covered, strict=True) if not ok}
    return int(covered.sum()), len(communes), len({c[0] for c in communes} - uncovered_zones)


def _seed_missions(medecins: list[MedecinVolontaire], rng: np.random.Generator) -> int:
    """Confirmed missions over the next six weeks, so that every zone shows free slots: for each lieu, a few of
    its days needing a doctor, each given to the nearest volunteer in reach who still has a day that month."""
    from solidarite.planning.services import besoins, km_for_minutes
    from solidarite.territoire.travel import haversine_km

    today = timezone.localdate()
    horizon = [today + dt.timedelta(days=d) for d in range(1, HORIZON_DAYS + 1)]
    months = sorted({(d.year, d.month) for d in horizon})
    lat = np.array([m.commune.latitude for m in medecins])
    lon = np.array([m.commune.longitude for m in medecins])
    reach = np.array([km_for_minutes(m.trajet_max_minutes) for m in medecins])
    max_reach = float(reach.max()) if len(reach) else 0.0
    used_days: dict[tuple[int, int, int], int] = defaultdict(int)  # (medecin index, year, month) -> days
    busy: set[tuple[int, dt.date]] = set()
    created = []
    plans = []
    for lieu in (
        LieuSolidaire.objects.filter(demonstration=True).select_related("commune__departement").order_by("pk")
    ):
        needed = [d for year, month in months for d in besoins(lieu, dt.date(year, month, 1)) if d in horizon]
        if needed:
            picks = sorted(
                {
                    needed[int(i)]
                    for i in np.linspace(0, len(needed) - 1, min(MISSION_DAYS_PER_LIEU, len(needed)))
                }
            )
            plans.append((lieu, picks, haversine_km(lat, lon, lieu.latitude, lieu.longitude)))
    # Round by round (every lieu's first day, then every lieu's second…), so that no lieu is left without
    # a doctor because its neighbours used up the volunteers they share; within a round, the lieux with the
    # fewest volunteers in reach first (inland Guyane shares Cayenne's volunteers with three other zones).
    plans.sort(key=lambda plan: (int((plan[2] <= reach).sum()), plan[0].pk))
    for rank in range(MISSION_DAYS_PER_LIEU):
        for lieu, picks, km in plans:
            if rank >= len(picks):
                continue
            day = picks[rank]
            for k in np.argsort(km):
                k = int(k)
                if km[k] > max_reach:
                    break
                if km[k] > reach[k]:  # too far for this one; a farther volunteer may travel further
                    continue
                if (k, day) in busy or used_days[(k, day.year, day.month)] >= medecins[k].jours_max_par_mois:
                    continue
                busy.add((k, day))
                used_days[(k, day.year, day.month)] += 1
                created.append(
                    Mission(medecin=medecins[k], lieu=lieu, date=day, statut=Mission.Statut.CONFIRMEE)
                )
                break
    Mission.objects.bulk_create(created)
    saved = Mission.objects.filter(medecin__demonstration=True, statut=Mission.Statut.CONFIRMEE)
    MissionTransition.objects.bulk_create(
        [
            MissionTransition(
                mission=m, vers=Mission.Statut.CONFIRMEE, commentaire="Données de démonstration"
            )
            for m in saved
        ]
    )
    return len(created)


def _declare_days(
    medecins: list[MedecinVolontaire], first: dt.date, rng: np.random.Generator
) -> list[dt.date]:
    """Each volunteer's disponibilités, as a planning needs them to have given their missions: every day of their
    missions, and a few more that no mission took on days a volunteer may declare (from tomorrow to the end of the
    planning's horizon, a weekday, not a day closed everywhere), in each month from this one to next month (`first`)
    or the month of their last mission; `DECLARED_PER_MONTH` days a month, never fewer than the missions nor more
    than `availability_cap`. Returns the first days of those months.

    A demo doctor had missions on days she had not declared: the missions were given over six weeks whatever
    the days, and a few random days of next month declared apart."""
    from solidarite.planning.horizon import last_plannable_day
    from solidarite.planning.services import availability_cap, closed_days, month_days

    today = timezone.localdate()
    given: dict[int, set[dt.date]] = defaultdict(set)
    for medecin_id, day in Mission.objects.filter(
        medecin__in=medecins, statut__in=Mission.ACTIVES
    ).values_list("medecin_id", "date"):
        given[medecin_id].add(day)
    end = max([first, *(d.replace(day=1) for days in given.values() for d in days)])
    months = [today.replace(day=1)]
    while months[-1] < end:
        months.append(add_months(months[-1], 1))
    last = last_plannable_day(today)
    weekdays = [d for month in months for d in month_days(month) if today < d <= last and d.weekday() < 5]
    closed = closed_days(weekdays)
    declarable: dict[dt.date, list[dt.date]] = defaultdict(list)
    for day in weekdays:
        if day not in closed:
            declarable[day.replace(day=1)].append(day)
    declared = []
    for m in medecins:
        for month in months:
            missions = {d for d in given[m.pk] if d.replace(day=1) == month}
            free = [d for d in declarable[month] if d not in missions]
            wanted = int(rng.integers(DECLARED_PER_MONTH[0], DECLARED_PER_MONTH[1] + 1))
            extra = max(0, min(wanted, availability_cap(m)) - len(missions))
            picks = rng.choice(len(free), size=min(extra, len(free)), replace=False).tolist() if free else []
            days = missions | {free[int(k)] for k in picks}
            declared.extend(Disponibilite(medecin=m, date=d) for d in sorted(days))
    Disponibilite.objects.bulk_create(declared)
    return months
