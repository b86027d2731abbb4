/* Tests of lib/ewma.c: RiskMetrics EWMA variance and the dynamic margin range.
 *
 * Independent references: a direct recursion written here in long double, the
 * closed form of the EWMA as a weighted sum (lambda^t seed + (1-lambda) sum
 * lambda^(t-1-j) r_j^2), and the buffer/floor rules of the header checked day by
 * day against a plain re-implementation.
 */
#include <stdlib.h>
#include <gsl/gsl_cdf.h>
#include <stdint.h>
#include "test_util.h"

static void test_ewma_recursion(void **state)
{
    (void)state;
    mgn_test_rng g = { 8 };
    size_t n = 1000;
    double *r = malloc(n * sizeof *r), *v = malloc((n + 1) * sizeof *v);
    for (size_t t = 0; t < n; t++) r[t] = mgn_test_range(&g, -0.05, 0.05) * (t > 500 ? 3 : 1);
    assert_int_equal(mgn_ewma_variance(r, n, 0.94, 0.0004, v), MGN_OK);
    long double x = 0.0004L;
    assert_true(v[0] == 0.0004);
    for (size_t t = 0; t < n; t++) {
        x = 0.94L * x + 0.06L * (long double)r[t] * r[t];
        assert_close(v[t + 1], (double)x, 1e-13, 0);
    }
    /* closed form as a weighted sum at t = 50 */
    long double s = powl(0.94L, 50) * 0.0004L;
    for (int j = 0; j < 50; j++) s += 0.06L * powl(0.94L, 49 - j) * r[j] * r[j];
    assert_close(v[50], (double)s, 1e-13, 0);
    /* default seed: mean square */
    double ms = 0;
    for (size_t t = 0; t < n; t++) ms += r[t] * r[t];
    assert_int_equal(mgn_ewma_variance(r, n, 0.97, -1, v), MGN_OK);
    assert_close(v[0], ms / (double)n, 1e-14, 0);
    free(r);
    free(v);
}

/* Plain re-implementation of the header's rule. */
static void ref_dyn(const double *r, size_t n, const mgn_dynmargin_params *p, double *M)
{
    double ms = 0;
    for (size_t t = 0; t < n; t++) ms += r[t] * r[t];
    double v = p->seed_var < 0 ? ms / (double)n : p->seed_var;
    double q = p->tail_df == 0 ? gsl_cdf_ugaussian_Pinv(p->confidence)
                               : gsl_cdf_tdist_Pinv(p->confidence, p->tail_df) * sqrt((p->tail_df - 2) / p->tail_df);
    double k = p->multiplier * q * sqrt(p->horizon_days), prev = 0;
    for (size_t t = 0; t < n; t++) {
        v = p->lambda * v + (1 - p->lambda) * r[t] * r[t];
        double base = k * sqrt(v), fl = 0;
        if (p->floor_lookback) {
            size_t c = t + 1 < p->floor_lookback ? t + 1 : p->floor_lookback;
            double s = 0;
            for (size_t j = t + 1 - c; j <= t; j++) s += r[j] * r[j];
            fl = k * sqrt(s / (double)c);
        }
        double m = base > fl ? base : fl, hi = (1 + p->buffer) * m;
        M[t] = t == 0 ? hi : fmin(fmax(prev, m), hi);
        prev = M[t];
    }
}

static void test_dynamic_margin(void **state)
{
    (void)state;
    mgn_test_rng g = { 21 };
    size_t n = 3000;
    double *r = malloc(n * sizeof *r), *M = malloc(n * sizeof *M), *R = malloc(n * sizeof *R);
    for (size_t t = 0; t < n; t++) {
        double vol = t > 2500 && t < 2600 ? 0.06 : 0.015;   /* a stress episode */
        r[t] = vol * (mgn_test_uniform(&g) + mgn_test_uniform(&g) + mgn_test_uniform(&g) - 1.5) * 2;
    }
    mgn_dynmargin_params p;
    assert_int_equal(mgn_dynmargin_params_init(&p), MGN_OK);
    assert_true(p.struct_size == sizeof p && p.lambda == 0.94 && p.buffer == 0.25 && p.floor_lookback == 2520);
    for (int variant = 0; variant < 4; variant++) {
        mgn_dynmargin_params q = p;
        if (variant == 1) { q.tail_df = 4; q.floor_lookback = 0; }
        if (variant == 2) { q.buffer = 0; q.floor_lookback = 250; q.horizon_days = 5; }
        if (variant == 3) { q.seed_var = 0.001; q.multiplier = 1.2; q.confidence = 0.975; }
        mgn_dynmargin_result res;
        assert_int_equal(mgn_dynamic_margin(r, n, &q, M, &res), MGN_OK);
        ref_dyn(r, n, &q, R);
        for (size_t t = 0; t < n; t++) assert_close(M[t], R[t], 1e-12, 0);
        assert_true(res.price_scan == M[n - 1]);
        assert_true(res.price_scan >= res.margin_scan && res.price_scan <= (1 + q.buffer) * res.margin_scan * (1 + 1e-15));
        assert_true(res.margin_scan >= res.floor_scan && res.margin_scan >= res.base_scan);
        /* the buffer is used during the stress episode: posted range below (1+b) m */
        if (q.buffer > 0) {
            int used = 0;
            for (size_t t = 2501; t < 2520; t++) {
                mgn_dynmargin_result rt;
                assert_int_equal(mgn_dynamic_margin(r, t + 1, &q, NULL, &rt), MGN_OK);
                assert_close(rt.price_scan, M[t], 1e-12, 0);
                used |= rt.in_stress;
                assert_true(rt.buffer_left >= 0 && rt.buffer_left <= q.buffer + 1e-12);
            }
            assert_true(used);
        }
        /* procyclicality is damped: with the buffer the largest one-day jump is smaller */
    }
    /* EWMA part equals mgn_ewma_variance */
    double *v = malloc((n + 1) * sizeof *v);
    mgn_dynmargin_result res;
    assert_int_equal(mgn_ewma_variance(r, n, 0.94, -1, v), MGN_OK);
    assert_int_equal(mgn_dynamic_margin(r, n, &p, NULL, &res), MGN_OK);
    assert_close(res.ewma_vol, sqrt(v[n]), 1e-13, 0);
    assert_close(res.base_scan, gsl_cdf_ugaussian_Pinv(0.99) * sqrt(2.0) * sqrt(v[n]), 1e-13, 0);
    free(v); free(r); free(M); free(R);
}

static void test_bad_input(void **state)
{
    (void)state;
    double r[3] = { 0.01, -0.02, 0.03 }, v[4] = { 9, 9, 9, 9 };
    assert_int_equal(mgn_ewma_variance(NULL, 3, 0.94, -1, v), MGN_EINVAL);
    assert_int_equal(mgn_ewma_variance(r, 3, 0.94, -1, NULL), MGN_EINVAL);
    assert_int_equal(mgn_ewma_variance(r, 0, 0.94, -1, v), MGN_EINVAL);
    static const double badl[] = { 0, 1, -0.5, 1.5, NAN, INFINITY };
    for (int i = 0; i < 6; i++) assert_int_equal(mgn_ewma_variance(r, 3, badl[i], -1, v), MGN_EINVAL);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(mgn_ewma_variance(r, 3, 0.94, mgn_test_nonfinite[i], v), MGN_EINVAL);
        double rr[3] = { 0.01, mgn_test_nonfinite[i], 0 };
        assert_int_equal(mgn_ewma_variance(rr, 3, 0.94, -1, v), MGN_EINVAL);
    }
    assert_true(v[0] == 9 && v[3] == 9);
    /* an overflowing recursion is MGN_ERANGE and leaves the output untouched */
    double big[3] = { 0.01, 1e200, 0.02 };
    assert_int_equal(mgn_ewma_variance(big, 3, 0.94, 1e-4, v), MGN_ERANGE);
    assert_true(v[0] == 9 && v[1] == 9 && v[2] == 9 && v[3] == 9);
    mgn_dynmargin_params p, q;
    mgn_dynmargin_result res;
    memset(&res, 0x11, sizeof res);
    mgn_dynmargin_result r0 = res;
    assert_int_equal(mgn_dynmargin_params_init(NULL), MGN_EINVAL);
    mgn_dynmargin_params_init(&p);
    assert_int_equal(mgn_dynamic_margin(NULL, 3, &p, NULL, &res), MGN_EINVAL);
    assert_int_equal(mgn_dynamic_margin(r, 0, &p, NULL, &res), MGN_EINVAL);
    assert_int_equal(mgn_dynamic_margin(r, 3, NULL, NULL, &res), MGN_EINVAL);
    assert_int_equal(mgn_dynamic_margin(r, 3, &p, NULL, NULL), MGN_EINVAL);
    q = p; q.struct_size = sizeof q - 8;
    assert_int_equal(mgn_dynamic_margin(r, 3, &q, NULL, &res), MGN_EINVAL);
    q = p; q.lambda = 1;             assert_int_equal(mgn_dynamic_margin(r, 3, &q, NULL, &res), MGN_EINVAL);
    q = p; q.seed_var = NAN;         assert_int_equal(mgn_dynamic_margin(r, 3, &q, NULL, &res), MGN_EINVAL);
    q = p; q.confidence = 1;         assert_int_equal(mgn_dynamic_margin(r, 3, &q, NULL, &res), MGN_EINVAL);
    /* at or below the median the quantile, and every range, would be <= 0 */
    q = p; q.confidence = 0.5;       assert_int_equal(mgn_dynamic_margin(r, 3, &q, NULL, &res), MGN_EINVAL);
    q = p; q.confidence = 0.01;      assert_int_equal(mgn_dynamic_margin(r, 3, &q, NULL, &res), MGN_EINVAL);
    q = p; q.horizon_days = 0;       assert_int_equal(mgn_dynamic_margin(r, 3, &q, NULL, &res), MGN_EINVAL);
    q = p; q.tail_df = 2;            assert_int_equal(mgn_dynamic_margin(r, 3, &q, NULL, &res), MGN_EINVAL);
    q = p; q.tail_df = 1.5;          assert_int_equal(mgn_dynamic_margin(r, 3, &q, NULL, &res), MGN_EINVAL);
    q = p; q.multiplier = 0;         assert_int_equal(mgn_dynamic_margin(r, 3, &q, NULL, &res), MGN_EINVAL);
    q = p; q.buffer = -0.1;          assert_int_equal(mgn_dynamic_margin(r, 3, &q, NULL, &res), MGN_EINVAL);
    q = p; q.buffer = INFINITY;      assert_int_equal(mgn_dynamic_margin(r, 3, &q, NULL, &res), MGN_EINVAL);
    /* buffer_left stays in [0, buffer] although M / m - 1 rounds */
    for (int k = 0; k <= 255; k++) {
        q = p;
        q.buffer = k / 255.0;
        assert_int_equal(mgn_dynamic_margin(r, 1, &q, NULL, &res), MGN_OK);
        assert_true(res.buffer_left >= 0 && res.buffer_left <= q.buffer);
    }
    memset(&res, 0x11, sizeof res);
    double rr[3] = { 0.01, NAN, 0 };
    assert_int_equal(mgn_dynamic_margin(rr, 3, &p, NULL, &res), MGN_EINVAL);
    assert_memory_equal(&res, &r0, sizeof res);
    /* hostile sizes: squares of returns that overflow (the seed, the recursion with a
       given seed, the dynamic margin's sum of squares), a scan that overflows, and a
       count that cannot be followed by one more variance */
    double huge[3] = { 1e200, 1e200, 0 };
    v[0] = 9;
    assert_int_equal(mgn_ewma_variance(huge, 3, 0.94, -1, v), MGN_ERANGE);
    assert_int_equal(mgn_ewma_variance(huge, 3, 0.94, 1e-4, v), MGN_ERANGE);
    assert_true(v[0] == 9);      /* nothing written */
    assert_int_equal(mgn_ewma_variance(r, SIZE_MAX, 0.94, -1, v), MGN_ERANGE);
    assert_int_equal(mgn_dynamic_margin(huge, 3, &p, NULL, &res), MGN_ERANGE);
    double large[3] = { 1e150, -1e150, 1e150 };
    q = p; q.multiplier = 1e300;
    assert_int_equal(mgn_dynamic_margin(large, 3, &q, NULL, &res), MGN_ERANGE);
    assert_memory_equal(&res, &r0, sizeof res);
    assert_int_equal(mgn_sizeof_dynmargin_params(), sizeof(mgn_dynmargin_params));
    assert_int_equal(mgn_sizeof_dynmargin_result(), sizeof(mgn_dynmargin_result));
}

/*---------------------------------------------------------------- bad input catalogue */
/* Every argument of every function of this file with the bad values of the catalogue
   (tests/README.md, tests/bad_input.h). */
#include "bad_input.h"

enum { EW_N = 30 };

static int bad_call_dyn(const void *arg, void *ctx)
{
    const double *r = ctx;
    mgn_dynmargin_result out;
    double series[EW_N];
    bad_fill(&out, sizeof out);
    int st = mgn_dynamic_margin(r, EW_N, arg, series, &out);
    if (st != MGN_OK)
        BAD_UNTOUCHED(&out, sizeof out);
    return st;
}

static const bad_double BAD_DYN_DF[] = { BAD_NONFINITE, { "-1", -1 }, { "1", 1 }, { "2", 2 } };
static const bad_field BAD_DYN_FIELDS[] = {
    BAD_DFIELD(mgn_dynmargin_params, lambda, BAD_D_UNIT_OPEN),
    BAD_DFIELD(mgn_dynmargin_params, seed_var, BAD_D_FINITE),
    BAD_DFIELD(mgn_dynmargin_params, confidence, BAD_D_UNIT_OPEN),
    BAD_DFIELD(mgn_dynmargin_params, horizon_days, BAD_D_POSITIVE),
    BAD_DFIELD(mgn_dynmargin_params, tail_df, BAD_DYN_DF),
    BAD_DFIELD(mgn_dynmargin_params, multiplier, BAD_D_POSITIVE),
    BAD_DFIELD(mgn_dynmargin_params, buffer, BAD_D_NONNEG),
};

static void test_bad_input_ewma(void **state)
{
    (void)state;
    BAD_INPUT_BEGIN();
    double r[EW_N], v[EW_N + 1];
    for (int i = 0; i < EW_N; i++)
        r[i] = 0.01 * ((i * 7) % 9 - 4);
    /* mgn_ewma_variance */
    const char *fn = "mgn_ewma_variance";
#define EW_CALL(ret, n, lam, seed, out, want, arg, label)                               \
    do {                                                                                \
        bad_fill(v, sizeof v);                                                          \
        BAD_STATUS(fn, arg, label, want, mgn_ewma_variance(ret, n, lam, seed, out));    \
        BAD_UNTOUCHED(v, sizeof v);                                                     \
    } while (0)
    EW_CALL(NULL, EW_N, 0.94, -1, v, MGN_EINVAL, "returns", "NULL");
    for (size_t k = 0; k < BAD_N(BAD_D_FINITE); k++) {
        double r2[EW_N];
        memcpy(r2, r, sizeof r2);
        r2[EW_N - 2] = BAD_D_FINITE[k].v;
        EW_CALL(r2, EW_N, 0.94, -1, v, MGN_EINVAL, "returns[i]", BAD_D_FINITE[k].label);
        EW_CALL(r, EW_N, 0.94, BAD_D_FINITE[k].v, v, MGN_EINVAL, "seed_var", BAD_D_FINITE[k].label);
    }
    {   /* squares that overflow: the recursion is not finite (the output holds the partial recursion) */
        double r2[EW_N];
        memcpy(r2, r, sizeof r2);
        r2[5] = 1e200;
        BAD_STATUS(fn, "returns[i]", "1e200 (square overflows)", MGN_ERANGE, mgn_ewma_variance(r2, EW_N, 0.94, -1, v));
        BAD_STATUS(fn, "seed_var", "DBL_MAX with lambda 0.99 (stays finite)", MGN_OK,
                   mgn_ewma_variance(r, EW_N, 0.99, DBL_MAX, v));
    }
    EW_CALL(r, 0, 0.94, -1, v, MGN_EINVAL, "n", "0");
    EW_CALL(r, SIZE_MAX, 0.94, -1, v, MGN_ERANGE, "n", "SIZE_MAX (n + 1 outputs overflow)");
    EW_CALL(NULL, SIZE_MAX / 2, 0.94, -1, v, MGN_EINVAL, "n", "SIZE_MAX/2 (returns NULL)");
    EW_CALL(NULL, (size_t)INT_MAX + 1, 0.94, -1, v, MGN_EINVAL, "n", "INT_MAX+1 (returns NULL)");
    for (size_t k = 0; k < BAD_N(BAD_D_UNIT_OPEN); k++)
        EW_CALL(r, EW_N, BAD_D_UNIT_OPEN[k].v, -1, v, MGN_EINVAL, "lambda", BAD_D_UNIT_OPEN[k].label);
    BAD_STATUS(fn, "variance", "NULL", MGN_EINVAL, mgn_ewma_variance(r, EW_N, 0.94, -1, NULL));
#undef EW_CALL

    /* mgn_dynamic_margin */
    fn = "mgn_dynamic_margin";
    mgn_dynmargin_params p;
    assert_int_equal(mgn_dynmargin_params_init(&p), MGN_OK);
    p.tail_df = 5;
    p.floor_lookback = 10;
    bad_struct_fields(fn, "params->", &p, sizeof p, BAD_DYN_FIELDS, bad_call_dyn, r);
    static const bad_size bad_ss[] = { { "0", 0 }, { "sizeof - 8", sizeof(mgn_dynmargin_params) - 8 },
                                       { "sizeof + 8", sizeof(mgn_dynmargin_params) + 8 },
                                       { "SIZE_MAX", SIZE_MAX } };
    for (size_t k = 0; k < BAD_N(bad_ss); k++) {
        mgn_dynmargin_params q = p;
        q.struct_size = bad_ss[k].v;
        BAD_STATUS(fn, "params->struct_size", bad_ss[k].label, MGN_EINVAL, bad_call_dyn(&q, r));
    }
    {
        mgn_dynmargin_params q = p;
        q.floor_lookback = SIZE_MAX;
        BAD_STATUS_NOTE(fn, "params->floor_lookback", "SIZE_MAX", MGN_OK, "the whole series",
                        bad_call_dyn(&q, r));
    }
    mgn_dynmargin_result out;
    double series[EW_N];
#define DYN_CALL(ret, n, prm, out_p, want, arg, label)                                  \
    do {                                                                                \
        bad_fill(&out, sizeof out);                                                     \
        BAD_STATUS(fn, arg, label, want, mgn_dynamic_margin(ret, n, prm, series, out_p)); \
        BAD_UNTOUCHED(&out, sizeof out);                                                \
    } while (0)
    DYN_CALL(NULL, EW_N, &p, &out, MGN_EINVAL, "returns", "NULL");
    for (size_t k = 0; k < BAD_N(BAD_D_FINITE); k++) {
        double r2[EW_N];
        memcpy(r2, r, sizeof r2);
        r2[7] = BAD_D_FINITE[k].v;
        DYN_CALL(r2, EW_N, &p, &out, MGN_EINVAL, "returns[i]", BAD_D_FINITE[k].label);
    }
    {
        double r2[EW_N];
        memcpy(r2, r, sizeof r2);
        r2[7] = 1e200;
        DYN_CALL(r2, EW_N, &p, &out, MGN_ERANGE, "returns[i]", "1e200 (square overflows)");
    }
    DYN_CALL(r, 0, &p, &out, MGN_EINVAL, "n", "0");
    for (size_t s = 0; s < BAD_N(BAD_SIZES); s++)
        DYN_CALL(NULL, BAD_SIZES[s].v, &p, &out, MGN_EINVAL, "n", BAD_SIZES_NULL[s].label);
    DYN_CALL(r, EW_N, NULL, &out, MGN_EINVAL, "params", "NULL");
    BAD_STATUS(fn, "out", "NULL", MGN_EINVAL, mgn_dynamic_margin(r, EW_N, &p, series, NULL));
    BAD_STATUS_NOTE(fn, "scan_series", "NULL", MGN_OK, "optional output", mgn_dynamic_margin(r, EW_N, &p, NULL, &out));
#undef DYN_CALL
    BAD_STATUS("mgn_dynmargin_params_init", "params", "NULL", MGN_EINVAL, mgn_dynmargin_params_init(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ewma_recursion),
        cmocka_unit_test(test_dynamic_margin),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_bad_input_ewma),
    };
    return cmocka_run_group_tests_name("ewma", tests, NULL, NULL);
}
