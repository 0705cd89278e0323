"""By hand (needs transformers): is a Hugging Face vision model built on the meta device, as
``resnet_explain/hfconfig.py`` builds a model folder, explained exactly as the same model
built on the CPU with real weights?

    python scripts/check_hf_meta.py

For each model type, its default config is built both ways and the two Architectures'
layers (names, shapes, kernels, parameter counts, multiply-adds, receptive fields) and
totals are compared. Prints one line per model, and the build times.
"""

from __future__ import annotations

import time

import torch
import transformers

from resnet_explain import explain

MODELS = ("ResNet", "ConvNext", "ConvNextV2", "RegNet", "ViT", "Swin", "Bit", "MobileNetV2",
          "EfficientNet", "Dinov2", "PoolFormer", "Levit", "MobileViT", "Cvt", "FocalNet",
          "Beit", "DeiT", "Data2VecVision", "SwiftFormer")


def main() -> None:
    print(f"transformers {transformers.__version__}, torch {torch.__version__}")
    same_everywhere = True
    for name in MODELS:
        config = getattr(transformers, f"{name}Config")()
        model_class = (getattr(transformers, f"{name}ForImageClassification", None)
                       or getattr(transformers, f"{name}Model"))
        start = time.perf_counter()
        on_cpu = model_class(config)
        cpu_s = time.perf_counter() - start
        start = time.perf_counter()
        with torch.device("meta"):
            on_meta = model_class(config)
        meta_s = time.perf_counter() - start
        a, b = explain(on_cpu), explain(on_meta)
        same = (a.to_dict()["layers"] == b.to_dict()["layers"]
                and (a.total_params, a.macs, a.plain_depth)
                == (b.total_params, b.macs, b.plain_depth))
        same_everywhere &= same
        print(f"{name:15} built on CPU {cpu_s:5.2f} s, on meta {meta_s:5.2f} s; "
              f"{'same' if same else 'DIFFERENT'} (depth {a.plain_depth}, "
              f"{a.total_params:,} parameters)")
    print("all the same" if same_everywhere else "SOME DIFFER")


if __name__ == "__main__":
    main()
