"""Regenerate ``figures/``: every lesson and the stage/block diagrams of ResNet-18 … 152.

    python scripts/make_figures.py            # write every figure
    python scripts/make_figures.py --check    # exit 1 if a committed figure is out of date

Each producer in :data:`PRODUCERS` writes its own files into the folder and returns their
names; add a producer (plots, tables) to that list and this one command makes it too.

Diagrams: traced from the zoo, drawn by ``resnet_explain.diagram``, and written as DOT and
SVG. The SVG is always laid out by graphviz-pure, whose built-in font metrics make the bytes
the same on every machine, so ``tests/test_diagram.py`` can compare the committed SVG (not
just the DOT) with what the code draws.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ROOT / "figures"
#: The renderer whose SVG is committed: deterministic across machines.
FIGURE_RENDERER = "graphviz-pure"
#: The file in figures/ that records which version of it drew them ("graphviz-pure 0.2.2").
RENDERED_WITH = "rendered-with.txt"

#: ``producer(folder, check)`` writes its figures into ``folder`` and returns the file names
#: it wrote; with ``check=True`` it writes nothing and returns the names that are stale.
Producer = Callable[[Path, bool], list[str]]


def diagrams(out: Path, check: bool) -> list[str]:
    """``figures/NAME.dot`` and ``figures/NAME.svg`` for every lesson and network figure."""
    from resnet_explain.diagram.lessons import figures
    from resnet_explain.diagram.output import render, renderer_version

    version = renderer_version(FIGURE_RENDERER)
    names = []
    if version:  # tests compare SVG bytes only when the same version draws them
        stamp = out / RENDERED_WITH
        if check:
            if not stamp.is_file() or stamp.read_text(encoding="utf-8").strip() != version:
                names.append(stamp.name)
        else:
            stamp.write_text(version + "\n", encoding="utf-8")
            names.append(stamp.name)
    for name, graph in figures().items():
        dot = graph.source
        svg = render(dot, "svg", renderer=FIGURE_RENDERER)
        files = {out / f"{name}.dot": dot.encode("utf-8"), out / f"{name}.svg": svg}
        for path, data in files.items():
            if check:
                if not path.is_file() or path.read_bytes() != data:
                    names.append(path.name)
            else:
                path.write_bytes(data)
                names.append(path.name)
    return names


def plots(out: Path, check: bool) -> list[str]:
    """``figures/plot-*.svg``: one plot of each kind and the model comparison (matplotlib)."""
    from resnet_explain.plots.figures import produce

    return produce(out, check)


PRODUCERS: list[Producer] = [diagrams, plots]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="only compare the committed figures with what the code makes")
    parser.add_argument("--out", type=Path, default=FIGURES, help="folder (default: figures/)")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    from resnet_explain.errors import UserError

    args.out.mkdir(parents=True, exist_ok=True)
    try:
        done = [name for produce in PRODUCERS for name in produce(args.out, args.check)]
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.check:
        for name in done:
            print(f"out of date: {args.out / name}", file=sys.stderr)
        return 1 if done else 0
    print(f"wrote {len(done)} files to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
