"""Kernels of the record phase against their NumPy twins, bit for bit.

The record phase's sums (:mod:`peacesim.kernels.recording`) replaced ``np.bincount``,
``np.add.at`` and one :meth:`~peacesim.world.World.region_sum` call per array; each must give
the bits of the NumPy formula it replaced. The values are drawn over many orders of magnitude
so that adding them in another order would change the rounding (a test checks that it does).
"""

from __future__ import annotations

import numpy as np
import pytest

from peacesim.kernels.recording import (
    add_by_cell_region,
    add_by_cell_region_numpy,
    armed_group_results,
    armed_group_results_numpy,
    communal_results,
    communal_results_numpy,
    grievance_results,
    grievance_results_numpy,
    information_results,
    information_results_numpy,
    justice_results,
    justice_results_numpy,
    militia_results,
    militia_results_numpy,
    region_sums4,
    region_sums4_numpy,
    trust_results,
    trust_results_numpy,
)
from peacesim.results import Metric, Recorder, Weight
from peacesim.world import GeographyParams, World

N_CELLS = 300
N_REGIONS = 7  # region 3 has no cell


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Same dtype, shape and bytes."""
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def _regions(rng) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each cell's region (scrambled, one region empty), and the cells region by region."""
    region = rng.choice([0, 1, 2, 4, 5, 6], size=N_CELLS).astype(np.int32)
    by_region = np.argsort(region, kind="stable").astype(np.int64)
    starts = np.searchsorted(region[by_region], np.arange(N_REGIONS + 1)).astype(np.int64)
    return region, by_region, starts


def _values(rng, dtype) -> np.ndarray:
    """Per-cell values of a dtype; floats spread over twelve orders of magnitude, signed."""
    if dtype is bool:
        return rng.random(N_CELLS) < 0.3
    if np.dtype(dtype).kind == "i":
        return rng.integers(-5, 1000, N_CELLS).astype(dtype)
    x = rng.standard_normal(N_CELLS) * 10.0 ** rng.integers(-6, 6, N_CELLS)
    return x.astype(dtype)


DTYPES = (np.float64, np.int64, bool, np.float32, np.int32)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("count", (1, 2, 3, 4))
@pytest.mark.parametrize("weighted", (False, True))
def test_region_sums4_matches_bincount(seed, count, weighted):
    """Every row has the bits of np.bincount over the cells, plain or times the weight."""
    rng = np.random.default_rng(seed)
    region, by_region, starts = _regions(rng)
    values = [_values(rng, DTYPES[(seed + k) % len(DTYPES)]) for k in range(4)]
    weight = rng.random(N_CELLS) * 1e4 if weighted else None
    got = np.full((4, N_REGIONS), -7.0)
    want = np.full((4, N_REGIONS), -7.0)
    region_sums4(by_region, starts, count, *values, weight, got)
    region_sums4_numpy(region, count, *values, weight, want)
    assert same_bits(got, want)
    assert np.all(got[count:] == -7.0)  # rows past count are left alone
    assert np.all(got[:count, 3] == 0.0)  # the empty region


def test_the_order_of_addition_shows_in_the_bits():
    """Adding the same values in reverse order changes some sum: the tests can fail."""
    rng = np.random.default_rng(11)
    region, by_region, starts = _regions(rng)
    values = _values(rng, np.float64)
    got = np.empty((4, N_REGIONS))
    region_sums4(by_region, starts, 1, values, values, values, values, None, got)
    reverse = np.bincount(region[::-1], weights=values[::-1], minlength=N_REGIONS)
    assert not same_bits(got[0], reverse)


@pytest.fixture(scope="module")
def world() -> World:
    """Mali's world, as the model builds it."""
    return World.build(GeographyParams())


@pytest.mark.parametrize("n", (1, 3, 4, 5, 9))
def test_world_region_sums_are_region_sum_bit_for_bit(world, n):
    """Batched sums equal region_sum of each array, and of each array times the people."""
    rng = np.random.default_rng(n)
    values = []
    for k in range(n):
        dtype = DTYPES[k % len(DTYPES)]
        x = rng.random(world.n_cells) < 0.3 if dtype is bool else \
            (rng.standard_normal(world.n_cells) * 10.0 ** rng.integers(-4, 4, world.n_cells))
        values.append(np.asarray(x).astype(dtype))
    plain = world.region_sums(*values)
    weighted = world.region_sums(*values, weight=world.people)
    assert plain.shape == weighted.shape == (n, world.n_regions)
    for k, v in enumerate(values):
        assert same_bits(plain[k], world.region_sum(v))
        assert same_bits(weighted[k], world.region_sum(v * world.people))


def test_world_region_sums_refuses_a_wrong_length(world):
    """An array that is not one value per cell is refused, not read past its end."""
    with pytest.raises(ValueError, match="one value per cell"):
        world.region_sums(np.ones(world.n_cells), np.ones(world.n_cells - 1))
    with pytest.raises(ValueError, match="weight per cell"):
        world.region_sums(np.ones(world.n_cells), weight=np.ones(3))


@pytest.mark.parametrize("n_actors", (0, 1, 30, 400))
def test_add_by_cell_region_matches_add_at(world, n_actors):
    """Actors' values by their cell's region: the bits of np.add.at, any dtype."""
    rng = np.random.default_rng(n_actors)
    cell = rng.integers(0, world.n_cells, n_actors)
    for values in (rng.standard_normal(n_actors) * 10.0 ** rng.integers(-5, 5, n_actors),
                   rng.random(n_actors) < 0.5, rng.integers(0, 9, n_actors)):
        got = np.full(world.n_regions, 0.25)
        want = np.full(world.n_regions, 0.25)
        add_by_cell_region(cell, world.region, values, got)
        add_by_cell_region_numpy(cell, world.region, values, want)
        assert same_bits(got, want)
        want = np.zeros(world.n_regions)
        np.add.at(want, world.region[cell], values.astype(float))
        assert same_bits(world.actors_region_sum(cell, values), want)


# ------------------------------------------------------------------ a mechanism's results


def _counts(rng, high=50) -> np.ndarray:
    return rng.integers(0, high, N_CELLS).astype(np.int64)


def _shares(rng) -> np.ndarray:
    x = rng.random(N_CELLS) ** 3
    x[::7] = 0.0
    return x


def _results(kernel, twin, rows, rng, *args):
    """Run a results kernel and its twin on the same inputs; both outputs, pre-filled."""
    region, by_region, starts = _regions(rng)
    got = np.full((rows, N_REGIONS), -3.0)
    want = np.full((rows, N_REGIONS), -3.0)
    kernel(by_region, starts, *args, got)
    twin(region, *args, want)
    return got, want


@pytest.mark.parametrize("seed", range(4))
def test_trust_results_match_the_record_formula(seed):
    """Trust's regional results: the bits of the NumPy formula the record method used."""
    rng = np.random.default_rng(seed)
    members = _counts(rng)
    everyone = members + _counts(rng, 3)
    people = rng.random(N_CELLS) * 10.0 ** rng.integers(0, 5, N_CELLS)
    region_people = rng.random(N_REGIONS) * 1e5
    region_people[3] = 0.0  # the empty region: reputation over max(0, 1e-300)
    args = (members, everyone, _shares(rng) * everyone, _shares(rng) * members,
            _counts(rng, 5), _shares(rng), _shares(rng), _shares(rng), people, region_people)
    got, want = _results(trust_results, trust_results_numpy, 6, rng, *args)
    assert same_bits(got, want)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("n_groups", (0, 1, 25))
def test_armed_group_results_match_the_record_formula(seed, n_groups):
    """Armed groups' results, with no group, one, or many: the bits of the NumPy formula."""
    rng = np.random.default_rng(seed)
    region, _, _ = _regions(np.random.default_rng(seed))  # the regions _results draws
    args = (_counts(rng, 4).astype(np.float64), _counts(rng, 3), _counts(rng, 3),
            _counts(rng, 6), _counts(rng), _counts(rng, 5), 0.7, 1.3, 2.5e3,
            rng.integers(0, N_CELLS, n_groups), region,
            rng.random(n_groups) * 10.0 ** rng.integers(0, 4, n_groups))
    got, want = _results(armed_group_results, armed_group_results_numpy, 8,
                         np.random.default_rng(seed), *args)
    assert same_bits(got, want)


@pytest.mark.parametrize("seed", range(4))
def test_communal_results_match_the_record_formula(seed):
    """Communal results, with regions without herders and with more herders than members."""
    rng = np.random.default_rng(seed)
    members = _counts(rng, 4)
    cohesion = rng.random(4000).astype(np.float32)
    herder_rows = np.flatnonzero(rng.random(4000) < 0.3)
    herder_region = rng.choice([0, 1, 4, 6], size=len(herder_rows)).astype(np.intp)
    herders = np.bincount(herder_region, minlength=N_REGIONS)
    args = (_counts(rng, 2), members, _shares(rng) * members, herder_rows, herder_region,
            cohesion, herders, 2.0)
    got, want = _results(communal_results, communal_results_numpy, 5, rng, *args)
    assert same_bits(got, want)
    assert np.all(got[3][herders == 0] == 0.0)


@pytest.mark.parametrize("seed", range(4))
def test_grievance_results_match_the_record_formula(seed):
    """Grievance's regional results, support capped at 1: the bits of the NumPy formula."""
    rng = np.random.default_rng(seed)
    everyone = _counts(rng)
    region_people = rng.random(N_REGIONS) * 1e5 + 1.0
    args = (everyone, _counts(rng, 80), _shares(rng) * everyone, _shares(rng),
            rng.random(N_CELLS) * 1e3, region_people)
    got, want = _results(grievance_results, grievance_results_numpy, 3, rng, *args)
    assert same_bits(got, want)
    assert got[0].max() <= 1.0


@pytest.mark.parametrize("seed", range(4))
def test_information_and_justice_results_match_the_record_formulas(seed):
    """People-weighted means of information and justice: the bits of the NumPy formulas."""
    rng = np.random.default_rng(seed)
    people = rng.random(N_CELLS) * 10.0 ** rng.integers(0, 5, N_CELLS)
    region_people = rng.random(N_REGIONS) * 1e5 + 1.0
    got, want = _results(information_results, information_results_numpy, 3, rng,
                         _shares(rng), _shares(rng), _shares(rng), people, region_people)
    assert same_bits(got, want)
    got, want = _results(justice_results, justice_results_numpy, 2, rng,
                         _shares(rng), _shares(rng), _shares(rng), people, region_people)
    assert same_bits(got, want)


@pytest.mark.parametrize("n_militias", (0, 1, 18, 200))
def test_militia_results_match_the_record_formula(n_militias):
    """Militias' fighters, attacks and deaths by region: the bits of np.bincount."""
    rng = np.random.default_rng(n_militias)
    region = rng.integers(0, N_REGIONS - 1, n_militias)
    strength = rng.random(n_militias) * 10.0 ** rng.integers(-2, 5, n_militias)
    attacks = rng.integers(0, 4, n_militias)
    got = np.full((3, N_REGIONS), -3.0)
    want = np.full((3, N_REGIONS), -3.0)
    militia_results(region, strength, attacks, 1.7, got)
    militia_results_numpy(region, strength, attacks, 1.7, want)
    assert same_bits(got, want)
    assert np.all(got[:, -1] == 0.0)  # a region without militias


def _recorder() -> Recorder:
    metrics = [Metric("a", "count", None, "A", "events", "a"),
               Metric("b", "share", "w", "B", "share", "b")]
    return Recorder(metrics, 3, ("north", "south"), [Weight("w", "members")])


def test_recorder_writes_every_metric_and_weight():
    """One step's values land in their step's row; the others stay zero."""
    rec = _recorder()
    rec.write(1, {"a": np.array([1.0, 2.0]), "b": np.array([0.5, 0.25]),
                  "w": np.array([3.0, 1.0])})
    assert rec.last == 1
    assert rec.data["a"][1].tolist() == [1.0, 2.0] and rec.data["b"][1].tolist() == [0.5, 0.25]
    assert rec.weights["w"][1].tolist() == [3.0, 1.0] and not rec.data["a"][[0, 2]].any()


def test_recorder_names_the_first_missing_metric():
    """A declared metric or weight that nobody recorded fails with its name and the step."""
    rec = _recorder()
    with pytest.raises(KeyError, match="b is declared but was not recorded at step 2"):
        rec.write(2, {"a": np.zeros(2), "w": np.zeros(2)})
    with pytest.raises(KeyError, match="w is declared but was not recorded at step 0"):
        rec.write(0, {"a": np.zeros(2), "b": np.zeros(2)})
    assert rec.last == -1
