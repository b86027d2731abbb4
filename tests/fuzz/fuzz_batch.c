/*
 * Fuzz target: the batch (structure-of-arrays) pricing family: mgn_bs_price_batch,
 * mgn_bs_greeks_batch, mgn_black76_price_batch, mgn_black76_greeks_batch,
 * mgn_implied_vol_batch, mgn_implied_vol_batch_status.
 *
 * Up to 64 elements mixing plausible and hostile values (type[] includes invalid
 * ints); each element is also priced by the scalar function. Contract:
 *   - the status is documented and follows from the elements' scalar statuses:
 *     MGN_OK only if every element succeeds; otherwise MGN_EINVAL if any element is
 *     invalid, else the kind of failure the elements share (MGN_ERANGE for prices
 *     and Greeks, MGN_ENOSOL for implied vols when no element failed otherwise);
 *   - an element whose scalar call succeeds is filled with a finite value within the
 *     documented batch accuracy of the scalar one, with s = sigma sqrt(T) (prices
 *     max(1e-12, 2e-14 / s) relative, or 1e-13 * max(S e^{-qT}, K e^{-rT}) absolute
 *     for far-wing values worth less than that; delta to dividend_rho
 *     max(1e-10, 5e-15 / s) relative, vanna, volga and charm max(1e-10, 5e-13 / s)
 *     relative to the larger of their value and their terms' size,
 *     where the Black-76 rho (-T V) and theta carry the price's tolerance, and 1e-290
 *     absolute near the subnormal range; implied vols as the scalar call); where S,
 *     K, S e^{-qT} or K e^{-rT} is not a normal number only finiteness (such operands
 *     have fewer than 53 bits);
 *   - a failing element gets NaN (every field for the Greeks);
 *   - mgn_implied_vol_batch_status's status[i] equals mgn_implied_vol's status;
 *   - a NULL array with n > 0 is MGN_EINVAL with nothing written; n == 0 with NULL
 *     arrays is MGN_OK;
 *   - a second call gives the same bits.
 */
#include "fuzz.h"

#define MAX_N 64

typedef struct elems {
    int type[MAX_N];
    double S[MAX_N], K[MAX_N], T[MAX_N], r[MAX_N], q[MAX_N], sigma[MAX_N], price[MAX_N];
} elems;

static void decode_element(fz_in *in, elems *e, size_t i)
{
    e->type[i] = fz_int(in, 0, 1);
    e->S[i] = fz_pos(in, 1e-2, 1e5);
    /* the strike mostly near the spot (moneyness 0.2..5), sometimes anywhere */
    e->K[i] = fz_u8(in) < 192 ? e->S[i] * fz_pos(in, 0.2, 5.0) : fz_pos(in, 1e-2, 1e5);
    e->T[i] = fz_u8(in) < 16 ? 0.0 : fz_pos(in, 1e-6, 10.0);
    e->r[i] = fz_real(in, -0.02, 0.15);
    e->q[i] = fz_real(in, -0.05, 0.20);
    e->sigma[i] = fz_u8(in) < 16 ? 0.0 : fz_pos(in, 1e-2, 4.0);
    /* implied-vol input: mostly the price of the decoded sigma (so that a vol exists),
       sometimes a raw, possibly hostile value */
    double p = NAN;
    int from_sigma = fz_u8(in) < 192;
    if (!from_sigma
        || mgn_bs_price((mgn_option_type)e->type[i], e->S[i], e->K[i], e->T[i], e->r[i],
                        e->q[i], e->sigma[i], &p) != MGN_OK)
        p = fz_pos(in, 1e-8, 1e5);
    e->price[i] = p;
}

/* Batch-vs-scalar tolerance of a price (header, "Batch forms"). Where S, K, e^{-qT},
   e^{-rT} or their products is not a normal number (subnormal, or an exponential that
   under- or overflowed), the operands carry fewer than 53 bits and two evaluations in
   a different order cannot agree to 1e-12: only finiteness is checked there. */
/* max(floor, c / s), the header's relative bound at total vol s (s == 0: the floor,
   those elements are priced by the scalar method). */
static double rel_bound(double floor, double c, double s)
{
    return s > 0 ? fmax(floor, c / s) : floor;
}

/* rel |v|, and 0 for v == 0 (rel may be infinite: s subnormal) */
static double rel_of(double rel, double v)
{
    return v != 0 ? rel * fabs(v) : 0.0;
}

static double price_tol(double scalar, double S, double K, double T, double r, double q,
                        double sigma)
{
    double scale = fmax(S * exp(-q * T), K * exp(-r * T));
    if (!(isnormal(S) && isnormal(K) && isnormal(S * exp(-q * T)) && isnormal(K * exp(-r * T))
          && isnormal(exp(-q * T)) && isnormal(exp(-r * T))))
        return INFINITY;
    double tol = rel_of(rel_bound(1e-12, 2e-14, sigma * sqrt(T)), scalar);
    if (fabs(scalar) <= 1e-13 * scale)
        tol = fmax(tol, 1e-13 * scale);
    /* a subnormal value is rounded to the spacing 2^-1074 at each step (header) */
    return tol + 8 * 0x1p-1074;
}

static int close_to(double batch, double scalar, double tol)
{
    return isfinite(batch) && fabs(batch - scalar) <= tol;
}

/* The size of the terms of vanna, volga and charm (header, "Batch forms"): the same
   Greek with d1 and d2 counted as at least 1 in size and every term in absolute
   value (with S the forward and q = r for Black-76). They vanish where d2 = 0 (vanna),
   d1 d2 = 0 (volga) or their terms cancel (charm), while the kernel's single rounding
   of log(S/K) moves d1 and d2 by about 1e-16 / s: there a bound relative to the value
   itself cannot hold, one relative to this scale does. 0 where not finite. */
static void second_order_scale(int type, double S, double K, double T, double r, double q,
                               double sigma, double out[3])
{
    const double s = sigma * sqrt(T), x = log(S / K) + (r - q) * T;
    const double d1 = x / s + 0.5 * s, d2 = d1 - s, th = type == MGN_CALL ? 1.0 : -1.0;
    const double eq = exp(-q * T), n1 = exp(-0.5 * d1 * d1) / 2.5066282746310002;
    const double N1 = 0.5 * erfc(-th * d1 / sqrt(2.0)), vega = S * eq * n1 * sqrt(T);
    const double a1 = fmax(1.0, fabs(d1)), a2 = fmax(1.0, fabs(d2));
    out[0] = eq * n1 * a2 / sigma;
    out[1] = vega * a1 * a2 / sigma;
    out[2] = eq * (fabs(q) * N1 + n1 * (fabs(r - q) / s + a2 / (2 * T)));
    for (int k = 0; k < 3; k++)
        if (!isfinite(out[k]))
            out[k] = 0;
}

/* Greeks as the header's bounds, the price as a price; the Black-76 rho is -T V by
   definition, so it carries the price's tolerance (times T) too, and theta, whose
   terms q S e^{-qT} N1 - r K e^{-rT} N2 cancel as the price's do (r V for Black-76),
   carries it times |r| + |q| (far wings: the price is only promised to 1e-13 of the
   notional there); vanna, volga and charm relative to the larger of their value and
   their terms' size (second_order_scale). Below 1e-290 (near
   the subnormal range, where two evaluations cannot agree to 1e-10 relative) an
   absolute 1e-290; with operands that are not normal numbers (ptol infinite), only
   finiteness. */
static int greeks_close(const mgn_greeks *b, const mgn_greeks *s, double ptol, int b76,
                        int type, double S, double K, double T, double r, double q,
                        double sigma)
{
    const size_t vanna = offsetof(mgn_greeks, vanna) / sizeof(double);
    const double first = rel_bound(1e-10, 5e-15, sigma * sqrt(T)),
                 second = rel_bound(1e-10, 5e-13, sigma * sqrt(T));
    const double *x = (const double *)(const void *)b, *y = (const double *)(const void *)s;
    const size_t rho = offsetof(mgn_greeks, rho) / sizeof(double);
    const size_t theta = offsetof(mgn_greeks, theta) / sizeof(double);
    double terms[3];
    second_order_scale(type, S, K, T, r, b76 ? r : q, sigma, terms);
    if (!close_to(b->price, s->price, ptol))
        return 0;
    for (size_t k = 1; k < sizeof *b / sizeof(double); k++) {
        double tol = k >= vanna ? rel_of(second, fmax(fabs(y[k]), terms[k - vanna]))
                                : rel_of(first, y[k]);
        tol += 1e-290;
        if (isinf(ptol))
            tol = INFINITY;
        else if (b76 && k == rho)
            tol += T * ptol;
        else if (k == theta)
            tol += (fabs(r) + fabs(q)) * ptol;
        if (!close_to(x[k], y[k], tol))
            return 0;
    }
    return 1;
}

static int greeks_all_nan(const mgn_greeks *g)
{
    const double *x = (const double *)(const void *)g;
    for (size_t k = 0; k < sizeof *g / sizeof(double); k++)
        if (!isnan(x[k]))
            return 0;
    return 1;
}

/* Expected batch status from the elements' scalar statuses. ENOSOL is the status only
   when it is the only kind of failure; EINVAL outranks every other failure. */
typedef struct status_tally {
    int any_inval, any_nosol, any_range, any_noconv;
} status_tally;

static void tally(status_tally *t, int st)
{
    t->any_inval |= st == MGN_EINVAL;
    t->any_nosol |= st == MGN_ENOSOL;
    t->any_range |= st == MGN_ERANGE;
    t->any_noconv |= st == MGN_ENOCONV;
}

static int expected_status(const status_tally *t)
{
    if (t->any_inval)
        return MGN_EINVAL;
    if (t->any_range)
        return MGN_ERANGE;
    if (t->any_noconv)
        return MGN_ENOCONV;
    if (t->any_nosol)
        return MGN_ENOSOL;
    return MGN_OK;
}

enum { F_BS_PRICE, F_BS_GREEKS, F_B76_PRICE, F_B76_GREEKS, F_IV, F_IV_STATUS, F_COUNT };

/* The call of family f on the arrays given (any may be NULL). */
typedef struct args {
    const int *type;
    const double *S, *K, *T, *r, *q, *sigma, *price;
    double *out;          /* prices or vols */
    mgn_greeks *g;
    int *status;
} args;

static int call(int f, size_t n, const args *a)
{
    switch (f) {
    case F_BS_PRICE:
        return mgn_bs_price_batch(n, a->type, a->S, a->K, a->T, a->r, a->q, a->sigma, a->out);
    case F_BS_GREEKS:
        return mgn_bs_greeks_batch(n, a->type, a->S, a->K, a->T, a->r, a->q, a->sigma, a->g);
    case F_B76_PRICE:
        return mgn_black76_price_batch(n, a->type, a->S, a->K, a->T, a->r, a->sigma, a->out);
    case F_B76_GREEKS:
        return mgn_black76_greeks_batch(n, a->type, a->S, a->K, a->T, a->r, a->sigma, a->g);
    case F_IV:
        return mgn_implied_vol_batch(n, a->type, a->S, a->K, a->T, a->r, a->q, a->price, a->out);
    default:
        return mgn_implied_vol_batch_status(n, a->type, a->S, a->K, a->T, a->r, a->q, a->price,
                                            a->out, a->status);
    }
}

/* The pointer arguments of each family, in order; one of them set to NULL. */
enum { P_TYPE, P_S, P_K, P_T, P_R, P_Q, P_SIGMA, P_PRICE, P_OUT, P_G, P_STATUS, P_END = -1 };
static const int family_pointers[F_COUNT][10] = {
    [F_BS_PRICE] = { P_TYPE, P_S, P_K, P_T, P_R, P_Q, P_SIGMA, P_OUT, P_END },
    [F_BS_GREEKS] = { P_TYPE, P_S, P_K, P_T, P_R, P_Q, P_SIGMA, P_G, P_END },
    [F_B76_PRICE] = { P_TYPE, P_S, P_K, P_T, P_R, P_SIGMA, P_OUT, P_END },
    [F_B76_GREEKS] = { P_TYPE, P_S, P_K, P_T, P_R, P_SIGMA, P_G, P_END },
    [F_IV] = { P_TYPE, P_S, P_K, P_T, P_R, P_Q, P_PRICE, P_OUT, P_END },
    [F_IV_STATUS] = { P_TYPE, P_S, P_K, P_T, P_R, P_Q, P_PRICE, P_OUT, P_STATUS, P_END },
};

static void null_pointer(int f, args *a, unsigned sel)
{
    unsigned count = 0;
    while (family_pointers[f][count] != P_END)
        count++;
    switch (family_pointers[f][sel % count]) {
    case P_TYPE: a->type = NULL; break;
    case P_S: a->S = NULL; break;
    case P_K: a->K = NULL; break;
    case P_T: a->T = NULL; break;
    case P_R: a->r = NULL; break;
    case P_Q: a->q = NULL; break;
    case P_SIGMA: a->sigma = NULL; break;
    case P_PRICE: a->price = NULL; break;
    case P_OUT: a->out = NULL; break;
    case P_G: a->g = NULL; break;
    default: a->status = NULL; break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_in in = fz_init(data, size);
    int f = (int)(fz_u8(&in) % F_COUNT);
    size_t n = fz_count(&in, MAX_N);
    unsigned null_sel = fz_u8(&in);
    static elems e;
    memset(&e, 0, sizeof e);
    /* an input that runs out ends the array: n elements only as far as the bytes go
       (at least one), so that short inputs stay cheap */
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && in.n == 0) {
            n = i;
            break;
        }
        decode_element(&in, &e, i);
    }
    int b76 = f == F_B76_PRICE || f == F_B76_GREEKS;
    int greeks = f == F_BS_GREEKS || f == F_B76_GREEKS;
    if (b76)
        memcpy(e.q, e.r, sizeof e.q);   /* the scalar reference is BSM with q = r */

    FZ_LOG("family %d n %zu null_sel %u\n", f, n, null_sel);
    for (size_t i = 0; i < n; i++)
        FZ_LOG("  [%zu] type %d S %.17g K %.17g T %.17g r %.17g q %.17g sigma %.17g price %.17g\n",
               i, e.type[i], e.S[i], e.K[i], e.T[i], e.r[i], e.q[i], e.sigma[i], e.price[i]);

    static double out[MAX_N], out2[MAX_N];
    static mgn_greeks g[MAX_N], g2[MAX_N];
    static int status[MAX_N], status2[MAX_N];
    FZ_FILL(out, sizeof out);
    FZ_FILL(out2, sizeof out2);
    FZ_FILL(g, sizeof g);
    FZ_FILL(g2, sizeof g2);
    FZ_FILL(status, sizeof status);
    FZ_FILL(status2, sizeof status2);

    args a = { e.type, e.S, e.K, e.T, e.r, e.q, e.sigma, e.price, out, g, status };

    if (n == 0) {
        /* n == 0: valid with any pointers, NULL included; nothing written */
        args none = { NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL };
        FZ_ASSERT(call(f, 0, (null_sel & 1) ? &none : &a) == MGN_OK);
        FZ_ASSERT(fz_untouched(out, sizeof out) && fz_untouched(g, sizeof g)
                  && fz_untouched(status, sizeof status));
        return 0;
    }
    if (null_sel < 48) {
        /* one NULL array with n > 0: MGN_EINVAL, nothing written */
        args an = a;
        null_pointer(f, &an, null_sel);
        FZ_ASSERT(call(f, n, &an) == MGN_EINVAL);
        FZ_ASSERT(fz_untouched(out, sizeof out) && fz_untouched(g, sizeof g)
                  && fz_untouched(status, sizeof status));
        return 0;
    }

    int st = call(f, n, &a);
    FZ_STATUS(st);

    status_tally t = { 0, 0, 0, 0 };
    for (size_t i = 0; i < n; i++) {
        mgn_option_type ty = (mgn_option_type)e.type[i];
        int si;
        if (f == F_BS_PRICE || f == F_B76_PRICE) {
            double p = NAN;
            si = b76 ? mgn_black76_price(ty, e.S[i], e.K[i], e.T[i], e.r[i], e.sigma[i], &p)
                     : mgn_bs_price(ty, e.S[i], e.K[i], e.T[i], e.r[i], e.q[i], e.sigma[i], &p);
            FZ_LOG("  [%zu] scalar %d %.17g batch %.17g\n", i, si, p, out[i]);
            if (si == MGN_OK)
                FZ_ASSERT(close_to(out[i], p, price_tol(p, e.S[i], e.K[i], e.T[i], e.r[i], e.q[i],
                                                          e.sigma[i])));
            else
                FZ_ASSERT(isnan(out[i]));
        } else if (greeks) {
            mgn_greeks s;
            si = b76 ? mgn_black76_greeks(ty, e.S[i], e.K[i], e.T[i], e.r[i], e.sigma[i], &s)
                     : mgn_bs_greeks(ty, e.S[i], e.K[i], e.T[i], e.r[i], e.q[i], e.sigma[i], &s);
            FZ_LOG("  [%zu] scalar %d\n", i, si);
            for (size_t k = 0; si == MGN_OK && k < sizeof s / sizeof(double); k++)
                FZ_LOG("      %.17g %.17g\n", ((const double *)(const void *)&s)[k],
                       ((const double *)(const void *)&g[i])[k]);
            if (si == MGN_OK)
                FZ_ASSERT(greeks_close(&g[i], &s,
                                       price_tol(s.price, e.S[i], e.K[i], e.T[i], e.r[i],
                                                 e.q[i], e.sigma[i]),
                                       b76, ty, e.S[i], e.K[i], e.T[i], e.r[i], e.q[i],
                                       e.sigma[i]));
            else
                FZ_ASSERT(greeks_all_nan(&g[i]));
        } else {
            double v = NAN;
            si = mgn_implied_vol(ty, e.S[i], e.K[i], e.T[i], e.r[i], e.q[i], e.price[i], &v);
            FZ_LOG("  [%zu] scalar %d %.17g batch %d %.17g\n", i, si, v,
                   f == F_IV_STATUS ? status[i] : -1, out[i]);
            FZ_ASSERT(si != MGN_ENOCONV);
            if (si == MGN_OK)
                FZ_ASSERT(close_to(out[i], v, 1e-12 * v) && out[i] >= 0.0);
            else
                FZ_ASSERT(isnan(out[i]));
            if (f == F_IV_STATUS)
                FZ_ASSERT(status[i] == si);
        }
        tally(&t, si);
    }
    FZ_ASSERT(st == expected_status(&t));
    if (f != F_IV_STATUS)
        FZ_ASSERT(fz_untouched(status, sizeof status));
    /* nothing written past n */
    FZ_ASSERT(fz_untouched(out + n, sizeof out - n * sizeof out[0]));
    FZ_ASSERT(fz_untouched(g + n, sizeof g - n * sizeof g[0]));

    /* same bits on a second call */
    args a2 = { e.type, e.S, e.K, e.T, e.r, e.q, e.sigma, e.price, out2, g2, status2 };
    FZ_ASSERT(call(f, n, &a2) == st);
    if (greeks)
        FZ_ASSERT(fz_same_bits(g, g2, n * sizeof g[0]));
    else
        FZ_ASSERT(fz_same_bits(out, out2, n * sizeof out[0]));
    if (f == F_IV_STATUS)
        FZ_ASSERT(fz_same_bits(status, status2, n * sizeof status[0]));
    return 0;
}
