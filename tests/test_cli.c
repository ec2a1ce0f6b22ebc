/* The gru command line, run as a user would: `gru run` on the PyTorch
 * golden cases (outputs within 1e-5 of PyTorch's), `gru generate
 * --greedy` against PyTorch's own greedy text for the built-in model on
 * every CPU path, `info` and `bench`, and bad files and arguments, each
 * with its exit status and message. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "npy.h"
#include "safetensors_support.h"
#include "support.h"

#define MODELS GRU_TEST_DATA_DIR "/models/"

typedef struct result {
  int status;
  char *out, *err; /* what it wrote, NUL-terminated */
} result;

static char *slurp(const char *path) {
  size_t n;
  unsigned char *b = st_read(path, &n);
  assert_non_null(b);
  char *s = realloc(b, n + 1);
  s[n] = '\0';
  return s;
}

/* Runs gru with args (NULL-terminated), GRU_ISA=isa if isa is not NULL. */
static result gru_v(const char *isa, const char *const *args) {
  char out[512], err[512];
  snprintf(out, sizeof out, "%s", st_tmp_path("stdout"));
  snprintf(err, sizeof err, "%s", st_tmp_path("stderr"));
  const char *argv[32] = {GRU_CLI};
  size_t n = 1;
  while (args[n - 1] && n < 31) {
    argv[n] = args[n - 1];
    n++;
  }
  argv[n] = NULL;
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    if (isa) setenv("GRU_ISA", isa, 1);
    if (!freopen(out, "w", stdout) || !freopen(err, "w", stderr)) _exit(127);
    execv(GRU_CLI, (char *const *)argv);
    _exit(127);
  }
  int ws;
  assert_int_equal(waitpid(pid, &ws, 0), pid);
  assert_true(WIFEXITED(ws));
  return (result){WEXITSTATUS(ws), slurp(out), slurp(err)};
}

#define GRU(...) gru_v(NULL, (const char *const[]){__VA_ARGS__, NULL})

static void result_free(result *r) {
  free(r->out);
  free(r->err);
}

/* Runs gru and expects status with msg in its stderr. */
static void expect(int status, const char *msg, const char *const *args) {
  result r = gru_v(NULL, args);
  if (r.status != status || !strstr(r.err, msg))
    fail_msg("gru %s ...: exit %d, stderr \"%s\"; expected %d and \"%s\"", args[0], r.status, r.err,
             status, msg);
  result_free(&r);
}

#define EXPECT(status, msg, ...) expect(status, msg, (const char *const[]){__VA_ARGS__, NULL})

static npy_array load_npy(const char *path) {
  npy_array a;
  char error[256];
  if (!npy_read(path, 1u << NPY_F4, &a, error, sizeof error)) fail_msg("%s: %s", path, error);
  return a;
}

static bool exists(const char *path) { return access(path, R_OK) == 0; }

static void test_run_golden(void **state) {
  (void)state;
  static const char *const cases[] = {"l2_bidir", "batch_first", "in_model", "f16",
                                      "bf16",     "meta",        "cell",     "no_bias"};
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    char model[256], x[256], h0[256], len[256], y[256], hn[256], out[256], st[256];
    snprintf(model, sizeof model, MODELS "%s.safetensors", cases[c]);
    snprintf(x, sizeof x, MODELS "%s.x.npy", cases[c]);
    snprintf(h0, sizeof h0, MODELS "%s.h0.npy", cases[c]);
    snprintf(len, sizeof len, MODELS "%s.lengths.npy", cases[c]);
    snprintf(y, sizeof y, MODELS "%s.y.npy", cases[c]);
    snprintf(hn, sizeof hn, MODELS "%s.hn.npy", cases[c]);
    snprintf(out, sizeof out, "%s", st_tmp_path("y.npy"));
    snprintf(st, sizeof st, "%s", st_tmp_path("hn.npy"));
    const char *args[20] = {"run", model, "--input", x, "--output", out, "--state", st};
    size_t n = 8;
    if (exists(h0)) args[n++] = "--h0", args[n++] = h0;
    if (exists(len)) args[n++] = "--lengths", args[n++] = len;
    if (!strcmp(cases[c], "batch_first")) args[n++] = "--batch-first";
    if (!strcmp(cases[c], "in_model")) args[n++] = "--prefix", args[n++] = "rnn.";
    result r = gru_v(NULL, args);
    if (r.status != 0) fail_msg("gru run %s: %s", cases[c], r.err);
    npy_array want_y = load_npy(y), want_hn = load_npy(hn), got_y = load_npy(out),
              got_hn = load_npy(st);
    assert_int_equal(got_y.ndim, want_y.ndim);
    assert_memory_equal(got_y.shape, want_y.shape, want_y.ndim * sizeof(size_t));
    assert_memory_equal(got_hn.shape, want_hn.shape, want_hn.ndim * sizeof(size_t));
    double dy = test_max_diff_f(got_y.data, want_y.data, want_y.count);
    double dh = test_max_diff_f(got_hn.data, want_hn.data, want_hn.count);
    print_message("gru run %-12s y %.2e  h_n %.2e\n", cases[c], dy, dh);
    assert_true(dy <= 1e-5 && dh <= 1e-5);
    npy_free(&want_y);
    npy_free(&want_hn);
    npy_free(&got_y);
    npy_free(&got_hn);
    result_free(&r);
  }
}

/* PyTorch's greedy continuation of the built-in model's prompt
 * (models/train_charlm.py wrote it) comes out of `gru generate --greedy`
 * character for character, on every CPU path this machine has. */
static void test_greedy_matches_pytorch(void **state) {
  (void)state;
  char *want = slurp(GRU_MODELS_DIR "/charlm_greedy.txt");
  gru_file *f;
  const char *prompt;
  assert_int_equal(gru_file_create(&f), GRU_OK);
  assert_int_equal(gru_file_open(f, GRU_MODELS_DIR "/charlm.safetensors"), GRU_OK);
  assert_int_equal(gru_file_metadata(f, "charlm.prompt", &prompt), GRU_OK);
  assert_non_null(prompt);
  assert_true(strncmp(want, prompt, strlen(prompt)) == 0);
  char length[32];
  snprintf(length, sizeof length, "%zu", strlen(want) - strlen(prompt));
  static const char *const isas[] = {"scalar", "avx2", "avx512"};
  gru_isa have[3];
  size_t n = test_isas(have);
  for (size_t i = 0; i < n; i++) {
    result r = gru_v(isas[have[i]],
                     (const char *const[]){"generate", "--greedy", "--length", length, NULL});
    assert_int_equal(r.status, 0);
    size_t got = strlen(r.out);
    assert_true(got > 0 && r.out[got - 1] == '\n');
    r.out[got - 1] = '\0';
    if (strcmp(r.out, want) != 0)
      fail_msg("GRU_ISA=%s: gru generate --greedy differs from PyTorch:\n%s\n---\n%s",
               isas[have[i]], r.out, want);
    print_message("greedy, %s kernels: %s characters identical to PyTorch's\n", isas[have[i]],
                  length);
    result_free(&r);
  }
  gru_file_destroy(f);
  free(want);
}

static void test_info_bench_generate(void **state) {
  (void)state;
  result r = GRU("info", MODELS "l2_bidir.safetensors");
  assert_int_equal(r.status, 0);
  assert_non_null(strstr(r.out, "layers     2"));
  assert_non_null(strstr(r.out, "bidirectional"));
  assert_non_null(strstr(r.out, "PyTorch state_dict"));
  result_free(&r);
  /* Every metadata key, libgru's or not, in byte order of the keys. */
  size_t size;
  unsigned char *file = st_simple(
      "{'__metadata__':{'zz.note':'hello','format':'pt'},"
      "'weight_ih_l0':{'dtype':'F32','shape':[3,1],'data_offsets':[0,12]},"
      "'weight_hh_l0':{'dtype':'F32','shape':[3,1],'data_offsets':[12,24]},"
      "'bias_ih_l0':{'dtype':'F32','shape':[3],'data_offsets':[24,36]},"
      "'bias_hh_l0':{'dtype':'F32','shape':[3],'data_offsets':[36,48]}}",
      48, &size);
  char path[512];
  snprintf(path, sizeof path, "%s", st_tmp_path("meta_keys.safetensors"));
  assert_int_equal(st_write(path, file, size), 0);
  free(file);
  r = GRU("info", path);
  assert_int_equal(r.status, 0);
  const char *format = strstr(r.out, "format               pt"),
             *note = strstr(r.out, "zz.note              hello");
  assert_non_null(format);
  assert_non_null(note);
  assert_true(format < note);
  result_free(&r);
  r = GRU("bench", MODELS "meta.safetensors", "--seconds", "0.01", "--steps", "5", "--batch", "2");
  assert_int_equal(r.status, 0);
  assert_non_null(strstr(r.out, "row-steps/s"));
  result_free(&r);
  r = GRU("generate", "--length", "20", "--seed", "7", "--prompt", "In the beginning");
  assert_int_equal(r.status, 0);
  assert_int_equal(strlen(r.out), strlen("In the beginning") + 20 + 1);
  result s = GRU("generate", "--length", "20", "--seed", "7", "--prompt", "In the beginning");
  assert_string_equal(r.out, s.out); /* a seed gives the same text */
  result_free(&r);
  result_free(&s);
  static const char *const commands[] = {"info", "run", "bench", "generate"};
  for (size_t i = 0; i < 4; i++) {
    r = GRU(commands[i], "--help");
    assert_int_equal(r.status, 0);
    char want[32];
    snprintf(want, sizeof want, "usage: gru %s", commands[i]);
    assert_non_null(strstr(r.out, want));
    result_free(&r);
  }
  r = GRU("--version");
  assert_int_equal(r.status, 0);
  assert_non_null(strstr(r.out, gru_version_string()));
  result_free(&r);
}

/* Writes a .npy file: preamble, header text, then data bytes. */
static const char *npy_file(const char *name, const char *header, size_t data_bytes) {
  char pre[10] = "\x93NUMPY\x01";
  size_t n = strlen(header);
  pre[8] = (char)(n & 0xff);
  pre[9] = (char)(n >> 8);
  unsigned char *buf = calloc(10 + n + data_bytes + 1, 1);
  memcpy(buf, pre, 10);
  memcpy(buf + 10, header, n);
  static char paths[4][512]; /* a few stay valid at once */
  static int next;
  char *path = paths[next++ % 4];
  snprintf(path, sizeof paths[0], "%s", st_tmp_path(name));
  assert_int_equal(st_write(path, buf, 10 + n + data_bytes), 0);
  free(buf);
  return path;
}

#define F4(shape) "{'descr': '<f4', 'fortran_order': False, 'shape': " shape ", }\n"

static void test_bad_command_lines(void **state) {
  (void)state;
  const char *m = MODELS "l2_bidir.safetensors", *x = MODELS "l2_bidir.x.npy";
  char out[256];
  snprintf(out, sizeof out, "%s", st_tmp_path("out.npy"));
  result r = gru_v(NULL, (const char *const[]){NULL});
  assert_int_equal(r.status, 2);
  assert_non_null(strstr(r.err, "usage: gru"));
  result_free(&r);
  EXPECT(2, "unknown command 'fly'", "fly");
  EXPECT(2, "--input and --output are required", "run", m);
  EXPECT(2, "unknown option '--inptu'", "run", m, "--inptu", x);
  EXPECT(2, "unknown option '-i'", "run", m, "-i", x);
  EXPECT(2, "--input needs a value", "run", m, "--output", out, "--input");
  EXPECT(2, "--input is given twice", "run", m, "--input", x, "--input", x);
  EXPECT(2, "--batch-first takes no value", "run", m, "--batch-first=yes");
  EXPECT(2, "unexpected argument", "info", m, m);
  EXPECT(2, "--batch: '0' is not a size", "bench", m, "--batch", "0");
  EXPECT(2, "--steps: '-3' is not a size", "bench", m, "--steps", "-3");
  EXPECT(2, "--seconds: 'soon' is not a number", "bench", m, "--seconds", "soon");
  EXPECT(2, "--temperature: '-1' is not a number >= 0", "generate", "--temperature", "-1");
  EXPECT(2, "--seed: '0x10' is not an integer", "generate", "--seed", "0x10");
  EXPECT(2, "--prompt must not be empty", "generate", "--prompt", "");
}

static void test_bad_files(void **state) {
  (void)state;
  const char *m = MODELS "l2_bidir.safetensors", *x = MODELS "l2_bidir.x.npy";
  char out[256];
  snprintf(out, sizeof out, "%s", st_tmp_path("out.npy"));
  EXPECT(1, "cannot open", "info", MODELS "no-such-model.safetensors");
  EXPECT(1, "header length", "info", MODELS "README.md");
  EXPECT(1, "no tensor name starts with 'x.'", "info", m, "--prefix", "x.");
  EXPECT(1, "not a character model", "generate", m);
  EXPECT(1, "'@' is not in the model's vocabulary", "generate", "--prompt", "Hi @ you");
  EXPECT(1, "cannot open", "run", m, "--input", MODELS "no-such.npy", "--output", out);
  EXPECT(1, "not a .npy file", "run", m, "--input", m, "--output", out);
  EXPECT(1, "with I = 5", "run", m, "--input", MODELS "meta.x.npy", "--output", out);
  struct {
    const char *name, *header, *msg;
    size_t data;
  } npys[] = {
      {"f8.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1, 5), }\n",
       "dtype '<f8' is not little-endian float32", 40},
      {"big.npy", "{'descr': '>f4', 'fortran_order': False, 'shape': (1, 1, 5), }\n", "'>f4'", 20},
      {"fortran.npy", "{'descr': '<f4', 'fortran_order': True, 'shape': (1, 1, 5), }\n",
       "Fortran order", 20},
      {"short.npy", F4("(1, 1, 5)"), "16 bytes of data, the shape needs 20", 16},
      {"long.npy", F4("(1, 1, 5)"), "24 bytes of data, the shape needs 20", 24},
      {"tuple.npy", F4("(5)"), "(n) is not a tuple", 20},
      {"dims.npy", F4("(1, 1, 1, 1, 1, 1, 1, 1, 1)"), "more than 8 dimensions", 4},
      {"key.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}\n",
       "unknown header key 'x'", 4},
      {"twice.npy", "{'descr': '<f4', 'descr': '<f4', 'shape': (1,)}\n", "given twice", 4},
      {"missing.npy", "{'descr': '<f4', 'shape': (1,)}\n", "needs 'descr', 'fortran_order'", 4},
      {"overflow.npy", F4("(4294967296, 4294967296, 2)"), "overflows", 4},
      {"notdict.npy", "[1, 2]\n", "not a dict", 0},
      {"rank.npy", F4("(2, 5)"), "must be [T, B, I]", 40},
  };
  for (size_t i = 0; i < sizeof npys / sizeof npys[0]; i++)
    EXPECT(1, npys[i].msg, "run", m, "--input",
           npy_file(npys[i].name, npys[i].header, npys[i].data), "--output", out);
  static char spaces[20001];
  memset(spaces, ' ', 20000);
  EXPECT(1, "header of 20000 bytes", "run", m, "--input", npy_file("huge.npy", spaces, 0),
         "--output", out);
  EXPECT(1, "--h0", "run", m, "--input", x, "--output", out, "--h0", x);
  EXPECT(1, "dtype '<f4' is not little-endian int32", "run", m, "--input", x, "--output", out,
         "--lengths", x);
  static const char i8[] = "{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }\n";
  const char *neg = npy_file("neg.npy", i8, 24);
  EXPECT(1, "must be 1-D with B = 3", "run", m, "--input", x, "--output", out, "--lengths",
         npy_file("len2.npy", "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }\n", 16));
  FILE *f = fopen(neg, "r+b");
  fseek(f, 10 + (long)strlen(i8), SEEK_SET);
  fwrite("\xff\xff\xff\xff\xff\xff\xff\xff", 1, 8, f); /* -1 */
  fclose(f);
  EXPECT(1, "entry 0 is -1, outside 0 .. T = 7", "run", m, "--input", x, "--output", out,
         "--lengths", neg);
  char missing_dir[512];
  snprintf(missing_dir, sizeof missing_dir, "%s", st_tmp_path("no-such-dir/y.npy"));
  EXPECT(3, "cannot create", "run", m, "--input", x, "--output", missing_dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_run_golden),          cmocka_unit_test(test_greedy_matches_pytorch),
      cmocka_unit_test(test_info_bench_generate), cmocka_unit_test(test_bad_command_lines),
      cmocka_unit_test(test_bad_files),
  };
  return cmocka_run_group_tests(tests, NULL, st_tmpdir_teardown);
}
