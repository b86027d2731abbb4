/*
 * Shared pieces of the fuzz targets (tests/fuzz/fuzz_*.c).
 *
 * Each target defines LLVMFuzzerTestOneInput: it decodes the fuzzer's bytes into the
 * arguments of one public function or family, calls it, and checks the contract of
 * include/margin.h, not only the absence of a crash:
 *   - the status is one of the documented codes;
 *   - MGN_OK implies every output finite (and margins >= 0);
 *   - a failing scalar call leaves its outputs untouched (FZ_FILL / fz_untouched);
 *   - a batch call still fills every valid element;
 *   - two calls on the same input give the same bits.
 * A violated contract aborts (FZ_ASSERT), which libFuzzer and the replay driver
 * (tests/fuzz/replay.c) report as a finding.
 *
 * Decoding: a missing byte reads as 0, so every input, however short, is a valid
 * call. fz_real / fz_pos give a value of the caller's plausible range most of the
 * time and, chosen by the fuzzer, the values that break numerical code: NaN, +-inf,
 * +-0, subnormals, DBL_MIN, +-DBL_MAX, 1e+-300, the negated plausible value, and raw
 * bit patterns. Counts come from fz_count (bounded, so one execution stays fast);
 * absurd counts (fz_absurd_count: SIZE_MAX, INT_MAX + 1, ...) are passed only where
 * the header promises a rejection before any array is touched.
 */
#ifndef MGN_FUZZ_H
#define MGN_FUZZ_H

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "margin.h"
#include "../ldbl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_ASSERT(cond)                                                            \
    do {                                                                           \
        if (!(cond)) {                                                             \
            fprintf(stderr, "fuzz contract violated: %s (%s:%d)\n", #cond,         \
                    __FILE__, __LINE__);                                           \
            abort();                                                               \
        }                                                                          \
    } while (0)

/* A documented mgn_status. */
#define FZ_STATUS(st) FZ_ASSERT((st) >= MGN_OK && (st) <= MGN_ESTALE)

/* Built with -DFZ_TRACE, a target prints the decoded arguments (to read a finding). */
#ifdef FZ_TRACE
#define FZ_LOG(...) fprintf(stderr, __VA_ARGS__)
#else
#define FZ_LOG(...) ((void)0)
#endif

typedef struct fz_in {
    const uint8_t *p;
    size_t n;
} fz_in;

static inline fz_in fz_init(const uint8_t *data, size_t size)
{
    fz_in in;
    in.p = data;
    in.n = size;
    return in;
}

static inline unsigned fz_u8(fz_in *in)
{
    if (in->n == 0)
        return 0;
    in->n--;
    return *in->p++;
}

static inline unsigned fz_u16(fz_in *in)
{
    unsigned lo = fz_u8(in);
    return lo | (fz_u8(in) << 8);
}

static inline uint64_t fz_u64(fz_in *in)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)fz_u8(in) << (8 * i);
    return v;
}

static inline int fz_bool(fz_in *in) { return (int)(fz_u8(in) & 1u); }

/* A value in [0, max]. */
static inline size_t fz_count(fz_in *in, size_t max)
{
    return max == 0 ? 0 : (size_t)(fz_u16(in) % (max + 1));
}

/* An int chosen mostly from [lo, hi], sometimes just outside or absurd. */
static inline int fz_int(fz_in *in, int lo, int hi)
{
    unsigned s = fz_u8(in);
    if (s < 224)
        return lo + (int)(fz_u16(in) % (unsigned)(hi - lo + 1));
    switch (s & 7u) {
    case 0: return lo - 1;
    case 1: return hi + 1;
    case 2: return -1;
    case 3: return INT_MIN;
    case 4: return INT_MAX;
    case 5: return 0;
    default: return (int)(int32_t)(uint32_t)fz_u64(in);
    }
}

/* Counts no buffer could hold: for the arguments the header promises to reject. */
static inline size_t fz_absurd_count(fz_in *in)
{
    switch (fz_u8(in) % 6u) {
    case 0: return SIZE_MAX;
    case 1: return SIZE_MAX / 2 + 1;
    case 2: return SIZE_MAX / 16 + 1;
    case 3: return (size_t)INT_MAX + 1;
    case 4: return (size_t)1 << 40;
    default: return (size_t)fz_u64(in);
    }
}

/* A hostile double: NaN, infinities, signed zeros, subnormals, extremes, raw bits. */
static inline double fz_special(fz_in *in, double plausible)
{
    switch (fz_u8(in) % 20u) {
    case 0: return NAN;
    case 1: return INFINITY;
    case 2: return -INFINITY;
    case 3: return 0.0;
    case 4: return -0.0;
    case 5: return 4.9406564584124654e-324; /* smallest subnormal */
    case 6: return -4.9406564584124654e-324;
    case 7: return DBL_MIN / 3.0;           /* a subnormal */
    case 8: return DBL_MIN;
    case 9: return DBL_MAX;
    case 10: return -DBL_MAX;
    case 11: return 1e300;
    case 12: return -1e300;
    case 13: return 1e-300;
    case 14: return -plausible;
    case 15: return plausible * 1e6;
    case 16: return plausible * 1e-6;
    case 17: return nextafter(plausible, INFINITY);
    default: {
        uint64_t bits = fz_u64(in);
        double d;
        memcpy(&d, &bits, sizeof d);
        return d;
    }
    }
}

/* Mostly uniform in [lo, hi]; one selector value in eight gives fz_special. */
static inline double fz_real(fz_in *in, double lo, double hi)
{
    unsigned s = fz_u8(in);
    double u = fz_u16(in) / 65535.0;
    double v = lo + (hi - lo) * u;
    return s < 224 ? v : fz_special(in, v);
}

/* Mostly log-uniform in [lo, hi] (0 < lo < hi); otherwise as fz_real. */
static inline double fz_pos(fz_in *in, double lo, double hi)
{
    unsigned s = fz_u8(in);
    double u = fz_u16(in) / 65535.0;
    double v = lo * pow(hi / lo, u);
    return s < 224 ? v : fz_special(in, v);
}

/* A value that is always finite and in [lo, hi] (for fields whose hostile values a
   target tests separately). */
static inline double fz_sane(fz_in *in, double lo, double hi)
{
    return lo + (hi - lo) * (fz_u16(in) / 65535.0);
}

/* Output sentinels: fill before a call, check after a failure that nothing changed. */
#define FZ_FILL_BYTE 0xA5
#define FZ_FILL(ptr, bytes) memset((ptr), FZ_FILL_BYTE, (bytes))
static inline int fz_untouched(const void *ptr, size_t bytes)
{
    const unsigned char *b = (const unsigned char *)ptr;
    for (size_t i = 0; i < bytes; i++)
        if (b[i] != FZ_FILL_BYTE)
            return 0;
    return 1;
}

static inline int fz_all_finite(const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return 0;
    return 1;
}

/* Every double field of a struct made only of doubles. */
#define FZ_STRUCT_FINITE(s) fz_all_finite((const double *)(const void *)&(s), sizeof(s) / sizeof(double))

static inline int fz_same_bits(const void *a, const void *b, size_t bytes)
{
    return memcmp(a, b, bytes) == 0;
}

/* Bounded scratch memory for targets: calloc, and a NULL result (never expected for
   the small sizes used) ends the execution quietly. */
static inline void *fz_alloc(size_t bytes)
{
    return calloc(1, bytes ? bytes : 1);
}

#endif
