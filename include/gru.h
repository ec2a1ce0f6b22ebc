/*
 * gru.h -- libgru, fast GRU (gated recurrent unit) layers on CPUs.
 *
 * This header is the manual. It includes only <stddef.h> and <stdint.h>.
 * Sections run from the simple to the advanced:
 *
 *   1. Version
 *   2. Status codes and messages
 *   3. Enumerations: variants, directions, weight formats, CPU paths
 *   4. Builders: describe a GRU and give it weights
 *   5. Layers: immutable weights, shared between threads
 *   6. Sequences: one caller's hidden state and workspace
 *   7. Running: whole sequences and single steps
 *   8. Saving and restoring a sequence's state
 *   9. Platform queries
 *  10. Model files: safetensors, read and written
 *
 * The equations (docs/math.md), with s = logistic sigmoid:
 *
 *   reset-before (GRU_RESET_BEFORE, ONNX linear_before_reset=0,
 *                 Keras reset_after=False):
 *     r  = s(W_r.[h, x] + b_r)
 *     z  = s(W_z.[h, x] + b_z)
 *     h' = tanh(W_h.[r*h, x] + b_h)
 *     h_t = (1 - z)*h + z*h'
 *
 *   reset-after (GRU_RESET_AFTER, PyTorch, cuDNN, ONNX linear_before_reset=1,
 *                Keras reset_after=True):
 *     r, z as above
 *     h' = tanh(W_hx.x + b_h + r*(W_hh.h + b_hn))
 *     h_t = (1 - z)*h + z*h'
 *
 * libgru's z weights the new candidate. PyTorch, ONNX and Keras call z the
 * gate that weights the old state; their z is our 1 - z. Loading their
 * weights negates the z rows and z biases once (exact: only the sign bit
 * changes) and reading them back negates again, so a round trip is exact.
 *
 * Threading, in one paragraph: a gru_layer is immutable once built and may
 * be used by any number of threads at once. A gru_builder and a
 * gru_sequence belong to one thread at a time (move them freely, never
 * share them concurrently). libgru starts threads only when asked: a
 * sequence given GRU_OPT_THREADS = n runs each call on the caller and
 * n - 1 worker threads it owns. BLAS may start its own
 * (docs/threading.md).
 *
 * Numbers: every function returns a gru_status; results come back through
 * out-parameters. Sizes are size_t. Float data is host-endian float32.
 * No function prints, exits or aborts.
 *
 * Floating-point environment: the calls that compute (gru_sequence_run,
 * gru_sequence_step, gru_builder_build, gru_layer_get_tensor) compute in
 * libgru's own environment -- round to nearest, every exception masked,
 * denormals flushed to zero (FTZ and DAZ on x86-64, FZ on AArch64) --
 * whatever the caller set, and put the caller's environment back before
 * returning, its exception flags included: results do not depend on the
 * caller's rounding mode or FTZ/DAZ, an exception the caller unmasked
 * never traps inside libgru, and no call raises a flag the caller can
 * see. (Cost: three MXCSR instructions per call on x86-64.) Denormals
 * (|v| < FLT_MIN, 1.2e-38) in inputs, weights and states are read as
 * zero and denormal results are written as zero: x86 cores take a slow
 * microcode path for every operation that meets a denormal, which made a
 * step over denormal inputs many times slower. BLAS worker threads keep
 * their own environment: docs/threading.md.
 *
 * Non-finite values propagate; nothing is checked or rejected. Weights,
 * inputs and states holding NaN or +-inf are accepted (GRU_OK) and flow
 * through IEEE arithmetic: a NaN in row b of x or of a state makes row
 * b's outputs and state NaN from that step on, and leaves every other row
 * of the batch exactly as it would have been; a NaN or inf in a weight
 * reaches every row. Reset a row (gru_sequence_reset, or step's reset
 * flags) to clear it. With finite weights, inputs and states, and
 * pre-activations W.[h, x] + b that do not overflow float, every output
 * is finite and |h_t| <= max(1, |h_t-1|): the state stays in [-1, 1] if it
 * starts there. Denormals are flushed (see above). Tested in
 * tests/test_nonfinite.c and tests/test_fpenv.c; docs/numerics.md has the
 * special values of the activations.
 */
#ifndef GRU_H
#define GRU_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* GRU_API marks every exported function; all else is hidden. Each is also
 * listed in src/libgru.map: abi/update.sh adds a new one (docs/abi.md). */
#if defined(GRU_STATIC_DEFINE)
#define GRU_API
#elif defined(_WIN32)
#ifdef GRU_BUILDING
#define GRU_API __declspec(dllexport)
#else
#define GRU_API __declspec(dllimport)
#endif
#elif defined(__GNUC__)
#define GRU_API __attribute__((visibility("default")))
#else
#define GRU_API
#endif

/* ======================================================================
 * 1. Version
 * ====================================================================== */

/* The release version. The ABI (the SONAME) is versioned apart from it:
 * see docs/abi.md. */
#define GRU_VERSION_MAJOR 0
#define GRU_VERSION_MINOR 1
#define GRU_VERSION_PATCH 0
#define GRU_VERSION_NUMBER (GRU_VERSION_MAJOR * 10000 + GRU_VERSION_MINOR * 100 + GRU_VERSION_PATCH)
#define GRU_VERSION_STRING "0.1.0"

/* Returns GRU_VERSION_NUMBER of the library actually loaded, so a program
 * (or an FFI binding) can check it against the header it was built with. */
GRU_API unsigned gru_version_number(void);

/* Returns GRU_VERSION_STRING of the library actually loaded. Static
 * storage; never NULL. */
GRU_API const char *gru_version_string(void);

/* ======================================================================
 * 2. Status codes and messages
 * ====================================================================== */

/* One list generates the enum and the messages of gru_strerror().
 * Values are part of the ABI and never change meaning. */
#define GRU_STATUS_LIST(X)                                                         \
  X(GRU_OK, 0, "success")                                                          \
  X(GRU_ERR_NULL, 1, "a required pointer argument is NULL")                        \
  X(GRU_ERR_SIZE, 2, "a size is zero, too large, or overflows")                    \
  X(GRU_ERR_INVALID, 3, "an argument value is out of range")                       \
  X(GRU_ERR_SHAPE, 4, "a tensor's shape does not match the layer")                 \
  X(GRU_ERR_NAME, 5, "unknown tensor name for this weight format")                 \
  X(GRU_ERR_MISSING, 6, "a required weight tensor was not set")                    \
  X(GRU_ERR_UNSUPPORTED, 7, "not supported for this layer's variant or direction") \
  X(GRU_ERR_CAPACITY, 8, "batch or steps exceed the sequence's capacity")          \
  X(GRU_ERR_MISMATCH, 9, "data belongs to another layer configuration")            \
  X(GRU_ERR_STATE, 10, "the handle is not ready for this call")                    \
  X(GRU_ERR_NOMEM, 11, "out of memory")                                            \
  X(GRU_ERR_IO, 12, "a file could not be opened, read or written")                 \
  X(GRU_ERR_FORMAT, 13, "malformed model or state data")                           \
  X(GRU_ERR_BUFFER, 14, "the output buffer is too small")                          \
  X(GRU_ERR_SYSTEM, 15, "a system resource could not be obtained")

#define GRU__STATUS_ENUM(name, value, message) name = value,
typedef enum gru_status { GRU_STATUS_LIST(GRU__STATUS_ENUM) } gru_status;
#undef GRU__STATUS_ENUM

/* Returns a static, never-NULL message for a status; "unknown status" for
 * a value not in GRU_STATUS_LIST. Thread-safe. */
GRU_API const char *gru_strerror(gru_status status);

/* Returns the enumerator's name ("GRU_ERR_SIZE"), static, never NULL;
 * "GRU_UNKNOWN" for a value not in the list. Thread-safe. */
GRU_API const char *gru_status_name(gru_status status);

/* ======================================================================
 * 3. Enumerations
 * ====================================================================== */

/* Where the reset gate acts: see the equations at the top. */
typedef enum gru_variant {
  GRU_RESET_BEFORE = 0, /* r*h before the recurrent product */
  GRU_RESET_AFTER = 1   /* r*(W_hh.h + b_hn), PyTorch's nn.GRU */
} gru_variant;

/* Directions of each stacked layer. A bidirectional layer runs a forward
 * and a reverse pass over the same input; its output row is the two
 * directions concatenated [forward H | reverse H] (PyTorch, ONNX), or their
 * sum (oneDNN's option). The next layer reads that output. */
typedef enum gru_direction {
  GRU_FORWARD = 0,
  GRU_REVERSE = 1, /* one direction, from the last step to the first */
  GRU_BIDIRECTIONAL = 2,
  GRU_BIDIRECTIONAL_SUM = 3
} gru_direction;

/* Weight formats: the layouts and naming that gru_builder_set_tensor()
 * accepts and gru_layer_get_tensor() writes. docs/interop.md has every
 * name and shape; in short, with I_k the input size of layer k (I for
 * k = 0, else the previous layer's output size) and D the directions:
 *
 *   GRU_FORMAT_CONCAT (docs/math.md, our convention, both variants):
 *     W_r, W_z, W_h    [H, H + I_k], columns over [h, x]
 *     b_r, b_z, b_h    [H]
 *     b_hn             [H]  (reset-after only: the bias inside r*(...))
 *   GRU_FORMAT_TORCH (nn.GRU and nn.GRUCell, reset-after only):
 *     weight_ih [3H, I_k], weight_hh [3H, H], bias_ih [3H], bias_hh [3H],
 *     rows r|z|n
 *   GRU_FORMAT_ONNX (the GRU operator; variant = linear_before_reset):
 *     W [D, 3H, I_k], R [D, 3H, H], B [D, 6H], rows z|r|h
 *   GRU_FORMAT_KERAS (keras.layers.GRU; variant = reset_after):
 *     kernel [I_k, 3H], recurrent_kernel [H, 3H], columns z|r|h,
 *     bias [3H] (reset-before) or [2, 3H] (reset-after)
 *
 * Names take the layer as a suffix "_l<k>" (optional for layer 0), and the
 * reverse direction of a bidirectional layer as "_reverse" after it
 * ("weight_hh_l1_reverse", "kernel_reverse", "W_r_l2"); ONNX tensors carry
 * both directions in their first axis and take no "_reverse". */
typedef enum gru_format {
  GRU_FORMAT_CONCAT = 0,
  GRU_FORMAT_TORCH = 1,
  GRU_FORMAT_ONNX = 2,
  GRU_FORMAT_KERAS = 3
} gru_format;

/* The code paths for the elementwise kernels. Chosen when a layer is
 * built: the best the CPU and OS support (CPUID and XGETBV), capped by the
 * GRU_OPT_ISA option and by the environment variable GRU_ISA=scalar|avx2|
 * avx512 read at build time. Paths agree to within the bounds stated in
 * docs/numerics.md; AVX2 and AVX-512 give bit-identical kernels. */
typedef enum gru_isa {
  GRU_ISA_SCALAR = 0,
  GRU_ISA_AVX2 = 1,  /* AVX2 + FMA */
  GRU_ISA_AVX512 = 2 /* AVX-512 F, BW, DQ, VL */
} gru_isa;

/* Who computes the matrix products -- the input projections, hoisted out
 * of the recurrence into one large product per chunk of steps, and the
 * recurrent W.h of every step -- chosen when a layer is built with
 * GRU_OPT_PRODUCTS. The paths agree to within the bounds of
 * docs/numerics.md (the order of each dot product's sums differs), and
 * each is bit-for-bit repeatable. */
typedef enum gru_products {
  /* libgru's own kernels for the layer's gru_isa, over weights repacked
   * once at build (the layer then holds them twice: GRU_INFO_BYTES), on
   * the sequence's own threads (GRU_OPT_THREADS). No BLAS call. The
   * default, and the faster. Results are the same bits with any thread
   * count, and on AVX2 and AVX-512. */
  GRU_PRODUCTS_PACKED = 0,
  /* BLAS (sgemm, or sgemv for one row) on the weights as loaded, on the
   * caller's thread and BLAS's own threads; a sequence takes one thread.
   * The bits are BLAS's: OpenBLAS 0.3.21 gives other bits for small sgemms
   * when its thread count (OPENBLAS_NUM_THREADS) changes, on its generic
   * and Haswell kernels (docs/reliability.md). */
  GRU_PRODUCTS_BLAS = 1
} gru_products;

/* Options. Builder options are set with gru_builder_set_option() and fixed
 * in the layers it builds; sequence options with gru_sequence_set_option().
 * Each setter rejects the other's options (GRU_ERR_INVALID). */
typedef enum gru_option {
  /* Builder: highest gru_isa the layer may use (default GRU_ISA_AVX512:
   * the best available). A value above what the CPU supports is capped. */
  GRU_OPT_ISA = 0,
  /* Builder: a gru_products (default GRU_PRODUCTS_PACKED). */
  GRU_OPT_PRODUCTS = 1,
  /* Sequence: how many threads run its calls, 1 to GRU_MAX_THREADS
   * (default 1: the caller alone). See gru_sequence_set_option(). */
  GRU_OPT_THREADS = 2,
  /* Sequence: microseconds its workers keep spinning for the next call
   * before they sleep, 0 to GRU_MAX_SPIN_US (default 200). See
   * gru_sequence_set_option(). */
  GRU_OPT_SPIN_US = 3
} gru_option;

/* The most threads one sequence may run on. */
#define GRU_MAX_THREADS 256
/* The longest GRU_OPT_SPIN_US: one second. */
#define GRU_MAX_SPIN_US 1000000

/* Queries for gru_layer_get() and gru_sequence_get(). */
typedef enum gru_info {
  GRU_INFO_VARIANT = 0,        /* gru_variant */
  GRU_INFO_DIRECTION = 1,      /* gru_direction */
  GRU_INFO_NUM_LAYERS = 2,     /* stacked layers, L */
  GRU_INFO_NUM_DIRECTIONS = 3, /* D: 1 or 2 */
  GRU_INFO_INPUT_SIZE = 4,     /* I, the first layer's input width */
  GRU_INFO_HIDDEN_SIZE = 5,    /* H */
  GRU_INFO_OUTPUT_SIZE = 6,    /* width of an output row: H, or 2H if
                                  bidirectional and concatenated */
  GRU_INFO_STATE_SIZE = 7,     /* floats of state per batch row: L*D*H */
  GRU_INFO_ISA = 8,            /* gru_isa in use */
  GRU_INFO_BYTES = 9,          /* heap bytes the handle holds */
  GRU_INFO_MAX_BATCH = 10,     /* sequences only */
  GRU_INFO_MAX_STEPS = 11,     /* sequences only */
  GRU_INFO_BATCH = 12,         /* sequences only: batch of the last call */
  GRU_INFO_PRODUCTS = 13,      /* gru_products in use */
  GRU_INFO_THREADS = 14,       /* sequences only: GRU_OPT_THREADS */
  GRU_INFO_SPIN_US = 15        /* sequences only: GRU_OPT_SPIN_US */
} gru_info;

/* Flags for gru_sequence_run(). */
#define GRU_BATCH_MAJOR                             \
  1u /* x and y are [B, T, .] (PyTorch batch_first, \
        ONNX layout=1); default [T, B, .] */
#define GRU_SPLIT_DIRECTIONS                    \
  2u /* time-major y is [T, D, B, H] (ONNX's Y, \
   layout=0) instead of [T, B, D*H] */

/* The largest number of dimensions of a tensor in any weight format. */
#define GRU_MAX_DIMS 3

/* Longest tensor name in any format, with its terminating NUL. */
#define GRU_MAX_NAME 64

/* ======================================================================
 * 4. Builders
 * ======================================================================
 * The three handles, each opaque (docs/api.md):
 *   gru_builder   mutable, one thread at a time: shape, options, weights;
 *   gru_layer     immutable weights, shared by any number of threads;
 *   gru_sequence  one caller's state and workspace over a layer.
 */
typedef struct gru_builder gru_builder;
typedef struct gru_layer gru_layer;
typedef struct gru_sequence gru_sequence;

/*
 * A builder collects the shape, options and weights of a GRU, then builds
 * an immutable gru_layer. Typical use:
 *
 *   gru_builder *b;
 *   gru_builder_create(&b);
 *   gru_builder_set_shape(b, GRU_RESET_AFTER, GRU_FORWARD, 1, I, H);
 *   gru_builder_set_tensor(b, GRU_FORMAT_TORCH, "weight_ih_l0", w_ih, 2,
 *                          (size_t[]){3 * H, I});
 *   ... weight_hh_l0, and the biases if the model has them ...
 *   gru_builder_build(b, &layer);
 *   gru_builder_destroy(b);
 *
 * Biases are optional: an unset bias is zero. Every weight matrix must be
 * set. Setting the same tensor twice keeps the last; tensors of different
 * formats may be mixed as long as each fits the shape.
 *
 * A builder is used by one thread at a time. Each failing call leaves the
 * builder as it was and records a message, read by gru_builder_error(). */

/* An allocator: alloc returns size bytes aligned to alignment (a power of
 * two, at most 4096) or NULL; free releases a block (NULL never passed).
 * Layers and sequences made through a builder inherit its allocator, so
 * it must be thread-safe if they are created or destroyed on several
 * threads, and must outlive them. */
typedef void *(*gru_alloc_fn)(void *ctx, size_t size, size_t alignment);
typedef void (*gru_free_fn)(void *ctx, void *ptr, size_t size);

/* Creates an empty builder (no shape yet) using malloc-family allocation
 * (posix_memalign; blocks of 2 MiB or more start on a 2 MiB boundary and,
 * on Linux, are advised MADV_HUGEPAGE). On success *out owns a builder,
 * which MUST be freed with gru_builder_destroy(). Returns GRU_ERR_NULL if
 * out is NULL, GRU_ERR_NOMEM if allocation fails (*out is then NULL). */
GRU_API gru_status gru_builder_create(gru_builder **out);

/* As gru_builder_create(), with a caller's allocator (ctx is passed back
 * to both functions). Returns GRU_ERR_NULL if out, alloc or free is NULL. */
GRU_API gru_status gru_builder_create_custom(gru_builder **out, gru_alloc_fn alloc,
                                             gru_free_fn free, void *ctx);

/* Frees a builder and every tensor it holds. NULL is a no-op. */
GRU_API void gru_builder_destroy(gru_builder *builder);

/* Sets the shape of the GRU to build and unsets every tensor.
 * num_layers >= 1; input_size, hidden_size >= 1; every size product must
 * fit in size_t and every matrix dimension in a BLAS int.
 * Errors: GRU_ERR_NULL, GRU_ERR_INVALID (variant or direction),
 * GRU_ERR_SIZE (a zero size or an overflow), GRU_ERR_NOMEM. */
GRU_API gru_status gru_builder_set_shape(gru_builder *builder, gru_variant variant,
                                         gru_direction direction, size_t num_layers,
                                         size_t input_size, size_t hidden_size);

/* Sets a builder option (gru_option: GRU_OPT_ISA, GRU_OPT_PRODUCTS).
 * Errors: GRU_ERR_NULL, GRU_ERR_INVALID for a sequence option, an unknown
 * option or a value out of its range. */
GRU_API gru_status gru_builder_set_option(gru_builder *builder, gru_option option, size_t value);

/* Copies one weight tensor into the builder, converting it from format.
 * shape has ndim entries and must equal the tensor's shape in that format
 * (GRU_FORMAT docs above); data holds the product of shape floats, row
 * major. The caller keeps ownership of data.
 * Errors: GRU_ERR_NULL (builder, name, data, shape), GRU_ERR_STATE (no
 * shape set yet), GRU_ERR_INVALID (format), GRU_ERR_NAME (unknown name or
 * layer/direction past the shape), GRU_ERR_UNSUPPORTED (the format's
 * variant differs from the builder's: PyTorch weights into a reset-before
 * builder, say), GRU_ERR_SHAPE (ndim or shape differ from the expected). */
GRU_API gru_status gru_builder_set_tensor(gru_builder *builder, gru_format format, const char *name,
                                          const float *data, size_t ndim, const size_t *shape);

/* Builds an immutable layer from the builder's shape, options and tensors.
 * The weights move into the layer (no copy): on success the builder keeps
 * its shape and options but every tensor is unset again. On success *out
 * owns a layer, which MUST be freed with gru_layer_destroy().
 * Errors: GRU_ERR_NULL, GRU_ERR_STATE (no shape), GRU_ERR_MISSING (a weight
 * matrix was never set; the message names it), GRU_ERR_INVALID (the GRU_ISA
 * environment variable holds an unknown name), GRU_ERR_NOMEM. On failure
 * the builder is unchanged and *out is NULL. */
GRU_API gru_status gru_builder_build(gru_builder *builder, gru_layer **out);

/* The message of the builder's last failed call ("" if none): static or
 * owned by the builder, valid until the next call on it. NULL builder
 * gives a static message. */
GRU_API const char *gru_builder_error(const gru_builder *builder);

/* ======================================================================
 * 5. Layers
 * ====================================================================== */

/* The weights of a GRU: what torch.nn.GRU is, one or more stacked layers
 * in one or two directions, all of one variant. Immutable: every function
 * taking a const gru_layer * is safe to call from any number of threads at
 * once, including gru_sequence_create(). */

/* Frees a layer. NULL is a no-op. Every sequence created from it MUST be
 * destroyed first. */
GRU_API void gru_layer_destroy(gru_layer *layer);

/* Reads one property (gru_info) into *value. Errors: GRU_ERR_NULL,
 * GRU_ERR_INVALID for a sequence-only or unknown key. */
GRU_API gru_status gru_layer_get(const gru_layer *layer, gru_info key, size_t *value);

/* Number of tensors the layer has in format (weights and biases of every
 * layer and direction). Errors: GRU_ERR_NULL, GRU_ERR_INVALID (format),
 * GRU_ERR_UNSUPPORTED (the format cannot express this layer's variant). */
GRU_API gru_status gru_layer_tensor_count(const gru_layer *layer, gru_format format, size_t *count);

/* Describes tensor number index (0 <= index < count) of format: its name
 * (NUL-terminated, at most GRU_MAX_NAME bytes with the NUL) into name,
 * and its shape into shape[0 .. *ndim - 1]. Order: for each layer, for
 * each direction, weights before biases, as the format lists them.
 * Errors: as gru_layer_tensor_count(), GRU_ERR_INVALID (index),
 * GRU_ERR_BUFFER (name_size too small). */
GRU_API gru_status gru_layer_tensor_info(const gru_layer *layer, gru_format format, size_t index,
                                         char *name, size_t name_size, size_t *ndim,
                                         size_t shape[GRU_MAX_DIMS]);

/* Writes one tensor in format into out (count floats, which must equal
 * the product of its shape). Loading then reading back in the same format
 * is exact; an unset bias reads back as zeros.
 * Errors: GRU_ERR_NULL, GRU_ERR_INVALID (format), GRU_ERR_NAME,
 * GRU_ERR_UNSUPPORTED, GRU_ERR_SIZE (count differs from the tensor's). */
GRU_API gru_status gru_layer_get_tensor(const gru_layer *layer, gru_format format, const char *name,
                                        float *out, size_t count);

/* ======================================================================
 * 6. Sequences
 * ====================================================================== */

/* One caller's run of a layer: the hidden state of every layer and
 * direction for up to max_batch rows, and all workspace a run needs.
 * Nothing is allocated after creation (but by gru_sequence_set_option()).
 * Used by one thread at a time;
 * many sequences may share one layer from different threads. */

/* Creates a sequence over layer for batches of up to max_batch rows and
 * whole-sequence runs of up to max_steps steps (pass 1 if you only step).
 * The state starts at zero. The layer MUST outlive the sequence. On
 * success *out MUST be freed with gru_sequence_destroy().
 * Errors: GRU_ERR_NULL, GRU_ERR_SIZE (zero, overflowing, or beyond a BLAS
 * int), GRU_ERR_NOMEM. */
GRU_API gru_status gru_sequence_create(gru_sequence **out, const gru_layer *layer, size_t max_batch,
                                       size_t max_steps);

/* Creates a sequence with src's layer, capacities, state and
 * options (an independent copy, with worker threads of its own).
 * src is not modified. Errors: GRU_ERR_NULL, GRU_ERR_NOMEM,
 * GRU_ERR_SYSTEM (as gru_sequence_set_option()). */
GRU_API gru_status gru_sequence_clone(gru_sequence **out, const gru_sequence *src);

/* Stops and joins the sequence's worker threads, if any, and frees it.
 * NULL is a no-op. */
GRU_API void gru_sequence_destroy(gru_sequence *sequence);

/* Sets a sequence option. There are two:
 *
 * GRU_OPT_THREADS, value 1 .. GRU_MAX_THREADS (default 1): the threads
 * that run each gru_sequence_run and gru_sequence_step, the caller being
 * one of them. This call starts value - 1 worker threads (joining any it
 * had); the sequence owns them and gru_sequence_destroy() joins them. At
 * small batches each thread computes a fixed slice of the hidden units
 * (all three gates, every batch row) at every step, so its share of the
 * recurrent weights stays in its core's cache, and the threads meet at a
 * spinning barrier once per step (twice for reset-before); at larger
 * batches each takes batch rows of its own, all units, and they do not
 * meet within a run (from fewer rows when a cell's recurrent weights fit
 * in a core's cache; a very small layer runs on no more threads than the
 * batch has rows). On two threads the directions of a GRU_BIDIRECTIONAL
 * layer whose weights fit may run at once, a thread each, which takes a
 * second workspace for the reverse one, allocated here and counted in
 * GRU_INFO_BYTES. docs/threading.md has the rules and their measurements.
 * Between calls a worker spins briefly (GRU_OPT_SPIN_US, so that back-to-back
 * calls never wait for a wake-up), then sleeps; a call made while the workers
 * sleep wakes them, and yields the caller's core once (a woken worker is often
 * queued there). If the last call of the same size took so little work that
 * this one would end sooner on the caller alone than after the workers' last
 * wake-up time, it runs on the caller alone while they wake (a short call at
 * intervals, such as a streaming step each frame, would otherwise wait for them
 * every time). The workers block every signal and compute in the default
 * floating-point environment, like the caller's thread inside a call. Results
 * are bit-identical for every value. Use at most one thread per core you can
 * give the sequence: the workers spin, and share cores badly with other busy
 * threads (OpenBLAS's included, which poll for a while after each BLAS call the
 * program makes: docs/threading.md). Only layers on GRU_PRODUCTS_PACKED use
 * threads.
 *
 * GRU_OPT_SPIN_US, value 0 .. GRU_MAX_SPIN_US (default 200): how long, in
 * microseconds, each worker keeps spinning for the next call after one
 * before it sleeps. A call that finds the workers asleep waits for them
 * to wake, or runs on the caller alone, and a core that slept may run
 * slowly for a while after it. A program that calls at intervals (a frame
 * every 10 ms, say) and wants each call fast can keep the workers
 * spinning across the interval, at the cost of keeping their cores busy
 * that long after every call, as OpenMP runtimes do; 0 puts them to sleep
 * at once. docs/threading.md has
 * measurements. It applies from the next call, stays when GRU_OPT_THREADS
 * changes and never changes results.
 *
 * fork(): the workers exist only in the process that started them. In a
 * child, a sequence made before fork() runs its calls on the calling
 * thread alone (same results) until GRU_OPT_THREADS is set again, and
 * gru_sequence_destroy() frees it without joining anything. Do not fork
 * while another thread is inside a call on the sequence.
 *
 * Errors: GRU_ERR_NULL; GRU_ERR_INVALID (a builder option, an unknown
 * option, or a value out of range); GRU_ERR_UNSUPPORTED (more than one
 * thread on a layer built with GRU_PRODUCTS_BLAS); GRU_ERR_NOMEM;
 * GRU_ERR_SYSTEM (a thread could not be created: those started are
 * joined). On error the sequence keeps its previous threads and nothing
 * leaks. The memory for the workers is allocated here, never in a run. */
GRU_API gru_status gru_sequence_set_option(gru_sequence *sequence, gru_option option, size_t value);

/* Reads one property (gru_info; layer keys answer for its layer). */
GRU_API gru_status gru_sequence_get(const gru_sequence *sequence, gru_info key, size_t *value);

/* Sets the state of rows 0 .. batch-1: to h0, laid out as PyTorch's h_0
 * [L*D, batch, H] (index layer*D + direction), count = L*D*batch*H floats;
 * or to zero if h0 is NULL (count is then ignored). Rows from batch up are
 * untouched. Errors: GRU_ERR_NULL (sequence), GRU_ERR_SIZE (batch zero, or
 * count wrong), GRU_ERR_CAPACITY (batch > max_batch). */
GRU_API gru_status gru_sequence_reset(gru_sequence *sequence, size_t batch, const float *h0,
                                      size_t count);

/* Copies the state of rows 0 .. batch-1 to h, laid out as PyTorch's h_n
 * [L*D, batch, H]; count must be L*D*batch*H. Errors: as
 * gru_sequence_reset(), and GRU_ERR_NULL if h is NULL. */
GRU_API gru_status gru_sequence_get_state(const gru_sequence *sequence, size_t batch, float *h,
                                          size_t count);

/* The message of the sequence's last failed call ("" if none), valid
 * until the next call on it. NULL gives a static message. */
GRU_API const char *gru_sequence_error(const gru_sequence *sequence);

/* ======================================================================
 * 7. Running
 * ====================================================================== */

/* Runs steps time steps for rows 0 .. batch-1, starting from the current
 * state and leaving the final state in the sequence.
 *
 * x holds the input: row (t, b) of I floats starts at
 *   x + (t*batch + b) * x_stride            (time-major, the default), or
 *   x + (b*steps + t) * x_stride            (flags & GRU_BATCH_MAJOR);
 * x_stride = 0 means I (dense). y, if not NULL, receives the last layer's
 * output row (t, b) of GRU_INFO_OUTPUT_SIZE floats, addressed the same way
 * with y_stride (0 means dense). With y NULL only the state is computed.
 *
 * lengths, if not NULL, gives each row's own length (<= steps), with
 * PyTorch packed-sequence semantics: outputs past a row's length are zero,
 * its final state is its state after its own last step, and the reverse
 * direction starts from its own last step. A zero-length row keeps its
 * state and outputs zeros.
 *
 * The input projections of many steps are computed in one large matrix
 * product before the recurrence; x and y may not overlap.
 * Errors: GRU_ERR_NULL (sequence, x), GRU_ERR_SIZE (steps or batch zero,
 * a stride smaller than its row), GRU_ERR_CAPACITY (batch > max_batch or
 * steps > max_steps), GRU_ERR_INVALID (unknown flag, a length above
 * steps). On error nothing is written and the state is unchanged. */
GRU_API gru_status gru_sequence_run(gru_sequence *sequence, size_t steps, size_t batch,
                                    const float *x, size_t x_stride, float *y, size_t y_stride,
                                    const size_t *lengths, uint32_t flags);

/* Advances rows 0 .. batch-1 by one time step: x is [batch, I] (row b at
 * x + b*x_stride; 0 means dense), y (optional) receives [batch, H] of the
 * last layer, rows y_stride apart (0 means dense).
 *
 * reset, if not NULL, holds batch flags: a row whose flag is non-zero
 * first restarts from h_init (if not NULL: [L, batch, H] as in
 * gru_sequence_reset(), h_init_count = L*batch*H floats) or from zero, so
 * independent streams can share a batch. Like x, y and the lengths of
 * gru_sequence_run(), reset's size is given by batch; h_init carries a
 * count as every state buffer does. Only unidirectional layers
 * (GRU_FORWARD) can be stepped.
 * Errors: GRU_ERR_NULL, GRU_ERR_SIZE (also h_init_count wrong),
 * GRU_ERR_CAPACITY, GRU_ERR_UNSUPPORTED (a reverse or bidirectional
 * layer). On error the state is unchanged. */
GRU_API gru_status gru_sequence_step(gru_sequence *sequence, size_t batch, const float *x,
                                     size_t x_stride, float *y, size_t y_stride,
                                     const unsigned char *reset, const float *h_init,
                                     size_t h_init_count);

/* ======================================================================
 * 8. Saving and restoring state
 * ======================================================================
 * A saved state is a self-checking byte string: a header naming the layer
 * configuration and the batch, then the floats of the state. It moves a
 * stream between sequences, threads or processes on the same kind of
 * machine (same endianness). The buffers may have any alignment: a state
 * read into a byte buffer at any offset loads as it was saved. */

/* Bytes gru_sequence_save_state() writes for batch rows. */
GRU_API gru_status gru_sequence_state_bytes(const gru_sequence *sequence, size_t batch,
                                            size_t *bytes);

/* Writes the state of rows 0 .. batch-1 to buf (capacity bytes) and the
 * number of bytes written to *written. Errors: GRU_ERR_NULL, GRU_ERR_SIZE,
 * GRU_ERR_CAPACITY, GRU_ERR_BUFFER (capacity too small; nothing written). */
GRU_API gru_status gru_sequence_save_state(const gru_sequence *sequence, size_t batch, void *buf,
                                           size_t capacity, size_t *written);

/* Restores a state saved by gru_sequence_save_state() into rows 0 ..
 * batch-1 (batch as saved). Errors: GRU_ERR_NULL, GRU_ERR_FORMAT (not a
 * state, truncated, or another endianness), GRU_ERR_MISMATCH (saved from
 * another layer configuration), GRU_ERR_CAPACITY (saved batch >
 * max_batch). On error the state is unchanged. */
GRU_API gru_status gru_sequence_load_state(gru_sequence *sequence, const void *buf, size_t size);

/* ======================================================================
 * 9. Platform queries
 * ====================================================================== */

/* The best gru_isa this CPU and OS support, ignoring GRU_ISA. */
GRU_API gru_isa gru_cpu_isa(void);

/* "scalar", "avx2", "avx512"; "unknown" otherwise. Static. */
GRU_API const char *gru_isa_name(gru_isa isa);

/* Writes a one-line description of the BLAS libgru calls into buf
 * (NUL-terminated, truncated to size): found at run time, so it names the
 * library Debian's libblas.so.3 alternative really points at; its name and
 * version (for OpenBLAS the kernel core it detected, with a hint when that
 * is the slow generic "Prescott" on a newer CPU, and its thread count; for
 * BLIS its architecture), the file, and the GRU_BLAS libgru was built for
 * when that differs; a few hundred bytes. Thread-safe. Errors:
 * GRU_ERR_NULL, GRU_ERR_SIZE (size zero), GRU_ERR_BUFFER (truncated). */
GRU_API gru_status gru_blas_info(char *buf, size_t size);

/* ======================================================================
 * 10. Model files: safetensors
 * ======================================================================
 * libgru reads and writes safetensors (docs/models.md): an 8-byte
 * little-endian header length, a JSON header giving each tensor's dtype,
 * shape and byte range, then the raw data. Two kinds of file load:
 *
 *   - a PyTorch nn.GRU state_dict saved as safetensors (weight_ih_l0, ...,
 *     optionally under a prefix such as "rnn." for a GRU inside a larger
 *     model): layers, directions, sizes and biases are inferred from the
 *     names and shapes;
 *   - libgru's own files, whose "__metadata__" names the weight format,
 *     variant, direction and sizes (the "libgru." keys), as
 *     gru_layer_save_safetensors() writes them: they load without the
 *     caller knowing their shape.
 *
 * Tensors may be F32, F16 or BF16 (converted exactly to float). A file is
 * checked completely (every rule is in docs/models.md) before anything is
 * allocated for its tensors; one that breaks a rule is GRU_ERR_FORMAT
 * with a message naming the rule and where.
 *
 *   gru_builder_create(&b);
 *   if (gru_builder_load_file(b, "gru.safetensors", NULL) != GRU_OK ||
 *       gru_builder_build(b, &layer) != GRU_OK)
 *     fprintf(stderr, "%s\n", gru_builder_error(b));
 *   gru_builder_destroy(b);
 *
 * Loading goes a slice of rows at a time (256 KiB of floats, or one row if
 * larger), in the order of the file, and gru_builder_load_file() releases
 * each slice's pages of the file once copied: peak memory is the layer's
 * weights plus a constant, 0.4 to 0.6 MiB, or 2.5 MiB where the kernel
 * keeps the file in 2 MiB page-cache folios, for a model of 87 MiB as for
 * one of 348 MiB (docs/models.md "Memory"; measured by
 * `build/dev/tools/gru/gru-load-peak MODEL`).
 */

/* The largest JSON header accepted, in bytes. */
#define GRU_FILE_MAX_HEADER 16777216u

/* The most dimensions a tensor of a model file may have. */
#define GRU_FILE_MAX_DIMS 8

/* Loads a GRU from the safetensors file in data (size bytes, only read
 * during the call): sets the builder's shape and tensors as
 * gru_builder_set_shape() and gru_builder_set_tensor() would, so its
 * options and allocator apply; gru_builder_build() then makes the layer.
 * prefix selects the GRU: the tensors whose names start with it are the
 * GRU's and each must be one of its tensors; the others are left alone.
 * NULL means the file's "libgru.prefix", or "" if it has none.
 * Errors: GRU_ERR_NULL (builder, data), GRU_ERR_FORMAT (a malformed file,
 * or libgru metadata that is), GRU_ERR_NAME (no tensor under the prefix,
 * or one that is not a GRU tensor, or two naming the same one),
 * GRU_ERR_SHAPE (shapes that disagree with each other or the metadata),
 * GRU_ERR_MISSING (a weight matrix absent; for PyTorch files, some biases
 * but not all), GRU_ERR_UNSUPPORTED (a dtype other than F32, F16, BF16
 * under the prefix; a newer libgru file version), GRU_ERR_SIZE (a GRU too
 * large for gru_builder_set_shape()), GRU_ERR_NOMEM. On failure the
 * builder is unchanged; gru_builder_error() names the tensor and rule. */
GRU_API gru_status gru_builder_load_safetensors(gru_builder *builder, const void *data, size_t size,
                                                const char *prefix);

/* As gru_builder_load_safetensors(), from the file at path, mapped
 * read-only for the call (each slice's pages are released once copied).
 * Also GRU_ERR_IO: the file cannot be opened, is not a regular file, or
 * cannot be mapped. The file must not be truncated during the call. */
GRU_API gru_status gru_builder_load_file(gru_builder *builder, const char *path,
                                         const char *prefix);

/* Writes the layer as a libgru safetensors file into buf: its tensors in
 * format, as gru_layer_get_tensor() gives them (GRU_FORMAT_TORCH writes
 * the names and layout nn.GRU's load_state_dict reads), F32, with the
 * metadata that makes the file describe itself. On success *size is the
 * file's length in bytes; buf NULL with capacity 0 asks for it alone. buf
 * may start at any byte. Allocates nothing; thread-safe (the layer is
 * const). Errors: GRU_ERR_NULL (layer, size; buf NULL with a capacity),
 * GRU_ERR_INVALID (format),
 * GRU_ERR_UNSUPPORTED (the format cannot express the layer's variant),
 * GRU_ERR_BUFFER (capacity below the file's length). On error nothing is
 * written, *size included. */
GRU_API gru_status gru_layer_save_safetensors(const gru_layer *layer, gru_format format, void *buf,
                                              size_t capacity, size_t *size);

/* As gru_layer_save_safetensors(), to a new file at path (written beside
 * it as path + ".tmp" and renamed over it, so path is never half
 * written). Allocates one tensor's floats and the header with the layer's
 * allocator (which must then be thread-safe if several threads save).
 * Errors: as above but GRU_ERR_BUFFER, and GRU_ERR_NULL (path),
 * GRU_ERR_IO (cannot write or rename), GRU_ERR_NOMEM. */
GRU_API gru_status gru_layer_save_file(const gru_layer *layer, gru_format format, const char *path);

/* A model file's other tensors and its metadata (a decoder, a vocabulary:
 * docs/models.md shows the character model the `gru` tool runs) are read
 * through a gru_file: an opened, fully checked safetensors file.
 *
 *   gru_file_create(&f);
 *   if (gru_file_open(f, "charlm.safetensors") != GRU_OK)
 *     fprintf(stderr, "%s\n", gru_file_error(f));
 *   gru_file_metadata(f, "charlm.vocab", &vocab);         NULL if absent
 *   gru_file_metadata_key(f, i, &key);                     i < metadata_count
 *   gru_file_tensor_info(f, "decoder.weight", &dtype, &ndim, shape);
 *   gru_file_read_tensor(f, "decoder.weight", w, shape[0] * shape[1]);
 *   gru_builder_load(b, f, NULL);                          the GRU itself
 *   gru_file_destroy(f);
 *
 * Opening is the only call that changes a gru_file; the others take a
 * const gru_file *, record no message, and may run on many threads at
 * once. Strings and tensors a gru_file gives stay valid until it is
 * opened again or destroyed. */
typedef struct gru_file gru_file;

/* Creates a gru_file with nothing open, allocating with malloc (or the
 * caller's allocator, as gru_builder_create_custom()). On success *out
 * MUST be freed with gru_file_destroy(). Errors: GRU_ERR_NULL,
 * GRU_ERR_NOMEM (*out is then NULL). */
GRU_API gru_status gru_file_create(gru_file **out);
GRU_API gru_status gru_file_create_custom(gru_file **out, gru_alloc_fn alloc, gru_free_fn free,
                                          void *ctx);

/* Closes what the gru_file has open and frees it. NULL is a no-op. */
GRU_API void gru_file_destroy(gru_file *file);

/* Opens the safetensors file at path: maps it read-only (it stays mapped
 * until the gru_file is opened again or destroyed; the file must not be
 * truncated meanwhile) and checks all of it. On success what was open
 * before is closed. Errors: GRU_ERR_NULL, GRU_ERR_IO, GRU_ERR_FORMAT,
 * GRU_ERR_NOMEM; on failure the gru_file keeps what it had open and
 * gru_file_error() says why. */
GRU_API gru_status gru_file_open(gru_file *file, const char *path);

/* As gru_file_open(), over size bytes at data, which the caller keeps and
 * MUST keep unchanged until the gru_file is opened again or destroyed. */
GRU_API gru_status gru_file_open_memory(gru_file *file, const void *data, size_t size);

/* The message of the last failed open ("" if none), valid until the next
 * call on file. NULL gives a static message. */
GRU_API const char *gru_file_error(const gru_file *file);

/* Sets *value to the metadata value of key (a NUL-terminated UTF-8
 * string owned by file), or to NULL if the file has no such key.
 * Errors: GRU_ERR_NULL, GRU_ERR_STATE (nothing open). */
GRU_API gru_status gru_file_metadata(const gru_file *file, const char *key, const char **value);

/* Number of keys in the file's metadata. Errors: GRU_ERR_NULL,
 * GRU_ERR_STATE. */
GRU_API gru_status gru_file_metadata_count(const gru_file *file, size_t *count);

/* Sets *key to metadata key index (0 <= index < count, in byte order of
 * the keys; owned by file). Errors: GRU_ERR_NULL, GRU_ERR_STATE,
 * GRU_ERR_INVALID (index). */
GRU_API gru_status gru_file_metadata_key(const gru_file *file, size_t index, const char **key);

/* Number of tensors in the file, GRU or not. Errors: GRU_ERR_NULL,
 * GRU_ERR_STATE. */
GRU_API gru_status gru_file_tensor_count(const gru_file *file, size_t *count);

/* Sets *name to the name of tensor index (0 <= index < count, in byte
 * order of the names; owned by file). Errors: GRU_ERR_NULL, GRU_ERR_STATE,
 * GRU_ERR_INVALID (index). */
GRU_API gru_status gru_file_tensor_name(const gru_file *file, size_t index, const char **name);

/* Describes the tensor called name: its safetensors dtype ("F32", "I64",
 * ...; static) into *dtype, and its shape into shape[0 .. *ndim - 1]
 * (*ndim is 0 for a scalar). Any output may be NULL.
 * Errors: GRU_ERR_NULL (file, name), GRU_ERR_STATE, GRU_ERR_NAME. */
GRU_API gru_status gru_file_tensor_info(const gru_file *file, const char *name, const char **dtype,
                                        size_t *ndim, size_t shape[GRU_FILE_MAX_DIMS]);

/* Reads the tensor called name into out as count host floats (count must
 * be its number of elements), converting F16 and BF16 exactly.
 * Errors: GRU_ERR_NULL, GRU_ERR_STATE, GRU_ERR_NAME, GRU_ERR_UNSUPPORTED
 * (a dtype other than F32, F16, BF16), GRU_ERR_SIZE (count). */
GRU_API gru_status gru_file_read_tensor(const gru_file *file, const char *name, float *out,
                                        size_t count);

/* As gru_builder_load_safetensors(), from an open gru_file. */
GRU_API gru_status gru_builder_load(gru_builder *builder, const gru_file *file, const char *prefix);

#ifdef __cplusplus
}
#endif

#endif /* GRU_H */
