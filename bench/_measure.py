"""What the benchmarks share: a fresh worker process per measurement, and its peak memory.

A worker process resets its resident-set peak (Linux `clear_refs` 5) before the work and reads
`VmHWM` after it, so the figure counts the work alone, C++ allocations included (OR-Tools,
LEMON, numpy), which `tracemalloc` would miss.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any


def status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def reset_peak() -> int:
    """Resets the peak resident set and returns the current one, in kB."""
    with contextlib.suppress(OSError):  # not Linux: the peak then includes what came before
        Path("/proc/self/clear_refs").write_text("5")
    return status_kb("VmRSS")


def peak_mb_since(before_kb: int) -> float:
    return (status_kb("VmHWM") - before_kb) / 1024


def run_worker(script: str, *args: str) -> dict[str, Any]:
    """Runs `script --worker …` in a fresh Python process; returns the JSON object it printed last."""
    completed = subprocess.run([sys.executable, script, *args], capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"le processus de mesure a échoué :\n{completed.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result
