"""Checkpoints and resuming: an interrupted run, resumed, equals one that never stopped.

``output.checkpoint_every=N`` saves ``checkpoint.npz`` (the model's state, its step and a hash
of the config) every N steps; running the same config into the same folder resumes from it.
The tests interrupt runs in three ways: the test-only failure injection
(``PEACESIM_FAIL_AT_STEP``), ``kill -9`` of a command-line run, and submitit's own preemption
signal to a job of a ``submitit_local`` sweep, which requeues it into the same job folder
(what hydra-submitit-launcher's ``checkpoint()`` does on Slurm).
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import peacesim
from peacesim.population import Table
from peacesim.runner import (
    CHECKPOINT,
    FAIL_AT_STEP_ENV,
    config_hash,
    is_completed,
    read_checkpoint,
    run_to_dir,
)

TABLES = ("timeseries.parquet", "national.parquet", "cells.parquet")

#: A small run that touches every mechanism: programmes on, a cross-border dialogue.
EVERYTHING = ("dialogue.frequency=20", "womens_groups.sessions_per_year=10", "conduct.share=0.5",
              "patrol.moc.share=0.3", "employment.youth_coverage=0.5", "justice.access=0.5",
              "dialogue.cross_border=true", "geography.regions=[sikasso,hauts_bassins,mopti]")


def _config(*overrides: str, steps: int = 8, size: int = 2_000):
    return peacesim.load_config("baseline", overrides=[
        f"steps={steps}", f"population.size={size}", "seed=3", "output.figures=false",
        "output.progress=false", "population.agent_objects=none", *overrides])


def assert_same_results(a: Path, b: Path) -> None:
    """The result tables and summaries of two run folders are bit-identical."""
    for name in TABLES:
        pd.testing.assert_frame_equal(pd.read_parquet(a / name), pd.read_parquet(b / name),
                                      check_exact=True)
    assert json.loads((a / "summary.json").read_text()) == \
        json.loads((b / "summary.json").read_text())


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """An uninterrupted run of the config the resume tests use."""
    folder = tmp_path_factory.mktemp("reference")
    run_to_dir(_config(), folder)
    return folder


# ------------------------------------------------------------------------------ the state
def _arrays(obj, prefix: str, out: dict) -> dict:
    """Every array, table column and number an object keeps in its attributes."""
    for name, value in vars(obj).items():
        if isinstance(value, np.ndarray):
            out[prefix + name] = value
        elif isinstance(value, Table):
            out.update({f"{prefix}{name}.{c}": col for c, col in value.columns.items()})
        elif isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
            out[prefix + name] = np.asarray(value)
    return out


def test_state_holds_everything_a_run_carries_from_step_to_step():
    """A model loaded from a step-3 state matches the original in everything after 4 steps.

    Every array, table and number in every mechanism's attributes is compared, so a
    mechanism that keeps run state outside ``state()`` fails here.
    """
    cfg = _config(*EVERYTHING)
    a = peacesim.PeaceModel(cfg)
    for _ in range(3):
        a.step()
    state = a.state()
    for _ in range(4):
        a.step()
    b = peacesim.PeaceModel(cfg)
    b.load_state(state)
    for _ in range(4):
        b.step()
    for name in a.mechanisms:
        in_a = _arrays(a.mechanisms[name], f"{name}.", {})
        in_b = _arrays(b.mechanisms[name], f"{name}.", {})
        assert in_a.keys() == in_b.keys()
        for key in in_a:
            assert np.array_equal(in_a[key], in_b[key], equal_nan=True), key
    for table in ("people", "cells"):
        for col, values in getattr(a, table).columns.items():
            assert np.array_equal(values, getattr(b, table)[col]), f"{table}.{col}"
    pd.testing.assert_frame_equal(a.timeseries(), b.timeseries(), check_exact=True)


def test_config_hash_ignores_only_what_cannot_change_results():
    base = config_hash(_config())
    assert config_hash(_config("output.checkpoint_every=5", "output.figures=true",
                               "threads=1", "check=true", "output.skip_completed=true")) == base
    assert config_hash(_config("seed=4")) != base
    assert config_hash(_config("patrol.presence=0.3")) != base
    assert config_hash(_config(steps=9)) != base


# ------------------------------------------------------------------------------ resuming
def test_failed_run_resumes_from_its_checkpoint_bit_identical(tmp_path, reference, monkeypatch,
                                                               caplog):
    cfg = _config("output.checkpoint_every=3")
    monkeypatch.setenv(FAIL_AT_STEP_ENV, "5")
    with pytest.raises(RuntimeError, match=FAIL_AT_STEP_ENV):
        run_to_dir(cfg, tmp_path)
    status = json.loads((tmp_path / "status.json").read_text())
    assert status["status"] == "failed" and status["step"] == 5
    assert status["checkpoint_step"] == 3
    assert not (tmp_path / "manifest.json").exists() and not is_completed(tmp_path)
    meta, _, why = read_checkpoint(tmp_path / CHECKPOINT)
    assert not why and meta["step"] == 3 and meta["config_hash"] == config_hash(cfg)

    monkeypatch.delenv(FAIL_AT_STEP_ENV)
    with caplog.at_level(logging.INFO, logger="peacesim"):
        run_to_dir(cfg, tmp_path)
    assert "resuming from checkpoint" in caplog.text and "at step 3 of 8" in caplog.text
    assert is_completed(tmp_path)
    assert not (tmp_path / CHECKPOINT).exists()  # deleted once the run completed
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["resumed_from_step"] == 3
    assert_same_results(reference, tmp_path)


def test_preemption_exit_marks_the_run_interrupted_and_the_rerun_resumes(tmp_path, reference,
                                                                          monkeypatch):
    """The preemption handler of submitit ends the job with ``sys.exit(-1)`` mid-step."""
    from peacesim.model import PeaceModel

    step = PeaceModel.step

    def preempted(self):
        if self.steps == 5:  # Mesa counts the step before calling it
            raise SystemExit(-1)
        step(self)

    monkeypatch.setattr(PeaceModel, "step", preempted)
    with pytest.raises(SystemExit):
        run_to_dir(_config("output.checkpoint_every=2"), tmp_path)
    status = json.loads((tmp_path / "status.json").read_text())
    assert status["status"] == "interrupted" and status["checkpoint_step"] == 4
    monkeypatch.undo()
    run_to_dir(_config("output.checkpoint_every=2"), tmp_path)
    assert json.loads((tmp_path / "manifest.json").read_text())["resumed_from_step"] == 4
    assert_same_results(reference, tmp_path)


def test_checkpoint_of_another_config_is_ignored_with_a_reason(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv(FAIL_AT_STEP_ENV, "4")
    with pytest.raises(RuntimeError):
        run_to_dir(_config("output.checkpoint_every=2", "seed=4"), tmp_path)
    assert (tmp_path / CHECKPOINT).exists()
    monkeypatch.delenv(FAIL_AT_STEP_ENV)
    with caplog.at_level(logging.INFO, logger="peacesim"):
        run_to_dir(_config("output.checkpoint_every=2"), tmp_path)
    assert "starting fresh" in caplog.text and "another config" in caplog.text
    assert "resuming" not in caplog.text
    assert json.loads((tmp_path / "manifest.json").read_text())["resumed_from_step"] == 0


@pytest.mark.parametrize("damage", [b"", b"not a zip file", None])
def test_unreadable_checkpoint_starts_fresh(tmp_path, reference, damage, caplog):
    path = tmp_path / CHECKPOINT
    if damage is None:  # a valid npz of the wrong arrays
        with open(path, "wb") as fh:
            np.savez(fh, __meta__=np.array(json.dumps(
                {"format": 1, "config_hash": config_hash(_config()), "step": 2})),
                x=np.zeros(3))
    else:
        path.write_bytes(damage)
    with caplog.at_level(logging.INFO, logger="peacesim"):
        run_to_dir(_config(), tmp_path)
    assert "starting fresh" in caplog.text
    assert_same_results(reference, tmp_path)


def test_checkpoints_are_saved_every_n_steps_and_never_after_the_last(tmp_path, monkeypatch):
    saved = []
    import peacesim.runner as runner

    real = runner.save_checkpoint
    monkeypatch.setattr(runner, "save_checkpoint",
                        lambda path, model, digest: saved.append(int(model.steps))
                        or real(path, model, digest))
    run_to_dir(_config("output.checkpoint_every=2"), tmp_path)
    assert saved == [2, 4, 6]
    assert not (tmp_path / CHECKPOINT).exists()


# ------------------------------------------------------------------------------ processes
OVERRIDES = ["steps=30", "population.size=100000", "seed=3", "output.figures=false",
             "population.agent_objects=none"]


def _wait_for(predicate, timeout: float, proc: subprocess.Popen | None = None) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"process ended early with {proc.returncode}")
        time.sleep(0.05)
    raise AssertionError("timed out waiting")


def _status(folder: Path) -> dict:
    try:
        return json.loads((folder / "status.json").read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


@pytest.fixture(scope="module")
def big_reference(tmp_path_factory) -> Path:
    """An uninterrupted run of the config the process tests interrupt."""
    folder = tmp_path_factory.mktemp("big_reference")
    run_to_dir(peacesim.load_config("baseline", OVERRIDES), folder)
    return folder


@pytest.mark.slow
def test_killed_command_line_run_resumes_when_rerun(tmp_path, big_reference):
    """Killed (SIGKILL) after a checkpoint, the same command in the same folder resumes."""
    run_dir = tmp_path / "run"
    command = [sys.executable, "-m", "peacesim", "run", *OVERRIDES,
               "output.checkpoint_every=5", f"hydra.run.dir={run_dir}"]
    proc = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        _wait_for(lambda: _status(run_dir).get("checkpoint_step", 0) >= 10, 240, proc)
    finally:
        proc.kill()
        proc.wait()
    assert not is_completed(run_dir)
    again = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    log = again.stdout + (run_dir / "peacesim.log").read_text()
    assert "resuming from checkpoint" in log
    assert is_completed(run_dir) and not (run_dir / CHECKPOINT).exists()
    assert json.loads((run_dir / "manifest.json").read_text())["resumed_from_step"] >= 10
    assert_same_results(big_reference, run_dir)


@pytest.mark.slow
def test_submitit_preemption_requeues_into_the_same_folder_and_resumes(tmp_path, big_reference):
    """Send submitit's preemption signal to a running job of a submitit_local sweep.

    hydra-submitit-launcher's ``checkpoint()`` resubmits the same job with the same arguments,
    so the requeued job runs in the same job folder and resumes from its checkpoint: the
    Slurm path, run locally.
    """
    pytest.importorskip("hydra_plugins.hydra_submitit_launcher")
    from submitit.local.local import LocalJobEnvironment

    sweep_dir = tmp_path / "sweep"
    job_dir = sweep_dir / "0"
    command = [sys.executable, "-m", "peacesim", "run", "-m", "hydra/launcher=submitit_local",
               *OVERRIDES, "output.checkpoint_every=5",
               f"hydra.sweep.dir={sweep_dir}", "hydra.launcher.timeout_min=10"]
    proc = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        _wait_for(lambda: _status(job_dir).get("checkpoint_step", 0) >= 10, 240, proc)
        first = _status(job_dir)["pid"]
        os.kill(first, LocalJobEnvironment._usr_sig())
        out, _ = proc.communicate(timeout=300)
    finally:
        proc.kill()
    assert proc.returncode == 0, out
    log = (job_dir / "peacesim.log").read_text()
    assert "resuming from checkpoint" in log
    manifest = json.loads((job_dir / "manifest.json").read_text())
    assert manifest["resumed_from_step"] >= 10
    assert is_completed(job_dir)
    assert_same_results(big_reference, job_dir)
