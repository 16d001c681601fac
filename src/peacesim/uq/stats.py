"""The few statistics the uncertainty instruments share: intervals and the seed-noise share.

Kept here, small and dependency-light (NumPy and SciPy's t quantiles), so that every
instrument reports intervals the same way.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def t_quantile(p: float, dof: int) -> float:
    """The ``p`` quantile of Student's t with ``dof`` degrees of freedom."""
    from scipy.stats import t

    return float(t.ppf(p, dof))


def t_interval(values, level: float = 0.9) -> tuple[float, float, float, int]:
    """Mean and two-sided t interval of the mean of independent values.

    Args:
        values: Sample (for paired designs: the paired differences). NaNs are dropped.
        level: Coverage of the interval (0.9 = 90 %).

    Returns:
        ``(mean, low, high, n)``; low and high are NaN with fewer than two values.
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = x.size
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    mean = float(x.mean())
    if n < 2:
        return mean, math.nan, math.nan, n
    half = t_quantile(0.5 + level / 2, n - 1) * float(x.std(ddof=1)) / math.sqrt(n)
    return mean, mean - half, mean + half, n


def seed_noise_share(frame: pd.DataFrame, point: str, outcome: str) -> float:
    """Share of an outcome's variance that is seed noise (variance within design points).

    Args:
        frame: One row per (design point, seed).
        point: Column naming the design point.
        outcome: Outcome column.

    Returns:
        Mean within-point variance over total variance (both with ddof=1), in [0, 1] up to
        sampling error; NaN when the outcome does not vary or no point has two seeds.
    """
    groups = frame.groupby(point)[outcome]
    within = groups.var(ddof=1).dropna()
    total = float(frame[outcome].var(ddof=1))
    if within.empty or not np.isfinite(total) or total <= 0:
        return math.nan
    return float(min(1.0, within.mean() / total))


def intended_sign_share(effects: pd.Series, sign: float) -> float:
    """Share of values that have the given sign (+1 or -1); NaN for an empty series."""
    x = np.asarray(effects, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0 or sign == 0:
        return math.nan
    return float(np.mean(np.sign(x) == np.sign(sign)))
