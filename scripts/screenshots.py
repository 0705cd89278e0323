"""Screenshots of the Jupyter display for the README, made by headless Chromium.

    python scripts/screenshots.py            # writes docs/img/notebook-*.png

Each picture is the HTML that Jupyter shows (``arch._repr_html_()``) inside a mock JupyterLab
output area 848 px wide (JupyterLab at 1280×800 with the file browser open) that carries the
host's table CSS (the one the browser test uses), so the screenshot shows what a class sees,
host CSS and all. The window is as tall as the page. Pictures differ slightly between
machines (fonts), so no test compares their bytes; read them after regenerating.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from browser import dump_dom, find_chromium, host_page, screenshot

OUT = Path(__file__).resolve().parent.parent / "docs" / "img"
WIDTH = 848  # JupyterLab's output area at 1280×800 with the file browser open
_HEIGHT = ("(function(){const p=document.createElement('pre');p.id='height';"
           "p.textContent=String(document.getElementById('output').getBoundingClientRect()"
           ".bottom);document.body.appendChild(p);})();")


def _resnet34() -> str:
    from resnet_explain import explain

    return explain("resnet34")._repr_html_()


def _resnet34_block() -> str:
    from resnet_explain import explain

    arch = explain("resnet34")  # the block shows its layers while its Architecture lives
    return arch.block("conv3_1")._repr_html_()


def _resnet152() -> str:
    from resnet_explain import explain

    return explain("resnet152")._repr_html_()


def _student() -> str:
    """The card of the classroom notebook's student model, with the seeds' mistakes."""
    from resnet_explain import explain

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "notebooks"))
    from student_resnet import StudentResNet

    html = explain(StudentResNet(), input_size=(3, 224, 224))._repr_html_()
    return html.split("<details", 1)[0] + "</div>"  # the card and the legend only


PICTURES: dict[str, Callable[[], str]] = {
    "notebook-resnet34": _resnet34,
    "notebook-resnet34-conv3_1": _resnet34_block,
    "notebook-resnet152": _resnet152,
    "notebook-student-warnings": _student,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", choices=[*PICTURES, []], metavar="NAME",
                        help=f"pictures to make (default: all of {', '.join(PICTURES)})")
    args = parser.parse_args(argv)
    chromium = find_chromium()
    if chromium is None:
        print("error: no Chromium found; install Debian's chromium or set "
              "RESNET_EXPLAIN_CHROMIUM", file=sys.stderr)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    for name in args.names or PICTURES:
        fragment = PICTURES[name]()
        dom = dump_dom(host_page(fragment, width=WIDTH, script=_HEIGHT), chromium)
        found = re.search(r'<pre id="height">([\d.]+)</pre>', dom)
        height = int(float(found.group(1))) + 12 if found else 1200
        page = host_page(fragment, width=WIDTH)
        path = OUT / f"{name}.png"
        screenshot(page, path, chromium, window=(WIDTH + 16, height))
        print(f"{path.relative_to(OUT.parent.parent)}  {WIDTH + 16}×{height}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
