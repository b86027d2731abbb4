"""Price a small BTC-like option chain with the libmargin binding.

    python3 examples/python/price_chain.py        (after `make`)

Prices and Greeks of calls and puts across strikes and expiries (one batch call),
the coin value of the same options as inverse (Deribit-style) contracts, and the
implied vols recovered from the prices. Works with numpy (arrays) or without it
(lists): the binding's batch functions accept and return either.
"""

import importlib.util
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import margin  # noqa: E402

HAVE_NUMPY = importlib.util.find_spec("numpy") is not None   # the binding's array path

SPOT, RATE, CARRY = 60000.0, 0.03, 0.0
STRIKES = [50000.0, 55000.0, 60000.0, 65000.0, 70000.0]
EXPIRIES = [(7, 7 / 365), (30, 30 / 365), (90, 90 / 365)]       # (days, years)


def smile(K, T):
    """A toy smile: 60% at the money, higher in the wings, flatter with time."""
    m = (K / SPOT - 1.0) / (T ** 0.5)
    return 0.60 + 0.08 * m * m - 0.02 * m


def main():
    print("libmargin %s via %s (numpy: %s)"
          % (margin.version(), margin.library_info()["path"],
             "yes" if HAVE_NUMPY else "no"))
    rows = [(t, K, days, T) for days, T in EXPIRIES for K in STRIKES for t in ("call", "put")]
    types = [r[0] for r in rows]
    K = [r[1] for r in rows]
    T = [r[3] for r in rows]
    vols = [smile(k, t) for k, t in zip(K, T)]

    # one batch call for every price and Greek; scalars broadcast
    g = margin.bs_greeks_batch(types, SPOT, K, T, RATE, CARRY, vols, strict=True)

    print("\n%-5s %5s %7s %6s %10s %8s %10s %9s %11s %9s"
          % ("type", "days", "strike", "vol", "price", "delta", "gamma", "vega",
             "theta/day", "coin"))
    for i, (t, k, days, _) in enumerate(rows):
        coin = margin.inverse_price(t, SPOT, k, T[i], RATE, CARRY, vols[i])
        print("%-5s %5d %7.0f %5.1f%% %10.2f %8.4f %10.3e %9.2f %11.2f %9.5f"
              % (t, days, k, 100 * vols[i], g.price[i], g.delta[i], g.gamma[i],
                 g.vega[i], g.theta[i] / 365, coin))

    # implied vols back from the prices: (sigma, per-quote status)
    try:
        iv, status = margin.implied_vol_batch(types, SPOT, K, T, RATE, CARRY, g.price)
    except NotImplementedError as exc:
        print("\nimplied vol: %s" % exc)
        return 0
    worst = max(abs(a - b) / b for a, b in zip(iv, vols))
    print("\nimplied vols recovered from %d prices, worst relative error %.1e"
          % (len(rows), worst))
    for i in range(0, len(rows), 2 * len(STRIKES)):      # one line per expiry
        print("  %3d days: %s" % (rows[i][2], " ".join(
            "%5.1f%%" % (100 * iv[j]) for j in range(i, i + 2 * len(STRIKES), 2))))
    bad = [s for s in status if s != margin.MGN_OK]
    print("statuses: %d OK, %d failed" % (len(status) - len(bad), len(bad)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
