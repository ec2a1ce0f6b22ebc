"""libgru from Python: fast GRU layers on CPUs, over libgru's C ABI.

    import libgru
    gru = libgru.GRU.from_torch(torch_gru)          # or GRU(I, H, ...), from_onnx_weights, ...
    output, h_n = gru(x, h0, lengths=lengths)      # numpy in, numpy out

``libgru.__version__`` is this package's version; ``libgru.library_version``
and ``libgru.library_path`` say which shared library was loaded (found by
``$LIBGRU_LIBRARY``, then the source tree's build, then the system path; the
library is loaded on first use, and one of another major.minor release is
refused with LibraryVersionError).
"""

from ._capi import ENV_LIBRARY, VERSION as __version__, LibraryNotFound, LibraryVersionError
from ._errors import (ArgumentError, CapacityError, Error, FormatError, MismatchError,
                      MissingError, OutOfMemory, ResourceError, ShapeError, StateError, Status,
                      TensorNameError, UnsupportedError)
from ._gru import GRU, ModelFile, Stream
from ._handles import Direction, Format, Isa, Products, Variant

__all__ = [
    "GRU", "Stream", "ModelFile", "Variant", "Direction", "Format", "Isa", "Products", "Status", "Error", "ArgumentError",
    "ShapeError", "TensorNameError", "MissingError", "CapacityError", "MismatchError",
    "FormatError", "UnsupportedError", "StateError", "OutOfMemory", "ResourceError",
    "LibraryNotFound", "LibraryVersionError", "ENV_LIBRARY", "cpu_isa", "blas_info",
    "library_version", "library_path",
]


def cpu_isa():
    """The best Isa this CPU and OS support (ignoring GRU_ISA)."""
    from ._capi import lib
    return Isa(lib().gru_cpu_isa())


def blas_info():
    """One line naming the BLAS libgru calls (and OpenBLAS's core and threads)."""
    import ctypes
    from ._capi import lib
    buf = ctypes.create_string_buffer(256)
    lib().gru_blas_info(buf, len(buf))  # GRU_ERR_BUFFER only truncates
    return buf.value.decode()


def __getattr__(name):
    # Loaded lazily so that `import libgru` works before the library is found.
    if name in ("library_version", "library_path"):
        from ._capi import lib
        return lib().version if name == "library_version" else lib().path
    raise AttributeError("module 'libgru' has no attribute %r" % name)
