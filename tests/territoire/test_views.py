"""Commune search and commune pages, with and without htmx, and their bad inputs."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.territoire.sans_communes import sans_communes

pytestmark = pytest.mark.django_db

SEARCH = reverse("territoire:recherche")


def _text(response) -> str:  # type: ignore[no-untyped-def]
    """The page as a reader sees it (entities such as &#x27; decoded)."""
    return html.unescape(response.content.decode())


def _names(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [match.commune.nom for match in response.context["outcome"].matches]


def test_search_by_name_ignores_accents_case_and_saint(client: Client) -> None:
    response = client.get(SEARCH, {"q": "st etienne"})
    assert response.status_code == 200
    assert _names(response)[0] == "Saint-Étienne"
    assert "Saint-Étienne" in _text(response)
    assert _names(client.get(SEARCH, {"q": "MAURIAC"}))[0] == "Mauriac"


def test_search_by_postcode(client: Client) -> None:
    response = client.get(SEARCH, {"q": "15200"})
    body = _text(response)
    assert response.status_code == 200
    assert "Mauriac" in _names(response)
    assert "code postal 15200" in body
    assert "CC du Pays de Mauriac" in body


def test_search_finds_a_former_commune_by_its_name(client: Client) -> None:
    response = client.get(SEARCH, {"q": "Bâgé-la-Ville"})
    matches = response.context["outcome"].matches
    assert any(m.commune.nom == "Bâgé-Dommartin" and "Bâgé-la-Ville" in m.via for m in matches)


def test_unknown_postcode_and_empty_search_get_a_french_message(client: Client) -> None:
    response = client.get(SEARCH, {"q": "99999"})
    assert response.status_code == 200
    assert "Aucune commune ne correspond au code postal 99999" in _text(response)
    response = client.get(SEARCH, {"q": "   "})
    assert response.status_code == 200
    assert "Saisissez le nom d'une commune ou un code postal" in _text(response)
    response = client.get(SEARCH, {"q": "zzzzqx"})
    assert "Aucune commune ne correspond à « zzzzqx »" in _text(response)


def test_overlong_search_is_a_400_with_a_message(client: Client) -> None:
    response = client.get(SEARCH, {"q": "a" * 200})
    assert response.status_code == 400
    assert "Recherche trop longue" in _text(response)


def test_htmx_gets_only_the_result_list(client: Client) -> None:
    response = client.get(SEARCH, {"q": "Aurillac"}, headers={"HX-Request": "true"})
    body = _text(response)
    assert response.status_code == 200
    assert 'id="resultats"' not in body  # htmx puts it inside #resultats: no second live region nested in it
    assert "<html" not in body
    assert "Aurillac" in body


def test_commune_page_shows_epci_departement_region_population(client: Client) -> None:
    response = client.get(reverse("territoire:commune", args=["15120"]))
    body = _text(response)
    assert response.status_code == 200
    for text in (
        "Mauriac",
        "CC du Pays de Mauriac",
        "Cantal (15)",
        "Auvergne-Rhône-Alpes",
        "3\xa0449",
        "15200",
    ):
        assert text in body, text


def _links(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The page's links: their text (as read out of context) -> their address."""
    main = response.content.decode().split("<main", 1)[1]
    found = re.findall(r'<a [^>]*href="([^"]+)"[^>]*>([^<]+)</a>', main)
    return {html.unescape(text.strip()): html.unescape(href) for href, text in found}


def test_the_commune_page_leads_to_booking_near_it(client: Client) -> None:
    """Home « Trouver ma commune » → Riom → its page showed a position in degrees and a way back, nothing more."""
    response = client.get(reverse("territoire:commune", args=["15162"]))
    booking = _links(response)["Prendre rendez-vous près de Riom-ès-Montagnes"]
    assert booking == "/rendez-vous/?commune=15162"
    assert 'class="fr-btn' in response.content.decode().split(booking, 1)[0].rsplit("<a ", 1)[1]
    body = _text(response)
    assert "au tarif de la Sécurité sociale" in body
    assert "Position" not in body and "45.28972" not in body and "2.65685" not in body
    page = client.get(booking)
    assert page.status_code == 200 and "Près de Riom-ès-Montagnes (15)" in _text(page)


def test_a_commune_the_platform_cannot_place_says_where_to_turn() -> None:
    """Bora-Bora has no coordinates: no booking link to a page that would offer no lieu, but what to do."""
    response = Client().get(reverse("territoire:commune", args=["98714"]))
    assert "Prendre rendez-vous près de Bora-Bora" not in _links(response)
    assert "renseignez-vous auprès de votre agence de santé" in _text(response)


def _zone_rouge_and_not() -> tuple[str, str]:
    """Riom-ès-Montagnes (CC du Pays Gentiane) and Mauriac, as the active campaign of the tests has them."""
    from solidarite.territoire.models import Commune
    from solidarite.zonage import services

    campagne = services.active_campaign()
    assert campagne is not None
    final = services.final_sirens(campagne)
    riom, mauriac = (Commune.objects.select_related("epci").get(code_insee=c) for c in ("15162", "15120"))
    assert riom.epci is not None and mauriac.epci is not None
    assert riom.epci.siren in final and mauriac.epci.siren not in final
    return riom.epci.siren, mauriac.epci.siren


def test_the_commune_page_says_whether_its_epci_is_a_zone_rouge(client: Client) -> None:
    gentiane, pays_de_mauriac = _zone_rouge_and_not()
    response = client.get(reverse("territoire:commune", args=["15162"]))
    assert "CC du Pays Gentiane, une des « zones rouges » du dispositif" in _text(response)
    why = _links(response)["Pourquoi CC du Pays Gentiane est une zone rouge"]
    assert why == f"/zonage/epci/{gentiane}/" and client.get(why).status_code == 200
    response = client.get(reverse("territoire:commune", args=["15120"]))
    assert "CC du Pays de Mauriac, qui n'est pas une des « zones rouges »" in _text(response)
    detail = _links(response)["Le zonage de CC du Pays de Mauriac en détail"]
    assert detail == f"/zonage/epci/{pays_de_mauriac}/" and client.get(detail).status_code == 200
    arrondissement = _text(client.get(reverse("territoire:commune", args=["75101"])))  # the city's EPCI
    assert "Métropole du Grand Paris, qui n'est pas une des « zones rouges »" in arrondissement


def test_the_zone_rouge_of_the_page_is_the_one_its_ars_decided(client: Client) -> None:
    from solidarite.territoire.models import Epci
    from solidarite.zonage import services
    from tests.factories import agent_ars

    gentiane, _ = _zone_rouge_and_not()
    campagne = services.active_campaign()
    assert campagne is not None
    motif = "Une maison de santé de 8 médecins a ouvert en 2025"
    services.adjust(campagne, Epci.objects.get(siren=gentiane), "retrait", motif, agent_ars("84"))
    assert "CC du Pays Gentiane, qui n'est pas une des « zones rouges »" in _text(
        client.get(reverse("territoire:commune", args=["15162"]))
    )


def test_without_an_active_campaign_the_page_still_leads_to_booking(client: Client) -> None:
    from solidarite.zonage.models import Campagne

    Campagne.objects.update(active=False)
    response = client.get(reverse("territoire:commune", args=["15162"]))
    assert response.status_code == 200 and "zone rouge" not in _text(response).lower()
    assert "Prendre rendez-vous près de Riom-ès-Montagnes" in _links(response)


def test_unknown_commune_is_a_french_404(client: Client) -> None:
    response = client.get(reverse("territoire:commune", args=["00000"]))
    assert response.status_code == 404
    assert "Page introuvable" in _text(response)


def test_home_page_explains_the_scheme_with_dated_parameters(client: Client) -> None:
    response = client.get("/")
    body = _text(response)
    assert response.status_code == 200
    assert "Un médecin près de chez vous — Solidarité territoriale" in body
    assert 'class="fr-header"' in body and 'lang="fr"' in body and 'href="#contenu"' in body
    assert "200 € par jour" in body and "2 jours par mois" in body and "30 € la consultation" in body
    assert "dsfr.min.css" in body and "htmx" in body


def test_healthz(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["statut"] == "ok"
    assert response.json()["communes"] == 35014


def test_post_on_a_read_only_page_is_refused(client: Client) -> None:
    assert client.post(SEARCH, {"q": "x"}).status_code == 405


def test_admin_is_in_french_and_read_only(admin_client: Client) -> None:
    response = admin_client.get("/admin/territoire/commune/", {"q": "Mauriac"})
    body = _text(response)
    assert response.status_code == 200
    assert "Back-office" in _text(admin_client.get("/admin/"))
    assert "Mauriac" in body and "Ajouter commune" not in body


def test_commune_positions_are_read_in_one_query_and_kept_a_while(
    settings, django_assert_num_queries, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from solidarite.territoire import search
    from solidarite.territoire.models import Commune

    settings.SOLIDARITE_COMMUNES_TTL_S = 600.0
    clock = [1000.0]
    monkeypatch.setattr(search.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(search, "_positions", search._Positions())
    with django_assert_num_queries(1):  # every commune at once
        mauriac = search.position("15120")
    assert mauriac is not None and 45.1 < float(mauriac[0] or 0) < 45.3
    with django_assert_num_queries(0):  # another commune, an unknown code: nothing more to ask
        assert search.position("15187") is not None
        assert search.position("00000") is None
        assert search.position("00000") is None
    Commune.objects.filter(code_insee="15120").update(latitude=46.0)  # straight in the database
    with django_assert_num_queries(0):
        assert search.position("15120") == mauriac
    clock[0] += 601  # ten minutes later: read again
    with django_assert_num_queries(1):
        assert search.position("15120") == (46.0, mauriac[1])


def test_a_territory_not_loaded_yet_is_asked_again(settings, django_assert_num_queries, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from solidarite.territoire import search

    settings.SOLIDARITE_COMMUNES_TTL_S = 600.0
    monkeypatch.setattr(search, "_positions", search._Positions())
    with sans_communes(), django_assert_num_queries(2):
        assert search.position("15120") is None
        assert search.position("15120") is None
    with django_assert_num_queries(1):  # once loaded, kept
        assert search.position("15120") is not None


@pytest.mark.parametrize(
    "typed", ["Mauriac, 15200", "Mauriac 15200", "15200 Mauriac", "Mauriac (15)", "mauriac 15"]
)
def test_a_name_with_its_postcode_or_departement_finds_the_commune(typed: str) -> None:
    """« Mauriac, 15200 » is the search box's own example; it found nothing (two Mauriac: Cantal, Gironde)."""
    from solidarite.territoire.search import search_communes

    outcome = search_communes(typed)
    assert [m.commune.code_insee for m in outcome.matches] == ["15120"], outcome.message


def test_a_name_with_a_code_that_does_not_fit_finds_nothing() -> None:
    from solidarite.territoire.search import search_communes

    outcome = search_communes("Mauriac 75011")
    assert outcome.matches == [] and "Aucune commune ne correspond" in outcome.message
    assert [m.commune.code_insee for m in search_communes("Marseille 13").matches] == ["13213"]  # as before


def test_a_postcode_written_with_a_space_is_a_postcode() -> None:
    from solidarite.territoire.search import search_communes

    outcome = search_communes("15 200")  # found nothing: read as a name
    assert outcome.matches[0].commune.code_insee == "15120" and outcome.query == "15200"
    assert all(m.via == "code postal 15200" for m in outcome.matches)


def _saint_martin_codes() -> set[str]:
    from solidarite.territoire.models import Commune

    return set(Commune.objects.filter(nom="Saint-Martin").values_list("code_insee", flat=True))


@pytest.mark.parametrize("typed", ["Saint-Martin", "st martin", "SAINT MARTIN", "Saint Martin"])
def test_every_commune_of_the_very_name_comes_first_whatever_its_population(typed: str) -> None:
    """Saint-Martin (54), 53 inhabitants, was missing: the 200 most populous matches were ranked, not all."""
    from solidarite.territoire.search import search_communes

    homonyms = _saint_martin_codes()
    assert "54480" in homonyms and len(homonyms) == 5
    outcome = search_communes(typed)
    first = [m.commune.code_insee for m in outcome.matches[: len(homonyms)]]
    assert set(first) == homonyms, first
    assert all(m.commune.nom != "Saint-Martin" for m in outcome.matches[len(homonyms) :])


def test_more_homonyms_than_the_list_holds_are_all_shown(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from solidarite.territoire import search

    monkeypatch.setattr(search, "LIMIT", 3)
    outcome = search.search_communes("Saint-Martin")
    assert {m.commune.code_insee for m in outcome.matches} == _saint_martin_codes()
    assert outcome.cut.startswith(f"5 premières communes sur {outcome.total} : ")


def test_every_commune_of_a_postcode_is_listed(client: Client) -> None:
    """54450 has 30 communes; 20 were shown, and nothing said so."""
    from solidarite.territoire.models import Commune

    for postcode in ("54450", "51300"):  # 51300: the postcode of the most communes, 46
        expected = set(
            Commune.objects.filter(codes_postaux__code=postcode).values_list("code_insee", flat=True)
        )
        response = client.get(SEARCH, {"q": postcode})
        outcome = response.context["outcome"]
        assert {m.commune.code_insee for m in outcome.matches} == expected and len(expected) >= 30
        assert outcome.total == len(expected) and not outcome.cut
        assert "premières communes" not in _text(response)


def _name_matches(norm: str) -> int:
    """The communes whose name, or a former commune's, has a word beginning with `norm`: counted in Python."""
    from solidarite.territoire.models import Commune, CommuneDeleguee

    def starts(name: str) -> bool:
        return name.startswith(norm) or f" {norm}" in name

    own = {pk for pk, name in Commune.objects.values_list("pk", "nom_normalise") if starts(name)}
    former = {
        pk for pk, name in CommuneDeleguee.objects.values_list("commune_id", "nom_normalise") if starts(name)
    }
    return len(own | former)


def test_a_cut_list_says_so_and_how_to_narrow_it(client: Client) -> None:
    total = _name_matches("saint martin")
    for headers in ({}, {"HX-Request": "true"}):
        body = _text(client.get(SEARCH, {"q": "Saint-Martin"}, headers=headers))
        assert (
            f"20 premières communes sur {total} : précisez le nom ou le département (ex. Saint-Martin "
            in body
        )
        body = _text(client.get(SEARCH, {"q": "15"}, headers=headers))  # the start of a postcode
        assert "20 premières communes sur " in body and "saisissez les 5 chiffres du code postal" in body


def test_a_whole_list_says_nothing_of_a_cut(client: Client) -> None:
    for typed in ("Mauriac", "15200", "Saint-Martin 54", "Bâgé-la-Ville"):
        response = client.get(SEARCH, {"q": typed}, headers={"HX-Request": "true"})
        outcome = response.context["outcome"]
        assert outcome.matches and not outcome.cut and outcome.total == len(outcome.matches), typed
        assert "premières communes" not in _text(response)


def test_the_example_of_a_cut_list_finds_what_it_promises() -> None:
    """« précisez … (ex. Saint-Martin 38) »: the example, typed, lists communes of that name in that département."""
    from solidarite.territoire.search import search_communes

    cut = search_communes("Saint-Martin").cut
    example = cut[cut.index("(ex. ") + 5 : cut.index(").")]
    outcome = search_communes(example)
    departement = example.rsplit(" ", 1)[1]
    assert outcome.matches and all(m.commune.departement.code == departement for m in outcome.matches)
    assert all("saint martin" in m.commune.nom_normalise for m in outcome.matches)


@pytest.mark.parametrize(
    "typed", ["sa", "Saint-Martin", "st martin 54", "Bâgé-la-Ville", "54", "54450", "2A004"]
)
def test_a_search_asks_the_database_three_times_at_most(typed: str, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    """Searched at each keystroke: bounded whatever the communes found (a postcode asked once per commune)."""
    from solidarite.territoire.search import search_communes

    with django_assert_max_num_queries(3):
        outcome = search_communes(typed)
        for match in outcome.matches:
            str(match.commune.departement.region) + str(match.commune.epci)
    assert outcome.matches
