"""Tests of the social-influence kernels: kernel vs NumPy twin, invariants, thread counts.

Every kernel is called with one signature only (float32 opinions, int64 offsets and counts,
float eps and mu, uint64 key, int step) so that each compiles once per session.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from peacesim.kernels.influence import (
    deffuant_in_groups,
    deffuant_in_groups_numpy,
    deffuant_members,
    deffuant_members_numpy,
    deffuant_members_parallel,
    deffuant_members_sequential,
    hegselmann_krause_step,
    hegselmann_krause_step_numpy,
    members_disjoint,
    pull_toward_neighbour_mean,
    pull_toward_neighbour_mean_numpy,
)
from peacesim.random import Streams

KEY = Streams(11)["test.influence"]


def _groups(seed: int, n_groups: int = 40, max_size: int = 30):
    """Random opinions sorted by group, with some empty and single-member groups."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(0, max_size, n_groups)
    sizes[:3] = [0, 1, 2]
    offsets = np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)
    opinion = rng.random(offsets[-1]).astype(np.float32)
    n_pairs = rng.integers(0, 3 * max_size, n_groups).astype(np.int64)
    return opinion, offsets, n_pairs


def _sessions(seed: int, n_rows: int, n_sessions: int, disjoint: bool):
    rng = np.random.default_rng(seed)
    if disjoint:
        rows = rng.permutation(n_rows)
        cuts = np.sort(rng.choice(np.arange(1, n_rows), n_sessions - 1, replace=False))
        offsets = np.concatenate(([0], cuts, [n_rows])).astype(np.int64)
        members = rows.astype(np.int64)
    else:
        parts = [rng.choice(n_rows, rng.integers(0, 25), replace=False) for _ in range(n_sessions)]
        offsets = np.concatenate(([0], np.cumsum([len(p) for p in parts]))).astype(np.int64)
        members = np.concatenate(parts).astype(np.int64)
    n_pairs = rng.integers(0, 60, n_sessions).astype(np.int64)
    return offsets, members, n_pairs


# ----------------------------------------------------------------------------- Deffuant


@pytest.mark.parametrize("eps", [0.0, 0.15, 0.3, 1.1])
def test_deffuant_in_groups_matches_twin(eps):
    opinion, offsets, n_pairs = _groups(1)
    a, b = opinion.copy(), opinion.copy()
    for step in range(3):
        ca = deffuant_in_groups(a, offsets, n_pairs, eps, 0.5 if step else 0.3, KEY, step)
        cb = deffuant_in_groups_numpy(b, offsets, n_pairs, eps, 0.5 if step else 0.3, KEY, step)
        assert ca == cb
        assert np.array_equal(a.view(np.uint32), b.view(np.uint32))


def test_deffuant_in_groups_invariants():
    opinion, offsets, n_pairs = _groups(2)
    before = opinion.copy()
    changed = 0
    for step in range(5):
        changed += deffuant_in_groups(opinion, offsets, n_pairs, 0.3, 0.5, KEY, step)
    assert changed > 0
    for g in range(len(offsets) - 1):
        lo, hi = offsets[g], offsets[g + 1]
        if hi - lo == 0:
            continue
        x0, x1 = before[lo:hi].astype(np.float64), opinion[lo:hi].astype(np.float64)
        assert x1.min() >= x0.min() and x1.max() <= x0.max()
        # Mean conserved up to one float32 rounding per update.
        assert abs(x1.mean() - x0.mean()) < 1e-5
    single = offsets[1]  # group 1 has one member: untouched
    assert opinion[single] == before[single]


def test_deffuant_eps_zero_changes_nothing():
    opinion, offsets, n_pairs = _groups(3)
    before = opinion.copy()
    assert deffuant_in_groups(opinion, offsets, n_pairs, 0.0, 0.5, KEY, 0) == 0
    assert np.array_equal(opinion, before)


def test_deffuant_rejects_bad_mu():
    opinion, offsets, n_pairs = _groups(3)
    with pytest.raises(ValueError):
        deffuant_in_groups(opinion, offsets, n_pairs, 0.2, 0.7, KEY, 0)


def test_deffuant_consensus_in_one_group():
    """Complete mixing with eps > 1/2 ends in consensus (Deffuant et al. 2000)."""
    rng = np.random.default_rng(4)
    opinion = rng.random(200).astype(np.float32)
    offsets = np.array([0, 200], dtype=np.int64)
    n_pairs = np.array([200], dtype=np.int64)
    for step in range(200):
        deffuant_in_groups(opinion, offsets, n_pairs, 0.6, 0.5, KEY, step)
    assert opinion.max() - opinion.min() < 1e-3


@pytest.mark.parametrize("disjoint", [True, False])
def test_deffuant_members_matches_twin(disjoint):
    rng = np.random.default_rng(5)
    opinion = rng.random(300).astype(np.float32)
    offsets, members, n_pairs = _sessions(6, 300, 12, disjoint)
    assert members_disjoint(members, 300) == disjoint
    a, b = opinion.copy(), opinion.copy()
    ca = deffuant_members(a, offsets, members, n_pairs, 0.25, 0.5, KEY, 7)
    cb = deffuant_members_numpy(b, offsets, members, n_pairs, 0.25, 0.5, KEY, 7)
    assert ca == cb > 0
    assert np.array_equal(a.view(np.uint32), b.view(np.uint32))
    untouched = np.setdiff1d(np.arange(300), members)
    assert np.array_equal(a[untouched], opinion[untouched])


def test_deffuant_members_parallel_equals_sequential_when_disjoint():
    rng = np.random.default_rng(8)
    opinion = rng.random(300).astype(np.float32)
    offsets, members, n_pairs = _sessions(9, 300, 20, True)
    a, b = opinion.copy(), opinion.copy()
    ca = deffuant_members_parallel(a, offsets, members, n_pairs, 0.25, 0.5, KEY, 1)
    cb = deffuant_members_sequential(b, offsets, members, n_pairs, 0.25, 0.5, KEY, 1)
    assert ca == cb
    assert np.array_equal(a.view(np.uint32), b.view(np.uint32))


# ----------------------------------------------------------------------------- Hegselmann-Krause


def _hk_direct(x: np.ndarray, eps: float) -> np.ndarray:
    x64 = x.astype(np.float64)
    inside = np.abs(x64[:, None] - x64[None, :]) <= eps
    return (inside @ x64) / inside.sum(axis=1)


@pytest.mark.parametrize("eps", [0.0, 0.05, 0.2, 1.0])
def test_hk_matches_twin_and_direct(eps):
    rng = np.random.default_rng(10)
    x = rng.random(400).astype(np.float32)
    x[:20] = x[20:40]  # ties
    x[50] = x[51] + np.float32(eps)  # pairs near the boundary
    new = hegselmann_krause_step(x, eps)
    twin = hegselmann_krause_step_numpy(x, eps)
    assert new.dtype == np.float32
    assert np.array_equal(new.view(np.uint32), twin.view(np.uint32))
    assert np.allclose(new, _hk_direct(x, eps), rtol=0, atol=1e-6)
    assert new.min() >= x.min() and new.max() <= x.max()
    if eps == 0.0:
        assert np.array_equal(new, x)


def test_hk_consensus_and_clusters():
    x = np.linspace(0, 1, 201).astype(np.float32)
    y = x
    for _ in range(60):
        y = hegselmann_krause_step(y, 0.3)
    assert y.max() - y.min() < 1e-4
    y = x
    for _ in range(60):
        y = hegselmann_krause_step(y, 0.05)
    assert len(np.unique(np.round(y, 4))) > 3


# ----------------------------------------------------------------------------- neighbour pull


def test_pull_matches_twin():
    rng = np.random.default_rng(12)
    opinion = rng.random(500).astype(np.float32)
    row_cell = rng.integers(0, 30, 500).astype(np.int64)
    mean = rng.random(30)
    mean[[3, 7]] = np.nan
    a, b = opinion.copy(), opinion.copy()
    ca = pull_toward_neighbour_mean(a, row_cell, mean, 0.2, 0.3)
    cb = pull_toward_neighbour_mean_numpy(b, row_cell, mean, 0.2, 0.3)
    assert ca == cb > 0
    assert np.array_equal(a.view(np.uint32), b.view(np.uint32))
    nan_rows = np.isin(row_cell, [3, 7])
    assert np.array_equal(a[nan_rows], opinion[nan_rows])
    far = np.abs(mean[row_cell] - opinion) > 0.2
    assert np.array_equal(a[far], opinion[far])
    # Each moved row lies between its old opinion and the neighbour mean.
    m = mean[row_cell]
    lo, hi = np.fmin(opinion, m), np.fmax(opinion, m)
    ok = ~nan_rows
    assert np.all((a[ok] >= lo[ok] - 1e-7) & (a[ok] <= hi[ok] + 1e-7))
    # eps = 0 changes nothing (rows equal to the mean do not move either).
    c = opinion.copy()
    assert pull_toward_neighbour_mean(c, row_cell, mean, 0.0, 0.3) == 0
    assert np.array_equal(c, opinion)


# ----------------------------------------------------------------------------- thread counts

_THREAD_SCRIPT = textwrap.dedent(
    """
    import hashlib, numpy as np, numba
    from peacesim.random import Streams
    from peacesim.kernels.influence import (deffuant_in_groups, deffuant_members_parallel,
        hegselmann_krause_step, pull_toward_neighbour_mean)
    key = Streams(11)["test.influence"]
    rng = np.random.default_rng(0)
    sizes = rng.integers(0, 60, 400)
    offsets = np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)
    n = int(offsets[-1])
    x = rng.random(n).astype(np.float32)
    n_pairs = (sizes * 2).astype(np.int64)
    total = 0
    for step in range(4):
        total += int(deffuant_in_groups(x, offsets, n_pairs, 0.3, 0.5, key, step))
    members = rng.permutation(n).astype(np.int64)
    s_off = np.linspace(0, n, 51).astype(np.int64)
    total += int(deffuant_members_parallel(x, s_off, members, np.full(50, 90, np.int64),
                                           0.3, 0.5, key, 9))
    cell = rng.integers(0, 400, n).astype(np.int64)
    total += int(pull_toward_neighbour_mean(x, cell, rng.random(400), 0.2, 0.3))
    y = hegselmann_krause_step(x, 0.1)
    h = hashlib.sha256(x.tobytes() + y.tobytes()).hexdigest()
    print(numba.get_num_threads(), total, h)
    """
)


def test_bit_identical_for_any_thread_count():
    outputs = []
    for threads in ("1", "2"):
        env = dict(os.environ, NUMBA_NUM_THREADS=threads)
        done = subprocess.run(
            [sys.executable, "-c", _THREAD_SCRIPT], env=env, capture_output=True, text=True,
            timeout=300, check=True,
        )
        got_threads, total, digest = done.stdout.split()
        assert got_threads == threads
        outputs.append((total, digest))
    assert outputs[0] == outputs[1]
