"""Reading a run folder for the report: its tables, its metric labels, its config.

Everything here works from the files alone (never from a live model) and imports neither
matplotlib nor Hydra.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from peacesim.io import read_json
from peacesim.plots.labels import MetricLabel

log = logging.getLogger("peacesim")

__all__ = ["RunTables", "load_run", "load_metrics", "programmes_in_config",
           "non_default_settings", "simulated_area"]

#: The file in which a run folder declares how each metric is shown.
METRICS_FILE = "metrics.json"
_KINDS = ("share", "count", "level")


@dataclass
class RunTables:
    """Everything a run folder holds that the report reads (missing parts are empty)."""

    folder: Path
    config: dict = field(default_factory=dict)
    manifest: dict = field(default_factory=dict)
    summary: dict = field(default_factory=dict)
    national: pd.DataFrame | None = None
    timeseries: pd.DataFrame | None = None
    cells: pd.DataFrame | None = None
    metrics: dict[str, MetricLabel] = field(default_factory=dict)

    @property
    def model(self) -> str:
        """``peace``, ``epstein`` or ``bennett``."""
        return str(self.manifest.get("model") or self.config.get("model") or "peace")

    @property
    def scenario(self) -> dict:
        """The config's ``scenario`` section (name, description, sources, ...)."""
        return self.config.get("scenario") or {"name": self.manifest.get("scenario", "")}

    @property
    def interventions(self) -> list[dict]:
        """The manifest's programmes; rebuilt from config.yaml if there is no manifest yet."""
        if "interventions" in self.manifest:
            return list(self.manifest["interventions"] or [])
        return programmes_in_config(self.config)


def read_parquet(path: Path) -> pd.DataFrame | None:
    """A Parquet table, or None when the file is not there."""
    return pd.read_parquet(path) if path.is_file() else None


def read_yaml(path: Path) -> dict:
    """A YAML file as a dict ({} when the file is not there)."""
    if not path.is_file():
        return {}
    import yaml

    return yaml.safe_load(path.read_text()) or {}


def load_metrics(folder: str | Path) -> dict[str, MetricLabel]:
    """How each metric of a run is shown, from the folder's ``metrics.json``.

    The file, written by the model into every run folder, has the form
    ``{"metrics": [{"name", "label", "unit", "scale", "kind", "weight", "description"}, ...]}``
    where ``unit`` is the unit of the displayed value (the stored value times ``scale``) and
    ``kind`` is ``share``, ``count`` or ``level``. A sweep folder holds a copy of its first
    job's (:func:`peacesim.report.write_sweep_report`).

    Args:
        folder: A run or sweep folder.

    Returns:
        ``{name: MetricLabel}`` in the file's order; empty when the folder has no metrics.json
        (written before the file existed: figures then show column names, unscaled).

    Raises:
        ValueError: One line naming the file and what is wrong with it.
    """
    path = Path(folder) / METRICS_FILE
    if not path.is_file():
        return {}
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))["metrics"]
        out = {}
        for e in entries:
            kind = str(e["kind"])
            if kind not in _KINDS:
                raise ValueError(f"metric {e['name']!r} has kind {kind!r}, not one of "
                                 f"{', '.join(_KINDS)}")
            out[str(e["name"])] = MetricLabel(
                label=str(e["label"]), unit=str(e.get("unit") or ""), kind=kind,
                scale=float(e.get("scale", 1.0)), description=str(e.get("description") or ""),
                weight=e.get("weight"))
        return out
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as err:
        what = f"no field {err}" if isinstance(err, KeyError) else str(err).splitlines()[0]
        raise ValueError(f"{path}: not a metrics file ({what}); expected "
                         '{"metrics": [{"name", "label", "unit", "scale", "kind", ...}]}') \
            from None


def load_run(run_dir: str | Path) -> RunTables:
    """Read a run folder's tables (whatever is there).

    Raises:
        FileNotFoundError: If the folder has no ``national.parquet``.
        ValueError: If its ``metrics.json`` is malformed.
    """
    run_dir = Path(run_dir)
    national = read_parquet(run_dir / "national.parquet")
    if national is None:
        raise FileNotFoundError(f"{run_dir} holds no national.parquet: not a run folder")
    return RunTables(
        folder=run_dir,
        config=read_yaml(run_dir / "config.yaml"),
        manifest=read_json(run_dir / "manifest.json") or {},
        summary=read_json(run_dir / "summary.json") or {},
        national=national,
        timeseries=read_parquet(run_dir / "timeseries.parquet"),
        cells=read_parquet(run_dir / "cells.parquet"),
        metrics=load_metrics(run_dir),
    )


# =========================================================================== the config
def simulated_area(config: dict) -> str:
    """What a run's totals cover, in words: ``"national"`` or the regions' names.

    ``"national"`` when the config simulates all of Mali's regions (and nothing else),
    ``"Mali and Hauts-Bassins"`` with Burkina Faso's region added, else the simulated regions'
    names (``"Mopti and Ségou"``). ``""`` when the config names no regions (an old folder).
    """
    regions = list((config.get("geography") or {}).get("regions") or [])
    if not regions:
        return ""
    from peacesim.geography import REGION_IDS, REGION_NAMES
    from peacesim.world import MALI_REGIONS

    names = dict(zip(REGION_IDS, REGION_NAMES, strict=True))
    if set(MALI_REGIONS) <= set(regions):
        extra = sorted(names.get(r, r) for r in regions if r not in MALI_REGIONS)
        return _and(["Mali", *extra]) if extra else "national"
    return _and(sorted(names.get(r, r) for r in regions))


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def programmes_in_config(config: dict, path: str = "") -> list[dict]:
    """The programmes of a resolved config (sections with start, end and regions).

    The same list as the manifest's ``interventions`` (:func:`peacesim.runner.interventions`),
    rebuilt from ``config.yaml`` for a report drawn before the manifest is written.
    """
    found: list[dict] = []
    if not isinstance(config, dict):
        return found
    if {"start", "end", "regions"} <= set(config):
        levels = {k: v for k, v in config.items() if k not in ("start", "end", "regions")
                  and isinstance(v, (int, float, bool))}
        found.append({"name": path, "start": config["start"], "end": config["end"],
                      "regions": list(config["regions"] or []), "levels": levels})
    for key, value in config.items():
        if isinstance(value, dict) and key not in ("regions", "scenario", "epstein", "bennett"):
            found += programmes_in_config(value, f"{path}.{key}" if path else key)
    return found


def flatten(d: dict, prefix: str = "") -> dict:
    """A nested dict as ``{"a.b.c": value}``."""
    out = {}
    for k, v in d.items():
        key = f"{prefix}.{k}" if prefix else str(k)
        if isinstance(v, dict):
            out.update(flatten(v, key))
        else:
            out[key] = v
    return out


def default_config() -> dict:
    """The schema's defaults as a nested dict ({} if the schema cannot be built)."""
    try:
        from peacesim.config.schema import schema

        return dataclasses.asdict(schema()())
    except Exception as err:  # the report must not fail for want of defaults
        log.warning("report: no defaults to compare with (%s)", err)
        return {}


def non_default_settings(config: dict, model: str = "peace") -> dict[str, tuple]:
    """Settings of ``config`` that differ from the schema's defaults: {key: (value, default)}.

    Leaves out what the report shows elsewhere (scenario, output, seed, steps, threads) and the
    sections of the models that did not run.
    """
    defaults = flatten(default_config())
    if not defaults:
        return {}
    skip = ("scenario.", "output.", "hydra.")
    other = {"peace": ("epstein.", "bennett."), "epstein": None, "bennett": None}.get(model)
    out = {}
    for key, value in flatten(config).items():
        if key.startswith(skip) or key in ("seed", "steps", "threads", "model"):
            continue
        if other is None and not key.startswith(f"{model}."):
            continue  # a published model reads only its own section
        if other and key.startswith(other):
            continue
        default = defaults.get(key, "(none)")
        if value != default:
            out[key] = (value, default)
    return out


def first_job(sweep_dir: Path, table: pd.DataFrame) -> tuple[Path | None, dict, dict]:
    """(folder, config, manifest) of a sweep's first job still on disk, else (None, {}, {})."""
    if "folder" in table:
        for folder in table["folder"]:
            job = sweep_dir / str(folder)
            if (job / "config.yaml").is_file():
                return job, read_yaml(job / "config.yaml"), read_json(job / "manifest.json") or {}
    return None, {}, {}
