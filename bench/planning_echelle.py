"""Benchmark: planning at national scale, one background task per ARS region, on several worker processes
(issue 23, scale-out; ADR 0017).

The scenario: every general practitioner a potential participant — 100,000 volunteers × 5,000 lieux ×
the working days of March 2026 (planning/instances.generate_family, seeded, real commune coordinates:
volunteers in communes of ≥ 5,000 inhabitants, lieux in communes of 200–3,000). In a FRESH database (an
SQLite file in a temporary folder by default; `DATABASE_URL=postgres://…` to show PostgreSQL, migrated
first), the bench starts TWO worker processes (`python -m solidarite worker`), runs the orchestrator
(`python -m solidarite planning_echelle`: one task per region on the shared queue, then the boundary pass
and the check of the whole plan), and prints which worker (pid) solved which region, each region's time
and arcs, each worker's peak memory (VmHWM), the orchestrator's, the plan's figures and its violations.

Then the national family (10,000 × 1,000, seeds 1..N) through the same workers: the decomposed objective
beside the undecomposed optimum (`solve_flow`, in a fresh process: bench/planning.py's worker).

Run: `.venv/bin/python bench/planning_echelle.py [--volontaires 100000 --lieux 5000 --graines 2]`.
Last line: `echelle_s=<wall of the orchestrator> cible_s=300 sur_cible=<ratio> … decompose_sur_optimum=<worst>`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from _measure import run_worker

REPO = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("SOLIDARITE_DATA_DIR", REPO.parent / "shared" / "data"))
TARGET_S = 300.0  # issue 23: the 100,000 × 5,000 scenario in < 5 min wall on this machine
PYTHON = sys.executable


def vm_hwm_mb(pid: int) -> float | None:
    """The peak resident set of a live process, in MB (Linux); None where it cannot be read."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return None


class Workers:
    """`count` processes of `python -m solidarite worker` on the bench's database, stopped by SIGTERM."""

    def __init__(self, count: int, env: dict[str, str], folder: Path) -> None:
        self.logs = [folder / f"worker-{k + 1}.log" for k in range(count)]
        self.processes = [
            subprocess.Popen(
                [PYTHON, "-m", "solidarite", "worker", "--interval", "0.5"],
                env=env,
                stdout=log.open("w"),
                stderr=subprocess.STDOUT,
            )
            for log in self.logs
        ]

    def alive(self) -> None:
        for process, log in zip(self.processes, self.logs, strict=True):
            if process.poll() is not None:
                raise RuntimeError(f"le worker {process.pid} s'est arrêté :\n{log.read_text()[-2000:]}")

    def peaks(self) -> dict[int, float | None]:
        return {p.pid: vm_hwm_mb(p.pid) for p in self.processes}

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def orchestrate(instance_file: Path, folder: Path, env: dict[str, str], timeout_s: float) -> dict[str, Any]:
    """Runs `planning_echelle` in a fresh process (its output passes through); its wall time and peak memory
    (`wait4`'s resource usage of that one child) join the figures it wrote."""
    out = folder / f"{instance_file.stem}-resultat.json"
    started = time.perf_counter()
    process = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "solidarite",
            "planning_echelle",
            "--instance",
            str(instance_file),
            "--dossier",
            str(folder / instance_file.stem),
            "--out",
            str(out),
            "--attente",
            str(timeout_s),
        ],
        env=env,
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"planning_echelle a échoué (code {process.returncode})")
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    result.pop("planning")
    result["wall_s"] = wall
    result["orchestrateur_mb"] = usage.ru_maxrss / 1024
    return result


def print_regions(result: dict[str, Any]) -> None:
    for r in sorted(result["regions"], key=lambda r: -float(r["secondes"])):
        print(
            f"  région {r['region'] or '—'} : {r['volontaires']} volontaires, {r['lieux']} lieux, {str(r['arcs']) + ' arcs, ' if r['arcs'] else ''}"
            f"{r['places']} places, {float(r['secondes']):.1f} s (lecture {float(r['lecture_s']):.1f}, flot "
            f"{float(r['flot_s']):.1f} ; worker {r['pid']}, pic du worker "
            f"{float(r['pic_mo']):.0f} Mo, en file {float(r['attente_s']):.1f} s)"
        )
    per_worker = Counter(int(r["pid"]) for r in result["regions"])
    busy: dict[int, float] = {}
    for r in result["regions"]:
        busy[int(r["pid"])] = busy.get(int(r["pid"]), 0.0) + float(r["secondes"])
    print(
        "  partage de la file : "
        + ", ".join(f"worker {pid} : {n} régions, {busy[pid]:.1f} s" for pid, n in sorted(per_worker.items()))
    )
    print(
        f"  découpage et mise en file {float(result['decoupage_s']):.1f} s, régions {float(result['attente_regions_s']):.1f} s, "
        f"passe frontalière {float(result['seconde_passe_s']):.1f} s ({result['seconde_passe']} places, "
        f"{result['seconde_passe_arcs']} arcs), rattrapage {float(result['rattrapage_s']):.1f} s "
        f"({result['rattrapage_volontaires']} volontaires rattrapés), "
        f"orchestrateur {float(result['wall_s']):.1f} s mur (lecture de l'instance et démarrage compris), "
        f"pic {float(result['orchestrateur_mb']):.0f} Mo"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--volontaires", type=int, default=100_000)
    parser.add_argument("--lieux", type=int, default=5_000)
    parser.add_argument("--graine", type=int, default=1, help="Graine du scénario d'échelle.")
    parser.add_argument(
        "--graines", type=int, default=2, help="Graines 1..N de la famille nationale (0 : aucune)."
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--attente", type=float, default=3600.0, help="Attente maximale des régions (s).")
    args = parser.parse_args()
    if args.workers < 1 or args.volontaires < 1 or args.lieux < 1 or args.graines < 0:
        parser.error("--workers, --volontaires et --lieux doivent être positifs, --graines au moins 0.")

    from solidarite.planning.instances import generate_family
    from solidarite.planning.optimizer import instance_as_dict, split_by_region
    from solidarite.territoire.sources import read_territoire

    print(f"charge de la machine au départ : {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")
    with tempfile.TemporaryDirectory(prefix="banc-echelle-") as temporary:
        folder = Path(temporary)
        env = dict(os.environ)
        env.setdefault("DATABASE_URL", f"sqlite:///{folder / 'banc.sqlite3'}")
        engine = env["DATABASE_URL"].split(":", 1)[0]
        territoire = read_territoire(DATA_DIR)
        started = time.perf_counter()
        instance = generate_family(
            territoire, volunteers=args.volontaires, sites=args.lieux, seed=args.graine
        )
        scale_file = folder / f"echelle-{args.graine}.json"
        scale_file.write_text(json.dumps(instance_as_dict(instance)), encoding="utf-8")
        regions = split_by_region(instance)
        print(
            f"échelle graine {args.graine} : {len(instance.volunteers)} volontaires, {len(instance.sites)} lieux, "
            f"{sum(len(s.needed) * s.capacity for s in instance.sites)} places, {len(instance.history)} paires "
            f"de continuité, {len(regions)} régions ; générée et écrite en {time.perf_counter() - started:.1f} s "
            f"({scale_file.stat().st_size / 1e6:.0f} Mo)"
        )
        # Every place filled at its priority: no plan can do better; reached, it proves the decomposed plan
        # optimal in priority (the scenario has far more volunteers than places).
        bound = sum(site.priority * len(site.needed) * site.capacity for site in instance.sites)
        del instance, regions
        started = time.perf_counter()
        subprocess.run([PYTHON, "-m", "solidarite", "migrate", "-v0"], env=env, check=True)
        print(f"base {engine} neuve migrée en {time.perf_counter() - started:.1f} s")
        workers = Workers(args.workers, env, folder)
        try:
            time.sleep(3)  # their start-up (Django, the queues) is not the plan's time
            workers.alive()
            print(f"{args.workers} workers : pid {', '.join(str(p.pid) for p in workers.processes)}")
            scale = orchestrate(scale_file, folder, env, args.attente)
            print_regions(scale)
            print(
                f"  priorité décomposée {float(scale['priorite']):.1f} ; borne (toutes les places pourvues) "
                f"{bound:.1f} ; décomposé / borne = {float(scale['priorite']) / bound:.4f}"
            )
            national = []
            for seed in range(1, args.graines + 1):
                family = generate_family(territoire, volunteers=10_000, sites=1_000, seed=seed)
                path = folder / f"national-{seed}.json"
                path.write_text(json.dumps(instance_as_dict(family)), encoding="utf-8")
                decomposed = orchestrate(path, folder, env, args.attente)
                workers.alive()
                optimum = run_worker(
                    str(REPO / "bench" / "planning.py"), "--worker", "optimum", "--instance", str(path)
                )
                ratio = float(decomposed["priorite"]) / float(optimum["priority"])
                before = float(decomposed["priorite_passes_1_2"]) / float(optimum["priority"])
                print(
                    f"national graine {seed} : décomposé priorité {float(decomposed['priorite']):.1f} "
                    f"({decomposed['places']} places ; passes 1 et 2 seules {float(decomposed['priorite_passes_1_2']):.1f}, "
                    f"{decomposed['premiere_passe']} + {decomposed['seconde_passe']} places ; rattrapage de "
                    f"{decomposed['rattrapage_volontaires']} volontaires en {float(decomposed['rattrapage_s']):.1f} s ; "
                    f"{len(decomposed['violations'])} contrainte violée, "
                    f"{float(decomposed['wall_s']):.1f} s sur {len(decomposed['workers'])} workers) ; optimum non "
                    f"décomposé {float(optimum['priority']):.1f} ({optimum['filled']} places, "
                    f"{'prouvé' if optimum['optimal'] else 'non prouvé'}, {float(optimum['seconds']):.1f} s) ; "
                    f"décomposé / optimum = {ratio:.4f} (sans le rattrapage {before:.4f})"
                )
                national.append((ratio, before))
            peaks = workers.peaks()
        finally:
            workers.stop()
    for pid, peak in peaks.items():
        print(f"worker {pid} : pic {'non mesurable' if peak is None else f'{peak:.0f} Mo'}")
    measured = [p for p in peaks.values() if p is not None]
    fields = [
        f"echelle_s={float(scale['wall_s']):.1f}",
        f"cible_s={TARGET_S:.0f}",
        f"sur_cible={float(scale['wall_s']) / TARGET_S:.2f}",
        f"base={engine}",
        f"workers={len(scale['workers'])}",
        f"regions={len(scale['regions'])}",
        f"plus_longue_region_s={max(float(r['secondes']) for r in scale['regions']):.1f}",
        f"passe_frontaliere_s={float(scale['seconde_passe_s']):.1f}",
        f"rattrapage_s={float(scale['rattrapage_s']):.1f}",
        f"priorite={float(scale['priorite']):.1f}",
        f"sur_borne={float(scale['priorite']) / bound:.4f}",
        f"places={scale['places']}",
        f"violations={len(scale['violations'])}",
        f"pic_worker_mb={max(measured):.0f}" if measured else "pic_worker_mb=na",
        f"orchestrateur_mb={float(scale['orchestrateur_mb']):.0f}",
    ]
    if national:
        fields.append(f"decompose_sur_optimum={min(r for r, _ in national):.4f}")
        fields.append(f"sans_rattrapage_sur_optimum={min(b for _, b in national):.4f}")
    print(" ".join(fields))


if __name__ == "__main__":
    main()
