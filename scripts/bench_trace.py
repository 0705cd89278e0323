"""Speed and memory of resnet-explain beside its peers and the floor, in one run (issue 9).

    python scripts/bench_trace.py                 # everything, 7 rounds
    python scripts/bench_trace.py --rounds 11 --cli-rounds 7
    python scripts/bench_trace.py --skip-cli      # in-process figures only

How it measures, so that the ratios mean something on a busy machine:

* **Interleaved.** Every in-process case runs once per round, one after another in the same
  loop, and each figure is the median over the rounds (after one warm-up round). A burst of
  load then hits all tools alike instead of one tool's whole series. The cold-CLI commands
  are interleaved the same way, each a fresh process.
* **Same models.** resnet-explain gets an ordinary CPU ``resnet152`` as a user would pass it.
  torchinfo gets the same architecture built under ``torch.device("meta")`` and a meta input
  (its cheapest mode: no real forward). The *floor* is what any hook-based tracer pays: the
  model's own forward on a batch of zero images (eval mode, no autograd) with a no-op forward
  pre-hook and forward hook on every leaf module; the bare forward without hooks is printed
  too. Beside it, a *names+shapes recorder* (a reference, not a tool: the trace's hooks and
  function mode keeping only each leaf's name and shapes) shows what any hook-based
  recorder pays before it reads a single attribute; ``explain`` is split into its trace and
  its analysis.
* **CPU time** is printed beside wall time and the ratios and verdicts use it: on a shared
  machine the wall clock measures the neighbours as much as the code. Cold-CLI CPU time is
  the child's user + system time.
* **Memory** is the growth of the resident set over a baseline read right before each call
  (the kernel's high-water mark is reset through ``/proc/self/clear_refs``), so a high
  earlier peak (building a model) hides nothing. Linux only; elsewhere the column is blank.
* **Scaling** divides the time of trace + analysis + text table (``render(explain(net))``,
  as a user runs them) by the number of recorded layer calls, for resnet152 and for a CIFAR
  ResNet with ~35,000 calls (n = 1,667 blocks per stage; its weights are never touched, so
  they cost address space, not memory).
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SMALL = (1, 3, 224, 224)
LARGE = (64, 3, 4096, 4096)
BASELINE = 'python -c "import torch"'
BIG_NET_BLOCKS = 1667  # CIFAR ResNet with 3 × 1667 basic blocks ≈ 35,000 layer calls


# --- memory -------------------------------------------------------------------------------
def _status_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field):
                return int(line.split()[1])
    raise KeyError(field)


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
        return True
    except OSError:
        return False


def measured(fn: Callable[[], object]) -> tuple[float, float, float | None]:
    """Wall and CPU seconds of one call of ``fn``, and its peak RSS growth in MiB (None off
    Linux)."""
    gc.collect()
    peak_ok = _reset_peak()
    before = _status_kb("VmRSS") if peak_ok else 0
    cpu, start = time.process_time(), time.perf_counter()
    fn()
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    growth = (_status_kb("VmHWM") - before) / 1024 if peak_ok else None
    return elapsed, cpu, growth


# --- the cases ----------------------------------------------------------------------------
def build_cases(big_blocks: int) -> tuple[dict[str, Callable[[], object]], dict[str, int]]:
    import torch
    import torchinfo
    from torch import nn

    from resnet_explain import explain
    from resnet_explain.analysis import analyse
    from resnet_explain.gcpause import collector_paused
    from resnet_explain.render import render
    from resnet_explain.trace import trace
    from resnet_explain.zoo import _materialise, build
    from resnet_explain.zoo.cifar import CifarResNet

    model = build("resnet152")
    floor_model = build("resnet152").eval()
    hooked_model = build("resnet152").eval()
    for module in hooked_model.modules():
        if next(module.children(), None) is None:
            module.register_forward_pre_hook(lambda m, args: None)
            module.register_forward_hook(lambda m, args, out: None)
    empty = torch.empty((0, *SMALL[1:]))

    def bare(net: nn.Module) -> Callable[[], object]:
        def run() -> object:
            with torch.no_grad():
                return net(empty)
        return run

    meta_model = build("resnet152").to("meta")  # parameters and buffers on the meta device
    meta_small = torch.empty(SMALL, device="meta")
    meta_large = torch.empty(LARGE, device="meta")

    def torchinfo_meta(data: torch.Tensor) -> Callable[[], object]:
        return lambda: torchinfo.summary(meta_model, input_data=data, device="meta", verbose=0)

    arch = explain(model, SMALL)
    traced = trace(model, SMALL)

    def paused(fn: Callable[[], object]) -> Callable[[], object]:
        def run() -> object:  # as explain() runs its parts: without the cyclic collector
            with collector_paused():
                return fn()
        return run

    with torch.device("meta"):
        big = CifarResNet(big_blocks, num_classes=10, shortcut="A")
    _materialise(big)
    cifar_input = (1, 3, 32, 32)

    def pipeline(net: nn.Module, shape: tuple[int, ...]) -> Callable[[], object]:
        def run() -> object:  # trace + analysis (explain) + text table, as a user runs them
            return render(explain(net, shape), "text", "layer")
        return run

    calls = {
        "resnet152": len(trace(model, SMALL).calls),
        "big": len(trace(big, cifar_input).calls),
    }
    cases = {
        "bare": bare(floor_model),
        "floor": bare(hooked_model),
        "recorder": _names_and_shapes(floor_model, empty),
        "explain_small": lambda: explain(model, SMALL),
        "trace": paused(lambda: trace(model, SMALL)),
        "analysis": paused(lambda: analyse(traced, "resnet152")),
        "explain_large": lambda: explain(model, LARGE),
        "torchinfo_small": torchinfo_meta(meta_small),
        "torchinfo_large": torchinfo_meta(meta_large),
        "meta_engine": lambda: explain(meta_model, SMALL),
        "to_json": arch.to_json,
        "text": lambda: render(arch, "text", "layer"),
        "pipeline_152": pipeline(model, SMALL),
        "pipeline_big": pipeline(big, cifar_input),
    }
    if torch.cuda.is_available():  # the same figures for a model on the GPU
        cases.update(_cuda_cases(build))
    return cases, calls


def _names_and_shapes(model: Any, x: Any) -> Callable[[], object]:
    """A reference, not a tool: the least any hook-based recorder pays. Process-wide module
    hooks and a function mode (switched off inside each leaf), as the trace has, keeping
    only each leaf call's name, input producer and shapes: no attributes, parameters,
    scopes, functional ops, snapshot or analysis."""
    import torch
    from torch.nn.modules.module import (
        register_module_forward_hook,
        register_module_forward_pre_hook,
    )
    from torch.overrides import TorchFunctionMode

    class Mode(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            return func(*args, **(kwargs or {}))

    def run() -> object:
        names = {id(module): name for name, module in model.named_modules()}
        leaves = {id(module) for module in model.modules() if not module._modules}
        off = torch._C.DisableTorchFunction()
        calls: list[tuple[Any, ...]] = []
        producer: dict[int, int] = {}
        inputs: list[Any] = [None]

        def pre(module: Any, args: tuple) -> None:
            if id(module) in leaves:
                off.__enter__()
                inputs[0] = (producer.get(id(args[0])), tuple(args[0].shape))

        def post(module: Any, args: tuple, output: Any) -> None:
            if id(module) in leaves:
                calls.append((names[id(module)], inputs[0], tuple(output.shape)))
                producer[id(output)] = len(calls)
                off.__exit__(None, None, None)

        handles = [register_module_forward_pre_hook(pre), register_module_forward_hook(post)]
        try:
            with torch.no_grad(), Mode():
                model(x)
        finally:
            for handle in handles:
                handle.remove()
        return calls
    return run


def _cuda_cases(build: Callable[..., Any]) -> dict[str, Callable[[], object]]:
    """explain() of a resnet152 on CUDA beside its floor (batch-0 forward with leaf hooks, on
    the GPU) and torchinfo with a real CUDA forward of one image; each call ends with a
    synchronize, so queued kernels are paid by the call that launched them."""
    import torch
    import torchinfo

    from resnet_explain import explain

    model = build("resnet152").cuda()
    hooked = build("resnet152").cuda().eval()
    for module in hooked.modules():
        if next(module.children(), None) is None:
            module.register_forward_pre_hook(lambda m, args: None)
            module.register_forward_hook(lambda m, args, out: None)
    empty = torch.empty((0, *SMALL[1:]), device="cuda")
    data = torch.randn(SMALL, device="cuda")

    def synced(fn: Callable[[], object]) -> Callable[[], object]:
        def run() -> object:
            result = fn()
            torch.cuda.synchronize()
            return result
        return run

    def floor() -> object:
        with torch.no_grad():
            return hooked(empty)

    return {
        "cuda_floor": synced(floor),
        "cuda_explain": synced(lambda: explain(model, SMALL)),
        "cuda_torchinfo": synced(lambda: torchinfo.summary(model, input_data=data, verbose=0)),
    }


Series = dict[str, list[float]]


def run_in_process(rounds: int, big_blocks: int) -> tuple[Series, Series, Series,
                                                         dict[str, int]]:
    cases, calls = build_cases(big_blocks)
    wall: Series = {name: [] for name in cases}
    cpu: Series = {name: [] for name in cases}
    memory: Series = {name: [] for name in cases}
    for round_ in range(rounds + 1):
        for name, fn in cases.items():
            elapsed, used, growth = measured(fn)
            if round_ == 0:
                continue  # warm-up: first calls pay for lazy imports and caches
            wall[name].append(elapsed * 1000)
            cpu[name].append(used * 1000)
            if growth is not None:
                memory[name].append(growth)
    return wall, cpu, memory, calls


# --- cold CLI -----------------------------------------------------------------------------
def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_cli(rounds: int) -> tuple[Series, Series, dict[str, bool]]:
    python = sys.executable
    svg = Path(tempfile.mkdtemp()) / "x.svg"
    commands = {
        "import torch": [python, "-c", "import torch"],
        "summary resnet152": [python, "-m", "resnet_explain", "summary", "resnet152"],
        "summary resnet50 --format json": [python, "-m", "resnet_explain", "summary",
                                           "resnet50", "--format", "json"],
        f"diagram resnet50 -o {svg.name}": [python, "-m", "resnet_explain", "diagram",
                                            "resnet50", "-o", str(svg)],
        "--help": [python, "-m", "resnet_explain", "--help"],
        "list": [python, "-m", "resnet_explain", "list"],
    }
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    wall: Series = {name: [] for name in commands}
    cpu: Series = {name: [] for name in commands}
    for _ in range(rounds):
        for name, command in commands.items():
            used, start = _children_cpu(), time.perf_counter()
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=ROOT, env=env)
            wall[name].append((time.perf_counter() - start) * 1000)
            cpu[name].append((_children_cpu() - used) * 1000)
    torch_free = {}
    for name in ("--help", "list"):
        done = subprocess.run([python, "-X", "importtime", *commands[name][1:]], cwd=ROOT,
                              env=env, capture_output=True, text=True, check=True)
        torch_free[name] = not re.search(r"\|\s*torch$", done.stderr, re.MULTILINE)
    return wall, cpu, torch_free


# --- report -------------------------------------------------------------------------------
def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _mib(values: list[float]) -> str:
    return f"{_median(values):+.1f} MiB" if values else "n/a"


def report(wall: Series, cpu: Series, memory: Series, calls: dict[str, int],
           rounds: int) -> list[bool]:
    """Print the in-process table; ratios and verdicts use CPU time (see ``--help``)."""
    w = {name: _median(values) for name, values in wall.items()}
    c = {name: _median(values) for name, values in cpu.items()}
    verdicts: list[bool] = []

    def both(name: str) -> str:
        return f"{w[name]:.1f} ({c[name]:.1f})"

    def row(label: str, ours: str, beside: str, ratio: str, target: str, ok: bool | None) -> None:
        mark = "" if ok is None else ("met" if ok else "MISSED")
        if ok is not None:
            verdicts.append(ok)
        print(f"{label:<40} {ours:>15} {beside:>34} {ratio:>8}  {target:<14} {mark}")

    print(f"\nin-process: median of {rounds} interleaved rounds after a warm-up round; "
          f"ms wall (ms CPU); ratios from CPU time")
    print(f"{'measurement':<40} {'resnet-explain':>15} {'peer / floor':>34} {'ratio':>8}  "
          f"{'target':<14} verdict")
    print("-" * 124)
    floor = c["floor"]
    row("floor: batch-0 forward + leaf hooks", both("floor"), f"no hooks {both('bare')}",
        f"{floor / c['bare']:.2f}x", "", None)
    row("  names+shapes recorder (reference)", both("recorder"), f"floor {both('floor')}",
        f"{c['recorder'] / floor:.2f}x", "", None)
    for size, key in ((SMALL, "small"), (LARGE, "large")):
        ours = c[f"explain_{key}"]
        peer = c[f"torchinfo_{key}"]
        row(f"explain(resnet152) {'x'.join(map(str, size))}", both(f"explain_{key}"),
            f"floor {both('floor')}", f"{ours / floor:.2f}x", "<= 1.3x floor",
            ours <= 1.3 * floor)
        if key == "small":
            for part in ("trace", "analysis"):
                row(f"  of which {part}", both(part), f"floor {both('floor')}",
                    f"{c[part] / floor:.2f}x", "", None)
        row("  torchinfo.summary on meta, same input", "",
            f"torchinfo {both(f'torchinfo_{key}')}", f"{peer / ours:.1f}x", ">= 15x faster",
            peer / ours >= 15)
    row("meta engine (resnet152 built on meta)", both("meta_engine"),
        f"empty-batch {both('explain_small')}", f"{c['meta_engine'] / c['explain_small']:.2f}x",
        "<= 3x", c["meta_engine"] <= 3 * c["explain_small"])
    row("to_json() resnet152", both("to_json"), "", "", "<= 5 ms", c["to_json"] <= 5)
    row("text table, layer depth, resnet152", both("text"), "", "", "<= 5 ms", c["text"] <= 5)
    if "cuda_explain" in c:
        ours, floor_gpu = c["cuda_explain"], c["cuda_floor"]
        row("explain(resnet152) on CUDA", both("cuda_explain"), f"CUDA floor {both('cuda_floor')}",
            f"{ours / floor_gpu:.2f}x", "<= 1.3x floor", ours <= 1.3 * floor_gpu)
        row("  torchinfo.summary, real CUDA forward", "", f"torchinfo {both('cuda_torchinfo')}",
            f"{c['cuda_torchinfo'] / ours:.1f}x", ">= 15x faster",
            c["cuda_torchinfo"] / ours >= 15)
    else:
        row("explain(resnet152) on CUDA", "no GPU here", "", "", "<= 1.3x floor", None)
    per_152 = c["pipeline_152"] * 1000 / calls["resnet152"]
    per_big = c["pipeline_big"] * 1000 / calls["big"]
    row(f"trace+analysis+text, {calls['big']:,} calls", f"{per_big:.1f} us/call",
        f"resnet152 ({calls['resnet152']} calls) {per_152:.1f} us/call",
        f"{per_big / per_152:.2f}x", "<= 1.5x", per_big <= 1.5 * per_152)
    row("  totals", both("pipeline_big"), f"resnet152 {both('pipeline_152')}", "", "", None)
    small, large = memory["explain_small"], memory["explain_large"]
    if small and large:
        delta = _median(large) - _median(small)
        row("RSS growth, explain() 4096 input - 224", f"{delta:+.1f} MiB",
            f"224: {_mib(small)}, 4096: {_mib(large)}", "", "< 20 MiB", delta < 20)
        row("  torchinfo on meta, RSS growth", "",
            f"224: {_mib(memory['torchinfo_small'])}, 4096: {_mib(memory['torchinfo_large'])}",
            "", "", None)
    return verdicts


def report_cli(wall: Series, cpu: Series, torch_free: dict[str, bool],
               rounds: int) -> list[bool]:
    verdicts = []
    base_w, base_c = _median(wall["import torch"]), _median(cpu["import torch"])
    print(f"\ncold CLI: median of {rounds} interleaved runs, each a fresh process; ms wall "
          f"(ms CPU); ratios to {BASELINE}, wall and CPU")
    print(f"{'command':<44} {'ms':>14} {'ratio':>14}  {'target':<14} verdict")
    print("-" * 100)
    for name in wall:
        ms = f"{_median(wall[name]):.0f} ({_median(cpu[name]):.0f})"
        if name == "import torch":
            print(f"{BASELINE:<44} {ms:>14}")
        elif name in torch_free:
            ok = torch_free[name]
            verdicts.append(ok)
            print(f"{'resnet-explain ' + name:<44} {ms:>14} {'':>14}  {'no torch import':<14} "
                  f"{'met' if ok else 'MISSED (imports torch)'}")
        else:
            ratio_w = _median(wall[name]) / base_w
            ratio_c = _median(cpu[name]) / base_c
            ok = ratio_c <= 1.15
            verdicts.append(ok)
            print(f"{'resnet-explain ' + name:<44} {ms:>14} {ratio_w:>6.2f}x ({ratio_c:.2f}x)  "
                  f"{'<= 1.15x':<14} {'met' if ok else 'MISSED'}")
    return verdicts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--cli-rounds", type=int, default=7)
    parser.add_argument("--skip-cli", action="store_true")
    parser.add_argument("--skip-in-process", action="store_true")
    parser.add_argument("--big-blocks", type=int, default=BIG_NET_BLOCKS,
                        help="blocks per stage of the scaling net (default: ~35,000 calls)")
    args = parser.parse_args()
    verdicts: list[bool] = []
    import torch
    import torchinfo

    print(f"torch {torch.__version__}, torchinfo {torchinfo.__version__}, "
          f"{torch.get_num_threads()} threads, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}")
    if not args.skip_in_process:
        verdicts += report(*run_in_process(args.rounds, args.big_blocks), args.rounds)
    if not args.skip_cli:
        verdicts += report_cli(*run_cli(args.cli_rounds), args.cli_rounds)
    print(f"\n{sum(verdicts)} of {len(verdicts)} targets met; "
          f"load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
