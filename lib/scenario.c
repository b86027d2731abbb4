/* Scenario valuation: mgn_scenario_pnl, the P&L matrix, and the vector kernels that
 * SPAN (lib/span.c) and the portfolio-margin grid (lib/pm.c) share.
 *
 * European options are valued in chunks of MGN__CH positions (structure of arrays).
 * Everything that does not depend on the scenario is prepared once per chunk: the
 * log-moneyness, sqrt(T), the discounted spot and strike at T and at T - dt, the
 * value and delta now. A scenario then costs per option one log (only when the
 * chunk mixes underlyings), two erfc and a division, all through the vector math
 * library. The direct out-of-the-money formula is used as in lib/batch.c
 * (mgn__black_core); an element is recomputed with the scalar pricer where that
 * formula could lose accuracy (mgn__direct_ok_abs), at a volatility of 0, or for a
 * moneyness ratio S/K outside the normal range.
 * A chunk with few positions and many scenarios is valued across scenarios instead
 * (across_scenarios below), with the same element arithmetic, so the bits of every
 * element do not depend on the path. The logarithm of a move is computed once per
 * scenario and underlying (scalar log) on both paths. The kernels' flags are doubles:
 * an unsigned char array makes GCC pick 16- or 32-lane loops of doubles split over
 * many narrow registers, about twice as slow.
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

/* Vector pass of the preparation: time sets, value and delta now. */
MGN_MULTIVERSION
static void prep_kernel(size_t n, mgn__chunk *restrict c, double *restrict fix)
{
MGN_SIMD_LOOP
    for (size_t i = 0; i < n; i++) {
        double S = c->S[i], K = c->K[i], T = c->T[i], T1 = c->T1[i], r = c->r[i], q = c->q[i];
        double th = c->th[i], sig = c->sig[i];
        double ratio = S / K;
        int slow = !((ratio >= DBL_MIN) & (ratio <= DBL_MAX));
        double lnSK = log(slow ? 1.0 : ratio);
        double eq = exp(-q * T);
        c->now.x0[i] = lnSK + (r - q) * T;
        c->now.sqT[i] = sqrt(T);
        c->now.Sc[i] = S * eq;
        c->now.Kr[i] = K * exp(-r * T);
        c->later.x0[i] = lnSK + (r - q) * T1;
        c->later.sqT[i] = sqrt(T1);
        c->later.Sc[i] = S * exp(-q * T1);
        c->later.Kr[i] = K * exp(-r * T1);
        /* value and delta now */
        double sqT = c->now.sqT[i];
        int expd = sqT == 0;
        double s = sig * sqT;
        int bad0 = slow | ((s == 0) & !expd);
        double ss = (expd | (s == 0)) ? 1.0 : s;
        int bad;
        double x = c->now.x0[i];
        double price = mgn__black_core(th, x, ss, c->now.Sc[i], c->now.Kr[i], &bad);
        double d1 = x / ss + 0.5 * ss;
        double delta = th * eq * 0.5 * mgn__erfc_v(-th * d1 * MGN_SQRT1_2);
        double intr = th * (S - K);
        double dexp = S == K ? 0.5 * th : (intr > 0 ? th : 0.0);
        intr = intr > 0 ? intr : 0.0;
        c->base[i] = expd ? intr : price;
        c->delta[i] = expd ? dexp : delta;
        fix[i] = expd ? 0.0 : (double)(bad | bad0 | !mgn__finite_any(delta));
    }
}

int mgn__chunk_prepare(mgn__chunk *c)
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
    prep_kernel(n16, c, fix);
    for (size_t i = 0; i < n; i++) {
        double S = c->S[i], K = c->K[i], T = c->T[i], r = c->r[i], q = c->q[i], sig = c->sig[i];
        int slow = !isnormal(S / K);
        if (slow)                 /* the scenario kernels send NaN x0 to the scalar pass */
            c->later.x0[i] = NAN;
        if (fix[i] != 0 || slow) {
            double th = c->th[i], x = log(S) - log(K) + (r - q) * T, s = sig * sqrt(T);
            double eq = exp(-q * T);
            c->base[i] = mgn__bs_price(c->type[i], S, K, T, r, q, sig);
            if (T == 0)
                c->delta[i] = S == K ? 0.5 * th : (th * (S - K) > 0 ? th : 0.0);
            else if (s == 0)
                c->delta[i] = th * x > 0 ? th * eq : 0.0;
            else
                c->delta[i] = th * eq * mgn__norm_cdf(th * (x / s + 0.5 * s));
            if (!isfinite(c->base[i]) || !isfinite(c->delta[i]))
                return MGN_ERANGE;
        }
        if (c->inv[i] != 0)
            c->base[i] /= S;
    }
    return MGN_OK;
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
        int bad0 = ((s == 0) & !expd) | !mgn__finite_any(x);
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
        int bad0 = ((s == 0) & !expd) | !mgn__finite_any(x);
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

/* Scalar pass over the marked elements. */
static int fix_prices(const mgn__chunk *c, double f, const double *fa, const double *sig,
                      double *price, const double *fix)
{
    for (size_t i = 0; i < c->n; i++) {
        if (fix[i] == 0)
            continue;
        double Sx = c->S[i] * (fa ? fa[i] : f);
        double v = mgn__bs_price(c->type[i], Sx, c->K[i], c->T1[i], c->r[i], c->q[i], sig[i]);
        if (!isfinite(v) || !isfinite(Sx))
            return MGN_ERANGE;
        price[i] = v;
    }
    return MGN_OK;
}

int mgn__chunk_price(const mgn__chunk *c, double f, const double *sig, double *price)
{
    double fix[MGN__CH];
    price_uni(c->n16, c, f, log(f), sig, price, fix);
    return fix_prices(c, f, NULL, sig, price, fix);
}

int mgn__chunk_price_arr(const mgn__chunk *c, const double *f, const double *lf,
                         const double *sig, double *price)
{
    double fix[MGN__CH];
    price_arr(c->n16, c, f, lf, sig, price, fix);
    return fix_prices(c, 0, f, sig, price, fix);
}

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

/*---------------------------------------------------------------- across scenarios */

/* A chunk with few positions and many scenarios is valued position by position, with
   a vector loop over a block of SCEN_SB scenarios of the position's underlying (the
   moves f, their logarithms and the vol shocks, prepared once per block and
   underlying). The loop runs the element arithmetic of price_uni and
   mgn__chunk_pnl in the same order, so every element gets the same bits on either
   path; a block is padded to a multiple of 16 with the zero scenario. */
#define SCEN_SB 64          /* scenarios per block (multiple of 16) */
#define SCEN_NU 8           /* at most this many underlyings in a chunk */

typedef struct scen_work {
    int ud[MGN__CH];                            /* distinct underlyings of the chunk */
    unsigned char slot[MGN__CH];                /* element -> index into ud */
    double fu[MGN__CH], lfu[MGN__CH], dvu[MGN__CH];
    double fa[MGN__CH], lfa[MGN__CH], sig[MGN__CH], price[MGN__CH], pl[MGN__CH];
    /* across scenarios: per underlying of the chunk, the block's moves */
    double f[SCEN_NU][SCEN_SB], lf[SCEN_NU][SCEN_SB], dv[SCEN_NU][SCEN_SB];
    double conv[SCEN_SB], acc[SCEN_SB], bpl[SCEN_SB], bfix[SCEN_SB];
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
        int bad0 = ((s == 0) & !expd) | !mgn__finite_any(x);
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
        size_t m = n_scen - s0 < SCEN_SB ? n_scen - s0 : SCEN_SB;
        size_t m16 = (m + 15) & ~(size_t)15;
        for (size_t k = 0; k < nd; k++) {
            const mgn_shock *sh = shocks + s0 * n_mkt + (size_t)w->ud[k];
            for (size_t j = 0; j < m; j++) {
                double f = 1 + sh[j * n_mkt].price;
                w->f[k][j] = f;
                w->lf[k][j] = log(f);
                w->dv[k][j] = sh[j * n_mkt].vol;
            }
            for (size_t j = m; j < m16; j++) {
                w->f[k][j] = 1.0;
                w->lf[k][j] = 0.0;
                w->dv[k][j] = 0.0;
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
            const double *fv = w->f[k], *dvv = w->dv[k];
            scen_kernel(m16, &pp, fv, w->lf[k], dvv, w->bpl, w->bfix);
            for (size_t j = 0; j < m; j++) {
                if (w->bfix[j] == 0)
                    continue;
                double Sx = c->S[i] * fv[j];
                double v = mgn__bs_price(c->type[i], Sx, c->K[i], c->T1[i], c->r[i], c->q[i],
                                         mgn__shock_vol(c->sig[i], dvv[j]));
                if (!isfinite(v) || !isfinite(Sx))
                    return MGN_ERANGE;
                double lin = c->coef[i] * (v - c->base[i]);
                double inv = c->coef[i] * (v / Sx - c->base[i]) * Sx;
                w->bpl[j] = c->inv[i] != 0 ? inv : lin;
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

/*---------------------------------------------------------------- public */

static int check_shocks(const mgn_market *mkt, size_t n_mkt, const mgn_shock *shocks,
                        size_t n_scen)
{
    size_t n = n_scen * n_mkt;
    if (n > 0 && !shocks)
        return MGN_EINVAL;
    for (size_t k = 0; k < n; k++) {
        double dp = shocks[k].price, dv = shocks[k].vol;
        if (!(isfinite(dp) && dp > -1 && isfinite(dv)))
            return MGN_EINVAL;
        double S1 = mkt[k % n_mkt].spot * (1 + dp);
        if (!(isfinite(S1) && S1 > 0))
            return MGN_ERANGE;
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
        if ((st = mgn__chunk_prepare(&c)) != MGN_OK)
            goto fail;
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
        /* Vectorise across scenarios when that runs fewer padded lanes. */
        size_t n16 = c.n16, s16 = (n_scen + 15) & ~(size_t)15;
        if (nd <= SCEN_NU && (double)s16 * (double)c.n < (double)n16 * (double)n_scen) {
            if ((st = across_scenarios(&c, &w, nd, mkt, n_mkt, shocks, n_scen, currency,
                                       pnl, n_pos, matrix)) != MGN_OK)
                goto fail;
            continue;
        }
        for (size_t s = 0; s < n_scen; s++) {
            const mgn_shock *row = shocks + s * n_mkt;
            double conv = currency == MGN_QUOTE ? 1.0
                        : 1.0 / (mkt[currency].spot * (1 + row[currency].price));
            if (nd == 1) {
                double f = 1 + row[c.u[0]].price;
                mgn__chunk_vols(&c, row[c.u[0]].vol, w.sig);
                if ((st = mgn__chunk_price(&c, f, w.sig, w.price)) != MGN_OK)
                    goto fail;
                mgn__chunk_pnl(&c, f, NULL, w.price, w.pl);
            } else {
                for (size_t k = 0; k < nd; k++) {
                    w.fu[k] = 1 + row[w.ud[k]].price;
                    w.lfu[k] = log(w.fu[k]);
                    w.dvu[k] = row[w.ud[k]].vol;
                }
                for (size_t i = 0; i < c.n; i++) {
                    size_t k = w.slot[i];
                    w.fa[i] = w.fu[k];
                    w.lfa[i] = w.lfu[k];
                    w.sig[i] = mgn__shock_vol(c.sig[i], w.dvu[k]);
                }
                for (size_t i = c.n; i < n16; i++) {
                    w.fa[i] = 1.0;
                    w.lfa[i] = 0.0;
                    w.sig[i] = c.sig[i];
                }
                if ((st = mgn__chunk_price_arr(&c, w.fa, w.lfa, w.sig, w.price)) != MGN_OK)
                    goto fail;
                mgn__chunk_pnl(&c, 0, w.fa, w.price, w.pl);
            }
            if (matrix) {
                double *o = pnl + s * n_pos;
                for (size_t i = 0; i < c.n; i++)
                    o[c.idx[i]] = w.pl[i] * conv;
            } else {
                double sum = 0;
                for (size_t i = 0; i < c.n; i++)
                    sum += w.pl[i];
                pnl[s] += sum * conv;
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
