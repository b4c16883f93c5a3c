"""The published facts file and the loss (pure): every bad input named in French, the loss on small cases."""

from __future__ import annotations

import dataclasses
import tomllib
from typing import Any

import pytest

from solidarite.zonage.faits import (
    FaitsError,
    Observation,
    fidelite,
    parse_faits,
    perte,
)
from solidarite.zonage.sources import DEFAULT_FAITS_FILE, load_faits

REGIONS = {
    "01": "Guadeloupe",
    "02": "Martinique",
    "03": "Guyane",
    "04": "La Réunion",
    "06": "Mayotte",
    "11": "Île-de-France",
    "24": "Centre-Val de Loire",
    "27": "Bourgogne-Franche-Comté",
    "28": "Normandie",
    "32": "Hauts-de-France",
    "44": "Grand Est",
    "52": "Pays de la Loire",
    "53": "Bretagne",
    "75": "Nouvelle-Aquitaine",
    "76": "Occitanie",
    "84": "Auvergne-Rhône-Alpes",
    "93": "Provence-Alpes-Côte d'Azur",
    "94": "Corse",
}


def _data() -> dict[str, Any]:
    return tomllib.loads(DEFAULT_FAITS_FILE.read_text(encoding="utf-8"))


def test_the_2025_facts_are_sourced_dated_and_add_up() -> None:
    faits = load_faits(REGIONS)
    assert (faits.zones, faits.population, faits.zones_calculees) == (151, 2_539_784, 141)
    counts = {r.code: r.zones for r in faits.regions}
    assert counts == {"11": 0, "75": 29, "76": 28, "84": 17, "44": 10, "28": 7, "93": 5, "32": 4, "53": 2}
    assert sum(counts.values()) + sum(g.zones for g in faits.groupes) == 151
    assert all(r.source for r in faits.regions) and faits.date.year == 2025
    assert faits.region("75") is not None and faits.region("75").departements_sans_zone == ("17", "33", "64")  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["region"][1].update(code="99"), "code de région inconnu '99'"),
        (lambda d: d["groupe"][0]["regions"].append("XX"), "code de région inconnu 'XX'"),
        (lambda d: d["region"][2].update(zones=-3), "zones est négatif"),
        (lambda d: d["region"][1].update(zones=60), "totalisent 182 zones, plus que le total national"),
        (lambda d: d["national"].update(outre_mer=20), "dépassent le total national"),
        (lambda d: d["region"][1].pop("source"), "source doit être un texte non vide"),
        (lambda d: d["region"].append(dict(d["region"][1])), "figure deux fois"),
        (lambda d: d["national"].update(densite="dense"), "densite doit être un nombre positif"),
        (lambda d: d.pop("national"), r"section \[national\] absente"),
    ],
)
def test_bad_facts_are_refused_with_a_french_message(change: Any, message: str) -> None:
    data = _data()
    change(data)
    with pytest.raises(FaitsError, match=message):
        parse_faits(data, REGIONS, "faits.toml")


def _obs(
    par_region: dict[str, int], population: int = 1_500_000, surface: float = 1_500_000 / 67
) -> Observation:
    return Observation(
        zones=sum(par_region.values()),
        population=population,
        surface_km2=surface,
        outre_mer=sum(n for c, n in par_region.items() if c in {"01", "02", "03", "04", "06"}),
        par_region=par_region,
        densite_moyenne_epci=population / surface,
    )


def test_the_published_density_is_read_as_the_mean_of_the_epci_densities() -> None:
    faits = load_faits(REGIONS)
    assert faits.densite_mesure == "moyenne_epci"  # v2: see the facts file and ADR 0016
    exact = {r.code: r.zones for r in faits.regions} | {"24": 40, "06": 9}
    obs = dataclasses.replace(
        _obs(exact, population=faits.population, surface=faits.population / faits.densite),
        densite_moyenne_epci=faits.densite / 2,
    )
    assert perte(faits, obs).termes["densite"] == pytest.approx(5.0)  # 10 × 50 % off, whatever the aggregate


def test_a_zonage_matching_every_fact_has_zero_loss() -> None:
    faits = load_faits(REGIONS)
    exact = {r.code: r.zones for r in faits.regions} | {"24": 10, "27": 10, "52": 10, "94": 10, "06": 9}
    obs = _obs(exact, population=faits.population, surface=faits.population / faits.densite)
    assert perte(faits, obs).total == pytest.approx(0.0)
    obs = dataclasses.replace(obs, population_region={"75": 404_143, "76": 323_497})
    lines = fidelite(faits, obs, REGIONS)
    assert all(line.accord for line in lines), [line for line in lines if not line.accord]
    assert [line.calcule for line in lines if line.libelle == "Zones — Normandie"] == ["7"]
    wrong = dataclasses.replace(obs, departements={"33": 2})
    gironde = next(line for line in fidelite(faits, wrong, REGIONS) if "département 33" in line.libelle)
    assert (gironde.publie, gironde.calcule, gironde.accord) == ("0", "2", False)


def test_each_term_counts_what_the_docstring_says() -> None:
    faits = load_faits(REGIONS)
    exact = {r.code: r.zones for r in faits.regions} | {"24": 40, "06": 9}
    base = dict(population=faits.population, surface=faits.population / faits.densite)
    # Two zones moved from Occitanie to Île-de-France: 2 (Occitanie) + 2 (IdF count) + 5 × 2 (IdF weight).
    moved = dict(exact, **{"76": 26, "11": 2})
    loss = perte(faits, _obs(moved, **base))  # type: ignore[arg-type]
    assert loss.termes["regions"] == 4 and loss.termes["ile_de_france"] == 10
    # Left out for cross-validation, Île-de-France counts nothing and Occitanie's gap only is left.
    left_out = perte(faits, _obs(moved, **base), exclure=frozenset({"11"}))  # type: ignore[arg-type]
    assert left_out.termes["regions"] == 2 and left_out.termes["ile_de_france"] == 0
    # 141 computed: a shortfall of up to 10 zones is what the ARS may add, not an error.
    short = dict(exact, **{"75": 24, "76": 23})
    assert sum(short.values()) == 141
    pop = faits.population * 141 // 151
    assert perte(faits, _obs(short, population=pop, surface=pop / faits.densite)).termes["regions"] == 0
    # …but with 151 computed there is nothing left for the ARS: both shortfalls and the surplus count.
    assert perte(faits, _obs(dict(short, **{"53": 12}), population=pop)).termes["regions"] == 20
    # Group counts are approximate: half weight.
    assert perte(faits, _obs(dict(exact, **{"24": 44}), **base)).termes["groupes"] == 2  # type: ignore[arg-type]
    # Population and density are relative gaps.
    assert perte(
        faits, _obs(exact, population=faits.population * 2, surface=faits.population * 2 / 67)
    ).termes["population"] == pytest.approx(20.0)


def test_the_ars_credit_is_capped_at_the_published_additions() -> None:
    faits = load_faits(REGIONS)
    exact = {r.code: r.zones for r in faits.regions} | {"24": 40, "06": 9}
    pop = faits.population * 136 // 151
    # 136 computed (a rule by population may pick fewer than 141): only the 10 published additions count.
    short = dict(exact, **{"75": 19, "76": 23})
    assert sum(short.values()) == 136
    loss = perte(faits, _obs(short, population=pop, surface=pop / faits.densite))
    assert loss.termes["regions"] == 15 - 10
