"""The dashboard without a browser: its state, its drawing and its page (Solara's harness).

The page is rendered with ``solara.render`` and driven through its widgets (set a slider's
value, click a button, type in a field), then the session's models are inspected.
"""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("solara")

import ipyvuetify as v  # noqa: E402
import ipywidgets  # noqa: E402
import solara  # noqa: E402

from peacesim.config import ConfigError  # noqa: E402
from peacesim.dashboard import maps, parse_args  # noqa: E402
from peacesim.dashboard.app import Dashboard  # noqa: E402
from peacesim.dashboard.levers import LEVERS, field_range  # noqa: E402
from peacesim.dashboard.state import Options, Session  # noqa: E402

SMALL = 2_000


def small_session(**kwargs) -> Session:
    """A session of a small population (and the given options)."""
    return Session(Options(population=kwargs.pop("population", SMALL), **kwargs))


@pytest.fixture
def page():
    """A rendered page of central Mali: (session, render context)."""
    session = small_session()
    _, rc = solara.render(Dashboard(session), handle_error=False)
    yield session, rc
    rc.close()


def week_text(rc) -> str:
    """The week counter's text."""
    return rc.find(v.Html, class_="peacesim-week").widget.children[0]


def test_moving_a_slider_changes_both_runs_config(page):
    """A slider sets the lever in both runs; the counterfactual keeps its own override."""
    session, rc = page
    assert session.run.config.patrol.presence == 0.25
    rc.find(v.Slider, meta_ref="patrol.presence").widget.v_model = 0.6
    assert session.run.config.patrol.presence == 0.6
    assert session.run.counterfactual.config.patrol.presence == 0.6
    # the counterfactual still switches the scenario's intervention off, and only that
    assert session.run.config.dialogue.frequency == 4
    assert session.run.counterfactual.config.dialogue.frequency == 0
    assert rc.find(v.TextField, meta_ref="patrol.presence:typed").widget.v_model == "0.6"
    assert week_text(rc).startswith("Week 0 of")


def test_step_advances_both_runs(page):
    """Step advances the scenario and the counterfactual together; Reset returns both to week 0."""
    session, rc = page
    step = rc.find(v.Btn, children=["Step"]).widget
    step.click()
    step.click()
    assert int(session.run.model.steps) == 2
    assert int(session.run.counterfactual.steps) == 2
    assert session.run.model.recorder.last == 2
    assert session.run.counterfactual.recorder.last == 2
    assert week_text(rc) == "Week 2 of 260"
    rc.find(v.Btn, children=["Reset"]).widget.click()
    assert int(session.run.model.steps) == 0
    assert week_text(rc) == "Week 0 of 260"


def test_a_typed_value_out_of_range_shows_a_message_and_keeps_the_runs(page):
    """An out-of-range value shows the config error and changes nothing; an allowed one is taken."""
    session, rc = page
    rc.find(v.Btn, children=["Step"]).widget.click()
    before = session.run
    field = rc.find(v.TextField, meta_ref="patrol.presence:typed").widget
    field.v_model = "1.5"
    field.fire_event("keyup.enter", {})
    message = rc.find(v.Alert).widget.children[0]
    assert message == "patrol.presence=1.5 is out of range: must be in [0, 1]"
    assert session.run is before and session.run.config.patrol.presence == 0.25
    assert week_text(rc) == "Week 1 of 260"
    # a typed value the slider cannot reach but the schema allows is taken
    field = rc.find(v.TextField, meta_ref="dialogue.frequency:typed").widget
    field.v_model = "20"
    field.fire_event("keyup.enter", {})
    assert session.run.config.dialogue.frequency == 20
    assert len(rc.find(v.Alert)) == 0


def test_a_scenario_file_that_does_not_parse_shows_a_message(tmp_path):
    """A broken scenario file in --config-dir shows one line; the page keeps its runs."""
    (tmp_path / "scenario").mkdir()
    (tmp_path / "scenario" / "broken.yaml").write_text("scenario: [name: broken\n")
    session = small_session(config_dir=str(tmp_path))
    _, rc = solara.render(Dashboard(session), handle_error=False)
    picker = rc.find(v.Select, label="Scenario").widget
    assert "broken" in picker.items
    picker.v_model = "broken"
    message = rc.find(v.Alert).widget.children[0]
    # The loader's own one line: the file, the line and what is wrong.
    assert "broken.yaml, line 1: YAML syntax error" in message, message
    assert "\n" not in message
    assert session.choices.scenario == "central_mali"
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert int(session.run.model.steps) == 1
    rc.close()


def test_scenario_picker_loads_the_scenarios_own_levers(page):
    """Picking a scenario loads its lever values and its counterfactual."""
    session, rc = page
    rc.find(v.Slider, meta_ref="patrol.presence").widget.v_model = 0.6
    rc.find(v.Select, label="Scenario").widget.v_model = "justice_access"
    assert session.run.config.justice.access == 0.6
    assert session.run.counterfactual.config.justice.access == 0
    assert session.run.config.patrol.presence == 0.25  # the page's levers start afresh
    assert rc.find(v.TextField, meta_ref="justice.access:typed").widget.v_model == "0.6"


def test_region_chooser_moves_every_programme():
    """The region chooser sets every programme's regions; an empty choice is refused."""
    session = small_session(scenario="youth_employment")
    _, rc = solara.render(Dashboard(session), handle_error=False)
    chooser = rc.find(v.Select, label="Regions where the programmes act").widget
    assert set(chooser.v_model) == {"mopti", "segou", "tombouctou", "gao", "kidal"}
    chooser.v_model = ["gao"]
    config = session.run.config
    assert config.employment.regions == ["gao"]
    assert config.dialogue.regions == ["gao"] and config.justice.regions == ["gao"]
    assert session.run.counterfactual.config.employment.regions == ["gao"]
    chooser.v_model = []  # an empty list would mean every region: refused
    assert "at least one region" in rc.find(v.Alert).widget.children[0]
    assert session.run.config.employment.regions == ["gao"]
    rc.close()


def test_population_and_seed_rebuild_the_runs(page):
    """Typed population and seed rebuild both runs with them."""
    session, rc = page
    field = rc.find(v.TextField, label="Community members per run").widget
    field.v_model = "3000"
    field.fire_event("keyup.enter", {})
    assert session.run.model.people.size == 3000
    assert session.run.counterfactual.people.size == 3000
    field = rc.find(v.TextField, label="Seed").widget
    field.v_model = "7"
    field.fire_event("keyup.enter", {})
    assert session.run.config.seed == 7 and session.run.counterfactual.config.seed == 7


def test_map_layer_chooser_draws_the_chosen_layer(page):
    """The layer chooser switches what the maps draw."""
    session, rc = page
    for _ in range(3):
        session.step()
    rc.find(v.Select, label="Map").widget.v_model = "Support for armed groups"
    assert session.layer.name == "armed_group_support"
    shown = rc.find(ipywidgets.Image).widgets[0].value
    assert shown == maps.draw(session.run.model, session.layer, session.run.box)


def test_both_runs_share_their_draws_until_the_intervention_starts():
    """Same seed: identical runs until the intervention acts, then a stated difference."""
    # central Mali's dialogue starts in week 52: before it the two runs are the same run
    session = small_session()
    for _ in range(5):
        session.step()
    a = session.run.model.timeseries()
    b = session.run.counterfactual.timeseries()
    pd.testing.assert_frame_equal(a, b)
    assert "no difference yet" in session.run.difference()
    moved = small_session(overrides=("dialogue.start=0",))
    for _ in range(5):
        moved.step()
    line = moved.run.difference()
    assert "dialogue.frequency=0" in line and "no difference yet" not in line


def test_writing_the_run_folders_holds_what_the_page_shows(tmp_path):
    """The written folders hold exactly the live runs' tables, with reports."""
    session = small_session(overrides=("dialogue.start=0",))
    for _ in range(4):
        session.step()
    folder = session.write(tmp_path)
    for name, model in (("scenario", session.run.model),
                        ("counterfactual", session.run.counterfactual)):
        written = pd.read_parquet(folder / name / "timeseries.parquet")
        pd.testing.assert_frame_equal(written, model.timeseries(), check_categorical=False)
        assert (folder / name / "report.html").is_file()
        assert (folder / name / "manifest.json").is_file()
    scenario = pd.read_parquet(folder / "scenario" / "national.parquet")
    counterfactual = pd.read_parquet(folder / "counterfactual" / "national.parquet")
    assert not scenario["dialogue_sessions"].equals(counterfactual["dialogue_sessions"])


def test_writing_before_a_step_is_refused(tmp_path):
    """Nothing is written before the first week."""
    with pytest.raises(ConfigError, match="nothing to write yet"):
        small_session().write(tmp_path)
    assert not any(tmp_path.iterdir())


def test_levers_take_their_ranges_from_the_schema():
    """Lever ranges come from the schema; open tops get a slider limit."""
    ranges = {lever.key: lever.range for lever in LEVERS}
    assert ranges["patrol.presence"] == (0.0, 1.0)
    assert ranges["dialogue.frequency"][1] >= 1e9  # open top: the slider stops earlier
    frequency = next(lever for lever in LEVERS if lever.key == "dialogue.frequency")
    assert frequency.slider_range == (0.0, 12.0)
    assert field_range("justice.access") == (0.0, 1.0, False)
    with pytest.raises(KeyError):
        field_range("patrol.moc")


def test_map_colours_values_and_leaves_unsimulated_cells_transparent():
    """Colours follow the layer's scale; NaN cells are transparent."""
    layer = maps.LAYERS[0]
    raster = np.array([[np.nan, 0.0], [1.0, 2.0]])
    rgba = maps.to_rgba(raster, layer)
    table = maps.colour_table(layer.colours)
    assert rgba.shape == (2, 2, 4)
    assert rgba[0, 0, 3] == 0
    assert (rgba[0, 1] == table[0]).all() and (rgba[1, 0] == table[-1]).all()
    assert (rgba[1, 1] == table[-1]).all()  # above the scale's top: the last colour
    assert maps.png(rgba).startswith(b"\x89PNG")


def test_every_layer_draws_the_simulated_cells():
    """Every layer has values inside the simulated regions only."""
    session = small_session(scenario="baseline")
    session.step()
    run = session.run
    for layer in maps.LAYERS:
        raster = layer.values(run.model)
        assert raster.shape == run.model.raster.shape
        assert np.isfinite(raster[run.box]).any(), layer.name
        assert not np.isfinite(raster[run.model.raster < 0]).any(), layer.name


def test_command_line_refuses_bad_input_with_one_line(capsys, tmp_path):
    """Bad arguments: exit 2 with one line each, no server started."""
    from peacesim.cli import main

    assert main(["dashboard", "--port", "http"]) == 2
    assert main(["dashboard", "patrol.presence=2"]) == 2
    assert main(["dashboard", "+scenario=nowhere"]) == 2
    assert main(["dashboard", "--config-dir", str(tmp_path / "missing")]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 4 and all(line.startswith("peacesim: error: ") for line in lines)
    assert "--port http" in lines[0]
    assert "patrol.presence=2" in lines[1] and "out of range" in lines[1]
    assert "unknown scenario 'nowhere'" in lines[2]


def test_command_line_options():
    """Flags and overrides land in the options."""
    options, port = parse_args(["--port", "9000", "+scenario=baseline", "seed=3",
                                "population.size=4000", "steps=52"])
    assert port == 9000
    assert (options.scenario, options.seed, options.population) == ("baseline", 3, 4000)
    assert options.overrides == ("steps=52",)


def test_import_peacesim_does_not_import_the_dashboard():
    """Importing peacesim pulls in neither the dashboard nor Solara."""
    code = ("import sys, peacesim; "
            "print('peacesim.dashboard' in sys.modules, 'solara' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.split() == ["False", "False"]


def test_write_button_writes_both_folders_and_says_where(tmp_path):
    """The page's write button writes both runs and shows the folder."""
    session = small_session(out_dir=str(tmp_path))
    _, rc = solara.render(Dashboard(session), handle_error=False)
    write = rc.find(v.Btn, children=["Write run folders"]).widget
    write.click()
    said = rc.find(v.Html, class_="peacesim-written")
    said.wait_for(timeout=10)
    assert "Not written: nothing to write yet" in said.widget.children[0]
    rc.find(v.Btn, children=["Step"]).widget.click()
    write.click()
    deadline = time.monotonic() + 120
    while "Written:" not in said.widget.children[0] and time.monotonic() < deadline:
        time.sleep(0.2)
        said = rc.find(v.Html, class_="peacesim-written")
    assert "Written:" in said.widget.children[0]
    (folder,) = (tmp_path / "central_mali").iterdir()
    assert (folder / "scenario" / "manifest.json").is_file()
    assert (folder / "counterfactual" / "manifest.json").is_file()
    rc.close()
