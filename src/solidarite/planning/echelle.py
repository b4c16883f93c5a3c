"""Planning at national scale, region by region across the background workers (issue 23, ADR 0017).

The orchestrator (`planifier_par_region`) splits an instance by ARS region (`optimizer.split_by_region`),
writes one JSON file per region, queues one `tasks.resoudre_region` per region on the project's task queue
(django-tasks, database backend: on PostgreSQL, every worker of every machine takes from the same table),
waits for their results in the task table, then runs pass 2 (`optimizer.residual`: the places still empty
in every region, offered to every volunteer with the days pass 1 left them) as one solve, then, while places
are still empty, the take-back (`optimizer.reopen`: the volunteers who could reach one give their days back,
one more solve, never worse), and checks the whole plan against every rule of the full instance.

A region with nothing to solve in pass 1 gets no file and no task (`regions_sans_passe_1`): lieux but no
resident volunteer (its file could not even be read back: an instance needs a volunteer), or volunteers but
no place to fill. Its lieux stay empty for pass 2, where the volunteers of the other regions who reach them are
offered them; its volunteers, likewise, go to pass 2 with all their days.

A task only ever holds its own region's instance: the file it is given. Its assignments go to a JSON file
in the output folder (they are data, not a task result); the task's result is a short summary (time, the
worker's pid and peak memory, arcs, places).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import math
import os
import re
import resource
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from solidarite.planning.optimizer import (
    Assignment,
    Instance,
    InstanceError,
    Solution,
    check,
    evaluate,
    instance_as_dict,
    parse_instance,
    reopen,
    residual,
    solve_flow,
    split_by_region,
    unknown_keys,
)
from solidarite.planning.optimizer.feasibility import build_solution
from solidarite.systeme import lire_octets, raison, raison_json


class EchelleError(Exception):
    """A bad input or a failed region, in French for the user (exit code 2 on the command line)."""


class Interruption(EchelleError):
    """The wait for the regions interrupted (Ctrl+C or SIGTERM), the tasks no worker took withdrawn.
    `exit_code` is the exit code a shell gives a process ended by that signal: 130 (128 + SIGINT) for Ctrl+C,
    143 (128 + SIGTERM) for a stop (`kill`, systemd, a container stopped)."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class _Terminated(BaseException):
    """SIGTERM received during the wait; a BaseException, as KeyboardInterrupt, so that no `except Exception`
    on the way (the database's) swallows it."""


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """While inside, SIGTERM raises _Terminated instead of ending the process at once; the former handler is put back
    on leaving. Outside the main thread (where Python allows no handler), or with SIGTERM ignored on purpose
    (SIG_IGN), nothing changes."""
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGTERM) is signal.SIG_IGN
    ):
        yield
        return

    def terminated(signum: int, frame: object) -> None:
        raise _Terminated

    previous = signal.signal(signal.SIGTERM, terminated)
    try:
        yield
    finally:  # a handler set outside Python reads as None: the default action stands in for it
        signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)


@dataclass
class RegionResolue:
    """What one region's task reported."""

    region: str
    volontaires: int
    lieux: int
    places: int
    priorite: float
    arcs: int
    secondes: float  # the whole task: lecture_s + flot_s + checking and writing
    lecture_s: float
    flot_s: float  # solve_flow: the candidate arcs, the network and its solve
    pid: int
    pic_mo: float  # the worker process's peak resident set at the end of the task
    tache: str = ""  # the task's id in the queue
    attente_s: float = 0.0  # from queueing to the start of the task


@dataclass
class ResultatEchelle:
    solution: Solution
    regions: list[RegionResolue]
    premiere_passe: int
    seconde_passe: int
    seconde_passe_s: float
    seconde_passe_arcs: int
    priorite_passes_1_2: float  # before the take-back
    rattrapage_volontaires: int  # volunteers who gave their days back (0: no place left empty, no take-back)
    rattrapage_s: float
    decoupage_s: float
    attente_s: float
    total_s: float
    violations: list[str] = field(default_factory=list)
    sans_passe_1: dict[str, str] = field(default_factory=dict)  # region → why it had no task (see the module)

    def resume(self) -> dict[str, Any]:
        """The figures as JSON (the command's output file, the bench)."""
        return {
            "total_s": round(self.total_s, 3),
            "decoupage_s": round(self.decoupage_s, 3),
            "attente_regions_s": round(self.attente_s, 3),
            "seconde_passe_s": round(self.seconde_passe_s, 3),
            "seconde_passe_arcs": self.seconde_passe_arcs,
            "priorite_passes_1_2": round(self.priorite_passes_1_2, 9),
            "rattrapage_volontaires": self.rattrapage_volontaires,
            "rattrapage_s": round(self.rattrapage_s, 3),
            "regions": [vars(r) for r in self.regions],
            "regions_sans_passe_1": self.sans_passe_1,
            "premiere_passe": self.premiere_passe,
            "seconde_passe": self.seconde_passe,
            "priorite": round(self.solution.priority_total, 9),
            "places": self.solution.filled_places,
            "continuite": self.solution.continuity,
            "km": round(self.solution.travel_km, 3),
            "violations": self.violations,
            "workers": sorted({r.pid for r in self.regions}),
        }


# --- Files ------------------------------------------------------------------------------------------------


INSTANCE_MAX_BYTES = 200_000_000  # a national instance is tens of MB; beyond, not one (a device never ends)


class _DuplicateKey(Exception):
    """A key twice in one JSON object of an instance (raised by `_refuse_duplicate_keys`)."""

    def __init__(self, key: str, owner_id: object) -> None:
        super().__init__(key)
        self.key = key
        self.owner_id = owner_id  # the object's "id", when it has one: where to look


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """The `object_pairs_hook` of the instance reader: `json.loads` alone keeps the last of two same keys
    (`{"id": "a", "id": "b"}` read as "b"), silently."""
    data = dict(pairs)
    if len(data) < len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key, data.get("id") if key != "id" else None)
            seen.add(key)
    return data


# The `--instance` option's help, for every command that reads one (`plan`, `planning_echelle`).
INSTANCE_AIDE = (
    "Fichier JSON de l'instance. Une clé inconnue est ignorée et signalée sur la sortie d'erreur ; "
    "à une frappe d'une clé connue absente de son objet (« blocks_days »), elle est refusée (code 2)."
)


def lire_instance(chemin: Path, avertir: Callable[[str], None] | None = None) -> Instance:
    """An instance file in the JSON form of `python -m solidarite plan`; bad input → EchelleError (French).
    An unknown key is said to `avertir` (stderr by default), once per key name and kind of object; one a
    keystroke from a known key its object lacks (« blocks_days ») is refused (`optimizer.keys`)."""
    try:
        data = json.loads(
            lire_octets(chemin, "Instance", EchelleError, INSTANCE_MAX_BYTES).decode("utf-8-sig"),
            object_pairs_hook=_refuse_duplicate_keys,
        )  # a BOM, as Notepad writes, allowed
    except _DuplicateKey as exc:
        key = repr(exc.key)  # a lone surrogate escaped, as in the other messages
        key = key if len(key) <= 40 else f"{key[:30]}…"
        where = f" (l'objet d'identifiant {exc.owner_id!r})" if isinstance(exc.owner_id, str) else ""
        raise EchelleError(
            f"{chemin.name} : la clé {key} figure deux fois dans un même objet{where} ; une seule valeur est "
            "permise, supprimez l'autre (seule la dernière aurait été lue)."
        ) from None
    except RecursionError:  # thousands of nested lists: the parser's stack, not an instance
        raise EchelleError(f"{chemin.name} : JSON trop imbriqué (ce n'est pas une instance).") from None
    except json.JSONDecodeError as exc:
        raise EchelleError(
            f"{chemin.name} : JSON mal formé (ligne {exc.lineno}, colonne {exc.colno} : {raison_json(exc)})."
        ) from None
    except UnicodeDecodeError:  # before ValueError, of which it is one
        raise EchelleError(f"{chemin.name} : le fichier n'est pas en UTF-8.") from None
    except ValueError:  # an integer of thousands of digits (Python's conversion limit)
        raise EchelleError(f"{chemin.name} : un nombre du fichier est démesuré.") from None
    except OSError as exc:
        raise EchelleError(f"{chemin.name} : fichier illisible ({raison(exc)}).") from None
    avertir = avertir or (lambda message: print(message, file=sys.stderr))
    unknown = unknown_keys(data)
    if refused := next((u for u in unknown if u.refused), None):
        raise EchelleError(f"{chemin.name} : {refused.refusal()}")
    for key in unknown:
        avertir(f"{chemin.name} : {key.message()}")
    try:
        return parse_instance(data)
    except InstanceError as exc:
        raise EchelleError(f"{chemin.name} : {exc}") from None


FICHIER_SUR = re.compile(r"[A-Za-z0-9_-]{1,40}")


def nom_de_fichier(region: str) -> str:
    """The part of a region's file names that names it: its code when made of letters, digits, - and _ (the ARS
    codes: « 84 »), « sans-region » for none, otherwise a digest of it — a region is any printable text of the
    instance, and « ../x » or « a/b » put the files elsewhere or nowhere (6 December)."""
    if not region:
        return "sans-region"
    if FICHIER_SUR.fullmatch(region) and region != "sans-region":
        return region
    return "r-" + hashlib.sha256(region.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def ecrire_regions(instance: Instance, dossier: Path) -> dict[str, tuple[Path, int]]:
    """One instance file per region (its lieux, the volunteers who live in it, their continuity pairs, their
    declined days), with the region's size: volunteers × places, a proxy of its arcs (of its solve time).
    A region of size 0 (no resident volunteer, or no place to fill) has nothing to solve in pass 1: no file
    (`sans_passe_1` says why), its lieux and volunteers wait for pass 2."""
    dossier.mkdir(parents=True, exist_ok=True)
    fichiers = {}
    for region, part in split_by_region(instance).items():
        places = sum(len(site.needed) * site.capacity for site in part.sites)
        if not part.volunteers or not places:
            continue
        ids = {v.id for v in part.volunteers}
        history = frozenset(p for p in part.history if p[0] in ids)  # the others' pairs play no part here
        part = dataclasses.replace(part, history=history)  # its declined days go with it (ADR 0003)
        chemin = dossier / f"region-{nom_de_fichier(region)}.json"
        chemin.write_text(json.dumps(instance_as_dict(part)), encoding="utf-8")
        fichiers[region] = (chemin, len(part.volunteers) * places)
    return fichiers


def sans_passe_1(instance: Instance, fichiers: Mapping[str, object]) -> dict[str, str]:
    """The regions of the instance without a pass-1 task (not in `fichiers`), each with the reason, in French."""
    residents = Counter(v.region for v in instance.volunteers)
    lieux = {site.region for site in instance.sites}
    motifs = {}
    for region in sorted((lieux | set(residents)) - set(fichiers)):
        if region not in lieux:
            motifs[region] = "aucun lieu : ses volontaires vont à la passe frontalière"
        elif not residents[region]:
            motifs[region] = "aucun volontaire n'y réside : ses lieux vont à la passe frontalière"
        else:
            motifs[region] = "aucune place à pourvoir : ses volontaires vont à la passe frontalière"
    return motifs


def _affectations(chemin: Path) -> list[Assignment]:
    rows = json.loads(chemin.read_text(encoding="utf-8"))["assignments"]
    return [Assignment(r["volunteer"], r["site"], dt.date.fromisoformat(r["date"])) for r in rows]


# --- One region (the body of tasks.resoudre_region) -----------------------------------------------------


def resoudre_region(chemin_instance: str, region: str, dossier_sortie: str) -> dict[str, Any]:
    """Pass 1 of one region: its lieux with the volunteers who live in it, solved to the optimum (solve_flow),
    checked, written to `<dossier_sortie>/affectations-<region>.json`; returns the task's summary."""
    started = time.perf_counter()
    instance = lire_instance(Path(chemin_instance))
    parts = split_by_region(instance)
    lu = time.perf_counter()
    if region not in parts:
        connues = ", ".join(repr(code) for code in parts) or "aucune"
        raise EchelleError(
            f"Région inconnue {region!r} : l'instance {Path(chemin_instance).name} n'a de lieux que dans "
            f"les régions {connues}."
        )
    part = parts[region]
    solution = solve_flow(part)  # its default engine: no arcs passed in, they would force the pair network
    resolu = time.perf_counter()
    problems = check(part, solution.assignments)
    if problems:  # never expected: a violated constraint is a bug, and it must not go unnoticed
        raise EchelleError(f"Région {region} : contrainte violée (anomalie) : " + " ; ".join(problems[:5]))
    sortie = Path(dossier_sortie)
    try:
        sortie.mkdir(parents=True, exist_ok=True)
        (sortie / f"affectations-{nom_de_fichier(region)}.json").write_text(
            json.dumps(solution.as_dict()), encoding="utf-8"
        )
    except OSError as exc:
        raise EchelleError(f"Impossible d'écrire dans {sortie} ({raison(exc)}).") from None
    return {
        "region": region,
        "volontaires": len(part.volunteers),
        "lieux": len(part.sites),
        "places": solution.filled_places,
        "priorite": solution.priority_total,
        "arcs": int(solution.details.get("arcs", 0)),
        "secondes": time.perf_counter() - started,
        "lecture_s": lu - started,
        "flot_s": resolu - lu,
        "pid": os.getpid(),
        "pic_mo": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # Linux: kB
    }


# --- The orchestrator --------------------------------------------------------------------------------------


@dataclass
class Lot:
    """The region tasks queued for one instance."""

    instance: Instance
    sortie: Path
    taches: dict[str, str]  # region → task id
    decoupage_s: float
    debut: float
    sans_passe_1: dict[str, str] = field(default_factory=dict)  # region → why it has no task


def mettre_en_file(instance: Instance, dossier: Path, lot: Lot | None = None) -> Lot:
    """Writes the region files and queues one task per region, the largest first: the workers take them in
    that order, so the longest solves start at once and the small ones fill the gaps at the end. Each task's id
    goes into `lot.taches` as soon as it is queued (`lot`: the caller's, to withdraw them if interrupted)."""
    from solidarite.planning.tasks import resoudre_region as tache  # tasks.py imports this module

    debut = time.perf_counter()
    if lot is None:
        lot = Lot(instance, dossier / "affectations", {}, 0.0, debut)
    try:
        fichiers = ecrire_regions(instance, dossier / "regions")
    except OSError as exc:
        raise EchelleError(
            f"Impossible d'écrire les fichiers des régions dans {dossier / 'regions'} ({raison(exc)})."
        ) from None
    for region, (chemin, _) in sorted(fichiers.items(), key=lambda item: -item[1][1]):
        with _signaux_differes():  # a task queued is a task recorded, to be withdrawn if interrupted
            lot.taches[region] = str(tache.enqueue(str(chemin), region, str(lot.sortie)).id)
    lot.decoupage_s = time.perf_counter() - debut
    lot.sans_passe_1 = sans_passe_1(instance, fichiers)
    return lot


@contextlib.contextmanager
def _signaux_differes() -> Iterator[None]:
    """Holds SIGINT and SIGTERM back while inside, then hands a signal received meanwhile to the handler that was
    in place (as if it came on leaving): between a task's row written and its id kept in the lot, an interruption
    would leave a task no one withdraws. A handler of our own rather than a signal mask: a signal sent to the
    process may reach another thread, whose handler Python runs in the main thread all the same. Outside the
    main thread (where Python allows no handler), nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    recus: list[int] = []

    def retenir(signum: int, frame: object) -> None:
        recus.append(signum)

    avant = {signum: signal.signal(signum, retenir) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in avant.items():  # set outside Python (None): the default action stands in
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)
        for signum in dict.fromkeys(recus):
            handler = avant[signum]
            if callable(handler):
                handler(signum, None)
            elif handler != signal.SIG_IGN:  # the default action: sent again, now that it is back
                os.kill(os.getpid(), signum)


@contextlib.contextmanager
def _interruptible(lot: Lot) -> Iterator[None]:
    """Ctrl+C or SIGTERM while inside → Interruption (exit 130 or 143), the lot's tasks no worker took
    withdrawn from the queue (they would run later, for nothing)."""
    try:
        with _sigterm_interrupts():
            yield
    except KeyboardInterrupt:
        raise Interruption(f"Interrompu : {_withdrawn(lot)}", 130) from None
    except _Terminated:  # SIGTERM (a stop of the service or of its container): likewise
        raise Interruption(f"Arrêté (signal SIGTERM) : {_withdrawn(lot)}", 143) from None


def attendre(
    lot: Lot,
    *,
    attente_s: float = 1800.0,
    sondage_s: float = 0.5,
    rapport: Callable[[str], None] = lambda ligne: None,
) -> list[RegionResolue]:
    """Polls the task table until every region's task is finished; a failed one → EchelleError naming it.
    At the deadline, or interrupted (Ctrl+C or SIGTERM → Interruption), the tasks no worker took yet are
    withdrawn from the queue (they would run for nothing)."""
    with _interruptible(lot):
        return _attendre(lot, attente_s, sondage_s, rapport)


def _withdrawn(lot: Lot) -> str:
    return (
        f"{_retirer(lot)} tâche(s) jamais prise(s) retirée(s) de la file ; celles déjà prises par un worker "
        "s'achèvent sans suite."
    )


def _attendre(
    lot: Lot, attente_s: float, sondage_s: float, rapport: Callable[[str], None]
) -> list[RegionResolue]:
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    limite = time.monotonic() + attente_s
    restantes = dict(lot.taches)
    faites: list[RegionResolue] = []
    while restantes:
        lignes = DBTaskResult.objects.filter(id__in=list(restantes.values()))
        for ligne in lignes:
            region = next(r for r, t in restantes.items() if t == str(ligne.id))
            if ligne.status == TaskResultStatus.FAILED:
                _retirer(lot)
                raise EchelleError(f"Région {region or 'sans région'} en échec : {_motif(ligne.traceback)}")
            if ligne.status == TaskResultStatus.SUCCESSFUL:
                resume = dict(ligne.return_value)
                attente = (ligne.started_at - ligne.enqueued_at).total_seconds() if ligne.started_at else 0.0
                faites.append(RegionResolue(**resume, tache=str(ligne.id), attente_s=attente))
                del restantes[region]
                rapport(
                    f"région {region} : {resume['places']} places, {resume['secondes']:.1f} s "
                    f"(worker {resume['pid']})"
                )
        if not restantes:
            break
        if time.monotonic() > limite:
            retirees = _retirer(lot)
            raise EchelleError(
                f"{len(restantes)} région(s) non résolue(s) après {attente_s:g} s "
                f"({', '.join(sorted(restantes))}) ; {retirees} tâche(s) jamais prise(s) retirée(s) de la file. "
                "Un worker tourne-t-il ? Lancez `python -m solidarite worker` (un ou plusieurs)."
            )
        time.sleep(sondage_s)
    return faites


def _retirer(lot: Lot) -> int:
    """Withdraws the lot's tasks still waiting in the queue; returns how many."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    deleted, _ = DBTaskResult.objects.filter(
        id__in=list(lot.taches.values()), status=TaskResultStatus.READY
    ).delete()
    return int(deleted)


def _motif(traceback: str) -> str:
    """The exception's message: the last line of the traceback, without the class path."""
    derniere = traceback.strip().splitlines()[-1] if traceback.strip() else "erreur inconnue"
    return derniere.split(": ", 1)[1] if ": " in derniere else derniere


def terminer(lot: Lot, regions: list[RegionResolue], attente_s: float) -> ResultatEchelle:
    """Pass 2 (one solve over the residual of every region), the take-back while places are still empty
    (one solve), and the check of the whole plan."""
    taken: list[Assignment] = []
    for r in regions:
        taken.extend(_affectations(lot.sortie / f"affectations-{nom_de_fichier(r.region)}.json"))
    premiere = len(taken)
    debut_passe = time.perf_counter()
    seconde = solve_flow(residual(lot.instance, taken))
    taken.extend(seconde.assignments)
    seconde_s = time.perf_counter() - debut_passe
    passes_1_2 = evaluate(lot.instance, taken)[0]
    debut_rattrapage = time.perf_counter()
    kept, movable = reopen(lot.instance, taken)
    if movable:
        taken = kept + solve_flow(residual(lot.instance, kept)).assignments
    rattrapage_s = time.perf_counter() - debut_rattrapage
    solution = build_solution(
        lot.instance,
        taken,
        lot.debut,
        optimal=False,
        bound=float("nan"),
        method="décomposition par région (une tâche par région, la passe frontalière, le rattrapage)",
    )
    return ResultatEchelle(
        solution=solution,
        regions=sorted(regions, key=lambda r: r.region),
        premiere_passe=premiere,
        seconde_passe=len(seconde.assignments),
        seconde_passe_s=seconde_s,
        seconde_passe_arcs=int(seconde.details.get("arcs", 0)),
        priorite_passes_1_2=passes_1_2,
        rattrapage_volontaires=len(movable),
        rattrapage_s=rattrapage_s,
        decoupage_s=lot.decoupage_s,
        attente_s=attente_s,
        total_s=time.perf_counter() - lot.debut,
        violations=check(lot.instance, taken),
        sans_passe_1=dict(lot.sans_passe_1),
    )


def planifier_par_region(
    instance: Instance,
    dossier: Path,
    *,
    attente_s: float = 1800.0,
    sondage_s: float = 0.5,
    rapport: Callable[[str], None] = lambda ligne: None,
) -> ResultatEchelle:
    """Queues every region, waits for the workers, runs pass 2, checks the whole plan (see the module)."""
    if not (math.isfinite(attente_s) and attente_s > 0):  # nan: a wait that never ends, tasks left queued
        raise EchelleError(f"L'attente doit être un nombre positif fini de secondes, pas {attente_s:g}.")
    # Interruptible from the first task queued to the end of the take-back, not only during the wait (a SIGTERM
    # while queueing or in pass 2 ended the process at once, its untaken tasks left in the queue, 6 December).
    lot = Lot(instance, dossier / "affectations", {}, 0.0, time.perf_counter())
    with _interruptible(lot):
        mettre_en_file(instance, dossier, lot)
        rapport(f"{len(lot.taches)} régions mises en file en {lot.decoupage_s:.1f} s")
        for region, motif in lot.sans_passe_1.items():
            rapport(f"région {region or 'sans région'} sans calcul régional : {motif}")
        debut = time.perf_counter()
        regions = attendre(lot, attente_s=attente_s, sondage_s=sondage_s, rapport=rapport)
        return terminer(lot, regions, time.perf_counter() - debut)
