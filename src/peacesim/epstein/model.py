"""Epstein's (2002) civil-violence Model I as a small peacesim model.

State lives in preallocated NumPy columns; one step is one call to a cached Numba kernel
(:mod:`peacesim.epstein.kernels`; the grid geometry is in :mod:`peacesim.epstein.grid`, the
plain-Python twins in :mod:`peacesim.epstein.reference`). The class is a :class:`mesa.Model` so
that it runs where a Mesa model runs, but it creates no Mesa agents: results never depend on
Python objects.

Step plan (``activation="sequential_random"``): the agents are shuffled (stream
``epstein.order``); each in turn, seeing the changes of those before it:

* citizen: if jailed, counts its term down (jail ``"stay_on_grid"``) or waits (``"leave_grid"``);
  otherwise [moves,] computes G = H (1 - L), P = 1 - exp(-k f(C/A)), N = R P and is active iff
  G - N > T [, then moves] (``move_first`` sets the bracket);
* cop: [moves,] arrests one random active citizen in its vision (stream ``epstein.arrest``),
  jail term from ``epstein.jail`` [, then moves];
* with ``jail="leave_grid"``, at the end of the step every term counts down and citizens whose
  term is 0 come back (stream ``epstein.release``).

``activation="batched"`` is the fast mode: the same shuffled order cut into ``batches`` batches
whose agents act together, in parallel (:func:`kernels.step_batched`).
"""

from __future__ import annotations

import time

import mesa
import numpy as np
import pandas as pd

from peacesim.epstein import grid as G
from peacesim.epstein import kernels as K
from peacesim.epstein import reference as R
from peacesim.epstein.params import EpsteinParams
from peacesim.random import Streams, uniform_numpy

#: Cells drawn when an agent looks for an empty cell before it falls back to a search
#: (changes which draws are used, not the distribution of the chosen cell).
MOVE_TRIES = 16

#: Smallest batch (agents) of the batched mode whose loops run on Numba's threads; smaller
#: batches run on one thread. Starting the threads for each batch costs more than the work below
#: a few thousand agents, and on a machine whose cores are busy the threads rarely pay at all
#: (docs/validation/epstein.md, Speed). Results do not depend on it. Set it before building a
#: model.
PARALLEL_MIN_BATCH = 4096

STREAMS = (
    "epstein.placement",
    "epstein.hardship",
    "epstein.risk",
    "epstein.order",
    "epstein.move",
    "epstein.arrest",
    "epstein.jail",
    "epstein.release",
    "epstein.repick",
)


def count_outbursts(active, threshold: float, burn_in: int = 0):
    """Outbursts in a series of active counts.

    An outburst is a maximal run of consecutive steps, after ``burn_in``, with at least
    ``threshold`` active citizens (and at least one). The waiting time between outbursts is
    the number of steps from the start of one to the start of the next.

    Args:
        active: Active counts, one per step (index = step).
        threshold: Active count at and above which a step belongs to an outburst.
        burn_in: Steps at the start that are ignored.

    Returns:
        ``(starts, peaks, lengths)``: int arrays, one entry per outburst (start step, largest
        active count, duration in steps).
    """
    a = np.asarray(active)
    steps = np.arange(a.size)
    on = (a >= threshold) & (a > 0) & (steps >= burn_in)
    edges = np.diff(np.concatenate(([0], on.astype(np.int8), [0])))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    peaks = np.array([a[s:e].max() for s, e in zip(starts, ends, strict=True)], dtype=np.int64)
    return starts, peaks, ends - starts


class EpsteinModel(mesa.Model):
    """Epstein (2002) Model I on NumPy columns and Numba kernels.

    Args:
        params: Parameters; default :class:`EpsteinParams` (NetLogo Rebellion's defaults).
        seed: Root seed; every random draw is a function of it, the stream name and the
            counter (step, agent, draw), so a seed gives the same run on any thread count.
        backend: ``"numba"`` (the kernels) or ``"numpy"`` (the plain Python twins; small grids
            only, for tests).

    Attributes:
        params: The checked parameters.
        n_citizens, n_cops: Agent counts (rows 0 .. n_citizens - 1 are citizens).
        occ: int32 ``[height * width]``, the agent row on each cell or -1.
        kind, hardship, risk, state, jail, pos: Agent columns (see :mod:`kernels`).
        kernel_seconds: Wall time spent in step kernels so far, seconds.

    Example:
        >>> model = EpsteinModel(EpsteinParams.netlogo(), seed=1)
        >>> _ = model.run(100)
        >>> model.timeseries().tail(1)  # doctest: +SKIP
    """

    def __init__(self, params: EpsteinParams | None = None, seed: int = 0, *,
                 backend: str = "numba"):
        super().__init__(seed=int(seed))
        if backend not in ("numba", "numpy"):
            raise ValueError(f"backend must be 'numba' or 'numpy', got {backend!r}")
        self.params = (params if params is not None else EpsteinParams()).check()
        self.seed = int(seed)
        self.backend = backend
        self.streams = Streams(self.seed)
        self.keys = {name.split(".", 1)[1]: self.streams[name] for name in STREAMS}
        self.kernel_seconds = 0.0
        self._setup_population()
        self._setup_geometry()
        self._active = [int(np.count_nonzero(self.state[: self.n_citizens] == G.ACTIVE))]
        self._jailed = [int(np.count_nonzero(self.state[: self.n_citizens] == G.JAILED))]
        self._legitimacy = [self.params.legitimacy]

    @classmethod
    def from_state(cls, params: EpsteinParams, hardship, risk, state, citizen_cells, cop_cells,
                   jail=None, seed: int = 0, *, backend: str = "numba") -> EpsteinModel:
        """A model started from a given configuration instead of a random one.

        Args:
            params: Parameters (placement and densities are not used).
            hardship: Citizens' hardship H, one per citizen.
            risk: Citizens' risk aversion R, one per citizen.
            state: Citizens' states (:data:`kernels.QUIET`, ``ACTIVE`` or ``JAILED``; jailed
                citizens must be on the grid, as with jail ``"stay_on_grid"``).
            citizen_cells: Cells (row * width + column) of the citizens.
            cop_cells: Cells of the cops.
            jail: Citizens' remaining jail terms, steps (default 0).
            seed: Root seed of the run from here on.
            backend: As in the constructor.

        Returns:
            The model, at step 0 with the given state.
        """
        model = cls(params, seed, backend=backend)
        n_cit, n_cop = len(citizen_cells), len(cop_cells)
        n = n_cit + n_cop
        model.n_citizens, model.n_cops = n_cit, n_cop
        model.kind = np.zeros(n, dtype=np.uint8)
        model.kind[n_cit:] = 1
        model.hardship = np.zeros(n, dtype=np.float64)
        model.risk = np.zeros(n, dtype=np.float64)
        model.hardship[:n_cit] = hardship
        model.risk[:n_cit] = risk
        model.state = np.full(n, G.COP, dtype=np.uint8)
        model.state[:n_cit] = state
        model.jail = np.zeros(n, dtype=np.int32)
        if jail is not None:
            model.jail[:n_cit] = jail
        model.pos = np.concatenate([citizen_cells, cop_cells]).astype(np.int32)
        model.occ = np.full(params.width * params.height, -1, dtype=np.int32)
        model.occ[model.pos] = np.arange(n, dtype=np.int32)
        if np.count_nonzero(model.occ >= 0) != n:
            raise ValueError("two agents on one cell")
        model._setup_geometry()
        model._active = [int(np.count_nonzero(model.state[:n_cit] == G.ACTIVE))]
        model._jailed = [int(np.count_nonzero(model.state[:n_cit] == G.JAILED))]
        return model

    # ---------------------------------------------------------------- set-up
    def _setup_population(self) -> None:
        p = self.params
        H, W = p.height, p.width
        n_cells = H * W
        cells = np.arange(n_cells)
        u = uniform_numpy(self.keys["placement"], 0, cells, 0)
        if p.placement == "exact":  # NetLogo: round(density * cells) agents on random cells
            n_cit = int(np.floor(p.citizen_density * n_cells + 0.5))
            n_cop = int(np.floor(p.cop_density * n_cells + 0.5))
            order = np.argsort(u, kind="stable")
            cit_cells, cop_cells = order[:n_cit], order[n_cit : n_cit + n_cop]
        else:  # Mesa example: each cell draws citizen / cop / nothing
            cit_cells = cells[u < p.citizen_density]
            cop_cells = cells[(u >= p.citizen_density) & (u < p.citizen_density + p.cop_density)]
        self.n_citizens, self.n_cops = int(cit_cells.size), int(cop_cells.size)
        n = self.n_citizens + self.n_cops
        rows = np.arange(self.n_citizens)
        self.kind = np.zeros(n, dtype=np.uint8)
        self.kind[self.n_citizens :] = 1
        self.hardship = np.zeros(n, dtype=np.float64)
        self.risk = np.zeros(n, dtype=np.float64)
        # Epstein 2002: H ~ U(0, 1), R ~ U(0, 1)
        self.hardship[: self.n_citizens] = uniform_numpy(self.keys["hardship"], 0, rows, 0)
        self.risk[: self.n_citizens] = uniform_numpy(self.keys["risk"], 0, rows, 0)
        self.state = np.full(n, G.QUIET, dtype=np.uint8)
        self.state[self.n_citizens :] = G.COP
        self.jail = np.zeros(n, dtype=np.int32)
        self.pos = np.concatenate([cit_cells, cop_cells]).astype(np.int32)
        self.occ = np.full(n_cells, -1, dtype=np.int32)
        self.occ[self.pos] = np.arange(n, dtype=np.int32)

    def _setup_geometry(self) -> None:
        p = self.params
        H, W, V = p.height, p.width, p.halo
        PW = W + 2 * V
        self.packed = G.build_packed(self.occ, self.state, H, W, V, p.torus)
        self._geometry = G.Geometry(H, W, V, PW, int(p.torus))
        self._cit_hood = G.make_hood(p.neighbourhood, p.citizen_vision, PW)
        self._cop_hood = G.make_hood(p.neighbourhood, p.cop_vision, PW)
        self._cit_offsets = G.neighbourhood_offsets(p.neighbourhood, p.citizen_vision)
        self._cop_offsets = G.neighbourhood_offsets(p.neighbourhood, p.cop_vision)
        self._rules = G.Rules(
            float(p.k),
            float(p.threshold),
            G.RULE_CODES[p.arrest_rule],
            int(p.max_jail_term),
            G.JAIL_CODES[p.jail],
            int(p.move_first),
            int(p.movement),
            int(p.count_own_cell),
            MOVE_TRIES,
            int(p.batches),
            PARALLEL_MIN_BATCH,
        )
        self._keys = G.Keys(*(self.keys[name] for name in G.Keys._fields))
        n = self.kind.size
        self._scratch = G.Scratch(
            perm=np.zeros(n, dtype=np.int64),
            rows=np.zeros(2 * V + 1, dtype=np.uint64),
            acts=np.zeros(n, dtype=np.uint8),
            newstate=np.zeros(n, dtype=np.uint8),
            target=np.zeros(n, dtype=np.int64),
        )

    # ---------------------------------------------------------------- stepping
    def step(self) -> None:
        """Advance one step (``self.steps`` is already the step being computed)."""
        p = self.params
        t = int(self.steps)
        legitimacy = p.legitimacy_at(t)
        batched = p.activation == "batched"
        start = time.perf_counter()
        if self.backend == "numba":
            kernel = K.step_batched if batched else K.step_sequential
            counts = kernel(t, legitimacy, self.occ, self.packed, self.kind, self.hardship,
                            self.risk, self.state, self.jail, self.pos, self._scratch,
                            self.n_citizens, self._geometry, self._cit_hood, self._cop_hood,
                            self._rules, self._keys)
        else:
            twin = R.step_batched_numpy if batched else R.step_sequential_numpy
            counts = twin(t, legitimacy, self.occ, self.kind, self.hardship, self.risk,
                          self.state, self.jail, self.pos, self.n_citizens, p.height, p.width,
                          bool(p.torus), self._cit_offsets, self._cop_offsets, self._rules,
                          self._keys)
            self.packed = G.build_packed(self.occ, self.state, p.height, p.width, p.halo,
                                         p.torus)
        self.kernel_seconds += time.perf_counter() - start
        self._active.append(int(counts[0]))
        self._jailed.append(int(counts[1]))
        self._legitimacy.append(legitimacy)

    def run(self, steps: int) -> EpsteinModel:
        """Advance ``steps`` steps; returns self."""
        for _ in range(int(steps)):
            self.step()
        return self

    # ---------------------------------------------------------------- results
    def timeseries(self) -> pd.DataFrame:
        """Citizen counts per step, step 0 being the initial state.

        Returns:
            DataFrame with columns ``step``, ``active``, ``quiet``, ``jailed`` (counts of
            citizens) and ``legitimacy`` (L during the step; the initial L at step 0).
        """
        active = np.asarray(self._active, dtype=np.int64)
        jailed = np.asarray(self._jailed, dtype=np.int64)
        return pd.DataFrame(
            {
                "step": np.arange(active.size),
                "active": active,
                "quiet": self.n_citizens - active - jailed,
                "jailed": jailed,
                "legitimacy": np.asarray(self._legitimacy, dtype=np.float64),
            }
        )

    def summary(self, outburst_share: float = 0.05, burn_in: int = 0) -> dict:
        """Summary statistics of the run so far.

        Args:
            outburst_share: An outburst is a maximal run of steps with at least this share of
                citizens active (:func:`count_outbursts`); 0.05 = 5 %.
            burn_in: Steps at the start excluded from every statistic.

        Returns:
            Dict with ``steps``, ``citizens``, ``cops``, mean / final / max of ``active`` and
            ``jailed`` (counts), ``outbursts`` (number), ``mean_outburst_peak``,
            ``mean_waiting_time`` (steps between the starts of consecutive outbursts; NaN with
            fewer than two outbursts) and the definition used.
        """
        ts = self.timeseries()
        window = ts[ts.step >= burn_in] if burn_in else ts
        threshold = outburst_share * self.n_citizens
        starts, peaks, _ = count_outbursts(ts.active.to_numpy(), threshold, burn_in)
        return {
            "steps": int(ts.step.iloc[-1]),
            "citizens": self.n_citizens,
            "cops": self.n_cops,
            "mean_active": float(window.active.mean()),
            "final_active": int(ts.active.iloc[-1]),
            "max_active": int(window.active.max()),
            "mean_jailed": float(window.jailed.mean()),
            "final_jailed": int(ts.jailed.iloc[-1]),
            "max_jailed": int(window.jailed.max()),
            "outbursts": int(starts.size),
            "mean_outburst_peak": float(peaks.mean()) if peaks.size else float("nan"),
            "mean_waiting_time": float(np.diff(starts).mean()) if starts.size > 1
            else float("nan"),
            "outburst_definition": f"maximal run of steps >= {burn_in} with active >= "
            f"{outburst_share:g} x citizens ({threshold:.1f})",
        }

    def arrest_probabilities(self) -> np.ndarray:
        """Each citizen's estimated arrest probability P from the grid as it is now.

        Computed with NumPy over whole grids (shifted copies, one per neighbourhood offset),
        independently of the kernels: useful to inspect a state and to check the kernels.

        Returns:
            float64 ``[n_citizens]``: P = 1 - exp(-k f(C/A)) with the model's arrest rule and
            neighbourhood; NaN for citizens jailed off the grid.
        """
        p = self.params
        codes = self.grid_states()
        V = p.citizen_vision
        mode = {"mode": "wrap"} if p.torus else {"mode": "constant", "constant_values": -1}
        padded = np.pad(codes, V, **mode)
        cops = np.zeros(codes.shape, dtype=np.int64)
        actives = np.zeros(codes.shape, dtype=np.int64)
        H, W = codes.shape
        for dy, dx in G.neighbourhood_offsets(p.neighbourhood, V):
            if dy == 0 and dx == 0 and not p.count_own_cell:
                continue
            window = padded[V + dy : V + dy + H, V + dx : V + dx + W]
            cops += window == G.COP
            actives += window == G.ACTIVE
        prob = np.full(self.n_citizens, np.nan)
        on_grid = self.occ[self.pos[: self.n_citizens]] == np.arange(self.n_citizens)
        cells = self.pos[: self.n_citizens][on_grid]
        prob[on_grid] = [
            K.arrest_probability(int(c), int(a) + 1, p.k, p.arrest_rule)
            for c, a in zip(cops.ravel()[cells], actives.ravel()[cells], strict=True)
        ]
        return prob

    def grid_states(self) -> np.ndarray:
        """Cell codes as an ``[height, width]`` int8 array: -1 empty, else the agent's state."""
        codes = np.full(self.occ.size, -1, dtype=np.int8)
        taken = self.occ >= 0
        codes[taken] = self.state[self.occ[taken]]
        return codes.reshape(self.params.height, self.params.width)
