"""Gathering a sweep: which jobs finished, failed or never ran, and one table of outcomes.

A sweep folder is what ``python -m peacesim run -m ...`` writes: ``multirun.yaml`` (the sweep
as launched) and one folder per job with ``.hydra/overrides.yaml`` and, once finished, the
run's files (:mod:`peacesim.runner`). The jobs expected are recomputed from the sweep's own
overrides, so a job that never started is reported by name, not silently dropped.

A job is ``completed`` only when its folder holds a manifest with status ``completed`` and
every file it lists; otherwise its ``status.json`` says ``failed``, ``interrupted`` or
``running``, and a ``running`` job whose process is gone from this host (killed, out of
memory) is reported as ``failed``. See docs/ROBUSTNESS.md.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from peacesim.io import read_json, write_json, write_parquet
from peacesim.runner import is_completed


@dataclass
class Job:
    """One job of a sweep."""

    number: int
    overrides: list[str]
    folder: Path | None
    status: str  # completed | failed | interrupted | running | missing
    error: str | None = None
    summary: dict = field(default_factory=dict)
    seed: int | None = None

    @property
    def label(self) -> str:
        """``job N (key=value ...)``."""
        return f"job {self.number} ({' '.join(self.overrides)})"


def _expected(sweep_dir: Path) -> list[list[str]] | None:
    spec = sweep_dir / "multirun.yaml"
    if not spec.is_file():
        return None
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser

    cfg = yaml.safe_load(spec.read_text())
    task = list(cfg.get("hydra", {}).get("overrides", {}).get("task", []) or [])
    parsed = OverridesParser.create().parse_overrides(task)
    batches = BasicSweeper.split_arguments(parsed, None)
    return [list(job) for batch in batches for job in batch]


def _job_folders(sweep_dir: Path) -> dict[tuple[str, ...], Path]:
    found = {}
    for spec in sorted(sweep_dir.rglob(".hydra/overrides.yaml")):
        folder = spec.parent.parent
        if folder == sweep_dir:
            continue
        overrides = yaml.safe_load(spec.read_text()) or []
        found[tuple(sorted(overrides))] = folder
    return found


def sweep_jobs(sweep_dir: str | Path) -> list[Job]:
    """Every job of a sweep with its status.

    Raises:
        FileNotFoundError: If ``sweep_dir`` is not a sweep folder.
    """
    sweep_dir = Path(sweep_dir)
    if not sweep_dir.is_dir():
        raise FileNotFoundError(f"{sweep_dir} is not a folder")
    folders = _job_folders(sweep_dir)
    expected = _expected(sweep_dir)
    if expected is None:
        if not folders:
            raise FileNotFoundError(f"{sweep_dir} holds no multirun.yaml and no job folders")
        expected = [list(k) for k in folders]
    jobs = []
    for number, overrides in enumerate(expected):
        folder = folders.get(tuple(sorted(overrides)))
        job = Job(number, overrides, folder, "missing")
        if folder is not None:
            if is_completed(folder):
                job.status = "completed"
                job.summary = read_json(folder / "summary.json") or {}
                job.seed = (read_json(folder / "manifest.json") or {}).get("seed")
            else:
                job.status, job.error = run_status(folder)
        jobs.append(job)
    return jobs


def run_status(folder: str | Path) -> tuple[str, str | None]:
    """Status of a run folder that is not completed, and why.

    Returns:
        ``(status, error)`` with status ``failed``, ``interrupted``, ``running`` or
        ``missing``. A run whose ``status.json`` says ``running`` but whose process is gone
        (same host, pid no longer alive: killed, out of memory) is ``failed``.
    """
    folder = Path(folder)
    status = read_json(folder / "status.json") or {}
    state = status.get("status", "missing")
    error = status.get("error")
    if state == "completed":  # status written but the manifest or result files are not
        return "failed", "result files incomplete (no completed manifest)"
    if state == "running":
        where = f"step {status.get('step', 0)} of {status.get('steps', '?')}"
        if _process_gone(status):
            return "failed", (f"process {status.get('pid')} on {status.get('host')} stopped "
                              f"without finishing, at {where} (killed?)")
        return "running", where
    return state, error


def _process_gone(status: dict) -> bool:
    """Whether the process named in a status is known to have exited (same host only)."""
    pid, host = status.get("pid"), status.get("host")
    if not isinstance(pid, int) or host != socket.gethostname():
        return False
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, someone else's
        return False
    return _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    """A process that exited but was not yet reaped by its parent (Linux only; else False)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[:1] == ["Z"]


def _value(text: str):
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def collect(sweep_dir: str | Path) -> tuple[pd.DataFrame, list[Job]]:
    """Write ``sweep.parquet`` (one row per completed job) and ``sweep_status.json``.

    Returns:
        The table and the jobs that are not completed (missing, failed or still running).
    """
    sweep_dir = Path(sweep_dir)
    jobs = sweep_jobs(sweep_dir)
    rows = []
    for job in jobs:
        if job.status != "completed":
            continue
        row = {"job": job.number, "folder": str(job.folder.relative_to(sweep_dir))}
        for item in job.overrides:
            key, _, value = item.lstrip("+~").partition("=")
            row[key] = _value(value)
        row["seed"] = job.seed
        row.update(job.summary)
        rows.append(row)
    table = pd.DataFrame(rows)
    write_parquet(sweep_dir / "sweep.parquet", table)
    problems = [j for j in jobs if j.status != "completed"]
    write_json(sweep_dir / "sweep_status.json", {
        "jobs": len(jobs), "completed": len(jobs) - len(problems),
        "not_completed": [{"job": j.number, "overrides": j.overrides, "status": j.status,
                           "error": j.error} for j in problems]})
    return table, problems
