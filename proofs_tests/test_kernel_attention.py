"""Q5(a), Q5(b): kernel identity (symbolic and numeric), linear == explicit attention,
causal == masked explicit, dtypes/devices, guarded denominators, bad input, mutations."""

from __future__ import annotations

import math

import pytest
import sympy as sp
import torch
from hypothesis import given

from derivations import kernel_attention as D
from hw7.errors import InputError
from hw7.properties import kernel_attention as P
from hw7.props import run_property
from hw7core.native import compiler as native_compiler
from numerics import kernel_attention as N
from numerics.attention_cost import random_qkv


@pytest.fixture(scope="module")
def der():
    return D.derive()


def test_symbolic_identity_for_general_D(der):
    assert der.full_identity == 0
    assert der.compact_base == 0 and der.compact_step == 0
    assert all(a == 0 and b == 0 for a, b in der.explicit.values())
    assert sp.expand(der.dim_full - (1 + D.D + D.D**2)) == 0
    assert sp.expand(der.dim_compact - (D.D + 1) * (D.D + 2) / 2) == 0
    assert der.rewritten == 0
    assert der.counterexample["denominator"] == 0


def test_symbolic_step_would_catch_a_wrong_map():
    # mutation at the symbolic level: drop the √2 on the linear terms of the compact map
    qs = list(sp.symbols("q1:4", real=True))
    ks = list(sp.symbols("k1:4", real=True))

    def wrong(x):
        f = D.compact_features(x)
        return [e / sp.sqrt(2) if e.has(sp.sqrt(2)) and sp.Poly(e / sp.sqrt(2), *x).total_degree() == 1
                else e for e in f]
    kern = (sum(a * b for a, b in zip(qs, ks)) + 1) ** 2
    assert sp.expand(kern - sum(a * b for a, b in zip(wrong(qs), wrong(ks)))) != 0


@pytest.mark.parametrize("d", [1, 2, 5])
def test_numeric_features_are_the_derived_map(d):
    g = torch.Generator().manual_seed(d)
    x = torch.randn(d, generator=g, dtype=torch.float64)
    sym = [float(e) for e in D.compact_features([sp.Float(float(v), 30) for v in x])]
    assert torch.allclose(N.quadratic_features(x), torch.tensor(sym, dtype=torch.float64),
                          rtol=0, atol=1e-14)
    full = [float(e) for e in D.full_features([sp.Float(float(v), 30) for v in x])]
    assert torch.allclose(N.quadratic_full_features(x), torch.tensor(full, dtype=torch.float64),
                          rtol=0, atol=1e-14)
    dims = _dims()
    assert N.quadratic_features(x).numel() == int(dims[0].subs(D.D, d))
    assert N.quadratic_full_features(x).numel() == int(dims[1].subs(D.D, d))


def _dims():
    der = D.derive()
    return der.dim_compact, der.dim_full


@given(P.kernel_cases())
def test_kernel_identity_compact(case):
    P.kernel_identity()(case)


@given(P.kernel_cases())
def test_kernel_identity_full(case):
    P.kernel_identity(N.quadratic_full_features)(case)


def test_mutation_no_sqrt2_refuted():
    assert not run_property(P.kernel_identity(P.products_without_sqrt2), P.kernel_cases(),
                            max_examples=30).passed


@given(P.attention_cases())
def test_linear_equals_explicit_float64(case):
    P.linear_matches_explicit()(case)


@given(P.attention_cases())
def test_general_path_equals_explicit_float64(case):
    def general(Q, K, V, **kw):
        return N.linear_attention(Q, K, V, fast=False, **kw)
    P.linear_matches_explicit(general)(case)


@given(P.attention_cases())
def test_linear_equals_explicit_float32(case):
    # float32 within the first-order round-off bound (N.roundoff_bound), which grows where
    # the quadratic features cancel (qᵀk ≈ −1) instead of a fixed relative tolerance
    P.linear_matches_explicit(dtype=torch.float32)(case)


def test_float32_cancellation_is_bounded_not_hidden():
    """The case thorough Hypothesis found: N = 1, D = 1 with qk ≈ −1. The float32 output has
    lost ~3 digits (relative error ~1e-3, not a few ulp) — the bound must explain that from
    the cancellation, and a bound without the |φ| terms (A = sim) must not."""
    # the falsifying example: seed 308, batch 1, 2 heads, N = D = M = 1
    Q, K, V = random_qkv(1, 1, 1, heads=2, batch=1, dtype=torch.float32, seed=308)
    assert float((Q * K).sum(-1).min()) == pytest.approx(-1, abs=0.05)
    got = N.linear_attention(Q, K, V, feature_map_name="quadratic")
    ref = N.explicit_kernel_attention(Q.double(), K.double(), V.double(),
                                      feature_map_name="quadratic")
    err = (got.double() - ref).abs()
    bound = N.roundoff_bound(Q, K, V, "quadratic", False, torch.float32)
    assert (err <= bound).all()
    assert float(err.max()) > 100 * torch.finfo(torch.float32).eps   # digits really lost
    naive = 2 * (1 + 1 + 4) * torch.finfo(torch.float32).eps / 2 * ref.abs()  # no cancellation term
    assert (err > naive).any()


def test_mutation_causal_ignored_refuted():
    assert not run_property(P.linear_matches_explicit(P.causal_ignored), P.attention_cases(),
                            max_examples=40).passed


def test_mutation_unnormalised_refuted():
    def unnormalised(Q, K, V, *, feature_map_name, causal, chunk):
        out = N.linear_attention(Q, K, V, feature_map_name=feature_map_name, causal=causal,
                                 chunk=chunk)
        return out * Q.shape[-2]      # forgot to divide by Σ sim (up to the mean)
    assert not run_property(P.linear_matches_explicit(unnormalised), P.attention_cases(),
                            max_examples=40).passed


def test_causal_equals_masked_softmax_style_reference():
    Q, K, V = random_qkv(33, 4, 3, heads=2, batch=1, dtype=torch.float64, seed=3)
    lin = N.linear_attention(Q, K, V, causal=True, chunk=5)
    sim = (Q @ K.transpose(-1, -2) + 1) ** 2
    mask = torch.ones(33, 33, dtype=torch.bool).tril()
    sim = sim.masked_fill(~mask, 0.0)
    ref = (sim @ V) / sim.sum(-1, keepdim=True)
    assert torch.allclose(lin, ref, rtol=1e-12, atol=1e-12)
    # first row attends only to itself
    assert torch.allclose(lin[..., 0, :], V[..., 0, :], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("fmap", N.FEATURE_MAPS)
@pytest.mark.parametrize("causal", [False, True])
def test_devices(device, fmap, causal):
    Q, K, V = random_qkv(50, 6, 4, heads=2, batch=2, dtype=torch.float64, seed=1)
    got = N.linear_attention(Q, K, V, feature_map_name=fmap, causal=causal, device=device)
    ref = N.explicit_kernel_attention(Q, K, V, feature_map_name=fmap, causal=causal)
    assert got.device.type == torch.device(device).type
    assert torch.allclose(got.cpu(), ref, rtol=1e-10, atol=1e-12)


def test_autograd_path_matches_and_has_gradients():
    Q, K, V = (t.requires_grad_(True)
               for t in random_qkv(20, 3, 2, heads=1, batch=1, dtype=torch.float64, seed=2))
    out = N.linear_attention(Q, K, V)
    out.sum().backward()
    assert Q.grad is not None and torch.isfinite(Q.grad).all() and Q.grad.abs().sum() > 0
    assert torch.autograd.gradcheck(lambda q, k, v: N.linear_attention(q, k, v),
                                    tuple(t.detach()[..., :6, :].clone().requires_grad_(True)
                                          for t in (Q, K, V)))


@pytest.mark.parametrize("kind, msg", [
    ("shape_d", "widths differ"), ("shape_n", "lengths differ"), ("batch", "dimensions differ"),
    ("empty", "N = 0"), ("nan", "NaN"), ("inf", "infinite"), ("mixed", "dtypes differ"),
    ("neg_map", "negative values"), ("int", "floating point"),
])
def test_bad_input_one_line(kind, msg):
    Q, K, V = random_qkv(8, 3, 2, heads=1, batch=1, dtype=torch.float64, seed=0)
    kw = {}
    if kind == "shape_d":
        K = K[..., :2]
    elif kind == "shape_n":
        V = V[..., :5, :]
    elif kind == "batch":
        V = V.expand(2, 1, 8, 2)
    elif kind == "empty":
        Q, K, V = Q[..., :0, :], K[..., :0, :], V[..., :0, :]
    elif kind == "nan":
        Q = Q.clone()
        Q[0, 0, 3, 1] = float("nan")
    elif kind == "inf":
        V = V.clone()
        V[0, 0, 0, 0] = float("inf")
    elif kind == "mixed":
        V = V.float()
    elif kind == "int":
        Q = Q.long()
    elif kind == "neg_map":
        kw["feature_map_name"] = lambda x: x
    with pytest.raises(InputError) as exc:
        N.linear_attention(Q, K, V, **kw)
    assert msg in str(exc.value) and "\n" not in str(exc.value)


def test_vanishing_denominator_is_an_error_not_nan():
    # (qᵀk + 1)² = 0 for every key when qᵀk = −1: the kernel's only zero
    Q = torch.tensor([[[1.0, 0.0]]], dtype=torch.float64)
    K = torch.tensor([[[-1.0, 0.0], [-1.0, 5.0]]], dtype=torch.float64)
    V = torch.tensor([[[1.0], [2.0]]], dtype=torch.float64)
    for fast in (True, False):
        with pytest.raises(InputError, match="denominator"):
            N.linear_attention(Q, K, V, fast=fast)
    with pytest.raises(InputError, match="denominator"):
        N.explicit_kernel_attention(Q, K, V)


def test_overflow_to_inf_is_caught():
    # float32 features overflow at 1e12 (φ ~ 1e48): the rows are recomputed in float64 and
    # rounded back (issue 11: the right value, not an error); float64 overflow is an error
    Q, K, V = random_qkv(8, 3, 2, heads=1, batch=1, dtype=torch.float32, seed=0)
    for backend in ("torch", "native", "auto"):
        if backend == "native" and not N.native_available():
            continue
        got = N.linear_attention(Q * 1e12, K * 1e12, V, backend=backend)
        ref = N.explicit_kernel_attention(Q.double() * 1e12, K.double() * 1e12, V.double())
        assert torch.isfinite(got).all() and got.dtype == torch.float32
        assert torch.allclose(got.double(), ref, rtol=1e-6, atol=1e-6 * float(V.abs().max()))
    Qd, Kd, Vd = random_qkv(8, 3, 2, heads=1, batch=1, dtype=torch.float64, seed=0)
    with pytest.raises(InputError):
        N.linear_attention(Qd * 1e100, Kd * 1e100, Vd)


def test_unknown_map_and_bad_chunk():
    Q, K, V = random_qkv(8, 3, 2, heads=1, batch=1, dtype=torch.float64, seed=0)
    with pytest.raises(InputError, match="unknown feature map"):
        N.linear_attention(Q, K, V, feature_map_name="cubic")
    with pytest.raises(InputError, match="chunk"):
        N.quadratic_linear_attention(Q, K, V, chunk=-3)


@pytest.mark.parametrize("e", range(1, 22))
def test_circulant_pairs_are_the_upper_triangle_once(e):
    # the fast path's feature order: every pair a ≤ b of x̃ = (1, x) exactly once
    pairs = [tuple(sorted(p)) for p in N.circulant_pairs(e)]
    assert len(pairs) == e * (e + 1) // 2 == len(set(pairs))
    assert set(pairs) == {(a, b) for a in range(e) for b in range(a, e)}


def test_elu_map_is_positive():
    x = torch.linspace(-50, 50, 1001, dtype=torch.float64)
    assert (N.elu_features(x) > 0).all()
    assert math.isclose(float(N.elu_features(torch.tensor(0.0))), 1.0)


def test_elu_map_equals_elu_plus_one_where_that_is_accurate():
    x = torch.linspace(-10, 10, 2001, dtype=torch.float64)
    assert torch.allclose(N.elu_features(x), torch.nn.functional.elu(x) + 1, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("where", ["Q", "K", "V"])
@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
@pytest.mark.parametrize("fast", [True, False])
def test_non_finite_anywhere_names_the_input(where, value, fast):
    t = dict(zip("QKV", random_qkv(30, 4, 3, heads=2, batch=1, dtype=torch.float32, seed=5)))
    t[where] = t[where].clone()
    t[where][0, 1, 17, 2] = value
    with pytest.raises(InputError, match=f"^{where} contains NaN or infinite values$"):
        N.linear_attention(t["Q"], t["K"], t["V"], fast=fast)


# ---------------------------------------------------------------- the fused C kernel (Q5(d))
needs_native = pytest.mark.skipif(not N.native_available(),
                                  reason=f"native kernel: {N.native_unavailable_reason()}")


def _native(Q, K, V, **kw):
    return N.linear_attention(Q, K, V, backend="native", **kw)


def _torch_fast(Q, K, V, **kw):
    return N.linear_attention(Q, K, V, backend="torch", **kw)


def _quadratic_noncausal(case):
    # the fast paths cover the non-causal quadratic map: same cases, that map
    return (*case[:6], "quadratic", False)


@needs_native
@given(P.attention_cases())
def test_native_equals_explicit_float64(case):
    P.linear_matches_explicit(_native)(_quadratic_noncausal(case))


@needs_native
@given(P.attention_cases())
def test_native_equals_explicit_float32_within_roundoff_bound(case):
    P.linear_matches_explicit(_native, dtype=torch.float32)(_quadratic_noncausal(case))


@given(P.attention_cases())
def test_torch_fast_path_equals_explicit(case):
    for dtype in (torch.float64, torch.float32):
        P.linear_matches_explicit(_torch_fast, dtype=dtype)(_quadratic_noncausal(case))


@needs_native
def test_native_mutation_wrong_pair_weights_refuted(monkeypatch):
    # the compact map's (√2)² = 2 on the off-diagonal pairs, replaced by 1 everywhere
    right = N._pair_weights

    def ones(e, padded, dt):
        return (right(e, padded, dt) > 0).to(dt)
    monkeypatch.setattr(N, "_pair_weights", ones)
    assert not run_property(P.linear_matches_explicit(_native),
                            P.attention_cases().map(_quadratic_noncausal),
                            max_examples=20).passed


@needs_native
@pytest.mark.parametrize("n, nq, d, m, heads, threads", [
    (5000, 5000, 16, 16, 1, 2),     # the benchmark shape, rows split over two threads
    (4099, 4099, 7, 5, 1, 3),       # D + 1 = 8: pair count 36 padded to 48; M padded to a vector
    (2100, 37, 16, 16, 1, 2),       # cross attention, fewer queries than keys
    (23, 2500, 4, 16, 1, 2),        # and more
    (300, 300, 40, 33, 3, 2),       # P = 861, three vectors of values, heads spread over threads
    (2049, 2049, 1, 1, 2, 4),
    (33, 33, 3, 16, 1, 1),
])
def test_native_equals_torch_fast_path(n, nq, d, m, heads, threads):
    Q, K, V = random_qkv(max(n, nq), d, m, heads=heads, batch=2, dtype=torch.float64, seed=n)
    Q, K, V = Q[..., :nq, :], K[..., :n, :], V[..., :n, :]
    ref = N.linear_attention(Q, K, V, backend="torch")
    got = N.native_quadratic_attention(Q, K, V, threads=threads)
    assert got.shape == ref.shape == (2, heads, nq, m)
    assert torch.allclose(got, ref, rtol=1e-11, atol=1e-13)
    one = N.native_quadratic_attention(Q, K, V, threads=1)   # the split changes round-off only
    assert torch.allclose(got, one, rtol=1e-12, atol=1e-14)


@needs_native
def test_native_under_inference_mode_and_non_contiguous_inputs():
    Q, K, V = random_qkv(3000, 6, 7, heads=2, batch=2, dtype=torch.float64, seed=3)
    V = V[..., 1:5]                                     # a strided view
    ref = N.linear_attention(Q, K, V.contiguous(), backend="torch")
    Qt = Q.transpose(0, 1).contiguous().transpose(0, 1)  # batch and heads swapped in memory
    with torch.inference_mode():
        got = N.native_quadratic_attention(Qt, K, V)
    assert not Qt.is_contiguous() and not V.is_contiguous()
    assert torch.allclose(got, ref, rtol=1e-11, atol=1e-13)


@needs_native
def test_native_is_the_default_where_it_applies(monkeypatch):
    Q, K, V = random_qkv(50, 3, 2, heads=1, batch=1, dtype=torch.float64, seed=0)
    calls = []
    real = N.native_quadratic_attention

    def spy(*a, **kw):
        calls.append(1)
        return real(*a, **kw)
    monkeypatch.setattr(N, "native_quadratic_attention", spy)
    N.linear_attention(Q, K, V)
    N.linear_attention(Q, K, V, backend="torch")
    N.linear_attention(Q, K, V, causal=True)
    N.linear_attention(Q.half(), K.half(), V.half())     # float16: the torch path
    assert len(calls) == 1


@needs_native
def test_native_bad_input_is_one_line():
    Q, K, V = random_qkv(8, 3, 2, heads=1, batch=1, dtype=torch.float64, seed=0)
    for kw, msg in (({"causal": True}, "non-causal"), ({"feature_map_name": "elu"}, "non-causal")):
        with pytest.raises(InputError, match=msg):
            N.linear_attention(Q, K, V, backend="native", **kw)
    with pytest.raises(InputError, match="unknown backend"):
        N.linear_attention(Q, K, V, backend="fortran")
    with pytest.raises(InputError, match="float32/float64"):
        N.native_quadratic_attention(Q.half(), K.half(), V.half())
    with pytest.raises(InputError, match="N = 0"):
        N.native_quadratic_attention(Q[..., :0, :], K, V)


@pytest.mark.gpu
def test_native_refuses_cuda_and_auto_uses_torch_there():
    Q, K, V = (t.cuda() for t in random_qkv(8, 3, 2, heads=1, batch=1, dtype=torch.float64, seed=0))
    with pytest.raises(InputError, match="CPU"):
        N.native_quadratic_attention(Q, K, V)
    out = N.linear_attention(Q, K, V)
    assert out.device.type == "cuda"


def test_native_unavailable_falls_back_to_torch(monkeypatch):
    from hw7core import native
    monkeypatch.setenv("HW7_NATIVE", "0")
    native.forget(N._NATIVE_SOURCE)
    try:
        assert not N.native_available()
        assert "HW7_NATIVE=0" in N.native_unavailable_reason()
        Q, K, V = random_qkv(30, 4, 3, heads=2, batch=1, dtype=torch.float64, seed=1)
        ref = N.explicit_kernel_attention(Q, K, V)
        assert torch.allclose(N.linear_attention(Q, K, V), ref, rtol=1e-12, atol=1e-13)
        with pytest.raises(InputError, match="native kernel unavailable: .*HW7_NATIVE=0"):
            N.linear_attention(Q, K, V, backend="native")
    finally:
        monkeypatch.delenv("HW7_NATIVE")
        native.forget(N._NATIVE_SOURCE)


@pytest.mark.skipif(native_compiler() is None, reason="no C compiler")
def test_native_portable_build_agrees(monkeypatch, tmp_path):
    # the build without -march=native (the fallback for compilers that lack it, and what
    # a machine without AVX-512 runs): same results
    from hw7core import native
    monkeypatch.setattr(native, "FLAGS", native.FALLBACK_FLAGS)
    monkeypatch.setenv("HW7_CACHE_DIR", str(tmp_path))
    native.forget(N._NATIVE_SOURCE)
    try:
        assert N.native_available(), N.native_unavailable_reason()
        for dtype in (torch.float64, torch.float32):
            Q, K, V = random_qkv(2500, 9, 20, heads=2, dtype=dtype, seed=1)
            ref = N.linear_attention(Q.double(), K.double(), V.double(), backend="torch")
            got = N.native_quadratic_attention(Q, K, V)
            tol = 1e-12 if dtype == torch.float64 else 1e-5
            assert torch.allclose(got.double(), ref, rtol=tol, atol=tol)
    finally:
        native.forget(N._NATIVE_SOURCE)


# ------------------------------------------------------------------ polynomial kernels, degree p
# (issue 13 §2: sim(q, k) = (qᵀk + c)^p, compact map C(D + p, p), full map Σ_{j≤p} D^j)
def _poly_kernel_cases():
    """(seed, p, c, D, rows): c ≥ 0 with exact zero included, D up to 12."""
    from hypothesis import strategies as st
    return st.tuples(st.integers(0, 2**31 - 1), st.integers(1, 4),
                     st.one_of(st.just(0.0), st.floats(0.0, 4.0)), st.integers(1, 12),
                     st.integers(1, 6))


def _poly_identity(make_map, dtype=torch.float64):
    """φ(q)ᵀφ(k) == (qᵀk + c)^p within the first-order round-off bound of the data's scale."""
    def prop(case):
        seed, p, c, d, rows = case
        g = torch.Generator().manual_seed(seed)
        q, k = (3 * torch.randn(2, rows, d, generator=g, dtype=torch.float64)).to(dtype)
        err, bound = N.feature_identity_error(make_map(p, c), q, k, p, c)
        ratio = float((err / bound).max())
        assert ratio <= 1.0, f"error {ratio:.3g}× the round-off bound at p={p}, c={c}, D={d}"
    return prop


def _no_sqrt_map(p, c):
    """Mutation: the multinomial weights without their square root (w² instead of w)."""
    return lambda x: N.polynomial_features(x, p, c) * N.polynomial_features(torch.ones_like(x), p, c)


def _unweighted_map(p, c):
    """Mutation: the monomials x̃^α with no weights at all."""
    return lambda x: N.polynomial_features(x, p, 1.0) / N.polynomial_features(torch.ones_like(x), p, 1.0)


@pytest.mark.parametrize("p", [1, 2, 3, 4])
@pytest.mark.parametrize("c", [0, 1, sp.Rational(1, 2), 3])
def test_polynomial_identity_proven_for_symbolic_D(p, c):
    der = D.derive(p, c)
    assert der.full_identity == 0
    assert der.compact_proof.holds and der.compact_base == 0 and der.compact_step == 0
    assert len(der.compact_proof.base) == len(der.compact_proof.step) == p + 1
    assert all(a == 0 and b == 0 for a, b in der.explicit.values()) and len(der.explicit) >= 3
    assert sp.expand(der.dim_compact - sp.binomial(D.D + p, p).expand(func=True)) == 0
    assert der.dim_binomial == 0
    assert sp.expand(der.dim_full - sum(D.D**jj for jj in range(p + 1))) == 0
    assert der.degree == p and der.offset == c and der.proven
    assert der.sim == (D.dot(D.q, D.k) + c) ** p
    # the map for a concrete D has the derived number of entries and reproduces the kernel
    for dim in (1, 3):
        assert len(der.phi(dim)) == der.feature_dim(dim) == sp.binomial(dim + p, p)
        assert len(der.phi_full(dim)) == der.feature_dim(dim, full=True)


def test_polynomial_identity_for_symbolic_offset():
    cs = sp.Symbol("c", positive=True)
    der = D.derive(3, cs)
    assert der.proven and der.offset == cs


def test_polynomial_default_is_the_homework_quadratic():
    a, b = D.derive(), D.derive(2, 1)
    assert a is b and a.degree == 2 and a.offset == 1
    assert a.sim == a.quadratic_kernel
    assert D.compact_features([sp.Symbol("x")]) == D.compact_features([sp.Symbol("x")], 2, 1)


@pytest.mark.parametrize("p", [2, 3, 4])
def test_symbolic_mutations_refuted(p):
    # the weights without the square root: the weight lemma and the explicit expansion fail
    def no_sqrt(m, a0, fact, offset=1):
        return D.compact_weight(m, a0, fact, offset) ** 2

    proof = D.prove_compact(p, 1, weight=no_sqrt)
    assert not proof.holds and proof.lemma != 0
    assert any(b != 0 for _, b in D.explicit_check(p, 1, (2,), compact_weight_fn=no_sqrt).values())

    # the multinomial coefficient dropped (only c's share kept)
    def no_multinomial(m, a0, fact, offset=1):
        return sp.sqrt(offset ** a0)

    assert not D.prove_compact(p, 2, weight=no_multinomial).holds
    assert any(b != 0 for _, b in D.explicit_check(p, 2, (2,),
                                                   compact_weight_fn=no_multinomial).values())

    # the full map without √C(p, j): the Sum manipulation leaves a remainder
    def full_no_sqrt(deg, jj, offset=1):
        return sp.binomial(deg, jj) * offset ** (deg - jj)

    assert D.prove_full(p, 1, weight=full_no_sqrt)[1] != 0
    assert any(a != 0 for a, _ in D.explicit_check(p, 1, (2,), full_weight_fn=full_no_sqrt).values())


@pytest.mark.parametrize("bad", [0, -1, 9, 2.0, True, "3", None])
def test_polynomial_bad_degree_is_one_line(bad):
    for call in (lambda: D.derive(bad), lambda: N.polynomial_feature_map(bad),
                 lambda: N.polynomial_features(torch.ones(2, 3), bad)):
        with pytest.raises(InputError, match="degree p") as ei:
            call()
        assert "\n" not in str(ei.value)


@pytest.mark.parametrize("bad", [-1, -0.5, float("nan"), float("inf"), "1", True, None])
def test_polynomial_bad_offset_is_one_line(bad):
    for call in (lambda: D.derive(2, bad), lambda: N.polynomial_feature_map(3, bad),
                 lambda: N.polynomial_kernel(torch.ones(2), 2, bad)):
        with pytest.raises(InputError, match="offset c") as ei:
            call()
        assert "\n" not in str(ei.value)


@pytest.mark.parametrize("p", [1, 2, 3, 4])
@pytest.mark.parametrize("c", [0.0, 0.5, 2.0])
@pytest.mark.parametrize("d", [1, 2, 5])
def test_polynomial_numeric_map_is_the_derived_map(p, c, d):
    # entry by entry, same order: the torch maps are the derivation's (c exact in binary)
    g = torch.Generator().manual_seed(100 * p + d)
    x = torch.randn(d, generator=g, dtype=torch.float64)
    xs = [sp.Float(float(v), 30) for v in x]
    c_exact = sp.Rational(str(c))
    for full, num_fn, der_fn in ((False, N.polynomial_features, D.compact_features),
                                 (True, N.polynomial_full_features, D.full_features)):
        sym = torch.tensor([float(e) for e in der_fn(xs, p, c_exact)], dtype=torch.float64)
        got = num_fn(x, p, c)
        assert got.shape == sym.shape
        assert got.numel() == N.polynomial_feature_dim(d, p, full=full)
        scale = float(sym.abs().max())
        assert torch.allclose(got, sym, rtol=0, atol=8 * p * 2.2e-16 * max(scale, 1e-300))


def test_polynomial_quadratic_is_bit_identical_to_todays_maps():
    x = torch.randn(3, 5, 7, dtype=torch.float64)
    for dt in (torch.float32, torch.float64):
        y = x.to(dt)
        assert torch.equal(N.polynomial_features(y, 2, 1.0), N.quadratic_features(y))
        assert torch.equal(N.polynomial_full_features(y, 2, 1.0), N.quadratic_full_features(y))
    Q, K, V = random_qkv(50, 6, 4, heads=2, batch=2, dtype=torch.float64, seed=3)
    ref = N.linear_attention(Q, K, V)
    assert torch.equal(N.linear_attention(Q, K, V, feature_map=N.polynomial_feature_map(2, 1.0)), ref)
    assert torch.equal(N.explicit_kernel_attention(Q, K, V, feature_map=N.polynomial_feature_map()),
                       N.explicit_kernel_attention(Q, K, V))


@given(_poly_kernel_cases())
def test_polynomial_identity_compact_float64(case):
    _poly_identity(N.polynomial_feature_map)(case)


@given(_poly_kernel_cases())
def test_polynomial_identity_full_float64(case):
    _poly_identity(lambda p, c: N.polynomial_feature_map(p, c, full=True))(case)


@given(_poly_kernel_cases())
def test_polynomial_identity_compact_float32(case):
    _poly_identity(N.polynomial_feature_map, torch.float32)(case)


def test_polynomial_identity_mutations_refuted():
    from hw7core.props import mutation_check
    for wrong in (_no_sqrt_map, _unweighted_map):
        res = mutation_check(_poly_identity(wrong), _poly_kernel_cases(), max_examples=40)
        assert res.ok, f"{wrong.__name__} was not refuted"


def _poly_attention_cases():
    """(seed, batch, heads, N, D, M, p, c, full, causal); odd p with c ≥ 1 keeps most
    denominators Σ_j (q·k_j + c)^p positive for the generated inputs."""
    from hypothesis import strategies as st

    @st.composite
    def cases(draw):
        p = draw(st.integers(1, 4))
        c = draw(st.floats(1.0, 3.0) if p % 2 else st.one_of(st.just(0.0), st.floats(0.0, 3.0)))
        full = draw(st.booleans())
        d = draw(st.integers(1, 4 if full else 7))
        return (draw(st.integers(0, 2**31 - 1)), draw(st.integers(1, 2)), draw(st.integers(1, 2)),
                draw(st.integers(1, 40)), d, draw(st.integers(1, 5)), p, c, full, draw(st.booleans()))
    return cases()


def _poly_linear_matches_explicit(linear=N.linear_attention, dtype=torch.float64):
    """eq. (8) with the degree-p map == eq. (6) with the kernel computed directly, within
    the round-off bound of numerics.kernel_attention.roundoff_bound."""
    from hypothesis import assume

    def prop(case):
        seed, b, h, n, d, m, p, c, full, causal = case
        fmap = N.polynomial_feature_map(p, c, full=full)
        # eq. (6) needs Σ_j sim > 0; an odd-degree kernel can break it (Q5(a)): such
        # instances are outside the identity's domain (the guard is tested separately)
        Q, K, _ = random_qkv(n, d, m, heads=h, batch=b, dtype=torch.float64, seed=seed)
        sim = fmap.kernel(Q @ K.transpose(-1, -2))
        if causal:
            sim = torch.tril(sim)
        assume(bool((sim.sum(-1) > 0).all()))
        base = P.linear_matches_explicit(linear, dtype)
        base((seed, b, h, n, d, m, fmap, causal))
    return prop


@given(_poly_attention_cases())
def test_polynomial_linear_equals_explicit_float64(case):
    _poly_linear_matches_explicit()(case)


@given(_poly_attention_cases())
def test_polynomial_linear_equals_explicit_float32(case):
    _poly_linear_matches_explicit(dtype=torch.float32)(case)


def test_polynomial_linear_mutation_refuted():
    from hw7core.props import mutation_check

    def wrong_offset(Q, K, V, *, feature_map_name, causal, chunk):
        # the map of (qᵀk + c + 1)^p in place of (qᵀk + c)^p
        fm = feature_map_name
        other = N.polynomial_feature_map(fm.degree, fm.offset + 1, full=fm.full)
        return N.linear_attention(Q, K, V, feature_map=other, causal=causal, chunk=chunk)

    res = mutation_check(_poly_linear_matches_explicit(wrong_offset), _poly_attention_cases(),
                         max_examples=30)
    assert res.ok


@pytest.mark.parametrize("fast", [True, False])
def test_polynomial_cubic_attention_and_autograd(fast):
    Q, K, V = random_qkv(64, 6, 3, heads=2, batch=1, dtype=torch.float64, seed=5)
    fm = N.polynomial_feature_map(3, 1.0)
    ref = N.explicit_kernel_attention(Q, K, V, feature_map=fm)
    got = N.linear_attention(Q, K, V, feature_map=fm, fast=fast, backend="torch")
    bound = N.roundoff_bound(Q, K, V, fm, False, torch.float64)
    assert bool(((got - ref).abs() <= bound).all())
    Qg = Q.clone().requires_grad_(True)
    N.linear_attention(Qg, K, V, feature_map=fm).sum().backward()
    Qe = Q.clone().requires_grad_(True)
    N.explicit_kernel_attention(Qe, K, V, feature_map=fm).sum().backward()
    assert torch.allclose(Qg.grad, Qe.grad, rtol=1e-9, atol=1e-12 * float(Qe.grad.abs().max()))


def test_polynomial_map_selection_errors():
    Q, K, V = random_qkv(8, 3, 2, heads=1, batch=1, dtype=torch.float64, seed=0)
    with pytest.raises(InputError, match="not both"):
        N.linear_attention(Q, K, V, feature_map="quadratic", feature_map_name="elu")
    with pytest.raises(InputError, match="native"):
        N.linear_attention(Q, K, V, feature_map=N.polynomial_feature_map(3), backend="native")
    # odd degree, zero offset: sim = (qᵀk)^3 changes sign; a non-positive denominator is
    # refused in one line, never returned as a silently wrong number
    q = torch.tensor([[1.0, 0.0]], dtype=torch.float64)
    keys = torch.tensor([[1.0, 0.0], [-2.0, 0.0]], dtype=torch.float64)
    with pytest.raises(InputError, match="denominator"):
        N.linear_attention(q, keys, torch.ones(2, 1, dtype=torch.float64),
                           feature_map=N.polynomial_feature_map(3, 0.0))


# ---------------------------------------------------------------- issue 11: sizes, cancellation, backends agree
def _paths():
    out = [("torch", dict(backend="torch")), ("general", dict(fast=False)),
           ("causal", dict(causal=True))]
    if N.native_available():
        out.append(("native", dict(backend="native")))
    return out


@pytest.mark.parametrize("bad", [0, -1, True, False, 2.0, "8", None])
@pytest.mark.parametrize("causal", [False, True])
def test_every_size_argument_is_validated(bad, causal):
    # chunk=0 raised "range() arg 3 must not be zero", chunk=-1 failed inside torch.cat
    Q, K, V = random_qkv(8, 3, 2, heads=1, batch=1, dtype=torch.float64, seed=0)
    with pytest.raises(InputError, match="chunk") as exc:
        N.linear_attention(Q, K, V, causal=causal, chunk=bad)
    assert "\n" not in str(exc.value)
    if bad is not None:
        with pytest.raises(InputError, match="chunk"):
            N.quadratic_linear_attention(Q, K, V, chunk=bad)
        if N.native_available():
            with pytest.raises(InputError, match="threads"):
                N.native_quadratic_attention(Q, K, V, threads=bad)
    for flag in ("causal", "fast"):
        with pytest.raises(InputError, match=flag):
            N.linear_attention(Q, K, V, **{flag: 1})


@pytest.mark.parametrize("bad, msg", [
    (lambda Q, K, V: (Q.to(torch.complex64), K.to(torch.complex64), V.to(torch.complex64)),
     "complex"),
    (lambda Q, K, V: (Q, K, V.long()), "floating point"),
    (lambda Q, K, V: (Q[0, 0, 0], K, V), "dimensions"),
])
def test_hostile_tensors_one_line(bad, msg):
    Q, K, V = random_qkv(8, 3, 2, heads=1, batch=1, dtype=torch.float64, seed=0)
    for fn in (N.linear_attention, N.explicit_kernel_attention, N.softmax_attention):
        with pytest.raises(InputError, match=msg) as exc:
            fn(*bad(Q, K, V))
        assert "\n" not in str(exc.value)


def test_float32_cancellation_case_both_backends_accurate():
    # the stock-torch path returned −0.034 (outside [0, 1]) and the native kernel raised
    # "denominator is 0"; the exact answer for these float32 inputs is ≈ 1.0
    Q = torch.tensor([[1e4, 1e4]])
    K = torch.tensor([[1.0, -1.0001], [1.0, -1.00005]])
    V = torch.tensor([[0.0], [1.0]])
    ref = N.explicit_kernel_attention(Q.double(), K.double(), V.double())
    assert abs(float(ref) - 1.0) < 1e-3
    for name, kw in _paths():
        if name == "causal":
            continue
        got = N.linear_attention(Q, K, V, **kw)
        assert got.dtype == torch.float32
        assert abs(float(got) - float(ref)) <= 4 * torch.finfo(torch.float32).eps, name


def _cancel_case(seed, n, d, p10, pert, dtype):
    """Keys built so that qᵀk ≈ −1 for one of the queries: (qᵀk + 1)² cancels in φ(q)ᵀφ(k)."""
    g = torch.Generator().manual_seed(seed)
    Q = torch.randn(n, d, generator=g, dtype=torch.float64) * 10.0**p10
    q0 = Q[0]
    K = -q0 / (q0 @ q0) + 10.0**pert * torch.randn(n, d, generator=g, dtype=torch.float64) \
        / max(float(q0.norm()), 1e-300)
    K[n // 2:] = torch.randn(n - n // 2, d, generator=g, dtype=torch.float64) * 10.0**(p10 * 0.5)
    Q[1:] = Q[0] * (1 + 1e-3 * torch.randn(n - 1, 1, generator=g, dtype=torch.float64))
    V = torch.randn(n, 1, generator=g, dtype=torch.float64)
    return Q.to(dtype), K.to(dtype), V.to(dtype)


def _allowed(Q, K, V, causal, dtype):
    """Per row: the error allowed around the exact value. The first-order (Higham) bound
    of eq. (8) in ``dtype`` where that dtype resolves the denominator (bound ≤ ½·den),
    else the float64 bound plus one rounding to ``dtype`` (the fallback's promise);
    also the float64 κ, to know where even float64 cannot resolve."""
    fq, fk = N.quadratic_features(Q.double()), N.quadratic_features(K.double())
    S, A = fq @ fk.T, fq.abs() @ fk.abs().T
    if causal:
        keep = torch.ones(S.shape, dtype=torch.bool).tril()
        S, A = S * keep, A * keep
    den, den_abs = S.sum(-1), A.sum(-1)
    scale = float(V.abs().max())
    res = {}
    for dt in (dtype, torch.float64):
        g = (fq.shape[-1] + K.shape[-2] + 4) * torch.finfo(dt).eps / 2
        res[dt] = (g * den_abs / den.abs().clamp_min(1e-300), g)
    k32, g32 = res[dtype]
    k64, g64 = res[torch.float64]
    bound32 = 2 * k32 * 2 * scale
    bound64 = 2 * k64 * 2 * scale + torch.finfo(dtype).eps * scale
    allowed = torch.where(k32 <= 0.5, bound32, bound64)
    return allowed, k64


def hull_property(impl=N.linear_attention):
    """Every output row lies between min V and max V (the convex hull of a 1-column V:
    a non-negative similarity averages V), within the allowed round-off of _allowed —
    relative to V's scale — over inputs built to cancel. InputError only where even
    float64 cannot resolve the denominator."""
    def prop(case):
        seed, n, d, p10, pert, path = case
        Q, K, V = _cancel_case(seed, n, d, p10, pert, torch.float32)
        kw = dict(_paths())[path] if path in dict(_paths()) else dict(backend="torch")
        allowed, k64 = _allowed(Q, K, V, kw.get("causal", False), torch.float32)
        try:
            out = impl(Q, K, V, **kw)
        except InputError as exc:
            assert "float64" in str(exc) and float(k64.max()) > 0.05, (str(exc), float(k64.max()))
            return
        lo, hi = float(V.min()), float(V.max())
        o = out.double()[:, 0]
        excess = torch.maximum(lo - o, o - hi).clamp_min(0) - allowed
        assert float(excess.max()) <= 0, (f"{path}: output outside [min V, max V] by more "
                                          f"than the allowed round-off: {o.tolist()} "
                                          f"vs [{lo}, {hi}]")
    return prop


def cancel_cases():
    from hypothesis import strategies as st
    return st.tuples(st.integers(0, 2**31 - 1), st.integers(1, 10), st.integers(1, 4),
                     st.floats(0, 4), st.floats(-8, -1),
                     st.sampled_from([p for p, _ in _paths()]))


@given(cancel_cases())
def test_outputs_stay_in_the_hull_of_V_when_similarities_cancel(case):
    hull_property()(case)


def test_mutation_without_the_float64_fallback_leaves_the_hull():
    def no_fallback(Q, K, V, **kw):
        # eq. (8) in the input dtype with no round-off guard: what the torch path did
        fq, fk = N.quadratic_features(Q), N.quadratic_features(K)
        if kw.get("causal"):
            sim = torch.tril(fq @ fk.T)
            return (sim @ V) / sim.sum(-1, keepdim=True)
        v1 = torch.cat([V, torch.ones_like(V[:, :1])], dim=-1)
        nd = fq @ (fk.T @ v1)
        return nd[:, :-1] / nd[:, -1:]
    # a refuting case Hypothesis found: the implementation stays in the hull, the mutant not
    known = (0, 4, 1, 0.0, -3.5, "causal")
    hull_property()(known)
    with pytest.raises(AssertionError, match="outside"):
        hull_property(no_fallback)(known)
    # and a search finds one: at 60 examples it did in only ~3 of 4 seeds (the stream
    # shifts with the source constants Hypothesis mixes in), so 200
    assert not run_property(hull_property(no_fallback), cancel_cases(), max_examples=200).passed


def test_backends_agree_on_float32_cancellation():
    if not N.native_available():
        pytest.skip("native kernel unavailable")
    for seed in range(20):
        Q, K, V = _cancel_case(seed, 6, 2, 3.0, -5.0, torch.float32)
        res = []
        for backend in ("torch", "native"):
            try:
                res.append(N.linear_attention(Q, K, V, backend=backend))
            except InputError as exc:
                res.append(str(exc))
        if isinstance(res[0], str) or isinstance(res[1], str):
            assert res[0] == res[1], res
        else:
            assert torch.allclose(res[0], res[1], rtol=1e-5, atol=1e-5 * float(V.abs().max()))


def test_property_home_examples_run():
    # hw7/properties/<result>.py: its docstring examples (a property passing, its mutant refuted)
    import doctest

    res = doctest.testmod(P, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert res.attempted > 0 and res.failed == 0, res


@pytest.mark.parametrize("degree", [-1, 50, "2", 2.5])
def test_feature_maps_refuse_a_degree_outside_0_to_8(degree):
    # degree 50 was accepted, "2" was a TypeError (0 is the constant map [1])
    from derivations.kernel_attention import compact_features, full_features

    for fmap in (compact_features, full_features):
        with pytest.raises(InputError, match="degree"):
            fmap([1, 2], degree)


@pytest.mark.parametrize("dtype", [torch.int64, torch.bool, "float32"])
def test_random_qkv_refuses_a_dtype_that_is_not_floating_point(dtype):
    with pytest.raises(InputError, match="dtype"):
        random_qkv(2, 3, 2, dtype=dtype)


def test_compare_linear_explicit_refuses_a_malformed_case():
    with pytest.raises(InputError, match="each case is"):
        N.compare_linear_explicit([(1, 2, 5)])


@pytest.mark.parametrize("p, c", [(5, 2), (4, 3), (3, 0.5)])
def test_map_error_is_relative_to_the_maps_scale(p, c):
    # at p = 5, c = 2 the entries reach ~10²: an absolute 1e-14 bound failed on round-off
    der = D.derive(p, c)
    assert P.map_error(der.phi, lambda x: N.polynomial_features(x, degree=p, offset=c)) <= 1e-14
    assert P.map_error(der.phi, P.products_unweighted(p, c)) > 0.01
