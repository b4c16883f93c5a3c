"""The audit command's axe-core run, in the real browser, on the pages this platform owes its users."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from solidarite.config.management.commands.audit_accessibilite import audit_with

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_privacy_legal_and_accessibility_pages_pass_axe(live_server, browser) -> None:  # type: ignore[no-untyped-def]
    pages = [
        ("Données personnelles", reverse("donnees_personnelles")),
        ("Mentions légales", reverse("mentions_legales")),
        ("Déclaration d'accessibilité", reverse("accessibilite")),
    ]
    result = audit_with(browser, live_server.url, pages)
    assert [page["chemin"] for page in result["pages"]] == [path for _, path in pages]
    assert all(page["regles_sans_defaut"] > 20 for page in result["pages"])  # axe did run on each page
    assert result["totaux"] == {"pages": 3, "pages_sans_defaut": 3, "defauts": 0, "elements": 0}, result[
        "pages"
    ]


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
