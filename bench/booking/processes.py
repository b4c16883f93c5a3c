"""Processor time of the processes under test, read from /proc (those that exited included)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path


def processes() -> Iterator[tuple[str, list[str]]]:
    """(command line, fields of /proc/<pid>/stat after the name) of each process (Linux). A zombie has an
    empty command line; a process gone while being read is skipped."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        yield command, fields


def cpu_seconds(pattern: str, reaped: str | None = None) -> float:
    """CPU time (user + system) of the processes whose command line holds `pattern`, plus, for a process
    whose command line holds `reaped`, that of its children which have ended (PostgreSQL: the postmaster
    reaps the backends of pgbench's connections, closed before they could be read)."""
    total = 0
    for command, fields in processes():
        if pattern in command:
            total += int(fields[11]) + int(fields[12])
        elif reaped is not None and reaped in command:
            total += sum(int(v) for v in fields[11:15])
    return total / os.sysconf("SC_CLK_TCK")


def running(pattern: str) -> bool:
    """Whether a process whose command line holds `pattern` is still there."""
    return any(pattern in command for command, _ in processes())


def postgres_cpu() -> float:
    return cpu_seconds("postgres:", reaped="bin/postgres ")
