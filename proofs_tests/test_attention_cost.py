"""Q5(c), Q5(d): cost polynomials vs FlopCounterMode counts, Big-O forms, the crossover,
measured scaling exponents (small sweep), and mutations."""

from __future__ import annotations

import pytest
import sympy as sp
import torch
from hypothesis import given

from derivations import attention_cost as D
from hw7.errors import InputError
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


@given(case=Qm.shape_cases())
def test_flop_counter_matches_linear_polynomial(case, der):
    Qm.flops_match(torch_fast, der.linear.matmul_flops)(case)


@given(case=Qm.shape_cases())
def test_flop_counter_matches_linear_general_path(case, der):
    def general(Q, K, V, **kw):
        return linear_attention(Q, K, V, fast=False, **kw)
    Qm.flops_match(general, der.linear.matmul_flops)(case)


@given(case=Qm.shape_cases())
def test_flop_counter_matches_softmax_polynomial(case, der):
    Qm.flops_match(softmax_attention, der.softmax.matmul_flops)(case)


def test_mutations_refuted(der):
    n, d, m = D.N, D.D, D.M
    full = 1 + d + d**2
    wrong_lin = sp.expand(2 * n * full * m + 2 * n * full * (m + 1))
    assert not run_property(Qm.flops_match(torch_fast, wrong_lin), Qm.shape_cases(),
                            max_examples=30).passed
    assert not run_property(Qm.flops_match(softmax_attention, 2 * n**2 * d), Qm.shape_cases(),
                            max_examples=30).passed
    # an O(N²) implementation cannot pass the linear polynomial
    assert not run_property(Qm.flops_match(explicit_kernel_attention, der.linear.matmul_flops),
                            Qm.shape_cases(), max_examples=30).passed


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
