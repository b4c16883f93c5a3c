"""The audit command's axe-core run, in the real browser, on the pages this platform owes its users."""

from __future__ import annotations

import pytest
from django.urls import reverse

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
