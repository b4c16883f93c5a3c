"""The command line, run as a user would: a real process, a real exit code, no traceback. The refusals of an option,
which come before any work, go through the same entry point in the test's process (`run_main`): a second each saved,
the process itself is shown by the other tests."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection as django_connection

from tests.cli import production_server, run_cli, run_main


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, env=env, timeout=120)


def test_help_lists_the_platform_commands() -> None:
    result = _run("--help")
    assert result.returncode == 0
    assert "Commandes de la plateforme" in result.stdout
    assert "load_territoire" in result.stdout
    assert "Charge le territoire" in result.stdout


@pytest.mark.parametrize("command", ["zonage", "load_territoire", "migrate"])
def test_a_command_s_help_is_in_french_down_to_django_s_own_options(command: str) -> None:
    result = run_main(command, "--help")
    assert result.returncode == 0, result.stderr
    assert "quantité de messages : 0 le minimum" in result.stdout
    assert "saute les vérifications du système" in result.stdout
    for english in (
        "Verbosity level",
        "Show program's version",
        "Display a full stack",
        "colorize",
        "settings module",
    ):
        assert english not in result.stdout


_VIEWS_IMPORTED = """
import sys
from solidarite.cli import main
code = 0
try:
    main(sys.argv[1:])
except SystemExit as exit:
    code = exit.code
print("vues importées :", "solidarite.rdv.views" in sys.modules, "; sortie :", code)
engines = ("openpyxl", "scipy.spatial", "solidarite.zonage.admin", "solidarite.zonage.calcul")
print("moteurs importés :", [m for m in engines if m in sys.modules])
"""


@pytest.mark.sans_base
@pytest.mark.parametrize(
    ("args", "imported", "engines"),
    [
        (("plan", "--instance", "absente.json", "--out", "sortie"), False, []),
        (
            ("zonage", "calibrer", "--ecrire", "/proc/jeu.toml", "--out", "sortie"),
            False,
            ["solidarite.zonage.calcul"],
        ),
        (("purge", "--dry-run"), False, []),
        # The probe sees the views imported when the URL checks run, and what they need.
        (("check",), True, ["openpyxl", "solidarite.zonage.admin", "solidarite.zonage.calcul"]),
    ],
)
def test_a_job_that_serves_no_page_starts_without_importing_the_views(
    tmp_path: Path, args: tuple[str, ...], imported: bool, engines: list[str]
) -> None:
    """Revue du 6 décembre: Django's URL checks imported every view before each command, 1.6 s of a 2.5 s start
    (web/commandes.py). 7 décembre: the zonage engine (through the back office's gaps, ecarts.py) and scipy.spatial
    (through the planning's feasibility) and openpyxl (through the CSV writer) were imported by every command that
    could use them, 0.15, 0.3 and 0.13 s of its start: now only when it computes or writes a workbook. The back
    office's modules (0.2 s) are imported with the URLs or the admin's checks (config/apps.AdminALaDemande)."""
    environment = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'absente.sqlite3'}"}
    environment["DJANGO_SETTINGS_MODULE"] = "solidarite.config.settings"
    result = subprocess.run(
        [sys.executable, "-c", _VIEWS_IMPORTED, *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
        timeout=120,
    )
    assert f"vues importées : {imported} ; sortie : {0 if imported else 2}" in result.stdout, result.stderr
    assert f"moteurs importés : {engines}" in result.stdout, result.stdout


@pytest.mark.sans_base
@pytest.mark.parametrize(
    "args",
    [("purge", "--dry-run"), ("worker", "--once"), ("pilotage", "publier", "--trimestre", "2026T3")],
)
def test_a_database_not_migrated_is_said_in_french(tmp_path: Path, args: tuple[str, ...]) -> None:
    """Found by probing the commands: on a new machine, before `migrate`, each was a « no such table »
    traceback with exit code 1."""
    result = _run(*args, env={"DATABASE_URL": f"sqlite:///{tmp_path / 'neuve.sqlite3'}"})
    assert result.returncode == 2, result.stderr
    assert "lancez d'abord « python -m solidarite migrate »" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_data_folder_exits_with_a_french_message(tmp_path: Path) -> None:
    result = _run(
        "load_territoire",
        env={
            "SOLIDARITE_DATA_DIR": str(tmp_path / "absent"),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        },
    )
    assert result.returncode == 2
    assert "Erreur : Dossier de données introuvable" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and "CommandError" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("plan",), "erreur : arguments obligatoires manquants : --instance"),
        (("load_territoire", "--cog", "2027"), "choix invalide : 2027 (valeurs possibles : 2025, 2026)"),
        (("zonage", "--n", "abc"), "argument --n : nombre entier attendu, en chiffres de 0 à 9"),
        (("zonage", "--out", "x", "--inconnue"), "arguments inconnus : --inconnue"),
    ],
)
def test_a_wrong_option_is_answered_in_french(args: tuple[str, ...], message: str) -> None:
    result = run_main(*args)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert "utilisation : python -m solidarite" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("serveur", "--port", "٠"),  # Arabic-Indic digits: `type=int` read 0 (out of bounds: nothing starts)
        ("serveur", "--workers", "٩_٩"),  # 99 for `int`: over the bound, no server starts
        ("load_territoire", "--cog", "٢٠٢٧"),
        ("demo", "--seed", "-1"),  # no option takes a negative number (numpy refuses a negative seed)
        ("demo", "--per-lieu", "+2"),
        ("demo_indemnisation", "--graine", "٢١"),
        ("demo_continuite", "--lieux", "-1"),
    ],
)
def test_an_integer_option_is_written_in_ascii_digits_in_every_command(args: tuple[str, ...]) -> None:
    """Revue du 6 décembre (an outside probe of `zonage --n`): the commands' integer options share its type. Refused
    before the database is opened: this test may not reach it."""
    result = run_main(*args)
    assert result.returncode == 2, result.stderr
    assert f"argument {args[1]} : nombre entier attendu, en chiffres de 0 à 9" in result.stderr, result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("plan", "--instance", "i.json", "--out", "o.json", "--time-limit", "٦٠"),  # float() read 60
        ("plan", "--instance", "i.json", "--out", "o.json", "--trajet-s", "1_0"),
        ("planning_echelle", "--instance", "i.json", "--attente", "٦٠"),
        ("worker", "--interval", "６０"),  # fullwidth digits
    ],
)
def test_a_decimal_option_is_written_in_ascii_digits_in_every_command(args: tuple[str, ...]) -> None:
    """Revue du 6 décembre (an outside probe of the command line): the seconds options took « ٦٠ » for 60. Refused
    before the database is opened: this test may not reach it."""
    option = args[-2]
    result = run_main(*args)
    assert result.returncode == 2, result.stderr
    assert f"argument {option} : nombre attendu, en chiffres de 0 à 9" in result.stderr, result.stderr


@pytest.mark.parametrize("interval", ["nan", "inf", "1e400", "1e300", "-1", "0"])
def test_the_worker_refuses_an_interval_it_cannot_wait_exit_2(interval: str) -> None:
    """nan looped on « ValueError: Invalid value NaN », inf and 1e300 ended in an OverflowError (exit 1)."""
    result = run_main("worker", "--interval", interval)
    assert result.returncode == 2 and "--interval doit être un nombre positif d'au plus 86400 secondes" in (
        result.stderr
    ), result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_server_option_exits_2_in_french() -> None:
    for args, message in [(("--port", "0"), "--port : entre 1 et 65535"), (("--workers", "99"), "--workers")]:
        result = run_main("serveur", *args)
        assert result.returncode == 2 and message in result.stderr, result.stderr
        assert "Traceback" not in result.stderr


def test_production_refuses_the_development_secret(tmp_path: Path) -> None:
    result = _run("check", env={"SOLIDARITE_ENV": "production", "DJANGO_SECRET_KEY": ""})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY est obligatoire en production" in result.stderr
    # a former key (DJANGO_SECRET_KEY_FALLBACKS) is a key too: the development one, or a short one, is refused
    for former in ("courte", "x" * 64 + ",dev-seulement-ne-jamais-utiliser-en-production"):
        env = {
            "SOLIDARITE_ENV": "production",
            "DJANGO_SECRET_KEY": "s" * 64,
            "DJANGO_SECRET_KEY_FALLBACKS": former,
        }
        result = _run("check", env=env)
        assert result.returncode != 0 and "DJANGO_SECRET_KEY_FALLBACKS : chaque ancienne clé" in result.stderr


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
        ({"SOLIDARITE_SMS_BACKEND": "solidarite.rdv.sms.BrevoBackend"}, "SOLIDARITE_SMS_BREVO_CLE : la clé"),
        ({"SOLIDARITE_SMS_EXPEDITEUR": "Médecin près"}, "SOLIDARITE_SMS_EXPEDITEUR : de 3 à 11 lettres"),
    ]:
        result = _run("check", env=env)
        assert result.returncode != 0 and message in result.stderr, result.stderr
        assert "Traceback" not in result.stderr


def test_by_default_the_platform_calls_no_network_service(monkeypatch: pytest.MonkeyPatch) -> None:
    """The only two network clients (an OSRM server for road times, Brevo for SMS) are chosen by settings;
    without them, travel times are computed from the coordinates in ../shared/data and SMS go to the console
    (development) or nowhere (production): the platform runs offline."""
    for name in ("SOLIDARITE_TRAVEL_PROVIDER", "SOLIDARITE_SMS_BACKEND", "SOLIDARITE_ENV"):
        monkeypatch.delenv(name, raising=False)
    show = (
        "from solidarite.territoire.providers import provider_from_settings; from solidarite.rdv import sms; "
        "print(provider_from_settings().name, type(sms.backend()).__name__)"
    )
    development = _run("shell", "-c", show)
    production = _run(
        "shell", "-c", show, env={"SOLIDARITE_ENV": "production", "DJANGO_SECRET_KEY": "x" * 64}
    )
    # The last line: `shell` first says how many objects it imported.
    assert development.stdout.splitlines()[-1].split() == ["vol_oiseau", "FichierBackend"], development.stderr
    assert production.stdout.splitlines()[-1].split() == ["vol_oiseau", "UnconfiguredBackend"], (
        production.stderr
    )


def test_the_cache_setting_selects_redis() -> None:
    show = "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    shared = _run("shell", "-c", show, env={"SOLIDARITE_CACHE_URL": "redis://cache.invalid:6379/0"})
    assert shared.returncode == 0 and shared.stdout.strip().endswith("RedisCache"), shared.stderr
    assert _run("shell", "-c", show).stdout.strip().endswith("LocMemCache")


def test_the_production_server_serves_the_platform_and_keeps_the_connection(tmp_path: Path) -> None:
    # The OpenAPI schema needs no table: an empty SQLite file will do.
    with production_server(f"sqlite:///{tmp_path / 'vide.sqlite3'}") as (port, output):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/api/v1/openapi.json")
        first = connection.getresponse()
        assert first.status == 200 and b"/api/v1/rendez-vous" in first.read()
        local_port = connection.sock.getsockname()[1]
        connection.request("GET", "/api/v1/openapi.json")  # same connection: kept alive
        second = connection.getresponse()
        assert second.status == 200 and second.read()
        assert connection.sock.getsockname()[1] == local_port
        connection.close()
    assert "openapi.json" not in output[0]  # no access log: patient pages carry personal links


def _status(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path)
    status = connection.getresponse().status
    connection.close()
    return status


def _backend(application_name: str) -> int:
    with django_connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s", [application_name])
        (pid,) = cursor.fetchone()
    return int(pid)


def _postgresql_url(application_name: str) -> str:
    db = django_connection.settings_dict
    if django_connection.vendor != "postgresql":
        pytest.skip("Connexions persistantes à PostgreSQL : sur PostgreSQL seulement.")
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"postgres://{db['USER'] or 'postgres'}@{host}:{port}/{db['NAME']}?application_name={application_name}"


def test_the_server_refuses_a_wrong_number_of_threads_in_french() -> None:
    result = run_main("serveur", "--threads", "0")
    assert result.returncode != 0
    assert "--threads : entre 1 et 16 fils par processus." in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.django_db
def test_each_thread_of_a_worker_serves_requests_with_its_own_connection() -> None:
    """The production server's two threads per worker: requests sent at once are served by both, each with
    its own database connection, and every answer is the right one."""
    name = f"solidarite_fils_{os.getpid()}"
    # A load from one address: no request limit.
    with production_server(_postgresql_url(name), SOLIDARITE_LIMITE_RECHERCHES="0") as (port, output):
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda _: _status(port, "/api/v1/lieux?commune=00000"), range(200)))
        assert statuses == [404] * 200
        with django_connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [name])
            assert cursor.fetchone() == (2,)  # one worker, two threads: two connections, kept
    assert "Traceback" not in output[0]


@pytest.mark.django_db
def test_a_database_connection_closed_by_the_server_is_opened_again_without_an_error() -> None:
    """PostgreSQL restarted, or the connection ended by an administrator: the worker keeps a connection
    that the server has closed. The next request opens a new one (no 500), though the check between requests
    asks PostgreSQL nothing (config/postgresql)."""
    name = f"solidarite_test_{os.getpid()}"
    # One thread: the connection watched is the one that serves every request.
    with production_server(_postgresql_url(name), threads=1) as (port, output):
        assert _status(port, "/api/v1/lieux?commune=00000") == 404  # the worker's connection is open
        with django_connection.cursor() as cursor:
            cursor.execute(
                "SELECT bool_and(pg_terminate_backend(pid, 10000)), count(*) FROM pg_stat_activity "
                "WHERE application_name = %s",
                [name],
            )  # returns once the backend has ended (PostgreSQL ≥ 14): its farewell is on the worker's socket
            assert cursor.fetchone() == (True, 1)
        assert [_status(port, "/api/v1/lieux?commune=00000") for _ in range(3)] == [404, 404, 404]
        reopened = _backend(name)
        assert _status(port, "/healthz") == 200
        assert _backend(name) == reopened  # a healthy connection is kept, not opened again for each request
    assert "Traceback" not in output[0]
