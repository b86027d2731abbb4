/* Tests of lib/bs.c and lib/batch.c: European prices and Greeks (BSM, Black-76,
 * inverse), scalar and batch.
 *
 * Independent references:
 *   - published values (tests/data/pricing_published.csv, Haug 2007 and Hull 2015);
 *   - the closed-form price evaluated in 113-bit arithmetic (libquadmath), and every
 *     Greek as a finite difference of that 113-bit price (not of the closed-form
 *     Greeks), so a wrong Greek formula cannot agree with itself;
 *   - identities: put-call parity, Black-76 = BSM with q = r, inverse = BSM / S;
 *   - double-precision finite differences at several step sizes;
 *   - exact limits at T = 0 and sigma = 0.
 */
#include <float.h>
#include <stdlib.h>
#include "test_util.h"
#include "qref.h"

typedef struct { double S, K, T, r, q, sigma; int type; } opt;

/* All ten Greeks by central differences of the 113-bit price. Steps scale with
   s = sigma sqrt(T), the scale on which the price varies, so truncation errors stay
   near 1e-12 relative and rounding far below it. */
static void ref_greeks(const opt *o, int black76, mgn_greeks *g)
{
    q128 S = o->S, K = o->K, T = o->T, r = o->r, q = black76 ? o->r : o->q, v = o->sigma;
    int ty = o->type;
    q128 s = v * sqrtq(T);
    q128 sm = s < 1 ? s : 1;
    q128 hS = ((q128)1e-6) * S * sm, hv = ((q128)1e-6) * v, hT = ((q128)1e-6) * T * sm, hr = ((q128)1e-6) * sm / T;
    q128 h2S = ((q128)1e-5) * S * sm, h2v = ((q128)1e-5) * v, h2T = ((q128)1e-5) * T * sm;
#define P(S_, K_, T_, r_, q_, v_) qprice(ty, (S_), (K_), (T_), (r_), (q_), (v_))
    q128 p0 = P(S, K, T, r, q, v);
    g->price = (double)p0;
    g->delta = (double)((P(S + hS, K, T, r, q, v) - P(S - hS, K, T, r, q, v)) / (2 * hS));
    g->gamma = (double)((P(S + h2S, K, T, r, q, v) - 2 * p0 + P(S - h2S, K, T, r, q, v)) / (h2S * h2S));
    g->vega = (double)((P(S, K, T, r, q, v + hv) - P(S, K, T, r, q, v - hv)) / (2 * hv));
    g->volga = (double)((P(S, K, T, r, q, v + h2v) - 2 * p0 + P(S, K, T, r, q, v - h2v)) / (h2v * h2v));
    g->vanna = (double)((P(S + h2S, K, T, r, q, v + h2v) - P(S + h2S, K, T, r, q, v - h2v)
                         - P(S - h2S, K, T, r, q, v + h2v) + P(S - h2S, K, T, r, q, v - h2v))
                        / (4 * h2S * h2v));
    if (black76) {
        /* Black-76: F = S is held fixed while T and r move; q = r moves with r. */
        g->theta = (double)(-(P(S, K, T + hT, r, r, v) - P(S, K, T - hT, r, r, v)) / (2 * hT));
        g->rho = (double)((P(S, K, T, r + hr, r + hr, v) - P(S, K, T, r - hr, r - hr, v)) / (2 * hr));
        g->dividend_rho = 0;
        g->charm = (double)(-(P(S + h2S, K, T + h2T, r, r, v) - P(S + h2S, K, T - h2T, r, r, v)
                              - P(S - h2S, K, T + h2T, r, r, v) + P(S - h2S, K, T - h2T, r, r, v))
                            / (4 * h2S * h2T));
    } else {
        g->theta = (double)(-(P(S, K, T + hT, r, q, v) - P(S, K, T - hT, r, q, v)) / (2 * hT));
        g->rho = (double)((P(S, K, T, r + hr, q, v) - P(S, K, T, r - hr, q, v)) / (2 * hr));
        g->dividend_rho = (double)((P(S, K, T, r, q + hr, v) - P(S, K, T, r, q - hr, v)) / (2 * hr));
        g->charm = (double)(-(P(S + h2S, K, T + h2T, r, q, v) - P(S + h2S, K, T - h2T, r, q, v)
                              - P(S - h2S, K, T + h2T, r, q, v) + P(S - h2S, K, T - h2T, r, q, v))
                            / (4 * h2S * h2T));
    }
#undef P
}

/* A random option from the domain the accuracy contract covers. */
static opt random_opt(mgn_test_rng *g)
{
    opt o;
    o.S = mgn_test_logrange(g, 0.05, 2e4);
    o.K = o.S * mgn_test_logrange(g, 0.2, 5.0);
    o.T = mgn_test_logrange(g, 1e-6, 10.0);
    o.r = mgn_test_range(g, -0.02, 0.15);
    o.q = mgn_test_range(g, -0.05, 0.20);
    o.sigma = mgn_test_logrange(g, 0.01, 4.0);
    o.type = mgn_test_uniform(g) < 0.5 ? MGN_CALL : MGN_PUT;
    return o;
}

static double maxd(double a, double b) { return a > b ? a : b; }

/*---------------------------------------------------------------- published values */

static void test_published_values(void **state)
{
    (void)state;
    FILE *f = fopen("tests/data/pricing_published.csv", "r");
    assert_non_null(f);
    char line[512];
    int rows = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        char model[16], type[8], what[16];
        double S, K, T, r, q, sigma, value, tol;
        int n = sscanf(line, "%15[^,],%7[^,],%lf,%lf,%lf,%lf,%lf,%lf,%15[^,],%lf,%lf", model, type,
                       &S, &K, &T, &r, &q, &sigma, what, &value, &tol);
        assert_int_equal(n, 11);
        mgn_option_type ty = strcmp(type, "call") == 0 ? MGN_CALL : MGN_PUT;
        mgn_greeks g;
        if (strcmp(model, "black76") == 0)
            assert_int_equal(mgn_black76_greeks(ty, S, K, T, r, sigma, &g), MGN_OK);
        else
            assert_int_equal(mgn_bs_greeks(ty, S, K, T, r, q, sigma, &g), MGN_OK);
        double got = strcmp(what, "price") == 0   ? g.price
                   : strcmp(what, "delta") == 0   ? g.delta
                   : strcmp(what, "gamma") == 0   ? g.gamma
                   : strcmp(what, "vega") == 0    ? g.vega
                   : strcmp(what, "theta") == 0   ? g.theta
                   : strcmp(what, "rho") == 0     ? g.rho : NAN;
        if (!(fabs(got - value) <= tol))
            print_error("%s", line);
        assert_close(got, value, 0, tol);
        rows++;
    }
    fclose(f);
    assert_true(rows >= 12);
}

/*---------------------------------------------------------------- accuracy vs 113-bit */

static void test_price_accuracy_random(void **state)
{
    (void)state;
    mgn_test_rng g = { 0x9e3779b97f4a7c15ULL };
    double worst_rel = 0;
    long n = mgn_test_cases(200000);
    for (long i = 0; i < n; i++) {
        opt o = random_opt(&g);
        double p;
        assert_int_equal(mgn_bs_price(o.type, o.S, o.K, o.T, o.r, o.q, o.sigma, &p), MGN_OK);
        double ref = (double)qprice(o.type, o.S, o.K, o.T, o.r, o.q, o.sigma);
        double scale = maxd(o.S, o.K);
        /* the contract: 1e-12 relative, or 1e-12 * max(S, K) absolute near zero */
        assert_close(p, ref, 1e-12, 1e-12 * scale);
        /* and in fact full relative accuracy wherever the value is not tiny */
        if (ref > 1e-250 * scale) {
            double rel = fabs(p - ref) / ref;
            worst_rel = maxd(worst_rel, rel);
            if (rel > 1e-12)
                print_error("S=%.17g K=%.17g T=%.17g r=%.17g q=%.17g sigma=%.17g type=%d\n",
                            o.S, o.K, o.T, o.r, o.q, o.sigma, o.type);
            assert_true(rel <= 1e-12);
        }
    }
    print_message("max relative price error over %ld random options: %.3g\n", n, worst_rel);
}

/* Far wings and tiny sigma*sqrt(T), where the two normal terms cancel. */
static void test_price_accuracy_wings(void **state)
{
    (void)state;
    const double moneyness[] = { 0.2, 0.5, 0.8, 0.95, 0.99, 0.999, 1.0, 1.001, 1.01, 1.05, 1.25, 2, 5 };
    const double svals[] = { 1e-5, 1e-4, 1e-3, 0.01, 0.05, 0.1, 0.3, 1, 3, 6, 12 };
    for (size_t a = 0; a < sizeof moneyness / sizeof *moneyness; a++)
        for (size_t b = 0; b < sizeof svals / sizeof *svals; b++)
            for (int ty = 0; ty < 2; ty++) {
                double S = 100, K = S * moneyness[a], T = 0.5, sigma = svals[b] / sqrt(T);
                double p;
                assert_int_equal(mgn_bs_price(ty, S, K, T, 0.03, 0.01, sigma, &p), MGN_OK);
                double ref = (double)qprice(ty, S, K, T, 0.03, 0.01, sigma);
                if (ref > 1e-280)
                    assert_close(p, ref, 1e-12, 0);
                else
                    assert_close(p, ref, 0, 1e-290);
            }
}

/* At the forward (|ln(F/K)| below s^2 / 4, so d1 > 0 > d2) with s = sigma sqrt(T)
   from 1e-5 (sigma = 0.01 at T = 1e-6) to 1: the value, about 0.4 s S, is the
   difference of two terms near S / 2, which cancel by a factor up to about 1e5 at
   the smallest s. Within 1e-12 relative of the 113-bit price. */
static void test_price_accuracy_at_the_forward(void **state)
{
    (void)state;
    mgn_test_rng g = { 0x61C8864680B583EBULL };
    const double S = 100, T = 0.5, r = 0.03, q = 0.01, F = S * exp((r - q) * T);
    double worst = 0;
    for (int i = 0; i < 4000; i++) {
        double s = mgn_test_logrange(&g, 1e-5, 1.0);
        double x = mgn_test_range(&g, -0.25, 0.25) * s * s;
        double K = F * exp(-x), sigma = s / sqrt(T), p;
        int ty = i % 2 ? MGN_PUT : MGN_CALL;
        assert_int_equal(mgn_bs_price(ty, S, K, T, r, q, sigma, &p), MGN_OK);
        double ref = (double)qprice(ty, S, K, T, r, q, sigma);
        if (!(fabs(p - ref) <= 1e-12 * ref))
            print_error("s %.17g K %.17g type %d: %.17g vs %.17g\n", s, K, ty, p, ref);
        assert_close(p, ref, 1e-12, 0);
        worst = maxd(worst, fabs(p - ref) / ref);
    }
    print_message("at the forward: max relative error %.3g\n", worst);
}

/* In the money with the out-of-the-money value v = omega (a - b) deep in a wing
   (its larger normal term at -u, u from 3 to 36) and its two terms cancelling (small
   s): the price is the intrinsic part plus v, so v needs accuracy against the price,
   not against itself. Scalar and batch prices against the 113-bit value. */
static void test_price_accuracy_itm_cancelling(void **state)
{
    (void)state;
    const double us[] = { 3, 5, 6.4, 8, 12, 20, 30, 36 };
    const double svals[] = { 1e-6, 1e-4, 1e-3, 0.01, 0.05, 0.11, 0.3 };
    const double S = 100, T = 0.5, r = 0.03, q = 0.01, F = S * exp((r - q) * T);
    enum { N = 2 * 8 * 7 };
    int type[N];
    double Sb[N], Kb[N], Tb[N], rb[N], qb[N], sb[N], pb[N], ref[N];
    int n = 0;
    double worst = 0;
    for (size_t a = 0; a < sizeof us / sizeof *us; a++)
        for (size_t b = 0; b < sizeof svals / sizeof *svals; b++)
            for (int ty = 0; ty < 2; ty++, n++) {
                double s = svals[b], x = s * us[a] + 0.5 * s * s;  /* ln(F/K) of the ITM call */
                type[n] = ty;
                Sb[n] = S;
                Kb[n] = F * exp(ty == MGN_CALL ? -x : x);
                Tb[n] = T;
                rb[n] = r;
                qb[n] = q;
                sb[n] = s / sqrt(T);
                ref[n] = (double)qprice(ty, S, Kb[n], T, r, q, sb[n]);
                double p;
                assert_int_equal(mgn_bs_price(ty, S, Kb[n], T, r, q, sb[n], &p), MGN_OK);
                if (!(fabs(p - ref[n]) <= 1e-12 * ref[n]))
                    print_error("u %g s %g type %d: %.17g vs %.17g\n", us[a], s, ty, p, ref[n]);
                assert_close(p, ref[n], 1e-12, 0);
                worst = maxd(worst, fabs(p - ref[n]) / ref[n]);
            }
    assert_int_equal(mgn_bs_price_batch(N, type, Sb, Kb, Tb, rb, qb, sb, pb), MGN_OK);
    for (int i = 0; i < N; i++) {
        assert_close(pb[i], ref[i], 1e-12, 0);
        worst = maxd(worst, fabs(pb[i] - ref[i]) / ref[i]);
    }
    print_message("in the money, cancelling wing: max relative error %.3g\n", worst);
}

/* Out of the money in the far wings (the larger normal term u standard deviations
   into the tail, u from 2 to 36, s from 1e-4 to 1): the direct formula's terms
   cancel, the batch kernels take such values from the Mills ratio (or hand them to
   the scalar pricer). Scalar within 1e-12 relative of the 113-bit price; batch within
   its documented max(1e-12, 2e-14 / s), or 1e-13 of max(S e^{-qT}, K e^{-rT})
   absolute for values worth less. */
static void test_price_accuracy_otm_wing(void **state)
{
    (void)state;
    const double us[] = { 2, 2.5, 3, 4, 5, 6.4, 8, 12, 20, 30, 35.9 };
    const double svals[] = { 1e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1 };
    const double S = 100, T = 0.5, r = 0.03, q = 0.01, F = S * exp((r - q) * T);
    enum { N = 2 * 11 * 8 };
    int type[N];
    double Sb[N], Kb[N], Tb[N], rb[N], qb[N], sb[N], pb[N], ref[N], sv[N];
    int n = 0;
    for (size_t a = 0; a < sizeof us / sizeof *us; a++)
        for (size_t b = 0; b < sizeof svals / sizeof *svals; b++)
            for (int ty = 0; ty < 2; ty++, n++) {
                double s = svals[b], x = s * us[a] + 0.5 * s * s;   /* -ln(F/K) of the call */
                type[n] = ty;
                Sb[n] = S;
                Kb[n] = F * exp(ty == MGN_CALL ? x : -x);
                Tb[n] = T;
                rb[n] = r;
                qb[n] = q;
                sb[n] = s / sqrt(T);
                sv[n] = s;
                ref[n] = (double)qprice(ty, S, Kb[n], T, r, q, sb[n]);
                double p;
                assert_int_equal(mgn_bs_price(ty, S, Kb[n], T, r, q, sb[n], &p), MGN_OK);
                assert_close(p, ref[n], 1e-12, 1e-300);
            }
    assert_int_equal(mgn_bs_price_batch(N, type, Sb, Kb, Tb, rb, qb, sb, pb), MGN_OK);
    double worst = 0;
    for (int i = 0; i < N; i++) {
        double sc = maxd(S * exp(-q * T), Kb[i] * exp(-r * T)), tol = maxd(1e-12, 2e-14 / sv[i]);
        double abs_tol = ref[i] < 1e-13 * sc ? 1e-13 * sc : 0;
        assert_close(pb[i], ref[i], tol, abs_tol);
        if (abs_tol == 0)
            worst = maxd(worst, fabs(pb[i] - ref[i]) / ref[i] / tol);
    }
    print_message("out of the money, far wings: batch error at most %.3g of its bound\n", worst);
}

/* The accuracy contract of the Greeks: 1e-9 relative, or 1e-9 of the Greek's natural
   scale where it is near zero (the floors below, in mgn_greeks' field order; unit 1/S
   for the coin-settled Greeks of V/S, 1 otherwise). */
static void greek_floors(const opt *o, double unit, double f[10])
{
    double sT = sqrt(o->T), p = 1e-9 * maxd(o->S, o->K) * unit, one = 1e-9 * unit;
    const double v[10] = { p, one, one / (o->S * o->sigma * sT) * 1e-3, p * sT,
                           p * (1 + o->sigma / sT), p * o->T, p * o->T, one * sT / o->sigma,
                           p * sT / o->sigma, one / o->T };
    memcpy(f, v, sizeof v);
}

static void greek_fields(const mgn_greeks *g, double f[10])
{
    const double v[10] = { g->price, g->delta, g->gamma, g->vega, g->theta, g->rho,
                           g->dividend_rho, g->vanna, g->volga, g->charm };
    memcpy(f, v, sizeof v);
}

static void check_greeks(const mgn_greeks *got, const mgn_greeks *ref, const opt *o)
{
    double a[10], b[10], fl[10];
    greek_fields(got, a);
    greek_fields(ref, b);
    greek_floors(o, 1.0, fl);
    for (int k = 0; k < 10; k++)
        assert_close(a[k], b[k], 1e-9, fl[k]);
}

static void test_greeks_vs_finite_differences(void **state)
{
    (void)state;
    mgn_test_rng g = { 12345 };
    for (int i = 0; i < 3000; i++) {
        opt o = random_opt(&g);
        mgn_greeks got, ref;
        assert_int_equal(mgn_bs_greeks(o.type, o.S, o.K, o.T, o.r, o.q, o.sigma, &got), MGN_OK);
        ref_greeks(&o, 0, &ref);
        check_greeks(&got, &ref, &o);
        assert_int_equal(mgn_black76_greeks(o.type, o.S, o.K, o.T, o.r, o.sigma, &got), MGN_OK);
        ref_greeks(&o, 1, &ref);
        check_greeks(&got, &ref, &o);
    }
}

/* The ten Greeks of BSM (model 0), Black-76 (1) or the coin-settled V/S (2) from their
   closed forms (Haug 2007, ch. 2.3; the quotient rule for V/S) in 113-bit arithmetic.
   The finite differences of ref_greeks check the formulas; this reference checks the
   library's evaluation of them to full accuracy, cheaply enough for millions of cases
   (make scan). */
static void ref_greeks_closed(const opt *o, int model, mgn_greeks *g)
{
    q128 S = o->S, K = o->K, T = o->T, r = o->r, q = model == 1 ? o->r : o->q, v = o->sigma;
    q128 th = o->type == MGN_CALL ? 1 : -1, sT = sqrtq(T), s = v * sT;
    q128 d1 = (logq(S / K) + (r - q) * T) / s + s / 2, d2 = d1 - s;
    q128 eq = expq(-q * T), er = expq(-r * T), N1 = qcdf(th * d1), N2 = qcdf(th * d2);
    q128 n1 = expq(-d1 * d1 / 2) / sqrtq(2 * acosq((q128)-1));
    q128 V = qprice(o->type, S, K, T, r, q, v), D = th * eq * N1, G = eq * n1 / (S * s);
    q128 Ve = S * eq * n1 * sT, Th = -S * eq * n1 * v / (2 * sT) + th * (q * S * eq * N1 - r * K * er * N2);
    q128 Rh = model == 1 ? -T * V : th * T * K * er * N2, Dr = model == 1 ? 0 : -th * T * S * eq * N1;
    q128 Va = -eq * n1 * d2 / v, Vo = Ve * d1 * d2 / v;
    q128 Ch = th * q * eq * N1 - eq * n1 * ((r - q) / (v * sT) - d2 / (2 * T));
    if (model == 2) {   /* d(V/S)/dS = (V' - V/S)/S, and so on */
        V /= S; D = (D - V) / S; G = (G - 2 * D) / S; Ve /= S; Th /= S; Rh /= S; Dr /= S;
        Va = (Va - Ve) / S; Vo /= S; Ch = (Ch - Th) / S;
    }
    mgn_greeks out = { (double)V, (double)D, (double)G, (double)Ve, (double)Th, (double)Rh,
                       (double)Dr, (double)Va, (double)Vo, (double)Ch };
    *g = out;
}

/* Largest error of got against ref in units of the accuracy contract (at most 1). */
static double greeks_error(const mgn_greeks *got, const mgn_greeks *ref, const opt *o,
                           double unit)
{
    double a[10], b[10], fl[10], worst = 0;
    greek_fields(got, a);
    greek_fields(ref, b);
    greek_floors(o, unit, fl);
    for (int k = 0; k < 10; k++) {
        double e = fabs(a[k] - b[k]) / (1e-9 * fabs(b[k]) + fl[k]);
        if (!(e <= worst))
            worst = isnan(e) ? INFINITY : e;
    }
    return worst;
}

/* Scalar, batch, Black-76 and coin-settled Greeks over the domain, against
   ref_greeks_closed (itself checked against ref_greeks on a sixteenth of the options;
   the coin-settled forms' quotient rule against differences in test_inverse). */
static void test_greeks_closed_form_random(void **state)
{
    (void)state;
    enum { B = 64 };
    mgn_test_rng g = { 0x5851F42D4C957F2DULL };
    double worst[5] = { 0 };
    static const char *what[5] = { "BSM", "BSM batch", "Black-76", "Black-76 batch",
                                   "coin-settled" };
    long n = mgn_test_cases(20000);
    for (long i0 = 0; i0 < n; i0 += B) {
        opt o[B];
        int ty[B];
        double S[B], K[B], T[B], r[B], q[B], v[B];
        mgn_greeks gb[B], g76[B];
        for (int j = 0; j < B; j++) {
            o[j] = random_opt(&g);
            ty[j] = o[j].type; S[j] = o[j].S; K[j] = o[j].K; T[j] = o[j].T;
            r[j] = o[j].r; q[j] = o[j].q; v[j] = o[j].sigma;
        }
        assert_int_equal(mgn_bs_greeks_batch(B, ty, S, K, T, r, q, v, gb), MGN_OK);
        assert_int_equal(mgn_black76_greeks_batch(B, ty, S, K, T, r, v, g76), MGN_OK);
        for (int j = 0; j < B; j++) {
            const opt *x = &o[j];
            mgn_greeks got[5], ref[3];
            assert_int_equal(mgn_bs_greeks(x->type, x->S, x->K, x->T, x->r, x->q, x->sigma, &got[0]), MGN_OK);
            got[1] = gb[j];
            assert_int_equal(mgn_black76_greeks(x->type, x->S, x->K, x->T, x->r, x->sigma, &got[2]), MGN_OK);
            got[3] = g76[j];
            assert_int_equal(mgn_inverse_greeks(x->type, x->S, x->K, x->T, x->r, x->q, x->sigma, &got[4]), MGN_OK);
            for (int m = 0; m < 3; m++)
                ref_greeks_closed(x, m, &ref[m]);
            /* the closed forms share their formulas with the library: every 16th option
               they are held against the finite differences of the 113-bit price
               (ref_greeks), within 1000 tolerances (the differences' own error reaches
               about 2 near a Greek's zero; a wrong formula is off by O(1) relative) */
            for (int m = 0; m < 2 && j % 16 == 0; m++) {
                mgn_greeks fd;
                ref_greeks(x, m, &fd);
                if (!(greeks_error(&ref[m], &fd, x, 1.0) <= 1000)) {
                    print_error("closed form %d against differences: S=%.17g K=%.17g T=%.17g "
                                "r=%.17g q=%.17g sigma=%.17g type=%d\n", m, x->S, x->K, x->T,
                                x->r, x->q, x->sigma, x->type);
                    fail();
                }
            }
            for (int k = 0; k < 5; k++) {
                double e = greeks_error(&got[k], &ref[k < 2 ? 0 : k < 4 ? 1 : 2], x,
                                        k == 4 ? 1.0 / x->S : 1.0);
                if (!(e <= 1)) {
                    print_error("%s: S=%.17g K=%.17g T=%.17g r=%.17g q=%.17g sigma=%.17g type=%d: "
                                "%.3g of the tolerance\n", what[k], x->S, x->K, x->T, x->r, x->q,
                                x->sigma, x->type, e);
                    fail();
                }
                worst[k] = maxd(worst[k], e);
            }
        }
    }
    print_message("Greeks of %ld random options against 113-bit closed forms, worst error in units "
                  "of the tolerance: BSM %.3g, batch %.3g, Black-76 %.3g, batch %.3g, "
                  "coin-settled %.3g\n", (n + B - 1) / B * B, worst[0], worst[1],
                  worst[2], worst[3], worst[4]);
}

/* The price mgn_bs_greeks returns is mgn_bs_price's, bit for bit (and so for the
   Black-76 and coin-settled forms): a risk engine that takes prices from one and
   Greeks from the other sees one value of each option.
   The two share every step (the same normal terms, the same tail form with the same
   density, the same limits); random options from the accuracy domain, and options
   near the money over short to long expiries, whose d1 and d2 straddle 0. */
static void test_greeks_price_is_the_price(void **state)
{
    (void)state;
    mgn_test_rng g = { 0x2545F4914F6CDD1DULL };
    long n = mgn_test_cases(200000), differ = 0;
    for (long i = 0; i < n; i++) {
        opt o = random_opt(&g);
        if (i % 2) {                      /* near the money */
            o.K = o.S * mgn_test_range(&g, 0.8, 1.25);
            o.T = mgn_test_logrange(&g, 1.0 / 365, 1.0);
            o.sigma = mgn_test_range(&g, 0.3, 1.2);
        }
        for (int form = 0; form < 3; form++) {      /* BSM, Black-76, coin-settled */
            double p;
            mgn_greeks gk;
            int sp, sg;
            if (form == 0) {
                sp = mgn_bs_price(o.type, o.S, o.K, o.T, o.r, o.q, o.sigma, &p);
                sg = mgn_bs_greeks(o.type, o.S, o.K, o.T, o.r, o.q, o.sigma, &gk);
            } else if (form == 1) {
                sp = mgn_black76_price(o.type, o.S, o.K, o.T, o.r, o.sigma, &p);
                sg = mgn_black76_greeks(o.type, o.S, o.K, o.T, o.r, o.sigma, &gk);
            } else {
                sp = mgn_inverse_price(o.type, o.S, o.K, o.T, o.r, o.q, o.sigma, &p);
                sg = mgn_inverse_greeks(o.type, o.S, o.K, o.T, o.r, o.q, o.sigma, &gk);
            }
            assert_int_equal(sp, MGN_OK);
            if (sg != MGN_OK)
                continue;
            if (gk.price != p && differ++ < 5)
                print_error("form %d S=%.17g K=%.17g T=%.17g r=%.17g q=%.17g sigma=%.17g "
                            "type=%d: %.17g against %.17g\n", form, o.S, o.K, o.T, o.r, o.q,
                            o.sigma, o.type, gk.price, p);
        }
    }
    assert_int_equal(differ, 0);
}

/* The classical check in double precision: central differences at several step
   sizes; the best of them agrees with the analytic Greek to about 1e-7. */
static void test_greeks_double_fd_several_steps(void **state)
{
    (void)state;
    const double steps[] = { 1e-2, 1e-3, 1e-4, 1e-5 };
    mgn_test_rng g = { 777 };
    for (int i = 0; i < 500; i++) {
        opt o = random_opt(&g);
        o.T = mgn_test_logrange(&g, 0.01, 5);
        mgn_greeks a;
        assert_int_equal(mgn_bs_greeks(o.type, o.S, o.K, o.T, o.r, o.q, o.sigma, &a), MGN_OK);
        double best_delta = INFINITY, best_vega = INFINITY, best_theta = INFINITY;
        for (size_t k = 0; k < sizeof steps / sizeof *steps; k++) {
            double h = steps[k], up, dn;
            double hS = h * o.S * o.sigma * sqrt(o.T);
            mgn_bs_price(o.type, o.S + hS, o.K, o.T, o.r, o.q, o.sigma, &up);
            mgn_bs_price(o.type, o.S - hS, o.K, o.T, o.r, o.q, o.sigma, &dn);
            best_delta = fmin(best_delta, fabs((up - dn) / (2 * hS) - a.delta));
            double hv = h * o.sigma;
            mgn_bs_price(o.type, o.S, o.K, o.T, o.r, o.q, o.sigma + hv, &up);
            mgn_bs_price(o.type, o.S, o.K, o.T, o.r, o.q, o.sigma - hv, &dn);
            best_vega = fmin(best_vega, fabs((up - dn) / (2 * hv) - a.vega));
            double hT = h * o.T;
            mgn_bs_price(o.type, o.S, o.K, o.T + hT, o.r, o.q, o.sigma, &up);
            mgn_bs_price(o.type, o.S, o.K, o.T - hT, o.r, o.q, o.sigma, &dn);
            best_theta = fmin(best_theta, fabs(-(up - dn) / (2 * hT) - a.theta));
        }
        double sc = maxd(o.S, o.K);
        assert_true(best_delta <= 1e-7 * (1 + fabs(a.delta)));
        assert_true(best_vega <= 1e-7 * (sc + fabs(a.vega)));
        assert_true(best_theta <= 1e-7 * (sc + fabs(a.theta)));
    }
}

/*---------------------------------------------------------------- identities */

static void test_put_call_parity(void **state)
{
    (void)state;
    mgn_test_rng g = { 4242 };
    for (int i = 0; i < 20000; i++) {
        opt o = random_opt(&g);
        double c, p;
        mgn_greeks gc, gp;
        assert_int_equal(mgn_bs_price(MGN_CALL, o.S, o.K, o.T, o.r, o.q, o.sigma, &c), MGN_OK);
        assert_int_equal(mgn_bs_price(MGN_PUT, o.S, o.K, o.T, o.r, o.q, o.sigma, &p), MGN_OK);
        double fwd = (double)(o.S * expq(-(q128)o.q * o.T) - o.K * expq(-(q128)o.r * o.T));
        double sc = maxd(o.S, o.K);
        assert_close(c - p, fwd, 0, 4e-15 * sc);
        assert_int_equal(mgn_bs_greeks(MGN_CALL, o.S, o.K, o.T, o.r, o.q, o.sigma, &gc), MGN_OK);
        assert_int_equal(mgn_bs_greeks(MGN_PUT, o.S, o.K, o.T, o.r, o.q, o.sigma, &gp), MGN_OK);
        assert_close(gc.delta - gp.delta, exp(-o.q * o.T), 0, 1e-15);
        assert_close(gc.gamma, gp.gamma, 1e-15, 0);
        assert_close(gc.vega, gp.vega, 1e-15, 0);
        assert_close(gc.rho - gp.rho, o.T * o.K * exp(-o.r * o.T), 1e-13, 1e-13 * sc * o.T);
    }
}

static void test_black76_is_bsm_on_forward(void **state)
{
    (void)state;
    mgn_test_rng g = { 99 };
    for (int i = 0; i < 5000; i++) {
        opt o = random_opt(&g);
        double p76, pbs;
        mgn_greeks g76, gbs;
        assert_int_equal(mgn_black76_price(o.type, o.S, o.K, o.T, o.r, o.sigma, &p76), MGN_OK);
        assert_int_equal(mgn_bs_price(o.type, o.S, o.K, o.T, o.r, o.r, o.sigma, &pbs), MGN_OK);
        assert_true(p76 == pbs);
        assert_int_equal(mgn_black76_greeks(o.type, o.S, o.K, o.T, o.r, o.sigma, &g76), MGN_OK);
        assert_int_equal(mgn_bs_greeks(o.type, o.S, o.K, o.T, o.r, o.r, o.sigma, &gbs), MGN_OK);
        assert_true(g76.delta == gbs.delta && g76.gamma == gbs.gamma && g76.theta == gbs.theta);
        assert_close(g76.rho, -o.T * g76.price, 1e-15, 0);
        assert_true(g76.dividend_rho == 0);
    }
}

/* Inverse options: value V/S and the Greeks of V/S against 113-bit differences. */
static void test_inverse(void **state)
{
    (void)state;
    mgn_test_rng g = { 2024 };
    for (int i = 0; i < 2000; i++) {
        opt o = random_opt(&g);
        double pc, p;
        mgn_greeks gi;
        assert_int_equal(mgn_inverse_price(o.type, o.S, o.K, o.T, o.r, o.q, o.sigma, &pc), MGN_OK);
        assert_int_equal(mgn_bs_price(o.type, o.S, o.K, o.T, o.r, o.q, o.sigma, &p), MGN_OK);
        assert_close(pc, p / o.S, 1e-15, 0);
        assert_int_equal(mgn_inverse_greeks(o.type, o.S, o.K, o.T, o.r, o.q, o.sigma, &gi), MGN_OK);
        q128 S = o.S, s = o.sigma * sqrtq((q128)o.T), sm = s < 1 ? s : 1, h = ((q128)1e-6) * S * sm, h2 = ((q128)1e-5) * S * sm;
        q128 hv = ((q128)1e-5) * o.sigma;
#define C(S_, v_) (qprice(o.type, (S_), o.K, o.T, o.r, o.q, (v_)) / (S_))
        double d = (double)((C(S + h, o.sigma) - C(S - h, o.sigma)) / (2 * h));
        double gm = (double)((C(S + h2, o.sigma) - 2 * C(S, o.sigma) + C(S - h2, o.sigma)) / (h2 * h2));
        double va = (double)((C(S + h2, o.sigma + hv) - C(S + h2, o.sigma - hv) - C(S - h2, o.sigma + hv)
                              + C(S - h2, o.sigma - hv)) / (4 * h2 * hv));
#undef C
        double sc = maxd(o.S, o.K) / o.S;
        assert_close(gi.delta, d, 1e-9, 1e-9 * sc / o.S);
        assert_close(gi.gamma, gm, 1e-8, 1e-9 * sc / (o.S * o.S * o.sigma * sqrt(o.T)) * 1e-3);
        assert_close(gi.vanna, va, 1e-8, 1e-9 * sc / o.S * sqrt(o.T) / o.sigma);
    }
    /* a deep in-the-money inverse call is worth about 1 - K/S coin */
    double v;
    assert_int_equal(mgn_inverse_price(MGN_CALL, 50000, 10000, 1e-3, 0, 0, 0.5, &v), MGN_OK);
    assert_close(v, 0.8, 1e-14, 0);
}

/*---------------------------------------------------------------- exact limits */

static void test_expiry_limits(void **state)
{
    (void)state;
    mgn_greeks g;
    double p;
    assert_int_equal(mgn_bs_greeks(MGN_CALL, 110, 100, 0, 0.05, 0.01, 0.3, &g), MGN_OK);
    assert_true(g.price == 10 && g.delta == 1 && g.gamma == 0 && g.vega == 0 && g.theta == 0
                && g.rho == 0 && g.dividend_rho == 0 && g.vanna == 0 && g.volga == 0 && g.charm == 0);
    assert_int_equal(mgn_bs_greeks(MGN_PUT, 110, 100, 0, 0.05, 0.01, 0.3, &g), MGN_OK);
    assert_true(g.price == 0 && g.delta == 0);
    assert_int_equal(mgn_bs_greeks(MGN_PUT, 90, 100, 0, 0.05, 0.01, 0.3, &g), MGN_OK);
    assert_true(g.price == 10 && g.delta == -1);
    assert_int_equal(mgn_bs_greeks(MGN_CALL, 100, 100, 0, 0.05, 0.01, 0.3, &g), MGN_OK);
    assert_true(g.price == 0 && g.delta == 0.5);
    assert_int_equal(mgn_bs_greeks(MGN_PUT, 100, 100, 0, 0.05, 0.01, 0.3, &g), MGN_OK);
    assert_true(g.price == 0 && g.delta == -0.5);
    assert_int_equal(mgn_black76_greeks(MGN_CALL, 100, 100, 0, 0.05, 0.3, &g), MGN_OK);
    assert_true(g.price == 0 && g.delta == 0.5);
    assert_int_equal(mgn_bs_price(MGN_CALL, 120, 100, 0, 0.05, 0.01, 0, &p), MGN_OK);
    assert_true(p == 20);
    /* continuity: T -> 0+ approaches the payoff */
    assert_int_equal(mgn_bs_price(MGN_CALL, 120, 100, 1e-12, 0.05, 0.01, 0.3, &p), MGN_OK);
    assert_close(p, 20, 1e-9, 0);
}

static void test_zero_vol_limits(void **state)
{
    (void)state;
    double S = 100, K = 95, T = 2, r = 0.05, q = 0.02;
    double Sc = S * exp(-q * T), Kr = K * exp(-r * T);
    mgn_greeks g;
    assert_int_equal(mgn_bs_greeks(MGN_CALL, S, K, T, r, q, 0, &g), MGN_OK);
    assert_close(g.price, Sc - Kr, 1e-15, 0);
    assert_close(g.delta, exp(-q * T), 1e-15, 0);
    assert_true(g.gamma == 0 && g.vega == 0 && g.vanna == 0 && g.volga == 0);
    assert_close(g.rho, T * Kr, 1e-15, 0);
    assert_close(g.dividend_rho, -T * Sc, 1e-15, 0);
    assert_close(g.theta, q * Sc - r * Kr, 1e-14, 0);
    assert_close(g.charm, q * exp(-q * T), 1e-15, 0);
    /* the limit agrees with a tiny positive sigma */
    mgn_greeks h;
    assert_int_equal(mgn_bs_greeks(MGN_CALL, S, K, T, r, q, 1e-6, &h), MGN_OK);
    assert_close(h.price, g.price, 1e-12, 0);
    assert_close(h.theta, g.theta, 1e-9, 0);
    assert_close(h.charm, g.charm, 1e-9, 1e-12);
    /* out of the money: everything 0 */
    assert_int_equal(mgn_bs_greeks(MGN_PUT, S, K, T, r, q, 0, &g), MGN_OK);
    assert_true(g.price == 0 && g.delta == 0 && g.theta == 0 && g.rho == 0 && g.charm == 0);
    /* F == K: the price is fine, gamma is unbounded */
    double Kf = S * exp((r - q) * T), p;
    double x = log(S / Kf) + (r - q) * T;
    if (x == 0) {
        assert_int_equal(mgn_bs_price(MGN_CALL, S, Kf, T, r, q, 0, &p), MGN_OK);
        assert_true(p == 0);
        g.price = 42;
        assert_int_equal(mgn_bs_greeks(MGN_CALL, S, Kf, T, r, q, 0, &g), MGN_ERANGE);
        assert_true(g.price == 42);
    }
    assert_int_equal(mgn_black76_greeks(MGN_CALL, 100, 100, 1, 0.05, 0, &g), MGN_ERANGE);
    assert_int_equal(mgn_black76_price(MGN_CALL, 100, 100, 1, 0.05, 0, &p), MGN_OK);
    assert_true(p == 0);
}

/* Next to DBL_MAX one discounted part may overflow while the value is a double: a put
   on S = DBL_MAX with q < 0 (S e^{-qT} = inf) and the call it mirrors (S and K, r and
   q exchanged: K e^{-rT} = inf). Both are worth 1.178e308, within 1e-12 of the 113-bit
   price; the overflowing part used to make the put come out as its bound K e^{-rT}
   (1.290e308, 9% high). Found by fuzzing the American pricer's symmetry. */
static void test_price_overflowing_part(void **state)
{
    (void)state;
    const double S = DBL_MAX, K = 1.3069134114273492e+308, T = 9.6928164465805651;
    const double r = 0.0013592736705577146, q = -0.049019607843137261, sigma = 1.2146816386430248;
    double put, call;
    assert_int_equal(mgn_bs_price(MGN_PUT, S, K, T, r, q, sigma, &put), MGN_OK);
    assert_int_equal(mgn_bs_price(MGN_CALL, K, S, T, q, r, sigma, &call), MGN_OK);
    double ref = (double)qprice(MGN_PUT, S, K, T, r, q, sigma);
    assert_true(ref > 1.17e308 && ref < 1.19e308);
    assert_close(put, ref, 1e-12, 0);
    assert_close(call, ref, 1e-12, 0);
    double am_put, am_call;
    assert_int_equal(mgn_american_price(MGN_PUT, S, K, T, r, q, sigma, &am_put), MGN_OK);
    assert_int_equal(mgn_american_price(MGN_CALL, K, S, T, q, r, sigma, &am_call), MGN_OK);
    assert_close(am_put, am_call, 1e-9, 0);
}

/* Overflowing inputs that are finite: a status, never inf or NaN with MGN_OK. */
static void test_overflow(void **state)
{
    (void)state;
    double p = 7;
    mgn_greeks g;
    int st = mgn_bs_price(MGN_CALL, 1e300, 1, 1e3, 0, -5, 0.2, &p);
    assert_int_equal(st, MGN_ERANGE);
    assert_true(p == 7);
    st = mgn_bs_greeks(MGN_CALL, 1e300, 1, 1e3, 0, -5, 0.2, &g);
    assert_int_equal(st, MGN_ERANGE);
    st = mgn_bs_price(MGN_PUT, 1, 1e300, 1e3, -5, 0, 0.2, &p);
    assert_int_equal(st, MGN_ERANGE);
    /* extreme but representable inputs succeed with finite outputs */
    assert_int_equal(mgn_bs_greeks(MGN_CALL, 1e-300, 1e300, 100, 0.1, 0.1, 10, &g), MGN_OK);
    assert_true(isfinite(g.price) && isfinite(g.gamma) && isfinite(g.charm));
    assert_int_equal(mgn_bs_greeks(MGN_PUT, 1, 1.1, 1e-300, 0.1, 0.1, 1e-300, &g), MGN_OK);
    assert_true(isfinite(g.price) && isfinite(g.gamma) && isfinite(g.theta));
    assert_close(g.price, 0.1, 1e-15, 0);
    /* at the money with sigma sqrt(T) = 1e-450 the gamma is not representable */
    g.price = 5;
    assert_int_equal(mgn_bs_greeks(MGN_PUT, 1, 1, 1e-300, 0.1, 0.1, 1e-300, &g), MGN_ERANGE);
    assert_true(g.price == 5);
    /* A call is worth at most S e^{-qT}, a put at most K e^{-rT}. In the money with a
       huge sigma the value sits on that bound, which is DBL_MAX itself here: the
       out-of-the-money value plus the intrinsic part must not round past it to
       infinity (a fuzzing find). */
    assert_int_equal(mgn_bs_price(MGN_CALL, DBL_MAX, 1.5e308, 1e-6, 0.0119, 0, DBL_MAX, &p),
                     MGN_OK);
    assert_true(p >= DBL_MAX * (1 - 1e-15));
    double kr = 1.75e308 * exp(-0.01 * 1e-6);
    assert_int_equal(mgn_bs_price(MGN_PUT, 1.5e308, 1.75e308, 1e-6, 0.01, 0.01, DBL_MAX, &p),
                     MGN_OK);
    assert_true(p <= kr && p >= kr * (1 - 1e-15));
    double pb[2];
    const int ty[2] = { MGN_CALL, MGN_PUT };
    const double Sb[2] = { DBL_MAX, 1.5e308 }, Kb[2] = { 1.5e308, 1.75e308 },
                 Tb[2] = { 1e-6, 1e-6 }, rb[2] = { 0.0119, 0.01 }, qb[2] = { 0, 0.01 },
                 sb[2] = { DBL_MAX, DBL_MAX };
    assert_int_equal(mgn_bs_price_batch(2, ty, Sb, Kb, Tb, rb, qb, sb, pb), MGN_OK);
    assert_true(pb[0] >= DBL_MAX * (1 - 1e-15) && pb[1] <= kr && pb[1] >= kr * (1 - 1e-15));
    /* Both r T and q T overflow, to -inf, while (r - q) T is -inf too: the forward is
       worth nothing next to the discounted strike, which overflows. The put (worth
       more than any double) is MGN_ERANGE, at sigma 0 and above, and so is the American
       put, never exercised early here; the call is worth 0. The carry exponent was
       computed as inf - inf, and the put came out as 0 with MGN_OK (a fuzzing find). */
    for (int k = 0; k < 2; k++) {
        const double sig = k == 0 ? 0.0 : 0.2;
        p = 7;
        assert_int_equal(mgn_bs_price(MGN_PUT, DBL_MIN, 93920.99, DBL_MAX, -DBL_MAX, -50000,
                                      sig, &p), MGN_ERANGE);
        assert_int_equal(mgn_american_price(MGN_PUT, DBL_MIN, 93920.99, DBL_MAX, -DBL_MAX,
                                            -50000, sig, &p), MGN_ERANGE);
        assert_true(p == 7);
        assert_int_equal(mgn_bs_price(MGN_CALL, DBL_MIN, 93920.99, DBL_MAX, -DBL_MAX, -50000,
                                      sig, &p), MGN_OK);
        assert_true(p == 0);
    }
    /* S e^{-qT} or K e^{-rT} overflowing in its factor while the product is a double
       (a subnormal spot or strike over tens of thousands of years): the price would be
       computed from an infinite part, and came out 0 for an in-the-money put worth
       4.4e179 and short of the value for a call worth 2.2e286 (fuzzing finds); it is
       MGN_ERANGE now, the Greeks too. */
    p = 7;
    assert_int_equal(mgn_bs_price(MGN_PUT, 4.9406564584124654e-324, 0.01133917665572818,
                                  20906.031989062507, -0.02, -0.05, 0, &p), MGN_ERANGE);
    assert_int_equal(mgn_bs_price(MGN_CALL, 3354262.2091257386, 7.4169128616906696e-309,
                                  46450.148432155453, -0.01933852140077821,
                                  -0.013870450904097054, 0.01, &p), MGN_ERANGE);
    assert_true(p == 7);
    assert_int_equal(mgn_bs_greeks(MGN_CALL, 3354262.2091257386, 7.4169128616906696e-309,
                                   46450.148432155453, -0.01933852140077821,
                                   -0.013870450904097054, 0.01, &g), MGN_ERANGE);
    /* The same overflow far out of the money, where the value is decided to be 0
       before the discount factors are computed: still reported (a put 103 standard
       deviations out of the money, S e^{-qT} = 1e-310 e^{1000} overflowing in e^{1000}),
       while the same put with a factor that does not overflow is worth 0. */
    p = 7;
    assert_int_equal(mgn_bs_price(MGN_PUT, 1e-310, 1.0, 20000, 0.15, -0.05, 0.2, &p),
                     MGN_ERANGE);
    assert_true(p == 7);
    assert_int_equal(mgn_bs_price(MGN_PUT, 1e-310, 1.0, 20000, 0.15, 0.0, 0.2, &p), MGN_OK);
    assert_true(p == 0);
}

/* Black-76 rho = -T V at the edge of the double range: the BSM Greeks on the same
   forward (q = r) are all finite, dividend_rho = -T F e^{-rT} N(d1) just below
   DBL_MAX. The price V = F e^{-rT} - K e^{-rT} + put used to round one ulp above
   F e^{-rT}, and -T V overflowed; V is capped at that bound, so rho is finite, at
   most |dividend_rho|, and the scalar and batch forms agree. (Mathematically
   |T V| <= |dividend_rho| always; the library's overflow check of rho remains for
   rounding.) */
static void test_black76_rho_at_the_edge(void **state)
{
    (void)state;
    const double F = 0x1.7af1ad2746ecp+27, K = 0x1.5b6a78a77da44p+27;
    const double T = 1e300, r = 1e-301, sigma = 1e-148;   /* r T = 0.1, sigma sqrt(T) = 100 */
    mgn_greeks g, bsm;
    assert_int_equal(mgn_bs_greeks(MGN_CALL, F, K, T, r, r, sigma, &bsm), MGN_OK);
    assert_true(isfinite(bsm.dividend_rho) && bsm.dividend_rho < -0.5 * DBL_MAX);
    assert_true(bsm.price <= F * exp(-r * T));
    assert_int_equal(mgn_black76_greeks(MGN_CALL, F, K, T, r, sigma, &g), MGN_OK);
    assert_true(g.price == bsm.price && g.rho == -T * g.price && isfinite(g.rho));
    assert_true(fabs(g.rho) <= fabs(bsm.dividend_rho));
    assert_true(g.dividend_rho == 0);

    /* batch: the same element next to an ordinary one */
    int type[2] = { MGN_CALL, MGN_PUT };
    double Fa[2] = { F, 100 }, Ka[2] = { K, 95 }, Ta[2] = { T, 0.5 }, ra[2] = { r, 0.03 };
    double sa[2] = { sigma, 0.25 };
    mgn_greeks out[2], one;
    assert_int_equal(mgn_black76_greeks_batch(2, type, Fa, Ka, Ta, ra, sa, out), MGN_OK);
    assert_true(isfinite(out[0].rho) && fabs(out[0].rho) <= fabs(bsm.dividend_rho));
    assert_close(out[0].price, g.price, 1e-12, 0);
    assert_int_equal(mgn_black76_greeks(MGN_PUT, 100, 95, 0.5, 0.03, 0.25, &one), MGN_OK);
    assert_close(out[1].price, one.price, 1e-12, 0);
    assert_close(out[1].rho, one.rho, 1e-10, 0);
    assert_true(out[1].dividend_rho == 0);
}

/*---------------------------------------------------------------- bad input */

/* Every argument of every scalar pricer: NaN, +-inf, out-of-domain values, NULL;
   the output must stay untouched. */
typedef int (*scalar7)(mgn_option_type, double, double, double, double, double, double, void *);

static int call_fn(int which, int type, const double *a, void *out)
{
    switch (which) {
    case 0: return mgn_bs_price(type, a[0], a[1], a[2], a[3], a[4], a[5], out);
    case 1: return mgn_bs_greeks(type, a[0], a[1], a[2], a[3], a[4], a[5], out);
    case 2: return mgn_inverse_price(type, a[0], a[1], a[2], a[3], a[4], a[5], out);
    case 3: return mgn_inverse_greeks(type, a[0], a[1], a[2], a[3], a[4], a[5], out);
    case 4: return mgn_black76_price(type, a[0], a[1], a[2], a[3], a[5], out);
    default: return mgn_black76_greeks(type, a[0], a[1], a[2], a[3], a[5], out);
    }
}

static void test_bad_input_scalar(void **state)
{
    (void)state;
    const double good[6] = { 100, 90, 0.5, 0.03, 0.01, 0.4 };   /* S K T r q sigma */
    /* per argument: values outside the domain (besides NaN and +-inf) */
    const double bad_extra[6][3] = {
        { 0, -1, -1e-300 }, { 0, -5, -0.0 }, { -1e-9, -1, -1e300 },
        { NAN, NAN, NAN }, { NAN, NAN, NAN }, { -1e-9, -0.2, -1e300 },
    };
    for (int which = 0; which < 6; which++) {
        int black = which >= 4;
        for (int arg = 0; arg < 6; arg++) {
            if (black && arg == 4)
                continue;                       /* Black-76 has no q */
            double tries[6];
            int nt = 0;
            for (int k = 0; k < 3; k++)
                tries[nt++] = mgn_test_nonfinite[k];
            for (int k = 0; k < 3; k++)
                if (!isnan(bad_extra[arg][k]))
                    tries[nt++] = bad_extra[arg][k];
            for (int k = 0; k < nt; k++) {
                double a[6];
                memcpy(a, good, sizeof a);
                a[arg] = tries[k];
                mgn_greeks sentinel;
                memset(&sentinel, 0x5a, sizeof sentinel);
                mgn_greeks out = sentinel;
                int st = call_fn(which, MGN_CALL, a, &out);
                if (st != MGN_EINVAL)
                    print_error("function %d arg %d value %g: status %d\n", which, arg, tries[k], st);
                assert_int_equal(st, MGN_EINVAL);
                assert_memory_equal(&out, &sentinel, sizeof out);
            }
        }
        /* invalid option type, NULL output */
        mgn_greeks out;
        assert_int_equal(call_fn(which, 2, good, &out), MGN_EINVAL);
        assert_int_equal(call_fn(which, -1, good, &out), MGN_EINVAL);
        assert_int_equal(call_fn(which, MGN_CALL, good, NULL), MGN_EINVAL);
        /* and the good arguments do work */
        assert_int_equal(call_fn(which, MGN_PUT, good, &out), MGN_OK);
    }
}

/*---------------------------------------------------------------- batch */

enum { NB = 3000 };

typedef struct {
    int type[NB];
    double S[NB], K[NB], T[NB], r[NB], q[NB], sigma[NB], out[NB];
    mgn_greeks g[NB];
} batch_data;

static void fill_batch(batch_data *b, uint64_t seed)
{
    mgn_test_rng g = { seed };
    for (int i = 0; i < NB; i++) {
        opt o = random_opt(&g);
        b->type[i] = o.type; b->S[i] = o.S; b->K[i] = o.K; b->T[i] = o.T;
        b->r[i] = o.r; b->q[i] = o.q; b->sigma[i] = o.sigma;
    }
    /* a few elements on the special paths */
    b->T[5] = 0; b->sigma[6] = 0; b->sigma[7] = 1e-7; b->K[8] = b->S[8] * 3; b->sigma[8] = 0.01;
}

static void test_batch_matches_scalar(void **state)
{
    (void)state;
    static batch_data b;
    fill_batch(&b, 31337);
    assert_int_equal(mgn_bs_price_batch(NB, b.type, b.S, b.K, b.T, b.r, b.q, b.sigma, b.out), MGN_OK);
    assert_int_equal(mgn_bs_greeks_batch(NB, b.type, b.S, b.K, b.T, b.r, b.q, b.sigma, b.g), MGN_OK);
    for (int i = 0; i < NB; i++) {
        double p;
        mgn_greeks g;
        assert_int_equal(mgn_bs_price(b.type[i], b.S[i], b.K[i], b.T[i], b.r[i], b.q[i], b.sigma[i], &p), MGN_OK);
        assert_int_equal(mgn_bs_greeks(b.type[i], b.S[i], b.K[i], b.T[i], b.r[i], b.q[i], b.sigma[i], &g), MGN_OK);
        double sc = maxd(b.S[i], b.K[i]);
        assert_close(b.out[i], p, 1e-13, 1e-15 * sc);
        assert_close(b.g[i].price, p, 1e-13, 1e-15 * sc);
        /* the vector math library's elementary functions (within 4 ulp) make the
           far tails differ from the scalar results in the last digits, and the vector
           path returns 0 for terms below 1e-295 */
        assert_close(b.g[i].delta, g.delta, 1e-10, 1e-15);
        assert_close(b.g[i].gamma, g.gamma, 1e-10, 1e-290);
        assert_close(b.g[i].vega, g.vega, 1e-10, 1e-290);
        assert_close(b.g[i].theta, g.theta, 1e-10, 1e-13 * sc);
        assert_close(b.g[i].rho, g.rho, 1e-10, 1e-15 * sc);
        assert_close(b.g[i].dividend_rho, g.dividend_rho, 1e-10, 1e-15 * sc);
        assert_close(b.g[i].vanna, g.vanna, 1e-10, 1e-15);
        assert_close(b.g[i].volga, g.volga, 1e-10, 1e-15 * sc);
        assert_close(b.g[i].charm, g.charm, 1e-10, 1e-13);
        /* and the batch price meets the accuracy contract on its own */
        double ref = (double)qprice(b.type[i], b.S[i], b.K[i], b.T[i], b.r[i], b.q[i], b.sigma[i]);
        assert_close(b.out[i], ref, 1e-12, 1e-12 * sc);
    }
    /* Black-76 batch forms equal their scalar functions */
    assert_int_equal(mgn_black76_price_batch(NB, b.type, b.S, b.K, b.T, b.r, b.sigma, b.out), MGN_OK);
    assert_int_equal(mgn_black76_greeks_batch(NB, b.type, b.S, b.K, b.T, b.r, b.sigma, b.g), MGN_OK);
    for (int i = 0; i < NB; i++) {
        double p;
        mgn_greeks g;
        assert_int_equal(mgn_black76_price(b.type[i], b.S[i], b.K[i], b.T[i], b.r[i], b.sigma[i], &p), MGN_OK);
        assert_int_equal(mgn_black76_greeks(b.type[i], b.S[i], b.K[i], b.T[i], b.r[i], b.sigma[i], &g), MGN_OK);
        double sc = maxd(b.S[i], b.K[i]);
        assert_close(b.out[i], p, 1e-13, 1e-15 * sc);
        assert_close(b.g[i].rho, g.rho, 1e-12, 1e-15 * sc);
        assert_true(b.g[i].dividend_rho == 0);
    }
}

/* At the money with sigma sqrt(T) near 1e-15 the vector pass's out-of-the-money value
   rounds below zero: the batch takes the price from the scalar method (exactly its
   result) and keeps the vector Greeks (close to the scalar ones). */
static void test_batch_tiny_time_value(void **state)
{
    (void)state;
    int type[3] = { MGN_PUT, MGN_PUT, MGN_PUT };
    double S[3] = { 0.0024684122315994208, 9.6999163833859381, 157.30147900741184 };
    double K[3] = { 0.0024684122315994208, 9.6999163833859381, 157.30147900741184 };
    double T[3] = { 0.0016952298357806625, 0.0001922702431502649, 0.0039571969057999772 };
    double r[3] = { 1.654654660878977e-11, -5.6971333979319773e-09, -7.226330390290312e-13 };
    double q[3] = { 2.7465064151051142e-12, -4.1583872101336108e-12, -4.2110057321350328e-12 };
    double v[3] = { 1.556754329712448e-14, 3.2703360720250685e-12, 1.105271786401855e-14 };
    mgn_greeks g[3];
    assert_int_equal(mgn_bs_greeks_batch(3, type, S, K, T, r, q, v, g), MGN_OK);
    for (int i = 0; i < 3; i++) {
        double p;
        mgn_greeks w;
        assert_int_equal(mgn_bs_price(type[i], S[i], K[i], T[i], r[i], q[i], v[i], &p), MGN_OK);
        assert_int_equal(mgn_bs_greeks(type[i], S[i], K[i], T[i], r[i], q[i], v[i], &w), MGN_OK);
        assert_true(g[i].price == p);
        assert_true(p >= 0);
        assert_close(g[i].delta, w.delta, 1e-10, 1e-15);
        assert_close(g[i].gamma, w.gamma, 1e-10, 0);
        assert_close(g[i].vega, w.vega, 1e-10, 0);
    }
}

/* Near the money with a small total volatility s = sigma sqrt(T) the batch forms stay
   within the header's bounds: price within 1e-13 of max(S e^{-qT}, K e^{-rT})
   absolute, and relative differences from the scalar functions of at most
   max(1e-12, 2e-14 / s) (price), max(1e-10, 5e-15 / s) (delta ... dividend_rho) and
   max(1e-10, 5e-13 / s) (vanna, volga, charm: they carry d1 or d2, which vanish at
   the money). log(S/K) rounded once in the kernel shifts d1 by about 1e-16 / s, which
   moves a Greek by d1 times that: the strikes here go out to |d1| = 36, beyond which
   every value is 0 to 1e-283. */
static void test_batch_small_total_vol(void **state)
{
    (void)state;
    enum { M = 512 };
    static int type[M];
    static double S[M], K[M], T[M], r[M], q[M], v[M];
    static mgn_greeks gb[M];
    mgn_test_rng g = { 77 };
    for (double s = 1e-8; s <= 1.5; s *= 10) {
        for (int i = 0; i < M; i++) {
            type[i] = i & 1;
            S[i] = 100;
            v[i] = mgn_test_range(&g, 0.2, 1.2);
            T[i] = (s / v[i]) * (s / v[i]);
            r[i] = 0.03;
            q[i] = 0.01;
            double z = i < M / 2 ? mgn_test_range(&g, -3, 3) : mgn_test_range(&g, -36, 36);
            K[i] = S[i] * exp(-z * s);
        }
        assert_int_equal(mgn_bs_greeks_batch(M, type, S, K, T, r, q, v, gb), MGN_OK);
        double tol_p = maxd(1e-12, 2e-14 / s), tol_g = maxd(1e-10, 5e-15 / s),
               tol_d = maxd(1e-10, 5e-13 / s);
        for (int i = 0; i < M; i++) {
            mgn_greeks h;
            assert_int_equal(mgn_bs_greeks(type[i], S[i], K[i], T[i], r[i], q[i], v[i], &h), MGN_OK);
            double sc = maxd(S[i] * exp(-q[i] * T[i]), K[i] * exp(-r[i] * T[i]));
            assert_close(gb[i].price, h.price, 0, 1e-13 * sc);
            assert_close(gb[i].price, h.price, tol_p, 1e-13 * sc * (h.price < 1e-13 * sc));
            assert_close(gb[i].delta, h.delta, tol_g, 1e-300);
            assert_close(gb[i].gamma, h.gamma, tol_g, 1e-300);
            assert_close(gb[i].vega, h.vega, tol_g, 1e-300);
            assert_close(gb[i].theta, h.theta, tol_g, 1e-300);
            assert_close(gb[i].rho, h.rho, tol_g, 1e-300);
            assert_close(gb[i].dividend_rho, h.dividend_rho, tol_g, 1e-300);
            assert_close(gb[i].vanna, h.vanna, tol_d, 1e-300);
            assert_close(gb[i].volga, h.volga, tol_d, 1e-300);
            assert_close(gb[i].charm, h.charm, tol_d, 1e-300);
        }
    }
}

/* A batch element's Greeks against the scalar ones within the header's bounds, for
   s = sigma sqrt(T) and scale = max(S e^{-qT}, K e^{-rT}): the price 1e-12 relative or
   1e-13 scale absolute, delta to dividend_rho max(1e-10, 5e-15 / s), vanna, volga and
   charm max(1e-10, 5e-13 / s) relative. */
static void assert_batch_greeks_close(const mgn_greeks *b, const mgn_greeks *h, double s,
                                      double scale)
{
    double tol_g = maxd(1e-10, 5e-15 / s), tol_d = maxd(1e-10, 5e-13 / s);
    assert_close(b->price, h->price, 1e-12, 1e-13 * scale);
    assert_close(b->delta, h->delta, tol_g, 0);
    assert_close(b->gamma, h->gamma, tol_g, 0);
    assert_close(b->vega, h->vega, tol_g, 0);
    assert_close(b->theta, h->theta, tol_g, 0);
    assert_close(b->rho, h->rho, tol_g, 0);
    assert_close(b->dividend_rho, h->dividend_rho, tol_g, 0);
    assert_close(b->vanna, h->vanna, tol_d, 0);
    assert_close(b->volga, h->volga, tol_d, 0);
    assert_close(b->charm, h->charm, tol_d, 0);
}

/* The far wings: |d1|, |d2| from 30 to 300, spots of 100 and of 1e-300 (where a
   density term below 1e-282 times 1/(S s) is a sizeable gamma). Where the vector
   kernel's clamped exp and erfc would give 0 but the scalar functions do not (|d|
   between 36 and 38.7) the element takes the scalar path; beyond, both evaluate the
   same formulas with exact zeros. Every Greek within the header's bounds of the
   scalar result, zeros included. */
static void test_batch_greeks_far_tails(void **state)
{
    (void)state;
    enum { M = 512 };
    static int type[M];
    static double S[M], K[M], T[M], r[M], q[M], v[M];
    static mgn_greeks gb[M];
    mgn_test_rng g = { 4242 };
    const double spots[] = { 100, 1e-300 };
    for (int k = 0; k < 2; k++)
        for (double s = 1e-6; s <= 1.5; s *= 10) {
            for (int i = 0; i < M; i++) {
                type[i] = i & 1;
                S[i] = spots[k];
                v[i] = mgn_test_range(&g, 0.2, 1.2);
                T[i] = (s / v[i]) * (s / v[i]);
                r[i] = 0.03;
                q[i] = 0.01;
                /* half of them in and around the band 36 .. 38.7 */
                double z = i < M / 2 ? mgn_test_range(&g, 34, 41) : exp(mgn_test_range(&g, log(30), log(300)));
                if ((i & 2) && k == 0)
                    z = -z;
                K[i] = S[i] * exp(z * s);       /* tiny spots: strikes above them */
            }
            assert_int_equal(mgn_bs_greeks_batch(M, type, S, K, T, r, q, v, gb), MGN_OK);
            for (int i = 0; i < M; i++) {
                mgn_greeks h;
                assert_int_equal(mgn_bs_greeks(type[i], S[i], K[i], T[i], r[i], q[i], v[i], &h), MGN_OK);
                assert_batch_greeks_close(&gb[i], &h, s,
                                          maxd(S[i] * exp(-q[i] * T[i]), K[i] * exp(-r[i] * T[i])));
            }
        }
}

/* An element whose S e^{-qT} overflows (q T = -50812): the scalar pricer reports
   MGN_ERANGE for it, and so does the batch form (NaN in that slot), even though the
   out-of-the-money put's value K e^{-rT} N(-d2) - ... would look tiny to the far-wing
   pass. */
static void test_batch_overflowing_forward(void **state)
{
    (void)state;
    int type[2] = { MGN_PUT, MGN_CALL };
    double S[2] = { 0.10367791970603663, 100 }, K[2] = { 0.51838959853018318, 100 };
    double T[2] = { 1e7, 1 }, r[2] = { 4.9406564584124654e-324, 0.01 };
    double q[2] = { -0.0050812542915999112, 0 }, v[2] = { 0.093195490565839173, 0.2 };
    double out[2], p;
    assert_int_equal(mgn_bs_price(type[0], S[0], K[0], T[0], r[0], q[0], v[0], &p), MGN_ERANGE);
    assert_int_equal(mgn_bs_price_batch(2, type, S, K, T, r, q, v, out), MGN_ERANGE);
    assert_true(isnan(out[0]));
    assert_int_equal(mgn_bs_price(type[1], S[1], K[1], T[1], r[1], q[1], v[1], &p), MGN_OK);
    assert_true(out[1] == p || fabs(out[1] - p) <= 1e-12 * p);
}

/* Spot and strike normal doubles whose ratio is not: subnormal (F = DBL_MIN against a
   strike of 1e11, a fuzzing find: the kernel's log of the rounded ratio put gamma,
   vanna and charm 2e-8 off with s = 54) or overflowing. The batch Greeks within the
   header's bounds of the scalar ones, which take log(S) - log(K). */
static void test_batch_greeks_extreme_ratio(void **state)
{
    (void)state;
    enum { M = 6 };
    int type[M] = { MGN_CALL, MGN_PUT, MGN_CALL, MGN_PUT, MGN_CALL, MGN_PUT };
    double S[M] = { DBL_MIN, DBL_MIN, 4e-300, 1e300, 1e300, 3e-310 / 1e-10 };
    double K[M] = { 1e11, 1e11, 1e10, 1e-10, 1e-9, 1e-10 };
    double T[M] = { 1e7, 1e7, 5e6, 2e6, 3e6, 1e6 };
    double r[M] = { DBL_MIN, 0.01, 0.0, 0.0, 0.01, 0.0 };
    double v[M] = { 0.017051298026848405, 0.02, 0.03, 0.04, 0.03, 0.05 };
    mgn_greeks gb[M];
    assert_int_equal(mgn_black76_greeks_batch(M, type, S, K, T, r, v, gb), MGN_OK);
    for (int i = 0; i < M; i++) {
        mgn_greeks h;
        assert_int_equal(mgn_black76_greeks(type[i], S[i], K[i], T[i], r[i], v[i], &h), MGN_OK);
        assert_batch_greeks_close(&gb[i], &h, v[i] * sqrt(T[i]),
                                  maxd(S[i] * exp(-r[i] * T[i]), K[i] * exp(-r[i] * T[i])));
    }
}

static void test_batch_bad_elements(void **state)
{
    (void)state;
    static batch_data b;
    fill_batch(&b, 5);
    const int nbad = 9;
    b.S[10] = NAN; b.K[11] = -1; b.T[12] = -0.1; b.sigma[13] = INFINITY; b.r[14] = NAN;
    b.q[15] = -INFINITY; b.type[16] = 7; b.S[17] = 0; b.K[2999] = 0;
    assert_int_equal(mgn_bs_price_batch(NB, b.type, b.S, b.K, b.T, b.r, b.q, b.sigma, b.out), MGN_EINVAL);
    assert_int_equal(mgn_bs_greeks_batch(NB, b.type, b.S, b.K, b.T, b.r, b.q, b.sigma, b.g), MGN_EINVAL);
    int nan_count = 0;
    for (int i = 0; i < NB; i++) {
        if (isnan(b.out[i])) {
            nan_count++;
            assert_true(isnan(b.g[i].price) && isnan(b.g[i].delta) && isnan(b.g[i].charm));
        } else {
            double p;
            assert_int_equal(mgn_bs_price(b.type[i], b.S[i], b.K[i], b.T[i], b.r[i], b.q[i], b.sigma[i], &p), MGN_OK);
            assert_close(b.out[i], p, 1e-13, 1e-15 * maxd(b.S[i], b.K[i]));
            assert_close(b.g[i].price, p, 1e-13, 1e-15 * maxd(b.S[i], b.K[i]));
        }
    }
    assert_int_equal(nan_count, nbad);
    /* only the unbounded gamma: MGN_ERANGE, that element NaN, the others filled */
    fill_batch(&b, 6);
    b.sigma[20] = 0; b.K[20] = b.S[20]; b.r[20] = b.q[20] = 0.01;
    assert_int_equal(mgn_bs_greeks_batch(NB, b.type, b.S, b.K, b.T, b.r, b.q, b.sigma, b.g), MGN_ERANGE);
    assert_true(isnan(b.g[20].gamma));
    assert_true(isfinite(b.g[21].gamma));
    assert_int_equal(mgn_bs_price_batch(NB, b.type, b.S, b.K, b.T, b.r, b.q, b.sigma, b.out), MGN_OK);
}

/* A Greeks output of 16 MiB or more is written with streaming stores (lib/batch.c):
   the same bits, statuses and NaN elements as the same options in calls small
   enough for ordinary stores, for both forms, and with an output that is not 16-byte
   aligned (ordinary stores again). */
static void test_batch_greeks_large_output(void **state)
{
    (void)state;
    enum { NL = 1 << 18, PART = 1000 };   /* 21 MB of mgn_greeks */
    int *type = malloc(NL * sizeof *type);
    double *in = malloc(6 * (size_t)NL * sizeof *in);
    mgn_greeks *big = malloc(NL * sizeof *big), *ref = malloc(NL * sizeof *ref);
    char *raw = malloc((NL + 1) * sizeof(mgn_greeks));
    assert_non_null(type); assert_non_null(in); assert_non_null(big); assert_non_null(ref);
    assert_non_null(raw);
    mgn_greeks *shifted = (mgn_greeks *)(void *)(raw + 8);
    double *S = in, *K = in + NL, *T = in + 2 * NL, *r = in + 3 * NL, *q = in + 4 * NL,
           *v = in + 5 * NL;
    mgn_test_rng g = { 2718 };
    for (int i = 0; i < NL; i++) {
        opt o = random_opt(&g);
        type[i] = o.type; S[i] = o.S; K[i] = o.K; T[i] = o.T; r[i] = o.r; q[i] = o.q;
        v[i] = o.sigma;
    }
    T[3] = 0; v[4] = 0; v[5] = 1e-7; S[6] = NAN; v[NL - 1] = -1;
    /* the unbounded gamma (sigma = 0 at the forward): MGN_ERANGE beside MGN_EINVAL */
    v[7] = 0; K[7] = S[7]; r[7] = q[7] = 0.01;
    for (int form = 0; form < 2; form++) {
        int want = MGN_OK;
        for (int at = 0; at < NL; at += PART) {
            int m = NL - at < PART ? NL - at : PART;
            int st = form == 0
                   ? mgn_bs_greeks_batch(m, type + at, S + at, K + at, T + at, r + at, q + at, v + at, ref + at)
                   : mgn_black76_greeks_batch(m, type + at, S + at, K + at, T + at, r + at, v + at, ref + at);
            if (st == MGN_EINVAL || want == MGN_OK)
                want = st == MGN_OK ? want : st;
        }
        assert_int_equal(want, MGN_EINVAL);
        for (int k = 0; k < 2; k++) {
            mgn_greeks *out = k == 0 ? big : shifted;
            memset(out, 0x5a, NL * sizeof *out);
            int st = form == 0 ? mgn_bs_greeks_batch(NL, type, S, K, T, r, q, v, out)
                               : mgn_black76_greeks_batch(NL, type, S, K, T, r, v, out);
            assert_int_equal(st, want);
            int differ = 0;
            for (int i = 0; i < NL; i++)
                differ += memcmp(&out[i], &ref[i], sizeof *out) != 0;
            assert_int_equal(differ, 0);
        }
        assert_true(isnan(big[6].price) && isnan(big[7].gamma) && isnan(big[NL - 1].charm));
        assert_true(big[3].price >= 0 && isfinite(big[5].vega));
    }
    free(type); free(in); free(big); free(ref); free(raw);
}

static void test_batch_null_and_empty(void **state)
{
    (void)state;
    int ty = MGN_CALL;
    double S = 100, K = 100, T = 1, r = 0, q = 0, v = 0.2, out = 123;
    mgn_greeks g;
    assert_int_equal(mgn_bs_price_batch(0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL), MGN_OK);
    assert_int_equal(mgn_bs_greeks_batch(0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL), MGN_OK);
    assert_int_equal(mgn_black76_price_batch(0, NULL, NULL, NULL, NULL, NULL, NULL, NULL), MGN_OK);
    assert_int_equal(mgn_black76_greeks_batch(0, NULL, NULL, NULL, NULL, NULL, NULL, NULL), MGN_OK);
    const double *arr[7] = { &S, &K, &T, &r, &q, &v, NULL };
    for (int k = 0; k <= 7; k++) {       /* each pointer NULL in turn (7: type) */
        const double *a[7];
        memcpy(a, arr, sizeof a);
        if (k < 6) a[k] = NULL;
        const int *tp = k == 7 ? NULL : &ty;
        double *o = k == 6 ? NULL : &out;
        assert_int_equal(mgn_bs_price_batch(1, tp, a[0], a[1], a[2], a[3], a[4], a[5], o), MGN_EINVAL);
        assert_true(out == 123);
        assert_int_equal(mgn_bs_greeks_batch(1, tp, a[0], a[1], a[2], a[3], a[4], a[5], k == 6 ? NULL : &g), MGN_EINVAL);
        if (k != 4) {
            assert_int_equal(mgn_black76_price_batch(1, tp, a[0], a[1], a[2], a[3], a[5], o), MGN_EINVAL);
            assert_int_equal(mgn_black76_greeks_batch(1, tp, a[0], a[1], a[2], a[3], a[5], k == 6 ? NULL : &g), MGN_EINVAL);
        }
    }
    assert_int_equal(mgn_bs_price_batch(1, &ty, &S, &K, &T, &r, &q, &v, &out), MGN_OK);
    assert_close(out, 7.965567455405804, 1e-14, 0);   /* ATM: S (2N(0.1) - 1) */
}

/*---------------------------------------------------------------- version etc. */

static void test_status_and_version(void **state)
{
    (void)state;
    for (int st = -2; st < 10; st++) {
        assert_non_null(mgn_strerror(st));
        assert_true(strlen(mgn_strerror(st)) > 0);
    }
    assert_string_not_equal(mgn_strerror(MGN_EINVAL), mgn_strerror(MGN_ENOSOL));
    assert_string_equal(mgn_strerror(12345), "unknown status");
    for (int st = MGN_EINVAL; st <= MGN_ESTALE; st++)
        assert_string_not_equal(mgn_strerror(st), "unknown status");
    char v[32];
    snprintf(v, sizeof v, "%d.%d.%d", MGN_VERSION_MAJOR, MGN_VERSION_MINOR, MGN_VERSION_PATCH);
    assert_string_equal(mgn_version(), v);
    assert_int_equal(mgn_version_number(), MGN_VERSION_NUMBER);
    assert_int_equal(mgn_sizeof_greeks(), sizeof(mgn_greeks));
    assert_int_equal(sizeof(mgn_greeks), 10 * sizeof(double));
}

/*---------------------------------------------------------------- bad input catalogue */
/* Every argument of every function of this file with the bad values of the catalogue
   (tests/README.md, tests/bad_input.h). */
#include "bad_input.h"

static const char *const SCALAR_FN[6] = { "mgn_bs_price", "mgn_bs_greeks", "mgn_inverse_price",
                                          "mgn_inverse_greeks", "mgn_black76_price",
                                          "mgn_black76_greeks" };

/* The bad values of argument arg (0 S/F, 1 K, 2 T, 3 r, 4 q, 5 sigma) of a European
   pricer. */
static const bad_double *euro_bad_values(int arg, size_t *n)
{
    switch (arg) {
    case 0: case 1: *n = BAD_N(BAD_D_POSITIVE); return BAD_D_POSITIVE;
    case 2: case 5: *n = BAD_N(BAD_D_NONNEG); return BAD_D_NONNEG;
    default: *n = BAD_N(BAD_D_FINITE); return BAD_D_FINITE;
    }
}

static const char *euro_arg_name(int which, int arg)
{
    static const char *const names[6] = { "S", "K", "T", "r", "q", "sigma" };
    return arg == 0 && which >= 4 ? "F" : names[arg];
}

static void test_bad_input_pricing_scalar(void **state)
{
    (void)state;
    BAD_INPUT_BEGIN();
    const double good[6] = { 100, 90, 0.5, 0.03, 0.01, 0.4 };   /* S K T r q sigma */
    for (int which = 0; which < 6; which++) {
        const char *fn = SCALAR_FN[which];
        size_t out_size = which % 2 ? sizeof(mgn_greeks) : sizeof(double);
        mgn_greeks out;
        for (int arg = 0; arg < 6; arg++) {
            if (which >= 4 && arg == 4)
                continue;                            /* Black-76 has no q */
            size_t nv;
            const bad_double *v = euro_bad_values(arg, &nv);
            for (size_t k = 0; k < nv; k++) {
                double a[6];
                memcpy(a, good, sizeof a);
                a[arg] = v[k].v;
                for (int type = MGN_CALL; type <= MGN_PUT; type++) {
                    bad_fill(&out, sizeof out);
                    BAD_STATUS(fn, euro_arg_name(which, arg), v[k].label, MGN_EINVAL,
                               call_fn(which, type, a, &out));
                    BAD_UNTOUCHED(&out, out_size);
                }
            }
        }
        static const struct { const char *label; int v; } bad_type[] = {
            { "-1", -1 }, { "2", 2 }, { "INT_MAX", INT_MAX }, { "INT_MIN", INT_MIN } };
        for (size_t k = 0; k < BAD_N(bad_type); k++) {
            bad_fill(&out, sizeof out);
            BAD_STATUS(fn, "type", bad_type[k].label, MGN_EINVAL,
                       call_fn(which, bad_type[k].v, good, &out));
            BAD_UNTOUCHED(&out, out_size);
        }
        BAD_STATUS(fn, which % 2 ? "out" : which == 2 ? "price_coin" : "price", "NULL",
                   MGN_EINVAL, call_fn(which, MGN_CALL, good, NULL));
        /* absurd magnitudes inside the domain: a finite answer or MGN_ERANGE */
        double a[6];
        memcpy(a, good, sizeof a);
        a[0] = DBL_MAX;
        bad_fill(&out, sizeof out);
        BAD_STATUS_NOTE(fn, euro_arg_name(which, 0), "DBL_MAX", MGN_OK, "finite output",
                        call_fn(which, MGN_CALL, a, &out));
        for (size_t i = 0; i < out_size / sizeof(double); i++)
            assert_true(isfinite(((double *)&out)[i]));
        memcpy(a, good, sizeof a);
        a[2] = 1e300;
        BAD_STATUS_NOTE(fn, "T", "1e300", MGN_OK, "finite output",
                        call_fn(which, MGN_PUT, a, &out));
        for (size_t i = 0; i < out_size / sizeof(double); i++)
            assert_true(isfinite(((double *)&out)[i]));
        /* a discount factor e^{-rT} that overflows (puts are worth K e^{-rT} - ...) */
        memcpy(a, good, sizeof a);
        a[3] = -1e300;
        bad_fill(&out, sizeof out);
        BAD_STATUS(fn, "r", "-1e300 (put: K e^{-rT} overflows)", MGN_ERANGE,
                   call_fn(which, MGN_PUT, a, &out));
        BAD_UNTOUCHED(&out, out_size);
    }
}

/* Batch forms: NULL arrays, absurd n with NULL arrays, and every bad element value:
   the call fills the other elements and puts NaN into the bad one. */
static int call_batch(int which, size_t n, const int *type, const double *const *a, void *out)
{
    switch (which) {
    case 0: return mgn_bs_price_batch(n, type, a[0], a[1], a[2], a[3], a[4], a[5], out);
    case 1: return mgn_bs_greeks_batch(n, type, a[0], a[1], a[2], a[3], a[4], a[5], out);
    case 2: return mgn_black76_price_batch(n, type, a[0], a[1], a[2], a[3], a[5], out);
    default: return mgn_black76_greeks_batch(n, type, a[0], a[1], a[2], a[3], a[5], out);
    }
}

static void test_bad_input_pricing_batch(void **state)
{
    (void)state;
    BAD_INPUT_BEGIN();
    static const char *const fns[4] = { "mgn_bs_price_batch", "mgn_bs_greeks_batch",
                                        "mgn_black76_price_batch", "mgn_black76_greeks_batch" };
    enum { NE = 3 };
    const double good[6] = { 100, 90, 0.5, 0.03, 0.01, 0.4 };
    for (int which = 0; which < 4; which++) {
        const char *fn = fns[which];
        int greeks = which % 2, black = which >= 2;
        const char *out_name = greeks ? "out" : "price";
        size_t esize = greeks ? sizeof(mgn_greeks) : sizeof(double);
        int type[NE] = { MGN_CALL, MGN_PUT, MGN_CALL };
        double arr[6][NE];
        for (int j = 0; j < 6; j++)
            for (int i = 0; i < NE; i++)
                arr[j][i] = good[j];
        const double *a[6] = { arr[0], arr[1], arr[2], arr[3], arr[4], arr[5] };
        mgn_greeks out[NE];

        BAD_STATUS_NOTE(fn, "n", "0 (every array NULL)", MGN_OK, "nothing written",
                        call_batch(which, 0, NULL, (const double *const[6]){ 0 }, NULL));
        /* each array NULL in turn: nothing written */
        for (int j = -1; j <= 6; j++) {
            if (black && j == 4)
                continue;
            const double *b[6];
            memcpy(b, a, sizeof b);
            const char *name = j == -1 ? "type" : j == 6 ? out_name : euro_arg_name(black ? 4 : 0, j);
            if (j >= 0 && j < 6)
                b[j] = NULL;
            bad_fill(out, sizeof out);
            BAD_STATUS_NOTE(fn, name, "NULL (n = 3)", MGN_EINVAL, "nothing written",
                            call_batch(which, NE, j == -1 ? NULL : type, b,
                                       j == 6 ? NULL : (void *)out));
            BAD_UNTOUCHED(out, sizeof out);
            for (size_t s = 0; s < BAD_N(BAD_SIZES); s++)
                BAD_STATUS(fn, "n", BAD_SIZES_NULL[s].label, MGN_EINVAL,
                           call_batch(which, BAD_SIZES[s].v, j == -1 ? NULL : type, b,
                                      j == 6 ? NULL : (void *)out));
        }
        /* bad values in element 1 */
        char arg_name[32];
        for (int j = 0; j < 6; j++) {
            if (black && j == 4)
                continue;
            size_t nv;
            const bad_double *v = euro_bad_values(j, &nv);
            snprintf(arg_name, sizeof arg_name, "%s[i]", euro_arg_name(black ? 4 : 0, j));
            for (size_t k = 0; k < nv; k++) {
                arr[j][1] = v[k].v;
                BAD_STATUS_NOTE(fn, arg_name, v[k].label, MGN_EINVAL,
                                "NaN in that element, the others computed",
                                call_batch(which, NE, type, a, out));
                arr[j][1] = good[j];
                for (int i = 0; i < NE; i++) {
                    const double *o = (const double *)((const char *)out + i * esize);
                    for (size_t f = 0; f < esize / sizeof(double); f++)
                        assert_true(i == 1 ? isnan(o[f]) : isfinite(o[f]));
                }
            }
        }
        static const struct { const char *label; int v; } bad_type[] = {
            { "-1", -1 }, { "2", 2 }, { "INT_MAX", INT_MAX }, { "INT_MIN", INT_MIN } };
        for (size_t k = 0; k < BAD_N(bad_type); k++) {
            type[1] = bad_type[k].v;
            BAD_STATUS_NOTE(fn, "type[i]", bad_type[k].label, MGN_EINVAL,
                            "NaN in that element, the others computed",
                            call_batch(which, NE, type, a, out));
            const double *o = (const double *)((const char *)out + esize);
            assert_true(isnan(o[0]));
            assert_true(isfinite(*(const double *)out));
        }
    }
}

/* Version, status strings and struct sizes: no argument can be bad except
   mgn_strerror's code. */
static void test_bad_input_version_and_sizes(void **state)
{
    (void)state;
    BAD_INPUT_BEGIN();
    static const struct { const char *label; int v; } codes[] = {
        { "-1", -1 }, { "7", 7 }, { "INT_MAX", INT_MAX }, { "INT_MIN", INT_MIN } };
    for (size_t k = 0; k < BAD_N(codes); k++) {
        assert_string_equal(mgn_strerror(codes[k].v), "unknown status");
        BAD_NOTE("mgn_strerror", "status", codes[k].label, "\"unknown status\" (never NULL)");
    }
    assert_non_null(mgn_version());
    BAD_NOTE("mgn_version", "(no arguments)", "-", "\"MAJOR.MINOR.PATCH\", never NULL");
    assert_int_equal(mgn_version_number(), MGN_VERSION_NUMBER);
    BAD_NOTE("mgn_version_number", "(no arguments)", "-", "MGN_VERSION_NUMBER");
    /* every mgn_sizeof_* equals the size this header gives */
#define SIZEOF_CASE(name, type)                                       \
    do {                                                              \
        assert_int_equal(mgn_sizeof_##name(), sizeof(type));          \
        BAD_NOTE("mgn_sizeof_" #name, "(no arguments)", "-", "sizeof(" #type ")"); \
    } while (0)
    SIZEOF_CASE(greeks, mgn_greeks);
    SIZEOF_CASE(market, mgn_market);
    SIZEOF_CASE(position, mgn_position);
    SIZEOF_CASE(shock, mgn_shock);
    SIZEOF_CASE(net_greeks, mgn_net_greeks);
    SIZEOF_CASE(span_params, mgn_span_params);
    SIZEOF_CASE(span_pair, mgn_span_pair);
    SIZEOF_CASE(span_result, mgn_span_result);
    SIZEOF_CASE(span_underlying, mgn_span_underlying);
    SIZEOF_CASE(std_tier, mgn_std_tier);
    SIZEOF_CASE(std_params, mgn_std_params);
    SIZEOF_CASE(pm_params, mgn_pm_params);
    SIZEOF_CASE(pm_result, mgn_pm_result);
    SIZEOF_CASE(pm_underlying, mgn_pm_underlying);
    SIZEOF_CASE(var_result, mgn_var_result);
    SIZEOF_CASE(hs_params, mgn_hs_params);
    SIZEOF_CASE(dg_result, mgn_dg_result);
    SIZEOF_CASE(mc_params, mgn_mc_params);
    SIZEOF_CASE(backtest_result, mgn_backtest_result);
    SIZEOF_CASE(dynmargin_params, mgn_dynmargin_params);
    SIZEOF_CASE(dynmargin_result, mgn_dynmargin_result);
    SIZEOF_CASE(balance, mgn_balance);
    SIZEOF_CASE(account, mgn_account);
    SIZEOF_CASE(account_params, mgn_account_params);
    SIZEOF_CASE(account_result, mgn_account_result);
    SIZEOF_CASE(position_result, mgn_position_result);
    SIZEOF_CASE(liq_input, mgn_liq_input);
    SIZEOF_CASE(liq_closed, mgn_liq_closed);
    SIZEOF_CASE(liq_search, mgn_liq_search);
    SIZEOF_CASE(liq_price_result, mgn_liq_price_result);
    SIZEOF_CASE(whatif_result, mgn_whatif_result);
    SIZEOF_CASE(oracle_params, mgn_oracle_params);
    SIZEOF_CASE(oracle_result, mgn_oracle_result);
    SIZEOF_CASE(liq_params, mgn_liq_params);
    SIZEOF_CASE(liq_close, mgn_liq_close);
    SIZEOF_CASE(liq_result, mgn_liq_result);
    SIZEOF_CASE(cascade_params, mgn_cascade_params);
    SIZEOF_CASE(cascade_round, mgn_cascade_round);
    SIZEOF_CASE(cascade_result, mgn_cascade_result);
#undef SIZEOF_CASE
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_published_values),
        cmocka_unit_test(test_price_accuracy_random),
        cmocka_unit_test(test_price_accuracy_wings),
        cmocka_unit_test(test_price_accuracy_at_the_forward),
        cmocka_unit_test(test_price_accuracy_itm_cancelling),
        cmocka_unit_test(test_price_accuracy_otm_wing),
        cmocka_unit_test(test_greeks_vs_finite_differences),
        cmocka_unit_test(test_greeks_closed_form_random),
        cmocka_unit_test(test_greeks_price_is_the_price),
        cmocka_unit_test(test_greeks_double_fd_several_steps),
        cmocka_unit_test(test_put_call_parity),
        cmocka_unit_test(test_black76_is_bsm_on_forward),
        cmocka_unit_test(test_inverse),
        cmocka_unit_test(test_expiry_limits),
        cmocka_unit_test(test_zero_vol_limits),
        cmocka_unit_test(test_overflow),
        cmocka_unit_test(test_price_overflowing_part),
        cmocka_unit_test(test_black76_rho_at_the_edge),
        cmocka_unit_test(test_bad_input_scalar),
        cmocka_unit_test(test_batch_matches_scalar),
        cmocka_unit_test(test_batch_tiny_time_value),
        cmocka_unit_test(test_batch_small_total_vol),
        cmocka_unit_test(test_batch_greeks_far_tails),
        cmocka_unit_test(test_batch_overflowing_forward),
        cmocka_unit_test(test_batch_greeks_extreme_ratio),
        cmocka_unit_test(test_batch_bad_elements),
        cmocka_unit_test(test_batch_greeks_large_output),
        cmocka_unit_test(test_batch_null_and_empty),
        cmocka_unit_test(test_status_and_version),
        cmocka_unit_test(test_bad_input_pricing_scalar),
        cmocka_unit_test(test_bad_input_pricing_batch),
        cmocka_unit_test(test_bad_input_version_and_sizes),
    };
    return cmocka_run_group_tests_name("pricing", tests, NULL, NULL);
}
