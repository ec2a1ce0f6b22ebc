//! `Sequence`: a gru_sequence, owned, holding its layer.

use std::ptr::{self, NonNull};

use libgru_sys as sys;

use crate::error::{check, Error, Result, Status};
use crate::layer::Layer;

/// Options of [`Sequence::run`]: per-row lengths, layouts and row strides.
/// `Run::default()` is time-major, dense, every row `steps` long.
#[derive(Copy, Clone, Debug, Default)]
pub struct Run<'a> {
    /// Each row's own length (`<= steps`), PyTorch packed-sequence
    /// semantics: outputs past it are zero, the final state is the state
    /// after the row's own last step, the reverse direction starts there.
    pub lengths: Option<&'a [usize]>,
    /// x and y are `[B, T, ·]` (PyTorch `batch_first`, ONNX `layout=1`)
    /// instead of `[T, B, ·]`.
    pub batch_major: bool,
    /// Time-major y as ONNX's `Y [T, D, B, H]` instead of `[T, B, D·H]`.
    pub split_directions: bool,
    /// Floats from one input row to the next; 0 means dense (I).
    pub x_stride: usize,
    /// Floats from one output row to the next; 0 means dense.
    pub y_stride: usize,
}

impl<'a> Run<'a> {
    pub fn lengths(mut self, lengths: &'a [usize]) -> Run<'a> {
        self.lengths = Some(lengths);
        self
    }
    pub fn batch_major(mut self) -> Run<'a> {
        self.batch_major = true;
        self
    }
    pub fn split_directions(mut self) -> Run<'a> {
        self.split_directions = true;
        self
    }
    pub fn x_stride(mut self, stride: usize) -> Run<'a> {
        self.x_stride = stride;
        self
    }
    pub fn y_stride(mut self, stride: usize) -> Run<'a> {
        self.y_stride = stride;
        self
    }
}

/// One caller's run of a [`Layer`]: the hidden state of every layer and
/// direction for up to `max_batch` rows, and the workspace a run needs.
///
/// `Send` (a stream may move to another thread) but not `Sync`: one thread
/// at a time, as the C contract says; every call that changes it takes
/// `&mut self`. It holds a clone of its layer, so the layer outlives it.
pub struct Sequence {
    ptr: NonNull<sys::gru_sequence>,
    layer: Layer,
}

// SAFETY: a gru_sequence has no thread affinity (docs/threading.md: it
// may move between threads); !Sync and &mut self keep it to one thread at
// a time. Its layer is Send + Sync.
unsafe impl Send for Sequence {}

/// Floats a slice must hold for `rows` rows of `width` floats, `stride`
/// apart (0: dense); None when rows is 0 (the library refuses it).
fn rows_len(rows: usize, width: usize, stride: usize) -> Option<usize> {
    let stride = if stride == 0 { width } else { stride.max(width) };
    rows.checked_sub(1)?.checked_mul(stride)?.checked_add(width)
}

fn too_short(what: &str, have: usize, need: usize) -> Error {
    Error::new(Status::Size, format!("{}: {} floats, the call needs {}", what, have, need))
}

fn check_rows(what: &str, have: usize, rows: usize, width: usize, stride: usize) -> Result<()> {
    match rows_len(rows, width, stride) {
        Some(need) if have < need => Err(too_short(what, have, need)),
        None if rows > 0 => Err(Error::new(Status::Size, format!("{}: size overflows", what))),
        _ => Ok(()),
    }
}

impl Sequence {
    /// # Safety
    /// `raw` is a live sequence over `layer` that the caller hands over.
    pub(crate) unsafe fn from_raw(raw: *mut sys::gru_sequence, layer: Layer) -> Sequence {
        Sequence { ptr: NonNull::new(raw).expect("gru_sequence_create gave NULL"), layer }
    }

    fn check(&self, code: sys::gru_status) -> Result<()> {
        if code == sys::GRU_OK {
            return Ok(());
        }
        // SAFETY: read before any other call on the sequence.
        Err(Error::from_call(code, unsafe { sys::gru_sequence_error(self.ptr.as_ptr()) }))
    }

    fn get(&self, key: sys::gru_info) -> usize {
        let mut value = 0;
        // SAFETY: live sequence, valid out-pointer.
        unsafe { sys::gru_sequence_get(self.ptr.as_ptr(), key, &mut value) };
        value
    }

    /// The layer this sequence runs.
    pub fn layer(&self) -> &Layer {
        &self.layer
    }
    pub fn max_batch(&self) -> usize {
        self.get(sys::GRU_INFO_MAX_BATCH)
    }
    pub fn max_steps(&self) -> usize {
        self.get(sys::GRU_INFO_MAX_STEPS)
    }
    /// How many threads run each call (1: the caller alone).
    pub fn threads(&self) -> usize {
        self.get(sys::GRU_INFO_THREADS).max(1)
    }

    /// Runs each call on the caller and `threads - 1` worker threads the
    /// sequence owns (GRU_OPT_THREADS, 1 to 256; same results for every
    /// count; packed products only). The workers go with the sequence:
    /// joined when it is dropped, copied by `try_clone`.
    pub fn set_threads(&mut self, threads: usize) -> Result<()> {
        // SAFETY: live sequence.
        self.check(unsafe { sys::gru_sequence_set_option(self.ptr.as_ptr(), sys::GRU_OPT_THREADS, threads) })
    }

    /// Microseconds the workers spin for the next call before they sleep
    /// (GRU_OPT_SPIN_US; 200 unless set).
    pub fn spin_us(&self) -> usize {
        self.get(sys::GRU_INFO_SPIN_US)
    }

    /// Sets how long, in microseconds, the workers keep spinning for the
    /// next call after one before they sleep (GRU_OPT_SPIN_US, 0 to
    /// 1 000 000): a sequence stepped at intervals steps faster when its
    /// workers spin across them, at the cost of busy cores. Kept when the
    /// threads change, copied by `try_clone`; results never change.
    pub fn set_spin_us(&mut self, us: usize) -> Result<()> {
        // SAFETY: live sequence.
        self.check(unsafe { sys::gru_sequence_set_option(self.ptr.as_ptr(), sys::GRU_OPT_SPIN_US, us) })
    }

    /// Heap bytes the sequence holds.
    pub fn bytes(&self) -> usize {
        self.get(sys::GRU_INFO_BYTES)
    }

    /// Sets the state of rows `0..batch` to `h0` (`[L·D, batch, H]`,
    /// PyTorch's `h_0`), or to zeros.
    pub fn reset(&mut self, batch: usize, h0: Option<&[f32]>) -> Result<()> {
        let (p, n) = h0.map_or((ptr::null(), 0), |h| (h.as_ptr(), h.len()));
        // SAFETY: h0 has n floats; the library checks n against the shape.
        self.check(unsafe { sys::gru_sequence_reset(self.ptr.as_ptr(), batch, p, n) })
    }

    /// Copies the state of rows `0..batch` into `h` (`[L·D, batch, H]`;
    /// its length must be exactly that).
    pub fn state_into(&self, batch: usize, h: &mut [f32]) -> Result<()> {
        // SAFETY: h has h.len() floats, which the library checks.
        self.check(unsafe { sys::gru_sequence_get_state(self.ptr.as_ptr(), batch, h.as_mut_ptr(), h.len()) })
    }

    /// The state of rows `0..batch`, `[L·D, batch, H]` (PyTorch's `h_n`).
    pub fn state(&self, batch: usize) -> Result<Vec<f32>> {
        let n = self
            .layer
            .state_size()
            .checked_mul(batch)
            .ok_or_else(|| Error::new(Status::Size, "batch overflows"))?;
        let mut h = vec![0.0; n];
        self.state_into(batch, &mut h)?;
        Ok(h)
    }

    /// Runs `steps` steps for rows `0..batch` from the current state,
    /// leaving the final state in the sequence. `x` holds the input rows
    /// (I floats each, laid out as `opts` says), `y` (if given) receives
    /// the output rows (`Layer::output_size` floats; H with
    /// `split_directions`). Slice lengths are checked first: a slice too
    /// short for the rows it must hold is `Status::Size`.
    pub fn run(
        &mut self,
        x: &[f32],
        steps: usize,
        batch: usize,
        y: Option<&mut [f32]>,
        opts: &Run,
    ) -> Result<()> {
        let rows = steps.checked_mul(batch).unwrap_or(usize::MAX);
        check_rows("x", x.len(), rows, self.layer.input_size(), opts.x_stride)?;
        if let Some(lengths) = opts.lengths {
            if lengths.len() != batch {
                return Err(Error::new(
                    Status::Size,
                    format!("lengths: {} entries for batch {}", lengths.len(), batch),
                ));
            }
        }
        let (y_ptr, y_len) = match y {
            Some(y) => (y.as_mut_ptr(), y.len()),
            None => (ptr::null_mut(), 0),
        };
        if !y_ptr.is_null() {
            let (width, rows) = if opts.split_directions {
                (self.layer.hidden_size(), rows.saturating_mul(self.layer.num_directions()))
            } else {
                (self.layer.output_size(), rows)
            };
            check_rows("y", y_len, rows, width, opts.y_stride)?;
        }
        let flags = if opts.batch_major { sys::GRU_BATCH_MAJOR } else { 0 }
            | if opts.split_directions { sys::GRU_SPLIT_DIRECTIONS } else { 0 };
        // SAFETY: x and y hold every row the call addresses (checked above
        // for the strides given; the library refuses strides below a row);
        // lengths has batch entries; x and y are distinct borrows.
        self.check(unsafe {
            sys::gru_sequence_run(
                self.ptr.as_ptr(),
                steps,
                batch,
                x.as_ptr(),
                opts.x_stride,
                y_ptr,
                opts.y_stride,
                opts.lengths.map_or(ptr::null(), |l| l.as_ptr()),
                flags,
            )
        })
    }

    /// Advances rows `0..batch` by one step (forward layers only): `x` is
    /// `[batch, I]`, `y` receives `[batch, H]`. Rows flagged in `reset`
    /// (batch entries) first restart from `h_init` (`[L, batch, H]`) or
    /// from zeros.
    pub fn step(
        &mut self,
        x: &[f32],
        batch: usize,
        y: &mut [f32],
        reset: Option<&[bool]>,
        h_init: Option<&[f32]>,
    ) -> Result<()> {
        check_rows("x", x.len(), batch, self.layer.input_size(), 0)?;
        check_rows("y", y.len(), batch, self.layer.output_size(), 0)?;
        if let Some(r) = reset {
            if r.len() != batch {
                return Err(Error::new(
                    Status::Size,
                    format!("reset: {} flags for batch {}", r.len(), batch),
                ));
            }
        }
        let (h_ptr, h_len) = h_init.map_or((ptr::null(), 0), |h| (h.as_ptr(), h.len()));
        // SAFETY: x and y hold batch rows; reset has batch flags (a bool is
        // one byte, 0 or 1, as unsigned char); h_init's count is checked
        // by the library.
        self.check(unsafe {
            sys::gru_sequence_step(
                self.ptr.as_ptr(),
                batch,
                x.as_ptr(),
                0,
                y.as_mut_ptr(),
                0,
                reset.map_or(ptr::null(), |r| r.as_ptr() as *const u8),
                h_ptr,
                h_len,
            )
        })
    }

    /// The state of rows `0..batch` as self-checking bytes, to restore
    /// into a sequence of the same layer configuration (another thread or
    /// process on the same kind of machine).
    pub fn save_state(&self, batch: usize) -> Result<Vec<u8>> {
        let mut size = 0;
        // SAFETY: valid out-pointer.
        self.check(unsafe { sys::gru_sequence_state_bytes(self.ptr.as_ptr(), batch, &mut size) })?;
        let mut buf = vec![0u8; size];
        let mut written = 0;
        // SAFETY: buf has size bytes.
        self.check(unsafe {
            sys::gru_sequence_save_state(
                self.ptr.as_ptr(),
                batch,
                buf.as_mut_ptr().cast(),
                buf.len(),
                &mut written,
            )
        })?;
        buf.truncate(written);
        Ok(buf)
    }

    /// Restores bytes from `save_state`. On error the state is unchanged.
    pub fn load_state(&mut self, bytes: &[u8]) -> Result<()> {
        // SAFETY: bytes has bytes.len() bytes, which the library validates.
        self.check(unsafe {
            sys::gru_sequence_load_state(self.ptr.as_ptr(), bytes.as_ptr().cast(), bytes.len())
        })
    }

    /// An independent copy: same layer, capacities and state.
    pub fn try_clone(&self) -> Result<Sequence> {
        let mut raw = ptr::null_mut();
        // SAFETY: live sequence, valid out-pointer.
        check(unsafe { sys::gru_sequence_clone(&mut raw, self.ptr.as_ptr()) })?;
        // SAFETY: a new sequence over the same layer.
        Ok(unsafe { Sequence::from_raw(raw, self.layer.clone()) })
    }
}

impl Drop for Sequence {
    fn drop(&mut self) {
        // SAFETY: we own it; self.layer is dropped after this, so the layer
        // outlives the sequence.
        unsafe { sys::gru_sequence_destroy(self.ptr.as_ptr()) }
    }
}

impl std::fmt::Debug for Sequence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sequence")
            .field("layer", &self.layer)
            .field("max_batch", &self.max_batch())
            .field("max_steps", &self.max_steps())
            .finish()
    }
}
