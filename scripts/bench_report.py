"""Time ``resnet-explain report resnet152`` after import: trace, then the page.

    python scripts/bench_report.py            # resnet152, best of 3
    python scripts/bench_report.py resnet50 5

Prints one line per part (the summary tree, Table 1, diagrams, plots) and the whole page,
the best of N runs, so a change that slows the report shows up. The target: the page (not
counting the trace) under 1 s for ResNet-152.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def best(function, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: list[str]) -> int:
    import matplotlib

    matplotlib.use("Agg")
    from resnet_explain import explain
    from resnet_explain import report as page

    model = argv[0] if argv else "resnet152"
    runs = int(argv[1]) if len(argv) > 1 else 3
    arch = explain(model)
    page.report_html(arch)  # warm: imports, fonts, the renderer
    trace = best(lambda: explain(model), runs)
    parts = {"summary + tree": page._summary, "Table 1": page._table1,
             "diagrams": page._diagrams, "plots": page._plots, "whole page": page.report_html}
    print(f"report {model} (best of {runs}): trace {trace:.3f} s")
    for label, function in parts.items():
        print(f"  {label:<15} {best(lambda f=function: f(arch), runs):.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
