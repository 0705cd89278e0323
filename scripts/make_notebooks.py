"""Write the classroom notebooks in ``notebooks/`` from the cells below.

    python scripts/make_notebooks.py          # (re)write notebooks/*.ipynb and notebooks/zh/
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the package beside it
from resnet_explain.exercises.render import details  # imports no torch

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


# The gradients at every block's input (notebook 00): the same code in each language, only
# its docstring and the title it prints said in the notebook's own.
BLOCK_GRADIENTS = """\
import torch.nn.functional as F


def block_gradients(name, seed=0, batch=16):
@DOC@
    torch.manual_seed(seed)
    net = build(name, init=True)
    images, labels = torch.randn(batch, 3, 32, 32), torch.randint(0, 10, (batch,))
    inputs = {}

    def keep(key):
        def hook(module, args):
            args[0].retain_grad()
            inputs[key] = args[0]
        return hook

    watched = [(f"{stage}.{i}", block) for stage in ("layer1", "layer2", "layer3")
               for i, block in enumerate(getattr(net, stage))] + [("x_L", net.avgpool)]
    handles = [module.register_forward_pre_hook(keep(key)) for key, module in watched]
    F.cross_entropy(net(images), labels).backward()
    for handle in handles:
        handle.remove()
    return {key: tensor.grad for key, tensor in inputs.items()}


def rms(tensor):
    return tensor.pow(2).mean().sqrt().item()


grads = {name: block_gradients(name) for name in ("plain56", "resnet56")}
@TITLE@
print(f"{'':10} {'plain56':>10} {'resnet56':>10}")
for key in list(grads["plain56"])[::2]:
    ratios = [rms(g[key]) / rms(g["x_L"]) for g in grads.values()]
    print(f"{key:10} " + " ".join(f"{ratio:10.3g}" for ratio in ratios))"""
GRADIENTS_DOC = {
    "en": '''\
    """∂loss/∂x at the input of every block of the zoo net `name` and at x_L (the input of
    the global average pool), for one random batch at initialisation."""''',
    "zh": '''\
    """模型库中网络 `name` 的每个残差块输入处和 x_L（全局平均池化的输入）处的
    ∂loss/∂x，初始化状态下，一个随机批次。"""''',
}
GRADIENTS_TITLE = {
    "en": 'print("RMS of ∂loss/∂x_l ÷ RMS of ∂loss/∂x_L, at the input of block:")',
    "zh": 'print("∂loss/∂x_l 的 RMS ÷ ∂loss/∂x_L 的 RMS，在残差块的输入处：")',
}


def block_gradients_code(language: str) -> str:
    return BLOCK_GRADIENTS.replace("@DOC@", GRADIENTS_DOC[language]).replace(
        "@TITLE@", GRADIENTS_TITLE[language])


Cell = tuple[str, str]  # ("md" | "code" | "error" | "try" | "answer", source)

# --- 00 ---------------------------------------------------------------------------------------
WHY_RESIDUAL: list[Cell] = [
    ("md", """\
# Why residual learning?

Before ResNet, a deeper network was not always a better one. He et al. (2015) start from a
puzzle: stack more layers on a *plain* network — convolutions, BatchNorm and ReLUs, one after
the other — and past some depth it gets worse, on the training set as well as on the test
set. This notebook shows the puzzle with the paper's own networks and numbers, the idea that
solves it (let the layers learn F(x) = H(x) − x and add x back), and what that idea does to
the gradient, measured on a plain network and a ResNet of the same depth.

The zoo holds the paper's plain networks: the layers of a ResNet with no shortcuts at all.
Plain-56 and ResNet-56 (the CIFAR-10 nets of the paper's section 4.2) side by side:"""),
    ("code", """\
from collections import Counter

from resnet_explain import explain

plain, residual = explain("plain56"), explain("resnet56")
for arch in (plain, residual):
    print(f"{arch.model:9} depth {arch.plain_depth}, {arch.weighted_layers} weighted layers, "
          f"{arch.total_params:,} parameters, {len(arch.blocks)} residual blocks")"""),
    ("md", """\
The same depth, the same weighted layers, the same parameters. What does ResNet-56 have that
plain-56 has not? Count the layer calls of each and subtract:"""),
    ("code", """\
def calls(arch):
    return Counter(layer.type for layer in arch.layers)


calls(residual) - calls(plain)"""),
    ("md", """\
Only the additions — one per block — and the option-A shortcuts, which subsample the map
and append zero channels where a stage halves the map and doubles the filters (they have no
parameters). On ImageNet the same holds for plain-34 and ResNet-34, except that ResNet-34's
dashed shortcuts are 1×1 projections, its only extra weighted layers:"""),
    ("code", """\
plain34, resnet34 = explain("plain34"), explain("resnet34")
added = [layer.name for layer in resnet34.layers if layer.weighted
         and layer.name not in {other.name for other in plain34.layers}]
print(added)
print(f"{resnet34.total_params:,} − {plain34.total_params:,} = "
      f"{resnet34.total_params - plain34.total_params:,} parameters")"""),
    ("md", """\
## Degradation: the deeper plain net trains worse

The paper's Fig. 1 plots the training and test error on CIFAR-10 of a 20-layer and a
56-layer plain network: the deeper one is worse on *both*. If it were overfitting, its
training error would be lower and only its test error higher. It is not too powerful; the
optimiser fails to find a solution at least as good as the shallower net's — although one
exists by construction: copy the shallower net and make the extra layers the identity. The
paper calls this the *degradation* problem.

On ImageNet (Table 2), the same comparison, with the ResNets of the same depths:"""),
    ("code", """\
# He et al. 2015, Table 2: top-1 error (%, 10-crop testing) on the ImageNet validation set
table2 = {"plain-18": 27.94, "plain-34": 28.54, "ResNet-18": 27.88, "ResNet-34": 25.03}
for shallow, deep in (("plain-18", "plain-34"), ("ResNet-18", "ResNet-34")):
    change = table2[deep] - table2[shallow]
    verdict = "worse" if change > 0 else "better"
    print(f"{shallow} → {deep}: {table2[shallow]:.2f} % → {table2[deep]:.2f} % top-1 error, "
          f"{verdict} by {abs(change):.2f} points")"""),
    ("md", """\
These are validation errors. The paper's Fig. 4 shows the training curves too: plain-34's
training error stays above plain-18's for the whole training, while ResNet-34's falls below
ResNet-18's.

## The idea: H(x) = F(x) + x

Let H(x) be the mapping that a few stacked layers should compute. A residual block does not
ask its layers for H(x); it asks them for the *residual* F(x) = H(x) − x and adds x back
through the shortcut: the block outputs F(x) + x. If the best the extra layers can do is
nothing — H(x) = x, the identity of the construction above — a residual block only has to
drive F to zero, which any weights that silence the block's last layer do. A plain stack has
to build the identity out of convolutions, BatchNorms and ReLUs — which, the degradation
suggests, the solvers find hard.

One block of each network, initialised as torchvision does; then the last BatchNorm of each
block gets the scale γ = 0 (its shift β is 0 at initialisation), so its output is zero — the
trick behind torchvision's `zero_init_residual=True`:"""),
    ("code", """\
import torch

from resnet_explain.zoo import build

torch.manual_seed(0)
residual_block = build("resnet56", init=True).layer2[3]
plain_block = build("plain56", init=True).layer2[3]
for block in (residual_block, plain_block):
    torch.nn.init.zeros_(block.bn2.weight)  # γ = 0 in the block's last BatchNorm

x = torch.relu(torch.randn(4, 32, 16, 16))  # a block's input comes after a ReLU: x ≥ 0
with torch.no_grad():
    print("the residual block returns its input:", torch.equal(residual_block(x), x))
    print("the plain block returns its input:   ", torch.equal(plain_block(x), x))
    print("the plain block returns only zeros:  ", bool((plain_block(x) == 0).all()))"""),
    ("md", """\
With F = 0 the residual block *is* the identity; the plain block with the same weights is a
wall that lets nothing through.

## Why the gradient gets through: x_L = x_l + ΣF

The follow-up paper ("Identity Mappings in Deep Residual Networks", He et al. 2016, ResNet
v2) makes the shortcut path completely clean: nothing follows the addition, so unit *l*
computes $x_{l+1} = x_l + F(x_l)$. Unrolled from any unit *l* to any deeper unit *L*:

$$x_L = x_l + \\sum_{i=l}^{L-1} F(x_i)$$

and by the chain rule, for the loss $\\mathcal{L}$:

$$\\frac{\\partial \\mathcal{L}}{\\partial x_l} = \\frac{\\partial \\mathcal{L}}{\\partial x_L}
\\left(1 + \\frac{\\partial}{\\partial x_l} \\sum_{i=l}^{L-1} F(x_i)\\right)$$

The **1** carries the gradient of the deep unit to the shallow one directly, through no
weight layer; for it to cancel, the other term would have to be exactly −1 for every example
of a batch. In a plain network the gradient at $x_l$ is instead the product of the Jacobians
of all the layers in between.

Measured: one random batch (no dataset), at initialisation, BatchNorm in training mode as at
the start of training. For plain-56 and ResNet-56, the gradient of the loss at the input of
every block, $\\partial\\mathcal{L}/\\partial x_l$, and at $x_L$, the output of the last block
(the input of the global pool):"""),
    ("code", block_gradients_code("en")),
    ("code", """\
def change(ratio):
    return f"grows {ratio:,.0f}-fold" if ratio >= 1 else f"shrinks {1 / ratio:,.0f}-fold"


growth = {name: rms(g["layer1.0"]) / rms(g["x_L"]) for name, g in grads.items()}
print(f"From x_L back to the first block, the gradient {change(growth['plain56'])} in "
      f"plain-56 and {change(growth['resnet56'])} in ResNet-56.")"""),
    ("md", """\
Size is not all. The formula says that in a ResNet $\\partial\\mathcal{L}/\\partial x_L$
itself arrives at $x_l$ — the term with the 1 — plus what the blocks in between add. The
cosine between the gradient at a block's input and the gradient at $x_L$ measures how much
of it arrives unchanged (1: all of it, 0: nothing recognisable). In a plain network nothing
arrives unchanged: every layer's Jacobian mixes the channels anew. The cosine needs maps of
the same shape, so the blocks of the last stage, from its second block to its last:"""),
    ("code", """\
last_stage = [key for key in grads["plain56"] if key.startswith("layer3.") and key != "layer3.0"]


def cosine(a, b):
    return F.cosine_similarity(a.flatten(), b.flatten(), dim=0).item()


cosines = {name: [cosine(g[key], g["x_L"]) for key in last_stage] for name, g in grads.items()}
print(f"{'':10} " + " ".join(f"{key:>8}" for key in last_stage))
for name, values in cosines.items():
    print(f"{name:10} " + " ".join(f"{value:+8.2f}" for value in values))
one_back = {name: values[-1] for name, values in cosines.items()}
print(f"One block below x_L the cosine is {one_back['plain56']:+.2f} in plain-56 and "
      f"{one_back['resnet56']:+.2f} in ResNet-56; {len(last_stage)} blocks below, "
      f"{cosines['plain56'][0]:+.2f} and {cosines['resnet56'][0]:+.2f}.")"""),
    ("md", """\
Two remarks, to read the numbers right.

* The paper checked that its plain networks do not suffer from *vanishing* gradients:
  BatchNorm keeps the forward signals alive, and it verified that the backward gradients
  have healthy norms (section 4.1). What the tables above show is different: through a long
  product of Jacobians the plain net's gradient drifts in size, while the ResNet's identity
  path delivers $\\partial\\mathcal{L}/\\partial x_L$ to every block as it is. The paper
  itself leaves the cause of degradation open (it conjectures that deep plain nets converge
  exponentially slowly); this is one difference, at initialisation, not the whole story.
* ResNet-56 here is the paper's original (v1) net: a ReLU follows each addition, so its
  identity path is not quite clean and the formula above holds only approximately. ResNet
  v2 removes that ReLU, and then it holds exactly between any two units that identity
  shortcuts join.

**Your turn.** Run `block_gradients` on `"plain20"` and `"resnet20"`. Does the gradient of
the shallower plain net drift less from x_L back to its first block? Then look at the
paper's Fig. 6 (left): which of plain-20 … plain-56 has the lowest training error?"""),
    ("try", ""),
    ("answer", """<details><summary>Answer</summary>

```python
for name in ("plain20", "resnet20"):
    g = block_gradients(name)
    print(name, rms(g["layer1.0"]) / rms(g["x_L"]))
```

Yes: plain-20's gradient grows by a factor of about ten from x_L back to `layer1.0`, a
product of 18 Jacobians instead of 54, where plain-56's grew by thousands; ResNet-20's
stays within a few times its size at x_L. In Fig. 6 (left) the shallowest plain net,
plain-20, has the lowest training error, and each deeper one a higher one: degradation.

</details>"""),
]


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
The three `downsample.0` convolutions are the **projection shortcuts**: 1×1 convolutions
with stride 2 that make the shortcut's shape match the main path's when a stage halves the
map and doubles the filters. They sit *beside* the main path, so they do not make the network
deeper.

In the paper's figure the shortcuts that change the shape are the broken lines (its caption
calls them dotted; many posts say dashed). A broken line is not always a projection: the
paper's own ResNet-34 of Table 2 fills them with *option A*, a zero-padded identity without
parameters; torchvision's, traced here, with *option B*'s projections. Notebook 02 builds
both.

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
    ("try", ""),
    ("answer", details("""\
ResNet-50: **50 = 1 + 3×(3+4+6+3) + 1**. ResNet-152: **152 = 1 + 3×(3+8+36+3) + 1**. The
stem's convolution and the fc layer add 1 each; every Bottleneck adds its 3 convolutions.
The next cell checks both against the trace.""")),
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
    ("try", ""),
    ("answer", details("""\
1202 weighted layers, and all 1202 are on the main path: **1202 = 1 + 2×(200+200+200) + 1**
(6n + 2 with n = 200). Its shortcuts are option A's, without weights, so the depth leaves no
weighted layer out.""")),
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
## Identity (solid line) and projection (a broken line)

Most blocks keep the shape: the shortcut is the identity, with no parameters at all. The
first block of conv3_x, conv4_x and conv5_x halves the map (stride 2) and doubles the
filters, so its shortcut must do the same: a 1×1 convolution with stride 2, plus BatchNorm.
The tool says why for each block. First an identity block: its shortcut has no layers, so
its table has no shortcut rows."""),
    ("code", """\
r34.block("conv2_1")"""),
    ("md", """\
Then a projection block: the rows of its shortcut (the 1×1 convolution and its BatchNorm)
have a dashed mark, the paper's dashed line."""),
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

*Option A* subsamples the input and fills the missing channels with zeros: a shortcut without
parameters (the tool calls such a block a *zero-padded identity*: not the padding of a
convolution, but zeros standing in for the channels the input does not have). It is not a
CIFAR trick: the paper's own ResNet-34 in Table 2, the one it compares with the plain
network, uses it on every shortcut that changes the shape — the broken lines of its figure.
Build ResNet-34 that way and compare it with torchvision's (option B):"""),
    ("code", """\
r34a = explain("resnet34", shortcut="A")
projections = sum(r34.layers[i].params for block in r34.blocks for i in block.shortcut_layers)
print("zero-padded identity shortcuts:",
      [block.paper_name for block in r34a.blocks if block.kind == "padded"])
print(f"option B: {r34.total_params:,} parameters, option A: {r34a.total_params:,}; "
      f"the difference, {r34.total_params - r34a.total_params:,}, is what the "
      f"{r34.shortcut_projections} projections hold ({projections:,})")"""),
    ("md", """\
So option A's ResNet-34 has exactly the parameters of the plain 34-layer network: the
shortcuts add none. The paper's CIFAR-10 networks use option A too, so they have no
projections at all:"""),
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
convolution. torchvision (and most code today) puts it on the 3×3 convolution, "v1.5"."""),
    ("code", """\
v1 = explain("resnet50-v1")
for arch in (v1, r50):
    block = arch.block("conv3_1")
    strided = [arch.layers[i].name for i in block.main_layers if arch.layers[i].stride == (2, 2)]
    print(f"{arch.model:12} stride 2 on {strided}, {arch.macs / 1e9:.2f} G multiply-adds")"""),
    ("md", """\
v1.5 costs more. Which convolution pays for it? Guess before you run the next cell, then
compare the main path's convolutions of every downsampling block, layer by layer, in the two
traces. The sentences under the table are made from the traced numbers above them."""),
    ("code", """\
from resnet_explain.analysis.stridemove import compare_layouts

compare_layouts(v1, r50)"""),
    ("md", """\
Not the 3×3: its output has the same size in both layouts, so it does the same work. The
first 1×1 pays: in v1.5 it runs on the block's whole input map. What v1.5 buys with it is
accuracy: v1's 1×1 convolution with stride 2 throws away input positions that no convolution
has looked at yet."""),
    ("md", """\
The two diagrams side by side (rendered without any system Graphviz):"""),
    ("code", """\
r50.diagram(block="conv3_1", compare=v1)"""),
    ("md", """\
## v2: pre-activation

ResNet v2 moves BatchNorm and ReLU *in front of* each convolution (BN → ReLU → conv), so
the shortcut adds to a sum that no ReLU has touched. Consequences you can see in the trace:
a projection reads the *pre-activated* input, and one extra BN + ReLU (`postnorm`) comes
after the last unit, because the sum leaving it has never been normalised."""),
    ("code", """\
v2 = explain("resnet18-v2")
block = v2.block("conv3_1")
[v2.layers[i].name for i in block.layers]"""),
    ("code", """\
[v2.layers[i].name for i in v2.stages[-1].layers]"""),
    ("md", """\
The first unit is a special case, and a matter of convention. The v2 paper's appendix
activates right after conv1, before the split: conv1 *is* followed by BN + ReLU, the first
unit has no pre-activation of its own, and its identity carries the activated map. The zoo
builds it that way. kuangliu's `PreActResNet`, TF-slim's `resnet_v2` and timm's `resnetv2`
leave conv1 bare instead: their first unit pre-activates its input itself, and its identity
carries conv1's un-normalised output. The parameters are the same either way (the BN only
moves)."""),
    ("code", """\
print([v2.layers[i].name for i in v2.stages[0].layers])  # conv1, then its BN and ReLU
print([v2.layers[i].name for i in v2.block("conv2_1").layers])  # no bn1 of its own
print([v2.layers[i].name for i in v2.block("conv2_2").layers])  # a unit like all the others"""),
    ("md", """\
**Check yourself.** Does v2 change the depth? Compare `v2.depth_formula` with
`explain("resnet18").depth_formula`, and explain why."""),
    ("try", ""),
    ("answer", details("""\
No: both are **18 = 1 + 2×(2+2+2+2) + 1**. v2 moves BatchNorm and ReLU in front of each
convolution, and the depth counts neither; the convolutions and the fc layer are the same 21
weighted layers, 3 of them projections beside the main path.""")),
    ("code", """\
v2.depth_formula, explain("resnet18").depth_formula"""),
]

# --- 03 ---------------------------------------------------------------------------------------
#: Code cells of notebook 03 that the Chinese one shows as they are (a model's definition).
DIGIT_NET = """\
class DigitNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 16, 3, padding=1)
        self.fc = nn.Linear(16 * 28 * 28, 10)

    def forward(self, x):  # x: N × 28 × 28
        x = self.conv(x.unsqueeze(1)).relu()
        return self.fc(x.flatten(1))


"""
TWO_CONVS = """\
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


"""
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
Is every later map off by one? Compare each stage's output with ResNet-18's:"""),
    ("code", """\
resnet18 = explain("resnet18")
for mine, theirs in zip(arch.stages, resnet18.stages):
    off = "" if mine.output_shape == theirs.output_shape else "  <- off"
    print(f"{mine.name:8} {mine.output_shape!s:18} {theirs.output_shape!s:18}{off}")"""),
    ("md", """\
Only conv2_x's map is off. The first stride-2 convolution of conv3_x brings the size back:
its formula, in the student's network and in ResNet-18, gives one output size for both
inputs (the ⌊…⌋ rounds the halves away)."""),
    ("code", """\
arch.layer("layer2.0.conv1").formula, resnet18.layer("layer2.0.conv1").formula"""),
    ("md", """\
So the mistake hides from every later layer, and only conv2_x's blocks run on the wrong map.
Downsampling should be done by the stride, with K = 2P + 1 keeping the arithmetic exact:
`nn.MaxPool2d(3, 2, padding=1)`.

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
    ("code", DIGIT_NET + """explain(DigitNet(), input_size=(8, 28, 28))"""),
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
    ("code", TWO_CONVS + """explain(small_net(), input_size=(3, 32, 32))"""),
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
    ("try", ""),
    ("answer", details("""\
A 1×1 convolution with stride 2 from 16 to 32 channels, and a BatchNorm (option B), as
`Block` builds it when the shape changes:

```python
net = student_resnet.NoProjectionNet()
net.layer2.downsample = nn.Sequential(nn.Conv2d(16, 32, 1, stride=2, bias=False),
                                      nn.BatchNorm2d(32))
fixed = explain(net, input_size=(3, 32, 32))
fixed.weighted_layers, fixed.plain_depth
```

7 weighted layers, and 6 of them count towards the depth: the projection sits beside the
main path, so it does not make the network deeper.""")),
]

# --- 04 ---------------------------------------------------------------------------------------
DERIVE_BY_HAND: list[Cell] = [
    ("md", """\
# Derive it by hand: sizes, receptive field, parameters, cost

The tool prints every number; this notebook derives the important ones with the formulas a
course teaches, one step at a time, and uses the tool's traced values as the check. Each
`assert` below compares the hand derivation with the trace.

## The map sizes, by the output-size formula

A convolution or pool with kernel K, stride S and padding P turns a map of size *in* into
⌊(in + 2P − K)/S⌋ + 1 (PyTorch's formula, with dilation 1). ResNet-18's map shrinks only
at its strided layers on the main path:"""),
    ("code", """\
from resnet_explain import explain

r18 = explain("resnet18")


def out_size(size, kernel, stride, padding):
    \"\"\"PyTorch's output-size formula, dilation 1: ⌊(in + 2P − K)/S⌋ + 1.\"\"\"
    return (size + 2 * padding - kernel) // stride + 1


size = r18.input_shape[-1]
sizes = [size]
for layer in r18.layers:
    if layer.on_longest_path and layer.kernel_size and layer.stride[0] > 1:
        k, s, p = layer.kernel_size[0], layer.stride[0], layer.padding[0]
        new = out_size(size, k, s, p)
        print(f"{layer.name:15} K={k} S={s} P={p}:  ⌊({size} + 2·{p} − {k})/{s}⌋ + 1 = {new}")
        assert new == layer.output_shape[-1]  # the trace agrees
        size = new
        sizes.append(size)
print(" → ".join(map(str, sizes)))"""),
    ("md", """\
Between them, every 3×3 convolution has S = 1 and P = 1, and K = 2P + 1 keeps the size:"""),
    ("code", """\
conv = r18.layer("layer3.1.conv1")
k, s, p = conv.kernel_size[0], conv.stride[0], conv.padding[0]
size = conv.input_shapes[0][-1]
print(f"{conv.name}: ⌊({size} + 2·{p} − {k})/{s}⌋ + 1 = {out_size(size, k, s, p)}")
assert out_size(size, k, s, p) == conv.output_shape[-1] == size"""),
    ("md", """\
## The receptive field of ResNet-18, step by step

The receptive field *r* of a layer is how many input pixels (along one side) one position of
its output can see; the *jump* *j* is how far apart, in input pixels, two neighbouring
output positions look. The input starts at r = 1, j = 1, and a layer with kernel k and
stride s maps them to

* r_out = r_in + (k − 1)·j_in — the kernel reaches k − 1 more positions, each j_in pixels
  apart;
* j_out = j_in·s — a stride multiplies the distance between positions.

BatchNorm and ReLU change neither. A block's addition takes the larger field of its two
branches: the main path, since a shortcut is the identity or a 1×1 projection. So walk the
convolutions and pools on the longest path, and set the tool's value (`layer.receptive_field`)
beside each step:"""),
    ("code", """\
r, j = 1, 1
print(f"{'layer':16} {'k':>2} {'s':>2}  r_out = r_in + (k−1)·j_in  j_out   tool")
for layer in r18.layers:
    if not (layer.on_longest_path and layer.kernel_size):
        continue
    k, s = layer.kernel_size[0], layer.stride[0]
    step = f"{r:3} + {k - 1}·{j:<2} = {r + (k - 1) * j:3}"
    r, j = r + (k - 1) * j, j * s
    field = layer.receptive_field
    print(f"{layer.name:16} {k:>2} {s:>2}  {step:24} {j:5}   {field.label}")
    assert (r, j) == (field.size[0], field.jump[0])  # the tool agrees
image = r18.input_shape[-1]
bigger = "larger" if r > image else "smaller"
print(f"ResNet-18's last convolution sees {r}×{r} pixels, {bigger} than the {image}×{image} "
      "image: its border positions see padding.")"""),
    ("md", """\
Notice where the field grows fastest: each 3×3 convolution adds 2·j_in, so it grows most
in the last stage, where the jump is largest.

## BasicBlock against Bottleneck: a similar cost

The paper's Fig. 5 sets a BasicBlock of ResNet-34 (3×3, 3×3) beside a Bottleneck of
ResNet-50 (1×1 reduce, 3×3, 1×1 expand, on wider maps) and says the two have *similar time
complexity*. The weights of a convolution are
k·k·C_in·C_out (no bias before a BatchNorm); count them for an identity block of conv2_x in
each network:"""),
    ("code", """\
r34, r50 = explain("resnet34"), explain("resnet50")
cost = {}
for arch in (r34, r50):
    block = arch.block("conv2_2")  # an identity block: no projection on its shortcut
    convs = [arch.layers[i] for i in block.main_layers if arch.layers[i].weighted]
    terms = [f"{c.kernel_size[0]}·{c.kernel_size[1]}·{c.in_channels}·{c.out_channels}"
             for c in convs]
    weights = sum(c.kernel_size[0] * c.kernel_size[1] * c.in_channels * c.out_channels
                  for c in convs)
    assert weights == sum(c.params for c in convs)  # the trace agrees
    side = convs[0].output_shape[-1]
    cost[arch.model] = (weights, sum(c.macs for c in convs), block.input_shape[1])
    print(f"{arch.model} {block.paper_name}: {' + '.join(terms)} = {weights:,} weights; "
          f"× {side}·{side} positions = {cost[arch.model][1]:,} multiply-adds")"""),
    ("code", """\
(basic, basic_macs, basic_width), (bottle, bottle_macs, bottle_width) = cost.values()
print(f"The Bottleneck works on {bottle_width // basic_width} times the channels "
      f"({bottle_width} against {basic_width}) with {bottle:,} weights against the "
      f"BasicBlock's {basic:,} ({(bottle / basic - 1) * 100:+.1f} %), and "
      f"{bottle_macs:,} multiply-adds against {basic_macs:,}.")"""),
    ("md", """\
The 1×1 convolutions are cheap: they shrink the channels before the 3×3 and restore them
after. That is what let the paper make ResNet-50/101/152 deeper than ResNet-34 at a
similar cost per block.

## v1 against v1.5: where the extra multiply-adds come from

In a downsampling Bottleneck (conv3_1, conv4_1, conv5_1) the paper (v1) puts the stride 2
on the first 1×1 convolution; torchvision (v1.5) puts it on the 3×3. A convolution's
multiply-adds are its weights times its output positions, so compare the three convolutions
of each downsampling block in the two traces:"""),
    ("code", """\
v1, v15 = explain("resnet50-v1"), explain("resnet50")
extra = {}
for name in ("conv3_1", "conv4_1", "conv5_1"):
    pairs = zip(*[[arch.layers[i] for i in arch.block(name).main_layers
                   if arch.layers[i].weighted] for arch in (v1, v15)])
    extra[name] = 0
    for a, b in pairs:
        side_a, side_b = a.output_shape[-1], b.output_shape[-1]
        print(f"{name} {a.name:17} v1 {a.macs:>11,} (S{a.stride[0]}, out {side_a}²)   "
              f"v1.5 {b.macs:>11,} (S{b.stride[0]}, out {side_b}²)   Δ {b.macs - a.macs:+,}")
        extra[name] += b.macs - a.macs"""),
    ("md", """\
By hand: the first 1×1 has C_in·C_out weights; in v1.5 it runs at the block's input size
H_in², in v1 at the halved size (H_in/2)². The 3×3's output is halved in both layouts, so
it costs the same:"""),
    ("code", """\
for name in extra:
    first = v15.layers[v15.block(name).main_layers[0]]
    c_in, c_out = first.in_channels, first.out_channels
    h = first.input_shapes[0][-1]
    by_hand = c_in * c_out * (h * h - (h // 2) * (h // 2))
    print(f"{name}: {c_in}·{c_out}·({h}² − {h // 2}²) = {by_hand:,}")
    assert by_hand == extra[name]  # the trace agrees
total = sum(extra.values())
assert total == v15.macs - v1.macs
print(f"In all: {total:,} = {v15.macs:,} − {v1.macs:,} multiply-adds "
      f"({v1.macs / 1e9:.2f} G → {v15.macs / 1e9:.2f} G).")"""),
    ("md", """\
Why pay for it? A 1×1 convolution with stride 2 reads only the positions its windows land
on; the pixels between them never reach the block's main path:"""),
    ("code", """\
from fractions import Fraction

first_v1 = v1.layers[v1.block("conv3_1").main_layers[0]]
read = first_v1.output_shape[-1] * first_v1.output_shape[-2]
seen = first_v1.input_shapes[0][-1] * first_v1.input_shapes[0][-2]
unread = Fraction(seen - read, seen)
print(f"v1's {first_v1.name} (1×1, stride {first_v1.stride[0]}) reads {read:,} of the "
      f"{seen:,} positions of its input: {unread.numerator} of every {unread.denominator} "
      "are never read.")"""),
    ("md", """\
In v1.5 the 3×3 carries the stride, and its windows overlap: every input position is read.
That is the accuracy torchvision's comment on "ResNet V1.5" credits the change with (it
points to NVIDIA's measurements), paid for with the multiply-adds above.

**Your turn.** Derive the receptive field of the CIFAR ResNet-20 the same way (input 32×32,
a 3×3 stem, no max-pool; stages of three BasicBlocks, the first conv of stages 2 and 3 with
stride 2), then check it with `explain("resnet20")`."""),
    ("try", ""),
    ("answer", """<details><summary>Answer</summary>

**81**, with r_out = r_in + (k − 1)·j_in and j_out = j_in·s:

| layers | r | j |
|---|---|---|
| the stem's 3×3 | 1 + 2·1 = 3 | 1 |
| conv2_x: six 3×3, stride 1 | 3 + 6·2·1 = 15 | 1 |
| conv3_1's first 3×3, stride 2 | 15 + 2·1 = 17 | 2 |
| five more 3×3 | 17 + 5·2·2 = 37 | 2 |
| conv4_1's first 3×3, stride 2 | 37 + 2·2 = 41 | 4 |
| five more 3×3 | 41 + 5·2·4 = 81 | 4 |

Option A's shortcuts (a subsample and zero channels) widen nothing, so the last block's
81 is the network's: `explain("resnet20").layer("layer3.2.conv2").receptive_field`.

</details>"""),
]


NOTEBOOKS_CELLS: dict[str, list[Cell]] = {
    "00_why_residual.ipynb": WHY_RESIDUAL,
    "01_what_does_34_count.ipynb": WHAT_34_COUNTS,
    "02_blocks_and_shortcuts.ipynb": BLOCKS_AND_SHORTCUTS,
    "03_check_your_own_resnet.ipynb": CHECK_YOUR_OWN,
    "04_derive_it_by_hand.ipynb": DERIVE_BY_HAND,
}


# --- Chinese notebooks (notebooks/zh/) -----------------------------------------------------
# The same lessons in Chinese, for the learners of the seeds (the Chinese notes the tool grew
# from), in the terms of docs/glossary.md. Each explains with explain(..., lang="zh"), and
# each answers one of the seeds' misconceptions head on.
def zh_details(body: str) -> str:
    """:func:`details` with a Chinese summary line (答案)."""
    return f"<details><summary>答案</summary>\n\n{body}\n\n</details>"


WHY_RESIDUAL_ZH: list[Cell] = [
    ("md", """\
# 为什么要残差学习？

在 ResNet 之前，更深的网络不一定更好。He 等人（2015）的论文从一个谜题出发：在*普通*网络
（plain，卷积、BN 和 ReLU 一层接一层地堆叠）上不断加层，过了某个深度，网络反而变差，而且在
训练集上和测试集上都变差。这个 notebook 用论文自己的网络和数字展示这个谜题，介绍解决它的想法
（让这些层学习残差 F(x) = H(x) − x，再把 x 加回去），并在深度相同的普通网络和 ResNet 上实测
这个想法对梯度做了什么。

模型库里有论文的普通网络：就是去掉全部捷径分支的 ResNet。并排看一看 plain-56 和 ResNet-56
（论文 4.2 节的 CIFAR-10 网络）："""),
    ("code", """\
from collections import Counter

from resnet_explain import explain

plain, residual = explain("plain56", lang="zh"), explain("resnet56", lang="zh")
for arch in (plain, residual):
    print(f"{arch.model:9} 深度 {arch.plain_depth}，{arch.weighted_layers} 个带权重的层，"
          f"{arch.total_params:,} 个参数，{len(arch.blocks)} 个残差块")"""),
    ("md", """\
深度相同，带权重的层相同，参数量也相同。ResNet-56 到底比 plain-56 多了什么？把两者的层调用
各数一遍，再相减："""),
    ("code", """\
def calls(arch):
    return Counter(layer.type for layer in arch.layers)


calls(residual) - calls(plain)"""),
    ("md", """\
只多了相加（每个残差块一次），以及选项 A 的捷径：在阶段把特征图减半、把通道数加倍的地方，
它对输入下采样并补零通道（没有参数）。在 ImageNet 上，plain-34 和 ResNet-34 也是如此，只是
ResNet-34 的虚线捷径是 1×1 投影卷积，它们是它唯一多出的带权重的层："""),
    ("code", """\
plain34, resnet34 = explain("plain34", lang="zh"), explain("resnet34", lang="zh")
added = [layer.name for layer in resnet34.layers if layer.weighted
         and layer.name not in {other.name for other in plain34.layers}]
print(added)
print(f"{resnet34.total_params:,} − {plain34.total_params:,} = "
      f"{resnet34.total_params - plain34.total_params:,} 个参数")"""),
    ("md", """\
## 退化问题：更深的普通网络训练得更差

论文的图 1 画出了 20 层和 56 层普通网络在 CIFAR-10 上的训练误差和测试误差：更深的那个在
*两者*上都更差。如果是过拟合，它的训练误差应该更低，只有测试误差更高。问题不在于它太强，而在于
优化器找不到一个至少和浅层网络一样好的解，尽管这样的解按构造就存在：复制浅层网络，让多出来的
层都做恒等映射。论文把这称为*退化*（degradation）问题。

在 ImageNet 上（表 2）做同样的比较，再加上同样深度的 ResNet："""),
    ("code", """\
# He et al. 2015，表 2：ImageNet 验证集上的 top-1 错误率（%，10-crop 测试）
table2 = {"plain-18": 27.94, "plain-34": 28.54, "ResNet-18": 27.88, "ResNet-34": 25.03}
for shallow, deep in (("plain-18", "plain-34"), ("ResNet-18", "ResNet-34")):
    change = table2[deep] - table2[shallow]
    verdict = "变差" if change > 0 else "变好"
    print(f"{shallow} → {deep}：top-1 错误率 {table2[shallow]:.2f} % → {table2[deep]:.2f} %，"
          f"{verdict} {abs(change):.2f} 个百分点")"""),
    ("md", """\
这些是验证集误差。论文的图 4 还给出了训练曲线：在整个训练过程中，plain-34 的训练误差一直高于
plain-18，而 ResNet-34 的训练误差低于 ResNet-18。

### 常见误解：ResNet 解决的是梯度消失吗？

有的中文笔记（seed 001）说，堆叠网络之后“梯度爆炸（梯度消失）在一开始就阻碍网络的收敛”，
而残差结构就是为解决这个问题而生的。论文的说法不同：梯度消失/爆炸在很大程度上已经由归一化的
初始化和中间的 BN 层解决了，几十层的网络用随机梯度下降已经能开始收敛。ResNet 针对的是另一个
问题：网络能收敛，但更深的网络收敛到的训练误差更高，也就是上面的退化问题。

## 思路：H(x) = F(x) + x

设 H(x) 是几层堆叠起来应该计算的映射。残差块不要求这些层直接拟合 H(x)，而是让它们拟合
*残差* F(x) = H(x) − x，再通过捷径分支把 x 加回去：残差块的输出是 F(x) + x。如果多出来的层
最好什么都不做，即 H(x) = x（上面构造中的恒等映射），残差块只需把 F 压到零，只要让残差块的
最后一层输出为零就行。普通的堆叠则必须用卷积、BN 和 ReLU 拼出恒等映射，而退化现象说明，求解器
很难做到这一点。

下面取两个网络各一个残差块，按 torchvision 的方式初始化；然后把每个块最后一个 BN 的缩放
γ 设为 0（它的平移 β 初始化时就是 0），于是它的输出为零。这正是 torchvision 的
`zero_init_residual=True` 背后的技巧："""),
    ("code", """\
import torch

from resnet_explain.zoo import build

torch.manual_seed(0)
residual_block = build("resnet56", init=True).layer2[3]
plain_block = build("plain56", init=True).layer2[3]
for block in (residual_block, plain_block):
    torch.nn.init.zeros_(block.bn2.weight)  # 块中最后一个 BN 的 γ = 0

x = torch.relu(torch.randn(4, 32, 16, 16))  # 残差块的输入来自一个 ReLU：x ≥ 0
with torch.no_grad():
    print("残差块返回它的输入：", torch.equal(residual_block(x), x))
    print("普通块返回它的输入：", torch.equal(plain_block(x), x))
    print("普通块只返回零：    ", bool((plain_block(x) == 0).all()))"""),
    ("md", """\
F = 0 时，残差块*就是*恒等映射；而同样权重的普通块是一堵墙，什么也过不去。

## 梯度为什么能传回去：x_L = x_l + ΣF

后续论文（“Identity Mappings in Deep Residual Networks”，He 等人 2016，即 ResNet v2）让
捷径这条路完全干净：相加之后什么都不接，于是第 *l* 个单元计算 $x_{l+1} = x_l + F(x_l)$。
从任意单元 *l* 展开到任意更深的单元 *L*：

$$x_L = x_l + \\sum_{i=l}^{L-1} F(x_i)$$

对损失 $\\mathcal{L}$ 用链式法则：

$$\\frac{\\partial \\mathcal{L}}{\\partial x_l} = \\frac{\\partial \\mathcal{L}}{\\partial x_L}
\\left(1 + \\frac{\\partial}{\\partial x_l} \\sum_{i=l}^{L-1} F(x_i)\\right)$$

其中的 **1** 把深层单元的梯度直接传给浅层单元，不经过任何带权重的层；要让它被抵消，另一项
必须对一个批次中的每个样本都恰好等于 −1。而在普通网络中，$x_l$ 处的梯度是中间所有层的雅可比
矩阵的乘积。

实测：一个随机批次（不用数据集），处于初始化状态，BN 处于训练模式，和训练刚开始时一样。对
plain-56 和 ResNet-56，计算损失在每个残差块输入处的梯度 $\\partial\\mathcal{L}/\\partial x_l$，
以及在 $x_L$ 处的梯度，$x_L$ 是最后一个残差块的输出（即全局池化的输入）："""),
    ("code", block_gradients_code("zh")),
    ("code", """\
def change(ratio):
    return f"放大到 {ratio:,.0f} 倍" if ratio >= 1 else f"缩小到 1/{1 / ratio:,.0f}"


growth = {name: rms(g["layer1.0"]) / rms(g["x_L"]) for name, g in grads.items()}
print(f"从 x_L 回到第一个残差块，梯度在 plain-56 中{change(growth['plain56'])}，"
      f"在 ResNet-56 中{change(growth['resnet56'])}。")"""),
    ("md", """\
大小并不是全部。公式说，在 ResNet 中 $\\partial\\mathcal{L}/\\partial x_L$ 本身会原样到达
$x_l$（带 1 的那一项），再加上中间各残差块贡献的部分。残差块输入处的梯度与 $x_L$ 处梯度的
余弦相似度衡量有多少梯度原样到达（1：全部，0：面目全非）。在普通网络中没有什么能原样到达：
每一层的雅可比矩阵都把各通道重新混合一遍。余弦需要形状相同的特征图，所以取最后一个阶段的
残差块，从第二个到最后一个："""),
    ("code", """\
last_stage = [key for key in grads["plain56"] if key.startswith("layer3.") and key != "layer3.0"]


def cosine(a, b):
    return F.cosine_similarity(a.flatten(), b.flatten(), dim=0).item()


cosines = {name: [cosine(g[key], g["x_L"]) for key in last_stage] for name, g in grads.items()}
print(f"{'':10} " + " ".join(f"{key:>8}" for key in last_stage))
for name, values in cosines.items():
    print(f"{name:10} " + " ".join(f"{value:+8.2f}" for value in values))
one_back = {name: values[-1] for name, values in cosines.items()}
print(f"在 x_L 前一个残差块处，余弦在 plain-56 中是 {one_back['plain56']:+.2f}，"
      f"在 ResNet-56 中是 {one_back['resnet56']:+.2f}；往前 {len(last_stage)} 个残差块处，"
      f"分别是 {cosines['plain56'][0]:+.2f} 和 {cosines['resnet56'][0]:+.2f}。")"""),
    ("md", """\
读这些数字时要注意两点。

* 论文检查过，它的普通网络并没有*梯度消失*：BN 让前向信号保持有效，论文也验证了反向梯度的
  范数是正常的（4.1 节）。上面的表格显示的是另一回事：经过一长串雅可比矩阵的乘积，普通网络的
  梯度大小会漂移，而 ResNet 的恒等路径把 $\\partial\\mathcal{L}/\\partial x_L$ 原样送到每个
  残差块。论文本身没有给出退化的确切原因（它推测深层普通网络的收敛速度呈指数级地慢）；这里
  展示的只是初始化时的一个差别，不是全部原因。
* 这里的 ResNet-56 是论文最初的（v1）网络：每次相加之后都有一个 ReLU，所以它的恒等路径并不
  完全干净，上面的公式只是近似成立。ResNet v2 去掉了这个 ReLU，于是在由恒等捷径相连的任意两个
  单元之间，公式严格成立。

**轮到你了。** 对 `"plain20"` 和 `"resnet20"` 运行 `block_gradients`。较浅的普通网络的梯度
从 x_L 回到第一个残差块时，漂移得更少吗？再看论文的图 6（左）：plain-20 … plain-56 中哪一个
的训练误差最低？"""),
    ("try", ""),
    ("answer", zh_details("""\
```python
for name in ("plain20", "resnet20"):
    g = block_gradients(name)
    print(name, rms(g["layer1.0"]) / rms(g["x_L"]))
```

是的：从 x_L 回到 `layer1.0`，plain-20 的梯度放大到大约十倍，是 18 个雅可比矩阵的乘积而
不是 54 个，而 plain-56 的梯度放大到几千倍；ResNet-20 的梯度与 x_L 处相比只差几倍。在图 6
（左）中，最浅的普通网络 plain-20 训练误差最低，每个更深的网络都更高：这就是退化。""")),
]

WHAT_34_COUNTS_ZH: list[Cell] = [
    ("md", """\
# ResNet-34 的 34 数的是什么？

ResNet-34 有 34 个“某种东西”。不是 34 个各种各样的层：它的 BN 和 ReLU 都比这多得多。在这个
notebook 里，你把网络摆在面前亲手数一遍，找出名字里的数字数的是哪些层，又漏掉了哪些层。

`explain` 追踪一个模型（不下载权重，也不在真实图片上计算），返回一个 `Architecture`。加上
`lang="zh"`，它说的一切都是中文。在 Jupyter 里它显示一张卡片，下面是网络的树形结构：点击一个
阶段或残差块可以展开或收起。"""),
    ("code", """\
from collections import Counter

from resnet_explain import explain

arch = explain("resnet34", lang="zh")
arch"""),
    ("md", """\
卡片上写着 **34 = 1 + 2×(3+4+6+3) + 1**。我们来数一数验证它。

*带权重的层*是有可学习权重、对特征做变换的层：卷积层或全连接层。ResNet-34 有多少个？"""),
    ("code", """\
weighted = [layer for layer in arch.layers if layer.weighted]
len(weighted)"""),
    ("md", """\
是 37，不是 34。有三个没有计入。是哪三个？深度数的是*主路径*上的层：从输入到输出最长的那条路，
也就是论文出发时的那个“普通”（plain）网络。"""),
    ("code", """\
[layer for layer in weighted if not layer.on_longest_path]"""),
    ("md", """\
这三个 `downsample.0` 卷积就是**投影捷径**（虚线）：步距为 2 的 1×1 卷积。当一个阶段把特征图
减半、把通道数加倍时，它们让捷径分支的形状与主路径一致。它们在主路径*旁边*，所以不会让网络
变深。

论文图中改变形状的捷径画成虚线。虚线不一定是投影：论文表 2 里的 ResNet-34 用的是*选项 A*，
即补零的恒等映射，没有参数；这里追踪的 torchvision 版本用的是*选项 B* 的投影。

再来看公式。每个基本块（BasicBlock）的主路径上有两个 3×3 卷积；四个阶段分别有 3、4、6、3
个残差块；起始层再加一个 7×7 卷积，输出头再加一个全连接层："""),
    ("code", """\
for stage in arch.stages:
    blocks, adds = len(stage.blocks), stage.weighted_on_path
    print(f"{stage.name:8} {blocks:2} 个残差块，主路径上加 {adds:2} 层")
print("合计：", sum(stage.weighted_on_path for stage in arch.stages))
print("公式：", arch.depth_formula)"""),
    ("md", """\
哪些完全不计入？所有没有可学习变换权重的层：BN（它有参数，但每个通道只有一个缩放和一个
平移）、ReLU、池化，以及捷径分支的相加："""),
    ("code", """\
Counter(layer.type for layer in arch.layers)"""),
    ("md", """\
（ReLU 出现了 33 次，虽然每个残差块只有一个 `relu` 模块：torchvision 的残差块把同一个模块
调用了两次。本工具列出每一次调用。）

## 常见误解：“conv + maxpool + 48 = 50”

有一篇讲 ResNet 的中文博客（seed 001）这样解释 ResNet-50：“该网络是由 stage 之前的两层
（conv7x7, maxpooling）和 4 个 stage（共 48 层）组成的”，即 50 = 卷积 + 最大池化 + 48。
**这是错的。** 最大池化没有权重，不计入深度。用追踪结果检查一下："""),
    ("code", """\
r50 = explain("resnet50", lang="zh")
maxpool = r50.layer("maxpool")
print("最大池化的参数个数：", maxpool.params)
print("最大池化是带权重的层吗？", maxpool.weighted)
print("公式：", r50.depth_formula)"""),
    ("md", """\
ResNet-50 的 50 是主路径上带权重的层：起始层的 1 个 7×7 卷积，16 个瓶颈结构（Bottleneck）
各 3 个卷积，再加 1 个全连接层：**50 = 1 + 3×(3+4+6+3) + 1 = 1 + 48 + 1**。48 没错，但另外
两层是 7×7 卷积和全连接层，不是最大池化。

每个阶段、残差块和层都有自己的简短描述和视图："""),
    ("code", """\
arch.stages[2]"""),
    ("code", """\
print(arch.block("conv3_1"))
print(arch.layer("layer2.0.downsample.0"))"""),
    ("md", """\
残差块也可以画成图：主路径是蓝色，捷径分支是橙色，投影捷径画成虚线。"""),
    ("code", """\
arch.diagram(block="conv3_1")"""),
    ("md", """\
## 轮到你了：ResNet-50、101、152

瓶颈结构的主路径上有**三个**卷积（1×1 降维、3×3、1×1 升维），所以公式里的因子从 2 变成 3。
运行下一个单元格之前，先预测 ResNet-50（残差块 3、4、6、3）和 ResNet-152（残差块 3、8、36、3）
的公式。"""),
    ("try", ""),
    ("answer", zh_details("""\
ResNet-50：**50 = 1 + 3×(3+4+6+3) + 1**。ResNet-152：**152 = 1 + 3×(3+8+36+3) + 1**。
起始层的卷积和全连接层各加 1；每个瓶颈结构加它的 3 个卷积。下一个单元格用追踪结果检查这两个
公式。""")),
    ("code", """\
for name in ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152"]:
    a = explain(name, lang="zh")
    print(f"{name:10} {a.depth_formula:28} 带权重的层：{a.weighted_layers:3} "
          f"（其中 {a.shortcut_projections} 个投影卷积）")"""),
    ("md", """\
ResNet-152 有 156 个带权重的层：主路径上 152 个，再加 4 个投影卷积（每个阶段一个：在瓶颈结构
网络里，连第一个阶段也需要投影，把 64 个通道变成 256 个）。

## CIFAR-10 的 ResNet：深度 = 6n + 2

对 32×32 的图片，论文用三个阶段，每个阶段 *n* 个残差块，通道数分别为 16、32、64，捷径分支
完全不需要参数（选项 A：恒等映射，多出的通道补零）。没有投影卷积，所以每个带权重的层都计入
深度："""),
    ("code", """\
for name in ["resnet20", "resnet32", "resnet56", "resnet110"]:
    a = explain(name, lang="zh")
    print(f"{name:10} {a.depth_formula:24} 带权重的层：{a.weighted_layers:3}  "
          f"参数量：{a.total_params:,}")"""),
    ("md", """\
**自己检查。** ResNet-1202 的 n = 200。它有多少个带权重的层？其中多少个在主路径上？运行
`explain("resnet1202", lang="zh")` 对比一下。"""),
    ("try", ""),
    ("answer", zh_details("""\
1202 个带权重的层，全部 1202 个都在主路径上：**1202 = 1 + 2×(200+200+200) + 1**（6n + 2，
n = 200）。它的捷径分支是选项 A，没有权重，所以深度没有漏掉任何带权重的层。""")),
    ("code", """\
explain("resnet1202", lang="zh").depth_formula"""),
]

BLOCKS_AND_SHORTCUTS_ZH: list[Cell] = [
    ("md", """\
# 残差块与捷径分支：恒等映射、投影、选项 A，v1、v1.5 与 v2

残差块计算 `F(x) + x`：一条主路径 `F`，加上一条把残差块的输入 `x` 送到相加处的捷径分支。
只有两者形状相同时才能相加。这个 notebook 看看形状不同时捷径分支要做什么，以及你会在论文和
代码里遇到的几种残差块变体。"""),
    ("code", """\
from collections import Counter

from resnet_explain import explain

r34 = explain("resnet34", lang="zh")
Counter(block.kind for block in r34.blocks)"""),
    ("md", """\
## 恒等捷径（实线）与投影捷径（虚线）

大多数残差块保持形状不变：捷径分支就是恒等映射，完全没有参数。conv3_x、conv4_x 和 conv5_x
的第一个残差块把特征图减半（步距 2），并把通道数加倍，所以它的捷径分支也必须这样做：一个步距
为 2 的 1×1 卷积，再加 BN。本工具对每个残差块都说明原因。先看一个恒等捷径的残差块：它的捷径
分支上没有层，所以表格里没有捷径分支的行。"""),
    ("code", """\
r34.block("conv2_1")"""),
    ("md", """\
再看一个投影捷径的残差块：捷径分支的行（1×1 卷积和它的 BN）带有虚线标记，也就是论文图中的
虚线。"""),
    ("code", """\
r34.block("conv3_1")"""),
    ("md", """\
投影卷积靠步距缩小特征图，而不是靠填充：K = 1、P = 0、S = 2 时，输出尺寸公式给出"""),
    ("code", """\
r34.layer("layer2.0.downsample.0").formula"""),
    ("md", """\
主路径上的 3×3 卷积用 K = 3、P = 1、S = 2 得到同样的尺寸。步距为 1 时，K = 2P + 1 保持尺寸
不变：这就是 3×3 卷积要用填充 1 的原因。"""),
    ("code", """\
for name in ["layer2.0.conv1", "layer2.0.conv2"]:
    print(name, r34.layer(name).formula)"""),
    ("md", """\
## ResNet-50 有三种残差块

在瓶颈结构网络中，conv2_x 的第一个残差块就需要投影：它的输入有 64 个通道，输出有 256 个
（最后一个 1×1 卷积升维 4 倍）。这个投影的步距是 1，只有通道数改变。"""),
    ("code", """\
r50 = explain("resnet50", lang="zh")
for block in r50.blocks[:5]:
    print(f"{block.paper_name:8} {block.kind:10} 步距 {block.stride}  {block.reason}")"""),
    ("md", """\
## 选项 A：没有参数的捷径

*选项 A* 对输入下采样，并用零补齐缺少的通道：一条没有参数的捷径（本工具把这样的残差块称为
*补零的恒等映射*：这里的补零不是卷积的填充，而是用零顶替输入所没有的那些通道）。它不是 CIFAR
专用的技巧：论文表 2 中与普通网络对比的 ResNet-34，就在每个改变形状的捷径上用它，也就是论文图中
的虚线。用这种方式构建 ResNet-34，再与 torchvision 的版本（选项 B）比较："""),
    ("code", """\
r34a = explain("resnet34", shortcut="A", lang="zh")
projections = sum(r34.layers[i].params for block in r34.blocks for i in block.shortcut_layers)
print("补零的恒等捷径：",
      [block.paper_name for block in r34a.blocks if block.kind == "padded"])
print(f"选项 B：{r34.total_params:,} 个参数，选项 A：{r34a.total_params:,} 个；"
      f"相差的 {r34.total_params - r34a.total_params:,} 个，正是 "
      f"{r34.shortcut_projections} 个投影卷积所含的参数（{projections:,}）")"""),
    ("md", """\
所以选项 A 的 ResNet-34 与 34 层普通网络的参数完全相同：捷径分支一个参数也没加。论文的 CIFAR-10
网络也用选项 A，所以它们完全没有投影卷积："""),
    ("code", """\
r20 = explain("resnet20", lang="zh")
r20.block("conv3_1")"""),
    ("code", """\
block = r20.block("conv3_1")
print(block.kind, "-", block.reason)
print("捷径分支上的参数：", sum(r20.layers[i].params for i in block.shortcut_layers))"""),
    ("md", """\
### 常见误解：“identity 的卷积核应为 3x3”

seed 002 写道：“identity 的卷积核大小应为 3x3，为了保证 residual 前后的 shape 一致”。上面
已经看到，恒等捷径（实线）根本没有卷积，选项 A 的捷径也没有；只有投影捷径（虚线）有卷积，而且是
**1×1** 卷积。形状一致靠的是步距和通道数，不是 3×3 的卷积核。

## v1 与 v1.5：步距放在哪里？

论文（v1）把下采样瓶颈结构的步距 2 放在它的*第一个* 1×1 卷积上。torchvision（以及今天的大多数
代码）把它放在 3×3 卷积上，即“v1.5”。"""),
    ("code", """\
v1 = explain("resnet50-v1", lang="zh")
for arch in (v1, r50):
    block = arch.block("conv3_1")
    strided = [arch.layers[i].name for i in block.main_layers if arch.layers[i].stride == (2, 2)]
    print(f"{arch.model:12} 步距 2 在 {strided} 上，{arch.macs / 1e9:.2f} G 次乘加")"""),
    ("md", """\
v1.5 的计算量更大。是哪个卷积多算了？先猜一猜，再运行下一个单元格：它逐层比较两次追踪中每个
下采样残差块主路径上的卷积。表格下面的句子由表格中追踪到的数字生成。"""),
    ("code", """\
from resnet_explain.analysis.stridemove import compare_layouts

compare_layouts(v1, r50)"""),
    ("md", """\
不是 3×3 卷积：两种布局下它的输出尺寸相同，所以计算量也相同。多算的是第一个 1×1 卷积：在 v1.5
中它在残差块完整的输入特征图上运行。v1.5 用这些计算换来的是准确率：v1 中步距为 2 的 1×1 卷积
丢掉了还没有任何卷积看过的输入位置。"""),
    ("md", """\
两张结构图并排（不需要系统里装 Graphviz）："""),
    ("code", """\
r50.diagram(block="conv3_1", compare=v1)"""),
    ("md", """\
## v2：预激活

ResNet v2 把 BN 和 ReLU 移到每个卷积*之前*（BN → ReLU → 卷积），于是捷径分支加到的是一个没有
经过 ReLU 的和。在追踪结果中可以看到的后果：投影卷积读取的是*预激活*之后的输入；最后一个单元之后
多了一组 BN + ReLU（`postnorm`），因为离开它的和从未被归一化过。"""),
    ("code", """\
v2 = explain("resnet18-v2", lang="zh")
block = v2.block("conv3_1")
[v2.layers[i].name for i in block.layers]"""),
    ("code", """\
[v2.layers[i].name for i in v2.stages[-1].layers]"""),
    ("md", """\
第一个单元是特例，而且取决于约定。v2 论文的附录在 conv1 之后、分支之前就做激活：conv1 *后面*
跟着 BN + ReLU，第一个单元没有自己的预激活，它的恒等捷径携带的是激活后的特征图。模型库就是这样
构建的。kuangliu 的 `PreActResNet`、TF-slim 的 `resnet_v2` 和 timm 的 `resnetv2` 则让 conv1
后面什么都不接：它们的第一个单元自己对输入做预激活，它的恒等捷径携带的是 conv1 未经归一化的
输出。两种做法的参数相同（BN 只是换了位置）。"""),
    ("code", """\
print([v2.layers[i].name for i in v2.stages[0].layers])  # conv1，然后是它的 BN 和 ReLU
print([v2.layers[i].name for i in v2.block("conv2_1").layers])  # 没有自己的 bn1
print([v2.layers[i].name for i in v2.block("conv2_2").layers])  # 和其他单元一样"""),
    ("md", """\
**自己检查。** v2 改变深度吗？比较 `v2.depth_formula` 和
`explain("resnet18", lang="zh").depth_formula`，并解释原因。"""),
    ("try", ""),
    ("answer", zh_details("""\
不改变：两者都是 **18 = 1 + 2×(2+2+2+2) + 1**。v2 把 BN 和 ReLU 移到每个卷积之前，而深度两者
都不计；卷积和全连接层还是那 21 个带权重的层，其中 3 个是主路径旁边的投影卷积。""")),
    ("code", """\
v2.depth_formula, explain("resnet18", lang="zh").depth_formula"""),
]

CHECK_YOUR_OWN_ZH: list[Cell] = [
    ("md", """\
# 检查你自己的 ResNet

一位同学在上一级文件夹的 `student_resnet.py` 里写了一个 ResNet-18。它能运行，也能训练，但它
不是 ResNet-18：里面有五个真实代码（和博客）里常见的错误。本工具从追踪到的数据流中找出每一个
错误，并说明它为什么重要。最后是几个让模型根本无法运行的错误，以及它们给出的报错。

这是同学写的残差块："""),
    ("code", """\
import inspect
import sys

sys.path.insert(0, "..")  # student_resnet.py 在上一级文件夹
import student_resnet

from resnet_explain import explain

print(inspect.getsource(student_resnet.Block))"""),
    ("md", """\
`explain` 接受一个模型对象，或者一个 `"文件.py:类名"` 形式的说明；命令行上同样可以用：
`resnet-explain summary student_resnet.py:StudentResNet --lang zh`。"""),
    ("code", """\
arch = explain("../student_resnet.py:StudentResNet", input_size=(3, 224, 224), lang="zh")
arch"""),
    ("md", """\
深度是对的（18 = 1 + 2×(2+2+2+2) + 1），但它是 ResNet-18 吗？`compare` 按结构把它与参考
模型对齐（起始层、各阶段、残差块、按角色和位置对应的层、输出头），列出每一处不同，说明它改变了
什么，以及参考模型为什么那样做。不给参数时，它挑选最接近的模型并说明理由："""),
    ("code", """\
comparison = arch.compare()
comparison"""),
    ("md", """\
## 1. 没有填充的最大池化：56 变成 55

起始层的 7×7 卷积把 224 减半为 112，3×3 最大池化应该再减半为 56。没有 `padding=1`，输出尺寸
公式给出的是 55："""),
    ("code", """\
arch.layer("maxpool")"""),
    ("md", """\
下采样应该靠步距完成，K = 2P + 1 让算术恰好整除：`nn.MaxPool2d(3, 2, padding=1)`。

## 2. BN 前面的偏置

BN 会减去每个通道的均值，所以紧挨在它前面加上的常数会被抵消：这些参数毫无作用。这个卷积比
需要的多了 64 个参数："""),
    ("code", """\
conv = arch.layer("layer1.0.conv1")
conv.params, 3 * 3 * 64 * 64"""),
    ("md", """\
## 3. 捷径分支上的 ReLU

捷径分支应该是恒等映射（实线），形状改变时是 1×1 卷积 + BN（虚线）。在捷径分支上加 ReLU 会
改变被加回去的内容。展开这个残差块：捷径分支的行用虚线标出。"""),
    ("code", """\
arch.block("conv3_1")"""),
    ("md", """\
### 常见误解：“identity 的卷积核应为 3x3”

另一篇中文博客（seed 002）写道：“identity 的卷积核大小应为 3x3，为了保证 residual 前后的
shape 一致”。**这是错的。** 恒等捷径（实线）根本没有卷积：它把输入 x 原样加到主路径的输出上，
没有参数。只有形状改变时才需要投影捷径（虚线），而它用的是 **1×1** 卷积（下采样时步距 2，
填充 0），不是 3×3。用参考模型 ResNet-18 检查："""),
    ("code", """\
resnet18 = explain("resnet18", lang="zh")
identity, projection = resnet18.block("conv3_2"), resnet18.block("conv3_1")
print("恒等捷径", identity.paper_name, "捷径分支上的层：", identity.shortcut_layers)
for index in projection.shortcut_layers:
    layer = resnet18.layers[index]
    print("投影捷径", projection.paper_name, layer.name, layer.type, "卷积核", layer.kernel_size,
          "步距", layer.stride, "填充", layer.padding)"""),
    ("md", """\
恒等捷径上没有任何层；投影捷径是一个 1×1、步距 2、填充 0 的卷积加一个 BN。并排画出来：
左边恒等捷径是实线，右边投影捷径是虚线，穿过 1×1 卷积。"""),
    ("code", """\
resnet18.diagram(block="conv3_1")"""),
    ("md", """\
## 4. 同一个 BN 用了两次

`self.bn2` 在相加之前运行一次，相加之后又运行一次：两个不同的张量共用一套滑动统计量。追踪
结果显示这个模块被调用了两次："""),
    ("code", """\
[layer for layer in arch.layers if layer.name == "layer1.0.bn2"]"""),
    ("md", """\
## 5. 全连接层前没有全局池化

步距为 1 的平均池化保留了 7×7 的特征图，所以全连接层看到 7·7·512 = 25,088 个数：2500 万个
参数，占整个模型的三分之二。全局平均池化（`nn.AdaptiveAvgPool2d(1)`）只留下 512 个。"""),
    ("code", """\
arch.layer("fc")"""),
    ("md", """\
## 全部改正

`StudentResNet(mistakes=False)` 是改正了这五处的同一份代码。没有警告，参数量与参考模型
ResNet-18 完全一致："""),
    ("code", """\
fixed = explain(student_resnet.StudentResNet(mistakes=False), lang="zh")
reference = explain("resnet18", lang="zh")
assert fixed.total_params == reference.total_params
assert fixed.compare("resnet18").matches
fixed.warnings, fixed.total_params, reference.total_params"""),
    ("md", """\
## 6. 把残差块个数当成了通道数

一篇博客的 `_make_layer` 把 `blocks`（这个阶段有几个残差块）传到了本该传 `planes`（有多少个
卷积核）的地方。于是 layer1 的第一个残差块只有 2 个卷积核而不是 64 个，而下一个为 64 个输入
通道构建的残差块收到的是 2 个通道。这个模型无法运行，报错会指出问题在哪里："""),
    ("code", """\
print(inspect.getsource(student_resnet.CountAsWidthResNet._make_layer))"""),
    ("error", """\
explain(student_resnet.CountAsWidthResNet(), lang="zh")"""),
    ("md", """\
从里往外读这个报错：`layer1.1.conv1` 是为 64 个输入通道构建的，却收到了 2 个。把它改成接收
2 个通道只会掩盖错误，而不是改正它。要问的是 2 从哪里来：来自 `layer1.0`，它的宽度是
`blocks`（2）而不是 `planes`（64）。该改的是 `_make_layer`，而不是报错的那一层。"""),
    ("md", """\
## 7. 需要投影的捷径

这个残差块就是同学的 `Block` 去掉了投影（`self.downsample = None`）。它把通道数加倍
（16 → 32），并用第一个卷积把特征图减半，但捷径分支仍是恒等映射：它要把 16 通道、32×32 的
输入加到 32 通道、16×16 的输出上。相加无法进行；捷径分支需要投影（步距 2 的 1×1 卷积加 BN，
即选项 B），或者选项 A 的补零。"""),
    ("code", """\
print(inspect.getsource(student_resnet.NoShortcutProjectionBlock))"""),
    ("error", """\
explain(student_resnet.NoProjectionNet(), input_size=(3, 32, 32), lang="zh")"""),
    ("md", """\
第一句是 PyTorch 自己的话（两个张量的尺寸必须一致，原文是英文）；其余是这一课：哪个残差块、
哪两个形状、捷径分支需要什么。

## 8. 把灰度图输入 RGB 网络

MNIST 和 Fashion-MNIST 的图片只有一个通道；ResNet-18 的第一个卷积是为三个通道（红、绿、蓝）
构建的："""),
    ("error", """\
explain("resnet18", input_size=(1, 28, 28), lang="zh")"""),
    ("md", """\
`conv1` 直接读取模型的输入，所以它前面没有哪一层该负责：问题出在输入上。要么输入三个通道（把
同一张灰度图重复三次，`x.repeat(1, 3, 1, 1)`），要么像《动手学深度学习》处理 Fashion-MNIST
那样，把第一个卷积构建为一个输入通道："""),
    ("code", """\
from torch import nn

from resnet_explain.zoo import build

gray = build("resnet18")
gray.conv1 = nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3, bias=False)
explain(gray, input_size=(1, 28, 28), lang="zh")"""),
    ("md", """\
用 PIL 或 NumPy 读入的图片（`np.asarray(Image.open(path))`）通道在最后：224 × 224 × 3，
即高 × 宽 × 颜色。直接这样给出："""),
    ("error", """\
explain("resnet18", input_size=(224, 224, 3), lang="zh")"""),
    ("md", """\
三个通道都在，只是位置不对。PyTorch 的层要求通道在前（N × C × H × W），所以 NumPy 图片要
用 `torch.from_numpy(image).permute(2, 0, 1)` 变成张量；torchvision 的 `ToTensor()` 做的是
同一件事。"""),
    ("md", """\
有些网络自己添加通道维：一个手写数字分类器直接接收一个批次的 28 × 28 数组，即 N × H × W，在
forward 开头用 `x.unsqueeze(1)` 加上通道维。按批次到来时的样子给出它的尺寸。`explain` 先按常规
方式理解这个尺寸（这里是：一张 8 个通道的图片）；当那样的 forward 失败、而另一种理解能让每个
卷积都拿到一个批次时，卡片下面的说明会指出它用的是哪种理解："""),
    ("code", DIGIT_NET + """explain(DigitNet(), input_size=(8, 28, 28), lang="zh")"""),
    ("md", """\
## 9. 检查点文件：只有权重，没有 forward

训练之后，网络保存为一个权重文件：`torch.save(model.state_dict(), path)`。`explain` 也能读
这样的文件。文件里有每个张量的名字和形状，`explain` 寻找恰好具有这些张量的那一个模型库模型。
保存改好的学生网络，再解释这个文件："""),
    ("code", """\
import tempfile
from pathlib import Path

import torch

folder = Path(tempfile.mkdtemp())
torch.save(student_resnet.StudentResNet(mistakes=False).state_dict(), folder / "student.pth")
explain(folder / "student.pth", lang="zh")"""),
    ("md", """\
卡片下面的说明指出是哪个模型：ResNet-18，张量一一对应。但权重文件里没有 forward，没有步距、
填充和池化，所以只在这些地方不同的两个网络保存出来的文件是一样的。ResNet-50 的 v1 和 v1.5
只差在下采样残差块中哪个卷积的步距为 2："""),
    ("error", """\
torch.save(build("resnet50").state_dict(), folder / "resnet50.pth")
explain(folder / "resnet50.pth", lang="zh")"""),
    ("md", """\
`explain` 不去猜：这个文件两者都有可能。请说明它训练时是哪个模型（torchvision 和 timm 的权重用
`explain("resnet50", lang="zh")`），或者给出构建它的代码。"""),
    ("md", """\
## 10. 放在普通 Python 列表里的层

列表适合放数字，不适合放层：PyTorch 不会去看列表里面。下面这两个卷积在 forward 中会运行，但
模型并没有*注册*它们："""),
    ("code", TWO_CONVS.replace("# a plain list by default", "# 默认是普通列表")
     + """explain(small_net(), input_size=(3, 32, 32), lang="zh")"""),
    ("md", """\
`model.parameters()` 里没有它们，所以用它构建的优化器永远不会训练它们，`.to("cuda")` 把它们
留在 CPU 上，`state_dict()` 也不保存它们。`nn.ModuleList` 会注册它们：多出 4,640 个参数，
不再有警告。"""),
    ("code", """\
[sum(p.numel() for p in small_net(registered).parameters()) for registered in (False, True)]"""),
    ("md", """\
**轮到你了。** 给 `NoShortcutProjectionBlock` 加上它需要的捷径：对 16 → 32 个通道、步距 2，
`self.downsample` 里应该放什么？然后再运行一次 `explain`。改好的网络有多少个带权重的层？
其中多少个计入深度？"""),
    ("try", ""),
    ("answer", zh_details("""\
一个步距 2、从 16 到 32 个通道的 1×1 卷积，再加一个 BN（选项 B），和 `Block` 在形状改变时
构建的一样：

```python
from torch import nn

net = student_resnet.NoProjectionNet()
net.layer2.downsample = nn.Sequential(nn.Conv2d(16, 32, 1, stride=2, bias=False),
                                      nn.BatchNorm2d(32))
fixed = explain(net, input_size=(3, 32, 32), lang="zh")
fixed.weighted_layers, fixed.plain_depth
```

7 个带权重的层，其中 6 个计入深度：投影卷积在主路径旁边，不会让网络变深。注意它是 1×1
卷积，不是 3×3。""")),
]


DERIVE_BY_HAND_ZH: list[Cell] = [
    ("md", """\
# 亲手推导：尺寸、感受野、参数量、计算量

本工具会打印出每一个数字；这个 notebook 用课堂上讲的公式，一步一步推导其中重要的几个，并用
工具追踪到的数值来检验。下面每个 `assert` 都把手算结果与追踪结果作比较。

## 用输出尺寸公式推导特征图尺寸

卷积核为 K、步距为 S、填充为 P 的卷积或池化，把尺寸为 *in* 的特征图变成
⌊(in + 2P − K)/S⌋ + 1（PyTorch 的公式，膨胀率为 1）。ResNet-18 的特征图只在主路径上那些
步距大于 1 的层处缩小："""),
    ("code", """\
from resnet_explain import explain

r18 = explain("resnet18", lang="zh")


def out_size(size, kernel, stride, padding):
    \"\"\"PyTorch 的输出尺寸公式，膨胀率为 1：⌊(in + 2P − K)/S⌋ + 1。\"\"\"
    return (size + 2 * padding - kernel) // stride + 1


size = r18.input_shape[-1]
sizes = [size]
for layer in r18.layers:
    if layer.on_longest_path and layer.kernel_size and layer.stride[0] > 1:
        k, s, p = layer.kernel_size[0], layer.stride[0], layer.padding[0]
        new = out_size(size, k, s, p)
        print(f"{layer.name:15} K={k} S={s} P={p}:  ⌊({size} + 2·{p} − {k})/{s}⌋ + 1 = {new}")
        assert new == layer.output_shape[-1]  # 与追踪结果一致
        size = new
        sizes.append(size)
print(" → ".join(map(str, sizes)))"""),
    ("md", """\
在这些层之间，每个 3×3 卷积的 S = 1、P = 1，K = 2P + 1 保持尺寸不变："""),
    ("code", """\
conv = r18.layer("layer3.1.conv1")
k, s, p = conv.kernel_size[0], conv.stride[0], conv.padding[0]
size = conv.input_shapes[0][-1]
print(f"{conv.name}: ⌊({size} + 2·{p} − {k})/{s}⌋ + 1 = {out_size(size, k, s, p)}")
assert out_size(size, k, s, p) == conv.output_shape[-1] == size"""),
    ("md", """\
## 一步一步推导 ResNet-18 的感受野

一层的感受野 *r* 是它输出的一个位置（沿一条边）能看到多少个输入像素；*跳跃* *j* 是相邻两个
输出位置所看的地方在输入上相隔多少像素。输入处 r = 1、j = 1，卷积核为 k、步距为 s 的层把它们
变为

* r_out = r_in + (k − 1)·j_in：卷积核多覆盖 k − 1 个位置，每个相隔 j_in 个像素；
* j_out = j_in·s：步距把位置之间的距离乘以 s。

BN 和 ReLU 两者都不改变。残差块的相加取两个分支中较大的感受野，也就是主路径的，因为捷径分支
是恒等映射或 1×1 投影。所以沿最长路径依次走过卷积和池化，把工具给出的值
（`layer.receptive_field`）放在每一步旁边："""),
    ("code", """\
r, j = 1, 1
print(f"{'层':15} {'k':>2} {'s':>2}  r_out = r_in + (k−1)·j_in  j_out   工具")
for layer in r18.layers:
    if not (layer.on_longest_path and layer.kernel_size):
        continue
    k, s = layer.kernel_size[0], layer.stride[0]
    step = f"{r:3} + {k - 1}·{j:<2} = {r + (k - 1) * j:3}"
    r, j = r + (k - 1) * j, j * s
    field = layer.receptive_field
    print(f"{layer.name:16} {k:>2} {s:>2}  {step:24} {j:5}   {field.label}")
    assert (r, j) == (field.size[0], field.jump[0])  # 与工具一致
image = r18.input_shape[-1]
bigger = "大" if r > image else "小"
print(f"ResNet-18 的最后一个卷积能看到 {r}×{r} 个像素，比 {image}×{image} 的图片还{bigger}："
      "它边缘的位置看到的是填充。")"""),
    ("md", """\
注意感受野在哪里增长得最快：每个 3×3 卷积增加 2·j_in，所以在跳跃最大的最后一个阶段增长得最多。

## 基本块与瓶颈结构：计算量相近

论文的图 5 把 ResNet-34 的基本块（3×3、3×3）和 ResNet-50 的瓶颈结构（1×1 降维、3×3、1×1
升维，特征图通道更多）并排放在一起，说两者的*时间复杂度相近*。卷积的权重个数是
k·k·C_in·C_out（BN 前面的卷积没有偏置）；数一数两个网络中 conv2_x 的一个恒等捷径残差块："""),
    ("code", """\
r34, r50 = explain("resnet34", lang="zh"), explain("resnet50", lang="zh")
cost = {}
for arch in (r34, r50):
    block = arch.block("conv2_2")  # 恒等捷径的残差块：捷径分支上没有投影
    convs = [arch.layers[i] for i in block.main_layers if arch.layers[i].weighted]
    terms = [f"{c.kernel_size[0]}·{c.kernel_size[1]}·{c.in_channels}·{c.out_channels}"
             for c in convs]
    weights = sum(c.kernel_size[0] * c.kernel_size[1] * c.in_channels * c.out_channels
                  for c in convs)
    assert weights == sum(c.params for c in convs)  # 与追踪结果一致
    side = convs[0].output_shape[-1]
    cost[arch.model] = (weights, sum(c.macs for c in convs), block.input_shape[1])
    print(f"{arch.model} {block.paper_name}：{' + '.join(terms)} = {weights:,} 个权重；"
          f"× {side}·{side} 个位置 = {cost[arch.model][1]:,} 次乘加")"""),
    ("code", """\
(basic, basic_macs, basic_width), (bottle, bottle_macs, bottle_width) = cost.values()
print(f"瓶颈结构处理的通道数是基本块的 {bottle_width // basic_width} 倍"
      f"（{bottle_width} 对 {basic_width}），权重 {bottle:,} 个，基本块 {basic:,} 个"
      f"（{(bottle / basic - 1) * 100:+.1f} %）；乘加次数 {bottle_macs:,} 对 {basic_macs:,}。")"""),
    ("md", """\
1×1 卷积很便宜：它们在 3×3 卷积之前压缩通道，之后再恢复。正因如此，论文才能让
ResNet-50/101/152 比 ResNet-34 更深，而每个残差块的计算量相近。

## v1 与 v1.5：多出的乘加次数从哪里来

在下采样的瓶颈结构（conv3_1、conv4_1、conv5_1）中，论文（v1）把步距 2 放在第一个 1×1 卷积上；
torchvision（v1.5）把它放在 3×3 卷积上。卷积的乘加次数等于它的权重个数乘以输出位置数，所以在
两次追踪中比较每个下采样残差块的三个卷积："""),
    ("code", """\
v1, v15 = explain("resnet50-v1", lang="zh"), explain("resnet50", lang="zh")
extra = {}
for name in ("conv3_1", "conv4_1", "conv5_1"):
    pairs = zip(*[[arch.layers[i] for i in arch.block(name).main_layers
                   if arch.layers[i].weighted] for arch in (v1, v15)])
    extra[name] = 0
    for a, b in pairs:
        side_a, side_b = a.output_shape[-1], b.output_shape[-1]
        print(f"{name} {a.name:17} v1 {a.macs:>11,}（S{a.stride[0]}，输出 {side_a}²）  "
              f"v1.5 {b.macs:>11,}（S{b.stride[0]}，输出 {side_b}²）  Δ {b.macs - a.macs:+,}")
        extra[name] += b.macs - a.macs"""),
    ("md", """\
手算：第一个 1×1 卷积有 C_in·C_out 个权重；在 v1.5 中它在残差块的输入尺寸 H_in² 上运行，在
v1 中在减半后的尺寸 (H_in/2)² 上运行。3×3 卷积的输出在两种布局中都减半了，所以计算量相同："""),
    ("code", """\
for name in extra:
    first = v15.layers[v15.block(name).main_layers[0]]
    c_in, c_out = first.in_channels, first.out_channels
    h = first.input_shapes[0][-1]
    by_hand = c_in * c_out * (h * h - (h // 2) * (h // 2))
    print(f"{name}: {c_in}·{c_out}·({h}² − {h // 2}²) = {by_hand:,}")
    assert by_hand == extra[name]  # 与追踪结果一致
total = sum(extra.values())
assert total == v15.macs - v1.macs
print(f"合计：{total:,} = {v15.macs:,} − {v1.macs:,} 次乘加"
      f"（{v1.macs / 1e9:.2f} G → {v15.macs / 1e9:.2f} G）。")"""),
    ("md", """\
为什么值得多算？步距为 2 的 1×1 卷积只读取它的窗口落到的位置；这些位置之间的像素根本到不了
残差块的主路径："""),
    ("code", """\
from fractions import Fraction

first_v1 = v1.layers[v1.block("conv3_1").main_layers[0]]
read = first_v1.output_shape[-1] * first_v1.output_shape[-2]
seen = first_v1.input_shapes[0][-1] * first_v1.input_shapes[0][-2]
unread = Fraction(seen - read, seen)
print(f"v1 的 {first_v1.name}（1×1，步距 {first_v1.stride[0]}）只读取了输入的 {seen:,} 个位置中的 "
      f"{read:,} 个：每 {unread.denominator} 个位置就有 {unread.numerator} 个从未被读取。")"""),
    ("md", """\
在 v1.5 中由 3×3 卷积承担步距，它的窗口互相重叠：每个输入位置都会被读到。torchvision 关于
“ResNet V1.5”的注释把准确率的提升归功于这一改动（它引用了 NVIDIA 的测量），代价就是上面那些
乘加次数。

**轮到你了。** 用同样的方法推导 CIFAR 版 ResNet-20 的感受野（输入 32×32，起始层是一个 3×3
卷积，没有最大池化；三个阶段，每个阶段三个基本块，第 2、3 阶段的第一个卷积步距为 2），然后用
`explain("resnet20", lang="zh")` 检验。"""),
    ("try", ""),
    ("answer", zh_details("""\
**81**，用 r_out = r_in + (k − 1)·j_in 和 j_out = j_in·s：

| 层 | r | j |
|---|---|---|
| 起始层的 3×3 | 1 + 2·1 = 3 | 1 |
| conv2_x：六个 3×3，步距 1 | 3 + 6·2·1 = 15 | 1 |
| conv3_1 的第一个 3×3，步距 2 | 15 + 2·1 = 17 | 2 |
| 再五个 3×3 | 17 + 5·2·2 = 37 | 2 |
| conv4_1 的第一个 3×3，步距 2 | 37 + 2·2 = 41 | 4 |
| 再五个 3×3 | 41 + 5·2·4 = 81 | 4 |

选项 A 的捷径（下采样加补零通道）不扩大感受野，所以最后一个残差块的 81 就是整个网络的：
`explain("resnet20", lang="zh").layer("layer3.2.conv2").receptive_field`。""")),
]


#: The Chinese notebooks, written to notebooks/zh/ from the cells above.
NOTEBOOKS_ZH_CELLS: dict[str, list[Cell]] = {
    "00_why_residual.ipynb": WHY_RESIDUAL_ZH,
    "01_what_does_34_count.ipynb": WHAT_34_COUNTS_ZH,
    "02_blocks_and_shortcuts.ipynb": BLOCKS_AND_SHORTCUTS_ZH,
    "03_check_your_own_resnet.ipynb": CHECK_YOUR_OWN_ZH,
    "04_derive_it_by_hand.ipynb": DERIVE_BY_HAND_ZH,
}


def build(cells: list[Cell]) -> nbformat.NotebookNode:
    """A notebook without outputs; "error" cells are code cells tagged raises-exception.

    After a "Your turn" or "Check yourself" cell come a "try" cell (an empty code cell for
    the student) and an "answer" cell (Markdown, hidden in ``<details>``); their ids follow
    the cell they answer (``cell-13-try``), so the other cells keep their numbers."""
    notebook = new_notebook()
    notebook.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    number, cell_id = 0, ""
    for kind, source in cells:
        if kind in ("try", "answer"):
            notebook.cells.append(new_code_cell("", id=f"{cell_id}-try") if kind == "try" else
                                  new_markdown_cell(source, id=f"{cell_id}-answer"))
            continue
        cell_id = f"cell-{number:02d}"
        number += 1
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


def all_notebooks() -> dict[str, list[Cell]]:
    """Every notebook by its path under ``notebooks/``: the English ones, then ``zh/…``."""
    return {**NOTEBOOKS_CELLS, **{f"zh/{name}": cells for name, cells in
                                  NOTEBOOKS_ZH_CELLS.items()}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if a committed notebook differs from its cells here")
    args = parser.parse_args(argv)
    stale = []
    for name, cells in all_notebooks().items():
        path = NOTEBOOKS / name
        wanted = text(cells)
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != wanted:
                stale.append(name)
            continue
        path.parent.mkdir(exist_ok=True)
        path.write_text(wanted, encoding="utf-8")
        print(f"wrote notebooks/{name}")
    if stale:
        print(f"stale: {', '.join(stale)}; run python scripts/make_notebooks.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
