"""The identity is confirmed and the handover written on the day of the visit, or after it (a late handover),
never before: a doctor could confirm tomorrow's patient and write their handover today, unseen. The refusal is
the services' (continuite.services), so the page and any other caller alike get it in French, with nothing
written. Reading the consultation page ahead stays open (a doctor prepares): it says when the entry opens."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from solidarite.continuite import services
from solidarite.continuite.models import Patient, ResultatAttendu, Transmission, Visite
from solidarite.rdv.models import AccesDonnees, RendezVous
from solidarite.territoire.models import Commune
from tests.continuite.conftest import LUNDI
from tests.factories import IDENTITE_FORMULAIRE as IDENTITY
from tests.factories import IDENTITE_JEANNE, TRANSMISSION_FORMULAIRE, consultation_du_jour, lieu

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
CAYENNE = ZoneInfo("America/Cayenne")  # UTC−3: 20 h 30 there is 0 h 30 the next day in Paris
MARDI = LUNDI.date() + dt.timedelta(days=1)
NOT_YET = "le jour de la visite, pas avant"
HANDOVER = {**TRANSMISSION_FORMULAIRE, "examen_1_date": "2026-12-12"}


def _identite() -> services.Identite:
    return services.Identite(**IDENTITE_JEANNE)  # type: ignore[arg-type]


def _saisie() -> services.Saisie:
    return services.Saisie(
        "Toux", "Bronchite", examens=(services.Examen("biologie", "NFS", MARDI + dt.timedelta(days=5)),)
    )


def _tomorrow(lieu_obj=None) -> RendezVous:  # type: ignore[no-untyped-def]
    """Monday morning: a booking on Tuesday's mission."""
    return consultation_du_jour(lieu_obj, days_ahead=1)


def _seen_before_the_fix(rdv: RendezVous) -> Visite:
    """An identity confirmed ahead when that was still let through: the handover must still wait for the day."""
    patient = Patient.objects.create(
        lieu_id=rdv.lieu_id,
        nom_naissance="Martin",
        prenoms="Jeanne Marie",
        date_naissance=dt.date(1948, 5, 17),
        sexe="F",
        lieu_naissance="15120",
        cle_traits="ahead",
    )
    return Visite.objects.create(rendez_vous=rdv, patient=patient, confirme_par=rdv.mission.medecin)


def _written(rdv: RendezVous) -> tuple[int, int, int, int]:
    return (
        Visite.objects.filter(rendez_vous=rdv).count(),
        Patient.objects.filter(lieu_id=rdv.lieu_id).count(),
        Transmission.objects.count(),
        ResultatAttendu.objects.count(),
    )


@pytest.mark.parametrize(
    ("entry", "confirmed_ahead", "message", "written", "action"),
    [
        (
            lambda rdv, doctor: services.confirmer_identite(rdv, doctor, _identite(), doctor.compte),
            False,
            "l'identité du patient se confirme le jour de la visite, pas avant.",
            (0, 0, 0, 0),
            "identité confirmée",
        ),
        (
            lambda rdv, doctor: services.ecrire_transmission(rdv, doctor, _saisie(), doctor.compte),
            True,
            "la transmission s'écrit le jour de la visite, pas avant.",
            (1, 1, 0, 0),  # the identity confirmed ahead by `_seen_before_the_fix`, nothing more
            "transmission écrite",
        ),
    ],
    ids=["identite", "transmission"],
)
def test_nothing_is_entered_the_day_before(lundi, entry, confirmed_ahead, message, written, action) -> None:  # type: ignore[no-untyped-def]
    rdv = _tomorrow()
    if confirmed_ahead:
        _seen_before_the_fix(rdv)
    doctor = rdv.mission.medecin
    with pytest.raises(ValidationError) as refused:
        entry(rdv, doctor)
    assert refused.value.messages == [f"La consultation a lieu le 08/12/2026 : {message}"]
    assert _written(rdv) == written
    assert not AccesDonnees.objects.filter(action=action).exists()


@pytest.mark.parametrize(
    "moment",
    [
        dt.datetime(2026, 12, 8, 0, 0, 5, tzinfo=PARIS),  # the day, from its first minute
        dt.datetime(2026, 12, 8, 18, 0, tzinfo=PARIS),
        dt.datetime(2026, 12, 10, 9, 0, tzinfo=PARIS),  # after the day: a late handover, as before
    ],
)
def test_on_the_day_or_after_both_are_written(lundi, freeze_clock, moment) -> None:  # type: ignore[no-untyped-def]
    rdv = _tomorrow()
    doctor = rdv.mission.medecin
    freeze_clock(moment)
    visite = services.confirmer_identite(rdv, doctor, _identite(), doctor.compte)
    t = services.ecrire_transmission(rdv, doctor, _saisie(), doctor.compte)
    assert t.visite == visite and t.resultats.get().libelle == "NFS"
    assert _written(rdv) == (1, 1, 1, 1)


def test_the_page_refuses_both_forms_the_day_before_with_a_400(lundi) -> None:  # type: ignore[no-untyped-def]
    rdv = _tomorrow()
    c = Client()
    c.force_login(rdv.mission.medecin.compte)
    url = f"/continuite/consultation/{rdv.pk}/"
    page = c.post(url, IDENTITY)
    text = page.content.decode()
    assert page.status_code == 400
    assert "Rien n'a été enregistré" in text and "l&#x27;identité du patient se confirme" in text
    assert NOT_YET in text
    assert _written(rdv) == (0, 0, 0, 0)
    _seen_before_the_fix(rdv)
    page = c.post(url, HANDOVER)
    assert (
        page.status_code == 400
        and "la transmission s&#x27;écrit le jour de la visite" in page.content.decode()
    )
    assert _written(rdv) == (1, 1, 0, 0)


def test_the_page_reads_ahead_and_says_when_the_entry_opens(lundi, freeze_clock) -> None:  # type: ignore[no-untyped-def]
    rdv = _tomorrow()
    c = Client()
    c.force_login(rdv.mission.medecin.compte)
    url = f"/continuite/consultation/{rdv.pk}/"
    page = c.get(url)
    text = page.content.decode()
    assert page.status_code == 200
    assert "La saisie ouvre le jour de la visite" in text and "mardi 8 décembre 2026" in text
    assert "MARTIN" in text  # the booking is read, to prepare
    main = text[text.index('id="saisie-fermee"') : text.index("</main>")]
    assert "<form" not in main and "Confirmer l'identité" not in text
    assert AccesDonnees.objects.filter(action="consultation ouverte").count() == 1  # the read is logged
    freeze_clock(dt.datetime(2026, 12, 8, 8, 0, tzinfo=PARIS))
    c.force_login(rdv.mission.medecin.compte)  # the evening's session expired overnight: signed in again
    text = c.get(url).content.decode()
    assert "La saisie ouvre" not in text and "Confirmer l'identité" in text


def test_the_day_is_the_lieu_s_in_guyane(lundi, freeze_clock) -> None:  # type: ignore[no-untyped-def]
    """Monday 20 h 30 in Cayenne is already Tuesday in Paris: still the day before at the lieu."""
    here = lieu(Commune.objects.select_related("epci").get(code_insee="97302"))
    rdv = _tomorrow(here)
    doctor = rdv.mission.medecin
    freeze_clock(dt.datetime(2026, 12, 7, 20, 30, tzinfo=CAYENNE))
    with pytest.raises(ValidationError, match=NOT_YET):
        services.confirmer_identite(rdv, doctor, _identite(), doctor.compte)
    assert _written(rdv) == (0, 0, 0, 0)
    freeze_clock(dt.datetime(2026, 12, 8, 8, 0, tzinfo=CAYENNE))
    services.confirmer_identite(rdv, doctor, _identite(), doctor.compte)
    services.ecrire_transmission(rdv, doctor, _saisie(), doctor.compte)
    assert _written(rdv) == (1, 1, 1, 1)
