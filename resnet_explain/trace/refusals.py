"""Models the tracer refuses before it runs anything, saying why and what to do instead."""

from __future__ import annotations

import inspect
import sys

import torch
from torch import nn
from torch.nn.parameter import UninitializedTensorMixin

from ..errors import CannotTrace, NotInitialised


def refuse_model(named_modules: list[tuple[str, nn.Module]], state: dict[str, torch.Tensor],
            input_shape: tuple[int, ...]) -> None:
    """Models the tracer must not run: an exported program's graph module (its calls are
    aten ops that no hook or function mode of the trace sees as layers), TorchScript (hooks
    and function modes do not reach inside it), quantized layers (their weights are packed
    outside the parameters, so every count and the depth would leave them out) and lazy
    modules whose parameters have no shape yet (running them would materialise the user's
    model)."""
    quantized = _quantized_layer_type()
    graph_module = torch.fx.GraphModule
    for name, module in named_modules:
        if isinstance(module, graph_module) and _aten_graph(module):
            raise CannotTrace(
                f"{name or 'the model'} is the module of a torch.export program "
                f"({type(module).__name__}): a graph of aten ops without the layers it was "
                "exported from, which the trace would count as 0 layers",
                "Explain the nn.Module you exported (the one given to torch.export.export)")
        if quantized is not None and isinstance(module, quantized):
            kind = type(module)
            raise CannotTrace(
                f"{name or 'the model'} is a quantized layer ({kind.__module__}."
                f"{kind.__name__}), whose weights are packed outside the parameters: the "
                "counts and the depth would leave them out",
                "Explain the float model before quantization (its architecture is the same)")
        if isinstance(module, torch.jit.ScriptModule):
            where = f"its submodule {name!r}" if name else "the model"
            raise CannotTrace(
                f"{where} is TorchScript ({type(module).__name__}), which cannot be traced "
                "layer by layer",
                "Explain the nn.Module it was scripted or traced from (before torch.jit.script)")
    missing = [name for name, tensor in state.items()
               if isinstance(tensor, UninitializedTensorMixin)]
    if missing:
        raise NotInitialised(
            f"the model has lazy modules that are not initialised yet ({missing[0]} has no "
            "shape)",
            "Run one real batch through it first, e.g. "
            f"model(torch.randn({', '.join(map(str, input_shape))})), "
            "so that PyTorch fixes their shapes; the tool does not initialise your model",
            names=missing)


def _aten_graph(module: torch.fx.GraphModule) -> bool:
    """Whether the graph calls PyTorch's low-level ops (``torch.ops.aten.conv2d.default``),
    as ``torch.export(...).module()`` does, rather than the modules and functions of a
    ``torch.fx.symbolic_trace`` (which the trace follows)."""
    overload = torch._ops.OpOverload
    return any(node.op == "call_function" and isinstance(node.target, overload)
               for node in module.graph.nodes)


def _quantized_layer_type() -> type | None:
    """The base class of PyTorch's quantized conv and linear layers (eager-mode
    quantization), if torch still has it (it is loaded with torch)."""
    utils = sys.modules.get("torch.ao.nn.quantized.modules.utils")
    return getattr(utils, "WeightedQuantizedModule", None)


def refuse_inputs(model: nn.Module) -> None:
    """A forward that needs more than the image batch (``forward(self, x, mask)``) is told
    so before it runs: the trace gives it one tensor."""
    try:
        parameters = list(inspect.signature(model.forward).parameters.values())
    except (TypeError, ValueError):
        return  # no signature to read (a builtin): let the forward say
    required = [p.name for p in parameters
                if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD,
                                                       p.KEYWORD_ONLY)]
    if len(required) > 1:
        name = type(model).__name__
        others = " and ".join(required[1:])
        needs = f"{', '.join(required[:-1])} and {required[-1]}"
        raise CannotTrace(
            f"{name}.forward needs {needs}, but the tool gives it one image batch",
            f"Give {others} a default in forward, or explain a wrapper whose forward(x) calls "
            f"the model with {others}")
