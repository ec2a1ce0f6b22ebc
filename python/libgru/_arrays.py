"""numpy arrays to C buffers: what passes without a copy, what is converted,
what is refused. The rules (python/README.md, "Arrays"):

- Data is float32 in the machine's byte order. Other real dtypes (float64,
  float16, integers) are converted with a copy; bool, complex, object and
  strings are refused with TypeError.
- Input rows need only their own floats contiguous: a 3-D x [A, B, I] whose
  rows (a, b) sit a constant stride apart (a C-contiguous array, or a slice
  of the last axis of a wider one) passes its pointer and that stride.
  Anything else (a transposed array, a reversed axis, an unaligned buffer)
  is copied to C order first.
- Outputs given by the caller (``out=``) are written in place when their
  rows can be addressed that way, else through a temporary and copied in.
- States, lengths, masks and weights are small and always converted to
  contiguous arrays of the C type.
"""

import ctypes

import numpy as np

FLOAT = np.dtype(np.float32)
FLOAT_P = ctypes.POINTER(ctypes.c_float)
SIZE_P = ctypes.POINTER(ctypes.c_size_t)
UBYTE_P = ctypes.POINTER(ctypes.c_ubyte)


def real_array(value, name):
    """value as an ndarray of float32 (a copy only if it was not)."""
    a = np.asarray(value)
    if a.dtype.kind not in "fiu":
        raise TypeError("%s: expected real numbers (float32), got dtype %s" % (name, a.dtype))
    if a.dtype != FLOAT:
        a = a.astype(FLOAT)
    return a


def contiguous(value, name):
    """A C-contiguous, aligned float32 array with value's contents."""
    return np.ascontiguousarray(real_array(value, name))


def row_stride(a):
    """For a 3-D float32 array [n0, n1, w], the stride s in floats such that
    row (i, j) starts s * (i * n1 + j) floats after a's first element, or
    None if no such s >= w exists (or a is unaligned)."""
    n0, n1, width = a.shape
    st0, st1, st2 = a.strides
    if a.dtype != FLOAT or not a.flags.aligned:
        return None
    if width > 1 and st2 != FLOAT.itemsize:
        return None
    if n1 > 1:
        step = st1
        if n0 > 1 and st0 != n1 * st1:
            return None
    elif n0 > 1:
        step = st0
    else:
        step = width * FLOAT.itemsize
    if step % FLOAT.itemsize or step < width * FLOAT.itemsize:
        return None
    return step // FLOAT.itemsize


def rows_in(a):
    """(array, stride) for an input [n0, n1, w]: a itself when its rows are
    evenly spaced, else a C-order copy with stride w."""
    s = row_stride(a)
    if s is None:
        a = np.ascontiguousarray(a)
        s = a.shape[2]
    return a, s


def floats(a):
    """A float * to a's first element (a must stay alive during the call)."""
    if a.flags.c_contiguous and a.flags.writeable and a.nbytes >= FLOAT.itemsize:
        return FLOAT_P(ctypes.c_float.from_buffer(a))  # twice as fast as data_as
    return a.ctypes.data_as(FLOAT_P)


def sizes(a):
    return a.ctypes.data_as(SIZE_P)


def lengths_array(lengths, batch):
    """lengths as a size_t array of batch entries; negative or non-integer
    values are refused here (the library refuses those above steps)."""
    a = np.asarray(lengths)
    if a.ndim != 1 or a.shape[0] != batch:
        raise ValueError("lengths: expected shape (%d,), got %s" % (batch, tuple(a.shape)))
    if a.dtype.kind == "f" and np.all(np.mod(a, 1) == 0):
        a = a.astype(np.int64)
    if a.dtype.kind not in "iu":
        raise TypeError("lengths: expected integers, got dtype %s" % a.dtype)
    if a.dtype.kind == "i" and np.any(a < 0):
        raise ValueError("lengths: negative length %d" % int(a.min()))
    return np.ascontiguousarray(a, dtype=np.uintp)


def mask_array(mask, batch):
    """A per-row flag array as unsigned chars (non-zero: set)."""
    a = np.asarray(mask)
    if a.ndim != 1 or a.shape[0] != batch:
        raise ValueError("reset: expected shape (%d,), got %s" % (batch, tuple(a.shape)))
    if a.dtype.kind not in "biu":
        raise TypeError("reset: expected booleans, got dtype %s" % a.dtype)
    return np.ascontiguousarray(a != 0, dtype=np.uint8)


def shaped(value, shape, name):
    """value as a contiguous float32 array of exactly shape."""
    a = contiguous(value, name)
    if a.shape != tuple(shape):
        raise ValueError("%s: expected shape %s, got %s" % (name, tuple(shape), a.shape))
    return a
