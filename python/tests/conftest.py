"""Shared test helpers: the source tree's paths, a reader of the golden-data
files (tests/golden.h describes the format), and a record of the largest
error each comparison saw, printed at the end of the run."""

import collections
import os

import numpy as np
import pytest

ROOT = os.path.abspath(os.environ.get(
    "LIBGRU_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", "..")))
HEADER = os.path.join(ROOT, "include", "gru.h")
DATA = os.path.join(ROOT, "tests", "data")

# Issue 3's bound: golden data matched within 1e-5 absolute for T <= 50.
TOLERANCE = 1e-5

_max_errors = collections.defaultdict(float)


class Golden:
    """One golden file: ``meta`` (str -> str) and ``tensors`` (name ->
    float32 array), in file order."""

    def __init__(self, path):
        self.path = path
        self.meta, self.tensors = {}, {}
        with open(path) as f:
            lines = f.read().split("\n")
        if lines[0] != "libgru-golden 1":
            raise ValueError("%s: not a golden file" % path)
        name, shape, values = None, None, []
        for line in lines[1:]:
            words = line.split()
            if not words or words[0].startswith("#"):
                continue
            if name is not None:
                values.extend(float(w) for w in words)
                if len(values) == int(np.prod(shape)):
                    self.tensors[name] = np.array(values, dtype=np.float32).reshape(shape)
                    name, values = None, []
            elif words[0] == "meta":
                self.meta[words[1]] = words[2]
            elif words[0] == "tensor":
                name, shape = words[1], tuple(int(w) for w in words[3:])
            elif words[0] == "end":
                break
        if name is not None:
            raise ValueError("%s: tensor %s is short" % (path, name))

    def int(self, key):
        return int(self.meta[key])

    def get(self, name):
        return self.tensors.get(name)


def golden_files(kind):
    folder = os.path.join(DATA, kind)
    return sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".txt"))


def assert_close(label, got, want, tol=TOLERANCE):
    """Asserts max |got - want| <= tol and records it under label."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, "%s: shape %s, expected %s" % (label, got.shape, want.shape)
    err = float(np.max(np.abs(got.astype(np.float64) - want))) if got.size else 0.0
    _max_errors[label] = max(_max_errors[label], err)
    assert err <= tol, "%s: max error %.3g > %.3g" % (label, err, tol)


def pytest_terminal_summary(terminalreporter):
    if _max_errors:
        terminalreporter.section("libgru: largest absolute errors")
        for label in sorted(_max_errors):
            terminalreporter.write_line("%-28s %.3g" % (label, _max_errors[label]))


@pytest.fixture(scope="session")
def torch():
    return pytest.importorskip("torch")


def pytest_report_header():
    import libgru
    from libgru import _capi
    lib = _capi.lib()
    return ["libgru package %s from %s" % (libgru.__version__, os.path.dirname(libgru.__file__)),
            "libgru library %s: %s (%s)" % (lib.version, lib.path, lib.how)]
