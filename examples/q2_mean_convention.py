"""Q2 under the 1/n convention, from the public API only.

A later offering of the course writes the regularised linear autoencoder as

    L(W1, W2) = (1/n)‖X − W2W1X‖²_F + λ‖W1‖²_F + λ‖W2‖²_F        (X ∈ R^{m×n}).

1. gradients ∂L/∂W1, ∂L/∂W2 as SymPy matrix expressions (``derivations.matrix_calculus``,
   term by term), checked entry by entry and against torch autograd and finite differences;
2. the exact ``weight_decay``: torch's ``nn.MSELoss()`` (mean over all m·n entries) plus
   ``SGD(weight_decay=wd)`` steps along (1/(mn))∇‖X − W2W1X‖² + wd·W, which is (1/m)∇L
   exactly when wd = 2λ/m (the derived map, ``weight_decay(..., objective="1/n")``);
3. confirmed by training: two bias-free ``nn.Linear`` layers, full batch, float64, reach
   the closed-form minimum of L (σ_i now the eigenvalues of XXᵀ/n) and W2ᵀW2 has
   eigenvalues 1 − λ/σ_i; the mutation wd = 2λ/(mn) (the sum convention's map) does not.

Run: ``python examples/q2_mean_convention.py`` (seed recorded below).
"""

from __future__ import annotations

import sys

import numpy as np
import sympy as sp
import torch
from torch import nn

from derivations.linear_autoencoder import symbols
from derivations.matrix_calculus import elementwise_gradient_matches, frobenius_sq, gradient
from numerics.linear_autoencoder import make_data
from numerics.matrix_calculus import confirm_gradient
from numerics.regularized_linear_autoencoder import closed_form, weight_decay

SEED = 7
M, N, K, LAM = 5, 40, 2, 0.3
COV_EIGS = np.array([4.0, 2.5, 1.0, 0.5, 0.2])   # eigenvalues of XXᵀ/n


def derive():
    X, W1, W2 = symbols()
    lam = sp.Symbol("lam", nonnegative=True)
    n = X.shape[1]
    loss = frobenius_sq(X - W2 * W1 * X) / n + lam * frobenius_sq(W1) + lam * frobenius_sq(W2)
    return (X, W1, W2, lam), loss, {W1: gradient(loss, W1), W2: gradient(loss, W2)}


def train(X: np.ndarray, wd: float, steps: int = 3000, lr: float = 0.25) -> tuple:
    """Full-batch SGD on nn.MSELoss (mean) with weight_decay=wd; float64; returns (W1, W2)."""
    torch.manual_seed(SEED)
    enc = nn.Linear(M, K, bias=False).double()
    dec = nn.Linear(K, M, bias=False).double()
    opt = torch.optim.SGD([*enc.parameters(), *dec.parameters()], lr=lr, weight_decay=wd)
    data = torch.as_tensor(X.T)                       # n samples as rows
    mse = nn.MSELoss()                                # mean over the n·m entries
    for _ in range(steps):
        opt.zero_grad()
        mse(dec(enc(data)), data).backward()
        opt.step()
    return enc.weight.detach().numpy(), dec.weight.detach().numpy()


def objective(X, W1, W2):
    R = X - W2 @ W1 @ X
    return (R * R).sum() / X.shape[1] + LAM * ((W1 * W1).sum() + (W2 * W2).sum())


def main() -> int:
    torch.set_num_threads(1)     # 5×2 matrices: thread hand-offs would cost more than the work
    (X, W1, W2, lam), loss, grads = derive()
    print("L =", loss)
    for W, g in grads.items():
        print(f"∂L/∂{W} =", g)
    ok = elementwise_gradient_matches(loss, grads, {X: (3, 2), W1: (2, 3), W2: (3, 2)})
    print(f"entry-by-entry check (m=3, k=2, n=2): {'pass' if ok else 'FAIL'}")

    Xv = make_data(M, N, COV_EIGS * N, seed=SEED)      # XXᵀ/n has exactly COV_EIGS
    rng = np.random.default_rng(SEED)
    vals = {X: Xv, W1: rng.standard_normal((K, M)), W2: rng.standard_normal((M, K)), lam: LAM}
    conf = confirm_gradient(loss, grads, vals)
    print("autograd / finite-difference relative errors:",
          {str(w): (f"{conf.autograd_error[w]:.1e}", f"{conf.fd_error[w]:.1e}") for w in grads},
          "pass" if conf.passed else "FAIL")
    ok &= conf.passed

    wd = weight_decay(LAM, M, N, objective="1/n")
    wd_wrong = weight_decay(LAM, M, N, objective="sum")
    print(f"\nweight_decay for nn.MSELoss (mean) + SGD: {wd:.6g} (= 2λ/m = {2 * LAM / M:.6g}); "
          f"the sum convention's map would be {wd_wrong:.6g} (= 2λ/(mn))")
    ok &= abs(wd - 2 * LAM / M) <= 4 * np.finfo(float).eps * wd

    best = closed_form(Xv / np.sqrt(N), K, LAM)       # L(X) = eq. (3) on X/√n
    print(f"closed-form min of L (σ_i = eigenvalues of XXᵀ/n): {best.loss:.10f}")
    for label, w, expect in (("derived wd", wd, True), ("mutation wd = 2λ/(mn)", wd_wrong, False)):
        A, B = train(Xv, w)
        gap = (objective(Xv, A, B) - best.loss) / best.loss
        eig = np.sort(np.linalg.eigvalsh(B.T @ B))[::-1]
        want = 1 - LAM / COV_EIGS[:K]
        reached = gap <= 1e-9 and np.abs(eig - want).max() <= 1e-6
        print(f"  trained with {label}: relative loss gap {gap:.2e}, eig(W2ᵀW2) {np.round(eig, 6)} "
              f"vs 1 − λ/σ_i {np.round(want, 6)} → {'reaches' if reached else 'misses'} the optimum")
        ok &= reached == expect
    print("\nall checks pass" if ok else "\nSOME CHECK FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
