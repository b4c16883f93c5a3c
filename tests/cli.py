"""Runs `python -m solidarite …` as a user would: a real process, its exit code and output (`run_cli`), or the same
entry point in the test's own process (`run_main`); and the production server on a free port, for the tests that
talk to it over HTTP."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db import connection

# For the tests marked sans_base: a SQLite file of their own (never created by a command that needs no database),
# not the PostgreSQL pass's database.
NO_DATABASE = {"DATABASE_URL": f"sqlite:///{tempfile.gettempdir()}/solidarite-sans-base/absente.sqlite3"}


def run_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "solidarite.config.settings", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "solidarite", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=timeout,
    )


@dataclass(frozen=True)
class Sortie:
    """What `python -m solidarite …` gave: its exit code and what it wrote, as `subprocess.CompletedProcess`."""

    returncode: int
    stdout: str
    stderr: str


def run_main(*args: str) -> Sortie:
    """`python -m solidarite …` in the test's process: the same entry point (`solidarite.cli.main`, its French
    parsers and messages, its exit codes), without the second a new interpreter takes to start and import Django.
    For a command's refusals of its options and inputs, which come before any work; `run_cli`, a real process,
    stays for what only a process shows: the settings and the environment read at start-up, what is imported,
    signals, a traceback or a leak on the real stderr. A test that does not ask for the database cannot reach it
    (pytest-django refuses), so a refusal that would have opened it fails the test."""
    from solidarite.cli import main

    out, err = io.StringIO(), io.StringIO()
    code: int = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(list(args))
        except SystemExit as exit:  # as the interpreter turns it into an exit code
            if exit.code is None or isinstance(exit.code, int):
                code = exit.code or 0
            else:
                print(exit.code, file=sys.stderr)
                code = 1
    return Sortie(code, out.getvalue(), err.getvalue())


def wait_until_listening(server: subprocess.Popen[str], port: int, seconds: float = 60) -> None:
    """Waits until the server started as `server` accepts connections on the loopback `port`; fails the test if it
    dies or takes longer than `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            assert time.monotonic() < deadline and server.poll() is None, "le serveur n'a pas démarré"
            time.sleep(0.3)


def read_until(
    server: subprocess.Popen[str], enough: Callable[[list[str]], bool], seconds: float = 60
) -> list[str]:
    """The lines the server started as `server` (text output on a pipe, `start_new_session=True`) prints, read
    until `enough(lines)` holds; killed with its workers, and the test failed, if that takes over `seconds`."""
    assert server.stdout is not None
    watchdog = threading.Timer(seconds, os.killpg, (server.pid, signal.SIGKILL))
    watchdog.start()
    lines: list[str] = []
    try:
        while not enough(lines):
            line = server.stdout.readline()
            assert line, "le serveur s'est arrêté avant :\n" + "".join(lines)
            lines.append(line)
    finally:
        watchdog.cancel()
    return lines


def stop_server(server: subprocess.Popen[str], seconds: float = 30) -> str:
    """Stops the server as a supervisor would (SIGTERM), and returns everything it printed. A server that does not
    stop in `seconds` (granian may miss a SIGTERM that lands while it is still spawning its workers) is killed with
    its workers, so that no process or pipe outlives the test: start it with `start_new_session=True`."""
    server.send_signal(signal.SIGTERM)
    try:
        return server.communicate(timeout=seconds)[0]
    except subprocess.TimeoutExpired:
        os.killpg(
            server.pid, signal.SIGKILL
        )  # the server and its workers: started with start_new_session=True
        return server.communicate()[0]


def database_url() -> str:
    """The test database, for the server's process."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"postgres://{db['USER'] or 'postgres'}@{host}:{port}/{db['NAME']}"


@contextlib.contextmanager
def production_server(
    database_url: str, threads: int | None = None, **settings: str
) -> Iterator[tuple[int, list[str]]]:
    """`python -m solidarite serveur` with one worker (of `threads` threads, the command's default if None),
    on a free port, with the given settings; yields the port, and after the block the server's output (as a
    one-item list)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "solidarite.config.settings",
        "SOLIDARITE_ENV": "production",
        "DJANGO_SECRET_KEY": "x" * 64,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        # No TLS proxy in front here: plain HTTP is not redirected (tests/config/test_production.py turns it on).
        "SOLIDARITE_REDIRECTION_HTTPS": "0",
        **settings,
    }
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "solidarite", "serveur", "--port", str(port), "--workers", "1"),
            *(("--threads", str(threads)) if threads else ()),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: stop_server can end it with its workers
    )
    output: list[str] = []
    try:
        wait_until_listening(server, port)
        yield port, output
    finally:
        output.append(stop_server(server))
