"""Write the classroom notebooks in ``notebooks/`` from the cells below.

    python scripts/make_notebooks.py          # (re)write notebooks/*.ipynb
    python scripts/make_notebooks.py --check  # exit 1 if a committed notebook differs

The cells live here, in Python, so that a change to a lesson is a readable diff; the
notebooks are written without outputs (a class runs them; ``tests/test_notebooks.py``
executes every one from a clean kernel). A code cell tagged ``raises-exception`` is meant to
fail: it shows the error a student would meet.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"

Cell = tuple[str, str]  # ("md" | "code" | "error", source)

# --- 01 ---------------------------------------------------------------------------------------
WHAT_34_COUNTS: list[Cell] = [
    ("md", """\
# What does the 34 in ResNet-34 count?

ResNet-34 has 34 *somethings*. Not 34 layers of every kind: it has many more BatchNorms and
ReLUs than that. In this notebook you count them yourself, with the network in front of you,
and find out which layers the number in the name counts — and which it leaves out.

`explain` traces a model (no weights are downloaded, nothing is computed on real images) and
returns an `Architecture`. In Jupyter it shows a card with the answer, and the network as a
tree below it: click a stage or a block to open or close it."""),
    ("code", """\
from collections import Counter

from resnet_explain import explain

arch = explain("resnet34")
arch"""),
    ("md", """\
The card says **34 = 1 + 2×(3+4+6+3) + 1**. Let us check it by counting.

A *weighted* layer is one with trainable weights that transform the features: a convolution
or a fully connected (linear) layer. How many does ResNet-34 have?"""),
    ("code", """\
weighted = [layer for layer in arch.layers if layer.weighted]
len(weighted)"""),
    ("md", """\
37, not 34. Three of them are not counted. Which ones? The depth counts the layers on the
*main path* — the longest way from the input to the output, the "plain" network that the
paper starts from."""),
    ("code", """\
[layer for layer in weighted if not layer.on_longest_path]"""),
    ("md", """\
The three `downsample.0` convolutions are the **projection shortcuts** (the dashed lines in
the paper's figure): 1×1 convolutions with stride 2 that make the shortcut's shape match the
main path's when a stage halves the map and doubles the filters. They sit *beside* the main
path, so they do not make the network deeper.

Now the formula. Each BasicBlock has two 3×3 convolutions on its main path; the four stages
have 3, 4, 6 and 3 blocks; the stem adds one 7×7 convolution and the head one fc layer:"""),
    ("code", """\
for stage in arch.stages:
    print(f"{stage.name:8} {len(stage.blocks):2} blocks, adds {stage.weighted_on_path:2}")
print("sum:", sum(stage.weighted_on_path for stage in arch.stages))
print("formula:", arch.depth_formula)"""),
    ("md", """\
What is *not* counted at all? Everything without weights that transform features —
BatchNorm (it has parameters, but only a scale and a shift per channel), ReLU, pooling, the
additions of the shortcuts:"""),
    ("code", """\
Counter(layer.type for layer in arch.layers)"""),
    ("md", """\
(ReLU appears 33 times although each block has one `relu` module: torchvision's blocks call
the same module twice. The tool lists every call.)

A stage, a block and a layer each have a short description and a view of their own:"""),
    ("code", """\
arch.stages[2]"""),
    ("code", """\
print(arch.stages[2])
print(arch.block("conv3_1"))
print(arch.layer("layer2.0.downsample.0"))"""),
    ("md", """\
## Your turn: ResNet-50, 101, 152

A Bottleneck block has **three** convolutions on its main path (1×1 reduce, 3×3, 1×1
expand), so the formula changes its factor from 2 to 3. Before you run the next cell, predict
the formula for ResNet-50 (blocks 3, 4, 6, 3) and for ResNet-152 (blocks 3, 8, 36, 3)."""),
    ("code", """\
for name in ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152"]:
    a = explain(name)
    print(f"{name:10} {a.depth_formula:28} weighted layers: {a.weighted_layers:3} "
          f"({a.shortcut_projections} projections)")"""),
    ("md", """\
ResNet-152 has 156 weighted layers: 152 on the main path and 4 projections (one per stage:
in a Bottleneck network even the first stage needs one, to go from 64 to 256 channels).

In the tree of a long network, runs of identical blocks are folded into one line; every one
of them is still there:"""),
    ("code", """\
deep = explain("resnet152")
deep"""),
    ("code", """\
deep.block("conv4_17")"""),
    ("md", """\
## The CIFAR-10 ResNets: depth = 6n + 2

For 32×32 images the paper uses three stages of *n* blocks with 16, 32 and 64 filters, and
shortcuts that need no parameters at all (option A: the identity, with the extra channels
filled with zeros). There are no projections, so every weighted layer counts:"""),
    ("code", """\
for name in ["resnet20", "resnet32", "resnet56", "resnet110"]:
    a = explain(name)
    print(f"{name:10} {a.depth_formula:24} weighted: {a.weighted_layers:3}  "
          f"params: {a.total_params:,}")"""),
    ("md", """\
**Check yourself.** ResNet-1202 has n = 200. How many weighted layers does it have, and how
many of them are on the main path? Run `explain("resnet1202")` and compare."""),
    ("code", """\
explain("resnet1202").depth_formula"""),
]

# --- 02 ---------------------------------------------------------------------------------------
BLOCKS_AND_SHORTCUTS: list[Cell] = [
    ("md", """\
# Blocks and shortcuts: identity, projection, option A, v1 vs v1.5 vs v2

A residual block computes `F(x) + x`: a main path `F`, and a shortcut that carries the
block's input `x` to the addition. The addition only works when both have the same shape.
This notebook looks at what a shortcut has to do when they do not, and at the variants of
the block you will meet in papers and in code."""),
    ("code", """\
from collections import Counter

from resnet_explain import explain

r34 = explain("resnet34")
Counter(block.kind for block in r34.blocks)"""),
    ("md", """\
## Identity (solid line) and projection (dashed line)

Most blocks keep the shape: the shortcut is the identity, with no parameters at all. The
first block of conv3_x, conv4_x and conv5_x halves the map (stride 2) and doubles the
filters, so its shortcut must do the same: a 1×1 convolution with stride 2, plus BatchNorm.
The tool says why for each block. Open the block below: the shortcut's rows have a dashed
mark."""),
    ("code", """\
r34.block("conv2_1")"""),
    ("code", """\
r34.block("conv3_1")"""),
    ("md", """\
The projection shrinks the map with its stride, not with padding: with K = 1, P = 0, S = 2
the output-size formula gives"""),
    ("code", """\
r34.layer("layer2.0.downsample.0").formula"""),
    ("md", """\
and the 3×3 convolution on the main path gets the same size with K = 3, P = 1, S = 2. With
stride 1, K = 2P + 1 keeps the size: that is why a 3×3 convolution has padding 1."""),
    ("code", """\
for name in ["layer2.0.conv1", "layer2.0.conv2"]:
    print(name, r34.layer(name).formula)"""),
    ("md", """\
## ResNet-50 has three kinds of block

In a Bottleneck network the first block of conv2_x already needs a projection: its input
has 64 channels and its output 256 (the last 1×1 convolution expands by 4). That projection
has stride 1 — only the channels change."""),
    ("code", """\
r50 = explain("resnet50")
for block in r50.blocks[:5]:
    print(f"{block.paper_name:8} {block.kind:10} stride {block.stride}  {block.reason}")"""),
    ("md", """\
## Option A: a shortcut without parameters

The paper's CIFAR-10 networks use *option A*: the shortcut subsamples the input and pads
the missing channels with zeros. It has no parameters, so these networks have no projections
at all (the tool calls such a block `padded`)."""),
    ("code", """\
r20 = explain("resnet20")
r20.block("conv3_1")"""),
    ("code", """\
block = r20.block("conv3_1")
print(block.kind, "-", block.reason)
print("parameters on the shortcut:", sum(r20.layers[i].params for i in block.shortcut_layers))"""),
    ("md", """\
## v1 vs v1.5: where does the stride go?

The paper (v1) puts the stride 2 of a downsampling Bottleneck on its *first* 1×1
convolution. torchvision (and most code today) puts it on the 3×3 convolution, "v1.5": the
3×3 then sees the full map, which costs more multiply-adds and gives slightly better
accuracy."""),
    ("code", """\
v1 = explain("resnet50-v1")
for arch in (v1, r50):
    block = arch.block("conv3_1")
    strided = [arch.layers[i].name for i in block.main_layers if arch.layers[i].stride == (2, 2)]
    print(f"{arch.model:12} stride 2 on {strided}, {arch.macs / 1e9:.2f} G multiply-adds")"""),
    ("md", """\
The two diagrams side by side (rendered without any system Graphviz):"""),
    ("code", """\
r50.diagram(block="conv3_1", compare=v1)"""),
    ("md", """\
## v2: pre-activation

ResNet v2 moves BatchNorm and ReLU *in front of* each convolution (BN → ReLU → conv), so
the shortcut adds to a sum that no ReLU has touched. Consequences you can see in the trace:
the stem convolution is not followed by BN + ReLU, a projection reads the *pre-activated*
input, and one extra BN + ReLU (`postnorm`) comes after the last block."""),
    ("code", """\
v2 = explain("resnet18-v2")
block = v2.block("conv3_1")
[v2.layers[i].name for i in block.layers]"""),
    ("code", """\
[v2.layers[i].name for i in v2.stages[-1].layers]"""),
    ("md", """\
**Check yourself.** Does v2 change the depth? Compare `v2.depth_formula` with
`explain("resnet18").depth_formula`, and explain why."""),
    ("code", """\
v2.depth_formula, explain("resnet18").depth_formula"""),
]

# --- 03 ---------------------------------------------------------------------------------------
CHECK_YOUR_OWN: list[Cell] = [
    ("md", """\
# Check your own ResNet

A student wrote a ResNet-18 in `student_resnet.py`, next to this notebook. It runs, and it
trains, but it is not ResNet-18: it holds five mistakes that real implementations (and blog
posts) make. The tool finds each of them from the traced data flow and says why it matters.
At the end come three mistakes that stop the model from running at all, and the errors they
give.

Here is the block, as the student wrote it:"""),
    ("code", """\
import inspect

import student_resnet

from resnet_explain import explain

print(inspect.getsource(student_resnet.Block))"""),
    ("md", """\
`explain` takes a model object, or a spec `"file.py:Class"` — the same spec works on the
command line: `resnet-explain summary student_resnet.py:StudentResNet`."""),
    ("code", """\
arch = explain("student_resnet.py:StudentResNet", input_size=(3, 224, 224))
arch"""),
    ("md", """\
The depth is right (18 = 1 + 2×(2+2+2+2) + 1), but is it ResNet-18? `compare` aligns it
with the reference by structure — stem, stages, blocks, layers by role and position, head —
and lists every difference with what it changes and why the reference does it its way.
Without an argument it picks the nearest zoo model and says why:"""),
    ("code", """\
comparison = arch.compare()
comparison"""),
    ("md", """\
The same from a terminal, for grading: `resnet-explain check student_resnet.py:StudentResNet
--against resnet18` exits 1 and prints this. The card above has five warnings too, and
36 million parameters where ResNet-18 has 11.7 million. One at a time.

## 1. A max-pool without padding: 56 becomes 55

The stem halves 224 to 112 with its 7×7 convolution, and the 3×3 max-pool should halve it
again, to 56. Without `padding=1` the output-size formula gives 55:"""),
    ("code", """\
arch.layer("maxpool")"""),
    ("md", """\
Every later map is off by one (55, 28, 14, 7 — stride-2 layers round up again, which hides
the mistake). Downsampling should be done by the stride, with K = 2P + 1 keeping the
arithmetic exact: `nn.MaxPool2d(3, 2, padding=1)`.

## 2. A bias in front of BatchNorm

BatchNorm subtracts the mean of each channel, so a constant added just before it is
cancelled: those parameters do nothing. The convolution has 64 more parameters than it
needs:"""),
    ("code", """\
conv = arch.layer("layer1.0.conv1")
conv.params, 3 * 3 * 64 * 64"""),
    ("md", """\
## 3. A ReLU on the shortcut

The shortcut should be the identity, or a 1×1 convolution + BN when the shape changes. A
ReLU there changes what is added. Open the block: the shortcut rows are marked with a
dashed line."""),
    ("code", """\
arch.block("conv3_1")"""),
    ("md", """\
## 4. The same BatchNorm twice

`self.bn2` runs before the add and again after it: one set of running statistics for two
different tensors. The trace shows the module called twice:"""),
    ("code", """\
[layer for layer in arch.layers if layer.name == "layer1.0.bn2"]"""),
    ("md", """\
## 5. No global pooling before the fc layer

A stride-1 average pool keeps the 7×7 map, so the fully connected layer sees 7·7·512 =
25,088 numbers: 25 million parameters, two thirds of the model. A global average pool
(`nn.AdaptiveAvgPool2d(1)`) leaves 512."""),
    ("code", """\
arch.layer("fc")"""),
    ("md", """\
## All fixed

`StudentResNet(mistakes=False)` is the same code with the five fixes. No warnings — and
exactly the parameter count of the reference ResNet-18:"""),
    ("code", """\
fixed = explain(student_resnet.StudentResNet(mistakes=False))
reference = explain("resnet18")
fixed.warnings, fixed.total_params, reference.total_params"""),
    ("code", """\
assert fixed.total_params == reference.total_params
assert [s.output_shape for s in fixed.stages] == [s.output_shape for s in reference.stages]
fixed"""),
    ("md", """\
And the comparison, which checks every layer's kernel, stride, padding, bias and width, the
blocks per stage, the shortcut kinds and where the stride sits, now finds nothing:"""),
    ("code", """\
assert fixed.compare("resnet18").matches
fixed.compare("resnet18")"""),
    ("md", """\
## 6. The number of blocks where the width belongs

One blog post's `_make_layer` passes `blocks` (how many blocks the stage has) where `planes`
(how many filters) belongs. The first block of layer1 then has 2 filters instead of 64, and
the next block, built for 64 input channels, receives 2. This model cannot run, and the
error says where:"""),
    ("code", """\
print(inspect.getsource(student_resnet.CountAsWidthResNet._make_layer))"""),
    ("error", """\
explain(student_resnet.CountAsWidthResNet())"""),
    ("md", """\
Read the error from the inside out: `layer1.1.conv1` was built for 64 input channels and
received 2. Changing it to take 2 channels would hide the mistake, not fix it. The question
is where the 2 comes from: from `layer1.0`, whose width is `blocks` (2) instead of `planes`
(64). Fix `_make_layer`, not the layer that complains."""),
    ("md", """\
## 7. A shortcut that needs a projection

This block is the student's `Block` with its projection removed (`self.downsample = None`).
It doubles the channels (16 → 32) and halves the map with its first convolution, but keeps
the identity shortcut: it adds a 16-channel 32×32 input to a 32-channel 16×16
output. The addition cannot work; the shortcut needs a projection (a 1×1 convolution with
stride 2, plus BatchNorm — option B), or option A's zero padding."""),
    ("code", """\
print(inspect.getsource(student_resnet.NoShortcutProjectionBlock))"""),
    ("error", """\
explain(student_resnet.NoProjectionNet(), input_size=(3, 32, 32))"""),
    ("md", """\
The first sentence is PyTorch's own (the sizes of the two tensors must match); the rest is
the lesson: which block, which two shapes, and what the shortcut needs."""),
    ("md", """\
## 8. A grayscale image into an RGB network

MNIST and Fashion-MNIST images have one channel; ResNet-18's first convolution was built
for three (red, green, blue):"""),
    ("error", """\
explain("resnet18", input_size=(1, 28, 28))"""),
    ("md", """\
`conv1` reads the model's input itself, so no layer before it is to blame: the input is.
Either feed three channels (the same gray image three times, `x.repeat(1, 3, 1, 1)`), or
build the first convolution for one channel, as *Dive into Deep Learning* does for
Fashion-MNIST:"""),
    ("code", """\
from torch import nn

from resnet_explain.zoo import build

gray = build("resnet18")
gray.conv1 = nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3, bias=False)
explain(gray, input_size=(1, 28, 28))"""),
    ("md", """\
An image read with PIL or NumPy (`np.asarray(Image.open(path))`) has its channels last:
224 × 224 × 3, height × width × colour. Given as it is:"""),
    ("error", """\
explain("resnet18", input_size=(224, 224, 3))"""),
    ("md", """\
The three channels are there, in the wrong place. PyTorch's layers read channels first
(N × C × H × W), so a NumPy image becomes a tensor with
`torch.from_numpy(image).permute(2, 0, 1)`; torchvision's `ToTensor()` does the same."""),
    ("md", """\
Some networks add the channel axis themselves: a digit classifier fed the 28 × 28 arrays of
a batch as they come, N × H × W, starts its forward with `x.unsqueeze(1)`. Give its size as
the batch arrives. `explain` reads a size the usual way first (here: one image of 8
channels); where that forward fails and the other reading gives every convolution a batch,
the note under the card says which reading it used:"""),
    ("code", """\
class DigitNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 16, 3, padding=1)
        self.fc = nn.Linear(16 * 28 * 28, 10)

    def forward(self, x):  # x: N × 28 × 28
        x = self.conv(x.unsqueeze(1)).relu()
        return self.fc(x.flatten(1))


explain(DigitNet(), input_size=(8, 28, 28))"""),
    ("md", """\
## 9. A checkpoint: the weights, not the forward

After training, a network is kept as a file of weights: `torch.save(model.state_dict(),
path)`. `explain` reads such a file too. The file holds the name and shape of every tensor,
and `explain` looks for the one zoo model that has exactly those. Save the fixed student
network and explain the file:"""),
    ("code", """\
import tempfile
from pathlib import Path

import torch

folder = Path(tempfile.mkdtemp())
torch.save(student_resnet.StudentResNet(mistakes=False).state_dict(), folder / "student.pth")
explain(folder / "student.pth")"""),
    ("md", """\
The note under the card says which: ResNet-18, tensor for tensor. But a file of weights has
no forward — no strides, no padding, no pooling — so two networks that differ only there
save the same file. ResNet-50 v1 and v1.5 differ only in which convolution of a downsampling
block has stride 2:"""),
    ("error", """\
torch.save(build("resnet50").state_dict(), folder / "resnet50.pth")
explain(folder / "resnet50.pth")"""),
    ("md", """\
`explain` does not guess: the file could be either. Name the model it was trained as
(`explain("resnet50")` for torchvision's and timm's weights), or give the code that builds
it."""),
    ("md", """\
## 10. Layers in a plain Python list

A list is a fine place for numbers, not for layers: PyTorch does not look inside it. The
two convolutions below run in the forward, but the model does not *register* them:"""),
    ("code", """\
class TwoConvs(nn.Module):
    def __init__(self, width, registered=False):
        super().__init__()
        convs = [nn.Conv2d(width, width, 3, padding=1) for _ in range(2)]
        self.convs = nn.ModuleList(convs) if registered else convs  # a plain list by default

    def forward(self, x):
        for conv in self.convs:
            x = torch.relu(conv(x))
        return x


def small_net(registered=False):
    return nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), TwoConvs(16, registered),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 10))


explain(small_net(), input_size=(3, 32, 32))"""),
    ("md", """\
`model.parameters()` does not hold them, so an optimizer built from it never trains them,
`.to("cuda")` leaves them on the CPU, and `state_dict()` does not save them. `nn.ModuleList`
registers them: 4,640 more parameters, and no warning."""),
    ("code", """\
[sum(p.numel() for p in small_net(registered).parameters()) for registered in (False, True)]"""),
    ("md", """\
**Your turn.** Give `NoShortcutProjectionBlock` the shortcut it needs: what must
`self.downsample` hold for 16 → 32 channels and stride 2? Then run `explain` again. How many
weighted layers does the fixed network have, and how many of them count towards its
depth?"""),
]

NOTEBOOKS_CELLS: dict[str, list[Cell]] = {
    "01_what_does_34_count.ipynb": WHAT_34_COUNTS,
    "02_blocks_and_shortcuts.ipynb": BLOCKS_AND_SHORTCUTS,
    "03_check_your_own_resnet.ipynb": CHECK_YOUR_OWN,
}


def build(cells: list[Cell]) -> nbformat.NotebookNode:
    """A notebook without outputs; "error" cells are code cells tagged raises-exception."""
    notebook = new_notebook()
    notebook.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for number, (kind, source) in enumerate(cells):
        cell_id = f"cell-{number:02d}"
        if kind == "md":
            notebook.cells.append(new_markdown_cell(source, id=cell_id))
        else:
            cell = new_code_cell(source, id=cell_id)
            if kind == "error":
                cell.metadata["tags"] = ["raises-exception"]
            notebook.cells.append(cell)
    nbformat.validate(notebook)
    return notebook


def text(cells: list[Cell]) -> str:
    return nbformat.writes(build(cells)) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if a committed notebook differs from its cells here")
    args = parser.parse_args(argv)
    stale = []
    for name, cells in NOTEBOOKS_CELLS.items():
        path = NOTEBOOKS / name
        wanted = text(cells)
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != wanted:
                stale.append(name)
            continue
        path.write_text(wanted, encoding="utf-8")
        print(f"wrote notebooks/{name}")
    if stale:
        print(f"stale: {', '.join(stale)}; run python scripts/make_notebooks.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
