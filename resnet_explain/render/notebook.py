"""The Jupyter display: a compact card first, then the stage → block → layer tree.

``Architecture._repr_html_`` (and the ``_repr_html_`` of a Stage, a Block and a Layer) call
this module. It is made for a notebook's output area, not for a terminal, so it follows rules
that the terminal table does not need:

* **A card first.** The model, input → output, the depth formula, the weighted layers and the
  projections, the totals, the output-size check and the warnings (highlighted) — what a class
  looks at first. Detail comes on demand: the tree is nested ``<details>``, stages open,
  blocks closed.
* **Inline styles only.** Hosts style tables with selectors that beat an embedded
  ``<style>`` (JupyterLab's ``.jp-RenderedHTMLCommon td {text-align: right}``, classic
  Notebook's ``.rendered_html table {table-layout: fixed; margin: auto}``, VS Code's
  ``border: none !important`` on table cells), and an untrusted notebook strips ``<style>``
  blocks and every inline declaration whose property its sanitizer does not know. So every
  element says what it needs inline, only with the properties in :data:`SAFE_PROPERTIES`
  (all kept by JupyterLab's sanitizer); a mark that carries meaning (the dashed line of a
  projection shortcut) is drawn on a ``<span>``, not on a table cell; wherever a background is
  set, the text colour is set too (readable under a dark theme); secondary text is dimmed with
  ``opacity`` rather than a grey that would vanish on a dark background.
* **Never wider than the output area, never a split token,** from a 600-px area up, at any
  font size. A layer table's rows are lines of fields of fixed em widths
  (``display:inline-block`` cells): a row too long for the area moves its last fields — the
  formula, then RF, mult-adds, params — under itself, and the header's fields move alike.
  Numbers, shapes and kernels never wrap (``white-space:nowrap``); names and formulas wrap
  only between words (a dotted module name after a dot). Shapes are written ``C×H×W``
  without the batch (the card gives the full shapes, batch first, each kept on one line).
* **One panel, its own colours.** The output has its own white background and dark text, so
  it reads the same under a light or a dark theme; sizes are in em, so the host's font size
  and zoom carry through.
* **Long networks stay readable.** A run of more than :data:`FOLD_AFTER` identical
  consecutive blocks (equal ``Block.signature``, as the analysis decides: the same layers,
  hyper-parameters, shapes and wiring) shows its first and last block; the ones between
  become one line that names them and says what they hold. ``arch.block("conv4_10")``
  still shows any one of them.
* The ``#`` column numbers the weighted layers on the longest path — the layers the depth in
  a ResNet's name counts — so the last number in the tree is the plain depth.

Every text that comes from the model (names, warnings) is HTML-escaped. Nothing here computes
a model quantity: the numbers and sentences come from the Architecture and from ``rows.py``,
so the card says what the text table says.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from html import escape
from typing import TYPE_CHECKING

from ..i18n import N_, _, translated
from ..words import ITEMS, letters, shortcut_kind, word
from . import numbers as fmt
from .rows import explanation, formula_cell, params_cell, totals, warned_cell

if TYPE_CHECKING:  # pragma: no cover
    from ..architecture import Architecture, Block, Layer, Stage
    from ..findings import Finding

#: Runs of identical consecutive blocks longer than this are folded (first, "… n more", last).
FOLD_AFTER = 6

#: The CSS properties this module writes. JupyterLab's sanitizer (used for untrusted
#: notebooks) keeps these and drops others (``gap``, ``flex-wrap``, ``grid-*`` …).
SAFE_PROPERTIES = frozenset({
    "background", "border", "border-bottom", "border-collapse", "border-left",
    "border-radius", "color", "cursor", "display", "font-family", "font-size", "font-style",
    "font-weight", "line-height", "margin", "max-width", "min-width", "opacity",
    "overflow-wrap", "padding", "padding-left", "table-layout", "text-align",
    "vertical-align", "white-space", "width",
})

_MONO = "font-family:Menlo,Consolas,'DejaVu Sans Mono',monospace"
_INK, _PAPER, _PANEL = "#1b1f24", "#f6f8fb", "#ffffff"
#: The whole output is a panel with its own background and text colour: every colour below
#: is chosen against it, so it reads the same under a light or a dark notebook theme. Sizes
#: are in em, relative to the host's font size (a projector's 20 px, a 150 % zoom).
_ROOT = (f"font-size:0.93em;line-height:1.4;text-align:left;max-width:100%;"
         f"background:{_PANEL};color:{_INK};padding:0.4em 0.6em;border-radius:6px")
_CARD = (f"border:1px solid #c9d3e0;border-radius:6px;background:{_PAPER};color:{_INK};"
         "padding:0.6em 0.9em;margin:0 0 0.6em 0;text-align:left")
_FACTS = (f"border-collapse:collapse;margin:0;width:100%;table-layout:auto;font-size:1em;"
          f"color:{_INK}")  # a host's table colour (light, in a dark theme) must not win
_LABEL = ("padding:0.1em 0.9em 0.1em 0;text-align:left;vertical-align:top;white-space:nowrap;"
          "opacity:0.7")
_VALUE = "padding:0.1em 0;text-align:left;vertical-align:top;white-space:normal"
_DIM = "opacity:0.7"
_SMALL = "font-size:0.92em"
_NOWRAP = "white-space:nowrap"
_WARN = ("background:#fff4e5;color:#5c3200;border-left:4px solid #d9822b;padding:0.2em 0.6em;"
         "margin:0.3em 0 0 0")
_BAD = "color:#b00020;font-weight:bold"
_WARNED = "color:#8a4b00;font-weight:bold"  # a warning on its row: the card's orange, darker
_STAGE_SUMMARY = (f"cursor:pointer;background:#e3eaf5;color:{_INK};padding:0.2em 0.45em;"
                  "border-radius:4px;margin:0")
_BLOCK_SUMMARY = "cursor:pointer;padding:0.15em 0.3em;margin:0"
_NEST = "margin:0.15em 0 0.3em 1.2em"
_FOLD = "margin:0.15em 0;padding:0.15em 0.3em 0.15em 1.4em;font-style:italic;opacity:0.8"
# A layer table is a table whose rows are lines of fixed-width fields (``display:block``
# rows of ``display:inline-block`` cells): where the output area is too narrow for a row,
# its last fields (the formula, then the RF, the counts) move under it — the header's
# fields move the same way, so the columns stay aligned — and no number, shape or name is
# ever split. Only inline ``display``/``width`` are used, which an untrusted notebook keeps
# (it strips ``<style>`` blocks, so a container query would not survive).
_TABLE = (f"display:block;width:100%;border-collapse:collapse;margin:0.15em 0 0.45em 0;"
          f"color:{_INK};{_SMALL};{_MONO}")
_TBODY = "display:block"
_TR = "display:block;white-space:normal;text-align:left;padding:0;background:{}"
_STRIPES = (_PANEL, "#f1f4f8")
# Cells repeat their style (a host's ``td`` rule beats anything inherited), so it is short.
_CELL = "display:inline-block;vertical-align:top;padding:0.05em 0.3em;{size};text-align:"
_WRAP = ";white-space:normal"  # on the cells whose text is long (a host may say nowrap)
_KEEP = ";white-space:nowrap"  # a number, a shape, a kernel: one line, never split
_TH = ("display:inline-block;vertical-align:bottom;padding:0.05em 0.3em;font-weight:normal;"
       "opacity:0.7;white-space:normal;{size};text-align:")

#: The shortcut's line, as in the paper's figures: solid for the identity, dashed for a
#: projection, dotted for option A's zero-padded identity.
_LINES = {"identity": "solid #57606a", "projection": "dashed #d9822b",
          "padded": "dotted #8250df"}

#: (title, width in em, alignment, may wrap) of the layer tables; every table uses the same
#: widths, so the columns line up from one block to the next. A field that may wrap has that
#: width (it wraps between words); one that may not has it as a minimum (a longer number
#: widens its field rather than breaking). In all 64 em: one line in an 848-px output area.
_COLUMNS = (
    ("#", 2.0, "right", False),
    (N_("Layer"), 13.0, "left", True),
    (N_("Kernel"), 5.6, "left", False),
    (N_("Output"), 6.8, "left", False),
    (N_("Params"), 5.6, "right", False),
    (N_("Mult-adds"), 6.8, "right", False),
    (N_("RF /jump"), 4.4, "right", False),
    ("out = ⌊(in + 2P − K)/S⌋ + 1", 15.0, "left", True),
)
_COLUMN_HELP = {
    "#": N_("number of this layer among the weighted layers counted by the depth"),
    "Output": N_("output shape C×H×W of one image (the batch is not shown)"),
    "RF /jump": N_("receptive field and jump in input pixels: one output position sees RF×RF "
                   "pixels, neighbours are jump pixels apart; 'all' = the whole input"),
}


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def short_shape(shape: Sequence[int] | None) -> str:
    """A shape without its batch: ``(1, 64, 56, 56)`` → ``64×56×56``, ``(1, 1000)`` → ``1000``."""
    if not shape:
        return ""
    rest = shape[1:] if len(shape) > 1 else shape
    return "×".join(str(v) for v in rest)


#: A shape as the card writes it, batch first: ``[1, 3, 224, 224]``.
_BRACKETED = re.compile(r"\[\d+(?:, \d+)*\]")


#: A hyphenated word (``mult-adds``, ``(zero-padded).``), where a browser would break a line.
_HYPHENATED = re.compile(r"(?<![\w&;#–-])[\w(#]+(?:[-–][\w#]+)+[).,]*")


def keep_tokens(html: str) -> str:
    """Escaped text with its shapes and hyphenated words kept on one line (see
    :func:`_keep_shapes`); for the other notebook views."""
    return _keep_shapes(html)


def _keep_shapes(html: str) -> str:
    """``html`` with each ``[1, 3, 224, 224]`` and each hyphenated word in a no-wrap span: a
    line may break before or after it, never inside it."""
    html = _HYPHENATED.sub(lambda found: _span(_NOWRAP, found[0]), html)
    return _BRACKETED.sub(lambda found: _span(_NOWRAP, found[0]), html)


def _span(style: str, inner: str, title: str | None = None) -> str:
    hover = f' title="{_e(title)}"' if title else ""
    return f'<span style="{style}"{hover}>{inner}</span>'


def _div(style: str, inner: str) -> str:
    return f'<div style="{style}">{inner}</div>'


def _line_mark(kind: str) -> str:
    """The block kind with its shortcut line drawn in front (solid, dashed, dotted)."""
    line = _LINES.get(kind, "solid #57606a")
    return _span(f"border-left:3px {line};padding:0 4px;margin:0 2px;{_NOWRAP}",
                 _e(shortcut_kind(kind)))


# --- numbering the depth -------------------------------------------------------------------
def depth_numbers(arch: Architecture) -> dict[int, int]:
    """Layer index → its number among the weighted layers on the longest path (1, 2, …)."""
    numbers: dict[int, int] = {}
    for layer in arch.layers:
        if layer.weighted and layer.on_longest_path:
            numbers[layer.index] = len(numbers) + 1
    return numbers


def _number_range(indices: Iterable[int], numbers: dict[int, int]) -> str:
    found = sorted(numbers[i] for i in indices if i in numbers)
    if not found:
        return ""
    return f"#{found[0]}" if len(found) == 1 else f"#{found[0]}–#{found[-1]}"


# --- tables of layers ----------------------------------------------------------------------
def _header_row() -> str:
    cells = []
    for title, width, align, wrap in _COLUMNS:
        help_text = _COLUMN_HELP.get(title)
        attr = f' title="{_e(translated(help_text))}"' if help_text else ""
        size = f"width:{width:g}em" if wrap or title == "RF /jump" else f"min-width:{width:g}em"
        cells.append(f'<th style="{_TH.format(size=size)}{align}"{attr}>'
                     f'{_e(translated(title))}</th>')
    return f'<tr style="{_TR.format(_STRIPES[0])}">' + "".join(cells) + "</tr>"


def _relative(name: str, scope: str | None) -> str:
    if scope and name.startswith(scope + "."):
        return name[len(scope) + 1:]
    return name


def _layer_cells(layer: Layer, block: Block | None, number: int | None,
                 first_call_params: int, warnings: list[Finding] | None = None) -> list[str]:
    # A long dotted name (transformers' resnet.embedder.embedder.normalization) may wrap
    # after a dot, not inside a word; <wbr> is not text, so a copied name stays whole.
    name = _e(_relative(layer.name, block.name if block is not None else None)).replace(
        ".", ".<wbr>")
    if layer.call:
        name += _span(_DIM, _(" (call {call})", call=layer.call + 1))
    if layer.weighted:
        name = f"<b>{name}</b>"
    kind = _("op") if layer.is_op else layer.type
    if layer.role == "shortcut":  # the line of the block's shortcut, as in its header
        line = _LINES.get(str(block.kind) if block is not None else "", _LINES["projection"])
        name = _span(f"border-left:2px {line};padding-left:4px", name)
        kind += " · " + word("shortcut")
    label = f"{name} {_span(_DIM, _e(kind))}"
    formula = formula_cell(layer)
    warned = warned_cell(layer, warnings) if warnings else None
    if warned is not None:  # the warning on its row; the card has the whole sentence
        full = " ".join(finding.text for finding in warnings or ())
        formula = _span(_BAD if not layer.formula_ok else _WARNED, _e(warned), title=full)
    elif formula and not layer.formula_ok:
        formula = _span(_BAD, _e(formula))
    else:
        formula = _e(formula)
    return [
        str(number) if number is not None else "",
        label,
        _e(fmt.kernel(layer.kernel_size, layer.stride, layer.padding, layer.dilation,
                      layer.groups)),
        _e(short_shape(layer.output_shape)),
        _e(params_cell(layer, first_call_params)),
        _e(fmt.count(layer.macs)),
        _e(layer.receptive_field.label) if layer.receptive_field is not None else "",
        formula,
    ]


def _row(cells: list[str], number: int = 0) -> str:
    """One layer's line of fields; ``number`` (its place in the table) picks the stripe."""
    out = []
    for (_title, width, align, wrap), cell in zip(_COLUMNS, cells):
        size = f"width:{width:g}em" if wrap else f"min-width:{width:g}em"
        style = _CELL.format(size=size) + align + (_WRAP if wrap else _KEEP)
        out.append(f'<td style="{style}">{cell}</td>')
    return (f'<tr style="{_TR.format(_STRIPES[number % 2])}">' + "".join(out) + "</tr>")


def _layer_table(arch: Architecture, indices: Iterable[int], block: Block | None,
                 numbers: dict[int, int], first_call: dict[str, int]) -> str:
    rows = [_header_row()]
    warned = arch.layer_warnings()
    for number, index in enumerate(indices, start=1):
        layer = arch.layers[index]
        rows.append(_row(_layer_cells(layer, block, numbers.get(index),
                                      first_call.get(layer.name, 0), warned.get(index)),
                         number))
    return (f'<table style="{_TABLE}"><tbody style="{_TBODY}">' + "".join(rows)
            + "</tbody></table>")


def _first_call_params(arch: Architecture) -> dict[str, int]:
    return {layer.name: layer.params for layer in arch.layers if layer.call == 0}


# --- blocks ----------------------------------------------------------------------------------
def _block_summary(block: Block, numbers: dict[int, int]) -> str:
    parts = [f"<b>{_e(block.paper_name)}</b>"]
    if block.name != block.paper_name:
        parts.append(_span(_DIM, _e(block.name)))
    parts.append(_line_mark(block.kind))
    parts.append(_span(_MONO, _e(f"{short_shape(block.input_shape)} → "
                                 f"{short_shape(block.output_shape)}")))
    facts = [_("{params} params", params=fmt.thousands(block.params))]
    depth = _number_range(block.main_layers, numbers)
    if depth:
        facts.append(_("depth {numbers}", numbers=depth))
    parts.append(_span(_DIM, _keep_shapes(_e(" · ".join(facts)))))
    return " ".join(parts)


def _block_facts(arch: Architecture, block: Block) -> str:
    """``Bottleneck, post-activation (v1), stride 2 on conv2``: what kind of block it is and
    where it downsamples (v1 strides the first 1×1, v1.5 the 3×3), from the analysis."""
    family = {"basic": "BasicBlock", "bottleneck": _("Bottleneck")}.get(str(block.family),
                                                                         _("Block"))
    activation = (_("pre-activation (v2)") if str(block.activation) == "pre"
                  else _("post-activation"))
    parts = [family, activation]
    if block.strided_layers:
        names = _(", ").join(_relative(arch.layers[i].name, block.name)
                             for i in block.strided_layers)
        parts.append(_("stride {stride} on {names}", stride=block.stride, names=names))
    return _(", ").join(parts)


def _block_body(arch: Architecture, block: Block, numbers: dict[int, int],
                first_call: dict[str, int]) -> str:
    reason = _("identity shortcut: input and output shapes agree") \
        if block.kind == "identity" \
        else block.reason
    return (_div(f"{_DIM};{_SMALL}", _e(_("{facts} — {reason}", facts=_block_facts(arch, block),
                                           reason=reason)))
            + _layer_table(arch, block.layers, block, numbers, first_call))


def _block_details(arch: Architecture, block: Block, numbers: dict[int, int],
                   first_call: dict[str, int], open_: bool = False) -> str:
    attr = " open" if open_ else ""
    return (f'<details{attr} style="margin:0.1em 0">'
            f'<summary style="{_BLOCK_SUMMARY}">{_block_summary(block, numbers)}</summary>'
            f'{_div(_NEST, _block_body(arch, block, numbers, first_call))}</details>')


def _fold_line(run: list[Block], like: Block, numbers: dict[int, int]) -> str:
    first, last = run[0], run[-1]
    names = f"{first.paper_name} … {last.paper_name}"
    if first.name != first.paper_name:
        names += f" ({first.name} … {last.name})"
    values = {"n": len(run), "like": like.paper_name, "names": names,
              "params": fmt.thousands(first.params),
              "code": f'arch.block("{first.paper_name}")'}
    depth = _number_range([i for b in run for i in b.main_layers], numbers)
    if depth:
        text = _("⋮ {n} more blocks identical to {like}: {names}, {params} params each, depth "
                 "{depth} — {code} shows one", depth=depth, **values)
    else:
        text = _("⋮ {n} more blocks identical to {like}: {names}, {params} params each — "
                 "{code} shows one", **values)
    return _div(_FOLD, _e(text))


# --- stages ----------------------------------------------------------------------------------
def _stage_items(arch: Architecture, stage: Stage) -> list[tuple[str, object]]:
    """The stage's content in call order: ("layers", [indices]) and ("block", Block)."""
    blocks = {block.name: block for block in arch.blocks}
    items: list[tuple[str, object]] = []
    seen: set[str] = set()
    for index in stage.layers:
        owner = arch.layers[index].block
        block = blocks.get(owner) if owner is not None else None
        if block is not None:
            if block.name not in seen:
                seen.add(block.name)
                items.append(("block", block))
            continue
        if items and items[-1][0] == "layers":
            items[-1][1].append(index)  # type: ignore[union-attr]
        else:
            items.append(("layers", [index]))
    return items


def _fold(arch: Architecture, items: list[tuple[str, object]],
          fold_after: int | None) -> list[tuple[str, object]]:
    """Replace the middle of each long run of identical blocks by one ("fold", run) item."""
    if fold_after is None:
        return items
    out: list[tuple[str, object]] = []
    run: list[Block] = []

    def flush() -> None:
        if len(run) > fold_after:
            out.append(("block", run[0]))
            out.append(("fold", (run[1:-1], run[0])))
            out.append(("block", run[-1]))
        else:
            out.extend(("block", block) for block in run)
        run.clear()

    signature = None
    for kind, item in items:
        if kind == "block":
            # The analysis decides which blocks are the same (Block.signature); a block
            # without one (an Architecture built by hand) is like no other.
            this = item.signature or (item.name,)  # type: ignore[attr-defined]
            if run and this != signature:
                flush()
            signature = this
            run.append(item)  # type: ignore[arg-type]
            continue
        flush()
        signature = None
        out.append((kind, item))
    flush()
    return out


def _stage_summary(stage: Stage) -> str:
    parts = [f"<b>{_e(stage.name)}</b>"]
    if stage.module:
        parts.append(_e(stage.module))
    if stage.kind == "blocks":
        parts.append(_e(fmt.blocks(len(stage.blocks))))
    else:
        parts.append(_e(word(stage.kind)))
    if stage.input_shape is not None and stage.output_shape is not None:
        parts.append(_span(_MONO, _e(f"{short_shape(stage.input_shape)} → "
                                     f"{short_shape(stage.output_shape)}")))
    facts = [_("{params} params", params=fmt.thousands(stage.params)),
             _("{macs} mult-adds", macs=fmt.thousands(stage.macs)),
             _("depth {numbers}", numbers=stage.weighted_on_path)]
    parts.append(_span(_DIM, _keep_shapes(_e(" · ".join(facts)))))
    return " ".join(parts)


def _stage_details(arch: Architecture, stage: Stage, numbers: dict[int, int],
                   first_call: dict[str, int], fold_after: int | None) -> str:
    body = []
    for kind, item in _fold(arch, _stage_items(arch, stage), fold_after):
        if kind == "layers":
            body.append(_layer_table(arch, item, None, numbers, first_call))  # type: ignore[arg-type]
        elif kind == "block":
            body.append(_block_details(arch, item, numbers, first_call))  # type: ignore[arg-type]
        else:
            run, like = item  # type: ignore[misc]
            body.append(_fold_line(run, like, numbers))
    return (f'<details open style="margin:0.3em 0 0 0">'
            f'<summary style="{_STAGE_SUMMARY}">{_stage_summary(stage)}</summary>'
            f'{_div(_NEST, "".join(body))}</details>')


# --- the card --------------------------------------------------------------------------------
def _fact(label: str, value: str, style: str = "") -> str:
    """One row of a card: a label, and a value that wraps under itself (a hanging indent)."""
    value_style = f"{_VALUE};{style}" if style else _VALUE
    return (f'<tr style="background:none"><td style="{_LABEL}">{_e(label)}</td>'
            f'<td style="{value_style}">{value}</td></tr>')


def _facts(rows: list[str]) -> str:
    return f'<table style="{_FACTS}"><tbody>' + "".join(rows) + "</tbody></table>"


def _card(arch: Architecture) -> str:
    title = (_span("font-size:1.15em;font-weight:bold", _e(arch.model)) + " "
             + _span(_MONO, _keep_shapes(_e(
                 f"{fmt.shape(arch.input_shape)} → "
                 f"{fmt.outputs(arch.output_shapes, arch.output_shape)}"))))
    facts = []
    lines = explanation(arch)
    fixed = len(lines) - len(arch.warnings) - len(arch.notes or [])
    for line in lines[:fixed]:
        label, _sep, value = line.partition(": ")
        style = _BAD if label == _("Output sizes") and arch.formula_mismatches else ""
        if label == _("Plain depth"):
            value_html = (_span("font-weight:bold", _e(value)) + " "
                          + _span(_DIM, _e(_("— weighted layers on the main path, numbered "
                                             "in the # column below"))))
        else:
            value_html = _keep_shapes(_e(value))
        facts.append(_fact(label, value_html, style))
    depth = [i for i, line in enumerate(lines[:fixed])
             if line.startswith(_("Plain depth") + ": ")]
    if depth:  # the lesson first: what the number in the name counts
        facts.insert(0, facts.pop(depth[0]))
    totals_html = " · ".join(_span(_NOWRAP, f"{_e(label)} <b>{_e(value)}</b>")
                             for label, value in totals(arch))
    facts.insert(3, _fact(_("Totals"), totals_html))
    warnings = [_div(_WARN, "⚠ " + _keep_shapes(_e(text))) for text in arch.warnings]
    notes = [_div(f"{_DIM};{_SMALL};margin:0.3em 0 0 0",
                  _keep_shapes(_e(_("Note: {text}", text=text))))
             for text in arch.notes or []]
    return _div(_CARD, _div("margin:0 0 0.3em 0", title) + _facts(facts)
                + "".join(warnings + notes))


_LEGEND = N_("Stage → block → layer; click a block to open it. Shapes are {shape}. "
             "Shortcut line: solid = identity, dashed = projection (1×1 conv), "
             "dotted = option A (zero-padded). # = weighted layer counted in the depth.")


def _shapes(spatial: int) -> str:
    """What the shapes are, by the input's number of spatial dimensions (an image has two)."""
    if spatial == 0:
        return _("F of one sample (its features)")
    if spatial in ITEMS:
        return _("C×{axes} of one {item}", axes=letters(spatial), item=word(ITEMS[spatial]))
    return _("C×… of one input")


def _root(inner: str) -> str:
    return f'<div class="resnet-explain" style="{_ROOT}">{inner}</div>'


# --- entry points ---------------------------------------------------------------------------
def architecture_html(arch: Architecture, fold_after: int | None = FOLD_AFTER) -> str:
    """The card and the collapsible tree of ``arch``; ``fold_after=None`` folds nothing."""
    numbers = depth_numbers(arch)
    first_call = _first_call_params(arch)
    parts = [_card(arch), _div(f"{_DIM};{_SMALL};margin:0 0 0.15em 0",
                               _keep_shapes(_e(translated(_LEGEND,
                                                           shape=_shapes(arch.spatial_dims)))))]
    covered: set[int] = set()
    for stage in arch.stages:
        parts.append(_stage_details(arch, stage, numbers, first_call, fold_after))
        covered.update(stage.layers)
    outside = [layer.index for layer in arch.layers if layer.index not in covered]
    if outside:
        parts.append(_div("margin:0.3em 0 0 0", f"<b>{_e(_('Layers outside every stage'))}</b>")
                     + _layer_table(arch, outside, None, numbers, first_call))
    return _root("".join(parts))


#: Under a block or stage whose Architecture is gone (``explain(...).block("conv3_1")``: the
#: parts link to their Architecture weakly, so it is freed when nothing else names it).
_ALONE = N_("Its layers are shown with the network they belong to: keep the Architecture in "
            "a variable (arch = explain(...); arch.block(...)).")


def block_html(block: Block) -> str:
    """One block, open: its summary, why its shortcut is what it is, and its layers."""
    arch = block.owner()
    if arch is None:
        return _root(_div(_CARD, _block_summary(block, {}) + _div(_DIM, _e(block.reason))
                          + _div(_DIM, _e(translated(_ALONE)))))
    numbers = depth_numbers(arch)
    title = _div("margin:0 0 0.15em 0", _e(_("Block of {model}, stage {stage}",
                                                    model=arch.model, stage=block.stage)))
    return _root(title + _block_details(arch, block, numbers, _first_call_params(arch),
                                        open_=True))


def stage_html(stage: Stage) -> str:
    """One stage, open, with its blocks closed."""
    arch = stage.owner()
    if arch is None:
        return _root(_div(_STAGE_SUMMARY, _stage_summary(stage))
                     + _div(_DIM, _e(translated(_ALONE))))
    title = _div("margin:0 0 0.15em 0", _e(_("Stage of {model}", model=arch.model)))
    return _root(title + _stage_details(arch, stage, depth_numbers(arch),
                                        _first_call_params(arch), FOLD_AFTER))


def layer_html(layer: Layer) -> str:
    """One layer as a small card: what it is, where it sits, its shapes and its formula."""
    arch = layer.owner()
    title = (_span("font-weight:bold", _e(layer.name)) + " "
             + _span(_DIM, _e(_("op") if layer.is_op else layer.type)))
    where = layer.stage
    if layer.block is not None and arch is not None:
        block = next((b for b in arch.blocks if b.name == layer.block), None)
        if block is not None:
            where = _("{paper} ({name}), {kind} block", paper=block.paper_name,
                      name=block.name, kind=shortcut_kind(block.kind))
    facts = [
        _fact(_("Kind, role"), _e(f"{word(str(layer.kind))}, {word(str(layer.role))}")),
        _fact(_("Where"), _e(where or _("outside every stage"))),
        _fact(_("Input"), _span(_MONO, _e(", ".join(fmt.shape(s)
                                                     for s in layer.input_shapes)))),
        _fact(_("Output"), _span(_MONO, _e(fmt.shape(layer.output_shape)))),
    ]
    kernel = fmt.kernel(layer.kernel_size, layer.stride, layer.padding, layer.dilation,
                        layer.groups)
    if kernel:
        facts.append(_fact(_("Kernel/Stride/Pad"), _span(_MONO, _e(kernel))))
    facts.append(_fact(_("Params, mult-adds"),
                       _e(f"{fmt.thousands(layer.params)}, {fmt.thousands(layer.macs)}")))
    for check in layer.size_checks:
        mark = "✓" if check.ok else "✗"
        style = _MONO if check.ok else f"{_MONO};{_BAD}"
        facts.append(_fact(_("Output size {axis}", axis=check.dim),
                           _span(style, _e(f"{mark} {check.derivation}"))))
    if arch is not None and layer.weighted:
        number = depth_numbers(arch).get(layer.index)
        if number is not None:
            text = _("#{number} of the {depth} weighted layers the depth counts",
                     number=number, depth=arch.plain_depth)
        elif layer.role == "shortcut":
            text = _("not on the longest path, so not counted in the depth (a shortcut "
                     "projection)")
        else:
            text = _("not on the longest path, so not counted in the depth")
        facts.append(_fact(_("Depth"), _e(text)))
    return _root(_div(_CARD, _div("margin:0 0 0.3em 0", title) + _facts(facts)))
