/* Every rule the model loader checks, broken once: each file below is
 * refused with its status and a message naming the rule, by the builder
 * (which is left exactly as it was) and, for the container's rules, by
 * gru_file_open_memory too. docs/models.md lists the rules in the same
 * order. Headers are written with ' for " (safetensors_support.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "safetensors_support.h"
#include "support.h"

/* One tensor entry. */
#define T(name, dtype, shape, a, b) \
  "'" name "':{'dtype':'" dtype "','shape':" shape ",'data_offsets':[" #a "," #b "]}"

/* nn.GRU(2, 1): 60 bytes of data. */
#define W_IH T("weight_ih_l0", "F32", "[3,2]", 0, 24)
#define W_HH T("weight_hh_l0", "F32", "[3,1]", 24, 36)
#define B_IH T("bias_ih_l0", "F32", "[3]", 36, 48)
#define B_HH T("bias_hh_l0", "F32", "[3]", 48, 60)
#define BASE_TENSORS W_IH "," W_HH "," B_IH "," B_HH
#define BASE "{" BASE_TENSORS "}"

/* libgru's metadata for the base GRU, with one value replaced. */
#define META_KEYS(ver, fmt, var, dir, L, I, H, order, z)                                        \
  "'__metadata__':{'libgru.version':'" ver "','libgru.format':'" fmt "','libgru.variant':'" var \
  "','libgru.direction':'" dir "','libgru.num_layers':'" L "','libgru.input_size':'" I          \
  "','libgru.hidden_size':'" H "','libgru.gate_order':'" order "','libgru.z':'" z "'}"
#define META_OK \
  META_KEYS("1", "torch", "reset_after", "forward", "1", "2", "1", "r,z,n", "old_state")

enum { KEEP = 0 }; /* data_size 0 means the base's 60 bytes */

typedef struct bad_file {
  const char *rule;
  const char *header;
  size_t data_size;      /* KEEP: 60 */
  uint64_t length_field; /* 0: the header's true length */
  size_t truncate;       /* 0: the whole file */
  const char *prefix;
  gru_status status;
  const char *message; /* a substring of the builder's message */
} bad_file;

#define CONTAINER(rule, header, status, msg) \
  { rule, header, KEEP, 0, 0, NULL, status, msg }

static const bad_file container[] = {
    {"8-byte length", BASE, KEEP, 0, 5, NULL, GRU_ERR_FORMAT, "8-byte header length"},
    {"header cap", BASE, KEEP, GRU_FILE_MAX_HEADER + 1ull, 0, NULL, GRU_ERR_FORMAT,
     "above the limit"},
    {"header in the file", BASE, KEEP, 400, 0, NULL, GRU_ERR_FORMAT, "runs past the end"},
    {"empty header", BASE, KEEP, UINT64_MAX, 0, NULL, GRU_ERR_FORMAT, "starting with '{'"},
    CONTAINER("starts with {", " " BASE, GRU_ERR_FORMAT, "starting with '{'"),
    /* JSON well-formed */
    CONTAINER("trailing comma", "{" BASE_TENSORS ",}", GRU_ERR_FORMAT, "expected a string"),
    CONTAINER("colon", "{'weight_ih_l0' {}}", GRU_ERR_FORMAT, "expected ':'"),
    CONTAINER("comma", "{" W_IH " " W_HH "}", GRU_ERR_FORMAT, "expected ',' or '}'"),
    CONTAINER("unterminated object", "{" W_IH, GRU_ERR_FORMAT, "found the end of the header"),
    CONTAINER("unterminated string", "{'weight_ih_l0", GRU_ERR_FORMAT, "unterminated string"),
    CONTAINER("unknown escape", "{'a\\q':{}}", GRU_ERR_FORMAT, "unknown escape"),
    CONTAINER("\\u hex", "{'a\\u12g4':{}}", GRU_ERR_FORMAT, "four hex digits"),
    CONTAINER("high surrogate alone", "{'a\\ud800':{}}", GRU_ERR_FORMAT, "unpaired high"),
    CONTAINER("high surrogate, bad low", "{'a\\ud800\\u0041':{}}", GRU_ERR_FORMAT, "unpaired high"),
    CONTAINER("low surrogate alone", "{'a\\udc00':{}}", GRU_ERR_FORMAT, "unpaired low"),
    CONTAINER("\\u0000", "{'a\\u0000':{}}", GRU_ERR_FORMAT, "\\u0000 is not allowed"),
    CONTAINER("control character", "{'a\tb':{}}", GRU_ERR_FORMAT, "control character"),
    CONTAINER("UTF-8 stray byte", "{'a\xff':{}}", GRU_ERR_FORMAT, "invalid UTF-8"),
    CONTAINER("UTF-8 overlong", "{'\xc0\xaf':{}}", GRU_ERR_FORMAT, "invalid UTF-8"),
    CONTAINER("UTF-8 surrogate", "{'\xed\xa0\x80':{}}", GRU_ERR_FORMAT, "invalid UTF-8"),
    CONTAINER("UTF-8 above U+10FFFF", "{'\xf4\x90\x80\x80':{}}", GRU_ERR_FORMAT, "invalid UTF-8"),
    CONTAINER("UTF-8 truncated", "{'\xe2\x82':{}}", GRU_ERR_FORMAT, "invalid UTF-8"),
    CONTAINER("leading zero", "{" T("w", "F32", "[03,2]", 0, 24) "}", GRU_ERR_FORMAT,
              "leading zero"),
    CONTAINER("negative", "{" T("w", "F32", "[-3,2]", 0, 24) "}", GRU_ERR_FORMAT, "non-negative"),
    CONTAINER("fraction", "{" T("w", "F32", "[3.0,2]", 0, 24) "}", GRU_ERR_FORMAT, "fraction"),
    CONTAINER("exponent", "{" T("w", "F32", "[3e0,2]", 0, 24) "}", GRU_ERR_FORMAT, "exponent"),
    CONTAINER("64 bits", "{" T("w", "F32", "[18446744073709551616]", 0, 24) "}", GRU_ERR_FORMAT,
              "64 bits"),
    CONTAINER("nesting", "{" T("w", "F32", "[[3],2]", 0, 24) "}", GRU_ERR_FORMAT,
              "expected an integer"),
    CONTAINER("a literal", "{'w':{'dtype':true}}", GRU_ERR_FORMAT, "expected a string"),
    CONTAINER("after the object", BASE "x", GRU_ERR_FORMAT, "only spaces may follow"),
    CONTAINER("top-level value", "{'w':5}", GRU_ERR_FORMAT, "a tensor entry"),
    /* Entries */
    CONTAINER("dtype known", "{" T("w", "F33", "[3,2]", 0, 24) "}", GRU_ERR_FORMAT,
              "unknown dtype 'F33'"),
    CONTAINER("dtype case", "{" T("w", "f32", "[3,2]", 0, 24) "}", GRU_ERR_FORMAT, "unknown dtype"),
    CONTAINER("entry keys", "{'w':{'dtype':'F32','offsets':[0,4]}}", GRU_ERR_FORMAT, "unknown key"),
    CONTAINER("entry key twice", "{'w':{'dtype':'F32','dtype':'F32'}}", GRU_ERR_FORMAT,
              "'dtype' given twice"),
    CONTAINER("entry complete", "{'w':{'dtype':'F32','shape':[3,2]}}", GRU_ERR_FORMAT,
              "needs dtype, shape and data_offsets"),
    CONTAINER("dimensions", "{" T("w", "F32", "[1,1,1,1,1,1,1,1,1]", 0, 4) "}", GRU_ERR_FORMAT,
              "more than 8"),
    CONTAINER("offsets pair", "{'w':{'dtype':'F32','shape':[3,2],'data_offsets':[0]}}",
              GRU_ERR_FORMAT, "must be [begin, end]"),
    CONTAINER("element count overflow", "{" T("w", "F32", "[4294967296,4294967296]", 0, 24) "}",
              GRU_ERR_FORMAT, "element count overflows"),
    CONTAINER("byte size overflow", "{" T("w", "F32", "[4611686018427387904]", 0, 24) "}",
              GRU_ERR_FORMAT, "size in bytes overflows"),
    CONTAINER("offsets ordered", "{" T("w", "F32", "[3,2]", 24, 0) "}", GRU_ERR_FORMAT,
              "end before they begin"),
    {"offsets in bounds", BASE, 40, 0, 0, NULL, GRU_ERR_FORMAT, "past the 40 bytes"},
    CONTAINER("size = dtype x shape", "{" T("w", "F32", "[3,2]", 0, 20) "}", GRU_ERR_FORMAT,
              "hold 20 bytes, F32 x 6 elements need 24"),
    /* Names */
    CONTAINER("names unique",
              "{" W_IH "," W_HH "," T("weight_ih_l0", "F32", "[3]", 36, 48) "," B_HH "}",
              GRU_ERR_FORMAT, "'weight_ih_l0' is given twice"),
    CONTAINER("names unique once decoded",
              "{" W_IH "," W_HH "," T("weight\\u005fih_l0", "F32", "[3]", 36, 48) "," B_HH "}",
              GRU_ERR_FORMAT, "'weight_ih_l0' is given twice"),
    CONTAINER("one __metadata__", "{'__metadata__':{},'__metadata__':{}," BASE_TENSORS "}",
              GRU_ERR_FORMAT, "__metadata__ is given twice"),
    CONTAINER("metadata strings", "{'__metadata__':{'a':1}," BASE_TENSORS "}", GRU_ERR_FORMAT,
              "metadata values are strings"),
    CONTAINER("metadata an object", "{'__metadata__':['a']," BASE_TENSORS "}", GRU_ERR_FORMAT,
              "object of strings"),
    CONTAINER("metadata keys unique", "{'__metadata__':{'a':'1','a':'2'}," BASE_TENSORS "}",
              GRU_ERR_FORMAT, "metadata key 'a' is given twice"),
    /* The data, tiled exactly */
    CONTAINER("no overlap",
              "{" W_IH "," T("weight_hh_l0", "F32", "[3,1]", 20, 32) "," B_IH "," B_HH "}",
              GRU_ERR_FORMAT, "overlap"),
    CONTAINER("no gap",
              "{" W_IH "," T("weight_hh_l0", "F32", "[2,1]", 24, 32) "," B_IH "," B_HH "}",
              GRU_ERR_FORMAT, "data bytes 32 to 36 belong to no tensor"),
    CONTAINER("from byte 0", "{" T("weight_ih_l0", "F32", "[3,2]", 4, 28) "}", GRU_ERR_FORMAT,
              "data bytes 0 to 4 belong to no tensor"),
    {"to the end", BASE, 64, 0, 0, NULL, GRU_ERR_FORMAT, "data bytes 60 to 64"},
};

#define GRU_RULE(rule, header, prefix, status, msg) \
  { rule, header, KEEP, 0, 0, prefix, status, msg }

static const bad_file gru_rules[] = {
    GRU_RULE("a prefix that matches", BASE, "rnn.", GRU_ERR_NAME,
             "no tensor name starts with 'rnn.'"),
    GRU_RULE("GRU names under the prefix",
             "{" W_IH "," W_HH "," B_IH "," T("weight_xx_l0", "F32", "[3]", 48, 60) "}", NULL,
             GRU_ERR_NAME, "'weight_xx_l0' is not a tensor of a PyTorch"),
    GRU_RULE("a hint for a model's other tensors",
             "{" W_IH "," W_HH "," B_IH "," T("head.bias", "F32", "[3]", 48, 60) "}", NULL,
             GRU_ERR_NAME, "needs its prefix"),
    GRU_RULE("float dtypes",
             "{" W_IH "," W_HH "," B_IH "," T("bias_hh_l0", "I32", "[3]", 48, 60) "}", NULL,
             GRU_ERR_UNSUPPORTED, "'bias_hh_l0' is I32"),
    GRU_RULE("sizes from weight_hh_l0",
             "{" W_IH "," T("weight_hh_l0", "F32", "[2,1]", 24, 32) "," T("bias_ih_l0", "F32",
                                                                          "[7]", 32, 60) "}",
             NULL, GRU_ERR_SHAPE, "[3H, H]"),
    GRU_RULE("weight_ih_l0 agrees",
             "{" T("weight_ih_l0", "F32", "[2,3]", 0, 24) "," W_HH "," B_IH "," B_HH "}", NULL,
             GRU_ERR_SHAPE, "with H = 1"),
    GRU_RULE("weight_hh_l0 present", "{" W_IH "," T("bias_hh_l0", "F32", "[9]", 24, 60) "}", NULL,
             GRU_ERR_MISSING, "no 'weight_hh_l0'"),
    {"shapes agree",
     "{" W_IH "," W_HH
     "," T("bias_ih_l0", "F32", "[5]", 36, 56) "," T("bias_hh_l0", "F32", "[3]", 56, 68) "}",
     68, 0, 0, NULL, GRU_ERR_SHAPE, "'bias_ih_l0' does not have the shape"},
    GRU_RULE("one name a tensor",
             "{" W_IH "," W_HH "," B_IH "," T("bias_ih", "F32", "[3]", 48, 60) "}", NULL,
             GRU_ERR_NAME, "name the same tensor"),
    {"biases all or none", "{" W_IH "," W_HH "," B_IH "}", 48, 0, 0, NULL, GRU_ERR_MISSING,
     "no 'bias_hh_l0' (other biases are there)"},
    GRU_RULE("layers bounded by the weights",
             "{" W_IH "," W_HH "," B_IH "," T("bias_hh_l99999999999", "F32", "[3]", 48, 60) "}",
             NULL, GRU_ERR_MISSING, "go up to layer 99999999999"),
    /* libgru's metadata */
    GRU_RULE("a version this libgru reads",
             "{" META_KEYS("2", "torch", "reset_after", "forward", "1", "2", "1", "r,z,n",
                           "old_state") "," BASE_TENSORS "}",
             NULL, GRU_ERR_UNSUPPORTED, "version '2'"),
    GRU_RULE("every key", "{'__metadata__':{'libgru.version':'1'}," BASE_TENSORS "}", NULL,
             GRU_ERR_FORMAT, "needs the metadata key 'libgru.format'"),
    GRU_RULE("a known format",
             "{" META_KEYS("1", "tf", "reset_after", "forward", "1", "2", "1", "r,z,n",
                           "old_state") "," BASE_TENSORS "}",
             NULL, GRU_ERR_FORMAT, "not one of concat, torch, onnx, keras"),
    GRU_RULE("a known variant",
             "{" META_KEYS("1", "torch", "sideways", "forward", "1", "2", "1", "r,z,n",
                           "old_state") "," BASE_TENSORS "}",
             NULL, GRU_ERR_FORMAT, "not one of reset_before, reset_after"),
    GRU_RULE("a known direction",
             "{" META_KEYS("1", "torch", "reset_after", "up", "1", "2", "1", "r,z,n",
                           "old_state") "," BASE_TENSORS "}",
             NULL, GRU_ERR_FORMAT, "'up', not one of forward"),
    GRU_RULE("sizes are decimals",
             "{" META_KEYS("1", "torch", "reset_after", "forward", "01", "2", "1", "r,z,n",
                           "old_state") "," BASE_TENSORS "}",
             NULL, GRU_ERR_FORMAT, "'01', not a size"),
    GRU_RULE("sizes are decimals",
             "{" META_KEYS("1", "torch", "reset_after", "forward", "1", "2x", "1", "r,z,n",
                           "old_state") "," BASE_TENSORS "}",
             NULL, GRU_ERR_FORMAT, "'2x', not a size"),
    GRU_RULE("sizes a layer can hold",
             "{" META_KEYS("1", "torch", "reset_after", "forward", "1", "2", "99999999999999",
                           "r,z,n", "old_state") "," BASE_TENSORS "}",
             NULL, GRU_ERR_SIZE, "too large"),
    GRU_RULE("the format's gate order",
             "{" META_KEYS("1", "torch", "reset_after", "forward", "1", "2", "1", "z,r,h",
                           "old_state") "," BASE_TENSORS "}",
             NULL, GRU_ERR_FORMAT, "format 'torch' has 'r,z,n'"),
    GRU_RULE("the format's z",
             "{" META_KEYS("1", "torch", "reset_after", "forward", "1", "2", "1", "r,z,n",
                           "candidate") "," BASE_TENSORS "}",
             NULL, GRU_ERR_FORMAT, "format 'torch' has 'old_state'"),
    GRU_RULE("a variant the format has",
             "{" META_KEYS("1", "torch", "reset_before", "forward", "1", "2", "1", "r,z,n",
                           "old_state") "," BASE_TENSORS "}",
             NULL, GRU_ERR_UNSUPPORTED, "cannot hold a reset_before GRU"),
    GRU_RULE("tensors as the metadata says",
             "{" META_KEYS("1", "torch", "reset_after", "forward", "1", "2", "2", "r,z,n",
                           "old_state") "," BASE_TENSORS "}",
             NULL, GRU_ERR_SHAPE, "the metadata gives it"),
    GRU_RULE("every tensor of the format",
             "{" META_KEYS("1", "torch", "reset_after", "forward", "2", "2", "1", "r,z,n",
                           "old_state") "," BASE_TENSORS "}",
             NULL, GRU_ERR_MISSING, "holds 8 tensors; this one has 4"),
    GRU_RULE("every tensor of the format",
             "{" META_OK "," W_IH "," W_HH "," B_IH "," T("x", "F32", "[3]", 48, 60) "}", "",
             GRU_ERR_NAME, "'x' is not a tensor of this"),
};

/* The file of a case: its header, then its data (or a prefix of it). */
static unsigned char *file_of(const bad_file *c, size_t *size) {
  uint64_t len = c->length_field == UINT64_MAX ? 0 : c->length_field ? c->length_field : UINT64_MAX;
  unsigned char *f = st_file(c->header, NULL, c->data_size ? c->data_size : 60, len, size);
  if (c->truncate) *size = c->truncate;
  return f;
}

static gru_layer *build(gru_builder *b) {
  gru_layer *l = NULL;
  if (gru_builder_build(b, &l) != GRU_OK) fail_msg("%s", gru_builder_error(b));
  return l;
}

/* Loads the case over a builder holding another GRU, expecting its status
 * and message, and that the builder still builds that GRU. */
static void refuse(const bad_file *c, const gru_layer *before, const unsigned char *good,
                   size_t good_size) {
  size_t size;
  unsigned char *f = file_of(c, &size);
  gru_builder *b;
  assert_int_equal(gru_builder_create(&b), GRU_OK);
  assert_int_equal(gru_builder_load_safetensors(b, good, good_size, "g."), GRU_OK);
  gru_status st = gru_builder_load_safetensors(b, f, size, c->prefix);
  const char *msg = gru_builder_error(b);
  if (st != c->status || !strstr(msg, c->message))
    fail_msg("rule '%s': got %s \"%s\", expected %s \"%s\"", c->rule, gru_status_name(st), msg,
             gru_status_name(c->status), c->message);
  gru_layer *after = build(b);
  size_t count;
  assert_int_equal(gru_layer_tensor_count(before, GRU_FORMAT_TORCH, &count), GRU_OK);
  for (size_t i = 0; i < count; i++) {
    char name[GRU_MAX_NAME];
    size_t ndim, shape[GRU_MAX_DIMS];
    float x[64], y[64];
    gru_layer_tensor_info(before, GRU_FORMAT_TORCH, i, name, sizeof name, &ndim, shape);
    size_t n = shape[0] * (ndim > 1 ? shape[1] : 1);
    assert_int_equal(gru_layer_get_tensor(before, GRU_FORMAT_TORCH, name, x, n), GRU_OK);
    assert_int_equal(gru_layer_get_tensor(after, GRU_FORMAT_TORCH, name, y, n), GRU_OK);
    assert_memory_equal(x, y, n * sizeof(float));
  }
  gru_layer_destroy(after);
  gru_builder_destroy(b);
  free(f);
}

/* A GRU of another shape (nn.GRU(3, 2) under "g."), held by the builders
 * the bad files are offered to. */
#define GOOD                                                                                 \
  "{" T("g.weight_ih_l0", "F32", "[6,3]", 0, 72) "," T("g.weight_hh_l0", "F32", "[6,2]", 72, \
                                                       120) "}"

static void check_all(const bad_file *cases, size_t n, bool container_rule) {
  size_t good_size;
  unsigned char *good = st_simple(GOOD, 120, &good_size);
  gru_builder *b;
  gru_layer *before;
  assert_int_equal(gru_builder_create(&b), GRU_OK);
  assert_int_equal(gru_builder_load_safetensors(b, good, good_size, "g."), GRU_OK);
  before = build(b);
  gru_builder_destroy(b);
  for (size_t i = 0; i < n; i++) {
    refuse(&cases[i], before, good, good_size);
    if (!container_rule) continue;
    /* gru_file refuses the same file, and keeps what it had open. */
    size_t size, count;
    unsigned char *f = file_of(&cases[i], &size);
    gru_file *file;
    assert_int_equal(gru_file_create(&file), GRU_OK);
    assert_int_equal(gru_file_open_memory(file, good, good_size), GRU_OK);
    assert_int_equal(gru_file_open_memory(file, f, size), cases[i].status);
    assert_non_null(strstr(gru_file_error(file), cases[i].message));
    assert_int_equal(gru_file_tensor_count(file, &count), GRU_OK);
    assert_int_equal(count, 2);
    gru_file_destroy(file);
    free(f);
  }
  print_message("%zu files refused\n", n);
  gru_layer_destroy(before);
  free(good);
}

static void test_container_rules(void **state) {
  (void)state;
  check_all(container, sizeof container / sizeof container[0], true);
}

static void test_gru_rules(void **state) {
  (void)state;
  check_all(gru_rules, sizeof gru_rules / sizeof gru_rules[0], false);
}

/* What the rules allow: trailing spaces, an empty file of tensors, empty
 * tensors, escapes and UTF-8 in names, metadata anywhere. */
static void test_allowed(void **state) {
  (void)state;
  static const char *const ok[] = {
      BASE "    ",
      "{}",
      "{'__metadata__':{}}",
      "{" T("e", "F32", "[0,5]", 0, 0) "," T("s", "F32", "[]", 0, 4) "," T("z", "F64", "[0]", 4,
                                                                           4) "}",
      "{" T("caf\\u00e9 \\ud83d\\ude00 \xc3\xa9\\n\\\"\\\\\\/", "F32", "[1]", 0, 4) "}",
      "{ \t\n\r'__metadata__' : { 'k' : 'v' } , " T("w", "U8", "[4]", 0, 4) " }",
  };
  static const size_t data[] = {60, 0, 0, 4, 4, 4};
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    size_t size;
    unsigned char *f = st_simple(ok[i], data[i], &size);
    gru_file *file;
    assert_int_equal(gru_file_create(&file), GRU_OK);
    if (gru_file_open_memory(file, f, size) != GRU_OK) fail_msg("%s", gru_file_error(file));
    gru_file_destroy(file);
    free(f);
  }
  /* The decoded name is what the escapes say. */
  size_t size;
  unsigned char *f =
      st_simple("{" T("caf\\u00e9 \\ud83d\\ude00", "F32", "[1]", 0, 4) "}", 4, &size);
  gru_file *file;
  const char *name;
  assert_int_equal(gru_file_create(&file), GRU_OK);
  assert_int_equal(gru_file_open_memory(file, f, size), GRU_OK);
  assert_int_equal(gru_file_tensor_name(file, 0, &name), GRU_OK);
  assert_string_equal(name, "caf\xc3\xa9 \xf0\x9f\x98\x80");
  gru_file_destroy(file);
  free(f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_container_rules),
      cmocka_unit_test(test_gru_rules),
      cmocka_unit_test(test_allowed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
