"""What the demonstration generators (`demo`, `demo_continuite`, `demo_indemnisation`) must leave true of every
doctor and every mission, whatever day they run: the data the real flow could have made.

`incoherences()` lists, in French, each mission or doctor that breaks a rule; the tests assert it is empty. A
reviewer found demo doctors with missions on days they had not declared, and a November mission still
« confirmée »: the generators wrote missions that no declaration, transition or confirmation led to."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Q
from django.utils import timezone

from solidarite.annuaire.models import MedecinVolontaire
from solidarite.indemnisation.models import JourRealise, JourRetire, Releve
from solidarite.planning.models import Disponibilite, Mission
from solidarite.planning.services import availability_cap, besoins, closed_days, km_for_minutes
from solidarite.territoire.travel import haversine_km

DEMO = Q(medecin__demonstration=True) | Q(lieu__demonstration=True)


def _mission(m: Mission) -> str:
    return f"mission {m.pk} ({m.medecin.nom}, {m.lieu.nom}, {m.date:%d/%m/%Y}, {m.statut})"


def _transitions(m: Mission) -> list[str]:
    """The mission's life as its transitions tell it: none made out of nothing, each from the state the previous
    one led to, the last to its state (decisions: state changes only through explicit transitions)."""
    steps = sorted(m.transitions.all(), key=lambda t: (t.le, t.pk))
    if not steps:
        return [f"{_mission(m)} : aucune transition"]
    found = []
    previous = ""
    for t in steps:
        if t.de != previous:
            found.append(f"{_mission(m)} : transition {t.de or '—'} → {t.vers} après « {previous or '—'} »")
        previous = t.vers
    if previous != m.statut:
        found.append(f"{_mission(m)} : la dernière transition mène à « {previous} »")
    return found


def incoherences(today: dt.date | None = None) -> list[str]:
    """Every broken rule of the demonstration missions and disponibilités, one French line each."""
    today = today or timezone.localdate()
    missions = list(
        Mission.objects.filter(DEMO)
        .select_related("medecin__commune", "lieu__commune__departement")
        .prefetch_related("transitions")
        .order_by("date", "pk")
    )
    declared: dict[int, set[dt.date]] = defaultdict(set)
    for medecin_id, day in Disponibilite.objects.filter(medecin__demonstration=True).values_list(
        "medecin_id", "date"
    ):
        declared[medecin_id].add(day)
    realised = set(JourRealise.objects.values_list("mission_id", flat=True))
    withdrawn = set(JourRetire.objects.values_list("mission_id", flat=True))
    held = {m for r in Releve.objects.all() for a in r.anomalies for m in a["missions"]}
    found: list[str] = []
    active: dict[tuple[int, dt.date], list[Mission]] = defaultdict(list)
    per_month: dict[tuple[int, dt.date], list[Mission]] = defaultdict(list)
    opening: dict[tuple[int, dt.date], set[dt.date]] = {}
    for m in missions:
        found.extend(_transitions(m))
        month = m.date.replace(day=1)
        if m.statut != Mission.Statut.ANNULEE:
            active[(m.medecin_id, m.date)].append(m)
            per_month[(m.medecin_id, month)].append(m)
            if m.date not in declared[m.medecin_id]:
                found.append(f"{_mission(m)} : jour non déclaré disponible par le médecin")
        if (m.lieu_id, month) not in opening:
            opening[(m.lieu_id, month)] = set(besoins(m.lieu, month))
        if m.date not in opening[(m.lieu_id, month)]:
            found.append(f"{_mission(m)} : le lieu n'ouvre pas ce jour-là (fermeture ou jour férié)")
        km = float(
            haversine_km(
                m.medecin.commune.latitude, m.medecin.commune.longitude, m.lieu.latitude, m.lieu.longitude
            )
        )
        if km > km_for_minutes(m.medecin.trajet_max_minutes):
            found.append(
                f"{_mission(m)} : {km:.0f} km, au-delà du trajet du médecin ({m.medecin.trajet_max_minutes} min)"
            )
        # The state the real flow gives a mission by its day (planning.lifecycle, indemnisation.confirmer_jour):
        # ahead, proposed or confirmed; réalisée only after its day, and then with its realised day (or the ARS's
        # withdrawal of it); a realised day only on a réalisée mission.
        if m.date > today and m.statut not in Mission.ACTIVES:
            found.append(f"{_mission(m)} : « {m.statut} » avant son jour")
        if m.statut == Mission.Statut.REALISEE and m.pk not in realised | withdrawn:
            found.append(f"{_mission(m)} : réalisée sans journée réalisée confirmée")
        if m.pk in realised and m.statut != Mission.Statut.REALISEE:
            found.append(f"{_mission(m)} : journée réalisée sur une mission « {m.statut} »")
    for same_day in active.values():
        if len(same_day) > 1:
            found.append(
                f"{len(same_day)} missions le même jour : {', '.join(_mission(m) for m in same_day)}"
            )
    medecins = {m.pk: m for m in MedecinVolontaire.objects.filter(demonstration=True)}
    for (medecin_id, month), days in per_month.items():
        cap = medecins[medecin_id].jours_max_par_mois
        # over the cap only as the statements' anomaly (demo_indemnisation's few third days, held for the ARS)
        if len(days) > cap and not any(m.pk in held for m in days):
            found.append(
                f"{len(days)} jours de mission en {month:%m/%Y} (plafond {cap}) : {_mission(days[0])}…"
            )
    closed = closed_days({d for days in declared.values() for d in days})
    for medecin_id, days in declared.items():
        counts: dict[dt.date, int] = defaultdict(int)
        for d in days:
            counts[d.replace(day=1)] += 1
            if d in closed:
                found.append(f"disponibilité de {medecins[medecin_id].nom} le {d:%d/%m/%Y} : {closed[d]}")
        cap = availability_cap(medecins[medecin_id])
        for month, n in counts.items():
            if n > cap:
                found.append(
                    f"{n} disponibilités de {medecins[medecin_id].nom} en {month:%m/%Y} (au plus {cap})"
                )
    return found


def past_unconfirmed(today: dt.date | None = None) -> list[Mission]:
    """The demonstration missions whose day is over and not yet confirmed as realised: still « confirmée », as
    the real flow leaves a day its doctor has not confirmed (the ARS sees it after the delay)."""
    today = today or timezone.localdate()
    return list(
        Mission.objects.filter(DEMO, statut=Mission.Statut.CONFIRMEE, date__lt=today).select_related(
            "medecin", "lieu"
        )
    )
