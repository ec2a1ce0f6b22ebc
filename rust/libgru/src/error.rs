//! `Error`: a status and the library's message.

use std::ffi::CStr;
use std::fmt;
use std::os::raw::c_char;

use libgru_sys as sys;

/// `gru_status` without `GRU_OK`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Status {
    Null,
    Size,
    Invalid,
    Shape,
    Name,
    Missing,
    Unsupported,
    Capacity,
    Mismatch,
    State,
    NoMem,
    Io,
    Format,
    Buffer,
    System,
    /// A status this binding does not know (a newer library).
    Unknown(u32),
}

impl Status {
    /// The status of a raw code; None for `GRU_OK`.
    pub fn from_raw(code: sys::gru_status) -> Option<Status> {
        Some(match code {
            sys::GRU_OK => return None,
            sys::GRU_ERR_NULL => Status::Null,
            sys::GRU_ERR_SIZE => Status::Size,
            sys::GRU_ERR_INVALID => Status::Invalid,
            sys::GRU_ERR_SHAPE => Status::Shape,
            sys::GRU_ERR_NAME => Status::Name,
            sys::GRU_ERR_MISSING => Status::Missing,
            sys::GRU_ERR_UNSUPPORTED => Status::Unsupported,
            sys::GRU_ERR_CAPACITY => Status::Capacity,
            sys::GRU_ERR_MISMATCH => Status::Mismatch,
            sys::GRU_ERR_STATE => Status::State,
            sys::GRU_ERR_NOMEM => Status::NoMem,
            sys::GRU_ERR_IO => Status::Io,
            sys::GRU_ERR_FORMAT => Status::Format,
            sys::GRU_ERR_BUFFER => Status::Buffer,
            sys::GRU_ERR_SYSTEM => Status::System,
            other => Status::Unknown(other),
        })
    }

    /// The raw `gru_status` code.
    pub fn raw(self) -> sys::gru_status {
        match self {
            Status::Null => sys::GRU_ERR_NULL,
            Status::Size => sys::GRU_ERR_SIZE,
            Status::Invalid => sys::GRU_ERR_INVALID,
            Status::Shape => sys::GRU_ERR_SHAPE,
            Status::Name => sys::GRU_ERR_NAME,
            Status::Missing => sys::GRU_ERR_MISSING,
            Status::Unsupported => sys::GRU_ERR_UNSUPPORTED,
            Status::Capacity => sys::GRU_ERR_CAPACITY,
            Status::Mismatch => sys::GRU_ERR_MISMATCH,
            Status::State => sys::GRU_ERR_STATE,
            Status::NoMem => sys::GRU_ERR_NOMEM,
            Status::Io => sys::GRU_ERR_IO,
            Status::Format => sys::GRU_ERR_FORMAT,
            Status::Buffer => sys::GRU_ERR_BUFFER,
            Status::System => sys::GRU_ERR_SYSTEM,
            Status::Unknown(code) => code,
        }
    }

    /// The enumerator's name, from the library ("GRU_ERR_SHAPE").
    pub fn name(self) -> &'static str {
        // SAFETY: gru_status_name returns static, never-NULL strings.
        unsafe { static_str(sys::gru_status_name(self.raw())) }
    }

    /// The library's generic message for the status (gru_strerror).
    pub fn description(self) -> &'static str {
        // SAFETY: as above.
        unsafe { static_str(sys::gru_strerror(self.raw())) }
    }
}

/// A failed libgru call: its status and what the library said (the
/// handle's message naming the tensor, row or size at fault, or
/// gru_strerror's when there is none). Argument checks done on the Rust
/// side before a call use the same statuses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    status: Status,
    message: String,
}

impl Error {
    pub fn new(status: Status, message: impl Into<String>) -> Error {
        Error { status, message: message.into() }
    }

    pub fn status(&self) -> Status {
        self.status
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    /// The error for a raw status, with the handle's message if not empty.
    pub(crate) fn from_call(code: sys::gru_status, message: *const c_char) -> Error {
        let status = Status::from_raw(code).unwrap_or(Status::Unknown(code));
        // SAFETY: error messages are NUL-terminated and valid until the
        // next call on the handle; copied at once.
        let text = if message.is_null() {
            String::new()
        } else {
            unsafe { CStr::from_ptr(message) }.to_string_lossy().into_owned()
        };
        let text = if text.is_empty() { status.description().to_string() } else { text };
        Error { status, message: text }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.status.name(), self.message)
    }
}

impl std::error::Error for Error {}

/// `Result<T, libgru::Error>`.
pub type Result<T> = std::result::Result<T, Error>;

/// Ok for GRU_OK, else the error with gru_strerror's message.
pub(crate) fn check(code: sys::gru_status) -> Result<()> {
    if code == sys::GRU_OK {
        Ok(())
    } else {
        Err(Error::from_call(code, std::ptr::null()))
    }
}

/// A static C string from the library as &str.
///
/// # Safety
/// `p` must be NULL or point to a NUL-terminated string with static storage.
pub(crate) unsafe fn static_str(p: *const c_char) -> &'static str {
    if p.is_null() {
        ""
    } else {
        CStr::from_ptr(p).to_str().unwrap_or("")
    }
}
