"""Time the diagrams: drawing (Architecture → DOT) and rendering (DOT → SVG).

    python scripts/bench_diagrams.py [--repeat 5]

Targets from the diagrams issue: a block diagram in under 0.2 s, ResNet-152 at layer level
(collapsed) in under 1 s. Tracing is timed separately: it is not part of drawing.
"""

from __future__ import annotations

import argparse
import statistics
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))

    from resnet_explain import explain
    from resnet_explain.diagram import diagram
    from resnet_explain.diagram.render import available_renderer, render

    renderer = available_renderer()
    print(f"renderer: {renderer or 'none (only DOT is timed)'}")

    start = time.perf_counter()
    r50 = explain("resnet50")
    r152 = explain("resnet152")
    print(f"trace resnet50 + resnet152 (incl. torch import): {time.perf_counter() - start:.2f} s")

    if renderer:  # the first render loads Graphviz's plugins and fonts
        start = time.perf_counter()
        render(diagram(r50, block="conv3_1").source, "svg")
        cold = time.perf_counter() - start
        print(f"first render in this process (cold): {cold:.3f} s")

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
    return 0


if __name__ == "__main__":
    sys.exit(main())
