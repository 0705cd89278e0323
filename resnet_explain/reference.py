"""Remarks that set a zoo model's computed numbers beside the paper's.

The paper (He et al. 2015, Table 1) gives 1.8, 3.6, 3.8, 7.6 and 11.3 ×10⁹ "FLOPs" for
ResNet-18/34/50/101/152. They are multiply-adds, for the original layout (v1: the stride 2
of a downsampling Bottleneck on its first 1x1 conv), and they are rounded. torchvision's
layout (v1.5) moves that stride to the 3x3 conv, which then runs on the larger map: more
multiply-adds (≈4.1 G instead of ≈3.9 G for ResNet-50) for about +0.5 % top-1.
The computed figures below come from the traced Architecture; the paper's and the other
layout's figures come from the zoo registry (docs/facts.md), so both are shown, never
one silently replaced by the other.
"""

from __future__ import annotations

from .architecture import Architecture


def paper_notes(arch: Architecture, zoo_name: str) -> list[str]:
    from .zoo.registry import MODEL_NAMES, describe

    info = describe(zoo_name)
    notes: list[str] = []
    per_image = arch.macs / arch.batch_size / 1e9
    at_224 = arch.input_shape[1:] == (3, 224, 224)
    if info.paper_flops_g is not None:
        computed = f"{per_image:.2f} G conv+fc multiply-adds per image"
        if not at_224:
            size = "×".join(map(str, arch.input_map[2:]))
            computed += f" at {size} (the paper's are at 224×224)"
        layout = ", for the v1 layout" if info.block == "bottleneck" else ""
        note = (f"Paper (He et al. 2015, Table 1): {info.paper_flops_g:g}×10⁹ FLOPs — "
                f"multiply-adds, rounded{layout}. Computed here: {computed}.")
        if info.family == "imagenet-v1.5" and info.block == "bottleneck":
            v1 = f"{zoo_name}-v1"
            if v1 in MODEL_NAMES and describe(v1).reference_macs_g is not None:
                note += (f" This is v1.5 (torchvision: stride 2 on the 3×3 conv, which then "
                         f"runs on the larger map), so it costs more than v1 "
                         f"({describe(v1).reference_macs_g:.2f} G, see {v1}).")
        notes.append(note)
    if info.paper_params_m is not None and info.family == "cifar":
        notes.append(f"Paper (section 4.2): {info.paper_params_m:g}M parameters; "
                     f"counted here: {arch.total_params:,} (depth 6n + 2 = "
                     f"{arch.plain_depth}).")
    return notes
