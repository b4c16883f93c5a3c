"""The real browser (Debian's Chromium through Playwright) and the territory it needs."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
from django.db import connections

CHROMIUM = os.environ.get("SOLIDARITE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One Chromium for the tests of a module (each test opens its own context: cookies, storage and cache of its
    own): starting Playwright's driver and the browser took about a second per test."""
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(
                f"Chromium introuvable ({CHROMIUM}) : .ci/run doit l'installer (apt-get install chromium)."
            )
        pytest.skip(f"Chromium introuvable ({CHROMIUM}) : installez le paquet chromium pour ce test.")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()
        # Database work done by a test while Playwright runs gets its own connection (Django's connections
        # are context-local): close it here, in that context, or PostgreSQL refuses to drop the test database.
        connections.close_all()
