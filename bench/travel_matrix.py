"""Benchmark: the national matrix of commune pairs within 45 minutes (territoire/travel.py).

Our k-d tree method (`pairs_within`) against the plain baseline — every pair of communes, in
chunks of vectorised haversine — on every commune with coordinates in ../shared/data. Both must
find the same pairs. Prints time (median of 3 runs for ours), peak resident memory (measured in a fresh
process as the other benches do, so the k-d tree's C allocations count), pair count, and the speed ratio. Run: `.venv/bin/python bench/travel_matrix.py [--minutes 45]`.
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from _measure import peak_mb_since, reset_peak, run_worker

from solidarite.territoire.travel import CrowFlyProvider, pairs_within

DATA_DIR = Path(
    os.environ.get("SOLIDARITE_DATA_DIR", Path(__file__).resolve().parents[2] / "shared" / "data")
)


def load_points() -> tuple[np.ndarray, np.ndarray]:
    with (DATA_DIR / "communes_coordonnees.csv").open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["latitude"]]
    return np.array([float(r["latitude"]) for r in rows]), np.array([float(r["longitude"]) for r in rows])


def brute_force(
    lat: np.ndarray, lon: np.ndarray, minutes: float, chunk: int = 256
) -> tuple[np.ndarray, np.ndarray]:
    """Baseline: all n² pairs, a chunk of origins at a time; returns sorted keys and minutes."""
    provider = CrowFlyProvider()
    n = len(lat)
    keys, values = [], []
    for start in range(0, n, chunk):
        block = provider.matrix_minutes(lat[start : start + chunk], lon[start : start + chunk], lat, lon)
        rows, cols = np.nonzero(block <= minutes)
        keys.append((rows + start).astype(np.int64) * n + cols)
        values.append(block[rows, cols].astype(np.float32))
    return np.concatenate(keys), np.concatenate(values)


def timed(function: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        result = None
        gc.collect()
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def worker(kind: str, minutes: float) -> None:
    """In a fresh process: one computation, then its peak resident memory as JSON."""
    lat, lon = load_points()
    gc.collect()
    before = reset_peak()
    result = pairs_within(lat, lon, minutes) if kind == "ours" else brute_force(lat, lon, minutes)
    peak_mb = peak_mb_since(before)
    del result
    print(json.dumps({"peak_mb": peak_mb}))


def peak_rss_mb(kind: str, minutes: float) -> float:
    return float(run_worker(__file__, "--worker", kind, "--minutes", str(minutes))["peak_mb"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=45.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--worker", choices=["ours", "baseline"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.minutes)
        return
    lat, lon = load_points()
    print(
        f"communes avec coordonnées : {len(lat)} ; seuil : {args.minutes:g} min (vol d'oiseau × 1,3 à 60 km/h)"
    )

    ours_s, pairs = timed(lambda: pairs_within(lat, lon, args.minutes), args.repeat)
    csr_s, matrix = timed(lambda: pairs.to_csr(), 1)
    ours_mb = peak_rss_mb("ours", args.minutes)
    print(
        f"k-d tree : {ours_s:.2f} s (médiane de {args.repeat}), + {csr_s:.2f} s en CSR ; pic résident {ours_mb:.0f} Mo ; "
        f"{len(pairs)} paires ordonnées ({matrix.nnz} dans la matrice, {pairs.nbytes / 1e6:.0f} Mo)"
    )

    base_s, (base_keys, base_minutes) = timed(lambda: brute_force(lat, lon, args.minutes), 1)
    base_mb = peak_rss_mb("baseline", args.minutes)
    print(
        f"référence (toutes les paires, par blocs) : {base_s:.2f} s ; pic résident {base_mb:.0f} Mo ; {len(base_keys)} paires"
    )

    ours_keys = pairs.origins.astype(np.int64) * len(lat) + pairs.destinations
    order = np.argsort(ours_keys)
    same_pairs = np.array_equal(ours_keys[order], base_keys)  # the baseline's keys come out sorted
    max_diff = float(np.max(np.abs(pairs.minutes[order] - base_minutes))) if same_pairs else float("nan")
    print(f"mêmes paires : {same_pairs} ; écart maximal {max_diff:.2e} min")
    print(
        f"pairs={len(pairs)} national_s={ours_s:.3f} peak_mb={ours_mb:.0f} baseline_s={base_s:.3f} "
        f"baseline_peak_mb={base_mb:.0f} ratio_vs_baseline={base_s / ours_s:.1f} same_pairs={str(same_pairs).lower()}"
    )


if __name__ == "__main__":
    main()
