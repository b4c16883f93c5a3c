"""A volunteer declines a proposed mission (ADR 0003, révision du 5 décembre 2026): they say whether they stay
available that day for another lieu. Not available: the day leaves their disponibilités with the decline, and
the next « Calculer » does not propose it again; still available: it may propose the day, never that lieu. The
ARS page and the volunteer's calendar show it; bad input is a French 4xx and writes nothing."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from solidarite.planning import services
from solidarite.planning.models import Disponibilite, Mission, MissionTransition, Proposition
from tests.factories import agent_ars, compte, lieu, medecin, working_days, zone_commune

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 23)
DECEMBER = dt.date(2026, 12, 1)
MISSIONS = "/planning/medecin/missions/"


@pytest.fixture(autouse=True)
def _today(freeze_clock, settings) -> None:  # type: ignore[no-untyped-def]
    from django.utils import timezone

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    freeze_clock(dt.datetime.combine(TODAY, dt.time(10), tzinfo=timezone.get_current_timezone()))


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.content.decode())


def _proposed(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """Two lieux of one commune needing a doctor, one volunteer who declared one day, the month computed
    (« Calculer », the real solve) and published: (region, agent, the proposed mission, the other lieu)."""
    commune = zone_commune()
    sites = [lieu(commune), lieu(commune)]
    volunteer = medecin(commune)
    day = working_days(DECEMBER, 3)[2]
    services.declare(volunteer, [day], today=TODAY)
    region = commune.departement.region
    agent = agent_ars(region.code)
    run = services.run_planning(region, DECEMBER, agent)
    with django_capture_on_commit_callbacks(execute=True):
        (mission,) = services.publish(run, agent)
    assert mission.medecin == volunteer and mission.date == day
    other = next(s for s in sites if s != mission.lieu)
    return region, agent, mission, other


def _replanned(region, agent):  # type: ignore[no-untyped-def]
    """« Calculer » again, the real solve: the (médecin, lieu, date) it proposes."""
    run = services.run_planning(region, DECEMBER, agent)
    return set(run.propositions.values_list("medecin_id", "lieu_id", "date"))


def test_declined_and_no_longer_available_the_day_is_not_proposed_again(
    client: Client, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    region, agent, mission, _other = _proposed(django_capture_on_commit_callbacks)
    client.force_login(compte(mission.medecin))
    page = _text(client.get(MISSIONS))
    assert "restez-vous disponible pour un autre lieu ?" in page and "<legend" in page
    assert 'value="non" checked' in page  # « Je ne suis plus disponible ce jour-là » by default
    response = client.post(MISSIONS, {"mission": mission.pk, "reponse": "decliner", "disponible": "non"})
    assert response.status_code == 302
    assert not {(m, d) for m, _lieu, d in _replanned(region, agent)} & {(mission.medecin_id, mission.date)}
    mission.refresh_from_db()
    assert mission.statut == "annulee" and mission.reste_disponible is False
    assert not Disponibilite.objects.filter(medecin=mission.medecin, date=mission.date).exists()
    # The volunteer's calendar: the day is no longer declared, the decline beside it.
    calendar = _text(client.get("/planning/medecin/disponibilites/?mois=2026-12"))
    assert f"Me déclarer disponible le {mission.date.day} décembre" in calendar
    assert f"Mission déclinée ({mission.lieu.nom}) : jour retiré" in calendar
    # The ARS page: the decline, and that the day was withdrawn.
    client.force_login(agent)
    ars = _text(client.get(f"/planning/ars/?region={region.code}&mois=2026-12"))
    assert f"{mission.medecin} a décliné ; jour retiré de ses disponibilités" in ars


def test_declined_but_still_available_another_lieu_is_proposed_never_that_one(
    client: Client, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    region, agent, mission, other = _proposed(django_capture_on_commit_callbacks)
    client.force_login(compte(mission.medecin))
    response = client.post(MISSIONS, {"mission": mission.pk, "reponse": "decliner", "disponible": "oui"})
    assert response.status_code == 302
    mission.refresh_from_db()
    assert mission.statut == "annulee" and mission.reste_disponible is True
    assert Disponibilite.objects.filter(medecin=mission.medecin, date=mission.date).exists()
    assert _replanned(region, agent) == {(mission.medecin_id, other.pk, mission.date)}
    # Nor may the ARS move it back there by hand.
    draft = Proposition.objects.get(medecin=mission.medecin, run__statut="brouillon")
    with pytest.raises(ValidationError, match=r"a décliné .* le .* : ne le lui proposez plus"):
        services.move_proposition(draft, mission.lieu, mission.date, agent)
    draft.refresh_from_db()
    assert draft.lieu == other
    calendar = _text(client.get("/planning/medecin/disponibilites/?mois=2026-12"))
    assert f"Retirer la disponibilité du {mission.date.day} décembre" in calendar
    assert f"Mission déclinée ({mission.lieu.nom}) : disponible pour un autre lieu" in calendar
    client.force_login(agent)
    ars = _text(client.get(f"/planning/ars/?region={region.code}&mois=2026-12"))
    assert f"{mission.medecin} a décliné ; reste disponible ce jour-là pour un autre lieu" in ars


def _unchanged(mission: Mission) -> None:
    mission.refresh_from_db()
    assert mission.statut == "proposee" and mission.reste_disponible is None
    assert Disponibilite.objects.filter(medecin=mission.medecin, date=mission.date).exists()
    assert MissionTransition.objects.filter(mission=mission).count() == 1  # its publication only


def _a_proposed_mission(days_ahead: int = 10) -> Mission:
    volunteer = medecin()
    day = TODAY + dt.timedelta(days=days_ahead)
    Disponibilite.objects.create(medecin=volunteer, date=day)
    mission = Mission.objects.create(medecin=volunteer, lieu=lieu(), date=day)
    MissionTransition.objects.create(mission=mission, vers="proposee", commentaire="Publication du planning")
    return mission


@pytest.mark.parametrize("value", ["", "peut-être", "NON", "1", "non\x00"])
def test_a_forged_or_missing_answer_to_the_question_is_a_400(client: Client, value: str) -> None:
    mission = _a_proposed_mission()
    client.force_login(compte(mission.medecin))
    response = client.post(MISSIONS, {"mission": mission.pk, "reponse": "decliner", "disponible": value})
    assert response.status_code == 400
    _unchanged(mission)


def test_another_doctors_mission_is_not_declined(client: Client) -> None:
    mission = _a_proposed_mission()
    client.force_login(compte(medecin()))
    response = client.post(MISSIONS, {"mission": mission.pk, "reponse": "decliner", "disponible": "non"})
    assert response.status_code == 404 and "introuvable" in _text(response).lower()
    _unchanged(mission)


def test_declining_twice_is_a_400_and_the_second_answer_writes_nothing(client: Client) -> None:
    mission = _a_proposed_mission()
    client.force_login(compte(mission.medecin))
    first = client.post(MISSIONS, {"mission": mission.pk, "reponse": "decliner", "disponible": "oui"})
    assert first.status_code == 302
    again = client.post(MISSIONS, {"mission": mission.pk, "reponse": "decliner", "disponible": "non"})
    assert again.status_code == 400 and "Cette mission est déjà « annulée »" in _text(again)
    mission.refresh_from_db()
    assert mission.reste_disponible is True  # the first answer stands
    assert Disponibilite.objects.filter(medecin=mission.medecin, date=mission.date).exists()
    assert MissionTransition.objects.filter(mission=mission).count() == 2


@pytest.mark.parametrize("days_ahead", [0, -3])
def test_a_mission_of_today_or_the_past_is_not_declined(client: Client, days_ahead: int) -> None:
    mission = _a_proposed_mission(days_ahead)
    client.force_login(compte(mission.medecin))
    response = client.post(MISSIONS, {"mission": mission.pk, "reponse": "decliner", "disponible": "non"})
    assert response.status_code == 400 and "prévenez directement l'ARS" in _text(response)
    _unchanged(mission)


def test_the_ars_list_tells_a_decline_from_a_withdrawal_and_from_its_own_cancellation(
    client: Client, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    """The list under the ARS grid said « a décliné » of every cancelled mission of the month and of all the
    months after it: a volunteer who confirmed then withdrew, or a mission the ARS cancelled, read as declines."""
    from solidarite.planning import lifecycle

    region, agent, declined, other = _proposed(django_capture_on_commit_callbacks)
    lifecycle.answer_mission(declined, declined.medecin, accept=False)
    confirmed_then_withdrawn, cancelled_by_ars, january = (
        Mission.objects.create(medecin=medecin(other.commune), lieu=other, date=day, statut="proposee")
        for day in (working_days(DECEMBER, 5)[3], working_days(DECEMBER, 5)[4], dt.date(2027, 1, 12))
    )
    for mission in (confirmed_then_withdrawn, cancelled_by_ars, january):
        lifecycle.answer_mission(mission, mission.medecin, accept=True)
    volunteer = compte(confirmed_then_withdrawn.medecin)
    lifecycle.cancel_mission(confirmed_then_withdrawn, volunteer, "Enfant malade")
    lifecycle.cancel_mission(cancelled_by_ars, agent, "Local inondé")
    lifecycle.cancel_mission(january, agent, "Local en travaux")
    client.force_login(agent)
    ars = _text(client.get(f"/planning/ars/?region={region.code}&mois=2026-12"))
    assert ars.count("<h2>Missions déclinées ou annulées") == 1
    listed = ars[ars.index("<h2>Missions déclinées ou annulées (3)</h2>") :]
    assert f"{declined.medecin} a décliné ; jour retiré de ses disponibilités ; la place est libre." in listed
    assert (
        f"désistement de {confirmed_then_withdrawn.medecin} après confirmation ; la place est libre."
        in listed
    )
    assert f"mission de {cancelled_by_ars.medecin} annulée par l'ARS ; la place est libre." in listed
    assert "12/01/2027" not in listed  # another month's


@pytest.mark.parametrize("disponible", ["non", "oui"])
def test_a_volunteer_who_withdraws_is_asked_the_same_and_not_proposed_it_again(
    disponible: str, client: Client, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    """A désistement from a confirmed mission left the day among the volunteer's disponibilités and the lieu open:
    the next « Calculer » proposed them the day, at the very lieu, that they had just withdrawn from."""
    from solidarite.planning import lifecycle

    region, agent, mission, _other = _proposed(django_capture_on_commit_callbacks)
    lifecycle.answer_mission(mission, mission.medecin, accept=True)
    client.force_login(compte(mission.medecin))
    page = _text(client.get(MISSIONS))
    assert "Me désister" in page and "restez-vous disponible pour un autre lieu ?" in page
    refused = client.post(MISSIONS, {"mission": mission.pk, "reponse": "desister", "commentaire": "Grippe"})
    assert refused.status_code == 400 and "vous désister" in _text(refused)
    mission.refresh_from_db()
    assert mission.statut == "confirmee"
    response = client.post(
        MISSIONS,
        {"mission": mission.pk, "reponse": "desister", "commentaire": "Grippe", "disponible": disponible},
    )
    assert response.status_code == 302
    mission.refresh_from_db()
    assert mission.statut == "annulee" and mission.reste_disponible is (disponible == "oui")
    declared = Disponibilite.objects.filter(medecin=mission.medecin, date=mission.date).exists()
    assert declared is (disponible == "oui")
    proposed = _replanned(region, agent)
    assert (mission.medecin_id, mission.lieu_id, mission.date) not in proposed
    if disponible == "non":
        assert not {(m, d) for m, _lieu, d in proposed} & {(mission.medecin_id, mission.date)}
    client.force_login(agent)
    ars = _text(client.get(f"/planning/ars/?region={region.code}&mois=2026-12"))
    assert (
        f"désistement de {mission.medecin} après confirmation ; "
        + ("reste disponible ce jour-là" if disponible == "oui" else "jour retiré de ses disponibilités")
        in ars
    )


def test_the_ars_page_is_whole_with_its_list_of_cancelled_missions_once(
    client: Client, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    """A template edit gone wrong (an empty pattern replaced) once put the list of cancelled missions between each
    character of the page, which lost its layout, its month form and its grid, while the list's sentences stayed."""
    from solidarite.planning import lifecycle

    region, agent, declined, _other = _proposed(django_capture_on_commit_callbacks)
    lifecycle.answer_mission(declined, declined.medecin, accept=False)
    client.force_login(agent)
    response = client.get(f"/planning/ars/?region={region.code}&mois=2026-12")
    page = response.content.decode()
    assert response.status_code == 200 and page.lstrip().lower().startswith("<!doctype html>")
    assert (
        f"<title>Planning — {region.nom}" in page and f"<h1>Planning des missions — {region.nom}</h1>" in page
    )
    assert '<label class="fr-label" for="mois">Mois</label>' in page and "<caption>Lieux × jours" in page
    assert page.count("Missions déclinées ou annulées") == 1 and len(page) < 100_000


def test_a_withdrawal_or_the_ars_s_cancellation_is_not_shown_as_a_decline(
    client: Client, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    """Once a désistement also recorded the answer to the question, the volunteer's missions, their calendar and
    the ARS grid called it « déclinée »; the calendar called the ARS's own cancellation « Mission déclinée »."""
    from solidarite.planning import lifecycle

    region, agent, mission, other = _proposed(django_capture_on_commit_callbacks)
    lifecycle.answer_mission(mission, mission.medecin, accept=True)
    client.force_login(compte(mission.medecin))
    sent = {"mission": mission.pk, "reponse": "desister", "commentaire": "Grippe", "disponible": "oui"}
    assert client.post(MISSIONS, sent).status_code == 302
    missions = _text(client.get(MISSIONS))
    assert "Désistement (vous restez disponible ce jour-là pour un autre lieu)" in missions
    assert "Déclinée" not in missions
    calendar = _text(client.get("/planning/medecin/disponibilites/?mois=2026-12"))
    assert f"Désistement ({mission.lieu.nom}) : disponible pour un autre lieu" in calendar
    assert "Mission déclinée" not in calendar
    client.force_login(agent)
    grid = _text(client.get(f"/planning/ars/?region={region.code}&mois=2026-12"))
    assert "(désistement, disponible pour un autre lieu)" in grid and "(déclinée" not in grid
    by_ars = Mission.objects.create(
        medecin=medecin(other.commune), lieu=other, date=working_days(DECEMBER, 5)[4], statut="confirmee"
    )
    lifecycle.cancel_mission(by_ars, agent, "Local inondé")
    client.force_login(compte(by_ars.medecin))
    calendar = _text(client.get("/planning/medecin/disponibilites/?mois=2026-12"))
    assert f"Mission annulée par l'ARS ({other.nom})" in calendar and "Mission déclinée" not in calendar
