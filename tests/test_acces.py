"""One permission model (decision 0006): the region rule, the volunteer and the référent, the calendar feed."""

from __future__ import annotations

import datetime as dt
import html
import logging

import pytest
from django.contrib.auth.models import Permission, User
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client
from django.utils import timezone

from solidarite.annuaire import services as annuaire
from solidarite.annuaire.models import LieuSolidaire, MedecinVolontaire
from solidarite.planning.models import Mission
from solidarite.rdv import services
from solidarite.rdv.models import AccesDonnees, RendezVous
from solidarite.territoire import acces
from tests.factories import agent_ars, compte, lieu, medecin, referent, zone_commune

pytestmark = pytest.mark.django_db
PATIENT = {"nom": "Zoubir", "prenom": "Nadia", "date_naissance": "1950-02-03", "telephone": "0612345678"}


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.content.decode())


def _two_regions():  # type: ignore[no-untyped-def]
    commune_a = zone_commune(1)
    rank = next(
        r for r in range(2, 151) if zone_commune(r).departement.region_id != commune_a.departement.region_id
    )
    return commune_a, zone_commune(rank)


def _day(commune, days: int = 7) -> Mission:  # type: ignore[no-untyped-def]
    site = lieu(commune)
    day = timezone.localdate() + dt.timedelta(days=days)
    mission = Mission.objects.create(medecin=medecin(commune), lieu=site, date=day, statut="confirmee")
    services.book(services.slots(site, day, day)[0].id, PATIENT)
    return mission


def test_the_region_rule_scopes_and_hides() -> None:
    commune_a, commune_b = _two_regions()
    site_a, site_b = lieu(commune_a), lieu(commune_b)
    rows = LieuSolidaire.objects.filter(pk__in=[site_a.pk, site_b.pk])
    path = "commune__departement__region"
    ars = agent_ars(commune_a.departement.region.code)
    national = User.objects.create_superuser("ministere", "m@exemple.fr", "x" * 16)
    nobody = User.objects.create_user("personne")
    assert set(acces.scope(ars, rows, path)) == {site_a}
    assert set(acces.scope(national, rows, path)) == {site_a, site_b}
    assert not acces.scope(nobody, rows, path).exists()
    assert acces.get_in_scope(ars, rows, path, pk=site_a.pk) == site_a
    with pytest.raises(Http404):  # another region's row: as if it did not exist
        acces.get_in_scope(ars, rows, path, pk=site_b.pk)
    with pytest.raises(Http404):
        acces.get_in_scope(ars, rows, path, pk="pas-un-nombre")
    with pytest.raises(PermissionDenied, match="aucune ARS"):
        acces.region_of(nobody)
    with pytest.raises(PermissionDenied, match="ne vous est pas ouvert"):
        acces.check_region(ars, commune_b.departement.region)


def test_the_feed_secret_opens_the_feed_only_and_the_volunteer_renews_it(client: Client) -> None:
    mission = _day(zone_commune(1))
    doc = mission.medecin
    old = doc.jeton_calendrier
    feed = client.get(f"/planning/medecin/{old}/missions.ics")
    assert feed.status_code == 200 and mission.lieu.nom in feed.content.decode()
    assert "Zoubir" not in feed.content.decode() and "ZOUBIR" not in feed.content.decode()
    for path in (
        f"/planning/medecin/{old}/disponibilites/",
        f"/planning/medecin/{old}/missions/",
        f"/rendez-vous/journee/{old}/{mission.pk}/",
    ):
        gone = client.get(path)
        assert gone.status_code == 404 and "connectant" in _text(gone) and "ZOUBIR" not in _text(gone)
        assert client.post(path, {"mission": mission.pk, "reponse": "desister"}).status_code == 404
    mission.refresh_from_db()
    assert mission.statut == "confirmee" and not AccesDonnees.objects.filter(action="liste du jour").exists()
    client.force_login(compte(doc))
    issued = doc.jeton_calendrier_emis_le
    assert client.post("/planning/medecin/missions/", {"action": "nouveau_flux"}).status_code == 302
    doc.refresh_from_db()
    assert doc.jeton_calendrier != old and doc.jeton_calendrier_emis_le > issued
    assert client.get(f"/planning/medecin/{old}/missions.ics").status_code == 404  # at once
    assert client.get(f"/planning/medecin/{doc.jeton_calendrier}/missions.ics").status_code == 200
    assert f"/planning/medecin/{doc.jeton_calendrier}/missions.ics" in _text(
        client.get("/planning/medecin/missions/")
    )


def test_the_ars_of_the_region_revokes_the_feed(client: Client) -> None:
    commune_a, commune_b = _two_regions()
    doc = medecin(commune_a)
    url = f"/planning/medecin/{doc.jeton_calendrier}/missions.ics"
    other = agent_ars(commune_b.departement.region.code, "ars-b")
    with pytest.raises(PermissionDenied):
        annuaire.revoke_feed_token(doc, other)
    client.force_login(other)  # the action on a volunteer of another region: not in its list, nothing done
    client.post(
        "/admin/annuaire/medecinvolontaire/", {"action": "revoquer_agenda", "_selected_action": [doc.pk]}
    )
    assert client.get(url).status_code == 200
    ars = agent_ars(commune_a.departement.region.code, "ars-a")
    ars.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_medecinvolontaire", "change_medecinvolontaire"])
    )
    client.force_login(ars)
    done = client.post(
        "/admin/annuaire/medecinvolontaire/", {"action": "revoquer_agenda", "_selected_action": [doc.pk]}
    )
    assert done.status_code == 302
    doc.refresh_from_db()
    assert doc.jeton_calendrier_revoque_le is not None
    assert client.get(url).status_code == 404
    assert (
        client.get(f"/planning/medecin/{doc.jeton_calendrier}/missions.ics").status_code == 404
    )  # no feed at all
    client.force_login(compte(doc))
    assert "a désactivé l'adresse de votre agenda" in _text(client.get("/planning/medecin/missions/"))
    client.post("/planning/medecin/missions/", {"action": "nouveau_flux"})
    doc.refresh_from_db()
    assert doc.jeton_calendrier_revoque_le is None
    assert client.get(f"/planning/medecin/{doc.jeton_calendrier}/missions.ics").status_code == 200


def test_the_day_list_opens_to_its_doctor_and_the_referent_of_its_lieu_only(client: Client, caplog) -> None:  # type: ignore[no-untyped-def]
    commune = zone_commune(1)
    mission, elsewhere = _day(commune), _day(commune)
    url = f"/rendez-vous/journee/{mission.pk}/"
    assert client.get(url).status_code == 302  # to the login
    caplog.set_level(logging.DEBUG)
    # a validated doctor of another lieu: 404, nothing read, nothing written, no name in the logs
    client.force_login(compte(elsewhere.medecin))
    refused = client.get(url)
    assert refused.status_code == 404 and "ZOUBIR" not in _text(refused)
    rdv = RendezVous.objects.get(mission=mission)
    mission.date = timezone.localdate()
    mission.save(update_fields=["date"])
    assert client.post(url, {"rendez_vous": rdv.pk, "statut": "absent"}).status_code == 404
    rdv.refresh_from_db()
    assert (
        rdv.statut == "reserve"
        and not AccesDonnees.objects.filter(action__in=["liste du jour", "présence : absent"]).exists()
    )
    assert not [r for r in caplog.records if "Zoubir" in r.getMessage() or "ZOUBIR" in r.getMessage()]
    # the référent of the lieu reads it (audited as such); not the day of another lieu
    client.force_login(referent(mission.lieu))
    assert "ZOUBIR" in _text(client.get(url))
    assert AccesDonnees.objects.filter(rendez_vous=rdv, canal="référent du lieu").count() == 1
    assert client.get(f"/rendez-vous/journee/{elsewhere.pk}/").status_code == 404
    # its doctor reads it; suspended, no longer
    client.force_login(compte(mission.medecin))
    assert "ZOUBIR" in _text(client.get(url))
    MedecinVolontaire.objects.filter(pk=mission.medecin_id).update(statut="suspendu")
    assert client.get(url).status_code == 404
    assert client.get("/planning/medecin/missions/").status_code == 404


def test_an_ars_agent_of_another_region_gets_404_and_nothing_is_read(client: Client) -> None:
    commune_a, commune_b = _two_regions()
    mission = _day(commune_a)
    other = agent_ars(commune_b.departement.region.code)
    other.user_permissions.add(*Permission.objects.filter(codename="view_lieusolidaire"))
    client.force_login(other)
    before = AccesDonnees.objects.count()
    for path in (
        f"/rendez-vous/ars/journee/{mission.pk}/",
        f"/fhir/Appointment?location=Location/{mission.lieu.pk}&date=ge{mission.date}",
        f"/admin/annuaire/lieusolidaire/{mission.lieu.pk}/change/",
        f"/planning/ars/?region={commune_a.departement.region.code}",
    ):
        response = client.get(path)
        assert response.status_code == 404 and "ZOUBIR" not in _text(response), path
    assert AccesDonnees.objects.count() == before


def test_the_no_show_list_is_off_by_default(client: Client) -> None:
    client.force_login(agent_ars(zone_commune(1).departement.region.code))
    response = client.get("/rendez-vous/ars/absences/")
    assert response.status_code == 404 and "base légale" in _text(response)
    assert not AccesDonnees.objects.filter(action="liste des absences répétées").exists()
