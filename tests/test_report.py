"""Figures and reports are drawn from saved tables alone, at a fixed size, self-contained.

No model runs here: every test reads the small committed tables in tests/data/ (regenerate
them with ``python tests/data/make_fixtures.py``). Reports are written into temporary copies.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

DATA = Path(__file__).resolve().parent / "data"
RUN = DATA / "run_border"
EPSTEIN = DATA / "run_epstein"
SWEEP = DATA / "sweep_central"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

#: Pixel sizes the figures must have (width, height): fixed so pages and slides can rely on
#: them; change on purpose, together with peacesim.plots.style.SIZES.
PIXELS = {"national": (1320, 726), "regions": (1210, 682), "map": (1430, 605),
          "events": (1320, 726), "published": (1320, 726), "sweep_lines": (1320, 726),
          "sweep_heatmap": (880, 704), "sweep_paired": (1320, 726), "sweep_seeds": (1320, 726)}

RUN_FIGURES = {"national": "national", "trust_by_region": "regions", "trust_map": "map",
               "events": "events"}


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk; fails unless the file is a PNG."""
    head = Path(path).read_bytes()[:24]
    assert head[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    assert head[12:16] == b"IHDR", f"{path} has no IHDR chunk first"
    return struct.unpack(">II", head[16:24])


def assert_png(path: Path, name: str, min_bytes: int = 8_000) -> None:
    """A valid, non-trivial PNG of the size registered for figure ``name``."""
    assert Path(path).is_file(), f"{path} missing"
    assert png_size(path) == PIXELS[name]
    assert Path(path).stat().st_size > min_bytes, f"{path} looks empty"


def assert_self_contained(page: str, pngs: list[Path]) -> None:
    """No remote resources or scripts; every PNG embedded exactly once."""
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    assert "<script" not in page.lower()
    assert "<link" not in page.lower()
    assert pngs, "no figures"
    for png in pngs:
        data = base64.b64encode(png.read_bytes()).decode("ascii")
        assert page.count(data) == 1, f"{png.name} is not embedded exactly once"
    assert page.count("data:image/png;base64,") == len(pngs)


def _copy(src: Path, tmp: Path, name: str) -> Path:
    dst = tmp / name
    shutil.copytree(src, dst)
    return dst


@pytest.fixture(scope="module")
def run_tables():
    from peacesim.report import load_run

    return load_run(RUN)


@pytest.fixture(scope="module")
def run_report(tmp_path_factory):
    from peacesim.report import write_run_report

    folder = _copy(RUN, tmp_path_factory.mktemp("run"), "run")
    return folder, write_run_report(folder)


@pytest.fixture(scope="module")
def sweep_report(tmp_path_factory):
    from peacesim.report import write_sweep_report

    folder = _copy(SWEEP, tmp_path_factory.mktemp("sweep"), "sweep")
    return folder, write_sweep_report(folder)


@pytest.fixture(scope="module")
def sweep_table() -> pd.DataFrame:
    return pd.read_parquet(SWEEP / "sweep.parquet")


# ---------------------------------------------------------------------------- imports
def test_registered_sizes_are_the_expected_pixels():
    from peacesim.plots.style import SIZES, pixel_size

    assert {name: pixel_size(name) for name in SIZES} == PIXELS


def test_importing_peacesim_and_report_does_not_import_matplotlib():
    code = ("import sys, peacesim, peacesim.report, peacesim.runner; "
            "sys.exit(1 if 'matplotlib' in sys.modules else 0)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


# ---------------------------------------------------------------------------- run figures
def test_run_figure_functions_return_figures_of_the_registered_size(run_tables, tmp_path):
    from peacesim.plots import run as plots
    from peacesim.plots.style import save_figure

    t = run_tables
    figures = {
        "national": plots.national_timeseries(t.national, t.interventions),
        "regions": plots.trust_by_region(t.timeseries, national=t.national),
        "map": plots.trust_map(t.cells),
        "events": plots.events(t.national, t.interventions),
    }
    for name, fig in figures.items():
        w, h = fig.get_size_inches() * fig.dpi
        assert (round(w), round(h)) == PIXELS[name]
        assert fig.axes and any(ax.has_data() for ax in fig.axes), f"{name} draws nothing"
    # Saving (all four are saved and checked in the report test): the registered pixel size,
    # atomically, without temporary files left behind.
    path = save_figure(figures["regions"], tmp_path / "regions.png")
    assert_png(path, "regions")
    assert [p.name for p in tmp_path.iterdir()] == ["regions.png"]


def test_programme_starting_during_the_run_is_marked(run_tables):
    from peacesim.plots.run import national_timeseries, programme_marks, programmes_from_start

    marks = programme_marks(run_tables.interventions, int(run_tables.national["step"].max()))
    assert [(m["name"], m["step"], m["what"]) for m in marks] == [("dialogue", 52, "starts")]
    assert "Sikasso" in marks[0]["label"] and "Hauts Bassins" in marks[0]["label"]
    assert any(s.startswith("patrol.un") for s in programmes_from_start(run_tables.interventions))
    axes = national_timeseries(run_tables.national, run_tables.interventions).axes
    vlines = [line for ax in axes for line in ax.get_lines()
              if np.allclose(line.get_xdata(), 52 / 52)]
    assert len(vlines) >= 7, "every outcome panel marks the start of dialogue"


def test_map_separates_burkina_faso_and_blanks_cells_without_members(run_tables):
    from peacesim.plots.run import trust_map

    cells = run_tables.cells.copy()
    assert (cells["country"] == "Burkina Faso").any()
    cells.loc[cells.index[:3], ["trust_in_sdf_start", "trust_in_sdf_end"]] = 0.0
    fig = trust_map(cells)
    start = fig.axes[0].images[0].get_array()
    assert np.ma.count_masked(start) >= 3 + (start.size - len(cells))
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert any("Burkina Faso" in t for t in texts) and any("Sikasso" in t for t in texts)
    assert fig.axes[0].collections, "no region boundaries or hatching drawn"


def test_run_report_is_self_contained_and_embeds_every_figure(run_report):
    folder, report = run_report
    assert report == folder / "report.html"
    pngs = sorted((folder / "figures").glob("*.png"))
    assert sorted(p.stem for p in pngs) == sorted(RUN_FIGURES)
    for png in pngs:
        assert_png(png, RUN_FIGURES[png.stem])
    page = report.read_text()
    assert_self_contained(page, pngs)
    config = yaml.safe_load((folder / "config.yaml").read_text())
    import html

    for text in [config["scenario"]["name"], config["scenario"]["description"],
                 *config["scenario"]["sources"]]:
        assert html.escape(text) in page
    for text in ("Key parameters", "Trust in the security forces", "Provenance",
                 "frequency = 3", "from week 52", "population.size=2000",
                 "git commit", "wall time"):
        assert text in page, text
    assert not list(folder.glob(".*.tmp")), "temporary files left behind"


def test_report_before_the_manifest_reads_programmes_from_the_config(tmp_path, run_tables,
                                                                     monkeypatch):
    import peacesim.report.html
    from peacesim.report import programmes_in_config, write_run_report

    rebuilt = programmes_in_config(run_tables.config)
    manifest = run_tables.manifest["interventions"]
    key = lambda p: (p["name"], p["start"], p["end"], tuple(p["regions"]))  # noqa: E731
    assert sorted(map(key, rebuilt)) == sorted(map(key, manifest))
    assert {p["name"]: p["levels"] for p in rebuilt} == {p["name"]: p["levels"] for p in manifest}
    folder = _copy(RUN, tmp_path, "run")
    (folder / "manifest.json").unlink()  # the runner draws figures before writing it
    monkeypatch.setattr(peacesim.report.html, "draw_figures",
                        lambda figs, folder: ([], []))  # speed
    page = write_run_report(folder).read_text()
    assert "from week 52" in page and "No manifest.json" in page


def test_epstein_run_draws_its_own_series_and_skips_the_rest(tmp_path):
    from peacesim.report import write_run_report

    folder = _copy(EPSTEIN, tmp_path, "epstein")
    page = write_run_report(folder).read_text()
    pngs = sorted((folder / "figures").glob("*.png"))
    assert [p.name for p in pngs] == ["timeseries.png"]
    assert_png(pngs[0], "published")
    assert_self_contained(page, pngs)
    assert "no regions or cells" in page and "every series the epstein model" in page.lower()
    assert "by region" not in page


# ---------------------------------------------------------------------------- sweep figures
def test_sweep_figure_functions_return_figures_of_the_registered_size(sweep_table, tmp_path):
    from peacesim.analysis import paired_differences
    from peacesim.plots import sweep as sp
    from peacesim.plots.style import save_figure

    d = paired_differences(sweep_table, "dialogue.frequency", 0, by="patrol.presence")
    assert set(d["pairs"]) == {3}
    figures = {
        "sweep_lines": sp.outcome_vs_parameter(sweep_table, "dialogue.frequency",
                                               group="patrol.presence"),
        "sweep_heatmap": sp.heatmap(sweep_table, "dialogue.frequency", "patrol.presence",
                                    "social_cohesion_mean"),
        "sweep_paired": sp.paired_comparison(d),
        "sweep_seeds": sp.seed_spread(sweep_table),
    }
    heat_text = [t.get_text() for t in figures["sweep_heatmap"].axes[0].texts]
    assert sum("n=3" in t for t in heat_text) == 4, "one annotated cell per pair of values"
    for name, fig in figures.items():
        w, h = fig.get_size_inches() * fig.dpi
        assert (round(w), round(h)) == PIXELS[name]
        assert any(ax.has_data() for ax in fig.axes), f"{name} draws nothing"
    # the report test saves and checks the others
    assert_png(save_figure(figures["sweep_seeds"], tmp_path / "seeds.png"), "sweep_seeds")


def test_sweep_report_is_self_contained_and_embeds_every_figure(sweep_report):
    folder, report = sweep_report
    pngs = sorted((folder / "figures").glob("*.png"))
    assert {p.stem for p in pngs} == {
        "sweep_vs_dialogue_frequency", "sweep_vs_patrol_presence",
        "sweep_heatmap_social_cohesion_mean", "sweep_heatmap_trust_in_sdf_final",
        "sweep_paired_dialogue_frequency"}
    kinds = {"vs": "sweep_lines", "heatmap": "sweep_heatmap", "paired": "sweep_paired"}
    for png in pngs:
        assert_png(png, kinds[png.stem.split("_")[1]])
    page = report.read_text()
    assert_self_contained(page, pngs)
    for text in ("central_mali", "Paired differences: dialogue.frequency",
                 "the scenario&#x27;s counterfactual", "12 of 12", "Outcomes by setting"):
        assert text in page, text


def _variant(tmp_path: Path, table: pd.DataFrame, name: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    table.to_parquet(folder / "sweep.parquet", index=False)
    return folder


def test_sweep_report_with_one_parameter_says_why_there_is_no_heat_map(sweep_table, tmp_path):
    from peacesim.report import write_sweep_report

    one = sweep_table[sweep_table["patrol.presence"] == 0.1]
    page = write_sweep_report(_variant(tmp_path, one, "one")).read_text()
    names = {p.stem for p in (tmp_path / "one" / "figures").glob("*.png")}
    assert names == {"sweep_vs_dialogue_frequency", "sweep_paired_dialogue_frequency"}
    assert "Heat map: needs two swept parameters" in page


def test_sweep_report_with_only_seeds_draws_their_spread(sweep_table, tmp_path):
    from peacesim.report import write_sweep_report

    none = sweep_table[(sweep_table["patrol.presence"] == 0.1)
                       & (sweep_table["dialogue.frequency"] == 0)]
    page = write_sweep_report(_variant(tmp_path, none, "none")).read_text()
    pngs = list((tmp_path / "none" / "figures").glob("*.png"))
    assert [p.stem for p in pngs] == ["sweep_seeds"]
    assert_png(pngs[0], "sweep_seeds")
    assert "No parameter other than the seed was swept" in page


def test_sweep_figures_with_three_parameters_pool_the_third(sweep_table):
    from peacesim.report import sweep_figures

    shifted = sweep_table.assign(**{"communal.drift": 0.02, "job": sweep_table["job"] + 100})
    three = pd.concat([sweep_table.assign(**{"communal.drift": 0.01}), shifted])
    figs, notes, diffs = sweep_figures(three, {"counterfactual": ["dialogue.frequency=0"]})
    names = [f[0] for f in figs]
    assert "sweep_vs_communal_drift" in names
    assert any("pooled over communal.drift" in f[1] for f in figs if "heatmap" in f[0])
    # pairs hold seed, patrol.presence and communal.drift fixed: 3 x 2 x 2 per comparison
    assert diffs and set(diffs[0]["pairs"]) == {12}


# ---------------------------------------------------------------------------- command line
def test_report_command_redraws_a_run_from_saved_tables(tmp_path):
    folder = _copy(RUN, tmp_path, "run")
    result = subprocess.run([sys.executable, "-m", "peacesim", "report", str(folder)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert f"report: {folder / 'report.html'}" in result.stdout
    pngs = sorted((folder / "figures").glob("*.png"))
    assert sorted(p.stem for p in pngs) == sorted(RUN_FIGURES)
    assert_self_contained((folder / "report.html").read_text(), pngs)


def test_report_command_redraws_a_sweep_from_saved_tables(sweep_table, tmp_path):
    folder = _variant(tmp_path, sweep_table[sweep_table["patrol.presence"] == 0.1], "sweep")
    result = subprocess.run([sys.executable, "-m", "peacesim", "report", str(folder)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    pngs = sorted((folder / "figures").glob("*.png"))
    assert len(pngs) == 2
    assert_self_contained((folder / "report.html").read_text(), pngs)


# ---------------------------------------------------------------------------- labels
def _metrics_file(folder: Path, entries: list[dict]) -> None:
    (folder / "metrics.json").write_text(json.dumps({"metrics": entries}))


SUPPORT = {"name": "armed_group_support", "label": "Backing for the groups",
           "unit": "% of members", "scale": 100.0, "kind": "share", "weight": "members",
           "description": "share of community members who support armed groups"}


def test_labels_units_and_scales_come_from_metrics_json(tmp_path):
    from peacesim.plots.labels import MetricLabel
    from peacesim.report import load_metrics

    assert load_metrics(tmp_path) == {}  # an old folder: no labels
    strength = {"name": "armed_group_strength", "label": "Fighters", "unit": "fighters",
                "scale": 1.0, "kind": "level", "weight": None, "description": "fighters"}
    _metrics_file(tmp_path, [SUPPORT, strength])
    labels = load_metrics(tmp_path)
    assert list(labels) == ["armed_group_support", "armed_group_strength"]
    assert labels["armed_group_support"] == MetricLabel(
        "Backing for the groups", "% of members", "share", 100.0,
        "share of community members who support armed groups", "members")
    _metrics_file(tmp_path, [{**strength, "kind": "stock"}])
    with pytest.raises(ValueError, match="metrics.json.*kind 'stock'") as err:
        load_metrics(tmp_path)
    assert "\n" not in str(err.value)
    (tmp_path / "metrics.json").write_text('{"metrics": [{"name": "x"}]}')
    with pytest.raises(ValueError, match="metrics.json: not a metrics file"):
        load_metrics(tmp_path)


def test_run_report_draws_with_the_folder_s_labels(tmp_path, monkeypatch):
    import peacesim.report.html
    from peacesim.report import load_run, run_figures, write_run_report

    folder = _copy(RUN, tmp_path, "run")
    _metrics_file(folder, [SUPPORT])
    t = load_run(folder)
    national = dict((name, draw) for name, _, draw in run_figures(t)[0])["national"]()
    titles = [ax.get_title(loc="left") for ax in national.axes]
    assert "Backing for the groups" in titles  # from metrics.json
    assert "trust_in_sdf" in titles  # not in this metrics.json: its column name
    ax = national.axes[titles.index("Backing for the groups")]
    support = t.national["armed_group_support"].to_numpy()
    assert ax.get_ylabel() == "% of members"
    assert np.allclose(ax.get_lines()[0].get_ydata(), support * 100)  # scaled
    plain = national.axes[titles.index("trust_in_sdf")]
    assert plain.get_ylabel() == ""  # no unit without a label
    monkeypatch.setattr(peacesim.report.html, "draw_figures",
                        lambda figs, folder: ([], []))  # speed
    (folder / "metrics.json").unlink()
    page = write_run_report(folder).read_text()
    assert "no metrics.json" in page and "<td>armed_group_support</td>" in page


def test_outcomes_name_the_simulated_regions_unless_all_of_mali(run_tables):
    from peacesim.report import run_figures, simulated_area

    assert simulated_area({"geography": {"regions": ["segou", "mopti"]}}) == "Mopti and Ségou"
    mali = ["kayes", "koulikoro", "sikasso", "segou", "mopti", "tombouctou", "gao", "kidal",
            "bamako"]
    assert simulated_area({"geography": {"regions": mali}}) == "national"
    assert simulated_area({"geography": {"regions": [*mali, "hauts_bassins"]}}) == \
        "Mali and Hauts-Bassins"
    assert simulated_area({}) == ""
    figs = {name: (caption, draw) for name, caption, draw in run_figures(run_tables)[0]}
    caption, draw = figs["national"]
    title = draw()._suptitle.get_text()
    assert "Hauts-Bassins and Sikasso: outcomes" in title and "national" not in title.lower()
    assert "national" not in caption.lower()
    whole = dataclasses.replace(run_tables, config={**run_tables.config,
                                                   "geography": {"regions": mali}})
    figs = {name: (caption, draw) for name, caption, draw in run_figures(whole)[0]}
    assert "border_sikasso: national outcomes" in figs["national"][1]() \
        ._suptitle.get_text()


def test_heat_map_colours_span_the_quantity_not_the_values(sweep_table):
    from peacesim.plots.sweep import heatmap
    from peacesim.report import load_metrics
    from peacesim.report.sweep import heat_caption

    labels = load_metrics(SWEEP / "0")
    args = (sweep_table, "dialogue.frequency", "patrol.presence")
    values = sweep_table["social_cohesion_mean"]
    assert values.max() - values.min() < 0.03  # a small effect (below the threshold) ...
    image = heatmap(*args, "social_cohesion_mean", labels=labels).axes[0].images[0]
    assert image.get_clim() == (0.0, 1.0)  # ... on the whole 0-1 scale
    image = heatmap(*args, "armed_group_support_final", labels=labels).axes[0].images[0]
    assert image.get_clim() == (0.0, 100.0)  # a share in per cent
    caption = heat_caption(*args, "social_cohesion_mean", [], labels)
    assert "whole scale, 0 to 1" in caption
    assert "smaller than the practical threshold of 0.03 points" in caption
    caption = heat_caption(*args, "armed_group_support_final", [], labels)
    assert "0 to 100" in caption and "threshold of 3 percentage points" in caption
    diff = sweep_table.assign(d=sweep_table["social_cohesion_mean"] - 0.5)
    image = heatmap(diff, "dialogue.frequency", "patrol.presence", "d",
                    labels={"d": labels["social_cohesion"]}, difference=True).axes[0].images[0]
    assert image.get_clim() == (-0.03, 0.03)  # +/- the threshold, centred on 0


def test_sweep_report_keeps_the_labels_and_fits_the_paired_table(sweep_report):
    folder, report = sweep_report
    assert (folder / "metrics.json").read_bytes() == (SWEEP / "0" / "metrics.json").read_bytes()
    page = report.read_text()
    section = page[page.index("<h2>Paired differences"):page.index("<h2>Outcomes by setting")]
    # one compact table per value of the other parameter, each in a box that scrolls sideways
    assert section.count("<h3>patrol.presence = ") == 2
    assert section.count("<div class=\"wide\"><table class=\"compact\">") == 2
    assert "dialogue.frequency=4, patrol.presence" not in section
    assert "percentage points" in section  # differences of shares
