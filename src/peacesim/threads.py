"""Which Numba threading layer peacesim's parallel kernels run on.

Numba hands a ``prange`` loop to its threads through a *threading layer*. The layer's cost per
launch decides whether parallel kernels pay at small sizes: on the 2-core development machine
a trivial 10,000-element kernel took 102 µs a call on the built-in ``workqueue`` layer, 6.0 µs
on Intel TBB and 1.8 µs serial (20,000 calls each, ``NUMBA_THREADING_LAYER`` set per process).
TBB is also the one layer Numba documents as both fork-safe and thread-safe (its ``safe``
choice); GNU OpenMP breaks a process that forks after a parallel kernel ran, and ``workqueue``
aborts when two threads launch parallel kernels at once.

So peacesim uses TBB when the ``tbb`` package is installed (a dependency on x86-64) and falls
back to ``workqueue`` otherwise. A user's own ``NUMBA_THREADING_LAYER`` always wins. The
layer changes speed, never results: the kernels' draws are counter-based and their sums do
not depend on how cells are split between threads.

pip installs TBB's shared library into the environment's ``lib`` folder, which the dynamic
loader does not search; :func:`choose_layer` loads it by its path first, so that Numba's TBB
extension finds it already in the process.
"""

from __future__ import annotations

import ctypes
import os

#: The layer used when TBB cannot be loaded.
FALLBACK = "workqueue"


def _load_tbb() -> bool:
    """Load TBB's shared library from the ``tbb`` distribution; whether Numba's TBB layer loads."""
    try:
        from importlib import metadata

        files = metadata.files("tbb") or []
    except Exception:  # not installed (PackageNotFoundError) or unreadable metadata
        return False
    for f in files:
        if f.name.startswith("libtbb.so.") and f.name.count(".") == 2:  # libtbb.so.12
            try:
                ctypes.CDLL(str(f.locate()), mode=ctypes.RTLD_GLOBAL)
            except OSError:
                return False
            break
    try:
        from numba.np.ufunc import tbbpool  # noqa: F401  (the extension Numba would load)
    except ImportError:
        return False
    return True


def choose_layer() -> str:
    """Choose and set the threading layer for this process and the processes it starts.

    Returns:
        The layer's name (``"tbb"``, ``"workqueue"``, or the user's ``NUMBA_THREADING_LAYER``).
    """
    chosen = os.environ.get("NUMBA_THREADING_LAYER")
    if chosen:
        if chosen in ("tbb", "safe", "threadsafe", "forksafe"):
            _load_tbb()  # TBB asked for, or one of the choices Numba meets with it: findable
        return chosen
    layer = "tbb" if _load_tbb() else FALLBACK
    os.environ["NUMBA_THREADING_LAYER"] = layer  # for processes started from here
    import numba

    # numba reads the variable when it is first imported; if that happened before peacesim,
    # set its config directly (it is read when the first parallel kernel launches threads).
    numba.config.THREADING_LAYER = layer
    return layer
