"""The command line: ``python -m peacesim <command>``.

Commands:
    run           Run a scenario (``scenario=NAME``, default baseline) or, with ``-m``, a
                  sweep, through Hydra; any config key can be overridden
                  (``patrol.presence=0.6``); ``run --help`` lists every key.
    scenarios     List the scenarios with their descriptions.
    new-scenario  Write a commented template of a scenario of one's own.
    collect       Gather a sweep folder into ``sweep.parquet``; exit 1 if jobs are missing/failed.
    report        Redraw the figures and ``report.html`` of a run or sweep folder from its tables.
    validate      Set a run's annual results against a targets table (:mod:`peacesim.validate`).
    dashboard     Serve the analyst's dashboard on 127.0.0.1 (:mod:`peacesim.dashboard`).
    ensemble, sensitivity, compare, calibrate
                  The uncertainty instruments (:mod:`peacesim.uq`).

Bad input (a config error, a YAML file that does not parse, an output folder that cannot be
written, a launcher this machine cannot run) stops the command before anything is written,
with one line on stderr naming what is wrong and how to fix it, and exit status 2; Ctrl-C
stops a run with one line saying where it stopped and how to resume, exit status 130. Hydra
is used only here: the library needs no Hydra app.

A new subcommand is a function ``(args: list[str]) -> int`` added to :data:`COMMANDS` with
its line in :data:`USAGE`.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

from hydra.experimental.callback import Callback

log = logging.getLogger("peacesim")

USAGE = """usage: python -m peacesim <command> [arguments]

commands:
  run [scenario=NAME] [KEY=VALUE ...] [-m] [--config-dir DIR]
        run a scenario (default: baseline); with -m, a sweep over comma lists and range(...);
        run --help lists every key with its unit, range and meaning
  scenarios [--config-dir DIR]
        list the scenarios with a one-line description each
  new-scenario NAME [--config-dir DIR]
        write DIR/scenario/NAME.yaml (DIR default: ./configs), a commented template
  collect DIR
        gather the sweep folder DIR into DIR/sweep.parquet (exit 1 if jobs are missing/failed)
  report DIR
        redraw figures/ and report.html of a run or sweep folder from its saved tables
{uq}
  dashboard [--port 8765] [scenario=NAME] [--config-dir DIR] [KEY=VALUE ...]
        serve the analyst's dashboard on 127.0.0.1 (needs: pip install ".[dashboard]")
  validate RUN_DIR --targets FILE
        print the run's annual results beside every row of FILE; draw validation.png

examples:
  python -m peacesim run scenario=central_mali patrol.presence=0.6 seed=3 steps=260
  python -m peacesim run debug=default scenario=central_mali
  python -m peacesim run -m scenario=central_mali patrol.presence=0.1,0.4,0.8 seed=range(5)
  python -m peacesim collect multirun/central_mali/<date>
"""

# Hydra flags that take a value (the value is not an override).
_VALUE_FLAGS = {"--config-dir", "-cd", "--config-path", "-cp", "--config-name", "-cn",
                "--cfg", "-c", "--package", "-p", "--experimental-rerun"}
_INFO_FLAGS = {"--help", "-h", "--hydra-help", "--info", "-i", "--cfg", "-c", "--version",
               "--shell-completion", "-sc", "--resolve"}

#: Exit status of a run stopped by Ctrl-C (128 + SIGINT), as shells report it.
EXIT_INTERRUPTED = 130


class CommandError(Exception):
    """A user error on the command line: printed as one line, exit status 2."""


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C during a run; the message says where it stopped and how to resume."""


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        from peacesim.uq.cli import USAGE_LINES

        print(USAGE.format(uq=USAGE_LINES))
        return 0
    command, rest = argv[0], argv[1:]
    if command not in COMMANDS:
        print(f"peacesim: error: unknown command {command!r}; commands: "
              f"{', '.join(COMMANDS)}", file=sys.stderr)
        return 2
    from peacesim.config import ConfigError

    try:
        return COMMANDS[command](rest)
    except RunInterrupted as err:
        print(f"peacesim: {err}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        print("peacesim: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (CommandError, ConfigError, FileNotFoundError) as err:
        print(f"peacesim: error: {err}", file=sys.stderr)
        return 2
    except OSError as err:  # an output folder or file that cannot be written
        where = f" {err.filename}" if err.filename else ""
        print(f"peacesim: error: cannot write{where}: {err.strerror or err}; choose a "
              "writable folder (hydra.run.dir=DIR, hydra.sweep.dir=DIR)", file=sys.stderr)
        return 2


# ---------------------------------------------------------------------------------- run
def split_run_args(args: list[str]) -> tuple[list[str], list[str], str | None, bool]:
    """Split ``run`` arguments into (Hydra flags, overrides, user config dir, multirun).

    ``+scenario=NAME`` (and ``+debug=NAME``) are rewritten to ``scenario=NAME``: both groups
    are in the defaults list of configs/config.yaml.
    """
    from peacesim.config.overrides import GROUPS

    flags: list[str] = []
    overrides: list[str] = []
    extra_dir = None
    multirun = False
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("-m", "--multirun"):
            multirun = True
            flags.append(a)
        elif a in _VALUE_FLAGS:
            if i + 1 >= len(args):
                raise CommandError(f"{a} needs a value")
            if a in ("--config-dir", "-cd"):
                extra_dir = args[i + 1]
            flags += [a, args[i + 1]]
            i += 1
        elif a.startswith("--config-dir="):
            extra_dir = a.split("=", 1)[1]
            flags.append(a)
        elif a.startswith("-"):
            flags.append(a)
        else:
            if a.startswith("+") and a.lstrip("+").split("=", 1)[0] in GROUPS:
                a = a.lstrip("+")
            overrides.append(a)
        i += 1
    if extra_dir is not None and not Path(extra_dir).is_dir():
        raise CommandError(f"--config-dir {extra_dir}: no such folder")
    return flags, overrides, extra_dir, multirun


#: A sweep's combinations checked before it starts (about 1 ms each: each is a copy of the
#: sections it changes, validated); a larger sweep has its first ones checked, with a warning.
MAX_CHECKED_COMBINATIONS = 10_000


def validate_overrides(overrides: list[str], extra_dir: str | None) -> list[str]:
    """Check every value a sweep can take, and every combination, before anything runs.

    The config is composed with Hydra once per choice of the swept groups (``scenario=a,b``)
    with the first value of every swept key; each other value is then set on a copy of the
    composed config (its type checked against the field's) and validated, and so is every
    combination of the swept values (cross-field rules, such as the MOC's and the UN's
    shares of the units), up to :data:`MAX_CHECKED_COMBINATIONS`. A value that cannot be set
    on the dataclass (a new region's key) is composed with Hydra instead.

    Returns:
        Warnings to show (a programme that starts after the last step), each once.

    Raises:
        ConfigError: One line naming the key (or the combination) and what is allowed.
    """
    import itertools

    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException

    from peacesim.config import ConfigError, load_config, one_line, to_config
    from peacesim.config.overrides import GROUPS
    from peacesim.config.validate import programme_warnings, validate

    task = [o for o in overrides if not o.lstrip("+~").startswith("hydra")]
    try:
        parsed = OverridesParser.create().parse_overrides(task)
    except HydraException as err:
        raise ConfigError(one_line(err)) from None

    def compose(combo: list[str]):
        scenario = next((o.split("=", 1)[1] for o in combo
                         if o.lstrip("+").startswith("scenario=")), "baseline")
        rest = [o for o in combo if not o.lstrip("+").startswith("scenario=")]
        return to_config(load_config(scenario, rest, config_dir_extra=extra_dir))

    fixed: list[str] = []  # overrides with one value, and the first value of each sweep
    group_sweeps: list[list[str]] = []
    swept: list[tuple[str, list, list[str]]] = []  # (key, typed values, their overrides)
    for o in parsed:
        if not o.is_sweep_override():
            fixed.append(o.input_line)
            continue
        texts = [f"{o.get_key_element()}={v}" for v in o.sweep_string_iterator()]
        if not texts:
            raise ConfigError(f"{o.input_line}: the sweep is empty")
        if o.key_or_group in GROUPS:
            group_sweeps.append(texts)
        else:
            fixed.append(texts[0])
            swept.append((o.key_or_group, list(o.sweep_iterator()), texts))
    warnings: dict[str, None] = {}
    bases = {}
    for groups in itertools.product(*group_sweeps):
        config = compose([*groups, *fixed])
        bases[groups] = config
        warnings.update(dict.fromkeys(programme_warnings(config)))
    base = next(iter(bases.values()))
    # Each value on its own: its type and range (Hydra composes any the dataclass cannot take).
    for key, values, texts in swept:
        for value, text in zip(values[1:], texts[1:], strict=True):
            try:
                config = _combination(base, [key.split(".", 1)[0]], [key], (value,))
            except (KeyError, AttributeError):
                config = compose([text if f.split("=", 1)[0] == text.split("=", 1)[0] else f
                                  for f in fixed])
            validate(config)
            warnings.update(dict.fromkeys(programme_warnings(config)))
    if len(swept) < 2 and not (swept and len(bases) > 1):
        return list(warnings)
    # Every combination of the swept values, on a copy of each group choice's config.
    total = len(bases)
    for _, values, _ in swept:
        total *= len(values)
    keys = [key for key, _, _ in swept]
    touched = sorted({key.split(".", 1)[0] for key in keys})
    checked = 0
    for groups, config0 in bases.items():
        for values in itertools.product(*(vals for _, vals, _ in swept)):
            if checked >= MAX_CHECKED_COMBINATIONS:
                break
            checked += 1
            label = " ".join([*groups, *(f"{k}={v}" for k, v in zip(keys, values, strict=True))])
            try:
                config = _combination(config0, touched, keys, values)
            except (KeyError, AttributeError):
                continue  # a key only Hydra can set: its values were composed one by one
            try:
                _validate_touched(config, touched)
            except ConfigError as err:
                raise ConfigError(f"the sweep's combination {label} is not allowed: "
                                  f"{err}") from None
            warnings.update(dict.fromkeys(programme_warnings(config)))
    if checked < total:
        warnings[f"checked the first {checked} of the sweep's {total} combinations"] = None
    return list(warnings)


def _combination(base, touched: list[str], keys: list[str], values: tuple):
    """A copy of ``base`` with ``keys`` set to ``values`` (only touched sections are copied).

    Raises:
        ConfigError: A value of the wrong type for its key.
        KeyError, AttributeError: A key the dataclass does not have (Hydra may add it).
    """
    import copy

    config = copy.copy(base)
    for name in touched:
        setattr(config, name, copy.deepcopy(getattr(base, name)))
    for key, value in zip(keys, values, strict=True):
        _set_key(config, key, value)
    return config


def _validate_touched(config, touched: list[str]) -> None:
    """Validate the sections a sweep changes, then the rules across sections (programmes).

    Each swept value was already validated on its own; what a combination can add is a
    rule within a section (the MOC's and the UN's shares) or across sections (a
    programme's regions against ``geography.regions``, its start against ``steps``).
    """
    import dataclasses

    from peacesim.config.validate import check_programmes, validate

    for name in touched:
        section = getattr(config, name)
        if dataclasses.is_dataclass(section):
            validate(section, f"{name}.")
        elif isinstance(section, dict):
            for key, value in section.items():
                if dataclasses.is_dataclass(value):
                    validate(value, f"{name}.{key}.")
    check_programmes(config)


def _set_key(config, key: str, value) -> None:
    """Set a dotted key on a config dataclass, converting the value to the field's type.

    Raises:
        ConfigError: The value cannot be the field's type (as OmegaConf would refuse it).
    """
    from peacesim.config import ConfigError

    *parents, leaf = key.split(".")
    obj = config
    for part in parents:
        obj = obj[part] if isinstance(obj, dict) else getattr(obj, part)
    current = obj[leaf] if isinstance(obj, dict) else getattr(obj, leaf)
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(current, bool):
        ok = isinstance(value, bool)
    elif isinstance(current, int):
        ok = number and float(value).is_integer()
        value = int(value) if ok else value
    elif isinstance(current, float):
        ok = number
        value = float(value) if ok else value
    elif isinstance(current, str):
        ok = not isinstance(value, (list, dict))
        value = str(value) if ok else value
    elif isinstance(current, list):
        ok = isinstance(value, list)
    else:
        ok = True
    if not ok:
        kind = {bool: "true or false", int: "a whole number", float: "a number",
                str: "a string", list: "a list"}.get(type(current), type(current).__name__)
        raise ConfigError(f"{key}={value!r}: {key} takes {kind} (like {current!r})")
    if isinstance(obj, dict):
        obj[leaf] = value
    else:
        setattr(obj, leaf, value)


def _check_launcher(overrides: list[str], extra_dir: str | None) -> None:
    """Refuse a Slurm launcher on a machine without Slurm, before anything starts."""
    from peacesim.config import config_dir

    for o in overrides:
        key, _, name = o.lstrip("+").partition("=")
        if key != "hydra/launcher":
            continue
        folders = ([Path(extra_dir)] if extra_dir else []) + [config_dir()]
        spec = next((f / "hydra" / "launcher" / f"{name}.yaml" for f in folders
                     if (f / "hydra" / "launcher" / f"{name}.yaml").is_file()), None)
        slurm = name == "submitit_slurm" or (
            spec is not None and "submitit_slurm" in spec.read_text())
        if slurm and shutil.which("srun") is None:
            raise CommandError(
                f"hydra/launcher={name} needs a Slurm cluster (no srun on this machine); "
                "hydra/launcher=submitit_local runs the same path here")


def _check_output_dir(overrides: list[str], multirun: bool) -> None:
    """Make sure the output folder can be created (Hydra would fail with a traceback)."""
    key = "hydra.sweep.dir" if multirun else "hydra.run.dir"
    folder = next((o.split("=", 1)[1] for o in overrides if o.lstrip("+").startswith(key + "=")),
                  "multirun" if multirun else "outputs")
    if "${" in folder:  # interpolated: known only when Hydra resolves it; check its fixed head
        folder = folder.split("${", 1)[0].rstrip("/") or "."
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
        probe = Path(folder) / f".peacesim-write-test-{os.getpid()}"
        probe.touch()
        probe.unlink()
    except OSError as err:
        raise CommandError(f"{key}={folder}: cannot write there ({err.strerror or err}); "
                           f"choose a writable folder with {key}=DIR") from None


_LAST_SWEEP: list[Path] = []


def _run(args: list[str]) -> int:
    flags, overrides, extra_dir, multirun = split_run_args(args)
    if any(f in ("--help", "-h") for f in flags):
        print(run_help())
        return 0
    from peacesim.config.overrides import prepare_overrides

    info = any(f.split("=")[0] in _INFO_FLAGS for f in flags)
    if extra_dir is not None:
        _check_config_dir(Path(extra_dir))
    overrides = prepare_overrides(overrides)
    if not info:
        for warning in validate_overrides(overrides, extra_dir):
            print(f"peacesim: warning: {warning}", file=sys.stderr)
        _check_launcher(overrides, extra_dir)
        _check_output_dir(overrides, multirun)
    import hydra
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    from peacesim.config import ConfigError, config_dir, one_line
    from peacesim.config.schema import register_schema

    register_schema()
    _LAST_SWEEP.clear()
    _RESULT.clear()
    saved, saved_full_error = sys.argv, os.environ.get("HYDRA_FULL_ERROR")
    sys.argv = ["peacesim run", *flags, *overrides]
    os.environ["HYDRA_FULL_ERROR"] = "1"  # errors reach main() whole; it prints one line
    try:
        app = hydra.main(config_path=str(config_dir()), config_name="config",
                         version_base=None)(_task)
        app()
    except (HydraException, OmegaConfBaseException) as err:
        raise ConfigError(one_line(err)) from None
    finally:
        sys.argv = saved
        if saved_full_error is None:
            os.environ.pop("HYDRA_FULL_ERROR", None)
        else:
            os.environ["HYDRA_FULL_ERROR"] = saved_full_error
    if multirun:
        return _after_sweep()
    if _RESULT and _RESULT[0] != 0:
        return _RESULT[0]
    return 0


def _check_config_dir(folder: Path) -> None:
    """Every YAML file of a user's config folder parses; every scenario has its package line."""
    from peacesim.config import check_scenario_file, read_yaml

    # The files Hydra can compose from it: the top level, the groups, hydra/<group>/ (not
    # every YAML file below it: --config-dir . would reach the outputs' .hydra/ folders).
    paths = {*folder.glob("*.yaml"), *folder.glob("[!.]*/*.yaml"), *folder.glob("hydra/*/*.yaml")}
    for path in sorted(paths):
        if path.parent.name == "scenario":
            check_scenario_file(path)
        else:
            read_yaml(path)


def run_help() -> str:
    """``run --help``: usage, then every config key with default, range, unit and meaning."""
    from peacesim.config.schema import help_rows

    rows = help_rows()
    width = max(len(r[0]) for r in rows)
    lines = [
        "usage: python -m peacesim run [scenario=NAME] [debug=default] [KEY=VALUE ...] [-m]",
        "                              [--config-dir DIR] [hydra.run.dir=DIR]",
        "",
        "Every key below can be set on the command line (KEY=VALUE) or in a scenario file;",
        "a comma list or range(...) with -m sweeps it. Units: weeks (one step is a week),",
        "share 0-1, count; other units are in the text. Details and sources: docs/ODD.md.",
        "Hydra's own options: --hydra-help; the composed config: --cfg job.",
        "",
        f"{'key':{width}s}  {'default':>9s}  {'allowed':13s}  {'unit':9s}  meaning",
    ]
    for key, default, allowed, unit, text in rows:
        if len(default) > 9:
            default = default[:8] + "…"
        lines.append(f"{key:{width}s}  {default:>9s}  {allowed:13s}  {unit:9s}  {text}".rstrip())
    return "\n".join(lines)


_RESULT: list[int] = []


def _task(cfg) -> dict:
    """Hydra task function: one run into Hydra's output folder."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    from peacesim.io import write_text
    from peacesim.runner import run_to_dir

    logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO
    hc = HydraConfig.get()
    out = Path(hc.runtime.output_dir)
    multirun = hc.mode == RunMode.MULTIRUN
    try:
        summary = run_to_dir(cfg, out, overrides=list(hc.overrides.task), sweep_job=multirun)
    except KeyboardInterrupt:
        raise RunInterrupted(interrupted_message(out)) from None
    except Exception as err:  # one line for people, the traceback for the record
        write_text(out / "error.txt", traceback.format_exc())
        message = f"{type(err).__name__}: {err}".splitlines()[0]
        if multirun:  # the sweep goes on; the job's line is in the log
            log.error("run failed: %s (traceback in %s)", message, out / "error.txt")
        else:  # one line, not two: the log's copy would repeat it on stderr
            _log_to_file_only(f"run failed: {message} (traceback in {out / 'error.txt'})")
            print(f"peacesim: error: {message}", file=sys.stderr)
            _RESULT.append(1)
        return {"status": "failed", "error": message}
    if not multirun:
        print(format_summary(summary))
        print(f"results in {out}")
        _RESULT.append(0)
    return summary


def _log_to_file_only(message: str) -> None:
    """Write an error to the run's log file (``peacesim.log``) and not to the console."""
    record = log.makeRecord(log.name, logging.ERROR, __file__, 0, message, None, None)
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.FileHandler):
            handler.handle(record)


def interrupted_message(run_dir: Path) -> str:
    """Where an interrupted run stopped, where its status is and how to resume it."""
    from peacesim.io import read_json
    from peacesim.runner import CHECKPOINT, read_checkpoint

    status = read_json(run_dir / "status.json") or {}
    step, steps = status.get("step", 0), status.get("steps", "?")
    meta, _, _ = read_checkpoint(run_dir / CHECKPOINT)
    if meta is not None:
        resume = (f"run the same command with hydra.run.dir={run_dir} to resume from the "
                  f"checkpoint at step {meta.get('step')}")
    else:
        resume = ("no checkpoint to resume from: add output.checkpoint_every=N to save one "
                  "every N steps")
    return (f"interrupted at step {step} of {steps}; status in {run_dir / 'status.json'}; "
            f"{resume}")


def format_summary(summary: dict) -> str:
    """The national summary: final and mean per outcome, shares in per cent, with units."""
    labels = _metric_labels()
    paired = sorted(k[: -len("_final")] for k in summary
                    if k.endswith("_final") and k[: -len("_final")] + "_mean" in summary)
    lines = []
    if paired:
        lines.append(f"{'national outcome':32s} {'final':>12s} {'mean':>12s}  unit")
        for n in paired:
            scale, unit = labels.get(n, (1.0, ""))
            final, mean = summary[n + "_final"] * scale, summary[n + "_mean"] * scale
            lines.append(f"{n:32s} {final:12.4g} {mean:12.4g}  {unit}".rstrip())
    done = {n + s for n in paired for s in ("_final", "_mean", "_mean_run")}
    for key, value in summary.items():
        if key not in done:
            lines.append(f"{key:32s} {value!s:>12s}" if not isinstance(value, float)
                         else f"{key:32s} {value:12.4g}")
    return "\n".join(lines)


def _metric_labels() -> dict[str, tuple[float, str]]:
    """``{metric: (scale, unit)}`` as the reports show them (shares of people in per cent).

    From the mechanisms' own Metric declarations (and the published models').
    """
    from peacesim.mechanisms.base import registered
    from peacesim.published import METRICS as PUBLISHED

    declared = [m for metrics in PUBLISHED.values() for m in metrics]
    declared += [m for mech in registered() for m in mech.metrics]  # the main model's win
    return {m.name: (m.scale, m.unit) for m in declared}


class SweepCallback(Callback):
    """Warms the Numba cache before a sweep's jobs start; remembers the sweep folder."""

    def on_multirun_start(self, config, **kwargs) -> None:
        """Compile (or load) every kernel once, so parallel jobs only load the cache."""
        from peacesim.runner import uncached_kernels
        from peacesim.warm import warm_cache

        # Mesa logs each model step at INFO; Hydra's log handler would print it in a sweep.
        logging.getLogger("MESA").setLevel(logging.WARNING)
        # warm_cache runs a tiny model, which calls the serial compilations only.
        if uncached_kernels(str(config.get("model", "peace")), parallel=False):
            log.info("compiling the model's kernels (first run only)")
        warm_cache(config)

    def on_multirun_end(self, config, **kwargs) -> None:
        """Remember where the sweep wrote."""
        _LAST_SWEEP.append(Path(config.hydra.sweep.dir))


def _after_sweep() -> int:
    from peacesim.sweep import sweep_jobs

    if not _LAST_SWEEP:
        return 1
    sweep_dir = _LAST_SWEEP[-1]
    jobs = sweep_jobs(sweep_dir)
    bad = [j for j in jobs if j.status != "completed"]
    print(f"sweep: {len(jobs) - len(bad)} of {len(jobs)} jobs completed in {sweep_dir}")
    for j in bad:
        print(f"  {j.label}: {j.status}{': ' + j.error if j.error else ''}", file=sys.stderr)
    print(f"gather (and draw the sweep's report) with: python -m peacesim collect {sweep_dir}")
    return 1 if bad else 0


# ---------------------------------------------------------------------------------- others
def _scenarios(args: list[str]) -> int:
    from peacesim.config import check_scenario_file, config_dir, read_yaml

    extra = None
    if args[:1] in (["--config-dir"], ["-cd"]) and len(args) == 2:
        extra = Path(args[1])
    elif args:
        raise CommandError("usage: python -m peacesim scenarios [--config-dir DIR]")
    folders = [config_dir() / "scenario"] + ([extra / "scenario"] if extra else [])
    found = {}
    for folder in folders:
        for path in sorted(folder.glob("*.yaml")):
            data = (check_scenario_file(path) if folder != config_dir() / "scenario"
                    else read_yaml(path)) or {}
            found[path.stem] = (data.get("scenario") or {}).get("description", "")
    width = max(len(n) for n in found)
    for name, text in sorted(found.items()):
        print(f"{name:{width}s}  {text}")
    return 0


def _collect(args: list[str]) -> int:
    if len(args) != 1:
        raise CommandError("usage: python -m peacesim collect DIR")
    from peacesim.sweep import collect

    sweep_dir = Path(args[0])
    table, problems = collect(sweep_dir)
    print(f"{len(table)} completed jobs -> {sweep_dir / 'sweep.parquet'}")
    for j in problems:
        print(f"  {j.label}: {j.status}{': ' + j.error if j.error else ''}", file=sys.stderr)
    if not problems and len(table):
        _sweep_report(sweep_dir)
    if problems:
        print(f"peacesim: error: {len(problems)} job(s) missing or failed", file=sys.stderr)
        return 1
    return 0


def _sweep_report(sweep_dir: Path) -> None:
    try:
        from peacesim.report import write_sweep_report
    except ImportError:
        return
    try:
        write_sweep_report(sweep_dir)
        print(f"report: {sweep_dir / 'report.html'}")
    except Exception as err:  # figures are derived: say so, keep the table
        print(f"peacesim: warning: sweep figures failed: {type(err).__name__}: {err}",
              file=sys.stderr)


def _dashboard(args: list[str]) -> int:
    from peacesim.dashboard import main as dashboard_main

    return dashboard_main(args)
def _validate(args: list[str]) -> int:
    from peacesim.validate import ValidationInputError, main

    try:
        return main(args)
    except ValidationInputError as err:
        raise CommandError(str(err)) from None


def _report(args: list[str]) -> int:
    if len(args) != 1:
        raise CommandError("usage: python -m peacesim report DIR")
    folder = Path(args[0])
    from peacesim.report import write_run_report, write_sweep_report

    if (folder / "manifest.json").is_file():
        path = write_run_report(folder)
    elif (folder / "sweep.parquet").is_file():
        path = write_sweep_report(folder)
    else:
        raise CommandError(f"{folder} holds neither a run (manifest.json) nor a collected "
                           "sweep (sweep.parquet)")
    print(f"report: {path}")
    return 0


SCENARIO_TEMPLATE = """\
# @package _global_
# ^ Keep this first line: a scenario's keys belong at the top level of the config.
#
# {name}: a scenario of your own. Run it with
#   python -m peacesim run --config-dir {config_dir} scenario={name}
# and list it with `python -m peacesim scenarios --config-dir {config_dir}`. Every key of
# `python -m peacesim run --help` can be set here; what you leave out keeps the baseline's
# value (docs/ODD.md lists each parameter with its source).

scenario:
  name: {name}                 # must be the file name
  description: "One line for `python -m peacesim scenarios`"
  sources:                     # where the numbers below come from; say "assumed" otherwise
    - "Assumed"
  # The counterfactual: the overrides that switch this scenario's intervention off, so that
  # the same run without it can be compared (the report and `compare` use it).
  counterfactual: ["employment.youth_coverage=0"]
  outcome: youth_recruited_mean  # the national outcome the intervention should move
  direction: down                # up or down: which way it should move

# Which regions are simulated (ids: python -m peacesim run --help, under regions.<id>).
geography:
  regions: [mopti, segou]

# Starting conditions of a region, e.g. more youth unemployment in Mopti.
regions:
  mopti:
    youth_unemployment: 0.45

# The intervention: a programme has start and end (weeks; end -1 = never) and regions
# (empty = every simulated region; each must be simulated).
employment:
  youth_coverage: 0.3
  start: 52
  regions: [mopti]
"""


def _new_scenario(args: list[str]) -> int:
    import re

    usage = "usage: python -m peacesim new-scenario NAME [--config-dir DIR]"
    name, folder = None, Path("configs")
    i = 0
    while i < len(args):
        if args[i] in ("--config-dir", "-cd") and i + 1 < len(args):
            folder = Path(args[i + 1])
            i += 2
        elif name is None and not args[i].startswith("-"):
            name = args[i]
            i += 1
        else:
            raise CommandError(usage)
    if name is None:
        raise CommandError(usage)
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise CommandError(f"scenario name {name!r}: use lower-case letters, digits and _ "
                           "(it becomes the file name and the output folder's name)")
    path = folder / "scenario" / f"{name}.yaml"
    if path.exists():
        raise CommandError(f"{path} already exists; choose another name or edit it")
    from peacesim.io import write_text

    write_text(path, SCENARIO_TEMPLATE.format(name=name, config_dir=folder))
    print(f"wrote {path}; run it with: python -m peacesim run --config-dir {folder} "
          f"scenario={name}")
    return 0


#: The subcommands: name -> function(args) -> exit status. Add a command here (and a line to
#: USAGE); errors it raises as CommandError or ConfigError become one line and exit 2.
COMMANDS: dict[str, Callable[[list[str]], int]] = {
    "run": _run,
    "scenarios": _scenarios,
    "new-scenario": _new_scenario,
    "collect": _collect,
    "report": _report,
    "dashboard": _dashboard,
    "validate": _validate,
}


def _uq_command(name: str) -> Callable[[list[str]], int]:
    def command(argv: list[str]) -> int:
        from peacesim.uq.cli import COMMANDS as uq_commands  # SALib, Optuna: loaded on use

        return uq_commands[name](argv)

    return command


COMMANDS.update({name: _uq_command(name)
                 for name in ("ensemble", "sensitivity", "compare", "calibrate")})
