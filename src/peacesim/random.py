"""Designed randomness: one root seed, named streams, counter-based draws.

Every random number in peacesim is a pure function of ``(stream key, step, index, draw)``:

* the **stream key** comes from the root seed and the stream's name (one per mechanism and
  purpose), through :class:`numpy.random.SeedSequence`, so switching one mechanism on or off
  never shifts the draws of another (common random numbers across scenarios);
* the **counter** ``(step, index, draw)`` names the draw: the step of the model, the row of
  the agent (or cell, or unit) and which of its draws this is.

Because no generator state is carried from one draw to the next, the result does not depend
on the order in which rows are visited, so parallel kernels give bit-identical results for any
thread count, and a checkpoint needs no generator state at all.

The hash is SplitMix64 (Steele, Lea & Flood 2014, "Fast splittable pseudorandom number
generators", OOPSLA), applied three times to fold the counter into the key.
"""

from __future__ import annotations

import zlib

import numpy as np
from numba import njit

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_S32 = np.uint64(32)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53


#: Stream of the members' fixed traits (youth, sex, community), drawn by the model.
POPULATION_TRAITS = "population.traits"

# Streams that more than one mechanism draws from. The same draw decides, in the trust kernel
# and in the grievance kernel, whether a member was protected or harmed this week, so the
# two must use one key: these constants, never a string typed twice.
#: Whether a member felt protected by the forces this week.
PROTECTED = "patrol.protect"
#: Whether a member was harmed by the forces this week.
HARMED_BY_FORCES = "patrol.harm"
#: Whether a member was harmed by armed groups or communal violence this week.
HARMED_BY_VIOLENCE = "violence.harm"
#: Whether a member heard of the forces' harm or abuse to others (draw 0) or of a protection
#: (draw 1) this week: word of mouth.
HEARD = "news.hear"
#: All shared streams.
SHARED_STREAMS = (PROTECTED, HARMED_BY_FORCES, HARMED_BY_VIOLENCE, HEARD)


def stream_key(seed: int, name: str) -> np.uint64:
    """Return the 64-bit key of the named random stream under a root seed.

    Args:
        seed: Root seed of the run (any non-negative integer).
        name: Name of the stream, for example ``"patrol.move"``.

    Returns:
        The stream key, a ``numpy.uint64``.
    """
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    sequence = np.random.SeedSequence(int(seed), spawn_key=(zlib.crc32(name.encode()),))
    return np.uint64(sequence.generate_state(1, dtype=np.uint64)[0])


@njit(cache=True, inline="always")
def _splitmix(x):
    z = x + _GOLDEN
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    return z ^ (z >> _S31)


@njit(cache=True, inline="always")
def hash_counter(key, step, index, draw):
    """Hash a counter into 64 random bits (Numba; scalars only).

    Args:
        key: Stream key (uint64).
        step: Model step (int).
        index: Row of the agent, cell or unit (int).
        draw: Which draw of that row at that step (int).

    Returns:
        A uint64 of random bits.
    """
    counter = (np.uint64(step) << _S32) ^ np.uint64(draw)
    h = _splitmix(key ^ _splitmix(counter))
    return _splitmix(h ^ np.uint64(index))


@njit(cache=True, inline="always")
def uniform(key, step, index, draw):
    """Return a uniform float64 in [0, 1) for a counter (Numba; scalars only)."""
    return np.float64(hash_counter(key, step, index, draw) >> _S11) * _TO_UNIT


@njit(cache=True, inline="always")
def below(key, step, index, draw, n):
    """Return a uniform integer in [0, n) for a counter (Numba; scalars only; n >= 1)."""
    return np.int64(uniform(key, step, index, draw) * n)


@njit(cache=True, inline="always")
def draw_key(key, step, draw):
    """The part of a counter's hash shared by every row: one per stream, step and draw.

    ``uniform_at(draw_key(key, step, draw), index)`` is ``uniform(key, step, index, draw)``,
    bit for bit (the same SplitMix64 rounds of :func:`hash_counter`); a loop
    over a few hundred units hashes the row alone instead of the whole counter per draw.
    """
    counter = (np.uint64(step) << _S32) ^ np.uint64(draw)
    return _splitmix(key ^ _splitmix(counter))


@njit(cache=True, inline="always")
def uniform_at(draw_key, index):
    """Uniform float64 in [0, 1) of row ``index`` for a :func:`draw_key` (see there)."""
    return np.float64(_splitmix(draw_key ^ np.uint64(index)) >> _S11) * _TO_UNIT


def _splitmix_numpy(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        z = x + _GOLDEN
        z = (z ^ (z >> _S30)) * _MIX1
        z = (z ^ (z >> _S27)) * _MIX2
        return z ^ (z >> _S31)


@njit(cache=True)
def _uniform_rows(key, step, rows, draw, out):
    """``out[i] = uniform(key, step, rows[i], draw)``: one compiled loop, no temporaries."""
    for i in range(len(rows)):
        out[i] = uniform(key, step, rows[i], draw)


def uniform_numpy(key, step, index, draw) -> np.ndarray:
    """Array version of :func:`uniform`; broadcasts over array arguments.

    The common call (one step, one draw number, a 1-D array of rows or a single row) runs one
    compiled loop: a mechanism's weekly per-cell draws cost about a microsecond instead of the
    twenty NumPy temporaries of the general path. Both paths give the same bits as
    :func:`uniform` (integer arithmetic only).

    Args:
        key: Stream key (uint64).
        step: Model step (int or int array).
        index: Rows (int or int array).
        draw: Draw number (int or int array).

    Returns:
        Uniform float64 values in [0, 1), one per broadcast element.
    """
    if _is_int(step) and _is_int(draw):
        if _is_int(index) and index >= 0:
            return np.float64(uniform(np.uint64(key), int(step), int(index), int(draw)))
        if (isinstance(index, np.ndarray) and index.ndim == 1 and index.dtype.kind in "iu"
                and step >= 0 and draw >= 0):
            out = np.empty(len(index), dtype=np.float64)
            _uniform_rows(np.uint64(key), int(step), index.astype(np.int64, copy=False),
                          int(draw), out)
            return out
    return _uniform_broadcast(key, step, index, draw)


def _is_int(x) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, bool)


def _uniform_broadcast(key, step, index, draw) -> np.ndarray:
    step = np.asarray(step, dtype=np.int64).astype(np.uint64)
    index = np.asarray(index, dtype=np.int64).astype(np.uint64)
    draw = np.asarray(draw, dtype=np.int64).astype(np.uint64)
    counter = (step << _S32) ^ draw
    h = _splitmix_numpy(np.uint64(key) ^ _splitmix_numpy(counter))
    bits = _splitmix_numpy(h ^ index)
    return (bits >> _S11).astype(np.float64) * _TO_UNIT


class Streams:
    """The named random streams of one run.

    Args:
        seed: Root seed of the run.
        names: The streams that may be used (declared by the mechanisms); None allows any
            name (the published models). With a list, asking for another name is an error,
            so a typo cannot silently decouple two mechanisms that must share draws.

    Example:
        >>> streams = Streams(7)
        >>> key = streams["trust.influence"]
    """

    def __init__(self, seed: int, names=None):
        self.seed = int(seed)
        self._keys: dict[str, np.uint64] = {}
        self._declared = None if names is None else frozenset(names)

    def _check(self, name: str) -> None:
        if self._declared is not None and name not in self._declared:
            raise KeyError(f"random stream {name!r} is not declared: a mechanism lists its "
                           "own purposes in `streams`; shared streams are constants in "
                           "peacesim.random")

    def __getitem__(self, name: str) -> np.uint64:
        if name not in self._keys:
            self._check(name)
            self._keys[name] = stream_key(self.seed, name)
        return self._keys[name]

    def generator(self, name: str) -> np.random.Generator:
        """A NumPy generator for the named stream, for one-off draws at set-up.

        Use it only outside the step loop (initial conditions): during the run every draw
        goes through the counter functions so that no generator state needs saving.
        """
        self._check(name)
        sequence = np.random.SeedSequence(self.seed, spawn_key=(zlib.crc32(name.encode()), 1))
        self._keys.setdefault(name, stream_key(self.seed, name))
        return np.random.Generator(np.random.PCG64(sequence))

    def names(self) -> list[str]:
        """Names of the streams used so far, in first-use order."""
        return list(self._keys)
