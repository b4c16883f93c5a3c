"""In the real browser: a volunteer declines a proposed mission between two consultations (ADR 0003, révision du
5 décembre 2026). One question, its answer by default « Je ne suis plus disponible ce jour-là », reachable by its
labels; the page passes axe-core with the question open."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from solidarite.planning.models import Disponibilite, Mission
from solidarite.territoire.models import Commune
from tests.browser.session import login_cookie
from tests.browser.test_rendez_vous import _axe_faults
from tests.factories import compte, lieu, medecin

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_volunteer_declines_and_says_whether_they_stay_available(territoire, live_server, browser) -> None:  # type: ignore[no-untyped-def]
    commune = Commune.objects.get(code_insee="15120")
    doc = medecin(commune=commune)
    days = [timezone.localdate() + dt.timedelta(days=n) for n in (10, 11)]
    missions = []
    for day in days:
        Disponibilite.objects.create(medecin=doc, date=day)
        missions.append(Mission.objects.create(medecin=doc, lieu=lieu(commune), date=day))
    page = browser.new_page(locale="fr-FR")  # type: ignore[attr-defined]
    login_cookie(page, live_server.url, compte(doc))
    page.goto(f"{live_server.url}/planning/medecin/missions/")
    row = page.get_by_role("row").filter(has_text=missions[0].lieu.nom)
    row.locator("summary").click()
    question = row.get_by_role("group", name="restez-vous disponible pour un autre lieu ?")
    assert question.get_by_label("Je ne suis plus disponible ce jour-là").is_checked()
    assert _axe_faults(page) == []  # the question open
    question.get_by_text(
        "Je reste disponible ce jour-là pour un autre lieu"
    ).click()  # the label, as a finger
    assert question.get_by_label("Je reste disponible ce jour-là pour un autre lieu").is_checked()
    row.get_by_role("button", name="Décliner la mission").click()
    page.wait_for_load_state()
    assert "vous restez disponible ce jour-là pour un autre lieu" in page.locator("main").inner_text()
    row = page.get_by_role("row").filter(has_text=missions[1].lieu.nom)
    row.locator("summary").click()
    row.get_by_role("button", name="Décliner la mission").click()  # the answer by default
    page.wait_for_load_state()
    assert "ce jour est retiré de vos disponibilités" in page.locator("main").inner_text()
    assert _axe_faults(page) == []
    assert [(m.statut, m.reste_disponible) for m in Mission.objects.order_by("date")] == [
        ("annulee", True),
        ("annulee", False),
    ]
    assert list(Disponibilite.objects.values_list("date", flat=True)) == [days[0]]
    page.close()
