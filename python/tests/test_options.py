"""Options: the kernels' paths (isa, products) and a sequence's own
threads (GRU_OPT_THREADS): same results, errors where the library says."""

import ctypes

import numpy as np
import pytest

import libgru
from libgru import _capi, _handles
from conftest import assert_close

needs_threads = pytest.mark.skipif(not _capi.lib().has("gru_sequence_set_option"),
                                   reason="the loaded libgru has no gru_sequence_set_option")


def _x(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _sequence_threads(seq):
    value = ctypes.c_size_t()
    seq.check(_capi.lib().gru_sequence_get(seq.ptr, _handles.Info.THREADS, ctypes.byref(value)))
    return value.value


@needs_threads
@pytest.mark.parametrize("bidirectional", [False, True])
def test_threads_give_the_same_bits(bidirectional):
    one = libgru.GRU(12, 40, num_layers=2, bidirectional=bidirectional, seed=3)
    three = pickle_copy(one, threads=3)
    assert three.threads == 3 and "threads=3" in repr(three)
    x, h0 = _x(9, 5, 12), _x(2 * (1 + bidirectional), 5, 40, seed=1)
    y1, h1 = one(x, h0, lengths=[9, 4, 1, 9, 0])
    y3, h3 = three(x, h0, lengths=[9, 4, 1, 9, 0])
    assert np.array_equal(y1, y3) and np.array_equal(h1, h3)
    assert _sequence_threads(three._local.sequence) == 3


def pickle_copy(gru, **changes):
    import pickle
    other = pickle.loads(pickle.dumps(gru))
    for k, v in changes.items():
        setattr(other, k, v)
    return other


@needs_threads
def test_stream_threads_and_changing_them():
    g = libgru.GRU(8, 64, seed=4)
    x = _x(6, 3, 8)
    ref = g.stream(3)
    s = g.stream(3, threads=2)
    assert s.threads == 2 and _sequence_threads(s._seq) == 2
    for t in range(3):
        assert np.array_equal(s.step(x[t]), ref.step(x[t]))
    s.threads = 4
    assert _sequence_threads(s._seq) == 4
    twin = s.clone()
    assert twin.threads == 4 and _sequence_threads(twin._seq) == 4
    for t in range(3, 6):
        y = ref.step(x[t])
        assert np.array_equal(s.step(x[t]), y) and np.array_equal(twin.step(x[t]), y)
    g.threads = 2  # the cached workspace of this thread follows
    g(x)
    assert _sequence_threads(g._local.sequence) == 2
    g.threads = None
    g(x)
    assert _sequence_threads(g._local.sequence) == 1


def test_thread_counts_are_checked():
    for bad in (0, -1, 257, 2.5, True, "4"):
        with pytest.raises(ValueError, match="threads: an integer from 1 to 256"):
            libgru.GRU(3, 4, threads=bad)
    g = libgru.GRU(3, 4)
    with pytest.raises(ValueError):
        g.stream(1, threads=0)


@needs_threads
def test_products():
    packed = libgru.GRU(6, 20, seed=5)
    blas = libgru.GRU(6, 20, seed=5, products="blas")
    assert packed.products == libgru.Products.PACKED and blas.products == libgru.Products.BLAS
    x = _x(7, 2, 6)
    assert_close("products blas vs packed", blas(x)[0], packed(x)[0])
    with pytest.raises(libgru.UnsupportedError) as e:
        blas.stream(2, threads=2)
    assert e.value.status == libgru.Status.ERR_UNSUPPORTED
    with pytest.raises(ValueError, match="products: expected one of"):
        libgru.GRU(6, 20, products="gpu")


def test_isa_cap():
    g = libgru.GRU(6, 20, seed=6, isa="scalar")
    assert g.isa == libgru.Isa.SCALAR
    best = libgru.GRU(6, 20, seed=6)
    assert best.isa.value <= libgru.cpu_isa().value
    x = _x(5, 3, 6)
    assert_close("isa scalar vs best", g(x)[0], best(x)[0])


@needs_threads
def test_stream_spin_us():
    """GRU_OPT_SPIN_US through a Stream: the library's default, set at
    creation and later, kept by clones and by a stream that grows, refused
    out of range; the bits never change."""
    g = libgru.GRU(8, 64, seed=5)
    x = _x(6, 2, 8)
    assert g.stream(2, threads=2).spin_us == 200
    s = g.stream(2, threads=2, spin_us=0)
    ref = g.stream(2)
    assert s.spin_us == 0
    s.spin_us = 30000
    assert s.spin_us == 30000 and s.clone().spin_us == 30000
    assert np.array_equal(s.run(x), ref.run(x))  # 6 steps: grows past max_steps=1
    assert s.spin_us == 30000
    for bad in (-1, libgru._handles.MAX_SPIN_US + 1, 1.5, True):
        with pytest.raises(ValueError):
            s.spin_us = bad
    assert s.spin_us == 30000
