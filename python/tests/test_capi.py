"""The binding against include/gru.h and the loaded library: every function
declared with the header's types, every enum value equal, versions checked,
and the library found the documented way."""

import ctypes
import os
import re
import shutil
import subprocess
import sys

import pytest

import libgru
from libgru import _capi, _handles
from conftest import HEADER


def _header_text():
    with open(HEADER) as f:
        text = f.read()
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"\\\n", " ", text)
    return text


def header_functions():
    """name -> (return type, [parameter types]) of every GRU_API function,
    types with parameter names dropped ("const float *")."""
    body = "\n".join(l for l in _header_text().split("\n") if not l.lstrip().startswith("#"))
    out = {}
    for ret, name, params in re.findall(r"GRU_API\s+([\w\s\*]+?)\s*\b(\w+)\s*\(([^)]*)\)\s*;",
                                        body):
        types = []
        for p in params.split(","):
            p = " ".join(p.split())
            if p in ("void", ""):
                continue
            array = p.endswith("]")
            p = re.sub(r"\[[^\]]*\]$", "", p).strip()
            p = re.sub(r"\s*\b\w+$", "", p)  # the parameter's name
            p = p.replace(" *", "*").replace("*", " *").replace("*  *", "**").strip()
            types.append(p + (" *" if array else ""))
        out[name] = (" ".join(ret.replace("*", " *").split()).replace("* *", "**"), types)
    return out


_HANDLES = ("gru_builder", "gru_layer", "gru_sequence", "gru_file")
_ENUMS = ("gru_status", "gru_variant", "gru_direction", "gru_format", "gru_option", "gru_info",
          "gru_isa")


def ctype_of(c, is_return=False):
    """The ctypes type the binding must use for C type c."""
    c = " ".join(c.replace("*", " * ").split()).replace("* *", "**")
    bare = c.replace("const ", "")
    table = {
        "void": None, "unsigned": ctypes.c_uint, "size_t": ctypes.c_size_t,
        "uint32_t": ctypes.c_uint32, "char *": ctypes.c_char_p, "void *": ctypes.c_void_p,
        "float *": ctypes.POINTER(ctypes.c_float), "size_t *": ctypes.POINTER(ctypes.c_size_t),
        "unsigned char *": ctypes.POINTER(ctypes.c_ubyte),
        "char **": ctypes.POINTER(ctypes.c_char_p),
        "gru_alloc_fn": _capi.ALLOC_FN, "gru_free_fn": _capi.FREE_FN,
    }
    if bare in table:
        return table[bare]
    if bare in _ENUMS:
        return ctypes.c_int
    if bare in tuple(h + " *" for h in _HANDLES):
        return ctypes.c_void_p
    if bare in tuple(h + " **" for h in _HANDLES):
        return ctypes.POINTER(ctypes.c_void_p)
    raise AssertionError("no mapping for C type %r: extend the binding and this test" % c)


def test_every_header_function_is_declared_with_its_types():
    header = header_functions()
    assert len(header) >= 30
    ours = dict(_capi.PROTOTYPES, **_capi.OPTIONAL_PROTOTYPES)
    assert sorted(header) == sorted(ours), "header and binding list different functions: %s" % \
        sorted(set(header) ^ set(ours))
    for name, (ret, params) in header.items():
        restype, argtypes = ours[name]
        assert restype == ctype_of(ret, True), name
        assert argtypes == [ctype_of(p) for p in params], name


def test_loaded_library_declares_every_prototype():
    lib = _capi.lib()
    for name, (restype, argtypes) in _capi.PROTOTYPES.items():
        fn = getattr(lib, name)
        assert fn.restype == restype and fn.argtypes == argtypes, name
    for name in _capi.OPTIONAL_PROTOTYPES:
        assert lib.has(name) == hasattr(lib.cdll, name)


def _header_enum(name):
    text = _header_text()
    m = re.search(r"typedef enum %s\s*\{(.*?)\}" % name, text, re.S)
    return {k: int(v) for k, v in re.findall(r"(GRU_\w+)\s*=\s*(\d+)", m.group(1))}


@pytest.mark.parametrize("cls,c_name,prefix", [
    (libgru.Variant, "gru_variant", "GRU_"), (libgru.Direction, "gru_direction", "GRU_"),
    (libgru.Format, "gru_format", "GRU_FORMAT_"), (libgru.Isa, "gru_isa", "GRU_ISA_"),
    (_handles.Option, "gru_option", "GRU_OPT_"), (_handles.Info, "gru_info", "GRU_INFO_")])
def test_enums_match_header(cls, c_name, prefix):
    want = {k[len(prefix):]: v for k, v in _header_enum(c_name).items()}
    assert {m.name: m.value for m in cls} == want


def test_status_and_defines_match_header():
    text = _header_text()
    statuses = {k: int(v) for k, v in re.findall(r"X\((GRU_\w+),\s*(\d+),", text)}
    assert {"GRU_" + s.name: s.value for s in libgru.Status} == statuses
    lib = _capi.lib()
    for s in libgru.Status:  # and the library agrees on every name
        assert lib.gru_status_name(s).decode() == "GRU_" + s.name
    defines = dict(re.findall(r"#define (GRU_\w+)\s+(\d+)u?\b", text))
    assert int(defines["GRU_BATCH_MAJOR"]) == _handles.BATCH_MAJOR
    assert int(defines["GRU_SPLIT_DIRECTIONS"]) == _handles.SPLIT_DIRECTIONS
    assert int(defines["GRU_MAX_DIMS"]) == _handles.MAX_DIMS
    assert int(defines["GRU_MAX_NAME"]) == _handles.MAX_NAME


def test_versions():
    text = _header_text()
    header_version = re.search(r'#define GRU_VERSION_STRING "([^"]+)"', text).group(1)
    assert libgru.__version__ == header_version  # bump both together
    assert libgru.library_version == _capi.lib().version
    assert _capi.version_tuple(libgru.library_version)[:2] == \
        _capi.version_tuple(libgru.__version__)[:2]
    assert os.path.exists(libgru.library_path)


def test_version_rule():
    assert _capi.compatible((0, 1, 0), (0, 1, 7))
    assert not _capi.compatible((0, 1, 0), (0, 2, 0))
    assert not _capi.compatible((1, 0, 0), (2, 0, 0))
    with pytest.raises(ValueError):
        _capi.version_tuple("1.2")


def test_version_mismatch_is_an_error(monkeypatch):
    monkeypatch.setattr(_capi, "VERSION", "0.99.0")
    with pytest.raises(libgru.LibraryVersionError, match="needs libgru 0.99.x"):
        _capi.Library(_capi.lib().path, "test").check_version()


def _run_python(code, env, cwd):
    full = {k: v for k, v in os.environ.items() if k != _capi.ENV_LIBRARY}
    full.update(env)
    return subprocess.run([sys.executable, "-c", code], env=full, cwd=cwd,
                          capture_output=True, text=True)


@pytest.fixture
def package_copy(tmp_path):
    """This package copied outside any source tree."""
    shutil.copytree(os.path.dirname(libgru.__file__), tmp_path / "libgru",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def test_discovery_env_var_and_system_path(package_copy):
    lib_path = _capi.lib().path
    code = "import libgru; print(libgru.library_path); print(libgru._capi.lib().how)"
    r = _run_python(code, {_capi.ENV_LIBRARY: os.path.dirname(lib_path),
                           "PYTHONPATH": str(package_copy)}, package_copy)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split("\n")[:2] == [os.path.join(os.path.dirname(lib_path), _capi.SONAME),
                                        "from $LIBGRU_LIBRARY"]
    # No variable, outside the source tree: the dynamic loader's path.
    r = _run_python(code, {"LD_LIBRARY_PATH": os.path.dirname(lib_path),
                           "PYTHONPATH": str(package_copy)}, package_copy)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split("\n")[:2] == [_capi.SONAME, "from the system library path"]


def test_discovery_bad_env_var_fails_on_first_use(package_copy):
    code = ("import libgru\n"  # importing works; the first use says what is wrong
            "try:\n    libgru.GRU(2, 3)\n"
            "except libgru.LibraryNotFound as e:\n    print('not found:', e)\n")
    r = _run_python(code, {_capi.ENV_LIBRARY: "/nonexistent/libgru.so.1",
                           "PYTHONPATH": str(package_copy)}, package_copy)
    assert r.returncode == 0, r.stderr
    assert "not found: LIBGRU_LIBRARY=/nonexistent/libgru.so.1: no such library" in r.stdout


def test_source_tree_candidates():
    assert _capi._source_tree_candidates("/nowhere/python/libgru") == []
    here = os.path.join(os.path.dirname(HEADER), "..", "python", "libgru")
    got = _capi._source_tree_candidates(here)
    assert [os.path.relpath(p, os.path.dirname(os.path.dirname(HEADER))) for p in got] == \
        ["build/dev/src/libgru.so.1", "build/release/src/libgru.so.1"]


def test_platform_queries():
    assert isinstance(libgru.cpu_isa(), libgru.Isa)
    assert libgru.blas_info()
