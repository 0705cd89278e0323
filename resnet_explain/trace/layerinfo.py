"""Read what a layer *is* from the module object or the functional call: kernel, stride, …

Kinds (the constants in ``architecture.py``) are decided by the module's base class
(``nn.modules.conv._ConvNd``, …) or by the functional op, never by a class-name string, so a
student's ``class MyConv(nn.Conv2d)`` is a convolution too.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from ..architecture import (
    ACTIVATION,
    ADAPTIVE_POOL,
    BATCH_NORM,
    CONV,
    LINEAR,
    NORM,
    OTHER,
    POOL,
    RESHAPE,
    Pooling,
)

_ACTIVATION_MODULES = (
    nn.ReLU, nn.ReLU6, nn.GELU, nn.SiLU, nn.Sigmoid, nn.Hardswish, nn.LeakyReLU, nn.ELU,
    nn.SELU, nn.Mish, nn.Tanh, nn.PReLU, nn.Hardtanh, nn.Softplus,
)
# Kinds of the functional ops that trace.py records (by its normalised op names).
_OP_KINDS = {
    "batch_norm": BATCH_NORM,
    **dict.fromkeys(("relu", "relu6", "gelu", "silu", "sigmoid", "hardswish", "leaky_relu"),
                    ACTIVATION),
    **dict.fromkeys(("view", "reshape", "flatten"), RESHAPE),
    **dict.fromkeys(("adaptive_avg_pool2d", "adaptive_max_pool2d"), ADAPTIVE_POOL),
    **dict.fromkeys(("group_norm", "layer_norm", "instance_norm"), NORM),
}
_OP_POOLING = {"max_pool2d": Pooling.MAX, "adaptive_max_pool2d": Pooling.MAX,
               "avg_pool2d": Pooling.AVG, "adaptive_avg_pool2d": Pooling.AVG}


@dataclass(slots=True)
class LayerAttrs:
    kind: str = OTHER
    kernel_size: tuple[int, ...] | None = None
    stride: tuple[int, ...] | None = None
    padding: tuple[int, ...] | None = None
    dilation: tuple[int, ...] | None = None
    ceil_mode: bool = False
    pooling: Pooling | None = None  # max or average, for a pool
    same_padding: bool = False  # conv with padding="same"
    transposed: bool = False  # a transposed convolution (ConvTranspose2d, conv_transpose2d)
    output_padding: tuple[int, ...] | None = None  # a transposed conv's extra end size
    groups: int | None = None
    in_channels: int | None = None
    out_channels: int | None = None
    bias: bool | None = None
    params: int = 0
    trainable_params: int = 0
    shared_with: tuple[str, ...] = ()  # layers that own parameters this one uses too
    # The channel count a batch norm's statistics are for. PyTorch checks it against the
    # input only when there are elements to normalise, so the trace checks it for an empty
    # batch (not shown: the views describe a norm by its input).
    norm_features: int | None = None
    # The module's class replaces PyTorch's forward (timm's Conv2dSame pads the input
    # itself): its attributes are what the formula reads, not necessarily what ran.
    own_forward: bool = False


@functools.cache
def torch_forward(cls: type) -> bool:
    """Whether a module class runs PyTorch's own forward (a subclass that keeps it, too). A
    forward written by code (torch.fx's GraphModule) has ``None`` for its module: not
    PyTorch's."""
    return (getattr(cls.forward, "__module__", None) or "").startswith("torch.")


@functools.cache
def whole_layer(cls: type) -> bool:
    """Whether a module class with submodules is still one layer: a convolution, linear
    layer or pool (by its base class) whose class replaces PyTorch's forward, such as BiT's
    weight-standardised ``StdConv2dSame``, which holds a padding module and runs
    ``F.conv2d(self.pad(x), standardise(self.weight), …)``, or its ``BitMaxPool2d`` with a
    padding child. Its submodules are parts of that one call (the padding it adds is read
    from what ran, see ``ownforward.py``), and their parameters are counted with its own."""
    return _kind(cls) in (CONV, LINEAR, POOL) and not torch_forward(cls)


def _tuple(value: Any, n: int) -> tuple[int, ...]:
    if isinstance(value, (tuple, list)):
        values = tuple(map(int, value))
        return values * n if len(values) == 1 else values
    return (int(value),) * n


def _conv_padding(padding: Any, n: int) -> tuple[tuple[int, ...], bool]:
    if isinstance(padding, str):
        # "valid" is no padding; "same" keeps the size (stride 1 only, as PyTorch requires).
        return (0,) * n, padding == "same"
    return _tuple(padding, n), False


@functools.cache
def _kind(cls: type) -> str:
    """The layer kind of a module class, by its base classes (the same for every instance)."""
    if issubclass(cls, nn.modules.conv._ConvNd):
        return CONV
    if issubclass(cls, nn.Linear):
        return LINEAR
    if issubclass(cls, (nn.modules.pooling._MaxPoolNd, nn.modules.pooling._AvgPoolNd)):
        return POOL
    if issubclass(cls, (nn.modules.pooling._AdaptiveAvgPoolNd,
                        nn.modules.pooling._AdaptiveMaxPoolNd)):
        return ADAPTIVE_POOL
    if issubclass(cls, nn.modules.batchnorm._BatchNorm):
        return BATCH_NORM
    if issubclass(cls, (nn.modules.batchnorm._NormBase, nn.GroupNorm, nn.LayerNorm)):
        return NORM  # instance, group and layer norm
    if issubclass(cls, _ACTIVATION_MODULES):
        return ACTIVATION
    if issubclass(cls, (nn.Flatten, nn.Unflatten)):
        return RESHAPE
    return OTHER


@functools.cache
def _pooling(cls: type) -> Pooling | None:
    """Max or average pooling, by the module's base class."""
    if issubclass(cls, (nn.modules.pooling._MaxPoolNd, nn.modules.pooling._AdaptiveMaxPoolNd)):
        return Pooling.MAX
    if issubclass(cls, (nn.modules.pooling._AvgPoolNd, nn.modules.pooling._AdaptiveAvgPoolNd)):
        return Pooling.AVG
    return None


def module_attrs(module: nn.Module) -> LayerAttrs:
    """Attributes of a leaf module, by its base class. Its parameters are counted by the
    trace, which knows which of them an earlier layer already owns (tied weights)."""
    cls = type(module)
    attrs = _reader(cls)(module)
    if not torch_forward(cls):
        attrs.own_forward = True
    return attrs


# One small reader per kind of module (like fvcore's table of op handles): the kind is
# decided once per class, and each reader asks only what its kind has.
def _conv_attrs(module: nn.Module) -> LayerAttrs:
    n = len(module.kernel_size)
    padding, same = _conv_padding(module.padding, n)
    transposed = bool(module.transposed)
    return LayerAttrs(
        kind=CONV, kernel_size=tuple(module.kernel_size), stride=tuple(module.stride),
        padding=padding, same_padding=same, dilation=tuple(module.dilation),
        transposed=transposed,
        output_padding=tuple(module.output_padding) if transposed else None,
        groups=module.groups, in_channels=module.in_channels,
        out_channels=module.out_channels, bias=_has_bias(module))


def _linear_attrs(module: nn.Module) -> LayerAttrs:
    return LayerAttrs(kind=LINEAR, in_channels=module.in_features,
                      out_channels=module.out_features, bias=_has_bias(module))


def _batch_norm_attrs(module: nn.Module) -> LayerAttrs:
    return LayerAttrs(kind=BATCH_NORM, norm_features=getattr(module, "num_features", None))


def _pool_attrs(module: nn.Module) -> LayerAttrs:
    n = _pool_dims(type(module))
    kernel = module.kernel_size
    return LayerAttrs(
        kind=POOL, pooling=_pooling(type(module)), kernel_size=_tuple(kernel, n),
        stride=_tuple(module.stride if module.stride is not None else kernel, n),
        padding=_tuple(module.padding, n), dilation=_tuple(getattr(module, "dilation", 1), n),
        ceil_mode=bool(module.ceil_mode))


def _adaptive_pool_attrs(module: nn.Module) -> LayerAttrs:
    return LayerAttrs(kind=ADAPTIVE_POOL, pooling=_pooling(type(module)))


_READERS = {CONV: _conv_attrs, LINEAR: _linear_attrs, BATCH_NORM: _batch_norm_attrs,
            POOL: _pool_attrs, ADAPTIVE_POOL: _adaptive_pool_attrs}


@functools.cache
def _reader(cls: type) -> Callable[[nn.Module], LayerAttrs]:
    """The reader of a module class's attributes; a kind with nothing to read gets only its
    kind."""
    kind = _kind(cls)
    return _READERS.get(kind) or functools.partial(_kind_only, kind)


def _kind_only(kind: str, module: nn.Module) -> LayerAttrs:
    return LayerAttrs(kind=kind)


def _has_bias(module: nn.Module) -> bool:
    """Whether a conv or linear layer adds a bias (``bias`` is a registered parameter, or
    ``None``; read straight from the registry rather than through ``Module.__getattr__``)."""
    bias = module._parameters.get("bias") if "bias" in module._parameters else \
        getattr(module, "bias", None)
    return bias is not None


@functools.cache
def _pool_dims(cls: type) -> int:
    """Spatial dimensions of a pooling class (1d, 2d, 3d), by its base class."""
    for dims, classes in (
        (1, (nn.MaxPool1d, nn.AvgPool1d)),
        (3, (nn.MaxPool3d, nn.AvgPool3d)),
    ):
        if issubclass(cls, classes):
            return dims
    return 2


def _arg(args: tuple, kwargs: dict, position: int, name: str, default: Any) -> Any:
    if len(args) > position:
        return args[position]
    return kwargs.get(name, default)


# Functional convolutions by op name → whether transposed.
_CONV_OPS = {"conv1d": False, "conv2d": False, "conv3d": False, "conv_transpose1d": True,
             "conv_transpose2d": True, "conv_transpose3d": True}


def functional_attrs(op: str, args: tuple, kwargs: dict) -> LayerAttrs:
    """Attributes of a functional op recorded outside any leaf module (conv, pool, relu …)."""
    attrs = LayerAttrs(kind=_OP_KINDS.get(op, OTHER), pooling=_OP_POOLING.get(op))
    if op in _CONV_OPS:
        weight = _arg(args, kwargs, 1, "weight", None)
        bias = _arg(args, kwargs, 2, "bias", None)
        n = weight.dim() - 2
        attrs.kind = CONV
        attrs.kernel_size = tuple(int(k) for k in weight.shape[2:])
        attrs.stride = _tuple(_arg(args, kwargs, 3, "stride", 1), n)
        if _CONV_OPS[op]:  # conv_transpose: (input, weight, bias, stride, padding,
            # output_padding, groups, dilation); weight is (C_in, C_out/groups, K…)
            attrs.transposed = True
            attrs.padding = _tuple(_arg(args, kwargs, 4, "padding", 0), n)
            attrs.output_padding = _tuple(_arg(args, kwargs, 5, "output_padding", 0), n)
            attrs.groups = int(_arg(args, kwargs, 6, "groups", 1))
            attrs.dilation = _tuple(_arg(args, kwargs, 7, "dilation", 1), n)
            attrs.in_channels = int(weight.shape[0])
            attrs.out_channels = int(weight.shape[1]) * attrs.groups
        else:
            attrs.padding, attrs.same_padding = _conv_padding(
                _arg(args, kwargs, 4, "padding", 0), n)
            attrs.dilation = _tuple(_arg(args, kwargs, 5, "dilation", 1), n)
            attrs.groups = int(_arg(args, kwargs, 6, "groups", 1))
            attrs.out_channels = int(weight.shape[0])
            attrs.in_channels = int(weight.shape[1]) * attrs.groups
        attrs.bias = bias is not None
    elif op == "linear":
        weight = _arg(args, kwargs, 1, "weight", None)
        attrs.kind = LINEAR
        attrs.out_channels, attrs.in_channels = (int(s) for s in weight.shape)
        attrs.bias = _arg(args, kwargs, 2, "bias", None) is not None
    elif op in ("max_pool2d", "avg_pool2d"):
        kernel = _arg(args, kwargs, 1, "kernel_size", 1)
        stride = _arg(args, kwargs, 2, "stride", None) or kernel
        attrs.kind = POOL
        attrs.kernel_size = _tuple(kernel, 2)
        attrs.stride = _tuple(stride, 2)
        attrs.padding = _tuple(_arg(args, kwargs, 3, "padding", 0), 2)
        if op == "max_pool2d":
            attrs.dilation = _tuple(_arg(args, kwargs, 4, "dilation", 1), 2)
            attrs.ceil_mode = bool(_arg(args, kwargs, 5, "ceil_mode", False))
        else:
            attrs.dilation = (1, 1)
            attrs.ceil_mode = bool(_arg(args, kwargs, 4, "ceil_mode", False))
    return attrs


def first_tensor(value: Any) -> torch.Tensor | None:
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, (tuple, list)):
        for item in value:
            found = first_tensor(item)
            if found is not None:
                return found
    if isinstance(value, dict):
        for item in value.values():
            found = first_tensor(item)
            if found is not None:
                return found
    return None


def tensors_in(value: Any) -> list[torch.Tensor]:
    """All tensors in an argument structure (tensors, lists, tuples, dicts), in order."""
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, tuple) and len(value) == 1 and isinstance(value[0], torch.Tensor):
        return [value[0]]  # the common case of a module's positional arguments
    if isinstance(value, (tuple, list)):
        return [t for item in value for t in tensors_in(item)]
    if isinstance(value, dict):
        return [t for item in value.values() for t in tensors_in(item)]
    return []
