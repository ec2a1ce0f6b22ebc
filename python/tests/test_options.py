"""Options: the kernels' paths (isa)."""

import numpy as np
import pytest

import libgru
from conftest import assert_close


def _x(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def test_isa_cap():
    g = libgru.GRU(6, 20, seed=6, isa="scalar")
    assert g.isa == libgru.Isa.SCALAR
    best = libgru.GRU(6, 20, seed=6)
    assert best.isa.value <= libgru.cpu_isa().value
    x = _x(5, 3, 6)
    assert_close("isa scalar vs best", g(x)[0], best(x)[0])
    with pytest.raises(ValueError, match="isa: expected one of"):
        libgru.GRU(6, 20, isa="sse9")
