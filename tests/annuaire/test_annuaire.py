"""Sign-up, RPPS and phone checks, the dated state machine, lieux only in zones and only by their ARS."""

from __future__ import annotations

import html

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from solidarite.annuaire import services
from solidarite.annuaire.models import LieuSolidaire, MedecinVolontaire
from solidarite.annuaire.validation import (
    InvalidValueError,
    luhn_ok,
    normalise_phone,
    normalise_rpps,
    rpps_with_key,
)
from tests.factories import agent_ars, inscription_form, lieu, medecin, zone_commune

VALID_RPPS = rpps_with_key("1000000001")


def test_rpps_luhn_key() -> None:
    assert luhn_ok(VALID_RPPS) and normalise_rpps(f" {VALID_RPPS[:5]} {VALID_RPPS[5:]} ") == VALID_RPPS
    wrong = VALID_RPPS[:-1] + str((int(VALID_RPPS[-1]) + 1) % 10)
    with pytest.raises(InvalidValueError, match="clé de contrôle"):
        normalise_rpps(wrong)
    with pytest.raises(InvalidValueError, match="11 chiffres"):
        normalise_rpps("12345")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("06 12 34 56 78", "+33612345678"),
        ("+33 5 55 00 00 00", "+33555000000"),
        ("0690 12 34 56", "+590690123456"),
        ("0639 40 12 34", "+262639401234"),  # Mayotte
        ("+508 41 23 45", "+508412345"),  # Saint-Pierre-et-Miquelon, with its code
    ],
)
def test_french_phones(raw: str, expected: str) -> None:
    assert normalise_phone(raw) == expected


# « 06 12 34 5 », a mobile with a digit missing, is no number of Saint-Pierre-et-Miquelon's (+508 612345).
@pytest.mark.parametrize(
    "raw", ["06 12 34", "06 12 34 5", "07 12 34 5", "41 23 45", "00 00 00 00 00", "bonjour"]
)
def test_phones_that_cannot_be_right(raw: str) -> None:
    with pytest.raises(InvalidValueError):
        normalise_phone(raw)


@pytest.mark.django_db
def test_sign_up_creates_a_registered_volunteer_with_a_dated_transition(
    client: Client,
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    from django.core import mail

    from solidarite.territoire.models import Departement

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/medecins/inscription/", inscription_form(cdom=Departement.objects.get(code="15").pk)
        )
    assert response.status_code == 200, html.unescape(response.content.decode())
    assert "Votre inscription est enregistrée" in response.content.decode()
    created = MedecinVolontaire.objects.get(rpps=VALID_RPPS)
    assert (
        created.statut == "inscrit"
        and created.commune.nom == "Mauriac"
        and created.telephone == "+33612345678"
    )
    assert list(created.transitions.values_list("de", "vers")) == [("", "inscrit")]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["claire.durand@exemple.fr"]
    body = mail.outbox[0].body
    assert "/planning/medecin/disponibilites/" in body  # behind the login: no secret in the address
    assert f"/planning/medecin/{created.jeton_calendrier}/missions.ics" in body  # the read-only feed only
    assert f"/planning/medecin/{created.jeton_calendrier}/disponibilites/" not in body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"rpps": VALID_RPPS[:-1] + str((int(VALID_RPPS[-1]) + 3) % 10)}, "clé de contrôle"),
        # Digits that str.isdigit takes: « ² » was a 500 (int() refuses it), the Arabic-Indic digits of a valid
        # number were recorded as an RPPS that no other system would match.
        ({"rpps": "²" * 11}, "Le numéro RPPS compte 11 chiffres"),
        ({"rpps": "".join(chr(0x660 + int(d)) for d in VALID_RPPS)}, "Le numéro RPPS compte 11 chiffres"),
        ({"telephone": "01 23"}, "Ce numéro de téléphone n'existe pas"),
        ({"email": "pas-une-adresse"}, "adresse de courriel valide"),
        ({"jours_max_par_mois": 5}, "Entre 1 et 2 jours par mois"),
        ({"rotation": "semaine"}, "Ce rythme demande 5 jours"),
        ({"commune": "99999"}, "Aucune commune ne correspond au code postal 99999"),
        (
            {"commune": "Mauriak"},
            "Vouliez-vous dire : 15200 Mauriac, 33540 Mauriac ?",
        ),  # misspelled: proposed
        ({"commune": "15200 Mauriak"}, "Vouliez-vous dire : 15200 Mauriac, 33540 Mauriac ?"),
        # Beaulieu's INSEE code was taken for her commune; 15200 mistyped is likelier: asked
        ({"commune": "15020"}, "Vouliez-vous dire : 15200 (Mauriac), "),
        ({"commune": "Saint"}, "Plusieurs communes correspondent"),
        ({"commune": "15200"}, "Saisissez le code postal et le nom"),
        ({"consentement": ""}, "Ce champ est obligatoire"),
    ],
)
def test_sign_up_bad_inputs(client: Client, changes: dict[str, object], message: str) -> None:
    from solidarite.territoire.models import Departement

    response = client.post(
        "/medecins/inscription/", inscription_form(cdom=Departement.objects.get(code="15").pk, **changes)
    )
    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())
    assert not MedecinVolontaire.objects.exists()


@pytest.mark.django_db
def test_state_machine_with_ars_of_the_volunteers_region() -> None:
    volunteer = medecin(statut="inscrit", numero_am_mission="", cps_statut="a_demander")
    region = volunteer.cdom.region.code
    with pytest.raises(ValidationError, match="Dossier incomplet"):
        services.change_status(volunteer, "dossier_complet", None)
    volunteer.numero_am_mission, volunteer.cps_statut = "987654321", "demandee"
    volunteer.save()
    services.change_status(volunteer, "dossier_complet", None)
    with pytest.raises(ValidationError, match="Passage impossible"):
        services.change_status(volunteer, "actif", agent_ars(region))
    other_region = "53" if region != "53" else "24"
    with pytest.raises(PermissionDenied, match="seule elle peut le faire"):
        services.change_status(volunteer, "valide_ars", agent_ars(other_region, "ars-autre"))
    agent = agent_ars(region, "ars-bonne")
    services.change_status(volunteer, "valide_ars", agent, "Dossier vérifié avec le CDOM")
    services.change_status(volunteer, "actif", agent)
    steps = list(volunteer.transitions.order_by("le", "pk").values_list("de", "vers", "par__username"))
    assert steps[-2:] == [
        ("dossier_complet", "valide_ars", "ars-bonne"),
        ("valide_ars", "actif", "ars-bonne"),
    ]


@pytest.mark.django_db
def test_lieu_must_serve_an_active_zone_and_be_managed_by_its_ars(client: Client) -> None:
    from solidarite.territoire.models import Commune
    from solidarite.zonage import services as zonage

    inside = zone_commune()
    agent = agent_ars(inside.departement.region.code)
    from django.contrib.auth.models import Permission

    agent.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_lieusolidaire", "view_lieusolidaire", "view_commune"])
    )
    client.force_login(agent)
    outside_zone = (
        Commune.objects.exclude(epci__siren__in=zonage.final_sirens(zonage.active_campaign()))
        .filter(departement__region=inside.departement.region, epci__isnull=False)
        .first()
    )
    assert outside_zone is not None
    base = {
        "nom": "MSP",
        "adresse": "1 rue",
        "latitude": inside.latitude,  # a lieu stands near its commune (annuaire.validateurs)
        "longitude": inside.longitude,
        "type": "msp",
        "salles": 1,
        "referent_nom": "X",
        "referent_telephone": "0555000000",
        "jours_ouverture": "[0, 1, 2, 3, 4]",
        "horaires": "9 h – 17 h",
        "actif": "on",
    }
    response = client.post(
        "/admin/annuaire/lieusolidaire/add/",
        {**base, "epci": outside_zone.epci.pk, "commune": outside_zone.pk},
    )
    assert response.status_code == 200 and "n'est pas une zone prioritaire active" in html.unescape(
        response.content.decode()
    )
    response = client.post(
        "/admin/annuaire/lieusolidaire/add/",
        {**base, "epci": inside.epci.pk, "commune": inside.pk, "jours_ouverture": "[9]"},
    )
    assert response.status_code == 200 and "Une liste de jours de 0 (lundi)" in html.unescape(
        response.content.decode()
    )
    response = client.post(
        "/admin/annuaire/lieusolidaire/add/", {**base, "epci": inside.epci.pk, "commune": inside.pk}
    )
    assert response.status_code == 302
    assert LieuSolidaire.objects.get().commune == inside
    elsewhere = lieu(
        zone_commune(
            rank=next(
                r for r in range(2, 151) if zone_commune(r).departement.region != inside.departement.region
            )
        )
    )
    assert (
        client.get(f"/admin/annuaire/lieusolidaire/{elsewhere.pk}/change/").status_code == 404
    )  # not in its region: as if it did not exist (territoire.acces)


@pytest.mark.django_db
def test_a_double_submission_of_the_sign_up_answers_as_the_first_not_a_500(
    client: Client,
    monkeypatch,  # type: ignore[no-untyped-def]
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    """Two clicks on « S'inscrire »: the second request looked for the RPPS before the first one was saved, and
    its insert fails (IntegrityError). It answers as the first did, and the registration is told by e-mail."""
    from django.core import mail

    from solidarite.territoire.models import Departement

    form = inscription_form(cdom=Departement.objects.get(code="15").pk)
    first = client.post("/medecins/inscription/", form)
    assert first.status_code == 200
    looked_up = services._registered
    calls: list[int] = []

    def too_early(data):  # type: ignore[no-untyped-def]
        calls.append(1)
        return [] if len(calls) == 1 else looked_up(data)

    monkeypatch.setattr(services, "_registered", too_early)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/medecins/inscription/", form)
    assert response.status_code == 200 and len(calls) == 2
    assert "Votre inscription est enregistrée" in response.content.decode()
    assert MedecinVolontaire.objects.count() == 1
    assert [m.to for m in mail.outbox[-1:]] == [["claire.durand@exemple.fr"]]
    assert "n'a rien changé" in mail.outbox[-1].body
