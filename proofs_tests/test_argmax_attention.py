"""Q4: argmax attention — derivation vs torch, tie rule, gradients, bad input, mutations."""

from __future__ import annotations

import pytest
import sympy as sp
import torch
from hypothesis import given

from derivations import argmax_attention as D
from hw7.errors import InputError
from hw7.properties import argmax_attention as P
from hw7.props import run_property
from numerics import argmax_attention as N


@pytest.fixture(scope="module")
def der():
    return D.derive()


def _instance(device, dtype=torch.float64):
    K = torch.tensor(D.KEYS, dtype=dtype, device=device)
    V = torch.tensor(D.VALUES, dtype=dtype, device=device)
    q = torch.tensor([D.QUERY], dtype=dtype, device=device)
    return q, K, V


def test_derivation_computes_scores_from_the_instance(der):
    # the scores are K q computed independently here, entry by entry
    expect = [sum(a * b for a, b in zip(k, D.QUERY)) for k in D.KEYS]
    assert list(der.scores) == expect
    best = max(range(len(expect)), key=lambda t: (expect[t], -t))
    assert der.index == best
    assert list(der.output) == D.VALUES[best]
    assert der.softmax_limit == der.weights
    assert der.argmax_jacobian.is_zero_matrix
    assert der.radius > 0


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_torch_matches_derivation_on_the_instance(der, device, dtype):
    q, K, V = _instance(device, dtype)
    res = N.argmax_attention(q, K, V, device=device)
    assert res["scores"][0].cpu().tolist() == [float(s) for s in der.scores]
    assert res["output"][0].cpu().tolist() == [float(v) for v in der.output]
    assert int(res["index"][0]) == der.index


@given(P.attention_case())
def test_output_is_the_value_of_the_best_key(case):
    P.best_value_property()(case)


def test_mutation_last_index_on_ties_is_refuted():
    run = run_property(P.best_value_property(P.last_index_on_ties), P.attention_case(),
                       max_examples=40)
    assert not run.passed


def test_mutation_argmin_is_refuted():
    def argmin_attention(q, K, V):
        return N.argmax_attention(-q, K, V)
    assert not run_property(P.best_value_property(argmin_attention), P.attention_case(),
                            max_examples=40).passed


def test_ties_go_to_lowest_index(device):
    K = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]], device=device)
    V = torch.tensor([[1.0], [2.0], [3.0]], device=device)
    q = torch.tensor([[1.0, 1.0], [2.0, 0.0]], device=device)   # all tie; keys 0 and 2 tie
    res = N.argmax_attention(q, K, V, device=device)
    assert res["index"].cpu().tolist() == [0, 0]


def test_gradients_zero_for_argmax_nonzero_for_softmax(device):
    q, K, V = _instance("cpu")
    g = N.gradients(q, K, V, device=device)
    assert g["argmax"]["grad_q_norm"] == 0 and g["argmax"]["grad_K_norm"] == 0
    assert g["argmax"]["fd_grad_q_norm"] == 0
    assert g["softmax"]["grad_q_norm"] > 0 and g["softmax"]["grad_K_norm"] > 0


def test_retrieval_softmax_learns_argmax_cannot(device):
    r = N.retrieval_experiment(seed=0, steps=100, lr=1.0, device=device)
    assert r["argmax"]["q_moved"] == 0
    assert len(set(r["argmax"]["loss"])) == 1
    assert r["softmax"]["loss"][-1] < 0.01 * r["softmax"]["loss"][0]
    assert r["softmax"]["retrieves_target"]


def test_temperature_limit(der):
    q, K, V = _instance("cpu")
    errs = [e for _, e in N.temperature_sweep(q, K, V, [2.0, 1.0, 0.5, 0.1])]
    assert all(a >= b for a, b in zip(errs, errs[1:]))
    assert errs[-1] < 1e-12
    # the smallest score gap sets the rate: error ~ exp(−gap/τ) at small τ
    gap = float(der.margin)
    assert errs[2] <= 10 * float(sp.exp(-gap / 0.5))


@pytest.mark.parametrize("bad, msg", [
    (lambda q, K, V: (q, K[:, :2], V), "widths differ"),
    (lambda q, K, V: (q, K, V[:3]), "differ"),
    (lambda q, K, V: (q, K[:0], V[:0]), "N = 0"),
    (lambda q, K, V: (q * float("nan"), K, V), "NaN"),
    (lambda q, K, V: (q, K, V.masked_fill(V > 3, float("inf"))), "infinite"),
    (lambda q, K, V: (q.long(), K, V), "floating point"),
])
def test_bad_input_is_one_clear_line(bad, msg):
    q, K, V = _instance("cpu")
    with pytest.raises(InputError) as exc:
        N.argmax_attention(*bad(q, K, V))
    assert msg in str(exc.value) and "\n" not in str(exc.value)


# ---------------------------------------------------------------- issue 11: overflow, NaN, hostile arrays
def test_float16_scores_that_overflow_float16_pick_the_true_argmax():
    # in float16 both scores (90000, 120000) overflow to inf and index 0 came out
    q = torch.tensor([[300.0, 300.0]], dtype=torch.float16)
    K = torch.tensor([[150.0, 150.0], [200.0, 200.0]], dtype=torch.float16)
    V = torch.tensor([[1.0], [2.0]], dtype=torch.float16)
    res = N.argmax_attention(q, K, V)
    assert int(res["index"][0]) == 1
    assert res["scores"][0].tolist() == [90000.0, 120000.0]
    assert res["output"].dtype == torch.float16 and res["output"][0].tolist() == [2.0]


def test_float32_inf_minus_inf_scores_are_exact_ties_not_nan():
    # float32 q·k for k = (2, −2) is inf − inf = NaN (it ended in a raw RuntimeError);
    # computed where it cannot overflow, all three scores are exactly 0: a tie → index 0
    q = torch.tensor([[3e38, 3e38]], dtype=torch.float32)
    K = torch.tensor([[1.0, -1.0], [2.0, -2.0], [0.0, 0.0]], dtype=torch.float32)
    V = torch.tensor([[1.0], [2.0], [3.0]])
    res = N.argmax_attention(q, K, V)
    assert res["scores"][0].tolist() == [0.0, 0.0, 0.0]
    assert int(res["index"][0]) == 0 and res["output"][0].tolist() == [1.0]


def test_nan_scores_and_float64_overflow_are_one_line_input_errors():
    with pytest.raises(InputError, match="NaN") as exc:
        N.argmax_weights(torch.tensor([[1.0, float("nan")]]))
    assert "\n" not in str(exc.value)
    q = torch.tensor([[1e300, 1e300]], dtype=torch.float64)
    K = torch.tensor([[1e300, -1e300], [1.0, 1.0]], dtype=torch.float64)
    with pytest.raises(InputError, match="overflow float64") as exc:
        N.argmax_attention(q, K, torch.ones(2, 1, dtype=torch.float64))
    assert "\n" not in str(exc.value)


def test_softmax_attention_float16_does_not_overflow_into_nan():
    q = torch.tensor([[300.0, 300.0]], dtype=torch.float16)
    K = torch.tensor([[150.0, 150.0], [200.0, 200.0]], dtype=torch.float16)
    V = torch.tensor([[1.0], [2.0]], dtype=torch.float16)
    out = N.softmax_attention(q, K, V)
    assert out.dtype == torch.float16 and out[0].tolist() == [2.0]
    for bad in (0.0, -1.0, float("nan"), float("inf"), True, "1"):
        with pytest.raises(InputError, match="temperature"):
            N.softmax_attention(q, K, V, temperature=bad)


@pytest.mark.parametrize("bad, msg", [
    (lambda q, K, V: (q.to(torch.complex128), K, V), "complex"),
    (lambda q, K, V: (q, K.to(torch.complex64), V), "complex"),
    (lambda q, K, V: (q, K, V.bool()), "floating point"),
    (lambda q, K, V: (q[0, 0], K, V), "dimensions"),
])
def test_hostile_tensors_are_one_clear_line(bad, msg):
    q, K, V = _instance("cpu")
    with pytest.raises(InputError, match=msg) as exc:
        N.argmax_attention(*bad(q, K, V))
    assert "\n" not in str(exc.value)


def _exact_argmax(q, K):
    """Index of the largest exact (rational) score per query, ties → lowest index."""
    from fractions import Fraction
    out = []
    for row in q.tolist():
        s = [sum(Fraction(a) * Fraction(b) for a, b in zip(row, k)) for k in K.tolist()]
        out.append(s.index(max(s)))
    return out


_HUGE = {torch.float16: 2.0**5, torch.float32: 2.0**117}   # entries up to 2^10 · this


def _huge_case(draw_ints, dtype):
    (l_, n, d, qi, ki), scale = draw_ints, _HUGE[dtype]
    q = torch.tensor(qi, dtype=torch.float64).reshape(l_, d) * scale
    K = torch.tensor(ki, dtype=torch.float64).reshape(n, d) * scale
    return q.to(dtype), K.to(dtype)


def _huge_cases():
    from hypothesis import strategies as st

    def build(dims):
        l_, n, d = dims
        ints = st.lists(st.integers(-1024, 1024), min_size=l_ * d, max_size=l_ * d)
        kints = st.lists(st.integers(-1024, 1024), min_size=n * d, max_size=n * d)
        return st.tuples(st.just(l_), st.just(n), st.just(d), ints, kints)
    return st.tuples(st.integers(1, 3), st.integers(1, 6), st.integers(1, 4)).flatmap(build)


def _argmax_matches_exact(attn):
    def prop(args):
        ints, dtype = args
        q, K = _huge_case(ints, dtype)      # exact in dtype; qᵀk overflows it
        V = torch.arange(K.shape[0], dtype=dtype)[:, None]
        idx = attn(q, K, V)["index"].tolist()
        assert idx == _exact_argmax(q, K), f"{idx} vs exact {_exact_argmax(q, K)}"
    return prop


def _huge_strategy():
    from hypothesis import strategies as st
    return st.tuples(_huge_cases(), st.sampled_from([torch.float16, torch.float32]))


@given(_huge_strategy())
def test_argmax_of_scores_beyond_the_dtype_range_is_exact(args):
    _argmax_matches_exact(N.argmax_attention)(args)


def test_mutation_scores_in_the_input_dtype_are_refuted():
    def in_dtype(q, K, V):
        s = q @ K.T
        return {"index": N.argmax_weights(torch.nan_to_num(s, nan=0.0))[1]}
    assert not run_property(_argmax_matches_exact(in_dtype), _huge_strategy(),
                            max_examples=60).passed


def test_property_home_examples_run():
    # hw7/properties/<result>.py: its docstring examples (a property passing, its mutant refuted)
    import doctest

    res = doctest.testmod(P, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert res.attempted > 0 and res.failed == 0, res
