"""One-day VaR and ES of the bundled BTC/ETH book by every method, from Python.

    MARGIN_LIBRARY=$PWD/lib/libmargin.so /usr/bin/python3 examples/python/var_report.py \
        [book.csv [market.csv [returns.csv]]]

The Python twin of examples/var_report.c, through the ctypes binding margin.py (numpy
required): VaR 99% and ES 97.5% (and ES 99%, to read VaR <= ES on one level) by
historical simulation (equal weights, age-weighted BRW, filtered), delta-normal,
delta-gamma Cornish-Fisher and Monte Carlo (normal and Student-t); component ES per
position; a backtest of rolling VaR against the P&L of the history (Kupiec,
Christoffersen, Basel zone); the EWMA dynamic-margin scan range. Run it from the
repository root. The return history is SYNTHETIC (its header says how it was made).
Any failing call raises margin.MarginError with the library's message; the script
then exits non-zero.
"""

import csv
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import margin  # noqa: E402

BOOK_HEADER = ["account", "instrument", "underlying", "type", "settlement", "exercise",
               "quantity", "multiplier", "strike", "expiry_days", "mark_vol_pct",
               "entry_price"]
MARKET_HEADER = ["underlying", "spot", "rate_pct", "carry_pct"]
WINDOW = 250          # backtest: VaR from the previous 250 days


class InputError(Exception):
    pass


def read_rows(path, header):
    """(line number, fields) of the data lines; '#' lines and blank lines skipped."""
    rows, seen_header = [], False
    with open(path, newline="") as f:
        for line_no, fields in enumerate(csv.reader(f), 1):
            fields = [x.strip() for x in fields]
            if not fields or not fields[0] or fields[0].startswith("#"):
                continue
            if not seen_header:
                if fields != header:
                    raise InputError("%s:%d: expected the header %s" % (path, line_no,
                                                                       ",".join(header)))
                seen_header = True
                continue
            if len(fields) != len(header):
                raise InputError("%s:%d: expected %d columns" % (path, line_no, len(header)))
            rows.append((line_no, fields))
    return rows


def number(path, line, col, s, required):
    if s in ("", "-"):
        if required:
            raise InputError("%s:%d: column %s is required here" % (path, line, col))
        return 0.0
    try:
        return float(s)
    except ValueError:
        raise InputError("%s:%d: column %s: not a number: %r" % (path, line, col, s))


def read_market(path):
    names, markets = [], []
    for line, f in read_rows(path, MARKET_HEADER):
        names.append(f[0])
        markets.append(margin.Market(spot=number(path, line, "spot", f[1], True),
                                     rate=number(path, line, "rate_pct", f[2], True) / 100,
                                     carry=number(path, line, "carry_pct", f[3], True) / 100))
    return names, markets


def read_book(path, names):
    """positions (margin.Position), their accounts and lines."""
    positions, accounts, lines = [], [], []
    for line, f in read_rows(path, BOOK_HEADER):
        instrument = f[1].lower()
        if instrument not in ("option", "future", "perpetual"):
            raise InputError("%s:%d: unknown instrument %r" % (path, line, f[1]))
        if f[2] not in names:
            raise InputError("%s:%d: underlying %r not in the market file" % (path, line, f[2]))
        if f[4].lower() not in ("linear", "inverse"):
            raise InputError("%s:%d: settlement must be linear or inverse" % (path, line))
        opt = instrument == "option"
        if opt and (f[3].lower() not in ("call", "put")
                    or f[5].lower() not in ("european", "american")):
            raise InputError("%s:%d: an option needs call/put and european/american"
                             % (path, line))
        positions.append(margin.Position(
            instrument=instrument, underlying=names.index(f[2]),
            option_type=f[3].lower() if opt else "call", settlement=f[4].lower(),
            exercise=f[5].lower() if opt else "european",
            quantity=number(path, line, "quantity", f[6], True),
            multiplier=number(path, line, "multiplier", f[7], True),
            strike=number(path, line, "strike", f[8], opt),
            expiry=number(path, line, "expiry_days", f[9], instrument != "perpetual") / 365,
            vol=number(path, line, "mark_vol_pct", f[10], opt) / 100,
            entry_price=number(path, line, "entry_price", f[11], not opt)))
        accounts.append(f[0])
        lines.append(line)
    return positions, accounts, lines


def read_returns(path, names):
    header = ["day"] + ["%s_return" % n for n in names] + ["%s_vol_change" % n for n in names]
    data = np.array([[float(x) for x in f] for _, f in read_rows(path, header)])
    m = len(names)
    return data[:, 1:1 + m].copy(), data[:, 1 + m:].copy()


def describe(p, names):
    u = names[p.underlying]
    inv = "inv" if p.settlement == "inverse" else "lin"
    if p.instrument == "option":
        return "%+g %s %.0fd %.0f %s %s" % (p.quantity, u, p.expiry * 365, p.strike,
                                           p.option_type, inv)
    if p.instrument == "future":
        return "%+g %s %.0fd future %s" % (p.quantity, u, p.expiry * 365, inv)
    return "%+g %s perpetual %s" % (p.quantity, u, inv)


def zero_mean_cov(x):
    """Covariance about a zero mean (the parametric and Monte Carlo models' assumption)."""
    return x.T @ x / len(x)


def main(argv):
    book_path = argv[1] if len(argv) > 1 else "examples/data/book.csv"
    folder = os.path.dirname(book_path)
    market_path = argv[2] if len(argv) > 2 else os.path.join(folder, "market.csv")
    returns_path = argv[3] if len(argv) > 3 else os.path.join(folder, "btc_eth_returns.csv")

    names, mkts = read_market(market_path)
    pos, accts, lines = read_book(book_path, names)
    ret, dvol = read_returns(returns_path, names)
    try:
        margin.portfolio_check(mkts, pos)
    except margin.InvalidArgumentError as exc:
        if exc.first_bad is None:
            raise
        raise InputError("%s:%d: position rejected by mgn_portfolio_check: %s"
                         % (book_path, lines[exc.first_bad], exc.message))
    n_days, m = ret.shape
    value = margin.portfolio_value(mkts, pos)
    print("libmargin %s (Python) - one-day VaR and ES of %s: %d positions, value %.0f USD"
          % (margin.version(), book_path, len(pos), value))
    vols = ", ".join("%s %.2f%% / %.2f%%" % (names[u], 100 * np.sqrt(np.mean(ret[:, u] ** 2)),
                                            100 * np.sqrt(np.mean(ret[-60:, u] ** 2)))
                     for u in range(m))
    print("history: %s, %d days (SYNTHETIC); daily vol, all / last 60 days: %s"
          % (returns_path, n_days, vols))

    # ---------------------------------------------------------------- 1. every method
    cov = zero_mean_cov(ret)
    cov_log = zero_mean_cov(np.log1p(ret))
    greeks = margin.portfolio_greeks(mkts, pos)
    spot = np.array([mk.spot for mk in mkts])
    delta = np.array([g.delta for g in greeks]) * spot                  # cash deltas
    gamma = np.diag([g.gamma for g in greeks]) * np.outer(spot, spot)   # cash gammas

    rows = []
    for name, note, weighting in (
            ("historical (HS)", "%d scenarios, full revaluation" % n_days, 0),
            ("HS age-weighted", "BRW, lambda 0.99", margin.MGN_HS_BRW),
            ("filtered HS", "EWMA vol rescaling, lambda 0.94", margin.MGN_HS_FILTERED)):
        r99 = margin.var_historical(mkts, pos, ret, dvol, confidence=0.99, weighting=weighting)
        r975 = margin.var_historical(mkts, pos, ret, dvol, confidence=0.975,
                                     weighting=weighting)
        rows.append((name, r99.var, r975.es, r99.es, None, None, note))
    v99, e99 = margin.var_delta_normal(delta, cov, 0.99)
    _, e975 = margin.var_delta_normal(delta, cov, 0.975)
    rows.append(("delta-normal", v99, e975, e99, None, None,
                 "cash deltas, covariance of the history"))
    d99 = margin.var_delta_gamma(delta, gamma, cov, 0.99)
    d975 = margin.var_delta_gamma(delta, gamma, cov, 0.975)
    rows.append(("delta-gamma CF", d99.var, d975.es, d99.es, None, None,
                 "Cornish-Fisher, skew %.2f, excess kurt %.2f" % (d99.skew, d99.kurtosis)))
    for name, df in (("Monte Carlo normal", 0.0), ("Monte Carlo t(4)", 4.0)):
        kw = dict(n_paths=100000, seed=42, df=df, antithetic=1)
        a = margin.var_montecarlo(mkts, pos, cov_log, confidence=0.99, **kw)
        b = margin.var_montecarlo(mkts, pos, cov_log, confidence=0.975, **kw)
        rows.append((name, a.var, b.es, a.es, a.var_se, b.es_se,
                     "100k antithetic paths, seed 42"))

    print("\n1. One-day VaR and ES of the whole book, USD (losses positive)")
    print("  %-19s %11s %11s %11s %9s %9s  %s" % ("method", "VaR 99%", "ES 97.5%", "ES 99%",
                                                 "VaR s.e.", "ES97.5 se", "model"))
    ok = True
    for name, v, e975, e99, vse, ese, note in rows:
        sane = np.isfinite([v, e975, e99]).all() and v <= e99 * (1 + 1e-12)
        ok &= bool(sane)
        fmt = lambda x: "-" if x is None else "%.0f" % x   # noqa: E731
        print("  %-19s %11.0f %11.0f %11.0f %9s %9s  %s%s"
              % (name, v, e975, e99, fmt(vse), fmt(ese), note, "" if sane else "  [VaR > ES?]"))
    print("  (parametric methods ignore the one-day time decay and the implied-vol moves that\n"
          "   the historical methods revalue; Monte Carlo keeps vols fixed, lets one day pass)")

    # ---------------------------------------------------------------- 2. component ES
    shocks, weights = margin.hs_scenarios(ret, dvol, confidence=0.975)
    pnl = margin.scenario_pnl_matrix(mkts, pos, shocks, dt=1 / 365)
    c = margin.var_es_contrib(pnl, None, 0.975)
    order = np.argsort(-c.es_contrib)
    print("\n2. Component ES 97.5% (historical, Euler allocation): top contributors")
    print("  %-13s %-30s %12s %7s %14s" % ("account", "position", "ES contr USD", "share",
                                          "incremental ES"))
    for i in order[:8]:
        print("  %-13s %-30s %12.0f %6.1f%% %14.0f" % (accts[i], describe(pos[i], names),
                                                     c.es_contrib[i],
                                                     100 * c.es_contrib[i] / c.es,
                                                     c.incr_es[i]))
    i = order[-1]
    print("  ... %d positions in all; the biggest hedge (most negative): %s %s, %.0f USD"
          % (len(pos), accts[i], describe(pos[i], names), c.es_contrib[i]))
    print("  contributions sum to %.0f USD = ES 97.5%% %.0f USD (difference %.1e)"
          % (c.es_contrib.sum(), c.es, c.es_contrib.sum() - c.es))
    ok &= bool(abs(c.es_contrib.sum() - c.es) <= 1e-6 * abs(c.es) + 1e-6)

    # ---------------------------------------------------------------- 3. backtest
    days = range(WINDOW, n_days)
    day_shocks = np.stack([ret, dvol], axis=-1)[WINDOW:]              # (T, m, 2)
    realised = np.array([margin.scenario_pnl(mkts, pos, [s], dt=1 / 365)[0]
                         for s in day_shocks])
    models = {
        "historical (HS)": [margin.var_historical(mkts, pos, ret[t - WINDOW:t],
                                                  dvol[t - WINDOW:t]).var for t in days],
        "filtered HS": [margin.var_historical(mkts, pos, ret[t - WINDOW:t], dvol[t - WINDOW:t],
                                              weighting=margin.MGN_HS_FILTERED).var
                        for t in days],
        "delta-normal": [margin.var_delta_normal(delta, zero_mean_cov(ret[t - WINDOW:t]),
                                                 0.99)[0] for t in days],
    }
    T = len(realised)
    print("\n3. Backtest: VaR 99%% from the previous %d days vs the P&L of each of the last "
          "%d days" % (WINDOW, T))
    print("  %-19s %5s %10s %8s %9s %10s %9s  %s" % ("model", "days", "exceptions",
                                                    "expected", "Kupiec p", "Christ. p",
                                                    "cc p", "Basel zone (cum. prob.)"))
    zones = {margin.MGN_ZONE_GREEN: "green", margin.MGN_ZONE_YELLOW: "yellow",
             margin.MGN_ZONE_RED: "red"}
    for name, var in models.items():
        bt = margin.backtest(margin.backtest_exceptions(realised, var), 0.99)
        print("  %-19s %5d %10d %8.1f %9.4f %10.4f %9.4f  %s (%.6f)"
              % (name, bt.n_obs, bt.n_exceptions, 0.01 * T, bt.p_pof, bt.p_ind, bt.p_cc,
                 zones[bt.zone], bt.cum_prob))
        ok &= all(0 <= p <= 1 for p in (bt.p_pof, bt.p_ind, bt.p_cc))
    print("  (p-values: small = reject the model; the history's volatility triples on day 300: "
          "HS with\n   equal weights reacts slowly, filtered HS rescales to the current EWMA "
          "volatility)")

    # ---------------------------------------------------------------- 4. dynamic margin
    dp = margin.dynmargin_params()
    print("\n4. EWMA dynamic margin: price scan range, %.0f%% over %.0f days, lambda %.2f, "
          "APC buffer %.0f%%, floor over the whole history"
          % (100 * dp.confidence, dp.horizon_days, dp.lambda_, 100 * dp.buffer))
    print("  %-4s %10s %10s %10s %10s %10s %11s %11s %9s" % (
        "und", "EWMA vol/d", "long vol/d", "base scan", "floor scan", "margin",
        "scan (+buf)", "buffer left", "stressed"))
    for u in range(m):
        res, series = margin.dynamic_margin(ret[:, u], dp, series=True)
        print("  %-4s %9.2f%% %9.2f%% %9.2f%% %9.2f%% %9.2f%% %10.2f%% %10.1f%% %9s"
              "   (range over the history %.1f%%..%.1f%%)"
              % (names[u], 100 * res.ewma_vol, 100 * res.long_vol, 100 * res.base_scan,
                 100 * res.floor_scan, 100 * res.margin_scan, 100 * res.price_scan,
                 100 * res.buffer_left, "yes" if res.in_stress else "no",
                 100 * np.min(series), 100 * np.max(series)))
    print("  (span_margin uses static scans of 15% BTC and 20% ETH for comparison)")
    if not ok:
        print("var_report.py: a figure failed its sanity check (marked above)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except (InputError, OSError) as exc:
        print("var_report.py: %s" % exc, file=sys.stderr)
        sys.exit(1)
    except margin.MarginError as exc:
        print("var_report.py: %s" % exc, file=sys.stderr)
        sys.exit(1)
