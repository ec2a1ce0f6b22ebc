#!/usr/bin/python3
"""Trains libgru's default model: a character-level GRU language model of
the King James Bible, and writes it as a libgru safetensors file.

    /usr/bin/python3 models/train_charlm.py      # under 30 min on one core

Needs Debian's python3-torch, python3-numpy and bible-kjv (whose `bible`
program decodes the text of bible-kjv-text; the KJV is public domain).
Writes, next to this script:

    charlm.safetensors   the model: the GRU under "gru.", the decoder,
                         the vocabulary and libgru's metadata
    charlm.log           everything printed here, figures included
    charlm_greedy.txt    PyTorch's greedy continuation of a fixed prompt,
                         which `gru generate --greedy` must reproduce

The model: one-hot characters -> nn.GRU(V, H, num_layers=2) -> Linear(H, V).
Training runs on one thread (torch.set_num_threads(1)): the machine is
shared, and on it one thread was faster than two. With the same arguments
the run is deterministic, so the files it writes are reproducible.
"""

import argparse
import math
import os
import re
import subprocess
import sys
import time


def _blas_kernels():
    """Debian 12's OpenBLAS does not recognise newer x86 CPUs and falls back
    to generic kernels, several times slower (README.md, "Speed"); ask for
    the AVX2 ones before torch loads it, unless the caller chose."""
    if "OPENBLAS_CORETYPE" not in os.environ:
        try:
            with open("/proc/cpuinfo") as f:
                if " avx2" in f.read():
                    os.environ["OPENBLAS_CORETYPE"] = "HASWELL"
        except OSError:
            pass


_blas_kernels()
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gru_safetensors as st  # noqa: E402

VERSES = 31102
PROMPT = "And God said, "
GREEDY_CHARS = 400
SOURCE = "King James Bible (1611), Debian package bible-kjv-text; public domain"


def kjv_text():
    """The KJV, one verse a line, without book, chapter or verse numbers."""
    out = subprocess.run(["bible", "-l", "100000", "gen1:1-rev22:21"], check=True,
                         capture_output=True, text=True).stdout
    verses = re.findall(r"^ +\d+ (.*)$", out, re.M)
    if len(verses) != VERSES:
        sys.exit("expected %d verses from `bible`, got %d" % (VERSES, len(verses)))
    return "\n".join(verses) + "\n"


def split(ids, block=20000, every=20):
    """Every 20th block of 20000 characters is validation, the rest training:
    both sample the whole book."""
    blocks = [ids[i:i + block] for i in range(0, len(ids), block)]
    val = [b for i, b in enumerate(blocks) if i % every == every - 1]
    train = [b for i, b in enumerate(blocks) if i % every != every - 1]
    return np.concatenate(train), np.concatenate(val)


class CharLM(torch.nn.Module):
    def __init__(self, vocab, hidden, layers):
        super().__init__()
        self.vocab = vocab
        self.gru = torch.nn.GRU(vocab, hidden, num_layers=layers)
        self.decoder = torch.nn.Linear(hidden, vocab)

    def forward(self, ids, h=None):
        """ids [T, B] -> logits [T, B, V], h_n."""
        y, h = self.gru(F.one_hot(ids, self.vocab).float(), h)
        return self.decoder(y), h


def streams(ids, batch):
    """[batch, n] contiguous streams covering ids (the tail dropped)."""
    n = len(ids) // batch
    return torch.from_numpy(ids[:n * batch].astype(np.int64)).view(batch, n)


def evaluate(model, data, batch, steps):
    """Mean cross-entropy (nats/char) over every next-character prediction
    in data, run as batch streams with the state carried."""
    s = streams(data, batch)
    total, count, h = 0.0, 0, None
    with torch.no_grad():
        for t in range(0, s.shape[1] - 1, steps):
            x = s[:, t:t + steps + 1].t()
            logits, h = model(x[:-1], h)
            total += F.cross_entropy(logits.reshape(-1, model.vocab), x[1:].reshape(-1),
                                     reduction="sum").item()
            count += x[1:].numel()
    return total / count


def lr_at(step, steps, peak, warmup=50):
    if step < warmup:
        return peak * (step + 1) / warmup
    return 0.1 * peak + 0.45 * peak * (1 + math.cos(math.pi * (step - warmup) / (steps - warmup)))


def train(model, data, args, log):
    s = streams(data, args.batch)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    h, pos, running = None, 0, None
    for step in range(args.steps):
        if pos + args.seq + 1 > s.shape[1]:  # an epoch: start the streams again
            h, pos = None, 0
        x = s[:, pos:pos + args.seq + 1].t()
        pos += args.seq
        for g in opt.param_groups:
            g["lr"] = lr_at(step, args.steps, args.lr)
        logits, h = model(x[:-1], h)
        h = h.detach()
        loss = F.cross_entropy(logits.reshape(-1, model.vocab), x[1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        running = loss.item() if running is None else 0.95 * running + 0.05 * loss.item()
        if (step + 1) % args.log_every == 0 or step + 1 == args.steps:
            log("step %4d/%d  train loss %.4f (smoothed)  lr %.2e  %.0f s"
                % (step + 1, args.steps, running, lr_at(step, args.steps, args.lr),
                   time.time() - args.t0))


def greedy(model, vocab, prompt, n):
    """PyTorch's greedy continuation, one step at a time as `gru generate`
    runs it, and the smallest gap between the two largest logits seen (how
    far every choice was from a tie)."""
    index = {c: i for i, c in enumerate(vocab)}
    out, h, margin = [], None, float("inf")
    with torch.no_grad():
        ids = [index[c] for c in prompt]
        for step in range(len(ids) + n - 1):
            cur = ids[step] if step < len(ids) else nxt
            logits, h = model(torch.tensor([[cur]]), h)
            if step >= len(ids) - 1:
                top = torch.topk(logits[0, 0], 2).values
                margin = min(margin, (top[0] - top[1]).item())
                nxt = int(torch.argmax(logits[0, 0]))
                out.append(vocab[nxt])
    return "".join(out), margin


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--seq", type=int, default=128)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--log-every", type=int, default=50)
    p.add_argument("--out", default=HERE, help="directory for the three files")
    args = p.parse_args()
    args.t0 = time.time()
    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)
    logf = open(os.path.join(args.out, "charlm.log"), "w")

    def log(msg):
        print(msg, flush=True)
        logf.write(msg + "\n")
        logf.flush()

    text = kjv_text()
    vocab = "".join(sorted(set(text)))
    ids = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    table = np.zeros(256, dtype=np.uint8)
    table[[ord(c) for c in vocab]] = np.arange(len(vocab))
    ids = table[ids]
    train_ids, val_ids = split(ids)
    log("train_charlm.py: torch %s, numpy %s, %d thread(s), OPENBLAS_CORETYPE=%s"
        % (torch.__version__, np.__version__, torch.get_num_threads(),
           os.environ.get("OPENBLAS_CORETYPE", "(unset)")))
    log("text: %s, %d verses, %d characters, vocabulary %d"
        % (SOURCE, VERSES, len(text), len(vocab)))
    log("split: %d training, %d validation characters" % (len(train_ids), len(val_ids)))
    log("model: one-hot %d -> GRU(hidden %d, %d layers) -> Linear(%d, %d)"
        % (len(vocab), args.hidden, args.layers, args.hidden, len(vocab)))
    log("training: %d steps of %d streams x %d characters, Adam, peak lr %g, clip 1.0"
        % (args.steps, args.batch, args.seq, args.lr))

    model = CharLM(len(vocab), args.hidden, args.layers)
    log("parameters: %d" % sum(p.numel() for p in model.parameters()))
    model.train()
    train(model, train_ids, args, log)
    train_seconds = time.time() - args.t0
    model.eval()
    val = evaluate(model, val_ids, args.batch, args.seq)
    log("training took %.0f s (%.1f min) on %d thread(s)"
        % (train_seconds, train_seconds / 60, args.threads))
    log("validation loss: %.4f nats/char (%.3f bits/char)" % (val, val / math.log(2)))

    meta = st.gru_metadata(model.gru, prefix="gru.")
    meta.update({
        "charlm.vocab": vocab,
        "charlm.prompt": PROMPT,
        "charlm.source": SOURCE,
        "charlm.val_loss": "%.4f" % val,
    })
    path = os.path.join(args.out, "charlm.safetensors")
    st.save(path, model.state_dict(), meta)
    log("wrote %s: %d bytes" % (os.path.relpath(path, os.getcwd()), os.path.getsize(path)))

    text_out, margin = greedy(model, vocab, PROMPT, GREEDY_CHARS)
    with open(os.path.join(args.out, "charlm_greedy.txt"), "w") as f:
        f.write(PROMPT + text_out)
    log("greedy: %d characters after %r; smallest top-2 logit gap %.4f"
        % (GREEDY_CHARS, PROMPT, margin))
    log("greedy text: %r" % (PROMPT + text_out[:120] + "..."))


if __name__ == "__main__":
    main()
