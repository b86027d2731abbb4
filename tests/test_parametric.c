/* Tests of lib/parametric.c: delta-normal and delta-gamma Cornish-Fisher VaR/ES.
 *
 * Independent references:
 *   - published normal quantiles and the ES/sigma ratio (METHODS-REFERENCE.md 4.5:
 *     z_0.99 = 2.3263479, ES_0.975/sigma = 2.3378028);
 *   - the cumulants of the quadratic P&L recomputed by a different route: Cholesky
 *     and eigen-decomposition (GSL) turn it into a sum of independent one-dimensional
 *     terms d_i y_i + g_i y_i^2 / 2, whose cumulants are the 1-D formulas of
 *     METHODS-REFERENCE.md 4.5 (a = d, b = g/2: mean b, var a^2 + 2b^2, ...);
 *   - the Cornish-Fisher ES closed form against numerical integration of the CF
 *     quantile function over the tail;
 *   - delta-gamma VaR against a large simulated sample of the quadratic P&L;
 *   - random problems (test_delta_gamma_random) against the eigenvalue form of the
 *     cumulants (Mathai and Provost 1992, sec. 3.2b) and a long double normal quantile.
 */
#include <stdlib.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include "test_util.h"

static void random_cov(mgn_test_rng *g, size_t n, double *cov)
{
    double A[64];
    for (size_t i = 0; i < n * n; i++) A[i] = mgn_test_range(g, -0.1, 0.1);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double s = i == j ? 1e-4 : 0;
            for (size_t k = 0; k < n; k++) s += A[i * n + k] * A[j * n + k];
            cov[i * n + j] = s;
        }
}

static void test_delta_normal(void **state)
{
    (void)state;
    double d = 2, cov = 0.04, var, es;          /* sigma = 0.4 */
    assert_int_equal(mgn_var_delta_normal(&d, &cov, 1, 0.99, &var, &es), MGN_OK);
    assert_close(var / 0.4, 2.3263479, 0, 5e-8);
    assert_int_equal(mgn_var_delta_normal(&d, &cov, 1, 0.975, &var, &es), MGN_OK);
    assert_close(es / 0.4, 2.3378028, 0, 5e-8);
    assert_close(var / 0.4, 1.9599640, 0, 5e-8);
    assert_int_equal(mgn_var_delta_normal(&d, &cov, 1, 0.95, &var, &es), MGN_OK);
    assert_close(var / 0.4, 1.6448536, 0, 5e-8);
    /* two assets, correlation -0.5, short one: sigma^2 = d' S d */
    double d2[2] = { 100, -50 }, c2[4] = { 0.01, -0.5 * 0.1 * 0.2, -0.5 * 0.1 * 0.2, 0.04 };
    double s2 = 100.0 * 100 * 0.01 + 50.0 * 50 * 0.04 + 2 * 100.0 * -50 * -0.01;
    assert_int_equal(mgn_var_delta_normal(d2, c2, 2, 0.99, &var, &es), MGN_OK);
    assert_close(var, gsl_cdf_ugaussian_Pinv(0.99) * sqrt(s2), 1e-14, 0);
    assert_close(es, sqrt(s2) * gsl_ran_ugaussian_pdf(gsl_cdf_ugaussian_Pinv(0.99)) / 0.01, 1e-14, 0);
    /* zero exposure */
    double z2[2] = { 0, 0 };
    assert_int_equal(mgn_var_delta_normal(z2, c2, 2, 0.99, &var, &es), MGN_OK);
    assert_true(var == 0 && es == 0);
}

/* Cumulants via Cholesky + eigen-decomposition (independent route). */
static void ref_cumulants(const double *d, const double *G, const double *cov, size_t n, double k[5])
{
    gsl_matrix *C = gsl_matrix_alloc(n, n), *B = gsl_matrix_alloc(n, n), *T = gsl_matrix_alloc(n, n), *V = gsl_matrix_alloc(n, n);
    gsl_vector *ev = gsl_vector_alloc(n);
    for (size_t i = 0; i < n; i++) for (size_t j = 0; j < n; j++) gsl_matrix_set(C, i, j, cov[i * n + j]);
    assert_int_equal(gsl_linalg_cholesky_decomp1(C), 0);           /* C = L L' (lower) */
    for (size_t i = 0; i < n; i++) for (size_t j = 0; j < n; j++) if (j > i) gsl_matrix_set(C, i, j, 0);
    /* B = L' G L */
    for (size_t i = 0; i < n; i++) for (size_t j = 0; j < n; j++) {
        double s = 0;
        for (size_t a = 0; a < n; a++) s += G[i * n + a] * gsl_matrix_get(C, a, j);
        gsl_matrix_set(T, i, j, s);
    }
    for (size_t i = 0; i < n; i++) for (size_t j = 0; j < n; j++) {
        double s = 0;
        for (size_t a = 0; a < n; a++) s += gsl_matrix_get(C, a, i) * gsl_matrix_get(T, a, j);
        gsl_matrix_set(B, i, j, s);
    }
    gsl_eigen_symmv_workspace *w = gsl_eigen_symmv_alloc(n);
    gsl_eigen_symmv(B, ev, V, w);
    gsl_eigen_symmv_free(w);
    for (int i = 0; i < 5; i++) k[i] = 0;
    gsl_vector *ld = gsl_vector_alloc(n);                           /* L' d */
    for (size_t r = 0; r < n; r++) {
        double s = 0;
        for (size_t c = 0; c < n; c++) s += gsl_matrix_get(C, c, r) * d[c];
        gsl_vector_set(ld, r, s);
    }
    for (size_t i = 0; i < n; i++) {
        /* coefficient of y_i: (V' L' d)_i */
        double a = 0;
        for (size_t r = 0; r < n; r++) a += gsl_matrix_get(V, r, i) * gsl_vector_get(ld, r);
        double b = 0.5 * gsl_vector_get(ev, i);
        k[1] += b;
        k[2] += a * a + 2 * b * b;
        k[3] += 6 * a * a * b + 8 * b * b * b;
        k[4] += 48 * a * a * b * b + 48 * b * b * b * b;   /* fourth cumulant: m4 - 3 var^2 */
    }
    gsl_matrix_free(C); gsl_matrix_free(B); gsl_matrix_free(T); gsl_matrix_free(V); gsl_vector_free(ev);
    gsl_vector_free(ld);
}

/* The moments of a delta-gamma result against the eigenvalue route. */
static void assert_moments(const mgn_dg_result *r, const double *d, const double *G,
                           const double *cov, size_t n)
{
    double k[5];
    ref_cumulants(d, G, cov, n, k);
    assert_close(r->mean, k[1], 1e-10, 1e-12);
    assert_close(r->stdev * r->stdev, k[2], 1e-10, 1e-12);
    assert_close(r->skew, k[3] / pow(k[2], 1.5), 1e-8, 1e-10);
    assert_close(r->kurtosis, k[4] / (k[2] * k[2]), 1e-8, 1e-10);
}

static void test_delta_gamma_moments(void **state)
{
    (void)state;
    mgn_test_rng g = { 5 };
    double work[2 * 64 + 16];
    size_t bytes;
    for (int it = 0; it < 50; it++) {
        size_t n = 1 + (size_t)(mgn_test_uniform(&g) * 6);
        double cov[64], G[64], d[8];
        random_cov(&g, n, cov);
        for (size_t i = 0; i < n; i++) {
            d[i] = mgn_test_range(&g, -100, 100);
            for (size_t j = 0; j <= i; j++) G[i * n + j] = G[j * n + i] = mgn_test_range(&g, -2000, 2000);
        }
        assert_int_equal(mgn_var_delta_gamma_work_size(n, &bytes), MGN_OK);
        assert_true(bytes <= sizeof work);
        mgn_dg_result r;
        assert_int_equal(mgn_var_delta_gamma(d, G, cov, n, 0.99, work, bytes, &r), MGN_OK);
        assert_moments(&r, d, G, cov, n);
        assert_true(r.es >= r.var);
    }
    /* G = 0: delta-normal exactly */
    double d[2] = { 10, -20 }, cov[4] = { 0.01, 0.002, 0.002, 0.02 }, G[4] = { 0, 0, 0, 0 }, v, e;
    mgn_dg_result r;
    assert_int_equal(mgn_var_delta_gamma(d, G, cov, 2, 0.975, work, sizeof work, &r), MGN_OK);
    assert_int_equal(mgn_var_delta_normal(d, cov, 2, 0.975, &v, &e), MGN_OK);
    assert_close(r.var, v, 1e-13, 0);
    assert_close(r.es, e, 1e-13, 0);
    assert_true(r.skew == 0 && r.kurtosis == 0 && r.mean == 0);
}

/* ES closed form = -(1/a) integral_0^a (mean + sd zcf(Phi^-1(u))) du, by quadrature in z. */
/* Books of 16 to 100 risk factors, where the products G cov and (G cov)^2 take the
   vector row loops (at 23 and 41 with remainders past every vector width): the
   moments against the eigenvalue route as for the small books, and the same VaR as
   the risk factors listed in the reverse order (the quadratic form permuted). */
static void test_delta_gamma_many_factors(void **state)
{
    (void)state;
    static const size_t ns[] = { 15, 16, 23, 41, 100 };
    mgn_test_rng g = { 77 };
    for (size_t t = 0; t < sizeof ns / sizeof ns[0]; t++) {
        size_t n = ns[t], bytes;
        double *A = malloc(n * n * sizeof *A), *cov = malloc(n * n * sizeof *cov);
        double *G = malloc(n * n * sizeof *G), *d = malloc(n * sizeof *d);
        double *covr = malloc(n * n * sizeof *covr), *Gr = malloc(n * n * sizeof *Gr);
        double *dr = malloc(n * sizeof *dr);
        assert_non_null(A && cov && G && d && covr && Gr && dr);
        for (size_t i = 0; i < n * n; i++) A[i] = mgn_test_range(&g, -0.1, 0.1);
        for (size_t i = 0; i < n; i++) {
            d[i] = mgn_test_range(&g, -100, 100);
            for (size_t j = 0; j <= i; j++) {
                double c = i == j ? 1e-4 : 0;
                for (size_t k = 0; k < n; k++) c += A[i * n + k] * A[j * n + k];
                cov[i * n + j] = cov[j * n + i] = c / (double)n;
                G[i * n + j] = G[j * n + i] = mgn_test_range(&g, -2000, 2000);
            }
        }
        for (size_t i = 0; i < n; i++) {
            dr[i] = d[n - 1 - i];
            for (size_t j = 0; j < n; j++) {
                covr[i * n + j] = cov[(n - 1 - i) * n + (n - 1 - j)];
                Gr[i * n + j] = G[(n - 1 - i) * n + (n - 1 - j)];
            }
        }
        assert_int_equal(mgn_var_delta_gamma_work_size(n, &bytes), MGN_OK);
        void *work = malloc(bytes);
        assert_non_null(work);
        mgn_dg_result r, rr;
        assert_int_equal(mgn_var_delta_gamma(d, G, cov, n, 0.99, work, bytes, &r), MGN_OK);
        assert_int_equal(mgn_var_delta_gamma(dr, Gr, covr, n, 0.99, work, bytes, &rr), MGN_OK);
        assert_moments(&r, d, G, cov, n);
        assert_close(rr.var, r.var, 1e-10, 0);
        assert_close(rr.es, r.es, 1e-10, 0);
        assert_true(r.es >= r.var);
        free(A); free(cov); free(G); free(d); free(covr); free(Gr); free(dr); free(work);
    }
}

static void test_cf_es_integral(void **state)
{
    (void)state;
    double d = 50, G = -3000, cov = 0.0004, work[8];          /* short gamma: negative skew */
    static const double cs[] = { 0.95, 0.975, 0.99 };
    for (int k = 0; k < 3; k++) {
        mgn_dg_result r;
        assert_int_equal(mgn_var_delta_gamma(&d, &G, &cov, 1, cs[k], work, sizeof work, &r), MGN_OK);
        double a = 1 - cs[k], q = gsl_cdf_ugaussian_Pinv(a), S = r.skew, K = r.kurtosis, s = 0;
        /* integral over z in (-12, q) of zcf(z) phi(z) dz, Simpson with 20000 panels */
        int m = 20000;
        double lo = -12, h = (q - lo) / m;
        for (int i = 0; i <= m; i++) {
            double z = lo + i * h, z2 = z * z;
            double zcf = z + (z2 - 1) * S / 6 + (z2 * z - 3 * z) * K / 24 - (2 * z2 * z - 5 * z) * S * S / 36;
            double f = zcf * gsl_ran_ugaussian_pdf(z), wgt = (i == 0 || i == m) ? 1 : (i % 2 ? 4 : 2);
            s += wgt * f;
        }
        s *= h / 3;
        double es_num = -(r.mean + r.stdev * s / a);
        assert_close(r.es, es_num, 1e-9, 0);
        /* VaR: the CF quantile */
        double z2 = q * q;
        double zcf = q + (z2 - 1) * S / 6 + (z2 * q - 3 * q) * K / 24 - (2 * z2 * q - 5 * q) * S * S / 36;
        assert_close(r.var, -(r.mean + r.stdev * zcf), 1e-13, 0);
    }
}

/* Against the simulated quadratic P&L (moderate skew): CF within a few percent. */
static void test_cf_vs_simulation(void **state)
{
    (void)state;
    double d[2] = { 1000, 400 }, G[4] = { -20000, 5000, 5000, -8000 };
    double cov[4] = { 0.0004, 0.00012, 0.00012, 0.0009 }, work[16];
    mgn_dg_result r;
    assert_int_equal(mgn_var_delta_gamma(d, G, cov, 2, 0.99, work, sizeof work, &r), MGN_OK);
    assert_true(r.skew < -0.1 && r.skew > -1);
    size_t n = 1000000;
    double *p = malloc(n * sizeof *p);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 11);
    double l11 = sqrt(cov[0]), l21 = cov[2] / l11, l22 = sqrt(cov[3] - l21 * l21);
    for (size_t i = 0; i < n; i++) {
        double z1 = gsl_ran_gaussian_ziggurat(rng, 1), z2 = gsl_ran_gaussian_ziggurat(rng, 1);
        double x1 = l11 * z1, x2 = l21 * z1 + l22 * z2;
        p[i] = d[0] * x1 + d[1] * x2 + 0.5 * (G[0] * x1 * x1 + 2 * G[1] * x1 * x2 + G[3] * x2 * x2);
    }
    double v, e;
    assert_int_equal(mgn_var_es(p, NULL, n, 0.99, &v, &e), MGN_OK);
    assert_close(r.var, v, 0.03, 0);
    assert_close(r.es, e, 0.05, 0);
    gsl_rng_free(rng);
    free(p);
}

/* No risk at all (cov = 0): every moment is 0 and so are VaR and ES; a gamma whose
   products with cov vanish (risk only in an unexposed factor) likewise. */
static void test_delta_gamma_riskless(void **state)
{
    (void)state;
    double work[32];
    mgn_dg_result r;
    double d[2] = { 1, -1 }, G[4] = { 2, 0, 0, 2 }, zero[4] = { 0, 0, 0, 0 };
    assert_int_equal(mgn_var_delta_gamma(d, G, zero, 2, 0.99, work, sizeof work, &r), MGN_OK);
    assert_true(r.mean == 0 && r.stdev == 0 && r.skew == 0 && r.kurtosis == 0);
    assert_true(r.var == 0 && r.es == 0);
    /* factor 1 has variance, the position has neither delta nor gamma in it */
    double d1[2] = { 3, 0 }, G1[4] = { 5, 0, 0, 0 }, cov1[4] = { 0, 0, 0, 0.04 };
    assert_int_equal(mgn_var_delta_gamma(d1, G1, cov1, 2, 0.99, work, sizeof work, &r), MGN_OK);
    assert_true(r.stdev == 0 && r.var == 0 && r.es == 0);
    double v, e;
    assert_int_equal(mgn_var_delta_normal(d1, cov1, 2, 0.99, &v, &e), MGN_OK);
    assert_true(v == 0 && e == 0);
}

static void test_bad_input(void **state)
{
    (void)state;
    double d[2] = { 1, 2 }, cov[4] = { 0.04, 0.01, 0.01, 0.09 }, G[4] = { 1, 0, 0, 1 }, v = 7, e = 8;
    double work[32];
    mgn_dg_result r;
    memset(&r, 0x33, sizeof r);
    mgn_dg_result r0 = r;
    assert_int_equal(mgn_var_delta_normal(NULL, cov, 2, 0.99, &v, &e), MGN_EINVAL);
    assert_int_equal(mgn_var_delta_normal(d, NULL, 2, 0.99, &v, &e), MGN_EINVAL);
    assert_int_equal(mgn_var_delta_normal(d, cov, 2, 0.99, NULL, &e), MGN_EINVAL);
    assert_int_equal(mgn_var_delta_normal(d, cov, 2, 0.99, &v, NULL), MGN_EINVAL);
    assert_int_equal(mgn_var_delta_normal(d, cov, 0, 0.99, &v, &e), MGN_EINVAL);
    assert_int_equal(mgn_var_delta_normal(d, cov, (size_t)1 << 33, 0.99, &v, &e), MGN_ERANGE);
    assert_int_equal(mgn_var_delta_gamma(NULL, G, cov, 2, 0.99, work, sizeof work, &r), MGN_EINVAL);
    assert_int_equal(mgn_var_delta_gamma(d, NULL, cov, 2, 0.99, work, sizeof work, &r), MGN_EINVAL);
    assert_int_equal(mgn_var_delta_gamma(d, G, NULL, 2, 0.99, work, sizeof work, &r), MGN_EINVAL);
    assert_int_equal(mgn_var_delta_gamma(d, G, cov, 2, 0.99, work, sizeof work, NULL), MGN_EINVAL);
    assert_int_equal(mgn_var_delta_gamma(d, G, cov, 0, 0.99, work, sizeof work, &r), MGN_EINVAL);
    assert_int_equal(mgn_var_delta_gamma(d, G, cov, 2, 0.99, NULL, sizeof work, &r), MGN_EINVAL);
    assert_int_equal(mgn_var_delta_gamma(d, G, cov, 2, 0.99, (char *)work + 4, sizeof work - 8, &r), MGN_EINVAL);
    assert_int_equal(mgn_var_delta_gamma(d, G, cov, 2, 0.99, work, 12 * sizeof(double) - 1, &r), MGN_ENOMEM);
    size_t b;
    assert_int_equal(mgn_var_delta_gamma_work_size(0, &b), MGN_EINVAL);
    assert_int_equal(mgn_var_delta_gamma_work_size(2, NULL), MGN_EINVAL);
    assert_int_equal(mgn_var_delta_gamma_work_size((size_t)1 << 33, &b), MGN_ERANGE);
    assert_int_equal(mgn_var_delta_gamma_work_size(2, &b), MGN_OK);
    assert_int_equal(b, 12 * sizeof(double));
    static const double badc[] = { 0, 1, -0.5, 1.5, NAN, INFINITY };
    for (int i = 0; i < 6; i++) {
        assert_int_equal(mgn_var_delta_normal(d, cov, 2, badc[i], &v, &e), MGN_EINVAL);
        assert_int_equal(mgn_var_delta_gamma(d, G, cov, 2, badc[i], work, sizeof work, &r), MGN_EINVAL);
    }
    for (int k = 0; k < 3; k++) {
        double bd[2] = { 1, 2 }, bc[4] = { 0.04, 0.01, 0.01, 0.09 }, bg[4] = { 1, 0, 0, 1 };
        bd[1] = mgn_test_nonfinite[k];
        assert_int_equal(mgn_var_delta_normal(bd, cov, 2, 0.99, &v, &e), MGN_EINVAL);
        assert_int_equal(mgn_var_delta_gamma(bd, G, cov, 2, 0.99, work, sizeof work, &r), MGN_EINVAL);
        bc[3] = mgn_test_nonfinite[k];
        assert_int_equal(mgn_var_delta_normal(d, bc, 2, 0.99, &v, &e), MGN_EINVAL);
        bg[0] = mgn_test_nonfinite[k];
        assert_int_equal(mgn_var_delta_gamma(d, bg, cov, 2, 0.99, work, sizeof work, &r), MGN_EINVAL);
    }
    double asym[4] = { 0.04, 0.01, 0.02, 0.09 }, negd[4] = { -0.04, 0, 0, 0.09 }, corr[4] = { 0.04, 0.07, 0.07, 0.09 };
    double gasym[4] = { 1, 2, 3, 1 };
    assert_int_equal(mgn_var_delta_normal(d, asym, 2, 0.99, &v, &e), MGN_EINVAL);
    assert_int_equal(mgn_var_delta_normal(d, negd, 2, 0.99, &v, &e), MGN_EINVAL);
    assert_int_equal(mgn_var_delta_normal(d, corr, 2, 0.99, &v, &e), MGN_EINVAL);
    assert_int_equal(mgn_var_delta_gamma(d, gasym, cov, 2, 0.99, work, sizeof work, &r), MGN_EINVAL);
    /* the correlation bound |c_ij| <= sqrt(c_ii c_jj) where the squares leave the
       doubles (variances of 1e200 and 1e-170): a correlation of 1 passes, of 1.001 not */
    const double scales[2] = { 1e200, 1e-170 };
    for (int k = 0; k < 2; k++) {
        double sc = scales[k], ok2[4] = { sc, sc, sc, sc };
        double bad2[4] = { sc, 1.001 * sc, 1.001 * sc, sc };
        double dd[2] = { 1e-110, -1e-110 };     /* a variance that stays a double */
        if (k == 1)
            dd[0] = 1e80, dd[1] = 0.5e80;
        double vk, ek;
        assert_int_equal(mgn_var_delta_normal(dd, ok2, 2, 0.99, &vk, &ek), MGN_OK);
        assert_int_equal(mgn_var_delta_normal(dd, bad2, 2, 0.99, &vk, &ek), MGN_EINVAL);
    }
    /* pairwise valid, not PSD: d' S d < 0 */
    double npsd[9] = { 1, 0.9, -0.9, 0.9, 1, 0.9, -0.9, 0.9, 1 }, d3[3] = { 1, -1, 1 }, g3[9] = { 0 };
    assert_int_equal(mgn_var_delta_normal(d3, npsd, 3, 0.99, &v, &e), MGN_EINVAL);
    assert_int_equal(mgn_var_delta_gamma(d3, g3, npsd, 3, 0.99, work, sizeof work, &r), MGN_EINVAL);
    /* a work size that overflows, refused before the arrays are read */
    assert_int_equal(mgn_var_delta_gamma(d, G, cov, (size_t)1 << 33, 0.99, work, sizeof work, &r), MGN_ERANGE);
    /* exposures whose variance or moments overflow */
    double huge[2] = { 1e200, 1e200 }, hg[4] = { 1e200, 0, 0, 1e200 };
    assert_int_equal(mgn_var_delta_normal(huge, cov, 2, 0.99, &v, &e), MGN_ERANGE);
    assert_int_equal(mgn_var_delta_gamma(d, hg, cov, 2, 0.99, work, sizeof work, &r), MGN_ERANGE);
    assert_true(v == 7 && e == 8);
    assert_memory_equal(&r, &r0, sizeof r);
    assert_int_equal(mgn_sizeof_dg_result(), sizeof(mgn_dg_result));
}

/*---------------------------------------------------------------- random accuracy scan */

/* The standard normal density and the lower quantile Phi^-1(a), a in (0, 0.5], in long
   double: the reference for both functions' quantiles, independent of GSL's
   gsl_cdf_ugaussian_Pinv (which the library uses). Newton's method on
   Phi(x) = erfc(-x / sqrt 2) / 2 (relative accuracy in the lower tail) from
   Abramowitz and Stegun 26.2.23 (error < 4.5e-4); held to 20-digit quantiles in
   test_delta_gamma_random. */
static long double ref_pdf(long double x)
{
    return expl(-0.5L * x * x) / sqrtl(8 * atanl(1));
}

static long double ref_lower_quantile(long double a)
{
    long double t = sqrtl(-2 * logl(a));
    long double x = -(t - (2.515517L + 0.802853L * t + 0.010328L * t * t)
                              / (1 + 1.432788L * t + 0.189269L * t * t + 0.001308L * t * t * t));
    for (int k = 0; k < 100; k++) {
        long double dx = (0.5L * erfcl(-x / sqrtl(2)) - a) / ref_pdf(x);
        x -= dx;
        if (fabsl(dx) <= 1e-18L * (1 + fabsl(x)))
            break;
    }
    return x;
}

/* Random covariance matrices U U' of n <= 8 factors: each row u_i of U is scaled to
   the factor's standard deviation (1e-4 to 1, or 0 for one factor in ten). kind 0:
   full rank; 1: rank k < n (U has n - k zero columns: singular); 2: diagonal;
   3: correlations near +-1 (rows that are +- copies of earlier rows perturbed by
   1e-9 to 1e-2). Symmetric exactly (each entry computed once). */
static void random_cov_of_kind(mgn_test_rng *g, size_t n, int kind, double *cov)
{
    double U[64] = { 0 };
    size_t rank = kind == 1 && n > 1 ? 1 + (size_t)(mgn_test_uniform(g) * (double)(n - 1)) : n;
    for (size_t i = 0; i < n; i++) {
        double *u = U + i * n, norm = 0;
        if (kind == 2) {
            u[i] = 1;
        } else if (kind == 3 && i > 0 && mgn_test_uniform(g) < 0.7) {
            const double *src = U + (size_t)(mgn_test_uniform(g) * (double)i) * n;
            double sign = mgn_test_uniform(g) < 0.5 ? -1 : 1;
            double pert = mgn_test_logrange(g, 1e-9, 1e-2);
            for (size_t j = 0; j < n; j++)
                u[j] = sign * src[j] + pert * mgn_test_range(g, -1, 1);
        } else {
            for (size_t j = 0; j < rank; j++)
                u[j] = mgn_test_range(g, -1, 1);
        }
        for (size_t j = 0; j < n; j++)
            norm += u[j] * u[j];
        double sd = mgn_test_uniform(g) < 0.1 ? 0 : mgn_test_logrange(g, 1e-4, 1);
        for (size_t j = 0; j < n; j++)
            u[j] = norm > 0 ? u[j] * (sd / sqrt(norm)) : 0;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j <= i; j++) {
            double s = 0;
            for (size_t k = 0; k < n; k++)
                s += U[i * n + k] * U[j * n + k];
            cov[i * n + j] = cov[j * n + i] = s;
        }
}

/* The P&L delta'x + x'Gx/2, x ~ N(0, cov), as a sum of independent terms
   b_j z_j + lambda_j z_j^2 / 2 (z standard normal): cov = C C', C' G C = P diag(lambda) P',
   b = P' C' delta. C is built from the correlation matrix R = D^-1 cov D^-1,
   D = diag(sqrt(cov_ii)) (unit rows where cov_ii = 0), R = Q diag(mu) Q' by
   gsl_eigen_symmv, C = D Q diag(sqrt(max(mu, 0))): scaling by D first keeps every
   entry of C C' within ~n^2 eps sd_i sd_j of cov however far apart the variances
   are; a singular R has mu ~ 0 (perhaps -eps), cut to 0. */
static void ref_quadratic_form(const double *delta, const double *gamma, const double *cov,
                               size_t n, long double *b, long double *lambda)
{
    gsl_matrix *R = gsl_matrix_alloc(n, n), *Q = gsl_matrix_alloc(n, n);
    gsl_vector *mu = gsl_vector_alloc(n);
    gsl_eigen_symmv_workspace *w = gsl_eigen_symmv_alloc(n);
    double sd[8];
    long double C[64], Ctd[8];
    for (size_t i = 0; i < n; i++)
        sd[i] = sqrt(cov[i * n + i]);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            gsl_matrix_set(R, i, j, sd[i] > 0 && sd[j] > 0 ? cov[i * n + j] / sd[i] / sd[j]
                                                           : (double)(i == j));
    assert_int_equal(gsl_eigen_symmv(R, mu, Q, w), 0);
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < n; k++)
            C[i * n + k] = (long double)sd[i] * gsl_matrix_get(Q, i, k)
                           * sqrtl(fmax(gsl_vector_get(mu, k), 0));
    /* B = C' G C (into R), then B = P diag(lambda) P' (P into Q) */
    for (size_t k = 0; k < n; k++)
        for (size_t l = 0; l <= k; l++) {
            long double s = 0;
            for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < n; j++)
                    s += C[i * n + k] * gamma[i * n + j] * C[j * n + l];
            gsl_matrix_set(R, k, l, (double)s);
            gsl_matrix_set(R, l, k, (double)s);
        }
    assert_int_equal(gsl_eigen_symmv(R, mu, Q, w), 0);
    for (size_t k = 0; k < n; k++) {
        Ctd[k] = 0;
        for (size_t i = 0; i < n; i++)
            Ctd[k] += C[i * n + k] * delta[i];
    }
    for (size_t j = 0; j < n; j++) {
        lambda[j] = gsl_vector_get(mu, j);
        b[j] = 0;
        for (size_t k = 0; k < n; k++)
            b[j] += gsl_matrix_get(Q, k, j) * Ctd[k];
    }
    gsl_eigen_symmv_free(w);
    gsl_vector_free(mu);
    gsl_matrix_free(Q);
    gsl_matrix_free(R);
}

/* The r-th cumulant of sum_j (b_j z_j + lambda_j z_j^2 / 2) (Mathai and Provost 1992,
   sec. 3.2b): k_1 = sum lambda_j / 2 and, for r >= 2,
   k_r = sum_j [(r-1)!/2 lambda_j^r + r!/2 b_j^2 lambda_j^(r-2)].
   One factor, X = b z + l z^2/2: var = b^2 + l^2/2, k3 = 3 b^2 l + l^3,
   k4 = 12 b^2 l^2 + 3 l^4, the header's trace forms with cov = 1, G = l, delta = b. */
static long double ref_cumulant(int r, const long double *b, const long double *lambda,
                                size_t n)
{
    long double fact = 1, k = 0;            /* (r-1)! */
    for (int i = 2; i < r; i++)
        fact *= i;
    for (size_t j = 0; j < n; j++)
        k += r == 1 ? lambda[j] / 2
                    : fact / 2 * powl(lambda[j], r) + fact * r / 2 * b[j] * b[j]
                                                          * powl(lambda[j], r - 2);
    return k;
}

/* Cornish-Fisher VaR and ES (the header's formulas, z = Phi^-1(a)), and their
   partial derivatives in S and K; es_cf is before the ES >= VaR floor. */
typedef struct {
    long double zcf, zcf_abs, dzcf_ds, dzcf_dk;   /* quantile factor, its terms' sizes */
    long double e, e_abs, de_ds, de_dk;           /* ES factor phi(z)/a [...] */
    long double var, es_cf, es;
} ref_cf;

static ref_cf ref_cornish_fisher(long double mean, long double sd, long double S,
                                 long double K, long double z, long double a)
{
    ref_cf r;
    long double z2 = z * z, pa = ref_pdf(z) / a;
    r.zcf = z + (z2 - 1) * S / 6 + (z2 * z - 3 * z) * K / 24 - (2 * z2 * z - 5 * z) * S * S / 36;
    r.zcf_abs = fabsl(z) + fabsl((z2 - 1) * S) / 6 + fabsl((z2 * z - 3 * z) * K) / 24
                + fabsl(2 * z2 * z - 5 * z) * S * S / 36;
    r.dzcf_ds = (z2 - 1) / 6 - (2 * z2 * z - 5 * z) * S / 18;
    r.dzcf_dk = (z2 * z - 3 * z) / 24;
    r.e = pa * (1 + z * S / 6 + (z2 - 1) * K / 24 - (2 * z2 - 1) * S * S / 36);
    r.e_abs = pa * (1 + fabsl(z * S) / 6 + fabsl((z2 - 1) * K) / 24
                    + fabsl(2 * z2 - 1) * S * S / 36);
    r.de_ds = pa * (z / 6 - (2 * z2 - 1) * S / 18);
    r.de_dk = pa * (z2 - 1) / 24;
    if (sd > 0) {
        r.var = -(mean + sd * r.zcf);
        r.es_cf = -mean + sd * r.e;
    } else {
        r.var = r.es_cf = -mean;
    }
    r.es = r.es_cf < r.var ? r.var : r.es_cf;
    return r;
}

/* Random delta-gamma problems over the whole domain against the eigenvalue form of the
   quadratic P&L (ref_quadratic_form, ref_cumulant), and mgn_var_delta_normal on the same
   draws. Drawn: n = 1..8 factors; the covariance of random_cov_of_kind (full, singular,
   diagonal, correlations near +-1; zero-variance factors); delta zero, of mixed or one
   sign, or a single entry; gamma zero, diagonal, full with mixed signs, rank one
   +-v v', or +-W W' (semi-definite); entries 1e-3 to 1e3 around a scale of 1e-30 to
   1e30 for delta and 1e-3 to 1e3 times that for gamma; confidence 0.95, 0.975, 0.99,
   0.999 or uniform in (0.5, 0.9999).
   Tolerances: R = 1e-10 of each figure's size (mean, VaR and ES: also of the P&L's
   stdev and of the Cornish-Fisher terms, sums that may cancel; skew and excess kurtosis,
   of order 1: of 1 + |S|, 1 + |K|), plus E = 1e-13 times the first-order effect of the
   rounding of the inputs. Both routes' cumulants err by up to ~n^2 eps (the backward
   error of the eigen-decompositions, n <= 8; E is about 900 eps) of the cumulants of the
   same P&L with every term positive and perfectly correlated, m_d = sum |delta_i| sd_i,
   m_g = sum |G_ij| sd_i sd_j (|cov_ij| <= sd_i sd_j): k1 m_g/2, k2 m_d^2 + m_g^2/2,
   k3 3 m_d^2 m_g + m_g^3, k4 12 m_d^2 m_g^2 + 3 m_g^4; these carried through sqrt,
   S = k3/k2^1.5, K = k4/k2^2 and Cornish-Fisher to first order. Hedged books (mixed
   signs, correlations near +-1) lose digits to that cancellation; the E terms allow
   for that loss and dominate in about 1 case in 400. */
static void test_delta_gamma_random(void **state)
{
    (void)state;
    /* the reference quantile against Phi^-1(c) = sqrt(2) erfinv(2c - 1) to 20 digits
       (30-digit arithmetic), to 1e-18 relative (1 - c taken in long double: 1 - 0.95 in
       double is 4.4e-17 off, which moves the quantile by 4.3e-16), or to 8 ulps of the
       long double arithmetic actually carried out where that is coarser (valgrind
       computes long double in double precision) */
    const long double ulp = mgn_long_double_ulp();                  /* tests/ldbl.h */
    const long double zq_tol = 8 * ulp > 1e-18L ? 8 * ulp : 1e-18L;
    static const double confs[] = { 0.95, 0.975, 0.99, 0.999 };
    static const long double z_exact[] = { 1.6448536269514727149L, 1.9599639845400542355L,
                                               2.3263478740408411009L, 3.0902323061678135415L };
    static const long double tails[] = { 0.05L, 0.025L, 0.01L, 0.001L };
    for (int k = 0; k < 4; k++) {
        long double z = -ref_lower_quantile(tails[k]);
        if (!(fabsl(z - z_exact[k]) <= zq_tol * z_exact[k])) {
            print_error("Phi^-1(%g) = %.21Lg, exact %.21Lg\n", confs[k], z, z_exact[k]);
            fail();
        }
    }
    const long double R = 1e-10, E = 1e-13;
    mgn_test_rng g = { 0xD1B54A32D192ED03ULL };
    double work[2 * 64 + 16], worst = 0;
    long floored = 0, riskless = 0;
    long iters = mgn_test_cases(10000);
    for (long it = 0; it < iters; it++) {
        size_t n = 1 + (size_t)(mgn_test_uniform(&g) * 8);
        double cov[64], G[64] = { 0 }, d[8] = { 0 }, v[8];
        random_cov_of_kind(&g, n, (int)(mgn_test_uniform(&g) * 4), cov);
        double dscale = mgn_test_logrange(&g, 1e-30, 1e30);
        double gscale = dscale * mgn_test_logrange(&g, 1e-3, 1e3);
        double u = mgn_test_uniform(&g);        /* delta: 10% a single entry, 25% of one
                                                   sign, 55% mixed signs, 10% zero */
        if (u < 0.9) {
            double sign = mgn_test_uniform(&g) < 0.5 ? -1 : 1;
            size_t only = u < 0.1 ? (size_t)(mgn_test_uniform(&g) * (double)n) : n;
            for (size_t i = 0; i < n; i++)
                if (only == n || only == i)
                    d[i] = (u < 0.35 ? sign : mgn_test_uniform(&g) < 0.5 ? -1 : 1)
                           * mgn_test_logrange(&g, 1e-3, 1e3) * dscale;
        }
        int gkind = (int)(mgn_test_uniform(&g) * 6);    /* 0: zero gamma */
        double gsign = mgn_test_uniform(&g) < 0.5 ? -1 : 1;
        for (size_t i = 0; i < n; i++)
            v[i] = (mgn_test_uniform(&g) < 0.5 ? -1 : 1) * mgn_test_logrange(&g, 1e-3, 1e3);
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j <= i; j++) {
                double x = 0;
                if (gkind == 1 && i == j)
                    x = v[i];
                else if (gkind == 2 || gkind == 3)
                    x = (mgn_test_uniform(&g) < 0.5 ? -1 : 1) * mgn_test_logrange(&g, 1e-3, 1e3);
                else if (gkind == 4)
                    x = gsign * v[i] * v[j];
                else if (gkind == 5)            /* W W' with W = a lower triangle of v */
                    for (size_t k = 0; k <= j; k++)
                        x += gsign * v[(i + k) % n] * v[(j + k) % n] * 1e-1;
                G[i * n + j] = G[j * n + i] = x * gscale;
            }
        double conf = it % 5 < 4 ? confs[it % 5] : mgn_test_range(&g, 0.5, 0.9999);
        double a = 1 - conf;                    /* exact: conf >= 0.5 */

        long double b[8], lambda[8];
        ref_quadratic_form(d, G, cov, n, b, lambda);
        long double k1 = ref_cumulant(1, b, lambda, n), k2 = ref_cumulant(2, b, lambda, n);
        long double k3 = ref_cumulant(3, b, lambda, n), k4 = ref_cumulant(4, b, lambda, n);
        long double sd = sqrtl(k2), S = sd > 0 ? k3 / (k2 * sd) : 0;
        long double K = sd > 0 ? k4 / (k2 * k2) : 0;
        long double md = 0, mg = 0;
        for (size_t i = 0; i < n; i++) {
            md += fabsl((long double)d[i]) * sqrtl(cov[i * n + i]);
            for (size_t j = 0; j < n; j++)
                mg += fabsl((long double)G[i * n + j]) * sqrtl(cov[i * n + i])
                      * sqrtl(cov[j * n + j]);
        }
        long double za = ref_lower_quantile(a);

        size_t bytes;
        mgn_dg_result r;
        assert_int_equal(mgn_var_delta_gamma_work_size(n, &bytes), MGN_OK);
        assert_true(bytes <= sizeof work);
        int st = mgn_var_delta_gamma(d, G, cov, n, conf, work, bytes, &r);
        if (st != MGN_OK) {
            print_error("case %ld (n = %zu): status %d\n", it, n, st);
            fail();
        }
        ref_cf cf = ref_cornish_fisher(k1, sd, S, K, za, a);
        /* first-order effects of the inputs' rounding (the E terms) */
        long double c1 = mg / 2, c2 = md * md + mg * mg / 2;
        long double c3 = 3 * md * md * mg + mg * mg * mg;
        long double c4 = 12 * md * md * mg * mg + 3 * mg * mg * mg * mg;
        long double e_mean = E * c1, tol_mean = R * (fabsl(k1) + sd) + e_mean;
        worst = fmax(worst, mgn_test_frac(r.mean, k1, tol_mean, "mean", it));
        if (sd == 0) {                          /* VaR = ES = -mean, no skew or kurtosis */
            riskless++;
            assert_true(r.stdev == 0 && r.skew == 0 && r.kurtosis == 0);
            worst = fmax(worst, mgn_test_frac(r.var, -k1, tol_mean, "VaR", it));
            worst = fmax(worst, mgn_test_frac(r.es, -k1, tol_mean, "ES", it));
        } else {
            long double e_sd = E * c2 / (2 * sd);
            long double e_s = E * (c3 / (k2 * sd) + 1.5L * fabsl(S) * c2 / k2);
            long double e_k = E * (c4 / (k2 * k2) + 2 * fabsl(K) * c2 / k2);
            long double e_var = e_mean + fabsl(cf.zcf) * e_sd
                                + sd * (fabsl(cf.dzcf_ds) * e_s + fabsl(cf.dzcf_dk) * e_k);
            long double e_es = e_mean + fabsl(cf.e) * e_sd
                               + sd * (fabsl(cf.de_ds) * e_s + fabsl(cf.de_dk) * e_k);
            long double tol_var = R * (fabsl(cf.var) + fabsl(k1) + sd * cf.zcf_abs) + e_var;
            long double tol_es = R * (fabsl(cf.es_cf) + fabsl(k1) + sd * cf.e_abs) + e_es;
            /* max(ES, VaR) moves by no more than the larger of its arguments' moves */
            if (cf.es_cf <= cf.var + tol_var + tol_es)
                tol_es = fmaxl(tol_es, tol_var);
            floored += cf.es_cf < cf.var;       /* Cornish-Fisher past its range */
            worst = fmax(worst, mgn_test_frac(r.stdev, sd, R * sd + e_sd, "stdev", it));
            worst = fmax(worst, mgn_test_frac(r.skew, S, R * (1 + fabsl(S)) + e_s, "skew", it));
            worst = fmax(worst, mgn_test_frac(r.kurtosis, K, R * (1 + fabsl(K)) + e_k,
                                              "kurtosis", it));
            worst = fmax(worst, mgn_test_frac(r.var, cf.var, tol_var, "VaR", it));
            worst = fmax(worst, mgn_test_frac(r.es, cf.es, tol_es, "ES", it));
        }
        /* The Cornish-Fisher step alone, on the library's own moments: no rounding of
           the inputs enters, only R of the terms' sizes. */
        ref_cf own = ref_cornish_fisher(r.mean, r.stdev, r.skew, r.kurtosis, za, a);
        long double tv = R * (fabsl(own.var) + fabsl(r.mean) + r.stdev * own.zcf_abs);
        long double te = R * (fabsl(own.es_cf) + fabsl(r.mean) + r.stdev * own.e_abs);
        worst = fmax(worst, mgn_test_frac(r.var, own.var, tv, "VaR of its moments", it));
        worst = fmax(worst, mgn_test_frac(r.es, own.es, fmaxl(tv, te), "ES of its moments", it));

        /* delta-normal: sigma^2 = delta' cov delta = sum_j b_j^2 (P orthogonal),
           VaR = z_c sigma, ES = sigma phi(z_c) / a with z_c = -Phi^-1(a) */
        double dn_var, dn_es;
        assert_int_equal(mgn_var_delta_normal(d, cov, n, conf, &dn_var, &dn_es), MGN_OK);
        long double s2 = 0;
        for (size_t j = 0; j < n; j++)
            s2 += b[j] * b[j];
        long double sigma = sqrtl(s2), zc = -za, pa = ref_pdf(zc) / a;
        long double tol_sigma = sigma > 0 ? R * sigma + E * md * md / (2 * sigma) : 0;
        worst = fmax(worst, mgn_test_frac(dn_var, zc * sigma, zc * tol_sigma, "delta-normal VaR",
                                          it));
        worst = fmax(worst, mgn_test_frac(dn_es, sigma * pa, pa * tol_sigma, "delta-normal ES",
                                          it));
    }
    print_message("%ld random delta-gamma problems (%ld riskless, %ld with ES floored at "
                  "VaR): worst %.3g of the tolerance\n", iters, riskless, floored, worst);
}

/*---------------------------------------------------------------- bad input catalogue */
/* Every argument of every function of this file with the bad values of the catalogue
   (tests/README.md, tests/bad_input.h). */
#include "bad_input.h"

enum { PN = 3 };

typedef struct {
    const double *delta, *gamma, *cov;
    size_t n;
    double confidence;
    void *work;
    size_t work_size;
    int null_a, null_b;       /* var / es, or out */
} bad_par_args;

static int bad_par_run(int dg, const bad_par_args *a)
{
    double var, es;
    mgn_dg_result out;
    bad_fill(&var, sizeof var);
    bad_fill(&es, sizeof es);
    bad_fill(&out, sizeof out);
    int st = dg ? mgn_var_delta_gamma(a->delta, a->gamma, a->cov, a->n, a->confidence, a->work,
                                      a->work_size, a->null_a ? NULL : &out)
                : mgn_var_delta_normal(a->delta, a->cov, a->n, a->confidence,
                                       a->null_a ? NULL : &var, a->null_b ? NULL : &es);
    if (st != MGN_OK) {
        BAD_UNTOUCHED(&var, sizeof var);
        BAD_UNTOUCHED(&es, sizeof es);
        BAD_UNTOUCHED(&out, sizeof out);
    }
    return st;
}

static void test_bad_input_parametric(void **state)
{
    (void)state;
    BAD_INPUT_BEGIN();
    const double delta[PN] = { 1000, -400, 250 };
    const double gamma[PN * PN] = { -50, 10, 0, 10, 20, -5, 0, -5, 8 };
    const double cov[PN * PN] = { 4e-4, 1e-4, -5e-5, 1e-4, 9e-4, 2e-4, -5e-5, 2e-4, 2.5e-3 };
    static double work[64];
    size_t need;
    assert_int_equal(mgn_var_delta_gamma_work_size(PN, &need), MGN_OK);
    assert_true(need <= sizeof work);
    for (int dg = 0; dg < 2; dg++) {
        const char *fn = dg ? "mgn_var_delta_gamma" : "mgn_var_delta_normal";
        const bad_par_args good = { delta, gamma, cov, PN, 0.99, work, sizeof work, 0, 0 };
        bad_par_args a = good;
        assert_int_equal(bad_par_run(dg, &a), MGN_OK);
        a.delta = NULL;
        BAD_STATUS(fn, "delta", "NULL", MGN_EINVAL, bad_par_run(dg, &a));
        a = good;
        a.cov = NULL;
        BAD_STATUS(fn, "cov", "NULL", MGN_EINVAL, bad_par_run(dg, &a));
        for (size_t k = 0; k < BAD_N(BAD_D_FINITE); k++) {
            double d2[PN], c2[PN * PN], g2[PN * PN];
            memcpy(d2, delta, sizeof d2);
            d2[1] = BAD_D_FINITE[k].v;
            a = good;
            a.delta = d2;
            BAD_STATUS(fn, "delta[i]", BAD_D_FINITE[k].label, MGN_EINVAL, bad_par_run(dg, &a));
            memcpy(c2, cov, sizeof c2);
            c2[5] = c2[7] = BAD_D_FINITE[k].v;
            a = good;
            a.cov = c2;
            BAD_STATUS(fn, "cov[i]", BAD_D_FINITE[k].label, MGN_EINVAL, bad_par_run(dg, &a));
            if (dg) {
                memcpy(g2, gamma, sizeof g2);
                g2[4] = BAD_D_FINITE[k].v;
                a = good;
                a.gamma = g2;
                BAD_STATUS(fn, "gamma[i]", BAD_D_FINITE[k].label, MGN_EINVAL, bad_par_run(dg, &a));
            }
        }
        {
            double c2[PN * PN];
            memcpy(c2, cov, sizeof c2);
            c2[1] *= 1.001;                               /* cov[0][1] != cov[1][0] */
            a = good;
            a.cov = c2;
            BAD_STATUS(fn, "cov", "not symmetric (1e-3 relative)", MGN_EINVAL, bad_par_run(dg, &a));
            memcpy(c2, cov, sizeof c2);
            c2[4] = -9e-4;
            BAD_STATUS(fn, "cov", "negative diagonal", MGN_EINVAL, bad_par_run(dg, &a));
            memcpy(c2, cov, sizeof c2);
            c2[1] = c2[3] = 1e-3;                         /* |c01| > sqrt(c00 c11) = 6e-4 */
            BAD_STATUS(fn, "cov", "|cov_ij| > sqrt(cov_ii cov_jj)", MGN_EINVAL, bad_par_run(dg, &a));
            /* correlations 1, -1, 1: every |rho| <= 1 but not positive semi-definite */
            const double npsd[PN * PN] = { 1, 1, -1, 1, 1, 1, -1, 1, 1 };
            const double d3[PN] = { 1, -1, 1 };
            const double g0[PN * PN] = { 0 };
            a.cov = npsd;
            a.delta = d3;
            a.gamma = g0;
            BAD_STATUS(fn, "cov", "not positive semi-definite (P&L variance < 0)", MGN_EINVAL,
                       bad_par_run(dg, &a));
            if (dg) {
                double g2[PN * PN];
                memcpy(g2, gamma, sizeof g2);
                g2[1] += 1;                              /* gamma[0][1] != gamma[1][0] */
                a = good;
                a.gamma = g2;
                BAD_STATUS(fn, "gamma", "not symmetric", MGN_EINVAL, bad_par_run(dg, &a));
                for (int i = 0; i < PN * PN; i++)
                    g2[i] = 1e200;
                a.gamma = g2;
                BAD_STATUS(fn, "gamma", "1e200 everywhere (moments overflow)", MGN_ERANGE, bad_par_run(dg, &a));
                a = good;
                a.gamma = NULL;
                BAD_STATUS(fn, "gamma", "NULL", MGN_EINVAL, bad_par_run(dg, &a));
            } else {
                const double big[PN] = { 1e200, 1e200, 1e200 };
                a = good;
                a.delta = big;
                BAD_STATUS(fn, "delta", "1e200 everywhere (variance overflows)", MGN_ERANGE, bad_par_run(dg, &a));
            }
        }
        a = good;
        a.n = 0;
        BAD_STATUS(fn, "n", "0", MGN_EINVAL, bad_par_run(dg, &a));
        for (size_t s = 0; s < BAD_N(BAD_SIZES); s++) {
            a.n = BAD_SIZES[s].v;
            /* n * n overflows (delta-gamma: its workspace size too); INT_MAX+1 squared
               does not, and is tried with delta NULL */
            if (s == 2 && !dg)
                a.delta = NULL;
            BAD_STATUS(fn, "n", s == 2 && !dg ? "INT_MAX+1 (delta NULL)" : BAD_SIZES[s].label,
                       s == 2 && !dg ? MGN_EINVAL : MGN_ERANGE, bad_par_run(dg, &a));
        }
        a = good;
        for (size_t k = 0; k < BAD_N(BAD_D_UNIT_OPEN); k++) {
            a.confidence = BAD_D_UNIT_OPEN[k].v;
            BAD_STATUS(fn, "confidence", BAD_D_UNIT_OPEN[k].label, MGN_EINVAL, bad_par_run(dg, &a));
        }
        a = good;
        if (dg) {
            a.work = NULL;
            BAD_STATUS(fn, "work", "NULL", MGN_EINVAL, bad_par_run(dg, &a));
            a.work = (char *)work + 4;
            BAD_STATUS(fn, "work", "misaligned (work + 4 bytes)", MGN_EINVAL, bad_par_run(dg, &a));
            a = good;
            a.work_size = 0;
            BAD_STATUS(fn, "work_size", "0", MGN_ENOMEM, bad_par_run(dg, &a));
            a.work_size = need - 1;
            BAD_STATUS(fn, "work_size", "need - 1", MGN_ENOMEM, bad_par_run(dg, &a));
            a = good;
            a.null_a = 1;
            BAD_STATUS(fn, "out", "NULL", MGN_EINVAL, bad_par_run(dg, &a));
        } else {
            a.null_a = 1;
            BAD_STATUS(fn, "var", "NULL", MGN_EINVAL, bad_par_run(dg, &a));
            a = good;
            a.null_b = 1;
            BAD_STATUS(fn, "es", "NULL", MGN_EINVAL, bad_par_run(dg, &a));
        }
    }
    const char *fn = "mgn_var_delta_gamma_work_size";
    size_t b;
    bad_fill(&b, sizeof b);
    BAD_STATUS(fn, "n", "0", MGN_EINVAL, mgn_var_delta_gamma_work_size(0, &b));
    for (size_t s = 0; s < BAD_N(BAD_SIZES); s++)
        BAD_STATUS(fn, "n", BAD_SIZES[s].label, MGN_ERANGE, mgn_var_delta_gamma_work_size(BAD_SIZES[s].v, &b));
    BAD_UNTOUCHED(&b, sizeof b);
    BAD_STATUS(fn, "bytes", "NULL", MGN_EINVAL, mgn_var_delta_gamma_work_size(PN, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_delta_normal),
        cmocka_unit_test(test_delta_gamma_moments),
        cmocka_unit_test(test_delta_gamma_many_factors),
        cmocka_unit_test(test_cf_es_integral),
        cmocka_unit_test(test_cf_vs_simulation),
        cmocka_unit_test(test_delta_gamma_riskless),
        cmocka_unit_test(test_delta_gamma_random),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_bad_input_parametric),
    };
    return cmocka_run_group_tests_name("parametric", tests, NULL, NULL);
}
