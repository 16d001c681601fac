"""Ensembles: a design of parameter values times a set of seeds, run in-process or spread out.

The scenario is composed once; each member's config is the validated scenario config with the
design row's values set on a copy (:func:`peacesim.uq.params.apply`). Members are split into
chunks; a chunk runs in this process, in local worker processes, as one Slurm array task
(submitit) or as one Ray task, and writes its rows as one Parquet part
(``parts/part-<first>-<last>.parquet``) when it finishes. Running the same ensemble into the
same folder again skips the members already written. A member's results depend only on its
config and seed, so the rows are identical whatever the number of workers or chunks.

Example:
    >>> import pandas, peacesim
    >>> design = pandas.DataFrame({"patrol.presence": [0.1, 0.3]})
    >>> rows = peacesim.ensemble("baseline", design, seeds=range(2),
    ...                          overrides=["population.size=2000", "steps=52"])
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import logging
import math
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from peacesim.config import ConfigError, to_config
from peacesim.uq.params import DUMMY, apply, parse_overrides

log = logging.getLogger("peacesim")

#: Backends a chunk can run on.
BACKENDS = ("local", "slurm", "submitit_local", "ray")

#: Prefixes of the columns of a paired run (``effect=True``).
EFFECT, COUNTERFACTUAL = "effect.", "counterfactual."

PARTS = "parts"


@dataclass
class Chunk:
    """Members to run together, with everything a worker needs (picklable).

    Attributes:
        members: ``(member index, design row index, values, seed)`` per member.
        base: The validated scenario config, or None for a function model.
        function: A function model ``f(values, seed) -> dict`` (when ``base`` is None).
        counterfactual: Values that switch the intervention off, for paired runs; None for
            levels only.
        measure: ``measure(model) -> dict`` of outcomes; None = ``model.summary()``.
        part: Where to write the chunk's rows (None: only return them).
        threads: Numba threads per worker (0 = the config's).
    """

    members: list[tuple[int, int, dict, int]]
    base: object = None
    function: Callable | None = None
    counterfactual: dict | None = None
    measure: Callable | None = None
    part: str | None = None
    threads: int = 0
    columns: list[str] = field(default_factory=list)


def run_chunk(chunk: Chunk) -> pd.DataFrame:
    """Run a chunk's members and return (and write, if asked) one row per member."""
    logging.getLogger("MESA").setLevel(logging.WARNING)
    rows = [_run_member(chunk, *m) for m in chunk.members]
    frame = pd.DataFrame(rows)
    if chunk.part is not None:
        from peacesim.io import write_parquet

        write_parquet(chunk.part, frame)
    return frame


def _run_member(chunk: Chunk, member: int, row: int, values: dict, seed: int) -> dict:
    out = {"member": member, "row": row, **{c: values[c] for c in chunk.columns}, "seed": seed}
    levels = _outcomes(chunk, values, seed, off=False)
    out.update(levels)
    if chunk.counterfactual is not None:
        base = _outcomes(chunk, values, seed, off=True)
        for k, v in base.items():
            out[COUNTERFACTUAL + k] = v
        for k, v in levels.items():
            out[EFFECT + k] = v - base.get(k, math.nan)
    return out


def _outcomes(chunk: Chunk, values: dict, seed: int, *, off: bool) -> dict:
    values = {**values, **(chunk.counterfactual if off else {})}
    if DUMMY in values:  # read by no mechanism: it only re-draws the random numbers
        seed = dummy_seed(seed, float(values[DUMMY]))
    if chunk.base is None:
        return {k: float(v) for k, v in chunk.function(values, seed).items()}
    from peacesim.model import PeaceModel

    config = member_config(chunk.base, values, seed, threads=chunk.threads,
                           measured=chunk.measure is not None)
    model = PeaceModel(config).run()
    result = chunk.measure(model) if chunk.measure is not None else model.summary()
    return {k: float(v) for k, v in result.items()}


def member_config(base, values: dict, seed: int, *, threads: int = 0, measured: bool = False):
    """The config one ensemble member runs: ``base`` with its design values and seed.

    Args:
        base: The scenario's composed config (:func:`base_config`).
        values: The member's design values (dotted parameter names).
        seed: The member's seed.
        threads: Numba threads for the run (0 = the config's).
        measured: A ``measure`` reads the model; otherwise only its summary is read, and
            Mesa's agent objects (``population.agent_objects=auto``) are not built.

    Returns:
        A validated copy; ``base`` is not changed.
    """
    config = apply(base, {**values, "seed": int(seed)})
    if threads:
        config.threads = threads
    if not measured and config.population.agent_objects == "auto":
        # The summary reads the arrays, never Mesa's agent objects (results do not depend on
        # them): without them a 10,000-member build takes 9 ms instead of 25 (medians of 8).
        config.population.agent_objects = "none"
    return config


def dummy_seed(seed: int, dummy: float) -> int:
    """The seed a run uses for a design point whose dummy parameter is ``dummy`` (in [0, 1]).

    The dummy parameter of a sensitivity analysis (:data:`peacesim.uq.params.DUMMY`) is read
    by no mechanism; its value only moves the run to other random numbers. Its indices are
    therefore what seed noise alone produces: the noise floor, even under common random
    numbers (where a parameter that changed nothing would score exactly 0).
    """
    return int(seed) + 1_000_003 * (1 + int(round(dummy * 1_000_000)))


def base_config(scenario: str, overrides: list[str] | None = None,
                config_dir_extra: str | Path | None = None):
    """The validated config of a scenario, composed once with Hydra."""
    from peacesim.config import load_config, to_config

    return to_config(load_config(scenario, list(overrides or []), config_dir_extra))


def ensemble(scenario, design: pd.DataFrame | None = None,
             seeds: Iterable[int] = range(1), overrides: list[str] | None = None, *,
             workers: int = 1, backend: str = "local", chunk_size: int | None = None,
             out: str | Path | None = None, effect: bool = False,
             counterfactual: list[str] | dict | None = None,
             measure: Callable | None = None, config_dir_extra: str | Path | None = None,
             progress: bool = True, slurm: dict | None = None) -> pd.DataFrame:
    """Run every (design row, seed) pair and return one row per pair.

    Args:
        scenario: Scenario name (``baseline``), a validated config (``PeaceConfig``, e.g.
            from :func:`base_config`; ``overrides`` are then ignored), or a function model
            ``f(values, seed) -> dict of outcomes`` (top-level, so that workers can import
            it).
        design: One row per parameter setting, columns named by dotted config keys
            (``patrol.presence``). None: one setting, the scenario as it is.
        seeds: Seeds run for every design row (the same seeds for every row: common random
            numbers).
        overrides: Hydra overrides applied when composing the scenario (``steps=104``).
        workers: Worker processes (local), concurrent array tasks (Slurm) or Ray tasks.
        backend: ``local``, ``slurm``, ``submitit_local`` (submitit's local executor, the
            Slurm path run on this machine) or ``ray``.
        chunk_size: Members per chunk (one Parquet part, one array task). Default: about
            16 chunks per worker (a smooth progress bar; a kill loses at most one chunk per worker).
        out: Folder for ``parts/``, ``rows.parquet`` and ``spec.json``; None keeps the rows
            in memory only.
        effect: Also run each member with the scenario's counterfactual (the same seed) and
            add ``counterfactual.<outcome>`` and ``effect.<outcome>`` (scenario minus
            counterfactual) columns.
        counterfactual: Overrides that switch the intervention off; default: the scenario's
            declared ``scenario.counterfactual``. A dict of values for a function model.
        measure: ``measure(model) -> dict`` of outcomes (top-level function); default the
            model's national summary.
        config_dir_extra: A folder of the user's own configs.
        progress: Show a progress bar with an ETA on stderr.
        slurm: Extra submitit parameters for the Slurm backend (``{"partition": "cpu"}``).

    Returns:
        One row per member, ordered by design row then seed: ``row`` (design row index),
        the design's columns, ``seed``, then every outcome.

    Raises:
        ConfigError: Before anything runs: an unknown key or a value a field does not allow
            in any design row, an unknown backend, no counterfactual for ``effect``, or an
            ``out`` folder that holds another ensemble.
    """
    if backend not in BACKENDS:
        raise ConfigError(f"backend={backend!r}; allowed: {', '.join(BACKENDS)}")
    if int(workers) < 1:
        raise ConfigError(f"workers={workers}: must be at least 1")
    design = pd.DataFrame([{}]) if design is None else pd.DataFrame(design).reset_index(drop=True)
    if len(design) == 0:
        raise ConfigError("the design has no rows")
    seeds = [int(s) for s in seeds]
    if not seeds or len(set(seeds)) != len(seeds) or min(seeds) < 0:
        raise ConfigError(f"seeds={seeds}: give distinct non-negative seeds, e.g. range(5)")
    columns = [str(c) for c in design.columns]
    if any(c in ("row", "seed", "member") for c in columns):
        raise ConfigError("design columns 'row', 'seed' and 'member' are reserved; set the "
                          "seeds with seeds=")
    records = [{c: _plain(v) for c, v in zip(columns, r, strict=True)}
               for r in design.itertuples(index=False)]

    base, function, off = None, None, None
    if dataclasses.is_dataclass(scenario):  # a validated config, composed by the caller
        scenario = to_config(scenario)
    if callable(scenario) and not dataclasses.is_dataclass(scenario):
        function = scenario
        if effect:
            if not isinstance(counterfactual, dict) or not counterfactual:
                raise ConfigError("effect=True with a function model needs counterfactual="
                                  "{key: value}")
            off = dict(counterfactual)
    else:
        base = (scenario if dataclasses.is_dataclass(scenario)
                else base_config(scenario, overrides, config_dir_extra))
        if effect:
            given = base.scenario.counterfactual if counterfactual is None else counterfactual
            off = given if isinstance(given, dict) else parse_overrides(list(given))
            if not off:
                raise ConfigError(f"scenario {scenario!r} declares no counterfactual "
                                  "(scenario.counterfactual); give counterfactual=[...]")
        for i, values in enumerate(records):  # refuse a bad row before anything runs
            try:
                apply(base, values)
                if off:
                    apply(base, {**values, **off})
            except ConfigError as err:
                raise ConfigError(f"design row {i}: {err}") from None

    members = [(k, i, values, seed) for k, (i, values, seed) in
               enumerate((i, v, s) for i, v in enumerate(records) for s in seeds)]
    folder = None if out is None else Path(out)
    done: list[pd.DataFrame] = []
    if folder is not None:
        from peacesim.runner import config_hash

        spec = {"scenario": base.scenario.name if base is not None else _name(function),
                "config": config_hash(base) if base is not None else None,
                "seeds": seeds, "columns": columns,
                "design": hashlib.sha256(json.dumps(records, sort_keys=True, default=str)
                                         .encode()).hexdigest(),
                "effect": bool(effect), "counterfactual": off,
                "measure": _name(measure) if measure else None}
        done = _prepare_folder(folder, spec)
    finished = {int(m) for part in done for m in part["member"]}
    todo = [m for m in members if m[0] not in finished]

    workers = int(workers)
    size = chunk_size or max(1, math.ceil(len(todo) / (16 * workers)))
    chunks = []
    for start in range(0, len(todo), size):
        batch = todo[start:start + size]
        part = None if folder is None else str(
            folder / PARTS / f"part-{batch[0][0]:07d}-{batch[-1][0]:07d}.parquet")
        chunks.append(Chunk(batch, base, function, off, measure, part,
                            threads=1 if (workers > 1 or backend != "local") else 0,
                            columns=columns))
    label = base.scenario.name if base is not None else _name(function)
    bar = _bar(len(members), len(members) - len(todo), f"ensemble {label}", progress)
    try:
        results = _execute(chunks, backend, workers, bar, folder, base, slurm)
    finally:
        bar.close()
    frame = pd.concat([*done, *results], ignore_index=True) if (done or results) else None
    frame = frame.drop_duplicates("member").sort_values("member").reset_index(drop=True)
    frame = frame.drop(columns="member")
    if folder is not None:
        from peacesim.io import write_parquet

        write_parquet(folder / "rows.parquet", frame)
    return frame


def _plain(value):
    """A design cell as a plain Python value (NumPy scalars -> int/float/bool)."""
    if hasattr(value, "item"):
        value = value.item()
    return value


def _name(obj) -> str:
    return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', repr(obj))}"


def _prepare_folder(folder: Path, spec: dict) -> list[pd.DataFrame]:
    """Check ``folder`` is empty or holds this ensemble; return the parts already written."""
    from peacesim.io import read_json, remove_stale_temporaries, write_json

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "spec.json"
    old = read_json(path)
    spec = json.loads(json.dumps(spec, default=str))
    if old is not None and old != spec:
        raise ConfigError(f"{folder} holds another ensemble (spec.json differs); use another "
                          "folder or delete it")
    write_json(path, spec)
    parts_dir = folder / PARTS
    parts_dir.mkdir(exist_ok=True)
    remove_stale_temporaries(parts_dir, ("part-*.parquet",))
    return [pd.read_parquet(p) for p in sorted(parts_dir.glob("part-*.parquet"))]


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def _bar(total: int, initial: int, desc: str, show: bool):
    if not show:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, desc=desc, unit="run", file=sys.stderr,
                dynamic_ncols=True, smoothing=0.1)


def _execute(chunks: list[Chunk], backend: str, workers: int, bar, folder: Path | None,
             base, slurm: dict | None) -> list[pd.DataFrame]:
    if not chunks:
        return []
    if backend == "local" and workers == 1:
        out = []
        for chunk in chunks:
            out.append(run_chunk(chunk))
            bar.update(len(chunk.members))
        return out
    if base is not None:  # compile or load the kernels once, before workers start
        from peacesim.warm import warm_cache

        warm_cache(copy.deepcopy(base))  # warm_cache edits the config it is given
    if backend == "local":
        return _local(chunks, workers, bar)
    if backend == "ray":
        return _ray(chunks, workers, bar)
    return _submitit(chunks, workers, bar, folder, backend, slurm or {})


_POOLS: dict[int, object] = {}


def _pool(workers: int):
    """A pool of ``workers`` spawned processes, kept for the next call (workers start once)."""
    import atexit
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    pool = _POOLS.get(workers)
    if pool is None or getattr(pool, "_broken", False):
        # spawn: what `import mesa` sets anyway, and safe with Numba's threads.
        pool = ProcessPoolExecutor(max_workers=workers,
                                   mp_context=multiprocessing.get_context("spawn"))
        if not _POOLS:
            atexit.register(shutdown_workers)
        _POOLS[workers] = pool
    return pool


def shutdown_workers() -> None:
    """Stop the worker processes kept by local ensembles."""
    while _POOLS:
        _POOLS.popitem()[1].shutdown(wait=True, cancel_futures=True)


def _local(chunks: list[Chunk], workers: int, bar) -> list[pd.DataFrame]:
    from concurrent.futures import as_completed

    pool = _pool(workers)
    with _env({"NUMBA_NUM_THREADS": "1"}):  # one Numba thread per worker (read at spawn)
        futures = {pool.submit(run_chunk, c): c for c in chunks}
    out = []
    try:
        for future in as_completed(futures):
            out.append(future.result())
            bar.update(len(futures[future].members))
    except BaseException:
        for f in futures:
            f.cancel()
        raise
    return out


def _ray(chunks: list[Chunk], workers: int, bar) -> list[pd.DataFrame]:
    try:
        import ray
    except ImportError:
        raise ConfigError("backend=ray needs Ray: pip install 'peacesim[ray]'") from None
    if not ray.is_initialized():
        ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False,
                 runtime_env={"env_vars": {"NUMBA_NUM_THREADS": "1"}})
    task = ray.remote(num_cpus=1)(run_chunk)
    pending = {task.remote(c): c for c in chunks}
    out = []
    while pending:
        ready, _ = ray.wait(list(pending), num_returns=1)
        for ref in ready:
            out.append(ray.get(ref))
            bar.update(len(pending.pop(ref).members))
    return out


def _submitit(chunks: list[Chunk], workers: int, bar, folder: Path | None, backend: str,
              slurm: dict) -> list[pd.DataFrame]:
    import tempfile

    import submitit

    logs = (folder / "submitit") if folder is not None else Path(tempfile.mkdtemp()) / "submitit"
    cluster = "local" if backend == "submitit_local" else "slurm"
    executor = submitit.AutoExecutor(folder=logs, cluster=cluster)
    params = {"timeout_min": 24 * 60, "cpus_per_task": 1, "slurm_array_parallelism": workers}
    params.update(slurm)
    if cluster == "local":
        params = {k: v for k, v in params.items() if not k.startswith("slurm_")}
    executor.update_parameters(**params)
    out = []
    with _env({"NUMBA_NUM_THREADS": "1"}):
        for start in range(0, len(chunks), workers if cluster == "local" else len(chunks)):
            # the local executor starts every job at once: send at most `workers` at a time
            batch = chunks[start:start + (workers if cluster == "local" else len(chunks))]
            jobs = executor.map_array(run_chunk, batch)
            by_job = dict(zip((j.job_id for j in jobs), batch, strict=True))
            for job in submitit.helpers.as_completed(jobs):
                out.append(job.result())
                bar.update(len(by_job[job.job_id].members))
    return out


class _env:
    """Set environment variables for a block (children inherit them)."""

    def __init__(self, values: dict[str, str]):
        self.values = values

    def __enter__(self):
        self.saved = {k: os.environ.get(k) for k in self.values}
        os.environ.update(self.values)

    def __exit__(self, *exc):
        for k, v in self.saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def design_hash(frame: pd.DataFrame) -> str:
    """A short hash of a design table (for naming folders)."""
    return hashlib.sha256(pd.util.hash_pandas_object(frame, index=False).values.tobytes()
                          ).hexdigest()[:12]


def outcome_columns(rows: pd.DataFrame, design_columns: Iterable[str]) -> list[str]:
    """The outcome columns of an ensemble table (all but row, seed and the design's)."""
    skip = {"row", "seed", *design_columns}
    return [c for c in rows.columns if c not in skip and np.issubdtype(rows[c].dtype, np.number)]
