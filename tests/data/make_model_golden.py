#!/usr/bin/python3
"""Writes the model-file golden cases of libgru's tests to tests/data/models/.

    /usr/bin/python3 tests/data/make_model_golden.py

Each case is a PyTorch GRU saved as safetensors the way a user would save
it (models/gru_safetensors.py writes the format directly: Debian has no
`safetensors` package), an input, and what PyTorch computes from it, as
.npy files:

    <case>.safetensors   the state_dict (some under a prefix, in F16 or
                         BF16, or with libgru's metadata)
    <case>.x.npy         input, float32, [T, B, I] (or [B, T, I]: batch_first)
    <case>.h0.npy        initial state [L*D, B, H], if the case has one
    <case>.lengths.npy   per-row lengths (int64 or int32), if packed
    <case>.y.npy         PyTorch's output, zero past each row's length
    <case>.hn.npy        PyTorch's final state [L*D, B, H]

tests/test_safetensors.c loads each file through libgru and compares;
tests/test_cli.c runs `gru run` on the same files. CASES below says what
each case exercises. The output is deterministic: rerunning rewrites
identical files.
"""

import os
import sys

import numpy as np
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "models"))
import gru_safetensors as st  # noqa: E402

OUT = os.path.join(HERE, "models")

# name: what the case exercises.
CASES = {
    "l2_bidir": "nn.GRU(5, 6, num_layers=2, bidirectional=True); h0; int64 lengths",
    "batch_first": "nn.GRU(4, 5, batch_first=True); int32 lengths",
    "in_model": "a GRU inside a module, under 'rnn.', beside other tensors (an I64 one)",
    "f16": "nn.GRU(4, 3) stored as F16 (golden from the F16-rounded weights)",
    "bf16": "nn.GRU(4, 3, num_layers=2) stored as BF16",
    "meta": "nn.GRU(3, 4) with libgru's metadata (describes itself)",
    "cell": "nn.GRUCell(3, 4): names without _l0; golden from the cell stepped",
    "no_bias": "nn.GRU(3, 4, num_layers=2, bias=False)",
}


class InModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = torch.nn.Linear(2, 3)
        self.rnn = torch.nn.GRU(3, 4, num_layers=2)
        self.head = torch.nn.Linear(4, 2)
        self.register_buffer("steps", torch.tensor([7], dtype=torch.int64))


def run(gru, x, h0=None, lengths=None):
    """PyTorch's y (zero past each length) and h_n, in float32."""
    with torch.no_grad():
        if lengths is None:
            return gru(x, h0)
        packed = pack_padded_sequence(x, torch.as_tensor(lengths, dtype=torch.int64),
                                      batch_first=gru.batch_first, enforce_sorted=False)
        y, hn = gru(packed, h0)
        y, _ = pad_packed_sequence(y, batch_first=gru.batch_first, total_length=x.shape[1 if gru.batch_first else 0])
        return y, hn


def rounded(gru, dtype):
    """gru with every parameter rounded to dtype and back: what a file of
    that dtype holds, as float32."""
    with torch.no_grad():
        for p in gru.parameters():
            p.copy_(p.to(dtype).float())
    return gru


def cell_run(cell, x, h0):
    """nn.GRUCell stepped over x [T, B, I]."""
    h, ys = h0[0], []
    with torch.no_grad():
        for t in range(x.shape[0]):
            h = cell(x[t], h)
            ys.append(h)
    return torch.stack(ys), h.unsqueeze(0)


def save_npy(name, suffix, a):
    np.save(os.path.join(OUT, "%s.%s.npy" % (name, suffix)), np.ascontiguousarray(a))


def case(name, tensors, x, y, hn, h0=None, lengths=None, metadata=None):
    st.save(os.path.join(OUT, name + ".safetensors"), tensors, metadata)
    save_npy(name, "x", x.numpy().astype("<f4"))
    save_npy(name, "y", y.numpy().astype("<f4"))
    save_npy(name, "hn", hn.numpy().astype("<f4"))
    if h0 is not None:
        save_npy(name, "h0", h0.numpy().astype("<f4"))
    if lengths is not None:
        save_npy(name, "lengths", lengths)


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(20240601)
    torch.set_num_threads(1)

    g = torch.nn.GRU(5, 6, num_layers=2, bidirectional=True)
    x, h0 = torch.randn(7, 3, 5), torch.randn(4, 3, 6)
    lengths = np.array([7, 2, 5], dtype="<i8")
    y, hn = run(g, x, h0, lengths)
    case("l2_bidir", g.state_dict(), x, y, hn, h0=h0, lengths=lengths)

    g = torch.nn.GRU(4, 5, batch_first=True)
    x = torch.randn(2, 6, 4)
    lengths = np.array([6, 3], dtype="<i4")
    y, hn = run(g, x, None, lengths)
    case("batch_first", g.state_dict(), x, y, hn, lengths=lengths)

    m = InModel()
    x = torch.randn(5, 2, 3)
    y, hn = run(m.rnn, x)
    case("in_model", m.state_dict(), x, y, hn)

    g = rounded(torch.nn.GRU(4, 3), torch.float16)
    x = torch.randn(6, 2, 4)
    y, hn = run(g, x)
    case("f16", {k: v.half() for k, v in g.state_dict().items()}, x, y, hn)

    g = rounded(torch.nn.GRU(4, 3, num_layers=2), torch.bfloat16)
    x = torch.randn(6, 2, 4)
    y, hn = run(g, x)
    case("bf16", {k: v.bfloat16() for k, v in g.state_dict().items()}, x, y, hn)

    g = torch.nn.GRU(3, 4)
    x = torch.randn(5, 2, 3)
    y, hn = run(g, x)
    case("meta", g.state_dict(), x, y, hn, metadata=st.gru_metadata(g))

    c = torch.nn.GRUCell(3, 4)
    x, h0 = torch.randn(5, 2, 3), torch.randn(1, 2, 4)
    y, hn = cell_run(c, x, h0)
    case("cell", c.state_dict(), x, y, hn, h0=h0)

    g = torch.nn.GRU(3, 4, num_layers=2, bias=False)
    x = torch.randn(4, 2, 3)
    y, hn = run(g, x)
    case("no_bias", g.state_dict(), x, y, hn)

    with open(os.path.join(OUT, "README.md"), "w") as f:
        f.write("# Model-file golden cases\n\nWritten by `tests/data/make_model_golden.py`"
                " (its docstring says what each file holds). Cases:\n\n")
        for name, what in CASES.items():
            f.write("- `%s`: %s\n" % (name, what))


if __name__ == "__main__":
    main()
