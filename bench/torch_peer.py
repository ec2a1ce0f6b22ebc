#!/usr/bin/python3
"""PyTorch's side of gru-bench's torch peer, run as a subprocess.

Usage: torch_peer.py CASE OUT THREADS

Reads a case written by bench/peer_torch.c (an int64 header I, H, B, T,
streaming; then float32 weight_ih [3H, I], weight_hh [3H, H], bias_ih [3H],
bias_hh [3H] and x [T, B, I]), builds nn.GRU (or nn.GRUCell for a streaming
case, called once per step) with torch.set_num_threads(THREADS), runs it
once and writes the outputs [T, B, H] as float32 to OUT, then prints
"ready". Each line "run" on stdin runs the case again and prints the
seconds it took (time.perf_counter around the forward calls alone); any
other line ends the process. OpenBLAS's threads come from the environment
(OPENBLAS_NUM_THREADS), set by the caller."""
import sys
import time

import numpy as np
import torch


def main():
    case, out, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    torch.set_num_threads(threads)
    head = np.fromfile(case, dtype=np.int64, count=5)
    i, h, b, t, streaming = (int(v) for v in head)
    data = np.fromfile(case, dtype=np.float32, offset=5 * 8)
    sizes = [3 * h * i, 3 * h * h, 3 * h, 3 * h, t * b * i]
    parts, at = [], 0
    for n in sizes:
        parts.append(torch.from_numpy(data[at:at + n].copy()))
        at += n
    w_ih, w_hh, b_ih, b_hh, x = parts
    x = x.reshape(t, b, i)
    with torch.inference_mode():
        if streaming:
            net = torch.nn.GRUCell(i, h)
            names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        else:
            net = torch.nn.GRU(i, h)
            names = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")
        for name, value in zip(names, (w_ih, w_hh, b_ih, b_hh)):
            getattr(net, name).copy_(value.reshape(getattr(net, name).shape))
        net.eval()
        h0 = torch.zeros(b, h)

        def run():
            start = time.perf_counter()
            if streaming:
                state, ys = h0, []
                for step in range(t):
                    state = net(x[step], state)
                    ys.append(state)
                seconds = time.perf_counter() - start
                return seconds, torch.stack(ys)
            y, _ = net(x, h0.unsqueeze(0))
            return time.perf_counter() - start, y

        _, y = run()
        y.contiguous().numpy().astype(np.float32).tofile(out)
        print("ready", flush=True)
        for line in sys.stdin:
            if line.strip() != "run":
                break
            print(f"{run()[0]:.9f}", flush=True)


if __name__ == "__main__":
    main()
