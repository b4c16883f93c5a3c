"""The doctor's day (printable, presence marked) and the ARS's view of repeat no-shows."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.test import Client
from django.utils import timezone

from solidarite.planning.models import MissionTransition
from solidarite.rdv.models import AccesDonnees, RendezVous
from tests.factories import agent_ars, compte
from tests.factories import mission as _mission

pytestmark = pytest.mark.django_db


def _rdv(mission, hour: int, **fields) -> RendezVous:  # type: ignore[no-untyped-def]
    start = timezone.make_aware(dt.datetime.combine(mission.date, dt.time(hour, 30)))
    data = {
        "nom": "Martin",
        "prenom": "Jeanne",
        "date_naissance": dt.date(1948, 5, 17),
        "telephone": "+33612345678",
        **fields,
    }
    return RendezVous.objects.create(
        mission=mission, lieu=mission.lieu, debut=start, fin=start + dt.timedelta(minutes=20), **data
    )


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.content.decode())


def test_the_doctor_on_duty_sees_and_marks_the_day(client: Client) -> None:
    mission = _mission(days_ahead=0)
    first, second, third = _rdv(mission, 9), _rdv(mission, 10, nom="Petit"), _rdv(mission, 11, nom="Roux")
    url = f"/rendez-vous/journee/{mission.pk}/"
    client.force_login(compte(mission.medecin))
    page = _text(client.get(url))
    assert (
        "MARTIN Jeanne" in page
        and "17/05/1948" in page
        and "data-imprimer" in page  # the print button, bound by rdv/journee.js (no onclick: CSP)
        and "rdv/journee.css" in page  # its print rules
    )
    assert AccesDonnees.objects.filter(action="liste du jour").count() == 3
    for rdv, statut in ((first, "vu"), (second, "absent"), (third, "excuse")):
        assert client.post(url, {"rendez_vous": rdv.pk, "statut": statut}).status_code == 302
        rdv.refresh_from_db()
        assert rdv.statut == statut and rdv.statut_le is not None
    assert client.post(url, {"rendez_vous": first.pk, "statut": "parti"}).status_code == 400
    old = client.get(f"/rendez-vous/journee/{mission.medecin.jeton_calendrier}/{mission.pk}/")
    assert old.status_code == 404 and "plus valable" in _text(old) and "MARTIN" not in _text(old)


def test_presence_cannot_be_marked_before_the_day(client: Client) -> None:
    mission = _mission(days_ahead=3)
    rdv = _rdv(mission, 9)
    url = f"/rendez-vous/journee/{mission.pk}/"
    client.force_login(compte(mission.medecin))
    response = client.post(url, {"rendez_vous": rdv.pk, "statut": "absent"})
    assert response.status_code == 400 and "le jour de la consultation" in _text(response)
    rdv.refresh_from_db()
    assert rdv.statut == "reserve"


def test_repeat_no_shows_are_visible_to_their_region_only(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SOLIDARITE_LISTE_ABSENCES = True
    mission = _mission(days_ahead=0)
    _rdv(mission, 9, statut="absent")
    _rdv(mission, 10, statut="absent", nom="MARTIN ")  # same person, typed differently
    _rdv(mission, 11, statut="absent", nom="Seul")
    region = mission.lieu.commune.departement.region
    client.force_login(agent_ars(region.code))
    page = _text(client.get("/rendez-vous/ars/absences/"))
    assert "MARTIN" in page and "17/05/1948" in page and "SEUL" not in page
    assert AccesDonnees.objects.filter(action="liste des absences répétées").count() == 2
    other = "11" if region.code != "11" else "84"
    client.force_login(agent_ars(other, username="ars-autre"))
    assert "MARTIN" not in _text(client.get("/rendez-vous/ars/absences/"))
    denied = client.get(f"/rendez-vous/ars/journee/{mission.pk}/")  # another region: as if it did not exist
    assert denied.status_code == 404 and "MARTIN" not in _text(denied)


def test_the_ars_cancels_a_day_from_its_view(client: Client) -> None:
    mission = _mission(days_ahead=5)
    rdv = _rdv(mission, 9)
    client.force_login(agent_ars(mission.lieu.commune.departement.region.code))
    url = f"/rendez-vous/ars/journee/{mission.pk}/"
    assert "Annuler la mission et prévenir les patients" in _text(client.get(url))
    assert (
        client.post(
            url, {"action": "annuler_mission", "commentaire": "Lieu fermé (dégât des eaux)"}
        ).status_code
        == 302
    )
    mission.refresh_from_db()
    rdv.refresh_from_db()
    assert (
        mission.statut == "annulee"
        and rdv.statut == "annule"
        and rdv.messages.filter(nature="mission_annulee").exists()
    )


@pytest.mark.parametrize("who", ["medecin", "ars"])
def test_a_cancellation_reason_over_500_characters_is_refused_whole(client: Client, who: str) -> None:
    """Found by probing the site: a withdrawal (the volunteer) or a cancellation (the ARS) with a reason of 6,000
    characters was saved cut to 500 behind a success page. Refused whole: 400, the limit and the length said, the
    reason typed kept in its field, the mission still confirmed; the field carries the limit; 500 are kept whole."""
    mission = _mission(days_ahead=5)
    if who == "medecin":
        client.force_login(compte(mission.medecin))
        url, form = (
            "/planning/medecin/missions/",
            {"mission": mission.pk, "reponse": "desister", "disponible": "oui"},
        )
    else:
        client.force_login(agent_ars(mission.lieu.commune.departement.region.code))
        url, form = f"/rendez-vous/ars/journee/{mission.pk}/", {"action": "annuler_mission"}
    assert 'name="commentaire" maxlength="500"' in _text(client.get(url))
    refused = client.post(url, {**form, "commentaire": "x" * 6000})
    text = _text(refused)
    assert refused.status_code == 400 and "6\u202f000 caractères reçus, 500 au plus" in text, text
    assert 'value="' + "x" * 6000 + '"' in text  # kept, not to be typed again
    mission.refresh_from_db()
    assert mission.statut == "confirmee" and not MissionTransition.objects.filter(vers="annulee").exists()
    assert client.post(url, {**form, "commentaire": "y" * 500}).status_code == 302
    mission.refresh_from_db()
    assert mission.statut == "annulee"
    kept = ("Désistement du médecin : " if who == "medecin" else "") + "y" * 500
    assert mission.transitions.get(vers="annulee").commentaire == kept


def test_a_presence_marked_by_mistake_can_be_corrected_and_each_button_names_its_patient(
    client: Client,
) -> None:
    """« Absent » clicked instead of « Vu »: the buttons disappeared, and with them the patient's transmission."""
    mission = _mission(days_ahead=0)
    rdv = _rdv(mission, 9, nom="Petit")
    client.force_login(compte(mission.medecin))
    url = f"/rendez-vous/journee/{mission.pk}/"
    page = _text(client.get(url))
    assert "Vu : PETIT Jeanne, 09:30" in page.replace('<span class="fr-sr-only">', "").replace("</span>", "")
    assert client.post(url, {"rendez_vous": rdv.pk, "statut": "absent"}).status_code == 302
    page = _text(client.get(url))
    assert "Corriger" in page and 'name="statut" value="vu"' in page
    assert client.post(url, {"rendez_vous": rdv.pk, "statut": "vu"}).status_code == 302
    rdv.refresh_from_db()
    assert rdv.statut == RendezVous.Statut.VU
