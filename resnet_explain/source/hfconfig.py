"""A Hugging Face model folder, or a Hub id in the local cache: the architecture its
``config.json`` describes.

A model downloaded from the Hugging Face Hub (``huggingface-cli download microsoft/resnet-50
--local-dir resnet-50``) is a folder: ``config.json`` (the architecture's hyperparameters:
``depths``, ``hidden_sizes``, ``layer_type`` …) beside the weights (``model.safetensors``).
The weights' names are the library's own (``resnet.encoder.stages.0.layers.0…``), which fit
no zoo model; the config says everything the architecture is. So the model is built as its
library builds it, from the config alone:

- **transformers** (the config has a ``model_type``): the class its ``architectures`` names,
  else the one ``AutoModel`` maps it to;
- **timm** (``timm/resnet50.a1_in1k``: the config names the ``architecture``, and its
  ``pretrained_cfg`` the input size): ``timm.create_model(architecture, num_classes=…)``.

Either is built on the meta device: its parameters have shapes and no values, so nothing is
initialised (a ViT-Base takes 0.03 s instead of 0.9 s to build) and the trace runs on the
meta engine. Shapes, depth, parameters and multiply-adds do not depend on the trained
values, and the weights file is never opened. (Built this way, 19 vision models of
transformers — ResNet, ConvNeXt, RegNet, ViT, Swin, EfficientNet … — gave the same layers,
shapes and counts as built on the CPU: ``scripts/check_hf_meta.py``.)

A Hub id (``microsoft/resnet-50``) names the folder that transformers or timm already
downloaded into the Hugging Face cache (``from_pretrained`` once, or ``huggingface-cli
download``): its snapshot is found with huggingface_hub's ``try_to_load_from_cache``, which
reads the cache and never the network.

The library is imported here, and only when such a folder is given; without it, the error
names it. Nothing is downloaded (``local_files_only``), and a config whose model needs code
from the folder itself (``auto_map``, transformers' ``trust_remote_code``) is refused rather
than run: that code is the user's to name, as ``file.py:callable``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from ..errors import CannotTrace, ModelNotFound, TraceFailure
from ..findings import Finding

CONFIG = "config.json"

#: A Hub model id: an owner and a name (``microsoft/resnet-50``, ``timm/resnet50.a1_in1k``).
_HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*")


def is_hub_id(spec: str) -> bool:
    return _HUB_ID.fullmatch(spec) is not None and not spec.endswith(".py")


def cached_folder(hub_id: str) -> Path | None:
    """The folder of ``hub_id``'s latest snapshot in the local Hugging Face cache, if it was
    downloaded there (with its config.json); None otherwise, or without huggingface_hub."""
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return None
    try:
        found = try_to_load_from_cache(hub_id, CONFIG)
    except Exception:  # an id the library refuses (too long, odd characters)
        return None
    return Path(found).parent if isinstance(found, str) else None


def is_model_folder(path: Path) -> bool:
    """A folder with a ``config.json``, or that file itself."""
    return (path.is_dir() and (path / CONFIG).is_file()) or (
        path.name == CONFIG and path.is_file())


def from_folder(path: Path, label: str | None = None,
                ) -> tuple[Any, str, tuple[int, ...] | None, Finding]:
    """The model a Hugging Face folder's config describes, its label (the folder's name and
    the class), its default input (C, H, W: the config's ``num_channels`` and
    ``image_size``, or 224×224; None for a model that does not read images, whose layers
    then decide, as for any model) and the note that says how it was built. ``label``
    names the model instead of the folder (a Hub id, for a snapshot in the cache)."""
    folder = path if path.is_dir() else path.parent
    label = label or folder.name
    config_file = folder / CONFIG
    try:
        data = json.loads(config_file.read_text(encoding="utf-8"))
    except RecursionError:
        raise ModelNotFound(f"{config_file} cannot be read as a model config (its JSON is "
                            "nested deeper than Python reads)",
                            "Give a weights file or file.py:callable") from None
    except (OSError, ValueError) as error:
        raise ModelNotFound(f"{config_file} cannot be read as a model config ({error})",
                            "Give a weights file or file.py:callable") from None
    model_type = data.get("model_type") if isinstance(data, dict) else None
    if model_type is None and isinstance(data, dict) and isinstance(data.get("architecture"),
                                                                    str):
        return _from_timm(folder, data, label)
    if not isinstance(model_type, str):
        raise ModelNotFound(f"{config_file} has no model_type: it is not a Hugging Face "
                            "model config", "Give a weights file or file.py:callable")
    if data.get("auto_map"):
        raise ModelNotFound(
            f"{folder} is a Hugging Face model whose code is in the folder itself (auto_map "
            f"in {CONFIG}), which the tool does not run on its own",
            f"Give that code as {folder}/file.py:callable")
    try:
        import transformers
    except ImportError:
        raise ModelNotFound(
            f"{folder} is a Hugging Face model folder (model_type {model_type!r}); building "
            f"it from its {CONFIG} needs transformers",
            "pip install transformers, or give a weights file or file.py:callable") from None
    if not transformers.utils.is_torch_available():  # transformers 5 with torch < 2.6
        import torch

        raise ModelNotFound(
            f"{folder} is a Hugging Face model folder (model_type {model_type!r}), and "
            f"transformers {transformers.__version__} does not build models with this torch "
            f"({torch.__version__}): it needs a newer one",
            "Upgrade torch (pip install -U torch), or use an older transformers "
            "(pip install 'transformers<5')")
    model, built = _build(transformers, folder, model_type)
    if getattr(model, "main_input_name", None) == "input_ids":  # transformers' own word
        raise CannotTrace(
            f"{folder} is a Hugging Face model whose main input is token ids ({built}, "
            f"model_type {model_type!r}), not the images or signals the tool traces",
            "Explain a vision or audio model's folder (ResNet, ConvNeXt, RegNet …); for a "
            "model with a vision tower (CLIP), explain(model.vision_model) in Python")
    channels = getattr(model.config, "num_channels", None)
    size = getattr(model.config, "image_size", None) or 224
    side = tuple(size) if isinstance(size, (list, tuple)) else (size, size)
    if not all(isinstance(value, int) and not isinstance(value, bool) and value > 0
               for value in side):
        raise ModelNotFound(f"{config_file} gives image_size {size!r}: not a size in pixels",
                            "Correct image_size in the config (e.g. 224)")
    default = (int(channels), *side) if isinstance(channels, int) else None
    note = Finding("built_from_config", {
        "config": str(config_file), "library": "transformers",
        "version": transformers.__version__, "built": f"{built}, model_type {model_type!r}"})
    return model, f"{label} ({built})", default, note


def _build(transformers: Any, folder: Path, model_type: str) -> tuple[Any, str]:
    """The model and the name of its class: the config's first ``architectures`` entry if
    transformers has it, else the base model ``AutoModel`` maps the config to."""
    try:
        config = transformers.AutoConfig.from_pretrained(str(folder), local_files_only=True)
    except Exception as error:  # an unknown model_type, a field of the wrong type …
        said = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise ModelNotFound(
            f"transformers {transformers.__version__} cannot read {folder / CONFIG} "
            f"(model_type {model_type!r}: {type(error).__name__}: {said})",
            "Check that file; a model_type newer than transformers needs "
            "pip install -U transformers. Or give file.py:callable"
        ) from None
    import torch

    names = [name for name in (config.architectures or []) if hasattr(transformers, name)]

    def build() -> Any:
        if names:
            return getattr(transformers, names[0])(config)
        return transformers.AutoModel.from_config(config)

    try:
        try:
            with torch.device("meta"):  # shapes without values: nothing to initialise
                model = build()
        except NotImplementedError as error:
            if "'Meta' backend" not in str(error):
                raise
            # An op with no meta kernel in this torch (weight_norm's in torch 2.1, which
            # wav2vec2 calls while it is built): built on the CPU, initialised.
            model = build()
    except Exception as error:  # the model's own __init__ refused its config
        raise _not_built(folder, error) from error
    return model, names[0] if names else type(model).__name__


def _from_timm(folder: Path, data: dict[str, Any], label: str,
               ) -> tuple[Any, str, tuple[int, ...] | None, Finding]:
    """A timm folder: ``timm.create_model(architecture, num_classes=…, **model_args)``, on
    the meta device, at the ``pretrained_cfg``'s input size."""
    architecture = data["architecture"]
    options = data.get("model_args") or {}
    if not isinstance(options, dict):
        raise ModelNotFound(f"{folder / CONFIG} has model_args that are not a mapping of "
                            "options", "Check that file, or give file.py:callable")
    options = dict(options)
    try:
        import timm
    except ImportError:
        raise ModelNotFound(
            f"{folder} is a timm model folder ({architecture}); building it from its "
            f"{CONFIG} needs timm", "pip install timm, or give a weights file or "
            "file.py:callable") from None
    import torch

    if isinstance(data.get("num_classes"), int):
        options.setdefault("num_classes", data["num_classes"])
    if not timm.is_model(architecture):
        raise ModelNotFound(
            f"timm {timm.__version__} has no model {architecture!r} (the architecture in "
            f"{folder / CONFIG})", "Upgrade timm (pip install -U timm), or give "
            "file.py:callable")
    try:
        with torch.device("meta"):  # shapes without values: nothing to initialise
            model = timm.create_model(architecture, pretrained=False, **options)
    except Exception as error:  # the model refused these options
        raise _not_built(folder, error) from error
    size = (data.get("pretrained_cfg") or {}).get("input_size")
    default = tuple(int(v) for v in size) if isinstance(size, list) and len(size) == 3 \
        else None
    said = ", ".join(f"{key}={value!r}" for key, value in options.items())
    note = Finding("built_from_config", {
        "config": str(folder / CONFIG), "library": "timm", "version": timm.__version__,
        "built": f"timm.create_model({architecture!r}{', ' + said if said else ''})"})
    return model, f"{label} ({architecture})", default, note


def _not_built(folder: Path, error: Exception) -> TraceFailure:
    """The library could not build the model its config describes: its own words."""
    return TraceFailure.from_exception(error, {}, during=f"building {folder.name} from its "
                                       f"{CONFIG}", fix="Check the config")

