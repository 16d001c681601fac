"""Gathering a sweep: which jobs finished, failed or never ran, and one table of outcomes.

A sweep folder is what ``python -m peacesim run -m ...`` writes: ``multirun.yaml`` (the sweep
as launched) and one folder per job with ``.hydra/overrides.yaml`` and, once finished, the
run's files (:mod:`peacesim.runner`). The jobs expected are recomputed from the sweep's own
overrides, so a job that never started is reported by name, not silently dropped.
"""

from __future__ import annotations

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
    status: str  # completed | failed | running | missing
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
                status = read_json(folder / "status.json") or {}
                job.status = status.get("status", "missing")
                if job.status == "completed":  # status written but result files incomplete
                    job.status = "failed"
                    job.error = "result files incomplete"
                else:
                    job.error = status.get("error")
        jobs.append(job)
    return jobs


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
