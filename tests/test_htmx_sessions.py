"""htmx and an ended session: the login redirect brings the agent back to the page htmx was on, not to its fragment."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from tests.factories import zone_commune

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "poll, page",
    [
        ("/planning/ars/calcul/?region={r}&mois=2026-12", "/planning/ars/?region={r}&mois=2026-12"),
        ("/indemnisation/ars/calcul/?region={r}&mois=2026-11", "/indemnisation/ars/?region={r}&mois=2026-11"),
        ("/pilotage/simulations/1/progres/", "/pilotage/simulations/1/"),
    ],
)
def test_a_poll_whose_session_expired_comes_back_to_the_page_not_to_the_fragment(
    poll: str, page: str
) -> None:
    """The ARS page polls a fragment every 2 s; the session ends (expiry, sign-out in another tab): HX-Redirect
    to the login page whose `next` is the fragment's address, so after signing in the agent lands on a bare
    fragment (no header, no menu, no styles). `next` should be the page htmx was on (HX-Current-URL)."""
    region = zone_commune().departement.region.code
    poll, page = poll.format(r=region), page.format(r=region)
    headers = {"HX-Request": "true", "HX-Current-URL": f"http://testserver{page}"}
    response = Client().get(poll, headers=headers)
    target = response.get("HX-Redirect") or response.get("Location")
    assert target, (response.status_code, dict(response.headers))
    nxt = parse_qs(urlsplit(target).query).get("next", [""])[0]
    assert nxt == page, target


@pytest.mark.parametrize("current_url", ["http://[abc/x", "http://[zz]/planning/"])
def test_a_malformed_current_url_header_is_read_as_absent(current_url: str) -> None:
    """`HX-Current-URL` is the client's to write: a malformed one (django-htmx splits it unguarded) was a 500
    on every login-protected page; now the login redirect names the requested address, as without the header."""
    address = "/planning/medecin/disponibilites/"
    response = Client().get(address, headers={"HX-Request": "true", "HX-Current-URL": current_url})
    assert response.status_code == 200, response.status_code
    assert parse_qs(urlsplit(response["HX-Redirect"]).query)["next"] == [address]
