"""Q6(c): derivation of the accumulating buffer, its numeric identity, and a mutation."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from derivations.missing_zero_grad import derive
from hw7.properties import missing_zero_grad as props
from numerics import missing_zero_grad as num


@given(st.integers(1, 8))
def test_buffer_is_sum_of_step_gradients(t):
    d = derive(t)
    props.buffer_is_sum(d)
    props.weights_are_linear(d)


def test_mutation_wrong_buffer_fails():
    # a wrong claim (buffer holds only the last gradient) must disagree with the loop
    with pytest.raises(AssertionError):
        props.buffer_is_last_gradient(derive(4))


def test_buggy_map_never_contracts():
    assert derive(2).buggy_det == 1


@given(st.integers(0, 50))
def test_numeric_identity(seed):
    props.identity_holds(seed, steps=5)


def test_bug_diverges_fix_converges(device):
    bug = num.train_loop(600, fixed=False, device=device)
    fix = num.train_loop(600, fixed=True, device=device)
    assert sum(bug.losses[-60:]) > sum(bug.losses[:60])
    assert sum(fix.losses[-60:]) < sum(fix.losses[:60])
    assert bug.grad_norms[-1] > 10 * bug.grad_norms[0]
