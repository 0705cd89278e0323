"""The Jupyter display in a real browser, under a notebook host's table CSS.

Headless Chromium loads the HTML inside a mock JupyterLab output area 1000 px wide that
carries the host rules that bite (``tests/fixtures/jupyter_host.css``: right-aligned cells,
centred fixed-layout tables, cells that do not wrap, borders removed with ``!important``). A
script in the page measures, with ``getComputedStyle`` and the layout, and writes the result
into the DOM, which ``chromium --dump-dom`` returns. Checked: the tree's cells and summaries
are left-aligned (numbers right-aligned), nothing is wider than the output area — with the
blocks closed as shown, and with every ``<details>`` opened — and the dashed mark of a
projection survives the host's ``border: none !important``.

Skipped, saying why, where no Chromium is installed; ``.ci/run`` installs Debian's.
"""

from __future__ import annotations

import html
import json
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

from browser import (
    dump_dom,
    find_chromium,
    host_areas,
    host_page,
    html_output,
    png_as_jupyterlab_shows_it,
    svg_as_jupyterlab_shows_it,
    svg_inline,
)

from resnet_explain import explain

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium found (install Debian's chromium, or set "
                             "RESNET_EXPLAIN_CHROMIUM); .ci/run installs it in CI")

WIDTH = 1000

# Runs in the page: measure with the blocks as shown, then with everything opened.
_MEASURE = r"""
(function () {
  const out = document.getElementById('output');
  const root = out.querySelector('.resnet-explain');
  function alignOf(el) { return getComputedStyle(el).textAlign; }
  // Shown: every <details> around it is open, or it sits in that <details>' own summary.
  function shownNow(el) {
    for (let node = el; node && node !== root; node = node.parentElement) {
      const details = node.parentElement;
      if (details && details.tagName === 'DETAILS' && !details.open && node.tagName !== 'SUMMARY')
        return false;
    }
    return true;
  }
  function measure() {
    const cells = Array.from(root.querySelectorAll('td, th'));
    const wrong = [];
    for (const cell of cells) {
      const want = (/text-align:(\w+)/.exec(cell.getAttribute('style') || '') || [])[1];
      const got = alignOf(cell);
      if (shownNow(cell) && want && got !== want) wrong.push(cell.textContent + ': ' + got);
    }
    const treeCells = Array.from(root.querySelectorAll('details tr > td:nth-child(2)'))
      .filter(shownNow);
    const summaries = Array.from(root.querySelectorAll('summary'))
      .filter(shownNow);
    const left = out.getBoundingClientRect().left;
    const tables = Array.from(root.querySelectorAll('table')).filter(shownNow);
    return {
      scrollWidth: out.scrollWidth, clientWidth: out.clientWidth,
      rootScrollWidth: root.scrollWidth, rootClientWidth: root.clientWidth,
      widestTable: Math.max(0, ...tables.map(t => t.getBoundingClientRect().width)),
      cells: cells.filter(shownNow).length,
      wrongAlign: wrong.slice(0, 10), wrongCount: wrong.length,
      treeCells: treeCells.length,
      treeCellsNotLeft: treeCells.filter(td => alignOf(td) !== 'left').length,
      summaries: summaries.length,
      summariesNotLeft: summaries.filter(s => alignOf(s) !== 'left').length,
      summaryIndentMax: Math.max(0, ...summaries.map(s => s.getBoundingClientRect().left - left)),
      // Text on the card's light background keeps the card's dark ink, whatever colour
      // the host gives tables (a dark theme's is light).
      cardInkDiffers: Array.from(root.querySelectorAll('td')).filter(td => {
        const card = td.closest('div[style*="background:#f6f8fb"]');
        return card && getComputedStyle(td).color !== getComputedStyle(card).color;
      }).length,
      dashed: Array.from(root.querySelectorAll('span'))
        .filter(s => shownNow(s) && getComputedStyle(s).borderLeftStyle === 'dashed').length,
    };
  }
  const shown = measure();
  root.querySelectorAll('details').forEach(d => { d.open = true; });
  const opened = measure();
  const pre = document.createElement('pre');
  pre.id = 'result';
  pre.textContent = JSON.stringify({shown: shown, opened: opened});
  document.body.appendChild(pre);
})();
"""


def measure(fragment: str) -> dict[str, dict[str, object]]:
    assert CHROMIUM is not None
    dom = dump_dom(host_page(fragment, width=WIDTH, script=_MEASURE), CHROMIUM,
                   window=(WIDTH + 100, 900))
    found = re.search(r'<pre id="result">(.*?)</pre>', dom, re.S)
    assert found, dom[-2000:]
    return json.loads(html.unescape(found.group(1)))


@pytest.fixture(scope="module")
def measured() -> dict[str, dict[str, dict[str, object]]]:
    results = {}
    for model in ("resnet34", "resnet152"):
        arch = explain(model)
        results[model] = measure(arch._repr_html_())
        results[model + ":block"] = measure(arch.blocks[4]._repr_html_())
    return results


@pytest.mark.parametrize("model", ["resnet34", "resnet152"])
@pytest.mark.parametrize("state", ["shown", "opened"])
def test_no_horizontal_overflow_at_1000px(measured, model: str, state: str) -> None:
    for key in (model, model + ":block"):
        result = measured[key][state]
        assert result["scrollWidth"] <= result["clientWidth"], (key, result)
        assert result["rootScrollWidth"] <= result["rootClientWidth"], (key, result)
        assert result["widestTable"] <= WIDTH, (key, result)


@pytest.mark.parametrize("model", ["resnet34", "resnet152"])
def test_tree_is_left_aligned_under_the_hosts_css(measured, model: str) -> None:
    shown, opened = measured[model]["shown"], measured[model]["opened"]
    assert shown["summaries"] >= 10 and shown["treeCells"] >= 3  # stem, maxpool, head rows
    assert opened["treeCells"] > shown["treeCells"] >= 3
    for result in (shown, opened):
        assert result["treeCellsNotLeft"] == 0, result
        assert result["summariesNotLeft"] == 0, result
        assert result["wrongCount"] == 0, result["wrongAlign"]  # numbers stay right-aligned
        assert result["summaryIndentMax"] < 60, result  # at the left, not centred
        assert result["cardInkDiffers"] == 0, result


def test_projection_mark_survives_border_none_important(measured) -> None:
    shown, opened = measured["resnet34"]["shown"], measured["resnet34"]["opened"]
    assert shown["dashed"] == 3  # the three projection blocks' summaries
    assert opened["dashed"] == 3 + 6  # + their conv and BN shortcut rows


# The table view (``arch.table("html")``, ``summary --format html``) under the same host CSS.
_MEASURE_TABLE = r"""
(function () {
  const out = document.getElementById('output');
  const table = out.querySelector('.resnet-explain table');
  const align = el => getComputedStyle(el).textAlign;
  const body = Array.from(table.querySelectorAll('tbody tr'))
    .filter(tr => !tr.cells[0].hasAttribute('colspan'));  // not a stage or block header
  const first = body.map(tr => tr.cells[0]);
  const numeric = Array.from(table.querySelectorAll('td.num, th.num'));
  const text = Array.from(table.querySelectorAll('td:not(.num), th:not(.num)'));
  const pre = document.createElement('pre');
  pre.id = 'result';
  pre.textContent = JSON.stringify({
    scrollWidth: out.scrollWidth, clientWidth: out.clientWidth,
    tableWidth: table.getBoundingClientRect().width,
    tableLeft: table.getBoundingClientRect().left - out.getBoundingClientRect().left,
    rows: body.length, numeric: numeric.length,
    firstNotLeft: first.filter(td => align(td) !== 'left').length,
    numericNotRight: numeric.filter(td => align(td) !== 'right').length,
    textNotLeft: text.filter(td => align(td) !== 'left').length,
  });
  document.body.appendChild(pre);
})();
"""


@pytest.mark.parametrize(("model", "depth", "rows"), [
    ("resnet34", "layer", 125), ("resnet152", "layer", 515),
    ("resnet152", "block", 2 + (3 + 8 + 36 + 3) + 1),  # stem, its max-pool (conv2_x), blocks, head
    ("resnet152", "stage", 6),
])
def test_the_html_table_fits_and_is_aligned_under_the_hosts_css(model, depth, rows) -> None:
    assert CHROMIUM is not None
    fragment = explain(model).table("html", depth=depth)
    dom = dump_dom(host_page(fragment, width=WIDTH, script=_MEASURE_TABLE), CHROMIUM,
                   window=(WIDTH + 100, 900))
    found = re.search(r'<pre id="result">(.*?)</pre>', dom, re.S)
    assert found, dom[-2000:]
    result = json.loads(html.unescape(found.group(1)))
    assert result["rows"] == rows and result["numeric"] > rows, result
    assert result["scrollWidth"] <= result["clientWidth"], result  # it was 1202 px
    assert result["tableWidth"] <= WIDTH and result["tableLeft"] < 20, result  # not centred
    assert result["firstNotLeft"] == 0 and result["textNotLeft"] == 0, result
    assert result["numericNotRight"] == 0, result


# --- real widths: 848 and 640 px, light and dark, at 100 % and 150 % font (issue 21) --------
# Each output shown in a notebook — the card with its tree opened, Table 1, the comparison
# HTML, a comparison diagram and a slide-fit diagram (as JupyterLab shows an SVG, inline as
# VS Code does, and as the PNG an untrusted notebook falls back to) — in its own output area.
# The script in the page measures, in each area:
#   * overflow: the area's scroll width, and every element's right edge against the area's
#     content box (an <img> included);
#   * split tokens: every whitespace-separated word of every text node, as a Range; a word
#     whose client rects lie on more than one line was broken inside (``64×112×11|2``);
#   * contrast: every text's computed colour, times the opacity of it and its ancestors,
#     over the background it is painted on (every ancestor's background composited from
#     the page down), by WCAG's formula; the lowest ratio and where it was found;
#   * images: each <img>'s shown width and natural width, and whether it loaded.
_MEASURE_AREAS = r"""
(function () {
  function rgba(text) {
    const m = /rgba?\(([^)]+)\)/.exec(text || '');
    if (!m) return [0, 0, 0, 0];
    const v = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
    return [v[0], v[1], v[2], v.length > 3 ? v[3] : 1];
  }
  function over(top, bottom) {  // top (with alpha) painted over an opaque bottom
    const a = top[3];
    return [0, 1, 2].map(i => top[i] * a + bottom[i] * (1 - a)).concat([1]);
  }
  function luminance(c) {
    const l = c.slice(0, 3).map(v => { v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2];
  }
  function contrast(a, b) {
    const x = luminance(a), y = luminance(b);
    return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
  }
  function backdrop(el) {  // the opaque colour under el's text
    const chain = [];
    for (let n = el; n; n = n.parentElement) chain.unshift(n);
    let colour = [255, 255, 255, 1];
    for (const n of chain) colour = over(rgba(getComputedStyle(n).backgroundColor), colour);
    return colour;
  }
  function opacity(el) {
    let o = 1;
    for (let n = el; n; n = n.parentElement) o *= Number(getComputedStyle(n).opacity);
    return o;
  }
  const results = {};
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  for (const area of document.querySelectorAll('.jp-OutputArea-output')) {
    const box = area.getBoundingClientRect();
    const style = getComputedStyle(area);
    const right = box.right - parseFloat(style.paddingRight) - parseFloat(style.borderRightWidth);
    const wider = [], scrolled = [];
    for (const el of area.querySelectorAll('*')) {
      if (el.closest('svg') && el.tagName !== 'svg') continue;  // the svg's box counts
      const scroller = el.parentElement && el.parentElement.closest('[style*="overflow-x:auto"]');
      if (scroller && area.contains(scroller)) { scrolled.push(el.tagName); continue; }
      const r = el.getBoundingClientRect();
      if (r.width && r.right > right + 0.5)
        wider.push(el.tagName + ' ' + (el.textContent || '').slice(0, 40) + ' ' +
                   Math.round(r.right - box.left));
    }
    const splits = [], low = [];
    let lowest = 99;
    const walker = document.createTreeWalker(area, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const el = node.parentElement;
      if (el.closest('svg, style, script')) continue;
      const text = node.textContent;
      if (!text.trim()) continue;
      const words = /\S+/g;
      for (let m = words.exec(text); m; m = words.exec(text)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const tops = new Set(Array.from(range.getClientRects())
          .filter(r => r.width > 0).map(r => Math.round(r.bottom)));
        if (tops.size > 1) splits.push(m[0]);
      }
      const computed = getComputedStyle(el);
      const ink = rgba(computed.color);
      ink[3] *= opacity(el);
      const ground = backdrop(el);
      const ratio = contrast(over(ink, ground), ground);
      if (ratio < lowest) lowest = ratio;
      if (ratio < 4.5) low.push(text.trim().slice(0, 30) + ' ' + ratio.toFixed(2) +
                                ' ' + computed.color + ' on ' + ground.slice(0, 3).join(','));
    }
    const images = Array.from(area.querySelectorAll('img, svg')).map(img => ({
      tag: img.tagName, shown: img.getBoundingClientRect().width,
      natural: img.naturalWidth || 0,
      loaded: img.tagName !== 'IMG' || img.complete && img.naturalWidth > 0,
    }));
    results[area.id] = {scrollWidth: area.scrollWidth, clientWidth: area.clientWidth,
                        contentWidth: right - box.left, wider: wider.slice(0, 8),
                        widerCount: wider.length, scrolls: scrolled.length,
                        splits: splits.slice(0, 12),
                        splitCount: splits.length, lowContrast: low.slice(0, 8),
                        lowest: lowest, images: images};
  }
  const pre = document.createElement('pre');
  pre.id = 'result';
  pre.textContent = JSON.stringify(results);
  document.body.appendChild(pre);
})();
"""

AREAS = (848, 640)
THEMES = ("light", "dark")
FONTS = (1.0, 1.5)
HTML_OUTPUTS = ("card_and_tree", "block", "table1", "compare_html")
DIAGRAMS = ("compare_diagram", "slide_diagram")


def _diagram_outputs(name: str, diagram) -> dict[str, str]:
    data, metadata = diagram._repr_mimebundle_()
    width = metadata.get("image/png", {}).get("width")
    return {f"{name}_lab": svg_as_jupyterlab_shows_it(data["image/svg+xml"]),
            f"{name}_inline": svg_inline(data["image/svg+xml"]),
            f"{name}_png": png_as_jupyterlab_shows_it(data["image/png"], width)}


@pytest.fixture(scope="module")
def outputs() -> dict[str, str]:
    from resnet_explain.compare import compare
    from resnet_explain.paper import table1

    r50, v1 = explain("resnet50"), explain("resnet50-v1")
    arch = explain("resnet34")
    found = {
        "card_and_tree": html_output(arch._repr_html_()),
        "block": html_output(r50.block("conv3_1")._repr_html_()),
        "table1": html_output(table1()._repr_html_()),
        "compare_html": html_output(compare(v1, "resnet50")._repr_html_()),
    }
    found.update(_diagram_outputs("compare_diagram", r50.diagram(block="conv3_1", compare=v1)))
    found.update(_diagram_outputs("slide_diagram", r50.diagram(level="block", columns=True,
                                                               fit="slide")))
    return found


def measure_areas(outputs: dict[str, str], width: int, dark: bool,
                  font_scale: float) -> dict[str, dict[str, object]]:
    assert CHROMIUM is not None
    page = host_areas(outputs, width, dark=dark, font_scale=font_scale, script=_MEASURE_AREAS)
    dom = dump_dom(page, CHROMIUM, window=(width + 100, 900))
    found = re.search(r'<pre id="result">(.*?)</pre>', dom, re.S)
    assert found, dom[-2000:]
    return json.loads(html.unescape(found.group(1)))


@pytest.fixture(scope="module")
def at_widths(outputs) -> dict[tuple[int, str, float], dict[str, dict[str, object]]]:
    return {(width, theme, font): measure_areas(outputs, width, theme == "dark", font)
            for width in AREAS for theme in THEMES for font in FONTS}


CASES = [(w, t, f) for w in AREAS for t in THEMES for f in FONTS]


@pytest.mark.parametrize(("width", "theme", "font"), CASES)
def test_nothing_is_wider_than_the_output_area(at_widths, outputs, width, theme, font) -> None:
    measured = at_widths[(width, theme, font)]
    assert set(measured) == set(outputs)
    for name, result in measured.items():
        assert result["scrollWidth"] <= result["clientWidth"], (name, result)
        assert result["widerCount"] == 0, (name, result["wider"])


@pytest.mark.parametrize(("width", "theme", "font"), CASES)
def test_no_number_shape_or_name_is_split_across_lines(at_widths, width, theme, font) -> None:
    for name, result in at_widths[(width, theme, font)].items():
        assert result["splitCount"] == 0, (name, result["splits"])


@pytest.mark.parametrize(("width", "theme", "font"), CASES)
def test_every_text_is_readable_in_both_themes(at_widths, width, theme, font) -> None:
    for name in HTML_OUTPUTS:
        result = at_widths[(width, theme, font)][name]
        assert result["lowContrast"] == [] and result["lowest"] >= 4.5, (name, result)


@pytest.mark.parametrize("width", AREAS)
def test_diagrams_scale_to_the_area_and_stay_legible(at_widths, width) -> None:
    measured = at_widths[(width, "light", 1.0)]
    for name in DIAGRAMS:
        for way in ("lab", "inline", "png"):
            (image,) = measured[f"{name}_{way}"]["images"]
            assert image["loaded"], (name, way, image)
            # As wide as the area allows (the drawings are wider than 848 px), never wider:
            # not clipped, not shrunk to a thumbnail.
            content = measured[f"{name}_{way}"]["contentWidth"]
            assert content * 0.95 <= image["shown"] <= content + 0.5, (name, way, image)
