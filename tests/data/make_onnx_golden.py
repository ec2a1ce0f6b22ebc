#!/usr/bin/python3
"""Writes the ONNX golden cases of libgru's tests to tests/data/onnx/.

Run with Debian's interpreter (python3-onnx, python3-numpy, python3-torch):

    /usr/bin/python3 tests/data/make_onnx_golden.py

The numbers come from the ONNX operator's own numpy reference, the class
GRU_Helper that python3-onnx ships in onnx/backend/test/case/node/gru.py.
It is imported, not copied. GRU_Helper covers one direction without
sequence_lens (and, in onnx 1.12, mishandles layout=1: it takes the batch
size from the wrong axis of X and the wrong axis of Y for Y_h; fixed
upstream in onnx/onnx#7935). This script extends it, in onnx_gru(), to
what the operator document specifies and GRU_Helper leaves out:

  * direction "reverse" and "bidirectional" (W, R, B, initial_h carry the
    directions in their first axis; Y is [T, D, B, H]);
  * sequence_lens: each row b runs over its own first sequence_lens[b]
    steps, the reverse direction starting from the row's own last valid
    step; Y is zero past a row's length; Y_h is the state after the row's
    last valid step (the last in its direction);
  * layout=1 (X [B, T, I], initial_h [B, D, H], Y [B, T, D, H],
    Y_h [B, D, H]), by transposing around a layout=0 call;
  * stacks of GRU nodes (as torch.onnx exports nn.GRU(num_layers=L)): node
    k+1 reads node k's Y transposed to [T, B, D*H].

One case (torch_onnx_export_*) takes its weights from what
torch.onnx.export writes for an nn.GRU, and is also checked against
PyTorch's own float32 outputs.

Every direction of every case is one GRU_Helper.step() call over the whole
batch: the reverse direction gets each row's valid steps reversed in place
(row b's step s reads X[len_b - 1 - s, b]), and the results are scattered
back. The extension is checked before anything is written (check_case):

  1. where GRU_Helper covers the case (one direction, no lengths, one
     node; layout 0, or layout 1 where its bug does not bite: T = 1, no
     initial_h) the extension reproduces it bit for bit; and the expected
     outputs of ONNX's own backend tests (test_gru_defaults,
     _with_initial_bias, _seq_length, _batchwise), which it computes from
     float32 inputs, within 1e-6;
  2. the forward (reverse) direction of every row of a case with lengths
     equals GRU_Helper run on that row alone (time-reversed), bit for bit;
  3. outputs past a row's length are exactly zero;
  4. a plain-loop float64 model written from the operator document's
     equations (BLAS products) agrees within 1e-12;
  5. for linear_before_reset=1, torch.nn.GRU in float64 (packed sequences
     for lengths) with the weights permuted from z|r|h to r|z|n agrees
     within 1e-12, which also checks the PyTorch <-> ONNX mapping.

The reference runs in numpy's long double (x87 80-bit on x86-64) on the
float32 inputs: numpy then multiplies with its own loops, not BLAS, so a
result does not depend on the batch size or on where the operands lie in
memory. (OpenBLAS's float64 products do, by a few 1e-16: the same product
of copies of the same operands can differ; that would make checks 1 and 2
approximate.) GRU_Helper stores its Y in float64; Y and Y_h are written
rounded from it to float32. On a machine whose long double is another
type the files may differ in a last float32 bit; the checks still hold.

The file format is the one of tests/data/torch/ (the writer is imported
from make_torch_golden.py; the reader is tests/golden.c). Tensors
keep the operator's names: X, W, R, B, sequence_lens, initial_h, Y, Y_h;
a stack names its nodes' weights W_l<k>, R_l<k>, B_l<k> (libgru's names).
Output is deterministic: rerunning the unchanged script rewrites identical
files.
"""

import os

# One BLAS thread: the float64 sums then do not depend on thread timing.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import torch  # noqa: E402
from onnx.backend.test.case.node.gru import GRU_Helper  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_torch_golden import FORMAT_VERSION, tensor_lines, write_cases  # noqa: E402

# The reference's arithmetic type (see the docstring).
LD = np.longdouble

DIRECTIONS = ("forward", "reverse", "bidirectional")

# Every case: name (the file's stem), seed, sizes, and the operator's
# attributes. lengths: sequence_lens. h0: the case passes initial_h.
# bias False: no B input. L > 1: a stack of L GRU nodes. official: the
# inputs of one of ONNX's own backend tests (gru.py's export_* functions).
CASES = [
    dict(name="official_defaults", official="defaults"),
    dict(name="official_initial_bias", official="initial_bias"),
    dict(name="official_seq_length", official="seq_length", seed=200),
    dict(name="official_batchwise", official="batchwise"),
    dict(name="forward_lbr0", seed=201, I=5, H=7, T=9, B=3, lbr=0),
    dict(name="forward_lbr1_h0", seed=202, I=6, H=5, T=8, B=4, lbr=1,
         h0=True),
    dict(name="reverse_lbr0_h0", seed=203, I=4, H=6, T=7, B=3, lbr=0,
         direction="reverse", h0=True),
    dict(name="reverse_lbr1", seed=204, I=5, H=4, T=6, B=2, lbr=1,
         direction="reverse"),
    dict(name="bidir_lbr0", seed=205, I=5, H=6, T=7, B=3, lbr=0,
         direction="bidirectional"),
    dict(name="bidir_lbr1_h0", seed=206, I=4, H=5, T=6, B=3, lbr=1,
         direction="bidirectional", h0=True),
    dict(name="bidir_lbr1_no_bias_b1_t1", seed=207, I=3, H=4, T=1, B=1,
         lbr=1, direction="bidirectional", bias=False),
    dict(name="lens_forward_lbr0", seed=208, I=5, H=6, T=9, B=4, lbr=0,
         lengths=[5, 9, 1, 3]),
    dict(name="lens_reverse_lbr1_h0", seed=209, I=4, H=5, T=7, B=3, lbr=1,
         direction="reverse", h0=True, lengths=[3, 7, 1]),
    dict(name="lens_bidir_lbr0_h0", seed=210, I=5, H=6, T=6, B=5, lbr=0,
         direction="bidirectional", h0=True, lengths=[6, 2, 1, 6, 4]),
    dict(name="lens_bidir_lbr1", seed=211, I=4, H=5, T=7, B=3, lbr=1,
         direction="bidirectional", lengths=[1, 7, 4]),
    dict(name="lens_all_short_bidir_lbr0", seed=212, I=3, H=4, T=6, B=2,
         lbr=0, direction="bidirectional", lengths=[4, 2]),
    dict(name="layout1_forward_lbr1", seed=213, I=5, H=6, T=6, B=3, lbr=1,
         layout=1),
    dict(name="layout1_bidir_lbr0_h0", seed=214, I=4, H=5, T=5, B=3, lbr=0,
         direction="bidirectional", layout=1, h0=True),
    dict(name="layout1_lens_bidir_lbr1_h0", seed=215, I=4, H=5, T=6, B=4,
         lbr=1, direction="bidirectional", layout=1, h0=True,
         lengths=[6, 3, 1, 5]),
    dict(name="layout1_lens_reverse_lbr0", seed=216, I=5, H=4, T=7, B=3,
         lbr=0, direction="reverse", layout=1, lengths=[2, 7, 5]),
    dict(name="long_lbr0", seed=217, I=8, H=8, T=50, B=2, lbr=0),
    dict(name="long_lens_bidir_lbr1", seed=218, I=4, H=5, T=50, B=3, lbr=1,
         direction="bidirectional", lengths=[50, 17, 33]),
    dict(name="stack_l2_lens_bidir_lbr0_h0", seed=219, I=4, H=5, T=6, B=3,
         lbr=0, direction="bidirectional", L=2, h0=True, lengths=[6, 2, 4]),
    dict(name="stack_l3_lbr1", seed=220, I=5, H=4, T=5, B=2, lbr=1, L=3),
    dict(name="layout1_stack_l2_lens_bidir_lbr1_h0", seed=221, I=3, H=4,
         T=5, B=3, lbr=1, direction="bidirectional", layout=1, L=2, h0=True,
         lengths=[2, 5, 3]),
    dict(name="torch_onnx_export_l2_bidir", seed=222, I=4, H=5, T=6, B=3,
         lbr=1, direction="bidirectional", L=2, torch_export=True),
]


# ---------------------------------------------------------------------------
# The extension of GRU_Helper.

def helper_pass(x, w, r, b, h0, lbr):
    """One direction through GRU_Helper, time-major: x [T, B, I], w [3H, I],
    r [3H, H], b [6H], h0 [B, H]. Returns its Y [T, B, H]."""
    y, _ = GRU_Helper(X=x, W=w[None], R=r[None], B=b[None],
                      initial_h=h0[None],
                      linear_before_reset=np.array([lbr])).step()
    assert y.shape[1] == 1
    return y[:, 0]


def onnx_gru_node(x, w, r, b, h0, lengths, lbr, direction):
    """One GRU node, layout 0: x [T, B, I], w [D, 3H, I], r [D, 3H, H],
    b [D, 6H], h0 [D, B, H], lengths [B]. Returns Y [T, D, B, H] and
    Y_h [D, B, H]."""
    T, B, _ = x.shape
    D, H = w.shape[0], r.shape[-1]
    assert D == (2 if direction == "bidirectional" else 1)
    y = np.zeros((T, D, B, H))
    y_h = np.zeros((D, B, H))
    for d in range(D):
        reverse = direction == "reverse" or d == 1
        # src[s][b]: the time step row b reads at its s-th step.
        src = [[(lengths[bb] - 1 - s if reverse else s)
                for bb in range(B)] for s in range(T)]
        xd = np.zeros_like(x)
        for bb in range(B):
            for s in range(lengths[bb]):
                xd[s, bb] = x[src[s][bb], bb]
        yd = helper_pass(xd, w[d], r[d], b[d], h0[d], lbr)
        for bb in range(B):
            for s in range(lengths[bb]):
                y[src[s][bb], d, bb] = yd[s, bb]
            y_h[d, bb] = yd[lengths[bb] - 1, bb] if lengths[bb] else h0[d, bb]
    return y, y_h


def onnx_gru(c, p):
    """The whole case (a stack of nodes), float64. p holds the inputs in
    the case's layout. Returns Y and Y_h of the last node in that layout;
    Y_h is [L*D, B, H] (layout 0) or [B, L*D, H] (layout 1) for a stack,
    the Y_h of every node in turn."""
    T, B, H, L, D = c["T"], c["B"], c["H"], c["L"], c["D"]
    x = p["X"].astype(LD)
    h0 = p.get("initial_h")
    if c["layout"] == 1:
        x = x.swapaxes(0, 1)
        h0 = None if h0 is None else h0.swapaxes(0, 1)
    h0 = np.zeros((L * D, B, H), LD) if h0 is None else h0.astype(LD)
    lengths = c["lengths"] or [T] * B
    hs = []
    for k in range(L):
        sfx = "_l%d" % k if L > 1 else ""
        w = p["W" + sfx].astype(LD)
        r = p["R" + sfx].astype(LD)
        b = p.get("B" + sfx)
        b = np.zeros((D, 6 * H), LD) if b is None else b.astype(LD)
        y, y_h = onnx_gru_node(x, w, r, b, h0[k * D:(k + 1) * D], lengths,
                               c["lbr"], c["direction"])
        hs.append(y_h)
        x = y.transpose(0, 2, 1, 3).reshape(T, B, D * H).astype(LD)
    y_h = np.concatenate(hs)
    if c["layout"] == 1:
        return y.transpose(2, 0, 1, 3), y_h.swapaxes(0, 1)
    return y, y_h


# ---------------------------------------------------------------------------
# The checks of the extension.

def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def plain_model(c, p):
    """The operator document's equations, one row and one step at a time,
    float64, with every convention spelled out; returns Y, Y_h as
    onnx_gru() does."""
    T, B, H, L, D = c["T"], c["B"], c["H"], c["L"], c["D"]
    lengths = c["lengths"] or [T] * B
    x = p["X"].astype(np.float64)
    h0 = p.get("initial_h")
    if c["layout"] == 1:  # X [B, T, I], initial_h [B, D, H]
        x = np.stack([x[:, t] for t in range(T)])
        h0 = None if h0 is None else np.stack([h0[:, k] for k in
                                               range(L * D)])
    h0 = np.zeros((L * D, B, H)) if h0 is None else h0.astype(np.float64)
    hn = np.zeros((L * D, B, H))
    for k in range(L):
        sfx = "_l%d" % k if L > 1 else ""
        y = np.zeros((T, D, B, H))
        for d in range(D):
            w = p["W" + sfx][d].astype(np.float64)
            r = p["R" + sfx][d].astype(np.float64)
            bias = p.get("B" + sfx)
            bias = (np.zeros(6 * H) if bias is None
                    else bias[d].astype(np.float64))
            wz, wr, wh = w[:H], w[H:2 * H], w[2 * H:]
            rz, rr, rh = r[:H], r[H:2 * H], r[2 * H:]
            wbz, wbr, wbh, rbz, rbr, rbh = (bias[i * H:(i + 1) * H]
                                            for i in range(6))
            reverse = c["direction"] == "reverse" or d == 1
            for b in range(B):
                h = h0[k * D + d, b]
                steps = range(lengths[b])
                for t in (reversed(steps) if reverse else steps):
                    xt = x[t, b]
                    z = sigmoid(wz @ xt + rz @ h + wbz + rbz)
                    rt = sigmoid(wr @ xt + rr @ h + wbr + rbr)
                    if c["lbr"]:
                        hh = np.tanh(wh @ xt + rt * (rh @ h + rbh) + wbh)
                    else:
                        hh = np.tanh(wh @ xt + rh @ (rt * h) + rbh + wbh)
                    h = (1 - z) * hh + z * h
                    y[t, d, b] = h
                hn[k * D + d, b] = h
        x = np.concatenate([y[:, d] for d in range(D)], axis=2)
    if c["layout"] == 1:
        return y.transpose(2, 0, 1, 3), hn.swapaxes(0, 1)
    return y, hn


def torch_model(c, p):
    """linear_before_reset=1 is PyTorch's GRU: runs torch.nn.GRU in
    float64 with ONNX's weights permuted z|r|h -> r|z|n; returns Y, Y_h
    as onnx_gru() does. A reverse-only node is the reverse half of a
    bidirectional nn.GRU (its forward half is ignored); stacks of one
    direction and of two map onto num_layers."""
    T, B, H, L, D, I = c["T"], c["B"], c["H"], c["L"], c["D"], c["I"]
    reverse_only = c["direction"] == "reverse"
    if reverse_only and L > 1:
        return None
    tD = 2 if reverse_only else D
    gru = torch.nn.GRU(I, H, num_layers=L, bidirectional=tD == 2,
                       dtype=torch.float64)
    perm = np.concatenate([np.arange(H, 2 * H), np.arange(H),
                           np.arange(2 * H, 3 * H)])
    sd = {}
    for k in range(L):
        sfx = "_l%d" % k if L > 1 else ""
        bias = p.get("B" + sfx)
        for td in range(tD):
            d = 0 if reverse_only else td
            name = "_l%d" % k + ("_reverse" if td else "")
            sd["weight_ih" + name] = p["W" + sfx][d][perm]
            sd["weight_hh" + name] = p["R" + sfx][d][perm]
            zero = np.zeros(3 * H, dtype=np.float32)
            sd["bias_ih" + name] = (zero if bias is None
                                    else bias[d][:3 * H][perm])
            sd["bias_hh" + name] = (zero if bias is None
                                    else bias[d][3 * H:][perm])
    gru.load_state_dict({k: torch.from_numpy(v.astype(np.float64))
                         for k, v in sd.items()})
    x = p["X"].astype(np.float64)
    h0 = p.get("initial_h")
    if c["layout"] == 1:
        x = x.swapaxes(0, 1)
        h0 = None if h0 is None else h0.swapaxes(0, 1)
    h0 = np.zeros((L * D, B, H)) if h0 is None else h0.astype(np.float64)
    if reverse_only:
        h0 = np.concatenate([np.zeros_like(h0), h0])
    x_t = torch.from_numpy(np.ascontiguousarray(x))
    h0_t = torch.from_numpy(np.ascontiguousarray(h0))
    with torch.no_grad():
        if c["lengths"] is None:
            out, hn = gru(x_t, h0_t)
        else:
            packed = torch.nn.utils.rnn.pack_padded_sequence(
                x_t, torch.tensor(c["lengths"]), enforce_sorted=False)
            out, hn = gru(packed, h0_t)
            out, _ = torch.nn.utils.rnn.pad_packed_sequence(
                out, total_length=T)
    y = out.numpy().reshape(T, B, tD, H).transpose(0, 2, 1, 3)
    hn = hn.numpy()
    if reverse_only:
        y, hn = y[:, 1:], hn[1:]
    if c["layout"] == 1:
        return y.transpose(2, 0, 1, 3), hn.swapaxes(0, 1)
    return y, hn


def max_err(a, b):
    return float(np.abs(np.asarray(a) - np.asarray(b)).max())


def check_case(c, p, y, y_h):
    """The checks listed in the module docstring; returns a line of notes
    for the file's comments."""
    T, B, L = c["T"], c["B"], c["L"]
    lengths = c["lengths"] or [T] * B
    notes = []
    # 1. Where GRU_Helper covers the case, bit for bit: each direction of
    # one node without lengths is GRU_Helper (layout 0) over X, or over X
    # reversed in time for the reverse direction.
    if c["lengths"] is None and L == 1:
        x = p["X"].astype(LD)
        yt, h0 = y, p.get("initial_h")
        if c["layout"] == 1:
            x, yt = x.swapaxes(0, 1), y.transpose(1, 2, 0, 3)
            h0 = None if h0 is None else h0.swapaxes(0, 1)
        for d in range(c["D"]):
            reverse = c["direction"] == "reverse" or d == 1
            b_in = p.get("B")
            got = helper_pass(
                x[::-1] if reverse else x, p["W"][d].astype(LD),
                p["R"][d].astype(LD),
                np.zeros(6 * c["H"], LD) if b_in is None
                else b_in[d].astype(LD),
                np.zeros((B, c["H"]), LD) if h0 is None
                else h0[d].astype(LD), c["lbr"])
            if not np.array_equal(got[::-1] if reverse else got, yt[:, d]):
                raise AssertionError("%s: direction %d differs from "
                                     "GRU_Helper" % (c["name"], d))
        notes.append("each direction equals GRU_Helper bit for bit")
    # GRU_Helper's own layout 0, and its layout 1 where its bug does not
    # bite (T == 1, no initial_h), called as the backend tests call it.
    plain_helper = (c["direction"] == "forward" and c["lengths"] is None
                    and L == 1)
    if plain_helper and (c["layout"] == 0 or (T == 1 and "initial_h"
                                               not in p)):
        args = dict(X=p["X"], W=p["W"], R=p["R"],
                    linear_before_reset=np.array([c["lbr"]]))
        if c["layout"]:
            args["layout"] = np.array([1])
        for k in ("B", "initial_h"):
            if k in p:
                args[k] = p[k]
        hy, hy_h = GRU_Helper(**{k: v.astype(LD)
                                 if v.dtype == np.float32 else v
                                 for k, v in args.items()}).step()
        if not (np.array_equal(hy, y) and np.array_equal(hy_h, y_h)):
            raise AssertionError("%s: extension differs from GRU_Helper"
                                 % c["name"])
        notes.append("Y, Y_h equal GRU_Helper%s bit for bit"
                     % (" (layout 1)" if c["layout"] else ""))
    # 2, 3. Each row alone, and zeros past its length.
    if c["lengths"] is not None:
        yt = y if c["layout"] == 0 else y.transpose(1, 2, 0, 3)
        x = p["X"].astype(LD)
        if c["layout"] == 1:
            x = x.swapaxes(0, 1)
        h0 = p.get("initial_h")
        if h0 is not None and c["layout"] == 1:
            h0 = h0.swapaxes(0, 1)
        for b in range(B):
            n = lengths[b]
            if np.any(yt[n:, :, b] != 0):
                raise AssertionError("%s: Y not zero past row %d's length"
                                     % (c["name"], b))
            if L > 1 or n == 0:
                continue
            for d in range(c["D"]):
                reverse = c["direction"] == "reverse" or d == 1
                xb = x[:n, b:b + 1]
                if reverse:
                    xb = xb[::-1]
                start = (np.zeros((1, c["H"]), LD) if h0 is None
                         else h0[d, b:b + 1].astype(LD))
                b_in = p.get("B")
                b_in = (np.zeros(6 * c["H"], LD) if b_in is None
                        else b_in[d].astype(LD))
                alone = helper_pass(xb, p["W"][d].astype(LD),
                                    p["R"][d].astype(LD), b_in,
                                    start, c["lbr"])[:, 0]
                if reverse:
                    alone = alone[::-1]
                if not np.array_equal(alone, yt[:n, d, b]):
                    raise AssertionError("%s: row %d direction %d differs "
                                         "from the row alone"
                                         % (c["name"], b, d))
        notes.append("zeros past lengths" + (
            "" if L > 1 else ", each row alone bit for bit"))
    # 4. The plain model of the document's equations.
    py, py_h = plain_model(c, p)
    err = max(max_err(py, y), max_err(py_h, y_h))
    if err > 1e-12:
        raise AssertionError("%s: the plain model differs by %g"
                             % (c["name"], err))
    notes.append("plain model within %.2g" % err)
    # 5. PyTorch, for linear_before_reset=1.
    if c["lbr"]:
        got = torch_model(c, p)
        if got is not None:
            err = max(max_err(got[0], y), max_err(got[1], y_h))
            if err > 1e-12:
                raise AssertionError("%s: torch.nn.GRU differs by %g"
                                     % (c["name"], err))
            notes.append("torch.nn.GRU within %.2g" % err)
    return ", ".join(notes)


# ---------------------------------------------------------------------------
# The cases.

def official_inputs(c):
    """The inputs of ONNX's own backend tests for GRU (gru.py's export_*
    functions), with GRU_Helper's own results. export_seq_length draws
    unseeded random weights; here they come from the case's seed."""
    kind = c["official"]
    f32 = np.float32
    if kind == "defaults":
        x = np.array([[[1., 2.], [3., 4.], [5., 6.]]]).astype(f32)
        H, layout = 5, 0
        w = 0.1 * np.ones((1, 3 * H, 2)).astype(f32)
        r = 0.1 * np.ones((1, 3 * H, H)).astype(f32)
        p = dict(X=x, W=w, R=r)
    elif kind == "initial_bias":
        x = np.array([[[1., 2., 3.], [4., 5., 6.], [7., 8., 9.]]]).astype(f32)
        H, layout = 3, 0
        w = 0.1 * np.ones((1, 3 * H, 3)).astype(f32)
        r = 0.1 * np.ones((1, 3 * H, H)).astype(f32)
        b = np.concatenate((0.1 * np.ones((1, 3 * H)).astype(f32),
                            np.zeros((1, 3 * H)).astype(f32)), axis=1)
        p = dict(X=x, W=w, R=r, B=b)
    elif kind == "seq_length":
        x = np.array([[[1., 2., 3.], [4., 5., 6.], [7., 8., 9.]],
                      [[10., 11., 12.], [13., 14., 15.],
                       [16., 17., 18.]]]).astype(f32)
        H, layout = 5, 0
        rs = np.random.RandomState(c["seed"])
        w = rs.randn(1, 3 * H, 3).astype(f32)
        r = rs.randn(1, 3 * H, H).astype(f32)
        b = np.concatenate((rs.randn(1, 3 * H).astype(f32),
                            rs.randn(1, 3 * H).astype(f32)), axis=1)
        p = dict(X=x, W=w, R=r, B=b)
    elif kind == "batchwise":
        x = np.array([[[1., 2.]], [[3., 4.]], [[5., 6.]]]).astype(f32)
        H, layout = 6, 1
        w = 0.2 * np.ones((1, 3 * H, 2)).astype(f32)
        r = 0.2 * np.ones((1, 3 * H, H)).astype(f32)
        p = dict(X=x, W=w, R=r)
    else:
        raise ValueError(kind)
    # As the backend test computes its expected outputs: float32 inputs
    # (so partly float32 arithmetic). GRU_Helper squeezes every input but
    # X, so layout goes in as [1].
    args = dict(p, layout=np.array([layout])) if layout else dict(p)
    official_y, official_y_h = GRU_Helper(**args).step()
    T, B = (x.shape[0], x.shape[1]) if layout == 0 else (x.shape[1],
                                                          x.shape[0])
    c.update(I=x.shape[2], H=H, T=T, B=B, lbr=0, layout=layout,
             bias="B" in p)
    return p, official_y, official_y_h


def random_inputs(c):
    """Weights as PyTorch initialises them (uniform in +-1/sqrt(H)), so the
    gates neither saturate nor vanish; X normal; initial_h 0.5 * normal."""
    rs = np.random.RandomState(c["seed"])
    I, H, T, B, L, D = c["I"], c["H"], c["T"], c["B"], c["L"], c["D"]
    k = 1.0 / np.sqrt(H)

    def u(*shape):
        return rs.uniform(-k, k, size=shape).astype(np.float32)

    p = {}
    for layer in range(L):
        sfx = "_l%d" % layer if L > 1 else ""
        width = I if layer == 0 else D * H
        p["W" + sfx] = u(D, 3 * H, width)
        p["R" + sfx] = u(D, 3 * H, H)
        if c["bias"]:
            p["B" + sfx] = u(D, 6 * H)
    shape = (T, B, I) if c["layout"] == 0 else (B, T, I)
    p["X"] = rs.standard_normal(shape).astype(np.float32)
    if c["h0"]:
        shape = (L * D, B, H) if c["layout"] == 0 else (B, L * D, H)
        p["initial_h"] = (0.5 * rs.standard_normal(shape)).astype(np.float32)
    return p


def torch_export_inputs(c):
    """W, R, B as torch.onnx.export writes them for an nn.GRU: the
    initializers of its GRU nodes, one node per layer. The case's Y is then
    checked against what PyTorch itself computes (float32, within 1e-6)."""
    import io
    import warnings
    torch.manual_seed(c["seed"])
    gru = torch.nn.GRU(c["I"], c["H"], num_layers=c["L"],
                       bidirectional=c["D"] == 2)
    rs = np.random.RandomState(c["seed"])
    x = rs.standard_normal((c["T"], c["B"], c["I"])).astype(np.float32)
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(gru, (torch.from_numpy(x),), buf, opset_version=14)
    m = onnx.load_from_string(buf.getvalue())
    init = {t.name: onnx.numpy_helper.to_array(t)
            for t in m.graph.initializer}
    nodes = [n for n in m.graph.node if n.op_type == "GRU"]
    assert len(nodes) == c["L"]
    p = {}
    for k, node in enumerate(nodes):
        attr = {a.name: onnx.helper.get_attribute_value(a)
                for a in node.attribute}
        assert attr.get("linear_before_reset") == 1
        assert attr.get("direction", b"forward").decode() == c["direction"]
        assert attr.get("layout", 0) == 0 and "clip" not in attr
        sfx = "_l%d" % k if c["L"] > 1 else ""
        for role, name in zip("WRB", node.input[1:4]):
            p[role + sfx] = init[name].astype(np.float32)
    p["X"] = x
    with torch.no_grad():
        y, h_n = gru(torch.from_numpy(x))
    T, B, D, H = c["T"], c["B"], c["D"], c["H"]
    c["torch_y"] = y.numpy().reshape(T, B, D, H).transpose(0, 2, 1, 3)
    c["torch_h_n"] = h_n.numpy()
    return p


def normalise(c):
    c = dict(c)
    c.setdefault("direction", "forward")
    c.setdefault("layout", 0)
    c.setdefault("L", 1)
    c.setdefault("bias", True)
    c.setdefault("h0", False)
    c.setdefault("lengths", None)
    c.setdefault("seed", 0)
    c["D"] = 2 if c["direction"] == "bidirectional" else 1
    assert c["direction"] in DIRECTIONS
    return c


def make_case(case):
    c = normalise(case)
    official = None
    if "official" in c:
        p, oy, oy_h = official_inputs(c)
        official = c["official"]
    elif c.get("torch_export"):
        p = torch_export_inputs(c)
    else:
        p = random_inputs(c)
    T, B = c["T"], c["B"]
    if c["lengths"] is not None:
        assert len(c["lengths"]) == B and max(c["lengths"]) <= T
        assert min(c["lengths"]) >= 1
        p["sequence_lens"] = np.array(c["lengths"], dtype=np.int64)
    y, y_h = onnx_gru(c, p)
    notes = check_case(c, p, y, y_h)
    if official is not None:
        # The backend test's own expected outputs, computed partly in
        # float32 from float32 inputs: within float32 rounding.
        err = max(max_err(oy, y), max_err(oy_h, y_h))
        if err > 1e-6:
            raise AssertionError("%s: the backend test's expected outputs "
                                 "differ by %g" % (c["name"], err))
        notes += ", backend test's float32 outputs within %.2g" % err
    if c.get("torch_export"):
        err = max(max_err(c["torch_y"], y), max_err(c["torch_h_n"], y_h))
        if err > 1e-6:
            raise AssertionError("%s: PyTorch's float32 outputs differ by %g"
                                 % (c["name"], err))
        notes += ", PyTorch's own float32 outputs within %.2g" % err

    lines = ["libgru-golden %d" % FORMAT_VERSION,
             "# generated by tests/data/make_onnx_golden.py; do not edit",
             "# ONNX GRU (opset 14), float64 reference rounded to float32: "
             "onnx %s GRU_Helper," % onnx.__version__,
             "# extended by make_onnx_golden.py (see its docstring); "
             "seed %d" % c["seed"],
             "# checked: " + notes]
    if official is not None:
        lines.append("# inputs of ONNX's backend test export_%s in "
                     "onnx/backend/test/case/node/gru.py" % official)
    if c.get("torch_export"):
        lines.append("# W, R, B are the initializers torch.onnx.export "
                     "(torch %s, opset 14) wrote for" % torch.__version__)
        lines.append("# torch.nn.GRU(%d, %d, num_layers=%d, bidirectional="
                     "%s), seed %d" % (c["I"], c["H"], c["L"], c["D"] == 2,
                                       c["seed"]))
    if c["L"] > 1:
        lines.append("# a stack of %d GRU nodes; node k+1 reads node k's Y "
                     "transposed to [T, B, D*H];" % c["L"])
        lines.append("# Y is the last node's, Y_h every node's Y_h in turn "
                     "([L*D, B, H], or [B, L*D, H] for layout 1)")
    if c["lengths"] is not None:
        lines.append("# X past a row's sequence_lens is random and must be "
                     "ignored; Y there is zero.")
    meta = [("case", c["name"]), ("input_size", c["I"]),
            ("hidden_size", c["H"]), ("num_layers", c["L"]),
            ("direction", c["direction"]), ("bias", int(c["bias"])),
            ("linear_before_reset", c["lbr"]), ("layout", c["layout"]),
            ("steps", T), ("batch", B), ("seed", c["seed"]),
            ("onnx_version", onnx.__version__)]
    lines += ["meta %s %s" % kv for kv in meta]
    order = [k for k in p if k[0] in "WRB"]
    for name in order:
        lines += tensor_lines(name, p[name])
    lines += tensor_lines("X", p["X"])
    if "sequence_lens" in p:
        lines += tensor_lines("sequence_lens", p["sequence_lens"],
                              integer=True)
    if "initial_h" in p:
        lines += tensor_lines("initial_h", p["initial_h"])
    lines += tensor_lines("Y", y.astype(np.float32))
    lines += tensor_lines("Y_h", y_h.astype(np.float32))
    lines.append("end")
    return "\n".join(lines) + "\n"


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(here, "onnx"),
                    help="output directory (default: %(default)s)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    write_cases(args.out, CASES, make_case)


if __name__ == "__main__":
    main()
