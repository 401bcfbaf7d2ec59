"""Q6(b): accumulation is exact for per-sample models and fails with BatchNorm (train)."""

from hypothesis import given

from derivations.gradient_accumulation import derive
from hw7.properties import gradient_accumulation as props
from hw7core.props import mutation_check
from numerics import gradient_accumulation as num


def test_derivation():
    d = derive()
    assert all(v == 0 for v in d.split_grad_gap.values())
    assert d.bn_cross_at != 0 and d.ln_cross == 0


@given(props.cases())
def test_per_sample_models_exact(case):
    props.separable_is_exact(case)


@given(props.cases())
def test_batchnorm_train_not_exact(case):
    props.batchnorm_is_not_exact(case)


def test_mutation_missing_division_caught():
    assert mutation_check(props.missing_division, props.cases(), max_examples=10).ok


def test_cnn(device):
    x, y = num.data(device=device)
    assert props.worst(num.accumulation_errors(num.make_model("layer", device=device), x, y)) <= props.EXACT
    assert props.worst(num.accumulation_errors(num.make_model("batch", device=device).train(), x, y)) > props.BROKEN
