"""Model files: GRU.load / save / to_safetensors and ModelFile, on files
libgru writes and on PyTorch state dicts written as safetensors here (the
format written directly: Debian packages no safetensors for Python)."""

import json
import os
import struct

import numpy as np
import pytest

import libgru
from libgru import _capi
from conftest import assert_close

pytestmark = pytest.mark.skipif(not _capi.lib().has("gru_builder_load_file"),
                                reason="the loaded libgru cannot read model files")

_DTYPES = {np.dtype(np.float32): "F32", np.dtype(np.float16): "F16", np.dtype(np.int64): "I64"}


def safetensors(tensors, metadata=None):
    """The bytes of a safetensors file of numpy arrays (name -> array)."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, a in tensors.items():
        a = np.ascontiguousarray(a)
        data = a.astype(a.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": _DTYPES[a.dtype], "shape": list(a.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    return struct.pack("<Q", len(raw)) + raw + b"".join(blobs)


def header_of(blob):
    (n,) = struct.unpack("<Q", blob[:8])
    return json.loads(blob[8:8 + n])


def _x(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def test_save_and_load_round_trip(tmp_path):
    g = libgru.GRU(5, 7, num_layers=2, bidirectional=True, seed=1)
    path = tmp_path / "gru.safetensors"
    g.save(path)
    back = libgru.GRU.load(path)
    assert (back.num_layers, back.bidirectional, back.input_size) == (2, True, 5)
    for name, a in g.state_dict().items():
        assert np.array_equal(back.state_dict()[name], a), name
    x = _x(6, 3, 5)
    assert np.array_equal(back(x)[0], g(x)[0])
    blob = g.to_safetensors()
    assert blob == path.read_bytes()
    assert np.array_equal(libgru.GRU.load(blob)(x)[1], g(x)[1])
    assert "__metadata__" in header_of(blob)


def test_reset_before_saves_in_onnx_layout(tmp_path):
    g = libgru.GRU(4, 3, variant="reset_before", direction="reverse", seed=2)
    blob = g.to_safetensors()
    assert "W" in header_of(blob) or "W_l0" in header_of(blob)
    back = libgru.GRU.load(blob)
    assert back.variant == libgru.Variant.RESET_BEFORE and back.direction == g.direction
    x = _x(5, 2, 4)
    assert np.array_equal(back(x)[0], g(x)[0])
    for fmt in ("keras", "concat"):
        assert np.array_equal(libgru.GRU.load(g.to_safetensors(fmt))(x)[0], g(x)[0])
    with pytest.raises(libgru.UnsupportedError):
        g.to_safetensors("torch")


def test_model_file_reads_metadata_and_every_tensor(tmp_path):
    g = libgru.GRU(3, 4, seed=3)
    blob = g.to_safetensors()
    f = libgru.ModelFile(blob)
    meta = header_of(blob)["__metadata__"]
    assert meta and all(f.metadata(k) == v for k, v in meta.items())
    assert f.metadata_keys() == sorted(meta, key=lambda k: k.encode())
    assert f.metadata("no.such.key") is None and f.metadata("no.such.key", "x") == "x"
    assert sorted(f.keys()) == sorted(g.state_dict())
    for name, a in g.state_dict().items():
        assert f.info(name) == ("F32", a.shape)
        assert np.array_equal(f[name], a)
    assert np.array_equal(libgru.GRU.load(f)(_x(2, 1, 3))[0], g(_x(2, 1, 3))[0])
    path = tmp_path / "m.safetensors"
    path.write_bytes(blob)
    assert libgru.ModelFile(str(path)).keys() == f.keys()


def test_torch_state_dict_under_a_prefix(torch, tmp_path):
    torch.manual_seed(4)
    m = torch.nn.GRU(6, 5, num_layers=2)
    tensors = {"rnn." + k: v.numpy() for k, v in m.state_dict().items()}
    tensors["embed.weight"] = np.arange(12, dtype=np.float32).reshape(3, 4)
    tensors["steps"] = np.array([7], dtype=np.int64)
    path = tmp_path / "model.safetensors"
    path.write_bytes(safetensors(tensors, {"note": "written by the test"}))
    g = libgru.GRU.load(path, prefix="rnn.")
    x, h0 = _x(8, 2, 6), _x(2, 2, 5, seed=1)
    with torch.no_grad():
        y_ref, h_ref = m(torch.from_numpy(x), torch.from_numpy(h0))
    y, h_n = g(x, h0)
    assert_close("safetensors torch y", y, y_ref.numpy())
    assert_close("safetensors torch h_n", h_n, h_ref.numpy())
    f = libgru.ModelFile(path)
    assert f.metadata("note") == "written by the test"
    assert np.array_equal(f["embed.weight"], tensors["embed.weight"])
    assert f.info("steps") == ("I64", (1,))
    # Half-precision tensors load, converted exactly.
    half = {k: v.astype(np.float16) if k.startswith("rnn.") else v for k, v in tensors.items()}
    g16 = libgru.GRU.load(safetensors(half), prefix="rnn.")
    want = {k[4:]: v.astype(np.float32) for k, v in half.items() if k.startswith("rnn.")}
    for name, a in g16.state_dict().items():
        assert np.array_equal(a, want[name]), name


def test_bad_files_raise_with_the_library_message(tmp_path):
    blob = libgru.GRU(3, 4, seed=5).to_safetensors()
    with pytest.raises(libgru.FormatError) as e:
        libgru.GRU.load(blob[:-1])
    assert e.value.status == libgru.Status.ERR_FORMAT and e.value.message
    with pytest.raises(libgru.FormatError):
        libgru.ModelFile(b"\x00" * 7)
    with pytest.raises(libgru.ResourceError) as e:
        libgru.GRU.load(tmp_path / "missing.safetensors")
    assert e.value.status == libgru.Status.ERR_IO and isinstance(e.value, OSError)
    with pytest.raises(libgru.TensorNameError):
        libgru.GRU.load(blob, prefix="encoder.")
    with pytest.raises(libgru.ResourceError):
        libgru.GRU(3, 4).save(os.path.join(tmp_path, "no", "such", "dir", "x.safetensors"))


_MODEL_CASES = ["l2_bidir", "batch_first", "in_model", "f16", "bf16", "meta", "cell", "no_bias"]


@pytest.mark.parametrize("case", _MODEL_CASES)
def test_model_golden(case):
    """tests/data/models/: PyTorch GRUs saved as safetensors, and PyTorch's
    outputs (the C tests' test_safetensors.c reads the same files)."""
    from conftest import DATA
    base = os.path.join(DATA, "models", case)
    if not os.path.exists(base + ".safetensors"):
        pytest.skip("no %s.safetensors in this tree" % case)

    def npy(part):
        path = "%s.%s.npy" % (base, part)
        return np.load(path) if os.path.exists(path) else None

    g = libgru.GRU.load(base + ".safetensors", prefix="rnn." if case == "in_model" else None,
                        batch_first=case == "batch_first")
    y, h_n = g(npy("x"), npy("h0"), npy("lengths"))
    assert_close("model golden y", y, npy("y"))
    assert_close("model golden h_n", h_n, npy("hn"))
