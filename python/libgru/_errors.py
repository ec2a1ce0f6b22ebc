"""Exceptions: one class per gru_status, each carrying the library's own
message, and Python's matching built-in exception as a second base so that
``except ValueError`` catches a wrong shape as it would in numpy."""

import enum


class Status(enum.IntEnum):
    """gru_status, values as in include/gru.h (a test checks them)."""
    OK = 0
    ERR_NULL = 1
    ERR_SIZE = 2
    ERR_INVALID = 3
    ERR_SHAPE = 4
    ERR_NAME = 5
    ERR_MISSING = 6
    ERR_UNSUPPORTED = 7
    ERR_CAPACITY = 8
    ERR_MISMATCH = 9
    ERR_STATE = 10
    ERR_NOMEM = 11
    ERR_IO = 12
    ERR_FORMAT = 13
    ERR_BUFFER = 14
    ERR_SYSTEM = 15


class Error(Exception):
    """A libgru call failed. ``status`` is the Status, ``message`` what the
    library said (the handle's message, or gru_strerror's when the handle
    has none); str() gives "GRU_ERR_SHAPE: <message>"."""

    def __init__(self, status, message):
        try:
            status = Status(status)
        except ValueError:
            pass
        self.status = status
        self.message = message
        name = ("GRU_" + status.name) if isinstance(status, Status) else "GRU_UNKNOWN(%d)" % status
        super().__init__("%s: %s" % (name, message))


class ArgumentError(Error, ValueError):
    """A size, shape, name, value or buffer the library refused."""


class ShapeError(ArgumentError):
    """GRU_ERR_SHAPE."""


class TensorNameError(ArgumentError):
    """GRU_ERR_NAME: a tensor name the format does not have here."""


class MissingError(ArgumentError):
    """GRU_ERR_MISSING: a weight matrix was never given."""


class CapacityError(ArgumentError):
    """GRU_ERR_CAPACITY: batch or steps beyond a sequence's capacity."""


class MismatchError(ArgumentError):
    """GRU_ERR_MISMATCH: a state saved from another configuration."""


class FormatError(ArgumentError):
    """GRU_ERR_FORMAT: malformed model or state data."""


class UnsupportedError(Error, NotImplementedError):
    """GRU_ERR_UNSUPPORTED, or a call the loaded library does not have."""


class StateError(Error, RuntimeError):
    """GRU_ERR_STATE: the handle is not ready for this call."""


class OutOfMemory(Error, MemoryError):
    """GRU_ERR_NOMEM."""


class ResourceError(Error, OSError):
    """GRU_ERR_IO and GRU_ERR_SYSTEM."""


_CLASSES = {
    Status.ERR_NULL: ArgumentError,
    Status.ERR_SIZE: ArgumentError,
    Status.ERR_INVALID: ArgumentError,
    Status.ERR_SHAPE: ShapeError,
    Status.ERR_NAME: TensorNameError,
    Status.ERR_MISSING: MissingError,
    Status.ERR_UNSUPPORTED: UnsupportedError,
    Status.ERR_CAPACITY: CapacityError,
    Status.ERR_MISMATCH: MismatchError,
    Status.ERR_STATE: StateError,
    Status.ERR_NOMEM: OutOfMemory,
    Status.ERR_IO: ResourceError,
    Status.ERR_FORMAT: FormatError,
    Status.ERR_BUFFER: ArgumentError,
    Status.ERR_SYSTEM: ResourceError,
}


def error_for(status, message):
    """The exception to raise for a failed status and its message."""
    return _CLASSES.get(status, Error)(status, message)
