#!/usr/bin/python3
"""Writes the PyTorch golden cases of libgru's tests to tests/data/torch/.

Run with Debian's interpreter (python3-torch, python3-numpy):

    /usr/bin/python3 tests/data/make_torch_golden.py

Each case builds a torch.nn.GRU (or nn.GRUCell) from a fixed seed, runs it
in float32 exactly as a user would, and writes one text file that
tests/golden.c reads:

    libgru-golden 1
    # comment lines
    meta <key> <value>
    tensor <name> <ndim> <dim0> ... <dimN-1>
    <prod(dims) values, %.9g, VALUES_PER_LINE a line>
    ...
    end

Nine significant digits round-trip every float32 exactly; the script checks
that it does. It also checks every case against a float64 NumPy model of
PyTorch's equations (reference_check), which covers the zero-length rows
that PyTorch itself cannot run. Files are rewritten in full; stale *.txt files in the output
directory that carry the golden header are removed.
"""

import argparse
import os
import sys

import numpy as np
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

FORMAT_VERSION = 1
VALUES_PER_LINE = 8
MAX_FILE_BYTES = 60 * 1024
MAX_DIR_BYTES = 1024 * 1024

# Every case: a name (the file's stem), its own seed, and the module's
# configuration. h0: the case passes an initial state. lengths: the case
# runs packed sequences of these lengths (one per batch row).
CASES = [
    dict(name="basic", seed=101, I=5, H=7, L=1, T=9, B=3),
    dict(name="h0", seed=102, I=16, H=20, L=1, T=12, B=4, h0=True),
    dict(name="no_bias", seed=103, I=6, H=5, L=1, T=7, B=3, bias=False),
    dict(name="b1_t1", seed=104, I=4, H=3, L=1, T=1, B=1),
    dict(name="long", seed=105, I=8, H=8, L=1, T=50, B=2),
    dict(name="l2", seed=106, I=5, H=6, L=2, T=8, B=3),
    dict(name="l3_h0", seed=107, I=4, H=5, L=3, T=6, B=2, h0=True),
    dict(name="bidir_l1", seed=108, I=5, H=6, L=1, T=7, B=3, bidir=True),
    dict(name="bidir_l2_h0", seed=109, I=5, H=6, L=2, T=7, B=3, bidir=True,
         h0=True),
    dict(name="batch_first_l1", seed=110, I=5, H=6, L=1, T=7, B=3,
         batch_first=True),
    dict(name="batch_first_bidir_l2_h0", seed=111, I=4, H=5, L=2, T=6, B=3,
         bidir=True, batch_first=True, h0=True),
    dict(name="packed_l2", seed=112, I=5, H=6, L=2, T=8, B=5,
         lengths=[5, 8, 1, 3, 8]),
    dict(name="packed_bidir_l2_h0", seed=113, I=5, H=6, L=2, T=7, B=5,
         bidir=True, h0=True, lengths=[3, 1, 7, 7, 4]),
    dict(name="packed_batch_first_bidir", seed=114, I=4, H=5, L=1, T=6, B=4,
         bidir=True, batch_first=True, lengths=[2, 6, 1, 6]),
    dict(name="packed_zero_length_bidir_l2_h0", seed=115, I=4, H=5, L=2, T=6,
         B=4, bidir=True, h0=True, lengths=[6, 0, 3, 1]),
    dict(name="cell", seed=116, I=5, H=7, L=1, T=6, B=3, h0=True, cell=True),
]


def fmt_float(v):
    """%.9g of a float32, checked to read back as the same float32."""
    s = "%.9g" % float(v)
    if not np.isfinite(v):
        raise ValueError("non-finite value %r" % (v,))
    if np.float32(s) != v or (np.signbit(np.float32(s)) != np.signbit(v)):
        raise ValueError("%s does not round-trip %r" % (s, v))
    return s


def tensor_lines(name, arr, integer=False):
    arr = np.ascontiguousarray(arr)
    lines = ["tensor %s %d %s" % (name, arr.ndim,
                                  " ".join(str(d) for d in arr.shape))]
    flat = arr.reshape(-1)
    if integer:
        words = ["%d" % int(v) for v in flat]
    else:
        if flat.dtype != np.float32:
            raise TypeError("%s is %s, not float32" % (name, flat.dtype))
        words = [fmt_float(v) for v in flat]
    for i in range(0, len(words), VALUES_PER_LINE):
        lines.append(" ".join(words[i:i + VALUES_PER_LINE]))
    return lines


def as_np(t):
    return t.detach().cpu().contiguous().numpy()


def run_gru(gru, x, h0, lengths, batch_first, T):
    """Output y (padded with zeros) and h_n, as a user would get them."""
    if lengths is None:
        return gru(x, h0)
    packed = pack_padded_sequence(x, torch.tensor(lengths, dtype=torch.int64),
                                  batch_first=batch_first,
                                  enforce_sorted=False)
    out, h_n = gru(packed, h0)
    y, _ = pad_packed_sequence(out, batch_first=batch_first, total_length=T)
    return y, h_n


def run_gru_zero_lengths(gru, x, h0, lengths, batch_first, T, D, H):
    """pack_padded_sequence rejects zero lengths: run the other rows alone
    and give each zero-length row its documented result (zero outputs,
    h_n equal to its h0)."""
    B = len(lengths)
    keep = [b for b in range(B) if lengths[b] > 0]
    idx = torch.tensor(keep, dtype=torch.int64)
    bdim = 0 if batch_first else 1
    x_sub = x.index_select(bdim, idx)
    h0_sub = None if h0 is None else h0.index_select(1, idx)
    y_sub, hn_sub = run_gru(gru, x_sub, h0_sub, [lengths[b] for b in keep],
                            batch_first, T)
    L_D = hn_sub.shape[0]
    y_shape = (B, T, D * H) if batch_first else (T, B, D * H)
    y = torch.zeros(y_shape, dtype=torch.float32)
    y.index_copy_(bdim, idx, y_sub)
    h_n = (torch.zeros(L_D, B, H, dtype=torch.float32) if h0 is None
           else h0.clone())
    h_n.index_copy_(1, idx, hn_sub)
    return y, h_n


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def reference_check(c, params, x, h0, y, h_n):
    """Recomputes y and h_n in float64 from the documented equations, row by
    row with each row's own length; fails if torch's float32 result is off
    by more than 1e-6."""
    I, H, L, T, B = c["I"], c["H"], c["L"], c["T"], c["B"]
    D = 2 if c.get("bidir") else 1
    lengths = c.get("lengths") or [T] * B
    x = x.astype(np.float64)
    if c.get("batch_first"):
        x = x.transpose(1, 0, 2)
    h0 = np.zeros((L * D, B, H)) if h0 is None else h0.astype(np.float64)
    hn = np.zeros((L * D, B, H))
    inp = x
    for layer in range(L):
        outs = []
        for d in range(D):
            sfx = "" if c.get("cell") else (
                "_l%d" % layer + ("_reverse" if d else ""))
            w_ih = params["weight_ih" + sfx].astype(np.float64)
            w_hh = params["weight_hh" + sfx].astype(np.float64)
            zero = np.zeros(3 * H)
            b_ih = params.get("bias_ih" + sfx, zero).astype(np.float64)
            b_hh = params.get("bias_hh" + sfx, zero).astype(np.float64)
            out = np.zeros((T, B, H))
            for b in range(B):
                h = h0[layer * D + d, b]
                steps = range(lengths[b])
                for t in (reversed(steps) if d else steps):
                    gi = w_ih @ inp[t, b] + b_ih
                    gh = w_hh @ h + b_hh
                    r = sigmoid(gi[:H] + gh[:H])
                    z = sigmoid(gi[H:2 * H] + gh[H:2 * H])
                    n = np.tanh(gi[2 * H:] + r * gh[2 * H:])
                    h = (1 - z) * n + z * h
                    out[t, b] = h
                hn[layer * D + d, b] = h
            outs.append(out)
        inp = np.concatenate(outs, axis=2)
    ref_y = inp.transpose(1, 0, 2) if c.get("batch_first") else inp
    err = max(np.abs(ref_y - y).max(), np.abs(hn - h_n).max())
    if not err <= 1e-6:
        raise AssertionError("%s: torch and the float64 model differ by %g"
                             % (c["name"], err))
    return err


def make_case(c):
    I, H, L, T, B = c["I"], c["H"], c["L"], c["T"], c["B"]
    bidir = c.get("bidir", False)
    bias = c.get("bias", True)
    batch_first = c.get("batch_first", False)
    cell = c.get("cell", False)
    lengths = c.get("lengths")
    D = 2 if bidir else 1
    assert not (cell and (bidir or L != 1 or lengths or batch_first))
    assert lengths is None or (len(lengths) == B and max(lengths) == T)

    torch.manual_seed(c["seed"])
    if cell:
        module = torch.nn.GRUCell(I, H, bias=bias)
    else:
        module = torch.nn.GRU(I, H, num_layers=L, bias=bias,
                              batch_first=batch_first, bidirectional=bidir)
    module.eval()
    x = torch.randn((B, T, I) if batch_first else (T, B, I))
    h0 = 0.5 * torch.randn(L * D, B, H) if c.get("h0") else None

    comments = []
    with torch.no_grad():
        if cell:
            h = h0[0] if h0 is not None else torch.zeros(B, H)
            ys = []
            for t in range(T):
                h = module(x[t], h)
                ys.append(h)
            y = torch.stack(ys)
            h_n = h.unsqueeze(0)
            comments.append("nn.GRUCell stepped over the T steps of x "
                            "[T, B, I]; y [T, B, H] stacks h after each step.")
            comments.append("h0 and h_n are [1, B, H]: the cell's hx "
                            "[B, H] with a leading axis.")
        elif lengths is not None and min(lengths) == 0:
            y, h_n = run_gru_zero_lengths(module, x, h0, lengths,
                                          batch_first, T, D, H)
            comments.append("PyTorch's pack_padded_sequence rejects zero "
                            "lengths, so the rows of nonzero length were run")
            comments.append("alone (packed, enforce_sorted=False) and each "
                            "zero-length row given the documented result:")
            comments.append("outputs zero, h_n equal to its h0.")
        else:
            y, h_n = run_gru(module, x, h0, lengths, batch_first, T)
            if lengths is not None:
                comments.append("Run as pack_padded_sequence(enforce_sorted="
                                "False), pad_packed_sequence(total_length=T);")
                comments.append("x past a row's length is random and must "
                                "be ignored; y there is zero.")
    assert tuple(y.shape) == ((B, T, D * H) if batch_first else (T, B, D * H))
    assert tuple(h_n.shape) == (L * D, B, H)

    params = {k: as_np(v) for k, v in module.state_dict().items()}
    reference_check(c, params, as_np(x), None if h0 is None else as_np(h0),
                    as_np(y), as_np(h_n))

    lines = ["libgru-golden %d" % FORMAT_VERSION,
             "# generated by tests/data/make_torch_golden.py; do not edit",
             "# torch.nn.%s, float32, torch %s, seed %d"
             % ("GRUCell" if cell else "GRU", torch.__version__, c["seed"])]
    lines += ["# " + s for s in comments]
    meta = [("case", c["name"]), ("input_size", I), ("hidden_size", H),
            ("num_layers", L), ("bidirectional", int(bidir)),
            ("bias", int(bias)), ("batch_first", int(batch_first)),
            ("steps", T), ("batch", B), ("cell", int(cell)),
            ("seed", c["seed"]), ("torch_version", torch.__version__)]
    lines += ["meta %s %s" % (k, v) for k, v in meta]
    for name, p in params.items():
        lines += tensor_lines(name, p)
    lines += tensor_lines("x", as_np(x))
    if h0 is not None:
        lines += tensor_lines("h0", as_np(h0))
    if lengths is not None:
        lines += tensor_lines("lengths", np.array(lengths, dtype=np.int64),
                              integer=True)
    lines += tensor_lines("y", as_np(y))
    lines += tensor_lines("h_n", as_np(h_n))
    lines.append("end")
    return "\n".join(lines) + "\n"


def write_cases(out_dir, cases, make):
    """Writes make(case) for every case to out_dir/<name>.txt and removes
    stale golden files; returns the total size. Shared with
    make_onnx_golden.py and make_keras_golden.py."""
    os.makedirs(out_dir, exist_ok=True)
    names = [c["name"] for c in cases]
    assert len(set(names)) == len(names)
    written, total = set(), 0
    for c in cases:
        data = make(c).encode("ascii")
        if len(data) > MAX_FILE_BYTES:
            sys.exit("%s: %d bytes, over %d" % (c["name"], len(data),
                                                 MAX_FILE_BYTES))
        fname = c["name"] + ".txt"
        with open(os.path.join(out_dir, fname), "wb") as f:
            f.write(data)
        written.add(fname)
        total += len(data)
        print("%-34s %6d bytes" % (fname, len(data)))
    for fname in sorted(os.listdir(out_dir)):
        path = os.path.join(out_dir, fname)
        if fname.endswith(".txt") and fname not in written:
            with open(path, "rb") as f:
                head = f.read(14)
            if head == b"libgru-golden ":
                os.remove(path)
                print("removed stale", fname)
    if total > MAX_DIR_BYTES:
        sys.exit("total %d bytes, over %d" % (total, MAX_DIR_BYTES))
    print("%d cases, %d bytes" % (len(cases), total))
    return total


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(here, "torch"),
                    help="output directory (default: %(default)s)")
    args = ap.parse_args()

    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    write_cases(args.out, CASES, make_case)


if __name__ == "__main__":
    main()
