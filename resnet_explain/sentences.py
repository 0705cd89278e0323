"""The findings in English: one small function per kind, from the facts to the sentence.

Every sentence here is made from a :class:`~resnet_explain.findings.Finding`'s facts: a
number, a name or a comparison appears only as the facts hold it (a comparison's word —
"more", "fewer" — is chosen from the numbers it compares). The table :data:`SENTENCES` has
one entry per kind in :data:`~resnet_explain.findings.KINDS`; a second language is a second
table with the same keys.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .findings import Finding
from .notation import dims
from .words import ITEMS, LINES, count, letters, position, units

Facts = Mapping[str, Any]


def say(finding: Finding) -> str:
    """``finding`` as one English sentence."""
    return SENTENCES[finding.kind](finding.facts)


def short(finding: Finding) -> str | None:
    """What a layer's own row says of a warning about it, in a few words (the card and the
    lines under the table keep the whole sentence); ``None`` for a kind no row shows."""
    words = SHORT.get(finding.kind)
    return words(finding.facts) if words is not None else None


def _some(names: Sequence[str], shown: int = 3) -> str:
    """The first ``shown`` names, and how many more: ``"a, b, c and 4 more"``."""
    text = ", ".join(names[:shown])
    return text + (f" and {len(names) - shown} more" if len(names) > shown else "")


def _g(macs: float) -> str:
    """Multiply-adds in G with two decimals, as the paper's figures are compared."""
    return f"{macs / 1e9:.2f} G"


# --- the trace against the formula ---------------------------------------------------------
def size_formula(facts: Facts) -> str:
    text = (f"{facts['layer']}: traced size disagrees with the formula: {facts['formula']}")
    if facts.get("own_forward"):  # a class with its own forward (not one conv on a padded map)
        text += (f" — {facts['type']} replaces PyTorch's forward with one that is not a single "
                 "conv or pool on its padded input (an octave convolution pools first), so the "
                 "kernel, stride and padding it holds need not be what ran")
    return text


# --- mistakes real implementations make ----------------------------------------------------
def no_output(facts: Facts) -> str:
    return ("The model's forward returns no tensor, so its output has no shape: does it miss "
            "its `return` statement?")


def bias_before_batchnorm(facts: Facts) -> str:
    layers = facts["layers"]
    return (f"{len(layers)} conv layer(s) with a bias feed straight into BatchNorm "
            f"({_some(layers)}): BatchNorm subtracts the mean, so the bias is cancelled; use "
            "bias=False")


def batchnorm_reused(facts: Facts) -> str:
    layers = facts["layers"]
    return (f"{len(layers)} BatchNorm module(s) run more than once ({_some(layers)}): one set "
            "of statistics normalises two different tensors; give each use its own BatchNorm")


def activation_on_shortcut(facts: Facts) -> str:
    blocks = facts["blocks"]
    return (f"{len(blocks)} shortcut(s) hold an activation ({_some(blocks)}): the reference "
            "shortcut is the identity or a 1×1 conv + BN; the ReLU belongs after the add")


def inexact_downsampling(facts: Facts) -> str:
    size, stride, expected = facts["size"], facts["stride"], facts["expected"]
    # An even map loses its last pixels (112 → 55 never reads pixel 111); an odd one is told
    # the ceiling (13 → 5 with a 4×4 window loses row 12).
    how = "divides the size exactly" if size % stride == 0 else \
        f"gives ⌈{size}/{stride}⌉ = {expected}"
    kernel, axes = facts["kernel"], facts["axes"]
    kernel_text = ("×".join([str(kernel)] * axes) + " kernel" if axes > 1
                   else f"kernel of {kernel}")
    said = (f"{facts['layer']} turns {size} into {facts['traced']} ({facts['derivation']}), "
            f"not {expected}{_unread(facts)}")
    padding = facts["padding"]
    if padding is None:
        return f"{said}: no padding of a {kernel_text} with stride {stride} {how}"
    return f"{said}: with stride {stride}, padding {padding} for a {kernel_text} {how}"


def _unread(facts: Facts) -> str:
    unread = facts["unread"]
    if unread is None:
        return ""
    if unread == 0:
        return f" (its windows still read every input {position(facts['axis'])})"
    line = LINES.get(facts["axis"], "position")
    last = f"last {line}" if unread == 1 else f"last {unread} {line}s"
    return f" (its windows never read the {last})"


def unpooled_head(facts: Facts) -> str:
    c, h, w = facts["channels"], facts["height"], facts["width"]
    return (f"{facts['layer']} takes {c}·{h}·{w} = {c * h * w:,} inputs from an unpooled "
            f"{h}×{w} map ({facts['params']:,} parameters); a global average pool to 1×1 "
            f"would give {c:,} inputs")


def stray_parameters(facts: Facts) -> str:
    where, tensors = facts["modules"], facts["tensors"]
    them = "them" if tensors != 1 else "it"
    shown = [f"'{scope}'" for scope in where[:3]] + (
        [f"{len(where) - 3} more"] if len(where) > 3 else [])
    if list(where) == [""]:
        places, verb = "The model's forward", "computes"
    elif len(shown) == 1:
        places, verb = f"The module {shown[0]}", "computes"
    else:
        places, verb = f"The modules {', '.join(shown[:-1])} and {shown[-1]}", "compute"
    return (f"{places} {verb} with {count(tensors, 'parameter')} ({facts['values']:,} values) "
            "that the model does not register — a layer kept in a plain list or dict? (use "
            f"nn.ModuleList or nn.ModuleDict): the optimizer does not train {them}, .to() does "
            f"not move {them}, state_dict() does not save {them}, and the parameter counts here "
            f"leave {them} out")


# --- remarks on the numbers ----------------------------------------------------------------
def tied_weights(facts: Facts) -> str:
    owners = facts["owners"]
    return (f"{facts['layer']} uses parameters of {', '.join(owners)} (tied weights): they "
            f"are counted once, in {owners[0]}")


def depth_name(facts: Facts) -> str:
    named, depth = facts["named"], facts["depth"]
    head = f"the name says {named}, the longest path holds {depth} weighted layers"
    reason = facts["reason"]
    if reason == "deep_stem":
        return (f"{head}: the stem has {facts['stem']} convolutions on the path (a deep stem) "
                "where the paper's has one; the name counts the network it derives from")
    if reason == "no_fc":
        return f"{head}: the model has no fc layer (a feature extractor); the name counts the " \
            "classifier's"
    if reason == "wide_resnet":
        return (f"{head}: the name counts the {facts['projections']} shortcut projections and "
                "not the fc layer (the wide-ResNet convention, depth = 6n + 4)")
    if reason == "blocks":  # the real difference from the ResNet the name means
        return f"{head}: " + "; ".join(
            f"{stage} has {count(yours, 'block')}; ResNet-{named} has {theirs}"
            for stage, yours, theirs in facts["stages"])
    if reason == "every_weighted":
        return (f"{head}: the name counts every weighted layer, the {facts['projections']} "
                "shortcut projections included")
    return (f"{head}: the count here is the paper's rule (convolutions and fc layers on the "
            "longest input→output path), see the depth formula")


def paper_flops(facts: Facts) -> str:
    computed = f"{facts['computed'] / 1e9:.2f} G conv+fc multiply-adds per image"
    if facts["size"] is not None:
        computed += f" at {facts['size']} (the paper's are at 224×224)"
    layout = ", for the v1 layout" if facts["bottleneck"] else ""
    return (f"Paper (He et al. 2015, Table 1): {facts['paper']:g}×10⁹ FLOPs — multiply-adds, "
            f"rounded{layout}. Computed here: {computed}.")


def v1_5_cost(facts: Facts) -> str:
    blocks = facts["blocks"]
    first = facts["first_block"]
    more = facts["macs"] - facts["v1_macs"]
    verb = "costs more than" if more > 0 else "costs no more than"
    return (f"This is v1.5 (torchvision's layout): {_some(blocks)} put the stride 2 on the 3×3 "
            f"conv, not on the first 1×1, so that 1×1 runs on the full {facts['full_map']} map "
            f"— {facts['v1_5_first']:,} multiply-adds in {first} instead of v1's "
            f"{facts['v1_first']:,} at {facts['half_map']}; the 3×3 costs the same in both "
            f"layouts (its output is {facts['half_map']} either way). In all, v1.5 {verb} v1: "
            f"{_g(facts['macs'])} against {_g(facts['v1_macs'])} per image "
            f"({more:+,} multiply-adds). What it buys (about +0.5% top-1, as NVIDIA measured "
            "it): a 1×1 conv with stride 2 never reads 3 of every 4 input positions; "
            "a 3×3 with stride 2 reads them all.")


def paper_cifar_params(facts: Facts) -> str:
    text = (f"Paper (section 4.2): {facts['paper_m']:g}M parameters, with option A shortcuts; "
            f"counted here: {facts['params']:,} (depth 6n + 2 = {facts['depth']})")
    projections = facts["projection_params"]
    if projections:
        text += (f". This model's shortcuts are projections, not option A: their "
                 f"{count(facts['projections'], 'convolution')} and BatchNorms hold "
                 f"{projections:,} of those parameters, which option A's identity shortcuts "
                 "do not have")
    return text + "."


def nearest_reference(facts: Facts) -> str:
    found = "it matches" if not facts["differences"] else \
        count(facts["differences"], "difference")
    how = (f"resnet-explain compare {facts['spec']} {facts['reference']}"
           if facts["spec"] is not None else f"arch.compare({facts['reference']!r})")
    return f"nearest reference: {facts['reference']} — {found} ({how})"


# --- how the model was read and built ------------------------------------------------------
def channel_axis_added(facts: Facts) -> str:
    shape, spatial = facts["size"], facts["spatial"]
    axes, item = letters(spatial), ITEMS[spatial]
    adds = (f" ({facts['first']} receives {facts['received']})"
            if facts["received"] is not None else "")
    return (f"The input size {dims(shape)} was read as N×{axes}: {count(shape[0], item)} of "
            f"{dims(shape[1:])} {units(spatial)[1]}, without a channel axis, which the forward "
            f"adds itself{adds}. Read as C×{axes} (one {item} of {count(shape[0], 'channel')}), "
            f"the forward fails with {facts['error']}")


def printed_while_traced(facts: Facts) -> str:
    if facts["engine"] == "meta":  # perhaps after an empty batch that the forward could not run
        seen = ("a shape printed there may have a batch of 0, and a tensor be on the meta "
                "device, without values (the forward ran on no images, or on the meta "
                "device, which computes shapes only)")
    else:
        seen = ("a shape printed there has a batch of 0 (the empty-batch engine runs the "
                "forward on no images)")
    return (f"The model printed while it was traced: {seen}. The shapes here have the batch "
            f"asked for, {facts['batch']}.")


def lazy_modules(facts: Facts) -> str:
    modules = facts["modules"]
    which = f"{count(len(modules), 'lazy module')} ({modules[0]}" + (
        ", …)" if len(modules) > 1 else ")")
    return (f"{which} had no shapes yet: they were traced on a copy, given the shapes this "
            "input implies; your model is unchanged and still lazy")


def built_from_weights(facts: Facts) -> str:
    under = f" (names under '{facts['prefix']}')" if facts["prefix"] else ""
    said = f" with {' and '.join(facts['options'])}" if facts["options"] else ""
    return (f"Architecture from the weights: the {facts['tensors']} tensors of "
            f"{facts['file']}{facts['where']}{under} have the names and shapes of the zoo's "
            f"{facts['model']}{said}, so that model is explained. Weights do not record the "
            "forward (strides, pooling): if yours differs, give its code (file.py:callable)")


def built_from_config(facts: Facts) -> str:
    return (f"Built from {facts['config']} with {facts['library']} {facts['version']} "
            f"({facts['built']}) on the meta device: no weights are made, the folder's are "
            "not read, and shapes, depth, parameters and multiply-adds do not depend on them")


SENTENCES: dict[str, Callable[[Facts], str]] = {
    "size_formula": size_formula,
    "bias_before_batchnorm": bias_before_batchnorm,
    "batchnorm_reused": batchnorm_reused,
    "activation_on_shortcut": activation_on_shortcut,
    "inexact_downsampling": inexact_downsampling,
    "unpooled_head": unpooled_head,
    "no_output": no_output,
    "stray_parameters": stray_parameters,
    "tied_weights": tied_weights,
    "depth_name": depth_name,
    "paper_flops": paper_flops,
    "v1_5_cost": v1_5_cost,
    "paper_cifar_params": paper_cifar_params,
    "nearest_reference": nearest_reference,
    "channel_axis_added": channel_axis_added,
    "printed_while_traced": printed_while_traced,
    "lazy_modules": lazy_modules,
    "built_from_weights": built_from_weights,
    "built_from_config": built_from_config,
}


# --- the same warnings on their layers' rows -----------------------------------------------
def _short_inexact(facts: Facts) -> str:
    said = f"{facts['size']} → {facts['traced']}, not {facts['expected']}"
    return said if facts["padding"] is None else f"{said}: needs padding {facts['padding']}"


#: A warning's few words on the row of each layer it names (``Finding.layers``).
SHORT: dict[str, Callable[[Facts], str]] = {
    "bias_before_batchnorm": lambda facts: "bias cancelled by the BatchNorm after it",
    "batchnorm_reused": lambda facts: "one BatchNorm for two tensors",
    "activation_on_shortcut": lambda facts: "activation on the shortcut",
    "inexact_downsampling": _short_inexact,
    "unpooled_head": lambda facts: (f"{facts['channels'] * facts['height'] * facts['width']:,}"
                                    f" inputs from an unpooled {facts['height']}×"
                                    f"{facts['width']} map"),
}
