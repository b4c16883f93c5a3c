"""The JSON API goes around the pages' request-state middlewares; the pages keep them all. A NUL character
in an address, a query or a form is refused before any view."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_an_api_answer_has_no_session_no_user_no_cookie_but_every_security_header() -> None:
    response = Client().get("/api/v1/lieux?commune=00000", HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 404 and "Commune inconnue" in response.json()["detail"]
    request = response.wsgi_request
    assert not any(hasattr(request, name) for name in ("session", "user", "htmx", "_messages"))
    assert "Set-Cookie" not in response and "Cookie" not in response.get("Vary", "")
    assert response["X-Content-Type-Options"] == "nosniff" and response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_the_api_documentation_and_an_unknown_api_address_still_answer() -> None:
    client = Client()
    assert client.get("/api/v1/openapi.json").status_code == 200
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200 and docs["X-Frame-Options"] == "DENY"
    unknown = client.get("/api/v1/inconnu")
    assert unknown.status_code == 404 and unknown.json()["detail"].startswith("Adresse inconnue de l'API")


@pytest.mark.parametrize(
    ("method", "address", "status", "message"),
    [
        ("get", "/api/v1/inconnu", 404, "Adresse inconnue de l'API"),
        ("get", "/api/v1/lieux/", 404, "Adresse inconnue de l'API"),
        ("delete", "/api/v1/rendez-vous/", 404, "Adresse inconnue de l'API"),
        ("put", "/api/v1/rendez-vous", 405, "Méthode PUT non acceptée à cette adresse : POST seulement."),
        ("get", "/api/v1/rendez-vous", 405, "Méthode GET non acceptée à cette adresse : POST seulement."),
        (
            "post",
            "/api/v1/lieux?commune=58194",
            405,
            "Méthode POST non acceptée à cette adresse : GET seulement.",
        ),
        ("options", "/api/v1/lieux", 405, "Méthode OPTIONS non acceptée"),
        # The probe of 7 December: the documentation's addresses answered any method (200), and without a CSRF
        # cookie the pages' French CSRF page in HTML (403), the pages' CSRF check running under /api/v1/ too.
        (
            "post",
            "/api/v1/openapi.json",
            405,
            "Méthode POST non acceptée à cette adresse : GET, HEAD seulement.",
        ),
        ("delete", "/api/v1/openapi.json", 405, "Méthode DELETE non acceptée à cette adresse : GET, HEAD"),
        ("patch", "/api/v1/docs", 405, "Méthode PATCH non acceptée à cette adresse : GET, HEAD seulement."),
        ("options", "/api/v1/docs", 405, "Méthode OPTIONS non acceptée à cette adresse : GET, HEAD"),
    ],
)
def test_an_address_or_a_method_the_api_does_not_have_is_refused_in_its_json_shape(
    method: str, address: str, status: int, message: str
) -> None:
    """An HTML page (404) and django-ninja's English « Method not allowed » in text/html (405) were what a
    client of the API read for these; now the API's `{"detail": …}`, in French, the Allow header kept."""
    response = getattr(Client(enforce_csrf_checks=True), method)(address)
    assert response.status_code == status and response["Content-Type"].startswith("application/json")
    assert response.json()["detail"].startswith(message), response.json()
    if status == 405:
        assert response["Allow"] in response.json()["detail"]


def test_a_booking_through_the_api_needs_no_csrf_token_but_a_page_form_does() -> None:
    client = Client(enforce_csrf_checks=True)
    api = client.post("/api/v1/rendez-vous", {"creneau": "1-202612011000"}, content_type="application/json")
    assert api.status_code == 422  # fields missing: refused for that reason, not for a CSRF token
    page = client.post("/rendez-vous/", {"commune": "15120"})
    assert page.status_code == 403
    request = client.get("/rendez-vous/").wsgi_request
    assert all(hasattr(request, name) for name in ("session", "user", "htmx", "_messages"))


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("/rendez-vous/?commune=%00", "page"),  # was a 500 on PostgreSQL (the view reads the commune itself)
        ("/rendez-vous/?q=Aurillac%00", "page"),
        ("/territoire/%00/", "page"),
        ("/api/v1/lieux?commune=15120%00", "api"),
        ("/fhir/Location?address-city=%00", "fhir"),  # was a 500 on PostgreSQL
    ],
)
def test_a_nul_character_in_an_address_is_a_french_400(address: str, kind: str) -> None:
    from solidarite.config.middleware import NUL_MESSAGE

    response = Client().get(address)
    assert response.status_code == 400
    if kind == "api":
        assert response.json() == {"detail": NUL_MESSAGE}
        paths = Client().get("/api/v1/openapi.json").json()["paths"]
        assert all("400" in operation["responses"] for path in paths.values() for operation in path.values())
    elif kind == "fhir":
        outcome = response.json()
        assert outcome["resourceType"] == "OperationOutcome"
        assert outcome["issue"][0]["diagnostics"] == NUL_MESSAGE
    else:
        assert "Requête invalide" in response.content.decode()


def test_htmx_gets_a_redirect_it_can_follow_and_full_error_pages_in_the_main_content(
    freeze_clock,
) -> None:  # type: ignore[no-untyped-def]
    """htmx follows a redirect inside its request and drew the login page inside the volunteer's calendar;
    it nested a whole error page in the fragment's target. Now: `HX-Redirect` for the first, the page's main
    content replaced for the second; a fragment carrying its French message (the refused date) stays in place."""
    import datetime as dt
    import html

    from django.utils import timezone

    from tests.factories import compte, medecin

    freeze_clock(dt.datetime(2026, 11, 23, 10, tzinfo=timezone.get_current_timezone()))
    htmx = {"HX-Request": "true"}
    client = Client()
    anonymous = client.post(
        "/planning/medecin/disponibilites/?mois=2026-12", {"date": "2026-12-07"}, headers=htmx
    )
    assert anonymous.status_code == 200 and anonymous["HX-Redirect"].startswith("/connexion/?next=")
    assert client.post("/planning/medecin/disponibilites/", {"date": "2026-12-07"})["Location"].startswith(
        "/connexion/"
    )  # without htmx: the plain redirect
    client.force_login(compte(medecin()))
    refused = client.post(
        "/planning/medecin/disponibilites/?mois=2026-12",
        {"date": "2026-11-02", "action": "declarer"},
        headers=htmx,
    )
    body = html.unescape(refused.content.decode())
    assert (
        refused.status_code == 400
        and body.lstrip().startswith('<div id="calendrier"')
        and "Date passée" in body
    )
    assert "HX-Retarget" not in refused
    month = client.post(
        "/planning/medecin/disponibilites/?mois=2031-01",
        {"date": "2031-01-06", "action": "declarer"},
        headers=htmx,
    )
    assert month.status_code == 400 and "hors de l'horizon" in html.unescape(month.content.decode())
    assert (month["HX-Retarget"], month["HX-Reselect"], month["HX-Reswap"]) == (
        "#contenu",
        "#contenu",
        "outerHTML show:window:top",
    )
    assert 'role="alert"' in month.content.decode()  # announced by a screen reader, the page not reloaded
    missing = client.get("/page-inexistante/", headers=htmx)
    assert missing.status_code == 404 and missing["HX-Retarget"] == "#contenu"
    assert "HX-Retarget" not in client.get("/page-inexistante/")


def test_a_number_the_database_cannot_hold_is_a_french_400_even_in_django_admin() -> None:
    """`?campagne__id__in=1,<2**70>` in a back-office list: SQLite binds 64-bit integers (OverflowError, a 500
    inside Django's admin); PostgreSQL compares it as a numeric and finds nothing. Never a 500."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    admin = get_user_model().objects.create_superuser("national", "national@example.fr", "x" * 20)
    client = Client(raise_request_exception=False)
    client.force_login(admin)
    response = client.get(f"/admin/zonage/resultatepci/?campagne__id__in=1,{2**70}")
    if connection.vendor == "sqlite":
        body = response.content.decode()
        assert response.status_code == 400 and "hors des limites acceptées" in body, response.status_code
    else:
        assert response.status_code in (200, 302), response.status_code


@pytest.mark.parametrize(
    ("method", "address", "data"),
    [
        ("get", "/rendez-vous/?q=Aurillac&q=Gu%C3%A9ret", None),  # was read as « Guéret », the last copy
        ("get", "/planning/?mois=2026-12&mois=1999-01", None),
        ("post", "/medecins/inscription/", {"prenom": ["Anne", "Paul"], "nom": "Martin"}),
        ("post", "/indemnisation/jours/", {"consultations": ["3", "30"], "nature": "journee"}),
    ],
)
def test_a_field_given_twice_to_a_page_is_a_french_400_before_any_view(
    method: str, address: str, data: dict[str, object] | None
) -> None:
    """Django reads the last copy of a repeated field: the page and its message spoke of the first. Refused
    before the view (signed in or not, with or without a CSRF token), nothing read, nothing written."""
    from django.contrib.auth import get_user_model

    before = get_user_model().objects.count()
    response = getattr(Client(), method)(address, data) if data else Client().get(address)
    body = response.content.decode()
    assert response.status_code == 400, response.status_code
    assert "Requête invalide" in body and "est donné 2 fois, une seule valeur est attendue" in body
    assert get_user_model().objects.count() == before


def test_the_fields_sent_several_times_on_purpose_and_the_addresses_with_their_own_rules_pass() -> None:
    client = Client()
    # The statements an ARS ticks: on to the view (which sends an anonymous visitor to sign in).
    ticked = client.post("/indemnisation/ars/", {"action": "valider", "releves": ["1", "2"]})
    assert ticked.status_code == 302 and ticked["Location"].startswith("/connexion/?next=")
    # FHIR repeats a date for a period; the API names a repeated parameter in its own 422.
    period = client.get("/fhir/Slot?schedule=Schedule/1&date=ge2026-12-01&date=le2026-12-31")
    assert "fois" not in period.content.decode()  # the unknown schedule is the answer
    api = client.get("/api/v1/lieux?commune=15120&commune=15014")
    assert api.status_code == 422 and "plusieurs fois" in api.content.decode()
