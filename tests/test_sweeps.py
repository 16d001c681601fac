"""End to end through ``python -m peacesim``: a run, sweeps with three launchers, collect.

Each test starts the command line in a subprocess, as a user would, on tiny runs (a few
thousand community members, a few weeks) so the whole file takes about a minute and a half.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from peacesim.runner import RESULT_FILES, is_completed

TINY = ["steps=3", "population.size=1500", "output.figures=false"]


def cli(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m peacesim ARGS`` and return what it did."""
    return subprocess.run([sys.executable, "-m", "peacesim", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, **(env or {})})


def one_error_line(stderr: str) -> str:
    """The single non-empty line of ``stderr`` (asserts there is exactly one, no traceback)."""
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got {stderr!r}"
    assert "Traceback" not in stderr
    return lines[0]


# ----------------------------------------------------------------------------- one run
@pytest.mark.slow
def test_a_run_writes_its_tables_manifest_and_report(tmp_path):
    run_dir = tmp_path / "run"
    done = cli("run", "steps=4", "population.size=2000", "seed=5", f"hydra.run.dir={run_dir}",
               cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"results in {run_dir}" in done.stdout and "trust_in_sdf" in done.stdout
    assert is_completed(run_dir)
    for name in (*RESULT_FILES, "manifest.json", "status.json", ".hydra/overrides.yaml"):
        assert (run_dir / name).is_file(), name
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "completed" and manifest["seed"] == 5
    assert manifest["steps"] == 4 and manifest["population"] == 2000
    assert manifest["figures"] == "drawn" and (run_dir / "report.html").is_file()
    assert {"peacesim", "numba", "mesa"} <= set(manifest["versions"])
    assert manifest["resumed_from_step"] == 0 and len(manifest["config_hash"]) == 64
    assert "seed=5" in manifest["overrides"]
    config = yaml.safe_load((run_dir / "config.yaml").read_text())
    assert config["seed"] == 5 and config["steps"] == 4
    ts = pd.read_parquet(run_dir / "timeseries.parquet")
    assert ts["step"].max() == 4 and len(ts) == 5 * ts["region"].nunique()
    assert len(pd.read_parquet(run_dir / "national.parquet")) == 5
    assert json.loads((run_dir / "status.json").read_text())["status"] == "completed"
    assert not list(run_dir.glob(".*.tmp")) and not (run_dir / "checkpoint.npz").exists()


# --------------------------------------------------------------------------- config errors
@pytest.mark.slow
@pytest.mark.parametrize("args, names", [
    (["steps=abc"], "steps"),  # wrong type
    (["patrol.foo=1"], "patrol.foo"),  # unknown key
    (["patrol.presence=1.5"], "patrol.presence"),  # out of range
    (["scenario=atlantis"], "atlantis"),  # unknown scenario
], ids=["wrong type", "unknown key", "out of range", "unknown scenario"])
def test_config_errors_are_one_line_and_exit_2(tmp_path, args, names):
    done = cli("run", *args, cwd=tmp_path)
    assert done.returncode == 2
    line = one_error_line(done.stderr)
    assert line.startswith("peacesim: error:") and names in line
    assert not (tmp_path / "outputs").exists() and not (tmp_path / "multirun").exists()


def test_a_bad_value_anywhere_in_a_sweep_stops_it_before_any_job(tmp_path, capsys):
    from peacesim.cli import main

    status = main(["run", "-m", "patrol.presence=0.1,1.5", "seed=0,1",
                   f"hydra.sweep.dir={tmp_path / 'sweep'}"])
    assert status == 2
    assert "patrol.presence=1.5" in one_error_line(capsys.readouterr().err)
    assert not (tmp_path / "sweep").exists()


# --------------------------------------------------------------------------------- sweeps
@pytest.fixture(scope="module")
def joblib_sweep(tmp_path_factory) -> Path:
    """A 2 x 2 sweep (seed x patrol.presence) with the joblib launcher, two workers."""
    pytest.importorskip("hydra_plugins.hydra_joblib_launcher")
    where = tmp_path_factory.mktemp("joblib")
    sweep_dir = where / "sweep"
    done = cli("run", "-m", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", *TINY,
               "seed=0,1", "patrol.presence=0.1,0.4", f"hydra.sweep.dir={sweep_dir}", cwd=where)
    assert done.returncode == 0, done.stderr
    assert "sweep: 4 of 4 jobs completed" in done.stdout
    return sweep_dir


@pytest.mark.slow
def test_joblib_sweep_and_collect_give_four_rows(joblib_sweep):
    done = cli("collect", str(joblib_sweep), cwd=joblib_sweep)
    assert done.returncode == 0, done.stderr
    assert "4 completed jobs" in done.stdout
    table = pd.read_parquet(joblib_sweep / "sweep.parquet")
    assert len(table) == 4
    assert sorted(zip(table["seed"], table["patrol.presence"], strict=True)) == \
        [(0, 0.1), (0, 0.4), (1, 0.1), (1, 0.4)]
    assert {"trust_in_sdf_final", "armed_group_support_mean", "folder"} <= set(table.columns)
    assert table["trust_in_sdf_final"].between(0, 1).all()
    status = json.loads((joblib_sweep / "sweep_status.json").read_text())
    assert status == {"jobs": 4, "completed": 4, "not_completed": []}


@pytest.mark.slow
def test_collect_names_a_missing_job_and_exits_1(joblib_sweep, tmp_path, capsys):
    from peacesim.cli import main

    copy = tmp_path / "sweep"
    shutil.copytree(joblib_sweep, copy)
    shutil.rmtree(copy / "3")
    assert main(["collect", str(copy)]) == 1
    err = capsys.readouterr().err
    assert "job 3 (" in err and "missing" in err and "1 job(s) missing or failed" in err
    assert len(pd.read_parquet(copy / "sweep.parquet")) == 3


@pytest.mark.slow
def test_submitit_local_sweep(tmp_path):
    pytest.importorskip("hydra_plugins.hydra_submitit_launcher")
    sweep_dir = tmp_path / "sweep"
    done = cli("run", "-m", "hydra/launcher=submitit_local", *TINY, "seed=0,1",
               f"hydra.sweep.dir={sweep_dir}", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "sweep: 2 of 2 jobs completed" in done.stdout
    assert is_completed(sweep_dir / "0") and is_completed(sweep_dir / "1")
    assert (sweep_dir / ".submitit").is_dir()
    seeds = {json.loads((sweep_dir / j / "manifest.json").read_text())["seed"] for j in "01"}
    assert seeds == {0, 1}


@pytest.mark.slow
def test_a_failing_job_does_not_stop_the_others_and_a_rerun_skips_the_finished(tmp_path):
    """Job 1 fails at run time; the same command re-run into the same folder runs only job 1.

    The sweep has ``output.skip_completed=true``, so the finished jobs are skipped.
    """
    pytest.importorskip("hydra_plugins.hydra_joblib_launcher")
    sweep_dir = tmp_path / "sweep"
    command = ["run", "-m", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", *TINY,
               "seed=0,1,2", "output.skip_completed=true", f"hydra.sweep.dir={sweep_dir}"]
    failed = cli(*command, cwd=tmp_path, env={"PEACESIM_FAIL_AT_STEP": "2@seed=1"})
    assert failed.returncode == 1
    assert "sweep: 2 of 3 jobs completed" in failed.stdout
    assert "job 1 (" in failed.stderr and "failed: RuntimeError: PEACESIM_FAIL_AT_STEP" \
        in failed.stderr
    assert is_completed(sweep_dir / "0") and is_completed(sweep_dir / "2")
    assert not is_completed(sweep_dir / "1")
    assert "Traceback" in (sweep_dir / "1" / "error.txt").read_text()

    collected = cli("collect", str(sweep_dir), cwd=tmp_path)
    assert collected.returncode == 1
    assert "2 completed jobs" in collected.stdout and "1 job(s) missing or failed" \
        in collected.stderr
    assert len(pd.read_parquet(sweep_dir / "sweep.parquet")) == 2

    finished = {j: (sweep_dir / j / "manifest.json").read_text() for j in "02"}
    again = cli(*command, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "sweep: 3 of 3 jobs completed" in again.stdout
    for j, manifest in finished.items():  # untouched: skipped, not run again
        assert (sweep_dir / j / "manifest.json").read_text() == manifest
        assert "skipping" in (sweep_dir / j / "peacesim.log").read_text()
    assert not (sweep_dir / "1" / "error.txt").exists()
    collected = cli("collect", str(sweep_dir), cwd=tmp_path)
    assert collected.returncode == 0, collected.stderr
    assert len(pd.read_parquet(sweep_dir / "sweep.parquet")) == 3
