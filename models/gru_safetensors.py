"""safetensors written and read directly, and libgru's metadata for a GRU.

Debian packages no `safetensors` for Python, and the format is small: an
8-byte little-endian header length N, N bytes of JSON, then the raw
tensor bytes. This module writes exactly that (the header padded with
spaces to a multiple of 8, as the reference writer does, so every tensor
starts aligned), so the training script and the test-data generators need
nothing beyond python3-torch and python3-numpy. docs/models.md describes
the format and every metadata key.

    import torch, gru_safetensors as st
    gru = torch.nn.GRU(80, 256, num_layers=2)
    st.save("gru.safetensors", gru.state_dict(), st.gru_metadata(gru))
"""

import json
import struct

import numpy as np
import torch

FORMAT_VERSION = "1"

# safetensors dtype names of the torch dtypes this module writes.
_TORCH_DTYPES = {
    torch.float32: "F32",
    torch.float16: "F16",
    torch.bfloat16: "BF16",
    torch.float64: "F64",
    torch.int64: "I64",
    torch.int32: "I32",
    torch.int16: "I16",
    torch.int8: "I8",
    torch.uint8: "U8",
    torch.bool: "BOOL",
}


def _raw(t):
    """(dtype name, shape, little-endian bytes) of a torch tensor."""
    t = t.detach().cpu().contiguous()
    if t.dtype not in _TORCH_DTYPES:
        raise TypeError("no safetensors dtype for %s" % t.dtype)
    if t.dtype == torch.bfloat16:  # numpy has no bfloat16: its bits as int16
        a = t.view(torch.int16).numpy()
    else:
        a = t.numpy()
    a = a.astype(a.dtype.newbyteorder("<"), copy=False)
    return _TORCH_DTYPES[t.dtype], list(t.shape), a.tobytes()


def encode(tensors, metadata=None):
    """The bytes of a safetensors file holding tensors (name -> torch
    tensor, in the order given) and metadata (str -> str)."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name, t in tensors.items():
        dtype, shape, data = _raw(t)
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False)
    raw = text.encode("utf-8")
    raw += b" " * (-len(raw) % 8)
    return struct.pack("<Q", len(raw)) + raw + b"".join(blobs)


def save(path, tensors, metadata=None):
    """Writes encode(tensors, metadata) to path."""
    with open(path, "wb") as f:
        f.write(encode(tensors, metadata))


def load(path):
    """(tensors as float32 numpy arrays where the dtype is a float, else
    raw numpy arrays; metadata) of a safetensors file. For checks, not
    for untrusted files."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    data = blob[8 + n:]
    metadata = header.pop("__metadata__", {})
    np_types = {"F32": "<f4", "F16": "<f2", "F64": "<f8", "I64": "<i8",
                "I32": "<i4", "I16": "<i2", "I8": "i1", "U8": "u1",
                "BOOL": "?", "BF16": "<u2"}
    out = {}
    for name, e in header.items():
        lo, hi = e["data_offsets"]
        a = np.frombuffer(data[lo:hi], dtype=np_types[e["dtype"]])
        if e["dtype"] == "BF16":
            a = (a.astype(np.uint32) << 16).view(np.float32)
        out[name] = a.reshape(e["shape"])
    return out, metadata


def gru_metadata(gru, prefix="", direction=None):
    """libgru's metadata (format version 1) for a torch.nn.GRU whose
    state_dict is saved under prefix: the file then describes itself and
    loads without the caller knowing its shape. docs/models.md lists the
    keys."""
    if direction is None:
        direction = "bidirectional" if gru.bidirectional else "forward"
    return {
        "libgru.version": FORMAT_VERSION,
        "libgru.format": "torch",
        "libgru.variant": "reset_after",
        "libgru.direction": direction,
        "libgru.num_layers": str(gru.num_layers),
        "libgru.input_size": str(gru.input_size),
        "libgru.hidden_size": str(gru.hidden_size),
        "libgru.gate_order": "r,z,n",
        "libgru.z": "old_state",
        "libgru.prefix": prefix,
    }
