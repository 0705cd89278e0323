"""How the diagrams look: one font, one colour per role, one line style per shortcut kind.

Everything visual lives here so that every figure — a single block, a lesson, a whole
network — uses the same vocabulary:

* colour = **role** (stem purple, main path blue, shortcut orange, head green);
* fill = **counted**: convolutions and fully connected layers (the layers the depth in a
  ResNet's name counts) are filled with their role's tint, BatchNorm/ReLU/pooling are white;
* line style = **shortcut kind**: identity solid, projection dashed, option A (zero-padded)
  dotted.

This module imports nothing (no graphviz, no torch).
"""

from __future__ import annotations

#: The font Graphviz lays text out with. Arial, because every renderer knows its widths:
#: graphviz-pure has them built in (it falls back to Times's, far narrower than any sans, for
#: a name it does not know, such as a family list), and pygraphviz or a system Graphviz find
#: Arial or a metric-compatible face (Liberation Sans, Arimo) through fontconfig.
FONT = "Arial"
#: What the SVG names instead of :data:`FONT`: fonts with Arial's widths first, so labels fit
#: their boxes in any viewer that has one of them (Windows and macOS have Arial, most Linux
#: desktops Liberation Sans), then any sans-serif.
SVG_FONT_FAMILY = "Arial,Helvetica,Liberation Sans,Arimo,sans-serif"
#: The same for a drawing with Chinese text: CJK faces after the Arial-compatible ones, so a
#: browser draws Latin letters and digits with Arial's widths and each CJK character with the
#: first CJK face it has (Linux, Windows, macOS), before any sans-serif.
SVG_FONT_FAMILY_CJK = ("Arial,Helvetica,Liberation Sans,Arimo,Noto Sans CJK SC,"
                       "Source Han Sans SC,Microsoft YaHei,PingFang SC,sans-serif")
TEXT = "#212121"
MUTED = "#616161"
EDGE = "#424242"
FAINT = "#9E9E9E"

#: role → (tint for filled nodes, line colour)
ROLE_COLOURS: dict[str, tuple[str, str]] = {
    "stem": ("#EDE7F6", "#5E35B1"),
    "main": ("#E3F2FD", "#1565C0"),
    "shortcut": ("#FFF3E0", "#E65100"),
    "head": ("#E8F5E9", "#2E7D32"),
}

#: shortcut kind → edge / border style
SHORTCUT_STYLE = {"identity": "solid", "projection": "dashed", "padded": "dotted"}

#: Point sizes: node title line, node detail line, cluster titles, graph title.
SIZE_NODE = 11
SIZE_DETAIL = 9
SIZE_CLUSTER = 12
SIZE_TITLE = 15


#: Graphviz ``size`` (inches, at 72 pt = 96 px each) for each place a figure is shown. A
#: drawing larger than that is scaled down to fit, a smaller one is left alone: "notebook"
#: (the default) keeps the width within a 1000-px output area, "slide" fits a 1280 × 720
#: slide, "none" leaves the natural size.
NOTEBOOK_SIZE = "10.4,1000"
FITS: dict[str, str | None] = {"notebook": NOTEBOOK_SIZE, "slide": "13.33,7.5", "none": None}
#: Accepted values of ``rankdir``, and the plain-word orientations that mean the same.
RANKDIRS = ("TB", "LR", "BT", "RL")
ORIENTATIONS = {"vertical": "TB", "horizontal": "LR"}


def graph_attrs(rankdir: str = "TB", *, title: str | None = None) -> dict[str, str]:
    attrs = {
        "rankdir": rankdir,
        "size": NOTEBOOK_SIZE,
        "fontname": FONT,
        "fontsize": str(SIZE_CLUSTER),
        "fontcolor": TEXT,
        "bgcolor": "white",
        "pad": "0.2",
        "nodesep": "0.3",
        "ranksep": "0.28",
        "newrank": "true",
        "outputorder": "edgesfirst",
    }
    if title:
        attrs.update(label=title, labelloc="t", fontsize=str(SIZE_TITLE))
    return attrs


def node_defaults() -> dict[str, str]:
    return {
        "fontname": FONT,
        "fontsize": str(SIZE_NODE),
        "fontcolor": TEXT,
        "shape": "box",
        "style": "rounded",
        "penwidth": "1.2",
        "margin": "0.12,0.05",
        "height": "0.3",
    }


def edge_defaults() -> dict[str, str]:
    return {
        "fontname": FONT,
        "fontsize": str(SIZE_DETAIL),
        "fontcolor": MUTED,
        "color": EDGE,
        "arrowsize": "0.6",
        "penwidth": "1.1",
    }


def layer_node(role: str, kind: str) -> dict[str, str]:
    """Attributes of a layer node: ``kind`` is weighted/norm/act/pool/add/other."""
    tint, line = ROLE_COLOURS.get(role, ROLE_COLOURS["main"])
    if kind == "add":
        return {"shape": "circle", "style": "filled", "fillcolor": "white", "color": EDGE,
                "fixedsize": "true", "width": "0.32", "fontsize": "15", "margin": "0"}
    if kind == "weighted":
        return {"style": "rounded,filled", "fillcolor": tint, "color": line, "penwidth": "1.5"}
    if kind == "act":
        return {"shape": "oval", "style": "filled", "fillcolor": "white", "color": line,
                "margin": "0.06,0.02", "height": "0.26"}
    return {"style": "rounded,filled", "fillcolor": "white", "color": line}


def terminal_node() -> dict[str, str]:
    """The input / output of a block or a network: a quiet grey box."""
    return {"style": "rounded,filled", "fillcolor": "#FAFAFA", "color": FAINT,
            "fontcolor": MUTED}


def cluster_attrs(label: str, *, role: str | None = None, kind: str = "identity",
                  plain: bool = False) -> dict[str, str]:
    """A titled frame around a block, a stage or one panel of a comparison."""
    colour = ROLE_COLOURS[role][1] if role else FAINT
    attrs = {"label": label, "labeljust": "l", "labelloc": "t", "fontname": FONT,
             "fontsize": str(SIZE_CLUSTER), "fontcolor": TEXT, "color": colour,
             "style": "rounded" if plain else f"rounded,{SHORTCUT_STYLE.get(kind, 'solid')}",
             "penwidth": "1", "margin": "12"}
    return attrs


def main_edge() -> dict[str, str]:
    return {"weight": "8"}


def shortcut_edge(kind: str) -> dict[str, str]:
    line = ROLE_COLOURS["shortcut"][1]
    return {"color": line, "fontcolor": line, "style": SHORTCUT_STYLE.get(kind, "solid"),
            "penwidth": "1.6", "weight": "1"}
