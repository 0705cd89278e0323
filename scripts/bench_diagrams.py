"""Time the diagrams, and compare the renderers: speed, determinism, size, formats.

    python scripts/bench_diagrams.py [--repeat 5]

Part 1 times drawing (Architecture → DOT) and rendering (DOT → SVG) with the default
renderer. Targets from the diagrams issue: a block diagram in under 0.2 s, ResNet-152 at
layer level (collapsed) in under 1 s. Tracing is timed separately: it is not part of drawing.

Part 2 renders every figure of ``figures/`` with each renderer that runs here
(graphviz-pure, pygraphviz, a system ``dot``) and prints, per renderer: the first render of
the process (cold), the median time per figure, whether two renders give the same bytes,
whether the SVG equals the committed one (made by graphviz-pure on another machine), the
natural size of the widest lesson (before the notebook fit), and the formats it writes. The
docs/diagrams.md ("Rendering without a system Graphviz") quotes this table.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _best_and_median(func: Callable[[], object], repeat: int) -> tuple[float, float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times), result


def _px(svg: bytes) -> str:
    width, height = re.search(rb'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg).groups()
    return f"{float(width) * 4 / 3:.0f}×{float(height) * 4 / 3:.0f}"


COLD = """
import sys, time
sys.path.insert(0, {root!r})
from resnet_explain.diagram.output import render
source = open({path!r}, encoding="utf-8").read()
start = time.perf_counter()
render(source, "svg", renderer={renderer!r})
print(time.perf_counter() - start)
"""


def compare_renderers(repeat: int) -> None:
    from resnet_explain.diagram import output as render_module

    figures = sorted((ROOT / "figures").glob("*.dot"))
    sources = {path.stem: path.read_text(encoding="utf-8") for path in figures}
    widest = "lesson-resnet50-block-kinds"
    natural = re.sub(r' size="[^"]*"', "", sources[widest])
    print(f"\nrenderers, on the {len(sources)} figures of figures/ (SVG):")
    print(f"{'':20} {'cold':>8} {'per figure':>11} {'same bytes':>11} {'= committed':>12} "
          f"{widest + ' (natural, px)':>40}  formats")
    for name in render_module.RENDERERS:
        problem = render_module.renderer_problem(name)
        if problem:
            print(f"{name:20} not here: {problem}")
            continue
        cold = float(subprocess.run(
            [sys.executable, "-c", COLD.format(root=str(ROOT), path=str(figures[0]),
                                               renderer=name)],
            capture_output=True, text=True, check=True).stdout)
        times, same, committed = [], True, 0
        for stem, source in sources.items():
            _, median, first = _best_and_median(
                lambda s=source, n=name: render_module.render(s, "svg", renderer=n), repeat)
            times.append(median)
            same &= first == render_module.render(source, "svg", renderer=name)
            committed += first == (ROOT / "figures" / f"{stem}.svg").read_bytes()
        size = _px(render_module.render(natural, "svg", renderer=name))
        label = render_module.renderer_version(name) or name
        print(f"{label:20} {cold * 1000:6.0f}ms {statistics.median(times) * 1000:9.1f}ms "
              f"{'yes' if same else 'NO':>11} {f'{committed}/{len(sources)}':>12} {size:>40}  "
              f"{', '.join(render_module.WRITES[name])}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))

    from resnet_explain import explain
    from resnet_explain.diagram import diagram
    from resnet_explain.diagram.output import available_renderer, render

    renderer = available_renderer()
    print(f"default renderer: {renderer or 'none (only DOT is timed)'}")

    start = time.perf_counter()
    r50 = explain("resnet50")
    r152 = explain("resnet152")
    print(f"trace resnet50 + resnet152 (incl. torch import): {time.perf_counter() - start:.2f} s")

    cases = [
        ("block diagram resnet50 conv3_1", lambda: diagram(r50, block="conv3_1")),
        ("resnet50 stage level", lambda: diagram(r50, "stage")),
        ("resnet152 layer level, collapsed", lambda: diagram(r152, "layer")),
        ("resnet152 layer level, every layer", lambda: diagram(r152, "layer", collapse=False)),
        ("resnet152 block level", lambda: diagram(r152, "block")),
    ]
    print(f"\n{'':36} {'DOT (best)':>10} {'SVG (best)':>10} {'total median':>13}")
    for title, build in cases:
        best_dot, _, graph = _best_and_median(build, args.repeat)
        if renderer:
            best_svg, _, _ = _best_and_median(lambda g=graph: render(g.source, "svg"),
                                              args.repeat)
            _, total, _ = _best_and_median(lambda b=build: render(b().source, "svg"),
                                           args.repeat)
            print(f"{title:36} {best_dot:9.3f}s {best_svg:9.3f}s {total:12.3f}s")
        else:
            print(f"{title:36} {best_dot:9.3f}s {'-':>10} {'-':>13}")
    compare_renderers(args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
