"""Headless Chromium for the Jupyter-display test and the screenshots: no driver, no download.

Chromium is run as a plain command: ``--dump-dom`` prints the page's DOM after it has loaded
(a script in the page writes its measurements into the DOM first), ``--screenshot`` writes a
PNG. The page puts the HTML inside a mock JupyterLab output area that carries the host's
table CSS (``tests/fixtures/jupyter_host.css``), so what is measured is what a notebook shows.

Chromium is looked up as ``$RESNET_EXPLAIN_CHROMIUM``, then ``chromium``, ``chromium-browser``,
``google-chrome`` on the PATH. ``.ci/run`` installs Debian's ``chromium`` in CI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST_CSS = ROOT / "tests" / "fixtures" / "jupyter_host.css"
#: Laid over :data:`HOST_CSS` for the dark theme.
DARK_CSS = ROOT / "tests" / "fixtures" / "jupyter_host_dark.css"
#: The host's font sizes (px) that ``font_scale`` multiplies: the output area's text, tables.
_HOST_FONT, _HOST_TABLE_FONT = 14, 13

_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
          "--no-first-run", "--disable-component-update", "--disable-sync",
          "--hide-scrollbars", "--force-device-scale-factor=1", "--font-render-hinting=none")


def find_chromium() -> str | None:
    """The Chromium executable, or None when there is none."""
    configured = os.environ.get("RESNET_EXPLAIN_CHROMIUM")
    if configured:
        return configured if Path(configured).exists() else None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def host_page(fragment: str, width: int = 1000, script: str = "", scale: float = 1.0) -> str:
    """A page that shows ``fragment`` the way a JupyterLab output area ``width`` px wide does."""
    css = HOST_CSS.read_text(encoding="utf-8")
    zoom = f"<style>body {{ zoom: {scale:g}; }}</style>" if scale != 1 else ""
    return (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
        f"<style>\n{css}\n</style>{zoom}</head>\n<body>\n"
        '<div class="jp-Cell"><div class="jp-OutputArea">'
        f'<div class="jp-OutputArea-output jp-RenderedHTMLCommon jp-RenderedHTML" id="output" '
        f'style="width:{width}px">\n{fragment}\n</div></div></div>\n'
        f"{'<script>' + script + '</script>' if script else ''}\n</body></html>\n"
    )


def host_areas(outputs: dict[str, str], width: int, *, dark: bool = False,
               font_scale: float = 1.0, script: str = "") -> str:
    """A page of JupyterLab output areas ``width`` px wide, one per ``outputs`` item (its key
    is the area's ``id``; its value the HTML the area holds), under the light host CSS, or
    the dark one laid over it, with the host's font sizes times ``font_scale`` (a
    projector's larger font: the area keeps its width, the text grows)."""
    css = HOST_CSS.read_text(encoding="utf-8")
    if dark:
        css += "\n" + DARK_CSS.read_text(encoding="utf-8")
    if font_scale != 1:
        css += (f"\nbody, .jp-RenderedHTMLCommon {{ font-size: {_HOST_FONT * font_scale:g}px; }}"
                f"\n.jp-RenderedHTMLCommon table {{ font-size: "
                f"{_HOST_TABLE_FONT * font_scale:g}px; }}")
    areas = "".join(
        '<div class="jp-Cell"><div class="jp-OutputArea">'
        f'<div class="jp-OutputArea-output" id="{name}" style="width:{width}px">\n{inner}\n'
        "</div></div></div>\n" for name, inner in outputs.items())
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
            f"<style>\n{css}\n</style></head>\n<body>\n{areas}"
            f"{'<script>' + script + '</script>' if script else ''}\n</body></html>\n")


def html_output(fragment: str) -> str:
    """What an output area holds for a text/html output: JupyterLab's rendered-HTML node."""
    return f'<div class="jp-RenderedHTMLCommon jp-RenderedHTML">{fragment}</div>'


def svg_as_jupyterlab_shows_it(svg: str) -> str:
    """An image/svg+xml output as JupyterLab 4 and Notebook 7 show it: an ``<img>`` whose
    source is the SVG (a data URL), in a ``jp-RenderedSVG`` node no CSS narrows."""
    from urllib.parse import quote

    return (f'<div class="jp-RenderedSVG"><img src="data:image/svg+xml,{quote(svg)}">'
            "</div>")


def svg_inline(svg: str) -> str:
    """An image/svg+xml output put inline, as VS Code and classic Notebook do."""
    start = svg.find("<svg")
    return f'<div class="jp-RenderedSVG">{svg[start:]}</div>'


def png_as_jupyterlab_shows_it(png_base64: str, width: int | None) -> str:
    """An image/png output with its metadata ``width``, as JupyterLab shows it (untrusted
    too): an ``<img>`` the host narrows to the area (``max-width:100%``)."""
    size = f' width="{width}"' if width else ""
    return (f'<div class="jp-RenderedImage"><img src="data:image/png;base64,{png_base64}"'
            f"{size}></div>")


def _run(chromium: str, args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="resnet-explain-chromium-") as profile:
        command = [chromium, *_FLAGS, f"--user-data-dir={profile}", *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                              check=False)


def dump_dom(page: str, chromium: str, window: tuple[int, int] = (1100, 900),
             timeout: float = 120) -> str:
    """The DOM of ``page`` after its scripts ran, as Chromium serialises it."""
    with tempfile.TemporaryDirectory(prefix="resnet-explain-page-") as folder:
        path = Path(folder) / "page.html"
        path.write_text(page, encoding="utf-8")
        done = _run(chromium, [f"--window-size={window[0]},{window[1]}",
                               "--virtual-time-budget=5000", "--dump-dom", path.as_uri()],
                    timeout)
    if done.returncode != 0 or not done.stdout:
        raise RuntimeError(f"chromium --dump-dom failed ({done.returncode}): "
                           f"{done.stderr.strip()[-2000:]}")
    return done.stdout


def screenshot(page: str, png: Path, chromium: str, window: tuple[int, int],
               timeout: float = 120) -> None:
    """Render ``page`` in a ``window`` (width, height) and save the view as ``png``."""
    png = Path(png).resolve()
    png.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="resnet-explain-page-") as folder:
        path = Path(folder) / "page.html"
        path.write_text(page, encoding="utf-8")
        done = _run(chromium, [f"--window-size={window[0]},{window[1]}",
                               "--virtual-time-budget=5000", f"--screenshot={png}",
                               path.as_uri()], timeout)
    if done.returncode != 0 or not png.exists():
        raise RuntimeError(f"chromium --screenshot failed ({done.returncode}): "
                           f"{done.stderr.strip()[-2000:]}")
