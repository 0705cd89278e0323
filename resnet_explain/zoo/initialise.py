"""Weight initialisation, only when asked for (``build(..., init=True)``).

torchvision's scheme: Kaiming-normal (fan_out, ReLU gain) for convolutions, BatchNorm
weight 1 and bias 0 with fresh running statistics, PyTorch's default for the fc layer.
"""

from __future__ import annotations

from torch import nn

__all__ = ["init_weights"]


def init_weights(model: nn.Module) -> None:
    """Initialise every parameter and buffer of a zoo model in place (also after ``to_empty``)."""
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.BatchNorm2d):
            module.reset_parameters()  # weight 1, bias 0, running mean 0 / var 1, count 0
        elif isinstance(module, nn.Linear):
            module.reset_parameters()
        elif any(True for _ in module.parameters(recurse=False)) or any(
            True for _ in module.buffers(recurse=False)
        ):
            raise TypeError(f"init_weights does not know how to initialise {type(module)!r}")
