"""Disponibilités, besoins, the ARS's planning (move, publish), missions and their calendar."""

from __future__ import annotations

import datetime as dt
import html
import io

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client
from django_tasks_db.models import DBTaskResult
from icalendar import Calendar

from solidarite.planning import invitations, services
from solidarite.planning.lifecycle import answer_mission
from solidarite.planning.models import Disponibilite, Mission, PlanningRun, Proposition
from tests.factories import agent_ars, compte, lieu, medecin, working_days, zone_commune

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 23)
DECEMBER = dt.date(2026, 12, 1)


@pytest.fixture(autouse=True)
def _today_is_before_december(freeze_clock) -> None:  # type: ignore[no-untyped-def]
    """These tests plan December 2026 as the coming month: the platform's clock reads TODAY, 10:00 in Paris,
    whatever the date they run (once December had come, declining a mission of 1 December was refused as
    « aujourd'hui ou passée », and declaring its dates as « passées »)."""
    from django.utils import timezone

    ten = dt.datetime.combine(TODAY, dt.time(10), tzinfo=timezone.get_current_timezone())
    freeze_clock(ten)


def test_declarations_refuse_the_past_duplicates_and_the_cap() -> None:
    volunteer = medecin()  # 2 days a month → at most 6 dates declared
    with pytest.raises(ValidationError, match="Date passée"):
        services.declare(volunteer, [TODAY], today=TODAY)
    days = working_days(DECEMBER, 8)
    services.declare(volunteer, days[:4], today=TODAY)
    with pytest.raises(ValidationError, match="déjà déclaré"):
        services.declare(volunteer, [days[0]], today=TODAY)
    with pytest.raises(ValidationError, match="Au plus 6 dates par mois"):
        services.declare(volunteer, days[4:7], today=TODAY)
    assert (
        Disponibilite.objects.filter(medecin=volunteer).count() == 4
    )  # nothing of the refused batch was kept


def test_besoins_skip_weekends_and_public_holidays() -> None:
    site = lieu()
    needed = services.besoins(site, DECEMBER)
    assert dt.date(2026, 12, 25) not in needed and dt.date(2026, 12, 24) in needed
    assert all(d.weekday() < 5 for d in needed)
    assert services.public_holidays("57", 2026) - services.public_holidays("75", 2026) == {
        dt.date(2026, 4, 3),
        dt.date(2026, 12, 26),
    }


def _planned_region():  # type: ignore[no-untyped-def]
    commune = zone_commune()
    sites = [lieu(commune), lieu(commune)]
    volunteers = [medecin(commune) for _ in range(3)]
    days = working_days(DECEMBER, 3)
    for v in volunteers:
        services.declare(v, days, today=TODAY)
    region = commune.departement.region
    return region, sites, volunteers, days


def test_plan_move_publish_decline(settings, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    region, _sites, _volunteers, days = _planned_region()
    agent = agent_ars(region.code)
    run = services.run_planning(region, DECEMBER, agent)
    assert run.resultat["optimal"] is True
    assert run.propositions.count() == 6  # 3 volunteers × 2 days, 2 lieux × 3 days of places
    assert services.violations(run) == []
    proposition = run.propositions.select_related("medecin").first()
    assert proposition is not None
    undeclared = working_days(DECEMBER, 10)[-1]
    with pytest.raises(ValidationError, match="n'a pas déclaré"):
        services.move_proposition(proposition, proposition.lieu, undeclared, agent)
    proposition.refresh_from_db()
    assert proposition.date in days  # the refused move changed nothing
    with pytest.raises(PermissionDenied):
        services.run_planning(region, DECEMBER, agent_ars("53" if region.code != "53" else "24", "ars-autre"))
    with django_capture_on_commit_callbacks(execute=True):
        missions = services.publish(run, agent)
    assert len(missions) == 6 and Mission.objects.filter(statut="proposee").count() == 6
    assert len(mail.outbox) == 3
    assert "/planning/medecin/" in mail.outbox[0].body and "/missions/" in mail.outbox[0].body
    attachment = mail.outbox[0].attachments[0]
    assert attachment[0] == "missions.ics" and Calendar.from_ical(attachment[1]).walk("VEVENT")
    with pytest.raises(ValidationError, match="déjà publié"):
        services.publish(run, agent)
    declined = answer_mission(missions[0], missions[0].medecin, accept=False)
    assert declined.statut == "annulee"
    assert list(declined.transitions.values_list("de", "vers")) == [("", "proposee"), ("proposee", "annulee")]
    with pytest.raises(ValidationError, match="déjà « annulée »"):
        answer_mission(missions[0], missions[0].medecin, accept=True)
    # The declined place is free again: the next run of the month sees it.
    again = services.build_instance(region, DECEMBER)
    site = next(s for s in again.instance.sites if s.id == str(declined.lieu_id))
    assert declined.date in site.needed


def test_the_current_month_is_planned_from_tomorrow_and_a_stale_draft_is_not_published(freeze_clock) -> None:  # type: ignore[no-untyped-def]
    """« Calculer » on the current month proposed its past days (and today), which no volunteer can accept;
    a draft computed before those days could still be published after them."""
    from django.utils import timezone

    region, _sites, _volunteers, days = _planned_region()  # 1, 2 and 3 December declared by all three
    agent = agent_ars(region.code)
    stale = services.run_planning(region, DECEMBER, agent)  # on 23 November: 6 propositions, 1–3 December
    assert {p.date for p in stale.propositions.all()} == set(days)
    freeze_clock(dt.datetime.combine(days[1], dt.time(10), tzinfo=timezone.get_current_timezone()))
    fresh = services.run_planning(region, DECEMBER, agent)
    assert fresh.propositions.exists() and {p.date for p in fresh.propositions.all()} == {days[2]}
    assert services.violations(fresh) == []
    problems = services.violations(stale)
    late = [p for p in problems if "ce jour est passé ou c'est aujourd'hui" in p]
    assert len(late) == 4 and all(f"{days[0]:%d/%m/%Y}" in p or f"{days[1]:%d/%m/%Y}" in p for p in late)
    with pytest.raises(ValidationError, match="ce jour est passé"):
        services.publish(stale, agent)
    assert not Mission.objects.exists()
    freeze_clock(dt.datetime.combine(days[2], dt.time(10), tzinfo=timezone.get_current_timezone()))
    empty = services.run_planning(region, DECEMBER, agent)  # nothing declared after 3 December
    assert empty.calcul == "termine" and not empty.propositions.exists()


def test_one_active_mission_per_volunteer_per_day_is_enforced_by_the_database() -> None:
    from django.db import IntegrityError, transaction

    volunteer, site = medecin(), lieu()
    day = working_days(DECEMBER, 1)[0]
    Mission.objects.create(medecin=volunteer, lieu=site, date=day)
    with pytest.raises(IntegrityError), transaction.atomic():
        Mission.objects.create(medecin=volunteer, lieu=lieu(), date=day)


def test_volunteer_pages_calendar_missions_and_ical_feed(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    region, _sites, volunteers, _days = _planned_region()
    volunteer = volunteers[0]
    assert client.get("/planning/medecin/disponibilites/").status_code == 302  # to the login
    client.force_login(compte(volunteer))
    page = client.get("/planning/medecin/disponibilites/?mois=2026-12")
    assert page.status_code == 200 and "3 dates déclarées" in html.unescape(page.content.decode())
    # Christmas and a Sunday are shown closed, and refused if sent anyway: no lieu opens, no mission is possible.
    assert 'aria-label="vendredi 25 décembre : jour férié (Noël)"' in html.unescape(page.content.decode())
    for day, why in (
        ("2026-12-25", "jour férié (Noël)"),
        ("2026-12-27", "aucun lieu solidaire n'ouvre le dimanche"),
    ):
        refused = client.post(
            "/planning/medecin/disponibilites/?mois=2026-12", {"date": day, "action": "declarer"}
        )
        assert refused.status_code == 400 and why in html.unescape(refused.content.decode())
    response = client.post(
        "/planning/medecin/disponibilites/?mois=2026-12",
        {"date": "2026-12-24", "action": "declarer"},
        headers={"HX-Request": "true"},
    )
    body = html.unescape(response.content.decode())
    assert (
        response.status_code == 200
        and body.lstrip().startswith('<div id="calendrier"')
        and "4 dates déclarées" in body
    )
    response = client.post(
        "/planning/medecin/disponibilites/?mois=2026-12",
        {"date": "2020-01-06", "action": "declarer"},
    )
    assert response.status_code == 400 and "Date passée" in html.unescape(response.content.decode())
    old = client.get(f"/planning/medecin/{volunteer.jeton_calendrier}/disponibilites/")
    assert old.status_code == 404 and "plus valable" in html.unescape(old.content.decode())
    run = services.run_planning(region, DECEMBER, agent_ars(region.code))
    services.publish(run, agent_ars(region.code, "ars-2"))
    mission = volunteer.missions.first()
    assert mission is not None
    response = client.post(
        "/planning/medecin/missions/",
        {"mission": mission.pk, "reponse": "confirmer"},
    )
    assert response.status_code == 302
    mission.refresh_from_db()
    assert mission.statut == "confirmee"
    feed = client.get(f"/planning/medecin/{volunteer.jeton_calendrier}/missions.ics")
    assert feed["Content-Type"].startswith("text/calendar")
    events = Calendar.from_ical(feed.content).walk("VEVENT")
    assert {str(e["status"]) for e in events} >= {"CONFIRMED"}


def test_ars_planning_page(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    region, _sites, _volunteers, _days = _planned_region()
    agent = agent_ars(region.code)
    client.force_login(agent)
    url = f"/planning/ars/?region={region.code}&mois=2026-12"
    status_url = f"/planning/ars/calcul/?region={region.code}&mois=2026-12"
    response = client.post(url, {"action": "calculer", "region": region.code, "mois": "2026-12"})
    assert response.status_code == 302  # at once: the solve is queued, not run in the request
    run = PlanningRun.objects.get()
    assert run.calcul == "en_file" and not run.propositions.exists()
    assert DBTaskResult.objects.get().task_path == "solidarite.planning.tasks.calculer_planning"
    page = html.unescape(client.get(url).content.decode())
    assert "Calcul en cours…" in page and 'hx-trigger="every 2s"' in page and "Publier" not in page
    assert "Calculer la proposition" not in page  # no second solve while this one waits
    again = client.post(url, {"action": "calculer", "region": region.code, "mois": "2026-12"})
    assert again.status_code == 400 and "déjà en file ou en cours" in html.unescape(again.content.decode())
    polled = client.get(status_url, headers={"HX-Request": "true"})
    assert polled.status_code == 200 and "HX-Refresh" not in polled and "Calcul en cours" in polled.text
    out = io.StringIO()
    call_command("worker", "--once", stdout=out)  # the project's worker, on django_tasks_db's queue
    solve = DBTaskResult.objects.get(task_path="solidarite.planning.tasks.calculer_planning")
    assert solve.status == "SUCCESSFUL" and solve.return_value == {"propositions": 6, "optimal": True}
    polled = client.get(status_url, headers={"HX-Request": "true"})
    assert polled["HX-Refresh"] == "true" and "Calcul terminé" in polled.text
    page = html.unescape(client.get(url).content.decode())
    assert "optimum prouvé" in page and "Publier" in page and "Recalculer la proposition" in page
    run.refresh_from_db()
    assert run.calcul == "termine" and run.propositions.count() == 6
    proposition = run.propositions.first()
    assert proposition is not None
    m = proposition.medecin  # two doctors named Michel are told apart by their first names' initial
    assert f'<small title="Dr {m.prenom} {m.nom}">{m.prenom[0]}. {m.nom}</small>' in page
    response = client.post(
        url,
        {
            "action": "deplacer",
            "region": region.code,
            "mois": "2026-12",
            "run": run.pk,
            "proposition": proposition.pk,
            "lieu": proposition.lieu_id,
            "date": "2026-12-31",
        },
    )
    assert response.status_code == 400 and "Déplacement refusé" in html.unescape(response.content.decode())
    response = client.post(
        url, {"action": "publier", "region": region.code, "mois": "2026-12", "run": run.pk}
    )
    assert response.status_code == 302 and Mission.objects.count() == 6
    other = "53" if region.code != "53" else "24"
    assert client.get(f"/planning/ars/?region={other}&mois=2026-12").status_code == 404  # as if none


def test_ars_cancels_a_queued_or_running_solve_and_keeps_the_published_plan(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    """Issue 23: the ARS page can cancel a solve; nothing of it stays, the month's published plan stays."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    region, _sites, _volunteers, _days = _planned_region()
    agent = agent_ars(region.code)
    client.force_login(agent)
    url = f"/planning/ars/?region={region.code}&mois=2026-12"
    published = services.run_planning(region, dt.date(2026, 12, 1), agent)
    services.publish(published, agent)
    missions = Mission.objects.count()
    assert missions == 6
    client.post(url, {"action": "calculer", "region": region.code, "mois": "2026-12"})
    queued = PlanningRun.objects.get(calcul="en_file")
    page = html.unescape(client.get(url).content.decode())
    assert "Annuler le calcul" in page
    response = client.post(
        url, {"action": "annuler", "region": region.code, "mois": "2026-12", "run": queued.pk}
    )
    assert response.status_code == 302
    assert list(PlanningRun.objects.all()) == [published] and Mission.objects.count() == missions
    call_command("worker", "--once", stdout=io.StringIO())  # the queued task finds nothing to claim
    solve = DBTaskResult.objects.get(task_path="solidarite.planning.tasks.calculer_planning")
    assert solve.status == "SUCCESSFUL" and "ignoré" in solve.return_value["calcul"]
    assert list(PlanningRun.objects.all()) == [published] and not Proposition.objects.filter(
        run__statut="brouillon"
    )
    # A solve the worker is computing: cancelled too; when the worker saves, the run is gone.
    running = PlanningRun.objects.create(
        region=region, mois=dt.date(2026, 12, 1), cree_par=agent, calcul="en_cours"
    )
    client.post(url, {"action": "annuler", "region": region.code, "mois": "2026-12", "run": running.pk})
    assert not PlanningRun.objects.filter(pk=running.pk).exists()
    # A finished run is not a solve to cancel: 400 with the reason, nothing deleted.
    refused = client.post(
        url, {"action": "annuler", "region": region.code, "mois": "2026-12", "run": published.pk}
    )
    assert refused.status_code == 400 and "rien à annuler" in html.unescape(refused.content.decode())
    assert PlanningRun.objects.filter(pk=published.pk).exists()


def test_a_lieu_weighs_its_zone_fragility_not_the_vote_share(zonage_vote_result) -> None:  # type: ignore[no-untyped-def]
    """ADR 0021: with a vote, `score` is the share of the methods retaining the EPCI; a zone its ARS added
    may hold 0 % and still be among the most fragile. The planning follows the fragility; where none is
    stored (a vote campaign saved before migration 0003, until recomputed) the campaign's score stands in."""
    from solidarite.zonage import services as zonage
    from solidarite.zonage.models import ResultatEpci

    site = lieu()
    region = site.commune.departement.region
    # the vote of 6 December (the set in force no longer votes: ADR 0028)
    campagne, _ = zonage.save_campaign(zonage_vote_result, activate=True)
    assert campagne.parametres.get("membres")
    ResultatEpci.objects.filter(campagne=campagne, epci=site.epci).update(score=0.0, score_fragilite=72.5)
    priority = next(
        s for s in services.build_instance(region, DECEMBER).instance.sites if s.id == str(site.pk)
    )
    assert priority.priority == 72.5
    ResultatEpci.objects.filter(campagne=campagne, epci=site.epci).update(score=64.0, score_fragilite=None)
    again = next(s for s in services.build_instance(region, DECEMBER).instance.sites if s.id == str(site.pk))
    assert again.priority == 64.0


@pytest.mark.django_db
def test_a_proposed_mission_whose_day_has_passed_cannot_be_confirmed(freeze_clock) -> None:  # type: ignore[no-untyped-def]
    """Confirmed after its day, a mission nobody worked could be confirmed as realised and paid."""
    freeze_clock(dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC))
    doc = medecin()
    past = Mission.objects.create(medecin=doc, lieu=lieu(doc.commune), date=dt.date(2026, 11, 18))
    with pytest.raises(ValidationError, match="passée"):
        answer_mission(past, doc, accept=True)
    past.refresh_from_db()
    assert past.statut == "proposee"
    today = Mission.objects.create(medecin=doc, lieu=lieu(doc.commune), date=dt.date(2026, 11, 20))
    assert answer_mission(today, doc, accept=True).statut == "confirmee"


@pytest.mark.django_db
def test_the_invitation_names_the_days_in_french() -> None:
    """« Monday 07/12/2026 » in a French e-mail: strftime's %A follows the C locale."""
    doc = medecin()
    mission = Mission.objects.create(medecin=doc, lieu=lieu(doc.commune), date=dt.date(2026, 12, 7))
    invitations.send_invitations([mission])
    body = mail.outbox[0].body
    assert "lundi 07/12/2026" in body and "Monday" not in body


def test_the_planner_counts_days_done_and_never_exceeds_the_national_cap() -> None:
    """Planning the current month gave a doctor who had already worked their 2 days (« réalisée ») 2 more; a
    profile edited above the national cap (the admin checks nothing) was planned as such: days held unpaid."""
    commune = zone_commune()
    site = lieu(commune)
    done, over = medecin(commune), medecin(commune, jours_max_par_mois=5)
    november = dt.date(2026, 11, 1)
    for day in (2, 3):
        Mission.objects.create(medecin=done, lieu=site, date=dt.date(2026, 11, day), statut="realisee")
    days = [d for d in working_days(november, 30) if d > TODAY][:4]
    Disponibilite.objects.bulk_create([Disponibilite(medecin=m, date=d) for m in (done, over) for d in days])
    data = services.build_instance(commune.departement.region, november)
    planned = {v.id: v.max_days for v in data.instance.volunteers}
    assert str(done.pk) not in planned and planned[str(over.pk)] == 2
