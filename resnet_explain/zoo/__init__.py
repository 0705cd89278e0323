"""The reference zoo: ResNets to explain and to compare a user's model against.

``from resnet_explain.zoo import MODEL_NAMES, describe`` does not import torch; only
:func:`build` does, when it is called.

>>> from resnet_explain.zoo import build
>>> model = build("resnet50")                 # torchvision's layout, uninitialised weights
>>> model = build("resnet20", shortcut="B")   # CIFAR ResNet-20 with projection shortcuts
>>> model = build("plain34")                  # the paper's plain baseline: no shortcuts
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .registry import (
    FAMILIES,
    MODEL_NAMES,
    SHORTCUT_OPTIONS,
    ModelInfo,
    check_shortcut,
    describe,
    nearest,
)

if TYPE_CHECKING:
    from torch import nn

__all__ = [
    "FAMILIES",
    "MODEL_NAMES",
    "SHORTCUT_OPTIONS",
    "ModelInfo",
    "build",
    "describe",
    "nearest",
    "state_shapes",
]


def build(
    name: str,
    *,
    shortcut: str | None = None,
    init: bool = False,
    num_classes: int | None = None,
) -> nn.Module:
    """Build the zoo model ``name`` as an ordinary CPU ``nn.Module`` in training mode.

    ``shortcut`` is the paper's option ``"A"``, ``"B"`` or ``"C"`` (default: the model's own,
    B for ImageNet, A for CIFAR; a plain network takes none). With ``init=False`` (the
    default, for inspection) the modules are created on the meta device and then given real
    but *uninitialised* CPU storage: no time is spent drawing random weights, and the values
    are arbitrary (see :func:`_materialise` for why this is not ``Module.to_empty``).
    ``init=True`` gives torchvision's initialisation. Unknown names or options raise ``ValueError``.
    """
    model = _on_meta(name, shortcut, num_classes)
    _materialise(model)
    if init:
        from .initialise import init_weights

        init_weights(model)
    return model


def state_shapes(name: str, *, shortcut: str | None = None,
                 num_classes: int | None = None) -> dict[str, tuple[int, ...]]:
    """The name and shape of every tensor in the state dict of the zoo model ``name``, read
    from a build on the meta device (no storage): what a weights file of that model holds."""
    model = _on_meta(name, shortcut, num_classes)
    return {key: tuple(value.shape) for key, value in model.state_dict().items()}


def _on_meta(name: str, shortcut: str | None, num_classes: int | None) -> nn.Module:
    """The zoo model ``name`` built on the meta device (no storage); unknown names or
    options raise ``ValueError``."""
    info = describe(name)
    option = check_shortcut(shortcut, name)
    classes = info.num_classes if num_classes is None else num_classes
    if not isinstance(classes, int) or isinstance(classes, bool) or classes < 1:
        raise ValueError(f"num_classes must be a positive integer, not {num_classes!r}")

    import torch

    with torch.device("meta"):
        return _construct(info, option, classes)


def _materialise(model: nn.Module) -> None:
    """Give every meta parameter and buffer of ``model`` uninitialised CPU storage, in place.

    What ``model.to_empty(device="cpu")`` does, without its cost: ``to_empty`` goes through
    ``torch.empty_like`` on meta tensors, whose reference implementation imports sympy and
    the symbolic-shapes machinery — about a third of ``import torch`` again, paid by every
    cold ``resnet-explain summary``. ``torch.empty(shape, dtype=...)`` allocates the same
    tensors directly. Parameters stay ``nn.Parameter`` with their ``requires_grad``; a tensor
    shared by two modules stays shared.
    """
    import torch
    from torch import nn

    done: dict[int, torch.Tensor] = {}
    for module in model.modules():
        for table in (module._parameters, module._buffers):
            for key, old in table.items():
                if old is None or not old.is_meta:
                    continue
                new = done.get(id(old))
                if new is None:
                    new = torch.empty(old.shape, dtype=old.dtype, device="cpu")
                    if isinstance(old, nn.Parameter):
                        new = nn.Parameter(new, requires_grad=old.requires_grad)
                    done[id(old)] = new
                table[key] = new


def _construct(info: ModelInfo, shortcut: str, num_classes: int) -> nn.Module:
    if info.family in ("cifar", "plain-cifar"):
        from .blocks import BasicBlock, PlainBasicBlock
        from .cifar import CifarResNet

        cifar_block = PlainBasicBlock if info.plain else BasicBlock
        return CifarResNet(info.layers[0], num_classes=num_classes, shortcut=shortcut,
                           block=cifar_block)
    if info.family == "preact-v2":
        from .blocks import PreActBasicBlock, PreActBottleneck
        from .preact import PreActResNet

        block = PreActBasicBlock if info.block == "basic" else PreActBottleneck
        return PreActResNet(block, info.layers, num_classes=num_classes, shortcut=shortcut)
    from .blocks import BasicBlock, Bottleneck, BottleneckV1, PlainBasicBlock
    from .imagenet import ResNet

    if info.block == "basic":
        imagenet_block: type = PlainBasicBlock if info.plain else BasicBlock
    else:
        imagenet_block = BottleneckV1 if info.family == "imagenet-v1" else Bottleneck
    return ResNet(imagenet_block, info.layers, num_classes=num_classes, shortcut=shortcut)
