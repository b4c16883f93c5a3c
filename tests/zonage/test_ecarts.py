"""Recall and precision against an official list, whole or partial (zonage/ecarts.py, pure)."""

from __future__ import annotations

import datetime as dt

from solidarite.zonage.ecarts import liste_partielle, perimetre_texte, rappel
from solidarite.zonage.faits import Faits

REGIONS = {"a1": {"75"}, "a2": {"75"}, "b1": {"76"}, "b2": {"76"}, "c1": {"28"}, "ab": {"75", "76"}}


def _faits(zones: int) -> Faits:
    """Published facts reduced to what judges a list: the total of zones."""
    return Faits(1, dt.date(2025, 10, 31), zones, 1, 67.0, zones, 0, zones, "test", (), ())


def test_a_list_is_partial_below_the_published_total_whatever_the_computation_retains() -> None:
    # 2025: 151 zones published, about 140 computed. A list of 140 to 150 is not the official list of 151.
    faits = _faits(151)
    assert [n for n in (29, 140, 145, 150, 151, 152) if liste_partielle(n, faits)] == [29, 140, 145, 150]


def test_a_whole_list_counts_every_computed_zone() -> None:
    r = rappel({"a1", "b1", "c1"}, {"a1", "b2", "c1"}, REGIONS, _faits(3))
    assert (r.trouvees, r.officielles, r.calculees, r.perimetre) == (2, 3, 3, ())
    assert r.en_trop == ["b1"] and r.manquees == ["b2"]


def test_a_partial_list_is_judged_on_the_regions_it_names() -> None:
    # Two EPCI of region 75 for 5 zones published: the zones of 76 and 28 are neither right nor wrong…
    r = rappel({"a1", "b1", "c1", "ab"}, {"a1", "a2"}, REGIONS, _faits(5))
    assert r.perimetre == ("75",)
    # …but an EPCI that spans 75 and 76 is in 75: a computed zone the list leaves out.
    assert (r.trouvees, r.calculees, r.en_trop, r.manquees) == (1, 2, ["ab"], ["a2"])
    assert r.rappel == 0.5 and r.precision == 0.5
    # Partial though it names as many EPCI as were computed (4): the published total (5) judges it.
    assert rappel({"a1", "b1", "c1", "ab"}, {"a1", "a2", "b1", "c1"}, REGIONS, _faits(5)).perimetre != ()
    # Without the regions, as before: every computed zone counts.
    assert rappel({"a1", "b1", "c1", "ab"}, {"a1", "a2"}).calculees == 4


def test_the_partial_list_says_what_precision_counts() -> None:
    text = perimetre_texte(2, _faits(151), ("76", "75"), {"75": "Nouvelle-Aquitaine", "76": "Occitanie"})
    assert text == (
        "Liste partielle (2 EPCI pour 151 zones publiées) : la précision ne compte que les zones calculées des "
        "régions qu'elle nomme (Nouvelle-Aquitaine, Occitanie) ; ailleurs, la liste ne dit ni oui ni non."
    )
