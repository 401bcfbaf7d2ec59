"""Benchmark for Q1(b)/Q2 (issue 3): derivation time, and SGD time/steps to a 1e-3
relative loss gap to the closed-form optimum of eq. (3) for m=20, k=5, n=500.

Run:  OMP_NUM_THREADS=1 python benchmarks/bench_linear_autoencoder.py [--device cpu]
      [--skip-b1] [--noise-floor]

Data: XXᵀ has eigenvalues σ_i = n·4·0.8^(i−1) exactly (zero-centred X, seed 1);
λ = 0.2·n (λ/σ_i from 0.05 to 0.12 over the top k). SGD is the Q2(a) recipe: two
bias-free nn.Linear layers, nn.MSELoss (mean), torch.optim.SGD with the derived
weight_decay = 2λ/(mn); lr = lr_scale·m·n/σ1. The loss gap is evaluated once per
epoch (n/B steps); that evaluation time is included in the wall time.

Step sizes. Constant-step minibatch SGD stalls at a noise floor whose relative gap is
∝ lr_scale/B (``--noise-floor`` measures it for B = 1), so minibatch runs use
lr_t = lr·min(1, t0/t) (LambdaLR). The floor then falls as ≈ lr_scale·t0/t, so t0 is
taken as small as the convergence rate allows: lr_scale·t0 = σ1/h_min, h_min the
smallest non-zero Hessian eigenvalue of L_λ at the closed form (the slowest direction
then contracts like 1/t). A t0 far above that (e.g. 20,000 for B = 1) leaves the gap
above 1e-3 for ~10⁶ steps.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import torch


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--skip-b1", action="store_true", help="skip one-sample-at-a-time SGD")
    ap.add_argument("--noise-floor", action="store_true",
                    help="also measure the constant-step B=1 noise floor at two lr_scales")
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
    from numerics.regularized_linear_autoencoder import closed_form, hessian_spectrum, train_sgd

    m, k, n = 20, 5, 500
    X = make_data(m, n, n * 4 * 0.8 ** np.arange(m), seed=1)
    lam = 0.2 * n
    cf = closed_form(X, k, lam)
    s1 = float(np.linalg.eigvalsh(X @ X.T)[-1])
    h = hessian_spectrum(X, cf.W1, cf.W2, lam, device=args.device) / s1
    flat = int(np.sum(np.abs(h) < 1e-9))
    h_min, h_max = float(h[flat:].min()), float(h[-1])
    print(f"\nm={m} k={k} n={n} lam={lam:g} closed-form L*={cf.loss:.6f}; target gap 1e-3")
    print(f"Hessian of L_λ at the optimum / σ1: {flat} flat (orbit W2O, OᵀW1; "
          f"k(k−1)/2 = {k * (k - 1) // 2}), h_min = {h_min:.4g}, h_max = {h_max:.4g} "
          f"(full batch stable for lr_scale < {2 / h_max:.3g})")
    print("schedule: lr_t = lr·min(1, t0/t), lr = lr_scale·m·n/σ1, "
          "t0 = ceil(1/(h_min·lr_scale)); '-' = constant lr")

    if args.noise_floor:
        print("\nconstant-step B=1 noise floor (iid sampling, 40,000 steps, "
              "mean/max gap over the last 20 epochs)")
        for lrs in (0.03, 0.01):
            r = train_sgd(X, k, lam, batch_size=1, lr_scale=lrs, steps=40_000, seed=0,
                          device=args.device)
            tail = np.array([v for _, v in r.history[-20:]]) / cf.loss - 1
            print(f"  lr_scale {lrs:5.2f}: gap mean {tail.mean():.2e}  max {tail.max():.2e}  "
                  f"mean/lr_scale {tail.mean() / lrs:.2f}")

    def t0_for(lrs):
        return math.ceil(1 / (h_min * lrs))

    print("\nbatch  sampling  lr_scale     t0  steps_to_1e-3  epochs  seconds  final_gap  "
          "max|eig(W2ᵀW2)-d²|  ‖W1-W2ᵀ‖_F")
    runs = [(n, "iid", 0.4, None, 20_000), (n, "iid", 0.2, None, 20_000),
            (50, "iid", 0.2, t0_for(0.2), 100_000), (50, "epoch", 0.2, t0_for(0.2), 100_000)]
    if not args.skip_b1:
        runs += [(1, "iid", 0.03, t0_for(0.03), 600_000),
                 (1, "epoch", 0.03, t0_for(0.03), 600_000)]
    pred = np.sort(cf.d ** 2)[::-1]
    for B, sampling, lrs, dec, cap in runs:
        r = train_sgd(X, k, lam, batch_size=B, lr_scale=lrs, steps=cap, seed=0,
                      device=args.device, target_gap=1e-3, L_star=cf.loss, decay_after=dec,
                      sampling=sampling)
        gap = r.history[-1][1] / cf.loss - 1
        st = r.reached_at if r.reached_at is not None else f">{cap}"
        ep = f"{r.reached_at * B / n:.1f}" if r.reached_at else "-"
        ev = np.sort(np.linalg.eigvalsh(r.W2.T @ r.W2))[::-1]
        eig_err = float(np.abs(ev - pred).max())
        bal = float(np.linalg.norm(r.W1 - r.W2.T))
        print(f"{B:5d}  {sampling:>8}  {lrs:8.2f}  {dec if dec else '-':>5}  {st!s:>13}  "
              f"{ep:>6}  {r.seconds:7.2f}  {gap:.2e}  {eig_err:18.2e}  {bal:10.2e}")
    print(f"predicted eig(W2ᵀW2) = d² = 1 − λ/σ_i: {np.round(pred, 6).tolist()}")


if __name__ == "__main__":
    main()
