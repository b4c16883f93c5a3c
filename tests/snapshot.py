"""Snapshot comparison: a rendered text against its committed copy under tests/snapshots/.

`assert_snapshot(name, text)` fails with a unified diff when the text differs from tests/snapshots/<name>; with
SOLIDARITE_SNAPSHOTS=update in the environment it writes the text there instead (then review and commit the file).
A missing snapshot fails too, unless updating: a test never passes against nothing.
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"


def assert_snapshot(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    if os.environ.get("SOLIDARITE_SNAPSHOTS") == "update":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), (
        f"pas de référence {path} : lancez avec SOLIDARITE_SNAPSHOTS=update, relisez, committez"
    )
    expected = path.read_text(encoding="utf-8")
    if text != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True), text.splitlines(keepends=True), str(path), "obtenu"
            )
        )
        raise AssertionError(
            f"{name} diffère de sa référence (SOLIDARITE_SNAPSHOTS=update pour la réécrire) :\n{diff}"
        )


def stable(text: str, replacements: dict[str, str]) -> str:
    """The text with what varies from one database to the other (primary keys, signed jetons) replaced by names."""
    for pattern, name in replacements.items():
        text = re.sub(pattern, name, text)
    return text
