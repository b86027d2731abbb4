// QuantLib on the same inputs as bench_pricing, in the same run: ns per option and
// the ratio to libmargin, plus the accuracy of each implied-vol solver.
//
//   make bench-quantlib      (needs libquantlib0-dev)
#include <ql/quantlib.hpp>
#include <cstdio>
#include <vector>
#include <algorithm>
extern "C" {
#include "bench_util.h"
#include "margin.h"
}

using namespace QuantLib;

static double median_of(std::vector<double> v) { return bench_median(v.data(), (int)v.size()); }

int main()
{
    const int reps = 5;
    const size_t n = 200000;
    bench_options o;
    if (bench_options_make(&o, n, 42) != 0) return 1;
    // Implied vol and the engines need T >= 1 day; use whole days so that QuantLib's
    // date-based engine sees the same T.
    for (size_t i = 0; i < n; i++) {
        double days = std::max(1.0, std::round(o.T[i] * 365.0));
        o.T[i] = days / 365.0;
    }
    bench_print_machine("-O2; QuantLib 1.29 from Debian");
    printf("%zu random options, median of %d passes, one thread\n\n", n, reps);
    printf("| %-46s | %10s | %10s | %8s |\n", "path", "QuantLib", "libmargin", "ratio");
    printf("|%s|%s|%s|%s|\n", "------------------------------------------------", "------------",
           "------------", "----------");

    std::vector<double> tq, tm, price(n), fwd(n), df(n);
    for (size_t i = 0; i < n; i++) {
        df[i] = std::exp(-o.r[i] * o.T[i]);
        fwd[i] = o.S[i] * std::exp((o.r[i] - o.q[i]) * o.T[i]);
    }
    // 1. Black formula (QuantLib's fastest path) vs mgn_black76_price and the batch form
    for (int k = 0; k < reps; k++) {
        double t0 = bench_now(), acc = 0;
        for (size_t i = 0; i < n; i++)
            acc += blackFormula(o.type[i] == 0 ? Option::Call : Option::Put, o.K[i], fwd[i],
                                o.sigma[i] * std::sqrt(o.T[i]), df[i]);
        bench_sink = acc;
        tq.push_back((bench_now() - t0) / n * 1e9);
        t0 = bench_now(); acc = 0;
        for (size_t i = 0; i < n; i++) {
            double p;
            mgn_black76_price((mgn_option_type)o.type[i], fwd[i], o.K[i], o.T[i], o.r[i], o.sigma[i], &p);
            acc += p;
        }
        bench_sink = acc;
        tm.push_back((bench_now() - t0) / n * 1e9);
    }
    double q1 = median_of(tq), m1 = median_of(tm);
    printf("| %-46s | %10.1f | %10.1f | %8.2f |\n", "blackFormula vs mgn_black76_price", q1, m1, q1 / m1);
    tm.clear();
    for (int k = 0; k < reps; k++) {
        double t0 = bench_now();
        mgn_bs_price_batch(n, o.type, o.S, o.K, o.T, o.r, o.q, o.sigma, price.data());
        tm.push_back((bench_now() - t0) / n * 1e9);
    }
    double m2 = median_of(tm);
    printf("| %-46s | %10.1f | %10.1f | %8.2f |\n", "blackFormula vs mgn_bs_price_batch", q1, m2, q1 / m2);

    // 2. AnalyticEuropeanEngine (price + Greeks through the instrument) vs mgn_bs_greeks
    {
        size_t ne = 20000;
        Date today(2, January, 2026);
        Settings::instance().evaluationDate() = today;
        DayCounter dc = Actual365Fixed();
        auto spot = ext::make_shared<SimpleQuote>(100.0);
        auto rq = ext::make_shared<SimpleQuote>(0.0), qq = ext::make_shared<SimpleQuote>(0.0),
             vq = ext::make_shared<SimpleQuote>(0.2);
        Handle<YieldTermStructure> rts(ext::make_shared<FlatForward>(today, Handle<Quote>(rq), dc));
        Handle<YieldTermStructure> qts(ext::make_shared<FlatForward>(today, Handle<Quote>(qq), dc));
        Handle<BlackVolTermStructure> vts(ext::make_shared<BlackConstantVol>(today, NullCalendar(), Handle<Quote>(vq), dc));
        auto proc = ext::make_shared<BlackScholesMertonProcess>(Handle<Quote>(spot), qts, rts, vts);
        auto engine = ext::make_shared<AnalyticEuropeanEngine>(proc);
        // One instrument at a time (built, priced, dropped): instruments kept alive
        // would all observe the shared quotes and be notified on every change.
        tq.clear(); tm.clear();
        double maxrel = 0;
        for (int k = 0; k < reps; k++) {
            double t0 = bench_now(), acc = 0;
            for (size_t i = 0; i < ne; i++) {
                spot->setValue(o.S[i]); rq->setValue(o.r[i]); qq->setValue(o.q[i]); vq->setValue(o.sigma[i]);
                auto payoff = ext::make_shared<PlainVanillaPayoff>(o.type[i] == 0 ? Option::Call : Option::Put, o.K[i]);
                auto ex = ext::make_shared<EuropeanExercise>(today + (Integer)std::lround(o.T[i] * 365));
                VanillaOption opt(payoff, ex);
                opt.setPricingEngine(engine);
                acc += opt.NPV() + opt.delta() + opt.vega();
                if (k == 0) {
                    double p;
                    mgn_bs_price((mgn_option_type)o.type[i], o.S[i], o.K[i], o.T[i], o.r[i], o.q[i], o.sigma[i], &p);
                    double ref = opt.NPV();
                    if (ref > 1e-8 * o.K[i]) maxrel = std::max(maxrel, std::fabs(p - ref) / ref);
                }
            }
            bench_sink = acc;
            tq.push_back((bench_now() - t0) / ne * 1e9);
            t0 = bench_now(); acc = 0;
            for (size_t i = 0; i < ne; i++) {
                mgn_greeks g;
                mgn_bs_greeks((mgn_option_type)o.type[i], o.S[i], o.K[i], o.T[i], o.r[i], o.q[i], o.sigma[i], &g);
                acc += g.price + g.delta + g.vega;
            }
            bench_sink = acc;
            tm.push_back((bench_now() - t0) / ne * 1e9);
        }
        double q = median_of(tq), m = median_of(tm);
        printf("| %-46s | %10.1f | %10.1f | %8.2f |\n", "AnalyticEuropeanEngine (NPV, delta, vega) vs mgn_bs_greeks", q, m, q / m);
        printf("|   (largest relative price difference, price > 1e-8 K: %.2g) | | | |\n", maxrel);
    }

    // 3. Implied vol: blackFormulaImpliedStdDev (defaults) vs mgn_black76_implied_vol
    {
        std::vector<size_t> idx;
        for (size_t i = 0; i < n && idx.size() < 50000; i++) {
            double p, lo;
            mgn_black76_price((mgn_option_type)o.type[i], fwd[i], o.K[i], o.T[i], o.r[i], o.sigma[i], &p);
            mgn_black76_price((mgn_option_type)o.type[i], fwd[i], o.K[i], o.T[i], o.r[i], 0, &lo);
            mgn_greeks g;
            mgn_black76_greeks((mgn_option_type)o.type[i], fwd[i], o.K[i], o.T[i], o.r[i], o.sigma[i], &g);
            if (p > lo * (1 + 1e-12) && g.vega * o.sigma[i] > 1e-6 * p) { price[i] = p; idx.push_back(i); }
        }
        size_t ni = idx.size(), q_ok = 0, m_ok = 0, q_fail = 0;
        tq.clear(); tm.clear();
        for (int k = 0; k < reps; k++) {
            double t0 = bench_now(), acc = 0;
            for (size_t j : idx) {
                double sd = 0;
                try {
                    sd = blackFormulaImpliedStdDev(o.type[j] == 0 ? Option::Call : Option::Put, o.K[j], fwd[j], price[j], df[j]);
                } catch (...) { if (k == 0) q_fail++; }
                acc += sd;
                if (k == 0 && std::fabs(sd / std::sqrt(o.T[j]) - o.sigma[j]) <= 1e-8 * o.sigma[j]) q_ok++;
            }
            bench_sink = acc;
            tq.push_back((bench_now() - t0) / ni * 1e9);
            t0 = bench_now(); acc = 0;
            for (size_t j : idx) {
                double s = 0;
                mgn_black76_implied_vol((mgn_option_type)o.type[j], fwd[j], o.K[j], o.T[j], o.r[j], price[j], &s);
                acc += s;
                if (k == 0 && std::fabs(s - o.sigma[j]) <= 1e-12 * o.sigma[j]) m_ok++;
            }
            bench_sink = acc;
            tm.push_back((bench_now() - t0) / ni * 1e9);
        }
        double q = median_of(tq), m = median_of(tm);
        printf("| %-46s | %10.1f | %10.1f | %8.2f |\n", "blackFormulaImpliedStdDev vs mgn_black76_implied_vol", q, m, q / m);
        printf("|   (QuantLib within 1e-8: %.1f%%, %zu exceptions; libmargin within 1e-12: %.1f%%; %zu options) | | | |\n",
               100.0 * q_ok / ni, q_fail, 100.0 * m_ok / ni, ni);
    }

    // 4. American: QdFpAmericanEngine (accurate scheme) vs mgn_american_price
    {
        size_t na = 2000;
        Date today(2, January, 2026);
        Settings::instance().evaluationDate() = today;
        DayCounter dc = Actual365Fixed();
        auto spot = ext::make_shared<SimpleQuote>(100.0);
        auto rq = ext::make_shared<SimpleQuote>(0.0), qq = ext::make_shared<SimpleQuote>(0.0),
             vq = ext::make_shared<SimpleQuote>(0.2);
        Handle<YieldTermStructure> rts(ext::make_shared<FlatForward>(today, Handle<Quote>(rq), dc));
        Handle<YieldTermStructure> qts(ext::make_shared<FlatForward>(today, Handle<Quote>(qq), dc));
        Handle<BlackVolTermStructure> vts(ext::make_shared<BlackConstantVol>(today, NullCalendar(), Handle<Quote>(vq), dc));
        auto proc = ext::make_shared<BlackScholesMertonProcess>(Handle<Quote>(spot), qts, rts, vts);
        auto engine = ext::make_shared<QdFpAmericanEngine>(proc, QdFpAmericanEngine::accurateScheme());
        std::vector<size_t> idx;
        for (size_t i = 0; i < n && idx.size() < na; i++) {
            if (o.sigma[i] > 2 || o.r[i] < 0 || o.q[i] < 0) continue;   // the engine's single-boundary domain
            idx.push_back(i);
        }
        tq.clear(); tm.clear();
        double maxrel = 0;
        for (int k = 0; k < reps; k++) {
            double t0 = bench_now(), acc = 0;
            for (size_t j = 0; j < idx.size(); j++) {
                size_t i = idx[j];
                spot->setValue(o.S[i]); rq->setValue(o.r[i]); qq->setValue(o.q[i]); vq->setValue(o.sigma[i]);
                auto payoff = ext::make_shared<PlainVanillaPayoff>(o.type[i] == 0 ? Option::Call : Option::Put, o.K[i]);
                auto ex = ext::make_shared<AmericanExercise>(today, today + (Integer)std::lround(o.T[i] * 365));
                VanillaOption opt(payoff, ex);
                opt.setPricingEngine(engine);
                double v = 0;
                try { v = opt.NPV(); } catch (...) {}
                acc += v;
                if (k == 0 && v > 1e-6 * o.K[i]) {
                    double p;
                    mgn_american_price((mgn_option_type)o.type[i], o.S[i], o.K[i], o.T[i], o.r[i], o.q[i], o.sigma[i], &p);
                    maxrel = std::max(maxrel, std::fabs(p - v) / v);
                }
            }
            bench_sink = acc;
            tq.push_back((bench_now() - t0) / idx.size() * 1e9);
            t0 = bench_now(); acc = 0;
            for (size_t i : idx) {
                double p;
                mgn_american_price((mgn_option_type)o.type[i], o.S[i], o.K[i], o.T[i], o.r[i], o.q[i], o.sigma[i], &p);
                acc += p;
            }
            bench_sink = acc;
            tm.push_back((bench_now() - t0) / idx.size() * 1e9);
        }
        double q = median_of(tq), m = median_of(tm);
        printf("| %-46s | %10.1f | %10.1f | %8.2f |\n", "QdFpAmericanEngine(accurate) vs mgn_american_price", q, m, q / m);
        printf("|   (largest relative difference, price > 1e-6 K: %.2g) | | | |\n", maxrel);
    }
    bench_options_free(&o);
    return 0;
}
