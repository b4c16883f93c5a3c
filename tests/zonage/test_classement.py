"""The prepared, vectorised scoring (`classement.Classement`, what a what-if on the weights re-scores with) equals
the scoring as it was (`score_reference`): every field of every EPCI, its explanation included, or the same
refusal — on random parameters over a small territory, and on the dated sets with random weights over France."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solidarite.zonage.classement import Classement
from solidarite.zonage.methode import Membre
from solidarite.zonage.score import AGREGATIONS, CRITERES, Bassins, ParamError, ScoreParams
from solidarite.zonage.sources import PARAMS_2025_CALIBRE
from tests.zonage.score_reference import score_epcis as score_reference

pytestmark = pytest.mark.sans_base

Table = dict[str, dict[str, tuple[float | None, str]]]


def _territory() -> tuple[dict[str, Table], dict[str, int], dict[str, str], Bassins]:
    """40 EPCI (9 overseas) with few distinct values (ties), some missing; 12 bassins de vie, some EPCI in none."""
    rng = random.Random(22)
    sirens = [f"2000000{i:02d}" for i in range(40)]
    regions = {
        s: ("01", "03", "06")[i % 3] if i >= 31 else ("75", "84", "11")[i % 3] for i, s in enumerate(sirens)
    }
    tables: dict[str, Table] = {}
    for agregation in AGREGATIONS:
        tables[agregation] = {
            s: {
                c: (None, "secret statistique") if rng.random() < 0.1 else (float(rng.randint(1, 8)), "")
                for c in CRITERES
            }
            for s in sirens
        }
    bassins = [f"B{b:02d}" for b in range(12)]
    raw = {b: {c: float(rng.randint(1, 6)) for c in CRITERES if rng.random() > 0.1} for b in bassins}
    spread = {
        s: {b: float(rng.randint(1, 1000)) for b in rng.sample(bassins, rng.randint(1, 3))}
        for s in sirens[:-3]  # the last three EPCI have no bassin de vie
    }
    populations = {s: rng.randint(1_000, 90_000) for s in sirens}
    return tables, populations, regions, Bassins.build(raw, spread)


TABLES, POPULATIONS, REGIONS, BASSINS = _territory()
PREPARED = Classement(TABLES, POPULATIONS, REGIONS, BASSINS)  # shared by every example: its caches too

poids = st.fixed_dictionaries({c: st.sampled_from([0.0, 0.1, 0.25, 1.0, 2.0]) for c in CRITERES}).filter(
    lambda p: sum(p.values()) > 0
)
choix = {
    "agregation": st.sampled_from(AGREGATIONS),
    "normalisation": st.sampled_from(["rangs", "zscore", "minmax"]),
    "plafond": st.sampled_from([0.0, 1.5, 3.0]),
    "cumul": st.booleans(),
}
membres = st.lists(st.builds(Membre, poids=poids, vote=st.sampled_from([0.2, 0.5, 1.0]), **choix), max_size=3)
outre_mer = st.sampled_from(
    [(0, {}), (3, {}), (4, {"06": 1}), (3, {"01": 0, "03": 1, "06": 2}), (5, {"06": 3})]
)


@st.composite
def params(draw: st.DrawFn) -> ScoreParams:
    allocation, territoires = draw(outre_mer)
    return ScoreParams(
        nom="hasard",
        depuis=dt.date(2025, 6, 27),
        source="",
        poids=draw(poids),
        nombre=draw(st.integers(1, 20)),
        seuil_percentile=draw(st.sampled_from([50.0, 70.0, 80.0, 90.0])),
        regle=draw(st.sampled_from(["nombre", "population"])),
        population=draw(st.integers(10_000, 900_000)),
        quotas=draw(st.sampled_from([{}, {"84": 2}, {"11": 1, "84": 0}])),
        outre_mer=allocation,
        outre_mer_territoires=territoires,
        membres=tuple(draw(membres)),
        **{k: draw(v) for k, v in choix.items()},
    )


def _both(prepared: Classement, params: ScoreParams, bassins: Bassins | None) -> tuple[object, object]:
    """Each path's EPCI (their repr, which reads every field and the explanation) or its refusal."""
    outcomes = []
    for run in (
        lambda: prepared.scores(params),
        lambda: score_reference(
            prepared.tables[params.agregation],
            prepared.populations,
            params,
            prepared.regions,
            bassins,
            {a: prepared.tables[a] for a in params.agregations[1:] if a in prepared.tables},
        ),
    ):
        try:
            outcomes.append([repr(s) for s in run()])
        except ParamError as error:
            outcomes.append(f"ParamError: {error}")
    return outcomes[0], outcomes[1]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params())
def test_the_prepared_scoring_equals_the_reference(params: ScoreParams) -> None:
    fast, reference = _both(PREPARED, params, BASSINS)
    assert fast == reference


def test_the_fields_are_those_of_the_reference_and_a_rescoring_changes_none_of_the_first() -> None:
    params = ScoreParams("essai", dt.date(2025, 6, 27), "", {c: 1.0 for c in CRITERES}, nombre=8)
    first = PREPARED.scores(params)
    kept = [repr(s) for s in first]
    PREPARED.scores(dataclasses.replace(params, poids=dict(params.poids, apl=0.0), seuil_percentile=50.0))
    assert [repr(s) for s in first] == kept  # texts written on read from what the first scoring froze
    assert first == score_reference(TABLES["moyenne"], POPULATIONS, params, REGIONS, BASSINS)
    assert first[0].explication.startswith("Rang 1 sur 40") and "Rang 1 sur 40" in kept[0]


@pytest.fixture(scope="module")
def france() -> Classement:
    from solidarite.zonage.calcul import compute_criteria
    from tests.conftest import DATA_DIR

    return compute_criteria(DATA_DIR, None, None, None, AGREGATIONS).classement()


@pytest.mark.parametrize("version", ["", "_v1", "_v2", "_v3", "_v4", "_v6"])
def test_the_dated_sets_with_random_weights_equal_the_reference_over_france(
    france: Classement, version: str
) -> None:
    from solidarite.zonage.sources import load_params

    params = load_params(PARAMS_2025_CALIBRE.parent / f"zonage_2025_calibre{version}.toml")
    rng = random.Random(version)
    tries = [params]
    for _ in range(2):
        drawn = {c: rng.choice([0.0, rng.random()]) for c in CRITERES} | {"apl": rng.random()}
        tries.append(
            dataclasses.replace(params, poids={c: v / sum(drawn.values()) for c, v in drawn.items()})
        )
    for each in tries:
        fast, reference = _both(france, each, france.bassins)
        assert fast == reference and isinstance(fast, list) and len(fast) == 1255
