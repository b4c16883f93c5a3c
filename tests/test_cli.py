"""The command line, run as a user would: a real process, a real exit code, no traceback."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.cli import run_cli


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, env=env, timeout=120)


def test_help_lists_the_platform_commands() -> None:
    result = _run("--help")
    assert result.returncode == 0
    assert "Commandes de la plateforme" in result.stdout
    assert "load_territoire" in result.stdout
    assert "Charge le territoire" in result.stdout


def test_missing_data_folder_exits_with_a_french_message(tmp_path: Path) -> None:
    result = _run(
        "load_territoire",
        env={
            "SOLIDARITE_DATA_DIR": str(tmp_path / "absent"),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        },
    )
    assert result.returncode == 1
    assert "Dossier de données introuvable" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_refuses_the_development_secret(tmp_path: Path) -> None:
    result = _run("check", env={"SOLIDARITE_ENV": "production", "DJANGO_SECRET_KEY": ""})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY est obligatoire en production" in result.stderr


def test_prepared_statements_on_postgresql_can_be_turned_off() -> None:
    show = "from django.conf import settings; print(sorted(settings.DATABASES['default'].get('OPTIONS', {})))"
    url = {"DATABASE_URL": "postgres://solidarite@db.invalid:5432/solidarite"}  # read, never connected to
    on = _run("shell", "-c", show, env=url)
    off = _run("shell", "-c", show, env={**url, "DATABASE_PREPARED_STATEMENTS": "0"})
    assert on.returncode == 0 and "'prepare_threshold', 'server_side_binding'" in on.stdout, on.stderr
    assert off.returncode == 0 and "server_side_binding" not in off.stdout, off.stderr


def test_a_wrong_setting_is_refused_in_french() -> None:
    for env, message in [
        ({"SOLIDARITE_MANDATAIRES": "un"}, "SOLIDARITE_MANDATAIRES : un nombre de mandataires inverses"),
        ({"SOLIDARITE_CACHE_URL": "memcached://127.0.0.1"}, "SOLIDARITE_CACHE_URL : une adresse Redis"),
        ({"SOLIDARITE_RAPPELS_HEURES": "48,deux"}, "SOLIDARITE_RAPPELS_HEURES : des nombres d'heures"),
    ]:
        result = _run("check", env=env)
        assert result.returncode != 0 and message in result.stderr, result.stderr
        assert "Traceback" not in result.stderr


def test_the_cache_setting_selects_redis() -> None:
    show = "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    shared = _run("shell", "-c", show, env={"SOLIDARITE_CACHE_URL": "redis://cache.invalid:6379/0"})
    assert shared.returncode == 0 and shared.stdout.strip().endswith("RedisCache"), shared.stderr
    assert _run("shell", "-c", show).stdout.strip().endswith("LocMemCache")


def test_the_production_server_serves_the_platform_and_keeps_the_connection(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "solidarite.config.settings",
        "SOLIDARITE_ENV": "production",
        "DJANGO_SECRET_KEY": "x" * 64,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'vide.sqlite3'}",  # the OpenAPI schema needs no table
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "solidarite", "serveur", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                connection.request("GET", "/api/v1/openapi.json")
                first = connection.getresponse()
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "le serveur n'a pas démarré"
                time.sleep(0.3)
        assert first.status == 200 and b"/api/v1/rendez-vous" in first.read()
        local_port = connection.sock.getsockname()[1]
        connection.request("GET", "/api/v1/openapi.json")  # same connection: kept alive
        second = connection.getresponse()
        assert second.status == 200 and second.read()
        assert connection.sock.getsockname()[1] == local_port
        connection.close()
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=30)
    assert "openapi.json" not in output  # no access log: patient pages carry personal links
