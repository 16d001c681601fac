"""The forces' trust in communities after attacks on them, from a table of powers.

Each week a cell's ``sdf_trust`` keeps ``(1 - sdf_attack_loss) ** attacks_near`` of itself,
``attacks_near`` the attacks on the forces in and next to the cell (a whole number), then
drifts back toward its starting level (:func:`peacesim.kernels.cells.
forces_trust_after_attacks`). The power was one ``np.power`` over all cells a week, most of
them with no attack; the powers of the whole numbers are computed once, with the same
``np.power`` (its bits do not depend on where a value sits in the array), and looked up.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from peacesim.kernels.cells import forces_trust_after_attacks


def kept_after_attacks(loss: float, size: int = 64) -> np.ndarray:
    """``(1 - loss) ** n`` for ``n = 0 .. size - 1`` attacks, by NumPy's power (float64)."""
    return np.power(1.0 - loss, np.arange(size, dtype=np.float64))


@njit(cache=True)
def trust_after_attacks(sdf_trust, attacks_near, kept, drift, start):
    """Attacks, then the drift back, with the kept shares looked up in ``kept``.

    Does nothing and returns False if some ``attacks_near`` is not a whole number below
    ``len(kept)`` (the caller then takes the power in NumPy); else updates ``sdf_trust`` as
    :func:`peacesim.kernels.cells.forces_trust_after_attacks` with ``kept[attacks_near]``
    and returns True.

    Args:
        sdf_trust: float64 [n_cells], the forces' trust in the community (updated in place).
        attacks_near: float64 [n_cells], attacks on the forces in and next to the cell.
        kept: float64 [k], :func:`kept_after_attacks`.
        drift: Weekly drift back toward ``start``.
        start: The forces' starting trust in communities.
    """
    size = len(kept)
    for c in range(len(sdf_trust)):
        a = attacks_near[c]
        if not (a >= 0.0 and a < size and a == np.floor(a)):
            return False
    for c in range(len(sdf_trust)):
        s = sdf_trust[c] * kept[np.int64(attacks_near[c])]
        s = s + drift * (start - s)
        sdf_trust[c] = min(max(s, 0.0), 1.0)
    return True


def trust_after_attacks_numpy(sdf_trust, attacks_near, kept, drift, start):
    """Twin of :func:`trust_after_attacks`: the calls it replaced (applies any attacks).

    ``kept[1]`` is ``1 - loss`` itself (a power of 1 is exact).
    """
    forces_trust_after_attacks(sdf_trust, np.power(kept[1], attacks_near), drift, start)
    return True
