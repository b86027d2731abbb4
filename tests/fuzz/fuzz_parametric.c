/*
 * Fuzz target: parametric VaR and ES (mgn_var_delta_normal,
 * mgn_var_delta_gamma_work_size, mgn_var_delta_gamma).
 * Inputs: up to 24 risk factors (from 16 the products of delta-gamma take their vector
 * loops); covariance matrices positive semi-definite, diagonal,
 * correlation-built and often not PSD, asymmetric beyond the 1e-12 tolerance, with a
 * negative diagonal, a correlation above 1, or a NaN / inf / huge entry; gamma
 * symmetric, zero, asymmetric or hostile; confidence levels including 0, 1, NaN and
 * out of range; workspaces NULL, misaligned or short.
 * Contract checked:
 *   - documented status, and MGN_EINVAL wherever the header's validation (NULL, n == 0,
 *     confidence, non-finite, asymmetric, negative diagonal, correlation beyond 1)
 *     clearly fails; delta-normal's status exactly as the header (P&L variance
 *     delta' cov delta overflowing: MGN_ERANGE, negative: MGN_EINVAL); workspace NULL /
 *     misaligned MGN_EINVAL, short MGN_ENOMEM;
 *   - MGN_OK: every output finite, ES >= VaR, stdev >= 0, delta-gamma's mean and
 *     variance the exact cumulants tr(G cov)/2 and delta' cov delta + tr((G cov)^2)/2
 *     (to rounding), VaR = ES = -mean at zero variance, and with gamma == 0 the
 *     delta-normal figures (to rounding);
 *   - a failure leaves the outputs untouched; a second call gives the same bits.
 */
#include "fuzz.h"

#define MAX_N 24

static double dec_conf(fz_in *in)
{
    switch (fz_u8(in) % 16u) {
    case 0: return 0.0;
    case 1: return 1.0;
    case 2: return NAN;
    case 3: return fz_special(in, 0.99);
    case 4: return fz_real(in, -1.0, 2.0);
    case 5: return nextafter(1.0, 0.0);
    case 6: return 4.9406564584124654e-324;
    case 7: return 0.5;
    case 8: return 0.99;
    case 9: return 0.975;
    case 10: return 0.95;
    case 11: return 0.999;
    default: return fz_sane(in, 0.0, 1.0);
    }
}

enum { COV_PSD, COV_DIAG, COV_CORR, COV_ASYM, COV_HOSTILE, COV_NEGDIAG, COV_CORR_GT1, COV_MODES };

static const char *cov_name[COV_MODES] = { "psd", "diag", "corr", "asym", "hostile", "negdiag",
                                           "corr>1" };

/* A covariance matrix of the given mode; returns 1 when the header's validation must
   reject it whatever the rest of the input (clearly asymmetric, non-finite, negative
   diagonal, correlation clearly beyond 1). */
static int make_cov(fz_in *in, int mode, size_t n, double *cov)
{
    double scale = fz_u8(in) < 16 ? fz_pos(in, 1e-300, 1e300) : fz_pos(in, 1e-6, 1.0);
    if (mode == COV_CORR || mode == COV_CORR_GT1 || mode == COV_DIAG) {
        double sd[MAX_N];
        for (size_t i = 0; i < n; i++)
            sd[i] = fz_sane(in, 0.0, 1.0) * sqrt(scale);
        for (size_t i = 0; i < n; i++) {
            cov[i * n + i] = sd[i] * sd[i];
            for (size_t j = 0; j < i; j++) {
                double rho = mode == COV_DIAG ? 0.0 : fz_sane(in, -1.0, 1.0);
                cov[i * n + j] = cov[j * n + i] = rho * sd[i] * sd[j];
            }
        }
        if (mode == COV_CORR_GT1 && n >= 2) {
            size_t i = 1 + fz_count(in, n - 2), j = fz_count(in, i - 1);
            double d = sqrt(cov[i * n + i]) * sqrt(cov[j * n + j]);
            double rho = (fz_bool(in) ? 1.0 : -1.0) * fz_sane(in, 1.01, 3.0);
            cov[i * n + j] = cov[j * n + i] = rho * d;
            return d > 1e-150;
        }
        return 0;
    }
    /* A A' with A's entries in [-1, 1]: symmetric to the bit and PSD up to rounding. */
    double A[MAX_N * MAX_N];
    for (size_t i = 0; i < n * n; i++)
        A[i] = fz_sane(in, -1.0, 1.0) * sqrt(scale);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double s = 0;
            for (size_t k = 0; k < n; k++)
                s += A[i * n + k] * A[j * n + k];
            cov[i * n + j] = s;
        }
    size_t i = fz_count(in, n - 1), j = fz_count(in, n - 1);
    switch (mode) {
    case COV_ASYM: {
        double rel = fz_bool(in) ? fz_pos(in, 1e-9, 1.0) : fz_pos(in, 1e-16, 1e-13);
        if (i == j)
            return 0;
        double before = cov[i * n + j];
        cov[i * n + j] *= 1.0 + rel;
        double after = cov[i * n + j];
        return isfinite(after) && fabs(after - before) > 1e-11 * fmax(fabs(after), fabs(before));
    }
    case COV_HOSTILE:
        cov[i * n + j] = fz_special(in, cov[i * n + j]);
        return !isfinite(cov[i * n + j]);
    case COV_NEGDIAG:
        cov[i * n + i] = -fz_pos(in, 1e-12, 1.0) * (cov[i * n + i] + 1e-300);
        return cov[i * n + i] < 0;
    default:
        return 0;
    }
}

static int make_gamma(fz_in *in, size_t n, double *g)
{
    unsigned mode = fz_u8(in) % 8u;
    double scale = fz_pos(in, 1e-3, 1e4);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j <= i; j++)
            g[i * n + j] = g[j * n + i] = mode == 0 ? 0.0 : fz_sane(in, -1.0, 1.0) * scale;
    size_t i = fz_count(in, n - 1), j = fz_count(in, n - 1);
    if (mode == 1 && i != j) {
        double before = g[i * n + j];
        g[i * n + j] *= 1.0 + fz_pos(in, 1e-9, 1.0);
        double after = g[i * n + j];
        return isfinite(after) && fabs(after - before) > 1e-11 * fmax(fabs(after), fabs(before));
    }
    if (mode == 2) {
        g[i * n + j] = fz_special(in, g[i * n + j]);
        return !isfinite(g[i * n + j]);
    }
    return 0;
}

/* delta' A delta, in the library's order of operations (the header's sigma^2). */
static double quad(const double *A, const double *x, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        double r = 0;
        for (size_t j = 0; j < n; j++)
            r += A[i * n + j] * x[j];
        s += x[i] * r;
    }
    return s;
}

/* The header's validation, with its tolerances: 1 valid, 0 invalid. */
static int cov_valid(const double *A, size_t n, int is_cov)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double x = A[i * n + j], y = A[j * n + i];
            if (!isfinite(x) || fabs(x - y) > 1e-12 * fmax(fabs(x), fabs(y)))
                return 0;
            if (is_cov) {
                double dii = A[i * n + i], djj = A[j * n + j];
                if (dii < 0 || djj < 0)
                    return 0;
                if (i != j && fabs(x) > sqrt(dii) * sqrt(djj) * (1 + 1e-12))
                    return 0;
            }
        }
    return 1;
}

static int conf_ok(double c) { return isfinite(c) && c > 0 && c < 1; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_in in = fz_init(data, size);
    unsigned op = fz_u8(&in) % 8u;
    if (op == 7) {  /* the work size alone, with absurd n */
        size_t n = fz_bool(&in) ? fz_absurd_count(&in) : fz_count(&in, 1000);
        int give = fz_u8(&in) % 8u != 0;
        size_t bytes;
        FZ_FILL(&bytes, sizeof bytes);
        int st = mgn_var_delta_gamma_work_size(n, give ? &bytes : NULL);
        FZ_LOG("dg_work_size n %zu bytes %s\n", n, give ? "given" : "NULL");
        FZ_STATUS(st);
        if (!give || n == 0)
            FZ_ASSERT(st == MGN_EINVAL);
        else if (n <= 4096)
            FZ_ASSERT(st == MGN_OK && bytes == (2 * n * n + 2 * n) * sizeof(double));
        else if (n > ((size_t)1 << (sizeof(size_t) * 4)))
            FZ_ASSERT(st == MGN_ERANGE);
        if (st != MGN_OK)
            FZ_ASSERT(fz_untouched(&bytes, sizeof bytes));
        return 0;
    }

    size_t n = fz_u8(&in) < 8 ? 0 : 1 + fz_count(&in, MAX_N - 1);
    size_t nn = n ? n : 1;
    double delta[MAX_N], cov[MAX_N * MAX_N], gamma[MAX_N * MAX_N];
    unsigned dstyle = fz_u8(&in) % 8u;
    int bad_delta = 0;
    for (size_t i = 0; i < n; i++) {
        delta[i] = dstyle == 0 ? fz_real(&in, -1e4, 1e4)
                   : dstyle == 1 ? fz_sane(&in, -1.0, 1.0) * 1e200
                                 : fz_sane(&in, -1e4, 1e4);
        bad_delta |= !isfinite(delta[i]);
    }
    int cov_mode = (int)(fz_u8(&in) % COV_MODES);
    int cov_bad = n ? make_cov(&in, cov_mode, n, cov) : 0;
    int gamma_bad = n ? make_gamma(&in, n, gamma) : 0;
    double c = dec_conf(&in);
    unsigned null_sel = fz_u8(&in) % 16u;   /* 1..4: delta / cov / var / es (gamma / out) NULL */
    FZ_LOG("parametric op %u n %zu dstyle %u cov %s (bad %d) gamma bad %d c %.17g null %u\n", op,
           n, dstyle, cov_name[cov_mode], cov_bad, gamma_bad, c, null_sel);
    (void)cov_name;
#ifdef FZ_TRACE
    for (size_t i = 0; i < n; i++) {
        FZ_LOG("  delta %.17g cov", delta[i]);
        for (size_t j = 0; j < n; j++)
            FZ_LOG(" %.17g", cov[i * n + j]);
        FZ_LOG(" gamma");
        for (size_t j = 0; j < n; j++)
            FZ_LOG(" %.17g", gamma[i * n + j]);
        FZ_LOG("\n");
    }
#endif
    int args_bad = n == 0 || !conf_ok(c) || (null_sel >= 1 && null_sel <= 4);
    int cov_ok = n && cov_valid(cov, n, 1);
    if (cov_bad)
        FZ_ASSERT(!cov_ok);

    /* Delta-normal: its status is fully determined by the header. */
    double var, es, var2, es2;
    FZ_FILL(&var, sizeof var);
    FZ_FILL(&es, sizeof es);
    int st = mgn_var_delta_normal(null_sel == 1 ? NULL : delta, null_sel == 2 ? NULL : cov, n, c,
                                  null_sel == 3 ? NULL : &var, null_sel == 4 ? NULL : &es);
    FZ_STATUS(st);
    double v = 0;
    if (args_bad || bad_delta || !cov_ok) {
        FZ_ASSERT(st == MGN_EINVAL);
    } else {
        v = quad(cov, delta, n);
        FZ_ASSERT(st == (!isfinite(v) ? MGN_ERANGE : v < 0 ? MGN_EINVAL : MGN_OK));
    }
    if (st != MGN_OK) {
        FZ_ASSERT(fz_untouched(&var, sizeof var) && fz_untouched(&es, sizeof es));
    } else {
        FZ_ASSERT(isfinite(var) && isfinite(es) && es >= var);
        FZ_ASSERT(es >= 0);                 /* sigma phi(z) / a */
        FZ_ASSERT(c < 0.5 ? var <= 0 : var >= 0);
        FZ_ASSERT(mgn_var_delta_normal(delta, cov, n, c, &var2, &es2) == MGN_OK);
        FZ_ASSERT(fz_same_bits(&var, &var2, sizeof var) && fz_same_bits(&es, &es2, sizeof es));
    }

    /* Delta-gamma. */
    size_t need = 0;
    int wst = mgn_var_delta_gamma_work_size(n, &need);
    FZ_ASSERT(wst == (n == 0 ? MGN_EINVAL : MGN_OK));
    unsigned work_sel = fz_u8(&in) % 8u;    /* 0 NULL, 1 misaligned, 2 short */
    size_t alloc = need + 16;
    char *buf = fz_alloc(alloc);
    if (!buf)
        return 0;
    void *work = buf;
    size_t work_size = need;
    int work_st = MGN_OK;
    if (work_sel == 0) {
        work = NULL;
        work_st = MGN_EINVAL;
    } else if (work_sel == 1) {
        work = buf + 4;
        work_st = MGN_EINVAL;
    } else if (work_sel == 2 && need > 0) {
        work_size = need - 1 - fz_count(&in, need - 1);
        work_st = MGN_ENOMEM;
    }
    mgn_dg_result r, r2;
    FZ_FILL(&r, sizeof r);
    FZ_FILL(&r2, sizeof r2);
    int gnull = null_sel >= 5 && null_sel <= 8 ? (int)null_sel - 4 : 0; /* delta gamma cov out */
    int sg = mgn_var_delta_gamma(gnull == 1 ? NULL : delta, gnull == 2 ? NULL : gamma,
                                 gnull == 3 ? NULL : cov, n, c, work, work_size,
                                 gnull == 4 ? NULL : &r);
    FZ_STATUS(sg);
    if (n == 0 || !conf_ok(c) || gnull) {
        FZ_ASSERT(sg == MGN_EINVAL);
    } else if (work_st != MGN_OK) {
        FZ_ASSERT(sg == work_st);
    } else if (bad_delta || !cov_ok || gamma_bad) {
        FZ_ASSERT(sg == MGN_EINVAL);
    }
    if (sg != MGN_OK) {
        FZ_ASSERT(fz_untouched(&r, sizeof r));
        free(buf);
        return 0;
    }
    FZ_ASSERT(FZ_STRUCT_FINITE(r));
    FZ_ASSERT(r.stdev >= 0 && r.es >= r.var);
    if (r.stdev == 0)
        FZ_ASSERT(r.var == -r.mean && r.es == -r.mean);
    /* The exact cumulants: mean = tr(G cov)/2, variance = d'cov d + tr((G cov)^2)/2. */
    double M[MAX_N * MAX_N], tr1 = 0, tr2 = 0, mag1 = 0, mag2 = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double s = 0, a = 0;
            for (size_t k = 0; k < n; k++) {
                s += gamma[i * n + k] * cov[k * n + j];
                a += fabs(gamma[i * n + k] * cov[k * n + j]);
            }
            M[i * n + j] = s;
            if (i == j) {
                tr1 += s;
                mag1 += a;
            }
        }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            tr2 += M[i * n + j] * M[j * n + i];
            mag2 += fabs(M[i * n + j] * M[j * n + i]);
        }
    double dcd = quad(cov, delta, n), var2x = dcd + 0.5 * tr2;
    double mag_d = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            mag_d += fabs(delta[i] * cov[i * n + j] * delta[j]);
    double tol_rel = 64.0 * (double)(nn * nn + 4) * DBL_EPSILON;
    if (isfinite(mag1))
        FZ_ASSERT(!(fabs(r.mean - 0.5 * tr1) > tol_rel * mag1 + 1e-300));
    /* M is rounded before it is squared: its entries' own error enters tr(M^2) */
    double mag_v = mag_d + mag2 + 2.0 * mag1 * mag1;
    if (isfinite(mag_v) && isfinite(var2x))
        FZ_ASSERT(!(fabs(r.stdev * r.stdev - var2x) > tol_rel * mag_v + 1e-300));
    /* gamma == 0 is delta-normal: the same figures to the rounding of Phi^-1. */
    int gamma_zero = 1;
    for (size_t i = 0; i < n * n; i++)
        gamma_zero &= gamma[i] == 0;
    if (gamma_zero && st == MGN_OK && c > 1e-9 && c < 1 - 1e-9) {
        double sd = r.stdev, tol = 1e-9 * sd * 40.0 + 1e-300;
        FZ_ASSERT(!(fabs(r.var - var) > tol) && !(fabs(r.es - es) > tol));
    }
    FZ_ASSERT(mgn_var_delta_gamma(delta, gamma, cov, n, c, work, work_size, &r2) == MGN_OK);
    FZ_ASSERT(fz_same_bits(&r, &r2, sizeof r));
    free(buf);
    return 0;
}
