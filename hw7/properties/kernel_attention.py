"""Q5(a)-(b)'s properties and mutants: the kernel identity φ(q)ᵀφ(k) = (qᵀk + c)^p and
eq. (8) (linear attention) == eq. (6) (the explicit N × N form) within round-off.

>>> prop = kernel_identity()                    # the homework's (qᵀk + 1)², compact map
>>> prop((0, 5))                                 # (seed, D): passes silently
>>> from hw7core.props import mutation_check
>>> mutation_check(kernel_identity(products_without_sqrt2), kernel_cases(), max_examples=5).ok
True
"""

from __future__ import annotations

import hypothesis
import sympy as sp
import torch
from hypothesis import strategies as st

from hw7core.errors import InputError
from numerics import kernel_attention as num

__all__ = ["variant_maps", "attention_cases", "kernel_cases", "linear_matches_explicit",
           "kernel_identity", "products_without_sqrt2", "products_unweighted",
           "causal_ignored", "phi_identity_errors", "map_error", "kernel_errors", "squared_dot",
           "refusal"]


def variant_maps(der) -> tuple:
    """The feature maps a key checks for the derived kernel ``der`` (degree, offset): the
    homework's named ones, or for another kernel its compact and full polynomial maps (and
    elu + 1, which does not depend on it)."""
    if (der.degree, der.offset) == (2, 1):
        return num.FEATURE_MAPS
    return (num.polynomial_feature_map(der.degree, float(der.offset)),
            num.polynomial_feature_map(der.degree, float(der.offset), full=True), "elu")


def attention_cases(maps=num.FEATURE_MAPS):
    """(seed, batch, heads, N, D, M, map, causal); ``maps``: the feature maps drawn."""
    return st.tuples(st.integers(0, 2**31 - 1), st.integers(1, 2), st.integers(1, 3),
                     st.integers(1, 40), st.integers(1, 8), st.integers(1, 6),
                     st.sampled_from(maps), st.booleans())


def kernel_cases():
    """(seed, D): D ∈ [1, 24]."""
    return st.tuples(st.integers(0, 2**31 - 1), st.integers(1, 24))


def linear_matches_explicit(linear=num.linear_attention, dtype=torch.float64):
    """eq. (8) (linear, chunked/causal prefix sums) == eq. (6) computed as an N×N matrix,
    entry by entry within :func:`numerics.kernel_attention.roundoff_bound` for ``dtype``,
    wherever eq. (6) is defined: a kernel of odd degree can be negative, so cases where
    some query's Σ_j sim ≤ 0 (Q5(a)) are skipped; an implementation refusing a defined
    case fails. Q, K, V come from :func:`numerics.kernel_attention.random_qkv`."""
    def prop(case):
        seed, b, h, n, d, m, fmap, causal = case
        Q, K, V = num.random_qkv(n, d, m, heads=h, batch=b, dtype=dtype, seed=seed)
        if isinstance(fmap, num.PolynomialFeatureMap) and fmap.degree % 2:
            sims = fmap.kernel(Q.double() @ K.double().transpose(-1, -2))
            if causal:
                sims = sims * torch.ones(sims.shape[-2:], dtype=torch.bool).tril()
            hypothesis.assume(bool((sims.sum(-1) > 0).all()))
        try:
            got = linear(Q, K, V, feature_map_name=fmap, causal=causal, chunk=7)
        except InputError as exc:
            raise AssertionError(f"refused a case where eq. (6) is defined: {exc}") from None
        ref = num.explicit_kernel_attention(Q.double(), K.double(), V.double(),
                                            feature_map_name=fmap, causal=causal)
        bound = num.roundoff_bound(Q, K, V, fmap, causal, dtype)
        excess = float(((got.double() - ref).abs() / bound.clamp_min(1e-300)).max())
        assert excess <= 1.0, (f"error {excess:.3g}× the round-off bound ({fmap}, "
                               f"causal={causal}, {dtype})")
    return prop


def kernel_identity(features=num.quadratic_features, degree: int = 2, offset: float = 1.0):
    """φ(q)ᵀφ(k) == (qᵀk + c)^p in float64, for the given map (default the homework's
    p = 2, c = 1, within rtol = atol = 1e-12; another kernel within the first-order
    round-off bound of ``numerics.kernel_attention.feature_identity_error``)."""
    def prop(case):
        seed, d = case
        g = torch.Generator().manual_seed(seed)
        q, k = torch.randn(2, 7, d, generator=g, dtype=torch.float64)
        if (degree, offset) != (2, 1.0):
            err, bound = num.feature_identity_error(features, q, k, degree, offset)
            assert bool((err <= bound).all()), f"error {float((err / bound).max()):.3g}× the bound"
            return
        lhs = (features(q) * features(k)).sum(-1)
        rhs = ((q * k).sum(-1) + 1) ** 2
        assert torch.allclose(lhs, rhs, rtol=1e-12, atol=1e-12), f"max diff {(lhs - rhs).abs().max()}"
    return prop


def products_without_sqrt2(x):
    """Mutant: the compact map without the √2 weights."""
    xt = torch.cat([torch.ones_like(x[..., :1]), x], dim=-1)
    a, b = torch.triu_indices(xt.shape[-1], xt.shape[-1])
    return xt[..., a] * xt[..., b]


def products_unweighted(degree: int, offset: float):
    """Mutant for any (p, c): the compact map's monomials without their multinomial
    weights (each entry divided by its weight, read off the map at x = 1; entries of
    weight 0, when c = 0, stay 0)."""
    def fmap(x):
        w = num.polynomial_features(torch.ones_like(x), degree, offset)
        f = num.polynomial_features(x, degree, offset)
        return torch.where(w == 0, torch.zeros_like(f), f / torch.where(w == 0, 1, w))
    return fmap


def causal_ignored(Q, K, V, *, feature_map_name, causal, chunk):
    """Mutant: the causal flag dropped (prefix sums replaced by full sums)."""
    return num.linear_attention(Q, K, V, feature_map_name=feature_map_name, causal=False,
                                chunk=chunk)


def phi_identity_errors(phi, xs, kern, qk, *, seed: int = 0, pairs: int = 32
                        ) -> tuple[float, float]:
    """(worst, worst_wrong): max over ``pairs`` seeded float64 random (q, k) ∈ R^D × R^D
    (D = len(xs); ``torch.Generator().manual_seed(seed)``) of |φ(q)ᵀφ(k) − sim(qᵀk)|
    relative to max(Σ_i |φ_i(q) φ_i(k)|, 1), for the SymPy map ``phi`` (entries in the
    symbols ``xs``) against the kernel ``kern`` in the symbol ``qk`` — and the same for
    the mutant that drops every entry's constant weight (keeps only its monomial: the
    map without its √ weights). A true map gives a few ulp; the mutant does not.

    >>> x1, x2, qk = sp.symbols("x1 x2 qk", real=True)
    >>> phi = [sp.Integer(1), sp.sqrt(2) * x1, sp.sqrt(2) * x2, x1**2, sp.sqrt(2) * x1 * x2, x2**2]
    >>> worst, wrong = phi_identity_errors(phi, [x1, x2], (qk + 1)**2, qk, seed=0)
    >>> worst < 64 * 2.0**-52 < wrong
    True
    """
    g = torch.Generator().manual_seed(seed)
    dim = len(xs)
    fphi = sp.lambdify(xs, phi, "math")
    fk = sp.lambdify(qk, kern, "math")
    bare = [sp.Poly(e, *xs).monoms()[0] if e.free_symbols else None for e in phi]
    worst, worst_wrong = 0.0, 0.0
    for _ in range(pairs):
        q_, k_ = (torch.randn(dim, generator=g, dtype=torch.float64).tolist() for _ in range(2))
        want = fk(sum(a * b for a, b in zip(q_, k_)))
        pq, pk = fphi(*q_), fphi(*k_)
        got = sum(a * b for a, b in zip(pq, pk))
        scale = sum(abs(a * b) for a, b in zip(pq, pk))
        worst = max(worst, abs(got - want) / max(scale, 1.0))
        wq = [1.0 if m is None else float(sp.prod([v**p for v, p in zip(q_, m)])) for m in bare]
        wk = [1.0 if m is None else float(sp.prod([v**p for v, p in zip(k_, m)])) for m in bare]
        worst_wrong = max(worst_wrong,
                          abs(sum(a * b for a, b in zip(wq, wk)) - want) / max(scale, 1.0))
    return worst, worst_wrong


def map_error(phi, impl, dims=(1, 3, 6), *, seed: int = 0) -> float:
    """max |impl(x) − φ(x)| entry by entry (float64) relative to max |φ(x)| (the map's
    scale: an absolute bound failed by round-off at p = 5, c = 2, where entries reach
    ~10²), one x ~ N(0, I_D) per D in ``dims`` drawn in turn from
    ``torch.Generator().manual_seed(seed)``; ``phi`` is the derivation's map (a list of
    coordinates -> its entries), evaluated at 30 significant digits. The implementation
    must list the entries in the derivation's order, with its weights.

    >>> from derivations import kernel_attention as D
    >>> map_error(D.derive().phi, num.quadratic_features) <= 1e-14
    True
    >>> map_error(D.derive().phi, products_without_sqrt2) > 0.1
    True
    """
    g = torch.Generator().manual_seed(seed)
    worst = 0.0
    for d in dims:
        x = torch.randn(d, generator=g, dtype=torch.float64)
        sym = sp.Matrix(phi([sp.Float(float(v), 30) for v in x]))
        want = torch.tensor([float(v) for v in sym], dtype=torch.float64)
        got = impl(x)
        scale = max(float(want.abs().max()), float(torch.finfo(torch.float64).tiny))
        worst = max(worst, float((got - want).abs().max()) / scale)
    return worst


def squared_dot(s: torch.Tensor) -> torch.Tensor:
    """Mutant of the kernel: sim = (qᵀk)², the offset forgotten."""
    return s**2


def kernel_errors(kern, qk, impl, wrong=squared_dot, *, seed: int = 0, n: int = 64,
                  device=None) -> tuple[float, float]:
    """(error of ``impl``, error of ``wrong``) against the derived kernel ``kern`` (SymPy, in
    the symbol ``qk``) at ``n`` dot products 3·N(0, 1) (float64,
    ``torch.Generator().manual_seed(seed)``), each the max of |got − want| / max(|want|, 1);
    ``impl`` runs on ``device``. The true kernel gives round-off, the mutant does not.

    >>> qk = sp.Symbol("qk", real=True)
    >>> err, werr = kernel_errors((qk + 1)**2, qk, num.quadratic_kernel)
    >>> err <= 1e-14 < werr
    True
    """
    g = torch.Generator().manual_seed(seed)
    s = torch.randn(n, generator=g, dtype=torch.float64) * 3
    f = sp.lambdify(qk, kern, "math")
    want = torch.tensor([f(float(v)) for v in s], dtype=torch.float64)
    got = impl(s.to(device) if device is not None else s).cpu()
    err = float(((got - want).abs() / want.abs().clamp_min(1.0)).max())
    werr = float(((wrong(s) - want).abs() / want.abs().clamp_min(1.0)).max())
    return err, werr


def refusal(Q, K, V, **kw) -> str | None:
    """The message of the InputError ``numerics.kernel_attention.linear_attention(Q, K, V,
    **kw)`` raises, or None when it returns a result: Q5(a)'s guard must refuse, in one
    line, what would make the denominator of eq. (6) vanish.

    >>> q = torch.tensor([[1.0, 1.0]], dtype=torch.float64)
    >>> keys = torch.tensor([[1.0, 0.0], [-1.0, 0.0]], dtype=torch.float64)
    >>> vals = torch.tensor([[1.0], [2.0]], dtype=torch.float64)
    >>> refusal(q, keys, vals, feature_map_name=lambda x: x) is not None
    True
    >>> refusal(q, keys, vals) is None
    True
    """
    try:
        num.linear_attention(Q, K, V, **kw)
    except InputError as exc:
        return str(exc)
    return None
