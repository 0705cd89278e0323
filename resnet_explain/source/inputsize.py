"""Parse an input size given on the command line or to :func:`explain`.

An image model takes C×H×W (or N×C×H×W with the batch); a model whose convolutions are all
1-D (audio, ECG, time series: ``nn.Conv1d``) takes C×L, and one whose convolutions are all
3-D (video: ``nn.Conv3d``) C×D×H×W — each with the batch in front, or a batch of one added.
A model without convolutions (``spatial=0``: a ResNet of fully connected blocks for tabular
data, an MLP that flattens an image) takes F or N×F (its features) as well as an image's
sizes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from ..errors import BadInputSize
from ..i18n import _
from ..notation import typed
from ..words import count, letters

_LARGEST = 2**60  # PyTorch counts bytes in a signed 64-bit integer: 2⁶³ bytes of float64
# Between the numbers: x, ×, commas, spaces, and the brackets of a shape copied as printed
# (``[1, 3, 224, 224]`` from a table, ``(3, 224, 224)`` from code); ``torch.Size`` too.
_SEPARATORS = re.compile(r"[x×X,\s\[\]()]+")
_SIZE_PREFIX = re.compile(r"^\s*torch\.Size\s*(?=\()")


#: The letters of each number of spatial dimensions (after C×), and an example size with 3
#: channels.
LAYOUTS = {n: (f"×{letters(n)}" if n else "", example)
           for n, example in {0: (16,), 1: (3, 16000), 2: (3, 224, 224),
                              3: (3, 16, 112, 112)}.items()}


class LayoutMisfit(BadInputSize):
    """A size whose number of dimensions does not fit the layout guessed from the model's
    layer classes. The guess may be wrong (a Conv1d model whose forward flattens a 4-D input
    itself), so :func:`~resnet_explain.explain` traces the size as given (:attr:`as_given`)
    and raises this error, with the forward's own words added (:meth:`refused_too`), only
    when the forward refuses it too."""

    def __init__(self, problem: str, fix: str, as_given: tuple[int, ...]) -> None:
        super().__init__(problem, fix)
        self.as_given = as_given

    def refused_too(self, failure: Exception) -> BadInputSize:
        """This error, with what the forward said when it was given the size anyway."""
        said = getattr(failure, "said", "") or type(failure).__name__
        said = said if len(said) <= 70 else said[:67] + "…"  # a shape of 301 numbers
        return BadInputSize(_("{problem}, and the model's forward refuses it ({said})",
                              problem=self.problem, said=said), self.fix)


def parse_input_size(value: str | int | Sequence[int], spatial: int = 2,
                     channels: int | None = None) -> tuple[int, ...]:
    """``"3x224x224"`` → ``(1, 3, 224, 224)``; ``"8x3x224x224"`` keeps the batch of 8, and so
    do ``"8,3,224,224"``, ``"[8, 3, 224, 224]"`` and ``"torch.Size([8, 3, 224, 224])"`` (a shape
    copied as the tool or PyTorch prints it).

    A size without a batch gets a batch of one, as torchinfo's ``input_size`` does.
    ``spatial`` is the model's number of spatial dimensions (:data:`LAYOUTS`), ``channels``
    what its first layer reads, for the example in a message.
    """
    example = _("Give {layout}, e.g. {example}", layout=layout(spatial),
                example=example_size(spatial, channels))
    if not isinstance(value, (str, int)):
        shapes = [list(v.shape) for v in value if hasattr(v, "shape")]
        if shapes:  # explain(model, (x, y)): tensors where one size or one tensor goes
            raise BadInputSize(
                _("the input size holds {tensors} (shapes {shapes}), not numbers",
                  tensors=count(len(shapes), "tensor"),
                  shapes=", ".join(map(str, shapes[:3])) + (", …" if len(shapes) > 3 else "")),
                _("Give one tensor, or its size: explain(model, x) or "
                  "input_size=tuple(x.shape); the tool traces models of one input"))
    text, parts = _split(value)
    if len(text) > 80:  # a message quotes the size, not a page of it
        text = text[:77] + "…"
    if not parts:
        raise BadInputSize(_("the input size is empty"), example)
    try:
        dims = tuple(int(p) for p in parts)
    except ValueError:
        raise BadInputSize(_("the input size {size} is not a list of whole numbers",
                             size=repr(text)), example) from None
    if any(d <= 0 for d in dims):
        raise BadInputSize(_("the input size {size} has a dimension that is not positive",
                             size=repr(text)),
                           _("Every dimension must be at least 1, e.g. {example}",
                             example=example_size(spatial, channels)))
    lengths = (1, 2, 3, 4) if spatial == 0 else (spatial + 1, spatial + 2)
    batched = len(dims) in ((2, 4) if spatial == 0 else (spatial + 2,))
    # A size that does not fit the layout is taken as given, the batch first.
    dims = dims if batched or (len(dims) not in lengths and len(dims) > 1) else (1, *dims)
    if math.prod(dims) >= _LARGEST:
        raise BadInputSize(_("the input size {size} has {elements} elements, more than "
                             "PyTorch can address (2⁶⁰ eight-byte values)", size=repr(text),
                             elements=f"{math.prod(dims):,}"),
                           _("Give a size whose elements fit in memory addresses, e.g. "
                             "{example}", example=example_size(spatial, channels)))
    if len(parts) not in lengths:
        raise LayoutMisfit(_("the input size {size} has {dimensions}", size=repr(text),
                             dimensions=count(len(parts), "dimension")), example, dims)
    return dims


def _split(value: str | int | Sequence[int]) -> tuple[str, list[str]]:
    """The size as text, and its numbers as written."""
    if isinstance(value, int):  # explain(model, 224): one number is not a size
        value = (value,)
    text = value if isinstance(value, str) else "x".join(str(v) for v in value)
    return text, [p for p in _SEPARATORS.split(_SIZE_PREFIX.sub("", text)) if p]


def numbers_given(value: str | int | Sequence[int]) -> tuple[int, ...]:
    """The numbers of a size that :func:`parse_input_size` accepted, as given: no batch
    added (``"8x16000"`` → ``(8, 16000)``)."""
    return tuple(int(part) for part in _split(value)[1])


def layout(spatial: int) -> str:
    """``"C×H×W or N×C×H×W"`` for an image model, ``"C×L or N×C×L"`` for a 1-D one, ``"F or
    N×F"`` (features) for one without spatial dimensions."""
    if spatial == 0:
        return _("F or N×F (features), or C×H×W or N×C×H×W")
    letters = LAYOUTS[spatial][0]
    return _("C{axes} or N×C{axes}", axes=letters)


def example_size(spatial: int, channels: int | None = None) -> str:
    """An example size as a placeholder that the CLI says ``--input 3x224x224`` and the API
    ``input_size=(3, 224, 224)`` (:func:`~resnet_explain.errors.in_words`)."""
    size = LAYOUTS[spatial][1]
    if channels is not None:
        size = (channels, *size[1:])
    return "{input=" + typed(size) + "}"
