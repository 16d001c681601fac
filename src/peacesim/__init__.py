"""peacesim: agent-based simulation of trust between communities and security forces.

The public API::

    import peacesim
    cfg = peacesim.load_config("baseline", overrides=["steps=104", "seed=7"])
    model = peacesim.PeaceModel(cfg)
    model.run()
    ts = model.timeseries()   # one row per step and region
    out = model.summary()     # national outcomes
    run = peacesim.build_model(cfg)  # PeaceModel, or a published model for model=epstein

Importing peacesim pulls in neither Hydra's app nor matplotlib.
"""

from __future__ import annotations

from peacesim.threads import choose_layer

#: Numba's threading layer for this process: Intel TBB when installed, else workqueue
#: (see :mod:`peacesim.threads`); a user's own NUMBA_THREADING_LAYER wins.
THREADING_LAYER = choose_layer()

__version__ = "0.1.0"

import multiprocessing as _mp  # noqa: E402

# Mesa's batchrunner sets multiprocessing's start method to spawn, for the whole process,
# when Mesa is imported; give the user back the method they had (or none chosen yet).
_start_method = _mp.get_start_method(allow_none=True)

__all__ = [
    "ArmedGroup",
    "ConfigError",
    "InvariantError",
    "PeaceModel",
    "SecurityForce",
    "WomensGroup",
    "Youth",
    "build_model",
    "load_config",
    "scenario_names",
    "to_config",
    "__version__",
    "calibrate",
    "compare",
    "ensemble",
    "sensitivity",
]

from peacesim.agents import ArmedGroup, SecurityForce, WomensGroup, Youth  # noqa: E402
from peacesim.config import ConfigError, load_config, scenario_names, to_config  # noqa: E402
from peacesim.model import InvariantError, PeaceModel  # noqa: E402
from peacesim.runner import build_model  # noqa: E402

if _mp.get_start_method(allow_none=True) != _start_method:
    _mp.set_start_method(_start_method, force=True)
del _start_method


def __getattr__(name: str):
    # The uncertainty instruments load on first use (they pull in SALib, Optuna, matplotlib).
    if name in ("ensemble", "sensitivity", "compare", "calibrate"):
        import importlib

        function = getattr(importlib.import_module(f"peacesim.uq.{name}"), name)
        globals()[name] = function
        return function
    raise AttributeError(f"module 'peacesim' has no attribute {name!r}")
