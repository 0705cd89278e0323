"""Turn DOT source into SVG, PNG or PDF with nothing but ``pip install``.

Three renderers, tried in this order:

1. ``graphviz-pure`` (a dependency) — a self-contained port of Graphviz, installed as the
   ``graphviz-pure`` program. It needs no system library, and lays text out with metrics
   built into it (Arial's, for the house font), so the same DOT gives the same SVG bytes on
   every machine. It writes SVG, PNG and JPEG, not PDF.
2. ``pygraphviz`` — its wheels bundle Graphviz with cairo and pango, but load glib and X11
   from the system, so it does not import on a slim container; text is measured with the
   fonts installed on the machine. It writes PDF.
3. ``dot`` — a system Graphviz (``apt-get install graphviz``, ``brew install graphviz``).

``render(..., renderer="pygraphviz,dot")`` or ``RESNET_EXPLAIN_RENDERER=pygraphviz,dot`` names
the renderers to try, in order; the first one that is available and writes the format wins.

Rendering is silent: a renderer's warnings (Graphviz's font-metric notices, the bundled
fontconfig's complaints about a newer system configuration) never reach the terminal or a
notebook. They are captured from the program's stderr pipe, or, for pygraphviz, which runs in
this process, from file descriptor 2 *and* ``sys.stderr`` (in Jupyter these are different:
the kernel forwards fd 2 to the notebook itself). When a render fails, what the renderer said
is in the exception's message instead.

This module imports neither torch nor graphviz; pygraphviz is imported on first use.
"""

from __future__ import annotations

import functools
import importlib.metadata
import io
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, redirect_stderr
from pathlib import Path

from ..errors import UserError
from ..files import write_atomically
from . import cjk, style

#: Output formats by file suffix. ``dot`` is the source itself, no renderer needed.
FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot"}
RENDERED = ("svg", "png", "pdf", "jpeg")
#: Every renderer, in the default order of preference.
RENDERERS = ("graphviz-pure", "pygraphviz", "dot")
#: What each renderer can write.
WRITES = {"graphviz-pure": ("svg", "png", "jpeg"), "pygraphviz": RENDERED, "dot": RENDERED}
ENVIRONMENT = "RESNET_EXPLAIN_RENDERER"
#: Raster output is drawn at twice the screen resolution, sharp on slides and retina screens.
RASTER_DPI = "192"

NO_RENDERER_FIX = ("Install one: 'pip install graphviz-pure' (a self-contained Graphviz), "
                   "'pip install pygraphviz', or a system Graphviz ('apt-get install graphviz' "
                   "/ 'brew install graphviz'); or write DOT source with -o out.dot")
NO_PDF_FIX = ("For PDF, install pygraphviz ('pip install \"resnet-explain[pdf]\"') or a "
              "system Graphviz ('apt-get install graphviz' / 'brew install graphviz'), or "
              "write .svg or .png instead")
BROKEN_PYGRAPHVIZ_FIX = ("Install 'pip install graphviz-pure' (it needs no system library), "
                         "or the libraries pygraphviz's wheel expects ('apt-get install "
                         "libglib2.0-0 libx11-6 libxext6 libxrender1'); or write DOT source "
                         "with -o out.dot")


class NoRenderer(UserError):
    """No renderer that can write the requested format is available."""


# --- finding the renderers ----------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def graphviz_pure_executable() -> str | None:
    """The path of the ``graphviz-pure`` program, or ``None``.

    The wheel puts it in the environment's scripts folder, which is on PATH only when the
    environment is activated (a Jupyter kernel started by full path often is not), so the
    installed distribution's file list is asked first, then that folder, then PATH.
    """
    name = "graphviz-pure.exe" if os.name == "nt" else "graphviz-pure"
    candidates: list[Path] = []
    try:
        distribution = importlib.metadata.distribution("graphviz-pure")
        candidates += [Path(distribution.locate_file(file)) for file in distribution.files or ()
                       if Path(str(file)).name == name]
    except importlib.metadata.PackageNotFoundError:
        pass
    for folder in (sysconfig.get_path("scripts"), os.path.dirname(sys.executable)):
        if folder:
            candidates.append(Path(folder) / name)
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return os.fspath(candidate.resolve())
    return shutil.which("graphviz-pure")


@functools.lru_cache(maxsize=1)
def pygraphviz_problem() -> str | None:
    """Why pygraphviz cannot render here, or ``None`` when it can.

    Its wheel bundles Graphviz, cairo and pango, but (as manylinux allows) loads glib,
    gobject, X11, Xext, Xrender, expat and zlib from the system; a slim container image may
    lack glib or X11, and then the import fails.
    """
    import importlib.util

    try:
        if importlib.util.find_spec("pygraphviz") is None:
            return "pygraphviz is not installed"
    except ValueError:  # sys.modules["pygraphviz"] is None: deliberately hidden
        return "pygraphviz is not installed"
    try:
        import pygraphviz  # noqa: F401
    except (ImportError, OSError) as error:
        return f"pygraphviz is installed but does not load: {error}"
    return None


def renderer_problem(name: str) -> str | None:
    """Why the renderer ``name`` cannot run here, or ``None`` when it can."""
    if name == "graphviz-pure":
        return None if graphviz_pure_executable() else "graphviz-pure is not installed"
    if name == "pygraphviz":
        return pygraphviz_problem()
    return None if shutil.which("dot") else "no Graphviz 'dot' program on PATH"


def renderer_version(name: str) -> str | None:
    """The version of the renderer ``name`` (``"graphviz-pure 0.2.2"``), or ``None`` when it
    is not available here."""
    if renderer_problem(name) is not None:
        return None
    if name == "pygraphviz":
        import pygraphviz

        return f"pygraphviz {pygraphviz.__version__}"
    program = graphviz_pure_executable() if name == "graphviz-pure" else shutil.which("dot")
    result = subprocess.run([program or name, "-V"], capture_output=True, text=True,
                            check=False)
    words = (result.stderr + result.stdout).split()
    version = words[words.index("version") + 1] if "version" in words[:-1] else "?"
    return f"{name} {version}"


def renderer_order(renderer: str | Sequence[str] | None = None) -> tuple[str, ...]:
    """The renderers to try, in order: ``renderer`` (a name, a comma-separated list or a
    sequence), else ``$RESNET_EXPLAIN_RENDERER``, else :data:`RENDERERS`."""
    origin = "renderer="
    if renderer is None:
        renderer, origin = os.environ.get(ENVIRONMENT, ""), f"{ENVIRONMENT}="
    parts = renderer.split(",") if isinstance(renderer, str) else list(renderer)
    names = tuple(part.strip().lower() for part in parts if part.strip())
    for name in names:
        if name not in RENDERERS:
            raise UserError(f"{origin}{renderer!r} names no renderer {name!r}",
                            f"Name one or more of {', '.join(RENDERERS)}, separated by commas")
    return names or RENDERERS


def available_renderer(format: str = "svg",
                       renderer: str | Sequence[str] | None = None) -> str | None:
    """The first renderer of :func:`renderer_order` that runs here and writes ``format``."""
    for name in renderer_order(renderer):
        if format in WRITES[name] and renderer_problem(name) is None:
            return name
    return None


def no_renderer(what: str, format: str = "svg",
                renderer: str | Sequence[str] | None = None) -> NoRenderer:
    """The error for "nothing here can draw ``format``", with the fix that applies."""
    order = renderer_order(renderer)
    here = [name for name in order if renderer_problem(name) is None]
    if here:
        return NoRenderer(f"{what}: {' and '.join(here)} cannot write {format.upper()}",
                          NO_PDF_FIX)
    problem = pygraphviz_problem() if "pygraphviz" in order else None
    if problem and problem != "pygraphviz is not installed":
        return NoRenderer(f"{what}: {problem}", BROKEN_PYGRAPHVIZ_FIX)
    return NoRenderer(what, NO_RENDERER_FIX)


# --- rendering ----------------------------------------------------------------------------
def render(source: str, format: str = "svg", *,
           renderer: str | Sequence[str] | None = None) -> bytes:
    """Lay out ``source`` with Graphviz's ``dot`` layout and return the ``format`` bytes.

    SVG text keeps the house font's metrics (:data:`~.style.FONT`) but names its whole
    family list (:data:`~.style.SVG_FONT_FAMILY`), so a viewer without Arial picks a font
    with the same widths.
    """
    if format not in RENDERED:
        raise UserError(f"cannot render {format!r}",
                        f"Choose one of {', '.join(RENDERED)} (or write DOT source)")
    which = available_renderer(format, renderer)
    if which is None:
        raise no_renderer("no Graphviz renderer is available to draw the diagram", format,
                          renderer)
    chinese = cjk.has_cjk(source)
    if chinese and format in ("png", "jpeg") and renderer is None \
            and os.environ.get(ENVIRONMENT) is None:
        # graphviz-pure draws raster text with its own fonts, which have no CJK glyphs; a
        # renderer that draws with the system's fonts goes first where there is one
        which = next((name for name in ("pygraphviz", "dot")
                      if renderer_problem(name) is None), which)
        if which == "graphviz-pure":
            _hint_cjk_raster()
    if which == "pygraphviz":
        data = _render_pygraphviz(source, format)
    else:
        executable = graphviz_pure_executable() if which == "graphviz-pure" else "dot"
        if which == "graphviz-pure" and chinese:
            source = cjk.widen_labels(source)
        data = _render_program(which, executable or which, source, format)
        if which == "graphviz-pure" and chinese and format == "svg":
            data = cjk.place_text(data.decode("utf-8")).encode("utf-8")
    return _svg_fonts(data, chinese) if format == "svg" else data


#: The one line said when a Chinese drawing is rasterised by graphviz-pure.
CJK_RASTER_HINT = ("graphviz-pure has no CJK glyphs for PNG/JPEG: Chinese text shows as boxes. "
                   "Write .svg (any browser draws it), or install pygraphviz or a system "
                   "Graphviz ('apt-get install graphviz fonts-noto-cjk')")


@functools.lru_cache(maxsize=1)
def _hint_cjk_raster() -> None:
    import warnings

    warnings.warn(CJK_RASTER_HINT, UserWarning, stacklevel=4)


def _svg_fonts(svg: bytes, chinese: bool = False) -> bytes:
    family = style.SVG_FONT_FAMILY_CJK if chinese else style.SVG_FONT_FAMILY
    return svg.replace(f'font-family="{style.FONT}"'.encode(),
                       f'font-family="{family}"'.encode())


def _render_program(name: str, executable: str, source: str, format: str) -> bytes:
    """Run a Graphviz program with the source on stdin; its stderr is captured, never shown."""
    path = shutil.which(executable) or executable
    options = [f"-Gdpi={RASTER_DPI}"] if format in ("png", "jpeg") else []
    try:
        result = subprocess.run([path, f"-T{format}", *options], input=source.encode("utf-8"),
                                capture_output=True, check=False,
                                creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0))
    except OSError as error:
        raise NoRenderer(f"cannot run {name} ({path}): {error.strerror or error}",
                         NO_RENDERER_FIX) from None
    if result.returncode != 0 or not result.stdout:
        raise RuntimeError(f"{name} failed to draw {format}: "
                           f"{_complaint(result.stderr.decode('utf-8', 'replace'))}")
    return result.stdout


def _complaint(stderr: str) -> str:
    """The renderer's error, without its warnings and fontconfig's notices."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines
              if not line.startswith(("Warning", "Fontconfig"))] or lines
    return errors[0] if errors else "no output"


def _render_pygraphviz(source: str, format: str) -> bytes:
    import warnings

    import pygraphviz

    with warnings.catch_warnings(), quiet_stderr() as said:
        warnings.simplefilter("ignore")  # pygraphviz turns Graphviz notices into warnings
        try:
            graph = pygraphviz.AGraph(string=source)
            if format in ("png", "jpeg"):
                graph.graph_attr["dpi"] = RASTER_DPI
            data = graph.draw(format=format, prog="dot")
        except Exception as error:
            raise RuntimeError(f"pygraphviz failed to draw {format}: {error}; "
                               f"{_complaint(said.getvalue())}") from error
    if not data:
        raise RuntimeError(f"pygraphviz produced no {format} output: {_complaint(said.getvalue())}")
    return data


@contextmanager
def quiet_stderr() -> Iterator[io.StringIO]:
    """Capture everything written to stderr, at the C level and the Python level.

    File descriptor 2 is where C libraries (Graphviz, fontconfig) write. ``sys.stderr`` is
    where Python code writes; in a terminal it is fd 2 too, but in ipykernel it is a stream
    whose ``fileno()`` is a *copy* of the original fd 2, while fd 2 itself is a pipe the kernel
    forwards to the notebook. So both are redirected. The captured text is yielded.
    """
    said = io.StringIO()
    try:
        sys.stderr.flush()
    except (AttributeError, OSError, ValueError):
        pass
    try:
        saved = os.dup(2)
    except OSError:  # no fd 2 at all (pythonw)
        with redirect_stderr(said):
            yield said
        return
    with tempfile.TemporaryFile() as capture, redirect_stderr(said):
        os.dup2(capture.fileno(), 2)
        try:
            yield said
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            said.write(capture.read().decode("utf-8", "replace"))


# --- files --------------------------------------------------------------------------------
def format_for(path: str | os.PathLike[str]) -> str:
    """The output format named by a file's suffix; a UserError for an unknown one."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        known = ", ".join(sorted(set(FORMATS)))
        raise UserError(f"cannot tell the format of {os.fspath(path)!r} from its suffix "
                        f"{suffix or '(none)'!r}", f"End the file name in one of {known}")
    return FORMATS[suffix]


def write(source: str, path: str | os.PathLike[str], *,
          renderer: str | Sequence[str] | None = None) -> Path:
    """Write ``source`` (DOT) to ``path``, rendered to the format its suffix names."""
    target = Path(path)
    format = format_for(target)
    data = (source if source.endswith("\n") else source + "\n").encode("utf-8") \
        if format == "dot" else render(source, format, renderer=renderer)
    try:
        write_atomically(target, data)
    except OSError as error:
        raise UserError(f"cannot write {os.fspath(path)}: {error.strerror or error}",
                        "Choose a writable path for --output") from None
    return target
