"""Third-party ResNet-like families, explained by hand: blocks, stages, transitions, params.

Not part of the test suite (it needs timm, MONAI, pytorchcv and transformers, and timm needs a
torchvision that this repository's CI does not install). In a virtual environment of its own:

    pip install torch==2.14.1 torchvision==0.29.1 timm pytorchcv monai transformers
    PYTHONPATH=. python scripts/check_families.py

Every model is built with random weights (nothing is downloaded). Each line gives the depth
formula, the blocks per stage, the transition layers between stages, and the parameters the
trace found beside ``sum(p.numel())`` of the model.
"""

from __future__ import annotations

import warnings
from typing import Any

from resnet_explain import explain


def report(name: str, model: Any, size: tuple[int, ...]) -> None:
    arch = explain(model, size)
    real = sum(p.numel() for p in model.parameters())
    stages = [(stage.name, len(stage.blocks)) for stage in arch.stages if stage.blocks]
    weighted = [layer.name for layer in arch.layers
                if str(layer.role) == "transition" and layer.weighted]
    print(f"{name}: {arch.depth_formula}; {len(arch.blocks)} blocks {stages}; "
          f"{len(weighted)} weighted transition layers; params {arch.total_params:,} "
          f"(the model's {real:,}); {len(arch.warnings)} warnings")


def main() -> None:
    warnings.filterwarnings("ignore")
    import timm
    from monai.networks.nets import SegResNet
    from pytorchcv.model_provider import get_model
    from transformers import BitConfig, BitForImageClassification

    for name in ("cspresnet50", "darknet53", "regnetz_b16"):
        report(f"timm {name}", timm.create_model(name, pretrained=False).eval(), (1, 3, 224, 224))
    report("MONAI SegResNet", SegResNet(spatial_dims=3, in_channels=1, out_channels=2,
                                        init_filters=8).eval(), (1, 1, 64, 64, 64))
    report("pytorchcv pyramidnet110_a48_cifar10",
           get_model("pyramidnet110_a48_cifar10", pretrained=False).eval(), (1, 3, 32, 32))
    report("transformers BiT-50", BitForImageClassification(BitConfig()).eval(),
           (1, 3, 224, 224))


if __name__ == "__main__":
    main()
