/* Internal declarations shared by the VaR/ES modules (lib/var.c, historical.c,
   parametric.c, montecarlo.c, backtest.c, ewma.c). Never installed. */
#ifndef MGN_VAR_H
#define MGN_VAR_H

#include <stdint.h>
#include "internal.h"

/* Result of the order-statistic machinery on one P&L vector. */
typedef struct mgn__tail {
    double var;      /* L_(k) */
    double es;       /* Acerbi-Tasche ES, >= var */
    double aw;       /* a * W: tail weight, unnormalised (equal weights: N a, snapped) */
} mgn__tail;

/* 1 when c is a valid confidence: finite, 0 < c < 1. */
static inline int mgn__conf_ok(double c) { return isfinite(c) && c > 0 && c < 1; }

/* Validates (pnl finite; weights finite, >= 0, positive finite sum) and computes
   VaR and ES of pnl[0..n) (lib/var.c). n >= 1, pnl != NULL, c valid are the
   caller's checks. Returns MGN_OK, MGN_EINVAL (bad values) or MGN_ERANGE (sums
   overflow). Allocation-free. */
MGN_INTERNAL int mgn__var_es(const double *pnl, const double *w, size_t n, double c,
                             mgn__tail *out);

/* Runs fn(ctx, chunk) for chunk = 0..n_chunks-1 on `threads` threads (chunk c on
   thread c % threads; thread 0 is the caller). Returns the status of the failing
   chunk with the smallest index, or MGN_OK. Results do not depend on threads. */
typedef int (*mgn__chunk_fn)(void *ctx, size_t chunk);
MGN_INTERNAL int mgn__run_chunks(size_t n_chunks, int threads, mgn__chunk_fn fn, void *ctx);

/* Revalues shocks (n_scen x n_mkt) in fixed chunks of MGN__PNL_CHUNK scenarios
   through mgn_scenario_pnl, on `threads` threads. */
#define MGN__PNL_CHUNK 256
MGN_INTERNAL int mgn__scenario_pnl_mt(const mgn_market *mkt, size_t n_mkt,
                                      const mgn_position *pos, size_t n_pos,
                                      const mgn_shock *shocks, size_t n_scen, double dt,
                                      int currency, int threads, double *pnl);

/* Workspace helpers: a + b and a * b with overflow detection (0 on overflow). */
static inline int mgn__add_ok(size_t a, size_t b, size_t *r) { *r = a + b; return *r >= a; }
static inline int mgn__mul_ok(size_t a, size_t b, size_t *r)
{
    if (a != 0 && b > SIZE_MAX / a) return 0;
    *r = a * b;
    return 1;
}
/* Bytes rounded up to a multiple of 64 (each workspace region starts aligned). */
static inline int mgn__round64(size_t a, size_t *r)
{
    if (a > SIZE_MAX - 63) return 0;
    *r = (a + 63) & ~(size_t)63;
    return 1;
}
static inline int mgn__aligned(const void *p) { return ((uintptr_t)p % sizeof(double)) == 0; }

/* A caller's workspace of work_size bytes for a call that needs `need`:
   MGN_EINVAL for NULL or misaligned (not 8-byte aligned), MGN_ENOMEM when too small. */
static inline int mgn__check_work(const void *work, size_t work_size, size_t need)
{
    if (!work || !mgn__aligned(work))
        return MGN_EINVAL;
    return work_size < need ? MGN_ENOMEM : MGN_OK;
}

/* Standard normal quantile of p in (0, 1) (GSL, validated input). */
MGN_INTERNAL double mgn__norm_quantile(double p);

#define MGN__MAX_THREADS 256

#endif
