"""GRU and Stream: a PyTorch-shaped API over a gru_layer."""

import contextlib
import threading

import numpy as np

from . import _arrays
from ._handles import (BATCH_MAJOR, MAX_SPIN_US, MAX_THREADS, SPLIT_DIRECTIONS, Direction, File,
                       Format, Info, Isa, Products, Sequence, Variant, build_layer, layer_bytes,
                       load_layer, save_layer, to_enum)

_BIAS_PREFIX = {Format.TORCH: "bias_", Format.ONNX: "B", Format.KERAS: "bias",
                Format.CONCAT: "b_"}


def _numpy(t):
    """A tensor of any framework (torch, numpy, lists) as a float32 array."""
    if hasattr(t, "detach"):  # torch.Tensor: off the graph, to the CPU, float32
        t = t.detach().cpu().float()
    return _arrays.real_array(t, "tensor")


def _suffix(k, num_layers):
    return "_l%d" % k if num_layers > 1 else ""


class GRU:
    """A GRU like ``torch.nn.GRU``: ``num_layers`` stacked layers, one or two
    directions, reset-after (PyTorch's, the default) or reset-before.

    ``weights`` maps tensor names of ``format`` ("torch", "onnx", "keras",
    "concat"; docs/interop.md lists every name and shape) to arrays; without
    it the weights are drawn as PyTorch draws them, uniform in
    [-1/sqrt(H), 1/sqrt(H)] (``seed`` seeds numpy's generator). ``bias=False``
    means no bias tensors (zeros). ``direction`` ("forward", "reverse",
    "bidirectional", "bidirectional_sum") overrides ``bidirectional``.
    ``isa`` caps the kernels ("scalar", "avx2", "avx512"); ``products``
    chooses who computes the per-step products ("packed", libgru's own
    kernels, the default; or "blas"); ``threads`` is how many threads run
    each call (the caller and ``threads - 1`` workers of its own; default 1;
    packed products only). The classmethods below take the same three.

    Calling it runs whole sequences: ``output, h_n = gru(x, h0, lengths)``.
    The layer is immutable: one GRU may be called from many threads at once
    (each thread gets its own workspace, kept between calls and grown to the
    largest batch and steps it has seen).
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bidirectional=False,
                 variant="reset_after", bias=True, batch_first=False, *, direction=None,
                 weights=None, format="torch", isa=None, products=None, threads=None, seed=None):
        variant = to_enum(Variant, variant, "variant")
        if direction is None:
            direction = Direction.BIDIRECTIONAL if bidirectional else Direction.FORWARD
        direction = to_enum(Direction, direction, "direction")
        fmt = to_enum(Format, format, "format")
        isa = None if isa is None else to_enum(Isa, isa, "isa")
        products = None if products is None else to_enum(Products, products, "products")
        if weights is None:
            fmt = Format.ONNX
            weights = _random_onnx(variant, direction, num_layers, input_size, hidden_size, bias,
                                   np.random.default_rng(seed))
        tensors = []
        for name, value in dict(weights).items():
            if not bias and name.startswith(_BIAS_PREFIX[fmt]):
                raise ValueError("%s: a bias tensor, but bias=False" % name)
            tensors.append((fmt, name, value))
        self._setup(build_layer(variant, direction, num_layers, input_size, hidden_size, tensors,
                                isa, products), bias, batch_first, threads)

    def _setup(self, layer, bias, batch_first, threads):
        self._layer = layer
        self.bias = bool(bias)
        self.batch_first = bool(batch_first)
        self.threads = threads
        self._local = threading.local()

    # -- model files ----------------------------------------------------------

    @classmethod
    def load(cls, source, prefix=None, *, batch_first=False, isa=None, products=None,
             threads=None):
        """From a safetensors file: a path, the file's bytes, or a
        ModelFile. Either a PyTorch ``nn.GRU`` state dict saved as
        safetensors (its tensors under ``prefix``, e.g. "rnn.", for a GRU
        inside a larger model) or a file libgru saved, which describes
        itself (``prefix=None``: the file's own). F16 and BF16 tensors are
        converted exactly. A file that breaks a rule raises FormatError
        naming it."""
        if isinstance(source, ModelFile):
            source = source._file
        gru = cls.__new__(cls)
        gru._setup(load_layer(source, prefix, None if isa is None else to_enum(Isa, isa, "isa"),
                              None if products is None else
                              to_enum(Products, products, "products")),
                   True, batch_first, threads)
        return gru

    def _save_format(self, format):
        if format is not None:
            return to_enum(Format, format, "format")
        return Format.TORCH if self.variant == Variant.RESET_AFTER else Format.ONNX

    def save(self, path, format=None):
        """Writes a libgru safetensors file (atomically: beside it, then
        renamed) with the tensors in ``format`` (default "torch" -- the
        names nn.GRU.load_state_dict reads -- or "onnx" for a reset-before
        GRU) and the metadata that lets GRU.load read it back alone."""
        save_layer(self._layer, self._save_format(format), path)

    def to_safetensors(self, format=None):
        """The bytes save() would write."""
        return layer_bytes(self._layer, self._save_format(format))

    # -- construction from other ecosystems --------------------------------

    @classmethod
    def from_torch(cls, module_or_state_dict, *, prefix=None, batch_first=None, **options):
        """From a ``torch.nn.GRU`` or ``nn.GRUCell`` module, or a state dict.

        A state dict may come from a larger model: ``prefix`` ("encoder.rnn.")
        picks the GRU's tensors; without it, the one prefix under which a
        ``weight_ih_l0`` (or a cell's ``weight_ih``) appears is used. Sizes,
        layers, direction and bias are read from the names and shapes; the
        module's ``batch_first`` is kept unless given."""
        m = module_or_state_dict
        if hasattr(m, "state_dict"):
            mode = getattr(m, "mode", "GRU")
            if mode != "GRU":
                raise ValueError("from_torch: a %s module is not a GRU" % type(m).__name__)
            if batch_first is None:
                batch_first = getattr(m, "batch_first", False)
            m = m.state_dict()
        state = {k: v for k, v in dict(m).items()}
        prefix = _torch_prefix(state, prefix)
        names = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
        cell = "weight_ih" in names and "weight_ih_l0" not in names
        if cell:
            names = {k + "_l0": v for k, v in names.items()}
        num_layers = 0
        while "weight_ih_l%d" % num_layers in names:
            num_layers += 1
        w_ih, w_hh = _numpy(names["weight_ih_l0"]), _numpy(names["weight_hh_l0"])
        if w_ih.ndim != 2 or w_hh.ndim != 2:
            raise ValueError("from_torch: weight_ih_l0 and weight_hh_l0 must be matrices")
        tensors = {k: _numpy(v) for k, v in names.items()}
        return cls(w_ih.shape[1], w_hh.shape[1], num_layers,
                   bidirectional="weight_ih_l0_reverse" in names,
                   bias="bias_ih_l0" in names or "bias_hh_l0" in names,
                   batch_first=bool(batch_first), weights=tensors, format=Format.TORCH, **options)

    @classmethod
    def from_onnx_weights(cls, W, R, B=None, *, linear_before_reset=0, direction=None,
                          batch_first=False, **options):
        """From the ONNX GRU operator's ``W`` [D, 3H, I], ``R`` [D, 3H, H] and
        optional ``B`` [D, 6H]; lists of them (one per GRU node) make a stack.
        ``direction`` ("forward", "reverse", "bidirectional") defaults to
        forward for D = 1 and bidirectional for D = 2. ``batch_first=True``
        runs ONNX's ``layout=1``; for ``layout=0``'s ``Y`` [T, D, B, H] call
        with ``split_directions=True``."""
        stack = isinstance(W, (list, tuple))
        Ws, Rs = (list(W), list(R)) if stack else ([W], [R])
        Bs = (list(B) if stack else [B]) if B is not None else [None] * len(Ws)
        if not (len(Ws) == len(Rs) == len(Bs)) or not Ws:
            raise ValueError("from_onnx_weights: W, R and B need one entry per GRU node")
        Ws, Rs = [_numpy(w) for w in Ws], [_numpy(r) for r in Rs]
        if Ws[0].ndim != 3 or Rs[0].ndim != 3:
            raise ValueError("from_onnx_weights: W and R are [D, 3H, I] and [D, 3H, H]")
        D, H, I = Ws[0].shape[0], Rs[0].shape[2], Ws[0].shape[2]
        if direction is None:
            direction = "bidirectional" if D == 2 else "forward"
        L = len(Ws)
        weights, has_bias = {}, False
        for k in range(L):
            s = _suffix(k, L)
            weights["W" + s], weights["R" + s] = Ws[k], Rs[k]
            if Bs[k] is not None:
                weights["B" + s], has_bias = _numpy(Bs[k]), True
        variant = Variant.RESET_AFTER if linear_before_reset else Variant.RESET_BEFORE
        return cls(I, H, L, variant=variant, direction=direction, bias=has_bias,
                   batch_first=batch_first, weights=weights, format=Format.ONNX, **options)

    @classmethod
    def from_keras_weights(cls, kernel, recurrent_kernel, bias=None, *, reset_after=True,
                           go_backwards=False, backward=None, merge_mode="concat",
                           batch_first=True, **options):
        """From ``keras.layers.GRU.get_weights()``: ``kernel`` [I, 3H],
        ``recurrent_kernel`` [H, 3H], ``bias`` ([3H] when reset_after=False,
        [2, 3H] when True, None without bias). A ``Bidirectional`` wrapper's
        backward layer comes as ``backward=(kernel, recurrent_kernel, bias)``,
        with ``merge_mode`` "concat" or "sum". Stacked GRU layers: lists, one
        entry per layer (``backward`` a list of triples). Keras is batch-major,
        so ``batch_first`` defaults to True. With ``go_backwards=True`` the
        outputs are written at the step of their input, while Keras returns
        them in processing order (reverse libgru's output along time)."""
        stack = isinstance(kernel, (list, tuple))
        ks = list(kernel) if stack else [kernel]
        rks = list(recurrent_kernel) if stack else [recurrent_kernel]
        bs = (list(bias) if stack else [bias]) if bias is not None else [None] * len(ks)
        L = len(ks)
        if backward is not None:
            backward = list(backward) if stack else [backward]
            if go_backwards:
                raise ValueError("from_keras_weights: go_backwards with a Bidirectional wrapper")
            direction = {"concat": Direction.BIDIRECTIONAL,
                         "sum": Direction.BIDIRECTIONAL_SUM}.get(merge_mode)
            if direction is None:
                raise ValueError("from_keras_weights: merge_mode %r is not supported "
                                 "(only 'concat' and 'sum')" % (merge_mode,))
        else:
            direction = Direction.REVERSE if go_backwards else Direction.FORWARD
        if not (len(rks) == len(bs) == L) or (backward is not None and len(backward) != L):
            raise ValueError("from_keras_weights: one kernel, recurrent_kernel, bias "
                             "(and backward triple) per layer")
        weights, has_bias = {}, False
        for k in range(L):
            s = _suffix(k, L)
            dirs = [("", (ks[k], rks[k], bs[k]))]
            if backward is not None:
                dirs.append(("_reverse", tuple(backward[k]) + (None,) * (3 - len(backward[k]))))
            for r, (kern, rkern, b) in dirs:
                weights["kernel" + s + r] = _numpy(kern)
                weights["recurrent_kernel" + s + r] = _numpy(rkern)
                if b is not None:
                    weights["bias" + s + r], has_bias = _numpy(b), True
        k0, rk0 = weights["kernel" + _suffix(0, L)], weights["recurrent_kernel" + _suffix(0, L)]
        if k0.ndim != 2 or rk0.ndim != 2:
            raise ValueError("from_keras_weights: kernel and recurrent_kernel must be matrices")
        variant = Variant.RESET_AFTER if reset_after else Variant.RESET_BEFORE
        return cls(k0.shape[0], rk0.shape[0], L, variant=variant, direction=direction,
                   bias=has_bias, batch_first=batch_first, weights=weights, format=Format.KERAS,
                   **options)

    # -- properties ---------------------------------------------------------

    def _info(self, key):
        return self._layer.info[key]

    input_size = property(lambda self: self._info(Info.INPUT_SIZE), doc="I")
    hidden_size = property(lambda self: self._info(Info.HIDDEN_SIZE), doc="H")
    num_layers = property(lambda self: self._info(Info.NUM_LAYERS), doc="L")
    num_directions = property(lambda self: self._info(Info.NUM_DIRECTIONS), doc="D: 1 or 2")
    output_size = property(lambda self: self._info(Info.OUTPUT_SIZE),
                           doc="width of an output row: H, or 2H when bidirectional")
    nbytes = property(lambda self: self._info(Info.BYTES), doc="heap bytes of the layer")
    variant = property(lambda self: Variant(self._info(Info.VARIANT)))
    direction = property(lambda self: Direction(self._info(Info.DIRECTION)))
    isa = property(lambda self: Isa(self._info(Info.ISA)), doc="the kernels in use")
    bidirectional = property(lambda self: self.num_directions == 2)

    @property
    def products(self):
        """Products: who computes the per-step matrix products."""
        return Products(self._layer.get(Info.PRODUCTS))

    @property
    def threads(self):
        """Threads that run each call (1: the caller alone). Settable; a
        thread's cached workspace takes the new count at its next call."""
        return self._threads

    @threads.setter
    def threads(self, value):
        self._threads = _thread_count(value)

    def __repr__(self):
        return ("GRU(%d, %d, num_layers=%d, direction=%r, variant=%r, bias=%s, batch_first=%s, "
                "isa=%r" % (self.input_size, self.hidden_size, self.num_layers,
                             self.direction.name.lower(), self.variant.name.lower(), self.bias,
                             self.batch_first, self.isa.name.lower()) +
                ("" if self._threads == 1 else ", threads=%d" % self._threads) + ")")

    def state_dict(self, format="torch"):
        """Every tensor in ``format``, named as that format names them
        (PyTorch's: ``weight_ih_l0`` ...), as new float32 arrays. Exact when
        read in the format the weights were loaded in."""
        fmt = to_enum(Format, format, "format")
        return {name: self._layer.tensor(fmt, name, shape)
                for name, shape in self._layer.tensor_names(fmt)}

    def __reduce__(self):
        # ONNX's layout holds both variants and both bias halves exactly.
        return (_rebuild, (self.input_size, self.hidden_size, self.num_layers, self.direction,
                           self.variant, self.bias, self.batch_first,
                           self.state_dict(Format.ONNX), self._threads))

    # -- running ------------------------------------------------------------

    def _sequence(self, batch, steps):
        seq = getattr(self._local, "sequence", None)
        if seq is None or seq.max_batch < batch or seq.max_steps < steps:
            old_b, old_t = (seq.max_batch, seq.max_steps) if seq is not None else (0, 0)
            self._local.sequence = None  # free the old one first
            seq = self._new_sequence(max(batch, old_b), max(steps, old_t))
            self._local.sequence = seq
        seq.set_threads(self._threads)
        return seq

    def _new_sequence(self, max_batch, max_steps, threads=None):
        return Sequence(self._layer, max_batch, max_steps,
                        threads=self._threads if threads is None else threads)

    def __call__(self, x, h0=None, lengths=None, *, batch_first=None, split_directions=False,
                 out=None):
        """Runs whole sequences from ``h0`` (zeros if None).

        ``x`` is [T, B, I], or [B, T, I] when ``batch_first`` (default: the
        GRU's), or [T, I] for one unbatched sequence. ``h0`` is
        [L*D, B, H] (or [L*D, H] unbatched). ``lengths`` gives each row's own
        length (any integers, 0 <= length <= T), with packed-sequence
        semantics: outputs past a row's length are zero, its ``h_n`` is its
        state after its own last step, the reverse direction starts there.

        Returns ``(output, h_n)``: output [T, B, D*H] (batch-first
        [B, T, D*H]; ``split_directions`` gives ONNX's [T, D, B, H]; D*H is H
        for "bidirectional_sum"), h_n [L*D, B, H]. ``out`` may be a float32
        array of the output's shape to write into (in place when its rows
        are evenly strided)."""
        batch_first = self.batch_first if batch_first is None else bool(batch_first)
        x = _arrays.real_array(x, "x")
        unbatched = x.ndim == 2
        if unbatched:
            x = x[:, None, :]
            batch_first = False
        if x.ndim != 3:
            raise ValueError("x: expected [T, B, I]%s or [T, I], got shape %s" %
                             (" ([B, T, I] batch-first)" if batch_first else "", x.shape))
        if x.shape[2] != self.input_size:
            raise ValueError("x: rows of %d floats, the GRU's input_size is %d" %
                             (x.shape[2], self.input_size))
        if split_directions and batch_first:
            raise ValueError("split_directions is for time-major output (ONNX layout 0) only")
        B, T = (x.shape[0], x.shape[1]) if batch_first else (x.shape[1], x.shape[0])
        LD, H, W = self.num_layers * self.num_directions, self.hidden_size, self.output_size
        flags = (BATCH_MAJOR if batch_first else 0) | (SPLIT_DIRECTIONS if split_directions else 0)

        x, x_stride = _arrays.rows_in(x)
        if split_directions:
            y_shape = (T, self.num_directions, B, W // self.num_directions)
        else:
            y_shape = (B, T, W) if batch_first else (T, B, W)
        y, y_stride, copy_to = self._output(out, y_shape, unbatched, x)
        if h0 is not None:
            h0 = _arrays.shaped(h0, (LD, H) if unbatched else (LD, B, H), "h0")
        if lengths is not None:
            lengths = _arrays.lengths_array(lengths, B)

        seq = self._sequence(B, T)
        seq.reset(B, h0)
        seq.run(T, B, x, x_stride, y, y_stride, lengths, flags)
        h_n = seq.get_state(B, (LD, B, H))
        if copy_to is not None:
            copy_to[...] = y.reshape(copy_to.shape)
        if out is not None:
            y = out
        elif unbatched:
            y = y.reshape(T, W)
        return y, (h_n[:, 0, :] if unbatched else h_n)

    @staticmethod
    def _output(out, shape, unbatched, x):
        """(y, y_stride, copy_to): where run() writes, and the caller's array
        to copy into afterwards when it cannot write there directly."""
        if out is None:
            return np.empty(shape, dtype=np.float32), 0, None
        want = (shape[0], shape[2]) if unbatched else shape
        if not isinstance(out, np.ndarray) or out.shape != want or out.dtype != _arrays.FLOAT:
            raise ValueError("out: expected a float32 array of shape %s" % (want,))
        if not out.flags.writeable:
            raise ValueError("out: read-only array")
        if np.shares_memory(out, x):
            raise ValueError("out: overlaps the input x")
        view = out.reshape(shape) if unbatched and out.flags.c_contiguous else out
        if view.ndim == 3 and view.shape == shape:
            s = _arrays.row_stride(view)
            if s is not None:
                return view, s, None
        if view.ndim == 4 and view.flags.c_contiguous:
            return view, 0, None
        return np.empty(shape, dtype=np.float32), 0, out

    def stream(self, batch=1, h0=None, **kwargs):
        """A Stream over this GRU for ``batch`` rows (see Stream)."""
        return Stream(self, batch, h0=h0, **kwargs)


def _thread_count(value):
    n = 1 if value is None else value
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or not 1 <= n <= MAX_THREADS:
        raise ValueError("threads: an integer from 1 to %d, got %r" % (MAX_THREADS, value))
    return int(n)


def _spin_us(value):
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or \
            not 0 <= value <= MAX_SPIN_US:
        raise ValueError("spin_us: an integer from 0 to %d, got %r" % (MAX_SPIN_US, value))
    return int(value)


def _rebuild(input_size, hidden_size, num_layers, direction, variant, bias, batch_first, weights,
             threads=1):
    if not bias:
        weights = {k: v for k, v in weights.items() if not k.startswith("B")}
    return GRU(input_size, hidden_size, num_layers, direction=direction, variant=variant,
               bias=bias, batch_first=batch_first, weights=weights, format=Format.ONNX,
               threads=threads)


def _torch_prefix(state, prefix):
    if prefix is not None:
        return prefix
    found = sorted({k[:-len(s)] for k in state for s in ("weight_ih_l0", "weight_ih")
                    if k.endswith(s) and (k == s or k[-len(s) - 1] == ".")})
    if len(found) == 1:
        return found[0]
    if not found:
        raise ValueError("from_torch: no weight_ih_l0 (nn.GRU) or weight_ih (nn.GRUCell) "
                         "in the state dict")
    raise ValueError("from_torch: several GRUs in the state dict (%s): pass prefix=" %
                     ", ".join(repr(p) for p in found))


def _random_onnx(variant, direction, num_layers, input_size, hidden_size, bias, rng):
    """PyTorch's initialisation, in ONNX's layout (which holds both variants)."""
    D = 2 if direction in (Direction.BIDIRECTIONAL, Direction.BIDIRECTIONAL_SUM) else 1
    out_width = hidden_size * (2 if direction == Direction.BIDIRECTIONAL else 1)
    bound = 1.0 / np.sqrt(hidden_size)
    weights = {}
    for k in range(num_layers):
        s = _suffix(k, num_layers)
        width = input_size if k == 0 else out_width
        u = lambda *shape: rng.uniform(-bound, bound, shape).astype(np.float32)  # noqa: E731
        weights["W" + s] = u(D, 3 * hidden_size, width)
        weights["R" + s] = u(D, 3 * hidden_size, hidden_size)
        if bias:
            weights["B" + s] = u(D, 6 * hidden_size)
    return weights


class ModelFile:
    """An opened, fully checked safetensors file (a path or its bytes): its
    metadata and tensors, the GRU's and any other (a decoder, an
    embedding), as float32 arrays. ``GRU.load(model_file, prefix)`` loads
    the GRU in it.

        f = libgru.ModelFile("charlm.safetensors")
        vocab = f.metadata("charlm.vocab")
        decoder = f["decoder.weight"]
        gru = libgru.GRU.load(f)
    """

    def __init__(self, source):
        self._file = File(source)

    def metadata(self, key, default=None):
        """The metadata value of key (a str), or default."""
        value = self._file.metadata(key)
        return default if value is None else value

    def metadata_keys(self):
        """Every metadata key, in byte order."""
        return self._file.metadata_keys()

    def keys(self):
        """Every tensor's name, GRU or not."""
        return self._file.names()

    def __iter__(self):
        return iter(self.keys())

    def __contains__(self, name):
        return name in self.keys()

    def __len__(self):
        return len(self.keys())

    def info(self, name):
        """(dtype, shape) of a tensor: dtype as safetensors names it ("F32",
        "BF16", "I64", ...)."""
        return self._file.info(name)

    def __getitem__(self, name):
        """A tensor as a new float32 array (F32; F16 and BF16 converted)."""
        return self._file.read(name)


class Stream:
    """Step-by-step use of a GRU for ``batch`` rows, keeping the state
    between calls: a server stepping many independent streams in one batch,
    or a model fed as its input arrives.

    ``step(x)`` advances one time step (forward GRUs only); ``run(x)``
    advances a chunk of steps (any direction: a bidirectional chunk is a
    whole sequence of its own). ``reset`` rows restart from zero or from
    ``h_init``. ``save()`` / ``restore()`` move the state as bytes (between
    streams, threads, or processes on the same kind of machine); ``clone()``
    copies the stream.

    A Stream is used by one thread at a time, as its C sequence is: a call
    while another thread is inside one raises RuntimeError. ``threads``
    (default: the GRU's) runs each of its calls on that many threads;
    ``spin_us`` is how long, in microseconds, their workers keep spinning
    for the next call before they sleep (GRU_OPT_SPIN_US; default 200): a
    stream stepped at intervals, a frame every 10 ms say, steps faster
    when they spin across the interval, at the cost of busy cores."""

    def __init__(self, gru, batch=1, *, h0=None, max_steps=1, threads=None, spin_us=None):
        if not isinstance(gru, GRU):
            raise TypeError("Stream needs a libgru.GRU, got %s" % type(gru).__name__)
        if int(batch) < 1:
            raise ValueError("batch: at least 1, got %d" % batch)
        self.gru = gru
        self.batch = int(batch)
        self._busy = threading.Lock()
        self._seq = gru._new_sequence(self.batch, max(1, int(max_steps)),
                                      gru.threads if threads is None else _thread_count(threads))
        if spin_us is not None:
            self._seq.set_spin_us(_spin_us(spin_us))
        self.reset(h0)

    @contextlib.contextmanager
    def _alone(self):
        """The stream for this call alone: another thread inside one raises."""
        if not self._busy.acquire(blocking=False):
            raise RuntimeError("a libgru.Stream is used by one thread at a time")
        try:
            yield
        finally:
            self._busy.release()

    def _state_shape(self):
        g = self.gru
        return (g.num_layers * g.num_directions, self.batch, g.hidden_size)

    def reset(self, h0=None):
        """Every row back to ``h0`` [L*D, batch, H], or zeros."""
        if h0 is not None:
            h0 = _arrays.shaped(h0, self._state_shape(), "h0")
        with self._alone():
            self._seq.reset(self.batch, h0)

    @property
    def state(self):
        """A copy of the state, [L*D, batch, H] (PyTorch's h_n)."""
        with self._alone():
            return self._seq.get_state(self.batch, self._state_shape())

    def step(self, x, reset=None, h_init=None, out=None):
        """One step: x [batch, I] (or [I] when batch is 1) -> output
        [batch, H] (or [H]). ``reset`` (batch booleans) restarts the flagged
        rows first, from ``h_init`` [L, batch, H] if given, else zeros."""
        g = self.gru
        x = _arrays.real_array(x, "x")
        single = x.ndim == 1 and self.batch == 1
        x2 = x[None, :] if single else x
        if x2.shape != (self.batch, g.input_size):
            raise ValueError("x: expected shape %s, got %s" %
                             ((self.batch, g.input_size), x.shape))
        x3, x_stride = _arrays.rows_in(x2[None])
        if reset is not None:
            reset = _arrays.mask_array(reset, self.batch)
        if h_init is not None:
            h_init = _arrays.shaped(h_init, (g.num_layers, self.batch, g.hidden_size), "h_init")
        want = (g.output_size,) if single else (self.batch, g.output_size)
        view = None
        if out is not None:
            if not isinstance(out, np.ndarray) or out.shape != want:
                raise ValueError("out: expected a float32 array of shape %s" % (want,))
            view = out[None] if out.ndim == 2 else out[None, None]
        y, y_stride, copy_to = GRU._output(view, (1, self.batch, g.output_size), False, x3)
        with self._alone():
            self._seq.step(self.batch, x3, x_stride, y, y_stride, reset, h_init)
        if copy_to is not None:
            copy_to[...] = y
        if out is not None:
            return out
        return y[0, 0] if single else y[0]

    def run(self, x, lengths=None, *, batch_first=None):
        """Advances over a chunk x [T, batch, I] (or [batch, T, I]) from the
        current state; returns the chunk's output. The capacity grows to
        the longest chunk, keeping the state."""
        g = self.gru
        batch_first = g.batch_first if batch_first is None else bool(batch_first)
        x = _arrays.real_array(x, "x")
        if x.ndim != 3:
            raise ValueError("x: expected a 3-D chunk, got shape %s" % (x.shape,))
        B, T = (x.shape[0], x.shape[1]) if batch_first else (x.shape[1], x.shape[0])
        if B != self.batch or x.shape[2] != g.input_size:
            raise ValueError("x: a chunk for batch %d and input_size %d, got shape %s%s" %
                             (self.batch, g.input_size, x.shape,
                              " (batch-first)" if batch_first else ""))
        x, x_stride = _arrays.rows_in(x)
        if lengths is not None:
            lengths = _arrays.lengths_array(lengths, B)
        y = np.empty((B, T, g.output_size) if batch_first else (T, B, g.output_size),
                     dtype=np.float32)
        with self._alone():
            if T > self._seq.max_steps:
                self._grow(T)
            self._seq.run(T, B, x, x_stride, y, 0, lengths, BATCH_MAJOR if batch_first else 0)
        return y

    @property
    def threads(self):
        """Threads that run each call of this stream (settable)."""
        return self._seq.threads

    @threads.setter
    def threads(self, value):
        with self._alone():
            self._seq.set_threads(_thread_count(value))

    @property
    def spin_us(self):
        """Microseconds the workers spin for the next call (settable)."""
        return self._seq.get(Info.SPIN_US)

    @spin_us.setter
    def spin_us(self, value):
        with self._alone():
            self._seq.set_spin_us(_spin_us(value))

    def _grow(self, steps):
        blob = self._seq.save_state(self.batch)
        seq = self.gru._new_sequence(self.batch, steps, self._seq.threads)
        if self._seq.spin_us is not None:
            seq.set_spin_us(self._seq.spin_us)
        seq.load_state(blob)
        self._seq = seq

    def save(self):
        """The state as self-checking bytes (gru_sequence_save_state)."""
        with self._alone():
            return self._seq.save_state(self.batch)

    def restore(self, blob):
        """Restores bytes from save() of a stream of the same GRU
        configuration and batch. On error the state is unchanged."""
        blob = bytes(blob)
        with self._alone():
            want = self._seq.state_bytes(self.batch)
            if len(blob) != want:
                from ._errors import Status, error_for
                raise error_for(Status.ERR_MISMATCH,
                                "a saved state of %d bytes; this stream's (batch %d) is %d" %
                                (len(blob), self.batch, want))
            self._seq.load_state(blob)

    def clone(self):
        """An independent Stream with a copy of this one's state."""
        with self._alone():
            seq = self._seq.clone()
        other = Stream.__new__(Stream)
        other.gru, other.batch, other._busy, other._seq = self.gru, self.batch, \
            threading.Lock(), seq
        return other
