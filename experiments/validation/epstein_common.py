"""Helpers shared by the Epstein (2002) validation scripts (experiments/validation/epstein_*.py).

Not an experiment itself: a manifest for each result (parameters, seeds, versions, commit,
timing) and small writers, so that every script records how its numbers were made.
"""

from __future__ import annotations

import dataclasses
import json
import platform
import subprocess
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).parent / "results"


def versions() -> dict:
    """Versions of the packages the results depend on."""
    import mesa
    import numba
    import pandas
    import scipy

    import peacesim

    return {"python": platform.python_version(), "peacesim": peacesim.__version__,
            "mesa": mesa.__version__, "numba": numba.__version__, "numpy": np.__version__,
            "scipy": scipy.__version__, "pandas": pandas.__version__}


def commit() -> str:
    """Git commit of the working tree (with '+dirty' when it has uncommitted changes)."""
    root = Path(__file__).resolve().parents[2]
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root,
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "src/peacesim/epstein"],
                               cwd=root, capture_output=True, text=True).stdout.strip()
        return head + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def manifest(command: str, params=None, seeds=None, started: float | None = None,
             **extra) -> dict:
    """Manifest of a result: command, parameters, seeds, versions, commit, wall time."""
    out = {"command": command, "commit": commit(), "versions": versions()}
    if params is not None:
        out["params"] = dataclasses.asdict(params)
    if seeds is not None:
        out["seeds"] = list(seeds)
    if started is not None:
        out["wall_seconds"] = round(time.perf_counter() - started, 1)
    out.update(extra)
    return out


def _clean(value):
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if not np.isfinite(value) else float(f"{float(value):.6g}")
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def write_json(name: str, payload: dict) -> Path:
    """Write results/<name> (NaN as null, floats to 6 significant digits)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / name
    path.write_text(json.dumps(_clean(payload), indent=2) + "\n")
    return path
