"""Field constructors that carry the allowed range of a parameter.

Parameter dataclasses use these instead of bare defaults so that one validator
(:func:`peacesim.config.validate.validate`) can check every key of every mechanism and name
the key and what is allowed when a value is out of range.

Example:
    >>> from dataclasses import dataclass
    >>> @dataclass
    ... class PatrolParams:
    ...     presence: float = share(0.3)
"""

from __future__ import annotations

from dataclasses import field
from typing import Any

RANGE = "peacesim_range"

#: Upper bound of every number declared without one (``nonneg``, ``positive``, ``bounded``
#: without ``hi``). No parameter of the model means anything above it (weeks, people, rates
#: and weights are all far smaller), and it keeps products of parameters far from float
#: overflow and every integer inside int64, so an absurd value is refused at load time
#: instead of turning into inf or NaN in the results.
LARGE = 1e9


def bounded(default: Any, lo: float = -LARGE, hi: float = LARGE, *, lo_open: bool = False):
    """A number in ``[lo, hi]`` (or ``(lo, hi]`` when ``lo_open``); NaN and inf are refused."""
    return field(default=default, metadata={RANGE: (lo, hi, lo_open)})


def share(default: float):
    """A share or probability, in [0, 1]."""
    return bounded(default, 0.0, 1.0)


def nonneg(default: float, hi: float = LARGE):
    """A non-negative number, at most ``hi``."""
    return bounded(default, 0.0, hi)


def positive(default: float, hi: float = LARGE):
    """A strictly positive number, at most ``hi``."""
    return bounded(default, 0.0, hi, lo_open=True)


def step_index(default: int = 0):
    """A model step (week), >= 0."""
    return bounded(default, 0)


def listing(default: list):
    """A list-valued field (copied for each instance)."""
    return field(default_factory=lambda: list(default))
