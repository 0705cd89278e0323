"""Lazy modules (``nn.LazyConv2d``, ``nn.LazyLinear`` …) before their first batch.

A lazy module learns its input width from the first tensor it sees, and only then has
parameters with a shape. Dive into Deep Learning builds its ResNet this way, so a student's
``explain(ResNet18(), (1, 1, 96, 96))`` meets a model that nothing has run yet. Running the
user's model would materialise it (random weights, widths fixed, the lazy hooks gone), which
a tool that leaves the model untouched must not do. Instead a copy of the model (a whole one:
its forward may write into its own tensors) runs once on an empty batch, which gives its lazy
modules their shapes, and the copy is what gets traced.
"""

from __future__ import annotations

import copy
import math

import torch
from torch import nn
from torch.nn.parameter import (
    UninitializedBuffer,
    UninitializedParameter,
    UninitializedTensorMixin,
)

from ..errors import NotInitialised
from ..findings import Finding

# The largest input the copy runs on for real where an empty batch cannot run it (a forward
# with ``x.view(x.size(0), -1)`` before a LazyLinear): 2²⁴ values (64×3×224×224 is 9.6 M).
_REAL_LIMIT = 1 << 24


def initialised_copy(model: nn.Module, input_shape: tuple[int, ...],
                     refused: NotInitialised) -> nn.Module:
    """A copy of ``model`` whose lazy modules have the shapes an input of ``input_shape``
    (batch first) gives them; ``refused`` is the tracer's refusal of the model itself, raised
    again, with the reason, where no copy can be made or run."""
    tensors = [*model.parameters(), *model.buffers()]
    # PyTorch cannot copy a tensor without a shape: the copy gets new ones of its own.
    fresh = {id(t): _unshaped(t) for t in tensors if isinstance(t, UninitializedTensorMixin)}
    try:
        twin = copy.deepcopy(model, memo=fresh)
    except Exception as error:  # a module that holds a lock, a file, a generator …
        raise _because(refused, f"no copy could be made ({type(error).__name__}: {error})") \
            from None
    sample = tensors[0]  # a lazy module has some: the ones without a shape
    dtype = sample.dtype if sample.is_floating_point() else torch.get_default_dtype()
    modes = [(module, module.training) for module in twin.modules()]
    twin.eval()  # the dry run counts no batch statistics
    failure: Exception | None = None
    too_large = False
    # The new weights' random initialisation draws from the global generator: its state
    # is put back, so the user's random stream goes on where it was.
    cuda = [sample.device] if sample.device.type == "cuda" else []
    try:
        with torch.random.fork_rng(devices=cuda), torch.no_grad():
            for batch in (0, input_shape[0]):
                if batch and math.prod(input_shape) > _REAL_LIMIT:
                    too_large = True
                    break
                try:
                    twin(torch.zeros((batch, *input_shape[1:]), dtype=dtype,
                                     device=sample.device))
                    break
                except Exception as error:  # the trace says what, once shapes are known
                    failure = error
                    if not _lazy(twin):
                        break
    finally:
        for module, training in modes:
            module.training = training
    if _lazy(twin):
        said = f"{type(failure).__name__}: {failure}"
        refusal = _because(refused, (
            f"an empty batch cannot run a copy of it ({said}), nor can a real one of this "
            f"size ({math.prod(input_shape):,} values, over {_REAL_LIMIT:,})") if too_large
            else f"a copy could not run its forward ({said})")
        refusal.said = said.strip().splitlines()[0]
        raise refusal
    return twin


def note(refused: NotInitialised) -> Finding:
    """What the summary says about a model traced through an initialised copy."""
    modules = list(dict.fromkeys(name.rpartition(".")[0] or name for name in refused.names))
    return Finding("lazy_modules", {"modules": modules})


def _unshaped(tensor: torch.Tensor) -> torch.Tensor:
    """A new parameter or buffer without a shape, like ``tensor``."""
    if isinstance(tensor, UninitializedParameter):
        return UninitializedParameter(tensor.requires_grad, tensor.device, tensor.dtype)
    return UninitializedBuffer(tensor.requires_grad, tensor.device, tensor.dtype)


def _lazy(model: nn.Module) -> bool:
    return any(isinstance(t, UninitializedTensorMixin)
               for t in (*model.parameters(), *model.buffers()))


def _because(refused: NotInitialised, why: str) -> NotInitialised:
    return NotInitialised(f"{refused.problem}, and {why}", refused.fix, names=refused.names)
