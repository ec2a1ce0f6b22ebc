//! `Builder`: a gru_builder, owned.

use std::ffi::CString;
use std::path::Path;
use std::ptr::{self, NonNull};

use libgru_sys as sys;

use crate::error::{check, Error, Result, Status};
use crate::layer::Layer;
use crate::model_file::{c_path, c_prefix, ModelFile};
use crate::{check_version, Direction, Format, Isa, Products, Variant};

/// Collects a GRU's shape, options and weights, then builds a [`Layer`].
///
/// `Send` (it may move between threads) but not `Sync`, as the C contract
/// says: one thread at a time. Methods chain:
/// `Builder::new(..)?.tensor(..)?.tensor(..)?.build()`.
pub struct Builder {
    ptr: NonNull<sys::gru_builder>,
}

// SAFETY: a gru_builder has no thread affinity; it only must not be used
// from two threads at once, which &mut self and !Sync guarantee.
unsafe impl Send for Builder {}

impl Builder {
    /// A builder for `num_layers` stacked layers of `direction` and
    /// `variant`, taking `input_size` floats and holding `hidden_size`.
    pub fn new(
        variant: Variant,
        direction: Direction,
        num_layers: usize,
        input_size: usize,
        hidden_size: usize,
    ) -> Result<Builder> {
        let mut b = Builder::empty()?;
        // SAFETY: b.ptr is a live builder.
        let st = unsafe {
            sys::gru_builder_set_shape(
                b.ptr.as_ptr(),
                variant.raw(),
                direction.raw(),
                num_layers,
                input_size,
                hidden_size,
            )
        };
        b.check(st)?;
        Ok(b)
    }

    /// A builder with no shape yet.
    fn empty() -> Result<Builder> {
        check_version()?;
        let mut raw = ptr::null_mut();
        // SAFETY: raw is a valid out-pointer.
        check(unsafe { sys::gru_builder_create(&mut raw) })?;
        Ok(Builder { ptr: NonNull::new(raw).ok_or_else(|| Error::new(Status::NoMem, "gru_builder_create"))? })
    }

    /// A builder holding the GRU of the safetensors file at `path`: a
    /// PyTorch `nn.GRU` state dict (its tensors under `prefix`, e.g.
    /// `Some("rnn.")`) or a file libgru saved (`None`: the file's own
    /// prefix). Options may be set before `build()`.
    pub fn from_file(path: impl AsRef<Path>, prefix: Option<&str>) -> Result<Builder> {
        let path = c_path(path.as_ref())?;
        let prefix = c_prefix(prefix)?;
        let mut b = Builder::empty()?;
        // SAFETY: live builder, NUL-terminated strings (prefix may be NULL).
        let st = unsafe {
            sys::gru_builder_load_file(
                b.ptr.as_ptr(),
                path.as_ptr(),
                prefix.as_ref().map_or(ptr::null(), |p| p.as_ptr()),
            )
        };
        b.check(st)?;
        Ok(b)
    }

    /// As [`Builder::from_file`], from a file's bytes (read during the call).
    pub fn from_safetensors(data: &[u8], prefix: Option<&str>) -> Result<Builder> {
        let prefix = c_prefix(prefix)?;
        let mut b = Builder::empty()?;
        // SAFETY: data has data.len() bytes, only read during the call.
        let st = unsafe {
            sys::gru_builder_load_safetensors(
                b.ptr.as_ptr(),
                data.as_ptr().cast(),
                data.len(),
                prefix.as_ref().map_or(ptr::null(), |p| p.as_ptr()),
            )
        };
        b.check(st)?;
        Ok(b)
    }

    /// Sets the shape and tensors from the GRU in an open model file (as
    /// `from_file`), keeping this builder's options.
    pub fn load(&mut self, file: &ModelFile, prefix: Option<&str>) -> Result<&mut Builder> {
        let prefix = c_prefix(prefix)?;
        // SAFETY: live builder and file.
        let st = unsafe {
            sys::gru_builder_load(
                self.ptr.as_ptr(),
                file.as_ptr(),
                prefix.as_ref().map_or(ptr::null(), |p| p.as_ptr()),
            )
        };
        self.check(st)?;
        Ok(self)
    }

    fn check(&mut self, code: sys::gru_status) -> Result<()> {
        if code == sys::GRU_OK {
            return Ok(());
        }
        // SAFETY: the message is read before any other call on the builder.
        Err(Error::from_call(code, unsafe { sys::gru_builder_error(self.ptr.as_ptr()) }))
    }

    /// Caps the kernels the layer may use (GRU_OPT_ISA).
    pub fn isa(&mut self, isa: Isa) -> Result<&mut Builder> {
        // SAFETY: live builder.
        let st =
            unsafe { sys::gru_builder_set_option(self.ptr.as_ptr(), sys::GRU_OPT_ISA, isa.raw() as usize) };
        self.check(st)?;
        Ok(self)
    }

    /// Chooses who computes the per-step products (GRU_OPT_PRODUCTS).
    pub fn products(&mut self, products: Products) -> Result<&mut Builder> {
        // SAFETY: live builder.
        let st = unsafe {
            sys::gru_builder_set_option(self.ptr.as_ptr(), sys::GRU_OPT_PRODUCTS, products.raw() as usize)
        };
        self.check(st)?;
        Ok(self)
    }

    /// Copies one weight tensor in `format` (names and shapes in
    /// docs/interop.md). `data.len()` must equal the product of `shape`.
    pub fn tensor(
        &mut self,
        format: Format,
        name: &str,
        data: &[f32],
        shape: &[usize],
    ) -> Result<&mut Builder> {
        if shape.is_empty() || shape.len() > sys::GRU_MAX_DIMS {
            return Err(Error::new(
                Status::Shape,
                format!("{}: {} dimensions, a tensor has 1 to {}", name, shape.len(), sys::GRU_MAX_DIMS),
            ));
        }
        let count = shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
        if count != Some(data.len()) {
            return Err(Error::new(
                Status::Size,
                format!("{}: {} floats for shape {:?}", name, data.len(), shape),
            ));
        }
        let cname = CString::new(name)
            .map_err(|_| Error::new(Status::Name, format!("{:?}: a NUL in a tensor name", name)))?;
        // SAFETY: data holds the product of shape floats; shape has
        // shape.len() entries; cname is NUL-terminated. All are copied.
        let st = unsafe {
            sys::gru_builder_set_tensor(
                self.ptr.as_ptr(),
                format.raw(),
                cname.as_ptr(),
                data.as_ptr(),
                shape.len(),
                shape.as_ptr(),
            )
        };
        self.check(st)?;
        Ok(self)
    }

    /// Builds the layer. The weights move into it; the builder keeps its
    /// shape and options with every tensor unset, ready for another.
    pub fn build(&mut self) -> Result<Layer> {
        let mut raw = ptr::null_mut();
        // SAFETY: live builder, valid out-pointer.
        let st = unsafe { sys::gru_builder_build(self.ptr.as_ptr(), &mut raw) };
        self.check(st)?;
        // SAFETY: on success raw is a new layer we own.
        Ok(unsafe { Layer::from_raw(raw) })
    }
}

impl Drop for Builder {
    fn drop(&mut self) {
        // SAFETY: we own the builder; it is not used again.
        unsafe { sys::gru_builder_destroy(self.ptr.as_ptr()) }
    }
}

impl std::fmt::Debug for Builder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Builder").finish_non_exhaustive()
    }
}
