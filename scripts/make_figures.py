"""Regenerate ``figures/``: every lesson and the stage/block diagrams of ResNet-18 … 152.

    python scripts/make_figures.py            # write figures/*.dot and figures/*.svg
    python scripts/make_figures.py --check    # exit 1 if a committed .dot is out of date

Each figure is traced from the zoo and drawn by ``resnet_explain.diagram``; the DOT source is
committed next to its SVG, and ``tests/test_diagram.py`` fails when the code no longer draws
the committed DOT. The SVGs are laid out with the fonts of the machine that runs this: one of
Helvetica, Arial or Liberation Sans (``apt-get install fonts-liberation``) gives the widths
that viewers of the SVG will see.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ROOT / "figures"
METRIC_FONTS = ("Helvetica", "Arial", "Liberation Sans", "Nimbus Sans", "Arimo")


def _font_note() -> str | None:
    """A warning when text would be measured with a font wider than Helvetica/Arial."""
    if shutil.which("fc-match") is None:
        return None
    found = subprocess.run(["fc-match", "-f", "%{family}", "Arial"], capture_output=True,
                           text=True, check=False).stdout
    if any(name.lower() in found.lower() for name in METRIC_FONTS):
        return None
    return (f"note: Arial resolves to {found!r}; install fonts-liberation so the SVG text "
            "widths match Helvetica/Arial")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="only compare the committed DOT with what the code draws")
    parser.add_argument("--out", type=Path, default=FIGURES, help="folder (default: figures/)")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    from resnet_explain.diagram.lessons import figures

    drawn = figures()
    if args.check:
        stale = [name for name, graph in drawn.items()
                 if not (args.out / f"{name}.dot").is_file()
                 or (args.out / f"{name}.dot").read_text(encoding="utf-8") != graph.source]
        for name in stale:
            print(f"out of date: {args.out / name}.dot", file=sys.stderr)
        return 1 if stale else 0

    note = _font_note()
    if note:
        print(note, file=sys.stderr)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, graph in drawn.items():
        (args.out / f"{name}.dot").write_text(graph.source, encoding="utf-8")
        graph.write(args.out / f"{name}.svg")
        print(f"wrote {args.out.name}/{name}.svg")
    return 0


if __name__ == "__main__":
    sys.exit(main())
