//! Model files (safetensors): `ModelFile` (a gru_file), and the loading
//! and saving calls on `Builder` and `Layer`.

use std::ffi::{CStr, CString};
use std::os::raw::c_char;
use std::path::Path;
use std::ptr::{self, NonNull};

use libgru_sys as sys;

use crate::error::{check, Error, Result, Status};

/// A path as a C string (paths with a NUL byte cannot name a file).
pub(crate) fn c_path(path: &Path) -> Result<CString> {
    #[cfg(unix)]
    let bytes = {
        use std::os::unix::ffi::OsStrExt;
        path.as_os_str().as_bytes().to_vec()
    };
    #[cfg(not(unix))]
    let bytes = path.to_string_lossy().into_owned().into_bytes();
    CString::new(bytes)
        .map_err(|_| Error::new(Status::Invalid, format!("{}: a NUL in the path", path.display())))
}

/// An optional prefix as a C string, NULL for None.
pub(crate) fn c_prefix(prefix: Option<&str>) -> Result<Option<CString>> {
    prefix
        .map(|p| {
            CString::new(p).map_err(|_| Error::new(Status::Invalid, format!("{:?}: a NUL in the prefix", p)))
        })
        .transpose()
}

/// An opened and fully checked safetensors file: its metadata and every
/// tensor (a GRU's, or a decoder's, a vocabulary ...), read as floats.
/// Load the GRU in it with [`crate::Builder::load`].
///
/// `Send + Sync`: only opening changes a gru_file, and that happens in the
/// constructors; every other call may run on many threads at once.
pub struct ModelFile {
    ptr: NonNull<sys::gru_file>,
    _data: Option<Box<[u8]>>, // the bytes of from_bytes(), kept while open
}

// SAFETY: after opening, every call takes a const gru_file * and may run on
// any number of threads at once (gru.h, section 10); the data it maps or
// borrows is owned here and never changed.
unsafe impl Send for ModelFile {}
unsafe impl Sync for ModelFile {}

impl ModelFile {
    fn create() -> Result<ModelFile> {
        crate::check_version()?;
        let mut raw = ptr::null_mut();
        // SAFETY: valid out-pointer.
        check(unsafe { sys::gru_file_create(&mut raw) })?;
        let ptr = NonNull::new(raw).ok_or_else(|| Error::new(Status::NoMem, "gru_file_create"))?;
        Ok(ModelFile { ptr, _data: None })
    }

    fn opened(self, code: sys::gru_status) -> Result<ModelFile> {
        if code == sys::GRU_OK {
            return Ok(self);
        }
        // SAFETY: the message is read before any other call on the file.
        Err(Error::from_call(code, unsafe { sys::gru_file_error(self.ptr.as_ptr()) }))
    }

    /// Opens (maps read-only) and checks the file at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<ModelFile> {
        let path = c_path(path.as_ref())?;
        let f = ModelFile::create()?;
        // SAFETY: live gru_file, NUL-terminated path.
        let st = unsafe { sys::gru_file_open(f.ptr.as_ptr(), path.as_ptr()) };
        f.opened(st)
    }

    /// Checks and opens a file's bytes, which the ModelFile keeps.
    pub fn from_bytes(data: impl Into<Box<[u8]>>) -> Result<ModelFile> {
        let data: Box<[u8]> = data.into();
        let mut f = ModelFile::create()?;
        // SAFETY: data is owned by f from here on and never changed, so it
        // stays valid and unchanged while the gru_file refers to it.
        let st = unsafe { sys::gru_file_open_memory(f.ptr.as_ptr(), data.as_ptr().cast(), data.len()) };
        f._data = Some(data);
        f.opened(st)
    }

    pub(crate) fn as_ptr(&self) -> *const sys::gru_file {
        self.ptr.as_ptr()
    }

    /// The metadata value of `key`, or None if the file has no such key.
    pub fn metadata(&self, key: &str) -> Result<Option<String>> {
        let key = CString::new(key).map_err(|_| Error::new(Status::Invalid, "a NUL in a metadata key"))?;
        let mut value: *const c_char = ptr::null();
        // SAFETY: open file, NUL-terminated key, valid out-pointer; the
        // value is owned by the file and copied at once.
        check(unsafe { sys::gru_file_metadata(self.as_ptr(), key.as_ptr(), &mut value) })?;
        Ok(if value.is_null() {
            None
        } else {
            Some(unsafe { CStr::from_ptr(value) }.to_string_lossy().into_owned())
        })
    }

    /// Every metadata key of the file, in byte order.
    pub fn metadata_keys(&self) -> Result<Vec<String>> {
        self.listed(sys::gru_file_metadata_count, sys::gru_file_metadata_key)
    }

    /// The names of every tensor in the file, GRU or not.
    pub fn tensor_names(&self) -> Result<Vec<String>> {
        self.listed(sys::gru_file_tensor_count, sys::gru_file_tensor_name)
    }

    /// The strings of a count and index pair of calls (tensor names,
    /// metadata keys), copied.
    fn listed(
        &self,
        count_fn: unsafe extern "C" fn(*const sys::gru_file, *mut usize) -> sys::gru_status,
        item_fn: unsafe extern "C" fn(*const sys::gru_file, usize, *mut *const c_char) -> sys::gru_status,
    ) -> Result<Vec<String>> {
        let mut count = 0;
        // SAFETY: open file, valid out-pointer.
        check(unsafe { count_fn(self.as_ptr(), &mut count) })?;
        (0..count)
            .map(|i| {
                let mut item: *const c_char = ptr::null();
                // SAFETY: i < count; the string is owned by the file, copied at once.
                check(unsafe { item_fn(self.as_ptr(), i, &mut item) })?;
                Ok(unsafe { CStr::from_ptr(item) }.to_string_lossy().into_owned())
            })
            .collect()
    }

    /// A tensor's safetensors dtype ("F32", "BF16", "I64" ...) and shape.
    pub fn tensor_info(&self, name: &str) -> Result<(String, Vec<usize>)> {
        let cname = CString::new(name).map_err(|_| Error::new(Status::Name, "a NUL in a tensor name"))?;
        let mut dtype: *const c_char = ptr::null();
        let mut ndim = 0;
        let mut shape = [0usize; sys::GRU_FILE_MAX_DIMS];
        // SAFETY: shape has GRU_FILE_MAX_DIMS entries; dtype is static.
        check(unsafe {
            sys::gru_file_tensor_info(
                self.as_ptr(),
                cname.as_ptr(),
                &mut dtype,
                &mut ndim,
                shape.as_mut_ptr(),
            )
        })?;
        let dtype = unsafe { CStr::from_ptr(dtype) }.to_string_lossy().into_owned();
        Ok((dtype, shape[..ndim.min(sys::GRU_FILE_MAX_DIMS)].to_vec()))
    }

    /// A tensor as floats (F32, or F16 and BF16 converted exactly), with
    /// its shape.
    pub fn read_tensor(&self, name: &str) -> Result<(Vec<f32>, Vec<usize>)> {
        let (_, shape) = self.tensor_info(name)?;
        let count = shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
        let count = count.ok_or_else(|| Error::new(Status::Size, format!("{}: too large", name)))?;
        let mut data = vec![0.0f32; count];
        let cname = CString::new(name).expect("checked by tensor_info");
        // SAFETY: data has count floats, the library checks the count.
        check(unsafe {
            sys::gru_file_read_tensor(self.as_ptr(), cname.as_ptr(), data.as_mut_ptr(), data.len())
        })?;
        Ok((data, shape))
    }
}

impl Drop for ModelFile {
    fn drop(&mut self) {
        // SAFETY: we own it; _data is dropped after this.
        unsafe { sys::gru_file_destroy(self.ptr.as_ptr()) }
    }
}

impl std::fmt::Debug for ModelFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelFile")
            .field("tensors", &self.tensor_names().map(|n| n.len()).unwrap_or(0))
            .finish()
    }
}
