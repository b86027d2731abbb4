/* Scenario valuation: mgn_scenario_pnl, the P&L matrix, and the vector kernels that
 * SPAN (lib/span.c) and the portfolio-margin grid (lib/pm.c) share.
 *
 * European options are valued in chunks of MGN__CH positions (structure of arrays).
 * Everything that does not depend on the scenario is prepared once per chunk: the
 * log-moneyness, sqrt(T), the discounted spot and strike at T and at T - dt, the
 * value and delta now. A scenario then costs per option two erfc and a division,
 * through the vector math library. The direct out-of-the-money formula is used as in
 * lib/batch.c (mgn__black_core); an element is recomputed where that formula could
 * lose accuracy (mgn__direct_ok_abs), at a volatility of 0, or for a moneyness ratio
 * S/K outside the normal range: by the far-wing pass, else the scalar pricer.
 * Across positions the scenarios go in blocks of MGN__SB (mgn__block_add,
 * mgn__block_finish): the elements to recompute are gathered over the whole block for
 * one far-wing pass (a pass per scenario, padded to 16 lanes, cost more than the
 * pricing of the few elements it held), and the sums over positions of the block's
 * scenarios run as independent chains, each in position order.
 * A chunk with few positions and many scenarios is valued across scenarios instead
 * (across_scenarios below), with the same element arithmetic, so the bits of every
 * element do not depend on the path. A chunk whose positions x scenarios fit in few
 * lanes (10 x 10, say) is flattened: one lane per (scenario, position), padded once
 * per block of scenarios (flat_scenarios), again with the same element arithmetic.
 * mgn_scenario_pnl prepares its chunks without the delta now (chunk_prepare), which
 * only SPAN needs. The logarithm of a move is computed once per scenario and
 * underlying (mgn__log_moves, one vector loop) on every path. The kernels' flags are
 * doubles: an unsigned char array makes GCC pick 16- or 32-lane loops of doubles split
 * over many narrow registers, about twice as slow.
 * American options and delta-one contracts are valued with the scalar functions.
 *
 * Every chunk is padded to a multiple of 16 elements and the kernels run over the
 * padded length, so each element goes through the same vector code whatever its
 * position: the value now and the value in a scenario with no move, no vol shock
 * and dt == 0 are then bit-identical, and such a scenario has a P&L of exactly 0.
 *
 * Instruction sets and compiler flags: lib/simd.h.
 */
#include <string.h>
#include "portfolio.h"
#include "simd.h"

/*---------------------------------------------------------------- chunk preparation */

void mgn__chunk_add(mgn__chunk *c, size_t idx, const mgn_position *p, const mgn_market *m,
                    double dt)
{
    size_t i = c->n++;
    c->idx[i] = idx;
    c->u[i] = p->underlying;
    c->type[i] = p->option_type;
    c->th[i] = p->option_type == MGN_CALL ? 1.0 : -1.0;
    c->K[i] = p->strike;
    c->S[i] = m->spot;
    c->T[i] = p->expiry;
    c->T1[i] = p->expiry > dt ? p->expiry - dt : 0.0;
    c->r[i] = m->rate;
    c->q[i] = m->carry;
    c->sig[i] = p->vol;
    c->coef[i] = p->quantity * p->multiplier;
    c->inv[i] = p->settlement == MGN_INVERSE ? 1.0 : 0.0;
}

/*---------------------------------------------------------------- far wings */

/* The marked elements of a chunk, a block of scenarios or a flattened block (at most
   MGN__WING_N) go through the far-wing pass (lib/simd.h) before the scalar pricer. The
   value now of a chunk (chunk_prepare) takes the same path as its values after a
   move, so a scenario that changes nothing has a P&L of exactly 0. */

/* Element i of the chunk after the move (spot Sx, vol sig, time T1). */
static void wing_add_later(mgn__wing_buf *w, size_t dst, const mgn__chunk *c, size_t i, double Sx,
                           double sig)
{
    mgn__wing_add(w, dst, c->type[i], Sx, c->K[i], c->T1[i], c->r[i], c->q[i], sig);
}

/* Every gathered element's value into w->v: the vector pass, then the scalar pricer
   for what it left. MGN_ERANGE where a value or a shocked spot is not finite. */
static int wing_run(mgn__wing_buf *w)
{
    mgn__wing_pass(w);
    for (size_t k = 0; k < w->n; k++) {
        if (w->done[k] != 0)
            continue;
        double v = mgn__bs_price(w->type[k], w->S[k], w->K[k], w->T[k], w->r[k], w->q[k],
                                 w->sig[k]);
        if (!isfinite(v) || !isfinite(w->S[k]))
            return MGN_ERANGE;
        w->v[k] = v;
    }
    return MGN_OK;
}

/* Vector pass of the preparation: time sets, value and (with_delta) delta now. The
   value now gets the same bits with or without the delta. */
static MGN_ALWAYS_INLINE void prep_body(size_t n, mgn__chunk *restrict c, double *restrict fix,
                                        const int with_delta)
{
MGN_SIMD_LOOP
    for (size_t i = 0; i < n; i++) {
        double S = c->S[i], K = c->K[i], T = c->T[i], T1 = c->T1[i], r = c->r[i], q = c->q[i];
        double th = c->th[i], sig = c->sig[i];
        double ratio = S / K;
        int slow = !((ratio >= DBL_MIN) & (ratio <= DBL_MAX));
        double lnSK = log(slow ? 1.0 : ratio);
        double eq = exp(-q * T);
        c->now.x0[i] = lnSK + mgn__carry_exponent(r, q, T);
        c->now.sqT[i] = sqrt(T);
        c->now.Sc[i] = S * eq;
        c->now.Kr[i] = K * exp(-r * T);
        c->later.x0[i] = lnSK + mgn__carry_exponent(r, q, T1);
        c->later.sqT[i] = sqrt(T1);
        c->later.Sc[i] = S * exp(-q * T1);
        c->later.Kr[i] = K * exp(-r * T1);
        /* value (and delta) now */
        double sqT = c->now.sqT[i];
        int expd = sqT == 0;
        double s = sig * sqT;
        int bad0 = slow | ((s == 0) & (!expd));
        double ss = (expd | (s == 0)) ? 1.0 : s;
        int bad;
        double x = c->now.x0[i];
        double price = mgn__black_core(th, x, ss, c->now.Sc[i], c->now.Kr[i], &bad);
        double intr = th * (S - K);
        intr = intr > 0 ? intr : 0.0;
        c->base[i] = expd ? intr : price;
        if (with_delta) {
            double d1 = x / ss + 0.5 * ss;
            double delta = th * eq * 0.5 * mgn__erfc_v(-th * d1 * MGN_SQRT1_2);
            double dexp = S == K ? 0.5 * th : (th * (S - K) > 0 ? th : 0.0);
            c->delta[i] = expd ? dexp : delta;
            fix[i] = expd ? 0.0 : (double)(bad | bad0 | (!mgn__finite_any(delta)));
        } else {
            fix[i] = expd ? 0.0 : (double)(bad | bad0);
        }
    }
}

MGN_MULTIVERSION
static void prep_kernel(size_t n, mgn__chunk *restrict c, double *restrict fix)
{
    prep_body(n, c, fix, 1);
}

MGN_MULTIVERSION
static void prep_kernel_nodelta(size_t n, mgn__chunk *restrict c, double *restrict fix)
{
    prep_body(n, c, fix, 0);
}

/* with_delta == 0 (mgn_scenario_pnl): c->delta is left unset. */
static int chunk_prepare(mgn__chunk *c, int with_delta)
{
    double fix[MGN__CH];
    size_t n = c->n, n16 = (n + 15) & ~(size_t)15;
    for (size_t i = n; i < n16; i++) {      /* stand-ins */
        c->idx[i] = 0;
        c->u[i] = 0;
        c->type[i] = MGN_CALL;
        c->th[i] = 1;
        c->K[i] = c->S[i] = c->T[i] = c->T1[i] = 1;
        c->r[i] = c->q[i] = 0;
        c->sig[i] = 0.2;
        c->coef[i] = c->inv[i] = 0;
    }
    c->n16 = n16;
    if (with_delta)
        prep_kernel(n16, c, fix);
    else
        prep_kernel_nodelta(n16, c, fix);
    mgn__wing_buf w;
    w.n = 0;
    for (size_t i = 0; i < n; i++) {
        double S = c->S[i], K = c->K[i], T = c->T[i], r = c->r[i], q = c->q[i], sig = c->sig[i];
        /* Scalar pricing too where S e^{-q T1} is below DBL_MIN: it has lost the bits
           that a scenario's move f would bring back into the normal range through
           (S e^{-q T1}) f. Likewise for a subnormal S, whose moved spot S f, rounded
           to a few bits, is the spot the P&L is defined with (the kernels price at
           the exact S f). The value now likewise, so that a scenario without any
           change still has a P&L of exactly 0. */
        int slow = !isnormal(S / K) || !(c->later.Sc[i] >= DBL_MIN) || !(S >= DBL_MIN);
        if (slow)                 /* the scenario kernels send NaN x0 to the scalar pass */
            c->later.x0[i] = NAN;
        if (fix[i] != 0 || slow) {
            mgn__wing_add(&w, i, c->type[i], S, K, T, r, q, sig);
            if (with_delta) {
                c->delta[i] = mgn__euro_delta(c->th[i], S, K, T, r, q, sig);
                if (!isfinite(c->delta[i]))
                    return MGN_ERANGE;
            }
        }
    }
    int st = wing_run(&w);
    if (st != MGN_OK)
        return st;
    for (size_t k = 0; k < w.n; k++)
        c->base[w.dst[k]] = w.v[k];
    for (size_t i = 0; i < n; i++)
        if (c->inv[i] != 0)
            c->base[i] /= c->S[i];
    return MGN_OK;
}

int mgn__chunk_prepare(mgn__chunk *c)
{
    return chunk_prepare(c, 1);
}

void mgn__chunk_vols(const mgn__chunk *c, double dv, double *sig)
{
    size_t n16 = c->n16;
    if (dv == 0) {
        memcpy(sig, c->sig, n16 * sizeof *sig);
        return;
    }
    for (size_t i = 0; i < n16; i++) {
        double s = c->sig[i] + dv;
        sig[i] = s > MGN_VOL_FLOOR ? s : MGN_VOL_FLOOR;
    }
}

/*---------------------------------------------------------------- scenario kernels */

MGN_MULTIVERSION
static void price_uni(size_t n, const mgn__chunk *restrict c, double f, double lf,
                      const double *restrict sig, double *restrict out,
                      double *restrict fix)
{
MGN_SIMD_LOOP
    for (size_t i = 0; i < n; i++) {
        double sqT = c->later.sqT[i], th = c->th[i];
        int expd = sqT == 0;
        double s = sig[i] * sqT;
        double x = c->later.x0[i] + lf;
        int bad0 = ((s == 0) & (!expd)) | (!mgn__finite_any(x));
        double ss = (expd | (s == 0)) ? 1.0 : s;
        x = mgn__finite_any(x) ? x : 0.0;
        int bad;
        double price = mgn__black_core(th, x, ss, c->later.Sc[i] * f, c->later.Kr[i], &bad);
        double intr = th * (c->S[i] * f - c->K[i]);
        intr = intr > 0 ? intr : 0.0;
        out[i] = expd ? intr : price;
        fix[i] = expd ? 0.0 : (double)(bad | bad0);
    }
}

MGN_MULTIVERSION
static void price_arr(size_t n, const mgn__chunk *restrict c, const double *restrict fa,
                      const double *restrict lfa, const double *restrict sig,
                      double *restrict out, double *restrict fix)
{
MGN_SIMD_LOOP
    for (size_t i = 0; i < n; i++) {
        double sqT = c->later.sqT[i], th = c->th[i], f = fa[i];
        int expd = sqT == 0;
        double s = sig[i] * sqT;
        double x = c->later.x0[i] + lfa[i];
        int bad0 = ((s == 0) & (!expd)) | (!mgn__finite_any(x));
        double ss = (expd | (s == 0)) ? 1.0 : s;
        x = mgn__finite_any(x) ? x : 0.0;
        int bad;
        double price = mgn__black_core(th, x, ss, c->later.Sc[i] * f, c->later.Kr[i], &bad);
        double intr = th * (c->S[i] * f - c->K[i]);
        intr = intr > 0 ? intr : 0.0;
        out[i] = expd ? intr : price;
        fix[i] = expd ? 0.0 : (double)(bad | bad0);
    }
}

MGN_MULTIVERSION
static void log_kernel(size_t n, const double *restrict f, double *restrict lf)
{
MGN_SIMD_LOOP
    for (size_t i = 0; i < n; i++)
        lf[i] = log(f[i]);
}

/* In pieces of at most 64, each padded to a multiple of 16 with f = 1, so that no
   move is taken by a scalar remainder loop (whose log could give other bits). */
void mgn__log_moves(size_t n, const double *f, double *lf)
{
    double fb[64], lb[64];
    for (size_t i0 = 0; i0 < n; i0 += 64) {
        size_t m = n - i0;
        if (m > 64)
            m = 64;
        size_t m16 = (m + 15) & ~(size_t)15;
        for (size_t i = 0; i < m16; i++)
            fb[i] = i < m ? f[i0 + i] : 1.0;
        log_kernel(m16, fb, lb);
        for (size_t i = 0; i < m; i++)
            lf[i0 + i] = lb[i];
    }
}

/* Prices the gathered elements into their rows. A failure is kept in b->st, for
   mgn__block_finish to report (the block's values are then not used). */
static void block_flush(mgn__price_block *b)
{
    mgn__wing_buf *w = &b->wing;
    int st = wing_run(w);
    double *price = &b->price[0][0];
    if (st == MGN_OK)
        for (size_t k = 0; k < w->n; k++)
            price[w->dst[k]] = w->v[k];
    else
        b->st = st;
    w->n = 0;
}

int mgn__block_finish(mgn__price_block *b)
{
    block_flush(b);
    return b->st;
}

void mgn__block_add(const mgn__chunk *c, mgn__price_block *b, double f, double lf,
                    const double *fa, const double *lfa, const double *sig)
{
    if (b->wing.n + c->n > MGN__WING_N)     /* no room for this scenario's: run the pass */
        block_flush(b);
    double fix[MGN__CH];
    unsigned short at[MGN__CH];
#ifdef __clang_analyzer__
    memset(at, 0, sizeof at);   /* mgn__marked() writes at[0..count) before it is read */
#endif
    double *price = b->price[b->m];
    if (fa)
        price_arr(c->n16, c, fa, lfa, sig, price, fix);
    else
        price_uni(c->n16, c, f, lf, sig, price, fix);
    size_t nm = mgn__marked(c->n, fix, at);
    for (size_t k = 0; k < nm; k++) {
        size_t i = at[k];
        wing_add_later(&b->wing, b->m * MGN__CH + i, c, i, c->S[i] * (fa ? fa[i] : f), sig[i]);
    }
    b->m++;
}

MGN_MULTIVERSION
void mgn__chunk_pnl(const mgn__chunk *c, double f, const double *fa, const double *price,
                    double *pl)
{
    size_t n = c->n16;
    if (fa) {
MGN_SIMD_LOOP
        for (size_t i = 0; i < n; i++) {
            double Sx = c->S[i] * fa[i];
            double lin = c->coef[i] * (price[i] - c->base[i]);
            double inv = c->coef[i] * (price[i] / Sx - c->base[i]) * Sx;
            pl[i] = c->inv[i] != 0 ? inv : lin;
        }
    } else {
MGN_SIMD_LOOP
        for (size_t i = 0; i < n; i++) {
            double Sx = c->S[i] * f;
            double lin = c->coef[i] * (price[i] - c->base[i]);
            double inv = c->coef[i] * (price[i] / Sx - c->base[i]) * Sx;
            pl[i] = c->inv[i] != 0 ? inv : lin;
        }
    }
}

void mgn__block_pnl(const mgn__chunk *c, mgn__price_block *b, const double *f,
                    const double *fa, double sign, double *sum)
{
    size_t m = b->m, n = c->n;
    for (size_t k = 0; k < m; k++)
        if (f)
            mgn__chunk_pnl(c, f[k], NULL, b->price[k], b->price[k]);
        else
            mgn__chunk_pnl(c, 0, fa + k * MGN__CH, b->price[k], b->price[k]);
    if (!sum)
        return;
    for (size_t k = 0; k < m; k++)
        sum[k] = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < m; k++)
            sum[k] += sign * b->price[k][i];
}

int mgn__block_losses(const mgn__chunk *c, mgn__price_block *b, size_t nb, const double *f,
                      const double *lf, const double *vsign, const double *up,
                      const double *dn, double *loss)
{
    int st;
    mgn__block_reset(b);
    for (size_t j = 0; j < nb; j++)
        mgn__block_add(c, b, f[j], lf[j], NULL, NULL,
                       vsign[j] > 0 ? up : vsign[j] < 0 ? dn : c->sig);
    if ((st = mgn__block_finish(b)) != MGN_OK)
        return st;
    mgn__block_pnl(c, b, f, NULL, -1.0, loss);
    return MGN_OK;
}

/*---------------------------------------------------------------- across scenarios */

/* A chunk with few positions and many scenarios is valued position by position, with
   a vector loop over a block of SCEN_SB scenarios of the position's underlying (the
   moves f, their logarithms and the vol shocks, prepared once per block and
   underlying). The loop runs the element arithmetic of price_uni and
   mgn__chunk_pnl in the same order, so every element gets the same bits on either
   path; a block is padded to a multiple of 16 with the zero scenario. */
#define SCEN_SB 64          /* scenarios per block (multiple of 16) */
#define SCEN_NU 8           /* at most this many underlyings in a chunk */

/* Flattened (small products): a block of whole scenarios, lane s * n + i for scenario
   s of the block and element i of the chunk, padded once to a multiple of 16 with
   stand-ins (a zero-quantity at-the-money call, no move). Same element arithmetic as
   scen_kernel, hence the same bits. */
#define FLAT_B 256          /* lanes per block (multiple of 16, >= MGN__CH) */

typedef struct flat_lanes {
    double th[FLAT_B], x0[FLAT_B], sqT[FLAT_B], Sc[FLAT_B], Kr[FLAT_B], S[FLAT_B], K[FLAT_B];
    double sig[FLAT_B], coef[FLAT_B], base[FLAT_B], inv[FLAT_B];
    double f[FLAT_B], lf[FLAT_B], dv[FLAT_B];
} flat_lanes;

typedef struct scen_work {
    int ud[MGN__CH];                            /* distinct underlyings of the chunk */
    unsigned char slot[MGN__CH];                /* element -> index into ud */
    double fu[MGN__CH], lfu[MGN__CH], dvu[MGN__CH];
    double lfa[MGN__CH], sig[MGN__CH];
    union {                     /* what only one of the three layouts needs */
        double fa[MGN__SB][MGN__CH];    /* across positions: the block's moves per element */
        struct {                /* across scenarios: per underlying of the chunk, the block's moves */
            double f[SCEN_NU][SCEN_SB], lf[SCEN_NU][SCEN_SB], dv[SCEN_NU][SCEN_SB];
        } mv;
        flat_lanes fl;          /* flattened: one lane per (scenario, position) of a block */
    } u;
    double conv[SCEN_SB], acc[SCEN_SB], bpl[SCEN_SB], bfix[SCEN_SB];
    double fpl[FLAT_B], ffix[FLAT_B], fconv[FLAT_B], fs[FLAT_B], lfs[FLAT_B], dvs[FLAT_B];
    unsigned short at[FLAT_B];  /* the marked lanes of a kernel's pass (mgn__marked()) */
    mgn__price_block blk;       /* across positions: a block's prices; the others use
                                   its buffer for their marked lanes */
} scen_work;

/* One position over m (a multiple of 16) scenarios: pl[s] = its P&L per unit of
   quantity * multiplier in quote, fix[s] != 0 where the scalar pricer must redo it. */
typedef struct scen_pos {
    double th, x0, sqT, Sc, Kr, S, K, sig, coef, base, inv;
} scen_pos;

MGN_MULTIVERSION
static void scen_kernel(size_t m, const scen_pos *restrict pp, const double *restrict fv,
                        const double *restrict lfv, const double *restrict dvv,
                        double *restrict pl, double *restrict fix)
{
    const double th = pp->th, x0 = pp->x0, sqT = pp->sqT, Sc = pp->Sc, Kr = pp->Kr;
    const double S = pp->S, K = pp->K, sig = pp->sig, coef = pp->coef, base = pp->base;
    const double invf = pp->inv;
MGN_SIMD_LOOP
    for (size_t j = 0; j < m; j++) {
        double f = fv[j], dv = dvv[j];
        double sv = sig + dv;
        sv = sv > MGN_VOL_FLOOR ? sv : MGN_VOL_FLOOR;
        sv = dv == 0 ? sig : sv;
        int expd = sqT == 0;
        double s = sv * sqT;
        double x = x0 + lfv[j];
        int bad0 = ((s == 0) & (!expd)) | (!mgn__finite_any(x));
        double ss = (expd | (s == 0)) ? 1.0 : s;
        x = mgn__finite_any(x) ? x : 0.0;
        int bad;
        double price = mgn__black_core(th, x, ss, Sc * f, Kr, &bad);
        double intr = th * (S * f - K);
        intr = intr > 0 ? intr : 0.0;
        price = expd ? intr : price;
        double Sx = S * f;
        double lin = coef * (price - base);
        double inv = coef * (price / Sx - base) * Sx;
        pl[j] = invf != 0 ? inv : lin;
        fix[j] = expd ? 0.0 : (double)(bad | bad0);
    }
}

static int across_scenarios(const mgn__chunk *c, scen_work *w, size_t nd,
                            const mgn_market *mkt, size_t n_mkt, const mgn_shock *shocks,
                            size_t n_scen, int currency, double *pnl, size_t n_pos,
                            int matrix)
{
    for (size_t s0 = 0; s0 < n_scen; s0 += SCEN_SB) {
        size_t m = n_scen - s0;
        if (m > SCEN_SB)
            m = SCEN_SB;
        size_t m16 = (m + 15) & ~(size_t)15;
        for (size_t k = 0; k < nd; k++) {
            const mgn_shock *sh = shocks + s0 * n_mkt + (size_t)w->ud[k];
            for (size_t j = 0; j < m; j++) {
                w->u.mv.f[k][j] = 1 + sh[j * n_mkt].price;
                w->u.mv.dv[k][j] = sh[j * n_mkt].vol;
            }
            mgn__log_moves(m, w->u.mv.f[k], w->u.mv.lf[k]);
            for (size_t j = m; j < m16; j++) {
                w->u.mv.f[k][j] = 1.0;
                w->u.mv.lf[k][j] = 0.0;
                w->u.mv.dv[k][j] = 0.0;
            }
        }
        for (size_t j = 0; j < m; j++) {
            const mgn_shock *row = shocks + (s0 + j) * n_mkt;
            w->conv[j] = currency == MGN_QUOTE ? 1.0
                       : 1.0 / (mkt[currency].spot * (1 + row[currency].price));
            w->acc[j] = 0;
        }
        for (size_t i = 0; i < c->n; i++) {
            size_t k = w->slot[i];
            scen_pos pp = { c->th[i], c->later.x0[i], c->later.sqT[i], c->later.Sc[i],
                            c->later.Kr[i], c->S[i], c->K[i], c->sig[i], c->coef[i],
                            c->base[i], c->inv[i] };
            const double *fv = w->u.mv.f[k], *dvv = w->u.mv.dv[k];
            scen_kernel(m16, &pp, fv, w->u.mv.lf[k], dvv, w->bpl, w->bfix);
            mgn__wing_buf *wb = &w->blk.wing;
            wb->n = 0;
            size_t nm = mgn__marked(m, w->bfix, w->at);
            for (size_t e = 0; e < nm; e++) {
                size_t j = w->at[e];
                wing_add_later(wb, j, c, i, c->S[i] * fv[j], mgn__shock_vol(c->sig[i], dvv[j]));
            }
            int st = wing_run(wb);
            if (st != MGN_OK)
                return st;
            for (size_t e = 0; e < wb->n; e++) {
                double v = wb->v[e], Sx = wb->S[e];
                double lin = c->coef[i] * (v - c->base[i]);
                double inv = c->coef[i] * (v / Sx - c->base[i]) * Sx;
                w->bpl[wb->dst[e]] = c->inv[i] != 0 ? inv : lin;
            }
            if (matrix) {
                double *o = pnl + s0 * n_pos + c->idx[i];
                for (size_t j = 0; j < m; j++)
                    o[j * n_pos] = w->bpl[j] * w->conv[j];
            } else {
                for (size_t j = 0; j < m; j++)
                    w->acc[j] += w->bpl[j];
            }
        }
        if (!matrix)
            for (size_t j = 0; j < m; j++)
                pnl[s0 + j] += w->acc[j] * w->conv[j];
    }
    return MGN_OK;
}

/*---------------------------------------------------------------- flattened */

#ifdef MGN_VECTOR_KERNELS
#define FLAT_OR_LOOP _Pragma("omp simd reduction(|:any)")
#else
#define FLAT_OR_LOOP
#endif

/* Returns 1 when a lane is marked for the scalar pricer. */
MGN_MULTIVERSION
static int flat_kernel(size_t m, const flat_lanes *restrict b, double *restrict pl,
                       double *restrict fix)
{
MGN_SIMD_LOOP
    for (size_t j = 0; j < m; j++) {
        double th = b->th[j], sqT = b->sqT[j], sig = b->sig[j];
        double S = b->S[j], K = b->K[j], coef = b->coef[j], base = b->base[j];
        double f = b->f[j], dv = b->dv[j];
        double sv = sig + dv;
        sv = sv > MGN_VOL_FLOOR ? sv : MGN_VOL_FLOOR;
        sv = dv == 0 ? sig : sv;
        int expd = sqT == 0;
        double s = sv * sqT;
        double x = b->x0[j] + b->lf[j];
        int bad0 = ((s == 0) & (!expd)) | (!mgn__finite_any(x));
        double ss = (expd | (s == 0)) ? 1.0 : s;
        x = mgn__finite_any(x) ? x : 0.0;
        int bad;
        double price = mgn__black_core(th, x, ss, b->Sc[j] * f, b->Kr[j], &bad);
        double intr = th * (S * f - K);
        intr = intr > 0 ? intr : 0.0;
        price = expd ? intr : price;
        double Sx = S * f;
        double lin = coef * (price - base);
        double inv = coef * (price / Sx - base) * Sx;
        pl[j] = b->inv[j] != 0 ? inv : lin;
        fix[j] = expd ? 0.0 : (double)(bad | bad0);
    }
    int any = 0;
FLAT_OR_LOOP
    for (size_t j = 0; j < m; j++)
        any |= fix[j] != 0;
    return any;
}

#if defined(__GNUC__) && !defined(__clang__)
#define FLAT_NO_MEMCPY __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define FLAT_NO_MEMCPY
#endif

/* The elements' data in lanes 0..m-1 (m a multiple of n): lanes 0..n-1 copied from
   the chunk, then doubled. The same in every block, so filled once per call. Plain
   vector copies: GCC would otherwise turn each loop into a call of memcpy. */
#define FLAT_COPY(dst, src, k) \
    MGN_SIMD_LOOP for (size_t i_ = 0; i_ < (k); i_++) (dst)[i_] = (src)[i_];

MGN_MULTIVERSION FLAT_NO_MEMCPY
static void flat_fill_pos(size_t n, size_t m, const mgn__chunk *restrict c,
                          flat_lanes *restrict b)
{
    FLAT_COPY(b->th, c->th, n)
    FLAT_COPY(b->x0, c->later.x0, n)
    FLAT_COPY(b->sqT, c->later.sqT, n)
    FLAT_COPY(b->Sc, c->later.Sc, n)
    FLAT_COPY(b->Kr, c->later.Kr, n)
    FLAT_COPY(b->S, c->S, n)
    FLAT_COPY(b->K, c->K, n)
    FLAT_COPY(b->sig, c->sig, n)
    FLAT_COPY(b->coef, c->coef, n)
    FLAT_COPY(b->base, c->base, n)
    FLAT_COPY(b->inv, c->inv, n)
    for (size_t l = n; l < m; ) {
        size_t k = m - l < l ? m - l : l;
        FLAT_COPY(b->th + l, b->th, k)
        FLAT_COPY(b->x0 + l, b->x0, k)
        FLAT_COPY(b->sqT + l, b->sqT, k)
        FLAT_COPY(b->Sc + l, b->Sc, k)
        FLAT_COPY(b->Kr + l, b->Kr, k)
        FLAT_COPY(b->S + l, b->S, k)
        FLAT_COPY(b->K + l, b->K, k)
        FLAT_COPY(b->sig + l, b->sig, k)
        FLAT_COPY(b->coef + l, b->coef, k)
        FLAT_COPY(b->base + l, b->base, k)
        FLAT_COPY(b->inv + l, b->inv, k)
        l += k;
    }
}

/* The moves of lanes l..l+n-1 (one scenario): f1, lf1, dv1 for a chunk on one
   underlying, else w->fu, lfu, dvu by slot. */
MGN_MULTIVERSION FLAT_NO_MEMCPY
static void flat_fill(size_t n, size_t l, flat_lanes *restrict b, size_t nd, double f1,
                      double lf1, double dv1, const scen_work *restrict w)
{
    if (nd == 1) {
MGN_SIMD_LOOP
        for (size_t i = 0; i < n; i++) {
            b->f[l + i] = f1;
            b->lf[l + i] = lf1;
            b->dv[l + i] = dv1;
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            size_t k = w->slot[i];
            b->f[l + i] = w->fu[k];
            b->lf[l + i] = w->lfu[k];
            b->dv[l + i] = w->dvu[k];
        }
    }
}

/* Padded lanes of flat_scenarios for n elements and n_scen scenarios. */
static double flat_lane_count(size_t n, size_t n_scen)
{
    size_t spb = FLAT_B / n, rest = n_scen % spb;
    return (double)(n_scen / spb) * (double)((spb * n + 15) & ~(size_t)15)
         + (double)((rest * n + 15) & ~(size_t)15);
}

static int flat_scenarios(const mgn__chunk *c, scen_work *w, size_t nd,
                          const mgn_market *mkt, size_t n_mkt, const mgn_shock *shocks,
                          size_t n_scen, int currency, double *pnl, size_t n_pos, int matrix)
{
    size_t n = c->n, spb = FLAT_B / n;
    flat_lanes *b = &w->u.fl;
    flat_fill_pos(n, (n_scen < spb ? n_scen : spb) * n, c, b);
    for (size_t s0 = 0; s0 < n_scen; s0 += spb) {
        size_t ms = n_scen - s0 < spb ? n_scen - s0 : spb;
        size_t m = ms * n, m16 = (m + 15) & ~(size_t)15;
        if (nd == 1) {          /* moves first: the logarithms overlap */
            const mgn_shock *sh = shocks + s0 * n_mkt + (size_t)c->u[0];
            for (size_t j = 0; j < ms; j++) {
                w->fs[j] = 1 + sh[j * n_mkt].price;
                w->dvs[j] = sh[j * n_mkt].vol;
            }
            mgn__log_moves(ms, w->fs, w->lfs);
        }
        for (size_t j = 0, l = 0; j < ms; j++, l += n) {
            const mgn_shock *row = shocks + (s0 + j) * n_mkt;
            w->fconv[j] = currency == MGN_QUOTE ? 1.0
                        : 1.0 / (mkt[currency].spot * (1 + row[currency].price));
            if (nd != 1) {
                for (size_t k = 0; k < nd; k++) {
                    w->fu[k] = 1 + row[w->ud[k]].price;
                    w->dvu[k] = row[w->ud[k]].vol;
                }
                mgn__log_moves(nd, w->fu, w->lfu);
            }
            if (nd == 1)
                flat_fill(n, l, b, nd, w->fs[j], w->lfs[j], w->dvs[j], w);
            else
                flat_fill(n, l, b, nd, 0, 0, 0, w);
        }
        for (size_t l = m; l < m16; l++) {  /* stand-ins */
            b->th[l] = 1;
            b->x0[l] = 0;
            b->sqT[l] = b->Sc[l] = b->Kr[l] = b->S[l] = b->K[l] = 1;
            b->sig[l] = 0.2;
            b->coef[l] = b->base[l] = b->inv[l] = 0;
            b->f[l] = 1;
            b->lf[l] = b->dv[l] = 0;
        }
        int any = flat_kernel(m16, b, w->fpl, w->ffix);
        if (any) {
            mgn__wing_buf *wb = &w->blk.wing;
            wb->n = 0;
            size_t nm = mgn__marked(m, w->ffix, w->at);
            for (size_t k = 0; k < nm; k++) {
                size_t l = w->at[k], i = l % n;
                wing_add_later(wb, l, c, i, c->S[i] * b->f[l], mgn__shock_vol(c->sig[i], b->dv[l]));
            }
            int st = wing_run(wb);
            if (st != MGN_OK)
                return st;
            for (size_t k = 0; k < wb->n; k++) {
                size_t l = wb->dst[k], i = l % n;
                double v = wb->v[k], Sx = wb->S[k];
                double lin = c->coef[i] * (v - c->base[i]);
                double inv = c->coef[i] * (v / Sx - c->base[i]) * Sx;
                w->fpl[l] = c->inv[i] != 0 ? inv : lin;
            }
        }
        const double *pl = w->fpl;
        if (matrix) {
            for (size_t j = 0; j < ms; j++, pl += n) {
                double *o = pnl + (s0 + j) * n_pos, cv = w->fconv[j];
                for (size_t i = 0; i < n; i++)
                    o[c->idx[i]] = pl[i] * cv;
            }
        } else {
            /* per scenario the sum over i in order, scenarios interleaved */
            for (size_t j = 0; j < ms; j++)
                w->fs[j] = 0;
            for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < ms; j++)
                    w->fs[j] += pl[j * n + i];
            for (size_t j = 0; j < ms; j++)
                pnl[s0 + j] += w->fs[j] * w->fconv[j];
        }
    }
    return MGN_OK;
}

/*---------------------------------------------------------------- public */

static int check_shocks(const mgn_market *mkt, size_t n_mkt, const mgn_shock *shocks,
                        size_t n_scen)
{
    if (n_scen * n_mkt == 0)
        return MGN_OK;
    if (!shocks)
        return MGN_EINVAL;
    /* row by row: an index k % n_mkt per shock cost an integer division each (3% of a
       10-position, 100-scenario call on 4 underlyings) */
    for (size_t s = 0; s < n_scen; s++) {
        const mgn_shock *row = shocks + s * n_mkt;
        for (size_t u = 0; u < n_mkt; u++) {
            double dp = row[u].price, dv = row[u].vol;
            if (!(isfinite(dp) && dp > -1 && isfinite(dv)))
                return MGN_EINVAL;
            double S1 = mkt[u].spot * (1 + dp);
            if (!(isfinite(S1) && S1 > 0))
                return MGN_ERANGE;
        }
    }
    return MGN_OK;
}

/* Common driver: pnl[s] (matrix == 0) or pnl[s * n_pos + i] (matrix == 1). */
static int scenario_run(const mgn_market *mkt, size_t n_mkt, const mgn_position *pos,
                        size_t n_pos, const mgn_shock *shocks, size_t n_scen, double dt,
                        int currency, double *pnl, int matrix)
{
    int st;
    if ((st = mgn__check_markets(mkt, n_mkt)) != MGN_OK)
        return st;
    if (!mgn__currency_ok(currency, n_mkt) || !isfinite(dt) || dt < 0)
        return MGN_EINVAL;
    if ((st = mgn__check_positions(pos, n_pos, n_mkt)) != MGN_OK)
        return st;
    if (n_mkt > 0 && n_scen > SIZE_MAX / n_mkt)
        return MGN_ERANGE;
    if (matrix && n_pos > 0 && n_scen > SIZE_MAX / sizeof(double) / n_pos)
        return MGN_ERANGE;
    if (!matrix && n_scen > SIZE_MAX / sizeof(double))
        return MGN_ERANGE;
    if ((st = check_shocks(mkt, n_mkt, shocks, n_scen)) != MGN_OK)
        return st;
    if (n_scen == 0)
        return MGN_OK;
    if (!pnl)
        return MGN_EINVAL;
    if (matrix && n_pos == 0)
        return MGN_OK;

    if (!matrix)
        memset(pnl, 0, n_scen * sizeof *pnl);

    /* European options, in chunks. */
    mgn__chunk c;
    scen_work w;
#ifdef __clang_analyzer__
    /* mgn__log_moves writes the logarithms the loops below read; the analyzer loses
       track of that through its loops */
    memset(&w, 0, sizeof w);
#endif
    size_t next = 0;
    while (next < n_pos) {
        mgn__chunk_reset(&c);
        for (; next < n_pos && c.n < MGN__CH; next++) {
            const mgn_position *p = &pos[next];
            if (p->instrument == MGN_OPTION && p->exercise == MGN_EUROPEAN)
                mgn__chunk_add(&c, next, p, &mkt[p->underlying], dt);
        }
        if (c.n == 0)
            break;
        if ((st = chunk_prepare(&c, 0)) != MGN_OK)
            goto fail;
        MGN_ANALYZER_ASSUME(c.n > 0 && c.n <= c.n16);    /* chunk_prepare changes neither */
        /* the chunk's distinct underlyings: w.ud[k], element i on w.ud[w.slot[i]] */
        size_t nd = 0;
        for (size_t i = 0; i < c.n; i++) {
            size_t k = 0;
            while (k < nd && w.ud[k] != c.u[i])
                k++;
            if (k == nd)
                w.ud[nd++] = c.u[i];
            w.slot[i] = (unsigned char)k;
        }
        /* The layout that runs the fewest padded lanes: across positions, across
           scenarios, or flattened (whose copies cost about 1/7 of a lane). */
        size_t n16 = c.n16, s16 = (n_scen + 15) & ~(size_t)15;
        double lanes_pos = (double)n16 * (double)n_scen;
        double lanes_scen = nd <= SCEN_NU ? (double)s16 * (double)c.n : lanes_pos;
        double lanes_min = lanes_scen < lanes_pos ? lanes_scen : lanes_pos;
        if (8 * flat_lane_count(c.n, n_scen) < 7 * lanes_min) {
            if ((st = flat_scenarios(&c, &w, nd, mkt, n_mkt, shocks, n_scen, currency,
                                     pnl, n_pos, matrix)) != MGN_OK)
                goto fail;
            continue;
        }
        if (lanes_scen < lanes_pos) {
            if ((st = across_scenarios(&c, &w, nd, mkt, n_mkt, shocks, n_scen, currency,
                                       pnl, n_pos, matrix)) != MGN_OK)
                goto fail;
            continue;
        }
        for (size_t s0 = 0; s0 < n_scen; s0 += MGN__SB) {
            size_t ms = n_scen - s0;
            if (ms > MGN__SB)
                ms = MGN__SB;
            mgn__block_reset(&w.blk);
            if (nd == 1) {
                for (size_t j = 0; j < ms; j++)
                    w.fs[j] = 1 + shocks[(s0 + j) * n_mkt + (size_t)c.u[0]].price;
                mgn__log_moves(ms, w.fs, w.lfs);
            }
            for (size_t j = 0; j < ms; j++) {
                const mgn_shock *row = shocks + (s0 + j) * n_mkt;
                if (nd == 1) {
                    mgn__chunk_vols(&c, row[c.u[0]].vol, w.sig);
                    mgn__block_add(&c, &w.blk, w.fs[j], w.lfs[j], NULL, NULL, w.sig);
                } else {
                    double *fa = w.u.fa[j];
                    for (size_t k = 0; k < nd; k++) {
                        w.fu[k] = 1 + row[w.ud[k]].price;
                        w.dvu[k] = row[w.ud[k]].vol;
                    }
                    mgn__log_moves(nd, w.fu, w.lfu);
                    for (size_t i = 0; i < c.n; i++) {
                        size_t k = w.slot[i];
                        fa[i] = w.fu[k];
                        w.lfa[i] = w.lfu[k];
                        w.sig[i] = mgn__shock_vol(c.sig[i], w.dvu[k]);
                    }
                    for (size_t i = c.n; i < n16; i++) {
                        fa[i] = 1.0;
                        w.lfa[i] = 0.0;
                        w.sig[i] = c.sig[i];
                    }
                    mgn__block_add(&c, &w.blk, 0, 0, fa, w.lfa, w.sig);
                }
            }
            if ((st = mgn__block_finish(&w.blk)) != MGN_OK)
                goto fail;
            for (size_t j = 0; j < ms; j++) {
                const mgn_shock *row = shocks + (s0 + j) * n_mkt;
                w.conv[j] = currency == MGN_QUOTE ? 1.0
                          : 1.0 / (mkt[currency].spot * (1 + row[currency].price));
            }
            mgn__block_pnl(&c, &w.blk, nd == 1 ? w.fs : NULL, &w.u.fa[0][0], 1.0,
                           matrix ? NULL : w.acc);
            if (matrix) {
                for (size_t j = 0; j < ms; j++) {
                    double *o = pnl + (s0 + j) * n_pos;
                    for (size_t i = 0; i < c.n; i++)
                        o[c.idx[i]] = w.blk.price[j][i] * w.conv[j];
                }
            } else {
                for (size_t j = 0; j < ms; j++)
                    pnl[s0 + j] += w.acc[j] * w.conv[j];
            }
        }
    }

    /* American options and delta-one contracts, one at a time. */
    for (size_t i = 0; i < n_pos; i++) {
        const mgn_position *p = &pos[i];
        if (p->instrument == MGN_OPTION && p->exercise == MGN_EUROPEAN)
            continue;
        const mgn_market *m = &mkt[p->underlying];
        int inv = p->settlement == MGN_INVERSE;
        double T1 = p->expiry > dt ? p->expiry - dt : 0.0, v0, v1;
        double qm = p->quantity * p->multiplier;
        if ((st = mgn__unit_value(p, m, m->spot, p->vol, p->expiry, &v0)) != MGN_OK)
            goto fail;
        for (size_t s = 0; s < n_scen; s++) {
            const mgn_shock *row = shocks + s * n_mkt;
            const mgn_shock *sh = &row[p->underlying];
            double S1 = m->spot * (1 + sh->price);
            if ((st = mgn__unit_value(p, m, S1, mgn__shock_vol(p->vol, sh->vol), T1, &v1)) != MGN_OK)
                goto fail;
            double conv = currency == MGN_QUOTE ? 1.0
                        : 1.0 / (mkt[currency].spot * (1 + row[currency].price));
            double x = qm * (v1 - v0) * (inv ? S1 : 1.0) * conv;
            if (matrix)
                pnl[s * n_pos + i] = x;
            else
                pnl[s] += x;
        }
    }

    size_t n_out = matrix ? n_scen * n_pos : n_scen;
    for (size_t k = 0; k < n_out; k++)
        if (!isfinite(pnl[k])) {
            st = MGN_ERANGE;
            goto fail;
        }
    return MGN_OK;
fail:
    for (size_t k = 0, n_out = matrix ? n_scen * n_pos : n_scen; k < n_out; k++)
        pnl[k] = NAN;
    return st;
}

int mgn_scenario_pnl(const mgn_market *mkt, size_t n_mkt, const mgn_position *pos,
                     size_t n_pos, const mgn_shock *shocks, size_t n_scen, double dt,
                     int currency, double *pnl)
{
    return scenario_run(mkt, n_mkt, pos, n_pos, shocks, n_scen, dt, currency, pnl, 0);
}

int mgn_scenario_pnl_matrix(const mgn_market *mkt, size_t n_mkt, const mgn_position *pos,
                            size_t n_pos, const mgn_shock *shocks, size_t n_scen, double dt,
                            int currency, double *pnl)
{
    return scenario_run(mkt, n_mkt, pos, n_pos, shocks, n_scen, dt, currency, pnl, 1);
}
