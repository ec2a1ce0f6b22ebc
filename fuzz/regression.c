/* Replays fuzz inputs without libFuzzer (zstd's regression driver, in
 * small): every file named, and every file in every directory named, is
 * passed to LLVMFuzzerTestOneInput once. ctest runs it over the committed
 * corpus and past crashes of each target on every build, so a fixed bug
 * stays fixed even where clang's libFuzzer is not available. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_common.h"

static int replay_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "cannot open %s\n", path);
    return 1;
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  /* An exact-size copy, so ASan sees any read past the input's end. */
  uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
  size_t got = fread(buf, 1, (size_t)n, f);
  fclose(f);
  if (got != (size_t)n) {
    fprintf(stderr, "cannot read %s\n", path);
    free(buf);
    return 1;
  }
  LLVMFuzzerTestOneInput(buf, got);
  free(buf);
  return 0;
}

int main(int argc, char **argv) {
  size_t replayed = 0;
  int failed = 0;
  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) != 0) {
      fprintf(stderr, "no such file or directory: %s\n", argv[i]);
      return 1;
    }
    if (!S_ISDIR(st.st_mode)) {
      failed |= replay_file(argv[i]);
      replayed++;
      continue;
    }
    struct dirent **names;
    int n = scandir(argv[i], &names, NULL, alphasort);
    for (int j = 0; j < n; j++) {
      if (names[j]->d_name[0] != '.') {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", argv[i], names[j]->d_name);
        failed |= replay_file(path);
        replayed++;
      }
      free(names[j]);
    }
    free(names);
  }
  printf("replayed %zu inputs (sink %016llx)\n", replayed, (unsigned long long)gru_fuzz_sink);
  return failed;
}
