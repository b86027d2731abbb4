/*
 * Fuzz target: the portfolio model and scenario valuation: mgn_portfolio_check,
 * mgn_portfolio_value, mgn_position_greeks, mgn_portfolio_greeks, mgn_scenario_pnl,
 * mgn_scenario_pnl_matrix, on a decoded book (fuzz_portfolio_book.h) of up to 4
 * markets and 16 positions, up to 16 scenarios of shocks.
 * Contract checked:
 *   - documented status; MGN_OK gives finite outputs; same bits on a second call
 *     (for the scenario calls, the costly ones, in a quarter of the executions);
 *   - mgn_portfolio_check agrees with the header's validity rules restated here, and
 *     *first_bad names the first bad position (untouched when markets are the cause);
 *     every other function rejects an invalid book with MGN_EINVAL and a valid one
 *     never with MGN_EINVAL;
 *   - scalar failures leave outputs untouched; a failing scenario call leaves pnl
 *     untouched (validation) or all NaN (valuation); n_scen == 0 writes nothing;
 *   - mgn_portfolio_greeks: out[u] is exactly the sum, in position order, of
 *     mgn_position_greeks of u's positions (the same arithmetic), 0 without any;
 *   - each row of the P&L matrix sums to mgn_scenario_pnl's value up to rounding; a
 *     scenario without move or vol shock at dt == 0 has a P&L of exactly 0; each
 *     European option's and delta-one contract's P&L agrees with a reference built
 *     on mgn_bs_price (1e-12 relative or 1e-13 of the notional, as the header states)
 *     where rates and times are moderate, and to 1e-6 everywhere;
 *   - a NULL array with a nonzero count is MGN_EINVAL; n_mkt > INT_MAX and
 *     n_scen * n_mkt overflowing are MGN_ERANGE, nothing written.
 */
#include "fuzz_portfolio_book.h"

#define MAX_SCEN 16

typedef struct scen_case {
    fb_book b;
    size_t n_scen;
    double dt;
    int currency;
    size_t ref_scen;            /* a second scenario checked against the reference */
    int repeat;                 /* repeat the scenario calls (same bits) */
    mgn_shock shocks[MAX_SCEN * FB_MAX_MKT];
} scen_case;

static double shock_vol(double sigma, double dv)
{
    if (dv == 0)
        return sigma;
    double s = sigma + dv;
    return s > MGN_VOL_FLOOR ? s : MGN_VOL_FLOOR;
}

/* Status of the validation of everything but the shocks (markets, positions,
   currency, dt): 1 when valid. */
static int base_valid(const scen_case *c)
{
    return fb_book_valid(&c->b) && fb_currency_valid(c->currency, c->b.n_mkt)
        && isfinite(c->dt) && c->dt >= 0;
}

/* 0 valid, 1 a shock is invalid (finite, price > -1), 2 only an overflow of S(1+p). */
static int shocks_state(const scen_case *c)
{
    int st = 0;
    for (size_t k = 0; k < c->n_scen * c->b.n_mkt; k++) {
        double dp = c->shocks[k].price, dv = c->shocks[k].vol;
        if (!(isfinite(dp) && dp > -1 && isfinite(dv)))
            return 1;
        double S1 = c->b.mkt[k % c->b.n_mkt].spot * (1 + dp);
        if (!(isfinite(S1) && S1 > 0))
            st = 2;
    }
    return st;
}

/* Reference P&L of position i in scenario s (European options via mgn_bs_price,
   delta-one contracts by the formulas of the header) and its tolerance: tight when
   the rates and times are moderate, loose (1e-6) otherwise. Returns 0 when no
   reference applies (American options, a reference that does not exist). */
static int reference_pnl(const scen_case *c, size_t s, size_t i, double *ref, double *tol)
{
    const mgn_position *p = &c->b.pos[i];
    const mgn_market *m = &c->b.mkt[p->underlying];
    const mgn_shock *row = &c->shocks[s * c->b.n_mkt];
    const mgn_shock *sh = &row[p->underlying];
    double S = m->spot, S1 = S * (1 + sh->price), r = m->rate, q = m->carry;
    double T = p->expiry, T1 = T > c->dt ? T - c->dt : 0.0;
    double conv = c->currency == MGN_QUOTE ? 1.0
                : 1.0 / (c->b.mkt[c->currency].spot * (1 + row[c->currency].price));
    /* w in long double: for a subnormal quantity qm * conv underflows to 0 in a double
       while w times the pricing error is still a normal number */
    double qm = p->quantity * p->multiplier;
    long double w = fabsl((long double)qm * conv);
    if (w < DBL_MIN && mgn_long_double_is_double())   /* w lost to underflow: ldbl.h */
        return 0;
    int inv = p->settlement == MGN_INVERSE;
    const double eps = DBL_EPSILON;
    int moderate = fabs(r * T) <= 2 && fabs(q * T) <= 2 && T <= 30;
    if (p->instrument == MGN_OPTION) {
        if (p->exercise != MGN_EUROPEAN)
            return 0;
        double V0, V1, sig1 = shock_vol(p->vol, sh->vol);
        if (mgn_bs_price((mgn_option_type)p->option_type, S, p->strike, T, r, q, p->vol, &V0) != MGN_OK
            || mgn_bs_price((mgn_option_type)p->option_type, S1, p->strike, T1, r, q, sig1, &V1) != MGN_OK)
            return 0;
        double sc0 = fmax(S * exp(-q * T), p->strike * exp(-r * T));
        double sc1 = fmax(S1 * exp(-q * T1), p->strike * exp(-r * T1));
        double rel = moderate ? 1e-12 : 1e-6;
        double e0 = rel * V0 + rel * 0.1 * sc0 + 8 * eps * V0;
        double e1 = rel * V1 + rel * 0.1 * sc1 + 8 * eps * V1;
        if (inv) {
            *ref = qm * (V1 / S1 - V0 / S) * S1 * conv;
            *tol = (double)(w * (e1 + e0 * S1 / S));
        } else {
            *ref = qm * (V1 - V0) * conv;
            *tol = (double)(w * (e1 + e0));
        }
    } else {
        double x0 = p->instrument == MGN_FUTURE ? r * T - q * T : 0.0;
        double x1 = p->instrument == MGN_FUTURE ? r * T1 - q * T1 : 0.0;
        double F0 = S * exp(x0), F1 = S1 * exp(x1), E = p->entry_price;
        if (!(isfinite(F0) && isfinite(F1) && F0 > 0 && F1 > 0))
            return 0;
        /* exp of an argument x rounded by eps |x| and the spot's move */
        double rel0 = moderate ? (fabs(x0) + 8) * eps : 1e-6, rel1 = moderate ? (fabs(x1) + 8) * eps : 1e-6;
        if (inv) {
            *ref = qm * ((1 / E - 1 / F1) - (1 / E - 1 / F0)) * S1 * conv;
            *tol = (double)(w * S1 * (4 * eps / E + rel1 / F1 + rel0 / F0));
        } else {
            *ref = qm * ((F1 - E) - (F0 - E)) * conv;
            *tol = (double)(w * (4 * eps * E + rel1 * F1 + rel0 * F0));
        }
    }
    *tol += 8 * eps * fabs(*ref) + 1e-300;
    return isfinite(*ref) && isfinite(*tol);
}

static void check_scenario_out(const scen_case *c, int st, const double *pnl, size_t n_out)
{
    FZ_STATUS(st);
    if (st == MGN_OK) {
        FZ_ASSERT(fz_all_finite(pnl, n_out));
        return;
    }
    if (n_out == 0)
        return;
    /* validation failures write nothing; valuation failures set every element NaN */
    int untouched = fb_untouched(pnl, n_out * sizeof(double));
    int all_nan = 1;
    for (size_t k = 0; k < n_out; k++)
        all_nan &= isnan(pnl[k]);
    if (!(untouched || (all_nan && st != MGN_EINVAL)))
        for (size_t k = 0; k < n_out; k++)
            FZ_LOG("status %d: element %zu = %.17g\n", st, k, pnl[k]);
    FZ_ASSERT(untouched || (all_nan && st != MGN_EINVAL));
    (void)c;
}

static void scenario_checks(const scen_case *c, int null_sel)
{
    const fb_book *b = &c->b;
    size_t n_mkt = b->n_mkt, n_pos = b->n_pos, n_scen = c->n_scen;
    const mgn_market *mkt = n_mkt ? b->mkt : NULL;
    const mgn_position *pos = n_pos ? b->pos : NULL;
    const mgn_shock *shocks = n_scen * n_mkt > 0 ? c->shocks : NULL;
    double pnl[MAX_SCEN], pnl2[MAX_SCEN];
    double mat[MAX_SCEN * FB_MAX_POS], mat2[MAX_SCEN * FB_MAX_POS];
    size_t n_mat = n_scen * n_pos;
    int base = base_valid(c), shk = shocks_state(c);

    FZ_FILL(pnl, sizeof pnl);
    FZ_FILL(pnl2, sizeof pnl2);
    int st = mgn_scenario_pnl(mkt, n_mkt, pos, n_pos, shocks, n_scen, c->dt, c->currency,
                              n_scen ? pnl : NULL);
    check_scenario_out(c, st, pnl, n_scen);
    FZ_ASSERT(fb_untouched(pnl + n_scen, (MAX_SCEN - n_scen) * sizeof(double)));
    if (!base || shk == 1)
        FZ_ASSERT(st == MGN_EINVAL || (base && st == MGN_ERANGE));
    else
        FZ_ASSERT(st != MGN_EINVAL);
    if (shk == 2)
        FZ_ASSERT(st != MGN_OK);
    if (c->repeat) {
        FZ_ASSERT(mgn_scenario_pnl(mkt, n_mkt, pos, n_pos, shocks, n_scen, c->dt, c->currency,
                                   n_scen ? pnl2 : NULL) == st);
        FZ_ASSERT(st != MGN_OK || fb_bits_equal(pnl, pnl2, n_scen));
    }
    if (n_scen == 0)
        FZ_ASSERT(st == (base ? MGN_OK : MGN_EINVAL));

    FZ_FILL(mat, sizeof mat);
    FZ_FILL(mat2, sizeof mat2);
    int sm = mgn_scenario_pnl_matrix(mkt, n_mkt, pos, n_pos, shocks, n_scen, c->dt, c->currency,
                                     n_scen ? mat : NULL);
    check_scenario_out(c, sm, mat, n_mat);
    FZ_ASSERT(fb_untouched(mat + n_mat, (MAX_SCEN * FB_MAX_POS - n_mat) * sizeof(double)));
    FZ_ASSERT((sm == MGN_EINVAL) == (st == MGN_EINVAL));
    if (c->repeat) {
        FZ_ASSERT(mgn_scenario_pnl_matrix(mkt, n_mkt, pos, n_pos, shocks, n_scen, c->dt,
                                          c->currency, n_scen ? mat2 : NULL) == sm);
        FZ_ASSERT(sm != MGN_OK || fb_bits_equal(mat, mat2, n_mat));
    }

    if (st == MGN_OK && sm == MGN_OK) {
        for (size_t s = 0; s < n_scen; s++) {
            const double *row = mat + s * n_pos;
            double sum = 0, sumabs = 0;
            for (size_t i = 0; i < n_pos; i++) {
                sum += row[i];
                sumabs += fabs(row[i]);
            }
            double tol = 8.0 * (double)(n_pos + 4) * DBL_EPSILON * sumabs + 1e-300;
            FZ_ASSERT(fabs(sum - pnl[s]) <= tol);
            /* no move, no vol shock, no time: exactly nothing */
            int still = c->dt == 0;
            for (size_t u = 0; u < n_mkt; u++)
                still &= c->shocks[s * n_mkt + u].price == 0 && c->shocks[s * n_mkt + u].vol == 0;
            if (still) {
                FZ_ASSERT(pnl[s] == 0);
                for (size_t i = 0; i < n_pos; i++)
                    FZ_ASSERT(row[i] == 0);
            }
        }
    }
    if (sm == MGN_OK) {
        /* two scenarios (the reference pricing costs more than the library's) */
        for (size_t s = 0; s < n_scen; s += (c->ref_scen > s ? c->ref_scen - s : n_scen))
            for (size_t i = 0; i < n_pos; i++) {
                double ref, tol;
                if (!reference_pnl(c, s, i, &ref, &tol))
                    continue;
                if (!(fabs(mat[s * n_pos + i] - ref) <= tol))
                    FZ_LOG("scenario %zu position %zu: matrix %.17g reference %.17g tol %.3g\n",
                           s, i, mat[s * n_pos + i], ref, tol);
                FZ_ASSERT(fabs(mat[s * n_pos + i] - ref) <= tol);
            }
    }

    /* NULL arrays with nonzero counts */
    if (null_sel == 1 && n_mkt > 0) {
        FZ_FILL(pnl2, sizeof pnl2);
        FZ_ASSERT(mgn_scenario_pnl(NULL, n_mkt, pos, n_pos, shocks, n_scen, c->dt, c->currency,
                                   pnl2) == MGN_EINVAL);
        FZ_ASSERT(mgn_scenario_pnl_matrix(NULL, n_mkt, pos, n_pos, shocks, n_scen, c->dt,
                                          c->currency, pnl2) == MGN_EINVAL);
        FZ_ASSERT(fb_untouched(pnl2, sizeof pnl2));
    }
    if (null_sel == 2 && n_pos > 0) {
        FZ_FILL(pnl2, sizeof pnl2);
        FZ_ASSERT(mgn_scenario_pnl(mkt, n_mkt, NULL, n_pos, shocks, n_scen, c->dt, c->currency,
                                   pnl2) == MGN_EINVAL);
        FZ_ASSERT(fb_untouched(pnl2, sizeof pnl2));
    }
    if (null_sel == 3 && n_scen * n_mkt > 0) {
        FZ_FILL(pnl2, sizeof pnl2);
        int sn = mgn_scenario_pnl(mkt, n_mkt, pos, n_pos, NULL, n_scen, c->dt, c->currency, pnl2);
        FZ_ASSERT(sn == MGN_EINVAL);
        FZ_ASSERT(fb_untouched(pnl2, sizeof pnl2));
    }
    if (null_sel == 4 && n_scen > 0) {
        int sn = mgn_scenario_pnl(mkt, n_mkt, pos, n_pos, shocks, n_scen, c->dt, c->currency, NULL);
        /* a shock overflowing S (1 + p) may be found before the NULL output */
        FZ_ASSERT(sn == MGN_EINVAL || (sn == MGN_ERANGE && st == MGN_ERANGE));
        if (n_pos > 0) {
            sn = mgn_scenario_pnl_matrix(mkt, n_mkt, pos, n_pos, shocks, n_scen, c->dt,
                                         c->currency, NULL);
            FZ_ASSERT(sn == MGN_EINVAL || (sn == MGN_ERANGE && sm == MGN_ERANGE));
        }
    }
}

/* mgn_portfolio_check, _value, _greeks, mgn_position_greeks. */
static void portfolio_checks(const scen_case *c, int null_sel, int first_bad_null)
{
    const fb_book *b = &c->b;
    size_t n_mkt = b->n_mkt, n_pos = b->n_pos;
    const mgn_market *mkt = n_mkt ? b->mkt : NULL;
    const mgn_position *pos = n_pos ? b->pos : NULL;
    int valid = fb_book_valid(b), markets_valid = 1;
    for (size_t u = 0; u < n_mkt; u++)
        markets_valid &= fb_market_valid(&b->mkt[u]);

    /* check */
    size_t first_bad;
    FZ_FILL(&first_bad, sizeof first_bad);
    int sc = mgn_portfolio_check(mkt, n_mkt, pos, n_pos, first_bad_null ? NULL : &first_bad);
    FZ_ASSERT(sc == MGN_OK || sc == MGN_EINVAL);
    FZ_ASSERT((sc == MGN_OK) == valid);
    if (sc == MGN_OK || !markets_valid || first_bad_null) {
        FZ_ASSERT(fb_untouched(&first_bad, sizeof first_bad));
    } else {
        FZ_ASSERT(first_bad < n_pos);
        FZ_ASSERT(!fb_position_valid(&b->pos[first_bad], n_mkt));
        for (size_t i = 0; i < first_bad; i++)
            FZ_ASSERT(fb_position_valid(&b->pos[i], n_mkt));
    }

    /* value */
    double value, value2;
    FZ_FILL(&value, sizeof value);
    FZ_FILL(&value2, sizeof value2);
    int sv = mgn_portfolio_value(mkt, n_mkt, pos, n_pos, c->currency, &value);
    FZ_STATUS(sv);
    if (!valid || !fb_currency_valid(c->currency, n_mkt))
        FZ_ASSERT(sv == MGN_EINVAL);
    else
        FZ_ASSERT(sv != MGN_EINVAL);
    if (sv == MGN_OK)
        FZ_ASSERT(isfinite(value));
    else
        FZ_ASSERT(fb_untouched(&value, sizeof value));
    FZ_ASSERT(mgn_portfolio_value(mkt, n_mkt, pos, n_pos, c->currency, &value2) == sv);
    FZ_ASSERT(sv != MGN_OK || fz_same_bits(&value, &value2, sizeof value));
    if (n_pos == 0 && sv == MGN_OK)
        FZ_ASSERT(value == 0);

    /* Greeks of each position, and their sums per underlying */
    mgn_net_greeks pg[FB_MAX_POS], g2;
    int sp[FB_MAX_POS], all_ok = 1;
    for (size_t i = 0; i < n_pos; i++) {
        FZ_FILL(&pg[i], sizeof pg[i]);
        FZ_FILL(&g2, sizeof g2);
        sp[i] = mgn_position_greeks(mkt, n_mkt, &b->pos[i], &pg[i]);
        FZ_STATUS(sp[i]);
        if (!markets_valid || !fb_position_valid(&b->pos[i], n_mkt))
            FZ_ASSERT(sp[i] == MGN_EINVAL);
        else
            FZ_ASSERT(sp[i] != MGN_EINVAL);
        if (sp[i] == MGN_OK)
            FZ_ASSERT(FZ_STRUCT_FINITE(pg[i]));
        else
            FZ_ASSERT(fb_untouched(&pg[i], sizeof pg[i]));
        FZ_ASSERT(mgn_position_greeks(mkt, n_mkt, &b->pos[i], &g2) == sp[i]);
        FZ_ASSERT(sp[i] != MGN_OK || fz_same_bits(&pg[i], &g2, sizeof g2));
        all_ok &= sp[i] == MGN_OK;
    }
    mgn_net_greeks out[FB_MAX_MKT], out2[FB_MAX_MKT];
    FZ_FILL(out, sizeof out);
    FZ_FILL(out2, sizeof out2);
    int sg = mgn_portfolio_greeks(mkt, n_mkt, pos, n_pos, n_mkt ? out : NULL);
    FZ_STATUS(sg);
    FZ_ASSERT(fb_untouched(out + n_mkt, (FB_MAX_MKT - n_mkt) * sizeof out[0]));
    if (!valid)
        FZ_ASSERT(sg == MGN_EINVAL);
    else
        FZ_ASSERT(sg != MGN_EINVAL);
    FZ_ASSERT(mgn_portfolio_greeks(mkt, n_mkt, pos, n_pos, n_mkt ? out2 : NULL) == sg);
    if (sg == MGN_OK) {
        FZ_ASSERT(all_ok);
        FZ_ASSERT(fz_same_bits(out, out2, n_mkt * sizeof out[0]));
        for (size_t u = 0; u < n_mkt; u++) {
            FZ_ASSERT(FZ_STRUCT_FINITE(out[u]));
            double sum[10] = { 0 };
            for (size_t i = 0; i < n_pos; i++) {
                if ((size_t)b->pos[i].underlying != u)
                    continue;
                const double *f = (const double *)(const void *)&pg[i];
                for (int k = 0; k < 10; k++)
                    sum[k] += f[k];
            }
            const double *o = (const double *)(const void *)&out[u];
            for (int k = 0; k < 10; k++)
                FZ_ASSERT(o[k] == sum[k]);
        }
    } else {
        FZ_ASSERT(fb_untouched(out, sizeof out));
        /* every position fine but the sums overflow, or some position failed */
        FZ_ASSERT(!valid || !all_ok || sg == MGN_ERANGE);
    }

    /* NULL pointers */
    if (null_sel == 1 && n_mkt > 0) {
        FZ_FILL(&value, sizeof value);
        FZ_ASSERT(mgn_portfolio_check(NULL, n_mkt, pos, n_pos, NULL) == MGN_EINVAL);
        FZ_ASSERT(mgn_portfolio_value(NULL, n_mkt, pos, n_pos, c->currency, &value) == MGN_EINVAL);
        FZ_ASSERT(fb_untouched(&value, sizeof value));
        FZ_FILL(out, sizeof out);
        FZ_ASSERT(mgn_portfolio_greeks(NULL, n_mkt, pos, n_pos, out) == MGN_EINVAL);
        if (n_pos > 0)
            FZ_ASSERT(mgn_position_greeks(NULL, n_mkt, &b->pos[0], out) == MGN_EINVAL);
        FZ_ASSERT(fb_untouched(out, sizeof out));
    }
    if (null_sel == 2) {
        FZ_FILL(out, sizeof out);
        FZ_ASSERT(mgn_position_greeks(mkt, n_mkt, NULL, out) == MGN_EINVAL);
        FZ_ASSERT(fb_untouched(out, sizeof out));
        if (n_pos > 0) {
            FZ_ASSERT(mgn_portfolio_check(mkt, n_mkt, NULL, n_pos, NULL) == MGN_EINVAL);
            FZ_ASSERT(mgn_portfolio_value(mkt, n_mkt, NULL, n_pos, c->currency, &value) == MGN_EINVAL);
            FZ_ASSERT(mgn_portfolio_greeks(mkt, n_mkt, NULL, n_pos, out) == MGN_EINVAL);
            FZ_ASSERT(fb_untouched(out, sizeof out));
        }
    }
    if (null_sel == 4) {
        FZ_ASSERT(mgn_portfolio_value(mkt, n_mkt, pos, n_pos, c->currency, NULL) == MGN_EINVAL);
        if (n_pos > 0)
            FZ_ASSERT(mgn_position_greeks(mkt, n_mkt, &b->pos[0], NULL) == MGN_EINVAL);
        if (n_mkt > 0)
            FZ_ASSERT(mgn_portfolio_greeks(mkt, n_mkt, pos, n_pos, NULL) == MGN_EINVAL);
    }
}

/* Counts no array could hold: rejected before anything is read or written. */
static void absurd_checks(fz_in *in, const scen_case *c)
{
    const fb_book *b = &c->b;
    size_t n_mkt = b->n_mkt, n_pos = b->n_pos;
    const mgn_market *mkt = b->mkt;
    const mgn_position *pos = b->pos;
    double buf[MAX_SCEN * FB_MAX_POS];
    mgn_net_greeks out[FB_MAX_MKT];
    size_t first_bad;
    if (fz_bool(in)) {
        size_t big = fb_absurd_n_mkt(in);
        FZ_LOG("absurd n_mkt %zu\n", big);
        FZ_FILL(buf, sizeof buf);
        FZ_FILL(out, sizeof out);
        FZ_FILL(&first_bad, sizeof first_bad);
        FZ_ASSERT(mgn_portfolio_check(mkt, big, pos, n_pos, &first_bad) == MGN_ERANGE);
        FZ_ASSERT(mgn_portfolio_value(mkt, big, pos, n_pos, c->currency, buf) == MGN_ERANGE);
        FZ_ASSERT(mgn_position_greeks(mkt, big, pos, out) == MGN_ERANGE);
        FZ_ASSERT(mgn_portfolio_greeks(mkt, big, pos, n_pos, out) == MGN_ERANGE);
        FZ_ASSERT(mgn_scenario_pnl(mkt, big, pos, n_pos, c->shocks, c->n_scen, c->dt,
                                   c->currency, buf) == MGN_ERANGE);
        FZ_ASSERT(mgn_scenario_pnl_matrix(mkt, big, pos, n_pos, c->shocks, c->n_scen, c->dt,
                                          c->currency, buf) == MGN_ERANGE);
        FZ_ASSERT(fb_untouched(buf, sizeof buf) && fb_untouched(out, sizeof out));
        FZ_ASSERT(fb_untouched(&first_bad, sizeof first_bad));
    } else {
        size_t big = fz_absurd_count(in);
        FZ_LOG("absurd n_scen %zu\n", big);
        /* is the status of the same call with no scenario MGN_OK? */
        int ok0 = mgn_scenario_pnl(mkt, n_mkt, pos, n_pos, NULL, 0, c->dt, c->currency, NULL) == MGN_OK;
        FZ_FILL(buf, sizeof buf);
        if (n_mkt > 0 && big > SIZE_MAX / n_mkt) {
            int st = mgn_scenario_pnl(mkt, n_mkt, pos, n_pos, c->shocks, big, c->dt, c->currency, buf);
            FZ_ASSERT(ok0 ? st == MGN_ERANGE : (st == MGN_EINVAL || st == MGN_ERANGE));
            st = mgn_scenario_pnl_matrix(mkt, n_mkt, pos, n_pos, c->shocks, big, c->dt,
                                         c->currency, buf);
            FZ_ASSERT(ok0 ? st == MGN_ERANGE : (st == MGN_EINVAL || st == MGN_ERANGE));
        }
        if (n_pos > 0 && big > SIZE_MAX / sizeof(double) / n_pos) {
            int st = mgn_scenario_pnl_matrix(mkt, n_mkt, pos, n_pos, c->shocks, big, c->dt,
                                             c->currency, buf);
            FZ_ASSERT(ok0 ? st == MGN_ERANGE : (st == MGN_EINVAL || st == MGN_ERANGE));
        }
        FZ_ASSERT(fb_untouched(buf, sizeof buf));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_in in = fz_init(data, size);
    scen_case c;
    memset(&c, 0, sizeof c);
    fb_book_decode(&in, &c.b, FB_MAX_MKT, FB_MAX_POS);
    c.n_scen = fz_count(&in, MAX_SCEN);
    int hostile = fz_u8(&in) >= 224;
    c.dt = fb_time(&in, hostile, 96, 1e-4, 0.5);
    c.currency = fb_currency(&in, c.b.n_mkt);
    for (size_t k = 0; k < c.n_scen * c.b.n_mkt; k++) {
        unsigned s = fz_u8(&in);
        int h = s >= 240;
        c.shocks[k].price = s < 64 ? 0.0 : fb_real(&in, h, -0.6, 0.6);
        c.shocks[k].vol = s < 128 ? 0.0 : fb_real(&in, h, -0.3, 0.3);
    }
    c.ref_scen = c.n_scen ? fz_u8(&in) % c.n_scen : 0;
    c.repeat = fz_u8(&in) < 64;
    int null_sel = fz_u8(&in) % 8u;      /* 1..4: a NULL pointer pass */
    int first_bad_null = fz_bool(&in);
    int absurd = fz_u8(&in) < 32;

    fb_book_log(&c.b);
    FZ_LOG("n_scen %zu dt %.17g currency %d null %d\n", c.n_scen, c.dt, c.currency, null_sel);
    for (size_t k = 0; k < c.n_scen * c.b.n_mkt; k++)
        FZ_LOG("  shock[%zu][%zu] price %.17g vol %.17g\n", k / c.b.n_mkt, k % c.b.n_mkt,
               c.shocks[k].price, c.shocks[k].vol);

    portfolio_checks(&c, null_sel, first_bad_null);
    scenario_checks(&c, null_sel);
    if (absurd)
        absurd_checks(&in, &c);
    return 0;
}
