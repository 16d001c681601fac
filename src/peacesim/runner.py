"""Run a config into a folder of results: the library's side of the command line.

:func:`run_to_dir` needs no Hydra app: research code can call it with any config. The folder
gets ``config.yaml`` (resolved), ``timeseries.parquet`` (one row per step and region),
``national.parquet``, ``cells.parquet`` (per-cell state at the start and the end, for maps),
``summary.json`` and, last, ``manifest.json`` (seed, versions, git commit, wall time, steps per
second, interventions). ``status.json`` says ``running``, ``completed`` or ``failed`` at every
moment; only a manifest with status ``completed`` marks a finished result.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import platform
import socket
import subprocess
import time
from dataclasses import fields, is_dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from peacesim import __version__
from peacesim.config import to_config
from peacesim.io import read_json, write_json, write_parquet, write_text

log = logging.getLogger("peacesim")

RESULT_FILES = ("config.yaml", "timeseries.parquet", "national.parquet", "cells.parquet",
                "summary.json")


def build_model(cfg):
    """Build the model a config names: PeaceModel, or a published special case.

    Args:
        cfg: Any config form accepted by :func:`peacesim.to_config`.
    """
    config = to_config(cfg)
    if config.model == "peace":
        from peacesim.model import PeaceModel

        return PeaceModel(config)
    from peacesim.published import PublishedRun

    return PublishedRun(config)


def is_completed(run_dir: str | Path) -> bool:
    """Whether ``run_dir`` holds a finished run (manifest completed, result files present)."""
    run_dir = Path(run_dir)
    manifest = read_json(run_dir / "manifest.json")
    if not manifest or manifest.get("status") != "completed":
        return False
    return all((run_dir / name).is_file() for name in manifest.get("files", RESULT_FILES))


def run_to_dir(cfg, run_dir: str | Path, *, overrides: list[str] | None = None) -> dict:
    """Run a config and write its results into ``run_dir``.

    Args:
        cfg: Any config form accepted by :func:`peacesim.to_config`.
        run_dir: Output folder (created if needed).
        overrides: The command-line overrides that made this config (recorded).

    Returns:
        The national summary (``<metric>_final``, ``<metric>_mean``).

    Raises:
        Exception: Whatever the run raised; ``status.json`` then says ``failed`` with the
            error, and no manifest is written.
    """
    from omegaconf import OmegaConf

    config = to_config(cfg)
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    if config.output.skip_completed and is_completed(run_dir):
        log.info("skipping %s: already completed", run_dir)
        return read_json(run_dir / "summary.json")
    started = dt.datetime.now(dt.timezone.utc)
    write_json(run_dir / "status.json", {"status": "running", "started": started.isoformat(),
                                         "pid": os.getpid()})
    try:
        write_text(run_dir / "config.yaml", OmegaConf.to_yaml(OmegaConf.structured(config)))
        t0 = time.perf_counter()
        model = build_model(config)
        t_build = time.perf_counter() - t0
        start_cells = _cell_snapshot(model)
        t1 = time.perf_counter()
        model.run(progress=_progress_logger(config) if config.output.progress else None)
        t_run = time.perf_counter() - t1
        summary = model.summary()
        write_parquet(run_dir / "timeseries.parquet", model.timeseries())
        write_parquet(run_dir / "national.parquet", model.national())
        write_parquet(run_dir / "cells.parquet", _cells_table(model, start_cells))
        write_json(run_dir / "summary.json", summary)
        figures_error = None
        if config.output.figures:
            try:
                from peacesim.report import write_run_report

                write_run_report(run_dir)
            except Exception as err:  # figures are derived; a failure must not lose the run
                figures_error = f"{type(err).__name__}: {err}"
                log.error("figures failed: %s", figures_error)
        finished = dt.datetime.now(dt.timezone.utc)
        manifest = {
            "status": "completed",
            "scenario": config.scenario.name,
            "model": config.model,
            "seed": config.seed,
            "steps": config.steps,
            "population": getattr(getattr(config, "population", None), "size", None),
            "overrides": list(overrides or []),
            "interventions": interventions(config),
            "started": started.isoformat(),
            "finished": finished.isoformat(),
            "wall_time_s": round(time.perf_counter() - t0, 4),
            "build_time_s": round(t_build, 4),
            "run_time_s": round(t_run, 4),
            "steps_per_second": round(config.steps / t_run, 3) if t_run > 0 else None,
            "threads": _numba_threads(),
            "versions": versions(),
            "git_commit": git_commit(),
            "host": socket.gethostname(),
            "platform": platform.platform(),
            "files": list(RESULT_FILES),
            "figures_error": figures_error,
        }
        if hasattr(model, "step_plan"):
            manifest["step_plan_seconds"] = {
                f"{r.phase}:{r.mechanism}.{r.method}": round(r.seconds, 6)
                for r in model.step_plan().itertuples()}
        write_json(run_dir / "manifest.json", manifest)
        write_json(run_dir / "status.json", {"status": "completed", "started": started.isoformat(),
                                             "finished": finished.isoformat()})
        return summary
    except BaseException as err:
        write_json(run_dir / "status.json", {
            "status": "failed", "started": started.isoformat(),
            "error": f"{type(err).__name__}: {err}".splitlines()[0] if str(err) else type(err).__name__})
        raise


def interventions(config) -> list[dict]:
    """Every programme in the config (a section with start, end and regions)."""
    from peacesim.mechanisms.base import Programme

    found: list[dict] = []

    def walk(obj, path):
        if isinstance(obj, Programme):
            levels = {f.name: getattr(obj, f.name) for f in fields(obj)
                      if f.name not in ("start", "end", "regions")
                      and isinstance(getattr(obj, f.name), (int, float, bool))}
            found.append({"name": path, "start": obj.start, "end": obj.end,
                          "regions": list(obj.regions), "levels": levels})
        if is_dataclass(obj):
            for f in fields(obj):
                value = getattr(obj, f.name)
                if is_dataclass(value):
                    walk(value, f"{path}.{f.name}" if path else f.name)

    walk(config, "")
    return found


def _progress_logger(config):
    total = config.steps
    every = max(1, total // 10)
    t0 = time.perf_counter()

    def report(step: int, steps: int) -> None:
        if step % every == 0 or step == steps:
            elapsed = time.perf_counter() - t0
            eta = elapsed / step * (steps - step) if step else 0.0
            log.info("step %d/%d (%d%%), %.1f s elapsed, ~%.1f s left", step, steps,
                     round(100 * step / steps), elapsed, eta)

    return report


def _cell_snapshot(model) -> dict[str, np.ndarray] | None:
    if not hasattr(model, "cells"):
        return None
    c = model.cells
    members = np.maximum(c["members"], 1)
    return {"trust_in_sdf": c["trust_sum"] / members,
            "armed_group_support": c["sympathisers"] / np.maximum(np.diff(model.people.offsets), 1)}


def _cells_table(model, start) -> pd.DataFrame:
    if start is None:
        return pd.DataFrame({"cell": np.zeros(0, dtype=np.int64)})
    w, c = model.world, model.cells
    end = _cell_snapshot(model)
    return pd.DataFrame({
        "cell": np.arange(w.n_cells),
        "row": w.cell_row, "col": w.cell_col, "lat": w.lat, "lon": w.lon,
        "region": pd.Categorical([w.region_names[r] for r in w.region],
                                 categories=list(w.region_names)),
        "country": np.where(w.country == 1, "Burkina Faso", "Mali"),
        "people": w.people,
        "trust_in_sdf_start": start["trust_in_sdf"], "trust_in_sdf_end": end["trust_in_sdf"],
        "armed_group_support_start": start["armed_group_support"],
        "armed_group_support_end": end["armed_group_support"],
        "forces_information_end": c["info"].copy(),
        "armed_strength_end": c["armed_strength"].copy(),
        "raster_rows": np.full(w.n_cells, w.shape[0]), "raster_cols": np.full(w.n_cells, w.shape[1]),
    })


def versions() -> dict[str, str]:
    """Versions of peacesim and the packages its results depend on."""
    import mesa
    import numba

    out = {"peacesim": __version__, "python": platform.python_version(),
           "numpy": np.__version__, "numba": numba.__version__, "mesa": mesa.__version__,
           "pandas": pd.__version__}
    try:
        import hydra

        out["hydra"] = hydra.__version__
    except ImportError:
        pass
    return out


def git_commit() -> str | None:
    """The git commit of the peacesim checkout, with ``-dirty`` if it has changes; or None."""
    here = Path(__file__).resolve().parent
    try:
        head = subprocess.run(["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True,
                              text=True, timeout=5)
        if head.returncode != 0:
            return None
        dirty = subprocess.run(["git", "-C", str(here), "status", "--porcelain", "--", "."],
                               capture_output=True, text=True, timeout=5)
        return head.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return None


def _numba_threads() -> int:
    import numba

    return int(numba.get_num_threads())



