"""Benchmark of the dashboard: a week of both runs plus the redraw, and the page in a browser.

One command::

    python benchmarks/dashboard.py [--population 50000] [--steps 100] [--screenshot PATH]

Two parts (needs the ``dashboard`` extra, and Debian's chromium for the second):

* **server side, in this process**: a :class:`~peacesim.dashboard.state.Session` at the
  dashboard's default population, for central Mali (2 regions) and the baseline (9 regions);
  after 3 warm-up weeks, ``--steps`` calls of ``Session.step()`` (both models' step, both maps
  as PNG, the SVG curves and the difference line), with the time of each part measured
  separately over the same weeks' state;
* **in the browser**: ``python -m peacesim dashboard`` on a free 127.0.0.1 port (with the Numba
  cache warm; started by :func:`peacesim.dashboard.local.local_server`, as in the browser test;
  ``server_start_s`` is the time until the page answers) and headless Chromium driven by
  Playwright: the time from ``page.goto`` to the first map on the page (the first frame); then
  20 presses of Step, each timed by the page's own clock (``performance.now()``) from the click
  until the week counter shows the next week and the map image is replaced (one step of both
  runs plus the redraw as a person sees it, through the websocket and the browser's rendering);
  then Play at the top speed (50 weeks per second) for 3 s: weeks drawn per second (3 s at 50
  weeks a second stays inside the scenario's 260 weeks after the 20 steps; at the end of a run
  Play turns back to Play).

Targets: first frame within 5 s; a step of both runs plus the redraw within 100 ms.
Results go to ``benchmarks/results/dashboard.json`` with the machine, versions, date and load.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

#: How long Play runs at the top speed before it is paused (seconds).
PLAY_SECONDS = 3.0

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "dashboard.json"
CHROMIUM = "/usr/bin/chromium"
TARGET_FIRST_FRAME_S = 5.0
TARGET_STEP_MS = 100.0


def stats(ms: list[float]) -> dict:
    """Mean, median, 95th percentile and maximum of timings (ms)."""
    ms = sorted(ms)
    return {"mean": round(statistics.fmean(ms), 2), "median": round(statistics.median(ms), 2),
            "p95": round(ms[int(0.95 * (len(ms) - 1))], 2), "max": round(ms[-1], 2),
            "n": len(ms)}


def server_side(scenario: str, population: int, steps: int) -> dict:
    """Time Session.step() and its parts."""
    from peacesim.dashboard.state import Options, Session

    session = Session(Options(scenario=scenario, population=population))
    for _ in range(3):
        session.step()
    parts: dict[str, list[float]] = {k: [] for k in
                                     ("total", "models", "maps", "curves", "difference")}
    run = session.run
    for _ in range(steps):
        t0 = time.perf_counter()
        session.step()
        parts["total"].append(1000 * (time.perf_counter() - t0))
    for _ in range(steps):  # the parts, each on its own
        t0 = time.perf_counter()
        run.step()
        t1 = time.perf_counter()
        run.map_images(session.layer)
        t2 = time.perf_counter()
        run.curves(session.metrics)
        t3 = time.perf_counter()
        run.difference()
        t4 = time.perf_counter()
        for name, a, b in (("models", t0, t1), ("maps", t1, t2), ("curves", t2, t3),
                           ("difference", t3, t4)):
            parts[name].append(1000 * (b - a))
    return {"scenario": scenario, "population": population, "cells": run.model.world.n_cells,
            **{f"{k}_ms": stats(v) for k, v in parts.items()}}


#: In the page: press Step and wait (one animation frame at a time) until the week counter
#: shows the next week and the map image is replaced; milliseconds, by the page's own clock.
STEP_JS = """async () => {
  const week = () => document.querySelector('.peacesim-week').innerText;
  const map = () => document.querySelector('img.peacesim-map').src;
  const button = [...document.querySelectorAll('button')]
    .find(b => b.innerText.trim().toUpperCase() === 'STEP');
  const [w, m] = [week(), map()];
  const t0 = performance.now();
  button.click();
  await new Promise(done => {
    const look = () => (week() !== w && map() !== m) ? done() : requestAnimationFrame(look);
    requestAnimationFrame(look);
  });
  return performance.now() - t0;
}"""


def browser(population: int, screenshot: Path | None) -> dict:
    """First frame, Step round trips and Play throughput in headless Chromium."""
    from playwright.sync_api import sync_playwright

    from peacesim.dashboard.local import local_server

    log = tempfile.TemporaryFile("w+")
    t_launch = time.perf_counter()
    with local_server([f"population.size={population}"], log) as url:
        server_ready = time.perf_counter() - t_launch
        with sync_playwright() as p:
            chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=["--no-sandbox", "--disable-gpu"])
            page = chromium.new_page(viewport={"width": 1400, "height": 1100})
            t0 = time.perf_counter()
            page.goto(url)
            page.locator("img.peacesim-map").first.wait_for(timeout=60_000)
            first_frame = time.perf_counter() - t0
            page.get_by_role("button", name="Step").wait_for()
            step_ms = [page.evaluate(STEP_JS) for _ in range(20)]
            speed = page.locator(".v-input", has_text="Speed (weeks per second)")
            box = speed.locator(".v-slider").bounding_box()
            page.mouse.click(box["x"] + box["width"] - 1, box["y"] + box["height"] / 2)
            start = int(re.match(r"Week (\d+)",
                                 page.locator(".peacesim-week").inner_text()).group(1))
            page.get_by_role("button", name="Play").click()
            t2 = time.perf_counter()
            time.sleep(PLAY_SECONDS)  # short enough that the run does not reach its end
            page.get_by_role("button", name="Pause").click()
            seconds = time.perf_counter() - t2
            end = int(re.match(r"Week (\d+)",
                               page.locator(".peacesim-week").inner_text()).group(1))
            if screenshot is not None:
                page.get_by_role("button", name="Play").wait_for()
                page.screenshot(path=str(screenshot), full_page=True)
            chromium.close()
    return {"server_start_s": round(server_ready, 2), "first_frame_s": round(first_frame, 2),
            "step_round_trip_ms": stats(step_ms),
            "play_weeks_per_second_at_speed_50": round((end - start) / seconds, 1)}


def main() -> None:
    """Run both parts, print a table, write the JSON file."""
    from peacesim.dashboard.state import DEFAULT_POPULATION

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--population", type=int, default=DEFAULT_POPULATION)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--screenshot", type=Path, default=None)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    server = [server_side(s, args.population, args.steps) for s in ("central_mali", "baseline")]
    print(f"server side, population {args.population}, {args.steps} weeks (ms per week)")
    print(f"{'scenario':14s} {'cells':>6s} {'total':>8s} {'p95':>8s} {'models':>8s} "
          f"{'maps':>8s} {'curves':>8s} {'diff':>8s}")
    for r in server:
        print(f"{r['scenario']:14s} {r['cells']:6d} {r['total_ms']['mean']:8.1f} "
              f"{r['total_ms']['p95']:8.1f} {r['models_ms']['mean']:8.1f} "
              f"{r['maps_ms']['mean']:8.1f} {r['curves_ms']['mean']:8.1f} "
              f"{r['difference_ms']['mean']:8.1f}")
    page = None
    if not args.no_browser:
        page = browser(args.population, args.screenshot)
        print(f"browser: first frame {page['first_frame_s']} s (target {TARGET_FIRST_FRAME_S}); "
              f"Step round trip mean {page['step_round_trip_ms']['mean']} ms, p95 "
              f"{page['step_round_trip_ms']['p95']} ms (target {TARGET_STEP_MS}); Play "
              f"{page['play_weeks_per_second_at_speed_50']} weeks/s")
    import numba
    import solara

    import peacesim

    out = {"date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
           "command": "python benchmarks/dashboard.py " + " ".join(sys.argv[1:]),
           "machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                       "load_average_1m": round(os.getloadavg()[0], 2)},
           "versions": {"peacesim": peacesim.__version__, "numba": numba.__version__,
                        "solara": solara.__version__, "python": platform.python_version()},
           "server_side": server, "browser": page,
           "targets": {"first_frame_s": TARGET_FIRST_FRAME_S, "step_ms": TARGET_STEP_MS}}
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=2) + "\n")
    print(f"-> {RESULTS}")


if __name__ == "__main__":
    main()
