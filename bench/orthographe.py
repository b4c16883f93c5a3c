"""Benchmark: the names proposed to a misspelled commune search (territoire/orthographe.py).

On every commune and former commune of ../shared/data (no database): the time to build the index (median of 3)
and its memory (what tracemalloc sees of it, and the peak resident memory of a fresh process that builds it), the
time of a query (the examples of the ticket, then 2,884 slips of one edit drawn at random from real names: a
letter replaced, added, left out, doubled, or two swapped), how often the name meant is proposed first and among
the first 5, and what a scan of every name would cost instead (numpy over all entries, and plain Python).
Run: `.venv/bin/python bench/orthographe.py`.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
from _measure import peak_mb_since, reset_peak, run_worker

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "solidarite.config.settings")
import django

django.setup()

from solidarite.territoire import orthographe  # noqa: E402
from solidarite.territoire.models import normalise_nom  # noqa: E402
from solidarite.territoire.sources import read_territoire  # noqa: E402

DATA_DIR = Path(
    os.environ.get("SOLIDARITE_DATA_DIR", Path(__file__).resolve().parents[2] / "shared" / "data")
)
EXAMPLES = [
    "mauriak",
    "Aurillacc",
    "Mauirac",
    "chatoroux",
    "st flourr",
    "riom es montagnne",
    "Bourg en bress",
    "marseile",
    "montpelier",
    "chatauro",
    "zzzzzz",
]


def load() -> tuple[list[str], list[int], list[int], list[str]]:
    """The normalised names (communes, then former communes), their commune (a number) and its population."""
    data = read_territoire(DATA_DIR)
    number = {c.code: n for n, c in enumerate(data.communes)}
    names = [normalise_nom(c.nom) for c in data.communes]
    owners = list(range(len(names)))
    weights = [c.population or 0 for c in data.communes]
    for d in data.deleguees:
        names.append(normalise_nom(d.nom))
        owners.append(number[d.commune])
        weights.append(weights[number[d.commune]])
    return names, owners, weights, [c.nom for c in data.communes]


def slips(names: list[str], count: int, seed: int = 7) -> list[tuple[str, str]]:
    """(the name with one slip, the name) for `count` names drawn at random, of 5 letters or more once slipped."""
    rnd = random.Random(seed)
    alphabet = "abcdefghijklmnopqrstuvwxyz"
    found = []
    for k in rnd.sample(range(len(names)), count):
        name = names[k]
        places = [i for i, ch in enumerate(name) if ch.isalpha()]
        i, kind = rnd.choice(places), rnd.choice("sidtD")
        if kind == "s":
            typed = name[:i] + rnd.choice(alphabet) + name[i + 1 :]
        elif kind == "i":
            typed = name[:i] + rnd.choice(alphabet) + name[i:]
        elif kind == "d":
            typed = name[:i] + name[i + 1 :]
        elif kind == "t" and i + 1 < len(name) and name[i + 1].isalpha():
            typed = name[:i] + name[i + 1] + name[i] + name[i + 2 :]
        else:
            typed = name[:i] + name[i] + name[i:]
        if typed != name and orthographe.letters(typed) >= 5:
            found.append((typed, name))
    return found


def percentiles(times_s: list[float]) -> str:
    ms = np.asarray(times_s) * 1000
    return (
        f"médiane {np.median(ms):.2f} ms, p95 {np.percentile(ms, 95):.2f} ms, p99 {np.percentile(ms, 99):.2f} ms, "
        f"max {ms.max():.2f} ms"
    )


def worker() -> None:
    names, owners, weights, _ = load()
    gc.collect()
    before = reset_peak()
    index = orthographe.SpellingIndex.build(names, owners, weights)
    print(json.dumps({"peak_mb": peak_mb_since(before), "entries": len(index.texts)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker()
        return
    names, owners, weights, display = load()
    print(f"noms : {len(names)} (communes et anciennes communes)")

    builds = []
    for _ in range(3):
        gc.collect()
        started = time.perf_counter()
        index = orthographe.SpellingIndex.build(names, owners, weights)
        builds.append(time.perf_counter() - started)
    tracemalloc.start()
    traced = orthographe.SpellingIndex.build(names, owners, weights)
    index_mb = tracemalloc.get_traced_memory()[0] / 1e6
    tracemalloc.stop()
    del traced
    peak = run_worker(__file__, "--worker")
    print(
        f"index : {len(index.texts)} entrées ; construit en {statistics.median(builds):.2f} s (médiane de 3) ; "
        f"{index_mb:.1f} Mo vus par tracemalloc, pic résident {peak['peak_mb']:.0f} Mo dans un processus neuf"
    )

    index.near("mauriak")  # numpy's first call
    for typed in EXAMPLES:
        norm = normalise_nom(typed)
        best = min(_timed(lambda n=norm: index.near(n)) for _ in range(20))  # type: ignore[misc]
        proposed = ", ".join(display[n.owner] for n in index.near(norm)) or "rien"
        print(f"  « {typed} » : {best * 1000:.2f} ms (meilleur de 20) → {proposed}")

    cases = slips(names[: len(display)], 3000)
    times, first, top5 = [], 0, 0
    for typed, meant in cases:
        started = time.perf_counter()
        near = index.near(typed)
        times.append(time.perf_counter() - started)
        ranks = [r for r, n in enumerate(near) if names[n.owner] == meant]  # a homonym is the name meant too
        first += bool(ranks) and ranks[0] == 0
        top5 += bool(ranks) and ranks[0] < 5
    print(
        f"{len(cases)} fautes d'une frappe : le nom voulu proposé en premier {first / len(cases):.1%}, "
        f"parmi les 5 premiers {top5 / len(cases):.1%} ; {percentiles(times)}"
    )

    every = np.arange(len(index.texts))
    scan = [
        _timed(lambda t=t: orthographe.alignment_distances(t, index.matrix[every], index.lengths[every]))
        for t, _ in cases[:50]
    ]
    python_scan = [
        _timed(lambda t=t: [_osa_within(t, name, 2) for name in index.texts]) for t, _ in cases[:3]
    ]
    print(
        f"au lieu de l'index, toutes les entrées à chaque frappe : numpy {statistics.median(scan) * 1000:.1f} ms, "
        f"Python {statistics.median(python_scan) * 1000:.0f} ms (médianes)"
    )
    print(
        f"build_s={statistics.median(builds):.3f} index_mb={index_mb:.1f} peak_mb={peak['peak_mb']:.0f} "
        f"query_p95_ms={np.percentile(np.asarray(times) * 1000, 95):.2f} "
        f"query_max_ms={max(times) * 1000:.2f} top1={first / len(cases):.3f} top5={top5 / len(cases):.3f} "
        # the baseline: the numpy scan of every entry; ratio = the index's median query against it
        f"query_median_ms={statistics.median(times) * 1000:.2f} base_scan_ms={statistics.median(scan) * 1000:.1f} "
        f"ratio={statistics.median(times) / statistics.median(scan):.3f}"
    )


def _timed(function) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def _osa_within(a: str, b: str, reach: int) -> bool:
    """Whether two texts are at most `reach` edits apart, the plain way (the scan without an index)."""
    if abs(len(a) - len(b)) > reach:
        return False
    before = list(range(len(b) + 1))
    earlier = before
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            row[j] = min(before[j] + 1, row[j - 1] + 1, before[j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], earlier[j - 2] + 1)
        earlier, before = before, row
    return before[-1] <= reach


if __name__ == "__main__":
    sys.exit(main())
