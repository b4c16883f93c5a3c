"""The platform as deployed (issue 18, points 4 and 8): behind the TLS proxy, forms are accepted and plain HTTP is
redirected; the production server serves its own static files (hashed, brotli, cached for ten years) with as many
workers as cores. Each test runs the real server (`python -m solidarite serveur`) on a loopback port."""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import subprocess
import sys
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import brotli
import pytest

from solidarite.annuaire.models import MedecinVolontaire
from solidarite.config.management.commands.serveur import default_workers
from solidarite.territoire.models import Departement
from tests.cli import database_url, production_server, read_until, stop_server
from tests.conftest import restore_reference_data
from tests.factories import rpps_with_key

HOST = "solidarite.test"


def fetch(
    port: int, method: str, path: str, headers: dict[str, str], body: str | None = None
) -> tuple[http.client.HTTPResponse, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    content = response.read()
    conn.close()
    return response, content


def _sign_up(rpps: str, token: str, cdom: int) -> str:
    return urlencode(
        {
            "csrfmiddlewaretoken": token,
            "rpps": rpps,
            "prenom": "Claire",
            "nom": "Durand",
            "email": f"claire.durand.{rpps}@exemple.fr",
            "telephone": "06 12 34 56 78",
            "commune": "15200 Mauriac",
            "mode_exercice": "retraite",
            "cdom": cdom,
            "jours_max_par_mois": 2,
            "rotation": "jour",
            "trajet_max_minutes": 60,
            "consentement": "on",
        }
    )


@pytest.mark.django_db(transaction=True)
def test_behind_the_tls_proxy_a_form_is_accepted_and_plain_http_is_redirected(collected_static: Path) -> None:
    restore_reference_data()  # emptied by an earlier transactional test
    cdom = Departement.objects.get(code="15").pk
    with production_server(
        database_url(),
        SOLIDARITE_MANDATAIRES="1",
        SOLIDARITE_BASE_URL=f"https://{HOST}",
        DJANGO_ALLOWED_HOSTS=f"{HOST},127.0.0.1",
        SOLIDARITE_REDIRECTION_HTTPS="1",
        SOLIDARITE_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        SOLIDARITE_STATIC_DIR=str(collected_static),
    ) as (port, output):
        # What the proxy passes on: the patient's Host, HTTPS in X-Forwarded-Proto, the address in X-Forwarded-For.
        proxied = {"Host": HOST, "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
        page, content = fetch(port, "GET", "/medecins/inscription/", proxied)
        assert page.status == 200
        cookie = SimpleCookie(page.headers["Set-Cookie"])["csrftoken"]
        assert cookie["secure"] is True  # the CSRF cookie only travels over HTTPS
        found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', content)
        assert found
        token = found.group(1).decode()
        posted = {
            **proxied,
            "Origin": f"https://{HOST}",
            "Cookie": f"csrftoken={cookie.value}",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        answer, content = fetch(
            port, "POST", "/medecins/inscription/", posted, _sign_up(rpps_with_key("1000000001"), token, cdom)
        )
        assert answer.status == 200, content.decode()[
            :2000
        ]  # today's settings: 403, "Origin checking failed"
        assert "Votre inscription est enregistrée" in content.decode()
        # A proxy that does not pass on the Host header: the origin is trusted from SOLIDARITE_BASE_URL.
        inside = {**posted, "Host": f"127.0.0.1:{port}"}
        answer, content = fetch(
            port, "POST", "/medecins/inscription/", inside, _sign_up(rpps_with_key("1000000002"), token, cdom)
        )
        assert answer.status == 200, content.decode()[:2000]
        assert "Votre inscription est enregistrée" in content.decode()
        # Another site's form is still refused.
        forged, content = fetch(
            port,
            "POST",
            "/medecins/inscription/",
            {**posted, "Origin": "https://attaquant.example"},
            _sign_up(rpps_with_key("1000000003"), token, cdom),
        )
        assert forged.status == 403 and "Formulaire refusé" in content.decode()
        assert page.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
        assert page.headers["Referrer-Policy"] == "same-origin"
        # Without the proxy's header (a request that went around it): the redirect to HTTPS, nothing written.
        plain, _ = fetch(port, "GET", "/medecins/inscription/?x=1", {"Host": HOST})
        assert (
            plain.status == 301 and plain.headers["Location"] == f"https://{HOST}/medecins/inscription/?x=1"
        )
        # A client's own X-Forwarded-Proto counts only behind declared proxies, and /healthz (the probe) is exempt.
        health, _ = fetch(port, "GET", "/healthz", {"Host": "127.0.0.1"})
        assert health.status == 200
        # Every file the main pages load is in the collected folder (config/apps.py leaves out the shipped files
        # no page loads): the hashed name exists and is served.
        loaded: set[str] = set()
        for path in ("/", "/rendez-vous/", "/zonage/", "/pilotage/", "/api/v1/docs", "/admin/login/"):
            page, content = fetch(port, "GET", path, proxied)
            assert page.status == 200, (path, content.decode()[:2000])
            loaded |= set(re.findall(r'(?:src|href)="(/static/[^"]+)"', content.decode()))
        assert any("dsfr.min." in url for url in loaded) and any(
            "swagger-ui-bundle." in url for url in loaded
        )
        for url in sorted(loaded):
            served, _ = fetch(port, "GET", url, proxied)
            assert served.status == 200, url
    assert sorted(MedecinVolontaire.objects.values_list("rpps", flat=True)) == [
        rpps_with_key("1000000001"),
        rpps_with_key("1000000002"),
    ]
    assert "Traceback" not in output[0]


def test_the_production_server_serves_hashed_compressed_static_files(
    collected_static: Path, tmp_path: Path
) -> None:
    manifest = json.loads((collected_static / "staticfiles.json").read_text())["paths"]
    css = manifest["dsfr/dist/dsfr/dsfr.min.css"]  # the DSFR as base.html loads it
    assert re.fullmatch(r"dsfr/dist/dsfr/dsfr\.min\.[0-9a-f]{12}\.css", css)
    # The shipped files no page loads are left out (config/apps.py): DSFR's styles split per component, Redoc.
    assert not [name for name in manifest if name.startswith(("dsfr/dist/component/", "ninja/redoc"))]
    with production_server(
        f"sqlite:///{tmp_path / 'vide.sqlite3'}", SOLIDARITE_STATIC_DIR=str(collected_static)
    ) as (port, output):
        compressed, body = fetch(port, "GET", f"/static/{css}", {"Accept-Encoding": "gzip, br"})
        assert compressed.status == 200  # today: 404, nothing serves /static/
        assert compressed.headers["Content-Encoding"] == "br"
        cache = compressed.headers["Cache-Control"]
        assert "max-age=315360000" in cache and "immutable" in cache, cache
        original = (collected_static / css).read_bytes()
        assert brotli.decompress(body) == original and len(body) < len(original) / 5
        gzipped, _ = fetch(port, "GET", f"/static/{css}", {"Accept-Encoding": "gzip"})
        assert gzipped.headers["Content-Encoding"] == "gzip"
        raw, body = fetch(port, "GET", f"/static/{css}", {})
        assert raw.status == 200 and "Content-Encoding" not in raw.headers and body == original
        script, _ = fetch(port, "GET", f"/static/{manifest['leaflet/leaflet.js']}", {"Accept-Encoding": "br"})
        assert script.status == 200 and script.headers["Content-Encoding"] == "br"
        # The copy under its own name (what pages name with DEBUG on) is served whole: only the hashed files, the
        # ones production pages name, are compressed at collection (config/statiques.py), half of its time.
        plain, _ = fetch(port, "GET", "/static/leaflet/leaflet.js", {"Accept-Encoding": "br"})
        assert plain.status == 200 and "Content-Encoding" not in plain.headers
        assert not (collected_static / "leaflet/leaflet.js.br").exists()
        missing, _ = fetch(port, "GET", "/static/dsfr/dist/absent.css", {})
        assert missing.status == 404
    assert "Traceback" not in output[0]


WORKER_STARTED = re.compile(r" Started worker-\d+$", re.MULTILINE)  # not « … worker-1 runtime-1 »


def test_the_server_runs_as_many_workers_as_cores_by_default(tmp_path: Path) -> None:
    """granian warns when there are more workers than cores: the default must not ask for more."""
    workers = default_workers()
    assert 1 <= workers <= (os.cpu_count() or 1)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "solidarite.config.settings",
        "SOLIDARITE_ENV": "production",
        "DJANGO_SECRET_KEY": "s3cr3t-" * 9,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'vide.sqlite3'}",
        "SOLIDARITE_STATIC_DIR": str(tmp_path / "statiques"),  # not collected: the server says so
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "solidarite", "serveur", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: stop_server can end it with its workers
    )
    # Stopped once every worker has started. granian still loses, now and then, a SIGTERM that lands just after
    # its workers start (the test waited the whole 30 s for the kill, 33–38 s a run): what is checked here is
    # printed at start-up, so the server gets 2 s before it is killed with its workers.
    started = read_until(server, lambda lines: len(WORKER_STARTED.findall("".join(lines))) >= workers)
    output = "".join(started) + stop_server(server, seconds=2)
    assert f"Spawning worker-{workers} " in output, output
    assert f"Spawning worker-{workers + 1} " not in output
    assert "higher than the amount of CPU cores" not in output, output
    assert "fichiers statiques non collectés" in output and "collectstatic --noinput" in output


def test_every_dsfr_utility_class_the_templates_use_is_in_the_platform_subset() -> None:
    """base.html loads solidarite/dsfr-utilitaires.css instead of DSFR's whole utility.min.css (32 KB over the
    wire on every page): a template using a utility class (an icon, a background) left out of the subset would
    lose it silently. Classes written in the platform's templates and scripts, and in django-dsfr's templates."""
    import dsfr

    dist = Path(dsfr.__file__).parent / "static" / "dsfr" / "dist"
    core = (dist / "dsfr" / "dsfr.min.css").read_text(encoding="utf-8")
    utility = (dist / "utility" / "utility.min.css").read_text(encoding="utf-8")
    src = Path(__file__).resolve().parents[2] / "src"
    subset = (src / "solidarite/config/static/solidarite/dsfr-utilitaires.css").read_text(encoding="utf-8")
    sources = [
        *src.rglob("*.html"),
        *src.rglob("*.js"),
        *src.rglob("*.py"),
        *(Path(dsfr.__file__).parent / "templates").rglob("*.html"),
    ]
    used = {
        name for path in sources for name in re.findall(r"\bfr-[a-z0-9_-]*[a-z0-9]", path.read_text("utf-8"))
    }
    only_in_utility = {
        name
        for name in used
        if re.search(rf"\.{re.escape(name)}(?![\w-])", utility)
        and not re.search(rf"\.{re.escape(name)}(?![\w-])", core)
    }
    assert "fr-icon-map-pin-2-line" in only_in_utility  # the search page's
    missing = sorted(
        name for name in only_in_utility if not re.search(rf"\.{re.escape(name)}(?![\w-])", subset)
    )
    assert missing == [], f"classes utilitaires du DSFR à ajouter à dsfr-utilitaires.css : {missing}"


def test_check_deploy_passes_with_the_production_settings_and_names_what_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.cli import run_cli

    # Set by the browser tests' fixture (Playwright's event loop), never in a deployment: async.E001 would say so.
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)

    production = {
        "SOLIDARITE_ENV": "production",
        "DJANGO_SECRET_KEY": "Zq8-vT3p_Lm0xR7w-Nc5yB2k_Hs9dF4j-Ga6eU1o_Pi3rW8t-Ke7",  # throwaway
        "DJANGO_ALLOWED_HOSTS": HOST,
        "SOLIDARITE_BASE_URL": f"https://{HOST}",
        "SOLIDARITE_MANDATAIRES": "1",
    }
    ok = run_cli("check", "--deploy", "--fail-level", "WARNING", env=production, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert "System check identified no issues (1 silenced)" in ok.stdout
    wrong = run_cli(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={**production, "SOLIDARITE_MANDATAIRES": "0", "SOLIDARITE_BASE_URL": f"http://{HOST}"},
        timeout=120,
    )
    assert wrong.returncode != 0
    assert "solidarite.W001" in wrong.stderr and "solidarite.W002" in wrong.stderr
    assert "Traceback" not in wrong.stderr
