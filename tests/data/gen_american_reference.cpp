/*
 * Regenerates the American option reference values used by tests/test_american.c.
 * Not built by make; kept for reproducibility.
 *
 * Build (Debian 12, QuantLib 1.29 from libquantlib0-dev, Boost 1.74, GSL 2.7, g++ 12),
 * after make (mode scan calls the library):
 *   g++ -std=c++17 -O2 -Iinclude tests/data/gen_american_reference.cpp \
 *       -o /tmp/gen_american_reference lib/libmargin.a \
 *       $(pkg-config --cflags --libs quantlib) -lgsl -lgslcblas -lmvec
 *
 * Modes (every mode prints CSV rows on stdout; the '#' header lines of the data files
 * record the exact command that produced them):
 *
 *   gen_american_reference ql   N SEED   N random cases (single-boundary regimes and the
 *                                        regimes where early exercise is never optimal),
 *                                        priced by QuantLib's QdFpAmericanEngine with a
 *                                        tanh-sinh scheme far finer than its
 *                                        highPrecisionScheme(): QdFpTanhSinhIterationScheme
 *                                        (m = 24, n = 150, eps = 1e-12); a second run with
 *                                        (m = 30, n = 200, eps = 1e-12) gives the
 *                                        uncertainty column (their difference).
 *   gen_american_reference qllong N SEED N random long-dated cases where the put of the
 *                                        symmetry has a high rate (T 5 to 10 years, that
 *                                        rate 10% to 15% (put) or 20% (call), sigma 0.15 to
 *                                        0.6), priced as in mode ql: the region where a
 *                                        scan against the ql engine found the usual
 *                                        collocation scheme short of 1e-6 (lib/american.c,
 *                                        choose_scheme).
 *   gen_american_reference qldrift N SEED N random cases where the forward falls through
 *                                        the exercise boundary during the life at small
 *                                        volatilities (the put of the symmetry deep in
 *                                        the money, strike 1.5 to 5 times the spot, rate
 *                                        1% to 8%, carry 8 points above it up to 20%, 15%
 *                                        for a call's rate; sigma 0.01 to 0.02, T 1 to 10
 *                                        years), priced as in mode
 *                                        ql: where one quadrature rule over the life
 *                                        missed the turn of the premium integrand
 *                                        (lib/american.c, split_time).
 *   gen_american_reference qllist 0 0    the cases listed on stdin, one per line as
 *                                        "P|C S K days r q sigma", priced as in mode ql.
 *   gen_american_reference scan N SEED   not a data file: N random single-boundary cases
 *                                        of mode ql's domain priced by mgn_american_price
 *                                        and by QuantLib's highPrecisionScheme(), those
 *                                        farther apart than 0.2 of the tolerance
 *                                        (1e-6 relative, 1e-7 K) again by the (24, 150,
 *                                        1e-12) scheme; prints the cases beyond half the
 *                                        tolerance and a summary line.
 *   gen_american_reference fd   N SEED   N random cases in the double-boundary regime
 *                                        (put with q < r < 0, call with r < q < 0), which
 *                                        QuantLib 1.29 refuses; priced by the finite-
 *                                        difference solver below (calls priced as calls,
 *                                        not through the put-call symmetry).
 *   gen_american_reference fdcheck N SEED  the FD solver on single-boundary cases next to
 *                                        the QuantLib value, to show the FD accuracy.
 *   gen_american_reference tables 0 0    the static tables of lib/american.c: Gauss-Legendre
 *                                        nodes and weights (GSL), cos(theta_k) of the angle
 *                                        rules and the Lagrange weights of the usual scheme
 *                                        (long double; the fixed-point weights also
 *                                        transposed and padded to 16), printed with %.17g.
 *
 * The finite-difference solver (independent of the integral-equation method):
 *   x = ln S, uniform grid with ln S0 on a node, half-width 10 sigma sqrt(T) + |r-q| T
 *   around ln S0 and ln K; payoff averaged over each cell (removes the kink error);
 *   time-to-maturity grid tau_k = T (k/M)^2; Crank-Nicolson with the first two intervals
 *   replaced by two implicit Euler half steps each (Rannacher); at every step the linear
 *   complementarity problem  min(A V - b, V - payoff) = 0  is solved exactly by policy
 *   iteration (Howard), which handles an exercise region with two boundaries; Dirichlet
 *   boundary values max(payoff, discounted forward payoff); Richardson extrapolation
 *   (4 V(h/2) - V(h)) / 3 over grids (Nx, M) = (4000, 4000) and (8000, 8000).
 *   The uncertainty column is |V(h/2) - V(h)| / 3.
 *
 * Output columns: type,S,K,T,r,q,sigma,price,uncertainty,method
 *   T = days / 365 exactly as QuantLib's Actual365Fixed year fraction (printed %.17g).
 */
#include <ql/quantlib.hpp>
#include "margin.h"
#include <gsl/gsl_integration.h>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using namespace QuantLib;

namespace {

uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
double U() {
    rng_state ^= rng_state >> 12; rng_state ^= rng_state << 25; rng_state ^= rng_state >> 27;
    return (double)((rng_state * 2685821657736338717ULL) >> 11) * 0x1.0p-53;
}
double logU(double lo, double hi) { return std::exp(std::log(lo) + (std::log(hi) - std::log(lo)) * U()); }
double round4(double x) { return std::round(x * 1e4) / 1e4; }

struct Case { bool put; double S, K; int days; double r, q, sig; };

/* One random case of the stated domain: K/S in [0.2, 5], T from 1 day to 10 years,
   sigma 0.01 .. 2, r in [-2%, 15%], q in [-5%, 20%]; a third of the cases are near the
   money, and some sit on the regime edges (r = 0, q = 0, q = r, 1 day, 10 years). */
Case random_case() {
    Case c;
    c.put = U() < 0.5;
    c.S = logU(1.0, 1000.0);
    double u = U();
    c.K = (u < 0.35) ? c.S * logU(0.9, 1.1111111111) : c.S * logU(0.2, 5.0);
    u = U();
    if (u < 0.45) c.days = (int)std::lround(logU(1.0, 3650.0));
    else if (u < 0.9) c.days = 1 + (int)(U() * 3650.0);
    else c.days = (U() < 0.5) ? 1 : 3650;
    if (c.days < 1) c.days = 1;
    if (c.days > 3650) c.days = 3650;
    u = U();
    c.sig = (u < 0.06) ? 0.01 : (u < 0.12) ? 2.0 : logU(0.01, 2.0);
    c.sig = std::round(c.sig * 1e6) / 1e6;
    c.r = round4(-0.02 + 0.17 * U());
    c.q = round4(-0.05 + 0.25 * U());
    u = U();
    if (u < 0.08) c.r = 0.0; else if (u < 0.16) c.q = 0.0; else if (u < 0.24) c.q = c.r;
    c.S = std::round(c.S * 1e6) / 1e6;
    c.K = std::round(c.K * 1e6) / 1e6;
    return c;
}

bool double_boundary(const Case& c) {
    double rp = c.put ? c.r : c.q, qp = c.put ? c.q : c.r;   /* the put of the symmetry */
    return rp < 0.0 && qp < rp;
}

Real ql_price(const Case& c, const ext::shared_ptr<QdFpIterationScheme>& scheme) {
    Date today(1, June, 2022);
    Settings::instance().evaluationDate() = today;
    Actual365Fixed dc;
    auto proc = ext::make_shared<BlackScholesMertonProcess>(
        Handle<Quote>(ext::make_shared<SimpleQuote>(c.S)),
        Handle<YieldTermStructure>(ext::make_shared<FlatForward>(today, c.q, dc)),
        Handle<YieldTermStructure>(ext::make_shared<FlatForward>(today, c.r, dc)),
        Handle<BlackVolTermStructure>(ext::make_shared<BlackConstantVol>(today, NullCalendar(), c.sig, dc)));
    VanillaOption opt(ext::make_shared<PlainVanillaPayoff>(c.put ? Option::Put : Option::Call, c.K),
                      ext::make_shared<AmericanExercise>(today, today + c.days));
    opt.setPricingEngine(ext::make_shared<QdFpAmericanEngine>(proc, scheme));
    return opt.NPV();
}

/* ------------------------------------------------------------------ FD solver */

/* Solves the tridiagonal system a_i x_{i-1} + b_i x_i + c_i x_{i+1} = d_i (Thomas). */
void thomas(int n, const std::vector<double>& a, const std::vector<double>& b,
            const std::vector<double>& c, const std::vector<double>& d, std::vector<double>& x,
            std::vector<double>& cp, std::vector<double>& dp) {
    cp[0] = c[0] / b[0]; dp[0] = d[0] / b[0];
    for (int i = 1; i < n; i++) {
        double m = b[i] - a[i] * cp[i - 1];
        cp[i] = c[i] / m; dp[i] = (d[i] - a[i] * dp[i - 1]) / m;
    }
    x[n - 1] = dp[n - 1];
    for (int i = n - 2; i >= 0; i--) x[i] = dp[i] - cp[i] * x[i + 1];
}

double fd_price_grid(const Case& c, int Nx, int M) {
    const double T = c.days / 365.0, sig = c.sig, r = c.r, q = c.q, K = c.K, S0 = c.S;
    const double x0 = std::log(S0), xk = std::log(K);
    const double half = 10.0 * sig * std::sqrt(T) + std::fabs(r - q) * T + 0.05;
    const double lo = std::min(x0, xk) - half, hi = std::max(x0, xk) + half;
    /* uniform grid with x0 a node: i0 nodes below */
    const double h0 = (hi - lo) / Nx;
    const int below = (int)std::ceil((x0 - lo) / h0), above = (int)std::ceil((hi - x0) / h0);
    const int n = below + above + 1;
    const double h = h0;
    std::vector<double> x(n), g(n), V(n), a(n), b(n), cc(n), d(n), cp(n), dp(n), Vn(n);
    for (int i = 0; i < n; i++) x[i] = x0 + (i - below) * h;
    auto payoff = [&](double s) { return c.put ? std::max(K - s, 0.0) : std::max(s - K, 0.0); };
    /* cell-averaged payoff: (1/h) int_{x-h/2}^{x+h/2} payoff(e^y) dy, exact */
    auto cellavg = [&](double xc) {
        double l = xc - 0.5 * h, u = xc + 0.5 * h;
        double sgn = c.put ? -1.0 : 1.0;            /* payoff = max(sgn (e^y - K), 0) */
        double a0 = c.put ? l : std::max(l, xk), a1 = c.put ? std::min(u, xk) : u;
        if (a1 <= a0) return 0.0;
        return sgn * ((std::exp(a1) - std::exp(a0)) - K * (a1 - a0)) / h;
    };
    for (int i = 0; i < n; i++) { g[i] = payoff(std::exp(x[i])); V[i] = cellavg(x[i]); }
    const double mu = r - q - 0.5 * sig * sig, s2 = 0.5 * sig * sig / (h * h), m1 = 0.5 * mu / h;
    /* L V_i = lo_c V_{i-1} + di_c V_i + up_c V_{i+1} */
    const double lo_c = s2 - m1, di_c = -2.0 * s2 - r, up_c = s2 + m1;
    auto bc = [&](double s, double tau) {
        double fwd = c.put ? K * std::exp(-r * tau) - s * std::exp(-q * tau)
                           : s * std::exp(-q * tau) - K * std::exp(-r * tau);
        return std::max(payoff(s), fwd);
    };
    std::vector<double> taus;
    for (int k = 0; k <= M; k++) { double f = (double)k / M; taus.push_back(T * f * f); }
    std::vector<std::pair<double, double>> steps;   /* (dt, theta) */
    for (int k = 0; k < M; k++) {
        double dt = taus[k + 1] - taus[k];
        if (k < 2) { steps.push_back({0.5 * dt, 1.0}); steps.push_back({0.5 * dt, 1.0}); }
        else steps.push_back({dt, 0.5});
    }
    std::vector<char> act(n, 0), act2(n, 0);
    double tau = 0.0;
    for (auto& st : steps) {
        const double dt = st.first, th = st.second;
        tau += dt;
        /* rhs = (I + (1-th) dt L) V */
        for (int i = 1; i < n - 1; i++)
            d[i] = V[i] + (1 - th) * dt * (lo_c * V[i - 1] + di_c * V[i] + up_c * V[i + 1]);
        const double vl = bc(std::exp(x[0]), tau), vh = bc(std::exp(x[n - 1]), tau);
        for (int i = 0; i < n; i++) act[i] = (V[i] <= g[i]) && i > 0 && i < n - 1;
        for (int iter = 0; iter < 100; iter++) {
            for (int i = 0; i < n; i++) {
                if (i == 0 || i == n - 1) { a[i] = 0; cc[i] = 0; b[i] = 1; }
                else if (act[i]) { a[i] = 0; cc[i] = 0; b[i] = 1; }
                else { a[i] = -th * dt * lo_c; b[i] = 1 - th * dt * di_c; cc[i] = -th * dt * up_c; }
            }
            std::vector<double> rhs(d);
            rhs[0] = vl; rhs[n - 1] = vh;
            for (int i = 1; i < n - 1; i++) if (act[i]) rhs[i] = g[i];
            thomas(n, a, b, cc, rhs, Vn, cp, dp);
            /* policy improvement: row i active iff (A V - d)_i > (V - g)_i */
            bool same = true;
            for (int i = 1; i < n - 1; i++) {
                double Av = -th * dt * lo_c * Vn[i - 1] + (1 - th * dt * di_c) * Vn[i]
                            - th * dt * up_c * Vn[i + 1] - d[i];
                act2[i] = Av > Vn[i] - g[i];
                if (act2[i] != act[i]) same = false;
            }
            if (same) break;
            std::swap(act, act2);
        }
        V.swap(Vn);
    }
    return V[below];
}

void fd_price(const Case& c, double* price, double* unc) {
    double v1 = fd_price_grid(c, 4000, 4000);
    double v2 = fd_price_grid(c, 8000, 8000);
    *price = (4.0 * v2 - v1) / 3.0;
    *unc = std::fabs(v2 - v1) / 3.0;
}

void print_row(const Case& c, double price, double unc, const char* method) {
    std::printf("%c,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.3g,%s\n", c.put ? 'P' : 'C',
                c.S, c.K, c.days / 365.0, c.r, c.q, c.sig, price, unc, method);
    std::fflush(stdout);
}


/* ------------------------------------------------------------------ tables */

const long double LPI = 3.14159265358979323846264338327950288L;

void lagrange_ld(int n, long double x, long double* L) {
    long double s = 0;
    for (int i = 0; i <= n; i++) {
        long double d = x - cosl(LPI * i / n);
        long double w = ((i & 1) ? -1.0L : 1.0L) * ((i == 0 || i == n) ? 0.5L : 1.0L);
        L[i] = w / d;
        s += L[i];
    }
    for (int i = 0; i <= n; i++) L[i] /= s;
}

/* cos(pi/4 (1 + y_k)) over the nodes y_k (ascending) of the m-point rule */
std::vector<long double> theta_cos(int m) {
    std::vector<long double> c(m);
    gsl_integration_glfixed_table* t = gsl_integration_glfixed_table_alloc(m);
    for (int k = 0; k < m; k++) {
        double x, w;
        gsl_integration_glfixed_point(-1, 1, k, &x, &w, t);
        c[k] = cosl(0.25L * LPI * (1.0L + (long double)x));
    }
    gsl_integration_glfixed_table_free(t);
    return c;
}

void print_tables() {
    const int sizes[] = {8, 12, 16, 24, 32, 48};
    for (int n : sizes) {
        gsl_integration_glfixed_table* t = gsl_integration_glfixed_table_alloc(n);
        double x, w;
        std::printf("static const double gl%d_x[%d] = {\n", n, n / 2);
        for (int i = 0; i < n / 2; i++) {
            gsl_integration_glfixed_point(-1, 1, n / 2 + i, &x, &w, t);
            std::printf("    %.17g%s\n", x, i + 1 < n / 2 ? "," : "");
        }
        std::printf("};\nstatic const double gl%d_w[%d] = {\n", n, n / 2);
        for (int i = 0; i < n / 2; i++) {
            gsl_integration_glfixed_point(-1, 1, n / 2 + i, &x, &w, t);
            std::printf("    %.17g%s\n", w, i + 1 < n / 2 ? "," : "");
        }
        std::printf("};\n");
        gsl_integration_glfixed_table_free(t);
    }
    for (int n : sizes) {
        std::vector<long double> c = theta_cos(n);
        std::printf("static const double th%d_c[%d] = {\n", n, n);
        for (int k = 0; k < n; k++) std::printf("    %.17g%s\n", (double)c[k], k + 1 < n ? "," : "");
        std::printf("};\n");
    }
    const int n = 10, l = 8, p = 32;
    std::vector<long double> cl = theta_cos(l), cp = theta_cos(p);
    long double L[11];
    std::printf("static const double am10_fp_L[10][11][8] = {\n");
    for (int j = 0; j < n; j++) {
        long double xj = cosl(LPI * j / n);
        std::printf("  {");
        for (int i = 0; i <= n; i++) {
            std::printf("%s{", i ? ",\n   " : "");
            for (int k = 0; k < l; k++) {
                lagrange_ld(n, (1 + xj) * cl[k] - 1, L);
                std::printf("%s%.17g", k ? ", " : "", (double)L[i]);
            }
            std::printf("}");
        }
        std::printf("}%s\n", j + 1 < n ? "," : "");
    }
    std::printf("};\n");
    std::printf("static const double am10_fp_LT[10][8][16] = {\n");
    for (int j = 0; j < n; j++) {
        long double xj = cosl(LPI * j / n);
        std::printf("  {");
        for (int k = 0; k < l; k++) {
            lagrange_ld(n, (1 + xj) * cl[k] - 1, L);
            std::printf("%s{", k ? ",\n   " : "");
            for (int i = 0; i < 16; i++)
                std::printf("%s%.17g", i ? ", " : "", i <= n ? (double)L[i] : 0.0);
            std::printf("}");
        }
        std::printf("}%s\n", j + 1 < n ? "," : "");
    }
    std::printf("};\n");
    std::printf("static const double am10_p32_L[11][32] = {\n");
    for (int i = 0; i <= n; i++) {
        std::printf("  {");
        for (int k = 0; k < p; k++) {
            lagrange_ld(n, 2 * cp[k] - 1, L);
            std::printf("%s%.17g", k ? ", " : "", (double)L[i]);
        }
        std::printf("}%s\n", i < n ? "," : "");
    }
    std::printf("};\n");
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: %s ql|qllong|qldrift|qllist|scan|fd|fdcheck|tables N SEED\n", argv[0]);
        return 2;
    }
    const std::string mode = argv[1];
    if (mode == "tables") {
        print_tables();
        return 0;
    }
    const int N = std::atoi(argv[2]);
    rng_state += (uint64_t)std::strtoull(argv[3], nullptr, 10) * 0x2545F4914F6CDD1DULL;
    const auto xp = ext::make_shared<QdFpTanhSinhIterationScheme>(24, 150, 1e-12);
    const auto xp2 = ext::make_shared<QdFpTanhSinhIterationScheme>(30, 200, 1e-12);
    /* a row priced by the QdFp engine, its uncertainty from the second scheme */
    auto print_ql = [&](const Case& c) {
        double a = ql_price(c, xp), b = ql_price(c, xp2);
        print_row(c, a, std::fabs(a - b), "qdfp-tanhsinh(24,150,1e-12)");
    };
    if (mode == "scan") {
        const auto hp = QdFpAmericanEngine::highPrecisionScheme();
        int n = 0, over = 0, half = 0, fine = 0, refused = 0;
        double worst = 0;
        while (n < N) {
            Case c = random_case();
            if (double_boundary(c))
                continue;
            double v = 0;
            if (mgn_american_price(c.put ? MGN_PUT : MGN_CALL, c.S, c.K, c.days / 365.0, c.r,
                                   c.q, c.sig, &v) != MGN_OK)
                v = NAN;
            /* the header's tolerance: 1e-6 relative, or 1e-7 K near zero */
            auto tol_of = [&](double ref) { return std::max(1e-6 * std::fabs(ref), 1e-7 * c.K); };
            double ref;
            try {
                ref = ql_price(c, hp);
                if (!(std::fabs(v - ref) <= 0.2 * tol_of(ref))) {
                    ref = ql_price(c, xp);
                    fine++;
                }
            } catch (const std::exception&) {   /* QuantLib refuses a few edge cases */
                refused++;
                continue;
            }
            double e = std::fabs(v - ref) / tol_of(ref);
            if (!(e <= 0.5)) {
                std::printf("# %.3f of the tolerance: ", e);
                print_row(c, ref, 0, "qdfp-tanhsinh(24,150,1e-12)");
            }
            over += !(e <= 1);
            half += !(e <= 0.5);
            worst = std::max(worst, e);
            n++;
        }
        std::printf("# scan: %d options, %d beyond the tolerance, %d beyond half of it, "
                    "worst %.3f of it; %d priced again by the finer scheme, %d more "
                    "refused by QuantLib\n", n, over, half, worst, fine, refused);
        return over != 0;
    }
    if (mode == "qllist") {
        char t;
        Case c;
        while (std::scanf(" %c %lf %lf %d %lf %lf %lf", &t, &c.S, &c.K, &c.days, &c.r, &c.q,
                          &c.sig) == 7) {
            c.put = t == 'P';
            print_ql(c);
        }
        return 0;
    }
    for (int i = 0; i < N; i++) {
        Case c = random_case();
        if (mode == "ql") {
            if (double_boundary(c)) { i--; continue; }
            print_ql(c);
        } else if (mode == "qllong") {
            c.days = 1825 + (int)(U() * 1826.0);
            if (c.days > 3650) c.days = 3650;
            c.sig = std::round(logU(0.15, 0.6) * 1e6) / 1e6;
            c.K = std::round(c.S * logU(0.25, 2.5) * 1e6) / 1e6;
            if (c.put) {
                c.r = round4(0.10 + 0.05 * U());
                c.q = round4(-0.05 + 0.25 * U());
            } else {
                c.q = round4(0.10 + 0.10 * U());
                c.r = round4(-0.02 + 0.17 * U());
            }
            print_ql(c);
        } else if (mode == "qldrift") {
            c.days = 365 + (int)(U() * 3286.0);
            if (c.days > 3650) c.days = 3650;
            c.sig = std::round(logU(0.01, 0.02) * 1e6) / 1e6;
            double lo = round4(0.01 + 0.07 * U()), hi = round4(lo + 0.08 + (0.12 - lo) * U());
            double m = 1.5 + 3.5 * U();               /* K/S of the put of the symmetry */
            if (c.put) {
                c.K = std::round(c.S * m * 1e6) / 1e6;
                c.r = lo;
                c.q = hi;
            } else {
                c.K = std::round(c.S / m * 1e6) / 1e6;
                c.q = lo;
                c.r = hi > 0.15 ? 0.15 : hi;
            }
            print_ql(c);
        } else if (mode == "fd") {
            /* force the double-boundary regime: put with q < r < 0, call with r < q < 0,
               inside r in [-2%, 0), q in [-5%, 0) */
            c.r = round4(-0.0001 - 0.0199 * U());
            c.q = c.put ? round4(-0.05 + (c.r + 0.05 - 0.0001) * U())
                        : round4(c.r + 0.0001 + (-c.r - 0.0002) * U());
            if (!double_boundary(c)) { i--; continue; }
            double p, u;
            fd_price(c, &p, &u);
            print_row(c, p, u, "fd-cn-rannacher-howard-richardson(4000/8000)");
        } else if (mode == "fdcheck") {
            if (double_boundary(c)) { i--; continue; }
            double p, u;
            fd_price(c, &p, &u);
            double a = ql_price(c, xp);
            std::printf("# fd %.12g (unc %.2g)  ql %.12g  rel diff %.2e\n", p, u, a,
                        std::fabs(p - a) / std::max(a, 1e-300));
            print_row(c, p, u, "fd-check");
        } else {
            std::fprintf(stderr, "unknown mode\n");
            return 2;
        }
    }
    return 0;
}
