"""BennettModel: set-up, run and results of the Bennett (2008) insurgency model.

Example:
    >>> from peacesim.bennett import BennettModel, BennettParams
    >>> model = BennettModel(BennettParams(accuracy=0.6), seed=3)
    >>> model.run(2000)  # doctest: +SKIP
    >>> model.summary()["duration"]  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import pandas as pd

from peacesim.bennett.kernels import (
    CIVILIAN,
    INSURGENT,
    N_STATS,
    SOLDIER,
    STAT_NAMES,
    bennett_step,
    bennett_step_numpy,
)
from peacesim.bennett.params import BennettParams
from peacesim.random import Streams

_COLUMNS = ("step", "insurgents", "civilians", "removed_total") + STAT_NAMES + (
    "mean_anger",
    "mean_fear",
)


class BennettModel:
    """The Bennett (2008) model of the early dynamics of an insurgency.

    Civilians, insurgents and soldiers on a square map; insurgents attack nearby soldiers,
    soldiers counterattack, removing the insurgent (``effectiveness``) and hurting civilians
    nearby (``1 - accuracy``); harm makes civilians angry, counterattacks make witnesses
    afraid, and civilians whose anger exceeds both their fear and their violence threshold
    become insurgents. See :mod:`peacesim.bennett.kernels` for the round and
    :mod:`peacesim.bennett.params` for parameters and their sources.

    Args:
        params: Model parameters (checked on construction).
        seed: Root seed. Stream ``"bennett.init"`` draws the initial state,
            ``"bennett.step"`` keys every draw of the rounds.
        twin: Run the NumPy twin instead of the Numba kernel (slow; for tests).
    """

    def __init__(self, params: BennettParams | None = None, seed: int = 0, twin: bool = False):
        self.params = (params or BennettParams()).check()
        self.seed = int(seed)
        self.streams = Streams(self.seed)
        self._step_fn = bennett_step_numpy if twin else bennett_step
        self._key = self.streams["bennett.step"]
        self._init_state()
        self.step_count = 0
        self._rows: list[np.ndarray] = [self._record(np.zeros(N_STATS))]
        self.initial_insurgents = int(np.sum(self.kind == INSURGENT))

    def _init_state(self) -> None:
        p = self.params
        rng = np.random.default_rng(int(self.streams["bennett.init"]))
        n_civ, n = p.n_civilians, p.n_civilians + p.n_soldiers
        cells = rng.choice(p.grid_size * p.grid_size, size=n, replace=False)
        self.px = (cells // p.grid_size).astype(np.int64)
        self.py = (cells % p.grid_size).astype(np.int64)
        self.grid = np.full((p.grid_size, p.grid_size), -1, dtype=np.int64)
        self.grid[self.px, self.py] = np.arange(n, dtype=np.int64)
        self.kind = np.full(n, SOLDIER, dtype=np.int8)
        self.kind[:n_civ] = CIVILIAN
        # Bennett 2008, Table 1: normal draws clipped to [0, 1]; soldiers carry zeros.
        self.anger = np.zeros(n)
        self.fear = np.zeros(n)
        self.threshold = np.zeros(n)
        self.anger[:n_civ] = np.clip(rng.normal(p.anger_mean, p.anger_sd, n_civ), 0.0, 1.0)
        self.fear[:n_civ] = np.clip(rng.normal(p.fear_mean, p.fear_sd, n_civ), 0.0, 1.0)
        self.threshold[:n_civ] = np.clip(
            rng.normal(p.threshold_mean, p.threshold_sd, n_civ), 0.0, 1.0
        )
        angry = (self.anger > self.fear) & (self.anger > self.threshold)
        self.kind[:n_civ][angry[:n_civ]] = INSURGENT

    def _record(self, stats: np.ndarray) -> np.ndarray:
        civ = self.kind == CIVILIAN
        n_civ = int(civ.sum())
        removed = int(np.sum(self.kind == 3))
        return np.concatenate(
            (
                [self.step_count, np.sum(self.kind == INSURGENT), n_civ, removed],
                stats,
                [
                    self.anger[civ].mean() if n_civ else np.nan,
                    self.fear[civ].mean() if n_civ else np.nan,
                ],
            )
        ).astype(np.float64)

    @property
    def insurgents(self) -> int:
        """Number of active insurgents now."""
        return int(np.sum(self.kind == INSURGENT))

    def step(self) -> None:
        """Run one round (see :mod:`peacesim.bennett.kernels` for its order)."""
        p = self.params
        self.step_count += 1
        stats = np.zeros(N_STATS)
        self._step_fn(
            self.kind, self.px, self.py, self.anger, self.fear, self.threshold, self.grid,
            self._key, self.step_count, int(p.interaction_range), float(p.effectiveness),
            float(p.accuracy), float(p.sensitivity), float(p.fear_gain), float(p.anger_gain),
            bool(p.move_civilians), int(p.max_attacks_per_round), stats,
        )
        self._rows.append(self._record(stats))

    def run(self, max_steps: int, stop_when_over: bool = True) -> BennettModel:
        """Run up to ``max_steps`` rounds, stopping early once no insurgent is left.

        Args:
            max_steps: Largest number of rounds to run (further rounds if called again).
            stop_when_over: Stop as soon as the insurgency is over.

        Returns:
            self, for chaining.
        """
        for _ in range(int(max_steps)):
            if stop_when_over and self.insurgents == 0:
                break
            self.step()
        return self

    def timeseries(self) -> pd.DataFrame:
        """One row per round (row 0 is the initial state); counts per round and totals."""
        df = pd.DataFrame(np.vstack(self._rows), columns=list(_COLUMNS))
        int_cols = [c for c in _COLUMNS if not c.startswith("mean_")]
        return df.astype({c: "int64" for c in int_cols})

    def summary(self) -> dict:
        """Headline results of the run.

        Returns:
            A dict with ``duration`` (rounds until no insurgent was left; the rounds run if
            it never ended), ``ended`` (whether it ended), ``initial_insurgents``,
            ``peak_insurgents``, ``total_insurgents`` (initial plus recruited),
            ``removed``, ``attacks``, ``hurt`` (civilian injuries, counted per
            counterattack), ``steps_run``, ``seed`` and the parameters.
        """
        ts = self.timeseries()
        over = ts.index[ts["insurgents"] == 0]
        ended = len(over) > 0
        return {
            "duration": int(ts["step"].iloc[over[0]]) if ended else int(self.step_count),
            "ended": bool(ended),
            "initial_insurgents": self.initial_insurgents,
            "peak_insurgents": int(ts["insurgents"].max()),
            "total_insurgents": self.initial_insurgents + int(ts["new_insurgents"].sum()),
            "removed": int(ts["removed"].sum()),
            "attacks": int(ts["attacks"].sum()),
            "hurt": int(ts["hurt"].sum()),
            "steps_run": int(self.step_count),
            "seed": self.seed,
            **{f"param_{k}": v for k, v in asdict(self.params).items()},
        }
