/* Tests of lib/american.c: mgn_american_price.
 *
 * Independent references:
 *   - tests/data/american_ref.csv (tests/data/gen_american_reference.cpp has the exact
 *     commands): 400 random options priced by QuantLib 1.29's QdFpAmericanEngine with a
 *     tanh-sinh scheme far finer than its highPrecisionScheme (m = 24, n = 150,
 *     eps = 1e-12; checked against m = 30, n = 200), and the double-boundary regime
 *     (q < r < 0 for a put, r < q < 0 for a call), which QuantLib 1.29 refuses, priced
 *     by a fine Crank-Nicolson finite-difference solver with an exact complementarity
 *     step and Richardson extrapolation (calls as calls, not through the symmetry);
 *     more finite-difference rows in the single-boundary regimes show that solver
 *     agrees with QuantLib; then the same QuantLib engine on long-dated options with
 *     high rates, on small volatilities where the forward falls through the exercise
 *     boundary during the life, and on the options of scans that an earlier scheme
 *     choice and single price quadrature missed;
 *   - tests/data/american_published.csv: the early-exercise premiums of Andersen, Lake
 *     and Offengenden (2016, Table 2) and exact sigma = 0 and European-regime values;
 *   - a second finite-difference solver written here (coarser, different grid and
 *     boundary treatment) on random options of every regime, run at test time;
 *   - a third one, Crank-Nicolson with Brennan-Schwartz sweeps and the exercise
 *     boundary placed inside its cell, good to 3e-7 (measured on the file above), on
 *     random options of the whole documented domain (test_fd_random, a scan test);
 *   - identities and invariants: American >= European and >= intrinsic, the
 *     McDonald-Schroder symmetry, scale invariance, the regimes where early exercise is
 *     never optimal equal to mgn_bs_price exactly, monotonicity in S, T and sigma, the
 *     T = 0 and sigma = 0 limits;
 *   - the static tables of the library against GSL, libm and long double.
 * Every argument is also tried with bad input (output untouched).
 */
#include <float.h>
#include <stdlib.h>
#include <gsl/gsl_integration.h>
#include "test_util.h"
#include "american.h"

/* Accuracy contract tested (header): |error| <= 1e-6 |reference| + 1e-8 K. */
#define REL_TOL 1e-6
#define ABS_TOL_K 1e-8

static int opt_type(char c) { return c == 'C' ? MGN_CALL : MGN_PUT; }

/*---------------------------------------------------------------- stored references */

static void test_reference_file(void **state)
{
    (void)state;
    FILE *f = fopen("tests/data/american_ref.csv", "r");
    assert_non_null(f);
    char line[1024];
    int n = 0, nfd = 0;
    double worst = 0, worst_abs = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        char t, method[128];
        double S, K, T, r, q, sig, ref, unc;
        int m = sscanf(line, "%c,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%127s", &t, &S, &K, &T, &r, &q,
                       &sig, &ref, &unc, method);
        assert_int_equal(m, 10);
        double v = -1;
        assert_int_equal(mgn_american_price(opt_type(t), S, K, T, r, q, sig, &v), MGN_OK);
        /* the finite-difference rows carry their own error estimate */
        double extra = strncmp(method, "fd", 2) == 0 ? unc : 0;
        nfd += extra > 0 || strncmp(method, "fd", 2) == 0;
        double err = fabs(v - ref);
        if (fabs(ref) > 1e-3 * K && err / fabs(ref) > worst)
            worst = err / fabs(ref);
        if (err / K > worst_abs)
            worst_abs = err / K;
        if (!(err <= REL_TOL * fabs(ref) + ABS_TOL_K * K + extra))
            print_error("%s", line);
        assert_close(v, ref, REL_TOL, ABS_TOL_K * K + extra);
        n++;
    }
    fclose(f);
    assert_true(n >= 634);
    assert_true(nfd >= 30);
    print_message("reference file: %d options (%d finite-difference), max relative error %.3g "
                  "(prices above 1e-3 K), max error %.3g K\n", n, nfd, worst, worst_abs);
}

static void test_published_values(void **state)
{
    (void)state;
    FILE *f = fopen("tests/data/american_published.csv", "r");
    assert_non_null(f);
    char line[1024];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        char kind[16], t;
        double S, K, T, r, q, sig, val, tol;
        int m = sscanf(line, "%15[^,],%c,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf", kind, &t, &S, &K, &T,
                       &r, &q, &sig, &val, &tol);
        assert_int_equal(m, 10);
        double a = -1, e = 0;
        assert_int_equal(mgn_american_price(opt_type(t), S, K, T, r, q, sig, &a), MGN_OK);
        if (strcmp(kind, "eep") == 0)
            assert_int_equal(mgn_bs_price(opt_type(t), S, K, T, r, q, sig, &e), MGN_OK);
        assert_close(a - e, val, 0, tol);
        n++;
    }
    fclose(f);
    assert_true(n >= 8);
}

/*---------------------------------------------------------------- FD cross-check */

/* A second, independent finite-difference pricer (the stored references come from the
   one in tests/data/gen_american_reference.cpp): theta-scheme in x = ln S on a uniform
   grid through ln S0, the payoff's kink smoothed by cell averaging, Rannacher start,
   projected SOR for the complementarity problem of each step (any number of exercise
   boundaries), Richardson extrapolation over two grids. */
static double fd_value(int call, double S0, double K, double T, double r, double q, double sig,
                       int nx, int nt)
{
    double x0 = log(S0), xk = log(K), sd = sig * sqrt(T);
    double lo = fmin(x0, xk) - 7 * sd - fabs(r - q) * T - 0.05;
    double hi = fmax(x0, xk) + 7 * sd + fabs(r - q) * T + 0.05;
    double h = (hi - lo) / nx;
    int below = (int)ceil((x0 - lo) / h), n = below + (int)ceil((hi - x0) / h) + 1;
    double *V = malloc(sizeof(double) * n), *g = malloc(sizeof(double) * n);
    double *rhs = malloc(sizeof(double) * n);
    assert_non_null(V); assert_non_null(g); assert_non_null(rhs);
    for (int i = 0; i < n; i++) {
        double x = x0 + (i - below) * h, a = x - 0.5 * h, b = x + 0.5 * h;
        g[i] = call ? fmax(exp(x) - K, 0) : fmax(K - exp(x), 0);
        /* cell average of the payoff */
        double u0 = call ? fmax(a, xk) : a, u1 = call ? b : fmin(b, xk);
        V[i] = u1 > u0 ? (call ? 1 : -1) * ((exp(u1) - exp(u0)) - K * (u1 - u0)) / h : 0;
    }
    double mu = r - q - 0.5 * sig * sig, s2 = 0.5 * sig * sig / (h * h), m1 = 0.5 * mu / h;
    double cl = s2 - m1, cd = -2 * s2 - r, cu = s2 + m1, dt = T / nt;
    /* the first interval as two fully implicit half steps (Rannacher), then nt - 1
       Crank-Nicolson steps */
    for (int k = 0; k < nt + 1; k++) {
        double th = k < 2 ? 1.0 : 0.5, step = k < 2 ? 0.5 * dt : dt;
        for (int i = 1; i < n - 1; i++)
            rhs[i] = V[i] + (1 - th) * step * (cl * V[i - 1] + cd * V[i] + cu * V[i + 1]);
        double A = -th * step * cl, B = 1 - th * step * cd, C = -th * step * cu;
        /* boundary rows: the payoff (deep in the money) or 0 */
        V[0] = call ? 0 : fmax(g[0], V[0]);
        V[n - 1] = call ? fmax(g[n - 1], V[n - 1]) : 0;
        for (int it = 0; it < 2000; it++) {   /* projected SOR */
            double change = 0;
            for (int i = 1; i < n - 1; i++) {
                double y = (rhs[i] - A * V[i - 1] - C * V[i + 1]) / B;
                double nv = fmax(g[i], V[i] + 1.5 * (y - V[i]));
                change = fmax(change, fabs(nv - V[i]));
                V[i] = nv;
            }
            if (change < 1e-13 * K)
                break;
        }
    }
    double v = V[below];
    free(V); free(g); free(rhs);
    return v;
}

static double fd_price(int call, double S, double K, double T, double r, double q, double sig)
{
    double a = fd_value(call, S, K, T, r, q, sig, 300, 150);
    double b = fd_value(call, S, K, T, r, q, sig, 600, 300);
    return (4 * b - a) / 3;
}

static void test_fd_cross_check(void **state)
{
    (void)state;
    mgn_test_rng g = { 20240611u };
    double worst = 0;
    for (int i = 0; i < 12; i++) {
        int call = i & 1;
        double S = 100, K = S * mgn_test_logrange(&g, 0.7, 1.4);
        double T = mgn_test_range(&g, 0.1, 2.0), sig = mgn_test_range(&g, 0.15, 0.6);
        double r = mgn_test_range(&g, -0.02, 0.12), q = mgn_test_range(&g, -0.05, 0.15);
        if (i % 4 == 3) {               /* the double-boundary regime */
            r = -mgn_test_range(&g, 0.001, 0.02);
            q = call ? r * mgn_test_range(&g, 0.1, 0.9) : r - mgn_test_range(&g, 0.005, 0.03);
        }
        double v = -1, ref = fd_price(call, S, K, T, r, q, sig);
        assert_int_equal(mgn_american_price(call ? MGN_CALL : MGN_PUT, S, K, T, r, q, sig, &v),
                         MGN_OK);
        double err = fabs(v - ref) / (fabs(ref) + 0.01 * K);
        worst = fmax(worst, err);
        assert_close(v, ref, 1e-4, 1e-5 * K);
    }
    print_message("in-test finite differences: max error %.3g of (price + 0.01 K)\n", worst);
}

/*---------------------------------------------------------------- random options vs FD */

/* The reference of test_fd_random: a third finite-difference pricer, accurate enough to
   hold the header's 1e-6 against (the cross-check above is good to about 1e-4).
   Puts only, K = 1; a call is the put of the McDonald-Schroder symmetry C(S, K, r, q) =
   P(K, S, q, r) (a theorem, tested on the library in test_bounds_and_symmetry): in
   x = ln S a call's value grows like e^x, and its Crank-Nicolson error, about
   h^2 sigma^2 T / 24 of the price, is 1.6e-3 at sigma^2 T = 10 on 1000 cells, where the
   put's is 6e-6.
   Crank-Nicolson in x = ln S on a uniform grid with the spot on a node, reaching 7
   standard deviations and the drift (r - q - sigma^2/2) T beyond it on either side, both
   ends held at max(European value, intrinsic value); time steps uniform in sqrt(tau)
   (tau = T (k/m)^2: the exercise boundary moves like sqrt(tau) near expiry); a Rannacher
   start (the first two steps as four implicit Euler half steps) and the payoff averaged
   over each cell, for the kink at the strike. Each step's complementarity problem is
   solved exactly by a Brennan-Schwartz sweep (M. J. Brennan and E. S. Schwartz, J.
   Finance 32, 1977: eliminate from the continuation side, then sweep from the exercise
   side taking max(intrinsic, continuation)), from both sides of a node inside the band
   where the exercise region is one (q < r < 0).
   A boundary kept on the nodes leaves an error of order h^2 whose factor jumps as the
   boundary crosses nodes, which Richardson extrapolation cannot remove (1e-5 of the
   price at 8000 cells with the spot near the boundary). So the boundary b is placed
   inside its cell: next to it u = V - g is A/2 (x - b)^2 + C (x - b)^3, A and C from the
   PDE u_tau = L u + L g at b, where u = u_x = 0 and so u_tau = 0: sigma^2/2 A = -Lg(b)
   and, the x derivative taken along b(tau), sigma^2/2 u_xxx = -A (b' + mu) - (Lg)_x(b).
   The first continuation node's stencil takes that extension as its exercised neighbour
   (a ghost value; at the old time level likewise), and b is where that node's value
   meets the extension. This starts once the boundary layer is resolved (sigma sqrt(tau)
   >= 2 h); before that the nodes' projection stands. The error is then regular,
   O(h^2 + dt^2), and Richardson extrapolation over (N, M) and (2N, 2M) removes its
   leading term: see test_fd_random for the accuracy reached. */
typedef struct {
    int il, n;                  /* node i at x0 + (i - il) h, the spot at il */
    double x0, h, r, q, sig, mu;
    double *V, *g, *rhs, *P, *Q, *Pl, *Ql;
} fdr_grid;

enum { FDR_NONE, FDR_SINGLE, FDR_DOUBLE };   /* exercise regimes of a put (header) */

/* The European put, K = 1, in long double. */
static double fdr_european(double s, double tau, double r, double q, double sig)
{
    if (tau <= 0)
        return fmax(1 - s, 0);
    long double v = sig * sqrtl(tau), d1 = (logl(s) + (r - q) * (long double)tau) / v + v / 2;
    long double rt = sqrtl(0.5L);
    return (double)(expl(-(long double)r * tau) * erfcl((d1 - v) * rt) / 2
                    - s * expl(-(long double)q * tau) * erfcl(d1 * rt) / 2);
}

/* u = V - g at node i by the model of a boundary at index position p moving at pdot
   index units a year (see above): Lg = q e^x - r for the put. */
static double fdr_model(const fdr_grid *G, double p, double pdot, int i)
{
    double e = exp(G->x0 + (p - G->il) * G->h), s2 = G->sig * G->sig;
    double A = -2 * (G->q * e - G->r) / s2;
    double C = -(A * (pdot * G->h + G->mu) + G->q * e) / (3 * s2);
    double d = (i - p) * G->h;
    return d * d * (0.5 * A + C * d);
}

/* Mismatch at the continuation node next to a boundary tried at p = j + t (t in [0, 1]):
   the upper boundary (continuation above, the ghost at j, the elimination V_i = P_i +
   Q_i V_{i-1}) or the lower one (continuation below, the ghost at j + 1, V_i = Pl_i +
   Ql_i V_{i+1}). Positive when p lies inside the exercise region. */
static double fdr_mismatch(const fdr_grid *G, int upper, int j, double t, double p_old,
                           double dt)
{
    double p = j + t, pdot = (p - p_old) / dt;
    int c = upper ? j + 1 : j, e = upper ? j : j + 1;
    const double *P = upper ? G->P : G->Pl, *Q = upper ? G->Q : G->Ql;
    double ghost = G->g[e] + fdr_model(G, p, pdot, e);
    return G->g[c] + fdr_model(G, p, pdot, c) - P[c] - Q[c] * ghost;
}

/* The boundary's position: from cell j walk toward the root of the mismatch (cells
   jmin..jmax) and bisect it; where the sign flips between two cells without a root in
   either (the mismatch is a different node's from cell to cell), their shared node.
   0 if the walk leaves the range. */
static int fdr_boundary(const fdr_grid *G, int upper, double p_old, double dt, int j, int jmin,
                        int jmax, double *p)
{
    int to_cont = upper ? 1 : -1, last = 0;
    for (int moves = 0; moves <= jmax - jmin + 1 && j >= jmin && j <= jmax; moves++) {
        double f0 = fdr_mismatch(G, upper, j, 0, p_old, dt);
        double f1 = fdr_mismatch(G, upper, j, 1, p_old, dt);
        if ((f0 > 0) != (f1 > 0)) {
            double lo = 0, hi = 1;
            for (int it = 0; it < 44; it++) {
                double t = 0.5 * (lo + hi);
                if ((fdr_mismatch(G, upper, j, t, p_old, dt) > 0) == (f0 > 0))
                    lo = t;
                else
                    hi = t;
            }
            *p = j + 0.5 * (lo + hi);
            return 1;
        }
        int step = f0 > 0 ? to_cont : -to_cont;
        if (last && step != last) {
            *p = step > 0 ? j + 1 : j;
            return 1;
        }
        last = step;
        j += step;
    }
    return 0;
}

/* Whether node j stays exercised after the step: its continuation value, with the
   neighbours as the sweeps from j find them, at most the intrinsic value. */
static int fdr_exercised(const fdr_grid *G, int j, double A, double B, double C)
{
    const double *g = G->g, *V = G->V;
    if (j == 0 || j == G->n)
        return V[j] <= g[j];
    double left = j == 1 ? V[0] : fmax(g[j - 1], G->Pl[j - 1] + G->Ql[j - 1] * g[j]);
    double right = j == G->n - 1 ? V[j + 1] : fmax(g[j + 1], G->P[j + 1] + G->Q[j + 1] * g[j]);
    return (G->rhs[j] - A * left - C * right) / B <= g[j];
}

/* One put price on nl + nr cells of h around the spot s, m time steps. */
static double fdr_value(double s, double T, double r, double q, double sig, int nl, int nr,
                        double h, int m, double *buf)
{
    const int n = nl + nr;
    fdr_grid G = { nl, n, log(s), h, r, q, sig, r - q - 0.5 * sig * sig, buf, buf + (n + 1),
                   buf + 2 * (n + 1), buf + 3 * (n + 1), buf + 4 * (n + 1), buf + 5 * (n + 1),
                   buf + 6 * (n + 1) };
    double *V = G.V, *g = G.g, *rhs = G.rhs, *P = G.P, *Q = G.Q, *Pl = G.Pl, *Ql = G.Ql;
    for (int i = 0; i <= n; i++) {
        double x = G.x0 + (i - nl) * h, hi = fmin(x + 0.5 * h, 0);
        g[i] = 1 - exp(x);
        /* the payoff's cell average: the integral of (1 - e^x)_+ over the cell / h */
        V[i] = hi > x - 0.5 * h ? (hi - (x - 0.5 * h) - exp(hi) + exp(x - 0.5 * h)) / h : 0;
    }
    V[0] = fmax(g[0], 0);
    V[n] = fmax(g[n], 0);
    /* the regime and, for the double boundary, the band r/q < S < 1 at expiry */
    int regime = r < 0 && q < r ? FDR_DOUBLE : r <= 0 && q >= r ? FDR_NONE : FDR_SINGLE;
    int jlo = 0, jhi = -1;              /* the exercised nodes lie in jlo..jhi */
    if (regime == FDR_DOUBLE) {
        jlo = (int)ceil(fmax(nl + (log(r / q) - G.x0) / h, 0));
        jhi = (int)floor(fmin(nl - G.x0 / h, n));
    }
    /* the boundaries inside their cells: positions (index units) and speeds */
    int ghost_lo = 0, ghost_hi = 0;
    double p_lo = jlo - 0.5, p_hi = jhi + 0.5, v_lo = 0, v_hi = 0;
    const double s2h2 = sig * sig / (h * h), mh = G.mu / h;
    const double al = 0.5 * s2h2 - 0.5 * mh, be = -s2h2 - r, ga = 0.5 * s2h2 + 0.5 * mh;
    for (int k = 0; k < m + 2; k++) {
        double t0, t1, th = 0.5;
        if (k < 4) {                     /* intervals 0 and 1 in implicit Euler halves */
            double a = T * (k / 2) * (k / 2) / ((double)m * m);
            double b = T * (k / 2 + 1) * (k / 2 + 1) / ((double)m * m);
            t0 = a + 0.5 * (k % 2) * (b - a);
            t1 = t0 + 0.5 * (b - a);
            th = 1;
        } else {
            t0 = T * (double)(k - 2) * (k - 2) / ((double)m * m);
            t1 = T * (double)(k - 1) * (k - 1) / ((double)m * m);
        }
        const double dt = t1 - t0, ex = (1 - th) * dt;
        for (int i = 1; i < n; i++)
            rhs[i] = V[i] + ex * (al * V[i - 1] + be * V[i] + ga * V[i + 1]);
        /* next to a boundary, the old level as the smooth extension of the continuation
           value, on the nodes that may be continuation nodes after this step */
        for (int up = 0; up < 2; up++) {
            if (!(up ? ghost_hi : ghost_lo))
                continue;
            double p = up ? p_hi : p_lo, v = up ? v_hi : v_lo;
            int c0 = up ? (int)floor(p) : (int)ceil(p) - 1;
            for (int i = c0; i <= c0 + 1; i++) {
                if (i < 1 || i > n - 1 || (up && ghost_lo && i < p_lo)
                    || (!up && ghost_hi && i > p_hi))
                    continue;
                double w[3];
                for (int d = 0; d < 3; d++) {
                    int j = i + d - 1;
                    w[d] = (up ? j <= p : j >= p) ? g[j] + fdr_model(&G, p, v, j) : V[j];
                }
                rhs[i] = w[1] + ex * (al * w[0] + be * w[1] + ga * w[2]);
            }
        }
        const double A = -th * dt * al, B = 1 - th * dt * be, C = -th * dt * ga;
        V[0] = fmax(g[0], fdr_european(exp(G.x0 - nl * h), t1, r, q, sig));
        V[n] = fmax(g[n], fdr_european(exp(G.x0 + nr * h), t1, r, q, sig));
        /* eliminate from the right (V_i = P_i + Q_i V_{i-1}) and, with a band, from the
           left (V_i = Pl_i + Ql_i V_{i+1}) */
        P[n] = V[n];
        Q[n] = 0;
        for (int i = n - 1; i >= 1; i--) {
            double den = B + C * Q[i + 1];
            Q[i] = -A / den;
            P[i] = (rhs[i] - C * P[i + 1]) / den;
        }
        if (regime == FDR_DOUBLE) {
            Pl[0] = V[0];
            Ql[0] = 0;
            for (int i = 1; i < n; i++) {
                double den = B + A * Ql[i - 1];
                Ql[i] = -C / den;
                Pl[i] = (rhs[i] - A * Pl[i - 1]) / den;
            }
        }
        /* a node that stays exercised: the left end (one boundary) or, with a band, the
           node of the last band nearest its middle that does */
        int c = -1;
        if (regime == FDR_SINGLE)
            c = V[0] <= g[0] ? 0 : -1;
        else if (regime == FDR_DOUBLE)
            for (int d = 0, mid = (jlo + jhi) / 2; c < 0 && d <= 2 * (jhi - jlo) + 1; d++) {
                int j = mid + (d % 2 ? (d + 1) / 2 : -(d / 2));
                if (j >= jlo && j <= jhi && fdr_exercised(&G, j, A, B, C))
                    c = j;
            }
        if (c < 0) {
            /* nothing exercised: the plain solve (with a band: it has closed, for good) */
            for (int i = 1; i < n; i++)
                V[i] = regime == FDR_SINGLE ? fmax(g[i], P[i] + Q[i] * V[i - 1])
                                            : P[i] + Q[i] * V[i - 1];
            regime = regime == FDR_DOUBLE ? FDR_NONE : regime;
            ghost_lo = ghost_hi = 0;
            continue;
        }
        /* Brennan-Schwartz sweeps out of c; the exercise region runs to the outermost
           exercised nodes (within it, where V - g is below the rounding of V, the sweep
           may find either) */
        jlo = jhi = c;
        if (c > 0 && c < n)
            V[c] = g[c];
        for (int i = c + 1; i < n; i++) {
            V[i] = P[i] + Q[i] * V[i - 1];
            if (V[i] <= g[i]) {
                V[i] = g[i];
                jhi = i;
            }
        }
        for (int i = c - 1; i >= 1; i--) {
            V[i] = Pl[i] + Ql[i] * V[i + 1];
            if (V[i] <= g[i]) {
                V[i] = g[i];
                jlo = i;
            }
        }
        if (jlo == 1 && V[0] <= g[0])
            jlo = 0;
        /* the boundaries inside their cells, once the layer next to them is resolved */
        int new_lo = 0, new_hi = 0;
        double q_lo = jlo - 0.5, q_hi = jhi + 0.5;
        if (sig * sqrt(t0) >= 2 * h) {
            if (jhi <= n - 3)
                new_hi = fdr_boundary(&G, 1, p_hi, dt, ghost_hi ? (int)floor(p_hi) : jhi, jlo,
                                      n - 2, &q_hi);
            if (jlo >= 2)
                new_lo = fdr_boundary(&G, 0, p_lo, dt, ghost_lo ? (int)floor(p_lo) : jlo - 1, 1,
                                      jhi < n - 1 ? jhi : n - 2, &q_lo);
            if (new_lo && new_hi && q_lo >= q_hi) {
                /* the band closed during the step */
                for (int i = 1; i < n; i++)
                    V[i] = P[i] + Q[i] * V[i - 1];
                regime = FDR_NONE;
                ghost_lo = ghost_hi = 0;
                continue;
            }
        }
        if (new_hi) {
            v_hi = (q_hi - p_hi) / dt;
            int e = (int)floor(q_hi);
            double prev = g[e] + fdr_model(&G, q_hi, v_hi, e);
            for (int i = e + 1; i < n; i++)
                prev = V[i] = fmax(g[i], P[i] + Q[i] * prev);
            for (int i = jhi + 1; i <= e; i++)
                V[i] = g[i];
            jhi = e;
        }
        if (new_lo) {
            v_lo = (q_lo - p_lo) / dt;
            int e = (int)ceil(q_lo);
            double next = g[e] + fdr_model(&G, q_lo, v_lo, e);
            for (int i = e - 1; i >= 1; i--)
                next = V[i] = fmax(g[i], Pl[i] + Ql[i] * next);
            for (int i = e; i < jlo; i++)
                V[i] = g[i];
            jlo = e;
        }
        ghost_hi = new_hi;
        ghost_lo = new_lo;
        p_hi = q_hi;
        p_lo = q_lo;
    }
    return V[nl];
}

/* Cells of the coarser grid (the finer one has twice as many; time steps a quarter of
   the cells); its accuracy: see test_fd_random. */
#define FDR_CELLS 2000

/* The American price by the finite differences above, Richardson-extrapolated. */
static double fdr_price(int call, double S, double K, double T, double r, double q, double sig)
{
    if (call)                            /* McDonald-Schroder */
        return fdr_price(0, K, S, T, q, r, sig);
    double sd = sig * sqrt(T), mu = r - q - 0.5 * sig * sig;
    double wl = 7 * sd + fmax(0, -mu * T), wr = 7 * sd + fmax(0, mu * T);
    double h = (wl + wr) / FDR_CELLS;
    int nl = (int)ceil(wl / h), nr = (int)ceil(wr / h);
    double *buf = malloc(sizeof(double) * 7 * (2 * (size_t)(nl + nr) + 1));
    assert_non_null(buf);
    double a = fdr_value(S / K, T, r, q, sig, nl, nr, h, FDR_CELLS / 4, buf);
    double b = fdr_value(S / K, T, r, q, sig, 2 * nl, 2 * nr, h / 2, FDR_CELLS / 2, buf);
    free(buf);
    return K * (4 * b - a) / 3;
}

/* A random option of test_fd_random's domain (S = 100, K / S 0.5..2, T one day to ten
   years, sigma 0.05..2, r -2%..15%, q -5%..20%), with every fourth case in the
   double-boundary regime (put q < r < 0, call r < q < 0; about 2% of free draws) and
   every fourth an edge: r = 0, q = 0 or r = q (where the regimes meet), a one-day or a
   ten-year life, sigma 0.05 or 2. Calls and puts alternate, the order swapped every
   four cases, so that each eight hold both kinds in every role. */
static void fd_random_option(mgn_test_rng *g, long it, int *call, double *S, double *K,
                             double *T, double *r, double *q, double *sig)
{
    *call = (int)((it + it / 4) & 1);
    *S = 100;
    *K = *S * mgn_test_logrange(g, 0.5, 2);
    *T = mgn_test_logrange(g, 1.0 / 365, 10);
    *sig = mgn_test_logrange(g, 0.05, 2);
    *r = mgn_test_range(g, -0.02, 0.15);
    *q = mgn_test_range(g, -0.05, 0.2);
    double u = mgn_test_uniform(g);
    if (it % 4 == 2) {
        /* the band: the put's rate or the call's carry in -2%..-0.05%, the other below */
        double a = -mgn_test_range(g, 0.0005, 0.02);
        *r = *call ? mgn_test_range(g, -0.02, a) : a;
        *q = *call ? a : mgn_test_range(g, -0.05, a);
    } else if (it % 4 == 3) {
        if (u < 0.25)
            *r = 0;
        else if (u < 0.5)
            *q = 0;
        else if (u < 0.75)
            *q = *r;
        else if (u < 0.875)
            *T = u < 0.8125 ? 1.0 / 365 : 10;
        else
            *sig = u < 0.9375 ? 0.05 : 2;
    }
}

/* Random options over the documented domain against the finite differences above.
   Tolerance: the header's 1e-6 of the price, plus the reference's own error, both of
   max(|price|, 1e-4 K): below 1e-4 K a relative error stops meaning anything, and the
   floor holds the library to 1e-6 of 1e-4 K = 1e-10 K there (the header allows 1e-7 K
   near zero; over the 800 options of scale 100, 169 of them below 1e-4 K, the largest
   difference there is 3e-11 K). The reference's error was measured on the 636 rows of
   tests/data/american_ref.csv (QuantLib's QdFp engine at a scheme far finer than its
   high-precision one; fine finite differences in the double-boundary regime), with
   FDR_CELLS = 2000: at most 2.8e-7 of max(|price|, 1e-4 K) over all of them (sigma
   0.01..2, K / S 0.2..5; 2.8e-7 with one boundary, 2.4e-8 with two, 1.5e-7 where
   exercise is never optimal) and 2.0e-7 over the 276 inside this test's domain, where
   1000 cells give 8.0e-7 and 4000 give 4.6e-8 at four times the time; on 240 options of
   this test's draws it is within 1.7e-7 of itself at 8000 cells. FD_REF_ERR bounds it. */
#define FD_REF_ERR 3e-7
#define FD_FLOOR_K 1e-4

static void test_fd_random(void **state)
{
    (void)state;
    mgn_test_rng g = { 0x5eed0fd5u };
    double worst = 0;
    long iters = mgn_test_cases(8);
    for (long it = 0; it < iters; it++) {
        int call;
        double S, K, T, r, q, sig, v = -1;
        fd_random_option(&g, it, &call, &S, &K, &T, &r, &q, &sig);
        double ref = fdr_price(call, S, K, T, r, q, sig);
        assert_int_equal(mgn_american_price(call ? MGN_CALL : MGN_PUT, S, K, T, r, q, sig, &v),
                         MGN_OK);
        double scale = fmax(fabs(ref), FD_FLOOR_K * K);
        double tol = REL_TOL * scale + FD_REF_ERR * scale;
        if (!(fabs(v - ref) <= tol))
            print_error("%s S %.17g K %.17g T %.17g r %.17g q %.17g sigma %.17g\n",
                        call ? "call" : "put", S, K, T, r, q, sig);
        worst = fmax(worst, mgn_test_frac(v, ref, tol, "price", it));
    }
    print_message("%ld random options: worst %.3g of the tolerance\n", iters, worst);
}

/*---------------------------------------------------------------- identities */

/* A random option of the whole domain. */
static void random_option(mgn_test_rng *g, int *type, double *S, double *K, double *T, double *r,
                          double *q, double *sig)
{
    *type = mgn_test_uniform(g) < 0.5 ? MGN_CALL : MGN_PUT;
    *S = mgn_test_logrange(g, 1, 1000);
    *K = *S * mgn_test_logrange(g, 0.2, 5);
    *T = mgn_test_logrange(g, 1.0 / 365, 10);
    *sig = mgn_test_logrange(g, 0.01, 2);
    *r = mgn_test_range(g, -0.02, 0.15);
    *q = mgn_test_range(g, -0.05, 0.2);
}

static void test_bounds_and_symmetry(void **state)
{
    (void)state;
    mgn_test_rng g = { 77 };
    for (int i = 0; i < 300; i++) {
        int type;
        double S, K, T, r, q, sig, a = -1, b = -1, e = -1, lam = mgn_test_logrange(&g, 1e-3, 1e3);
        random_option(&g, &type, &S, &K, &T, &r, &q, &sig);
        assert_int_equal(mgn_american_price(type, S, K, T, r, q, sig, &a), MGN_OK);
        assert_int_equal(mgn_bs_price(type, S, K, T, r, q, sig, &e), MGN_OK);
        double intrinsic = fmax(type == MGN_CALL ? S - K : K - S, 0);
        assert_true(isfinite(a));
        assert_true(a >= e * (1 - 1e-14));
        if (!(a >= intrinsic))
            print_error("type %d S %.17g K %.17g T %.17g r %g q %g sigma %g: %.17g < %.17g\n",
                        (int)type, S, K, T, r, q, sig, a, intrinsic);
        assert_true(a >= intrinsic);
        /* McDonald-Schroder: C(S, K, r, q) = P(K, S, q, r) */
        int other = type == MGN_CALL ? MGN_PUT : MGN_CALL;
        assert_int_equal(mgn_american_price(other, K, S, T, q, r, sig, &b), MGN_OK);
        assert_close(b, a, 1e-12, 1e-300);   /* as accurate as mgn_bs_price's own symmetry */
        /* homogeneous of degree one in (S, K) */
        assert_int_equal(mgn_american_price(type, lam * S, lam * K, T, r, q, sig, &b), MGN_OK);
        assert_close(b, lam * a, 1e-12, 1e-14 * lam * K);
    }
}

/* Early exercise is never optimal for a put with r <= 0 and q >= r (and, by the
   symmetry, a call with q <= 0 and r >= q): the price is the European one, exactly. */
static void test_never_exercised(void **state)
{
    (void)state;
    mgn_test_rng g = { 5 };
    for (int i = 0; i < 200; i++) {
        int put = i & 1;
        double S = mgn_test_logrange(&g, 1, 1000), K = S * mgn_test_logrange(&g, 0.2, 5);
        double T = mgn_test_logrange(&g, 1.0 / 365, 10), sig = mgn_test_logrange(&g, 0.01, 2);
        double a = mgn_test_range(&g, -0.05, 0), b = mgn_test_range(&g, a, 0.2);
        if (i % 10 == 0) b = a;                 /* the edge r = q */
        if (i % 10 == 1) {                      /* the edge r = 0 (put), q = 0 (call) */
            a = 0;
            b = fabs(b);
        }
        double r = put ? a : b, q = put ? b : a, v = -1, e = -2;
        int type = put ? MGN_PUT : MGN_CALL;
        assert_int_equal(mgn_american_price(type, S, K, T, r, q, sig, &v), MGN_OK);
        assert_int_equal(mgn_bs_price(type, S, K, T, r, q, sig, &e), MGN_OK);
        if (v != e)
            print_error("type %d S %.17g K %.17g T %.17g r %g q %g sigma %g: %.17g != %.17g\n",
                        (int)type, S, K, T, r, q, sig, v, e);
        assert_true(v == e);
    }
    /* and where it is optimal, the premium is positive: deep in the money puts with
       r > 0, calls with q > 0, and the double-boundary regime */
    double a, e;
    assert_int_equal(mgn_american_price(MGN_PUT, 80, 100, 1, 0.05, 0, 0.2, &a), MGN_OK);
    assert_int_equal(mgn_bs_price(MGN_PUT, 80, 100, 1, 0.05, 0, 0.2, &e), MGN_OK);
    assert_true(a > e + 0.1);
    assert_int_equal(mgn_american_price(MGN_CALL, 120, 100, 1, 0.0, 0.05, 0.2, &a), MGN_OK);
    assert_int_equal(mgn_bs_price(MGN_CALL, 120, 100, 1, 0.0, 0.05, 0.2, &e), MGN_OK);
    assert_true(a > e + 0.01);
    assert_int_equal(mgn_american_price(MGN_PUT, 50, 100, 1, -0.01, -0.05, 0.2, &a), MGN_OK);
    assert_int_equal(mgn_bs_price(MGN_PUT, 50, 100, 1, -0.01, -0.05, 0.2, &e), MGN_OK);
    assert_true(a > e + 0.01);
}

static void test_monotone(void **state)
{
    (void)state;
    /* Monotone up to the accuracy of the method: a step may go the wrong way by at most
       1e-9 relative + 1e-8 K (the largest violation seen is about 2e-10 K, in the
       double-boundary regime at small sigma, where the price sits just above the
       intrinsic value). */
    const double rq[][2] = { {0.05, 0.0}, {0.08, 0.12}, {0.0, -0.04}, {-0.01, -0.04}, {0.15, 0.2} };
    double worst = 0;
    for (size_t c = 0; c < sizeof rq / sizeof rq[0]; c++) {
        for (int put = 0; put < 2; put++) {
            int type = put ? MGN_PUT : MGN_CALL;
            double r = put ? rq[c][0] : rq[c][1], q = put ? rq[c][1] : rq[c][0];
            for (int axis = 0; axis < 3; axis++) {
                double prev = 0;
                for (int i = 0; i <= 60; i++) {
                    double S = 100, K = 100, T = 1, sig = 0.3, v = -1;
                    if (axis == 0)
                        S = 100 * exp(-1.0 + i / 30.0);     /* spot (a put decreases) */
                    else if (axis == 1)
                        K = 105, T = 0.01 + 10.0 * i / 60;  /* maturity */
                    else
                        K = 95, T = 2, sig = 0.02 * exp(i * log(100.0) / 60);   /* volatility */
                    assert_int_equal(mgn_american_price(type, S, K, T, r, q, sig, &v), MGN_OK);
                    if (i > 0) {
                        double up = (axis == 0 && put) ? prev - v : v - prev;
                        double viol = -up / (1e-9 * fmax(v, prev) + 1e-8 * K);
                        worst = fmax(worst, -up / K);
                        if (viol > 1)
                            print_error("type %d axis %d r %g q %g S %g T %g sigma %g: "
                                        "%.17g after %.17g\n", (int)type, axis, r, q, S, T, sig,
                                        v, prev);
                        assert_true(viol <= 1);
                    }
                    prev = v;
                }
            }
        }
    }
    print_message("monotonicity: largest step the wrong way %.3g K\n", worst);
}

/*---------------------------------------------------------------- limits */

/* sigma = 0: the best deterministic exercise time, checked by brute force over t */
static void test_sigma_zero(void **state)
{
    (void)state;
    mgn_test_rng g = { 99 };
    for (int i = 0; i < 200; i++) {
        int type = i & 1 ? MGN_PUT : MGN_CALL;
        double S = 100, K = S * mgn_test_logrange(&g, 0.5, 2), T = mgn_test_logrange(&g, 0.01, 20);
        double r = mgn_test_range(&g, -0.05, 0.2), q = mgn_test_range(&g, -0.05, 0.3), v = -1;
        assert_int_equal(mgn_american_price(type, S, K, T, r, q, 0.0, &v), MGN_OK);
        double best = 0;
        for (int k = 0; k <= 20000; k++) {
            double t = T * k / 20000.0;
            double x = type == MGN_CALL ? S * exp(-q * t) - K * exp(-r * t)
                                        : K * exp(-r * t) - S * exp(-q * t);
            best = fmax(best, x);
        }
        /* the grid misses the optimum by O((T/20000)^2), from below up to the
           rounding of its plain S e^{-qt} - K e^{-rt} (a few ulps of max(S, K)) */
        assert_close(v, best, 1e-9, 1e-9 * K);
        assert_true(v >= best - 4 * DBL_EPSILON * fmax(S, K));
    }
}

static void test_expiry_and_deep_itm(void **state)
{
    (void)state;
    double v = -1, e;
    assert_int_equal(mgn_american_price(MGN_PUT, 90, 100, 0, 0.05, 0.02, 0.3, &v), MGN_OK);
    assert_true(v == 10);
    assert_int_equal(mgn_american_price(MGN_CALL, 90, 100, 0, 0.05, 0.02, 0.3, &v), MGN_OK);
    assert_true(v == 0);
    assert_int_equal(mgn_american_price(MGN_CALL, 130, 100, 0, -0.01, 0.02, 0.3, &v), MGN_OK);
    assert_true(v == 30);
    /* deep in the money, exercise is optimal now: exactly the intrinsic value */
    assert_int_equal(mgn_american_price(MGN_PUT, 50, 100, 0.5, 0.08, 0.0, 0.2, &v), MGN_OK);
    assert_true(v == 50);
    assert_int_equal(mgn_american_price(MGN_CALL, 200, 100, 0.5, 0.0, 0.1, 0.2, &v), MGN_OK);
    assert_true(v == 100);
    /* S / K below the double range (1e-310): the put is its intrinsic value K - S,
       the call (a put by symmetry with S / K above the range) worthless like the
       European one */
    assert_int_equal(mgn_american_price(MGN_PUT, 1e-300, 1e10, 0.5, 0.05, 0.0, 0.3, &v), MGN_OK);
    assert_true(v == 1e10 - 1e-300);
    assert_int_equal(mgn_american_price(MGN_CALL, 1e-300, 1e10, 0.5, 0.0, 0.05, 0.3, &v), MGN_OK);
    assert_int_equal(mgn_bs_price(MGN_CALL, 1e-300, 1e10, 0.5, 0.0, 0.05, 0.3, &e), MGN_OK);
    assert_true(v == e && v == 0);
    /* ... and above it (1e310): the put worthless, the call its intrinsic value */
    assert_int_equal(mgn_american_price(MGN_PUT, 1e300, 1e-10, 0.5, 0.05, 0.0, 0.3, &v), MGN_OK);
    assert_true(v == 0);
    assert_int_equal(mgn_american_price(MGN_CALL, 1e300, 1e-10, 0.5, 0.0, 0.05, 0.3, &v), MGN_OK);
    assert_close(v, 1e300, 1e-15, 0);
    /* one day, at the money: close to the European value */
    assert_int_equal(mgn_american_price(MGN_PUT, 100, 100, 1.0 / 365, 0.05, 0.0, 0.2, &v), MGN_OK);
    assert_int_equal(mgn_bs_price(MGN_PUT, 100, 100, 1.0 / 365, 0.05, 0.0, 0.2, &e), MGN_OK);
    assert_true(v >= e && v < e * 1.01);
}

/* Double-boundary puts (q < r < 0) with q within 1e-11 relative of r: the exercise band
   r K/q < S < K is about 1e-11 K wide, and the solver searches the meeting time of
   two boundaries a few 1e-13 apart in log, over collocation lengths down to 1e-26
   years, where its Newton systems are nearly singular (some steps are not finite and
   are discarded). The premium is then at most the interest-carry gain on the band:
   the integrand r K - q S of the premium formula is below (r - q) K for S < K, so
   0 <= American - European <= (r - q) K T e^{-rT}. The call of the symmetry agrees. */
static void test_double_boundary_narrow_band(void **state)
{
    (void)state;
    mgn_test_rng g = { 11 };
    for (int i = 0; i < 300; i++) {
        const double K = 100, S = K * mgn_test_range(&g, 0.5, 1.05);
        const double T = mgn_test_logrange(&g, 0.2, 10), r = -mgn_test_logrange(&g, 1e-3, 0.1);
        const double q = r * (1 + mgn_test_logrange(&g, 1e-13, 1e-11));
        const double sig = mgn_test_range(&g, 0.1, 0.5);
        double v = -1, e = -2, c = -3;
        assert_int_equal(mgn_american_price(MGN_PUT, S, K, T, r, q, sig, &v), MGN_OK);
        assert_int_equal(mgn_bs_price(MGN_PUT, S, K, T, r, q, sig, &e), MGN_OK);
        if (!(v >= e && v - e <= (r - q) * K * T * exp(-r * T)))
            print_error("S %.17g T %.17g r %.17g q %.17g sigma %.17g: %.17g vs European %.17g\n",
                        S, T, r, q, sig, v, e);
        assert_true(v >= e && v - e <= (r - q) * K * T * exp(-r * T));
        if (i % 10 == 0) {
            assert_int_equal(mgn_american_price(MGN_CALL, K, S, T, q, r, sig, &c), MGN_OK);
            assert_close(c, v, 1e-13, 0);
        }
    }
}

/* Where a bound proves the double-boundary premium below 1e-13 K (the spot many
   standard deviations from the band r K/q < S < K, or T next to 0), the pricer returns
   the European value without solving. Walking the spot away from the band on both
   sides, the premium (American - European) must fall monotonically to exactly 0 with
   no visible step where the shortcut takes over (the last premium before it is at most
   1e-9 K), and the solved premiums must be large near the band. A hostile input whose
   forward is infinite (carry -1e300) gets the European value, not a long search. */
static void walk_from_band(double T, double r, double q, double sig)
{
    const double K = 100, band_low = K * r / q;
    for (int side = 0; side < 2; side++) {
        double prev = HUGE_VAL;
        int zeros = 0;
        for (int k = 0; k <= 60; k++) {
            double S = side == 0 ? K * pow(1.05, k) : band_low * pow(0.95, k), v, e;
            assert_int_equal(mgn_american_price(MGN_PUT, S, K, T, r, q, sig, &v), MGN_OK);
            assert_int_equal(mgn_bs_price(MGN_PUT, S, K, T, r, q, sig, &e), MGN_OK);
            double prem = v - e;
            assert_true(prem >= 0 && prem <= prev + 1e-12 * K);
            if (k == 0)
                assert_true(prem > 1e-4 * K);
            if (prem == 0 && zeros++ == 0)
                assert_true(prev <= 1e-9 * K);
            prev = prem;
        }
        assert_true(zeros > 0);
    }
}

static void test_double_boundary_far_from_band(void **state)
{
    (void)state;
    const double K = 100, r = -0.01, q = -0.03, sig = 0.2;
    walk_from_band(1, r, q, sig);
    /* a long life at a low volatility: the bound weighs the discount factor e^{-rt},
       which grows, against the probability of the band at the same t */
    walk_from_band(10, -0.02, -0.05, 0.05);
    double v, e;
    assert_int_equal(mgn_american_price(MGN_PUT, 50, K, 1e-14, r, q, sig, &v), MGN_OK);
    assert_true(v == 50);
    assert_int_equal(mgn_american_price(MGN_PUT, 1e5, 9054.46, 2.53, -0.02, -1e300, 2e6, &v),
                     MGN_OK);
    assert_int_equal(mgn_bs_price(MGN_PUT, 1e5, 9054.46, 2.53, -0.02, -1e300, 2e6, &e), MGN_OK);
    assert_true(v == e);
    /* Inside the band with rates and carries far outside any market, no collocation
       length down to 2^-60 of the meeting-time bound is solvable: the premium is
       dropped and the value is the larger of the European and intrinsic values. */
    const double hostile[2][6] = { { 1e5, 199839.29802772705, 0.0029427756422164279, -0.02,
                                     -1e300, 2e6 },
                                   { 19.069604193248271, 100, 0.099587923296079503,
                                     -345389.52229427319, -489077700941.86212,
                                     0.01650690835379624 } };
    for (int i = 0; i < 2; i++) {
        const double *h = hostile[i];
        assert_int_equal(mgn_american_price(MGN_PUT, h[0], h[1], h[2], h[3], h[4], h[5], &v),
                         MGN_OK);
        assert_int_equal(mgn_bs_price(MGN_PUT, h[0], h[1], h[2], h[3], h[4], h[5], &e), MGN_OK);
        assert_true(v == fmax(e, h[1] - h[0]));
    }
}

/* The put (S, K, T, r, q, sigma) against the put at rate 0, and the call of the
   symmetry (K, S, T, q, r) against the call at carry 0: within the Lipschitz bound
   |V(r) - V(0)| <= |r| T K e^{|r| T} (test_rate_near_zero_continuity) plus the
   pricer's accuracy on both prices (1e-6 relative, 1e-7 K absolute each). */
static void check_rate_lipschitz(double S, double K, double T, double r, double q, double sig)
{
    double v0, v, c0, c;
    assert_int_equal(mgn_american_price(MGN_PUT, S, K, T, 0.0, q, sig, &v0), MGN_OK);
    assert_int_equal(mgn_american_price(MGN_PUT, S, K, T, r, q, sig, &v), MGN_OK);
    const double lip = fabs(r) * T * K * exp(fabs(r) * T);
    if (!(fabs(v - v0) <= lip + 1e-6 * (v + v0) + 2e-7 * K))
        print_error("S %.17g K %.17g T %.17g r %.17g q %.17g sigma %.17g: %.17g, at r = 0 %.17g\n",
                    S, K, T, r, q, sig, v, v0);
    assert_true(fabs(v - v0) <= lip + 1e-6 * (v + v0) + 2e-7 * K);
    assert_int_equal(mgn_american_price(MGN_CALL, K, S, T, q, 0.0, sig, &c0), MGN_OK);
    assert_int_equal(mgn_american_price(MGN_CALL, K, S, T, q, r, sig, &c), MGN_OK);
    assert_true(fabs(c - c0) <= lip + 1e-6 * (c + c0) + 2e-7 * K);
}

/* The value is Lipschitz in the rate: along any stopping time tau the discounted
   payoff e^{-r tau} (K - S_tau)^+, with S_tau's drift moving with r, has derivative
   -tau K e^{-r tau} 1{S_tau < K} in r, so |V(r) - V(0)| <= |r| T K max(1, e^{-r T}).
   Double-boundary puts (q < r < 0) with rates from a subnormal to 1e-6, and the calls
   of the symmetry (r < q < 0, the carry tiny), must stay that close to the one-boundary
   price at rate 0, within the pricer's accuracy (1e-6 relative, 1e-7 K absolute). A
   subnormal rate made the lower boundary start hundreds of log units below the strike
   and gave prices up to 73% off. */
static void test_rate_near_zero_continuity(void **state)
{
    (void)state;
    const double tiny[] = { -4.9406564584124654e-324, -1e-310, -1e-300, -1e-100, -1e-20,
                            -1e-14, -1e-12, -1e-9, -1e-6 };
    mgn_test_rng g = { 5 };
    for (int i = 0; i < 120; i++) {
        const double K = 100, S = K * mgn_test_logrange(&g, 0.3, 2.0);
        const double T = mgn_test_logrange(&g, 0.01, 10), sig = mgn_test_logrange(&g, 0.05, 1.5);
        const double carry = -mgn_test_logrange(&g, 1e-3, 0.08);
        check_rate_lipschitz(S, K, T, tiny[i % (int)(sizeof tiny / sizeof tiny[0])], carry, sig);
    }
}

/* Positive rates next to 0 in the single-boundary case (put, r > 0 or r = 0 < -q):
   the QD+ start divided by 1 - e^{-r tau}, which rounds to 0 once r tau < 1.1e-16, and
   from the cruder start of the nodes where it failed a stiff case converged to a price
   0.27% low for every rate from a subnormal up to 1e-15 (1.3e-4 low at 1e-13). The
   case (from the fuzzer, tests/fuzz/crashes/american) against the value at r = 0,
   which QuantLib 1.29's QdFpAmericanEngine (high-precision scheme) puts at
   0.400926377886 and its Douglas finite differences at 0.39983, 0.40037, 0.40065 on
   1000, 2000 and 4000 time steps (first order in the step: 0.40093 extrapolated);
   then random puts in that stiff corner (near the money, sigma 0.010-0.012, T 0.02-0.04,
   q from -0.2 to -0.12; 9 of these 300 failed before, and about 1 in 300 with q in
   [-0.05, -0.01], T up to 0.2) against the Lipschitz bound |V(r) - V(0)| <= r T K
   (test_rate_near_zero_continuity) plus the accuracy. */
static void test_positive_rate_near_zero(void **state)
{
    (void)state;
    const double tiny[] = { 4.9406564584124654e-324, 7.4169128616906696e-309, 1e-300,
                            1e-100, 1e-20, 1e-16, 1e-15, 1e-14, 1e-13, 1e-12, 1e-10 };
    const int nt = (int)(sizeof tiny / sizeof tiny[0]);
    {
        const double S = 3091.6909765830883, T = 0.027209106141681969;
        const double q = -0.14550621805142289, sig = 0.010136749783745784;
        double v0, v;
        assert_int_equal(mgn_american_price(MGN_PUT, S, S, T, 0.0, q, sig, &v0), MGN_OK);
        assert_true(fabs(v0 - 0.400926377886) <= 1e-6 * v0 + 1e-7 * S);
        for (int i = 0; i < nt; i++) {
            assert_int_equal(mgn_american_price(MGN_PUT, S, S, T, tiny[i], q, sig, &v), MGN_OK);
            if (!(fabs(v - v0) <= tiny[i] * T * S + 1e-6 * v0))
                print_error("r %.17g: %.17g vs %.17g at r = 0\n", tiny[i], v, v0);
            assert_true(fabs(v - v0) <= tiny[i] * T * S + 1e-6 * v0);
        }
    }
    mgn_test_rng g = { 17 };
    for (int i = 0; i < 300; i++) {
        const double K = 100, S = K * mgn_test_logrange(&g, 0.995, 1.005);
        const double T = mgn_test_logrange(&g, 0.02, 0.04), sig = mgn_test_logrange(&g, 0.01, 0.012);
        check_rate_lipschitz(S, K, T, tiny[i % nt], -mgn_test_logrange(&g, 0.12, 0.2), sig);
    }
}

/* Rate 0 with a negative carry and a small volatility, near the money (the crypto
   default rate; a put, or by the symmetry a call without carry at a negative rate):
   FP-B's D nearly cancels there, Newton failed in both its attempts and the premium
   was dropped (the European value, 1e-7 for an American worth 0.33) in about 1 of 200
   such puts. References: QuantLib 1.29, QdFpAmericanEngine with its high-precision
   scheme (tests/data/american_ref.csv's engine); the first case also by the
   derivative in r of this pricer's own FP-B values at r = 1e-6 and 1e-4 (0.3325892).
   The last case is the fuzzer's (a call whose carry is 0: the put at rate 0). */
static void test_zero_rate_small_vol(void **state)
{
    (void)state;
    static const double c[][6] = {  /* S, T, q, sigma, reference; K = 100, r = 0 */
        { 100, 9.9, -0.05, 0.03, 0.332589156724, 0 },
        { 100, 9.9, -0.05, 0.02, 0.147446818042, 0 },
        { 100, 2.36433, -0.0441446, 0.0109011, 0.0495485404745, 0 },
        { 99.9359, 3.2502, -0.0413146, 0.014114, 0.115778077498, 0 },
        { 100.433, 7.18807, -0.0381757, 0.014717, 0.022884786247, 0 },
        { 100, 9.8993208764024256, -0.10333333333333332, 0.052514185733995265, 0.494195506345, 0 },
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        double v, e;
        assert_int_equal(mgn_american_price(MGN_PUT, c[i][0], 100, c[i][1], 0.0, c[i][2], c[i][3],
                                            &v), MGN_OK);
        assert_int_equal(mgn_bs_price(MGN_PUT, c[i][0], 100, c[i][1], 0.0, c[i][2], c[i][3], &e),
                         MGN_OK);
        const double tol = fmax(1e-6 * c[i][4], 1e-7 * 100);
        if (!(fabs(v - c[i][4]) <= tol))
            print_error("case %zu: %.12g, reference %.12g, European %.3g\n", i, v, c[i][4], e);
        assert_true(fabs(v - c[i][4]) <= tol);
    }
    /* the fuzzer's call: S = K = 0.0858, rate -0.1033, carry 0 = the put above scaled */
    const double K = 0.085769589859089418;
    double call;
    assert_int_equal(mgn_american_price(MGN_CALL, K, K, 9.8993208764024256, -0.10333333333333332,
                                        0.0, 0.052514185733995265, &call), MGN_OK);
    assert_true(fabs(call - 0.494195506345e-2 * K) <= 1e-7 * K);
}

/* Double-boundary puts (q < r < 0) whose rate is tiny against the carry, at small
   volatilities near the money: the lower boundary starts at K r/q, many log units
   down, and the meeting-time search lost the premium (8e-7 for a put worth 0.0023;
   11 of the 300 random cases below). Checked against the value at r = 0 within the
   Lipschitz bound |r| T K e^{|r| T} plus the accuracy, and the first case against
   QuantLib 1.29's Douglas finite differences on 2000 x 4000 steps at this very rate
   (0.0023139; first order in the time step, with QdFpAmericanEngine's high-precision
   value at r = 0 of 0.0023375 beside it) within the bound and 1e-7 K. */
static void test_double_boundary_tiny_rate(void **state)
{
    (void)state;
    double v;
    assert_int_equal(mgn_american_price(MGN_PUT, 100.352, 100, 2.04614, -1.21759e-07,
                                        -0.0489337, 0.0108173, &v), MGN_OK);
    assert_true(fabs(v - 0.0023139) <= 1.21759e-07 * 2.04614 * 100 + 1e-7 * 100);
    /* the fuzzer's: a call at rate -0.103 with carry -5.3e-5, the put of the symmetry
       at r = -5.3e-5 with a Lipschitz bound of 4.6e-5 (premium lost: 1e-29); QuantLib's
       QdFpAmericanEngine gives 0.1412938 per 100 of strike at rate 0 */
    const double K1 = 0.085769589859089418;
    assert_int_equal(mgn_american_price(MGN_CALL, K1, K1, 9.988763055346876, -0.10333333333333332,
                                        -5.3406576638437286e-05, 0.028146654276313056, &v),
                     MGN_OK);
    assert_true(fabs(v - 0.1412938 * K1 / 100) <= 5.3406576638437286e-05 * 9.988763055346876 * K1);
    mgn_test_rng g = { 29 };
    for (int i = 0; i < 300; i++) {
        const double K = 100, S = K * mgn_test_logrange(&g, 0.995, 1.02);
        const double T = mgn_test_logrange(&g, 0.1, 10), sig = mgn_test_logrange(&g, 0.01, 0.02);
        const double r = -mgn_test_logrange(&g, 1e-9, 1e-6);
        check_rate_lipschitz(S, K, T, r, r - mgn_test_logrange(&g, 1e-3, 0.05), sig);
    }
}

/* At sigma = 0 the range is the European pricer's, as at sigma > 0: a call on a spot
   next to DBL_MAX whose S e^{-qT} overflows is MGN_ERANGE for both (the American
   returned its intrinsic value with MGN_OK; found by the fuzzer), the output untouched. */
static void test_sigma0_range(void **state)
{
    (void)state;
    const double S = DBL_MAX, K = 1.1746993654800828e+308, T = 0.0010353231228625523;
    const double r = -0.02, q = -0.011631189440756848;
    double e = 7, v = 7;
    assert_int_equal(mgn_bs_price(MGN_CALL, S, K, T, r, q, 0.0, &e), MGN_ERANGE);
    assert_int_equal(mgn_american_price(MGN_CALL, S, K, T, r, q, 0.0, &v), MGN_ERANGE);
    assert_true(v == 7);
    assert_int_equal(mgn_american_price(MGN_CALL, S, K, T, r, q, 0.2, &v), MGN_ERANGE);
}

/* Volatilities below the documented range: the value lies between the value at
   sigma = 0 (Jensen: exercising at a fixed time t is worth at least e^{-rt}
   (K - E[S_t])^+) and that plus 2 X m sqrt(e^{sigma^2 T} - 1), X = max(S, K),
   m = max(1, e^{-rT}, e^{-qT}): along any stopping time the discounted payoff is at
   most X m |M_t| away from its deterministic path, M_t = e^{sigma W_t - sigma^2 t/2} - 1,
   and E sup |M_t| <= 2 sqrt(E M_T^2) (Doob). The iteration used to put the spot inside
   the exercise region at such volatilities and return the intrinsic value, up to 1.4%
   below the lower bound. */
static void test_small_sigma_bounds(void **state)
{
    (void)state;
    const double sigs[] = { 1e-100, 1e-12, 1e-8, 1e-6, 1e-5, 1e-4, 3e-4, 1e-3, 3e-3 };
    mgn_test_rng g = { 21 };
    for (int i = 0; i < 900; i++) {
        const double S = 100, K = S * mgn_test_logrange(&g, 0.2, 5);
        const double T = mgn_test_logrange(&g, 1e-3, 10);
        double r = mgn_test_range(&g, -0.02, 0.15), q = mgn_test_range(&g, -0.05, 0.2);
        if (i % 3 == 0) {               /* the double-boundary regime of the put */
            r = -mgn_test_range(&g, 0, 0.02);
            q = r - mgn_test_range(&g, 0, 0.1);
        }
        const int type = (i / 9) % 2;
        const double sig = sigs[i % 9];
        double v, v0;
        assert_int_equal(mgn_american_price(type, S, K, T, r, q, 0.0, &v0), MGN_OK);
        assert_int_equal(mgn_american_price(type, S, K, T, r, q, sig, &v), MGN_OK);
        const double X = fmax(S, K), m = fmax(1.0, fmax(exp(-r * T), exp(-q * T)));
        const double hi = v0 + 2 * X * m * sqrt(expm1(sig * sig * T)) + 1e-6 * v + 1e-7 * X;
        if (!(v >= v0 && v <= hi))
            print_error("type %d K %.17g T %.17g r %.17g q %.17g sigma %g: %.17g, at 0 %.17g\n",
                        type, K, T, r, q, sig, v, v0);
        assert_true(v >= v0 && v <= hi);
    }
}

/* A put at rate 0 with a negative carry over a long life (sigma sqrt(T) = 2.6): the
   boundary falls to 0.7% of the strike, and full Newton steps at the longest times
   wandered without converging for some carries (q = -0.0497 here), where the premium
   (0.038, 0.55% of the price) was dropped. Over a fine grid of carries the value must
   keep its premium and move by at most the Lipschitz bound |dq| T K (see
   test_rate_near_zero_continuity; the same holds in q) plus the accuracy. */
static void test_zero_rate_long_life(void **state)
{
    (void)state;
    const double S = 4.252768104999638, K = 8.4612114163490091, T = 9.9551279260034509;
    const double sig = 0.81935030920059593;
    double prev = 0, prevq = 0;
    for (int k = 0; k <= 40; k++) {
        const double q = -0.0505 + 5e-5 * k;
        double v, e;
        assert_int_equal(mgn_american_price(MGN_PUT, S, K, T, 0.0, q, sig, &v), MGN_OK);
        assert_int_equal(mgn_bs_price(MGN_PUT, S, K, T, 0.0, q, sig, &e), MGN_OK);
        if (!(v - e > 0.03))
            print_error("q %.17g: %.17g, European %.17g\n", q, v, e);
        assert_true(v - e > 0.03);
        if (k > 0)
            assert_true(fabs(v - prev) <= fabs(q - prevq) * T * K + 2e-6 * v);
        prev = v;
        prevq = q;
    }
}

/* Valid but extreme inputs never give NaN with MGN_OK. */
/* A rate or carry with |x| T max(1, e^{-r T}) <= 1e-13 is priced as 0 (the value is
   Lipschitz in both with constant T K max(1, e^{-r T}): see
   test_rate_near_zero_continuity). Random options with such rates or carries, every
   sign combination, against the price at 0: within 2e-13 K (both snapped) plus the
   rounding of the price. Both tiny with r = 0 being no early exercise: the European
   value. A deep in-the-money call with both tiny (found by the fuzzer) must keep its
   intrinsic value: its European value at the actual rates is 3e-10 below it. */
static void test_rate_and_carry_next_to_zero(void **state)
{
    (void)state;
    const double tiny[] = { 4.9406564584124654e-324, 2.2250738585072014e-308, 1e-300,
                            1e-100, 1e-17 };
    const int nt = (int)(sizeof tiny / sizeof tiny[0]);
    mgn_test_rng g = { 23 };
    for (int i = 0; i < 400; i++) {
        const int type = i & 1;
        const double K = 100, S = K * mgn_test_logrange(&g, 0.5, 2.0);
        const double T = mgn_test_logrange(&g, 0.01, 10), sig = mgn_test_logrange(&g, 0.01, 2);
        const double x = tiny[(i >> 1) % nt] * ((i >> 2) & 1 ? -1 : 1) / (T > 1 ? T : 1);
        const double other = (i >> 3) & 1 ? 0.0 : mgn_test_logrange(&g, 0.005, 0.1)
                                                   * ((i >> 4) & 1 ? -1 : 1);
        const int which = (i >> 5) & 1;    /* 0: the rate is tiny, 1: the carry */
        const double r = which ? other : x, q = which ? x : other;
        double v, v0, e0;
        assert_int_equal(mgn_american_price(type, S, K, T, r, q, sig, &v), MGN_OK);
        assert_int_equal(mgn_american_price(type, S, K, T, which ? r : 0.0, which ? 0.0 : q,
                                            sig, &v0), MGN_OK);
        if (!(fabs(v - v0) <= 2e-13 * fmax(S, K) * fmax(1.0, exp(fabs(other) * T))
                              + 1e-15 * v0))
            print_error("type %d S %.17g T %.17g r %.17g q %.17g sigma %.17g: %.17g vs %.17g\n",
                        type, S, T, r, q, sig, v, v0);
        assert_true(fabs(v - v0) <= 2e-13 * fmax(S, K) * fmax(1.0, exp(fabs(other) * T))
                                     + 1e-15 * v0);
        if (other == 0) {       /* both next to 0: never exercised early */
            assert_int_equal(mgn_bs_price(type, S, K, T, 0.0, 0.0, sig, &e0), MGN_OK);
            assert_true(fabs(v - e0) <= 2e-13 * fmax(S, K) + 1e-15 * e0);
        }
    }
    const double S = 50138.978163118511, K = 0.098996686970955164;
    double v;
    assert_int_equal(mgn_american_price(MGN_CALL, S, K, 3.2736916153602738e-08,
                                        1.3676264591439687e-07, 1.8137254901960786e-07,
                                        0.78682613506112764, &v), MGN_OK);
    assert_true(v >= S - K);
}

/* Puts whose one-boundary solve failed from the usual start at every level (fuzzing
   finds, then a scan of 20,000 puts with carries up to 20% below -sigma^2/2: 34 failed,
   at rates 0 to 1e-4 and T of years): the price had dropped its premium (the larger
   of the European and the intrinsic value: 0.34% low at the fuzzing find, 11.3% and
   14.3% at the last two rows); the continuation from a solve at a nearby volatility
   finds the root. References: QuantLib 1.29's QdFpAmericanEngine with
   QdFpTanhSinhIterationScheme(24, 150, 1e-12) (30, 200, 1e-12 agrees to 1e-12), T
   rounded to whole days with r, q, sigma^2 scaled by the ratio (the value depends on
   them only through r T, q T, sigma^2 T); for the first row a binomial tree of 32,000
   steps gives 0.00888995. The rate 1e-13 (r T above the 1e-13 below which a rate is
   priced as 0) takes the one-boundary solve, -1e-12 the double-boundary one; both
   within 1e-11 K of the value at rate 0 (the Lipschitz bound T K |r|). */
static void test_continuation_failed_solve(void **state)
{
    (void)state;
    const double S1 = 0.010014767675957473, K1 = 0.0188748451003279, T1 = 6.7401832187296788;
    const struct { double S, K, T, r, q, sig, ref; } c[7] = {
        { S1, K1, T1, 0.0, -0.034008545052262154, 0.25567539673621448, 0.008889954706 },
        { S1, K1, T1, 1e-13, -0.034008545052262154, 0.25567539673621448, 0.008889954706 },
        { S1, K1, T1, -1e-12, -0.034008545052262154, 0.25567539673621448, 0.008889954706 },
        { S1, K1, T1, 1e-6, -0.034008545052262154, 0.25567539673621448, 0.00888994232105 },
        { S1, K1, T1, 1e-8, -0.033685463874265666, 0.25531745118078381, 0.00889118387268 },
        { 100, 81.616463506309159, 9.5650444152288401, 1e-4, -0.056352235575818206,
          0.32138987110166972, 16.26175693 },
        { 100, 141.60178798732716, 6.1569723329924431, 1e-6, -0.090680369472295921,
          0.40369578986068377, 52.86093168 },
    };
    for (int k = 0; k < 7; k++) {
        double p = 0;
        assert_int_equal(mgn_american_price(MGN_PUT, c[k].S, c[k].K, c[k].T, c[k].r, c[k].q,
                                            c[k].sig, &p), MGN_OK);
        assert_close(p, c[k].ref, 1e-6, 1e-7 * c[k].K);
    }
}

/* Far outside any market (T beyond 1000 years, sigma beyond 10, |r| or |q| beyond
   1000% a year) the pricer makes one attempt at each solve and otherwise returns the
   bounds; these inputs (from the fuzz corpus) took milliseconds each through every
   retry. A put whose carry of -30472 makes exercising now optimal in the band
   r K/q < S < K is worth its intrinsic value; a double-boundary put whose volatility
   of 2e6 puts its European value at the bound K e^{-rT} is worth that; then the
   guards these inputs reach (a NaN Newton step, an iteration past the cap). */
static void test_far_outside(void **state)
{
    (void)state;
    double v;
    const double S = 0.48845298329387765, K = 0.92058794539969735;
    assert_int_equal(mgn_american_price(MGN_PUT, S, K, 6.8192670372222555,
                                        -0.015351491569390403, -30472.266727702758,
                                        0.011717055188408718, &v), MGN_OK);
    assert_true(fabs(v - (K - S)) <= 1e-15 * K);
    const double T = 0.7806190664997138, r = -0.01666666666666667;
    assert_int_equal(mgn_american_price(MGN_PUT, 2.1500964539476604, 4.2548605253744345, T,
                                        r, -0.02, 2e6, &v), MGN_OK);
    assert_true(fabs(v - 4.2548605253744345 * exp(-r * T)) <= 1e-13 * 4.2548605253744345);
    /* Newton's step on a NaN residual keeps the unknown (sigma 46607, carry 22621): the
       value stays between the European value and the strike it tends to */
    double e;
    const double K1 = 0.0054312495943067349, T1 = 6.8596382459379592;
    assert_int_equal(mgn_american_price(MGN_PUT, 0.01, K1, T1, 0.14934111543450065,
                                        22621.499961852449, 46607.103161099731, &v), MGN_OK);
    assert_int_equal(mgn_bs_price(MGN_PUT, 0.01, K1, T1, 0.14934111543450065,
                                  22621.499961852449, 46607.103161099731, &e), MGN_OK);
    assert_true(v >= e && v <= K1);
    /* the iteration overshoots the cap: a carry of 2e5 (put) or a rate of 8552 (call)
       over 1e7 years, worth the strike (put) or the spot (call) received at once */
    assert_int_equal(mgn_american_price(MGN_PUT, 1e5, 2e5, 1e7, 0.14941634241245136, 2e5,
                                        0.96650109233024328, &v), MGN_OK);
    assert_true(v == 2e5);
    assert_int_equal(mgn_american_price(MGN_CALL, 0.029085457429500475, 0.057866545410878351,
                                        9977538.7375862654, 8552.5291828793706,
                                        0.19987792782482644, 0.32807467178885541, &v), MGN_OK);
    assert_true(v == 0.029085457429500475);
}

static void test_extreme_inputs(void **state)
{
    (void)state;
    const double Ss[] = { 1e-200, 1e-8, 1, 1e8, 1e200 };
    const double Ts[] = { 1e-12, 1.0 / 365, 30, 1e4 };
    const double sigs[] = { 1e-8, 0.01, 2, 10 };
    const double rqs[][2] = { {0.05, 0.02}, {0.0, -0.03}, {-0.01, -0.04}, {0.3, 0.0}, {0.01, 0.5} };
    for (int type = 0; type < 2; type++)
        for (size_t a = 0; a < 5; a++)
            for (size_t b = 0; b < 4; b++)
                for (size_t c = 0; c < 4; c++)
                    for (size_t d = 0; d < 5; d++) {
                        double v = 12345;
                        int st = mgn_american_price(type, Ss[a], 1, Ts[b], rqs[d][0], rqs[d][1],
                                                    sigs[c], &v);
                        assert_true(st == MGN_OK || st == MGN_ERANGE);
                        if (st == MGN_OK)
                            assert_true(isfinite(v) && v >= 0);
                        else
                            assert_true(v == 12345);
                    }
}

/*---------------------------------------------------------------- bad input */

static void test_bad_input(void **state)
{
    (void)state;
    const double good[6] = { 100, 95, 0.5, 0.03, 0.01, 0.25 };  /* S K T r q sigma */
    for (int arg = 0; arg < 6; arg++) {
        double bad[8];
        int nb = 0;
        for (int k = 0; k < 3; k++)
            bad[nb++] = mgn_test_nonfinite[k];
        if (arg == 0 || arg == 1) { bad[nb++] = 0; bad[nb++] = -1; bad[nb++] = -DBL_MIN; }
        if (arg == 2 || arg == 5) { bad[nb++] = -1; bad[nb++] = -DBL_MIN; }
        for (int k = 0; k < nb; k++) {
            double x[6];
            memcpy(x, good, sizeof x);
            x[arg] = bad[k];
            for (int type = 0; type < 2; type++) {
                double out = 42;
                assert_int_equal(mgn_american_price(type, x[0], x[1], x[2], x[3], x[4], x[5], &out),
                                 MGN_EINVAL);
                assert_true(out == 42);
            }
        }
    }
    double out = 42;
    assert_int_equal(mgn_american_price(MGN_PUT, 100, 95, 0.5, 0.03, 0.01, 0.25, NULL), MGN_EINVAL);
    assert_int_equal(mgn_american_price((mgn_option_type)2, 100, 95, 0.5, 0.03, 0.01, 0.25, &out),
                     MGN_EINVAL);
    assert_int_equal(mgn_american_price((mgn_option_type)-1, 100, 95, 0.5, 0.03, 0.01, 0.25, &out),
                     MGN_EINVAL);
    assert_true(out == 42);
    /* negative rates and carries are valid */
    assert_int_equal(mgn_american_price(MGN_PUT, 100, 95, 0.5, -0.02, -0.05, 0.25, &out), MGN_OK);
}

/*---------------------------------------------------------------- tables */

static long double lagrange_ld(int n, long double x, int i)
{
    long double s = 0, li = 0;
    for (int m = 0; m <= n; m++) {
        long double w = ((m & 1) ? -1.0L : 1.0L) * ((m == 0 || m == n) ? 0.5L : 1.0L);
        long double t = w / (x - cosl(3.14159265358979323846264338327950288L * m / n));
        s += t;
        if (m == i)
            li = t;
    }
    return li / s;
}

static void test_tables(void **state)
{
    (void)state;
    const int sizes[] = { 8, 12, 16, 24, 32, 48 };
    const long double pi = 3.14159265358979323846264338327950288L;
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        int n = sizes[s];
        const double *x, *w, *c;
        assert_true(mgn__american_gl_table(n, &x, &w, &c));
        gsl_integration_glfixed_table *t = gsl_integration_glfixed_table_alloc((size_t)n);
        for (int i = 0; i < n; i++) {
            double xi, wi;
            gsl_integration_glfixed_point(-1, 1, (size_t)i, &xi, &wi, t);
            if (i >= n / 2) {
                assert_true(x[i - n / 2] == xi);
                assert_true(w[i - n / 2] == wi);
            }
            /* 1e-15 relative plus 2 ulp of 1: long double is only double under
               valgrind, where 1 + xi near xi = -1 loses digits */
            assert_close(c[i], (double)cosl(0.25L * pi * (1 + (long double)xi)), 1e-15, 4.5e-16);
        }
        gsl_integration_glfixed_table_free(t);
    }
    const double *x;
    assert_false(mgn__american_gl_table(10, &x, &x, &x));
    /* the tabulated interpolation weights of the usual scheme (O(1) numbers; the test
       recomputes them at the rounded table points, the generator at the exact ones, so
       they agree to a few ulps) */
    double worst = 0;
    const double *L, *LT, *Lp;
    int n, l, p;
    assert_true(mgn__american_lagrange_tables(&n, &l, &p, &L, &LT, &Lp));
    const double *gx, *gw, *gc;
    assert_true(mgn__american_gl_table(l, &gx, &gw, &gc));
    const double *px, *pw, *pc;
    assert_true(mgn__american_gl_table(p, &px, &pw, &pc));
    for (int j = 0; j < n; j++)
        for (int i = 0; i <= n; i++)
            for (int k = 0; k < l; k++) {
                long double xj = cosl(pi * j / n);
                long double xx = (1 + xj) * (long double)gc[k] - 1;
                double d = fabs(L[(j * (n + 1) + i) * l + k] - (double)lagrange_ld(n, xx, i));
                worst = fmax(worst, d);
                assert_true(d <= 5e-15);
                /* the Jacobian's copy, transposed: the same numbers */
                assert_true(LT[(j * l + k) * 16 + i] == L[(j * (n + 1) + i) * l + k]);
            }
    for (int j = 0; j < n; j++)      /* ... padded with zeros */
        for (int k = 0; k < l; k++)
            for (int i = n + 1; i < 16; i++)
                assert_true(LT[(j * l + k) * 16 + i] == 0);
    for (int i = 0; i <= n; i++)
        for (int k = 0; k < p; k++)
        {
            double d = fabs(Lp[i * p + k] - (double)lagrange_ld(n, 2 * (long double)pc[k] - 1, i));
            worst = fmax(worst, d);
            assert_true(d <= 5e-15);
        }
    print_message("Lagrange tables: largest difference %.3g\n", worst);
}

/* The Newton step's Jacobian is the derivative of the collocation residuals (the
   solution does not depend on it, only the number of steps to it, so no price test
   can see it wrong): against central differences on every scheme choose_scheme
   picks (the usual one with its tabulated weights, the 12- and 24-point ones, the
   compressed maps, the retries and the FP-A form), r above and below q, and the
   double-boundary system. */
static void test_jacobian(void **state)
{
    (void)state;
    static const struct { double T, r, q, sig; int level; } c[] = {
        { 1.0, 0.05, 0.02, 0.3, 0 },    /* usual scheme, tabulated weights */
        { 0.25, 0.03, 0.08, 0.4, 0 },   /* usual, q > r (X = r/q) */
        { 5.0, 0.06, 0.01, 0.25, 0 },   /* 16 nodes, 12 points */
        { 10.0, 0.1, 0.0, 0.1, 0 },     /* 24 points, compressed maps */
        { 1.0, 0.05, 0.02, 0.3, 1 },    /* the retry */
        { 1.0, 0.05, 0.02, 0.3, 2 },    /* FP-A form */
        { 3.0, 0.02, 0.06, 0.2, 2 },
    };
    double worst = 0;
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
        for (double vs = 0.1; vs < 1; vs *= 2.5) {
            double e = mgn__american_jacobian_error(c[i].T, c[i].r, c[i].q, c[i].sig,
                                                    c[i].level, vs);
            if (!(e <= 2e-6))
                print_error("T %g r %g q %g sigma %g level %d scale %g: %.3g\n", c[i].T,
                            c[i].r, c[i].q, c[i].sig, c[i].level, vs, e);
            assert_true(e <= 2e-6);
            worst = fmax(worst, e);
        }
    /* the double-boundary system (put, q < r < 0), over short and long collocation
       intervals */
    static const struct { double te, r, q, sig; } d[] = {
        { 0.5, -0.01, -0.03, 0.2 }, { 5.0, -0.02, -0.05, 0.3 }, { 0.05, -0.005, -0.1, 0.5 },
    };
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++)
        for (double frac = 0.05; frac < 0.15; frac *= 2) {
            double e = mgn__american_db_jacobian_error(d[i].te, d[i].r, d[i].q, d[i].sig, frac);
            if (!(e <= 2e-6))
                print_error("double boundary: te %g r %g q %g sigma %g frac %g: %.3g\n",
                            d[i].te, d[i].r, d[i].q, d[i].sig, frac, e);
            assert_true(e <= 2e-6);
            worst = fmax(worst, e);
        }
    /* a point where a row is the step towards X, not its equation, and a system whose
       residuals are not finite are refused, not compared */
    assert_true(mgn__american_db_jacobian_error(0.05, -0.005, -0.1, 0.5, 0.4) == HUGE_VAL);
    assert_true(mgn__american_jacobian_error(1.0, 0.05, 0.02, 0.3, 0, INFINITY) == HUGE_VAL);
    print_message("Jacobian against central differences: worst %.3g\n", worst);
}

/*---------------------------------------------------------------- bad input catalogue */
/* Every argument with the bad values of the catalogue (tests/README.md,
   tests/bad_input.h). */
#include "bad_input.h"

static void test_bad_input_american(void **state)
{
    (void)state;
    BAD_INPUT_BEGIN();
    const char *fn = "mgn_american_price";
    static const char *const names[6] = { "S", "K", "T", "r", "q", "sigma" };
    const double good[6] = { 100, 90, 0.5, 0.03, 0.01, 0.4 };
    double price;
    for (int arg = 0; arg < 6; arg++) {
        const bad_double *v = arg < 2 ? BAD_D_POSITIVE : arg == 2 || arg == 5 ? BAD_D_NONNEG : BAD_D_FINITE;
        size_t nv = arg < 2 ? BAD_N(BAD_D_POSITIVE) : arg == 2 || arg == 5 ? BAD_N(BAD_D_NONNEG)
                                                                           : BAD_N(BAD_D_FINITE);
        for (size_t k = 0; k < nv; k++)
            for (int type = MGN_CALL; type <= MGN_PUT; type++) {
                double a[6];
                memcpy(a, good, sizeof a);
                a[arg] = v[k].v;
                bad_fill(&price, sizeof price);
                BAD_STATUS(fn, names[arg], v[k].label, MGN_EINVAL,
                           mgn_american_price(type, a[0], a[1], a[2], a[3], a[4], a[5], &price));
                BAD_UNTOUCHED(&price, sizeof price);
            }
    }
    static const struct { const char *label; int v; } bad_type[] = {
        { "-1", -1 }, { "2", 2 }, { "INT_MAX", INT_MAX }, { "INT_MIN", INT_MIN } };
    for (size_t k = 0; k < BAD_N(bad_type); k++) {
        bad_fill(&price, sizeof price);
        BAD_STATUS(fn, "type", bad_type[k].label, MGN_EINVAL,
                   mgn_american_price(bad_type[k].v, 100, 90, 0.5, 0.03, 0.01, 0.4, &price));
        BAD_UNTOUCHED(&price, sizeof price);
    }
    BAD_STATUS(fn, "price", "NULL", MGN_EINVAL,
               mgn_american_price(MGN_PUT, 100, 90, 0.5, 0.03, 0.01, 0.4, NULL));
    /* absurd magnitudes inside the domain */
    for (int type = MGN_CALL; type <= MGN_PUT; type++) {
        BAD_STATUS_NOTE(fn, "S", "DBL_MAX", MGN_OK, "finite output",
                        mgn_american_price(type, DBL_MAX, 90, 0.5, 0.03, 0.01, 0.4, &price));
        assert_true(isfinite(price));
        BAD_STATUS_NOTE(fn, "T", "1e300", MGN_OK, "finite output",
                        mgn_american_price(type, 100, 90, 1e300, 0.03, 0.01, 0.4, &price));
        assert_true(isfinite(price));
    }
    bad_fill(&price, sizeof price);
    BAD_STATUS(fn, "r", "-1e300 (put: K e^{-rT} overflows)", MGN_ERANGE,
               mgn_american_price(MGN_PUT, 100, 90, 0.5, -1e300, 0.01, 0.4, &price));
    BAD_UNTOUCHED(&price, sizeof price);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_file),
        cmocka_unit_test(test_published_values),
        cmocka_unit_test(test_fd_cross_check),
        cmocka_unit_test(test_fd_random),
        cmocka_unit_test(test_bounds_and_symmetry),
        cmocka_unit_test(test_never_exercised),
        cmocka_unit_test(test_monotone),
        cmocka_unit_test(test_sigma_zero),
        cmocka_unit_test(test_expiry_and_deep_itm),
        cmocka_unit_test(test_double_boundary_narrow_band),
        cmocka_unit_test(test_double_boundary_far_from_band),
        cmocka_unit_test(test_rate_near_zero_continuity),
        cmocka_unit_test(test_positive_rate_near_zero),
        cmocka_unit_test(test_zero_rate_small_vol),
        cmocka_unit_test(test_double_boundary_tiny_rate),
        cmocka_unit_test(test_sigma0_range),
        cmocka_unit_test(test_small_sigma_bounds),
        cmocka_unit_test(test_zero_rate_long_life),
        cmocka_unit_test(test_rate_and_carry_next_to_zero),
        cmocka_unit_test(test_far_outside),
        cmocka_unit_test(test_continuation_failed_solve),
        cmocka_unit_test(test_extreme_inputs),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_tables),
        cmocka_unit_test(test_jacobian),
        cmocka_unit_test(test_bad_input_american),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
