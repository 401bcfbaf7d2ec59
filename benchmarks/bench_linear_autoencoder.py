"""Benchmark for Q1(b)/Q2 (issue 3): derivation time, and SGD time/steps to a 1e-3
relative loss gap to the closed-form optimum of eq. (3) for m=20, k=5, n=500.

Run:  OMP_NUM_THREADS=1 python benchmarks/bench_linear_autoencoder.py [--device cpu] [--skip-b1]

Data: XXᵀ has eigenvalues σ_i = n·4·0.8^(i−1) exactly (zero-centred X, seed 1);
λ = 0.2·n (λ/σ_i from 0.05 to 0.12 over the top k). SGD is the Q2(a) recipe: two
bias-free nn.Linear layers, nn.MSELoss (mean), torch.optim.SGD with the derived
weight_decay = 2λ/(mn); lr = lr_scale·m·n/σ1. The loss gap is evaluated once per
epoch (n/B steps); that evaluation time is included in the wall time.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--skip-b1", action="store_true", help="skip one-sample-at-a-time SGD")
    args = ap.parse_args()
    torch.set_num_threads(1)

    import derivations.linear_autoencoder as d1
    import derivations.regularized_linear_autoencoder as d2

    t0 = time.perf_counter()
    d1.derive()
    t1 = time.perf_counter()
    d2.derive.cache_clear()
    d2.derive()
    t2 = time.perf_counter()
    print("derivation                              seconds")
    print(f"Q1(b) linear_autoencoder.derive()       {t1 - t0:8.3f}")
    print(f"Q2 regularized_linear_autoencoder       {t2 - t1:8.3f}")

    from numerics.linear_autoencoder import make_data
    from numerics.regularized_linear_autoencoder import closed_form, train_sgd

    m, k, n = 20, 5, 500
    X = make_data(m, n, n * 4 * 0.8 ** np.arange(m), seed=1)
    lam = 0.2 * n
    cf = closed_form(X, k, lam)
    print(f"\nm={m} k={k} n={n} lam={lam:g} closed-form L*={cf.loss:.6f}; target gap 1e-3")
    print("batch  lr_scale  decay_after  steps_to_1e-3  epochs  seconds  final_gap")
    runs = [(n, 0.4, None, 20_000), (n, 0.2, None, 20_000), (50, 0.2, 500, 100_000)]
    if not args.skip_b1:
        runs.append((1, 0.03, 20_000, 600_000))
    for B, lrs, dec, cap in runs:
        r = train_sgd(X, k, lam, batch_size=B, lr_scale=lrs, steps=cap, seed=0,
                      device=args.device, target_gap=1e-3, L_star=cf.loss, decay_after=dec)
        gap = r.history[-1][1] / cf.loss - 1
        st = r.reached_at if r.reached_at is not None else f">{cap}"
        ep = f"{r.reached_at * B / n:.1f}" if r.reached_at else "-"
        print(f"{B:5d}  {lrs:8.2f}  {dec!s:>11}  {st!s:>13}  {ep:>6}  {r.seconds:7.2f}  {gap:.2e}")


if __name__ == "__main__":
    main()
