"""Q6(c): derivation of the accumulating buffer, its numeric identity, and a mutation."""

import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from derivations.missing_zero_grad import derive
from numerics import missing_zero_grad as num


@given(st.integers(1, 8))
def test_buffer_is_sum_of_step_gradients(t):
    d = derive(t)
    assert all(x == 0 for x in d.buffer_minus_sum)
    assert all(d.weights[f"g{s}"] == t - s + 1 for s in range(1, t + 1))


def test_mutation_wrong_buffer_fails():
    d = derive(4)
    # a wrong claim (buffer holds only the last gradient) must disagree with the loop
    assert any(sp.simplify(b - g) != 0 for b, g in zip(d.buffers, d.grads))


def test_buggy_map_never_contracts():
    assert derive(2).buggy_det == 1


@given(st.integers(0, 50))
def test_numeric_identity(seed):
    assert num.accumulation_identity(steps=5, seed=seed) <= 1e-12
    assert num.momentum_one_matches(steps=5, seed=seed) <= 1e-12


def test_bug_diverges_fix_converges(device):
    bug = num.train_loop(600, fixed=False, device=device)
    fix = num.train_loop(600, fixed=True, device=device)
    assert sum(bug.losses[-60:]) > sum(bug.losses[:60])
    assert sum(fix.losses[-60:]) < sum(fix.losses[:60])
    assert bug.grad_norms[-1] > 10 * bug.grad_norms[0]
