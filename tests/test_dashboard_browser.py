"""The dashboard in a real browser: the server on 127.0.0.1, headless Chromium (Playwright).

Starts ``python -m peacesim dashboard`` on a free port, loads the page in Debian's
``/usr/bin/chromium``, moves a slider, types a value out of range, presses Play, and checks
that the week counter and the map change; saves a screenshot. Every request the page makes
goes to 127.0.0.1 (anything else is aborted and fails the test). The server is stopped at the
end whatever happens. ``.ci/run`` installs Chromium when it is missing.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest

pytest.importorskip("solara")
playwright = pytest.importorskip("playwright.sync_api")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HOST = "127.0.0.1"  # the only host the page may ask (peacesim.dashboard.local.HOST)


@pytest.fixture
def server(tmp_path):
    """The dashboard server of a small central Mali run: its address; stopped afterwards."""
    from peacesim.dashboard.local import ServerError, local_server

    log_path = tmp_path / "server.log"
    with open(log_path, "w") as log:
        try:
            with local_server(["+scenario=central_mali", "population.size=5000",
                               "--out", str(tmp_path / "runs")], log) as url:
                yield url
        except ServerError as e:
            pytest.fail(f"{e}: {log_path.read_text()}")


def week(page) -> int:
    """The week number the page shows."""
    return int(re.match(r"Week (\d+)", page.locator(".peacesim-week").inner_text()).group(1))


@pytest.mark.slow
def test_page_in_chromium(server, tmp_path):
    """Load, move a slider, type a bad value, Play: counter and map change; screenshot."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/run installs it with apt")
        pytest.skip("chromium is not installed (apt-get install chromium chromium-driver)")
    outside: list[str] = []

    def local_only(route):
        if urlparse(route.request.url).hostname == HOST:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            page.route("**/*", local_only)
            page.goto(server)
            maps = page.locator("img.peacesim-map")
            maps.first.wait_for(timeout=60_000)
            assert week(page) == 0
            first_src = maps.first.get_attribute("src")
            first_pixels = maps.first.screenshot()

            # move the patrol presence slider: both runs restart with the new value
            lever = page.locator(".peacesim-lever").first
            typed = lever.locator("input[type=text]").last
            assert typed.input_value() == "0.25"
            slider = lever.locator(".v-slider")
            box = slider.bounding_box()
            page.mouse.click(box["x"] + 0.8 * box["width"], box["y"] + box["height"] / 2)
            page.wait_for_function(
                "el => el.value !== '0.25'", arg=typed.element_handle(), timeout=10_000)
            moved = float(typed.input_value())
            assert 0.6 < moved <= 1.0

            # a value typed out of range: a message, the server keeps running
            typed.fill("1.5")
            typed.press("Enter")
            alert = page.locator(".v-alert")
            alert.wait_for(timeout=10_000)
            assert "out of range" in alert.inner_text()

            page.get_by_role("button", name="Play").click()
            page.wait_for_function(
                "() => parseInt(document.querySelector('.peacesim-week').innerText.slice(5)) >= 8",
                timeout=60_000)
            page.get_by_role("button", name="Pause").click()
            assert week(page) >= 8
            assert maps.first.get_attribute("src") != first_src
            assert maps.first.screenshot() != first_pixels
            shot = tmp_path / "dashboard.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
        finally:
            browser.close()
    assert not outside, f"the page asked for addresses outside {HOST}: {outside[:3]}"
    assert Path(shot).is_file()
