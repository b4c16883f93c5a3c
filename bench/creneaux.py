"""Slot lists of every active lieu, this checkout against another (`--base`), on the same database.

    python bench/creneaux.py --base /chemin/vers/un/autre/depot [--db var/solidarite.sqlite3] [--runs 3]

Each side runs in a fresh process of its own checkout (`PYTHONPATH=<checkout>/src`), alternately, on a copy of
the database (a demonstration one, `make demo`: its lieux, missions and appointments): the median of 15 reads of
`slots_by_lieu` for every active lieu over 28 days (a lieu's page, the API's list, FHIR) and of the next three
free slots of 30 lieux (a search). Last line: `key=value …`, `ratio` = this checkout's full list over the base's.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

WORKER = """
import datetime as dt, json, statistics, time
import django
django.setup()
from django.utils import timezone
from solidarite.annuaire.models import LieuSolidaire
from solidarite.rdv.services import free_slots
ids = list(LieuSolidaire.objects.filter(actif=True).values_list("pk", flat=True))
today = timezone.localdate()
full, nxt = [], []
for _ in range(15):
    t = time.perf_counter()
    found = free_slots.slots_by_lieu(ids, today, today + dt.timedelta(days=28))
    full.append(time.perf_counter() - t)
    t = time.perf_counter()
    free_slots.next_free_by_lieu(ids[:30], timezone.now(), 3)
    nxt.append(time.perf_counter() - t)
print(json.dumps({"lieux": len(ids), "creneaux": sum(len(v) for v in found.values()),
                  "full_ms": statistics.median(full) * 1000, "next_ms": statistics.median(nxt) * 1000}))
"""


def measure(checkout: Path, database: Path) -> dict[str, float]:
    env = {
        **os.environ,
        "PYTHONPATH": str(checkout / "src"),
        "DJANGO_SETTINGS_MODULE": "solidarite.config.settings",
        "DATABASE_URL": f"sqlite:///{database}",
    }
    done = subprocess.run(
        [sys.executable, "-c", WORKER], capture_output=True, text=True, env=env, cwd=checkout, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"mesure impossible dans {checkout} :\n{done.stderr[-1500:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--base", type=Path, required=True, help="autre dépôt (la référence)")
    parser.add_argument("--db", type=Path, default=ROOT / "var" / "solidarite.sqlite3")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not args.db.is_file():
        raise SystemExit(f"Base introuvable : {args.db} (lancez d'abord make demo).")
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "bench.sqlite3"
        shutil.copyfile(args.db, copy)
        ours, base = [], []
        for _ in range(args.runs):
            ours.append(measure(ROOT, copy))
            base.append(measure(args.base.resolve(), copy))
    worst = {key: max(run[key] for run in ours) for key in ("full_ms", "next_ms")}
    base_worst = {key: max(run[key] for run in base) for key in ("full_ms", "next_ms")}
    print(f"{ours[0]['lieux']} lieux, {ours[0]['creneaux']} créneaux (base : {base[0]['creneaux']})")
    for name, runs in (("ce dépôt", ours), ("base", base)):
        print(
            f"{name:9} liste complète {statistics.median(r['full_ms'] for r in runs):7.2f} ms, "
            f"3 prochains ×30 {statistics.median(r['next_ms'] for r in runs):6.2f} ms"
        )
    print(
        f"full_ms={worst['full_ms']:.2f} base_full_ms={base_worst['full_ms']:.2f} next_ms={worst['next_ms']:.2f} "
        f"base_next_ms={base_worst['next_ms']:.2f} ratio={worst['full_ms'] / base_worst['full_ms']:.2f}"
    )


if __name__ == "__main__":
    main()
