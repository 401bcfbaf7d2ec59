"""Q3 confirmed by Monte Carlo: the mean and variance of qᵀk, in numpy and torch.

Every estimate comes with its standard error, so a derived value is accepted when
it lies within ``z_max`` standard errors of the estimate (see :func:`agrees`).

Beyond the homework's q, k ~ N(μ, σ²I), q and k may have their own means and σ's
and a coordinate-wise correlation ρ (the public API: ``mu_k=``, ``sigma_k=``,
``rho=``). Source: Vaswani et al., "Attention Is All You Need" (2017), §3.2.1 and
footnote 4 (the variance argument for the 1/√d scale).

>>> est = dot_moments_numpy(4, 0.0, 1.0, 20_000, seed=0)     # Var(qᵀk) = d = 4
>>> agrees(est, 0.0, 4.0)[0]
True
>>> est = dot_moments_numpy(4, 0.0, 1.0, 20_000, seed=0, rho=0.5)  # E = dρ = 2
>>> abs(zscore(est.mean, est.mean_se, 2.0)) <= Z_MAX
True
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from hw7core.arrays import check_size
from hw7core.device import resolve_device
from hw7core.errors import InputError
from numerics.montecarlo import Z_MAX, zscore

__all__ = [
    "MomentEstimate", "dot_moments_numpy", "dot_moments_torch", "agrees",
    "assert_moments_match", "zscore", "Z_MAX", "SaturationPoint", "softmax_saturation",
    "plot_saturation", "mc_samples", "moment_runs",
]


@dataclass
class MomentEstimate:
    """Monte Carlo estimate of E[qᵀk] and Var(qᵀk) with standard errors."""

    n: int
    seed: int
    backend: str
    mean: float
    mean_se: float
    var: float
    var_se: float

    def as_dict(self) -> dict:
        return asdict(self)


def _check_sigma(sigma, name: str) -> float:
    if isinstance(sigma, bool) or not (isinstance(sigma, (int, float, np.floating))
                                       and math.isfinite(sigma) and sigma > 0):
        raise InputError(f"{name} must be a finite positive number, got {sigma!r}")
    return float(sigma)


def _check_mean(mu, d: int, name: str) -> np.ndarray:
    try:
        raw = np.asarray(mu, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number or a vector of numbers, got {mu!r}") from None
    if raw.ndim > 1 or (raw.ndim == 1 and raw.shape != (d,)):
        raise InputError(f"{name} must be a scalar or a vector of length d={d}, "
                         f"got shape {raw.shape}")
    arr = np.broadcast_to(raw, (int(d),)).copy()
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{name} must be finite")
    return arr


def _validate(d: int, mu, sigma: float, n: int, mu_k=None, sigma_k=None, rho=0.0, *,
              chunk: int = 1, seed: int = 0):
    """Checked (mu_q, mu_k, sigma_q, sigma_k, rho); mu_k/sigma_k default to mu/sigma;
    ``chunk`` (≥ 1: 0 looped forever) and ``seed`` (≥ 0) checked too."""
    check_size("chunk", chunk)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"seed must be an integer ≥ 0, got {seed!r}")
    if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 1:
        raise InputError(f"dimension d must be a positive integer, got {d!r}")
    sigma = _check_sigma(sigma, "sigma")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise InputError(f"number of samples n must be an integer >= 2, got {n!r}")
    mu_arr = _check_mean(mu, d, "mu")
    mu_k_arr = mu_arr.copy() if mu_k is None else _check_mean(mu_k, d, "mu_k")
    sigma_k = sigma if sigma_k is None else _check_sigma(sigma_k, "sigma_k")
    if isinstance(rho, bool) or not (isinstance(rho, (int, float, np.floating))
                                     and math.isfinite(rho) and -1 <= rho <= 1):
        raise InputError(f"correlation rho must be a number in [-1, 1], got {rho!r}")
    return mu_arr, mu_k_arr, sigma, sigma_k, float(rho)


def _summarise(x_sum: float, x2_sum: float, x3_sum: float, x4_sum: float, n: int):
    """Mean, variance and their SEs from power sums (float64, computed about a shift)."""
    mean = x_sum / n
    # central moments from raw moments (the caller shifts data so these are well scaled)
    m2 = x2_sum / n - mean**2
    m3 = x3_sum / n - 3 * mean * x2_sum / n + 2 * mean**3
    m4 = x4_sum / n - 4 * mean * x3_sum / n + 6 * mean**2 * x2_sum / n - 3 * mean**4
    del m3
    var = m2 * n / (n - 1)
    mean_se = math.sqrt(var / n)
    # SE of the sample variance: sqrt((μ4 − σ⁴)/n) to leading order.
    var_se = math.sqrt(max(m4 - m2**2, 0.0) / n)
    return mean, mean_se, var, var_se


def _pair(z1, z2, mu_q, mu_k, sigma, sigma_k, rho):
    """(q, k) from independent standard normals z1, z2 (numpy or torch alike)."""
    q = mu_q + sigma * z1
    if rho == 0:
        return q, mu_k + sigma_k * z2
    return q, mu_k + sigma_k * (rho * z1 + math.sqrt(1 - rho * rho) * z2)


def dot_moments_numpy(d: int, mu, sigma: float, n: int, seed: int = 0,
                      chunk: int = 65536, *, mu_k=None, sigma_k: float | None = None,
                      rho: float = 0.0) -> MomentEstimate:
    """Estimate E[qᵀk], Var(qᵀk) with ``n`` numpy samples (float64), with standard errors.

    q ~ N(mu, sigma²I) and k ~ N(mu_k, sigma_k²I) in R^d (``mu_k``/``sigma_k`` default
    to ``mu``/``sigma``: the homework's Q3), each pair (q_i, k_i) with correlation
    ``rho`` (default 0: q and k independent). ``mu``/``mu_k``: a number (shared by
    every coordinate) or a length-d vector. Seeded by ``seed`` (recorded in the result).
    Raises :class:`~hw7core.errors.InputError` for d < 1, n < 2, σ ≤ 0 or non-finite,
    a mean of the wrong shape or non-finite, ρ outside [-1, 1], or chunk < 1.
    """
    mu_arr, mu_k_arr, sigma, sigma_k, rho = _validate(d, mu, sigma, n, mu_k, sigma_k, rho,
                                                      chunk=chunk, seed=seed)
    rng = np.random.default_rng(seed)
    # centre power sums near the mean for accuracy
    shift = float(mu_arr @ mu_k_arr) + d * rho * sigma * sigma_k
    sums = np.zeros(4)
    done = 0
    while done < n:
        b = min(chunk, n - done)
        z1 = rng.standard_normal((b, d))
        q, k = _pair(z1, rng.standard_normal((b, d)), mu_arr, mu_k_arr, sigma, sigma_k, rho)
        x = np.einsum("ij,ij->i", q, k) - shift
        sums += [x.sum(), (x**2).sum(), (x**3).sum(), (x**4).sum()]
        done += b
    mean, mse, var, vse = _summarise(*sums, n)
    return MomentEstimate(int(n), int(seed), "numpy", float(mean + shift), float(mse), float(var), float(vse))


def dot_moments_torch(d: int, mu, sigma: float, n: int, seed: int = 0, device=None,
                      chunk: int = 65536, *, mu_k=None, sigma_k: float | None = None,
                      rho: float = 0.0) -> MomentEstimate:
    """The same estimate as :func:`dot_moments_numpy` with torch (float64) on ``device``
    (``"cpu"``, ``"cuda"``, a ``torch.device`` or None for the default); a torch
    generator seeded by ``seed`` (a different stream from numpy's). Same errors, plus
    InputError for an unknown or unavailable device.
    """
    import torch

    mu_arr, mu_k_arr, sigma, sigma_k, rho = _validate(d, mu, sigma, n, mu_k, sigma_k, rho,
                                                      chunk=chunk, seed=seed)
    dev = resolve_device(device)
    gen = torch.Generator(device=dev).manual_seed(int(seed))
    mu_t = torch.as_tensor(mu_arr, dtype=torch.float64, device=dev)
    mu_k_t = torch.as_tensor(mu_k_arr, dtype=torch.float64, device=dev)
    shift = float(mu_arr @ mu_k_arr) + d * rho * sigma * sigma_k
    sums = torch.zeros(4, dtype=torch.float64, device=dev)
    done = 0
    while done < n:
        b = min(chunk, n - done)
        z1 = torch.randn(b, d, generator=gen, dtype=torch.float64, device=dev)
        z2 = torch.randn(b, d, generator=gen, dtype=torch.float64, device=dev)
        q, k = _pair(z1, z2, mu_t, mu_k_t, sigma, sigma_k, rho)
        x = (q * k).sum(dim=1) - shift
        sums += torch.stack([x.sum(), (x**2).sum(), (x**3).sum(), (x**4).sum()])
        done += b
    mean, mse, var, vse = _summarise(*[float(v) for v in sums.cpu()], n)
    return MomentEstimate(int(n), int(seed), f"torch:{dev.type}", float(mean + shift), float(mse), float(var), float(vse))


def agrees(est: MomentEstimate, mean_pred: float, var_pred: float,
           z_max: float = Z_MAX) -> tuple[bool, float, float]:
    """Whether the estimate is within ``z_max`` SEs of both predictions.

    Returns (agrees, z of the mean, z of the variance); z is unitless.
    """
    zm = zscore(est.mean, est.mean_se, mean_pred)
    zv = zscore(est.var, est.var_se, var_pred)
    return (abs(zm) <= z_max and abs(zv) <= z_max), zm, zv


@dataclass
class SaturationPoint:
    d: int
    scaled: bool
    score_std: float          # std of the attention scores
    max_weight: float         # mean over trials of the largest softmax weight
    jacobian_norm: float      # mean Frobenius norm of ∂softmax/∂scores


def softmax_saturation(dims, n_keys: int = 16, trials: int = 256, seed: int = 0,
                       device=None) -> list[SaturationPoint]:
    """Why the scale matters: softmax(qᵀK) saturates as d grows, softmax(qᵀK/√d) does not.

    For each d, draws ``trials`` queries and ``n_keys`` keys ~ N(0, I_d) and reports
    the score spread, the largest attention weight and the size of the softmax
    Jacobian diag(p) − ppᵀ (the factor every gradient through attention passes).
    """
    import torch

    dev = resolve_device(device)
    gen = torch.Generator(device=dev).manual_seed(int(seed))
    out: list[SaturationPoint] = []
    for dim in dims:
        q = torch.randn(trials, 1, dim, generator=gen, dtype=torch.float64, device=dev)
        keys = torch.randn(trials, n_keys, dim, generator=gen, dtype=torch.float64, device=dev)
        raw = (q * keys).sum(-1)  # (trials, n_keys)
        for scaled in (False, True):
            scores = raw / math.sqrt(dim) if scaled else raw
            p = torch.softmax(scores, dim=-1)
            jac = torch.diag_embed(p) - p.unsqueeze(-1) * p.unsqueeze(-2)
            out.append(SaturationPoint(
                d=int(dim), scaled=scaled, score_std=float(scores.std()),
                max_weight=float(p.max(dim=-1).values.mean()),
                jacobian_norm=float(torch.linalg.matrix_norm(jac).mean()),
            ))
    return out


def plot_saturation(points: list[SaturationPoint], path) -> None:
    """Two panels: largest softmax weight and softmax-Jacobian norm against d."""
    from hw7core.plotting import save_figure, subplots

    fig, axes = subplots(1, 2, figsize=(9, 3.4))
    for scaled, style, label in ((False, "o-", "softmax(qᵀk)"), (True, "s-", "softmax(qᵀk/√d)")):
        pts = [p for p in points if p.scaled == scaled]
        ds = [p.d for p in pts]
        axes[0].plot(ds, [p.max_weight for p in pts], style, label=label)
        axes[1].plot(ds, [p.jacobian_norm for p in pts], style, label=label)
    axes[0].set_ylabel("mean largest attention weight")
    axes[1].set_ylabel("mean ‖∂softmax/∂scores‖_F")
    for ax in axes:
        ax.set_xscale("log", base=2)
        ax.set_xlabel("d")
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle("Q3: unscaled scores saturate the softmax and shrink its gradient as d grows")
    save_figure(fig, path)


def mc_samples(d: int, scale: int = 1) -> int:
    """Monte Carlo samples for one (d, μ, σ) case: a budget of ~4M coordinate draws
    (4 000 000 // d, clipped to 20k–200k samples), times ``scale`` (≥ 1). The z-tests
    are in standard-error units whatever the size. InputError for d < 1 or scale < 1.

    >>> mc_samples(1), mc_samples(64), mc_samples(256, scale=10)
    (200000, 62500, 200000)
    """
    if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 1:
        raise InputError(f"d must be an integer ≥ 1, got {d!r}")
    if isinstance(scale, bool) or not isinstance(scale, (int, np.integer)) or scale < 1:
        raise InputError(f"scale must be an integer ≥ 1, got {scale!r}")
    return int(scale) * min(200_000, max(20_000, 4_000_000 // int(d)))


def moment_runs(cases, *, seed: int = 0, scale: int = 1, device=None,
                progress=lambda it, desc="": it) -> list[tuple[tuple, MomentEstimate,
                                                                MomentEstimate]]:
    """Q3(a)-(b): Monte Carlo E[qᵀk] and Var(qᵀk) for each (d, μ, σ) in ``cases``, in numpy
    and in torch (on ``device``): [((d, μ, σ), numpy estimate, torch estimate), ...].

    Case j uses :func:`mc_samples` ``(d, scale)`` samples and seed ``seed·1000 + j`` (both
    backends; recorded in each :class:`MomentEstimate`). ``progress(iterable, desc=...)``
    wraps the cases.

    >>> [(c, a.n, b.seed) for c, a, b in moment_runs([(2, 0.0, 1.0)], seed=3)]
    [((2, 0.0, 1.0), 200000, 3000)]
    """
    out = []
    for j, (d, mu, sigma) in enumerate(progress(list(cases), desc="Q3 Monte Carlo")):
        n = mc_samples(d, scale)
        s = seed * 1000 + j
        out.append(((d, mu, sigma), dot_moments_numpy(d, mu, sigma, n, seed=s),
                    dot_moments_torch(d, mu, sigma, n, seed=s, device=device)))
    return out


def assert_moments_match(mean_fn, var_fn, d: int, mu: float, sigma: float, n: int,
                         seed: int, backend: str = "numpy", device=None,
                         z_max: float = Z_MAX) -> MomentEstimate:
    """The shared checker: raise AssertionError unless Monte Carlo agrees with the
    formulas ``mean_fn(d, mu, sigma)`` and ``var_fn(d, mu, sigma)`` (shared mean μ·1)
    within ``z_max`` standard errors. Tests feed it derived and deliberately wrong formulas.
    """
    if backend == "numpy":
        est = dot_moments_numpy(d, mu, sigma, n, seed=seed)
    else:
        est = dot_moments_torch(d, mu, sigma, n, seed=seed, device=device)
    ok, zm, zv = agrees(est, float(mean_fn(d, mu, sigma)), float(var_fn(d, mu, sigma)), z_max)
    assert ok, (f"d={d}, mu={mu}, sigma={sigma}: z(mean)={zm:.2f}, z(var)={zv:.2f} "
                f"exceed {z_max} standard errors")
    return est
