"""The HTML report in a real browser: headless Chromium (Debian's `chromium`, which .ci/run
installs) opens the page as a phone would, a probe injected into a copy of it reports page
errors and the size of each chart, and the page prints to a PDF. Skips, saying why, where
Chromium is absent."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from content import load_content
from services.report import organisation_report
from services.report_output import to_html
from storage.db import session_scope
from tests.report_seed import FIRST, LAST, NOW, seed

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PROBE = """<script>
window.__errors = [];
window.addEventListener("error", function (e) {
  var what = e.message || (e.target && (e.target.src || e.target.href));
  window.__errors.push(String(what || "error"));
}, true);
window.addEventListener("unhandledrejection", function () { window.__errors.push("rejection"); });
window.addEventListener("load", function () {
  var charts = [];
  document.querySelectorAll("figure[data-chart]").forEach(function (f) {
    var svg = f.querySelector("svg");
    var box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
    charts.push({name: f.dataset.chart, width: box.width, height: box.height,
                 shapes: svg ? svg.querySelectorAll("path").length : 0});
  });
  var out = document.createElement("pre");
  out.id = "probe";
  out.textContent = JSON.stringify({errors: window.__errors, charts: charts,
    page_width: document.documentElement.scrollWidth, viewport: window.innerWidth,
    tables: document.querySelectorAll("table").length});
  document.body.appendChild(out);
});
</script>"""


def chromium() -> str:
    found = os.environ.get("DUWTJE_CHROMIUM") or shutil.which("chromium")
    found = found or shutil.which("chromium-browser")
    if not found:
        why = "Chromium is not installed (apt-get install chromium; .ci/run does)"
        if os.environ.get("DUWTJE_REQUIRE_CHROMIUM"):
            pytest.fail(why)  # CI installed it: a skip there would hide a missing check
        pytest.skip(why)
    return found


@pytest.fixture
def page(sqlite_engine: Engine, tmp_path: Path) -> Path:
    content = load_content()
    with session_scope(sqlite_engine) as session:
        seed(session, content)
        report = organisation_report(
            session, content, organisation_key="noord", first=FIRST, last=LAST, per=None, now=NOW
        )
    path = tmp_path / "report.html"
    path.write_text(to_html(report), encoding="utf-8")
    return path


def probe(page: Path, *, extra: str = "", width: int = 390) -> dict[str, Any]:
    """Open a copy of the page with the probe (and `extra`) at the top; what it found."""
    text = page.read_text(encoding="utf-8")
    copy = page.with_name("probed.html")
    copy.write_text(text.replace("<head>", f"<head>{PROBE}{extra}", 1), encoding="utf-8")
    done = subprocess.run(
        [
            chromium(),
            *FLAGS,
            f"--window-size={width},900",
            "--virtual-time-budget=5000",
            "--dump-dom",
            copy.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "HOME": str(page.parent)},  # its profile stays in the test folder
    )
    assert done.returncode == 0, done.stderr[-2000:]
    found = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, re.S)
    assert found, done.stdout[-2000:]
    result: dict[str, Any] = json.loads(html.unescape(found.group(1)))
    return result


def test_the_page_shows_three_charts_without_errors_on_a_phone(page: Path) -> None:
    seen = probe(page)
    assert seen["errors"] == []
    assert [c["name"] for c in seen["charts"]] == ["active", "steps", "nudges"]
    for chart in seen["charts"]:
        assert chart["width"] > 300 and chart["height"] > 100, chart  # drawn, not collapsed
        assert chart["shapes"] > 10, chart  # bars, axes, text
    assert seen["tables"] > 8
    # Wide tables scroll in their own box: the page itself fits the phone's width.
    assert seen["page_width"] <= seen["viewport"] + 1, seen


def test_the_probe_sees_a_broken_page(page: Path) -> None:
    """The check can fail: a script error and a missing picture are reported."""
    seen = probe(page, extra='<script>notAFunction();</script><img src="missing.png">')
    assert any("notAFunction" in error for error in seen["errors"]), seen["errors"]
    assert any("missing.png" in error for error in seen["errors"]), seen["errors"]


def test_the_page_is_self_contained_and_prints(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert not re.search(r'(src|href)="(https?:)?//', text)  # nothing fetched from elsewhere
    assert "url(http" not in text and "@import" not in text
    pdf = page.with_name("report.pdf")
    done = subprocess.run(
        [chromium(), *FLAGS, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri()],
        capture_output=True,
        timeout=120,
        check=False,
        env={**os.environ, "HOME": str(page.parent)},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 20_000
    assert data.count(b"/Type /Page") - data.count(b"/Type /Pages") >= 3  # several pages
