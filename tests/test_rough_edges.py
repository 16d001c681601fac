"""What a new user hits first (issue 16): errors, silent no-ops, the run's output, the docs.

One-line errors, silent no-ops refused, the run's own output, and the docs' numbers checked
against the committed results.

Errors are checked as a user meets them: ``python -m peacesim`` in a subprocess (or
:func:`peacesim.cli.main` in-process where nothing is launched), one line on stderr, exit
status 2 (130 for Ctrl-C), no traceback, nothing written.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pandas as pd
import pytest

import peacesim
from peacesim import ConfigError
from peacesim.cli import format_summary, main, validate_overrides
from peacesim.config.validate import programme_warnings
from peacesim.runner import is_completed, run_to_dir

ROOT = Path(__file__).resolve().parent.parent
TINY = ["steps=3", "population.size=600", "population.agent_objects=none"]


def cli(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m peacesim ARGS`` as a user would."""
    return subprocess.run([sys.executable, "-m", "peacesim", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, **(env or {})})


def one_line(stderr: str) -> str:
    """The single non-empty line of stderr (asserts there is one and no traceback)."""
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got {stderr!r}"
    assert "Traceback" not in stderr
    return lines[0]


def main_error(args: list[str], capsys) -> str:
    """Run :func:`peacesim.cli.main` in-process; assert exit 2 and return its one line."""
    assert main(args) == 2
    line = one_line(capsys.readouterr().err)
    assert line.startswith("peacesim: error:")
    return line


def _config_error(overrides: list[str], scenario: str = "baseline") -> str:
    with pytest.raises(ConfigError) as info:
        peacesim.load_config(scenario, overrides)
    message = str(info.value)
    assert "\n" not in message
    return message


# ------------------------------------------------------------------------ files of one's own
def test_yaml_syntax_error_names_the_file_and_line(tmp_path):
    """Yaml syntax error names the file and line."""
    scen = tmp_path / "mine" / "scenario"
    scen.mkdir(parents=True)
    (scen / "broken.yaml").write_text("# @package _global_\nscenario:\n  name: broken\n"
                                      "  - oops\nsteps: 3\n")
    for args in (["run", "--config-dir", "mine", "scenario=broken",
                  f"hydra.run.dir={tmp_path / 'run'}"],
                 ["scenarios", "--config-dir", "mine"]):
        done = cli(*args, cwd=tmp_path)
        assert done.returncode == 2, done.stderr
        line = one_line(done.stderr)
        assert "broken.yaml, line 3" in line and "YAML syntax error" in line
        assert "line 4" in line  # where the parser found the stray list item
    assert not (tmp_path / "run").exists()


def test_scenario_without_package_line_says_what_to_add(tmp_path, capsys):
    """Scenario without package line says what to add."""
    scen = tmp_path / "scenario"
    scen.mkdir()
    (scen / "mine.yaml").write_text("scenario:\n  name: mine\nsteps: 3\n")
    line = main_error(["run", "--config-dir", str(tmp_path), "scenario=mine",
                       f"hydra.run.dir={tmp_path / 'run'}"], capsys)
    assert "mine.yaml" in line and "'# @package _global_'" in line and "first line" in line
    assert not (tmp_path / "run").exists()


def test_new_scenario_writes_a_template_that_runs(tmp_path, capsys):
    """New scenario writes a template that runs."""
    assert main(["new-scenario", "my_centre", "--config-dir", str(tmp_path)]) == 0
    path = tmp_path / "scenario" / "my_centre.yaml"
    text = path.read_text()
    assert text.startswith("# @package _global_\n")
    assert "counterfactual:" in text and "name: my_centre" in text
    cfg = peacesim.to_config(peacesim.load_config("my_centre", TINY, config_dir_extra=tmp_path))
    assert cfg.scenario.name == "my_centre" and cfg.employment.youth_coverage == 0.3
    assert cfg.scenario.counterfactual == ["employment.youth_coverage=0"]
    assert main(["scenarios", "--config-dir", str(tmp_path)]) == 0
    assert "my_centre" in capsys.readouterr().out
    line = main_error(["new-scenario", "my_centre", "--config-dir", str(tmp_path)], capsys)
    assert "already exists" in line


# --------------------------------------------------------------------------- output folder
def test_unwritable_output_folder_is_one_line_and_nothing_runs(tmp_path, capsys):
    """Unwritable output folder is one line and nothing runs."""
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    # As root chmod does not stop a write: a path under a regular file, and /proc, do.
    for folder in (blocker / "run", Path("/proc/peacesim-test/run")):
        line = main_error(["run", *TINY, f"hydra.run.dir={folder}"], capsys)
        assert f"hydra.run.dir={folder}" in line and "cannot write" in line
    assert blocker.read_text() == "not a folder"


# -------------------------------------------------------------------------------- Ctrl-C
@pytest.mark.slow
def test_ctrl_c_says_where_it_stopped_and_how_to_resume(tmp_path):
    """Ctrl c says where it stopped and how to resume."""
    run_dir = tmp_path / "run"
    proc = subprocess.Popen(
        [sys.executable, "-m", "peacesim", "run", "steps=156", "population.size=60000",
         "output.checkpoint_every=5", "output.figures=false", f"hydra.run.dir={run_dir}"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = ""
    while not re.search(r"step (\d+)/156", seen):
        line = proc.stderr.readline()
        assert line or proc.poll() is None, seen
        seen += line
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    line = one_line(err)
    status = json.loads((run_dir / "status.json").read_text())
    assert status["status"] == "interrupted"
    assert f"interrupted at step {status['step']} of 156" in line
    assert str(run_dir / "status.json") in line
    assert f"hydra.run.dir={run_dir}" in line and "checkpoint at step" in line
    assert not (run_dir / "manifest.json").exists()


def test_interrupted_message_without_checkpoint_says_how_to_get_one(tmp_path):
    """Interrupted message without checkpoint says how to get one."""
    from peacesim.cli import interrupted_message
    from peacesim.io import write_json

    write_json(tmp_path / "status.json", {"status": "interrupted", "step": 7, "steps": 20})
    message = interrupted_message(tmp_path)
    assert message.startswith("interrupted at step 7 of 20")
    assert "output.checkpoint_every=N" in message


# --------------------------------------------------------------------------- overrides
def test_integral_floats_are_accepted_for_integer_keys():
    """Integral floats are accepted for integer keys."""
    cfg = peacesim.to_config(peacesim.load_config("baseline", ["population.size=1e4",
                                                               "steps=2.0"]))
    assert cfg.population.size == 10_000 and isinstance(cfg.population.size, int)
    assert cfg.steps == 2
    message = _config_error(["population.size=1.5"])
    assert "population.size=1.5" in message and "whole number" in message


def test_misspelt_key_names_the_closest_one(capsys):
    """Misspelt key names the closest one."""
    assert "did you mean patrol.presence?" in _config_error(["patrol.presense=0.5"])
    line = main_error(["run", "patrol.presense=0.5"], capsys)
    assert "did you mean patrol.presence?" in line


def test_unmatched_brackets_are_named(capsys):
    """Unmatched brackets are named."""
    line = main_error(["run", "employment.regions=[mopti,gao"], capsys)
    assert "employment.regions=[mopti,gao" in line and "brackets do not match" in line


@pytest.mark.skipif(shutil.which("srun") is not None, reason="this machine has Slurm")
def test_slurm_launcher_without_slurm_is_refused_before_launching(tmp_path, capsys):
    """Slurm launcher without slurm is refused before launching."""
    line = main_error(["run", "-m", "hydra/launcher=slurm", *TINY,
                       f"hydra.sweep.dir={tmp_path / 'sweep'}"], capsys)
    assert "needs a Slurm cluster" in line and "hydra/launcher=submitit_local" in line
    assert not (tmp_path / "sweep").exists()


# ------------------------------------------------------------------------ silent no-ops
def test_programme_in_a_region_not_simulated_is_refused():
    """Programme in a region not simulated is refused."""
    message = _config_error(["employment.regions=[kidal]"], scenario="central_mali")
    assert "employment.regions" in message and "kidal" in message
    assert "geography.regions" in message
    # Every programme, not only employment: the check walks every Programme subclass.
    assert "patrol.un.regions" in _config_error(["patrol.un.regions=[gao]"],
                                                scenario="central_mali")
    # Defaults that name regions (the MOC's north) are not the user's choice: not refused.
    peacesim.load_config("central_mali", TINY)


def test_programme_ending_before_it_starts_is_refused():
    """Programme ending before it starts is refused."""
    message = _config_error(["employment.start=100", "employment.end=50"])
    assert "employment.end=50" in message and "employment.start=100" in message
    peacesim.load_config("baseline", ["employment.start=100", "employment.end=-1"])


def test_programme_starting_after_the_last_step_is_a_warning():
    """Programme starting after the last step is a warning."""
    cfg = peacesim.to_config(peacesim.load_config("central_mali", ["steps=20"]))
    warnings = programme_warnings(cfg)
    assert warnings == [
        "dialogue.start=52 is at or after steps=20: this programme never acts in this run "
        "(lower dialogue.start or raise steps)"]
    assert validate_overrides(["scenario=central_mali", "steps=20"], None) == warnings
    assert programme_warnings(peacesim.to_config(peacesim.load_config("central_mali"))) == []


def test_sweep_checks_every_combination_before_any_job(tmp_path, capsys):
    """Sweep checks every combination before any job."""
    sweep = tmp_path / "sweep"
    line = main_error(["run", "-m", "patrol.moc.share=0,0.6", "patrol.un.share=0.2,0.5",
                       *TINY, f"hydra.sweep.dir={sweep}"], capsys)
    assert "patrol.moc.share=0.6 patrol.un.share=0.5" in line
    assert not sweep.exists()
    # Each value alone is allowed: only the combination is refused.
    validate_overrides(["patrol.moc.share=0.6", "patrol.un.share=0.2"], None)
    validate_overrides(["patrol.moc.share=0", "patrol.un.share=0.5"], None)


# ------------------------------------------------------------------------------ the run
def test_progress_goes_to_stderr_and_the_summary_to_stdout(tmp_path):
    """Progress goes to stderr and the summary to stdout."""
    done = cli("run", *TINY, "output.figures=false", f"hydra.run.dir={tmp_path / 'r'}",
               cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "step 3/3" in done.stderr and "step 3/3" not in done.stdout
    assert done.stdout.startswith("national outcome")
    row = next(ln for ln in done.stdout.splitlines() if ln.startswith("youth_employed "))
    assert row.endswith("% of young people")
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert f"{100 * summary['youth_employed_final']:.4g}" in row


def test_summary_prints_shares_in_per_cent_with_units():
    """Summary prints shares in per cent with units."""
    text = format_summary({"armed_group_support_final": 0.00497,
                           "armed_group_support_mean": 0.01,
                           "attacks_final": 3.0, "attacks_mean": 2.5})
    support = next(ln for ln in text.splitlines() if ln.startswith("armed_group_support"))
    assert "0.497" in support and support.endswith("% of members") and "0.00497" not in support
    attacks = next(ln for ln in text.splitlines() if ln.startswith("attacks"))
    assert attacks.split()[1:3] == ["3", "2.5"] and attacks.endswith("events per week")


def test_cold_numba_cache_is_detected(tmp_path):
    """An empty cache is cold for every kernel; after one small run nothing it calls is left.

    Both in fresh processes on their own cache folders, so that no earlier test (a twin test
    compiling a kernel the model does not call) can warm what the check reports.
    """
    def python(code: str, cache: Path) -> str:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              env={**os.environ, "NUMBA_CACHE_DIR": str(cache)}, timeout=600)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    count = "from peacesim.runner import uncached_kernels; print(len(uncached_kernels()))"
    assert int(python(count, tmp_path / "empty")) >= 10  # the model calls more than ten
    run = ("import peacesim; peacesim.PeaceModel(peacesim.load_config('baseline', "
           f"{list(TINY)!r})).run()")
    python(run, tmp_path / "warmed")
    # A run this small calls the serial compilation of the cell kernels (not the parallel
    # one, which a fresh cache does not hold until a large run): all cached by that run.
    left = "from peacesim.runner import uncached_kernels; print(uncached_kernels(parallel=False))"
    assert python(left, tmp_path / "warmed") == "[]"


def test_run_help_describes_every_key_in_one_line(capsys):
    """Run help describes every key in one line."""
    assert main(["run", "--help"]) == 0
    text = capsys.readouterr().out
    rows = {ln.split()[0]: ln for ln in text.splitlines() if re.match(r"^[a-z_<>.]+\s", ln)}
    from peacesim.config.overrides import schema_keys

    leaves = [k for k, v in schema_keys().items()
              if not hasattr(v, "__dataclass_fields__") and not k.startswith("regions.")
              and not isinstance(v, dict)]
    missing = [k for k in leaves if k not in rows]
    assert not missing, missing
    presence = rows["patrol.presence"]
    assert "[0, 1]" in presence and "share 0-1" in presence and "Units in Mali" in presence
    assert "weeks" in rows["steps"] and "weeks" in rows["dialogue.start"]
    assert "regions.<id>.trust_in_sdf" in rows
    assert len(text.splitlines()) < len(leaves) + 30  # one line a key, not a config dump


# ---------------------------------------------------------------------- files of the run
def test_manifest_lists_figures_and_report_and_auto_skips_them_in_sweep_jobs(tmp_path):
    """Manifest lists figures and report and auto skips them in sweep jobs."""
    cfg = peacesim.load_config("baseline", TINY)
    single = tmp_path / "single"
    run_to_dir(cfg, single)
    manifest = json.loads((single / "manifest.json").read_text())
    assert manifest["figures"] == "drawn" and "report.html" in manifest["files"]
    pngs = sorted(f"figures/{p.name}" for p in (single / "figures").glob("*.png"))
    assert pngs and set(pngs) <= set(manifest["files"])
    assert all((single / name).is_file() for name in manifest["files"])
    (single / pngs[0]).unlink()  # derived files: redrawable, not part of completion
    assert is_completed(single)
    job = tmp_path / "job"
    run_to_dir(cfg, job, sweep_job=True)
    manifest = json.loads((job / "manifest.json").read_text())
    assert manifest["figures"] == "off" and not (job / "figures").exists()
    assert "report.html" not in manifest["files"] and is_completed(job)
    forced = peacesim.load_config("baseline", [*TINY, "output.figures=true"])
    run_to_dir(forced, tmp_path / "forced", sweep_job=True)
    assert (tmp_path / "forced" / "report.html").is_file()


def test_rerun_without_figures_removes_the_old_ones(tmp_path):
    """Rerun without figures removes the old ones."""
    run_to_dir(peacesim.load_config("baseline", TINY), tmp_path)
    assert (tmp_path / "report.html").is_file()
    run_to_dir(peacesim.load_config("baseline", [*TINY, "output.figures=false"]), tmp_path)
    assert not (tmp_path / "report.html").exists()
    assert not list((tmp_path / "figures").glob("*.png"))


@pytest.mark.slow
def test_a_sweep_prints_no_stray_mesa_step_line(tmp_path):
    """A sweep prints no stray mesa step line."""
    done = cli("run", "-m", "seed=1,2", *TINY, f"hydra.sweep.dir={tmp_path / 's'}",
               cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "calling model.step" not in done.stdout + done.stderr
    assert not list((tmp_path / "s").rglob("report.html"))  # figures=auto: none per job


@pytest.mark.slow
def test_the_wheel_records_the_commit_it_was_built_from(tmp_path):
    """The wheel records the commit it was built from."""
    pytest.importorskip("hatchling")
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True,
                          text=True)
    if head.returncode != 0:
        pytest.skip("not a git checkout")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                           "--no-build-isolation", "-q", "-w", str(tmp_path), str(ROOT)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    wheel = next(tmp_path.glob("peacesim-*.whl"))
    info = json.loads(zipfile.ZipFile(wheel).read("peacesim/_build_info.json"))
    assert info["commit"] == head.stdout.strip()
    assert info["version"] == peacesim.__version__ and isinstance(info["dirty"], bool)


def test_joblib_launcher_is_a_base_dependency():
    """Joblib launcher is a base dependency."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert any(d.startswith("hydra-joblib-launcher") for d in project["dependencies"])


# ------------------------------------------------------------------------- the library
def test_import_keeps_the_users_multiprocessing_start_method():
    """Import keeps the users multiprocessing start method."""
    for chosen in (None, "forkserver"):
        set_it = f"mp.set_start_method({chosen!r}); " if chosen else ""
        code = ("import multiprocessing as mp; " + set_it +
                "import peacesim; print(mp.get_start_method(allow_none=True))")
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == str(chosen)


def test_build_model_is_exported_and_dicts_take_dotted_keys():
    """Build model is exported and dicts take dotted keys."""
    model = peacesim.build_model({"population.size": 500, "steps": 2,
                                  "population.agent_objects": "none"})
    assert isinstance(model, peacesim.PeaceModel) and model.people.size == 500
    epstein = peacesim.build_model({"model": "epstein", "steps": 2})
    assert type(epstein).__name__ == "PublishedRun"
    cfg = peacesim.to_config({"patrol.presence": 0.3, "patrol": {"army_conduct": 0.5},
                              "regions.mopti.cohesion": 0.4})
    assert (cfg.patrol.presence, cfg.patrol.army_conduct) == (0.3, 0.5)
    assert cfg.regions["mopti"].cohesion == 0.4
    with pytest.raises(ConfigError, match="patrol.presence"):
        peacesim.to_config({"patrol.presence": 3})


def test_scenario_is_in_the_defaults_and_debug_makes_a_small_checked_run():
    """Scenario is in the defaults and debug makes a small checked run."""
    cfg = peacesim.to_config(peacesim.load_config("central_mali", ["debug=default"]))
    assert cfg.scenario.name == "central_mali"
    assert (cfg.steps, cfg.check, cfg.population.size) == (10, True, 2000)
    later = peacesim.to_config(peacesim.load_config("baseline", ["debug=default", "steps=4"]))
    assert later.steps == 4  # an override after debug still wins


# --------------------------------------------------------------- docs against the results
def test_validation_doc_quotes_the_committed_communal_clash_rate():
    """docs/VALIDATION.md's clashes a week is the face-validity script's committed result."""
    table = pd.read_csv(ROOT / "experiments/validation/results/baseline_face_validity.csv")
    per_seed = (table.attacks_per_week - table.armed_attacks_per_week).groupby(table.seed).sum()
    text = (ROOT / "docs" / "VALIDATION.md").read_text()
    quoted = re.search(r"Communal clashes add ([\d.]+) a week", text)
    assert quoted, "VALIDATION.md no longer quotes the clash rate"
    assert float(quoted.group(1)) == round(per_seed.mean(), 1)
    odd = re.search(r"this gives ([\d.]+) clashes a week", (ROOT / "docs" / "ODD.md").read_text())
    assert odd and float(odd.group(1)) == round(per_seed.mean(), 1)
    checks = json.loads((ROOT / "experiments/validation/results/"
                         "baseline_face_validity.json").read_text())
    armed = re.search(r"\| armed-group events a week \| ([\d.]+) \|", text)
    assert float(armed.group(1)) == round(checks["armed_events_per_week_mean"], 1)
