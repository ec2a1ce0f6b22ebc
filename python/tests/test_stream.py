"""Stream: step-by-step use, reset masks, chunks, state save/restore and
clones, and one thread at a time."""

import pickle
import threading

import numpy as np
import pytest

import libgru
from conftest import assert_close


def _x(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


@pytest.fixture
def gru():
    return libgru.GRU(6, 5, num_layers=2, seed=11)


def test_steps_equal_a_whole_run(gru):
    x, h0 = _x(8, 3, 6), _x(2, 3, 5, seed=1)
    y_ref, h_ref = gru(x, h0)
    s = gru.stream(3, h0=h0)
    ys = np.stack([s.step(x_t) for x_t in x])
    assert_close("stream steps vs run", ys, y_ref)
    assert_close("stream steps vs run", s.state, h_ref)


def test_chunks_equal_a_whole_run_and_capacity_grows(gru):
    x = _x(20, 2, 6)
    y_ref, h_ref = gru(x, lengths=[20, 13])
    s = gru.stream(2)
    parts = [s.run(x[:3], lengths=[3, 3]), s.run(x[3:15], lengths=[12, 10]),
             s.run(x[15:], lengths=[5, 0])]
    assert_close("stream chunks vs run", np.concatenate(parts), y_ref)
    assert_close("stream chunks vs run", s.state, h_ref)
    assert s._seq.max_steps == 12


def test_reset_mask_restarts_chosen_rows(gru):
    x = _x(5, 3, 6)
    s = gru.stream(3)
    for x_t in x[:3]:
        s.step(x_t)
    h_init = _x(2, 3, 5, seed=4)
    y = s.step(x[3], reset=[False, True, True], h_init=h_init)
    # Row 1 and 2 restarted from h_init: as a fresh run of one step from it.
    y_fresh, _ = gru(x[3:4], h_init)
    assert_close("reset mask", y[1:], y_fresh[0, 1:])
    y_cont, _ = gru(x[:4])
    assert_close("reset mask", y[0], y_cont[3, 0])
    y = s.step(x[4], reset=np.array([1, 0, 0], dtype=np.uint8))  # from zeros
    assert_close("reset mask", y[0], gru(x[4:5])[0][0, 0])
    with pytest.raises(ValueError, match=r"reset: expected shape \(3,\)"):
        s.step(x[4], reset=[True, False])
    with pytest.raises(ValueError, match=r"h_init: expected shape \(2, 3, 5\)"):
        s.step(x[4], reset=[True] * 3, h_init=np.zeros((2, 2, 5)))


def test_save_restore_clone(gru):
    x = _x(6, 2, 6)
    s = gru.stream(2)
    for x_t in x[:3]:
        s.step(x_t)
    blob = s.save()
    twin = s.clone()
    rest = np.stack([s.step(x_t) for x_t in x[3:]])
    assert np.array_equal(np.stack([twin.step(x_t) for x_t in x[3:]]), rest)

    other = libgru.GRU(6, 5, num_layers=2, seed=11).stream(2)  # same configuration
    other.restore(blob)
    assert np.array_equal(np.stack([other.step(x_t) for x_t in x[3:]]), rest)
    # A saved state moves between processes as bytes, here through pickle.
    moved = pickle.loads(pickle.dumps((gru, blob)))
    s3 = moved[0].stream(2)
    s3.restore(moved[1])
    assert np.array_equal(np.stack([s3.step(x_t) for x_t in x[3:]]), rest)


def test_restore_refuses_foreign_states(gru):
    s = gru.stream(2)
    state = s.state.copy()
    with pytest.raises(libgru.MismatchError, match="batch 2"):
        s.restore(gru.stream(3).save())
    bad = bytearray(s.save())
    bad[:4] = b"nope"
    with pytest.raises(libgru.FormatError):
        s.restore(bytes(bad))
    other = libgru.GRU(6, 5, num_layers=1, seed=1).stream(4)  # same byte count, other layer
    assert len(other.save()) == len(s.save())
    with pytest.raises(libgru.MismatchError, match="another layer configuration"):
        s.restore(other.save())
    assert np.array_equal(s.state, state)  # unchanged


def test_step_shapes_and_single_row(gru):
    s = gru.stream(1)
    y = s.step(_x(6))
    assert y.shape == (5,)
    out = np.zeros(5, dtype=np.float32)
    assert s.step(_x(6), out=out) is out
    with pytest.raises(ValueError, match=r"x: expected shape \(1, 6\)"):
        s.step(_x(2, 6))
    wide = np.zeros((3, 9), dtype=np.float32)
    s3 = gru.stream(3)
    s3b = s3.clone()
    s3.step(_x(3, 6), out=wide[:, 2:7])  # strided rows, in place
    assert np.array_equal(wide[:, 2:7], s3b.step(_x(3, 6)))


def test_bidirectional_layers_cannot_step():
    g = libgru.GRU(3, 2, bidirectional=True, seed=0)
    s = g.stream(1)
    with pytest.raises(libgru.UnsupportedError) as e:
        s.step(_x(3))
    assert e.value.status == libgru.Status.ERR_UNSUPPORTED
    y = s.run(_x(4, 1, 3))  # a chunk is a whole sequence of its own
    assert_close("bidirectional chunk", y, g(_x(4, 1, 3))[0])


def test_one_thread_at_a_time(gru):
    s = gru.stream(2)
    s._busy.acquire()  # as if another thread were inside a call
    try:
        with pytest.raises(RuntimeError, match="one thread at a time"):
            s.step(_x(2, 6))
    finally:
        s._busy.release()
    s.step(_x(2, 6))


def test_streams_move_between_threads(gru):
    x = _x(12, 4, 6)
    y_ref, h_ref = gru(x)
    s = gru.stream(4)
    ys = []

    def advance(lo, hi):
        ys.extend(s.step(x_t) for x_t in x[lo:hi])

    for lo in range(0, 12, 3):  # each chunk on another thread, handed over by join()
        t = threading.Thread(target=advance, args=(lo, lo + 3))
        t.start()
        t.join()
    assert_close("stream across threads", np.stack(ys), y_ref)
    assert_close("stream across threads", s.state, h_ref)


def test_many_streams_in_parallel(gru):
    xs = [_x(30, 2, 6, seed=i) for i in range(6)]
    want = [gru(x)[1] for x in xs]
    got = [None] * len(xs)

    def work(i):
        s = gru.stream(2)
        for x_t in xs[i]:
            s.step(x_t)
        got[i] = s.state

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(xs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for g, w in zip(got, want):
        assert_close("parallel streams", g, w)
