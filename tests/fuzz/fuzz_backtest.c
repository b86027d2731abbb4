/*
 * Fuzz target: VaR backtests, EWMA variance and the dynamic margin range
 * (mgn_backtest_exceptions, mgn_backtest, mgn_backtest_zone, mgn_ewma_variance,
 * mgn_dynmargin_params_init, mgn_dynamic_margin).
 * Contract checked:
 *   - documented status, predicted where the header fixes it (NULL pointers, n == 0,
 *     confidence outside (0, 1), exception flags other than 0/1, non-finite inputs,
 *     lambda outside (0, 1), n_obs beyond unsigned int: MGN_ERANGE, wrong
 *     struct_size and every documented parameter domain);
 *   - a failure leaves every output untouched (scan_series included); a second call
 *     gives the same bits;
 *   - mgn_backtest_exceptions: exceptions[t] == (-pnl[t] > var[t]);
 *   - mgn_backtest: the counts and transitions of the flags, LR >= 0 and finite,
 *     p-values in [0, 1], lr_cc == lr_pof + lr_ind, cum_prob and zone those of
 *     mgn_backtest_zone, the zone the one of cum_prob's thresholds;
 *   - mgn_backtest_zone: cum_prob in [0, 1], non-decreasing in n_exceptions, the zone
 *     of its thresholds, the Basel table for T = 250, c = 0.99; cum_prob may be NULL;
 *     MGN_ERANGE for T beyond unsigned int, and (GSL's limit) for T in the millions;
 *   - mgn_ewma_variance: n + 1 finite values >= 0 following the recursion of the
 *     header (seed the mean square when seed_var < 0);
 *   - mgn_dynamic_margin: every figure finite and >= 0, margin_scan =
 *     max(base_scan, floor_scan) >= floor_scan, margin_scan <= price_scan <=
 *     (1 + buffer) margin_scan, buffer_left in [0, buffer], in_stress as defined,
 *     long_vol 0 without a look-back, ewma_vol the square root of mgn_ewma_variance's
 *     forecast, scan_series[n - 1] == price_scan.
 */
#include "fuzz.h"

#define MAX_N 64
#define MAX_FLAGS 256

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

/* A return or P&L: finite and plausible unless the style asks for hostile values. */
static double dec_value(fz_in *in, unsigned style, double scale)
{
    switch (style) {
    case 0: return fz_sane(in, -scale, scale);
    case 1: return fz_real(in, -scale, scale);
    case 2: return fz_sane(in, -1.0, 1.0) * 1e200;
    default: return fz_sane(in, -1.0, 1.0) * DBL_MAX;
    }
}

static int conf_ok(double c) { return isfinite(c) && c > 0 && c < 1; }

static void fuzz_exceptions(fz_in *in)
{
    size_t n = fz_count(in, MAX_N);
    unsigned style = fz_u8(in) % 4u;
    double pnl[MAX_N], var[MAX_N];
    int bad = 0;
    for (size_t t = 0; t < n; t++) {
        pnl[t] = dec_value(in, style, 100.0);
        var[t] = dec_value(in, style, 100.0);
        if (!isfinite(pnl[t]) || !isfinite(var[t]))
            bad = 1;
    }
    unsigned null_sel = fz_u8(in) % 8u;
    FZ_LOG("exceptions n %zu style %u null %u\n", n, style, null_sel);
    int ex[MAX_N], ex2[MAX_N];
    FZ_FILL(ex, sizeof ex);
    FZ_FILL(ex2, sizeof ex2);
    int st = mgn_backtest_exceptions(null_sel == 1 ? NULL : pnl, null_sel == 2 ? NULL : var, n,
                                     null_sel == 3 ? NULL : ex);
    FZ_STATUS(st);
    if ((null_sel >= 1 && null_sel <= 3) || n == 0 || bad) {
        FZ_ASSERT(st == MGN_EINVAL);
        FZ_ASSERT(fz_untouched(ex, sizeof ex));
        return;
    }
    FZ_ASSERT(st == MGN_OK);
    for (size_t t = 0; t < n; t++)
        FZ_ASSERT(ex[t] == (-pnl[t] > var[t]));
    FZ_ASSERT(mgn_backtest_exceptions(pnl, var, n, ex2) == MGN_OK);
    FZ_ASSERT(fz_same_bits(ex, ex2, sizeof ex));
}

static void check_zone(int zone, double cum_prob)
{
    FZ_ASSERT(cum_prob >= 0.0 && cum_prob <= 1.0);
    int want = cum_prob < 0.95 ? MGN_ZONE_GREEN : cum_prob < 0.9999 ? MGN_ZONE_YELLOW : MGN_ZONE_RED;
    FZ_ASSERT(zone == want);
}

static void fuzz_zone(fz_in *in)
{
    size_t n_obs;
    switch (fz_u8(in) % 4u) {
    case 0: n_obs = fz_absurd_count(in); break;
    case 1: n_obs = (size_t)UINT_MAX - fz_count(in, 3); break;
    case 2: n_obs = (size_t)fz_u64(in) % ((size_t)UINT_MAX + 2); break;
    default: n_obs = fz_count(in, 1000); break;
    }
    size_t x;
    switch (fz_u8(in) % 4u) {
    case 0: x = n_obs + 1 + fz_count(in, 3); break;                 /* too many */
    case 1: x = n_obs - fz_count(in, n_obs < 8 ? n_obs : 8); break; /* near n_obs */
    case 2: x = n_obs > 0 ? (size_t)(fz_u64(in) % n_obs) : 0; break;
    default: x = fz_count(in, 40) < n_obs ? fz_count(in, 40) : n_obs; break;
    }
    double c = dec_conf(in);
    unsigned null_sel = fz_u8(in) % 8u; /* 1: zone NULL, 2: cum_prob NULL (allowed) */
    FZ_LOG("zone n_obs %zu x %zu c %.17g null %u\n", n_obs, x, c, null_sel);
    int zone, zone2;
    double cp, cp2;
    FZ_FILL(&zone, sizeof zone);
    FZ_FILL(&cp, sizeof cp);
    int st = mgn_backtest_zone(n_obs, x, c, null_sel == 1 ? NULL : &zone,
                               null_sel == 2 ? NULL : &cp);
    FZ_STATUS(st);
    if (null_sel == 1 || n_obs == 0 || x > n_obs || !conf_ok(c)) {
        FZ_ASSERT(st == MGN_EINVAL);
    } else if (n_obs > UINT_MAX) {
        FZ_ASSERT(st == MGN_ERANGE);
    } else {
        /* GSL's incomplete beta does not converge near the mean for T in the millions
           (3.3e6 at c = 0.5, 1e8 at c = 0.99): MGN_ERANGE, as the header says */
        FZ_ASSERT(st == MGN_OK || (st == MGN_ERANGE && n_obs >= 1000000));
    }
    if (st != MGN_OK) {
        FZ_ASSERT(fz_untouched(&zone, sizeof zone) && fz_untouched(&cp, sizeof cp));
        return;
    }
    if (null_sel == 2) {
        FZ_ASSERT(fz_untouched(&cp, sizeof cp));
        FZ_ASSERT(mgn_backtest_zone(n_obs, x, c, &zone2, &cp) == MGN_OK && zone2 == zone);
    }
    check_zone(zone, cp);
    FZ_ASSERT(mgn_backtest_zone(n_obs, x, c, &zone2, &cp2) == MGN_OK);
    FZ_ASSERT(zone2 == zone && fz_same_bits(&cp, &cp2, sizeof cp));
    int st_next = x < n_obs ? mgn_backtest_zone(n_obs, x + 1, c, &zone2, &cp2) : -1;
    FZ_ASSERT(st_next == -1 || st_next == MGN_OK || (st_next == MGN_ERANGE && n_obs >= 1000000));
    if (st_next == MGN_OK) {
        check_zone(zone2, cp2);
        /* P(X <= x + 1) >= P(X <= x), to the CDF's rounding */
        FZ_ASSERT(cp2 >= cp - 1e-9);
    }
    if (n_obs == 250 && c == 0.99)
        FZ_ASSERT(zone == (x <= 4 ? MGN_ZONE_GREEN : x <= 9 ? MGN_ZONE_YELLOW : MGN_ZONE_RED));
}

static void fuzz_backtest(fz_in *in)
{
    size_t n = fz_count(in, fz_bool(in) ? 16 : MAX_FLAGS);
    int ex[MAX_FLAGS];
    unsigned density = fz_u8(in);
    int bad = 0;
    for (size_t t = 0; t < n; t++) {
        unsigned b = fz_u8(in);
        if (b == 255) {
            ex[t] = fz_int(in, 2, 3);   /* anything but 0 and 1, mostly */
            bad |= ex[t] != 0 && ex[t] != 1;
        } else {
            ex[t] = b < density ? 1 : 0;
        }
    }
    double c = dec_conf(in);
    unsigned null_sel = fz_u8(in) % 8u;
    FZ_LOG("backtest n %zu c %.17g null %u\n", n, c, null_sel);
    mgn_backtest_result r, r2;
    FZ_FILL(&r, sizeof r);
    FZ_FILL(&r2, sizeof r2);
    int st = mgn_backtest(null_sel == 1 ? NULL : ex, n, c, null_sel == 2 ? NULL : &r);
    FZ_STATUS(st);
    if ((null_sel >= 1 && null_sel <= 2) || n == 0 || !conf_ok(c) || bad) {
        FZ_ASSERT(st == MGN_EINVAL);
        FZ_ASSERT(fz_untouched(&r, sizeof r));
        return;
    }
    /* c below 2^-53 rounds p = 1 - c to 1: a day without an exception then has
       probability 0 and the Kupiec LR is infinite, reported as MGN_ERANGE. */
    FZ_ASSERT(st == MGN_OK || (st == MGN_ERANGE && 1.0 - c == 1.0));
    if (st != MGN_OK) {
        FZ_ASSERT(fz_untouched(&r, sizeof r));
        return;
    }
    size_t x = 0, tr[2][2] = { { 0, 0 }, { 0, 0 } };
    for (size_t t = 0; t < n; t++) {
        x += (size_t)ex[t];
        if (t > 0)
            tr[ex[t - 1]][ex[t]]++;
    }
    FZ_ASSERT(r.n_obs == n && r.n_exceptions == x);
    FZ_ASSERT(r.n00 == tr[0][0] && r.n01 == tr[0][1] && r.n10 == tr[1][0] && r.n11 == tr[1][1]);
    const double d[] = { r.lr_pof, r.p_pof, r.lr_ind, r.p_ind, r.lr_cc, r.p_cc, r.cum_prob };
    FZ_ASSERT(fz_all_finite(d, sizeof d / sizeof d[0]));
    FZ_ASSERT(r.lr_pof >= 0 && r.lr_ind >= 0 && r.lr_cc >= 0);
    FZ_ASSERT(r.lr_cc == r.lr_pof + r.lr_ind);
    FZ_ASSERT(r.p_pof >= 0 && r.p_pof <= 1 && r.p_ind >= 0 && r.p_ind <= 1);
    FZ_ASSERT(r.p_cc >= 0 && r.p_cc <= 1);
    FZ_ASSERT(r.reserved == 0);
    check_zone(r.zone, r.cum_prob);
    int zone;
    double cp;
    FZ_ASSERT(mgn_backtest_zone(n, x, c, &zone, &cp) == MGN_OK);
    FZ_ASSERT(zone == r.zone && fz_same_bits(&cp, &r.cum_prob, sizeof cp));
    /* No exception at all is no evidence of dependence. */
    if (x == 0)
        FZ_ASSERT(r.lr_ind == 0 && r.p_ind == 1);
    FZ_ASSERT(mgn_backtest(ex, n, c, &r2) == MGN_OK);
    FZ_ASSERT(fz_same_bits(&r, &r2, sizeof r));
}

static void fuzz_ewma(fz_in *in)
{
    size_t n = fz_count(in, MAX_N);
    unsigned style = fz_u8(in) % 4u;
    double r[MAX_N];
    int bad = 0;
    for (size_t t = 0; t < n; t++) {
        r[t] = dec_value(in, style, 0.1);
        bad |= !isfinite(r[t]);
    }
    double lambda;
    switch (fz_u8(in) % 8u) {
    case 0: lambda = fz_real(in, -0.5, 1.5); break;
    case 1: lambda = fz_special(in, 0.94); break;
    default: lambda = fz_sane(in, 0.0, 1.0); break;
    }
    double seed;
    switch (fz_u8(in) % 4u) {
    case 0: seed = -1.0; break;
    case 1: seed = fz_special(in, 1e-4); break;
    default: seed = fz_pos(in, 1e-8, 1e-1); break;
    }
    unsigned null_sel = fz_u8(in) % 8u;
    FZ_LOG("ewma n %zu style %u lambda %.17g seed %.17g null %u\n", n, style, lambda, seed,
           null_sel);
    double v[MAX_N + 1], v2[MAX_N + 1];
    FZ_FILL(v, sizeof v);
    FZ_FILL(v2, sizeof v2);
    int st = mgn_ewma_variance(null_sel == 1 ? NULL : r, n, lambda, seed, null_sel == 2 ? NULL : v);
    FZ_STATUS(st);

    /* The recursion of the header, in the same order of operations. */
    double ref[MAX_N + 1];
    int ref_ok = 1;
    if (n > 0 && !bad) {
        double s0 = seed;
        if (s0 < 0) {
            double s = 0;
            for (size_t t = 0; t < n; t++)
                s += r[t] * r[t];
            s0 = s / (double)n;
        }
        ref[0] = s0;
        ref_ok = isfinite(s0);
        for (size_t t = 0; t < n; t++) {
            ref[t + 1] = lambda * ref[t] + (1 - lambda) * (r[t] * r[t]);
            ref_ok &= isfinite(ref[t + 1]);
        }
    }
    int lam_ok = isfinite(lambda) && lambda > 0 && lambda < 1;
    if ((null_sel >= 1 && null_sel <= 2) || n == 0 || !lam_ok || !isfinite(seed) || bad)
        FZ_ASSERT(st == MGN_EINVAL);
    else
        FZ_ASSERT(st == (ref_ok ? MGN_OK : MGN_ERANGE));
    if (st != MGN_OK) {
        FZ_ASSERT(fz_untouched(v, sizeof v));
        return;
    }
    FZ_ASSERT(fz_all_finite(v, n + 1));
    for (size_t t = 0; t <= n; t++)
        FZ_ASSERT(v[t] >= 0 && fz_same_bits(&v[t], &ref[t], sizeof v[t]));
    FZ_ASSERT(fz_untouched(v + n + 1, sizeof v - (n + 1) * sizeof v[0]));
    FZ_ASSERT(mgn_ewma_variance(r, n, lambda, seed, v2) == MGN_OK);
    FZ_ASSERT(fz_same_bits(v, v2, sizeof v));
}

static size_t dec_lookback(fz_in *in, size_t n)
{
    switch (fz_u8(in) % 8u) {
    case 0: return 0;
    case 1: return 1;
    case 2: return 2520;
    case 3: return SIZE_MAX;
    case 4: return n;
    default: return fz_count(in, 80);
    }
}

static void fuzz_dynamic(fz_in *in)
{
    size_t n = fz_count(in, MAX_N);
    unsigned style = fz_u8(in) % 8u;
    double r[MAX_N];
    int bad = 0;
    for (size_t t = 0; t < n; t++) {
        r[t] = dec_value(in, style < 5 ? 0 : style - 4, 0.1);
        bad |= !isfinite(r[t]);
    }
    mgn_dynmargin_params p;
    FZ_FILL(&p, sizeof p);
    unsigned init_null = fz_u8(in) % 16u == 0;
    FZ_ASSERT(mgn_dynmargin_params_init(init_null ? NULL : &p) == (init_null ? MGN_EINVAL : MGN_OK));
    if (init_null) {
        FZ_ASSERT(fz_untouched(&p, sizeof p));
        mgn_dynmargin_params_init(&p);
    }
    FZ_ASSERT(p.struct_size == sizeof p && p.lambda == 0.94 && p.seed_var == -1
              && p.confidence == 0.99 && p.horizon_days == 2 && p.tail_df == 0
              && p.multiplier == 1 && p.buffer == 0.25 && p.floor_lookback == 2520);
    unsigned mut = fz_u8(in) | (fz_u8(in) << 8);   /* which fields to change */
    if (mut & 1u)
        p.struct_size = fz_bool(in) ? sizeof p - 8 : (size_t)fz_u64(in);
    if (mut & 2u)
        p.lambda = fz_u8(in) < 32 ? fz_special(in, 0.94) : fz_sane(in, 0.0, 1.0);
    if (mut & 4u)
        p.seed_var = fz_u8(in) < 32 ? fz_special(in, 1e-4) : fz_pos(in, 1e-8, 1e-1);
    if (mut & 8u)
        p.confidence = dec_conf(in);
    if (mut & 16u)
        p.horizon_days = fz_pos(in, 0.5, 30.0);
    if (mut & 32u)
        p.tail_df = fz_u8(in) < 64 ? fz_special(in, 4.0) : fz_pos(in, 2.0, 200.0);
    if (mut & 64u)
        p.multiplier = fz_pos(in, 0.1, 10.0);
    if (mut & 128u)
        p.buffer = fz_u8(in) < 32 ? fz_special(in, 0.25) : fz_sane(in, 0.0, 1.0);
    if (mut & 256u)
        p.floor_lookback = dec_lookback(in, n);
    unsigned null_sel = fz_u8(in) % 8u;   /* 1..3: returns / params / out NULL */
    int series = fz_bool(in);
    FZ_LOG("dynamic n %zu style %u struct_size %zu lambda %.17g seed %.17g c %.17g h %.17g "
           "df %.17g mult %.17g buffer %.17g lookback %zu null %u series %d\n",
           n, style, p.struct_size, p.lambda, p.seed_var, p.confidence, p.horizon_days,
           p.tail_df, p.multiplier, p.buffer, p.floor_lookback, null_sel, series);

    mgn_dynmargin_result o, o2;
    double sc[MAX_N], sc2[MAX_N];
    FZ_FILL(&o, sizeof o);
    FZ_FILL(&o2, sizeof o2);
    FZ_FILL(sc, sizeof sc);
    FZ_FILL(sc2, sizeof sc2);
    int st = mgn_dynamic_margin(null_sel == 1 ? NULL : r, n, null_sel == 2 ? NULL : &p,
                                series ? sc : NULL, null_sel == 3 ? NULL : &o);
    FZ_STATUS(st);
    int params_ok = p.struct_size == sizeof p && isfinite(p.lambda) && p.lambda > 0
                    && p.lambda < 1 && isfinite(p.seed_var) && conf_ok(p.confidence)
                    && p.confidence > 0.5
                    && isfinite(p.horizon_days) && p.horizon_days > 0
                    && isfinite(p.tail_df) && (p.tail_df == 0 || p.tail_df > 2)
                    && isfinite(p.multiplier) && p.multiplier > 0
                    && isfinite(p.buffer) && p.buffer >= 0;
    if ((null_sel >= 1 && null_sel <= 3) || n == 0 || !params_ok || bad)
        FZ_ASSERT(st == MGN_EINVAL);
    if (st != MGN_OK) {
        FZ_ASSERT(fz_untouched(&o, sizeof o) && fz_untouched(sc, sizeof sc));
        return;
    }
    const double d[] = { o.ewma_vol, o.long_vol, o.base_scan, o.floor_scan, o.margin_scan,
                         o.price_scan, o.buffer_left };
    FZ_ASSERT(fz_all_finite(d, sizeof d / sizeof d[0]));
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++)
        FZ_ASSERT(d[i] >= 0);
    FZ_ASSERT(o.margin_scan == fmax(o.base_scan, o.floor_scan));
    FZ_ASSERT(o.margin_scan >= o.floor_scan && o.price_scan >= o.margin_scan);
    FZ_ASSERT(o.price_scan <= (1 + p.buffer) * o.margin_scan);
    FZ_ASSERT(o.buffer_left >= 0 && o.buffer_left <= p.buffer);
    FZ_ASSERT(o.in_stress == (o.price_scan < (1 + p.buffer) * o.margin_scan));
    FZ_ASSERT(o.reserved == 0);
    if (p.floor_lookback == 0)
        FZ_ASSERT(o.long_vol == 0 && o.floor_scan == 0);
    if (series) {
        FZ_ASSERT(fz_all_finite(sc, n) && fz_same_bits(&sc[n - 1], &o.price_scan, sizeof sc[0]));
        for (size_t t = 0; t < n; t++)
            FZ_ASSERT(sc[t] >= 0);
    } else {
        FZ_ASSERT(fz_untouched(sc, sizeof sc));
    }
    double v[MAX_N + 1];
    if (mgn_ewma_variance(r, n, p.lambda, p.seed_var, v) == MGN_OK) {
        double ev = sqrt(v[n]);
        FZ_ASSERT(fz_same_bits(&ev, &o.ewma_vol, sizeof ev));
    }
    FZ_ASSERT(mgn_dynamic_margin(r, n, &p, series ? sc2 : NULL, &o2) == MGN_OK);
    FZ_ASSERT(fz_same_bits(&o, &o2, sizeof o) && (!series || fz_same_bits(sc, sc2, sizeof sc)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_in in = fz_init(data, size);
    switch (fz_u8(&in) % 5u) {
    case 0: fuzz_exceptions(&in); break;
    case 1: fuzz_backtest(&in); break;
    case 2: fuzz_zone(&in); break;
    case 3: fuzz_ewma(&in); break;
    default: fuzz_dynamic(&in); break;
    }
    return 0;
}
