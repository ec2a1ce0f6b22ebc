/* gru-kernels: the elementwise stages of a step alone, on every CPU path
 * this machine runs (bench/README.md). Each round runs them over B rows of
 * H units as src/step.c calls them (one call per row): reset-before's
 * reset_gate, gates and update_before, and reset-after's update_after.
 * Inputs are in [-4, 4]. At the default size (H = B = 256: 768 KiB for
 * each of gx and gh) the rows come from L2 and L3, as a step's do.
 *
 *   gru-kernels [H [B [ROUNDS]]]
 *
 * Prints ns per unit and row (per element), median and min-max of the
 * rounds, per path. Built from the library's objects, as the kernel tests
 * are, since the kernel tables are internal. */
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "cpu.h"
#include "kernels.h"

typedef struct rows {
  size_t h, b;
  float *gx, *gh, *bias, *bhn, *h0, *rh, *z, *out;
} rows;

static void before(const gru__kernels *k, const rows *d) {
  size_t h = d->h, h3 = 3 * h;
  for (size_t r = 0; r < d->b; r++) {
    const float *x = d->gx + r * h3, *gh = d->gh + r * h3, *hp = d->h0 + r * h;
    k->reset_gate(h, x, gh, d->bias, hp, d->rh + r * h);
    k->gates(h, x + h, gh + h, d->bias + h, d->z + r * h);
  }
  for (size_t r = 0; r < d->b; r++)
    k->update_before(h, d->gx + r * h3 + 2 * h, d->gh + r * h3 + 2 * h, d->bias + 2 * h,
                     d->z + r * h, d->h0 + r * h, d->out + r * h, NULL);
}

static void after(const gru__kernels *k, const rows *d) {
  size_t h = d->h, h3 = 3 * h;
  for (size_t r = 0; r < d->b; r++)
    k->update_after(h, h, d->gx + r * h3, d->gh + r * h3, d->bias, d->bhn, d->h0 + r * h,
                    d->out + r * h, NULL);
}

/* ns per element of stage over rounds rounds (after one warm-up). */
static bench_stats time_stage(void (*stage)(const gru__kernels *, const rows *),
                              const gru__kernels *k, const rows *d, size_t rounds) {
  double *ns = malloc(rounds * sizeof *ns);
  if (!ns) exit(1);
  stage(k, d);
  for (size_t i = 0; i < rounds; i++) {
    double t0 = bench_now();
    stage(k, d);
    ns[i] = (bench_now() - t0) * 1e9 / (double)(d->h * d->b);
  }
  bench_stats s = bench_stats_of(ns, rounds);
  free(ns);
  return s;
}

int main(int argc, char **argv) {
  size_t h = argc > 1 ? strtoul(argv[1], NULL, 10) : 256;
  size_t b = argc > 2 ? strtoul(argv[2], NULL, 10) : 256;
  size_t rounds = argc > 3 ? strtoul(argv[3], NULL, 10) : 21;
  if (argc > 4 || h == 0 || b == 0 || rounds == 0 || h > 65536 || b > 65536) {
    fputs("usage: gru-kernels [H [B [ROUNDS]]] (each from 1; H, B up to 65536)\n", stderr);
    return 2;
  }
  size_t hb = h * b;
  /* Inputs in [-4, 4); rh, z and out are overwritten. */
  rows d = {.h = h,
            .b = b,
            .gx = bench_values(3 * hb, 1, 8.0f),
            .gh = bench_values(3 * hb, 2, 8.0f),
            .bias = bench_values(3 * h, 3, 8.0f),
            .bhn = bench_values(h, 4, 8.0f),
            .h0 = bench_values(hb, 5, 8.0f),
            .rh = bench_values(hb, 6, 8.0f),
            .z = bench_values(hb, 7, 8.0f),
            .out = bench_values(hb, 8, 8.0f)};
  printf("elementwise stages, H=%zu B=%zu: ns per element, median (min-max) of %zu rounds\n", h, b,
         rounds);
  printf("  %-7s %-30s %s\n", "path", "reset-before (3 kernels)", "reset-after (update_after)");
  for (int isa = GRU_ISA_SCALAR; isa <= (int)gru__cpu_isa(); isa++) {
    const gru__kernels *k = gru__kernels_for((gru_isa)isa);
    if ((int)k->isa != isa) continue; /* a path this build lacks */
    bench_stats sb = time_stage(before, k, &d, rounds), sa = time_stage(after, k, &d, rounds);
    printf("  %-7s %6.3f (%.3f-%.3f)           %6.3f (%.3f-%.3f)\n", gru_isa_name(k->isa),
           sb.median, sb.min, sb.max, sa.median, sa.min, sa.max);
  }
  float *all[] = {d.gx, d.gh, d.bias, d.bhn, d.h0, d.rh, d.z, d.out};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    free(all[i]);
  return 0;
}
