"""What arrays pass without a copy, what is converted, what is refused, and
the library's errors as exceptions with its messages."""

import pickle
import threading

import numpy as np
import pytest

import libgru
from libgru import _arrays
from conftest import assert_close


@pytest.fixture
def gru():
    return libgru.GRU(5, 4, num_layers=2, seed=1)


def _x(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def test_rows_pass_without_copy():
    dense = _x(6, 3, 5)
    a, s = _arrays.rows_in(dense)
    assert a is dense and s == 5
    wide = _x(6, 3, 9)
    a, s = _arrays.rows_in(wide[:, :, 2:7])
    assert s == 9 and np.shares_memory(a, wide)
    one_row = _x(6, 1, 8)[:, :, :5]  # batch 1: the time stride alone
    a, s = _arrays.rows_in(one_row)
    assert s == 8 and np.shares_memory(a, one_row)


@pytest.mark.parametrize("make", [
    lambda x: x.transpose(1, 0, 2),            # rows not evenly spaced
    lambda x: x[:, :, ::-1],                   # reversed inner axis
    lambda x: x[::-1],                         # negative stride
    lambda x: x[:, ::2],                       # every other row: spaced, but not uniformly
])
def test_other_layouts_are_copied_and_still_right(gru, make):
    x = make(_x(6, 4, 5))
    a, s = _arrays.rows_in(np.asarray(x))
    if not np.shares_memory(a, x):
        assert a.flags.c_contiguous and s == 5
    y, h = gru(x)
    y_ref, h_ref = gru(np.ascontiguousarray(x))
    assert np.array_equal(y, y_ref) and np.array_equal(h, h_ref)


def test_unaligned_buffer_is_copied(gru):
    raw = np.zeros(6 * 2 * 5 * 4 + 1, dtype=np.uint8)
    x = raw[1:].view(np.float32).reshape(6, 2, 5)
    x[...] = _x(6, 2, 5)
    assert not x.flags.aligned
    assert _arrays.row_stride(x) is None
    y, _ = gru(x)
    assert np.array_equal(y, gru(np.array(x))[0])


def test_dtypes(gru):
    x = _x(3, 2, 5)
    y32, _ = gru(x)
    y64, _ = gru(x.astype(np.float64))         # converted
    assert np.array_equal(y32, y64)
    assert np.array_equal(gru(x.astype(">f4"))[0], y32)  # byte-swapped: converted
    assert gru(np.ones((3, 2, 5), dtype=np.int32))[0].dtype == np.float32
    assert np.array_equal(gru(x.tolist())[0], y32)
    for bad in (x.astype(np.complex64), x.astype(object), x > 0):
        with pytest.raises(TypeError, match="x: expected real numbers"):
            gru(bad)


def test_out_in_place_and_strided(gru):
    x = _x(6, 3, 5)
    y_ref, h_ref = gru(x)
    out = np.full((6, 3, 4), np.nan, dtype=np.float32)
    y, h = gru(x, out=out)
    assert y is out and np.array_equal(out, y_ref)
    wide = np.full((6, 3, 10), 7.0, dtype=np.float32)
    y, _ = gru(x, out=wide[:, :, 3:7])           # written in place through y_stride
    assert np.array_equal(wide[:, :, 3:7], y_ref)
    assert (wide[:, :, :3] == 7).all() and (wide[:, :, 7:] == 7).all()
    odd = np.zeros((3, 6, 4), dtype=np.float32).transpose(1, 0, 2)  # via a temporary
    assert gru(x, out=odd)[0] is odd and np.array_equal(odd, y_ref)
    with pytest.raises(ValueError, match="out: expected a float32 array of shape"):
        gru(x, out=np.zeros((6, 3, 5), dtype=np.float32))
    with pytest.raises(ValueError, match="overlaps"):
        buf = np.zeros((6, 3, 9), dtype=np.float32)
        gru(buf[:, :, :5], out=buf[:, :, 4:8])


def test_interleaved_input_and_output_in_one_buffer(gru):
    buf = np.zeros((6, 3, 9), dtype=np.float32)  # x in columns 0..4, y in 5..8
    buf[:, :, :5] = _x(6, 3, 5)
    y_ref, _ = gru(buf[:, :, :5].copy())
    gru(buf[:, :, :5], out=buf[:, :, 5:])
    assert np.array_equal(buf[:, :, 5:], y_ref)


def test_shapes_are_checked_before_the_call(gru):
    with pytest.raises(ValueError, match="input_size is 5"):
        gru(_x(6, 3, 4))
    with pytest.raises(ValueError, match=r"expected \[T, B, I\]"):
        gru(_x(6, 3, 5, 1))
    with pytest.raises(ValueError, match=r"h0: expected shape \(2, 3, 4\)"):
        gru(_x(6, 3, 5), np.zeros((2, 2, 4)))
    with pytest.raises(ValueError, match=r"lengths: expected shape \(3,\)"):
        gru(_x(6, 3, 5), lengths=[1, 2])
    with pytest.raises(ValueError, match="negative length"):
        gru(_x(6, 3, 5), lengths=[1, -2, 3])
    with pytest.raises(TypeError, match="lengths: expected integers"):
        gru(_x(6, 3, 5), lengths=[1.5, 2, 3])


def test_library_errors_carry_its_message(gru):
    with pytest.raises(libgru.ArgumentError) as e:
        gru(_x(6, 3, 5), lengths=[1, 7, 3])
    assert e.value.status == libgru.Status.ERR_INVALID
    assert "lengths[1] = 7 > steps 6" in str(e.value) and str(e.value).startswith("GRU_ERR_")
    with pytest.raises(libgru.ArgumentError, match="GRU_ERR_SIZE"):
        gru(np.zeros((0, 3, 5), dtype=np.float32))
    with pytest.raises(libgru.ShapeError, match=r"weight_ih_l0: expected shape \[12, 5\], "
                                                r"got \[12, 6\]") as e:
        libgru.GRU(5, 4, weights={"weight_ih_l0": np.zeros((12, 6)),
                                  "weight_hh_l0": np.zeros((12, 4))})
    assert isinstance(e.value, ValueError) and e.value.status == libgru.Status.ERR_SHAPE
    with pytest.raises(libgru.MissingError, match="never set"):
        libgru.GRU(5, 4, weights={"weight_ih_l0": np.zeros((12, 5))})
    with pytest.raises(libgru.UnsupportedError, match="reset-before"):
        libgru.GRU(5, 4, variant="reset_before", weights={"weight_ih_l0": np.zeros((12, 5))})
    with pytest.raises(libgru.TensorNameError, match="weight_ih_l1"):
        libgru.GRU(5, 4, weights={"weight_ih_l1": np.zeros((12, 4))})
    with pytest.raises(ValueError, match="bias=False"):
        libgru.GRU(5, 4, bias=False, weights={"bias_ih_l0": np.zeros(12)})
    with pytest.raises(ValueError, match="variant: expected one of"):
        libgru.GRU(5, 4, variant="sideways")
    with pytest.raises(libgru.ArgumentError, match="GRU_ERR_SIZE"):
        libgru.GRU(0, 4)


def test_constructor_formats_and_properties():
    g = libgru.GRU(3, 2, num_layers=3, direction="bidirectional_sum", variant="reset_before",
                   seed=2, isa="scalar")
    assert (g.input_size, g.hidden_size, g.num_layers, g.num_directions, g.output_size) == \
        (3, 2, 3, 2, 2)
    assert g.direction == libgru.Direction.BIDIRECTIONAL_SUM
    assert g.variant == libgru.Variant.RESET_BEFORE and g.isa == libgru.Isa.SCALAR
    assert g.nbytes > 0 and "bidirectional_sum" in repr(g)
    y, h = g(_x(4, 2, 3))
    assert y.shape == (4, 2, 2) and h.shape == (6, 2, 2)
    # The same weights through Keras's and our own layout compute the same bits.
    for fmt in ("keras", "concat"):
        other = libgru.GRU(3, 2, num_layers=3, direction="bidirectional_sum",
                           variant="reset_before", weights=g.state_dict(fmt), format=fmt,
                           isa="scalar")
        y2, h2 = other(_x(4, 2, 3))
        assert_close("formats agree", y2, y, 1e-6)


def test_pickle_round_trip_is_exact(gru):
    g2 = pickle.loads(pickle.dumps(gru))
    x = _x(5, 2, 5)
    assert np.array_equal(g2(x)[0], gru(x)[0])
    nb = libgru.GRU(2, 3, bias=False, batch_first=True, seed=3)
    nb2 = pickle.loads(pickle.dumps(nb))
    assert not nb2.bias and nb2.batch_first


def test_many_threads_share_one_gru(gru):
    xs = [_x(7, b, 5, seed=b) for b in range(1, 9)]
    want = [gru(x) for x in xs]
    got, errors = [None] * len(xs), []

    def work(i):
        try:
            for _ in range(20):
                got[i] = gru(xs[i])
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(xs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for (y, h), (yw, hw) in zip(got, want):
        assert np.array_equal(y, yw) and np.array_equal(h, hw)


def test_workspace_grows_and_is_reused(gru):
    y_small, _ = gru(_x(3, 1, 5))
    seq = gru._local.sequence
    gru(_x(2, 1, 5))
    assert gru._local.sequence is seq              # fits: reused
    gru(_x(9, 4, 5))
    assert (gru._local.sequence.max_steps, gru._local.sequence.max_batch) == (9, 4)
    assert np.array_equal(gru(_x(3, 1, 5))[0], y_small)
