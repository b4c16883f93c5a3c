"""Benchmark: our APL engine (zonage/apl.py) against PySAL `access` E2SFCA, on the national instance.

Every commune of DREES's field, the real standardised populations, a supply rebuilt from the
bassin-de-vie GP densities (zonage/reconstruction.py), the real travel-time pairs within 20 minutes.
The same inputs go to both engines, each timed in fresh processes (median of several runs, imports
excluded); the peak memory is the rise of the process's resident set during the computation. Then:
the largest difference between the two results, and a what-if (extra supply at 5 communes → new APL
everywhere) once the engine is built.

Run: `.venv/bin/python bench/apl_vs_access.py [--runs-ours 7] [--runs-access 3]`.
Last line: `ratio_vs_access=<x> max_rel_diff=<d> national_s=<t> whatif_ms=<w>`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _measure import peak_mb_since, reset_peak
from _measure import run_worker as run_worker_process

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # tests.zonage.access_reference: the one place that drives `access`
DATA_DIR = Path(os.environ.get("SOLIDARITE_DATA_DIR", REPO.parent / "shared" / "data"))


def worker(kind: str, instance_file: Path, output: Path) -> None:
    from solidarite.zonage.apl import AplEngine
    from solidarite.zonage.sources import read_apl_parameters
    from tests.zonage.access_reference import access_e2sfca

    data = np.load(instance_file)
    params = read_apl_parameters(DATA_DIR, 2023)
    n = int(data["n"])
    o, d, m, demand, supply = (
        data["origins"],
        data["destinations"],
        data["minutes"],
        data["demand"],
        data["supply"],
    )
    if kind == "access":
        import access  # noqa: F401  (imported before the clock starts, like ours)
    before = reset_peak()
    started = time.perf_counter()
    if kind == "ours":
        engine = AplEngine(n, o, d, m, demand, params)
        result = engine.compute(supply)
    else:
        result = access_e2sfca(n, o, d, m, demand, supply, params)
    seconds = time.perf_counter() - started
    peak_mb = peak_mb_since(before)
    report = {"seconds": seconds, "peak_mb": peak_mb}
    if kind == "ours":
        rng = np.random.default_rng(2026)
        where = rng.choice(n, 5, replace=False)
        extra = np.full(5, 2 * 25 * 10.0)  # 2 mission days × 25 consultations, 10 volunteers per lieu
        started = time.perf_counter()
        engine.what_if(result, where, extra)  # first call: also builds the index by supply commune
        report["whatif_first_ms"] = (time.perf_counter() - started) * 1000
        times = []
        for _ in range(200):
            started = time.perf_counter()
            engine.what_if(result, where, extra)
            times.append(time.perf_counter() - started)
        report["whatif_ms"] = statistics.median(times) * 1000
    np.save(output, result)
    print(json.dumps(report))


def run_worker(kind: str, instance_file: Path, output: Path) -> dict[str, float]:
    return run_worker_process(
        __file__, "--worker", kind, "--instance", str(instance_file), "--output", str(output)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs-ours", type=int, default=7)
    parser.add_argument("--runs-access", type=int, default=3)
    parser.add_argument("--worker", choices=["ours", "access"])
    parser.add_argument("--instance", type=Path)
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.instance, args.output)
        return

    from solidarite.zonage.reconstruction import build_national_instance

    started = time.perf_counter()
    instance = build_national_instance(DATA_DIR)
    supply = instance.calibrated_supply()
    pairs = instance.pairs
    print(
        f"instance nationale : {instance.n} communes, {len(pairs)} paires à 20 min ou moins, "
        f"offre reconstituée {instance.gps.sum():.0f} généralistes ({time.perf_counter() - started:.1f} s pour la préparer)"
    )
    with tempfile.TemporaryDirectory() as folder:
        instance_file = Path(folder) / "instance.npz"
        np.savez(
            instance_file,
            n=instance.n,
            origins=pairs.origins,
            destinations=pairs.destinations,
            minutes=pairs.minutes,
            demand=instance.demand,
            supply=supply,
        )
        runs: dict[str, list[dict[str, float]]] = {"ours": [], "access": []}
        for kind, count in (("ours", args.runs_ours), ("access", args.runs_access)):
            for _ in range(count):
                runs[kind].append(run_worker(kind, instance_file, Path(folder) / f"{kind}.npy"))
        ours_result = np.load(Path(folder) / "ours.npy")
        access_result = np.load(Path(folder) / "access.npy")

    ours_s = statistics.median(r["seconds"] for r in runs["ours"])
    access_s = statistics.median(r["seconds"] for r in runs["access"])
    ours_mb = max(r["peak_mb"] for r in runs["ours"])
    access_mb = max(r["peak_mb"] for r in runs["access"])
    whatif_ms = statistics.median(r["whatif_ms"] for r in runs["ours"])
    whatif_first_ms = statistics.median(r["whatif_first_ms"] for r in runs["ours"])
    finite = np.isfinite(access_result)
    diff = np.abs(ours_result - access_result)
    scale = np.maximum(np.abs(access_result), np.finfo(float).tiny)
    max_rel = float(np.max(diff[finite] / scale[finite]))
    print(
        f"notre moteur : {ours_s * 1000:.1f} ms (médiane de {args.runs_ours} processus), pic {ours_mb:.0f} Mo"
    )
    print(
        f"PySAL access : {access_s:.2f} s (médiane de {args.runs_access} processus), pic {access_mb:.0f} Mo"
    )
    print(
        f"écart maximal : {float(np.max(diff[finite])):.2e} en absolu, {max_rel:.2e} en relatif ; "
        f"valeurs non finies chez access : {int((~finite).sum())}"
    )
    print(
        f"what-if (5 communes) : {whatif_ms:.3f} ms ; premier appel, index compris : {whatif_first_ms:.1f} ms"
    )
    print(f"APL nationale moyenne (pondérée) : {float(np.average(ours_result, weights=instance.demand)):.3f}")
    print(
        f"ratio_vs_access={access_s / ours_s:.1f} max_rel_diff={max_rel:.2e} national_s={ours_s:.3f} whatif_ms={whatif_ms:.3f}"
    )


if __name__ == "__main__":
    main()
