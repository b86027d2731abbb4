/* Shared helpers of the benchmark programs: timing, medians, the random option set,
   and the machine description printed above every table. */
#ifndef MGN_BENCH_UTIL_H
#define MGN_BENCH_UTIL_H

#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static inline double bench_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, bench_cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

typedef struct { uint64_t s; } bench_rng;
static inline double bench_uniform(bench_rng *g)
{
    g->s ^= g->s >> 12; g->s ^= g->s << 25; g->s ^= g->s >> 27;
    return (double)((g->s * 2685821657736338717ULL) >> 11) * 0x1.0p-53;
}
static inline double bench_logrange(bench_rng *g, double lo, double hi)
{
    return exp(log(lo) + (log(hi) - log(lo)) * bench_uniform(g));
}

/* n random options from the accuracy domain of the header: S, K in [0.01, 1e5] with
   K/S in [0.2, 5], T in [1e-6, 10] (log-uniform), sigma in [0.01, 4], r in [-2%, 15%],
   q in [-5%, 20%]. */
typedef struct {
    size_t n;
    int *type;
    double *S, *K, *T, *r, *q, *sigma;
} bench_options;

static inline int bench_options_make(bench_options *o, size_t n, uint64_t seed)
{
    bench_rng g = { seed };
    o->n = n;
    o->type = (int *)malloc(n * sizeof *o->type);
    double *mem = (double *)malloc(6 * n * sizeof *mem);
    if (!o->type || !mem)
        return -1;
    o->S = mem; o->K = mem + n; o->T = mem + 2 * n; o->r = mem + 3 * n; o->q = mem + 4 * n;
    o->sigma = mem + 5 * n;
    for (size_t i = 0; i < n; i++) {
        o->type[i] = bench_uniform(&g) < 0.5 ? 0 : 1;
        o->S[i] = bench_logrange(&g, 0.05, 2e4);
        o->K[i] = o->S[i] * bench_logrange(&g, 0.2, 5.0);
        o->T[i] = bench_logrange(&g, 1e-6, 10.0);
        o->r[i] = -0.02 + 0.17 * bench_uniform(&g);
        o->q[i] = -0.05 + 0.25 * bench_uniform(&g);
        o->sigma[i] = bench_logrange(&g, 0.01, 4.0);
    }
    return 0;
}

static inline void bench_options_free(bench_options *o)
{
    free(o->type);
    free(o->S);
}

/* A copy of o sorted as a venue lists a chain: by expiry, then type, then K/S. The
   expiries, log-uniform here, are taken in 12 classes (of a factor 3.2 each), as a
   venue lists a dozen expiries. */
static const bench_options *bench_chain_src;
static inline int bench_expiry_class(double T)
{
    return (int)(12.0 * log(T / 1e-6) / log(10.0 / 1e-6));
}
static inline int bench_chain_cmp(const void *a, const void *b)
{
    const bench_options *o = bench_chain_src;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    int ei = bench_expiry_class(o->T[i]), ej = bench_expiry_class(o->T[j]);
    if (ei != ej)
        return ei - ej;
    if (o->type[i] != o->type[j])
        return o->type[i] - o->type[j];
    double mi = o->K[i] / o->S[i], mj = o->K[j] / o->S[j];
    return (mi > mj) - (mi < mj);
}
static inline int bench_options_chain_order(const bench_options *o, bench_options *c)
{
    size_t n = o->n, *ix = (size_t *)malloc(n * sizeof *ix);
    if (!ix || bench_options_make(c, n, 1) != 0) {
        free(ix);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        ix[i] = i;
    bench_chain_src = o;
    qsort(ix, n, sizeof *ix, bench_chain_cmp);
    for (size_t k = 0; k < n; k++) {
        size_t i = ix[k];
        c->type[k] = o->type[i]; c->S[k] = o->S[i]; c->K[k] = o->K[i]; c->T[k] = o->T[i];
        c->r[k] = o->r[i]; c->q[k] = o->q[i]; c->sigma[k] = o->sigma[i];
    }
    free(ix);
    return 0;
}

/* n options as a venue lists them around the money, in random order: K/S in [0.8,
   1.25], T log-uniform from 1 day to 1 year, sigma in [0.3, 1.2] (crypto), r in
   [0, 5%], q = 0, S = 60,000. The random set above is mostly far wings and tiny
   expiries, where other branches run. */
static inline int bench_options_listed(bench_options *o, size_t n, uint64_t seed)
{
    if (bench_options_make(o, n, seed) != 0)
        return -1;
    bench_rng g = { seed + 1 };
    for (size_t i = 0; i < n; i++) {
        o->S[i] = 60000;
        o->K[i] = 60000 * (0.8 + 0.45 * bench_uniform(&g));
        o->T[i] = bench_logrange(&g, 1.0 / 365, 1.0);
        o->sigma[i] = 0.3 + 0.9 * bench_uniform(&g);
        o->r[i] = 0.05 * bench_uniform(&g);
        o->q[i] = 0;
    }
    return 0;
}

/* CPU model and compiler, for the header of each table. */
static inline void bench_print_machine(const char *flags)
{
    char model[256] = "unknown CPU", line[512];
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        while (fgets(line, sizeof line, f))
            if (strncmp(line, "model name", 10) == 0) {
                char *p = strchr(line, ':');
                if (p) {
                    snprintf(model, sizeof model, "%s", p + 2);
                    model[strcspn(model, "\n")] = 0;
                }
                break;
            }
        fclose(f);
    }
    printf("machine: %s; compiler: %s; flags: %s\n", model,
#ifdef __VERSION__
           __VERSION__,
#else
           "unknown",
#endif
           flags);
}

/* Keeps the compiler from discarding a computed value. */
static volatile double bench_sink;

#endif
