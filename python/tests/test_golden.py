"""libgru from Python against the C tests' golden data: PyTorch, the ONNX
operator's reference, and the Keras model (tests/data/*/)."""

import os

import numpy as np
import pytest

import libgru
from conftest import Golden, assert_close, golden_files


@pytest.mark.parametrize("path", golden_files("torch"), ids=os.path.basename)
def test_torch_golden(path):
    g = Golden(path)
    weights = {k: v for k, v in g.tensors.items() if k.startswith(("weight_", "bias_"))}
    gru = libgru.GRU.from_torch(weights, batch_first=bool(g.int("batch_first")))
    assert gru.num_layers == g.int("num_layers")
    assert gru.bidirectional == bool(g.int("bidirectional"))
    assert gru.bias == bool(g.int("bias"))
    lengths = g.get("lengths")
    lengths = None if lengths is None else lengths.astype(np.int64)
    y, h_n = gru(g.get("x"), g.get("h0"), lengths)
    assert_close("torch golden y", y, g.get("y"))
    assert_close("torch golden h_n", h_n, g.get("h_n"))
    if g.int("cell"):  # nn.GRUCell stepped: the Stream gives the same, step by step
        s = gru.stream(g.int("batch"), h0=g.get("h0"))
        ys = np.stack([s.step(x_t) for x_t in g.get("x")])
        assert_close("torch golden cell step", ys, g.get("y"))
        assert_close("torch golden cell step", s.state, g.get("h_n"))


def _onnx_gru(g):
    L = g.int("num_layers")
    names = [("W", "R", "B")] if L == 1 else [("W_l%d" % k, "R_l%d" % k, "B_l%d" % k)
                                              for k in range(L)]
    Ws, Rs, Bs = ([g.get(n[i]) for n in names] for i in range(3))
    if L == 1:
        Ws, Rs, Bs = Ws[0], Rs[0], Bs[0]
    elif Bs[0] is None:
        Bs = None
    return libgru.GRU.from_onnx_weights(Ws, Rs, Bs, linear_before_reset=g.int("linear_before_reset"),
                                        direction=g.meta["direction"],
                                        batch_first=g.int("layout") == 1)


@pytest.mark.parametrize("path", golden_files("onnx"), ids=os.path.basename)
def test_onnx_golden(path):
    g = Golden(path)
    gru = _onnx_gru(g)
    lens = g.get("sequence_lens")
    lens = None if lens is None else lens.astype(np.int32)  # ONNX's type
    if g.int("layout") == 0:
        y, h_n = gru(g.get("X"), g.get("initial_h"), lens, split_directions=True)
        assert_close("onnx golden Y", y, g.get("Y"))
        assert_close("onnx golden Y_h", h_n, g.get("Y_h"))
    else:  # layout 1: X [B, T, I], Y [B, T, D, H], states [B, L*D, H]
        h0 = g.get("initial_h")
        h0 = None if h0 is None else h0.transpose(1, 0, 2)
        y, h_n = gru(g.get("X"), h0, lens)
        assert_close("onnx golden Y", y.reshape(g.get("Y").shape), g.get("Y"))
        assert_close("onnx golden Y_h", h_n.transpose(1, 0, 2), g.get("Y_h"))


def _keras_weights(g, reverse):
    """(kernel, recurrent_kernel, bias) of every layer of one direction."""
    L, r = g.int("num_layers"), "_reverse" if reverse else ""
    suffixes = [r] if L == 1 else ["_l%d%s" % (k, r) for k in range(L)]
    return [tuple(g.get(base + s) for base in ("kernel", "recurrent_kernel", "bias"))
            for s in suffixes]


@pytest.mark.parametrize("path", golden_files("keras"), ids=os.path.basename)
def test_keras_golden(path):
    g = Golden(path)
    forward = _keras_weights(g, False)
    backward = _keras_weights(g, True) if g.int("bidirectional") else None
    kernels, recurrent, biases = (list(t) for t in zip(*forward))
    if biases[0] is None:
        biases = None
    if g.int("num_layers") == 1:  # one layer: plain arrays, as get_weights() gives them
        kernels, recurrent, biases = kernels[0], recurrent[0], biases and biases[0]
        backward = backward and backward[0]
    gru = libgru.GRU.from_keras_weights(kernels, recurrent, biases,
                                        reset_after=bool(g.int("reset_after")),
                                        go_backwards=bool(g.int("go_backwards")),
                                        backward=backward, merge_mode=g.meta["merge_mode"])
    assert gru.batch_first
    y, h_n = gru(g.get("x"), g.get("initial_state"))
    if g.int("go_backwards"):  # Keras returns processing order
        y = y[:, ::-1]
    assert_close("keras golden y", y, g.get("y"))
    assert_close("keras golden h_n", h_n, g.get("h_n"))
