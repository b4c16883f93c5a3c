"""Benchmark: the national zonage run before and after the calibration (issue 22), side by side.

Two code versions, each in fresh processes (median of `--runs`): the baseline commit (extracted with
`git archive` into a temporary folder, default `63eb214`, the start of the calibration branch) with its
parameter set, and the current tree with the historical set, the vote of methods of 6 December (`_v6`, ADR
0021: the heaviest computation, one criteria table per aggregation of its members) and the calibrated 2025 set
in force (one method and a population target since ADR 0028). For each:
reading and checking the data files (`read_inputs`), then the national computation from what was read
(`criteria_from_inputs` and `score_criteria`; the baseline does both in one call, `compute_zonage`),
straight-line road times so that all read the same inputs; and the scoring step alone (criteria → ranks → selection), which is what a what-if on the
weights recomputes: five re-scorings with another weight, timed after one untimed scoring of the same tables with
the set in force (on the platform a what-if follows the national run; since ADR 0032 that first scoring prepares
what the weights do not change). The APL engine and its what-if are measured by `bench/apl_vs_access.py` (unchanged).

Run: `.venv/bin/python bench/zonage_calibrage.py [--runs 3] [--baseline 63eb214]`.
Last line: `national_s=<now, calibrated: the computation from the files already read, the figure held
against the 1 s target> lecture_s=<reading and checking the files> total_s=<both> base_total_s=<baseline,
read and computed in one call> score_ms=<now, median, the figure held against the 10 ms target> base_score_ms=<baseline>
score_max_ms=<now, the longest re-scoring of every process> base_score_max_ms=<baseline> ratio=<total now / total base> vote_national_s=<the same for the
vote of `_v6`>`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("SOLIDARITE_DATA_DIR", REPO.parent / "shared" / "data"))


def worker(which: str) -> None:
    import dataclasses

    from solidarite.zonage.calcul import compute_zonage
    from solidarite.zonage.score import score_epcis
    from solidarite.zonage.sources import load_params

    if which == "now-calibre":
        params = load_params()
    elif which == "now-vote":  # the vote of 6 December (ADR 0021), in force until ADR 0028
        import solidarite.zonage.sources as sources

        params = load_params(sources.PARAMS_2025_CALIBRE.parent / "zonage_2025_calibre_v6.toml")
    else:
        import solidarite.zonage.sources as sources

        params = load_params(getattr(sources, "PARAMS_2025_HISTORIQUE", sources.DEFAULT_PARAMS_FILE))
    # The ranking imports scipy.stats on its first call (zonage/composite.py): a process's start, not the run's,
    # as for the baseline, which imported it with its modules.
    import scipy.stats  # noqa: F401

    started = time.perf_counter()
    if which == "base":  # the baseline reads and computes in one call
        result = compute_zonage(DATA, params)
        lecture, national = float("nan"), float("nan")
    else:  # reading the files, then the national run from what was read (as bench/apl_vs_access.py)
        from solidarite.zonage.calcul import criteria_from_inputs, read_inputs, score_criteria

        inputs = read_inputs(DATA)
        lecture = time.perf_counter() - started
        result = score_criteria(criteria_from_inputs(inputs, None, None, params.agregations), params)
        national = time.perf_counter() - started - lecture
    elapsed = time.perf_counter() - started
    values = {s.siren: {c: (v.valeur, v.manquant) for c, v in s.criteres.items()} for s in result.scores}
    populations = {s: i.population for s, i in result.epcis.items()}
    regions = {s: i.region_code for s, i in result.epcis.items()}
    criteria = None
    if which in ("now-calibre", "now-vote"):  # the what-if re-scores the criteria tables of every member
        from solidarite.zonage.calcul import compute_criteria, score_criteria

        criteria = compute_criteria(DATA, None, None, None, params.agregations)

    def rescore(changed: object) -> None:
        if criteria is not None:
            score_criteria(criteria, changed)
        elif which == "base":
            score_epcis(values, populations, changed)
        elif getattr(result, "bassins", None) is not None:  # a composite per bassin de vie (ADR 0016)
            score_epcis(values, populations, changed, regions, result.bassins)
        else:
            score_epcis(values, populations, changed, regions)

    # A what-if follows a scoring of the same tables with the set in force, as on the platform (the national run):
    # one untimed scoring first, so that what is timed is the re-scoring alone, for every version.
    rescore(params)
    timings = []
    for weight in (0.5, 1.0, 1.5, 2.0, 2.5):  # a what-if on one weight, as a user would try several
        changed = dataclasses.replace(params, poids=dict(params.poids, apl=weight))
        if criteria is not None:  # the weights of a set with [methode] sum to 1
            total = sum(changed.poids.values())
            changed = dataclasses.replace(changed, poids={k: v / total for k, v in changed.poids.items()})
        t = time.perf_counter()
        rescore(changed)
        timings.append(time.perf_counter() - t)
    print(
        json.dumps(
            {
                "lecture_s": lecture,
                "national_s": national,
                "total_s": elapsed,
                "score_ms": 1000 * statistics.median(timings),
                "score_max_ms": 1000 * max(timings),
                "zones": len(result.selected),
            }
        )
    )


def run(which: str, src: Path) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=f"{src}:{REPO}")
    out = subprocess.run(
        [sys.executable, __file__, "--worker", which], capture_output=True, text=True, env=env, check=False
    )
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    data: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return data


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline", default="63eb214")
    parser.add_argument("--worker", choices=["base", "now-historique", "now-vote", "now-calibre"])
    args = parser.parse_args()
    if args.worker:
        worker(args.worker)
        return
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / "base.tar"
        subprocess.run(
            ["git", "-C", str(REPO), "archive", "-o", str(archive), args.baseline, "src"], check=True
        )
        with tarfile.open(archive) as tar:
            tar.extractall(tmp, filter="data")
        sources = {
            "base": Path(tmp) / "src",
            "now-historique": REPO / "src",
            "now-vote": REPO / "src",
            "now-calibre": REPO / "src",
        }
        runs: dict[str, list[dict[str, float]]] = {k: [] for k in sources}
        for _ in range(args.runs):  # alternated, so that the machine's load weighs on each the same
            for which, src in sources.items():
                runs[which].append(run(which, src))
    metrics = ("lecture_s", "national_s", "total_s", "score_ms", "zones")
    med = {k: {m: statistics.median(r[m] for r in v) for m in metrics} for k, v in runs.items()}
    worst = {k: max(r["score_max_ms"] for r in v) for k, v in runs.items()}
    print(
        f"{'version':<34} {'lecture (s)':>12} {'calcul national (s)':>20} {'total (s)':>10} "
        f"{'score seul (ms)':>16} {'pire (ms)':>10} {'zones':>6}"
    )
    labels = {
        "base": f"avant ({args.baseline}), jeu 2025",
        "now-historique": "après, jeu 2025 historique",
        "now-vote": "après, vote du 6 décembre (v6)",
        "now-calibre": "après, jeu calibré en vigueur",
    }
    for k, m in med.items():
        cells = "".join(
            f" {'—' if v != v else f'{v:.3f}':>{w}}"
            for v, w in ((m["lecture_s"], 12), (m["national_s"], 20), (m["total_s"], 10))
        )
        print(f"{labels[k]:<34}{cells} {m['score_ms']:>16.1f} {worst[k]:>10.1f} {m['zones']:>6.0f}")
    print(
        f"médianes de {args.runs} processus neufs par version, en alternance (— : non séparable avant) ; "
        "pire : le plus long des what-if de tous les processus"
    )
    now, base = med["now-calibre"], med["base"]
    print(
        f"national_s={now['national_s']:.3f} lecture_s={now['lecture_s']:.3f} total_s={now['total_s']:.3f} "
        f"base_total_s={base['total_s']:.3f} score_ms={now['score_ms']:.1f} base_score_ms={base['score_ms']:.1f} "
        f"score_max_ms={worst['now-calibre']:.1f} base_score_max_ms={worst['base']:.1f} "
        f"ratio={now['total_s'] / base['total_s']:.2f} vote_national_s={med['now-vote']['national_s']:.3f}"
    )


if __name__ == "__main__":
    main()
