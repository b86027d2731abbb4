/* American options under Black-Scholes-Merton dynamics with carry q.
 *
 * Method (put; a call is the put of the McDonald-Schroder symmetry
 * C(S, K, T, r, q, sigma) = P(K, S, T, q, r, sigma)):
 *
 *   Andersen, Lake and Offengenden, "High-performance American option pricing",
 *   J. Comput. Finance 20(1), 2016 (ALO below). The put value is the European value
 *   plus the early-exercise premium (ALO eq. 2.5 form)
 *       V = v(T, S) + int_0^T [ r K e^{-r t} N(-d_-(t, S/B(T-t)))
 *                              - q S e^{-q t} N(-d_+(t, S/B(T-t))) ] dt,
 *   d_{+-}(t, z) = (ln z + (r - q) t)/(sigma sqrt t) +- sigma sqrt(t)/2, and the
 *   exercise boundary B solves the smooth-pasting fixed-point system of ALO sec. 3
 *   (their "FP-B" form):
 *       B(tau) = K e^{-(r-q) tau} N(tau, B) / D(tau, B),
 *       N = phi(d_-(tau, B/K))/(sigma sqrt tau)
 *           + r int_0^tau e^{r u} phi(d_-(tau-u, B(tau)/B(u)))/(sigma sqrt(tau-u)) du,
 *       D = phi(d_+(tau, B/K))/(sigma sqrt tau) + N(d_+(tau, B/K))
 *           + q int_0^tau e^{q u} [N(d_+) + phi(d_+)/(sigma sqrt(tau-u))] du.
 *   As in ALO sec. 4, H(zeta) = ln(B/X)^2 is interpolated by a Chebyshev polynomial
 *   on Chebyshev-Lobatto nodes in zeta, with X = K min(1, r/q) the boundary at
 *   expiry and zeta = sqrt(tau) (ALO) or, when drift dominates diffusion, the
 *   compressed zeta = sqrt(tau tm / (tau + tm)) (below).
 *
 *   Differences from the paper, each tested against the reference values:
 *   - The collocation equations ln f_j(B) - ln B_j = 0 are solved by Newton's method
 *     with the exact Jacobian of the discrete system (through the interpolation
 *     weights) and a backtracking line search, instead of ALO's fixed-point sweeps
 *     with one partial Jacobi-Newton step: the plain sweeps diverge (oscillate) when
 *     r >> q and converge slowly when q is a little above r, where Newton converges
 *     quadratically.
 *   - Integrals use Gauss-Legendre in theta with tau - u = tau sin^2(theta),
 *     u = tau cos^2(theta), which is smooth in both sqrt(tau - u) (the singular
 *     kernel) and sqrt(u) (the boundary near expiry); when the drift dominates
 *     (tc = sigma^2/(r-q)^2 much smaller than T) the time to the kernel's peak is
 *     stretched by sqrt(tau - u) = a sinh(W sin theta), a ~ sqrt(tc).
 *
 * Regimes (derivation in the comment above mgn_american_price).
 */
#include "american.h"

#include <string.h>

#define AM_PI 3.14159265358979323846264338327950288

/*---------------------------------------------------------------- quadrature tables */

/* Gauss-Legendre nodes (positive half, ascending) and weights on [-1, 1], printed with
   %.17g from GSL 2.7 gsl_integration_glfixed_point(); tests/test_american.c checks
   every entry against GSL. */
static const double gl8_x[4] = {
    0.18343464249564981,
    0.52553240991632899,
    0.79666647741362673,
    0.96028985649753629
};
static const double gl8_w[4] = {
    0.36268378337836199,
    0.31370664587788727,
    0.22238103445337448,
    0.10122853629037626
};
static const double gl12_x[6] = {
    0.12523340851146891,
    0.36783149899818018,
    0.58731795428661748,
    0.76990267419430469,
    0.90411725637047491,
    0.98156063424671924
};
static const double gl12_w[6] = {
    0.24914704581340277,
    0.23349253653835481,
    0.20316742672306592,
    0.16007832854334622,
    0.10693932599531843,
    0.047175336386511828
};
static const double gl16_x[8] = {
    0.095012509837637441,
    0.28160355077925892,
    0.45801677765722737,
    0.61787624440264377,
    0.755404408355003,
    0.86563120238783176,
    0.9445750230732326,
    0.98940093499164994
};
static const double gl16_w[8] = {
    0.1894506104550685,
    0.18260341504492358,
    0.16915651939500254,
    0.14959598881657674,
    0.12462897125553388,
    0.095158511682492786,
    0.062253523938647894,
    0.027152459411754096
};
static const double gl24_x[12] = {
    0.064056892862605616,
    0.19111886747361631,
    0.3150426796961634,
    0.43379350762604513,
    0.54542147138883956,
    0.64809365193697555,
    0.74012419157855436,
    0.82000198597390295,
    0.88641552700440107,
    0.9382745520027328,
    0.97472855597130947,
    0.99518721999702142
};
static const double gl24_w[12] = {
    0.12793819534675208,
    0.12583745634682822,
    0.12167047292780335,
    0.11550566805372545,
    0.10744427011596543,
    0.097618652104113995,
    0.086190161531953219,
    0.073346481411080355,
    0.059298584915436749,
    0.044277438817419773,
    0.028531388628933656,
    0.0123412297999871
};
static const double gl32_x[16] = {
    0.048307665687738317,
    0.14447196158279649,
    0.23928736225213706,
    0.33186860228212767,
    0.42135127613063533,
    0.50689990893222936,
    0.5877157572407623,
    0.66304426693021523,
    0.73218211874028971,
    0.79448379596794239,
    0.84936761373256997,
    0.89632115576605209,
    0.93490607593773967,
    0.96476225558750639,
    0.98561151154526838,
    0.99726386184948157
};
static const double gl32_w[16] = {
    0.096540088514727798,
    0.095638720079274861,
    0.093844399080804566,
    0.091173878695763891,
    0.087652093004403811,
    0.083311924226946749,
    0.078193895787070311,
    0.072345794108848505,
    0.065822222776361849,
    0.058684093478535544,
    0.050998059262376175,
    0.042835898022226683,
    0.034273862913021431,
    0.025392065309262059,
    0.01627439473090567,
    0.0070186100094700964
};
static const double gl48_x[24] = {
    0.032380170962869367,
    0.097004699209462697,
    0.16122235606889171,
    0.22476379039468905,
    0.28736248735545555,
    0.34875588629216075,
    0.40868648199071672,
    0.46690290475095841,
    0.523160974722233,
    0.57722472608397268,
    0.6288673967765136,
    0.67787237963266389,
    0.72403413092381463,
    0.76715903251574036,
    0.80706620402944262,
    0.84358826162439349,
    0.87657202027424785,
    0.90587913671556963,
    0.93138669070655433,
    0.95298770316043091,
    0.97059159254624727,
    0.98412458372282685,
    0.99353017226635076,
    0.99877100725242607
};
static const double gl48_w[24] = {
    0.064737696812171217,
    0.064466164435950213,
    0.063924238584648088,
    0.063114192286253964,
    0.062039423159892623,
    0.060704439163223121,
    0.05911483969839558,
    0.057277292100403172,
    0.0551995036999842,
    0.052890189485193598,
    0.050359035553854403,
    0.047616658492490402,
    0.044674560856694259,
    0.041545082943464727,
    0.038241351065830737,
    0.034777222564770505,
    0.031167227832798072,
    0.027426509708356916,
    0.023570760839324422,
    0.019616160457355494,
    0.015579315722943915,
    0.011477234579234599,
    0.0073275539012762217,
    0.0031533460523060445
};

typedef struct { int n; const double *x, *w; } gl_rule;

static const gl_rule gl_rules[] = {
    { 8, gl8_x, gl8_w }, { 12, gl12_x, gl12_w }, { 16, gl16_x, gl16_w },
    { 24, gl24_x, gl24_w }, { 32, gl32_x, gl32_w }, { 48, gl48_x, gl48_w },
};

static const gl_rule *gl_get(int n)
{
    for (size_t i = 0; i < sizeof gl_rules / sizeof gl_rules[0]; i++)
        if (gl_rules[i].n == n)
            return &gl_rules[i];
    return NULL;
}

/* i-th node and weight (i = 0 .. n-1) of the full rule. */
static void gl_node(const gl_rule *g, int i, double *x, double *w)
{
    int h = g->n / 2;
    if (i < h) { *x = -g->x[h - 1 - i]; *w = g->w[h - 1 - i]; }
    else       { *x = g->x[i - h];      *w = g->w[i - h]; }
}

MGN_INTERNAL int mgn__american_gl_table(int n, const double **x, const double **w)
{
    const gl_rule *g = gl_get(n);
    if (!g)
        return 0;
    *x = g->x;
    *w = g->w;
    return 1;
}

/*---------------------------------------------------------------- vector kernels */

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
/* glibc's libmvec has vector exp and erfc; declaring them lets the vectoriser call them
   (math.h declares them only under -ffast-math). Same arrangement as lib/batch.c. */
#pragma omp declare simd notinbranch
extern double exp(double);
#pragma omp declare simd notinbranch
extern double erfc(double);
#define AM_MULTIVERSION __attribute__((target_clones("default", "avx2", "avx512f")))
#define AM_SIMD _Pragma("omp simd")
#define AM_SIMD_SUM_NODE _Pragma("omp simd reduction(+:Ni, Di, Nl, Dl)")
#define AM_SIMD_SUM_E _Pragma("omp simd reduction(+:e)")
#define AM_SIMD_SUM_A _Pragma("omp simd reduction(+:a)")
#else
#define AM_MULTIVERSION
#define AM_SIMD
#define AM_SIMD_SUM_NODE
#define AM_SIMD_SUM_E
#define AM_SIMD_SUM_A
#endif

#define AM_MAXN 16   /* Chebyshev intervals */
#define AM_MAXL 24   /* fixed-point quadrature points */
#define AM_MAXP 48   /* price quadrature points */

/* Per-node data of the fixed-point integrals, quadrature point k contiguous. */
typedef struct {
    double vz[AM_MAXL];       /* sigma sqrt(t), t = tau_j - u */
    double ivz[AM_MAXL];      /* 1 / vz */
    double drift[AM_MAXL];    /* (r - q) t */
    double er[AM_MAXL];       /* w e^{r u} / vz  (N integrand weight) */
    double eq[AM_MAXL];       /* w e^{q u}       (D integrand weight) */
    double L[AM_MAXN + 1][AM_MAXL];   /* Lagrange weights of the boundary at u */
    double LT[AM_MAXL][AM_MAXN + 1];  /* the same, transposed */
} am_node;

/* Sums over the quadrature points of node j for the boundary values H_i = v_i^2 at the
   nodes and v_j = ln(X/B_j): out[0..3] = int N, int D, d/d ln B_j of each; per point,
   hk = ln(X/B(u)) and the derivatives nl, dl of the N and D integrands. */
AM_MULTIVERSION
static void node_sums(const am_node *restrict nd, int l, int n, const double *restrict H,
                      double vj, double *restrict hk, double *restrict nl,
                      double *restrict dl, double *restrict out)
{
    double Hu[AM_MAXL];
AM_SIMD
    for (int k = 0; k < l; k++)
        Hu[k] = nd->L[0][k] * H[0];
    for (int i = 1; i <= n; i++) {
        const double Hi = H[i];
AM_SIMD
        for (int k = 0; k < l; k++)
            Hu[k] += nd->L[i][k] * Hi;
    }
    double Ni = 0, Di = 0, Nl = 0, Dl = 0;
AM_SIMD_SUM_NODE
    for (int k = 0; k < l; k++) {
        double hu = Hu[k] * (Hu[k] > 0);  /* an undershoot of H means B = X */
        double h = sqrt(hu);
        double ivz = nd->ivz[k];
        double ep = (h - vj + nd->drift[k]) * ivz + 0.5 * nd->vz[k], em = ep - nd->vz[k];
        double pe = MGN_INV_SQRT_2PI * exp(-0.5 * ep * ep);
        double pm = MGN_INV_SQRT_2PI * exp(-0.5 * em * em);
        double cdf = 0.5 * erfc(-ep * MGN_SQRT1_2);
        double er = nd->er[k], eq = nd->eq[k];
        double a = -er * em * pm * ivz, b = eq * pe * (1 - ep * ivz) * ivz;
        Ni += er * pm;
        Di += eq * (cdf + pe * ivz);
        Nl += a;
        Dl += b;
        nl[k] = a;
        dl[k] = b;
        hk[k] = h;
    }
    out[0] = Ni; out[1] = Di; out[2] = Nl; out[3] = Dl;
}

/* The early-exercise premium integral for spot s (strike 1) at p points (t: time from
   now, u = T - t), with ln(X/B(u))^2 interpolated through the weights Lp. */
AM_MULTIVERSION
static double premium_sum(int p, int n, const double *restrict H, double (*Lp)[AM_MAXP],
                          const double *restrict t, const double *restrict w, double lns,
                          double lnX, double r, double q, double sig, double s)
{
    double Hu[AM_MAXP];
AM_SIMD
    for (int k = 0; k < p; k++)
        Hu[k] = Lp[0][k] * H[0];
    for (int i = 1; i <= n; i++) {
        const double Hi = H[i];
AM_SIMD
        for (int k = 0; k < p; k++)
            Hu[k] += Lp[i][k] * Hi;
    }
    double e = 0;
AM_SIMD_SUM_E
    for (int k = 0; k < p; k++) {
        double lnB = lnX - sqrt(Hu[k] * (Hu[k] > 0));
        double vz = sig * sqrt(t[k]);
        double ep = (lns - lnB + (r - q) * t[k]) / vz + 0.5 * vz, em = ep - vz;
        e += w[k] * (r * exp(-r * t[k]) * 0.5 * erfc(em * MGN_SQRT1_2)
                     - q * s * exp(-q * t[k]) * 0.5 * erfc(ep * MGN_SQRT1_2));
    }
    return e;
}

/* Barycentric Lagrange weights L[i][k] (row stride ld) of the Chebyshev-Lobatto nodes
   xn[i] = cos(i pi/n) at the m points x[k] (Berrut and Trefethen, "Barycentric Lagrange
   interpolation", SIAM Review 46(3), 2004, eq. 5.2). A point on a node gets weight 1
   there (its 1/0 becomes 1/1e-300, which dominates the normalisation). */
AM_MULTIVERSION
static void lagrange_block(int n, const double *restrict xn, int m, const double *restrict x,
                           double *restrict L, int ld)
{
    double s[AM_MAXP];
AM_SIMD
    for (int k = 0; k < m; k++)
        s[k] = 0;
    for (int i = 0; i <= n; i++) {
        double wi = ((i & 1) ? -1.0 : 1.0) * ((i == 0 || i == n) ? 0.5 : 1.0), xi = xn[i];
        double *Li = L + i * ld;
AM_SIMD
        for (int k = 0; k < m; k++) {
            double d = x[k] - xi;
            d += (d == 0) * 1e-300;
            double t = wi / d;
            Li[k] = t;
            s[k] += t;
        }
    }
AM_SIMD
    for (int k = 0; k < m; k++)
        s[k] = 1 / s[k];
    for (int i = 0; i <= n; i++) {
        double *Li = L + i * ld;
AM_SIMD
        for (int k = 0; k < m; k++)
            Li[k] *= s[k];
    }
}

/* Node data from the quadrature nodes t (time before tau_j), u = tau_j - t and weights
   w; xm: the collocation coordinate of each u. */
AM_MULTIVERSION
static void node_setup(am_node *restrict nd, int l, const double *restrict t,
                       const double *restrict u, const double *restrict w, double r, double q,
                       double sig, double itm, double zT, double *restrict xm)
{
AM_SIMD
    for (int k = 0; k < l; k++) {
        double vz = sig * sqrt(t[k]), ivz = 1 / vz;
        nd->vz[k] = vz;
        nd->ivz[k] = ivz;
        nd->drift[k] = (r - q) * t[k];
        nd->er[k] = w[k] * exp(r * u[k]) * ivz;
        nd->eq[k] = w[k] * exp(q * u[k]);
        xm[k] = 2 * sqrt(u[k] / (1 + u[k] * itm)) / zT - 1;
    }
}

/* Jacobian row through the interpolated boundary: row[i] = v_i sum_k c_k L_i(u_k),
   c_k = (rN nl_k - qD dl_k) / hk_k (zero where the boundary at u_k is X). */
AM_MULTIVERSION
static void jac_row(const am_node *restrict nd, int l, int n, const double *restrict hk,
                    const double *restrict nl, const double *restrict dl, double rN, double qD,
                    const double *restrict v, double *restrict row)
{
    double c[AM_MAXL], acc[AM_MAXN + 1];
AM_SIMD
    for (int k = 0; k < l; k++) {
        double h = hk[k];
        c[k] = (h > 0) * (rN * nl[k] - qD * dl[k]) / (h + (h == 0));
    }
AM_SIMD
    for (int i = 0; i < n; i++)
        acc[i] = 0;
    for (int k = 0; k < l; k++) {
        const double ck = c[k], *Lk = nd->LT[k];
AM_SIMD
        for (int i = 0; i < n; i++)
            acc[i] += ck * Lk[i];
    }
AM_SIMD
    for (int i = 0; i < n; i++)
        row[i] = acc[i] * v[i];
}

/*---------------------------------------------------------------- scheme */

typedef struct {
    int n, l, p;     /* Chebyshev intervals (n+1 nodes), quadrature points (FP, price) */
    double tm;       /* collocation map scale (years); 0: zeta = sqrt(tau) */
    double aq;       /* quadrature stretch a (sqrt years); 0: plain theta map */
    int maxit;       /* Newton iterations */
} am_scheme;

/* Nodes t_k (time before tau), u_k = tau - t_k and weights w_k of a rule for
   int_0^tau f dt, from the rule's sin/cos of theta_k and GL weights wth_k (already
   times pi/4). Plain: t = tau sin^2(th), u = tau cos^2(th), th in [0, pi/2];
   stretched: sqrt(t) = a sinh(W sin th), W = asinh(sqrt(tau)/a). */
static void quad_nodes(int m, const double *sn, const double *cs, const double *wth,
                       double tau, double a, double *t, double *u, double *w)
{
    if (a > 0) {
        double W = asinh(sqrt(tau) / a);
        for (int k = 0; k < m; k++) {
            double e = W * sn[k], sq = a * sinh(e);
            t[k] = sq * sq;
            u[k] = a * a * sinh(W - e) * sinh(W + e);
            w[k] = wth[k] * 2 * sq * a * cosh(e) * W * cs[k];
        }
    } else {
        for (int k = 0; k < m; k++) {
            t[k] = tau * sn[k] * sn[k];
            u[k] = tau * cs[k] * cs[k];
            w[k] = wth[k] * 2 * tau * sn[k] * cs[k];
        }
    }
}

/* theta_k = pi/4 (1 + y_k) of a Gauss-Legendre rule: sin, cos, weight pi/4 w_k. */
static void theta_rule(const gl_rule *g, double *sn, double *cs, double *wth)
{
    for (int k = 0; k < g->n; k++) {
        double y, wy;
        gl_node(g, k, &y, &wy);
        double th = 0.25 * AM_PI * (1 + y);
        sn[k] = sin(th);
        cs[k] = cos(th);
        wth[k] = 0.25 * AM_PI * wy;
    }
}

/* Solves A x = b in place (b becomes x) by Gaussian elimination with partial
   pivoting; A is n x n row-major. Returns 0 if singular. */
static int lu_solve(int n, double *A, double *b)
{
    for (int c = 0; c < n; c++) {
        int piv = c;
        for (int i = c + 1; i < n; i++)
            if (fabs(A[i * n + c]) > fabs(A[piv * n + c]))
                piv = i;
        if (!(fabs(A[piv * n + c]) > 0))
            return 0;
        if (piv != c) {
            for (int k = 0; k < n; k++) {
                double t = A[c * n + k]; A[c * n + k] = A[piv * n + k]; A[piv * n + k] = t;
            }
            double t = b[c]; b[c] = b[piv]; b[piv] = t;
        }
        double inv = 1.0 / A[c * n + c];
        for (int i = c + 1; i < n; i++) {
            double f = A[i * n + c] * inv;
            for (int k = c + 1; k < n; k++)
                A[i * n + k] -= f * A[c * n + k];
            b[i] -= f * b[c];
        }
    }
    for (int i = n - 1; i >= 0; i--) {
        double s = b[i];
        for (int k = i + 1; k < n; k++)
            s -= A[i * n + k] * b[k];
        b[i] = s / A[i * n + i];
    }
    return 1;
}

/*---------------------------------------------------------------- the put, one boundary */

typedef struct {
    int n, l;
    double r, q, sig, lnX;
    double tau[AM_MAXN + 1];
    am_node nd[AM_MAXN];
} am_system;

/* Collocation residuals R[j] = ln f_j(B) - ln B_j, j < n, at v = ln(X/B) (f: the
   right-hand side of the fixed-point system) and, if J is not NULL, the Jacobian
   dR/dv of the discrete system: through B_j directly, and through the interpolated
   boundary ln B(u) = ln X - sqrt(sum_i L_i(u) v_i^2) at the quadrature points.
   Returns max_j |R_j| (+inf if a residual is not finite). */
static double am_residual(const am_system *S, const double *v, double *R, double *J)
{
    const int n = S->n, l = S->l;
    const double r = S->r, q = S->q, sig = S->sig;
    double H[AM_MAXN + 1], rmax = 0;
    for (int i = 0; i <= n; i++)
        H[i] = v[i] * v[i];
    for (int j = 0; j < n; j++) {
        const am_node *nd = &S->nd[j];
        const double tj = S->tau[j], vt = sig * sqrt(tj), lnb = S->lnX - v[j];
        const double dp = (lnb + (r - q) * tj) / vt + 0.5 * vt, dm = dp - vt;
        double hk[AM_MAXL], nl[AM_MAXL], dl[AM_MAXL], sums[4];
        node_sums(nd, l, n, H, v[j], hk, nl, dl, sums);
        const double pdm = mgn__norm_pdf(dm), pdp = mgn__norm_pdf(dp);
        const double N = pdm / vt + r * sums[0];
        const double D = pdp / vt + mgn__norm_cdf(dp) + q * sums[1];
        if (!(N > 0 && D > 0 && N < HUGE_VAL && D < HUGE_VAL)) {
            /* Far from the solution (q < 0 can make D negative there): the row asks
               Newton to halve v_j, moving the node toward X. */
            R[j] = 0.5 * v[j];
            if (J)
                for (int i = 0; i < n; i++)
                    J[j * n + i] = i == j;
        } else {
            R[j] = -(r - q) * tj + log(N / D) - lnb;
            if (J) {
                const double N0l = -dm * pdm / (vt * vt);
                const double D0l = pdp * (1 - dp / vt) / vt;
                const double gj = (N0l + r * sums[2]) / N - (D0l + q * sums[3]) / D;
                jac_row(nd, l, n, hk, nl, dl, r / N, q / D, v, J + j * n);
                J[j * n + j] += 1 - gj;
            }
        }
        double a = fabs(R[j]);
        if (!(a <= rmax))
            rmax = a == a ? a : HUGE_VAL;
    }
    return rmax;
}

/* Early-exercise premium of a put with strike 1 and spot s in the single-boundary
   regime (r > 0, or r == 0 < -q), and the exercise boundary at tau = T. Returns NaN
   if the iteration failed. */
static double put_premium(double s, double T, double r, double q, double sig,
                          const am_scheme *sc, double *bT)
{
    const gl_rule *g = gl_get(sc->l), *gp = gl_get(sc->p);
    const int n = sc->n, l = sc->l, p = sc->p;
    am_system S;
    S.n = n; S.l = l; S.r = r; S.q = q; S.sig = sig;
    const double X = (q > 0 && r < q) ? r / q : 1.0;    /* boundary at expiry */
    S.lnX = log(X);
    const double itm = sc->tm > 0 ? 1 / sc->tm : 0;
    const double zT = sqrt(T / (1 + T * itm));
    double xn[AM_MAXN + 1];
    for (int i = 0; i <= n; i++) {
        xn[i] = cos(AM_PI * i / n);
        double z = 0.5 * zT * (1 + xn[i]), z2 = z * z;
        S.tau[i] = z2 / (1 - z2 * itm);
    }
    S.tau[n] = 0;

    /* quadrature nodes and interpolation weights, fixed for the iteration */
    double sn[AM_MAXP], cs[AM_MAXP], wth[AM_MAXP];
    theta_rule(g, sn, cs, wth);
    for (int j = 0; j < n; j++) {
        am_node *nd = &S.nd[j];
        double t[AM_MAXL], u[AM_MAXL], w[AM_MAXL], xm[AM_MAXL];
        quad_nodes(l, sn, cs, wth, S.tau[j], sc->aq, t, u, w);
        node_setup(nd, l, t, u, w, r, q, sig, itm, zT, xm);
        lagrange_block(n, xn, l, xm, &nd->L[0][0], AM_MAXL);
        for (int k = 0; k < l; k++)
            for (int i = 0; i <= n; i++)
                nd->LT[k][i] = nd->L[i][k];
    }

    /* Initial boundary: the perpetual boundary B_inf = lambda/(lambda - 1) (lambda < 0
       the negative root of sigma^2/2 x (x-1) + (r-q) x - r = 0) approached from X
       like the Bjerksund-Stensland (1993) trigger, h = -((r-q) tau + 2 sigma sqrt(tau))
       X/(X - B_inf); near expiry raised to the asymptotic boundary of Evans, Kuske and
       Keller ("American options on assets with dividends near expiry", Math. Finance
       12(3), 2002): ln(X/B) ~ sigma sqrt(tau ln(sigma^2 / (8 pi tau (r-q)^2))) for
       r > q, ~ 2 xi0 sigma sqrt(tau) with xi0 = 0.4517 for q > r. Newton converges
       from there in a few steps; from the trigger shape alone the nodes nearest to
       expiry took twice as many. */
    double v[AM_MAXN + 1];
    {
        double b0 = r - q - 0.5 * sig * sig, disc = b0 * b0 + 2 * sig * sig * r;
        double lam = disc > 0 ? (-b0 - sqrt(disc)) / (sig * sig) : 0;
        double Binf = lam < 0 ? lam / (lam - 1) : 0;
        if (Binf > X)
            Binf = X;
        double vinf = Binf > 0 ? S.lnX - log(Binf) : 50;
        for (int j = 0; j <= n; j++) {
            double tj = S.tau[j];
            double h = -((r - q) * tj + 2 * sig * sqrt(tj)) * X / (X - Binf);
            double b = Binf + (X - Binf) * exp(h);
            double vj = b > 0 ? S.lnX - log(b) : 50, va;
            if (r > q) {
                double d2 = (r - q) * (r - q) > 1e-12 ? (r - q) * (r - q) : 1e-12;
                double L = -log(8 * AM_PI * tj * d2 / (sig * sig));
                va = sig * sqrt(tj * (L > 1 ? L : 1));
            } else {
                va = 2 * 0.4517 * sig * sqrt(tj);
            }
            if (va > vinf)
                va = vinf;
            if (va > vj)
                vj = va;
            v[j] = vj > 0 ? (vj < 50 ? vj : 50) : 0;
        }
        v[n] = 0;
    }

    /* Newton's method with a backtracking line search on max_j |R_j|. */
    double R[AM_MAXN], J[AM_MAXN * AM_MAXN], vold[AM_MAXN + 1], dv[AM_MAXN];
    double rold = HUGE_VAL, rprev = HUGE_VAL, alpha = 1;
    int ok = 0;
    memcpy(vold, v, sizeof v);
    for (int it = 0, nbt = 0; it < sc->maxit; it++) {
        double rn = am_residual(&S, v, R, J);
        if (!(rn < rold * (1 - 1e-4 * alpha)) && nbt < 8) {
            alpha *= 0.5;
            nbt++;
            for (int j = 0; j < n; j++) {
                double x = vold[j] - alpha * dv[j];
                v[j] = x > 0 ? x : 0.5 * vold[j];
            }
            continue;
        }
        nbt = 0;
        alpha = 1;
        rold = rn;
        memcpy(vold, v, sizeof v);
        if (!lu_solve(n, J, R))
            break;
        double step = 0;
        for (int j = 0; j < n; j++) {
            dv[j] = R[j];
            double x = v[j] - dv[j];
            if (!(x == x))
                x = v[j];
            if (x > v[j] + 2)
                x = v[j] + 2;
            v[j] = x > 0 ? x : 0.5 * v[j];
            if (fabs(v[j] - vold[j]) > step)
                step = fabs(v[j] - vold[j]);
        }
        /* Quadratic convergence (the residual fell at least tenfold): this step's
           error is of order rn^2, so no further evaluation is needed. */
        if (rn < 3e-5 && rn < 0.1 * rprev && step < 1e-3) {
            ok = 1;
            break;
        }
        rprev = rn;
    }
    if (!ok)
        return NAN;

    double H[AM_MAXN + 1];
    for (int i = 0; i <= n; i++)
        H[i] = v[i] * v[i];
    *bT = X * exp(-v[0]);
    /* the price integral over t in [0, T] (t: time from now, u = T - t) */
    double psn[AM_MAXP], pcs[AM_MAXP], pwth[AM_MAXP], pt[AM_MAXP], pu[AM_MAXP], pw[AM_MAXP];
    double Lp[AM_MAXN + 1][AM_MAXP];
    theta_rule(gp, psn, pcs, pwth);
    quad_nodes(p, psn, pcs, pwth, T, sc->aq, pt, pu, pw);
    double xp[AM_MAXP];
    for (int k = 0; k < p; k++)
        xp[k] = 2 * sqrt(pu[k] / (1 + pu[k] * itm)) / zT - 1;
    lagrange_block(n, xn, p, xp, &Lp[0][0], AM_MAXP);
    return premium_sum(p, n, H, Lp, pt, pw, log(s), S.lnX, r, q, sig, s);
}

/*---------------------------------------------------------------- double boundary */

#define FD_MAXX 640

/* Put (strike 1, spot s) in the double-boundary regime q < r < 0, where the exercise
   region [Y(tau), B(tau)] lies between r/q and 1 and closes after a finite time
   (Andersen and Lake, "Fast American option pricing: the double-boundary case",
   Wilmott 2021). Finite differences in x = ln S on nx intervals with ln s on a node,
   cell-averaged payoff, time-to-maturity grid tau_k = T (k/m)^2, Crank-Nicolson with
   two implicit-Euler half steps in each of the first two intervals (Rannacher), and
   the complementarity problem min(A V - b, V - payoff) = 0 of every step solved
   exactly by policy iteration (Howard), which allows the two boundaries. */
static double put_fd_grid(double s, double T, double r, double q, double sig, int nx, int m)
{
    double x0 = log(s), sd = sig * sqrt(T);
    double lo = (x0 < 0 ? x0 : 0) - 8 * sd - fabs(r - q) * T - 0.02;
    double hi = (x0 > 0 ? x0 : 0) + 8 * sd + fabs(r - q) * T + 0.02;
    double lr = log(r / q);
    if (lo > lr - 0.02)
        lo = lr - 0.02;
    double h = (hi - lo) / nx;
    int below = (int)ceil((x0 - lo) / h), above = (int)ceil((hi - x0) / h);
    int n = below + above + 1;
    if (n > FD_MAXX)
        return NAN;
    double V[FD_MAXX], g[FD_MAXX], d[FD_MAXX], a[FD_MAXX], b[FD_MAXX], c[FD_MAXX];
    double cp[FD_MAXX], Vn[FD_MAXX];
    unsigned char act[FD_MAXX];
    for (int i = 0; i < n; i++) {
        double x = x0 + (i - below) * h, el = x - 0.5 * h, eu = x + 0.5 * h;
        double e = exp(x);
        g[i] = e < 1 ? 1 - e : 0;
        /* cell average of (1 - e^y)^+ over [el, eu] */
        double top = eu < 0 ? eu : 0;
        V[i] = top > el ? ((top - el) - (exp(top) - exp(el))) / h : 0;
    }
    const double mu = r - q - 0.5 * sig * sig, s2 = 0.5 * sig * sig / (h * h), m1 = 0.5 * mu / h;
    const double cl = s2 - m1, cd = -2 * s2 - r, cu = s2 + m1;
    double tau = 0;
    for (int k = 0; k < m; k++) {
        double f0 = (double)k / m, f1 = (double)(k + 1) / m;
        double dtk = T * (f1 * f1 - f0 * f0);
        int sub = k < 2 ? 2 : 1;
        double th = k < 2 ? 1.0 : 0.5, dt = dtk / sub;
        for (int ss = 0; ss < sub; ss++) {
            tau += dt;
            for (int i = 1; i < n - 1; i++)
                d[i] = V[i] + (1 - th) * dt * (cl * V[i - 1] + cd * V[i] + cu * V[i + 1]);
            double slo = exp(x0 - below * h);
            double fwd = exp(-r * tau) - slo * exp(-q * tau);
            d[0] = fwd > g[0] ? fwd : g[0];
            d[n - 1] = 0;
            for (int i = 0; i < n; i++)
                act[i] = i > 0 && i < n - 1 && V[i] <= g[i];
            for (int iter = 0; iter < 50; iter++) {
                /* assemble and solve (Thomas) */
                double bp, dp;
                b[0] = 1; c[0] = 0; a[0] = 0;
                cp[0] = 0; Vn[0] = d[0];
                for (int i = 1; i < n; i++) {
                    double ai, bi, ci, di;
                    if (i == n - 1 || act[i]) { ai = 0; bi = 1; ci = 0; di = i == n - 1 ? 0 : g[i]; }
                    else { ai = -th * dt * cl; bi = 1 - th * dt * cd; ci = -th * dt * cu; di = d[i]; }
                    bp = bi - ai * cp[i - 1];
                    cp[i] = ci / bp;
                    dp = (di - ai * Vn[i - 1]) / bp;
                    Vn[i] = dp;
                    a[i] = ai; b[i] = bi; c[i] = ci;
                }
                for (int i = n - 2; i >= 0; i--)
                    Vn[i] -= cp[i] * Vn[i + 1];
                int changed = 0;
                for (int i = 1; i < n - 1; i++) {
                    double Av = -th * dt * cl * Vn[i - 1] + (1 - th * dt * cd) * Vn[i]
                                - th * dt * cu * Vn[i + 1] - d[i];
                    unsigned char na = Av > Vn[i] - g[i];
                    if (na != act[i]) { act[i] = na; changed = 1; }
                }
                if (!changed)
                    break;
            }
            memcpy(V, Vn, sizeof(double) * n);
        }
    }
    (void)a; (void)b; (void)c;
    return V[below];
}

static double put_fd(double s, double T, double r, double q, double sig)
{
    double v1 = put_fd_grid(s, T, r, q, sig, 300, 300);
    double v2 = put_fd_grid(s, T, r, q, sig, 600, 600);
    return (4 * v2 - v1) / 3;
}

/*---------------------------------------------------------------- dispatch */

/* Scheme for the single-boundary put: sizes grow where the boundary has a second time
   scale tc = sigma^2/(r-q)^2 much shorter than T (drift-dominated), or where it
   falls far below X (large sigma sqrt(T)). */
static void choose_scheme(double T, double r, double q, double sig, am_scheme *sc)
{
    double tc = (r != q) ? sig * sig / ((r - q) * (r - q)) : HUGE_VAL;
    sc->maxit = 16;
    if (tc >= 0.25 * T && sig * sqrt(T) <= 2.0) {
        sc->n = 10; sc->l = 8; sc->p = 24; sc->tm = 0; sc->aq = 0;
    } else if (tc >= 0.25 * T) {
        sc->n = 12; sc->l = 12; sc->p = 32; sc->tm = 0; sc->aq = 0;
    } else {
        sc->n = 16; sc->l = 24; sc->p = 48; sc->tm = 4 * tc; sc->aq = sqrt(16 * tc);
    }
}

/* Put with strike 1 and spot s, T > 0, sigma > 0, early exercise possible. */
static double put_value(double s, double T, double r, double q, double sig)
{
    double euro = mgn__bs_price(MGN_PUT, s, 1.0, T, r, q, sig);
    double intrinsic = s < 1 ? 1 - s : 0;
    double v;
    if (r < 0 && q < r) {
        v = put_fd(s, T, r, q, sig);
    } else {
        am_scheme sc;
        choose_scheme(T, r, q, sig, &sc);
        double bT = 0;
        double eep = put_premium(s, T, r, q, sig, &sc, &bT);
        if (eep == eep && s <= bT)
            return intrinsic;              /* in the exercise region */
        v = euro + eep;
    }
    if (!(v == v))
        v = euro;
    if (v < euro)
        v = euro;
    if (v < intrinsic)
        v = intrinsic;
    return v;
}

/* sigma == 0: the deterministic path S e^{(r-q)t}; the value of exercising at t is
   g(t) = K e^{-rt} - S e^{-qt} (put), a difference of two exponentials with at most
   one stationary point, t* = ln(qS/(rK))/(q - r). The best exercise time is 0, T or t*,
   and the value is max(0, g(0), g(T), g(t*)). */
static double put_sigma0(double S, double K, double T, double r, double q)
{
    double best = K - S;
    double gT = mgn__bs_price(MGN_PUT, S, K, T, r, q, 0.0);   /* max(g(T), 0) */
    if (gT > best)
        best = gT;
    if (q != r && r != 0) {
        double ratio = (q * S) / (r * K);
        if (ratio > 0) {
            double ts = log(ratio) / (q - r);
            if (ts > 0 && ts < T) {
                double gs = K * exp(-r * ts) - S * exp(-q * ts);
                if (gs > best)
                    best = gs;
            }
        }
    }
    return best > 0 ? best : 0;
}

/* When is early exercise never optimal? For a put (strike K, value V >= K - S) the
   discounted exercise value e^{-rt}(K - S_t) has drift e^{-rt}(q S_t - r K) dt inside
   the money (Ito; at S = K the payoff's kink only adds a positive local-time term), so
   exercising can only be optimal where q S < r K. If r <= 0 and q >= r that set holds
   no S < K: r <= 0 <= q gives q S >= 0 >= r K; r <= q < 0 gives q S > q K >= r K
   for S < K. Then the discounted payoff is a submartingale until expiry and
   V = European. Conversely, r > 0 makes deep in-the-money exercise optimal, and
   q < r <= 0 leaves the band r K/q < S < K where exercise can be optimal (two
   boundaries when r < 0, one from S = K when r = 0). So: a put is never exercised
   early iff r <= 0 and q >= r; by the symmetry a call never iff q <= 0 and r >= q. */
int mgn_american_price(mgn_option_type type, double S, double K, double T, double r,
                       double q, double sigma, double *price)
{
    if (!price || !mgn__euro_args_ok((int)type, S, K, T, r, q, sigma))
        return MGN_EINVAL;
    /* the put of the symmetry: spot Sp, strike Kp, rate rp, carry qp */
    double Sp = S, Kp = K, rp = r, qp = q;
    if (type == MGN_CALL) { Sp = K; Kp = S; rp = q; qp = r; }
    double v;
    if (T == 0) {
        v = Kp > Sp ? Kp - Sp : 0;
    } else if (rp <= 0 && qp >= rp) {
        v = mgn__bs_price((int)type, S, K, T, r, q, sigma);
    } else if (sigma == 0) {
        v = put_sigma0(Sp, Kp, T, rp, qp);
    } else {
        double s = Sp / Kp;
        if (!(s > 0) || !isfinite(s)) {
            /* ratio out of range: the option is either worthless or pure intrinsic */
            v = s > 1 ? mgn__bs_price(MGN_PUT, Sp, Kp, T, rp, qp, sigma) : Kp - Sp;
        } else {
            v = Kp * put_value(s, T, rp, qp, sigma);
        }
    }
    if (!isfinite(v))
        return MGN_ERANGE;
    *price = v;
    return MGN_OK;
}
