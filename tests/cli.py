"""Runs `python -m solidarite …` as a user would: a real process, its exit code and output."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time


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
