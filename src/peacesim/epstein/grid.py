"""Grid geometry of Epstein's civil-violence Model I: states, codes, neighbourhoods, packing.

What the Numba kernels (:mod:`peacesim.epstein.kernels`) and their plain-Python twins
(:mod:`peacesim.epstein.reference`) share, computed in Python once per model.

State (preallocated by :class:`peacesim.epstein.EpsteinModel`):

* ``occ`` int32 ``[H*W]``: the agent row on each cell, or -1.
* ``packed`` uint64 ``[(H + 2V) * PW]``, ``PW = W + 2V``: the grid padded by a halo of
  V = max vision cells. Each cell holds one-hot counters in 16-bit fields, ``EMPTY = 1``,
  ``ACTIVE = 1 << 16``, ``COP = 1 << 32`` (quiet and jailed citizens, and the walls of a bounded
  grid, hold 0), so one pass of additions over a neighbourhood counts empties, actives and cops
  together. On a torus the halo mirrors the opposite edges (each write updates up to four
  copies), so a neighbourhood is a fixed list of contiguous row spans: no modulo, no branch.
* agent rows, citizens first, then cops: ``kind`` uint8 (0 citizen, 1 cop), ``hardship`` and
  ``risk`` float64, ``state`` uint8 (:data:`QUIET`, :data:`ACTIVE`, :data:`JAILED`,
  :data:`COP`), ``jail`` int32 (steps left), ``pos`` int32 (cell; a citizen jailed off the grid
  keeps its arrest cell).

Neighbourhoods (:class:`Hood`) are row spans ordered by dy then dx, both ascending, plus the
flat list of the same cells (centre included); "the r-th empty cell" means the r-th in that
order, in the kernels and in the twins alike.
"""

from __future__ import annotations

import math
from collections import namedtuple

import numpy as np

__all__ = [
    "QUIET",
    "ACTIVE",
    "JAILED",
    "COP",
    "RULE_CODES",
    "JAIL_CODES",
    "Hood",
    "Geometry",
    "Rules",
    "Keys",
    "Scratch",
    "neighbourhood_offsets",
    "make_hood",
    "build_packed",
]

# Agent states (column ``state``).
QUIET = 0
ACTIVE = 1
JAILED = 2
COP = 3

# Codes of the string options passed to the kernels.
RULE_CODES = {"floor": 0, "round": 1, "continuous": 2}
JAIL_CODES = {"stay_on_grid": 0, "leave_grid": 1}
#: Arrest-rule codes (values of :data:`RULE_CODES`).
FLOOR, ROUND, CONTINUOUS = 0, 1, 2
#: Jail-mode codes (values of :data:`JAIL_CODES`).
STAY_ON_GRID, LEAVE_GRID = 0, 1
#: 2**53: turns the top 53 bits of a 64-bit draw into a float in [0, 1).
TWO53 = 9007199254740992.0

# One-hot fields of the packed grid.
F_EMPTY = np.uint64(1)
F_ACTIVE = np.uint64(1 << 16)
F_COP = np.uint64(1 << 32)
F_ZERO = np.uint64(0)

#: A neighbourhood on the padded grid (int64 arrays): row spans ``off`` (start, relative to
#: the centre's padded index) and ``length``; ``dy`` and half-width ``w`` of each row; ``flat``,
#: the padded offsets of all its cells in scan order, centre included.
Hood = namedtuple("Hood", "off length dy w flat")
#: Grid sizes: height, width, halo, padded width (W + 2 * halo), torus (0/1).
Geometry = namedtuple("Geometry", "H W V PW torus")
#: Rules: k, threshold T, arrest-rule code, Jmax, jail code, move_first, movement,
#: count_own_cell (0/1), the number of draws tried before a move falls back to a search, the
#: number of batches of the batched kernel and the smallest batch whose loops run in parallel.
Rules = namedtuple("Rules", "k threshold rule max_jail jail_mode move_first movement count_own"
                   " tries batches parallel_min_batch")
#: Stream keys (uint64) of the draws of a step (``repick``: second draws of the batched
#: kernel's movers whose cell was taken).
Keys = namedtuple("Keys", "order move arrest jail release repick")
#: Scratch arrays of the kernels: perm int64 [n], rows uint64 [2V+1], acts uint8 [n],
#: newstate uint8 [n], target int64 [n].
Scratch = namedtuple("Scratch", "perm rows acts newstate target")


def _half_width(kind: str, vision: int, dy: int) -> int:
    if kind == "von_neumann":
        return vision - abs(dy)
    if kind == "moore":
        return vision
    if kind == "euclidean":
        return math.isqrt(vision * vision - dy * dy)
    raise ValueError(f"unknown neighbourhood {kind!r}")


def neighbourhood_offsets(kind: str, vision: int) -> list[tuple[int, int]]:
    """Cell offsets (dy, dx) of a neighbourhood in scan order, the centre included.

    Args:
        kind: ``"von_neumann"`` (|dx| + |dy| <= v), ``"moore"`` (max(|dx|, |dy|) <= v) or
            ``"euclidean"`` (dx^2 + dy^2 <= v^2).
        vision: Radius, cells.

    Returns:
        Offsets ordered by dy then dx, both ascending.
    """
    out = []
    for dy in range(-vision, vision + 1):
        w = _half_width(kind, vision, dy)
        out.extend((dy, dx) for dx in range(-w, w + 1))
    return out


def make_hood(kind: str, vision: int, padded_width: int) -> Hood:
    """The :class:`Hood` of a neighbourhood on a padded grid of width ``padded_width``."""
    dy = np.arange(-vision, vision + 1, dtype=np.int64)
    w = np.array([_half_width(kind, vision, int(d)) for d in dy], dtype=np.int64)
    flat = np.array([a * padded_width + b for a, b in neighbourhood_offsets(kind, vision)],
                    dtype=np.int64)
    return Hood(dy * padded_width - w, 2 * w + 1, dy, w, flat)


def build_packed(occ, state, H, W, V, torus):
    """Padded one-hot grid of an occupancy grid (NumPy; set-up and twins).

    Args:
        occ: int32 ``[H*W]`` agent rows or -1.
        state: uint8 agent states.
        H: Grid height, cells.
        W: Grid width, cells.
        V: Halo width (largest vision).
        torus: Whether the halo mirrors the opposite edges (else it is wall, 0).

    Returns:
        uint64 ``[(H + 2V) * (W + 2V)]``.
    """
    values = np.full(H * W, F_EMPTY, dtype=np.uint64)
    taken = occ >= 0
    s = state[occ[taken]]
    values[taken] = np.where(s == ACTIVE, F_ACTIVE, np.where(s == COP, F_COP, F_ZERO))
    grid = values.reshape(H, W)
    mode = {"mode": "wrap"} if torus else {"mode": "constant", "constant_values": 0}
    return np.ascontiguousarray(np.pad(grid, V, **mode)).reshape(-1)
