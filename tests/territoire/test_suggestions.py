"""« Vouliez-vous dire » : what the commune search proposes when what was typed names no commune (a misspelled
name, a mistyped postcode), on the real territory, with and without htmx, on the commune search and the patient's."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client
from django.urls import reverse

from solidarite.territoire import suggestions
from solidarite.territoire.models import Commune, normalise_nom
from solidarite.territoire.orthographe import letters
from solidarite.territoire.search import search_communes
from tests.territoire.sans_communes import sans_communes

pytestmark = pytest.mark.django_db

SEARCH = reverse("territoire:recherche")
BOOKING = reverse("rdv:recherche")
MAURIAC_CANTAL, MAURIAC_GIRONDE = "15120", "33278"


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.content.decode())


def _proposed(typed: str) -> list[str]:
    return [s.commune.code_insee for s in search_communes(typed).suggestions]


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("mauriak", MAURIAC_CANTAL),  # a letter replaced (the ticket's patient of 80)
        ("Mauirac", MAURIAC_CANTAL),  # two letters swapped
        ("Aurillacc", "15014"),  # a letter doubled
        ("aurilak", "15014"),  # as it sounds
        ("chatoroux", "36044"),  # « eau » written « o »: Châteauroux
        ("st flourr", "15187"),  # « st » spelled out as the search does, then a slip
        ("riom es montagnne", "15162"),
        ("Bourg en Brese", "01053"),
        ("marseile", "13055"),
    ],
)
def test_a_misspelled_name_proposes_the_commune_meant_first(typed: str, meant: str) -> None:
    outcome = search_communes(typed)
    assert outcome.matches == [] and outcome.total == 0
    assert _proposed(typed)[0] == meant, _proposed(typed)
    assert outcome.message == f"Aucune commune ne correspond à « {typed} »."  # the proposals say the rest


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("saint flour", "15187"),
        ("Saint-Flour", "15187"),
        ("chateauroux", "36044"),  # no accent: found as it is
        ("st martin", None),  # five Saint-Martin, all first (test_views)
        ("riom es montagne", "15162"),  # the start of Riom-ès-Montagnes
        ("Bourg en bresse", "01053"),
        ("Bourg-en-Bresse", "01053"),
    ],
)
def test_what_the_search_finds_proposes_nothing_more(typed: str, first: str | None) -> None:
    outcome = search_communes(typed)
    assert outcome.matches and not outcome.message
    assert first is None or outcome.matches[0].commune.code_insee == first
    assert outcome.suggestions == [] and outcome.postcode_suggestions == []


def test_homonyms_are_both_proposed_told_apart_by_postcode_and_population() -> None:
    proposed = search_communes("mauriak").suggestions
    assert [s.commune.code_insee for s in proposed] == [MAURIAC_CANTAL, MAURIAC_GIRONDE]  # 3,449 before 230
    assert [(s.postcode, s.commune.departement.code) for s in proposed] == [("15200", "15"), ("33540", "33")]
    assert len(search_communes("Mauirac").suggestions) == 3  # both Mauriac, and Madirac (33): one edit each


@pytest.mark.parametrize(
    ("typed", "first"), [("mauriak 33", MAURIAC_GIRONDE), ("mauriak 15200", MAURIAC_CANTAL)]
)
def test_the_code_typed_beside_a_misspelled_name_puts_its_communes_first(typed: str, first: str) -> None:
    assert _proposed(typed)[0] == first


def test_a_name_typed_with_a_code_it_does_not_have_proposes_the_communes_of_that_name() -> None:
    outcome = search_communes("Mauriac 75011")
    assert outcome.matches == [] and "Aucune commune ne correspond" in outcome.message
    assert _proposed("Mauriac 75011") == [MAURIAC_CANTAL, MAURIAC_GIRONDE]  # not Tauriac nor Gauriac


def test_a_commune_found_by_its_former_name_says_so() -> None:
    [proposed] = search_communes("bage la vile").suggestions
    assert proposed.commune.nom == "Bâgé-Dommartin" and proposed.via == "commune déléguée Bâgé-la-Ville"


def test_a_list_without_the_very_name_typed_adds_the_commune_that_sounds_as_it() -> None:
    """« lion » lists Lion-sur-Mer and its kin (their names start so); the patient may have meant Lyon."""
    outcome = search_communes("lion")
    assert outcome.matches and all(m.commune.nom_normalise.startswith("lion") for m in outcome.matches[:4])
    assert _proposed("lion")[0] == "69123"
    listed = {m.commune.pk for m in outcome.matches}
    assert not listed & {s.commune.pk for s in outcome.suggestions}  # nothing twice
    assert _proposed("Mauriac") == []  # the very name found: nothing more


@pytest.mark.parametrize(
    "typed",
    [
        "mauri",  # halfway through « Mauriac »: not Maury, nor Mory (they sound as it)
        "Mauri",
        "MAURIA",  # not Moriat
        "maur",
        "tou",  # Toulouse, Tours…: not Thou
        "vill",
        "lan",  # Lannion, Lanester…: not Lens
        "san",  # Sannois, Sanary-sur-Mer…: not Sens
        "Saint",  # Saint-Étienne…, and Saintes: not Sens
        "St",
        "st-",
        "Sainte-",
        "st mauri",
        "Saint-Fl",
        "Chât",
        "chateaur",
        "Bourg-en-Br",
        "riom ès",
        "bress",
    ],
)
def test_the_start_of_real_names_proposes_nothing_that_sounds_alike(typed: str) -> None:
    """The patient is still typing: the communes that begin so are listed, and nothing else."""
    outcome = search_communes(typed)
    assert outcome.matches and not outcome.message
    assert outcome.suggestions == [] and outcome.postcode_suggestions == []


def test_no_start_of_a_name_cut_inside_a_word_proposes_anything() -> None:
    """Each name of the Cantal typed letter by letter, as written (accents, hyphens) and with « St » for
    « Saint »: while the cut falls inside a word, nothing that sounds as it is proposed beside the communes listed
    (what the search asks beside a list without the very name typed; nothing listed: `near`, above)."""
    names = list(Commune.objects.filter(departement__code="15").values_list("nom", flat=True))
    assert len(names) > 200
    typed = set()
    for name in names:
        for written in {name, re.sub(r"^Saint(e?)-", r"St\1-", name)}:
            for cut in range(3, len(written)):
                if written[cut - 1].isalpha() and written[cut].isalpha() and letters(written[:cut]) >= 3:
                    typed.add(written[:cut])
    assert len(typed) > 1500
    proposing = {
        t: found for t in sorted(typed) if (found := suggestions.sounding_as(normalise_nom(t), frozenset()))
    }
    assert proposing == {}
    assert suggestions.sounding_as(normalise_nom("Lion"), frozenset())  # a whole word: Lyon may be meant


@pytest.mark.parametrize("typed", ["zzzzzz", "qwxzkv", "xq", "m", "152000"])
def test_nonsense_and_short_queries_get_no_proposal_but_what_to_type(typed: str) -> None:
    outcome = search_communes(typed)
    assert outcome.matches == [] and outcome.suggestions == [] and outcome.postcode_suggestions == []
    if len(typed) >= 2:
        assert outcome.message == (
            f"Aucune commune ne correspond à « {typed} ». Vérifiez l'orthographe du nom de la commune, ou saisissez "
            "son code postal (5 chiffres, par exemple 15200)."
        )
    else:
        assert "Saisissez au moins 2 lettres" in outcome.message


def test_a_mistyped_postcode_proposes_the_postcodes_a_slip_away_swapped_digits_first() -> None:
    """15020 is no postcode: 15200 (two digits swapped) comes first, then codes of the Cantal one digit off.
    15020 is also the INSEE code of Beaulieu (Cantal): still shown, as before, but said to be no postcode."""
    outcome = search_communes("15020")
    codes = [p.code for p in outcome.postcode_suggestions]
    assert codes[0] == "15200" and set(codes[1:]) <= {"15000", "15120", "15220", "15320", "15002"}
    first = outcome.postcode_suggestions[0]
    assert (first.largest, first.communes) == ("Mauriac", 8)
    assert [(m.commune.nom, m.via) for m in outcome.matches] == [("Beaulieu", "code INSEE 15020")]
    assert "Aucune commune n'a le code postal 15020" in outcome.message
    assert all(
        search_communes(code).matches for code in codes
    )  # each proposal is a postcode that lists communes


def test_a_postcode_with_no_slip_near_says_what_to_do() -> None:
    outcome = search_communes("99999")
    assert outcome.postcode_suggestions == [] and outcome.matches == []
    assert (
        outcome.message
        == "Aucune commune ne correspond au code postal 99999. Vérifiez le code, ou cherchez par nom."
    )


def test_a_whole_postcode_that_exists_proposes_nothing() -> None:
    outcome = search_communes("15200")
    assert outcome.matches and outcome.postcode_suggestions == [] and outcome.suggestions == []


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}])
def test_the_commune_search_page_links_each_proposal(client: Client, headers: dict[str, str]) -> None:
    """Without JavaScript (the whole page) as with htmx (the list alone): links to the commune pages."""
    body = _text(client.get(SEARCH, {"q": "mauriak"}, headers=headers))
    assert "Vouliez-vous dire :" in body and "Aucune commune ne correspond à « mauriak »." in body
    for code, label, where in (
        (MAURIAC_CANTAL, "Mauriac (15200)", "Cantal (15), 3\xa0449 habitants"),
        (MAURIAC_GIRONDE, "Mauriac (33540)", "Gironde (33), 230 habitants"),
    ):
        assert f'href="{reverse("territoire:commune", args=[code])}">{label}</a>' in body
        assert where in body
    body = _text(client.get(SEARCH, {"q": "15020"}, headers=headers))
    assert "Vouliez-vous dire le code postal :" in body
    assert f'href="{SEARCH}?q=15200">15200</a>' in body and "Mauriac et 7 autres communes" in body


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}])
def test_the_patient_search_leads_from_a_proposal_to_the_lieux_near_it(
    client: Client, headers: dict[str, str]
) -> None:
    body = _text(client.get(BOOKING, {"q": "mauriak"}, headers=headers))
    assert f'href="{BOOKING}?commune={MAURIAC_CANTAL}">Mauriac (15200)</a>' in body
    assert f'href="{BOOKING}?commune={MAURIAC_GIRONDE}">Mauriac (33540)</a>' in body
    page = client.get(BOOKING, {"commune": MAURIAC_CANTAL})
    assert page.status_code == 200 and "Près de Mauriac (15)" in _text(page)


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}])
@pytest.mark.parametrize("page", [SEARCH, BOOKING])
def test_halfway_through_a_name_the_pages_list_the_communes_and_propose_nothing(
    client: Client, page: str, headers: dict[str, str]
) -> None:
    """« mauri » on the way to « Mauriac », on the commune search and the patient's, with htmx and without."""
    body = _text(client.get(page, {"q": "mauri"}, headers=headers))
    assert "Mauriac" in body and "Maurines" in body
    assert "Vouliez-vous dire" not in body and "Maury" not in body
    body = _text(client.get(page, {"q": "mauriak"}, headers=headers))  # one letter more, and a slip
    assert "Vouliez-vous dire :" in body and "Mauriac (15200)" in body


def test_the_patient_who_types_an_insee_code_for_a_postcode_chooses(client: Client) -> None:
    """« 15020 » took the patient straight to Beaulieu (its INSEE code); 15200 mistyped is likelier: both shown."""
    body = _text(client.get(BOOKING, {"q": "15020"}))
    assert "Près de Beaulieu" not in body
    assert f'href="{BOOKING}?commune=15020">Beaulieu (15)</a>' in body
    assert f'href="{BOOKING}?q=15200">15200</a>' in body
    assert "Près de Mauriac (15)" in _text(client.get(BOOKING, {"q": "Mauriac 15"}))  # one commune: as before


def test_a_proposal_costs_one_query_once_the_names_are_kept(settings, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    """Searched at each keystroke: the name search (one query when it finds nothing), then the communes proposed."""
    settings.SOLIDARITE_ORTHOGRAPHE_TTL_S = 600.0
    search_communes("mauriak")  # the names read, if no test of this process has read them yet
    with django_assert_num_queries(2):
        outcome = search_communes("mauriak")
        for s in outcome.suggestions:
            str(s.commune.departement.region) + str(s.commune.epci)
    with django_assert_num_queries(3):  # with a département: the name search, the name in it, the proposals
        assert search_communes("mauriak 15").suggestions
    with django_assert_num_queries(1):  # nonsense: the name search alone
        search_communes("zzzzzz")


def test_the_names_are_kept_then_read_again(settings, django_assert_num_queries, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    settings.SOLIDARITE_ORTHOGRAPHE_TTL_S = 600.0
    clock = [1000.0]
    monkeypatch.setattr(suggestions.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(suggestions, "_territory", suggestions._Territory())
    with django_assert_num_queries(3 + 1):  # communes, former communes, postcodes; then the communes proposed
        assert suggestions.suggest_communes("mauriak")
    with django_assert_num_queries(1):
        assert suggestions.suggest_communes("aurilak")
    with django_assert_num_queries(0):
        assert suggestions.suggest_postcodes("15020")
    clock[0] += 601  # ten minutes later: read again
    with django_assert_num_queries(3):
        assert suggestions.suggest_postcodes("15020")
    suggestions.forget()  # load_territoire in this process
    with django_assert_num_queries(3):
        assert suggestions.suggest_postcodes("15020")


def test_names_read_before_the_territory_is_loaded_are_not_kept(
    settings, django_assert_num_queries, monkeypatch
) -> None:  # type: ignore[no-untyped-def]

    settings.SOLIDARITE_ORTHOGRAPHE_TTL_S = 600.0
    monkeypatch.setattr(suggestions, "_territory", suggestions._Territory())
    with sans_communes(), django_assert_num_queries(3 * 2):  # asked at each search, none of them kept
        assert suggestions.suggest_communes("mauriak") == []
        assert suggestions.suggest_postcodes("15020") == []
    with django_assert_num_queries(3 + 1):  # once loaded, read and kept
        assert suggestions.suggest_communes("mauriak")
    with django_assert_num_queries(1):
        assert suggestions.suggest_communes("mauriak")
