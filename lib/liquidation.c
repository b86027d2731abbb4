/* Liquidation: closed-form liquidation prices of delta-one contracts, the root search
 * for any account, partial liquidation and liquidator economics (MARGIN-MODEL.md
 * section 8; METHODS-REFERENCE.md 3.5-3.9).
 *
 * Root search: g(S) = equity - MM is scanned on a log grid plus the option strikes,
 * and each bracketed sign change is refined with GSL's Brent solver. The solver
 * object is assembled in the caller's workspace from the public gsl_root_fsolver
 * layout (type, function, root, bounds, state) and its type's state size, so nothing
 * is allocated, and gsl_root_fsolver_set is only called on a verified bracket with a
 * function that always returns a finite value: GSL's error handler cannot be reached.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <string.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>
#include "account.h"
#include "var.h"

size_t mgn_sizeof_liq_input(void) { return sizeof(mgn_liq_input); }
size_t mgn_sizeof_liq_closed(void) { return sizeof(mgn_liq_closed); }
size_t mgn_sizeof_liq_search(void) { return sizeof(mgn_liq_search); }
size_t mgn_sizeof_liq_price_result(void) { return sizeof(mgn_liq_price_result); }
size_t mgn_sizeof_liq_params(void) { return sizeof(mgn_liq_params); }
size_t mgn_sizeof_liq_close(void) { return sizeof(mgn_liq_close); }
size_t mgn_sizeof_liq_result(void) { return sizeof(mgn_liq_result); }

static size_t r64(size_t a) { return (a + 63) & ~(size_t)63; }

/* The next n doubles of the workspace at *w, which moves on by a whole number of
   64-byte blocks (the workspace is checked aligned, so every block is). */
static double *take_doubles(char **w, size_t n)
{
    /* cppcheck-suppress invalidPointerCast ; the aligned workspace holds these arrays */
    double *p = (double *)*w;
    *w += r64(n * sizeof(double));
    return p;
}

/* A distance that overflows (a tiny vol, an extreme range) is reported as DBL_MAX. */
static double cap_max(double x) { return x > DBL_MAX ? DBL_MAX : x; }
static int fin_nonneg(double x) { return isfinite(x) && x >= 0; }
static int rate_ok(double x) { return isfinite(x) && x >= 0 && x < 1; }

/*---------------------------------------------------------------- closed form */

/* The closed forms are evaluated in long double: a size near DBL_MIN (a subnormal
   quantity is valid input) makes |Q| (mmr + ...) or N / E a subnormal double with
   only a few significant bits, and the price computed from it was off by percents
   (x86-64's extended format keeps them normal; where long double is double the
   results are those of double arithmetic). */

/* Smallest positive root of A x^2 + B x + C = 0 (A >= 0); 0 when none. */
static long double small_pos_root(long double A, long double B, long double C)
{
    if (A == 0) {
        if (B == 0)
            return 0;
        long double x = -C / B;
        return x > 0 && isfinite(x) ? x : 0;
    }
    long double D = B * B - 4 * A * C;
    if (!(D >= 0))
        return 0;
    long double q = -0.5L * (B + copysignl(sqrtl(D), B));
    long double x1 = q / A, x2 = q != 0 ? C / q : 0;
    long double best = 0;
    if (x1 > 0 && isfinite(x1)) best = x1;
    if (x2 > 0 && isfinite(x2) && (best == 0 || x2 < best)) best = x2;
    return best;
}

/* Price for one (mmr, cum) pair; 0 when none. basis: cum in quote (QUOTE) or coin (UNITS). */
static double solve_one(const mgn_liq_input *in, double k, double cum, int basis, double fee,
                        double sm)
{
    long double W = (long double)in->wallet + in->other, E = in->entry;
    int units = basis == MGN_STD_TIER_UNITS;
    if (in->settlement == MGN_LINEAR) {
        long double Q = in->size, aQ = fabsl(Q);
        long double num = W - Q * E + (units ? 0.0L : cum);
        long double den = aQ * (k + sm * aQ + fee) - (units ? cum : 0.0L) - Q;
        if (den == 0)
            return 0;
        double P = (double)(num / den);
        return isnormal(P) && P > 0 ? P : 0;   /* a subnormal price has no precision left */
    }
    /* The quadratic in x = 1/P divided through by |N|, i.e. in y = |N| x = |N| / P (the
       notional in coin): its x^2 coefficient size_mm N^2 under- or overflows for extreme
       sizes, y's is size_mm itself. The smallest positive y is the smallest positive x. */
    long double N = in->size, aN = fabsl(N);
    long double A = sm;
    long double B = ((long double)k + fee) + (N > 0 ? 1.0L : -1.0L) - (units ? 0.0L : cum / aN);
    long double C = -(W + N / E + (units ? cum : 0.0L));
    long double y = small_pos_root(A, B, C);
    if (!(y > 0))
        return 0;
    double P = (double)(aN / y);
    return isnormal(P) && P > 0 ? P : 0;
}

/* MM + fee and the tier measure at price P. */
static double measure_at(const mgn_liq_input *in, double P)
{
    if (in->settlement == MGN_LINEAR)
        return in->tier_basis == MGN_STD_TIER_UNITS ? fabs(in->size) : fabs(in->size) * P;
    return in->tier_basis == MGN_STD_TIER_UNITS ? fabs(in->size) / P : fabs(in->size);
}

static double mm_at(const mgn_liq_input *in, double k, double cum, double P)
{
    int units = in->tier_basis == MGN_STD_TIER_UNITS && in->n_tiers > 0;
    if (in->settlement == MGN_LINEAR) {
        double aQ = fabs(in->size);
        return aQ * P * (k + in->size_mm * aQ + in->fee_rate) - (units ? cum * P : cum);
    }
    double n = fabs(in->size) / P;
    return n * (k + in->size_mm * n + in->fee_rate) - (units ? cum : cum / P);
}

int mgn_liq_price_closed(const mgn_liq_input *in, mgn_liq_closed *out)
{
    if (!in || !out || in->struct_size != sizeof(mgn_liq_input))
        return MGN_EINVAL;
    if ((in->settlement != MGN_LINEAR && in->settlement != MGN_INVERSE)
        || !isfinite(in->size) || in->size == 0 || !(isfinite(in->entry) && in->entry > 0)
        || !fin_nonneg(in->wallet) || !isfinite(in->other) || !rate_ok(in->mm_rate)
        || !fin_nonneg(in->mm_amount) || !fin_nonneg(in->size_mm) || !rate_ok(in->fee_rate))
        return MGN_EINVAL;
    if (in->n_tiers > 0) {
        if (!in->tiers || (in->tier_basis != MGN_STD_TIER_QUOTE
                           && in->tier_basis != MGN_STD_TIER_UNITS))
            return MGN_EINVAL;
        if (in->n_tiers > MGN_STD_MAX_TIERS)
            return MGN_ERANGE;
        for (size_t i = 0; i < in->n_tiers; i++) {
            const mgn_std_tier *t = &in->tiers[i];
            /* im_rate is not used here, but a tier is still a valid mgn_std_tier */
            if (!fin_nonneg(t->floor) || !rate_ok(t->mm_rate) || !fin_nonneg(t->mm_amount)
                || !(isfinite(t->im_rate) && t->im_rate >= 0 && t->im_rate <= 1)
                || (i == 0 && t->floor != 0) || (i > 0 && !(t->floor > in->tiers[i - 1].floor)))
                return MGN_EINVAL;
        }
    }
    mgn_liq_closed r;
    memset(&r, 0, sizeof r);
    r.tier = -1;
    double k = in->mm_rate, cum = in->mm_amount;
    int basis = MGN_STD_TIER_QUOTE;
    if (in->n_tiers == 0) {
        r.price = solve_one(in, k, cum, basis, in->fee_rate, in->size_mm);
    } else {
        basis = in->tier_basis;
        int any = 0, consistent = 0;
        for (size_t i = 0; i < in->n_tiers && !consistent; i++) {
            double P = solve_one(in, in->tiers[i].mm_rate, in->tiers[i].mm_amount, basis,
                                 in->fee_rate, in->size_mm);
            if (!(P > 0))
                continue;
            any = 1;
            double m = measure_at(in, P), lo = in->tiers[i].floor;
            double hi = i + 1 < in->n_tiers ? in->tiers[i + 1].floor : INFINITY;
            double sl = 1e-12 * (m > 1 ? m : 1);
            if (m >= lo - sl && m < hi + sl) {
                consistent = 1;
                r.price = P;
                r.tier = (int)i;
                k = in->tiers[i].mm_rate;
                cum = in->tiers[i].mm_amount;
            }
        }
        if (any && !consistent)
            return MGN_ENOSOL;
    }
    r.found = r.price > 0;
    if (r.found)
        r.mm = mm_at(in, k, cum, r.price);
    mgn_liq_input z = *in;
    z.other = in->other;
    r.bankruptcy = solve_one(&z, 0, 0, MGN_STD_TIER_QUOTE, 0, 0);
    if (!isfinite(r.mm))
        return MGN_ERANGE;
    *out = r;
    return MGN_OK;
}

/*---------------------------------------------------------------- root search */

int mgn_liq_search_init(mgn_liq_search *s)
{
    if (!s)
        return MGN_EINVAL;
    memset(s, 0, sizeof *s);
    s->struct_size = sizeof *s;
    s->grid = 4096;
    s->horizon = 1.0 / 365;
    return MGN_OK;
}

#define BRENT_STATE 512

/* Bytes reserved for the state of GSL's Brent solver: BRENT_STATE, or more should a
   GSL version need more. */
static size_t brent_bytes(void)
{
    size_t s = gsl_root_fsolver_brent->size;
    return s > BRENT_STATE ? r64(s) : BRENT_STATE;
}

/* Workspace of the root search for n_pos <= MGN__ACCT_MAX_POS positions on
   n_mkt <= MGN__ACCT_MAX_MKT markets: no overflow (see MGN__ACCT_MAX_POS). */
static size_t liq_work_need(const mgn__acct_env *env, size_t n_mkt, size_t n_pos)
{
    size_t ev = mgn__acct_work_need(env, n_pos);
    size_t n2 = n_pos + 2;
    return r64(n_mkt * sizeof(mgn_market)) + r64(n2 * sizeof(mgn_position_result))
         + r64(n2 * sizeof(double)) + brent_bytes() + r64(ev);
}

static int shape_env(const mgn_account_params *params, size_t n_mkt, mgn__acct_env *env)
{
    size_t b;
    int st = mgn_account_work_size(params, n_mkt, 0, &b);
    if (st != MGN_OK)
        return st;
    memset(env, 0, sizeof *env);
    env->prm = params;
    env->n_mkt = n_mkt;
    env->fast = b == 0;
    return MGN_OK;
}

int mgn_liq_prices_work_size(const mgn_account_params *params, size_t n_mkt, size_t n_pos,
                             size_t *bytes)
{
    mgn__acct_env env;
    if (!bytes)
        return MGN_EINVAL;
    if (n_pos > INT_MAX - 2 || n_pos > MGN__ACCT_MAX_POS)
        return MGN_ERANGE;
    int st = shape_env(params, n_mkt, &env);
    if (st != MGN_OK)
        return st;
    *bytes = liq_work_need(&env, n_mkt, n_pos);
    return MGN_OK;
}

typedef struct {
    const mgn__acct_env *env;
    const mgn_market *mkt0;
    mgn_market *mk;
    const mgn_account *a;
    const mgn_position *extra;
    double extra_iso, extra_eq;
    const double *betas;
    int u;
    mgn_position_result *pp;
    void *ev;
    size_t ev_size;
    int err;
} gctx;

/* g at S; MGN_EDOM-like 1 when the joint move leaves some price <= 0 (no value). */
static int gval(gctx *c, double S, double *g, int *outside)
{
    size_t n_mkt = c->env->n_mkt;
    double S0 = c->mkt0[c->u].spot;
    *outside = 0;
    for (size_t v = 0; v < n_mkt; v++) {
        c->mk[v] = c->mkt0[v];
        if ((int)v == c->u) {
            c->mk[v].spot = S;
        } else if (c->betas && c->betas[v] != 0) {
            double sv = c->mkt0[v].spot * (1 + c->betas[v] * (S / S0 - 1));
            if (!(sv > 0) || !isfinite(sv)) {
                *outside = 1;
                return MGN_OK;
            }
            c->mk[v].spot = sv;
        }
    }
    mgn_account_result r;
    int iso = c->env->prm->mode == MGN_MODE_ISOLATED;
    int st = mgn__acct_eval(c->env, c->mk, c->a, c->extra, c->extra_iso, c->extra_eq, NULL, 0,
                            INFINITY, c->ev, c->ev_size, &r, iso ? c->pp : NULL);
    if (st != MGN_OK)
        return st;
    double v = r.equity - r.mm;
    if (iso) {
        /* The smallest e_i - MM_i over the positions that can be called (an MM, or
           e_i < 0): a position without MM and with e_i >= 0 (a long option on its own
           collateral) never reaches its MM, and its e_i - MM_i, the option's value,
           is no distance to a call (at 0, a worthless option, it hid every other
           crossing). With none of them, the smallest over all positions with a
           quantity; the two agree where a position's e_i crosses 0. */
        size_t n = c->a->n_pos + (c->extra != NULL);
        double v_call = 0, v_all = 0;
        int any_call = 0, any = 0;
        for (size_t i = 0; i < n; i++) {
            const mgn_position *p = i < c->a->n_pos ? &c->a->pos[i] : c->extra;
            if (p->quantity == 0)
                continue;
            double d = c->pp[i].equity - c->pp[i].mm;
            if (!any || d < v_all) v_all = d;
            any = 1;
            if (c->pp[i].mm == 0 && c->pp[i].equity >= 0)
                continue;
            if (!any_call || d < v_call) v_call = d;
            any_call = 1;
        }
        if (any)
            v = any_call ? v_call : v_all;
    }
    /* finite after a successful evaluation: e >= mm gives 0 <= e - mm <= e, and e < mm
       <= im opens a call of im - e, finite, with mm - e <= im - e; kept as a guard */
    *g = v;
    return isfinite(v) ? MGN_OK : MGN_ERANGE;
}

/* Called only while c->err is MGN_OK: brent stops at the first failure, and the
   bracket's ends passed to gsl_root_fsolver_set were evaluated before without one. */
static double gsl_g(double S, void *vp)
{
    gctx *c = (gctx *)vp;
    double g;
    int out;
    int st = gval(c, S, &g, &out);
    if (st != MGN_OK || out) {
        c->err = st != MGN_OK ? st : MGN_ENOCONV;
        return 0.0;
    }
    return g;
}

static void shell_sort(double *v, size_t n)
{
    static const size_t gaps[] = { 701, 301, 132, 57, 23, 10, 4, 1 };
    for (size_t gi = 0; gi < sizeof gaps / sizeof gaps[0]; gi++) {
        size_t gap = gaps[gi];
        for (size_t i = gap; i < n; i++) {
            double t = v[i];
            size_t j = i;
            for (; j >= gap && v[j - gap] > t; j -= gap)
                v[j] = v[j - gap];
            v[j] = t;
        }
    }
}

static int brent(gctx *c, double lo, double hi, void *state, double *root)
{
    const gsl_root_fsolver_type *T = gsl_root_fsolver_brent;   /* state: brent_bytes() */
    gsl_function F;
    F.function = gsl_g;
    F.params = c;
    gsl_root_fsolver s;
    s.type = T;
    s.state = state;
    s.function = NULL;
    s.root = 0;
    s.x_lower = lo;
    s.x_upper = hi;
    gsl_root_fsolver_set(&s, &F, lo, hi);   /* bracket verified by the caller */
    int it;
    for (it = 0; it < 200 && c->err == MGN_OK; it++) {
        gsl_root_fsolver_iterate(&s);
        double a = gsl_root_fsolver_x_lower(&s), b = gsl_root_fsolver_x_upper(&s);
        if (gsl_root_test_interval(a, b, 0, 4 * DBL_EPSILON) == GSL_SUCCESS)
            break;
    }
    if (c->err != MGN_OK)
        return c->err;
    if (it == 200)
        return MGN_ENOCONV;
    *root = gsl_root_fsolver_root(&s);
    return MGN_OK;
}

/* The edge of {g < 0} between safe (g >= 0) and neg (g < 0), by bisection to the last
   bits: its safe-side end. Where g is 0 over a stretch (a position at exactly its MM
   there) the stretch's end is no sign change for Brent's method. */
static int edge_of_call(gctx *c, double safe, double neg, double *edge)
{
    for (int it = 0; it < 200; it++) {
        /* geometric halves while the ends are far apart, then arithmetic ones: a
           bracket from 1e-300 to 1e300 ends in about 62 steps */
        double ratio = safe > neg ? safe / neg : neg / safe;
        /* (safe + neg) / 2 overflows for ends above DBL_MAX / 2: halved difference */
        double mid = ratio > 2 ? sqrt(safe) * sqrt(neg) : safe + 0.5 * (neg - safe), g;
        int outside;
        if (!(mid != safe && mid != neg) || fabs(neg - safe) <= 4 * DBL_EPSILON * fabs(safe)) {
            *edge = safe;
            return MGN_OK;
        }
        int st = gval(c, mid, &g, &outside);
        if (st != MGN_OK)
            return st;
        /* (no point between two inside the search is outside it: the prices a beta
           excludes form one end of the range) */
        if (outside || g < 0)
            neg = mid;
        else
            safe = mid;
    }
    return MGN_ENOCONV;
}

static int search_core(const mgn__acct_env *env, const mgn_market *mkt, const mgn_account *a,
                       const mgn_position *extra, double extra_iso, double extra_eq,
                       const mgn_liq_search *s, void *work, size_t work_size, double *roots,
                       size_t max_roots, mgn_liq_price_result *out)
{
    size_t n_mkt = env->n_mkt, need;
    size_t n_own = a->n_pos, n_pos = n_own + (extra != NULL);
    int st;
    need = liq_work_need(env, n_mkt, n_own);
    if ((st = mgn__check_work(work, work_size, need)) != MGN_OK)
        return st;
    char *w = (char *)work;
    gctx c;
    c.env = env;
    c.mkt0 = mkt;
    c.mk = (mgn_market *)w;
    w += r64(n_mkt * sizeof(mgn_market));
    c.pp = (mgn_position_result *)w;
    w += r64((a->n_pos + 2) * sizeof(mgn_position_result));
    double *strikes = take_doubles(&w, a->n_pos + 2);
    void *state = w;
    w += brent_bytes();
    c.ev = w;
    c.ev_size = work_size - (size_t)(w - (char *)work);
    c.a = a;
    c.extra = extra;
    c.extra_iso = extra_iso;
    c.extra_eq = extra_eq;
    c.betas = s->betas;
    c.u = s->underlying;
    c.err = MGN_OK;

    double S0 = mkt[c.u].spot;
    double lo = s->lo > 0 ? s->lo : 0.1 * S0, hi = s->hi > 0 ? s->hi : 10 * S0;
    /* the defaults of an extreme spot can underflow to 0 or overflow */
    if (!(lo > 0 && hi > lo && isfinite(hi)))
        return MGN_EINVAL;
    /* kinks: strikes of options on u (or mapped through a beta) inside (lo, hi) */
    size_t ns = 0;
    for (size_t i = 0; i < n_pos; i++) {
        const mgn_position *p = extra && i == n_own ? extra : &a->pos[i];   /* extra last */
        if (p->instrument != MGN_OPTION)
            continue;
        double x;
        if (p->underlying == c.u)
            x = p->strike;
        else if (s->betas && s->betas[p->underlying] != 0)
            x = S0 * (1 + (p->strike / mkt[p->underlying].spot - 1) / s->betas[p->underlying]);
        else
            continue;
        if (x > lo && x < hi)
            strikes[ns++] = x;
    }
    shell_sort(strikes, ns);

    mgn_liq_price_result r;
    memset(&r, 0, sizeof r);
    r.spot = S0;
    int outside;
    if ((st = gval(&c, S0, &r.gap, &outside)) != MGN_OK)
        return st;
    size_t N = s->grid, js = 0, nr = 0;
    double ratio = (log(hi) - log(lo)) / (double)(N - 1);   /* hi / lo may overflow */
    double xp = 0, gp = 0;
    int havep = 0, zero_prev = 0;
    double best_below = 0, best_above = 0, last_root = 0;
    int hb = 0, ha = 0;
    for (size_t i = 0; i < N || js < ns;) {
        double x;
        double xg = i + 1 == N ? hi : i == 0 ? lo : fmin(lo * exp(ratio * (double)i), hi);
        if (i < N && (js >= ns || xg <= strikes[js])) {
            x = xg;
            i++;
            if (js < ns && strikes[js] == x)
                js++;
        } else {
            x = strikes[js++];
        }
        if (havep && x <= xp)
            continue;
        double g;
        if ((st = gval(&c, x, &g, &outside)) != MGN_OK)
            return st;
        if (outside) {
            havep = 0;
            continue;
        }
        double root = 0;
        int found = 0;
        if (g == 0) {
            if (havep && gp < 0) {          /* from below the MM onto it */
                if ((st = edge_of_call(&c, x, xp, &root)) != MGN_OK)
                    return st;
                found = 1;
            } else if (!zero_prev && (havep ? gp != 0 : 1)) {
                root = x;
                found = 1;
            }
            zero_prev = 1;
        } else {
            if (havep && ((gp < 0 && g > 0) || (gp > 0 && g < 0))) {
                if ((st = brent(&c, xp, x, state, &root)) != MGN_OK)
                    return st;
                found = 1;
            } else if (havep && gp == 0 && g < 0) {   /* from the MM to below it */
                if ((st = edge_of_call(&c, xp, x, &root)) != MGN_OK)
                    return st;
                found = !(nr > 0 && root == last_root);   /* a single zero: reported */
            }
            zero_prev = 0;
        }
        if (found) {
            last_root = root;
            if (roots && nr < max_roots)
                roots[nr] = root;
            nr++;
            if (root <= S0) {
                if (!hb || root > best_below) best_below = root;
                hb = 1;
            }
            if (root >= S0 && !ha) {
                best_above = root;
                ha = 1;
            }
        }
        xp = x;
        gp = g;
        havep = 1;
    }
    r.n_roots = nr;
    r.has_below = hb;
    r.has_above = ha;
    r.below = best_below;
    r.above = best_above;
    double sd = s->vol * sqrt(s->horizon);
    if (hb) {
        r.below_pct = cap_max(100 * fabs(best_below / S0 - 1));
        r.below_sd = sd > 0 ? cap_max(fabs(log(best_below / S0)) / sd) : 0;
    }
    if (ha) {
        r.above_pct = cap_max(100 * fabs(best_above / S0 - 1));
        r.above_sd = sd > 0 ? cap_max(fabs(log(best_above / S0)) / sd) : 0;
    }
    *out = r;
    return MGN_OK;
}

static int search_ok(const mgn_liq_search *s, size_t n_mkt)
{
    if (!s || s->struct_size != sizeof(mgn_liq_search) || s->reserved != 0)
        return 0;
    if (s->underlying < 0 || (size_t)s->underlying >= n_mkt)
        return 0;
    if (!fin_nonneg(s->lo) || !fin_nonneg(s->hi) || !fin_nonneg(s->vol)
        || !fin_nonneg(s->horizon) || s->grid < 2 || s->grid > 10000000)
        return 0;
    if (s->betas)
        for (size_t v = 0; v < n_mkt; v++)
            if (!isfinite(s->betas[v]))
                return 0;
    return 1;
}

int mgn_liq_prices(const mgn_market *mkt, size_t n_mkt, const mgn_account *acct,
                   const mgn_account_params *params, const mgn_liq_search *search, void *work,
                   size_t work_size, double *roots, size_t max_roots, mgn_liq_price_result *out)
{
    mgn__acct_env env;
    int st;
    if (!out || !acct || (max_roots > 0 && !roots))
        return MGN_EINVAL;
    if ((st = mgn__acct_env_init(&env, mkt, n_mkt, params)) != MGN_OK)
        return st;
    if ((st = mgn__acct_check(acct, n_mkt)) != MGN_OK)
        return st;
    if (!search_ok(search, n_mkt))
        return MGN_EINVAL;
    return search_core(&env, mkt, acct, NULL, 0, 0, search, work, work_size, roots, max_roots,
                       out);
}

int mgn_whatif_liq_prices(const mgn_market *mkt, size_t n_mkt, const mgn_account *acct,
                          const mgn_account_params *params, const mgn_position *order,
                          double order_collateral, const mgn_liq_search *search, void *work,
                          size_t work_size, double *roots, size_t max_roots,
                          mgn_liq_price_result *out)
{
    mgn__acct_env env;
    int st;
    if (!out || !acct || !order || (max_roots > 0 && !roots))
        return MGN_EINVAL;
    if ((st = mgn__acct_env_init(&env, mkt, n_mkt, params)) != MGN_OK)
        return st;
    if ((st = mgn__acct_check(acct, n_mkt)) != MGN_OK)
        return st;
    if (mgn__order_check(order, n_mkt) != MGN_OK || !search_ok(search, n_mkt)
        || !(isfinite(order_collateral) && order_collateral >= 0))
        return MGN_EINVAL;
    /* the equity adjustment is fixed at today's prices (the fill happens today) */
    double adj;
    if ((st = mgn__order_adjust(mkt, order, acct->currency, &adj)) != MGN_OK)
        return st;
    return search_core(&env, mkt, acct, order, order_collateral, adj, search, work, work_size,
                       roots, max_roots, out);
}

/*---------------------------------------------------------------- partial liquidation */

int mgn_liq_params_init(mgn_liq_params *p)
{
    if (!p)
        return MGN_EINVAL;
    memset(p, 0, sizeof *p);
    p->struct_size = sizeof *p;
    p->order = MGN_LIQ_LARGEST_MM;
    p->target = MGN_LIQ_TARGET_MM;
    p->buffer = 0.1;
    p->penalty_rate = 0.0075;
    p->close_factor = 0.5;
    return MGN_OK;
}

/* Workspace of the partial liquidation for n_pos <= MGN__ACCT_MAX_POS positions: no
   overflow (see MGN__ACCT_MAX_POS). */
static size_t pw_need(const mgn__acct_env *env, size_t n_pos)
{
    size_t ev = mgn__acct_work_need(env, n_pos);
    size_t n1 = n_pos + 1;
    return 2 * r64(n1 * sizeof(mgn_position_result)) + 6 * r64(n1 * sizeof(double))
         + r64(n1 * sizeof(size_t)) + r64(ev);
}

int mgn_liq_partial_work_size(const mgn_account_params *params, size_t n_mkt, size_t n_pos,
                              size_t *bytes)
{
    mgn__acct_env env;
    if (!bytes)
        return MGN_EINVAL;
    if (n_pos > INT_MAX - 2 || n_pos > MGN__ACCT_MAX_POS)
        return MGN_ERANGE;
    int st = shape_env(params, n_mkt, &env);
    if (st != MGN_OK)
        return st;
    *bytes = pw_need(&env, n_pos);
    return MGN_OK;
}

typedef struct {
    const mgn__acct_env *env;
    const mgn_market *mkt;
    const mgn_account *a;
    const mgn_liq_params *lp;
    double *keep, *v0, *npc, *iso, *pen;
    mgn_position_result *pp;
    void *ev;
    size_t ev_size;
} pctx;

/* Account after closing (1 - keep[i]) of every position at the mark. */
static int closed_state(pctx *c, mgn_account_result *r, double *pen_total, int *restored)
{
    const mgn_account *a = c->a;
    int iso = c->env->prm->mode == MGN_MODE_ISOLATED;
    double cash = 0, pt = 0;
    for (size_t i = 0; i < a->n_pos; i++) {
        double f = 1 - c->keep[i];
        /* penalty_rate * notional, the notional first: rate * |q| would underflow for
           a subnormal quantity whose notional is a normal number */
        double pen = c->lp->penalty_rate * (fabs(f * a->pos[i].quantity) * c->npc[i]);
        double realised = f * c->v0[i];
        c->pen[i] = pen;
        pt += pen;
        cash += realised - pen;
        if (iso)
            c->iso[i] = (a->isolated ? a->isolated[i] : 0.0) + realised - pen;
    }
    mgn_account ac = *a;
    if (iso)
        ac.isolated = c->iso;
    int st = mgn__acct_eval(c->env, c->mkt, &ac, NULL, 0, iso ? 0.0 : cash, c->keep, 0, INFINITY,
                            c->ev, c->ev_size, r, c->pp);
    if (st != MGN_OK)
        return st;
    double b = c->lp->buffer;
    int tgt_im = c->lp->target == MGN_LIQ_TARGET_IM;
    int ok = 1;
    if (iso) {
        for (size_t i = 0; i < a->n_pos; i++) {
            double e = c->pp[i].equity, T = tgt_im ? c->pp[i].im : c->pp[i].mm * (1 + b);
            if (!(e >= T && e >= 0))
                ok = 0;
        }
        if (r->collateral < 0)
            ok = 0;
    } else {
        double T = tgt_im ? r->im : r->mm * (1 + b);
        ok = r->equity >= T && r->equity >= 0;
    }
    *restored = ok;
    *pen_total = pt;
    return MGN_OK;
}

/* Smallest fraction f in (0, cap] of the positions in set (all eligible when idx == SIZE_MAX,
   else only position idx) whose close restores the account; returns found. */
static int min_fraction(pctx *c, size_t idx, double cap, double *f_out, int *found)
{
    const mgn_account *a = c->a;
    mgn_account_result r;
    double pt;
    int ok;
    double base = 0;
#define SETF(f)                                                                   \
    do {                                                                          \
        if (idx == SIZE_MAX) {                                                    \
            for (size_t i_ = 0; i_ < a->n_pos; i_++)                              \
                if (a->pos[i_].quantity != 0) c->keep[i_] = 1 - (f);              \
        } else {                                                                  \
            c->keep[idx] = 1 - (f);                                               \
        }                                                                         \
    } while (0)
    *found = 0;
    double prev = base;
    for (int k = 1; k <= 64; k++) {
        double f = k == 64 ? cap : cap * k / 64.0;
        SETF(f);
        int st = closed_state(c, &r, &pt, &ok);
        if (st != MGN_OK)
            return st;
        if (ok) {
            double lo = prev, hi = f;
            for (int it = 0; it < 200 && hi - lo > 1e-15 * hi; it++) {
                double mid = 0.5 * (lo + hi);
                if (mid <= lo || mid >= hi)
                    break;
                SETF(mid);
                /* cannot fail: the states at prev (at 0: the state this scan started
                   from) and at f were evaluated, and every term is monotone or linear
                   in the fraction in between; a failure would count as not restored */
                int done = closed_state(c, &r, &pt, &ok) == MGN_OK;
                if (done && ok) hi = mid; else lo = mid;
            }
            SETF(hi);
            *f_out = hi;
            *found = 1;
            return MGN_OK;
        }
        prev = f;
    }
    SETF(cap);
    *f_out = cap;
#undef SETF
    return MGN_OK;
}

int mgn_liq_partial(const mgn_market *mkt, size_t n_mkt, const mgn_account *acct,
                    const mgn_account_params *params, const mgn_liq_params *lp,
                    const mgn_oracle_result *guard, void *work, size_t work_size,
                    mgn_liq_close *closes, mgn_liq_result *out)
{
    mgn__acct_env env;
    int st;
    if (!out || !acct || !lp)
        return MGN_EINVAL;
    if ((st = mgn__acct_env_init(&env, mkt, n_mkt, params)) != MGN_OK)
        return st;
    if ((st = mgn__acct_check(acct, n_mkt)) != MGN_OK)
        return st;
    if (lp->struct_size != sizeof(mgn_liq_params)
        || (lp->order != MGN_LIQ_PROPORTIONAL && lp->order != MGN_LIQ_LARGEST_MM
            && lp->order != MGN_LIQ_GIVEN)
        || (lp->target != MGN_LIQ_TARGET_MM && lp->target != MGN_LIQ_TARGET_IM)
        || !fin_nonneg(lp->buffer) || !rate_ok(lp->penalty_rate)
        || !(isfinite(lp->close_factor) && lp->close_factor > 0 && lp->close_factor <= 1))
        return MGN_EINVAL;
    size_t n = acct->n_pos;
    if (n > 0 && !closes)
        return MGN_EINVAL;
    if (lp->order == MGN_LIQ_GIVEN) {
        if (lp->n_priority > n || (lp->n_priority > 0 && !lp->priority))
            return MGN_EINVAL;
        for (size_t k = 0; k < lp->n_priority; k++) {
            int j = lp->priority[k];
            if (j < 0 || (size_t)j >= n)
                return MGN_EINVAL;
            for (size_t m = 0; m < k; m++)
                if (lp->priority[m] == j)
                    return MGN_EINVAL;
        }
    }
    if (guard && guard->verdict != MGN_ORACLE_OK)
        return MGN_ESTALE;
    if ((st = mgn__check_work(work, work_size, pw_need(&env, n))) != MGN_OK)
        return st;
    char *w = (char *)work;
    size_t n1 = n + 1;
    pctx c;
    c.env = &env;
    c.mkt = mkt;
    c.a = acct;
    c.lp = lp;
    c.pp = (mgn_position_result *)w;              w += r64(n1 * sizeof(mgn_position_result));
    mgn_position_result *pp0 = (mgn_position_result *)w; w += r64(n1 * sizeof(mgn_position_result));
    c.keep = take_doubles(&w, n1);
    c.v0 = take_doubles(&w, n1);
    c.npc = take_doubles(&w, n1);
    c.iso = take_doubles(&w, n1);
    c.pen = take_doubles(&w, n1);
    double *mark = take_doubles(&w, n1);
    size_t *ord = (size_t *)w;                    w += r64(n1 * sizeof(size_t));
    c.ev = w;
    c.ev_size = work_size - (size_t)(w - (char *)work);

    mgn_liq_result res;
    memset(&res, 0, sizeof res);
    if ((st = mgn__acct_eval(&env, mkt, acct, NULL, 0, 0, NULL, 0, INFINITY, c.ev, c.ev_size,
                             &res.before, pp0)) != MGN_OK)
        return st;
    for (size_t i = 0; i < n; i++) {
        c.keep[i] = 1;
        c.v0[i] = pp0[i].value;
        mgn__close_terms(mkt, &acct->pos[i], acct->currency, &mark[i], &c.npc[i]);
    }
    double pt;
    int ok;
    if ((st = closed_state(&c, &res.after, &pt, &ok)) != MGN_OK)
        return st;
    size_t n_ord = 0;
    if (!ok) {
        double cap = lp->close_factor, f;
        int found = 0;
        if (lp->order == MGN_LIQ_PROPORTIONAL) {
            if ((st = min_fraction(&c, SIZE_MAX, cap, &f, &found)) != MGN_OK)
                return st;
        } else {
            if (lp->order == MGN_LIQ_GIVEN) {
                for (size_t k = 0; k < lp->n_priority; k++)
                    ord[n_ord++] = (size_t)lp->priority[k];
            } else {
                for (size_t i = 0; i < n; i++)
                    ord[n_ord++] = i;
                for (size_t i = 1; i < n_ord; i++) {   /* stable insertion by MM, descending */
                    size_t t = ord[i], j = i;
                    while (j > 0 && pp0[ord[j - 1]].mm < pp0[t].mm) {
                        ord[j] = ord[j - 1];
                        j--;
                    }
                    ord[j] = t;
                }
            }
            for (size_t k = 0; k < n_ord && !found; k++) {
                if (acct->pos[ord[k]].quantity == 0)
                    continue;
                if ((st = min_fraction(&c, ord[k], cap, &f, &found)) != MGN_OK)
                    return st;
            }
        }
        if (!found) {
            for (size_t i = 0; i < n; i++)
                c.keep[i] = 0;
            res.full = 1;
        }
        if ((st = closed_state(&c, &res.after, &pt, &ok)) != MGN_OK)
            return st;
    }
    res.restored = ok;
    res.penalty = pt;
    /* closes, in processing order (index order for proportional and full); the first
       pass only adds up the notional, so that one that overflows leaves closes[] as
       it was */
    size_t nc = 0;
    for (int write = 0; write < 2; write++) {
        nc = 0;
        res.notional = 0;
        for (size_t k = 0; k < n; k++) {
            size_t i = (lp->order != MGN_LIQ_PROPORTIONAL && !res.full && k < n_ord) ? ord[k] : k;
            if ((lp->order != MGN_LIQ_PROPORTIONAL && !res.full) && k >= n_ord)
                break;
            if (c.keep[i] >= 1 || acct->pos[i].quantity == 0)
                continue;
            mgn_liq_close cl;
            cl.position = i;
            cl.fraction = 1 - c.keep[i];
            if (!res.full && cl.fraction > lp->close_factor)
                cl.fraction = lp->close_factor;   /* 1 - (1 - f) may round above f */
            cl.quantity = cl.fraction * acct->pos[i].quantity;
            cl.price = mark[i];
            cl.notional = fabs(cl.quantity) * c.npc[i];
            cl.penalty = c.pen[i];
            res.notional += cl.notional;
            if (write)
                closes[nc] = cl;
            nc++;
        }
        if (!isfinite(res.notional))
            return MGN_ERANGE;            /* finite closes whose notional overflows */
    }
    res.n_closes = nc;
    *out = res;
    return MGN_OK;
}

/*---------------------------------------------------------------- economics */

int mgn_liq_economics(const mgn_market *mkt, size_t n_mkt, const mgn_account *acct,
                      const mgn_liq_close *closes, size_t n_closes, double close_factor,
                      double bonus, double gas_cost, double *reward, int *unprofitable,
                      size_t *n_unprofitable, double *unprofitable_notional)
{
    if (!n_unprofitable || !unprofitable_notional || !rate_ok(bonus) || !fin_nonneg(gas_cost))
        return MGN_EINVAL;
    if (!closes) {
        int st;
        if (!acct || !(isfinite(close_factor) && close_factor > 0 && close_factor <= 1))
            return MGN_EINVAL;
        if (!mkt)
            return MGN_EINVAL;
        if (n_mkt == 0 || n_mkt > INT_MAX)
            return MGN_ERANGE;
        if ((st = mgn__check_markets(mkt, n_mkt)) != MGN_OK)
            return st;
        if ((st = mgn__acct_check(acct, n_mkt)) != MGN_OK)
            return st;
    } else {
        for (size_t i = 0; i < n_closes; i++)
            if (!fin_nonneg(closes[i].notional))
                return MGN_EINVAL;
    }
    size_t n = closes ? n_closes : acct->n_pos, bad = 0;
    double bad_n = 0;
    /* two passes: the first checks that every figure is finite (a huge position's
       notional overflows), the second writes, so a failure leaves every output as it was */
    for (int write = 0; write < 2; write++) {
        for (size_t i = 0; i < n; i++) {
            double notional;
            if (closes) {
                notional = closes[i].notional;
            } else {
                double mark, npc;
                mgn__close_terms(mkt, &acct->pos[i], acct->currency, &mark, &npc);
                notional = fabs(acct->pos[i].quantity) * close_factor * npc;
            }
            double rw = bonus * notional;
            int u = notional > 0 && rw < gas_cost;
            if (!write) {
                if (!isfinite(notional) || !isfinite(rw))
                    return MGN_ERANGE;
                if (u) {
                    bad++;
                    bad_n += notional;
                }
                continue;
            }
            if (reward) reward[i] = rw;
            if (unprofitable) unprofitable[i] = u;
        }
        if (!isfinite(bad_n))
            return MGN_ERANGE;
        if (!reward && !unprofitable)
            break;
    }
    *n_unprofitable = bad;
    *unprofitable_notional = bad_n;
    return MGN_OK;
}
