/*
 * Fuzz target: Monte Carlo VaR and ES (mgn_mc_params_init, mgn_var_montecarlo_work_size,
 * mgn_var_montecarlo).
 * Inputs: up to 4 markets and 8 positions (options European only: an American one
 * costs a boundary solve per path), paths bounded to 256 (absurd counts only for the
 * work size, which touches no array); covariance matrices positive definite, diagonal,
 * huge, not positive definite (a negative diagonal, a correlation beyond 1), singular,
 * asymmetric, with NaN / inf; parameters from mgn_mc_params_init with any field
 * changed: struct_size, confidence, n_paths, seed, df (normal, Student-t, the invalid
 * 2, NaN...), dt, antithetic (odd path counts), threads (only 1 runs; 0, negative and
 * absurd counts for rejection), currency, n_batches; workspaces NULL, misaligned, short.
 * Contract checked:
 *   - documented status; MGN_EINVAL predicted for NULL cov / out, n_mkt == 0, every
 *     parameter outside its domain (odd n_paths with antithetic pairs, more batches
 *     than path units), and for a covariance that is asymmetric, non-finite, has a
 *     negative diagonal or a leading 2 x 2 block beyond correlation 1; MGN_ENOMEM for
 *     a short workspace;
 *   - MGN_OK: every figure finite, ES >= VaR, var == var_current, es == es_current,
 *     stressed figures 0, standard errors >= 0 and 0 without batches, n_scenarios ==
 *     n_paths, and the workspace's first n_paths doubles (the path P&L, as documented)
 *     give the same VaR and ES bits through mgn_var_es; no position, no risk;
 *   - same seed, same bits (a second call on a fresh workspace), failures leave the
 *     output untouched.
 */
#include "fuzz_sim_book.h"

#define MAX_PATHS 256

static double dec_conf(fz_in *in)
{
    switch (fz_u8(in) % 16u) {
    case 0: return 0.0;
    case 1: return 1.0;
    case 2: return NAN;
    case 3: return fz_special(in, 0.99);
    case 4: return fz_real(in, -1.0, 2.0);
    case 5: return nextafter(1.0, 0.0);
    case 7: return 0.5;
    case 8: return 0.975;
    case 9: return 0.95;
    default: return 0.99;
    }
}

static int dec_threads(fz_in *in)
{
    switch (fz_u8(in) % 6u) {
    case 0: return 0;
    case 1: return -1;
    case 2: return INT_MIN;
    case 3: return 257;
    case 4: return INT_MAX;
    default: return 1;
    }
}

static double dec_df(fz_in *in)
{
    switch (fz_u8(in) % 8u) {
    case 0: return 0.0;
    case 1: return 2.0;
    case 2: return fz_special(in, 5.0);
    case 3: return fz_sane(in, -1.0, 2.0);
    case 4: return nextafter(2.0, 3.0);
    default: return fz_pos(in, 2.05, 200.0);
    }
}

enum { COV_PD, COV_DIAG, COV_HUGE, COV_NEGDIAG, COV_CORR_GT1, COV_SINGULAR, COV_ASYM,
       COV_HOSTILE, COV_MODES };

/* Returns 1 when the header promises MGN_EINVAL for this matrix. */
static int make_cov(fz_in *in, int mode, size_t n, double *cov)
{
    double scale = mode == COV_HUGE ? fz_pos(in, 1e100, 1e300) : fz_pos(in, 1e-6, 0.25);
    double A[MAX_MKT * MAX_MKT];
    for (size_t i = 0; i < n * n; i++)
        A[i] = mode == COV_DIAG ? (i % (n + 1) == 0 ? fz_sane(in, 0.1, 1.0) : 0.0)
                                : fz_sane(in, -1.0, 1.0);
    /* A A' (+ a ridge): symmetric to the bit; singular: A's last row 0, so is the
       last row and column of cov, and the last pivot is exactly 0 */
    if (mode == COV_SINGULAR)
        for (size_t k = 0; k < n; k++)
            A[(n - 1) * n + k] = 0.0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double s = 0;
            for (size_t k = 0; k < n; k++)
                s += A[i * n + k] * A[j * n + k];
            cov[i * n + j] = s * scale;
        }
    if (mode != COV_SINGULAR && mode != COV_DIAG)
        for (size_t i = 0; i < n; i++)
            cov[i * n + i] += 0.05 * scale;
    size_t i = fz_count(in, n - 1), j = fz_count(in, n - 1);
    switch (mode) {
    case COV_NEGDIAG:
        cov[i * n + i] = -fz_pos(in, 1e-6, 1.0) * cov[i * n + i];
        return cov[i * n + i] < 0;
    case COV_CORR_GT1: {
        if (n < 2)
            return 0;
        double d = sqrt(cov[0]) * sqrt(cov[n + 1]);
        cov[1] = cov[n] = (fz_bool(in) ? 1.0 : -1.0) * fz_sane(in, 1.001, 3.0) * d;
        /* pivot 0 passes; pivot 1 = c11 - c10^2 / c00 < 0 */
        return cov[1] * cov[1] > cov[0] * cov[n + 1] * (1 + 1e-6);
    }
    case COV_SINGULAR:
        return 1;
    case COV_ASYM: {
        if (i == j)
            return 0;
        double before = cov[i * n + j];
        cov[i * n + j] *= 1.0 + fz_pos(in, 1e-9, 1.0);
        double after = cov[i * n + j];
        return isfinite(after) && fabs(after - before) > 1e-11 * fmax(fabs(after), fabs(before));
    }
    case COV_HOSTILE:
        cov[i * n + j] = fz_special(in, cov[i * n + j]);
        return !isfinite(cov[i * n + j]);
    default:
        return 0;
    }
}

static int params_valid(const mgn_mc_params *p)
{
    if (p->struct_size != sizeof *p || !(isfinite(p->confidence) && p->confidence > 0
                                         && p->confidence < 1)
        || p->n_paths == 0 || !(isfinite(p->df) && (p->df == 0 || p->df > 2))
        || !(isfinite(p->dt) && p->dt >= 0) || (p->antithetic != 0 && p->antithetic != 1)
        || p->threads < 1 || p->threads > 256 || p->n_batches < 0)
        return 0;
    if (p->antithetic && p->n_paths % 2)
        return 0;
    size_t unit = p->antithetic ? 2 : 1;
    return !(p->n_batches >= 2 && (size_t)p->n_batches > p->n_paths / unit);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_in in = fz_init(data, size);
    unsigned op = fz_u8(&in) % 8u;

    mgn_mc_params p;
    FZ_FILL(&p, sizeof p);
    int init_null = fz_u8(&in) % 32u == 0;
    FZ_ASSERT(mgn_mc_params_init(init_null ? NULL : &p) == (init_null ? MGN_EINVAL : MGN_OK));
    if (init_null) {
        FZ_ASSERT(fz_untouched(&p, sizeof p));
        mgn_mc_params_init(&p);
    }
    FZ_ASSERT(p.struct_size == sizeof p && p.confidence == 0.99 && p.n_paths == 100000
              && p.seed == 0 && p.df == 0 && p.dt == 1.0 / 365.0 && p.antithetic == 0
              && p.threads == 1 && p.currency == MGN_QUOTE && p.n_batches == 20);
    p.n_paths = 1 + fz_count(&in, fz_bool(&in) ? 31 : MAX_PATHS - 1);
    p.n_batches = (int)fz_count(&in, 20);
    p.seed = fz_u64(&in);
    unsigned mut = fz_u8(&in) | (fz_u8(&in) << 8);
    if (mut & 1u)
        p.struct_size = fz_bool(&in) ? sizeof p - 8 : (size_t)fz_u64(&in);
    if (mut & 2u)
        p.confidence = dec_conf(&in);
    if (mut & 4u)
        p.n_paths = fz_count(&in, MAX_PATHS);                 /* 0 among them */
    if (mut & 8u)
        p.df = dec_df(&in);
    if (mut & 16u)
        p.dt = fz_u8(&in) < 32 ? fz_special(&in, 1.0 / 365.0) : fz_sane(&in, 0.0, 0.1);
    if (mut & 32u)
        p.antithetic = fz_int(&in, 0, 1);
    if (mut & 64u)
        p.threads = dec_threads(&in);
    if (mut & 128u)
        p.currency = fz_int(&in, -1, MAX_MKT);
    if (mut & 256u)
        p.n_batches = fz_int(&in, 0, 40);

    size_t n_mkt = fz_u8(&in) < 8 ? 0 : 1 + fz_count(&in, MAX_MKT - 1);

    if (op == 7) {   /* the work size alone; n_paths may be absurd (no array touched) */
        if (fz_bool(&in))
            p.n_paths = fz_absurd_count(&in);
        if (fz_bool(&in))
            n_mkt = fz_absurd_count(&in);
        int give = fz_u8(&in) % 8u != 0;
        size_t bytes;
        FZ_FILL(&bytes, sizeof bytes);
        int st = mgn_var_montecarlo_work_size(n_mkt, &p, give ? &bytes : NULL);
        FZ_LOG("mc work_size n_mkt %zu n_paths %zu give %d\n", n_mkt, p.n_paths, give);
        FZ_STATUS(st);
        if (!give || n_mkt == 0 || !params_valid(&p)) {
            FZ_ASSERT(st == MGN_EINVAL);
        } else if (n_mkt <= 64 && p.n_paths <= ((size_t)1 << 32)) {
            /* P&L + shocks + Cholesky factor + normals */
            FZ_ASSERT(st == MGN_OK);
            FZ_ASSERT(bytes >= p.n_paths * (8 + 16 * n_mkt) + 8 * n_mkt * n_mkt + 8 * n_mkt);
        } else if (n_mkt > SIZE_MAX / 16 / p.n_paths) {
            FZ_ASSERT(st == MGN_ERANGE);
        }
        if (st != MGN_OK)
            FZ_ASSERT(fz_untouched(&bytes, sizeof bytes));
        return 0;
    }

    int hostile = fz_u8(&in) < 32;
    book b;
    dec_book(&in, &b, n_mkt, hostile);
    double cov[MAX_MKT * MAX_MKT];
    int cov_mode = (int)(fz_u8(&in) % COV_MODES);
    int cov_bad = n_mkt ? make_cov(&in, cov_mode, n_mkt, cov) : 0;
    unsigned null_sel = fz_u8(&in) % 16u;   /* 1 mkt, 2 pos, 3 cov, 4 out */
    unsigned work_sel = fz_u8(&in) % 8u;    /* 0 NULL, 1 misaligned, 2 short */
    FZ_LOG("mc n_mkt %zu n_pos %zu hostile %d cov %d (bad %d) null %u work %u | struct_size %zu "
           "c %.17g n_paths %zu seed %llu df %.17g dt %.17g anti %d threads %d currency %d "
           "batches %d\n",
           n_mkt, b.n_pos, hostile, cov_mode, cov_bad, null_sel, work_sel, p.struct_size,
           p.confidence, p.n_paths, (unsigned long long)p.seed, p.df, p.dt, p.antithetic,
           p.threads, p.currency, p.n_batches);
#ifdef FZ_TRACE
    for (size_t i = 0; i < n_mkt; i++) {
        FZ_LOG("  cov");
        for (size_t j = 0; j < n_mkt; j++)
            FZ_LOG(" %.17g", cov[i * n_mkt + j]);
        FZ_LOG("\n");
    }
#endif

    size_t need = 0;
    int wst = mgn_var_montecarlo_work_size(n_mkt, &p, &need);
    int pv = params_valid(&p);
    FZ_ASSERT(wst == (n_mkt == 0 || !pv ? MGN_EINVAL : MGN_OK));
    char *buf = fz_alloc(need + 16), *buf2 = fz_alloc(need + 16);
    if (!buf || !buf2) {
        free(buf);
        free(buf2);
        return 0;
    }
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
    mgn_var_result r, r2;
    FZ_FILL(&r, sizeof r);
    FZ_FILL(&r2, sizeof r2);
    int st = mgn_var_montecarlo(null_sel == 1 ? NULL : b.mkt, n_mkt, null_sel == 2 ? NULL : b.pos,
                                b.n_pos, null_sel == 3 ? NULL : cov, &p, work, work_size,
                                null_sel == 4 ? NULL : &r);
    FZ_STATUS(st);
    if (null_sel == 3 || null_sel == 4 || n_mkt == 0 || !pv) {
        FZ_ASSERT(st == MGN_EINVAL);
    } else if (work_st != MGN_OK) {
        FZ_ASSERT(st == work_st);
    } else if (cov_bad || null_sel == 1 || (null_sel == 2 && b.n_pos > 0)
               || (p.currency != MGN_QUOTE && (p.currency < 0 || p.currency >= (int)n_mkt))) {
        /* the covariance, or what mgn_scenario_pnl rejects */
        FZ_ASSERT(st == MGN_EINVAL);
    }
    if (st != MGN_OK) {
        FZ_ASSERT(fz_untouched(&r, sizeof r));
        free(buf);
        free(buf2);
        return 0;
    }
    const double d[] = { r.var, r.es, r.var_current, r.es_current, r.var_stressed,
                         r.es_stressed, r.var_se, r.es_se };
    FZ_ASSERT(fz_all_finite(d, sizeof d / sizeof d[0]));
    FZ_ASSERT(r.es >= r.var);
    FZ_ASSERT(fz_same_bits(&r.var, &r.var_current, sizeof r.var)
              && fz_same_bits(&r.es, &r.es_current, sizeof r.es));
    FZ_ASSERT(r.var_stressed == 0 && r.es_stressed == 0);
    FZ_ASSERT(r.var_se >= 0 && r.es_se >= 0);
    if (p.n_batches < 2)
        FZ_ASSERT(r.var_se == 0 && r.es_se == 0);
    FZ_ASSERT(r.n_scenarios == p.n_paths);
    if (b.n_pos == 0)
        FZ_ASSERT(r.var == 0 && r.es == 0);
    /* The documented path P&L in the workspace gives the same figures. */
    double v, e;
    FZ_ASSERT(mgn_var_es((const double *)work, NULL, p.n_paths, p.confidence, &v, &e) == MGN_OK);
    FZ_ASSERT(fz_same_bits(&v, &r.var, sizeof v) && fz_same_bits(&e, &r.es, sizeof e));
    /* Same seed, same bits, on a fresh workspace. */
    FZ_ASSERT(mgn_var_montecarlo(b.mkt, n_mkt, b.pos, b.n_pos, cov, &p, buf2, need, &r2) == MGN_OK);
    FZ_ASSERT(fz_same_bits(&r, &r2, sizeof r));
    FZ_ASSERT(fz_same_bits(work, buf2, p.n_paths * sizeof(double)));
    free(buf);
    free(buf2);
    return 0;
}
