"""The findings in words: one small function per kind, from the facts to the sentence.

Every sentence here is made from a :class:`~resnet_explain.findings.Finding`'s facts: a
number, a name or a comparison appears only as the facts hold it (a comparison's word —
"more", "fewer" — is chosen from the numbers it compares). The table :data:`SENTENCES` has
one entry per kind in :data:`~resnet_explain.findings.KINDS`.

The words are English templates with named placeholders, looked up in the current language's
catalog (:mod:`resnet_explain.i18n`): a second language is a catalog, not a second table. A
sentence with a variable part (a clause that only some models have) is one template per
variant, or a template whose placeholder holds another whole translated clause — never
translated fragments joined in English order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .findings import Finding
from .i18n import _, ngettext
from .notation import dims
from .words import ITEMS, LINES, count, letters, position, units, word

Facts = Mapping[str, Any]


def say(finding: Finding) -> str:
    """``finding`` as one sentence in the current language."""
    return SENTENCES[finding.kind](finding.facts)


def short(finding: Finding) -> str | None:
    """What a layer's own row says of a warning about it, in a few words (the card and the
    lines under the table keep the whole sentence); ``None`` for a kind no row shows."""
    words = SHORT.get(finding.kind)
    return words(finding.facts) if words is not None else None


def _some(names: Sequence[str], shown: int = 3) -> str:
    """The first ``shown`` names, and how many more: ``"a, b, c and 4 more"``."""
    text = _(", ").join(names[:shown])
    if len(names) > shown:
        return _("{names} and {more} more", names=text, more=len(names) - shown)
    return text


def _g(macs: float) -> str:
    """Multiply-adds in G with two decimals, as the paper's figures are compared."""
    return f"{macs / 1e9:.2f} G"


# --- the trace against the formula ---------------------------------------------------------
def size_formula(facts: Facts) -> str:
    if facts.get("own_forward"):  # a class with its own forward (not one conv on a padded map)
        return _("{layer}: traced size disagrees with the formula: {formula} — {type} replaces "
                 "PyTorch's forward with one that is not a single conv or pool on its padded "
                 "input (an octave convolution pools first), so the kernel, stride and padding "
                 "it holds need not be what ran", layer=facts["layer"], formula=facts["formula"],
                 type=facts["type"])
    return _("{layer}: traced size disagrees with the formula: {formula}", layer=facts["layer"],
             formula=facts["formula"])


# --- mistakes real implementations make ----------------------------------------------------
def no_output(facts: Facts) -> str:
    return _("The model's forward returns no tensor, so its output has no shape: does it miss "
             "its `return` statement?")


def bias_before_batchnorm(facts: Facts) -> str:
    layers = facts["layers"]
    return _("{n} conv layer(s) with a bias feed straight into BatchNorm ({names}): BatchNorm "
             "subtracts the mean, so the bias is cancelled; use bias=False", n=len(layers),
             names=_some(layers))


def batchnorm_reused(facts: Facts) -> str:
    layers = facts["layers"]
    return _("{n} BatchNorm module(s) run more than once ({names}): one set of statistics "
             "normalises two different tensors; give each use its own BatchNorm",
             n=len(layers), names=_some(layers))


def activation_on_shortcut(facts: Facts) -> str:
    blocks = facts["blocks"]
    return _("{n} shortcut(s) hold an activation ({names}): the reference shortcut is the "
             "identity or a 1×1 conv + BN; the ReLU belongs after the add", n=len(blocks),
             names=_some(blocks))


def inexact_downsampling(facts: Facts) -> str:
    size, stride, expected = facts["size"], facts["stride"], facts["expected"]
    # An even map loses its last pixels (112 → 55 never reads pixel 111); an odd one is told
    # the ceiling (13 → 5 with a 4×4 window loses row 12).
    how = _("divides the size exactly") if size % stride == 0 else \
        _("gives ⌈{size}/{stride}⌉ = {expected}", size=size, stride=stride, expected=expected)
    kernel, axes = facts["kernel"], facts["axes"]
    kernel_text = (_("a {size} kernel", size="×".join([str(kernel)] * axes)) if axes > 1
                   else _("a kernel of {size}", size=kernel))
    said = _("{layer} turns {size} into {traced} ({derivation}), not {expected}{unread}",
             layer=facts["layer"], size=size, traced=facts["traced"],
             derivation=facts["derivation"], expected=expected, unread=_unread(facts))
    padding = facts["padding"]
    if padding is None:
        return _("{said}: no padding of {kernel} with stride {stride} {how}", said=said,
                 kernel=kernel_text, stride=stride, how=how)
    return _("{said}: with stride {stride}, padding {padding} for {kernel} {how}", said=said,
             stride=stride, padding=padding, kernel=kernel_text, how=how)


def _unread(facts: Facts) -> str:
    unread = facts["unread"]
    if unread is None:
        return ""
    if unread == 0:
        return _(" (its windows still read every input {position})",
                 position=word(position(facts["axis"])))
    line = LINES.get(facts["axis"], "position")
    return ngettext(" (its windows never read the last {line})",
                    " (its windows never read the last {n} {line}s)", unread,
                    line=word(line))


def unpooled_head(facts: Facts) -> str:
    c, h, w = facts["channels"], facts["height"], facts["width"]
    return _("{layer} takes {c}·{h}·{w} = {inputs} inputs from an unpooled {h}×{w} map "
             "({params} parameters); a global average pool to 1×1 would give {pooled} inputs",
             layer=facts["layer"], c=c, h=h, w=w, inputs=f"{c * h * w:,}",
             params=f"{facts['params']:,}", pooled=f"{c:,}")


def stray_parameters(facts: Facts) -> str:
    where, tensors = facts["modules"], facts["tensors"]
    shown = [f"'{scope}'" for scope in where[:3]]
    values = {"tensors": count(tensors, "parameter"), "values": f"{facts['values']:,}"}
    if list(where) == [""]:
        template = ngettext(
            "The model's forward computes with {tensors} ({values} values) that the model does "
            "not register — a layer kept in a plain list or dict? (use nn.ModuleList or "
            "nn.ModuleDict): the optimizer does not train it, .to() does not move it, "
            "state_dict() does not save it, and the parameter counts here leave it out",
            "The model's forward computes with {tensors} ({values} values) that the model does "
            "not register — a layer kept in a plain list or dict? (use nn.ModuleList or "
            "nn.ModuleDict): the optimizer does not train them, .to() does not move them, "
            "state_dict() does not save them, and the parameter counts here leave them out",
            tensors, **values)
        return template
    if len(where) > 3:
        names = _("{names} and {more} more", names=_(", ").join(shown), more=len(where) - 3)
    elif len(shown) > 1:
        names = _("{names} and {last}", names=_(", ").join(shown[:-1]), last=shown[-1])
    else:
        names = shown[0]
    if len(shown) == 1:
        return ngettext(
            "The module {names} computes with {tensors} ({values} values) that the model does "
            "not register — a layer kept in a plain list or dict? (use nn.ModuleList or "
            "nn.ModuleDict): the optimizer does not train it, .to() does not move it, "
            "state_dict() does not save it, and the parameter counts here leave it out",
            "The module {names} computes with {tensors} ({values} values) that the model does "
            "not register — a layer kept in a plain list or dict? (use nn.ModuleList or "
            "nn.ModuleDict): the optimizer does not train them, .to() does not move them, "
            "state_dict() does not save them, and the parameter counts here leave them out",
            tensors, names=names, **values)
    return ngettext(
        "The modules {names} compute with {tensors} ({values} values) that the model does "
        "not register — a layer kept in a plain list or dict? (use nn.ModuleList or "
        "nn.ModuleDict): the optimizer does not train it, .to() does not move it, "
        "state_dict() does not save it, and the parameter counts here leave it out",
        "The modules {names} compute with {tensors} ({values} values) that the model does "
        "not register — a layer kept in a plain list or dict? (use nn.ModuleList or "
        "nn.ModuleDict): the optimizer does not train them, .to() does not move them, "
        "state_dict() does not save them, and the parameter counts here leave them out",
        tensors, names=names, **values)


# --- remarks on the numbers ----------------------------------------------------------------
def tied_weights(facts: Facts) -> str:
    owners = facts["owners"]
    return _("{layer} uses parameters of {owners} (tied weights): they are counted once, in "
             "{first}", layer=facts["layer"], owners=_(", ").join(owners), first=owners[0])


def depth_name(facts: Facts) -> str:
    named, depth = facts["named"], facts["depth"]
    values = {"named": named, "depth": depth}
    reason = facts["reason"]
    if reason == "deep_stem":
        return _("the name says {named}, the longest path holds {depth} weighted layers: the "
                 "stem has {stem} convolutions on the path (a deep stem) where the paper's has "
                 "one; the name counts the network it derives from", stem=facts["stem"],
                 **values)
    if reason == "no_fc":
        return _("the name says {named}, the longest path holds {depth} weighted layers: the "
                 "model has no fc layer (a feature extractor); the name counts the "
                 "classifier's", **values)
    if reason == "wide_resnet":
        return _("the name says {named}, the longest path holds {depth} weighted layers: the "
                 "name counts the {projections} shortcut projections and not the fc layer (the "
                 "wide-ResNet convention, depth = 6n + 4)", projections=facts["projections"],
                 **values)
    if reason == "blocks":  # the real difference from the ResNet the name means
        return _("the name says {named}, the longest path holds {depth} weighted layers: "
                 "{stages}", stages=_("; ").join(
                     _("{stage} has {blocks}; ResNet-{named} has {theirs}", stage=stage,
                       blocks=count(yours, "block"), named=named, theirs=theirs)
                     for stage, yours, theirs in facts["stages"]), **values)
    if reason == "every_weighted":
        return _("the name says {named}, the longest path holds {depth} weighted layers: the "
                 "name counts every weighted layer, the {projections} shortcut projections "
                 "included", projections=facts["projections"], **values)
    return _("the name says {named}, the longest path holds {depth} weighted layers: the count "
             "here is the paper's rule (convolutions and fc layers on the longest input→output "
             "path), see the depth formula", **values)


def paper_flops(facts: Facts) -> str:
    values = {"paper": f"{facts['paper']:g}", "computed": f"{facts['computed'] / 1e9:.2f}",
              "size": facts["size"]}
    if facts["size"] is not None:
        if facts["bottleneck"]:
            return _("Paper (He et al. 2015, Table 1): {paper}×10⁹ FLOPs — multiply-adds, "
                     "rounded, for the v1 layout. Computed here: {computed} G conv+fc "
                     "multiply-adds per image at {size} (the paper's are at 224×224).", **values)
        return _("Paper (He et al. 2015, Table 1): {paper}×10⁹ FLOPs — multiply-adds, rounded. "
                 "Computed here: {computed} G conv+fc multiply-adds per image at {size} (the "
                 "paper's are at 224×224).", **values)
    if facts["bottleneck"]:
        return _("Paper (He et al. 2015, Table 1): {paper}×10⁹ FLOPs — multiply-adds, rounded, "
                 "for the v1 layout. Computed here: {computed} G conv+fc multiply-adds per "
                 "image.", **values)
    return _("Paper (He et al. 2015, Table 1): {paper}×10⁹ FLOPs — multiply-adds, rounded. "
             "Computed here: {computed} G conv+fc multiply-adds per image.", **values)


def v1_5_cost(facts: Facts) -> str:
    blocks = facts["blocks"]
    more = facts["macs"] - facts["v1_macs"]
    verb = _("costs more than") if more > 0 else _("costs no more than")
    return _("This is v1.5 (torchvision's layout): {blocks} put the stride 2 on the 3×3 conv, "
             "not on the first 1×1, so that 1×1 runs on the full {full_map} map — {v1_5_first} "
             "multiply-adds in {first} instead of v1's {v1_first} at {half_map}; the 3×3 costs "
             "the same in both layouts (its output is {half_map} either way). In all, v1.5 "
             "{verb} v1: {macs} against {v1_macs} per image ({more} multiply-adds). What it "
             "buys (about +0.5% top-1, as NVIDIA measured it): a 1×1 conv with stride 2 never "
             "reads 3 of every 4 input positions; a 3×3 with stride 2 reads them all.",
             blocks=_some(blocks), full_map=facts["full_map"],
             v1_5_first=f"{facts['v1_5_first']:,}", first=facts["first_block"],
             v1_first=f"{facts['v1_first']:,}", half_map=facts["half_map"], verb=verb,
             macs=_g(facts["macs"]), v1_macs=_g(facts["v1_macs"]), more=f"{more:+,}")


def paper_cifar_params(facts: Facts) -> str:
    values = {"paper_m": f"{facts['paper_m']:g}", "params": f"{facts['params']:,}",
              "depth": facts["depth"]}
    projections = facts["projection_params"]
    if projections:
        return _("Paper (section 4.2): {paper_m}M parameters, with option A shortcuts; counted "
                 "here: {params} (depth 6n + 2 = {depth}). This model's shortcuts are "
                 "projections, not option A: their {convolutions} and BatchNorms hold "
                 "{projection_params} of those parameters, which option A's identity shortcuts "
                 "do not have.", convolutions=count(facts["projections"], "convolution"),
                 projection_params=f"{projections:,}", **values)
    return _("Paper (section 4.2): {paper_m}M parameters, with option A shortcuts; counted "
             "here: {params} (depth 6n + 2 = {depth}).", **values)


def nearest_reference(facts: Facts) -> str:
    how = (f"resnet-explain compare {facts['spec']} {facts['reference']}"
           if facts["spec"] is not None else f"arch.compare({facts['reference']!r})")
    if not facts["differences"]:
        return _("nearest reference: {reference} — it matches ({how})",
                 reference=facts["reference"], how=how)
    return _("nearest reference: {reference} — {differences} ({how})",
             reference=facts["reference"], differences=count(facts["differences"],
                                                             "difference"), how=how)


# --- how the model was read and built ------------------------------------------------------
def channel_axis_added(facts: Facts) -> str:
    shape, spatial = facts["size"], facts["spatial"]
    values = {"size": dims(shape), "axes": letters(spatial),
              "inputs": count(shape[0], ITEMS[spatial]), "each": dims(shape[1:]),
              "unit": word(units(spatial)[1]), "item": word(ITEMS[spatial]),
              "channels": count(shape[0], "channel"), "error": facts["error"]}
    if facts["received"] is not None:
        return _("The input size {size} was read as N×{axes}: {inputs} of {each} {unit}, "
                 "without a channel axis, which the forward adds itself ({first} receives "
                 "{received}). Read as C×{axes} (one {item} of {channels}), the forward fails with "
                 "{error}", first=facts["first"], received=facts["received"], **values)
    return _("The input size {size} was read as N×{axes}: {inputs} of {each} {unit}, without a "
             "channel axis, which the forward adds itself. Read as C×{axes} (one {item} of "
             "{channels}), the forward fails with {error}", **values)


def printed_while_traced(facts: Facts) -> str:
    if facts["engine"] == "meta":  # perhaps after an empty batch that the forward could not run
        return _("The model printed while it was traced: a shape printed there may have a "
                 "batch of 0, and a tensor be on the meta device, without values (the forward "
                 "ran on no images, or on the meta device, which computes shapes only). The "
                 "shapes here have the batch asked for, {batch}.", batch=facts["batch"])
    return _("The model printed while it was traced: a shape printed there has a batch of 0 "
             "(the empty-batch engine runs the forward on no images). The shapes here have the "
             "batch asked for, {batch}.", batch=facts["batch"])


def lazy_modules(facts: Facts) -> str:
    modules = facts["modules"]
    if len(modules) > 1:
        return _("{modules} ({first}, …) had no shapes yet: they were traced on a copy, given "
                 "the shapes this input implies; your model is unchanged and still lazy",
                 modules=count(len(modules), "lazy module"), first=modules[0])
    return _("{modules} ({first}) had no shapes yet: they were traced on a copy, given the "
             "shapes this input implies; your model is unchanged and still lazy",
             modules=count(len(modules), "lazy module"), first=modules[0])


def built_from_weights(facts: Facts) -> str:
    values = {"tensors": facts["tensors"], "file": facts["file"], "where": facts["where"],
              "model": facts["model"]}
    under = _(" (names under '{prefix}')", prefix=facts["prefix"]) if facts["prefix"] else ""
    said = (_(" with {options}", options=_(" and ").join(facts["options"]))
            if facts["options"] else "")
    return _("Architecture from the weights: the {tensors} tensors of {file}{where}{under} "
             "have the names and shapes of the zoo's {model}{said}, so that model is "
             "explained. Weights do not record the forward (strides, pooling): if yours "
             "differs, give its code (file.py:callable)", under=under, said=said, **values)


def built_from_config(facts: Facts) -> str:
    return _("Built from {config} with {library} {version} ({built}) on the meta device: no "
             "weights are made, the folder's are not read, and shapes, depth, parameters and "
             "multiply-adds do not depend on them", config=facts["config"],
             library=facts["library"], version=facts["version"], built=facts["built"])


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
    values = {"size": facts["size"], "traced": facts["traced"], "expected": facts["expected"]}
    if facts["padding"] is None:
        return _("{size} → {traced}, not {expected}", **values)
    return _("{size} → {traced}, not {expected}: needs padding {padding}",
             padding=facts["padding"], **values)


#: A warning's few words on the row of each layer it names (``Finding.layers``).
SHORT: dict[str, Callable[[Facts], str]] = {
    "bias_before_batchnorm": lambda facts: _("bias cancelled by the BatchNorm after it"),
    "batchnorm_reused": lambda facts: _("one BatchNorm for two tensors"),
    "activation_on_shortcut": lambda facts: _("activation on the shortcut"),
    "inexact_downsampling": _short_inexact,
    "unpooled_head": lambda facts: _(
        "{inputs} inputs from an unpooled {h}×{w} map", h=facts["height"], w=facts["width"],
        inputs=f"{facts['channels'] * facts['height'] * facts['width']:,}"),
}
