"""The C ABI of libgru through ctypes: finding the library, declaring every
prototype of include/gru.h, and checking the loaded library's version.

Nothing here is public; libgru/__init__.py re-exports what users need.

Discovery, first match wins (docs in python/README.md):

1. ``LIBGRU_LIBRARY``: a path to the shared library, or to a directory
   holding ``libgru.so.1``. Given but unusable is an error, never a silent
   fall-through to another copy.
2. The build tree, when this package is imported from a libgru source tree
   (``python/libgru`` beside ``include/gru.h``): ``build/dev/src``, then
   ``build/release/src``.
3. The system: ``libgru.so.1`` through the dynamic loader (ld.so.cache,
   ``LD_LIBRARY_PATH``), then whatever ``ctypes.util.find_library("gru")``
   names.
"""

import ctypes
import ctypes.util
import os
import threading
from ctypes import (CFUNCTYPE, POINTER, c_char_p, c_float, c_int, c_size_t,
                    c_ubyte, c_uint, c_uint32, c_void_p)

# The release this package was written against: include/gru.h's
# GRU_VERSION_STRING. A test keeps the two equal.
VERSION = "0.1.0"

SONAME = "libgru.so.1"
ENV_LIBRARY = "LIBGRU_LIBRARY"

_FLOATS = POINTER(c_float)
_SIZES = POINTER(c_size_t)
_HANDLE_OUT = POINTER(c_void_p)
ALLOC_FN = CFUNCTYPE(c_void_p, c_void_p, c_size_t, c_size_t)
FREE_FN = CFUNCTYPE(None, c_void_p, c_void_p, c_size_t)

# Every function of include/gru.h: name -> (restype, argtypes). Handles are
# c_void_p (a default int restype would truncate a 64-bit pointer), enums
# are C int, size_t is c_size_t, and float buffers are float pointers.
PROTOTYPES = {
    "gru_version_number": (c_uint, []),
    "gru_version_string": (c_char_p, []),
    "gru_strerror": (c_char_p, [c_int]),
    "gru_status_name": (c_char_p, [c_int]),
    "gru_builder_create": (c_int, [_HANDLE_OUT]),
    "gru_builder_create_custom": (c_int, [_HANDLE_OUT, ALLOC_FN, FREE_FN, c_void_p]),
    "gru_builder_destroy": (None, [c_void_p]),
    "gru_builder_set_shape": (c_int, [c_void_p, c_int, c_int, c_size_t, c_size_t, c_size_t]),
    "gru_builder_set_option": (c_int, [c_void_p, c_int, c_size_t]),
    "gru_builder_set_tensor": (c_int, [c_void_p, c_int, c_char_p, _FLOATS, c_size_t, _SIZES]),
    "gru_builder_build": (c_int, [c_void_p, _HANDLE_OUT]),
    "gru_builder_error": (c_char_p, [c_void_p]),
    "gru_layer_destroy": (None, [c_void_p]),
    "gru_layer_get": (c_int, [c_void_p, c_int, _SIZES]),
    "gru_layer_tensor_count": (c_int, [c_void_p, c_int, _SIZES]),
    "gru_layer_tensor_info": (c_int, [c_void_p, c_int, c_size_t, c_char_p, c_size_t, _SIZES,
                                      _SIZES]),
    "gru_layer_get_tensor": (c_int, [c_void_p, c_int, c_char_p, _FLOATS, c_size_t]),
    "gru_sequence_create": (c_int, [_HANDLE_OUT, c_void_p, c_size_t, c_size_t]),
    "gru_sequence_clone": (c_int, [_HANDLE_OUT, c_void_p]),
    "gru_sequence_destroy": (None, [c_void_p]),
    "gru_sequence_get": (c_int, [c_void_p, c_int, _SIZES]),
    "gru_sequence_reset": (c_int, [c_void_p, c_size_t, _FLOATS, c_size_t]),
    "gru_sequence_get_state": (c_int, [c_void_p, c_size_t, _FLOATS, c_size_t]),
    "gru_sequence_error": (c_char_p, [c_void_p]),
    "gru_sequence_run": (c_int, [c_void_p, c_size_t, c_size_t, _FLOATS, c_size_t, _FLOATS,
                                 c_size_t, _SIZES, c_uint32]),
    "gru_sequence_step": (c_int, [c_void_p, c_size_t, _FLOATS, c_size_t, _FLOATS, c_size_t,
                                  POINTER(c_ubyte), _FLOATS, c_size_t]),
    "gru_sequence_state_bytes": (c_int, [c_void_p, c_size_t, _SIZES]),
    "gru_sequence_save_state": (c_int, [c_void_p, c_size_t, c_void_p, c_size_t, _SIZES]),
    "gru_sequence_load_state": (c_int, [c_void_p, c_void_p, c_size_t]),
    "gru_cpu_isa": (c_int, []),
    "gru_isa_name": (c_char_p, [c_int]),
    "gru_blas_info": (c_int, [c_char_p, c_size_t]),
}

# Functions newer than the first release: declared when the loaded library
# has them; the wrappers that need one raise UnsupportedError otherwise.
_STRING_OUT = POINTER(c_char_p)
OPTIONAL_PROTOTYPES = {
    "gru_sequence_set_option": (c_int, [c_void_p, c_int, c_size_t]),
    "gru_builder_load_safetensors": (c_int, [c_void_p, c_void_p, c_size_t, c_char_p]),
    "gru_builder_load_file": (c_int, [c_void_p, c_char_p, c_char_p]),
    "gru_layer_save_safetensors": (c_int, [c_void_p, c_int, c_void_p, c_size_t, _SIZES]),
    "gru_layer_save_file": (c_int, [c_void_p, c_int, c_char_p]),
    "gru_file_create": (c_int, [_HANDLE_OUT]),
    "gru_file_create_custom": (c_int, [_HANDLE_OUT, ALLOC_FN, FREE_FN, c_void_p]),
    "gru_file_destroy": (None, [c_void_p]),
    "gru_file_open": (c_int, [c_void_p, c_char_p]),
    "gru_file_open_memory": (c_int, [c_void_p, c_void_p, c_size_t]),
    "gru_file_error": (c_char_p, [c_void_p]),
    "gru_file_metadata": (c_int, [c_void_p, c_char_p, _STRING_OUT]),
    "gru_file_metadata_count": (c_int, [c_void_p, _SIZES]),
    "gru_file_metadata_key": (c_int, [c_void_p, c_size_t, _STRING_OUT]),
    "gru_file_tensor_count": (c_int, [c_void_p, _SIZES]),
    "gru_file_tensor_name": (c_int, [c_void_p, c_size_t, _STRING_OUT]),
    "gru_file_tensor_info": (c_int, [c_void_p, c_char_p, _STRING_OUT, _SIZES, _SIZES]),
    "gru_file_read_tensor": (c_int, [c_void_p, c_char_p, _FLOATS, c_size_t]),
    "gru_builder_load": (c_int, [c_void_p, c_void_p, c_char_p]),
}


class LibraryNotFound(ImportError):
    """No usable libgru shared library was found; the message lists where
    the search looked."""


class LibraryVersionError(ImportError):
    """The loaded libgru is not the release this package was written for."""


def version_tuple(text):
    parts = text.split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ValueError("not a MAJOR.MINOR.PATCH version: %r" % (text,))
    return tuple(int(p) for p in parts)


def compatible(binding, library):
    """The rule: same major and minor (while the major is 0 a minor release
    may change the API, as semantic versioning allows), any patch."""
    return binding[:2] == library[:2]


def _source_tree_candidates(package_dir=None):
    here = os.path.abspath(package_dir or os.path.dirname(__file__))
    root = os.path.dirname(os.path.dirname(here))
    if not os.path.isfile(os.path.join(root, "include", "gru.h")):
        return []
    return [os.path.join(root, "build", preset, "src", SONAME) for preset in ("dev", "release")]


def _from_env(value):
    path = value
    if os.path.isdir(path):
        path = os.path.join(path, SONAME)
    if not os.path.exists(path):
        raise LibraryNotFound("%s=%s: no such library" % (ENV_LIBRARY, value))
    return path


def _declare(cdll, name, restype, argtypes):
    fn = getattr(cdll, name)
    fn.restype = restype
    fn.argtypes = argtypes
    return fn


class Library:
    """A loaded libgru with every prototype declared, and where it came
    from. Attribute access gives the C functions (``lib.gru_strerror``)."""

    def __init__(self, path, how):
        self.path = path
        self.how = how
        self.cdll = ctypes.CDLL(path)
        for name, (restype, argtypes) in PROTOTYPES.items():
            try:
                setattr(self, name, _declare(self.cdll, name, restype, argtypes))
            except AttributeError:
                raise LibraryVersionError("%s (%s) lacks %s: not a libgru %s" %
                                          (path, how, name, VERSION)) from None
        self.optional = set()
        for name, (restype, argtypes) in OPTIONAL_PROTOTYPES.items():
            if hasattr(self.cdll, name):
                setattr(self, name, _declare(self.cdll, name, restype, argtypes))
                self.optional.add(name)
        self.version = self.gru_version_string().decode()
        self.version_number = self.gru_version_number()

    def has(self, name):
        return name in PROTOTYPES or name in self.optional

    def check_version(self):
        mine, theirs = version_tuple(VERSION), version_tuple(self.version)
        number = theirs[0] * 10000 + theirs[1] * 100 + theirs[2]
        if number != self.version_number:
            raise LibraryVersionError("%s: version string %s disagrees with version number %d" %
                                      (self.path, self.version, self.version_number))
        if not compatible(mine, theirs):
            raise LibraryVersionError(
                "the libgru Python package %s needs libgru %d.%d.x, but %s (%s) is libgru %s; "
                "install a matching release or point %s at one" %
                (VERSION, mine[0], mine[1], self.path, self.how, self.version, ENV_LIBRARY))


def _load_path(path, how):
    try:
        lib = Library(path, how)
    except OSError as e:
        raise LibraryNotFound("%s (%s): %s" % (path, how, e)) from None
    lib.check_version()
    return lib


def find_and_load():
    """Finds, loads and version-checks libgru by the order in the module
    docstring. Raises LibraryNotFound or LibraryVersionError."""
    env = os.environ.get(ENV_LIBRARY)
    if env:
        return _load_path(_from_env(env), "from $" + ENV_LIBRARY)
    tried = []
    for path in _source_tree_candidates():
        if os.path.exists(path):
            return _load_path(path, "from the source tree's build")
        tried.append(path)
    names = [SONAME]
    found = ctypes.util.find_library("gru")
    if found and found != SONAME:
        names.append(found)
    for name in names:
        try:
            lib = Library(name, "from the system library path")
        except OSError as e:
            tried.append("%s (%s)" % (name, e))
            continue
        lib.check_version()
        return lib
    raise LibraryNotFound("libgru not found; tried: %s. Install libgru, or set %s to the "
                          "library or its build directory (build/dev/src)" %
                          ("; ".join(tried), ENV_LIBRARY))


_lock = threading.Lock()
_lib = None


def lib():
    """The process's libgru, loaded on first use."""
    global _lib
    if _lib is None:
        with _lock:
            if _lib is None:
                _lib = find_and_load()
    return _lib
