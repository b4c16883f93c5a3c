"""Which row a figure belongs to (ADR 0018, revision of 7 December 2026): the review of the Guyane ARS agent's
page on the demo. A doctor whose CPAM is in Martinique worked in Guyane; the money was counted in a Martinique row
of the Guyane agent's export, and Guyane's département row said 0 € beside a region row of 1 100 €.

Every figure of a row is counted at the lieu (its département, region, zone), the volunteers registered and
validated excepted, which are counted where they live and say so; the rows of each level add up to the next."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
from collections import defaultdict
from typing import Any

import pytest
from django.test import Client

from solidarite.annuaire.models import LieuSolidaire, MedecinVolontaire
from solidarite.indemnisation import services
from solidarite.indemnisation.models import Releve
from solidarite.pilotage import agregation, colonnes, indicateurs
from solidarite.pilotage.indicateurs import Filtre
from solidarite.pilotage.opendata import publication
from solidarite.pilotage.opendata.schema import SCHEMA_VERSION, schema
from solidarite.territoire.models import Commune
from solidarite.zonage import services as zonage
from tests.factories import agent_ars, jour_realise, lieu, medecin, zone_commune

pytestmark = pytest.mark.django_db

OCT = dt.date(2026, 10, 1)
Q4 = Filtre(du=OCT, au=dt.date(2026, 12, 1))
GUYANE, MARTINIQUE = "03", "02"
# The figures a level's rows add up to the next level's (a count of distinct doctors does not: one may work in
# two départements; nor a median or a rate).
ADDITIVE = [
    "zones",
    "lieux_actifs",
    "jours_necessaires",
    "jours_couverts",
    "creneaux_offerts",
    "rdv_reserves",
    "rdv_honores",
    "rdv_absents",
    "resultats_ouverts",
    "resultats_en_retard",
    "volontaires_inscrits",
    "volontaires_valides",
    "indemnites_validees",
    "indemnites_payees",
]
# Counted as they stand, not over the months: each month's row counts them again.
STOCKS = {"zones", "lieux_actifs", *indicateurs.NOT_PER_MONTH}


def _main_commune(departement: str, in_zone: bool) -> Commune:
    """The most populous commune of the département with coordinates, in a zone of the active campaign or not."""
    campagne = zonage.active_campaign()
    assert campagne is not None
    communes = Commune.objects.filter(
        departement__code=departement, epci__isnull=False, latitude__isnull=False, longitude__isnull=False
    )
    sirens = zonage.final_sirens(campagne)
    communes = (
        communes.filter(epci__siren__in=sirens) if in_zone else communes.exclude(epci__siren__in=sirens)
    )
    commune = communes.select_related("epci", "departement__region").order_by("-population").first()
    assert commune is not None, departement
    return commune


@pytest.fixture
def outre_mer(freeze_clock) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """October 2026 in Guyane and Martinique, the statements validated by each region's ARS:
    - a doctor living in Martinique (CPAM 972) works a day in a Guyane zone and a day in Martinique;
    - a doctor living in metropolitan France works a day and a half-day in Guyane, paid by the CPAM.
    Guyane: 500 € validated, 300 € paid; Martinique: 200 € validated; nobody lives in Guyane."""
    freeze_clock(dt.datetime(2026, 12, 4, 9, tzinfo=dt.UTC))
    cayenne = lieu(_main_commune("973", in_zone=True))
    fort_de_france = lieu(_main_commune("972", in_zone=False))
    antillais = medecin(_main_commune("972", in_zone=False))
    metropolitain = medecin(zone_commune(1))
    jour_realise(antillais, cayenne, dt.date(2026, 10, 20))
    jour_realise(antillais, fort_de_france, dt.date(2026, 10, 21))
    jour_realise(metropolitain, cayenne, dt.date(2026, 10, 21))
    jour_realise(metropolitain, cayenne, dt.date(2026, 10, 22), "demi_journee")
    services.construire_mois(OCT, today=dt.date(2026, 12, 4))
    assert Releve.objects.get(region__code=GUYANE, medecin=antillais).cpam == "972"  # Martinique's CPAM pays
    agents = {code: agent_ars(code) for code in (GUYANE, MARTINIQUE)}
    for code, agent in agents.items():
        ids = list(Releve.objects.filter(region__code=code).values_list("pk", flat=True))
        services.avancer(ids, "valider", agent)
    paid = Releve.objects.get(region__code=GUYANE, medecin=metropolitain)
    services.avancer([paid.pk], "transmettre", agents[GUYANE])
    services.avancer([paid.pk], "payer", agents[GUYANE])
    return {"cayenne": cayenne, "fort_de_france": fort_de_france, "antillais": antillais, "agents": agents}


def _csv(client: Client, niveau: str, query: str = "du=2026-10&au=2026-12") -> list[dict[str, str]]:
    response = client.get(f"/pilotage/gestion/export/{niveau}.csv?{query}")
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _number(text: str) -> float:
    return float(text) if text else 0.0


def test_the_guyane_agent_s_export_has_its_departements_only_and_they_add_up(outre_mer) -> None:  # type: ignore[no-untyped-def]
    """The review's case: the money of the days worked in Guyane is in Guyane's row, whichever CPAM pays it; no
    row of Martinique reaches the Guyane agent, and Guyane's département rows add up to its region's."""
    client = _client(outre_mer["agents"][GUYANE])
    departements = _csv(client, "departements")
    (region,) = _csv(client, "regions")
    assert {row["region"] for row in departements} == {GUYANE}
    assert [row["departement"] for row in departements] == ["973"]
    assert region["region"] == GUYANE
    assert (region["indemnites_validees"], region["indemnites_payees"]) == ("500.00", "300.00")
    for name in ADDITIVE:
        assert sum(_number(row[name]) for row in departements) == _number(region[name]), name
    guyane = departements[0]
    assert (guyane["indemnites_validees"], guyane["indemnites_payees"]) == ("500.00", "300.00")
    # Nobody lives in Guyane: two doctors came on mission, none is registered there (the columns say so).
    assert (guyane["volontaires_inscrits"], guyane["volontaires_actifs"]) == ("0", "2")
    # The zone of the lieu holds the money too, now that it has one place.
    zone = next(z for z in _csv(client, "zones") if z["zone"] == outre_mer["cayenne"].epci.siren)
    assert zone["indemnites_validees"] == "500.00" and zone["volontaires_inscrits"] == ""
    # Each month's row is that month's money of the region, and the months add up to the region.
    months = _csv(client, "mois")
    assert [m["indemnites_validees"] for m in months] == ["500.00", "0.00", "0.00"]
    # The public tables of the region (masked) have its départements only as well.
    public = (
        Client().get("/pilotage/export/departements.csv?du=2026-10&au=2026-12&region=03").content.decode()
    )
    assert [row["departement"] for row in csv.DictReader(io.StringIO(public))] == ["973"]


def test_the_martinique_agent_sees_the_days_worked_in_martinique_only(outre_mer) -> None:  # type: ignore[no-untyped-def]
    """The doctor of Martinique is paid by the CPAM of Martinique for a day in Guyane: that day's money is not
    Martinique's; the day worked in Martinique is."""
    client = _client(outre_mer["agents"][MARTINIQUE])
    departements = _csv(client, "departements")
    assert {row["region"] for row in departements} == {MARTINIQUE}
    martinique = next(row for row in departements if row["departement"] == "972")
    assert (martinique["indemnites_validees"], martinique["indemnites_payees"]) == ("200.00", "0.00")
    assert martinique["volontaires_inscrits"] == "1" and martinique["volontaires_actifs"] == "1"
    assert "973" not in {row["departement"] for row in departements}
    # A département of another region is unknown to the agent, as before.
    assert client.get("/pilotage/gestion/export/departements.csv?departement=973").status_code == 404


def test_the_ministry_s_rows_add_up_from_departement_to_region_to_france(outre_mer, world) -> None:  # type: ignore[no-untyped-def]
    """The national view: every additive figure of a region's row is its départements' sum, the regions add up to
    the total, and the months to the total for the flows (not the zones and lieux each month counts again). Computed on the unmasked tables, as the ministry sees
    them, with the metropolitan world of conftest beside the overseas one."""
    tableau = indicateurs.compute(Q4)
    by_region: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in tableau.tables["departements"]:
        for name in ADDITIVE:
            by_region[row["region"]][name] += row[name] or 0
    regions = {row["region"]: row for row in tableau.tables["regions"]}
    assert set(by_region) == set(regions)
    for code, row in regions.items():
        for name in ADDITIVE:
            assert round(by_region[code][name], 2) == (row[name] or 0), (code, name)
    for name in ADDITIVE:
        assert round(sum(row[name] or 0 for row in regions.values()), 2) == tableau.total[name], name
        if name not in STOCKS:
            assert round(sum(m[name] for m in tableau.tables["mois"]), 2) == tableau.total[name], name
    assert regions[GUYANE]["indemnites_validees"] == 500.0
    assert regions[MARTINIQUE]["indemnites_validees"] == 200.0
    assert tableau.total["indemnites_validees"] == float(sum(r.total for r in Releve.objects.all()))
    # A département filter reads the lieux of that département, whatever the doctor's CPAM.
    martinique = indicateurs.compute(Filtre(du=OCT, au=Q4.au, departement="972"))
    assert martinique.total["indemnites_validees"] == 200.0


def test_the_open_data_quarter_adds_up_to_the_national_figures(outre_mer) -> None:  # type: ignore[no-untyped-def]
    """The quarter's CSV (one row per département) holds each région's money in that région's rows: the rows of
    Guyane add up to Guyane's figures, and all rows to the ministry's total."""
    today = dt.date(2027, 1, 2)
    quarter = agregation.parse_quarter("2026T4")
    tableau = publication.quarter_table(quarter, today)
    rows = publication.quarter_rows(quarter, 1, today, tableau)
    guyane = [r for r in rows if r["region"] == GUYANE]
    assert [r["departement"] for r in guyane] == ["973"]
    unmasked = {r["departement"]: r for r in tableau.tables["departements"]}
    assert unmasked["973"]["indemnites_validees"] == 500.0 and unmasked["972"]["indemnites_validees"] == 200.0
    for name in (
        "jours_necessaires",
        "jours_couverts",
        "creneaux_offerts",
        "zones",
        "lieux_actifs",
    ):  # not people
        assert sum(r[name] or 0 for r in rows) == tableau.total[name], name
    # Fewer than ten doctors paid: the public amounts are masked, in every row that would give them back.
    assert guyane[0]["indemnites_validees"] is None
    # Published, the quarter says which schema describes it (2.0.0: the money at the lieu, no longer the CPAM).
    p = publication.publier("2026T4", None, "", today)
    assert p.schema_version == SCHEMA_VERSION == "2.0.0"
    assert "<td>2.0.0</td>" in Client().get("/pilotage/donnees-ouvertes/").content.decode()
    fields = {f["name"]: f for f in schema()["fields"]}
    assert "compté au lieu de chaque journée payée" in fields["indemnites_validees"]["description"]


def test_the_columns_of_volunteers_say_what_they_count(outre_mer) -> None:  # type: ignore[no-untyped-def]
    """« inscrits 0, validés 0 » beside « venus en mission 2 » in Guyane: the first two count the volunteers who
    live in the row's territory, the third those who worked at its lieux wherever they live. The headers of the
    page and of the XLSX, the definitions under the tables and the published schema say so."""
    titles = {c.name: c.title for c in colonnes.MEASURES}
    assert titles["volontaires_inscrits"].endswith("qui y habitent")
    assert titles["volontaires_valides"].endswith("qui y habitent")
    assert titles["volontaires_actifs"].endswith("où qu'ils habitent")
    page = html.unescape(
        _client(outre_mer["agents"][GUYANE]).get("/pilotage/gestion/?du=2026-10&au=2026-12").content.decode()
    )
    for name in ("volontaires_inscrits", "volontaires_valides", "volontaires_actifs"):
        assert f'<th scope="col">{titles[name]} (personnes)</th>' in page, name
    definitions = " ".join(page.split("Définitions :")[1].split("Données ouvertes")[0].split())
    assert "les indemnités dans celui du lieu de la journée payée" in definitions
    assert "habitent" in definitions and "à leur CPAM" not in definitions
    fields = {f["name"]: f for f in schema()["fields"]}
    assert fields["volontaires_inscrits"]["title"] == titles["volontaires_inscrits"]
    assert "lieu" in fields["indemnites_validees"]["description"]


def test_a_volunteer_is_registered_where_they_live_and_came_where_they_worked(outre_mer) -> None:  # type: ignore[no-untyped-def]
    """The definitions behind the two columns, on the real rows: the doctor of Martinique is registered in
    Martinique's row and came in both; the one of metropolitan France is registered at home and came to
    Guyane."""
    tableau = indicateurs.compute(Q4)
    rows = {r["departement"]: r for r in tableau.tables["departements"]}
    assert rows["973"]["volontaires_inscrits"] == 0 and rows["973"]["volontaires_actifs"] == 2
    assert rows["972"]["volontaires_inscrits"] == 1 and rows["972"]["volontaires_actifs"] == 1
    assert MedecinVolontaire.objects.count() == 2 and LieuSolidaire.objects.count() == 2
