#!/usr/bin/python3
"""Loads a PyTorch GRU into libgru and checks libgru against PyTorch.

    examples/check_torch.py [MODEL.pt] [--prefix encoder.rnn.] [--steps T] [--batch B]

MODEL.pt is what torch.save wrote: an nn.GRU, a whole model holding one, or
a state dict (the GRU's tensors are found by name; --prefix picks one of
several). Without it a random nn.GRU(16, 32, num_layers=2,
bidirectional=True) is used. Both run the same random batch, with packed
sequences of random lengths; the script prints the largest differences and
the time each took, and exits 1 if they differ by more than 1e-5.

Needs Debian's python3-torch and python3-numpy, and the libgru package
(`PYTHONPATH=python` from the source tree, or installed; the library is
found as python/README.md says, e.g. LIBGRU_LIBRARY=build/dev/src).
"""

import argparse
import sys
import time

import numpy as np
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

import libgru

TOLERANCE = 1e-5


def load_module(path, prefix):
    """An nn.GRU built from whatever torch.save wrote at path."""
    obj = torch.load(path, map_location="cpu")
    if isinstance(obj, torch.nn.GRU):
        return obj
    state = obj.state_dict() if isinstance(obj, torch.nn.Module) else obj
    gru = libgru.GRU.from_torch(state, prefix=prefix)  # finds the sizes from the names
    module = torch.nn.GRU(gru.input_size, gru.hidden_size, gru.num_layers, bias=gru.bias,
                          bidirectional=gru.bidirectional)
    module.load_state_dict({k: torch.from_numpy(v) for k, v in gru.state_dict().items()},
                           strict=gru.bias)
    return module


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model", nargs="?", help="a torch.save file (nn.GRU, model or state dict)")
    ap.add_argument("--prefix", help="the GRU's name prefix in a larger state dict")
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    torch.manual_seed(args.seed)
    module = (load_module(args.model, args.prefix) if args.model else
              torch.nn.GRU(16, 32, num_layers=2, bidirectional=True))
    module.eval()
    gru = libgru.GRU.from_torch(module)
    print("PyTorch %s: %s" % (torch.__version__, module))
    print("libgru %s (library %s at %s): %r" % (libgru.__version__, libgru.library_version,
                                                  libgru.library_path, gru))

    rng = np.random.default_rng(args.seed)
    T, B, D = args.steps, args.batch, gru.num_directions
    bf = module.batch_first  # x, y in the module's own layout; gru follows it
    x = rng.standard_normal((B, T, gru.input_size) if bf else (T, B, gru.input_size))
    x = x.astype(np.float32)
    h0 = rng.standard_normal((gru.num_layers * D, B, gru.hidden_size)).astype(np.float32)
    lengths = rng.integers(1, T + 1, B)
    lengths[0] = T

    start = time.perf_counter()
    with torch.no_grad():
        packed = pack_padded_sequence(torch.from_numpy(x), torch.from_numpy(lengths),
                                      batch_first=bf, enforce_sorted=False)
        y_ref, h_ref = module(packed, torch.from_numpy(h0))
        y_ref, _ = pad_packed_sequence(y_ref, batch_first=bf, total_length=T)
    t_torch = time.perf_counter() - start
    start = time.perf_counter()
    y, h_n = gru(x, h0, lengths)
    t_gru = time.perf_counter() - start

    err_y = float(np.abs(y - y_ref.numpy()).max())
    err_h = float(np.abs(h_n - h_ref.numpy()).max())
    print("T=%d B=%d lengths=%s" % (T, B, lengths.tolist()))
    print("max |y - y_torch| = %.3g, max |h_n - h_n_torch| = %.3g (tolerance %g)" %
          (err_y, err_h, TOLERANCE))
    print("time: PyTorch %.2f ms, libgru %.2f ms (first call, includes workspace setup)" %
          (1e3 * t_torch, 1e3 * t_gru))
    ok = err_y <= TOLERANCE and err_h <= TOLERANCE
    print("OK" if ok else "MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
