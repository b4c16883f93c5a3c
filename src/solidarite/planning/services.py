"""Disponibilités, besoins, planning runs, missions. Every write spanning rows is one transaction."""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import holidays
import numpy as np
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from solidarite.annuaire.models import LieuSolidaire, MedecinVolontaire
from solidarite.mois import MOIS
from solidarite.parametres import entier, valeur
from solidarite.planning import optimizer
from solidarite.planning.horizon import (  # re-exported: the views and commands call them from here
    add_months as add_months,
)
from solidarite.planning.horizon import calendar_months as calendar_months
from solidarite.planning.horizon import check_plannable as check_plannable
from solidarite.planning.horizon import last_plannable_day as last_plannable_day
from solidarite.planning.horizon import month_text as month_text
from solidarite.planning.horizon import parse_month as parse_month
from solidarite.planning.horizon import planning_horizon as planning_horizon
from solidarite.planning.invitations import send_invitations
from solidarite.planning.models import Disponibilite, Mission, MissionTransition, PlanningRun, Proposition
from solidarite.territoire import acces
from solidarite.territoire.models import Region
from solidarite.territoire.providers import provider_from_settings, straight_line_kmh
from solidarite.zonage import services as zonage

logger = logging.getLogger(__name__)
PLANNABLE = (MedecinVolontaire.Statut.VALIDE, MedecinVolontaire.Statut.ACTIF)
# Public-holiday calendars beyond the national one (the `holidays` package's subdivisions).
HOLIDAY_SUBDIVISIONS = {
    "57": "57",
    "67": "6AE",
    "68": "6AE",
    "971": "971",
    "972": "972",
    "973": "973",
    "974": "974",
    "976": "976",
}


def month_days(first: dt.date) -> list[dt.date]:
    return [first.replace(day=d) for d in range(1, calendar.monthrange(first.year, first.month)[1] + 1)]


def public_holidays(departement: str, year: int) -> set[dt.date]:
    subdivision = HOLIDAY_SUBDIVISIONS.get(departement)
    return set(holidays.country_holidays("FR", subdiv=subdivision, years=year))


JOURS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def closed_days(days: Iterable[dt.date]) -> dict[dt.date, str]:
    """The days no lieu solidaire opens, with why in French: a public holiday of the whole country, or a weekday no
    active lieu opens (Sunday, as a rule; not judged while there is no lieu). A doctor available on such a day could
    be given no mission. One query."""
    wanted = sorted(set(days))
    if not wanted:
        return {}
    open_weekdays: set[int] = set()
    for jours in LieuSolidaire.objects.filter(actif=True).values_list("jours_ouverture", flat=True):
        open_weekdays.update(jours or ())
    years = range(wanted[0].year, wanted[-1].year + 1)
    national = holidays.country_holidays("FR", years=years, language="fr")  # « Noël », not « Christmas Day »
    closed: dict[dt.date, str] = {}
    for d in wanted:
        if d in national:
            closed[d] = f"jour férié ({national[d]})"
        elif open_weekdays and d.weekday() not in open_weekdays:  # no lieu yet: nothing to judge by
            closed[d] = f"aucun lieu solidaire n'ouvre le {JOURS[d.weekday()]}"
    return closed


def jour_mois(day: dt.date) -> str:
    """« 1er janvier », « 2 janvier »: as French writes a day of the month."""
    return f"{'1er' if day.day == 1 else day.day} {MOIS[day.month - 1]}"


def besoins(lieu: LieuSolidaire, first: dt.date) -> list[dt.date]:
    """The lieu's days needing a doctor in the month: its opening days, public holidays excluded."""
    closed = public_holidays(lieu.commune.departement.code, first.year)
    return [d for d in month_days(first) if d.weekday() in lieu.jours_ouverture and d not in closed]


# --- Disponibilités -----------------------------------------------------------------------------------


def availability_cap(medecin: MedecinVolontaire) -> int:
    return medecin.jours_max_par_mois * int(valeur("dates_proposees_par_jour"))


def declare(
    medecin: MedecinVolontaire, dates: Iterable[dt.date], today: dt.date | None = None
) -> list[Disponibilite]:
    """Adds declared dates; refuses past dates, dates already declared, and more than the monthly cap."""
    today = today or timezone.localdate()
    wanted = sorted(set(dates))
    if medecin.statut == MedecinVolontaire.Statut.SUSPENDU:
        raise ValidationError(
            "Votre inscription est suspendue : vous ne pouvez pas déclarer de disponibilités."
        )
    past = [d for d in wanted if d <= today]
    if past:
        raise ValidationError(
            f"Date passée ou du jour : {past[0]:%d/%m/%Y}. Déclarez des dates à partir de demain."
        )
    last = last_plannable_day(today)
    beyond = [d for d in wanted if d > last]
    if beyond:
        raise ValidationError(
            f"Date invalide : le {beyond[0].day:02d}/{beyond[0].month:02d}/{beyond[0].year:04d} est au-delà de "
            f"l'horizon du planning. Déclarez des dates jusqu'au {last:%d/%m/%Y}."
        )
    closed = closed_days(wanted)
    if closed:
        day, why = min(closed.items())
        raise ValidationError(
            f"Le {day:%d/%m/%Y} ne peut pas être déclaré : {why}, aucune mission n'est possible ce jour-là."
        )
    with transaction.atomic():
        locked = MedecinVolontaire.objects.select_for_update().get(pk=medecin.pk)
        existing = set(locked.disponibilites.values_list("date", flat=True))
        already = [d for d in wanted if d in existing]
        if already:
            raise ValidationError(f"Le {already[0]:%d/%m/%Y} est déjà déclaré.")
        cap = availability_cap(locked)
        per_month: dict[tuple[int, int], int] = defaultdict(int)
        for d in existing | set(wanted):
            per_month[(d.year, d.month)] += 1
        for (year, month), count in sorted(per_month.items()):
            if count > cap and any((d.year, d.month) == (year, month) for d in wanted):
                jours = locked.jours_max_par_mois
                raise ValidationError(
                    f"Au plus {cap} dates par mois ({jours} jour{'s' if jours > 1 else ''} de mission × "
                    f"{valeur('dates_proposees_par_jour')} dates proposées) : ce serait la {count}e en "
                    f"{MOIS[month - 1]} {year}. Retirez d'abord une autre date de ce mois."
                )
        return Disponibilite.objects.bulk_create([Disponibilite(medecin=locked, date=d) for d in wanted])


def withdraw(medecin: MedecinVolontaire, day: dt.date, today: dt.date | None = None) -> None:
    """Withdraws a declared date: not a past one or today's, which are a record (the probe of 6 December deleted
    the availability of a day worked, through a month shown read-only), nor one holding a mission."""
    today = today or timezone.localdate()
    if day <= today:
        raise ValidationError(
            f"Le {day:%d/%m/%Y} est passé ou du jour : une disponibilité passée ne se retire plus."
        )
    if Mission.objects.filter(medecin=medecin, date=day, statut__in=Mission.ACTIVES).exists():
        raise ValidationError(f"Une mission est prévue le {day:%d/%m/%Y} : déclinez-la d'abord.")
    deleted, _ = Disponibilite.objects.filter(medecin=medecin, date=day).delete()
    if not deleted:
        raise ValidationError(f"Le {day:%d/%m/%Y} n'était pas déclaré.")


# --- From the database to an optimiser instance ----------------------------------------------------


@dataclass
class RegionInstance:
    instance: optimizer.Instance
    medecins: dict[str, MedecinVolontaire]
    lieux: dict[str, LieuSolidaire]


def km_for_minutes(minutes: int) -> float:
    """The travel limit as the optimiser's great-circle distance, at the platform's crow-fly speed."""
    return minutes / 60.0 * straight_line_kmh()


def allowed_pairs(
    volunteers: list[optimizer.Volunteer], sites: list[optimizer.Site], limit_minutes: dict[str, int]
) -> frozenset[tuple[str, str]]:
    """(volunteer, lieu) pairs whose travel time, by the provider the settings choose (crow-fly by
    default, OSRM when configured), is within the volunteer's limit: the planner's reach (issue 23)."""
    if not volunteers or not sites:
        return frozenset()
    minutes = provider_from_settings().matrix_minutes(
        np.array([v.lat for v in volunteers]),
        np.array([v.lon for v in volunteers]),
        np.array([s.lat for s in sites]),
        np.array([s.lon for s in sites]),
    )
    limits = np.array([limit_minutes[v.id] for v in volunteers], dtype=np.float64)
    rows, cols = np.nonzero(minutes <= limits[:, None])
    return frozenset((volunteers[int(r)].id, sites[int(c)].id) for r, c in zip(rows, cols, strict=True))


def build_instance(region: Region, first: dt.date, today: dt.date | None = None) -> RegionInstance:
    """Lieux of the region with their needs (minus places already taken by active missions); every
    plannable volunteer with declared dates that month (minus days and quota already taken). Only the days
    after today: a solve of the current month proposed its past days, which no volunteer can accept."""
    tomorrow = (today or timezone.localdate()) + dt.timedelta(days=1)
    campagne = zonage.active_campaign()
    # Priority is the zone's fragility, not a vote's share (ADR 0021): with a vote, a zone its ARS added
    # has a share of 0 and would never be staffed. A campaign without a vote has one score (migration 0003
    # copied it); a vote campaign saved before 0003 gets its fragility when recomputed (save_campaign fills
    # it), its share standing in until then.
    scores = (
        dict(
            campagne.resultats.annotate(priorite=Coalesce("score_fragilite", "score")).values_list(
                "epci_id", "priorite"
            )
        )
        if campagne
        else {}
    )
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    # Days already done (« réalisée ») count against the month's cap too: planning the current month gave a
    # doctor who had worked their 2 days 2 more, which the statement then held unpaid.
    month = Mission.objects.filter(
        date__range=(first, last), statut__in=(*Mission.ACTIVES, Mission.Statut.REALISEE)
    )
    taken_places: dict[tuple[int, dt.date], int] = defaultdict(int)
    taken_days: dict[int, set[dt.date]] = defaultdict(set)
    for lieu_id, medecin_id, day, statut in month.values_list("lieu_id", "medecin_id", "date", "statut"):
        if statut in Mission.ACTIVES:
            taken_places[(lieu_id, day)] += 1
        taken_days[medecin_id].add(day)
    national_cap = entier(
        "jours_max_par_mois", first
    )  # the cap in force that month, whatever the profile says
    lieux = list(
        LieuSolidaire.objects.filter(actif=True, commune__departement__region=region).select_related(
            "commune__departement"
        )
    )
    sites = []
    for lieu in lieux:
        needed = tuple(
            d for d in besoins(lieu, first) if d >= tomorrow and taken_places[(lieu.pk, d)] < lieu.salles
        )
        reduced = tuple(
            (d, lieu.salles - taken_places[(lieu.pk, d)]) for d in needed if taken_places[(lieu.pk, d)]
        )
        if needed:
            priority = float(scores.get(lieu.epci_id) or 0.0)
            sites.append(
                optimizer.Site(
                    str(lieu.pk), lieu.latitude, lieu.longitude, priority, lieu.salles, needed, reduced
                )
            )
    medecins = list(
        MedecinVolontaire.objects.filter(statut__in=PLANNABLE, disponibilites__date__range=(first, last))
        .distinct()
        .select_related("commune")
    )
    dispo: dict[int, list[dt.date]] = defaultdict(list)
    for medecin_id, day in Disponibilite.objects.filter(
        medecin__in=medecins, date__range=(first, last)
    ).values_list("medecin_id", "date"):
        if day >= tomorrow and day not in taken_days[medecin_id]:
            dispo[medecin_id].append(day)
    volunteers = []
    for m in medecins:
        remaining = min(m.jours_max_par_mois, national_cap) - len(taken_days[m.pk])
        if remaining > 0 and dispo[m.pk] and m.commune.latitude is not None:
            volunteers.append(
                optimizer.Volunteer(
                    str(m.pk),
                    m.commune.latitude,
                    m.commune.longitude,
                    remaining,
                    km_for_minutes(m.trajet_max_minutes),
                    tuple(sorted(dispo[m.pk])),
                    m.block_days,
                )
            )
    # A lieu the volunteer declined on a day is never proposed to them that day again, whether the day stayed
    # among their disponibilités (« disponible pour un autre lieu ») or was declared anew since.
    declined = {
        (str(medecin_id), str(lieu_id), day)
        for medecin_id, lieu_id, day in Mission.objects.filter(
            Q(transitions__de=Mission.Statut.PROPOSEE, transitions__vers=Mission.Statut.ANNULEE)
            | Q(reste_disponible__isnull=False),  # declined, or withdrawn from by the volunteer
            date__range=(max(first, tomorrow), last),
            statut=Mission.Statut.ANNULEE,
        ).values_list("medecin_id", "lieu_id", "date")
    }
    history = {
        (str(medecin_id), str(lieu_id))
        for medecin_id, lieu_id in Mission.objects.filter(
            statut__in=(Mission.Statut.CONFIRMEE, Mission.Statut.REALISEE), date__lt=first
        ).values_list("medecin_id", "lieu_id")
    }
    volunteer_ids, site_ids = {v.id for v in volunteers}, {s.id for s in sites}
    history = {(v, s) for v, s in history if v in volunteer_ids and s in site_ids}
    instance = optimizer.Instance(
        first.year,
        first.month,
        tuple(volunteers),
        tuple(sites),
        frozenset(history),
        allowed=allowed_pairs(volunteers, sites, {str(m.pk): m.trajet_max_minutes for m in medecins}),
        excluded=frozenset((v, s, d) for v, s, d in declined if v in volunteer_ids and s in site_ids),
    )
    return RegionInstance(instance, {str(m.pk): m for m in medecins}, {str(lieu.pk): lieu for lieu in lieux})


# --- Planning runs --------------------------------------------------------------------------------


PLANNING_TIME_LIMIT_S = 20.0
# A run still queued or computing after this long is taken as lost (worker stopped): a new solve may replace it.
PLANNING_STALE_AFTER = dt.timedelta(minutes=10)


def queue_planning(region: Region, first: dt.date, user: Any) -> PlanningRun:
    """Queues the solve of a region's month for the worker (planning/tasks.py) and answers at once.

    One transaction: the finished draft of that month is replaced by a run « en file », and the task
    is queued with it. Refused while another solve of the same month is queued or computing."""
    from solidarite.planning.tasks import calculer_planning

    acces.check_region(user, region)
    check_plannable(first)
    with transaction.atomic():
        month = PlanningRun.objects.select_for_update().filter(region=region, mois=first)
        pending = [r for r in month if r.calcul in PlanningRun.EN_ATTENTE]
        if any(r.cree_le > timezone.now() - PLANNING_STALE_AFTER for r in pending):
            raise ValidationError(
                "Un calcul de ce mois est déjà en file ou en cours : son résultat s'affichera ici."
            )
        month.filter(statut=PlanningRun.Statut.BROUILLON).delete()
        run = PlanningRun.objects.create(
            region=region, mois=first, cree_par=user, calcul=PlanningRun.Calcul.EN_FILE
        )
        calculer_planning.enqueue(run.pk)
    return run


def cancel_planning(run: PlanningRun, user: Any) -> None:
    """Cancels a solve still queued or computing: its run goes, nothing else is written.

    The previous published plan of the month stays (only the new solve disappears). A worker that was
    computing it finds the run gone when it saves (`compute_planning`) and discards its result; a queued
    task finds nothing to claim. Refused once the solve is finished (then the draft is deleted or published)."""
    acces.check_region(user, run.region)
    with transaction.atomic():
        locked = PlanningRun.objects.select_for_update().filter(pk=run.pk).first()
        if locked is None or locked.calcul not in PlanningRun.EN_ATTENTE:
            raise ValidationError("Ce calcul n'est plus en file ni en cours : il n'y a rien à annuler.")
        locked.delete()


_ETAPES = {
    "arcs": PlanningRun.Etape.ARCS,
    "résolution": PlanningRun.Etape.RESOLUTION,
    "trajets": PlanningRun.Etape.TRAJETS,
}


def _progress_writer(run_id: int) -> Callable[[str, float | None], None]:
    """The optimiser's progress callback for a run: each stage, and the best bound known so far, written to
    its row at once (autocommit: the ARS page, polling, sees them while the solve runs)."""

    def report(stage: str, bound: float | None) -> None:
        fields: dict[str, Any] = {"calcul_etape": _ETAPES[stage]}
        if bound is not None:
            fields["calcul_borne"] = bound
        PlanningRun.objects.filter(pk=run_id, calcul=PlanningRun.Calcul.EN_COURS).update(**fields)

    return report


def compute_planning(run_id: int, time_limit_s: float = PLANNING_TIME_LIMIT_S) -> dict[str, Any]:
    """Solves a queued run: « en cours » while the optimiser works — its stage (« arcs », « résolution »,
    « trajets ») and best known bound written as they come — then its result and propositions
    (« terminé »), or « échec » with the reason. A run deleted or already taken meanwhile is left alone."""
    claimed = PlanningRun.objects.filter(pk=run_id, calcul=PlanningRun.Calcul.EN_FILE).update(
        calcul=PlanningRun.Calcul.EN_COURS, calcul_commence_le=timezone.now()
    )
    if not claimed:
        return {"calcul": "ignoré : planning supprimé ou déjà pris"}
    run = PlanningRun.objects.select_related("region").get(pk=run_id)
    progress = _progress_writer(run_id)
    try:
        progress("arcs", None)
        data = build_instance(run.region, run.mois)
        solution = optimizer.solve(data.instance, time_limit_s, progress=progress)
        baseline = optimizer.first_come_first_served(data.instance)
    except Exception as exc:
        PlanningRun.objects.filter(pk=run_id).update(
            calcul=PlanningRun.Calcul.ECHEC, calcul_erreur=str(exc) or type(exc).__name__
        )
        raise
    with transaction.atomic():
        locked = PlanningRun.objects.select_for_update().filter(pk=run_id).first()
        if locked is None:
            return {"calcul": "ignoré : planning supprimé pendant le calcul"}
        names = {k: str(v) for k, v in data.medecins.items()}
        locked.resultat = {
            **{k: v for k, v in solution.as_dict().items() if k != "assignments"},
            "fcfs_priorite": baseline.priority_total,
            # Rotation requests that cannot be planned, each with its reason, the doctor named.
            "series_impossibles": [
                f"{names.get(who, who)} : {why}"
                for who, why in (r.split(" : ", 1) for r in solution.details.get("series_impossibles", []))
            ],
        }
        locked.calcul = PlanningRun.Calcul.TERMINE
        locked.calcul_borne = solution.bound
        locked.save(update_fields=["resultat", "calcul", "calcul_borne"])
        Proposition.objects.bulk_create(
            [
                Proposition(run=locked, medecin_id=int(a.volunteer), lieu_id=int(a.site), date=a.date)
                for a in solution.assignments
            ]
        )
    return {"propositions": len(solution.assignments), "optimal": solution.optimal}


def run_planning(
    region: Region, first: dt.date, user: Any, time_limit_s: float = PLANNING_TIME_LIMIT_S
) -> PlanningRun:
    """A solve in the calling process (the command line, tests): the same row and steps as the task."""
    acces.check_region(user, region)
    check_plannable(first)
    run = PlanningRun.objects.create(
        region=region, mois=first, cree_par=user, calcul=PlanningRun.Calcul.EN_FILE
    )
    compute_planning(run.pk, time_limit_s)
    run.refresh_from_db()
    return run


def violations(run: PlanningRun, today: dt.date | None = None) -> list[str]:
    """What the draft breaks today: a day now past (a draft computed yesterday, published today), then what
    `optimizer.check` finds against today's declarations, needs and missions."""
    today = today or timezone.localdate()
    data = build_instance(run.region, run.mois, today)
    propositions = list(run.propositions.select_related("medecin", "lieu"))
    problems = [
        f"{p.medecin} le {p.date:%d/%m/%Y} : ce jour est passé ou c'est aujourd'hui ; retirez ou déplacez "
        "cette affectation."
        for p in propositions
        if p.date <= today
    ]
    # The optimiser's messages name its ids: the check runs on the instance renamed to the doctors' and lieux'
    # names (a doctor and a lieu of the same number were confused when the ids were replaced in the text).
    doctors = _distinct(
        {str(p.medecin_id): str(p.medecin) for p in propositions}
        | {k: str(v) for k, v in data.medecins.items()}
    )
    lieux = _distinct(
        {str(p.lieu_id): p.lieu.nom for p in propositions} | {k: v.nom for k, v in data.lieux.items()}
    )
    assignments = [
        optimizer.Assignment(doctors[str(p.medecin_id)], lieux[str(p.lieu_id)], p.date)
        for p in propositions
        if p.date > today
    ]
    return problems + optimizer.check(optimizer.relabel(data.instance, doctors, lieux), assignments)


def _distinct(names: dict[str, str]) -> dict[str, str]:
    """Each id's name, with its number when another id has the same name (two « Dr Martin »)."""
    counts = Counter(names.values())
    return {key: name if counts[name] == 1 else f"{name} (n° {key})" for key, name in names.items()}


def _editable(run: PlanningRun, user: Any) -> None:
    acces.check_region(user, run.region)
    if run.statut != PlanningRun.Statut.BROUILLON:
        raise ValidationError("Ce planning est déjà publié : modifiez les missions elles-mêmes.")
    if run.calcul != PlanningRun.Calcul.TERMINE:
        raise ValidationError("Le calcul de ce planning n'est pas terminé.")


def remove_proposition(proposition: Proposition, user: Any) -> None:
    _editable(proposition.run, user)
    proposition.delete()


def move_proposition(proposition: Proposition, lieu: LieuSolidaire, day: dt.date, user: Any) -> Proposition:
    """Moves an assignment to another lieu and/or day; refused (nothing changed) if any constraint breaks."""
    _editable(proposition.run, user)
    with transaction.atomic():
        proposition.lieu, proposition.date = lieu, day
        try:
            with transaction.atomic():
                proposition.save()
        except IntegrityError:
            raise ValidationError(
                f"{proposition.medecin} a déjà une affectation le {day:%d/%m/%Y}."
            ) from None
        problems = violations(proposition.run)
        if problems:
            transaction.set_rollback(True)
            raise ValidationError(["Déplacement refusé :", *problems[:5]])
    return proposition


def publish(run: PlanningRun, user: Any) -> list[Mission]:
    """Creates the missions (« proposée ») and e-mails each volunteer an iCalendar invitation. A draft whose
    month has left the planning horizon (passed) is not published: its missions would be in the past."""
    _editable(run, user)
    check_plannable(run.mois)
    problems = violations(run)
    if problems:
        raise ValidationError(
            ["Publication refusée, le planning ne respecte plus toutes les contraintes :", *problems[:5]]
        )
    with transaction.atomic():
        locked = PlanningRun.objects.select_for_update().get(pk=run.pk)
        if locked.statut != PlanningRun.Statut.BROUILLON:
            raise ValidationError("Ce planning vient d'être publié.")
        missions = []
        try:
            with transaction.atomic():
                for p in run.propositions.select_related("medecin", "lieu"):
                    mission = Mission.objects.create(medecin=p.medecin, lieu=p.lieu, date=p.date, run=run)
                    MissionTransition.objects.create(
                        mission=mission,
                        vers=Mission.Statut.PROPOSEE,
                        par=user,
                        commentaire="Publication du planning",
                    )
                    missions.append(mission)
        except IntegrityError:
            raise ValidationError(
                "Un médecin a reçu entre-temps une autre mission le même jour : recalculez le planning."
            ) from None
        locked.statut = PlanningRun.Statut.PUBLIE
        locked.publie_le = timezone.now()
        locked.save(update_fields=["statut", "publie_le"])
        transaction.on_commit(lambda: send_invitations(missions))
    run.statut = PlanningRun.Statut.PUBLIE
    return missions
