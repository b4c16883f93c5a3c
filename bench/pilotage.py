"""Benchmark: the pilotage dashboard's server time and query count on the national demo data (issue 24, point 1).

Reads the database of DATABASE_URL (default: the SQLite file of `make demo`, var/solidarite.sqlite3, filled by
`make annuaire indemnisation`: 141 zones, their lieux, six weeks of missions, realised days and statements). Each
page is requested through Django's test client in this process (middleware, view, template: the server's
time, without the network): 3 warm-up requests, then `--repeats` timed ones; p50 and p95 in milliseconds against
the target of 100 ms (the named baseline: the issue's target). Pages: public (masked, national), ARS (the region
with the most zones), national admin (every region), and the zones' GeoJSON (the map). Users are created inside a
transaction rolled back at the end: the database is left as it was.

Query count: `indicateurs.compute` for two different numbers of zones (one region, and the whole country) must be
equal; the public page's count too.

Cold (Django's cache cleared before each timed request) and warm p95 are measured separately.

Run: `.venv/bin/python bench/pilotage.py [--repeats 40]`. Last line:
`public_cold_p95_ms=… ars_cold_p95_ms=… national_cold_p95_ms=… geojson_cold_p95_ms=… (then *_warm_*) target_ms=100 worst_ratio=… zones_small=…
zones_large=… queries_small=… queries_large=… page_queries_small=… page_queries_large=…`
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "src"), str(REPO)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "solidarite.config.settings")
os.environ.setdefault("SOLIDARITE_LOG_LEVEL", "WARNING")
TARGET_MS = 100.0


def _time(client, url: str, repeats: int, cold: bool = False) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """p50 and p95 of `url`; cold: Django's cache cleared before each request (the first one after expiry)."""
    from django.core.cache import cache

    for _ in range(3):
        assert client.get(url).status_code == 200, url
    times = []
    for _ in range(repeats):
        if cold:
            cache.clear()
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, url
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, round(0.95 * len(times)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=40)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from solidarite.pilotage import indicateurs
    from solidarite.territoire.models import AgentArs, Region
    from solidarite.zonage import services as zonage

    campagne = zonage.active_campaign()
    if campagne is None:
        raise SystemExit(
            "Aucune campagne active : lancez d'abord `make annuaire indemnisation` (données de démonstration)."
        )
    zones = indicateurs.zones(campagne)
    depts = indicateurs.departements()
    per_region: dict[str, int] = {}
    for z in zones.values():
        code = depts[z["departement"]]["region"]
        per_region[code] = per_region.get(code, 0) + 1
    region = max(per_region, key=lambda code: per_region[code])
    small = min(per_region.values())
    small_region = min(per_region, key=lambda code: per_region[code])
    print(
        f"Base : {connection.vendor}, {len(zones)} zones, région de l'ARS {region} ({per_region[region]} zones)"
    )

    with transaction.atomic():
        admin = User.objects.create_superuser("bench-pilotage-admin", "b@exemple.fr", "x")
        ars = User.objects.create_user("bench-pilotage-ars", "a@exemple.fr", "x", is_staff=True)
        AgentArs.objects.create(user=ars, region=Region.objects.get(code=region))
        public, agent, national = (Client(HTTP_HOST="localhost") for _ in range(3))
        agent.force_login(ars)
        national.force_login(admin)

        counts = {}
        for label, code in (("small", small_region), ("large", "")):
            filtre = indicateurs.parse_filtre({"region": code} if code else {})
            with CaptureQueriesContext(connection) as q:
                indicateurs.compute(filtre)
            with CaptureQueriesContext(connection) as page:
                assert public.get(f"/pilotage/?region={code}" if code else "/pilotage/").status_code == 200
            counts[label] = (len(q.captured_queries), len(page.captured_queries))
        print(
            f"Requêtes du calcul : {counts['small'][0]} pour {small} zone(s) (région {small_region}), "
            f"{counts['large'][0]} pour {len(zones)} zones ; page publique : {counts['small'][1]} et {counts['large'][1]}"
        )

        results = {}
        for cold in (True, False):
            print(
                f"{'Froid' if cold else 'Chaud'} (cache {'vidé avant chaque requête' if cold else 'gardé'}, "
                f"SOLIDARITE_PILOTAGE_TTL_S={settings.SOLIDARITE_PILOTAGE_TTL_S:g}) :"
            )
            for label, client, url in (
                ("public", public, "/pilotage/"),
                ("ars", agent, "/pilotage/gestion/"),
                ("national", national, "/pilotage/gestion/"),
                ("geojson", public, "/pilotage/zones.geojson"),
            ):
                p50, p95 = _time(client, url, args.repeats, cold)
                results[f"{label}_{'cold' if cold else 'warm'}"] = p95
                print(
                    f"{label:>9} {url:<28} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   (cible {TARGET_MS:.0f} ms, ratio {p95 / TARGET_MS:.2f})"
                )
        transaction.set_rollback(True)

    worst = max(results.values())
    figures = " ".join(
        f"{k.rsplit('_', 1)[0]}_{k.rsplit('_', 1)[1]}_p95_ms={v:.1f}" for k, v in results.items()
    )
    print(
        f"{figures} target_ms={TARGET_MS:.0f} worst_ratio={worst / TARGET_MS:.2f} "
        f"zones_small={small} zones_large={len(zones)} queries_small={counts['small'][0]} queries_large={counts['large'][0]} "
        f"page_queries_small={counts['small'][1]} page_queries_large={counts['large'][1]}"
    )


if __name__ == "__main__":
    main()
