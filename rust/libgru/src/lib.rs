//! libgru from Rust: fast GRU layers on CPUs, over libgru's C ABI.
//!
//! ```no_run
//! use libgru::{Builder, Direction, Format, Variant};
//! # fn main() -> libgru::Result<()> {
//! let (i, h, t, b) = (4, 8, 10, 2);
//! let layer = Builder::new(Variant::ResetAfter, Direction::Forward, 1, i, h)?
//!     .tensor(Format::Torch, "weight_ih_l0", &vec![0.1; 3 * h * i], &[3 * h, i])?
//!     .tensor(Format::Torch, "weight_hh_l0", &vec![0.1; 3 * h * h], &[3 * h, h])?
//!     .build()?;
//! let mut seq = layer.sequence(b, t)?;
//! let (x, mut y) = (vec![0.5; t * b * i], vec![0.0; t * b * h]);
//! seq.run(&x, t, b, Some(&mut y), &libgru::Run::default())?;
//! let h_n = seq.state(b)?;
//! # Ok(()) }
//! ```
//!
//! The three C handles, with the C threading contract as Rust types:
//!
//! - [`Builder`] (`gru_builder`): mutable, `Send` but not `Sync`.
//! - [`Layer`] (`gru_layer`): immutable weights, `Send + Sync`, shared by
//!   cloning (an `Arc`).
//! - [`Sequence`] (`gru_sequence`): one caller's state and workspace,
//!   `Send` but not `Sync`. It holds its layer, so it cannot outlive it.
//!
//! Every call returns [`Result`]; an [`Error`] carries the library's own
//! message. Slice lengths are checked before each call, so no call reads or
//! writes past a slice.
//!
//! ```compile_fail,E0277
//! fn sync<T: Sync>() {}
//! sync::<libgru::Sequence>(); // a sequence is used by one thread at a time
//! ```
//!
//! ```compile_fail,E0277
//! fn sync<T: Sync>() {}
//! sync::<libgru::Builder>();
//! ```

mod builder;
mod error;
mod layer;
mod model_file;
mod sequence;

pub use builder::Builder;
pub use error::{Error, Result, Status};
pub use layer::{Layer, TensorInfo};
pub use libgru_sys as sys;
pub use model_file::ModelFile;
pub use sequence::{Run, Sequence};

use std::os::raw::c_char;

use error::static_str;

macro_rules! raw_enum {
    ($(#[$m:meta])* $name:ident: $raw:ty { $($variant:ident = $value:path,)* }) => {
        $(#[$m])*
        #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant,)*
        }

        impl $name {
            /// The C value.
            pub fn raw(self) -> $raw {
                match self {
                    $($name::$variant => $value,)*
                }
            }

            /// The variant for a C value, if there is one.
            pub fn from_raw(raw: usize) -> Option<$name> {
                $(if raw == $value as usize {
                    return Some($name::$variant);
                })*
                None
            }
        }
    };
}

raw_enum! {
    /// Where the reset gate acts (gru_variant).
    Variant: sys::gru_variant {
        ResetBefore = sys::GRU_RESET_BEFORE,
        ResetAfter = sys::GRU_RESET_AFTER,
    }
}

raw_enum! {
    /// Directions of each stacked layer (gru_direction).
    Direction: sys::gru_direction {
        Forward = sys::GRU_FORWARD,
        Reverse = sys::GRU_REVERSE,
        Bidirectional = sys::GRU_BIDIRECTIONAL,
        BidirectionalSum = sys::GRU_BIDIRECTIONAL_SUM,
    }
}

raw_enum! {
    /// Weight layouts and their tensor names (gru_format; docs/interop.md).
    Format: sys::gru_format {
        Concat = sys::GRU_FORMAT_CONCAT,
        Torch = sys::GRU_FORMAT_TORCH,
        Onnx = sys::GRU_FORMAT_ONNX,
        Keras = sys::GRU_FORMAT_KERAS,
    }
}

raw_enum! {
    /// The kernels' code path (gru_isa).
    Isa: sys::gru_isa {
        Scalar = sys::GRU_ISA_SCALAR,
        Avx2 = sys::GRU_ISA_AVX2,
        Avx512 = sys::GRU_ISA_AVX512,
    }
}

raw_enum! {
    /// Who computes the per-step matrix products (gru_products).
    Products: sys::gru_products {
        Packed = sys::GRU_PRODUCTS_PACKED,
        Blas = sys::GRU_PRODUCTS_BLAS,
    }
}

/// The release these bindings were written for (the header's
/// GRU_VERSION_STRING).
pub const BINDING_VERSION: &str = sys::GRU_VERSION_STRING;

/// The version of the library actually loaded ("0.1.0").
pub fn library_version() -> &'static str {
    // SAFETY: static, never NULL.
    unsafe { static_str(sys::gru_version_string()) }
}

/// Checks that the loaded library is of the release these bindings were
/// written for: same major and minor (any patch). `Builder::new` calls it;
/// an error says both versions.
pub fn check_version() -> Result<()> {
    // SAFETY: no arguments.
    let loaded = unsafe { sys::gru_version_number() };
    let (major, minor) = (loaded / 10000, loaded / 100 % 100);
    if major == sys::GRU_VERSION_MAJOR && minor == sys::GRU_VERSION_MINOR {
        Ok(())
    } else {
        Err(Error::new(
            Status::Unsupported,
            format!(
                "the libgru crate {} needs libgru {}.{}.x, but the loaded library is {}",
                BINDING_VERSION,
                sys::GRU_VERSION_MAJOR,
                sys::GRU_VERSION_MINOR,
                library_version()
            ),
        ))
    }
}

/// The best Isa this CPU and OS support (ignoring GRU_ISA).
pub fn cpu_isa() -> Isa {
    // SAFETY: no arguments.
    Isa::from_raw(unsafe { sys::gru_cpu_isa() } as usize).unwrap_or(Isa::Scalar)
}

/// A one-line description of the BLAS libgru calls.
pub fn blas_info() -> String {
    let mut buf = vec![0 as c_char; 256];
    // SAFETY: buf has buf.len() bytes; the result is NUL-terminated (a
    // truncation is GRU_ERR_BUFFER, still terminated).
    unsafe {
        sys::gru_blas_info(buf.as_mut_ptr(), buf.len());
        std::ffi::CStr::from_ptr(buf.as_ptr()).to_string_lossy().into_owned()
    }
}
