"""The four commands from the command line: outputs in their folder, one-line refusals."""

from __future__ import annotations

import pandas as pd

from peacesim.cli import main

SMALL = ["population.size=2000", "steps=52"]


def test_ensemble_command_writes_rows_figures_and_report(tmp_path, capsys):
    design = tmp_path / "design.csv"
    pd.DataFrame({"patrol.presence": [0.1, 0.3]}).to_csv(design, index=False)
    out = tmp_path / "ens"
    assert main(["ensemble", "+scenario=baseline", *SMALL, "--design", str(design),
                 "--seeds", "2", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    # the progress bar on stderr, with its rate and the time left ("elapsed<left")
    assert "ensemble baseline" in captured.err and "100%" in captured.err
    assert "run/s" in captured.err or "s/run" in captured.err
    assert "<00:00" in captured.err
    rows = pd.read_parquet(out / "rows.parquet")
    assert rows[["patrol.presence", "seed"]].values.tolist() == [[0.1, 0], [0.1, 1],
                                                                 [0.3, 0], [0.3, 1]]
    assert (out / "report.html").is_file() and (out / "figures" / "outcomes.png").is_file()
    # running again into the same folder skips every finished row
    assert main(["ensemble", *SMALL, "--design", str(design), "--seeds", "2", "--out",
                 str(out), "--no-progress"]) == 0
    pd.testing.assert_frame_equal(rows, pd.read_parquet(out / "rows.parquet"))


def test_sensitivity_and_compare_commands(tmp_path, capsys):
    out = tmp_path / "si"
    assert main(["sensitivity", *SMALL, "--param", "patrol.presence=0.1:0.5",
                 "--outcomes", "harm_by_forces_mean", "--trajectories", "2",
                 "--replicates", "1", "--out", str(out), "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "mu_star" in printed and "dummy" in printed
    assert (out / "indices.parquet").is_file()
    out = tmp_path / "cmp"
    assert main(["compare", "+scenario=central_mali", *SMALL, "--seeds", "2", "--outcomes",
                 "dialogue_sessions_mean", "--out", str(out), "--no-progress"]) == 0
    assert "dialogue raised" in capsys.readouterr().out
    assert (out / "effects.parquet").is_file()


def test_bad_input_gets_one_line_exit_2_and_nothing_written(tmp_path, capsys):
    out = tmp_path / "never"
    cases = [
        ["sensitivity", *SMALL, "--param", "patrol.presence=0.1:1.5", "--out", str(out)],
        ["sensitivity", *SMALL, "--param", "patrol.nothing", "--out", str(out)],
        ["ensemble", *SMALL, "--seeds", "two", "--out", str(out)],
        ["ensemble", *SMALL, "--frobnicate", "--out", str(out)],
        ["compare", "+scenario=baseline", *SMALL, "--out", str(out)],
        ["calibrate", *SMALL, "--targets", str(tmp_path / "none.csv"), "--param",
         "patrol.presence=0.1:0.5", "--out", str(out)],
        ["ensemble", *SMALL, "patrol.presence=7", "--out", str(out)],
    ]
    for argv in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err.strip()
        assert err.startswith("peacesim: error: ") and "\n" not in err, (argv, err)
        assert "Traceback" not in err
    assert not out.exists()
