#!/usr/bin/env python3
"""Sweep a synthetic book on a Dask cluster with libmargin (examples/python/cluster.py).

    /usr/bin/python3 examples/python/cluster_sweep.py [--accounts N] [--part-size P]
                     [--scheduler tcp://host:port]   (default: a 2-worker LocalCluster)

Prints the margin-call and liquidation summaries and the throughput; Dask's progress bar
(distributed.progress) runs while the partitions are evaluated.  Workers must be able to
import cluster.py/margin.py (PYTHONPATH) and find libmargin.so (MARGIN_LIBRARY).
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cluster as mc  # noqa: E402
import margin  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scheduler", help="scheduler address (default: start a LocalCluster)")
    ap.add_argument("--accounts", type=int, default=1_000_000)
    ap.add_argument("--positions", type=int, default=10)
    ap.add_argument("--part-size", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    from distributed import Client, LocalCluster
    mc.ensure_worker_env()
    cl = None
    if a.scheduler:
        client = Client(a.scheduler)
    else:
        cl = LocalCluster(n_workers=a.workers, threads_per_worker=1, processes=True,
                          dashboard_address=None, host="127.0.0.1")
        client = Client(cl)
    try:
        spec = mc.book_spec(a.seed, a.accounts, a.positions, a.part_size)
        mk = mc.default_markets(spec.n_mkt)
        prm = margin.account_params(liq_ratio=0.5)
        t0 = time.perf_counter()
        r = mc.sweep(client, spec, mk, prm, progress=True)
        dt = time.perf_counter() - t0
        print()
        print("accounts %d in %d partitions on %d workers: %.2f s, %.0f accounts/s"
              % (spec.n_accounts, r.n_parts, len(client.scheduler_info()["workers"]), dt,
                 spec.n_accounts / dt))
        for name, df in (("margin calls", r.margin_calls), ("liquidations", r.liquidations)):
            print("%-13s %8d accounts  call/shortfall total %.6g  worst distance %.6g"
                  % (name, len(df), df.call_amount.sum() + df.shortfall.sum(),
                     df.distance.min() if len(df) else 0.0))
        print(r.liquidations.head(10).to_string(index=False))
    finally:
        client.close()
        if cl is not None:
            cl.close()


if __name__ == "__main__":
    main()
