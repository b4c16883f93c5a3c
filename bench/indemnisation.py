"""Benchmark: building every monthly statement of a month nationally (indemnisation.services.construire_mois).

3,000 volunteers × 2 realised days (one volunteer in five with a half-day, one in fifty over the cap) spread over
151 lieux in 13 regions, synthetic rows in a fresh database (SQLite file, and PostgreSQL `<db>_bench`), migrated
once. Each measurement runs in a fresh process: seed, then time, peak resident-set rise and query count of the
month's run alone. Compared side by side with the named baseline « naïf » (a statement per volunteer: read their
days, create the statement, then its lines, one volunteer at a time), on the same rows. The query count is taken
for two sizes (1,500 and 3,000 volunteers): the run's must be equal. Three seeds; the WORST is reported.

Then, in the same process after the run, the exports of that month: the XLSX of every statement line (openpyxl,
write-only) and one statement PDF (weasyprint; the first rendering of the process, which loads the fonts, and the
next one), side by side with the named baseline « écrit à la main » (bench/_handwritten_exports.py: the zipfile
XLSX and the text PDF the context used before the libraries were installed).

Run: `.venv/bin/python bench/indemnisation.py` (PostgreSQL from BENCH_PG_URL, default
postgres://postgres@127.0.0.1:5432/wt_indemnisation_bench; `--no-pg` to skip). Last line:
`sqlite_s=… sqlite_mb=… pg_s=… pg_mb=… queries_1500=… queries_3000=… naive_sqlite_s=… naive_pg_s=… ratio_sqlite=… ratio_pg=…
xlsx_sqlite_s=… xlsx_sqlite_mb=… pdf_sqlite_s=… …` (export figures of the worst seed for each).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _measure import peak_mb_since, reset_peak, run_worker

REPO = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/wt_indemnisation_bench")
MONTH = dt.date(2026, 10, 1)
TODAY = dt.date(2026, 11, 20)
ZONE = "metro"


def _env(db_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": db_url,
        "DJANGO_SETTINGS_MODULE": "solidarite.config.settings",
        "SOLIDARITE_LOG_LEVEL": "WARNING",
        "PYTHONPATH": f"{REPO / 'src'}:{REPO}",
    }


def prepare(db_url: str) -> None:
    """A fresh database with the schema (PostgreSQL: dropped and created again)."""
    if db_url.startswith("postgres"):
        import psycopg

        admin, name = db_url.rsplit("/", 1)
        with psycopg.connect(
            admin.replace("postgres://", "postgresql://") + "/postgres", autocommit=True
        ) as c:
            c.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            c.execute(f"CREATE DATABASE {name}")
    done = subprocess.run(
        [sys.executable, "-m", "solidarite", "migrate", "--noinput"],
        env=_env(db_url),
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"migrate a échoué :\n{done.stderr[-2000:]}")


def seed(volunteers: int, rng: random.Random) -> None:
    """Synthetic rows: 13 regions, 151 lieux, `volunteers` doctors with two realised days each in MONTH."""
    from django.db import connection, transaction
    from django.utils import timezone

    from solidarite.annuaire.models import LieuSolidaire, MedecinVolontaire
    from solidarite.indemnisation.models import EtapeReleve, JourRealise, LigneReleve, Releve
    from solidarite.planning.models import Mission
    from solidarite.territoire.models import Commune, Departement, Epci, Region

    with transaction.atomic():
        for model in (
            EtapeReleve,
            LigneReleve,
            Releve,
            JourRealise,
            Mission,
            MedecinVolontaire,
            LieuSolidaire,
        ):
            model.objects.all()._raw_delete(connection.alias)
        if not Region.objects.filter(code__startswith="B").exists():
            regions = Region.objects.bulk_create(
                [Region(code=f"B{i:02d}", nom=f"Région {i}", zone=ZONE) for i in range(13)]
            )
            deps = Departement.objects.bulk_create(
                [
                    Departement(code=f"{i + 1:02d}", nom=f"Dép. {i}", region=r, zone=ZONE)
                    for i, r in enumerate(regions)
                ]
            )
            epcis = Epci.objects.bulk_create(
                [
                    Epci(
                        siren=f"2{i:08d}",
                        nom=f"EPCI {i}",
                        type="CC",
                        population_totale=1,
                        population_municipale=1,
                    )
                    for i in range(13)
                ]
            )
            Commune.objects.bulk_create(
                [
                    Commune(
                        code_insee=f"{d.code}001",
                        nom=f"Commune {d.code}",
                        nom_normalise=f"commune {d.code}",
                        departement=d,
                        zone=ZONE,
                        epci=epcis[i],
                    )
                    for i, d in enumerate(deps)
                ]
            )
        communes = list(
            Commune.objects.filter(code_insee__endswith="001", departement__region__code__startswith="B")
        )
        epci_of = {c.pk: c.epci_id for c in communes}
        lieux = LieuSolidaire.objects.bulk_create(
            [
                LieuSolidaire(
                    nom=f"Lieu {k}",
                    epci_id=epci_of[communes[k % 13].pk],
                    commune=communes[k % 13],
                    adresse="1 place",
                    latitude=45.0,
                    longitude=2.0,
                    type="msp",
                    referent_nom="R",
                    referent_telephone="+33471000000",
                )
                for k in range(151)
            ]
        )
        medecins = MedecinVolontaire.objects.bulk_create(
            [
                MedecinVolontaire(
                    rpps=f"{10_000_000_000 + k}",
                    nom=f"Nom{k}",
                    prenom="P",
                    email=f"m{k}@exemple.fr",
                    telephone="+33600000000",
                    commune=communes[k % 13],
                    mode_exercice="retraite",
                    cdom_id=communes[k % 13].departement_id,
                    statut="actif",
                )
                for k in range(volunteers)
            ],
            batch_size=2000,
        )
        days = [
            MONTH + dt.timedelta(days=d) for d in range(31) if (MONTH + dt.timedelta(days=d)).weekday() < 5
        ]
        missions: list[Mission] = []
        for m in medecins:
            count = 3 if rng.random() < 0.02 else 2  # one in fifty over the cap: flagged
            for day in rng.sample(days, count):
                # in the lieux of their own region (one in fifty also in a neighbouring one: two statements)
                near = [x for x in lieux if x.commune_id == m.commune_id]
                place = rng.choice(lieux) if rng.random() < 0.02 else rng.choice(near)
                missions.append(Mission(medecin=m, lieu=place, date=day, statut="realisee"))
        Mission.objects.bulk_create(missions, batch_size=2000)
        now = timezone.now()
        JourRealise.objects.bulk_create(
            [
                JourRealise(
                    mission=m,
                    nature="demi_journee" if rng.random() < 0.1 else "journee",
                    consultations=rng.randint(5, 20),
                    confirme_le=now,
                )
                for m in missions
            ],
            batch_size=2000,
        )


def naive() -> int:
    """The baseline: one volunteer at a time (their days, their statement, its lines), amounts at each day."""
    from decimal import Decimal

    from django.db import transaction

    from solidarite import parametres
    from solidarite.annuaire.models import MedecinVolontaire
    from solidarite.indemnisation.models import JourRealise, LigneReleve, Releve

    made = 0
    with transaction.atomic():
        for medecin in MedecinVolontaire.objects.all():
            jours = JourRealise.objects.filter(
                mission__medecin=medecin, mission__date__gte=MONTH
            ).select_related("mission__lieu__commune__departement")
            by_region: dict[int, list[Any]] = {}
            for j in jours:
                by_region.setdefault(j.mission.lieu.commune.departement.region_id, []).append(j)
            for region_id, items in by_region.items():
                releve = Releve.objects.create(medecin=medecin, region_id=region_id, mois=MONTH, cpam="01")
                total = Decimal(0)
                for j in items:
                    nom = "indemnite_journaliere" if j.nature == "journee" else "indemnite_demi_journee"
                    taux = parametres.montant(nom, j.mission.date)
                    LigneReleve.objects.create(
                        releve=releve,
                        genre="jour",
                        mission=j.mission,
                        date=j.mission.date,
                        nature=j.nature,
                        taux=taux,
                        montant=taux,
                    )
                    total += taux
                releve.total = total
                releve.save(update_fields=["total"])
                made += 1
    return made


def worker(volunteers: int, seed_value: int, kind: str) -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from solidarite.indemnisation import services
    from solidarite.indemnisation.models import Releve

    seed(volunteers, random.Random(seed_value))
    before = reset_peak()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        made = naive() if kind == "naif" else services.construire_mois(MONTH, today=TODAY)["releves"]
    seconds = time.perf_counter() - started
    peak = peak_mb_since(before)
    selects = sum(1 for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("SELECT"))
    figures = {
        "seconds": seconds,
        "peak_mb": peak,
        "queries": len(queries.captured_queries),
        "reads": selects,
        "releves": made,
        "anomalies": Releve.objects.exclude(anomalies=[]).count(),
    }
    if kind == "lot":
        figures.update(exports_figures())
    print(json.dumps(figures))


def exports_figures() -> dict[str, Any]:
    """The month's XLSX (rows read, then written) and one statement PDF, against the hand-written baseline."""
    import _handwritten_exports as handwritten

    from solidarite.indemnisation import exports, pdf
    from solidarite.indemnisation.models import Releve

    def month() -> list[dict[str, Any]]:
        return exports.rows(
            Releve.objects.filter(mois=MONTH).select_related("medecin", "region").prefetch_related("lignes")
        )

    before = reset_peak()
    started = time.perf_counter()
    data = month()
    book = exports.xlsx(data)
    xlsx_s = time.perf_counter() - started
    xlsx_mb = peak_mb_since(before)
    started = time.perf_counter()
    handwritten.xlsx(month())
    xlsx_base_s = time.perf_counter() - started
    releve = Releve.objects.filter(mois=MONTH).select_related("medecin", "region").order_by("pk").first()
    assert releve is not None
    timings = []
    for _ in range(2):  # the first loads the fonts (once per process), the second is the steady cost
        started = time.perf_counter()
        document = pdf.releve_pdf(releve)
        timings.append(time.perf_counter() - started)
    started = time.perf_counter()
    handwritten.releve_pdf(releve)
    pdf_base_s = time.perf_counter() - started
    return {
        "xlsx_rows": len(data),
        "xlsx_s": xlsx_s,
        "xlsx_mb": xlsx_mb,
        "xlsx_kb": len(book) / 1024,
        "xlsx_base_s": xlsx_base_s,
        "pdf_first_s": timings[0],
        "pdf_s": timings[1],
        "pdf_kb": len(document) / 1024,
        "pdf_base_s": pdf_base_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--worker", nargs=3, metavar=("VOLONTAIRES", "GRAINE", "GENRE"))
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    if args.worker:
        worker(int(args.worker[0]), int(args.worker[1]), args.worker[2])
        return
    script = str(Path(__file__).resolve())
    backends: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        backends.append(("sqlite", f"sqlite:///{tmp}/bench.sqlite3"))
        if not args.no_pg:
            backends.append(("pg", PG_URL))
        figures: dict[str, Any] = {}
        print(
            "Relevés d'un mois, 3 000 volontaires × 2 jours (13 régions, 151 lieux) ; machine : 2 cœurs partagés"
        )
        print(
            f"{'base':<7} {'graine':>6} {'calcul s':>9} {'Mo':>6} {'requêtes':>9} {'naïf s':>8} {'naïf req.':>9} {'ratio':>6}"
        )
        for name, url in backends:
            prepare(url)
            os.environ.update(_env(url))
            worst: dict[str, Any] = {}
            slowest: dict[str, Any] = {}  # the export figures: each its worst over the seeds
            for s in range(1, args.seeds + 1):
                ours = run_worker(script, "--worker", "3000", str(s), "lot")
                for key, value in ours.items():
                    if key.startswith(("xlsx", "pdf")):
                        slowest[key] = max(slowest.get(key, value), value)
                base = run_worker(script, "--worker", "3000", str(s), "naif") if s == 1 else None
                if base:
                    figures[f"naive_{name}_s"] = base["seconds"]
                    figures[f"naive_{name}_q"] = base["queries"]
                ratio = figures[f"naive_{name}_s"] / ours["seconds"]
                print(
                    f"{name:<7} {s:>6} {ours['seconds']:>9.3f} {ours['peak_mb']:>6.1f} {ours['queries']:>9} "
                    f"{figures[f'naive_{name}_s']:>8.2f} {figures[f'naive_{name}_q']:>9} {ratio:>6.1f}"
                    f"   ({ours['releves']} relevés, {ours['anomalies']} avec anomalie)"
                )
                if not worst or ours["seconds"] > worst["seconds"]:
                    worst = ours
            worst = {**worst, **slowest}
            print(
                f"{name:<7} exports (pire graine) : XLSX {worst['xlsx_rows']} lignes {worst['xlsx_s']:.2f} s "
                f"{worst['xlsx_mb']:.1f} Mo {worst['xlsx_kb']:.0f} Ko, écrit à la main {worst['xlsx_base_s']:.2f} s "
                f"(ratio {worst['xlsx_s'] / worst['xlsx_base_s']:.1f}) ; PDF d'un relevé {worst['pdf_s']:.3f} s "
                f"(premier du processus {worst['pdf_first_s']:.2f} s) {worst['pdf_kb']:.0f} Ko, "
                f"écrit à la main {worst['pdf_base_s']:.4f} s"
            )
            for key in ("xlsx_s", "xlsx_mb", "xlsx_base_s", "pdf_s", "pdf_first_s", "pdf_base_s"):
                figures[f"{key.replace('_s', '').replace('_mb', '')}_{name}_{key.rsplit('_', 1)[1]}"] = worst[
                    key
                ]
            figures[f"{name}_s"], figures[f"{name}_mb"] = worst["seconds"], worst["peak_mb"]
            figures[f"ratio_{name}"] = figures[f"naive_{name}_s"] / worst["seconds"]
            if True:  # the query count, at two sizes
                small = run_worker(script, "--worker", "1500", "1", "requetes")
                large = run_worker(script, "--worker", "3000", "1", "requetes")
                print(
                    f"{name:<7} requêtes du calcul : 1 500 volontaires {small['queries']} (dont {small['reads']} lectures), "
                    f"3 000 volontaires {large['queries']} (dont {large['reads']} lectures)"
                )
                figures[f"queries_{name}_1500"], figures[f"queries_{name}_3000"] = (
                    small["queries"],
                    large["queries"],
                )
    print(" ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
