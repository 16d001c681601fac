"""Parallel kernels with a serial twin, chosen by the size of the run.

A kernel that loops over cells with ``prange`` pays a fixed cost at each launch (the
threading layer hands the loop to its threads), which is most of a step's time when the cells
hold few members. How much depends on the layer (:mod:`peacesim.threads`):

* on Numba's built-in ``workqueue`` (baseline, 30 timed steps after 3 warm-up steps, every
  cell kernel held on one compilation, while other work loaded the machine): at 10,000 members
  2.8 ms a step serial against 7.8 ms parallel, at 100,000 7.5 against 13.3, at one million
  49.9 against 46.9;
* on Intel TBB (``python benchmarks/full_model.py --sizes 1e4,2e4,1e5 --threads 2
  --parallel-kernels --repeats 3`` or 5, quiet machine, after the issue-14 fusion of the cell
  work): fastest of the processes 91.8 ns per agent-step serial against 80.9 parallel at
  10,000 members (medians 115 and 109), 55.1 against 54.2 at 20,000, 45.6 against 30.2 at
  100,000; at 2,000 and 5,000 members serial was faster (0.54 against 0.60 and 0.85 against
  1.05 ms a step, in one process).

:func:`force` holds one compilation for such comparisons. :func:`cell_kernel` compiles the
same Python function twice, with and without ``parallel``; each call runs the one
:func:`use_parallel` chose. The kernels' results do not depend on the order cells are visited
(counter-based draws, per-cell sums), so the choice changes speed, never results: tests
compare both with the NumPy twins.
"""

from __future__ import annotations

import functools
import types

from numba import njit

#: Runs with fewer members than this use the serial kernels, by threading layer (members; the
#: measured crossovers above). Numba meets a user's ``safe`` with TBB; a layer not listed (a
#: user's ``omp``, or ``threadsafe``, which may be either) uses the workqueue value.
SERIAL_BELOW_BY_LAYER = {"tbb": 10_000, "safe": 10_000, "workqueue": 500_000}


def serial_below() -> int:
    """The size below which runs use the serial kernels, for this process's threading layer."""
    import peacesim

    layer = peacesim.THREADING_LAYER
    return SERIAL_BELOW_BY_LAYER.get(layer, SERIAL_BELOW_BY_LAYER["workqueue"])

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
    return threads > 1 and members >= serial_below()


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
