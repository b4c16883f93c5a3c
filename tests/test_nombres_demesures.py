"""No address answers 500 with an integer the database cannot hold (2**70), back office, pages, API and FHIR."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client

pytestmark = pytest.mark.django_db
HUGE = 2**70


def _crawl(client: Client, urls: list[str]) -> list[tuple[str, int, str]]:
    bad = []
    for url in urls:
        response = client.get(url)
        if response.status_code >= 500:
            bad.append((url, response.status_code, response.content[:200].decode(errors="replace")))
    return bad


def test_no_500_with_a_huge_integer_in_the_back_office() -> None:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_superuser("national", "national@example.fr", "x" * 20)
    client = Client(raise_request_exception=False)
    client.force_login(user)
    urls = []
    for model, model_admin in admin.site._registry.items():
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        urls += [
            f"{base}?p={HUGE}",
            f"{base}?o={HUGE}",
            f"{base}?id__in=1,{HUGE}",
            f"{base}?id__exact={HUGE}",
            f"{base}?id__gt={HUGE}",
            f"{base}?q={HUGE}",
            f"{base}{HUGE}/change/",
            f"{base}{HUGE}/history/",
            f"{base}{HUGE}/delete/",
            f"{base}?_to_field=id&id__lte={HUGE}",
        ]
        for f in model_admin.list_filter:
            name = f if isinstance(f, str) else (f[0] if isinstance(f, tuple) else None)
            if name:
                urls += [
                    f"{base}?{name}__id__exact={HUGE}",
                    f"{base}?{name}__exact={HUGE}",
                    f"{base}?{name}={HUGE}",
                ]
    urls += [
        f"/admin/r/1/{HUGE}/",
        f"/admin/r/{HUGE}/1/",
        "/admin/autocomplete/?term=a&app_label=rdv&model_name=rendezvous&field_name=lieu&page=" + str(HUGE),
    ]
    bad = _crawl(client, urls)
    assert not bad, "\n".join(f"{u} {s} {c}" for u, s, c in bad)


def test_no_500_with_a_huge_integer_in_pages_api_and_fhir() -> None:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_superuser("national", "national@example.fr", "x" * 20)
    client = Client(raise_request_exception=False)
    client.force_login(user)
    urls = [
        f"/zonage/gestion/campagnes/{HUGE}/1/",
        f"/zonage/gestion/listes/{HUGE}/",
        f"/indemnisation/medecin/releve/{HUGE}.pdf",
        f"/indemnisation/jours/{HUGE}/",
        f"/pilotage/simulations/{HUGE}/",
        f"/pilotage/simulations/{HUGE}/progres/",
        f"/pilotage/simulations/{HUGE}/apl.geojson",
        f"/pilotage/donnees-ouvertes/2025T1/v{HUGE}.csv",
        f"/continuite/consultation/{HUGE}/",
        f"/continuite/journee/{HUGE}/",
        f"/continuite/resultat/{HUGE}/",
        f"/continuite/lieu/{HUGE}/",
        f"/continuite/lieu/{HUGE}/rapprochements/",
        f"/continuite/consultation/{HUGE}/medecin-traitant/",
        f"/continuite/transmission/{HUGE}/lettre/",
        f"/continuite/transmission/{HUGE}/fhir/",
        f"/rendez-vous/lieu/{HUGE}/",
        f"/rendez-vous/lieu/{HUGE}/attente/",
        f"/rendez-vous/journee/{HUGE}/",
        f"/rendez-vous/ars/journee/{HUGE}/",
        f"/rendez-vous/journee/abc/{HUGE}/",
        f"/api/v1/lieux/{HUGE}/creneaux?du=2026-12-01&au=2026-12-02",
        "/api/v1/lieux/1/creneaux?du=9999-12-31&au=9999-12-31",
        f"/fhir/Location/{HUGE}",
        f"/fhir/Slot/{HUGE}",
        f"/fhir/Schedule/{HUGE}",
        f"/fhir/Appointment/{HUGE}",
        f"/fhir/Slot?schedule={HUGE}",
        f"/fhir/Slot?_count={HUGE}",
        f"/fhir/Location?_count={HUGE}",
        "/fhir/Slot?start=ge9999-12-31",
        "/rendez-vous/lieu/1/?du=9999-12-31",
        "/planning/ars/?mois=9999-12",
        "/planning/medecin/disponibilites/?mois=9999-12",
        "/pilotage/?au=9999-12",
        "/pilotage/?du=0001-01&au=9999-12",
        "/indemnisation/ars/?mois=9999-12",
        "/planning/ars/calcul/?mois=9999-12",
    ]
    bad = _crawl(client, urls)
    assert not bad, "\n".join(f"{u} {s} {c}" for u, s, c in bad)


def test_no_500_with_a_ticked_row_that_is_not_a_key_in_the_back_office() -> None:
    """The probe of 6 December: an action on « abc » (`_selected_action`) was a 500 on every changelist with an
    action; it is a French 400 wherever the key is a number, and never a 500."""
    from django.contrib.auth import get_user_model
    from django.db import models

    user = get_user_model().objects.create_superuser("national", "national@example.fr", "x" * 20)
    client = Client(raise_request_exception=False)
    client.force_login(user)
    checked = 0
    for model, model_admin in admin.site._registry.items():
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        request = type("R", (), {"user": user, "GET": {}, "method": "GET"})()
        for action in list(model_admin.get_actions(request))[-1:]:  # one each: the middleware is the same
            response = client.post(base, {"action": action, "_selected_action": ["abc"], "index": 0})
            assert response.status_code < 500, (base, action, response.content[:300])
            if isinstance(model._meta.pk, models.AutoField | models.BigAutoField):
                assert response.status_code == 400, (base, action)
                assert "Sélection invalide" in response.content.decode(), (base, action)
                checked += 1
    assert checked >= 5
