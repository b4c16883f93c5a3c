"""The APL engine: DREES's parameters, closed forms, properties, PySAL `access`, DREES's own APL."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import spearmanr

from solidarite.zonage.apl import AplEngine, AplParameters, standardised_population
from solidarite.zonage.reconstruction import NationalInstance, build_national_instance, golden_check
from solidarite.zonage.sources import read_apl_parameters
from tests.conftest import DATA_DIR
from tests.zonage.access_reference import access_e2sfca

# No database, in this process or in a command it runs: once, in the SQLite pass (.ci/run).
pytestmark = pytest.mark.sans_base


@pytest.fixture(scope="module")
def params() -> AplParameters:
    return read_apl_parameters(DATA_DIR, 2023)


@pytest.fixture(scope="module")
def national(params: AplParameters) -> NationalInstance:
    return build_national_instance(DATA_DIR)


def _engine(
    n: int, pairs: list[tuple[int, int, float]], demand: list[float], params: AplParameters
) -> AplEngine:
    o, d, m = (np.array(column) for column in zip(*pairs, strict=True))
    return AplEngine(n, o, d, m, np.array(demand, dtype=float), params)


def test_parameters_are_drees_own(params: AplParameters) -> None:
    assert [(b.upper_minutes, round(b.weight, 4)) for b in params.bands] == [
        (10, 1.0),
        (15, 0.6667),
        (20, 0.3333),
        (float("inf"), 0.0),
    ]
    assert params.max_minutes == 20
    times = np.array([0, 10, 10.001, 15, 15.5, 20, 20.001, 90], dtype=np.float32)
    np.testing.assert_allclose(params.decay(times), [1, 1, 2 / 3, 2 / 3, 1 / 3, 1 / 3, 0, 0], rtol=1e-15)
    acts = np.array([100, 250, 251, 3000, 3600, 3601, 5000, 6000, 9000])
    assert params.counted_activity(acts).tolist() == [0, 0, 3600, 3600, 3600, 3601, 5000, 6000, 6000]
    assert len(params.age_weights) == 19 and params.age_weights[0] == ("Moins de 5 ans", 1.12)
    assert read_apl_parameters(DATA_DIR, 2022).age_weights[0] == ("Moins de 5 ans", 0.93)


def test_standardised_population_uses_the_age_weights(params: AplParameters) -> None:
    one_per_band = np.ones((1, 19))
    assert standardised_population(one_per_band, params)[0] == pytest.approx(
        sum(w for _, w in params.age_weights)
    )
    with pytest.raises(ValueError):
        standardised_population(np.ones((1, 3)), params)


def test_one_supply_one_demand(params: AplParameters) -> None:
    # 100 standardised inhabitants in commune 0, 500 consultations in commune 1, 5 minutes apart.
    engine = _engine(2, [(0, 0, 0), (1, 1, 0), (0, 1, 5), (1, 0, 5)], [100, 0], params)
    np.testing.assert_allclose(engine.compute(np.array([0.0, 500.0])), [5.0, 5.0])


def test_distance_decay_in_closed_form(params: AplParameters) -> None:
    # Demand 100 at 5 min (weight 1) and 300 at 12 min (weight 2/3) from 600 consultations:
    # R = 600 / (100 + 2/3·300) = 2 ; APL = 2 at 5 min, 2/3·2 at 12 min; 18 min weighs 1/3; 25 min nothing.
    pairs = [(0, 2, 5.0), (1, 2, 12.0), (3, 2, 18.0), (4, 2, 25.0)]
    engine = _engine(5, pairs, [100, 300, 0, 0, 1000], params)
    np.testing.assert_allclose(engine.compute(np.array([0, 0, 600.0, 0, 0])), [2.0, 4 / 3, 0.0, 2 / 3, 0.0])


def test_catchment_covering_everything_gives_total_supply_over_total_demand(params: AplParameters) -> None:
    rng = np.random.default_rng(7)
    n = 30
    pairs = [(i, j, float(rng.uniform(0, 10))) for i in range(n) for j in range(n)]
    demand = rng.uniform(10, 1000, n)
    supply = rng.uniform(0, 5000, n)
    engine = _engine(n, pairs, list(demand), params)
    np.testing.assert_allclose(engine.compute(supply), supply.sum() / demand.sum(), rtol=1e-12)


def test_monotone_in_supply_and_demand_and_linear(params: AplParameters) -> None:
    rng = np.random.default_rng(11)
    n = 60
    pairs = [(i, j, float(rng.uniform(0, 25))) for i in range(n) for j in range(n) if rng.random() < 0.3]
    pairs += [(i, i, 0.0) for i in range(n)]
    demand = rng.uniform(10, 1000, n)
    supply = rng.uniform(0, 5000, n)
    engine = _engine(n, pairs, list(demand), params)
    base = engine.compute(supply)
    more_supply = supply.copy()
    more_supply[5] += 3000
    assert np.all(engine.compute(more_supply) >= base - 1e-12)
    more_demand = demand.copy()
    more_demand[9] *= 3
    assert np.all(_engine(n, pairs, list(more_demand), params).compute(supply) <= base + 1e-12)
    np.testing.assert_allclose(engine.compute(2.5 * supply), 2.5 * base, rtol=1e-12)


def test_what_if_equals_a_full_recomputation(params: AplParameters) -> None:
    rng = np.random.default_rng(3)
    n = 80
    pairs = [(i, j, float(rng.uniform(0, 22))) for i in range(n) for j in range(n) if rng.random() < 0.2]
    engine = _engine(n, pairs, list(rng.uniform(1, 500, n)), params)
    supply = rng.uniform(0, 4000, n)
    base = engine.compute(supply)
    where, extra = np.array([4, 17, 60]), np.array([2 * 25 * 8.0, 1000.0, 500.0])
    changed = supply.copy()
    changed[where] += extra
    np.testing.assert_allclose(
        engine.what_if(base, where, extra), engine.compute(changed), rtol=1e-12, atol=1e-15
    )


def test_bad_inputs_are_refused(params: AplParameters) -> None:
    engine = _engine(2, [(0, 0, 0.0), (1, 1, 0.0)], [1, 1], params)
    with pytest.raises(ValueError, match="positive"):
        engine.compute(np.array([-1.0, 0.0]))
    with pytest.raises(ValueError, match="2 valeurs"):
        engine.compute(np.array([1.0]))
    with pytest.raises(ValueError, match="hors limites"):
        engine.what_if_delta(np.array([5]), np.array([1.0]))
    with pytest.raises(ValueError):
        AplEngine(2, np.array([0]), np.array([0]), np.array([0.0]), np.array([-5.0, 1.0]), params)


def test_equals_pysal_access_on_real_communes(national: NationalInstance) -> None:
    # Cantal, Corrèze and Lot: a few hundred real communes, real standardised populations, rebuilt supply.
    keep = np.array([code[:2] in {"15", "19", "46"} for code in national.codes])
    local = -np.ones(national.n, dtype=np.int64)
    local[keep] = np.arange(keep.sum())
    p = national.pairs
    inside = keep[p.origins] & keep[p.destinations]
    o, d, m = local[p.origins[inside]], local[p.destinations[inside]], p.minutes[inside]
    n = int(keep.sum())
    demand, supply = national.demand[keep], national.calibrated_supply()[keep]
    assert 500 < n < 1000
    ours = AplEngine(n, o, d, m, demand, national.params).compute(supply)
    reference = access_e2sfca(n, o, d, m, demand, supply, national.params)
    np.testing.assert_allclose(ours, reference, rtol=1e-9, atol=1e-12)


def _departement(code: str) -> str:
    return code[:3] if code.startswith("97") else code[:2]


def _bottom_decile(values: np.ndarray) -> np.ndarray:
    return values <= np.quantile(values, 0.1)


def test_ranks_communes_like_drees_within_each_departement(national: NationalInstance) -> None:
    """What calibration cannot force: it multiplies every GP by one national activity, which moves no rank.

    So the national mean (equal to DREES's by construction) is not asserted; the order of communes is. Measured
    on the 2023 data (100 départements of 20 communes or more, 34 887 communes): within-département Spearman
    median 0.51, 91 % of départements above 0.3, lowest 0.03 (Val-de-Marne, 47 communes); the same ranks
    shuffled within each département give a median of -0.01. The bottom deciles: 31 % of DREES's bottom decile
    is in ours (10 % by chance), nationally and (median) within départements. Thresholds sit below those
    figures by about the noise of a département's few hundred communes.
    """
    check = golden_check(national)
    assert check.communes > 34_000
    assert 3000 < check.activity_per_gp < 6000  # a plausible GP year (DREES counts 3 600 to 6 000)
    engine = national.engine()
    ours = engine.compute(national.calibrated_supply(engine))
    known = np.isfinite(national.drees_apl) & (national.demand > 0)
    departements = np.array([_departement(code) for code in national.codes])
    rhos, overlaps = [], []
    for departement in sorted(set(departements[known])):
        inside = known & (departements == departement)
        if inside.sum() < 20:
            continue
        rhos.append(spearmanr(ours[inside], national.drees_apl[inside]).statistic)
        drees_bottom = _bottom_decile(national.drees_apl[inside])
        overlaps.append((_bottom_decile(ours[inside]) & drees_bottom).sum() / drees_bottom.sum())
    rho = np.array(rhos)
    assert len(rho) >= 95
    assert np.median(rho) > 0.45
    assert np.mean(rho > 0.3) > 0.85
    assert rho.min() > -0.1  # no département ranked against DREES
    assert np.median(overlaps) > 0.25
    drees_bottom = _bottom_decile(national.drees_apl[known])
    shared = (_bottom_decile(ours[known]) & drees_bottom).sum() / drees_bottom.sum()
    assert shared > 0.25  # 2.5 times chance
