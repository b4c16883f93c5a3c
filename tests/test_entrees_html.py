"""The pages read a number or a date from a query or a form in one form only (web.entrees), as the API does.

Before: `int()` took « ␣5 », « +5 », « 05 », « ５ » or « ٥ » as 5, `date.fromisoformat` took « 20261210 » and
« 2026-W50-4 » as the 10 December, a parameter given twice was read by its last copy, and « ² » (str.isdigit,
not int) was a 500 in the ARS's statements. Each such value did what the well-formed one does (a mission
confirmed, a presence marked, a statement contested); now it is refused in French and changes nothing. And no
text at all in one of these fields is a 500 (hypothesis).
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.test.client import RequestFactory
from django.utils import timezone
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from solidarite.web.entrees import read_date, read_id
from tests.factories import (
    IDENTITE_FORMULAIRE,
    agent_ars,
    compte,
    consultation_du_jour,
    inscription_form,
    jour_realise,
    lieu,
    medecin,
    referent,
    transmission,
    visite,
    working_days,
    zone_commune,
)
from tests.factories import mission as _mission

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
Value = str | list[str]


@dataclass
class Scene:
    """A page, one of its parameters and how to tell whether a request did something."""

    send: Callable[[Value], Any]  # the request, with the parameter set to the value (a list: given twice)
    good: str  # the value the page itself writes
    state: Callable[[], object]  # what the page's action changes
    status: int  # the answer to a bad value (the page's answer to other bad values)
    message: str  # in that answer


def _client(user: Any) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _get(client: Client, url: str, name: str) -> Callable[[Value], Any]:
    return lambda value: client.get(f"{url}?{urlencode({name: value}, doseq=True)}")


def _post(client: Client, url: str, name: str, **fields: Any) -> Callable[[Value], Any]:
    return lambda value: client.post(url, {**fields, name: value})


# --- The scenes: each builds its world and logs in as the role of its page ---------------------------------


def _lieu(name: str, good: str) -> Callable[[Any, Any], Scene]:
    def scene(freeze: Any, settings: Any) -> Scene:
        freeze(dt.datetime(2026, 12, 7, 9, tzinfo=PARIS))
        url = f"/rendez-vous/lieu/{_mission(days_ahead=3).lieu_id}/"
        client = Client(raise_request_exception=False)
        return Scene(_get(client, url, name), good, lambda: None, 400, "Période invalide")

    scene.__name__ = f"lieu_{name}"
    return scene


lieu_du = _lieu("du", "2026-12-10")
lieu_au = _lieu("au", "2026-12-20")


def disponibilite(freeze: Any, settings: Any) -> Scene:
    freeze(dt.datetime(2026, 11, 23, 10, tzinfo=PARIS))
    volunteer = medecin()
    client = _client(compte(volunteer))
    url = "/planning/medecin/disponibilites/?mois=2026-12"
    return Scene(
        _post(client, url, "date", action="declarer"),
        "2026-12-15",
        lambda: list(volunteer.disponibilites.values_list("date", flat=True)),
        400,
        "Date invalide",
    )


def mission_proposee(freeze: Any, settings: Any) -> Scene:
    from solidarite.planning.models import Mission

    freeze(dt.datetime(2026, 11, 23, 10, tzinfo=PARIS))
    volunteer = medecin()
    client = _client(compte(volunteer))
    proposed = Mission.objects.create(
        medecin=volunteer, lieu=lieu(), date=working_days(dt.date(2026, 12, 1), 1)[0]
    )
    return Scene(
        _post(client, "/planning/medecin/missions/", "mission", reponse="confirmer"),
        str(proposed.pk),
        lambda: Mission.objects.get(pk=proposed.pk).statut,
        400,
        "Mission invalide",
    )


def _draft_plan(freeze: Any, settings: Any) -> tuple[Any, Client, Any, Any]:
    """A region whose December plan is a finished draft (as in tests/planning/test_saisies.py)."""
    from solidarite.planning import services

    freeze(dt.datetime(2026, 11, 23, 10, tzinfo=PARIS))
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    commune = zone_commune()
    lieu(commune)
    volunteer = medecin(commune)
    services.declare(volunteer, working_days(dt.date(2026, 12, 1), 3), today=dt.date(2026, 11, 23))
    region = commune.departement.region
    agent = agent_ars(region.code)
    run = services.run_planning(region, dt.date(2026, 12, 1), agent)
    return region, _client(agent), run, run.propositions.first()


def affectation_deplacee(freeze: Any, settings: Any) -> Scene:
    from solidarite.planning.models import Proposition

    region, client, run, proposition = _draft_plan(freeze, settings)
    other_day = next(d for d in working_days(dt.date(2026, 12, 1), 10) if d != proposition.date)
    fields = {"region": region.code, "mois": "2026-12", "run": run.pk, "action": "deplacer"}
    fields |= {"proposition": proposition.pk, "lieu": proposition.lieu_id}
    return Scene(
        _post(client, "/planning/ars/", "date", **fields),
        other_day.isoformat(),
        lambda: Proposition.objects.filter(pk=proposition.pk).values_list("lieu_id", "date").first(),
        400,
        "Date invalide",
    )


def affectation_retiree(freeze: Any, settings: Any) -> Scene:
    from solidarite.planning.models import Proposition

    region, client, run, proposition = _draft_plan(freeze, settings)
    fields = {"region": region.code, "mois": "2026-12", "run": run.pk, "action": "retirer"}
    return Scene(
        _post(client, "/planning/ars/", "proposition", **fields),
        str(proposition.pk),
        lambda: Proposition.objects.filter(pk=proposition.pk).exists(),
        400,
        "Affectation invalide",
    )


# The identity form without its birth date: the field each case sends as the hostile input.
IDENTITY = {k: v for k, v in IDENTITE_FORMULAIRE.items() if k != "date_naissance"}


def identite(freeze: Any, settings: Any) -> Scene:
    from solidarite.continuite.models import Patient

    freeze(dt.datetime(2026, 12, 7, 9, tzinfo=PARIS))
    rdv = consultation_du_jour()
    client = _client(rdv.mission.medecin.compte)
    return Scene(
        _post(client, f"/continuite/consultation/{rdv.pk}/", "date_naissance", **IDENTITY),
        "1948-05-17",
        lambda: list(Patient.objects.values_list("date_naissance", flat=True)),
        400,
        "Date de naissance : « ",  # given but not a day: not called missing (continuite.views._date)
    )


def examen(freeze: Any, settings: Any) -> Scene:
    from solidarite.continuite.models import ResultatAttendu

    freeze(dt.datetime(2026, 12, 7, 9, tzinfo=PARIS))
    rdv = consultation_du_jour()
    visite(rdv)
    client = _client(rdv.mission.medecin.compte)
    handover = {"motif": "Toux", "synthese": "Bronchite", "suivi": "volontaire"}
    handover |= {"examen_1_nature": "biologie", "examen_1_libelle": "NFS"}
    return Scene(
        _post(client, f"/continuite/consultation/{rdv.pk}/", "examen_1_date", **handover),
        "2026-12-10",
        lambda: list(ResultatAttendu.objects.values_list("date_prevue", flat=True)),
        400,
        "Examen 1",
    )


def suivi_repris(freeze: Any, settings: Any) -> Scene:
    from solidarite.continuite.models import ResultatAttendu

    freeze(dt.datetime(2026, 12, 7, 9, tzinfo=PARIS))
    old = transmission(examens=1)
    freeze(dt.datetime(2026, 12, 8, 9, tzinfo=PARIS))
    nxt = consultation_du_jour(old.lieu)
    result = old.resultats.get()
    client = _client(nxt.mission.medecin.compte)
    return Scene(
        _post(client, f"/continuite/journee/{nxt.mission_id}/", "resultat"),
        str(result.pk),
        lambda: ResultatAttendu.objects.get(pk=result.pk).proprietaire_medecin_id == nxt.mission.medecin_id,
        400,
        "Suivi inconnu",
    )


def presence(freeze: Any, settings: Any) -> Scene:
    from solidarite.rdv.models import RendezVous

    freeze(dt.datetime(2026, 12, 7, 8, tzinfo=PARIS))
    mission = _mission(days_ahead=0)
    start = timezone.make_aware(dt.datetime.combine(mission.date, dt.time(9, 30)))
    rdv = RendezVous.objects.create(
        mission=mission,
        lieu=mission.lieu,
        debut=start,
        fin=start + dt.timedelta(minutes=20),
        nom="Martin",
        prenom="Jeanne",
        date_naissance=dt.date(1948, 5, 17),
        telephone="+33612345678",
    )
    client = _client(compte(mission.medecin))
    return Scene(
        _post(client, f"/rendez-vous/journee/{mission.pk}/", "rendez_vous", statut="vu"),
        str(rdv.pk),
        lambda: RendezVous.objects.get(pk=rdv.pk).statut,
        400,
        "Rendez-vous inconnu",
    )


def _statements(freeze: Any) -> dict[str, Any]:
    """As tests/indemnisation/conftest.py: a volunteer, a realised day in October 2026, the month's draft."""
    from solidarite.indemnisation import services
    from solidarite.indemnisation.models import Releve

    freeze(dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC))
    doc = medecin(nom="Durand", prenom="Alice", rpps="10000000015")
    place = lieu(doc.commune)
    done = jour_realise(doc, place, dt.date(2026, 10, 6), consultations=14)
    services.construire_mois(dt.date(2026, 10, 1), today=dt.date(2026, 11, 20))
    region = place.commune.departement.region
    return {"doc": doc, "region": region, "releve": Releve.objects.get(), "mission": done}


def releve_conteste(freeze: Any, settings: Any) -> Scene:
    from solidarite.indemnisation import services
    from solidarite.indemnisation.models import Releve

    world = _statements(freeze)
    services.avancer(
        [world["releve"].pk], "valider", agent_ars(world["region"].code)
    )  # contested: a valid one
    client = _client(compte(world["doc"]))
    return Scene(
        _post(client, "/indemnisation/medecin/", "releve", motif="trop court"),
        str(world["releve"].pk),
        lambda: Releve.objects.get(pk=world["releve"].pk).statut,
        404,  # the page's answer to any statement not the volunteer's (« abc » too)
        "",
    )


def releves_valides(freeze: Any, settings: Any) -> Scene:
    from solidarite.indemnisation.models import Releve

    world = _statements(freeze)
    client = _client(agent_ars(world["region"].code))
    fields = {"region": world["region"].code, "mois": "2026-10", "action": "valider"}
    return Scene(
        _post(client, "/indemnisation/ars/", "releves", **fields),
        str(world["releve"].pk),
        lambda: Releve.objects.get(pk=world["releve"].pk).statut,
        400,
        "Sélection de relevés invalide",
    )


def jour_retire(freeze: Any, settings: Any) -> Scene:
    from solidarite.indemnisation.models import JourRealise

    world = _statements(freeze)
    client = _client(agent_ars(world["region"].code))
    fields = {"region": world["region"].code, "mois": "2026-10", "action": "retirer", "commentaire": "absent"}
    return Scene(
        _post(client, "/indemnisation/ars/", "mission", **fields),
        str(world["mission"].pk),
        lambda: list(JourRealise.objects.values_list("pk", flat=True)),
        400,
        "Numéro de mission invalide",
    )


# --- Counts typed by hand (web.entrees.parse_count, parse_decimal) -------------------------------------------


def consultations(freeze: Any, settings: Any) -> Scene:
    from solidarite.indemnisation.models import JourRealise
    from solidarite.planning.models import Mission

    freeze(dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC))
    doc = medecin()
    place = lieu(doc.commune)
    done = Mission.objects.create(medecin=doc, lieu=place, date=dt.date(2026, 11, 17), statut="confirmee")
    return Scene(
        _post(
            _client(referent(place)), f"/indemnisation/jours/{done.pk}/", "consultations", nature="journee"
        ),
        "12",
        lambda: list(JourRealise.objects.values_list("consultations", flat=True)),
        400,
        "Le nombre de consultations doit être un nombre entier en chiffres",
    )


def _simulation(name: str, good: str, message: str) -> Callable[[Any, Any], Scene]:
    def scene(freeze: Any, settings: Any) -> Scene:
        from django.contrib.auth import get_user_model

        from solidarite.pilotage.models import Simulation

        admin = get_user_model().objects.create_superuser("admin-simu", "a@exemple.fr", "x" * 20)
        fields = {"volontaires": "30", "seeds": "1", "mois": "1", "couverture": "50"}
        del fields[name]
        return Scene(
            _post(_client(admin), "/pilotage/simulations/", name, **fields),
            good,
            lambda: Simulation.objects.count(),
            400,
            f"n'est pas un nombre valide pour « {name} » : {message}",
        )

    scene.__name__ = f"simulation_{name}"
    return scene


simulation_volontaires = _simulation("volontaires", "30", "un nombre entier en chiffres")
simulation_couverture = _simulation("couverture", "50", "un nombre en chiffres de 0 à 9, la virgule")


def inscription(freeze: Any, settings: Any) -> Scene:
    from solidarite.annuaire.models import MedecinVolontaire
    from solidarite.territoire.models import Departement

    fields = inscription_form(cdom=Departement.objects.get(code="15").pk)
    return Scene(
        _post(
            Client(raise_request_exception=False), "/medecins/inscription/", "trajet_max_minutes", **fields
        ),
        "60",
        lambda: list(MedecinVolontaire.objects.values_list("trajet_max_minutes", flat=True)),
        400,
        "Saisissez un nombre entier en chiffres de 0 à 9",
    )


DATE_SCENES = [lieu_du, lieu_au, disponibilite, affectation_deplacee, identite, examen]
COUNT_SCENES = [consultations, simulation_volontaires, simulation_couverture, inscription]
ID_SCENES = [
    mission_proposee,
    affectation_retiree,
    suivi_repris,
    presence,
    releve_conteste,
    releves_valides,
    jour_retire,
]


# --- The other ways of writing the good value --------------------------------------------------------------


def _digits(text: str, zero: str) -> str:
    return "".join(chr(ord(zero) + int(c)) for c in text)


ID_VARIANTS: dict[str, Callable[[str], Value]] = {
    "space before": lambda v: f" {v}",
    "space after": lambda v: f"{v} ",
    "plus": lambda v: f"+{v}",
    "leading zero": lambda v: f"0{v}",
    "fullwidth digits": lambda v: _digits(v, "０"),
    "arabic-indic digits": lambda v: _digits(v, "٠"),
    "twice": lambda v: [v, v],
    "superscript two": lambda v: "²",  # str.isdigit, not int()
}
DATE_VARIANTS: dict[str, Callable[[str], Value]] = {
    "basic form": lambda v: v.replace("-", ""),
    "iso week": lambda v: "{}-W{:02d}-{}".format(*dt.date.fromisoformat(v).isocalendar()),
    "iso week, basic": lambda v: "{}W{:02d}{}".format(*dt.date.fromisoformat(v).isocalendar()),
    "twice": lambda v: [v, v],
}
COUNT_VARIANTS: dict[str, Callable[[str], Value]] = {
    "space before": lambda v: f" {v}",
    "space after": lambda v: f"{v} ",
    "plus": lambda v: f"+{v}",
    "leading zero": lambda v: f"0{v}",
    "underscore": lambda v: f"{v[0]}_{v[1:]}",  # int() and float() read « 1_2 » as 12
    "point zero": lambda v: f"{v}.0",  # IntegerField dropped « .0 »
    "exponent": lambda v: f"{v[0]}.{v[1:]}e{len(v) - 1}",  # float() reads « 1.2e1 » as 12
    "fullwidth digits": lambda v: _digits(v, "０"),
    "arabic-indic digits": lambda v: _digits(v, "٠"),
}
# The table below holds only the values that a page read as the good one, or answered with a 500.
NOT_A_CASE = {("releves_valides", "twice")}  # a list of ticked boxes: the same one twice is still that one
# Refused before this change already (planning's own check), so not in the table; the hypothesis test covers
# them. « ² » was refused everywhere but in the ARS's statements, where it was a 500.
ALREADY_REFUSED = {
    (scene, variant)
    for scene in ("mission_proposee", "affectation_retiree")
    for variant in ("plus", "fullwidth digits", "arabic-indic digits")
} | {(scene.__name__, "superscript two") for scene in ID_SCENES if scene.__name__ != "releves_valides"}
ALREADY_REFUSED |= {  # int() and IntegerField refused these; « 50.0 » is in the coverage's own form
    (scene, variant)
    for scene in ("consultations", "simulation_volontaires")
    for variant in ("point zero", "exponent")
} | {("simulation_couverture", "point zero"), ("inscription", "exponent")}
CASES = [
    pytest.param(scene, variant, id=f"{scene.__name__}-{variant}")
    for scenes, variants in (
        (DATE_SCENES, DATE_VARIANTS),
        (ID_SCENES, ID_VARIANTS),
        (COUNT_SCENES, COUNT_VARIANTS),
    )
    for scene in scenes
    for variant in variants
    if (scene.__name__, variant) not in NOT_A_CASE | ALREADY_REFUSED
]


@pytest.mark.parametrize(("build", "variant"), CASES)
def test_another_writing_of_a_value_is_refused_in_french_and_does_nothing(
    build: Callable[..., Scene], variant: str, freeze_clock: Any, settings: Any
) -> None:
    scene = build(freeze_clock, settings)
    before = scene.state()
    variants = (
        DATE_VARIANTS if build in DATE_SCENES else COUNT_VARIANTS if build in COUNT_SCENES else ID_VARIANTS
    )
    bad = variants[variant](scene.good)
    response = scene.send(bad)
    text = html.unescape(response.content.decode())
    # A value given twice is refused before any view (config.middleware.RefuseRepeatedFields), for every page.
    status, message = (400, "est donné 2 fois") if variant == "twice" else (scene.status, scene.message)
    assert response.status_code == status, (response.status_code, text[:3000])
    assert message in text and "<html" in text  # the platform's page, in French
    assert scene.state() == before


@pytest.mark.parametrize("build", DATE_SCENES + ID_SCENES + COUNT_SCENES, ids=lambda b: b.__name__)
def test_the_good_value_still_works(build: Callable[..., Scene], freeze_clock: Any, settings: Any) -> None:
    """The control: the value as the page writes it does what it did (so the refusals above are of the form)."""
    scene = build(freeze_clock, settings)
    before = scene.state()
    response = scene.send(scene.good)
    assert response.status_code in (200, 302), html.unescape(response.content.decode())[:3000]
    if before is not None:
        assert scene.state() != before


@pytest.mark.parametrize("build", DATE_SCENES + ID_SCENES + COUNT_SCENES, ids=lambda b: b.__name__)
def test_no_text_in_these_fields_is_a_server_error(
    build: Callable[..., Scene], freeze_clock: Any, settings: Any
) -> None:
    scene = build(freeze_clock, settings)

    @hypothesis_settings(
        max_examples=40,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        st.one_of(
            st.text(max_size=24),
            st.text(alphabet="0123456789-+ W.eE_²٠١５\t", max_size=24),
            st.integers(min_value=-(2**80), max_value=2**80).map(str),
            st.lists(st.text(max_size=12), min_size=2, max_size=3),
        )
    )
    @example("²")  # str.isdigit, not int(): was a 500 in the ARS's statements
    @example(str(2**70))
    @example("-1")
    @example("1e3")
    @example("2026-W50-1")
    def check(value: Value) -> None:
        response = scene.send(value)
        assert response.status_code < 500, (value, response.status_code)

    check()


def test_the_helpers_read_one_value_in_one_form() -> None:
    query = RequestFactory().get("/?n=12&d=2026-12-10&twice=1&twice=1&zero=012&empty=").GET
    assert read_id(query, "n") == 12 and read_date(query, "d") == dt.date(2026, 12, 10)
    assert read_date(query, "absent", dt.date(2000, 1, 1)) == dt.date(2000, 1, 1)
    assert read_date(query, "empty") is None
    for name in ("twice", "zero", "absent", "d"):
        with pytest.raises(ValueError, match="Numéro attendu"):
            read_id(query, name)
    with pytest.raises(ValueError, match="Date attendue"):
        read_date(query, "n")


@pytest.mark.parametrize(
    "text",
    [
        " 5",
        "5 ",
        "+5",
        "-5",
        "05",
        "1_0",
        "٥",
        "５",
        "5.",
        ".5",
        "5e1",
        "nan",
        "inf",
        "1e400",
        "1234567890",
        "",
    ],
)
def test_a_count_or_a_quantity_in_another_writing_is_none(text: str) -> None:
    """What int() or float() read (« nan », « inf » and « 1e400 » as numbers that compare false or infinite)."""
    from solidarite.web.entrees import parse_count, parse_decimal

    assert parse_count(text) is None and parse_decimal(text) is None


def test_a_count_and_a_quantity_in_their_form() -> None:
    from solidarite.web.entrees import parse_count, parse_decimal

    assert [parse_count(t) for t in ("0", "7", "999999999", "5.0")] == [0, 7, 999_999_999, None]
    assert [parse_decimal(t) for t in ("0", "0,5", "12.25", "50")] == [0.0, 0.5, 12.25, 50.0]


def test_an_integer_option_of_a_command_is_a_count_in_ascii_digits() -> None:
    """`type=int` read « ١٥١ » as 151 (`zonage --n`): the commands' integer options take the count's one form."""
    import argparse

    from solidarite.web.entrees import count_argument

    assert [count_argument(t) for t in ("0", "151", "9" * 18)] == [0, 151, 10**18 - 1]
    for text in ("١٥١", "１５１", "+151", "-5", " 151", "151\n", "1_000", "0151", "1.0", "", "9" * 19):
        with pytest.raises(argparse.ArgumentTypeError, match=r"^nombre entier attendu, en chiffres de 0 à 9"):
            count_argument(text)


@pytest.mark.parametrize("lat", [" 45.1", "+45.1", "045.1", "4_5.1", "4.51e1", "٤٥.١", "４５.１"])
def test_a_position_written_otherwise_is_not_recognised(lat: str) -> None:
    """« Autour de moi » sends what position.js writes (« 45.1000 », « -3.5000 »): float() read other writings
    of it as that position."""
    client = Client(raise_request_exception=False)
    good = html.unescape(
        client.get("/rendez-vous/?" + urlencode({"lat": "45.1", "lon": "-2.5"})).content.decode()
    )
    assert "Autour de votre position" in good and "Position non reconnue" not in good
    response = client.get("/rendez-vous/?" + urlencode({"lat": lat, "lon": "-2.5"}))
    text = html.unescape(response.content.decode())
    assert response.status_code == 200 and "Position non reconnue" in text
    assert "Autour de votre position" not in text


def _slot_variants(slot: str) -> list[str]:
    mission, stamp = slot.split("-")
    return [
        f"{_digits(mission, '٠')}-{stamp}",  # the mission in Arabic-Indic digits
        f"0{slot}",  # a leading zero
        f"{slot}%0A",  # a final line break (« $ » let it through)
    ]


@pytest.mark.parametrize("variant", range(3), ids=["arabic-indic", "leading zero", "line break"])
def test_a_slot_written_otherwise_is_not_found(variant: int, freeze_clock: Any) -> None:
    """A slot's identifier is « <mission>-<AAAAMMJJhhmm> » in ASCII digits (rdv.creneaux): another writing named
    the same slot, and its booking page opened (then booked it) under that other address."""
    from solidarite.rdv import services

    freeze_clock(dt.datetime(2026, 12, 7, 9, tzinfo=PARIS))
    mission = _mission(days_ahead=3)
    slot = services.slots(mission.lieu, mission.date, mission.date)[0].id
    client = Client(raise_request_exception=False)
    assert client.get(f"/rendez-vous/creneau/{slot}/").status_code == 200
    response = client.get(f"/rendez-vous/creneau/{_slot_variants(slot)[variant]}/")
    assert response.status_code == 404, response.status_code


@pytest.mark.parametrize("cpam", ["٧٥", "１５", "97٤"])
def test_a_cpam_in_other_digits_is_refused(cpam: str, freeze_clock: Any) -> None:
    """The CPAM of the ARS's export is a département code, and goes into the file's name (a header): in other
    digits it passed the check (« \\d »), and the ARS got an empty file under a MIME-encoded name."""
    world = _statements(freeze_clock)
    client = _client(agent_ars(world["region"].code))
    query = urlencode({"region": world["region"].code, "mois": "2026-10", "cpam": cpam})
    response = client.get(f"/indemnisation/ars/export/?{query}")
    assert response.status_code == 400, response.status_code
    assert "n'est pas un code de CPAM" in html.unescape(response.content.decode())


# --- Ids in a page's address (web.chemins): « 007 » was the page of row 7 -----------------------------------


def _routes(patterns: list[Any], prefix: str = "") -> list[tuple[str, Any]]:
    from django.urls import URLPattern, URLResolver

    found: list[tuple[str, Any]] = []
    for p in patterns:
        if isinstance(p, URLResolver):
            found += _routes(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            found.append((prefix + str(p.pattern), p.pattern))
    return found


def test_every_number_in_a_page_address_is_an_identifiant() -> None:
    """Django's `<int:…>` took « 007 » and any length of digits: each number of a route is an « identifiant »
    (the admin's routes are Django's own, its ids are text)."""
    from django.urls import get_resolver
    from django.urls.converters import IntConverter

    from solidarite.web.chemins import IdentifiantConverter

    routes = [(r, p) for r, p in _routes(get_resolver().url_patterns) if not r.startswith("admin/")]
    loose = [
        r
        for r, p in routes
        if any(isinstance(c, IntConverter) for c in getattr(p, "converters", {}).values())
    ]
    assert not loose, loose
    strict = [r for r, p in routes if any(isinstance(c, IdentifiantConverter) for c in p.converters.values())]
    assert len(strict) >= 20, strict  # rdv, continuité, indemnisation, pilotage, zonage


@pytest.mark.parametrize(
    "written",
    [
        "0{pk}",  # a leading zero: the same lieu under another address
        "00{pk}",
        "0",
        "99999999999999999999999",  # past a 64-bit column
        "9223372036854775808",  # 2**63
        "1234567890",  # ten digits: past what the platform writes (web.entrees.ID_MAX)
        "9" * 5000,  # past Python's own limit on int()
        "{pk}٠",  # an Arabic-Indic zero
        "-{pk}",
    ],
)
def test_an_id_in_an_address_written_otherwise_is_the_404_page(written: str, freeze_clock: Any) -> None:
    from django.urls import reverse

    freeze_clock(dt.datetime(2026, 12, 7, 9, tzinfo=PARIS))
    place = _mission(days_ahead=3).lieu
    client = Client(raise_request_exception=False)
    assert reverse("rdv:lieu", args=[place.pk]) == f"/rendez-vous/lieu/{place.pk}/"
    assert client.get(f"/rendez-vous/lieu/{place.pk}/").status_code == 200
    response = client.get(f"/rendez-vous/lieu/{written.format(pk=place.pk)}/")
    text = html.unescape(response.content.decode())
    assert response.status_code == 404 and "<html" in text and place.nom not in text, response.status_code


def test_reverse_writes_an_id_in_its_one_form_or_not_at_all() -> None:
    from django.urls import NoReverseMatch, reverse

    assert reverse("pilotage:simulation", args=[999_999_999]) == "/pilotage/simulations/999999999/"
    assert reverse("zonage:comparer_campagnes", kwargs={"a": 1, "b": "2"}) == "/zonage/gestion/campagnes/1/2/"
    for bad in (0, -1, "007", 10**9):
        with pytest.raises(NoReverseMatch):
            reverse("rdv:lieu", args=[bad])
