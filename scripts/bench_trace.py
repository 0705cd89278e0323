"""Trace speed and memory: resnet-explain against torchinfo, side by side, in one run.

    python scripts/bench_trace.py            # the table the foundation issue asks for
    python scripts/bench_trace.py --repeat 9

Each case runs in a fresh process so that peak memory (the growth of the process's
maximum resident set while the tool runs) is not polluted by the other cases. Time is
"tool time after import": the model is built first (on the CPU, as a user would pass it,
or on the meta device for torchinfo's meta run), then the tool is timed; the first call
and the median of the following calls are reported.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time

MODELS = ("resnet18", "resnet50", "resnet152")
SIZES = ((1, 3, 224, 224), (64, 3, 4096, 4096))


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(tool: str, model_name: str, shape: tuple[int, ...], repeat: int) -> dict:
    import torch

    from resnet_explain.zoo import build

    if tool == "resnet-explain":
        from resnet_explain import explain

        model = build(model_name)
        run = lambda: explain(model, shape)  # noqa: E731
    elif tool == "torchinfo-meta":
        import torchinfo

        with torch.device("meta"):
            model = build(model_name, init=True)
        data = torch.empty(shape, device="meta")
        run = lambda: torchinfo.summary(model, input_data=data, device="meta",  # noqa: E731
                                        verbose=0)
    elif tool == "torchinfo-cpu":
        import torchinfo

        model = build(model_name)
        run = lambda: torchinfo.summary(model, input_size=shape, device="cpu",  # noqa: E731
                                        verbose=0)
    else:
        raise SystemExit(f"unknown tool {tool}")
    before = _peak_mb()
    times = []
    for _ in range(repeat + 1):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return {"first_ms": times[0] * 1000, "median_ms": statistics.median(times[1:]) * 1000,
            "peak_growth_mb": _peak_mb() - before}


def measure(tool: str, model: str, shape: tuple[int, ...], repeat: int) -> dict | str:
    if tool == "torchinfo-cpu" and shape[0] * shape[2] * shape[3] > 64 * 1024 * 1024:
        gib = shape[0] * shape[1] * shape[2] * shape[3] * 4 / 2**30
        return f"skipped: a real forward needs far more than the {gib:.0f} GiB input"
    done = subprocess.run(
        [sys.executable, __file__, "--worker", tool, model, "x".join(map(str, shape)),
         "--repeat", str(repeat)],
        capture_output=True, text=True, timeout=1800,
    )
    if done.returncode != 0:
        return "failed: " + (done.stderr.strip().splitlines() or ["?"])[-1][:60]
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", nargs=3, metavar=("TOOL", "MODEL", "SHAPE"))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if args.worker:
        tool, model, shape = args.worker
        print(json.dumps(worker(tool, model, tuple(int(s) for s in shape.split("x")),
                                args.repeat)))
        return
    import torch

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; "
          f"median of {args.repeat} calls after a first one")
    header = (f"{'model':<10} {'input':<16} {'tool':<15} {'first ms':>9} {'median ms':>10} "
              f"{'peak +MB':>9}  {'speed-up':>8}")
    print(header)
    print("-" * len(header))
    for model in MODELS:
        for shape in SIZES:
            results = {tool: measure(tool, model, shape, args.repeat)
                       for tool in ("resnet-explain", "torchinfo-meta", "torchinfo-cpu")}
            ours = results["resnet-explain"]
            for tool, result in results.items():
                label = "x".join(map(str, shape))
                if isinstance(result, str):
                    print(f"{model:<10} {label:<16} {tool:<15} {result}")
                    continue
                speedup = ""
                if tool != "resnet-explain" and isinstance(ours, dict):
                    speedup = f"{result['median_ms'] / ours['median_ms']:.1f}x"
                print(f"{model:<10} {label:<16} {tool:<15} {result['first_ms']:>9.1f} "
                      f"{result['median_ms']:>10.1f} {result['peak_growth_mb']:>9.1f}  "
                      f"{speedup:>8}")
    print("speed-up = torchinfo's median time / resnet-explain's median time")


if __name__ == "__main__":
    main()
