/* Parametric VaR and ES: delta-normal, and delta-gamma with the Cornish-Fisher
 * expansion on the exact cumulants of the quadratic P&L (formulas and sources in
 * include/margin.h). */
#include <float.h>
#include <gsl/gsl_cdf.h>
#include "var.h"
#include "simd.h"

/* Symmetric to 1e-12 relative, finite; cov: diag >= 0, |c_ij| <= sqrt(c_ii c_jj).
   Each pair once (the upper triangle against the lower); the bound compared in squares
   where both sides' squares are normal doubles (no square roots: a 100 x 100 matrix
   took ten times the VaR itself), else with the roots. */
static int check_sym(const double *A, size_t n, int is_cov)
{
    for (size_t i = 0; i < n; i++) {
        double dii = A[i * n + i];
        if (!isfinite(dii) || (is_cov && dii < 0))
            return 0;
        for (size_t j = i + 1; j < n; j++) {
            double x = A[i * n + j], y = A[j * n + i];
            if (!isfinite(x) || !isfinite(y))
                return 0;
            double ax = fabs(x), ay = fabs(y), big = ax > ay ? ax : ay;
            if (fabs(x - y) > 1e-12 * big)
                return 0;
            if (is_cov) {
                double djj = A[j * n + j], x2 = big * big, d2 = dii * djj;
                const double slack = (1 + 1e-12) * (1 + 1e-12);
                int squares = x2 >= DBL_MIN && x2 <= DBL_MAX && d2 >= DBL_MIN && d2 <= DBL_MAX;
                if (squares ? x2 > d2 * slack : big > sqrt(dii) * sqrt(djj) * (1 + 1e-12))
                    return 0;
            }
        }
    }
    return 1;
}

static int vec_ok(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return 0;
    return 1;
}

/* x' A y */
static double quad(const double *A, const double *x, const double *y, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        double r = 0;
        for (size_t j = 0; j < n; j++)
            r += A[i * n + j] * y[j];
        s += x[i] * r;
    }
    return s;
}

int mgn_var_delta_normal(const double *delta, const double *cov, size_t n, double confidence,
                         double *var, double *es)
{
    if (!delta || !cov || !var || !es || n == 0 || !mgn__conf_ok(confidence))
        return MGN_EINVAL;
    if (n > SIZE_MAX / n)
        return MGN_ERANGE;
    if (!vec_ok(delta, n) || !check_sym(cov, n, 1))
        return MGN_EINVAL;
    double v = quad(cov, delta, delta, n);
    if (!isfinite(v))
        return MGN_ERANGE;
    if (v < 0)
        return MGN_EINVAL;                 /* cov is not positive semi-definite */
    double s = sqrt(v), a = 1 - confidence, z = mgn__norm_quantile(confidence);
    /* ES >= VaR without a clamp: VaR <= 0 <= ES for z <= 0, and for z > 0 Mills' ratio
       phi(z) / (1 - N(z)) exceeds z by a relative 2 / (z (z + sqrt(z^2 + 8))) or more
       (Sampford's bound; over 1% for every confidence below 1 in double), far above
       the rounding here. */
    *var = z * s;
    *es = s * mgn__norm_pdf(z) / a;
    return MGN_OK;
}

/* C = A B (n x n, row-major, C distinct from A and B). Row by row, each row of B
   scaled and added in k order: every C_ij is the same sum, in the same order, as the
   inner product over k (the same bits), but the inner loop runs along rows, in vector
   registers (lib/simd.h; the loop has no selects, so this file needs none of the
   kernels' compiler flags), instead of down B's columns (stride n). */
MGN_MULTIVERSION
static void mat_mul_rows(const double *restrict A, const double *restrict B,
                         double *restrict C, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double *c = C + i * n;
MGN_SIMD_LOOP
        for (size_t j = 0; j < n; j++)
            c[j] = 0;
        for (size_t k = 0; k < n; k++) {
            const double a = A[i * n + k], *b = B + k * n;
MGN_SIMD_LOOP
            for (size_t j = 0; j < n; j++)
                c[j] += a * b[j];
        }
    }
}

/* Below MAT_MUL_ROWS_MIN the rows are too short for the vector loops' overhead: the
   inner products directly (the same sums in the same order). */
#define MAT_MUL_ROWS_MIN 16
static void mat_mul(const double *A, const double *B, double *C, size_t n)
{
    if (n >= MAT_MUL_ROWS_MIN) {
        mat_mul_rows(A, B, C, n);
        return;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double s = 0;
            for (size_t k = 0; k < n; k++)
                s += A[i * n + k] * B[k * n + j];
            C[i * n + j] = s;
        }
}

size_t mgn_sizeof_dg_result(void) { return sizeof(mgn_dg_result); }

int mgn_var_delta_gamma_work_size(size_t n, size_t *bytes)
{
    size_t nn, b;
    if (!bytes || n == 0)
        return MGN_EINVAL;
    if (!mgn__mul_ok(n, n, &nn) || !mgn__add_ok(nn, nn, &b) || !mgn__add_ok(b, 2 * n, &b)
        || n > SIZE_MAX / 2 || !mgn__mul_ok(b, sizeof(double), &b))
        return MGN_ERANGE;
    *bytes = b;
    return MGN_OK;
}

int mgn_var_delta_gamma(const double *delta, const double *gamma, const double *cov, size_t n,
                        double confidence, void *work, size_t work_size, mgn_dg_result *out)
{
    size_t need;
    if (!delta || !gamma || !cov || !out || n == 0 || !mgn__conf_ok(confidence))
        return MGN_EINVAL;
    int st = mgn_var_delta_gamma_work_size(n, &need);
    if (st != MGN_OK)
        return st;
    if ((st = mgn__check_work(work, work_size, need)) != MGN_OK)
        return st;
    if (!vec_ok(delta, n) || !check_sym(cov, n, 1) || !check_sym(gamma, n, 0))
        return MGN_EINVAL;
    double *M = (double *)work, *M2 = M + n * n, *v = M2 + n * n, *u = v + n;
    /* M = G cov, M2 = M^2, v = cov d, u = G v */
    mat_mul(gamma, cov, M, n);
    mat_mul(M, M, M2, n);
    for (size_t i = 0; i < n; i++) {
        double s = 0;
        for (size_t j = 0; j < n; j++)
            s += cov[i * n + j] * delta[j];
        v[i] = s;
    }
    for (size_t i = 0; i < n; i++) {
        double s = 0;
        for (size_t j = 0; j < n; j++)
            s += gamma[i * n + j] * v[j];
        u[i] = s;
    }
    double tr1 = 0, tr2 = 0, tr3 = 0, tr4 = 0, dcd = 0, vgv = 0, ucu = 0;
    for (size_t i = 0; i < n; i++) {
        tr1 += M[i * n + i];
        dcd += delta[i] * v[i];
        vgv += v[i] * u[i];
        for (size_t j = 0; j < n; j++) {
            tr2 += M[i * n + j] * M[j * n + i];
            tr3 += M2[i * n + j] * M[j * n + i];
            tr4 += M2[i * n + j] * M2[j * n + i];
        }
    }
    ucu = quad(cov, u, u, n);
    double mean = 0.5 * tr1, var2 = dcd + 0.5 * tr2;
    double k3 = 3 * vgv + tr3, k4 = 12 * ucu + 3 * tr4;
    if (!isfinite(mean) || !isfinite(var2) || !isfinite(k3) || !isfinite(k4))
        return MGN_ERANGE;
    if (var2 < 0)
        return MGN_EINVAL;
    double a = 1 - confidence, z = mgn__norm_quantile(a), sd = sqrt(var2);
    double S = 0, K = 0, VaR, ES;
    if (sd > 0) {
        S = k3 / (var2 * sd);
        K = k4 / (var2 * var2);
        double z2 = z * z;
        double zcf = z + (z2 - 1) * S / 6 + (z2 * z - 3 * z) * K / 24 - (2 * z2 * z - 5 * z) * S * S / 36;
        VaR = -(mean + sd * zcf);
        ES = -mean + sd * mgn__norm_pdf(z) / a
                 * (1 + z * S / 6 + (z2 - 1) * K / 24 - (2 * z2 - 1) * S * S / 36);
    } else {
        VaR = ES = -mean;
    }
    if (!isfinite(VaR) || !isfinite(ES) || !isfinite(S) || !isfinite(K))
        return MGN_ERANGE;
    if (ES < VaR)
        ES = VaR;
    out->mean = mean;
    out->stdev = sd;
    out->skew = S;
    out->kurtosis = K;
    out->var = VaR;
    out->es = ES;
    return MGN_OK;
}
