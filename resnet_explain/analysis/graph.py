"""The data-flow graph of a trace: who feeds whom, common ancestors, the longest path."""

from __future__ import annotations

import heapq
import math

from ..architecture import (
    MODEL_INPUT,
    Layer,
    Shape,
)


class Graph:
    """Predecessors and weighted depth of every layer; forks and branches of a merge.

    Layers are in execution order, so every predecessor has a smaller index than the layer it
    feeds: the index order is a topological order, which is what :meth:`branches` walks.
    """

    def __init__(self, layers: list[Layer]) -> None:
        self.layers = layers
        # A layer's inputs without the model's input (most layers' inputs are that already:
        # the list is then shared, and read only).
        self.preds = [
            layer.inputs if MODEL_INPUT not in layer.inputs
            else [i for i in layer.inputs if i != MODEL_INPUT] for layer in layers]
        self.depth: list[int] = []
        self.best_pred: list[int | None] = []
        depth = self.depth
        for layer, preds in zip(layers, self.preds):
            best, best_pred = 0, None
            for pred in self.path_preds(layer, preds) if len(preds) > 1 else preds:
                if best_pred is None or depth[pred] > best:
                    best, best_pred = depth[pred], pred
            depth.append(best + layer.weighted)
            self.best_pred.append(best_pred)

    def path_preds(self, layer: Layer, preds: list[int]) -> list[int]:
        """Inputs through which the plain path may run.

        A multiplication whose other input is broadcast (squeeze-and-excitation, ECA,
        selective-kernel attention) scales the feature map by a gate; an addition whose other
        input is broadcast (a global-context block's per-channel context, GCNet) shifts it.
        Either way the side branch's layers are off the path, which continues through the
        full-size input only.
        """
        if not layer.is_op or len(preds) < 2:
            return preds
        if layer.type == "mul":
            # The gate is the smaller operand, broadcast over the map: compare sizes, not
            # shapes, as a selective-kernel unit multiplies a stack of its paths.
            sizes = [math.prod(self.layers[p].output_shape) for p in preds]
            full = [p for p, size in zip(preds, sizes) if size == max(sizes)]
            if len(full) < len(preds):
                return full
        elif layer.type == "add" and len(layer.inputs) == len(layer.input_shapes):
            # The context is an operand broadcast to the sum's shape (its own shape, not its
            # producer's: Res2Net adds a channel slice of a wider map, which is no context).
            out = layer.output_shape
            full = [p for p, shape in zip(layer.inputs, layer.input_shapes)
                    if not broadcast(shape, out)]
            if full and len(full) < len(layer.inputs):
                return [p for p in full if p != MODEL_INPUT]
        return preds

    def is_side_merge(self, index: int) -> bool:
        """Whether layer ``index`` merges a side branch broadcast over the map (a gate or a
        context; see :meth:`path_preds`)."""
        preds = self.preds[index]
        return len(preds) > 1 and len(self.path_preds(self.layers[index], preds)) < len(preds)

    def longest_path(self, end: int) -> list[int]:
        path: list[int] = []
        node: int | None = end if self.layers else None
        while node is not None:
            path.append(node)
            node = self.best_pred[node]
        return path[::-1]

    def branches(self, a: int, b: int) -> tuple[int, list[int], list[int]]:
        """The fork of two merging tensors and the two branches that lead from it to them.

        With ``anc(x)`` the layers ``x`` descends from, ``x`` included: the fork is the
        latest layer in ``anc(a) ∩ anc(b)`` (``MODEL_INPUT`` when there is none) and the
        branches are ``anc(a) − anc(fork)`` and ``anc(b) − anc(fork)``, in index order.

        One walk back from ``a`` and ``b``, latest layer first (a heap of indices): a layer is
        taken from the heap only after every later layer that feeds on it, so its marks (which
        of ``a``, ``b`` and the fork it leads to) are complete by then. The first layer that
        leads to both is the fork. The walk stops once every layer still waiting leads to the
        fork: all their ancestors do too. A residual block costs the size of the block, not of
        the network.
        """
        chains = self._chain_branches(a, b)
        if chains is not None:
            return chains
        to_a, to_b, to_fork = 1, 2, 4
        marks: dict[int, int] = {}
        heap: list[int] = []  # negated indices: heapq is a min-heap
        open_ = 0  # layers in the heap that do not lead to the fork (yet)
        for node, mark in ((a, to_a), (b, to_b)):
            if node != MODEL_INPUT:
                if node not in marks:
                    heapq.heappush(heap, -node)
                    open_ += 1
                marks[node] = marks.get(node, 0) | mark
        fork = MODEL_INPUT
        branch_a: list[int] = []
        branch_b: list[int] = []
        while heap and open_:
            node = -heapq.heappop(heap)
            mark = marks[node]
            if mark & to_fork:
                pass  # an ancestor of the fork: on neither branch
            elif fork == MODEL_INPUT and mark & to_a and mark & to_b:
                fork, mark = node, mark | to_fork
                marks[node] = mark
                open_ -= 1
            else:
                open_ -= 1
                if mark & to_a:
                    branch_a.append(node)
                if mark & to_b:
                    branch_b.append(node)
            for pred in self.preds[node]:  # pass the marks on to its inputs
                old = marks.get(pred)
                if old is None:
                    marks[pred] = mark
                    heapq.heappush(heap, -pred)
                    open_ += not mark & to_fork
                elif old | mark != old:
                    marks[pred] = old | mark
                    open_ -= bool(mark & to_fork and not old & to_fork)
        return fork, branch_a[::-1], branch_b[::-1]


    def _chain_branches(self, a: int, b: int) -> tuple[int, list[int], list[int]] | None:
        """:meth:`branches` where both branches are chains (each layer with one input, as
        conv → BN → ReLU → … is), else ``None``. Walking back from the later of the two
        layers one input at a time, the walks meet at the fork: every layer on them before
        that is on its branch."""
        if a == MODEL_INPUT or b == MODEL_INPUT:
            return None
        branch_a: list[int] = []
        branch_b: list[int] = []
        while a != b:
            if a > b:
                preds = self.preds[a]
                if len(preds) != 1:
                    return None
                branch_a.append(a)
                a = preds[0]
            else:
                preds = self.preds[b]
                if len(preds) != 1:
                    return None
                branch_b.append(b)
                b = preds[0]
        return a, branch_a[::-1], branch_b[::-1]


def broadcast(shape: Shape, whole: Shape) -> bool:
    """Whether an operand of ``shape`` is stretched to ``whole``: the same rank, each size
    equal or 1, and fewer elements."""
    return (len(shape) == len(whole) and math.prod(shape) < math.prod(whole)
            and all(size in (1, full) for size, full in zip(shape, whole)))
