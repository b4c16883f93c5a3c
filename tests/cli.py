"""Runs `python -m solidarite …` as a user would: a real process, its exit code and output."""

from __future__ import annotations

import os
import subprocess
import sys


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
