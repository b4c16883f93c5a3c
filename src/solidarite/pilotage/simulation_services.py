"""The impact simulator around its pure core (`simulateur.py`): today's volunteers' profile, the lieux of the
zones rouges, the dated assumptions, the APL effect, and the queued runs (`Simulation`, docs/decisions/0019).

Aggregate only: no name, no RPPS, no patient data is read or written; the profile keeps the home commune,
the days per month, the reach and the rotation of each volunteer, and the result only totals."""

from __future__ import annotations

import datetime as dt
import logging
import statistics
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from solidarite.annuaire.models import LieuSolidaire, MedecinVolontaire
from solidarite.parametres import entier, montant, valeur
from solidarite.pilotage import simulateur as core
from solidarite.pilotage.models import Simulation
from solidarite.planning.models import Mission
from solidarite.planning.services import km_for_minutes
from solidarite.rdv.creneaux import Hours, day_slots
from solidarite.rdv.models import RendezVous
from solidarite.territoire import acces
from solidarite.territoire.models import Commune
from solidarite.web.entrees import COUNT_EXPECTED, DECIMAL_EXPECTED, parse_count, parse_decimal
from solidarite.zonage import services as zonage

logger = logging.getLogger(__name__)

MIN_REELS = 30  # below this many real volunteers, the profile is the demonstration volunteers'
MIN_CRENEAUX_OBSERVES = 500  # below this many past slots, the fill rate is the dated default
PROFILE_STATUTS = (MedecinVolontaire.Statut.VALIDE, MedecinVolontaire.Statut.ACTIF)


def may_simulate(user: Any) -> bool:
    """National admin and ARS agents: the result is aggregate and national (docs/decisions/0019)."""
    return acces.is_national_admin(user) or acces.ars_agent(user) is not None


def check_may_simulate(user: Any) -> None:
    if not may_simulate(user):
        raise PermissionDenied("Le simulateur est ouvert aux agents des ARS et à l'administration nationale.")


# --- Inputs ---------------------------------------------------------------------------------------------


def profil_actuel() -> tuple[list[core.ProfilVolontaire], str]:
    """Today's validated or active volunteers (real ones; the demonstration ones if fewer than MIN_REELS),
    and a sentence saying which."""
    base = MedecinVolontaire.objects.filter(statut__in=PROFILE_STATUTS, commune__latitude__isnull=False)
    reels = base.filter(demonstration=False)
    n_reels = reels.count()
    if n_reels >= MIN_REELS:
        rows, source = reels, f"{n_reels} médecins volontaires validés ou actifs aujourd'hui"
    else:
        rows = base.filter(demonstration=True)
        source = (
            f"{rows.count()} médecins volontaires de démonstration (seulement {n_reels} volontaires réels validés "
            f"ou actifs, moins de {MIN_REELS})"
        )
    profil = [
        core.ProfilVolontaire(
            m.commune.code_insee,
            float(m.commune.latitude),
            float(m.commune.longitude),
            int(m.jours_max_par_mois),
            km_for_minutes(m.trajet_max_minutes),
            m.block_days,
        )
        for m in rows.select_related("commune").only(
            "commune__code_insee",
            "commune__latitude",
            "commune__longitude",
            "jours_max_par_mois",
            "trajet_max_minutes",
            "rotation",
        )
    ]
    return profil, source


def lieux_cibles() -> tuple[list[core.LieuCible], str]:
    """One lieu per zone rouge of the active campaign: its first active lieu solidaire, else the zone's most
    populous commune (a lieu to open)."""
    campagne = zonage.active_campaign()
    if campagne is None:
        return [], "aucune campagne de zonage active"
    sirens = sorted(zonage.final_sirens(campagne))
    lieux: dict[str, core.LieuCible] = {}
    for lieu in (
        LieuSolidaire.objects.filter(actif=True, epci__siren__in=sirens)
        .select_related("epci", "commune")
        .order_by("pk")
    ):
        lieux.setdefault(
            lieu.epci.siren,
            core.LieuCible(
                str(lieu.pk), lieu.epci.siren, lieu.commune.code_insee, lieu.latitude, lieu.longitude
            ),
        )
    missing = [s for s in sirens if s not in lieux]
    for commune in (
        Commune.objects.filter(epci__siren__in=missing, latitude__isnull=False)
        .select_related("epci")
        .order_by("-population", "code_insee")
    ):
        siren = commune.epci.siren
        if siren not in lieux:
            lieux[siren] = core.LieuCible(
                f"C{commune.code_insee}",
                siren,
                commune.code_insee,
                float(commune.latitude),
                float(commune.longitude),
            )
    opened = len(sirens) - len(missing)
    source = (
        f"{len(lieux)} zones rouges de la campagne v{campagne.version} : {opened} avec un lieu solidaire actif, "
        f"{len(lieux) - opened} au chef-lieu le plus peuplé (lieu à ouvrir)"
    )
    return [lieux[s] for s in sirens if s in lieux], source


def creneaux_par_jour() -> int:
    """Slots of a mission day with the platform's default hours (rdv.creneaux.Hours)."""
    return len(day_slots(dt.date(2026, 1, 5), Hours(), dt.UTC))


def taux_remplissage(today: dt.date | None = None) -> tuple[float, str]:
    """Observed share of slots booked and not cancelled nor missed on past mission days, or the dated default."""
    today = today or timezone.localdate()
    past = Mission.objects.filter(
        date__lt=today, statut__in=(Mission.Statut.CONFIRMEE, Mission.Statut.REALISEE)
    )
    jours = past.count()
    slots = jours * creneaux_par_jour()
    if slots >= MIN_CRENEAUX_OBSERVES:
        honoured = RendezVous.objects.filter(
            mission__in=past, statut__in=(RendezVous.Statut.VU, RendezVous.Statut.RESERVE)
        ).count()
        return (
            honoured / slots,
            f"observé : {honoured} rendez-vous sur {slots} créneaux de {jours} journées passées",
        )
    default = float(valeur("taux_remplissage_defaut", today))  # type: ignore[arg-type]
    return default, (
        f"valeur par défaut datée (taux_remplissage_defaut) : trop peu de créneaux passés observés ({slots} < "
        f"{MIN_CRENEAUX_OBSERVES})"
    )


def hypotheses(annee: int, today: dt.date | None = None) -> tuple[core.Hypotheses, dict[str, str]]:
    today = today or timezone.localdate()
    taux, taux_source = taux_remplissage(today)
    h = core.Hypotheses(
        annee=annee,
        zones_cible=entier("nombre_zones_rouges", today),
        jours_ouvres_an=entier("jours_ouvres_par_an", today),
        creneaux_par_jour=creneaux_par_jour(),
        taux_remplissage=taux,
        indemnite_jour=float(montant("indemnite_journaliere", today)),
        dates_par_jour=entier("dates_proposees_par_jour", today),
    )
    return h, {"taux_remplissage": taux_source}


# --- APL effect -----------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _national(data_dir: Path) -> tuple[Any, Any, np.ndarray, np.ndarray, float, dict[str, int]]:
    """The national APL instance (zonage.reconstruction), its engine, base supply and APL, read once per
    process (about 4 s)."""
    from solidarite.zonage.reconstruction import build_national_instance

    instance = build_national_instance(data_dir)
    engine = instance.engine()
    supply = instance.calibrated_supply(engine)
    base = engine.compute(supply)
    activity = float(supply.sum() / instance.gps.sum()) if instance.gps.sum() > 0 else 0.0
    return instance, engine, supply, base, activity, {c: i for i, c in enumerate(instance.codes)}


def effet_apl(
    jours_par_lieu: dict[str, float], lieux: list[core.LieuCible], h: core.Hypotheses
) -> dict[str, Any]:
    """APL of each zone before and after the mission supply, added at the lieux's communes as extra GP supply.

    The DREES APL counts yearly consultations and visits; a mission day adds slots × fill rate consultations.
    In ETP terms: ETP = added consultations ÷ the calibrated yearly activity of one GP (zonage.reconstruction)."""
    instance, engine, _supply, base, activity, index = _national(Path(settings.SOLIDARITE_DATA_DIR))
    added = core.ajout_apl_par_commune(jours_par_lieu, lieux, h)
    communes = [(index[c], v) for c, v in added.items() if c in index and v > 0]
    idx = np.array([c for c, _ in communes], dtype=np.int64)
    extra = np.array([v for _, v in communes], dtype=np.float64)
    after = base + engine.what_if_delta(idx, extra) if len(idx) else base
    sirens = sorted({lieu.epci for lieu in lieux})
    members: dict[str, list[int]] = {s: [] for s in sirens}
    for code, siren in Commune.objects.filter(epci__siren__in=sirens).values_list(
        "code_insee", "epci__siren"
    ):
        if code in index:
            members[siren].append(index[code])
    names = dict(
        Commune.objects.filter(epci__siren__in=sirens).values_list("epci__siren", "epci__nom").distinct()
    )
    consult_by_zone: dict[str, float] = {}
    for lieu in lieux:
        consult_by_zone[lieu.epci] = consult_by_zone.get(lieu.epci, 0.0) + (
            jours_par_lieu.get(lieu.id, 0.0) * h.creneaux_par_jour * h.taux_remplissage
        )
    zones = []
    for siren in sirens:
        rows = np.array(members[siren], dtype=np.int64)
        weights = instance.demand[rows] if len(rows) else np.zeros(0)
        total = float(weights.sum())
        avant = float((base[rows] * weights).sum() / total) if total > 0 else None
        apres = float((after[rows] * weights).sum() / total) if total > 0 else None
        consultations = consult_by_zone.get(siren, 0.0)
        zones.append(
            {
                "siren": siren,
                "nom": names.get(siren, siren),
                "apl_avant": round(avant, 3) if avant is not None else None,
                "apl_apres": round(apres, 3) if apres is not None else None,
                "gain": round(apres - avant, 3) if avant is not None and apres is not None else None,
                "consultations": round(consultations),
                "etp": round(consultations / activity, 2) if activity > 0 else None,
            }
        )
    zones.sort(key=lambda z: (-(z["gain"] or 0.0), z["nom"]))
    return {"activite_par_mg": round(activity), "zones": zones}


# --- Runs -----------------------------------------------------------------------------------------------


COUVERTURE_REGLE = (
    "une part de 0 à 1 (« 0,8 » ou « 0.8 » : 80 % ; « 1 » : 100 %), un pourcentage entier de 2 à 100 (« 80 »), "
    "ou un pourcentage suivi de % (« 1,5 % », « 80 % »)"
)


def _couverture_en_part(value: float, raw: str, pourcent: bool) -> float:
    """The coverage the command line writes, as a share (COUVERTURE_REGLE): « 1,5 » was read 1.5 %, where a
    French user may have meant 150 %: a number above 1 that is not whole, and without « % », is refused."""
    if pourcent or value <= 1:
        return value / 100 if pourcent else value
    if value > 100:
        raise ValidationError(f"Couverture visée invalide (« {raw} ») : au plus 100 % ; {COUVERTURE_REGLE}.")
    if not value.is_integer():
        raise ValidationError(
            f"Couverture visée ambiguë : « {raw} » est-il {raw} % ou {value * 100:g} % ? Écrivez {COUVERTURE_REGLE}."
        )
    return value / 100


def parse_parametres(data: dict[str, Any], *, pourcent: bool = False) -> core.Parametres:
    """The fields as simulator parameters; ValidationError with a French message otherwise. The coverage is
    always a percentage in the page's form; on the command line, as COUVERTURE_REGLE says (`_couverture_en_part`).
    Each figure in its one form (web.entrees, decision 0004 point 11): `int` and `float` took
    « ␣5 », « +5 », « ٥ », « 1_0 », « 1e2 » and « nan »."""
    values: dict[str, float] = {}
    for name, parse, expected in (
        ("volontaires", parse_count, COUNT_EXPECTED),
        ("seeds", parse_count, COUNT_EXPECTED),
        ("mois", parse_count, COUNT_EXPECTED),
        ("couverture", parse_decimal, DECIMAL_EXPECTED),
    ):
        raw = str(data.get(name, ""))
        if name == "couverture" and raw.endswith("%"):  # « 50 % », as the command's help offers
            raw, pourcent = raw[:-1].rstrip(" \u00a0\u202f"), True
        if not raw:
            raise ValidationError(f"Le champ « {name} » est obligatoire.")
        value = parse(raw)
        if value is None:
            raise ValidationError(f"« {raw[:40]} » n'est pas un nombre valide pour « {name} » : {expected}.")
        values[name] = value
    values["couverture"] = _couverture_en_part(
        values["couverture"], str(data.get("couverture"))[:40], pourcent
    )
    try:
        return core.valider(core.Parametres(**values))
    except core.SimulationError as exc:
        raise ValidationError(str(exc)) from None


def queue_simulation(parametres: core.Parametres, user: Any) -> Simulation:
    """Records the run « en file » and queues the task, in one transaction; the page polls its progress."""
    from solidarite.pilotage.tasks import calculer_simulation

    check_may_simulate(user)
    with transaction.atomic():
        simulation = Simulation.objects.create(
            cree_par=user if getattr(user, "is_authenticated", False) else None,
            volontaires=parametres.volontaires,
            seeds=parametres.seeds,
            mois=parametres.mois,
            couverture=parametres.couverture,
        )
        calculer_simulation.enqueue(simulation.pk)
    return simulation


PENDING = (Simulation.Etat.EN_FILE, Simulation.Etat.EN_COURS)
NOT_YOURS_TO_CANCEL = "Seul l'auteur de la simulation, ou l'administration nationale, peut l'annuler."
FINISHED = "Cette simulation est terminée : son résultat est gardé, elle ne s'annule plus."


def cancel_simulation(simulation: Simulation, user: Any) -> None:
    """Deletes a queued or running run: the worker sees it gone at its next month and stops, writing nothing.
    Every ARS reads every run (they are national), but only its author or the ministry cancels it, and a
    finished one keeps its result."""
    check_may_simulate(user)
    if not acces.is_national_admin(user) and simulation.cree_par_id != user.pk:
        raise PermissionDenied(NOT_YOURS_TO_CANCEL)
    if Simulation.objects.filter(pk=simulation.pk).exclude(etat__in=PENDING).exists():
        raise ValidationError(FINISHED)
    Simulation.objects.filter(pk=simulation.pk, etat__in=PENDING).delete()


def executer(
    parametres: core.Parametres,
    *,
    progres: core.Progres = lambda done, total, label: None,
    annule: Any = lambda: False,
    avec_apl: bool = True,
) -> dict[str, Any]:
    """The whole simulation, as a JSON-ready result (figures, curve, assumptions, APL per zone)."""
    today = timezone.localdate()
    profil, profil_source = profil_actuel()
    if not profil:
        raise core.SimulationError(
            "Aucun médecin volontaire validé ou actif : chargez les données (make annuaire) avant de simuler."
        )
    lieux, lieux_source = lieux_cibles()
    h, sources = hypotheses(today.year + 1, today)
    bilan = core.simuler(profil, lieux, h, parametres, progres=progres, annule=annule)
    if annule():
        raise core.SimulationAnnulee
    apl = effet_apl(bilan.jours_par_lieu, lieux, h) if avec_apl else {"activite_par_mg": 0, "zones": []}
    return resultat_json(bilan, h, profil, profil_source, lieux_source, sources, apl)


def _parametres(p: core.Parametres) -> dict[str, Any]:
    """The parameters as the result stores them: the ceiling applied (`plafond`), not whether it was given."""
    values = asdict(p)
    values.pop("plafond_demande")
    return {**values, "plafond": p.plafond}


def resultat_json(
    bilan: core.Bilan,
    h: core.Hypotheses,
    profil: list[core.ProfilVolontaire],
    profil_source: str,
    lieux_source: str,
    sources: dict[str, str],
    apl: dict[str, Any],
) -> dict[str, Any]:
    interval = lambda i: asdict(i) if i is not None else None  # noqa: E731
    single = sum(1 for p in profil if p.block_days == 1)
    return {
        "parametres": _parametres(bilan.parametres),
        "annee": h.annee,
        "cible_jours": h.cible_jours,
        "zones_cible": h.zones_cible,
        "jours_couverts": interval(bilan.jours_couverts),
        "part_cible": interval(bilan.part_cible),
        "part_lieux": interval(bilan.part_lieux),
        "lieux_simules": len(bilan.jours_par_lieu),
        "consultations": interval(bilan.consultations),
        "cout": interval(bilan.cout),
        "necessaires": bilan.necessaires,
        "necessaires_intervalle": interval(bilan.necessaires_intervalle),
        "necessaires_cible": interval(bilan.necessaires_cible),
        "plafond_atteint": bilan.plafond_atteint,
        "courbe": [
            {"volontaires": c.volontaires, **{k: round(v, 4) for k, v in asdict(c.part).items()}}
            for c in bilan.courbe
        ],
        "tirages": [
            {
                "seed": t.seed,
                "jours_couverts": round(t.jours_couverts, 1),
                "part_cible": round(t.part_cible, 4),
                "part_lieux": round(t.part_lieux, 4),
                "secondes": round(t.secondes, 2),
                "optimal": t.optimal,
            }
            for t in bilan.tirages
        ],
        "annee_secondes": round(bilan.annee_secondes, 2),
        "secondes": round(bilan.secondes, 1),
        "evaluations": bilan.evaluations,
        "notes": bilan.notes,
        "hypotheses": {
            "profil": profil_source,
            "profil_detail": {
                "jours_max_median": statistics.median(p.jours_max for p in profil),
                "portee_km_mediane": round(statistics.median(p.max_km for p in profil), 1),
                "part_journees_isolees": round(single / len(profil), 3),
            },
            "lieux": lieux_source,
            "cible": f"{h.zones_cible} zones × {h.jours_ouvres_an} jours ouvrés = {h.cible_jours} journées-lieux "
            "(paramètres nombre_zones_rouges et jours_ouvres_par_an)",
            "creneaux_par_jour": h.creneaux_par_jour,
            "taux_remplissage": round(h.taux_remplissage, 3),
            "taux_remplissage_source": sources["taux_remplissage"],
            "indemnite_jour": h.indemnite_jour,
            "dates_par_jour": h.dates_par_jour,
            "apl": None
            if not apl["zones"]
            else (
                "APL (DREES, E2SFCA) reconstruite par zonage.reconstruction ; l'offre des missions est ajoutée à la "
                "commune de chaque lieu, en consultations par an (jours couverts × créneaux × remplissage) ; "
                f"en ETP : consultations ÷ {apl['activite_par_mg']} actes par médecin généraliste et par an "
                "(activité calibrée sur l'APL nationale de la DREES)."
            ),
        },
        "apl": apl,
    }


def compute_simulation(simulation_id: int) -> dict[str, Any]:
    """The task's body: claims the queued row, runs, writes the result once. A row deleted meanwhile
    (cancelled) stops the run at the next month and nothing is written."""
    claimed = Simulation.objects.filter(pk=simulation_id, etat=Simulation.Etat.EN_FILE).update(
        etat=Simulation.Etat.EN_COURS, commencee_le=timezone.now(), etape="Préparation"
    )
    if not claimed:
        return {"simulation": "ignorée : annulée ou déjà prise"}
    sim = Simulation.objects.get(pk=simulation_id)
    parametres = core.Parametres(sim.volontaires, sim.seeds, sim.mois, sim.couverture)

    def annule() -> bool:
        return not Simulation.objects.filter(pk=simulation_id).exists()

    def progres(done: int, total: int, label: str) -> None:
        Simulation.objects.filter(pk=simulation_id).update(
            progression=min(99, int(100 * done / max(total, 1))), etape=label[:200]
        )

    try:
        resultat = executer(parametres, progres=progres, annule=annule)
    except core.SimulationAnnulee:
        Simulation.objects.filter(pk=simulation_id).delete()
        return {"simulation": "annulée"}
    except Exception as exc:
        Simulation.objects.filter(pk=simulation_id).update(
            etat=Simulation.Etat.ECHEC, erreur=str(exc) or type(exc).__name__, terminee_le=timezone.now()
        )
        if isinstance(exc, core.SimulationError):
            return {"simulation": "échec", "erreur": str(exc)}
        raise
    with transaction.atomic():
        locked = Simulation.objects.select_for_update().filter(pk=simulation_id).first()
        if locked is None:
            return {"simulation": "annulée"}
        locked.resultat = resultat
        locked.etat = Simulation.Etat.TERMINEE
        locked.progression = 100
        locked.etape = "Terminée"
        locked.terminee_le = timezone.now()
        locked.save(update_fields=["resultat", "etat", "progression", "etape", "terminee_le"])
    return {"simulation": "terminée", "secondes": resultat["secondes"]}


def visible_simulations(user: Any) -> Any:
    check_may_simulate(user)
    return Simulation.objects.all()
