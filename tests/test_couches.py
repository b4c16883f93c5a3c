"""The layering of ../shared/ARCHITECTURE.md holds: the import-linter contracts of pyproject.toml are kept."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# No database, in this process or in a command it runs: once, in the SQLite pass (.ci/run).
pytestmark = pytest.mark.sans_base

ROOT = Path(__file__).resolve().parent.parent


def test_the_contexts_import_only_the_layers_below_them_and_the_cores_no_django() -> None:
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint_imports, "lint-imports (import-linter) n'est pas installé"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    result = subprocess.run(
        [lint_imports, "--no-cache"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
