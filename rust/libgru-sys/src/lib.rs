//! Raw declarations of libgru's C ABI, one for one with `include/gru.h`
//! (which is the manual: ownership, errors and threading of every
//! function). Use the `libgru` crate for a safe API.
//!
//! Enums are `c_uint` type aliases with one constant per enumerator, as C
//! passes them. `tests/abi.rs` parses `gru.h` and checks every function's
//! name and types, every constant, and that the built library exports each
//! function.
#![allow(non_camel_case_types)]

use std::marker::{PhantomData, PhantomPinned};
pub use std::os::raw::{c_char, c_uint, c_void};

macro_rules! opaque {
    ($($(#[$m:meta])* $name:ident;)*) => {$(
        $(#[$m])*
        #[repr(C)]
        pub struct $name {
            _private: [u8; 0],
            _marker: PhantomData<(*mut u8, PhantomPinned)>,
        }
    )*};
}

opaque! {
    /// Mutable; one thread at a time.
    gru_builder;
    /// Immutable; any number of threads at once.
    gru_layer;
    /// One caller's state and workspace; one thread at a time.
    gru_sequence;
    /// An opened safetensors file; only opening changes it.
    gru_file;
}

pub type gru_status = c_uint;
pub type gru_variant = c_uint;
pub type gru_direction = c_uint;
pub type gru_format = c_uint;
pub type gru_isa = c_uint;
pub type gru_products = c_uint;
pub type gru_option = c_uint;
pub type gru_info = c_uint;

pub type gru_alloc_fn =
    Option<unsafe extern "C" fn(ctx: *mut c_void, size: usize, alignment: usize) -> *mut c_void>;
pub type gru_free_fn = Option<unsafe extern "C" fn(ctx: *mut c_void, ptr: *mut c_void, size: usize)>;

macro_rules! constants {
    ($($ty:ty { $($name:ident = $value:expr),* $(,)? })*) => {
        $($(pub const $name: $ty = $value;)*)*
        /// Every integer constant of the header: (name, value).
        pub const CONSTANTS: &[(&str, u64)] = &[$($((stringify!($name), $value as u64),)*)*];
    };
}

constants! {
    c_uint {
        GRU_VERSION_MAJOR = 0,
        GRU_VERSION_MINOR = 1,
        GRU_VERSION_PATCH = 0,
        GRU_VERSION_NUMBER = GRU_VERSION_MAJOR * 10000 + GRU_VERSION_MINOR * 100 + GRU_VERSION_PATCH,
    }
    gru_status {
        GRU_OK = 0,
        GRU_ERR_NULL = 1,
        GRU_ERR_SIZE = 2,
        GRU_ERR_INVALID = 3,
        GRU_ERR_SHAPE = 4,
        GRU_ERR_NAME = 5,
        GRU_ERR_MISSING = 6,
        GRU_ERR_UNSUPPORTED = 7,
        GRU_ERR_CAPACITY = 8,
        GRU_ERR_MISMATCH = 9,
        GRU_ERR_STATE = 10,
        GRU_ERR_NOMEM = 11,
        GRU_ERR_IO = 12,
        GRU_ERR_FORMAT = 13,
        GRU_ERR_BUFFER = 14,
        GRU_ERR_SYSTEM = 15,
    }
    gru_variant { GRU_RESET_BEFORE = 0, GRU_RESET_AFTER = 1 }
    gru_direction {
        GRU_FORWARD = 0,
        GRU_REVERSE = 1,
        GRU_BIDIRECTIONAL = 2,
        GRU_BIDIRECTIONAL_SUM = 3,
    }
    gru_format {
        GRU_FORMAT_CONCAT = 0,
        GRU_FORMAT_TORCH = 1,
        GRU_FORMAT_ONNX = 2,
        GRU_FORMAT_KERAS = 3,
    }
    gru_isa { GRU_ISA_SCALAR = 0, GRU_ISA_AVX2 = 1, GRU_ISA_AVX512 = 2 }
    gru_products { GRU_PRODUCTS_PACKED = 0, GRU_PRODUCTS_BLAS = 1 }
    gru_option { GRU_OPT_ISA = 0, GRU_OPT_PRODUCTS = 1, GRU_OPT_THREADS = 2, GRU_OPT_SPIN_US = 3 }
    gru_info {
        GRU_INFO_VARIANT = 0,
        GRU_INFO_DIRECTION = 1,
        GRU_INFO_NUM_LAYERS = 2,
        GRU_INFO_NUM_DIRECTIONS = 3,
        GRU_INFO_INPUT_SIZE = 4,
        GRU_INFO_HIDDEN_SIZE = 5,
        GRU_INFO_OUTPUT_SIZE = 6,
        GRU_INFO_STATE_SIZE = 7,
        GRU_INFO_ISA = 8,
        GRU_INFO_BYTES = 9,
        GRU_INFO_MAX_BATCH = 10,
        GRU_INFO_MAX_STEPS = 11,
        GRU_INFO_BATCH = 12,
        GRU_INFO_PRODUCTS = 13,
        GRU_INFO_THREADS = 14,
        GRU_INFO_SPIN_US = 15,
    }
    u32 { GRU_BATCH_MAJOR = 1, GRU_SPLIT_DIRECTIONS = 2 }
    usize {
        GRU_MAX_DIMS = 3,
        GRU_MAX_NAME = 64,
        GRU_MAX_THREADS = 256,
        GRU_MAX_SPIN_US = 1000000,
        GRU_FILE_MAX_HEADER = 16777216,
        GRU_FILE_MAX_DIMS = 8,
    }
}

/// GRU_VERSION_STRING of the header these declarations match.
pub const GRU_VERSION_STRING: &str = "0.1.0";

macro_rules! functions {
    ($($(#[$m:meta])* pub fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)?;)*) => {
        extern "C" {
            $($(#[$m])* pub fn $name($($arg: $ty),*) $(-> $ret)?;)*
        }
        /// Every function: (name, argument types, return type), as
        /// declared here, for the header check.
        pub const FUNCTIONS: &[(&str, &[&str], &str)] = &[
            $((stringify!($name), &[$(stringify!($ty)),*], functions!(@ret $($ret)?)),)*
        ];
        /// (name, address) of every function: taking them makes a binary
        /// link against each one.
        pub fn function_addresses() -> Vec<(&'static str, usize)> {
            vec![$((stringify!($name), $name as *const () as usize),)*]
        }
    };
    (@ret) => { "()" };
    (@ret $ret:ty) => { stringify!($ret) };
}

functions! {
    // 1. Version
    pub fn gru_version_number() -> c_uint;
    pub fn gru_version_string() -> *const c_char;
    // 2. Status codes and messages
    pub fn gru_strerror(status: gru_status) -> *const c_char;
    pub fn gru_status_name(status: gru_status) -> *const c_char;
    // 4. Builders
    pub fn gru_builder_create(out: *mut *mut gru_builder) -> gru_status;
    pub fn gru_builder_create_custom(out: *mut *mut gru_builder, alloc: gru_alloc_fn,
                                     free: gru_free_fn, ctx: *mut c_void) -> gru_status;
    pub fn gru_builder_destroy(builder: *mut gru_builder);
    pub fn gru_builder_set_shape(builder: *mut gru_builder, variant: gru_variant,
                                 direction: gru_direction, num_layers: usize, input_size: usize,
                                 hidden_size: usize) -> gru_status;
    pub fn gru_builder_set_option(builder: *mut gru_builder, option: gru_option, value: usize)
                                  -> gru_status;
    pub fn gru_builder_set_tensor(builder: *mut gru_builder, format: gru_format,
                                  name: *const c_char, data: *const f32, ndim: usize,
                                  shape: *const usize) -> gru_status;
    pub fn gru_builder_build(builder: *mut gru_builder, out: *mut *mut gru_layer) -> gru_status;
    pub fn gru_builder_error(builder: *const gru_builder) -> *const c_char;
    // 5. Layers
    pub fn gru_layer_destroy(layer: *mut gru_layer);
    pub fn gru_layer_get(layer: *const gru_layer, key: gru_info, value: *mut usize) -> gru_status;
    pub fn gru_layer_tensor_count(layer: *const gru_layer, format: gru_format, count: *mut usize)
                                  -> gru_status;
    pub fn gru_layer_tensor_info(layer: *const gru_layer, format: gru_format, index: usize,
                                 name: *mut c_char, name_size: usize, ndim: *mut usize,
                                 shape: *mut usize) -> gru_status;
    pub fn gru_layer_get_tensor(layer: *const gru_layer, format: gru_format, name: *const c_char,
                                out: *mut f32, count: usize) -> gru_status;
    // 6. Sequences
    pub fn gru_sequence_create(out: *mut *mut gru_sequence, layer: *const gru_layer,
                               max_batch: usize, max_steps: usize) -> gru_status;
    pub fn gru_sequence_clone(out: *mut *mut gru_sequence, src: *const gru_sequence)
                              -> gru_status;
    pub fn gru_sequence_destroy(sequence: *mut gru_sequence);
    pub fn gru_sequence_set_option(sequence: *mut gru_sequence, option: gru_option, value: usize) -> gru_status;
    pub fn gru_sequence_get(sequence: *const gru_sequence, key: gru_info, value: *mut usize)
                            -> gru_status;
    pub fn gru_sequence_reset(sequence: *mut gru_sequence, batch: usize, h0: *const f32,
                              count: usize) -> gru_status;
    pub fn gru_sequence_get_state(sequence: *const gru_sequence, batch: usize, h: *mut f32,
                                  count: usize) -> gru_status;
    pub fn gru_sequence_error(sequence: *const gru_sequence) -> *const c_char;
    // 7. Running
    pub fn gru_sequence_run(sequence: *mut gru_sequence, steps: usize, batch: usize,
                            x: *const f32, x_stride: usize, y: *mut f32, y_stride: usize,
                            lengths: *const usize, flags: u32) -> gru_status;
    pub fn gru_sequence_step(sequence: *mut gru_sequence, batch: usize, x: *const f32,
                             x_stride: usize, y: *mut f32, y_stride: usize, reset: *const u8,
                             h_init: *const f32, h_init_count: usize) -> gru_status;
    // 8. Saving and restoring state
    pub fn gru_sequence_state_bytes(sequence: *const gru_sequence, batch: usize,
                                    bytes: *mut usize) -> gru_status;
    pub fn gru_sequence_save_state(sequence: *const gru_sequence, batch: usize,
                                   buf: *mut c_void, capacity: usize, written: *mut usize)
                                   -> gru_status;
    pub fn gru_sequence_load_state(sequence: *mut gru_sequence, buf: *const c_void, size: usize)
                                   -> gru_status;
    // 9. Platform queries
    pub fn gru_cpu_isa() -> gru_isa;
    pub fn gru_isa_name(isa: gru_isa) -> *const c_char;
    pub fn gru_blas_info(buf: *mut c_char, size: usize) -> gru_status;
    // 10. Model files: safetensors
    pub fn gru_builder_load_safetensors(
        builder: *mut gru_builder,
        data: *const c_void,
        size: usize,
        prefix: *const c_char,
    ) -> gru_status;
    pub fn gru_builder_load_file(builder: *mut gru_builder, path: *const c_char, prefix: *const c_char) -> gru_status;
    pub fn gru_layer_save_safetensors(
        layer: *const gru_layer,
        format: gru_format,
        buf: *mut c_void,
        capacity: usize,
        size: *mut usize,
    ) -> gru_status;
    pub fn gru_layer_save_file(layer: *const gru_layer, format: gru_format, path: *const c_char) -> gru_status;
    pub fn gru_file_create(out: *mut *mut gru_file) -> gru_status;
    pub fn gru_file_create_custom(
        out: *mut *mut gru_file,
        alloc: gru_alloc_fn,
        free: gru_free_fn,
        ctx: *mut c_void,
    ) -> gru_status;
    pub fn gru_file_destroy(file: *mut gru_file);
    pub fn gru_file_open(file: *mut gru_file, path: *const c_char) -> gru_status;
    pub fn gru_file_open_memory(file: *mut gru_file, data: *const c_void, size: usize) -> gru_status;
    pub fn gru_file_error(file: *const gru_file) -> *const c_char;
    pub fn gru_file_metadata(file: *const gru_file, key: *const c_char, value: *mut *const c_char) -> gru_status;
    pub fn gru_file_metadata_count(file: *const gru_file, count: *mut usize) -> gru_status;
    pub fn gru_file_metadata_key(file: *const gru_file, index: usize, key: *mut *const c_char) -> gru_status;
    pub fn gru_file_tensor_count(file: *const gru_file, count: *mut usize) -> gru_status;
    pub fn gru_file_tensor_name(file: *const gru_file, index: usize, name: *mut *const c_char) -> gru_status;
    pub fn gru_file_tensor_info(
        file: *const gru_file,
        name: *const c_char,
        dtype: *mut *const c_char,
        ndim: *mut usize,
        shape: *mut usize,
    ) -> gru_status;
    pub fn gru_file_read_tensor(file: *const gru_file, name: *const c_char, out: *mut f32, count: usize) -> gru_status;
    pub fn gru_builder_load(builder: *mut gru_builder, file: *const gru_file, prefix: *const c_char) -> gru_status;
}
