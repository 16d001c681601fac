"""Kernels of the record phase: regional sums of per-cell and per-actor arrays.

The record phase turns per-cell columns into ``[region]`` results, about fifty regional sums
a week. At 10,000 members a sum over the 1,687 cells costs about 2 us of arithmetic (each
region's running sum is one chain of dependent additions) and as much again in call
overhead, so :func:`region_sums4` sums up to four arrays in one call with four running sums
side by side (through :meth:`peacesim.world.World.region_sums`). Every sum adds its values
one at a time, as float64, in the order ``np.bincount`` (and
:func:`peacesim.kernels.cells.region_sum`) adds them, so the kernels give their NumPy twins'
results bit for bit.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def region_sums4(by_region, starts, count, v0, v1, v2, v3, weight, out):
    """Regional sums of ``count`` (1-4) per-cell arrays, optionally weighted per cell.

    Args:
        by_region: int64 [n_cells], the cells region by region, each region's in increasing
            index order (see :func:`peacesim.kernels.cells.region_sum`).
        starts: int64 [n_regions + 1], region ``r``'s cells are
            ``by_region[starts[r]:starts[r + 1]]``.
        count: How many of ``v0 .. v3`` to sum (the others are not read).
        v0, v1, v2, v3: Per-cell arrays of any numeric or boolean dtype.
        weight: None for plain sums, or float64 [n_cells] multiplying each value (as
            float64) before it is added.
        out: float64 [count or more, n_regions], row ``k`` written with the sums of ``v<k>``:
            the bits of ``np.bincount(region, weights=v<k> * weight)`` (or without
            ``* weight``).
    """
    for r in range(len(starts) - 1):
        lo, hi = starts[r], starts[r + 1]
        if count == 1:
            out[0, r] = _sum1(by_region, lo, hi, v0, weight)
        elif count == 2:
            out[0, r], out[1, r] = _sum2(by_region, lo, hi, v0, v1, weight)
        elif count == 3:
            out[0, r], out[1, r], out[2, r] = _sum3(by_region, lo, hi, v0, v1, v2, weight)
        else:
            out[0, r], out[1, r], out[2, r], out[3, r] = _sum4(by_region, lo, hi, v0, v1, v2,
                                                               v3, weight)


# One running sum per array, side by side, over the cells by_region[lo:hi]: the sums are
# independent chains of additions, so the processor adds them in parallel. ``weight is None``
# is decided when Numba compiles (a plain sum has no multiplication).
@njit(cache=True)
def _sum1(by_region, lo, hi, v0, weight):
    s0 = 0.0
    for i in range(lo, hi):
        c = by_region[i]
        if weight is None:
            s0 += np.float64(v0[c])
        else:
            s0 += np.float64(v0[c]) * weight[c]
    return s0


@njit(cache=True)
def _sum2(by_region, lo, hi, v0, v1, weight):
    s0 = 0.0
    s1 = 0.0
    for i in range(lo, hi):
        c = by_region[i]
        if weight is None:
            s0 += np.float64(v0[c])
            s1 += np.float64(v1[c])
        else:
            w = weight[c]
            s0 += np.float64(v0[c]) * w
            s1 += np.float64(v1[c]) * w
    return s0, s1


@njit(cache=True)
def _sum3(by_region, lo, hi, v0, v1, v2, weight):
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    for i in range(lo, hi):
        c = by_region[i]
        if weight is None:
            s0 += np.float64(v0[c])
            s1 += np.float64(v1[c])
            s2 += np.float64(v2[c])
        else:
            w = weight[c]
            s0 += np.float64(v0[c]) * w
            s1 += np.float64(v1[c]) * w
            s2 += np.float64(v2[c]) * w
    return s0, s1, s2


@njit(cache=True)
def _sum4(by_region, lo, hi, v0, v1, v2, v3, weight):
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    for i in range(lo, hi):
        c = by_region[i]
        if weight is None:
            s0 += np.float64(v0[c])
            s1 += np.float64(v1[c])
            s2 += np.float64(v2[c])
            s3 += np.float64(v3[c])
        else:
            w = weight[c]
            s0 += np.float64(v0[c]) * w
            s1 += np.float64(v1[c]) * w
            s2 += np.float64(v2[c]) * w
            s3 += np.float64(v3[c]) * w
    return s0, s1, s2, s3


def region_sums4_numpy(region, count, v0, v1, v2, v3, weight, out):
    """NumPy twin of :func:`region_sums4`, from each cell's region."""
    for k, values in enumerate((v0, v1, v2, v3)[:count]):
        values = values.astype(np.float64)
        out[k] = np.bincount(region, weights=values if weight is None else values * weight,
                             minlength=out.shape[1])


@njit(cache=True)
def add_by_cell_region(cell, cell_region, values, out):
    """Add each actor's value into its cell's region: ``out[cell_region[cell[k]]] += values[k]``.

    Args:
        cell: int [n_actors], each actor's cell (armed groups, women's groups...).
        cell_region: int [n_cells], each cell's region.
        values: [n_actors], any numeric or boolean dtype, added as float64 in actor order.
        out: float64 [n_regions], added to in place.
    """
    for k in range(len(cell)):
        out[cell_region[cell[k]]] += np.float64(values[k])


def add_by_cell_region_numpy(cell, cell_region, values, out):
    """NumPy twin of :func:`add_by_cell_region`."""
    np.add.at(out, cell_region[cell], values.astype(np.float64))


@njit(cache=True)
def rows_region_sum(rows, row_region, values, out):
    """Sums of ``values[rows[k]]`` by ``row_region[k]``, in the order of ``rows`` (float64).

    Args:
        rows: int [n], the rows summed (a subset of members, say).
        row_region: int [n], the region of each of those rows.
        values: the column the rows index (any numeric dtype).
        out: float64 [n_regions], written.
    """
    out[:] = 0.0
    for k in range(len(rows)):
        out[row_region[k]] += np.float64(values[rows[k]])


def rows_region_sum_numpy(rows, row_region, values, out):
    """NumPy twin of :func:`rows_region_sum`."""
    out[:] = np.bincount(row_region, weights=values[rows], minlength=len(out))
