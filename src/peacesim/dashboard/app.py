"""The Solara page: controls on the left, the live maps and curves on the right.

Every control calls one :class:`~peacesim.dashboard.state.Session` method; a config error
(a typed value out of range, a scenario file that does not parse) comes back as one line
shown on the page, and the runs stay as they were. Play steps both runs in a background
thread at the chosen speed; only the live view (:func:`Live`) redraws per week.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import reacton.ipyvuetify as rv
import reacton.ipywidgets as rw
import solara

from peacesim.config import ConfigError, scenario_names
from peacesim.dashboard import curves, maps
from peacesim.dashboard.levers import LEVERS, Lever
from peacesim.dashboard.state import Frame, Options, Session

#: The options the server started with (set by :func:`peacesim.dashboard.serve`).
LAUNCH = Options()

#: A session built before a page asks for it (the first by :func:`peacesim.dashboard.serve`,
#: which warms the kernels with it; then one in the background after each page takes one), so
#: a page that opens shows its first frame without waiting for two models to be built.
READY: list[Session] = []
_READY_LOCK = threading.Lock()


def take_session() -> Session:
    """A ready session if there is one (and start building the next), else a new one.

    Raises:
        ConfigError: The launch scenario no longer loads.
    """
    with _READY_LOCK:
        ready = READY.pop() if READY else None
    if ready is not None:
        threading.Thread(target=_build_spare, daemon=True).start()
        return ready
    return Session(LAUNCH)


def _build_spare() -> None:
    try:
        spare = Session(LAUNCH)
    except ConfigError:
        return
    with _READY_LOCK:
        if not READY:
            READY.append(spare)

#: Most redraws a second while playing (the runs may advance faster).
DRAWS_PER_SECOND = 20

CSS = """
.peacesim-map img, img.peacesim-map { image-rendering: pixelated; border: 1px solid #ddd; }
.peacesim-legend { height: 10px; width: 240px; border: 1px solid #ccc; }
.peacesim-lever .v-input { margin-top: 0; padding-top: 0; }
.peacesim-diff { font-size: 15px; margin: 4px 0 8px 0; }
"""


@solara.component
def Page():
    """The page Solara serves: a new session per browser tab."""
    def start():
        try:
            return take_session(), ""
        except ConfigError as err:
            return None, str(err)

    session, error = solara.use_memo(start, [])
    solara.Title("peacesim dashboard")
    if session is None:
        solara.Error(f"The dashboard could not start: {error}")
        return
    Dashboard(session)


@solara.component
def Dashboard(session: Session):
    """The whole page for one session (also what the widget tests render)."""
    # A reactive of its own (not this component's state): setting it redraws only Live.
    frame = solara.use_memo(lambda: solara.reactive(session.frame()), [])
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(10)
    message = solara.use_reactive("")
    version = solara.use_reactive(0)  # bumped after every change: controls re-read values

    def act(change, *args) -> None:
        try:
            change(*args)
            message.set("")
        except ConfigError as err:
            message.set(str(err))
        version.set(version.value + 1)
        frame.set(session.frame())

    def play(cancel: threading.Event) -> None:
        # The runs advance at the chosen speed; the page is redrawn at most DRAWS_PER_SECOND
        # times a second (always at the last week), so a slow browser never slows the runs.
        drawn = 0.0
        while not cancel.is_set():
            started = time.perf_counter()
            more = session.advance()
            if not more or started - drawn >= 1.0 / DRAWS_PER_SECOND:
                frame.set(session.frame())
                drawn = started
            if not more:
                playing.set(False)
                return
            cancel.wait(max(0.0, 1.0 / speed.value - (time.perf_counter() - started)))

    def idle(cancel: threading.Event) -> None:
        return None

    solara.use_thread(play if playing.value else idle, dependencies=[playing.value],
                      intrusive_cancel=False)

    def step_once() -> None:
        new = session.step()
        if new is not None:
            frame.set(new)

    solara.Style(CSS)
    with solara.Column(style={"padding": "12px"}):
        # (not solara.Markdown: its maths support fetches KaTeX from a CDN)
        rv.Html(tag="h2", children=["peacesim: the scenario and its counterfactual, week by week"])
        with solara.Columns([1, 2]):
            Controls(session, act, version.value)
            with solara.Column():
                with solara.Row(style={"align-items": "center"}):
                    solara.Button("Pause" if playing.value else "Play", color="primary",
                                  on_click=lambda: playing.set(not playing.value))
                    solara.Button("Step", on_click=step_once, disabled=playing.value)
                    solara.Button("Reset", on_click=lambda: act(session.reset))
                    solara.SliderInt("Speed (weeks per second)", value=speed, min=1, max=50)
                if message.value:
                    solara.Error(message.value)
                View(session, act)
                Live(session, frame)
                Writer(session)


@solara.component
def Controls(session: Session, act, version: int):
    """Scenario, population, seed, the levers and the programmes' regions."""
    choices = session.choices
    names = scenario_names(session.options.config_dir)
    with solara.Card("Scenario and levers"):
        solara.Select("Scenario", values=names, value=choices.scenario,
                      on_value=lambda name: act(session.set_scenario, name))
        with solara.Row():
            solara.InputInt("Community members per run", value=choices.population,
                            on_value=lambda n: act(session.set_population, n),
                            continuous_update=False)
            solara.InputInt("Seed", value=choices.seed,
                            on_value=lambda n: act(session.set_seed, n), continuous_update=False)
        solara.Text("Changing anything here restarts both runs at week 0.",
                    style={"font-size": "12px", "color": "#666"})
        values = session.lever_values()
        for lever in LEVERS:
            LeverControl(lever, values[lever.key], lambda key, x: act(session.set_lever, key, x))
        solara.SelectMultiple("Regions where the programmes act",
                              all_values=session.simulated_regions(),
                              values=session.programme_regions(),
                              on_value=lambda regions: act(session.set_regions, regions))
        solara.Text("Shown: where the scenario's intervention acts. A choice here moves every "
                    "programme (not the UN mission).", style={"font-size": "12px", "color": "#666"})


@solara.component
def LeverControl(lever: Lever, value: float, on_value):
    """A slider with the schema's range and a field to type any allowed value."""
    lo, hi = lever.slider_range
    allowed_lo, allowed_hi = lever.range
    top = f"{allowed_hi:g}" if allowed_hi < 1e9 else "any"
    with solara.Div(classes=["peacesim-lever"]):
        solara.Text(f"{lever.label} [{allowed_lo:g}, {top}]", style={"font-size": "13px"})
        with solara.Row(style={"align-items": "center"}):
            solara.SliderFloat("", value=min(max(value, lo), hi), min=lo, max=hi,
                               step=lever.step,
                               on_value=lambda x: on_value(lever.key, x)).meta(ref=lever.key)
            solara.InputFloat("", value=value, continuous_update=False,
                              on_value=lambda x: on_value(lever.key, x)
                              ).meta(ref=f"{lever.key}:typed")


@solara.component
def Live(session: Session, frame: solara.Reactive[Frame]):
    """What changes every week: the counter, the difference line, both maps, the curves.

    The only component that reads ``frame``, and built from plain widgets, so a week's redraw
    updates a handful of widgets.
    """
    f = frame.value
    run = session.run
    titles = (f"Scenario: {run.scenario}",
              "Counterfactual: " + (", ".join(run.counterfactual_overrides) or "none declared"))
    with rv.Html(tag="div", style_="display: flex; flex-direction: column; gap: 6px"):
        rv.Html(tag="div", class_="peacesim-week", style_="font-size: 18px; font-weight: 600",
               children=[f"Week {f.week} of {f.steps}" + (" (finished)" if f.finished else "")])
        rv.Html(tag="div", class_="peacesim-diff", children=[f.difference])
        with rv.Html(tag="div", style_="display: flex; gap: 16px"):
            for title, png in zip(titles, f.maps, strict=True):
                with rv.Html(tag="div"):
                    rv.Html(tag="div", style_="font-size: 13px", children=[title])
                    rw.Image(value=png, format="png", layout={"width": f"{run.map_width}px"},
                             _dom_classes=["peacesim-map"])
        solara.HTML(unsafe_innerHTML="".join(f.curves))


@solara.component
def View(session: Session, act):
    """The map layer and the curves shown, with the map's colour scale."""
    layer = session.layer
    by_label = {each.label: each.name for each in maps.LAYERS}
    with solara.Row(style={"align-items": "center", "font-size": "12px"}):
        solara.Select("Map", values=list(by_label), value=layer.label,
                      on_value=lambda label: act(session.set_layer, by_label[label]))
        solara.Text(f"{layer.label} ({layer.unit}): {layer.lo:g}")
        solara.Div(classes=["peacesim-legend"],
                   style={"background": maps.css_gradient(layer.colours)})
        solara.Text(f"{layer.hi:g} or more; blank: not simulated")
    solara.HTML(unsafe_innerHTML=curves.legend(session.run.model.region_names))
    solara.SelectMultiple("Curves", all_values=session.curve_choices(),
                          values=list(session.metrics),
                          on_value=lambda ms: act(session.set_metrics, ms))


@solara.component
def Writer(session: Session):
    """The button that writes both runs so far as run folders, with figures and report."""
    request = solara.use_reactive(0)
    status = solara.use_reactive("")

    def write(cancel: threading.Event) -> None:
        if request.value == 0:
            return
        status.set("Writing the run folders (tables, figures, report.html) ...")
        try:
            folder = session.write()
            status.set(f"Written: {Path(folder).resolve()} (scenario/ and counterfactual/, "
                       "each with report.html)")
        except ConfigError as err:
            status.set(f"Not written: {err}")
        except Exception as err:  # a full disk, say: keep the page running
            status.set(f"Not written: {type(err).__name__}: {err}".splitlines()[0])

    solara.use_thread(write, dependencies=[request.value], intrusive_cancel=False)
    with solara.Row(style={"align-items": "center"}):
        solara.Button("Write run folders", on_click=lambda: request.set(request.value + 1))
        if status.value:
            solara.Text(status.value, classes=["peacesim-written"])
