"""examples/python/cluster.py on a real Dask cluster (LocalCluster with worker processes,
and a dask-scheduler + two dask-workers started as separate processes), every result
compared with the single-process library.  Skipped where dask/distributed are absent."""
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
PYDIR = os.path.join(HERE, "..", "..", "examples", "python")
sys.path.insert(0, os.path.abspath(PYDIR))

try:
    import numpy as np
    import pandas  # noqa: F401
    import dask  # noqa: F401
    import distributed
    from distributed import Client, LocalCluster
    HAVE_DASK = True
except ImportError as e:            # the PATH python3 has none of these
    HAVE_DASK = False
    WHY = "dask/distributed/pandas not installed for %s (%s)" % (sys.executable, e)

if HAVE_DASK:
    import margin
    import cluster as mc


def _params():
    return None


@unittest.skipUnless(HAVE_DASK, "cluster tests skipped: " + ("" if HAVE_DASK else WHY))
class TestLocalCluster(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        mc.ensure_worker_env()
        cls.cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                   dashboard_address=None, host="127.0.0.1")
        cls.client = Client(cls.cluster, timeout=30)
        cls.spec = mc.book_spec(7, 3000, n_pos=6, part_size=700)
        cls.mk = mc.default_markets(3)
        cls.book = mc.whole_book(cls.spec)

    @classmethod
    def tearDownClass(cls):
        try:
            cls.client.close(timeout=20)
        finally:
            cls.cluster.close(timeout=20)

    def test_sweep(self):
        prm = margin.account_params(liq_ratio=0.5)     # a margin-call band below MM
        r = mc.sweep(self.client, self.spec, self.mk, prm)
        df = r.frame.compute()
        # bit for bit: the library's sweep of each partition's book in this process
        ref = np.concatenate([margin.account_sweep(self.mk, mc.make_partition(self.spec, p),
                                                   prm) for p in range(mc.n_parts(self.spec))])
        self.assertEqual(list(df.account), list(range(self.spec.n_accounts)))
        for c in ("equity", "im", "mm", "margin_ratio", "call_amount", "shortfall"):
            self.assertTrue(np.array_equal(df[c].to_numpy(), ref[c]), c)
        # the whole book in one sweep: the library's batch option pricer makes the last
        # ulps depend on an account's neighbours in the batch; statuses are identical
        whole = margin.account_sweep(self.mk, self.book, prm, threads=2)
        self.assertTrue(np.array_equal(df.status.to_numpy(), whole["status"]))
        np.testing.assert_allclose(df.equity.to_numpy(), whole["equity"], rtol=1e-12)
        self.assertTrue(np.array_equal(df.status.to_numpy(), ref["status"]))
        self.assertEqual(list(r.liquidations.account),
                         list(np.nonzero(ref["status"] >= margin.MGN_ACCT_LIQUIDATE)[0]))
        self.assertEqual(list(r.margin_calls.account),
                         list(np.nonzero(ref["status"] == margin.MGN_ACCT_MARGIN_CALL)[0]))
        self.assertGreater(len(r.liquidations), 0)
        self.assertGreater(len(r.margin_calls), 0)

    def test_stress(self):
        scen = [(0.0, 0.0, 0.0), (-0.1, -0.15, -0.2), (0.12, 0.1, 0.3)]
        d = mc.stress(self.client, self.spec, self.mk, scen)
        # exactly rounded sums: equal to math.fsum over all accounts of the partitions'
        # sweeps in one process; counts equal to the whole-book sweep
        ref = pandas.concat([mc.stress_reference(mc.make_partition(self.spec, p), self.mk, scen)
                             for p in range(mc.n_parts(self.spec))])
        whole = mc.stress_reference(self.book, self.mk, scen)
        for c in ("n_margin_call", "n_liquidatable", "n_bankrupt"):
            self.assertEqual(list(d[c]), list(whole[c]), c)
        for s in range(len(scen)):
            for c in ("total_call", "total_shortfall"):
                parts = [mc.partials(self._col(p, scen[s], c)) for p in range(mc.n_parts(self.spec))]
                self.assertEqual(d[c][s], math.fsum(x for q in parts for x in q), c)
                self.assertAlmostEqual(d[c][s], whole[c][s], delta=1e-9 * (1 + abs(whole[c][s])))
        self.assertEqual(len(ref), len(scen) * mc.n_parts(self.spec))
        self.assertGreater(d.total_shortfall[1], 0)

    def _col(self, p, shock, c):
        r = margin.account_sweep(mc.shocked(self.mk, shock), mc.make_partition(self.spec, p))
        if c == "total_call":
            return r["call_amount"][r["status"] == margin.MGN_ACCT_MARGIN_CALL]
        return r["shortfall"]

    def test_mc_var(self):
        pos = [margin.Position(instrument=margin.MGN_PERPETUAL, underlying=0, quantity=2.0,
                               entry_price=59000.0),
               margin.Position(instrument=margin.MGN_OPTION, underlying=1, strike=3100,
                               expiry=0.2, vol=0.7, quantity=-30.0),
               margin.Position(instrument=margin.MGN_PERPETUAL, underlying=2, quantity=-400,
                               entry_price=151.0)]
        cov = [[0.0016, 0.001, 0.0008], [0.001, 0.0025, 0.001], [0.0008, 0.001, 0.0036]]
        for N, parts, c in ((200_000, 5, 0.99), (50_001, 3, 0.975), (900, 2, 0.99)):
            v, e, st = mc.mc_var(self.client, self.mk, pos, cov, N, parts, 11, c,
                                 return_stats=True)
            full = np.concatenate([mc.mc_partition_pnl(self.mk, pos, cov, n, 11, p)
                                   for p, n in enumerate(mc.mc_split(N, parts))])
            rv, re = margin.var_es(full, confidence=c)
            self.assertEqual((v, e), (rv, re), (N, parts, c))
            if N > 1024:
                self.assertLess(st["gathered"], N // 2)
        # same seed and partitioning -> same bits; another seed -> other bits
        a = mc.mc_var(self.client, self.mk, pos, cov, 20_000, 4, 3)
        self.assertEqual(a, mc.mc_var(self.client, self.mk, pos, cov, 20_000, 4, 3))
        self.assertNotEqual(a, mc.mc_var(self.client, self.mk, pos, cov, 20_000, 4, 4))

    def test_historical(self):
        spec = mc.book_spec(3, 60, n_pos=4, part_size=25)
        rng = np.random.default_rng(5)
        rets = rng.normal(0, 0.03, (250, 3))
        d = mc.historical_var(self.client, spec, self.mk, rets, 0.99)
        book = mc.whole_book(spec)
        off = book.pos_offsets
        self.assertEqual(list(d.account), list(range(60)))
        for k in range(60):
            r = margin.var_historical(self.mk, book.positions[off[k]:off[k + 1]], rets,
                                      confidence=0.99)
            self.assertEqual((d["var"][k], d["es"][k]), (r.var, r.es))

    def test_cascade(self):
        spec = mc.book_spec(21, 1200, n_pos=4, part_size=300)
        book = mc.whole_book(spec)
        for kw in (dict(impact=0.5, penalty_rate=0.01, insurance_fund=2e5, max_rounds=30),
                   dict(impact_model="sqrt", impact=0.02, penalty_rate=0.005,
                        insurance_fund=0.0, max_rounds=8)):
            d = mc.cascade(self.client, spec, self.mk, -0.08, [2e3, 4e4, 1e6], **kw)
            ref = margin.cascade(self.mk, book, -0.08, [2e3, 4e4, 1e6], **kw)
            self.assertEqual(d, ref)
            self.assertGreater(ref.n_rounds, 1)


def _start(args, log):
    return subprocess.Popen([sys.executable, "-m"] + args, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def _stop(p):
    if p.poll() is None:
        p.terminate()
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(10)


@unittest.skipUnless(HAVE_DASK, "cluster tests skipped: " + ("" if HAVE_DASK else WHY))
class TestSeparateProcesses(unittest.TestCase):
    def setUp(self):
        mc.ensure_worker_env()
        self.tmp = tempfile.TemporaryDirectory()
        self.procs = []
        self.client = None
        sf = os.path.join(self.tmp.name, "scheduler.json")
        log = open(os.path.join(self.tmp.name, "log"), "wb")
        self.log = log
        self.procs.append(_start(["distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                                  "--port", "0", "--no-dashboard", "--scheduler-file", sf], log))
        t0 = time.time()
        while not os.path.exists(sf) and time.time() - t0 < 30:
            time.sleep(0.1)
        self.assertTrue(os.path.exists(sf), "scheduler did not start")
        for _ in range(2):
            self.procs.append(_start(["distributed.cli.dask_worker", "--scheduler-file", sf,
                                      "--host", "127.0.0.1", "--nworkers", "1", "--nthreads",
                                      "1", "--no-nanny", "--no-dashboard"], log))
        self.client = Client(scheduler_file=sf, timeout=30)
        self.client.wait_for_workers(2, timeout=60)

    def tearDown(self):
        try:
            if self.client is not None:
                self.client.close(timeout=10)
        finally:
            for p in reversed(self.procs):
                _stop(p)
            self.log.close()
            self.tmp.cleanup()

    def test_sweep_and_worker_killed(self):
        spec = mc.book_spec(9, 24_000, n_pos=10, part_size=1000)
        mk = mc.default_markets(3)
        ref = np.concatenate([margin.account_sweep(mk, mc.make_partition(spec, p))
                              for p in range(mc.n_parts(spec))])
        futs = mc.sweep_futures(self.client, spec, mk)
        # kill one worker process while tasks run
        t0 = time.time()
        while sum(f.status == "finished" for f in futs) < 2 and time.time() - t0 < 30:
            time.sleep(0.02)
        done_before = sum(f.status == "finished" for f in futs)
        self.assertLess(done_before, len(futs), "sweep finished before the kill")
        os.kill(self.procs[1].pid, signal.SIGKILL)
        self.procs[1].wait(10)
        import pandas as pd
        df = pd.concat(self.client.gather(futs), ignore_index=True)
        self.assertEqual(len(df), spec.n_accounts)
        self.assertEqual(sorted(df.account), list(range(spec.n_accounts)))   # once each
        df = df.sort_values("account")
        self.assertTrue(np.array_equal(df.equity.to_numpy(), ref["equity"]))
        self.assertTrue(np.array_equal(df.status.to_numpy(), ref["status"]))
        self.assertEqual(len(self.client.scheduler_info()["workers"]), 1)


if __name__ == "__main__":
    unittest.main()
