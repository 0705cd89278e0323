"""The Comparison as text (fits 100 columns, or a narrower ``width``), Markdown, HTML
(Jupyter, 848 px) and JSON.

Every view starts with the same first line (``Comparison.first_line``) and reads only the
Comparison's records: no view re-traces or re-derives a number.
"""

from __future__ import annotations

import html
import textwrap
from typing import TYPE_CHECKING

from ..choices import COMPARE_FORMATS
from ..i18n import N_, _, translated
from ..textwidth import width as text_width
from ..textwidth import wrap_wide
from .differences import shown, what_word

if TYPE_CHECKING:
    from .differences import Difference
    from .engine import Comparison

WIDTH = 100
FORMATS = COMPARE_FORMATS


def render(comparison: Comparison, format: str = "text", width: int | None = None) -> str:
    """The comparison in ``format`` (one of :data:`FORMATS`); ``width``: the text's lines
    are at most that long, and at most :data:`WIDTH` (``None``: :data:`WIDTH`); the other
    formats ignore it."""
    from ..render.width import check_width

    check_width(width)
    if format == "json":
        return comparison.to_json()
    if format not in FORMATS:
        raise ValueError(f"unknown format {format!r}; use one of {', '.join(FORMATS)}")
    if format == "text":
        return text(comparison, width)
    return {"markdown": markdown, "html": html_view}[format](comparison)


def _totals(c: Comparison) -> str:
    return _("parameters {params} (the reference {reference_params}); multiply-adds per "
             "image {macs} (the reference {reference_macs})", params=f"{c.params[0]:,}",
             reference_params=f"{c.params[1]:,}", macs=f"{c.macs[0]:,}",
             reference_macs=f"{c.macs[1]:,}")


def _wrapped(line: str, indent: str, limit: int = WIDTH) -> list[str]:
    if text_width(line) == len(line):  # no wide character: as it always was
        return textwrap.wrap(line, limit, initial_indent=indent,
                             subsequent_indent=indent + "  ", break_on_hyphens=False,
                             break_long_words=False)
    return wrap_wide(line, limit, indent, indent + "  ")


#: The text and HTML views name this many places of a record; the JSON names them all.
PLACES_SHOWN = 12


def _places(d: Difference) -> str:
    names = [where for where, _ in d.places]
    more = len(names) - PLACES_SHOWN
    shown_names = _(", ").join(names[:PLACES_SHOWN])
    return _("{places} and {more} more", places=shown_names, more=more) if more > 0 \
        else shown_names


def text(c: Comparison, width: int | None = None) -> str:
    """Plain text for a terminal: the first line, why the reference, each difference with its
    place, values, consequence and lesson (followers indented under it); wrapped at word
    boundaries to :data:`WIDTH` columns, or ``width`` when narrower."""
    limit = WIDTH if width is None else min(width, WIDTH)

    def _wrap(line: str, indent: str) -> list[str]:
        return _wrapped(line, indent, limit)

    lines = _wrap(c.first_line, "")
    if c.why_this_reference:
        lines += _wrap(_("reference chosen: {why}", why=c.why_this_reference), "")
    lines += _wrap(_totals(c), "")

    def add(d: Difference, depth: int, number: str) -> None:
        pad = "  " * depth
        lines.append("")
        lines.extend(_wrap(f"{number} {d.title}", pad))
        if len(d.places) > 1:
            lines.extend(_wrap(_("where: {places}", places=_places(d)), pad + "   "))
        lines.extend(_wrap(_("changes: {changes}", changes=d.consequence), pad + "   "))
        lines.extend(_wrap(_("why: {why}", why=d.why), pad + "   "))
        for j, follower in enumerate(d.follows, 1):
            add(follower, depth + 1, f"{number}{j}.")

    for i, d in enumerate(c.differences, 1):
        add(d, 0, f"{i}.")
    if c.allowed:
        lines += ["", *_wrap(_("allowed: {differences}",
                               differences=_("; ").join(d.title for d in c.allowed)), "")]
    return "\n".join(lines)


def _what(d: Difference) -> str:
    """``norm (after the add)``: the vocabulary's word and the detail (the tables' column)."""
    return _("{what} ({detail})", what=what_word(d.what), detail=shown(d.detail)) \
        if d.detail else what_word(d.what)


def _cell(value: object) -> str:
    """A value in a table's cell (``None`` where a side has nothing)."""
    return _("None") if value is None else shown(value)


def _md(value: object) -> str:
    return str(value).replace("|", "\\|")


def markdown(c: Comparison) -> str:
    """A heading line, then one table row per difference (followers marked ↳)."""
    lines = [f"**{_md(c.first_line)}**", ""]
    if c.why_this_reference:
        lines += [_("Reference chosen: {why}", why=_md(c.why_this_reference)), ""]
    lines += [_md(_totals(c)), ""]
    rows = [(d, "") for d in c.differences]
    if rows:
        lines += ["| " + " | ".join(translated(head) for head in (
            N_("what"), N_("where"), N_("paper"), N_("yours"), N_("reference"), N_("changes"),
            N_("why"))) + " |",
                  "|---|---|---|---|---|---|---|"]

        def row(d: Difference, mark: str) -> None:
            what = mark + _what(d)
            lines.append(f"| {_md(what)} | {_md(_places(d))} | {_md(d.place_names)} | "
                         f"{_md(_cell(d.yours))} | {_md(_cell(d.reference))} | "
                         f"{_md(d.consequence)} | "
                         f"{_md(d.why)} |")
            for follower in d.follows:
                row(follower, "↳ ")

        for d, mark in rows:
            row(d, mark)
    return "\n".join(lines)


# Inline styles: a notebook host's table rules (right-aligned, unwrapped cells, borders
# removed with !important) outrank a <style> block but not a cell's own style. Row lines
# are an inset shadow, which ``border: none !important`` leaves alone.
# A cell wraps between words only (a dotted module name also after its dots, ``<wbr>``):
# never inside a number or a name. The view is a panel with its own colours and em sizes.
_CELL = ("white-space:normal;text-align:left;vertical-align:top;padding:0.2em 0.3em;"
         "box-shadow:inset 0 -1px #d0d0d0;color:#1b1f24;background:#ffffff")
# A light cell carries its own dark text: under a dark notebook theme the inherited text
# colour is light, and the values would vanish into the highlight.
_YOURS, _THEIRS = "background:#fde2e1;color:#1b1f24", "background:#e3f2e1;color:#1b1f24"
_TABLE = ("width:100%;table-layout:auto;border-collapse:collapse;"
          "margin:0.5em 0;font-size:0.93em;color:#1b1f24;background:#ffffff")
_CODE = "background:#eef1f5;color:#1b1f24;padding:0 0.2em"
_PANEL = ("max-width:100%;text-align:left;background:#ffffff;color:#1b1f24;"
          "padding:0.3em 0.4em;border-radius:6px")


def _breakable(escaped: str) -> str:
    """An escaped dotted name that may wrap after its dots: ``layer4.<wbr>2.<wbr>conv1``."""
    return escaped.replace(".", ".<wbr>")


def _td(text: str, extra: str = "", colspan: int = 1) -> str:
    span = f' colspan="{colspan}"' if colspan > 1 else ""
    return f'<td{span} style="{_CELL};{extra}">{text}</td>'


def html_view(c: Comparison) -> str:
    """Jupyter's view: the first line, then your value beside the reference's for each
    difference (the two cells highlighted), what it changes, and the lesson under them;
    fits an 848-px output area under any host's table CSS."""
    from ..render.notebook import keep_tokens

    def e(text: str) -> str:
        return keep_tokens(html.escape(text))

    parts = [f'<div class="resnet-explain-compare" style="{_PANEL}">',
             f'<p style="text-align:left"><b>{e(c.first_line)}</b></p>']
    if c.why_this_reference:
        parts.append('<p style="text-align:left">'
                     + e(_("Reference chosen: {why}", why=c.why_this_reference)) + "</p>")
    parts.append(f'<p style="text-align:left">{e(_totals(c))}</p>')
    if c.differences:
        heads = (_("what, where"), _("paper's name"), c.model, c.reference, _("changes"))
        widths = (24, 16, 20, 20, 20)
        parts.append(f'<table style="{_TABLE}"><colgroup>'
                     + "".join(f'<col style="width:{w}%">' for w in widths) + "</colgroup><tr>"
                     + "".join(f'<th style="{_CELL};font-weight:bold">{e(h)}</th>'
                               for h in heads) + "</tr>")

        def row(d: Difference, mark: str) -> None:
            what = mark + _what(d)
            parts.append(
                "<tr>" + _td(f"{e(what)}<br><code style='{_CODE}'>"
                             f"{_breakable(e(_places(d)))}</code>")
                + _td(_breakable(e(d.place_names))) + _td(e(_cell(d.yours)), _YOURS)
                + _td(e(_cell(d.reference)), _THEIRS) + _td(e(d.consequence)) + "</tr>"
                + "<tr>" + _td(e(_("why: {why}", why=d.why)), "color:#444;font-size:0.92em",
                               colspan=5)
                + "</tr>")
            for follower in d.follows:
                row(follower, "↳ ")

        for d in c.differences:
            row(d, "")
        parts.append("</table>")
    parts.append("</div>")
    return "".join(parts)
