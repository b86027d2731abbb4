/*
 * Fuzz target: historical simulation (mgn_hs_params_init, mgn_hs_scenario_count,
 * mgn_hs_scenarios, mgn_var_historical_work_size, mgn_var_historical).
 * Inputs: up to 4 markets, 8 positions (options European only: an American one costs
 * a boundary solve per scenario, a thousand times a European price, and has its own
 * targets), 64 days of current and of stressed history; returns
 * plausible or hostile (<= -1, NaN, huge), vol changes NULL or not; parameters from
 * mgn_hs_params_init with any field changed: struct_size, confidence (0, 1, NaN, out of
 * range), horizon_days (0, negative, absurd), horizon_method, weighting flags, threads
 * (only 1 runs; 0, negative and absurd counts for rejection), lambdas, dt, currency,
 * reserved; workspaces NULL, misaligned or short.
 * Contract checked:
 *   - documented status; MGN_EINVAL predicted for NULL pointers, n_mkt == 0, a
 *     parameter outside its domain, a history shorter than the horizon, a stressed
 *     count without its returns; MGN_ENOMEM for a short workspace; counts as the
 *     header (overlap n - h + 1, sqrt n);
 *   - mgn_hs_scenarios: on MGN_OK shocks finite with price > -1, weights >= 0 summing
 *     to 1, equal ones exactly 1/N, BRW ones growing with recency; unfiltered shocks
 *     are the header's window products / sqrt(h) scalings (to rounding);
 *   - mgn_var_historical agrees, to the bit and in status, with its decomposition
 *     mgn_hs_scenarios -> mgn_scenario_pnl -> mgn_var_es (BRW weights when chosen; the
 *     stressed history plain), reports max(current, stressed), ES >= VaR for each,
 *     zero standard errors and the stressed figures 0 without a stressed history;
 *   - failures leave every output untouched; a second call gives the same bits.
 */
#include "fuzz_sim_book.h"

#define MAX_DAYS 64

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

/* Returns and vol changes of one history (n_days x n_mkt). */
static void dec_history(fz_in *in, size_t cells, unsigned style, double *ret, double *dv)
{
    for (size_t i = 0; i < cells; i++) {
        switch (style) {
        case 0: ret[i] = fz_sane(in, -0.1, 0.1); break;
        case 1: ret[i] = fz_real(in, -0.5, 0.5); break;                 /* hostile */
        case 2: ret[i] = fz_u8(in) == 0 ? -1.0 : fz_sane(in, -0.1, 0.1); break;
        default: ret[i] = expm1(fz_sane(in, -1.0, 1.0) * 700.0); break;   /* huge moves */
        }
        if (dv)
            dv[i] = style == 1 ? fz_real(in, -0.05, 0.05) : fz_sane(in, -0.05, 0.05);
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

static int params_valid(const mgn_hs_params *p)
{
    return p->struct_size == sizeof *p && isfinite(p->confidence) && p->confidence > 0
           && p->confidence < 1 && p->horizon_days >= 1
           && (p->horizon_method == MGN_HORIZON_OVERLAP || p->horizon_method == MGN_HORIZON_SQRT)
           && p->weighting >= 0 && p->weighting <= 3 && p->threads >= 1 && p->threads <= 256
           && isfinite(p->brw_lambda) && p->brw_lambda > 0 && p->brw_lambda < 1
           && isfinite(p->ewma_lambda) && p->ewma_lambda > 0 && p->ewma_lambda < 1
           && isfinite(p->dt) && p->dt >= 0 && p->reserved == 0;
}

/* The header's scenario count; 0 when the history is too short. */
static size_t hs_count(size_t n_days, const mgn_hs_params *p)
{
    if (n_days == 0)
        return 0;
    if (p->horizon_method == MGN_HORIZON_SQRT)
        return n_days;
    size_t h = (size_t)p->horizon_days;
    return n_days < h ? 0 : n_days - h + 1;
}

static mgn_shock shocks_buf[MAX_DAYS * MAX_MKT], shocks_buf2[MAX_DAYS * MAX_MKT];
static double weights_buf[MAX_DAYS + 1], weights_buf2[MAX_DAYS + 1], pnl_buf[MAX_DAYS];

/* One history through the public pieces: status, VaR and ES, scenario count. */
static int decompose(const mgn_market *mkt, size_t n_mkt, const mgn_position *pos,
                     size_t n_pos, const double *ret, const double *dv, size_t n_days,
                     const mgn_hs_params *p, int use_brw, double *var, double *es)
{
    size_t n_scen = 0;
    int st = mgn_hs_scenario_count(n_days, p, &n_scen);
    if (st != MGN_OK)
        return st;
    st = mgn_hs_scenarios(ret, dv, n_days, n_mkt, p, shocks_buf2, weights_buf2);
    if (st != MGN_OK)
        return st;
    st = mgn_scenario_pnl(mkt, n_mkt, pos, n_pos, shocks_buf2, n_scen, p->dt, p->currency,
                          pnl_buf);
    if (st != MGN_OK)
        return st;
    return mgn_var_es(pnl_buf, use_brw ? weights_buf2 : NULL, n_scen, p->confidence, var, es);
}

/* mgn_hs_scenarios on its own, against the header's definitions. */
static void check_scenarios(const double *ret, const double *dv, size_t n_days, size_t n_mkt,
                            const mgn_hs_params *p, int style, unsigned null_sel)
{
    size_t n_scen = hs_count(n_days, p);
    int give_w = null_sel != 3;
    FZ_FILL(shocks_buf, sizeof shocks_buf);
    FZ_FILL(weights_buf, sizeof weights_buf);
    int st = mgn_hs_scenarios(null_sel == 1 ? NULL : ret, dv, n_days, n_mkt, p,
                              null_sel == 2 ? NULL : shocks_buf, give_w ? weights_buf : NULL);
    FZ_STATUS(st);
    size_t cnt = 0;
    int cst = mgn_hs_scenario_count(n_days, p, null_sel == 4 ? NULL : &cnt);
    if (null_sel == 4 || !params_valid(p) || n_scen == 0) {
        FZ_ASSERT(cst == MGN_EINVAL);
    } else {
        FZ_ASSERT(cst == MGN_OK && cnt == n_scen);
    }
    if (null_sel == 1 || null_sel == 2 || n_mkt == 0 || !params_valid(p) || n_scen == 0)
        FZ_ASSERT(st == MGN_EINVAL);
    if (st != MGN_OK) {
        FZ_ASSERT(fz_untouched(shocks_buf, sizeof shocks_buf));
        FZ_ASSERT(fz_untouched(weights_buf, sizeof weights_buf));
        return;
    }
    size_t cells = n_scen * n_mkt;
    FZ_ASSERT(fz_untouched(shocks_buf + cells, sizeof shocks_buf - cells * sizeof(mgn_shock)));
    for (size_t i = 0; i < cells; i++)
        FZ_ASSERT(isfinite(shocks_buf[i].price) && shocks_buf[i].price > -1
                  && isfinite(shocks_buf[i].vol));
    if (give_w) {
        double sum = 0;
        FZ_ASSERT(fz_all_finite(weights_buf, n_scen));
        for (size_t j = 0; j < n_scen; j++) {
            FZ_ASSERT(weights_buf[j] >= 0);
            sum += weights_buf[j];
            if (!(p->weighting & MGN_HS_BRW)) {
                double eq = 1.0 / (double)n_scen;
                FZ_ASSERT(fz_same_bits(&weights_buf[j], &eq, sizeof eq));
            } else if (j > 0) {
                FZ_ASSERT(weights_buf[j] >= weights_buf[j - 1]);
            }
        }
        FZ_ASSERT(fabs(sum - 1.0) <= 1e-12 * (double)n_scen);
        FZ_ASSERT(fz_untouched(weights_buf + n_scen, sizeof weights_buf - n_scen * sizeof(double)));
    } else {
        FZ_ASSERT(fz_untouched(weights_buf, sizeof weights_buf));
    }
    /* Unfiltered, plausible returns: the shocks are the header's formulas. */
    if (!(p->weighting & MGN_HS_FILTERED) && style == 0) {
        size_t h = (size_t)p->horizon_days;
        int sq = p->horizon_method == MGN_HORIZON_SQRT;
        for (size_t j = 0; j < n_scen; j++)
            for (size_t m = 0; m < n_mkt; m++) {
                double lsum = 0, labs = 0, vsum = 0, vabs = 0;
                size_t t0 = j, t1 = sq ? j + 1 : j + h;
                for (size_t t = t0; t < t1; t++) {
                    double l = log1p(ret[t * n_mkt + m]);
                    lsum += l;
                    labs += fabs(l);
                    if (dv) {
                        vsum += dv[t * n_mkt + m];
                        vabs += fabs(dv[t * n_mkt + m]);
                    }
                }
                double scale = sq ? sqrt((double)h) : 1.0;
                double got = log1p(shocks_buf[j * n_mkt + m].price);
                /* plus the rounding of the shock itself (a relative move): next to -1,
                   1 + shock keeps only eps / (1 + shock) of relative precision */
                double sp = shocks_buf[j * n_mkt + m].price;
                double tol = 8.0 * (double)(h + 2) * DBL_EPSILON * (scale * labs + 1.0)
                           + 2.0 * DBL_EPSILON * fabs(sp) / (1.0 + sp);
                if (!(fabs(got - scale * lsum) <= tol))
                    FZ_LOG("scenario %zu market %zu: shock %.17g, log1p %.17g, expected %.17g "
                           "(tol %.3g)\n", j, m, shocks_buf[j * n_mkt + m].price, got,
                           scale * lsum, tol);
                FZ_ASSERT(fabs(got - scale * lsum) <= tol);
                FZ_ASSERT(fabs(shocks_buf[j * n_mkt + m].vol - scale * vsum)
                          <= 8.0 * (double)(h + 2) * DBL_EPSILON * scale * vabs);
            }
    }
    FZ_FILL(shocks_buf2, sizeof shocks_buf2);
    FZ_FILL(weights_buf2, sizeof weights_buf2);
    FZ_ASSERT(mgn_hs_scenarios(ret, dv, n_days, n_mkt, p, shocks_buf2, give_w ? weights_buf2 : NULL) == MGN_OK);
    FZ_ASSERT(fz_same_bits(shocks_buf, shocks_buf2, sizeof shocks_buf));
    FZ_ASSERT(fz_same_bits(weights_buf, weights_buf2, sizeof weights_buf));
}

static void check_work_size(fz_in *in, const mgn_hs_params *p)
{
    size_t n_days = fz_bool(in) ? fz_absurd_count(in) : fz_count(in, 100);
    size_t n_stress = fz_u8(in) < 128 ? 0 : fz_bool(in) ? fz_absurd_count(in) : fz_count(in, 100);
    size_t n_mkt = fz_bool(in) ? fz_absurd_count(in) : fz_count(in, 8);
    int give = fz_u8(in) % 8u != 0;
    FZ_LOG("work_size n_days %zu n_stress %zu n_mkt %zu give %d\n", n_days, n_stress, n_mkt, give);
    size_t bytes;
    FZ_FILL(&bytes, sizeof bytes);
    int st = mgn_var_historical_work_size(n_days, n_stress, n_mkt, p, give ? &bytes : NULL);
    FZ_STATUS(st);
    size_t n1 = hs_count(n_days, p), n2 = n_stress ? hs_count(n_stress, p) : 0;
    if (!give || n_mkt == 0 || !params_valid(p) || n1 == 0 || (n_stress > 0 && n2 == 0)) {
        FZ_ASSERT(st == MGN_EINVAL);
    } else {
        size_t ns = n1 > n2 ? n1 : n2;
        /* shocks + P&L + weights of the longer history: ns (16 n_mkt + 16) bytes, plus
           at most 64 bytes of alignment per region */
        int overflows = n_mkt > (SIZE_MAX - 16) / 16 || ns > SIZE_MAX / (16 * n_mkt + 16);
        size_t least = overflows ? 0 : ns * (16 * n_mkt + 16);
        if (overflows)
            FZ_ASSERT(st == MGN_ERANGE);
        else if (least <= SIZE_MAX - 3 * 64)
            FZ_ASSERT(st == MGN_OK && bytes >= least);
    }
    if (st != MGN_OK)
        FZ_ASSERT(fz_untouched(&bytes, sizeof bytes));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_in in = fz_init(data, size);
    unsigned op = fz_u8(&in) % 8u;

    mgn_hs_params p;
    FZ_FILL(&p, sizeof p);
    int init_null = fz_u8(&in) % 32u == 0;
    FZ_ASSERT(mgn_hs_params_init(init_null ? NULL : &p) == (init_null ? MGN_EINVAL : MGN_OK));
    if (init_null) {
        FZ_ASSERT(fz_untouched(&p, sizeof p));
        mgn_hs_params_init(&p);
    }
    FZ_ASSERT(p.struct_size == sizeof p && p.confidence == 0.99 && p.horizon_days == 1
              && p.horizon_method == MGN_HORIZON_OVERLAP && p.weighting == 0 && p.threads == 1
              && p.brw_lambda == 0.99 && p.ewma_lambda == 0.94 && p.dt == 1.0 / 365.0
              && p.currency == MGN_QUOTE && p.reserved == 0);
    unsigned mut = fz_u8(&in) | (fz_u8(&in) << 8);
    if (mut & 1u)
        p.struct_size = fz_bool(&in) ? sizeof p - 8 : (size_t)fz_u64(&in);
    if (mut & 2u)
        p.confidence = dec_conf(&in);
    if (mut & 4u)
        p.horizon_days = fz_int(&in, 1, 10);
    if (mut & 8u)
        p.horizon_method = fz_int(&in, 0, 1);
    if (mut & 16u)
        p.weighting = fz_int(&in, 0, 3);
    if (mut & 32u)
        p.threads = dec_threads(&in);
    if (mut & 64u)
        p.brw_lambda = fz_u8(&in) < 32 ? fz_special(&in, 0.99) : fz_sane(&in, 0.0, 1.0);
    if (mut & 128u)
        p.ewma_lambda = fz_u8(&in) < 32 ? fz_special(&in, 0.94) : fz_sane(&in, 0.0, 1.0);
    if (mut & 256u)
        p.dt = fz_u8(&in) < 32 ? fz_special(&in, 1.0 / 365.0) : fz_sane(&in, 0.0, 0.1);
    if (mut & 512u)
        p.currency = fz_int(&in, -1, MAX_MKT);
    if (mut & 1024u)
        p.reserved = fz_int(&in, 0, 0);

    if (op == 7) {
        check_work_size(&in, &p);
        return 0;
    }

    size_t n_mkt = fz_u8(&in) < 8 ? 0 : 1 + fz_count(&in, MAX_MKT - 1);
    int hostile = fz_u8(&in) < 32;
    book b;
    dec_book(&in, &b, n_mkt, hostile);
    size_t n_days = fz_count(&in, fz_bool(&in) ? 16 : MAX_DAYS);
    unsigned style = fz_u8(&in);
    style = style < 192 ? 0 : style % 4u;
    int with_dv = fz_bool(&in);
    static double ret[MAX_DAYS * MAX_MKT], dv[MAX_DAYS * MAX_MKT];
    static double sret[MAX_DAYS * MAX_MKT], sdv[MAX_DAYS * MAX_MKT];
    dec_history(&in, n_days * n_mkt, style, ret, with_dv ? dv : NULL);
    size_t n_stress = fz_u8(&in) < 128 ? 0 : fz_count(&in, fz_bool(&in) ? 16 : MAX_DAYS);
    int with_sdv = fz_bool(&in);
    dec_history(&in, n_stress * n_mkt, style == 0 ? 0 : fz_u8(&in) % 4u, sret,
                with_sdv ? sdv : NULL);
    unsigned null_sel = fz_u8(&in) % 16u;
    FZ_LOG("historical op %u n_mkt %zu n_pos %zu hostile %d n_days %zu style %u dv %d "
           "n_stress %zu sdv %d null %u | struct_size %zu c %.17g h %d method %d weighting %d "
           "threads %d brw %.17g ewma %.17g dt %.17g currency %d reserved %d\n",
           op, n_mkt, b.n_pos, hostile, n_days, style, with_dv, n_stress, with_sdv, null_sel,
           p.struct_size, p.confidence, p.horizon_days, p.horizon_method, p.weighting,
           p.threads, p.brw_lambda, p.ewma_lambda, p.dt, p.currency, p.reserved);

    if (op == 6) {
        check_scenarios(ret, with_dv ? dv : NULL, n_days, n_mkt, &p, (int)style, null_sel);
        return 0;
    }

    /* mgn_var_historical */
    size_t n1 = hs_count(n_days, &p), n2 = n_stress ? hs_count(n_stress, &p) : 0;
    size_t need = 0;
    int wst = mgn_var_historical_work_size(n_days, n_stress, n_mkt, &p, &need);
    unsigned work_sel = fz_u8(&in) % 8u;   /* 0 NULL, 1 misaligned, 2 short */
    char *buf = fz_alloc(need + 16);
    if (!buf)
        return 0;
    void *work = buf;
    size_t work_size = need;
    int work_st = MGN_OK;
    if (work_sel == 0) {
        work = NULL;
        work_st = MGN_EINVAL;
    } else if (work_sel == 1) {
        work = buf + 2;
        work_st = MGN_EINVAL;
    } else if (work_sel == 2 && need > 0) {
        work_size = need - 1 - fz_count(&in, need - 1);
        work_st = MGN_ENOMEM;
    }
    const double *sr = null_sel == 4 ? NULL : sret;
    mgn_var_result r, r2;
    FZ_FILL(&r, sizeof r);
    FZ_FILL(&r2, sizeof r2);
    int st = mgn_var_historical(null_sel == 1 ? NULL : b.mkt, n_mkt, null_sel == 2 ? NULL : b.pos,
                                b.n_pos, null_sel == 3 ? NULL : ret, with_dv ? dv : NULL, n_days,
                                sr, with_sdv ? sdv : NULL, n_stress, &p, work, work_size,
                                null_sel == 5 ? NULL : &r);
    FZ_STATUS(st);

    int early_bad = null_sel == 3 || null_sel == 5 || n_mkt == 0 || !params_valid(&p)
                    || (n_stress > 0 && !sr);
    if (early_bad || n1 == 0 || (n_stress > 0 && n2 == 0)) {
        FZ_ASSERT(st == MGN_EINVAL);
    } else if (work_st != MGN_OK) {
        FZ_ASSERT(wst == MGN_OK && st == work_st);
    } else {
        /* The decomposition through the public pieces, in the library's order (current
           history, then the stressed one, plain): same status, same bits. */
        FZ_ASSERT(wst == MGN_OK);
        const mgn_market *mk = null_sel == 1 ? NULL : b.mkt;
        const mgn_position *ps = null_sel == 2 ? NULL : b.pos;
        double cv = 0, ce = 0, sv = 0, se = 0;
        int dst = decompose(mk, n_mkt, ps, b.n_pos, ret, with_dv ? dv : NULL, n_days, &p,
                            (p.weighting & MGN_HS_BRW) != 0, &cv, &ce);
        if (dst == MGN_OK && n_stress > 0) {
            mgn_hs_params plain = p;
            plain.weighting = 0;
            dst = decompose(mk, n_mkt, ps, b.n_pos, sret, with_sdv ? sdv : NULL, n_stress,
                            &plain, 0, &sv, &se);
        }
        FZ_ASSERT(st == dst);
        if (dst == MGN_OK) {
            FZ_ASSERT(fz_same_bits(&r.var_current, &cv, sizeof cv)
                      && fz_same_bits(&r.es_current, &ce, sizeof ce));
            if (n_stress > 0)
                FZ_ASSERT(fz_same_bits(&r.var_stressed, &sv, sizeof sv)
                          && fz_same_bits(&r.es_stressed, &se, sizeof se));
        }
    }
    if (st != MGN_OK) {
        FZ_ASSERT(fz_untouched(&r, sizeof r));
        free(buf);
        return 0;
    }
    const double d[] = { r.var, r.es, r.var_current, r.es_current, r.var_stressed,
                         r.es_stressed, r.var_se, r.es_se };
    FZ_ASSERT(fz_all_finite(d, sizeof d / sizeof d[0]));
    FZ_ASSERT(r.n_scenarios == n1);
    FZ_ASSERT(r.es_current >= r.var_current && r.es_stressed >= r.var_stressed);
    FZ_ASSERT(r.var_se == 0 && r.es_se == 0);
    if (n_stress > 0) {
        FZ_ASSERT(r.var == fmax(r.var_current, r.var_stressed));
        FZ_ASSERT(r.es == fmax(r.es_current, r.es_stressed));
    } else {
        FZ_ASSERT(r.var_stressed == 0 && r.es_stressed == 0);
        FZ_ASSERT(r.var == r.var_current && r.es == r.es_current);
    }
    FZ_ASSERT(r.es >= r.var);
    FZ_ASSERT(mgn_var_historical(b.mkt, n_mkt, b.pos, b.n_pos, ret, with_dv ? dv : NULL, n_days,
                                 sret, with_sdv ? sdv : NULL, n_stress, &p, work, work_size,
                                 &r2) == MGN_OK);
    FZ_ASSERT(fz_same_bits(&r, &r2, sizeof r));
    free(buf);
    return 0;
}
