"""Coverage and activity of the mission, per zone, département, region and month (issue 24, point 1).

Read-only over every context below pilotage. The figures come from a constant number of GROUP BY queries (about
a dozen, whatever the number of zones, lieux or months: `bench/pilotage.py` counts them); the roll-ups by zone,
département, region and month are done here in Python over those few rows. A zone is an EPCI of the active
campaign's final list; it belongs to the département where most of its population lives (one zone, one
département, so that the needed site-days add up). Lieux, missions, appointments, results and the indemnities
paid for a day belong to the département of the lieu's commune (and to its zone); registered and validated
volunteers to that of their home commune. So every figure of a row but those two is the lieux' of that row, and a
region's row adds up its départements'.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
from django.conf import settings
from django.db.models import Count, Q, Sum
from django.utils import timezone

from solidarite import parametres
from solidarite.annuaire.models import LieuSolidaire, MedecinVolontaire
from solidarite.continuite import services as continuite
from solidarite.continuite.models import ResultatAttendu
from solidarite.indemnisation.models import LigneReleve, Releve
from solidarite.mois import add_months
from solidarite.pilotage import agregation
from solidarite.pilotage.colonnes import LINKED, PEOPLE
from solidarite.planning.models import Mission
from solidarite.rdv import services as rdv
from solidarite.rdv.creneaux import Hours, day_slots
from solidarite.rdv.models import HorairesConsultation, RendezVous
from solidarite.territoire.models import Commune, Departement, Epci
from solidarite.territoire.providers import provider_with_fallback
from solidarite.territoire.travel import pairs_between
from solidarite.zonage import services as zonage
from solidarite.zonage.models import Campagne

BOOKED = [s for s in RendezVous.Statut.values if s != RendezVous.Statut.ANNULE]
# A contested statement was validated (and perhaps paid) before: its money counts until an adjustment corrects it.
VALIDATED = [Releve.Statut.VALIDE, Releve.Statut.TRANSMIS, Releve.Statut.PAYE, Releve.Statut.CONTESTE]
COVERED = [Mission.Statut.PROPOSEE, Mission.Statut.CONFIRMEE, Mission.Statut.REALISEE]
FREE_SLOT_HORIZON_DAYS = 90
NOT_PER_ZONE = ("volontaires_inscrits", "volontaires_valides")
NOT_PER_MONTH = ("volontaires_inscrits", "volontaires_valides", "resultats_ouverts", "resultats_en_retard")


@dataclass(frozen=True)
class Filtre:
    """What the dashboard shows: a month range and at most one of region, département, zone (codes checked)."""

    du: dt.date
    au: dt.date
    region: str = ""
    departement: str = ""
    zone: str = ""

    @property
    def months(self) -> list[dt.date]:
        return agregation.months(self.du, self.au)

    @property
    def end(self) -> dt.date:
        return add_months(self.au, 1)


@dataclass
class Tableau:
    filtre: Filtre
    campagne: Campagne | None
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    total: dict[str, Any] = field(default_factory=dict)
    masked: bool = False


# --- The reference rows: zones, départements, lieux -----------------------------------------------------------


def departements() -> dict[str, dict[str, str]]:
    return {
        d["code"]: {"nom": d["nom"], "region": d["region__code"], "region_nom": d["region__nom"]}
        for d in Departement.objects.values("code", "nom", "region__code", "region__nom")
    }


def zones(campagne: Campagne | None) -> dict[int, dict[str, Any]]:
    """The final zones of the campaign by EPCI id, each with its main département (most population).

    Kept in the process (~40 ms of GROUP BY on SQLite) under a key that a reload of the zones or the territory
    changes: the final SIRENs and the id and name of their EPCI, read each time (`load_territoire` writes in bulk,
    with no signal). A commune moved, or a population, is read again after `SOLIDARITE_PILOTAGE_TTL_S` s."""
    if campagne is None:
        return {}
    sirens = frozenset(zonage.final_sirens(campagne))
    epcis = tuple(Epci.objects.filter(siren__in=sirens).order_by("pk").values_list("pk", "nom"))
    ttl = float(settings.SOLIDARITE_PILOTAGE_TTL_S)
    key = (sirens, epcis)
    now = _clock()
    hit = _ZONES.get(key)
    if hit is not None and now - hit[0] < ttl:
        return hit[1]
    value = _read_zones(sirens)
    _ZONES.clear()  # one state of the zones at a time: an older key is a reload ago
    if ttl > 0:
        _ZONES[key] = (now, value)
    return value


_clock = time.monotonic  # the tests move it
_ZONES: dict[tuple[frozenset[str], tuple[tuple[int, str], ...]], tuple[float, dict[int, dict[str, Any]]]] = {}


def _read_zones(sirens: frozenset[str]) -> dict[int, dict[str, Any]]:
    best: dict[int, dict[str, Any]] = {}
    rows = (
        Commune.objects.filter(epci__siren__in=sirens, commune_parente__isnull=True)
        .values("epci_id", "epci__siren", "epci__nom", "departement__code")
        .annotate(population=Sum("population"))
    )
    for r in rows:
        current = best.get(r["epci_id"])
        if current is None or (r["population"] or 0) > current["population"]:
            best[r["epci_id"]] = {
                "siren": r["epci__siren"],
                "nom": r["epci__nom"],
                "departement": r["departement__code"],
                "population": r["population"] or 0,
            }
    return best


def _lieu_filter(filtre: Filtre, prefix: str, zone_ids: Iterable[int]) -> Q:
    """The rows whose lieu (at `prefix`) is in the filter's scope."""
    if filtre.zone:
        return Q(**{f"{prefix}epci_id__in": list(zone_ids)})
    if filtre.departement:
        return Q(**{f"{prefix}commune__departement__code": filtre.departement})
    if filtre.region:
        return Q(**{f"{prefix}commune__departement__region__code": filtre.region})
    return Q()


def _slots_per_day(horaires: dict[int, Hours], lieu_id: int) -> int:
    hours = horaires.get(lieu_id, Hours())
    return len(day_slots(dt.date(2026, 1, 5), hours, dt.UTC))


# --- The figures ----------------------------------------------------------------------------------------------


class _Acc:
    """The sums and sets of one row (a zone, a département, a region, a month, or the total)."""

    __slots__ = ("counts", "delays", "doctors", "lieux", "paid_doctors", "zone_ids")

    def __init__(self) -> None:
        self.counts: dict[str, float] = defaultdict(float)
        self.doctors: set[int] = set()
        self.paid_doctors: set[int] = set()
        self.zone_ids: set[int] = set()
        self.lieux: set[int] = set()
        self.delays: list[float] = []


def compute(filtre: Filtre, today: dt.date | None = None) -> Tableau:
    """Every table of the dashboard for the filter, unmasked (the caller masks for the public)."""
    today = today or timezone.localdate()
    campagne = zonage.active_campaign()
    depts = departements()
    all_zones = zones(campagne)
    if filtre.zone:
        scoped_zones = {k: z for k, z in all_zones.items() if z["siren"] == filtre.zone}
    elif filtre.departement:
        scoped_zones = {k: z for k, z in all_zones.items() if z["departement"] == filtre.departement}
    elif filtre.region:
        scoped_zones = {
            k: z for k, z in all_zones.items() if depts[z["departement"]]["region"] == filtre.region
        }
    else:
        scoped_zones = all_zones
    lieu_q = _lieu_filter(filtre, "", scoped_zones)
    lieux = {
        row["id"]: row
        for row in LieuSolidaire.objects.filter(lieu_q).values(
            "id", "epci_id", "actif", "commune__departement__code"
        )
    }
    horaires = {h.lieu_id: h.hours() for h in HorairesConsultation.objects.filter(lieu_id__in=list(lieux))}
    slots_per_day = {lieu_id: _slots_per_day(horaires, lieu_id) for lieu_id in lieux}
    end = filtre.end
    months = filtre.months

    accs: dict[tuple[str, Any], _Acc] = defaultdict(_Acc)

    by_lieu: dict[int, list[_Acc]] = {}
    for lieu_id, lieu in lieux.items():
        dept = lieu["commune__departement__code"]
        by_lieu[lieu_id] = [
            accs[("departements", dept)],
            accs[("regions", depts[dept]["region"])],
            accs[("total", "")],
        ]
        if lieu["epci_id"] in scoped_zones:
            by_lieu[lieu_id].append(accs[("zones", lieu["epci_id"])])

    def targets(lieu_id: int, month: dt.date | None) -> list[_Acc]:
        """The rows a lieu's figures add to: its département, region, zone (if a zone of the scope), the total,
        and the month's row."""
        out = by_lieu.get(lieu_id, [])
        return [*out, accs[("mois", month)]] if month is not None and out else out

    # Zones and what they need: one site-day per zone and working day (the 151 × 250 aim), in whole days a month
    # (21 or 20), so that zones, départements, regions and months add up exactly (250 / 12 a month, rounded row by
    # row, made a region 1 day off the sum of its départements over a quarter).
    per_year = parametres.entier("jours_ouvres_par_an", filtre.au)
    needed = {month: agregation.needed_in_month(per_year, month.month) for month in months}
    needed_in_range = sum(needed.values())
    for zone_id, z in scoped_zones.items():
        dept = z["departement"]
        for acc in (
            accs[("zones", zone_id)],
            accs[("departements", dept)],
            accs[("regions", depts[dept]["region"])],
            accs[("total", "")],
        ):
            acc.zone_ids.add(zone_id)
            acc.counts["jours_necessaires"] += needed_in_range
        for month in months:
            accs[("mois", month)].zone_ids.add(zone_id)
            accs[("mois", month)].counts["jours_necessaires"] += needed[month]
    for lieu_id, lieu in lieux.items():
        if lieu["actif"]:
            for acc in targets(lieu_id, None):
                acc.lieux.add(lieu_id)
            for month in months:
                accs[("mois", month)].lieux.add(lieu_id)

    # Missions: site-days covered, slots offered, doctors who came.
    site_days: set[tuple[int, dt.date]] = set()
    missions = Mission.objects.filter(
        _lieu_filter(filtre, "lieu__", scoped_zones),
        statut__in=COVERED,
        date__gte=filtre.du,
        date__lt=end,
    ).values_list("lieu_id", "medecin_id", "date")
    for lieu_id, medecin_id, day in missions:
        month = day.replace(day=1)
        new_day = (lieu_id, day) not in site_days
        site_days.add((lieu_id, day))
        slots = slots_per_day[lieu_id]
        for acc in targets(lieu_id, month):
            acc.counts["jours_couverts"] += 1 if new_day else 0
            acc.counts["creneaux_offerts"] += slots
            acc.doctors.add(medecin_id)

    # Appointments by lieu, day of their mission and status (the mission's date: a plain date column, no
    # per-row date function), summed by month here.
    rdvs = (
        RendezVous.objects.filter(
            _lieu_filter(filtre, "lieu__", scoped_zones),
            mission__date__gte=filtre.du,
            mission__date__lt=end,
        )
        .values("lieu_id", "mission__date", "statut")
        .annotate(n=Count("id"))
        .order_by()
    )
    for r in rdvs:
        for acc in targets(r["lieu_id"], r["mission__date"].replace(day=1)):
            if r["statut"] in BOOKED:
                acc.counts["rdv_reserves"] += r["n"]
            if r["statut"] == RendezVous.Statut.VU:
                acc.counts["rdv_honores"] += r["n"]
            if r["statut"] == RendezVous.Statut.ABSENT:
                acc.counts["rdv_absents"] += r["n"]

    # Indemnities validated and paid, line by line at the lieu of the day each line pays, in its statement's month:
    # the attribution of the days and appointments, so that a département's money is that of the days worked
    # there and a region's row is the sum of its départements'. The paying CPAM (the doctor's département, maybe
    # in another region) is indemnisation's business: its files per CPAM, never a row here.
    lignes = (
        LigneReleve.objects.filter(
            _lieu_filter(filtre, "mission__lieu__", scoped_zones),
            releve__mois__gte=filtre.du,
            releve__mois__lte=filtre.au,
            releve__statut__in=VALIDATED,
        )
        .values("mission__lieu_id", "releve__mois", "releve__medecin_id")
        .annotate(validees=Sum("montant"), payees=Sum("montant", filter=Q(releve__paye_le__isnull=False)))
        .order_by()
    )
    for r in lignes:
        for acc in targets(r["mission__lieu_id"], r["releve__mois"]):
            acc.counts["indemnites_validees"] += float(r["validees"] or Decimal(0))
            # paid, contested since or not
            acc.counts["indemnites_payees"] += float(r["payees"] or Decimal(0))
            acc.paid_doctors.add(r["releve__medecin_id"])

    # Résultats attendus open and overdue today, by lieu (a state, not a flow: not split by month).
    limit = continuite.echeance_limite(today)
    resultats = (
        ResultatAttendu.objects.filter(
            _lieu_filter(filtre, "lieu__", scoped_zones), statut=ResultatAttendu.Statut.OUVERT
        )
        .values("lieu_id")
        .annotate(ouverts=Count("id"), en_retard=Count("id", filter=Q(date_prevue__lt=limit)))
    )
    for r in resultats:
        for acc in targets(r["lieu_id"], None):
            acc.counts["resultats_ouverts"] += r["ouverts"]
            acc.counts["resultats_en_retard"] += r["en_retard"]

    # Delay to the first free slot from each commune of the zones, as a patient searching from it sees it (rdv's
    # search): the soonest free slot (rdv's slot rules) among the lieux within an hour by road (the travel provider
    # of the settings), of any zone, in days from now; the median over the communes of the zone, the département,
    # the region. No lieu within an hour, or no free slot within the horizon, counts as the horizon.
    _commune_delays(scoped_zones, depts, accs, today)

    # Volunteers by home département and status (registered before the end of the range).
    if not filtre.zone:
        vq = Q(cree_le__lt=dt.datetime.combine(end, dt.time(), tzinfo=timezone.get_current_timezone()))
        if filtre.departement:
            vq &= Q(commune__departement__code=filtre.departement)
        elif filtre.region:
            vq &= Q(commune__departement__region__code=filtre.region)
        volontaires = (
            MedecinVolontaire.objects.filter(vq)
            .values("commune__departement__code", "statut")
            .annotate(n=Count("id"))
        )
        valid = {MedecinVolontaire.Statut.VALIDE, MedecinVolontaire.Statut.ACTIF}
        for r in volontaires:
            dept = r["commune__departement__code"]
            for acc in (
                accs[("departements", dept)],
                accs[("regions", depts[dept]["region"])],
                accs[("total", "")],
            ):
                acc.counts["volontaires_inscrits"] += r["n"]
                if r["statut"] in valid:
                    acc.counts["volontaires_valides"] += r["n"]

    return _rows(filtre, campagne, accs, scoped_zones, depts)


def _finish(acc: _Acc) -> dict[str, Any]:
    c = acc.counts
    row: dict[str, Any] = {
        "zones": len(acc.zone_ids),
        "lieux_actifs": len(acc.lieux),
        "jours_necessaires": int(c["jours_necessaires"]),
        "jours_couverts": int(c["jours_couverts"]),
        "volontaires_inscrits": int(c["volontaires_inscrits"]),
        "volontaires_valides": int(c["volontaires_valides"]),
        "volontaires_actifs": len(acc.doctors),
        "creneaux_offerts": int(c["creneaux_offerts"]),
        "rdv_reserves": int(c["rdv_reserves"]),
        "rdv_honores": int(c["rdv_honores"]),
        "rdv_absents": int(c["rdv_absents"]),
        "resultats_ouverts": int(c["resultats_ouverts"]),
        "resultats_en_retard": int(c["resultats_en_retard"]),
        "indemnites_validees": round(c["indemnites_validees"], 2),
        "indemnites_payees": round(c["indemnites_payees"], 2),
        "_medecins_indemnises": len(acc.paid_doctors),
    }
    row["taux_couverture"] = agregation.rate(row["jours_couverts"], row["jours_necessaires"])
    row["taux_remplissage"] = agregation.rate(row["rdv_reserves"], row["creneaux_offerts"])
    row["delai_premier_creneau"] = agregation.median(acc.delays)
    return row


def _rows(
    filtre: Filtre,
    campagne: Campagne | None,
    accs: dict[tuple[str, Any], _Acc],
    scoped_zones: dict[int, dict[str, Any]],
    depts: dict[str, dict[str, str]],
) -> Tableau:
    tableau = Tableau(filtre=filtre, campagne=campagne, total=_finish(accs[("total", "")]))
    zones_rows, dept_rows, region_rows, month_rows = [], [], [], []
    for (level, key), acc in accs.items():
        if level == "zones":
            z = scoped_zones[key]
            zones_rows.append(
                {"zone": z["siren"], "nom": z["nom"], "departement": z["departement"], **_finish(acc)}
            )
        elif level == "departements" and key in depts:
            dept_rows.append(
                {"departement": key, "nom": depts[key]["nom"], "region": depts[key]["region"], **_finish(acc)}
            )
        elif level == "regions":
            nom = next((d["region_nom"] for d in depts.values() if d["region"] == key), key)
            region_rows.append({"region": key, "nom": nom, **_finish(acc)})
    for month in filtre.months:
        row = {"mois": month, **_finish(accs[("mois", month)])}
        row.pop("delai_premier_creneau")
        month_rows.append({**row, **dict.fromkeys(NOT_PER_MONTH)})  # states, not flows: « — », not a 0
    for row in zones_rows:  # volunteers belong to the département they live in, not to a zone
        for name in NOT_PER_ZONE:
            row[name] = None
    if filtre.zone:  # a zone's volunteers are not known: they belong to départements
        for row in dept_rows + region_rows + month_rows + [tableau.total]:
            for name in NOT_PER_ZONE:
                row[name] = None
    zones_rows.sort(key=lambda r: (r["departement"], r["nom"]))
    dept_rows.sort(key=lambda r: r["departement"])
    region_rows.sort(key=lambda r: r["region"])
    tableau.tables = {
        "zones": zones_rows,
        "departements": dept_rows,
        "regions": region_rows,
        "mois": month_rows,
    }
    return tableau


def mask(tableau: Tableau, today: dt.date | None = None) -> Tableau:
    """The same tables with the statistical secret applied (public pages and open data)."""
    threshold = parametres.entier("secret_statistique_seuil", today or timezone.localdate())
    masked = Tableau(filtre=tableau.filtre, campagne=tableau.campagne, masked=True)
    masked.tables = {
        level: [agregation.mask_row(row, PEOPLE, LINKED, threshold) for row in rows]
        for level, rows in tableau.tables.items()
    }
    masked.total = agregation.mask_row(tableau.total, PEOPLE, LINKED, threshold)
    return masked


# --- The filter, read from a query string ---------------------------------------------------------------------


class UnknownCodeError(LookupError):
    """A region, département or zone code that does not exist (a 404 with this French message)."""


def premier_mois() -> dt.date:
    """The first month with figures: the first whole month under the dated parameters the indicators read
    (`jours_ouvres_par_an`, read at a period's last month)."""
    depuis = parametres.parametre("jours_ouvres_par_an").depuis
    return depuis if depuis.day == 1 else add_months(depuis.replace(day=1), 1)


def parse_filtre(params: Any, today: dt.date | None = None, forced_region: str = "") -> Filtre:
    """The filter of a query string (`du`, `au` as AAAA-MM; `region`, `departement`, `zone`), codes checked.

    `forced_region`: an ARS agent's region; another region, or a département or zone outside it, is unknown to
    them (UnknownCodeError). Raises agregation.InvalidPeriodError for a bad period."""
    from solidarite.territoire.models import Region

    today = today or timezone.localdate()
    du, au = agregation.month_range(params.get("du"), params.get("au"), today, premier=premier_mois())
    region = (params.get("region") or "").strip()
    departement = (params.get("departement") or "").strip().upper()
    zone = (params.get("zone") or "").strip()
    if region and not Region.objects.filter(code=region).exists():
        raise UnknownCodeError(f"Région inconnue : « {region} ». Choisissez une région de la liste.")
    if forced_region:
        if region and region != forced_region:
            raise UnknownCodeError(f"Région inconnue : « {region} ». Votre compte voit sa seule région.")
        region = forced_region
    if departement:
        dept = Departement.objects.filter(code=departement).values("region__code").first()
        if dept is None:
            raise UnknownCodeError(
                f"Département inconnu : « {departement} ». Choisissez un département de la liste."
            )
        if region and dept["region__code"] != region:
            raise UnknownCodeError(f"Le département « {departement} » n'est pas dans la région « {region} ».")
    if zone:
        campagne = zonage.active_campaign()
        known = zones(campagne) if campagne else {}
        z = next((z for z in known.values() if z["siren"] == zone), None)
        if z is None:
            raise UnknownCodeError(
                f"Zone inconnue : « {zone} » n'est pas une zone rouge de la campagne active."
            )
        depts = departements()
        if region and depts[z["departement"]]["region"] != region:
            raise UnknownCodeError(f"La zone « {zone} » n'est pas dans la région « {region} ».")
        if departement and z["departement"] != departement:
            raise UnknownCodeError(f"La zone « {zone} » n'est pas dans le département « {departement} ».")
    return Filtre(du=du, au=au, region=region, departement=departement, zone=zone)


def _commune_delays(
    scoped_zones: dict[int, dict[str, Any]],
    depts: dict[str, dict[str, Any]],
    accs: dict[tuple[str, Any], _Acc],
    today: dt.date,
) -> None:
    """Appends the days to the first free slot of each commune of the scoped zones to its zone's, département's,
    region's and the total's accumulators; three queries whatever their number (the communes; rdv's free slots
    over every active lieu, since a patient may cross a zone's border)."""
    communes = list(
        Commune.objects.filter(
            epci_id__in=list(scoped_zones), latitude__isnull=False, longitude__isnull=False
        )
        .values_list("epci_id", "latitude", "longitude")
        .order_by()
    )
    catalogue = rdv.active_lieux()
    horizon = float(FREE_SLOT_HORIZON_DAYS)
    delays = np.full(len(communes), horizon)
    if communes and catalogue.ids:
        after = (
            timezone.now()
            if today == timezone.localdate()
            else dt.datetime.combine(today, dt.time(), tzinfo=timezone.get_current_timezone())
        )
        free = rdv.next_free_by_lieu(list(catalogue.ids), after, 1)
        lieu_delay = np.array(
            [
                min(max((free[pk][0].debut - after).total_seconds() / 86_400, 0.0), horizon)
                if free.get(pk)
                else horizon
                for pk in catalogue.ids
            ]
        )
        point, site, _ = pairs_between(
            np.array([c[1] for c in communes]),
            np.array([c[2] for c in communes]),
            catalogue.latitudes,
            catalogue.longitudes,
            rdv.search.REACH_MINUTES,
            provider_with_fallback(),
        )
        np.minimum.at(delays, point, lieu_delay[site])
    by_zone: dict[int, list[float]] = defaultdict(list)
    for (zone_id, _, _), delay in zip(communes, np.round(delays, 1).tolist(), strict=True):
        by_zone[zone_id].append(delay)
    for zone_id, values in by_zone.items():
        dept = scoped_zones[zone_id]["departement"]
        for key in (
            ("zones", zone_id),
            ("departements", dept),
            ("regions", depts[dept]["region"]),
            ("total", ""),
        ):
            accs[key].delays.extend(values)
