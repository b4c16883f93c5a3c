"""Public zonage pages, the back-office comparisons and the ARS forms, through HTTP."""

from __future__ import annotations

import html
import io
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from solidarite.territoire.models import Epci
from solidarite.zonage import services
from solidarite.zonage.management.commands.zonage import ajouts_du_zonage, faits_du_dossier
from solidarite.zonage.models import Ajustement, ListeOfficielle, ResultatEpci
from tests.conftest import DATA_DIR
from tests.factories import agent_ars

pytestmark = pytest.mark.django_db


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.content.decode())


def test_public_map_lists_the_zones_as_an_accessible_table(client: Client) -> None:
    response = client.get("/zonage/")
    body = _text(response)
    assert response.status_code == 200
    assert "Proposition calculée — campagne v1" in body
    campagne = services.active_campaign()
    assert campagne is not None
    fidelite = services.fidelite_campagne(campagne, {})
    assert fidelite is not None
    # one link per zone of the table, and one per modelled ARS addition proposed below it
    assert body.count('href="/zonage/epci/') == campagne.resultats.filter(
        selectionnee_calcul=True
    ).count() + len(fidelite.ajouts_modeles)
    assert "leaflet.js" in body and 'data-geojson="/zonage/zones.geojson"' in body
    # the set in force scores with one method (ADR 0028): no share of votes beside its fragility score
    assert "Score des fragilités" in body and "Part du vote" not in body
    # The fidelity to the published facts, side by side, for the final list.
    assert (
        "Fidélité aux faits publiés" in body
        and "Zones — Normandie" in body
        and "Zones — Île-de-France" in body
    )
    assert "Population des zones — Nouvelle-Aquitaine" in body and "404\u202f143" in body


def test_the_campaign_page_shows_no_gap_for_a_value_never_published(client: Client) -> None:
    """The density of the zones as a whole is computed, not published: « — » for its gap and its agreement,
    where the page read « 0 » and « oui »."""
    body = _text(client.get("/zonage/"))
    row = re.search(r"non publiée\)</th><td>—</td><td>[^<]*</td><td>([^<]*)</td>\s*<td>([^<]*)</td>", body)
    assert row is not None and (row[1], row[2]) == ("—", "—")
    published = re.search(
        r"Zones — Île-de-France</th><td>0</td><td>0</td><td>([^<]*)</td>\s*<td>([^<]*)</td>", body
    )
    assert published is not None and (published[1], published[2]) == ("0", "oui")


def test_the_campaign_page_proposes_the_ars_additions_it_models(client: Client) -> None:
    campagne = services.active_campaign()
    assert campagne is not None
    fidelite = services.fidelite_campagne(campagne, {})
    assert fidelite is not None
    proposed = fidelite.ajouts_modeles
    final = services.final_sirens(campagne)
    assert 0 < len(proposed) <= fidelite.faits.zones - len(final)
    assert all(p.resultat.epci.siren not in final for p in proposed)
    assert [p.resultat.rang for p in proposed] == sorted(p.resultat.rang for p in proposed)
    body = _text(client.get("/zonage/"))
    assert "Ajouts des ARS modélisés" in body and "Ce sont des propositions, pas des ajustements" in body
    assert proposed[0].resultat.epci.nom in body and proposed[0].motif in body
    # …and on the EPCI's own page, in the row of the ARS adjustment.
    first = proposed[0].resultat.epci
    page = _text(client.get(f"/zonage/epci/{first.siren}/"))
    assert proposed[0].motif in page and "Seule l'ARS de la région peut l'ajouter" in page
    # The ARS records the first proposal: it joins the final list and leaves the proposals.
    region = services.epci_regions(first)[0].code
    services.adjust(campagne, first, "ajout", "Concertation avec le préfet du 3 juillet", agent_ars(region))
    after = services.fidelite_campagne(campagne, {})
    assert after is not None and first.siren in services.final_sirens(campagne)
    assert first.siren not in {p.resultat.epci.siren for p in after.ajouts_modeles}
    assert len(after.ajouts_modeles) == len(proposed) - 1
    page = _text(client.get(f"/zonage/epci/{first.siren}/"))
    assert "ajoutée à la liste par l'ARS" in page and "Ajout des ARS modélisé" not in page


def test_geojson_has_every_epci_with_its_final_state(client: Client, zonage_vote_result) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(client.get("/zonage/zones.geojson").content)
    assert len(data["features"]) == 1255
    campagne = services.active_campaign()
    assert campagne is not None
    computed = campagne.resultats.filter(selectionnee_calcul=True).count()
    assert sum(f["properties"]["retenue"] for f in data["features"]) == computed
    assert {"rang_region", "ecart_seuil", "critere_decisif", "ajustement_ars"} <= set(
        data["features"][0]["properties"]
    )
    # With the vote (ADR 0021) most EPCI hold a share of 0: the map colours their fragility, which varies.
    voted, _ = services.save_campaign(zonage_vote_result, activate=True)
    assert voted.parametres.get("membres")
    props = [f["properties"] for f in client.get("/zonage/zones.geojson").json()["features"]]
    assert all(p["score_fragilite"] is not None for p in props if p["score"] is not None)
    zero = [p["score_fragilite"] for p in props if p["score"] == 0]
    assert len(zero) > 500 and max(zero) - min(zero) > 30
    assert "Part du vote" in _text(client.get("/zonage/"))  # the vote's two scores, each named


def test_the_map_and_the_command_propose_the_same_ars_additions(client: Client, zonage_result) -> None:  # type: ignore[no-untyped-def]
    """The modelled ARS additions read back from the saved campaign (the page, the map) are those the command
    writes in its exports from the computation itself; an ARS addition recorded leaves the proposals."""
    campagne = services.active_campaign()
    assert campagne is not None
    fidelite = services.fidelite_campagne(campagne, {})
    assert fidelite is not None
    proposed = {a.resultat.epci.siren for a in fidelite.ajouts_modeles}
    faits, _, _, _ = faits_du_dossier(DATA_DIR)
    assert faits is not None
    exported = ajouts_du_zonage(zonage_result, faits)
    assert len(proposed) == 11 and proposed == set(exported)
    assert [a.motif for a in fidelite.ajouts_modeles] == [
        exported[a.resultat.epci.siren] for a in fidelite.ajouts_modeles
    ]
    features = json.loads(client.get("/zonage/zones.geojson").content)["features"]
    assert {f["properties"]["siren"] for f in features if f["properties"]["ajout_ars_modelise"]} == proposed
    first = fidelite.ajouts_modeles[0].resultat.epci
    region = services.epci_regions(first)[0].code
    services.adjust(campagne, first, "ajout", "Concertation avec le préfet du 3 juillet", agent_ars(region))
    features = json.loads(client.get("/zonage/zones.geojson").content)["features"]
    state = {f["properties"]["siren"]: f["properties"] for f in features}
    assert state[first.siren]["retenue"] and not state[first.siren]["ajout_ars_modelise"]
    assert state[first.siren]["ajustement_ars"] == "ajout"
    assert sum(p["ajout_ars_modelise"] for p in state.values()) == 10
    page = _text(client.get("/zonage/"))
    assert "ajout des ARS modélisé (une proposition, voir plus bas)" in page


def test_epci_page_explains_in_or_out(client: Client) -> None:
    campagne = services.active_campaign()
    top = ResultatEpci.objects.filter(campagne=campagne, rang=1).select_related("epci").get()
    body = _text(client.get(f"/zonage/epci/{top.epci.siren}/"))
    assert "Zone retenue" in body and "Rang 1 sur 1255" in body and "Percentile" in body
    metro = campagne.resultats.exclude(epci__communes__departement__code__startswith="97")  # type: ignore[union-attr]
    out = metro.filter(rang__gte=1000).select_related("epci").order_by("rang").first()
    assert out is not None
    body = _text(client.get(f"/zonage/epci/{out.epci.siren}/"))
    last = metro.filter(selectionnee_calcul=True).order_by("-rang").first()  # overseas compete apart
    assert last is not None
    assert "Zone non retenue" in body and f"score du dernier retenu, rang {last.rang}" in body
    assert "Pourquoi ce statut" in body and "Critère décisif" in body and "Rang dans sa région" in body
    assert "aucun : le statut est celui du calcul" in body and "sous le dernier EPCI retenu" in body
    mayotte = ResultatEpci.objects.filter(campagne=campagne, epci__communes__departement__code="976").first()
    assert mayotte is not None
    # the set in force reads EPCI means: Mayotte's APL is said missing, with the reason, never invented
    body = _text(client.get(f"/zonage/epci/{mayotte.epci.siren}/"))
    assert "donnée manquante : APL non publiée pour Mayotte (hors du champ de la DREES)" in body


def test_unknown_epci_is_a_404(client: Client) -> None:
    assert client.get("/zonage/epci/123456789/").status_code == 404


def test_back_office_pages_need_staff(client: Client) -> None:
    response = client.get("/zonage/gestion/campagnes/1/1/")
    assert response.status_code == 302 and response["Location"].startswith("/connexion/?next=")


def test_ars_form_refuses_another_region_without_a_500(client: Client) -> None:
    campagne = services.active_campaign()
    agent = agent_ars("24")
    client.force_login(agent)
    bretagne = ResultatEpci.objects.filter(
        campagne=campagne, selectionnee_calcul=False, epci__communes__departement__region__code="53"
    ).first()
    assert bretagne is not None
    response = client.post(
        "/admin/zonage/ajustement/add/",
        {
            "campagne": campagne.pk,
            "epci": bretagne.epci.pk,
            "action": "ajout",
            "motif": "Demande des élus locaux du 2 juillet",
        },
    )
    assert response.status_code == 200
    assert "ne peut ajuster que les EPCI de sa région" in _text(response)
    assert not Ajustement.objects.exists()
    centre = ResultatEpci.objects.filter(
        campagne=campagne, selectionnee_calcul=False, epci__communes__departement__region__code="24"
    ).first()
    assert centre is not None
    response = client.post(
        "/admin/zonage/ajustement/add/",
        {
            "campagne": campagne.pk,
            "epci": centre.epci.pk,
            "action": "ajout",
            "motif": "Concertation avec le préfet du 3 juillet",
        },
    )
    assert response.status_code == 302
    assert Ajustement.objects.get().region.code == "24"
    # The EPCI's page says the ARS changed its status, and that the computation did not retain it.
    body = _text(client.get(f"/zonage/epci/{centre.epci.siren}/"))
    assert "Zone retenue" in body and "ajoutée à la liste par l'ARS : le calcul ne la retenait pas" in body
    assert "non retenue par le calcul" in body


def test_official_list_upload_in_the_back_office(admin_client: Client) -> None:
    bad = SimpleUploadedFile("liste.csv", b"siren\n200049484\n999999999\n", content_type="text/csv")
    response = admin_client.post(
        "/admin/zonage/listeofficielle/add/",
        {"nom": "Liste officielle", "date": "27/06/2025", "source": "Ministère", "fichier": bad},
    )
    assert response.status_code == 200 and "999999999 n'est pas un EPCI connu" in _text(response)
    assert not ListeOfficielle.objects.exists()
    # Two SIREN and a name as the press wrote it (« Andaines », the EPCI is « Andaine »): taken, and shown to check.
    content = "siren;nom;région\n200049484;;\n200035137;;\n;Andaines Passais;Normandie\n".encode()
    good = SimpleUploadedFile("liste.csv", content, content_type="text/csv")
    response = admin_client.post(
        "/admin/zonage/listeofficielle/add/",
        {"nom": "Liste officielle", "date": "27/06/2025", "source": "Ministère", "fichier": good},
        follow=True,
    )
    assert response.redirect_chain and response.redirect_chain[0][1] == 302
    shown = _text(response)
    assert (
        "3 EPCI (2 par SIREN, 0 par leur nom, 0 par une partie de leur nom, 1 par un nom ressemblant" in shown
    )
    assert "Ligne 4 : « Andaines Passais » → 200068443 CC Andaine - Passais (ressemblance)" in shown
    liste = ListeOfficielle.objects.get()
    body = _text(admin_client.get(f"/zonage/gestion/listes/{liste.pk}/"))
    assert "Dans les deux (2)" in body
    assert "%</strong> des zones officielles sont retrouvées (2 sur 3)" in body
    computed = services.final_sirens(services.active_campaign())  # type: ignore[arg-type]
    # Three EPCI for 151 zones published: precision counts the computed zones of their two regions only.
    assert "Liste partielle (3 EPCI pour 151 zones publiées)" in body
    assert "régions qu'elle nomme (Centre-Val de Loire, Normandie)" in body
    in_regions = (
        Epci.objects.filter(siren__in=computed, communes__departement__region__code__in=["24", "28"])
        .distinct()
        .count()
    )
    assert 2 < in_regions < len(computed)
    assert f"des zones calculées sont officielles (2 sur {in_regions})" in body


def test_a_list_of_145_epci_is_partial_in_the_back_office_as_in_the_command(admin_client: Client) -> None:
    """More EPCI than the campaign computed (140) but fewer than the 151 published: partial, as `zonage calibrer
    --liste` judges it (ecarts.liste_partielle, tests/zonage/test_calibrage.py); the back office called it whole."""
    computed = sorted(services.final_sirens(services.active_campaign()))  # type: ignore[arg-type]
    assert len(computed) < 145
    others = Epci.objects.exclude(siren__in=computed).order_by("siren").values_list("siren", flat=True)
    sirens = [*computed, *others[: 145 - len(computed)]]
    fichier = SimpleUploadedFile("liste.csv", ("siren\n" + "\n".join(sirens) + "\n").encode(), "text/csv")
    response = admin_client.post(
        "/admin/zonage/listeofficielle/add/",
        {"nom": "Liste de presse", "date": "27/06/2025", "source": "Presse", "fichier": fichier},
    )
    assert response.status_code == 302
    liste = ListeOfficielle.objects.get()
    assert liste.lignes.count() == 145
    response = admin_client.get(f"/zonage/gestion/listes/{liste.pk}/")
    body = _text(response)
    assert response.status_code == 200
    assert "Liste partielle (145 EPCI pour 151 zones publiées) : la précision ne compte que les zones" in body
    assert f"des zones officielles sont retrouvées ({len(computed)} sur 145)" in body


def test_an_epci_its_ars_removed_is_not_proposed_back() -> None:
    campagne = services.active_campaign()
    assert campagne is not None
    retained = campagne.resultats.filter(selectionnee_calcul=True).select_related("epci").order_by("rang")[0]
    region = services.epci_regions(retained.epci)[0].code
    services.adjust(
        campagne, retained.epci, "retrait", "Concertation avec le préfet du 4 juillet", agent_ars(region)
    )
    after = services.fidelite_campagne(campagne, {})
    assert after is not None and retained.epci.siren not in services.final_sirens(campagne)
    assert retained.epci.siren not in {p.resultat.epci.siren for p in after.ajouts_modeles}


def _workbook_form(nom: str, rows: tuple[list[object], ...]) -> dict[str, object]:
    """The back office's import form with an .xlsx of these rows, as openpyxl writes it (formulas kept)."""
    from openpyxl import Workbook

    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    upload = SimpleUploadedFile("zones.xlsx", out.getvalue(), content_type="application/vnd.ms-excel")
    return {"nom": nom, "date": "27/06/2025", "source": "Ministère", "fichier": upload}


def test_a_workbook_upload_in_the_back_office(admin_client: Client) -> None:
    """The list as the ministry sends it, an .xlsx with a title: taken, and the title line said to be left out."""
    rows = (["Zones rouges, juin 2025"], ["SIREN", "Nom"], [200049484, None], [None, "Andaines Passais"])
    response = admin_client.post(
        "/admin/zonage/listeofficielle/add/", _workbook_form("Liste du ministère", rows), follow=True
    )
    shown = _text(response)
    assert "2 EPCI (1 par SIREN" in shown
    assert "Ligne 1 ignorée (titre, total, source ou intertitre) : « Zones rouges, juin 2025 »" in shown
    assert sorted(ListeOfficielle.objects.get().lignes.values_list("epci__siren", flat=True)) == [
        "200049484",
        "200068443",
    ]


def test_a_workbook_with_formulas_is_refused_in_the_back_office(admin_client: Client) -> None:
    """The probe of 6 December: a formula written by a script (no computed value stored) was read as an empty cell
    and its line skipped without a word. Now every such line is refused, by line and cell, and nothing is saved."""
    rows = (["SIREN", "Nom"], [200049484, None], ["=200035137+0", None], ["=A2", None], [None, "=B2"])
    response = admin_client.post(
        "/admin/zonage/listeofficielle/add/", _workbook_form("Liste du script", rows)
    )
    shown = _text(response)
    assert response.status_code == 200 and "rien n'a été importé" in shown
    for line in (
        "ligne 3, colonne « SIREN », cellule A3 : une formule (=200035137+0) au lieu d'un SIREN ; collez les "
        "valeurs seules (Collage spécial → Valeurs) puis importez de nouveau.",
        "ligne 4, colonne « SIREN », cellule A4 : une formule (=A2) au lieu d'un SIREN",
        "ligne 5, colonne « Nom », cellule B5 : une formule (=B2) au lieu d'un nom d'EPCI",
    ):
        assert line in shown
    assert not ListeOfficielle.objects.exists()


def test_the_ars_form_stores_the_motif_as_published(client: Client) -> None:
    """The back office goes through the same rule: no motif of zero-width spaces, none of 200,000 characters, and a
    zero-width space inside a motif is not stored."""
    campagne = services.active_campaign()
    assert campagne is not None
    client.force_login(agent_ars("24"))
    centre = ResultatEpci.objects.filter(
        campagne=campagne, selectionnee_calcul=False, epci__communes__departement__region__code="24"
    ).first()
    assert centre is not None
    form = {"campagne": campagne.pk, "epci": centre.epci.pk, "action": "ajout"}
    for motif, message in (
        ("\u200b" * 12, "Le motif est obligatoire (10 caractères visibles au moins)"),
        ("m" * 200_000, "Le motif dépasse 2\u202f000 caractères (il en compte 200\u202f000)"),
    ):
        response = client.post("/admin/zonage/ajustement/add/", {**form, "motif": motif})
        assert response.status_code == 200 and message in _text(response)
        assert Ajustement.objects.count() == 0
    response = client.post(
        "/admin/zonage/ajustement/add/", {**form, "motif": "Concertation avec\u200b le préfet du 3 juillet"}
    )
    assert response.status_code == 302
    assert Ajustement.objects.get().motif == "Concertation avec le préfet du 3 juillet"


def test_a_refused_epci_id_is_redrawn_without_a_500(client: Client) -> None:
    """Revue du 5 décembre: Django's autocomplete widget queried the refused value as it drew the form again."""
    campagne = services.active_campaign()
    assert campagne is not None
    client.force_login(agent_ars("24"))
    for value in ("abc", "99999999999999999999999"):
        response = client.post(
            "/admin/zonage/ajustement/add/",
            {
                "campagne": campagne.pk,
                "epci": value,
                "action": "ajout",
                "motif": "Demande des élus du 2 juillet",
            },
        )
        assert response.status_code == 200 and "Sélectionnez un choix valide" in _text(response)
        assert client.get(f"/admin/zonage/ajustement/add/?epci={value}").status_code == 200
    assert not Ajustement.objects.exists()


def test_confirming_a_campaigns_deletion_does_not_read_each_epci_one_by_one(
    admin_client: Client, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    """The back office lists the 1,255 results a campaign's deletion takes with it: one query per result read its
    EPCI (seconds; over 30 s on a loaded machine, the CSP crawl timed out there)."""
    from solidarite.zonage.models import Campagne

    campagne = Campagne.objects.get(active=True)
    count = campagne.resultats.count()
    assert count > 1000
    with django_assert_max_num_queries(40):
        response = admin_client.get(f"/admin/zonage/campagne/{campagne.pk}/delete/")
    assert response.status_code == 200 and "supprimer campagne de zonage" in response.content.decode()


def test_the_map_is_cached_per_campaign_content_not_per_number(client: Client) -> None:
    """Revue du 7 décembre: the map and the proposals were cached by the campaign's pk alone. A rolled-back
    campaign frees its pk on SQLite, and the next campaign saved under it was served the previous one's map.
    Here the same pk is given other results and another fingerprint: the map follows."""
    campagne = services.active_campaign()
    assert campagne is not None
    before = client.get("/zonage/zones.geojson").json()["features"]
    dropped = campagne.resultats.filter(selectionnee_calcul=True).order_by("rang").first()
    assert dropped is not None
    ResultatEpci.objects.filter(pk=dropped.pk).update(selectionnee_calcul=False)
    type(campagne).objects.filter(pk=campagne.pk).update(empreinte="une-autre-campagne")
    after = client.get("/zonage/zones.geojson").json()["features"]
    retained = {f["properties"]["siren"] for f in before if f["properties"]["retenue"]}
    assert {f["properties"]["siren"] for f in after if f["properties"]["retenue"]} == retained - {
        dropped.epci.siren
    }
