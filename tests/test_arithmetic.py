"""The output-size formula and the MAC counts, held against PyTorch itself."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from resnet_explain.analysis.arithmetic import (
    conv_macs,
    linear_macs,
    output_size,
    same_padding,
    size_checks,
    transposed_conv_macs,
    transposed_output_size,
)


@st.composite
def conv_configs(draw):
    kernel = draw(st.integers(1, 7))
    dilation = draw(st.integers(1, 3))
    padding = draw(st.integers(0, 3))
    stride = draw(st.integers(1, 4))
    # PyTorch refuses an effective kernel larger than the padded input; keep inputs valid.
    smallest = max(1, dilation * (kernel - 1) + 1 - 2 * padding)
    size = draw(st.integers(smallest, smallest + 40))
    return size, kernel, stride, padding, dilation


@settings(max_examples=150, deadline=None)
@given(conv_configs())
def test_conv_formula_equals_pytorch(config):
    size, kernel, stride, padding, dilation = config
    conv = nn.Conv2d(1, 1, kernel, stride=stride, padding=padding, dilation=dilation)
    out = conv(torch.zeros(1, 1, size, size + 1)).shape
    assert out[2] == output_size(size, kernel, stride, padding, dilation)
    assert out[3] == output_size(size + 1, kernel, stride, padding, dilation)


@settings(max_examples=150, deadline=None)
@given(conv_configs(), st.booleans())
def test_max_pool_formula_equals_pytorch(config, ceil_mode):
    size, kernel, stride, padding, dilation = config
    padding = min(padding, kernel // 2)  # PyTorch: pad at most half the kernel
    size = max(size, dilation * (kernel - 1) + 1 - 2 * padding)
    pool = nn.MaxPool2d(kernel, stride, padding, dilation=dilation, ceil_mode=ceil_mode)
    out = pool(torch.zeros(1, 1, size, size)).shape[2]
    assert out == output_size(size, kernel, stride, padding, dilation, ceil_mode)


@settings(max_examples=100, deadline=None)
@given(conv_configs(), st.booleans())
def test_avg_pool_formula_equals_pytorch(config, ceil_mode):
    size, kernel, stride, padding, _ = config
    padding = min(padding, kernel // 2)
    size = max(size, kernel - 2 * padding)
    pool = nn.AvgPool2d(kernel, stride, padding, ceil_mode=ceil_mode)
    out = pool(torch.zeros(1, 1, size, size)).shape[2]
    assert out == output_size(size, kernel, stride, padding, 1, ceil_mode)


def test_the_seeds_worked_examples():
    # Stem: 224 → 112 (7x7, S2, P3) → 56 (3x3 max-pool, S2, P1); without padding 56 becomes 55.
    assert output_size(224, 7, 2, 3) == 112
    assert output_size(112, 3, 2, 1) == 56
    assert output_size(112, 3, 2, 0) == 55
    # With S = 1, K = 2P + 1 keeps the size; K = 3, P = 1, S = 2 halves it.
    for size in (14, 28, 56, 112):
        assert output_size(size, 3, 1, 1) == size
        assert output_size(size, 3, 2, 1) == size // 2


def test_derivation_text():
    check = size_checks((112, 112), (56, 56), (3, 3), (2, 2), (1, 1), (1, 1))[0]
    assert check.derivation == "56 = ⌊(112 + 2·1 − 3)/2⌋ + 1"
    assert check.ok
    bad = size_checks((112, 112), (55, 55), (3, 3), (2, 2), (1, 1), (1, 1))[0]
    assert not bad.ok and "≠ traced 55" in bad.derivation
    dilated = size_checks((20, 20), (16, 16), (3, 3), (1, 1), (0, 0), (2, 2))[0]
    assert dilated.derivation == "16 = ⌊(20 − 2·(3−1) − 1)/1⌋ + 1"
    assert dilated.expected == 16


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 8), st.integers(1, 8), st.integers(1, 4), st.integers(1, 3),
       st.integers(3, 12), st.sampled_from([1, 3]))
def test_conv_macs_equal_a_count_of_multiplications(cin_per_group, cout_per_group, groups,
                                                    stride, size, kernel):
    """A MAC per weight per output position: count them with torch's own conv on ones."""
    cin, cout = cin_per_group * groups, cout_per_group * groups
    conv = nn.Conv2d(cin, cout, kernel, stride=stride, padding=kernel // 2, groups=groups,
                     bias=False)
    nn.init.ones_(conv.weight)
    out = conv(torch.ones(2, cin, size, size))
    # With all-ones inputs and weights, every output value is the number of products that
    # made it (padding contributes zeros, so sum only where the window is fully inside).
    interior = conv(torch.ones(2, cin, size + 2 * kernel, size + 2 * kernel)).amax()
    assert interior == kernel * kernel * cin_per_group
    expected = int(interior) * out.shape[1] * out.shape[2] * out.shape[3] * out.shape[0]
    assert conv_macs((kernel, kernel), cin, cout, groups, tuple(out.shape)) == expected


def test_linear_macs():
    assert linear_macs(2048, 1000, (1, 1000)) == 2_048_000
    assert linear_macs(2048, 1000, (4, 1000)) == 4 * 2_048_000


@st.composite
def transposed_configs(draw):
    kernel = draw(st.integers(1, 6))
    dilation = draw(st.integers(1, 3))
    stride = draw(st.integers(1, 4))
    padding = draw(st.integers(0, 3))
    # PyTorch: output_padding must be smaller than the stride or the dilation.
    output_padding = draw(st.integers(0, max(stride, dilation) - 1))
    size = draw(st.integers(1, 20))
    return size, kernel, stride, padding, dilation, output_padding


@settings(max_examples=200, deadline=None)
@given(transposed_configs())
def test_transposed_conv_formula_equals_pytorch(config):
    """out = (in − 1)·S − 2P + D·(K − 1) + output_padding + 1, or PyTorch refuses (< 0)."""
    size, kernel, stride, padding, dilation, output_padding = config
    conv = nn.ConvTranspose2d(1, 1, kernel, stride, padding, output_padding,
                              dilation=dilation)
    expected = transposed_output_size(size, kernel, stride, padding, dilation, output_padding)
    wide = transposed_output_size(size + 1, kernel, stride, padding, dilation, output_padding)
    try:
        out = conv(torch.zeros(1, 1, size, size + 1)).shape
    except RuntimeError:  # PyTorch refuses a negative size (and, on some paths, a 0)
        assert expected <= 0 or wide <= 0
        return
    assert (out[2], out[3]) == (expected, wide)
    checks = size_checks((size, size + 1), (out[2], out[3]), (kernel, kernel), (stride, stride),
                         (padding, padding), (dilation, dilation), transposed=True,
                         output_padding=(output_padding, output_padding))
    assert all(check.ok for check in checks)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4), st.integers(1, 3),
       st.integers(1, 3), st.integers(3, 9))
def test_transposed_conv_macs_equal_a_count_of_multiplications(cin_per_group, cout_per_group,
                                                              groups, stride, kernel, size):
    """Every input value times every weight of its group: count the products with a
    transposed conv of ones on ones, where each output value is the number that reached it."""
    cin, cout = cin_per_group * groups, cout_per_group * groups
    conv = nn.ConvTranspose2d(cin, cout, kernel, stride=stride, groups=groups, bias=False)
    nn.init.ones_(conv.weight)
    x = torch.ones(2, cin, size, size)
    out = conv(x)
    assert transposed_conv_macs((kernel, kernel), cin, cout, groups, tuple(x.shape)) == \
        int(out.sum())


@st.composite
def same_configs(draw):
    kernel = draw(st.integers(1, 7))
    dilation = draw(st.integers(1, 3))
    size = draw(st.integers(1, 30))
    return size, kernel, dilation


@settings(max_examples=150, deadline=None)
@given(same_configs())
def test_same_padding_is_asymmetric_where_pytorch_pads_so(config):
    """``padding="same"`` pads D·(K−1) in all: total // 2 at the start, the rest at the end.
    Held against PyTorch's output size and against its values (an explicit F.pad)."""
    size, kernel, dilation = config
    conv = nn.Conv2d(1, 1, kernel, padding="same", dilation=dilation, bias=False)
    x = torch.randn(1, 1, size, size + 2)
    with torch.no_grad():
        out = conv(x)
        start, end = same_padding(kernel, dilation)
        explicit = F.conv2d(F.pad(x, (start, end, start, end)), conv.weight, dilation=dilation)
    assert torch.allclose(out, explicit, atol=1e-5)
    checks = size_checks((size, size + 2), tuple(out.shape[2:]), (kernel, kernel), (1, 1),
                         (0, 0), (dilation, dilation), same=True)
    assert all(check.ok for check in checks)
    assert checks[0].padding == start
    assert checks[0].padding_end == (end if end != start else None)


def test_same_and_transposed_equations():
    (even,) = size_checks((9,), (9,), (4,), (1,), (0,), (1,), same=True)
    assert even.derivation == "9 = ⌊(9 + 1 + 2 − 4)/1⌋ + 1"
    (up,) = size_checks((9,), (18,), (3,), (2,), (1,), (1,), transposed=True,
                        output_padding=(1,))
    assert up.derivation == "18 = (9 − 1)·2 − 2·1 + (3 − 1) + 1 + 1"
    (wrong,) = size_checks((9,), (17,), (3,), (2,), (1,), (1,), transposed=True)
    assert wrong.ok and wrong.expected == 17


@settings(max_examples=150, deadline=None)
@given(conv_configs(), st.integers(0, 3), st.integers(0, 3))
def test_asymmetric_padding_equals_pytorchs_pad_then_conv(config, start, end):
    # What a forward that pads its input itself runs (timm's Conv2dSame): F.pad, then the
    # conv; the check reads it as padding (start, end) on the layer's own input.
    size, kernel, stride, padding, dilation = config
    size = max(size, dilation * (kernel - 1) + 1 - 2 * padding - start - end + padding * 2)
    x = F.pad(torch.zeros(1, 1, size, size + 1), (start, end, end, start))
    out = F.conv2d(x, torch.zeros(1, 1, kernel, kernel), stride=stride, padding=padding,
                   dilation=dilation).shape
    h, w = size_checks((size, size + 1), None, (kernel,) * 2, (stride,) * 2,
                       (padding + end, padding + start), (dilation,) * 2,
                       padding_end=(padding + start, padding + end))
    assert (h.expected, w.expected) == tuple(out[2:])
