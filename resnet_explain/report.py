"""A one-file HTML report of a traced model: ``arch.report("report.html")`` or
``resnet-explain report SPEC -o report.html``.

One self-contained page a teacher can e-mail or put online: every picture is inline SVG, the
style sheet is inline, the one inline script only opens the collapsed tree before printing.
No font, image, script or style sheet is fetched from anywhere. Sections:

1. the summary card and the stage → block → layer tree (the Jupyter display,
   :mod:`resnet_explain.render.notebook`), with the output-size formula of every conv and pool;
2. the depth formula explained, term by term;
3. the paper's Table 1 for this model (:mod:`resnet_explain.paper`);
4. the network diagram and one diagram per kind of block (Graphviz, drawn by graphviz-pure),
   when a renderer is available (otherwise the section says so);
5. the plots (matplotlib, the ``plot`` extra), when it is installed (otherwise it says so);
6. the receptive field and jump at the end of every stage;
7. the warnings, each with what it means.

Readable printed on A4: a print style sheet sets the page, keeps figures whole and opens
every ``<details>``. Nothing here computes a model quantity; every number comes from the
Architecture and the views that already show it.
"""

from __future__ import annotations

import re
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from .files import write_atomically
from .i18n import N_, _, is_chinese, translated
from .notation import dims
from .words import shortcut_kind, units

if TYPE_CHECKING:  # pragma: no cover
    from .architecture import Architecture

CSS = """\
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #1b1f24;
  max-width: 1100px; margin: 0 auto; padding: 16px 24px; line-height: 1.45; }
h1 { font-size: 26px; margin: 0.2em 0; } h2 { font-size: 20px; margin: 1.4em 0 0.4em;
  border-bottom: 2px solid #c9d3e0; padding-bottom: 2px; }
h3 { font-size: 16px; margin: 1em 0 0.3em; }
.meta { opacity: 0.7; font-size: 13px; }
figure { margin: 0.6em 0 1.2em; } figcaption { font-size: 13px; opacity: 0.8; }
svg { max-width: 100%; height: auto; display: block; }
.figure-row { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
.figure-row figure { flex: 1 1 300px; max-width: 100%; }
.warn { background: #fff4e5; color: #5c3200; border-left: 4px solid #d9822b;
  padding: 6px 10px; margin: 6px 0; }
.missing { opacity: 0.7; font-style: italic; }
table.plain { border-collapse: collapse; font-size: 13px; }
table.plain td, table.plain th { padding: 2px 10px; border-bottom: 1px solid #ddd;
  text-align: left; }
table.plain td.num { text-align: right; font-variant-numeric: tabular-nums; }
ol.formula li { margin: 2px 0; }
@media print {
  @page { size: A4; margin: 14mm; }
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  h2 { break-after: avoid; } figure, table, .warn { break-inside: avoid; }
  details > summary { list-style: none; }
}
"""

# Opens every <details> before printing (a closed one would print as its summary only).
SCRIPT = ("window.addEventListener('beforeprint', function () {"
          "document.querySelectorAll('details').forEach(function (d) { d.open = true; }); });")

_XML_HEAD = re.compile(r"^.*?(?=<svg\b)", re.S)


def inline_svg(svg: bytes | str) -> str:
    """An SVG file's markup without its XML declaration and DOCTYPE, for inlining."""
    text = svg.decode("utf-8") if isinstance(svg, bytes) else svg
    return _XML_HEAD.sub("", text, count=1).strip()


def _section(title: str, body: str, anchor: str) -> str:
    return f'<section id="{anchor}"><h2>{escape(title)}</h2>\n{body}\n</section>'


def _figure(svg: str, caption: str) -> str:
    return f"<figure>{svg}<figcaption>{escape(caption)}</figcaption></figure>"


# --- the sections ------------------------------------------------------------------------------
def _summary(arch: Architecture) -> str:
    from .render.notebook import architecture_html

    return architecture_html(arch)


def _depth(arch: Architecture) -> str:
    from .architecture import StageKind

    stem, head = arch.depth_terms.stem, arch.depth_terms.head
    items = ["<li>" + _("<b>{n}</b> weighted layer(s) in the stem (conv1) before the first "
                        "block", n=stem) + "</li>"] if stem else []
    for stage in arch.stages:
        if stage.kind != StageKind.BLOCKS:
            continue
        blocks = [arch.block(name) for name in stage.blocks]
        per = sorted({b.main_weighted for b in blocks})
        per_text = _(" or ").join(map(str, per))
        items.append("<li>" + _("<b>{n}</b> in {stage}: {blocks} block(s) × {per} weighted "
                                "layers on the main path", n=stage.weighted_on_path,
                                stage=escape(stage.name), blocks=len(blocks), per=per_text)
                     + "</li>")
    if head:
        items.append("<li>" + _("<b>{n}</b> in the head (the fc layer)", n=head) + "</li>")
    projections = arch.shortcut_projections
    extra = _(" The {n} 1×1 projection(s) on the shortcuts are off that path and not "
              "counted.", n=projections) if projections else ""
    return ("<p>" + _("<b>{formula}</b>. The number in a ResNet's name counts the weighted "
                      "layers (convolutions and the fully connected layer) on the longest path "
                      "from input to output — the main path of the plain network. BatchNorm, "
                      "ReLU and pooling are not counted.", formula=escape(arch.depth_formula))
            + f"{extra}</p><ol class=\"formula\">{''.join(items)}</ol>")


def _table1(arch: Architecture) -> str:
    from .paper.table1 import build
    from .zoo.registry import MODEL_NAMES

    zoo = arch.model if arch.model in MODEL_NAMES else None
    return build([(arch, zoo)]).render("html")


def _diagrams(arch: Architecture) -> str:
    from .diagram import diagram
    from .diagram.output import available_renderer, render

    if available_renderer("svg") is None:
        return ('<p class="missing">'
                + _("No Graphviz renderer is available to draw the diagrams.") + "</p>")
    parts = [_figure(inline_svg(render(diagram(arch, "stage").source, "svg")),
                     _("The network, one node per stage."))]
    seen: set[tuple[str, str, bool]] = set()
    blocks = []
    for block in arch.blocks:
        key = (str(block.kind), str(block.family), block.stride > 1)
        if key not in seen:
            seen.add(key)
            blocks.append(block)
    row = []
    for block in blocks:
        svg = inline_svg(render(diagram(arch, block=block.name).source, "svg"))
        if block.stride > 1:
            caption = _("{block} ({module}): {kind} shortcut, stride {stride}",
                        block=block.paper_name, module=block.name,
                        kind=shortcut_kind(block.kind), stride=block.stride)
        else:
            caption = _("{block} ({module}): {kind} shortcut", block=block.paper_name,
                        module=block.name, kind=shortcut_kind(block.kind))
        row.append(_figure(svg, caption))
    if row:
        parts.append('<div class="figure-row">' + "".join(row) + "</div>")
    return "".join(parts)


def _plots(arch: Architecture) -> str:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return ('<p class="missing">'
                + _("Plots need matplotlib: pip install 'resnet-explain[plot]'.") + "</p>")
    from .plots import kinds_for, plot
    from .plots.draw import to_bytes

    captions = {"stages": N_("Map size and channels per stage."),
                "cost": N_("Parameters and multiply-adds per stage."),
                "blocks": N_("Parameters and multiply-adds per block."),
                "receptive-field": N_("The receptive field along the main path.")}
    return "".join(_figure(inline_svg(to_bytes(plot(arch, kind), "svg", text=True)),
                           translated(captions[kind])) for kind in kinds_for(arch))


def _receptive(arch: Architecture) -> str:
    spatial = arch.spatial_dims
    if spatial == 0:
        return "<p>" + _("The model reads vectors: every layer sees the whole input.") + "</p>"
    unit, things = units(spatial)
    unit, things = (_("px"), _("pixels")) if unit == "px" else (_("samples"), _("samples"))
    rows = []
    for stage in arch.stages:
        layer = arch.layers[stage.layers[-1]] if stage.layers else None
        rf = layer.receptive_field if layer is not None else None
        if rf is None:
            continue
        size = dims(rf.size)
        jump = "—" if rf.whole_input else dims(rf.jump)
        what = _("the whole input") if rf.whole_input else f"{size} {unit}"
        rows.append(f"<tr><td>{escape(stage.name)}</td><td>{escape(layer.name)}</td>"
                    f'<td class="num">{escape(what)}</td><td class="num">{escape(jump)}</td></tr>')
    return ("<p>" + _("How many input {things} one output position can see (the field, not "
                      "clipped at the border) and how far apart neighbouring positions look "
                      "(the jump), at the end of each stage. Every layer's value is in the RF "
                      "/jump column of <code>resnet-explain summary</code>.", things=things)
            + "</p>" + '<table class="plain"><thead><tr>'
            + _("<th>stage</th><th>last layer</th><th>receptive field</th><th>jump "
                "({unit})</th>", unit=unit)
            + "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def _warnings(arch: Architecture) -> str:
    if not arch.warnings:
        return "<p>" + _("None: every shape agrees with the output-size formula and no known "
                         "implementation mistake was found.") + "</p>"
    return "".join(f'<div class="warn">⚠ {escape(text)}</div>' for text in arch.warnings)


# --- the page ---------------------------------------------------------------------------------
def report_html(arch: Architecture) -> str:
    """The whole report as one HTML document."""
    from . import __version__

    shape_in = dims(arch.input_shape)
    sections = [
        _section(_("Summary"), _summary(arch), "summary"),
        _section(_("What the depth counts"), _depth(arch), "depth"),
        _section(_("The paper's Table 1, for this model"), _table1(arch), "table1"),
        _section(_("Diagrams"), _diagrams(arch), "diagrams"),
        _section(_("Plots"), _plots(arch), "plots"),
        _section(_("Receptive field"), _receptive(arch), "receptive-field"),
        _section(_("Warnings"), _warnings(arch), "warnings"),
    ]
    lang = "zh-Hans" if is_chinese() else "en"
    return (
        f"<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>" + _("{model} — resnet-explain report", model=escape(arch.model)) + "</title>"
        f"<style>\n{CSS}</style><script>{SCRIPT}</script></head>\n<body>\n"
        f"<h1>{escape(arch.model)}</h1>"
        '<p class="meta">' + _("Input {shape} · traced by resnet-explain {version} ({engine}) "
                               "· no weights, no forward pass on data", shape=escape(shape_in),
                               version=escape(__version__), engine=escape(arch.engine))
        + "</p>\n" + "\n".join(sections) + "\n</body></html>\n"
    )


def write_report(arch: Architecture, path: str | Path) -> Path:
    """Write the report to ``path`` (UTF-8) and return the path."""
    target = Path(path)
    write_atomically(target, report_html(arch).encode("utf-8"))
    return target
