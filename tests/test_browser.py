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

from browser import dump_dom, find_chromium, host_page

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
