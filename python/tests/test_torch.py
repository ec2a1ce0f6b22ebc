"""libgru against torch.nn.GRU itself, for random configurations: layers,
directions, bias, batch_first, packed lengths, h0, strided and converted
inputs."""

import numpy as np
import pytest

import libgru
from conftest import assert_close

CASES = 48


def _config(seed):
    rng = np.random.default_rng(seed)
    c = dict(I=int(rng.integers(1, 24)), H=int(rng.integers(1, 24)), L=int(rng.integers(1, 4)),
             bidirectional=bool(rng.integers(2)), bias=bool(rng.random() < 0.8),
             batch_first=bool(rng.integers(2)), T=int(rng.integers(1, 40)),
             B=int(rng.integers(1, 7)), h0=bool(rng.integers(2)), packed=bool(rng.integers(2)),
             strided=bool(rng.integers(2)))
    return rng, c


def _torch_run(torch, m, x, h0, lengths, batch_first):
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
    xt = torch.from_numpy(np.ascontiguousarray(x))
    ht = None if h0 is None else torch.from_numpy(h0)
    with torch.no_grad():
        if lengths is None:
            y, h = m(xt, ht)
        else:
            T = x.shape[1] if batch_first else x.shape[0]
            packed = pack_padded_sequence(xt, torch.from_numpy(lengths), batch_first=batch_first,
                                          enforce_sorted=False)
            y, h = m(packed, ht)
            y, _ = pad_packed_sequence(y, batch_first=batch_first, total_length=T)
    return y.numpy(), h.numpy()


@pytest.mark.parametrize("seed", range(CASES))
def test_random_config(torch, seed):
    rng, c = _config(seed)
    torch.manual_seed(seed)
    m = torch.nn.GRU(c["I"], c["H"], num_layers=c["L"], bidirectional=c["bidirectional"],
                     bias=c["bias"], batch_first=c["batch_first"])
    gru = libgru.GRU.from_torch(m)
    assert (gru.input_size, gru.hidden_size, gru.num_layers) == (c["I"], c["H"], c["L"])
    assert gru.bidirectional == c["bidirectional"] and gru.batch_first == c["batch_first"]
    T, B, D = c["T"], c["B"], 2 if c["bidirectional"] else 1
    dims = (B, T, c["I"]) if c["batch_first"] else (T, B, c["I"])
    if c["strided"]:  # rows inside a wider buffer: passed with a stride, no copy
        x = rng.standard_normal(dims[:2] + (c["I"] + 3,)).astype(np.float32)[..., 1:c["I"] + 1]
    else:
        x = rng.standard_normal(dims).astype(np.float32)
    h0 = rng.standard_normal((c["L"] * D, B, c["H"])).astype(np.float32) if c["h0"] else None
    lengths = rng.integers(1, T + 1, B).astype(np.int64) if c["packed"] else None

    y, h_n = gru(x, h0, lengths)
    y_ref, h_ref = _torch_run(torch, m, x, h0, lengths, c["batch_first"])
    assert_close("torch random y", y, y_ref)
    assert_close("torch random h_n", h_n, h_ref)
    if lengths is not None:  # zero past each row's length, like pad_packed_sequence
        for b, n in enumerate(lengths):
            past = y[b, n:] if c["batch_first"] else y[n:, b]
            assert not past.any()


@pytest.mark.parametrize("bidirectional", [False, True])
def test_unbatched_input(torch, bidirectional):
    torch.manual_seed(3)
    m = torch.nn.GRU(4, 6, num_layers=2, bidirectional=bidirectional)
    gru = libgru.GRU.from_torch(m)
    x = np.random.default_rng(0).standard_normal((7, 4)).astype(np.float32)
    h0 = np.random.default_rng(1).standard_normal((2 * (1 + bidirectional), 6)).astype(np.float32)
    y, h_n = gru(x, h0)
    with torch.no_grad():
        y_ref, h_ref = m(torch.from_numpy(x), torch.from_numpy(h0))
    assert y.shape == (7, 6 * (1 + bidirectional)) and h_n.shape == h0.shape
    assert_close("torch unbatched", y, y_ref.numpy())
    assert_close("torch unbatched", h_n, h_ref.numpy())


def test_gru_cell_module(torch):
    torch.manual_seed(4)
    cell = torch.nn.GRUCell(5, 3)
    gru = libgru.GRU.from_torch(cell)
    x = np.random.default_rng(2).standard_normal((4, 5)).astype(np.float32)
    s = gru.stream(batch=4)
    with torch.no_grad():
        h = torch.zeros(4, 3)
        for _ in range(3):
            h = cell(torch.from_numpy(x), h)
            assert_close("torch GRUCell step", s.step(x), h.numpy())


def test_state_dict_prefix_and_round_trip(torch):
    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = torch.nn.Linear(3, 4)
            self.rnn = torch.nn.GRU(4, 5, num_layers=2, bidirectional=True)

    torch.manual_seed(5)
    model = Model()
    gru = libgru.GRU.from_torch(model.state_dict())  # the one GRU inside is found
    assert gru.num_layers == 2 and gru.bidirectional
    back = gru.state_dict()
    for name, t in model.rnn.state_dict().items():
        assert np.array_equal(back[name], t.numpy()), name  # exact
    assert list(back) == list(model.rnn.state_dict())
    assert libgru.GRU.from_torch(model.state_dict(), prefix="rnn.").num_layers == 2

    model.rnn2 = torch.nn.GRU(4, 5)
    with pytest.raises(ValueError, match="several GRUs"):
        libgru.GRU.from_torch(model.state_dict())
    with pytest.raises(ValueError, match="LSTM"):
        libgru.GRU.from_torch(torch.nn.LSTM(3, 4))


def test_random_init_loads_into_torch(torch):
    gru = libgru.GRU(6, 4, num_layers=2, bidirectional=True, seed=7)
    m = torch.nn.GRU(6, 4, num_layers=2, bidirectional=True)
    m.load_state_dict({k: torch.from_numpy(v) for k, v in gru.state_dict().items()})
    x = np.random.default_rng(3).standard_normal((5, 2, 6)).astype(np.float32)
    y, h_n = gru(x)
    with torch.no_grad():
        y_ref, h_ref = m(torch.from_numpy(x))
    assert_close("torch random init", y, y_ref.numpy())
    assert_close("torch random init", h_n, h_ref.numpy())
    bound = 1 / np.sqrt(4)
    assert all(np.abs(v).max() <= bound for v in gru.state_dict().values())
