"""What a weights file holds, and which zoo model it is the weights of.

``resnet-explain summary model.pth`` is what a user with a checkpoint types first. A file of
weights is a table of named tensors (``layer1.0.conv1.weight → [64, 64, 3, 3]``): it has the
shapes of the layers but not their forward — no strides, no padding, no pooling, no order of
calls. So the architecture is never read from the weights. It is found by *matching*: a zoo
model whose own state dict has exactly these names and shapes is the architecture, and that
model is explained. Two zoo models can have the same tensors and differ in the forward
(ResNet-50 v1 and v1.5 differ only in which conv of a downsampling block has stride 2), so a
match is used only when it is the only one; otherwise the user is told the candidates.

Reading is safe and cheap:

* ``torch.save`` files are read with ``torch.load(weights_only=True)`` onto the meta device:
  no code from the file runs and no tensor data is read. A file that holds other Python
  objects (a whole pickled model, an ``argparse.Namespace``) is refused, naming the class,
  because loading it would run code from the file. TorchScript archives are told apart by
  their ``code/`` folder and refused: compiled code has no layers to hook.
* ``.safetensors`` files are read from their JSON header alone, without torch.
* A checkpoint dict (``{"epoch": 3, "state_dict": {...}, "optimizer": ...}``) gives its
  largest table of tensors; a prefix shared by every name (``module.`` from DataParallel,
  ``model.`` from Lightning, ``_orig_mod.`` from ``torch.compile``) is dropped.
* ``num_batches_tracked`` counters are left out of the comparison: torchvision's published
  weights predate them and ``load_state_dict`` accepts their absence.
"""

from __future__ import annotations

import json
import pickletools
import re
import struct
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import CannotTrace, ModelNotFound
from ..words import count

#: Suffixes that mark a file as weights rather than Python, for the message when it is missing.
WEIGHT_SUFFIXES = (".pt", ".pth", ".ckpt", ".bin", ".safetensors", ".pkl", ".tar")

Shapes = dict[str, tuple[int, ...]]

_IGNORED = "num_batches_tracked"
# A residual block: the first numbered part of a name with a layer and a tensor below it
# ("layer1.0" of "layer1.0.conv1.weight"); "conv1.0.weight" (a deep stem's conv) is no block.
_BLOCK = re.compile(r"^(.*?\.\d+)\.[^.]+\.")
_GIVE_A_MODEL = ("Give a file that torch.save wrote, a .safetensors file, or the code that "
                 "builds the model (file.py:callable)")
# What a file of tensors names besides the classes of other objects: torch's rebuild
# functions, storages and dtypes, and Python's own containers (``__builtin__`` in protocol 2).
_PLUMBING = ("torch._utils.", "torch._tensor.", "torch.serialization.", "collections.",
             "builtins.", "__builtin__.", "_codecs.", "copyreg.")


@dataclass(frozen=True)
class Weights:
    """The named tensor shapes a file holds: ``where`` in the file (``""`` for the top
    level, else e.g. ``"['state_dict']"``) and the name ``prefix`` dropped from each key."""

    path: str
    shapes: Shapes
    where: str = ""
    prefix: str = ""

    @property
    def blocks(self) -> int:
        """Residual blocks, counted as distinct ``<stage>.<i>`` name prefixes (the first
        numbered part of a name, with a layer below it: ``layer1.0`` of
        ``layer1.0.downsample.0.weight``)."""
        return len({match.group(1) for name in self.shapes if (match := _BLOCK.match(name))})

    @property
    def classes(self) -> int | None:
        """The output count of a final ``fc`` layer, if the weights have one."""
        shape = self.shapes.get("fc.weight")
        return shape[0] if shape is not None and len(shape) == 2 else None


@dataclass(frozen=True)
class Fit:
    """How one zoo model (``name`` with its ``shortcut`` option and ``classes`` outputs) fits
    the weights: the names whose shapes differ, missing from the file, or extra in it."""

    name: str
    shortcut: str
    classes: int
    differ: list[tuple[str, tuple[int, ...], tuple[int, ...]]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        return not (self.differ or self.missing or self.extra)

    @property
    def distance(self) -> int:
        return len(self.differ) + len(self.missing) + len(self.extra)


# --- reading -------------------------------------------------------------------------------
def read(path: str | Path) -> Weights:
    """The tensors of the weights file at ``path``; a :class:`~resnet_explain.errors.UserError`
    for a file that is not one (or whose loading would run code from it)."""
    path = Path(path)
    shown = str(path)
    if path.suffix == ".onnx":
        raise CannotTrace(f"{shown} is an ONNX graph, not PyTorch modules",
                          "Explain the PyTorch model it was exported from (file.py:callable)")
    try:
        if path.suffix == ".safetensors":
            table: dict[str, Any] = _safetensors_shapes(path)
            where = ""
        else:
            table, where = _largest_table(_torch_load(path), shown)
    except (OSError, zipfile.BadZipFile) as error:
        raise ModelNotFound(f"cannot read {shown} ({error})",
                            "Check that the file is complete and readable") from None
    shapes = {name: tuple(shape) for name, shape in table.items()
              if not name.endswith(_IGNORED)}
    if not shapes:
        raise ModelNotFound(f"{shown} holds no named tensors",
                            "Give the weights file that torch.save(model.state_dict(), …) "
                            "wrote, or the code that builds the model (file.py:callable)")
    shapes, prefix = _without_common_prefix(shapes)
    return Weights(shown, shapes, where, prefix)


def _safetensors_shapes(path: Path) -> dict[str, list[int]]:
    """The header of a safetensors file: 8 bytes of length, then JSON naming each tensor's
    dtype, shape and byte range."""
    try:
        with path.open("rb") as stream:
            (length,) = struct.unpack("<Q", stream.read(8))
            if length > 100_000_000:
                raise ValueError("header too long")
            header = json.loads(stream.read(length))
        if not isinstance(header, dict):
            raise ValueError(f"its header is a JSON {type(header).__name__}, not a table "
                             "of tensors")
        return {name: list(entry["shape"]) for name, entry in header.items()
                if name != "__metadata__"}
    except (OSError, ValueError, KeyError, TypeError, struct.error, RecursionError) as error:
        raise ModelNotFound(f"cannot read {path} as a safetensors file ({error})",
                            "Check that the file is complete") from None


def _torch_load(path: Path) -> Any:
    import pickle

    import torch

    shown = str(path)
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if any("/code/" in name or name.endswith("constants.pkl") for name in names):
                raise CannotTrace(
                    f"{shown} is a TorchScript archive (torch.jit.save): compiled code, whose "
                    "layers cannot be traced one by one",
                    "Explain the nn.Module it was scripted or traced from (file.py:callable)")
            classes = _classes_in(archive, names)
    else:
        with path.open("rb") as stream:
            start = stream.read(2)
        if start == b"PK":  # a zip archive's first bytes, but no archive after them
            raise ModelNotFound(f"{shown} is a damaged zip archive",
                                "Check that the file is complete (a download or a save "
                                "cut short?)")
        if start[:1] != b"\x80":  # a pickle (torch.save's legacy format) begins so
            raise ModelNotFound(
                f"{shown} is not a PyTorch weights file (neither the zip archive nor "
                "the pickle that torch.save writes)", _GIVE_A_MODEL)
        classes = []
    try:
        with warnings.catch_warnings():  # torch's own words on old pickle protocols: the
            warnings.simplefilter("ignore")  # error below says what matters
            return torch.load(path, map_location="meta", weights_only=True)
    except Exception as error:
        damage = _damage(path)
        if damage is not None:  # a flipped byte is no pickled code: say what it is
            raise ModelNotFound(f"{shown} is damaged ({damage})",
                                "Check that the file is complete and unchanged (a download "
                                "or a copy cut short?), or save it again") from None
        if not isinstance(error, pickle.UnpicklingError):
            first = str(error).strip().splitlines()[0] if str(error).strip() else ""
            raise ModelNotFound(
                f"cannot read {shown} as a PyTorch weights file "
                f"({type(error).__name__}: {first})", _GIVE_A_MODEL) from None
        model = any(name.startswith("torch.nn.modules.") for name in classes)
        own = [name for name in classes if not name.startswith(_PLUMBING)
               and not name.endswith("Storage") and not name.startswith("torch.float")]
        what = ("a whole pickled model" if model else "pickled Python objects")
        if own:
            what += f" (class {own[0]})"
        raise CannotTrace(
            f"{shown} holds {what}, and loading it would run code from the file",
            "Give the code that builds the model (file.py:callable), or save the weights "
            "alone with torch.save(model.state_dict(), path). If you trust the file: "
            f"explain(torch.load({shown!r}, weights_only=False)) in Python") from None


def _damage(path: Path) -> str | None:
    """What is wrong with a file whose bytes changed after ``torch.save`` wrote it, or
    ``None``: a zip member whose CRC-32 no longer matches, or a pickle that does not parse
    to its end (read opcode by opcode with :mod:`pickletools`: nothing is imported or run).
    A damaged file must not be called pickled code: its "class" is a flipped byte."""
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                bad = archive.testzip()
                if bad is not None:
                    return f"the CRC-32 of {bad} does not match its bytes"
                pickled = [n for n in archive.namelist() if n.endswith("data.pkl")]
                data = archive.read(pickled[0]) if pickled else b""
        else:
            data = path.read_bytes()
        if data:
            for _ in pickletools.genops(data):
                pass
    except (zipfile.BadZipFile, ValueError, EOFError) as error:
        return str(error) or type(error).__name__
    except OSError:
        return None
    return None


def _classes_in(archive: zipfile.ZipFile, names: list[str]) -> list[str]:
    """The classes a ``torch.save`` archive's pickle names, read from its opcodes (nothing
    is imported or run): ``module.Name`` for each, in order."""
    pickled = [name for name in names if name.endswith("/data.pkl") or name == "data.pkl"]
    if not pickled:
        return []
    found: list[str] = []
    strings: list[str] = []
    try:
        for opcode, arg, _ in pickletools.genops(archive.read(pickled[0])):
            if opcode.name == "GLOBAL":
                found.append(str(arg).replace(" ", "."))
            elif opcode.name == "STACK_GLOBAL" and len(strings) >= 2:
                found.append(f"{strings[-2]}.{strings[-1]}")
            elif isinstance(arg, str):
                strings.append(arg)
    except Exception:  # a damaged pickle: torch.load says so
        pass
    return list(dict.fromkeys(found))


def _largest_table(loaded: Any, shown: str) -> tuple[dict[str, Any], str]:
    """The table of named tensors in what ``torch.load`` returned: the object itself, or the
    entry of a checkpoint dict that holds the most tensors."""
    import torch

    def tensors(table: Any) -> dict[str, Any]:
        if not isinstance(table, dict):
            return {}
        return {name: tuple(value.shape) for name, value in table.items()
                if isinstance(name, str) and isinstance(value, torch.Tensor)}

    best, where = tensors(loaded), ""
    if isinstance(loaded, dict):
        for key, value in loaded.items():
            found = tensors(value)
            if len(found) > len(best):
                best, where = found, f"[{key!r}]"
    return best, where


def _without_common_prefix(shapes: Shapes) -> tuple[Shapes, str]:
    """Drop the first part of every name while all names share it (``module.``,
    ``model.``, ``_orig_mod.``)."""
    prefix = ""
    while True:
        heads = {name.split(".", 1)[0] for name in shapes}
        if len(heads) != 1 or any("." not in name for name in shapes):
            return shapes, prefix
        head = heads.pop() + "."
        prefix += head
        shapes = {name[len(head):]: shape for name, shape in shapes.items()}


# --- matching --------------------------------------------------------------------------
def fits(weights: Weights) -> list[Fit]:
    """How each zoo model with as many residual blocks as the weights fits them, best
    first; every shortcut option is tried, with the weights' number of classes.

    The plain networks are not tried: their tensors are those of the ResNet of the same
    depth with option A shortcuts (which hold no parameters), so a file would fit both, and
    trained weights are the ResNet's far more often; ``plain20`` is named by its zoo name."""
    from ..zoo import MODEL_NAMES, SHORTCUT_OPTIONS, describe, state_shapes

    found: list[Fit] = []
    for name in MODEL_NAMES:
        info = describe(name)
        if info.plain or sum(info.layers) != weights.blocks:
            continue
        classes = weights.classes or info.num_classes
        for option in SHORTCUT_OPTIONS:
            want = state_shapes(name, shortcut=option, num_classes=classes)
            found.append(compare(weights.shapes, want, Fit(name, option, classes)))
    return sorted(found, key=lambda fit: fit.distance)


def compare(have: Shapes, want: Shapes, model: Fit) -> Fit:
    """How the file's shapes ``have`` fit the shapes ``want`` of ``model`` (a :class:`Fit`
    without differences): the names whose shapes differ, missing from the file, or extra in
    it; ``num_batches_tracked`` left out of both."""
    differ = [(name, have[name], shape) for name, shape in want.items()
              if name in have and have[name] != shape]
    missing = [name for name in want if name not in have and not name.endswith(_IGNORED)]
    extra = [name for name in have if name not in want]
    return Fit(model.name, model.shortcut, model.classes, differ, missing, extra)


def the_fit(weights: Weights) -> Fit:
    """The one zoo model whose tensors are exactly the file's; a
    :class:`~resnet_explain.errors.ModelNotFound` naming the candidates when several are (the
    weights cannot tell their forwards apart), or the nearest when none is."""
    from ..zoo import describe

    found = fits(weights)
    exact = [fit for fit in found if fit.exact]
    if len(exact) == 1:
        return exact[0]
    held = f"{len(weights.shapes)} tensors"
    if exact:
        from ..i18n import _, join, ngettext

        names = [f"{fit.name} ({describe(fit.name).description})" for fit in exact]
        classes = exact[0].classes
        example = exact[0].name
        if classes != describe(exact[0].name).num_classes:
            example = _("{name} with {option}", name=example, option=f"{{classes=}}{classes}")
        raise ModelNotFound(
            ngettext("{path} ({n} tensor) fits {count} zoo models alike: {names}. Their "
                     "tensors are the same; their forwards differ, and weights do not record "
                     "the forward",
                     "{path} ({n} tensors) fits {count} zoo models alike: {names}. Their "
                     "tensors are the same; their forwards differ, and weights do not record "
                     "the forward", len(weights.shapes), path=weights.path, count=len(exact),
                     names=join(names)),
            _("Explain the one it was trained as by its zoo name, e.g. {example}",
              example=example))
    problem = f"{weights.path} ({held}) holds the weights of no zoo model"
    if found and found[0].distance <= max(3, len(weights.shapes) // 10):
        near = found[0]
        problem += f"; nearest: {near.name} (shortcut {near.shortcut}), where {_differences(near)}"
    else:
        problem += " (none is near)"
    raise ModelNotFound(
        problem,
        "Weights give the shapes of the layers, not the forward that calls them (strides, "
        "padding, pooling): give the code that builds the model (file.py:callable)")


def _differences(fit: Fit, shown: int = 2) -> str:
    said = [f"{name} is {_shape(have)} here, {_shape(want)} in {fit.name}"
            for name, have, want in fit.differ[:shown]]
    said += [f"{name} is missing" for name in fit.missing[:shown - len(said)]]
    said += [f"{name} is extra" for name in fit.extra[:shown - len(said)]]
    more = fit.distance - len(said)
    differ = f"{count(fit.distance, 'tensor')} {'differs' if fit.distance == 1 else 'differ'}"
    return f"{differ}: {'; '.join(said)}" + (f"; and {more} more" if more else "")


def _shape(shape: tuple[int, ...]) -> str:
    return "[" + ", ".join(map(str, shape)) + "]"
