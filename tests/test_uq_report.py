"""The uncertainty figures stay legible when a screen has many factors."""

from __future__ import annotations

import numpy as np
import pandas as pd

from peacesim.uq import report


def _screen(factors: int, floor: float) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    mu = rng.uniform(0, 1, factors)
    rows = pd.DataFrame({"parameter": [f"p{i}" for i in range(factors)], "outcome": "y",
                         "mu_star": mu, "mu_star_conf": 0.01, "sigma": mu / 2})
    dummy = pd.DataFrame([{"parameter": "dummy", "outcome": "y", "mu_star": floor,
                           "mu_star_conf": 0.01, "sigma": 0.1}])
    return pd.concat([rows, dummy], ignore_index=True)


def _drawn_text(monkeypatch, indices, tmp_path, **kw) -> tuple[list[str], str]:
    seen = {}

    def keep(fig, path):
        ax = fig.axes[0]
        seen["labels"] = [t.get_text() for t in ax.texts if t.get_text() in
                          set(indices["parameter"])]
        seen["corner"] = "\n".join(t.get_text() for t in ax.texts
                                   if t.get_text() not in set(indices["parameter"]))
        return path

    monkeypatch.setattr(report, "_save", keep)
    report.morris_figure(indices, "y", tmp_path / "m.png", **kw)
    return seen["labels"], seen["corner"]


def test_morris_figure_names_only_the_largest_factors_and_counts_the_rest(monkeypatch, tmp_path):
    indices = _screen(160, floor=0.5)
    labels, corner = _drawn_text(monkeypatch, indices, tmp_path)
    above = indices[(indices.parameter != "dummy") & (indices.mu_star > 0.5)]
    top = set(above.nlargest(12, "mu_star")["parameter"])
    assert set(labels) == top | {"dummy"}
    assert f"{len(above) - 12} more above the floor, not named" in corner
    quiet = (indices.parameter != "dummy") & (indices.mu_star <= 0.5)
    assert f"... and {int(quiet.sum()) - 8} more" in corner
    assert len(corner.splitlines()) == 1 + 1 + 8 + 1  # count, heading, 8 names, "... more"


def test_morris_figure_with_few_factors_names_every_one(monkeypatch, tmp_path):
    indices = _screen(5, floor=0.0)
    labels, corner = _drawn_text(monkeypatch, indices, tmp_path)
    assert set(labels) == set(indices["parameter"])
    assert corner == ""


def test_morris_figure_writes_a_png(tmp_path):
    path = report.morris_figure(_screen(40, floor=0.3), "y", tmp_path / "m.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
