"""An analyst's dashboard in the browser: ``python -m peacesim dashboard``.

Serves a Solara page on 127.0.0.1 that runs a scenario and its counterfactual side by side
with the same seed: sliders for the main levers, a map of trust in the forces (or another
layer) by cell, regional curves and a plain-language line on the difference so far. Needs the
``dashboard`` extra (``pip install ".[dashboard]"``), which also brings the page's JavaScript
and fonts (solara-assets), so the page loads nothing from the internet.

The package is three parts: :mod:`~peacesim.dashboard.state` (the paired runs and the page's
choices, no Solara), :mod:`~peacesim.dashboard.maps` and :mod:`~peacesim.dashboard.curves`
(NumPy arrays to PNG and SVG) and :mod:`~peacesim.dashboard.app` (the Solara page).
``import peacesim`` does not import it.
"""

from __future__ import annotations

import os

# Solara's defaults would call home (usage statistics); the dashboard stays on this machine.
os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")

HOST = "127.0.0.1"
DEFAULT_PORT = 8765

USAGE = ("usage: python -m peacesim dashboard [--port 8765] [+scenario=NAME] "
         "[--config-dir DIR] [--out DIR] [KEY=VALUE ...]")


class DashboardError(ValueError):
    """A bad argument of ``python -m peacesim dashboard``: one line, exit status 2."""


def main(args: list[str]) -> int:
    """The ``dashboard`` command; returns the exit status (2 with one line on bad input)."""
    import sys

    from peacesim.config import ConfigError

    if args[:1] in (["-h"], ["--help"]):
        print(USAGE)
        return 0
    try:
        options, port = parse_args(args)
        serve(options, port)
    except (DashboardError, ConfigError, FileNotFoundError) as err:
        print(f"peacesim: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


def parse_args(args: list[str]):
    """``(Options, port)`` from the command line.

    ``+scenario=NAME`` picks the first scenario; ``population.size=N`` and ``seed=N`` set the
    page's starting values; other ``KEY=VALUE`` overrides apply to every scenario shown.

    Raises:
        DashboardError: An unknown flag or a flag without its value.
    """
    from peacesim.dashboard.state import Options

    values: dict = {}
    overrides: list[str] = []
    port = DEFAULT_PORT
    flags = {"--port": "port", "--config-dir": "config_dir", "-cd": "config_dir",
             "--out": "out_dir"}
    i = 0
    while i < len(args):
        a = args[i]
        name, eq, inline = a.partition("=")
        if name in flags:
            if eq:
                value = inline
            elif i + 1 < len(args):
                value, i = args[i + 1], i + 1
            else:
                raise DashboardError(f"{name} needs a value; {USAGE}")
            if flags[name] == "port":
                if not value.isdigit() or not 1 <= int(value) <= 65535:
                    raise DashboardError(f"--port {value}: must be a port number, 1-65535")
                port = int(value)
            else:
                values[flags[name]] = value
        elif a.startswith("-"):
            raise DashboardError(f"unknown option {a}; {USAGE}")
        elif not eq:
            raise DashboardError(f"{a}: expected KEY=VALUE; {USAGE}")
        elif name.lstrip("+") == "scenario":
            values["scenario"] = inline
        elif name in ("population.size", "seed"):
            if not inline.isdigit():
                raise DashboardError(f"{a}: must be a whole number")
            values["population" if name == "population.size" else "seed"] = int(inline)
        else:
            overrides.append(a)
        i += 1
    if "config_dir" in values and not os.path.isdir(values["config_dir"]):
        raise DashboardError(f"--config-dir {values['config_dir']}: no such folder")
    return Options(overrides=tuple(overrides), **values), port


def serve(options, port: int = DEFAULT_PORT) -> None:
    """Check the starting scenario, then serve the page on 127.0.0.1 until Ctrl+C.

    Building the first paired run here loads every Numba kernel from the cache before the
    first page opens, and refuses a bad scenario or override with one line.

    Raises:
        DashboardError: The extra is not installed or the port is taken.
        ConfigError: The starting scenario or an override is not allowed.
    """
    import importlib.util
    import socket
    import warnings

    missing = [m for m in ("solara", "solara_assets", "uvicorn", "PIL")
               if importlib.util.find_spec(m) is None]
    if missing:
        raise DashboardError(f"the dashboard needs {', '.join(missing)}: "
                             'pip install ".[dashboard]"')
    with socket.socket() as probe:
        try:
            probe.bind((HOST, port))
        except OSError:
            raise DashboardError(f"port {port} on {HOST} is in use; choose another with "
                                 "--port") from None
    from peacesim.dashboard.state import Session

    first = Session(options)  # validates the scenario and warms the kernels
    os.environ["SOLARA_APP"] = "peacesim.dashboard.app"
    import uvicorn

    from peacesim.dashboard import app

    app.LAUNCH = options
    app.READY.append(first)
    from solara.server.starlette import app as asgi

    # Solara warns on every page that a plain-http cookie cannot be samesite=none: true of
    # any page on 127.0.0.1, and nothing the user can act on.
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")

    print(f"peacesim dashboard: http://{HOST}:{port}/  (scenario {options.scenario}; "
          "Ctrl+C stops it)", flush=True)
    uvicorn.run(asgi, host=HOST, port=port, log_level="warning")
