"""Turn DOT source into SVG, PNG or PDF without needing a system Graphviz.

Renderers, in order of preference:

1. ``pygraphviz`` — its wheels (≥ 2.0.4) bundle Graphviz with the cairo/pango plugins, so
   ``pip install pygraphviz`` is all a machine needs;
2. the ``dot`` executable of a system Graphviz (``apt-get install graphviz``);
3. neither: a :class:`~resnet_explain.errors.UserError` that names both fixes.

``RESNET_EXPLAIN_RENDERER=pygraphviz|dot`` forces one of them.

This module imports neither torch nor graphviz; pygraphviz is imported on first use.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import UserError

#: Output formats by file suffix. ``dot`` is the source itself, no renderer needed.
FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot"}
RENDERED = ("svg", "png", "pdf", "jpeg")
RENDERERS = ("pygraphviz", "dot")
#: Raster output is drawn at twice the screen resolution, sharp on slides and retina screens.
RASTER_DPI = "192"

NO_RENDERER_FIX = ("Install one: 'pip install pygraphviz' (its wheels bundle Graphviz), or a "
                   "system Graphviz ('apt-get install graphviz' / 'brew install graphviz'); "
                   "or write DOT source with -o out.dot")


class NoRenderer(UserError):
    """Neither pygraphviz nor a ``dot`` executable is available."""


@functools.lru_cache(maxsize=1)
def pygraphviz_problem() -> str | None:
    """Why pygraphviz cannot render here, or ``None`` when it can.

    Its wheel bundles Graphviz, cairo and pango, but (as manylinux allows) loads glib,
    gobject, X11, Xext, Xrender, expat and zlib from the system; a slim container image may
    lack glib or X11, and then the import fails.
    """
    import importlib.util

    if importlib.util.find_spec("pygraphviz") is None:
        return "pygraphviz is not installed"
    try:
        import pygraphviz  # noqa: F401
    except (ImportError, OSError) as error:
        return f"pygraphviz is installed but does not load: {error}"
    return None


BROKEN_PYGRAPHVIZ_FIX = ("Install the system libraries its wheel expects ('apt-get install "
                         "libglib2.0-0 libx11-6 libxext6 libxrender1'), or a system Graphviz "
                         "('apt-get install graphviz'); or write DOT source with -o out.dot")


def _has_pygraphviz() -> bool:
    return pygraphviz_problem() is None


def no_renderer(what: str) -> NoRenderer:
    problem = pygraphviz_problem()
    if problem and problem != "pygraphviz is not installed":
        return NoRenderer(f"{what}: {problem}", BROKEN_PYGRAPHVIZ_FIX)
    return NoRenderer(what, NO_RENDERER_FIX)


def available_renderer() -> str | None:
    """``"pygraphviz"``, ``"dot"`` or ``None``: what :func:`render` would use."""
    forced = os.environ.get("RESNET_EXPLAIN_RENDERER", "").strip().lower()
    if forced:
        if forced not in RENDERERS:
            raise UserError(f"RESNET_EXPLAIN_RENDERER={forced!r} is not a renderer",
                            "Set it to 'pygraphviz' or 'dot', or unset it")
        if forced == "pygraphviz":
            return "pygraphviz" if _has_pygraphviz() else None
        return "dot" if shutil.which("dot") else None
    if _has_pygraphviz():
        return "pygraphviz"
    if shutil.which("dot"):
        return "dot"
    return None


def render(source: str, format: str = "svg", *, renderer: str | None = None) -> bytes:
    """Lay out ``source`` with Graphviz's ``dot`` and return the ``format`` bytes."""
    if format not in RENDERED:
        raise UserError(f"cannot render {format!r}",
                        f"Choose one of {', '.join(RENDERED)} (or write DOT source)")
    which = renderer or available_renderer()
    if which is None:
        raise no_renderer("no Graphviz renderer is available to draw the diagram")
    if which == "pygraphviz":
        return _render_pygraphviz(source, format)
    return _render_dot(source, format)


def _render_pygraphviz(source: str, format: str) -> bytes:
    import warnings

    import pygraphviz

    with warnings.catch_warnings(), _filtered_stderr():
        warnings.simplefilter("ignore")  # pygraphviz turns Graphviz notices into warnings
        graph = pygraphviz.AGraph(string=source)
        if format in ("png", "jpeg"):
            graph.graph_attr["dpi"] = RASTER_DPI
        data = graph.draw(format=format, prog="dot")
    if not data:
        raise RuntimeError(f"pygraphviz produced no {format} output")
    return data


def _render_dot(source: str, format: str) -> bytes:
    executable = shutil.which("dot")
    if executable is None:
        raise NoRenderer("no Graphviz 'dot' executable on PATH", NO_RENDERER_FIX)
    options = [f"-Gdpi={RASTER_DPI}"] if format in ("png", "jpeg") else []
    result = subprocess.run([executable, f"-T{format}", *options], input=source.encode("utf-8"),
                            capture_output=True, check=False)
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError(f"dot failed: {message[0] if message else result.returncode}")
    return result.stdout


@contextmanager
def _filtered_stderr() -> Iterator[None]:
    """Hide the bundled fontconfig's complaints about a newer system config.

    The pygraphviz wheel carries its own fontconfig, which prints ``Fontconfig warning: …
    unknown element "reset-dirs"`` when it reads a newer distribution's fonts.conf. The
    message is harmless (fonts are found) but looks like a failure, so it is dropped;
    anything else written to the C-level stderr is passed on.
    """
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # no real stderr (e.g. some notebooks)
        yield
        return
    sys.stderr.flush()
    saved = os.dup(fd)
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), fd)
        try:
            yield
        finally:
            os.dup2(saved, fd)
            os.close(saved)
            capture.seek(0)
            kept = [line for line in capture.read().decode("utf-8", "replace").splitlines()
                    if line.strip() and not line.startswith("Fontconfig")]
            if kept:
                sys.stderr.write("\n".join(kept) + "\n")


def format_for(path: str | os.PathLike[str]) -> str:
    """The output format named by a file's suffix; a UserError for an unknown one."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        known = ", ".join(sorted(set(FORMATS)))
        raise UserError(f"cannot tell the format of {os.fspath(path)!r} from its suffix "
                        f"{suffix or '(none)'!r}", f"End the file name in one of {known}")
    return FORMATS[suffix]


def write(source: str, path: str | os.PathLike[str]) -> Path:
    """Write ``source`` (DOT) to ``path``, rendered to the format its suffix names."""
    target = Path(path)
    format = format_for(target)
    data = (source if source.endswith("\n") else source + "\n").encode("utf-8") \
        if format == "dot" else render(source, format)
    try:
        target.write_bytes(data)
    except OSError as error:
        raise UserError(f"cannot write {os.fspath(path)}: {error.strerror or error}",
                        "Choose a writable path for --output") from None
    return target
