"""liquidation_monitor.py: the first two tables of examples/liquidation_monitor.c in
Python: six accounts' margin status under cross (Deribit rules) and portfolio
(Deribit-like grid) modes, and their BTC liquidation prices.

    MARGIN_LIBRARY=$PWD/lib/libmargin.so python3 examples/python/liquidation_monitor.py
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import margin  # noqa: E402
from margin import Account, Balance, Market, Position  # noqa: E402


def perp(u, q, entry):
    return Position(instrument="perpetual", underlying=u, quantity=q, entry_price=entry)


def option(u, kind, q, strike, days, vol):
    return Position(underlying=u, option_type=kind, quantity=q, strike=strike,
                    expiry=days / 365.0, vol=vol)


def book():
    """The six accounts of the C example: leveraged longs, a hedged book, option sellers."""
    positions = [
        [perp(0, 2, 61000)],
        [perp(0, 1, 58000), perp(1, -10, 3100)],
        [option(0, "call", -5, 70000, 30, 0.55), option(0, "put", -5, 50000, 30, 0.6),
         option(0, "call", 5, 80000, 30, 0.55), option(0, "put", 5, 40000, 30, 0.65)],
        [perp(0, 3, 60500), option(0, "put", 3, 55000, 60, 0.6),
         option(0, "call", -3, 70000, 60, 0.55)],
        [perp(1, 40, 3050), option(1, "put", -20, 2800, 14, 0.7)],
        [perp(0, -1.5, 59000)],
    ]
    cash = [14000, 9000, 60000, 30000, 16000, 10000]
    return [Account(p, [Balance(asset="quote", amount=c),
                        Balance(asset=0, amount=0.1 * k, haircut=0.05, haircut_slope=0.001)])
            for k, (p, c) in enumerate(zip(positions, cash))]


def side(has, price, pct, sd):
    return ("%.0f" % price, "%.2f" % pct, "%.2f" % sd) if has else ("-", "-", "-")


def main():
    mkts = [Market(60000, 0.03, 0.0), Market(3000, 0.03, 0.0)]
    accounts = book()
    cross = margin.account_params(std=margin.std_preset(margin.MGN_STD_PRESET_DERIBIT_BTC))
    port = cross._replace(mode="portfolio", pm=margin.pm_preset_deribit())
    names = margin.ACCOUNT_STATUS_NAMES

    print("Accounts at BTC %.0f, ETH %.0f (USD; cross = standard margin, Deribit rules;\n"
          "portfolio = Deribit-like PM grid, MM = 0.8 x requirement)\n"
          % (mkts[0].spot, mkts[1].spot))
    print("| acct | equity    | cross IM  | cross MM  | status      | PM IM     | PM MM     "
          "| PM status   |")
    print("|------|-----------|-----------|-----------|-------------|-----------|-----------"
          "|-------------|")
    for k, acct in enumerate(accounts):
        c = margin.account_eval(mkts, acct, cross)
        p = margin.account_eval(mkts, acct, port)
        print("| %4d | %9.0f | %9.0f | %9.0f | %-11s | %9.0f | %9.0f | %-11s |"
              % (k, c.equity, c.im, c.mm, names[c.status], p.im, p.mm, names[p.status]))

    print("\nLiquidation prices of BTC (cross, 0.1x..10x spot, distance in 1-day sd at "
          "60% vol)\n")
    print("| acct | below     | dist %  | sd     | above     | dist %  | sd     | roots |")
    print("|------|-----------|---------|--------|-----------|---------|--------|-------|")
    for k, acct in enumerate(accounts):
        r = margin.liq_prices(mkts, acct, cross, vol=0.6)
        b = side(r.has_below, r.below, r.below_pct, r.below_sd)
        a = side(r.has_above, r.above, r.above_pct, r.above_sd)
        print("| %4d | %9s | %7s | %6s | %9s | %7s | %6s | %5d |" % ((k,) + b + a + (r.n_roots,)))


if __name__ == "__main__":
    main()
