"""Shared fixtures of the core-model tests: small configs and runs computed once per session.

Numba compiles each kernel once per signature and caches it on disk; the model's tests build
small populations (a few thousand members) and short runs so the whole suite stays fast on a
laptop or a 2-core CI runner. Runs that several tests read are computed once per session by
:func:`run_small` and handed out as copies.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest

import peacesim

#: The small run most model tests use: weeks, community members, seed.
SMALL_STEPS = 20
SMALL_SIZE = 5_000
SMALL_SEED = 1


def small_overrides(*overrides: str, steps: int = SMALL_STEPS, size: int = SMALL_SIZE,
                    seed: int = SMALL_SEED) -> list[str]:
    """Hydra overrides of a small run, followed by ``overrides`` (which win)."""
    return [f"steps={steps}", f"population.size={size}", f"seed={seed}", *overrides]


@functools.cache
def _config_cached(overrides: tuple[str, ...]):
    return peacesim.to_config(peacesim.load_config("baseline", overrides=list(overrides)))


def small_config(*overrides: str, **kwargs):
    """A validated baseline config of a small run (see :func:`small_overrides`).

    Composed once per session for each set of overrides (Hydra's compose takes a few tenths
    of a second); models never modify their config, so the instance is shared.
    """
    return _config_cached(tuple(small_overrides(*overrides, **kwargs)))


def small_model(*overrides: str, **kwargs) -> peacesim.PeaceModel:
    """A freshly built (not yet run) small model."""
    return peacesim.PeaceModel(small_config(*overrides, **kwargs))


_RUNS: dict[str, tuple[pd.DataFrame, pd.DataFrame, dict]] = {}


def run_small(*overrides: str, **kwargs) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Timeseries, national series and summary of a small run, computed once per session.

    Runs are keyed by the resolved config, so overrides that restate a default share the run
    without them. Returns copies, so a test may modify what it gets.
    """
    cfg = small_config(*overrides, **kwargs)
    key = repr(cfg)
    if key not in _RUNS:
        model = peacesim.PeaceModel(cfg)
        model.run()
        _RUNS[key] = (model.timeseries(), model.national(), model.summary())
    ts, nat, summary = _RUNS[key]
    return ts.copy(), nat.copy(), dict(summary)


@pytest.fixture(scope="session")
def checked_model() -> peacesim.PeaceModel:
    """A small run with ``check=true``: invariants asserted after every mechanism.

    Built with every Mesa agent object. Tests must not step or modify it.
    """
    model = small_model("check=true", "population.agent_objects=all")
    model.run()
    return model


def moore_neighbours(cell_row, cell_col, cell_at, n_rows: int, n_cols: int):
    """Each cell's 8 raster neighbours that are cells, in CSR form (offsets, targets; int64).

    ``cell_at`` maps a raster position ``row * n_cols + col`` to its cell, or -1.
    """
    targets, offsets = [], [0]
    for c in range(len(cell_row)):
        for dr in (-1, 0, 1):
            for dq in (-1, 0, 1):
                r, q = cell_row[c] + dr, cell_col[c] + dq
                if (dr or dq) and 0 <= r < n_rows and 0 <= q < n_cols:
                    t = cell_at[r * n_cols + q]
                    if t >= 0:
                        targets.append(t)
        offsets.append(len(targets))
    return np.array(offsets, dtype=np.int64), np.array(targets, dtype=np.int64)
