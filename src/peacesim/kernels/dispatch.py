"""Parallel kernels with a serial twin, chosen by the size of the run.

A kernel that loops over cells with ``prange`` pays a fixed cost at each launch (Numba's
workqueue layer hands the loop to its threads), which is most of a step's time when the
cells hold few members. Measured on the 2-core machine (baseline, 30 timed steps after 3
warm-up steps, every cell kernel held on one compilation, while other work loaded it): at
10,000 members 2.8 ms a step serial against 7.8 ms parallel, at 100,000 7.5 against 13.3, at
one million 49.9 against 46.9 (:func:`force` holds one compilation for such comparisons).
:func:`cell_kernel` compiles the same Python function twice, with and without ``parallel``;
each call runs the one :func:`use_parallel` chose. The kernels' results do not depend on the
order cells are visited (counter-based draws, per-cell sums), so the choice changes speed,
never results: tests compare both with the NumPy twins.
"""

from __future__ import annotations

import functools
import types

from numba import njit

#: Runs with fewer members than this use the serial kernels (members; measured crossover:
#: serial is faster at 10,000 and 100,000 members, equal at one million).
SERIAL_BELOW = 500_000

_state: dict = {"parallel": True, "forced": None}


def use_parallel(flag: bool) -> None:
    """Choose the parallel (True) or the serial (False) compilation for the calls that follow.

    Ignored while :func:`force` holds a choice.
    """
    forced = _state["forced"]
    _state["parallel"] = bool(flag) if forced is None else forced


def force(flag: bool | None) -> None:
    """Hold one compilation for every call (True parallel, False serial), or release (None).

    For benchmarks and tests that compare the two.
    """
    _state["forced"] = flag
    if flag is not None:
        _state["parallel"] = bool(flag)


def parallel_for(members: int, threads: int) -> bool:
    """Whether a run of ``members`` members on ``threads`` threads should use parallel kernels."""
    return threads > 1 and members >= SERIAL_BELOW


class CellKernel:
    """A kernel compiled twice; calling it runs the compilation :func:`use_parallel` chose.

    Attributes:
        parallel: The ``parallel=True`` compilation.
        serial: The serial compilation of the same function.
        py_func: The Python function itself.
    """

    def __init__(self, fn):
        self.py_func = fn
        self.parallel = njit(parallel=True, cache=True)(fn)
        twin = types.FunctionType(fn.__code__, fn.__globals__, f"{fn.__name__}_serial",
                                  fn.__defaults__, fn.__closure__)
        twin.__qualname__ = f"{fn.__qualname__}_serial"  # its own entry in Numba's cache
        twin.__module__ = fn.__module__
        twin.__doc__ = fn.__doc__
        self.serial = njit(cache=True)(twin)
        functools.update_wrapper(self, fn)

    def __call__(self, *args):
        """Run the chosen compilation."""
        return (self.parallel if _state["parallel"] else self.serial)(*args)

    def dispatchers(self) -> tuple:
        """Both compilations (for cache inspection)."""
        return self.parallel, self.serial


def cell_kernel(fn) -> CellKernel:
    """Decorator: a kernel over cells with a parallel and a serial compilation."""
    return CellKernel(fn)
