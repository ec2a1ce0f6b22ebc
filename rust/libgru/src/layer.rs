//! `Layer`: a gru_layer, shared through an Arc.

use std::ffi::{CStr, CString};
use std::os::raw::c_char;
use std::path::Path;
use std::ptr::{self, NonNull};
use std::sync::Arc;

use libgru_sys as sys;

use crate::builder::Builder;
use crate::error::{check, Error, Result, Status};
use crate::model_file::c_path;
use crate::sequence::Sequence;
use crate::{Direction, Format, Isa, Products, Variant};

struct Owned(NonNull<sys::gru_layer>);

// SAFETY: a gru_layer is immutable once built; every function taking a
// const gru_layer * may run on any number of threads at once (gru.h,
// docs/threading.md), and gru_layer_destroy runs once, from Drop, when no
// Sequence (each holds an Arc) is left.
unsafe impl Send for Owned {}
unsafe impl Sync for Owned {}

impl Drop for Owned {
    fn drop(&mut self) {
        // SAFETY: the last reference: every sequence made from the layer,
        // holding a clone, is gone.
        unsafe { sys::gru_layer_destroy(self.0.as_ptr()) }
    }
}

/// The immutable weights of a GRU (what `torch.nn.GRU` is): `Send + Sync`,
/// cheap to clone (a reference count), shared by any number of threads.
/// Each thread runs it through its own [`Sequence`].
#[derive(Clone)]
pub struct Layer {
    inner: Arc<Owned>,
}

/// One tensor of a layer in some format: its name and shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TensorInfo {
    pub name: String,
    pub shape: Vec<usize>,
}

impl TensorInfo {
    /// The number of floats.
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Layer {
    /// # Safety
    /// `raw` is a live layer the caller owns and hands over.
    pub(crate) unsafe fn from_raw(raw: *mut sys::gru_layer) -> Layer {
        Layer { inner: Arc::new(Owned(NonNull::new(raw).expect("gru_builder_build gave NULL"))) }
    }

    pub(crate) fn as_ptr(&self) -> *const sys::gru_layer {
        self.inner.0.as_ptr()
    }

    fn get(&self, key: sys::gru_info) -> usize {
        let mut value = 0;
        // SAFETY: live layer; every key used here is a layer key.
        let st = unsafe { sys::gru_layer_get(self.as_ptr(), key, &mut value) };
        debug_assert_eq!(st, sys::GRU_OK);
        value
    }

    /// I, the first layer's input width.
    pub fn input_size(&self) -> usize {
        self.get(sys::GRU_INFO_INPUT_SIZE)
    }
    /// H.
    pub fn hidden_size(&self) -> usize {
        self.get(sys::GRU_INFO_HIDDEN_SIZE)
    }
    /// L, the stacked layers.
    pub fn num_layers(&self) -> usize {
        self.get(sys::GRU_INFO_NUM_LAYERS)
    }
    /// D: 1 or 2.
    pub fn num_directions(&self) -> usize {
        self.get(sys::GRU_INFO_NUM_DIRECTIONS)
    }
    /// Floats of an output row: H, or 2H when bidirectional and concatenated.
    pub fn output_size(&self) -> usize {
        self.get(sys::GRU_INFO_OUTPUT_SIZE)
    }
    /// Floats of state per batch row: L·D·H.
    pub fn state_size(&self) -> usize {
        self.get(sys::GRU_INFO_STATE_SIZE)
    }
    /// Heap bytes the layer holds.
    pub fn bytes(&self) -> usize {
        self.get(sys::GRU_INFO_BYTES)
    }
    pub fn variant(&self) -> Variant {
        Variant::from_raw(self.get(sys::GRU_INFO_VARIANT)).expect("known variant")
    }
    pub fn direction(&self) -> Direction {
        Direction::from_raw(self.get(sys::GRU_INFO_DIRECTION)).expect("known direction")
    }
    /// The kernels in use.
    pub fn isa(&self) -> Isa {
        Isa::from_raw(self.get(sys::GRU_INFO_ISA)).unwrap_or(Isa::Scalar)
    }

    /// Who computes the per-step products.
    pub fn products(&self) -> Products {
        Products::from_raw(self.get(sys::GRU_INFO_PRODUCTS)).unwrap_or(Products::Packed)
    }

    /// Loads the GRU of a safetensors file (see [`Builder::from_file`]).
    pub fn load(path: impl AsRef<Path>, prefix: Option<&str>) -> Result<Layer> {
        Builder::from_file(path, prefix)?.build()
    }

    /// Writes the layer as a libgru safetensors file (its tensors in
    /// `format`, metadata that describes it), atomically.
    pub fn save(&self, path: impl AsRef<Path>, format: Format) -> Result<()> {
        let path = c_path(path.as_ref())?;
        // SAFETY: live layer, NUL-terminated path.
        check(unsafe { sys::gru_layer_save_file(self.as_ptr(), format.raw(), path.as_ptr()) })
    }

    /// The bytes `save` would write.
    pub fn to_safetensors(&self, format: Format) -> Result<Vec<u8>> {
        let mut size = 0;
        // SAFETY: NULL with capacity 0 asks for the size alone.
        let st = unsafe {
            sys::gru_layer_save_safetensors(self.as_ptr(), format.raw(), ptr::null_mut(), 0, &mut size)
        };
        if st != sys::GRU_OK && st != sys::GRU_ERR_BUFFER {
            check(st)?;
        }
        let mut bytes = vec![0u8; size];
        // SAFETY: bytes holds size bytes (libgru takes a buffer at any address).
        check(unsafe {
            sys::gru_layer_save_safetensors(
                self.as_ptr(),
                format.raw(),
                bytes.as_mut_ptr().cast(),
                size,
                &mut size,
            )
        })?;
        bytes.truncate(size);
        Ok(bytes)
    }

    /// Every tensor of the layer in `format`, in the format's order.
    pub fn tensors(&self, format: Format) -> Result<Vec<TensorInfo>> {
        let mut count = 0;
        // SAFETY: live layer, valid out-pointer.
        check(unsafe { sys::gru_layer_tensor_count(self.as_ptr(), format.raw(), &mut count) })?;
        let mut out = Vec::with_capacity(count);
        for index in 0..count {
            let mut name = [0 as c_char; sys::GRU_MAX_NAME];
            let mut ndim = 0;
            let mut shape = [0usize; sys::GRU_MAX_DIMS];
            // SAFETY: name has GRU_MAX_NAME bytes, shape GRU_MAX_DIMS entries.
            check(unsafe {
                sys::gru_layer_tensor_info(
                    self.as_ptr(),
                    format.raw(),
                    index,
                    name.as_mut_ptr(),
                    name.len(),
                    &mut ndim,
                    shape.as_mut_ptr(),
                )
            })?;
            // SAFETY: on success name is NUL-terminated.
            let name = unsafe { CStr::from_ptr(name.as_ptr()) }.to_string_lossy().into_owned();
            out.push(TensorInfo { name, shape: shape[..ndim.min(sys::GRU_MAX_DIMS)].to_vec() });
        }
        Ok(out)
    }

    /// One tensor in `format`, read into `out` (its length must be the
    /// tensor's). Exact in the format the weights were loaded in.
    pub fn tensor_into(&self, format: Format, name: &str, out: &mut [f32]) -> Result<()> {
        let cname = CString::new(name)
            .map_err(|_| Error::new(Status::Name, format!("{:?}: a NUL in a tensor name", name)))?;
        // SAFETY: out has out.len() floats; the library checks the count
        // against the tensor's before writing.
        check(unsafe {
            sys::gru_layer_get_tensor(
                self.as_ptr(),
                format.raw(),
                cname.as_ptr(),
                out.as_mut_ptr(),
                out.len(),
            )
        })
    }

    /// One tensor in `format`, as a new vector with its shape.
    pub fn tensor(&self, format: Format, name: &str) -> Result<(Vec<f32>, Vec<usize>)> {
        let info = self.tensors(format)?.into_iter().find(|t| t.name == name).ok_or_else(|| {
            Error::new(Status::Name, format!("no tensor {:?} in format {:?}", name, format))
        })?;
        let mut data = vec![0.0; info.len()];
        self.tensor_into(format, name, &mut data)?;
        Ok((data, info.shape))
    }

    /// A new sequence over this layer for batches of up to `max_batch` rows
    /// and runs of up to `max_steps` steps (1 if you only step). It holds
    /// the layer, which lives at least as long.
    pub fn sequence(&self, max_batch: usize, max_steps: usize) -> Result<Sequence> {
        let mut raw = ptr::null_mut();
        // SAFETY: live layer, valid out-pointer.
        check(unsafe { sys::gru_sequence_create(&mut raw, self.as_ptr(), max_batch, max_steps) })?;
        // SAFETY: a new sequence we own, over self.
        Ok(unsafe { Sequence::from_raw(raw, self.clone()) })
    }
}

impl std::fmt::Debug for Layer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Layer")
            .field("variant", &self.variant())
            .field("direction", &self.direction())
            .field("num_layers", &self.num_layers())
            .field("input_size", &self.input_size())
            .field("hidden_size", &self.hidden_size())
            .field("isa", &self.isa())
            .finish()
    }
}
