"""The command line: ``python -m peacesim <command>``.

Commands:
    run        Run a scenario (``+scenario=NAME``, default baseline) or, with ``-m``, a sweep,
               through Hydra; any config key can be overridden (``patrol.presence=0.6``).
    scenarios  List the scenarios with their descriptions.
    collect    Gather a sweep folder into ``sweep.parquet``; exit 1 if jobs are missing/failed.
    report     Redraw the figures and ``report.html`` of a run or sweep folder from its tables.
    validate   Set a run's annual results against a targets table (:mod:`peacesim.validate`).

Config errors stop the run before anything is written, with one line naming the key and what
is allowed, and exit status 2. Hydra is used only here: the library needs no Hydra app.
"""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path

from hydra.experimental.callback import Callback

log = logging.getLogger("peacesim")

USAGE = """usage: python -m peacesim <command> [arguments]

commands:
  run [+scenario=NAME] [KEY=VALUE ...] [-m] [--config-dir DIR]
        run a scenario (default: baseline); with -m, a sweep over comma lists and range(...)
  scenarios [--config-dir DIR]
        list the scenarios with a one-line description each
  collect DIR
        gather the sweep folder DIR into DIR/sweep.parquet (exit 1 if jobs are missing/failed)
  report DIR
        redraw figures/ and report.html of a run or sweep folder from its saved tables
  validate RUN_DIR --targets FILE
        print the run's annual results beside every row of FILE; draw validation.png

examples:
  python -m peacesim run +scenario=central_mali patrol.presence=0.6 seed=3 steps=260
  python -m peacesim run -m +scenario=central_mali patrol.presence=0.1,0.4,0.8 seed=range(5)
  python -m peacesim collect multirun/central_mali/<date>
"""

# Hydra flags that take a value (the value is not an override).
_VALUE_FLAGS = {"--config-dir", "-cd", "--config-path", "-cp", "--config-name", "-cn",
                "--cfg", "-c", "--package", "-p", "--experimental-rerun"}
_INFO_FLAGS = {"--help", "-h", "--hydra-help", "--info", "-i", "--cfg", "-c", "--version",
               "--shell-completion", "-sc", "--resolve"}


class CommandError(Exception):
    """A user error on the command line: printed as one line, exit status 2."""


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(USAGE)
        return 0
    command, rest = argv[0], argv[1:]
    commands = {"run": _run, "scenarios": _scenarios, "collect": _collect, "report": _report,
                "validate": _validate}
    if command not in commands:
        print(f"peacesim: error: unknown command {command!r}; commands: "
              f"{', '.join(commands)}", file=sys.stderr)
        return 2
    from peacesim.config import ConfigError

    try:
        return commands[command](rest)
    except (CommandError, ConfigError, FileNotFoundError) as err:
        print(f"peacesim: error: {err}", file=sys.stderr)
        return 2


# ---------------------------------------------------------------------------------- run
def split_run_args(args: list[str]) -> tuple[list[str], list[str], str | None, bool]:
    """Split ``run`` arguments into (Hydra flags, overrides, user config dir, multirun)."""
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
            if a.startswith("scenario="):  # the scenario group is not in the defaults list
                a = "+" + a
            overrides.append(a)
        i += 1
    if not any(o.lstrip("+").startswith("scenario=") for o in overrides):
        overrides.insert(0, "+scenario=baseline")
    if extra_dir is not None and not Path(extra_dir).is_dir():
        raise CommandError(f"--config-dir {extra_dir}: no such folder")
    return flags, overrides, extra_dir, multirun


def validate_overrides(overrides: list[str], extra_dir: str | None) -> None:
    """Compose every value a sweep can take and validate it, before anything runs.

    Raises:
        ConfigError: One line naming the key and what is allowed.
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException

    from peacesim.config import ConfigError, load_config, one_line

    task = [o for o in overrides if not o.lstrip("+~").startswith("hydra")]
    try:
        parsed = OverridesParser.create().parse_overrides(task)
    except HydraException as err:
        raise ConfigError(one_line(err)) from None
    first: list[str] = []
    variants: list[tuple[int, list[str]]] = []
    for k, o in enumerate(parsed):
        if o.is_sweep_override():
            values = [f"{o.get_key_element()}={v}" for v in o.sweep_string_iterator()]
            if not values:
                raise ConfigError(f"{o.input_line}: the sweep is empty")
            first.append(values[0])
            variants.append((k, values[1:]))
        else:
            first.append(o.input_line)
    combos = [first] + [first[:k] + [v] + first[k + 1:] for k, vs in variants for v in vs]
    for combo in combos:
        scenario = next(o.split("=", 1)[1] for o in combo if o.lstrip("+").startswith("scenario="))
        rest = [o for o in combo if not o.lstrip("+").startswith("scenario=")]
        load_config(scenario, rest, config_dir_extra=extra_dir)


_LAST_SWEEP: list[Path] = []


def _run(args: list[str]) -> int:
    flags, overrides, extra_dir, multirun = split_run_args(args)
    if not any(f.split("=")[0] in _INFO_FLAGS for f in flags):
        validate_overrides(overrides, extra_dir)
    import hydra

    from peacesim.config import config_dir
    from peacesim.config.schema import register_schema

    register_schema()
    _LAST_SWEEP.clear()
    _RESULT.clear()
    saved = sys.argv
    sys.argv = ["peacesim run", *flags, *overrides]
    try:
        app = hydra.main(config_path=str(config_dir()), config_name="config",
                         version_base=None)(_task)
        app()
    finally:
        sys.argv = saved
    if multirun:
        return _after_sweep()
    if _RESULT and _RESULT[0] != 0:
        return _RESULT[0]
    return 0


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
        summary = run_to_dir(cfg, out, overrides=list(hc.overrides.task))
    except Exception as err:  # one line for people, the traceback for the record
        write_text(out / "error.txt", traceback.format_exc())
        message = f"{type(err).__name__}: {err}".splitlines()[0]
        log.error("run failed: %s (traceback in %s)", message, out / "error.txt")
        if not multirun:
            print(f"peacesim: error: {message}", file=sys.stderr)
            _RESULT.append(1)
        return {"status": "failed", "error": message}
    if not multirun:
        print(format_summary(summary))
        print(f"results in {out}")
        _RESULT.append(0)
    return summary


def format_summary(summary: dict) -> str:
    """The national summary: a final/mean table, then any other values."""
    paired = sorted(k[: -len("_final")] for k in summary
                    if k.endswith("_final") and k[: -len("_final")] + "_mean" in summary)
    lines = []
    if paired:
        lines.append(f"{'national outcome':32s} {'final':>12s} {'mean':>12s}")
        for n in paired:
            final, mean = summary[n + "_final"], summary[n + "_mean"]
            lines.append(f"{n:32s} {final:12.4g} {mean:12.4g}")
    done = {n + s for n in paired for s in ("_final", "_mean")}
    for key, value in summary.items():
        if key not in done:
            lines.append(f"{key:32s} {value!s:>12s}" if not isinstance(value, float)
                         else f"{key:32s} {value:12.4g}")
    return "\n".join(lines)


class SweepCallback(Callback):
    """Warms the Numba cache before a sweep's jobs start; remembers the sweep folder."""

    def on_multirun_start(self, config, **kwargs) -> None:
        """Compile (or load) every kernel once, so parallel jobs only load the cache."""
        from peacesim.warm import warm_cache

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
    print(f"gather with: python -m peacesim collect {sweep_dir}")
    return 1 if bad else 0


# ---------------------------------------------------------------------------------- others
def _scenarios(args: list[str]) -> int:
    import yaml

    from peacesim.config import config_dir

    extra = None
    if args[:1] in (["--config-dir"], ["-cd"]) and len(args) == 2:
        extra = Path(args[1])
    elif args:
        raise CommandError("usage: python -m peacesim scenarios [--config-dir DIR]")
    folders = [config_dir() / "scenario"] + ([extra / "scenario"] if extra else [])
    found = {}
    for folder in folders:
        for path in sorted(folder.glob("*.yaml")):
            data = yaml.safe_load(path.read_text()) or {}
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
