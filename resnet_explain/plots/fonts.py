"""A font for Chinese plot text: a CJK face found by matplotlib, after the house font.

The house font (DejaVu Sans, bundled with matplotlib) has no CJK glyphs. A Chinese plot
names a CJK font after it — matplotlib (3.6 and later) takes each glyph from the first font
of the list that has it, so Latin letters and digits keep DejaVu Sans and Chinese text takes
the CJK face. The face is one that matplotlib's font manager already knows (an installed
system font such as Noto Sans CJK SC, or one added with ``font_manager.fontManager.addfont``);
nothing is downloaded. Where there is none, one warning says how to install one, once, and
the plot is drawn without it (its Chinese text as empty boxes, matplotlib's own
missing-glyph warnings silenced: the one line has said it).

This module imports matplotlib only when a function is called.
"""

from __future__ import annotations

import contextlib
import functools
import warnings
from collections.abc import Iterator

#: CJK faces to look for, best first (Simplified Chinese forms first).
CANDIDATES: tuple[str, ...] = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
    "Microsoft YaHei", "PingFang SC", "Hiragino Sans GB", "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei", "SimHei", "Noto Sans CJK JP", "Noto Sans CJK TC",
    "Droid Sans Fallback", "AR PL UMing CN",
)
#: The one line said when no CJK font is found.
NO_CJK_FONT = ("no CJK font found for Chinese plot text: it shows as boxes. Install one, "
               "e.g. 'apt-get install fonts-noto-cjk' (Debian/Ubuntu), 'brew install --cask "
               "font-noto-sans-cjk-sc' (macOS), then delete matplotlib's font cache "
               "(~/.cache/matplotlib)")
HOUSE = "DejaVu Sans"


#: File names of CJK fonts installed on the system (Noto, Source Han, YaHei, PingFang,
#: WenQuanYi, SimHei), for a font cache that matplotlib built before they were installed.
FILES = ("notosanscjk", "notosanssc", "sourcehansans", "msyh", "pingfang", "wqy", "simhei",
         "droidsansfallback")


@functools.cache
def cjk_font() -> str | None:
    """The name of a CJK font matplotlib's font manager has, or ``None``.

    matplotlib lists the system's fonts once, in a cache; a CJK font installed after that
    (``apt-get install fonts-noto-cjk`` on a machine that already drew a plot) is not in it.
    So where the cache has none, the installed font files are asked (``fc-list`` or the
    font folders, as matplotlib finds them) and a CJK one is added for this session."""
    from matplotlib import font_manager

    manager = font_manager.fontManager
    found = _first(manager)
    if found is None:
        for path in font_manager.findSystemFonts():
            if any(part in path.lower().replace("-", "").replace("_", "") for part in FILES):
                try:
                    manager.addfont(path)
                except (OSError, RuntimeError, ValueError):  # a file FreeType cannot read
                    continue
        found = _first(manager)
    return found


def _first(manager: object) -> str | None:
    have = {font.name for font in getattr(manager, "ttflist", ())}
    return next((name for name in CANDIDATES if name in have), None)


def families() -> list[str]:
    """``font.family`` for a Chinese plot: the house font, then a CJK face where there is
    one (else the house font alone, after one warning)."""
    found = cjk_font()
    if found is None:
        _warn_once()
        return [HOUSE]
    return [HOUSE, found]


@functools.cache
def _warn_once() -> None:
    warnings.warn(NO_CJK_FONT, UserWarning, stacklevel=5)


@contextlib.contextmanager
def quiet_missing_glyphs() -> Iterator[None]:
    """Silence matplotlib's "Glyph … missing from font(s)" warnings for CJK characters while
    a figure is made or drawn (with a CJK font there are none; without one,
    :data:`NO_CJK_FONT` has said it in one line)."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=r"Glyph \d+ \(\\N\{(CJK|FULLWIDTH|IDEOGRAPHIC|HALFWIDTH)",
            category=UserWarning)
        yield
