"""The one-file HTML report: self-contained, the Architecture's numbers, and in a real browser
(headless Chromium): no console error, every inline SVG drawn with a size, nothing wider than
a 1280-px window, with the tree closed and opened as for printing.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from html import unescape
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from browser import dump_dom, find_chromium  # noqa: E402

from resnet_explain import explain, table1  # noqa: E402
from resnet_explain.report import inline_svg, report_html  # noqa: E402

CHROMIUM = find_chromium()
_CACHE: dict[str, str] = {}


def report_of(name: str) -> str:
    if name not in _CACHE:
        _CACHE[name] = report_html(explain(name))
    return _CACHE[name]


# --- self-contained ----------------------------------------------------------------------------
@pytest.mark.parametrize("model", ["resnet18", "resnet20"])
def test_report_fetches_nothing(model):
    page = report_of(model)
    assert page.startswith("<!DOCTYPE html>")
    for pattern in (r"<link\b", r"<img\b", r"\bsrc\s*=", r"@import", r"url\(\s*['\"]?http",
                    r"<iframe\b", r"<object\b", r"<embed\b", r'href="http'):
        assert not re.search(pattern, page, re.I), pattern
    assert "<?xml" not in page and "<!DOCTYPE svg" not in page  # SVG inlined without headers
    assert page.count("<svg") >= 6  # network + blocks + 4 plots
    assert page.count("<script>") == 1


def test_report_holds_the_architectures_numbers():
    arch = explain("resnet50")
    page = unescape(report_of("resnet50"))
    assert arch.depth_formula in page
    assert "Total params 25,557,032" in re.sub(r"<[^>]+>", "", page)
    # Table 1 for this model, the same cells as table1()
    conv2 = next(row for row in table1([arch]).rows if row.name == "conv2_x")
    cell = conv2.cells[0][-1].text
    assert "1×1, 64" in cell and cell.endswith("×3")
    assert table1([arch]).render("html").split("<caption")[0] in report_of("resnet50")
    # the receptive field at the end of each stage
    for stage in arch.stages:
        rf = arch.layers[stage.layers[-1]].receptive_field
        value = "the whole input" if rf.whole_input else f"{'×'.join(map(str, rf.size))} px"
        assert f"<td>{stage.name}</td>" in page and value in page
    assert "427×427 px" in page  # DESIGN.md: ResNet-50 v1.5 sees 427 pixels


def test_report_shows_warnings_with_their_lesson():
    # the seeds' own ResNet-50 (DESIGN.md: real implementations' mistakes)
    arch = explain("tests/fixtures/seed002_resnet50.py:resnet_50(224)")
    page = report_html(arch)
    assert arch.warnings
    for warning in arch.warnings:
        assert f'<div class="warn">⚠ {warning}' in unescape(page)


def test_report_of_a_signal_and_of_a_vector_model():
    import structures as S

    signal = unescape(report_html(explain(S.SignalResNet(1), (1, 16000))))
    assert "How many input samples one output position can see" in signal
    assert "51 samples" in signal  # the last stage's field, as tests/test_structures.py derives
    vectors = report_html(explain(S.TabularResNet(), (20,)))  # no stage or field plot to draw
    assert "every layer sees the whole input" in vectors
    assert vectors.count("<svg") >= 2 and "Map size and channels per stage" not in vectors


def test_inline_svg_strips_the_file_header():
    svg = b'<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "x" "y">\n<svg width="1"></svg>\n'
    assert inline_svg(svg) == '<svg width="1"></svg>'


def test_architecture_report_and_cli_write_the_same_page(tmp_path: Path):
    arch = explain("resnet18")
    written = arch.report(tmp_path / "a.html")
    assert written.read_text(encoding="utf-8") == report_of("resnet18")
    done = subprocess.run([sys.executable, "-m", "resnet_explain", "report", "resnet18", "-o",
                           str(tmp_path / "b.html")], cwd=ROOT, capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "b.html").read_text(encoding="utf-8") == report_of("resnet18")


# --- in the browser ----------------------------------------------------------------------------
_CHECK = r"""
<script>
window.__errors = [];
window.addEventListener('error', function (e) {
  window.__errors.push(String(e.message || (e.target && (e.target.src || e.target.href)) || e));
}, true);
(function () {
  const original = console.error;
  console.error = function () { window.__errors.push(Array.from(arguments).join(' '));
                                original.apply(console, arguments); };
})();
window.addEventListener('load', function () {
  function measure() {
    const svgs = Array.from(document.querySelectorAll('svg'));
    const empty = svgs.filter(function (s) { const r = s.getBoundingClientRect();
                                             return !(r.width > 0 && r.height > 0); }).length;
    const wide = Array.from(document.querySelectorAll('body *')).filter(function (el) {
      return el.getBoundingClientRect().right > 1280.5; }).map(function (el) {
      return el.tagName + '.' + el.className; }).slice(0, 5);
    return {svgs: svgs.length, empty: empty, scroll: document.documentElement.scrollWidth,
            wide: wide};
  }
  const closed = measure();
  document.querySelectorAll('details').forEach(function (d) { d.open = true; });
  const opened = measure();
  const out = document.createElement('pre');
  out.id = 'result';
  out.textContent = JSON.stringify({closed: closed, opened: opened, errors: window.__errors});
  document.body.appendChild(out);
});
</script>
"""


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium found (install Debian's chromium)")
@pytest.mark.parametrize("model", ["resnet50", "resnet20"])
def test_report_in_chromium(model):
    page = report_of(model).replace("<head>", "<head>" + _CHECK, 1)
    dom = dump_dom(page, CHROMIUM, window=(1280, 900))
    found = re.search(r'<pre id="result">(.*?)</pre>', dom, re.S)
    assert found, dom[-2000:]
    result = json.loads(unescape(found.group(1)))
    assert result["errors"] == []
    for state in ("closed", "opened"):
        measured = result[state]
        assert measured["svgs"] == report_of(model).count("<svg"), state
        assert measured["empty"] == 0, state
        assert measured["scroll"] <= 1280 and measured["wide"] == [], (state, measured)
