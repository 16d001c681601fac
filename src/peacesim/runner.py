"""Run a config into a folder of results: the library's side of the command line.

:func:`run_to_dir` needs no Hydra app: research code can call it with any config. The folder
gets ``config.yaml`` (resolved), ``timeseries.parquet`` (one row per step and region),
``national.parquet``, ``cells.parquet`` (per-cell state at the start and the end, for maps),
``summary.json`` and, last, ``manifest.json`` (seed, versions, git commit, wall time, steps per
second, interventions). ``status.json`` says ``running``, ``completed``, ``failed`` or
``interrupted`` at every moment; only a manifest with status ``completed`` marks a finished
result. Every file is written under a temporary name and renamed when complete
(:mod:`peacesim.io`), so a run killed at any moment leaves nothing that looks finished.

With ``output.checkpoint_every=N`` the run saves ``checkpoint.npz`` every N steps (the
model's :meth:`~peacesim.model.PeaceModel.state`, the step and a hash of the config). Running
the same config into the same folder again resumes from it, bit-identical to a run that was
never interrupted; this is what makes Slurm preemption and requeue (hydra-submitit-launcher)
lose at most N steps. The checkpoint is deleted when the run completes. See
docs/ROBUSTNESS.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import platform
import socket
import subprocess
import time
import zipfile
from dataclasses import fields
from pathlib import Path

import numpy as np
import pandas as pd

from peacesim import __version__
from peacesim.config import to_config
from peacesim.config.validate import programme_warnings, programmes
from peacesim.geography.raster import COUNTRY_NAMES
from peacesim.io import (
    atomic_write,
    read_json,
    remove_stale_temporaries,
    write_json,
    write_parquet,
    write_text,
)
from peacesim.results import metrics_document

log = logging.getLogger("peacesim")

RESULT_FILES = ("config.yaml", "timeseries.parquet", "national.parquet", "cells.parquet",
                "summary.json", "metrics.json", "annual.parquet")

#: The folder of a run's figures and its HTML report (derived from the tables).
FIGURES = "figures"
REPORT = "report.html"

#: The checkpoint of a run in progress (deleted when the run completes).
CHECKPOINT = "checkpoint.npz"

#: Every file a run writes at the top of its folder (a killed writer's ``.tmp`` files of
#: these are deleted when the next run in the folder starts).
OWN_FILES = (*RESULT_FILES, "manifest.json", "status.json", CHECKPOINT, "report.html",
             "error.txt")

#: Version of the checkpoint layout; a checkpoint of another version is not resumed.
CHECKPOINT_FORMAT = 2  # 2: every table a mechanism keeps, under table.<label>.<column>

#: Config sections that do not change a run's results, left out of :func:`config_hash`:
#: what is written (``output``), the thread count (results are bit-identical for any count)
#: and the invariant checks (``check`` only asserts).
HASH_EXCLUDED = ("output", "threads", "check")

#: Test-only: ``PEACESIM_FAIL_AT_STEP=N`` makes every run fail after step N (after that
#: step's checkpoint, if one is due); ``N@key=value`` only runs whose config has that value,
#: e.g. ``3@seed=1``. For testing failure handling in sweeps and resuming; never set it
#: otherwise.
FAIL_AT_STEP_ENV = "PEACESIM_FAIL_AT_STEP"


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
    """Whether ``run_dir`` holds a finished run (manifest completed, result files present).

    The figures and report the manifest lists are derived (``python -m peacesim report DIR``
    redraws them) and are not needed for a run to count as completed.
    """
    run_dir = Path(run_dir)
    manifest = read_json(run_dir / "manifest.json")
    if not manifest or manifest.get("status") != "completed":
        return False
    derived = (f"{FIGURES}/", REPORT)
    return all((run_dir / name).is_file() for name in manifest.get("files", RESULT_FILES)
               if not name.startswith(derived))


def run_to_dir(cfg, run_dir: str | Path, *, overrides: list[str] | None = None,
               sweep_job: bool = False) -> dict:
    """Run a config and write its results into ``run_dir``.

    If ``run_dir`` holds a checkpoint of the same config (:func:`config_hash`), the run resumes
    from it; a checkpoint of another config is ignored, with a log line saying why.

    Args:
        cfg: Any config form accepted by :func:`peacesim.to_config`.
        run_dir: Output folder (created if needed).
        overrides: The command-line overrides that made this config (recorded).
        sweep_job: Whether this run is one job of a sweep (``output.figures=auto`` then draws
            no figures: the sweep's report is drawn when it is collected).

    Returns:
        The national summary (``<metric>_final``, ``<metric>_mean``).

    Raises:
        Exception: Whatever the run raised; ``status.json`` then says ``failed`` (or
            ``interrupted`` for KeyboardInterrupt and SystemExit, e.g. Slurm preemption) with
            the error, and no manifest is written.
    """
    from omegaconf import OmegaConf

    config = to_config(cfg)
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    digest = config_hash(config)
    if config.output.skip_completed and is_completed(run_dir):
        done = read_json(run_dir / "manifest.json").get("config_hash")
        if done == digest:
            log.info("skipping %s: already completed with this config", run_dir)
            return read_json(run_dir / "summary.json")
        log.warning("not skipping %s: its completed run had another config (hash %s, this "
                    "run %s); running again", run_dir, str(done)[:12], digest[:12])
    # An earlier attempt's manifest must not vouch for this attempt's files: delete it first,
    # then that attempt's results, its error and what a killed writer left behind.
    (run_dir / "manifest.json").unlink(missing_ok=True)
    for name in (*RESULT_FILES, "error.txt", REPORT):
        (run_dir / name).unlink(missing_ok=True)
    for old in (run_dir / FIGURES).glob("*.png"):
        old.unlink(missing_ok=True)
    remove_stale_temporaries(run_dir, OWN_FILES)
    remove_stale_temporaries(run_dir / FIGURES, ("*.png",))
    draw = config.output.draw_figures(sweep_job)
    started = dt.datetime.now(dt.UTC)
    status = {"status": "running", "started": started.isoformat(), "pid": os.getpid(),
              "host": socket.gethostname(), "step": 0, "steps": config.steps}
    write_json(run_dir / "status.json", status)
    try:
        write_text(run_dir / "config.yaml", OmegaConf.to_yaml(OmegaConf.structured(config)))
        t0 = time.perf_counter()
        if config.output.progress:
            from peacesim.kernels.dispatch import parallel_for
            from peacesim.model import threads_for

            cold = uncached_kernels(config.model, parallel_for(config.population.size,
                                                               threads_for(config.threads)))
            if cold:
                log.info("compiling the model's kernels (first run only; %d to compile, "
                         "about a minute on 2 cores)", len(cold))
        model = build_model(config)
        t_build = time.perf_counter() - t0
        start_cells = _cell_snapshot(model)
        resumed_from = _resume(model, run_dir / CHECKPOINT, digest)
        if resumed_from:
            status["resumed_from"] = resumed_from
        t1 = time.perf_counter()
        model.run(progress=_step_hook(config, model, run_dir, digest, status))
        t_run = time.perf_counter() - t1
        summary = write_tables(model, run_dir, start_cells)
        finished = dt.datetime.now(dt.UTC)
        steps_run = config.steps - resumed_from
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
            "steps_per_second": round(steps_run / t_run, 3) if t_run > 0 else None,
            "resumed_from_step": resumed_from,
            "config_hash": digest,
            "threads": _numba_threads(),
            "versions": versions(),
            "git_commit": git_commit(),
            "host": socket.gethostname(),
            "platform": platform.platform(),
            "build": build_info(),
            "warnings": programme_warnings(config),
            "files": [n for n in RESULT_FILES if (run_dir / n).is_file()],
            "figures": "pending" if draw else "off",
        }
        if hasattr(model, "step_plan"):
            manifest["step_plan_seconds"] = {
                f"{r.phase}:{r.mechanism}.{r.method}": round(r.seconds, 6)
                for r in model.step_plan().itertuples()}
        write_json(run_dir / "manifest.json", manifest)
        write_json(run_dir / "status.json", {"status": "completed", "started": started.isoformat(),
                                             "finished": finished.isoformat(),
                                             "step": config.steps, "steps": config.steps,
                                             "resumed_from": resumed_from})
        (run_dir / CHECKPOINT).unlink(missing_ok=True)
        if draw:
            # Figures come after the manifest so the report can show the run's provenance;
            # they are derived from the saved tables (python -m peacesim report DIR redraws
            # them), so a failure here is recorded but does not undo the finished run. The
            # manifest is then rewritten (atomically) to list what was drawn.
            try:
                from peacesim.report import write_run_report

                write_run_report(run_dir)
                manifest["figures"] = "drawn"
            except Exception as err:
                manifest["figures"] = f"failed: {type(err).__name__}: {err}".splitlines()[0]
                log.error("figures %s", manifest["figures"])
            manifest["files"] = [*(n for n in RESULT_FILES if (run_dir / n).is_file()),
                                 *derived_files(run_dir)]
            write_json(run_dir / "manifest.json", manifest)
        return summary
    except BaseException as err:
        interrupted = isinstance(err, (KeyboardInterrupt, SystemExit))
        text = f"{type(err).__name__}: {err}" if str(err) else type(err).__name__
        status.update(status="interrupted" if interrupted else "failed",
                      error=text.splitlines()[0], pid=os.getpid())
        try:
            write_json(run_dir / "status.json", status)
        except Exception:  # never hide the run's own error behind a failed status write
            log.exception("could not write %s", run_dir / "status.json")
        raise


def write_tables(model, run_dir: Path, start_cells=None) -> dict:
    """Write a finished model's result tables and ``summary.json`` into ``run_dir``.

    The tables are ``timeseries.parquet``, ``national.parquet`` and ``cells.parquet``;
    each is checked for NaN and infinity first (model=peace), so nothing non-finite is
    written. ``metrics.json`` gives the label, unit, kind and description of every metric.

    Args:
        model: A model that has run (PeaceModel or a published model's adapter).
        run_dir: The run folder.
        start_cells: :func:`_cell_snapshot` of the model before it ran.

    Returns:
        The national summary that was written.
    """
    summary = model.summary()
    tables = {"timeseries.parquet": model.timeseries(), "national.parquet": model.national(),
              "cells.parquet": _cells_table(model, start_cells)}
    if hasattr(model, "annual"):  # the published special cases have no calendar
        tables["annual.parquet"] = model.annual()
    communal = getattr(model, "mechanisms", {}).get("communal")
    if communal is not None:  # cohesion and clashes per pair of identity groups
        tables["communal_pairs.parquet"] = communal.pair_frame()
    if model.config.model == "peace":  # the published models mark undefined values as NaN
        for name, table in tables.items():
            check_finite(table, name)
        check_finite(pd.DataFrame([summary]), "summary.json")
    for name, table in tables.items():
        write_parquet(run_dir / name, table)
    write_json(run_dir / "summary.json", summary)
    weights = getattr(getattr(model, "recorder", None), "weight_info", {})
    write_json(run_dir / "metrics.json", metrics_document(model.metrics().values(),
                                                          weights.values()))
    return summary


def derived_files(run_dir: Path) -> list[str]:
    """The figures and report of a run folder, as paths relative to it (sorted)."""
    found = sorted(p.relative_to(run_dir).as_posix() for p in (run_dir / FIGURES).glob("*.png"))
    if (run_dir / REPORT).is_file():
        found.append(REPORT)
    return found


class NonFiniteResultError(RuntimeError):
    """A result table holds NaN or infinity: a bug, never a result to write."""


def check_finite(table: pd.DataFrame, name: str) -> None:
    """Raise :class:`NonFiniteResultError` naming the first non-finite column of ``table``.

    Args:
        table: A result table.
        name: Its file name, for the message.
    """
    numbers = table.select_dtypes("number")
    values = numbers.to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values)
    if not bad.any():
        return
    row, col = (int(i[0]) for i in np.nonzero(bad))
    where = ", ".join(f"{k}={table[k].iloc[row]}" for k in ("step", "region", "cell")
                      if k in table)
    raise NonFiniteResultError(
        f"{name}: {numbers.columns[col]} is {values[row, col]} ({where or f'row {row}'}); "
        f"{int(bad.sum())} non-finite values in all")


def config_hash(cfg) -> str:
    """SHA-256 of everything in a config that can change a run's results.

    Leaves out :data:`HASH_EXCLUDED`; includes peacesim's version and the checkpoint format,
    so a checkpoint is only resumed by the code and config that made it.

    Args:
        cfg: Any config form accepted by :func:`peacesim.to_config`.
    """
    from omegaconf import OmegaConf

    data = OmegaConf.to_container(OmegaConf.structured(to_config(cfg)), resolve=True)
    for key in HASH_EXCLUDED:
        data.pop(key, None)
    payload = json.dumps({"config": data, "peacesim": __version__, "format": CHECKPOINT_FORMAT},
                         sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def save_checkpoint(path: str | Path, model, digest: str) -> Path:
    """Write ``model.state()``, its step and the config hash to ``path``, atomically."""
    arrays = dict(model.state())
    meta = {"format": CHECKPOINT_FORMAT, "config_hash": digest, "step": int(model.steps),
            "peacesim": __version__, "saved": dt.datetime.now(dt.UTC).isoformat()}
    arrays["__meta__"] = np.array(json.dumps(meta))

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as fh:  # a file object: np.savez would append ".npz" to a name
            np.savez(fh, **arrays)

    return atomic_write(path, write)


def read_checkpoint(path: str | Path) -> tuple[dict | None, dict[str, np.ndarray] | None, str]:
    """Read a checkpoint: ``(meta, state, "")``, or ``(None, None, why not)``."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            meta = json.loads(str(npz["__meta__"]))
            state = {k: npz[k] for k in npz.files if k != "__meta__"}
    except FileNotFoundError:
        return None, None, "there is none"
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as err:
        return None, None, f"it cannot be read ({type(err).__name__}: {err})"
    return meta, state, ""


def _resume(model, path: Path, digest: str) -> int:
    """Load the checkpoint at ``path`` into ``model`` if it belongs to this config.

    Returns:
        The step resumed from (0: starting fresh).
    """
    if not path.exists():
        return 0
    if not hasattr(model, "load_state"):
        log.warning("starting fresh: %s cannot resume a checkpoint (model=%s)", path,
                    model.config.model)
        return 0
    meta, state, why = read_checkpoint(path)
    if meta is not None:
        if meta.get("format") != CHECKPOINT_FORMAT:
            why = f"its format {meta.get('format')} is not {CHECKPOINT_FORMAT}"
        elif meta.get("config_hash") != digest:
            why = (f"it was made with another config or peacesim version (config hash "
                   f"{str(meta.get('config_hash'))[:12]}, this run {digest[:12]})")
        elif not 0 < int(meta.get("step", 0)) <= model.config.steps:
            why = f"its step {meta.get('step')} is not in 1..{model.config.steps}"
    if not why:
        why = _state_mismatch(model.state(), state)
    if why:
        log.warning("starting fresh: ignoring checkpoint %s: %s", path, why)
        path.unlink(missing_ok=True)
        return 0
    model.load_state(state)
    step = int(meta["step"])
    log.info("resuming from checkpoint %s at step %d of %d", path, step, model.config.steps)
    return step


def _state_mismatch(expected: dict[str, np.ndarray], found: dict[str, np.ndarray]) -> str:
    """Why ``found`` cannot be loaded where ``expected`` is, or "" if it can."""
    missing = sorted(set(expected) - set(found))
    extra = sorted(set(found) - set(expected))
    if missing or extra:
        return (f"its arrays differ from the model's (missing {missing[:3]}, "
                f"unexpected {extra[:3]})")
    for name, array in expected.items():
        if found[name].shape != array.shape or found[name].dtype != array.dtype:
            return (f"array {name} is {found[name].dtype}{list(found[name].shape)}, the model "
                    f"has {array.dtype}{list(array.shape)}")
    return ""


def _step_hook(config, model, run_dir: Path, digest: str, status: dict):
    """After each step: progress, checkpoint when due, the test-only failure injection."""
    progress = _progress_logger(config) if config.output.progress else None
    every = config.output.checkpoint_every
    if every and not hasattr(model, "state"):
        log.warning("output.checkpoint_every=%d: model=%s cannot save checkpoints; ignored",
                    every, config.model)
        every = 0
    fail_at = _fail_at_step(config)

    def hook(step: int, steps: int) -> None:
        status["step"] = step  # written at checkpoints and if the run fails
        if progress is not None:
            progress(step, steps)
        if every and step % every == 0 and step < steps:
            save_checkpoint(run_dir / CHECKPOINT, model, digest)
            status.update(step=step, checkpoint_step=step)
            write_json(run_dir / "status.json", status)
        if fail_at is not None and step == fail_at:
            raise RuntimeError(f"{FAIL_AT_STEP_ENV}: failure injected after step {step}")

    return hook


def _fail_at_step(config) -> int | None:
    """The step named by :data:`FAIL_AT_STEP_ENV` if it applies to this config."""
    value = os.environ.get(FAIL_AT_STEP_ENV, "").strip()
    if not value:
        return None
    step, _, condition = value.partition("@")
    if condition:
        from omegaconf import OmegaConf

        key, _, wanted = condition.partition("=")
        actual = OmegaConf.select(OmegaConf.structured(config), key.strip())
        if str(actual) != wanted.strip():
            return None
    return int(step)


def interventions(config) -> list[dict]:
    """Every programme in the config (a section with start, end and regions)."""
    found: list[dict] = []
    for path, obj in programmes(config):
        levels = {f.name: getattr(obj, f.name) for f in fields(obj)
                  if f.name not in ("start", "end", "regions")
                  and isinstance(getattr(obj, f.name), (int, float, bool))}
        found.append({"name": path, "start": obj.start, "end": obj.end,
                      "regions": list(obj.regions), "levels": levels})
    return found


def _progress_logger(config):
    """Log about every 10 % of the steps, with the time left measured from step 1 on.

    The first step is left out of the estimate: it includes compiling any kernel that is
    not in Numba's cache, and its time says nothing about the steps after it.
    """
    total = config.steps
    every = max(1, total // 10)
    t0 = time.perf_counter()
    first: dict[str, float] = {}  # the time and step when the first step (of this run) ended

    def report(step: int, steps: int) -> None:
        now = time.perf_counter()
        if not first:
            first.update(time=now, step=step)
        if step % every == 0 or step == steps:
            if step > first["step"]:
                eta = (now - first["time"]) / (step - first["step"]) * (steps - step)
                left = f"~{eta:.1f} s left"
            else:
                left = "time left known after the next step"
            log.info("step %d/%d (%d%%), %.1f s elapsed, %s", step, steps,
                     round(100 * step / steps), now - t0, left)

    return report


def uncached_kernels(model: str = "peace", parallel: bool | None = None) -> list[str]:
    """The Numba kernels a model calls that are not in Numba's cache (compiled on first use).

    Read from Numba's cache index of each kernel the model's modules import (for
    ``model=peace``: :mod:`peacesim.model` and every mechanism's module). An index that is
    missing, or made from another version of the kernel's source, counts as not cached.
    Returns [] where the cache cannot be inspected.

    Args:
        model: ``peace``, ``epstein`` or ``bennett``.
        parallel: For the kernels compiled twice (:class:`~peacesim.kernels.dispatch.
            CellKernel`), only the compilation a run will call: the parallel one (True) or
            the serial one (False: runs below ``dispatch.serial_below()`` members, or on one
            thread);
            None counts both.
    """
    import importlib
    import sys

    try:
        from numba.core.dispatcher import Dispatcher

        from peacesim.kernels.dispatch import CellKernel

        if model == "peace":
            from peacesim.mechanisms.base import registered

            names = ["peacesim.model", *sorted({m.__module__ for m in registered()})]
        else:
            names = [f"peacesim.{model}.model"]
        kernels = {}
        for name in names:
            module = sys.modules.get(name) or importlib.import_module(name)
            for obj in vars(module).values():
                if isinstance(obj, CellKernel):
                    compiled = {None: obj.dispatchers(), True: (obj.parallel,),
                                False: (obj.serial,)}[parallel]
                else:
                    compiled = (obj,)
                for fn in compiled:
                    cache = getattr(fn, "_cache", None)
                    if isinstance(fn, Dispatcher) and hasattr(cache, "_cache_file"):
                        kernels[f"{fn.py_func.__module__}.{fn.py_func.__qualname__}"] = cache
        return sorted(k for k, cache in kernels.items() if not cache._cache_file._load_index())
    except Exception:  # private Numba API: never let a progress message break a run
        return []


def _cell_snapshot(model, when: str = "start") -> dict[str, np.ndarray] | None:
    """The map layers the mechanisms declare for snapshot ``when`` (start or end)."""
    if not hasattr(model, "map_layers"):
        return None
    return {name: model.map_values(name) for name, layer in model.map_layers().items()
            if when in layer.when}


def _cells_table(model, start) -> pd.DataFrame:
    if start is None:
        return pd.DataFrame({"cell": np.zeros(0, dtype=np.int64)})
    w = model.world
    table = {
        "cell": np.arange(w.n_cells),
        "row": w.cell_row, "col": w.cell_col, "lat": w.lat, "lon": w.lon,
        "region": pd.Categorical([w.region_names[r] for r in w.region],
                                 categories=list(w.region_names)),
        "country": np.asarray(COUNTRY_NAMES)[w.country],
        "members": model.people.counts,
        "people": w.people,
    }
    end = _cell_snapshot(model, "end")
    for name in model.map_layers():
        if name in start:
            table[f"{name}_start"] = start[name]
        if name in end:
            table[f"{name}_end"] = end[name]
    table["raster_rows"] = np.full(w.n_cells, w.shape[0])
    table["raster_cols"] = np.full(w.n_cells, w.shape[1])
    return pd.DataFrame(table)


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


def build_info() -> dict:
    """How the installed peacesim was built: version and, where known, the commit.

    A wheel carries ``peacesim/_build_info.json``, written at build time by the hatch hook
    in ``hatch_build.py`` (``{"version", "commit", "dirty"}``). An editable install (a
    checkout) has none: ``{"version": ...}`` only, and :func:`git_commit` asks git.
    """
    data = read_json(Path(__file__).resolve().parent / BUILD_INFO)
    return data if isinstance(data, dict) else {"version": __version__}


#: The file the wheel's build hook writes into the package.
BUILD_INFO = "_build_info.json"


def git_commit() -> str | None:
    """The commit peacesim was built from or is checked out at (``-dirty`` if changed); or None.

    An installed wheel answers from its build info (:func:`build_info`), never from a git
    repository that merely happens to contain the environment; a checkout asks git.
    """
    if (Path(__file__).resolve().parent / BUILD_INFO).is_file():
        info = build_info()
        commit = info.get("commit")
        return f"{commit}-dirty" if commit and info.get("dirty") else commit
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



