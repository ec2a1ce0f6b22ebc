#!/usr/bin/python3
"""Writes the Keras golden cases of libgru's tests to tests/data/keras/.

Run with Debian's interpreter (python3-numpy; python3-onnx and python3-torch
for the cross-checks):

    /usr/bin/python3 tests/data/make_keras_golden.py

Keras itself cannot be installed here, so the reference is keras_pass(): a
float64 numpy model of keras.layers.GRU written from Keras's documented
equations and layout, not from its code:

  kernel [I, 3H] and recurrent_kernel [H, 3H], gates in columns z | r | h;
  bias [3H] when reset_after=False (one bias per gate, on the input side),
  [2, 3H] when reset_after=True (row 0 input biases, row 1 recurrent);
  recurrent_activation sigmoid (the default since TF 2 / Keras 2.3;
  'hard_sigmoid' models are out of scope), activation tanh;

    x_z, x_r, x_h = x @ kernel + input_bias            (split in columns)
    reset_after=True:
      i_z, i_r, i_h = h_tm1 @ recurrent_kernel + recurrent_bias
      hh = tanh(x_h + r * i_h)
    reset_after=False:
      i_z, i_r = h_tm1 @ recurrent_kernel[:, :2H]
      hh = tanh(x_h + (r * h_tm1) @ recurrent_kernel[:, 2H:])
    z = sigmoid(x_z + i_z),  r = sigmoid(x_r + i_r)
    h = z * h_tm1 + (1 - z) * hh               (z weights the old state)

  Inputs are batch-major [B, T, I] (time_major=False, the default).
  go_backwards=True reads the steps from last to first and, with
  return_sequences=True, returns the outputs in that processing order
  (output[:, 0] belongs to input step T-1). Bidirectional(merge_mode=
  'concat') runs a go_backwards copy, reverses its outputs back to input
  order and concatenates [forward | backward]; merge_mode='sum' adds them
  instead (each output then H wide). A stack is layers with
  return_sequences=True, each reading the previous one's output.

Each pass is checked against another ecosystem's reference before
anything is written: reset_after=True against torch.nn.GRU in float64
(weights transposed and permuted z|r|h -> r|z|n), reset_after=False
against ONNX's GRU_Helper with linear_before_reset=0 (W = kernel^T,
R = recurrent_kernel^T, B = [bias, 0]); both within 1e-12. A go_backwards
pass is compared with the other reference run over the time-reversed
input.

Files use the format of tests/data/torch/ (tests/golden.h). Tensors carry
libgru's GRU_FORMAT_KERAS names, in the order of Keras's get_weights():
kernel, recurrent_kernel, bias, with "_l<k>" for layer k of a stack and
"_reverse" for a Bidirectional wrapper's backward layer; then x [B, T, I],
optional initial_state [L*D, B, H] (each layer's initial_state, forward
then backward), y [B, T, D*H] ([B, T, H] with merge_mode='sum') exactly
as Keras returns it, and h_n
[L*D, B, H] (every layer's return_state, forward then backward).
Deterministic: rerunning the unchanged script rewrites identical files.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_onnx_golden import helper_pass  # noqa: E402
from make_torch_golden import FORMAT_VERSION, tensor_lines, write_cases  # noqa: E402

# Every case: name, seed, sizes, and the layer's settings. L > 1: a stack
# of L layers (each Bidirectional if bidir). h0: the case passes
# initial_state.
CASES = [
    dict(name="before_h0", seed=301, I=5, H=6, T=7, B=3, reset_after=False,
         h0=True),
    dict(name="after_h0", seed=302, I=5, H=6, T=7, B=3, reset_after=True,
         h0=True),
    dict(name="before_no_bias", seed=303, I=4, H=5, T=6, B=2,
         reset_after=False, bias=False),
    dict(name="after_no_bias", seed=304, I=4, H=5, T=6, B=2,
         reset_after=True, bias=False),
    dict(name="before_go_backwards_h0", seed=305, I=4, H=5, T=6, B=3,
         reset_after=False, go_backwards=True, h0=True),
    dict(name="after_go_backwards", seed=306, I=5, H=4, T=5, B=2,
         reset_after=True, go_backwards=True),
    dict(name="before_bidir", seed=307, I=4, H=5, T=6, B=3,
         reset_after=False, bidir=True),
    dict(name="after_bidir_l2_h0", seed=308, I=4, H=5, T=6, B=2,
         reset_after=True, bidir=True, L=2, h0=True),
    dict(name="after_bidir_sum_l2", seed=311, I=4, H=5, T=6, B=3,
         reset_after=True, bidir=True, merge="sum", L=2),
    dict(name="before_l2", seed=309, I=5, H=4, T=6, B=3, reset_after=False,
         L=2),
    dict(name="before_long", seed=310, I=8, H=8, T=50, B=2,
         reset_after=False),
]


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def keras_pass(x, kernel, recurrent_kernel, bias, reset_after, go_backwards,
               h0):
    """One keras.layers.GRU(return_sequences=True, return_state=True):
    x [B, T, I] float64; bias None (use_bias=False), [3H] or [2, 3H].
    Returns (outputs [B, T, H] in processing order, final state [B, H])."""
    B, T, _ = x.shape
    H = recurrent_kernel.shape[0]
    if bias is None:
        input_bias = np.zeros(3 * H)
        recurrent_bias = np.zeros(3 * H)
    elif reset_after:
        input_bias, recurrent_bias = bias[0], bias[1]
    else:
        input_bias, recurrent_bias = bias, None
    h = h0
    outputs = []
    for t in (range(T - 1, -1, -1) if go_backwards else range(T)):
        matrix_x = x[:, t] @ kernel + input_bias
        x_z, x_r, x_h = (matrix_x[:, :H], matrix_x[:, H:2 * H],
                         matrix_x[:, 2 * H:])
        if reset_after:
            matrix_inner = h @ recurrent_kernel + recurrent_bias
        else:
            matrix_inner = h @ recurrent_kernel[:, :2 * H]
        z = sigmoid(x_z + matrix_inner[:, :H])
        r = sigmoid(x_r + matrix_inner[:, H:2 * H])
        if reset_after:
            recurrent_h = r * matrix_inner[:, 2 * H:]
        else:
            recurrent_h = (r * h) @ recurrent_kernel[:, 2 * H:]
        hh = np.tanh(x_h + recurrent_h)
        h = z * h + (1 - z) * hh
        outputs.append(h)
    return np.stack(outputs, axis=1), h


def names(c, k, d):
    sfx = ("_l%d" % k if c["L"] > 1 else "") + ("_reverse" if d else "")
    return ["kernel" + sfx, "recurrent_kernel" + sfx, "bias" + sfx]


def keras_model(c, p, check):
    """The whole case: y as Keras returns it, and h_n [L*D, B, H]. check
    (a function of the pass's arguments and results) sees every pass."""
    L, D, B, H = c["L"], c["D"], c["B"], c["H"]
    x = p["x"].astype(np.float64)
    h0 = p.get("initial_state")
    h0 = np.zeros((L * D, B, H)) if h0 is None else h0.astype(np.float64)
    states = []
    for k in range(L):
        outs = []
        for d in range(D):
            kn, rn, bn = names(c, k, d)
            bias = p.get(bn)
            args = (x, p[kn].astype(np.float64), p[rn].astype(np.float64),
                    None if bias is None else bias.astype(np.float64),
                    c["reset_after"], c["go_backwards"] or d == 1,
                    h0[k * D + d])
            out, state = keras_pass(*args)
            check(c, args, out, state)
            if d == 1:  # Bidirectional reverses the backward outputs back
                out = out[:, ::-1]
            outs.append(out)
            states.append(state)
        x = (outs[0] + outs[1] if c["merge"] == "sum"
             else np.concatenate(outs, axis=2))
    return x, np.stack(states)


def check_pass(c, args, out, state):
    """One pass against torch.nn.GRU (reset_after=True) or ONNX's
    GRU_Helper (reset_after=False), within 1e-12."""
    x, kernel, rk, bias, reset_after, backwards, h0 = args
    H = rk.shape[0]
    xs = x[:, ::-1] if backwards else x  # processing order
    if reset_after:
        perm = np.concatenate([np.arange(H, 2 * H), np.arange(H),
                               np.arange(2 * H, 3 * H)])
        gru = torch.nn.GRU(x.shape[2], H, batch_first=True,
                           dtype=torch.float64)
        zero = np.zeros(3 * H)
        sd = {"weight_ih_l0": kernel.T[perm], "weight_hh_l0": rk.T[perm],
              "bias_ih_l0": (zero if bias is None else bias[0])[perm],
              "bias_hh_l0": (zero if bias is None else bias[1])[perm]}
        gru.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v))
                             for k, v in sd.items()})
        with torch.no_grad():
            ref, ref_h = gru(torch.from_numpy(np.ascontiguousarray(xs)),
                             torch.from_numpy(h0[None].copy()))
        ref, ref_h, what = ref.numpy(), ref_h.numpy()[0], "torch.nn.GRU"
    else:
        b = np.zeros(6 * H)
        if bias is not None:
            b[:3 * H] = bias
        ld = np.longdouble
        ref = helper_pass(np.ascontiguousarray(xs.swapaxes(0, 1)).astype(ld),
                          kernel.T.astype(ld), rk.T.astype(ld), b.astype(ld),
                          h0.astype(ld), 0).swapaxes(0, 1)
        ref_h, what = ref[:, -1], "ONNX GRU_Helper"
    err = max(np.abs(ref - out).max(), np.abs(ref_h - state).max())
    if not err <= 1e-12:
        raise AssertionError("%s: a pass differs from %s by %g"
                             % (c["name"], what, err))
    c["checked"] = max(c.get("checked", 0.0), err)
    c["against"] = what


def random_inputs(c):
    """Weights uniform in +-1/sqrt(H) (biases too, so that their layout
    matters); x normal; initial_state 0.5 * normal."""
    rs = np.random.RandomState(c["seed"])
    I, H, T, B, L, D = c["I"], c["H"], c["T"], c["B"], c["L"], c["D"]
    s = 1.0 / np.sqrt(H)

    def u(*shape):
        return rs.uniform(-s, s, size=shape).astype(np.float32)

    p = {}
    for k in range(L):
        for d in range(D):
            kn, rn, bn = names(c, k, d)
            p[kn] = u(I if k == 0 else c["W"], 3 * H)
            p[rn] = u(H, 3 * H)
            if c["bias"]:
                p[bn] = u(2, 3 * H) if c["reset_after"] else u(3 * H)
    p["x"] = rs.standard_normal((B, T, I)).astype(np.float32)
    if c["h0"]:
        p["initial_state"] = (0.5 * rs.standard_normal((L * D, B, H))
                              ).astype(np.float32)
    return p


def make_case(case):
    c = dict(case)
    for k, v in dict(L=1, bias=True, bidir=False, merge="concat",
                     go_backwards=False,
                     h0=False).items():
        c.setdefault(k, v)
    c["D"] = 2 if c["bidir"] else 1
    c["W"] = c["H"] if c["merge"] == "sum" else c["D"] * c["H"]
    assert not (c["bidir"] and c["go_backwards"])
    p = random_inputs(c)
    y, h_n = keras_model(c, p, check_pass)
    L, D, T, B, H = c["L"], c["D"], c["T"], c["B"], c["H"]
    assert y.shape == (B, T, c["W"]) and h_n.shape == (L * D, B, H)

    layer = ("keras.layers.GRU(%d, reset_after=%s%s, return_sequences=True, "
             "return_state=True)" % (H, c["reset_after"],
                                    ", go_backwards=True"
                                    if c["go_backwards"] else ""))
    if c["bidir"]:
        layer = "Bidirectional(%s, merge_mode='%s')" % (layer, c["merge"])
    lines = ["libgru-golden %d" % FORMAT_VERSION,
             "# generated by tests/data/make_keras_golden.py; do not edit",
             "# float64 model of %s%s," % (
                 "%d stacked " % L if L > 1 else "", layer),
             "# from Keras's documented equations; every pass checked "
             "against %s within %.2g; seed %d"
             % (c["against"], c["checked"], c["seed"])]
    if c["go_backwards"]:
        lines.append("# go_backwards: y is in Keras's processing order, "
                     "y[:, t] belongs to x[:, T-1-t]")
    meta = [("case", c["name"]), ("input_size", c["I"]),
            ("hidden_size", H), ("num_layers", L),
            ("reset_after", int(c["reset_after"])),
            ("go_backwards", int(c["go_backwards"])),
            ("bidirectional", int(c["bidir"])),
            ("merge_mode", c["merge"] if c["bidir"] else "none"),
            ("use_bias", int(c["bias"])), ("steps", T), ("batch", B),
            ("seed", c["seed"])]
    lines += ["meta %s %s" % kv for kv in meta]
    for k in range(L):
        for d in range(D):
            for n in names(c, k, d):
                if n in p:
                    lines += tensor_lines(n, p[n])
    lines += tensor_lines("x", p["x"])
    if "initial_state" in p:
        lines += tensor_lines("initial_state", p["initial_state"])
    lines += tensor_lines("y", y.astype(np.float32))
    lines += tensor_lines("h_n", h_n.astype(np.float32))
    lines.append("end")
    return "\n".join(lines) + "\n"


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(here, "keras"),
                    help="output directory (default: %(default)s)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    write_cases(args.out, CASES, make_case)


if __name__ == "__main__":
    main()
