"""Q4: argmax attention — derivation vs torch, tie rule, gradients, bad input, mutations."""

from __future__ import annotations

import pytest
import sympy as sp
import torch
from hypothesis import given

from derivations import argmax_attention as D
from hw7.errors import InputError
from hw7.props import run_property
from hw7.questions import argmax_attention as Qm
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


@given(Qm.attention_case())
def test_output_is_the_value_of_the_best_key(case):
    Qm.best_value_property()(case)


def test_mutation_last_index_on_ties_is_refuted():
    run = run_property(Qm.best_value_property(Qm.last_index_on_ties), Qm.attention_case(),
                       max_examples=40)
    assert not run.passed


def test_mutation_argmin_is_refuted():
    def argmin_attention(q, K, V):
        return N.argmax_attention(-q, K, V)
    assert not run_property(Qm.best_value_property(argmin_attention), Qm.attention_case(),
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
