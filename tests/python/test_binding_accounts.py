"""Tests of the account, margin-call and liquidation wrappers of the ctypes binding
examples/python/margin.py (stdlib unittest).

    MARGIN_LIBRARY=$PWD/lib/libmargin.so python3 -m unittest discover -s tests/python

Values are checked against numbers computed here independently (MARGIN-MODEL.md
sections 7 and 8): equity = haircut balances + position values from the binding's
bs_price and the contract formulas; status boundaries on hand-built accounts whose
equity is exactly IM, MM, MM * liq_ratio, 0; the closed-form liquidation price by
recomputing equity - MM - fee = 0 at it, and Binance's published worked examples
(tests/data/liquidation_binance.csv); every root of the liquidation-price search by
evaluating the account at that price; partial liquidation against the closed form of
the smallest fraction and by re-evaluating the reduced account; the oracle median with
statistics.median; a three-account cascade simulated by hand. Every wrapper is also
called with bad input. numpy paths are skipped (not failed) without numpy; the list
paths run under both interpreters (with numpy, by hiding it from the binding).
"""

import csv
import math
import os
import pickle
import statistics
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(REPO, "examples", "python"))

import margin  # noqa: E402
from test_binding import list_mode  # noqa: E402
from test_binding_margin import ErrorChecks, assert_close, book, ref_value_quote  # noqa: E402

try:
    import numpy as np
except ImportError:
    np = None

NAN, INF = float("nan"), float("inf")
needs_numpy = unittest.skipUnless(np is not None, "numpy is not installed")

P, B, A = margin.Position, margin.Balance, margin.Account
S0, S1 = 60000.0, 3000.0
MKTS = [margin.Market(S0, 0.03, 0.01), margin.Market(S1, 0.02, 0.0)]
OK, RESTRICTED, CALL, LIQUIDATE, BANKRUPT = range(5)


def perp(q, entry, u=0, mult=1.0):
    return P(instrument="perpetual", underlying=u, quantity=q, multiplier=mult,
             entry_price=entry)


def cash(amount):
    return B(asset="quote", amount=amount)


def simple_rules(im=0.1, mm=0.05):
    """One-tier rule set: perpetual IM = im |Q| S, MM = mm |Q| S."""
    return margin.std_preset()._replace(tiers=(margin.StdTier(0.0, im, mm, 0.0),))


def balance_value(mkts, b):
    """Haircut quote value of one balance (MARGIN-MODEL.md 7, header formula)."""
    price = 1.0 if b.asset in (margin.MGN_QUOTE, "quote") else mkts[b.asset].spot
    if b.amount < 0:
        return b.amount * price
    return b.amount * price * (1 - min(1.0, b.haircut + b.haircut_slope * b.amount))


def example_accounts():
    """The six accounts of examples/liquidation_monitor.c."""
    sys.path.insert(0, os.path.join(REPO, "examples", "python"))
    import liquidation_monitor
    return liquidation_monitor.book()


EX_MKTS = [margin.Market(60000, 0.03, 0.0), margin.Market(3000, 0.03, 0.0)]


def reduced(account, fractions, penalty_rate, mkts):
    """The account after closing fraction f_i of each position at the mark: linear
    perpetuals only (the realised P&L and the penalty move to the quote balance)."""
    pos, realised = [], 0.0
    for p, f in zip(account.positions, fractions):
        closed = f * p.quantity * p.multiplier
        S = mkts[p.underlying].spot
        realised += closed * (S - p.entry_price) - penalty_rate * abs(closed) * S
        pos.append(p._replace(quantity=p.quantity * (1 - f)))
    bal = list(account.balances) + [cash(realised)]
    return account._replace(positions=pos, balances=bal)


# ---------------------------------------------------------------- structs and errors

class TestStructsAndErrors(unittest.TestCase):
    def test_mirror_sizes(self):
        import ctypes
        for name in ("balance", "account", "account_params", "account_result",
                     "position_result", "liq_input", "liq_closed", "liq_search",
                     "liq_price_result", "whatif_result", "oracle_params", "oracle_result",
                     "liq_params", "liq_close", "liq_result", "cascade_params",
                     "cascade_round", "cascade_result"):
            c_name, mirror, _ = margin._MIRRORS["mgn_sizeof_" + name]
            self.assertEqual(c_name, "mgn_" + name)
            self.assertEqual(margin._fn("mgn_sizeof_" + name)(), ctypes.sizeof(mirror), name)
        self.assertNotIn("mgn_account", margin._VERSIONED)   # passed in arrays

    def test_stale_error(self):
        self.assertEqual(margin.MGN_ESTALE, 6)
        err = margin._error(margin.MGN_ESTALE, "mgn_liq_partial")
        self.assertIsInstance(err, margin.StaleError)
        self.assertIsInstance(err, margin.MarginError)
        self.assertEqual(err.status_name, "MGN_ESTALE")
        self.assertEqual(err.message, margin.strerror(6))
        self.assertNotEqual(margin.strerror(6), "unknown status")

    def test_records_picklable(self):
        acct = A([perp(1.0, 60000)], [cash(1000.0)], [500.0])
        self.assertEqual(pickle.loads(pickle.dumps(acct)), acct)
        prm = margin.account_params(std=simple_rules())
        self.assertEqual(pickle.loads(pickle.dumps(prm)), prm)

    def test_defaults_from_library(self):
        p = margin.account_params()
        self.assertEqual((p.mode, p.pm_method, p.pm_im_factor, p.pm_mm_factor, p.liq_ratio),
                         (margin.MGN_MODE_CROSS, margin.MGN_PM_METHOD_GRID, 1.0, 0.8, 1.0))
        s = margin.liq_search()
        self.assertEqual((s.underlying, s.grid, s.lo, s.hi), (0, 4096, 0.0, 0.0))
        assert_close(self, s.horizon, 1 / 365)
        lp = margin.liq_params()
        self.assertEqual((lp.order, lp.target, lp.buffer, lp.penalty_rate, lp.close_factor),
                         (margin.MGN_LIQ_LARGEST_MM, margin.MGN_LIQ_TARGET_MM, 0.1, 0.0075,
                          0.5))


# ---------------------------------------------------------------- account evaluation

def mixed_account(**kw):
    bal = [cash(10000.0), B(asset=0, amount=0.5, haircut=0.05, haircut_slope=0.01),
           B(asset=1, amount=-2.0, haircut=0.1)]
    return A(book(), bal, **kw)


class TestAccountEval(ErrorChecks, unittest.TestCase):
    def test_equity_vs_reference(self):
        acct = mixed_account()
        coll = sum(balance_value(MKTS, b) for b in acct.balances)
        assert_close(self, coll, 10000 + 0.5 * S0 * (1 - 0.055) - 2 * S1)
        value = sum(ref_value_quote(MKTS, p) for p in acct.positions)
        r, per = margin.account_eval(MKTS, acct, per_position=True)
        self.assertIsInstance(r, margin.AccountResult)
        assert_close(self, r.collateral, coll, rel=1e-12)
        assert_close(self, r.position_value, value, rel=1e-9, abs_=1e-9 * S0)
        assert_close(self, r.equity, coll + value, rel=1e-9, abs_=1e-9 * S0)
        for p, pr in zip(acct.positions, per):
            assert_close(self, pr.value, ref_value_quote(MKTS, p), rel=1e-9, abs_=1e-9 * S0)
        # cross: IM and MM are the standard margin of all positions (default rule set)
        im, mm = margin.std_margin(MKTS, margin.std_preset(), acct.positions)
        assert_close(self, r.im, im, rel=1e-12)
        assert_close(self, r.mm, mm, rel=1e-12)
        assert_close(self, sum(p.im for p in per), im, rel=1e-9)
        assert_close(self, r.margin_ratio, r.equity / r.mm, rel=1e-12)
        assert_close(self, r.available, max(0.0, r.equity - r.im), rel=1e-12, abs_=1e-9)
        # in the coin of underlying 0
        c = margin.account_eval(MKTS, acct._replace(currency=0))
        assert_close(self, c.equity, r.equity / S0, rel=1e-12)
        assert_close(self, c.mm, r.mm / S0, rel=1e-12)
        with list_mode():
            self.assertEqual(margin.account_eval(MKTS, acct), r)
        # dicts and tuples are accepted for the account and its records
        d = margin.account_eval(MKTS, {"positions": [p._asdict() for p in acct.positions],
                                       "balances": [tuple(b) for b in acct.balances]})
        self.assertEqual(d, r)

    def test_status_boundaries(self):
        im, mm = 0.1 * S0, 0.05 * S0          # 6000, 3000: exact in binary
        rules = dict(std=simple_rules())

        def ev(equity, deadline=INF, now=0.0, **kw):
            return margin.account_eval(MKTS, A([perp(1.0, S0)], [cash(equity)]),
                                       dict(rules, **kw), now=now, call_deadline=deadline)
        r = ev(im)
        self.assertEqual((r.im, r.mm, r.equity), (im, mm, im))
        self.assertEqual(r.status, OK)                                  # E == IM
        self.assertEqual(ev(im * (1 + 1e-15)).status, OK)
        self.assertEqual(ev(math.nextafter(im, 0) if hasattr(math, "nextafter")
                            else im - 1e-9).status, RESTRICTED)
        self.assertEqual(ev(mm).status, RESTRICTED)                     # E == MM
        low = ev(mm - 1.0)                                              # liq_ratio 1
        self.assertEqual(low.status, LIQUIDATE)
        self.assertEqual(low.call_amount, im - (mm - 1.0))
        # liq_ratio 0.8: below MM is a margin call until 0.8 MM or the deadline
        call = ev(mm - 1.0, liq_ratio=0.8)
        self.assertEqual(call.status, CALL)
        self.assertEqual(call.call_amount, im - (mm - 1.0))
        self.assertEqual(ev(0.8 * mm, liq_ratio=0.8).status, CALL)      # E == 0.8 MM
        self.assertEqual(ev(0.8 * mm - 1.0, liq_ratio=0.8).status, LIQUIDATE)
        self.assertEqual(ev(mm - 1.0, 10.0, 9.0, liq_ratio=0.8).status, CALL)
        self.assertEqual(ev(mm - 1.0, 10.0, 10.0, liq_ratio=0.8).status, LIQUIDATE)
        self.assertEqual(ev(mm, 10.0, 11.0, liq_ratio=0.8).status, RESTRICTED)
        zero = ev(0.0)
        self.assertEqual((zero.status, zero.shortfall), (LIQUIDATE, 0.0))  # E == 0
        broke = ev(-250.0)
        self.assertEqual((broke.status, broke.shortfall), (BANKRUPT, 250.0))
        self.assertEqual(ev(100.0).call_amount, im - 100.0)
        self.assertEqual(ev(im + 5).call_amount, 0.0)
        self.assertEqual(ev(im + 5).available, 5.0)
        self.assertEqual(margin.ACCOUNT_STATUS_NAMES[broke.status], "BANKRUPT")

    def test_isolated_mode(self):
        # position 0 is safe in its own collateral, position 1 is bankrupt in its own:
        # its loss never reaches position 0 or the balances
        pos = [perp(1.0, 60000), perp(1.0, 66000)]      # values 0 and -6000
        acct = A(pos, [cash(1000.0)], [7000.0, 5000.0])
        prm = dict(mode="isolated", std=simple_rules())
        r, per = margin.account_eval(MKTS, acct, prm, per_position=True)
        e = [7000.0, 5000.0 - 6000.0]
        self.assertEqual([p.equity for p in per], e)
        self.assertEqual([p.status for p in per], [OK, BANKRUPT])
        self.assertEqual([p.mm for p in per], [3000.0, 3000.0])
        self.assertEqual(r.equity, 1000.0 + 7000.0)                     # sum max(e_i, 0)
        self.assertEqual(r.shortfall, 1000.0)
        self.assertEqual((r.im, r.mm), (12000.0, 6000.0))
        self.assertEqual(r.status, BANKRUPT)                            # the worst
        assert_close(self, r.margin_ratio, -1000.0 / 3000.0)
        self.assertEqual(r.available, 1000.0 + 1000.0)
        self.assertEqual(r.n_called, 1)
        self.assertEqual(r.call_amount, 6000.0 - (-1000.0))
        # isolated None: every position has 0 collateral
        r0 = margin.account_eval(MKTS, acct._replace(isolated=None), prm)
        self.assertEqual(r0.shortfall, 6000.0)

    def test_portfolio_mode(self):
        acct = mixed_account()
        pm = margin.pm_preset_deribit()
        r = margin.account_eval(MKTS, acct, dict(mode="portfolio", pm=pm, pm_im_factor=1.2,
                                                 pm_mm_factor=0.9))
        R = margin.pm_margin(MKTS, pm, acct.positions).requirement
        assert_close(self, r.im, 1.2 * R, rel=1e-12)
        assert_close(self, r.mm, 0.9 * R, rel=1e-12)
        span = margin.SpanParams(0.15, 0.3)
        r = margin.account_eval(MKTS, acct, dict(mode="portfolio", pm_method="span",
                                                 span=span))
        R = margin.span_margin(MKTS, span, acct.positions).requirement
        assert_close(self, r.im, R, rel=1e-12)
        assert_close(self, r.mm, 0.8 * R, rel=1e-12)

    def test_work_size(self):
        self.assertEqual(margin.account_work_size(2, 10), 0)    # cross, no pairing
        paired = dict(std=margin.std_preset()._replace(strategies=margin.MGN_STD_PAIR_ALL))
        n = margin.account_work_size(2, 10, paired)
        self.assertGreater(n, 0)
        self.assertGreaterEqual(margin.account_work_size(2, 20, paired), n)
        pmp = dict(mode="portfolio", pm=margin.pm_preset_deribit())
        self.assertGreater(margin.account_work_size(2, 10, pmp), 0)
        # strategy pairing goes through the workspace path: same as std_margin
        acct = mixed_account()
        r = margin.account_eval(MKTS, acct, paired)
        im, mm = margin.std_margin(MKTS, paired["std"], acct.positions)
        assert_close(self, r.im, im, rel=1e-12)
        assert_close(self, r.mm, mm, rel=1e-12)
        self.assertStatus(margin.MGN_EINVAL, margin.account_work_size, 2, 10, dict(mode=7))
        self.assertStatus(margin.MGN_EINVAL, margin.account_work_size, 2, 10,
                          dict(mode="portfolio", pm_method=5))
        self.assertStatus(margin.MGN_ERANGE, margin.account_work_size, 0, 10)

    def test_bad_input(self):
        acct = mixed_account()
        ev = margin.account_eval
        self.assertStatus(margin.MGN_EINVAL, ev, MKTS, acct._replace(
            balances=[cash(NAN)]))
        self.assertStatus(margin.MGN_EINVAL, ev, MKTS, acct._replace(
            balances=[B(amount=1.0, haircut=1.5)]))
        self.assertStatus(margin.MGN_EINVAL, ev, MKTS, acct._replace(
            balances=[B(amount=1.0, haircut_slope=-1.0)]))
        self.assertStatus(margin.MGN_EINVAL, ev, MKTS, acct._replace(
            balances=[B(asset=5, amount=1.0)]))
        self.assertStatus(margin.MGN_EINVAL, ev, MKTS, acct._replace(
            balances=[B(amount=1.0, reserved=1)]))
        self.assertStatus(margin.MGN_EINVAL, ev, MKTS, acct._replace(currency=2))
        self.assertStatus(margin.MGN_EINVAL, ev, MKTS, acct._replace(
            positions=[perp(1.0, -5.0)]))
        self.assertStatus(margin.MGN_EINVAL, ev, MKTS, A([perp(1.0, S0)], [],
                                                         [-1.0]), dict(mode="isolated"))
        self.assertStatus(margin.MGN_EINVAL, ev, MKTS, A([perp(1.0, S0)], [], [NAN]),
                          dict(mode="isolated"))
        self.assertStatus(margin.MGN_EINVAL, ev, MKTS, acct, dict(liq_ratio=0.0))
        self.assertStatus(margin.MGN_EINVAL, ev, MKTS, acct, dict(liq_ratio=1.5))
        self.assertStatus(margin.MGN_EINVAL, ev, MKTS, acct, dict(mode=3))
        self.assertStatus(margin.MGN_EINVAL, ev, MKTS, acct, dict(mode="portfolio",
                                                                  pm_mm_factor=0.0))
        self.assertStatus(margin.MGN_EINVAL, ev, MKTS, acct, now=NAN)
        self.assertStatus(margin.MGN_EINVAL, ev, MKTS, acct, call_deadline=NAN)
        self.assertStatus(margin.MGN_EINVAL, ev, [margin.Market(-1.0)], acct)
        self.assertStatus(margin.MGN_ERANGE, ev, [], A([], [cash(1.0)]))
        self.assertStatus(margin.MGN_EINVAL, ev, MKTS, A([perp(1.0, S0)], [], [1.0, 2.0]))
        self.assertStatus(margin.MGN_EINVAL, ev, MKTS, acct, dict(mode="nonsense"))
        with self.assertRaises(TypeError):
            ev(MKTS, acct, params=42)


# ---------------------------------------------------------------- sweep

def sweep_accounts():
    accts = example_accounts()
    accts.append(mixed_account())
    accts.append(A([], [cash(5.0)]))                                 # no positions
    accts.append(A([perp(-2.0, 59000), perp(3.0, 3100, u=1)], [], currency=0))
    return accts * 3


class TestSweep(ErrorChecks, unittest.TestCase):
    def check_equal_eval(self, res, accts, prm, deadlines=None, now=0.0):
        fields = margin.AccountResult._fields
        for k, a in enumerate(accts):
            one = margin.account_eval(EX_MKTS, a, prm, now=now,
                                      call_deadline=INF if deadlines is None else deadlines[k])
            got = res[k] if isinstance(res, list) else margin.AccountResult(
                *(res[f][k].item() for f in fields))
            for f in fields:
                assert_close(self, getattr(got, f), getattr(one, f), rel=1e-12, abs_=1e-9,
                             msg="account %d %s" % (k, f))

    def test_list_path(self):
        accts = sweep_accounts()
        prm = dict(std=margin.std_preset(margin.MGN_STD_PRESET_DERIBIT_BTC))
        with list_mode():
            one = margin.account_sweep(EX_MKTS, accts, prm, threads=1)
            two = margin.account_sweep(EX_MKTS, accts, prm, threads=2)
            self.assertIsInstance(one, list)
            self.assertEqual(one, two)                         # bit-identical
            self.check_equal_eval(one, accts, prm)
            # isolated mode and deadlines
            iso = [a._replace(isolated=[1000.0] * len(a.positions)) for a in accts]
            dl = [float(k % 3) for k in range(len(accts))]
            r = margin.account_sweep(EX_MKTS, iso, dict(prm, mode="isolated", liq_ratio=0.5),
                                     now=1.0, call_deadlines=dl, threads=3)
            self.check_equal_eval(r, iso, dict(prm, mode="isolated", liq_ratio=0.5), dl, 1.0)
            # an AccountBook of lists gives the same
            bk = margin.account_book(accts)
            self.assertEqual(margin.account_sweep(EX_MKTS, bk, prm), one)
            self.assertEqual(margin.account_sweep(EX_MKTS, [], prm), [])

    @needs_numpy
    def test_numpy_book(self):
        accts = sweep_accounts()
        prm = dict(std=margin.std_preset(margin.MGN_STD_PRESET_DERIBIT_BTC))
        bk = margin.account_book(accts)
        self.assertEqual(bk.positions.dtype, margin.position_dtype())
        self.assertEqual(bk.balances.dtype, margin.balance_dtype())
        one = margin.account_sweep(EX_MKTS, bk, prm, threads=1)
        two = margin.account_sweep(EX_MKTS, bk, prm, threads=2)
        self.assertEqual(one.dtype, margin.account_result_dtype())
        self.assertEqual(one.tobytes(), two.tobytes())
        self.check_equal_eval(one, accts, prm)
        lst = margin.account_sweep(EX_MKTS, accts, prm, threads=2)
        self.assertEqual(lst.tobytes(), one.tobytes())
        # a hand-built book: 1000 one-perp accounts, positions passed without a copy
        n = 1000
        pos = np.zeros(n, dtype=margin.position_dtype())
        pos["instrument"] = margin.MGN_PERPETUAL
        pos["quantity"] = np.linspace(-5, 5, n)
        pos["multiplier"] = 1.0
        pos["entry_price"] = 60000.0
        bal = np.zeros(n, dtype=margin.balance_dtype())
        bal["asset"] = margin.MGN_QUOTE
        bal["amount"] = np.linspace(0, 4000, n)
        book_ = margin.AccountBook(pos, np.arange(n + 1), bal)    # one balance each
        r = margin.account_sweep(EX_MKTS, book_, threads=4)
        assert_close(self, float(r["equity"][-1]), 4000.0)
        mm = 0.01 * np.abs(pos["quantity"]) * 60000      # default rules: 1% MM, 2% IM
        want = np.where(bal["amount"] < mm, LIQUIDATE,
                        np.where(bal["amount"] < 2 * mm, RESTRICTED, OK))
        self.assertTrue(np.array_equal(r["status"], want))
        # isolated, per-account currency arrays
        iso = margin.AccountBook(pos, np.arange(n + 1), bal, None, np.full(n, 10.0),
                                 np.full(n, margin.MGN_QUOTE))
        ri = margin.account_sweep(EX_MKTS, iso, dict(mode="isolated"), threads=2)
        self.assertTrue(np.all(ri["equity"] >= bal["amount"]))

    def test_batch_semantics(self):
        accts = sweep_accounts()[:5]
        bad = list(accts)
        bad[2] = bad[2]._replace(balances=[cash(NAN)])
        with list_mode():
            res = margin.account_sweep(EX_MKTS, bad)
            self.assertEqual(res[2].status, -1)
            self.assertTrue(math.isnan(res[2].equity))
            one = margin.account_eval(EX_MKTS, accts[3])
            for f in margin.AccountResult._fields:      # the batch pricer: 1e-12 relative
                assert_close(self, getattr(res[3], f), getattr(one, f), rel=1e-12, msg=f)
            res2, st = margin.account_sweep(EX_MKTS, bad, return_status=True)
            self.assertEqual(st, margin.MGN_EINVAL)
            self.assertEqual(res2[3], res[3])
            err = self.assertStatus(margin.MGN_EINVAL, margin.account_sweep, EX_MKTS, bad,
                                    strict=True)
            self.assertEqual(err.result[2].status, -1)
        if np is not None:
            r = margin.account_sweep(EX_MKTS, bad)
            self.assertEqual(int(r["status"][2]), -1)
            self.assertTrue(np.isnan(r["equity"][2]))

    def test_bad_input(self):
        accts = sweep_accounts()[:3]
        sw = margin.account_sweep
        self.assertStatus(margin.MGN_EINVAL, sw, EX_MKTS, accts, threads=0)
        self.assertStatus(margin.MGN_EINVAL, sw, EX_MKTS, accts, threads=257)
        self.assertStatus(margin.MGN_EINVAL, sw, EX_MKTS, accts, dict(liq_ratio=2.0))
        self.assertStatus(margin.MGN_EINVAL, sw, EX_MKTS, accts, call_deadlines=[1.0])
        self.assertStatus(margin.MGN_EINVAL, sw, EX_MKTS, accts, now=INF)
        self.assertStatus(margin.MGN_EINVAL, sw, EX_MKTS,
                          margin.AccountBook([perp(1.0, S0)], [0, 2]))
        self.assertStatus(margin.MGN_EINVAL, sw, EX_MKTS,
                          margin.AccountBook([perp(1.0, S0)], [0, 1], [cash(1.0)] * 2))
        with self.assertRaises(TypeError):
            sw(EX_MKTS, accts[0])


# ---------------------------------------------------------------- liquidation prices

def read_binance():
    rows = []
    with open(os.path.join(REPO, "tests", "data", "liquidation_binance.csv")) as f:
        for row in csv.DictReader(line for line in f if not line.startswith("#")):
            rows.append({k: (v if k == "mode" else float(v)) for k, v in row.items()})
    return rows


class TestClosedForm(ErrorChecks, unittest.TestCase):
    def gap(self, inp, P):
        """equity - MM - fee at price P, from the header's definitions."""
        Q, E = inp["size"], inp["entry"]
        if inp.get("settlement", "linear") == "linear":
            pnl, notional = Q * (P - E), abs(Q) * P
            mm = notional * (inp.get("mm_rate", 0) + inp.get("size_mm", 0) * abs(Q))
        else:
            pnl, notional = Q * (1 / E - 1 / P), abs(Q) / P
            mm = notional * (inp.get("mm_rate", 0) + inp.get("size_mm", 0) * abs(Q) / P)
        mm -= inp.get("mm_amount", 0)
        return (inp.get("wallet", 0) + inp.get("other", 0) + pnl - mm
                - inp.get("fee_rate", 0) * notional), inp.get("wallet", 0) + \
            inp.get("other", 0) + pnl

    def test_isolated_linear_perpetual(self):
        cases = [dict(size=2.0, entry=61000.0, wallet=14000.0, mm_rate=0.005),
                 dict(size=-1.5, entry=59000.0, wallet=10000.0, mm_rate=0.004, fee_rate=0.0005),
                 dict(size=10.0, entry=3000.0, wallet=3000.0, mm_rate=0.01, mm_amount=50.0,
                      size_mm=0.0001),
                 dict(settlement="inverse", size=100000.0, entry=60000.0, wallet=0.5,
                      mm_rate=0.005),
                 dict(settlement="inverse", size=-50000.0, entry=60000.0, wallet=0.2,
                      mm_rate=0.005, size_mm=1e-7, fee_rate=0.0005)]
        for inp in cases:
            r = margin.liq_price_closed(**inp)
            self.assertIsInstance(r, margin.LiqClosed)
            self.assertEqual((r.found, r.tier), (1, -1), inp)
            g, _ = self.gap(inp, r.price)
            scale = abs(inp["size"]) * (inp["entry"] if inp.get("settlement") != "inverse"
                                        else 1 / inp["entry"])
            self.assertLessEqual(abs(g), 1e-11 * scale, inp)
            _, eq_b = self.gap(inp, r.bankruptcy)
            self.assertLessEqual(abs(eq_b), 1e-11 * scale, inp)
            _, eq = self.gap(inp, r.price)
            assert_close(self, r.mm, eq, rel=1e-10)
            # long liquidates below entry, short above
            self.assertEqual(r.price < inp["entry"], inp["size"] > 0, inp)
        # the isolated linear long by hand: P = (W - Q E) / (|Q| mmr - Q)
        assert_close(self, margin.liq_price_closed(**cases[0]).price,
                     (14000 - 2 * 61000) / (2 * 0.005 - 2), rel=1e-13)
        # a long whose collateral covers the whole notional has no liquidation price
        r = margin.liq_price_closed(size=1.0, entry=100.0, wallet=200.0, mm_rate=0.01)
        self.assertEqual((r.found, r.price), (0, 0.0))
        # a LiqInput record and keyword overrides
        inp = margin.LiqInput(size=2.0, entry=61000.0, wallet=14000.0, mm_rate=0.005)
        self.assertEqual(margin.liq_price_closed(inp), margin.liq_price_closed(**cases[0]))
        self.assertEqual(margin.liq_price_closed(inp, wallet=1.0),
                         margin.liq_price_closed(**dict(cases[0], wallet=1.0)))

    def test_binance_worked_examples(self):
        for row in read_binance():
            other = 0.0 if row["mode"] == "isolated" else row["upnl1"] - row["tmm1"]
            r = margin.liq_price_closed(size=row["position"], entry=row["entry"],
                                        wallet=row["wallet"], other=other,
                                        mm_rate=row["mmr"], mm_amount=row["cum"])
            self.assertEqual(r.found, 1)
            self.assertLessEqual(abs(r.price - row["expected"]), 0.006, row)

    def test_tiers(self):
        tiers = (margin.StdTier(0.0, 0.02, 0.01, 0.0),
                 margin.StdTier(100000.0, 0.05, 0.025, 1500.0),
                 margin.StdTier(1000000.0, 0.1, 0.05, 26500.0))
        for size, wallet in ((1.0, 3000.0), (5.0, 40000.0), (30.0, 400000.0)):
            r = margin.liq_price_closed(size=size, entry=60000.0, wallet=wallet, tiers=tiers,
                                        tier_basis="quote")
            notional = size * r.price
            k = max(i for i, t in enumerate(tiers) if notional >= t.floor)
            self.assertEqual(r.tier, k)
            t = tiers[k]
            g, _ = self.gap(dict(size=size, entry=60000.0, wallet=wallet, mm_rate=t.mm_rate,
                                 mm_amount=t.mm_amount), r.price)
            self.assertLessEqual(abs(g), 1e-9 * size * 60000)

    def test_bad_input(self):
        f = margin.liq_price_closed
        good = dict(size=1.0, entry=60000.0, wallet=1000.0, mm_rate=0.005)
        for bad in (dict(size=0.0), dict(entry=0.0), dict(entry=NAN), dict(mm_rate=1.0),
                    dict(mm_rate=-0.1), dict(wallet=-1.0), dict(mm_amount=-1.0),
                    dict(settlement=7), dict(fee_rate=1.0),
                    dict(tiers=(margin.StdTier(0.0, 0.02, 0.01),), tier_basis="contracts"),
                    dict(tiers=(margin.StdTier(5.0, 0.02, 0.01),))):
            self.assertStatus(margin.MGN_EINVAL, f, **dict(good, **bad))


class TestLiqPrices(ErrorChecks, unittest.TestCase):
    def assert_roots(self, acct, prm, res, isolated=False, u=0):
        self.assertEqual(len(res.roots), res.n_roots)
        self.assertEqual(list(res.roots), sorted(res.roots))
        for P_ in res.roots:
            mk = list(EX_MKTS)
            mk[u] = mk[u]._replace(spot=P_)
            if isolated:
                r, per = margin.account_eval(mk, acct, prm, per_position=True)
                g = min(p.equity - p.mm for p in per)
            else:
                r = margin.account_eval(mk, acct, prm)
                g = r.equity - r.mm
            self.assertLessEqual(abs(g), 1e-7 * P_ * sum(abs(p.quantity * p.multiplier)
                                                         for p in acct.positions), (P_, g))
        below = [x for x in res.roots if x < res.spot]
        above = [x for x in res.roots if x > res.spot]
        self.assertEqual(res.has_below, int(bool(below)))
        self.assertEqual(res.has_above, int(bool(above)))
        if below:
            self.assertEqual(res.below, max(below))
            assert_close(self, res.below_pct, 100 * abs(res.below / res.spot - 1), rel=1e-12)
        if above:
            self.assertEqual(res.above, min(above))

    def test_roots_are_crossings(self):
        accts = example_accounts()
        prm = dict(std=margin.std_preset(margin.MGN_STD_PRESET_DERIBIT_BTC))
        counts = []
        for acct in accts:
            res = margin.liq_prices(EX_MKTS, acct, prm, vol=0.6)
            self.assertIsInstance(res, margin.LiqPrices)
            self.assert_roots(acct, prm, res)
            counts.append(res.n_roots)
            r = margin.account_eval(EX_MKTS, acct, prm)
            assert_close(self, res.gap, r.equity - r.mm, rel=1e-12, abs_=1e-9)
            if res.has_below:
                assert_close(self, res.below_sd, abs(math.log(res.below / 60000)) /
                             (0.6 * math.sqrt(1 / 365)), rel=1e-12)
        self.assertEqual(counts, [1, 1, 2, 1, 0, 1])      # the short strangle has two
        strangle = accts[2]
        capped = margin.liq_prices(EX_MKTS, strangle, prm, max_roots=1)
        self.assertEqual((capped.n_roots, len(capped.roots)), (2, 1))
        with list_mode():
            full = margin.liq_prices(EX_MKTS, strangle, prm, search=margin.liq_search(vol=0.6))
            self.assertIsInstance(full.roots, list)
            self.assert_roots(strangle, prm, full)
        # isolated: g = min over positions of e_i - MM_i
        iso = strangle._replace(isolated=[60000.0] * 4)
        prm_i = dict(prm, mode="isolated")
        res = margin.liq_prices(EX_MKTS, iso, prm_i)
        self.assertGreater(res.n_roots, 0)
        self.assert_roots(iso, prm_i, res, isolated=True)
        # the ETH leg of account 1 moved alone (underlying 1)
        res = margin.liq_prices(EX_MKTS, accts[1], prm, underlying=1)
        self.assert_roots(accts[1], prm, res, u=1)

    def test_matches_closed_form(self):
        # cross account of one linear perpetual under a one-tier rule: the search root is
        # the closed-form price
        acct = A([perp(2.0, 61000)], [cash(14000.0)])
        res = margin.liq_prices(EX_MKTS, acct, dict(std=simple_rules(0.02, 0.005)))
        cf = margin.liq_price_closed(size=2.0, entry=61000.0, wallet=14000.0, mm_rate=0.005)
        self.assertEqual(res.n_roots, 1)
        assert_close(self, res.below, cf.price, rel=1e-10)

    def test_work_size_and_bad_input(self):
        self.assertEqual(margin.liq_prices_work_size(2, 4), margin.liq_prices_work_size(2, 4,
                                                                                         None))
        self.assertGreater(margin.liq_prices_work_size(2, 4), 0)
        acct = example_accounts()[0]
        f = margin.liq_prices
        self.assertStatus(margin.MGN_EINVAL, f, EX_MKTS, acct, underlying=2)
        self.assertStatus(margin.MGN_EINVAL, f, EX_MKTS, acct, lo=-1.0)
        self.assertStatus(margin.MGN_EINVAL, f, EX_MKTS, acct, lo=70000.0, hi=50000.0)
        self.assertStatus(margin.MGN_EINVAL, f, EX_MKTS, acct, grid=1)
        self.assertStatus(margin.MGN_EINVAL, f, EX_MKTS, acct, vol=NAN)
        self.assertStatus(margin.MGN_EINVAL, f, EX_MKTS, acct, horizon=-1.0)
        self.assertStatus(margin.MGN_EINVAL, f, EX_MKTS, acct, betas=[1.0, NAN])
        self.assertStatus(margin.MGN_EINVAL, f, EX_MKTS, acct, betas=[1.0])
        self.assertStatus(margin.MGN_EINVAL, f, EX_MKTS, acct, dict(liq_ratio=-1.0))
        self.assertStatus(margin.MGN_EINVAL, margin.liq_prices_work_size, 2, 4, dict(mode=9))


# ---------------------------------------------------------------- what-if

class TestWhatif(ErrorChecks, unittest.TestCase):
    def test_whatif_equals_account_plus_order(self):
        acct = example_accounts()[0]
        prm = dict(std=margin.std_preset(margin.MGN_STD_PRESET_DERIBIT_BTC))
        order = perp(1.0, 60100)          # a buy above the mark: its loss counts in full
        w = margin.account_whatif(EX_MKTS, acct, order, prm)
        self.assertIsInstance(w, margin.WhatifResult)
        self.assertEqual(w.before, margin.account_eval(EX_MKTS, acct, prm))
        plus = acct._replace(positions=list(acct.positions) + [order])
        after = margin.account_eval(EX_MKTS, plus, prm)
        for f in margin.AccountResult._fields:
            assert_close(self, getattr(w.after, f), getattr(after, f), rel=1e-12, abs_=1e-9,
                         msg=f)
        assert_close(self, w.order_im, after.im - w.before.im, rel=1e-12)
        assert_close(self, w.order_mm, after.mm - w.before.mm, rel=1e-12)
        assert_close(self, w.order_equity, -100.0, rel=1e-12)
        self.assertEqual((w.after.status, w.accept), (OK, 1))
        # a buy below the mark: the gain is not counted
        w2 = margin.account_whatif(EX_MKTS, acct, perp(1.0, 59900), prm)
        self.assertEqual(w2.order_equity, 0.0)
        assert_close(self, w2.after.equity, w.before.equity, rel=1e-12)
        # a short call: the mark liability counts, the premium does not
        call = P(option_type="call", quantity=-2.0, strike=70000.0, expiry=30 / 365,
                 vol=0.55, entry_price=900.0)
        v = margin.bs_price("call", 60000, 70000, 30 / 365, 0.03, 0.0, 0.55)
        w3 = margin.account_whatif(EX_MKTS, acct, call, prm)
        assert_close(self, w3.order_equity, -2.0 * v, rel=1e-12)
        # far too large: rejected
        w4 = margin.account_whatif(EX_MKTS, acct, perp(100.0, 60000), prm)
        self.assertEqual(w4.accept, 0)
        self.assertGreater(w4.after.status, OK)
        # whatif liquidation prices = liquidation prices of the account plus the order
        lp = margin.whatif_liq_prices(EX_MKTS, acct, order, prm, vol=0.6)
        ref = margin.liq_prices(EX_MKTS, plus, prm, vol=0.6)
        self.assertEqual(lp.n_roots, ref.n_roots)
        for a, b in zip(lp.roots, ref.roots):
            assert_close(self, a, b, rel=1e-9)
        with list_mode():
            self.assertEqual(margin.whatif_liq_prices(EX_MKTS, acct, order, prm,
                                                      vol=0.6).n_roots, ref.n_roots)

    def test_max_order(self):
        acct = example_accounts()[0]
        prm = dict(std=margin.std_preset(margin.MGN_STD_PRESET_DERIBIT_BTC))
        order = perp(1.0, 60100)
        q = margin.account_max_order(EX_MKTS, acct, order, 2.0, 100.0, prm)
        self.assertGreater(q, 0)
        ok = margin.account_whatif(EX_MKTS, acct, order._replace(quantity=q), prm).after
        over = margin.account_whatif(EX_MKTS, acct, order._replace(quantity=q * (1 + 1e-6)),
                                     prm).after
        self.assertGreaterEqual(ok.margin_ratio, 2.0 * (1 - 1e-9))
        self.assertLess(over.margin_ratio, 2.0)
        self.assertEqual(margin.account_max_order(EX_MKTS, acct, order, 1e-9, 3.0, prm), 3.0)
        self.assertEqual(margin.account_max_order(EX_MKTS, acct, order, 1e9, 3.0, prm), 0.0)
        self.assertGreater(margin.whatif_work_size(2, 4, dict(
            mode="portfolio", pm=margin.pm_preset_deribit())), 0)

    def test_bad_input(self):
        acct = example_accounts()[0]
        order = perp(1.0, 60100)
        self.assertStatus(margin.MGN_EINVAL, margin.account_whatif, EX_MKTS, acct,
                          perp(1.0, 0.0))
        self.assertStatus(margin.MGN_EINVAL, margin.account_whatif, EX_MKTS, acct,
                          order._replace(underlying=3))
        self.assertStatus(margin.MGN_EINVAL, margin.account_whatif, EX_MKTS, acct, order,
                          now=NAN)
        self.assertStatus(margin.MGN_EINVAL, margin.account_whatif, EX_MKTS, acct,
                          P(quantity=1.0, strike=1.0, expiry=0.1, vol=0.5, entry_price=-1.0))
        self.assertStatus(margin.MGN_EINVAL, margin.account_max_order, EX_MKTS, acct, order,
                          0.0, 10.0)
        self.assertStatus(margin.MGN_EINVAL, margin.account_max_order, EX_MKTS, acct, order,
                          2.0, INF)
        self.assertStatus(margin.MGN_EINVAL, margin.whatif_liq_prices, EX_MKTS, acct, order,
                          grid=0)
        self.assertStatus(margin.MGN_EINVAL, margin.whatif_work_size, 2, 4, dict(mode=-1))


# ---------------------------------------------------------------- oracle guards

class TestOracle(ErrorChecks, unittest.TestCase):
    def test_median_of_fresh_quotes(self):
        prices = [60010.0, 59990.0, 60030.0, 63500.0, 60000.0, 59000.0, NAN, -1.0]
        times = [99.0, 100.0, 98.0, 99.5, 97.0, 80.0, 100.0, 100.0]
        r = margin.oracle_index(prices, times, 100.0, max_age=5.0, max_deviation=0.05,
                                min_quorum=3)
        self.assertIsInstance(r, margin.OracleResult)
        fresh = [p for p, t in zip(prices, times)
                 if p > 0 and 0 <= 100.0 - t <= 5.0]           # NaN > 0 is False
        m = statistics.median(fresh)
        used = [p for p in fresh if abs(p / m - 1) <= 0.05]
        self.assertEqual(r.median_fresh, m)
        self.assertEqual(r.price, statistics.median(used))
        self.assertEqual((r.n_fresh, r.n_used, r.n_rejected, r.verdict),
                         (5, 4, 2, margin.MGN_ORACLE_OK))
        # a narrower band drops more and loses the quorum
        r = margin.oracle_index(prices, times, 100.0, margin.OracleParams(5.0, 0.0002, 3))
        self.assertEqual((r.verdict, r.price), (margin.MGN_ORACLE_DEVIATION, 0.0))
        with list_mode():
            self.assertEqual(margin.oracle_index(prices, times, 100.0, max_age=5.0,
                                                 min_quorum=3).n_fresh, 5)

    def test_stale_set_refuses_liquidation(self):
        stale = margin.oracle_index([60000.0, 60010.0], [10.0, 11.0], 100.0, max_age=5.0)
        self.assertEqual((stale.verdict, stale.price), (margin.MGN_ORACLE_STALE, 0.0))
        self.assertEqual(stale.n_fresh, 0)
        acct = A([perp(1.0, S0)], [cash(590.0)])
        prm = dict(std=simple_rules(0.02, 0.01))
        err = self.assertStatus(margin.MGN_ESTALE, margin.liq_partial, MKTS, acct, prm,
                                guard=stale)
        self.assertIsInstance(err, margin.StaleError)
        self.assertEqual(err.function, "mgn_liq_partial")
        fresh = margin.oracle_index([60000.0, 60010.0], [99.0, 100.0], 100.0, max_age=5.0)
        self.assertEqual(fresh.verdict, margin.MGN_ORACLE_OK)
        self.assertEqual(margin.liq_partial(MKTS, acct, prm, guard=fresh),
                         margin.liq_partial(MKTS, acct, prm))
        dev = fresh._replace(verdict=margin.MGN_ORACLE_DEVIATION)
        self.assertStatus(margin.MGN_ESTALE, margin.liq_partial, MKTS, acct, prm, guard=dev)

    def test_bad_input(self):
        f = margin.oracle_index
        self.assertStatus(margin.MGN_EINVAL, f, [1.0], [1.0], NAN, max_age=1.0)
        self.assertStatus(margin.MGN_EINVAL, f, [1.0], [1.0], 1.0, max_age=-1.0)
        self.assertStatus(margin.MGN_EINVAL, f, [1.0], [1.0], 1.0, max_age=1.0,
                          max_deviation=-0.1)
        self.assertStatus(margin.MGN_EINVAL, f, [1.0], [1.0], 1.0, max_age=1.0, min_quorum=0)
        self.assertStatus(margin.MGN_EINVAL, f, [1.0, 2.0], [1.0], 1.0, max_age=1.0)
        n = margin.MGN_ORACLE_MAX_FEEDS + 1
        self.assertStatus(margin.MGN_ERANGE, f, [1.0] * n, [1.0] * n, 1.0, max_age=1.0)
        r = f([], [], 1.0, max_age=1.0)
        self.assertEqual(r.verdict, margin.MGN_ORACLE_STALE)


# ---------------------------------------------------------------- partial liquidation

class TestPartialLiquidation(ErrorChecks, unittest.TestCase):
    PRM = dict(std=simple_rules(0.02, 0.01))        # MM 1% of notional, IM 2%

    def test_proportional_minimal(self):
        # one long at the mark, equity 590 < MM 600: with buffer b and penalty p, the
        # smallest fraction is f = (m N (1 + b) - E) / (N (m (1 + b) - p))
        acct = A([perp(1.0, S0)], [cash(590.0)])
        m, b, pr, N, E = 0.01, 0.1, 0.0075, S0, 590.0
        f = (m * N * (1 + b) - E) / (N * (m * (1 + b) - pr))
        plan = margin.liq_partial(MKTS, acct, self.PRM, order="proportional")
        self.assertIsInstance(plan, margin.LiqResult)
        self.assertEqual(plan.before.status, LIQUIDATE)
        self.assertEqual((plan.n_closes, plan.full, plan.restored), (1, 0, 1))
        c = plan.closes[0]
        assert_close(self, c.fraction, f, rel=1e-9)
        assert_close(self, c.quantity, f, rel=1e-9)
        self.assertEqual(c.price, S0)
        assert_close(self, c.notional, f * N, rel=1e-9)
        assert_close(self, c.penalty, pr * f * N, rel=1e-9)
        assert_close(self, plan.after.equity, E - pr * f * N, rel=1e-9)
        assert_close(self, plan.after.mm, (1 - f) * m * N, rel=1e-9)
        # re-evaluated independently: the plan restores the target, 1e-6 less misses it
        done = margin.account_eval(MKTS, reduced(acct, [c.fraction], pr, MKTS), self.PRM)
        self.assertGreaterEqual(done.equity - done.mm * (1 + b), -1e-9 * N)
        less = margin.account_eval(MKTS, reduced(acct, [c.fraction * (1 - 1e-6)], pr, MKTS),
                                   self.PRM)
        self.assertLess(less.equity, less.mm * (1 + b))
        # target IM: f = (m_im N - E) / (N (m_im - p))
        plan = margin.liq_partial(MKTS, acct, self.PRM, order="proportional", target="im",
                                  close_factor=1.0)
        assert_close(self, plan.closes[0].fraction, (0.02 * N - E) / (N * (0.02 - pr)),
                     rel=1e-9)
        # beyond the close factor: full liquidation
        plan = margin.liq_partial(MKTS, acct, self.PRM, order="proportional",
                                  close_factor=0.2)
        self.assertEqual(plan.full, 1)
        with list_mode():
            self.assertEqual(margin.liq_partial(MKTS, acct, self.PRM, liq=margin.liq_params(
                close_factor=0.2), order="proportional"), plan)

    def test_orders(self):
        # BTC perp (MM 600) and ETH perp (MM 30)
        acct = A([perp(1.0, S1, u=1), perp(1.0, S0)], [cash(610.0)])
        big = margin.liq_partial(MKTS, acct, self.PRM)               # largest MM first
        self.assertEqual(big.closes[0].position, 1)
        given = margin.liq_partial(MKTS, acct, self.PRM, order="given", priority=[0, 1])
        self.assertEqual([c.position for c in given.closes], [0, 1])
        self.assertEqual(given.closes[0].fraction, 0.5)               # capped at 50%
        for plan in (big, given):
            self.assertEqual(plan.restored, 1)
            fr = [0.0, 0.0]
            for c in plan.closes:
                fr[c.position] = c.fraction
            done = margin.account_eval(MKTS, reduced(acct, fr, 0.0075, MKTS), self.PRM)
            assert_close(self, done.equity, plan.after.equity, rel=1e-9)
            self.assertGreaterEqual(done.equity, done.mm * 1.1 - 1e-9 * S0)
            assert_close(self, plan.penalty, sum(c.penalty for c in plan.closes), rel=1e-12)
        self.assertGreater(margin.liq_partial_work_size(2, 2, dict(
            mode="portfolio", pm=margin.pm_preset_deribit())), 0)

    def test_economics(self):
        acct = A([perp(1.0, S0), perp(0.01, S0), perp(-2.0, S1, u=1)], [cash(1000.0)])
        e = margin.liq_economics(MKTS, acct, close_factor=0.5, bonus=0.01, gas_cost=20.0)
        self.assertIsInstance(e, margin.LiqEconomics)
        notional = [0.5 * S0, 0.5 * 0.01 * S0, 0.5 * 2 * S1]          # 30000, 300, 3000
        for got, n in zip(e.reward, notional):
            assert_close(self, got, 0.01 * n, rel=1e-12)
        self.assertEqual(list(e.unprofitable), [0, 1, 0])              # 3 < 20 <= 30, 300
        self.assertEqual(e.n_unprofitable, 1)
        assert_close(self, e.unprofitable_notional, 300.0, rel=1e-12)
        # on a plan's closes
        plan = margin.liq_partial(MKTS, A([perp(1.0, S0)], [cash(590.0)]), self.PRM)
        e = margin.liq_economics(MKTS, A([perp(1.0, S0)], [cash(590.0)]), plan, bonus=0.02,
                                 gas_cost=1e9)
        assert_close(self, e.reward[0], 0.02 * plan.closes[0].notional, rel=1e-12)
        self.assertEqual((list(e.unprofitable), e.n_unprofitable), ([1], 1))
        with list_mode():
            self.assertIsInstance(margin.liq_economics(MKTS, acct).reward, list)

    def test_bad_input(self):
        acct = A([perp(1.0, S0)], [cash(590.0)])
        f = margin.liq_partial
        for bad in (dict(close_factor=0.0), dict(close_factor=1.5), dict(penalty_rate=1.0),
                    dict(buffer=-0.1), dict(order=5), dict(target=3),
                    dict(order="given", priority=[7])):
            self.assertStatus(margin.MGN_EINVAL, f, MKTS, acct, self.PRM, **bad)
        self.assertStatus(margin.MGN_EINVAL, f, MKTS, acct, dict(liq_ratio=0.0))
        e = margin.liq_economics
        self.assertStatus(margin.MGN_EINVAL, e, MKTS, acct, bonus=1.0)
        self.assertStatus(margin.MGN_EINVAL, e, MKTS, acct, gas_cost=-1.0)
        self.assertStatus(margin.MGN_EINVAL, e, MKTS, acct._replace(
            balances=[cash(INF)]))
        self.assertStatus(margin.MGN_EINVAL, margin.liq_partial_work_size, 2, 2,
                          dict(mode=5))


# ---------------------------------------------------------------- cascades

class TestCascade(ErrorChecks, unittest.TestCase):
    MK = [margin.Market(100.0, 0.0, 0.0)]
    PRM = dict(std=simple_rules(0.1, 0.05))      # MM = 5% of notional

    def accounts(self):
        return [A([perp(10.0, 100.0)], [cash(60.0)]),         # liquidated at 95
                A([perp(10.0, 100.0)], [cash(150.0)]),        # at 85.5
                A([perp(10.0, 100.0)], [cash(200.0)]),        # bankrupt at 76.95
                A([perp(-5.0, 100.0)], [cash(1000.0)])]       # a short: never

    def test_three_account_cascade_by_hand(self):
        res = margin.cascade(self.MK, self.accounts(), -0.05, 100.0, self.PRM,
                             impact=1.0, penalty_rate=0.01, insurance_fund=0.0)
        self.assertIsInstance(res, margin.CascadeResult)
        # by hand: S 100 -> 95 (shock); each round one long of 10 is sold into depth 100
        # with linear impact 1: S <- S (1 - 0.1)
        S = [95.0, 85.5, 76.95]
        eq = [60 - 10 * 5.0, 150 - 10 * 14.5, 200 - 10 * 23.05]    # 10, 5, -30.5
        for k in range(3):     # each is below MM at its round, and above in the rounds before
            self.assertLess(eq[k], 0.05 * 10 * S[k])
        fees = [min(0.01 * 10 * S[k], max(eq[k], 0.0)) for k in range(3)]   # 9.5, 5, 0
        self.assertEqual(res.n_rounds, 3)
        fund, uncovered = 0.0, 0.0
        for k, rd in enumerate(res.rounds):
            fund += fees[k]
            bad = max(-eq[k], 0.0)
            paid = min(fund, bad)
            fund -= paid
            uncovered += bad - paid
            self.assertEqual(rd.n_liquidated, 1)
            assert_close(self, rd.price, S[k] * 0.9, rel=1e-12)
            assert_close(self, rd.notional, 10 * S[k], rel=1e-12)
            assert_close(self, rd.fees, fees[k], rel=1e-12, abs_=1e-12)
            assert_close(self, rd.bad_debt, bad, rel=1e-9, abs_=1e-9)
            assert_close(self, rd.fund, fund, rel=1e-9, abs_=1e-9)
            assert_close(self, rd.uncovered, uncovered, rel=1e-9, abs_=1e-9)
        self.assertEqual((res.n_liquidated, res.converged), (3, 1))
        assert_close(self, res.uncovered, 30.5 - 14.5, rel=1e-9)
        assert_close(self, res.bad_debt, 30.5, rel=1e-9)
        assert_close(self, res.fees, 14.5, rel=1e-12)
        assert_close(self, res.notional, 10 * sum(S), rel=1e-12)
        assert_close(self, res.final_markets[0].spot, 76.95 * 0.9, rel=1e-12)
        # the fund absorbs the bad debt when large enough
        rich = margin.cascade(self.MK, self.accounts(), [-0.05], [100.0], self.PRM,
                              margin.CascadeParams(impact=1.0, penalty_rate=0.01,
                                                   insurance_fund=100.0))
        self.assertEqual(rich.uncovered, 0.0)
        assert_close(self, rich.fund, 100.0 + 14.5 - 30.5, rel=1e-9)
        # a round limit stops it early
        two = margin.cascade(self.MK, self.accounts(), -0.05, 100.0, self.PRM, impact=1.0,
                             max_rounds=2)
        self.assertEqual((two.n_rounds, two.converged), (2, 0))
        # sqrt impact: S <- S (1 - impact sqrt(10 / 100))
        sq = margin.cascade(self.MK, self.accounts()[:1], -0.05, 100.0, self.PRM,
                            impact_model="sqrt", impact=0.1)
        assert_close(self, sq.rounds[0].price, 95 * (1 - 0.1 * math.sqrt(0.1)), rel=1e-12)
        # an AccountBook and the list path give the same
        with list_mode():
            lst = margin.cascade(self.MK, margin.account_book(self.accounts()), -0.05, 100.0,
                                 self.PRM, impact=1.0, penalty_rate=0.01)
        self.assertEqual(lst, res)

    def test_example_accounts(self):
        # the C example's cascade runs, conserves its sums and ends below the shock
        prm = dict(std=margin.std_preset(margin.MGN_STD_PRESET_DERIBIT_BTC))
        res = margin.cascade(EX_MKTS, example_accounts(), [-0.3, -0.3], [50.0, 500.0], prm,
                             impact_model="sqrt", max_rounds=20, impact=0.05,
                             penalty_rate=0.0075, insurance_fund=5000.0)
        self.assertEqual(res.n_liquidated, sum(r.n_liquidated for r in res.rounds))
        assert_close(self, res.bad_debt, sum(r.bad_debt for r in res.rounds), rel=1e-12)
        assert_close(self, res.fund + res.bad_debt - res.uncovered, 5000.0 + res.fees,
                     rel=1e-12)
        self.assertLess(res.final_markets[0].spot, 0.7 * 60000)
        n = margin.cascade_work_size(2, 6, 4, prm)
        self.assertGreaterEqual(n, 0)

    def test_bad_input(self):
        c = margin.cascade
        accts = self.accounts()
        for kw in (dict(max_rounds=0), dict(impact=-1.0), dict(penalty_rate=1.0),
                   dict(insurance_fund=-1.0), dict(report_underlying=1), dict(impact_model=4)):
            self.assertStatus(margin.MGN_EINVAL, c, self.MK, accts, -0.05, 100.0, self.PRM,
                              **kw)
        self.assertStatus(margin.MGN_EINVAL, c, self.MK, accts, NAN, 100.0, self.PRM)
        self.assertStatus(margin.MGN_EINVAL, c, self.MK, accts, -0.05, 0.0, self.PRM)
        self.assertStatus(margin.MGN_EINVAL, c, self.MK, accts, [-0.05, 0.1], 100.0)
        bad = list(accts)
        bad[1] = bad[1]._replace(balances=[cash(NAN)])
        self.assertStatus(margin.MGN_EINVAL, c, self.MK, bad, -0.05, 100.0, self.PRM)
        self.assertStatus(margin.MGN_EINVAL, margin.cascade_work_size, 1, 4, 1, dict(mode=8))


# ---------------------------------------------------------------- the Python example

class TestExample(unittest.TestCase):
    def test_liquidation_monitor_runs(self):
        env = dict(os.environ)
        out = subprocess.run([sys.executable, os.path.join(REPO, "examples", "python",
                                                           "liquidation_monitor.py")],
                             env=env, capture_output=True, text=True, check=True).stdout
        rows = [line for line in out.splitlines() if line.startswith("|    ")]
        self.assertEqual(len(rows), 12)
        prm = dict(std=margin.std_preset(margin.MGN_STD_PRESET_DERIBIT_BTC))
        for k, acct in enumerate(example_accounts()):
            r = margin.account_eval(EX_MKTS, acct, prm)
            cells = [c.strip() for c in rows[k].split("|")[1:-1]]
            self.assertEqual(cells[4], margin.ACCOUNT_STATUS_NAMES[r.status])
            self.assertEqual(cells[1], "%.0f" % r.equity)
            roots = margin.liq_prices(EX_MKTS, acct, prm)
            cells = [c.strip() for c in rows[6 + k].split("|")[1:-1]]
            self.assertEqual(int(cells[7]), roots.n_roots)


if __name__ == "__main__":
    unittest.main()
