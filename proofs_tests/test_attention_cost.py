"""Q5(c), Q5(d): cost polynomials vs FlopCounterMode counts, Big-O forms, the crossover,
measured scaling exponents (small sweep), and mutations."""

from __future__ import annotations

import pytest
import sympy as sp
import torch
from hypothesis import given

from derivations import attention_cost as D
from hw7.errors import InputError
from hw7.properties import attention_cost as P
from hw7.props import run_property
from hw7.questions import attention_cost as Qm
from numerics import attention_cost as N
from numerics.kernel_attention import (
    explicit_kernel_attention,
    linear_attention,
    quadratic_linear_attention,
    softmax_attention,
)


@pytest.fixture(scope="module")
def der():
    return D.derive()


def test_bigo_forms(der):
    n, d, m = D.N, D.D, D.M
    assert sp.expand(der.softmax_time_bigo - (n**2 * d + n**2 * m)) == 0
    assert sp.expand(der.softmax_space_bigo - (n**2 + n * d + n * m)) == 0
    assert sp.expand(der.linear_time_bigo - n * d**2 * m) == 0
    assert sp.expand(der.linear_time_bigo_md - n * d**3) == 0
    assert sp.expand(der.linear_space_bigo_md - (n * d**2 + d**3)) == 0


def test_bigo_drops_dominated_terms_only():
    n, d, m = D.N, D.D, D.M
    assert D.bigo(3 * n**2 * d + 7 * n**2 + n) == n**2 * d
    assert sp.expand(D.bigo(n * d + d**2 + n)) == sp.expand(n * d + d**2)
    assert D.bigo(n * m + n * d, assume={m: d}) == n * d


def test_crossover_is_where_flops_meet(der):
    f = sp.lambdify((D.D, D.M), der.crossover)
    for d, m in [(16, 16), (4, 8), (64, 64)]:
        nstar = f(d, m)
        fs = sp.lambdify(D.N, der.softmax.flops.subs({D.D: d, D.M: m}))
        fl = sp.lambdify(D.N, der.linear.flops.subs({D.D: d, D.M: m}))
        assert abs(fs(nstar) - fl(nstar)) <= 1e-9 * fl(nstar)
        assert fs(2 * nstar) > fl(2 * nstar) and fs(nstar / 2) < fl(nstar / 2)


def test_memory_polynomials_count_the_tensors(der):
    # softmax: the N×N scores and their exponentials dominate; linear: φ(Q), φ(K)
    sm = der.softmax.memory_terms
    assert sm["scores QKᵀ/√D"] == D.N**2 and sm["Q"] == D.N * D.D
    assert sp.expand(der.linear.memory_terms["φ(Q)"] - D.N * der.P) == 0


def torch_fast(Q, K, V, **kw):
    # FlopCounterMode sees torch ops only: the stock-torch fast path, not the C kernel
    return linear_attention(Q, K, V, backend="torch", **kw)


@given(case=P.shape_cases())
def test_flop_counter_matches_linear_polynomial(case, der):
    P.flops_match(torch_fast, der.linear.matmul_flops)(case)


@given(case=P.shape_cases())
def test_flop_counter_matches_linear_general_path(case, der):
    def general(Q, K, V, **kw):
        return linear_attention(Q, K, V, fast=False, **kw)
    P.flops_match(general, der.linear.matmul_flops)(case)


@given(case=P.shape_cases())
def test_flop_counter_matches_softmax_polynomial(case, der):
    P.flops_match(softmax_attention, der.softmax.matmul_flops)(case)


def test_mutations_refuted(der):
    n, d, m = D.N, D.D, D.M
    full = 1 + d + d**2
    wrong_lin = sp.expand(2 * n * full * m + 2 * n * full * (m + 1))
    assert sp.expand(P.full_map_flops(der) - wrong_lin) == 0     # the key's mutant is this one
    assert not run_property(P.flops_match(torch_fast, wrong_lin), P.shape_cases(),
                            max_examples=30).passed
    assert not run_property(P.flops_match(softmax_attention, 2 * n**2 * d), P.shape_cases(),
                            max_examples=30).passed
    # an O(N²) implementation cannot pass the linear polynomial
    assert not run_property(P.flops_match(explicit_kernel_attention, der.linear.matmul_flops),
                            P.shape_cases(), max_examples=30).passed


@pytest.mark.parametrize("d", [6, 7, 16])        # D + 1 odd and even: both feature layouts
@pytest.mark.parametrize("chunk", [64, 97, None])  # 300 = 4·64 + 44: a partial last chunk
def test_fast_path_equals_general_path(d, chunk):
    Q, K, V = N.random_qkv(300, d, 5, heads=2, batch=2, dtype=torch.float64, seed=4)
    a = quadratic_linear_attention(Q, K, V, chunk=chunk)
    b = linear_attention(Q, K, V, fast=False)
    assert torch.allclose(a, b, rtol=1e-12, atol=1e-13)
    # cross attention: fewer queries than keys, and more
    c_ = quadratic_linear_attention(Q[..., :37, :], K, V, chunk=chunk)
    assert torch.allclose(c_, b[..., :37, :], rtol=1e-12, atol=1e-13)
    short = explicit_kernel_attention(Q, K[..., :23, :], V[..., :23, :])
    assert torch.allclose(quadratic_linear_attention(Q, K[..., :23, :], V[..., :23, :],
                                                     chunk=chunk), short, rtol=1e-12, atol=1e-13)


def test_fast_path_reused_workspace_stays_correct():
    # the fast path keeps its work buffers between calls: the constant (1, ·, 1, ·) and
    # [· | 1] parts must survive reuse, and a change of shape or dtype must not leak
    cases = [N.random_qkv(200, 5, 3, dtype=torch.float64, seed=s) for s in range(2)]
    other = N.random_qkv(90, 4, 2, dtype=torch.float32, seed=9)
    for i, (Q, K, V) in enumerate(cases + [other] + cases):
        ref = explicit_kernel_attention(Q.double(), K.double(), V.double())
        tol = 1e-12 if Q.dtype == torch.float64 else 2e-5
        # alternate inference mode on and off: buffers made under it are reused outside it
        with torch.inference_mode(i % 2 == 0):
            got = quadratic_linear_attention(Q, K, V, chunk=64)
        assert torch.allclose(got.double(), ref, rtol=tol, atol=tol)


def test_small_sweep_exponents():
    res = N.sweep({"softmax": [256, 512, 1024], "linear": [256, 512, 1024, 2048]}, repeats=1)
    # memory is deterministic allocation: quadratic vs linear in N
    assert abs(res["softmax"]["mem_exponent"][0] - 2) < 0.15
    assert abs(res["linear"]["mem_exponent"][0] - 1) < 0.15
    assert res["measured_crossover"] is None or res["measured_crossover"] in res["common_ns"]


def test_peak_memory_sees_an_allocation():
    b = N.peak_memory(lambda: torch.empty(1 << 20, dtype=torch.float32).fill_(1.0))
    assert b >= 4 * (1 << 20)


def test_fit_exponent_and_errors():
    s, _ = N.fit_exponent([1, 2, 4, 8], [3, 12, 48, 192])
    assert abs(s - 2) < 1e-12
    with pytest.raises(InputError):
        N.fit_exponent([1], [1])
    with pytest.raises(InputError):
        N.random_qkv(0, 4, 4)


def test_plot(tmp_path):
    res = N.sweep({"softmax": [64, 128, 256], "linear": [64, 128, 256]}, repeats=1)
    N.plot_sweep(res, tmp_path / "f.png", crossover=159.0)
    assert (tmp_path / "f.png").stat().st_size > 0


# ------------------------------------------------------------------ kernel degree p (issue 13 §2)
def _pfm(*args, **kwargs):
    from numerics.kernel_attention import polynomial_feature_map
    return polynomial_feature_map(*args, **kwargs)


def _degree_shape_cases():
    """(batch, heads, N, D, M, p, full)."""
    from hypothesis import strategies as st
    return st.tuples(st.integers(1, 2), st.integers(1, 2), st.integers(1, 40), st.integers(1, 5),
                     st.integers(1, 6), st.integers(1, 4), st.booleans())


def _degree_flops_match(poly_of):
    """FlopCounterMode's count of linear attention with the degree-p map (stock-torch path)
    == batch·heads·poly_of(p, full)(N, D, M), exactly."""
    def prop(case):
        b, h, n, d, m, p, full = case
        # the counts do not depend on c; a large offset keeps an odd-degree kernel's
        # denominators positive (the guard would refuse them, Q5(a))
        fm = _pfm(p, 1.5 if p % 2 == 0 else 100.0, full=full)
        counted, expected = N.flops_vs_polynomial(linear_attention, poly_of(p, full), n, d, m,
                                                  heads=h, batch=b, backend="torch", feature_map=fm)
        assert counted == expected, f"counted {counted} != symbolic {expected} at {case}"
    return prop


def _true_poly(p, full):
    der = D.derive(p)
    return (der.linear_full if full else der.linear).matmul_flops


@given(case=_degree_shape_cases())
def test_flop_counter_matches_degree_p_polynomial(case):
    _degree_flops_match(_true_poly)(case)


def test_degree_p_flop_mutations_refuted():
    from hw7core.props import mutation_check

    def other_degree(p, full):          # the polynomial of degree p + 1
        return _true_poly(p + 1, full)

    def other_map(p, full):             # compact ↔ full swapped (equal only for p = 1 or D = 1)
        return _true_poly(p, not full)

    for wrong in (other_degree, other_map):
        assert mutation_check(_degree_flops_match(wrong), _degree_shape_cases(),
                              max_examples=30).ok, wrong.__name__


@pytest.mark.parametrize("p", [1, 2, 3, 4, 5])
def test_degree_p_polynomials_and_bigo(p):
    n, d, m = D.N, D.D, D.M
    der = D.derive(p)
    assert sp.expand(der.P - sp.binomial(d + p, p).expand(func=True)) == 0
    assert sp.expand(der.P_full - sum(d**j for j in range(p + 1))) == 0
    assert sp.expand(der.linear.matmul_flops - 4 * n * der.P * (m + 1)) == 0
    assert sp.expand(der.linear.memory_terms["φ(K)"] - n * der.P) == 0
    assert der.linear_time_bigo == n * d**p * m                    # O(N D^p M)
    assert sp.expand(der.linear_space_bigo - (n * d**p + d**p * m + n * m)) == 0
    assert der.linear_time_bigo_md == n * d ** (p + 1)
    # the softmax side does not depend on p
    assert der.softmax.flops == D.derive().softmax.flops
    # the FLOP polynomial counts features of degree ≥ 2 once: P − 1 − D per row and map
    assert sp.expand(der.linear.ops["φ(Q), φ(K): products"] - 2 * n * (der.P - 1 - d)) == 0


@pytest.mark.parametrize("p", [1, 2, 3, 4])
def test_degree_p_crossover_is_where_flops_meet(p):
    der = D.derive(p)
    f = sp.lambdify((D.D, D.M), der.crossover)
    for d, m in [(16, 16), (4, 8), (64, 32)]:
        nstar = f(d, m)
        fs = sp.lambdify(D.N, der.softmax.flops.subs({D.D: d, D.M: m}))
        fl = sp.lambdify(D.N, der.linear.flops.subs({D.D: d, D.M: m}))
        assert nstar > 0 and abs(fs(nstar) - fl(nstar)) <= 1e-9 * fl(nstar)
        assert fs(2 * nstar) > fl(2 * nstar) and fs(nstar / 2) < fl(nstar / 2)
    # the crossover grows with p at D = M = 16 (the compact map grows like D^p/p!)
    if p > 1:
        assert der.crossover.subs({D.D: 16, D.M: 16}) > D.derive(p - 1).crossover.subs(
            {D.D: 16, D.M: 16})


@pytest.mark.parametrize("p", [2, 3])
def test_degree_p_matmul_crossover_confirmed_by_counts(p):
    # FlopCounterMode's counts change order at the matmul-only crossover
    der = D.derive(p)
    d, m = 4, 4
    nstar = float(D.crossover(der.softmax, der.linear, matmul_only=True).subs({D.D: d, D.M: m}))
    fm = _pfm(p, 1.0)
    lo, hi = int(nstar) - 1, int(nstar) + 2

    def counts(n):
        s = N.flops_vs_polynomial(softmax_attention, der.softmax.matmul_flops, n, d, m)
        lin = N.flops_vs_polynomial(linear_attention, der.linear.matmul_flops, n, d, m,
                                    backend="torch", feature_map=fm)
        assert s[0] == s[1] and lin[0] == lin[1]
        return s[0], lin[0]

    s_lo, l_lo = counts(lo)
    s_hi, l_hi = counts(hi)
    assert s_lo < l_lo and s_hi > l_hi, (nstar, (s_lo, l_lo), (s_hi, l_hi))


def test_degree_default_is_the_homework():
    assert D.derive() is D.derive(2, 1)
    assert D.derive().degree == 2 and D.derive(3, 0.5).offset == sp.Rational(1, 2)
    with pytest.raises(InputError, match="degree p"):
        D.derive(0)
    with pytest.raises(InputError, match="offset c"):
        D.derive(2, -1)
    with pytest.raises(InputError, match="poly has symbols"):
        N.flops_vs_polynomial(softmax_attention, sp.Symbol("X"), 2, 2, 2)


# ---------------------------------------------------------------- issue 11: the evidence must agree with the claim
def _fake_sweep(which: str, slope: float) -> dict:
    ns = [1024, 2048, 4096]
    rows = [{"N": n, "s": 1e-9 * n**slope, "cpu_s": 1e-9 * n**slope, "bytes": 4 * n**2}
            for n in ns]
    res = {"rows": rows, "time_key": "cpu_s", "heap_retained": True,
           "time_exponent": N.fit_exponent(ns, [r["cpu_s"] for r in rows]),
           "mem_exponent": N.fit_exponent(ns, [r["bytes"] for r in rows]), "time_fit_ns": ns}
    return {"d": 16, "m": 16, "seed": 0, "device": "cpu", "threads": 1,
            "time_clock": "CPU time of the calling thread", which: res}


@pytest.mark.parametrize("which, model, slope, ok", [
    ("softmax", 2, 3.01, False),     # what the key printed beside O(N²(D + M))
    ("softmax", 2, 1.2, False),
    ("softmax", 2, 2.1, True),
    ("linear", 1, 0.3, False),
    ("linear", 1, 2.0, False),
    ("linear", 1, 1.08, True),
])
def test_time_exponent_check_is_two_sided(which, model, slope, ok):
    from hw7.registry import Answer, Context

    ctx = Context(quiet=True)
    ctx._cache["q5cd.sweep"] = _fake_sweep(which, slope)
    ans = Answer(qid="t", title="t", question="Q5", result="attention_cost")
    Qm._measured(ctx, ans, which, model, 2 if which == "softmax" else 1)
    time_check = next(c for c in ans.checks if "CPU time" in c.what)
    assert time_check.passed is ok, (slope, time_check)


def test_sweep_times_the_computation_not_page_faults():
    # the fit uses the calling thread's CPU time with buffers kept between calls
    out = N.sweep({"softmax": [64, 128, 256], "linear": [64, 128, 256]}, repeats=1)
    for name in ("softmax", "linear"):
        res = out[name]
        assert res["time_key"] == "cpu_s"
        assert all(r["cpu_s"] is not None and r["cpu_s"] >= 0 for r in res["rows"])
        slope, _ = N.fit_exponent([r["N"] for r in res["rows"]], [r["cpu_s"] for r in res["rows"]])
        assert slope == pytest.approx(res["time_exponent"][0])
    assert out["time_clock"].startswith("CPU time")


def test_retained_heap_restores_and_reuses():
    import platform

    with N.retained_heap() as kept:
        for _ in range(2):
            torch.empty(8 * 2**20, dtype=torch.uint8).fill_(1)   # a block glibc would mmap
    if platform.libc_ver()[0] == "glibc":
        assert kept is True
    with pytest.raises(InputError):
        N.cpu_times(lambda: None, repeats=0)


def test_property_home_examples_run():
    # hw7/properties/<result>.py: its docstring examples (a property passing, its mutant refuted)
    import doctest

    res = doctest.testmod(P, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert res.attempted > 0 and res.failed == 0, res


@pytest.mark.parametrize("call, needle", [
    (lambda: D.bigo("N**2"), "SymPy expression"),
    (lambda: D.bigo(-D.N), "negative leading term"),
    (lambda: D.bigo(-sp.Symbol("N")), "not among the size variables"),
    (lambda: D.linear_cost(n=-1), "n must be an integer"),
    (lambda: D.softmax_cost(d=0), "d must be an integer"),
])
def test_cost_models_refuse_what_is_not_a_cost(call, needle):
    # bigo('N**2') was an AttributeError, bigo(-N) returned 1, linear_cost(n=-1) negative counts
    with pytest.raises(InputError, match=needle):
        call()
