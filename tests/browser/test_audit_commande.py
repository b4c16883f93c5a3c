"""The audit command end to end, with its own Chromium: in a module of its own, since Playwright's sync API cannot
start while another module-scoped one runs (tests/browser/conftest.py)."""

from __future__ import annotations

import pytest
from django.utils import timezone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_audit_command_writes_the_dated_file_the_statement_shows(territoire, tmp_path, settings) -> None:  # type: ignore[no-untyped-def]
    """The command end to end: its own loopback server on the database, its own Chromium, the JSON file; then the
    statement shows that file's figures."""
    import io
    import json
    import os
    from pathlib import Path

    from django.core.management import call_command
    from django.test import Client

    from tests.browser.conftest import CHROMIUM

    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium introuvable ({CHROMIUM}).")
        pytest.skip(f"Chromium introuvable ({CHROMIUM}).")
    out = tmp_path / "axe.json"
    printed = io.StringIO()
    call_command("audit_accessibilite", "--out", str(out), stdout=printed)
    audit = json.loads(out.read_text(encoding="utf-8"))
    assert [page["chemin"] for page in audit["pages"]][:2] == ["/", "/rendez-vous/"]
    assert (
        audit["totaux"]["pages"] == len(audit["pages"]) == 9
    )  # no lieu in this database; the commune page is there
    assert audit["totaux"]["defauts"] == 0, audit["pages"]
    assert audit["outil"].startswith("axe-core 4.") and audit["date"][:10] == str(timezone.localdate())
    assert f"9 pages auditées, 9 sans défaut, 0 défaut(s) (0 élément(s)) : {out}" in printed.getvalue()
    settings.SOLIDARITE_AUDIT_ACCESSIBILITE = out
    page = Client().get("/accessibilite/").content.decode()
    assert "<strong>9</strong> pages publiques" in page and audit["outil"] in page
