"""The ARS additions modelled on top of a computed zonage (ADR 0016, révision de la nuit)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from solidarite.zonage.ajouts import ajouts_modeles, cibles
from solidarite.zonage.faits import FaitDepartement, FaitGroupe, FaitRegion, Faits
from solidarite.zonage.score import EpciScore
from solidarite.zonage.sources import load_faits
from tests.zonage.test_faits import REGIONS

# No database, in this process or in a command it runs: once, in the SQLite pass (.ci/run).
pytestmark = pytest.mark.sans_base


def _scores(spec: list[tuple[str, bool, str]]) -> list[EpciScore]:
    """EPCI in rank order: (region, retained, département)."""
    return [
        EpciScore(
            siren=f"2000000{k:02d}",
            population=10_000,
            criteres={},
            score=100.0 - k,
            rang=k + 1,
            selectionnee=chosen,
            region=region,
            rang_region=1 + sum(1 for r, _, _ in spec[:k] if r == region),
            ecart_seuil=-1.5 * k if not chosen else 1.0,
        )
        for k, (region, chosen, _) in enumerate(spec)
    ]


def _faits(zones: int) -> Faits:
    return Faits(
        version=1,
        date=dt.date(2025, 10, 31),
        zones=zones,
        population=1,
        densite=67.0,
        metropole=zones,
        outre_mer=0,
        zones_calculees=2,
        source="test",
        regions=(
            FaitRegion("11", "Île-de-France", 0, "test"),
            FaitRegion("75", "Nouvelle-Aquitaine", 3, "test", departements_sans_zone=("17",)),
            FaitRegion("76", "Occitanie", 1, "test"),
        ),
        groupes=(FaitGroupe("Centre et Bourgogne", ("24", "27"), 2, "test"),),
    )


SPEC = [
    ("75", True, "87"),  # 1
    ("76", True, "46"),  # 2
    ("11", False, "77"),  # 3: Île-de-France, never added
    ("75", False, "17"),  # 4: a département published without a zone
    ("76", False, "12"),  # 5: Occitanie already has its count
    ("24", False, "18"),  # 6
    ("75", False, "23"),  # 7
    ("27", False, "58"),  # 8
    ("75", False, "24"),  # 9
    ("75", False, "19"),  # 10: beyond Nouvelle-Aquitaine's gap of 2
]
DEPARTEMENTS = {f"2000000{k:02d}": (dep,) for k, (_, _, dep) in enumerate(SPEC)}


def _departements(spec: list[tuple[str, bool, str]]) -> dict[str, tuple[str, ...]]:
    return {f"2000000{k:02d}": (dep,) for k, (_, _, dep) in enumerate(spec)}


def _faits_departement(code: str, zones: int) -> Faits:
    """`_faits(zones=6)` with one Nouvelle-Aquitaine département published with `zones` zones."""
    faits = _faits(zones=6)
    region = dataclasses.replace(faits.regions[1], departements=(FaitDepartement(code, zones, "presse"),))
    return dataclasses.replace(faits, regions=(faits.regions[0], region, faits.regions[2]))


def test_additions_fill_the_published_gaps_with_the_next_ranked_epci() -> None:
    ajouts = ajouts_modeles(_scores(SPEC), DEPARTEMENTS, _faits(zones=6))
    # 4 places (6 published − 2 computed); gaps: Nouvelle-Aquitaine 2, the group 2 → ranks 6, 7, 8, 9
    assert [a.rang for a in ajouts] == [6, 7, 8, 9]
    assert [a.cible for a in ajouts] == [
        "Centre et Bourgogne",
        "Nouvelle-Aquitaine",
        "Centre et Bourgogne",
        "Nouvelle-Aquitaine",
    ]
    assert ajouts[1].motif.startswith("Ajout des ARS modélisé (non saisi) pour Nouvelle-Aquitaine")
    assert "rang 7, rang 3 dans sa région, 9,0 point(s) de score sous le seuil" in ajouts[1].motif
    voted = ajouts_modeles(_scores(SPEC), DEPARTEMENTS, _faits(zones=6), vote=True)
    assert "9,0 point(s) de part du vote sous le seuil" in voted[1].motif  # a vote's share, said so


def test_fewer_places_than_gaps_go_to_the_best_ranked_and_none_is_invented() -> None:
    # one place: Nouvelle-Aquitaine's published count (rank 7) before the group's approximate one (rank 6)
    assert [a.rang for a in ajouts_modeles(_scores(SPEC), DEPARTEMENTS, _faits(zones=3))] == [7]
    # two places: both go to Nouvelle-Aquitaine's gap of 2, the group's « environ » takes none
    assert [a.rang for a in ajouts_modeles(_scores(SPEC), DEPARTEMENTS, _faits(zones=4))] == [7, 9]
    # an exact group (approximatif = false) competes on rank, like a region
    exact = dataclasses.replace(
        _faits(zones=3), groupes=(FaitGroupe("Centre et Bourgogne", ("24", "27"), 2, "t", False),)
    )
    assert [a.rang for a in ajouts_modeles(_scores(SPEC), DEPARTEMENTS, exact)] == [6]
    # no gap left (every count met) → nothing added even with places to spare
    met = [(r, True, d) for r, _, d in SPEC[:2]] + [("75", True, "23"), ("75", True, "24")]
    met += [("24", True, "18"), ("27", True, "58"), ("24", False, "36")]
    assert ajouts_modeles(_scores(met), {}, _faits(zones=10)) == []


def test_the_2025_targets_split_the_overseas_by_territory() -> None:
    faits = load_faits(REGIONS)
    by_label = {c.libelle: (sorted(c.regions), c.publie) for c in cibles(faits)}
    assert by_label["Mayotte"] == (["06"], 5) and by_label["Guyane"] == (["03"], 2)
    # v4: La Réunion has its own published zone; Martinique is what is left, with none
    assert by_label["La Réunion"] == (["04"], 1)
    assert by_label["les autres territoires d'outre-mer"] == (["02"], 0)
    assert "Île-de-France" not in by_label and by_label["Normandie"] == (["28"], 7)
    # Auvergne-Rhône-Alpes' 17 is the computed pre-list: no ARS addition fills a gap there
    assert "Auvergne-Rhône-Alpes" not in by_label and sum(p for _, p in by_label.values()) == 151 - 17


def test_a_pre_list_count_gets_no_modelled_addition() -> None:
    """Nouvelle-Aquitaine's count made a computed pre-list count: its gap is the computation's, not the
    ARS's, so only the group is filled."""
    faits = _faits(zones=6)
    pre = dataclasses.replace(faits.regions[1], pre_liste=True)
    faits = dataclasses.replace(faits, regions=(faits.regions[0], pre, faits.regions[2]))
    ajouts = ajouts_modeles(_scores(SPEC), DEPARTEMENTS, faits)
    assert [a.rang for a in ajouts] == [6, 8]
    assert {a.cible for a in ajouts} == {"Centre et Bourgogne"}


def test_a_departement_already_at_its_published_count_gets_no_modelled_addition() -> None:
    """Gironde (33) published with one zone, which the computation already holds (rank 1 is in 87: moved to
    33 here): Nouvelle-Aquitaine's next candidates in Gironde are skipped, the next ones elsewhere taken."""
    spec = [("75", True, "33"), *SPEC[1:6], ("75", False, "33"), *SPEC[7:]]
    departements = _departements(spec)
    faits = _faits_departement("33", 1)
    ajouts = ajouts_modeles(_scores(spec), departements, faits)
    # without the count, rank 7 (Gironde) would be added; with it, Nouvelle-Aquitaine takes 9 and 10
    assert [a.rang for a in ajouts] == [6, 8, 9, 10]
    assert [a.rang for a in ajouts_modeles(_scores(spec), departements, _faits(zones=6))] == [6, 7, 8, 9]


def test_a_departement_takes_additions_up_to_the_room_its_published_count_leaves() -> None:
    """Creuse (23) published with two zones, one computed (rank 1): of the next two Nouvelle-Aquitaine
    candidates in Creuse (ranks 7 and 9), only the first is added; the gap goes on to rank 10, elsewhere.
    Before, both were added and the final list held three zones in a département published with two."""
    spec = [("75", True, "23"), *SPEC[1:8], ("75", False, "23"), *SPEC[9:]]
    departements = _departements(spec)
    faits = _faits_departement("23", 2)
    ajouts = ajouts_modeles(_scores(spec), departements, faits)
    assert [a.rang for a in ajouts] == [6, 7, 8, 10]
    in_creuse = [a for a in ajouts if "23" in departements[a.siren]]
    assert len(in_creuse) == 1  # 1 computed + 1 added = the 2 published
    # without the count, ranks 7 and 9 (both in Creuse) fill Nouvelle-Aquitaine's gap of 2
    assert [a.rang for a in ajouts_modeles(_scores(spec), departements, _faits(zones=6))] == [6, 7, 8, 9]


def test_an_epci_over_two_departements_needs_room_in_each() -> None:
    """Creuse (23) published with two zones, one computed: the first Creuse candidate (rank 7) fills it partway
    through the pass, so the next one, over Corrèze and Creuse (rank 9), is skipped and rank 10 taken."""
    spec = [("75", True, "23"), *SPEC[1:6], ("75", False, "23"), SPEC[7], ("75", False, "19"), *SPEC[9:]]
    departements = _departements(spec)
    departements["200000008"] = ("19", "23")
    faits = _faits_departement("23", 2)
    assert [a.rang for a in ajouts_modeles(_scores(spec), departements, faits)] == [6, 7, 8, 10]
    # the same EPCI within Corrèze alone is taken
    departements["200000008"] = ("19",)
    assert [a.rang for a in ajouts_modeles(_scores(spec), departements, faits)] == [6, 7, 8, 9]


def test_two_overseas_remainders_keep_their_own_counts() -> None:
    """Two overseas groups, Guadeloupe counted on its own: each group's remainder is its own count, though both
    are labelled « les autres territoires d'outre-mer » (the review of 7 December: merged by their label, the
    Antilles' remainder of 1 was overwritten by the other's 4, and Martinique got 3 additions)."""
    scores = _scores([("75", True, "87"), *[("02", False, "972")] * 3, *[("03", False, "973")] * 2])
    faits = Faits(
        version=1,
        date=dt.date(2025, 1, 1),
        zones=10,
        population=1,
        densite=1.0,
        metropole=1,
        outre_mer=9,
        zones_calculees=1,
        source="test",
        regions=(FaitRegion("75", "Nouvelle-Aquitaine", 1, "test"),),
        groupes=(
            FaitGroupe("Antilles", ("01", "02"), 2, "test"),
            FaitGroupe("Océans", ("03", "04", "06"), 4, "test"),
        ),
        outre_mer_territoires={"01": 1},
    )
    ajouts = ajouts_modeles(scores, {}, faits)
    assert [a.rang for a in ajouts] == [2, 5, 6]  # Martinique 1 (2 − Guadeloupe's 1), then Guyane 2 (of 4)


def test_a_departement_gap_is_filled_before_the_rest_of_its_region() -> None:
    """Corrèze (19) published with one zone, none computed: of Nouvelle-Aquitaine's two places, the first goes
    to the Corrèze candidate (rank 10) though ranks 7 and 9 come before it; the second to rank 7 (ADR 0030)."""
    faits = dataclasses.replace(_faits_departement("19", 1), zones=4)
    assert [a.rang for a in ajouts_modeles(_scores(SPEC), DEPARTEMENTS, faits)] == [7, 10]
    # without the count, the best-ranked of the region
    assert [a.rang for a in ajouts_modeles(_scores(SPEC), DEPARTEMENTS, _faits(zones=4))] == [7, 9]
    # a département gap in an approximate count (a group) waits for the exact counts, as before
    groupe = dataclasses.replace(faits.groupes[0], departements=(FaitDepartement("58", 1, "presse"),))
    faits = dataclasses.replace(faits, groupes=(groupe,))
    assert [a.rang for a in ajouts_modeles(_scores(SPEC), DEPARTEMENTS, faits)] == [7, 10]
