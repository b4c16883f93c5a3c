"""Bad input on the planning pages (revue du 5 décembre): ids that are not numbers, months and dates out of the
planning horizon. Each is refused in French (400 or 404) before anything is written, never a server error."""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from icalendar import Calendar

from solidarite.planning import invitations, services
from solidarite.planning.calendar import missions_ics
from solidarite.planning.models import Disponibilite, Mission, PlanningRun
from tests.factories import agent_ars, compte, lieu, medecin, working_days, zone_commune

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 23)
DECEMBER = dt.date(2026, 12, 1)


@pytest.fixture(autouse=True)
def _today(freeze_clock) -> None:  # type: ignore[no-untyped-def]
    from django.utils import timezone

    freeze_clock(dt.datetime.combine(TODAY, dt.time(10), tzinfo=timezone.get_current_timezone()))


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.content.decode())


def _published(settings):  # type: ignore[no-untyped-def]
    """A region whose December plan is a finished draft: (region, agent, run, one volunteer)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    commune = zone_commune()
    lieu(commune)
    volunteer = medecin(commune)
    services.declare(volunteer, working_days(DECEMBER, 3), today=TODAY)
    region = commune.departement.region
    agent = agent_ars(region.code)
    return region, agent, services.run_planning(region, DECEMBER, agent), volunteer


@pytest.mark.parametrize("value", ["abc", "1.5", "", "-1", "99999999999999999999999", "1e3"])
def test_a_mission_id_that_is_not_a_number_is_a_400(client: Client, value: str) -> None:
    volunteer = medecin()
    client.force_login(compte(volunteer))
    response = client.post("/planning/medecin/missions/", {"mission": value, "reponse": "confirmer"})
    assert response.status_code == 400 and "Mission invalide" in _text(response), response.status_code


def test_another_doctors_mission_is_a_404(client: Client) -> None:
    volunteer, other = medecin(), medecin()
    client.force_login(compte(volunteer))
    theirs = Mission.objects.create(medecin=other, lieu=lieu(), date=working_days(DECEMBER, 1)[0])
    response = client.post("/planning/medecin/missions/", {"mission": theirs.pk, "reponse": "confirmer"})
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"action": "publier", "run": "abc"}, "Planning invalide"),
        ({"action": "publier", "run": ""}, "Planning invalide"),
        ({"action": "annuler", "run": "0"}, "Planning invalide"),
        ({"action": "retirer", "run": "1.5"}, "Planning invalide"),
        ({"action": "retirer", "proposition": "x"}, "Affectation invalide"),
        ({"action": "deplacer", "proposition": "1", "lieu": "abc"}, "Lieu invalide"),
    ],
)
def test_ars_ids_that_are_not_numbers_are_a_400(client: Client, settings, fields, message) -> None:  # type: ignore[no-untyped-def]
    region, agent, run, _ = _published(settings)
    client.force_login(agent)
    data = {"region": region.code, "mois": "2026-12", "run": str(run.pk), **fields}
    if data.get("proposition") == "1":
        data["proposition"] = str(run.propositions.first().pk)  # type: ignore[union-attr]
    response = client.post("/planning/ars/", data)
    assert response.status_code == 400 and message in _text(response), (response.status_code, _text(response))
    run.refresh_from_db()
    assert run.statut == "brouillon" and not Mission.objects.exists()


@pytest.mark.parametrize("mois", ["9999-12", "0001-01", "2025-10", "2028-01", "1-01", "2026-13"])
def test_the_calendar_refuses_a_month_out_of_the_horizon(client: Client, mois: str) -> None:
    volunteer = medecin()
    client.force_login(compte(volunteer))
    response = client.get(f"/planning/medecin/disponibilites/?mois={mois}")
    assert response.status_code == 400 and "Mois invalide" in _text(response)
    response = client.post("/planning/medecin/disponibilites/", {"date": "2027-01-15", "mois": mois})
    assert response.status_code == 400 and "Mois invalide" in _text(response)
    assert not Disponibilite.objects.exists()  # refused before any write


def test_the_calendar_links_stop_at_the_horizon(client: Client) -> None:
    client.force_login(compte(medecin()))
    first = client.get("/planning/medecin/disponibilites/?mois=2025-11")  # a year back: read only
    assert first.status_code == 200
    assert "?mois=2025-10" not in _text(first) and "?mois=2025-12" in _text(first)
    last = client.get("/planning/medecin/disponibilites/?mois=2027-11")
    assert last.status_code == 200
    assert "?mois=2027-12" not in _text(last) and "?mois=2027-10" in _text(last)
    past = client.post("/planning/medecin/disponibilites/?mois=2025-11", {"date": "2025-11-20"})
    assert past.status_code == 400 and "Mois invalide" in _text(past)


@pytest.mark.parametrize("day", ["9999-12-31", "2027-12-01", "0001-01-01", "2026-12-1", "demain"])
def test_a_date_out_of_the_horizon_is_refused(client: Client, day: str) -> None:
    client.force_login(compte(medecin()))
    response = client.post(
        "/planning/medecin/disponibilites/?mois=2026-12", {"date": day, "action": "declarer"}
    )
    assert response.status_code == 400, response.status_code
    assert "Date invalide" in _text(response) or "Date passée" in _text(response), _text(response)
    assert not Disponibilite.objects.exists()


@pytest.mark.parametrize("action", ["Declarer", "supprimer", "", None])
def test_an_unknown_calendar_action_is_refused_not_a_declaration(client: Client, action: str | None) -> None:
    """Found by probing the site: any `action` but « retirer » declared the day (200). Refused as the missions
    page refuses an unknown answer: 400, in French, the calendar shown again, nothing declared."""
    client.force_login(compte(medecin()))
    form = {"mois": "2026-12", "date": "2026-12-15"} | ({} if action is None else {"action": action})
    response = client.post("/planning/medecin/disponibilites/", form, headers={"HX-Request": "true"})
    text = _text(response)
    assert response.status_code == 400 and "Action inconnue" in text and 'id="calendrier"' in text, text
    assert not Disponibilite.objects.exists()


def test_the_last_day_of_the_horizon_is_accepted(client: Client) -> None:
    client.force_login(compte(medecin()))
    response = client.post(
        "/planning/medecin/disponibilites/?mois=2027-11", {"date": "2027-11-30", "action": "declarer"}
    )
    assert response.status_code == 200 and "enregistrée" in _text(response)


@pytest.mark.parametrize("mois", ["9999-12", "0001-01", "2020-01", "2026-10", "2027-12"])
def test_a_solve_out_of_the_horizon_is_refused(client: Client, mois: str) -> None:
    region = zone_commune().departement.region
    lieu()
    client.force_login(agent_ars(region.code))
    response = client.post("/planning/ars/", {"action": "calculer", "region": region.code, "mois": mois})
    assert response.status_code == 400 and "horizon du planning" in _text(response), _text(response)
    assert not PlanningRun.objects.exists()


def test_the_current_month_and_the_last_of_the_horizon_may_be_solved(client: Client) -> None:
    region = zone_commune().departement.region
    lieu()
    client.force_login(agent_ars(region.code))
    for mois in ("2026-11", "2027-11"):
        response = client.post("/planning/ars/", {"action": "calculer", "region": region.code, "mois": mois})
        assert response.status_code == 302 and response["Location"].endswith(f"mois={mois}")


def test_a_past_draft_is_not_published(client: Client, settings, freeze_clock) -> None:  # type: ignore[no-untyped-def]
    from django.utils import timezone

    region, agent, run, _ = _published(settings)
    freeze_clock(dt.datetime(2027, 1, 5, 10, tzinfo=timezone.get_current_timezone()))
    client.force_login(agent)
    response = client.post(
        "/planning/ars/", {"action": "publier", "region": region.code, "mois": "2026-12", "run": run.pk}
    )
    assert response.status_code == 400 and "horizon du planning" in _text(response)
    assert not Mission.objects.exists()


def test_the_feed_and_the_invitation_survive_any_stored_date(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    """Defensive: a mission on the last day Python knows (stored before the dates were bounded) neither breaks
    the volunteer's feed nor the invitation e-mail."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    volunteer = medecin()
    far = Mission.objects.create(medecin=volunteer, lieu=lieu(), date=dt.date.max)
    feed = client.get(f"/planning/medecin/{volunteer.jeton_calendrier}/missions.ics")
    assert feed.status_code == 200
    (event,) = Calendar.from_ical(feed.content).walk("VEVENT")
    assert event.decoded("dtstart") == dt.date.max
    assert Calendar.from_ical(missions_ics([far], "x")).walk("VEVENT")
    invitations.send_invitations([far])
    assert len(mail.outbox) == 1


def _move(client: Client, region: Any, proposition: Any, lieu: int, day: str) -> Any:
    """The ARS page's « déplacer » of a proposition of the December 2026 plan."""
    return client.post(
        "/planning/ars/",
        {
            "action": "deplacer",
            "region": region.code,
            "mois": "2026-12",
            "run": proposition.run_id,
            "proposition": proposition.pk,
            "lieu": lieu,
            "date": day,
        },
    )


def test_a_move_stays_in_the_month_of_the_plan(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    region, agent, run, _ = _published(settings)
    proposition = run.propositions.first()
    assert proposition is not None
    client.force_login(agent)
    for day in ("9999-12-31", "0001-01-01", "2027-01-04"):
        response = _move(client, region, proposition, proposition.lieu_id, day)
        assert response.status_code == 400 and "dans le mois du planning (12/2026)" in _text(response)
    before = proposition.date
    proposition.refresh_from_db()
    assert proposition.date == before


def test_a_move_to_a_lieu_of_another_region_finds_no_such_lieu(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    region, agent, run, _ = _published(settings)
    proposition = run.propositions.first()
    assert proposition is not None
    elsewhere = next(
        c for c in (zone_commune(rank) for rank in range(1, 40)) if c.departement.region_id != region.pk
    )
    foreign = lieu(elsewhere)
    client.force_login(agent)
    response = _move(client, region, proposition, foreign.pk, proposition.date.isoformat())
    assert response.status_code == 404  # as if there were none: its region is not named
    assert elsewhere.departement.region.nom not in _text(response)
    before = proposition.lieu_id
    proposition.refresh_from_db()
    assert proposition.lieu_id == before


def test_declare_refuses_dates_beyond_the_horizon() -> None:
    from django.core.exceptions import ValidationError

    volunteer = medecin()
    assert services.planning_horizon(TODAY) == (dt.date(2026, 11, 1), dt.date(2027, 11, 1))
    assert services.last_plannable_day(TODAY) == dt.date(2027, 11, 30)
    with pytest.raises(ValidationError, match=r"31/12/9999 est au-delà de l'horizon du planning.*30/11/2027"):
        services.declare(volunteer, [dt.date(2026, 12, 1), dt.date.max], today=TODAY)
    assert not Disponibilite.objects.exists()  # nothing of the batch
    with pytest.raises(ValidationError, match="hors de l'horizon du planning : de 11/2026 à 11/2027"):
        services.check_plannable(dt.date(2020, 1, 1), TODAY)


@pytest.mark.parametrize("reponse", ["", "oui", "CONFIRMER"])
def test_an_unknown_answer_does_not_decline_the_mission(client: Client, reponse: str) -> None:
    volunteer = medecin()
    client.force_login(compte(volunteer))
    proposed = Mission.objects.create(
        medecin=volunteer, lieu=lieu(), date=working_days(DECEMBER, 1)[0], statut="proposee"
    )
    response = client.post("/planning/medecin/missions/", {"mission": proposed.pk, "reponse": reponse})
    assert response.status_code == 400 and "Réponse invalide" in _text(response)
    proposed.refresh_from_db()
    assert proposed.statut == "proposee"


def test_a_past_availability_is_not_withdrawn(client: Client) -> None:
    """The probe of 6 December: posted with the current month, the availability of a day already past (a day
    worked) was deleted, though the calendar shows past months read-only. Past and today's dates are a record."""
    doctor = medecin()
    for day in (TODAY - dt.timedelta(days=14), TODAY):
        Disponibilite.objects.create(medecin=doctor, date=day)
    client.force_login(compte(doctor))
    for day in (TODAY - dt.timedelta(days=14), TODAY):
        response = client.post(
            "/planning/medecin/disponibilites/?mois=2026-11", {"date": day.isoformat(), "action": "retirer"}
        )
        assert response.status_code == 400 and "ne se retire plus" in _text(response), _text(response)
    assert Disponibilite.objects.filter(medecin=doctor).count() == 2
    services.declare(doctor, [TODAY + dt.timedelta(days=3)], today=TODAY)
    later = client.post(
        "/planning/medecin/disponibilites/?mois=2026-11",
        {"date": (TODAY + dt.timedelta(days=3)).isoformat(), "action": "retirer"},
    )
    assert later.status_code == 200 and "n'est plus déclaré" in _text(later)
