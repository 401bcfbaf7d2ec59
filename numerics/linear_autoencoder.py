"""Q1(b): numerical confirmation for the linear autoencoder L = ‖X − W2 W1 X‖²_F.

* validated inputs (``InputError`` naming the problem: k ≥ m, non-finite data,
  mismatched shapes);
* data with an exactly prescribed spectrum of XXᵀ (zero-centred rows);
* the derived gradients (SymPy objects, lambdified) vs torch autograd and central
  finite differences;
* the PCA solution and its U_k C family, with an honest identifiability report
  (repeated or zero eigenvalues: U_k is *not* unique and the toolkit says so);
* full-batch gradient descent from random inits (torch, any device) and the
  principal angles between the learned decoder's column space and span(U_k).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import scipy.linalg

from hw7core.arrays import check_array
from hw7core.device import resolve_device
from hw7core.errors import InputError

__all__ = ["as_data", "data_scale", "check_k", "check_weights", "make_data", "objective", "loss",
           "derived_gradients", "autograd_gradients", "gradcheck_derived",
           "finite_difference_gradients", "PCAResult", "pca_solution", "principal_angles",
           "train_gradient_descent"]

# ---------------------------------------------------------------- validation


def as_data(X, name: str = "X") -> np.ndarray:
    """X as a finite real float64 m×n array, else InputError (:func:`hw7core.arrays.check_array`:
    complex, object, ragged, empty, non-2-D and non-finite data are named in one line)."""
    return check_array(X, name, ndim=2)


def data_scale(X: np.ndarray) -> np.float64:
    """An exact power of two s bringing the data to O(1): s = 2^e with max|X| < 2^e, e ≤ 1023.

    Dividing by s is exact and brings X to X̃ = X/s with max|X̃| < 1 (or < 2 when
    max|X| ≥ 2^1023, whose next power of two 2^1024 is beyond float64), where XXᵀ,
    losses and gradients neither overflow nor underflow. 1.0 for X = 0. Every finite
    float64 array works, from subnormals (5e-324) to the largest float (1.797e308).
    Returned as ``np.float64`` so that s², 1/s² and the like give inf or 0 (a numpy
    overflow warning) rather than a Python ``OverflowError``.

    >>> float(data_scale(np.array([[3.0, -5.0]]))), float(data_scale(np.array([[1.7e308]])))
    (8.0, 8.98846567431158e+307)
    >>> float(data_scale(np.array([[5e-324]]))) == 2.0 ** -1073
    True
    """
    top = float(np.max(np.abs(X))) if X.size else 0.0
    if top == 0.0:
        return np.float64(1.0)
    # frexp: top = f·2^e with 0.5 ≤ f < 1, so top < 2^e; 2^1024 overflows float64
    return np.float64(math.ldexp(1.0, min(math.frexp(top)[1], 1023)))


def check_k(k, m: int) -> int:
    """k must be an integer with 1 ≤ k < m (eq. (1) needs a bottleneck)."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise InputError(f"k must be an integer, got {k!r}")
    k = int(k)
    if k < 1:
        raise InputError(f"k must be at least 1, got k={k}")
    if k >= m:
        raise InputError(f"k must be smaller than m (k < m), got k={k}, m={m}")
    return k


def check_weights(X: np.ndarray, W1, W2) -> tuple[np.ndarray, np.ndarray]:
    """W1 (k×m) and W2 (m×k) matching X (m×n), else InputError."""
    W1 = as_data(W1, "W1")
    W2 = as_data(W2, "W2")
    m = X.shape[0]
    if W1.shape[1] != m:
        raise InputError(f"W1 must have m={m} columns to act on X ({X.shape}), got {W1.shape}")
    if W2.shape != (m, W1.shape[0]):
        raise InputError(f"W2 must be {m}×{W1.shape[0]} to match W1 {W1.shape}, got {W2.shape}")
    return W1, W2


# ---------------------------------------------------------------- data


def make_data(m: int, n: int, eigenvalues, seed: int = 0) -> np.ndarray:
    """Zero-centred X (m×n) whose XXᵀ has exactly the given eigenvalues (≥ 0).

    X = U diag(√σ) Vᵀ with U a random orthogonal m×m matrix and V (n×m) orthonormal
    columns orthogonal to the all-ones vector (so every row of X has mean 0).
    Repeated or zero eigenvalues are allowed (degenerate cases).
    """
    sig = np.asarray(eigenvalues, dtype=np.float64)
    if sig.shape != (m,):
        raise InputError(f"need m={m} eigenvalues, got shape {sig.shape}")
    if not np.all(np.isfinite(sig)) or np.any(sig < 0):
        raise InputError("eigenvalues of XXᵀ must be finite and ≥ 0")
    if n < m + 1:
        raise InputError(f"need n ≥ m + 1 samples for zero-centred data, got n={n}, m={m}")
    rng = np.random.default_rng(seed)
    U, _ = np.linalg.qr(rng.standard_normal((m, m)))
    G = rng.standard_normal((n, m))
    G -= G.mean(axis=0, keepdims=True)          # orthogonal to the ones vector
    V, _ = np.linalg.qr(G)
    return U @ np.diag(np.sqrt(sig)) @ V.T


def objective(X, W1, W2, lam=0.0):
    """L_λ(W1, W2) = ‖X − W2W1X‖²_F + λ‖W1‖²_F + λ‖W2‖²_F (λ = 0: eq. (1); Q2: eq. (3)).

    The one formula every check here evaluates, on numpy arrays or torch tensors alike
    (no validation: callers check their inputs first).
    """
    R = X - W2 @ (W1 @ X)
    return (R * R).sum() + lam * (W1 * W1).sum() + lam * (W2 * W2).sum()


def loss(X, W1, W2) -> float:
    """L(W1, W2) = ‖X − W2 W1 X‖²_F (float64)."""
    X = as_data(X)
    W1, W2 = check_weights(X, W1, W2)
    return float(objective(X, W1, W2))


# ---------------------------------------------------------------- gradients


@lru_cache(maxsize=4)
def _derived_gradient_fns(regularized: bool):
    import sympy as sp

    if regularized:
        from derivations.regularized_linear_autoencoder import derive
    else:
        from derivations.linear_autoencoder import derive
    d = derive()
    args = [d.X, d.W1, d.W2] + ([d.lam] if regularized else [])
    return (sp.lambdify(args, d.grad_W1, "numpy"), sp.lambdify(args, d.grad_W2, "numpy"))


def derived_gradients(X, W1, W2, lam: float | None = None):
    """Evaluate the SymPy-derived ∂L/∂W1, ∂L/∂W2 (with λ terms when ``lam`` is given)."""
    X = as_data(X)
    W1, W2 = check_weights(X, W1, W2)
    if lam is None:
        f1, f2 = _derived_gradient_fns(False)
        return np.asarray(f1(X, W1, W2), float), np.asarray(f2(X, W1, W2), float)
    f1, f2 = _derived_gradient_fns(True)
    return np.asarray(f1(X, W1, W2, lam), float), np.asarray(f2(X, W1, W2, lam), float)


def autograd_gradients(X, W1, W2, lam: float = 0.0, device=None):
    """torch autograd of L_λ = ‖X − W2W1X‖² + λ‖W1‖² + λ‖W2‖² in float64 (λ=0: eq. (1))."""
    import torch

    dev = resolve_device(device)
    X = as_data(X)
    W1, W2 = check_weights(X, W1, W2)
    Xt = torch.as_tensor(X, dtype=torch.float64, device=dev)
    a = torch.tensor(W1, dtype=torch.float64, device=dev, requires_grad=True)
    b = torch.tensor(W2, dtype=torch.float64, device=dev, requires_grad=True)
    objective(Xt, a, b, lam).backward()
    return a.grad.cpu().numpy(), b.grad.cpu().numpy()


def gradcheck_derived(X, W1, W2, lam: float = 0.0, device=None) -> bool:
    """torch.autograd.gradcheck of the objective (float64) — the autograd side is sound."""
    import torch

    dev = resolve_device(device)
    Xt = torch.as_tensor(as_data(X), dtype=torch.float64, device=dev)

    def f(a, b):
        return objective(Xt, a, b, lam)

    a = torch.tensor(W1, dtype=torch.float64, device=dev, requires_grad=True)
    b = torch.tensor(W2, dtype=torch.float64, device=dev, requires_grad=True)
    return bool(torch.autograd.gradcheck(f, (a, b)))


def finite_difference_gradients(X, W1, W2, lam: float = 0.0, eps: float = 1e-6):
    """Central differences of L_λ in every entry of W1 and W2 (float64)."""
    X = as_data(X)
    W1, W2 = check_weights(X, W1, W2)

    def f(a, b):
        return objective(X, a, b, lam)

    out = []
    for which in (0, 1):
        W = (W1, W2)[which]
        G = np.zeros_like(W)
        for idx in np.ndindex(W.shape):
            Wp, Wm = W.copy(), W.copy()
            Wp[idx] += eps
            Wm[idx] -= eps
            args_p = (Wp, W2) if which == 0 else (W1, Wp)
            args_m = (Wm, W2) if which == 0 else (W1, Wm)
            G[idx] = (f(*args_p) - f(*args_m)) / (2 * eps)
        out.append(G)
    return out[0], out[1]


# ---------------------------------------------------------------- PCA


@dataclass
class PCAResult:
    """Top-k eigen-structure of XXᵀ and what it identifies.

    sigma: all m eigenvalues of XXᵀ, descending (σ_i = s²·sigma_scaled_i; may over- or
    underflow float64 for extreme data, the scaled values never do). U: matching
    eigenvectors (columns). scale: the exact power of two s with X = s·X̃, max|X̃| ≤ 1;
    sigma_scaled: the eigenvalues of X̃X̃ᵀ.
    subspace_unique: span(U_k) is the unique optimal subspace (σ_k > σ_{k+1}, σ_k > 0).
    directions_unique: additionally σ1 > … > σk, so U_k is unique up to column signs.
    issues: one line per reason identifiability is lost.
    """

    k: int
    sigma: np.ndarray
    U: np.ndarray
    subspace_unique: bool
    directions_unique: bool
    issues: list[str] = field(default_factory=list)
    scale: float = 1.0
    sigma_scaled: np.ndarray | None = None

    @property
    def U_k(self) -> np.ndarray:
        return self.U[:, : self.k]

    @property
    def tail_loss(self) -> float:
        """Σ_{i>k} σ_i: the optimal loss (the discarded eigenvalues)."""
        return float(np.sum(self.sigma[self.k:]))

    def family(self, C) -> tuple[np.ndarray, np.ndarray]:
        """(W1, W2) = (C⁻¹U_kᵀ, U_k C) for an invertible k×k C."""
        C = as_data(C, "C")
        if C.shape != (self.k, self.k):
            raise InputError(f"C must be {self.k}×{self.k}, got {C.shape}")
        if np.linalg.cond(C) > 1e12:
            raise InputError("C must be invertible (condition number > 1e12)")
        return np.linalg.solve(C, self.U_k.T), self.U_k @ C


def pca_solution(X, k, rtol: float = 1e-9) -> PCAResult:
    """PCA for eq. (1) from the SVD of X, saying when the optimum is not identifiable.

    X = s·X̃ with s an exact power of two (:func:`data_scale`); X̃ = U Σ̃ Wᵀ (SVD), so XXᵀ
    has eigenvectors U and eigenvalues s²σ̃_i². XXᵀ itself is never formed: it squares
    the range (X = 1e200·I overflows it, 1e−200·I underflows it to 0) and the condition
    number. Eigenvalues within ``rtol·σ1`` of each other count as repeated, within
    ``rtol·σ1`` of 0 as zero (judged on the scaled σ̃, so the data's scale is irrelevant).

    >>> p = pca_solution(1e200 * np.eye(3), 1)
    >>> float(p.sigma_scaled[0]) > 0, p.issues[0].startswith("σ_1 = σ_2")
    (True, True)
    """
    X = as_data(X)
    m = X.shape[0]
    k = check_k(k, m)
    s = data_scale(X)
    U, sv, _ = np.linalg.svd(X / s, full_matrices=True)
    sig_s = np.zeros(m)
    sig_s[: sv.size] = sv**2
    with np.errstate(over="ignore", under="ignore"):
        sig = (sig_s * s) * s
    scale = max(sig_s[0], np.finfo(float).tiny)
    tol = rtol * scale
    issues = []
    if sig_s[0] <= tol:
        issues.append("X is zero: every W2 W1 is optimal, nothing is identifiable")
    subspace = True
    if sig_s[k - 1] <= tol:
        subspace = False
        issues.append(f"rank(X) < k={k} (σ_{k} ≈ 0): the optimal subspace is not unique")
    elif sig_s[k - 1] - sig_s[k] <= tol:
        subspace = False
        issues.append(f"σ_{k} = σ_{k + 1} (repeated across the cut): the optimal "
                      "k-dimensional subspace is not unique")
    directions = subspace
    for i in range(k - 1):
        if sig_s[i] - sig_s[i + 1] <= tol and sig_s[i] > tol:
            directions = False
            issues.append(f"σ_{i + 1} = σ_{i + 2} (repeated): U_k is not identifiable — any "
                          "rotation inside that eigenspace is equally optimal")
    return PCAResult(k, sig, U, subspace, directions, issues, s, sig_s)


def principal_angles(A, B) -> np.ndarray:
    """Principal angles (radians) between column spaces of A and B (scipy)."""
    return scipy.linalg.subspace_angles(np.asarray(A, float), np.asarray(B, float))


def train_gradient_descent(X, k, *, steps: int = 2000, lr: float | None = None,
                           seed: int = 0, init_scale: float = 0.1, device=None,
                           progress=None):
    """Full-batch gradient descent on L/σ1 from a random init (torch, float64).

    Dividing by σ1 (the top eigenvalue of XXᵀ) makes one learning rate work for any
    data scale. Returns (W1, W2, loss history of L itself). The weights are trained on
    X̃ = X/s (s = :func:`data_scale`), so any finite X works; the history is L in float64
    (inf or 0 where L itself is beyond float64's range, as for X holding the largest float).
    """
    import torch

    X = as_data(X)
    m = X.shape[0]
    k = check_k(k, m)
    dev = resolve_device(device)
    # S = XXᵀ/σ1 from X/‖X‖₂ (XXᵀ itself over- or underflows for extreme data scales)
    s = data_scale(X)
    Xn = X / s
    sv1_s = float(np.linalg.norm(Xn, 2))       # σ̃1 of X̃: O(1) whatever the scale of X
    if not sv1_s > 0:
        raise InputError("X is zero: nothing to learn")
    Xn = Xn / sv1_s
    S = torch.as_tensor(Xn @ Xn.T, dtype=torch.float64, device=dev)
    s1_s = sv1_s * sv1_s                        # σ1 = s²·σ̃1 (σ̃1 = ‖X̃‖₂²)
    g = torch.Generator(device="cpu").manual_seed(seed)
    W1 = (init_scale * torch.randn(k, m, generator=g, dtype=torch.float64)).to(dev)
    W2 = (init_scale * torch.randn(m, k, generator=g, dtype=torch.float64)).to(dev)
    W1.requires_grad_(True)
    W2.requires_grad_(True)
    lr = 0.1 if lr is None else lr
    opt = torch.optim.SGD([W1, W2], lr=lr)
    Im = torch.eye(m, dtype=torch.float64, device=dev)
    hist = []
    it = range(steps) if progress is None else progress(range(steps))
    for _ in it:
        opt.zero_grad()
        P = Im - W2 @ W1
        val = torch.trace(P @ S @ P.T)   # = ‖X − W2W1X‖²/σ1
        val.backward()
        opt.step()
        with np.errstate(over="ignore", under="ignore"):   # L = (L/σ1)·σ̃1·s·s, 0 stays 0
            hist.append(float(((np.float64(float(val.detach())) * s1_s) * s) * s))
    return W1.detach().cpu().numpy(), W2.detach().cpu().numpy(), np.array(hist)
