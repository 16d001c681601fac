"""Regenerate the small committed tables that tests/test_report.py draws from.

    python tests/data/make_fixtures.py

Writes, next to this script:

* ``run_border/``: a short border_sikasso run (Sikasso and Burkina Faso's Hauts-Bassins,
  cross-border dialogue from week 52): every file of a run folder but the figures;
* ``run_epstein/``: a short Epstein (2002) run (tables without regions or cells);
* ``sweep_central/``: ``sweep.parquet`` and ``sweep_status.json`` of a small central_mali
  sweep (dialogue.frequency 0/4 x patrol.presence 0.1/0.4 x 3 seeds) gathered by
  ``python -m peacesim collect``, and the first job's ``config.yaml`` and ``manifest.json``
  (the scenario and its counterfactual); the other job folders are not kept.

Every run folder keeps its ``metrics.json`` (labels, units and scales of the metrics) when the
model writes one. The committed ``metrics.json`` files were written once from the labels table
that plots/labels.py held before runs declared their metrics (the model's own kind, weight and
description, that table's label, unit and scale); a run of this script after the model writes
metrics.json replaces them with the model's.

Float columns are rounded to 6 significant digits and the Parquet files are written without
column statistics so they stay small (about 100 KB in all); the report
must read them like any run's tables. Re-run only on purpose (e.g. after the tables' columns
change), then check the tests still pass and commit the files.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
KEEP = ("config.yaml", "manifest.json", "summary.json", "status.json", "national.parquet",
        "timeseries.parquet", "cells.parquet")
#: Kept when the run wrote it (runs written before the model declared its metrics did not).
OPTIONAL = ("metrics.json",)


def _round(frame: pd.DataFrame, digits: int = 6) -> pd.DataFrame:
    out = frame.copy()
    for c in out.columns:
        if pd.api.types.is_float_dtype(out[c]):
            v = out[c].to_numpy(dtype=float)
            with np.errstate(divide="ignore", invalid="ignore"):
                mag = np.where(v == 0, 0, np.floor(np.log10(np.abs(v))))
            scale = 10.0 ** (digits - 1 - mag)
            out[c] = np.where(np.isfinite(v), np.round(v * scale) / scale, v)
    return out


def _shrink(folder: Path) -> None:
    """Round floats; write without column statistics.

    The Arrow schema copy is kept only where a categorical column (``region``) needs it to
    read back as categorical.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    for path in folder.glob("*.parquet"):
        frame = _round(pd.read_parquet(path))
        categorical = any(isinstance(t, pd.CategoricalDtype) for t in frame.dtypes)
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path,
                       compression="zstd", write_statistics=False, store_schema=categorical)


def _run(name: str, scenario: str, overrides: list[str]) -> None:
    from peacesim import load_config
    from peacesim.runner import run_to_dir

    target = HERE / name
    with tempfile.TemporaryDirectory() as tmp:
        overrides = [*overrides, "output.figures=false", "output.progress=false"]
        run_to_dir(load_config(scenario, overrides), tmp,
                   overrides=[f"+scenario={scenario}", *overrides])
        kept = {f: (target / f).read_bytes() for f in OPTIONAL if (target / f).is_file()}
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for f in KEEP:
            shutil.copy(Path(tmp) / f, target / f)
        for f in OPTIONAL:
            if (Path(tmp) / f).is_file():
                shutil.copy(Path(tmp) / f, target / f)
            elif f in kept:  # the model does not write it yet: keep the committed one
                (target / f).write_bytes(kept[f])
    _shrink(target)


def _sweep() -> None:
    target = HERE / "sweep_central"
    with tempfile.TemporaryDirectory() as tmp:
        sweep_dir = Path(tmp) / "sweep"
        cmd = [sys.executable, "-m", "peacesim", "run", "-m", "+scenario=central_mali",
               "dialogue.frequency=0,4", "patrol.presence=0.1,0.4", "seed=0,1,2", "steps=20",
               "population.size=1000", "output.figures=false", "output.progress=false",
               f"hydra.sweep.dir={sweep_dir}"]
        subprocess.run(cmd, check=True, cwd=tmp)
        subprocess.run([sys.executable, "-m", "peacesim", "collect", str(sweep_dir)],
                       check=True, cwd=tmp)
        kept = {f: (target / "0" / f).read_bytes() for f in OPTIONAL
                if (target / "0" / f).is_file()}
        shutil.rmtree(target, ignore_errors=True)
        (target / "0").mkdir(parents=True)
        for f in ("sweep.parquet", "sweep_status.json"):
            shutil.copy(sweep_dir / f, target / f)
        for f in ("config.yaml", "manifest.json"):
            shutil.copy(sweep_dir / "0" / f, target / "0" / f)
        for f in OPTIONAL:
            if (sweep_dir / "0" / f).is_file():
                shutil.copy(sweep_dir / "0" / f, target / "0" / f)
            elif f in kept:
                (target / "0" / f).write_bytes(kept[f])
    _shrink(target)


def main() -> None:
    """Write every fixture."""
    _run("run_border", "border_sikasso", ["steps=64", "population.size=2000", "seed=1"])
    _run("run_epstein", "epstein", ["steps=60"])
    _sweep()
    for path in sorted(HERE.rglob("*")):
        if path.is_file() and path.name != Path(__file__).name:
            print(f"{path.stat().st_size:8d}  {path.relative_to(HERE)}")


if __name__ == "__main__":
    main()
