/* Internal declarations of the portfolio model: validation, scalar valuation of one
 * position, and the vectorised scenario kernels shared by lib/scenario.c,
 * lib/span.c and lib/pm.c (never installed).
 *
 * Valuation per unit ("unit value"): the value of one unit of quantity * multiplier
 * in the position's settlement currency, relative to the entry for delta-one
 * contracts:
 *   option, linear    V_quote(S, K, T, r, q, sigma)           (quote)
 *   option, inverse   V_quote / S                             (coin of the underlying)
 *   future, linear    F(T) - entry, F(T) = S e^{(r-q)T}       (quote)
 *   future, inverse   1/entry - 1/F(T)                        (coin)
 *   perpetual         as a future with F = S
 * A scenario's P&L is quantity * multiplier * (unit value after - unit value now),
 * converted to quote at the scenario's price of the underlying (inverse) and from
 * quote to the reporting coin at the scenario's price of that coin.
 */
#ifndef MGN_PORTFOLIO_H
#define MGN_PORTFOLIO_H

#include <limits.h>
#include "internal.h"

/* Elements per chunk of the vector kernels (a multiple of 16 so that the padded
   loops never run a remainder: every element goes through the same vector code). */
#define MGN__CH 128


/*---------------------------------------------------------------- validation */

/* MGN_OK, MGN_EINVAL (NULL with n > 0, non-finite or out-of-domain field) or
   MGN_ERANGE (n_mkt > INT_MAX). n_mkt == 0 is valid (mkt may then be NULL). */
MGN_INTERNAL int mgn__check_markets(const mgn_market *mkt, size_t n_mkt);
/* One position against n_mkt underlyings: MGN_OK or MGN_EINVAL. */
MGN_INTERNAL int mgn__check_position(const mgn_position *p, size_t n_mkt);
MGN_INTERNAL int mgn__check_positions(const mgn_position *pos, size_t n_pos, size_t n_mkt);
/* currency is MGN_QUOTE or an underlying index < n_mkt. */
static inline int mgn__currency_ok(int currency, size_t n_mkt)
{
    return currency == MGN_QUOTE || (currency >= 0 && (size_t)currency < n_mkt);
}

/*---------------------------------------------------------------- scalar valuation */

/* Shocked implied volatility: sigma unchanged when dv == 0, else
   max(sigma + dv, MGN_VOL_FLOOR). */
static inline double mgn__shock_vol(double sigma, double dv)
{
    if (dv == 0)
        return sigma;
    double s = sigma + dv;
    return s > MGN_VOL_FLOOR ? s : MGN_VOL_FLOOR;
}

/* Unit value (see the top of this file) of a valid position p on market m with the
   underlying at S (> 0), implied vol sigma (options) and time to expiry T (>= 0; an
   option at T == 0 is worth its payoff, a future at T == 0 is worth S - entry).
   Returns MGN_OK, or the status of the American pricer, or MGN_ERANGE on overflow. */
MGN_INTERNAL int mgn__unit_value(const mgn_position *p, const mgn_market *m, double S,
                                 double sigma, double T, double *v);

/* Delta of the position in underlying units as MARGIN-MODEL section 4 defines it:
   quantity * multiplier * dV/dS for options (BSM delta; American by central
   differences) and linear delta-one (dF/dS = e^{(r-q)T} for futures); quantity *
   multiplier / S for inverse futures and perpetuals. */
MGN_INTERNAL int mgn__position_delta(const mgn_position *p, const mgn_market *m, double *delta);
/* Delta of one European option unit (th = +1 call, -1 put) by the scalar formulas: the
   payoff's at T = 0, the forward's at sigma = 0, th e^{-qT} N(th d1) otherwise, with
   ln(S/K) as the pricers take it. Not finite only where the inputs overflow. */
MGN_INTERNAL double mgn__euro_delta(double th, double S, double K, double T, double r,
                                    double q, double sigma);

/* Conversion factor from quote to `currency` given the price of that coin (1 for
   MGN_QUOTE). */
static inline double mgn__to_ccy(int currency, double coin_price)
{
    return currency == MGN_QUOTE ? 1.0 : 1.0 / coin_price;
}

/*---------------------------------------------------------------- vector chunks */

/* Time-dependent inputs of the normalised BSM evaluation at one time to expiry T:
   x0 = ln(S/K) + (r-q)T, sqT = sqrt(T), Sc = S e^{-qT}, Kr = K e^{-rT}. */
typedef struct mgn__tset {
    double x0[MGN__CH], sqT[MGN__CH], Sc[MGN__CH], Kr[MGN__CH];
} mgn__tset;

/* Up to MGN__CH European options prepared for scenario valuation (structure of
   arrays). Lanes n..n16-1 hold harmless stand-ins. */
typedef struct mgn__chunk {
    size_t n, n16;
    size_t idx[MGN__CH];       /* index of the position in the caller's array */
    int    u[MGN__CH];         /* underlying */
    int    type[MGN__CH];
    double th[MGN__CH];        /* +1 call, -1 put */
    double K[MGN__CH], S[MGN__CH], T[MGN__CH], T1[MGN__CH], r[MGN__CH], q[MGN__CH];
    double sig[MGN__CH];       /* mark implied vol */
    double coef[MGN__CH];      /* quantity * multiplier */
    double inv[MGN__CH];       /* 1 inverse, 0 linear */
    double base[MGN__CH];      /* unit value now (native currency) */
    double delta[MGN__CH];     /* BSM delta per unit now */
    mgn__tset now, later;      /* at T and at T1 = max(T - dt, 0) */
} mgn__chunk;

/* Starts an empty chunk. */
static inline void mgn__chunk_reset(mgn__chunk *c) { c->n = 0; c->n16 = 0; }

/* Appends a valid European option (no check of capacity: c->n < MGN__CH). */
MGN_INTERNAL void mgn__chunk_add(mgn__chunk *c, size_t idx, const mgn_position *p,
                                 const mgn_market *m, double dt);

/* Completes a chunk: pads it, fills the time sets, base values and deltas.
   MGN_OK or MGN_ERANGE when a value overflows. */
MGN_INTERNAL int mgn__chunk_prepare(mgn__chunk *c);

/* Shocked vols of the chunk for a uniform absolute shock dv (mgn__shock_vol). */
MGN_INTERNAL void mgn__chunk_vols(const mgn__chunk *c, double dv, double *sig);

/* Prices of a chunk's options in a block of up to MGN__SB scenarios at T1. Each
   scenario added is priced at once by the vector kernels; the elements they leave
   (far wings, mgn__wing_pass, then the scalar pricer) are gathered over the whole
   block and priced together by mgn__block_finish, instead of one padded far-wing
   pass per scenario. The values do not depend on the grouping. */
#define MGN__SB 16

typedef struct mgn__price_block {
    size_t m;                           /* scenarios added since mgn__block_reset */
    int st;                             /* MGN_OK, or the first failure */
    double price[MGN__SB][MGN__CH];     /* price[k][0..n16): quote per unit */
    mgn__wing_buf wing;                 /* the elements still to price */
} mgn__price_block;

static inline void mgn__block_reset(mgn__price_block *b)
{
    b->m = 0;
    b->st = MGN_OK;
    b->wing.n = 0;
}

/* lf[i] = log(f[i]), i < n, the logarithm of a move, taken by this one vector loop
   on every path so that it has the same bits wherever it is taken. */
MGN_INTERNAL void mgn__log_moves(size_t n, const double *f, double *lf);

/* Adds scenario b->m (b->m < MGN__SB): the underlying at S * f, lf = log f
   (fa == NULL), or at S * fa[i] per element, lfa[i] = log fa[i]; the logarithms
   from mgn__log_moves. Implied vols sig[] (already shocked). A failure (overflow)
   is reported by mgn__block_finish. */
MGN_INTERNAL void mgn__block_add(const mgn__chunk *c, mgn__price_block *b, double f,
                                 double lf, const double *fa, const double *lfa,
                                 const double *sig);

/* Prices what the scenarios added left: then b->price holds every value.
   MGN_OK or MGN_ERANGE (overflow). */
MGN_INTERNAL int mgn__block_finish(mgn__price_block *b);

/* After mgn__block_finish: the P&L of the block's scenarios in place of their prices
   (mgn__chunk_pnl; scenario k moved by f[k], or by fa[k * MGN__CH + i] per element
   when f is NULL), and, unless sum is NULL, sum[k] = the sum over the chunk's elements, in
   order, of sign * P&L (sign +1 or -1: s + (-p) is s - p exactly). The scenarios'
   sums are interleaved: independent chains of additions. */
MGN_INTERNAL void mgn__block_pnl(const mgn__chunk *c, mgn__price_block *b, const double *f,
                                 const double *fa, double sign, double *sum);

/* The losses of a chunk in nb <= MGN__SB scenarios of a grid (SPAN, the PM grid):
   scenario j moves the spot by f[j] (lf[j] = log f[j], mgn__log_moves) and takes the
   implied vols up[] where vsign[j] > 0, dn[] where < 0, the chunk's own where 0;
   b->price[j] holds its P&L per element after the call and loss[j] minus their sum
   (mgn__block_pnl). MGN_OK or MGN_ERANGE (overflow). */
MGN_INTERNAL int mgn__block_losses(const mgn__chunk *c, mgn__price_block *b, size_t nb,
                                   const double *f, const double *lf, const double *vsign,
                                   const double *up, const double *dn, double *loss);

/* Quote P&L per element of the prices of one scenario:
   pl[i] = coef * (price - base * (inv ? S f : 1)), i.e. the native P&L converted at
   the scenario's price. f per element (fa) or uniform (fa == NULL). pl may be price. */
MGN_INTERNAL void mgn__chunk_pnl(const mgn__chunk *c, double f, const double *fa,
                                 const double *price, double *pl);

#endif
