"""The patient's path on a slow rural line, this checkout against another (`--base`), the production server each.

    python bench/pages_patient.py [--base /chemin/vers/un/autre/depot] [--db <base de make demo>] [--runs 1]

Each side: `python -m solidarite serveur` of its own checkout (`PYTHONPATH=<checkout>/src`, production settings,
its own `collectstatic` into a temporary folder: hashed names, gzip and brotli copies) on a copy of the same
demonstration database, and a headless Chromium whose network the DevTools protocol slows down to a poor rural
line (`Network.emulateNetworkConditions`: 400 kbit/s down, 150 kbit/s up, 400 ms of latency by default). The
path: home page (empty cache, as a first visit) → search « Mauriac » → the Cantal's Mauriac chosen (list of
lieux, their next slots and the map) → the first lieu's page (its free slots) → the booking form of its first
slot, the cache kept from one page to the next. Map tiles come from a local tile server (SOLIDARITE_TUILES_URL),
each tile a PNG of about 20 KB, as the IGN plan's in the countryside; no request leaves the machine.

For each page: bytes over the wire (headers and compressed bodies, `Network.loadingFinished`), requests that went
to the network (those served by the cache aside), and the times to first contentful paint, DOMContentLoaded,
load (Navigation Timing, from the click) and the last byte of the page and of what it asked for (« tout reçu »:
tiles included, which may come after load). Without `--db` the database is prepared as `make demo` does (migrate,
load_territoire, zonage --save --activate, demo) in a temporary folder, a minute or two. Last line: `key=value …`,
`ratio` = this checkout's bytes over the whole path against the base's.
"""

from __future__ import annotations

import argparse
import contextlib
import http.server
import os
import secrets
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("SOLIDARITE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
CHROMIUM_ARGS += ["--disable-background-networking", "--disable-component-update", "--disable-sync"]
PAGES = ("accueil", "recherche", "résultats", "lieu", "réservation")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tile_png(seed: int = 1) -> bytes:
    """A valid 256×256 grey PNG of about 20 KB: a third of its pixels noise (what zlib cannot shrink)."""
    state = seed
    rows = []
    for y in range(256):
        row = bytearray(256)
        if y % 3 == 0:
            for x in range(256):
                state = (state * 1103515245 + 12345) & 0x7FFFFFFF
                row[x] = state >> 23
        rows.append(b"\x00" + bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 256, 256, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )


@contextlib.contextmanager
def tile_server() -> Iterator[str]:
    """A local tile server: the Leaflet URL template of SOLIDARITE_TUILES_URL."""
    body = tile_png()

    class Tiles(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "public, max-age=86400")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    class Quiet(http.server.ThreadingHTTPServer):
        def handle_error(self, request: Any, client_address: Any) -> None:
            pass  # a tile the page dropped (a new page, a new view) closes its connection: nothing to report

    server = Quiet(("127.0.0.1", 0), Tiles)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/tuiles/{{z}}/{{x}}/{{y}}.png"
    finally:
        server.shutdown()


def cli(checkout: Path, env: dict[str, str], *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "solidarite", *args],
        cwd=checkout,
        env={**env, "PYTHONPATH": str(checkout / "src")},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"échec de « solidarite {' '.join(args)} » dans {checkout} :\n{done.stderr[-2000:]}")


def prepare_database(folder: Path) -> Path:
    """The demonstration database as `make demo` prepares it (without the indemnisation part)."""
    database = folder / "demo.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "SOLIDARITE_LOG_LEVEL": "WARNING"}
    started = time.perf_counter()
    cli(ROOT, env, "migrate", "--noinput")
    cli(ROOT, env, "load_territoire")
    cli(ROOT, env, "zonage", "--out", str(folder / "zonage"), "--save", "--activate")
    cli(ROOT, env, "demo")
    print(f"base de démonstration préparée en {time.perf_counter() - started:.0f} s", flush=True)
    return database


def production_env(database: Path, static: Path, tiles: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "solidarite.config.settings",
        "SOLIDARITE_ENV": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{database}",
        "SOLIDARITE_STATIC_DIR": str(static),
        "SOLIDARITE_TUILES_URL": tiles,
        "SOLIDARITE_REDIRECTION_HTTPS": "0",  # plain HTTP on loopback, as behind the TLS proxy
        "SOLIDARITE_LIMITE_RECHERCHES": "0",
        "SOLIDARITE_LIMITE_RESERVATIONS": "0",
        "SOLIDARITE_LOG_LEVEL": "WARNING",
    }


@contextlib.contextmanager
def production_server(checkout: Path, env: dict[str, str]) -> Iterator[int]:
    port = free_port()
    with tempfile.TemporaryFile(mode="w+") as journal:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "solidarite",
                "serveur",
                "--port",
                str(port),
                "--workers",
                "1",
                "--log",
                "warning",
            ],
            cwd=checkout,
            env={**env, "PYTHONPATH": str(checkout / "src")},
            stdout=journal,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: ended with its worker
        )
        try:
            deadline = time.time() + 60
            while not healthy(port):
                if time.time() > deadline or server.poll() is not None:
                    journal.seek(0)
                    raise SystemExit(f"le serveur de {checkout} n'a pas démarré :\n{journal.read()[-2000:]}")
                time.sleep(0.3)
            yield port
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


class Wire:
    """What the DevTools protocol reports of the network since the last `reset`."""

    def __init__(self, cdp: Any) -> None:
        self.requests: dict[str, str] = {}  # requestId → URL
        self.cached: set[str] = set()
        self.bytes: dict[str, int] = {}
        self.failed: list[str] = []
        cdp.on(
            "Network.requestWillBeSent",
            lambda e: self.requests.setdefault(e["requestId"], e["request"]["url"]),
        )
        cdp.on("Network.requestServedFromCache", lambda e: self.cached.add(e["requestId"]))
        cdp.on("Network.responseReceived", self.received)
        cdp.on(
            "Network.loadingFinished",
            lambda e: self.bytes.__setitem__(e["requestId"], e["encodedDataLength"]),
        )
        cdp.on("Network.loadingFailed", lambda e: self.failed.append(self.requests.get(e["requestId"], "?")))

    def received(self, event: dict[str, Any]) -> None:
        response = event["response"]
        if response.get("fromDiskCache") or response.get("fromMemoryCache"):
            self.cached.add(event["requestId"])

    def reset(self) -> None:
        self.requests.clear()
        self.cached.clear()
        self.bytes.clear()
        self.failed.clear()

    def network(self) -> dict[str, int]:
        """requestId → bytes, for the requests that went to the network (data: URLs and cache hits aside)."""
        return {
            rid: self.bytes.get(rid, 0)
            for rid, url in self.requests.items()
            if rid not in self.cached and not url.startswith("data:")
        }


def kind(url: str) -> str:
    path = url.split("?", 1)[0]
    for suffix, name in ((".css", "css"), (".js", "js"), (".woff2", "polices"), (".woff", "polices")):
        if path.endswith(suffix):
            return name
    if "/tuiles/" in path:
        return "tuiles"
    if path.endswith((".png", ".svg", ".ico", ".jpg", ".webp")):
        return "images"
    return "html"


def walk(port: int, conditions: dict[str, Any], detail: bool) -> dict[str, dict[str, Any]]:
    """The patient's path in a fresh browser profile; per page its bytes, requests and times."""
    from playwright.sync_api import sync_playwright

    base = f"http://127.0.0.1:{port}"
    pages: dict[str, dict[str, Any]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(120_000)
        cdp = context.new_cdp_session(page)
        wire = Wire(cdp)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", conditions)
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})

        def visit(name: str, url: str) -> None:
            wire.reset()
            page.goto(url, wait_until="load")
            with contextlib.suppress(Exception):  # a tile still coming after 30 s: measured as it stands
                page.wait_for_load_state("networkidle", timeout=30_000)
            timing = page.evaluate(
                """() => {
                  const n = performance.getEntriesByType('navigation')[0];
                  const p = performance.getEntriesByName('first-contentful-paint')[0];
                  const last = Math.max(n.loadEventEnd,
                    ...performance.getEntriesByType('resource').map(r => r.responseEnd));
                  return {dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd, fcp: p ? p.startTime : 0,
                          last: last};
                }"""
            )
            sent = wire.network()
            by_kind: dict[str, int] = {}
            for rid, size in sent.items():
                by_kind[kind(wire.requests[rid])] = by_kind.get(kind(wire.requests[rid]), 0) + size
            pages[name] = {
                "bytes": sum(sent.values()),
                "requests": len(sent),
                "cached": len(wire.cached),
                "fcp_ms": timing["fcp"],
                "dcl_ms": timing["dcl"],
                "load_ms": timing["load"],
                "last_ms": timing["last"],
                "kinds": by_kind,
                "failed": list(wire.failed),
                "files": sorted(((size, wire.requests[rid]) for rid, size in sent.items()), reverse=True),
            }
            if detail:
                print(f"  {name} ({page.url.removeprefix(base)}) :")
                for size, url in pages[name]["files"]:
                    print(f"    {size / 1024:7.1f} Ko  {url.removeprefix(base)[:110]}")

        visit("accueil", f"{base}/")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})  # from now on, the cache is kept
        visit("recherche", f"{base}/rendez-vous/?q=Mauriac")
        if page.locator("#carte-lieux").count() == 0:  # several Mauriac: the Cantal's is chosen
            link = page.locator("#suggestions a", has_text="(15)").first
            visit("résultats", base + str(link.get_attribute("href")))
        else:  # one Mauriac only: the search shows its lieux at once, nothing more to choose
            pages["résultats"] = {**pages["recherche"], "bytes": 0, "requests": 0, "cached": 0, "kinds": {}}
            pages["résultats"].update(fcp_ms=0, dcl_ms=0, load_ms=0, last_ms=0, failed=[], files=[])
        visit("lieu", base + str(page.locator("main ul.fr-raw-list h3 a").first.get_attribute("href")))
        visit(
            "réservation",
            base + str(page.locator("main .fr-btns-group a.fr-btn").first.get_attribute("href")),
        )
        if "Réserver ce créneau" not in page.locator("h1").inner_text():
            raise SystemExit("le formulaire de réservation ne s'est pas affiché")
        context.close()
        browser.close()
    return pages


def measure(
    checkout: Path, database: Path, tiles: str, args: argparse.Namespace
) -> dict[str, dict[str, Any]]:
    with tempfile.TemporaryDirectory() as folder:
        static = Path(folder) / "static"
        copy = Path(folder) / "bench.sqlite3"
        shutil.copyfile(database, copy)
        env = production_env(copy, static, tiles)
        cli(checkout, env, "collectstatic", "--noinput", "--verbosity", "0")
        conditions = {
            "offline": False,
            "latency": args.latence_ms,
            "downloadThroughput": args.descendant_kbps * 1000 / 8,
            "uploadThroughput": args.montant_kbps * 1000 / 8,
        }
        with production_server(checkout, env) as port:
            return walk(port, conditions, args.detail)


def summary(runs: list[dict[str, dict[str, Any]]]) -> dict[str, dict[str, float]]:
    """Per page, the median of each figure over the runs."""
    return {
        name: {
            key: statistics.median(run[name][key] for run in runs)
            for key in ("bytes", "requests", "fcp_ms", "dcl_ms", "load_ms", "last_ms")
        }
        for name in PAGES
    }


def show(label: str, runs: list[dict[str, dict[str, Any]]]) -> None:
    figures = summary(runs)
    print(f"{label} :")
    print(
        f"  {'page':12} {'Ko':>7} {'requêtes':>8} {'1er rendu':>10} {'DOMContentLoaded':>16} {'load':>8} "
        f"{'tout reçu':>10}"
    )
    for name in PAGES:
        f = figures[name]
        print(
            f"  {name:12} {f['bytes'] / 1024:7.1f} {f['requests']:8.0f} {f['fcp_ms'] / 1000:9.2f}s "
            f"{f['dcl_ms'] / 1000:15.2f}s {f['load_ms'] / 1000:7.2f}s {f['last_ms'] / 1000:9.2f}s"
        )
        kinds = runs[0][name]["kinds"]
        print("  " + " " * 12 + "  " + ", ".join(f"{k} {v / 1024:.1f}" for k, v in sorted(kinds.items())))
    failed = [url for run in runs for name in PAGES for url in run[name]["failed"]]
    if failed:
        print(f"  requêtes en échec : {failed[:5]}")
    total = sum(figures[name]["bytes"] for name in PAGES)
    print(
        f"  parcours entier : {total / 1024:.1f} Ko, load {sum(figures[n]['load_ms'] for n in PAGES) / 1000:.1f} s, "
        f"tout reçu {sum(figures[n]['last_ms'] for n in PAGES) / 1000:.1f} s"
    )


def totals(runs: list[dict[str, dict[str, Any]]]) -> dict[str, float]:
    figures = summary(runs)
    return {
        "kb": sum(figures[n]["bytes"] for n in PAGES) / 1024,
        "load_s": sum(figures[n]["load_ms"] for n in PAGES) / 1000,
        "recu_s": sum(figures[n]["last_ms"] for n in PAGES) / 1000,
        "accueil_kb": figures["accueil"]["bytes"] / 1024,
        "accueil_load_s": figures["accueil"]["load_ms"] / 1000,
        "resultats_kb": figures["résultats"]["bytes"] / 1024,
        "resultats_dcl_s": figures["résultats"]["dcl_ms"] / 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--base", type=Path, help="autre dépôt (la référence), mesuré dans le même passage")
    parser.add_argument("--db", type=Path, help="base de démonstration existante (sinon préparée, 1 à 2 min)")
    parser.add_argument("--runs", type=int, default=1, help="parcours par dépôt, en alternance (médiane)")
    parser.add_argument("--descendant-kbps", type=float, default=400)
    parser.add_argument("--montant-kbps", type=float, default=150)
    parser.add_argument("--latence-ms", type=float, default=400)
    parser.add_argument("--detail", action="store_true", help="chaque fichier de chaque page, avec son poids")
    args = parser.parse_args()
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        raise SystemExit(
            f"Chromium introuvable ({CHROMIUM}) : SOLIDARITE_CHROMIUM pour en indiquer un autre."
        )
    if args.db is not None and not args.db.is_file():
        raise SystemExit(f"Base introuvable : {args.db} (lancez d'abord make demo, ou omettez --db).")
    if args.base is not None and not (args.base / "src" / "solidarite").is_dir():
        raise SystemExit(f"--base : {args.base} n'est pas un dépôt de la plateforme (pas de src/solidarite).")
    print(
        f"ligne : {args.descendant_kbps:.0f} kbit/s descendant, {args.montant_kbps:.0f} kbit/s montant, "
        f"{args.latence_ms:.0f} ms de latence",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as folder, tile_server() as tiles:
        database = args.db.resolve() if args.db else prepare_database(Path(folder))
        ours, base = [], []
        for _ in range(args.runs):
            ours.append(measure(ROOT, database, tiles, args))
            if args.base is not None:
                base.append(measure(args.base.resolve(), database, tiles, args))
    show("ce dépôt", ours)
    line = " ".join(f"{key}={value:.1f}" for key, value in totals(ours).items())
    if base:
        show("base", base)
        theirs = totals(base)
        line += f" base_kb={theirs['kb']:.1f} base_load_s={theirs['load_s']:.1f} base_recu_s={theirs['recu_s']:.1f}"
        line += f" base_accueil_kb={theirs['accueil_kb']:.1f} ratio={totals(ours)['kb'] / theirs['kb']:.2f}"
    print(line)


if __name__ == "__main__":
    main()
