"""Matplotlib figures of an Architecture — imported only when a plot is asked for.

Slide-ready by default: 12.8 × 7.2 inches at 100 dpi (1280 × 720 px), large type, a title,
axis labels with units, the paper's stage names on the axes. The style is applied inside an
``rc_context`` (nothing global changes) with a fixed bundled font (DejaVu Sans), so a
figure looks the same on every machine. :func:`save` writes deterministic SVG (no date, a
fixed hash salt for the ids) and PDF (no date), so the committed figures and the tests can
compare bytes.

Every number drawn comes from :mod:`.data`, which reads the Architecture.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..i18n import _, is_chinese
from ..notation import dims
from . import data, fonts

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..architecture import Architecture

SIZE = (12.8, 7.2)  # inches; at 100 dpi a 1280 × 720 slide
DPI = 100
STYLE: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 15,
    "axes.titlesize": 20,
    "axes.labelsize": 16,
    "xtick.labelsize": 13,
    "ytick.labelsize": 13,
    "legend.fontsize": 13,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "svg.hashsalt": "resnet-explain",
    "svg.fonttype": "path",
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
}
BLUE, ORANGE, GREEN, GREY = "#1f5fa8", "#d9822b", "#3a8f4b", "#666666"


@contextmanager
def style() -> Iterator[None]:
    """The house style; in Chinese, with a CJK font after DejaVu Sans (:mod:`.fonts`)."""
    import matplotlib

    if not is_chinese():
        with matplotlib.rc_context(STYLE):
            yield
        return
    with matplotlib.rc_context({**STYLE, "font.family": fonts.families()}), \
            fonts.quiet_missing_glyphs():
        yield


def _figure(ncols: int = 1, **margins: float) -> tuple[Figure, list[Axes]]:
    """A slide-sized figure with fixed margins (fractions of the figure). Fixed, not
    matplotlib's constrained layout: that measures every label several times and makes a
    plot two to five times slower to draw, for the same picture at this one size."""
    from .shown import ShownFigure  # a Figure that Jupyter shows as a picture

    figure = ShownFigure(figsize=SIZE, dpi=DPI)
    axes = figure.subplots(1, ncols, squeeze=False)[0]
    figure.subplots_adjust(**{"left": 0.08, "right": 0.97, "bottom": 0.1, "top": 0.9,
                              "wspace": 0.28, **margins})
    return figure, list(axes)


def _millions(value: float) -> float:
    return value / 1e6


# --- one model ----------------------------------------------------------------------------
def stages(arch: Architecture) -> Figure:
    """Map size and channels per stage, titled with the paper's rule as the stages keep it
    (:func:`.data.stage_rule`): where a step does not (the stem's max-pool halves the map
    without filters; a Bottleneck expands ×4), a line under the title says it in numbers."""
    series = data.stage_maps(arch)
    claim, steps = data.stage_rule(series)
    with style():
        figure, (ax,) = _figure(right=0.9, top=0.9 - 0.035 * len(steps))
        x = list(range(len(series.names)))
        bars = ax.bar(x, series.channels, color=BLUE, alpha=0.85, label=_("channels (filters)"),
                      gid="channels")
        top = max(series.channels) * 1.15
        low, high = min(series.map_size) / 1.6, max(series.map_size) * 2.2
        places = label_places([c / top for c in series.channels],
                              [math.log(s / low) / math.log(high / low) for s in series.map_size])
        ax.bar_label(bars, labels=["" if inside is not None else str(c)
                                   for c, (inside, _below) in zip(series.channels, places)],
                     padding=_BAR_PAD, fontsize=_LABEL_PT)
        for xi, channels, (inside, _below) in zip(x, series.channels, places):
            if inside is not None:  # the map-size marker is on the bar's top: in the bar
                ax.annotate(str(channels), (xi, channels), textcoords="offset points",
                            xytext=(0, -round(inside, 1)), ha="center", va="top",
                            color="white", fontsize=_LABEL_PT)
        ax.set_ylabel(_("output channels (filters)"), color=BLUE)
        ax.set_xticks(x, series.names)
        ax.set_xlabel(_("stage (the paper's names)"))
        right = ax.twinx()
        one_d = all(len(sizes) == 1 for sizes in series.maps)
        what = (_("map size H (= W)") if series.square else _("map length L") if one_d
                else _("map width W"))
        right.plot(x, series.map_size, color=ORANGE, marker="o", linewidth=3, markersize=10,
                   label=what, gid="map-size")
        for xi, sizes, size, (_inside, below) in zip(x, series.maps, series.map_size, places):
            right.annotate(dims(sizes), (xi, size), textcoords="offset points",
                           xytext=(0, -_MAP_PAD if below else _MAP_PAD), ha="center",
                           va="top" if below else "baseline", color=ORANGE,
                           fontsize=_LABEL_PT)
        right.set_yscale("log", base=2)
        sizes = sorted(set(series.map_size))  # plain numbers: no mathtext to typeset
        right.set_yticks(sizes, [str(size) for size in sizes])
        right.minorticks_off()
        right.set_ylabel(_("output length (samples, log scale)") if one_d else
                         _("output map size (pixels per side, log scale)"), color=ORANGE)
        right.grid(False)
        right.spines["right"].set_visible(True)
        right.set_ylim(low, high)
        ax.set_ylim(0, top)
        ax.set_title(_("{model}: {claim}", model=arch.model, claim=claim),
                     pad=12 + 18 * len(steps))
        for number, step in enumerate(steps):  # the steps that do not keep the rule, said
            ax.annotate(step, (0.5, 1.0), xycoords="axes fraction", textcoords="offset points",
                        xytext=(0, 6 + 18 * (len(steps) - 1 - number)), ha="center",
                        va="bottom", fontsize=12, color=GREY, gid="rule-step")
        handles = [bars, right.lines[0]]
        if series.widths != series.channels:  # a Bottleneck's inner width, inside its bar
            inner = ax.bar(x, series.widths, width=0.3, color="white", alpha=0.55,
                           edgecolor=BLUE, hatch="//", label=_("filters inside the blocks (3×3)"),
                           gid="widths")
            handles.insert(1, inner)
        ax.legend(handles, [h.get_label() for h in handles],
                  loc="center left" if len(handles) > 2 else "upper left")
    return figure


# The stage plot's labels, in points: their size, and their offsets from the bar's top and
# from the map-size marker (10 points across, with its edge and a margin: 14). The plot
# area is 80 % of the figure's height.
_LABEL_PT, _BAR_PAD, _MAP_PAD, _MARKER_PT = 13, 3, 12, 14
_PLOT_PT = SIZE[1] * 72 * 0.8


def label_places(bars: list[float], points: list[float]) -> list[tuple[float | None, bool]]:
    """Where each stage's two labels go, so that neither covers the other's marks: the
    channel count above its bar (``None``) or inside it, that many points below the bar's
    top; the map size above its marker or below it (``True``). ``bars`` and ``points`` are
    the heights of the bar tops and of the markers, as fractions of the plot's height.

    A label moves only where it would overlap (a CIFAR ResNet's 16×16 marker sits on the
    32-channel bar's top); the first arrangement without an overlap is taken, in the order:
    both as usual, the map size below, the count inside (under the marker where the marker
    is in the bar), both moved."""
    text, bar_pad, map_pad = (_LABEL_PT / _PLOT_PT, _BAR_PAD / _PLOT_PT,
                              _MAP_PAD / _PLOT_PT)
    radius = _MARKER_PT / 2 / _PLOT_PT
    places: list[tuple[float | None, bool]] = []
    for bar, point in zip(bars, points):
        marker = (point - radius, point + radius)
        inner_top = min(bar, marker[0]) - bar_pad if marker[0] < bar else bar - bar_pad
        chosen: tuple[float | None, bool] = (None, False)
        for inside, below in ((False, False), (False, True), (True, False), (True, True)):
            count = ((inner_top - text, inner_top) if inside
                     else (bar + bar_pad, bar + bar_pad + text))
            size = ((point - map_pad - text, point - map_pad) if below
                    else (point + map_pad, point + map_pad + text))
            if inside and count[0] < 0:
                continue  # the bar is too short to hold its count
            if not (_overlap(count, marker) or _overlap(count, size)):
                chosen = ((bar - inner_top) * _PLOT_PT if inside else None, below)
                break
        places.append(chosen)
    return places


def _tick(name: str) -> str:
    """A bar's name on the axis: ``stem`` and ``head`` in the current language, a paper name
    (conv2_1) as it is."""
    return _("stem") if name == "stem" else _("head") if name == "head" else name


def _unit(unit: str) -> str:
    """``px`` or ``samples`` as a plot says it (Chinese: 像素, 个采样点)."""
    return _("px") if unit == "px" else _("samples") if unit == "samples" else unit


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _cost(arch: Architecture, series: data.CostSeries, what: str,
          claim: str | None = None) -> Figure:
    with style():
        x = list(range(len(series.names)))
        figure, (top, bottom) = _figure(2, top=0.84, bottom=0.2 if len(x) > 8 else 0.1)
        params = [_millions(p) for p in series.params]
        macs = [_millions(m) for m in series.macs]
        top.bar(x, params, color=BLUE, gid="params")
        top.set_ylabel(_("parameters (millions)"))
        top.set_title(_("parameters"))
        bottom.bar(x, macs, color=GREEN, gid="macs")
        bottom.set_ylabel(_("multiply-adds per image (millions)"))
        bottom.set_title(_("multiply-adds"))
        rotate = 90 if len(x) > 8 else 0
        # Many blocks: name only the first block of each stage (conv2_1, conv3_1 …).
        shown = [(i, n) for i, n in zip(x, series.names)
                 if len(x) <= 24 or (n.startswith("conv") and n.endswith("_1"))]
        for ax in (top, bottom):
            ax.set_xticks([i for i, _name in shown], [_tick(n) for _i, n in shown],
                          rotation=rotate,
                          fontsize=12)
            ax.set_xlabel(what)
        total_p, total_m = _millions(arch.total_params), _millions(arch.macs_per_image)
        title = claim or _("where the parameters ({params} M) and the multiply-adds "
                           "({macs} M) sit", params=f"{total_p:.1f}", macs=f"{total_m:,.0f}")
        figure.suptitle(_("{model}: {claim}", model=arch.model, claim=title), fontsize=20)
    return figure


def costs(arch: Architecture) -> Figure:
    """Parameters and multiply-adds per stage."""
    return _cost(arch, data.stage_costs(arch), _("stage (the paper's names)"))


def block_cost(arch: Architecture) -> Figure:
    """Parameters and multiply-adds per residual block (plus stem and head), titled with the
    lesson the bars show where they show it (:func:`.data.identity_claim`)."""
    return _cost(arch, data.block_costs(arch), _("block (stem, conv2_1 …, head)"),
                 data.identity_claim(arch))


def receptive_field(arch: Architecture) -> Figure:
    """The receptive field along the main path, against the input size."""
    from matplotlib.ticker import MaxNLocator

    series = data.receptive_field(arch)
    with style():
        figure, (ax,) = _figure(top=0.84)
        # The last field holds up to the layer that sees the whole input (the fc, #depth).
        end = max([series.positions[-1] + 1, *(p for _name, p in series.whole_weighted)])
        ax.step([*series.positions, end], [*series.size, series.size[-1]], where="post",
                color=BLUE, linewidth=3, label=_("receptive field"), gid="receptive-field")
        ax.axhline(series.input_size, color=ORANGE, linestyle="--", linewidth=2,
                   label=_("input size ({size} {unit})", size=series.input_size,
                           unit=_unit(series.unit)), gid="input-size")
        # stage bands, labelled with the paper's names: each spans its weighted layers' numbers
        bands: dict[str, list[int]] = {}
        for stage, position, name in zip(series.stages, series.positions, series.names):
            if name in series.weighted:
                bands.setdefault(stage, []).append(position)
        for number, (stage, where) in enumerate(bands.items()):
            if number % 2 == 1:
                ax.axvspan(min(where) - 0.5, max(where) + 0.5, color=GREY, alpha=0.08,
                           linewidth=0)
            ax.annotate(stage, ((min(where) + max(where)) / 2, 1.0),
                        xycoords=("data", "axes fraction"), ha="center", va="bottom",
                        fontsize=12, color=GREY)
        last = series.size[-1]
        ax.annotate(_("{size} {unit} (jump {jump})", size=last, unit=_unit(series.unit),
                      jump=series.jump[-1]), (series.positions[-1], last),
                    textcoords="offset points", xytext=(-10, 8), ha="right", fontsize=14,
                    color=BLUE)
        for name, position in series.whole_weighted:  # the fc, #depth: the whole input
            ax.plot([position], [series.input_size], marker="o", color=BLUE, markersize=9,
                    linestyle="none", gid="whole-input")
            ax.annotate(_("{name} (#{position}) sees all", name=name, position=position),
                        (position, series.input_size),
                        textcoords="offset points", xytext=(-8, -22), ha="right", fontsize=13,
                        color=BLUE)
        ax.set_xlabel(_("weighted layers on the main path so far (the # the depth counts)"))
        ax.set_ylabel(_("receptive field (input samples)") if series.unit == "samples"
                      else _("receptive field (input pixels per side)"))
        ax.set_xlim(0.5, max([series.depth, end]) + 0.5)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylim(0, max(max(series.size), series.input_size) * 1.12)
        ax.set_title(_("{model}: receptive field growth", model=arch.model), pad=28)
        ax.legend(loc="upper left")
    return figure


# --- several models ---------------------------------------------------------------------------
def models(archs: list[Architecture]) -> Figure:
    """Depth against parameters and multiply-adds (v1 and v1.5), and per-stage parameters."""
    points = data.model_points(archs)
    with style():
        figure, (left, right) = _figure(2, top=0.84, wspace=0.38)
        # Models traced at different image sizes (CIFAR's 32×32, ImageNet's 224×224) are
        # different series: no line joins them.
        images = list(dict.fromkeys(p.image for p in points))
        twin = left.twinx()
        twin.grid(False)
        twin.spines["right"].set_visible(True)
        styles = {"v1": ("--", "s"), "v1.5": ("-", "o"), None: ("-", "o")}
        for image in images:
            group = [p for p in points if p.image == image]
            at = f", {image}" if len(images) > 1 else ""
            depth_params = sorted({(p.depth, p.params) for p in group})
            left.plot([d for d, _p in depth_params], [_millions(p) for _d, p in depth_params],
                      color=BLUE, marker="o", linewidth=3, markersize=9,
                      label=_("parameters (M)") + at, gid="params" + at.replace(", ", "-"))
            layouts = sorted({p.layout for p in group if p.layout}) or [None]
            for found in layouts:
                members = sorted((p.depth, p.macs) for p in group
                                 if p.layout in (found, None) or found is None)
                line, marker = styles.get(found, ("-", "o"))
                label = _("multiply-adds (G)") + (f", {found}" if found else "") + at
                twin.plot([d for d, _m in members], [m / 1e9 for _d, m in members], color=GREEN,
                          linestyle=line, marker=marker, linewidth=2.5, markersize=8,
                          label=label, gid=f"macs-{found or 'all'}" + at.replace(", ", "-"))
        left.set_xlabel(_("depth (weighted layers on the main path)"))
        left.set_ylabel(_("parameters (millions)"), color=BLUE)
        twin.set_ylabel(_("multiply-adds per image (G)"), color=GREEN)
        handles = left.lines + twin.lines
        # With several series the corner may hold a point (ResNet-18 beside CIFAR ResNets).
        left.legend(handles, [h.get_label() for h in handles],
                    loc="upper left" if len(images) == 1 else "best")
        left.set_xticks(_spread(sorted({p.depth for p in points})))
        left.set_title(_("depth vs parameters and multiply-adds"))

        names = data.stage_names(archs)
        width = 0.8 / len(archs)
        for number, arch in enumerate(archs):
            by_stage = {s.name: s.params for s in arch.stages}
            x = [i + (number - (len(archs) - 1) / 2) * width for i in range(len(names))]
            right.bar(x, [_millions(by_stage.get(n, 0)) for n in names], width=width,
                      label=arch.model, gid=f"stage-params-{number}")
        right.set_xticks(range(len(names)), names, fontsize=11)
        right.set_xlabel(_("stage (the paper's names)"))
        right.set_ylabel(_("parameters (millions)"))
        right.set_title(_("parameters per stage"))
        right.legend(loc="upper left", fontsize=11)
        figure.suptitle(_("ResNets side by side"), fontsize=22)
    return figure


def _spread(ticks: list[int]) -> list[int]:
    """``ticks`` without those that would print over the one before (18 and 20 on an axis
    up to 56): at least 7 % of the axis apart, the width of a three-digit label on a panel
    of about 460 pixels."""
    kept: list[int] = []
    for tick in ticks:
        if not kept or tick - kept[-1] >= 0.07 * (ticks[-1] - ticks[0]):
            kept.append(tick)
    return kept


# --- writing ----------------------------------------------------------------------------------
FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}


def to_bytes(figure: Figure, format: str, *, text: bool = False) -> bytes:
    """The figure as ``svg``, ``png`` or ``pdf`` bytes; the same bytes for the same figure.

    SVG text is drawn as paths (it looks the same everywhere); ``text=True`` keeps it as
    ``<text>`` in the font family (smaller and faster, for pages that show it inline).
    """
    import matplotlib

    metadata: dict[str, Any] = {"svg": {"Date": None}, "pdf": {"CreationDate": None,
                                                               "ModDate": None},
                                "png": {"Software": None}}[format]
    buffer = io.BytesIO()
    with style(), matplotlib.rc_context({"svg.fonttype": "none" if text else "path"}), \
            fonts.quiet_missing_glyphs():
        figure.savefig(buffer, format=format, metadata=metadata)
    return buffer.getvalue()


def save(figure: Figure, path: str | Path) -> None:
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"cannot write {path}: use .png, .svg or .pdf")
    Path(path).write_bytes(to_bytes(figure, FORMATS[suffix]))
