"""``hw7 check`` on the choice questions Q2(a)(i–iii), Q6(b), Q6(c): negation marks, count
options, reasons and the cause of Q6(c) (issue 12, tester's C2/C3).

The keys are derived (``derive_entry`` runs the sections derive-only); the verdicts in the
tables are written from the meaning of each answer, never from what the checker says.
A wrong answer accepted is the worst defect: the Hypothesis property below asserts that a
negated option ("~X", "X ✗", "not X", "w/o X", "X=0", ...) is never read as choosing X.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hw7.checker import judge as ac
from hw7.checker import judge_choice as jc
from hw7.checker.references import derive_entry
from hw7.checker.verdict import Unjudgeable

CHOICE_IDS = ("q2a.i", "q2a.ii", "q2a.iii", "q6b", "q6c")


_KEYS: dict = {}


def _key(qid):
    if not _KEYS:
        old = os.environ.get("HW7_CACHE_DIR")
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            os.environ["HW7_CACHE_DIR"] = tmp
            try:
                _KEYS.update({q: ac.as_entry(derive_entry(q)) for q in CHOICE_IDS})
            finally:
                if old is None:
                    os.environ.pop("HW7_CACHE_DIR", None)
                else:
                    os.environ["HW7_CACHE_DIR"] = old
    return _KEYS[qid]


def status(qid, text):
    try:
        return jc.judge_choice(qid, _key(qid), text).status
    except Unjudgeable:
        return "unjudged"


def test_keys_are_what_the_homework_says():
    # Q2(a)(i): two linear maps; (ii) MSE; (iii) weight decay + SGD; Q6(b) BatchNorm; Q6(c) a fix.
    assert _key("q2a.i")["choices"] == ["2"]
    assert _key("q2a.ii")["choices"] == ["nn.MSELoss"]
    assert set(_key("q2a.iii")["choices"]) == {"Weight Decay", "SGD optimizer"}
    assert _key("q6b")["choices"] == ["BatchNorm"]
    fix = _key("q6c")["choices"][0]
    assert "inside the loop" in fix and fix not in _key("q6c")["data"]["causes"]


NEGATED_KEY = [  # C2: every one of these rules out the key's option: never "correct"
    ("q6b", "~BatchNorm"), ("q6b", "!BatchNorm"), ("q6b", "¬BatchNorm"), ("q6b", "BatchNorm ✗"),
    ("q6b", "BatchNorm ✘"), ("q6b", "BatchNorm ❌"), ("q6b", "BatchNorm ×"), ("q6b", "≠BatchNorm"),
    ("q6b", "-BatchNorm"), ("q6b", "−BatchNorm"), ("q6b", "BatchNorm is wrong"),
    ("q6b", "BatchNorm: no"), ("q6b", "anything but BatchNorm"), ("q6b", "except BatchNorm"),
    ("q6b", "isn't BatchNorm"), ("q6b", "not BatchNorm"), ("q6b", "BatchNorm does not fail"),
    ("q6b", "w/o BatchNorm"),
    ("q2a.ii", "~MSE"), ("q2a.ii", "¬MSE"), ("q2a.ii", "!nn.MSELoss"), ("q2a.ii", "nn.MSELoss ✗"),
    ("q2a.ii", "not torch.nn.MSELoss"),
    ("q2a.i", "~2"), ("q2a.i", "¬2"), ("q2a.i", "!2"), ("q2a.i", "2 ✗"), ("q2a.i", "not 2"),
    ("q6c", "~move zero_grad into the loop"), ("q6c", "not move zero_grad into the loop"),
]


@pytest.mark.parametrize("qid, text", NEGATED_KEY)
def test_a_negated_key_option_is_never_accepted(qid, text):
    assert status(qid, text) in ("refuted", "unjudged")


TABLE = [
    # C3: a count takes exactly one number
    *[("q2a.i", t, "unjudged") for t in (
        "2 or 3", "2, 3", "2-3", "2 to 3", "2 or more", "2 3", "2 layers, maybe 3", "2 or 1",
        "2^2", "2*2", "2 x 2", "2²", "-2", "at least 2", "~ 2 layers", "approximately 2",
        "2 maybe", "2.5", "7", "")],
    *[("q2a.i", t, "correct") for t in (
        "2", "2.0", "II", "two", "Two", "2 layers", "2 linear layers", "2 (encoder + decoder)",
        "Two linear layers (encoder and decoder)", "2.")],
    ("q2a.i", "3", "refuted"), ("q2a.i", "one linear layer", "refuted"),
    ("q2a.i", "two (2)", "correct"), ("q2a.i", "2 ✓", "correct"), ("q2a.i", "2 (three)", "unjudged"),
    ("q2a.i", "2, not 3", "unjudged"),
    ("q2a.i", "not 3", "unjudged"),
    # C2 in a set: a negated option is not selected, ticks affirm
    ("q2a.iii", "Weight Decay, SGD optimizer, ~Dropout", "correct"),
    ("q2a.iii", "Weight Decay ✓, SGD optimizer ✓, Dropout ✗", "correct"),
    ("q2a.iii", "Weight Decay, SGD optimizer, Dropout=0", "correct"),
    ("q2a.iii", "Weight Decay, SGD optimizer, w/o Dropout", "correct"),
    ("q2a.iii", "Weight Decay, SGD optimizer, Dropout (not needed)", "correct"),
    ("q2a.iii", "Weight Decay: yes, SGD optimizer: yes, Dropout: no", "correct"),
    ("q2a.iii", "Weight Decay, SGD optimizer, −Dropout", "correct"),
    ("q2a.iii", "Weight Decay, SGD optimizer, Dropout", "refuted"),
    ("q2a.iii", "Weight Decay, ~SGD optimizer", "refuted"),
    ("q2a.iii", "Weight Decay, SGD optimizer ✗", "refuted"),
    ("q2a.iii", "Weight Decay, SGD optimizer, Dropout = 0.5", "unjudged"),
    ("q2a.iii", "Weight Decay, SGD optimizer ⊕ Dropout", "unjudged"),
    # right answers in other words
    ("q6b", "It is BatchNorm", "correct"), ("q6b", "nn.BatchNorm2d", "correct"),
    ("q6b", "BatchNorm, because statistics are computed per micro-batch", "correct"),
    ("q6b", "Batch Norm (not Layer Norm)", "correct"), ("q6b", "BatchNorm, not LayerNorm", "correct"),
    ("q6b", "LayerNorm ✗, BatchNorm ✓", "correct"), ("q6b", "BatchNorm!", "correct"),
    ("q6b", "BatchNorm?", "unjudged"),
    ("q6b", "BatchNorm because LayerNorm is fine", "unjudged"),
    ("q6b", "LayerNorm", "refuted"), ("q6b", "LayerNorm (not Batch Norm)", "refuted"),
    ("q2a.ii", "torch.nn.MSELoss", "correct"), ("q2a.ii", "MSE ✓", "correct"),
    ("q2a.ii", "torch.nn.L1Loss", "refuted"),
    # Q6(c): the question asks to debug and give a correction
    ("q6c", "zero_grad once, outside the loop (gradients accumulate)", "unjudged"),
    ("q6c", "gradients accumulate", "unjudged"),
    ("q6c", "move zero_grad into the loop", "correct"),
    ("q6c", "move zero_grad into the loop, because gradients accumulate", "correct"),
    ("q6c", "move zero_grad into the loop, because the fix is not needed", "unjudged"),
    ("q6c", "put optimizer.zero_grad() at the start of each iteration", "correct"),
    ("q6c", "call optimizer.zero_grad() inside the loop, after optimizer.step()", "correct"),
    # one word from the fix's opposite must not pass as a typo of the fix
    ("q6c", "call optimizer.zero_grad() outside the loop, before loss.backward(), every iteration",
     "unjudged"),
    ("q6c", "inside the loop", "unjudged"),
]


@pytest.mark.parametrize("qid, text, expected", TABLE)
def test_choice_answers(qid, text, expected):
    assert status(qid, text) == expected


def test_a_cause_names_the_fix_it_lacks():
    with pytest.raises(Unjudgeable, match="states the cause"):
        jc.judge_choice("q6c", _key("q6c"), "gradients accumulate")
    lines = ac.describe(_key("q6c"))
    example = next(ln for ln in lines if ln.startswith("example:"))
    assert all(c not in example for c in _key("q6c")["data"]["causes"])


# ------------------------------------------------------------------ property: negation kind

NEG_FORMS = ["~{}", "~ {}", "!{}", "¬{}", "¬ {}", "≠{}", "-{}", "−{}", "✗ {}", "{} ✗", "{}✗",
             "{} ✘", "{} ❌", "❌ {}", "{} ×", "not {}", "Not {}", "NOT {}", "no {}", "without {}",
             "w/o {}", "isn't {}", "is not {}", "anything but {}", "except {}", "never {}",
             "{} is wrong", "{}: no", "{} - no", "{} = 0", "{}=0", "{} set to 0", "{} off",
             "{} (not needed)", "{} not used", "{} — no", "don't use {}", "{} ✗ (wrong)"]


def _option_forms(qid, opt):
    forms = [str(opt)]
    if qid == "q2a.i":
        forms += [f"{opt} layers"]
    return forms


@st.composite
def _negated(draw):
    qid = draw(st.sampled_from(CHOICE_IDS))
    key = _key(qid)
    opt = draw(st.sampled_from(key["options"]))
    form = draw(st.sampled_from(NEG_FORMS))
    name = draw(st.sampled_from(_option_forms(qid, opt)))
    name = draw(st.sampled_from([name, name.lower(), name.upper()]))
    return qid, opt, form.format(name)


@given(_negated())
def test_property_a_negated_option_is_never_chosen(case):
    qid, opt, text = case
    key = _key(qid)
    try:
        found = jc.mentions(text, key["options"]) if key["check_kind"] == "choices" else None
    except Unjudgeable:
        found = None
    if found is not None:
        assert (opt, False) not in found, (text, found)
    if opt in key["choices"]:
        v = status(qid, text)
        assert v != "correct", (text, v)
        if key["check_kind"] == "choices":  # the rest of the key, and the option negated
            rest = ", ".join(o for o in key["choices"] if o != opt)
            assert status(qid, f"{rest}, {text}" if rest else text) != "correct", text


def test_mutation_a_reader_that_drops_marks_fails_the_property(monkeypatch):
    """The property has teeth: the old reader (marks dropped with the punctuation) fails it."""
    monkeypatch.setattr(jc, "_marks", lambda t: "".join(
        ch for ch in t if ch.isalnum() or ch in " ,;:()._-'=/"))
    bad = [text for text in ("~BatchNorm", "BatchNorm ✗", "¬BatchNorm")
           if status("q6b", text) == "correct"]
    assert bad


# ------------------------------------------------------------------ tester's C3/C4 (round 2)

C3_REPEATED_COUNTS = ["2+2", "2+", "two + two", "2+two", "II + II", "2 2", "2 2 2", "two two",
                      "2++", "two+", "II+", "2+ layers", "2 + 2 layers", "(two + two)"]


@pytest.mark.parametrize("text", C3_REPEATED_COUNTS)
def test_a_count_takes_exactly_one_number(text):
    # "2+2" is an arithmetic expression, "2 2" a repeated number: never one count
    assert status("q2a.i", text) == "unjudged"


C4_DIFFERENT_TERMS = [
    *[("q2a.ii", t) for t in ("mean squared log error", "MSLE", "nn.MSLELoss", "nn.ELoss",
                              "nn.SELoss", "RMSE", "loss")],
    *[("q2a.iii", t) for t in (
        "Weight Decay, Adam optimizer", "Weight Decay, LARS optimizer",
        "Weight Decay, SAM optimizer", "Weight Decay, Ada optimizer",
        "Weight Decay, RGD optimizer", "Weight Decay, optimizer",
        "L1 regularization, SGD", "L0 regularization, SGD", "L3 regularization, SGD",
        "Lp regularization, SGD", "Weight Decay, RMSprop optimizer",
        "Weight Decay, AdamW optimizer", "Group Norm, SGD", "Weight Decay, Instance Norm")],
    *[("q6b", t) for t in ("Batch Renorm", "Batch Renormalization", "Batch Re-Norm",
                           "BatchReNorm", "GroupNorm", "InstanceNorm", "norm")],
]


@pytest.mark.parametrize("qid, text", C4_DIFFERENT_TERMS)
def test_a_different_known_term_is_never_read_as_an_option(qid, text):
    assert status(qid, text) != "correct"


RIGHT_IN_OTHER_WORDS = [
    *[("q2a.ii", t) for t in ("L2 loss", "squared error", "MSE", "nn.MSELoss", "torch.nn.MSELoss",
                              "mean squared error", "MSELoss", "nn.MSELos")],
    *[("q6b", t) for t in ("BN", "batch normalization", "Batch Norm", "nn.BatchNorm2d",
                           "BatchNrom", "batchnorm")],
    *[("q2a.iii", t) for t in ("SGD, weight decay", "weight decay, SGD", "Weight Decay, SGD optimizer",
                               "weight decay + SGD", "Weight Decay, SGD optimiser")],
    ("q2a.i", "2"), ("q2a.i", "two"), ("q2a.i", "II"), ("q2a.i", "2.0"),
    ("q2a.i", "2 (encoder + decoder)"), ("q2a.i", "two (2)"),
]


@pytest.mark.parametrize("qid, text", RIGHT_IN_OTHER_WORDS)
def test_right_answers_in_other_words_still_pass(qid, text):
    assert status(qid, text) == "correct"


def test_layer_normalization_names_layer_norm():
    assert status("q6b", "layer normalization") == "refuted"
    assert jc.match_option("layer normalization", _key("q2a.iii")["options"]) == "Layer Norm"


def test_edit1():
    assert jc._edit1("batchnrom", "batchnorm") and jc._edit1("mselos", "mseloss")
    assert not jc._edit1("batchrenorm", "batchnorm") and not jc._edit1("abc", "abc")
