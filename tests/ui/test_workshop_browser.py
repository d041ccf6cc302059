"""A real browser on the participant page: Debian's chromium driven by Selenium, on loopback.

The page is opened from the app's own server at phone size (390 × 844 CSS px); a note, an
estimate (a mistyped one first: its error shows inline) and a dot are sent from it; they
appear in the facilitator's inbox; accepted, they are on the map, and the page shows the
new picture and "taken up". Screenshots of the phone page go to tests/artifacts/.

Selenium Manager never downloads anything: the system chromedriver is given as the
Service path, chromium as the binary, and SE_OFFLINE is set. ``.ci/run`` installs
``chromium`` and ``chromium-driver`` when they are missing.
"""

from __future__ import annotations

import base64
import os
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from vsm_app.domain.model import KaizenBurst
from vsm_app.ui import commands as cmd
from vsm_app.workshop import net

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage")
PHONE = {"width": 390, "height": 844, "pixelRatio": 2}


@pytest.fixture
def browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        message = "needs Debian's chromium and chromium-driver (.ci/run installs them)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    monkeypatch.setenv("SE_OFFLINE", "true")  # Selenium Manager: never download
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        opts.add_argument(flag)
    opts.add_argument(f"--user-data-dir={tmp_path / 'profile'}")
    opts.add_experimental_option("mobileEmulation", {"deviceMetrics": PHONE})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=opts)
    driver.set_page_load_timeout(20)
    try:
        yield driver
    finally:
        driver.quit()


def shot(driver: Any, path: Path) -> None:
    """A full-page screenshot at the phone's width (device pixels)."""
    png = driver.execute_cdp_cmd("Page.captureScreenshot", {"captureBeyondViewport": False})
    path.write_bytes(base64.b64decode(png["data"]))


def test_a_participant_contributes_from_a_phone_page(window: Any, qtbot: Any, browser: Any,
                                                     artifacts_dir: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    monkeypatch.setattr(net, "lan_address", lambda: None)
    m = window.current_map()
    review = m.stage_by_name("Review")
    idea = KaizenBurst("Review within 4 h", review.id, x=review.x + 85, y=review.y - 90)
    window.undo_stack.push(cmd.AddElementCommand(m, idea))
    ui = window.workshop_host
    ui.host.start("127.0.0.1")
    url = ui.host.url
    assert url.startswith("http://127.0.0.1:")
    d = browser
    wait = WebDriverWait(d, 10)

    def css(sel: str) -> Any:
        return d.find_element(By.CSS_SELECTOR, sel)

    def tab(name: str) -> None:
        css(f'nav button[data-tab="{name}"]').click()

    def text(sel: str) -> str | None:
        """The text of a part the page may redraw at any moment (read in one go)."""
        return d.execute_script(
            "const e = document.querySelector(arguments[0]); return e ? e.textContent : null",
            sel)

    def click(sel: str) -> None:
        def done(_: Any) -> bool:
            try:
                css(sel).click()
            except StaleElementReferenceException:
                return False  # redrawn between finding and clicking: find it again
            return True
        wait.until(done)

    d.get(url)
    assert d.execute_script("return window.innerWidth") == 390
    css("#name").send_keys("Ana")
    css("#join-form button[type=submit]").click()
    wait.until(lambda _: css("#tabs").is_displayed())
    wait.until(lambda _: d.execute_script(
        "const i = document.getElementById('map'); return i.complete && i.naturalWidth > 0"))
    wait.until(lambda _: css("#live").text == "live")
    assert css("#title").text == "Workshop · Current state"
    shot(d, artifacts_dir / "workshop_page_map.png")

    # a note for Review
    tab("note")
    Select(css("#note-stage")).select_by_visible_text("Review")
    css("#note-text").send_keys("QA is one person <b>today</b>")
    css("#tab-note button[type=submit]").click()
    wait.until(lambda _: "Sent" in css("#tab-note .msg").text)

    # an estimate: a mistyped wait is refused inline by the app's duration parser
    tab("estimate")
    Select(css("#est-stage")).select_by_visible_text("Review")
    css("#est-wait").send_keys("two days")
    css("#est-pca").send_keys("80%")
    css("#tab-estimate button[type=submit]").click()
    wait.until(lambda _: css('#tab-estimate [data-err="wait"]').text != "")
    assert "expected a duration" in css('#tab-estimate [data-err="wait"]').text
    assert css("#est-wait").get_attribute("aria-invalid") == "true"
    shot(d, artifacts_dir / "workshop_page_estimate_error.png")
    css("#est-wait").clear()
    css("#est-wait").send_keys("2d")
    css("#tab-estimate button[type=submit]").click()
    wait.until(lambda _: "Sent" in css("#tab-estimate .msg").text)
    assert css('#tab-estimate [data-err="wait"]').text == ""

    # a dot on the idea
    tab("vote")
    wait.until(lambda _: text("#ideas .idea .text") == "Review within 4 h")
    click("#ideas .idea button")
    wait.until(lambda _: (text("#votes-left") or "").startswith("2 of 3 dots left"))
    shot(d, artifacts_dir / "workshop_page_vote.png")

    # the facilitator's inbox has all three, under Review, with Ana's name
    dock = ui.inbox

    def texts() -> list[tuple[str, str]]:
        dock.refresh()
        return [(it.text(0), it.text(1)) for it in dock.rows()]

    qtbot.waitUntil(lambda: len(texts()) >= 5, timeout=5000)
    rows = texts()
    assert rows[0][0] == "Review  (1 note, 1 estimate, 1 dot)"
    assert ("Median of 1 estimate", "Ana") in rows and ("= wait 2d", "") in rows
    assert ("= %C&A 80 %", "") in rows
    assert ("● 1 dot on “Review within 4 h”", "Ana") in rows
    assert ("Note: QA is one person <b>today</b>", "Ana") in rows

    # accepted, they are on the map
    shown = ui.host.session.view.version
    assert dock.select(lambda it: it.text(0).startswith("Review  (")) == 1
    assert dock.accept_selected() == 3
    est = m.stage(review.id).estimates
    assert (est.wait_time_s, est.pca) == (2 * 86_400.0, 0.8)
    assert m.kaizens[idea.id].votes == 1
    assert [n.text for n in m.notes.values()] == ["QA is one person <b>today</b>"]
    # ... and on the picture the page shows (re-published by the app, escaped)
    qtbot.waitUntil(lambda: ui.host.session.view.version > shown, timeout=5000)
    src = ""

    def new_picture() -> bool:
        nonlocal src
        src = d.execute_script("return document.getElementById('map').currentSrc")
        return src.endswith(f"v={ui.host.session.view.version}") and d.execute_script(
            "const i = document.getElementById('map'); return i.complete && i.naturalWidth > 0")

    qtbot.waitUntil(new_picture, timeout=10_000)
    with urllib.request.urlopen(src, timeout=10) as r:
        svg = r.read().decode()
    assert "&lt;b&gt;today" in svg and "<b>" not in svg  # the note, escaped
    assert ">2d<" in svg and ">80 %<" in svg  # the accepted wait and %C&A on Review
    tab("mine")
    wait.until(lambda _: d.execute_script(
        "return [...document.querySelectorAll('#mine .badge')].map(b => b.textContent)")
        == ["taken up"] * 3)
    shot(d, artifacts_dir / "workshop_page_mine.png")
    tab("pulse")
    shot(d, artifacts_dir / "workshop_page_pulse.png")

    # stop hosting: the page says the session ended
    ui.host.stop()
    wait.until(lambda _: css("#ended").is_displayed())
    assert css("#live").text == "ended"
