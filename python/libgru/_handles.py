"""Owned C handles: a layer, a sequence, and a builder used for one build.

Lifetime: a sequence's finalizer holds its layer, so a layer is destroyed
only after every sequence made from it (gru.h: "Every sequence created
from it MUST be destroyed first"). Finalizers (weakref.finalize) also run
at interpreter exit, newest first, which is the same order.
"""

import contextlib
import ctypes
import enum
import os
import weakref
from ctypes import byref, c_size_t, c_void_p

import numpy as np

from . import _arrays
from ._capi import lib
from ._errors import Status, UnsupportedError, error_for


class Variant(enum.IntEnum):
    """gru_variant: where the reset gate acts."""
    RESET_BEFORE = 0
    RESET_AFTER = 1


class Direction(enum.IntEnum):
    """gru_direction."""
    FORWARD = 0
    REVERSE = 1
    BIDIRECTIONAL = 2
    BIDIRECTIONAL_SUM = 3


class Format(enum.IntEnum):
    """gru_format: a weight layout and its tensor names."""
    CONCAT = 0
    TORCH = 1
    ONNX = 2
    KERAS = 3


class Isa(enum.IntEnum):
    """gru_isa: the kernels' code path."""
    SCALAR = 0
    AVX2 = 1
    AVX512 = 2


class Products(enum.IntEnum):
    """gru_products: who computes the per-step matrix products."""
    PACKED = 0
    BLAS = 1


class Option(enum.IntEnum):
    """gru_option: builder options (ISA, PRODUCTS) and sequence ones (THREADS)."""
    ISA = 0
    PRODUCTS = 1
    THREADS = 2
    SPIN_US = 3


class Info(enum.IntEnum):
    """gru_info keys."""
    VARIANT = 0
    DIRECTION = 1
    NUM_LAYERS = 2
    NUM_DIRECTIONS = 3
    INPUT_SIZE = 4
    HIDDEN_SIZE = 5
    OUTPUT_SIZE = 6
    STATE_SIZE = 7
    ISA = 8
    BYTES = 9
    MAX_BATCH = 10
    MAX_STEPS = 11
    BATCH = 12
    PRODUCTS = 13
    THREADS = 14
    SPIN_US = 15


LAYER_KEYS = (Info.VARIANT, Info.DIRECTION, Info.NUM_LAYERS, Info.NUM_DIRECTIONS, Info.INPUT_SIZE,
              Info.HIDDEN_SIZE, Info.OUTPUT_SIZE, Info.STATE_SIZE, Info.ISA, Info.BYTES)

BATCH_MAJOR = 1
SPLIT_DIRECTIONS = 2
MAX_DIMS = 3
MAX_NAME = 64
MAX_THREADS = 256
MAX_SPIN_US = 1000000
FILE_MAX_DIMS = 8


def to_enum(cls, value, what):
    """An enum member from itself, its value, or its name in any case
    ("reset_after", "Bidirectional")."""
    if isinstance(value, cls):
        return value
    if isinstance(value, str):
        try:
            return cls[value.upper()]
        except KeyError:
            pass
    elif isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        try:
            return cls(int(value))
        except ValueError:
            pass
    choices = ", ".join(repr(m.name.lower()) for m in cls)
    raise ValueError("%s: expected one of %s, got %r" % (what, choices, value))


def _message(text, status):
    text = text.decode("utf-8", "replace") if text else ""
    return text or lib().gru_strerror(status).decode()


def check(status):
    """Raises for a failed call on no handle (gru_strerror's message)."""
    if status != Status.OK:
        raise error_for(status, lib().gru_strerror(status).decode())


def require(name, what):
    if not lib().has(name):
        raise UnsupportedError(Status.ERR_UNSUPPORTED,
                               "%s needs %s, which libgru %s (%s) does not have" %
                               (what, name, lib().version, lib().path))


class Layer:
    """An immutable gru_layer: shared by any number of threads."""

    def __init__(self, ptr):
        self.ptr = ptr
        self._finalizer = weakref.finalize(self, lib().gru_layer_destroy, c_void_p(ptr))
        # Immutable: read every layer property once.
        self.info = {key: self.get(key) for key in LAYER_KEYS}

    def get(self, key):
        value = c_size_t()
        check(lib().gru_layer_get(self.ptr, key, byref(value)))
        return value.value

    def tensor_names(self, fmt):
        count = c_size_t()
        check(lib().gru_layer_tensor_count(self.ptr, fmt, byref(count)))
        out = []
        name = ctypes.create_string_buffer(MAX_NAME)
        ndim = c_size_t()
        shape = (c_size_t * MAX_DIMS)()
        for i in range(count.value):
            check(lib().gru_layer_tensor_info(self.ptr, fmt, i, name, MAX_NAME, byref(ndim),
                                              shape))
            out.append((name.value.decode(), tuple(shape[d] for d in range(ndim.value))))
        return out

    def tensor(self, fmt, name, shape):
        a = np.empty(shape, dtype=np.float32)
        check(lib().gru_layer_get_tensor(self.ptr, fmt, name.encode(), _arrays.floats(a), a.size))
        return a


def _destroy_sequence(ptr, layer):
    """Finalizer: layer is held until the sequence is gone."""
    del layer
    lib().gru_sequence_destroy(c_void_p(ptr))


class Sequence:
    """A gru_sequence: one thread at a time. Every call checks its status
    and raises with the sequence's own message."""

    def __init__(self, layer, max_batch, max_steps, ptr=None, threads=1):
        if ptr is None:
            out = c_void_p()
            check(lib().gru_sequence_create(byref(out), layer.ptr, max_batch, max_steps))
            ptr = out.value
        self.ptr = ptr
        self.layer = layer
        self.max_batch = max_batch
        self.max_steps = max_steps
        self.threads = 1
        self.spin_us = None  # the library's default until set
        self._finalizer = weakref.finalize(self, _destroy_sequence, ptr, layer)
        self.set_threads(threads)

    def set_threads(self, threads):
        """GRU_OPT_THREADS: the caller and threads - 1 workers run each call."""
        if threads == self.threads:
            return
        require("gru_sequence_set_option", "threads=%d" % threads)
        self.check(lib().gru_sequence_set_option(self.ptr, Option.THREADS, threads))
        self.threads = threads

    def get(self, key):
        value = c_size_t()
        self.check(lib().gru_sequence_get(self.ptr, key, byref(value)))
        return value.value

    def set_spin_us(self, us):
        """GRU_OPT_SPIN_US: how long the workers spin for the next call."""
        require("gru_sequence_set_option", "spin_us")
        self.check(lib().gru_sequence_set_option(self.ptr, Option.SPIN_US, us))
        self.spin_us = us

    def check(self, status):
        if status != Status.OK:
            raise error_for(status, _message(lib().gru_sequence_error(self.ptr), status))

    def clone(self):
        out = c_void_p()
        check(lib().gru_sequence_clone(byref(out), self.ptr))
        seq = Sequence(self.layer, self.max_batch, self.max_steps, ptr=out.value)
        seq.threads = self.threads  # gru_sequence_clone copies the options
        seq.spin_us = self.spin_us
        return seq

    def reset(self, batch, h0):
        if h0 is None:
            self.check(lib().gru_sequence_reset(self.ptr, batch, None, 0))
        else:
            self.check(lib().gru_sequence_reset(self.ptr, batch, _arrays.floats(h0), h0.size))

    def get_state(self, batch, shape):
        h = np.empty(shape, dtype=np.float32)
        self.check(lib().gru_sequence_get_state(self.ptr, batch, _arrays.floats(h), h.size))
        return h

    def run(self, steps, batch, x, x_stride, y, y_stride, lengths, flags):
        self.check(lib().gru_sequence_run(
            self.ptr, steps, batch, _arrays.floats(x), x_stride,
            None if y is None else _arrays.floats(y), y_stride,
            None if lengths is None else _arrays.sizes(lengths), flags))

    def step(self, batch, x, x_stride, y, y_stride, reset, h_init):
        self.check(lib().gru_sequence_step(
            self.ptr, batch, _arrays.floats(x), x_stride, _arrays.floats(y), y_stride,
            None if reset is None else reset.ctypes.data_as(_arrays.UBYTE_P),
            None if h_init is None else _arrays.floats(h_init),
            0 if h_init is None else h_init.size))

    def save_state(self, batch):
        size = c_size_t()
        self.check(lib().gru_sequence_state_bytes(self.ptr, batch, byref(size)))
        buf = ctypes.create_string_buffer(size.value)
        written = c_size_t()
        self.check(lib().gru_sequence_save_state(self.ptr, batch, buf, size.value,
                                                 byref(written)))
        return buf.raw[:written.value]

    def state_bytes(self, batch):
        size = c_size_t()
        self.check(lib().gru_sequence_state_bytes(self.ptr, batch, byref(size)))
        return size.value

    def load_state(self, blob):
        self.check(lib().gru_sequence_load_state(self.ptr, blob, len(blob)))


@contextlib.contextmanager
def _builder(isa, products):
    """(builder, checked) for one build: checked(status) raises with the
    builder's message; the builder is destroyed on leaving."""
    api = lib()
    b = c_void_p()
    check(api.gru_builder_create(byref(b)))
    try:
        def checked(status):
            if status != Status.OK:
                raise error_for(status, _message(api.gru_builder_error(b), status))

        if isa is not None:
            checked(api.gru_builder_set_option(b, Option.ISA, isa))
        if products is not None:
            checked(api.gru_builder_set_option(b, Option.PRODUCTS, products))
        yield b, checked
    finally:
        api.gru_builder_destroy(b)


def _build(b, checked):
    out = c_void_p()
    checked(lib().gru_builder_build(b, byref(out)))
    return Layer(out.value)


def build_layer(variant, direction, num_layers, input_size, hidden_size, tensors, isa=None,
                products=None):
    """Builds a Layer from (format, name, array) tensors; a failure raises
    with the builder's message (which names the tensor)."""
    with _builder(isa, products) as (b, checked):
        api = lib()
        checked(api.gru_builder_set_shape(b, variant, direction, num_layers, input_size,
                                          hidden_size))
        for fmt, name, array in tensors:
            a = _arrays.contiguous(array, name)
            shape = (c_size_t * max(a.ndim, 1))(*a.shape)
            checked(api.gru_builder_set_tensor(b, fmt, name.encode(), _arrays.floats(a), a.ndim,
                                               shape))
        return _build(b, checked)


def _c_path(path):
    return os.fsencode(path)


def _c_prefix(prefix):
    return None if prefix is None else prefix.encode()


class File:
    """A gru_file: an opened, fully checked safetensors file. Only opening
    changes it, so after __init__ any number of threads may read it."""

    def __init__(self, source):
        require("gru_file_create", "reading model files")
        api = lib()
        out = c_void_p()
        check(api.gru_file_create(byref(out)))
        self.ptr = out.value
        self._finalizer = weakref.finalize(self, api.gru_file_destroy, c_void_p(self.ptr))
        if isinstance(source, (bytes, bytearray, memoryview)):
            self._data = bytes(source)  # kept, unchanged, while the file is open
            status = api.gru_file_open_memory(self.ptr, self._data, len(self._data))
        else:
            self._data = None
            status = api.gru_file_open(self.ptr, _c_path(source))
        if status != Status.OK:
            raise error_for(status, _message(api.gru_file_error(self.ptr), status))

    def metadata(self, key):
        value = ctypes.c_char_p()
        check(lib().gru_file_metadata(self.ptr, key.encode(), byref(value)))
        return None if value.value is None else value.value.decode("utf-8", "replace")

    def _listed(self, count_fn, item_fn):
        count = c_size_t()
        check(count_fn(self.ptr, byref(count)))
        out = []
        for i in range(count.value):
            item = ctypes.c_char_p()
            check(item_fn(self.ptr, i, byref(item)))
            out.append(item.value.decode("utf-8", "replace"))
        return out

    def names(self):
        return self._listed(lib().gru_file_tensor_count, lib().gru_file_tensor_name)

    def metadata_keys(self):
        return self._listed(lib().gru_file_metadata_count, lib().gru_file_metadata_key)

    def info(self, name):
        dtype = ctypes.c_char_p()
        ndim = c_size_t()
        shape = (c_size_t * FILE_MAX_DIMS)()
        check(lib().gru_file_tensor_info(self.ptr, name.encode(), byref(dtype), byref(ndim), shape))
        return dtype.value.decode(), tuple(shape[d] for d in range(ndim.value))

    def read(self, name):
        _, shape = self.info(name)
        a = np.empty(shape, dtype=np.float32)
        check(lib().gru_file_read_tensor(self.ptr, name.encode(), _arrays.floats(a), a.size))
        return a


def load_layer(source, prefix=None, isa=None, products=None):
    """A Layer from a safetensors file: a path, its bytes, or a File."""
    require("gru_builder_load_file", "loading model files")
    with _builder(isa, products) as (b, checked):
        api = lib()
        if isinstance(source, File):
            checked(api.gru_builder_load(b, source.ptr, _c_prefix(prefix)))
        elif isinstance(source, (bytes, bytearray, memoryview)):
            data = bytes(source)
            checked(api.gru_builder_load_safetensors(b, data, len(data), _c_prefix(prefix)))
        else:
            checked(api.gru_builder_load_file(b, _c_path(source), _c_prefix(prefix)))
        return _build(b, checked)


def save_layer(layer, fmt, path):
    require("gru_layer_save_file", "saving model files")
    check(lib().gru_layer_save_file(layer.ptr, fmt, _c_path(path)))


def layer_bytes(layer, fmt):
    require("gru_layer_save_safetensors", "saving model files")
    size = c_size_t()
    status = lib().gru_layer_save_safetensors(layer.ptr, fmt, None, 0, byref(size))
    if status not in (Status.OK, Status.ERR_BUFFER):
        check(status)
    buf = np.empty(size.value, dtype=np.uint8)
    check(lib().gru_layer_save_safetensors(layer.ptr, fmt, buf.ctypes.data_as(c_void_p),
                                           size.value, byref(size)))
    return buf[:size.value].tobytes()
